//! Message catalogs: every string of the pages, Vietnamese first, with English.
//!
//! One TOML file per area in `crates/tinhso-web/i18n/` (compiled in), each entry
//! `"area.key" = { vi = "…", en = "…" }`. Templates call `p.t("area.key")`. A test checks that
//! every file parses, every entry has both languages, no key is defined twice, and every key a
//! template or handler uses exists.

use std::collections::HashMap;
use std::sync::LazyLock;

/// The catalog files, by area. Add a file here when adding an area.
pub const FILES: &[(&str, &str)] = &[
    ("common", include_str!("../../i18n/common.toml")),
    ("portal", include_str!("../../i18n/portal.toml")),
    ("officer", include_str!("../../i18n/officer.toml")),
    ("admin", include_str!("../../i18n/admin.toml")),
    ("account", include_str!("../../i18n/account.toml")),
    ("ioc", include_str!("../../i18n/ioc.toml")),
];

/// The language of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// BCP 47 code, for `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// From a cookie or query value; anything else is Vietnamese.
    pub fn parse(s: &str) -> Lang {
        if s.trim().eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Vi
        }
    }

    /// The other language (for the switch link).
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }
}

/// One entry of a catalog.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    vi: String,
    en: String,
}

/// Every message, parsed once. Entries that fail to parse are reported by [`problems`].
static CATALOG: LazyLock<HashMap<String, Entry>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (_, text) in FILES {
        if let Ok(entries) = toml::from_str::<HashMap<String, Entry>>(text) {
            map.extend(entries);
        }
    }
    map
});

/// The message `key` in `lang`; the key itself (visible, so it gets fixed) when missing.
pub fn t(lang: Lang, key: &str) -> &str {
    let found: Option<&'static Entry> = CATALOG.get(key);
    match found {
        Some(e) => match lang {
            Lang::Vi => &e.vi,
            Lang::En => &e.en,
        },
        None => {
            tracing::warn!(key, "missing message / thiếu thông điệp");
            key
        }
    }
}

/// Whether `key` exists.
pub fn has(key: &str) -> bool {
    CATALOG.contains_key(key)
}

/// What is wrong with the catalog files: parse errors, empty texts, keys defined twice.
pub fn problems() -> Vec<String> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, &str> = HashMap::new();
    for (area, text) in FILES {
        match toml::from_str::<HashMap<String, Entry>>(text) {
            Ok(entries) => {
                for (key, e) in entries {
                    if e.vi.trim().is_empty() || e.en.trim().is_empty() {
                        out.push(format!("{area}: {key}: empty text"));
                    }
                    if let Some(first) = seen.insert(key.clone(), area) {
                        out.push(format!("{area}: {key}: already defined in {first}"));
                    }
                }
            }
            Err(e) => out.push(format!("{area}: {e}")),
        }
    }
    out
}
