//! Reporting periods: a day, a month, a quarter, a year or a custom range of local dates
//! (Asia/Ho_Chi_Minh civil dates, like every moment of a dossier).

use std::fmt;

use jiff::civil::Date;
use jiff::ToSpan;
use serde::{Deserialize, Serialize};

/// A period of local dates, both ends included.
///
/// Text forms ([`Period::parse`], [`fmt::Display`]): `2026-02-13`, `2026-02`, `2026-Q1`,
/// `2026`, `2026-01-01..2026-03-31`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    Day(Date),
    /// Year and month (1–12).
    Month(i16, i8),
    /// Year and quarter (1–4).
    Quarter(i16, i8),
    Year(i16),
    /// From and to, both included; `from <= to` (checked by [`Period::custom`] and
    /// [`Period::parse`]).
    Custom(Date, Date),
}

/// Why a period text or range is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("Kỳ báo cáo không hợp lệ {0:?}: dùng 2026-02-13, 2026-02, 2026-Q1, 2026 hoặc 2026-01-01..2026-03-31 / Invalid period {0:?}: use 2026-02-13, 2026-02, 2026-Q1, 2026 or 2026-01-01..2026-03-31")]
    Shape(String),
    #[error("Ngày không tồn tại trong {0:?} / No such date in {0:?}")]
    Date(String),
    #[error("Ngày bắt đầu {from} sau ngày kết thúc {to} / The start {from} is after the end {to}")]
    Reversed { from: Date, to: Date },
}

impl PeriodError {
    /// A stable snake_case code (also the message id).
    pub fn code(&self) -> &'static str {
        match self {
            PeriodError::Shape(_) => "period_shape",
            PeriodError::Date(_) => "period_date",
            PeriodError::Reversed { .. } => "period_reversed",
        }
    }
}

impl Period {
    /// A custom range, `from <= to`.
    pub fn custom(from: Date, to: Date) -> Result<Self, PeriodError> {
        if from > to {
            Err(PeriodError::Reversed { from, to })
        } else {
            Ok(Period::Custom(from, to))
        }
    }

    /// The month of `day`.
    pub fn month_of(day: Date) -> Self {
        Period::Month(day.year(), day.month())
    }

    /// The quarter of `day`.
    pub fn quarter_of(day: Date) -> Self {
        Period::Quarter(day.year(), (day.month() - 1) / 3 + 1)
    }

    /// Parses the text forms listed on [`Period`]. Quarters accept `Q` or `q`; surrounding
    /// spaces are trimmed.
    pub fn parse(text: &str) -> Result<Self, PeriodError> {
        let t = text.trim();
        let shape = || PeriodError::Shape(text.to_string());
        if let Some((from, to)) = t.split_once("..") {
            let from = parse_date(from.trim(), text)?;
            let to = parse_date(to.trim(), text)?;
            return Period::custom(from, to);
        }
        let parts: Vec<&str> = t.split('-').collect();
        match parts.as_slice() {
            [y] => Ok(Period::Year(parse_year(y).ok_or_else(shape)?)),
            [y, q] if q.len() == 2 && (q.starts_with('Q') || q.starts_with('q')) => {
                let year = parse_year(y).ok_or_else(shape)?;
                let quarter = digits(&q[1..], 1).ok_or_else(shape)?;
                if !(1..=4).contains(&quarter) {
                    return Err(shape());
                }
                Ok(Period::Quarter(year, quarter as i8))
            }
            [y, m] => {
                let year = parse_year(y).ok_or_else(shape)?;
                let month = digits(m, 2).ok_or_else(shape)?;
                if !(1..=12).contains(&month) {
                    return Err(PeriodError::Date(text.to_string()));
                }
                Ok(Period::Month(year, month as i8))
            }
            [_, _, _] => Ok(Period::Day(parse_date(t, text)?)),
            _ => Err(shape()),
        }
    }

    /// The first day.
    pub fn first_day(&self) -> Date {
        match *self {
            Period::Day(d) => d,
            Period::Month(y, m) => date_or_min(y, m, 1),
            Period::Quarter(y, q) => date_or_min(y, (q - 1) * 3 + 1, 1),
            Period::Year(y) => date_or_min(y, 1, 1),
            Period::Custom(from, _) => from,
        }
    }

    /// The last day (included).
    pub fn last_day(&self) -> Date {
        match *self {
            Period::Day(d) => d,
            Period::Month(y, m) => date_or_min(y, m, 1).last_of_month(),
            Period::Quarter(y, q) => date_or_min(y, q * 3, 1).last_of_month(),
            Period::Year(y) => date_or_min(y, 12, 31),
            Period::Custom(_, to) => to,
        }
    }

    /// Whether `day` falls in the period.
    pub fn contains(&self, day: Date) -> bool {
        self.first_day() <= day && day <= self.last_day()
    }

    /// Number of days (0 only for a reversed custom range built by hand).
    pub fn len_days(&self) -> i64 {
        let span = self
            .first_day()
            .until(self.last_day())
            .map(|s| s.get_days());
        span.map_or(0, |d| i64::from(d) + 1).max(0)
    }

    /// Every day of the period, in order.
    pub fn days(&self) -> impl Iterator<Item = Date> {
        let last = self.last_day();
        self.first_day()
            .series(1.day())
            .take_while(move |d| *d <= last)
    }

    /// Where each month of the period starts within it: the period's first day, then the
    /// first of each later month it reaches (the buckets of a month-by-month split).
    pub fn month_starts(&self) -> Vec<Date> {
        let mut out = Vec::new();
        let mut start = self.first_day();
        while start <= self.last_day() {
            out.push(start);
            match start.last_of_month().tomorrow() {
                Ok(next) => start = next,
                Err(_) => break,
            }
        }
        out
    }

    /// The comparable period just before (for trends): the day, month, quarter or year
    /// before; for a custom range, the range of the same length ending the day before it.
    pub fn previous(&self) -> Self {
        match *self {
            Period::Day(d) => Period::Day(d.yesterday().unwrap_or(d)),
            Period::Month(y, 1) => Period::Month(y - 1, 12),
            Period::Month(y, m) => Period::Month(y, m - 1),
            Period::Quarter(y, 1) => Period::Quarter(y - 1, 4),
            Period::Quarter(y, q) => Period::Quarter(y, q - 1),
            Period::Year(y) => Period::Year(y - 1),
            Period::Custom(from, to) => {
                let len = self.len_days();
                let end = from.yesterday().unwrap_or(from);
                let start = end.checked_sub((len - 1).max(0).days()).unwrap_or(end);
                if from > to {
                    Period::Custom(from, to)
                } else {
                    Period::Custom(start, end)
                }
            }
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Day(d) => write!(f, "{d}"),
            Period::Month(y, m) => write!(f, "{y:04}-{m:02}"),
            Period::Quarter(y, q) => write!(f, "{y:04}-Q{q}"),
            Period::Year(y) => write!(f, "{y:04}"),
            Period::Custom(from, to) => write!(f, "{from}..{to}"),
        }
    }
}

impl std::str::FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl TryFrom<String> for Period {
    type Error = PeriodError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Period::parse(&s)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

/// Exactly `width` ASCII digits.
fn digits(s: &str, width: usize) -> Option<i32> {
    if s.len() == width && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// Four digits, 1000–9999 (the years a report can mean).
fn parse_year(s: &str) -> Option<i16> {
    digits(s, 4)
        .filter(|y| *y >= 1000)
        .and_then(|y| i16::try_from(y).ok())
}

fn parse_date(s: &str, whole: &str) -> Result<Date, PeriodError> {
    let shape = || PeriodError::Shape(whole.to_string());
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(shape());
    };
    let year = parse_year(y).ok_or_else(shape)?;
    let month = digits(m, 2).ok_or_else(shape)?;
    let day = digits(d, 2).ok_or_else(shape)?;
    Date::new(year, month as i8, day as i8).map_err(|_| PeriodError::Date(whole.to_string()))
}

/// A date that exists for every value a [`Period`] variant may hold after parsing; a
/// hand-built impossible month falls back to the earliest date rather than panicking.
fn date_or_min(year: i16, month: i8, day: i8) -> Date {
    Date::new(year, month, day).unwrap_or(Date::MIN)
}
