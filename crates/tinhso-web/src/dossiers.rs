//! The dossier API under `/api/v1`: intake, queues, detail, timeline, actions, forms, the
//! register, attachments, and the public status look-up. Handlers parse, call
//! [`tinhso_app::App`], and shape the answer; the rules are in the domain and the app.
//!
//! Every route but the public look-up needs `Authorization: Bearer <token>`. Every `POST`
//! honours an `Idempotency-Key` header (a replay answers exactly as the first time). Answers
//! with personal data carry `Cache-Control: no-store`. A citizen asking for another's dossier
//! gets `dossier_not_found` (404, codes cannot be probed); an officer asking for another
//! agency's gets `forbidden` (403).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use tinhso_app::dossiers::{
    upload_policy, ActionRequest, DossierDetail, DossierView, IntakeRequest, QueueFilter, QueuePage,
};
use tinhso_app::forms::RegisterFormat;

use crate::auth::{idempotency_key, ApiJson, CurrentUser};
use crate::error::{ApiError, ErrorCode};
use crate::openapi::Routes;
use crate::AppState;

/// The dossier routes (relative to `/api/v1`).
pub fn routes() -> Routes {
    // The upload's own body limit: the policy's maximum, so a too-large file is a 413 before
    // it is read whole (a little more, so the check itself reports the size).
    let upload_limit = usize::try_from(upload_policy().max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    Routes::new()
        .post("/dossiers", create_dossier)
        .get("/dossiers", list_dossiers)
        .get("/dossiers/{code}", get_dossier)
        .get("/dossiers/{code}/timeline", get_timeline)
        .post("/dossiers/{code}/actions", post_action)
        .get("/dossiers/{code}/forms/{number}", get_form)
        .get("/register", get_register)
        .route(
            Method::POST,
            "/attachments",
            post(upload_attachment).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .get("/attachments/{sha256}", get_attachment)
        .get("/public/status", public_status)
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::with(ErrorCode::InvalidQuery, e.body_text()))
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /api/v1/dossiers` → 201 with the dossier and its look-up secret (shown once).
async fn create_dossier(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    ApiJson(req): ApiJson<IntakeRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let view = state.app.submit_dossier(&user, req, key.as_deref()).await?;
    Ok(no_store((StatusCode::CREATED, Json(view)).into_response()))
}

/// `GET /api/v1/dossiers?kind=mine|due_soon|overdue|paused|all&step=&q=&procedure=&limit=&before=`
async fn list_dossiers(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    q: Result<Query<QueueFilter>, QueryRejection>,
) -> Result<Response, ApiError> {
    let filter = query(q)?;
    let page: QueuePage = state.app.queue(&user, &filter).await?;
    Ok(no_store(Json(page).into_response()))
}

/// `GET /api/v1/dossiers/{code}`
async fn get_dossier(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let detail: DossierDetail = state.app.dossier_detail(&user, &code).await?;
    Ok(no_store(Json(detail).into_response()))
}

/// `GET /api/v1/dossiers/{code}/timeline`
async fn get_timeline(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let events = state.app.timeline(&user, &code).await?;
    Ok(no_store(
        Json(json!({ "code": code.trim(), "events": events })).into_response(),
    ))
}

/// `POST /api/v1/dossiers/{code}/actions` → 200 with the dossier after the move.
async fn post_action(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(code): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ActionRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let view: DossierView = state.app.act(&user, &code, req, key.as_deref()).await?;
    Ok(no_store(Json(view).into_response()))
}

/// `GET /api/v1/dossiers/{code}/forms/{01..06}` → a PDF.
async fn get_form(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((code, number)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let pdf = state.app.dossier_form(&user, &code, &number).await?;
    let name = format!("mau-{number}-{}.pdf", code.trim());
    Ok(file_response(pdf, "application/pdf", &name, "inline"))
}

#[derive(Debug, Deserialize)]
pub struct RegisterQuery {
    from: String,
    to: String,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    agency: Option<String>,
}

/// `GET /api/v1/register?from=YYYY-MM-DD&to=YYYY-MM-DD&format=csv|xlsx|pdf&agency=`: the
/// dossier register (Mẫu 07) of the officer's agency.
async fn get_register(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    q: Result<Query<RegisterQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let date = |s: &str, field: &str| {
        s.trim()
            .parse::<jiff::civil::Date>()
            .map_err(|_| ApiError::with(ErrorCode::InvalidDate, format!("{field}: YYYY-MM-DD")))
    };
    let (from, to) = (date(&q.from, "from")?, date(&q.to, "to")?);
    let format = q.format.as_deref().unwrap_or("csv");
    let agency = q.agency.as_deref();
    let stem = format!("so-theo-doi-ho-so-{from}-{to}");
    let response = match format {
        "csv" | "xlsx" => {
            let f = if format == "csv" {
                RegisterFormat::Csv
            } else {
                RegisterFormat::Xlsx
            };
            let bytes = state.app.register_file(&user, agency, from, to, f).await?;
            file_response(
                bytes,
                f.content_type(),
                &format!("{stem}.{}", f.extension()),
                "attachment",
            )
        }
        "pdf" => {
            let bytes = state.app.register_pdf(&user, agency, from, to).await?;
            file_response(bytes, "application/pdf", &format!("{stem}.pdf"), "inline")
        }
        _ => {
            return Err(ApiError::with(
                ErrorCode::InvalidQuery,
                "format: csv, xlsx hoặc pdf / csv, xlsx or pdf",
            ))
        }
    };
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    name: String,
}

/// `POST /api/v1/attachments?name=<file name>` with the file as the raw body → 201.
async fn upload_attachment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    q: Result<Query<UploadQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::with(
                ErrorCode::FileTooLarge,
                format!("tối đa / at most {} bytes", upload_policy().max_bytes),
            )
        } else {
            ApiError::with(ErrorCode::InvalidRequest, e.body_text())
        }
    })?;
    let stored = state.app.upload_attachment(&user, &q.name, &bytes).await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct AttachmentQuery {
    dossier: String,
}

/// `GET /api/v1/attachments/{sha256}?dossier=<code>`: a file of a dossier the user may see,
/// served so a browser never runs it (attachment, nosniff, sandbox).
async fn get_attachment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(sha256): Path<String>,
    q: Result<Query<AttachmentQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let file = state.app.attachment(&user, &q.dossier, &sha256).await?;
    Ok(file_response(
        file.bytes,
        file.mime,
        &file.name,
        "attachment",
    ))
}

#[derive(Debug, Deserialize)]
pub struct StatusQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    secret: String,
}

/// `GET /api/v1/public/status?code=&secret=`: no login; non-personal fields only. A wrong
/// code or secret is the same 404.
async fn public_status(
    State(state): State<AppState>,
    q: Result<Query<StatusQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    match state.app.public_status(&q.code, &q.secret).await? {
        Some(status) => Ok(no_store(Json(status).into_response())),
        None => Err(ApiError::new(ErrorCode::DossierNotFound)),
    }
}

/// A file answer that browsers will not sniff or run: the given type, `nosniff`, a
/// `Content-Disposition` with the safe name, a sandboxing CSP, and no caching.
pub(crate) fn file_response(bytes: Vec<u8>, mime: &str, name: &str, disposition: &str) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
