//! Small formatting helpers for the human-readable lines (Vietnamese first, then English).

use jiff::civil::{Date, DateTime, Time, Weekday};

/// `thứ Sáu`, `Chủ nhật` (as written inside a sentence).
pub(crate) fn weekday_vi(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "thứ Hai",
        Weekday::Tuesday => "thứ Ba",
        Weekday::Wednesday => "thứ Tư",
        Weekday::Thursday => "thứ Năm",
        Weekday::Friday => "thứ Sáu",
        Weekday::Saturday => "thứ Bảy",
        Weekday::Sunday => "Chủ nhật",
    }
}

pub(crate) fn weekday_en(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

/// `13/02/2026`.
pub(crate) fn dmy(date: Date) -> String {
    format!("{:02}/{:02}/{}", date.day(), date.month(), date.year())
}

/// `thứ Sáu 13/02/2026`.
pub(crate) fn day_vi(date: Date) -> String {
    format!("{} {}", weekday_vi(date.weekday()), dmy(date))
}

/// `Friday 13/02/2026`.
pub(crate) fn day_en(date: Date) -> String {
    format!("{} {}", weekday_en(date.weekday()), dmy(date))
}

/// `16:00`, or `16:00:37` when the seconds are not zero.
pub(crate) fn hm(time: Time) -> String {
    if time.second() == 0 {
        format!("{:02}:{:02}", time.hour(), time.minute())
    } else {
        format!(
            "{:02}:{:02}:{:02}",
            time.hour(),
            time.minute(),
            time.second()
        )
    }
}

/// `16:00 thứ Sáu 13/02/2026`.
pub(crate) fn moment_vi(moment: DateTime) -> String {
    format!("{} {}", hm(moment.time()), day_vi(moment.date()))
}

/// `16:00 on Friday 13/02/2026`.
pub(crate) fn moment_en(moment: DateTime) -> String {
    format!("{} on {}", hm(moment.time()), day_en(moment.date()))
}

/// Upper-cases the first letter (`thứ Hai` → `Thứ Hai` at the start of a line).
pub(crate) fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A working duration in seconds: `7 giờ 30 phút` / `7 h 30 min`.
pub(crate) fn duration_vi(seconds: i64) -> String {
    duration(seconds, "giờ", "phút", "giây")
}

pub(crate) fn duration_en(seconds: i64) -> String {
    duration(seconds, "h", "min", "s")
}

fn duration(seconds: i64, hours_unit: &str, minutes_unit: &str, seconds_unit: &str) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let total = seconds.unsigned_abs();
    let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} {hours_unit}"));
    }
    if m > 0 {
        parts.push(format!("{m} {minutes_unit}"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} {seconds_unit}"));
    }
    format!("{sign}{}", parts.join(" "))
}

/// A value kept in hundredths, written with a decimal comma (`0,5`, `3`, `1,25`).
pub(crate) fn hundredths_vi(hundredths: u32) -> String {
    decimal(hundredths, ',')
}

/// The same with a decimal point (`0.5`).
pub(crate) fn hundredths_en(hundredths: u32) -> String {
    decimal(hundredths, '.')
}

fn decimal(hundredths: u32, separator: char) -> String {
    let whole = hundredths / 100;
    let fraction = hundredths % 100;
    if fraction == 0 {
        whole.to_string()
    } else if (fraction / 10) * 10 == fraction {
        format!("{whole}{separator}{}", fraction / 10)
    } else {
        format!("{whole}{separator}{fraction:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn formats() {
        assert_eq!(
            moment_vi(date(2026, 2, 13).at(16, 0, 0, 0)),
            "16:00 thứ Sáu 13/02/2026"
        );
        assert_eq!(
            moment_en(date(2026, 2, 13).at(16, 0, 5, 0)),
            "16:00:05 on Friday 13/02/2026"
        );
        assert_eq!(capitalize("thứ Hai"), "Thứ Hai");
        assert_eq!(duration_vi(7 * 3600 + 1800), "7 giờ 30 phút");
        assert_eq!(duration_en(0), "0 s");
        assert_eq!(hundredths_vi(50), "0,5");
        assert_eq!(hundredths_vi(125), "1,25");
        assert_eq!(hundredths_en(300), "3");
    }
}
