//! A procedure's processing time limit (thời hạn giải quyết): a value and a unit.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::hundredths_vi;

/// One working day is 8 working hours (domain.md §3), whatever the windows add up to.
pub const WORKING_DAY_HOURS: i64 = 8;

/// The largest value [`TimeLimit::parse`] accepts, in units (no real procedure comes near).
pub const MAX_PARSED_UNITS: u32 = 10_000;

/// The unit of a time limit. Most procedures count working days; some count working hours;
/// national records also say plain "Ngày" (calendar days) and "Tháng" (months).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// ngày làm việc
    WorkingDays,
    /// giờ làm việc
    WorkingHours,
    /// ngày (calendar days)
    CalendarDays,
    /// tháng
    Months,
}

impl TimeUnit {
    /// The Vietnamese name: `ngày làm việc`, `giờ làm việc`, `ngày`, `tháng`.
    pub fn name_vi(self) -> &'static str {
        match self {
            TimeUnit::WorkingDays => "ngày làm việc",
            TimeUnit::WorkingHours => "giờ làm việc",
            TimeUnit::CalendarDays => "ngày",
            TimeUnit::Months => "tháng",
        }
    }
}

/// A time limit, e.g. 3 working days. Half days occur in real records (0.5 ngày làm việc), so
/// the value is kept exactly, in hundredths of the unit.
///
/// Deserializing checks the same bound as [`TimeLimit::parse`] (at most [`MAX_PARSED_UNITS`]
/// units), so no JSON entry point (catalog files, stored versions, the API) can carry a limit
/// whose due date takes seconds to walk (docs/FUZZING.md, finding 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "UncheckedTimeLimit")]
pub struct TimeLimit {
    /// The value in hundredths of the unit (300 = 3 units, 50 = half a unit).
    pub hundredths: u32,
    pub unit: TimeUnit,
}

/// A time limit as read from JSON, before its bound is checked.
#[derive(Deserialize)]
struct UncheckedTimeLimit {
    hundredths: u32,
    unit: TimeUnit,
}

impl TryFrom<UncheckedTimeLimit> for TimeLimit {
    type Error = String;

    fn try_from(raw: UncheckedTimeLimit) -> Result<Self, String> {
        if raw.hundredths > MAX_PARSED_UNITS * 100 {
            return Err(format!(
                "thời hạn quá lớn: tối đa {MAX_PARSED_UNITS} đơn vị / time limit too large: at most {MAX_PARSED_UNITS} units (hundredths {})",
                raw.hundredths
            ));
        }
        Ok(TimeLimit {
            hundredths: raw.hundredths,
            unit: raw.unit,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeLimitError {
    #[error("cannot read a time limit from {0:?}: expected e.g. \"3 working days\", \"8 working hours\", \"3 ngày làm việc\"")]
    Unreadable(String),
    #[error("Thời hạn thiếu con số: {0:?} (ví dụ: 3 ngày làm việc) / The time limit has no number: {0:?} (e.g. 3 working days)")]
    MissingNumber(String),
    #[error("Con số {0:?} không hợp lệ: dùng số không âm, tối đa 2 chữ số thập phân (0,5) / Invalid number {0:?}: use a non-negative number with at most 2 decimals (0.5)")]
    InvalidNumber(String),
    #[error("Không rõ đơn vị {0:?}: dùng \"ngày làm việc\", \"giờ làm việc\", \"ngày\" hoặc \"tháng\" / Unknown unit {0:?}: use working days, working hours, days or months")]
    UnknownUnit(String),
    #[error("Thời hạn quá lớn: {0:?} (tối đa {MAX_PARSED_UNITS}) / Time limit too large: {0:?} (at most {MAX_PARSED_UNITS})")]
    TooLarge(String),
}

impl TimeLimit {
    /// A limit of `hundredths` hundredths of `unit` (50 = half a unit).
    pub const fn new(hundredths: u32, unit: TimeUnit) -> Self {
        Self { hundredths, unit }
    }

    /// `n` working days (ngày làm việc).
    pub const fn working_days(n: u32) -> Self {
        Self::new(n.saturating_mul(100), TimeUnit::WorkingDays)
    }

    /// `n` working hours (giờ làm việc).
    pub const fn working_hours(n: u32) -> Self {
        Self::new(n.saturating_mul(100), TimeUnit::WorkingHours)
    }

    /// `n` calendar days (ngày).
    pub const fn calendar_days(n: u32) -> Self {
        Self::new(n.saturating_mul(100), TimeUnit::CalendarDays)
    }

    /// `n` months (tháng).
    pub const fn months(n: u32) -> Self {
        Self::new(n.saturating_mul(100), TimeUnit::Months)
    }

    /// The working time of a limit in working days or hours, in seconds (a working day is
    /// [`WORKING_DAY_HOURS`] hours); `None` for calendar days and months.
    pub fn working_seconds(&self) -> Option<i64> {
        let hundredths = i64::from(self.hundredths);
        match self.unit {
            // 1/100 of 8 h = 288 s; 1/100 h = 36 s.
            TimeUnit::WorkingDays => Some(hundredths * WORKING_DAY_HOURS * 36),
            TimeUnit::WorkingHours => Some(hundredths * 36),
            TimeUnit::CalendarDays | TimeUnit::Months => None,
        }
    }

    /// Reads a limit as written in catalogs and forms, in Vietnamese or English:
    /// `3 ngày làm việc`, `0,5 ngày làm việc`, `8 giờ làm việc`, `4 giờ` (working hours),
    /// `10 ngày` (calendar days), `1 tháng`, `3 working days`, `8 working hours`, `10 days`,
    /// `10 calendar days`, `1 month`. Case and spacing do not matter, nor do Vietnamese
    /// diacritics (`3 ngay lam viec`), in precomposed or decomposed form. The decimal
    /// separator is `,` or `.`, with at most two decimals.
    pub fn parse(text: &str) -> Result<Self, TimeLimitError> {
        let folded = fold(text);
        let trimmed = folded.trim();
        if trimmed.is_empty() {
            return Err(TimeLimitError::Unreadable(text.to_string()));
        }
        let number_end = trimmed
            .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(number_end);
        if number.is_empty() {
            if let Some(negative) = trimmed.strip_prefix('-') {
                let digits = negative.split_whitespace().next().unwrap_or_default();
                return Err(TimeLimitError::InvalidNumber(format!("-{digits}")));
            }
            return Err(TimeLimitError::MissingNumber(text.to_string()));
        }
        let hundredths = parse_hundredths(number)
            .ok_or_else(|| TimeLimitError::InvalidNumber(number.to_string()))?;
        let unit_words: Vec<&str> = unit.split_whitespace().collect();
        let unit = match unit_words.join(" ").as_str() {
            "ngay lam viec" | "working day" | "working days" => TimeUnit::WorkingDays,
            "gio lam viec" | "gio" | "working hour" | "working hours" | "hour" | "hours" | "h" => {
                TimeUnit::WorkingHours
            }
            "ngay" | "day" | "days" | "calendar day" | "calendar days" => TimeUnit::CalendarDays,
            "thang" | "month" | "months" => TimeUnit::Months,
            "" => return Err(TimeLimitError::UnknownUnit(String::new())),
            _ => return Err(TimeLimitError::UnknownUnit(unit.trim().to_string())),
        };
        if hundredths > MAX_PARSED_UNITS * 100 {
            return Err(TimeLimitError::TooLarge(text.to_string()));
        }
        Ok(Self { hundredths, unit })
    }
}

impl fmt::Display for TimeLimit {
    /// In Vietnamese: `3 ngày làm việc`, `0,5 ngày làm việc`, `10 ngày`, `1 tháng`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            hundredths_vi(self.hundredths),
            self.unit.name_vi()
        )
    }
}

impl std::str::FromStr for TimeLimit {
    type Err = TimeLimitError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// `3` → 300, `0,5` → 50, `1.25` → 125; `None` for anything else or an overflow.
fn parse_hundredths(number: &str) -> Option<u32> {
    let (whole, fraction) = match number.find([',', '.']) {
        Some(at) => (&number[..at], &number[at + 1..]),
        None => (number, ""),
    };
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 2 {
        return None;
    }
    if number.contains([',', '.']) && fraction.is_empty() {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let fraction: u32 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<u32>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(fraction)
}

/// Lower-cases and removes Vietnamese diacritics from the letters the unit words use, in
/// either Unicode form: combining marks (decomposed text) are dropped, and the precomposed
/// vowels of "ngày", "giờ", "việc", "tháng" are mapped to their base letters.
fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !('\u{0300}'..='\u{036f}').contains(c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'ả' | 'ã' | 'ạ' | 'â' | 'ă' => 'a',
            'ờ' | 'ơ' | 'ô' | 'ó' | 'ò' => 'o',
            'ệ' | 'ê' | 'é' | 'è' => 'e',
            'đ' => 'd',
            '\u{a0}' => ' ',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_limits_share_the_parse_bound() {
        let ok: TimeLimit =
            serde_json::from_str(r#"{"hundredths": 1000000, "unit": "working_days"}"#).unwrap();
        assert_eq!(ok, TimeLimit::working_days(MAX_PARSED_UNITS));
        let err = serde_json::from_str::<TimeLimit>(
            r#"{"hundredths": 4294967295, "unit": "working_days"}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("too large"), "{err}");
    }

    #[test]
    fn parses_the_written_forms() {
        let cases = [
            ("3 working days", TimeLimit::working_days(3)),
            ("1 working day", TimeLimit::working_days(1)),
            ("8 working hours", TimeLimit::working_hours(8)),
            ("3 ngày làm việc", TimeLimit::working_days(3)),
            ("3 Ngày làm việc", TimeLimit::working_days(3)),
            ("  3   ngày  làm việc ", TimeLimit::working_days(3)),
            ("3 ngay lam viec", TimeLimit::working_days(3)),
            ("8 giờ làm việc", TimeLimit::working_hours(8)),
            (
                "0,5 ngày làm việc",
                TimeLimit::new(50, TimeUnit::WorkingDays),
            ),
            (
                "1.5 working days",
                TimeLimit::new(150, TimeUnit::WorkingDays),
            ),
            ("10 ngày", TimeLimit::calendar_days(10)),
            ("10 days", TimeLimit::calendar_days(10)),
            ("1 tháng", TimeLimit::months(1)),
            ("2 months", TimeLimit::months(2)),
            ("4 giờ", TimeLimit::working_hours(4)),
            ("4giờ", TimeLimit::working_hours(4)),
            // Decomposed (NFD) Vietnamese: "ngày" as n g a + grave + y.
            (
                "5 nga\u{300}y la\u{300}m vie\u{323}\u{302}c",
                TimeLimit::working_days(5),
            ),
            ("0 ngày", TimeLimit::calendar_days(0)),
        ];
        for (text, expected) in cases {
            assert_eq!(TimeLimit::parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn refuses_with_clear_errors() {
        assert!(matches!(
            TimeLimit::parse(""),
            Err(TimeLimitError::Unreadable(_))
        ));
        assert!(matches!(
            TimeLimit::parse("ngày làm việc"),
            Err(TimeLimitError::MissingNumber(_))
        ));
        assert!(matches!(
            TimeLimit::parse("0,555 ngày"),
            Err(TimeLimitError::InvalidNumber(_))
        ));
        assert!(matches!(
            TimeLimit::parse("1,2,3 ngày"),
            Err(TimeLimitError::InvalidNumber(_))
        ));
        assert!(matches!(
            TimeLimit::parse("3, ngày"),
            Err(TimeLimitError::InvalidNumber(_))
        ));
        assert!(matches!(
            TimeLimit::parse("-3 ngày"),
            Err(TimeLimitError::InvalidNumber(_))
        ));
        assert!(matches!(
            TimeLimit::parse("3 tuần"),
            Err(TimeLimitError::UnknownUnit(_))
        ));
        assert!(matches!(
            TimeLimit::parse("3"),
            Err(TimeLimitError::UnknownUnit(_))
        ));
        assert!(matches!(
            TimeLimit::parse("99999999999 ngày"),
            Err(TimeLimitError::InvalidNumber(_))
        ));
        assert!(matches!(
            TimeLimit::parse("10001 ngày"),
            Err(TimeLimitError::TooLarge(_))
        ));
        let message = TimeLimit::parse("3 tuần")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.starts_with("Không rõ đơn vị"), "{message}");
    }

    #[test]
    fn displays_in_vietnamese_and_round_trips() {
        for limit in [
            TimeLimit::working_days(3),
            TimeLimit::new(50, TimeUnit::WorkingDays),
            TimeLimit::new(125, TimeUnit::WorkingHours),
            TimeLimit::calendar_days(10),
            TimeLimit::months(1),
        ] {
            assert_eq!(TimeLimit::parse(&limit.to_string()), Ok(limit));
        }
        assert_eq!(TimeLimit::working_days(3).to_string(), "3 ngày làm việc");
        assert_eq!(
            TimeLimit::new(50, TimeUnit::WorkingDays).to_string(),
            "0,5 ngày làm việc"
        );
        assert_eq!(TimeLimit::working_hours(8).to_string(), "8 giờ làm việc");
        assert_eq!(TimeLimit::calendar_days(10).to_string(), "10 ngày");
        assert_eq!(TimeLimit::months(1).to_string(), "1 tháng");
    }

    #[test]
    fn working_seconds() {
        assert_eq!(
            TimeLimit::working_days(3).working_seconds(),
            Some(24 * 3600)
        );
        assert_eq!(
            TimeLimit::new(50, TimeUnit::WorkingDays).working_seconds(),
            Some(4 * 3600)
        );
        assert_eq!(
            TimeLimit::working_hours(8).working_seconds(),
            Some(8 * 3600)
        );
        assert_eq!(TimeLimit::calendar_days(1).working_seconds(), None);
    }
}
