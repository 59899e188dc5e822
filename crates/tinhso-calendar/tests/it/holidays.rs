use jiff::civil::{date, Date};
use tinhso_calendar::{proposed_holidays, CalendarDay, DayKind, HolidayRules, NationalDayExtra};

fn listed(days: &[CalendarDay]) -> Vec<(Date, &str)> {
    assert!(days.iter().all(|d| d.kind == DayKind::Holiday));
    days.iter().map(|d| (d.date, d.name.as_str())).collect()
}

#[test]
fn proposals_for_2026() {
    let days = proposed_holidays(2026, &HolidayRules::default());
    assert_eq!(
        listed(&days),
        vec![
            (date(2026, 1, 1), "Tết Dương lịch"),
            // Tết Bính Ngọ: lunar 1/1 is Tuesday 17/02; one day before, three after.
            (date(2026, 2, 16), "Tết Nguyên đán"),
            (date(2026, 2, 17), "Tết Nguyên đán"),
            (date(2026, 2, 18), "Tết Nguyên đán"),
            (date(2026, 2, 19), "Tết Nguyên đán"),
            (date(2026, 2, 20), "Tết Nguyên đán"),
            // 10/3 lunar is Sunday 26/04: compensated on Monday 27/04 (art. 111(3)).
            (date(2026, 4, 26), "Giỗ Tổ Hùng Vương"),
            (date(2026, 4, 27), "Nghỉ bù Giỗ Tổ Hùng Vương (26/04)"),
            (date(2026, 4, 30), "Ngày Chiến thắng"),
            (date(2026, 5, 1), "Ngày Quốc tế lao động"),
            // 2/9 is a Wednesday: Auto takes the day before.
            (date(2026, 9, 1), "Quốc khánh"),
            (date(2026, 9, 2), "Quốc khánh"),
        ]
    );
    // 24/11 (Ngày Văn hóa Việt Nam) is unconfirmed: data, never a rule.
    assert!(days.iter().all(|d| d.date != date(2026, 11, 24)));
}

#[test]
fn tet_split_is_configurable() {
    let tet_days = |before: u8| -> Vec<Date> {
        let rules = HolidayRules {
            tet_days_before: before,
            ..HolidayRules::default()
        };
        proposed_holidays(2026, &rules)
            .into_iter()
            .filter(|d| d.name == "Tết Nguyên đán")
            .map(|d| d.date)
            .collect()
    };
    assert_eq!(
        tet_days(0),
        (17..=21).map(|d| date(2026, 2, d)).collect::<Vec<_>>()
    );
    assert_eq!(
        tet_days(5),
        (12..=16).map(|d| date(2026, 2, d)).collect::<Vec<_>>()
    );
    assert_eq!(
        tet_days(9),
        tet_days(5),
        "more than 5 days before counts as 5"
    );
    // Two days before: Sunday 15/02 is a Tết day, compensated after the run, on Friday 20/02.
    let rules = HolidayRules {
        tet_days_before: 2,
        ..HolidayRules::default()
    };
    let days = proposed_holidays(2026, &rules);
    assert!(days
        .iter()
        .any(|d| d.date == date(2026, 2, 20) && d.name == "Nghỉ bù Tết Nguyên đán (15/02)"));
}

#[test]
fn weekend_holidays_are_compensated_on_the_next_free_weekdays() {
    // 2023: 1/1 Sunday → Monday 2/1. Tết Quý Mão (Sunday 22/1) runs Saturday 21/1 to
    // Wednesday 25/1: the weekend days are compensated on Thursday 26/1 and Friday 27/1.
    // Giỗ Tổ Saturday 29/4, 30/4 Sunday, 1/5 Monday → 2/5 and 3/5. 2/9 Saturday with 1/9
    // Friday → Monday 4/9. (Except for Tết, this is the Government's 2023 calendar.)
    let days = proposed_holidays(2023, &HolidayRules::default());
    let compensations: Vec<(Date, &str)> = listed(&days)
        .into_iter()
        .filter(|(_, name)| name.starts_with("Nghỉ bù"))
        .collect();
    assert_eq!(
        compensations,
        vec![
            (date(2023, 1, 2), "Nghỉ bù Tết Dương lịch (01/01)"),
            (date(2023, 1, 26), "Nghỉ bù Tết Nguyên đán (21/01)"),
            (date(2023, 1, 27), "Nghỉ bù Tết Nguyên đán (22/01)"),
            (date(2023, 5, 2), "Nghỉ bù Giỗ Tổ Hùng Vương (29/04)"),
            (date(2023, 5, 3), "Nghỉ bù Ngày Chiến thắng (30/04)"),
            (date(2023, 9, 4), "Nghỉ bù Quốc khánh (02/09)"),
        ]
    );
}

#[test]
fn tet_2024_weekend_days_get_consecutive_compensation() {
    // Tết Giáp Thìn: Friday 9/2 (eve) to Tuesday 13/2; Saturday 10/2 and Sunday 11/2 are
    // compensated on Wednesday 14/2 and Thursday 15/2.
    let days = proposed_holidays(2024, &HolidayRules::default());
    let february: Vec<(Date, &str)> = listed(&days)
        .into_iter()
        .filter(|(d, _)| d.month() == 2)
        .collect();
    assert_eq!(
        february,
        vec![
            (date(2024, 2, 9), "Tết Nguyên đán"),
            (date(2024, 2, 10), "Tết Nguyên đán"),
            (date(2024, 2, 11), "Tết Nguyên đán"),
            (date(2024, 2, 12), "Tết Nguyên đán"),
            (date(2024, 2, 13), "Tết Nguyên đán"),
            (date(2024, 2, 14), "Nghỉ bù Tết Nguyên đán (10/02)"),
            (date(2024, 2, 15), "Nghỉ bù Tết Nguyên đán (11/02)"),
        ]
    );
}

#[test]
fn compensation_can_be_turned_off() {
    let rules = HolidayRules {
        compensate_weekends: false,
        ..HolidayRules::default()
    };
    let days = proposed_holidays(2023, &rules);
    assert!(days.iter().all(|d| !d.name.starts_with("Nghỉ bù")));
    assert_eq!(days.len(), 11);
}

#[test]
fn national_day_extra_choices() {
    let quoc_khanh = |extra: NationalDayExtra| -> Vec<Date> {
        let rules = HolidayRules {
            national_day_extra: extra,
            ..HolidayRules::default()
        };
        proposed_holidays(2026, &rules)
            .into_iter()
            .filter(|d| d.name == "Quốc khánh")
            .map(|d| d.date)
            .collect()
    };
    assert_eq!(
        quoc_khanh(NationalDayExtra::Before),
        vec![date(2026, 9, 1), date(2026, 9, 2)]
    );
    assert_eq!(
        quoc_khanh(NationalDayExtra::After),
        vec![date(2026, 9, 2), date(2026, 9, 3)]
    );
    assert_eq!(
        quoc_khanh(NationalDayExtra::Auto),
        quoc_khanh(NationalDayExtra::Before)
    );
    // 2024: 2/9 Monday → Tuesday 3/9 (as decided that year).
    assert_eq!(NationalDayExtra::Auto.extra_day(2024), date(2024, 9, 3));
}

#[test]
fn rules_deserialize_with_defaults() {
    let rules: HolidayRules =
        serde_json::from_str(r#"{"tet_days_before": 2}"#).expect("partial rules");
    assert_eq!(rules.tet_days_before, 2);
    assert_eq!(rules.national_day_extra, NationalDayExtra::Auto);
    assert!(rules.compensate_weekends);
    let rules: HolidayRules =
        serde_json::from_str(r#"{"national_day_extra": "after"}"#).expect("snake_case");
    assert_eq!(rules.national_day_extra, NationalDayExtra::After);
}

#[test]
fn every_year_has_its_statutory_days() {
    for year in 1950..=2150i16 {
        let days = proposed_holidays(year, &HolidayRules::default());
        assert!(days.iter().all(|d| d.date.year() == year), "{year}");
        let statutory = days
            .iter()
            .filter(|d| !d.name.starts_with("Nghỉ bù"))
            .count();
        // 11 days, or 10 when Giỗ Tổ meets 30/4 or 1/5 on the same date.
        assert!((10..=11).contains(&statutory), "{year}: {statutory}");
        let weekend = days
            .iter()
            .filter(|d| !d.name.starts_with("Nghỉ bù"))
            .filter(|d| tinhso_calendar::holidays::is_weekend(d.date))
            .count();
        assert_eq!(
            days.len() - statutory,
            weekend,
            "{year}: one compensation per weekend day"
        );
    }
}
