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
    for (chars, c) in stem.chars().enumerate() {
        if chars + 1 > max_chars || kept.len() + c.len_utf8() > max_bytes {
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
    let kept = kept.trim_end_matches([' ', '.']);
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
    fn truncation_keeps_the_extension_and_letters_whole() {
        let long = format!("{}.docx", "ệ".repeat(500));
        let safe = sanitize_file_name(&long);
        assert!(safe.ends_with(".docx"));
        assert!(safe.chars().count() <= MAX_NAME_CHARS);
        assert!(safe.len() <= MAX_NAME_BYTES);
    }
}
