use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};

use tinhso_domain::calendar::TimeUnit;
use tinhso_domain::catalog::dvcqg::{parse_record, ParsedRecord};
use tinhso_domain::catalog::{Channel, OnlineLevel};

use crate::{fixture, shared_data};

#[test]
fn real_portal_records_measured() {
    let Some(path) = shared_data("procedures/procedures-dvcqg-2642.jsonl.gz") else {
        return;
    };
    let file = std::fs::File::open(&path).expect("open the gzipped records");
    let reader = BufReader::new(flate2::read::GzDecoder::new(file));
    let mut parsed: Vec<ParsedRecord> = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line.expect("read a line");
        match parse_record(&line) {
            Ok(r) => parsed.push(r),
            Err(e) => errors.push((n + 1, e)),
        }
    }
    let total = parsed.len() + errors.len();
    let with_time = parsed
        .iter()
        .filter(|r| r.procedure.time_limit.is_some())
        .count();
    let with_channels = parsed
        .iter()
        .filter(|r| !r.procedure.channels.is_empty())
        .count();
    let with_components = parsed
        .iter()
        .filter(|r| !r.procedure.components.is_empty())
        .count();
    let with_legal = parsed
        .iter()
        .filter(|r| !r.procedure.legal_bases.is_empty())
        .count();
    let with_results = parsed
        .iter()
        .filter(|r| !r.procedure.results.is_empty())
        .count();
    let with_fee_amount = parsed
        .iter()
        .filter(|r| {
            r.procedure
                .channels
                .iter()
                .flat_map(|c| &c.fees)
                .any(|f| f.amount_vnd.is_some())
        })
        .count();
    let without_issue = parsed.iter().filter(|r| r.issues.is_empty()).count();
    let mut units: BTreeMap<String, usize> = BTreeMap::new();
    for r in &parsed {
        if let Some(t) = r.procedure.time_limit {
            *units.entry(format!("{:?}", t.unit)).or_default() += 1;
        }
    }
    let mut online: BTreeMap<String, usize> = BTreeMap::new();
    for r in &parsed {
        *online
            .entry(format!("{:?}", r.procedure.online_level))
            .or_default() += 1;
    }
    let mut kinds: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in &parsed {
        let mut seen = std::collections::BTreeSet::new();
        for i in &r.issues {
            let e = kinds.entry(format!("{}.{}", i.field, i.kind)).or_default();
            e.0 += 1;
            if seen.insert(i.kind) {
                e.1 += 1;
            }
        }
    }
    let mut kinds: Vec<_> = kinds.into_iter().collect();
    kinds.sort_by_key(|k| std::cmp::Reverse(k.1 .0));
    eprintln!(
        "records {total}, parsed {}, errors {}",
        parsed.len(),
        errors.len()
    );
    eprintln!("with time limit {with_time}, with channels {with_channels}, with components {with_components}, with legal bases {with_legal}, with results {with_results}, with a fee amount {with_fee_amount}, without any issue {without_issue}");
    eprintln!("time-limit units {units:?}; online levels {online:?}");
    for (k, (n, recs)) in &kinds {
        eprintln!("issue {k}: {n} times in {recs} records");
    }

    if let Ok(dump) = std::env::var("TINHSO_DUMP_ISSUES") {
        let mut out = String::new();
        for r in &parsed {
            for i in &r.issues {
                out.push_str(&format!(
                    "{}\t{}\t{}\n",
                    r.procedure.code,
                    i.kind,
                    i.raw.replace('\n', " ")
                ));
            }
        }
        std::fs::write(dump, out).expect("write the issue dump");
    }
    assert_eq!(total, 2642);
    assert!(errors.is_empty(), "record errors: {errors:?}");
    // Measured 2026 on this file: 2,642 parsed, 0 errors; time limit 2,159 (81.7%); channels
    // 2,642; components 2,591; legal bases 2,564; issue-free 2,224. Thresholds are conservative.
    assert!(
        with_time * 100 >= total * 80,
        "time limit on {with_time} of {total}"
    );
    assert!(with_channels * 100 >= total * 99);
    assert!(with_components * 100 >= total * 90);
    assert!(with_legal * 100 >= total * 90);
    assert!(
        without_issue * 100 >= total * 80,
        "issue-free records {without_issue}"
    );
}

#[test]
fn fixture_records() {
    let text = std::fs::read_to_string(fixture("dvcqg-sample.jsonl")).expect("fixture");
    let results: Vec<_> = text.lines().map(parse_record).collect();
    assert_eq!(results.len(), 5);
    assert!(results[3].is_err() && results[4].is_err());

    let birth = results[0].as_ref().expect("record 1");
    let p = &birth.procedure;
    assert!(birth.issues.is_empty(), "{:?}", birth.issues);
    assert_eq!(p.channels.len(), 3);
    assert_eq!(p.channels[0].channel, Channel::Counter);
    assert_eq!(p.channels[0].fees[0].amount_vnd, Some(8000));
    assert_eq!(
        p.time_limit.map(|t| (t.hundredths, t.unit)),
        Some((100, TimeUnit::WorkingDays))
    );
    assert_eq!(
        p.applicant_types,
        vec!["Công dân Việt Nam", "Người nước ngoài"]
    );
    assert_eq!(p.components.len(), 2);
    assert_eq!(
        p.components[0].form_template.as_deref(),
        Some("TK-khaisinh.docx")
    );
    assert_eq!(p.legal_bases.len(), 2);
    assert_eq!(p.legal_bases[1].number, "123/2015/NĐ-CP");
    assert_eq!(p.results, vec!["Giấy khai sinh (bản chính)"]);

    // A unitless online time is an issue; the counter's half day is the time limit.
    let copy = results[1].as_ref().expect("record 2");
    assert_eq!(
        copy.procedure.applicant_types,
        vec!["Cán bộ, công chức, viên chức"]
    );
    assert_eq!(copy.procedure.competent_agency, "Sở Tư pháp");
    assert_eq!(
        copy.procedure.time_limit.map(|t| (t.hundredths, t.unit)),
        Some((50, TimeUnit::CalendarDays))
    );
    assert_eq!(copy.issues.len(), 1);
    assert_eq!(copy.issues[0].raw, "1");

    let car = results[2].as_ref().expect("record 3");
    assert_eq!(car.procedure.online_level, OnlineLevel::Full);
    assert_eq!(
        car.procedure.time_limit.map(|t| (t.hundredths, t.unit)),
        Some((800, TimeUnit::WorkingHours))
    );
    assert_eq!(car.procedure.channels[0].fees[0].amount_vnd, Some(50_000));
    let kinds: Vec<String> = car.issues.iter().map(|i| i.kind.to_string()).collect();
    assert_eq!(kinds, vec!["unknown_level", "component_table_missing"]);
}
