//! `tinhso_domain::catalog::files::parse_catalog_csv`: tinhso's CSV catalog file (any bytes,
//! not only UTF-8).
//!
//! Properties: never panics; accepted records are valid and survive the JSON format; no code is
//! accepted twice; problems point at line ≥ 2 (line 1 is the header).
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use tinhso_domain::catalog::files::parse_catalog_csv;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(records) = parse_catalog_csv(data) else {
        return;
    };
    let mut codes = HashSet::new();
    for record in &records {
        match record {
            Ok(p) => {
                assert!(
                    codes.insert(p.code.clone()),
                    "code accepted twice: {}",
                    p.code
                );
                assert!(!p.name.trim().is_empty(), "procedure without a name: {p:?}");
                common::assert_catalog_json_round_trip(p);
            }
            Err(problem) => {
                assert!(problem.line >= 2, "problem on the header line: {problem:?}");
                assert!(!problem.message.is_empty());
            }
        }
    }
});
