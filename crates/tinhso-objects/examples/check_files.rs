//! Runs the default upload check on files, to try it on real documents:
//! `cargo run -p tinhso-objects --example check_files -- [--all-types] FILE...`
//! (`--all-types` also allows the types the default policy leaves out, such as TIFF).
//! Prints, per file, the type, size, hash and safe name, or the refusal's code and detail, and
//! the time the check took.

use std::time::Instant;

use tinhso_objects::{check, UploadPolicy};

fn main() {
    let mut policy = UploadPolicy::default();
    for path in std::env::args().skip(1) {
        if path == "--all-types" {
            policy.allowed = tinhso_objects::FileType::ALL.to_vec();
            continue;
        }
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                println!("{path}: cannot read: {e}");
                continue;
            }
        };
        let name = std::path::Path::new(&path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let started = Instant::now();
        let result = check(&policy, &name, &bytes);
        let took = started.elapsed();
        match result {
            Ok(c) => println!(
                "{path}: ok {} {} bytes sha256={} safe_name={:?} mismatch={} ({took:.2?})",
                c.file_type(),
                c.size(),
                c.sha256_hex(),
                c.safe_name(),
                c.type_mismatch()
            ),
            Err(e) => println!(
                "{path}: refused {} {:?} — {} ({took:.2?})",
                e.code(),
                e.detail(),
                e.message_vi()
            ),
        }
    }
}
