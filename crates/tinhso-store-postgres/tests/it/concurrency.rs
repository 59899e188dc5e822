//! Two nodes (two pools) importing the same catalog at the same moment; batch speed.

use std::time::Instant;

use jiff::civil::date;
use tinhso_domain::catalog::Procedure;
use tinhso_domain::units::{AdminUnit, UnitKind};
use tinhso_store::conformance::sample_procedure;
use tinhso_store::{CatalogStore, UnitStore, VersionOutcome, WriteCounts};

use crate::with_database;

fn catalog(n: usize, suffix: &str) -> Vec<Procedure> {
    (0..n)
        .map(|i| sample_procedure(&format!("1.{i:06}"), &format!("Thủ tục {i} {suffix}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_imports_create_one_version_each() {
    with_database("concurrent_imports", |db| async move {
        let node_a = db.store().await;
        let node_b = db.store().await;
        let at: jiff::Timestamp = "2026-11-21T00:00:00Z".parse().expect("timestamp");

        for (round, suffix) in ["gốc", "sửa đổi"].into_iter().enumerate() {
            let records = catalog(800, suffix);
            let (a, b) = tokio::join!(
                node_a.record_procedures(&records, at, &|_| {}),
                node_b.record_procedures(&records, at, &|_| {}),
            );
            let (a, b) = (a.expect("node A import"), b.expect("node B import"));
            let expected_version = round as u32 + 1;
            let wrote = |o: &VersionOutcome| {
                matches!(o, VersionOutcome::Created { version } | VersionOutcome::NewVersion { version }
                    if *version == expected_version)
            };
            let unchanged = VersionOutcome::Unchanged { version: expected_version };
            // Imports are serialized: one node wrote every record, the other found them all.
            let (writer, reader) = if a.iter().all(wrote) { (&a, &b) } else { (&b, &a) };
            assert!(writer.iter().all(wrote), "one node must have written all: {:?}", &writer[..3]);
            assert!(reader.iter().all(|o| *o == unchanged), "the other found them: {:?}", &reader[..3]);

            for p in records.iter().step_by(97) {
                let versions = node_a.procedure_versions(&p.code).await.expect("versions");
                assert_eq!(versions.len(), round + 1, "exactly one version per content");
                assert_eq!(versions[round].procedure, *p);
            }
        }
        assert_eq!(node_b.catalog_revision().await.expect("revision"), 2);
        node_a.close().await;
        node_b.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_units_in_batches() {
    with_database("ten_thousand_units", |db| async move {
        let store = db.store().await;
        let units: Vec<AdminUnit> = (0..10_000)
            .map(|i| AdminUnit {
                code: format!("{i:05}"),
                kind: UnitKind::Commune,
                name: format!("Xã {i}"),
                unit_type: "Xã".into(),
                parent_code: Some("86".into()),
                valid_from: date(2025, 7, 1),
                valid_to: None,
                lat: Some(10.0 + f64::from(i) / 10_000.0),
                lon: Some(106.0),
                area_km2: None,
            })
            .collect();
        let started = Instant::now();
        let counts = store.upsert_units(&units, &|_| {}).await.expect("import");
        let first = started.elapsed();
        assert_eq!(
            counts,
            WriteCounts {
                inserted: 10_000,
                updated: 0,
                unchanged: 0
            }
        );
        let started = Instant::now();
        let again = store
            .upsert_units(&units, &|_| {})
            .await
            .expect("re-import");
        let second = started.elapsed();
        assert_eq!(
            again,
            WriteCounts {
                inserted: 0,
                updated: 0,
                unchanged: 10_000
            }
        );
        eprintln!("10k units on PostgreSQL: insert {first:?}, unchanged re-import {second:?}");
        // Generous bound for a shared 2-core machine in a debug build; typical is far lower.
        assert!(first.as_secs() < 10, "10k units took {first:?}");
        store.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_versions_cannot_be_rewritten() {
    with_database("immutable_versions", |db| async move {
        let store = db.store().await;
        let p = sample_procedure("1.001193", "Đăng ký khai sinh");
        let at: jiff::Timestamp = "2026-11-21T10:00:00Z".parse().expect("timestamp");
        store
            .record_procedures(std::slice::from_ref(&p), at, &|_| {})
            .await
            .expect("record");

        // Behind the store's back, with a plain pool.
        let raw = sqlx::PgPool::connect_with(db.options.clone())
            .await
            .expect("raw pool");
        let err = sqlx::query("UPDATE procedure_versions SET name = 'sửa lén'")
            .execute(&raw)
            .await
            .expect_err("versions are immutable");
        assert!(err.to_string().contains("immutable"), "{err}");
        raw.close().await;

        let got = store
            .procedure(&p.code)
            .await
            .expect("read")
            .expect("exists");
        assert_eq!(got.procedure, p);
        store.close().await;
    })
    .await;
}
