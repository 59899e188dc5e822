//! # tinhso-app
//!
//! The use cases of tinhso, between the pure domain and the outside world: opening the store
//! the configuration names, importing units, agencies, calendars and catalogs (all-or-nothing
//! unless asked to skip bad records), searching the catalog, and computing due dates on the
//! province's working calendar. Handlers and commands call these; they hold no rules of their own.
//!
//! Time comes in through a [`Clock`], so tests control it.

pub mod accounts;
pub mod admin;
pub mod app;
pub mod available;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod demo;
pub mod dossiers;
pub mod formats;
pub mod forms;
pub mod identity;
pub mod imports;
pub mod index_config;
pub mod kpi;
mod pinned;
pub mod population;
pub mod portal;
pub mod progress;
mod reference;
pub mod scheduler;
pub mod seed;
pub mod sessions;
mod shared_read;
pub mod transparency;
pub mod unused_objects;

pub use app::{App, AppSettings};
pub use clock::{Clock, FixedClock, SystemClock};
pub use config::Config;
pub use progress::{NoProgress, ProgressSink};

use std::sync::Arc;

use tinhso_store::{Store, StoreError};

/// Opens the store a database URL names: `sqlite:…` (embedded) or `postgres://…`.
/// Each backend runs its own migrations on open.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(
            tinhso_store_postgres::PostgresStore::connect(url).await?,
        ))
    } else if url.starts_with("sqlite:") {
        if let Some(dir) = sqlite_parent_dir(url) {
            std::fs::create_dir_all(&dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create data folder {}: {e}", dir.display()))
            })?;
        }
        Ok(Arc::new(tinhso_store_sqlite::SqliteStore::open(url).await?))
    } else {
        Err(StoreError::Unavailable(format!(
            "unsupported database URL scheme in {:?}: use sqlite://PATH or postgres://…",
            config::redact_url(url)
        )))
    }
}

fn sqlite_parent_dir(url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    if path.is_empty() || path.starts_with(":memory:") {
        return None;
    }
    std::path::Path::new(path)
        .parent()
        .map(|p| p.to_path_buf())
        .filter(|p| !p.as_os_str().is_empty())
}
