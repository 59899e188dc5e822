//! The deadline sweep: flags open dossiers (statuses 2 and 4) that will soon be late — so the
//! leader can still send the apology and extension (Mẫu 04) before the due date passes
//! (domain.md §3 "Late") — and those already late.
//!
//! Flags are events in the store, written once per dossier and kind, so the sweep is durable
//! across restarts and idempotent: running it twice flags nothing new. With several nodes, only
//! the holder of the `deadline-sweep` lease ([`LeaseStore::acquire_lease`]) sweeps.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tinhso_store::dossiers::{DeadlineFlag, DossierWrite, WriteError};

use crate::clock::to_local;
use crate::dossiers::{DossierResult, DUE_SOON_WORKING_HOURS};
use crate::App;

/// The lease's name.
pub const SWEEP_LEASE: &str = "deadline-sweep";

/// How the sweep runs on this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepSettings {
    /// This node's name in the lease (unique per running process).
    pub node_id: String,
    /// Working hours before the due date from which a dossier is flagged due soon.
    pub due_soon_working_hours: i64,
    /// How long a lease lasts without renewal: another node takes over after it.
    pub lease_ttl: Duration,
    /// Dossiers flagged per store round trip.
    pub batch: u32,
    /// Grace period of the daily sweep of unused uploads (`object_sweep_grace_days`); `None`
    /// turns it off.
    pub object_grace: Option<Duration>,
}

impl SweepSettings {
    /// Defaults for a node: 8 working hours ahead, a 5-minute lease, batches of 500.
    pub fn for_node(node_id: impl Into<String>) -> Self {
        Self {
            node_id: node_id.into(),
            due_soon_working_hours: DUE_SOON_WORKING_HOURS,
            lease_ttl: Duration::from_secs(300),
            batch: 500,
            object_grace: None,
        }
    }
}

/// A node id from the host name and the process id, e.g. `tinhso-1:4711`.
pub fn default_node_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .unwrap_or_else(|| "node".to_string());
    format!("{host}:{}", std::process::id())
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Whether this node held the lease (otherwise it did nothing).
    pub lease_held: bool,
    pub due_soon_flagged: u64,
    pub late_flagged: u64,
    /// Flags another node wrote first (harmless).
    pub already_flagged: u64,
}

impl App {
    /// One sweep at `now`, if this node holds (or takes) the lease.
    pub async fn run_deadline_sweep(
        &self,
        now: Timestamp,
        settings: &SweepSettings,
    ) -> DossierResult<SweepReport> {
        let ttl = SignedDuration::try_from(settings.lease_ttl).unwrap_or(SignedDuration::MAX);
        let until = now.checked_add(ttl).unwrap_or(Timestamp::MAX);
        let mut report = SweepReport::default();
        if !self
            .store
            .acquire_lease(SWEEP_LEASE, &settings.node_id, now, until)
            .await?
        {
            return Ok(report);
        }
        report.lease_held = true;
        let local = to_local(now);
        let soon = self
            .calendar()
            .add_working_minutes(local, settings.due_soon_working_hours.max(0) * 60);
        for (flag, before) in [(DeadlineFlag::Late, local), (DeadlineFlag::DueSoon, soon)] {
            // Bounded: each round flags (or skips) what it read, so the next reads others.
            for _round in 0..1000 {
                let due = self
                    .store
                    .dossiers_to_flag(flag, before, settings.batch.max(1))
                    .await?;
                if due.is_empty() {
                    break;
                }
                let count = due.len();
                let writes = due
                    .iter()
                    .map(|d| DossierWrite::Flag {
                        dossier_id: d.id,
                        flag,
                        at: now,
                    })
                    .collect();
                let mut progress = 0;
                for (result, d) in self
                    .store
                    .write_dossiers(writes, now)
                    .await?
                    .into_iter()
                    .zip(&due)
                {
                    match result {
                        Ok(_) => {
                            progress += 1;
                            match flag {
                                DeadlineFlag::DueSoon => report.due_soon_flagged += 1,
                                DeadlineFlag::Late => report.late_flagged += 1,
                            }
                            tracing::info!(code = %d.dossier.code, flag = ?flag, "dossier flagged");
                        }
                        Err(WriteError::AlreadyFlagged) => {
                            progress += 1;
                            report.already_flagged += 1;
                        }
                        Err(e) => {
                            tracing::warn!(code = %d.dossier.code, error = %e, "flag not written");
                        }
                    }
                }
                if progress == 0 || count < settings.batch.max(1) as usize {
                    break;
                }
            }
        }
        Ok(report)
    }
}

/// How often the sweep of unused uploads runs (when `object_grace` is set).
pub const OBJECT_SWEEP_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Runs the deadline sweep every `interval`, and the sweep of unused uploads every
/// [`OBJECT_SWEEP_EVERY`] (first an interval after start), until the task is aborted. Failures
/// are logged and retried at the next tick.
pub fn spawn_scheduler(
    app: Arc<App>,
    settings: SweepSettings,
    interval: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval.max(Duration::from_secs(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut next_object_sweep = tokio::time::Instant::now() + interval;
        loop {
            tick.tick().await;
            let now = app.clock.now();
            if let Some(grace) = settings.object_grace {
                if tokio::time::Instant::now() >= next_object_sweep {
                    next_object_sweep = tokio::time::Instant::now() + OBJECT_SWEEP_EVERY;
                    match app
                        .sweep_unused_objects(now, grace, &settings.node_id, false)
                        .await
                    {
                        Ok(r) if r.removed > 0 => {
                            tracing::info!(removed = r.removed, "unused uploads removed")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "unused upload sweep failed"),
                    }
                }
            }
            match app.run_deadline_sweep(now, &settings).await {
                Ok(r) if r.due_soon_flagged + r.late_flagged > 0 => tracing::info!(
                    due_soon = r.due_soon_flagged,
                    late = r.late_flagged,
                    "deadline sweep"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "deadline sweep failed; will retry"),
            }
        }
    })
}
