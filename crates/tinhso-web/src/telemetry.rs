//! Health, readiness and Prometheus metrics.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::AppState;

/// The Prometheus registry of this process.
#[derive(Clone)]
pub struct Metrics(PrometheusHandle);

impl Metrics {
    /// Installs the global recorder (once per process; later calls reuse a local recorder so
    /// tests can build several apps).
    pub fn install() -> Self {
        static HANDLE: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();
        let handle = HANDLE.get_or_init(|| match builder().install_recorder() {
            Ok(h) => h,
            Err(_) => builder().build_recorder().handle(),
        });
        Self(handle.clone())
    }
    pub fn render(&self) -> String {
        self.0.render()
    }
}

/// The exporter, with buckets for the group size of dossier commits (other histograms are
/// summaries).
fn builder() -> PrometheusBuilder {
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(tinhso_store::group_commit::GROUP_WRITES_METRIC.to_string()),
            &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
        )
        // Only an empty bucket list is refused; this one is not.
        .unwrap_or_else(|_| PrometheusBuilder::new())
}

/// Counts and times every request by route template (never by raw path: no personal data in labels).
pub async fn track(State(_): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().as_str().to_string();
    let start = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let elapsed = start.elapsed().as_secs_f64();
    metrics::counter!("tinhso_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("tinhso_http_request_duration_seconds", "method" => method, "route" => route).record(elapsed);
    response
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let snap = state.app.catalog.snapshot();
    metrics::gauge!("tinhso_catalog_procedures").set(snap.records.len() as f64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}
