//! The dossier JSON bodies the API accepts (`tinhso_app::dossiers`): `IntakeRequest`
//! (`POST /api/v1/dossiers`), `ActionRequest` (`POST …/actions`) and `QueueFilter`, and the pure
//! functions the use cases apply to them (`parse_action`, `request_hash`, `secret_hash`).
//!
//! Input layout: the first byte chooses the body type (mod 3), the rest is the JSON text.
//!
//! Properties: never panics; an accepted body survives its own JSON (so the idempotency hash of
//! a replayed request is stable) and `request_hash` is 64 hex digits, equal for equal bodies;
//! `parse_action` either refuses with a stable code or yields the action the request named
//! (`transfer` being an alias of `transfer_to_agency`), a forward with a trimmed, non-empty
//! step, a transfer to a well-formed agency e-ID.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinhso_app::dossiers::{
    parse_action, request_hash, secret_hash, ActionRequest, IntakeRequest, QueueFilter,
};
use tinhso_domain::dossier::Action;

#[path = "common.rs"]
mod common;

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn round_trip<T>(value: &T) -> String
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(value).expect("a request serializes");
    let back: T =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("own JSON refused: {e}\n{json}"));
    assert_eq!(&back, value, "JSON round trip changed the request");
    let hash = request_hash("op", "target", value);
    assert!(is_hex64(&hash));
    assert_eq!(hash, request_hash("op", "target", &back));
    json
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 3 {
        0 => {
            let Ok(req) = serde_json::from_str::<IntakeRequest>(text) else {
                return;
            };
            round_trip(&req);
        }
        1 => {
            let Ok(req) = serde_json::from_str::<ActionRequest>(text) else {
                return;
            };
            round_trip(&req);
            match parse_action(&req) {
                Ok(action) => {
                    let kind = action.kind().to_string();
                    let named = if req.action == "transfer" {
                        "transfer_to_agency"
                    } else {
                        req.action.as_str()
                    };
                    assert_eq!(kind, named, "parse_action changed the action");
                    match &action {
                        Action::Forward { to_step } => {
                            assert!(!to_step.as_str().is_empty());
                            assert_eq!(to_step.as_str().trim(), to_step.as_str());
                        }
                        Action::TransferToAgency { eid } => common::assert_agency_eid_shape(eid),
                        _ => {}
                    }
                }
                Err(e) => assert!(!e.code().is_empty()),
            }
        }
        _ => {
            let Ok(filter) = serde_json::from_str::<QueueFilter>(text) else {
                // The secret a citizen types on the public status page is outside input too.
                assert!(is_hex64(&secret_hash(text)));
                return;
            };
            round_trip(&filter);
        }
    }
});
