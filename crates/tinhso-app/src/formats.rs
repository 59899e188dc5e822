//! Adapters from the domain's pure parsers to import [`Problem`]s, for the formats the
//! import commands accept: administrative units (CSV), agencies (JSON), the project's own
//! catalog (JSON, CSV).

use tinhso_domain::agency::Agency;

use crate::imports::{ImportError, Problem};

fn problem(
    file: &str,
    line: Option<u64>,
    record: Option<String>,
    field: Option<String>,
    message: String,
) -> Problem {
    Problem {
        file: file.to_string(),
        line,
        record,
        field,
        message,
    }
}

/// Agencies: a JSON array of [`Agency`]. Each element is decoded on its own (so every bad one is
/// named), then the whole tree — the file's agencies over those already stored — is checked by
/// the domain (validity periods, unknown parent or successor, duplicates, cycles).
pub fn parse_agencies_json(
    file: &str,
    text: &str,
    already_stored: &[Agency],
) -> Result<Vec<Result<Agency, Problem>>, ImportError> {
    use tinhso_domain::agency::{validate_agency_tree, AgencyProblem};
    let values: Vec<serde_json::Value> =
        serde_json::from_str(text).map_err(|e| ImportError::Rejected {
            file: file.to_string(),
            records: 0,
            problems: vec![problem(
                file,
                Some(e.line() as u64),
                None,
                None,
                format!(
                    "JSON không hợp lệ (cột {}) / invalid JSON (column {}): {e}",
                    e.column(),
                    e.column()
                ),
            )],
        })?;
    let mut out: Vec<Result<Agency, Problem>> = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let key = v
                .get("eid")
                .and_then(|e| e.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| format!("#{}", i + 1));
            serde_json::from_value::<Agency>(v)
                .map_err(|e| problem(file, None, Some(key), None, e.to_string()))
        })
        .collect();
    // The tree as it would be after the import: stored agencies, replaced by the file's.
    let in_file: std::collections::HashSet<String> = out
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|a| a.eid.to_string())
        .collect();
    let mut tree: Vec<Agency> = already_stored
        .iter()
        .filter(|a| !in_file.contains(a.eid.as_str()))
        .cloned()
        .collect();
    tree.extend(out.iter().filter_map(|r| r.as_ref().ok()).cloned());
    for p in validate_agency_tree(&tree) {
        let culprits: Vec<String> = match &p {
            AgencyProblem::EndsBeforeStart { eid, .. }
            | AgencyProblem::SuccessorWhileInForce { eid }
            | AgencyProblem::OwnSuccessor { eid }
            | AgencyProblem::OwnParent { eid }
            | AgencyProblem::Duplicate { eid }
            | AgencyProblem::UnknownParent { eid, .. }
            | AgencyProblem::UnknownSuccessor { eid, .. } => vec![eid.to_string()],
            AgencyProblem::ParentCycle { path } | AgencyProblem::SuccessorCycle { path } => {
                path.iter().map(|e| e.to_string()).collect()
            }
        };
        let message = p.to_string();
        let mut marked = false;
        for r in out.iter_mut() {
            let hit = matches!(r, Ok(a) if culprits.iter().any(|c| c == a.eid.as_str()));
            if hit && !marked {
                let eid = r.as_ref().map(|a| a.eid.to_string()).ok();
                *r = Err(problem(file, None, eid, None, message.clone()));
                marked = true;
            }
        }
    }
    Ok(out)
}

fn record_problem(file: &str, p: tinhso_domain::catalog::files::RecordProblem) -> Problem {
    let message = match p.column {
        Some(c) => format!("(cột / column {c}) {}", p.message),
        None => p.message,
    };
    problem(file, Some(p.line), p.code, Some(p.field), message)
}

fn file_problem(file: &str, p: tinhso_domain::catalog::files::FileProblem) -> ImportError {
    use tinhso_domain::catalog::files::FileProblem;
    let line = match &p {
        FileProblem::JsonSyntax { line, .. } => Some(*line as u64),
        FileProblem::CsvHeader { .. } => Some(1),
        _ => None,
    };
    ImportError::Rejected {
        file: file.to_string(),
        records: 0,
        problems: vec![problem(file, line, None, None, p.to_string())],
    }
}

type Parsed<T> = Result<Vec<Result<T, Problem>>, ImportError>;

/// The project's JSON catalog.
pub fn parse_project_json(file: &str, text: &str) -> Parsed<tinhso_domain::catalog::Procedure> {
    let rows = tinhso_domain::catalog::files::parse_catalog_json_str(text)
        .map_err(|p| file_problem(file, p))?;
    Ok(rows
        .into_iter()
        .map(|r| r.map_err(|p| record_problem(file, p)))
        .collect())
}

/// The project's CSV catalog.
pub fn parse_project_csv(file: &str, text: &str) -> Parsed<tinhso_domain::catalog::Procedure> {
    let rows = tinhso_domain::catalog::files::parse_catalog_csv(text.as_bytes())
        .map_err(|p| file_problem(file, p))?;
    Ok(rows
        .into_iter()
        .map(|r| r.map_err(|p| record_problem(file, p)))
        .collect())
}

/// An administrative-unit CSV file (any of the three formats), parsed: the good rows and the
/// problems of the bad ones.
pub struct UnitsParsed {
    pub units: Vec<tinhso_domain::units::AdminUnit>,
    pub successions: Vec<tinhso_domain::units::Succession>,
    pub problems: Vec<Problem>,
    pub rows: u64,
}

pub fn parse_units(file: &str, text: &str) -> Result<UnitsParsed, ImportError> {
    let parsed = tinhso_domain::units::parse::parse_units_csv(text.as_bytes()).map_err(|e| {
        ImportError::Rejected {
            file: file.to_string(),
            records: 0,
            problems: vec![problem(file, Some(1), None, None, e.to_string())],
        }
    })?;
    let problems: Vec<Problem> = parsed
        .problems
        .into_iter()
        .map(|p| {
            problem(
                file,
                Some(p.line),
                None,
                Some(p.field.to_string()),
                format!("{} / {}", p.message_vi, p.message_en),
            )
        })
        .collect();
    let rows = text.lines().count().saturating_sub(1) as u64;
    Ok(UnitsParsed {
        units: parsed.units,
        successions: parsed.successions,
        problems,
        rows,
    })
}
