//! Property tests of the working-time clock and the lunar calendar.

use jiff::civil::{date, Date, DateTime};
use proptest::prelude::*;
use tinhso_calendar::lunar::{from_lunar, to_lunar};
use tinhso_calendar::{
    CalendarDay, DayKind, HolidayRules, LunarDate, TimeLimit, TimeUnit, WorkingCalendar,
    WorkingWindows,
};

fn calendar() -> WorkingCalendar {
    WorkingCalendar::new(
        WorkingWindows::default(),
        HolidayRules::default(),
        vec![
            CalendarDay {
                date: date(2026, 11, 24),
                kind: DayKind::Holiday,
                name: "Ngày Văn hóa Việt Nam".into(),
            },
            CalendarDay {
                date: date(2026, 3, 7),
                kind: DayKind::WorkingDay,
                name: "Làm bù".into(),
            },
            CalendarDay {
                date: date(2025, 4, 26),
                kind: DayKind::WorkingDay,
                name: "Làm bù".into(),
            },
        ],
    )
}

/// Any moment of 2024–2028 on a whole minute.
fn moment() -> impl Strategy<Value = DateTime> {
    (0i64..5 * 366, 0i64..24 * 60).prop_map(|(days, minute)| {
        date(2024, 1, 1)
            .checked_add(jiff::Span::new().days(days))
            .unwrap_or(Date::MAX)
            .to_datetime(jiff::civil::time(
                (minute / 60) as i8,
                (minute % 60) as i8,
                0,
                0,
            ))
    })
}

fn working_limit() -> impl Strategy<Value = TimeLimit> {
    (
        0u32..3000,
        prop_oneof![Just(TimeUnit::WorkingDays), Just(TimeUnit::WorkingHours)],
    )
        .prop_map(|(hundredths, unit)| TimeLimit::new(hundredths, unit))
}

fn any_limit() -> impl Strategy<Value = TimeLimit> {
    (
        0u32..3000,
        prop_oneof![
            Just(TimeUnit::WorkingDays),
            Just(TimeUnit::WorkingHours),
            Just(TimeUnit::CalendarDays),
            Just(TimeUnit::Months)
        ],
    )
        .prop_map(|(hundredths, unit)| TimeLimit::new(hundredths, unit))
}

fn cutoff() -> impl Strategy<Value = Option<jiff::civil::Time>> {
    prop_oneof![Just(None), Just(Some(jiff::civil::time(15, 0, 0, 0)))]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn more_time_is_never_earlier(t in moment(), a in 0i64..20_000, b in 0i64..20_000) {
        let cal = calendar();
        let (small, large) = (a.min(b), a.max(b));
        prop_assert!(cal.add_working_minutes(t, small) <= cal.add_working_minutes(t, large));
    }

    #[test]
    fn a_longer_limit_is_never_due_earlier(
        t in moment(), a in 0u32..3000, b in 0u32..3000, working_days in any::<bool>(), c in cutoff()
    ) {
        let cal = calendar();
        let unit = if working_days { TimeUnit::WorkingDays } else { TimeUnit::WorkingHours };
        let (small, large) = (a.min(b), a.max(b));
        let early = cal.due(t, TimeLimit::new(small, unit), c).due;
        let late = cal.due(t, TimeLimit::new(large, unit), c).due;
        prop_assert!(early <= late, "{early} > {late}");
    }

    #[test]
    fn a_later_start_is_never_due_earlier(
        t1 in moment(), t2 in moment(), limit in working_limit(), c in cutoff()
    ) {
        let cal = calendar();
        let (first, second) = (t1.min(t2), t1.max(t2));
        let a = cal.due(first, limit, c).due;
        let b = cal.due(second, limit, c).due;
        prop_assert!(a <= b, "{first} → {a}, {second} → {b}");
    }

    #[test]
    fn the_due_is_a_working_moment_on_a_quarter_hour(t in moment(), limit in any_limit(), c in cutoff()) {
        let cal = calendar();
        let due = cal.due(t, limit, c);
        prop_assert!(cal.is_due_moment(due.due), "{} is not a due moment", due.due);
        prop_assert_eq!(due.due.minute() % 15, 0);
        prop_assert_eq!(due.due.second(), 0);
        prop_assert!(due.due >= due.clock_start);
        prop_assert!(due.clock_start >= t.with().subsec_nanosecond(0).build().unwrap_or(t));
        prop_assert!(cal.is_working_moment(due.clock_start));
    }

    #[test]
    fn measuring_what_was_added_gives_it_back(t in moment(), minutes in 0i64..20_000) {
        let cal = calendar();
        let start = cal.next_working_moment(t);
        let end = cal.add_working_minutes(start, minutes);
        prop_assert_eq!(cal.working_minutes_between(start, end), minutes);
        // From any moment, too: the time before the first working moment counts nothing.
        prop_assert_eq!(cal.working_minutes_between(t, cal.add_working_minutes(t, minutes)), minutes);
        // And back again.
        prop_assert_eq!(cal.add_working_minutes(end, -minutes), start);
    }

    #[test]
    fn working_time_is_additive(a in moment(), b in moment(), c in moment()) {
        let cal = calendar();
        let ab = cal.working_minutes_between(a, b);
        let bc = cal.working_minutes_between(b, c);
        prop_assert_eq!(ab + bc, cal.working_minutes_between(a, c));
    }

    #[test]
    fn lunar_to_solar_to_lunar(year in 1901i32..2100, month in 1u8..=12, day in 1u8..=30, leap in any::<bool>()) {
        let lunar = LunarDate { year, month, day, leap };
        if let Some(solar) = from_lunar(lunar) {
            prop_assert_eq!(to_lunar(solar), lunar);
        } else {
            // Only a missing day 30, or a leap flag on a month that is not the leap month.
            prop_assert!(day == 30 || leap, "{lunar:?} should exist");
        }
    }
}
