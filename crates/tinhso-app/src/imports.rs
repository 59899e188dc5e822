//! File imports: units, agencies, calendar entries, procedures.
//!
//! Every import is **all-or-nothing**: the whole file is parsed first; if any record is bad the
//! import is refused with every problem named by file, line and field, and nothing is written.
//! With [`ImportOptions::skip_bad`] the good records are written and the bad ones reported.
//! Writing is one store transaction, so a failure half-way leaves nothing either.

use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::Serialize;
use tinhso_domain::calendar::{CalendarDay, DayKind};
use tinhso_domain::catalog::Procedure;
use tinhso_domain::text::csv_line_at;
use tinhso_store::{StoreError, VersionOutcome, WriteCounts};

use crate::{App, ProgressSink};

/// How an import treats bad records.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Import the good records and report the bad ones, instead of refusing the file.
    pub skip_bad: bool,
}

/// One problem in an input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    /// 1-based line number, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The record's key (procedure code, unit code…), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(r) = &self.record {
            write!(f, " [{r}]")?;
        }
        if let Some(field) = &self.field {
            write!(f, " {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("không đọc được tệp {file} / cannot read {file}: {message}")]
    Read { file: String, message: String },
    #[error("{}", rejected_message(.file, .problems, *.records))]
    Rejected {
        file: String,
        records: u64,
        problems: Vec<Problem>,
    },
    #[error("lỗi CSDL, không có gì được ghi / database error, nothing was written: {0}")]
    Store(#[from] StoreError),
}

fn rejected_message(file: &str, problems: &[Problem], records: u64) -> String {
    let mut s = format!(
        "tệp {file} có {n} bản ghi lỗi trên {records}; không có gì được ghi (dùng --skip-bad để bỏ qua bản ghi lỗi)\n\
         {file}: {n} bad record(s) of {records}; nothing was written (use --skip-bad to import the good ones)",
        n = problems.len()
    );
    for p in problems.iter().take(20) {
        s.push_str("\n  ");
        s.push_str(&p.to_string());
    }
    if problems.len() > 20 {
        s.push_str(&format!(
            "\n  … và {} lỗi khác / and {} more",
            problems.len() - 20,
            problems.len() - 20
        ));
    }
    s
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub file: String,
    pub what: &'static str,
    pub records: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Bad records left out (only with `skip_bad`).
    pub skipped: Vec<Problem>,
    /// Parts of imported records that could not be parsed (the raw text is kept).
    pub warnings: Vec<Problem>,
}

impl ImportReport {
    pub(crate) fn add_counts(&mut self, c: WriteCounts) {
        self.inserted += c.inserted;
        self.updated += c.updated;
        self.unchanged += c.unchanged;
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{file}: {n} {what} — mới / new {i}, cập nhật / updated {u}, không đổi / unchanged {c}, bỏ qua / skipped {s}, cảnh báo / warnings {w}",
            file = self.file,
            n = self.records,
            what = self.what,
            i = self.inserted,
            u = self.updated,
            c = self.unchanged,
            s = self.skipped.len(),
            w = self.warnings.len(),
        )?;
        for p in self.skipped.iter().take(10) {
            writeln!(f, "  bỏ qua / skipped: {p}")?;
        }
        if !self.warnings.is_empty() {
            let mut kinds: std::collections::BTreeMap<&str, usize> = Default::default();
            for w in &self.warnings {
                *kinds.entry(w.field.as_deref().unwrap_or("?")).or_default() += 1;
            }
            write!(f, "  cảnh báo theo trường / warnings by field:")?;
            for (k, n) in kinds {
                write!(f, " {k}={n}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// Splits parsed records into good ones and problems, applying the all-or-nothing rule.
pub(crate) fn settle<T>(
    file: &str,
    parsed: Vec<Result<T, Problem>>,
    opts: ImportOptions,
) -> Result<(Vec<T>, Vec<Problem>), ImportError> {
    let records = parsed.len() as u64;
    let mut good = Vec::with_capacity(parsed.len());
    let mut bad = Vec::new();
    for r in parsed {
        match r {
            Ok(t) => good.push(t),
            Err(p) => bad.push(p),
        }
    }
    if !bad.is_empty() && !opts.skip_bad {
        return Err(ImportError::Rejected {
            file: file.to_string(),
            records,
            problems: bad,
        });
    }
    Ok((good, bad))
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, ImportError> {
    let file = path.display().to_string();
    let mut bytes = std::fs::read(path).map_err(|e| ImportError::Read {
        file: file.clone(),
        message: e.to_string(),
    })?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|e| ImportError::Read {
                file,
                message: format!("gzip: {e}"),
            })?;
        bytes = out;
    }
    Ok(bytes)
}

/// Reads a file (gunzipping `.gz`) as UTF-8 text, with its display name.
pub(crate) fn read_text(path: &Path) -> Result<(String, String), ImportError> {
    let file = path.display().to_string();
    let text = utf8(&file, read_file(path)?)?;
    Ok((file, text))
}

fn utf8(file: &str, bytes: Vec<u8>) -> Result<String, ImportError> {
    String::from_utf8(bytes).map_err(|e| ImportError::Read {
        file: file.to_string(),
        message: format!(
            "không phải UTF-8 / not UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// Parses a calendar CSV: header `date,kind,name`; kind `holiday` or `working_day`
/// (Vietnamese `nghi` / `lam_bu` accepted too).
pub fn parse_calendar_csv(
    file: &str,
    text: &str,
) -> Result<Vec<Result<CalendarDay, Problem>>, ImportError> {
    let problem = |line: Option<u64>, field: Option<&str>, message: String| Problem {
        file: file.to_string(),
        line,
        record: None,
        field: field.map(str::to_string),
        message,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| ImportError::Read {
            file: file.to_string(),
            message: e.to_string(),
        })?
        .clone();
    let expected = ["date", "kind", "name"];
    if header.iter().collect::<Vec<_>>() != expected {
        return Err(ImportError::Rejected {
            file: file.to_string(),
            records: 0,
            problems: vec![problem(
                Some(1),
                None,
                format!(
                    "tiêu đề sai, cần `date,kind,name` / wrong header {:?}, expected `date,kind,name`",
                    header.iter().collect::<Vec<_>>().join(",")
                ),
            )],
        });
    }
    let mut out = Vec::new();
    let mut seen: std::collections::HashMap<jiff::civil::Date, u64> = Default::default();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| csv_line_at(text.as_bytes(), p.byte()));
                out.push(Err(problem(line, None, e.to_string())));
                continue;
            }
        };
        let line = rec
            .position()
            .map(|p| csv_line_at(text.as_bytes(), p.byte()));
        if rec.len() != 3 {
            out.push(Err(problem(
                line,
                None,
                format!("cần 3 cột / expected 3 columns, found {}", rec.len()),
            )));
            continue;
        }
        let date = match rec[0].parse::<jiff::civil::Date>() {
            Ok(d) => d,
            Err(e) => {
                out.push(Err(problem(
                    line,
                    Some("date"),
                    format!("ngày không hợp lệ / invalid date {:?}: {e}", &rec[0]),
                )));
                continue;
            }
        };
        let kind = match &rec[1] {
            "holiday" | "nghi" => DayKind::Holiday,
            "working_day" | "lam_bu" => DayKind::WorkingDay,
            other => {
                out.push(Err(problem(
                    line,
                    Some("kind"),
                    format!("loại ngày phải là holiday hoặc working_day / kind must be holiday or working_day, found {other:?}"),
                )));
                continue;
            }
        };
        if rec[2].is_empty() {
            out.push(Err(problem(
                line,
                Some("name"),
                "thiếu tên ngày / the name is empty".into(),
            )));
            continue;
        }
        if let Some(first) = seen.insert(date, line.unwrap_or(0)) {
            out.push(Err(problem(
                line,
                Some("date"),
                format!("ngày {date} trùng với dòng {first} / duplicate of line {first}"),
            )));
            continue;
        }
        out.push(Ok(CalendarDay {
            date,
            kind,
            name: rec[2].to_string(),
        }));
    }
    Ok(out)
}

impl App {
    /// Imports dated calendar entries (CSV `date,kind,name`).
    pub async fn import_calendar(
        &self,
        path: &Path,
        opts: ImportOptions,
        progress: &dyn ProgressSink,
    ) -> Result<ImportReport, ImportError> {
        let (file, text) = read_text(path)?;
        self.import_calendar_text(&file, &text, opts, progress)
            .await
    }

    /// [`App::import_calendar`] on text already read; `file` labels problems.
    pub async fn import_calendar_text(
        &self,
        file: &str,
        text: &str,
        opts: ImportOptions,
        progress: &dyn ProgressSink,
    ) -> Result<ImportReport, ImportError> {
        progress.phase("đọc lịch / reading calendar", None);
        let parsed = parse_calendar_csv(file, text)?;
        let records = parsed.len() as u64;
        let (days, skipped) = settle(file, parsed, opts)?;
        let counts = self.store.upsert_calendar_days(&days).await?;
        self.refresh_calendar().await?;
        progress.finish();
        let mut report = ImportReport {
            file: file.to_string(),
            what: "ngày lịch / calendar entries",
            records,
            skipped,
            ..Default::default()
        };
        report.add_counts(counts);
        Ok(report)
    }

    /// Records procedures as versions (shared by every catalog format).
    pub(crate) async fn record_procedures(
        &self,
        procedures: &[Procedure],
        progress: &dyn ProgressSink,
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        progress.phase(
            "ghi thủ tục / writing procedures",
            Some(procedures.len() as u64),
        );
        let cb = |n: u64| progress.set(n);
        let outcomes = self
            .store
            .record_procedures(procedures, self.clock.now(), &cb)
            .await?;
        for o in outcomes {
            match o {
                VersionOutcome::Created { .. } => report.inserted += 1,
                VersionOutcome::NewVersion { .. } => report.updated += 1,
                VersionOutcome::Unchanged { .. } => report.unchanged += 1,
            }
        }
        self.catalog.refresh(self.store.as_ref()).await?;
        progress.finish();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_csv_good_and_bad() {
        let ok = "date,kind,name\n2026-11-24,holiday,Ngày Văn hóa Việt Nam\n2026-01-10,working_day,Làm bù\n";
        let rows = parse_calendar_csv("c.csv", ok).unwrap();
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(Result::is_ok));

        let bad = "date,kind,name\n2026-02-30,holiday,X\n2026-03-01,vacation,Y\n2026-03-02,holiday,\n2026-03-03,holiday,A\n2026-03-03,holiday,B\n";
        let rows = parse_calendar_csv("c.csv", bad).unwrap();
        let problems: Vec<_> = rows.into_iter().filter_map(Result::err).collect();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert_eq!(problems[0].line, Some(2));
        assert_eq!(problems[0].field.as_deref(), Some("date"));
        assert_eq!(problems[1].field.as_deref(), Some("kind"));
        assert_eq!(problems[2].field.as_deref(), Some("name"));
        assert!(problems[3].message.contains("line 5"), "{}", problems[3]);
    }

    #[test]
    fn calendar_csv_lines_are_the_same_with_crlf_and_cr_ends() {
        // FUZZING.md finding 1: a CRLF file (Excel, Windows) used to report line - 1.
        let lf = "date,kind,name\n2026-01-01,holiday\n\n2026-02-30,holiday,X\n\"2026-03-01\",vacation,\"a\nb\"\n2026-03-02,holiday,\n";
        let lines = |text: &str| -> Vec<Option<u64>> {
            parse_calendar_csv("c.csv", text)
                .unwrap()
                .into_iter()
                .filter_map(Result::err)
                .map(|p| p.line)
                .collect()
        };
        let expected = vec![Some(2), Some(4), Some(5), Some(7)];
        assert_eq!(lines(lf), expected);
        assert_eq!(lines(&lf.replace('\n', "\r\n")), expected);
        assert_eq!(lines(&lf.replace('\n', "\r")), expected);
    }

    #[test]
    fn calendar_csv_wrong_header_is_refused() {
        let err =
            parse_calendar_csv("c.csv", "day,type,label\n2026-01-01,holiday,x\n").unwrap_err();
        assert!(err.to_string().contains("date,kind,name"), "{err}");
    }

    #[test]
    fn settle_is_all_or_nothing_unless_skipping() {
        let p = Problem {
            file: "f".into(),
            line: Some(3),
            record: None,
            field: Some("x".into()),
            message: "bad".into(),
        };
        let parsed = vec![Ok(1), Err(p.clone()), Ok(3)];
        assert!(matches!(
            settle("f", parsed.clone(), ImportOptions::default()),
            Err(ImportError::Rejected { .. })
        ));
        let (good, bad) = settle("f", parsed, ImportOptions { skip_bad: true }).unwrap();
        assert_eq!(good, vec![1, 3]);
        assert_eq!(bad, vec![p]);
    }
}

/// The catalog formats `import procedures` understands, chosen by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogFormat {
    /// The national portal's published records, one JSON object a line (`.jsonl`, `.jsonl.gz`).
    NationalJsonl,
    /// The project's JSON (`.json`): an array of procedures or `{"procedures": [...]}`.
    ProjectJson,
    /// The project's CSV (`.csv`).
    ProjectCsv,
}

impl CatalogFormat {
    pub fn from_path(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_string_lossy().to_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
            Some(Self::NationalJsonl)
        } else if name.ends_with(".json") {
            Some(Self::ProjectJson)
        } else if name.ends_with(".csv") {
            Some(Self::ProjectCsv)
        } else {
            None
        }
    }
}

/// Parses national-portal JSONL: bad lines are problems; unparsed parts of good records are
/// warnings (their raw text kept in the report).
pub fn parse_national_jsonl(
    file: &str,
    text: &str,
    warnings: &mut Vec<Problem>,
) -> Vec<Result<Procedure, Problem>> {
    use tinhso_domain::catalog::dvcqg::{parse_record, RecordError};
    let mut out = Vec::new();
    let mut seen: std::collections::HashMap<String, u64> = Default::default();
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        match parse_record(line) {
            Ok(parsed) => {
                let code = parsed.procedure.code.to_string();
                for issue in parsed.issues {
                    let raw: String = issue.raw.chars().take(200).collect();
                    warnings.push(Problem {
                        file: file.to_string(),
                        line: Some(n),
                        record: Some(code.clone()),
                        field: Some(issue.field.to_string()),
                        message: format!("{} ({}): {raw:?}", issue.message, issue.kind),
                    });
                }
                if let Some(first) = seen.insert(code.clone(), n) {
                    out.push(Err(Problem {
                        file: file.to_string(),
                        line: Some(n),
                        record: Some(code),
                        field: Some("ma_thu_tuc".into()),
                        message: format!("mã thủ tục trùng với dòng {first} / duplicate code, first on line {first}"),
                    }));
                } else {
                    out.push(Ok(parsed.procedure));
                }
            }
            Err(e) => {
                let field = match &e {
                    RecordError::NotJson(_) => None,
                    RecordError::MissingField { field }
                    | RecordError::InvalidField { field, .. } => Some(field.to_string()),
                };
                out.push(Err(Problem {
                    file: file.to_string(),
                    line: Some(n),
                    record: None,
                    field,
                    message: e.to_string(),
                }));
            }
        }
    }
    out
}

impl App {
    /// Imports a procedure catalog in any supported format (see [`CatalogFormat`]).
    pub async fn import_procedures(
        &self,
        path: &Path,
        opts: ImportOptions,
        progress: &dyn ProgressSink,
    ) -> Result<ImportReport, ImportError> {
        let (file, text) = read_text(path)?;
        self.import_procedures_text(&file, &text, opts, progress)
            .await
    }

    /// [`App::import_procedures`] on text already read; the format is chosen from `file`'s name.
    pub async fn import_procedures_text(
        &self,
        file: &str,
        text: &str,
        opts: ImportOptions,
        progress: &dyn ProgressSink,
    ) -> Result<ImportReport, ImportError> {
        let format = CatalogFormat::from_path(Path::new(file)).ok_or_else(|| ImportError::Read {
            file: file.to_string(),
            message: "không rõ định dạng: dùng .json, .csv hoặc .jsonl[.gz] / unknown format: use .json, .csv or .jsonl[.gz]".into(),
        })?;
        progress.phase("đọc thủ tục / reading procedures", None);
        let mut warnings = Vec::new();
        let parsed = match format {
            CatalogFormat::NationalJsonl => parse_national_jsonl(file, text, &mut warnings),
            CatalogFormat::ProjectJson => crate::formats::parse_project_json(file, text)?,
            CatalogFormat::ProjectCsv => crate::formats::parse_project_csv(file, text)?,
        };
        let records = parsed.len() as u64;
        let (procedures, skipped) = settle(file, parsed, opts)?;
        let mut report = ImportReport {
            file: file.to_string(),
            what: "thủ tục / procedures",
            records,
            skipped,
            warnings,
            ..Default::default()
        };
        self.record_procedures(&procedures, progress, &mut report)
            .await?;
        Ok(report)
    }
}

impl App {
    /// Imports agencies (JSON array).
    pub async fn import_agencies(
        &self,
        path: &Path,
        opts: ImportOptions,
        progress: &dyn ProgressSink,
    ) -> Result<ImportReport, ImportError> {
        let (file, text) = read_text(path)?;
        self.import_agencies_text(&file, &text, opts, progress)
            .await
    }

    /// [`App::import_agencies`] on text already read.
    pub async fn import_agencies_text(
        &self,
        file: &str,
        text: &str,
        opts: ImportOptions,
        progress: &dyn ProgressSink,
    ) -> Result<ImportReport, ImportError> {
        progress.phase("đọc cơ quan / reading agencies", None);
        let stored = self.store.agencies().await?;
        let parsed = crate::formats::parse_agencies_json(file, text, &stored)?;
        let records = parsed.len() as u64;
        let (agencies, skipped) = settle(file, parsed, opts)?;
        let counts = self.store.upsert_agencies(&agencies).await?;
        progress.finish();
        let mut report = ImportReport {
            file: file.to_string(),
            what: "cơ quan / agencies",
            records,
            skipped,
            ..Default::default()
        };
        report.add_counts(counts);
        Ok(report)
    }
}

impl App {
    /// Imports administrative units, in any of the three CSV formats (detected by header).
    pub async fn import_units(
        &self,
        path: &Path,
        opts: ImportOptions,
        progress: &dyn ProgressSink,
    ) -> Result<ImportReport, ImportError> {
        let (file, text) = read_text(path)?;
        self.import_units_text(&file, &text, opts, progress).await
    }

    /// [`App::import_units`] on text already read.
    pub async fn import_units_text(
        &self,
        file: &str,
        text: &str,
        opts: ImportOptions,
        progress: &dyn ProgressSink,
    ) -> Result<ImportReport, ImportError> {
        progress.phase("đọc đơn vị hành chính / reading units", None);
        let parsed = crate::formats::parse_units(file, text)?;
        if !parsed.problems.is_empty() && !opts.skip_bad {
            return Err(ImportError::Rejected {
                file: file.to_string(),
                records: parsed.rows,
                problems: parsed.problems,
            });
        }
        let mut report = ImportReport {
            file: file.to_string(),
            what: "dòng đơn vị hành chính / unit rows",
            records: parsed.rows,
            skipped: parsed.problems,
            ..Default::default()
        };
        let cb = |n: u64| progress.set(n);
        if !parsed.units.is_empty() {
            progress.phase(
                "ghi đơn vị / writing units",
                Some(parsed.units.len() as u64),
            );
            report.add_counts(self.store.upsert_units(&parsed.units, &cb).await?);
        }
        if !parsed.successions.is_empty() {
            progress.phase(
                "ghi kế thừa / writing successions",
                Some(parsed.successions.len() as u64),
            );
            report.add_counts(
                self.store
                    .upsert_successions(&parsed.successions, &cb)
                    .await?,
            );
        }
        progress.finish();
        Ok(report)
    }
}

impl App {
    /// Imports a workflow definition (JSON). It must validate (every problem is listed) and
    /// carry the next version number for its procedure; earlier versions are never altered, and
    /// dossiers stay pinned to the version they were accepted under.
    pub async fn import_workflow(
        &self,
        path: &Path,
    ) -> Result<tinhso_domain::dossier::WorkflowDefinition, ImportError> {
        let (file, text) = read_text(path)?;
        let reject = |message: String| ImportError::Rejected {
            file: file.clone(),
            records: 1,
            problems: vec![Problem {
                file: file.clone(),
                line: None,
                record: None,
                field: None,
                message,
            }],
        };
        let def = tinhso_domain::dossier::WorkflowDefinition::from_json(&text)
            .map_err(|e| reject(e.to_string()))?;
        let problems = def.validate();
        if !problems.is_empty() {
            return Err(ImportError::Rejected {
                file: file.clone(),
                records: 1,
                problems: problems
                    .iter()
                    .map(|p| Problem {
                        file: file.clone(),
                        line: None,
                        record: Some(def.procedure_code.to_string()),
                        field: Some(p.code().to_string()),
                        message: p.to_string(),
                    })
                    .collect(),
            });
        }
        if self.store.procedure(&def.procedure_code).await?.is_none() {
            return Err(reject(format!(
                "không có thủ tục {} trong danh mục / no procedure {} in the catalog",
                def.procedure_code, def.procedure_code
            )));
        }
        self.store.add_workflow(&def, self.clock.now()).await.map_err(|e| match e {
            StoreError::Conflict(m) => reject(format!(
                "phiên bản phải là phiên bản mới nhất + 1 / the version must be the latest + 1 ({m})"
            )),
            other => ImportError::Store(other),
        })?;
        Ok(def)
    }
}
