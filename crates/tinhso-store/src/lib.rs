//! # tinhso-store
//!
//! The narrow storage traits tinhso's use cases need, the one error type storage returns, and
//! (in [`conformance`]) the suite every backend must pass. One crate per engine implements them
//! (`tinhso-store-sqlite`, `tinhso-store-postgres`), each with its own migrations, run on open.
//!
//! Invariant: only store crates know SQL. The domain decides; the store persists. Every write
//! method is one transaction: all of it or nothing.
//!
//! ## Semantics both engines share (checked by [`conformance`])
//! - **Dates** are civil days, stored as ISO `YYYY-MM-DD` (SQLite text, Postgres `date`).
//! - **Instants** are kept to the **microsecond** (Postgres `timestamptz` precision); anything
//!   finer is truncated on write. SQLite stores integer microseconds since the Unix epoch.
//! - **Keys given twice in one batch**: catalog records are applied in order (the second may
//!   become a new version); for units, agencies and calendar days the last one wins and is
//!   counted once.
//! - **Validity periods** are inclusive at both ends (`valid_to` is the last day in force); a
//!   period that ends before it starts is refused with [`StoreError::Conflict`].
//! - **Ordering of codes** is byte order (Postgres columns use `COLLATE "C"`), never a locale's.

use async_trait::async_trait;
use jiff::civil::Date;
use jiff::Timestamp;
use tinhso_domain::agency::{Agency, AgencyEId};
use tinhso_domain::calendar::CalendarDay;
use tinhso_domain::catalog::{Procedure, ProcedureCode, ProcedureVersion};
use tinhso_domain::units::{AdminUnit, Succession, UnitKind};

pub mod accounts;
pub mod batch;
pub mod chain;
pub mod conformance;
pub mod dossiers;
pub mod group_commit;
pub mod ratings;
pub mod sessions;

pub use accounts::AccountStore;
pub use dossiers::{AuditStore, DossierStore, IdentityStore, LeaseStore, WorkflowStore};
pub use ratings::RatingStore;
pub use sessions::SessionStore;
pub mod kpi;
pub mod objects;

pub use kpi::KpiStore;
pub use objects::ObjectRefStore;

/// What storage can fail with. Backends map their driver errors into these.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or answered with a connection-level failure.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness or foreign-key rule was violated.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Stored data could not be decoded (a bug or a tampered database).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Progress callback for long writes: called with the number of records processed so far, about
/// every 500 records and once at the end (not at all for an empty batch).
pub type Progress<'a> = &'a (dyn Fn(u64) + Send + Sync);

/// What happened to one record of a catalog import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionOutcome {
    /// First version of a new code.
    Created { version: u32 },
    /// The record differs from the latest version: a new version was recorded.
    NewVersion { version: u32 },
    /// Same content as the latest version: nothing written.
    Unchanged { version: u32 },
}

/// Filters on the list of units.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub kind: Option<UnitKind>,
    /// Units whose parent is this code (e.g. the communes of province `86`).
    pub parent_code: Option<String>,
    /// Units in force on this day (`valid_from <= day` and (`valid_to` is none or `>= day`)).
    pub in_force_on: Option<Date>,
}

/// Counts written by a unit import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Records each procedure as a new version when its content hash differs from the latest
    /// version of its code (or when the code is new); unchanged records write nothing. Earlier
    /// versions are never altered. One transaction for the whole slice; the outcomes are in the
    /// order of the slice. Safe when several nodes import the same catalog at once: each
    /// content gets exactly one version (imports of the catalog are serialized).
    async fn record_procedures(
        &self,
        procedures: &[Procedure],
        at: Timestamp,
        progress: Progress<'_>,
    ) -> StoreResult<Vec<VersionOutcome>>;
    /// The latest version of a code.
    async fn procedure(&self, code: &ProcedureCode) -> StoreResult<Option<ProcedureVersion>>;
    /// One given version of a code.
    async fn procedure_version(
        &self,
        code: &ProcedureCode,
        version: u32,
    ) -> StoreResult<Option<ProcedureVersion>>;
    /// Every version of a code, oldest first.
    async fn procedure_versions(&self, code: &ProcedureCode) -> StoreResult<Vec<ProcedureVersion>>;
    /// The latest version of every code, ordered by code.
    async fn latest_procedures(&self) -> StoreResult<Vec<ProcedureVersion>>;
    /// A number that grows whenever the catalog changes (so each node can refresh its search
    /// index when another node imported).
    async fn catalog_revision(&self) -> StoreResult<i64>;
    /// Baseline for benchmarks and a fallback: codes of latest versions whose folded name
    /// contains every folded term, by plain `LIKE` scan, ordered by code. Terms are matched
    /// literally (`%` and `_` are not wildcards); no terms matches every latest version.
    async fn search_procedures_like(
        &self,
        folded_terms: &[String],
        limit: u32,
    ) -> StoreResult<Vec<ProcedureCode>>;
}

#[async_trait]
pub trait UnitStore: Send + Sync {
    /// Inserts or updates units keyed by (code, kind, valid_from). One transaction. A row that
    /// breaks a rule of the schema (e.g. `valid_to < valid_from`) fails the whole batch with
    /// [`StoreError::Conflict`].
    async fn upsert_units(
        &self,
        units: &[AdminUnit],
        progress: Progress<'_>,
    ) -> StoreResult<WriteCounts>;
    /// Inserts successions keyed by (old_code, new_code, effective); existing ones are kept.
    async fn upsert_successions(
        &self,
        rows: &[Succession],
        progress: Progress<'_>,
    ) -> StoreResult<WriteCounts>;
    /// Units matching the filter, ordered by kind, code, valid_from.
    async fn units(&self, filter: &UnitFilter) -> StoreResult<Vec<AdminUnit>>;
    /// Every period of the unit with this code, oldest first.
    async fn unit_history(&self, code: &str) -> StoreResult<Vec<AdminUnit>>;
    /// Successions from (old_code) and to (new_code) this code.
    async fn successions_of(&self, code: &str) -> StoreResult<Vec<Succession>>;
}

#[async_trait]
pub trait AgencyStore: Send + Sync {
    /// Inserts or replaces agencies keyed by e-ID. One transaction.
    async fn upsert_agencies(&self, agencies: &[Agency]) -> StoreResult<WriteCounts>;
    async fn agency(&self, eid: &AgencyEId) -> StoreResult<Option<Agency>>;
    /// All agencies ordered by e-ID.
    async fn agencies(&self) -> StoreResult<Vec<Agency>>;
}

#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Inserts or replaces dated entries keyed by date. One transaction.
    async fn upsert_calendar_days(&self, days: &[CalendarDay]) -> StoreResult<WriteCounts>;
    /// Entries with `from <= date <= to`, by date.
    async fn calendar_days(&self, from: Date, to: Date) -> StoreResult<Vec<CalendarDay>>;
    /// Removes the entries of these dates (the rules decide those days again); returns how many
    /// existed. One transaction; dates without an entry are ignored.
    async fn delete_calendar_days(&self, dates: &[Date]) -> StoreResult<u64>;
}

/// A whole store: every narrow trait, plus health.
#[async_trait]
pub trait Store:
    CatalogStore
    + UnitStore
    + AgencyStore
    + CalendarStore
    + DossierStore
    + AuditStore
    + IdentityStore
    + WorkflowStore
    + LeaseStore
    + SessionStore
    + RatingStore
    + KpiStore
    + AccountStore
    + ObjectRefStore
{
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
    /// A cheap round trip, for `/readyz`.
    async fn ping(&self) -> StoreResult<()>;
    /// The revision counters of the reference data, read together in one statement. Each
    /// grows, in the same transaction, with every row written to its tables (by database
    /// triggers, whoever writes), so a node that keeps records in memory can tell with this one
    /// read whether they are still the latest.
    async fn revisions(&self) -> StoreResult<ReferenceRevisions>;
}

/// Revision counters of the reference data ([`Store::revisions`]). Only comparisons for
/// equality are meaningful: a counter that differs from the one read before means something of
/// its kind was written in between.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReferenceRevisions {
    /// The latest version of any procedure (`record_procedures` recorded a new version).
    pub catalog: i64,
    /// Any agency (`upsert_agencies` inserted or changed one).
    pub agencies: i64,
    /// Any workflow (`add_workflow`).
    pub workflows: i64,
}
