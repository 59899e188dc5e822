//! A citizen's own dossiers: `/ho-so-cua-toi` and `/ho-so-cua-toi/{code}` with the timeline,
//! the supplement answer, withdrawal, downloads and the satisfaction rating.
//!
//! Another citizen's dossier is the same 404 as a code that does not exist (the use cases
//! answer `dossier_not_found`), so codes cannot be probed.

use crate::html::PageQuery;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::{Html, Response};
use axum::routing::post;
use tinhso_app::dossiers::{
    ActionRequest, AttachmentInput, DossierDetail, QueueFilter, QueueItem, QueueKind, TimelineEntry,
};
use tinhso_domain::dossier::{EventDetail, NationalStatus, Role};
use tinhso_store::dossiers::User;
use tinhso_store::ratings::DossierRating;

use super::submit::{body_limit, check_multipart_csrf, upload_message, MultipartForm};
use super::{next_key, page_error, status_class, status_in, status_key};
use crate::html::render;
use crate::html::session::{random_token, see_other, CsrfForm, Page, PageError};
use crate::openapi::Routes;
use crate::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .get("/ho-so-cua-toi", view_mine_get)
        .get("/ho-so-cua-toi/{code}", view_dossier_get)
        .route(
            Method::POST,
            "/ho-so-cua-toi/{code}/bo-sung",
            post(view_supplement_post).layer(DefaultBodyLimit::max(body_limit())),
        )
        .get("/ho-so-cua-toi/{code}/rut", view_withdraw_get)
        .post("/ho-so-cua-toi/{code}/rut", view_withdraw_post)
        .post("/ho-so-cua-toi/{code}/danh-gia", view_rate_post)
        .get("/ho-so-cua-toi/{code}/tep/{sha256}", view_file_get)
        .get("/ho-so-cua-toi/{code}/mau/{number}", view_form_get)
}

fn citizen(p: &Page) -> Result<User, PageError> {
    p.require_role(&[Role::Applicant]).cloned()
}

/// Statuses from which the applicant may withdraw (domain.md §2.2).
const WITHDRAWABLE: [NationalStatus; 5] = [
    NationalStatus::Registered,
    NationalStatus::Accepted,
    NationalStatus::Processing,
    NationalStatus::SupplementRequested,
    NationalStatus::FinancialObligation,
];

#[derive(Template)]
#[template(path = "portal/mine.html")]
struct MineTemplate {
    p: Page,
    items: Vec<QueueItem>,
    next_url: Option<String>,
}

impl MineTemplate {
    fn status_words(&self, i: &QueueItem) -> &'static str {
        self.p.t(status_key(i.status))
    }
    fn status_class(&self, i: &QueueItem) -> &'static str {
        status_class(i.status)
    }
}

#[derive(serde::Deserialize, Default)]
pub struct MineQuery {
    #[serde(default)]
    truoc: String,
}

/// `/ho-so-cua-toi`: the citizen's dossiers, newest first.
pub async fn view_mine_get(
    State(state): State<AppState>,
    p: Page,
    PageQuery(q): PageQuery<MineQuery>,
) -> Result<Html<String>, PageError> {
    let user = citizen(&p)?;
    let page = state
        .app
        .queue(
            &user,
            &QueueFilter {
                kind: QueueKind::All,
                limit: 50,
                before: q.truoc.trim().parse().ok(),
                ..Default::default()
            },
        )
        .await
        .map_err(page_error)?;
    render(&MineTemplate {
        p,
        items: page.items,
        next_url: page
            .next_before
            .map(|b| format!("/ho-so-cua-toi?truoc={b}")),
    })
}

/// A line of the timeline, in words.
struct Step {
    at: String,
    what: &'static str,
    status: &'static str,
    who: String,
    reason: String,
    comment: String,
    files: usize,
}

/// A file of the dossier.
struct FileLink {
    component: String,
    name: String,
    size_kb: u64,
    url: String,
    from_agency: bool,
}

/// A form of the dossier (PDF).
struct FormLink {
    label: &'static str,
    url: String,
}

#[derive(Template)]
#[template(path = "portal/dossier.html")]
struct DossierTemplate {
    p: Page,
    d: DossierDetail,
    status_words: &'static str,
    status_class: &'static str,
    next: &'static str,
    due: Option<String>,
    received: String,
    /// What the applicant asked for (the e-form's `noi_dung`).
    request: Option<String>,
    steps: Vec<Step>,
    files: Vec<FileLink>,
    forms: Vec<FormLink>,
    supplement_reason: Option<String>,
    components: Vec<super::submit::ComponentInput>,
    can_supplement: bool,
    can_withdraw: bool,
    can_rate: bool,
    rating: Option<DossierRating>,
    key: String,
    notice: Option<&'static str>,
}

#[derive(serde::Deserialize, Default)]
pub struct DossierQuery {
    #[serde(default)]
    xong: String,
}

fn event_key(kind: &str) -> &'static str {
    match kind {
        "submit" => "portal.event.submit",
        "accept" => "portal.event.accept",
        "refuse" => "portal.event.refuse",
        "request_supplement" => "portal.event.request_supplement",
        "supplement" => "portal.event.supplement",
        "request_financial_obligation" => "portal.event.request_financial_obligation",
        "pay" => "portal.event.pay",
        "forward" => "portal.event.forward",
        "transfer_to_agency" => "portal.event.transfer_to_agency",
        "return_from_agency" => "portal.event.return_from_agency",
        "approve" => "portal.event.approve",
        "stop" => "portal.event.stop",
        "withdraw" => "portal.event.withdraw",
        "result_ready" => "portal.event.result_ready",
        "deliver" => "portal.event.deliver",
        _ => "portal.event.apologize_and_extend",
    }
}

/// The form (number, label key) an event produces, if any.
fn form_of(detail: &EventDetail) -> Option<(&'static str, &'static str)> {
    Some(match detail {
        EventDetail::Accepted { .. } => ("01", "portal.form.01"),
        EventDetail::SupplementRequested { .. } => ("02", "portal.form.02"),
        EventDetail::Refused { .. } => ("03", "portal.form.03"),
        EventDetail::Extended { .. } => ("04", "portal.form.04"),
        EventDetail::Stopped { .. } => ("05", "portal.form.05"),
        _ => return None,
    })
}

/// The procedure version a dossier is pinned to.
async fn dossier_procedure(
    state: &AppState,
    d: &DossierDetail,
) -> Result<Option<tinhso_domain::catalog::ProcedureVersion>, PageError> {
    let code = tinhso_domain::catalog::ProcedureCode::parse(&d.dossier.procedure_code)
        .map_err(|_| PageError::code(crate::error::ErrorCode::ProcedureNotFound))?;
    Ok(state
        .app
        .store
        .procedure_version(&code, d.dossier.procedure_version)
        .await?)
}

fn notice_key(done: &str) -> Option<&'static str> {
    match done {
        "bo-sung" => Some("portal.dossier.done_supplement"),
        "rut" => Some("portal.dossier.done_withdraw"),
        "danh-gia" => Some("portal.dossier.done_rating"),
        _ => None,
    }
}

fn reason_of(e: &TimelineEntry) -> String {
    match &e.detail {
        Some(
            EventDetail::Refused { reason }
            | EventDetail::SupplementRequested { reason }
            | EventDetail::Stopped { reason }
            | EventDetail::Extended { reason, .. },
        ) => reason.clone(),
        _ => String::new(),
    }
}

/// `/ho-so-cua-toi/{code}`: one dossier, in plain words.
pub async fn view_dossier_get(
    State(state): State<AppState>,
    p: Page,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<DossierQuery>,
) -> Result<Html<String>, PageError> {
    let user = citizen(&p)?;
    let d = state
        .app
        .dossier_detail(&user, &code)
        .await
        .map_err(page_error)?;
    let timeline = state.app.timeline(&user, &code).await.map_err(page_error)?;
    let rating = state
        .app
        .dossier_rating(&user, &code)
        .await
        .map_err(page_error)?;
    let code = d.dossier.code.clone();
    let status = d.dossier.status;
    // The scheduler's deadline flags are for staff; the citizen sees what happened.
    let steps = timeline
        .iter()
        .filter(|e| e.detail.is_some())
        .map(|e| Step {
            at: p.datetime(&e.at),
            what: p.t(event_key(&e.kind)),
            status: p.t(status_key(e.to_status)),
            who: e
                .actor
                .as_ref()
                .filter(|a| a.role != Role::Applicant)
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            reason: reason_of(e),
            comment: e.comment.clone(),
            files: e.attachments.len(),
        })
        .collect();
    let applicant_seqs: Vec<u32> = timeline
        .iter()
        .filter(|e| e.actor.as_ref().is_some_and(|a| a.role == Role::Applicant))
        .map(|e| e.seq)
        .collect();
    let files = d
        .attachments
        .iter()
        .map(|a| FileLink {
            component: a.record.component.clone(),
            name: a.record.name.clone(),
            size_kb: a.record.size.div_ceil(1024),
            url: format!("/ho-so-cua-toi/{code}/tep/{}", a.record.sha256),
            from_agency: !applicant_seqs.contains(&a.event_seq),
        })
        .collect();
    let mut forms: Vec<FormLink> = Vec::new();
    for (number, label) in timeline
        .iter()
        .filter_map(|e| e.detail.as_ref().and_then(form_of))
    {
        let url = format!("/ho-so-cua-toi/{code}/mau/{number}");
        if !forms.iter().any(|f| f.url == url) {
            forms.push(FormLink {
                label: p.t(label),
                url,
            });
        }
    }
    let supplement_reason = timeline.iter().rev().find_map(|e| match &e.detail {
        Some(EventDetail::SupplementRequested { reason }) => Some(reason.clone()),
        _ => None,
    });
    let can_supplement = status == NationalStatus::SupplementRequested.code();
    let components = if can_supplement {
        dossier_procedure(&state, &d)
            .await?
            .map(|pv| super::submit::component_inputs(&pv))
            .unwrap_or_default()
            .into_iter()
            .filter(|c| !c.from_data)
            .collect()
    } else {
        Vec::new()
    };
    let t = DossierTemplate {
        status_words: p.t(status_key(status)),
        status_class: status_class(status),
        next: p.t(next_key(status)),
        due: d.dossier.due.as_ref().map(|due| p.datetime(due)),
        received: p.datetime(&d.dossier.received_at),
        request: d
            .form
            .get("noi_dung")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        steps,
        files,
        forms,
        supplement_reason: supplement_reason.filter(|_| can_supplement),
        components,
        can_supplement,
        can_withdraw: status_in(status, &WITHDRAWABLE),
        can_rate: status == NationalStatus::Delivered.code() && rating.is_none(),
        rating,
        key: random_token(),
        notice: notice_key(q.xong.trim()),
        d,
        p,
    };
    render(&t)
}

/// `POST /ho-so-cua-toi/{code}/bo-sung`: the missing documents and a comment.
pub async fn view_supplement_post(
    State(state): State<AppState>,
    p: Page,
    Path(code): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let user = citizen(&p)?;
    let form = MultipartForm::read(multipart).await?;
    check_multipart_csrf(&p, &headers, &form)?;
    let d = state
        .app
        .dossier_detail(&user, &code)
        .await
        .map_err(page_error)?;
    let pv = dossier_procedure(&state, &d).await?;
    let names: Vec<String> = pv
        .map(|pv| {
            pv.procedure
                .components
                .iter()
                .map(|c| c.name.clone())
                .collect()
        })
        .unwrap_or_default();
    let mut attachments = Vec::new();
    for (field, file_name, bytes) in &form.files {
        let Some(i) = field
            .strip_prefix("tep_")
            .and_then(|i| i.parse::<usize>().ok())
        else {
            continue;
        };
        let component = names
            .get(i)
            .cloned()
            .unwrap_or_else(|| p.t("portal.dossier.supplement_other").to_string());
        let up = match state.app.upload_attachment(&user, file_name, bytes).await {
            Ok(up) => up,
            Err(err @ tinhso_app::dossiers::DossierError::Upload(_)) => {
                return Err(PageError::detail(
                    crate::error::ErrorCode::from_name(err.code())
                        .unwrap_or(crate::error::ErrorCode::InvalidRequest),
                    upload_message(&p, &err),
                ));
            }
            Err(err) => return Err(page_error(err)),
        };
        attachments.push(AttachmentInput {
            component,
            sha256: up.sha256,
            name: Some(up.name),
        });
    }
    let comment = form.text("ghi_chu");
    if attachments.is_empty() && comment.is_empty() {
        return Err(PageError::detail(
            crate::error::ErrorCode::InvalidRequest,
            p.t("portal.dossier.err_supplement_empty").to_string(),
        ));
    }
    let key = form.text("khoa");
    state
        .app
        .act(
            &user,
            &code,
            ActionRequest {
                action: "supplement".into(),
                comment: Some(comment).filter(|c| !c.is_empty()),
                attachments,
                ..Default::default()
            },
            Some(key.as_str()).filter(|k| !k.is_empty()),
        )
        .await
        .map_err(page_error)?;
    Ok(see_other(&format!(
        "/ho-so-cua-toi/{}?xong=bo-sung",
        d.dossier.code
    )))
}

#[derive(Template)]
#[template(path = "portal/withdraw.html")]
struct WithdrawTemplate {
    p: Page,
    code: String,
    procedure_name: String,
    key: String,
}

/// `GET /ho-so-cua-toi/{code}/rut`: asks for confirmation.
pub async fn view_withdraw_get(
    State(state): State<AppState>,
    p: Page,
    Path(code): Path<String>,
) -> Result<Html<String>, PageError> {
    let user = citizen(&p)?;
    let d = state
        .app
        .dossier_detail(&user, &code)
        .await
        .map_err(page_error)?;
    render(&WithdrawTemplate {
        code: d.dossier.code,
        procedure_name: d.dossier.procedure_name,
        key: random_token(),
        p,
    })
}

#[derive(serde::Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    ly_do: String,
    #[serde(default)]
    khoa: String,
}

/// `POST /ho-so-cua-toi/{code}/rut`: withdraws the dossier.
pub async fn view_withdraw_post(
    State(state): State<AppState>,
    Path(code): Path<String>,
    CsrfForm(p, form): CsrfForm<WithdrawForm>,
) -> Result<Response, PageError> {
    let user = citizen(&p)?;
    let reason = form.ly_do.trim().to_string();
    let view = state
        .app
        .act(
            &user,
            &code,
            ActionRequest {
                action: "withdraw".into(),
                comment: Some(reason).filter(|r| !r.is_empty()),
                ..Default::default()
            },
            Some(form.khoa.trim()).filter(|k| !k.is_empty()),
        )
        .await
        .map_err(page_error)?;
    Ok(see_other(&format!("/ho-so-cua-toi/{}?xong=rut", view.code)))
}

#[derive(serde::Deserialize)]
pub struct RateForm {
    #[serde(default)]
    diem: String,
    #[serde(default)]
    nhan_xet: String,
}

/// `POST /ho-so-cua-toi/{code}/danh-gia`: the satisfaction rating, once.
pub async fn view_rate_post(
    State(state): State<AppState>,
    Path(code): Path<String>,
    CsrfForm(p, form): CsrfForm<RateForm>,
) -> Result<Response, PageError> {
    let user = citizen(&p)?;
    let Ok(rating) = form.diem.trim().parse::<u8>() else {
        return Err(PageError::detail(
            crate::error::ErrorCode::InvalidRequest,
            p.t("portal.rating.err_choose").to_string(),
        ));
    };
    state
        .app
        .rate_dossier(&user, &code, rating, &form.nhan_xet)
        .await
        .map_err(page_error)?;
    Ok(see_other(&format!(
        "/ho-so-cua-toi/{}?xong=danh-gia",
        code.trim()
    )))
}

/// `GET /ho-so-cua-toi/{code}/tep/{sha256}`: a file of the dossier, as a download.
pub async fn view_file_get(
    State(state): State<AppState>,
    p: Page,
    Path((code, sha256)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = citizen(&p)?;
    let file = state
        .app
        .attachment(&user, &code, &sha256)
        .await
        .map_err(page_error)?;
    Ok(crate::dossiers::file_response(
        file.bytes,
        file.mime,
        &file.name,
        "attachment",
    ))
}

/// `GET /ho-so-cua-toi/{code}/mau/{number}`: a form of the dossier as PDF.
pub async fn view_form_get(
    State(state): State<AppState>,
    p: Page,
    Path((code, number)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = citizen(&p)?;
    if number == "06" {
        return Err(PageError::code(crate::error::ErrorCode::FormNotAvailable));
    }
    let pdf = state
        .app
        .dossier_form(&user, &code, &number)
        .await
        .map_err(page_error)?;
    let name = format!("mau-{number}-{}.pdf", code.trim());
    Ok(crate::dossiers::file_response(
        pdf,
        "application/pdf",
        &name,
        "inline",
    ))
}
