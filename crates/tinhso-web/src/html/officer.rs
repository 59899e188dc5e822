//! The officer workspace under `/can-bo` (see the module docs of [`crate::html`] for the
//! conventions): queues, the dossier page with its actions and forms, counter intake, and the
//! register (Mẫu 07). Only the one-stop officer, specialist, leader and clerk roles get in (a
//! citizen or an administrator gets 403); a dossier of another agency is a plain 404.
//!
//! Every page works as plain links and form posts; htmx (`hx-*` attributes) only swaps the
//! queue panel (`#queue-panel`) and the dossier panel (`#dossier-panel`) in place. A request
//! with `HX-Request: true` (and no `HX-History-Restore-Request`) gets the panel alone.
//!
//! ## Routes and form fields (stable: the browser tests drive them)
//!
//! | Route | What |
//! |---|---|
//! | `GET /can-bo?hang=&q=&truoc=` | Queues. `hang`: `cua-toi` (my step, default), `sap-den-han` (due soon), `qua-han` (overdue), `tam-dung` (paused), `tat-ca` (all open and closed of my agency). `q`: code, applicant name or procedure code. `truoc`: the next page's cursor. Tabs are links `#tab-<hang>` with the count in `#count-<hang>`; rows are `<tr id="row-<code>">` with a link to the dossier; the search form is `#queue-search` (input `#queue-q`). |
//! | `GET /can-bo/ho-so/{code}` | The dossier page: facts `#facts` (status `#fact-status`, step `#fact-step`, due `#fact-due`), components and attachments `#components`, forms `#forms` (PDF links `#pdf-01`…`#pdf-06`, print view `#print-view`), timeline `#timeline`, actions `#actions`. After a successful post: `?xong=<action>` shows `#action-done`. |
//! | `POST /can-bo/ho-so/{code}/thao-tac` | One action. Each form is `#form-<action>` with a hidden `csrf`, a hidden `action` (`accept`, `refuse`, `request_supplement`, `supplement`, `request_financial_obligation`, `pay`, `forward`, `transfer_to_agency`, `return_from_agency`, `approve`, `stop`, `withdraw`, `result_ready`, `deliver`, `apologize_and_extend`) and a hidden `idempotency_key` (a double post applies once). Inputs by action: `reason` (`#<action>-reason`: refuse, request_supplement, stop, apologize_and_extend), `amount_vnd` (`#<action>-amount_vnd`), `to_step` (`#<action>-to_step`, a select), `agency` (`#<action>-agency`, a select of e-IDs), `new_due` (`#<action>-new_due`, `YYYY-MM-DDTHH:MM` local), `comment` (`#<action>-comment`, every form), and an optional file `attachment` (`#<action>-attachment`; for `result_ready` the result document, recorded under the component "Kết quả giải quyết"). The forms post `multipart/form-data`; url-encoded posts work too. The button is `#<action>-submit`. Success: 303 to the dossier page (htmx: the new panel). A refusal by the domain: the page again, 422, with `#action-error` (htmx: the panel, 200, since htmx does not swap 4xx answers), nothing changed. |
//! | `GET /can-bo/ho-so/{code}/mau/{01..06}` | Mẫu 01–06 as PDF (only linked once the form exists). |
//! | `GET /can-bo/ho-so/{code}/tep/{sha256}` | An attachment, as a download. |
//! | `GET /can-bo/ho-so/{code}/in` | The print view (facts, components, timeline). |
//! | `GET /can-bo/tiep-nhan?tim=&ma=` | Counter intake: `#intake-search` (input `tim`) lists procedures, each a link `#pick-<code>` to `?ma=<code>`; with `ma`, the form `#intake-form`. |
//! | `POST /can-bo/tiep-nhan` | `multipart/form-data`: `csrf`, `idempotency_key`, `procedure_code`, `channel` (`counter` or `postal`), `applicant_name`, `applicant_kind` (`1` citizen, `2` organisation), `applicant_id_number`, `applicant_phone`, `applicant_email`, `applicant_address`, `comment`, `competent_agency` (select `#competent_agency`, shown when other agencies carry out the procedure: filing anywhere in the province; default the officer's own), and per component *i* (from 0) the hidden `component_name_<i>` with the file `component_file_<i>`. Submits and accepts; answers the receipt page: code `#intake-code`, look-up secret `#intake-secret`, due `#intake-due`, link `#receipt-01` (Mẫu 01). Errors: the form again, 422, `#intake-error`. |
//! | `GET /can-bo/so-theo-doi?tu=&den=` | The register (Mẫu 07) of my agency, dates `YYYY-MM-DD` (form `#register-form`, inputs `#register-from`, `#register-to`); downloads `#register-csv`, `#register-xlsx`, `#register-pdf`. |
//! | `GET /can-bo/so-theo-doi/tai-ve?tu=&den=&dinh_dang=csv\|xlsx\|pdf` | The register file. |

mod dossier;
mod intake;
mod register;

use crate::html::PageQuery;
use askama::Template;
use std::collections::HashMap;

use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use tinhso_app::dossiers::{
    DossierError, QueueFilter, QueueItem, QueueKind, DUE_SOON_WORKING_HOURS, MAX_PAGE,
};
use tinhso_domain::dossier::Role;
use tinhso_store::dossiers::User;

use super::i18n::Lang;
use super::session::encode_query;
use super::{render, Page, PageError};
use crate::error::{ApiError, ErrorCode};
use crate::openapi::Routes;
use crate::AppState;

/// The roles that work in the officer workspace.
pub const OFFICER_ROLES: [Role; 4] = [
    Role::OneStopOfficer,
    Role::Specialist,
    Role::Leader,
    Role::Clerk,
];

pub fn routes() -> Routes {
    Routes::new()
        .get("/can-bo", view_queues_get)
        .merge(dossier::routes())
        .merge(intake::routes())
        .merge(register::routes())
}

/// The signed-in officer, or sign-in / 403.
fn officer(p: &Page) -> Result<User, PageError> {
    p.require_role(&OFFICER_ROLES).cloned()
}

/// An htmx request that wants a panel (not a history restore, which needs the whole page).
fn wants_panel(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
        && headers.get("hx-history-restore-request").is_none()
}

/// A refusal to show in the page (the domain said no, or the input is wrong).
#[derive(Debug, Clone)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
    pub detail: Option<String>,
}

impl Refusal {
    fn new(lang: Lang, code: ErrorCode, detail: Option<String>) -> Self {
        let (vi, en) = code.messages();
        Refusal {
            code: code.as_str(),
            message: match lang {
                Lang::Vi => vi,
                Lang::En => en,
            }
            .to_string(),
            detail,
        }
    }
}

/// How a dossier use case failed, for a page: an error page (not found, another agency's
/// dossier, the database down) or a refusal shown in the page (422, nothing changed).
enum Failure {
    Page(PageError),
    Inline(Refusal),
}

fn failure(lang: Lang, e: DossierError) -> Failure {
    let hidden = matches!(
        e,
        DossierError::NotFound | DossierError::Forbidden | DossierError::InvalidDossierCode(_)
    );
    if hidden {
        // Another agency's dossier is not found here (it is not the officer's to know of).
        return Failure::Page(PageError::code(ErrorCode::DossierNotFound));
    }
    let api = ApiError::from(e);
    if api.code.status().is_server_error() {
        return Failure::Page(api.into());
    }
    Failure::Inline(Refusal::new(lang, api.code, api.detail))
}

/// A dossier use case's error as an error page.
fn page_error(lang: Lang, e: DossierError) -> PageError {
    match failure(lang, e) {
        Failure::Page(p) => p,
        Failure::Inline(r) => PageError::Code(
            ErrorCode::from_name(r.code).unwrap_or(ErrorCode::InvalidRequest),
            r.detail,
        ),
    }
}

/// A queue tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TabDef {
    slug: &'static str,
    kind: QueueKind,
    label: &'static str,
}

const TABS: [TabDef; 5] = [
    TabDef {
        slug: "cua-toi",
        kind: QueueKind::Mine,
        label: "officer.tab.mine",
    },
    TabDef {
        slug: "sap-den-han",
        kind: QueueKind::DueSoon,
        label: "officer.tab.due_soon",
    },
    TabDef {
        slug: "qua-han",
        kind: QueueKind::Overdue,
        label: "officer.tab.overdue",
    },
    TabDef {
        slug: "tam-dung",
        kind: QueueKind::Paused,
        label: "officer.tab.paused",
    },
    TabDef {
        slug: "tat-ca",
        kind: QueueKind::All,
        label: "officer.tab.all",
    },
];

struct Tab {
    slug: &'static str,
    label: &'static str,
    count: String,
    href: String,
    current: bool,
}

/// A badge next to a dossier: late, due soon, paused.
pub(crate) struct Badge {
    pub class: &'static str,
    pub label: &'static str,
}

struct Row {
    code: String,
    href: String,
    procedure: String,
    applicant: String,
    status: String,
    received: String,
    due: String,
    badge: Option<Badge>,
}

#[derive(Template)]
#[template(path = "officer/queues.html")]
struct QueuesTemplate {
    p: Page,
    q: QueuePanel,
}

#[derive(Template)]
#[template(path = "officer/queue_panel.html")]
struct QueuePanelTemplate {
    p: Page,
    q: QueuePanel,
}

struct QueuePanel {
    tabs: Vec<Tab>,
    current: &'static str,
    current_label: &'static str,
    search: String,
    rows: Vec<Row>,
    next: Option<String>,
    can_receive: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    hang: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    truoc: Option<i64>,
}

fn queue_href(slug: &str, q: &str, before: Option<i64>) -> String {
    let mut href = format!("/can-bo?hang={slug}");
    if !q.trim().is_empty() {
        href.push_str(&format!("&q={}", encode_query(q.trim())));
    }
    if let Some(b) = before {
        href.push_str(&format!("&truoc={b}"));
    }
    href
}

/// The moment before which an open dossier's due date counts as due soon (the scheduler's
/// threshold: [`DUE_SOON_WORKING_HOURS`] working hours from now), so the badge shows even
/// before the scheduler has flagged it.
pub(crate) fn due_soon_limit(state: &AppState) -> jiff::civil::DateTime {
    let now = tinhso_app::clock::to_local(state.app.clock.now());
    state
        .app
        .calendar()
        .add_working_minutes(now, DUE_SOON_WORKING_HOURS * 60)
}

/// The badge of a dossier: late, due soon (2 accepted, 4 processing), paused (5, 6).
pub(crate) fn badge(
    status: u8,
    due: Option<&jiff::civil::DateTime>,
    late: bool,
    due_soon: bool,
    limit: jiff::civil::DateTime,
) -> Option<Badge> {
    let running = matches!(status, 2 | 4);
    if late {
        Some(Badge {
            class: "bad",
            label: "officer.badge.late",
        })
    } else if due_soon || (running && due.is_some_and(|d| *d <= limit)) {
        Some(Badge {
            class: "warn",
            label: "officer.badge.due_soon",
        })
    } else if matches!(status, 5 | 6) {
        Some(Badge {
            class: "warn",
            label: "officer.badge.paused",
        })
    } else {
        None
    }
}

fn badge_of(item: &QueueItem, limit: jiff::civil::DateTime) -> Option<Badge> {
    badge(
        item.status,
        item.due.as_ref(),
        item.overdue || item.late_flagged,
        item.due_soon_flagged,
        limit,
    )
}

/// `/can-bo`: the queues with their counts, a search, and the selected queue.
pub async fn view_queues_get(
    State(state): State<AppState>,
    p: Page,
    headers: HeaderMap,
    PageQuery(query): PageQuery<QueueQuery>,
) -> Result<Response, PageError> {
    let user = officer(&p)?;
    let current = TABS
        .iter()
        .find(|t| t.slug == query.hang)
        .copied()
        .unwrap_or(TABS[0]);
    let search = query.q.trim().chars().take(200).collect::<String>();
    let mut tabs = Vec::with_capacity(TABS.len());
    for t in TABS {
        let page = state
            .app
            .queue(
                &user,
                &QueueFilter {
                    kind: t.kind,
                    limit: MAX_PAGE,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| page_error(p.lang, e))?;
        let count = if page.next_before.is_some() {
            format!("{}+", page.items.len())
        } else {
            page.items.len().to_string()
        };
        tabs.push(Tab {
            slug: t.slug,
            label: p.t(t.label),
            count,
            href: queue_href(t.slug, &search, None),
            current: t.slug == current.slug,
        });
    }
    let filter = QueueFilter {
        kind: current.kind,
        q: (!search.is_empty()).then(|| search.clone()),
        limit: 50,
        before: query.truoc,
        ..Default::default()
    };
    let page = state
        .app
        .queue(&user, &filter)
        .await
        .map_err(|e| page_error(p.lang, e))?;
    let limit = due_soon_limit(&state);
    let rows = page
        .items
        .iter()
        .map(|item| Row {
            code: item.code.clone(),
            href: format!("/can-bo/ho-so/{}", item.code),
            procedure: item.procedure_name.clone(),
            applicant: item.applicant_name.clone(),
            status: dossier::status_words(&p, item.status, &item.status_label),
            received: p.datetime(&item.received_at),
            due: item.due.as_ref().map(|d| p.datetime(d)).unwrap_or_default(),
            badge: badge_of(item, limit),
        })
        .collect();
    let panel = QueuePanel {
        tabs,
        current: current.slug,
        current_label: p.t(current.label),
        next: page
            .next_before
            .map(|b| queue_href(current.slug, &search, Some(b))),
        search,
        rows,
        can_receive: user.roles.contains(&Role::OneStopOfficer),
    };
    if wants_panel(&headers) {
        return Ok(render(&QueuePanelTemplate { p, q: panel })?.into_response());
    }
    Ok(render(&QueuesTemplate { p, q: panel })?.into_response())
}

/// The most files one form carries.
const MAX_FILES: usize = 30;

/// A file of a multipart form.
pub(crate) struct FilePart {
    /// The form field's name.
    pub field: String,
    /// The name the browser gave the file.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Reads a `multipart/form-data` body: the text fields, and the files of the fields
/// `is_file` names (a file input left empty sends an empty part: skipped).
pub(crate) async fn read_multipart(
    mut multipart: Multipart,
    is_file: impl Fn(&str) -> bool,
) -> Result<(HashMap<String, String>, Vec<FilePart>), PageError> {
    let too_large_or_bad = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            PageError::code(ErrorCode::PayloadTooLarge)
        } else {
            PageError::detail(ErrorCode::InvalidRequest, e.body_text())
        }
    };
    let mut texts = HashMap::new();
    let mut files = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(too_large_or_bad)? {
        let name = field.name().unwrap_or("").to_string();
        if is_file(&name) {
            let file_name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(too_large_or_bad)?;
            if bytes.is_empty() && file_name.is_empty() {
                continue;
            }
            if files.len() >= MAX_FILES {
                return Err(PageError::detail(
                    ErrorCode::InvalidRequest,
                    format!("tối đa {MAX_FILES} tệp / at most {MAX_FILES} files"),
                ));
            }
            files.push(FilePart {
                field: name,
                name: file_name,
                bytes: bytes.to_vec(),
            });
        } else {
            let text = field.text().await.map_err(too_large_or_bad)?;
            texts.insert(name, text);
        }
    }
    Ok((texts, files))
}

/// Html with a status (a refusal shown in the page).
fn with_status(status: axum::http::StatusCode, html: Html<String>) -> Response {
    (status, html).into_response()
}
