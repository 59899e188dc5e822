//! Imports: all-or-nothing, idempotent, versioned, with problems naming file, line and field.

use std::io::Write;

use tinhso_app::imports::{ImportError, ImportOptions};
use tinhso_app::progress::NoProgress;
use tinhso_domain::catalog::ProcedureCode;
use tinhso_store::UnitFilter;

use crate::engines;

fn temp_file(name: &str, text: &str) -> (std::path::PathBuf, tempdir::Guard) {
    let dir = std::env::temp_dir().join(format!(
        "tinhso_app_files_{}_{}",
        std::process::id(),
        name.replace('.', "_")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    (path, tempdir::Guard(dir))
}

mod tempdir {
    pub struct Guard(pub std::path::PathBuf);
    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

const STRICT: ImportOptions = ImportOptions { skip_bad: false };

#[tokio::test]
async fn demo_loads_and_reloads_idempotently() {
    for t in engines::all().await {
        let first = t.app.load_demo(&NoProgress).await.unwrap();
        let second = t.app.load_demo(&NoProgress).await.unwrap();
        let procs = second
            .parts
            .iter()
            .find(|p| p.what.contains("procedures"))
            .unwrap();
        assert_eq!(
            procs.inserted + procs.updated,
            0,
            "{}: re-loading the demo changed procedures",
            t.engine
        );
        assert!(procs.unchanged >= 45, "{}", t.engine);
        let first_procs = first
            .parts
            .iter()
            .find(|p| p.what.contains("procedures"))
            .unwrap();
        assert!(first_procs.inserted >= 45);
        // Vĩnh Long has 124 communes in force today.
        let communes = t
            .app
            .store
            .units(&UnitFilter {
                kind: Some(tinhso_domain::units::UnitKind::Commune),
                parent_code: Some("86".into()),
                in_force_on: Some(jiff::civil::date(2026, 1, 1)),
            })
            .await
            .unwrap();
        assert_eq!(communes.len(), 124, "{}", t.engine);
        // The demo agencies include 124 commune people's committees.
        let agencies = t.app.store.agencies().await.unwrap();
        let commune_agencies = agencies
            .iter()
            .filter(|a| a.level == tinhso_domain::agency::AgencyLevel::Commune)
            .count();
        assert_eq!(commune_agencies, 124, "{}", t.engine);
        // The demo calendar entry (24/11/2026, a Tuesday) is in force: Mon 23/11 10:00 + 1 working day
        // = 5.5 h on Monday, Tuesday off, 2.5 h on Wednesday → Wed 25/11 10:00.
        let due = t.app.due(
            "2026-11-23T10:00".parse().unwrap(),
            tinhso_domain::calendar::TimeLimit::working_days(1),
            false,
        );
        assert_eq!(due.due, "2026-11-25T10:00".parse().unwrap(), "{}", t.engine);
    }
}

#[tokio::test]
async fn procedure_import_is_versioned_and_idempotent() {
    let v1 = r#"{"procedures": [{"code": "1.001193", "name": "Đăng ký khai sinh", "levels": ["commune"], "fields": ["Hộ tịch"]}]}"#;
    let v2 = r#"{"procedures": [{"code": "1.001193", "name": "Đăng ký khai sinh (sửa đổi)", "levels": ["commune"], "fields": ["Hộ tịch"]}]}"#;
    for t in engines::all().await {
        let (p1, _g1) = temp_file("v1.json", v1);
        let (p2, _g2) = temp_file("v2.json", v2);
        let r = t
            .app
            .import_procedures(&p1, STRICT, &NoProgress)
            .await
            .unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged), (1, 0, 0));
        let r = t
            .app
            .import_procedures(&p1, STRICT, &NoProgress)
            .await
            .unwrap();
        assert_eq!(
            (r.inserted, r.updated, r.unchanged),
            (0, 0, 1),
            "{}: re-import must change nothing",
            t.engine
        );
        let r = t
            .app
            .import_procedures(&p2, STRICT, &NoProgress)
            .await
            .unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 0));
        let code = ProcedureCode::parse("1.001193").unwrap();
        let versions = t.app.store.procedure_versions(&code).await.unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(
            versions[0].procedure.name, "Đăng ký khai sinh",
            "{}: version 1 must never change",
            t.engine
        );
        assert_eq!(versions[1].version, 2);
        // Search sees the new version at once.
        let page = t.app.search(&tinhso_search::SearchQuery {
            q: "sua doi".into(),
            ..Default::default()
        });
        assert_eq!(page.total, 1, "{}", t.engine);
    }
}

#[tokio::test]
async fn bad_files_change_nothing_and_name_line_and_field() {
    for t in engines::all().await {
        // A catalog CSV with a wrong header.
        let (p, _g) = temp_file("bad-header.csv", "ma,ten\n1.001193,X\n");
        let e = t
            .app
            .import_procedures(&p, STRICT, &NoProgress)
            .await
            .unwrap_err();
        assert!(matches!(e, ImportError::Rejected { .. }), "{e}");
        assert!(e.to_string().contains("code,name"), "{e}");

        // A calendar file with one impossible date among good rows: nothing is written.
        let (p, _g) = temp_file(
            "cal.csv",
            "date,kind,name\n2026-12-01,holiday,A\n2026-02-30,holiday,B\n",
        );
        let e = t
            .app
            .import_calendar(&p, STRICT, &NoProgress)
            .await
            .unwrap_err();
        let text = e.to_string();
        assert!(text.contains(":3") && text.contains("date"), "{text}");
        let days = t
            .app
            .store
            .calendar_days(
                jiff::civil::date(2026, 1, 1),
                jiff::civil::date(2026, 12, 31),
            )
            .await
            .unwrap();
        assert!(
            days.is_empty(),
            "{}: a refused import wrote {days:?}",
            t.engine
        );
        // With --skip-bad, the good row goes in and the bad one is reported.
        let r = t
            .app
            .import_calendar(&p, ImportOptions { skip_bad: true }, &NoProgress)
            .await
            .unwrap();
        assert_eq!((r.inserted, r.skipped.len()), (1, 1));

        // A units file with a duplicate commune code.
        let units =
            "province_code,province_name,commune_code,commune_name,commune_type,lat,lon,area_km2\n\
                     86,Tỉnh Vĩnh Long,28756,Phường Phú Khương,Phường,10.2,106.4,24.9\n\
                     86,Tỉnh Vĩnh Long,28756,Phường Khác,Phường,10.2,106.4,24.9\n";
        let (p, _g) = temp_file("units.csv", units);
        let e = t
            .app
            .import_units(&p, STRICT, &NoProgress)
            .await
            .unwrap_err();
        assert!(e.to_string().contains(":3"), "{e}");
        let stored = t.app.store.unit_history("28756").await.unwrap();
        assert!(
            stored.is_empty(),
            "{}: refused units import wrote rows",
            t.engine
        );

        // A national record with a broken line.
        let (p, _g) = temp_file(
            "n.jsonl",
            "{\"ma_thu_tuc\": \"1.000001\", \"ten_thu_tuc\": \"A\"}\n{not json\n",
        );
        let e = t
            .app
            .import_procedures(&p, STRICT, &NoProgress)
            .await
            .unwrap_err();
        assert!(e.to_string().contains(":2"), "{e}");
        assert!(t.app.store.latest_procedures().await.unwrap().is_empty());

        // Agencies with an unknown parent.
        let (p, _g) = temp_file(
            "ag.json",
            r#"[{"eid": "000.00.01.H61", "name": "Sở A", "level": "department", "parent": "000.00.00.H99", "valid_from": "2025-07-01"}]"#,
        );
        let e = t
            .app
            .import_agencies(&p, STRICT, &NoProgress)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("000.00.00.H99"), "{e}");
        assert!(t.app.store.agencies().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn shared_units_and_national_records_import() {
    let Some(shared) = engines::shared() else {
        return;
    };
    for t in engines::all().await {
        let dir = shared.join("data/admin-units");
        let r = t
            .app
            .import_units(&dir.join("units-2025.csv"), STRICT, &NoProgress)
            .await
            .unwrap();
        assert_eq!(r.inserted, 34 + 3321, "{}", t.engine);
        let r = t
            .app
            .import_units(&dir.join("units-legacy.csv"), STRICT, &NoProgress)
            .await
            .unwrap();
        assert!(r.inserted > 10_000, "{}", t.engine);
        let r = t
            .app
            .import_units(&dir.join("succession-2025.csv"), STRICT, &NoProgress)
            .await
            .unwrap();
        assert_eq!(r.inserted, 10_597, "{}", t.engine);
        // A commune replaced on 1/7/2025 stays in history, linked to its successor.
        let s = t.app.store.successions_of("31312").await.unwrap();
        assert!(
            s.iter().any(|x| x.new_code == "31150"),
            "{}: {s:?}",
            t.engine
        );
        let hist = t.app.store.unit_history("31312").await.unwrap();
        assert_eq!(hist[0].valid_to, Some(jiff::civil::date(2025, 6, 30)));

        let path = shared.join("data/procedures/procedures-dvcqg-2642.jsonl.gz");
        let r = t
            .app
            .import_procedures(&path, STRICT, &NoProgress)
            .await
            .unwrap();
        assert_eq!(r.records, 2642, "{}", t.engine);
        assert_eq!(r.inserted, 2642, "{}: every record kept", t.engine);
        assert!(
            !r.warnings.is_empty(),
            "the messy records must produce per-record warnings"
        );
        let again = t
            .app
            .import_procedures(&path, STRICT, &NoProgress)
            .await
            .unwrap();
        assert_eq!(again.unchanged, 2642, "{}", t.engine);
    }
}
