use jiff::civil::{date, time, DateTime};
use tinhso_calendar::{
    CalendarDay, DayKind, DayStatus, HolidayRules, NationalDayExtra, TimeLimit, TimeUnit,
    WorkingCalendar, WorkingWindows,
};

fn at(y: i16, m: i8, d: i8, h: i8, min: i8) -> DateTime {
    date(y, m, d).at(h, min, 0, 0)
}

fn default_calendar() -> WorkingCalendar {
    WorkingCalendar::default()
}

fn with_overrides(days: Vec<CalendarDay>) -> WorkingCalendar {
    WorkingCalendar::new(WorkingWindows::default(), HolidayRules::default(), days)
}

fn limit(text: &str) -> TimeLimit {
    TimeLimit::parse(text).expect("valid limit")
}

/// The worked example of the brief: accepted Friday 13/02/2026 at 16:00, the Friday before
/// Tết Bính Ngọ, with 3 working days = 24 working hours:
/// - Fri 13/02 16:00–17:00: 1 h (23 h left)
/// - Sat 14 – Sun 15: weekend
/// - Mon 16 – Fri 20/02: Tết (default proposal: 16/02 plus lunar 1/1–4/1)
/// - Sat 21 – Sun 22: weekend
/// - Mon 23/02: 8 h (15 h left); Tue 24/02: 8 h (7 h left)
/// - Wed 25/02: 07:30–11:30 (4 h, 3 h left), 13:00–16:00 (3 h) → due 16:00.
#[test]
fn friday_before_tet_2026_three_working_days() {
    let calendar = default_calendar();
    let due = calendar.due(at(2026, 2, 13, 16, 0), limit("3 working days"), None);
    assert_eq!(due.clock_start, at(2026, 2, 13, 16, 0));
    assert_eq!(due.due, at(2026, 2, 25, 16, 0));

    let lines: Vec<String> = due.explanation.iter().map(|s| s.to_string()).collect();
    println!("{}", due.render());
    assert!(lines[0]
        .starts_with("Nhận lúc 16:00 thứ Sáu 13/02/2026 / Received at 16:00 on Friday 13/02/2026"));
    let expected_vi = [
        "Thời hạn 3 ngày làm việc = 24 giờ làm việc (1 ngày làm việc = 8 giờ)",
        "Thứ Sáu 13/02/2026: 1 giờ làm việc (16:00–17:00), còn 23 giờ",
        "Thứ Bảy 14/02/2026 – Chủ nhật 15/02/2026: nghỉ cuối tuần",
        "Thứ Hai 16/02/2026 – thứ Sáu 20/02/2026: nghỉ Tết Nguyên đán",
        "Thứ Bảy 21/02/2026 – Chủ nhật 22/02/2026: nghỉ cuối tuần",
        "Thứ Hai 23/02/2026 – thứ Ba 24/02/2026: 2 ngày làm việc trọn (16 giờ), còn 7 giờ",
        "Thứ Tư 25/02/2026: 7 giờ làm việc (07:30–11:30, 13:00–16:00), hết thời hạn",
        "Hạn giải quyết (ngày hẹn trả): 16:00 thứ Tư 25/02/2026",
    ];
    for line in expected_vi {
        assert!(
            due.explanation.iter().any(|s| s.vi == line),
            "missing {line:?} in\n{}",
            due.render()
        );
    }
    assert_eq!(
        due.explanation.last().map(|s| s.en.as_str()),
        Some("Due (appointment): 16:00 on Wednesday 25/02/2026")
    );
}

/// Received at 15:05 on Tuesday 1/9/2026, eve of Quốc khánh, 1 working day, 15:00 cut-off.
/// 2/9/2026 is a Wednesday, so the default (Auto) proposal takes 1/9 as the second day off:
/// 1/9 and 2/9 are holidays. Received on a holiday, the cut-off does not matter: the clock
/// starts Thursday 3/9 07:30 and 8 working hours end at 17:00.
#[test]
fn cutoff_on_the_eve_of_national_day_2026_default_rules() {
    let calendar = default_calendar();
    assert_eq!(
        calendar.day_status(date(2026, 9, 1)),
        DayStatus::Holiday {
            name: "Quốc khánh".into()
        }
    );
    let due = calendar.due(
        at(2026, 9, 1, 15, 5),
        limit("1 ngày làm việc"),
        Some(time(15, 0, 0, 0)),
    );
    assert_eq!(due.clock_start, at(2026, 9, 3, 7, 30));
    assert_eq!(due.due, at(2026, 9, 3, 17, 0));
}

/// The same with the extra day after 2/9: 1/9 is a working Tuesday, 2/9 and 3/9 are off.
/// - With the 15:00 cut-off, 15:05 counts as the start of the next working day, Friday 4/9
///   07:30; 8 h → Friday 17:00.
/// - Without it: Tue 15:05–17:00 is 1 h 55 min, 6 h 05 min remain: Fri 07:30–11:30 (4 h),
///   13:00–15:05 → 15:05, rounded up to 15:15.
#[test]
fn cutoff_on_the_eve_of_national_day_2026_extra_day_after() {
    let rules = HolidayRules {
        national_day_extra: NationalDayExtra::After,
        ..HolidayRules::default()
    };
    let calendar = WorkingCalendar::new(WorkingWindows::default(), rules, vec![]);
    assert!(calendar.is_working_day(date(2026, 9, 1)));
    assert!(!calendar.is_working_day(date(2026, 9, 3)));

    let cutoff = Some(time(15, 0, 0, 0));
    let due = calendar.due(at(2026, 9, 1, 15, 5), limit("1 working day"), cutoff);
    assert_eq!(due.clock_start, at(2026, 9, 4, 7, 30));
    assert_eq!(due.due, at(2026, 9, 4, 17, 0));
    assert!(due
        .explanation
        .iter()
        .any(|s| s.vi.starts_with("Nhận sau giờ chốt 15:00")));

    let due = calendar.due(at(2026, 9, 1, 15, 5), limit("1 working day"), None);
    assert_eq!(due.clock_start, at(2026, 9, 1, 15, 5));
    assert_eq!(due.due, at(2026, 9, 4, 15, 15));
    assert!(due
        .explanation
        .iter()
        .any(|s| s.vi == "Làm tròn lên mốc 15 phút: 15:15"));
}

/// On an ordinary Tuesday: 15:00 exactly is not after the cut-off; 15:05 is.
#[test]
fn cutoff_on_an_ordinary_day() {
    let calendar = default_calendar();
    let cutoff = Some(time(15, 0, 0, 0));
    // 15:00: Tue 2 h (15:00–17:00), Wed 07:30–11:30 (4 h), 13:00–15:00 (2 h).
    let due = calendar.due(at(2026, 3, 3, 15, 0), TimeLimit::working_days(1), cutoff);
    assert_eq!(due.clock_start, at(2026, 3, 3, 15, 0));
    assert_eq!(due.due, at(2026, 3, 4, 15, 0));
    // 15:05: from Wednesday 07:30, the whole day.
    let due = calendar.due(at(2026, 3, 3, 15, 5), TimeLimit::working_days(1), cutoff);
    assert_eq!(due.clock_start, at(2026, 3, 4, 7, 30));
    assert_eq!(due.due, at(2026, 3, 4, 17, 0));
    // Before the windows open the cut-off is irrelevant.
    let due = calendar.due(at(2026, 3, 3, 6, 0), TimeLimit::working_days(1), cutoff);
    assert_eq!(due.due, at(2026, 3, 3, 17, 0));
}

/// Half a working day = 4 working hours.
/// - Mon 02/03/2026 09:10: 09:10–11:30 (2 h 20), 13:00–14:40 (1 h 40) → 14:40 → 14:45.
/// - Mon 14:00: 14:00–17:00 (3 h), Tue 07:30–08:30 (1 h) → Tue 08:30.
/// - 1,5 days from Mon 07:30 = 12 h: Mon 8 h, Tue 07:30–11:30 → Tue 11:30 (a window's end
///   is a valid due moment).
#[test]
fn half_day_limits() {
    let calendar = default_calendar();
    let half = limit("0,5 ngày làm việc");
    assert_eq!(half, TimeLimit::new(50, TimeUnit::WorkingDays));
    assert_eq!(
        calendar.due(at(2026, 3, 2, 9, 10), half, None).due,
        at(2026, 3, 2, 14, 45)
    );
    assert_eq!(
        calendar.due(at(2026, 3, 2, 14, 0), half, None).due,
        at(2026, 3, 3, 8, 30)
    );
    let one_and_half = limit("1,5 ngày làm việc");
    assert_eq!(
        calendar.due(at(2026, 3, 2, 7, 30), one_and_half, None).due,
        at(2026, 3, 3, 11, 30)
    );
}

/// A make-up working Saturday (ngày làm bù) counts.
/// Received Fri 06/03/2026 13:00, 2 working days = 16 h:
/// - with Saturday 07/03 a make-up day: Fri 4 h, Sat 8 h, Mon 09/03 07:30–11:30 → 11:30;
/// - without: Fri 4 h, Mon 8 h, Tue 10/03 07:30–11:30 → Tue 11:30.
#[test]
fn make_up_working_saturday_counts() {
    let saturday = CalendarDay {
        date: date(2026, 3, 7),
        kind: DayKind::WorkingDay,
        name: "Làm bù cho ngày 02/01".into(),
    };
    let calendar = with_overrides(vec![saturday]);
    assert_eq!(
        calendar.day_status(date(2026, 3, 7)),
        DayStatus::MakeUpWorkingDay {
            name: "Làm bù cho ngày 02/01".into()
        }
    );
    let due = calendar.due(at(2026, 3, 6, 13, 0), TimeLimit::working_days(2), None);
    assert_eq!(due.due, at(2026, 3, 9, 11, 30));
    assert!(
        due.explanation.iter().any(|s| s
            .vi
            .starts_with("Thứ Bảy 07/03/2026 (ngày làm bù: Làm bù cho ngày 02/01): 8 giờ")),
        "{}",
        due.render()
    );
    let plain = default_calendar().due(at(2026, 3, 6, 13, 0), TimeLimit::working_days(2), None);
    assert_eq!(plain.due, at(2026, 3, 10, 11, 30));
}

/// An imported entry making Tuesday 24/11/2026 a holiday (Ngày Văn hóa Việt Nam) moves a due
/// date. Received Mon 23/11 10:00, 1 working day: 10:00–11:30 (1 h 30), 13:00–17:00 (4 h),
/// 2 h 30 left → without the entry Tue 24/11 10:00; with it Wed 25/11 10:00.
#[test]
fn an_imported_holiday_shifts_the_due_date() {
    let received = at(2026, 11, 23, 10, 0);
    assert_eq!(
        default_calendar()
            .due(received, TimeLimit::working_days(1), None)
            .due,
        at(2026, 11, 24, 10, 0)
    );
    let culture_day = CalendarDay {
        date: date(2026, 11, 24),
        kind: DayKind::Holiday,
        name: "Ngày Văn hóa Việt Nam".into(),
    };
    let calendar = with_overrides(vec![culture_day]);
    let due = calendar.due(received, TimeLimit::working_days(1), None);
    assert_eq!(due.due, at(2026, 11, 25, 10, 0));
    assert!(due
        .explanation
        .iter()
        .any(|s| s.vi == "Thứ Ba 24/11/2026: nghỉ Ngày Văn hóa Việt Nam"));
}

/// An imported working-day entry cancels a proposed holiday.
#[test]
fn an_imported_working_day_cancels_a_proposed_holiday() {
    let calendar = with_overrides(vec![CalendarDay {
        date: date(2026, 2, 16),
        kind: DayKind::WorkingDay,
        name: "Đổi ngày nghỉ".into(),
    }]);
    assert!(calendar.is_working_day(date(2026, 2, 16)));
    assert_eq!(
        calendar.day_status(date(2026, 2, 16)),
        DayStatus::MakeUpWorkingDay {
            name: "Đổi ngày nghỉ".into()
        }
    );
    // A working-day entry on an ordinary weekday changes nothing.
    let calendar = with_overrides(vec![CalendarDay {
        date: date(2026, 3, 4),
        kind: DayKind::WorkingDay,
        name: "x".into(),
    }]);
    assert_eq!(calendar.day_status(date(2026, 3, 4)), DayStatus::Working);
}

#[test]
fn received_outside_working_time() {
    let calendar = default_calendar();
    // Saturday → Monday 07:30; 8 h → Monday 17:00.
    let due = calendar.due(at(2026, 3, 7, 9, 0), limit("8 giờ làm việc"), None);
    assert_eq!(due.clock_start, at(2026, 3, 9, 7, 30));
    assert_eq!(due.due, at(2026, 3, 9, 17, 0));
    assert!(due.explanation[1]
        .vi
        .starts_with("Nhận vào ngày nghỉ (nghỉ cuối tuần): bắt đầu tính từ"));
    // Lunch break → 13:00; 1 h → 14:00.
    let due = calendar.due(at(2026, 3, 9, 12, 0), limit("1 giờ"), None);
    assert_eq!(
        (due.clock_start, due.due),
        (at(2026, 3, 9, 13, 0), at(2026, 3, 9, 14, 0))
    );
    // Evening → next morning.
    let due = calendar.due(at(2026, 3, 9, 18, 0), limit("4 giờ"), None);
    assert_eq!(
        (due.clock_start, due.due),
        (at(2026, 3, 10, 7, 30), at(2026, 3, 10, 11, 30))
    );
    // During Tết → the first working day after it.
    let due = calendar.due(at(2026, 2, 18, 9, 0), limit("1 giờ"), None);
    assert_eq!(due.clock_start, at(2026, 2, 23, 7, 30));
    assert!(due.explanation[1].vi.contains("nghỉ Tết Nguyên đán"));
}

#[test]
fn quarter_hour_rounding() {
    let calendar = default_calendar();
    // 09:07 + 1 h = 10:07 → 10:15.
    assert_eq!(
        calendar.due(at(2026, 3, 9, 9, 7), limit("1 giờ"), None).due,
        at(2026, 3, 9, 10, 15)
    );
    // Seconds count too: 09:00:01 + 1 h → 10:15.
    let received = date(2026, 3, 9).at(9, 0, 1, 0);
    assert_eq!(
        calendar.due(received, limit("1 giờ"), None).due,
        at(2026, 3, 9, 10, 15)
    );
    // A zero limit: the clock start, rounded.
    assert_eq!(
        calendar.due(at(2026, 3, 9, 9, 7), limit("0 giờ"), None).due,
        at(2026, 3, 9, 9, 15)
    );
}

/// With a morning window ending at 11:10, 07:05 + 4 h = 11:05 rounds to 11:15, outside the
/// window: the due moves to the afternoon start, 13:00.
#[test]
fn rounding_out_of_a_window_moves_to_the_next_window() {
    let windows = WorkingWindows::new(
        (time(7, 0, 0, 0), time(11, 10, 0, 0)),
        (time(13, 0, 0, 0), time(17, 0, 0, 0)),
    )
    .expect("valid windows");
    let calendar = WorkingCalendar::new(windows, HolidayRules::default(), vec![]);
    let due = calendar.due(at(2026, 3, 9, 7, 5), limit("4 giờ làm việc"), None);
    assert_eq!(due.due, at(2026, 3, 9, 13, 0));
    assert!(
        due.explanation
            .iter()
            .any(|s| s.vi.contains("nằm ngoài giờ làm việc")),
        "{}",
        due.render()
    );
}

/// Calendar days keep the time of day; a deadline on a day off moves to the next working day
/// (Civil Code 2015 art. 148).
#[test]
fn calendar_days() {
    let calendar = default_calendar();
    // Fri 13/02 16:00 + 10 days = Mon 23/02 16:00, a working day.
    let due = calendar.due(at(2026, 2, 13, 16, 0), limit("10 ngày"), None);
    assert_eq!(due.due, at(2026, 2, 23, 16, 0));
    // Thu 05/02 10:00 + 10 days = Sun 15/02; then Tết and a weekend: Mon 23/02 10:00.
    let due = calendar.due(at(2026, 2, 5, 10, 0), limit("10 ngày"), None);
    assert_eq!(due.due, at(2026, 2, 23, 10, 0));
    assert!(
        due.explanation.iter().any(|s| s.vi.contains("điều 148")),
        "{}",
        due.render()
    );
}

/// Months are clamped to the end of the month (art. 148(3)): Fri 30/01/2026 10:00 + 1 month =
/// Sat 28/02 → Monday 02/03 10:00.
#[test]
fn months() {
    let due = default_calendar().due(at(2026, 1, 30, 10, 0), limit("1 tháng"), None);
    assert_eq!(due.due, at(2026, 3, 2, 10, 0));
}

#[test]
fn working_time_arithmetic() {
    let calendar = default_calendar();
    let friday = at(2026, 2, 13, 16, 0);
    let wednesday = at(2026, 2, 25, 16, 0);
    assert_eq!(calendar.working_minutes_between(friday, wednesday), 24 * 60);
    assert_eq!(
        calendar.working_minutes_between(wednesday, friday),
        -24 * 60
    );
    assert_eq!(calendar.add_working_minutes(friday, 24 * 60), wednesday);
    assert_eq!(calendar.add_working_minutes(wednesday, -24 * 60), friday);
    // Backwards across a weekend: Mon 23/02 08:30 − 2 h = Fri 13/02 16:00 (Tết in between).
    assert_eq!(
        calendar.add_working_minutes(at(2026, 2, 23, 8, 30), -120),
        friday
    );
    // A pause during the lunch break and a weekend counts nothing.
    assert_eq!(
        calendar.working_minutes_between(at(2026, 3, 9, 11, 30), at(2026, 3, 9, 13, 0)),
        0
    );
    assert_eq!(
        calendar.working_minutes_between(at(2026, 3, 6, 17, 0), at(2026, 3, 9, 7, 30)),
        0
    );

    assert_eq!(
        calendar.next_working_moment(at(2026, 3, 9, 11, 30)),
        at(2026, 3, 9, 13, 0)
    );
    assert_eq!(
        calendar.next_working_moment(at(2026, 3, 9, 16, 59)),
        at(2026, 3, 9, 16, 59)
    );
    assert_eq!(
        calendar.next_working_moment(at(2026, 3, 9, 17, 0)),
        at(2026, 3, 10, 7, 30)
    );
    assert_eq!(
        calendar.next_working_moment(at(2026, 3, 7, 10, 0)),
        at(2026, 3, 9, 7, 30)
    );
    assert!(calendar.is_working_moment(at(2026, 3, 9, 7, 30)));
    assert!(!calendar.is_working_moment(at(2026, 3, 9, 17, 0)));
    assert!(calendar.is_due_moment(at(2026, 3, 9, 17, 0)));
}

#[test]
fn huge_limits_saturate_instead_of_hanging() {
    let calendar = default_calendar();
    let due = calendar.due(
        at(2026, 3, 9, 9, 0),
        TimeLimit::new(u32::MAX, TimeUnit::CalendarDays),
        None,
    );
    assert_eq!(due.due.date().year(), 9999);
    let far = calendar.add_working_minutes(at(2026, 3, 9, 9, 0), i64::MAX);
    assert!(far > at(2500, 1, 1, 0, 0));
    let past = calendar.add_working_minutes(at(2026, 3, 9, 9, 0), i64::MIN);
    assert!(past < at(1600, 1, 1, 0, 0));
}

#[test]
fn due_date_serializes() {
    let due = default_calendar().due(at(2026, 2, 13, 16, 0), TimeLimit::working_days(3), None);
    let json = serde_json::to_value(&due).expect("serializable");
    assert_eq!(json["due"], "2026-02-25T16:00:00");
    assert_eq!(json["limit"]["unit"], "working_days");
    assert!(json["explanation"][0]["vi"]
        .as_str()
        .is_some_and(|s| s.starts_with("Nhận lúc")));
    let status = serde_json::to_value(DayStatus::Holiday {
        name: "Quốc khánh".into(),
    })
    .expect("status");
    assert_eq!(
        status,
        serde_json::json!({"status": "holiday", "name": "Quốc khánh"})
    );
}

#[test]
fn the_calendar_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync + Clone>() {}
    shareable::<WorkingCalendar>();
    let calendar = std::sync::Arc::new(default_calendar());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let calendar = calendar.clone();
            std::thread::spawn(move || {
                calendar
                    .due(at(2026, 2, 13, 16, 0), TimeLimit::working_days(3), None)
                    .due
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().ok(), Some(at(2026, 2, 25, 16, 0)));
    }
}
