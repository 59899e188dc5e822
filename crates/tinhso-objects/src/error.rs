//! Why an upload is refused: a stable snake_case code per kind (clients and translations key on
//! it), a Vietnamese message first, an English one second. Details are fixed labels and numbers,
//! never file contents or names, so they are safe to log.

/// Why an upload was refused. See [`UploadError::code`] and [`UploadError::CODES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} / {}", self.message_vi(), self.message_en())]
pub enum UploadError {
    /// Zero bytes were received.
    EmptyFile,
    /// More bytes than the policy allows.
    FileTooLarge { size: u64, max_bytes: u64 },
    /// The bytes are of a type the policy does not allow, or of no recognised type. `detected`
    /// is a fixed label: a [`crate::FileType`] code, or what the bytes appear to be
    /// (`"pe_executable"`, `"html"`, `"svg"`, `"zip64"`, …; see
    /// [`crate::describe_unrecognised`]).
    FileTypeNotAllowed { detected: &'static str },
    /// The name's extension promises another type than the bytes are, and the policy says to
    /// refuse rather than record it (see [`crate::TypeMismatch`]).
    FileTypeMismatch {
        declared_extension: String,
        detected: crate::FileType,
    },
    /// A ZIP-based document that would inflate beyond the limits, or is built like a bomb
    /// (`"too_many_entries"`, `"uncompressed_size_over_limit"`, `"size_understated"`,
    /// `"overlapping_entries"`, `"nested_archive"`).
    ArchiveBomb { reason: &'static str },
    /// An image announcing more pixels than the policy allows (a decompression bomb, or simply
    /// far beyond any scan or photo of a paper).
    ImageTooLarge {
        width: u64,
        height: u64,
        max_pixels: u64,
    },
    /// Macros, scripts, ActiveX, OLE packages, fetched external references, PDF JavaScript or
    /// launch actions (`"macro"`, `"pdf_javascript"`, …).
    ActiveContent { what: &'static str },
    /// The file's structure is broken or it is cut short: most often an upload interrupted on a
    /// weak network. Sending it again usually works. `reason` is a fixed label.
    FileDamaged { reason: &'static str },
    /// The declared file name cannot be a file name (longer than any file system allows).
    InvalidFileName { reason: &'static str },
}

impl UploadError {
    /// Every code with its general Vietnamese and English message, for an API's error table.
    pub const CODES: &'static [(&'static str, &'static str, &'static str)] = &[
        ("empty_file", "Tệp tải lên không có nội dung.", "The uploaded file is empty."),
        ("file_too_large", "Tệp quá dung lượng cho phép.", "The file is larger than allowed."),
        (
            "file_type_not_allowed",
            "Loại tệp không được chấp nhận. Vui lòng gửi PDF, ảnh JPEG/PNG hoặc tài liệu văn phòng.",
            "This type of file is not accepted. Please send a PDF, a JPEG/PNG image or an office document.",
        ),
        (
            "file_type_mismatch",
            "Phần mở rộng của tên tệp không khớp với nội dung tệp.",
            "The file name's extension does not match the file's content.",
        ),
        (
            "archive_bomb",
            "Tệp nén có dung lượng giải nén hoặc số thành phần vượt giới hạn.",
            "The compressed file would expand beyond the limits.",
        ),
        (
            "image_too_large",
            "Ảnh có kích thước (số điểm ảnh) vượt giới hạn.",
            "The image has more pixels than allowed.",
        ),
        (
            "active_content",
            "Tệp chứa macro, mã lệnh hoặc liên kết thực thi; vui lòng lưu lại ở dạng không có macro (ví dụ PDF).",
            "The file contains macros, scripts or executable links; please save it without them (e.g. as PDF).",
        ),
        (
            "file_damaged",
            "Tệp bị hỏng hoặc tải lên chưa trọn vẹn; vui lòng tải lại.",
            "The file is damaged or was not fully uploaded; please upload it again.",
        ),
        ("invalid_file_name", "Tên tệp không hợp lệ.", "Invalid file name."),
    ];

    /// The stable snake_case code. Never renamed: clients depend on it.
    pub fn code(&self) -> &'static str {
        match self {
            UploadError::EmptyFile => "empty_file",
            UploadError::FileTooLarge { .. } => "file_too_large",
            UploadError::FileTypeNotAllowed { .. } => "file_type_not_allowed",
            UploadError::FileTypeMismatch { .. } => "file_type_mismatch",
            UploadError::ArchiveBomb { .. } => "archive_bomb",
            UploadError::ImageTooLarge { .. } => "image_too_large",
            UploadError::ActiveContent { .. } => "active_content",
            UploadError::FileDamaged { .. } => "file_damaged",
            UploadError::InvalidFileName { .. } => "invalid_file_name",
        }
    }

    /// A fixed label refining the code (a reason, a detected type), safe to log; `None` when the
    /// code says it all.
    pub fn detail(&self) -> Option<&'static str> {
        match self {
            UploadError::FileTypeNotAllowed { detected } => Some(detected),
            UploadError::FileTypeMismatch { detected, .. } => Some(detected.code()),
            UploadError::ArchiveBomb { reason } | UploadError::FileDamaged { reason } => {
                Some(reason)
            }
            UploadError::InvalidFileName { reason } => Some(reason),
            UploadError::ActiveContent { what } => Some(what),
            UploadError::EmptyFile
            | UploadError::FileTooLarge { .. }
            | UploadError::ImageTooLarge { .. } => None,
        }
    }

    fn general(&self) -> (&'static str, &'static str) {
        let code = self.code();
        Self::CODES.iter().find(|(c, _, _)| *c == code).map_or(
            ("Tệp không hợp lệ.", "Invalid file."),
            |(_, vi, en)| (*vi, *en),
        )
    }

    /// The message to show, in Vietnamese, with the numbers that help the user act.
    pub fn message_vi(&self) -> String {
        match self {
            UploadError::FileTooLarge { size, max_bytes } => {
                format!("Tệp quá dung lượng cho phép: {} (tối đa {}).", human_size(*size), human_size(*max_bytes))
            }
            UploadError::FileTypeMismatch { declared_extension, detected } => format!(
                "Tên tệp có đuôi .{declared_extension} nhưng nội dung là tệp {}; vui lòng kiểm tra lại tệp.",
                detected.code().to_uppercase()
            ),
            UploadError::ImageTooLarge { width, height, max_pixels } => format!(
                "Ảnh {width}×{height} điểm ảnh vượt giới hạn {} triệu điểm ảnh; vui lòng giảm độ phân giải.",
                max_pixels / 1_000_000
            ),
            UploadError::ActiveContent { what } if what.starts_with("pdf_") => {
                "Tệp PDF chứa mã lệnh (JavaScript) hoặc lệnh mở chương trình; vui lòng in lại ra PDF \
                 (chức năng \"Print to PDF\") hoặc quét lại giấy tờ."
                    .to_string()
            }
            other => other.general().0.to_string(),
        }
    }

    /// The same message in English.
    pub fn message_en(&self) -> String {
        match self {
            UploadError::FileTooLarge { size, max_bytes } => {
                format!("The file is too large: {} (at most {}).", human_size(*size), human_size(*max_bytes))
            }
            UploadError::FileTypeMismatch { declared_extension, detected } => format!(
                "The name ends in .{declared_extension} but the content is {}; please check the file.",
                detected.code().to_uppercase()
            ),
            UploadError::ImageTooLarge { width, height, max_pixels } => format!(
                "The {width}×{height} image exceeds the limit of {} million pixels; please lower the resolution.",
                max_pixels / 1_000_000
            ),
            UploadError::ActiveContent { what } if what.starts_with("pdf_") => {
                "The PDF contains scripts (JavaScript) or program-launch actions; please print it again to PDF \
                 (\"Print to PDF\") or scan the paper again."
                    .to_string()
            }
            other => other.general().1.to_string(),
        }
    }
}

/// `20 MB`, `512 KB`, `37 B`: binary multiples, one decimal when below ten.
fn human_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            let value = bytes as f64 / size as f64;
            let text = if value < 10.0 {
                format!("{value:.1}")
            } else {
                format!("{value:.0}")
            };
            return format!("{} {unit}", text.strip_suffix(".0").unwrap_or(&text));
        }
    }
    format!("{bytes} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(20 * 1024 * 1024), "20 MB");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(37), "37 B");
    }

    #[test]
    fn every_code_has_messages_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for (code, vi, en) in UploadError::CODES {
            assert!(seen.insert(*code), "duplicate {code}");
            assert!(!vi.is_empty() && !en.is_empty());
        }
        let samples = [
            UploadError::EmptyFile,
            UploadError::FileTooLarge {
                size: 2,
                max_bytes: 1,
            },
            UploadError::FileTypeNotAllowed { detected: "html" },
            UploadError::FileTypeMismatch {
                declared_extension: "pdf".into(),
                detected: crate::FileType::Png,
            },
            UploadError::ArchiveBomb {
                reason: "too_many_entries",
            },
            UploadError::ImageTooLarge {
                width: 1,
                height: 1,
                max_pixels: 1,
            },
            UploadError::ActiveContent { what: "macro" },
            UploadError::FileDamaged {
                reason: "pdf_incomplete",
            },
            UploadError::InvalidFileName { reason: "too_long" },
        ];
        for e in &samples {
            assert!(
                UploadError::CODES.iter().any(|(c, _, _)| *c == e.code()),
                "{} missing",
                e.code()
            );
        }
        assert_eq!(samples.len(), UploadError::CODES.len());
    }
}
