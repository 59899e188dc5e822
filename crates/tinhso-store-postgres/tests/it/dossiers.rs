//! Dossier writes from two nodes (two pools) at once, and tampering with the audit trail behind
//! the store's back (raw SQL, trigger dropped first).

use std::collections::HashSet;

use tinhso_domain::agency::AgencyEId;
use tinhso_store::conformance::{sample_acceptance, sample_new_dossier, write_one, AGENCY_A};
use tinhso_store::dossiers::DossierWrite;
use tinhso_store::{AuditStore, DossierStore};
use tinhso_store_postgres::PostgresStore;

use crate::{with_database, TestDb};

fn dt(s: &str) -> jiff::civil::DateTime {
    s.parse().expect("civil date-time")
}

fn at() -> jiff::Timestamp {
    "2026-01-05T02:00:00Z".parse().expect("timestamp")
}

fn agency() -> AgencyEId {
    AgencyEId::parse(AGENCY_A).expect("eid")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_allocate_gapless_unique_codes() {
    with_database("two_nodes_codes", |db| async move {
        let nodes = [db.store().await, db.store().await];
        let mut tasks = Vec::new();
        for (n, node) in nodes.iter().enumerate() {
            for t in 0..4 {
                let node = node.clone();
                tasks.push(tokio::spawn(async move {
                    let mut codes = Vec::new();
                    for i in 0..50 {
                        let new = sample_new_dossier(
                            &agency(),
                            &format!("Nút {n} người {t}-{i}"),
                            None,
                            dt("2026-01-05T09:00"),
                        );
                        let out = write_one(&node, DossierWrite::Create(Box::new(new)), at())
                            .await
                            .expect("create");
                        codes.push(out.code);
                    }
                    codes
                }));
            }
        }
        let mut codes = Vec::new();
        for task in tasks {
            codes.extend(task.await.expect("task"));
        }
        let unique: HashSet<String> = codes.iter().map(ToString::to_string).collect();
        assert_eq!(unique.len(), 400, "unique across nodes");
        let mut seqs: Vec<u32> = codes.iter().map(|c| c.sequence()).collect();
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (1..=400).collect::<Vec<u32>>(),
            "gapless across nodes"
        );
        let v = nodes[1].verify_audit_chain().await.expect("verify");
        assert_eq!(
            (v.records, v.first_break),
            (400, None),
            "one chain in commit order"
        );
        for node in &nodes {
            node.close().await;
        }
    })
    .await;
}

/// A store with five chained events: three submissions, then two acceptances.
async fn five_events(db: &TestDb) -> PostgresStore {
    let store = db.store().await;
    let mut ids = Vec::new();
    for name in ["An", "Bình", "Cường"] {
        let new = sample_new_dossier(&agency(), name, None, dt("2026-01-05T09:00"));
        let out = write_one(&store, DossierWrite::Create(Box::new(new)), at())
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
        write_one(&store, DossierWrite::Update(Box::new(accept)), at())
            .await
            .expect("accept");
    }
    let v = store.verify_audit_chain().await.expect("verify");
    assert_eq!((v.records, v.first_break), (5, None));
    store
}

async fn raw(db: &TestDb, statements: &[&str]) -> Result<(), sqlx::Error> {
    let pool = sqlx::PgPool::connect_with(db.options.clone()).await?;
    for sql in statements {
        sqlx::query(sql).execute(&pool).await?;
    }
    pool.close().await;
    Ok(())
}

const UNPROTECT: &str = "DROP TRIGGER dossier_events_are_append_only ON dossier_events";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_is_refused_or_found() {
    with_database("tampering", |db| async move {
        let store = five_events(&db).await;
        // The trigger refuses changes outright.
        for sql in [
            "UPDATE dossier_events SET comment = 'x' WHERE chain_pos = 2",
            "DELETE FROM dossier_events WHERE chain_pos = 5",
        ] {
            let err = raw(&db, &[sql]).await.expect_err(sql);
            assert!(err.to_string().contains("immutable"), "{err}");
        }

        // Edited (trigger dropped): found at its position.
        raw(
            &db,
            &[
                UNPROTECT,
                "UPDATE dossier_events SET comment = 'sửa lén' WHERE chain_pos = 2",
            ],
        )
        .await
        .expect("edit");
        let (pos, why) = store
            .verify_audit_chain()
            .await
            .expect("verify")
            .first_break
            .expect("a break");
        assert_eq!(pos, 2);
        assert!(why.contains("edited"), "{why}");
        // Put back exactly: the chain verifies again (jsonb normalization does not matter).
        raw(
            &db,
            &["UPDATE dossier_events SET comment = 'Nộp trực tuyến' WHERE chain_pos = 2"],
        )
        .await
        .expect("restore");
        let v = store.verify_audit_chain().await.expect("verify");
        assert_eq!(v.first_break, None);

        // A state edited inside the JSON is found too.
        raw(
            &db,
            &["UPDATE dossier_events SET state_after = jsonb_set(state_after, '{status}', '\"delivered\"') WHERE chain_pos = 4"],
        )
        .await
        .expect("edit json");
        let v = store.verify_audit_chain().await.expect("verify");
        assert_eq!(v.first_break.map(|b| b.0), Some(4));
        store.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_events_are_found() {
    with_database("deleted_events", |db| async move {
        let store = five_events(&db).await;
        raw(
            &db,
            &[UNPROTECT, "DELETE FROM dossier_events WHERE chain_pos = 3"],
        )
        .await
        .expect("delete middle");
        let (pos, why) = store
            .verify_audit_chain()
            .await
            .expect("verify")
            .first_break
            .expect("a break");
        assert_eq!(pos, 3);
        assert!(why.contains("missing"), "{why}");

        raw(&db, &["DELETE FROM dossier_events WHERE chain_pos >= 3"])
            .await
            .expect("delete tail");
        let v = store.verify_audit_chain().await.expect("verify");
        let (pos, why) = v.first_break.expect("a break");
        assert_eq!((pos, v.records), (3, 2));
        assert!(why.contains("missing at the end"), "{why}");
        store.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_create_gives_its_sequence_number_back() {
    with_database("sequence_rollback", |db| async move {
        let store = db.store().await;
        let mut far = sample_new_dossier(&agency(), "An", None, dt("2026-01-05T09:00"));
        far.code_date = jiff::civil::date(2100, 1, 1);
        let ok = sample_new_dossier(&agency(), "Bình", None, dt("2026-01-05T09:00"));
        let results = store
            .write_dossiers(
                vec![
                    DossierWrite::Create(Box::new(far)),
                    DossierWrite::Create(Box::new(ok)),
                ],
                at(),
            )
            .await
            .expect("group");
        assert!(results[0].is_err() && results[1].is_ok(), "{results:?}");
        let pool = sqlx::PgPool::connect_with(db.options.clone())
            .await
            .expect("raw pool");
        let rows: Vec<(String, i32)> = sqlx::query_as(
            "SELECT to_char(day, 'YYYY-MM-DD'), last FROM dossier_sequences ORDER BY day",
        )
        .fetch_all(&pool)
        .await
        .expect("sequences");
        assert_eq!(rows, vec![("2026-01-05".to_string(), 1)]);
        let head: (i64,) = sqlx::query_as("SELECT chain_pos FROM audit_head")
            .fetch_one(&pool)
            .await
            .expect("head");
        assert_eq!(head.0, 1);
        pool.close().await;
        store.close().await;
    })
    .await;
}

/// A write that fails inside the batched statements (here a trigger the plan cannot foresee)
/// sends its group down the one-savepoint-per-write path: the others commit, numbered without
/// a gap, and the failed one leaves no number, row or chain position behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_failing_inside_a_batch_fails_alone() {
    with_database("batch_fallback", |db| async move {
        let store = db.store().await;
        raw(
            &db,
            &[
                "CREATE FUNCTION refuse_loi() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN IF lower(NEW.applicant_folded) = 'loi' THEN \
                 RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$",
                "CREATE TRIGGER refuse_loi BEFORE INSERT ON dossiers \
                 FOR EACH ROW EXECUTE FUNCTION refuse_loi()",
            ],
        )
        .await
        .expect("trigger");
        let create = |name: &str| {
            DossierWrite::Create(Box::new(sample_new_dossier(
                &agency(),
                name,
                None,
                dt("2026-01-05T09:00"),
            )))
        };
        let results = store
            .write_dossiers(vec![create("An"), create("Lỗi"), create("Bình")], at())
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
        let pool = sqlx::PgPool::connect_with(db.options.clone())
            .await
            .expect("raw pool");
        let last: (i32,) = sqlx::query_as("SELECT last FROM dossier_sequences")
            .fetch_one(&pool)
            .await
            .expect("sequence");
        assert_eq!(last.0, 2, "the failed write took no number");
        pool.close().await;
        let v = store.verify_audit_chain().await.expect("verify");
        assert_eq!((v.records, v.first_break), (2, None));
        // The next group is batched again and continues the sequence.
        let next = write_one(&store, create("Cường"), at())
            .await
            .expect("next");
        assert_eq!(next.code.sequence(), 3);
        store.close().await;
    })
    .await;
}

/// Every index definition, by name.
async fn index_definitions(db: &TestDb) -> Vec<(String, String)> {
    let pool = sqlx::PgPool::connect_with(db.options.clone())
        .await
        .expect("connect");
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT indexname::text, indexdef FROM pg_indexes \
         WHERE schemaname = current_schema() ORDER BY indexname",
    )
    .fetch_all(&pool)
    .await
    .expect("indexes");
    pool.close().await;
    rows
}

/// A bulk load interrupted after deferring its indexes (the process died before
/// `finish_bulk_load`): the next node to connect builds them again, exactly as they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_indexes_come_back_after_an_interrupted_bulk_load() {
    use tinhso_store::kpi::{KpiStore, DEFERRABLE_INDEXES};
    with_database("deferred_indexes", |db| async move {
        let store = db.store().await;
        let before = index_definitions(&db).await;
        store
            .begin_bulk_load(tinhso_store::kpi::BulkLoad {
                defer_indexes: true,
                owe_counters: false,
            })
            .await
            .expect("begin");
        let during = index_definitions(&db).await;
        for name in DEFERRABLE_INDEXES {
            assert!(
                before.iter().any(|(n, _)| n == name),
                "{name} is in the schema"
            );
            assert!(!during.iter().any(|(n, _)| n == name), "{name} deferred");
        }
        drop(store);
        let _again = db.store().await;
        assert_eq!(index_definitions(&db).await, before);
    })
    .await;
}
