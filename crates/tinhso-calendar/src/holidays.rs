//! Statutory public holidays proposed from the rules (domain.md §3).
//!
//! Bộ luật Lao động 2019, art. 112(1): Tết Dương lịch 1/1 (1 day); Tết Nguyên đán (5 days);
//! Ngày Chiến thắng 30/4 (1); Ngày Quốc tế lao động 1/5 (1); Quốc khánh 2/9 plus one adjacent
//! day before or after (2); Giỗ Tổ Hùng Vương 10/3 lunar (1). Art. 111(3): a holiday that falls
//! on the weekly rest day is compensated on the next working day (nghỉ bù).
//!
//! These are **proposals**: the Government decides each year how the Tết days and the extra
//! Quốc khánh day fall, and often swaps days (with make-up working Saturdays). Those decisions,
//! and unconfirmed days such as 24/11 (Ngày Văn hóa Việt Nam), come in as imported
//! [`CalendarDay`] overrides, which win over everything proposed here.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

use crate::day::{CalendarDay, DayKind};
use crate::lunar::{self, LunarDate};

/// Tết Nguyên đán lasts 5 days (art. 112(1)(b)).
pub const TET_DAYS: u8 = 5;

/// Which day adjacent to Quốc khánh (2/9) is the second day off (art. 112(1)(đ): "ngày 02
/// tháng 9 dương lịch và 01 ngày liền kề trước hoặc sau").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NationalDayExtra {
    /// 1/9.
    Before,
    /// 3/9.
    After,
    /// The adjacent weekday that joins the break to a weekend: 3/9 when 2/9 falls on a Monday,
    /// Thursday or Sunday; 1/9 when it falls on a Tuesday, Friday or Saturday; 1/9 on a
    /// Wednesday, where neither side joins. This reproduces the Government's choices of
    /// 2021–2025 (2021 Thu → 3/9, 2022 Fri → 1/9, 2023 Sat → 1/9, 2024 Mon → 3/9,
    /// 2025 Tue → 1/9).
    #[default]
    Auto,
}

impl NationalDayExtra {
    /// The extra Quốc khánh day of `year`.
    pub fn extra_day(self, year: i16) -> Date {
        let national_day = date_or_saturated(year, 9, 2);
        let before = national_day.yesterday().unwrap_or(national_day);
        let after = national_day.tomorrow().unwrap_or(national_day);
        match self {
            NationalDayExtra::Before => before,
            NationalDayExtra::After => after,
            NationalDayExtra::Auto => match national_day.weekday() {
                Weekday::Monday | Weekday::Thursday | Weekday::Sunday => after,
                Weekday::Tuesday | Weekday::Wednesday | Weekday::Friday | Weekday::Saturday => {
                    before
                }
            },
        }
    }
}

/// The rule parameters for proposing a year's holidays. Every value is usable: out-of-range
/// numbers are clamped, as documented per field.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct HolidayRules {
    /// How many of the 5 Tết days come before lunar 1/1 (the rest are 1/1, 2/1, …).
    /// Default 1: the last day of the lunar year plus 1/1 to 4/1. Values above 5 count as 5.
    pub tet_days_before: u8,
    /// Which day joins 2/9. Default [`NationalDayExtra::Auto`].
    pub national_day_extra: NationalDayExtra,
    /// Propose a compensatory day (nghỉ bù, art. 111(3)) for each holiday on a Saturday or
    /// Sunday. Default true.
    pub compensate_weekends: bool,
}

impl Default for HolidayRules {
    fn default() -> Self {
        Self {
            tet_days_before: 1,
            national_day_extra: NationalDayExtra::Auto,
            compensate_weekends: true,
        }
    }
}

/// Names used for the proposed days.
pub mod names {
    pub const NEW_YEAR: &str = "Tết Dương lịch";
    pub const TET: &str = "Tết Nguyên đán";
    pub const HUNG_KINGS: &str = "Giỗ Tổ Hùng Vương";
    pub const VICTORY_DAY: &str = "Ngày Chiến thắng";
    pub const LABOUR_DAY: &str = "Ngày Quốc tế lao động";
    pub const NATIONAL_DAY: &str = "Quốc khánh";
    /// Prefix of a compensatory day's name: `Nghỉ bù Giỗ Tổ Hùng Vương (26/04)`.
    pub const COMPENSATION_PREFIX: &str = "Nghỉ bù";
}

/// The holidays the rules propose for the Gregorian `year`, sorted by date, each a
/// [`DayKind::Holiday`] with its Vietnamese name; compensatory days are named
/// `Nghỉ bù <holiday> (<dd/mm>)`.
///
/// Every proposed day lies in `year`: Tết (lunar 1/1) falls between 21/1 and 20/2, so even
/// five days before it stay in January, and 10/3 lunar falls in April or May.
pub fn proposed_holidays(year: i16, rules: &HolidayRules) -> Vec<CalendarDay> {
    let mut days: Vec<(Date, &'static str)> = Vec::with_capacity(16);
    days.push((date_or_saturated(year, 1, 1), names::NEW_YEAR));

    let tet = lunar::tet(year);
    let before = i64::from(rules.tet_days_before.min(TET_DAYS));
    for offset in -before..i64::from(TET_DAYS) - before {
        if let Some(day) = add_days(tet, offset) {
            days.push((day, names::TET));
        }
    }

    let hung_kings = lunar::from_lunar(LunarDate {
        year: i32::from(year),
        month: 3,
        day: 10,
        leap: false,
    });
    if let Some(day) = hung_kings {
        days.push((day, names::HUNG_KINGS));
    }
    days.push((date_or_saturated(year, 4, 30), names::VICTORY_DAY));
    days.push((date_or_saturated(year, 5, 1), names::LABOUR_DAY));
    days.push((date_or_saturated(year, 9, 2), names::NATIONAL_DAY));
    days.push((
        rules.national_day_extra.extra_day(year),
        names::NATIONAL_DAY,
    ));

    // Two holidays can meet on one date (10/3 lunar can be 30/4 or 1/5); the law grants no
    // extra day for that, so the date carries both names.
    let mut by_date: BTreeMap<Date, Vec<&'static str>> = BTreeMap::new();
    for (day, name) in days.into_iter().filter(|(day, _)| day.year() == year) {
        let names = by_date.entry(day).or_default();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let days: Vec<(Date, String)> = by_date
        .into_iter()
        .map(|(day, names)| (day, names.join(", ")))
        .collect();

    let mut proposed: Vec<CalendarDay> = days
        .iter()
        .map(|(day, name)| holiday(*day, name.clone()))
        .collect();

    if rules.compensate_weekends {
        // Art. 111(3): the next working day, i.e. the next weekday that is not already a
        // holiday or an earlier holiday's compensation. Walk in date order so that a run of
        // weekend holidays (Tết) gets consecutive compensatory days.
        let mut taken: BTreeSet<Date> = days.iter().map(|(day, _)| *day).collect();
        for (day, name) in days.iter().filter(|(day, _)| is_weekend(*day)) {
            let day = *day;
            let mut candidate = day;
            let compensation = loop {
                match candidate.tomorrow() {
                    Ok(next) => candidate = next,
                    Err(_) => break None,
                }
                if !is_weekend(candidate) && !taken.contains(&candidate) {
                    break Some(candidate);
                }
            };
            if let Some(compensation) = compensation {
                taken.insert(compensation);
                let name = format!(
                    "{} {} ({:02}/{:02})",
                    names::COMPENSATION_PREFIX,
                    name,
                    day.day(),
                    day.month()
                );
                proposed.push(holiday(compensation, name));
            }
        }
        proposed.sort();
    }
    proposed
}

/// Saturday or Sunday: the weekly rest days of the public service.
pub fn is_weekend(day: Date) -> bool {
    matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn holiday(date: Date, name: String) -> CalendarDay {
    CalendarDay {
        date,
        kind: DayKind::Holiday,
        name,
    }
}

fn add_days(day: Date, days: i64) -> Option<Date> {
    day.checked_add(jiff::Span::new().try_days(days).ok()?).ok()
}

/// A fixed-day holiday's date; years outside jiff's range saturate to its bounds.
fn date_or_saturated(year: i16, month: i8, day: i8) -> Date {
    Date::new(year, month, day).unwrap_or(if year < 0 { Date::MIN } else { Date::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn auto_matches_recent_government_decisions() {
        let auto = NationalDayExtra::Auto;
        assert_eq!(auto.extra_day(2021), date(2021, 9, 3));
        assert_eq!(auto.extra_day(2022), date(2022, 9, 1));
        assert_eq!(auto.extra_day(2023), date(2023, 9, 1));
        assert_eq!(auto.extra_day(2024), date(2024, 9, 3));
        assert_eq!(auto.extra_day(2025), date(2025, 9, 1));
        assert_eq!(auto.extra_day(2026), date(2026, 9, 1));
    }
}
