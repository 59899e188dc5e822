//! The demo province's data files (`data/demo/`), which the binary embeds: they must parse into
//! the domain types and hold together.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use tinhso_domain::agency::{Agency, AgencyLevel};
use tinhso_domain::catalog::{OnlineLevel, Procedure, ProcedureLevel};
use tinhso_search::{SearchIndex, SearchQuery};

const AGENCIES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/demo/agencies.json"
));
const PROCEDURES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/demo/procedures.json"
));

#[derive(Deserialize)]
struct Catalog {
    procedures: Vec<Procedure>,
}

fn agencies() -> Vec<Agency> {
    serde_json::from_str(AGENCIES).expect("agencies.json parses as Vec<Agency>")
}

fn procedures() -> Vec<Procedure> {
    serde_json::from_str::<Catalog>(PROCEDURES)
        .expect("procedures.json parses")
        .procedures
}

/// QĐ 20/2020/QĐ-TTg: `L4(3).L3(2).L2(2).L1(letter + 2 digits)`, e.g. `000.00.04.H40`.
fn is_qd20_form(eid: &str) -> bool {
    let groups: Vec<&str> = eid.split('.').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    matches!(groups.as_slice(), [l4, l3, l2, l1]
        if digits(l4, 3) && digits(l3, 2) && digits(l2, 2)
            && l1.len() == 3 && l1.as_bytes()[0].is_ascii_uppercase() && digits(&l1[1..], 2))
}

#[test]
fn agencies_are_well_formed() {
    let agencies = agencies();
    let mut seen = HashSet::new();
    for a in &agencies {
        assert!(
            is_qd20_form(a.eid.as_str()),
            "e-ID {} not in QĐ 20/2020 form",
            a.eid
        );
        assert!(seen.insert(a.eid.clone()), "duplicate e-ID {}", a.eid);
    }
    let by_eid: HashMap<_, _> = agencies.iter().map(|a| (&a.eid, a)).collect();
    for a in &agencies {
        if let Some(p) = &a.parent {
            assert!(by_eid.contains_key(p), "{}: unknown parent {p}", a.eid);
        }
        if let Some(s) = &a.successor {
            let successor = by_eid
                .get(s)
                .unwrap_or_else(|| panic!("{}: unknown successor {s}", a.eid));
            assert!(
                a.valid_to.is_some(),
                "{} has a successor but no end date",
                a.eid
            );
            assert!(
                successor.valid_to.is_none(),
                "successor {s} must be in force"
            );
        }
        if let Some(to) = a.valid_to {
            assert!(to >= a.valid_from);
        }
    }
    // The province in force, with its province code.
    let province: Vec<_> = agencies
        .iter()
        .filter(|a| a.level == AgencyLevel::Province && a.valid_to.is_none())
        .collect();
    assert_eq!(province.len(), 1);
    assert_eq!(province[0].eid.as_str(), "000.00.00.H61");
    assert_eq!(province[0].unit_code.as_deref(), Some("86"));
    // One people's committee per commune: 124, distinct five-digit commune codes.
    let communes: Vec<_> = agencies
        .iter()
        .filter(|a| a.level == AgencyLevel::Commune && a.valid_to.is_none())
        .collect();
    assert_eq!(communes.len(), 124);
    let codes: HashSet<_> = communes
        .iter()
        .filter_map(|a| a.unit_code.as_deref())
        .collect();
    assert_eq!(codes.len(), 124);
    assert!(codes
        .iter()
        .all(|c| c.len() == 5 && c.bytes().all(|b| b.is_ascii_digit())));
    assert!(communes.iter().all(|a| a.name.starts_with("UBND ")));
    // Succession across the 1/7/2025 merger: Trà Vinh's committee continues as Vĩnh Long's.
    let tra_vinh = agencies
        .iter()
        .find(|a| a.eid.as_str() == "000.00.00.H59")
        .expect("Trà Vinh");
    assert_eq!(
        tra_vinh.valid_to.map(|d| d.to_string()).as_deref(),
        Some("2025-06-30")
    );
    assert_eq!(
        tra_vinh.successor.as_ref().map(|s| s.as_str()),
        Some("000.00.00.H61")
    );
}

#[test]
fn procedures_are_well_formed() {
    let procedures = procedures();
    assert!(
        procedures.len() >= 45,
        "only {} procedures",
        procedures.len()
    );
    let codes: HashSet<_> = procedures.iter().map(|p| &p.code).collect();
    assert_eq!(
        codes.len(),
        procedures.len(),
        "procedure codes must be unique"
    );

    let agencies = agencies();
    let in_force: HashSet<_> = agencies
        .iter()
        .filter(|a| a.valid_to.is_none())
        .map(|a| &a.eid)
        .collect();
    for p in &procedures {
        assert!(
            !p.name.is_empty() && !p.levels.is_empty() && !p.fields.is_empty(),
            "{}",
            p.code
        );
        assert!(
            !p.agency_eids.is_empty(),
            "{}: no implementing agency",
            p.code
        );
        for eid in &p.agency_eids {
            assert!(is_qd20_form(eid.as_str()), "{}: bad e-ID {eid}", p.code);
            assert!(
                in_force.contains(eid),
                "{}: agency {eid} not in force",
                p.code
            );
        }
        assert!(p.time_limit.is_some(), "{}: no time limit", p.code);
        assert!(
            !p.channels.is_empty() && !p.components.is_empty() && !p.results.is_empty(),
            "{}",
            p.code
        );
    }
    // Commune procedures are served by every commune committee (data/demo/README.md).
    let khai_sinh = procedures
        .iter()
        .find(|p| p.code.as_str() == "1.001193")
        .expect("1.001193");
    assert_eq!(khai_sinh.levels, [ProcedureLevel::Commune]);
    assert_eq!(khai_sinh.agency_eids.len(), 124);
    assert_eq!(khai_sinh.online_level, OnlineLevel::Full);
    assert!(khai_sinh.cutoff_15h);
    assert!(procedures.iter().filter(|p| p.cutoff_15h).count() >= 1);
    assert!(procedures.iter().any(|p| p.has_fee()));
    assert!(procedures
        .iter()
        .flat_map(|p| &p.components)
        .any(|c| c.obtainable_from_data));
}

#[test]
fn searching_the_demo_catalog() {
    let index = SearchIndex::build(&procedures());
    let first = |q: &str| {
        let r = index.search(&SearchQuery {
            q: q.to_string(),
            ..Default::default()
        });
        r.hits.first().map(|h| h.code.as_str().to_string())
    };
    assert_eq!(first("dang ky khai sinh").as_deref(), Some("1.001193"));
    assert_eq!(first("Đăng ký kết hôn").as_deref(), Some("1.000894"));
    assert_eq!(first("dang ky khai tu").as_deref(), Some("1.000656"));
    assert_eq!(first("chung thuc ban sao").as_deref(), Some("2.000815"));
    assert_eq!(first("ly lich tu phap").as_deref(), Some("3.000333"));
    assert_eq!(
        first("dang ky thanh lap ho kinh doanh").as_deref(),
        Some("1.001612")
    );
    assert_eq!(first("1.000894").as_deref(), Some("1.000894"));
    let r = index.search(&SearchQuery {
        field: Some("ho tich".into()),
        level: Some(ProcedureLevel::Commune),
        limit: 100,
        ..Default::default()
    });
    assert!(r.total >= 14);
}
