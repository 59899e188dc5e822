//! The Vietnamese lunisolar calendar (âm lịch), computed at UTC+7.
//!
//! This follows the method Hồ Ngọc Đức published for the Vietnamese calendar: months begin on
//! the local day (UTC+7) of an astronomical new moon; lunar month 11 is the month that contains
//! the winter solstice; a lunar year with 13 months (between two months 11) takes as its leap
//! month the first month that contains no major solar term (trung khí, a multiple of 30° of
//! the Sun's apparent longitude). The new moons and the Sun's longitude come from the short
//! series in Jean Meeus, *Astronomical Algorithms*, which are accurate to minutes over
//! 1800–2200 — enough to decide the civil day except in rare borderline cases, which the
//! published Vietnamese tables settle the same way because they use the same series.
//!
//! It is **not** the Chinese calendar: China counts days at UTC+8, so Tết differs in some
//! years (2030: Vietnam 02-02, China 02-03; 2007: 02-17 vs 02-18; 1985: 01-21 vs 02-20).
//!
//! Dates are the proleptic Gregorian dates of [`jiff::civil::Date`]. The arithmetic is
//! validated against published Tết dates and round-trips every day of 1900–2100; far outside
//! that range it stays self-consistent but loses astronomical meaning.

use std::f64::consts::PI;
use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Vietnam's offset from UTC in hours. The calendar is defined by the local day at UTC+7.
const TIME_ZONE_HOURS: f64 = 7.0;

/// Julian day (fractional, from noon) of the reference new moon of 1900-01-01 (k = 0) used by
/// the Meeus series below, and the mean synodic month in days.
const REFERENCE_NEW_MOON_JD: f64 = 2_415_021.076_998_695;
const SYNODIC_MONTH: f64 = 29.530_588_853;

/// A date of the Vietnamese lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LunarDate {
    /// The lunar year (năm âm lịch); lunar month 1 of year `y` begins in January or February
    /// of the Gregorian year `y`.
    pub year: i32,
    /// 1..=12 (tháng Giêng = 1, tháng Chạp = 12).
    pub month: u8,
    /// 1..=30.
    pub day: u8,
    /// Whether the month is the leap month (tháng nhuận) repeating `month`.
    pub leap: bool,
}

impl fmt::Display for LunarDate {
    /// `10/3/2026 ÂL`, or `15/6n/2025 ÂL` for a day of a leap month.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let leap = if self.leap { "n" } else { "" };
        write!(f, "{}/{}{}/{} ÂL", self.day, self.month, leap, self.year)
    }
}

/// The lunar date of a solar (Gregorian) date.
pub fn to_lunar(date: Date) -> LunarDate {
    let day_number = julian_day_number(date);
    // The new moon that starts the month containing `day_number`.
    let month_start = new_moon_day(new_moon_index_on_or_before(day_number));
    // Bracket the month between the two months 11 around it.
    let solar_year = i64::from(date.year());
    let mut a11 = month11_start(solar_year);
    let b11;
    let mut lunar_year;
    if a11 >= month_start {
        lunar_year = solar_year;
        b11 = a11;
        a11 = month11_start(solar_year - 1);
    } else {
        lunar_year = solar_year + 1;
        b11 = month11_start(solar_year + 1);
    }
    let day = day_number - month_start + 1;
    // Whole months since month 11 (a month lasts 29 or 30 days, so dividing by 29 is exact).
    let diff = (month_start - a11).div_euclid(29);
    let mut leap = false;
    let mut month = diff + 11;
    if b11 - a11 > 365 {
        // 13 months between the two months 11: one of them is the leap month.
        let leap_offset = leap_month_offset(a11);
        if diff >= leap_offset {
            month = diff + 10;
            leap = diff == leap_offset;
        }
    }
    if month > 12 {
        month -= 12;
    }
    // Months 11 and 12 right after a11 still belong to the previous lunar year.
    if month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    LunarDate {
        year: i32::try_from(lunar_year).unwrap_or(i32::MAX),
        month: u8::try_from(month).unwrap_or(0),
        day: u8::try_from(day).unwrap_or(0),
        leap,
    }
}

/// The solar date of a lunar date, or `None` when there is no such day: a month outside
/// 1..=12, a leap flag on a month that is not that year's leap month, a day past the end of
/// its month (day 30 of a 29-day month), or a date outside [`jiff::civil::Date`]'s range.
pub fn from_lunar(lunar: LunarDate) -> Option<Date> {
    if !(1..=12).contains(&lunar.month) || !(1..=30).contains(&lunar.day) {
        return None;
    }
    let month_start = lunar_month_start(i64::from(lunar.year), lunar.month, lunar.leap)?;
    let length = lunar_month_length_from_start(month_start);
    if i64::from(lunar.day) > length {
        return None;
    }
    date_from_julian_day_number(month_start + i64::from(lunar.day) - 1)
}

/// Tết Nguyên đán: the solar date of lunar 1/1 of `year`.
///
/// Years outside [`jiff::civil::Date`]'s range (-9999..=9999) saturate to its bounds.
pub fn tet(year: i16) -> Date {
    lunar_month_start(i64::from(year), 1, false)
        .and_then(date_from_julian_day_number)
        .unwrap_or(if year < 0 { Date::MIN } else { Date::MAX })
}

/// The number of days (29 or 30) of a lunar month, or `None` if there is no such month.
pub fn month_length(year: i32, month: u8, leap: bool) -> Option<u8> {
    if !(1..=12).contains(&month) {
        return None;
    }
    let start = lunar_month_start(i64::from(year), month, leap)?;
    u8::try_from(lunar_month_length_from_start(start)).ok()
}

/// The leap month (tháng nhuận) of a lunar year, if it has one: the regular month it repeats.
pub fn leap_month(year: i32) -> Option<u8> {
    (1..=12).find(|&m| lunar_month_start(i64::from(year), m, true).is_some())
}

/// The Julian day number of the first day of a lunar month, or `None` if `leap` is set and
/// `month` is not the year's leap month.
fn lunar_month_start(year: i64, month: u8, leap: bool) -> Option<i64> {
    // Months 11 and 12 of lunar year `y` follow the month 11 of solar year `y`; months 1..=10
    // follow that of solar year `y - 1`.
    let (a11, b11) = if month < 11 {
        (month11_start(year - 1), month11_start(year))
    } else {
        (month11_start(year), month11_start(year + 1))
    };
    let k = ((a11 as f64 - REFERENCE_NEW_MOON_JD) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut offset = i64::from(month) - 11;
    if offset < 0 {
        offset += 12;
    }
    if b11 - a11 > 365 {
        let leap_offset = leap_month_offset(a11);
        // Offset `o` from month 11 is regular month `(10 + o) % 12 + 1`; the leap month
        // repeats the month before it, so at offset `L` it is month `(9 + L) % 12 + 1`.
        let leap_month = (9 + leap_offset).rem_euclid(12) + 1;
        if leap && i64::from(month) != leap_month {
            return None;
        }
        if leap || offset >= leap_offset {
            offset += 1;
        }
    } else if leap {
        return None;
    }
    Some(new_moon_day(k + offset))
}

fn lunar_month_length_from_start(month_start: i64) -> i64 {
    new_moon_day(new_moon_index_on_or_before(month_start) + 1) - month_start
}

/// The index `k` of the last new moon whose local day is on or before `day_number`.
fn new_moon_index_on_or_before(day_number: i64) -> i64 {
    // The mean lunation gives the index to within one; the true new moon can be up to
    // about 14 hours away from the mean one, so step to the exact neighbour.
    let mut k = ((day_number as f64 - REFERENCE_NEW_MOON_JD) / SYNODIC_MONTH).floor() as i64;
    while new_moon_day(k) > day_number {
        k -= 1;
    }
    while new_moon_day(k + 1) <= day_number {
        k += 1;
    }
    k
}

/// Julian day number of the local day (UTC+7) on which the `k`-th new moon after the
/// reference new moon of 1900-01 occurs.
fn new_moon_day(k: i64) -> i64 {
    (new_moon_julian_day(k) + 0.5 + TIME_ZONE_HOURS / 24.0).floor() as i64
}

/// Julian day number of the first day of the lunar month 11 of solar year `year`: the month
/// containing the winter solstice (the Sun at 270°).
fn month11_start(year: i64) -> i64 {
    let december_31 = gregorian_julian_day_number(year, 12, 31);
    let k = ((december_31 - 2_415_021) as f64 / SYNODIC_MONTH).floor() as i64;
    let new_moon = new_moon_day(k);
    // If that new moon falls after the solstice (sector 9 = 270°..300°), the month containing
    // the solstice started at the previous new moon.
    if major_term_sector(new_moon) >= 9 {
        new_moon_day(k - 1)
    } else {
        new_moon
    }
}

/// Offset (1..=13), counted from month 11 starting at `a11`, of the first month without a
/// major term: the leap month of a 13-month lunar year.
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - REFERENCE_NEW_MOON_JD) / SYNODIC_MONTH + 0.5).floor() as i64;
    // A month contains no major term when the Sun is in the same 30° sector at its start and
    // at the start of the next month.
    let mut sector = major_term_sector(new_moon_day(k + 1));
    for offset in 1..=12 {
        let next = major_term_sector(new_moon_day(k + offset + 1));
        if next == sector {
            return offset;
        }
        sector = next;
    }
    13
}

/// The 30° sector (0..=11) of the Sun's apparent longitude at local midnight (UTC+7) starting
/// the day `day_number`. Sector 9 begins at the winter solstice.
fn major_term_sector(day_number: i64) -> i64 {
    let jd = day_number as f64 - 0.5 - TIME_ZONE_HOURS / 24.0;
    (sun_longitude(jd) / PI * 6.0).floor() as i64
}

/// The time of the `k`-th mean new moon after January 1900, corrected by the main periodic
/// terms (Meeus, ch. 49, in its older 1900-epoch form), as a Julian day in Universal Time.
fn new_moon_julian_day(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85; // Julian centuries since 1900-01-00
    let t2 = t * t;
    let t3 = t2 * t;
    let deg = PI / 180.0;
    let mut jd = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * deg).sin();
    // Mean anomalies of the Sun and the Moon, and the Moon's argument of latitude (degrees).
    let sun_anomaly = 359.224_2 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3;
    let moon_anomaly = 306.025_3 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3;
    let latitude = 21.296_4 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3;
    let s = |x: f64| (x * deg).sin();
    let correction = (0.1734 - 0.000_393 * t) * s(sun_anomaly) + 0.0021 * s(2.0 * sun_anomaly)
        - 0.4068 * s(moon_anomaly)
        + 0.0161 * s(2.0 * moon_anomaly)
        - 0.0004 * s(3.0 * moon_anomaly)
        + 0.0104 * s(2.0 * latitude)
        - 0.0051 * s(sun_anomaly + moon_anomaly)
        - 0.0074 * s(sun_anomaly - moon_anomaly)
        + 0.0004 * s(2.0 * latitude + sun_anomaly)
        - 0.0004 * s(2.0 * latitude - sun_anomaly)
        - 0.0006 * s(2.0 * latitude + moon_anomaly)
        + 0.0010 * s(2.0 * latitude - moon_anomaly)
        + 0.0005 * s(2.0 * moon_anomaly + sun_anomaly);
    // ΔT (Terrestrial minus Universal Time), in days, by two polynomial fits.
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    jd + correction - delta_t
}

/// The Sun's apparent (true) longitude in radians, in `[0, 2π)`, at Julian day `jd`
/// (Meeus, ch. 25, low-precision series).
fn sun_longitude(jd: f64) -> f64 {
    let t = (jd - 2_451_545.0) / 36_525.0; // Julian centuries since J2000.0
    let t2 = t * t;
    let deg = PI / 180.0;
    let mean_anomaly = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let mean_longitude = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let center = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (deg * mean_anomaly).sin()
        + (0.019_993 - 0.000_101 * t) * (deg * 2.0 * mean_anomaly).sin()
        + 0.000_290 * (deg * 3.0 * mean_anomaly).sin();
    let longitude = (mean_longitude + center) * deg;
    longitude.rem_euclid(2.0 * PI)
}

/// The Julian day number (the day starting at the noon of the given civil date) of a
/// proleptic Gregorian date.
pub(crate) fn julian_day_number(date: Date) -> i64 {
    gregorian_julian_day_number(
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    )
}

fn gregorian_julian_day_number(year: i64, month: i64, day: i64) -> i64 {
    // Shift the year to start in March so the leap day is the last day of the year.
    let a = (14 - month).div_euclid(12);
    let y = year + 4800 - a;
    let m = month + 12 * a - 3;
    day + (153 * m + 2).div_euclid(5) + 365 * y + y.div_euclid(4) - y.div_euclid(100)
        + y.div_euclid(400)
        - 32_045
}

/// The proleptic Gregorian date of a Julian day number, if jiff can represent it.
pub(crate) fn date_from_julian_day_number(jdn: i64) -> Option<Date> {
    let a = jdn + 32_044;
    let b = (4 * a + 3).div_euclid(146_097);
    let c = a - (146_097 * b).div_euclid(4);
    let d = (4 * c + 3).div_euclid(1461);
    let e = c - (1461 * d).div_euclid(4);
    let m = (5 * e + 2).div_euclid(153);
    let day = e - (153 * m + 2).div_euclid(5) + 1;
    let month = m + 3 - 12 * m.div_euclid(10);
    let year = 100 * b + d - 4800 + m.div_euclid(10);
    Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn julian_day_numbers_round_trip() {
        // 2000-01-01 is JDN 2451545 (J2000.0 is its noon).
        assert_eq!(julian_day_number(date(2000, 1, 1)), 2_451_545);
        for d in [
            date(1900, 1, 1),
            date(2026, 2, 17),
            date(-4713, 11, 24),
            Date::MAX,
        ] {
            assert_eq!(date_from_julian_day_number(julian_day_number(d)), Some(d));
        }
    }

    #[test]
    fn sun_longitude_at_j2000_is_about_280_degrees() {
        let degrees = sun_longitude(2_451_545.0).to_degrees();
        assert!((degrees - 280.37).abs() < 0.05, "{degrees}");
    }
}
