//! Integration tests of the SQLite backend: the whole conformance suite on a fresh temporary
//! file (WAL, two pools) and on a fresh in-memory database, plus durability across reopen and
//! tampering with the audit trail.

mod audit;
mod conformance;
mod durability;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// A fresh folder under the system temp dir, removed on drop (even when the test panics).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!(
            "tinhso-sqlite-{label}-{}-{nanos}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        Self(dir)
    }

    /// A `sqlite://` URL for a database file in a not-yet-existing sub-folder (the store must
    /// create it).
    pub fn url(&self) -> String {
        format!("sqlite://{}/data/db.sqlite3", self.0.display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
