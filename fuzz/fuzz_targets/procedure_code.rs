//! `tinhso_domain::catalog::ProcedureCode::parse` (`D.DDDDDD`, surrounding spaces trimmed).
//!
//! Properties: never panics; accepted ⇒ canonical shape, equal to the trimmed input, and its
//! text parses back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinhso_domain::catalog::ProcedureCode;

#[path = "common.rs"]
mod common;

fuzz_target!(|text: &str| {
    if let Ok(code) = ProcedureCode::parse(text) {
        assert_eq!(code.as_str(), text.trim());
        common::assert_code_canonical(&code);
    }
});
