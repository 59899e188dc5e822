//! The citizen portal: find a procedure, submit online, follow one's dossiers, look a dossier
//! up by its code and secret. Mobile first, Vietnamese first; every page works as plain links
//! and form posts, htmx only refreshes the search results as one types.
//!
//! ## Routes (stable; the browser tests drive them)
//! | Method, path | Page | Who |
//! |---|---|---|
//! | GET `/thu-tuc?q=&linh_vuc=&cap=&muc_do=&trang=` | procedure search; with `HX-Request` only the results fragment (`#ket-qua`) | anyone |
//! | GET `/thu-tuc/{code}` | one procedure; link `#nop-truc-tuyen` when it can be submitted online | anyone |
//! | GET `/nop-ho-so/{code}` | the online form (`multipart/form-data`, `#form-nop-ho-so`) | citizen |
//! | POST `/nop-ho-so/{code}` | checks and uploads, then the review page (`#form-xac-nhan`); 422 with the form again on bad input | citizen |
//! | POST `/nop-ho-so/{code}/sua` | from the review back to the form, entries and files kept (`#nut-sua`) | citizen |
//! | POST `/nop-ho-so/{code}/xac-nhan` | submits; the confirmation page shows the code (`#ma-ho-so`) and the look-up secret (`#ma-tra-cuu`) | citizen |
//! | GET `/ho-so-cua-toi` | my dossiers (`#ds-ho-so`, one link `a.ma-ho-so` per dossier) | citizen |
//! | GET `/ho-so-cua-toi/{code}` | one dossier: status (`#trang-thai`), due date, next step, timeline (`#dong-thoi-gian`), files, forms, actions | its citizen (another's is 404) |
//! | POST `/ho-so-cua-toi/{code}/bo-sung` | answers a supplement request (`multipart/form-data`, `#form-bo-sung`) | its citizen |
//! | GET, POST `/ho-so-cua-toi/{code}/rut` | withdraw: confirmation page (`#form-rut`), then the withdrawal | its citizen |
//! | POST `/ho-so-cua-toi/{code}/danh-gia` | satisfaction rating, once, when delivered (`#form-danh-gia`) | its citizen |
//! | GET `/ho-so-cua-toi/{code}/tep/{sha256}` | a file of the dossier (download) | its citizen |
//! | GET `/ho-so-cua-toi/{code}/mau/{01..05}` | a form of the dossier as PDF (01 receipt, once accepted) | its citizen |
//! | GET `/tra-cuu?ma=` | public look-up form (code prefilled: the receipts' QR code) | anyone |
//! | POST `/tra-cuu` | the status, or the same "not found" for a wrong code or secret (404) | anyone |
//!
//! ## Form fields (`name` = `id` unless said)
//! - Every form: hidden `csrf`. Writes that create or move a dossier: hidden `khoa` (the
//!   idempotency key; a double submit gives the same dossier).
//! - Search (`#form-tim-kiem`): `q`, `linh_vuc` (field), `cap` (`commune`, `province`,
//!   `district`, `ministry`, `other`), `muc_do` (`full`, `partial`, `none`).
//! - Submission: `co_quan` (receiving agency e-ID), `ho_ten`, `so_dinh_danh`, `dien_thoai`,
//!   `email`, `dia_chi`, `noi_dung` (what is asked), `ghi_chu`, and one file input
//!   `tep_{i}` per component `i` of the procedure (0-based, in the catalog's order; components
//!   the state already holds get none). A file already uploaded (the form came back with
//!   errors, or from the review) rides along as hidden `giu_{i}` (SHA-256) and `giu_ten_{i}`
//!   (name), shown as `#giu_{i}-ten`; choosing a file replaces it. Review: the same names as
//!   hidden fields, with `tep_{i}` the uploaded file's SHA-256 and `ten_{i}` its name; buttons
//!   `#nut-xac-nhan` (submit) and `#nut-sua` (back to the form).
//! - Supplement: `tep_{i}` per component, `ghi_chu`; button `#nut-bo-sung`.
//! - Withdraw: `ly_do` (optional); button `#nut-rut`.
//! - Rating: radio `diem` 1–5 (ids `diem-1`…`diem-5`), `nhan_xet`; button `#nut-danh-gia`.
//! - Look-up (`#form-tra-cuu`): `ma` (dossier code), `ma_bi_mat` (the secret; POST only, never
//!   in a URL); result `#ket-qua-tra-cuu`.

mod mine;
mod submit;

use crate::html::PageQuery;
use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use tinhso_app::dossiers::{DossierError, PublicStatus};
use tinhso_domain::catalog::{Channel, OnlineLevel, ProcedureCode, ProcedureLevel};
use tinhso_domain::dossier::NationalStatus;
use tinhso_search::SearchQuery;

use super::render;
use super::session::{CsrfForm, Page, PageError};
use crate::error::{ApiError, ErrorCode};
use crate::openapi::Routes;
use crate::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .get("/thu-tuc", view_search_get)
        .get("/thu-tuc/{code}", view_procedure_get)
        .get("/tra-cuu", view_lookup_get)
        .post("/tra-cuu", view_lookup_post)
        .merge(submit::routes())
        .merge(mine::routes())
}

/// A dossier use-case error as an error page.
pub(crate) fn page_error(e: DossierError) -> PageError {
    ApiError::from(e).into()
}

/// The message key of a national status in words (domain.md §2.1).
pub(crate) fn status_key(status: u8) -> &'static str {
    match status {
        1 => "portal.status.1",
        2 => "portal.status.2",
        3 => "portal.status.3",
        4 => "portal.status.4",
        5 => "portal.status.5",
        6 => "portal.status.6",
        7 => "portal.status.7",
        8 => "portal.status.8",
        9 => "portal.status.9",
        _ => "portal.status.10",
    }
}

/// What the applicant should do now, by status, in plain words.
pub(crate) fn next_key(status: u8) -> &'static str {
    match status {
        1 => "portal.next.1",
        2 => "portal.next.2",
        3 => "portal.next.3",
        4 => "portal.next.4",
        5 => "portal.next.5",
        6 => "portal.next.6",
        7 => "portal.next.7",
        8 => "portal.next.8",
        9 => "portal.next.9",
        _ => "portal.next.10",
    }
}

/// A badge class for a status: ended well, waiting on the applicant, ended badly.
pub(crate) fn status_class(status: u8) -> &'static str {
    match status {
        9 | 10 => "ok",
        5 | 6 => "warn",
        3 | 7 | 8 => "bad",
        _ => "",
    }
}

fn level_key(l: ProcedureLevel) -> &'static str {
    match l {
        ProcedureLevel::Ministry => "portal.level.ministry",
        ProcedureLevel::Province => "portal.level.province",
        ProcedureLevel::District => "portal.level.district",
        ProcedureLevel::Commune => "portal.level.commune",
        ProcedureLevel::Other => "portal.level.other",
    }
}

fn parse_level(s: &str) -> Option<ProcedureLevel> {
    Some(match s {
        "ministry" => ProcedureLevel::Ministry,
        "province" => ProcedureLevel::Province,
        "district" => ProcedureLevel::District,
        "commune" => ProcedureLevel::Commune,
        "other" => ProcedureLevel::Other,
        _ => return None,
    })
}

pub(crate) fn online_key(l: OnlineLevel) -> &'static str {
    match l {
        OnlineLevel::Full => "portal.online.full",
        OnlineLevel::Partial => "portal.online.partial",
        OnlineLevel::None => "portal.online.none",
    }
}

fn parse_online(s: &str) -> Option<OnlineLevel> {
    Some(match s {
        "full" => OnlineLevel::Full,
        "partial" => OnlineLevel::Partial,
        "none" => OnlineLevel::None,
        _ => return None,
    })
}

fn channel_key(c: Channel) -> &'static str {
    match c {
        Channel::Counter => "portal.channel.counter",
        Channel::Online => "portal.channel.online",
        Channel::Postal => "portal.channel.postal",
    }
}

/// An option of a `<select>`.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The options of a filter: (value, its query spelling), the selected one, the label key.
fn choices<T: Copy + PartialEq>(
    p: &Page,
    options: &[(T, &str)],
    selected: Option<T>,
    key: fn(T) -> &'static str,
) -> Vec<Choice> {
    options
        .iter()
        .map(|(v, q)| Choice {
            value: (*q).to_string(),
            label: p.t(key(*v)).to_string(),
            selected: selected == Some(*v),
        })
        .collect()
}

#[derive(serde::Deserialize, Default)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    linh_vuc: String,
    #[serde(default)]
    cap: String,
    #[serde(default)]
    muc_do: String,
    #[serde(default)]
    trang: String,
}

/// One search result.
struct ResultItem {
    code: String,
    name: String,
    fields: String,
    levels: Vec<&'static str>,
    online: &'static str,
    online_ok: bool,
}

const PAGE_SIZE: usize = 20;

#[derive(Template)]
#[template(path = "portal/search.html")]
struct SearchTemplate {
    p: Page,
    q: String,
    fields: Vec<Choice>,
    levels: Vec<Choice>,
    online: Vec<Choice>,
    total: usize,
    items: Vec<ResultItem>,
    page: usize,
    prev_url: Option<String>,
    next_url: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/results.html")]
struct ResultsTemplate {
    p: Page,
    q: String,
    total: usize,
    items: Vec<ResultItem>,
    page: usize,
    prev_url: Option<String>,
    next_url: Option<String>,
}

/// `/thu-tuc`: procedure search (diacritic-insensitive, through the catalog index).
pub async fn view_search_get(
    State(state): State<AppState>,
    p: Page,
    headers: HeaderMap,
    PageQuery(params): PageQuery<SearchParams>,
) -> Result<Response, PageError> {
    let q: String = params.q.trim().chars().take(200).collect();
    let page = params
        .trang
        .trim()
        .parse::<usize>()
        .unwrap_or(1)
        .clamp(1, 1000);
    let field = params.linh_vuc.trim().to_string();
    let level = parse_level(params.cap.trim());
    let online = parse_online(params.muc_do.trim());
    let found = state.app.catalog.search(&SearchQuery {
        q: q.clone(),
        field: (!field.is_empty()).then(|| field.clone()),
        level,
        agency: None,
        online_level: online,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
    });
    let items: Vec<ResultItem> = found
        .items
        .iter()
        .map(|i| ResultItem {
            code: i.procedure.code.to_string(),
            name: i.procedure.name.clone(),
            fields: i.procedure.fields.join(", "),
            levels: i.procedure.levels.iter().map(|l| level_key(*l)).collect(),
            online: online_key(i.procedure.online_level),
            online_ok: i.procedure.online_level != OnlineLevel::None,
        })
        .collect();
    let link = |n: usize| {
        format!(
            "/thu-tuc?q={}&linh_vuc={}&cap={}&muc_do={}&trang={n}",
            super::session::encode_query(&q),
            super::session::encode_query(&field),
            super::session::encode_query(params.cap.trim()),
            super::session::encode_query(params.muc_do.trim()),
        )
    };
    let prev_url = (page > 1).then(|| link(page - 1));
    let next_url = (page * PAGE_SIZE < found.total).then(|| link(page + 1));
    // htmx asks for the results only; a history restore or a boosted link wants the page.
    let fragment = headers.contains_key("hx-request")
        && !headers.contains_key("hx-boosted")
        && !headers.contains_key("hx-history-restore-request");
    let mut resp = if fragment {
        render(&ResultsTemplate {
            p,
            q,
            total: found.total,
            items,
            page,
            prev_url,
            next_url,
        })?
        .into_response()
    } else {
        let snapshot = state.app.catalog.snapshot();
        let all_fields: BTreeSet<&str> = snapshot
            .records
            .values()
            .flat_map(|r| r.procedure.fields.iter().map(String::as_str))
            .collect();
        let fields = all_fields
            .into_iter()
            .map(|f| Choice {
                value: f.to_string(),
                label: f.to_string(),
                selected: f == field,
            })
            .collect();
        let levels = choices(
            &p,
            &[
                (ProcedureLevel::Commune, "commune"),
                (ProcedureLevel::Province, "province"),
                (ProcedureLevel::District, "district"),
                (ProcedureLevel::Ministry, "ministry"),
                (ProcedureLevel::Other, "other"),
            ],
            level,
            level_key,
        );
        let online_choices = choices(
            &p,
            &[
                (OnlineLevel::Full, "full"),
                (OnlineLevel::Partial, "partial"),
                (OnlineLevel::None, "none"),
            ],
            online,
            online_key,
        );
        render(&SearchTemplate {
            p,
            q,
            fields,
            levels,
            online: online_choices,
            total: found.total,
            items,
            page,
            prev_url,
            next_url,
        })?
        .into_response()
    };
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("HX-Request"));
    Ok(resp)
}

/// One way of doing the procedure, as shown.
struct ChannelView {
    channel: &'static str,
    time_limit: String,
    fees: Vec<String>,
    description: String,
}

struct ComponentView {
    name: String,
    form_template: Option<String>,
    originals: u32,
    copies: u32,
    required: bool,
    from_data: bool,
}

#[derive(Template)]
#[template(path = "portal/procedure.html")]
struct ProcedureTemplate {
    p: Page,
    code: String,
    name: String,
    decision: String,
    fields: String,
    levels: Vec<&'static str>,
    applicant_types: String,
    competent_agency: String,
    agencies: Vec<String>,
    online: &'static str,
    online_ok: bool,
    time_limit: String,
    channels: Vec<ChannelView>,
    components: Vec<ComponentView>,
    steps: String,
    requirements: String,
    results: Vec<String>,
    legal_bases: Vec<(String, String)>,
    version: u32,
}

/// `/thu-tuc/{code}`: one procedure as published.
pub async fn view_procedure_get(
    State(state): State<AppState>,
    p: Page,
    Path(code): Path<String>,
) -> Result<Html<String>, PageError> {
    let code =
        ProcedureCode::parse(&code).map_err(|_| PageError::code(ErrorCode::ProcedureNotFound))?;
    let snapshot = state.app.catalog.snapshot();
    let record = snapshot
        .records
        .get(&code)
        .ok_or_else(|| PageError::code(ErrorCode::ProcedureNotFound))?;
    let pr = &record.procedure;
    let names = agency_names(&state).await?;
    let agencies = pr
        .agency_eids
        .iter()
        .map(|e| {
            names
                .get(&e.to_string())
                .cloned()
                .unwrap_or_else(|| e.to_string())
        })
        .collect();
    let money = |f: &tinhso_domain::catalog::Fee| match f.amount_vnd {
        Some(a) if f.text.trim().is_empty() => p.money(i64::try_from(a).unwrap_or(i64::MAX)),
        _ => f.text.clone(),
    };
    let channels = pr
        .channels
        .iter()
        .map(|c| ChannelView {
            channel: channel_key(c.channel),
            time_limit: if c.time_limit_text.trim().is_empty() {
                c.time_limit.map(|l| l.to_string()).unwrap_or_default()
            } else {
                c.time_limit_text.clone()
            },
            fees: c.fees.iter().map(money).filter(|s| !s.is_empty()).collect(),
            description: c.description.clone(),
        })
        .collect();
    let t = ProcedureTemplate {
        code: pr.code.to_string(),
        name: pr.name.clone(),
        decision: pr.decision.clone(),
        fields: pr.fields.join(", "),
        levels: pr.levels.iter().map(|l| level_key(*l)).collect(),
        applicant_types: pr.applicant_types.join("; "),
        competent_agency: pr.competent_agency.clone(),
        agencies,
        online: online_key(pr.online_level),
        online_ok: pr.online_level != OnlineLevel::None,
        time_limit: pr.time_limit.map(|l| l.to_string()).unwrap_or_default(),
        channels,
        components: pr
            .components
            .iter()
            .map(|c| ComponentView {
                name: c.name.clone(),
                form_template: c.form_template.clone(),
                originals: c.originals,
                copies: c.copies,
                required: c.required,
                from_data: c.obtainable_from_data,
            })
            .collect(),
        steps: pr.steps.clone(),
        requirements: pr.requirements.clone(),
        results: pr.results.clone(),
        legal_bases: pr
            .legal_bases
            .iter()
            .map(|l| (l.number.clone(), l.title.clone()))
            .collect(),
        version: record.version,
        p,
    };
    render(&t)
}

/// Agency names by e-ID.
pub(crate) async fn agency_names(state: &AppState) -> Result<HashMap<String, String>, PageError> {
    Ok(state
        .app
        .store
        .agencies()
        .await?
        .into_iter()
        .map(|a| (a.eid.to_string(), a.name))
        .collect())
}

#[derive(Template)]
#[template(path = "portal/lookup.html")]
struct LookupTemplate {
    p: Page,
    code: String,
    searched: bool,
    found: Option<PublicStatus>,
}

impl LookupTemplate {
    fn status_words(&self, s: &PublicStatus) -> &'static str {
        self.p.t(status_key(s.status))
    }
    fn status_class(&self, s: &PublicStatus) -> &'static str {
        status_class(s.status)
    }
}

#[derive(serde::Deserialize, Default)]
pub struct LookupQuery {
    #[serde(default)]
    ma: String,
}

/// `/tra-cuu?ma=CODE`: the public look-up form (the code prefilled from a receipt's QR code).
pub async fn view_lookup_get(
    p: Page,
    PageQuery(q): PageQuery<LookupQuery>,
) -> Result<Html<String>, PageError> {
    render(&LookupTemplate {
        p,
        code: q.ma.trim().chars().take(64).collect(),
        searched: false,
        found: None,
    })
}

#[derive(serde::Deserialize)]
pub struct LookupForm {
    #[serde(default)]
    ma: String,
    #[serde(default)]
    ma_bi_mat: String,
}

/// `POST /tra-cuu`: the status by code and secret; a wrong code or secret is one answer (404).
pub async fn view_lookup_post(
    State(state): State<AppState>,
    CsrfForm(p, form): CsrfForm<LookupForm>,
) -> Result<Response, PageError> {
    let code: String = form.ma.trim().chars().take(64).collect();
    let secret: String = form.ma_bi_mat.trim().chars().take(64).collect();
    let found = state
        .app
        .public_status(&code, &secret)
        .await
        .map_err(page_error)?;
    let status = if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let html = render(&LookupTemplate {
        p,
        code,
        searched: true,
        found,
    })?;
    Ok((status, html).into_response())
}

/// Whether a status is one of `codes`.
pub(crate) fn status_in(status: u8, codes: &[NationalStatus]) -> bool {
    codes.iter().any(|s| s.code() == status)
}
