//! Dossier use cases: intake, actions, queues, detail and timeline, the public status look-up
//! and attachments (domain.md §2, §3, §5, §7).
//!
//! The rules live in `tinhso_domain::dossier` ([`submit`], [`decide`]); the store persists what
//! they decide, one transaction per write ([`DossierStore::write_dossiers`]). This module
//! resolves what the rules need (the pinned procedure version, the workflow, the calendar, the
//! agencies), chooses the [`Actor`] a user acts as, and shapes answers.
//!
//! ## Idempotency
//! Every write may carry an idempotency key (the `Idempotency-Key` header), scoped to the user.
//! The request is hashed canonically ([`request_hash`]: operation, target, and the parsed
//! request as JSON with sorted keys, so whitespace does not matter). A later request with the
//! same key and hash gets the first answer again, rebuilt from the stored event's
//! `state_after`, and writes nothing; the same key with another request is refused
//! ([`DossierError::IdempotencyKeyReused`]).
//!
//! ## The look-up secret
//! A new dossier gets a secret the applicant needs, with the code, to see its status without
//! logging in. Only its SHA-256 is stored. When the intake carries an idempotency key the
//! secret is derived from the user, the key and the request hash, so a client that lost the
//! first answer (the very case idempotency keys exist for) gets the same secret on replay;
//! without a key it is random. Guessing a derived secret needs the user's key and the whole
//! request body, personal data included.
//!
//! ## Who sees what (domain.md §7)
//! Officers see the dossiers of their agency (received there, competent, or transferred to
//! it); a dossier of another agency is `forbidden` (403): staff may know a code exists. A
//! citizen sees only their own dossiers; another's is `dossier_not_found` (404), so codes
//! cannot be probed. A province administrator sees every dossier. Every read of personal data
//! is logged as a `tracing` event (target `tinhso::personal_data`) with the actor, the purpose
//! and the dossier code, never the data itself.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::calendar::TimeLimit;
use tinhso_domain::catalog::{Channel, ProcedureCode, ProcedureVersion};
use tinhso_domain::dossier::{
    decide, submit, Action, ActionKind, Actor, DomainError, Dossier, DossierCode, DossierEvent,
    DueChange, EventDetail, Intake, NationalStatus, Outcome, ProcedureRules, Role, StepId,
    Transition, WorkflowDefinition,
};
use tinhso_objects::{
    check, sanitize_file_name, sniff, ContentHash, FileType, ObjectError, ObjectStore, UploadError,
    UploadPolicy,
};
use tinhso_store::dossiers::{
    Applicant, AttachmentRecord, DeadlineFlag, DossierQuery, DossierUpdate, DossierWrite,
    IdempotencyKey, NewDossier, OutboxMessage, StoredDossier, StoredEvent, User, WriteError,
    WriteOutcome,
};
use tinhso_store::{ReferenceRevisions, StoreError};

use crate::clock::to_local;
use crate::identity::{actor, actors_for, constant_time_eq, is_citizen, random_bytes};
use crate::App;

/// The outbox topic of every status change (national-portal sync, notifications).
pub const STATUS_TOPIC: &str = "dossier.status_changed";

/// How many times a write is re-decided when another node changed the dossier meanwhile.
const CONFLICT_RETRIES: usize = 4;

/// The most dossiers one queue page lists.
pub const MAX_PAGE: u32 = 200;

/// Working hours before the due date from which a dossier counts as due soon (the scheduler
/// flags it; the `due_soon` queue lists it).
pub const DUE_SOON_WORKING_HOURS: i64 = 8;

/// What a dossier use case can fail with. Each variant has a stable [`DossierError::code`].
#[derive(Debug, thiserror::Error)]
pub enum DossierError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Upload(#[from] UploadError),
    #[error(transparent)]
    Object(#[from] ObjectError),
    #[error(transparent)]
    Form(#[from] tinhso_forms::FormError),
    #[error("Không tìm thấy hồ sơ / No such dossier")]
    NotFound,
    #[error("Không có quyền với hồ sơ này / Not allowed for this dossier")]
    Forbidden,
    #[error("Mã hồ sơ không hợp lệ / Invalid dossier code: {0}")]
    InvalidDossierCode(String),
    #[error("{0}")]
    InvalidProcedureCode(String),
    #[error("Không có thủ tục này / No such procedure")]
    ProcedureNotFound,
    #[error("Mã cơ quan không hợp lệ / Invalid agency e-ID: {0}")]
    InvalidAgency(String),
    #[error("Không có cơ quan {0} / No agency {0}")]
    AgencyNotFound(String),
    #[error(
        "Cơ quan {0} không thực hiện thủ tục này / Agency {0} does not carry out this procedure"
    )]
    AgencyNotImplementing(String),
    #[error("Kênh nộp không phù hợp với người nộp / The channel does not suit the submitter: {0}")]
    ChannelNotAllowed(String),
    #[error("Thủ tục chưa có thời hạn giải quyết nên chưa tính được ngày hẹn / The procedure has no time limit, so no due date can be computed")]
    NoTimeLimit,
    #[error("Yêu cầu không hợp lệ / Invalid request: {0}")]
    InvalidRequest(String),
    #[error("Không có thao tác {0:?} / Unknown action {0:?}")]
    UnknownAction(String),
    #[error("Chưa tải lên tệp {0} / No uploaded file {0}")]
    AttachmentMissing(String),
    #[error("Không tìm thấy tệp đính kèm / No such attachment")]
    AttachmentNotFound,
    #[error("Khóa Idempotency-Key đã dùng cho một yêu cầu khác / The Idempotency-Key was used for another request")]
    IdempotencyKeyReused,
    #[error("Khóa Idempotency-Key phải gồm 1–200 ký tự ASCII nhìn thấy được / The Idempotency-Key must be 1–200 visible ASCII characters")]
    InvalidIdempotencyKey,
    #[error("Hồ sơ đang được cập nhật đồng thời, vui lòng thử lại / The dossier is being changed concurrently; please retry")]
    Conflict,
    #[error("Chưa có mẫu {0} cho hồ sơ này / Form {0} is not available for this dossier")]
    FormNotAvailable(String),
    #[error("Chưa cấu hình kho tệp / No object store configured")]
    ObjectStoreMissing,
    #[error("Thiếu quy trình phiên bản {1} của thủ tục {0} / Workflow version {1} of procedure {0} is missing")]
    WorkflowMissing(String, u32),
}

impl DossierError {
    /// A stable snake_case code (the API's error code).
    pub fn code(&self) -> &'static str {
        match self {
            DossierError::Store(StoreError::Unavailable(_)) => "database_unavailable",
            DossierError::Store(_) => "internal_error",
            DossierError::Domain(e) => e.code(),
            DossierError::Upload(e) => e.code(),
            DossierError::Object(e) => e.code(),
            DossierError::Form(_) => "internal_error",
            DossierError::NotFound => "dossier_not_found",
            DossierError::Forbidden => "forbidden",
            DossierError::InvalidDossierCode(_) => "invalid_dossier_code",
            DossierError::InvalidProcedureCode(_) => "invalid_procedure_code",
            DossierError::ProcedureNotFound => "procedure_not_found",
            DossierError::InvalidAgency(_) => "invalid_agency_eid",
            DossierError::AgencyNotFound(_) => "agency_not_found",
            DossierError::AgencyNotImplementing(_) => "agency_not_implementing",
            DossierError::ChannelNotAllowed(_) => "channel_not_allowed",
            DossierError::NoTimeLimit => "no_time_limit",
            DossierError::InvalidRequest(_) => "invalid_request",
            DossierError::UnknownAction(_) => "unknown_action",
            DossierError::AttachmentMissing(_) => "attachment_missing",
            DossierError::AttachmentNotFound => "attachment_not_found",
            DossierError::IdempotencyKeyReused => "idempotency_key_reused",
            DossierError::InvalidIdempotencyKey => "invalid_idempotency_key",
            DossierError::Conflict => "conflict",
            DossierError::FormNotAvailable(_) => "form_not_available",
            DossierError::ObjectStoreMissing => "object_store_unavailable",
            DossierError::WorkflowMissing(..) => "internal_error",
        }
    }
}

pub type DossierResult<T> = Result<T, DossierError>;

/// An uploaded file cited by a dossier component (thành phần hồ sơ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentInput {
    /// The component's name, e.g. "Tờ khai đăng ký khai sinh", or "result" for a result.
    pub component: String,
    /// The SHA-256 the upload answered with.
    pub sha256: String,
    /// A file name to show; made safe. Default: the component's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `POST /api/v1/dossiers`: a dossier entering the system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeRequest {
    pub procedure_code: String,
    /// counter, online or postal.
    pub channel: Channel,
    /// Online: the agency the citizen submits to. Counter and post: default the officer's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiving_agency: Option<String>,
    /// Default: the receiving agency. Anywhere in the province it may differ (domain.md §0.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competent_agency: Option<String>,
    pub applicant: Applicant,
    /// The procedure's e-form answers (a JSON object).
    #[serde(default = "empty_object")]
    pub form: Value,
    #[serde(default)]
    pub attachments: Vec<AttachmentInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// `POST /api/v1/dossiers/{code}/actions`: a move.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// accept, refuse, request_supplement, supplement, request_financial_obligation, pay,
    /// forward, transfer, return_from_agency, approve, stop, withdraw, result_ready, deliver,
    /// apologize_and_extend.
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// forward: the step to send the dossier to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_step: Option<String>,
    /// transfer: the other agency's e-ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// apologize_and_extend: the new appointment, local time, e.g. `2026-03-10T16:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_due: Option<String>,
    /// request_financial_obligation: the amount in đồng.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_vnd: Option<u64>,
    #[serde(default)]
    pub attachments: Vec<AttachmentInput>,
}

/// A dossier as the API shows it after a write: a function of its state only, so a replayed
/// request gets exactly the same answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierView {
    pub code: String,
    /// National status 1–10 (domain.md §2.1).
    pub status: u8,
    pub status_label: String,
    pub status_label_en: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub procedure_version: u32,
    pub workflow_version: u32,
    pub channel: Channel,
    pub received_point: AgencyEId,
    pub receiving_agency: AgencyEId,
    pub competent_agency: AgencyEId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_to: Option<AgencyEId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_step_name: Option<String>,
    /// NgayNopHoSo.
    pub received_at: DateTime,
    /// NgayTiepNhan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_start: Option<DateTime>,
    /// NgayHenTra, moved by pauses and extensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime>,
    /// The appointment given at acceptance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_due: Option<DateTime>,
    #[serde(default)]
    pub due_changes: Vec<DueChange>,
    /// Statuses 5 and 6: the clock is paused.
    pub paused: bool,
    pub paused_minutes: i64,
    pub supplement_requests: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_ready_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// How many events the dossier had after this answer's write.
    pub events: u32,
    /// The status look-up secret: only in the answer that created the dossier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// An attachment as listed on a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    /// The event that brought it.
    pub event_seq: u32,
    #[serde(flatten)]
    pub record: AttachmentRecord,
}

/// `GET /api/v1/dossiers/{code}`: the dossier with its personal data (the read is logged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierDetail {
    #[serde(flatten)]
    pub dossier: DossierView,
    pub applicant: Applicant,
    pub form: Value,
    pub attachments: Vec<AttachmentView>,
    pub due_soon_flagged: bool,
    pub late_flagged: bool,
    /// The due date has passed and the dossier is neither ended nor paused.
    pub overdue: bool,
}

/// Who made an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorView {
    pub user_id: String,
    pub name: String,
    pub role: Role,
    pub role_label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<AgencyEId>,
}

/// One line of the timeline: who, when, from which state to which, with comment and
/// attachments (domain.md §2.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub seq: u32,
    pub at: DateTime,
    /// The action (`accept`, …), or `flag_due_soon` / `flag_late` for the scheduler's flags.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<ActorView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_status: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_status_label: Option<String>,
    pub to_status: u8,
    pub to_status_label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_step_name: Option<String>,
    pub comment: String,
    pub attachments: Vec<AttachmentRecord>,
    /// The event's facts (reason, due dates, amount…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<EventDetail>,
}

/// Which queue to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueKind {
    /// Dossiers at a step the user works at (their role, their agency).
    Mine,
    /// Open dossiers due within [`DUE_SOON_WORKING_HOURS`] working hours, not yet late.
    DueSoon,
    /// Open dossiers past their due date.
    Overdue,
    /// Waiting for the applicant or stopped (5, 6, 8).
    Paused,
    /// Everything in scope.
    #[default]
    All,
}

/// `GET /api/v1/dossiers?kind=&step=&q=&procedure=&limit=&before=`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueFilter {
    #[serde(default)]
    pub kind: QueueKind,
    #[serde(default)]
    pub step: Option<String>,
    /// Free text: code, applicant name, procedure code.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub procedure: Option<String>,
    /// Default 50, at most [`MAX_PAGE`].
    #[serde(default)]
    pub limit: u32,
    /// The `next_before` of the previous page.
    #[serde(default)]
    pub before: Option<i64>,
}

/// One dossier in a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub status: u8,
    pub status_label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_step: Option<String>,
    pub channel: Channel,
    pub received_at: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime>,
    pub applicant_name: String,
    pub overdue: bool,
    pub due_soon_flagged: bool,
    pub late_flagged: bool,
}

/// A page of a queue; pass `next_before` as `before` for the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

/// What the public status page shows: no personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicStatus {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub status: u8,
    pub status_label: String,
    pub status_label_en: String,
    pub received_at: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_ready_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime>,
}

/// An uploaded, checked and stored file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedAttachment {
    pub sha256: String,
    pub size: u64,
    /// A `tinhso_objects::FileType` code, e.g. `pdf`.
    pub file_type: String,
    pub mime: String,
    /// The declared name made safe.
    pub name: String,
    /// The declared extension named another type than the bytes are.
    pub type_mismatch: bool,
}

/// A stored attachment to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentFile {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    /// Safe name for `Content-Disposition`.
    pub name: String,
}

/// The upload policy of dossier attachments (size, types, bombs, active content).
pub fn upload_policy() -> UploadPolicy {
    UploadPolicy::default()
}

/// SHA-256 (hex) of a request: `operation \n target \n canonical JSON`.
pub fn request_hash(operation: &str, target: &str, request: &impl Serialize) -> String {
    // Canonical JSON (keys sorted at every level), not `to_string`: serde_json keeps insertion
    // order when any crate of the build enables its `preserve_order` feature, and a retried
    // request with its keys in another order must still be the same request.
    let body = serde_json::to_value(request)
        .map(|v| tinhso_store::chain::canonical(&v))
        .unwrap_or_default();
    let mut h = Sha256::new();
    h.update(operation.as_bytes());
    h.update(b"\n");
    h.update(target.as_bytes());
    h.update(b"\n");
    h.update(body.as_bytes());
    hex::encode(h.finalize())
}

/// Crockford base32 (no I, L, O, U): easy to read aloud and type from a receipt.
const SECRET_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// 12 characters = 60 bits.
pub const SECRET_LEN: usize = 12;

fn encode_secret(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(SECRET_LEN);
    let mut acc: u64 = 0;
    for b in bytes.iter().take(8) {
        acc = (acc << 8) | u64::from(*b);
    }
    for i in 0..SECRET_LEN {
        let index = ((acc >> (i * 5)) & 31) as usize;
        out.push(char::from(
            SECRET_ALPHABET.get(index).copied().unwrap_or(b'0'),
        ));
    }
    out
}

/// The secret as typed: upper case, spaces and dashes dropped, look-alikes mapped (O→0, I/L→1).
fn normalize_secret(secret: &str) -> String {
    secret
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// SHA-256 (hex) of a look-up secret, as stored.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(normalize_secret(secret).as_bytes()))
}

fn derived_secret(user_id: &str, key: &str, request_hash: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"tinhso lookup secret v1\0");
    h.update(user_id.as_bytes());
    h.update(b"\0");
    h.update(key.as_bytes());
    h.update(b"\0");
    h.update(request_hash.as_bytes());
    encode_secret(&h.finalize())
}

fn check_idempotency_key(key: Option<&str>) -> DossierResult<Option<&str>> {
    match key {
        None => Ok(None),
        Some(k)
            if (1..=200).contains(&k.len()) && k.bytes().all(|b| (0x21..=0x7e).contains(&b)) =>
        {
            Ok(Some(k))
        }
        Some(_) => Err(DossierError::InvalidIdempotencyKey),
    }
}

/// Civil time in Vietnam, whole seconds (every engine stores it exactly).
fn local_now(app: &App) -> DateTime {
    let now = to_local(app.clock.now());
    now.with().subsec_nanosecond(0).build().unwrap_or(now)
}

fn parse_agency(text: &str) -> DossierResult<AgencyEId> {
    AgencyEId::parse(text).map_err(|e| DossierError::InvalidAgency(e.to_string()))
}

/// Logs a read of personal data: who, why, which dossier, never the data (domain.md §7).
pub(crate) fn log_personal_read(user: &User, purpose: &str, dossiers: &str) {
    tracing::info!(
        target: "tinhso::personal_data",
        actor = %user.id,
        purpose,
        dossier = dossiers,
        "personal data read"
    );
}

/// Whether a user may see a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Allowed,
    /// Staff of another agency: 403.
    Forbidden,
    /// Not the citizen's own: 404.
    Hidden,
}

pub(crate) fn access(user: &User, d: &Dossier) -> Access {
    if is_citizen(user) {
        return if d.applicant_id.as_deref() == Some(user.id.as_str()) {
            Access::Allowed
        } else {
            Access::Hidden
        };
    }
    if user.roles.contains(&Role::ProvinceAdmin) {
        return Access::Allowed;
    }
    let Some(agency) = &user.agency else {
        return Access::Forbidden;
    };
    let concerned = [
        Some(&d.received_point),
        Some(&d.receiving_agency),
        Some(&d.competent_agency),
        d.transferred_to.as_ref(),
    ];
    if concerned.contains(&Some(agency)) {
        Access::Allowed
    } else {
        Access::Forbidden
    }
}

fn check_access(user: &User, d: &Dossier) -> DossierResult<()> {
    match access(user, d) {
        Access::Allowed => Ok(()),
        Access::Forbidden => Err(DossierError::Forbidden),
        Access::Hidden => Err(DossierError::NotFound),
    }
}

/// The procedure version and workflow a dossier runs on.
pub(crate) struct DossierContext {
    pub procedure: Arc<ProcedureVersion>,
    pub workflow: Arc<WorkflowDefinition>,
}

impl DossierContext {
    fn step_name(&self, step: Option<&StepId>) -> Option<String> {
        step.and_then(|s| self.workflow.step(s))
            .map(|s| s.name.clone())
    }
}

fn map_write_error(e: WriteError) -> DossierError {
    match e {
        WriteError::Conflict => DossierError::Conflict,
        WriteError::NotFound => DossierError::NotFound,
        WriteError::IdempotencyMismatch => DossierError::IdempotencyKeyReused,
        WriteError::AlreadyFlagged => DossierError::Conflict,
        WriteError::Store(s) => DossierError::Store(StoreError::Other(s.0)),
    }
}

fn view(state: &Dossier, ctx: &DossierContext, events: u32, secret: Option<String>) -> DossierView {
    DossierView {
        code: state.code.to_string(),
        status: state.status.code(),
        status_label: state.status.label_vi().to_string(),
        status_label_en: state.status.label_en().to_string(),
        procedure_code: state.procedure_code.to_string(),
        procedure_name: ctx.procedure.procedure.name.clone(),
        procedure_version: state.procedure_version,
        workflow_version: state.workflow_version,
        channel: state.channel,
        received_point: state.received_point.clone(),
        receiving_agency: state.receiving_agency.clone(),
        competent_agency: state.competent_agency.clone(),
        transferred_to: state.transferred_to.clone(),
        current_step: state.current_step.as_ref().map(|s| s.to_string()),
        current_step_name: ctx.step_name(state.current_step.as_ref()),
        received_at: state.received_at,
        accepted_at: state.accepted_at,
        clock_start: state.clock_start,
        due: state.due,
        original_due: state.accepted_at.and(state.original_due()),
        due_changes: state.due_changes.clone(),
        paused: state.status.is_paused(),
        paused_minutes: state.paused_minutes,
        supplement_requests: state.supplement_requests,
        result_ready_at: state.result_ready_at,
        delivered_at: state.delivered_at,
        ended_at: state.ended_at,
        outcome: state.outcome,
        events,
        secret,
    }
}

pub(crate) fn validate_text(field: &str, text: &str, max: usize) -> DossierResult<()> {
    if text.chars().count() > max {
        return Err(DossierError::InvalidRequest(format!(
            "{field}: tối đa {max} ký tự / at most {max} characters"
        )));
    }
    if let Some(c) = tinhso_domain::text::hidden_control(text) {
        return Err(DossierError::InvalidRequest(format!(
            "{field}: có ký tự điều khiển ẩn U+{:04X} / contains the hidden control character U+{:04X}",
            u32::from(c),
            u32::from(c)
        )));
    }
    Ok(())
}

/// Every key and text of an e-form is shown on pages and printed forms: no hidden controls.
fn validate_form_text(form: &Value) -> DossierResult<()> {
    match form {
        Value::String(text) => validate_text("form", text, usize::MAX),
        Value::Array(items) => items.iter().try_for_each(validate_form_text),
        Value::Object(map) => map.iter().try_for_each(|(key, value)| {
            validate_text("form", key, usize::MAX)?;
            validate_form_text(value)
        }),
        _ => Ok(()),
    }
}

fn validate_applicant(a: &Applicant) -> DossierResult<Applicant> {
    let mut a = a.clone();
    a.name = a.name.trim().to_string();
    if a.name.is_empty() {
        return Err(DossierError::InvalidRequest(
            "applicant.name: cần họ tên chủ hồ sơ / the applicant's name is required".into(),
        ));
    }
    if !matches!(a.kind, 1 | 2) {
        return Err(DossierError::InvalidRequest(
            "applicant.kind: 1 công dân, 2 tổ chức / 1 citizen, 2 organisation".into(),
        ));
    }
    validate_text("applicant.name", &a.name, 200)?;
    validate_text("applicant.id_number", &a.id_number, 20)?;
    validate_text("applicant.phone", &a.phone, 20)?;
    validate_text("applicant.email", &a.email, 200)?;
    validate_text("applicant.address", &a.address, 500)?;
    Ok(a)
}

/// The domain action an [`ActionRequest`] asks for.
pub fn parse_action(req: &ActionRequest) -> DossierResult<Action> {
    let reason = || req.reason.clone().unwrap_or_default();
    Ok(match req.action.as_str() {
        "accept" => Action::Accept,
        "refuse" => Action::Refuse { reason: reason() },
        "request_supplement" => Action::RequestSupplement { reason: reason() },
        "supplement" => Action::Supplement,
        "request_financial_obligation" => Action::RequestFinancialObligation {
            amount_vnd: req.amount_vnd.unwrap_or(0),
        },
        "pay" => Action::Pay,
        "forward" => {
            let step = req.to_step.as_deref().unwrap_or("").trim();
            if step.is_empty() {
                return Err(DossierError::InvalidRequest(
                    "to_step: cần bước chuyển đến / the step to forward to is required".into(),
                ));
            }
            Action::Forward {
                to_step: StepId::new(step),
            }
        }
        "transfer" | "transfer_to_agency" => {
            let eid = req.agency.as_deref().unwrap_or("");
            Action::TransferToAgency {
                eid: parse_agency(eid)?,
            }
        }
        "return_from_agency" => Action::ReturnFromAgency,
        "approve" => Action::Approve,
        "stop" => Action::Stop { reason: reason() },
        "withdraw" => Action::Withdraw,
        "result_ready" => Action::ResultReady,
        "deliver" => Action::Deliver,
        "apologize_and_extend" => {
            let text = req.new_due.as_deref().unwrap_or("");
            let new_due: DateTime = text.trim().parse().map_err(|_| {
                DossierError::InvalidRequest(
                    "new_due: ngày giờ hẹn mới, ví dụ 2026-03-10T16:00 / the new appointment, e.g. 2026-03-10T16:00".into(),
                )
            })?;
            Action::ApologizeAndExtend {
                new_due,
                reason: reason(),
            }
        }
        other => {
            return Err(DossierError::UnknownAction(
                other.chars().take(64).collect(),
            ))
        }
    })
}

impl App {
    /// The object store, if one is configured.
    fn object_store(&self) -> DossierResult<Arc<dyn ObjectStore>> {
        self.objects().ok_or(DossierError::ObjectStoreMissing)
    }

    /// The workflow new dossiers of `code` run on: the latest stored as of `revisions`, else
    /// the default one, which is then stored as version 1 so the version a dossier pins always
    /// exists.
    async fn current_workflow(
        &self,
        code: &ProcedureCode,
        revisions: &ReferenceRevisions,
    ) -> DossierResult<Arc<WorkflowDefinition>> {
        if let Some(w) = self.latest_workflow(code, revisions).await? {
            return Ok(w);
        }
        let default = WorkflowDefinition::default_for(code.clone());
        match self.store.add_workflow(&default, self.clock.now()).await {
            Ok(()) => Ok(self
                .pinned
                .workflows
                .insert((code.clone(), default.version), default)),
            // Another request stored one first: use it.
            Err(StoreError::Conflict(_)) => self
                .store
                .workflow(code)
                .await?
                .map(|w| self.pinned.workflows.insert((code.clone(), w.version), w))
                .ok_or_else(|| DossierError::WorkflowMissing(code.to_string(), 1)),
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) async fn context(&self, d: &Dossier) -> DossierResult<DossierContext> {
        let procedure = self
            .procedure_version(&d.procedure_code, d.procedure_version)
            .await?
            .ok_or(DossierError::ProcedureNotFound)?;
        let workflow = match self
            .workflow_version(&d.procedure_code, d.workflow_version)
            .await?
        {
            Some(w) => w,
            None if d.workflow_version == 1 => {
                Arc::new(WorkflowDefinition::default_for(d.procedure_code.clone()))
            }
            None => {
                return Err(DossierError::WorkflowMissing(
                    d.procedure_code.to_string(),
                    d.workflow_version,
                ))
            }
        };
        Ok(DossierContext {
            procedure,
            workflow,
        })
    }

    /// A procedure version: immutable once recorded, so read from the store once.
    async fn procedure_version(
        &self,
        code: &ProcedureCode,
        version: u32,
    ) -> DossierResult<Option<Arc<ProcedureVersion>>> {
        let key = (code.clone(), version);
        if let Some(v) = self.pinned.procedures.get(&key) {
            return Ok(Some(v));
        }
        Ok(self
            .store
            .procedure_version(code, version)
            .await?
            .map(|v| self.pinned.procedures.insert(key, v)))
    }

    /// A workflow version: immutable once recorded, so read from the store once.
    async fn workflow_version(
        &self,
        code: &ProcedureCode,
        version: u32,
    ) -> DossierResult<Option<Arc<WorkflowDefinition>>> {
        let key = (code.clone(), version);
        if let Some(w) = self.pinned.workflows.get(&key) {
            return Ok(Some(w));
        }
        Ok(self
            .store
            .workflow_version(code, version)
            .await?
            .map(|w| self.pinned.workflows.insert(key, w)))
    }

    /// The stored dossier with this code, if the user may see it.
    pub(crate) async fn visible_dossier(
        &self,
        user: &User,
        code: &str,
    ) -> DossierResult<StoredDossier> {
        let code = DossierCode::parse(code)
            .map_err(|_| DossierError::InvalidDossierCode(code.chars().take(64).collect()))?;
        let stored = self
            .store
            .dossier_by_code(&code)
            .await?
            .ok_or(DossierError::NotFound)?;
        check_access(user, &stored.dossier)?;
        Ok(stored)
    }

    /// As [`App::visible_dossier`], with the dossier's stored KPI facts (one read).
    async fn visible_dossier_with_facts(
        &self,
        user: &User,
        code: &str,
    ) -> DossierResult<(StoredDossier, Option<tinhso_domain::kpi::KpiFacts>)> {
        let code = DossierCode::parse(code)
            .map_err(|_| DossierError::InvalidDossierCode(code.chars().take(64).collect()))?;
        let (stored, facts) = self
            .store
            .dossier_with_facts(&code)
            .await?
            .ok_or(DossierError::NotFound)?;
        check_access(user, &stored.dossier)?;
        Ok((stored, facts))
    }

    /// The answer a previous request with this key produced, or `None` for a new key.
    async fn replay(
        &self,
        user: &User,
        key: Option<&str>,
        hash: &str,
        secret: Option<String>,
    ) -> DossierResult<Option<DossierView>> {
        let Some(key) = key else {
            return Ok(None);
        };
        let Some(found) = self.store.idempotent_result(&user.id, key).await? else {
            return Ok(None);
        };
        if found.request_hash != hash {
            return Err(DossierError::IdempotencyKeyReused);
        }
        self.answer(found.dossier_id, found.event_seq, secret)
            .await
            .map(Some)
    }

    /// The answer of a write, rebuilt from the stored event (identical on replay).
    async fn answer(
        &self,
        dossier_id: i64,
        seq: u32,
        secret: Option<String>,
    ) -> DossierResult<DossierView> {
        let event = self
            .store
            .dossier_event(dossier_id, seq)
            .await?
            .ok_or(DossierError::NotFound)?;
        let ctx = self.context(&event.state_after).await?;
        Ok(view(&event.state_after, &ctx, seq, secret))
    }

    /// Resolves attachment references: each must be an uploaded object.
    async fn attachment_records(
        &self,
        inputs: &[AttachmentInput],
    ) -> DossierResult<Vec<AttachmentRecord>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        if inputs.len() > 100 {
            return Err(DossierError::InvalidRequest(
                "attachments: tối đa 100 tệp / at most 100 files".into(),
            ));
        }
        let objects = self.object_store()?;
        let mut out = Vec::with_capacity(inputs.len());
        for input in inputs {
            let component = input.component.trim();
            if component.is_empty() {
                return Err(DossierError::InvalidRequest(
                    "attachments.component: cần tên thành phần hồ sơ / the component name is required".into(),
                ));
            }
            validate_text("attachments.component", component, 300)?;
            let hash = ContentHash::parse(input.sha256.trim()).map_err(|_| {
                DossierError::InvalidRequest(
                    "attachments.sha256: 64 chữ số hex / 64 hex digits".into(),
                )
            })?;
            // Touch first: the sweep of unused uploads then leaves it alone while this write
            // is on its way (`crate::unused_objects`).
            if !objects.touch(&hash).await? {
                return Err(DossierError::AttachmentMissing(hash.to_hex()));
            }
            let bytes = objects
                .get(&hash)
                .await?
                .ok_or_else(|| DossierError::AttachmentMissing(hash.to_hex()))?;
            let file_type = sniff(&bytes).unwrap_or(FileType::Pdf);
            let declared = input.name.as_deref().unwrap_or(component);
            let mut name = sanitize_file_name(declared);
            let extension = format!(".{}", file_type.extension());
            if !name.to_ascii_lowercase().ends_with(&extension) {
                name = sanitize_file_name(&format!("{declared}{extension}"));
            }
            out.push(AttachmentRecord {
                component: component.to_string(),
                sha256: hash.to_hex(),
                size: bytes.len() as u64,
                file_type: file_type.code().to_string(),
                name,
            });
        }
        Ok(out)
    }

    /// Receives a dossier: online by a citizen, at the counter or by post by a one-stop
    /// officer. It takes its code now (domain.md §5.2); the answer carries the look-up
    /// secret, once.
    pub async fn submit_dossier(
        &self,
        user: &User,
        req: IntakeRequest,
        idempotency_key: Option<&str>,
    ) -> DossierResult<DossierView> {
        let key = check_idempotency_key(idempotency_key)?;
        // Only a request with a key is ever compared with another (hashing costs a canonical
        // re-serialization of the body).
        let hash = key
            .map(|_| request_hash("submit", "dossiers", &req))
            .unwrap_or_default();
        let secret = match key {
            Some(k) => derived_secret(&user.id, k, &hash),
            None => encode_secret(
                &random_bytes::<8>().map_err(|e| DossierError::Store(StoreError::Other(e)))?,
            ),
        };
        let outcome = self.receive(user, req, key, &hash, &secret).await;
        self.or_replay(outcome, user, key, &hash, Some(secret))
            .await
    }

    /// The first answer of a request whose key was already used, when this attempt failed
    /// (a retried action is no longer allowed by the domain, say); else the failure. The stored
    /// answer is read only then: a write with a key the store already holds is answered by
    /// the store as a replay in the same transaction, so a success needs no read first.
    async fn or_replay(
        &self,
        outcome: DossierResult<DossierView>,
        user: &User,
        key: Option<&str>,
        hash: &str,
        secret: Option<String>,
    ) -> DossierResult<DossierView> {
        match outcome {
            Ok(answer) => Ok(answer),
            Err(e @ DossierError::IdempotencyKeyReused) => Err(e),
            Err(e) if key.is_none() => Err(e),
            Err(e) => match self.replay(user, key, hash, secret).await {
                Ok(Some(answer)) => Ok(answer),
                Err(reused @ DossierError::IdempotencyKeyReused) => Err(reused),
                Ok(None) | Err(_) => Err(e),
            },
        }
    }

    /// [`App::submit_dossier`] once the key, the request hash and the secret are known.
    async fn receive(
        &self,
        user: &User,
        req: IntakeRequest,
        key: Option<&str>,
        hash: &str,
        secret: &str,
    ) -> DossierResult<DossierView> {
        let code = ProcedureCode::parse(&req.procedure_code)
            .map_err(|e| DossierError::InvalidProcedureCode(e.to_string()))?;
        // One shared read tells whether the kept procedure, agencies and workflow are current.
        let revisions = self.revisions().await?;
        let procedure = self
            .latest_procedure(&code, &revisions)
            .await?
            .ok_or(DossierError::ProcedureNotFound)?;
        let applicant = validate_applicant(&req.applicant)?;
        if !req.form.is_object() {
            return Err(DossierError::InvalidRequest(
                "form: phải là một đối tượng JSON / must be a JSON object".into(),
            ));
        }
        validate_form_text(&req.form)?;
        let comment = req.comment.clone().unwrap_or_default();
        validate_text("comment", &comment, 2000)?;

        // Who submits, on which channel, where (domain.md §0.3, §0.4, §2.2).
        let citizen = is_citizen(user);
        let requested_receiving = req
            .receiving_agency
            .as_deref()
            .map(parse_agency)
            .transpose()?;
        let requested_competent = req
            .competent_agency
            .as_deref()
            .map(parse_agency)
            .transpose()?;
        let (acting, received_point, receiving) = if citizen {
            if req.channel != Channel::Online {
                return Err(DossierError::ChannelNotAllowed(
                    "công dân nộp trực tuyến; hồ sơ trực tiếp hoặc qua bưu chính do cán bộ một cửa tiếp nhận / citizens submit online; counter and postal dossiers are recorded by a one-stop officer".into(),
                ));
            }
            let receiving = requested_receiving
                .or_else(|| requested_competent.clone())
                .ok_or_else(|| {
                    DossierError::InvalidRequest(
                        "receiving_agency: cần cơ quan nhận hồ sơ / the receiving agency is required".into(),
                    )
                })?;
            (actor(user, Role::Applicant), receiving.clone(), receiving)
        } else {
            if req.channel == Channel::Online {
                return Err(DossierError::ChannelNotAllowed(
                    "hồ sơ trực tuyến do chủ hồ sơ tự nộp / an online dossier is submitted by the applicant".into(),
                ));
            }
            let role = if user.roles.contains(&Role::OneStopOfficer) {
                Role::OneStopOfficer
            } else {
                user.roles.first().copied().unwrap_or(Role::Specialist)
            };
            let own = user.agency.clone().ok_or(DossierError::Forbidden)?;
            let receiving = requested_receiving.unwrap_or_else(|| own.clone());
            (actor(user, role), own, receiving)
        };
        let competent = requested_competent.unwrap_or_else(|| receiving.clone());
        // Read once: it is checked to exist here and describes the dossier's KPI facts below.
        let receiving_agency = self
            .latest_agency(&receiving, &revisions)
            .await?
            .ok_or_else(|| DossierError::AgencyNotFound(receiving.to_string()))?;
        if competent != receiving && self.latest_agency(&competent, &revisions).await?.is_none() {
            return Err(DossierError::AgencyNotFound(competent.to_string()));
        }
        let implementers = &procedure.procedure.agency_eids;
        if !implementers.is_empty() && !implementers.contains(&competent) {
            return Err(DossierError::AgencyNotImplementing(competent.to_string()));
        }
        let attachments = self.attachment_records(&req.attachments).await?;
        let workflow = self.current_workflow(&code, &revisions).await?;

        let now = local_now(self);
        // A placeholder sequence: the store allocates the real code in the same transaction.
        let placeholder = DossierCode::new(receiving.clone(), now.date(), 1)
            .map_err(|e| DossierError::InvalidRequest(e.to_string()))?;
        let intake = Intake {
            code: placeholder,
            procedure_code: code.clone(),
            procedure_version: procedure.version,
            channel: req.channel,
            applicant_id: citizen.then(|| user.id.clone()),
            received_point,
            receiving_agency: receiving.clone(),
            competent_agency: competent,
        };
        let transition = submit(&intake, &acting, now, &workflow)?;
        let outbox = vec![status_message(&transition)];
        let extras = crate::kpi::extras_after(
            None,
            &procedure.procedure,
            Some(&*receiving_agency),
            &transition.new_state,
            None,
            &attachments,
        );
        let kpi = self.kpi_facts(&transition.new_state, &extras);
        // The answer is built from what was written, without reading it back.
        let mut written = transition.new_state.clone();
        let ctx = DossierContext {
            procedure,
            workflow,
        };
        let write = DossierWrite::Create(Box::new(NewDossier {
            kpi,
            code_agency: receiving,
            code_date: now.date(),
            dossier: transition.new_state,
            event: transition.event,
            applicant,
            form: req.form,
            attachments,
            lookup_secret_hash: secret_hash(secret),
            outbox,
            idempotency: key.map(|k| IdempotencyKey {
                user_id: user.id.clone(),
                key: k.to_string(),
                request_hash: hash.to_string(),
            }),
            comment,
        }));
        let outcome = self.write_one(write).await?;
        let secret = Some(secret.to_string());
        let answer = if outcome.replayed {
            self.answer(outcome.dossier_id, outcome.event_seq, secret)
                .await?
        } else {
            // The store allocated the code; the rest is stored as decided.
            written.code = outcome.code.clone();
            view(&written, &ctx, outcome.event_seq, secret)
        };
        if !outcome.replayed {
            tracing::info!(
                code = %answer.code,
                procedure = %answer.procedure_code,
                channel = ?answer.channel,
                actor = %user.id,
                "dossier received"
            );
        }
        Ok(answer)
    }

    async fn write_one(&self, write: DossierWrite) -> DossierResult<WriteOutcome> {
        let mut results = self
            .store
            .write_dossiers(vec![write], self.clock.now())
            .await?;
        match results.pop() {
            Some(Ok(outcome)) => Ok(outcome),
            Some(Err(e)) => Err(map_write_error(e)),
            None => Err(DossierError::Store(StoreError::Other(
                "the store answered no result for a write".into(),
            ))),
        }
    }

    /// Performs an action on a dossier: the domain decides, the store records, with the
    /// event count checked (re-read and re-decided when another node moved it meanwhile).
    pub async fn act(
        &self,
        user: &User,
        code: &str,
        req: ActionRequest,
        idempotency_key: Option<&str>,
    ) -> DossierResult<DossierView> {
        let key = check_idempotency_key(idempotency_key)?;
        let hash = key
            .map(|_| request_hash("act", code.trim(), &req))
            .unwrap_or_default();
        let outcome = self.act_once(user, code, req, key, &hash).await;
        self.or_replay(outcome, user, key, &hash, None).await
    }

    /// [`App::act`] once the key and the request hash are known.
    async fn act_once(
        &self,
        user: &User,
        code: &str,
        req: ActionRequest,
        key: Option<&str>,
        hash: &str,
    ) -> DossierResult<DossierView> {
        let action = parse_action(&req)?;
        let comment = req.comment.clone().unwrap_or_default();
        validate_text("comment", &comment, 2000)?;
        validate_text("reason", req.reason.as_deref().unwrap_or(""), 2000)?;
        let revisions = self.revisions().await?;
        let mut last_conflict = DossierError::Conflict;
        for _ in 0..CONFLICT_RETRIES {
            let (stored, previous) = self.visible_dossier_with_facts(user, code).await?;
            let attachments = self.attachment_records(&req.attachments).await?;
            let ctx = self.context(&stored.dossier).await?;
            let transition = self.decide_as(user, &stored.dossier, &action, &ctx)?;
            let receiving = self
                .latest_agency(&transition.new_state.receiving_agency, &revisions)
                .await?;
            let extras = crate::kpi::extras_after(
                previous.as_ref().map(|f| &f.extras),
                &ctx.procedure.procedure,
                receiving.as_deref(),
                &transition.new_state,
                Some(action.kind()),
                &attachments,
            );
            let kpi = self.kpi_facts(&transition.new_state, &extras);
            let written = transition.new_state.clone();
            let write = DossierWrite::Update(Box::new(DossierUpdate {
                kpi,
                dossier_id: stored.id,
                expected_events: stored.events,
                outbox: vec![status_message(&transition)],
                new_state: transition.new_state,
                event: transition.event,
                attachments,
                idempotency: key.map(|k| IdempotencyKey {
                    user_id: user.id.clone(),
                    key: k.to_string(),
                    request_hash: hash.to_string(),
                }),
                comment: comment.clone(),
            }));
            match self.write_one(write).await {
                Ok(outcome) => {
                    // Built from what was written unless it was a replay or the action moved
                    // the dossier to other pinned versions than those already read.
                    let same_versions = written.procedure_version
                        == stored.dossier.procedure_version
                        && written.workflow_version == stored.dossier.workflow_version;
                    let answer = if outcome.replayed || !same_versions {
                        self.answer(outcome.dossier_id, outcome.event_seq, None)
                            .await?
                    } else {
                        view(&written, &ctx, outcome.event_seq, None)
                    };
                    if !outcome.replayed {
                        tracing::info!(
                            code = %answer.code,
                            action = action.kind().as_str(),
                            status = answer.status,
                            actor = %user.id,
                            "dossier moved"
                        );
                    }
                    return Ok(answer);
                }
                Err(DossierError::Conflict) => {
                    last_conflict = DossierError::Conflict;
                    // The same key may have won on another node meanwhile.
                    if let Some(answer) = self.replay(user, key, hash, None).await? {
                        return Ok(answer);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_conflict)
    }

    /// Decides `action` as the first of the user's roles that may do it (the current step's
    /// role first); the error of the first try when none may.
    pub(crate) fn decide_as(
        &self,
        user: &User,
        state: &Dossier,
        action: &Action,
        ctx: &DossierContext,
    ) -> DossierResult<Transition> {
        let kind = action.kind();
        let step_role = state
            .current_step
            .as_ref()
            .and_then(|s| ctx.workflow.step(s))
            .map(|s| s.role);
        let actors = actors_for(user, kind, step_role);
        let limit = ctx.procedure.procedure.time_limit;
        if kind == ActionKind::Accept && limit.is_none() {
            return Err(DossierError::NoTimeLimit);
        }
        let calendar = self.calendar();
        let rules = ProcedureRules {
            workflow: &ctx.workflow,
            calendar: &calendar,
            // Only acceptance uses the limit (domain.md §4: the pinned version's).
            limit: limit.unwrap_or(TimeLimit::working_days(0)),
            cutoff: ctx
                .procedure
                .procedure
                .cutoff_15h
                .then_some(self.settings.cutoff),
        };
        let now = local_now(self);
        let mut first_error = None;
        for acting in &actors {
            match decide(state, acting, action, now, &rules) {
                Ok(t) => return Ok(t),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(match first_error {
            Some(e) => e.into(),
            None => DomainError::RoleNotAllowed {
                role: user.roles.first().copied().unwrap_or(Role::Applicant),
                action: kind,
            }
            .into(),
        })
    }

    /// A dossier with its personal data, if the user may see it (the read is logged).
    pub async fn dossier_detail(&self, user: &User, code: &str) -> DossierResult<DossierDetail> {
        let stored = self.visible_dossier(user, code).await?;
        let ctx = self.context(&stored.dossier).await?;
        let events = self.store.dossier_events(stored.id).await?;
        let attachments = events
            .iter()
            .flat_map(|e| {
                e.attachments.iter().map(|a| AttachmentView {
                    event_seq: e.seq,
                    record: a.clone(),
                })
            })
            .collect();
        log_personal_read(user, "dossier_detail", &stored.dossier.code.to_string());
        let now = local_now(self);
        Ok(DossierDetail {
            dossier: view(&stored.dossier, &ctx, stored.events, None),
            overdue: stored.dossier.is_overdue(now),
            applicant: stored.applicant,
            form: stored.form,
            attachments,
            due_soon_flagged: stored.due_soon_flagged,
            late_flagged: stored.late_flagged,
        })
    }

    /// The dossier's events, oldest first, with who made them (names looked up).
    pub async fn timeline(&self, user: &User, code: &str) -> DossierResult<Vec<TimelineEntry>> {
        let stored = self.visible_dossier(user, code).await?;
        let ctx = self.context(&stored.dossier).await?;
        let events = self.store.dossier_events(stored.id).await?;
        let mut names: HashMap<String, String> = HashMap::new();
        let mut out = Vec::with_capacity(events.len());
        for e in &events {
            let actor = match &e.event {
                Some(ev) => Some(self.actor_view(&ev.actor, &mut names).await?),
                None => None,
            };
            out.push(timeline_entry(e, actor, &ctx));
        }
        log_personal_read(user, "timeline", &stored.dossier.code.to_string());
        Ok(out)
    }

    pub(crate) async fn user_name(
        &self,
        user_id: &str,
        cache: &mut HashMap<String, String>,
    ) -> DossierResult<String> {
        if let Some(n) = cache.get(user_id) {
            return Ok(n.clone());
        }
        let name = self
            .store
            .user(user_id)
            .await?
            .map(|u| u.name)
            .unwrap_or_else(|| user_id.to_string());
        cache.insert(user_id.to_string(), name.clone());
        Ok(name)
    }

    async fn actor_view(
        &self,
        a: &Actor,
        cache: &mut HashMap<String, String>,
    ) -> DossierResult<ActorView> {
        Ok(ActorView {
            user_id: a.user_id.clone(),
            name: self.user_name(&a.user_id, cache).await?,
            role: a.role,
            role_label: a.role.label_vi().to_string(),
            agency: a.agency.clone(),
        })
    }

    /// The agencies whose dossiers a staff user sees; `None` for a citizen (own dossiers).
    pub(crate) async fn scope(&self, user: &User) -> DossierResult<Option<Vec<AgencyEId>>> {
        if is_citizen(user) {
            return Ok(None);
        }
        if user.roles.contains(&Role::ProvinceAdmin) {
            let all = self.store.agencies().await?;
            return Ok(Some(all.into_iter().map(|a| a.eid).collect()));
        }
        match &user.agency {
            Some(a) => Ok(Some(vec![a.clone()])),
            None => Err(DossierError::Forbidden),
        }
    }

    /// A queue (work list) or search: always within the user's scope, newest first.
    pub async fn queue(&self, user: &User, filter: &QueueFilter) -> DossierResult<QueuePage> {
        let limit = match filter.limit {
            0 => 50,
            n => n.min(MAX_PAGE),
        };
        let mut query = DossierQuery {
            limit,
            before_id: filter.before,
            ..Default::default()
        };
        match self.scope(user).await? {
            Some(agencies) => query.agencies = agencies,
            None => query.applicant_id = Some(user.id.clone()),
        }
        if let Some(step) = filter.step.as_deref().filter(|s| !s.trim().is_empty()) {
            query.steps = vec![step.trim().to_string()];
        }
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            validate_text("q", q, 200)?;
            query.text = Some(q.to_string());
        }
        if let Some(p) = filter.procedure.as_deref().filter(|p| !p.trim().is_empty()) {
            query.procedure = Some(
                ProcedureCode::parse(p)
                    .map_err(|e| DossierError::InvalidProcedureCode(e.to_string()))?,
            );
        }
        let now = local_now(self);
        use NationalStatus::*;
        match filter.kind {
            QueueKind::All => {}
            QueueKind::Paused => query.paused = true,
            QueueKind::Overdue => {
                query.statuses = vec![Accepted, Processing];
                query.due_before = Some(now);
            }
            QueueKind::DueSoon => {
                query.statuses = vec![Accepted, Processing];
                query.due_before = Some(
                    self.calendar()
                        .add_working_minutes(now, DUE_SOON_WORKING_HOURS * 60),
                );
            }
            QueueKind::Mine => query.statuses = vec![Registered, Accepted, Processing, ResultReady],
        }
        // `mine` and `due_soon` refine the store's answer; read on until the page is full.
        let refine = matches!(filter.kind, QueueKind::Mine | QueueKind::DueSoon);
        let mut items = Vec::new();
        let mut cursor = filter.before;
        let mut more = false;
        let mut workflows: HashMap<(ProcedureCode, u32), Option<Arc<WorkflowDefinition>>> =
            HashMap::new();
        let snapshot = self.catalog.snapshot();
        for _round in 0..10 {
            query.before_id = cursor;
            let batch = self.store.find_dossiers(&query).await?;
            more = batch.len() as u32 >= query.limit;
            for (i, s) in batch.iter().enumerate() {
                cursor = Some(s.id);
                let keep = match filter.kind {
                    QueueKind::DueSoon => !s.dossier.is_overdue(now),
                    QueueKind::Mine => {
                        let key = (s.dossier.procedure_code.clone(), s.dossier.workflow_version);
                        if !workflows.contains_key(&key) {
                            let w = self.context(&s.dossier).await.ok().map(|c| c.workflow);
                            workflows.insert(key.clone(), w);
                        }
                        let workflow = workflows.get(&key).and_then(|w| w.as_deref());
                        works_at(user, &s.dossier, workflow)
                    }
                    _ => true,
                };
                if keep {
                    items.push(queue_item(s, now, &snapshot));
                    if items.len() as u32 >= limit {
                        more = more || i + 1 < batch.len();
                        break;
                    }
                }
            }
            if !refine || !more || items.len() as u32 >= limit {
                break;
            }
        }
        let next_before = if more { cursor } else { None };
        let codes: Vec<&str> = items.iter().take(50).map(|i| i.code.as_str()).collect();
        log_personal_read(user, "queue", &codes.join(","));
        Ok(QueuePage { items, next_before })
    }

    /// The public status look-up: the code and the secret printed on the receipt; `None` when
    /// either is wrong (the two cases are not told apart). No personal data.
    pub async fn public_status(
        &self,
        code: &str,
        secret: &str,
    ) -> DossierResult<Option<PublicStatus>> {
        let given = secret_hash(secret);
        let Ok(code) = DossierCode::parse(code) else {
            return Ok(None);
        };
        let Some(stored) = self.store.dossier_by_code(&code).await? else {
            return Ok(None);
        };
        if secret.trim().is_empty() || !constant_time_eq(&given, &stored.lookup_secret_hash) {
            return Ok(None);
        }
        let d = &stored.dossier;
        let procedure_name = self
            .store
            .procedure_version(&d.procedure_code, d.procedure_version)
            .await?
            .map(|p| p.procedure.name)
            .unwrap_or_default();
        Ok(Some(PublicStatus {
            code: d.code.to_string(),
            procedure_code: d.procedure_code.to_string(),
            procedure_name,
            status: d.status.code(),
            status_label: d.status.label_vi().to_string(),
            status_label_en: d.status.label_en().to_string(),
            received_at: d.received_at,
            accepted_at: d.accepted_at,
            due: d.due,
            result_ready_at: d.result_ready_at,
            delivered_at: d.delivered_at,
            ended_at: d.ended_at,
        }))
    }

    /// Checks and stores an uploaded file (any signed-in user may upload; a dossier cites it
    /// later by its SHA-256).
    pub async fn upload_attachment(
        &self,
        user: &User,
        declared_name: &str,
        bytes: &[u8],
    ) -> DossierResult<UploadedAttachment> {
        let objects = self.object_store()?;
        let checked = check(&upload_policy(), declared_name, bytes)?;
        let stored = objects.put(&checked, bytes).await?;
        tracing::info!(
            actor = %user.id,
            sha256 = %stored.sha256,
            size = stored.size,
            file_type = stored.file_type.code(),
            "attachment uploaded"
        );
        Ok(UploadedAttachment {
            sha256: stored.sha256.to_hex(),
            size: stored.size,
            file_type: stored.file_type.code().to_string(),
            mime: stored.file_type.mime().to_string(),
            name: checked.safe_name().to_string(),
            type_mismatch: checked.type_mismatch(),
        })
    }

    /// An attachment of a dossier the user may see (the read is logged).
    pub async fn attachment(
        &self,
        user: &User,
        code: &str,
        sha256: &str,
    ) -> DossierResult<AttachmentFile> {
        let hash =
            ContentHash::parse(sha256.trim()).map_err(|_| DossierError::AttachmentNotFound)?;
        let stored = self.visible_dossier(user, code).await?;
        let events = self.store.dossier_events(stored.id).await?;
        let record = events
            .iter()
            .flat_map(|e| e.attachments.iter())
            .find(|a| a.sha256 == hash.to_hex())
            .cloned()
            .ok_or(DossierError::AttachmentNotFound)?;
        let bytes = self
            .object_store()?
            .get(&hash)
            .await?
            .ok_or(DossierError::AttachmentNotFound)?;
        let mime = sniff(&bytes).map_or("application/octet-stream", FileType::mime);
        log_personal_read(user, "attachment", &stored.dossier.code.to_string());
        Ok(AttachmentFile {
            bytes,
            mime,
            name: record.name,
        })
    }
}

/// Whether the user works at the dossier's current step: its role and its agency.
fn works_at(user: &User, d: &Dossier, workflow: Option<&WorkflowDefinition>) -> bool {
    let Some(step) = d
        .current_step
        .as_ref()
        .and_then(|s| workflow.and_then(|w| w.step(s)))
    else {
        return false;
    };
    if !user.roles.contains(&step.role) {
        return false;
    }
    if let Some(other) = &d.transferred_to {
        return user.agency.as_ref() == Some(other);
    }
    let agency = match &step.agency {
        tinhso_domain::dossier::AgencyScope::Receiving => &d.receiving_agency,
        tinhso_domain::dossier::AgencyScope::Competent => &d.competent_agency,
        tinhso_domain::dossier::AgencyScope::Named(eid) => eid,
    };
    user.agency.as_ref() == Some(agency)
        || (step.agency == tinhso_domain::dossier::AgencyScope::Receiving
            && user.agency.as_ref() == Some(&d.received_point))
}

fn queue_item(
    s: &StoredDossier,
    now: DateTime,
    snapshot: &crate::catalog::CatalogSnapshot,
) -> QueueItem {
    let d = &s.dossier;
    QueueItem {
        code: d.code.to_string(),
        procedure_code: d.procedure_code.to_string(),
        procedure_name: snapshot
            .records
            .get(&d.procedure_code)
            .map(|p| p.procedure.name.clone())
            .unwrap_or_default(),
        status: d.status.code(),
        status_label: d.status.label_vi().to_string(),
        current_step: d.current_step.as_ref().map(|s| s.to_string()),
        channel: d.channel,
        received_at: d.received_at,
        due: d.due,
        applicant_name: s.applicant.name.clone(),
        overdue: d.is_overdue(now),
        due_soon_flagged: s.due_soon_flagged,
        late_flagged: s.late_flagged,
    }
}

fn timeline_entry(
    e: &StoredEvent,
    actor: Option<ActorView>,
    ctx: &DossierContext,
) -> TimelineEntry {
    match &e.event {
        Some(ev) => event_entry(e, ev, actor, ctx),
        None => {
            let status = e.state_after.status;
            TimelineEntry {
                seq: e.seq,
                at: to_local(e.recorded_at),
                kind: match e.flag {
                    Some(DeadlineFlag::DueSoon) => "flag_due_soon".into(),
                    Some(DeadlineFlag::Late) => "flag_late".into(),
                    None => "flag".into(),
                },
                actor: None,
                from_status: Some(status.code()),
                from_status_label: Some(status.label_vi().to_string()),
                to_status: status.code(),
                to_status_label: status.label_vi().to_string(),
                from_step: e.state_after.current_step.as_ref().map(|s| s.to_string()),
                to_step: e.state_after.current_step.as_ref().map(|s| s.to_string()),
                to_step_name: ctx.step_name(e.state_after.current_step.as_ref()),
                comment: e.comment.clone(),
                attachments: e.attachments.clone(),
                detail: None,
            }
        }
    }
}

fn event_entry(
    e: &StoredEvent,
    ev: &DossierEvent,
    actor: Option<ActorView>,
    ctx: &DossierContext,
) -> TimelineEntry {
    TimelineEntry {
        seq: e.seq,
        at: ev.at,
        kind: ev.detail.kind().as_str().to_string(),
        actor,
        from_status: ev.from_status.map(NationalStatus::code),
        from_status_label: ev.from_status.map(|s| s.label_vi().to_string()),
        to_status: ev.to_status.code(),
        to_status_label: ev.to_status.label_vi().to_string(),
        from_step: ev.from_step.as_ref().map(|s| s.to_string()),
        to_step: ev.to_step.as_ref().map(|s| s.to_string()),
        to_step_name: ctx.step_name(ev.to_step.as_ref()),
        comment: e.comment.clone(),
        attachments: e.attachments.clone(),
        detail: Some(ev.detail.clone()),
    }
}

/// The outbox message of a status change: codes and dates only, no personal data.
fn status_message(t: &Transition) -> OutboxMessage {
    OutboxMessage {
        topic: STATUS_TOPIC.to_string(),
        payload: serde_json::json!({
            "code": t.new_state.code.to_string(),
            "procedure_code": t.new_state.procedure_code.to_string(),
            "action": t.event.detail.kind().as_str(),
            "from_status": t.from_status.map(NationalStatus::code),
            "status": t.to_status.code(),
            "at": t.event.at,
            "due": t.new_state.due,
        }),
    }
}

/// Local dates of a period, checked (`from <= to`, at most a year).
pub fn check_period(from: Date, to: Date) -> DossierResult<()> {
    if to < from {
        return Err(DossierError::InvalidRequest(
            "to: ngày kết thúc trước ngày bắt đầu / the end is before the start".into(),
        ));
    }
    if from.until(to).map(|s| s.get_days()).unwrap_or(0) > 366 {
        return Err(DossierError::InvalidRequest(
            "tối đa một năm / at most one year".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_12_unambiguous_characters_and_normalize() {
        let s = encode_secret(&[0xff; 8]);
        assert_eq!(s.len(), SECRET_LEN);
        assert!(s.bytes().all(|b| SECRET_ALPHABET.contains(&b)));
        let d1 = derived_secret("u", "k", "h");
        assert_eq!(d1, derived_secret("u", "k", "h"));
        assert_ne!(d1, derived_secret("u", "k2", "h"));
        assert_eq!(secret_hash("ab-c d"), secret_hash("ABCD"));
        assert_eq!(secret_hash("O1"), secret_hash("0l"));
    }

    #[test]
    fn request_hash_ignores_key_order_but_not_content() {
        let a: Value = serde_json::from_str(r#"{"x":1,"y":2}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{ "y":2, "x":1 }"#).unwrap();
        let c: Value = serde_json::from_str(r#"{"x":1,"y":3}"#).unwrap();
        assert_eq!(request_hash("a", "t", &a), request_hash("a", "t", &b));
        assert_ne!(request_hash("a", "t", &a), request_hash("a", "t", &c));
        assert_ne!(request_hash("a", "t", &a), request_hash("a", "u", &a));
    }

    #[test]
    fn actions_parse_with_their_data() {
        let req = |action: &str| ActionRequest {
            action: action.into(),
            ..Default::default()
        };
        assert_eq!(parse_action(&req("accept")).unwrap(), Action::Accept);
        assert!(matches!(
            parse_action(&req("forward")),
            Err(DossierError::InvalidRequest(_))
        ));
        assert!(matches!(
            parse_action(&req("fly")),
            Err(DossierError::UnknownAction(_))
        ));
        let transfer = ActionRequest {
            agency: Some("000.00.02.H61".into()),
            ..req("transfer")
        };
        assert!(matches!(
            parse_action(&transfer).unwrap(),
            Action::TransferToAgency { .. }
        ));
        let extend = ActionRequest {
            new_due: Some("2026-03-10T16:00".into()),
            reason: Some("Chờ xác minh".into()),
            ..req("apologize_and_extend")
        };
        assert!(matches!(
            parse_action(&extend).unwrap(),
            Action::ApologizeAndExtend { .. }
        ));
        assert!(matches!(
            check_idempotency_key(Some("a b")),
            Err(DossierError::InvalidIdempotencyKey)
        ));
        assert_eq!(check_idempotency_key(Some("k-1")).unwrap(), Some("k-1"));
    }
}
