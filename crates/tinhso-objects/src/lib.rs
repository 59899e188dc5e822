//! # tinhso-objects
//!
//! Dossier attachments (thành phần hồ sơ: scanned papers, PDFs, phone photos, office
//! documents): checked before they are kept, then stored by content hash. The digitized
//! components and results of TT 01/2023/TT-VPCP (số hóa hồ sơ, kết quả) are such objects; a
//! dossier records their [`ObjectRef`] and safe name, never a path.
//!
//! ```text
//! bytes + declared name ──check(policy)──▶ CheckedFile ──ObjectStore::put──▶ ObjectRef
//!                              │                                  (durable, deduplicated)
//!                              └──▶ UploadError { code, message_vi, message_en }
//! ```
//!
//! - [`check`] is pure (no I/O): size limit, type sniffed from the bytes ([`sniff`], never the
//!   extension nor the client's `Content-Type`), an allow-list of types ([`UploadPolicy`]), a
//!   walk of the type's structure (truncated uploads refused as `file_damaged`, images bounded
//!   in pixels, ZIP-based documents inflated under a budget against bombs), active content
//!   refused (macros, PDF JavaScript), and the declared name reduced to safe metadata
//!   ([`sanitize_file_name`]). Executables, scripts, HTML and SVG are never recognised, so never
//!   allowed.
//! - [`ObjectStore`] keeps bytes under their SHA-256 ([`ContentHash`]): identical files are
//!   stored once and a name's content never changes. [`LocalDiskStore`] (under the data folder)
//!   answers a put only once the object is on disk, and verifies every get.
//!
//! ## Serving stored objects (for the web layer)
//! Serve with the sniffed type's [`FileType::mime`], `X-Content-Type-Options: nosniff`,
//! `Content-Disposition: attachment` (with the safe name as `filename*`), and
//! `Content-Security-Policy: sandbox`; never inline on the application's origin.
//!
//! ## What is not done here
//! Virus scanning (a scanner can sit behind [`ObjectStore`]), deleting objects (shared by
//! content, they need reference counting), and the scanning of compressed PDF object streams for
//! scripts (see [`check`]'s PDF notes in `structure`).

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod bytes;
mod check;
mod error;
mod file_type;
mod hash;
mod local;
mod name;
mod office;
mod store;
mod structure;

pub use check::{check, CheckedFile, TypeMismatch, UploadPolicy, MAX_DECLARED_NAME_BYTES};
pub use error::UploadError;
pub use file_type::{describe_unrecognised, sniff, FileType};
pub use hash::{ContentHash, InvalidContentHash};
pub use local::{LocalDiskStore, OBJECTS_FOLDER, TEMP_PREFIX};
pub use name::{sanitize_file_name, FALLBACK_STEM, MAX_NAME_BYTES, MAX_NAME_CHARS};
pub use office::ArchiveLimits;
pub use store::{ObjectError, ObjectRef, ObjectStore};
