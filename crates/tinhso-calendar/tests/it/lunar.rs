use jiff::civil::{date, Date};
use tinhso_calendar::lunar::{from_lunar, leap_month, month_length, tet, to_lunar, LunarDate};

fn lunar(year: i32, month: u8, day: u8, leap: bool) -> LunarDate {
    LunarDate {
        year,
        month,
        day,
        leap,
    }
}

#[test]
fn tet_dates_of_domain_md_follow_the_vietnamese_calendar() {
    // domain.md §3; the last three differ from China's (UTC+8) calendar.
    let cases = [
        (2024, date(2024, 2, 10)),
        (2025, date(2025, 1, 29)),
        (2026, date(2026, 2, 17)),
        (2027, date(2027, 2, 6)),
        (2028, date(2028, 1, 26)),
        (2030, date(2030, 2, 2)),  // China: 2030-02-03
        (2007, date(2007, 2, 17)), // China: 2007-02-18
        (1985, date(1985, 1, 21)), // China: 1985-02-20
        (1968, date(1968, 1, 29)), // China: 1968-01-30 (Tết Mậu Thân)
        (2020, date(2020, 1, 25)),
        (2021, date(2021, 2, 12)),
        (2022, date(2022, 2, 1)),
        (2023, date(2023, 1, 22)),
    ];
    for (year, expected) in cases {
        assert_eq!(tet(year), expected, "Tết {year}");
        assert_eq!(to_lunar(expected), lunar(i32::from(year), 1, 1, false));
        assert_eq!(
            from_lunar(lunar(i32::from(year), 1, 1, false)),
            Some(expected)
        );
    }
}

#[test]
fn the_day_before_tet_is_the_last_day_of_the_previous_lunar_year() {
    let eve = to_lunar(date(2026, 2, 16));
    assert_eq!((eve.year, eve.month, eve.leap), (2025, 12, false));
    assert_eq!(Some(eve.day), month_length(2025, 12, false));
}

#[test]
fn hung_kings_day_2026() {
    // Giỗ Tổ Hùng Vương, 10/3 âm lịch: Sunday 26/04/2026.
    assert_eq!(
        from_lunar(lunar(2026, 3, 10, false)),
        Some(date(2026, 4, 26))
    );
}

#[test]
fn known_leap_months() {
    assert_eq!(leap_month(2020), Some(4));
    assert_eq!(leap_month(2023), Some(2));
    assert_eq!(leap_month(2025), Some(6));
    assert_eq!(leap_month(2026), None);
    assert_eq!(leap_month(2028), Some(5));
    // A day of the leap month 6 of 2025 round-trips with its flag.
    let d = from_lunar(lunar(2025, 6, 1, true)).expect("leap month 6 of 2025 exists");
    assert_eq!(to_lunar(d), lunar(2025, 6, 1, true));
    assert!(from_lunar(lunar(2025, 6, 1, false)).expect("month 6 exists") < d);
}

#[test]
fn impossible_lunar_dates_are_none() {
    assert_eq!(
        from_lunar(lunar(2026, 4, 1, true)),
        None,
        "2026 has no leap month"
    );
    assert_eq!(
        from_lunar(lunar(2025, 5, 1, true)),
        None,
        "2025's leap month is 6"
    );
    assert_eq!(from_lunar(lunar(2026, 13, 1, false)), None);
    assert_eq!(from_lunar(lunar(2026, 0, 1, false)), None);
    assert_eq!(from_lunar(lunar(2026, 1, 0, false)), None);
    assert_eq!(from_lunar(lunar(2026, 1, 31, false)), None);
    // Find a 29-day month and check its day 30 does not exist.
    let short = (1..=12u8)
        .find(|&m| month_length(2026, m, false) == Some(29))
        .expect("every lunar year has a 29-day month");
    assert_eq!(from_lunar(lunar(2026, short, 30, false)), None);
    assert!(from_lunar(lunar(2026, short, 29, false)).is_some());
}

/// Every day of 1900–2100: solar → lunar → solar is the identity, lunar days advance by one
/// inside a month, and every month has 29 or 30 days.
#[test]
fn every_day_from_1900_to_2100_round_trips() {
    let mut day = date(1900, 1, 1);
    let last = date(2100, 12, 31);
    let mut previous: Option<LunarDate> = None;
    let mut months = 0;
    while day <= last {
        let l = to_lunar(day);
        assert!(
            (1..=12).contains(&l.month) && (1..=30).contains(&l.day),
            "{day}: {l:?}"
        );
        assert_eq!(from_lunar(l), Some(day), "{day} -> {l:?}");
        if let Some(p) = previous {
            if l.day == 1 {
                assert!(p.day == 29 || p.day == 30, "month ending {day}: {p:?}");
                months += 1;
            } else {
                assert_eq!(
                    (l.year, l.month, l.leap, l.day),
                    (p.year, p.month, p.leap, p.day + 1)
                );
            }
        }
        previous = Some(l);
        day = day.tomorrow().expect("within range");
    }
    // 201 years hold about 201 × 365.2425 / 29.530589 ≈ 2486 lunations.
    assert!((2484..=2488).contains(&months), "{months}");
}

/// Lunar years have 12 or 13 months, and exactly the 13-month ones have a leap month.
#[test]
fn lunar_years_have_twelve_or_thirteen_months() {
    for year in 1901..=2099 {
        let start = tet(year);
        let next = tet(year + 1);
        let days = next.since(start).expect("span").get_days();
        let leap = leap_month(i32::from(year));
        if leap.is_some() {
            assert!((383..=385).contains(&days), "{year}: {days} days");
        } else {
            assert!((353..=355).contains(&days), "{year}: {days} days");
        }
        let _: Option<Date> = leap.and_then(|m| from_lunar(lunar(i32::from(year), m, 1, true)));
    }
}
