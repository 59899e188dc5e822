//! `tinhso_domain::agency::AgencyEId::parse` (QĐ 20/2020/QĐ-TTg).
//!
//! Properties: never panics; accepted ⇒ at most 35 characters of `[0-9A-Z.]`, at least four
//! non-empty dot-separated groups, the level-1 group a capital and two digits, and the text
//! parses back to the same value (serde agrees with `parse`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinhso_domain::agency::AgencyEId;

#[path = "common.rs"]
mod common;

fuzz_target!(|text: &str| {
    let parsed = AgencyEId::parse(text);
    let via_serde: Result<AgencyEId, _> =
        serde_json::from_value(serde_json::Value::String(text.to_string()));
    assert_eq!(
        parsed.is_ok(),
        via_serde.is_ok(),
        "serde and parse disagree on {text:?}"
    );
    if let Ok(eid) = parsed {
        assert_eq!(eid.as_str(), text, "parse changed the text");
        common::assert_agency_eid_shape(&eid);
    }
});
