//! Conformance cases of dossiers (codes, group commit, idempotency, optimistic concurrency,
//! flags, scoped queries), the audit chain, the outbox, users and tokens, workflows and leases.
//!
//! The sample data builders are public so backends can use them in their own tests (tampering
//! with the audit chain needs each engine's raw SQL).

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use jiff::civil::{date, Date, DateTime};
use jiff::{Timestamp, ToSpan};
use serde_json::json;
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::catalog::Channel;
use tinhso_domain::dossier::{
    Actor, Dossier, DossierCode, DossierEvent, EventDetail, NationalStatus, Pause, PauseKind, Role,
    StepId, WorkflowDefinition,
};

use tinhso_domain::calendar::WorkingCalendar;
use tinhso_domain::dossier::ClassifyOptions;
use tinhso_domain::kpi::{facts, DossierExtras, FactRules, KpiFacts};

use super::{code, eid, ts};
use crate::chain::GENESIS_HASH;
use crate::dossiers::{
    Applicant, AttachmentRecord, DeadlineFlag, DossierQuery, DossierUpdate, DossierWrite,
    IdempotencyKey, NewDossier, OutboxMessage, StoredDossier, User, WriteError, WriteOutcome,
};
use crate::{Store, StoreError};

/// Receiving agencies of the samples.
pub const AGENCY_A: &str = "000.00.04.H40";
pub const AGENCY_B: &str = "000.21.30.H40";
const AGENCY_C: &str = "000.00.05.H40";

fn dt(s: &str) -> DateTime {
    s.parse().expect("test civil date-time")
}

/// Polls all futures concurrently on the current task (the suite has no spawner: cases borrow
/// the store). Outputs are in the order of the input.
pub async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(v) => *output = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// A dossier as submitted online at `received_at` to `agency` (its code is a placeholder the
/// store replaces).
pub fn sample_dossier(
    agency: &AgencyEId,
    applicant_id: Option<&str>,
    received_at: DateTime,
) -> Dossier {
    Dossier {
        code: DossierCode::new(agency.clone(), received_at.date(), 9999).expect("placeholder code"),
        procedure_code: code("1.001193"),
        procedure_version: 1,
        workflow_version: 1,
        channel: Channel::Online,
        applicant_id: applicant_id.map(str::to_string),
        received_point: agency.clone(),
        receiving_agency: agency.clone(),
        competent_agency: agency.clone(),
        transferred_to: None,
        received_at,
        accepted_at: None,
        clock_start: None,
        status: NationalStatus::Registered,
        current_step: Some(StepId::new("receive")),
        due: None,
        due_changes: Vec::new(),
        pauses: Vec::new(),
        paused_minutes: 0,
        supplement_requests: 0,
        supplement_requests_before_acceptance: 0,
        result_ready_at: None,
        delivered_at: None,
        ended_at: None,
        outcome: None,
        last_event_at: received_at,
    }
}

/// The first write of a sample dossier, with one attachment and one outbox message.
pub fn sample_new_dossier(
    agency: &AgencyEId,
    applicant_name: &str,
    applicant_id: Option<&str>,
    received_at: DateTime,
) -> NewDossier {
    let dossier = sample_dossier(agency, applicant_id, received_at);
    let actor = match applicant_id {
        Some(id) => Actor::applicant(id),
        None => Actor::officer(Role::OneStopOfficer, agency.clone(), "officer-1"),
    };
    NewDossier {
        code_agency: agency.clone(),
        code_date: received_at.date(),
        event: DossierEvent {
            at: received_at,
            actor,
            from_status: None,
            to_status: NationalStatus::Registered,
            from_step: None,
            to_step: dossier.current_step.clone(),
            detail: EventDetail::Submitted {
                channel: Channel::Online,
            },
        },
        applicant: Applicant {
            name: applicant_name.to_string(),
            kind: 1,
            id_number: "086123456789".to_string(),
            phone: "0909000000".to_string(),
            email: String::new(),
            address: "Phường 1, Vĩnh Long".to_string(),
        },
        form: json!({"ho_ten": applicant_name, "noi_sinh": "Vĩnh Long"}),
        attachments: vec![AttachmentRecord {
            component: "Tờ khai đăng ký khai sinh".to_string(),
            sha256: "ab".repeat(32),
            size: 1234,
            file_type: "pdf".to_string(),
            name: "to-khai.pdf".to_string(),
        }],
        lookup_secret_hash: "cd".repeat(32),
        outbox: vec![OutboxMessage {
            topic: "dossier.submitted".to_string(),
            payload: json!({"status": 1}),
        }],
        idempotency: None,
        comment: "Nộp trực tuyến".to_string(),
        kpi: sample_facts(&dossier),
        dossier,
    }
}

/// The KPI facts of a sample state: the statutory calendar, default classification and no
/// extras.
pub fn sample_facts(dossier: &Dossier) -> KpiFacts {
    sample_facts_with(dossier, &DossierExtras::default())
}

/// The KPI facts of a sample state with `extras`.
pub fn sample_facts_with(dossier: &Dossier, extras: &DossierExtras) -> KpiFacts {
    let calendar = WorkingCalendar::default();
    facts(
        dossier,
        extras,
        &FactRules {
            calendar: &calendar,
            classify: ClassifyOptions::default(),
        },
    )
}

/// Acceptance of a stored dossier at `now` with the due date `due` (status 2, step appraise).
pub fn sample_acceptance(stored: &StoredDossier, now: DateTime, due: DateTime) -> DossierUpdate {
    let mut state = stored.dossier.clone();
    let from_step = state.current_step.clone();
    state.status = NationalStatus::Accepted;
    state.accepted_at = Some(now);
    state.clock_start = Some(now);
    state.due = Some(due);
    state.current_step = Some(StepId::new("appraise"));
    state.last_event_at = now;
    DossierUpdate {
        dossier_id: stored.id,
        expected_events: stored.events,
        event: DossierEvent {
            at: now,
            actor: Actor::officer(
                Role::OneStopOfficer,
                state.receiving_agency.clone(),
                "officer-1",
            ),
            from_status: Some(stored.dossier.status),
            to_status: NationalStatus::Accepted,
            from_step,
            to_step: state.current_step.clone(),
            detail: EventDetail::Accepted {
                clock_start: now,
                due,
            },
        },
        kpi: sample_facts(&state),
        new_state: state,
        attachments: Vec::new(),
        outbox: vec![OutboxMessage {
            topic: "dossier.status_changed".to_string(),
            payload: json!({"status": 2}),
        }],
        idempotency: None,
        comment: "Tiếp nhận".to_string(),
    }
}

/// A later move of a stored dossier to `status` (other fields as given by `change`).
pub fn sample_move(
    stored: &StoredDossier,
    now: DateTime,
    status: NationalStatus,
    change: impl FnOnce(&mut Dossier),
) -> DossierUpdate {
    let mut state = stored.dossier.clone();
    state.status = status;
    state.last_event_at = now;
    change(&mut state);
    DossierUpdate {
        dossier_id: stored.id,
        expected_events: stored.events,
        event: DossierEvent {
            at: now,
            actor: Actor::officer(
                Role::Specialist,
                state.competent_agency.clone(),
                "officer-2",
            ),
            from_status: Some(stored.dossier.status),
            to_status: status,
            from_step: stored.dossier.current_step.clone(),
            to_step: state.current_step.clone(),
            detail: EventDetail::Forwarded,
        },
        kpi: sample_facts(&state),
        new_state: state,
        attachments: Vec::new(),
        outbox: Vec::new(),
        idempotency: None,
        comment: String::new(),
    }
}

/// Writes one write alone and returns its result (the call itself must succeed).
pub async fn write_one(
    store: &dyn Store,
    write: DossierWrite,
    at: Timestamp,
) -> Result<WriteOutcome, WriteError> {
    let mut results = store
        .write_dossiers(vec![write], at)
        .await
        .expect("the group commits");
    assert_eq!(results.len(), 1, "one result per write");
    results.remove(0)
}

fn create(n: NewDossier) -> DossierWrite {
    DossierWrite::Create(Box::new(n))
}

fn update(u: DossierUpdate) -> DossierWrite {
    DossierWrite::Update(Box::new(u))
}

async fn stored(store: &dyn Store, id: i64) -> StoredDossier {
    store
        .dossier_by_id(id)
        .await
        .expect("read dossier")
        .expect("dossier exists")
}

async fn assert_chain_intact(store: &dyn Store, records: u64) {
    let v = store.verify_audit_chain().await.expect("verify");
    assert_eq!(v.first_break, None, "the chain is intact");
    assert_eq!(v.records, records, "every event is in the chain");
}

// ---------------------------------------------------------------------------------------------
// Cases

/// What an action decides on, in one read: the dossier as `dossier_by_code` reads it and its
/// KPI facts as `kpi_facts` reads them, before and after a move.
pub async fn dossier_with_facts_reads_both(store: &dyn Store) {
    let agency = eid(AGENCY_A);
    let at = ts("2026-01-05T01:00:00Z");
    let new = sample_new_dossier(&agency, "Trần Thị Bình", None, dt("2026-01-05T08:00"));
    let out = write_one(store, create(new), at).await.expect("create");
    for _ in 0..2 {
        let (dossier, facts) = store
            .dossier_with_facts(&out.code)
            .await
            .expect("read")
            .expect("exists");
        let by_code = store.dossier_by_code(&out.code).await.expect("by code");
        assert_eq!(Some(&dossier), by_code.as_ref());
        let stored_facts = store.kpi_facts(out.dossier_id).await.expect("facts");
        assert!(stored_facts.is_some(), "a written dossier has facts");
        assert_eq!(facts, stored_facts);
        if dossier.events == 1 {
            let accept =
                sample_acceptance(&dossier, dt("2026-01-05T09:00"), dt("2026-01-08T09:00"));
            write_one(store, update(accept), at).await.expect("accept");
        } else {
            assert_eq!(dossier.dossier.status, NationalStatus::Accepted);
        }
    }
    let unknown = DossierCode::new(agency, date(2026, 1, 5), 999).expect("code");
    assert!(store
        .dossier_with_facts(&unknown)
        .await
        .expect("read")
        .is_none());
}

/// A created dossier reads back whole; the store allocated and wrote its code everywhere.
pub async fn dossier_create_and_read(store: &dyn Store) {
    let agency = eid(AGENCY_A);
    let at = ts("2026-01-05T01:00:00.123456Z");
    let new = sample_new_dossier(
        &agency,
        "Nguyễn Văn An",
        Some("citizen-1"),
        dt("2026-01-05T08:00"),
    );
    let placeholder = new.dossier.code.clone();
    let out = write_one(store, create(new.clone()), at)
        .await
        .expect("create");
    assert_eq!(out.code.to_string(), "000.00.04.H40-260105-0001");
    assert_eq!((out.event_seq, out.replayed), (1, false));

    let got = stored(store, out.dossier_id).await;
    assert_eq!(
        got.dossier.code, out.code,
        "the state carries the allocated code"
    );
    let expected = Dossier {
        code: out.code.clone(),
        ..new.dossier.clone()
    };
    assert_eq!(got.dossier, expected);
    assert_eq!(got.applicant, new.applicant);
    assert_eq!(got.form, new.form);
    assert_eq!(got.events, 1);
    assert!(!got.due_soon_flagged && !got.late_flagged);
    assert_eq!(got.lookup_secret_hash, new.lookup_secret_hash);
    assert_eq!((got.created_at, got.updated_at), (at, at));
    let by_code = store.dossier_by_code(&out.code).await.expect("by code");
    assert_eq!(by_code.map(|d| d.id), Some(out.dossier_id));
    assert!(store
        .dossier_by_code(&placeholder)
        .await
        .expect("by code")
        .is_none());
    assert!(store
        .dossier_by_id(out.dossier_id + 1000)
        .await
        .expect("by id")
        .is_none());

    let events = store.dossier_events(out.dossier_id).await.expect("events");
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!((e.dossier_id, e.seq, e.chain_pos), (out.dossier_id, 1, 1));
    assert_eq!(e.event.as_ref(), Some(&new.event));
    assert_eq!(e.flag, None);
    assert_eq!(e.state_after, expected);
    assert_eq!(e.attachments, new.attachments);
    assert_eq!(e.comment, "Nộp trực tuyến");
    assert_eq!(e.recorded_at, at);
    assert_eq!(e.prev_hash, GENESIS_HASH);
    assert_eq!(e.hash.len(), 64);
    let one = store.dossier_event(out.dossier_id, 1).await.expect("event");
    assert_eq!(one.as_ref(), Some(e));
    assert!(store
        .dossier_event(out.dossier_id, 2)
        .await
        .expect("event")
        .is_none());

    // A second dossier the same day takes the next number; another day starts again at 1.
    let second = write_one(store, create(new.clone()), at)
        .await
        .expect("second");
    assert_eq!(second.code.to_string(), "000.00.04.H40-260105-0002");
    let next_day = sample_new_dossier(&agency, "Trần Thị Bình", None, dt("2026-01-06T08:00"));
    let third = write_one(store, create(next_day), at)
        .await
        .expect("next day");
    assert_eq!(third.code.to_string(), "000.00.04.H40-260106-0001");
    assert!(third.dossier_id > second.dossier_id && second.dossier_id > out.dossier_id);
    assert_chain_intact(store, 3).await;
}

/// Codes are unique and gapless per agency and day when many requests write at once.
pub async fn dossier_codes_gapless_under_concurrency(store: &dyn Store) {
    let agencies = [eid(AGENCY_A), eid(AGENCY_B)];
    let days = [dt("2026-03-02T08:00"), dt("2026-03-03T08:00")];
    let at = ts("2026-03-02T01:00:00Z");
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let agency = agencies[t % 2].clone();
            async move {
                let mut codes = Vec::new();
                for i in 0..50 {
                    let new =
                        sample_new_dossier(&agency, &format!("Người {t} {i}"), None, days[i % 2]);
                    let out = write_one(store, create(new), at).await.expect("create");
                    codes.push(out.code);
                }
                codes
            }
        })
        .collect();
    let codes: Vec<DossierCode> = join_all(tasks).await.concat();
    assert_eq!(codes.len(), 400);
    let unique: HashSet<String> = codes.iter().map(ToString::to_string).collect();
    assert_eq!(unique.len(), 400, "codes are unique");
    for agency in &agencies {
        for day in days {
            let mut seqs: Vec<u32> = codes
                .iter()
                .filter(|c| c.agency() == agency && c.date() == day.date())
                .map(DossierCode::sequence)
                .collect();
            seqs.sort_unstable();
            assert_eq!(
                seqs,
                (1..=100).collect::<Vec<u32>>(),
                "gapless for {agency} on {day}"
            );
        }
    }
    for c in codes.iter().step_by(37) {
        let got = store
            .dossier_by_code(c)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(&got.dossier.code, c);
    }
    assert_chain_intact(store, 400).await;
}

/// A failing write rolls back only itself (no sequence number, no chain position used); the
/// others of its group commit.
pub async fn failing_write_in_a_group_is_isolated(store: &dyn Store) {
    let agency = eid(AGENCY_A);
    let at = ts("2026-01-05T02:00:00Z");
    let received = dt("2026-01-05T09:00");
    let key = |hash: &str| IdempotencyKey {
        user_id: "citizen-1".into(),
        key: "k-1".into(),
        request_hash: hash.into(),
    };
    let mut first = sample_new_dossier(&agency, "Nguyễn Văn An", Some("citizen-1"), received);
    first.idempotency = Some(key("h1"));
    let first = write_one(store, create(first), at).await.expect("first");
    let first_stored = stored(store, first.dossier_id).await;

    let mut mismatched = sample_new_dossier(&agency, "Nguyễn Văn An", Some("citizen-1"), received);
    mismatched.idempotency = Some(key("h2"));
    let mut stale = sample_acceptance(&first_stored, received, dt("2026-01-08T17:00"));
    stale.expected_events = 5;
    let mut missing = sample_acceptance(&first_stored, received, dt("2026-01-08T17:00"));
    missing.dossier_id = first.dossier_id + 1000;
    // A code cannot be made for 2100 (yyMMdd): fails after taking a sequence number.
    let mut far = sample_new_dossier(&agency, "Lê Văn Cường", None, received);
    far.code_date = date(2100, 1, 1);
    let results = store
        .write_dossiers(
            vec![
                create(mismatched),
                update(stale),
                create(sample_new_dossier(&agency, "Trần Thị Bình", None, received)),
                update(missing),
                create(far),
                DossierWrite::Flag {
                    dossier_id: first.dossier_id + 1000,
                    flag: DeadlineFlag::Late,
                    at,
                },
                create(sample_new_dossier(&agency, "Phạm Thị Dung", None, received)),
            ],
            at,
        )
        .await
        .expect("the group commits");
    assert_eq!(results.len(), 7);
    assert_eq!(results[0], Err(WriteError::IdempotencyMismatch));
    assert_eq!(results[1], Err(WriteError::Conflict));
    assert_eq!(
        results[2].as_ref().map(|o| o.code.to_string()),
        Ok("000.00.04.H40-260105-0002".to_string())
    );
    assert_eq!(results[3], Err(WriteError::NotFound));
    assert!(
        matches!(results[4], Err(WriteError::Store(_))),
        "{:?}",
        results[4]
    );
    assert_eq!(results[5], Err(WriteError::NotFound));
    assert_eq!(
        results[6].as_ref().map(|o| o.code.to_string()),
        Ok("000.00.04.H40-260105-0003".to_string())
    );
    // Nothing of the failed writes remains.
    assert_eq!(stored(store, first.dossier_id).await.events, 1);
    let all = DossierQuery {
        agencies: vec![agency.clone()],
        limit: 100,
        ..DossierQuery::default()
    };
    assert_eq!(store.count_dossiers(&all).await.expect("count"), 3);
    assert_eq!(store.pending_outbox(100).await.expect("outbox").len(), 3);
    assert_chain_intact(store, 3).await;
    let next = write_one(
        store,
        create(sample_new_dossier(&agency, "Võ Văn Em", None, received)),
        at,
    )
    .await
    .expect("next");
    assert_eq!(
        next.code.sequence(),
        4,
        "no number was used by the failures"
    );
}

/// A replayed idempotency key returns the first outcome and writes nothing; the same key with
/// another request is refused.
pub async fn idempotent_replay_writes_nothing(store: &dyn Store) {
    let agency = eid(AGENCY_A);
    let at = ts("2026-01-05T02:00:00Z");
    let received = dt("2026-01-05T09:00");
    let key = |user: &str, k: &str, hash: &str| IdempotencyKey {
        user_id: user.into(),
        key: k.into(),
        request_hash: hash.into(),
    };
    let mut new = sample_new_dossier(&agency, "Nguyễn Văn An", Some("citizen-1"), received);
    new.idempotency = Some(key("citizen-1", "k-1", "h1"));
    let first = write_one(store, create(new.clone()), at)
        .await
        .expect("first");
    assert!(!first.replayed);
    let again = write_one(store, create(new.clone()), ts("2026-01-05T02:00:05Z"))
        .await
        .expect("replay");
    assert_eq!(
        again,
        WriteOutcome {
            replayed: true,
            ..first.clone()
        }
    );
    let mine = DossierQuery {
        applicant_id: Some("citizen-1".into()),
        limit: 10,
        ..DossierQuery::default()
    };
    assert_eq!(store.count_dossiers(&mine).await.expect("count"), 1);
    assert_eq!(store.pending_outbox(10).await.expect("outbox").len(), 1);
    assert_chain_intact(store, 1).await;

    let mut other = new.clone();
    other.idempotency = Some(key("citizen-1", "k-1", "h2"));
    assert_eq!(
        write_one(store, create(other), at).await,
        Err(WriteError::IdempotencyMismatch)
    );
    let found = store
        .idempotent_result("citizen-1", "k-1")
        .await
        .expect("look-up")
        .expect("recorded");
    assert_eq!(found.request_hash, "h1");
    assert_eq!((found.dossier_id, found.event_seq), (first.dossier_id, 1));
    assert_eq!(found.dossier_code, first.code.to_string());
    assert!(store
        .idempotent_result("citizen-2", "k-1")
        .await
        .expect("look-up")
        .is_none());

    // Keys are per user: another user's same key is a new request.
    let mut theirs = sample_new_dossier(&agency, "Trần Thị Bình", Some("citizen-2"), received);
    theirs.idempotency = Some(key("citizen-2", "k-1", "h1"));
    let theirs = write_one(store, create(theirs), at)
        .await
        .expect("other user");
    assert!(!theirs.replayed);
    assert_ne!(theirs.dossier_id, first.dossier_id);

    // Updates replay too, with their own event number.
    let mut accept = sample_acceptance(
        &stored(store, first.dossier_id).await,
        received,
        dt("2026-01-08T17:00"),
    );
    accept.idempotency = Some(key("officer-1", "accept-1", "h3"));
    let accepted = write_one(store, update(accept.clone()), at)
        .await
        .expect("accept");
    assert_eq!(accepted.event_seq, 2);
    let replayed = write_one(store, update(accept), at)
        .await
        .expect("replay accept");
    assert_eq!((replayed.event_seq, replayed.replayed), (2, true));
    assert_eq!(stored(store, first.dossier_id).await.events, 2);

    // The same key twice in one group: the second is a replay of the first.
    let mut twin = sample_new_dossier(&agency, "Lê Văn Cường", Some("citizen-3"), received);
    twin.idempotency = Some(key("citizen-3", "k-9", "h9"));
    let results = store
        .write_dossiers(vec![create(twin.clone()), create(twin)], at)
        .await
        .expect("group");
    let (a, b) = (
        results[0].clone().expect("a"),
        results[1].clone().expect("b"),
    );
    assert_eq!((a.code.clone(), a.replayed), (b.code.clone(), !b.replayed));
    assert_chain_intact(store, 4).await;
}

/// A write decided on a stale read is refused; the code never changes.
pub async fn optimistic_conflict_on_stale_events(store: &dyn Store) {
    let agency = eid(AGENCY_A);
    let at = ts("2026-01-05T03:00:00Z");
    let received = dt("2026-01-05T09:00");
    let out = write_one(
        store,
        create(sample_new_dossier(&agency, "Nguyễn Văn An", None, received)),
        at,
    )
    .await
    .expect("create");
    let before = stored(store, out.dossier_id).await;
    let mut accept = sample_acceptance(&before, dt("2026-01-05T10:00"), dt("2026-01-08T17:00"));
    // The caller's copy of the code is ignored.
    accept.new_state.code =
        DossierCode::new(eid(AGENCY_B), date(2026, 1, 1), 42).expect("other code");
    let accepted = write_one(store, update(accept.clone()), ts("2026-01-05T03:00:01Z"))
        .await
        .expect("accept");
    assert_eq!((accepted.event_seq, &accepted.code), (2, &out.code));
    let after = stored(store, out.dossier_id).await;
    assert_eq!(after.events, 2);
    assert_eq!(after.dossier.status, NationalStatus::Accepted);
    assert_eq!(after.dossier.code, out.code);
    assert_eq!(after.updated_at, ts("2026-01-05T03:00:01Z"));
    assert_eq!(after.created_at, at);
    assert_eq!(
        write_one(store, update(accept), at).await,
        Err(WriteError::Conflict)
    );

    // Two moves decided on the same read, in one group: the first wins.
    let process = |s: &StoredDossier| {
        sample_move(
            s,
            dt("2026-01-06T08:00"),
            NationalStatus::Processing,
            |_| {},
        )
    };
    let results = store
        .write_dossiers(vec![update(process(&after)), update(process(&after))], at)
        .await
        .expect("group");
    assert_eq!(results[0].as_ref().map(|o| o.event_seq), Ok(3));
    assert_eq!(results[1], Err(WriteError::Conflict));
    let events = store.dossier_events(out.dossier_id).await.expect("events");
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(events.iter().all(|e| e.state_after.code == out.code));
    assert_eq!(events[2].state_after.status, NationalStatus::Processing);
    assert_chain_intact(store, 3).await;
}

/// Deadline flags are set once, recorded as events without a status change, and leave the
/// scheduler's list.
pub async fn deadline_flags_once(store: &dyn Store) {
    let agency = eid(AGENCY_A);
    let at = ts("2026-01-05T03:00:00Z");
    let received = dt("2026-01-05T09:00");
    let mut ids = Vec::new();
    for name in ["An", "Bình", "Cường"] {
        let out = write_one(
            store,
            create(sample_new_dossier(&agency, name, None, received)),
            at,
        )
        .await
        .expect("create");
        ids.push(out.dossier_id);
    }
    let d1 = dt("2026-01-07T17:00");
    let d2 = dt("2026-01-08T17:00");
    for (id, due) in [(ids[0], d1), (ids[1], d2)] {
        let s = stored(store, id).await;
        write_one(store, update(sample_acceptance(&s, received, due)), at)
            .await
            .expect("accept");
    }
    let listed = |v: Vec<StoredDossier>| v.into_iter().map(|d| d.id).collect::<Vec<_>>();
    let soon = |before| store.dossiers_to_flag(DeadlineFlag::DueSoon, before, 10);
    assert_eq!(
        listed(soon(dt("2026-01-09T00:00")).await.expect("list")),
        vec![ids[0], ids[1]]
    );
    assert!(soon(d1).await.expect("strictly before").is_empty());
    assert_eq!(
        listed(soon(dt("2026-01-07T17:01")).await.expect("list")),
        vec![ids[0]]
    );
    assert_eq!(
        listed(
            store
                .dossiers_to_flag(DeadlineFlag::DueSoon, dt("2026-01-09T00:00"), 1)
                .await
                .expect("limit")
        ),
        vec![ids[0]]
    );

    let flag_at = ts("2026-01-07T01:00:00Z");
    let flag = |id| DossierWrite::Flag {
        dossier_id: id,
        flag: DeadlineFlag::DueSoon,
        at: flag_at,
    };
    let out = write_one(store, flag(ids[0]), at).await.expect("flag");
    assert_eq!((out.event_seq, out.replayed), (3, false));
    assert_eq!(
        write_one(store, flag(ids[0]), at).await,
        Err(WriteError::AlreadyFlagged)
    );
    assert_eq!(
        write_one(store, flag(ids[2] + 1000), at).await,
        Err(WriteError::NotFound)
    );
    let s = stored(store, ids[0]).await;
    assert!(s.due_soon_flagged && !s.late_flagged);
    assert_eq!(s.events, 3);
    assert_eq!(
        s.dossier.status,
        NationalStatus::Accepted,
        "no status change"
    );
    let e = store
        .dossier_event(ids[0], 3)
        .await
        .expect("event")
        .expect("flag event");
    assert_eq!(
        (e.event.as_ref(), e.flag),
        (None, Some(DeadlineFlag::DueSoon))
    );
    assert_eq!(e.state_after, s.dossier);
    assert_eq!(e.recorded_at, flag_at);
    assert_eq!(
        listed(soon(dt("2026-01-09T00:00")).await.expect("list")),
        vec![ids[1]]
    );
    let late = store
        .dossiers_to_flag(DeadlineFlag::Late, dt("2026-01-09T00:00"), 10)
        .await
        .expect("late list");
    assert_eq!(listed(late), vec![ids[0], ids[1]], "each flag is separate");
    let late_out = write_one(
        store,
        DossierWrite::Flag {
            dossier_id: ids[0],
            flag: DeadlineFlag::Late,
            at: flag_at,
        },
        at,
    )
    .await
    .expect("late");
    assert_eq!(late_out.event_seq, 4);

    // A flag counts as an event: a move decided before it must re-read.
    let mut stale = sample_move(
        &s,
        dt("2026-01-07T09:00"),
        NationalStatus::Processing,
        |_| {},
    );
    stale.expected_events = 2;
    assert_eq!(
        write_one(store, update(stale), at).await,
        Err(WriteError::Conflict)
    );

    // A paused dossier is not flagged (its due date will move).
    let s2 = stored(store, ids[1]).await;
    let pause = sample_move(
        &s2,
        dt("2026-01-06T09:00"),
        NationalStatus::SupplementRequested,
        |d| {
            d.pauses.push(Pause {
                kind: PauseKind::Supplement,
                requested_at: dt("2026-01-06T09:00"),
                resume_status: NationalStatus::Accepted,
                ended_at: None,
                answered: false,
                working_minutes: 0,
            });
        },
    );
    write_one(store, update(pause), at).await.expect("pause");
    assert!(soon(dt("2026-01-09T00:00")).await.expect("list").is_empty());
    assert_chain_intact(store, 3 + 2 + 2 + 1).await;
}

/// Every query is scoped: an agency sees only dossiers it receives, decides or was handed; an
/// applicant only their own; an unscoped query nothing.
pub async fn dossier_queries_are_scoped(store: &dyn Store) {
    let (a, b, c) = (eid(AGENCY_A), eid(AGENCY_B), eid(AGENCY_C));
    let at = ts("2026-01-05T03:00:00Z");
    let mk = |agency: &AgencyEId, name: &str, user: &str, received: &str| {
        sample_new_dossier(agency, name, Some(user), dt(received))
    };
    let n1 = mk(&a, "Nguyễn Văn An", "citizen-1", "2026-01-05T08:00");
    let mut n2 = mk(&a, "Trần Thị Bình", "citizen-2", "2026-01-06T09:00");
    n2.dossier.procedure_code = code("2.000635");
    n2.kpi = sample_facts(&n2.dossier);
    let n3 = mk(&b, "Lê Văn Cường", "citizen-1", "2026-01-06T10:00");
    let mut n4 = mk(&b, "Phạm Thị 100%_Dung", "citizen-4", "2026-01-07T10:00");
    n4.dossier.competent_agency = c.clone();
    n4.kpi = sample_facts(&n4.dossier);
    let mut ids = Vec::new();
    let mut codes = Vec::new();
    for n in [n1, n2, n3, n4] {
        let out = write_one(store, create(n), at).await.expect("create");
        ids.push(out.dossier_id);
        codes.push(out.code);
    }
    // d1 accepted (due 8/1), d2 accepted then paused, d3 transferred to C.
    let s1 = stored(store, ids[0]).await;
    write_one(
        store,
        update(sample_acceptance(
            &s1,
            dt("2026-01-05T09:00"),
            dt("2026-01-08T17:00"),
        )),
        at,
    )
    .await
    .expect("accept 1");
    let s2 = stored(store, ids[1]).await;
    write_one(
        store,
        update(sample_acceptance(
            &s2,
            dt("2026-01-06T09:30"),
            dt("2026-01-09T17:00"),
        )),
        at,
    )
    .await
    .expect("accept 2");
    let s2 = stored(store, ids[1]).await;
    let pause = sample_move(
        &s2,
        dt("2026-01-07T09:00"),
        NationalStatus::FinancialObligation,
        |d| {
            d.pauses.push(Pause {
                kind: PauseKind::FinancialObligation,
                requested_at: dt("2026-01-07T09:00"),
                resume_status: NationalStatus::Accepted,
                ended_at: None,
                answered: false,
                working_minutes: 0,
            });
        },
    );
    write_one(store, update(pause), at).await.expect("pause 2");
    let s3 = stored(store, ids[2]).await;
    write_one(
        store,
        update(sample_acceptance(
            &s3,
            dt("2026-01-06T10:30"),
            dt("2026-01-12T17:00"),
        )),
        at,
    )
    .await
    .expect("accept 3");
    let s3 = stored(store, ids[2]).await;
    let transfer = sample_move(
        &s3,
        dt("2026-01-07T10:00"),
        NationalStatus::Processing,
        |d| {
            d.transferred_to = Some(c.clone());
        },
    );
    write_one(store, update(transfer), at)
        .await
        .expect("transfer 3");

    let found = |q: DossierQuery| async move {
        let n = store.count_dossiers(&q).await.expect("count");
        let got: Vec<i64> = store
            .find_dossiers(&q)
            .await
            .expect("find")
            .into_iter()
            .map(|d| d.id)
            .collect();
        if q.limit >= 100 && q.before_id.is_none() {
            assert_eq!(n, got.len() as u64, "count matches find for {q:?}");
        }
        got
    };
    let scoped = |agencies: &[&AgencyEId]| DossierQuery {
        agencies: agencies.iter().map(|x| (*x).clone()).collect(),
        limit: 100,
        ..DossierQuery::default()
    };
    let (d1, d2, d3, d4) = (ids[0], ids[1], ids[2], ids[3]);

    assert!(
        found(DossierQuery {
            limit: 100,
            ..DossierQuery::default()
        })
        .await
        .is_empty(),
        "unscoped"
    );
    assert_eq!(found(scoped(&[&a])).await, vec![d2, d1], "newest first");
    assert_eq!(found(scoped(&[&b])).await, vec![d4, d3]);
    assert_eq!(
        found(scoped(&[&c])).await,
        vec![d4, d3],
        "competent and transferred-to"
    );
    assert_eq!(found(scoped(&[&a, &c])).await, vec![d4, d3, d2, d1]);
    assert!(found(scoped(&[&eid("000.00.09.H40")])).await.is_empty());

    let mine = |user: &str| DossierQuery {
        applicant_id: Some(user.into()),
        limit: 100,
        ..DossierQuery::default()
    };
    assert_eq!(
        found(mine("citizen-1")).await,
        vec![d3, d1],
        "the applicant's own, any agency"
    );
    assert!(found(mine("citizen-9")).await.is_empty());
    assert_eq!(
        found(DossierQuery {
            agencies: vec![a.clone()],
            ..mine("citizen-1")
        })
        .await,
        vec![d1]
    );

    let with = |f: &dyn Fn(&mut DossierQuery)| {
        let mut q = scoped(&[&a, &b, &c]);
        f(&mut q);
        q
    };
    assert_eq!(
        found(with(&|q| q.statuses = vec![NationalStatus::Accepted])).await,
        vec![d1]
    );
    assert_eq!(
        found(with(
            &|q| q.statuses = vec![NationalStatus::Registered, NationalStatus::Processing]
        ))
        .await,
        vec![d4, d3]
    );
    assert_eq!(
        found(with(&|q| q.steps = vec!["receive".into()])).await,
        vec![d4]
    );
    assert_eq!(
        found(with(&|q| q.procedure = Some(code("2.000635")))).await,
        vec![d2]
    );
    // Open dossiers due by then: d2 is paused, d4 has no due date.
    assert_eq!(
        found(with(&|q| q.due_before = Some(dt("2026-01-10T00:00")))).await,
        vec![d1]
    );
    assert_eq!(
        found(with(&|q| q.due_before = Some(dt("2026-01-08T17:00")))).await,
        vec![d1],
        "at or before"
    );
    assert!(
        found(with(&|q| q.due_before = Some(dt("2026-01-08T16:59"))))
            .await
            .is_empty()
    );
    assert_eq!(
        found(with(&|q| q.due_before = Some(dt("2026-01-31T00:00")))).await,
        vec![d3, d1]
    );
    assert_eq!(found(with(&|q| q.paused = true)).await, vec![d2]);

    let text = |t: &str| with(&|q| q.text = Some(t.to_string()));
    assert_eq!(found(text("nguyen van")).await, vec![d1]);
    assert_eq!(
        found(text("  NGUYỄN  ")).await,
        vec![d1],
        "folded and trimmed"
    );
    assert_eq!(found(text("Bình")).await, vec![d2]);
    assert_eq!(found(text("van")).await, vec![d3, d1]);
    assert_eq!(
        found(text(&codes[0].to_string())).await,
        vec![d1],
        "whole code"
    );
    assert_eq!(
        found(text("000.00.04.h40-260106")).await,
        vec![d2],
        "code prefix, any case"
    );
    assert_eq!(
        found(text("2.000")).await,
        vec![d2],
        "procedure code prefix"
    );
    assert_eq!(found(text("100%_")).await, vec![d4], "literal wildcards");
    assert!(found(text("1_0")).await.is_empty(), "_ is not a wildcard");
    assert!(found(text("%")).await == vec![d4], "% is not a wildcard");
    assert!(found(text("' OR 1=1 --")).await.is_empty());
    assert_eq!(
        found(text("   ")).await,
        vec![d4, d3, d2, d1],
        "blank text is no filter"
    );

    let days = |from: Option<Date>, to: Option<Date>| {
        with(&|q| {
            q.received_from = from;
            q.received_to = to;
        })
    };
    assert_eq!(
        found(days(Some(date(2026, 1, 6)), Some(date(2026, 1, 6)))).await,
        vec![d3, d2]
    );
    assert_eq!(
        found(days(Some(date(2026, 1, 5)), Some(date(2026, 1, 5)))).await,
        vec![d1]
    );
    assert_eq!(
        found(days(Some(date(2026, 1, 6)), None)).await,
        vec![d4, d3, d2]
    );
    assert_eq!(
        found(days(None, Some(date(2026, 1, 6)))).await,
        vec![d3, d2, d1]
    );
    assert!(found(days(Some(date(2026, 1, 8)), None)).await.is_empty());

    // Keyset pagination, newest first; count ignores the page.
    let page = |limit: u32, before: Option<i64>| {
        with(&|q| {
            q.limit = limit;
            q.before_id = before;
        })
    };
    assert_eq!(found(page(2, None)).await, vec![d4, d3]);
    assert_eq!(found(page(2, Some(d3))).await, vec![d2, d1]);
    assert!(found(page(2, Some(d1))).await.is_empty());
    assert!(found(page(0, None)).await.is_empty(), "limit 0 finds none");
    assert_eq!(
        store
            .count_dossiers(&page(1, Some(d2)))
            .await
            .expect("count"),
        4
    );
    assert_eq!(
        store
            .count_dossiers(&DossierQuery::default())
            .await
            .expect("count"),
        0
    );
}

/// The chain links every event in commit order and verifies.
pub async fn audit_chain_links_every_event(store: &dyn Store) {
    assert_chain_intact(store, 0).await;
    let agency = eid(AGENCY_A);
    let at = ts("2026-01-05T03:00:00Z");
    let received = dt("2026-01-05T09:00");
    let x = write_one(
        store,
        create(sample_new_dossier(&agency, "An", None, received)),
        at,
    )
    .await
    .expect("x");
    let y = write_one(
        store,
        create(sample_new_dossier(&agency, "Bình", None, received)),
        at,
    )
    .await
    .expect("y");
    let sx = stored(store, x.dossier_id).await;
    write_one(
        store,
        update(sample_acceptance(&sx, received, dt("2026-01-08T17:00"))),
        at,
    )
    .await
    .expect("accept");
    write_one(
        store,
        DossierWrite::Flag {
            dossier_id: x.dossier_id,
            flag: DeadlineFlag::Late,
            at,
        },
        at,
    )
    .await
    .expect("flag");
    let mut events = store.dossier_events(x.dossier_id).await.expect("x events");
    events.extend(store.dossier_events(y.dossier_id).await.expect("y events"));
    events.sort_by_key(|e| e.chain_pos);
    assert_eq!(
        events.iter().map(|e| e.chain_pos).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(
        events
            .iter()
            .map(|e| (e.dossier_id, e.seq))
            .collect::<Vec<_>>(),
        vec![
            (x.dossier_id, 1),
            (y.dossier_id, 1),
            (x.dossier_id, 2),
            (x.dossier_id, 3)
        ],
        "one chain over all dossiers, in commit order"
    );
    assert_eq!(events[0].prev_hash, GENESIS_HASH);
    for pair in events.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
    }
    let hashes: HashSet<&str> = events.iter().map(|e| e.hash.as_str()).collect();
    assert_eq!(hashes.len(), 4);
    assert_chain_intact(store, 4).await;
}

/// Outbox messages are written with their dossier and delivered once.
pub async fn outbox_pending_and_delivered(store: &dyn Store) {
    let agency = eid(AGENCY_A);
    let at = ts("2026-01-05T03:00:00Z");
    let received = dt("2026-01-05T09:00");
    assert!(store.pending_outbox(10).await.expect("empty").is_empty());
    let x = write_one(
        store,
        create(sample_new_dossier(&agency, "An", None, received)),
        at,
    )
    .await
    .expect("x");
    let mut second = sample_new_dossier(&agency, "Bình", None, received);
    second.outbox.push(OutboxMessage {
        topic: "notify.sms".into(),
        payload: json!("plain text payload"),
    });
    let y = write_one(store, create(second), at).await.expect("y");
    let pending = store.pending_outbox(10).await.expect("pending");
    assert_eq!(pending.len(), 3);
    assert!(pending.windows(2).all(|w| w[0].0 < w[1].0), "oldest first");
    assert_eq!(pending[0].1.topic, "dossier.submitted");
    assert_eq!(
        pending[0].1.payload,
        json!({"status": 1, "dossier_id": x.dossier_id, "dossier_code": x.code.to_string()})
    );
    assert_eq!(
        pending[1].1.payload["dossier_code"],
        json!(y.code.to_string())
    );
    assert_eq!(
        pending[2].1,
        OutboxMessage {
            topic: "notify.sms".into(),
            payload: json!("plain text payload"),
        }
    );
    assert_eq!(store.pending_outbox(2).await.expect("limit").len(), 2);

    store
        .mark_outbox_delivered(&[pending[0].0, pending[2].0])
        .await
        .expect("delivered");
    let left = store.pending_outbox(10).await.expect("left");
    assert_eq!(
        left.iter().map(|p| p.0).collect::<Vec<_>>(),
        vec![pending[1].0]
    );
    store
        .mark_outbox_delivered(&[pending[0].0, 999_999])
        .await
        .expect("again and unknown are ignored");
    store.mark_outbox_delivered(&[]).await.expect("none");
    assert_eq!(store.pending_outbox(10).await.expect("left").len(), 1);
}

/// Users, and API tokens kept by hash: revoked tokens and disabled users do not authenticate.
pub async fn users_and_api_tokens(store: &dyn Store) {
    let at = ts("2026-01-05T03:00:00.5Z");
    let officer = User {
        id: "officer-1".into(),
        name: "Nguyễn Thị Hoa".into(),
        agency: Some(eid(AGENCY_A)),
        roles: vec![Role::OneStopOfficer, Role::Specialist],
        created_at: at,
        disabled: false,
    };
    let citizen = User {
        id: "citizen-1".into(),
        name: "Trần Văn Nam".into(),
        agency: None,
        roles: vec![Role::Applicant],
        created_at: at,
        disabled: false,
    };
    store.upsert_user(&officer).await.expect("officer");
    store.upsert_user(&citizen).await.expect("citizen");
    assert_eq!(
        store.user("officer-1").await.expect("read"),
        Some(officer.clone())
    );
    assert!(store.user("nobody").await.expect("read").is_none());
    assert_eq!(
        store.users().await.expect("users"),
        vec![citizen.clone(), officer.clone()]
    );
    let renamed = User {
        name: "Nguyễn Thị Hoa (Một cửa)".into(),
        roles: vec![Role::OneStopOfficer],
        ..officer.clone()
    };
    store.upsert_user(&renamed).await.expect("update");
    assert_eq!(
        store.user("officer-1").await.expect("read"),
        Some(renamed.clone())
    );
    assert_eq!(store.users().await.expect("users").len(), 2);

    let h1 = "11".repeat(32);
    let h2 = "22".repeat(32);
    store
        .add_api_token(&h1, "officer-1", "máy trạm", at)
        .await
        .expect("token");
    store
        .add_api_token(&h2, "officer-1", "CLI", at)
        .await
        .expect("token 2");
    assert_eq!(
        store.user_by_token(&h1).await.expect("auth"),
        Some(renamed.clone())
    );
    assert!(store
        .user_by_token(&"33".repeat(32))
        .await
        .expect("auth")
        .is_none());
    assert!(matches!(
        store.add_api_token(&h1, "citizen-1", "again", at).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .add_api_token(&"44".repeat(32), "nobody", "x", at)
            .await,
        Err(StoreError::Conflict(_))
    ));

    let disabled = User {
        disabled: true,
        ..renamed.clone()
    };
    store.upsert_user(&disabled).await.expect("disable");
    assert!(
        store.user_by_token(&h1).await.expect("auth").is_none(),
        "disabled user"
    );
    store.upsert_user(&renamed).await.expect("enable");
    assert!(store.user_by_token(&h1).await.expect("auth").is_some());

    assert_eq!(
        store.revoke_api_tokens("officer-1").await.expect("revoke"),
        2
    );
    assert_eq!(
        store.revoke_api_tokens("officer-1").await.expect("again"),
        0
    );
    assert!(
        store.user_by_token(&h1).await.expect("auth").is_none(),
        "revoked"
    );
    assert!(
        store.user_by_token(&h2).await.expect("auth").is_none(),
        "revoked"
    );
}

/// Workflow definitions are versioned 1, 2, 3… and never overwritten.
pub async fn workflows_are_versioned(store: &dyn Store) {
    let at = ts("2026-01-05T03:00:00Z");
    let procedure = code("1.001193");
    assert!(store.workflow(&procedure).await.expect("none").is_none());
    let v1 = WorkflowDefinition {
        version: 1,
        ..WorkflowDefinition::default_for(procedure.clone())
    };
    store.add_workflow(&v1, at).await.expect("v1");
    assert_eq!(
        store.workflow(&procedure).await.expect("latest"),
        Some(v1.clone())
    );
    assert!(
        matches!(
            store.add_workflow(&v1, at).await,
            Err(StoreError::Conflict(_))
        ),
        "same version"
    );
    let mut v3 = v1.clone();
    v3.version = 3;
    assert!(
        matches!(
            store.add_workflow(&v3, at).await,
            Err(StoreError::Conflict(_))
        ),
        "gap"
    );
    let mut v2 = v1.clone();
    v2.version = 2;
    v2.steps[0].name = "Tiếp nhận và số hóa hồ sơ".into();
    store.add_workflow(&v2, at).await.expect("v2");
    assert_eq!(
        store.workflow(&procedure).await.expect("latest"),
        Some(v2.clone())
    );
    assert_eq!(
        store.workflow_version(&procedure, 1).await.expect("v1"),
        Some(v1)
    );
    assert_eq!(
        store.workflow_version(&procedure, 2).await.expect("v2"),
        Some(v2)
    );
    assert!(store
        .workflow_version(&procedure, 3)
        .await
        .expect("v3")
        .is_none());
    let other = code("2.000635");
    let mut zero = WorkflowDefinition::default_for(other.clone());
    zero.version = 0;
    assert!(matches!(
        store.add_workflow(&zero, at).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(store.workflow(&other).await.expect("other").is_none());
}

/// One holder at a time until the lease expires; the holder may renew.
pub async fn lease_is_exclusive(store: &dyn Store) {
    let t0 = ts("2026-01-05T03:00:00Z");
    let t = |s: i64| t0.checked_add(s.seconds()).expect("time");
    assert!(store
        .acquire_lease("scheduler", "node-a", t0, t(30))
        .await
        .expect("a"));
    assert!(!store
        .acquire_lease("scheduler", "node-b", t(10), t(40))
        .await
        .expect("b"));
    assert!(store
        .acquire_lease("scheduler", "node-a", t(10), t(40))
        .await
        .expect("renew"));
    assert!(!store
        .acquire_lease("scheduler", "node-b", t(39), t(70))
        .await
        .expect("b"));
    assert!(store
        .acquire_lease("scheduler", "node-b", t(40), t(70))
        .await
        .expect("expired"));
    assert!(!store
        .acquire_lease("scheduler", "node-a", t(41), t(70))
        .await
        .expect("a lost it"));
    assert!(store
        .acquire_lease("outbox", "node-a", t(41), t(70))
        .await
        .expect("another lease"));

    // Many nodes at the same moment: exactly one wins.
    let attempts: Vec<_> = (0..10)
        .map(|i| {
            let holder = format!("node-{i}");
            async move {
                store
                    .acquire_lease("reports", &holder, t(100), t(130))
                    .await
            }
        })
        .collect();
    let won = join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("attempt"))
        .filter(|w| *w)
        .count();
    assert_eq!(won, 1);
}

// ---------------------------------------------------------------------------------------------
// Browser sign-in

pub async fn passwords_and_sessions(store: &dyn Store) {
    use crate::sessions::NewSession;
    let at = ts("2026-01-05T03:00:00Z");
    let user = User {
        id: "officer-s".into(),
        name: "Lê Văn Tâm".into(),
        agency: Some(eid(AGENCY_A)),
        roles: vec![Role::OneStopOfficer],
        created_at: at,
        disabled: false,
    };
    store.upsert_user(&user).await.expect("user");

    // Passwords: none, set, replaced; an unknown user is a conflict.
    assert_eq!(store.password_hash("officer-s").await.expect("read"), None);
    store
        .set_password_hash("officer-s", "$argon2id$first", at)
        .await
        .expect("set");
    store
        .set_password_hash("officer-s", "$argon2id$second", at)
        .await
        .expect("replace");
    assert_eq!(
        store
            .password_hash("officer-s")
            .await
            .expect("read")
            .as_deref(),
        Some("$argon2id$second")
    );
    assert!(matches!(
        store.set_password_hash("nobody", "$argon2id$x", at).await,
        Err(StoreError::Conflict(_))
    ));

    // Sessions: live until their end, per user, deletable one by one or all at once.
    let session = |hash: &str, hours: i64| NewSession {
        id_hash: hash.into(),
        user_id: "officer-s".into(),
        created_at: at,
        expires_at: at + jiff::SignedDuration::from_hours(hours),
    };
    store.create_session(&session("s1", 12)).await.expect("s1");
    store.create_session(&session("s2", 1)).await.expect("s2");
    store.create_session(&session("s3", 12)).await.expect("s3");
    assert!(matches!(
        store.create_session(&session("s1", 12)).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .create_session(&NewSession {
                user_id: "nobody".into(),
                ..session("s9", 1)
            })
            .await,
        Err(StoreError::Conflict(_))
    ));
    let soon = at + jiff::SignedDuration::from_mins(30);
    let later = at + jiff::SignedDuration::from_hours(2);
    assert_eq!(
        store.session_user("s1", soon).await.expect("read"),
        Some(user.clone())
    );
    assert!(store
        .session_user("s2", soon)
        .await
        .expect("read")
        .is_some());
    assert_eq!(store.session_user("s2", later).await.expect("read"), None);
    assert_eq!(store.session_user("zz", soon).await.expect("read"), None);

    assert!(store.delete_session("s1").await.expect("delete"));
    assert!(!store.delete_session("s1").await.expect("delete again"));
    assert_eq!(store.session_user("s1", soon).await.expect("read"), None);
    assert_eq!(
        store.delete_expired_sessions(later).await.expect("expire"),
        1
    );

    // A disabled user's sessions are worthless.
    store
        .upsert_user(&User {
            disabled: true,
            ..user.clone()
        })
        .await
        .expect("disable");
    assert_eq!(store.session_user("s3", soon).await.expect("read"), None);
    store.upsert_user(&user).await.expect("enable");
    assert!(store
        .session_user("s3", soon)
        .await
        .expect("read")
        .is_some());

    assert_eq!(
        store.delete_user_sessions("officer-s").await.expect("all"),
        1
    );
    assert_eq!(store.session_user("s3", soon).await.expect("read"), None);
}

// ---------------------------------------------------------------------------------------------
// Satisfaction ratings

pub async fn dossier_ratings_once(store: &dyn Store) {
    use crate::ratings::DossierRating;
    let at = ts("2026-01-09T03:00:00.123456Z");
    let new = sample_new_dossier(
        &eid(AGENCY_A),
        "Nguyễn Văn An",
        Some("citizen-r"),
        dt("2026-01-05T08:00"),
    );
    let out = write_one(store, create(new), at).await.expect("create");
    assert_eq!(
        store.dossier_rating(out.dossier_id).await.expect("read"),
        None
    );
    let rating = DossierRating {
        dossier_id: out.dossier_id,
        rating: 4,
        comment: "Cán bộ hướng dẫn tận tình, nhận kết quả đúng hẹn.".into(),
        rated_at: at,
    };
    store.rate_dossier(&rating).await.expect("rate");
    assert_eq!(
        store.dossier_rating(out.dossier_id).await.expect("read"),
        Some(rating.clone())
    );
    // Once per dossier: a second rating changes nothing.
    assert!(matches!(
        store
            .rate_dossier(&DossierRating {
                rating: 1,
                ..rating.clone()
            })
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.dossier_rating(out.dossier_id).await.expect("read"),
        Some(rating.clone())
    );
    // Outside 1–5, or an unknown dossier: refused, nothing stored.
    for bad in [
        DossierRating {
            dossier_id: out.dossier_id + 1000,
            ..rating.clone()
        },
        DossierRating {
            dossier_id: out.dossier_id + 1001,
            rating: 0,
            ..rating.clone()
        },
        DossierRating {
            dossier_id: out.dossier_id + 1002,
            rating: 6,
            ..rating.clone()
        },
    ] {
        assert!(
            matches!(store.rate_dossier(&bad).await, Err(StoreError::Conflict(_))),
            "{bad:?}"
        );
        assert_eq!(
            store.dossier_rating(bad.dossier_id).await.expect("read"),
            None
        );
    }
}
