//! The working calendar and the due-date computation (domain.md §3).
//!
//! A [`WorkingCalendar`] combines the working windows, the holiday rules and the imported
//! dated entries. Precedence for a date: an imported entry ([`CalendarDay`]) wins; then a
//! holiday the rules propose; then Saturday/Sunday are the weekend; every other day works.
//!
//! Working time is measured in seconds inside the windows of working days (sub-second parts
//! of the moments are dropped). A moment is *working* when it lies in `[start, end)` of a
//! window of a working day: work can start there. A due moment may also be the *end* of a
//! window (17:00 is a valid due moment, not 07:30 the next day).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use jiff::civil::{Date, DateTime, Time};
use jiff::Span;
use serde::{Deserialize, Serialize};

use crate::day::{CalendarDay, DayKind};
use crate::holidays::{is_weekend, proposed_holidays, HolidayRules};
use crate::text::{capitalize, day_en, day_vi, duration_en, duration_vi, hm, moment_en, moment_vi};
use crate::time_limit::{TimeLimit, TimeUnit, WORKING_DAY_HOURS};
use crate::windows::{round_up_to_quarter, second_of_day, WorkingWindows};

/// A walk through working time that goes further than this many calendar days saturates at
/// the bounds of [`jiff::civil::Date`] (no real time limit comes near: about 550 years).
const MAX_WALK_DAYS: u32 = 200_000;

/// What a date is in the working calendar.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DayStatus {
    /// An ordinary working day (Monday to Friday).
    Working,
    /// Saturday or Sunday.
    Weekend,
    /// A public holiday, Tết, a compensatory day or an extra day off.
    Holiday { name: String },
    /// A Saturday, Sunday or proposed holiday made a working day (ngày làm bù).
    MakeUpWorkingDay { name: String },
}

impl DayStatus {
    /// Whether the day has working hours.
    pub fn is_working(&self) -> bool {
        matches!(
            self,
            DayStatus::Working | DayStatus::MakeUpWorkingDay { .. }
        )
    }

    /// A short Vietnamese description: `ngày làm việc`, `nghỉ cuối tuần`,
    /// `nghỉ Tết Nguyên đán`, `ngày làm bù (…)`.
    pub fn describe_vi(&self) -> String {
        match self {
            DayStatus::Working => "ngày làm việc".to_string(),
            DayStatus::Weekend => "nghỉ cuối tuần".to_string(),
            DayStatus::Holiday { name } => format!("nghỉ {name}"),
            DayStatus::MakeUpWorkingDay { name } => format!("ngày làm bù ({name})"),
        }
    }

    /// The same in English.
    pub fn describe_en(&self) -> String {
        match self {
            DayStatus::Working => "working day".to_string(),
            DayStatus::Weekend => "weekend".to_string(),
            DayStatus::Holiday { name } => format!("holiday ({name})"),
            DayStatus::MakeUpWorkingDay { name } => format!("make-up working day ({name})"),
        }
    }
}

impl fmt::Display for DayStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.describe_vi(), self.describe_en())
    }
}

/// One line of a due date's explanation, in Vietnamese and in English.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Step {
    pub vi: String,
    pub en: String,
}

impl Step {
    fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

impl fmt::Display for Step {
    /// `<Vietnamese> / <English>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.vi, self.en)
    }
}

/// A computed due moment (ngày hẹn trả) with the reasoning behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueDate {
    /// When the dossier was received, as given.
    pub received: DateTime,
    /// When the clock started: the next working moment, or the start of the next working day
    /// after a cut-off.
    pub clock_start: DateTime,
    /// The due moment: a working moment (or a window's end) on a quarter hour.
    pub due: DateTime,
    /// The limit applied.
    pub limit: TimeLimit,
    /// Step-by-step reasoning, Vietnamese first.
    pub explanation: Vec<Step>,
}

impl DueDate {
    /// The explanation as numbered lines, under a heading with the due moment.
    pub fn render(&self) -> String {
        let mut out = format!(
            "Hạn giải quyết: {} / Due: {}\n",
            moment_vi(self.due),
            moment_en(self.due)
        );
        for (i, step) in self.explanation.iter().enumerate() {
            out.push_str(&format!("{:>3}. {}\n", i + 1, step.vi));
            out.push_str(&format!("     {}\n", step.en));
        }
        out
    }
}

impl fmt::Display for DueDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// The legal working-time clock: windows, holiday rules and imported dated entries.
///
/// Cheap to share behind an `Arc`: the rule-proposed holidays of each year are computed once,
/// on first use, and cached.
pub struct WorkingCalendar {
    windows: WorkingWindows,
    rules: HolidayRules,
    overrides: BTreeMap<Date, CalendarDay>,
    proposed: Mutex<BTreeMap<i16, Arc<BTreeMap<Date, String>>>>,
}

impl fmt::Debug for WorkingCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkingCalendar")
            .field("windows", &self.windows)
            .field("rules", &self.rules)
            .field("overrides", &self.overrides.len())
            .finish()
    }
}

impl Clone for WorkingCalendar {
    fn clone(&self) -> Self {
        Self {
            windows: self.windows.clone(),
            rules: self.rules.clone(),
            overrides: self.overrides.clone(),
            proposed: Mutex::new(self.proposed_cache().clone()),
        }
    }
}

impl Default for WorkingCalendar {
    /// Default windows and rules, no imported entries.
    fn default() -> Self {
        Self::new(
            WorkingWindows::default(),
            HolidayRules::default(),
            Vec::new(),
        )
    }
}

impl WorkingCalendar {
    /// Builds the calendar. When several entries name the same date, the last one wins (an
    /// import's later line corrects an earlier one).
    pub fn new(windows: WorkingWindows, rules: HolidayRules, overrides: Vec<CalendarDay>) -> Self {
        let overrides = overrides.into_iter().map(|day| (day.date, day)).collect();
        Self {
            windows,
            rules,
            overrides,
            proposed: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn windows(&self) -> &WorkingWindows {
        &self.windows
    }

    pub fn rules(&self) -> &HolidayRules {
        &self.rules
    }

    /// The imported dated entries, by date.
    pub fn overrides(&self) -> impl Iterator<Item = &CalendarDay> {
        self.overrides.values()
    }

    /// What `date` is: an imported entry wins, then a rule-proposed holiday, then the weekend.
    pub fn day_status(&self, date: Date) -> DayStatus {
        let proposed = self.proposed_holiday(date);
        if let Some(entry) = self.overrides.get(&date) {
            return match entry.kind {
                DayKind::Holiday => DayStatus::Holiday {
                    name: entry.name.clone(),
                },
                DayKind::WorkingDay if proposed.is_some() || is_weekend(date) => {
                    DayStatus::MakeUpWorkingDay {
                        name: entry.name.clone(),
                    }
                }
                DayKind::WorkingDay => DayStatus::Working,
            };
        }
        match proposed {
            Some(name) => DayStatus::Holiday { name },
            None if is_weekend(date) => DayStatus::Weekend,
            None => DayStatus::Working,
        }
    }

    /// Whether `date` has working hours (a working day or a make-up working day).
    pub fn is_working_day(&self, date: Date) -> bool {
        match self.overrides.get(&date) {
            Some(entry) => entry.kind == DayKind::WorkingDay,
            None => !is_weekend(date) && !self.is_proposed_holiday(date),
        }
    }

    /// Whether work can happen at `moment`: inside `[start, end)` of a window of a working day.
    pub fn is_working_moment(&self, moment: DateTime) -> bool {
        let second = second_of_day(moment.time());
        self.is_working_day(moment.date())
            && self
                .windows
                .bounds()
                .iter()
                .any(|&(start, end)| (start..end).contains(&second))
    }

    /// Whether `moment` may be a due moment: inside `[start, end]` of a window of a working
    /// day (the end of a window counts).
    pub fn is_due_moment(&self, moment: DateTime) -> bool {
        let second = second_of_day(moment.time());
        moment.subsec_nanosecond() == 0
            && self.is_working_day(moment.date())
            && self
                .windows
                .bounds()
                .iter()
                .any(|&(start, end)| (start..=end).contains(&second))
    }

    /// `moment` itself if it is a working moment, else the start of the next window of a
    /// working day.
    pub fn next_working_moment(&self, moment: DateTime) -> DateTime {
        let (date, second) = split(moment);
        self.join(self.forward(date, second, 0))
    }

    /// The moment `minutes` working minutes after `moment` (before it, when negative).
    ///
    /// Going forward, the count starts at [`Self::next_working_moment`]; the result may be the
    /// end of a window. Adding zero gives the next working moment.
    pub fn add_working_minutes(&self, moment: DateTime, minutes: i64) -> DateTime {
        self.add_working_seconds(moment, minutes.saturating_mul(60))
    }

    /// [`Self::add_working_minutes`] with second precision.
    pub fn add_working_seconds(&self, moment: DateTime, seconds: i64) -> DateTime {
        let (date, second) = split(moment);
        if seconds >= 0 {
            self.join(self.forward(date, second, seconds))
        } else {
            self.join(self.backward(date, second, seconds.unsigned_abs()))
        }
    }

    /// Whole working minutes from `from` to `to` (negative when `to` is earlier), e.g. the
    /// working time a pause or a processing step took.
    pub fn working_minutes_between(&self, from: DateTime, to: DateTime) -> i64 {
        self.working_seconds_between(from, to) / 60
    }

    /// Working seconds from `from` to `to` (negative when `to` is earlier).
    pub fn working_seconds_between(&self, from: DateTime, to: DateTime) -> i64 {
        if to < from {
            return -self.working_seconds_between(to, from);
        }
        let (from_date, from_second) = split(from);
        let (to_date, to_second) = split(to);
        let mut total = 0i64;
        let mut date = from_date;
        loop {
            if self.is_working_day(date) {
                let low = if date == from_date { from_second } else { 0 };
                let high = if date == to_date { to_second } else { i32::MAX };
                for (start, end) in self.windows.bounds() {
                    let (a, b) = (low.max(start), high.min(end));
                    if b > a {
                        total += i64::from(b - a);
                    }
                }
            }
            if date >= to_date {
                break total;
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break total,
            }
        }
    }

    /// The due moment of a dossier received at `received` with time limit `limit`.
    ///
    /// - The clock starts at the next working moment. With a `cutoff` (e.g. 15:00, a
    ///   per-procedure parameter), a dossier received after it on a working day counts as
    ///   received at the start of the next working day.
    /// - Working days and working hours run inside the windows of working days; one working
    ///   day is 8 working hours (domain.md §3), so half a day is 4 hours.
    /// - Calendar days and months are added to the clock start keeping the time of day;
    ///   months are clamped to the month's last day (Bộ luật Dân sự 2015, art. 148(3)); a
    ///   fraction counts 1/100 day as 864 s and 1/100 month as 0.3 day. A deadline ending on
    ///   a day off moves to the next working day at the same time of day (art. 148(5)).
    /// - The result is rounded up to the next quarter hour; if that leaves the window, it
    ///   moves to the next window start (itself rounded up), so the due moment is always a
    ///   working moment or the end of a window.
    pub fn due(&self, received: DateTime, limit: TimeLimit, cutoff: Option<Time>) -> DueDate {
        let mut explanation = vec![Step::new(
            format!("Nhận lúc {}", moment_vi(received)),
            format!("Received at {}", moment_en(received)),
        )];
        let clock_start = self.clock_start(received, cutoff, &mut explanation);

        let raw_due = match limit.unit {
            TimeUnit::WorkingDays | TimeUnit::WorkingHours => {
                let seconds = limit.working_seconds().unwrap_or(0);
                explanation.push(limit_step(limit, seconds));
                let (date, second) = split(clock_start);
                let raw = self.join(self.forward(date, second, seconds));
                self.explain_walk(clock_start, raw, seconds, &mut explanation);
                raw
            }
            TimeUnit::CalendarDays | TimeUnit::Months => {
                self.calendar_due(clock_start, limit, &mut explanation)
            }
        };

        let due = self.settle(raw_due);
        if due != raw_due {
            let same_window = due.date() == raw_due.date()
                && round_up_to_quarter(second_of_day(raw_due.time())) == second_of_day(due.time());
            explanation.push(if same_window {
                Step::new(
                    format!("Làm tròn lên mốc 15 phút: {}", hm(due.time())),
                    format!("Rounded up to the quarter hour: {}", hm(due.time())),
                )
            } else {
                Step::new(
                    format!(
                        "{} nằm ngoài giờ làm việc sau khi làm tròn lên mốc 15 phút: chuyển sang {}",
                        hm(raw_due.time()),
                        moment_vi(due)
                    ),
                    format!(
                        "{} falls outside working time once rounded up to the quarter hour: moved to {}",
                        hm(raw_due.time()),
                        moment_en(due)
                    ),
                )
            });
        }
        explanation.push(Step::new(
            format!("Hạn giải quyết (ngày hẹn trả): {}", moment_vi(due)),
            format!("Due (appointment): {}", moment_en(due)),
        ));
        DueDate {
            received,
            clock_start,
            due,
            limit,
            explanation,
        }
    }

    /// The start of the first window of the first working day after `date`.
    pub fn next_working_day_start(&self, date: Date) -> DateTime {
        match date.tomorrow() {
            Ok(next) => self.next_working_moment(next.to_datetime(Time::midnight())),
            Err(_) => self.end_of_time(),
        }
    }

    fn clock_start(
        &self,
        received: DateTime,
        cutoff: Option<Time>,
        explanation: &mut Vec<Step>,
    ) -> DateTime {
        let received_date = received.date();
        if let Some(cutoff) = cutoff {
            if self.is_working_day(received_date) && received.time() > cutoff {
                let start = self.next_working_day_start(received_date);
                explanation.push(Step::new(
                    format!(
                        "Nhận sau giờ chốt {}: tính như nhận vào đầu ngày làm việc tiếp theo, {}",
                        hm(cutoff),
                        moment_vi(start)
                    ),
                    format!(
                        "Received after the {} cut-off: counted as received at the start of the next working day, {}",
                        hm(cutoff),
                        moment_en(start)
                    ),
                ));
                return start;
            }
        }
        let (date, second) = split(received);
        let start = self.join(self.forward(date, second, 0));
        if start == self.join((date, second)) {
            explanation.push(Step::new(
                format!("Bắt đầu tính từ {}", moment_vi(start)),
                format!("The clock starts at {}", moment_en(start)),
            ));
        } else {
            let status = self.day_status(received_date);
            let (why_vi, why_en) = if status.is_working() {
                (
                    "ngoài giờ làm việc".to_string(),
                    "outside working hours".to_string(),
                )
            } else {
                (
                    format!("vào ngày nghỉ ({})", status.describe_vi()),
                    status.describe_en(),
                )
            };
            explanation.push(Step::new(
                format!(
                    "Nhận {why_vi}: bắt đầu tính từ thời điểm làm việc tiếp theo, {}",
                    moment_vi(start)
                ),
                format!(
                    "Received {}: the clock starts at the next working moment, {}",
                    if status.is_working() {
                        why_en
                    } else {
                        format!("on a day off ({why_en})")
                    },
                    moment_en(start)
                ),
            ));
        }
        start
    }

    fn calendar_due(
        &self,
        clock_start: DateTime,
        limit: TimeLimit,
        explanation: &mut Vec<Step>,
    ) -> DateTime {
        let whole = i64::from(limit.hundredths / 100);
        let fraction = i64::from(limit.hundredths % 100);
        let (span, unit_vi, unit_en) = match limit.unit {
            TimeUnit::Months => (
                Span::new()
                    .try_months(whole)
                    .and_then(|s| s.try_seconds(fraction * 25_920)),
                "tháng",
                "month(s)",
            ),
            _ => (
                Span::new()
                    .try_days(whole)
                    .and_then(|s| s.try_seconds(fraction * 864)),
                "ngày",
                "calendar day(s)",
            ),
        };
        let target = span
            .and_then(|span| clock_start.checked_add(span))
            .unwrap_or(DateTime::MAX);
        explanation.push(Step::new(
            format!(
                "Thời hạn {limit} (tính theo lịch): {} + {} {unit_vi} = {}",
                moment_vi(clock_start),
                crate::text::hundredths_vi(limit.hundredths),
                moment_vi(target)
            ),
            format!(
                "Time limit {} {unit_en}: {} + {} = {}",
                crate::text::hundredths_en(limit.hundredths),
                moment_en(clock_start),
                crate::text::hundredths_en(limit.hundredths),
                moment_en(target)
            ),
        ));
        if self.is_working_day(target.date()) {
            return target;
        }
        // Bộ luật Dân sự 2015, art. 148(5): a deadline whose last day is a day off ends on the
        // next working day; keep the time of day.
        let status = self.day_status(target.date());
        let next_day = self.next_working_day_start(target.date()).date();
        let moved = next_day.to_datetime(target.time());
        explanation.push(Step::new(
            format!(
                "{} là ngày nghỉ ({}): chuyển sang ngày làm việc tiếp theo, {} (Bộ luật Dân sự 2015, điều 148)",
                capitalize(&day_vi(target.date())),
                status.describe_vi(),
                day_vi(next_day)
            ),
            format!(
                "{} is a day off ({}): moved to the next working day, {} (Civil Code 2015, art. 148)",
                day_en(target.date()),
                status.describe_en(),
                day_en(next_day)
            ),
        ));
        moved
    }

    /// Explains, day by day, how the working time from `start` to `end` was used.
    fn explain_walk(&self, start: DateTime, end: DateTime, total: i64, out: &mut Vec<Step>) {
        let full_day = self.windows.seconds_per_day();
        let mut remaining = total;
        let mut lines: Vec<WalkLine> = Vec::new();
        let mut date = start.date();
        while date <= end.date() {
            let status = self.day_status(date);
            if status.is_working() {
                let low = if date == start.date() {
                    second_of_day(start.time())
                } else {
                    0
                };
                let high = if date == end.date() {
                    second_of_day(end.time())
                } else {
                    i32::MAX
                };
                let intervals: Vec<(i32, i32)> = self
                    .windows
                    .bounds()
                    .iter()
                    .map(|&(s, e)| (low.max(s), high.min(e)))
                    .filter(|(a, b)| b > a)
                    .collect();
                let worked: i64 = intervals.iter().map(|(a, b)| i64::from(b - a)).sum();
                if worked > 0 {
                    remaining -= worked;
                    let full = worked == full_day && status == DayStatus::Working;
                    match lines.last_mut() {
                        Some(WalkLine::FullDays {
                            to,
                            days,
                            remaining: left,
                            ..
                        }) if full => {
                            *to = date;
                            *days += 1;
                            *left = remaining;
                        }
                        _ if full => lines.push(WalkLine::FullDays {
                            from: date,
                            to: date,
                            days: 1,
                            remaining,
                        }),
                        _ => lines.push(WalkLine::Worked {
                            date,
                            status,
                            intervals,
                            worked,
                            remaining,
                        }),
                    }
                }
            } else {
                match lines.last_mut() {
                    Some(WalkLine::Off {
                        to, status: last, ..
                    }) if *last == status => *to = date,
                    _ => lines.push(WalkLine::Off {
                        from: date,
                        to: date,
                        status,
                    }),
                }
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        out.extend(lines.into_iter().map(|line| line.step(full_day)));
    }

    /// Walks `seconds` of working time forward from `(date, second)`.
    fn forward(&self, mut date: Date, mut second: i32, seconds: i64) -> (Date, i32) {
        let bounds = self.windows.bounds();
        let mut remaining = seconds;
        for _ in 0..MAX_WALK_DAYS {
            if self.is_working_day(date) {
                for (start, end) in bounds {
                    if second >= end {
                        continue;
                    }
                    let from = second.max(start);
                    let available = i64::from(end - from);
                    if remaining <= available {
                        // `remaining` fits in the window, hence in an i32.
                        return (date, from + i32::try_from(remaining).unwrap_or(0));
                    }
                    remaining -= available;
                    second = end;
                }
            }
            match date.tomorrow() {
                Ok(next) => {
                    date = next;
                    second = 0;
                }
                Err(_) => break,
            }
        }
        split(self.end_of_time())
    }

    /// Walks `seconds` of working time backward from `(date, second)`.
    fn backward(&self, mut date: Date, mut second: i32, seconds: u64) -> (Date, i32) {
        let bounds = self.windows.bounds();
        let mut remaining = i64::try_from(seconds).unwrap_or(i64::MAX);
        for _ in 0..MAX_WALK_DAYS {
            if self.is_working_day(date) {
                for &(start, end) in bounds.iter().rev() {
                    if second <= start {
                        continue;
                    }
                    let to = second.min(end);
                    let available = i64::from(to - start);
                    if remaining <= available {
                        return (date, to - i32::try_from(remaining).unwrap_or(0));
                    }
                    remaining -= available;
                    second = start;
                }
            }
            match date.yesterday() {
                Ok(previous) => {
                    date = previous;
                    second = i32::MAX;
                }
                Err(_) => break,
            }
        }
        (Date::MIN, self.windows.bounds()[0].0)
    }

    /// Rounds `moment` up to the quarter hour and, if that is not inside a window of a working
    /// day (end included), moves it to the next window start, itself rounded up.
    fn settle(&self, moment: DateTime) -> DateTime {
        let (mut date, mut second) = split(moment);
        if moment.subsec_nanosecond() > 0 {
            second += 1;
        }
        for _ in 0..MAX_WALK_DAYS {
            if self.is_working_day(date) {
                let quarter = round_up_to_quarter(second);
                for (start, end) in self.windows.bounds() {
                    if quarter <= end {
                        // A window start rounded up stays inside it (WorkingWindows' invariant).
                        return self.join((date, quarter.max(round_up_to_quarter(start))));
                    }
                }
            }
            match date.tomorrow() {
                Ok(next) => {
                    date = next;
                    second = 0;
                }
                Err(_) => break,
            }
        }
        self.end_of_time()
    }

    /// The last working-window end representable: where walks saturate.
    fn end_of_time(&self) -> DateTime {
        Date::MAX.to_datetime(self.windows.afternoon().end)
    }

    fn join(&self, (date, second): (Date, i32)) -> DateTime {
        date.to_datetime(time_of_second(second))
    }

    fn is_proposed_holiday(&self, date: Date) -> bool {
        self.proposed_for_year(date.year()).contains_key(&date)
    }

    fn proposed_holiday(&self, date: Date) -> Option<String> {
        self.proposed_for_year(date.year()).get(&date).cloned()
    }

    /// The rule-proposed holidays of `year`, computed once.
    fn proposed_for_year(&self, year: i16) -> Arc<BTreeMap<Date, String>> {
        let mut cache = self.proposed_cache();
        cache
            .entry(year)
            .or_insert_with(|| {
                Arc::new(
                    proposed_holidays(year, &self.rules)
                        .into_iter()
                        .map(|day| (day.date, day.name))
                        .collect(),
                )
            })
            .clone()
    }

    fn proposed_cache(
        &self,
    ) -> std::sync::MutexGuard<'_, BTreeMap<i16, Arc<BTreeMap<Date, String>>>> {
        // The cache holds only derived data: a panic elsewhere cannot leave it inconsistent.
        self.proposed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One line of the day-by-day explanation.
enum WalkLine {
    /// Consecutive ordinary working days used in full.
    FullDays {
        from: Date,
        to: Date,
        days: u32,
        remaining: i64,
    },
    /// A working day used in part, or a make-up day.
    Worked {
        date: Date,
        status: DayStatus,
        intervals: Vec<(i32, i32)>,
        worked: i64,
        remaining: i64,
    },
    /// Consecutive days off of the same kind.
    Off {
        from: Date,
        to: Date,
        status: DayStatus,
    },
}

impl WalkLine {
    fn step(self, full_day: i64) -> Step {
        match self {
            WalkLine::FullDays {
                from,
                to,
                days,
                remaining,
            } => {
                let (span_vi, span_en) = day_range(from, to);
                if days == 1 {
                    Step::new(
                        format!(
                            "{span_vi}: {} làm việc (cả ngày), {}",
                            duration_vi(full_day),
                            left_vi(remaining)
                        ),
                        format!(
                            "{span_en}: {} worked (full day), {}",
                            duration_en(full_day),
                            left_en(remaining)
                        ),
                    )
                } else {
                    let total = full_day * i64::from(days);
                    Step::new(
                        format!(
                            "{span_vi}: {days} ngày làm việc trọn ({}), {}",
                            duration_vi(total),
                            left_vi(remaining)
                        ),
                        format!(
                            "{span_en}: {days} full working days ({}), {}",
                            duration_en(total),
                            left_en(remaining)
                        ),
                    )
                }
            }
            WalkLine::Worked {
                date,
                status,
                intervals,
                worked,
                remaining,
            } => {
                let ranges = intervals
                    .iter()
                    .map(|&(a, b)| format!("{}–{}", hm(time_of_second(a)), hm(time_of_second(b))))
                    .collect::<Vec<_>>()
                    .join(", ");
                let (note_vi, note_en) = match &status {
                    DayStatus::MakeUpWorkingDay { name } => (
                        format!(" (ngày làm bù: {name})"),
                        format!(" (make-up working day: {name})"),
                    ),
                    _ => (String::new(), String::new()),
                };
                Step::new(
                    format!(
                        "{}{note_vi}: {} làm việc ({ranges}), {}",
                        capitalize(&day_vi(date)),
                        duration_vi(worked),
                        left_vi(remaining)
                    ),
                    format!(
                        "{}{note_en}: {} worked ({ranges}), {}",
                        day_en(date),
                        duration_en(worked),
                        left_en(remaining)
                    ),
                )
            }
            WalkLine::Off { from, to, status } => {
                let (span_vi, span_en) = day_range(from, to);
                Step::new(
                    format!("{span_vi}: {}", status.describe_vi()),
                    format!("{span_en}: {}", status.describe_en()),
                )
            }
        }
    }
}

/// `còn 7 giờ`, or `hết thời hạn` when nothing is left.
fn left_vi(remaining: i64) -> String {
    if remaining == 0 {
        "hết thời hạn".to_string()
    } else {
        format!("còn {}", duration_vi(remaining))
    }
}

fn left_en(remaining: i64) -> String {
    if remaining == 0 {
        "limit used up".to_string()
    } else {
        format!("{} left", duration_en(remaining))
    }
}

/// `Thứ Hai 16/02/2026` or `Thứ Hai 16/02/2026 – thứ Sáu 20/02/2026`, and the English.
fn day_range(from: Date, to: Date) -> (String, String) {
    if from == to {
        (capitalize(&day_vi(from)), day_en(from))
    } else {
        (
            format!("{} – {}", capitalize(&day_vi(from)), day_vi(to)),
            format!("{} – {}", day_en(from), day_en(to)),
        )
    }
}

fn limit_step(limit: TimeLimit, seconds: i64) -> Step {
    match limit.unit {
        TimeUnit::WorkingDays => Step::new(
            format!(
                "Thời hạn {limit} = {} làm việc (1 ngày làm việc = {WORKING_DAY_HOURS} giờ)",
                duration_vi(seconds)
            ),
            format!(
                "Time limit {} working day(s) = {} of working time (1 working day = {WORKING_DAY_HOURS} h)",
                crate::text::hundredths_en(limit.hundredths),
                duration_en(seconds)
            ),
        ),
        _ => Step::new(
            format!("Thời hạn {limit}"),
            format!(
                "Time limit {} working hour(s)",
                crate::text::hundredths_en(limit.hundredths)
            ),
        ),
    }
}

/// A date and a second of its day (sub-second parts dropped).
fn split(moment: DateTime) -> (Date, i32) {
    (moment.date(), second_of_day(moment.time()))
}

/// The time at `second` after midnight, clamped to the day.
fn time_of_second(second: i32) -> Time {
    let second = second.clamp(0, 86_399);
    // In range by the clamp: hour < 24, minute < 60, second < 60.
    jiff::civil::time(
        i8::try_from(second / 3600).unwrap_or(0),
        i8::try_from(second % 3600 / 60).unwrap_or(0),
        i8::try_from(second % 60).unwrap_or(0),
        0,
    )
}
