//! Tokenizing Vietnamese text for search.
//!
//! A token is a maximal run of letters and digits (combining marks stay inside the run, so text
//! in decomposed form, NFD, splits the same way as composed text). Each token is kept twice:
//! - `folded`: lower case, diacritics removed, `đ` → `d` ([`tinhso_domain::text::fold`]); this is
//!   what the index matches on, so `dang ky` finds `Đăng ký`;
//! - `lower`: lower case with its diacritics, used only for the small bonus when the query's own
//!   diacritics match the record's exactly (`Vĩnh` prefers `Vĩnh` to `Vinh`).

use tinhso_domain::text::fold;

/// One token of a text: its folded form and its lower-case form with diacritics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub folded: String,
    pub lower: String,
}

impl Token {
    /// The query typed this token with diacritics (so an exact-diacritics bonus can apply).
    pub fn has_diacritics(&self) -> bool {
        self.folded != self.lower
    }
}

/// Combining diacritical marks (U+0300–U+036F): part of the letter before them.
fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

fn is_token_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// The raw (unfolded) token slices of `text`, in order.
pub(crate) fn raw_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_token_char(c))
        .filter(|t| !t.is_empty() && !t.chars().all(is_combining_mark))
}

/// Folded tokens only (what the index stores).
pub(crate) fn folded_tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    raw_tokens(text).map(fold).filter(|t| !t.is_empty())
}

/// Tokens with both forms (for names and queries).
pub(crate) fn tokens(text: &str) -> Vec<Token> {
    raw_tokens(text)
        .filter_map(|raw| {
            let folded = fold(raw);
            if folded.is_empty() {
                return None;
            }
            let lower = raw.to_lowercase();
            Some(Token { folded, lower })
        })
        .collect()
}

/// A field name normalized for comparison: folded, single spaces between words.
pub(crate) fn normalize_field(name: &str) -> String {
    folded_tokens(name).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_punctuation_and_folds() {
        let t: Vec<String> =
            folded_tokens("Đăng ký khai sinh (có yếu tố nước ngoài), v.v.").collect();
        assert_eq!(
            t,
            ["dang", "ky", "khai", "sinh", "co", "yeu", "to", "nuoc", "ngoai", "v", "v"]
        );
    }

    #[test]
    fn keeps_diacritics_in_lower_form() {
        let t = tokens("Phường Vĩnh Hưng");
        assert_eq!(t[1].folded, "vinh");
        assert_eq!(t[1].lower, "vĩnh");
        assert!(t[1].has_diacritics());
        assert!(!tokens("Vinh")[0].has_diacritics());
    }

    #[test]
    fn decomposed_text_stays_one_token() {
        // "Việt" with combining circumflex and dot below (NFD).
        let t = tokens("Vi\u{0065}\u{0302}\u{0323}t Nam");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].folded, "viet");
    }

    #[test]
    fn normalizes_field_names() {
        assert_eq!(normalize_field("  Hộ   tịch "), "ho tich");
        assert_eq!(normalize_field("Đất đai"), normalize_field("dat dai"));
    }
}
