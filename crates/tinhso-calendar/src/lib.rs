//! # tinhso-calendar
//!
//! The legal working-time clock of Vietnamese administrative procedures (domain.md §3):
//! the Vietnamese lunar calendar (Hồ Ngọc Đức's algorithm at UTC+7, never the Chinese one),
//! statutory holidays proposed from rules, effective-dated overrides an admin imports
//! (official day-swaps, extra days such as 24/11, make-up working days), morning/afternoon
//! working windows, quarter-hour rounding, the per-procedure 15:00 cut-off, and time limits in
//! working days or hours.
//!
//! Pure: no I/O, no clock reads. Every moment is a civil (local, Asia/Ho_Chi_Minh) date-time;
//! converting to and from instants is the caller's business (Vietnam has used UTC+7 without
//! daylight saving since 1975).

pub mod time_limit;

pub use time_limit::{TimeLimit, TimeLimitError, TimeUnit};

pub mod day;
pub mod lunar;

pub use day::{CalendarDay, DayKind};
