//! Checks shared by several targets. Included with `#[path]` (each target is its own binary).
#![allow(dead_code)]

use tinhso_domain::agency::AgencyEId;
use tinhso_domain::catalog::files::parse_catalog_json_str;
use tinhso_domain::catalog::{Procedure, ProcedureCode};

/// A procedure any parser accepted must survive tinhso's own JSON catalog format unchanged:
/// what one importer produces, the JSON importer (and the store, which keeps that JSON) reads
/// back as the same record.
pub fn assert_catalog_json_round_trip(procedure: &Procedure) {
    assert_code_canonical(&procedure.code);
    for eid in &procedure.agency_eids {
        assert_agency_eid_shape(eid);
    }
    let json = serde_json::to_string(&vec![procedure]).expect("a procedure serializes");
    let parsed = parse_catalog_json_str(&json)
        .unwrap_or_else(|e| panic!("own JSON refused as a file: {e}\n{json}"));
    assert_eq!(parsed.len(), 1, "one record in, one out");
    match &parsed[0] {
        Ok(back) => assert_eq!(back, procedure, "JSON round trip changed the record"),
        Err(problem) => panic!("own JSON refused: {problem}\n{json}"),
    }
}

/// `D.DDDDDD`, and parsing its text gives it back.
pub fn assert_code_canonical(code: &ProcedureCode) {
    let b = code.as_str().as_bytes();
    assert!(
        b.len() == 8
            && b[0].is_ascii_digit()
            && b[1] == b'.'
            && b[2..].iter().all(u8::is_ascii_digit),
        "procedure code of a bad shape accepted: {:?}",
        code.as_str()
    );
    assert_eq!(ProcedureCode::parse(&code.to_string()).as_ref(), Ok(code));
}

/// QĐ 20/2020/QĐ-TTg: at most 35 characters of `[0-9A-Z.]`, no empty group, at least four.
pub fn assert_agency_eid_shape(eid: &AgencyEId) {
    let s = eid.as_str();
    assert!(!s.is_empty() && s.len() <= 35, "e-ID length: {s:?}");
    assert!(
        s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'.'),
        "e-ID alphabet: {s:?}"
    );
    assert!(
        s.split('.').all(|g| !g.is_empty()),
        "empty e-ID group: {s:?}"
    );
    assert!(
        s.split('.').count() >= 4,
        "fewer than four e-ID groups: {s:?}"
    );
    let l1 = eid.level1().as_bytes();
    assert!(
        l1.len() == 3 && l1[0].is_ascii_uppercase() && l1[1..].iter().all(u8::is_ascii_digit),
        "level-1 group: {s:?}"
    );
    assert_eq!(AgencyEId::parse(&eid.to_string()).as_ref(), Ok(eid));
}

/// The safe-name promises of `tinhso_objects::sanitize_file_name`.
pub fn assert_safe_file_name(name: &str) {
    assert!(!name.is_empty(), "empty safe name");
    assert!(
        name.chars().count() <= tinhso_objects::MAX_NAME_CHARS,
        "too many characters: {name:?}"
    );
    assert!(
        name.len() <= tinhso_objects::MAX_NAME_BYTES,
        "too many bytes: {name:?}"
    );
    for c in name.chars() {
        assert!(!matches!(c, '/' | '\\'), "separator in {name:?}");
        assert!(!c.is_control(), "control character {c:?} in {name:?}");
        assert!(
            !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*'),
            "character Windows refuses {c:?} in {name:?}"
        );
        assert!(
            !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}' | '\u{FEFF}'),
            "invisible formatting character {c:?} in {name:?}"
        );
    }
    assert!(
        !name.starts_with(['.', ' ']),
        "leading dot or space: {name:?}"
    );
    assert!(
        !name.ends_with(['.', ' ']),
        "trailing dot or space: {name:?}"
    );
    assert_ne!(name, ".");
    assert_ne!(name, "..");
}
