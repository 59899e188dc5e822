//! Each type recognised from real bytes; look-alikes not.

use tinhso_objects::{describe_unrecognised, sniff, FileType};

use crate::fixtures;

#[test]
fn every_type_is_recognised_from_its_bytes() {
    assert_eq!(sniff(&fixtures::pdf()), Some(FileType::Pdf));
    assert_eq!(sniff(&fixtures::png(4, 3)), Some(FileType::Png));
    assert_eq!(sniff(&fixtures::jpeg(16, 8)), Some(FileType::Jpeg));
    assert_eq!(sniff(&fixtures::webp_vp8x(640, 480)), Some(FileType::Webp));
    assert_eq!(sniff(&fixtures::tiff(4, 2)), Some(FileType::Tiff));
    assert_eq!(sniff(&fixtures::docx()), Some(FileType::Docx));
    assert_eq!(sniff(&fixtures::xlsx()), Some(FileType::Xlsx));
    assert_eq!(sniff(&fixtures::odf("text")), Some(FileType::Odt));
    assert_eq!(sniff(&fixtures::odf("spreadsheet")), Some(FileType::Ods));
}

#[test]
fn other_zips_and_odf_kinds_are_not_office_documents() {
    let plain = fixtures::zip(&[fixtures::deflated("readme.txt", b"hello")]);
    assert_eq!(sniff(&plain), None);
    assert_eq!(describe_unrecognised(&plain), "zip");
    // An OpenDocument presentation is not among the types.
    assert_eq!(sniff(&fixtures::odf("presentation")), None);
    // `mimetype` must be stored, as ODF requires, to be read without inflating.
    let deflated_mimetype = fixtures::zip(&[
        fixtures::deflated("mimetype", b"application/vnd.oasis.opendocument.text"),
        fixtures::deflated("content.xml", b"<x/>"),
    ]);
    assert_eq!(sniff(&deflated_mimetype), None);
    // A ZIP whose end record is missing (cut short) is nothing.
    let docx = fixtures::docx();
    assert_eq!(sniff(&docx[..docx.len() - 10]), None);
}

#[test]
fn executables_scripts_and_markup_are_never_recognised() {
    let cases: &[(&[u8], &str)] = &[
        (b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0", "elf_executable"),
        (b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0", "pe_executable"),
        (b"\xCF\xFA\xED\xFE\x07\0\0\x01", "mach_o_executable"),
        (b"#!/bin/sh\nrm -rf /\n", "script"),
        (b"<?php system($_GET['c']); ?>", "script"),
        (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "html"),
        (b"\xEF\xBB\xBF  \n<HTML><script>alert(1)</script>", "html"),
        (b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "svg"),
        (b"<?xml version=\"1.0\"?>\n<!-- x -->\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", "svg"),
        (b"<?xml version=\"1.0\"?><root/>", "xml"),
        (b"GIF89a\x01\0\x01\0", "gif"),
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", "ole2_legacy_office"),
        (b"Rar!\x1A\x07\x01\0", "rar"),
        (b"\0\0\0\x18ftypheic\0\0\0\0", "iso_media_heic_or_video"),
        (b"just some text", "unknown"),
    ];
    for (bytes, label) in cases {
        assert_eq!(sniff(bytes), None, "{label}");
        assert_eq!(describe_unrecognised(bytes), *label);
    }
}

#[test]
fn types_know_their_media_type_and_extensions() {
    assert_eq!(FileType::Pdf.mime(), "application/pdf");
    assert_eq!(FileType::Jpeg.extension(), "jpg");
    assert_eq!(FileType::from_extension("JPEG"), Some(FileType::Jpeg));
    assert_eq!(FileType::from_extension("tiff"), Some(FileType::Tiff));
    assert_eq!(FileType::from_extension("exe"), None);
    assert_eq!(
        FileType::Docx.mime(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    for t in FileType::ALL {
        assert_eq!(FileType::from_extension(t.extension()), Some(t));
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            format!("\"{}\"", t.code())
        );
        assert_eq!(
            t.is_zip_based(),
            matches!(
                t,
                FileType::Docx | FileType::Xlsx | FileType::Odt | FileType::Ods
            )
        );
    }
}

/// Writes every fixture to `$TINHSO_FIXTURE_DIR`, to inspect them with outside tools
/// (`pdfinfo`, `unzip -t`, an image viewer): `cargo test -p tinhso-objects -- --ignored`.
#[test]
#[ignore]
fn write_fixtures_for_inspection() {
    let Ok(dir) = std::env::var("TINHSO_FIXTURE_DIR") else {
        return;
    };
    let files: [(&str, Vec<u8>); 9] = [
        ("a.pdf", fixtures::pdf()),
        ("a.png", fixtures::png(4, 3)),
        ("a.jpg", fixtures::jpeg(16, 8)),
        ("a.webp", fixtures::webp_vp8x(640, 480)),
        ("a.tif", fixtures::tiff(4, 2)),
        ("a.docx", fixtures::docx()),
        ("a.xlsx", fixtures::xlsx()),
        ("a.odt", fixtures::odf("text")),
        ("a.ods", fixtures::odf("spreadsheet")),
    ];
    for (name, bytes) in files {
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
}
