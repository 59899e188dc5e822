//! Vietnamese ways of writing dates, times and working durations on official papers.
//!
//! Administrative documents write the place and date line as
//! "Vĩnh Long, ngày 13 tháng 02 năm 2026" and times as "16 giờ 00". NĐ 30/2020/NĐ-CP
//! (Phụ lục I, document format) asks for a leading zero on days below 10 and on months 1 and 2
//! only, so that a handwritten digit cannot be added in front: "ngày 05 tháng 3", "tháng 02".

use jiff::civil::{Date, DateTime};

/// "ngày 13 tháng 02 năm 2026", "ngày 05 tháng 3 năm 2026" (NĐ 30/2020: zero only before
/// days 1–9 and months 1–2).
pub fn date_long(date: Date) -> String {
    let month = if date.month() <= 2 {
        format!("{:02}", date.month())
    } else {
        date.month().to_string()
    };
    format!("ngày {:02} tháng {month} năm {}", date.day(), date.year())
}

/// "13/02/2026", for table cells.
pub fn date_short(date: Date) -> String {
    format!("{:02}/{:02}/{}", date.day(), date.month(), date.year())
}

/// "16 giờ 00".
pub fn time_of_day(at: DateTime) -> String {
    format!("{:02} giờ {:02}", at.hour(), at.minute())
}

/// "16 giờ 00, ngày 13 tháng 02 năm 2026".
pub fn datetime_long(at: DateTime) -> String {
    format!("{}, {}", time_of_day(at), date_long(at.date()))
}

/// "13/02/2026 16:00", for table cells and exports (Excel reads it as a date-time).
pub fn datetime_short(at: DateTime) -> String {
    format!(
        "{} {:02}:{:02}",
        date_short(at.date()),
        at.hour(),
        at.minute()
    )
}

/// The place and date line of a document: "Vĩnh Long, ngày 13 tháng 02 năm 2026".
pub fn place_and_date(place: &str, date: Date) -> String {
    let place = place.trim();
    if place.is_empty() {
        date_long(date)
    } else {
        format!("{place}, {}", date_long(date))
    }
}

/// Working time in minutes as Vietnamese words, counting one working day as 8 working hours
/// (domain.md §3): 480 → "1 ngày", 720 → "1 ngày 4 giờ", 90 → "1 giờ 30 phút", 0 → "0 giờ".
pub fn working_duration(minutes: u32) -> String {
    const DAY: u32 = 8 * 60;
    let days = minutes / DAY;
    let hours = (minutes % DAY) / 60;
    let mins = minutes % 60;
    let mut parts = Vec::with_capacity(3);
    if days > 0 {
        parts.push(format!("{days} ngày"));
    }
    if hours > 0 {
        parts.push(format!("{hours} giờ"));
    }
    if mins > 0 {
        parts.push(format!("{mins} phút"));
    }
    if parts.is_empty() {
        "0 giờ".to_owned()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates_and_times_the_vietnamese_way() {
        let at = date(2026, 2, 13).at(16, 0, 0, 0);
        assert_eq!(date_long(at.date()), "ngày 13 tháng 02 năm 2026");
        assert_eq!(time_of_day(at), "16 giờ 00");
        assert_eq!(datetime_long(at), "16 giờ 00, ngày 13 tháng 02 năm 2026");
        assert_eq!(datetime_short(at), "13/02/2026 16:00");
        assert_eq!(
            place_and_date("Vĩnh Long", date(2026, 3, 5)),
            "Vĩnh Long, ngày 05 tháng 3 năm 2026"
        );
        assert_eq!(
            place_and_date("  ", date(2026, 1, 5)),
            "ngày 05 tháng 01 năm 2026"
        );
        assert_eq!(date_long(date(2026, 11, 24)), "ngày 24 tháng 11 năm 2026");
    }

    #[test]
    fn working_durations_use_eight_hour_days() {
        assert_eq!(working_duration(0), "0 giờ");
        assert_eq!(working_duration(480), "1 ngày");
        assert_eq!(working_duration(720), "1 ngày 4 giờ");
        assert_eq!(working_duration(90), "1 giờ 30 phút");
        assert_eq!(working_duration(10 * 480 + 15), "10 ngày 15 phút");
    }
}
