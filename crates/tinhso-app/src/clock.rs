//! Time through a clock: production reads the system clock, tests fix it.

use jiff::Timestamp;
use std::sync::Mutex;

/// A source of "now".
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock tests set and move.
#[derive(Debug)]
pub struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    pub fn new(at: Timestamp) -> Self {
        Self(Mutex::new(at))
    }
    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Vietnam's offset: UTC+7, no daylight saving since 1975 (domain.md §3: Asia/Ho_Chi_Minh).
pub const VIETNAM_OFFSET: jiff::tz::Offset = jiff::tz::Offset::constant(7);

/// An instant as local civil time in Vietnam.
pub fn to_local(ts: Timestamp) -> jiff::civil::DateTime {
    VIETNAM_OFFSET.to_datetime(ts)
}

/// Local civil time in Vietnam as an instant.
pub fn from_local(dt: jiff::civil::DateTime) -> Timestamp {
    // A fixed offset has no gaps or folds: the conversion cannot be ambiguous.
    VIETNAM_OFFSET
        .to_timestamp(dt)
        .unwrap_or(Timestamp::UNIX_EPOCH)
}
