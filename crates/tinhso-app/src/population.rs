//! The population data source (nguồn dữ liệu dân cư): where a citizen's personal ID number,
//! name and date of birth are verified to raise their account to e-ID level 2 (NĐ 69/2024,
//! domain.md §7).
//!
//! [`PopulationSource`] is the seam: today [`HttpPopulationSource`] speaks to the stand-in
//! service shipped in this repository (`tinhso-population`, run by `tinhso population serve`
//! or started by `tinhso demo`); the national population database adapter will implement the
//! same trait. Settings: `population_url`, `population_token` (config.rs).
//!
//! Only the answer (match or not) and the time of the check are kept; the number, name and
//! date of birth are sent, never stored or logged.

use std::time::Duration;

use async_trait::async_trait;
use jiff::civil::Date;
use tinhso_domain::identity::PersonalIdNumber;

/// How long to wait for a TCP (and TLS) connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a whole verification may take before the citizen is told to retry.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(8);

/// What is asked: does this number belong to a person with this name and date of birth?
#[derive(Clone, PartialEq, Eq)]
pub struct CitizenQuery {
    pub id_number: PersonalIdNumber,
    pub full_name: String,
    pub date_of_birth: Date,
}

impl std::fmt::Debug for CitizenQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Personal data: never in Debug output (it ends up in logs and panics).
        f.write_str("CitizenQuery { .. }")
    }
}

/// The source's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// True when the three facts belong to one person.
    pub matched: bool,
    /// The source's reference of the lookup (for its own audit log), if it gives one.
    pub reference: Option<String>,
}

/// Why a verification could not be made (as opposed to "did not match").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PopulationError {
    #[error("chưa cấu hình nguồn dữ liệu dân cư (population_url) / the population data source is not configured (population_url)")]
    NotConfigured,
    #[error("nguồn dữ liệu dân cư không trả lời, vui lòng thử lại sau / the population data source is unavailable, retry later: {0}")]
    Unavailable(String),
    #[error("nguồn dữ liệu dân cư từ chối mã bí mật (population_token) / the population data source refused the shared secret (population_token)")]
    Unauthorized,
    #[error("nguồn dữ liệu dân cư trả lời không như mong đợi / unexpected answer from the population data source: {0}")]
    Protocol(String),
}

/// A fresh random shared secret (48 hex digits), for a stand-in started without one.
pub fn new_shared_secret() -> Result<String, PopulationError> {
    crate::identity::random_bytes::<24>()
        .map(hex::encode)
        .map_err(|e| PopulationError::Protocol(format!("no randomness: {e}")))
}

/// Verifies identity facts against the population data.
#[async_trait]
pub trait PopulationSource: Send + Sync {
    async fn verify(&self, query: &CitizenQuery) -> Result<Verification, PopulationError>;
}

/// The population data source over HTTP: `POST {url}/v1/citizens/verify` with the shared
/// secret as a bearer token (the `tinhso-population` protocol).
#[derive(Clone)]
pub struct HttpPopulationSource {
    client: reqwest::Client,
    endpoint: String,
    token: String,
}

impl std::fmt::Debug for HttpPopulationSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpPopulationSource")
            .field("endpoint", &self.endpoint)
            .field("token", &"***")
            .finish()
    }
}

impl HttpPopulationSource {
    /// A client for the service at `base_url` (`http://…` or `https://…`), authenticating with
    /// `token`. Fails on an empty or malformed URL or a token shorter than 16 characters.
    pub fn new(base_url: &str, token: &str) -> Result<Self, PopulationError> {
        let base = base_url.trim().trim_end_matches('/');
        if base.is_empty() {
            return Err(PopulationError::NotConfigured);
        }
        let parsed = reqwest::Url::parse(base)
            .map_err(|e| PopulationError::Protocol(format!("population_url: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(PopulationError::Protocol(
                "population_url: http:// or https:// expected".into(),
            ));
        }
        if token.trim().chars().count() < 16 {
            return Err(PopulationError::Protocol(
                "population_token: at least 16 characters expected".into(),
            ));
        }
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // The shared secret must not follow a redirect to another host.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tinhso/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PopulationError::Protocol(format!("HTTP client: {e}")))?;
        Ok(Self {
            client,
            endpoint: format!("{base}/v1/citizens/verify"),
            token: token.trim().to_string(),
        })
    }
}

#[derive(serde::Serialize)]
struct WireRequest<'a> {
    id_number: &'a str,
    full_name: &'a str,
    date_of_birth: String,
}

#[derive(serde::Deserialize)]
struct WireResponse {
    #[serde(rename = "match")]
    matched: bool,
    #[serde(default)]
    request_id: Option<String>,
}

#[async_trait]
impl PopulationSource for HttpPopulationSource {
    async fn verify(&self, query: &CitizenQuery) -> Result<Verification, PopulationError> {
        let started = std::time::Instant::now();
        let body = WireRequest {
            id_number: query.id_number.as_str(),
            full_name: query.full_name.trim(),
            date_of_birth: query.date_of_birth.to_string(),
        };
        let response = self
            .client
            .post(&self.endpoint)
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| {
                let why = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "connection refused or unreachable"
                } else {
                    "request failed"
                };
                tracing::warn!(endpoint = %self.endpoint, why, "population data source unavailable");
                PopulationError::Unavailable(why.into())
            })?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            tracing::error!(endpoint = %self.endpoint, %status, "population data source refused the shared secret");
            return Err(PopulationError::Unauthorized);
        }
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            tracing::warn!(endpoint = %self.endpoint, %status, "population data source failed");
            return Err(PopulationError::Unavailable(format!("HTTP {status}")));
        }
        if !status.is_success() {
            return Err(PopulationError::Protocol(format!("HTTP {status}")));
        }
        let wire: WireResponse = response.json().await.map_err(|e| {
            if e.is_timeout() {
                PopulationError::Unavailable("timed out".into())
            } else {
                PopulationError::Protocol("the answer is not the expected JSON".into())
            }
        })?;
        tracing::info!(
            reference = wire.request_id.as_deref().unwrap_or(""),
            matched = wire.matched,
            millis = started.elapsed().as_millis() as u64,
            "population data source answered"
        );
        Ok(Verification {
            matched: wire.matched,
            reference: wire.request_id,
        })
    }
}
