//! `sanitize_file_name` on hostile and ordinary names.

use tinhso_objects::{sanitize_file_name, FALLBACK_STEM, MAX_NAME_BYTES, MAX_NAME_CHARS};

#[test]
fn directories_are_stripped_whatever_the_separator() {
    assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
    assert_eq!(sanitize_file_name("C:\\x\\y.pdf"), "y.pdf");
    assert_eq!(
        sanitize_file_name("C:\\Users\\An\\Desktop\\Giấy tờ\\CCCD mặt trước.jpg"),
        "CCCD mặt trước.jpg"
    );
    assert_eq!(sanitize_file_name("/var/www/../index.html"), "index.html");
    assert_eq!(sanitize_file_name("scans/"), "scans");
    assert_eq!(sanitize_file_name(".."), FALLBACK_STEM);
    assert_eq!(sanitize_file_name("..\\..\\"), FALLBACK_STEM);
    // Look-alike slashes that compatibility normalisation would turn into real ones.
    assert_eq!(sanitize_file_name("a\u{FF0F}b\u{2215}c.pdf"), "a_b_c.pdf");
}

#[test]
fn control_and_invisible_characters_are_removed() {
    assert_eq!(sanitize_file_name("a\0b.pdf"), "a b.pdf");
    assert_eq!(sanitize_file_name("line1\r\nline2.pdf"), "line1 line2.pdf");
    assert_eq!(sanitize_file_name("tab\there.pdf"), "tab here.pdf");
    assert_eq!(
        sanitize_file_name("\u{1B}[31mred\u{1B}[0m.png"),
        "[31mred [0m.png"
    );
    // Right-to-left override: would display "invoice_exe.pdf" as "invoice_fdp.exe".
    assert_eq!(
        sanitize_file_name("invoice_\u{202E}fdp.exe"),
        "invoice_fdp.exe"
    );
    assert_eq!(
        sanitize_file_name("zero\u{200B}width\u{FEFF}.pdf"),
        "zerowidth.pdf"
    );
}

#[test]
fn windows_pitfalls_are_defused() {
    assert_eq!(sanitize_file_name("what?*<>|\".pdf"), "what______.pdf");
    assert_eq!(
        sanitize_file_name("trailing dots... .pdf"),
        "trailing dots.pdf"
    );
    assert_eq!(sanitize_file_name(".htaccess"), "htaccess");
    assert_eq!(sanitize_file_name("nul"), "_nul");
    assert_eq!(sanitize_file_name("LPT1.docx"), "_LPT1.docx");
    assert_eq!(sanitize_file_name("console.pdf"), "console.pdf");
}

#[test]
fn vietnamese_letters_are_kept_and_composed() {
    assert_eq!(
        sanitize_file_name("Sổ hộ khẩu - Nguyễn Văn Đức.pdf"),
        "Sổ hộ khẩu - Nguyễn Văn Đức.pdf"
    );
    // macOS/iOS send decomposed letters (NFD): "ộ" as o + combining circumflex + dot below.
    let nfd = "So\u{0302}\u{0309} ho\u{0323}\u{0302} kha\u{0302}\u{0309}u.pdf";
    assert_eq!(sanitize_file_name(nfd), "Sổ hộ khẩu.pdf");
    assert_eq!(
        sanitize_file_name("  nhiều    khoảng   trắng  .PDF "),
        "nhiều khoảng trắng.pdf"
    );
}

#[test]
fn length_is_limited_without_losing_the_extension() {
    let name = format!("{}.xlsx", "Bảng kê ".repeat(100));
    let safe = sanitize_file_name(&name);
    assert!(safe.chars().count() <= MAX_NAME_CHARS);
    assert!(safe.len() <= MAX_NAME_BYTES);
    assert!(safe.ends_with(".xlsx"));
    assert!(safe.starts_with("Bảng kê Bảng kê"));
    assert!(!safe.contains(" .xlsx"));
    // An extension longer than ten characters, or not alphanumeric, is part of the stem.
    assert_eq!(
        sanitize_file_name("a.verylongextension"),
        "a.verylongextension"
    );
    assert_eq!(sanitize_file_name("a.tar.gz"), "a.tar.gz");
}
