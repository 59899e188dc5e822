//! Dossiers, the audit chain, identity, workflows and leases on SQLite.
//!
//! Dossier writes go through the group-commit writer ([`GroupWriter`]): each group is one
//! `BEGIN IMMEDIATE` transaction on the store's single writer connection (the same one catalog
//! imports use, so they simply take turns), one fsync at commit (`synchronous=FULL`). Holding
//! SQLite's write lock for the whole group is what makes code sequences and chain positions
//! safe without further locking: there is no other writer.
//!
//! A group is decided in memory ([`tinhso_store::group_commit::plan`]) and written with a few
//! multi-row statements (one per table, up to 256 rows each) instead of about ten statements
//! per write, each a trip through sqlx's SQLite worker thread. If one of them fails, the group
//! is rolled back and run again with one savepoint per write, so only the bad write fails.

use async_trait::async_trait;
use jiff::civil::DateTime;
use jiff::Timestamp;
use serde_json::Value;
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::SqliteConnection;
use std::collections::HashMap;
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
    self, kpi_mismatch, CurrentDossier, GroupPlan, GroupReads, STATE_IN_LATEST_EVENT,
};
use tinhso_store::group_commit::{GroupCommitter, WriteRequest, WriteResult};
use tinhso_store::kpi::{facts_mismatch, parse_facts};
use tinhso_store::{
    AuditStore, DossierStore, IdentityStore, LeaseStore, StoreError, StoreResult, WorkflowStore,
};

use crate::{
    corrupt, date_text, db_err, from_json, from_micros, get, micros, to_json, SqliteStore,
};

/// SQL for the stored state of the dossier row `$t` (a table name or alias): its `state`, or,
/// when that holds [`STATE_IN_LATEST_EVENT`] (a bulk-loaded dossier), its latest event's
/// `state_after` — the latest event always carries the current state, flags included.
macro_rules! state_sql {
    ($t:literal) => {
        concat!(
            "CASE WHEN ",
            $t,
            ".state = 'null' THEN (SELECT e.state_after FROM dossier_events e \
             WHERE e.dossier_id = ",
            $t,
            ".id AND e.seq = ",
            $t,
            ".events) ELSE ",
            $t,
            ".state END"
        )
    };
}
pub(crate) use state_sql;

// ---------------------------------------------------------------------------------------------
// Conversions shared with nothing else

/// Fixed-width local date-time text, so text order is time order.
pub(crate) fn civil_text(dt: DateTime) -> String {
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

/// A store error carried by one write of a group.
fn write_err(e: StoreError) -> WriteError {
    WriteError::Store(StoreErrorString(e.to_string()))
}

fn sql_err(e: sqlx::Error) -> WriteError {
    write_err(db_err(e))
}

// ---------------------------------------------------------------------------------------------
// The group committer

/// Runs groups of dossier writes on the writer pool (one connection).
pub(crate) struct SqliteCommitter {
    pub(crate) writer: SqlitePool,
}

#[async_trait]
impl GroupCommitter for SqliteCommitter {
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

impl SqliteCommitter {
    /// The group as a few multi-row statements ([`tinhso_store::group_commit::plan`]).
    /// `Ok(None)`: a statement failed or the plan cannot be trusted; the transaction was rolled
    /// back (with any sequence numbers it took) and the group must run one write at a time.
    async fn commit_batched(
        &mut self,
        group: &[WriteRequest],
    ) -> StoreResult<Option<Vec<Vec<WriteResult>>>> {
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_err)?;
        match write_batched(&mut tx, group, false, true).await {
            Ok(Some(results)) => {
                // Never retried: a failed COMMIT fails the whole group.
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
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_err)?;
        let row = sqlx::query("SELECT chain_pos, hash FROM audit_head WHERE id = 1")
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
            sqlx::query("UPDATE audit_head SET chain_pos = ?, hash = ? WHERE id = 1")
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

/// Rows per multi-row statement: SQLite allows 32 766 bound values per statement, the widest
/// row here has 22.
const ROWS_PER_STATEMENT: usize = 256;

/// `(?, ?, …)` repeated `rows` times, comma separated.
fn value_rows(rows: usize, columns: usize) -> String {
    let one = format!("({})", vec!["?"; columns].join(", "));
    vec![one; rows].join(", ")
}

/// Every statement of a batched group, inside the open transaction. `Ok(None)` when the plan
/// says to go one by one. With `state_in_event_only` (bulk loads) the new dossiers keep their
/// state once, in their event ([`STATE_IN_LATEST_EVENT`]).
pub(crate) async fn write_batched(
    conn: &mut SqliteConnection,
    group: &[WriteRequest],
    state_in_event_only: bool,
    counted: bool,
) -> StoreResult<Option<Vec<Vec<WriteResult>>>> {
    let row = sqlx::query("SELECT chain_pos, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
    let head = ChainHead {
        pos: get(&row, "chain_pos")?,
        hash: get(&row, "hash")?,
    };
    let start = head.pos;
    let mut reads = GroupReads::default();
    for chunk in plan::keys_to_read(group).chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT k.user_id, k.key, k.request_hash, k.dossier_id, k.event_seq, d.code \
             FROM idempotency_keys k JOIN dossiers d ON d.id = k.dossier_id \
             WHERE (k.user_id, k.key) IN (VALUES {})",
            value_rows(chunk.len(), 2)
        );
        let mut query = sqlx::query(&sql);
        for (user, key) in chunk {
            query = query.bind(*user).bind(*key);
        }
        for row in query.fetch_all(&mut *conn).await.map_err(db_err)? {
            reads.keys.insert(
                (get(&row, "user_id")?, get(&row, "key")?),
                IdempotentResult {
                    request_hash: get(&row, "request_hash")?,
                    dossier_id: get(&row, "dossier_id")?,
                    dossier_code: get(&row, "code")?,
                    event_seq: u32_of("stored event seq", get(&row, "event_seq")?)?,
                },
            );
        }
    }
    for chunk in plan::dossiers_to_read(group).chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT d.id, d.code, d.events, d.due_soon_flagged, d.late_flagged, {} AS state, \
             {} AS kpi FROM dossiers d LEFT JOIN kpi_facts f ON f.dossier_id = d.id \
             WHERE d.id IN ({})",
            state_sql!("d"),
            crate::kpi::facts_sql!("f"),
            vec!["?"; chunk.len()].join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await.map_err(db_err)? {
            let code: String = get(&row, "code")?;
            reads.dossiers.insert(
                get(&row, "id")?,
                CurrentDossier {
                    code: DossierCode::parse(&code)
                        .map_err(|e| corrupt("stored dossier code", e))?,
                    events: u32_of("stored event count", get(&row, "events")?)?,
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
        let sql = format!(
            "INSERT INTO dossier_sequences (agency, day, last) VALUES {} \
             ON CONFLICT (agency, day) DO UPDATE SET last = last + excluded.last \
             RETURNING agency, day, last",
            value_rows(demand.len(), 3)
        );
        let mut query = sqlx::query(&sql);
        for d in demand {
            query = query
                .bind(d.agency.as_str())
                .bind(date_text(d.day))
                .bind(i64::from(d.count));
        }
        let rows = query.fetch_all(&mut *conn).await.map_err(db_err)?;
        let mut by_key = HashMap::with_capacity(rows.len());
        for row in rows {
            let agency: String = get(&row, "agency")?;
            let day: String = get(&row, "day")?;
            let last: i64 = get(&row, "last")?;
            by_key.insert((agency, day), last);
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
    for chunk in new_rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO dossiers (code, code_agency, code_date, code_seq, receiving_agency, \
             competent_agency, transferred_to, procedure_code, status, current_step, \
             applicant_id, applicant_folded, received_at, accepted_at, due_at, paused, events, \
             lookup_secret_hash, state, applicant, form, created_at, updated_at) VALUES {} \
             RETURNING id, code",
            vec![
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)";
                chunk.len()
            ]
            .join(", ")
        );
        let mut query = sqlx::query(&sql);
        for r in chunk {
            let c = &r.columns;
            query = query
                .bind(r.code.as_str())
                .bind(r.code_agency.as_str())
                .bind(date_text(r.code_date))
                .bind(i64::from(r.code_seq))
                .bind(c.receiving.as_str())
                .bind(c.competent.as_str())
                .bind(c.transferred.as_deref())
                .bind(c.procedure.as_str())
                .bind(i64::from(c.status))
                .bind(c.step.as_deref())
                .bind(c.applicant_id.as_deref())
                .bind(r.applicant_folded.as_str())
                .bind(c.received_at.as_str())
                .bind(c.accepted_at.as_deref())
                .bind(c.due_at.as_deref())
                .bind(c.paused)
                .bind(r.lookup_secret_hash.as_str())
                .bind(if state_in_event_only {
                    STATE_IN_LATEST_EVENT
                } else {
                    &*r.state
                })
                .bind(r.applicant.as_str())
                .bind(r.form.as_str())
                .bind(micros(r.at))
                .bind(micros(r.at));
        }
        for row in query.fetch_all(&mut *conn).await.map_err(db_err)? {
            ids.insert(get::<String>(&row, "code")?, get::<i64>(&row, "id")?);
        }
    }
    let rows = plan.finish(&ids, head)?;

    for chunk in rows.changes.chunks(ROWS_PER_STATEMENT) {
        // One row per changed dossier; flag-only changes keep the state columns.
        let sql = format!(
            "WITH v (id, expected, n_events, has_state, n_receiving, n_competent, \
             n_transferred, n_procedure, n_status, n_step, n_applicant, n_received, n_accepted, \
             n_due, n_paused, n_state, n_due_soon, n_late, n_updated) AS (VALUES {}) \
             UPDATE dossiers SET \
             receiving_agency = CASE WHEN v.has_state THEN v.n_receiving ELSE dossiers.receiving_agency END, \
             competent_agency = CASE WHEN v.has_state THEN v.n_competent ELSE dossiers.competent_agency END, \
             transferred_to = CASE WHEN v.has_state THEN v.n_transferred ELSE dossiers.transferred_to END, \
             procedure_code = CASE WHEN v.has_state THEN v.n_procedure ELSE dossiers.procedure_code END, \
             status = CASE WHEN v.has_state THEN v.n_status ELSE dossiers.status END, \
             current_step = CASE WHEN v.has_state THEN v.n_step ELSE dossiers.current_step END, \
             applicant_id = CASE WHEN v.has_state THEN v.n_applicant ELSE dossiers.applicant_id END, \
             received_at = CASE WHEN v.has_state THEN v.n_received ELSE dossiers.received_at END, \
             accepted_at = CASE WHEN v.has_state THEN v.n_accepted ELSE dossiers.accepted_at END, \
             due_at = CASE WHEN v.has_state THEN v.n_due ELSE dossiers.due_at END, \
             paused = CASE WHEN v.has_state THEN v.n_paused ELSE dossiers.paused END, \
             state = CASE WHEN v.has_state THEN v.n_state ELSE dossiers.state END, \
             events = v.n_events, due_soon_flagged = v.n_due_soon, late_flagged = v.n_late, \
             updated_at = v.n_updated \
             FROM v WHERE dossiers.id = v.id AND dossiers.events = v.expected",
            value_rows(chunk.len(), 19)
        );
        let mut query = sqlx::query(&sql);
        for ch in chunk {
            let (c, state) = match &ch.state {
                Some((c, state)) => (Some(c), Some(&**state)),
                None => (None, None),
            };
            query = query
                .bind(ch.id)
                .bind(i64::from(ch.expected_events))
                .bind(i64::from(ch.events))
                .bind(c.is_some())
                .bind(c.map(|c| c.receiving.as_str()))
                .bind(c.map(|c| c.competent.as_str()))
                .bind(c.and_then(|c| c.transferred.as_deref()))
                .bind(c.map(|c| c.procedure.as_str()))
                .bind(c.map(|c| i64::from(c.status)))
                .bind(c.and_then(|c| c.step.as_deref()))
                .bind(c.and_then(|c| c.applicant_id.as_deref()))
                .bind(c.map(|c| c.received_at.as_str()))
                .bind(c.and_then(|c| c.accepted_at.as_deref()))
                .bind(c.and_then(|c| c.due_at.as_deref()))
                .bind(c.map(|c| c.paused))
                .bind(state)
                .bind(ch.due_soon_flagged)
                .bind(ch.late_flagged)
                .bind(micros(ch.updated_at));
        }
        let done = query.execute(&mut *conn).await.map_err(db_err)?;
        if done.rows_affected() != chunk.len() as u64 {
            return Err(StoreError::Conflict(
                "a dossier changed under its group's plan".into(),
            ));
        }
    }
    for chunk in rows.events.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO dossier_events (dossier_id, seq, chain_pos, event, flag, state_after, \
             attachments, comment, recorded_at, prev_hash, hash) VALUES {}",
            value_rows(chunk.len(), 11)
        );
        let mut query = sqlx::query(&sql);
        for e in chunk {
            query = query
                .bind(e.dossier_id)
                .bind(i64::from(e.seq))
                .bind(e.chain_pos)
                .bind(e.event.as_deref())
                .bind(e.flag)
                .bind(&*e.state_after)
                .bind(e.attachments.as_str())
                .bind(e.comment.as_str())
                .bind(micros(e.recorded_at))
                .bind(e.prev_hash.as_str())
                .bind(e.hash.as_str());
        }
        query.execute(&mut *conn).await.map_err(db_err)?;
    }
    for chunk in rows.keys.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, dossier_id, event_seq, \
             created_at) VALUES {}",
            value_rows(chunk.len(), 6)
        );
        let mut query = sqlx::query(&sql);
        for k in chunk {
            query = query
                .bind(k.user_id.as_str())
                .bind(k.key.as_str())
                .bind(k.request_hash.as_str())
                .bind(k.dossier_id)
                .bind(i64::from(k.event_seq))
                .bind(micros(k.created_at));
        }
        query.execute(&mut *conn).await.map_err(db_err)?;
    }
    for chunk in rows.outbox.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO outbox (topic, payload, dossier_id, created_at) VALUES {}",
            value_rows(chunk.len(), 4)
        );
        let mut query = sqlx::query(&sql);
        for o in chunk {
            query = query
                .bind(o.topic.as_str())
                .bind(o.payload.as_str())
                .bind(o.dossier_id)
                .bind(micros(o.created_at));
        }
        query.execute(&mut *conn).await.map_err(db_err)?;
    }
    // Issue 5: the KPI facts and counters move in the same transaction as the states.
    crate::kpi::write_rows(conn, &rows.kpi_facts, &rows.kpi_counters).await?;
    if rows.head.pos != start {
        sqlx::query("UPDATE audit_head SET chain_pos = ?, hash = ? WHERE id = 1")
            .bind(rows.head.pos)
            .bind(&rows.head.hash)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(Some(rows.results))
}

async fn savepoint(conn: &mut SqliteConnection, sql: &'static str) -> StoreResult<()> {
    sqlx::query(sql).execute(conn).await.map_err(db_err)?;
    Ok(())
}

async fn apply(
    conn: &mut SqliteConnection,
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

/// The earlier outcome of the same key, or a mismatch; None when the key is new.
async fn replay(
    conn: &mut SqliteConnection,
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
    conn: &mut SqliteConnection,
    user_id: &str,
    key: &str,
) -> StoreResult<Option<IdempotentResult>> {
    let row = sqlx::query(
        "SELECT k.request_hash, k.dossier_id, k.event_seq, d.code FROM idempotency_keys k \
         JOIN dossiers d ON d.id = k.dossier_id WHERE k.user_id = ? AND k.key = ?",
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
            event_seq: u32_of("stored event seq", get(&row, "event_seq")?)?,
        })
    })
    .transpose()
}

/// The dossier's filterable columns, derived from its state.
struct Columns {
    receiving: String,
    competent: String,
    transferred: Option<String>,
    procedure: String,
    status: i64,
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
            status: i64::from(d.status.code()),
            step: d.current_step.as_ref().map(|s| s.as_str().to_string()),
            applicant_id: d.applicant_id.clone(),
            received_at: civil_text(d.received_at),
            accepted_at: d.accepted_at.map(civil_text),
            due_at: d.due.map(civil_text),
            paused: d.status.is_paused_for_dashboard(),
        }
    }
}

/// One event row to append, with its chain link.
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
    conn: &mut SqliteConnection,
    e: NewEvent<'_>,
    head: &mut ChainHead,
) -> Result<(), WriteError> {
    let recorded_at_us = micros(e.at);
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
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(e.dossier_id)
    .bind(i64::from(e.seq))
    .bind(pos)
    .bind(e.event.map(canonical))
    .bind(e.flag.map(flag_name))
    .bind(canonical(e.state_after))
    .bind(canonical(e.attachments))
    .bind(e.comment)
    .bind(recorded_at_us)
    .bind(prev_hash)
    .bind(hash)
    .execute(conn)
    .await
    .map_err(sql_err)?;
    Ok(())
}

async fn record_key_and_outbox(
    conn: &mut SqliteConnection,
    key: Option<&IdempotencyKey>,
    outbox: Vec<OutboxMessage>,
    dossier_id: i64,
    code: &DossierCode,
    seq: u32,
    at: Timestamp,
) -> Result<(), WriteError> {
    if let Some(key) = key {
        sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, dossier_id, event_seq, \
             created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&key.user_id)
        .bind(&key.key)
        .bind(&key.request_hash)
        .bind(dossier_id)
        .bind(i64::from(seq))
        .bind(micros(at))
        .execute(&mut *conn)
        .await
        .map_err(sql_err)?;
    }
    for message in outbox {
        let mut payload = message.payload;
        if let Value::Object(map) = &mut payload {
            map.insert("dossier_id".into(), Value::from(dossier_id));
            map.insert("dossier_code".into(), Value::String(code.to_string()));
        }
        sqlx::query(
            "INSERT INTO outbox (topic, payload, dossier_id, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&message.topic)
        .bind(payload.to_string())
        .bind(dossier_id)
        .bind(micros(at))
        .execute(&mut *conn)
        .await
        .map_err(sql_err)?;
    }
    Ok(())
}

async fn create(
    conn: &mut SqliteConnection,
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
    // domain.md §5.2: the sequence is taken in the transaction that records the dossier; a
    // rolled-back savepoint gives it back, so it stays gapless and is never reused.
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO dossier_sequences (agency, day, last) VALUES (?, ?, 1) \
         ON CONFLICT (agency, day) DO UPDATE SET last = last + 1 RETURNING last",
    )
    .bind(new.code_agency.as_str())
    .bind(date_text(new.code_date))
    .fetch_one(&mut *conn)
    .await
    .map_err(sql_err)?;
    let seq = u32_of("dossier sequence", seq).map_err(write_err)?;
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
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?) \
         RETURNING id",
    )
    .bind(code.to_string())
    .bind(new.code_agency.as_str())
    .bind(date_text(new.code_date))
    .bind(i64::from(seq))
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
    .bind(micros(at))
    .bind(micros(at))
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
    record_key_and_outbox(conn, new.idempotency.as_ref(), new.outbox, id, &code, 1, at).await?;
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

/// (code, events, due_soon_flagged, late_flagged, state) of a dossier.
async fn current(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<(DossierCode, u32, bool, bool, String)>, WriteError> {
    let row = sqlx::query(concat!(
        "SELECT code, events, due_soon_flagged, late_flagged, ",
        state_sql!("dossiers"),
        " AS state FROM dossiers WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
    .map_err(sql_err)?;
    let Some(row) = row else { return Ok(None) };
    let code: String = get(&row, "code").map_err(write_err)?;
    let code =
        DossierCode::parse(&code).map_err(|e| write_err(corrupt("stored dossier code", e)))?;
    let events = u32_of(
        "stored event count",
        get(&row, "events").map_err(write_err)?,
    )
    .map_err(write_err)?;
    Ok(Some((
        code,
        events,
        get(&row, "due_soon_flagged").map_err(write_err)?,
        get(&row, "late_flagged").map_err(write_err)?,
        get(&row, "state").map_err(write_err)?,
    )))
}

async fn update_dossier(
    conn: &mut SqliteConnection,
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
    // The code never changes after intake, whatever the caller's copy says.
    let mut dossier = u.new_state;
    dossier.code = code.clone();
    let state = to_value(&dossier).map_err(write_err)?;
    let cols = Columns::of(&dossier);
    let done = sqlx::query(
        "UPDATE dossiers SET receiving_agency = ?, competent_agency = ?, transferred_to = ?, \
         procedure_code = ?, status = ?, current_step = ?, applicant_id = ?, received_at = ?, \
         accepted_at = ?, due_at = ?, paused = ?, events = events + 1, state = ?, \
         updated_at = ? WHERE id = ? AND events = ?",
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
    .bind(micros(at))
    .bind(u.dossier_id)
    .bind(i64::from(u.expected_events))
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
        at,
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
    conn: &mut SqliteConnection,
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
        "UPDATE dossiers SET {column} = 1, events = events + 1, updated_at = ? \
         WHERE id = ? AND events = ? AND {column} = 0"
    ))
    .bind(micros(at))
    .bind(dossier_id)
    .bind(i64::from(events))
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

const DOSSIER_COLUMNS: &str = concat!(
    "id, ",
    state_sql!("dossiers"),
    " AS state, applicant, form, events, due_soon_flagged, late_flagged, lookup_secret_hash, \
     created_at, updated_at"
);

fn dossier_from_row(row: &SqliteRow) -> StoreResult<StoredDossier> {
    let state: String = get(row, "state")?;
    let applicant: String = get(row, "applicant")?;
    let form: String = get(row, "form")?;
    Ok(StoredDossier {
        id: get(row, "id")?,
        dossier: from_json("stored dossier state", &state)?,
        applicant: from_json::<Applicant>("stored applicant", &applicant)?,
        form: from_json("stored form", &form)?,
        events: u32_of("stored event count", get(row, "events")?)?,
        due_soon_flagged: get(row, "due_soon_flagged")?,
        late_flagged: get(row, "late_flagged")?,
        lookup_secret_hash: get(row, "lookup_secret_hash")?,
        created_at: from_micros(get(row, "created_at")?)?,
        updated_at: from_micros(get(row, "updated_at")?)?,
    })
}

const EVENT_COLUMNS: &str = "dossier_id, seq, chain_pos, event, flag, state_after, attachments, \
     comment, recorded_at, prev_hash, hash";

fn chain_record_from_row(row: &SqliteRow) -> StoreResult<StoredChainRecord> {
    Ok(StoredChainRecord {
        dossier_id: get(row, "dossier_id")?,
        seq: get(row, "seq")?,
        chain_pos: get(row, "chain_pos")?,
        event: get(row, "event")?,
        flag: get(row, "flag")?,
        state_after: get(row, "state_after")?,
        attachments: get(row, "attachments")?,
        comment: get(row, "comment")?,
        recorded_at_us: get(row, "recorded_at")?,
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}

fn event_from_row(row: &SqliteRow) -> StoreResult<StoredEvent> {
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
}

/// The WHERE clause of a dossier query, or None for an unscoped one (which finds nothing).
fn query_filter(q: &DossierQuery) -> Option<(String, Vec<Arg>)> {
    if q.agencies.is_empty() && q.applicant_id.is_none() {
        return None;
    }
    let mut sql = String::from("1 = 1");
    let mut args = Vec::new();
    let marks = |n: usize| vec!["?"; n].join(", ");
    if !q.agencies.is_empty() {
        let m = marks(q.agencies.len());
        sql.push_str(&format!(
            " AND (receiving_agency IN ({m}) OR competent_agency IN ({m}) \
             OR transferred_to IN ({m}))"
        ));
        for _ in 0..3 {
            args.extend(q.agencies.iter().map(|a| Arg::Text(a.to_string())));
        }
    }
    if let Some(applicant) = &q.applicant_id {
        sql.push_str(" AND applicant_id = ?");
        args.push(Arg::Text(applicant.clone()));
    }
    if !q.statuses.is_empty() {
        sql.push_str(&format!(" AND status IN ({})", marks(q.statuses.len())));
        args.extend(q.statuses.iter().map(|s| Arg::Int(i64::from(s.code()))));
    }
    if !q.steps.is_empty() {
        sql.push_str(&format!(" AND current_step IN ({})", marks(q.steps.len())));
        args.extend(q.steps.iter().map(|s| Arg::Text(s.clone())));
    }
    if let Some(p) = &q.procedure {
        sql.push_str(" AND procedure_code = ?");
        args.push(Arg::Text(p.to_string()));
    }
    if let Some(due) = q.due_before {
        sql.push_str(" AND status IN (2, 4) AND due_at IS NOT NULL AND due_at <= ?");
        args.push(Arg::Text(civil_text(due)));
    }
    if q.paused {
        sql.push_str(" AND paused = 1");
    }
    if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        sql.push_str(
            " AND (code LIKE ? ESCAPE '\\' OR procedure_code LIKE ? ESCAPE '\\' \
             OR applicant_folded LIKE ? ESCAPE '\\')",
        );
        args.push(Arg::Text(format!(
            "{}%",
            like_escape(&text.to_ascii_uppercase())
        )));
        args.push(Arg::Text(format!("{}%", like_escape(text))));
        args.push(Arg::Text(format!("%{}%", like_escape(&fold(text)))));
    }
    if let Some(from) = q.received_from {
        sql.push_str(" AND received_at >= ?");
        args.push(Arg::Text(date_text(from)));
    }
    if let Some(to) = q.received_to {
        // Text order: every time of day `to` sorts before the next day's date.
        if let Ok(next) = to.tomorrow() {
            sql.push_str(" AND received_at < ?");
            args.push(Arg::Text(date_text(next)));
        }
    }
    Some((sql, args))
}

fn bind_all<'q, O>(
    mut query: sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    args: Vec<Arg>,
) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
    for a in args {
        query = match a {
            Arg::Text(s) => query.bind(s),
            Arg::Int(i) => query.bind(i),
        };
    }
    query
}

fn bind_rows<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for a in args {
        query = match a {
            Arg::Text(s) => query.bind(s),
            Arg::Int(i) => query.bind(i),
        };
    }
    query
}

#[async_trait]
impl DossierStore for SqliteStore {
    async fn write_dossiers(
        &self,
        writes: Vec<DossierWrite>,
        at: Timestamp,
    ) -> StoreResult<Vec<Result<WriteOutcome, WriteError>>> {
        self.dossier_writer.write(writes, at).await
    }

    async fn dossier_by_code(&self, code: &DossierCode) -> StoreResult<Option<StoredDossier>> {
        let row = sqlx::query(&format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE code = ?"
        ))
        .bind(code.to_string())
        .fetch_optional(&self.reader)
        .await
        .map_err(db_err)?;
        row.as_ref().map(dossier_from_row).transpose()
    }

    async fn dossier_with_facts(
        &self,
        code: &DossierCode,
    ) -> StoreResult<Option<(StoredDossier, Option<KpiFacts>)>> {
        let row = sqlx::query(&format!(
            "SELECT {DOSSIER_COLUMNS}, \
             (SELECT {} FROM kpi_facts WHERE dossier_id = dossiers.id) AS kpi \
             FROM dossiers WHERE code = ?",
            crate::kpi::facts_sql!("kpi_facts")
        ))
        .bind(code.to_string())
        .fetch_optional(&self.reader)
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
            "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.reader)
        .await
        .map_err(db_err)?;
        row.as_ref().map(dossier_from_row).transpose()
    }

    async fn find_dossiers(&self, query: &DossierQuery) -> StoreResult<Vec<StoredDossier>> {
        let Some((filter, mut args)) = query_filter(query) else {
            return Ok(Vec::new());
        };
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        let mut sql = format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE {filter}");
        if let Some(before) = query.before_id {
            sql.push_str(" AND id < ?");
            args.push(Arg::Int(before));
        }
        sql.push_str(" ORDER BY id DESC LIMIT ?");
        args.push(Arg::Int(i64::from(query.limit)));
        let rows = bind_rows(sqlx::query(&sql), args)
            .fetch_all(&self.reader)
            .await
            .map_err(db_err)?;
        rows.iter().map(dossier_from_row).collect()
    }

    async fn count_dossiers(&self, query: &DossierQuery) -> StoreResult<u64> {
        let Some((filter, args)) = query_filter(query) else {
            return Ok(0);
        };
        let sql = format!("SELECT COUNT(*) FROM dossiers WHERE {filter}");
        let (n,): (i64,) = bind_all(sqlx::query_as(&sql), args)
            .fetch_one(&self.reader)
            .await
            .map_err(db_err)?;
        u64::try_from(n).map_err(|e| corrupt("count", e))
    }

    async fn dossier_events(&self, dossier_id: i64) -> StoreResult<Vec<StoredEvent>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM dossier_events WHERE dossier_id = ? ORDER BY seq"
        ))
        .bind(dossier_id)
        .fetch_all(&self.reader)
        .await
        .map_err(db_err)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn dossier_event(&self, dossier_id: i64, seq: u32) -> StoreResult<Option<StoredEvent>> {
        let row = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM dossier_events WHERE dossier_id = ? AND seq = ?"
        ))
        .bind(dossier_id)
        .bind(i64::from(seq))
        .fetch_optional(&self.reader)
        .await
        .map_err(db_err)?;
        row.as_ref().map(event_from_row).transpose()
    }

    async fn idempotent_result(
        &self,
        user_id: &str,
        key: &str,
    ) -> StoreResult<Option<IdempotentResult>> {
        let mut conn = self.reader.acquire().await.map_err(db_err)?;
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
            "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE status IN (2, 4) \
             AND due_at IS NOT NULL AND due_at < ? AND {column} = 0 \
             ORDER BY due_at, id LIMIT ?"
        ))
        .bind(civil_text(before))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(db_err)?;
        rows.iter().map(dossier_from_row).collect()
    }

    async fn pending_outbox(&self, limit: u32) -> StoreResult<Vec<(i64, OutboxMessage)>> {
        let rows = sqlx::query(
            "SELECT id, topic, payload FROM outbox WHERE delivered_at IS NULL \
             ORDER BY id LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
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
        let now = micros(Timestamp::now());
        let mut tx = self.begin_write().await?;
        for chunk in ids.chunks(500) {
            let sql = format!(
                "UPDATE outbox SET delivered_at = ? WHERE delivered_at IS NULL AND id IN ({})",
                vec!["?"; chunk.len()].join(", ")
            );
            let mut query = sqlx::query(&sql).bind(now);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut *tx).await.map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn verify_audit_chain(&self) -> StoreResult<AuditVerification> {
        // One read transaction: one consistent snapshot of the chain and its head.
        let mut tx = self.reader.begin().await.map_err(db_err)?;
        let mut verifier = ChainVerifier::new();
        let mut after = 0_i64;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {EVENT_COLUMNS} FROM dossier_events WHERE chain_pos > ? \
                 ORDER BY chain_pos LIMIT 1000"
            ))
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

pub(crate) const USER_COLUMNS: &str = "u.id, u.name, u.agency, u.roles, u.created_at, u.disabled";

pub(crate) fn user_from_row(row: &SqliteRow) -> StoreResult<User> {
    let agency: Option<String> = get(row, "agency")?;
    let roles: String = get(row, "roles")?;
    Ok(User {
        id: get(row, "id")?,
        name: get(row, "name")?,
        agency: agency
            .as_deref()
            .map(|a| {
                tinhso_domain::agency::AgencyEId::parse(a).map_err(|e| corrupt("stored agency", e))
            })
            .transpose()?,
        roles: from_json("stored roles", &roles)?,
        created_at: from_micros(get(row, "created_at")?)?,
        disabled: get(row, "disabled")?,
    })
}

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn upsert_user(&self, user: &User) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO users (id, name, agency, roles, created_at, disabled) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
             agency = excluded.agency, roles = excluded.roles, disabled = excluded.disabled",
        )
        .bind(&user.id)
        .bind(&user.name)
        .bind(user.agency.as_ref().map(ToString::to_string))
        .bind(to_json(&user.roles)?)
        .bind(micros(user.created_at))
        .bind(user.disabled)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn user(&self, id: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.reader)
        .await
        .map_err(db_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id"))
            .fetch_all(&self.reader)
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
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(label)
        .bind(micros(at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn user_by_token(&self, token_hash: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = ? AND t.revoked = 0 AND u.disabled = 0"
        ))
        .bind(token_hash)
        .fetch_optional(&self.reader)
        .await
        .map_err(db_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn revoke_api_tokens(&self, user_id: &str) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("UPDATE api_tokens SET revoked = 1 WHERE user_id = ? AND revoked = 0")
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(done.rows_affected())
    }
}

// ---------------------------------------------------------------------------------------------
// Workflows

#[async_trait]
impl WorkflowStore for SqliteStore {
    async fn add_workflow(&self, def: &WorkflowDefinition, at: Timestamp) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let latest: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM workflows WHERE procedure_code = ?")
                .bind(def.procedure_code.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
        let latest = latest.unwrap_or(0);
        if i64::from(def.version) != latest + 1 {
            return Err(StoreError::Conflict(format!(
                "workflow {} version {}: the next version is {}",
                def.procedure_code,
                def.version,
                latest + 1
            )));
        }
        sqlx::query(
            "INSERT INTO workflows (procedure_code, version, definition, recorded_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(def.procedure_code.as_str())
        .bind(i64::from(def.version))
        .bind(to_json(def)?)
        .bind(micros(at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn workflow(&self, procedure: &ProcedureCode) -> StoreResult<Option<WorkflowDefinition>> {
        let def: Option<String> = sqlx::query_scalar(
            "SELECT definition FROM workflows WHERE procedure_code = ? \
             ORDER BY version DESC LIMIT 1",
        )
        .bind(procedure.as_str())
        .fetch_optional(&self.reader)
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
            "SELECT definition FROM workflows WHERE procedure_code = ? AND version = ?",
        )
        .bind(procedure.as_str())
        .bind(i64::from(version))
        .fetch_optional(&self.reader)
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
impl LeaseStore for SqliteStore {
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
             expires_at = excluded.expires_at \
             WHERE leases.expires_at <= ? OR leases.holder = excluded.holder",
        )
        .bind(name)
        .bind(holder)
        .bind(micros(until))
        .bind(micros(now))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::Date;

    #[test]
    fn civil_text_is_fixed_width_and_ordered() {
        let a: DateTime = "2026-01-05T08:00:00".parse().expect("dt");
        let b: DateTime = "2026-01-05T08:00:00.5".parse().expect("dt");
        let c: DateTime = "2026-01-05T10:00:00".parse().expect("dt");
        assert_eq!(civil_text(a), "2026-01-05T08:00:00.000000");
        assert_eq!(civil_text(b), "2026-01-05T08:00:00.500000");
        assert!(civil_text(a) < civil_text(b) && civil_text(b) < civil_text(c));
        let day: Date = "2026-01-05".parse().expect("date");
        assert!(date_text(day) < civil_text(a));
    }

    #[test]
    fn like_escape_is_literal() {
        assert_eq!(like_escape("100%_\\"), "100\\%\\_\\\\");
    }
}
