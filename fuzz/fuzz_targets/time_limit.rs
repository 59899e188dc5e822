//! `tinhso_calendar::TimeLimit::parse`: a catalog's time limit text ("3 ngày làm việc").
//!
//! Properties: never panics; accepted ⇒ at most `MAX_PARSED_UNITS` units, the Vietnamese text
//! it prints parses back to the same limit, and its working seconds do not overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinhso_calendar::time_limit::MAX_PARSED_UNITS;
use tinhso_calendar::{TimeLimit, TimeUnit};

fuzz_target!(|text: &str| {
    let Ok(limit) = TimeLimit::parse(text) else {
        return;
    };
    assert!(
        limit.hundredths <= MAX_PARSED_UNITS * 100,
        "too large: {limit:?} from {text:?}"
    );
    let printed = limit.to_string();
    assert_eq!(
        TimeLimit::parse(&printed),
        Ok(limit),
        "Display does not parse back: {printed:?} (from {text:?})"
    );
    match limit.unit {
        TimeUnit::WorkingDays | TimeUnit::WorkingHours => {
            let seconds = limit.working_seconds().expect("working units have seconds");
            assert!(seconds >= 0);
        }
        TimeUnit::CalendarDays | TimeUnit::Months => assert_eq!(limit.working_seconds(), None),
    }
});
