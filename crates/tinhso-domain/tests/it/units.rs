use std::collections::HashMap;

use tinhso_domain::text::fold;
use tinhso_domain::units::parse::{LEGACY_VALID_TO, REFORM_DATE};
use tinhso_domain::units::{parse_units_csv, UnitKind, UnitsFile, UnitsFormat};

use crate::shared_data;

fn load(name: &str) -> Option<UnitsFile> {
    let path = shared_data(&format!("admin-units/{name}"))?;
    let file = std::fs::File::open(&path).expect("open the units file");
    Some(parse_units_csv(file).expect("known format"))
}

fn count(f: &UnitsFile, kind: UnitKind) -> usize {
    f.units.iter().filter(|u| u.kind == kind).count()
}

#[test]
fn units_2025() {
    let Some(f) = load("units-2025.csv") else {
        return;
    };
    assert_eq!(f.format, Some(UnitsFormat::Units2025));
    assert!(
        f.problems.is_empty(),
        "{:?}",
        &f.problems[..f.problems.len().min(5)]
    );
    assert_eq!(count(&f, UnitKind::Province), 34);
    assert_eq!(count(&f, UnitKind::Commune), 3321);
    assert!(f
        .units
        .iter()
        .all(|u| u.valid_from == REFORM_DATE && u.valid_to.is_none()));
    // Vĩnh Long (86) absorbed Trà Vinh and Bến Tre: 124 communes.
    let vinh_long = f
        .units
        .iter()
        .filter(|u| u.parent_code.as_deref() == Some("86"))
        .count();
    assert_eq!(vinh_long, 124);
    // Xã Ia Mơ (Gia Lai) is 23938 in this file (23737 in one transcription of letter 1027/CTK-CSCL).
    assert!(f
        .units
        .iter()
        .any(|u| u.code == "23938" && u.name == "Xã Ia Mơ"));
    // Names equal once diacritics are removed remain distinct units.
    let mut by_folded: HashMap<String, Vec<&str>> = HashMap::new();
    for u in f.units.iter().filter(|u| u.kind == UnitKind::Commune) {
        by_folded.entry(fold(&u.name)).or_default().push(&u.name);
    }
    let vinh_hung = &by_folded["phuong vinh hung"];
    assert!(vinh_hung.contains(&"Phường Vĩnh Hưng") && vinh_hung.contains(&"Phường Vinh Hưng"));
    let codes: Vec<_> = f
        .units
        .iter()
        .filter(|u| u.name == "Phường Vĩnh Hưng" || u.name == "Phường Vinh Hưng")
        .map(|u| (u.code.as_str(), u.parent_code.as_deref()))
        .collect();
    assert_eq!(codes, vec![("00301", Some("01")), ("17920", Some("40"))]);
}

#[test]
fn units_legacy() {
    let Some(f) = load("units-legacy.csv") else {
        return;
    };
    assert_eq!(f.format, Some(UnitsFormat::Legacy));
    assert!(
        f.problems.is_empty(),
        "{:?}",
        &f.problems[..f.problems.len().min(5)]
    );
    // 10,040 rows: 10,035 communes and 5 island districts without communes.
    assert_eq!(count(&f, UnitKind::Province), 63);
    assert_eq!(count(&f, UnitKind::District), 696);
    assert_eq!(count(&f, UnitKind::Commune), 10_035);
    assert!(f.units.iter().all(|u| u.valid_to == Some(LEGACY_VALID_TO)));
}

#[test]
fn succession_2025() {
    let Some(f) = load("succession-2025.csv") else {
        return;
    };
    assert_eq!(f.format, Some(UnitsFormat::Succession2025));
    assert!(
        f.problems.is_empty(),
        "{:?}",
        &f.problems[..f.problems.len().min(5)]
    );
    assert_eq!(f.successions.len(), 10_597);
    assert!(f.successions.iter().any(|s| s.partial));
    assert!(f.successions.iter().all(|s| s.effective == REFORM_DATE));
}
