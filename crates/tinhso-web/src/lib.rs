//! # tinhso-web
//!
//! The only crate that knows HTTP. It translates requests into use-case calls on
//! [`tinhso_app::App`] and results into JSON or HTML; it holds no rules of its own.
//!
//! - `/api/v1/…`: the JSON API: the catalog ([`api`]) and dossiers ([`dossiers`], signed in
//!   with a bearer token, [`auth`]) and the operations dashboard's KPIs ([`kpi`]); errors
//!   follow the table in [`error`].
//! - `/api/openapi.json`: the OpenAPI 3.1 description of every route ([`openapi`]).
//! - `/healthz` (process alive), `/readyz` (database reachable), `/metrics` (Prometheus).
//! - Everything else: the HTML pages ([`html`]): the citizen portal, the officer workspace, the
//!   admin pages and the dashboard, Vietnamese first with English, behind the security headers of
//!   [`html::security`].

pub mod api;
pub mod auth;
pub mod dossiers;
pub mod error;
pub mod html;
pub mod kpi;
pub mod openapi;
mod telemetry;

use std::sync::Arc;

use axum::response::IntoResponse;
use axum::Router;
use tinhso_app::App;

pub use telemetry::Metrics;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub metrics: Metrics,
}

/// Every JSON and operations route, registered once: the router, the OpenAPI check and the
/// authorization table all read this. Pages are in [`html::routes`].
pub fn routes() -> openapi::Routes {
    openapi::Routes::new()
        .get("/healthz", telemetry::healthz)
        .get("/readyz", telemetry::readyz)
        .get("/metrics", telemetry::metrics)
        .get("/api/openapi.json", openapi::serve)
        .nest(
            "/api/v1",
            api::routes().merge(dossiers::routes()).merge(kpi::routes()),
        )
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    routes()
        .merge(html::routes())
        .into_router()
        .fallback(fallback)
        .layer(axum::middleware::from_fn(refuse_nul_in_uri))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            html::security::headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            telemetry::track,
        ))
        .with_state(state)
}

/// Unknown URLs: a JSON 404 under `/api/`, the 404 page elsewhere.
async fn fallback(uri: axum::http::Uri) -> axum::response::Response {
    if uri.path().starts_with("/api/") {
        api::not_found().await.into_response()
    } else {
        html::not_found().await
    }
}

/// A URL whose path or query holds `%00` (U+0000) is refused with `invalid_query` before any
/// handler sees it: PostgreSQL cannot compare or store U+0000 in text, and both engines must
/// answer alike. (`%00` is exact: a literal `%` travels as `%25`.)
async fn refuse_nul_in_uri(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let uri = req.uri();
    let text = uri.path_and_query().map_or("", |p| p.as_str());
    if text
        .as_bytes()
        .windows(3)
        .any(|w| w.eq_ignore_ascii_case(b"%00"))
    {
        return error::ApiError::with(
            error::ErrorCode::InvalidQuery,
            "địa chỉ không được chứa %00 / the URL must not contain %00 (U+0000)",
        )
        .into_response();
    }
    next.run(req).await
}

/// Serves until Ctrl-C / SIGTERM, refreshing what other nodes change every few seconds.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let app = state.app.clone();
    let refresher = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            if let Err(e) = app.refresh().await {
                tracing::warn!(error = %e, "refresh from the store failed; will retry");
            }
        }
    });
    // The peer address reaches handlers (sign-in throttling per client address).
    let service = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    refresher.abort();
    result
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down / đang dừng");
}
