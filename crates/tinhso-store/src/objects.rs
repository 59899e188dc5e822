//! Which stored attachments (tệp đính kèm) the dossier history cites.
//!
//! Objects are kept by content hash outside the database (`tinhso_objects`), and a file is
//! uploaded before the dossier or action that cites it is written: a form left unfinished leaves
//! objects nobody cites. The sweep of unused objects (`tinhso_app::unused_objects`) asks the store
//! which of the objects it found on disk are cited, and removes only the others, once they are
//! older than a grace period. A cited object is never removed: citations live in the dossier
//! events' `attachments`, which are never deleted (the audit chain covers them).

use std::collections::BTreeSet;

use async_trait::async_trait;

use crate::StoreResult;

/// How many hashes one `referenced_objects` call should be given at most (engines bind them as
/// query parameters; SQLite allows 32,766 per statement).
pub const REFERENCE_CHUNK: usize = 2000;

#[async_trait]
pub trait ObjectRefStore: Send + Sync {
    /// The hashes among `sha256_hex` (lowercase hex, as `AttachmentRecord::sha256`) that at least
    /// one dossier event cites as an attachment. Callers pass at most [`REFERENCE_CHUNK`] hashes.
    async fn referenced_objects(&self, sha256_hex: &[String]) -> StoreResult<BTreeSet<String>>;
}
