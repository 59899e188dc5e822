//! Tampering with the audit trail behind the store's back (raw SQL, triggers dropped first) is
//! found by `verify_audit_chain`, at the right position.

use sqlx::{Connection, SqliteConnection};
use tinhso_store::conformance::{sample_acceptance, sample_new_dossier, write_one, AGENCY_A};
use tinhso_store::dossiers::DossierWrite;
use tinhso_store::{AuditStore, DossierStore};
use tinhso_store_sqlite::SqliteStore;

use crate::TempDir;

fn dt(s: &str) -> jiff::civil::DateTime {
    s.parse().expect("civil date-time")
}

/// A store with five chained events: three submissions, then two acceptances.
async fn five_events(dir: &TempDir) -> SqliteStore {
    let store = SqliteStore::open(&dir.url()).await.expect("open");
    let agency = tinhso_domain::agency::AgencyEId::parse(AGENCY_A).expect("eid");
    let at: jiff::Timestamp = "2026-01-05T02:00:00Z".parse().expect("ts");
    let mut ids = Vec::new();
    for name in ["An", "Bình", "Cường"] {
        let new = sample_new_dossier(&agency, name, None, dt("2026-01-05T09:00"));
        let out = write_one(&store, DossierWrite::Create(Box::new(new)), at)
            .await
            .expect("create");
        ids.push(out.dossier_id);
    }
    for id in &ids[..2] {
        let stored = store
            .dossier_by_id(*id)
            .await
            .expect("read")
            .expect("exists");
        let accept = sample_acceptance(&stored, dt("2026-01-05T10:00"), dt("2026-01-08T17:00"));
        write_one(&store, DossierWrite::Update(Box::new(accept)), at)
            .await
            .expect("accept");
    }
    let v = store.verify_audit_chain().await.expect("verify");
    assert_eq!((v.records, v.first_break), (5, None));
    store
}

async fn raw(dir: &TempDir, statements: &[&str]) {
    let mut conn = SqliteConnection::connect(&dir.url())
        .await
        .expect("raw connection");
    for sql in statements {
        sqlx::query(sql).execute(&mut conn).await.expect(sql);
    }
    conn.close().await.expect("close raw");
}

#[tokio::test]
async fn events_are_append_only() {
    let dir = TempDir::new("append-only");
    let store = five_events(&dir).await;
    let mut conn = SqliteConnection::connect(&dir.url())
        .await
        .expect("raw connection");
    for sql in [
        "UPDATE dossier_events SET comment = 'x' WHERE chain_pos = 2",
        "DELETE FROM dossier_events WHERE chain_pos = 5",
    ] {
        let err = sqlx::query(sql).execute(&mut conn).await.expect_err(sql);
        assert!(err.to_string().contains("immutable"), "{err}");
    }
    conn.close().await.expect("close");
    store.close().await;
}

#[tokio::test]
async fn an_edited_comment_is_found() {
    let dir = TempDir::new("tamper-edit");
    let store = five_events(&dir).await;
    raw(
        &dir,
        &[
            "DROP TRIGGER dossier_events_no_update",
            "UPDATE dossier_events SET comment = 'sửa lén' WHERE chain_pos = 2",
        ],
    )
    .await;
    let v = store.verify_audit_chain().await.expect("verify");
    let (pos, why) = v.first_break.expect("a break");
    assert_eq!(pos, 2);
    assert!(why.contains("edited"), "{why}");

    // Replacing its stored hash as well does not hide the edit.
    let rows: Vec<(String, String)> = {
        let mut conn = SqliteConnection::connect(&dir.url()).await.expect("raw");
        let rows = sqlx::query_as("SELECT prev_hash, hash FROM dossier_events ORDER BY chain_pos")
            .fetch_all(&mut conn)
            .await
            .expect("rows");
        conn.close().await.expect("close");
        rows
    };
    let fake = format!("{:064}", 7);
    raw(
        &dir,
        &[&format!(
            "UPDATE dossier_events SET hash = '{fake}' WHERE hash = '{}'",
            rows[1].1
        )],
    )
    .await;
    let v = store.verify_audit_chain().await.expect("verify");
    assert_eq!(
        v.first_break.map(|b| b.0),
        Some(2),
        "still the edited record"
    );
    store.close().await;
}

#[tokio::test]
async fn a_deleted_middle_event_is_found() {
    let dir = TempDir::new("tamper-middle");
    let store = five_events(&dir).await;
    raw(
        &dir,
        &[
            "DROP TRIGGER dossier_events_no_delete",
            "DELETE FROM dossier_events WHERE chain_pos = 3",
        ],
    )
    .await;
    let v = store.verify_audit_chain().await.expect("verify");
    let (pos, why) = v.first_break.expect("a break");
    assert_eq!(pos, 3);
    assert!(why.contains("missing"), "{why}");

    // Renumbering the later records to hide the gap breaks the hash links instead.
    raw(
        &dir,
        &[
            "DROP TRIGGER dossier_events_no_update",
            "UPDATE dossier_events SET chain_pos = chain_pos - 1 WHERE chain_pos > 3",
        ],
    )
    .await;
    let v = store.verify_audit_chain().await.expect("verify");
    assert_eq!(v.first_break.map(|b| b.0), Some(3));
    store.close().await;
}

#[tokio::test]
async fn a_deleted_tail_is_found() {
    let dir = TempDir::new("tamper-tail");
    let store = five_events(&dir).await;
    raw(
        &dir,
        &[
            "DROP TRIGGER dossier_events_no_delete",
            "DELETE FROM dossier_events WHERE chain_pos >= 4",
        ],
    )
    .await;
    let v = store.verify_audit_chain().await.expect("verify");
    let (pos, why) = v.first_break.expect("a break");
    assert_eq!(pos, 4);
    assert!(why.contains("missing at the end"), "{why}");
    assert_eq!(v.records, 3);
    store.close().await;
}

#[tokio::test]
async fn a_failed_create_gives_its_sequence_number_back() {
    let dir = TempDir::new("sequence-rollback");
    let store = SqliteStore::open(&dir.url()).await.expect("open");
    let agency = tinhso_domain::agency::AgencyEId::parse(AGENCY_A).expect("eid");
    let at: jiff::Timestamp = "2026-01-05T02:00:00Z".parse().expect("ts");
    // 2100 cannot be written as yyMMdd: the number is taken, then the code fails.
    let mut far = sample_new_dossier(&agency, "An", None, dt("2026-01-05T09:00"));
    far.code_date = jiff::civil::date(2100, 1, 1);
    let ok = sample_new_dossier(&agency, "Bình", None, dt("2026-01-05T09:00"));
    let results = store
        .write_dossiers(
            vec![
                DossierWrite::Create(Box::new(far)),
                DossierWrite::Create(Box::new(ok)),
            ],
            at,
        )
        .await
        .expect("group");
    assert!(results[0].is_err() && results[1].is_ok(), "{results:?}");
    let mut conn = SqliteConnection::connect(&dir.url()).await.expect("raw");
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT day, last FROM dossier_sequences ORDER BY day")
            .fetch_all(&mut conn)
            .await
            .expect("sequences");
    assert_eq!(rows, vec![("2026-01-05".to_string(), 1)]);
    let head: (i64,) = sqlx::query_as("SELECT chain_pos FROM audit_head")
        .fetch_one(&mut conn)
        .await
        .expect("head");
    assert_eq!(head.0, 1, "no chain position was used by the failure");
    conn.close().await.expect("close");
    store.close().await;
}

/// A write that fails inside the batched statements (here a trigger the plan cannot foresee)
/// sends its group down the one-savepoint-per-write path: the others commit, numbered without
/// a gap, and the failed one leaves no number, row or chain position behind.
#[tokio::test]
async fn a_write_failing_inside_a_batch_fails_alone() {
    let dir = TempDir::new("batch-fallback");
    let store = SqliteStore::open(&dir.url()).await.expect("open");
    let mut conn = SqliteConnection::connect(&dir.url()).await.expect("raw");
    sqlx::query(
        "CREATE TRIGGER refuse_loi BEFORE INSERT ON dossiers WHEN lower(NEW.applicant_folded) = 'loi' \
         BEGIN SELECT RAISE(ABORT, 'refused by test'); END",
    )
    .execute(&mut conn)
    .await
    .expect("trigger");
    let agency = tinhso_domain::agency::AgencyEId::parse(AGENCY_A).expect("eid");
    let at: jiff::Timestamp = "2026-01-05T02:00:00Z".parse().expect("ts");
    let create = |name: &str| {
        DossierWrite::Create(Box::new(sample_new_dossier(
            &agency,
            name,
            None,
            dt("2026-01-05T09:00"),
        )))
    };
    let results = store
        .write_dossiers(vec![create("An"), create("Lỗi"), create("Bình")], at)
        .await
        .expect("group");
    let codes: Vec<Option<String>> = results
        .iter()
        .map(|r| r.as_ref().ok().map(|o| o.code.to_string()))
        .collect();
    assert_eq!(
        codes,
        vec![
            Some("000.00.04.H40-260105-0001".to_string()),
            None,
            Some("000.00.04.H40-260105-0002".to_string()),
        ]
    );
    assert!(matches!(
        results[1],
        Err(tinhso_store::dossiers::WriteError::Store(_))
    ));
    let last: (i64,) = sqlx::query_as("SELECT last FROM dossier_sequences")
        .fetch_one(&mut conn)
        .await
        .expect("sequence");
    assert_eq!(last.0, 2, "the failed write took no number");
    let v = store.verify_audit_chain().await.expect("verify");
    assert_eq!((v.records, v.first_break), (2, None));
    // The next group is batched again and continues the sequence.
    let next = write_one(&store, create("Cường"), at).await.expect("next");
    assert_eq!(next.code.sequence(), 3);
    conn.close().await.expect("close");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_imports_and_dossier_writes_take_turns() {
    use std::sync::Arc;
    use tinhso_store::conformance::sample_procedure;
    use tinhso_store::CatalogStore;

    let dir = TempDir::new("imports-and-writes");
    let store = Arc::new(SqliteStore::open(&dir.url()).await.expect("open"));
    let agency = tinhso_domain::agency::AgencyEId::parse(AGENCY_A).expect("eid");
    let at: jiff::Timestamp = "2026-01-05T02:00:00Z".parse().expect("ts");
    let catalog: Vec<_> = (0..2000)
        .map(|i| sample_procedure(&format!("1.{i:06}"), &format!("Thủ tục {i}")))
        .collect();
    let import = {
        let store = store.clone();
        tokio::spawn(async move { store.record_procedures(&catalog, at, &|_| {}).await })
    };
    let mut writers = Vec::new();
    for t in 0..4 {
        let store = store.clone();
        let agency = agency.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..25 {
                let new =
                    sample_new_dossier(&agency, &format!("{t}-{i}"), None, dt("2026-01-05T09:00"));
                write_one(store.as_ref(), DossierWrite::Create(Box::new(new)), at)
                    .await
                    .expect("create");
            }
        }));
    }
    let all = async {
        let imported = import.await.expect("import task").expect("import");
        assert_eq!(imported.len(), 2000);
        for w in writers {
            w.await.expect("writer");
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), all)
        .await
        .expect("no deadlock between imports and dossier writes");
    let v = store.verify_audit_chain().await.expect("verify");
    assert_eq!((v.records, v.first_break), (100, None));
}
