//! Vietnamese text folding: lower-case, strip diacritics, fold `đ`/`Đ` to `d`.
//!
//! Unicode decomposition does not turn `đ` (U+0111) into `d`, which is why SQLite FTS5's
//! `remove_diacritics` misses it; we fold it explicitly.

/// Folds one character to its base lower-case ASCII letter where it is a Vietnamese letter.
pub fn fold_char(c: char) -> char {
    match c {
        'à' | 'á' | 'ả' | 'ã' | 'ạ' | 'ă' | 'ằ' | 'ắ' | 'ẳ' | 'ẵ' | 'ặ' | 'â' | 'ầ' | 'ấ' | 'ẩ'
        | 'ẫ' | 'ậ' | 'À' | 'Á' | 'Ả' | 'Ã' | 'Ạ' | 'Ă' | 'Ằ' | 'Ắ' | 'Ẳ' | 'Ẵ' | 'Ặ' | 'Â'
        | 'Ầ' | 'Ấ' | 'Ẩ' | 'Ẫ' | 'Ậ' => 'a',
        'è' | 'é' | 'ẻ' | 'ẽ' | 'ẹ' | 'ê' | 'ề' | 'ế' | 'ể' | 'ễ' | 'ệ' | 'È' | 'É' | 'Ẻ' | 'Ẽ'
        | 'Ẹ' | 'Ê' | 'Ề' | 'Ế' | 'Ể' | 'Ễ' | 'Ệ' => 'e',
        'ì' | 'í' | 'ỉ' | 'ĩ' | 'ị' | 'Ì' | 'Í' | 'Ỉ' | 'Ĩ' | 'Ị' => 'i',
        'ò' | 'ó' | 'ỏ' | 'õ' | 'ọ' | 'ô' | 'ồ' | 'ố' | 'ổ' | 'ỗ' | 'ộ' | 'ơ' | 'ờ' | 'ớ' | 'ở'
        | 'ỡ' | 'ợ' | 'Ò' | 'Ó' | 'Ỏ' | 'Õ' | 'Ọ' | 'Ô' | 'Ồ' | 'Ố' | 'Ổ' | 'Ỗ' | 'Ộ' | 'Ơ'
        | 'Ờ' | 'Ớ' | 'Ở' | 'Ỡ' | 'Ợ' => 'o',
        'ù' | 'ú' | 'ủ' | 'ũ' | 'ụ' | 'ư' | 'ừ' | 'ứ' | 'ử' | 'ữ' | 'ự' | 'Ù' | 'Ú' | 'Ủ' | 'Ũ'
        | 'Ụ' | 'Ư' | 'Ừ' | 'Ứ' | 'Ử' | 'Ữ' | 'Ự' => 'u',
        'ỳ' | 'ý' | 'ỷ' | 'ỹ' | 'ỵ' | 'Ỳ' | 'Ý' | 'Ỷ' | 'Ỹ' | 'Ỵ' => 'y',
        'đ' | 'Đ' => 'd',
        // Combining marks (text in decomposed form, NFD): drop them.
        '\u{0300}'..='\u{036F}' => '\0',
        c => c.to_lowercase().next().unwrap_or(c),
    }
}

/// Folds a whole string: `"Đăng ký khai sinh"` → `"dang ky khai sinh"`.
pub fn fold(s: &str) -> String {
    s.chars().map(fold_char).filter(|&c| c != '\0').collect()
}

/// The physical line (1-based) on which a CSV record starting at `byte` begins.
///
/// The csv crate's `Position::line()` counts `\n` only and leaves the `\n` of a `\r\n` ending
/// unconsumed before the next record, so in files saved by Excel or on Windows every row was
/// reported one line too early, and with lone `\r` endings every row at line 1 (FUZZING.md,
/// finding 1). This counts `\r\n`, `\n` and `\r` as one line end each, and skips the line ends
/// the reader had not consumed yet (a record never starts with one: blank lines are skipped).
pub fn csv_line_at(input: &[u8], byte: u64) -> u64 {
    let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(input.len());
    while matches!(input.get(start), Some(b'\r' | b'\n')) {
        start += 1;
    }
    let before = &input[..start];
    let mut line = 1;
    for (i, &b) in before.iter().enumerate() {
        match b {
            b'\n' => line += 1,
            b'\r' if before.get(i + 1) != Some(&b'\n') => line += 1,
            _ => {}
        }
    }
    line
}

/// The first character of `text` that free text typed by a person must not carry, if any:
/// control characters other than tab and line ends (NUL, escape, C1 controls), and the
/// bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069).
///
/// An override (`U+202E`) reverses the text that follows it wherever the name is shown — in a
/// queue, a register, a PDF — and is the classic way to make `gpj.exe` read `exe.jpg` or to
/// make a name read as someone else's; no Vietnamese text needs one. The marks U+200E/U+200F
/// and zero-width characters are left alone: they are invisible but do not move other text.
pub fn hidden_control(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_d_stroke_and_tones() {
        assert_eq!(fold("Đăng ký khai sinh"), "dang ky khai sinh");
        assert_eq!(fold("Phường Vĩnh Hưng"), fold("Phường Vinh Hưng"));
        assert_eq!(fold("ĐẤT ĐAI"), "dat dai");
    }

    #[test]
    fn folds_decomposed_text() {
        // "Việt" written with combining marks (NFD).
        assert_eq!(fold("Vi\u{0065}\u{0302}\u{0323}t"), "viet");
    }

    #[test]
    fn csv_lines_count_every_kind_of_line_end() {
        // Row 2 starts at byte 6 in all three; the reader may point at the LF of a CRLF.
        assert_eq!(csv_line_at(b"a,b,c\nx,y,z\n", 6), 2);
        assert_eq!(csv_line_at(b"a,b,c\r\nx,y,z\r\n", 6), 2);
        assert_eq!(csv_line_at(b"a,b,c\r\nx,y,z\r\n", 7), 2);
        assert_eq!(csv_line_at(b"a,b,c\rx,y,z\r", 6), 2);
        // Blank lines before a record are not its line.
        assert_eq!(csv_line_at(b"a\r\n\r\n\r\nb", 2), 4);
        assert_eq!(csv_line_at(b"a\n\nb", 1), 3);
        assert_eq!(csv_line_at(b"a", 99), 1);
    }

    #[test]
    fn hidden_controls_are_found_and_ordinary_text_passes() {
        assert_eq!(hidden_control("Nguyễn Văn A\n12 Lê Lợi\tP.1"), None);
        assert_eq!(hidden_control("a\u{200b}b\u{200e}"), None);
        assert_eq!(hidden_control("abc\u{202e}gpj.exe"), Some('\u{202e}'));
        assert_eq!(hidden_control("\u{2067}x"), Some('\u{2067}'));
        assert_eq!(hidden_control("a\0b"), Some('\0'));
        assert_eq!(hidden_control("a\u{1b}[31m"), Some('\u{1b}'));
        assert_eq!(hidden_control("a\u{85}"), Some('\u{85}'));
    }
}
