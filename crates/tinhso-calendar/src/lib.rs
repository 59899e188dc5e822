//! # tinhso-calendar
//!
//! The legal working-time clock of Vietnamese administrative procedures (domain.md §3).
//!
//! - [`lunar`]: the Vietnamese lunar calendar (Hồ Ngọc Đức's method at UTC+7, never the
//!   Chinese one at UTC+8): [`lunar::to_lunar`], [`lunar::from_lunar`], [`lunar::tet`].
//! - [`holidays`]: the statutory holidays the rules propose for a year (Bộ luật Lao động 2019
//!   art. 112, compensatory days of art. 111(3)), configured by [`HolidayRules`].
//! - [`day`]: the effective-dated entries an admin imports ([`CalendarDay`]): official
//!   day-swaps, extra days off such as 24/11, make-up working days (ngày làm bù). An entry
//!   for a date wins over the rules and the weekend.
//! - [`windows`]: the morning/afternoon working windows ([`WorkingWindows`], default
//!   07:30–11:30 and 13:00–17:00).
//! - [`working`]: the [`WorkingCalendar`] — day status, working-time arithmetic, and
//!   [`WorkingCalendar::due`], which turns a reception moment and a [`TimeLimit`] into a
//!   [`DueDate`] with a step-by-step explanation (15:00 cut-off, quarter-hour rounding).
//! - [`time_limit`]: [`TimeLimit`] (working days, working hours, calendar days, months), read
//!   from catalog text such as "3 ngày làm việc".
//! - [`report`]: [`YearCalendar`], a year's days off and working days per month as a table.
//!
//! Pure: no I/O, no clock reads. Every moment is a civil (local, Asia/Ho_Chi_Minh) date-time;
//! converting to and from instants is the caller's business (Vietnam has used UTC+7 without
//! daylight saving since 1975).

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod day;
pub mod holidays;
pub mod lunar;
pub mod report;
mod text;
pub mod time_limit;
pub mod windows;
pub mod working;

pub use day::{CalendarDay, DayKind};
pub use holidays::{proposed_holidays, HolidayRules, NationalDayExtra};
pub use lunar::LunarDate;
pub use report::YearCalendar;
pub use time_limit::{TimeLimit, TimeLimitError, TimeUnit};
pub use windows::{WindowsError, WorkingWindow, WorkingWindows};
pub use working::{DayStatus, DueDate, Step, WorkingCalendar};
