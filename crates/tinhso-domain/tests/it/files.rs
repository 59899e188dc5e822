use tinhso_domain::catalog::dvcqg::parse_record;
use tinhso_domain::catalog::files::{all_or_nothing, parse_catalog_csv, parse_catalog_json};

use crate::fixture;

#[test]
fn csv_fixture_skip_and_report() {
    let file = std::fs::File::open(fixture("catalog.csv")).expect("fixture");
    let rows = parse_catalog_csv(file).expect("header ok");
    assert_eq!(rows.len(), 3);
    assert!(rows[0].is_ok() && rows[1].is_ok());
    // "0,5 ngày làm việc" unquoted splits into two columns: the row is refused, with its line.
    let bad = rows[2].as_ref().expect_err("unquoted comma");
    assert_eq!((bad.line, bad.field.as_str()), (4, "*"));
    assert_eq!(bad.code.as_deref(), Some("1.000656"));
    let problems = all_or_nothing(rows).expect_err("all-or-nothing refuses the file");
    assert_eq!(problems.len(), 1);
}

#[test]
fn csv_lines_are_the_same_with_crlf_ends() {
    // FUZZING.md finding 1: files saved on Windows or by Excel end lines with CRLF.
    let lf = std::fs::read_to_string(fixture("catalog.csv")).expect("fixture");
    assert!(!lf.contains('\r'));
    for text in [lf.clone(), lf.replace('\n', "\r\n"), lf.replace('\n', "\r")] {
        let rows = parse_catalog_csv(text.as_bytes()).expect("header ok");
        let bad = rows[2].as_ref().expect_err("unquoted comma");
        assert_eq!(bad.line, 4, "{text:?}");
    }
}

#[test]
fn portal_records_round_trip_through_the_json_format() {
    let text = std::fs::read_to_string(fixture("dvcqg-sample.jsonl")).expect("fixture");
    let procedures: Vec<_> = text
        .lines()
        .filter_map(|l| parse_record(l).ok())
        .map(|r| r.procedure)
        .collect();
    assert_eq!(procedures.len(), 3);
    let json = serde_json::to_string_pretty(&serde_json::json!({ "procedures": procedures }))
        .expect("serialize");
    let back = all_or_nothing(parse_catalog_json(json.as_bytes()).expect("json")).expect("valid");
    assert_eq!(back, procedures);
}
