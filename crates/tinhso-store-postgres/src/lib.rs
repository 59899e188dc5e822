//! # tinhso-store-postgres
//!
//! The PostgreSQL backend of tinhso's storage traits, for deployments with several nodes.
//! Same semantics as the SQLite backend (the conformance suite of `tinhso-store` runs on both).
//!
//! ## Tables (see `migrations/`)
//! - `procedure_versions`: one **immutable** row per (code, version) of a procedure: the whole
//!   record as `jsonb`, plus `folded_name`, `levels text[]`, `online_level`, `fields text[]`
//!   for search and filters. A trigger refuses any `UPDATE` (domain.md §4: a dossier is pinned
//!   to the version in force when it was accepted).
//! - `procedure_heads`: latest version and content hash per code.
//! - `catalog_state`: one row, `revision`, bumped by every import that recorded a new version.
//! - `reference_revisions`: one row of counters (`catalog`, `agencies`, `workflows`) that
//!   triggers on `procedure_heads`, `agencies` and `workflows` grow with every row written, in
//!   the writing transaction (`Store::revisions`).
//! - `admin_units` keyed by (code, kind, valid_from); `unit_successions`; `agencies` by e-ID
//!   (`jsonb` record plus key columns); `calendar_days` by `date`.
//! - `dossiers` (state `jsonb` plus the columns queues filter on), `dossier_events`
//!   (append-only, hash-chained, see `tinhso_store::chain`), `audit_head`, `dossier_sequences`,
//!   `idempotency_keys`, `outbox`, `users`, `api_tokens`, `workflows`, `leases`.
//!
//! ## Dossier writes
//! Group-committed per node (`tinhso_store::group_commit`): concurrent `write_dossiers` calls
//! share one transaction, which first locks `audit_head`, so dossier transactions of all nodes
//! run in turn: chain positions follow commit order and daily code sequences stay gapless.
//!
//! Dates are `date`; instants are `timestamptz` (microseconds: finer parts are truncated before
//! writing, as on SQLite). Code columns are `COLLATE "C"` so order never depends on a locale.
//!
//! ## Batches
//! Imports send rows as arrays, `INSERT … SELECT … FROM UNNEST($1::text[], …)`, in chunks of
//! 500 rows (one round trip per chunk, one progress report per chunk), so 10 000 units take a
//! few round trips rather than 10 000. Upserts report what they did with
//! `ON CONFLICT … DO UPDATE … WHERE (old) IS DISTINCT FROM (new) RETURNING (xmax = 0)`: a row
//! inserted has no `xmax`, a row updated has one, an unchanged row is not returned at all.
//!
//! ## Concurrent imports
//! Two nodes importing the same catalog at once must not both create "version 2" of a code.
//! `record_procedures` takes a transaction-scoped advisory lock ([`CATALOG_IMPORT_LOCK`])
//! before reading the latest versions, so catalog imports run one after the other: the second
//! waits, then (READ COMMITTED: every statement sees what committed before it) reads the heads
//! the first wrote and records `Unchanged`. The lock is released at commit or rollback, even if
//! the node dies. `UNIQUE (code, version)` stays as the last line of defence.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use jiff::civil::Date;
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};
use tinhso_domain::agency::{Agency, AgencyEId};
use tinhso_domain::calendar::CalendarDay;
use tinhso_domain::catalog::{Procedure, ProcedureCode, ProcedureVersion};
use tinhso_domain::text::fold;
use tinhso_domain::units::{AdminUnit, Succession};
use tinhso_store::batch::{last_per_key, ProgressTicker, PROGRESS_EVERY};
use tinhso_store::group_commit::GroupWriter;
use tinhso_store::{
    AgencyStore, CalendarStore, CatalogStore, Progress, ReferenceRevisions, Store, StoreError,
    StoreResult, UnitFilter, UnitStore, VersionOutcome, WriteCounts,
};

pub use sqlx::postgres::PgConnectOptions;

mod accounts;
mod dossiers;
mod kpi;
mod objects;
mod ratings;
mod sessions;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Key of the advisory lock that serializes catalog imports across nodes (ASCII "tinhso" and
/// 1). Any other use of advisory locks in tinhso must pick a different key.
pub const CATALOG_IMPORT_LOCK: i64 = 0x7469_6e68_736f_0001;

const MAX_CONNECTIONS: u32 = 16;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// tinhso's storage on PostgreSQL. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// This node's group-commit task of dossier writes.
    dossier_writer: GroupWriter,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:5432/db`) and runs the migrations (several nodes
    /// starting at once are fine: the migrator holds an advisory lock while it works).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Other(format!("invalid PostgreSQL URL: {e}")))?;
        Self::connect_with(options).await
    }

    /// As [`connect`](Self::connect), from parsed options.
    pub async fn connect_with(options: PgConnectOptions) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(db_err)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Other(format!("migration failed: {e}")))?;
        // An interrupted bulk load (`tinhso seed`) may have left indexes to build.
        kpi::restore_deferred_indexes(&pool).await?;
        let dossier_writer = GroupWriter::spawn(dossiers::PgCommitter { pool: pool.clone() });
        let store = Self {
            pool,
            dossier_writer,
        };
        tinhso_store::kpi::warn_if_counters_owed(&store).await?;
        Ok(store)
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn begin(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(db_err)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors and conversions

fn db_err(e: sqlx::Error) -> StoreError {
    use sqlx::error::ErrorKind;
    match &e {
        sqlx::Error::Database(d) => match d.kind() {
            ErrorKind::UniqueViolation
            | ErrorKind::ForeignKeyViolation
            | ErrorKind::NotNullViolation
            | ErrorKind::CheckViolation => StoreError::Conflict(d.message().to_string()),
            _ => StoreError::Other(e.to_string()),
        },
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::TypeNotFound { .. } => StoreError::Corrupt(e.to_string()),
        _ => StoreError::Other(e.to_string()),
    }
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

/// The serde name of a unit-like enum (`UnitKind::Commune` → `"commune"`).
fn enum_name<T: Serialize>(value: &T) -> StoreResult<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Err(StoreError::Other(format!("expected a name, got {other}"))),
        Err(e) => Err(StoreError::Other(e.to_string())),
    }
}

fn enum_from_name<T: DeserializeOwned>(name: &str) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(name.to_string()))
        .map_err(|e| corrupt("unknown name", format!("{name:?}: {e}")))
}

fn to_json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Other(format!("cannot encode JSON: {e}")))
}

fn from_json<T: DeserializeOwned>(what: &str, json: &str) -> StoreResult<T> {
    serde_json::from_str(json).map_err(|e| corrupt(what, e))
}

fn date_text(d: Date) -> String {
    d.to_string()
}

fn parse_date(s: &str) -> StoreResult<Date> {
    s.parse()
        .map_err(|e| corrupt("stored date", format!("{s:?}: {e}")))
}

/// RFC 3339 text of the instant truncated to the microsecond (what `timestamptz` keeps; the
/// server would round, we truncate, as the SQLite backend does).
fn timestamp_text(t: Timestamp) -> StoreResult<String> {
    Timestamp::from_microsecond(t.as_microsecond())
        .map(|t| t.to_string())
        .map_err(|e| StoreError::Other(format!("instant out of range: {e}")))
}

fn from_micros(us: i64) -> StoreResult<Timestamp> {
    Timestamp::from_microsecond(us).map_err(|e| corrupt("stored instant", e))
}

fn get<'r, T>(row: &'r PgRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(column).map_err(db_err)
}

fn version_u32(v: i32) -> StoreResult<u32> {
    u32::try_from(v).map_err(|e| corrupt("stored version", e))
}

fn version_i32(v: u32) -> StoreResult<i32> {
    i32::try_from(v).map_err(|e| StoreError::Other(format!("version out of range: {e}")))
}

const VERSION_COLUMNS: &str = "v.version, v.content_hash, \
     (extract(epoch FROM v.recorded_at) * 1000000)::bigint AS recorded_us, v.record::text AS record";

fn version_from_row(row: &PgRow) -> StoreResult<ProcedureVersion> {
    let record: String = get(row, "record")?;
    Ok(ProcedureVersion {
        procedure: from_json("stored procedure", &record)?,
        version: version_u32(get(row, "version")?)?,
        content_hash: get(row, "content_hash")?,
        recorded_at: from_micros(get(row, "recorded_us")?)?,
    })
}

const UNIT_COLUMNS: &str = "code, kind, to_char(valid_from, 'YYYY-MM-DD') AS valid_from, name, \
     unit_type, parent_code, to_char(valid_to, 'YYYY-MM-DD') AS valid_to, lat, lon, area_km2";

/// Province, district, commune: the order units are listed in.
const UNIT_KIND_ORDER: &str = "CASE kind WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END";

fn unit_from_row(row: &PgRow) -> StoreResult<AdminUnit> {
    let kind: String = get(row, "kind")?;
    let valid_from: String = get(row, "valid_from")?;
    let valid_to: Option<String> = get(row, "valid_to")?;
    Ok(AdminUnit {
        code: get(row, "code")?,
        kind: enum_from_name(&kind)?,
        name: get(row, "name")?,
        unit_type: get(row, "unit_type")?,
        parent_code: get(row, "parent_code")?,
        valid_from: parse_date(&valid_from)?,
        valid_to: valid_to.as_deref().map(parse_date).transpose()?,
        lat: get(row, "lat")?,
        lon: get(row, "lon")?,
        area_km2: get(row, "area_km2")?,
    })
}

/// Counts from the `RETURNING (xmax = 0)` of an upsert of `sent` rows.
fn counts_from_returning(inserted_flags: &[bool], sent: usize) -> WriteCounts {
    let inserted = inserted_flags.iter().filter(|&&i| i).count() as u64;
    let returned = inserted_flags.len() as u64;
    WriteCounts {
        inserted,
        updated: returned - inserted,
        unchanged: sent as u64 - returned,
    }
}

fn add(a: &mut WriteCounts, b: WriteCounts) {
    a.inserted += b.inserted;
    a.updated += b.updated;
    a.unchanged += b.unchanged;
}

/// Escapes `%`, `_` and the escape character itself so a term matches literally.
fn like_pattern(term: &str) -> String {
    let mut p = String::with_capacity(term.len() + 2);
    p.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

// ---------------------------------------------------------------------------------------------
// Catalog

/// Columns of new version rows, one vector per column, for `UNNEST`.
#[derive(Default)]
struct NewVersions {
    code: Vec<String>,
    version: Vec<i32>,
    content_hash: Vec<String>,
    name: Vec<String>,
    folded_name: Vec<String>,
    levels: Vec<String>,
    online_level: Vec<String>,
    fields: Vec<String>,
    record: Vec<String>,
}

impl NewVersions {
    fn push(&mut self, p: &Procedure, version: u32, hash: &str) -> StoreResult<()> {
        let levels = p
            .levels
            .iter()
            .map(enum_name)
            .collect::<StoreResult<Vec<_>>>()?;
        self.code.push(p.code.to_string());
        self.version.push(version_i32(version)?);
        self.content_hash.push(hash.to_string());
        self.name.push(p.name.clone());
        self.folded_name.push(fold(&p.name));
        self.levels.push(to_json(&levels)?);
        self.online_level.push(enum_name(&p.online_level)?);
        self.fields.push(to_json(&p.fields)?);
        self.record.push(to_json(p)?);
        Ok(())
    }

    async fn insert(
        self,
        tx: &mut Transaction<'static, Postgres>,
        recorded_at: &str,
    ) -> StoreResult<()> {
        if self.code.is_empty() {
            return Ok(());
        }
        // Arrays of arrays cannot be ragged, so `levels` and `fields` travel as JSON text.
        sqlx::query(
            "INSERT INTO procedure_versions (code, version, content_hash, recorded_at, name, \
             folded_name, levels, online_level, fields, record) \
             SELECT u.code, u.version, u.content_hash, $10::timestamptz, u.name, u.folded_name, \
                    ARRAY(SELECT jsonb_array_elements_text(u.levels::jsonb)), u.online_level, \
                    ARRAY(SELECT jsonb_array_elements_text(u.fields::jsonb)), u.record::jsonb \
             FROM UNNEST($1::text[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::text[], \
                         $7::text[], $8::text[], $9::text[]) \
                  AS u(code, version, content_hash, name, folded_name, levels, online_level, \
                       fields, record)",
        )
        .bind(self.code)
        .bind(self.version)
        .bind(self.content_hash)
        .bind(self.name)
        .bind(self.folded_name)
        .bind(self.levels)
        .bind(self.online_level)
        .bind(self.fields)
        .bind(self.record)
        .bind(recorded_at)
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl CatalogStore for PostgresStore {
    async fn record_procedures(
        &self,
        procedures: &[Procedure],
        at: Timestamp,
        progress: Progress<'_>,
    ) -> StoreResult<Vec<VersionOutcome>> {
        if procedures.is_empty() {
            return Ok(Vec::new());
        }
        let recorded_at = timestamp_text(at)?;
        let mut ticker = ProgressTicker::new(progress);
        let mut tx = self.begin().await?;
        // One catalog import at a time, across every node (see the module docs).
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(CATALOG_IMPORT_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;

        let codes: Vec<String> = procedures.iter().map(|p| p.code.to_string()).collect();
        let rows = sqlx::query(
            "SELECT code, version, content_hash FROM procedure_heads WHERE code = ANY($1::text[])",
        )
        .bind(&codes)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
        let mut heads: HashMap<String, (u32, String)> = HashMap::with_capacity(rows.len());
        for row in &rows {
            let version = version_u32(get(row, "version")?)?;
            heads.insert(get(row, "code")?, (version, get(row, "content_hash")?));
        }

        let mut outcomes = Vec::with_capacity(procedures.len());
        let mut changed: HashMap<String, (u32, String)> = HashMap::new();
        for (chunk_index, chunk) in procedures.chunks(PROGRESS_EVERY).enumerate() {
            let mut new = NewVersions::default();
            for p in chunk {
                let hash = p.content_hash();
                let code = p.code.to_string();
                let outcome = match heads.get(&code) {
                    None => VersionOutcome::Created { version: 1 },
                    Some((v, h)) if *h == hash => VersionOutcome::Unchanged { version: *v },
                    Some((v, _)) => VersionOutcome::NewVersion { version: v + 1 },
                };
                if let VersionOutcome::Created { version }
                | VersionOutcome::NewVersion { version } = outcome
                {
                    new.push(p, version, &hash)?;
                    heads.insert(code.clone(), (version, hash.clone()));
                    changed.insert(code, (version, hash));
                }
                outcomes.push(outcome);
            }
            new.insert(&mut tx, &recorded_at).await?;
            ticker.tick(chunk_index * PROGRESS_EVERY + chunk.len());
        }

        if !changed.is_empty() {
            let mut code = Vec::with_capacity(changed.len());
            let mut version = Vec::with_capacity(changed.len());
            let mut hash = Vec::with_capacity(changed.len());
            for (c, (v, h)) in changed {
                code.push(c);
                version.push(version_i32(v)?);
                hash.push(h);
            }
            sqlx::query(
                "INSERT INTO procedure_heads (code, version, content_hash) \
                 SELECT * FROM UNNEST($1::text[], $2::int4[], $3::text[]) \
                 ON CONFLICT (code) DO UPDATE \
                 SET version = EXCLUDED.version, content_hash = EXCLUDED.content_hash",
            )
            .bind(code)
            .bind(version)
            .bind(hash)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            sqlx::query("UPDATE catalog_state SET revision = revision + 1 WHERE id = 1")
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        ticker.report(procedures.len());
        Ok(outcomes)
    }

    async fn procedure(&self, code: &ProcedureCode) -> StoreResult<Option<ProcedureVersion>> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM procedure_heads h \
             JOIN procedure_versions v ON v.code = h.code AND v.version = h.version \
             WHERE h.code = $1"
        );
        let row = sqlx::query(&sql)
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(version_from_row).transpose()
    }

    async fn procedure_version(
        &self,
        code: &ProcedureCode,
        version: u32,
    ) -> StoreResult<Option<ProcedureVersion>> {
        let Ok(version) = i32::try_from(version) else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM procedure_versions v WHERE code = $1 AND version = $2"
        );
        let row = sqlx::query(&sql)
            .bind(code.as_str())
            .bind(version)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(version_from_row).transpose()
    }

    async fn procedure_versions(&self, code: &ProcedureCode) -> StoreResult<Vec<ProcedureVersion>> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM procedure_versions v WHERE code = $1 ORDER BY version"
        );
        let rows = sqlx::query(&sql)
            .bind(code.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(version_from_row).collect()
    }

    async fn latest_procedures(&self) -> StoreResult<Vec<ProcedureVersion>> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM procedure_heads h \
             JOIN procedure_versions v ON v.code = h.code AND v.version = h.version \
             ORDER BY h.code"
        );
        let rows = sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(version_from_row).collect()
    }

    async fn catalog_revision(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT revision FROM catalog_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn search_procedures_like(
        &self,
        folded_terms: &[String],
        limit: u32,
    ) -> StoreResult<Vec<ProcedureCode>> {
        let mut sql = String::from(
            "SELECT h.code FROM procedure_heads h \
             JOIN procedure_versions v ON v.code = h.code AND v.version = h.version WHERE true",
        );
        for i in 1..=folded_terms.len() {
            sql.push_str(&format!(" AND v.folded_name LIKE ${i} ESCAPE '\\'"));
        }
        sql.push_str(&format!(
            " ORDER BY h.code LIMIT ${}",
            folded_terms.len() + 1
        ));
        let mut query = sqlx::query_scalar::<_, String>(&sql);
        for term in folded_terms {
            query = query.bind(like_pattern(term));
        }
        let codes = query
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        codes
            .iter()
            .map(|c| ProcedureCode::parse(c).map_err(|e| corrupt("stored procedure code", e)))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Units

#[async_trait]
impl UnitStore for PostgresStore {
    async fn upsert_units(
        &self,
        units: &[AdminUnit],
        progress: Progress<'_>,
    ) -> StoreResult<WriteCounts> {
        let rows = last_per_key(units, |u| (u.code.clone(), u.kind, u.valid_from));
        let mut ticker = ProgressTicker::new(progress);
        let mut counts = WriteCounts::default();
        let mut tx = self.begin().await?;
        let mut done = 0;
        for chunk in rows.chunks(PROGRESS_EVERY) {
            let kinds = chunk
                .iter()
                .map(|u| enum_name(&u.kind))
                .collect::<StoreResult<Vec<_>>>()?;
            let flags: Vec<bool> = sqlx::query_scalar(
                "INSERT INTO admin_units (code, kind, valid_from, name, unit_type, parent_code, \
                 valid_to, lat, lon, area_km2) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[]::date[], $4::text[], \
                     $5::text[], $6::text[], $7::text[]::date[], $8::float8[], $9::float8[], \
                     $10::float8[]) \
                 ON CONFLICT (code, kind, valid_from) DO UPDATE SET name = EXCLUDED.name, \
                     unit_type = EXCLUDED.unit_type, parent_code = EXCLUDED.parent_code, \
                     valid_to = EXCLUDED.valid_to, lat = EXCLUDED.lat, lon = EXCLUDED.lon, \
                     area_km2 = EXCLUDED.area_km2 \
                 WHERE (admin_units.name, admin_units.unit_type, admin_units.parent_code, \
                        admin_units.valid_to, admin_units.lat, admin_units.lon, \
                        admin_units.area_km2) \
                    IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.unit_type, EXCLUDED.parent_code, \
                        EXCLUDED.valid_to, EXCLUDED.lat, EXCLUDED.lon, EXCLUDED.area_km2) \
                 RETURNING (xmax = 0)",
            )
            .bind(chunk.iter().map(|u| u.code.clone()).collect::<Vec<_>>())
            .bind(kinds)
            .bind(
                chunk
                    .iter()
                    .map(|u| date_text(u.valid_from))
                    .collect::<Vec<_>>(),
            )
            .bind(chunk.iter().map(|u| u.name.clone()).collect::<Vec<_>>())
            .bind(
                chunk
                    .iter()
                    .map(|u| u.unit_type.clone())
                    .collect::<Vec<_>>(),
            )
            .bind(
                chunk
                    .iter()
                    .map(|u| u.parent_code.clone())
                    .collect::<Vec<_>>(),
            )
            .bind(
                chunk
                    .iter()
                    .map(|u| u.valid_to.map(date_text))
                    .collect::<Vec<_>>(),
            )
            .bind(chunk.iter().map(|u| u.lat).collect::<Vec<_>>())
            .bind(chunk.iter().map(|u| u.lon).collect::<Vec<_>>())
            .bind(chunk.iter().map(|u| u.area_km2).collect::<Vec<_>>())
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
            add(&mut counts, counts_from_returning(&flags, chunk.len()));
            done += chunk.len();
            ticker.tick(done);
        }
        tx.commit().await.map_err(db_err)?;
        ticker.report(units.len());
        Ok(counts)
    }

    async fn upsert_successions(
        &self,
        rows: &[Succession],
        progress: Progress<'_>,
    ) -> StoreResult<WriteCounts> {
        let mut ticker = ProgressTicker::new(progress);
        let mut counts = WriteCounts::default();
        let mut tx = self.begin().await?;
        let mut done = 0;
        for chunk in rows.chunks(PROGRESS_EVERY) {
            let written = sqlx::query(
                "INSERT INTO unit_successions (old_code, new_code, effective, partial) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[]::date[], $4::bool[]) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(chunk.iter().map(|s| s.old_code.clone()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|s| s.new_code.clone()).collect::<Vec<_>>())
            .bind(
                chunk
                    .iter()
                    .map(|s| date_text(s.effective))
                    .collect::<Vec<_>>(),
            )
            .bind(chunk.iter().map(|s| s.partial).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
            counts.inserted += written;
            counts.unchanged += chunk.len() as u64 - written;
            done += chunk.len();
            ticker.tick(done);
        }
        tx.commit().await.map_err(db_err)?;
        ticker.report(rows.len());
        Ok(counts)
    }

    async fn units(&self, filter: &UnitFilter) -> StoreResult<Vec<AdminUnit>> {
        let kind = filter.kind.as_ref().map(enum_name).transpose()?;
        let day = filter.in_force_on.map(date_text);
        // Each filter is "NULL or matches", so one statement serves every combination.
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM admin_units \
             WHERE ($1::text IS NULL OR kind = $1) \
               AND ($2::text IS NULL OR parent_code = $2) \
               AND ($3::text IS NULL OR (valid_from <= $3::date \
                    AND (valid_to IS NULL OR valid_to >= $3::date))) \
             ORDER BY {UNIT_KIND_ORDER}, code, admin_units.valid_from"
        );
        let rows = sqlx::query(&sql)
            .bind(kind)
            .bind(filter.parent_code.as_deref())
            .bind(day)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(unit_from_row).collect()
    }

    async fn unit_history(&self, code: &str) -> StoreResult<Vec<AdminUnit>> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM admin_units WHERE code = $1 \
             ORDER BY admin_units.valid_from, {UNIT_KIND_ORDER}"
        );
        let rows = sqlx::query(&sql)
            .bind(code)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(unit_from_row).collect()
    }

    async fn successions_of(&self, code: &str) -> StoreResult<Vec<Succession>> {
        let rows = sqlx::query(
            "SELECT old_code, new_code, to_char(effective, 'YYYY-MM-DD') AS effective, partial \
             FROM unit_successions WHERE old_code = $1 OR new_code = $1 \
             ORDER BY unit_successions.effective, old_code, new_code",
        )
        .bind(code)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|row| {
                let effective: String = get(row, "effective")?;
                Ok(Succession {
                    old_code: get(row, "old_code")?,
                    new_code: get(row, "new_code")?,
                    partial: get(row, "partial")?,
                    effective: parse_date(&effective)?,
                })
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Agencies

#[async_trait]
impl AgencyStore for PostgresStore {
    async fn upsert_agencies(&self, agencies: &[Agency]) -> StoreResult<WriteCounts> {
        let rows = last_per_key(agencies, |a| a.eid.clone());
        let mut counts = WriteCounts::default();
        let mut tx = self.begin().await?;
        for chunk in rows.chunks(PROGRESS_EVERY) {
            let levels = chunk
                .iter()
                .map(|a| enum_name(&a.level))
                .collect::<StoreResult<Vec<_>>>()?;
            let records = chunk
                .iter()
                .map(|a| to_json(*a))
                .collect::<StoreResult<Vec<_>>>()?;
            let eid = |e: &Option<AgencyEId>| e.as_ref().map(ToString::to_string);
            // The key columns derive from the record, so comparing records is enough.
            let flags: Vec<bool> = sqlx::query_scalar(
                "INSERT INTO agencies (eid, name, level, parent_eid, unit_code, valid_from, \
                 valid_to, successor_eid, record) \
                 SELECT u.eid, u.name, u.level, u.parent_eid, u.unit_code, u.valid_from::date, \
                        u.valid_to::date, u.successor_eid, u.record::jsonb \
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
                             $6::text[], $7::text[], $8::text[], $9::text[]) \
                      AS u(eid, name, level, parent_eid, unit_code, valid_from, valid_to, \
                           successor_eid, record) \
                 ON CONFLICT (eid) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, \
                     parent_eid = EXCLUDED.parent_eid, unit_code = EXCLUDED.unit_code, \
                     valid_from = EXCLUDED.valid_from, valid_to = EXCLUDED.valid_to, \
                     successor_eid = EXCLUDED.successor_eid, record = EXCLUDED.record \
                 WHERE agencies.record IS DISTINCT FROM EXCLUDED.record \
                 RETURNING (xmax = 0)",
            )
            .bind(chunk.iter().map(|a| a.eid.to_string()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|a| a.name.clone()).collect::<Vec<_>>())
            .bind(levels)
            .bind(chunk.iter().map(|a| eid(&a.parent)).collect::<Vec<_>>())
            .bind(
                chunk
                    .iter()
                    .map(|a| a.unit_code.clone())
                    .collect::<Vec<_>>(),
            )
            .bind(
                chunk
                    .iter()
                    .map(|a| date_text(a.valid_from))
                    .collect::<Vec<_>>(),
            )
            .bind(
                chunk
                    .iter()
                    .map(|a| a.valid_to.map(date_text))
                    .collect::<Vec<_>>(),
            )
            .bind(chunk.iter().map(|a| eid(&a.successor)).collect::<Vec<_>>())
            .bind(records)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
            add(&mut counts, counts_from_returning(&flags, chunk.len()));
        }
        tx.commit().await.map_err(db_err)?;
        Ok(counts)
    }

    async fn agency(&self, eid: &AgencyEId) -> StoreResult<Option<Agency>> {
        let record: Option<String> =
            sqlx::query_scalar("SELECT record::text FROM agencies WHERE eid = $1")
                .bind(eid.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
        record
            .as_deref()
            .map(|r| from_json("stored agency", r))
            .transpose()
    }

    async fn agencies(&self) -> StoreResult<Vec<Agency>> {
        let records: Vec<String> =
            sqlx::query_scalar("SELECT record::text FROM agencies ORDER BY eid")
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
        records
            .iter()
            .map(|r| from_json("stored agency", r))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Calendar

#[async_trait]
impl CalendarStore for PostgresStore {
    async fn upsert_calendar_days(&self, days: &[CalendarDay]) -> StoreResult<WriteCounts> {
        let rows = last_per_key(days, |d| d.date);
        let mut counts = WriteCounts::default();
        let mut tx = self.begin().await?;
        for chunk in rows.chunks(PROGRESS_EVERY) {
            let kinds = chunk
                .iter()
                .map(|d| enum_name(&d.kind))
                .collect::<StoreResult<Vec<_>>>()?;
            let flags: Vec<bool> = sqlx::query_scalar(
                "INSERT INTO calendar_days (day, kind, name) \
                 SELECT * FROM UNNEST($1::text[]::date[], $2::text[], $3::text[]) \
                 ON CONFLICT (day) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name \
                 WHERE (calendar_days.kind, calendar_days.name) \
                       IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.name) \
                 RETURNING (xmax = 0)",
            )
            .bind(chunk.iter().map(|d| date_text(d.date)).collect::<Vec<_>>())
            .bind(kinds)
            .bind(chunk.iter().map(|d| d.name.clone()).collect::<Vec<_>>())
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
            add(&mut counts, counts_from_returning(&flags, chunk.len()));
        }
        tx.commit().await.map_err(db_err)?;
        Ok(counts)
    }

    async fn calendar_days(&self, from: Date, to: Date) -> StoreResult<Vec<CalendarDay>> {
        let rows = sqlx::query(
            "SELECT to_char(day, 'YYYY-MM-DD') AS day, kind, name FROM calendar_days \
             WHERE day >= $1::date AND day <= $2::date ORDER BY calendar_days.day",
        )
        .bind(date_text(from))
        .bind(date_text(to))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|row| {
                let day: String = get(row, "day")?;
                let kind: String = get(row, "kind")?;
                Ok(CalendarDay {
                    date: parse_date(&day)?,
                    kind: enum_from_name(&kind)?,
                    name: get(row, "name")?,
                })
            })
            .collect()
    }

    async fn delete_calendar_days(&self, dates: &[Date]) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM calendar_days WHERE day = ANY($1::text[]::date[])")
            .bind(dates.iter().map(|d| date_text(*d)).collect::<Vec<_>>())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
    async fn revisions(&self) -> StoreResult<ReferenceRevisions> {
        let (catalog, agencies, workflows): (i64, i64, i64) = sqlx::query_as(
            "SELECT catalog, agencies, workflows FROM reference_revisions WHERE id = 1",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(ReferenceRevisions {
            catalog,
            agencies,
            workflows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_terms_are_literal() {
        assert_eq!(like_pattern("100%"), "%100\\%%");
        assert_eq!(like_pattern("a_b\\"), "%a\\_b\\\\%");
    }

    #[test]
    fn instants_are_truncated_to_microseconds() {
        let t: Timestamp = "2026-01-05T01:02:03.123456789Z".parse().expect("timestamp");
        assert_eq!(
            timestamp_text(t).ok().as_deref(),
            Some("2026-01-05T01:02:03.123456Z")
        );
    }

    #[test]
    fn counts_from_returning_rows() {
        let c = counts_from_returning(&[true, false, true], 5);
        assert_eq!(
            c,
            WriteCounts {
                inserted: 2,
                updated: 1,
                unchanged: 2
            }
        );
    }
}
