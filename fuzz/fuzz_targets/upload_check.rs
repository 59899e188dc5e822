//! `tinhso_objects::check(&UploadPolicy::default(), name, bytes)`: an uploaded attachment.
//!
//! Input layout (so that hand-written seeds stay readable): the first byte is the length `n` of
//! the declared name, the next `n` bytes are the name (lossy UTF-8), the rest is the file.
//!
//! Properties: never panics; an accepted file has the size and SHA-256 of the bytes, the type
//! `sniff` finds, a type the policy allows, and a safe name (see `file_name`) ending with that
//! type's extension; a refusal has a stable code and messages in both languages.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinhso_objects::{check, sniff, ContentHash, UploadPolicy};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n).min(rest.len());
    let (name, bytes) = rest.split_at(n);
    let name = String::from_utf8_lossy(name);
    let policy = UploadPolicy::default();
    match check(&policy, &name, bytes) {
        Ok(file) => {
            assert_eq!(file.size(), bytes.len() as u64);
            assert_eq!(file.sha256(), ContentHash::of(bytes));
            assert_eq!(file.sha256_hex().len(), 64);
            assert_eq!(sniff(bytes), Some(file.file_type()));
            assert!(policy.allows(file.file_type()));
            common::assert_safe_file_name(file.safe_name());
            let suffix = format!(".{}", file.file_type().extension());
            assert!(
                file.safe_name().ends_with(&suffix),
                "{:?} does not end with {suffix}",
                file.safe_name()
            );
        }
        Err(e) => {
            assert!(!e.code().is_empty());
            assert!(!e.message_vi().is_empty());
            assert!(!e.message_en().is_empty());
        }
    }
});
