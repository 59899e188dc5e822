//! `tinhso_domain::units::parse::parse_units_csv`: the three administrative-unit CSV files
//! (any bytes).
//!
//! Properties: never panics; every unit code is canonical (digits only, 2 / 3 / 5 wide for a
//! province / district / commune), every unit has a name, latitude and longitude lie in range,
//! `valid_to` is never before `valid_from`; succession codes are canonical; problems point at
//! line ≥ 2.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinhso_domain::units::parse::parse_units_csv;
use tinhso_domain::units::UnitKind;

fn canonical(code: &str, width: usize) -> bool {
    code.len() == width && code.bytes().all(|b| b.is_ascii_digit())
}

fuzz_target!(|data: &[u8]| {
    let Ok(file) = parse_units_csv(data) else {
        return;
    };
    assert!(file.format.is_some(), "a file read without a format");
    for unit in &file.units {
        let width = match unit.kind {
            UnitKind::Province => 2,
            UnitKind::District => 3,
            UnitKind::Commune => 5,
        };
        assert!(
            canonical(&unit.code, width),
            "unit code not canonical: {unit:?}"
        );
        if let Some(parent) = &unit.parent_code {
            assert!(
                canonical(parent, 2) || canonical(parent, 3),
                "parent code not canonical: {unit:?}"
            );
        }
        assert!(!unit.name.trim().is_empty(), "unit without a name: {unit:?}");
        if let Some(lat) = unit.lat {
            assert!(
                (-90.0..=90.0).contains(&lat),
                "latitude out of range: {unit:?}"
            );
        }
        if let Some(lon) = unit.lon {
            assert!(
                (-180.0..=180.0).contains(&lon),
                "longitude out of range: {unit:?}"
            );
        }
        if let Some(area) = unit.area_km2 {
            assert!(
                area.is_finite() && area >= 0.0,
                "area not finite or negative: {unit:?}"
            );
        }
        if let Some(to) = unit.valid_to {
            assert!(
                to >= unit.valid_from,
                "valid_to before valid_from: {unit:?}"
            );
        }
    }
    for s in &file.successions {
        assert!(canonical(&s.old_code, 5), "old commune code: {s:?}");
        assert!(canonical(&s.new_code, 5), "new commune code: {s:?}");
    }
    for problem in &file.problems {
        assert!(problem.line >= 2, "problem on the header line: {problem:?}");
    }
});
