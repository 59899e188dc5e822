//! # tinhso-web
//!
//! The only crate that knows HTTP. It translates requests into use-case calls on
//! [`tinhso_app::App`] and results into JSON or HTML; it holds no rules of its own.
//!
//! - `/api/v1/…`: the JSON API ([`api`]); errors follow the table in [`error`].
//! - `/healthz` (process alive), `/readyz` (database reachable), `/metrics` (Prometheus).
//! - `/`: a landing page in Vietnamese with English.

pub mod api;
pub mod error;
mod pages;
mod telemetry;

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use tinhso_app::App;

pub use telemetry::Metrics;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub metrics: Metrics,
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/healthz", get(telemetry::healthz))
        .route("/readyz", get(telemetry::readyz))
        .route("/metrics", get(telemetry::metrics))
        .nest("/api/v1", api::routes())
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            telemetry::track,
        ))
        .with_state(state)
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
    let result = axum::serve(listener, router(state))
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
