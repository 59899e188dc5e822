//! Helpers that look inside the produced PDFs, with the poppler tools when they are on PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether `tool` can be run (poppler-utils is a developer convenience, never installed by
/// the tests).
pub fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("-v")
        .output()
        .map(|o| o.status.success() || !o.stderr.is_empty())
        .unwrap_or(false)
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tinhso-forms-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The text of a PDF via `pdftotext -layout`, or `None` when pdftotext is not installed.
pub fn pdftotext(pdf: &[u8], dir: &Path, stem: &str) -> Option<String> {
    if !have("pdftotext") {
        return None;
    }
    let input = dir.join(format!("{stem}.pdf"));
    let output = dir.join(format!("{stem}.txt"));
    std::fs::write(&input, pdf).expect("write pdf");
    let status = Command::new("pdftotext")
        .arg("-layout")
        .arg(&input)
        .arg(&output)
        .status()
        .expect("run pdftotext");
    assert!(status.success(), "pdftotext failed on {stem}");
    Some(std::fs::read_to_string(&output).expect("read text"))
}

/// The number of pages, from the page objects (krilla writes no object streams): each page
/// dictionary has `/Type/Page` (the page tree has `/Type/Pages`).
pub fn page_count(pdf: &[u8]) -> usize {
    let needle = b"/Type/Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| &w[..needle.len()] == needle && !w[needle.len()].is_ascii_alphanumeric())
        .count()
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Rasterises page 1 in greys with pdftoppm; returns (width, height, pixels) or `None` when
/// pdftoppm is not installed.
pub fn rasterise_first_page(pdf: &[u8], dir: &Path, dpi: u32) -> Option<(usize, usize, Vec<u8>)> {
    if !have("pdftoppm") {
        return None;
    }
    let input = dir.join("page.pdf");
    std::fs::write(&input, pdf).expect("write pdf");
    let prefix = dir.join("page");
    let status = Command::new("pdftoppm")
        .args([
            "-gray",
            "-r",
            &dpi.to_string(),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
        ])
        .arg(&input)
        .arg(&prefix)
        .status()
        .expect("run pdftoppm");
    assert!(status.success());
    let pgm = std::fs::read(dir.join("page.pgm")).expect("read pgm");
    Some(parse_pgm(&pgm))
}

/// A binary PGM (P5, maxval 255).
fn parse_pgm(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes[i] == b'#' {
            while bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..i]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let w: usize = fields[1].parse().expect("width");
    let h: usize = fields[2].parse().expect("height");
    assert_eq!(fields[3], "255");
    let data = bytes[i + 1..].to_vec();
    assert_eq!(data.len(), w * h);
    (w, h, data)
}
