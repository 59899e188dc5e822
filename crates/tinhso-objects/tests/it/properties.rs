//! Properties over arbitrary input: safe names are always safe; `check` never panics.

use proptest::prelude::*;
use tinhso_objects::{
    check, sanitize_file_name, sniff, UploadPolicy, MAX_NAME_BYTES, MAX_NAME_CHARS,
};

use crate::fixtures;

fn magic_prefix() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"%PDF-1.7\n".to_vec()),
        Just(b"\x89PNG\r\n\x1a\n".to_vec()),
        Just(b"\xFF\xD8\xFF".to_vec()),
        Just(b"RIFF\0\0\0\0WEBPVP8X".to_vec()),
        Just(b"RIFF\x10\0\0\0WEBPVP8L".to_vec()),
        Just(b"II*\0".to_vec()),
        Just(b"MM\0*".to_vec()),
        Just(b"PK\x03\x04".to_vec()),
        Just(Vec::new()),
    ]
}

fn valid_file() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(fixtures::pdf()),
        Just(fixtures::png(5, 3)),
        Just(fixtures::jpeg(16, 16)),
        Just(fixtures::webp_vp8x(3, 2)),
        Just(fixtures::tiff(3, 3)),
        Just(fixtures::docx()),
        Just(fixtures::xlsx()),
        Just(fixtures::odf("text")),
    ]
}

fn all_types() -> UploadPolicy {
    UploadPolicy {
        allowed: tinhso_objects::FileType::ALL.to_vec(),
        ..UploadPolicy::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn safe_names_have_no_separators_controls_or_excess(name in any::<String>()) {
        let safe = sanitize_file_name(&name);
        prop_assert!(!safe.is_empty());
        prop_assert!(!safe.contains('/') && !safe.contains('\\'));
        prop_assert!(!safe.chars().any(char::is_control), "{:?}", safe);
        prop_assert!(!safe.starts_with('.') && !safe.starts_with(' '));
        prop_assert!(!safe.ends_with('.') && !safe.ends_with(' '));
        prop_assert!(safe != "..");
        prop_assert!(safe.chars().count() <= MAX_NAME_CHARS);
        prop_assert!(safe.len() <= MAX_NAME_BYTES);
        // Sanitizing is idempotent: a safe name is its own safe name.
        prop_assert_eq!(sanitize_file_name(&safe), safe.clone());
    }

    #[test]
    fn safe_names_survive_path_like_input(parts in proptest::collection::vec("[a-zA-Zđêộ.\\\\/: \\x00\\n]{0,12}", 0..6)) {
        let name = parts.join("/");
        let safe = sanitize_file_name(&name);
        prop_assert!(!safe.contains(['/', '\\', '\0', '\n', ':']));
    }

    #[test]
    fn check_never_panics_on_arbitrary_bytes(prefix in magic_prefix(), tail in proptest::collection::vec(any::<u8>(), 0..2048), name in ".{0,40}") {
        let mut bytes = prefix;
        bytes.extend_from_slice(&tail);
        let _ = sniff(&bytes);
        if let Ok(checked) = check(&all_types(), &name, &bytes) {
            prop_assert_eq!(checked.size(), bytes.len() as u64);
            prop_assert!(!checked.safe_name().contains(['/', '\\']));
        }
    }

    #[test]
    fn check_never_panics_on_damaged_valid_files(
        file in valid_file(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = file;
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        let _ = check(&all_types(), "x", &bytes);
    }
}
