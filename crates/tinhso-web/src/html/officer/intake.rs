//! Counter intake (`/can-bo/tiep-nhan`): a one-stop officer finds the procedure, types the
//! applicant's details, attaches the scanned papers per component, and the dossier is
//! received and accepted in one go (domain.md §2.2: the one-stop officer checks, accepts and
//! digitizes paper); the answer is the code, the look-up secret and the receipt (Mẫu 01).

use crate::html::PageQuery;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tinhso_app::dossiers::{upload_policy, ActionRequest, AttachmentInput, IntakeRequest};
use tinhso_domain::catalog::{Channel, ProcedureCode};
use tinhso_domain::dossier::Role;
use tinhso_store::dossiers::{Applicant, User};

use super::{failure, officer, read_multipart, with_status, Failure, Refusal};
use crate::error::ErrorCode;
use crate::html::session::random_token;
use crate::html::{render, Page, PageError};
use crate::openapi::Routes;
use crate::AppState;

pub fn routes() -> Routes {
    // A few scanned papers per dossier: room for several files at the upload limit each.
    let limit = usize::try_from(upload_policy().max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_mul(3);
    Routes::new()
        .get("/can-bo/tiep-nhan", view_intake_get)
        .route(
            Method::POST,
            "/can-bo/tiep-nhan",
            post(view_intake_post).layer(DefaultBodyLimit::max(limit)),
        )
}

/// Only the one-stop officer receives dossiers at the counter.
fn one_stop(p: &Page) -> Result<User, PageError> {
    let user = officer(p)?;
    if user.roles.contains(&Role::OneStopOfficer) {
        Ok(user)
    } else {
        Err(PageError::code(ErrorCode::Forbidden))
    }
}

struct Hit {
    code: String,
    name: String,
    limit: String,
}

struct ComponentField {
    index: usize,
    name: String,
    required: bool,
    obtainable: bool,
}

/// What the officer typed (kept when the form comes back with an error).
#[derive(Debug, Clone, Default)]
struct Typed {
    channel: String,
    name: String,
    kind: String,
    id_number: String,
    phone: String,
    email: String,
    address: String,
    comment: String,
    competent: String,
}

#[derive(Template)]
#[template(path = "officer/intake.html")]
struct IntakeTemplate {
    p: Page,
    search: String,
    hits: Vec<Hit>,
    procedure: Option<Hit>,
    components: Vec<ComponentField>,
    idem: String,
    typed: Typed,
    /// The agencies that may handle the procedure, the officer's own first (shown when more
    /// than one: a dossier may be received anywhere in the province, domain.md §0.3).
    agencies: Vec<(String, String)>,
    error: Option<Refusal>,
}

#[derive(Template)]
#[template(path = "officer/intake_done.html")]
struct DoneTemplate {
    p: Page,
    code: String,
    secret: String,
    procedure: String,
    due: String,
    accepted: bool,
    error: Option<Refusal>,
}

#[derive(serde::Deserialize, Default)]
pub struct IntakeQuery {
    #[serde(default)]
    tim: String,
    #[serde(default)]
    ma: String,
}

fn limit_text(p: &Page, limit: Option<&tinhso_domain::calendar::TimeLimit>) -> String {
    limit.map_or_else(
        || p.t("officer.intake.no_limit").to_string(),
        |l| l.to_string(),
    )
}

/// The agencies that carry out procedure `code` (in force), the officer's own first; empty
/// when there is no choice to make.
async fn competent_options(
    state: &AppState,
    user: &User,
    code: &str,
) -> Result<Vec<(String, String)>, PageError> {
    let snapshot = state.app.catalog.snapshot();
    let Some(version) = ProcedureCode::parse(code.trim())
        .ok()
        .and_then(|c| snapshot.records.get(&c))
    else {
        return Ok(Vec::new());
    };
    let today = state.app.today();
    let mut own = Vec::new();
    let mut others = Vec::new();
    for eid in &version.procedure.agency_eids {
        let Some(a) = state.app.store.agency(eid).await? else {
            continue;
        };
        if a.valid_to.is_some_and(|to| to < today) {
            continue;
        }
        let option = (eid.to_string(), format!("{} ({eid})", a.name));
        if user.agency.as_ref() == Some(eid) {
            own.push(option);
        } else {
            others.push(option);
        }
    }
    if others.is_empty() {
        return Ok(Vec::new());
    }
    others.sort_by(|a, b| a.1.cmp(&b.1));
    own.extend(others);
    Ok(own)
}

#[allow(clippy::too_many_arguments)]
fn template(
    state: &AppState,
    p: Page,
    user: &User,
    search: &str,
    code: &str,
    typed: Typed,
    agencies: Vec<(String, String)>,
    error: Option<Refusal>,
) -> IntakeTemplate {
    let snapshot = state.app.catalog.snapshot();
    let mut hits = Vec::new();
    if !search.trim().is_empty() {
        let found = state.app.search(&tinhso_search::SearchQuery {
            q: search.trim().chars().take(200).collect(),
            agency: user.agency.clone(),
            limit: 20,
            ..Default::default()
        });
        hits = found
            .items
            .iter()
            .map(|i| Hit {
                code: i.procedure.code.to_string(),
                name: i.procedure.name.clone(),
                limit: limit_text(&p, i.procedure.time_limit.as_ref()),
            })
            .collect();
    }
    let chosen = ProcedureCode::parse(code.trim())
        .ok()
        .and_then(|c| snapshot.records.get(&c));
    let procedure = chosen.map(|v| Hit {
        code: v.procedure.code.to_string(),
        name: v.procedure.name.clone(),
        limit: limit_text(&p, v.procedure.time_limit.as_ref()),
    });
    let components = chosen
        .map(|v| {
            v.procedure
                .components
                .iter()
                .enumerate()
                .map(|(index, c)| ComponentField {
                    index,
                    name: c.name.clone(),
                    required: c.required,
                    obtainable: c.obtainable_from_data,
                })
                .collect()
        })
        .unwrap_or_default();
    IntakeTemplate {
        p,
        search: search.trim().to_string(),
        hits,
        procedure,
        components,
        idem: random_token(),
        typed,
        agencies,
        error,
    }
}

/// `/can-bo/tiep-nhan?tim=&ma=`
pub async fn view_intake_get(
    State(state): State<AppState>,
    p: Page,
    PageQuery(q): PageQuery<IntakeQuery>,
) -> Result<Response, PageError> {
    let user = one_stop(&p)?;
    let agencies = competent_options(&state, &user, &q.ma).await?;
    let t = template(
        &state,
        p,
        &user,
        &q.tim,
        &q.ma,
        Typed::default(),
        agencies,
        None,
    );
    Ok(render(&t)?.into_response())
}

/// `POST /can-bo/tiep-nhan` (multipart): receive, attach, accept; the receipt page.
pub async fn view_intake_post(
    State(state): State<AppState>,
    p: Page,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (texts, files) = read_multipart(multipart, |name| {
        name.strip_prefix("component_file_")
            .and_then(|i| i.parse::<usize>().ok())
            .is_some()
    })
    .await?;
    let text = |k: &str| {
        texts
            .get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    p.check_csrf(&text("csrf"))?;
    let user = one_stop(&p)?;
    let typed = Typed {
        channel: text("channel"),
        name: text("applicant_name"),
        kind: text("applicant_kind"),
        id_number: text("applicant_id_number"),
        phone: text("applicant_phone"),
        email: text("applicant_email"),
        address: text("applicant_address"),
        comment: text("comment"),
        competent: text("competent_agency"),
    };
    let procedure_code = text("procedure_code");
    let agencies = competent_options(&state, &user, &procedure_code).await?;
    let refuse = |p: Page, r: Refusal| -> Result<Response, PageError> {
        let t = template(
            &state,
            p,
            &user,
            "",
            &procedure_code,
            typed.clone(),
            agencies.clone(),
            Some(r),
        );
        Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, render(&t)?))
    };
    let channel = match typed.channel.as_str() {
        "postal" => Channel::Postal,
        "counter" | "" => Channel::Counter,
        _ => {
            let r = Refusal::new(
                p.lang,
                ErrorCode::ChannelNotAllowed,
                Some("channel: counter, postal".into()),
            );
            return refuse(p, r);
        }
    };
    let mut attachments = Vec::with_capacity(files.len());
    for f in &files {
        let index = f.field.trim_start_matches("component_file_");
        let component = text(&format!("component_name_{index}"));
        match state.app.upload_attachment(&user, &f.name, &f.bytes).await {
            Ok(stored) => attachments.push(AttachmentInput {
                component: if component.is_empty() {
                    f.name.clone()
                } else {
                    component
                },
                sha256: stored.sha256,
                name: Some(stored.name),
            }),
            Err(e) => match failure(p.lang, e) {
                Failure::Page(err) => return Err(err),
                Failure::Inline(r) => return refuse(p, r),
            },
        }
    }
    let req = IntakeRequest {
        procedure_code: procedure_code.clone(),
        channel,
        receiving_agency: None,
        // Only an agency that carries out the procedure may be chosen (the app checks it too).
        competent_agency: agencies
            .iter()
            .find(|(eid, _)| *eid == typed.competent)
            .map(|(eid, _)| eid.clone()),
        applicant: Applicant {
            name: typed.name.clone(),
            kind: if typed.kind == "2" { 2 } else { 1 },
            id_number: typed.id_number.clone(),
            phone: typed.phone.clone(),
            email: typed.email.clone(),
            address: typed.address.clone(),
        },
        form: serde_json::Value::Object(Default::default()),
        attachments,
        comment: (!typed.comment.is_empty()).then(|| typed.comment.clone()),
    };
    let key = text("idempotency_key");
    let key = (!key.is_empty()).then_some(key);
    let received = match state.app.submit_dossier(&user, req, key.as_deref()).await {
        Ok(v) => v,
        Err(e) => match failure(p.lang, e) {
            Failure::Page(err) => return Err(err),
            Failure::Inline(r) => return refuse(p, r),
        },
    };
    // Accepting at once is what the counter does; if the domain refuses (say, the procedure
    // has no time limit), the dossier stays received and the page says why.
    let accept = ActionRequest {
        action: "accept".into(),
        ..Default::default()
    };
    let accept_key = key
        .as_ref()
        .map(|k| format!("{}-accept", &k[..k.len().min(190)]));
    let (view, error) = match state
        .app
        .act(&user, &received.code, accept, accept_key.as_deref())
        .await
    {
        Ok(v) => (v, None),
        Err(e) => match failure(p.lang, e) {
            Failure::Page(err) => return Err(err),
            Failure::Inline(r) => (received.clone(), Some(r)),
        },
    };
    let t = DoneTemplate {
        code: view.code.clone(),
        secret: received.secret.clone().unwrap_or_default(),
        procedure: format!("{} — {}", view.procedure_code, view.procedure_name),
        due: view.due.as_ref().map(|d| p.datetime(d)).unwrap_or_default(),
        accepted: view.accepted_at.is_some(),
        error,
        p,
    };
    Ok(render(&t)?.into_response())
}
