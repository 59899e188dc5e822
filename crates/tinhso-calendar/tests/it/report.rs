use jiff::civil::date;
use tinhso_calendar::{CalendarDay, DayKind, HolidayRules, WorkingCalendar, WorkingWindows};

/// 2026 has 261 weekdays; the default proposals take 11 of them (1/1, Tết 16–20/2, nghỉ bù
/// 27/4, 30/4, 1/5, 1/9, 2/9): 250 working days.
#[test]
fn year_2026_with_default_rules() {
    let report = WorkingCalendar::default().year_report(2026);
    assert_eq!(
        report.working_days_per_month,
        [21, 15, 22, 20, 20, 22, 23, 21, 20, 22, 21, 23]
    );
    assert_eq!(report.total_working_days, 250);
    assert_eq!(report.holidays.len(), 12, "{:?}", report.holidays);
    assert!(report.make_up_days.is_empty());
    let text = report.to_string();
    println!("{text}");
    assert!(text.contains("Lịch làm việc năm 2026"));
    assert!(text.contains("17/02/2026"));
    assert!(text.contains("1/1/2026 ÂL"), "the lunar date of Tết");
    assert!(
        text.lines()
            .any(|l| l.starts_with("  Cả năm / Year") && l.ends_with("| 250")),
        "{text}"
    );
}

#[test]
fn imported_entries_change_the_report() {
    let calendar = WorkingCalendar::new(
        WorkingWindows::default(),
        HolidayRules::default(),
        vec![
            CalendarDay {
                date: date(2026, 11, 24),
                kind: DayKind::Holiday,
                name: "Ngày Văn hóa Việt Nam".into(),
            },
            CalendarDay {
                date: date(2026, 2, 7),
                kind: DayKind::WorkingDay,
                name: "Làm bù cho ngày 13/02".into(),
            },
            CalendarDay {
                date: date(2026, 2, 13),
                kind: DayKind::Holiday,
                name: "Nghỉ Tết (hoán đổi)".into(),
            },
        ],
    );
    let report = calendar.year_report(2026);
    assert_eq!(report.working_days_per_month[10], 20);
    assert_eq!(
        report.working_days_per_month[1], 15,
        "one swapped day, same count"
    );
    assert_eq!(report.total_working_days, 249);
    assert_eq!(
        report.make_up_days,
        vec![(date(2026, 2, 7), "Làm bù cho ngày 13/02".to_string())]
    );
    assert!(report
        .holidays
        .contains(&(date(2026, 11, 24), "Ngày Văn hóa Việt Nam".to_string())));
    let json = serde_json::to_value(&report).expect("serializable");
    assert_eq!(json["total_working_days"], 249);
}
