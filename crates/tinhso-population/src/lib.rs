//! # tinhso-population
//!
//! A stand-in for the national population database (CSDL quốc gia về dân cư): a small,
//! separate HTTP service over synthetic citizens ([`citizens`]) that answers one question —
//! does this personal ID number belong to a person with this name and date of birth? tinhso
//! calls it over HTTP (`tinhso_app::population::HttpPopulationSource`) to raise a citizen's
//! account to e-ID level 2 (NĐ 69/2024, domain.md §7). The real national adapter replaces it
//! by speaking to the national system behind the same `PopulationSource` trait; nothing in
//! tinhso knows it is talking to a stand-in.
//!
//! Run it with `tinhso population serve --listen 127.0.0.1:PORT` (the shared secret comes from
//! `TINHSO_POPULATION_TOKEN`); `tinhso demo` starts one inside its own process, on a random
//! loopback port, over real TCP.
//!
//! ## API
//! - `POST /v1/citizens/verify` with `Authorization: Bearer <shared secret>` and
//!   `{"id_number": "086190012345", "full_name": "Nguyễn Thị Hồng Nhung", "date_of_birth": "1990-05-12"}`
//!   → `200 {"match": true, "request_id": "…"}`. An unknown number and a wrong name or date
//!   give the same `{"match": false}`, so the answer never says which part was wrong.
//!   Errors: `401 unauthenticated` (missing or wrong secret), `400 invalid_json`,
//!   `422 invalid_request` (a field missing or malformed), each as
//!   `{"error": {"code": "…", "message": "…"}}`.
//! - `GET /healthz` → `200 ok` (no secret needed).
//!
//! Every lookup is logged with its request id, outcome and duration — never the number, the
//! name or the date (Luật 91/2025: personal data stays out of logs).

pub mod citizens;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub use citizens::{Citizen, Registry};

/// Default number of synthetic citizens.
pub const DEFAULT_CITIZENS: usize = 10_000;
/// Default seed: the same people every time.
pub const DEFAULT_SEED: u64 = 86;

/// The service's state: the citizens and the shared secret.
#[derive(Clone)]
pub struct Service {
    registry: Arc<Registry>,
    token: Arc<str>,
    requests: Arc<AtomicU64>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("citizens", &self.registry.len())
            .field("token", &"***")
            .finish()
    }
}

/// Why the service cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cần mã bí mật dùng chung (TINHSO_POPULATION_TOKEN), ít nhất 16 ký tự / a shared secret (TINHSO_POPULATION_TOKEN) of at least 16 characters is required")]
    WeakToken,
}

impl Service {
    /// A service answering for `registry`, accepting `token` as the bearer secret (at least
    /// 16 characters: it is the only thing standing between the network and the data).
    pub fn new(registry: Registry, token: &str) -> Result<Self, StartError> {
        let token = token.trim();
        if token.chars().count() < 16 {
            return Err(StartError::WeakToken);
        }
        Ok(Self {
            registry: Arc::new(registry),
            token: token.into(),
            requests: Arc::new(AtomicU64::new(0)),
        })
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The HTTP routes.
    pub fn router(self) -> Router {
        Router::new()
            .route("/v1/citizens/verify", post(verify))
            .route("/healthz", get(|| async { "ok" }))
            .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "no such route") })
            .with_state(self)
    }

    /// Serves on `listener` until the task is dropped or aborted.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }

    /// Binds `addr` (port 0: a random free port), starts serving in a separate task, and
    /// returns the address it listens on with the task's handle (abort it to stop).
    pub async fn spawn(
        self,
        addr: std::net::SocketAddr,
    ) -> std::io::Result<(std::net::SocketAddr, tokio::task::JoinHandle<()>)> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let citizens = self.registry.len();
        let handle = tokio::spawn(async move {
            if let Err(e) = self.serve(listener).await {
                tracing::error!(error = %e, "population service stopped");
            }
        });
        tracing::info!(%local, citizens, "population service listening");
        Ok((local, handle))
    }
}

/// The body of `POST /v1/citizens/verify`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    id_number: String,
    full_name: String,
    date_of_birth: String,
}

#[derive(Debug, Serialize)]
struct VerifyResponse {
    #[serde(rename = "match")]
    matched: bool,
    request_id: String,
}

async fn verify(State(service): State<Service>, headers: HeaderMap, body: Bytes) -> Response {
    let started = std::time::Instant::now();
    let n = service.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let request_id = format!("pop-{n:08}");
    let outcome = |outcome: &'static str| {
        // What the log may say: which request, what came of it, how long it took.
        tracing::info!(
            request_id = %request_id,
            outcome,
            micros = started.elapsed().as_micros() as u64,
            "citizen verification"
        );
    };
    if !authorized(&headers, &service.token) {
        outcome("unauthenticated");
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "missing or wrong bearer secret",
        );
    }
    let req: VerifyRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            outcome("invalid");
            let (status, code) = if e.is_data() {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request")
            } else {
                (StatusCode::BAD_REQUEST, "invalid_json")
            };
            // serde's message names the field and position, never the value.
            return error(
                status,
                code,
                &format!("line {} column {}", e.line(), e.column()),
            );
        }
    };
    let id = match tinhso_domain::identity::PersonalIdNumber::parse(&req.id_number) {
        Ok(id) => id,
        Err(_) => {
            outcome("invalid");
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
                "id_number: 12 digits expected",
            );
        }
    };
    let Ok(dob) = req.date_of_birth.trim().parse::<jiff::civil::Date>() else {
        outcome("invalid");
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "date_of_birth: YYYY-MM-DD expected",
        );
    };
    if req.full_name.trim().is_empty() || req.full_name.chars().count() > 200 {
        outcome("invalid");
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "full_name: 1 to 200 characters expected",
        );
    }
    let matched = service.registry.matches(id.as_str(), &req.full_name, dob);
    outcome(if matched { "match" } else { "no_match" });
    Json(VerifyResponse {
        matched,
        request_id,
    })
    .into_response()
}

fn authorized(headers: &HeaderMap, token: &str) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, given)) = value.trim().split_once(' ') else {
        return false;
    };
    scheme.eq_ignore_ascii_case("bearer") && constant_time_eq(given.trim(), token)
}

/// Compares in time that depends only on the lengths, so the secret cannot be guessed byte by
/// byte from response times.
fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let mut response = (
        status,
        Json(serde_json::json!({"error": {"code": code, "message": message}})),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    response
}
