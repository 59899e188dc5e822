//! The conformance suite: what every backend must do, written once, run on each engine.
//!
//! Each case is a public `async fn(&dyn Store)` that takes a **fresh, empty, migrated** store and
//! panics (through `assert!`) when the backend misbehaves. [`ALL`] lists every case by name, and
//! [`conformance_tests!`](crate::conformance_tests) expands to one `#[tokio::test]` per case,
//! from the same list, so no backend can forget one:
//!
//! ```ignore
//! // tests/it/conformance.rs of a backend crate
//! async fn run(name: &str, case: tinhso_store::conformance::Case) {
//!     let store = fresh_store(name).await;
//!     case(&store).await;
//! }
//! tinhso_store::conformance_tests!(run);
//! ```
//!
//! Dossier, audit, identity, workflow and lease cases live in `conformance/dossier_cases.rs`;
//! their sample builders ([`sample_new_dossier`], [`sample_acceptance`], [`write_one`]) are
//! public for backend-specific tests.
//!
//! The cases use data shaped like the real thing: Vĩnh Long (86) absorbing Trà Vinh (84) on
//! 1/7/2025 (domain.md §0.2), the Tết 2026 holidays (domain.md §3), procedures of the civil
//! status (hộ tịch) field.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use jiff::civil::{date, Date};
use jiff::Timestamp;
use tinhso_domain::agency::{Agency, AgencyEId, AgencyLevel};
use tinhso_domain::calendar::{CalendarDay, DayKind, TimeLimit, TimeUnit};
use tinhso_domain::catalog::{
    Channel, ChannelOption, Component, Fee, LegalBasis, OnlineLevel, Procedure, ProcedureCode,
    ProcedureLevel,
};
use tinhso_domain::units::{AdminUnit, Succession, UnitKind};

use crate::Store;
use crate::{StoreError, UnitFilter, VersionOutcome, WriteCounts};

mod account_cases;
mod dossier_cases;
mod kpi_cases;
mod object_cases;
pub use account_cases::*;
pub use dossier_cases::*;
pub use kpi_cases::*;
pub use object_cases::*;

/// The future a case returns, borrowing the store.
pub type BoxFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// One conformance case as a plain function pointer.
pub type Case = for<'a> fn(&'a dyn Store) -> BoxFuture<'a>;

/// Expands to one `#[tokio::test]` per conformance case, each calling
/// `$run(name: &'static str, case: Case).await`. The runner prepares a fresh store (or skips),
/// runs the case and cleans up. Also emits a test checking the list matches [`ALL`].
///
/// The backend's test crate must depend on `tokio` with the `macros` and `rt` features.
#[macro_export]
macro_rules! conformance_tests {
    // The single list of cases. Add a case here and it runs on every backend.
    (@list $($mode:tt)*) => {
        $crate::conformance_tests!(@emit $($mode)* ;
            ping,
            procedures_are_versioned,
            procedure_record_roundtrips,
            duplicate_codes_in_one_import,
            record_procedures_reports_progress,
            import_is_all_or_nothing,
            units_filter_by_parent_kind_and_date,
            unit_upsert_counts,
            unit_history_and_successions,
            agencies_roundtrip,
            revisions_follow_reference_writes,
            calendar_days_upsert_and_range,
            calendar_days_delete,
            search_like_baseline,
            dossier_create_and_read,
            dossier_with_facts_reads_both,
            dossier_codes_gapless_under_concurrency,
            failing_write_in_a_group_is_isolated,
            idempotent_replay_writes_nothing,
            optimistic_conflict_on_stale_events,
            deadline_flags_once,
            dossier_queries_are_scoped,
            audit_chain_links_every_event,
            outbox_pending_and_delivered,
            users_and_api_tokens,
            workflows_are_versioned,
            lease_is_exclusive,
            passwords_and_sessions,
            dossier_ratings_once,
            kpi_counters_follow_one_dossier,
            kpi_random_workload_matches_rebuild,
            bulk_loaded_dossiers_read_and_move_like_any,
            bulk_load_owing_counters_settles_like_a_rebuild,
            citizen_accounts_register_and_find,
            eid_level_only_rises,
            login_failures_count_and_are_forgotten,
            password_resets_are_used_once,
            notifications_newest_first,
            objects_referenced_by_events,
        );
    };
    (@emit all ; $($name:ident),* $(,)?) => {
        /// Every case, by name, in the order [`conformance_tests!`] runs them.
        pub const ALL: &[(&str, Case)] = &[$((stringify!($name), boxed::$name as Case)),*];
        mod boxed {
            use super::{BoxFuture, Store};
            $(
                pub fn $name<'a>(store: &'a dyn Store) -> BoxFuture<'a> {
                    ::std::boxed::Box::pin(super::$name(store))
                }
            )*
        }
    };
    (@emit tests $run:path ; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (name, case) = $crate::conformance::case(stringify!($name));
                $run(name, case).await;
            }
        )*
        #[test]
        fn conformance_list_matches_all() {
            let here: &[&str] = &[$(stringify!($name)),*];
            let all: ::std::vec::Vec<&str> =
                $crate::conformance::ALL.iter().map(|(n, _)| *n).collect();
            assert_eq!(here, all.as_slice());
        }
    };
    ($run:path) => {
        $crate::conformance_tests!(@list tests $run);
    };
}

conformance_tests!(@list all);

/// Looks a case up by name in [`ALL`]. Panics on an unknown name (a bug in the macro).
pub fn case(name: &str) -> (&'static str, Case) {
    match ALL.iter().find(|(n, _)| *n == name) {
        Some(&(n, c)) => (n, c),
        None => panic!("no conformance case named {name}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Test data

fn code(s: &str) -> ProcedureCode {
    ProcedureCode::parse(s).expect("test procedure code")
}

fn eid(s: &str) -> AgencyEId {
    AgencyEId::parse(s).expect("test agency e-ID")
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("test timestamp")
}

/// A small procedure record with the fields the store indexes.
pub fn sample_procedure(code_str: &str, name: &str) -> Procedure {
    Procedure {
        code: code(code_str),
        name: name.to_string(),
        decision: "1872/QĐ-BTP".to_string(),
        levels: vec![ProcedureLevel::Commune],
        fields: vec!["Hộ tịch".to_string()],
        applicant_types: vec!["Công dân Việt Nam".to_string()],
        competent_agency: "Ủy ban nhân dân cấp xã".to_string(),
        agency_eids: vec![],
        online_level: OnlineLevel::Partial,
        time_limit: None,
        cutoff_15h: false,
        channels: vec![],
        components: vec![],
        steps: String::new(),
        requirements: String::new(),
        results: vec![],
        legal_bases: vec![],
        source: "test".to_string(),
    }
}

/// A record with every nested part filled, to check nothing is lost on the way through.
fn full_procedure() -> Procedure {
    let limit = TimeLimit {
        hundredths: 50,
        unit: TimeUnit::WorkingDays,
    };
    Procedure {
        code: code("1.001193"),
        name: "Thủ tục đăng ký khai sinh".to_string(),
        decision: "1872/QĐ-BTP ngày 04/9/2020".to_string(),
        levels: vec![ProcedureLevel::Commune, ProcedureLevel::Province],
        fields: vec!["Hộ tịch".to_string(), "Tư pháp".to_string()],
        applicant_types: vec![
            "Công dân Việt Nam".to_string(),
            "Người nước ngoài".to_string(),
        ],
        competent_agency: "Ủy ban nhân dân xã".to_string(),
        agency_eids: vec![eid("000.00.04.H40"), eid("000.21.30.H40")],
        online_level: OnlineLevel::Full,
        time_limit: Some(limit),
        cutoff_15h: true,
        channels: vec![
            ChannelOption {
                channel: Channel::Counter,
                time_limit: Some(limit),
                time_limit_text: "Ngay trong ngày tiếp nhận hồ sơ".to_string(),
                fees: vec![Fee {
                    amount_vnd: None,
                    text: "Miễn lệ phí".to_string(),
                }],
                description: "Nộp trực tiếp tại Bộ phận Một cửa".to_string(),
            },
            ChannelOption {
                channel: Channel::Online,
                time_limit: None,
                time_limit_text: String::new(),
                fees: vec![Fee {
                    amount_vnd: Some(8_000),
                    text: "8.000 đồng/bản".to_string(),
                }],
                description: "Qua Cổng Dịch vụ công quốc gia".to_string(),
            },
        ],
        components: vec![Component {
            name: "Tờ khai đăng ký khai sinh".to_string(),
            form_template: Some("Mẫu TP/HT-2020-KS.1".to_string()),
            originals: 1,
            copies: 0,
            required: true,
            obtainable_from_data: false,
        }],
        steps: "Bước 1: nộp hồ sơ.\nBước 2: nhận kết quả.".to_string(),
        requirements: "Không".to_string(),
        results: vec!["Giấy khai sinh".to_string()],
        legal_bases: vec![LegalBasis {
            number: "60/2014/QH13".to_string(),
            title: "Luật Hộ tịch".to_string(),
        }],
        source: "https://example.invalid/1.001193".to_string(),
    }
}

fn unit(
    code: &str,
    kind: UnitKind,
    name: &str,
    parent: Option<&str>,
    valid_from: Date,
    valid_to: Option<Date>,
) -> AdminUnit {
    AdminUnit {
        code: code.to_string(),
        kind,
        name: name.to_string(),
        unit_type: match kind {
            UnitKind::Province => "Tỉnh",
            UnitKind::District => "Huyện",
            UnitKind::Commune => "Xã",
        }
        .to_string(),
        parent_code: parent.map(str::to_string),
        valid_from,
        valid_to,
        lat: None,
        lon: None,
        area_km2: None,
    }
}

const BEFORE_REFORM: Date = date(1976, 1, 1);
const LAST_DAY_OLD: Date = date(2025, 6, 30);
const REFORM: Date = date(2025, 7, 1);

/// Trà Vinh (84) with a district and two communes until 30/6/2025; Vĩnh Long (86) and two new
/// communes from 1/7/2025; one commune (29500) keeps its code across the reform.
fn reform_units() -> Vec<AdminUnit> {
    vec![
        unit(
            "84",
            UnitKind::Province,
            "Trà Vinh",
            None,
            BEFORE_REFORM,
            Some(LAST_DAY_OLD),
        ),
        unit(
            "86",
            UnitKind::Province,
            "Vĩnh Long",
            None,
            BEFORE_REFORM,
            None,
        ),
        unit(
            "842",
            UnitKind::District,
            "Càng Long",
            Some("84"),
            BEFORE_REFORM,
            Some(LAST_DAY_OLD),
        ),
        unit(
            "29500",
            UnitKind::Commune,
            "An Trường",
            Some("842"),
            BEFORE_REFORM,
            Some(LAST_DAY_OLD),
        ),
        unit(
            "29503",
            UnitKind::Commune,
            "Tân An",
            Some("842"),
            BEFORE_REFORM,
            Some(LAST_DAY_OLD),
        ),
        AdminUnit {
            lat: Some(9.987_654_321),
            lon: Some(106.123_456_789),
            area_km2: Some(62.75),
            ..unit(
                "29500",
                UnitKind::Commune,
                "An Trường",
                Some("86"),
                REFORM,
                None,
            )
        },
        unit(
            "29488",
            UnitKind::Commune,
            "Càng Long",
            Some("86"),
            REFORM,
            None,
        ),
    ]
}

fn agency(e: &str, name: &str, level: AgencyLevel) -> Agency {
    Agency {
        eid: eid(e),
        name: name.to_string(),
        level,
        parent: None,
        unit_code: None,
        valid_from: REFORM,
        valid_to: None,
        successor: None,
    }
}

fn codes_of(rows: &[tinhso_domain::catalog::ProcedureVersion]) -> Vec<(String, u32)> {
    rows.iter()
        .map(|v| (v.procedure.code.to_string(), v.version))
        .collect()
}

fn strings(codes: &[ProcedureCode]) -> Vec<String> {
    codes.iter().map(ToString::to_string).collect()
}

fn no_progress(_: u64) {}

// ---------------------------------------------------------------------------------------------
// Cases

/// The store answers a round trip and names its backend.
pub async fn ping(store: &dyn Store) {
    store.ping().await.expect("ping");
    assert!(
        matches!(store.backend(), "sqlite" | "postgres"),
        "unexpected backend name {:?}",
        store.backend()
    );
    assert!(
        store.latest_procedures().await.expect("latest").is_empty(),
        "fresh store not empty"
    );
}

/// Re-recording the same record changes nothing; a changed record becomes version 2 and
/// version 1 stays as it was; the revision grows only on change (domain.md §4: a dossier stays
/// pinned to the version in force when it was accepted, so old versions must never move).
pub async fn procedures_are_versioned(store: &dyn Store) {
    let t1 = ts("2026-01-05T01:02:03.123456Z");
    let t2 = ts("2026-02-10T09:00:00.000001Z");
    let t3 = ts("2026-03-01T00:00:00Z");
    let birth = sample_procedure("1.001193", "Đăng ký khai sinh");
    let death = sample_procedure("1.000656", "Đăng ký khai tử");

    let rev0 = store.catalog_revision().await.expect("revision");
    let out = store
        .record_procedures(&[birth.clone(), death.clone()], t1, &no_progress)
        .await
        .expect("first import");
    assert_eq!(
        out,
        vec![
            VersionOutcome::Created { version: 1 },
            VersionOutcome::Created { version: 1 }
        ]
    );
    let rev1 = store.catalog_revision().await.expect("revision");
    assert!(
        rev1 > rev0,
        "revision must grow on import: {rev0} -> {rev1}"
    );

    // The same file again: nothing written, revision unchanged.
    let out = store
        .record_procedures(&[birth.clone(), death.clone()], t2, &no_progress)
        .await
        .expect("re-import");
    assert_eq!(
        out,
        vec![
            VersionOutcome::Unchanged { version: 1 },
            VersionOutcome::Unchanged { version: 1 }
        ]
    );
    assert_eq!(store.catalog_revision().await.expect("revision"), rev1);

    // A changed record: version 2.
    let birth2 = Procedure {
        name: "Đăng ký khai sinh (sửa đổi)".to_string(),
        online_level: OnlineLevel::Full,
        ..birth.clone()
    };
    let out = store
        .record_procedures(std::slice::from_ref(&birth2), t2, &no_progress)
        .await
        .expect("change");
    assert_eq!(out, vec![VersionOutcome::NewVersion { version: 2 }]);
    let rev2 = store.catalog_revision().await.expect("revision");
    assert!(
        rev2 > rev1,
        "revision must grow on a new version: {rev1} -> {rev2}"
    );

    let latest = store
        .procedure(&birth.code)
        .await
        .expect("latest")
        .expect("exists");
    assert_eq!(latest.version, 2);
    assert_eq!(latest.procedure, birth2);
    assert_eq!(latest.content_hash, birth2.content_hash());
    assert_eq!(latest.recorded_at, t2);

    let v1 = store
        .procedure_version(&birth.code, 1)
        .await
        .expect("v1")
        .expect("v1 exists");
    assert_eq!(v1.version, 1);
    assert_eq!(v1.procedure, birth, "version 1 must be unchanged");
    assert_eq!(v1.content_hash, birth.content_hash());
    assert_eq!(
        v1.recorded_at, t1,
        "timestamps round-trip to the microsecond"
    );

    assert!(store
        .procedure_version(&birth.code, 3)
        .await
        .expect("v3")
        .is_none());
    assert!(store
        .procedure(&code("2.000635"))
        .await
        .expect("unknown")
        .is_none());
    assert!(store
        .procedure_versions(&code("2.000635"))
        .await
        .expect("unknown")
        .is_empty());

    let versions = store
        .procedure_versions(&birth.code)
        .await
        .expect("versions");
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(versions[0].procedure, birth);
    assert_eq!(versions[1].procedure, birth2);

    let latest_all = store.latest_procedures().await.expect("latest all");
    assert_eq!(
        codes_of(&latest_all),
        vec![("1.000656".to_string(), 1), ("1.001193".to_string(), 2)],
        "latest versions ordered by code"
    );

    // Going back to the old content is a change relative to the latest: version 3.
    let out = store
        .record_procedures(std::slice::from_ref(&birth), t3, &no_progress)
        .await
        .expect("revert");
    assert_eq!(out, vec![VersionOutcome::NewVersion { version: 3 }]);
    let latest = store
        .procedure(&birth.code)
        .await
        .expect("latest")
        .expect("exists");
    assert_eq!((latest.version, &latest.procedure), (3, &birth));
    assert!(store.catalog_revision().await.expect("revision") > rev2);
    // Version 2 still readable and untouched.
    let v2 = store
        .procedure_version(&birth.code, 2)
        .await
        .expect("v2")
        .expect("v2 exists");
    assert_eq!(v2.procedure, birth2);

    // An empty import is fine and changes nothing.
    let before = store.catalog_revision().await.expect("revision");
    assert!(store
        .record_procedures(&[], t3, &no_progress)
        .await
        .expect("empty")
        .is_empty());
    assert_eq!(store.catalog_revision().await.expect("revision"), before);
}

/// A record with every nested part (channels, fees, components, legal bases, agencies, time
/// limits) comes back equal, with the same content hash.
pub async fn procedure_record_roundtrips(store: &dyn Store) {
    let p = full_procedure();
    let at = ts("2026-11-21T08:30:00.654321Z");
    store
        .record_procedures(std::slice::from_ref(&p), at, &no_progress)
        .await
        .expect("record");
    let got = store
        .procedure(&p.code)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(got.procedure, p);
    assert_eq!(got.content_hash, p.content_hash());
    assert_eq!(got.recorded_at, at);
    assert_eq!(got.version, 1);
    // Read back and re-recorded: unchanged (the stored record hashes the same).
    let out = store
        .record_procedures(&[got.procedure], at, &no_progress)
        .await
        .expect("again");
    assert_eq!(out, vec![VersionOutcome::Unchanged { version: 1 }]);
}

/// A code given twice in one import is applied in order: created, then a new version when the
/// second differs, unchanged when it is the same.
pub async fn duplicate_codes_in_one_import(store: &dyn Store) {
    let a = sample_procedure("2.000635", "Cấp bản sao trích lục hộ tịch");
    let b = Procedure {
        requirements: "Có giấy tờ tùy thân".to_string(),
        ..a.clone()
    };
    let at = ts("2026-04-01T00:00:00Z");
    let out = store
        .record_procedures(&[a.clone(), b.clone(), b.clone()], at, &no_progress)
        .await
        .expect("import");
    assert_eq!(
        out,
        vec![
            VersionOutcome::Created { version: 1 },
            VersionOutcome::NewVersion { version: 2 },
            VersionOutcome::Unchanged { version: 2 },
        ]
    );
    let versions = store.procedure_versions(&a.code).await.expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].procedure, a);
    assert_eq!(versions[1].procedure, b);
}

/// Large imports report progress (about every 500 rows), ending at the total.
pub async fn record_procedures_reports_progress(store: &dyn Store) {
    let procedures: Vec<Procedure> = (0..1_234)
        .map(|i| sample_procedure(&format!("1.{i:06}"), &format!("Thủ tục số {i}")))
        .collect();
    let seen = Mutex::new(Vec::new());
    let progress = |n: u64| seen.lock().expect("progress lock").push(n);
    let out = store
        .record_procedures(&procedures, ts("2026-05-01T00:00:00Z"), &progress)
        .await
        .expect("import");
    assert_eq!(out.len(), procedures.len());
    assert!(out
        .iter()
        .all(|o| *o == VersionOutcome::Created { version: 1 }));
    let seen = seen.into_inner().expect("progress lock");
    assert!(
        seen.len() >= 3,
        "progress called at least every ~500 rows: {seen:?}"
    );
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "progress grows: {seen:?}"
    );
    assert_eq!(seen.last().copied(), Some(1_234));
    assert_eq!(
        store.latest_procedures().await.expect("latest").len(),
        1_234
    );

    // Units report progress too.
    let units: Vec<AdminUnit> = (0..1_100)
        .map(|i| {
            unit(
                &format!("{i:05}"),
                UnitKind::Commune,
                "Xã",
                Some("86"),
                REFORM,
                None,
            )
        })
        .collect();
    let seen = Mutex::new(Vec::new());
    let progress = |n: u64| seen.lock().expect("progress lock").push(n);
    let counts = store.upsert_units(&units, &progress).await.expect("units");
    assert_eq!(
        counts,
        WriteCounts {
            inserted: 1_100,
            updated: 0,
            unchanged: 0
        }
    );
    let seen = seen.into_inner().expect("progress lock");
    assert!(seen.len() >= 2, "{seen:?}");
    assert_eq!(seen.last().copied(), Some(1_100));
}

/// A batch with one bad row (a validity period ending before it starts) fails as a whole:
/// neither its new rows nor its updates remain.
pub async fn import_is_all_or_nothing(store: &dyn Store) {
    let first = vec![unit(
        "86",
        UnitKind::Province,
        "Vĩnh Long",
        None,
        BEFORE_REFORM,
        None,
    )];
    store
        .upsert_units(&first, &no_progress)
        .await
        .expect("first import");

    let bad = vec![
        // An update of an existing unit…
        unit(
            "86",
            UnitKind::Province,
            "Tỉnh Vĩnh Long (mới)",
            None,
            BEFORE_REFORM,
            None,
        ),
        // …a new valid unit…
        unit(
            "29488",
            UnitKind::Commune,
            "Càng Long",
            Some("86"),
            REFORM,
            None,
        ),
        // …and a row no database may accept: valid_to before valid_from.
        unit(
            "29500",
            UnitKind::Commune,
            "An Trường",
            Some("86"),
            REFORM,
            Some(LAST_DAY_OLD),
        ),
    ];
    let err = store
        .upsert_units(&bad, &no_progress)
        .await
        .expect_err("bad batch must fail");
    assert!(
        matches!(err, StoreError::Conflict(_)),
        "a violated rule is a conflict: {err:?}"
    );

    let all = store.units(&UnitFilter::default()).await.expect("units");
    assert_eq!(all, first, "the failed batch left nothing behind");

    // The store is still usable after the failure.
    let counts = store
        .upsert_units(&bad[..2], &no_progress)
        .await
        .expect("good part");
    assert_eq!(
        counts,
        WriteCounts {
            inserted: 1,
            updated: 1,
            unchanged: 0
        }
    );
}

/// Filters by kind, parent and the day a unit is in force (both ends inclusive), ordered by
/// kind (province, district, commune), code, valid_from.
pub async fn units_filter_by_parent_kind_and_date(store: &dyn Store) {
    let units = reform_units();
    let counts = store
        .upsert_units(&units, &no_progress)
        .await
        .expect("import");
    assert_eq!(
        counts,
        WriteCounts {
            inserted: 7,
            updated: 0,
            unchanged: 0
        }
    );

    let keys = |rows: Vec<AdminUnit>| -> Vec<(UnitKind, String, Date)> {
        rows.into_iter()
            .map(|u| (u.kind, u.code, u.valid_from))
            .collect()
    };

    let all = store.units(&UnitFilter::default()).await.expect("all");
    assert_eq!(
        keys(all.clone()),
        vec![
            (UnitKind::Province, "84".into(), BEFORE_REFORM),
            (UnitKind::Province, "86".into(), BEFORE_REFORM),
            (UnitKind::District, "842".into(), BEFORE_REFORM),
            (UnitKind::Commune, "29488".into(), REFORM),
            (UnitKind::Commune, "29500".into(), BEFORE_REFORM),
            (UnitKind::Commune, "29500".into(), REFORM),
            (UnitKind::Commune, "29503".into(), BEFORE_REFORM),
        ]
    );
    // Every field round-trips, floats included.
    let kept = all
        .iter()
        .find(|u| u.code == "29500" && u.valid_from == REFORM)
        .expect("29500");
    assert_eq!(kept, &units[5]);

    let communes_of_86 = store
        .units(&UnitFilter {
            kind: Some(UnitKind::Commune),
            parent_code: Some("86".into()),
            in_force_on: None,
        })
        .await
        .expect("communes of 86");
    assert_eq!(
        keys(communes_of_86),
        vec![
            (UnitKind::Commune, "29488".into(), REFORM),
            (UnitKind::Commune, "29500".into(), REFORM)
        ]
    );

    // 30/6/2025, the last day of the old map (valid_to is inclusive).
    let old_day = store
        .units(&UnitFilter {
            in_force_on: Some(LAST_DAY_OLD),
            ..UnitFilter::default()
        })
        .await
        .expect("old day");
    assert_eq!(
        keys(old_day),
        vec![
            (UnitKind::Province, "84".into(), BEFORE_REFORM),
            (UnitKind::Province, "86".into(), BEFORE_REFORM),
            (UnitKind::District, "842".into(), BEFORE_REFORM),
            (UnitKind::Commune, "29500".into(), BEFORE_REFORM),
            (UnitKind::Commune, "29503".into(), BEFORE_REFORM),
        ]
    );

    // 1/7/2025: two provinces became one; no districts.
    let provinces_now = store
        .units(&UnitFilter {
            kind: Some(UnitKind::Province),
            parent_code: None,
            in_force_on: Some(REFORM),
        })
        .await
        .expect("provinces now");
    assert_eq!(
        keys(provinces_now),
        vec![(UnitKind::Province, "86".into(), BEFORE_REFORM)]
    );
    let districts_now = store
        .units(&UnitFilter {
            kind: Some(UnitKind::District),
            parent_code: None,
            in_force_on: Some(date(2026, 1, 1)),
        })
        .await
        .expect("districts now");
    assert!(districts_now.is_empty());

    let before_all = store
        .units(&UnitFilter {
            in_force_on: Some(date(1975, 12, 31)),
            ..UnitFilter::default()
        })
        .await
        .expect("before all");
    assert!(before_all.is_empty());

    let children_of_842 = store
        .units(&UnitFilter {
            parent_code: Some("842".into()),
            ..UnitFilter::default()
        })
        .await
        .expect("children of 842");
    assert_eq!(children_of_842.len(), 2);
}

/// Insert, update and unchanged counts of unit imports; the key is (code, kind, valid_from).
pub async fn unit_upsert_counts(store: &dyn Store) {
    let units = reform_units();
    store
        .upsert_units(&units, &no_progress)
        .await
        .expect("import");
    let again = store
        .upsert_units(&units, &no_progress)
        .await
        .expect("again");
    assert_eq!(
        again,
        WriteCounts {
            inserted: 0,
            updated: 0,
            unchanged: 7
        }
    );

    let mut changed = units.clone();
    changed[1].name = "Tỉnh Vĩnh Long".to_string();
    changed[5].area_km2 = Some(63.0);
    changed[6].valid_to = Some(date(2030, 12, 31));
    let counts = store
        .upsert_units(&changed, &no_progress)
        .await
        .expect("changed");
    assert_eq!(
        counts,
        WriteCounts {
            inserted: 0,
            updated: 3,
            unchanged: 4
        }
    );
    let all = store.units(&UnitFilter::default()).await.expect("all");
    assert!(all.contains(&changed[1]) && all.contains(&changed[5]) && all.contains(&changed[6]));
    assert_eq!(all.len(), 7);

    // Clearing an optional field is a change too.
    let mut cleared = changed.clone();
    cleared[5].lat = None;
    let counts = store
        .upsert_units(&cleared[5..6], &no_progress)
        .await
        .expect("cleared");
    assert_eq!(
        counts,
        WriteCounts {
            inserted: 0,
            updated: 1,
            unchanged: 0
        }
    );
    let history = store.unit_history("29500").await.expect("history");
    assert_eq!(history[1].lat, None);

    // The same key twice in one batch: the last one wins, counted once.
    let first = unit(
        "30001",
        UnitKind::Commune,
        "Tên cũ",
        Some("86"),
        REFORM,
        None,
    );
    let second = unit(
        "30001",
        UnitKind::Commune,
        "Tên mới",
        Some("86"),
        REFORM,
        None,
    );
    let counts = store
        .upsert_units(&[first, second.clone()], &no_progress)
        .await
        .expect("dup");
    assert_eq!(
        counts,
        WriteCounts {
            inserted: 1,
            updated: 0,
            unchanged: 0
        }
    );
    assert_eq!(
        store.unit_history("30001").await.expect("history"),
        vec![second]
    );

    assert_eq!(
        store.upsert_units(&[], &no_progress).await.expect("empty"),
        WriteCounts::default()
    );
}

/// A code that lives through the reform has two periods; successions link old and new codes
/// both ways, and are never duplicated.
pub async fn unit_history_and_successions(store: &dyn Store) {
    let units = reform_units();
    store
        .upsert_units(&units, &no_progress)
        .await
        .expect("import");

    let history = store.unit_history("29500").await.expect("history");
    assert_eq!(
        history,
        vec![units[3].clone(), units[5].clone()],
        "oldest first"
    );
    assert!(store
        .unit_history("99999")
        .await
        .expect("unknown")
        .is_empty());

    let rows = vec![
        Succession {
            old_code: "29500".into(),
            new_code: "29500".into(),
            partial: false,
            effective: REFORM,
        },
        Succession {
            old_code: "29503".into(),
            new_code: "29488".into(),
            partial: true,
            effective: REFORM,
        },
        Succession {
            old_code: "29503".into(),
            new_code: "29500".into(),
            partial: true,
            effective: REFORM,
        },
        Succession {
            old_code: "84".into(),
            new_code: "86".into(),
            partial: false,
            effective: REFORM,
        },
    ];
    let counts = store
        .upsert_successions(&rows, &no_progress)
        .await
        .expect("successions");
    assert_eq!(
        counts,
        WriteCounts {
            inserted: 4,
            updated: 0,
            unchanged: 0
        }
    );
    let again = store
        .upsert_successions(&rows, &no_progress)
        .await
        .expect("again");
    assert_eq!(
        again,
        WriteCounts {
            inserted: 0,
            updated: 0,
            unchanged: 4
        }
    );

    let of_29503 = store.successions_of("29503").await.expect("of 29503");
    assert_eq!(of_29503, vec![rows[1].clone(), rows[2].clone()]);
    let of_29500 = store.successions_of("29500").await.expect("of 29500");
    assert_eq!(of_29500.len(), 2, "from and to: {of_29500:?}");
    assert!(of_29500.contains(&rows[0]) && of_29500.contains(&rows[2]));
    let of_86 = store.successions_of("86").await.expect("of 86");
    assert_eq!(of_86, vec![rows[3].clone()]);
    assert!(store
        .successions_of("12345")
        .await
        .expect("none")
        .is_empty());
}

/// Agencies are stored whole, keyed by e-ID, listed in e-ID order; replacing one counts as an
/// update.
/// The reference revisions grow with every write of their kind and only then: a node keeps the
/// latest procedure versions, agencies and workflows in memory and checks them with this one
/// read, so a write that did not move its counter would leave every node serving a stale record.
pub async fn revisions_follow_reference_writes(store: &dyn Store) {
    use tinhso_domain::dossier::WorkflowDefinition;
    let t = ts("2026-01-05T01:00:00Z");
    let r0 = store.revisions().await.expect("revisions");

    let birth = sample_procedure("1.001193", "Đăng ký khai sinh");
    store
        .record_procedures(std::slice::from_ref(&birth), t, &no_progress)
        .await
        .expect("import");
    let r1 = store.revisions().await.expect("revisions");
    assert!(r1.catalog > r0.catalog, "a new procedure: {r0:?} -> {r1:?}");
    assert_eq!((r1.agencies, r1.workflows), (r0.agencies, r0.workflows));

    // The same content again writes nothing and moves nothing.
    store
        .record_procedures(std::slice::from_ref(&birth), t, &no_progress)
        .await
        .expect("re-import");
    assert_eq!(store.revisions().await.expect("revisions"), r1);

    let birth2 = Procedure {
        name: "Đăng ký khai sinh (sửa đổi)".to_string(),
        ..birth.clone()
    };
    store
        .record_procedures(std::slice::from_ref(&birth2), t, &no_progress)
        .await
        .expect("new version");
    let r2 = store.revisions().await.expect("revisions");
    assert!(r2.catalog > r1.catalog, "a new version: {r1:?} -> {r2:?}");
    assert_eq!((r2.agencies, r2.workflows), (r1.agencies, r1.workflows));

    let commune = agency(
        "000.21.30.H62",
        "Ủy ban nhân dân xã Càng Long",
        AgencyLevel::Commune,
    );
    store
        .upsert_agencies(std::slice::from_ref(&commune))
        .await
        .expect("agency");
    let r3 = store.revisions().await.expect("revisions");
    assert!(r3.agencies > r2.agencies, "a new agency: {r2:?} -> {r3:?}");
    assert_eq!((r3.catalog, r3.workflows), (r2.catalog, r2.workflows));

    let renamed = Agency {
        name: "Ủy ban nhân dân xã Càng Long (mới)".to_string(),
        ..commune.clone()
    };
    store
        .upsert_agencies(std::slice::from_ref(&renamed))
        .await
        .expect("renamed agency");
    let r4 = store.revisions().await.expect("revisions");
    assert!(
        r4.agencies > r3.agencies,
        "a renamed agency: {r3:?} -> {r4:?}"
    );
    assert_eq!((r4.catalog, r4.workflows), (r3.catalog, r3.workflows));

    let workflow = WorkflowDefinition::default_for(birth.code.clone());
    store.add_workflow(&workflow, t).await.expect("workflow");
    let r5 = store.revisions().await.expect("revisions");
    assert!(
        r5.workflows > r4.workflows,
        "a new workflow: {r4:?} -> {r5:?}"
    );
    assert_eq!((r5.catalog, r5.agencies), (r4.catalog, r4.agencies));

    // A refused write (version 1 again) and reads move nothing.
    assert!(matches!(
        store.add_workflow(&workflow, t).await,
        Err(StoreError::Conflict(_))
    ));
    store.procedure(&birth.code).await.expect("procedure");
    store.agency(&commune.eid).await.expect("agency");
    store.workflow(&birth.code).await.expect("workflow");
    assert_eq!(store.revisions().await.expect("revisions"), r5);
}

pub async fn agencies_roundtrip(store: &dyn Store) {
    let centre = Agency {
        parent: Some(eid("000.00.00.H62")),
        unit_code: Some("86".into()),
        ..agency(
            "000.00.20.H62",
            "Trung tâm Phục vụ hành chính công tỉnh",
            AgencyLevel::Centre,
        )
    };
    let old_commune = Agency {
        valid_from: date(2008, 1, 1),
        valid_to: Some(LAST_DAY_OLD),
        successor: Some(eid("000.21.30.H62")),
        unit_code: Some("29503".into()),
        ..agency(
            "000.21.31.H62",
            "Ủy ban nhân dân xã Tân An",
            AgencyLevel::Commune,
        )
    };
    let province = agency(
        "000.00.00.H62",
        "Ủy ban nhân dân tỉnh Vĩnh Long",
        AgencyLevel::Province,
    );
    let new_commune = Agency {
        unit_code: Some("29488".into()),
        ..agency(
            "000.21.30.H62",
            "Ủy ban nhân dân xã Càng Long",
            AgencyLevel::Commune,
        )
    };
    let rows = vec![
        centre.clone(),
        old_commune.clone(),
        province.clone(),
        new_commune.clone(),
    ];
    let counts = store.upsert_agencies(&rows).await.expect("import");
    assert_eq!(
        counts,
        WriteCounts {
            inserted: 4,
            updated: 0,
            unchanged: 0
        }
    );

    assert_eq!(
        store.agency(&old_commune.eid).await.expect("read"),
        Some(old_commune.clone())
    );
    assert_eq!(
        store.agency(&eid("000.00.99.H62")).await.expect("read"),
        None
    );
    let all = store.agencies().await.expect("all");
    assert_eq!(
        all,
        vec![
            province.clone(),
            centre.clone(),
            new_commune.clone(),
            old_commune
        ]
    );

    let renamed = Agency {
        name: "UBND tỉnh Vĩnh Long".into(),
        ..province.clone()
    };
    let counts = store
        .upsert_agencies(&[renamed.clone(), centre.clone()])
        .await
        .expect("rename");
    assert_eq!(
        counts,
        WriteCounts {
            inserted: 0,
            updated: 1,
            unchanged: 1
        }
    );
    assert_eq!(
        store.agency(&province.eid).await.expect("read"),
        Some(renamed)
    );
    assert_eq!(store.agencies().await.expect("all").len(), 4);
    assert_eq!(
        store.upsert_agencies(&[]).await.expect("empty"),
        WriteCounts::default()
    );
}

/// An admin removes dated entries (domain.md §3): only those dates go, the count says how many
/// existed, unknown dates and an empty list change nothing.
pub async fn calendar_days_delete(store: &dyn Store) {
    let day = |d: Date, kind: DayKind| CalendarDay {
        date: d,
        kind,
        name: "Ngày thử".into(),
    };
    let days = vec![
        day(date(2026, 11, 24), DayKind::Holiday),
        day(date(2026, 11, 25), DayKind::Holiday),
        day(date(2026, 11, 28), DayKind::WorkingDay),
    ];
    store.upsert_calendar_days(&days).await.expect("import");
    assert_eq!(store.delete_calendar_days(&[]).await.expect("empty"), 0);
    let removed = store
        .delete_calendar_days(&[date(2026, 11, 24), date(2026, 11, 28), date(2026, 12, 1)])
        .await
        .expect("delete");
    assert_eq!(removed, 2);
    let left = store
        .calendar_days(date(2026, 1, 1), date(2026, 12, 31))
        .await
        .expect("range");
    assert_eq!(left, vec![days[1].clone()]);
    assert_eq!(
        store
            .delete_calendar_days(&[date(2026, 11, 24)])
            .await
            .expect("again"),
        0
    );
    // A removed date can be entered again.
    let counts = store
        .upsert_calendar_days(&days[..1])
        .await
        .expect("re-add");
    assert_eq!(counts.inserted, 1);
}

/// Dated calendar entries (domain.md §3: holidays are effective-dated data an admin edits):
/// upsert by date, range with both ends inclusive, in date order.
pub async fn calendar_days_upsert_and_range(store: &dyn Store) {
    let holiday = |d: Date, name: &str| CalendarDay {
        date: d,
        kind: DayKind::Holiday,
        name: name.into(),
    };
    // Tết 2026 falls on 2026-02-17 (domain.md §3).
    let days = vec![
        holiday(date(2026, 2, 19), "Tết Nguyên đán"),
        holiday(date(2026, 2, 16), "Tết Nguyên đán"),
        holiday(date(2026, 2, 17), "Tết Nguyên đán (mùng 1)"),
        holiday(date(2026, 2, 18), "Tết Nguyên đán"),
        holiday(date(2026, 2, 20), "Tết Nguyên đán"),
        CalendarDay {
            date: date(2026, 2, 28),
            kind: DayKind::WorkingDay,
            name: "Làm bù".into(),
        },
        holiday(date(2026, 11, 24), "Ngày Văn hóa Việt Nam"),
    ];
    let counts = store.upsert_calendar_days(&days).await.expect("import");
    assert_eq!(
        counts,
        WriteCounts {
            inserted: 7,
            updated: 0,
            unchanged: 0
        }
    );

    let tet = store
        .calendar_days(date(2026, 2, 16), date(2026, 2, 20))
        .await
        .expect("range");
    assert_eq!(
        tet.iter().map(|d| d.date).collect::<Vec<_>>(),
        (16..=20).map(|d| date(2026, 2, d)).collect::<Vec<_>>(),
        "both ends inclusive, in date order"
    );
    assert_eq!(tet[1], days[2]);

    let feb = store
        .calendar_days(date(2026, 2, 1), date(2026, 2, 28))
        .await
        .expect("feb");
    assert_eq!(feb.len(), 6);
    assert_eq!(feb[5].kind, DayKind::WorkingDay);
    assert!(store
        .calendar_days(date(2026, 3, 1), date(2026, 11, 23))
        .await
        .expect("gap")
        .is_empty());
    assert!(store
        .calendar_days(date(2026, 12, 31), date(2026, 1, 1))
        .await
        .expect("reversed")
        .is_empty());

    // 24/11 turns out not to be in force this year: the admin replaces it.
    let fix = CalendarDay {
        date: date(2026, 11, 24),
        kind: DayKind::WorkingDay,
        name: "Ngày thường".into(),
    };
    let counts = store
        .upsert_calendar_days(&[fix.clone(), days[0].clone()])
        .await
        .expect("fix");
    assert_eq!(
        counts,
        WriteCounts {
            inserted: 0,
            updated: 1,
            unchanged: 1
        }
    );
    let nov = store
        .calendar_days(date(2026, 11, 1), date(2026, 11, 30))
        .await
        .expect("nov");
    assert_eq!(nov, vec![fix]);
    assert_eq!(
        store.upsert_calendar_days(&[]).await.expect("empty"),
        WriteCounts::default()
    );
}

/// The `LIKE` baseline: every folded term must appear in the folded name of the latest version;
/// results by code, limited; `%` and `_` in a term are literal characters, not wildcards.
pub async fn search_like_baseline(store: &dyn Store) {
    let at = ts("2026-06-01T00:00:00Z");
    let rows = vec![
        sample_procedure("1.001193", "Đăng ký khai sinh"),
        sample_procedure("1.000894", "Đăng ký kết hôn"),
        sample_procedure("1.000656", "Đăng ký khai tử"),
        sample_procedure("2.000635", "Cấp bản sao trích lục hộ tịch"),
        sample_procedure("1.004227", "Thủ tục 100% trực tuyến"),
    ];
    store
        .record_procedures(&rows, at, &no_progress)
        .await
        .expect("import");
    let terms = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    let found = store
        .search_procedures_like(&terms(&["dang ky"]), 10)
        .await
        .expect("search");
    assert_eq!(strings(&found), vec!["1.000656", "1.000894", "1.001193"]);
    let found = store
        .search_procedures_like(&terms(&["khai", "sinh"]), 10)
        .await
        .expect("search");
    assert_eq!(strings(&found), vec!["1.001193"]);
    let found = store
        .search_procedures_like(&terms(&["dang"]), 2)
        .await
        .expect("limit");
    assert_eq!(strings(&found), vec!["1.000656", "1.000894"]);
    let found = store
        .search_procedures_like(&terms(&["ho tich"]), 10)
        .await
        .expect("đ, ị folded");
    assert_eq!(strings(&found), vec!["2.000635"]);
    let found = store
        .search_procedures_like(&terms(&["khong co"]), 10)
        .await
        .expect("none");
    assert!(found.is_empty());

    // Wildcards are literal.
    let found = store
        .search_procedures_like(&terms(&["%"]), 10)
        .await
        .expect("percent");
    assert_eq!(strings(&found), vec!["1.004227"]);
    let found = store
        .search_procedures_like(&terms(&["_"]), 10)
        .await
        .expect("underscore");
    assert!(found.is_empty());
    // A quote is just a character (parameters are bound, never spliced into SQL).
    let found = store
        .search_procedures_like(&terms(&["' or 1=1 --"]), 10)
        .await
        .expect("quote");
    assert!(found.is_empty());

    // Latest versions only: the old name no longer matches after a rename.
    let renamed = Procedure {
        name: "Đăng ký lại khai sinh".into(),
        ..rows[0].clone()
    };
    store
        .record_procedures(&[renamed], at, &no_progress)
        .await
        .expect("rename");
    let found = store
        .search_procedures_like(&terms(&["ky khai sinh"]), 10)
        .await
        .expect("old");
    assert!(found.is_empty(), "old version matched: {found:?}");
    let found = store
        .search_procedures_like(&terms(&["lai khai sinh"]), 10)
        .await
        .expect("new");
    assert_eq!(strings(&found), vec!["1.001193"]);

    // No terms: every latest code, by code, up to the limit.
    let found = store
        .search_procedures_like(&[], 3)
        .await
        .expect("no terms");
    assert_eq!(strings(&found), vec!["1.000656", "1.000894", "1.001193"]);
    assert!(store
        .search_procedures_like(&[], 0)
        .await
        .expect("limit 0")
        .is_empty());
}
