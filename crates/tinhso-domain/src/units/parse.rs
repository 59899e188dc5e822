//! Parsers of the administrative-unit CSV files (General Statistics Office codes), recognised by
//! their header line:
//!
//! | format | header | yields |
//! |---|---|---|
//! | [`UnitsFormat::Units2025`] | `province_code,province_name,commune_code,commune_name,commune_type,lat,lon,area_km2` | each of the 34 provinces once, and every commune with `parent_code` = its province, `valid_from` 2025-07-01 |
//! | [`UnitsFormat::Legacy`] | `province_code,province_name,district_code,district_name,district_type,commune_code,commune_name,commune_type` | the 63 provinces, their districts and communes, each once, `valid_from` [`LEGACY_VALID_FROM`], `valid_to` 2025-06-30 |
//! | [`UnitsFormat::Succession2025`] | `old_province_code,old_district_code,old_commune_code,old_commune_name,new_province_code,new_commune_code,new_commune_name,partial` | one [`Succession`] per row, effective 2025-07-01 |
//!
//! Codes are made canonical: zero-padded to 2 digits (province), 3 (district), 5 (commune), as
//! the files write them. A legacy row with an empty commune (an island district without
//! communes, e.g. Huyện Hoàng Sa) yields its district only.
//!
//! Each bad row becomes a [`RowProblem`] naming its line and field; the rest of the file is still
//! read, so the caller chooses between all-or-nothing and skip-and-report. Only an unreadable
//! header is a [`UnitsFileError`].

use std::collections::HashMap;
use std::io::Read;

use jiff::civil::{date, Date};

use super::{AdminUnit, Succession, UnitKind};

/// Day the two-level local government took effect (domain.md §0: 34 provinces, no districts).
pub const REFORM_DATE: Date = date(2025, 7, 1);
/// Last day of the 63-province structure.
pub const LEGACY_VALID_TO: Date = date(2025, 6, 30);
/// `valid_from` given to legacy units: the files do not say when each unit was created, so they
/// are taken as in force "since before any dossier tinhso can hold". A sentinel, not a fact.
pub const LEGACY_VALID_FROM: Date = date(1900, 1, 1);

/// Which of the three files a CSV is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitsFormat {
    Units2025,
    Legacy,
    Succession2025,
}

const HEADER_2025: [&str; 8] = [
    "province_code",
    "province_name",
    "commune_code",
    "commune_name",
    "commune_type",
    "lat",
    "lon",
    "area_km2",
];
const HEADER_LEGACY: [&str; 8] = [
    "province_code",
    "province_name",
    "district_code",
    "district_name",
    "district_type",
    "commune_code",
    "commune_name",
    "commune_type",
];
const HEADER_SUCCESSION: [&str; 8] = [
    "old_province_code",
    "old_district_code",
    "old_commune_code",
    "old_commune_name",
    "new_province_code",
    "new_commune_code",
    "new_commune_name",
    "partial",
];

impl UnitsFormat {
    /// The header line this format is recognised by.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Self::Units2025 => &HEADER_2025,
            Self::Legacy => &HEADER_LEGACY,
            Self::Succession2025 => &HEADER_SUCCESSION,
        }
    }

    /// Recognises a header (fields trimmed, a leading byte-order mark ignored).
    pub fn detect(header: &[&str]) -> Option<Self> {
        let clean: Vec<&str> = header
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim())
            .collect();
        [Self::Units2025, Self::Legacy, Self::Succession2025]
            .into_iter()
            .find(|f| f.header() == clean.as_slice())
    }
}

/// One bad row: which line (1-based, the header is line 1), which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dòng {line}, trường {field}: {message_vi} / line {line}, field {field}: {message_en}")]
pub struct RowProblem {
    pub line: u64,
    /// Column name, or `*` for the whole row.
    pub field: &'static str,
    pub message_vi: String,
    pub message_en: String,
}

/// The file as a whole cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitsFileError {
    #[error("tệp rỗng / empty file")]
    Empty,
    #[error(
        "không nhận ra định dạng tệp đơn vị hành chính (tiêu đề {found:?}) / unknown administrative-unit \
         file format (header {found:?}); expected one of: {expected}"
    )]
    UnknownFormat { found: String, expected: String },
    #[error("không đọc được tiêu đề / cannot read the header: {0}")]
    Header(String),
}

/// What a units file yields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitsFile {
    pub format: Option<UnitsFormat>,
    pub units: Vec<AdminUnit>,
    pub successions: Vec<Succession>,
    pub problems: Vec<RowProblem>,
}

/// Reads one of the three CSV files, detecting its format by the header.
pub fn parse_units_csv(mut input: impl Read) -> Result<UnitsFile, UnitsFileError> {
    // Read whole: line numbers are counted from byte offsets (`csv_line_at`).
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| UnitsFileError::Header(e.to_string()))?;
    let line_at = |p: &csv::Position| crate::text::csv_line_at(&bytes, p.byte());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Err(UnitsFileError::Empty),
        Some(Err(e)) => return Err(UnitsFileError::Header(e.to_string())),
        Some(Ok(h)) => h,
    };
    let fields: Vec<&str> = header.iter().collect();
    let Some(format) = UnitsFormat::detect(&fields) else {
        let expected = [
            UnitsFormat::Units2025,
            UnitsFormat::Legacy,
            UnitsFormat::Succession2025,
        ]
        .iter()
        .map(|f| f.header().join(","))
        .collect::<Vec<_>>()
        .join(" | ");
        return Err(UnitsFileError::UnknownFormat {
            found: fields.join(","),
            expected,
        });
    };
    let mut state = State {
        out: UnitsFile {
            format: Some(format),
            ..UnitsFile::default()
        },
        seen: HashMap::new(),
    };
    let width = format.header().len();
    for (index, record) in records.enumerate() {
        // Physical lines of the record's start; fall back to the record index.
        let fallback_line = index as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(fallback_line, line_at);
                state.problem(
                    line,
                    "*",
                    format!("không đọc được dòng: {e}"),
                    format!("unreadable row: {e}"),
                );
                continue;
            }
        };
        let line = record.position().map_or(fallback_line, line_at);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != width {
            state.problem(
                line,
                "*",
                format!("có {} cột, cần {width}", record.len()),
                format!("{} columns, expected {width}", record.len()),
            );
            continue;
        }
        let row: Vec<&str> = record.iter().map(str::trim).collect();
        match format {
            UnitsFormat::Units2025 => state.row_2025(line, &row),
            UnitsFormat::Legacy => state.row_legacy(line, &row),
            UnitsFormat::Succession2025 => state.row_succession(line, &row),
        }
    }
    Ok(state.out)
}

struct State {
    out: UnitsFile,
    /// (kind, code) → (line first seen, name), to report duplicates and conflicting names.
    seen: HashMap<(UnitKind, String), (u64, String)>,
}

/// Canonical code: digits only, zero-padded to `width`.
fn canonical_code(raw: &str, width: usize) -> Result<String, (String, String)> {
    if raw.is_empty() {
        return Err(("mã rỗng".into(), "empty code".into()));
    }
    if !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err((
            format!("mã {raw:?} không phải chữ số"),
            format!("code {raw:?} is not all digits"),
        ));
    }
    if raw.len() > width {
        return Err((
            format!("mã {raw:?} dài quá {width} chữ số"),
            format!("code {raw:?} longer than {width} digits"),
        ));
    }
    Ok(format!("{raw:0>width$}"))
}

fn optional_number(raw: &str) -> Result<Option<f64>, (String, String)> {
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err((
            format!("{raw:?} không phải số"),
            format!("{raw:?} is not a number"),
        )),
    }
}

impl State {
    fn problem(&mut self, line: u64, field: &'static str, vi: String, en: String) {
        self.out.problems.push(RowProblem {
            line,
            field,
            message_vi: vi,
            message_en: en,
        });
    }

    fn code(&mut self, line: u64, field: &'static str, raw: &str, width: usize) -> Option<String> {
        match canonical_code(raw, width) {
            Ok(c) => Some(c),
            Err((vi, en)) => {
                self.problem(line, field, vi, en);
                None
            }
        }
    }

    fn number(&mut self, line: u64, field: &'static str, raw: &str) -> Option<f64> {
        match optional_number(raw) {
            Ok(v) => v,
            Err((vi, en)) => {
                self.problem(line, field, vi, en);
                None
            }
        }
    }

    /// Registers a unit; `true` when it is new. A repeated unit with the same name is the
    /// normal shape of these files (one row per commune); a different name is a problem, and
    /// for communes (one row each) any repeat is a duplicate.
    fn first_time(
        &mut self,
        line: u64,
        field: &'static str,
        kind: UnitKind,
        code: &str,
        name: &str,
    ) -> bool {
        let key = (kind, code.to_string());
        match self.seen.get(&key) {
            None => {
                self.seen.insert(key, (line, name.to_string()));
                true
            }
            Some((first, first_name)) => {
                let first = *first;
                if kind == UnitKind::Commune {
                    self.problem(
                        line,
                        field,
                        format!("mã {code} trùng với dòng {first}"),
                        format!("duplicate code {code}, first on line {first}"),
                    );
                } else if first_name != name {
                    let first_name = first_name.clone();
                    self.problem(
                        line,
                        field,
                        format!("mã {code} mang tên {name:?}, dòng {first} ghi {first_name:?}"),
                        format!("code {code} named {name:?}, but {first_name:?} on line {first}"),
                    );
                }
                false
            }
        }
    }

    fn row_2025(&mut self, line: u64, row: &[&str]) {
        let (Some(province), Some(commune)) = (
            self.code(line, "province_code", row[0], 2),
            self.code(line, "commune_code", row[2], 5),
        ) else {
            return;
        };
        // Every unit has a name, provinces too (FUZZING.md, finding 3).
        for (index, field) in [(1, "province_name"), (3, "commune_name")] {
            if row[index].is_empty() {
                self.problem(line, field, "tên rỗng".into(), "empty name".into());
                return;
            }
        }
        let lat = self.number(line, "lat", row[5]);
        let lon = self.number(line, "lon", row[6]);
        let area = self.number(line, "area_km2", row[7]);
        let lat = lat.filter(|v| {
            let ok = (-90.0..=90.0).contains(v);
            if !ok {
                self.problem(
                    line,
                    "lat",
                    format!("vĩ độ {v} ngoài khoảng -90..90"),
                    format!("latitude {v} outside -90..90"),
                );
            }
            ok
        });
        let lon = lon.filter(|v| {
            let ok = (-180.0..=180.0).contains(v);
            if !ok {
                self.problem(
                    line,
                    "lon",
                    format!("kinh độ {v} ngoài khoảng -180..180"),
                    format!("longitude {v} outside -180..180"),
                );
            }
            ok
        });
        let area = area.filter(|v| {
            let ok = *v >= 0.0;
            if !ok {
                self.problem(
                    line,
                    "area_km2",
                    format!("diện tích âm {v}"),
                    format!("negative area {v}"),
                );
            }
            ok
        });
        if self.first_time(line, "province_code", UnitKind::Province, &province, row[1]) {
            self.out.units.push(AdminUnit {
                code: province.clone(),
                kind: UnitKind::Province,
                name: row[1].to_string(),
                unit_type: unit_type_of(row[1]),
                parent_code: None,
                valid_from: REFORM_DATE,
                valid_to: None,
                lat: None,
                lon: None,
                area_km2: None,
            });
        }
        if self.first_time(line, "commune_code", UnitKind::Commune, &commune, row[3]) {
            self.out.units.push(AdminUnit {
                code: commune,
                kind: UnitKind::Commune,
                name: row[3].to_string(),
                unit_type: row[4].to_string(),
                parent_code: Some(province),
                valid_from: REFORM_DATE,
                valid_to: None,
                lat,
                lon,
                area_km2: area,
            });
        }
    }

    fn row_legacy(&mut self, line: u64, row: &[&str]) {
        let (Some(province), Some(district)) = (
            self.code(line, "province_code", row[0], 2),
            self.code(line, "district_code", row[2], 3),
        ) else {
            return;
        };
        // Provinces and districts have names as communes do (FUZZING.md, finding 3).
        for (index, field) in [(1, "province_name"), (3, "district_name")] {
            if row[index].is_empty() {
                self.problem(line, field, "tên rỗng".into(), "empty name".into());
                return;
            }
        }
        let legacy = |code: String, kind, name: &str, unit_type: &str, parent| AdminUnit {
            code,
            kind,
            name: name.to_string(),
            unit_type: unit_type.to_string(),
            parent_code: parent,
            valid_from: LEGACY_VALID_FROM,
            valid_to: Some(LEGACY_VALID_TO),
            lat: None,
            lon: None,
            area_km2: None,
        };
        if self.first_time(line, "province_code", UnitKind::Province, &province, row[1]) {
            let unit = legacy(
                province.clone(),
                UnitKind::Province,
                row[1],
                &unit_type_of(row[1]),
                None,
            );
            self.out.units.push(unit);
        }
        if self.first_time(line, "district_code", UnitKind::District, &district, row[3]) {
            let unit = legacy(
                district.clone(),
                UnitKind::District,
                row[3],
                row[4],
                Some(province),
            );
            self.out.units.push(unit);
        }
        // An island district without communes: no commune on this row.
        if row[5].is_empty() && row[6].is_empty() {
            return;
        }
        let Some(commune) = self.code(line, "commune_code", row[5], 5) else {
            return;
        };
        if row[6].is_empty() {
            self.problem(line, "commune_name", "tên rỗng".into(), "empty name".into());
            return;
        }
        if self.first_time(line, "commune_code", UnitKind::Commune, &commune, row[6]) {
            let unit = legacy(commune, UnitKind::Commune, row[6], row[7], Some(district));
            self.out.units.push(unit);
        }
    }

    fn row_succession(&mut self, line: u64, row: &[&str]) {
        let (Some(old), Some(new)) = (
            self.code(line, "old_commune_code", row[2], 5),
            self.code(line, "new_commune_code", row[5], 5),
        ) else {
            return;
        };
        // The province codes are checked for shape even though Succession does not keep them.
        if self.code(line, "old_province_code", row[0], 2).is_none()
            || self.code(line, "new_province_code", row[4], 2).is_none()
        {
            return;
        }
        let partial = match row[7] {
            "0" => false,
            "1" => true,
            other => {
                self.problem(
                    line,
                    "partial",
                    format!("{other:?} không phải 0 hoặc 1"),
                    format!("{other:?} is not 0 or 1"),
                );
                return;
            }
        };
        let pair = format!("{old}>{new}");
        // Successions are keyed by the (old, new) pair: the same pair twice is a duplicate.
        let key = (UnitKind::Commune, pair);
        if let Some((first, _)) = self.seen.get(&key) {
            let first = *first;
            self.problem(
                line,
                "old_commune_code",
                format!("cặp {old} → {new} trùng với dòng {first}"),
                format!("duplicate pair {old} → {new}, first on line {first}"),
            );
            return;
        }
        self.seen.insert(key, (line, String::new()));
        self.out.successions.push(Succession {
            old_code: old,
            new_code: new,
            partial,
            effective: REFORM_DATE,
        });
    }
}

/// "Thành phố Hà Nội" → "Thành phố", "Tỉnh Vĩnh Long" → "Tỉnh".
fn unit_type_of(name: &str) -> String {
    ["Thành phố", "Tỉnh"]
        .into_iter()
        .find(|p| name.starts_with(p))
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> UnitsFile {
        parse_units_csv(text.as_bytes()).expect("known format")
    }

    #[test]
    fn units_2025_provinces_once_and_communes_under_them() {
        let f = parse(
            "province_code,province_name,commune_code,commune_name,commune_type,lat,lon,area_km2\n\
             01,Thành phố Hà Nội,00301,Phường Vĩnh Hưng,Phường,20.9906,105.883,4.47\n\
             40,Tỉnh Nghệ An,17920,Phường Vinh Hưng,Phường,18.7242,105.655,25.47\n\
             1,Thành phố Hà Nội,4,Phường Ba Đình,Phường,,,\n",
        );
        assert_eq!(f.format, Some(UnitsFormat::Units2025));
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        let provinces: Vec<_> = f
            .units
            .iter()
            .filter(|u| u.kind == UnitKind::Province)
            .collect();
        assert_eq!(provinces.len(), 2);
        assert_eq!(provinces[0].unit_type, "Thành phố");
        let ba_dinh = f
            .units
            .iter()
            .find(|u| u.name == "Phường Ba Đình")
            .expect("commune");
        assert_eq!(ba_dinh.code, "00004", "codes are zero-padded");
        assert_eq!(ba_dinh.parent_code.as_deref(), Some("01"));
        assert_eq!(ba_dinh.lat, None);
        assert_eq!(ba_dinh.valid_from, REFORM_DATE);
        // Names equal once folded stay two units.
        let folded: Vec<_> = f
            .units
            .iter()
            .filter(|u| crate::text::fold(&u.name) == "phuong vinh hung")
            .map(|u| u.code.as_str())
            .collect();
        assert_eq!(folded, vec!["00301", "17920"]);
    }

    #[test]
    fn row_problems_name_line_and_field() {
        let f = parse(
            "province_code,province_name,commune_code,commune_name,commune_type,lat,lon,area_km2\n\
             01,Thành phố Hà Nội,00004,Phường Ba Đình,Phường,21.0,105.8,2.9\n\
             01,Thành phố Hà Nội,,Phường Không Mã,Phường,21.0,105.8,2.9\n\
             01,Thành phố Hà Nội,00008,Phường Ngọc Hà,Phường,abc,105.8,2.9\n\
             01,Thành phố Hà Nội,00009,Phường X,Phường,95,105.8,2.9\n\
             01,Thành phố Hà Nội,00004,Phường Trùng,Phường,21.0,105.8,2.9\n\
             01,Thành phố Hà Nội,00010\n\
             01,Hà Nội khác,00011,Phường Y,Phường,21.0,105.8,2.9\n\
             0A,Tỉnh Lạ,00012,Xã Z,Xã,21.0,105.8,2.9\n",
        );
        let got: Vec<(u64, &str)> = f.problems.iter().map(|p| (p.line, p.field)).collect();
        assert_eq!(
            got,
            vec![
                (3, "commune_code"),
                (4, "lat"),
                (5, "lat"),
                (6, "commune_code"),
                (7, "*"),
                (8, "province_code"),
                (9, "province_code"),
            ]
        );
        assert!(f.problems[3].message_en.contains("first on line 2"));
        assert!(f.problems[4].to_string().contains("3 columns, expected 8"));
    }

    #[test]
    fn row_lines_are_the_same_with_crlf_and_cr_ends() {
        // FUZZING.md finding 1.
        let lf =
            "province_code,province_name,commune_code,commune_name,commune_type,lat,lon,area_km2\n\
                  01,Thành phố Hà Nội,00004,Phường Ba Đình,Phường,,,\n\
                  \n\
                  01,Thành phố Hà Nội,,Phường Không Mã,Phường,,,\n\
                  01,Thành phố Hà Nội,00008,Phường Ngọc Hà,Phường,abc,,\n";
        for text in [
            lf.to_string(),
            lf.replace('\n', "\r\n"),
            lf.replace('\n', "\r"),
        ] {
            let got: Vec<(u64, &str)> = parse(&text)
                .problems
                .iter()
                .map(|p| (p.line, p.field))
                .collect();
            assert_eq!(got, vec![(4, "commune_code"), (5, "lat")], "{text:?}");
        }
    }

    #[test]
    fn provinces_and_districts_need_a_name() {
        // FUZZING.md finding 3: these rows used to make units named "".
        let f = parse(
            "province_code,province_name,commune_code,commune_name,commune_type,lat,lon,area_km2\n\
             01,,00004,Phường Ba Đình,Phường,,,\n\
             01,Thành phố Hà Nội,00008,Phường Ngọc Hà,Phường,,,\n",
        );
        let got: Vec<(u64, &str)> = f.problems.iter().map(|p| (p.line, p.field)).collect();
        assert_eq!(got, vec![(2, "province_name")]);
        assert!(f.units.iter().all(|u| !u.name.is_empty()), "{:?}", f.units);
        assert!(f.units.iter().any(|u| u.name == "Thành phố Hà Nội"));

        let header = UnitsFormat::Legacy.header().join(",");
        let f = parse(&format!(
            "{header}\n84,,842,Thành phố Trà Vinh,Thành phố,28756,Phường 4,Phường\n\
             84,Tỉnh Trà Vinh,842,,Thành phố,28759,Phường 1,Phường\n"
        ));
        let got: Vec<(u64, &str)> = f.problems.iter().map(|p| (p.line, p.field)).collect();
        assert_eq!(got, vec![(2, "province_name"), (3, "district_name")]);
        assert!(f.units.is_empty(), "{:?}", f.units);
    }

    #[test]
    fn unknown_header_lists_the_expected_ones() {
        let err = parse_units_csv("a,b,c\n1,2,3\n".as_bytes()).expect_err("unknown");
        let text = err.to_string();
        assert!(
            text.contains("province_code,province_name,commune_code"),
            "{text}"
        );
        assert!(text.contains("old_province_code"), "{text}");
        assert_eq!(parse_units_csv("".as_bytes()), Err(UnitsFileError::Empty));
    }

    #[test]
    fn legacy_levels_and_island_districts() {
        let f = parse(
            "\u{feff}province_code,province_name,district_code,district_name,district_type,commune_code,commune_name,commune_type\n\
             01,Thành phố Hà Nội,001,Quận Ba Đình,Quận,00001,Phường Phúc Xá,Phường\n\
             01,Thành phố Hà Nội,001,Quận Ba Đình,Quận,00004,Phường Trúc Bạch,Phường\n\
             48,Thành phố Đà Nẵng,498,Huyện Hoàng Sa,Huyện,,,\n",
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        let count = |k| f.units.iter().filter(|u| u.kind == k).count();
        assert_eq!(
            (
                count(UnitKind::Province),
                count(UnitKind::District),
                count(UnitKind::Commune)
            ),
            (2, 2, 2)
        );
        let phuc_xa = f.units.iter().find(|u| u.code == "00001").expect("commune");
        assert_eq!(phuc_xa.parent_code.as_deref(), Some("001"));
        assert_eq!(phuc_xa.valid_to, Some(LEGACY_VALID_TO));
        assert_eq!(phuc_xa.valid_from, LEGACY_VALID_FROM);
    }

    #[test]
    fn succession_rows() {
        let f = parse(
            "old_province_code,old_district_code,old_commune_code,old_commune_name,new_province_code,new_commune_code,new_commune_name,partial\n\
             92,916,31150,Phường An Bình,92,31150,Phường An Bình,0\n\
             92,926,31312,Xã Mỹ Khánh,92,31150,Phường An Bình,1\n\
             92,926,31312,Xã Mỹ Khánh,92,31150,Phường An Bình,1\n\
             92,926,31313,Xã Lạ,92,31150,Phường An Bình,yes\n",
        );
        assert_eq!(f.successions.len(), 2);
        assert!(f.successions[1].partial);
        assert_eq!(f.successions[0].effective, REFORM_DATE);
        let got: Vec<(u64, &str)> = f.problems.iter().map(|p| (p.line, p.field)).collect();
        assert_eq!(got, vec![(4, "old_commune_code"), (5, "partial")]);
    }
}
