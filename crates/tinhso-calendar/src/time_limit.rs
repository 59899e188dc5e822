//! A procedure's processing time limit (thời hạn giải quyết): a value and a unit.

use serde::{Deserialize, Serialize};

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

/// A time limit, e.g. 3 working days. Half days occur in real records (0.5 ngày làm việc), so
/// the value is kept exactly, in hundredths of the unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeLimit {
    /// The value in hundredths of the unit (300 = 3 units, 50 = half a unit).
    pub hundredths: u32,
    pub unit: TimeUnit,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeLimitError {
    #[error("cannot read a time limit from {0:?}: expected e.g. \"3 working days\", \"8 working hours\", \"3 ngày làm việc\"")]
    Unreadable(String),
}
