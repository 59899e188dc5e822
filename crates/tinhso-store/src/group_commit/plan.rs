//! Batched execution of a group: decide every write in memory, then write each table with a
//! few multi-row statements.
//!
//! A backend runs a group this way:
//!
//! 1. Lock and read the chain head, then read, in one statement each, the idempotency keys
//!    ([`keys_to_read`]) and the current rows of the dossiers that updates and flags touch
//!    ([`dossiers_to_read`]).
//! 2. [`GroupPlan::new`] decides each write in order, as the one-by-one path would: replays,
//!    idempotency mismatches, missing dossiers, stale `expected_events`, flags already set,
//!    codes that cannot be made and JSON that cannot be encoded fail *before* anything is
//!    written, so those writes need no savepoint and take no sequence number. Later writes see
//!    earlier ones of the same group (a second update decided on the same read is a conflict,
//!    a second use of a key is a replay).
//! 3. For each (agency, day) the group creates dossiers for, the backend adds the count to
//!    the daily sequence in one upsert (`last = last + n RETURNING last`) and hands the results
//!    to [`GroupPlan::assign_codes`], which numbers the creates in write order
//!    (`last - n + 1 ..= last`). Every create that reaches this point has passed all of its own
//!    checks, so every number handed out is used: the sequence stays gapless (domain.md §5.2).
//! 4. The backend inserts the new dossiers (returning their ids by code), then writes the rows
//!    [`GroupPlan::finish`] builds: changed dossiers, events with their chain links, idempotency
//!    keys and outbox messages, each table in one statement, and the new head.
//!
//! If any statement of steps 3–4 fails (a constraint the plan could not foresee, a database
//! error), the backend rolls the whole transaction back — the sequence upserts with it, so no
//! number is lost — and runs the group again one write at a time, each in its own savepoint,
//! so the bad write fails alone. A failed COMMIT is never retried this way: its outcome may be
//! unknown, and the callers get the error.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jiff::civil::{Date, DateTime};
use jiff::Timestamp;
use serde_json::Value;
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::dossier::{Dossier, DossierCode};
use tinhso_domain::kpi::KpiFacts;
use tinhso_domain::text::fold;

use super::{WriteRequest, WriteResult};
use crate::chain::{canonical, CanonicalContent, ChainHead};
use crate::dossiers::{
    DeadlineFlag, DossierWrite, IdempotencyKey, IdempotentResult, StoreErrorString, WriteError,
    WriteOutcome,
};
use crate::kpi::{facts_mismatch, parse_facts, CounterChanges, CounterRow, FactsRow};
use crate::{StoreError, StoreResult};

/// Fixed-width local date-time text (`YYYY-MM-DDTHH:MM:SS.ffffff`): text order is time order,
/// and PostgreSQL reads it as `timestamp`.
pub fn civil_text(dt: DateTime) -> String {
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

/// The stored name of a deadline flag.
pub fn flag_name(flag: DeadlineFlag) -> &'static str {
    match flag {
        DeadlineFlag::DueSoon => "due_soon",
        DeadlineFlag::Late => "late",
    }
}

/// The distinct idempotency keys (user, key) of a group, to read before planning.
pub fn keys_to_read(group: &[WriteRequest]) -> Vec<(&str, &str)> {
    let mut seen = HashSet::new();
    group
        .iter()
        .flat_map(|r| &r.writes)
        .filter_map(|w| match w {
            DossierWrite::Create(n) => n.idempotency.as_ref(),
            DossierWrite::Update(u) => u.idempotency.as_ref(),
            DossierWrite::Flag { .. } => None,
        })
        .map(|k| (k.user_id.as_str(), k.key.as_str()))
        .filter(|k| seen.insert(*k))
        .collect()
}

/// The distinct ids of the dossiers a group's updates and flags touch, ascending (so
/// PostgreSQL row locks are always taken in the same order).
pub fn dossiers_to_read(group: &[WriteRequest]) -> Vec<i64> {
    let mut ids: Vec<i64> = group
        .iter()
        .flat_map(|r| &r.writes)
        .filter_map(|w| match w {
            DossierWrite::Create(_) => None,
            DossierWrite::Update(u) => Some(u.dossier_id),
            DossierWrite::Flag { dossier_id, .. } => Some(*dossier_id),
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// A dossier's stored row as the plan needs it.
#[derive(Debug, Clone)]
pub struct CurrentDossier {
    pub code: DossierCode,
    pub events: u32,
    pub due_soon_flagged: bool,
    pub late_flagged: bool,
    /// The state as stored (JSON text; re-canonicalized only if a flag event needs it).
    pub state: String,
    /// The KPI facts as stored (JSON text), if any ([`crate::kpi`]).
    pub kpi: Option<String>,
}

/// What the backend read before planning.
#[derive(Debug, Default)]
pub struct GroupReads {
    /// Stored idempotency results by (user id, key).
    pub keys: HashMap<(String, String), IdempotentResult>,
    /// Stored dossiers by id (missing ids are not found).
    pub dossiers: HashMap<i64, CurrentDossier>,
}

/// The filterable columns of a dossier row, derived from its state.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierColumns {
    pub receiving: String,
    pub competent: String,
    pub transferred: Option<String>,
    pub procedure: String,
    /// National status code (1–10).
    pub status: u8,
    pub step: Option<String>,
    pub applicant_id: Option<String>,
    /// [`civil_text`] of the local date-times.
    pub received_at: String,
    pub accepted_at: Option<String>,
    pub due_at: Option<String>,
    /// Statuses 5, 6, 8 (dashboards' "paused").
    pub paused: bool,
}

impl DossierColumns {
    pub fn of(d: &Dossier) -> Self {
        Self {
            receiving: d.receiving_agency.to_string(),
            competent: d.competent_agency.to_string(),
            transferred: d.transferred_to.as_ref().map(ToString::to_string),
            procedure: d.procedure_code.to_string(),
            status: d.status.code(),
            step: d.current_step.as_ref().map(|s| s.as_str().to_string()),
            applicant_id: d.applicant_id.clone(),
            received_at: civil_text(d.received_at),
            accepted_at: d.accepted_at.map(civil_text),
            due_at: d.due.map(civil_text),
            paused: d.status.is_paused_for_dashboard(),
        }
    }
}

/// How many new codes a group needs for one agency and day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceDemand {
    pub agency: AgencyEId,
    pub day: Date,
    pub count: u32,
}

/// What `dossiers.state` holds for a dossier whose state is stored once, in its latest event's
/// `state_after` (a bulk load writes its dossiers so: the state, the largest part of a dossier,
/// would otherwise be stored twice). Readers take that event's `state_after` instead (each
/// engine's `state_sql!`); the next update of the dossier stores its state in the row again.
pub const STATE_IN_LATEST_EVENT: &str = "null";

/// A dossier to insert.
#[derive(Debug, Clone)]
pub struct NewDossierRow {
    pub code: String,
    pub code_agency: String,
    pub code_date: Date,
    pub code_seq: u32,
    pub columns: DossierColumns,
    pub applicant_folded: String,
    pub lookup_secret_hash: String,
    /// Canonical JSON of the state (with its allocated code).
    pub state: Arc<str>,
    pub applicant: String,
    pub form: String,
    /// `created_at` and `updated_at`.
    pub at: Timestamp,
}

/// The new values of an existing dossier after the group (one row per dossier however many
/// writes touched it). Apply only `WHERE id = id AND events = expected_events`, and expect one
/// row per change: anything else means the row moved under the plan (fall back).
#[derive(Debug, Clone)]
pub struct DossierChange {
    pub id: i64,
    /// The event count read before planning.
    pub expected_events: u32,
    pub events: u32,
    /// New columns and state when an update changed them; None when only flags were set.
    pub state: Option<(DossierColumns, Arc<str>)>,
    pub due_soon_flagged: bool,
    pub late_flagged: bool,
    pub updated_at: Timestamp,
}

/// An event row with its chain link.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub dossier_id: i64,
    pub seq: u32,
    pub chain_pos: i64,
    /// Canonical JSON, None for a flag.
    pub event: Option<String>,
    pub flag: Option<&'static str>,
    pub state_after: Arc<str>,
    pub attachments: String,
    pub comment: String,
    pub recorded_at: Timestamp,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone)]
pub struct KeyRow {
    pub user_id: String,
    pub key: String,
    pub request_hash: String,
    pub dossier_id: i64,
    pub event_seq: u32,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub topic: String,
    /// JSON text.
    pub payload: String,
    pub dossier_id: i64,
    pub created_at: Timestamp,
}

/// Everything left to write after the new dossiers are in, and the answers.
#[derive(Debug)]
pub struct GroupRows {
    pub changes: Vec<DossierChange>,
    /// In chain order.
    pub events: Vec<EventRow>,
    pub keys: Vec<KeyRow>,
    /// In write order (outbox ids follow it).
    pub outbox: Vec<OutboxRow>,
    /// The chain head after the group.
    pub head: ChainHead,
    /// KPI facts to upsert (one per dossier the group changed), by dossier id.
    pub kpi_facts: Vec<FactsRow>,
    /// Counter changes to add, sorted by key.
    pub kpi_counters: Vec<CounterRow>,
    /// One result list per request, once the commit is durable.
    pub results: Vec<Vec<WriteResult>>,
}

/// Which dossier an event belongs to.
#[derive(Debug, Clone, Copy)]
enum Target {
    Existing(i64),
    /// Index into `GroupPlan::creates`.
    Created(usize),
}

/// A write that passed its checks: its event, key and outbox messages.
#[derive(Debug)]
struct Accepted {
    target: Target,
    code: Option<DossierCode>,
    seq: u32,
    event: Option<String>,
    flag: Option<DeadlineFlag>,
    /// None for a create until its code is assigned.
    state_after: Option<Arc<str>>,
    attachments: String,
    comment: String,
    at: Timestamp,
    key: Option<IdempotencyKey>,
    outbox: Vec<(String, Value)>,
}

#[derive(Debug)]
enum Decision {
    Failed(WriteError),
    Replayed(WriteOutcome),
    /// The same key as an earlier accepted write of the group (flat index).
    ReplayOf(usize),
    Accepted(Box<Accepted>),
}

/// A create that passed its checks, waiting for its code.
#[derive(Debug)]
struct PlannedCreate {
    demand: usize,
    /// The state as JSON, its code to be set.
    state: Value,
    columns: DossierColumns,
    applicant_folded: String,
    lookup_secret_hash: String,
    applicant: String,
    form: String,
    at: Timestamp,
    /// Filled by `assign_codes`.
    code: Option<DossierCode>,
    /// Index into `decisions` of its write.
    write: usize,
    /// Its KPI facts (code set by `assign_codes`).
    kpi: KpiFacts,
}

/// An existing dossier as the writes of the group leave it.
#[derive(Debug)]
struct Simulated {
    code: DossierCode,
    read_events: u32,
    events: u32,
    due_soon_flagged: bool,
    late_flagged: bool,
    state_text: Arc<str>,
    /// Parsed lazily, for flag events (which hash the state as canonical JSON).
    state_canonical: Option<Arc<str>>,
    columns: Option<DossierColumns>,
    updated_at: Option<Timestamp>,
    /// The KPI facts: as stored (text), or as the group's writes left them.
    kpi: SimulatedFacts,
}

#[derive(Debug)]
enum SimulatedFacts {
    Stored(Option<String>),
    Changed(Box<KpiFacts>),
}

/// The decisions of a group, before its statements run.
#[derive(Debug)]
pub struct GroupPlan {
    /// Writes per request, to shape the answers.
    sizes: Vec<usize>,
    decisions: Vec<Decision>,
    creates: Vec<PlannedCreate>,
    demands: Vec<SequenceDemand>,
    /// Index into `demands` by (agency, day): a bulk group has thousands of them.
    demand_index: HashMap<(AgencyEId, Date), usize>,
    dossiers: HashMap<i64, Simulated>,
    missing_with_creates: bool,
    /// The KPI counter changes of the accepted writes (domain.md §6, [`crate::kpi`]).
    counters: CounterChanges,
    /// Whether `counters` is kept: not for a bulk load whose caller owes the counters
    /// ([`crate::kpi::BulkCounters::Owed`]).
    counted: bool,
}

/// Facts that do not describe the state written (a caller's bug): the write fails alone.
pub fn kpi_mismatch(what: &str) -> WriteError {
    store_failure(format!(
        "the KPI facts do not describe the state written ({what})"
    ))
}

fn store_failure(e: impl std::fmt::Display) -> WriteError {
    WriteError::Store(StoreErrorString(
        StoreError::Other(e.to_string()).to_string(),
    ))
}

fn encode<T: serde::Serialize>(v: &T) -> Result<Value, WriteError> {
    serde_json::to_value(v).map_err(|e| store_failure(format!("cannot encode JSON: {e}")))
}

impl GroupPlan {
    /// Decides every write of `group` in order against what was read.
    pub fn new(group: &[WriteRequest], reads: GroupReads) -> Self {
        Self::planned(group, reads, true)
    }

    /// [`GroupPlan::new`], or for a bulk load with `counted` false: the KPI counters are left
    /// to the caller ([`crate::kpi::BulkCounters::Owed`]) and the rows carry none.
    pub fn with_counting(group: &[WriteRequest], reads: GroupReads, counted: bool) -> Self {
        Self::planned(group, reads, counted)
    }

    fn planned(group: &[WriteRequest], reads: GroupReads, counted: bool) -> Self {
        let GroupReads { keys, dossiers } = reads;
        let mut plan = Self {
            sizes: group.iter().map(|r| r.writes.len()).collect(),
            decisions: Vec::with_capacity(group.iter().map(|r| r.writes.len()).sum()),
            creates: Vec::new(),
            demands: Vec::new(),
            demand_index: HashMap::new(),
            dossiers: dossiers
                .into_iter()
                .map(|(id, d)| {
                    (
                        id,
                        Simulated {
                            code: d.code,
                            read_events: d.events,
                            events: d.events,
                            due_soon_flagged: d.due_soon_flagged,
                            late_flagged: d.late_flagged,
                            state_text: d.state.into(),
                            state_canonical: None,
                            columns: None,
                            updated_at: None,
                            kpi: SimulatedFacts::Stored(d.kpi),
                        },
                    )
                })
                .collect(),
            missing_with_creates: false,
            counters: CounterChanges::new(),
            counted,
        };
        // Keys accepted earlier in this group: request hash and the write's flat index.
        let mut group_keys: HashMap<(String, String), (String, usize)> = HashMap::new();
        let mut missing = false;
        for request in group {
            for write in &request.writes {
                let index = plan.decisions.len();
                let key = match write {
                    DossierWrite::Create(n) => n.idempotency.as_ref(),
                    DossierWrite::Update(u) => u.idempotency.as_ref(),
                    DossierWrite::Flag { .. } => None,
                };
                if let Some(decision) = key.and_then(|k| replay(k, &keys, &group_keys)) {
                    plan.decisions.push(decision);
                    continue;
                }
                let decision = match write {
                    DossierWrite::Create(new) => plan.plan_create(new, request.at, index),
                    DossierWrite::Update(u) => plan.plan_update(u, request.at),
                    DossierWrite::Flag {
                        dossier_id,
                        flag,
                        at,
                    } => plan.plan_flag(*dossier_id, *flag, *at),
                };
                if matches!(decision, Decision::Failed(WriteError::NotFound)) {
                    missing = true;
                }
                if let (Decision::Accepted(_), Some(k)) = (&decision, key) {
                    group_keys.insert(
                        (k.user_id.clone(), k.key.clone()),
                        (k.request_hash.clone(), index),
                    );
                }
                plan.decisions.push(decision);
            }
        }
        plan.missing_with_creates = missing && !plan.creates.is_empty();
        plan
    }

    /// True when the plan cannot be trusted and the group must run one write at a time: an
    /// update or flag named a dossier that does not exist yet, in a group that creates some
    /// (it could be one of them, which only the one-by-one path sees).
    pub fn needs_one_by_one(&self) -> bool {
        self.missing_with_creates
    }

    fn plan_create(
        &mut self,
        new: &crate::dossiers::NewDossier,
        at: Timestamp,
        index: usize,
    ) -> Decision {
        // The code's own checks (year 2000–2099) before a number is taken: a number handed
        // out below is always used.
        if let Err(e) = DossierCode::new(new.code_agency.clone(), new.code_date, 1) {
            return Decision::Failed(store_failure(e));
        }
        if let Some(what) = facts_mismatch(&new.dossier, &new.kpi) {
            return Decision::Failed(kpi_mismatch(what));
        }
        let prepared = (|| -> Result<_, WriteError> {
            let state = encode(&new.dossier)?;
            let event = canonical(&encode(&new.event)?);
            let attachments = canonical(&encode(&new.attachments)?);
            let applicant = serde_json::to_string(&new.applicant)
                .map_err(|e| store_failure(format!("cannot encode JSON: {e}")))?;
            Ok((state, event, attachments, applicant))
        })();
        let (state, event, attachments, applicant) = match prepared {
            Ok(p) => p,
            Err(e) => return Decision::Failed(e),
        };
        let demands = &mut self.demands;
        let demand = *self
            .demand_index
            .entry((new.code_agency.clone(), new.code_date))
            .or_insert_with(|| {
                demands.push(SequenceDemand {
                    agency: new.code_agency.clone(),
                    day: new.code_date,
                    count: 0,
                });
                demands.len() - 1
            });
        self.demands[demand].count += 1;
        self.creates.push(PlannedCreate {
            demand,
            state,
            columns: DossierColumns::of(&new.dossier),
            applicant_folded: fold(&new.applicant.name),
            lookup_secret_hash: new.lookup_secret_hash.clone(),
            applicant,
            form: new.form.to_string(),
            at,
            code: None,
            write: index,
            kpi: new.kpi.clone(),
        });
        if self.counted {
            self.counters.add_delta(None, Some(&new.kpi));
        }
        Decision::Accepted(Box::new(Accepted {
            target: Target::Created(self.creates.len() - 1),
            code: None,
            seq: 1,
            event: Some(event),
            flag: None,
            state_after: None,
            attachments,
            comment: new.comment.clone(),
            at,
            key: new.idempotency.clone(),
            outbox: new
                .outbox
                .iter()
                .map(|m| (m.topic.clone(), m.payload.clone()))
                .collect(),
        }))
    }

    fn plan_update(&mut self, u: &crate::dossiers::DossierUpdate, at: Timestamp) -> Decision {
        let Some(sim) = self.dossiers.get_mut(&u.dossier_id) else {
            return Decision::Failed(WriteError::NotFound);
        };
        if sim.events != u.expected_events {
            return Decision::Failed(WriteError::Conflict);
        }
        if let Some(what) = facts_mismatch(&u.new_state, &u.kpi) {
            return Decision::Failed(kpi_mismatch(what));
        }
        let before = match &sim.kpi {
            SimulatedFacts::Stored(None) => None,
            SimulatedFacts::Stored(Some(text)) => match parse_facts(text) {
                Ok(f) => Some(f),
                Err(e) => {
                    return Decision::Failed(WriteError::Store(StoreErrorString(e.to_string())))
                }
            },
            SimulatedFacts::Changed(f) => Some((**f).clone()),
        };
        let prepared = (|| -> Result<_, WriteError> {
            // The code never changes after intake, whatever the caller's copy says.
            let mut dossier = u.new_state.clone();
            dossier.code = sim.code.clone();
            let state: Arc<str> = canonical(&encode(&dossier)?).into();
            let event = canonical(&encode(&u.event)?);
            let attachments = canonical(&encode(&u.attachments)?);
            Ok((DossierColumns::of(&dossier), state, event, attachments))
        })();
        let (columns, state, event, attachments) = match prepared {
            Ok(p) => p,
            Err(e) => return Decision::Failed(e),
        };
        let mut after = u.kpi.clone();
        after.code = sim.code.clone();
        if self.counted {
            self.counters.add_delta(before.as_ref(), Some(&after));
        }
        sim.kpi = SimulatedFacts::Changed(Box::new(after));
        sim.events += 1;
        sim.columns = Some(columns);
        sim.state_text = state.clone();
        sim.state_canonical = Some(state.clone());
        sim.updated_at = Some(at);
        Decision::Accepted(Box::new(Accepted {
            target: Target::Existing(u.dossier_id),
            code: Some(sim.code.clone()),
            seq: sim.events,
            event: Some(event),
            flag: None,
            state_after: Some(state),
            attachments,
            comment: u.comment.clone(),
            at,
            key: u.idempotency.clone(),
            outbox: u
                .outbox
                .iter()
                .map(|m| (m.topic.clone(), m.payload.clone()))
                .collect(),
        }))
    }

    fn plan_flag(&mut self, dossier_id: i64, flag: DeadlineFlag, at: Timestamp) -> Decision {
        let Some(sim) = self.dossiers.get_mut(&dossier_id) else {
            return Decision::Failed(WriteError::NotFound);
        };
        let already = match flag {
            DeadlineFlag::DueSoon => &mut sim.due_soon_flagged,
            DeadlineFlag::Late => &mut sim.late_flagged,
        };
        if *already {
            return Decision::Failed(WriteError::AlreadyFlagged);
        }
        let state = match &sim.state_canonical {
            Some(s) => s.clone(),
            None => match serde_json::from_str::<Value>(&sim.state_text) {
                Ok(v) => {
                    let s: Arc<str> = canonical(&v).into();
                    sim.state_canonical = Some(s.clone());
                    s
                }
                Err(e) => {
                    return Decision::Failed(WriteError::Store(StoreErrorString(
                        StoreError::Corrupt(format!("stored dossier state: {e}")).to_string(),
                    )))
                }
            },
        };
        *already = true;
        sim.events += 1;
        sim.updated_at = Some(at);
        Decision::Accepted(Box::new(Accepted {
            target: Target::Existing(dossier_id),
            code: Some(sim.code.clone()),
            seq: sim.events,
            event: None,
            flag: Some(flag),
            state_after: Some(state),
            attachments: "[]".to_string(),
            comment: String::new(),
            at,
            key: None,
            outbox: Vec::new(),
        }))
    }

    /// The sequence numbers the group's creates need, per agency and day.
    pub fn sequence_demand(&self) -> &[SequenceDemand] {
        &self.demands
    }

    /// Numbers the creates given, for each entry of [`sequence_demand`](Self::sequence_demand)
    /// in order, the sequence's `last` after adding its count. Returns the dossier rows to
    /// insert. An error (a sequence past `u32`) means: roll back and go one by one.
    pub fn assign_codes(&mut self, lasts: &[i64]) -> StoreResult<Vec<NewDossierRow>> {
        if lasts.len() != self.demands.len() {
            return Err(StoreError::Other(
                "sequence allocation answered for the wrong number of days".into(),
            ));
        }
        let mut next: Vec<i64> = self
            .demands
            .iter()
            .zip(lasts)
            .map(|(d, last)| last - i64::from(d.count) + 1)
            .collect();
        let mut rows = Vec::with_capacity(self.creates.len());
        for create in &mut self.creates {
            let demand = &self.demands[create.demand];
            let seq = u32::try_from(next[create.demand])
                .map_err(|e| StoreError::Other(format!("dossier sequence: {e}")))?;
            next[create.demand] += 1;
            let code = DossierCode::new(demand.agency.clone(), demand.day, seq)
                .map_err(|e| StoreError::Other(e.to_string()))?;
            let code_text = code.to_string();
            if let Value::Object(map) = &mut create.state {
                map.insert("code".into(), Value::String(code_text.clone()));
            }
            let state: Arc<str> = canonical(&create.state).into();
            create.kpi.code = code.clone();
            if let Decision::Accepted(a) = &mut self.decisions[create.write] {
                a.code = Some(code.clone());
                a.state_after = Some(state.clone());
            }
            rows.push(NewDossierRow {
                code: code_text,
                code_agency: demand.agency.as_str().to_string(),
                code_date: demand.day,
                code_seq: seq,
                columns: create.columns.clone(),
                applicant_folded: std::mem::take(&mut create.applicant_folded),
                lookup_secret_hash: std::mem::take(&mut create.lookup_secret_hash),
                state,
                applicant: std::mem::take(&mut create.applicant),
                form: std::mem::take(&mut create.form),
                at: create.at,
            });
            create.code = Some(code);
        }
        Ok(rows)
    }

    /// Builds the remaining rows and the answers, given the ids the new dossiers got (by
    /// code) and the chain head read at the start.
    pub fn finish(self, ids: &HashMap<String, i64>, mut head: ChainHead) -> StoreResult<GroupRows> {
        let mut create_ids = Vec::with_capacity(self.creates.len());
        for c in &self.creates {
            let code = c
                .code
                .as_ref()
                .ok_or_else(|| StoreError::Other("a create was not numbered".into()))?;
            let id = ids.get(&code.to_string()).copied().ok_or_else(|| {
                StoreError::Other(format!("the insert did not return dossier {code}"))
            })?;
            create_ids.push(id);
        }
        let mut kpi_facts = Vec::with_capacity(self.creates.len());
        for (c, id) in self.creates.iter().zip(&create_ids) {
            kpi_facts.push(FactsRow::of(*id, &c.kpi)?);
        }
        for (id, sim) in &self.dossiers {
            if let SimulatedFacts::Changed(f) = &sim.kpi {
                kpi_facts.push(FactsRow::of(*id, f)?);
            }
        }
        kpi_facts.sort_unstable_by_key(|f| f.dossier_id);
        let kpi_counters = self.counters.into_rows();
        let mut events = Vec::new();
        let mut keys = Vec::new();
        let mut outbox = Vec::new();
        let mut outcomes: Vec<WriteResult> = Vec::with_capacity(self.decisions.len());
        for decision in self.decisions {
            let outcome = match decision {
                Decision::Failed(e) => Err(e),
                Decision::Replayed(o) => Ok(o),
                Decision::ReplayOf(earlier) => match outcomes.get(earlier) {
                    Some(Ok(o)) => Ok(WriteOutcome {
                        replayed: true,
                        ..o.clone()
                    }),
                    _ => {
                        return Err(StoreError::Other(
                            "a replay points at a write that was not accepted".into(),
                        ))
                    }
                },
                Decision::Accepted(a) => {
                    let a = *a;
                    let dossier_id = match a.target {
                        Target::Existing(id) => id,
                        Target::Created(i) => create_ids[i],
                    };
                    let (Some(code), Some(state_after)) = (a.code, a.state_after) else {
                        return Err(StoreError::Other("a create was not numbered".into()));
                    };
                    let recorded_at_us = a.at.as_microsecond();
                    let (chain_pos, prev_hash, hash) = head.append_canonical(&CanonicalContent {
                        dossier_id,
                        seq: a.seq,
                        chain_pos: 0,
                        event: a.event.as_deref(),
                        flag: a.flag.map(flag_name),
                        state_after: &state_after,
                        attachments: &a.attachments,
                        comment: &a.comment,
                        recorded_at_us,
                    });
                    events.push(EventRow {
                        dossier_id,
                        seq: a.seq,
                        chain_pos,
                        event: a.event,
                        flag: a.flag.map(flag_name),
                        state_after,
                        attachments: a.attachments,
                        comment: a.comment,
                        recorded_at: a.at,
                        prev_hash,
                        hash,
                    });
                    if let Some(k) = a.key {
                        keys.push(KeyRow {
                            user_id: k.user_id,
                            key: k.key,
                            request_hash: k.request_hash,
                            dossier_id,
                            event_seq: a.seq,
                            created_at: a.at,
                        });
                    }
                    let code_text = code.to_string();
                    for (topic, mut payload) in a.outbox {
                        if let Value::Object(map) = &mut payload {
                            map.insert("dossier_id".into(), Value::from(dossier_id));
                            map.insert("dossier_code".into(), Value::String(code_text.clone()));
                        }
                        outbox.push(OutboxRow {
                            topic,
                            payload: payload.to_string(),
                            dossier_id,
                            created_at: a.at,
                        });
                    }
                    Ok(WriteOutcome {
                        dossier_id,
                        code,
                        event_seq: a.seq,
                        replayed: false,
                    })
                }
            };
            outcomes.push(outcome);
        }
        let mut changes: Vec<DossierChange> = self
            .dossiers
            .into_iter()
            .filter(|(_, s)| s.events != s.read_events)
            .map(|(id, s)| DossierChange {
                id,
                expected_events: s.read_events,
                events: s.events,
                state: s.columns.map(|c| (c, s.state_text)),
                due_soon_flagged: s.due_soon_flagged,
                late_flagged: s.late_flagged,
                updated_at: s.updated_at.unwrap_or(Timestamp::UNIX_EPOCH),
            })
            .collect();
        changes.sort_unstable_by_key(|c| c.id);
        let mut results = Vec::with_capacity(self.sizes.len());
        let mut rest = outcomes.into_iter();
        for n in self.sizes {
            results.push(rest.by_ref().take(n).collect());
        }
        Ok(GroupRows {
            changes,
            events,
            keys,
            outbox,
            head,
            kpi_facts,
            kpi_counters,
            results,
        })
    }
}

/// The answer to a key already used: in the database (`stored`) or earlier in the group.
fn replay(
    key: &IdempotencyKey,
    stored: &HashMap<(String, String), IdempotentResult>,
    group: &HashMap<(String, String), (String, usize)>,
) -> Option<Decision> {
    let id = (key.user_id.clone(), key.key.clone());
    if let Some(prev) = stored.get(&id) {
        if prev.request_hash != key.request_hash {
            return Some(Decision::Failed(WriteError::IdempotencyMismatch));
        }
        return Some(match DossierCode::parse(&prev.dossier_code) {
            Ok(code) => Decision::Replayed(WriteOutcome {
                dossier_id: prev.dossier_id,
                code,
                event_seq: prev.event_seq,
                replayed: true,
            }),
            Err(e) => Decision::Failed(WriteError::Store(StoreErrorString(
                StoreError::Corrupt(format!("stored dossier code: {e}")).to_string(),
            ))),
        });
    }
    let (hash, earlier) = group.get(&id)?;
    Some(if *hash == key.request_hash {
        Decision::ReplayOf(*earlier)
    } else {
        Decision::Failed(WriteError::IdempotencyMismatch)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::{sample_acceptance, sample_new_dossier, AGENCY_A, AGENCY_B};
    use crate::dossiers::{NewDossier, StoredDossier};

    fn dt(s: &str) -> DateTime {
        s.parse().expect("civil date-time")
    }

    fn new_dossier(agency: &str, day: &str) -> NewDossier {
        let agency = AgencyEId::parse(agency).expect("eid");
        sample_new_dossier(&agency, "Nguyễn Văn An", None, dt(&format!("{day}T09:00")))
    }

    fn request(writes: Vec<DossierWrite>) -> WriteRequest {
        WriteRequest {
            writes,
            at: Timestamp::UNIX_EPOCH,
        }
    }

    fn create(n: NewDossier) -> DossierWrite {
        DossierWrite::Create(Box::new(n))
    }

    #[test]
    fn creates_are_numbered_in_write_order_and_failures_take_no_number() {
        let mut far = new_dossier(AGENCY_A, "2026-01-05");
        far.code_date = jiff::civil::date(2100, 1, 1);
        let group = vec![
            request(vec![
                create(new_dossier(AGENCY_A, "2026-01-05")),
                create(far),
            ]),
            request(vec![
                create(new_dossier(AGENCY_B, "2026-01-05")),
                create(new_dossier(AGENCY_A, "2026-01-05")),
            ]),
        ];
        let mut plan = GroupPlan::new(&group, GroupReads::default());
        let demand: Vec<(String, u32)> = plan
            .sequence_demand()
            .iter()
            .map(|d| (d.agency.to_string(), d.count))
            .collect();
        assert_eq!(
            demand,
            vec![(AGENCY_A.to_string(), 2), (AGENCY_B.to_string(), 1)]
        );
        // Agency A had 7 numbers that day already, B none.
        let rows = plan.assign_codes(&[9, 1]).expect("codes");
        let codes: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes,
            vec![
                "000.00.04.H40-260105-0008",
                "000.21.30.H40-260105-0001",
                "000.00.04.H40-260105-0009"
            ]
        );
        assert!(rows[0]
            .state
            .contains("\"code\":\"000.00.04.H40-260105-0008\""));
        let ids: HashMap<String, i64> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.code.clone(), 100 + i as i64))
            .collect();
        let out = plan.finish(&ids, ChainHead::genesis()).expect("rows");
        assert_eq!(out.results.len(), 2);
        assert!(matches!(out.results[0][1], Err(WriteError::Store(_))));
        let seqs: Vec<(i64, i64)> = out
            .events
            .iter()
            .map(|e| (e.dossier_id, e.chain_pos))
            .collect();
        assert_eq!(seqs, vec![(100, 1), (101, 2), (102, 3)]);
        assert_eq!(out.events[1].prev_hash, out.events[0].hash);
        assert_eq!(out.head.hash, out.events[2].hash);
        assert_eq!(out.outbox.len(), 3);
        assert!(out.outbox[1].payload.contains("\"dossier_id\":101"));
    }

    #[test]
    fn later_writes_see_earlier_ones_of_the_group() {
        let code = DossierCode::parse("000.00.04.H40-260105-0001").expect("code");
        let mut dossier = new_dossier(AGENCY_A, "2026-01-05").dossier;
        dossier.code = code.clone();
        let stored = StoredDossier {
            id: 7,
            dossier: dossier.clone(),
            applicant: Default::default(),
            form: Value::Null,
            events: 1,
            due_soon_flagged: false,
            late_flagged: false,
            lookup_secret_hash: String::new(),
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        };
        let accept = sample_acceptance(&stored, dt("2026-01-05T10:00"), dt("2026-01-08T17:00"));
        let key = IdempotencyKey {
            user_id: "officer-1".into(),
            key: "k".into(),
            request_hash: "h".into(),
        };
        let mut keyed = accept.clone();
        keyed.idempotency = Some(key.clone());
        let flag = |at| DossierWrite::Flag {
            dossier_id: 7,
            flag: DeadlineFlag::Late,
            at,
        };
        let group = vec![request(vec![
            DossierWrite::Update(Box::new(keyed.clone())),
            DossierWrite::Update(Box::new(keyed)),
            DossierWrite::Update(Box::new(accept)),
            flag(Timestamp::from_second(60).expect("ts")),
            flag(Timestamp::from_second(120).expect("ts")),
            DossierWrite::Flag {
                dossier_id: 8,
                flag: DeadlineFlag::Late,
                at: Timestamp::UNIX_EPOCH,
            },
        ])];
        let mut reads = GroupReads::default();
        reads.dossiers.insert(
            7,
            CurrentDossier {
                code: code.clone(),
                events: 1,
                due_soon_flagged: false,
                late_flagged: false,
                state: serde_json::to_string(&dossier).expect("json"),
                kpi: None,
            },
        );
        let mut plan = GroupPlan::new(&group, reads);
        assert!(
            !plan.needs_one_by_one(),
            "no create could be the missing one"
        );
        assert!(plan.assign_codes(&[]).expect("no codes").is_empty());
        let out = plan
            .finish(&HashMap::new(), ChainHead::genesis())
            .expect("rows");
        let r = &out.results[0];
        assert_eq!(
            r[0].as_ref().map(|o| (o.event_seq, o.replayed)),
            Ok((2, false))
        );
        assert_eq!(
            r[1].as_ref().map(|o| (o.event_seq, o.replayed)),
            Ok((2, true))
        );
        assert_eq!(r[2], Err(WriteError::Conflict), "decided on the same read");
        assert_eq!(r[3].as_ref().map(|o| o.event_seq), Ok(3));
        assert_eq!(r[4], Err(WriteError::AlreadyFlagged));
        assert_eq!(r[5], Err(WriteError::NotFound));
        // The flag's event carries the state the update left.
        assert_eq!(out.events.len(), 2);
        assert_eq!(out.events[1].state_after, out.events[0].state_after);
        let after: Dossier = serde_json::from_str(&out.events[1].state_after).expect("state");
        assert_eq!(
            after.status,
            tinhso_domain::dossier::NationalStatus::Accepted
        );
        assert_eq!(after.code, code);
        assert_eq!(out.keys.len(), 1);
        let change = &out.changes[0];
        assert_eq!(
            (change.id, change.expected_events, change.events),
            (7, 1, 3)
        );
        assert!(change.late_flagged && !change.due_soon_flagged);
        assert_eq!(change.updated_at, Timestamp::from_second(60).expect("ts"));
        assert_eq!(change.state.as_ref().map(|(c, _)| c.status), Some(2));
    }
}
