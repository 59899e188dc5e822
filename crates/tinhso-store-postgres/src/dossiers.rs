//! Dossiers, the audit chain, identity, workflows and leases on PostgreSQL.
//!
//! Dossier writes go through the group-commit writer ([`GroupWriter`]) of each node: a
//! group is one transaction. Its first statement locks the single row of `audit_head`
//! (`FOR UPDATE`, once per group), so dossier-write transactions of all nodes run one after the
//! other: chain positions follow commit order, and the daily code sequence (an upsert-increment
//! in the same transaction) is gapless and unique across nodes. Grouping many writes under one
//! lock keeps the time the lock is held per write short.
//!
//! A group is decided in memory ([`tinhso_store::group_commit::plan`]) and written with a fixed
//! number of round trips whatever its size: the head lock, one read of the idempotency keys
//! and one of the touched dossiers (`FOR UPDATE`, in id order), one sequence upsert for every
//! (agency, day), one `INSERT … SELECT … FROM UNNEST(…)` of the new dossiers, and one statement
//! whose data-modifying CTEs write the dossier changes, events, keys, outbox messages and the
//! new head; then COMMIT. If a statement fails, the group is rolled back and run again with one
//! savepoint per write, so only the bad write fails.

use async_trait::async_trait;
use jiff::civil::DateTime;
use jiff::Timestamp;
use serde_json::Value;
use sqlx::postgres::{PgArguments, PgConnection, PgPool, PgRow};
use sqlx::Postgres;
use std::collections::HashMap;
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::catalog::ProcedureCode;
use tinhso_domain::dossier::{Dossier, DossierCode, WorkflowDefinition};
use tinhso_domain::text::fold;
use tinhso_store::chain::{canonical, ChainContent, ChainHead, ChainVerifier, StoredChainRecord};
use tinhso_store::dossiers::{
    Applicant, AuditVerification, DeadlineFlag, DossierQuery, DossierUpdate, DossierWrite,
    IdempotencyKey, IdempotentResult, NewDossier, OutboxMessage, StoreErrorString, StoredDossier,
    StoredEvent, User, WriteError, WriteOutcome,
};

use tinhso_domain::kpi::KpiFacts;
use tinhso_store::group_commit::plan::{
    self, kpi_mismatch, CurrentDossier, DossierChange, DossierColumns, GroupPlan, GroupReads,
    NewDossierRow, STATE_IN_LATEST_EVENT,
};
use tinhso_store::group_commit::{GroupCommitter, WriteRequest, WriteResult};
use tinhso_store::kpi::{facts_mismatch, parse_facts};
use tinhso_store::{
    AuditStore, DossierStore, IdentityStore, LeaseStore, StoreError, StoreResult, WorkflowStore,
};

use crate::{
    corrupt, date_text, db_err, from_json, from_micros, get, timestamp_text, to_json, PostgresStore,
};

/// SQL (text) for the stored state of the dossier row `$t` (a table name or alias): its
/// `state`, or, when that holds [`STATE_IN_LATEST_EVENT`] (a bulk-loaded dossier), its latest
/// event's `state_after` — the latest event always carries the current state, flags included.
macro_rules! state_sql {
    ($t:literal) => {
        concat!(
            "(CASE WHEN ",
            $t,
            ".state = 'null'::jsonb THEN (SELECT e.state_after \
             FROM dossier_events e WHERE e.dossier_id = ",
            $t,
            ".id AND e.seq = ",
            $t,
            ".events) ELSE ",
            $t,
            ".state END)::text"
        )
    };
}
pub(crate) use state_sql;

// ---------------------------------------------------------------------------------------------
// Conversions

/// Local date-time text PostgreSQL reads as `timestamp` (microseconds, as the column keeps).
fn civil_text(dt: DateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.subsec_nanosecond() / 1000
    )
}

/// Escapes `%`, `_` and `\` so the term matches literally inside a LIKE pattern.
fn like_escape(term: &str) -> String {
    let mut p = String::with_capacity(term.len() + 2);
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p
}

fn flag_name(flag: DeadlineFlag) -> &'static str {
    match flag {
        DeadlineFlag::DueSoon => "due_soon",
        DeadlineFlag::Late => "late",
    }
}

fn flag_column(flag: DeadlineFlag) -> &'static str {
    match flag {
        DeadlineFlag::DueSoon => "due_soon_flagged",
        DeadlineFlag::Late => "late_flagged",
    }
}

fn parse_flag(name: &str) -> StoreResult<DeadlineFlag> {
    match name {
        "due_soon" => Ok(DeadlineFlag::DueSoon),
        "late" => Ok(DeadlineFlag::Late),
        other => Err(corrupt("stored flag", other)),
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> StoreResult<Value> {
    serde_json::to_value(v).map_err(|e| StoreError::Other(format!("cannot encode JSON: {e}")))
}

fn u32_of(what: &str, v: i64) -> StoreResult<u32> {
    u32::try_from(v).map_err(|e| corrupt(what, e))
}

fn i32_of(what: &str, v: u32) -> StoreResult<i32> {
    i32::try_from(v).map_err(|e| StoreError::Other(format!("{what} out of range: {e}")))
}

fn write_err(e: StoreError) -> WriteError {
    WriteError::Store(StoreErrorString(e.to_string()))
}

fn sql_err(e: sqlx::Error) -> WriteError {
    write_err(db_err(e))
}

/// Microseconds since the Unix epoch of a `timestamptz` column, exactly.
fn micros_of(column: &str) -> String {
    format!("(extract(epoch FROM {column}) * 1000000)::bigint")
}

// ---------------------------------------------------------------------------------------------
// The group committer

pub(crate) struct PgCommitter {
    pub(crate) pool: PgPool,
}

#[async_trait]
impl GroupCommitter for PgCommitter {
    async fn commit_group(
        &mut self,
        group: Vec<WriteRequest>,
    ) -> StoreResult<Vec<Vec<WriteResult>>> {
        if let Some(results) = self.commit_batched(&group).await? {
            return Ok(results);
        }
        self.commit_one_by_one(group).await
    }
}

impl PgCommitter {
    /// The group as a few multi-row statements ([`tinhso_store::group_commit::plan`]).
    /// `Ok(None)`: a statement failed or the plan cannot be trusted; the transaction was rolled
    /// back (with any sequence numbers it took) and the group must run one write at a time.
    async fn commit_batched(
        &mut self,
        group: &[WriteRequest],
    ) -> StoreResult<Option<Vec<Vec<WriteResult>>>> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        match write_batched(&mut tx, group, false, true).await {
            Ok(Some(results)) => {
                // Never retried: after a failed COMMIT the outcome may be unknown.
                tx.commit().await.map_err(db_err)?;
                Ok(Some(results))
            }
            Ok(None) => {
                tx.rollback().await.map_err(db_err)?;
                Ok(None)
            }
            Err(e) => {
                tracing::debug!(error = %e, "batched dossier group failed; one write at a time");
                tx.rollback().await.map_err(db_err)?;
                Ok(None)
            }
        }
    }

    /// One savepoint per write: the path for groups whose batch failed.
    async fn commit_one_by_one(
        &mut self,
        group: Vec<WriteRequest>,
    ) -> StoreResult<Vec<Vec<WriteResult>>> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // Serializes dossier writes across nodes (see the module docs).
        let row = sqlx::query("SELECT chain_pos, hash FROM audit_head WHERE id = 1 FOR UPDATE")
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let mut head = ChainHead {
            pos: get(&row, "chain_pos")?,
            hash: get(&row, "hash")?,
        };
        let start = head.pos;
        let mut results = Vec::with_capacity(group.len());
        for request in group {
            let mut outcomes = Vec::with_capacity(request.writes.len());
            for write in request.writes {
                savepoint(&mut tx, "SAVEPOINT w").await?;
                let mut local = head.clone();
                match apply(&mut tx, write, request.at, &mut local).await {
                    Ok(outcome) => {
                        savepoint(&mut tx, "RELEASE SAVEPOINT w").await?;
                        head = local;
                        outcomes.push(Ok(outcome));
                    }
                    Err(e) => {
                        savepoint(&mut tx, "ROLLBACK TO SAVEPOINT w").await?;
                        savepoint(&mut tx, "RELEASE SAVEPOINT w").await?;
                        outcomes.push(Err(e));
                    }
                }
            }
            results.push(outcomes);
        }
        if head.pos != start {
            sqlx::query("UPDATE audit_head SET chain_pos = $1, hash = $2 WHERE id = 1")
                .bind(head.pos)
                .bind(&head.hash)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(results)
    }
}

fn i32_list(what: &str, values: impl Iterator<Item = u32>) -> StoreResult<Vec<i32>> {
    values.map(|v| i32_of(what, v)).collect()
}

fn timestamps(values: impl Iterator<Item = Timestamp>) -> StoreResult<Vec<String>> {
    values.map(timestamp_text).collect()
}

/// Every statement of a batched group, inside the open transaction: the head lock, two reads,
/// the sequence upsert, the dossier insert and ONE statement for the rest (dossier changes,
/// events, keys, outbox and the head, as data-modifying CTEs over `UNNEST`ed arrays), so a
/// group costs the same few round trips whatever its size. `Ok(None)` when the plan says to go
/// one by one.
pub(crate) async fn write_batched(
    conn: &mut PgConnection,
    group: &[WriteRequest],
    state_in_event_only: bool,
    counted: bool,
) -> StoreResult<Option<Vec<Vec<WriteResult>>>> {
    // Taken once per group: serializes dossier writes across nodes (see the module docs).
    let row = sqlx::query("SELECT chain_pos, hash FROM audit_head WHERE id = 1 FOR UPDATE")
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
    let head = ChainHead {
        pos: get(&row, "chain_pos")?,
        hash: get(&row, "hash")?,
    };
    let mut reads = GroupReads::default();
    let keys = plan::keys_to_read(group);
    if !keys.is_empty() {
        let (users, names): (Vec<&str>, Vec<&str>) = keys.into_iter().unzip();
        let rows = sqlx::query(
            "SELECT k.user_id, k.key, k.request_hash, k.dossier_id, k.event_seq, d.code \
             FROM UNNEST($1::text[], $2::text[]) AS q(u, n) \
             JOIN idempotency_keys k ON k.user_id = q.u AND k.key = q.n \
             JOIN dossiers d ON d.id = k.dossier_id",
        )
        .bind(users)
        .bind(names)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
        for row in rows {
            reads.keys.insert(
                (get(&row, "user_id")?, get(&row, "key")?),
                IdempotentResult {
                    request_hash: get(&row, "request_hash")?,
                    dossier_id: get(&row, "dossier_id")?,
                    dossier_code: get(&row, "code")?,
                    event_seq: u32_of(
                        "stored event seq",
                        i64::from(get::<i32>(&row, "event_seq")?),
                    )?,
                },
            );
        }
    }
    let ids = plan::dossiers_to_read(group);
    if !ids.is_empty() {
        let rows = sqlx::query(concat!(
            "SELECT id, code, events, due_soon_flagged, late_flagged, ",
            state_sql!("dossiers"),
            " AS state, (SELECT ",
            crate::kpi::facts_sql!("f"),
            " FROM kpi_facts f WHERE f.dossier_id = dossiers.id) AS kpi \
             FROM dossiers WHERE id = ANY($1) ORDER BY id FOR UPDATE"
        ))
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
        for row in rows {
            let code: String = get(&row, "code")?;
            reads.dossiers.insert(
                get(&row, "id")?,
                CurrentDossier {
                    code: DossierCode::parse(&code)
                        .map_err(|e| corrupt("stored dossier code", e))?,
                    events: u32_of("stored event count", i64::from(get::<i32>(&row, "events")?))?,
                    due_soon_flagged: get(&row, "due_soon_flagged")?,
                    late_flagged: get(&row, "late_flagged")?,
                    state: get(&row, "state")?,
                    kpi: get(&row, "kpi")?,
                },
            );
        }
    }

    let mut plan = GroupPlan::with_counting(group, reads, counted);
    if plan.needs_one_by_one() {
        return Ok(None);
    }
    // domain.md §5.2: numbers are taken in the transaction that records the dossiers, only for
    // creates that passed their checks (so each is used), and given back by a rollback.
    let demand = plan.sequence_demand();
    let mut lasts = Vec::with_capacity(demand.len());
    if !demand.is_empty() {
        let rows = sqlx::query(
            "INSERT INTO dossier_sequences (agency, day, last) \
             SELECT a, d::date, n FROM UNNEST($1::text[], $2::text[], $3::int[]) AS u(a, d, n) \
             ON CONFLICT (agency, day) DO UPDATE SET last = dossier_sequences.last + excluded.last \
             RETURNING agency, to_char(day, 'YYYY-MM-DD') AS day, last",
        )
        .bind(demand.iter().map(|d| d.agency.as_str()).collect::<Vec<_>>())
        .bind(demand.iter().map(|d| date_text(d.day)).collect::<Vec<_>>())
        .bind(i32_list("sequence count", demand.iter().map(|d| d.count))?)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
        let mut by_key = HashMap::with_capacity(rows.len());
        for row in rows {
            let agency: String = get(&row, "agency")?;
            let day: String = get(&row, "day")?;
            let last: i32 = get(&row, "last")?;
            by_key.insert((agency, day), i64::from(last));
        }
        for d in demand {
            let key = (d.agency.as_str().to_string(), date_text(d.day));
            lasts.push(by_key.get(&key).copied().ok_or_else(|| {
                StoreError::Other("the sequence upsert did not return a day".into())
            })?);
        }
    }
    let new_rows = plan.assign_codes(&lasts)?;
    let mut ids = HashMap::with_capacity(new_rows.len());
    if !new_rows.is_empty() {
        let cols = |f: fn(&NewDossierRow) -> &str| new_rows.iter().map(f).collect::<Vec<_>>();
        let opt =
            |f: fn(&NewDossierRow) -> Option<&str>| new_rows.iter().map(f).collect::<Vec<_>>();
        let rows = sqlx::query(
            "INSERT INTO dossiers (code, code_agency, code_date, code_seq, receiving_agency, \
             competent_agency, transferred_to, procedure_code, status, current_step, \
             applicant_id, applicant_folded, received_at, accepted_at, due_at, paused, events, \
             lookup_secret_hash, state, applicant, form, created_at, updated_at) \
             SELECT c, a, d::date, s, r, co, t, p, st, sp, ai, af, ra::timestamp, aa::timestamp, \
             da::timestamp, pa, 1, l, sj::jsonb, aj::jsonb, fj::jsonb, at::timestamptz, \
             at::timestamptz \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], \
             $7::text[], $8::text[], $9::smallint[], $10::text[], $11::text[], $12::text[], \
             $13::text[], $14::text[], $15::text[], $16::bool[], $17::text[], $18::text[], \
             $19::text[], $20::text[], $21::text[]) \
             AS u(c, a, d, s, r, co, t, p, st, sp, ai, af, ra, aa, da, pa, l, sj, aj, fj, at) \
             RETURNING id, code",
        )
        .bind(cols(|r| &r.code))
        .bind(cols(|r| &r.code_agency))
        .bind(
            new_rows
                .iter()
                .map(|r| date_text(r.code_date))
                .collect::<Vec<_>>(),
        )
        .bind(i32_list("sequence", new_rows.iter().map(|r| r.code_seq))?)
        .bind(cols(|r| &r.columns.receiving))
        .bind(cols(|r| &r.columns.competent))
        .bind(opt(|r| r.columns.transferred.as_deref()))
        .bind(cols(|r| &r.columns.procedure))
        .bind(
            new_rows
                .iter()
                .map(|r| i16::from(r.columns.status))
                .collect::<Vec<_>>(),
        )
        .bind(opt(|r| r.columns.step.as_deref()))
        .bind(opt(|r| r.columns.applicant_id.as_deref()))
        .bind(cols(|r| &r.applicant_folded))
        .bind(cols(|r| &r.columns.received_at))
        .bind(opt(|r| r.columns.accepted_at.as_deref()))
        .bind(opt(|r| r.columns.due_at.as_deref()))
        .bind(
            new_rows
                .iter()
                .map(|r| r.columns.paused)
                .collect::<Vec<_>>(),
        )
        .bind(cols(|r| &r.lookup_secret_hash))
        .bind(if state_in_event_only {
            vec![STATE_IN_LATEST_EVENT; new_rows.len()]
        } else {
            cols(|r| &r.state)
        })
        .bind(cols(|r| &r.applicant))
        .bind(cols(|r| &r.form))
        .bind(timestamps(new_rows.iter().map(|r| r.at))?)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
        for row in rows {
            ids.insert(get::<String>(&row, "code")?, get::<i64>(&row, "id")?);
        }
    }
    let rows = plan.finish(&ids, head)?;

    let ch = &rows.changes;
    fn state(c: &DossierChange) -> Option<(&DossierColumns, &str)> {
        c.state.as_ref().map(|(c, s)| (c, &**s))
    }
    let col = |f: fn(&DossierColumns) -> Option<&str>| {
        ch.iter()
            .map(|c| state(c).and_then(|(c, _)| f(c)))
            .collect::<Vec<_>>()
    };
    let ev = &rows.events;
    let changed: i64 = sqlx::query_scalar(
        "WITH changed AS (\
           UPDATE dossiers SET \
           receiving_agency = CASE WHEN v.hs THEN v.r ELSE dossiers.receiving_agency END, \
           competent_agency = CASE WHEN v.hs THEN v.co ELSE dossiers.competent_agency END, \
           transferred_to = CASE WHEN v.hs THEN v.t ELSE dossiers.transferred_to END, \
           procedure_code = CASE WHEN v.hs THEN v.p ELSE dossiers.procedure_code END, \
           status = CASE WHEN v.hs THEN v.st ELSE dossiers.status END, \
           current_step = CASE WHEN v.hs THEN v.sp ELSE dossiers.current_step END, \
           applicant_id = CASE WHEN v.hs THEN v.ai ELSE dossiers.applicant_id END, \
           received_at = CASE WHEN v.hs THEN v.ra::timestamp ELSE dossiers.received_at END, \
           accepted_at = CASE WHEN v.hs THEN v.aa::timestamp ELSE dossiers.accepted_at END, \
           due_at = CASE WHEN v.hs THEN v.da::timestamp ELSE dossiers.due_at END, \
           paused = CASE WHEN v.hs THEN v.pa ELSE dossiers.paused END, \
           state = CASE WHEN v.hs THEN v.sj::jsonb ELSE dossiers.state END, \
           events = v.n, due_soon_flagged = v.ds, late_flagged = v.lt, \
           updated_at = v.up::timestamptz \
           FROM UNNEST($1::bigint[], $2::int[], $3::int[], $4::bool[], $5::text[], $6::text[], \
           $7::text[], $8::text[], $9::smallint[], $10::text[], $11::text[], $12::text[], \
           $13::text[], $14::text[], $15::bool[], $16::text[], $17::bool[], $18::bool[], \
           $19::text[]) AS v(id, x, n, hs, r, co, t, p, st, sp, ai, ra, aa, da, pa, sj, ds, lt, up) \
           WHERE dossiers.id = v.id AND dossiers.events = v.x RETURNING 1), \
         events AS (\
           INSERT INTO dossier_events (dossier_id, seq, chain_pos, event, flag, state_after, \
           attachments, comment, recorded_at, prev_hash, hash) \
           SELECT d, s, c, e::jsonb, f, sa::jsonb, a::jsonb, cm, ra::timestamptz, ph, h \
           FROM UNNEST($20::bigint[], $21::int[], $22::bigint[], $23::text[], $24::text[], \
           $25::text[], $26::text[], $27::text[], $28::text[], $29::text[], $30::text[]) \
           AS u(d, s, c, e, f, sa, a, cm, ra, ph, h) ORDER BY c), \
         keys AS (\
           INSERT INTO idempotency_keys (user_id, key, request_hash, dossier_id, event_seq, \
           created_at) SELECT u, k, h, d, s, at::timestamptz \
           FROM UNNEST($31::text[], $32::text[], $33::text[], $34::bigint[], $35::int[], \
           $36::text[]) AS u(u, k, h, d, s, at)), \
         messages AS (\
           INSERT INTO outbox (topic, payload, dossier_id, created_at) \
           SELECT t, p::jsonb, d, at::timestamptz \
           FROM UNNEST($37::text[], $38::text[], $39::bigint[], $40::text[]) \
           WITH ORDINALITY AS u(t, p, d, at, i) ORDER BY i), \
         head AS (\
           UPDATE audit_head SET chain_pos = $41, hash = $42 \
           WHERE id = 1 AND chain_pos <> $41) \
         SELECT count(*) FROM changed",
    )
    .bind(ch.iter().map(|c| c.id).collect::<Vec<_>>())
    .bind(i32_list("expected events", ch.iter().map(|c| c.expected_events))?)
    .bind(i32_list("events", ch.iter().map(|c| c.events))?)
    .bind(ch.iter().map(|c| c.state.is_some()).collect::<Vec<_>>())
    .bind(col(|c| Some(&c.receiving)))
    .bind(col(|c| Some(&c.competent)))
    .bind(col(|c| c.transferred.as_deref()))
    .bind(col(|c| Some(&c.procedure)))
    .bind(
        ch.iter()
            .map(|c| state(c).map(|(c, _)| i16::from(c.status)))
            .collect::<Vec<_>>(),
    )
    .bind(col(|c| c.step.as_deref()))
    .bind(col(|c| c.applicant_id.as_deref()))
    .bind(col(|c| Some(&c.received_at)))
    .bind(col(|c| c.accepted_at.as_deref()))
    .bind(col(|c| c.due_at.as_deref()))
    .bind(
        ch.iter()
            .map(|c| state(c).map(|(c, _)| c.paused))
            .collect::<Vec<_>>(),
    )
    .bind(
        ch.iter()
            .map(|c| state(c).map(|(_, s)| s))
            .collect::<Vec<_>>(),
    )
    .bind(ch.iter().map(|c| c.due_soon_flagged).collect::<Vec<_>>())
    .bind(ch.iter().map(|c| c.late_flagged).collect::<Vec<_>>())
    .bind(timestamps(ch.iter().map(|c| c.updated_at))?)
    .bind(ev.iter().map(|e| e.dossier_id).collect::<Vec<_>>())
    .bind(i32_list("event seq", ev.iter().map(|e| e.seq))?)
    .bind(ev.iter().map(|e| e.chain_pos).collect::<Vec<_>>())
    .bind(ev.iter().map(|e| e.event.as_deref()).collect::<Vec<_>>())
    .bind(ev.iter().map(|e| e.flag).collect::<Vec<_>>())
    .bind(ev.iter().map(|e| &*e.state_after).collect::<Vec<_>>())
    .bind(ev.iter().map(|e| e.attachments.as_str()).collect::<Vec<_>>())
    .bind(ev.iter().map(|e| e.comment.as_str()).collect::<Vec<_>>())
    .bind(timestamps(ev.iter().map(|e| e.recorded_at))?)
    .bind(ev.iter().map(|e| e.prev_hash.as_str()).collect::<Vec<_>>())
    .bind(ev.iter().map(|e| e.hash.as_str()).collect::<Vec<_>>())
    .bind(rows.keys.iter().map(|k| k.user_id.as_str()).collect::<Vec<_>>())
    .bind(rows.keys.iter().map(|k| k.key.as_str()).collect::<Vec<_>>())
    .bind(rows.keys.iter().map(|k| k.request_hash.as_str()).collect::<Vec<_>>())
    .bind(rows.keys.iter().map(|k| k.dossier_id).collect::<Vec<_>>())
    .bind(i32_list("event seq", rows.keys.iter().map(|k| k.event_seq))?)
    .bind(timestamps(rows.keys.iter().map(|k| k.created_at))?)
    .bind(rows.outbox.iter().map(|o| o.topic.as_str()).collect::<Vec<_>>())
    .bind(rows.outbox.iter().map(|o| o.payload.as_str()).collect::<Vec<_>>())
    .bind(rows.outbox.iter().map(|o| o.dossier_id).collect::<Vec<_>>())
    .bind(timestamps(rows.outbox.iter().map(|o| o.created_at))?)
    .bind(rows.head.pos)
    .bind(&rows.head.hash)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    if changed != ch.len() as i64 {
        return Err(StoreError::Conflict(
            "a dossier changed under its group's plan".into(),
        ));
    }
    // Issue 5: the KPI facts and counters move in the same transaction as the states.
    crate::kpi::write_rows(conn, &rows.kpi_facts, &rows.kpi_counters).await?;
    Ok(Some(rows.results))
}

async fn savepoint(conn: &mut PgConnection, sql: &'static str) -> StoreResult<()> {
    sqlx::query(sql).execute(conn).await.map_err(db_err)?;
    Ok(())
}

async fn apply(
    conn: &mut PgConnection,
    write: DossierWrite,
    at: Timestamp,
    head: &mut ChainHead,
) -> Result<WriteOutcome, WriteError> {
    match write {
        DossierWrite::Create(new) => create(conn, *new, at, head).await,
        DossierWrite::Update(update) => update_dossier(conn, *update, at, head).await,
        DossierWrite::Flag {
            dossier_id,
            flag,
            at,
        } => set_flag(conn, dossier_id, flag, at, head).await,
    }
}

async fn replay(
    conn: &mut PgConnection,
    key: Option<&IdempotencyKey>,
) -> Result<Option<WriteOutcome>, WriteError> {
    let Some(key) = key else { return Ok(None) };
    let Some(prev) = idempotent_lookup(conn, &key.user_id, &key.key)
        .await
        .map_err(write_err)?
    else {
        return Ok(None);
    };
    if prev.request_hash != key.request_hash {
        return Err(WriteError::IdempotencyMismatch);
    }
    let code = DossierCode::parse(&prev.dossier_code)
        .map_err(|e| write_err(corrupt("stored dossier code", e)))?;
    Ok(Some(WriteOutcome {
        dossier_id: prev.dossier_id,
        code,
        event_seq: prev.event_seq,
        replayed: true,
    }))
}

async fn idempotent_lookup(
    conn: &mut PgConnection,
    user_id: &str,
    key: &str,
) -> StoreResult<Option<IdempotentResult>> {
    let row = sqlx::query(
        "SELECT k.request_hash, k.dossier_id, k.event_seq, d.code FROM idempotency_keys k \
         JOIN dossiers d ON d.id = k.dossier_id WHERE k.user_id = $1 AND k.key = $2",
    )
    .bind(user_id)
    .bind(key)
    .fetch_optional(conn)
    .await
    .map_err(db_err)?;
    row.map(|row| {
        Ok(IdempotentResult {
            request_hash: get(&row, "request_hash")?,
            dossier_id: get(&row, "dossier_id")?,
            dossier_code: get(&row, "code")?,
            event_seq: u32_of(
                "stored event seq",
                i64::from(get::<i32>(&row, "event_seq")?),
            )?,
        })
    })
    .transpose()
}

struct Columns {
    receiving: String,
    competent: String,
    transferred: Option<String>,
    procedure: String,
    status: i16,
    step: Option<String>,
    applicant_id: Option<String>,
    received_at: String,
    accepted_at: Option<String>,
    due_at: Option<String>,
    paused: bool,
}

impl Columns {
    fn of(d: &Dossier) -> Self {
        Self {
            receiving: d.receiving_agency.to_string(),
            competent: d.competent_agency.to_string(),
            transferred: d.transferred_to.as_ref().map(ToString::to_string),
            procedure: d.procedure_code.to_string(),
            status: i16::from(d.status.code()),
            step: d.current_step.as_ref().map(|s| s.as_str().to_string()),
            applicant_id: d.applicant_id.clone(),
            received_at: civil_text(d.received_at),
            accepted_at: d.accepted_at.map(civil_text),
            due_at: d.due.map(civil_text),
            paused: d.status.is_paused_for_dashboard(),
        }
    }
}

struct NewEvent<'a> {
    dossier_id: i64,
    seq: u32,
    event: Option<&'a Value>,
    flag: Option<DeadlineFlag>,
    state_after: &'a Value,
    attachments: &'a Value,
    comment: &'a str,
    at: Timestamp,
}

async fn append_event(
    conn: &mut PgConnection,
    e: NewEvent<'_>,
    head: &mut ChainHead,
) -> Result<(), WriteError> {
    // Truncated to the microsecond, what timestamptz keeps and what is hashed.
    let recorded_at_us = e.at.as_microsecond();
    let recorded_at = timestamp_text(e.at).map_err(write_err)?;
    let null = Value::Null;
    let content = ChainContent {
        dossier_id: e.dossier_id,
        seq: e.seq,
        chain_pos: 0,
        event: e.event.unwrap_or(&null),
        flag: e.flag.map(flag_name),
        state_after: e.state_after,
        attachments: e.attachments,
        comment: e.comment,
        recorded_at_us,
    };
    let (pos, prev_hash, hash) = head.append(&content);
    sqlx::query(
        "INSERT INTO dossier_events (dossier_id, seq, chain_pos, event, flag, state_after, \
         attachments, comment, recorded_at, prev_hash, hash) \
         VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7::jsonb, $8, $9::timestamptz, $10, $11)",
    )
    .bind(e.dossier_id)
    .bind(i32_of("event seq", e.seq).map_err(write_err)?)
    .bind(pos)
    .bind(e.event.map(canonical))
    .bind(e.flag.map(flag_name))
    .bind(canonical(e.state_after))
    .bind(canonical(e.attachments))
    .bind(e.comment)
    .bind(recorded_at)
    .bind(prev_hash)
    .bind(hash)
    .execute(conn)
    .await
    .map_err(sql_err)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn record_key_and_outbox(
    conn: &mut PgConnection,
    key: Option<&IdempotencyKey>,
    outbox: Vec<OutboxMessage>,
    dossier_id: i64,
    code: &DossierCode,
    seq: u32,
    at: &str,
) -> Result<(), WriteError> {
    if let Some(key) = key {
        sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, dossier_id, event_seq, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6::timestamptz)",
        )
        .bind(&key.user_id)
        .bind(&key.key)
        .bind(&key.request_hash)
        .bind(dossier_id)
        .bind(i32_of("event seq", seq).map_err(write_err)?)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(sql_err)?;
    }
    if outbox.is_empty() {
        return Ok(());
    }
    let mut topics = Vec::with_capacity(outbox.len());
    let mut payloads = Vec::with_capacity(outbox.len());
    for message in outbox {
        let mut payload = message.payload;
        if let Value::Object(map) = &mut payload {
            map.insert("dossier_id".into(), Value::from(dossier_id));
            map.insert("dossier_code".into(), Value::String(code.to_string()));
        }
        topics.push(message.topic);
        payloads.push(payload.to_string());
    }
    sqlx::query(
        "INSERT INTO outbox (topic, payload, dossier_id, created_at) \
         SELECT t, p::jsonb, $3, $4::timestamptz FROM UNNEST($1::text[], $2::text[]) AS u(t, p)",
    )
    .bind(topics)
    .bind(payloads)
    .bind(dossier_id)
    .bind(at)
    .execute(&mut *conn)
    .await
    .map_err(sql_err)?;
    Ok(())
}

async fn create(
    conn: &mut PgConnection,
    new: NewDossier,
    at: Timestamp,
    head: &mut ChainHead,
) -> Result<WriteOutcome, WriteError> {
    if let Some(outcome) = replay(conn, new.idempotency.as_ref()).await? {
        return Ok(outcome);
    }
    if let Some(what) = facts_mismatch(&new.dossier, &new.kpi) {
        return Err(kpi_mismatch(what));
    }
    let at_text = timestamp_text(at).map_err(write_err)?;
    // domain.md §5.2: the sequence is taken in the transaction that records the dossier; a
    // rolled-back savepoint gives it back, so it stays gapless and is never reused.
    let seq: i32 = sqlx::query_scalar(
        "INSERT INTO dossier_sequences (agency, day, last) VALUES ($1, $2::date, 1) \
         ON CONFLICT (agency, day) DO UPDATE SET last = dossier_sequences.last + 1 \
         RETURNING last",
    )
    .bind(new.code_agency.as_str())
    .bind(date_text(new.code_date))
    .fetch_one(&mut *conn)
    .await
    .map_err(sql_err)?;
    let seq = u32_of("dossier sequence", i64::from(seq)).map_err(write_err)?;
    let code = DossierCode::new(new.code_agency.clone(), new.code_date, seq)
        .map_err(|e| write_err(StoreError::Other(e.to_string())))?;
    let mut dossier = new.dossier;
    dossier.code = code.clone();
    let state = to_value(&dossier).map_err(write_err)?;
    let cols = Columns::of(&dossier);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO dossiers (code, code_agency, code_date, code_seq, receiving_agency, \
         competent_agency, transferred_to, procedure_code, status, current_step, applicant_id, \
         applicant_folded, received_at, accepted_at, due_at, paused, events, \
         lookup_secret_hash, state, applicant, form, created_at, updated_at) \
         VALUES ($1, $2, $3::date, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::timestamp, \
         $14::timestamp, $15::timestamp, $16, 1, $17, $18::jsonb, $19::jsonb, $20::jsonb, \
         $21::timestamptz, $21::timestamptz) RETURNING id",
    )
    .bind(code.to_string())
    .bind(new.code_agency.as_str())
    .bind(date_text(new.code_date))
    .bind(i32_of("sequence", seq).map_err(write_err)?)
    .bind(&cols.receiving)
    .bind(&cols.competent)
    .bind(&cols.transferred)
    .bind(&cols.procedure)
    .bind(cols.status)
    .bind(&cols.step)
    .bind(&cols.applicant_id)
    .bind(fold(&new.applicant.name))
    .bind(&cols.received_at)
    .bind(&cols.accepted_at)
    .bind(&cols.due_at)
    .bind(cols.paused)
    .bind(&new.lookup_secret_hash)
    .bind(canonical(&state))
    .bind(to_json(&new.applicant).map_err(write_err)?)
    .bind(new.form.to_string())
    .bind(&at_text)
    .fetch_one(&mut *conn)
    .await
    .map_err(sql_err)?;
    let event = to_value(&new.event).map_err(write_err)?;
    let attachments = to_value(&new.attachments).map_err(write_err)?;
    append_event(
        conn,
        NewEvent {
            dossier_id: id,
            seq: 1,
            event: Some(&event),
            flag: None,
            state_after: &state,
            attachments: &attachments,
            comment: &new.comment,
            at,
        },
        head,
    )
    .await?;
    record_key_and_outbox(
        conn,
        new.idempotency.as_ref(),
        new.outbox,
        id,
        &code,
        1,
        &at_text,
    )
    .await?;
    let mut kpi = new.kpi;
    kpi.code = code.clone();
    crate::kpi::apply_one(conn, id, None, &kpi)
        .await
        .map_err(write_err)?;
    Ok(WriteOutcome {
        dossier_id: id,
        code,
        event_seq: 1,
        replayed: false,
    })
}

/// (code, events, due_soon_flagged, late_flagged, state) of a dossier, its row locked.
async fn current(
    conn: &mut PgConnection,
    id: i64,
) -> Result<Option<(DossierCode, u32, bool, bool, String)>, WriteError> {
    let row = sqlx::query(concat!(
        "SELECT code, events, due_soon_flagged, late_flagged, ",
        state_sql!("dossiers"),
        " AS state FROM dossiers WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
    .map_err(sql_err)?;
    let Some(row) = row else { return Ok(None) };
    let code: String = get(&row, "code").map_err(write_err)?;
    let code =
        DossierCode::parse(&code).map_err(|e| write_err(corrupt("stored dossier code", e)))?;
    let events: i32 = get(&row, "events").map_err(write_err)?;
    let events = u32_of("stored event count", i64::from(events)).map_err(write_err)?;
    Ok(Some((
        code,
        events,
        get(&row, "due_soon_flagged").map_err(write_err)?,
        get(&row, "late_flagged").map_err(write_err)?,
        get(&row, "state").map_err(write_err)?,
    )))
}

async fn update_dossier(
    conn: &mut PgConnection,
    u: DossierUpdate,
    at: Timestamp,
    head: &mut ChainHead,
) -> Result<WriteOutcome, WriteError> {
    if let Some(outcome) = replay(conn, u.idempotency.as_ref()).await? {
        return Ok(outcome);
    }
    let Some((code, events, ..)) = current(conn, u.dossier_id).await? else {
        return Err(WriteError::NotFound);
    };
    if events != u.expected_events {
        return Err(WriteError::Conflict);
    }
    if let Some(what) = facts_mismatch(&u.new_state, &u.kpi) {
        return Err(kpi_mismatch(what));
    }
    let before = crate::kpi::stored_facts(conn, u.dossier_id)
        .await
        .map_err(write_err)?;
    let mut kpi = u.kpi;
    kpi.code = code.clone();
    crate::kpi::apply_one(conn, u.dossier_id, before.as_ref(), &kpi)
        .await
        .map_err(write_err)?;
    let at_text = timestamp_text(at).map_err(write_err)?;
    // The code never changes after intake, whatever the caller's copy says.
    let mut dossier = u.new_state;
    dossier.code = code.clone();
    let state = to_value(&dossier).map_err(write_err)?;
    let cols = Columns::of(&dossier);
    let done = sqlx::query(
        "UPDATE dossiers SET receiving_agency = $1, competent_agency = $2, transferred_to = $3, \
         procedure_code = $4, status = $5, current_step = $6, applicant_id = $7, \
         received_at = $8::timestamp, accepted_at = $9::timestamp, due_at = $10::timestamp, \
         paused = $11, events = events + 1, state = $12::jsonb, updated_at = $13::timestamptz \
         WHERE id = $14 AND events = $15",
    )
    .bind(&cols.receiving)
    .bind(&cols.competent)
    .bind(&cols.transferred)
    .bind(&cols.procedure)
    .bind(cols.status)
    .bind(&cols.step)
    .bind(&cols.applicant_id)
    .bind(&cols.received_at)
    .bind(&cols.accepted_at)
    .bind(&cols.due_at)
    .bind(cols.paused)
    .bind(canonical(&state))
    .bind(&at_text)
    .bind(u.dossier_id)
    .bind(i32_of("expected events", u.expected_events).map_err(write_err)?)
    .execute(&mut *conn)
    .await
    .map_err(sql_err)?;
    if done.rows_affected() != 1 {
        return Err(WriteError::Conflict);
    }
    let seq = u.expected_events + 1;
    let event = to_value(&u.event).map_err(write_err)?;
    let attachments = to_value(&u.attachments).map_err(write_err)?;
    append_event(
        conn,
        NewEvent {
            dossier_id: u.dossier_id,
            seq,
            event: Some(&event),
            flag: None,
            state_after: &state,
            attachments: &attachments,
            comment: &u.comment,
            at,
        },
        head,
    )
    .await?;
    record_key_and_outbox(
        conn,
        u.idempotency.as_ref(),
        u.outbox,
        u.dossier_id,
        &code,
        seq,
        &at_text,
    )
    .await?;
    Ok(WriteOutcome {
        dossier_id: u.dossier_id,
        code,
        event_seq: seq,
        replayed: false,
    })
}

async fn set_flag(
    conn: &mut PgConnection,
    dossier_id: i64,
    flag: DeadlineFlag,
    at: Timestamp,
    head: &mut ChainHead,
) -> Result<WriteOutcome, WriteError> {
    let Some((code, events, due_soon, late, state)) = current(conn, dossier_id).await? else {
        return Err(WriteError::NotFound);
    };
    let already = match flag {
        DeadlineFlag::DueSoon => due_soon,
        DeadlineFlag::Late => late,
    };
    if already {
        return Err(WriteError::AlreadyFlagged);
    }
    let column = flag_column(flag);
    let done = sqlx::query(&format!(
        "UPDATE dossiers SET {column} = true, events = events + 1, \
         updated_at = $1::timestamptz WHERE id = $2 AND events = $3 AND NOT {column}"
    ))
    .bind(timestamp_text(at).map_err(write_err)?)
    .bind(dossier_id)
    .bind(i32_of("events", events).map_err(write_err)?)
    .execute(&mut *conn)
    .await
    .map_err(sql_err)?;
    if done.rows_affected() != 1 {
        return Err(WriteError::Conflict);
    }
    let state: Value =
        serde_json::from_str(&state).map_err(|e| write_err(corrupt("stored dossier state", e)))?;
    let seq = events + 1;
    append_event(
        conn,
        NewEvent {
            dossier_id,
            seq,
            event: None,
            flag: Some(flag),
            state_after: &state,
            attachments: &Value::Array(Vec::new()),
            comment: "",
            at,
        },
        head,
    )
    .await?;
    Ok(WriteOutcome {
        dossier_id,
        code,
        event_seq: seq,
        replayed: false,
    })
}

// ---------------------------------------------------------------------------------------------
// Reads

fn dossier_columns() -> String {
    format!(
        "id, {} AS state, applicant::text AS applicant, form::text AS form, events, \
         due_soon_flagged, late_flagged, lookup_secret_hash, {} AS created_us, {} AS updated_us",
        state_sql!("dossiers"),
        micros_of("created_at"),
        micros_of("updated_at")
    )
}

fn dossier_from_row(row: &PgRow) -> StoreResult<StoredDossier> {
    let state: String = get(row, "state")?;
    let applicant: String = get(row, "applicant")?;
    let form: String = get(row, "form")?;
    let events: i32 = get(row, "events")?;
    Ok(StoredDossier {
        id: get(row, "id")?,
        dossier: from_json("stored dossier state", &state)?,
        applicant: from_json::<Applicant>("stored applicant", &applicant)?,
        form: from_json("stored form", &form)?,
        events: u32_of("stored event count", i64::from(events))?,
        due_soon_flagged: get(row, "due_soon_flagged")?,
        late_flagged: get(row, "late_flagged")?,
        lookup_secret_hash: get(row, "lookup_secret_hash")?,
        created_at: from_micros(get(row, "created_us")?)?,
        updated_at: from_micros(get(row, "updated_us")?)?,
    })
}

fn event_columns() -> String {
    format!(
        "dossier_id, seq, chain_pos, event::text AS event, flag, state_after::text AS state_after, \
         attachments::text AS attachments, comment, {} AS recorded_us, prev_hash, hash",
        micros_of("recorded_at")
    )
}

fn chain_record_from_row(row: &PgRow) -> StoreResult<StoredChainRecord> {
    let seq: i32 = get(row, "seq")?;
    Ok(StoredChainRecord {
        dossier_id: get(row, "dossier_id")?,
        seq: i64::from(seq),
        chain_pos: get(row, "chain_pos")?,
        event: get(row, "event")?,
        flag: get(row, "flag")?,
        state_after: get(row, "state_after")?,
        attachments: get(row, "attachments")?,
        comment: get(row, "comment")?,
        recorded_at_us: get(row, "recorded_us")?,
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}

fn event_from_row(row: &PgRow) -> StoreResult<StoredEvent> {
    let r = chain_record_from_row(row)?;
    Ok(StoredEvent {
        dossier_id: r.dossier_id,
        seq: u32_of("stored event seq", r.seq)?,
        chain_pos: r.chain_pos,
        event: r
            .event
            .as_deref()
            .map(|e| from_json("stored event", e))
            .transpose()?,
        flag: r.flag.as_deref().map(parse_flag).transpose()?,
        state_after: from_json("stored state", &r.state_after)?,
        attachments: from_json("stored attachments", &r.attachments)?,
        comment: r.comment,
        recorded_at: from_micros(r.recorded_at_us)?,
        prev_hash: r.prev_hash,
        hash: r.hash,
    })
}

/// A bound value of a dynamic query.
enum Arg {
    Text(String),
    Int(i64),
    Texts(Vec<String>),
    Smallints(Vec<i16>),
}

/// SQL text with numbered parameters.
#[derive(Default)]
struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    /// Adds a parameter and returns its placeholder.
    fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    fn bind(self) -> (String, Vec<Arg>) {
        (self.text, self.args)
    }
}

fn bind_args<'q>(
    mut query: sqlx::query::Query<'q, Postgres, PgArguments>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'q, Postgres, PgArguments> {
    for a in args {
        query = match a {
            Arg::Text(s) => query.bind(s),
            Arg::Int(i) => query.bind(i),
            Arg::Texts(v) => query.bind(v),
            Arg::Smallints(v) => query.bind(v),
        };
    }
    query
}

/// The WHERE clause of a dossier query, or None for an unscoped one (which finds nothing).
fn query_filter(q: &DossierQuery) -> Option<Sql> {
    if q.agencies.is_empty() && q.applicant_id.is_none() {
        return None;
    }
    let mut s = Sql {
        text: String::from("TRUE"),
        args: Vec::new(),
    };
    if !q.agencies.is_empty() {
        let p = s.arg(Arg::Texts(
            q.agencies.iter().map(ToString::to_string).collect(),
        ));
        s.text.push_str(&format!(
            " AND (receiving_agency = ANY({p}::text[]) OR competent_agency = ANY({p}::text[]) \
             OR transferred_to = ANY({p}::text[]))"
        ));
    }
    if let Some(applicant) = &q.applicant_id {
        let p = s.arg(Arg::Text(applicant.clone()));
        s.text.push_str(&format!(" AND applicant_id = {p}"));
    }
    if !q.statuses.is_empty() {
        let p = s.arg(Arg::Smallints(
            q.statuses.iter().map(|st| i16::from(st.code())).collect(),
        ));
        s.text.push_str(&format!(" AND status = ANY({p}::int2[])"));
    }
    if !q.steps.is_empty() {
        let p = s.arg(Arg::Texts(q.steps.clone()));
        s.text
            .push_str(&format!(" AND current_step = ANY({p}::text[])"));
    }
    if let Some(procedure) = &q.procedure {
        let p = s.arg(Arg::Text(procedure.to_string()));
        s.text.push_str(&format!(" AND procedure_code = {p}"));
    }
    if let Some(due) = q.due_before {
        let p = s.arg(Arg::Text(civil_text(due)));
        s.text.push_str(&format!(
            " AND status IN (2, 4) AND due_at IS NOT NULL AND due_at <= {p}::timestamp"
        ));
    }
    if q.paused {
        s.text.push_str(" AND paused");
    }
    if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let code = s.arg(Arg::Text(format!(
            "{}%",
            like_escape(&text.to_ascii_uppercase())
        )));
        let procedure = s.arg(Arg::Text(format!("{}%", like_escape(text))));
        let name = s.arg(Arg::Text(format!("%{}%", like_escape(&fold(text)))));
        s.text.push_str(&format!(
            " AND (code LIKE {code} OR procedure_code LIKE {procedure} \
             OR applicant_folded LIKE {name})"
        ));
    }
    if let Some(from) = q.received_from {
        let p = s.arg(Arg::Text(date_text(from)));
        s.text
            .push_str(&format!(" AND received_at >= {p}::date::timestamp"));
    }
    if let Some(to) = q.received_to {
        if let Ok(next) = to.tomorrow() {
            let p = s.arg(Arg::Text(date_text(next)));
            s.text
                .push_str(&format!(" AND received_at < {p}::date::timestamp"));
        }
    }
    Some(s)
}

#[async_trait]
impl DossierStore for PostgresStore {
    async fn write_dossiers(
        &self,
        writes: Vec<DossierWrite>,
        at: Timestamp,
    ) -> StoreResult<Vec<Result<WriteOutcome, WriteError>>> {
        self.dossier_writer.write(writes, at).await
    }

    async fn dossier_by_code(&self, code: &DossierCode) -> StoreResult<Option<StoredDossier>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM dossiers WHERE code = $1",
            dossier_columns()
        ))
        .bind(code.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.as_ref().map(dossier_from_row).transpose()
    }

    async fn dossier_with_facts(
        &self,
        code: &DossierCode,
    ) -> StoreResult<Option<(StoredDossier, Option<KpiFacts>)>> {
        let row = sqlx::query(&format!(
            "SELECT {}, \
             (SELECT {} FROM kpi_facts WHERE dossier_id = dossiers.id) AS kpi \
             FROM dossiers WHERE code = $1",
            dossier_columns(),
            crate::kpi::facts_sql!("kpi_facts")
        ))
        .bind(code.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        let facts: Option<String> = get(&row, "kpi")?;
        Ok(Some((
            dossier_from_row(&row)?,
            facts.as_deref().map(parse_facts).transpose()?,
        )))
    }

    async fn dossier_by_id(&self, id: i64) -> StoreResult<Option<StoredDossier>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM dossiers WHERE id = $1",
            dossier_columns()
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.as_ref().map(dossier_from_row).transpose()
    }

    async fn find_dossiers(&self, query: &DossierQuery) -> StoreResult<Vec<StoredDossier>> {
        let Some(mut s) = query_filter(query) else {
            return Ok(Vec::new());
        };
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        if let Some(before) = query.before_id {
            let p = s.arg(Arg::Int(before));
            s.text.push_str(&format!(" AND id < {p}"));
        }
        let limit = s.arg(Arg::Int(i64::from(query.limit)));
        let (filter, args) = s.bind();
        let sql = format!(
            "SELECT {} FROM dossiers WHERE {filter} ORDER BY id DESC LIMIT {limit}",
            dossier_columns()
        );
        let rows = bind_args(sqlx::query(&sql), args)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(dossier_from_row).collect()
    }

    async fn count_dossiers(&self, query: &DossierQuery) -> StoreResult<u64> {
        let Some(s) = query_filter(query) else {
            return Ok(0);
        };
        let (filter, args) = s.bind();
        let sql = format!("SELECT COUNT(*) AS n FROM dossiers WHERE {filter}");
        let row = bind_args(sqlx::query(&sql), args)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        let n: i64 = get(&row, "n")?;
        u64::try_from(n).map_err(|e| corrupt("count", e))
    }

    async fn dossier_events(&self, dossier_id: i64) -> StoreResult<Vec<StoredEvent>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM dossier_events WHERE dossier_id = $1 ORDER BY seq",
            event_columns()
        ))
        .bind(dossier_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn dossier_event(&self, dossier_id: i64, seq: u32) -> StoreResult<Option<StoredEvent>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM dossier_events WHERE dossier_id = $1 AND seq = $2",
            event_columns()
        ))
        .bind(dossier_id)
        .bind(i32_of("event seq", seq)?)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.as_ref().map(event_from_row).transpose()
    }

    async fn idempotent_result(
        &self,
        user_id: &str,
        key: &str,
    ) -> StoreResult<Option<IdempotentResult>> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        idempotent_lookup(&mut conn, user_id, key).await
    }

    async fn dossiers_to_flag(
        &self,
        flag: DeadlineFlag,
        before: DateTime,
        limit: u32,
    ) -> StoreResult<Vec<StoredDossier>> {
        let column = flag_column(flag);
        let rows = sqlx::query(&format!(
            "SELECT {} FROM dossiers WHERE status IN (2, 4) AND due_at IS NOT NULL \
             AND due_at < $1::timestamp AND NOT {column} ORDER BY due_at, id LIMIT $2",
            dossier_columns()
        ))
        .bind(civil_text(before))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(dossier_from_row).collect()
    }

    async fn pending_outbox(&self, limit: u32) -> StoreResult<Vec<(i64, OutboxMessage)>> {
        let rows = sqlx::query(
            "SELECT id, topic, payload::text AS payload FROM outbox WHERE delivered_at IS NULL \
             ORDER BY id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|row| {
                let payload: String = get(row, "payload")?;
                Ok((
                    get(row, "id")?,
                    OutboxMessage {
                        topic: get(row, "topic")?,
                        payload: from_json("stored outbox payload", &payload)?,
                    },
                ))
            })
            .collect()
    }

    async fn mark_outbox_delivered(&self, ids: &[i64]) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "UPDATE outbox SET delivered_at = now() \
             WHERE delivered_at IS NULL AND id = ANY($1::int8[])",
        )
        .bind(ids)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl AuditStore for PostgresStore {
    async fn verify_audit_chain(&self) -> StoreResult<AuditVerification> {
        // One snapshot of the chain and its head, whatever commits meanwhile.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(db_err)?;
        let mut verifier = ChainVerifier::new();
        let mut after = 0_i64;
        let sql = format!(
            "SELECT {} FROM dossier_events WHERE chain_pos > $1 ORDER BY chain_pos LIMIT 1000",
            event_columns()
        );
        loop {
            let rows = sqlx::query(&sql)
                .bind(after)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?;
            let Some(last) = rows.last() else { break };
            after = get(last, "chain_pos")?;
            for row in &rows {
                verifier.push(&chain_record_from_row(row)?);
            }
        }
        let head = sqlx::query("SELECT chain_pos, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .map(|row| -> StoreResult<ChainHead> {
                Ok(ChainHead {
                    pos: get(&row, "chain_pos")?,
                    hash: get(&row, "hash")?,
                })
            })
            .transpose()?;
        tx.rollback().await.map_err(db_err)?;
        Ok(verifier.finish(head))
    }
}

// ---------------------------------------------------------------------------------------------
// Users and tokens

pub(crate) fn user_columns() -> String {
    format!(
        "u.id, u.name, u.agency, u.roles::text AS roles, {} AS created_us, u.disabled",
        micros_of("u.created_at")
    )
}

pub(crate) fn user_from_row(row: &PgRow) -> StoreResult<User> {
    let agency: Option<String> = get(row, "agency")?;
    let roles: String = get(row, "roles")?;
    Ok(User {
        id: get(row, "id")?,
        name: get(row, "name")?,
        agency: agency
            .as_deref()
            .map(|a| AgencyEId::parse(a).map_err(|e| corrupt("stored agency", e)))
            .transpose()?,
        roles: from_json("stored roles", &roles)?,
        created_at: from_micros(get(row, "created_us")?)?,
        disabled: get(row, "disabled")?,
    })
}

#[async_trait]
impl IdentityStore for PostgresStore {
    async fn upsert_user(&self, user: &User) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO users (id, name, agency, roles, created_at, disabled) \
             VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz, $6) \
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, agency = EXCLUDED.agency, \
             roles = EXCLUDED.roles, disabled = EXCLUDED.disabled",
        )
        .bind(&user.id)
        .bind(&user.name)
        .bind(user.agency.as_ref().map(ToString::to_string))
        .bind(to_json(&user.roles)?)
        .bind(timestamp_text(user.created_at)?)
        .bind(user.disabled)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn user(&self, id: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM users u WHERE u.id = $1",
            user_columns()
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM users u ORDER BY u.id COLLATE \"C\"",
            user_columns()
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn add_api_token(
        &self,
        token_hash: &str,
        user_id: &str,
        label: &str,
        at: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, user_id, label, created_at) \
             VALUES ($1, $2, $3, $4::timestamptz)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(label)
        .bind(timestamp_text(at)?)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn user_by_token(&self, token_hash: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND NOT t.revoked AND NOT u.disabled",
            user_columns()
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn revoke_api_tokens(&self, user_id: &str) -> StoreResult<u64> {
        let done =
            sqlx::query("UPDATE api_tokens SET revoked = true WHERE user_id = $1 AND NOT revoked")
                .bind(user_id)
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
        Ok(done.rows_affected())
    }
}

// ---------------------------------------------------------------------------------------------
// Workflows

#[async_trait]
impl WorkflowStore for PostgresStore {
    async fn add_workflow(&self, def: &WorkflowDefinition, at: Timestamp) -> StoreResult<()> {
        let version = i32_of("workflow version", def.version)?;
        // One statement: inserted only when it is latest + 1. Two nodes adding the same next
        // version at once: the primary key refuses the second (Conflict).
        let done = sqlx::query(
            "INSERT INTO workflows (procedure_code, version, definition, recorded_at) \
             SELECT $1, $2, $3::jsonb, $4::timestamptz \
             WHERE $2 = (SELECT COALESCE(MAX(version), 0) + 1 FROM workflows \
                         WHERE procedure_code = $1)",
        )
        .bind(def.procedure_code.as_str())
        .bind(version)
        .bind(to_json(def)?)
        .bind(timestamp_text(at)?)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "workflow {} version {} is not the next version",
                def.procedure_code, def.version
            )));
        }
        Ok(())
    }

    async fn workflow(&self, procedure: &ProcedureCode) -> StoreResult<Option<WorkflowDefinition>> {
        let def: Option<String> = sqlx::query_scalar(
            "SELECT definition::text FROM workflows WHERE procedure_code = $1 \
             ORDER BY version DESC LIMIT 1",
        )
        .bind(procedure.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        def.as_deref()
            .map(|d| from_json("stored workflow", d))
            .transpose()
    }

    async fn workflow_version(
        &self,
        procedure: &ProcedureCode,
        version: u32,
    ) -> StoreResult<Option<WorkflowDefinition>> {
        let def: Option<String> = sqlx::query_scalar(
            "SELECT definition::text FROM workflows WHERE procedure_code = $1 AND version = $2",
        )
        .bind(procedure.as_str())
        .bind(i32_of("workflow version", version)?)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        def.as_deref()
            .map(|d| from_json("stored workflow", d))
            .transpose()
    }
}

// ---------------------------------------------------------------------------------------------
// Leases

#[async_trait]
impl LeaseStore for PostgresStore {
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> StoreResult<bool> {
        // Atomic: the row lock of the conflicting row decides between nodes.
        let done = sqlx::query(
            "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3::timestamptz) \
             ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, \
             expires_at = EXCLUDED.expires_at \
             WHERE leases.expires_at <= $4::timestamptz OR leases.holder = EXCLUDED.holder",
        )
        .bind(name)
        .bind(holder)
        .bind(timestamp_text(until)?)
        .bind(timestamp_text(now)?)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_text_has_microseconds() {
        let a: DateTime = "2026-01-05T08:00:00.5".parse().expect("dt");
        assert_eq!(civil_text(a), "2026-01-05T08:00:00.500000");
    }

    #[test]
    fn parameters_are_numbered_in_order() {
        let q = DossierQuery {
            agencies: vec![AgencyEId::parse("000.00.04.H40").expect("eid")],
            applicant_id: Some("u1".into()),
            text: Some("100%".into()),
            ..DossierQuery::default()
        };
        let (sql, args) = query_filter(&q).expect("scoped").bind();
        assert_eq!(args.len(), 5);
        assert!(sql.contains("ANY($1::text[])") && sql.contains("applicant_id = $2"));
        assert!(sql.contains("code LIKE $3") && sql.contains("applicant_folded LIKE $5"));
        assert!(query_filter(&DossierQuery::default()).is_none());
    }
}
