//! # tinhso-store-sqlite
//!
//! The SQLite backend of tinhso's storage traits: the default for a single-node deployment
//! (`sqlite:///var/lib/tinhso/db.sqlite3`) and for tests (`sqlite::memory:`).
//!
//! ## Tables (see `migrations/`)
//! - `procedure_versions`: one **immutable** row per (code, version) of a procedure, with the
//!   whole record as JSON and the columns search and filters need (`folded_name`, `levels`,
//!   `online_level`, `fields`). A trigger refuses any `UPDATE`: a dossier is pinned to the
//!   version in force when it was accepted (domain.md §4).
//! - `procedure_heads`: the latest version and content hash of each code, what an import
//!   compares against and what "latest only" queries join.
//! - `catalog_state`: one row, `revision`, bumped by every import that recorded a new version.
//! - `reference_revisions`: one row of counters (`catalog`, `agencies`, `workflows`) that
//!   triggers on `procedure_heads`, `agencies` and `workflows` grow with every row written, in
//!   the writing transaction (`Store::revisions`).
//! - `admin_units` keyed by (code, kind, valid_from); `unit_successions`; `agencies` by e-ID
//!   (JSON record plus key columns); `calendar_days` by date.
//! - `dossiers` (state JSON plus the columns queues filter on), `dossier_events` (append-only,
//!   hash-chained, see `tinhso_store::chain`), `audit_head`, `dossier_sequences`,
//!   `idempotency_keys`, `outbox`, `users`, `api_tokens`, `workflows`, `leases`.
//!
//! ## Connections
//! SQLite has one writer. All writes go through a **single-connection writer pool** and start
//! with `BEGIN IMMEDIATE` (take the write lock up front, so a read-then-write transaction never
//! fails half-way on a lock upgrade); reads use a separate pool of `query_only` connections,
//! which WAL lets run beside the writer. `synchronous=FULL`: when a write returns, it is on
//! disk (a 2xx must mean durable). Dossier writes are **group-committed**: a writer on a thread
//! of its own (`tinhso_store::group_commit`) merges concurrent `write_dossiers` calls into one transaction
//! on that same writer connection, so one fsync serves many requests; catalog imports and other
//! writes simply take their turn on the connection. A third connection copies the WAL back
//! into the database file every 200 ms (`checkpoints`), so that work is not inside the
//! writer's commits. An in-memory database (`sqlite::memory:`) lives in one
//! connection that serves both roles and is never closed while the store lives.
//!
//! Dates are ISO `YYYY-MM-DD` text; instants are integer microseconds since the Unix epoch.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jiff::civil::Date;
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use tinhso_domain::agency::{Agency, AgencyEId};
use tinhso_domain::calendar::CalendarDay;
use tinhso_domain::catalog::{Procedure, ProcedureCode, ProcedureVersion};
use tinhso_domain::text::fold;
use tinhso_domain::units::{AdminUnit, Succession};
use tinhso_store::batch::{last_per_key, ProgressTicker};
use tinhso_store::group_commit::GroupWriter;
use tinhso_store::{
    AgencyStore, CalendarStore, CatalogStore, Progress, ReferenceRevisions, Store, StoreError,
    StoreResult, UnitFilter, UnitStore, VersionOutcome, WriteCounts,
};

mod accounts;
mod checkpoints;
mod dossiers;
mod kpi;
mod objects;
mod ratings;
mod sessions;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a connection waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Prepared statements the writer connection keeps (sqlx's default is 100).
const WRITER_STATEMENTS: usize = 1024;
/// Reader connections (the writer is always one).
const READERS: u32 = 4;

/// tinhso's storage on SQLite. Cheap to clone (the pools are shared).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    /// The group-commit task of dossier writes (runs on `writer`).
    dossier_writer: GroupWriter,
    /// WAL checkpoints beside the writer (a file database only).
    checkpoints: Option<Arc<checkpoints::Checkpoints>>,
}

impl SqliteStore {
    /// Opens (creating the folder and the file if missing) and migrates the database at `url`:
    /// `sqlite:///abs/path/db.sqlite3`, `sqlite://relative/db.sqlite3?mode=rwc`, or
    /// `sqlite::memory:` (a private in-memory database, for tests).
    pub async fn open(url: &str) -> StoreResult<Self> {
        let base = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Other(format!("invalid SQLite URL: {e}")))?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");

        if in_memory {
            // One connection, kept open for the store's life: closing the last connection to a
            // shared in-memory database deletes it.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(base)
                .await
                .map_err(db_err)?;
            MIGRATOR.run(&pool).await.map_err(migrate_err)?;
            kpi::restore_deferred_indexes(&pool).await?;
            let store = Self::with_pools(pool.clone(), pool, None);
            tinhso_store::kpi::warn_if_counters_owed(&store).await?;
            return Ok(store);
        }

        let path = base.get_filename().to_path_buf();
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|e| {
                StoreError::Unavailable(format!("cannot create folder {}: {e}", folder.display()))
            })?;
        }
        let base = base
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            // Batched dossier groups use one statement text per row count and table (up to
            // 256 rows, about six tables): keep them prepared rather than re-parse them.
            .connect_with(
                base.clone()
                    .statement_cache_capacity(WRITER_STATEMENTS)
                    // Checkpoints run beside it (`checkpoints`), not inside its commits.
                    .pragma("wal_autocheckpoint", "0"),
            )
            .await
            .map_err(db_err)?;
        MIGRATOR.run(&writer).await.map_err(migrate_err)?;
        // An interrupted bulk load (`tinhso seed`) may have left indexes to build.
        kpi::restore_deferred_indexes(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(base.clone().pragma("query_only", "ON"))
            .await
            .map_err(db_err)?;
        let checkpoints = checkpoints::Checkpoints::start(base).await?;
        tracing::debug!(path = %path.display(), "opened SQLite store");
        let store = Self::with_pools(writer, reader, Some(checkpoints));
        // An interrupted bulk load may have left counters owed.
        tinhso_store::kpi::warn_if_counters_owed(&store).await?;
        Ok(store)
    }

    fn with_pools(
        writer: SqlitePool,
        reader: SqlitePool,
        checkpoints: Option<Arc<checkpoints::Checkpoints>>,
    ) -> Self {
        let dossier_writer = GroupWriter::spawn(dossiers::SqliteCommitter {
            writer: writer.clone(),
        });
        Self {
            writer,
            reader,
            dossier_writer,
            checkpoints,
        }
    }

    /// Closes the pools, waiting for connections to finish; the writer closes last.
    pub async fn close(&self) {
        if let Some(c) = &self.checkpoints {
            c.close().await;
        }
        self.reader.close().await;
        self.writer.close().await;
    }

    /// Copies the WAL back into the database file now, as the background checkpoints do;
    /// answers (frames in the WAL, frames copied). (0, 0) for an in-memory database.
    pub async fn checkpoint_now(&self) -> StoreResult<(i64, i64)> {
        match &self.checkpoints {
            Some(c) => c.now().await,
            None => Ok((0, 0)),
        }
    }

    async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_err)
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

fn migrate_err(e: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Other(format!("migration failed: {e}"))
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

fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

fn from_micros(us: i64) -> StoreResult<Timestamp> {
    Timestamp::from_microsecond(us).map_err(|e| corrupt("stored instant", e))
}

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    row.try_get(column).map_err(db_err)
}

const VERSION_COLUMNS: &str = "v.version, v.content_hash, v.recorded_at, v.record";

fn version_from_row(row: &SqliteRow) -> StoreResult<ProcedureVersion> {
    let version: i64 = get(row, "version")?;
    let record: String = get(row, "record")?;
    Ok(ProcedureVersion {
        procedure: from_json("stored procedure", &record)?,
        version: u32::try_from(version).map_err(|e| corrupt("stored version", e))?,
        content_hash: get(row, "content_hash")?,
        recorded_at: from_micros(get(row, "recorded_at")?)?,
    })
}

const UNIT_COLUMNS: &str =
    "code, kind, valid_from, name, unit_type, parent_code, valid_to, lat, lon, area_km2";

/// Province, district, commune: the order units are listed in.
const UNIT_KIND_ORDER: &str = "CASE kind WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END";

fn unit_from_row(row: &SqliteRow) -> StoreResult<AdminUnit> {
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

fn succession_from_row(row: &SqliteRow) -> StoreResult<Succession> {
    let effective: String = get(row, "effective")?;
    let partial: i64 = get(row, "partial")?;
    Ok(Succession {
        old_code: get(row, "old_code")?,
        new_code: get(row, "new_code")?,
        partial: partial != 0,
        effective: parse_date(&effective)?,
    })
}

fn calendar_day_from_row(row: &SqliteRow) -> StoreResult<CalendarDay> {
    let day: String = get(row, "day")?;
    let kind: String = get(row, "kind")?;
    Ok(CalendarDay {
        date: parse_date(&day)?,
        kind: enum_from_name(&kind)?,
        name: get(row, "name")?,
    })
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

async fn insert_version(
    tx: &mut Transaction<'static, Sqlite>,
    p: &Procedure,
    version: u32,
    hash: &str,
    at: Timestamp,
) -> StoreResult<()> {
    let levels = p
        .levels
        .iter()
        .map(enum_name)
        .collect::<StoreResult<Vec<_>>>()?;
    sqlx::query(
        "INSERT INTO procedure_versions \
         (code, version, content_hash, recorded_at, name, folded_name, levels, online_level, \
          fields, record) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(p.code.as_str())
    .bind(i64::from(version))
    .bind(hash)
    .bind(micros(at))
    .bind(&p.name)
    .bind(fold(&p.name))
    .bind(to_json(&levels)?)
    .bind(enum_name(&p.online_level)?)
    .bind(to_json(&p.fields)?)
    .bind(to_json(p)?)
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    sqlx::query(
        "INSERT INTO procedure_heads (code, version, content_hash) VALUES (?, ?, ?) \
         ON CONFLICT (code) DO UPDATE SET version = excluded.version, \
         content_hash = excluded.content_hash",
    )
    .bind(p.code.as_str())
    .bind(i64::from(version))
    .bind(hash)
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(())
}

#[async_trait]
impl CatalogStore for SqliteStore {
    async fn record_procedures(
        &self,
        procedures: &[Procedure],
        at: Timestamp,
        progress: Progress<'_>,
    ) -> StoreResult<Vec<VersionOutcome>> {
        let mut ticker = ProgressTicker::new(progress);
        let mut outcomes = Vec::with_capacity(procedures.len());
        let mut tx = self.begin_write().await?;
        for (i, p) in procedures.iter().enumerate() {
            let hash = p.content_hash();
            let head =
                sqlx::query("SELECT version, content_hash FROM procedure_heads WHERE code = ?")
                    .bind(p.code.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
            let outcome = match head {
                None => {
                    insert_version(&mut tx, p, 1, &hash, at).await?;
                    VersionOutcome::Created { version: 1 }
                }
                Some(row) => {
                    let latest: i64 = get(&row, "version")?;
                    let latest = u32::try_from(latest).map_err(|e| corrupt("stored version", e))?;
                    let latest_hash: String = get(&row, "content_hash")?;
                    if latest_hash == hash {
                        VersionOutcome::Unchanged { version: latest }
                    } else {
                        insert_version(&mut tx, p, latest + 1, &hash, at).await?;
                        VersionOutcome::NewVersion {
                            version: latest + 1,
                        }
                    }
                }
            };
            outcomes.push(outcome);
            ticker.tick(i + 1);
        }
        if outcomes
            .iter()
            .any(|o| !matches!(o, VersionOutcome::Unchanged { .. }))
        {
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
             WHERE h.code = ?"
        );
        let row = sqlx::query(&sql)
            .bind(code.as_str())
            .fetch_optional(&self.reader)
            .await
            .map_err(db_err)?;
        row.as_ref().map(version_from_row).transpose()
    }

    async fn procedure_version(
        &self,
        code: &ProcedureCode,
        version: u32,
    ) -> StoreResult<Option<ProcedureVersion>> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM procedure_versions v WHERE code = ? AND version = ?"
        );
        let row = sqlx::query(&sql)
            .bind(code.as_str())
            .bind(i64::from(version))
            .fetch_optional(&self.reader)
            .await
            .map_err(db_err)?;
        row.as_ref().map(version_from_row).transpose()
    }

    async fn procedure_versions(&self, code: &ProcedureCode) -> StoreResult<Vec<ProcedureVersion>> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM procedure_versions v WHERE code = ? ORDER BY version"
        );
        let rows = sqlx::query(&sql)
            .bind(code.as_str())
            .fetch_all(&self.reader)
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
            .fetch_all(&self.reader)
            .await
            .map_err(db_err)?;
        rows.iter().map(version_from_row).collect()
    }

    async fn catalog_revision(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT revision FROM catalog_state WHERE id = 1")
            .fetch_one(&self.reader)
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
             JOIN procedure_versions v ON v.code = h.code AND v.version = h.version WHERE 1 = 1",
        );
        for _ in folded_terms {
            sql.push_str(" AND v.folded_name LIKE ? ESCAPE '\\'");
        }
        sql.push_str(" ORDER BY h.code LIMIT ?");
        let mut query = sqlx::query_scalar::<_, String>(&sql);
        for term in folded_terms {
            query = query.bind(like_pattern(term));
        }
        let codes = query
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
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
impl UnitStore for SqliteStore {
    async fn upsert_units(
        &self,
        units: &[AdminUnit],
        progress: Progress<'_>,
    ) -> StoreResult<WriteCounts> {
        let rows = last_per_key(units, |u| (u.code.clone(), u.kind, u.valid_from));
        let mut ticker = ProgressTicker::new(progress);
        let mut counts = WriteCounts::default();
        let mut tx = self.begin_write().await?;
        for (i, u) in rows.iter().enumerate() {
            let kind = enum_name(&u.kind)?;
            let valid_from = date_text(u.valid_from);
            let existing = sqlx::query(&format!(
                "SELECT {UNIT_COLUMNS} FROM admin_units WHERE code = ? AND kind = ? AND valid_from = ?"
            ))
            .bind(&u.code)
            .bind(&kind)
            .bind(&valid_from)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
            let sql = match existing.as_ref().map(unit_from_row).transpose()? {
                Some(stored) if &stored == *u => {
                    counts.unchanged += 1;
                    None
                }
                Some(_) => {
                    counts.updated += 1;
                    Some(
                        "UPDATE admin_units SET name = ?4, unit_type = ?5, parent_code = ?6, \
                         valid_to = ?7, lat = ?8, lon = ?9, area_km2 = ?10 \
                         WHERE code = ?1 AND kind = ?2 AND valid_from = ?3",
                    )
                }
                None => {
                    counts.inserted += 1;
                    Some(
                        "INSERT INTO admin_units (code, kind, valid_from, name, unit_type, \
                         parent_code, valid_to, lat, lon, area_km2) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    )
                }
            };
            if let Some(sql) = sql {
                sqlx::query(sql)
                    .bind(&u.code)
                    .bind(&kind)
                    .bind(&valid_from)
                    .bind(&u.name)
                    .bind(&u.unit_type)
                    .bind(u.parent_code.as_deref())
                    .bind(u.valid_to.map(date_text))
                    .bind(u.lat)
                    .bind(u.lon)
                    .bind(u.area_km2)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            ticker.tick(i + 1);
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
        let mut tx = self.begin_write().await?;
        for (i, s) in rows.iter().enumerate() {
            let done = sqlx::query(
                "INSERT INTO unit_successions (old_code, new_code, effective, partial) \
                 VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(&s.old_code)
            .bind(&s.new_code)
            .bind(date_text(s.effective))
            .bind(i64::from(s.partial))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            if done.rows_affected() == 1 {
                counts.inserted += 1;
            } else {
                counts.unchanged += 1;
            }
            ticker.tick(i + 1);
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
             WHERE (?1 IS NULL OR kind = ?1) \
               AND (?2 IS NULL OR parent_code = ?2) \
               AND (?3 IS NULL OR (valid_from <= ?3 AND (valid_to IS NULL OR valid_to >= ?3))) \
             ORDER BY {UNIT_KIND_ORDER}, code, valid_from"
        );
        let rows = sqlx::query(&sql)
            .bind(kind)
            .bind(filter.parent_code.as_deref())
            .bind(day)
            .fetch_all(&self.reader)
            .await
            .map_err(db_err)?;
        rows.iter().map(unit_from_row).collect()
    }

    async fn unit_history(&self, code: &str) -> StoreResult<Vec<AdminUnit>> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM admin_units WHERE code = ? \
             ORDER BY valid_from, {UNIT_KIND_ORDER}"
        );
        let rows = sqlx::query(&sql)
            .bind(code)
            .fetch_all(&self.reader)
            .await
            .map_err(db_err)?;
        rows.iter().map(unit_from_row).collect()
    }

    async fn successions_of(&self, code: &str) -> StoreResult<Vec<Succession>> {
        let rows = sqlx::query(
            "SELECT old_code, new_code, effective, partial FROM unit_successions \
             WHERE old_code = ?1 OR new_code = ?1 ORDER BY effective, old_code, new_code",
        )
        .bind(code)
        .fetch_all(&self.reader)
        .await
        .map_err(db_err)?;
        rows.iter().map(succession_from_row).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Agencies

#[async_trait]
impl AgencyStore for SqliteStore {
    async fn upsert_agencies(&self, agencies: &[Agency]) -> StoreResult<WriteCounts> {
        let rows = last_per_key(agencies, |a| a.eid.clone());
        let mut counts = WriteCounts::default();
        let mut tx = self.begin_write().await?;
        for a in rows {
            let record = to_json(a)?;
            let stored: Option<String> =
                sqlx::query_scalar("SELECT record FROM agencies WHERE eid = ?")
                    .bind(a.eid.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
            match stored {
                Some(s) if s == record => {
                    counts.unchanged += 1;
                    continue;
                }
                Some(_) => counts.updated += 1,
                None => counts.inserted += 1,
            }
            sqlx::query(
                "INSERT INTO agencies (eid, name, level, parent_eid, unit_code, valid_from, \
                 valid_to, successor_eid, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (eid) DO UPDATE SET name = excluded.name, level = excluded.level, \
                 parent_eid = excluded.parent_eid, unit_code = excluded.unit_code, \
                 valid_from = excluded.valid_from, valid_to = excluded.valid_to, \
                 successor_eid = excluded.successor_eid, record = excluded.record",
            )
            .bind(a.eid.as_str())
            .bind(&a.name)
            .bind(enum_name(&a.level)?)
            .bind(a.parent.as_ref().map(AgencyEId::as_str))
            .bind(a.unit_code.as_deref())
            .bind(date_text(a.valid_from))
            .bind(a.valid_to.map(date_text))
            .bind(a.successor.as_ref().map(AgencyEId::as_str))
            .bind(&record)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(counts)
    }

    async fn agency(&self, eid: &AgencyEId) -> StoreResult<Option<Agency>> {
        let record: Option<String> =
            sqlx::query_scalar("SELECT record FROM agencies WHERE eid = ?")
                .bind(eid.as_str())
                .fetch_optional(&self.reader)
                .await
                .map_err(db_err)?;
        record
            .as_deref()
            .map(|r| from_json("stored agency", r))
            .transpose()
    }

    async fn agencies(&self) -> StoreResult<Vec<Agency>> {
        let records: Vec<String> = sqlx::query_scalar("SELECT record FROM agencies ORDER BY eid")
            .fetch_all(&self.reader)
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
impl CalendarStore for SqliteStore {
    async fn upsert_calendar_days(&self, days: &[CalendarDay]) -> StoreResult<WriteCounts> {
        let rows = last_per_key(days, |d| d.date);
        let mut counts = WriteCounts::default();
        let mut tx = self.begin_write().await?;
        for d in rows {
            let day = date_text(d.date);
            let stored = sqlx::query("SELECT day, kind, name FROM calendar_days WHERE day = ?")
                .bind(&day)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
            match stored.as_ref().map(calendar_day_from_row).transpose()? {
                Some(s) if &s == d => {
                    counts.unchanged += 1;
                    continue;
                }
                Some(_) => counts.updated += 1,
                None => counts.inserted += 1,
            }
            sqlx::query(
                "INSERT INTO calendar_days (day, kind, name) VALUES (?, ?, ?) \
                 ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name",
            )
            .bind(&day)
            .bind(enum_name(&d.kind)?)
            .bind(&d.name)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(counts)
    }

    async fn calendar_days(&self, from: Date, to: Date) -> StoreResult<Vec<CalendarDay>> {
        let rows = sqlx::query(
            "SELECT day, kind, name FROM calendar_days WHERE day >= ? AND day <= ? ORDER BY day",
        )
        .bind(date_text(from))
        .bind(date_text(to))
        .fetch_all(&self.reader)
        .await
        .map_err(db_err)?;
        rows.iter().map(calendar_day_from_row).collect()
    }

    async fn delete_calendar_days(&self, dates: &[Date]) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let mut removed = 0;
        for d in dates {
            removed += sqlx::query("DELETE FROM calendar_days WHERE day = ?")
                .bind(date_text(*d))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
        }
        tx.commit().await.map_err(db_err)?;
        Ok(removed)
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map_err(db_err)?;
        Ok(())
    }
    async fn revisions(&self) -> StoreResult<ReferenceRevisions> {
        let (catalog, agencies, workflows): (i64, i64, i64) = sqlx::query_as(
            "SELECT catalog, agencies, workflows FROM reference_revisions WHERE id = 1",
        )
        .fetch_one(&self.reader)
        .await
        .map_err(db_err)?;
        Ok(ReferenceRevisions {
            catalog,
            agencies,
            workflows,
        })
    }
}

// Keep the kind names in SQL (`UNIT_KIND_ORDER`, the CHECK in the migration) in step with the
// domain's serde names.
#[cfg(test)]
mod tests {
    use super::*;
    use tinhso_domain::units::UnitKind;

    #[test]
    fn unit_kind_names_match_the_schema() {
        for (kind, name) in [
            (UnitKind::Province, "province"),
            (UnitKind::District, "district"),
            (UnitKind::Commune, "commune"),
        ] {
            assert_eq!(enum_name(&kind).ok().as_deref(), Some(name));
        }
    }

    #[test]
    fn like_terms_are_literal() {
        assert_eq!(like_pattern("100%"), "%100\\%%");
        assert_eq!(like_pattern("a_b\\"), "%a\\_b\\\\%");
    }
}
