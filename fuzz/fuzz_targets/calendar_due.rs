//! `tinhso_calendar::WorkingCalendar::due` over structured inputs: a reception moment, a time
//! limit, an optional cut-off, custom working windows, holiday rules and imported day entries.
//!
//! Inputs are bounded the way real ones are: reception between 1900 and 2300, a limit no larger
//! than 1,000 units (mostly at most 100; `TimeLimit::parse` allows 10,000), windows of at least an
//! hour each and 4 hours a day, at most 64 imported days within about a year of the reception.
//! Inside those bounds every call must end quickly (libFuzzer's `-timeout` catches a walk that
//! does not) and:
//! - the clock starts at or after the reception (to the second) and the due moment is at or
//!   after the clock start, on a quarter hour, inside a window of a working day (its end
//!   included);
//! - for working days and hours, the working time from the clock start to the due moment is the
//!   limit plus less than the two quarter-hour roundings (< 30 minutes);
//! - for working days and hours, a longer limit never gives an earlier due moment (calendar
//!   days and months are not monotone: see FUZZING.md, finding 4);
//! - the explanation renders.
#![no_main]

use arbitrary::Arbitrary;
use jiff::civil::{Date, DateTime, Time};
use libfuzzer_sys::fuzz_target;
use tinhso_calendar::{
    CalendarDay, DayKind, HolidayRules, NationalDayExtra, TimeLimit, TimeUnit, WorkingCalendar,
    WorkingWindows,
};

#[derive(Debug, Arbitrary)]
struct Input {
    year: u16,
    month: u8,
    day: u8,
    second_of_day: u32,
    nanosecond: u32,
    hundredths: u32,
    unit: u8,
    extra_hundredths: u8,
    cutoff_minute: Option<u16>,
    /// Morning start, morning end, afternoon start, afternoon end, in minutes after midnight.
    windows: Option<[u16; 4]>,
    tet_days_before: u8,
    national_day_extra: u8,
    compensate_weekends: bool,
    overrides: Vec<(i16, bool, String)>,
}

fn time_of_minute(minute: u16) -> Time {
    let minute = i32::from(minute) % (24 * 60);
    Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0).expect("in range")
}

fn unit_of(n: u8) -> TimeUnit {
    match n % 4 {
        0 => TimeUnit::WorkingDays,
        1 => TimeUnit::WorkingHours,
        2 => TimeUnit::CalendarDays,
        _ => TimeUnit::Months,
    }
}

fuzz_target!(|input: Input| {
    let year = 1900 + (input.year % 401) as i16;
    let month = 1 + (input.month % 12) as i8;
    let day = 1 + (input.day % 31) as i8;
    let Ok(date) = Date::new(year, month, day) else {
        return;
    };
    let second = input.second_of_day % 86_400;
    // Mostly whole seconds, as the app stores them; sometimes a fraction.
    let nanosecond = if input.nanosecond % 4 == 0 {
        (input.nanosecond % 1_000_000_000) as i32
    } else {
        0
    };
    let time = Time::new(
        (second / 3600) as i8,
        (second % 3600 / 60) as i8,
        (second % 60) as i8,
        nanosecond,
    )
    .expect("in range");
    let received = DateTime::from_parts(date, time);
    // Mostly limits of real size (up to 100 units); one input in eight up to 1,000 units (four
    // years of working days). The parse maximum, 10,000 units, costs 40 years of walking and a
    // 4,500-line explanation per call (0.3 s under ASan): measured apart (FUZZING.md finding 6).
    let bound = if input.unit & 0b111_0000 == 0 {
        1_000 * 100
    } else {
        100 * 100
    };
    let limit = TimeLimit::new(input.hundredths % (bound + 1), unit_of(input.unit));
    let cutoff = input.cutoff_minute.map(time_of_minute);
    let windows = input
        .windows
        .and_then(|[a, b, c, d]| {
            WorkingWindows::new(
                (time_of_minute(a), time_of_minute(b)),
                (time_of_minute(c), time_of_minute(d)),
            )
            .ok()
        })
        // Working time is counted in 8-hour days whatever the windows, so tiny windows make a
        // walk of N working days span N × 8 h / (window length) calendar days: a 1-minute
        // window turns 100 working days into 130 years. Real windows are hours long; keep at
        // least 4 working hours a day.
        .filter(|w| {
            w.windows().iter().all(|x| x.seconds() >= 3600) && w.seconds_per_day() >= 4 * 3600
        })
        .unwrap_or_default();
    let rules = HolidayRules {
        tet_days_before: input.tet_days_before,
        national_day_extra: match input.national_day_extra % 3 {
            0 => NationalDayExtra::Before,
            1 => NationalDayExtra::After,
            _ => NationalDayExtra::Auto,
        },
        compensate_weekends: input.compensate_weekends,
    };
    let overrides: Vec<CalendarDay> = input
        .overrides
        .into_iter()
        .take(64)
        .filter_map(|(offset, working, name)| {
            let day = date
                .checked_add(jiff::Span::new().days(i64::from(offset % 400)))
                .ok()?;
            Some(CalendarDay {
                date: day,
                kind: if working {
                    DayKind::WorkingDay
                } else {
                    DayKind::Holiday
                },
                name,
            })
        })
        .collect();
    let calendar = WorkingCalendar::new(windows, rules, overrides);

    let due = calendar.due(received, limit, cutoff);
    let _ = due.render();

    let received_second = received.with().subsec_nanosecond(0).build().expect("valid");
    assert_eq!(due.received, received);
    assert_eq!(due.limit, limit);
    assert!(
        due.clock_start >= received_second,
        "clock starts before reception: {due:?}"
    );
    assert!(
        due.due >= due.clock_start,
        "due before the clock start: {due:?}"
    );
    assert_eq!(due.due.second(), 0, "due not on a minute: {}", due.due);
    assert_eq!(due.due.subsec_nanosecond(), 0);
    assert_eq!(
        due.due.minute() % 15,
        0,
        "due not on a quarter hour: {}",
        due.due
    );
    assert!(
        calendar.is_due_moment(due.due),
        "due outside working time: {}",
        due.due
    );

    if let Some(seconds) = limit.working_seconds() {
        let worked = calendar.working_seconds_between(due.clock_start, due.due);
        assert!(
            worked >= seconds && worked < seconds + 30 * 60,
            "working time {worked} s for a limit of {seconds} s: {due:?}"
        );
    }

    // Monotonicity holds for working days and hours. For calendar days and months it does not:
    // a deadline ending on a day off moves to the next working day *keeping its time of day*, so
    // Saturday 18:00 becomes Monday 18:00 and then Tuesday 07:30, while a longer limit ending
    // on Sunday 01:00 becomes Monday 07:30 (FUZZING.md finding 4).
    if limit.working_seconds().is_some() {
        let longer = TimeLimit::new(
            limit.hundredths + 1 + u32::from(input.extra_hundredths),
            limit.unit,
        );
        let later = calendar.due(received, longer, cutoff);
        assert!(
            later.due >= due.due,
            "{longer:?} gives {} but {limit:?} gives {} (received {received}, cut-off {cutoff:?})",
            later.due,
            due.due
        );
    }
});
