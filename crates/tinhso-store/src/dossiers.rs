//! Storage of dossiers (hồ sơ), their events (the audit trail, hash-chained), daily code
//! sequences, idempotency keys, the outbox, users and API tokens, workflow definitions and the
//! scheduler's lease.
//!
//! ## Write model
//! Every state change is a [`DossierWrite`]: the new state, the event that explains it, the
//! attachments it brought, the outbox message, and the idempotency key of the request. The store
//! commits all of it in ONE transaction — a 2xx answer means all of it is on disk — and commits
//! concurrent writes together (group commit: one transaction, one fsync, many writes, each inside
//! its own savepoint so one failure does not undo the others). It never answers before the commit.
//!
//! ## Codes
//! A new dossier's code `<agency e-ID>-<yyMMdd>-<seq>` is allocated by the store inside the same
//! transaction that inserts it (domain.md §5.2): unique and gapless per agency and day, never
//! reused, correct with several nodes on one PostgreSQL. The store overwrites
//! `NewDossier::dossier.code` with the allocated code.
//!
//! ## Audit chain
//! Each event row carries `prev_hash` and `hash = SHA-256(prev_hash ‖ canonical event content)`
//! over ONE global chain in commit order, so editing or deleting any event (but the chain's head,
//! which `audit_head` also records) breaks verification. See [`AuditStore::verify_audit_chain`]
//! and [`crate::chain`] for exactly what is hashed.
//!
//! ## Failures inside a group
//! Each write fails alone with a [`WriteError`] (its savepoint is rolled back: no row, no
//! sequence number, no chain position is used); the call as a whole fails with a
//! [`crate::StoreError`] only when the transaction could not be committed, and then nothing of
//! it was written.

use async_trait::async_trait;
use jiff::civil::{Date, DateTime};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::catalog::ProcedureCode;
use tinhso_domain::dossier::{
    Dossier, DossierCode, DossierEvent, NationalStatus, Role, WorkflowDefinition,
};

use tinhso_domain::kpi::KpiFacts;

use crate::StoreResult;

/// Personal data of the applicant (chủ hồ sơ). Stored with the dossier, never logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Applicant {
    pub name: String,
    /// 1 citizen, 2 business (LoaiDoiTuong).
    #[serde(default = "citizen")]
    pub kind: u8,
    /// Personal ID number (12 digits) or tax code.
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address: String,
}

fn citizen() -> u8 {
    1
}

/// An attachment recorded with an event: a stored object (by content hash) for a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRecord {
    /// The dossier component (thành phần hồ sơ) name, or "result" for a result file.
    pub component: String,
    pub sha256: String,
    pub size: u64,
    /// `tinhso_objects::FileType` code, e.g. "pdf".
    pub file_type: String,
    /// Sanitized original name (metadata only).
    pub name: String,
}

/// The idempotency key of the request that makes a write (`Idempotency-Key` header), scoped to
/// the user. A replay with the same key returns the first answer; the same key with a different
/// request is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyKey {
    pub user_id: String,
    pub key: String,
    /// SHA-256 of the request (method, path, body), hex.
    pub request_hash: String,
}

/// What a previous request with the same key produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotentResult {
    pub request_hash: String,
    pub dossier_id: i64,
    pub dossier_code: String,
    /// The event sequence number (per dossier, 1-based) the request wrote.
    pub event_seq: u32,
}

/// A message for other systems (national-portal sync, notifications), written in the same
/// transaction as the state it describes; delivered later by a relay.
///
/// When `payload` is a JSON object the store sets its `dossier_id` and `dossier_code` keys to
/// the dossier's (a new dossier's caller cannot know them before the write).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// e.g. "dossier.status_changed"
    pub topic: String,
    pub payload: serde_json::Value,
}

/// The first write of a dossier.
#[derive(Debug, Clone)]
pub struct NewDossier {
    /// Agency and local date the code is allocated for (the receiving unit, the day received).
    pub code_agency: AgencyEId,
    pub code_date: Date,
    /// State after submission; its `code` is overwritten with the allocated one.
    pub dossier: Dossier,
    pub event: DossierEvent,
    pub applicant: Applicant,
    /// The procedure's e-form answers.
    pub form: serde_json::Value,
    pub attachments: Vec<AttachmentRecord>,
    /// SHA-256 (hex) of the secret printed on the receipt for the public status look-up.
    pub lookup_secret_hash: String,
    pub outbox: Vec<OutboxMessage>,
    pub idempotency: Option<IdempotencyKey>,
    pub comment: String,
    /// The KPI facts of `dossier` (domain [`tinhso_domain::kpi::facts`]): stored with it, and
    /// their counters added in the same transaction ([`crate::kpi`]). They must describe the
    /// state written (status, agencies, procedure, channel, dates), else the write fails.
    pub kpi: KpiFacts,
}

/// A later write: one event on an existing dossier, with optimistic concurrency.
#[derive(Debug, Clone)]
pub struct DossierUpdate {
    pub dossier_id: i64,
    /// The event count the caller decided on; a different stored count is a
    /// [`WriteError::Conflict`] (re-read, re-decide, retry).
    pub expected_events: u32,
    pub new_state: Dossier,
    pub event: DossierEvent,
    pub attachments: Vec<AttachmentRecord>,
    pub outbox: Vec<OutboxMessage>,
    pub idempotency: Option<IdempotencyKey>,
    pub comment: String,
    /// The KPI facts of `new_state`; the counters move by the domain's delta from the facts
    /// stored before ([`crate::kpi`]), in the same transaction.
    pub kpi: KpiFacts,
}

/// Any dossier write. Flags (due soon / late) are events without a status change, recorded by
/// the scheduler.
#[derive(Debug, Clone)]
pub enum DossierWrite {
    Create(Box<NewDossier>),
    Update(Box<DossierUpdate>),
    /// Marks a dossier as about to be late (so Mẫu 04 can be issued in time) or late, once.
    Flag {
        dossier_id: i64,
        flag: DeadlineFlag,
        at: Timestamp,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineFlag {
    DueSoon,
    Late,
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOutcome {
    pub dossier_id: i64,
    pub code: DossierCode,
    /// The event's sequence number within the dossier (1 for the submission).
    pub event_seq: u32,
    /// True when this was a replay of an idempotency key: nothing was written.
    pub replayed: bool,
}

/// Why one write failed (the others of its group are unaffected).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("dossier changed concurrently; re-read and retry")]
    Conflict,
    #[error("no such dossier")]
    NotFound,
    #[error("idempotency key reused with a different request")]
    IdempotencyMismatch,
    #[error("flag already set")]
    AlreadyFlagged,
    #[error(transparent)]
    Store(#[from] StoreErrorString),
}

/// A store failure carried inside [`WriteError`] (kept `Clone` for fan-out to a group).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StoreErrorString(pub String);

/// A stored dossier with its row data.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDossier {
    pub id: i64,
    pub dossier: Dossier,
    pub applicant: Applicant,
    pub form: serde_json::Value,
    /// Number of events so far (for [`DossierUpdate::expected_events`]).
    pub events: u32,
    pub due_soon_flagged: bool,
    pub late_flagged: bool,
    pub lookup_secret_hash: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One event as stored: the audit record.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub dossier_id: i64,
    pub seq: u32,
    /// Global position in the audit chain.
    pub chain_pos: i64,
    /// None for flags (no domain event).
    pub event: Option<DossierEvent>,
    pub flag: Option<DeadlineFlag>,
    /// The dossier's state right after this event (so a replayed request returns the first answer).
    pub state_after: Dossier,
    pub attachments: Vec<AttachmentRecord>,
    pub comment: String,
    pub recorded_at: Timestamp,
    pub prev_hash: String,
    pub hash: String,
}

/// Which dossiers an officer's query covers. Every query is scoped to agencies: there is no
/// unscoped listing.
#[derive(Debug, Clone, Default)]
pub struct DossierQuery {
    /// Dossiers whose receiving, competent or transferred-to agency is one of these.
    pub agencies: Vec<AgencyEId>,
    /// Only dossiers of this applicant (citizen's own list).
    pub applicant_id: Option<String>,
    pub statuses: Vec<NationalStatus>,
    /// Only dossiers whose current step is one of these.
    pub steps: Vec<String>,
    pub procedure: Option<ProcedureCode>,
    /// Due at or before this local moment (due soon / overdue queues), open dossiers only
    /// (statuses 2 and 4: a paused dossier's due date moves, an ended one has no deadline).
    pub due_before: Option<DateTime>,
    /// Paused (statuses 5, 6 and 8 for dashboards).
    pub paused: bool,
    /// Free text (trimmed; empty means no filter): the code starting with it (letters compared
    /// in upper case), the procedure code starting with it, or the applicant's folded name
    /// containing its folded form. Matched literally (`%` and `_` are not wildcards).
    pub text: Option<String>,
    /// Received within [from, to] (local dates), for the register (Mẫu 07).
    pub received_from: Option<Date>,
    pub received_to: Option<Date>,
    /// At most this many dossiers (0 returns none). Ignored by `count_dossiers`.
    pub limit: u32,
    /// Keyset pagination: dossiers with id < this. Ignored by `count_dossiers`.
    pub before_id: Option<i64>,
}

/// A user of the API: an officer (agency + roles), a citizen, or an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: String,
    /// Officers: their agency. Citizens: none.
    pub agency: Option<AgencyEId>,
    pub roles: Vec<Role>,
    pub created_at: Timestamp,
    pub disabled: bool,
}

#[async_trait]
pub trait DossierStore: Send + Sync {
    /// Commits writes: all in one transaction with one savepoint each (group commit). Returns one
    /// result per write, in order, only after the commit is durable.
    async fn write_dossiers(
        &self,
        writes: Vec<DossierWrite>,
        at: Timestamp,
    ) -> StoreResult<Vec<Result<WriteOutcome, WriteError>>>;
    async fn dossier_by_code(&self, code: &DossierCode) -> StoreResult<Option<StoredDossier>>;
    async fn dossier_by_id(&self, id: i64) -> StoreResult<Option<StoredDossier>>;
    /// The dossier with this code and its stored KPI facts ([`crate::kpi`]), in one read: what
    /// an action decides on.
    async fn dossier_with_facts(
        &self,
        code: &DossierCode,
    ) -> StoreResult<Option<(StoredDossier, Option<KpiFacts>)>>;
    /// Newest first (by id), scoped as the query says. A query with neither `agencies` nor
    /// `applicant_id` is unscoped and finds nothing.
    async fn find_dossiers(&self, query: &DossierQuery) -> StoreResult<Vec<StoredDossier>>;
    /// How many dossiers `find_dossiers` would find without `limit` and `before_id`.
    async fn count_dossiers(&self, query: &DossierQuery) -> StoreResult<u64>;
    /// The dossier's events, oldest first.
    async fn dossier_events(&self, dossier_id: i64) -> StoreResult<Vec<StoredEvent>>;
    /// One event (for idempotent replays).
    async fn dossier_event(&self, dossier_id: i64, seq: u32) -> StoreResult<Option<StoredEvent>>;
    /// Looks up an idempotency key.
    async fn idempotent_result(
        &self,
        user_id: &str,
        key: &str,
    ) -> StoreResult<Option<IdempotentResult>>;
    /// Open dossiers (statuses 2, 4) due strictly before `before` and not yet flagged with
    /// `flag`, earliest due first.
    async fn dossiers_to_flag(
        &self,
        flag: DeadlineFlag,
        before: DateTime,
        limit: u32,
    ) -> StoreResult<Vec<StoredDossier>>;
    /// Outbox messages not yet delivered, oldest first.
    async fn pending_outbox(&self, limit: u32) -> StoreResult<Vec<(i64, OutboxMessage)>>;
    /// Marks messages delivered (the delivery time is the database's clock: bookkeeping only).
    /// Unknown or already delivered ids are ignored.
    async fn mark_outbox_delivered(&self, ids: &[i64]) -> StoreResult<()>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Walks the whole chain in order and recomputes each hash; returns the first broken
    /// position (edited, deleted or inserted record) or None when intact.
    async fn verify_audit_chain(&self) -> StoreResult<AuditVerification>;
}

/// The result of an audit-chain check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    pub records: u64,
    /// (chain position, what is wrong) of the first break, if any.
    pub first_break: Option<(i64, String)>,
}

#[async_trait]
pub trait IdentityStore: Send + Sync {
    async fn upsert_user(&self, user: &User) -> StoreResult<()>;
    async fn user(&self, id: &str) -> StoreResult<Option<User>>;
    async fn users(&self) -> StoreResult<Vec<User>>;
    /// Stores an API token by its SHA-256 (the token itself is never stored). A hash already
    /// stored, or an unknown user, is a [`crate::StoreError::Conflict`].
    async fn add_api_token(
        &self,
        token_hash: &str,
        user_id: &str,
        label: &str,
        at: Timestamp,
    ) -> StoreResult<()>;
    /// The user a token belongs to, unless revoked or the user disabled.
    async fn user_by_token(&self, token_hash: &str) -> StoreResult<Option<User>>;
    /// Revokes every live token of the user; returns how many were live.
    async fn revoke_api_tokens(&self, user_id: &str) -> StoreResult<u64>;
}

#[async_trait]
pub trait WorkflowStore: Send + Sync {
    /// Records a new version (the definition's own `version` must be latest + 1; else Conflict).
    async fn add_workflow(&self, def: &WorkflowDefinition, at: Timestamp) -> StoreResult<()>;
    /// The latest version for a procedure.
    async fn workflow(&self, procedure: &ProcedureCode) -> StoreResult<Option<WorkflowDefinition>>;
    async fn workflow_version(
        &self,
        procedure: &ProcedureCode,
        version: u32,
    ) -> StoreResult<Option<WorkflowDefinition>>;
}

#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Takes or renews the named lease for `holder` until `until` if it is free, expired
    /// (`until <= now`) or already ours. Exactly one holder wins across nodes.
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> StoreResult<bool>;
}
