//! WAL checkpoints beside the writer instead of inside its commits.
//!
//! By default SQLite's committing connection copies the WAL back into the database file
//! whenever the WAL passes 1,000 pages: that work (and its fsync) then sits inside a dossier
//! group's COMMIT, the one serial step every write waits for. The writer connection here has
//! `wal_autocheckpoint = 0`, and a connection of its own runs `PRAGMA wal_checkpoint(PASSIVE)`
//! every [`EVERY`]: PASSIVE never blocks the writer or the readers, and each commit stays
//! durable by its own fsync of the WAL (`synchronous = FULL`), whatever the checkpoints do.

use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use crate::db_err;
use tinhso_store::StoreResult;

/// How often the WAL is copied back.
pub(crate) const EVERY: Duration = Duration::from_millis(200);

/// Kept by the store: the checkpoints stop (and their connection closes) once every clone of
/// the store is gone.
#[derive(Debug)]
pub(crate) struct Checkpoints {
    pool: SqlitePool,
}

impl Checkpoints {
    /// Opens the checkpoint connection and starts the loop on the current runtime.
    pub(crate) async fn start(options: SqliteConnectOptions) -> StoreResult<Arc<Self>> {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(db_err)?;
        let kept = Arc::new(Self { pool });
        tokio::spawn(run(Arc::downgrade(&kept)));
        Ok(kept)
    }

    /// Copies the WAL back now (all of it that no reader still needs); answers the WAL's
    /// frames and how many of them are in the database file.
    pub(crate) async fn now(&self) -> StoreResult<(i64, i64)> {
        checkpoint(&self.pool).await
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

async fn checkpoint(pool: &SqlitePool) -> StoreResult<(i64, i64)> {
    let (_busy, frames, copied): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    Ok((frames, copied))
}

async fn run(kept: Weak<Checkpoints>) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(checkpoints) = kept.upgrade() else {
            return;
        };
        if checkpoints.pool.is_closed() {
            return;
        }
        if let Err(e) = checkpoint(&checkpoints.pool).await {
            // The next tick tries again; meanwhile the WAL only grows.
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}
