//! File names as metadata: what the applicant called the file, made safe to show and to offer
//! in a download. The stored name is always the content hash; this name never reaches a path.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Longest safe name, in characters (Vietnamese letters count one each after NFC).
pub const MAX_NAME_CHARS: usize = 120;
/// Longest safe name, in UTF-8 bytes (file systems limit names to 255 bytes).
pub const MAX_NAME_BYTES: usize = 240;
/// Longest extension kept, in characters.
const MAX_EXTENSION_CHARS: usize = 10;
/// The name used when nothing usable is left ("tệp đính kèm": attachment).
pub const FALLBACK_STEM: &str = "tep-dinh-kem";

/// Windows device names, refused as a stem whatever the extension (`CON.pdf` opens the console).
const RESERVED_STEMS: &[&str] = &[
    "con", "prn", "aux", "nul", "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7",
    "com8", "com9", "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    "conin$", "conout$",
];

/// Invisible formatting characters that can disguise a name: bidirectional overrides (the
/// `U+202E` + `gpj.exe` trick shows `exe.jpg`), zero-width characters, the byte-order mark, tags.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}')
}

/// Characters Windows refuses in names, and look-alikes of the path separators that a later
/// compatibility normalisation (NFKC) would turn into real ones.
fn is_reserved(c: char) -> bool {
    matches!(
        c,
        '<' | '>'
            | ':'
            | '"'
            | '|'
            | '?'
            | '*'
            | '\u{2215}'
            | '\u{2044}'
            | '\u{29F8}'
            | '\u{FF0F}'
            | '\u{FF3C}'
    )
}

/// A safe version of a declared file name, for display and downloads only.
///
/// - Only the last path component is kept, whether separated by `/` or `\` (`../../etc/passwd`
///   → `passwd`, `C:\x\y.pdf` → `y.pdf`).
/// - Text is normalised to NFC, so Vietnamese letters typed on iOS or macOS (decomposed) read
///   the same as elsewhere; letters of every script are kept.
/// - Control characters (NUL, newlines, tabs) become spaces; invisible formatting characters
///   (bidirectional overrides, zero-width) are removed; characters Windows refuses become `_`;
///   runs of white space collapse to one space.
/// - Leading and trailing spaces and dots are removed (no hidden files, no `..`).
/// - Windows device names (`CON`, `NUL`, `COM1`, …) get a leading `_`.
/// - At most [`MAX_NAME_CHARS`] characters and [`MAX_NAME_BYTES`] bytes; the stem is shortened,
///   never the extension, and never between a letter and its combining marks.
/// - An empty result becomes [`FALLBACK_STEM`] (with the extension, if one was kept).
///
/// The result never contains `/`, `\`, NUL or any control character, and is never empty.
pub fn sanitize_file_name(declared: &str) -> String {
    let (stem, extension) = sanitized_parts(declared);
    join(&stem, extension.as_deref())
}

/// The sanitized stem and extension (lower-cased ASCII alphanumerics, at most ten), before the
/// length limit and the fallback.
pub(crate) fn sanitized_parts(declared: &str) -> (String, Option<String>) {
    let component = declared
        .rsplit(['/', '\\'])
        .find(|part| !part.trim().is_empty())
        .unwrap_or_default();
    let mut cleaned = String::with_capacity(component.len());
    let mut last_was_space = false;
    for c in component.nfc() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else if is_invisible_format(c) {
            continue;
        } else if is_reserved(c) {
            '_'
        } else {
            c
        };
        if c == ' ' {
            if last_was_space {
                continue;
            }
            last_was_space = true;
        } else {
            last_was_space = false;
        }
        cleaned.push(c);
    }
    // Normalise again after the clean-up: removing an invisible character between two
    // combining marks can leave them out of canonical order (FUZZING.md, finding 5).
    let cleaned: String = cleaned.nfc().collect();
    let trimmed = cleaned.trim_matches(|c: char| c == ' ' || c == '.');
    let (stem, extension) = match trimmed.rsplit_once('.') {
        Some((stem, ext))
            if !ext.is_empty()
                && ext.chars().count() <= MAX_EXTENSION_CHARS
                && ext.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            (
                stem.trim_end_matches([' ', '.']),
                Some(ext.to_ascii_lowercase()),
            )
        }
        _ => (trimmed, None),
    };
    let mut stem = stem.to_string();
    let first_part = stem
        .split('.')
        .next()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    if RESERVED_STEMS.contains(&first_part.as_str()) {
        stem.insert(0, '_');
    }
    (stem, extension)
}

/// Joins a stem and an extension under the length limits, shortening the stem.
pub(crate) fn join(stem: &str, extension: Option<&str>) -> String {
    let suffix = extension.map(|e| format!(".{e}")).unwrap_or_default();
    let max_chars = MAX_NAME_CHARS.saturating_sub(suffix.chars().count());
    let max_bytes = MAX_NAME_BYTES.saturating_sub(suffix.len());
    let mut kept = String::new();
    let mut cut = false;
    for (chars, c) in stem.chars().enumerate() {
        if chars + 1 > max_chars || kept.len() + c.len_utf8() > max_bytes {
            cut = true;
            // Do not leave a letter without the marks that follow it: drop the letter too.
            if is_combining_mark(c) {
                while kept.chars().last().is_some_and(is_combining_mark) {
                    kept.pop();
                }
                kept.pop();
            }
            break;
        }
        kept.push(c);
    }
    let mut kept = kept.trim_end_matches([' ', '.']);
    // A cut stem without an extension must not end in something that reads as one
    // (`aaa..n b` cut to `aaa..n`): a second pass would take `n` for the extension, and the
    // name would show a type the applicant never gave it (FUZZING.md, finding 2).
    if cut && extension.is_none() {
        while let Some((before, after)) = kept.rsplit_once('.') {
            if after.is_empty()
                || after.chars().count() > MAX_EXTENSION_CHARS
                || !after.chars().all(|c| c.is_ascii_alphanumeric())
            {
                break;
            }
            kept = before.trim_end_matches([' ', '.']);
        }
    }
    let kept = if kept.is_empty() { FALLBACK_STEM } else { kept };
    format!("{kept}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_vietnamese_and_normalises_to_nfc() {
        let decomposed = "Gia\u{0301}y khai sinh.pdf"; // "Giáy" typed decomposed
        assert_eq!(sanitize_file_name(decomposed), "Giáy khai sinh.pdf");
        assert_eq!(
            sanitize_file_name("Đơn đề nghị cấp GCN QSDĐ.PDF"),
            "Đơn đề nghị cấp GCN QSDĐ.pdf"
        );
    }

    #[test]
    fn a_cut_name_does_not_gain_an_extension() {
        // FUZZING.md finding 2.
        let once = sanitize_file_name(&format!("{}..n b", "a".repeat(117)));
        assert_eq!(once, "a".repeat(117));
        assert_eq!(sanitize_file_name(&once), once);
        let once = sanitize_file_name(&format!("{}.exe và giấy tờ", "a".repeat(116)));
        assert_eq!(once, "a".repeat(116));
        assert_eq!(sanitize_file_name(&once), once);
        // A name that is not cut keeps its dots.
        assert_eq!(sanitize_file_name("v1.2 và giấy tờ"), "v1.2 và giấy tờ");
    }

    #[test]
    fn invisible_characters_between_marks_leave_nfc() {
        // FUZZING.md finding 5: U+0316 (class 220) sorts before U+0301 (class 230).
        let once = sanitize_file_name("x\u{301}\u{200b}\u{316}.pdf");
        assert_eq!(once, "x\u{316}\u{301}.pdf".nfc().collect::<String>());
        assert!(unicode_normalization::is_nfc(&once));
        let tricky = format!(
            "ề{}\u{202e}{}\u{31b}",
            "\u{311}".repeat(12),
            "\u{311}".repeat(7)
        );
        let once = sanitize_file_name(&tricky);
        assert!(unicode_normalization::is_nfc(&once));
        assert_eq!(sanitize_file_name(&once), once);
    }

    proptest::proptest! {
        #[test]
        fn sanitizing_twice_changes_nothing(
            name in "[a-zA-Zàềệ .\u{301}\u{316}\u{200b}\u{202e}/\\\\:<\n-]{0,140}"
        ) {
            let once = sanitize_file_name(&name);
            proptest::prop_assert_eq!(sanitize_file_name(&once), once.clone());
            proptest::prop_assert!(unicode_normalization::is_nfc(&once));
        }
    }

    #[test]
    fn truncation_keeps_the_extension_and_letters_whole() {
        let long = format!("{}.docx", "ệ".repeat(500));
        let safe = sanitize_file_name(&long);
        assert!(safe.ends_with(".docx"));
        assert!(safe.chars().count() <= MAX_NAME_CHARS);
        assert!(safe.len() <= MAX_NAME_BYTES);
    }
}
