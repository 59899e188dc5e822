//! `tinhso_app::imports::parse_calendar_csv`: the dated calendar entries an administrator
//! imports (`date,kind,name`).
//!
//! Properties: never panics; at most one result per data row; an accepted row has a real date
//! whose ISO text reads back to it, a non-empty name, and no date is accepted twice; every
//! problem names the file and has a message.
#![no_main]

use std::collections::HashSet;

use jiff::civil::Date;
use libfuzzer_sys::fuzz_target;
use tinhso_app::imports::parse_calendar_csv;

const FILE: &str = "lich.csv";

fuzz_target!(|text: &str| {
    let Ok(rows) = parse_calendar_csv(FILE, text) else {
        return;
    };
    // The csv crate ends a record at `\n`, `\r` or `\r\n`.
    let lines = text.split(['\n', '\r']).count();
    assert!(
        rows.len() <= lines,
        "{} results from {lines} lines",
        rows.len()
    );
    let mut dates = HashSet::new();
    for row in &rows {
        match row {
            Ok(day) => {
                // A `Date` is valid by construction; its text must read back to it.
                let iso = day.date.to_string();
                assert_eq!(iso.parse::<Date>().ok(), Some(day.date), "date {iso}");
                assert!(
                    Date::new(day.date.year(), day.date.month(), day.date.day()).is_ok(),
                    "invalid date accepted: {iso}"
                );
                assert!(!day.name.is_empty(), "empty name accepted");
                assert!(
                    !day.name.trim().is_empty(),
                    "blank name accepted: {:?}",
                    day.name
                );
                assert!(dates.insert(day.date), "date {iso} accepted twice");
            }
            Err(problem) => {
                assert_eq!(problem.file, FILE);
                assert!(!problem.message.is_empty());
                if let Some(line) = problem.line {
                    assert!(line >= 2, "problem on the header line: {problem:?}");
                }
            }
        }
    }
});
