//! `tinhso_domain::catalog::dvcqg::parse_record`: one line of the national portal's JSONL export.
//!
//! Properties: never panics; an accepted record has a canonical code and survives tinhso's own
//! JSON catalog format unchanged; every issue names a known field.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinhso_domain::catalog::dvcqg::parse_record;

#[path = "common.rs"]
mod common;

fuzz_target!(|line: &str| {
    let Ok(record) = parse_record(line) else {
        return;
    };
    common::assert_catalog_json_round_trip(&record.procedure);
    for issue in &record.issues {
        assert!(!issue.field.is_empty());
        assert!(
            !issue.message.is_empty(),
            "issue without a message: {issue:?}"
        );
    }
});
