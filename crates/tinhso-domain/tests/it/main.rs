//! Integration tests of tinhso-domain: the parsers run on small fixtures in `tests/fixtures/` and,
//! when the team's shared data directory exists (`<repo>/../shared`), on the real files.

mod dossier;
mod dvcqg;
mod files;
mod kpi;
mod units;

use std::path::PathBuf;

/// `<repo>/../shared/data/<rel>` when it exists; otherwise prints why the test is skipped.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: shared data {} not found (needs the team's ../shared directory)",
            path.display()
        );
        None
    }
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}
