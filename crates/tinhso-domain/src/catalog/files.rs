//! The project's own catalog file formats, JSON and CSV. Pure: the functions take a reader or
//! text and return values.
//!
//! Both parsers return `Result<Vec<Result<Procedure, RecordProblem>>, FileProblem>`: a
//! [`FileProblem`] when the file as a whole cannot be read (bad JSON syntax, wrong CSV header),
//! otherwise one result per record in file order, so the caller chooses between all-or-nothing
//! ([`all_or_nothing`]) and skip-and-report. A code seen twice in one file makes the second record
//! a [`RecordProblem`] naming both lines.
//!
//! ## JSON
//! Either an array of [`Procedure`] objects or an object `{ "procedures": [ … ] }` (other keys
//! of that object are ignored). Each record is a `Procedure` exactly as serialized by tinhso
//! (`code` and `name` required, every other field optional with its default). Unknown fields
//! are refused, so that a misspelt field never loses data silently. Problems carry the line and
//! column where the record starts, and the field at fault.
//!
//! ## CSV
//! UTF-8, comma separated, `"` quoting, with exactly this header:
//!
//! ```text
//! code,name,levels,fields,online_level,time_limit,cutoff_15h,fee_vnd,agency_eids,components
//! ```
//!
//! | column | content | example |
//! |---|---|---|
//! | `code` | procedure code, required | `1.001193` |
//! | `name` | required | `Đăng ký khai sinh` |
//! | `levels` | `;`-separated: `ministry`, `province`, `district`, `commune`, `other` | `province;commune` |
//! | `fields` | `;`-separated sector names | `Hộ tịch` |
//! | `online_level` | `full`, `partial`, `none` (empty = `none`) | `partial` |
//! | `time_limit` | as read by [`TimeLimit::parse`]; empty = none | `3 ngày làm việc`, `8 working hours` |
//! | `cutoff_15h` | `true`/`false` (also `1`/`0`, `có`/`không`); empty = `false` | `true` |
//! | `fee_vnd` | whole đồng, optional thousands separators `.` `,` or space; empty = no fee | `8.000` |
//! | `agency_eids` | `;`-separated agency e-IDs (QĐ 20/2020) | `000.00.04.H40` |
//! | `components` | `;`-separated names, each optionally `#originals/copies` | `Tờ khai#1/0;Giấy chứng sinh#0/1` |
//!
//! A CSV record becomes a procedure whose `time_limit` is the given one and, when a time limit
//! or a fee is given, one counter (Trực tiếp) [`ChannelOption`] carrying both.

use std::collections::HashMap;
use std::io::Read;

use serde_json::Value;

use super::{
    Channel, ChannelOption, Component, Fee, OnlineLevel, Procedure, ProcedureCode, ProcedureLevel,
};
use crate::agency::AgencyEId;
use crate::calendar::{TimeLimit, TimeUnit};

/// The CSV header, in order.
pub const CSV_HEADER: [&str; 10] = [
    "code",
    "name",
    "levels",
    "fields",
    "online_level",
    "time_limit",
    "cutoff_15h",
    "fee_vnd",
    "agency_eids",
    "components",
];

/// A file that cannot be read as a catalog at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error("không đọc được tệp / cannot read the file: {0}")]
    Read(String),
    #[error("JSON sai cú pháp ở dòng {line}, cột {column} / invalid JSON at line {line}, column {column}: {message}")]
    JsonSyntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("JSON phải là một mảng thủ tục hoặc {{\"procedures\": [...]}} / JSON must be an array of procedures or {{\"procedures\": [...]}}")]
    NotACatalog,
    #[error("tệp CSV rỗng / empty CSV file")]
    EmptyCsv,
    #[error("tiêu đề CSV sai (dòng 1: {found:?}); cần đúng / wrong CSV header (line 1: {found:?}); expected exactly: {expected}")]
    CsvHeader { found: String, expected: String },
}

/// One record that could not become a procedure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct RecordProblem {
    /// 1-based line where the record starts (CSV: its line; JSON: the line of its `{`).
    pub line: u64,
    /// JSON only: the column of the record's `{`.
    pub column: Option<u64>,
    /// The record's code when it could be read.
    pub code: Option<String>,
    /// The field at fault (`*` for the whole record).
    pub field: String,
    /// Vietnamese, then English.
    pub message: String,
}

impl RecordProblem {
    fn describe(&self) -> String {
        let place = match self.column {
            Some(c) => format!(
                "dòng {}, cột {c} / line {}, column {c}",
                self.line, self.line
            ),
            None => format!("dòng {} / line {}", self.line, self.line),
        };
        let code = self
            .code
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        format!(
            "{place}{code}, trường / field `{}`: {}",
            self.field, self.message
        )
    }
}

/// All records, or the list of every problem.
pub fn all_or_nothing(
    results: Vec<Result<Procedure, RecordProblem>>,
) -> Result<Vec<Procedure>, Vec<RecordProblem>> {
    let mut ok = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    for r in results {
        match r {
            Ok(p) => ok.push(p),
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() {
        Ok(ok)
    } else {
        Err(problems)
    }
}

/// Replaces a repeated code by a problem naming the line of its first occurrence.
fn mark_duplicates(results: &mut [(u64, Option<u64>, Result<Procedure, RecordProblem>)]) {
    let mut first: HashMap<ProcedureCode, u64> = HashMap::new();
    for (line, column, result) in results.iter_mut() {
        let Ok(p) = result else { continue };
        if let Some(&first_line) = first.get(&p.code) {
            let code = p.code.to_string();
            *result = Err(RecordProblem {
                line: *line,
                column: *column,
                code: Some(code.clone()),
                field: "code".into(),
                message: format!(
                    "mã {code} trùng với bản ghi ở dòng {first_line} / duplicate code {code}, first at line {first_line}"
                ),
            });
        } else {
            first.insert(p.code.clone(), *line);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

/// Reads a JSON catalog (array, or `{ "procedures": [...] }`).
pub fn parse_catalog_json(
    mut input: impl Read,
) -> Result<Vec<Result<Procedure, RecordProblem>>, FileProblem> {
    let mut text = String::new();
    input
        .read_to_string(&mut text)
        .map_err(|e| FileProblem::Read(e.to_string()))?;
    parse_catalog_json_str(&text)
}

/// [`parse_catalog_json`] on text.
pub fn parse_catalog_json_str(
    text: &str,
) -> Result<Vec<Result<Procedure, RecordProblem>>, FileProblem> {
    let root: Value = serde_json::from_str(text).map_err(|e| FileProblem::JsonSyntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let items = match root {
        Value::Array(items) => items,
        Value::Object(mut obj) => match obj.remove("procedures") {
            Some(Value::Array(items)) => items,
            _ => return Err(FileProblem::NotACatalog),
        },
        _ => return Err(FileProblem::NotACatalog),
    };
    let starts = record_starts(text);
    let known = known_fields();
    let mut results = Vec::new();
    for (n, item) in items.into_iter().enumerate() {
        let (line, column) = starts.get(n).copied().unwrap_or((0, 0));
        results.push((line, Some(column), json_record(item, line, column, &known)));
    }
    mark_duplicates(&mut results);
    Ok(results.into_iter().map(|(_, _, r)| r).collect())
}

/// A procedure that is valid with every optional field present: the base against which each
/// field of a bad record is tried alone, to name the field at fault.
fn skeleton() -> Value {
    let p = Procedure {
        time_limit: Some(TimeLimit {
            hundredths: 100,
            unit: TimeUnit::WorkingDays,
        }),
        // A well-formed code, built directly (this module is inside `catalog`).
        ..Procedure::bare(ProcedureCode(*b"0.000000"), "x")
    };
    serde_json::to_value(p).unwrap_or(Value::Null)
}

fn known_fields() -> Vec<String> {
    match skeleton() {
        Value::Object(o) => o.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

fn json_record(
    item: Value,
    line: u64,
    column: u64,
    known: &[String],
) -> Result<Procedure, RecordProblem> {
    let code = item.get("code").and_then(Value::as_str).map(str::to_string);
    let problem = |field: &str, message: String| RecordProblem {
        line,
        column: Some(column),
        code: code.clone(),
        field: field.to_string(),
        message,
    };
    let Value::Object(obj) = &item else {
        return Err(problem(
            "*",
            "bản ghi không phải đối tượng JSON / record is not a JSON object".into(),
        ));
    };
    if let Some(unknown) = obj.keys().find(|k| !known.contains(k)) {
        return Err(problem(
            unknown,
            format!(
                "trường không có trong định dạng / unknown field (known: {})",
                known.join(", ")
            ),
        ));
    }
    for required in ["code", "name"] {
        if !obj.contains_key(required) {
            return Err(problem(
                required,
                "thiếu trường bắt buộc / missing required field".into(),
            ));
        }
    }
    match serde_json::from_value::<Procedure>(item.clone()) {
        Ok(p) => Ok(p),
        Err(whole) => {
            // Find the field at fault: try each field alone on a valid skeleton.
            let base = skeleton();
            for (key, value) in obj {
                let mut trial = base.clone();
                if let Value::Object(t) = &mut trial {
                    t.insert(key.clone(), value.clone());
                }
                if let Err(e) = serde_json::from_value::<Procedure>(trial) {
                    return Err(problem(
                        key,
                        format!("giá trị không hợp lệ / invalid value: {e}"),
                    ));
                }
            }
            Err(problem(
                "*",
                format!("bản ghi không hợp lệ / invalid record: {whole}"),
            ))
        }
    }
}

/// (line, column) of each element of the catalog array: the root array, or the array under the
/// root object's `"procedures"` key. The text is known to be valid JSON.
fn record_starts(text: &str) -> Vec<(u64, u64)> {
    let mut starts = Vec::new();
    let mut depth = 0usize;
    let mut target: Option<usize> = None; // depth of the catalog array's elements
    let mut expecting_element = false;
    let mut in_string = false;
    let mut escaped = false;
    let mut string_start = 0usize;
    let mut last_key_at_depth1: Option<String> = None;
    let (mut line, mut column) = (1u64, 0u64);
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        // Columns count characters (UTF-8 continuation bytes do not start one), as serde_json's.
        if b == b'\n' {
            line += 1;
            column = 0;
        } else if b & 0xC0 != 0x80 {
            column += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                if depth == 1 {
                    last_key_at_depth1 = Some(text[string_start..i].to_string());
                }
            }
            continue;
        }
        if b.is_ascii_whitespace() {
            continue;
        }
        if expecting_element && Some(depth) == target {
            starts.push((line, column));
            expecting_element = false;
        }
        match b {
            b'"' => {
                in_string = true;
                string_start = i + 1;
            }
            b'[' => {
                let is_catalog = target.is_none()
                    && (depth == 0
                        || (depth == 1 && last_key_at_depth1.as_deref() == Some("procedures")));
                depth += 1;
                if is_catalog {
                    target = Some(depth);
                    expecting_element = true;
                }
            }
            b'{' => depth += 1,
            b']' | b'}' => {
                if Some(depth) == target && b == b']' {
                    // The catalog array closes; nothing after it matters.
                    expecting_element = false;
                    target = Some(usize::MAX);
                }
                depth = depth.saturating_sub(1);
            }
            b',' if Some(depth) == target => expecting_element = true,
            _ => {}
        }
    }
    starts
}

// ---------------------------------------------------------------------------------------------
// CSV

/// Reads a CSV catalog with the header [`CSV_HEADER`].
pub fn parse_catalog_csv(
    mut input: impl Read,
) -> Result<Vec<Result<Procedure, RecordProblem>>, FileProblem> {
    // Read whole: line numbers are counted from byte offsets (`csv_line_at`).
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| FileProblem::Read(e.to_string()))?;
    let line_at = |p: &csv::Position| crate::text::csv_line_at(&bytes, p.byte());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Err(FileProblem::EmptyCsv),
        Some(Err(e)) => return Err(FileProblem::Read(e.to_string())),
        Some(Ok(h)) => h,
    };
    let found: Vec<&str> = header
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim())
        .collect();
    if found != CSV_HEADER {
        return Err(FileProblem::CsvHeader {
            found: found.join(","),
            expected: CSV_HEADER.join(","),
        });
    }
    let mut results = Vec::new();
    for (index, record) in records.enumerate() {
        let fallback = index as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(fallback, line_at);
                results.push((
                    line,
                    None,
                    Err(RecordProblem {
                        line,
                        column: None,
                        code: None,
                        field: "*".into(),
                        message: format!("không đọc được dòng / unreadable row: {e}"),
                    }),
                ));
                continue;
            }
        };
        let line = record.position().map_or(fallback, line_at);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let cells: Vec<&str> = record.iter().map(str::trim).collect();
        results.push((line, None, csv_record(&cells, line)));
    }
    mark_duplicates(&mut results);
    Ok(results.into_iter().map(|(_, _, r)| r).collect())
}

fn split_list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty())
}

fn csv_record(cells: &[&str], line: u64) -> Result<Procedure, RecordProblem> {
    let code_text = cells.first().copied().unwrap_or_default();
    let problem = |field: &str, message: String| RecordProblem {
        line,
        column: None,
        code: (!code_text.is_empty()).then(|| code_text.to_string()),
        field: field.to_string(),
        message,
    };
    if cells.len() != CSV_HEADER.len() {
        return Err(problem(
            "*",
            format!(
                "có {} cột, cần {} / {} columns, expected {}",
                cells.len(),
                CSV_HEADER.len(),
                cells.len(),
                CSV_HEADER.len()
            ),
        ));
    }
    let [code, name, levels, fields, online_level, time_limit, cutoff, fee, eids, components] =
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(|i| cells[i]);
    let code = ProcedureCode::parse(code).map_err(|e| problem("code", e.to_string()))?;
    if name.is_empty() {
        return Err(problem("name", "tên rỗng / empty name".into()));
    }
    let levels = split_list(levels)
        .map(|l| match l.to_ascii_lowercase().as_str() {
            "ministry" => Ok(ProcedureLevel::Ministry),
            "province" => Ok(ProcedureLevel::Province),
            "district" => Ok(ProcedureLevel::District),
            "commune" => Ok(ProcedureLevel::Commune),
            "other" => Ok(ProcedureLevel::Other),
            _ => Err(problem(
                "levels",
                format!("cấp {l:?} không rõ / unknown level {l:?} (ministry, province, district, commune, other)"),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let online_level = match online_level.to_ascii_lowercase().as_str() {
        "" | "none" => OnlineLevel::None,
        "partial" => OnlineLevel::Partial,
        "full" => OnlineLevel::Full,
        other => {
            return Err(problem(
                "online_level",
                format!(
                    "mức {other:?} không rõ / unknown online level {other:?} (full, partial, none)"
                ),
            ))
        }
    };
    let time_limit = if time_limit.is_empty() {
        None
    } else {
        Some(TimeLimit::parse(time_limit).map_err(|e| problem("time_limit", e.to_string()))?)
    };
    let cutoff_15h = match crate::text::fold(cutoff).as_str() {
        "" | "false" | "0" | "no" | "khong" => false,
        "true" | "1" | "yes" | "co" => true,
        _ => {
            return Err(problem(
                "cutoff_15h",
                format!("{cutoff:?} không phải đúng/sai / {cutoff:?} is not true/false"),
            ))
        }
    };
    let fee_vnd = if fee.is_empty() {
        None
    } else {
        Some(parse_vnd(fee).ok_or_else(|| {
            problem(
                "fee_vnd",
                format!("{fee:?} không phải số đồng / {fee:?} is not a whole number of đồng"),
            )
        })?)
    };
    let agency_eids = split_list(eids)
        .map(|e| AgencyEId::parse(e).map_err(|err| problem("agency_eids", err.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let components = split_list(components)
        .map(|c| parse_component(c).map_err(|m| problem("components", m)))
        .collect::<Result<Vec<_>, _>>()?;
    let channels = if time_limit.is_some() || fee_vnd.is_some() {
        vec![ChannelOption {
            channel: Channel::Counter,
            time_limit,
            time_limit_text: time_limit.map(|t| t.to_string()).unwrap_or_default(),
            fees: fee_vnd
                .map(|amount| {
                    vec![Fee {
                        amount_vnd: Some(amount),
                        text: format!("{amount} đồng"),
                    }]
                })
                .unwrap_or_default(),
            description: String::new(),
        }]
    } else {
        Vec::new()
    };
    Ok(Procedure {
        code,
        name: name.to_string(),
        decision: String::new(),
        levels,
        fields: split_list(fields).map(String::from).collect(),
        applicant_types: Vec::new(),
        competent_agency: String::new(),
        agency_eids,
        online_level,
        time_limit,
        cutoff_15h,
        channels,
        components,
        steps: String::new(),
        requirements: String::new(),
        results: Vec::new(),
        legal_bases: Vec::new(),
        source: String::new(),
    })
}

/// "8000", "8.000", "8,000", "8 000" → 8000. Groups after the first have three digits.
fn parse_vnd(text: &str) -> Option<u64> {
    let groups: Vec<&str> = text.split(['.', ',', ' ']).collect();
    let well_formed = groups
        .iter()
        .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        && groups.iter().skip(1).all(|g| g.len() == 3);
    if !well_formed {
        return None;
    }
    groups.concat().parse().ok()
}

/// "Tờ khai#1/0" → name "Tờ khai", 1 original, 0 copies; "Tờ khai" → 1 original.
fn parse_component(text: &str) -> Result<Component, String> {
    let (name, counts) = match text.rsplit_once('#') {
        Some((n, c)) => (n.trim(), Some(c.trim())),
        None => (text.trim(), None),
    };
    if name.is_empty() {
        return Err("giấy tờ không có tên / component without a name".into());
    }
    let (originals, copies) = match counts {
        None => (1, 0),
        Some(c) => {
            let parsed = c
                .split_once('/')
                .and_then(|(o, k)| Some((o.trim().parse().ok()?, k.trim().parse().ok()?)));
            parsed.ok_or_else(|| {
                format!("số lượng {c:?} phải dạng bản chính/bản sao, ví dụ 1/0 / count {c:?} must be originals/copies, e.g. 1/0")
            })?
        }
    };
    Ok(Component {
        name: name.to_string(),
        form_template: None,
        originals,
        copies,
        required: true,
        obtainable_from_data: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "code,name,levels,fields,online_level,time_limit,cutoff_15h,fee_vnd,agency_eids,components\n";

    #[test]
    fn csv_good_rows() {
        let text = format!(
            "{HEADER}1.001193,Đăng ký khai sinh,commune,Hộ tịch,partial,3 ngày làm việc,true,8.000,000.00.04.H40;000.21.30.H40,\"Tờ khai#1/0;Giấy chứng sinh#0/1\"\n\
             \n\
             2.000635,Cấp bản sao trích lục,province;commune,,,,,,,\n"
        );
        let rows = parse_catalog_csv(text.as_bytes()).expect("header ok");
        let procs = all_or_nothing(rows).expect("all good");
        assert_eq!(procs.len(), 2);
        let p = &procs[0];
        assert_eq!(p.levels, vec![ProcedureLevel::Commune]);
        assert_eq!(p.online_level, OnlineLevel::Partial);
        assert_eq!(
            p.time_limit,
            Some(TimeLimit::new(300, TimeUnit::WorkingDays))
        );
        assert!(p.cutoff_15h);
        assert_eq!(p.channels[0].fees[0].amount_vnd, Some(8000));
        assert_eq!(p.agency_eids.len(), 2);
        assert_eq!(p.components[1].name, "Giấy chứng sinh");
        assert_eq!((p.components[1].originals, p.components[1].copies), (0, 1));
        let q = &procs[1];
        assert_eq!(q.online_level, OnlineLevel::None);
        assert!(q.channels.is_empty() && q.time_limit.is_none() && !q.cutoff_15h);
    }

    #[test]
    fn csv_problems_name_line_and_field() {
        let text = format!(
            "{HEADER}1.001193,A,commune,,,,,,,\n\
             1.00119,B,,,,,,,,\n\
             1.000001,C,village,,,,,,,\n\
             1.000002,D,,,,3 tuần,,,,\n\
             1.000003,E,,,,,,8.00,,\n\
             1.000004,F,,,,,,,000.00.04.h40,\n\
             1.000005,G,,,,,,,,Tờ khai#một\n\
             1.000006,H,,,\n\
             1.001193,I,,,,,,,,\n\
             1.000007,J,,,maybe,,,,,\n\
             1.000008,K,,,,,perhaps,,,\n"
        );
        let rows = parse_catalog_csv(text.as_bytes()).expect("header ok");
        let got: Vec<(u64, String)> = rows
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|p| (p.line, p.field.clone()))
            .collect();
        let want: Vec<(u64, String)> = [
            (3, "code"),
            (4, "levels"),
            (5, "time_limit"),
            (6, "fee_vnd"),
            (7, "agency_eids"),
            (8, "components"),
            (9, "*"),
            (10, "code"),
            (11, "online_level"),
            (12, "cutoff_15h"),
        ]
        .into_iter()
        .map(|(l, f)| (l, f.to_string()))
        .collect();
        assert_eq!(got, want);
        let dup = rows[8].as_ref().expect_err("duplicate");
        assert!(dup.to_string().contains("first at line 2"), "{dup}");
        assert!(dup.to_string().contains("line 10"), "{dup}");
        assert_eq!(all_or_nothing(rows).expect_err("some bad").len(), 10);
    }

    #[test]
    fn csv_wrong_header_lists_the_expected_one() {
        let err = parse_catalog_csv("code,name\n1.001193,A\n".as_bytes()).expect_err("bad header");
        assert!(err.to_string().contains(HEADER.trim_end()), "{err}");
        assert_eq!(parse_catalog_csv("".as_bytes()), Err(FileProblem::EmptyCsv));
    }

    #[test]
    fn json_array_and_object_forms() {
        let array = r#"[
  {"code": "1.001193", "name": "Đăng ký khai sinh", "levels": ["commune"],
   "time_limit": {"hundredths": 300, "unit": "working_days"}},
  {"code": "2.000635", "name": "Cấp bản sao trích lục hộ tịch"}
]"#;
        let procs = all_or_nothing(parse_catalog_json_str(array).expect("json")).expect("ok");
        assert_eq!(procs.len(), 2);
        let object = format!(r#"{{"version": 1, "procedures": {array}}}"#);
        let again =
            all_or_nothing(parse_catalog_json(object.as_bytes()).expect("json")).expect("ok");
        assert_eq!(procs, again);
        // A procedure written by tinhso reads back equal.
        let written = serde_json::to_string(&procs).expect("serialize");
        let back = all_or_nothing(parse_catalog_json_str(&written).expect("json")).expect("ok");
        assert_eq!(back, procs);
    }

    #[test]
    fn json_problems_name_line_column_and_field() {
        let text = "{\"procedures\": [\n  {\"code\": \"1.001193\", \"name\": \"A\"},\n  {\"code\": \"1.00119\", \"name\": \"B\"},\n    {\"code\": \"1.000001\", \"name\": \"C\", \"levels\": [\"village\"]},\n  {\"code\": \"1.000002\", \"nmae\": \"D\"},\n  {\"code\": \"1.000003\"},\n  {\"code\": \"1.001193\", \"name\": \"A again\"},\n  [1, 2]\n]}";
        let rows = parse_catalog_json_str(text).expect("syntax ok");
        let got: Vec<(u64, Option<u64>, String)> = rows
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|p| (p.line, p.column, p.field.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, Some(3), "code".to_string()),
                (4, Some(5), "levels".to_string()),
                (5, Some(3), "nmae".to_string()),
                (6, Some(3), "name".to_string()),
                (7, Some(3), "code".to_string()),
                (8, Some(3), "*".to_string()),
            ]
        );
        assert!(rows[5]
            .as_ref()
            .expect_err("dup")
            .message
            .contains("first at line 2"));
    }

    #[test]
    fn json_time_limits_over_the_parse_bound_are_problems() {
        // docs/FUZZING.md finding 6: 4294967295 hundredths took 16 s per due date.
        let text = r#"[{"code":"1.000001","name":"x","time_limit":{"hundredths":4294967295,"unit":"working_days"}}]"#;
        let rows = parse_catalog_json_str(text).expect("syntax ok");
        let problem = rows[0].as_ref().expect_err("refused");
        assert!(problem.to_string().contains("time_limit"), "{problem}");
    }

    #[test]
    fn json_syntax_and_shape_errors() {
        match parse_catalog_json_str("[\n {\"code\": \"1.001193\",,}\n]") {
            Err(FileProblem::JsonSyntax { line, column, .. }) => {
                assert_eq!((line, column), (2, 22))
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
        assert_eq!(
            parse_catalog_json_str("{\"items\": []}"),
            Err(FileProblem::NotACatalog)
        );
        assert_eq!(parse_catalog_json_str("42"), Err(FileProblem::NotACatalog));
    }

    #[test]
    fn record_starts_skip_strings_and_nesting() {
        let text = "{\"a\": \"[,{\", \"procedures\": [ {\"x\": [1, {\"y\": 2}]},\n{}, \"s,]\"]}";
        assert_eq!(record_starts(text), vec![(1, 30), (2, 1), (2, 5)]);
    }
}
