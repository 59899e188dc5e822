//! Online submission: `/nop-ho-so/{code}` → review → `/nop-ho-so/{code}/xac-nhan`.
//!
//! The form is `multipart/form-data`: the files are checked (size, type sniffed from the bytes,
//! active content; `tinhso_objects`) and stored by SHA-256 when the form is posted, so the
//! review page carries only their hashes. The confirmation posts the whole dossier once more
//! with the idempotency key `khoa` issued with the form: a double submit (or a reload of the
//! confirmation) answers the same dossier, code and secret included.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::post;
use serde_json::json;
use tinhso_app::dossiers::{upload_policy, AttachmentInput, DossierView, IntakeRequest};
use tinhso_domain::catalog::{Channel, OnlineLevel, ProcedureCode, ProcedureVersion};
use tinhso_domain::dossier::Role;
use tinhso_store::dossiers::{Applicant, User};

use super::{agency_names, page_error, Choice};
use crate::error::ErrorCode;
use crate::html::render;
use crate::html::session::{random_token, CsrfForm, Page, PageError};
use crate::openapi::Routes;
use crate::AppState;

/// The most files one form may carry (each at most the upload policy's size).
pub(crate) const MAX_FILES: usize = 10;

pub fn routes() -> Routes {
    Routes::new()
        .get("/nop-ho-so/{code}", view_submit_get)
        .route(
            Method::POST,
            "/nop-ho-so/{code}",
            post(view_submit_post).layer(DefaultBodyLimit::max(body_limit())),
        )
        .post("/nop-ho-so/{code}/sua", view_edit_post)
        .post("/nop-ho-so/{code}/xac-nhan", view_confirm_post)
}

/// The body limit of a form with files: four files of the policy's size, plus 1 MiB (a
/// larger body is a 413 before it is read whole).
pub(crate) fn body_limit() -> usize {
    usize::try_from(upload_policy().max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_mul(4)
        .saturating_add(1024 * 1024)
}

/// A posted `multipart/form-data` form: text fields and files by field name.
pub(crate) struct MultipartForm {
    pub fields: HashMap<String, String>,
    /// (field name, declared file name, bytes); empty file inputs are left out.
    pub files: Vec<(String, String, Vec<u8>)>,
}

impl MultipartForm {
    pub fn text(&self, name: &str) -> String {
        self.fields
            .get(name)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    /// Reads the whole form; a body over the limit is a 413 page.
    pub async fn read(mut m: Multipart) -> Result<Self, PageError> {
        let mut fields = HashMap::new();
        let mut files = Vec::new();
        let max_file = usize::try_from(upload_policy().max_bytes)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let bad = |e: axum::extract::multipart::MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                PageError::code(ErrorCode::PayloadTooLarge)
            } else {
                PageError::detail(ErrorCode::InvalidRequest, e.body_text())
            }
        };
        while let Some(field) = m.next_field().await.map_err(bad)? {
            let name = field
                .name()
                .unwrap_or("")
                .chars()
                .take(64)
                .collect::<String>();
            match field.file_name().map(str::to_string) {
                Some(file_name) => {
                    // Buffer at most one byte over the policy's limit: enough for the check
                    // to refuse the file as too large; the rest is read and dropped.
                    let mut field = field;
                    let mut bytes: Vec<u8> = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(bad)? {
                        let room = max_file.saturating_sub(bytes.len());
                        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    }
                    if !bytes.is_empty() || !file_name.is_empty() {
                        if files.len() >= MAX_FILES {
                            return Err(PageError::detail(
                                ErrorCode::InvalidRequest,
                                format!("tối đa {MAX_FILES} tệp / at most {MAX_FILES} files"),
                            ));
                        }
                        files.push((name, file_name, bytes));
                    }
                }
                None => {
                    let text = field.text().await.map_err(bad)?;
                    if fields.len() < 200 && text.len() <= 20_000 {
                        fields.insert(name, text);
                    }
                }
            }
        }
        Ok(Self { fields, files })
    }
}

/// The CSRF check of a multipart form: the `Origin` (if sent) is this host, and the `csrf`
/// field matches the page's token.
pub(crate) fn check_multipart_csrf(
    p: &Page,
    headers: &HeaderMap,
    form: &MultipartForm,
) -> Result<(), PageError> {
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if origin != "null" && origin.split("://").nth(1).unwrap_or("") != host {
            return Err(PageError::code(ErrorCode::CsrfFailed));
        }
    }
    p.check_csrf(&form.text("csrf"))
}

/// The message of an upload refusal, in the page's language (the error table's text).
pub(crate) fn upload_message(p: &Page, e: &tinhso_app::dossiers::DossierError) -> String {
    let code = ErrorCode::from_name(e.code()).unwrap_or(ErrorCode::InvalidRequest);
    let (vi, en) = code.messages();
    match p.lang {
        crate::html::i18n::Lang::Vi => vi.to_string(),
        crate::html::i18n::Lang::En => en.to_string(),
    }
}

/// A component of the procedure on the form.
pub(crate) struct ComponentInput {
    pub index: usize,
    pub name: String,
    pub form_template: Option<String>,
    /// Must be attached (required, and the state does not already hold it).
    pub required: bool,
    /// The state holds it (Chỉ thị 24/CT-TTg): never asked for.
    pub from_data: bool,
    pub error: Option<String>,
    /// A file already uploaded for it (SHA-256, name): kept unless another is chosen.
    pub kept: Option<(String, String)>,
}

pub(crate) fn component_inputs(pv: &ProcedureVersion) -> Vec<ComponentInput> {
    pv.procedure
        .components
        .iter()
        .enumerate()
        .map(|(index, c)| ComponentInput {
            index,
            name: c.name.clone(),
            form_template: c.form_template.clone(),
            required: c.required && !c.obtainable_from_data,
            from_data: c.obtainable_from_data,
            error: None,
            kept: None,
        })
        .collect()
}

/// What the citizen typed.
#[derive(Debug, Clone, Default)]
struct Entries {
    agency: String,
    name: String,
    id_number: String,
    phone: String,
    email: String,
    address: String,
    request: String,
    comment: String,
}

impl Entries {
    fn from_fields(get: impl Fn(&str) -> String) -> Self {
        Entries {
            agency: get("co_quan"),
            name: get("ho_ten"),
            id_number: get("so_dinh_danh"),
            phone: get("dien_thoai"),
            email: get("email"),
            address: get("dia_chi"),
            request: get("noi_dung"),
            comment: get("ghi_chu"),
        }
    }

    /// Field errors (field name → message key).
    fn check(&self, agencies: &[Choice]) -> Vec<(&'static str, &'static str)> {
        let mut errors = Vec::new();
        if !agencies.iter().any(|a| a.value == self.agency) {
            errors.push(("co_quan", "portal.submit.err_agency"));
        }
        // A bidirectional override or a control character would reverse or hide what follows
        // the text on every page that shows it: refused with its own message.
        let hidden = |t: &str| tinhso_domain::text::hidden_control(t).is_some();
        if self.name.is_empty() || self.name.chars().count() > 200 {
            errors.push(("ho_ten", "portal.submit.err_name"));
        } else if hidden(&self.name) {
            errors.push(("ho_ten", "portal.submit.err_hidden"));
        }
        let id_ok = self.id_number.is_empty()
            || (self.id_number.len() == 12 && self.id_number.bytes().all(|b| b.is_ascii_digit()));
        if !id_ok {
            errors.push(("so_dinh_danh", "portal.submit.err_id"));
        }
        let phone_ok = self.phone.chars().count() <= 20
            && self
                .phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '.' | '-'));
        if self.phone.is_empty() || !phone_ok {
            errors.push(("dien_thoai", "portal.submit.err_phone"));
        }
        let email_ok = self.email.is_empty()
            || (self.email.chars().count() <= 200
                && self.email.contains('@')
                && !self.email.contains(char::is_whitespace));
        if !email_ok {
            errors.push(("email", "portal.submit.err_email"));
        }
        if self.address.chars().count() > 500 {
            errors.push(("dia_chi", "portal.submit.err_address"));
        } else if hidden(&self.address) {
            errors.push(("dia_chi", "portal.submit.err_hidden"));
        }
        if self.request.is_empty() || self.request.chars().count() > 2000 {
            errors.push(("noi_dung", "portal.submit.err_request"));
        } else if hidden(&self.request) {
            errors.push(("noi_dung", "portal.submit.err_hidden"));
        }
        if self.comment.chars().count() > 2000 {
            errors.push(("ghi_chu", "portal.submit.err_comment"));
        } else if hidden(&self.comment) {
            errors.push(("ghi_chu", "portal.submit.err_hidden"));
        }
        errors
    }

    fn applicant(&self) -> Applicant {
        Applicant {
            name: self.name.clone(),
            kind: 1,
            id_number: self.id_number.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            address: self.address.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/submit.html")]
struct SubmitTemplate {
    p: Page,
    code: String,
    name: String,
    key: String,
    agencies: Vec<Choice>,
    e: Entries,
    components: Vec<ComponentInput>,
    errors: Vec<(&'static str, &'static str)>,
    max_mb: u64,
}

impl SubmitTemplate {
    fn error_of(&self, field: &str) -> Option<&'static str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, k)| *k)
    }
    /// The applicant inputs: id (= name), label key, type, value, autocomplete, required.
    #[allow(clippy::type_complexity)]
    fn applicant_fields(
        &self,
    ) -> Vec<(
        &'static str,
        &'static str,
        &'static str,
        &str,
        &'static str,
        bool,
    )> {
        let e = &self.e;
        vec![
            (
                "ho_ten",
                "portal.submit.name",
                "text",
                e.name.as_str(),
                "name",
                true,
            ),
            (
                "so_dinh_danh",
                "portal.submit.id_number",
                "text",
                e.id_number.as_str(),
                "off",
                false,
            ),
            (
                "dien_thoai",
                "portal.submit.phone",
                "tel",
                e.phone.as_str(),
                "tel",
                true,
            ),
            (
                "email",
                "portal.submit.email",
                "email",
                e.email.as_str(),
                "email",
                false,
            ),
            (
                "dia_chi",
                "portal.submit.address",
                "text",
                e.address.as_str(),
                "street-address",
                false,
            ),
        ]
    }

    fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.components.iter().any(|c| c.error.is_some())
    }
}

/// The procedure, if it can be submitted online.
fn online_procedure(state: &AppState, code: &str) -> Result<ProcedureVersion, PageError> {
    let code =
        ProcedureCode::parse(code).map_err(|_| PageError::code(ErrorCode::ProcedureNotFound))?;
    let snapshot = state.app.catalog.snapshot();
    let pv = snapshot
        .records
        .get(&code)
        .cloned()
        .ok_or_else(|| PageError::code(ErrorCode::ProcedureNotFound))?;
    if pv.procedure.online_level == OnlineLevel::None {
        return Err(PageError::code(ErrorCode::ChannelNotAllowed));
    }
    Ok(pv)
}

/// The agencies that receive the procedure's dossiers (all agencies when the record names
/// none), by name.
async fn agency_choices(
    state: &AppState,
    pv: &ProcedureVersion,
    selected: &str,
) -> Result<Vec<Choice>, PageError> {
    let names = agency_names(state).await?;
    let mut out: Vec<Choice> = if pv.procedure.agency_eids.is_empty() {
        names
            .iter()
            .map(|(eid, name)| Choice {
                value: eid.clone(),
                label: name.clone(),
                selected: eid == selected,
            })
            .collect()
    } else {
        pv.procedure
            .agency_eids
            .iter()
            .filter_map(|e| {
                let eid = e.to_string();
                names.get(&eid).map(|name| Choice {
                    selected: eid == selected,
                    value: eid,
                    label: name.clone(),
                })
            })
            .collect()
    };
    out.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(out)
}

fn citizen(p: &Page) -> Result<User, PageError> {
    p.require_role(&[Role::Applicant]).cloned()
}

/// `GET /nop-ho-so/{code}`: the online form, prefilled from the account (and the citizen's
/// latest dossier).
pub async fn view_submit_get(
    State(state): State<AppState>,
    p: Page,
    Path(code): Path<String>,
) -> Result<Html<String>, PageError> {
    let user = citizen(&p)?;
    let pv = online_procedure(&state, &code)?;
    let latest = state
        .app
        .latest_applicant(&user)
        .await
        .map_err(page_error)?;
    let mut e = Entries {
        name: user.name.clone(),
        ..Default::default()
    };
    if let Some(a) = latest {
        e.id_number = a.id_number;
        e.phone = a.phone;
        e.email = a.email;
        e.address = a.address;
    }
    let agencies = agency_choices(&state, &pv, "").await?;
    if agencies.len() == 1 {
        e.agency = agencies[0].value.clone();
    }
    render(&SubmitTemplate {
        code: pv.procedure.code.to_string(),
        name: pv.procedure.name.clone(),
        key: random_token(),
        agencies,
        e,
        components: component_inputs(&pv),
        errors: Vec::new(),
        max_mb: upload_policy().max_bytes / (1024 * 1024),
        p,
    })
}

/// A checked and stored file of the review.
struct ReviewFile {
    index: usize,
    component: String,
    sha256: String,
    name: String,
    size_kb: u64,
}

#[derive(Template)]
#[template(path = "portal/review.html")]
struct ReviewTemplate {
    p: Page,
    code: String,
    name: String,
    key: String,
    agency_name: String,
    e: Entries,
    files: Vec<ReviewFile>,
}

/// `POST /nop-ho-so/{code}`: checks the entries, stores the files, shows the review.
pub async fn view_submit_post(
    State(state): State<AppState>,
    p: Page,
    Path(code): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let user = citizen(&p)?;
    let pv = online_procedure(&state, &code)?;
    let form = MultipartForm::read(multipart).await?;
    check_multipart_csrf(&p, &headers, &form)?;
    let e = Entries::from_fields(|n| form.text(n));
    let agencies = agency_choices(&state, &pv, &e.agency).await?;
    let errors = e.check(&agencies);
    let mut components = component_inputs(&pv);
    let mut files = Vec::new();
    for (field, file_name, bytes) in &form.files {
        let Some(c) = field
            .strip_prefix("tep_")
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| components.get_mut(i))
            .filter(|c| !c.from_data)
        else {
            continue;
        };
        match state.app.upload_attachment(&user, file_name, bytes).await {
            Ok(up) => files.push(ReviewFile {
                index: c.index,
                component: c.name.clone(),
                sha256: up.sha256,
                name: up.name,
                size_kb: up.size.div_ceil(1024),
            }),
            Err(err @ tinhso_app::dossiers::DossierError::Upload(_)) => {
                c.error = Some(upload_message(&p, &err));
            }
            Err(err) => return Err(page_error(err)),
        }
    }
    for c in components.iter_mut() {
        let has_new = files.iter().any(|f| f.index == c.index);
        if !has_new && c.error.is_none() && !c.from_data {
            if let Some((sha256, name)) = kept_file(|n| form.text(n), "giu", c.index) {
                files.push(ReviewFile {
                    index: c.index,
                    component: c.name.clone(),
                    sha256,
                    name,
                    size_kb: 0,
                });
                continue;
            }
        }
        if c.required && c.error.is_none() && !has_new {
            c.error = Some(p.t("portal.submit.err_file_required").to_string());
        }
    }
    let key = key_or_new(form.text("khoa"));
    if !errors.is_empty() || components.iter().any(|c| c.error.is_some()) {
        // The files that passed are kept: the citizen chooses only the refused ones again.
        for f in &files {
            if let Some(c) = components.iter_mut().find(|c| c.index == f.index) {
                c.kept = Some((f.sha256.clone(), f.name.clone()));
            }
        }
        let html = render(&SubmitTemplate {
            code: pv.procedure.code.to_string(),
            name: pv.procedure.name.clone(),
            key,
            agencies,
            e,
            components,
            errors,
            max_mb: upload_policy().max_bytes / (1024 * 1024),
            p,
        })?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    }
    let agency_name = agencies
        .iter()
        .find(|a| a.value == e.agency)
        .map(|a| a.label.clone())
        .unwrap_or_default();
    Ok(render(&ReviewTemplate {
        code: pv.procedure.code.to_string(),
        name: pv.procedure.name.clone(),
        key,
        agency_name,
        e,
        files,
        p,
    })?
    .into_response())
}

/// A file the form carries over (`{prefix}_{i}` = SHA-256, `{prefix}_ten_{i}` or `ten_{i}` =
/// its name), if the hash is well-formed. The confirmation checks the object exists.
fn kept_file(get: impl Fn(&str) -> String, prefix: &str, i: usize) -> Option<(String, String)> {
    let sha = get(&format!("{prefix}_{i}"));
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let name = match prefix {
        "tep" => get(&format!("ten_{i}")),
        _ => get(&format!("{prefix}_ten_{i}")),
    };
    Some((sha.to_ascii_lowercase(), name.chars().take(200).collect()))
}

/// A form field, trimmed ("" when absent).
fn field(fields: &HashMap<String, String>, name: &str) -> String {
    fields
        .get(name)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The idempotency key the form carried, or a new one if it carried none usable.
fn key_or_new(key: String) -> String {
    if key.is_empty() || key.len() > 200 {
        random_token()
    } else {
        key
    }
}

/// `POST /nop-ho-so/{code}/sua`: back from the review to the form, entries and files kept.
pub async fn view_edit_post(
    State(state): State<AppState>,
    Path(code): Path<String>,
    CsrfForm(p, fields): CsrfForm<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    citizen(&p)?;
    let pv = online_procedure(&state, &code)?;
    let get = |n: &str| field(&fields, n);
    let e = Entries::from_fields(get);
    let agencies = agency_choices(&state, &pv, &e.agency).await?;
    let mut components = component_inputs(&pv);
    for c in components.iter_mut().filter(|c| !c.from_data) {
        c.kept = kept_file(get, "tep", c.index);
    }
    let key = get("khoa");
    render(&SubmitTemplate {
        code: pv.procedure.code.to_string(),
        name: pv.procedure.name.clone(),
        key: key_or_new(key),
        agencies,
        e,
        components,
        errors: Vec::new(),
        max_mb: upload_policy().max_bytes / (1024 * 1024),
        p,
    })
}

#[derive(Template)]
#[template(path = "portal/submitted.html")]
struct SubmittedTemplate {
    p: Page,
    view: DossierView,
    secret: String,
}

/// `POST /nop-ho-so/{code}/xac-nhan`: submits the reviewed dossier (idempotent by `khoa`).
pub async fn view_confirm_post(
    State(state): State<AppState>,
    Path(code): Path<String>,
    CsrfForm(p, fields): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let user = citizen(&p)?;
    let pv = online_procedure(&state, &code)?;
    let get = |n: &str| field(&fields, n);
    let e = Entries::from_fields(get);
    let agencies = agency_choices(&state, &pv, &e.agency).await?;
    if let Some((_, key)) = e.check(&agencies).first() {
        return Err(PageError::detail(
            ErrorCode::InvalidRequest,
            p.t(key).to_string(),
        ));
    }
    let mut attachments = Vec::new();
    for (i, c) in pv.procedure.components.iter().enumerate() {
        let sha = get(&format!("tep_{i}"));
        if sha.is_empty() {
            continue;
        }
        attachments.push(AttachmentInput {
            component: c.name.clone(),
            sha256: sha,
            name: Some(get(&format!("ten_{i}"))).filter(|n| !n.is_empty()),
        });
    }
    let req = IntakeRequest {
        procedure_code: pv.procedure.code.to_string(),
        channel: Channel::Online,
        receiving_agency: Some(e.agency.clone()),
        competent_agency: None,
        applicant: e.applicant(),
        form: json!({ "noi_dung": e.request }),
        attachments,
        comment: Some(e.comment.clone()).filter(|c| !c.is_empty()),
    };
    let key = get("khoa");
    let view = state
        .app
        .submit_dossier(&user, req, Some(key.as_str()).filter(|k| !k.is_empty()))
        .await
        .map_err(page_error)?;
    let secret = view.secret.clone().unwrap_or_default();
    Ok(render(&SubmittedTemplate { p, view, secret })?.into_response())
}
