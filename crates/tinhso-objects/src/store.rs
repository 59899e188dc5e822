//! The object store: immutable blobs named by their content hash.

use std::time::SystemTime;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::check::CheckedFile;
use crate::file_type::FileType;
use crate::hash::{ContentHash, InvalidContentHash};

/// What a dossier records about a stored attachment (beside the safe name, its own metadata).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    pub sha256: ContentHash,
    pub size: u64,
    pub file_type: FileType,
}

/// What storing or reading an object can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// The storage medium failed (disk full, permissions, I/O error). Retry later.
    #[error("kho tệp tạm thời không truy cập được / object store unavailable: {0}")]
    Unavailable(#[from] std::io::Error),
    /// The stored bytes no longer hash to their name: the disk or someone changed them. Restore
    /// the object from a backup (or have it uploaded again: the next put of the same content
    /// repairs it).
    #[error("tệp lưu trữ {hash} đã bị hỏng / stored object {hash} is corrupted")]
    Corrupted { hash: ContentHash },
    /// `put` was given bytes other than those that were checked: a programming error.
    #[error("nội dung không khớp với tệp đã kiểm tra / bytes differ from the checked file")]
    ContentMismatch,
    /// A hash given as text was not 64 hex digits.
    #[error(transparent)]
    InvalidHash(#[from] InvalidContentHash),
}

impl ObjectError {
    /// A stable snake_case code, like [`crate::UploadError::code`].
    pub fn code(&self) -> &'static str {
        match self {
            ObjectError::Unavailable(_) => "object_store_unavailable",
            ObjectError::Corrupted { .. } => "object_corrupted",
            ObjectError::ContentMismatch => "object_content_mismatch",
            ObjectError::InvalidHash(_) => "invalid_object_hash",
        }
    }
}

/// Where attachments are kept, by content hash: identical files are kept once, and what is
/// stored under a name can never change.
///
/// Contract every implementation keeps:
/// - `put` returns only once the object is durable (a success reply to the uploader must mean
///   the bytes survive a power cut), verifies that `bytes` hash to `checked.sha256()`, and is
///   idempotent: putting an object already there (even concurrently) succeeds.
/// - `get` verifies the bytes against their name and returns [`ObjectError::Corrupted`] rather
///   than wrong bytes.
#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// Stores the checked bytes durably under their hash.
    async fn put(&self, checked: &CheckedFile, bytes: &[u8]) -> Result<ObjectRef, ObjectError>;
    /// The object's bytes, verified; `None` when no object has this hash.
    async fn get(&self, hash: &ContentHash) -> Result<Option<Vec<u8>>, ObjectError>;
    /// Whether an object with this hash is stored (not verified: cheap).
    async fn exists(&self, hash: &ContentHash) -> Result<bool, ObjectError>;
    /// Marks the object as just used (its age starts again), so that a sweep of unused objects
    /// running meanwhile leaves it alone; `false` when no object has this hash. A `put` of content
    /// already stored does the same.
    async fn touch(&self, hash: &ContentHash) -> Result<bool, ObjectError>;
    /// The objects last stored or touched before `cutoff` (temporary files are not objects).
    async fn modified_before(&self, cutoff: SystemTime) -> Result<Vec<ContentHash>, ObjectError>;
    /// Removes the object if it was last stored or touched before `cutoff`, checked at removal
    /// time; `true` when it was removed. Removing an object nothing cites is the sweep's job
    /// (`tinhso_app::unused_objects`), which asks the database first.
    async fn remove_if_modified_before(
        &self,
        hash: &ContentHash,
        cutoff: SystemTime,
    ) -> Result<bool, ObjectError>;
}
