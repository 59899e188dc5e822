//! The gate every attachment passes before it is kept: [`check`] against an [`UploadPolicy`].

use serde::Serialize;

use crate::error::UploadError;
use crate::file_type::{describe_unrecognised, sniff, FileType};
use crate::hash::ContentHash;
use crate::name::{join, sanitized_parts};
use crate::office::{self, ArchiveLimits};
use crate::structure;

/// Declared names longer than this (in bytes) are refused outright: no file system allows
/// them, and refusing bounds the work spent on the name.
pub const MAX_DECLARED_NAME_BYTES: usize = 4096;

/// What to do when the declared name's extension promises another type than the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TypeMismatch {
    /// Keep the file, record the mismatch in [`CheckedFile::type_mismatch`] and give the safe
    /// name the extension of the type found. The default, because nothing trusts the extension
    /// anyway (the object is named by its hash and served with the sniffed type), and refusing
    /// would turn away citizens whose phone named a photo `scan.pdf` or `IMG_0001` with no
    /// extension at all.
    #[default]
    Record,
    /// Refuse with [`UploadError::FileTypeMismatch`].
    Reject,
}

/// What an upload may be. Built from settings; [`UploadPolicy::default`] suits dossier
/// components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPolicy {
    /// Most bytes an attachment may have. Default 20 MiB: a multi-page colour scan at 300 dpi as
    /// PDF, or any phone photo.
    pub max_bytes: u64,
    /// The types accepted. Default: PDF, JPEG, PNG, WebP, DOCX, XLSX, ODT, ODS. TIFF is
    /// recognised but not allowed by default: browsers cannot show it and few readers should
    /// have to parse it; a province whose counter scanners only write TIFF can add it.
    pub allowed: Vec<FileType>,
    /// Most pixels (width × height) an image may declare. Default 2^28 (268 million): above a
    /// 200-megapixel phone photo and an A3 page at 1,200 dpi, far below the billions of a bomb.
    pub max_pixels: u64,
    /// Limits on ZIP-based office documents.
    pub archive: ArchiveLimits,
    /// What a name/content type mismatch does.
    pub on_type_mismatch: TypeMismatch,
    /// Refuse macros, ActiveX, OLE packages, fetched external references, and PDF JavaScript,
    /// launch actions and rich media. Default true.
    pub reject_active_content: bool,
}

impl Default for UploadPolicy {
    fn default() -> Self {
        UploadPolicy {
            max_bytes: 20 * 1024 * 1024,
            allowed: vec![
                FileType::Pdf,
                FileType::Jpeg,
                FileType::Png,
                FileType::Webp,
                FileType::Docx,
                FileType::Xlsx,
                FileType::Odt,
                FileType::Ods,
            ],
            max_pixels: 1 << 28,
            archive: ArchiveLimits::default(),
            on_type_mismatch: TypeMismatch::Record,
            reject_active_content: true,
        }
    }
}

impl UploadPolicy {
    /// The same policy allowing only `types`.
    pub fn allowing(mut self, types: &[FileType]) -> Self {
        self.allowed = types.to_vec();
        self
    }

    /// Whether the policy accepts `file_type`.
    pub fn allows(&self, file_type: FileType) -> bool {
        self.allowed.contains(&file_type)
    }
}

/// An attachment that passed [`check`]: only `check` makes one, so holding one means the bytes
/// it describes were found acceptable. It describes; it does not hold the bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedFile {
    file_type: FileType,
    size: u64,
    sha256: ContentHash,
    safe_name: String,
    declared_extension: Option<String>,
    type_mismatch: bool,
}

impl CheckedFile {
    /// The type found in the bytes.
    pub fn file_type(&self) -> FileType {
        self.file_type
    }
    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }
    /// The content hash: the object's name in the store.
    pub fn sha256(&self) -> ContentHash {
        self.sha256
    }
    /// The content hash as 64 lower-case hex digits.
    pub fn sha256_hex(&self) -> String {
        self.sha256.to_hex()
    }
    /// The declared name made safe (see [`crate::sanitize_file_name`]), always ending with the
    /// found type's canonical extension. Metadata for display and downloads only.
    pub fn safe_name(&self) -> &str {
        &self.safe_name
    }
    /// The extension the declared name had, lower-cased, if any.
    pub fn declared_extension(&self) -> Option<&str> {
        self.declared_extension.as_deref()
    }
    /// Whether the declared extension named another type than the one found (recorded under
    /// [`TypeMismatch::Record`]). No extension at all is not a mismatch.
    pub fn type_mismatch(&self) -> bool {
        self.type_mismatch
    }
}

/// Checks an upload against `policy`: name length, emptiness, size, type sniffed from the bytes,
/// the type's structure (complete, not a bomb, no active content), the name's extension, then
/// the content hash. Pure: no I/O. Never panics, whatever the bytes (property-tested).
///
/// Work is linear in `bytes.len()` (at most `policy.max_bytes`), plus, for ZIP-based documents,
/// at most `policy.archive.max_uncompressed_bytes` of inflation.
pub fn check(
    policy: &UploadPolicy,
    declared_name: &str,
    bytes: &[u8],
) -> Result<CheckedFile, UploadError> {
    if declared_name.len() > MAX_DECLARED_NAME_BYTES {
        return Err(UploadError::InvalidFileName { reason: "too_long" });
    }
    if bytes.is_empty() {
        return Err(UploadError::EmptyFile);
    }
    let size = bytes.len() as u64;
    if size > policy.max_bytes {
        return Err(UploadError::FileTooLarge {
            size,
            max_bytes: policy.max_bytes,
        });
    }
    let file_type = sniff(bytes).ok_or_else(|| UploadError::FileTypeNotAllowed {
        detected: describe_unrecognised(bytes),
    })?;
    if !policy.allows(file_type) {
        return Err(UploadError::FileTypeNotAllowed {
            detected: file_type.code(),
        });
    }
    let (stem, declared_extension) = sanitized_parts(declared_name);
    let type_mismatch = declared_extension
        .as_deref()
        .is_some_and(|ext| FileType::from_extension(ext) != Some(file_type));
    if type_mismatch && policy.on_type_mismatch == TypeMismatch::Reject {
        return Err(UploadError::FileTypeMismatch {
            declared_extension: declared_extension.unwrap_or_default(),
            detected: file_type,
        });
    }
    match file_type {
        FileType::Pdf => structure::check_pdf(bytes, policy.reject_active_content)?,
        FileType::Png => structure::check_png(bytes, policy.max_pixels)?,
        FileType::Jpeg => structure::check_jpeg(bytes, policy.max_pixels)?,
        FileType::Webp => structure::check_webp(bytes, policy.max_pixels)?,
        FileType::Tiff => structure::check_tiff(bytes, policy.max_pixels)?,
        FileType::Docx | FileType::Xlsx | FileType::Odt | FileType::Ods => {
            office::verify(bytes, &policy.archive, policy.reject_active_content)?
        }
    }
    Ok(CheckedFile {
        file_type,
        size,
        sha256: ContentHash::of(bytes),
        safe_name: join(&stem, Some(file_type.extension())),
        declared_extension,
        type_mismatch,
    })
}
