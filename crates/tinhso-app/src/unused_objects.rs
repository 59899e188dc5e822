//! The sweep of unused uploads (tệp tải lên không dùng đến).
//!
//! A file is stored when it is uploaded, before the dossier or action that cites it is written
//! (the online form keeps uploads across a failed validation so the citizen need not upload them
//! again). A form left unfinished therefore leaves objects nobody cites. Once a day, on the one
//! node that holds the `object-sweep` lease, the sweep removes the objects that are older than a
//! grace period (`object_sweep_grace_days`, default 7) and that no dossier event cites.
//!
//! Why a cited object is never removed, even when the sweep races a submission:
//! - a write that cites an object first *touches* it ([`tinhso_objects::ObjectStore::touch`],
//!   in `attachment_records`), making it young;
//! - the sweep lists old objects, then asks the store which are cited, then removes each only if
//!   it is *still* old at removal time ([`tinhso_objects::ObjectStore::remove_if_modified_before`]).
//!
//! A submission that touched the object before the removal keeps it; one that touched it after
//! would have found it missing and answered `attachment_missing` (nothing written).

use std::time::{Duration, SystemTime};

use jiff::{SignedDuration, Timestamp};
use tinhso_objects::ContentHash;
use tinhso_store::objects::REFERENCE_CHUNK;

use crate::dossiers::{DossierError, DossierResult};
use crate::App;

/// The lease's name: one node sweeps at a time.
pub const OBJECT_SWEEP_LEASE: &str = "object-sweep";

/// How long a sweep may hold the lease before another node may take over.
const LEASE_TTL: SignedDuration = SignedDuration::from_hours(1);

/// What one sweep found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectSweepReport {
    /// Whether this node held the lease (otherwise it did nothing).
    pub lease_held: bool,
    /// Objects older than the grace period.
    pub old: u64,
    /// Of those, the ones a dossier cites (kept).
    pub cited: u64,
    /// Removed (or, in a dry run, that would be removed).
    pub removed: u64,
    /// Uncited but made young again (touched or re-uploaded) before removal: kept.
    pub kept_young: u64,
    pub dry_run: bool,
}

impl App {
    /// One sweep at `now`: removes the objects older than `grace` that no dossier event cites.
    /// With `dry_run`, counts what it would remove and removes nothing. Does nothing (and says
    /// so in the report) when another node holds the lease.
    pub async fn sweep_unused_objects(
        &self,
        now: Timestamp,
        grace: Duration,
        node_id: &str,
        dry_run: bool,
    ) -> DossierResult<ObjectSweepReport> {
        let objects = self.objects().ok_or(DossierError::ObjectStoreMissing)?;
        let mut report = ObjectSweepReport {
            dry_run,
            ..ObjectSweepReport::default()
        };
        let until = now.checked_add(LEASE_TTL).unwrap_or(Timestamp::MAX);
        if !self
            .store
            .acquire_lease(OBJECT_SWEEP_LEASE, node_id, now, until)
            .await?
        {
            return Ok(report);
        }
        report.lease_held = true;
        let cutoff = system_time(now)
            .checked_sub(grace)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let old = objects.modified_before(cutoff).await?;
        report.old = old.len() as u64;
        for chunk in old.chunks(REFERENCE_CHUNK) {
            let hex: Vec<String> = chunk.iter().map(ContentHash::to_hex).collect();
            let cited = self.store.referenced_objects(&hex).await?;
            report.cited += cited.len() as u64;
            for (hash, hex) in chunk.iter().zip(&hex) {
                if cited.contains(hex) {
                    continue;
                }
                if dry_run {
                    report.removed += 1;
                } else if objects.remove_if_modified_before(hash, cutoff).await? {
                    report.removed += 1;
                    tracing::info!(object = %hash, "unused upload removed");
                } else {
                    report.kept_young += 1;
                }
            }
        }
        // Done: free the lease for the next run (renewing it to end now).
        self.store
            .acquire_lease(OBJECT_SWEEP_LEASE, node_id, now, now)
            .await?;
        Ok(report)
    }
}

/// `now` as the file system's clock (object ages are file modification times).
fn system_time(now: Timestamp) -> SystemTime {
    let micros = now.as_microsecond();
    if micros >= 0 {
        SystemTime::UNIX_EPOCH + Duration::from_micros(micros.unsigned_abs())
    } else {
        SystemTime::UNIX_EPOCH
    }
}
