//! What was written survives closing and reopening the file; settings are what we promise.

use jiff::civil::date;
use tinhso_domain::calendar::{CalendarDay, DayKind};
use tinhso_store::conformance::sample_procedure;
use tinhso_store::{CalendarStore, CatalogStore, Store, VersionOutcome};
use tinhso_store_sqlite::SqliteStore;

use crate::TempDir;

#[tokio::test]
async fn data_survives_close_and_reopen() {
    let dir = TempDir::new("reopen");
    let url = dir.url();
    let at: jiff::Timestamp = "2026-11-21T10:00:00.5Z".parse().expect("timestamp");
    let p = sample_procedure("1.001193", "Đăng ký khai sinh");
    let day = CalendarDay {
        date: date(2026, 9, 2),
        kind: DayKind::Holiday,
        name: "Quốc khánh".into(),
    };
    {
        let store = SqliteStore::open(&url).await.expect("open");
        let out = store
            .record_procedures(std::slice::from_ref(&p), at, &|_| {})
            .await
            .expect("record");
        assert_eq!(out, vec![VersionOutcome::Created { version: 1 }]);
        store
            .upsert_calendar_days(std::slice::from_ref(&day))
            .await
            .expect("calendar");
        store.close().await;
    }
    assert!(
        dir.0.join("data/db.sqlite3").is_file(),
        "the folder and file were created"
    );

    let store = SqliteStore::open(&url).await.expect("reopen");
    store.ping().await.expect("ping");
    let got = store
        .procedure(&p.code)
        .await
        .expect("read")
        .expect("still there");
    assert_eq!((got.version, &got.procedure, got.recorded_at), (1, &p, at));
    assert_eq!(store.catalog_revision().await.expect("revision"), 1);
    let days = store
        .calendar_days(date(2026, 1, 1), date(2026, 12, 31))
        .await
        .expect("days");
    assert_eq!(days, vec![day]);
    // Migrations ran once; reopening re-runs none and records the same again as unchanged.
    let out = store
        .record_procedures(std::slice::from_ref(&p), at, &|_| {})
        .await
        .expect("again");
    assert_eq!(out, vec![VersionOutcome::Unchanged { version: 1 }]);
    store.close().await;
}

#[tokio::test]
async fn schema_guards_what_the_api_promises() {
    use sqlx::Connection;
    let dir = TempDir::new("guards");
    let url = dir.url();
    let store = SqliteStore::open(&url).await.expect("open");
    let p = sample_procedure("1.001193", "Đăng ký khai sinh");
    let at: jiff::Timestamp = "2026-11-21T10:00:00Z".parse().expect("timestamp");
    store
        .record_procedures(std::slice::from_ref(&p), at, &|_| {})
        .await
        .expect("record");

    // Behind the store's back, with a plain connection.
    let mut raw = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("raw connection");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut raw)
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
    let err = sqlx::query("UPDATE procedure_versions SET name = 'sửa lén'")
        .execute(&mut raw)
        .await
        .expect_err("versions are immutable");
    assert!(err.to_string().contains("immutable"), "{err}");
    raw.close().await.expect("close raw");

    let got = store
        .procedure(&p.code)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(got.procedure, p);
    store.close().await;
}

#[tokio::test]
async fn relative_url_with_mode_rwc_creates_the_file() {
    let dir = TempDir::new("relative");
    std::fs::create_dir_all(&dir.0).expect("temp dir");
    // A relative path is resolved against the working directory; use one inside the temp dir
    // by giving the path relative to the current directory.
    let cwd = std::env::current_dir().expect("cwd");
    let rel = pathdiff(&dir.0.join("sub/rel.sqlite3"), &cwd);
    let store = SqliteStore::open(&format!("sqlite://{rel}?mode=rwc"))
        .await
        .expect("open");
    store.ping().await.expect("ping");
    store.close().await;
    assert!(dir.0.join("sub/rel.sqlite3").is_file());
}

/// `target` relative to `base` (both absolute), with `..` where needed.
fn pathdiff(target: &std::path::Path, base: &std::path::Path) -> String {
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), b.len() - common).collect();
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[tokio::test]
async fn ten_thousand_units_in_one_transaction() {
    let store = SqliteStore::open("sqlite::memory:").await.expect("open");
    // Thousands of rows in one transaction stay quick (benchmark sanity, not a benchmark).
    let units = communes(10_000, |i| format!("Xã {i}"));
    let started = std::time::Instant::now();
    let counts = tinhso_store::UnitStore::upsert_units(&store, &units, &|_| {})
        .await
        .expect("units");
    eprintln!("10k units on in-memory SQLite: {:?}", started.elapsed());
    assert_eq!(counts.inserted, 10_000);
    store.ping().await.expect("ping after a big write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dossier_writes_survive_a_drop_without_close() {
    use std::sync::Arc;
    use tinhso_store::conformance::{sample_acceptance, sample_new_dossier, write_one, AGENCY_A};
    use tinhso_store::dossiers::{DossierQuery, DossierWrite, IdempotencyKey, User};
    use tinhso_store::{AuditStore, DossierStore, IdentityStore, LeaseStore};

    let dir = TempDir::new("drop-without-close");
    let url = dir.url();
    let agency = tinhso_domain::agency::AgencyEId::parse(AGENCY_A).expect("eid");
    let at: jiff::Timestamp = "2026-01-05T02:00:00Z".parse().expect("ts");
    let received: jiff::civil::DateTime = "2026-01-05T09:00".parse().expect("dt");
    let mut codes = Vec::new();
    {
        let store = Arc::new(SqliteStore::open(&url).await.expect("open"));
        // Concurrent writers, so groups of several writes are committed.
        let mut tasks = Vec::new();
        for t in 0..4 {
            let store = store.clone();
            let agency = agency.clone();
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::new();
                for i in 0..10 {
                    let mut new =
                        sample_new_dossier(&agency, &format!("Người {t}-{i}"), None, received);
                    new.idempotency = Some(IdempotencyKey {
                        user_id: format!("officer-{t}"),
                        key: format!("k-{i}"),
                        request_hash: "h".into(),
                    });
                    let o = write_one(store.as_ref(), DossierWrite::Create(Box::new(new)), at)
                        .await
                        .expect("create");
                    out.push((o.dossier_id, o.code));
                }
                out
            }));
        }
        for task in tasks {
            codes.extend(task.await.expect("task"));
        }
        let first = store
            .dossier_by_id(codes[0].0)
            .await
            .expect("read")
            .expect("exists");
        let accept = sample_acceptance(&first, received, "2026-01-08T17:00".parse().expect("dt"));
        write_one(store.as_ref(), DossierWrite::Update(Box::new(accept)), at)
            .await
            .expect("accept");
        store
            .upsert_user(&User {
                id: "officer-1".into(),
                name: "Cán bộ".into(),
                agency: Some(agency.clone()),
                roles: vec![tinhso_domain::dossier::Role::OneStopOfficer],
                created_at: at,
                disabled: false,
            })
            .await
            .expect("user");
        assert!(store
            .acquire_lease(
                "scheduler",
                "node-a",
                at,
                at.checked_add(jiff::SignedDuration::from_secs(60))
                    .expect("t")
            )
            .await
            .expect("lease"));
        // Dropped without close(): every answer above came after a durable commit.
        drop(store);
    }

    let store = SqliteStore::open(&url).await.expect("reopen");
    let all = DossierQuery {
        agencies: vec![agency.clone()],
        limit: 100,
        ..DossierQuery::default()
    };
    assert_eq!(store.count_dossiers(&all).await.expect("count"), 40);
    for (id, code) in &codes {
        let d = store
            .dossier_by_code(code)
            .await
            .expect("read")
            .expect("still there");
        assert_eq!(d.id, *id);
    }
    let first = store
        .dossier_by_id(codes[0].0)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(first.events, 2);
    let found = store
        .idempotent_result("officer-0", "k-0")
        .await
        .expect("key");
    assert_eq!(found.map(|f| f.dossier_id), Some(codes[0].0));
    assert!(store.user("officer-1").await.expect("user").is_some());
    assert!(!store
        .acquire_lease("scheduler", "node-b", at, at)
        .await
        .expect("lease still held"));
    let v = store.verify_audit_chain().await.expect("verify");
    assert_eq!((v.records, v.first_break), (41, None));
    let next = write_one(
        &store,
        DossierWrite::Create(Box::new(sample_new_dossier(&agency, "Sau", None, received))),
        at,
    )
    .await
    .expect("next");
    assert_eq!(
        next.code.sequence(),
        41,
        "numbering continues after reopening"
    );
    store.close().await;
}

/// Every index definition, by name, read behind the store's back.
async fn index_definitions(url: &str) -> Vec<(String, String)> {
    use sqlx::Connection;
    let mut raw = sqlx::SqliteConnection::connect(url)
        .await
        .expect("raw connection");
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         ORDER BY name",
    )
    .fetch_all(&mut raw)
    .await
    .expect("indexes");
    raw.close().await.expect("close raw");
    rows
}

/// A bulk load interrupted after deferring its indexes (the process died before
/// `finish_bulk_load`): opening the store builds them again, exactly as they were.
#[tokio::test]
async fn deferred_indexes_come_back_after_an_interrupted_bulk_load() {
    use tinhso_store::kpi::{KpiStore, DEFERRABLE_INDEXES};
    let dir = TempDir::new("deferred");
    let url = dir.url();
    let store = SqliteStore::open(&url).await.expect("open");
    let before = index_definitions(&url).await;
    store
        .begin_bulk_load(tinhso_store::kpi::BulkLoad {
            defer_indexes: true,
            owe_counters: false,
        })
        .await
        .expect("begin");
    let during = index_definitions(&url).await;
    for name in DEFERRABLE_INDEXES {
        assert!(
            before.iter().any(|(n, _)| n == name),
            "{name} is in the schema"
        );
        assert!(!during.iter().any(|(n, _)| n == name), "{name} deferred");
    }
    store.close().await;
    drop(store);
    let reopened = SqliteStore::open(&url).await.expect("reopen");
    assert_eq!(index_definitions(&url).await, before);
    reopened.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_is_copied_back_beside_the_writer() {
    let dir = TempDir::new("checkpoints");
    let store = SqliteStore::open(&dir.url()).await.expect("open");
    let wal = dir.0.join("data/db.sqlite3-wal");
    // The writer never checkpoints itself: 3,000 pages (over the 1,000 of SQLite's default
    // automatic checkpoint) of one transaction sit in the WAL until a checkpoint copies them.
    let units = communes(30_000, |i| {
        format!("Xã số {i} của một tỉnh có tên khá dài để lấp đầy trang")
    });
    tinhso_store::UnitStore::upsert_units(&store, &units, &|_| {})
        .await
        .expect("units");
    let (frames, copied) = store.checkpoint_now().await.expect("checkpoint");
    assert!(
        frames > 1_000,
        "the WAL held the transaction: {frames} frames"
    );
    assert_eq!(
        frames, copied,
        "a checkpoint with no reader copies every frame"
    );
    // The background checkpoints (every 200 ms) keep the WAL from growing: after a second
    // write, the WAL is reused from its start instead of appended to.
    let size = std::fs::metadata(&wal).expect("wal").len();
    let renamed: Vec<_> = units[..100]
        .iter()
        .map(|u| tinhso_domain::units::AdminUnit {
            name: format!("{} (mới)", u.name),
            ..u.clone()
        })
        .collect();
    tinhso_store::UnitStore::upsert_units(&store, &renamed, &|_| {})
        .await
        .expect("again");
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let (after, copied) = store.checkpoint_now().await.expect("checkpoint");
    assert_eq!(after, copied);
    assert!(
        after < frames,
        "the WAL restarted: {after} frames, was {frames}"
    );
    assert_eq!(std::fs::metadata(&wal).expect("wal").len(), size);
    store.close().await;
}

/// `n` communes of province 86, named by `name`.
fn communes(n: usize, name: impl Fn(usize) -> String) -> Vec<tinhso_domain::units::AdminUnit> {
    (0..n)
        .map(|i| tinhso_domain::units::AdminUnit {
            code: format!("{i:05}"),
            kind: tinhso_domain::units::UnitKind::Commune,
            name: name(i),
            unit_type: "Xã".into(),
            parent_code: Some("86".into()),
            valid_from: date(2025, 7, 1),
            valid_to: None,
            lat: None,
            lon: None,
            area_km2: None,
        })
        .collect()
}
