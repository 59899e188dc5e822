//! `tinhso_domain::catalog::files::parse_catalog_json_str`: tinhso's own JSON catalog file.
//!
//! Properties: never panics; one result per record; accepted records are valid (canonical code,
//! well-formed agency e-IDs), survive a second round through the format, and no code is
//! accepted twice (the second is a duplicate problem); problems point at a line ≥ 1.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use tinhso_domain::catalog::files::parse_catalog_json_str;

#[path = "common.rs"]
mod common;

fuzz_target!(|text: &str| {
    let Ok(records) = parse_catalog_json_str(text) else {
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
                common::assert_catalog_json_round_trip(p);
            }
            Err(problem) => {
                // `field` may be "" (an unknown key spelled ""), so only the message is checked.
                assert!(!problem.message.is_empty());
                assert!(problem.line >= 1);
            }
        }
    }
});
