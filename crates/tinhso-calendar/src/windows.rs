//! The daily working windows (giờ làm việc): a morning and an afternoon window.

use jiff::civil::Time;
use serde::{Deserialize, Serialize};

use crate::text::hm;

/// Seconds in a quarter hour: due moments are rounded up to a multiple of this.
pub(crate) const QUARTER_HOUR: i32 = 15 * 60;

/// One window of working time, `[start, end]` in local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WorkingWindow {
    pub start: Time,
    pub end: Time,
}

impl WorkingWindow {
    /// Start of the window in seconds after midnight.
    pub(crate) fn start_second(&self) -> i32 {
        second_of_day(self.start)
    }

    /// End of the window in seconds after midnight.
    pub(crate) fn end_second(&self) -> i32 {
        second_of_day(self.end)
    }

    /// Length of the window in seconds.
    pub fn seconds(&self) -> i64 {
        i64::from(self.end_second() - self.start_second())
    }
}

impl std::fmt::Display for WorkingWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}–{}", hm(self.start), hm(self.end))
    }
}

/// The working windows of every working day (domain.md §3): by default morning 07:30–11:30
/// and afternoon 13:00–17:00, local time (8 working hours).
///
/// Invariants (checked by [`WorkingWindows::new`] and on deserialization): each window is
/// non-empty, the morning ends no later than the afternoon starts, bounds are whole minutes,
/// and each window contains at least one quarter-hour moment (so a due moment rounded up to the
/// quarter hour can always land inside a window).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "UncheckedWindows")]
pub struct WorkingWindows {
    morning: WorkingWindow,
    afternoon: WorkingWindow,
}

#[derive(Deserialize)]
struct UncheckedWindows {
    morning: WorkingWindow,
    afternoon: WorkingWindow,
}

impl TryFrom<UncheckedWindows> for WorkingWindows {
    type Error = WindowsError;

    fn try_from(raw: UncheckedWindows) -> Result<Self, Self::Error> {
        WorkingWindows::new(
            (raw.morning.start, raw.morning.end),
            (raw.afternoon.start, raw.afternoon.end),
        )
    }
}

/// Why a pair of working windows was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowsError {
    #[error("Khung giờ {which} rỗng hoặc ngược ({window}) / The {which_en} window is empty or reversed ({window})")]
    Empty {
        which: &'static str,
        which_en: &'static str,
        window: String,
    },
    #[error("Buổi sáng ({morning}) phải kết thúc trước buổi chiều ({afternoon}) / The morning ({morning}) must end before the afternoon ({afternoon}) starts")]
    Overlap { morning: String, afternoon: String },
    #[error("Giờ làm việc phải tròn phút: {0} / Working windows must be whole minutes: {0}")]
    NotWholeMinutes(String),
    #[error(
        "Khung giờ {0} không chứa mốc 15 phút nào / The window {0} contains no quarter-hour moment"
    )]
    NoQuarterHour(String),
}

impl Default for WorkingWindows {
    fn default() -> Self {
        Self {
            morning: WorkingWindow {
                start: jiff::civil::time(7, 30, 0, 0),
                end: jiff::civil::time(11, 30, 0, 0),
            },
            afternoon: WorkingWindow {
                start: jiff::civil::time(13, 0, 0, 0),
                end: jiff::civil::time(17, 0, 0, 0),
            },
        }
    }
}

impl WorkingWindows {
    /// Checks and builds the windows from `(start, end)` pairs.
    pub fn new(morning: (Time, Time), afternoon: (Time, Time)) -> Result<Self, WindowsError> {
        let morning = WorkingWindow {
            start: morning.0,
            end: morning.1,
        };
        let afternoon = WorkingWindow {
            start: afternoon.0,
            end: afternoon.1,
        };
        for window in [morning, afternoon] {
            for bound in [window.start, window.end] {
                if bound.second() != 0 || bound.subsec_nanosecond() != 0 {
                    return Err(WindowsError::NotWholeMinutes(window.to_string()));
                }
            }
        }
        for (window, which, which_en) in [
            (morning, "buổi sáng", "morning"),
            (afternoon, "buổi chiều", "afternoon"),
        ] {
            if window.start >= window.end {
                return Err(WindowsError::Empty {
                    which,
                    which_en,
                    window: window.to_string(),
                });
            }
            if round_up_to_quarter(window.start_second()) > window.end_second() {
                return Err(WindowsError::NoQuarterHour(window.to_string()));
            }
        }
        if morning.end > afternoon.start {
            return Err(WindowsError::Overlap {
                morning: morning.to_string(),
                afternoon: afternoon.to_string(),
            });
        }
        Ok(Self { morning, afternoon })
    }

    pub fn morning(&self) -> WorkingWindow {
        self.morning
    }

    pub fn afternoon(&self) -> WorkingWindow {
        self.afternoon
    }

    /// Both windows in time order.
    pub fn windows(&self) -> [WorkingWindow; 2] {
        [self.morning, self.afternoon]
    }

    /// Working seconds in one full working day of these windows.
    pub fn seconds_per_day(&self) -> i64 {
        self.morning.seconds() + self.afternoon.seconds()
    }

    /// The windows as `(start, end)` seconds after midnight.
    pub(crate) fn bounds(&self) -> [(i32, i32); 2] {
        [
            (self.morning.start_second(), self.morning.end_second()),
            (self.afternoon.start_second(), self.afternoon.end_second()),
        ]
    }
}

impl std::fmt::Display for WorkingWindows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, {}", self.morning, self.afternoon)
    }
}

/// Seconds after midnight (sub-second parts dropped).
pub(crate) fn second_of_day(time: Time) -> i32 {
    i32::from(time.hour()) * 3600 + i32::from(time.minute()) * 60 + i32::from(time.second())
}

/// The smallest multiple of a quarter hour at or after `second`.
pub(crate) fn round_up_to_quarter(second: i32) -> i32 {
    (second + QUARTER_HOUR - 1).div_euclid(QUARTER_HOUR) * QUARTER_HOUR
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    #[test]
    fn default_is_eight_hours() {
        let w = WorkingWindows::default();
        assert_eq!(w.seconds_per_day(), 8 * 3600);
        assert_eq!(w.to_string(), "07:30–11:30, 13:00–17:00");
        assert_eq!(
            WorkingWindows::new(
                (time(7, 30, 0, 0), time(11, 30, 0, 0)),
                (time(13, 0, 0, 0), time(17, 0, 0, 0))
            ),
            Ok(w)
        );
    }

    #[test]
    fn refuses_bad_windows() {
        let t = |h, m| time(h, m, 0, 0);
        assert!(matches!(
            WorkingWindows::new((t(11, 30), t(7, 30)), (t(13, 0), t(17, 0))),
            Err(WindowsError::Empty { .. })
        ));
        assert!(matches!(
            WorkingWindows::new((t(7, 30), t(11, 30)), (t(13, 0), t(13, 0))),
            Err(WindowsError::Empty { .. })
        ));
        assert!(matches!(
            WorkingWindows::new((t(7, 30), t(14, 0)), (t(13, 0), t(17, 0))),
            Err(WindowsError::Overlap { .. })
        ));
        assert!(matches!(
            WorkingWindows::new((t(7, 31), t(7, 44)), (t(13, 0), t(17, 0))),
            Err(WindowsError::NoQuarterHour(_))
        ));
        assert!(matches!(
            WorkingWindows::new((time(7, 30, 5, 0), t(11, 30)), (t(13, 0), t(17, 0))),
            Err(WindowsError::NotWholeMinutes(_))
        ));
        // Touching windows are allowed (a continuous day).
        assert!(WorkingWindows::new((t(7, 0), t(11, 0)), (t(11, 0), t(15, 0))).is_ok());
    }

    #[test]
    fn serde_validates() {
        let json = r#"{"morning":{"start":"07:30","end":"11:30"},"afternoon":{"start":"13:00","end":"17:00"}}"#;
        let w: WorkingWindows = serde_json::from_str(json).expect("valid windows");
        assert_eq!(w, WorkingWindows::default());
        let bad = r#"{"morning":{"start":"11:30","end":"07:30"},"afternoon":{"start":"13:00","end":"17:00"}}"#;
        assert!(serde_json::from_str::<WorkingWindows>(bad).is_err());
    }
}
