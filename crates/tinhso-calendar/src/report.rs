//! A year's working calendar at a glance: days off, make-up days, working days per month.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::lunar::to_lunar;
use crate::text::{dmy, weekday_vi};
use crate::working::{DayStatus, WorkingCalendar};

/// The working calendar of one Gregorian year, as the calendar resolves it (imported entries
/// over rule proposals over weekends).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearCalendar {
    pub year: i16,
    /// Every day off other than an ordinary weekend day, with its name: public holidays,
    /// Tết, compensatory days, extra days off — including those that fall on a weekend.
    pub holidays: Vec<(Date, String)>,
    /// Make-up working days (ngày làm bù), with their names.
    pub make_up_days: Vec<(Date, String)>,
    /// Working days of January..December.
    pub working_days_per_month: [u32; 12],
    pub total_working_days: u32,
}

impl WorkingCalendar {
    /// The calendar of `year` (years outside jiff's range give an empty report).
    pub fn year_report(&self, year: i16) -> YearCalendar {
        let mut report = YearCalendar {
            year,
            holidays: Vec::new(),
            make_up_days: Vec::new(),
            working_days_per_month: [0; 12],
            total_working_days: 0,
        };
        let Ok(mut date) = Date::new(year, 1, 1) else {
            return report;
        };
        while date.year() == year {
            let status = self.day_status(date);
            if status.is_working() {
                let month = usize::try_from(date.month() - 1).unwrap_or(0);
                report.working_days_per_month[month] += 1;
                report.total_working_days += 1;
            }
            match status {
                DayStatus::Holiday { name } => report.holidays.push((date, name)),
                DayStatus::MakeUpWorkingDay { name } => report.make_up_days.push((date, name)),
                DayStatus::Working | DayStatus::Weekend => {}
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        report
    }
}

impl YearCalendar {
    /// A plain-text table (Vietnamese first, then English), as printed by
    /// `tinhso calendar <year>`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "Lịch làm việc năm {} / Working calendar {}\n\n",
            self.year, self.year
        ));
        out.push_str(&format!(
            "Ngày nghỉ lễ, Tết / Days off ({})\n",
            self.holidays.len()
        ));
        day_table(&mut out, &self.holidays);
        out.push_str(&format!(
            "\nNgày làm bù / Make-up working days ({})\n",
            self.make_up_days.len()
        ));
        day_table(&mut out, &self.make_up_days);
        out.push_str("\nNgày làm việc theo tháng / Working days per month\n");
        out.push_str("  Tháng / Month   | Ngày làm việc / Working days\n");
        out.push_str("  ----------------+-----------------------------\n");
        for (i, days) in self.working_days_per_month.iter().enumerate() {
            out.push_str(&format!(
                "  {:<15} | {:>3}\n",
                format!("{:02}/{}", i + 1, self.year),
                days
            ));
        }
        out.push_str("  ----------------+-----------------------------\n");
        out.push_str(&format!(
            "  {:<15} | {:>3}\n",
            "Cả năm / Year", self.total_working_days
        ));
        out
    }
}

fn day_table(out: &mut String, days: &[(Date, String)]) {
    if days.is_empty() {
        out.push_str("  (không có / none)\n");
        return;
    }
    out.push_str("  Ngày        | Thứ       | Âm lịch         | Tên\n");
    out.push_str("  ------------+-----------+-----------------+----------------------------\n");
    for (date, name) in days {
        out.push_str(&format!(
            "  {:<11} | {:<9} | {:<15} | {}\n",
            dmy(*date),
            weekday_vi(date.weekday()),
            to_lunar(*date).to_string(),
            name
        ));
    }
}

impl fmt::Display for YearCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}
