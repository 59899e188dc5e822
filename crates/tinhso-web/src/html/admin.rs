//! Pages of the `admin` area, `/quan-tri` (see the module docs of [`crate::html`] for the
//! conventions): agencies, staff accounts, procedures' workflows, the working calendar. The
//! rules (who may do what, validation) are `tinhso_app::admin`'s; these handlers only parse,
//! call and render.
//!
//! Access: a province administrator sees and changes everything; an agency administrator
//! manages the accounts of their agency and sees their agency, the workflows of the procedures
//! it implements and the calendar read only; any other signed-in user gets 403; anonymous
//! visitors are sent to sign in.
//!
//! # Routes and form fields (stable: the browser tests rely on them)
//! | Route | What | Fields (`name` = `id` unless said) |
//! |---|---|---|
//! | `GET /quan-tri` | overview | |
//! | `GET /quan-tri/co-quan?q=` | agencies as a tree (`ul#agency-tree`), or matches of `q` | |
//! | `GET /quan-tri/co-quan/moi` · `POST /quan-tri/co-quan` | new agency | `eid`, `name`, `level` (province, department, centre, commune), `parent` (select), `unit_code`, `valid_from`, `valid_to` (YYYY-MM-DD), `successor` (select); submit `#save-agency` |
//! | `GET`/`POST /quan-tri/co-quan/{eid}` | view / change an agency (same fields; the e-ID is the path's) | |
//! | `GET /quan-tri/nguoi-dung?q=&co-quan=&vai-tro=` | accounts (`table#users`, one row `tr#user-{id}`) | |
//! | `GET /quan-tri/nguoi-dung/moi` · `POST /quan-tri/nguoi-dung` | new staff account | `id`, `name`, `agency` (select, province admin), `roles` (checkboxes `#role-{role}`, values one_stop_officer, specialist, leader, clerk, agency_admin, province_admin), `password` (empty: generated, shown once in `#secret`); submit `#create-user` |
//! | `GET /quan-tri/nguoi-dung/{id}` | one account and its actions | |
//! | `POST /quan-tri/nguoi-dung/{id}/vai-tro` | name, agency, roles | `name` (`#edit-name`), `agency` (`#edit-agency`), `roles` (`#role-{role}`); submit `#save-roles` |
//! | `POST /quan-tri/nguoi-dung/{id}/mat-khau` | new password (empty: generated, `#secret`) | `password` (`#new-password`); submit `#reset-password` |
//! | `POST /quan-tri/nguoi-dung/{id}/token` | new API token, shown once in `#secret` | `label` (`#token-label`); submit `#issue-token` |
//! | `POST /quan-tri/nguoi-dung/{id}/khoa` · `…/mo-khoa` · `…/dang-xuat` · `…/thu-hoi-token` | disable · enable (not oneself) · sign out everywhere · revoke every API token | submit `#disable` · `#enable` · `#sign-out-everywhere` · `#revoke-tokens` |
//! | `GET /quan-tri/thu-tuc?q=` | procedures with their workflow version (`table#procedures`) | |
//! | `GET /quan-tri/thu-tuc/{code}?phien-ban=` | workflow versions, steps, the editor | `definition` (textarea, JSON); submit `#preview-workflow` |
//! | `POST /quan-tri/thu-tuc/{code}/xem-truoc` | preview: checks, live dossiers pinned to older versions (`#live-count`, `table#live-dossiers`, `#new-version`) | `definition` |
//! | `POST /quan-tri/thu-tuc/{code}/luu` | records the new version | `definition`, `based_on` (hidden); submit `#save-workflow` |
//! | `GET /quan-tri/lich?nam=` | the year's calendar (`#working-days`, `table#entries`) | |
//! | `POST /quan-tri/lich` | add a dated entry | `date` (YYYY-MM-DD or DD/MM/YYYY), `kind` (holiday, working_day), `name`; submit `#add-day` |
//! | `POST /quan-tri/lich/xoa` | remove the entry of a date | `date` (hidden); submit `#remove-{date}` |
//!
//! Invalid input re-renders the form with status 422, the entered values kept, a summary
//! `#form-errors` linking to each field and `aria-invalid` on the fields concerned.

use crate::html::PageQuery;
use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiff::civil::Date;
use tinhso_app::admin::{
    level_name, AdminError, AdminScope, AgencyForm, Problem, StaffForm, UserFilter,
    WorkflowPreview, AGENCY_LEVELS, STAFF_ROLES,
};
use tinhso_domain::agency::{Agency, AgencyEId};
use tinhso_domain::calendar::{DayKind, YearCalendar};
use tinhso_domain::dossier::{
    ActionKind, ActionTarget, AgencyScope, Role, TargetShape, WorkflowDefinition,
};
use tinhso_store::dossiers::User;

use super::i18n::{self, Lang};
use super::render;
use super::session::{encode_query, see_other, CsrfForm, Page, PageError};
use crate::error::ErrorCode;
use crate::openapi::Routes;
use crate::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .get("/quan-tri", view_overview_get)
        .get("/quan-tri/co-quan", view_agencies_get)
        .post("/quan-tri/co-quan", view_agency_new_post)
        .get("/quan-tri/co-quan/moi", view_agency_new_get)
        .get("/quan-tri/co-quan/{eid}", view_agency_get)
        .post("/quan-tri/co-quan/{eid}", view_agency_post)
        .get("/quan-tri/nguoi-dung", view_users_get)
        .post("/quan-tri/nguoi-dung", view_user_new_post)
        .get("/quan-tri/nguoi-dung/moi", view_user_new_get)
        .get("/quan-tri/nguoi-dung/{id}", view_user_get)
        .post("/quan-tri/nguoi-dung/{id}/vai-tro", view_user_roles_post)
        .post(
            "/quan-tri/nguoi-dung/{id}/mat-khau",
            view_user_password_post,
        )
        .post("/quan-tri/nguoi-dung/{id}/token", view_user_token_post)
        .post("/quan-tri/nguoi-dung/{id}/{action}", view_user_action_post)
        .get("/quan-tri/thu-tuc", view_procedures_get)
        .get("/quan-tri/thu-tuc/{code}", view_procedure_get)
        .post(
            "/quan-tri/thu-tuc/{code}/xem-truoc",
            view_workflow_preview_post,
        )
        .post("/quan-tri/thu-tuc/{code}/luu", view_workflow_save_post)
        .get("/quan-tri/lich", view_calendar_get)
        .post("/quan-tri/lich", view_calendar_add_post)
        .post("/quan-tri/lich/xoa", view_calendar_remove_post)
}

// ---------------------------------------------------------------------------------------------
// Shared

/// The signed-in administrator and their scope; sign-in redirect or 403 otherwise.
fn admin(p: &Page) -> Result<(User, AdminScope), PageError> {
    let user = p.require_role(&[Role::ProvinceAdmin, Role::AgencyAdmin])?;
    let scope = AdminScope::of(user).ok_or_else(|| PageError::code(ErrorCode::Forbidden))?;
    Ok((user.clone(), scope))
}

/// An admin error that is not a form problem, as an error page.
fn page_error(e: AdminError) -> PageError {
    match e {
        AdminError::Forbidden => PageError::code(ErrorCode::Forbidden),
        AdminError::NotFound => PageError::code(ErrorCode::NotFound),
        AdminError::Store(s) => s.into(),
        AdminError::Invalid(p) => PageError::detail(
            ErrorCode::InvalidRequest,
            p.iter()
                .map(|q| format!("{} {}", q.code, q.detail))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        AdminError::Randomness(_) | AdminError::Hashing(_) => {
            tracing::error!(error = %e, "admin action failed");
            PageError::code(ErrorCode::Internal)
        }
    }
}

/// The part of a "Vietnamese / English" text in `lang`.
fn pick(lang: Lang, text: &str) -> &str {
    match (text.split_once(" / "), lang) {
        (Some((vi, _)), Lang::Vi) => vi,
        (Some((_, en)), Lang::En) => en,
        (None, _) => text,
    }
}

/// One problem as shown.
#[derive(Debug, Clone)]
pub struct Shown {
    pub field: &'static str,
    pub text: String,
}

/// The problems of a form, in the page's language.
#[derive(Debug, Clone, Default)]
pub struct Problems(pub Vec<Shown>);

impl Problems {
    fn new(lang: Lang, problems: &[Problem]) -> Self {
        Self(
            problems
                .iter()
                .map(|q| {
                    let label = i18n::t(lang, &format!("admin.problem.{}", q.code)).to_string();
                    let detail = pick(lang, &q.detail);
                    Shown {
                        field: q.field,
                        text: if detail.is_empty() {
                            label
                        } else {
                            format!("{label} ({detail})")
                        },
                    }
                })
                .collect(),
        )
    }
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
    /// Whether `field` has a problem (for `aria-invalid`).
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|s| s.field == field)
    }
}

/// A notice after a redirect: `?tb=key` (a fixed message key, nothing personal).
#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    tb: String,
}

fn notice_key(tb: &str) -> Option<&'static str> {
    Some(match tb {
        "tao" => "admin.notice.created",
        "luu" => "admin.notice.saved",
        "vai-tro" => "admin.notice.roles_saved",
        "mat-khau" => "admin.notice.password_set",
        "khoa" => "admin.notice.disabled",
        "mo-khoa" => "admin.notice.enabled",
        "dang-xuat" => "admin.notice.signed_out",
        "thu-hoi" => "admin.notice.revoked",
        _ => return None,
    })
}

pub fn role_name(r: Role) -> &'static str {
    match r {
        Role::OneStopOfficer => "one_stop_officer",
        Role::Specialist => "specialist",
        Role::Leader => "leader",
        Role::Clerk => "clerk",
        Role::AgencyAdmin => "agency_admin",
        Role::ProvinceAdmin => "province_admin",
        Role::Applicant => "applicant",
    }
}

fn role_label(lang: Lang, r: Role) -> &'static str {
    i18n::t(
        lang,
        match r {
            Role::OneStopOfficer => "admin.role.one_stop_officer",
            Role::Specialist => "admin.role.specialist",
            Role::Leader => "admin.role.leader",
            Role::Clerk => "admin.role.clerk",
            Role::AgencyAdmin => "admin.role.agency_admin",
            Role::ProvinceAdmin => "admin.role.province_admin",
            Role::Applicant => "admin.role.applicant",
        },
    )
}

fn roles_text(lang: Lang, roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| role_label(lang, *r))
        .collect::<Vec<_>>()
        .join(", ")
}

fn level_label(lang: Lang, level: tinhso_domain::agency::AgencyLevel) -> &'static str {
    i18n::t(
        lang,
        match level_name(level) {
            "province" => "admin.level.province",
            "department" => "admin.level.department",
            "centre" => "admin.level.centre",
            _ => "admin.level.commune",
        },
    )
}

/// An option of a select.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn agency_choices(agencies: &[Agency], selected: &str) -> Vec<Choice> {
    agencies
        .iter()
        .map(|a| Choice {
            value: a.eid.to_string(),
            label: format!("{} — {}", a.eid, a.name),
            selected: a.eid.as_str() == selected,
        })
        .collect()
}

fn role_choices(lang: Lang, scope: &AdminScope, chosen: &[Role]) -> Vec<Choice> {
    STAFF_ROLES
        .iter()
        .filter(|r| scope.is_province() || **r != Role::ProvinceAdmin)
        .map(|r| Choice {
            value: role_name(*r).to_string(),
            label: role_label(lang, *r).to_string(),
            selected: chosen.contains(r),
        })
        .collect()
}

fn parse_role(s: &str) -> Option<Role> {
    Role::ALL.into_iter().find(|r| role_name(*r) == s)
}

/// The posted fields as pairs (checkbox lists repeat a name).
type Pairs = Vec<(String, String)>;

fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn posted_roles(pairs: &Pairs) -> Vec<Role> {
    pairs
        .iter()
        .filter(|(k, _)| k == "roles")
        .filter_map(|(_, v)| parse_role(v))
        .collect()
}

fn unprocessable(html: Html<String>) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, html).into_response()
}

// ---------------------------------------------------------------------------------------------
// Overview

#[derive(Template)]
#[template(path = "admin/overview.html")]
struct OverviewTemplate {
    p: Page,
    province: bool,
    agency_name: String,
    agencies: usize,
    users: usize,
    procedures: usize,
    year: i16,
    working_days: u32,
    entries: usize,
}

pub async fn view_overview_get(
    State(state): State<AppState>,
    p: Page,
) -> Result<Html<String>, PageError> {
    let (user, scope) = admin(&p)?;
    let app = &state.app;
    let agencies = app.store.agencies().await?;
    let agency_name = scope
        .agency()
        .and_then(|eid| agencies.iter().find(|a| &a.eid == eid))
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let users = app
        .admin_users(&user, &UserFilter::default())
        .await
        .map_err(page_error)?
        .len();
    let procedures = app.admin_procedures(&user).await.map_err(page_error)?.len();
    let year = app.today().year();
    let working_days = app.calendar().year_report(year).total_working_days;
    let entries = app.calendar_entries(year).await.map_err(page_error)?.len();
    render(&OverviewTemplate {
        p,
        province: scope.is_province(),
        agency_name,
        agencies: match &scope {
            AdminScope::Province => agencies.len(),
            AdminScope::Agency(own) => subtree(&agencies, own).len(),
        },
        users,
        procedures,
        year,
        working_days,
        entries,
    })
}

// ---------------------------------------------------------------------------------------------
// Agencies

/// One agency in the tree, with how to open and close the nested lists around it.
#[derive(Debug, Clone)]
pub struct TreeRow {
    pub eid: String,
    pub name: String,
    pub level: &'static str,
    pub in_force: bool,
    /// Opens a nested list of children after this item.
    pub opens: bool,
    /// How many nested lists close after this item (and its children).
    pub closes: usize,
}

/// The agencies `own` heads: itself and every descendant.
fn subtree(all: &[Agency], own: &AgencyEId) -> Vec<Agency> {
    let mut keep = vec![own.clone()];
    let mut i = 0;
    while i < keep.len() {
        let parent = keep[i].clone();
        keep.extend(
            all.iter()
                .filter(|a| a.parent.as_ref() == Some(&parent))
                .map(|a| a.eid.clone()),
        );
        i += 1;
    }
    all.iter()
        .filter(|a| keep.contains(&a.eid))
        .cloned()
        .collect()
}

/// Depth-first rows of the agency tree (roots: no parent, or a parent not in the list).
fn tree_rows(lang: Lang, agencies: &[Agency], today: Date) -> Vec<TreeRow> {
    let known: std::collections::HashSet<&AgencyEId> = agencies.iter().map(|a| &a.eid).collect();
    let mut children: HashMap<Option<&AgencyEId>, Vec<&Agency>> = HashMap::new();
    for a in agencies {
        let parent = a
            .parent
            .as_ref()
            .filter(|p| known.contains(p) && *p != &a.eid);
        children.entry(parent).or_default().push(a);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.eid.cmp(&b.eid));
    }
    let mut rows = Vec::new();
    // (agency, is the last child of its parent) on a stack; cycles cannot recur: each agency
    // is visited once.
    let mut seen = std::collections::HashSet::new();
    fn walk<'a>(
        a: &'a Agency,
        children: &HashMap<Option<&'a AgencyEId>, Vec<&'a Agency>>,
        seen: &mut std::collections::HashSet<&'a AgencyEId>,
        rows: &mut Vec<TreeRow>,
        lang: Lang,
        today: Date,
    ) {
        if !seen.insert(&a.eid) {
            return;
        }
        let kids: Vec<&Agency> = children
            .get(&Some(&a.eid))
            .map(|k| {
                k.iter()
                    .filter(|c| !seen.contains(&c.eid))
                    .copied()
                    .collect()
            })
            .unwrap_or_default();
        rows.push(TreeRow {
            eid: a.eid.to_string(),
            name: a.name.clone(),
            level: level_label(lang, a.level),
            in_force: a.in_force_on(today),
            opens: !kids.is_empty(),
            closes: 0,
        });
        for k in &kids {
            walk(k, children, seen, rows, lang, today);
        }
        if !kids.is_empty() {
            if let Some(last) = rows.last_mut() {
                last.closes += 1;
            }
        }
    }
    for root in children.get(&None).cloned().unwrap_or_default() {
        walk(root, &children, &mut seen, &mut rows, lang, today);
    }
    rows
}

#[derive(Template)]
#[template(path = "admin/agencies.html")]
struct AgenciesTemplate {
    p: Page,
    province: bool,
    q: String,
    tree: Vec<TreeRow>,
    matches: Vec<TreeRow>,
    total: usize,
}

#[derive(serde::Deserialize, Default)]
pub struct TextQuery {
    #[serde(default)]
    q: String,
}

pub async fn view_agencies_get(
    State(state): State<AppState>,
    p: Page,
    PageQuery(query): PageQuery<TextQuery>,
) -> Result<Html<String>, PageError> {
    let (_, scope) = admin(&p)?;
    let all = state.app.store.agencies().await?;
    let agencies = match &scope {
        AdminScope::Province => all,
        AdminScope::Agency(own) => subtree(&all, own),
    };
    let today = state.app.today();
    let q = query.q.trim().to_string();
    let (tree, matches) = if q.is_empty() {
        (tree_rows(p.lang, &agencies, today), Vec::new())
    } else {
        let folded = tinhso_domain::text::fold(&q);
        let found: Vec<Agency> = agencies
            .iter()
            .filter(|a| {
                a.eid.as_str().starts_with(&q.to_uppercase())
                    || tinhso_domain::text::fold(&a.name).contains(&folded)
            })
            .cloned()
            .collect();
        let rows = found
            .iter()
            .map(|a| TreeRow {
                eid: a.eid.to_string(),
                name: a.name.clone(),
                level: level_label(p.lang, a.level),
                in_force: a.in_force_on(today),
                opens: false,
                closes: 0,
            })
            .collect();
        (Vec::new(), rows)
    };
    render(&AgenciesTemplate {
        province: scope.is_province(),
        total: agencies.len(),
        p,
        q,
        tree,
        matches,
    })
}

#[derive(Template)]
#[template(path = "admin/agency_form.html")]
struct AgencyFormTemplate {
    p: Page,
    /// None: a new agency.
    editing: Option<String>,
    read_only: bool,
    form: AgencyForm,
    levels: Vec<Choice>,
    parents: Vec<Choice>,
    successors: Vec<Choice>,
    problems: Problems,
    notice: Option<&'static str>,
}

async fn agency_form_page(
    state: &AppState,
    p: Page,
    editing: Option<String>,
    read_only: bool,
    form: AgencyForm,
    problems: Problems,
    notice: Option<&'static str>,
) -> Result<Html<String>, PageError> {
    let all = state.app.store.agencies().await?;
    let others: Vec<Agency> = all
        .into_iter()
        .filter(|a| Some(a.eid.as_str()) != editing.as_deref())
        .collect();
    let levels = AGENCY_LEVELS
        .iter()
        .map(|l| Choice {
            value: level_name(*l).to_string(),
            label: level_label(p.lang, *l).to_string(),
            selected: level_name(*l) == form.level,
        })
        .collect();
    render(&AgencyFormTemplate {
        parents: agency_choices(&others, &form.parent),
        successors: agency_choices(&others, &form.successor),
        levels,
        p,
        editing,
        read_only,
        form,
        problems,
        notice,
    })
}

pub async fn view_agency_new_get(
    State(state): State<AppState>,
    p: Page,
) -> Result<Html<String>, PageError> {
    let (_, scope) = admin(&p)?;
    if !scope.is_province() {
        return Err(PageError::code(ErrorCode::Forbidden));
    }
    let form = AgencyForm {
        level: "commune".into(),
        valid_from: state.app.today().to_string(),
        ..Default::default()
    };
    agency_form_page(&state, p, None, false, form, Problems::default(), None).await
}

#[derive(serde::Deserialize, Default)]
pub struct AgencyFields {
    #[serde(default)]
    eid: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
    #[serde(default)]
    successor: String,
}

impl AgencyFields {
    fn into_form(self, eid: Option<String>) -> AgencyForm {
        AgencyForm {
            eid: eid.unwrap_or(self.eid),
            name: self.name,
            level: self.level,
            parent: self.parent,
            unit_code: self.unit_code,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            successor: self.successor,
        }
    }
}

async fn save_agency(
    state: AppState,
    p: Page,
    form: AgencyForm,
    editing: Option<String>,
) -> Result<Response, PageError> {
    let (user, _) = admin(&p)?;
    match state
        .app
        .admin_save_agency(&user, &form, editing.is_none())
        .await
    {
        Ok(a) => Ok(see_other(&format!(
            "/quan-tri/co-quan/{}?tb={}",
            a.eid,
            if editing.is_some() { "luu" } else { "tao" }
        ))),
        Err(AdminError::Invalid(problems)) => {
            let problems = Problems::new(p.lang, &problems);
            let html = agency_form_page(&state, p, editing, false, form, problems, None).await?;
            Ok(unprocessable(html))
        }
        Err(e) => Err(page_error(e)),
    }
}

pub async fn view_agency_new_post(
    State(state): State<AppState>,
    CsrfForm(p, fields): CsrfForm<AgencyFields>,
) -> Result<Response, PageError> {
    save_agency(state, p, fields.into_form(None), None).await
}

pub async fn view_agency_get(
    State(state): State<AppState>,
    p: Page,
    Path(eid): Path<String>,
    PageQuery(n): PageQuery<NoticeQuery>,
) -> Result<Html<String>, PageError> {
    let (_, scope) = admin(&p)?;
    let eid = AgencyEId::parse(&eid).map_err(|_| PageError::code(ErrorCode::NotFound))?;
    let all = state.app.store.agencies().await?;
    let visible = match &scope {
        AdminScope::Province => all,
        AdminScope::Agency(own) => subtree(&all, own),
    };
    let agency = visible
        .iter()
        .find(|a| a.eid == eid)
        .ok_or_else(|| PageError::code(ErrorCode::NotFound))?;
    let form = AgencyForm::of(agency);
    agency_form_page(
        &state,
        p,
        Some(eid.to_string()),
        !scope.is_province(),
        form,
        Problems::default(),
        notice_key(&n.tb),
    )
    .await
}

pub async fn view_agency_post(
    State(state): State<AppState>,
    Path(eid): Path<String>,
    CsrfForm(p, fields): CsrfForm<AgencyFields>,
) -> Result<Response, PageError> {
    save_agency(state, p, fields.into_form(Some(eid.clone())), Some(eid)).await
}

// ---------------------------------------------------------------------------------------------
// Users

/// One account as listed.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub agency: String,
    pub roles: String,
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersTemplate {
    p: Page,
    province: bool,
    q: String,
    agencies: Vec<Choice>,
    roles: Vec<Choice>,
    rows: Vec<UserRow>,
}

#[derive(serde::Deserialize, Default)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default, rename = "co-quan")]
    agency: String,
    #[serde(default, rename = "vai-tro")]
    role: String,
}

pub async fn view_users_get(
    State(state): State<AppState>,
    p: Page,
    PageQuery(query): PageQuery<UsersQuery>,
) -> Result<Html<String>, PageError> {
    let (user, scope) = admin(&p)?;
    let filter = UserFilter {
        text: query.q.clone(),
        agency: AgencyEId::parse(query.agency.trim()).ok(),
        role: parse_role(query.role.trim()),
    };
    let users = state
        .app
        .admin_users(&user, &filter)
        .await
        .map_err(page_error)?;
    let names: HashMap<AgencyEId, String> = state
        .app
        .store
        .agencies()
        .await?
        .into_iter()
        .map(|a| (a.eid, a.name))
        .collect();
    let rows = users
        .iter()
        .map(|u| UserRow {
            id: u.id.clone(),
            name: u.name.clone(),
            agency: u
                .agency
                .as_ref()
                .map(|a| names.get(a).cloned().unwrap_or_else(|| a.to_string()))
                .unwrap_or_default(),
            roles: roles_text(p.lang, &u.roles),
            disabled: u.disabled,
        })
        .collect();
    let all_agencies = state.app.store.agencies().await?;
    let chosen: Vec<Role> = parse_role(query.role.trim()).into_iter().collect();
    let roles = role_choices(p.lang, &scope, &chosen);
    render(&UsersTemplate {
        province: scope.is_province(),
        q: query.q.trim().to_string(),
        agencies: agency_choices(&all_agencies, query.agency.trim()),
        roles,
        rows,
        p,
    })
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct UserNewTemplate {
    p: Page,
    province: bool,
    own_agency: String,
    id: String,
    name: String,
    agencies: Vec<Choice>,
    roles: Vec<Choice>,
    problems: Problems,
}

async fn user_new_page(
    state: &AppState,
    p: Page,
    scope: &AdminScope,
    form: &StaffForm,
    problems: Problems,
) -> Result<Html<String>, PageError> {
    let agencies = state.app.store.agencies().await?;
    let own_agency = scope
        .agency()
        .and_then(|eid| agencies.iter().find(|a| &a.eid == eid))
        .map(|a| format!("{} — {}", a.eid, a.name))
        .unwrap_or_default();
    render(&UserNewTemplate {
        province: scope.is_province(),
        own_agency,
        id: form.id.clone(),
        name: form.name.clone(),
        agencies: agency_choices(&agencies, &form.agency),
        roles: role_choices(p.lang, scope, &form.roles),
        problems,
        p,
    })
}

pub async fn view_user_new_get(
    State(state): State<AppState>,
    p: Page,
) -> Result<Html<String>, PageError> {
    let (_, scope) = admin(&p)?;
    user_new_page(
        &state,
        p,
        &scope,
        &StaffForm::default(),
        Problems::default(),
    )
    .await
}

fn staff_form(pairs: &Pairs) -> StaffForm {
    StaffForm {
        id: field(pairs, "id").trim().to_string(),
        name: field(pairs, "name").to_string(),
        agency: field(pairs, "agency").to_string(),
        roles: posted_roles(pairs),
        password: field(pairs, "password").to_string(),
    }
}

pub async fn view_user_new_post(
    State(state): State<AppState>,
    CsrfForm(p, pairs): CsrfForm<Pairs>,
) -> Result<Response, PageError> {
    let (user, scope) = admin(&p)?;
    let form = staff_form(&pairs);
    match state.app.admin_create_user(&user, &form).await {
        Ok((created, None)) => Ok(see_other(&format!(
            "/quan-tri/nguoi-dung/{}?tb=tao",
            encode_query(&created.id)
        ))),
        Ok((created, Some(password))) => Ok(user_page(
            &state,
            p,
            &user,
            &created.id,
            Some("admin.notice.created"),
            Some(("admin.user.secret_password", password)),
            Problems::default(),
        )
        .await?
        .into_response()),
        Err(AdminError::Invalid(problems)) => {
            let problems = Problems::new(p.lang, &problems);
            let html = user_new_page(&state, p, &scope, &form, problems).await?;
            Ok(unprocessable(html))
        }
        Err(e) => Err(page_error(e)),
    }
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserTemplate {
    p: Page,
    province: bool,
    is_self: bool,
    u: User,
    agency_text: String,
    roles_text: String,
    created: String,
    agencies: Vec<Choice>,
    roles: Vec<Choice>,
    notice: Option<String>,
    /// (label key, secret) shown once.
    secret: Option<(&'static str, String)>,
    problems: Problems,
}

async fn user_page(
    state: &AppState,
    p: Page,
    by: &User,
    id: &str,
    notice: Option<&'static str>,
    secret: Option<(&'static str, String)>,
    problems: Problems,
) -> Result<Html<String>, PageError> {
    let scope = AdminScope::of(by).ok_or_else(|| PageError::code(ErrorCode::Forbidden))?;
    let u = state.app.admin_user(by, id).await.map_err(page_error)?;
    let agencies = state.app.store.agencies().await?;
    let agency_text = u
        .agency
        .as_ref()
        .map(|eid| {
            agencies
                .iter()
                .find(|a| &a.eid == eid)
                .map_or_else(|| eid.to_string(), |a| format!("{} — {}", a.eid, a.name))
        })
        .unwrap_or_default();
    let selected_agency = u.agency.as_ref().map(|a| a.to_string()).unwrap_or_default();
    render(&UserTemplate {
        province: scope.is_province(),
        is_self: u.id == by.id,
        roles_text: roles_text(p.lang, &u.roles),
        created: p.datetime(&tinhso_app::clock::to_local(u.created_at)),
        agencies: agency_choices(&agencies, &selected_agency),
        roles: role_choices(p.lang, &scope, &u.roles),
        agency_text,
        notice: notice.map(|k| i18n::t(p.lang, k).to_string()),
        secret,
        problems,
        u,
        p,
    })
}

pub async fn view_user_get(
    State(state): State<AppState>,
    p: Page,
    Path(id): Path<String>,
    PageQuery(n): PageQuery<NoticeQuery>,
) -> Result<Html<String>, PageError> {
    let (user, _) = admin(&p)?;
    let notice = notice_key(&n.tb);
    user_page(&state, p, &user, &id, notice, None, Problems::default()).await
}

pub async fn view_user_roles_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(p, pairs): CsrfForm<Pairs>,
) -> Result<Response, PageError> {
    let (user, _) = admin(&p)?;
    let form = staff_form(&pairs);
    match state.app.admin_update_user(&user, &id, &form).await {
        Ok(u) => Ok(see_other(&format!(
            "/quan-tri/nguoi-dung/{}?tb=vai-tro",
            encode_query(&u.id)
        ))),
        Err(AdminError::Invalid(problems)) => {
            let problems = Problems::new(p.lang, &problems);
            Ok(unprocessable(
                user_page(&state, p, &user, &id, None, None, problems).await?,
            ))
        }
        Err(e) => Err(page_error(e)),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct PasswordFields {
    #[serde(default)]
    password: String,
}

pub async fn view_user_password_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(p, f): CsrfForm<PasswordFields>,
) -> Result<Response, PageError> {
    let (user, _) = admin(&p)?;
    match state
        .app
        .admin_reset_password(&user, &id, &f.password)
        .await
    {
        Ok(None) => Ok(see_other(&format!(
            "/quan-tri/nguoi-dung/{}?tb=mat-khau",
            encode_query(&id)
        ))),
        Ok(Some(generated)) => Ok(user_page(
            &state,
            p,
            &user,
            &id,
            Some("admin.notice.password_set"),
            Some(("admin.user.secret_password", generated)),
            Problems::default(),
        )
        .await?
        .into_response()),
        Err(AdminError::Invalid(problems)) => {
            let problems = Problems::new(p.lang, &problems);
            Ok(unprocessable(
                user_page(&state, p, &user, &id, None, None, problems).await?,
            ))
        }
        Err(e) => Err(page_error(e)),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct NoFields {}

async fn user_action(
    state: &AppState,
    p: Page,
    id: &str,
    tb: &str,
    result: Result<(), AdminError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/quan-tri/nguoi-dung/{}?tb={tb}",
            encode_query(id)
        ))),
        Err(AdminError::Invalid(problems)) => {
            let (user, _) = admin(&p)?;
            let problems = Problems::new(p.lang, &problems);
            Ok(unprocessable(
                user_page(state, p, &user, id, None, None, problems).await?,
            ))
        }
        Err(e) => Err(page_error(e)),
    }
}

/// `POST /quan-tri/nguoi-dung/{id}/{action}`: the buttons without fields — `khoa` (disable),
/// `mo-khoa` (enable), `dang-xuat` (sign out everywhere), `thu-hoi-token` (revoke tokens).
pub async fn view_user_action_post(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(p, _): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    let (user, _) = admin(&p)?;
    let app = &state.app;
    let (result, notice) = match action.as_str() {
        "khoa" => (
            app.admin_set_disabled(&user, &id, true).await.map(drop),
            "khoa",
        ),
        "mo-khoa" => (
            app.admin_set_disabled(&user, &id, false).await.map(drop),
            "mo-khoa",
        ),
        "dang-xuat" => (
            app.admin_sign_out_everywhere(&user, &id).await.map(drop),
            "dang-xuat",
        ),
        "thu-hoi-token" => (
            app.admin_revoke_tokens(&user, &id).await.map(drop),
            "thu-hoi",
        ),
        _ => return Err(PageError::code(ErrorCode::NotFound)),
    };
    user_action(&state, p, &id, notice, result).await
}

#[derive(serde::Deserialize, Default)]
pub struct TokenFields {
    #[serde(default)]
    label: String,
}

pub async fn view_user_token_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(p, f): CsrfForm<TokenFields>,
) -> Result<Response, PageError> {
    let (user, _) = admin(&p)?;
    match state.app.admin_issue_token(&user, &id, &f.label).await {
        Ok(token) => Ok(user_page(
            &state,
            p,
            &user,
            &id,
            Some("admin.notice.token_issued"),
            Some(("admin.user.secret_token", token)),
            Problems::default(),
        )
        .await?
        .into_response()),
        Err(e) => user_action(&state, p, &id, "", Err(e)).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Procedures and workflows

/// One procedure as listed.
#[derive(Debug, Clone)]
pub struct ProcedureRow {
    pub code: String,
    pub name: String,
    /// The latest stored workflow version; 0: the default one applies.
    pub workflow: u32,
}

#[derive(Template)]
#[template(path = "admin/procedures.html")]
struct ProceduresTemplate {
    p: Page,
    q: String,
    rows: Vec<ProcedureRow>,
    total: usize,
    shown_limit: usize,
}

const PROCEDURES_SHOWN: usize = 100;

pub async fn view_procedures_get(
    State(state): State<AppState>,
    p: Page,
    PageQuery(query): PageQuery<TextQuery>,
) -> Result<Html<String>, PageError> {
    let (user, _) = admin(&p)?;
    let all = state
        .app
        .admin_procedures(&user)
        .await
        .map_err(page_error)?;
    let q = query.q.trim().to_string();
    let folded = tinhso_domain::text::fold(&q);
    let matching: Vec<_> = all
        .iter()
        .filter(|v| {
            q.is_empty()
                || v.procedure.code.to_string().starts_with(&q)
                || tinhso_domain::text::fold(&v.procedure.name).contains(&folded)
        })
        .collect();
    let mut rows = Vec::new();
    for v in matching.iter().take(PROCEDURES_SHOWN) {
        let workflow = state
            .app
            .store
            .workflow(&v.procedure.code)
            .await?
            .map_or(0, |w| w.version);
        rows.push(ProcedureRow {
            code: v.procedure.code.to_string(),
            name: v.procedure.name.clone(),
            workflow,
        });
    }
    render(&ProceduresTemplate {
        total: matching.len(),
        shown_limit: PROCEDURES_SHOWN,
        q,
        rows,
        p,
    })
}

/// One step of a workflow as shown.
#[derive(Debug, Clone)]
pub struct StepRow {
    pub id: String,
    pub name: String,
    pub role: &'static str,
    pub agency: String,
    pub share: u8,
    pub actions: String,
}

fn step_rows(lang: Lang, w: &WorkflowDefinition) -> Vec<StepRow> {
    w.steps
        .iter()
        .map(|s| StepRow {
            id: s.id.to_string(),
            name: s.name.clone(),
            role: role_label(lang, s.role),
            agency: match &s.agency {
                AgencyScope::Receiving => i18n::t(lang, "admin.workflow.receiving").to_string(),
                AgencyScope::Competent => i18n::t(lang, "admin.workflow.competent").to_string(),
                AgencyScope::Named(e) => e.to_string(),
            },
            share: s.share_percent,
            actions: s
                .actions
                .iter()
                .map(|a| match &a.target {
                    ActionTarget::Step(t) => format!("{} → {t}", a.action),
                    ActionTarget::End => format!("{} → ■", a.action),
                    ActionTarget::Stay => format!("{} ↺", a.action),
                })
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/procedure.html")]
struct ProcedureTemplate {
    p: Page,
    province: bool,
    code: String,
    name: String,
    /// Stored versions, oldest first.
    versions: Vec<u32>,
    /// The version shown (0: the default, not stored).
    shown: u32,
    latest: u32,
    steps: Vec<StepRow>,
    definition: String,
    problems: Problems,
    notice: Option<&'static str>,
    /// The names the definition uses: roles, and step actions with the target each needs.
    role_names: Vec<Named>,
    action_names: Vec<Named>,
}

/// A name the definition may use, with its meaning.
type Named = (&'static str, &'static str);

/// The staff roles and step actions a definition may name, for the editor's reference list.
fn definition_names(lang: Lang) -> (Vec<Named>, Vec<Named>) {
    let roles = STAFF_ROLES
        .iter()
        .map(|r| (role_name(*r), role_label(lang, *r)))
        .collect();
    let actions = ActionKind::ALL
        .iter()
        .filter_map(|a| {
            let key = match a.target_shape()? {
                TargetShape::Step => "admin.workflow.target_step",
                TargetShape::End => "admin.workflow.target_end",
                TargetShape::Stay => "admin.workflow.target_stay",
            };
            Some((a.as_str(), i18n::t(lang, key)))
        })
        .collect();
    (roles, actions)
}

#[derive(serde::Deserialize, Default)]
pub struct VersionQuery {
    #[serde(default, rename = "phien-ban")]
    version: Option<u32>,
    #[serde(default)]
    tb: String,
}

async fn procedure_page(
    state: &AppState,
    p: Page,
    code: &str,
    version: Option<u32>,
    definition: Option<String>,
    problems: Problems,
    notice: Option<&'static str>,
) -> Result<Html<String>, PageError> {
    let (user, scope) = admin(&p)?;
    let w = state
        .app
        .admin_workflows(&user, code)
        .await
        .map_err(page_error)?;
    let latest = w.versions.last().map_or(0, |v| v.version);
    let shown_def = match version {
        Some(v) => w
            .versions
            .iter()
            .find(|d| d.version == v)
            .ok_or_else(|| PageError::code(ErrorCode::NotFound))?,
        None => &w.current,
    };
    let definition =
        definition.unwrap_or_else(|| serde_json::to_string_pretty(&w.current).unwrap_or_default());
    let (role_names, action_names) = definition_names(p.lang);
    render(&ProcedureTemplate {
        role_names,
        action_names,
        province: scope.is_province(),
        code: w.procedure.procedure.code.to_string(),
        name: w.procedure.procedure.name.clone(),
        versions: w.versions.iter().map(|v| v.version).collect(),
        shown: if latest == 0 { 0 } else { shown_def.version },
        latest,
        steps: step_rows(p.lang, shown_def),
        definition,
        problems,
        notice,
        p,
    })
}

pub async fn view_procedure_get(
    State(state): State<AppState>,
    p: Page,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<VersionQuery>,
) -> Result<Html<String>, PageError> {
    procedure_page(
        &state,
        p,
        &code,
        q.version,
        None,
        Problems::default(),
        notice_key(&q.tb),
    )
    .await
}

/// One live dossier as the preview lists it.
#[derive(Debug, Clone)]
pub struct LiveRow {
    pub code: String,
    pub status: String,
    pub version: u32,
    pub step: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "admin/workflow_preview.html")]
struct PreviewTemplate {
    p: Page,
    code: String,
    name: String,
    new_version: u32,
    based_on: u32,
    definition: String,
    steps: Vec<StepRow>,
    pinned: Vec<(u32, u64)>,
    live: Vec<LiveRow>,
    live_total: u64,
    unchanged: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct DefinitionFields {
    #[serde(default)]
    definition: String,
    #[serde(default)]
    based_on: u32,
}

fn preview_page(
    p: Page,
    name: String,
    text: String,
    pv: WorkflowPreview,
) -> Result<Html<String>, PageError> {
    let lang = p.lang;
    let live = pv
        .live
        .iter()
        .map(|d| LiveRow {
            code: d.code.clone(),
            status: format!(
                "{} {}",
                d.status.code(),
                match lang {
                    Lang::Vi => d.status.label_vi(),
                    Lang::En => d.status.label_en(),
                }
            ),
            version: d.workflow_version,
            step: d.step.clone().unwrap_or_default(),
            due: d.due.as_ref().map(|t| p.datetime(t)).unwrap_or_default(),
        })
        .collect();
    let pinned: BTreeMap<u32, u64> = pv.pinned.clone();
    render(&PreviewTemplate {
        code: pv.definition.procedure_code.to_string(),
        new_version: pv.definition.version,
        based_on: pv.based_on,
        steps: step_rows(lang, &pv.definition),
        definition: text,
        pinned: pinned.into_iter().collect(),
        live,
        live_total: pv.live_total,
        unchanged: pv.unchanged,
        name,
        p,
    })
}

pub async fn view_workflow_preview_post(
    State(state): State<AppState>,
    Path(code): Path<String>,
    CsrfForm(p, f): CsrfForm<DefinitionFields>,
) -> Result<Response, PageError> {
    let (user, _) = admin(&p)?;
    match state
        .app
        .admin_preview_workflow(&user, &code, &f.definition)
        .await
    {
        Ok(pv) => {
            let name = state
                .app
                .admin_workflows(&user, &code)
                .await
                .map_err(page_error)?
                .procedure
                .procedure
                .name;
            // Shown again formatted (what is saved is the same definition).
            let text = serde_json::to_string_pretty(&pv.definition).unwrap_or(f.definition);
            Ok(preview_page(p, name, text, pv)?.into_response())
        }
        Err(AdminError::Invalid(problems)) => {
            let problems = Problems::new(p.lang, &problems);
            Ok(unprocessable(
                procedure_page(&state, p, &code, None, Some(f.definition), problems, None).await?,
            ))
        }
        Err(e) => Err(page_error(e)),
    }
}

pub async fn view_workflow_save_post(
    State(state): State<AppState>,
    Path(code): Path<String>,
    CsrfForm(p, f): CsrfForm<DefinitionFields>,
) -> Result<Response, PageError> {
    let (user, _) = admin(&p)?;
    match state
        .app
        .admin_save_workflow(&user, &code, &f.definition, f.based_on)
        .await
    {
        Ok(def) => Ok(see_other(&format!(
            "/quan-tri/thu-tuc/{}?tb=luu&phien-ban={}",
            def.procedure_code, def.version
        ))),
        Err(AdminError::Invalid(problems)) => {
            let problems = Problems::new(p.lang, &problems);
            Ok(unprocessable(
                procedure_page(&state, p, &code, None, Some(f.definition), problems, None).await?,
            ))
        }
        Err(e) => Err(page_error(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Calendar

/// One dated day as shown.
#[derive(Debug, Clone)]
pub struct DayRow {
    pub iso: String,
    pub date: String,
    pub name: String,
    pub holiday: bool,
}

#[derive(Template)]
#[template(path = "admin/calendar.html")]
struct CalendarTemplate {
    p: Page,
    province: bool,
    year: i16,
    report: YearCalendar,
    holidays: Vec<DayRow>,
    make_up: Vec<DayRow>,
    entries: Vec<DayRow>,
    months: Vec<(u8, u32)>,
    notice: Option<String>,
    form_date: String,
    form_kind: String,
    form_name: String,
    problems: Problems,
}

#[derive(serde::Deserialize, Default)]
pub struct CalendarQuery {
    #[serde(default)]
    nam: Option<i16>,
    #[serde(default)]
    tb: String,
    #[serde(default)]
    ngay: String,
    #[serde(default)]
    truoc: Option<u32>,
    #[serde(default)]
    sau: Option<u32>,
}

async fn calendar_page(
    state: &AppState,
    p: Page,
    year: i16,
    notice: Option<String>,
    form: (&str, &str, &str),
    problems: Problems,
) -> Result<Html<String>, PageError> {
    let (_, scope) = admin(&p)?;
    let year = if (1900..=2199).contains(&year) {
        year
    } else {
        state.app.today().year()
    };
    let report = state.app.calendar().year_report(year);
    let row = |d: &Date, name: &str, holiday: bool| DayRow {
        iso: d.to_string(),
        date: p.date(d),
        name: name.to_string(),
        holiday,
    };
    let holidays = report
        .holidays
        .iter()
        .map(|(d, n)| row(d, n, true))
        .collect();
    let make_up = report
        .make_up_days
        .iter()
        .map(|(d, n)| row(d, n, false))
        .collect();
    let entries = state
        .app
        .calendar_entries(year)
        .await
        .map_err(page_error)?
        .iter()
        .map(|e| row(&e.date, &e.name, e.kind == DayKind::Holiday))
        .collect();
    let months = report
        .working_days_per_month
        .iter()
        .enumerate()
        .map(|(i, n)| (u8::try_from(i + 1).unwrap_or(0), *n))
        .collect();
    render(&CalendarTemplate {
        province: scope.is_province(),
        year,
        holidays,
        make_up,
        entries,
        months,
        report,
        notice,
        form_date: form.0.to_string(),
        form_kind: form.1.to_string(),
        form_name: form.2.to_string(),
        problems,
        p,
    })
}

pub async fn view_calendar_get(
    State(state): State<AppState>,
    p: Page,
    PageQuery(q): PageQuery<CalendarQuery>,
) -> Result<Html<String>, PageError> {
    let year = q.nam.unwrap_or_else(|| state.app.today().year());
    let notice = match (q.tb.as_str(), q.truoc, q.sau) {
        ("them" | "xoa", Some(before), Some(after)) => {
            let key = if q.tb == "them" {
                "admin.calendar.added"
            } else {
                "admin.calendar.removed"
            };
            let date = tinhso_app::admin::parse_form_date(&q.ngay)
                .map(|d| p.date(&d))
                .unwrap_or_default();
            Some(format!(
                "{} {date}. {} {year}: {before} → {after}.",
                p.t(key),
                p.t("admin.calendar.effect")
            ))
        }
        _ => None,
    };
    calendar_page(
        &state,
        p,
        year,
        notice,
        ("", "holiday", ""),
        Problems::default(),
    )
    .await
}

#[derive(serde::Deserialize, Default)]
pub struct DayFields {
    #[serde(default)]
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

fn calendar_redirect(tb: &str, c: tinhso_app::admin::CalendarChange) -> Response {
    see_other(&format!(
        "/quan-tri/lich?nam={}&tb={tb}&ngay={}&truoc={}&sau={}",
        c.date.year(),
        c.date,
        c.before,
        c.after
    ))
}

pub async fn view_calendar_add_post(
    State(state): State<AppState>,
    CsrfForm(p, f): CsrfForm<DayFields>,
) -> Result<Response, PageError> {
    let (user, _) = admin(&p)?;
    match state
        .app
        .admin_add_calendar_day(&user, &f.date, &f.kind, &f.name)
        .await
    {
        Ok(change) => Ok(calendar_redirect("them", change)),
        Err(AdminError::Invalid(problems)) => {
            let problems = Problems::new(p.lang, &problems);
            let year = tinhso_app::admin::parse_form_date(&f.date)
                .map_or_else(|| state.app.today().year(), |d| d.year());
            Ok(unprocessable(
                calendar_page(&state, p, year, None, (&f.date, &f.kind, &f.name), problems).await?,
            ))
        }
        Err(e) => Err(page_error(e)),
    }
}

pub async fn view_calendar_remove_post(
    State(state): State<AppState>,
    CsrfForm(p, f): CsrfForm<DayFields>,
) -> Result<Response, PageError> {
    let (user, _) = admin(&p)?;
    match state.app.admin_remove_calendar_day(&user, &f.date).await {
        Ok(change) => Ok(calendar_redirect("xoa", change)),
        Err(e) => Err(page_error(e)),
    }
}
