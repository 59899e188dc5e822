//! `tinhso_domain::dossier::DossierCode::parse` (TT 03/2025: `<e-ID>-<yyMMdd>-<sequence>`).
//!
//! Properties: never panics; only the canonical form is accepted, so an accepted code prints as
//! the trimmed input, and parse → Display → parse gives the same code; its parts are valid
//! (e-ID shape, year 2000–2099, sequence ≥ 1); `DossierCode::new` of the parts gives it back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinhso_domain::dossier::DossierCode;

#[path = "common.rs"]
mod common;

fuzz_target!(|text: &str| {
    let Ok(code) = DossierCode::parse(text) else {
        return;
    };
    let printed = code.to_string();
    assert_eq!(
        printed,
        text.trim(),
        "a non-canonical spelling was accepted"
    );
    assert_eq!(
        DossierCode::parse(&printed).as_ref(),
        Ok(&code),
        "round trip"
    );
    common::assert_agency_eid_shape(code.agency());
    assert!((2000..=2099).contains(&code.date().year()));
    assert!(code.sequence() >= 1);
    let rebuilt = DossierCode::new(code.agency().clone(), code.date(), code.sequence());
    assert_eq!(rebuilt.as_ref(), Ok(&code));
    let json = serde_json::to_string(&code).expect("serializes");
    let back: DossierCode = serde_json::from_str(&json).expect("own JSON reads back");
    assert_eq!(back, code);
});
