//! Effective-dated calendar entries an admin imports: official day-swaps, extra holidays (e.g.
//! 24/11), make-up working days (ngày làm bù). An entry for a date overrides what the rules propose.

use serde::{Deserialize, Serialize};

/// What a dated entry makes of its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A day off (ngày nghỉ lễ, Tết, nghỉ bù, extra holiday), even on a weekday.
    Holiday,
    /// A working day, even on a weekend or a rule-proposed holiday (ngày làm bù).
    WorkingDay,
}

/// One dated entry of the working calendar.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CalendarDay {
    pub date: jiff::civil::Date,
    pub kind: DayKind,
    /// Vietnamese name, e.g. "Tết Nguyên đán", "Làm bù cho ngày 2/1".
    pub name: String,
}
