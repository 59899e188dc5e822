//! The dossier page (`/can-bo/ho-so/{code}`): facts, components and attachments, the forms
//! (Mẫu 01–06), the timeline, and one small form per action the signed-in officer may take now
//! ([`tinhso_app::App::available_actions`] asks the domain, so no impossible button shows).

use crate::html::PageQuery;
use std::collections::HashMap;

use askama::Template;
use axum::extract::{
    DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, Path, Request, State,
};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tinhso_app::dossiers::{
    upload_policy, ActionRequest, AttachmentInput, DossierError, DossierResult, TimelineEntry,
};
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::catalog::Channel;
use tinhso_domain::dossier::{ActionKind, EventDetail, NationalStatus, Role};
use tinhso_store::dossiers::User;

use super::{
    failure, officer, page_error, read_multipart, wants_panel, with_status, Badge, Failure,
    FilePart, Refusal,
};
use crate::dossiers::file_response;
use crate::error::ErrorCode;
use crate::html::i18n::Lang;
use crate::html::session::{random_token, see_other, CsrfForm};
use crate::html::{render, Page, PageError};
use crate::openapi::Routes;
use crate::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .get("/can-bo/ho-so/{code}", view_dossier_get)
        .route(
            Method::POST,
            "/can-bo/ho-so/{code}/thao-tac",
            post(view_dossier_action_post).layer(DefaultBodyLimit::max(
                usize::try_from(upload_policy().max_bytes)
                    .unwrap_or(usize::MAX)
                    .saturating_add(1024 * 1024),
            )),
        )
        .get("/can-bo/ho-so/{code}/mau/{number}", view_dossier_form_get)
        .get("/can-bo/ho-so/{code}/tep/{sha256}", view_dossier_file_get)
        .get("/can-bo/ho-so/{code}/in", view_dossier_print_get)
}

/// The status in the page's language.
pub(crate) fn status_words(p: &Page, code: u8, vi: &str) -> String {
    match (p.lang, NationalStatus::from_code(code)) {
        (Lang::En, Some(s)) => s.label_en().to_string(),
        _ => vi.to_string(),
    }
}

/// The message key of a role.
pub(crate) fn role_key(role: Role) -> &'static str {
    match role {
        Role::OneStopOfficer => "officer.role.one_stop_officer",
        Role::Specialist => "officer.role.specialist",
        Role::Leader => "officer.role.leader",
        Role::Clerk => "officer.role.clerk",
        Role::AgencyAdmin => "officer.role.agency_admin",
        Role::ProvinceAdmin => "officer.role.province_admin",
        Role::Applicant => "officer.role.applicant",
    }
}

pub(crate) fn channel_key(channel: Channel) -> &'static str {
    match channel {
        Channel::Counter => "officer.channel.counter",
        Channel::Online => "officer.channel.online",
        Channel::Postal => "officer.channel.postal",
    }
}

/// The button label of an action.
pub(crate) fn action_key(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Submit => "officer.action.submit",
        ActionKind::Accept => "officer.action.accept",
        ActionKind::Refuse => "officer.action.refuse",
        ActionKind::RequestSupplement => "officer.action.request_supplement",
        ActionKind::Supplement => "officer.action.supplement",
        ActionKind::RequestFinancialObligation => "officer.action.request_financial_obligation",
        ActionKind::Pay => "officer.action.pay",
        ActionKind::Forward => "officer.action.forward",
        ActionKind::TransferToAgency => "officer.action.transfer_to_agency",
        ActionKind::ReturnFromAgency => "officer.action.return_from_agency",
        ActionKind::Approve => "officer.action.approve",
        ActionKind::Stop => "officer.action.stop",
        ActionKind::Withdraw => "officer.action.withdraw",
        ActionKind::ResultReady => "officer.action.result_ready",
        ActionKind::Deliver => "officer.action.deliver",
        ActionKind::ApologizeAndExtend => "officer.action.apologize_and_extend",
    }
}

/// What an action's form explains.
fn help_key(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Submit => "officer.help.submit",
        ActionKind::Accept => "officer.help.accept",
        ActionKind::Refuse => "officer.help.refuse",
        ActionKind::RequestSupplement => "officer.help.request_supplement",
        ActionKind::Supplement => "officer.help.supplement",
        ActionKind::RequestFinancialObligation => "officer.help.request_financial_obligation",
        ActionKind::Pay => "officer.help.pay",
        ActionKind::Forward => "officer.help.forward",
        ActionKind::TransferToAgency => "officer.help.transfer_to_agency",
        ActionKind::ReturnFromAgency => "officer.help.return_from_agency",
        ActionKind::Approve => "officer.help.approve",
        ActionKind::Stop => "officer.help.stop",
        ActionKind::Withdraw => "officer.help.withdraw",
        ActionKind::ResultReady => "officer.help.result_ready",
        ActionKind::Deliver => "officer.help.deliver",
        ActionKind::ApologizeAndExtend => "officer.help.apologize_and_extend",
    }
}

/// The timeline label of an event kind (`flag_due_soon` / `flag_late` for the scheduler's).
fn event_key(kind: &str) -> &'static str {
    match kind {
        "submit" => "officer.event.submit",
        "accept" => "officer.event.accept",
        "refuse" => "officer.event.refuse",
        "request_supplement" => "officer.event.request_supplement",
        "supplement" => "officer.event.supplement",
        "request_financial_obligation" => "officer.event.request_financial_obligation",
        "pay" => "officer.event.pay",
        "forward" => "officer.event.forward",
        "transfer_to_agency" => "officer.event.transfer_to_agency",
        "return_from_agency" => "officer.event.return_from_agency",
        "approve" => "officer.event.approve",
        "stop" => "officer.event.stop",
        "withdraw" => "officer.event.withdraw",
        "result_ready" => "officer.event.result_ready",
        "deliver" => "officer.event.deliver",
        "apologize_and_extend" => "officer.event.apologize_and_extend",
        "flag_due_soon" => "officer.event.flag_due_soon",
        "flag_late" => "officer.event.flag_late",
        _ => "officer.event.other",
    }
}

/// The label of the reason field, for the actions that need one.
fn reason_key(kind: ActionKind) -> Option<&'static str> {
    match kind {
        ActionKind::Refuse => Some("officer.field.reason_refuse"),
        ActionKind::RequestSupplement => Some("officer.field.reason_supplement"),
        ActionKind::Stop => Some("officer.field.reason_stop"),
        ActionKind::ApologizeAndExtend => Some("officer.field.reason_extend"),
        _ => None,
    }
}

pub(crate) struct FileLink {
    pub name: String,
    pub href: String,
    pub size: String,
}

pub(crate) struct ComponentRow {
    pub name: String,
    pub required: bool,
    pub files: Vec<FileLink>,
}

pub(crate) struct EventRow {
    pub at: String,
    pub label: &'static str,
    pub who: String,
    pub change: String,
    pub step: String,
    pub detail: String,
    pub comment: String,
    pub files: Vec<FileLink>,
}

pub(crate) struct FormLink {
    pub number: &'static str,
    pub label: &'static str,
    pub href: String,
}

/// One action's small form.
pub(crate) struct ActionForm {
    pub action: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub idem: String,
    pub reason: Option<&'static str>,
    pub amount: bool,
    pub new_due: bool,
    pub agencies: Vec<(String, String)>,
    pub to_steps: Vec<(String, String)>,
    pub danger: bool,
    /// What was typed, when this form's post was refused.
    pub typed: ActionFields,
}

/// What the dossier panel shows.
pub(crate) struct Panel {
    pub code: String,
    pub base: String,
    pub procedure: String,
    pub applicant: String,
    pub applicant_id: String,
    pub applicant_contact: String,
    pub applicant_address: String,
    pub channel: &'static str,
    pub received: String,
    pub accepted: String,
    pub due: String,
    pub original_due: String,
    pub status: String,
    pub step: String,
    pub receiving: String,
    pub competent: String,
    pub transferred: String,
    pub badge: Option<Badge>,
    pub components: Vec<ComponentRow>,
    pub others: Vec<FileLink>,
    pub forms: Vec<FormLink>,
    pub timeline: Vec<EventRow>,
    pub actions: Vec<ActionForm>,
    pub done: Option<&'static str>,
    pub error: Option<Refusal>,
}

#[derive(Template)]
#[template(path = "officer/dossier.html")]
struct DossierTemplate {
    p: Page,
    d: Panel,
}

#[derive(Template)]
#[template(path = "officer/dossier_panel.html")]
struct DossierPanelTemplate {
    p: Page,
    d: Panel,
}

#[derive(Template)]
#[template(path = "officer/print.html")]
struct PrintTemplate {
    p: Page,
    d: Panel,
}

/// The fields of an action form (all optional text; the app parses them).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ActionFields {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub to_step: String,
    #[serde(default)]
    pub agency: String,
    #[serde(default)]
    pub new_due: String,
    #[serde(default)]
    pub amount_vnd: String,
    #[serde(default)]
    pub idempotency_key: String,
}

/// A posted action form: url-encoded, or `multipart/form-data` when it may carry a file (the
/// `attachment` field). The CSRF token is checked either way.
pub struct PostedAction {
    page: Page,
    fields: ActionFields,
    file: Option<FilePart>,
}

impl FromRequest<AppState> for PostedAction {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("multipart/form-data"));
        if !multipart {
            let CsrfForm(page, fields) = CsrfForm::<ActionFields>::from_request(req, state).await?;
            return Ok(PostedAction {
                page,
                fields,
                file: None,
            });
        }
        let (mut parts, body) = req.into_parts();
        let Ok(page) = Page::from_request_parts(&mut parts, state).await;
        let form = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| PageError::detail(ErrorCode::InvalidRequest, e.body_text()))?;
        let (texts, mut files) = read_multipart(form, |name| name == "attachment").await?;
        page.check_csrf(texts.get("csrf").map_or("", String::as_str))?;
        let fields: ActionFields = serde_json::to_value(&texts)
            .and_then(serde_json::from_value)
            .map_err(|e| PageError::detail(ErrorCode::InvalidRequest, e.to_string()))?;
        Ok(PostedAction {
            page,
            fields,
            file: files.pop(),
        })
    }
}

fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

fn file_link(code: &str, name: &str, sha256: &str, size: u64) -> FileLink {
    FileLink {
        name: name.to_string(),
        href: format!("/can-bo/ho-so/{code}/tep/{sha256}"),
        size: size_text(size),
    }
}

/// The forms a dossier has, from what happened to it.
fn forms_of(p: &Page, code: &str, timeline: &[TimelineEntry]) -> Vec<FormLink> {
    let happened = |k: &str| timeline.iter().any(|e| e.kind == k);
    let mut out = Vec::new();
    let mut add = |number: &'static str, label: &'static str| {
        out.push(FormLink {
            number,
            label: p.t(label),
            href: format!("/can-bo/ho-so/{code}/mau/{number}"),
        })
    };
    if happened("accept") {
        add("01", "officer.form.01");
    }
    if happened("request_supplement") {
        add("02", "officer.form.02");
    }
    if happened("refuse") {
        add("03", "officer.form.03");
    }
    if happened("apologize_and_extend") {
        add("04", "officer.form.04");
    }
    if happened("stop") {
        add("05", "officer.form.05");
    }
    if happened("accept") {
        add("06", "officer.form.06");
    }
    out
}

fn event_detail(p: &Page, d: &EventDetail) -> String {
    let dt = |x: &jiff::civil::DateTime| p.datetime(x);
    match d {
        EventDetail::Accepted { due, .. } => format!("{} {}", p.t("officer.detail.due"), dt(due)),
        EventDetail::Refused { reason }
        | EventDetail::SupplementRequested { reason }
        | EventDetail::Stopped { reason } => {
            format!("{} {}", p.t("officer.detail.reason"), reason)
        }
        EventDetail::FinancialObligationRequested { amount_vnd } => format!(
            "{} {}",
            p.t("officer.detail.amount"),
            p.money(i64::try_from(*amount_vnd).unwrap_or(i64::MAX))
        ),
        EventDetail::Supplemented {
            due_after: Some(after),
            ..
        }
        | EventDetail::Paid {
            due_after: Some(after),
            ..
        } => format!("{} {}", p.t("officer.detail.due_moved"), dt(after)),
        EventDetail::TransferredToAgency { eid } | EventDetail::ReturnedFromAgency { eid } => {
            format!("{} {}", p.t("officer.detail.agency"), eid)
        }
        EventDetail::Extended {
            previous_due,
            new_due,
            reason,
        } => format!(
            "{} {} → {}. {} {}",
            p.t("officer.detail.extended"),
            dt(previous_due),
            dt(new_due),
            p.t("officer.detail.reason"),
            reason
        ),
        _ => String::new(),
    }
}

async fn agency_name(state: &AppState, eid: &AgencyEId) -> DossierResult<String> {
    Ok(match state.app.store.agency(eid).await? {
        Some(a) => format!("{} ({eid})", a.name),
        None => eid.to_string(),
    })
}

/// Builds the panel of dossier `code` as `user` sees it now.
pub(crate) async fn panel(
    state: &AppState,
    p: &Page,
    user: &User,
    code: &str,
    done: Option<&'static str>,
    error: Option<(Refusal, ActionFields)>,
) -> DossierResult<Panel> {
    let detail = state.app.dossier_detail(user, code).await?;
    let timeline = state.app.timeline(user, code).await?;
    let available = state.app.available_actions(user, code).await?;
    let v = &detail.dossier;
    let code = v.code.clone();
    let procedure = state
        .app
        .store
        .procedure_version(
            &tinhso_domain::catalog::ProcedureCode::parse(&v.procedure_code)
                .map_err(|e| DossierError::InvalidProcedureCode(e.to_string()))?,
            v.procedure_version,
        )
        .await?;
    let components_def = procedure
        .as_ref()
        .map(|pv| pv.procedure.components.clone())
        .unwrap_or_default();
    let mut by_component: HashMap<&str, Vec<FileLink>> = HashMap::new();
    for a in &detail.attachments {
        by_component
            .entry(a.record.component.as_str())
            .or_default()
            .push(file_link(
                &code,
                &a.record.name,
                &a.record.sha256,
                a.record.size,
            ));
    }
    let mut components = Vec::new();
    for c in &components_def {
        components.push(ComponentRow {
            name: c.name.clone(),
            required: c.required,
            files: by_component.remove(c.name.as_str()).unwrap_or_default(),
        });
    }
    let mut others: Vec<FileLink> = by_component.into_values().flatten().collect();
    others.sort_by(|a, b| a.name.cmp(&b.name));

    let mut rows = Vec::with_capacity(timeline.len());
    for e in &timeline {
        let who = e
            .actor
            .as_ref()
            .map(|a| format!("{} — {}", a.name, p.t(role_key(a.role))))
            .unwrap_or_else(|| p.t("officer.timeline.system").to_string());
        let to = status_words(p, e.to_status, &e.to_status_label);
        let change = match (&e.from_status, &e.from_status_label) {
            (Some(from), Some(label)) if *from != e.to_status => {
                format!("{} → {to}", status_words(p, *from, label))
            }
            _ => to,
        };
        rows.push(EventRow {
            at: p.datetime(&e.at),
            label: p.t(event_key(&e.kind)),
            who,
            change,
            step: e.to_step_name.clone().unwrap_or_default(),
            detail: e
                .detail
                .as_ref()
                .map(|d| event_detail(p, d))
                .unwrap_or_default(),
            comment: e.comment.clone(),
            files: e
                .attachments
                .iter()
                .map(|a| file_link(&code, &a.name, &a.sha256, a.size))
                .collect(),
        });
    }

    let mut agencies = Vec::new();
    if available
        .iter()
        .any(|a| a.kind == ActionKind::TransferToAgency)
    {
        let today = state.app.today();
        for a in state.app.store.agencies().await? {
            let in_force = a.valid_from <= today && a.valid_to.is_none_or(|to| to >= today);
            if in_force && user.agency.as_ref() != Some(&a.eid) {
                agencies.push((a.eid.to_string(), format!("{} ({})", a.name, a.eid)));
            }
        }
        agencies.sort_by(|a, b| a.1.cmp(&b.1));
    }
    let (error, typed) = match error {
        Some((r, f)) => (Some(r), Some(f)),
        None => (None, None),
    };
    let actions = available
        .into_iter()
        .map(|a| {
            let action = a.kind.as_str();
            ActionForm {
                action,
                label: p.t(action_key(a.kind)),
                help: p.t(help_key(a.kind)),
                idem: random_token(),
                reason: reason_key(a.kind).map(|k| p.t(k)),
                amount: a.kind == ActionKind::RequestFinancialObligation,
                new_due: a.kind == ActionKind::ApologizeAndExtend,
                agencies: if a.kind == ActionKind::TransferToAgency {
                    agencies.clone()
                } else {
                    Vec::new()
                },
                to_steps: a.to_steps,
                danger: matches!(
                    a.kind,
                    ActionKind::Refuse | ActionKind::Stop | ActionKind::Withdraw
                ),
                typed: typed
                    .as_ref()
                    .filter(|t| t.action == action)
                    .cloned()
                    .unwrap_or_default(),
            }
        })
        .collect();

    let badge = super::badge(
        v.status,
        v.due.as_ref(),
        detail.overdue || detail.late_flagged,
        detail.due_soon_flagged,
        super::due_soon_limit(state),
    );
    let contact = [detail.applicant.phone.trim(), detail.applicant.email.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    let original_due = match (&v.original_due, &v.due) {
        (Some(o), Some(d)) if o != d => p.datetime(o),
        _ => String::new(),
    };
    Ok(Panel {
        base: format!("/can-bo/ho-so/{code}"),
        procedure: format!("{} — {}", v.procedure_code, v.procedure_name),
        applicant: detail.applicant.name.clone(),
        applicant_id: detail.applicant.id_number.clone(),
        applicant_contact: contact,
        applicant_address: detail.applicant.address.clone(),
        channel: p.t(channel_key(v.channel)),
        received: p.datetime(&v.received_at),
        accepted: v
            .accepted_at
            .as_ref()
            .map(|d| p.datetime(d))
            .unwrap_or_default(),
        due: v.due.as_ref().map(|d| p.datetime(d)).unwrap_or_default(),
        original_due,
        status: match p.lang {
            Lang::Vi => v.status_label.clone(),
            Lang::En => v.status_label_en.clone(),
        },
        step: v.current_step_name.clone().unwrap_or_default(),
        receiving: agency_name(state, &v.receiving_agency).await?,
        competent: agency_name(state, &v.competent_agency).await?,
        transferred: match &v.transferred_to {
            Some(eid) => agency_name(state, eid).await?,
            None => String::new(),
        },
        badge,
        components,
        others,
        forms: forms_of(p, &code, &timeline),
        timeline: rows,
        actions,
        done,
        error,
        code,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    xong: String,
}

/// The message key of a finished action named in `?xong=`.
fn done_key(name: &str) -> Option<&'static str> {
    ActionKind::ALL
        .into_iter()
        .find(|k| k.as_str() == name)
        .map(action_key)
}

/// `/can-bo/ho-so/{code}`
pub async fn view_dossier_get(
    State(state): State<AppState>,
    p: Page,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> Result<Response, PageError> {
    let user = officer(&p)?;
    let d = panel(&state, &p, &user, &code, done_key(&q.xong), None)
        .await
        .map_err(|e| page_error(p.lang, e))?;
    Ok(render(&DossierTemplate { p, d })?.into_response())
}

/// `/can-bo/ho-so/{code}/in`: the print view.
pub async fn view_dossier_print_get(
    State(state): State<AppState>,
    p: Page,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let user = officer(&p)?;
    let d = panel(&state, &p, &user, &code, None, None)
        .await
        .map_err(|e| page_error(p.lang, e))?;
    Ok(render(&PrintTemplate { p, d })?.into_response())
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The API request of a posted action form; a refusal if the amount is not a number.
fn action_request(lang: Lang, f: &ActionFields) -> Result<ActionRequest, Refusal> {
    let amount = f
        .amount_vnd
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | ' '))
        .collect::<String>();
    let amount_vnd = if amount.is_empty() {
        None
    } else {
        Some(amount.parse::<u64>().map_err(|_| {
            Refusal::new(
                lang,
                ErrorCode::InvalidRequest,
                Some("amount_vnd: số tiền bằng số / the amount in digits".into()),
            )
        })?)
    };
    Ok(ActionRequest {
        action: f.action.trim().to_string(),
        reason: non_empty(&f.reason),
        comment: non_empty(&f.comment),
        to_step: non_empty(&f.to_step),
        agency: non_empty(&f.agency),
        new_due: non_empty(&f.new_due),
        amount_vnd,
        attachments: Vec::new(),
    })
}

/// `POST /can-bo/ho-so/{code}/thao-tac`: one action, applied once per idempotency key.
pub async fn view_dossier_action_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    posted: PostedAction,
) -> Result<Response, PageError> {
    let PostedAction {
        page: p,
        fields: form,
        file,
    } = posted;
    let user = officer(&p)?;
    let panel_only = wants_panel(&headers);
    let key = non_empty(&form.idempotency_key);
    let request = match action_request(p.lang, &form) {
        Ok(mut req) => match file {
            Some(f) => match attach(&state, &user, &req.action, &f).await {
                Ok(a) => {
                    req.attachments.push(a);
                    Ok(req)
                }
                Err(e) => match failure(p.lang, e) {
                    Failure::Page(err) => return Err(err),
                    Failure::Inline(r) => Err(r),
                },
            },
            None => Ok(req),
        },
        Err(r) => Err(r),
    };
    let outcome = match request {
        Ok(req) => match state.app.act(&user, &code, req, key.as_deref()).await {
            Ok(view) => Ok(view),
            Err(e) => match failure(p.lang, e) {
                Failure::Page(err) => return Err(err),
                Failure::Inline(r) => Err(r),
            },
        },
        Err(r) => Err(r),
    };
    match outcome {
        Ok(view) => {
            let done = done_key(form.action.trim());
            if panel_only {
                let d = panel(&state, &p, &user, &view.code, done, None)
                    .await
                    .map_err(|e| page_error(p.lang, e))?;
                return Ok(render(&DossierPanelTemplate { p, d })?.into_response());
            }
            let name = form.action.trim();
            Ok(see_other(&format!(
                "/can-bo/ho-so/{}?xong={}",
                view.code,
                if done.is_some() { name } else { "" }
            )))
        }
        Err(refusal) => {
            tracing::info!(code = refusal.code, "officer action refused");
            let d = panel(&state, &p, &user, &code, None, Some((refusal, form)))
                .await
                .map_err(|e| page_error(p.lang, e))?;
            if panel_only {
                // htmx swaps only 2xx answers: the refusal is in the panel.
                return Ok(render(&DossierPanelTemplate { p, d })?.into_response());
            }
            Ok(with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&DossierTemplate { p, d })?,
            ))
        }
    }
}

/// Checks and stores the file posted with an action; the component it is recorded under is
/// dossier data, in Vietnamese: the result for `result_ready`, an attachment otherwise.
async fn attach(
    state: &AppState,
    user: &User,
    action: &str,
    file: &FilePart,
) -> DossierResult<AttachmentInput> {
    let stored = state
        .app
        .upload_attachment(user, &file.name, &file.bytes)
        .await?;
    let component = if action == ActionKind::ResultReady.as_str() {
        "Kết quả giải quyết"
    } else {
        "Tệp đính kèm"
    };
    Ok(AttachmentInput {
        component: component.to_string(),
        sha256: stored.sha256,
        name: Some(stored.name),
    })
}

/// `/can-bo/ho-so/{code}/mau/{number}`: Mẫu 01–06 as PDF.
pub async fn view_dossier_form_get(
    State(state): State<AppState>,
    p: Page,
    Path((code, number)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = officer(&p)?;
    let pdf = state
        .app
        .dossier_form(&user, &code, &number)
        .await
        .map_err(|e| page_error(p.lang, e))?;
    let name = format!("mau-{number}-{}.pdf", code.trim());
    Ok(file_response(pdf, "application/pdf", &name, "inline"))
}

/// `/can-bo/ho-so/{code}/tep/{sha256}`: an attachment of the dossier, as a download.
pub async fn view_dossier_file_get(
    State(state): State<AppState>,
    p: Page,
    Path((code, sha256)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = officer(&p)?;
    let file = state
        .app
        .attachment(&user, &code, &sha256)
        .await
        .map_err(|e| page_error(p.lang, e))?;
    Ok(file_response(
        file.bytes,
        file.mime,
        &file.name,
        "attachment",
    ))
}
