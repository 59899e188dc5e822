//! The file types an attachment may be, recognised from their bytes ("sniffing"), never from the
//! name or the client's `Content-Type`.

use serde::{Deserialize, Serialize};

use crate::bytes::starts_with_at;
use crate::office;

/// A type of attachment tinhso knows how to recognise and check.
///
/// Which of them an upload may be is the [`crate::UploadPolicy`]'s choice; this enum only names
/// what can be recognised. Everything else (executables, scripts, HTML, SVG, other archives,
/// legacy binary Office files) is never recognised, so it can never be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    /// PDF: scanned papers, signed electronic results.
    Pdf,
    /// JPEG: phone photos of papers.
    Jpeg,
    /// PNG: screenshots, scans.
    Png,
    /// WebP: photos from some Android phones and browsers.
    Webp,
    /// Baseline TIFF: some counter scanners' default output.
    Tiff,
    /// Office Open XML word-processing document (Word, `.docx`).
    Docx,
    /// Office Open XML spreadsheet (Excel, `.xlsx`).
    Xlsx,
    /// OpenDocument text (LibreOffice Writer, `.odt`).
    Odt,
    /// OpenDocument spreadsheet (LibreOffice Calc, `.ods`).
    Ods,
}

impl FileType {
    /// Every recognised type, in declaration order.
    pub const ALL: [FileType; 9] = [
        FileType::Pdf,
        FileType::Jpeg,
        FileType::Png,
        FileType::Webp,
        FileType::Tiff,
        FileType::Docx,
        FileType::Xlsx,
        FileType::Odt,
        FileType::Ods,
    ];

    /// The media type to serve the object with (together with `X-Content-Type-Options: nosniff`).
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Webp => "image/webp",
            FileType::Tiff => "image/tiff",
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Odt => "application/vnd.oasis.opendocument.text",
            FileType::Ods => "application/vnd.oasis.opendocument.spreadsheet",
        }
    }

    /// The canonical file-name extension, lower case, without the dot.
    pub fn extension(self) -> &'static str {
        self.extensions().first().copied().unwrap_or("bin")
    }

    /// Every extension commonly used for this type (the canonical one first).
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Pdf => &["pdf"],
            FileType::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            FileType::Png => &["png"],
            FileType::Webp => &["webp"],
            FileType::Tiff => &["tif", "tiff"],
            FileType::Docx => &["docx"],
            FileType::Xlsx => &["xlsx"],
            FileType::Odt => &["odt"],
            FileType::Ods => &["ods"],
        }
    }

    /// The type an extension usually stands for (case-insensitive, without the dot).
    pub fn from_extension(extension: &str) -> Option<FileType> {
        let lower = extension.to_ascii_lowercase();
        FileType::ALL
            .into_iter()
            .find(|t| t.extensions().contains(&lower.as_str()))
    }

    /// A stable snake_case code (`"pdf"`, `"jpeg"`, …), the same as the serde form.
    pub fn code(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpeg",
            FileType::Png => "png",
            FileType::Webp => "webp",
            FileType::Tiff => "tiff",
            FileType::Docx => "docx",
            FileType::Xlsx => "xlsx",
            FileType::Odt => "odt",
            FileType::Ods => "ods",
        }
    }

    /// Whether the type is a ZIP container (and so checked against archive bombs).
    pub fn is_zip_based(self) -> bool {
        matches!(
            self,
            FileType::Docx | FileType::Xlsx | FileType::Odt | FileType::Ods
        )
    }

    /// Whether the type is a raster image (and so checked against decompression bombs by its
    /// declared pixel count).
    pub fn is_image(self) -> bool {
        matches!(
            self,
            FileType::Jpeg | FileType::Png | FileType::Webp | FileType::Tiff
        )
    }
}

impl std::fmt::Display for FileType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

pub(crate) const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Recognises a file type from its first bytes (magic numbers).
///
/// For ZIP containers the central directory is read (linear in the file's size, no
/// decompression) to tell DOCX, XLSX, ODT and ODS apart; any other ZIP is not recognised.
/// Recognition is not validation: [`crate::check`] also walks the file's structure, checks it is
/// complete, and bounds archives and images.
pub fn sniff(bytes: &[u8]) -> Option<FileType> {
    if bytes.starts_with(b"%PDF-") {
        Some(FileType::Pdf)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Some(FileType::Png)
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some(FileType::Jpeg)
    } else if bytes.starts_with(b"RIFF") && starts_with_at(bytes, 8, b"WEBP") {
        Some(FileType::Webp)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(FileType::Tiff)
    } else if bytes.starts_with(b"PK\x03\x04") {
        office::identify(bytes)
    } else {
        None
    }
}

/// Names, for error details and logs, what a file that [`sniff`] does not recognise appears to
/// be: `"elf_executable"`, `"pe_executable"`, `"script"`, `"html"`, `"svg"`, `"zip"`, …, or
/// `"unknown"`. Only a label: nothing is ever allowed because of it.
pub fn describe_unrecognised(bytes: &[u8]) -> &'static str {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x7FELF", "elf_executable"),
        (b"MZ", "pe_executable"),
        (b"\xFE\xED\xFA\xCE", "mach_o_executable"),
        (b"\xFE\xED\xFA\xCF", "mach_o_executable"),
        (b"\xCE\xFA\xED\xFE", "mach_o_executable"),
        (b"\xCF\xFA\xED\xFE", "mach_o_executable"),
        (b"\xCA\xFE\xBA\xBE", "mach_o_or_java_class"),
        (b"\0asm", "webassembly"),
        (b"#!", "script"),
        (b"PK\x03\x04", "zip"),
        (b"PK\x05\x06", "zip"),
        (b"Rar!", "rar"),
        (b"7z\xBC\xAF\x27\x1C", "7z"),
        (b"\x1F\x8B", "gzip"),
        (b"MSCF", "cab"),
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "ole2_legacy_office"),
        (b"{\\rtf", "rtf"),
        (b"GIF8", "gif"),
        (b"BM", "bmp"),
        (b"II+\0", "bigtiff"),
        (b"MM\0+", "bigtiff"),
    ];
    if bytes.len() >= 12 && starts_with_at(bytes, 4, b"ftyp") {
        return "iso_media_heic_or_video";
    }
    if let Some((_, label)) = SIGNATURES
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
    {
        return label;
    }
    describe_text(bytes)
}

/// Recognises markup and scripts by their first meaningful characters (after a byte-order mark
/// and white space), case-insensitively.
fn describe_text(bytes: &[u8]) -> &'static str {
    let head = bytes.get(..1024).unwrap_or(bytes);
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let text: Vec<u8> = head.get(start..).unwrap_or_default().to_ascii_lowercase();
    let has = |needle: &[u8]| text.windows(needle.len()).any(|w| w == needle);
    if text.starts_with(b"<svg") || (text.starts_with(b"<") && has(b"<svg")) {
        "svg"
    } else if text.starts_with(b"<!doctype html")
        || text.starts_with(b"<html")
        || text.starts_with(b"<script")
        || text.starts_with(b"<head")
        || text.starts_with(b"<body")
        || text.starts_with(b"<iframe")
        || (text.starts_with(b"<") && (has(b"<script") || has(b"<html")))
    {
        "html"
    } else if text.starts_with(b"<?php") || text.starts_with(b"@echo") {
        "script"
    } else if text.starts_with(b"<") {
        "xml"
    } else {
        "unknown"
    }
}
