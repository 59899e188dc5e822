//! The database a suite run uses, fresh each time: a new data folder (SQLite) or a new PostgreSQL
//! database with a random name (dropped afterwards), and the SQL baseline measured on it: a plain
//! insert loop, one row per transaction.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, Executor};

use crate::stats::{nanos, Summary};

/// The URL used when TINHSO_TEST_POSTGRES_URL is not set (the same default as scripts/test).
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// A fresh database for one suite run, and the folder beside it for logs and scratch files.
#[derive(Debug)]
pub struct Target {
    pub engine: Engine,
    /// What `tinhso --database` gets.
    pub database_url: String,
    /// What `tinhso --data-dir` gets.
    pub data_dir: PathBuf,
    /// Scratch folder (holds `data_dir`, the server log and the baseline's scratch file).
    pub work_dir: PathBuf,
    /// PostgreSQL only: the administrative URL and the name of the database to drop at the end.
    pg_admin: Option<(String, String)>,
}

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}_{:08x}", std::process::id(), nanos)
}

/// The host of a `postgres://` URL (without user, port, path), or None for a socket-only URL.
pub fn postgres_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?.to_string()
    } else {
        host_port.split(':').next()?.to_string()
    };
    (!host.is_empty()).then_some(host)
}

/// The same server URL pointing at another database (user, host, port and query kept).
pub fn with_database(url: &str, database: &str) -> anyhow::Result<String> {
    let (scheme, rest) = url
        .split_once("://")
        .context("a PostgreSQL URL looks like postgres://user@host:port/db")?;
    let (before_query, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let authority = before_query.split('/').next().unwrap_or(before_query);
    let mut out = format!("{scheme}://{authority}/{database}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Target {
    /// A new, empty data folder under `root`.
    pub fn fresh_sqlite(root: &Path) -> anyhow::Result<Target> {
        let work_dir = root.join(format!("sqlite-{}", unique_suffix()));
        let data_dir = work_dir.join("data");
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
        Ok(Target {
            engine: Engine::Sqlite,
            database_url: format!("sqlite://{}/tinhso.sqlite3", data_dir.display()),
            data_dir,
            work_dir,
            pg_admin: None,
        })
    }

    /// A new database with a random name on the server `admin_url` points at (loopback only).
    pub async fn fresh_postgres(root: &Path, admin_url: &str) -> anyhow::Result<Target> {
        match postgres_host(admin_url) {
            Some(h) if !is_loopback_host(&h) => {
                bail!("refusing to benchmark against PostgreSQL on {h}: loopback hosts only")
            }
            _ => {}
        }
        let name = format!("tinhso_bench_{}", unique_suffix());
        let mut admin = PgConnection::connect(admin_url)
            .await
            .context("cannot connect to PostgreSQL")?;
        // The name is ours (digits, letters, underscore): no quoting issue.
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .with_context(|| format!("CREATE DATABASE {name}"))?;
        admin.close().await.ok();
        let work_dir = root.join(format!("postgres-{}", unique_suffix()));
        let data_dir = work_dir.join("data");
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
        Ok(Target {
            engine: Engine::Postgres,
            database_url: with_database(admin_url, &name)?,
            data_dir,
            work_dir,
            pg_admin: Some((admin_url.to_string(), name)),
        })
    }

    /// An existing database (`tinhso-bench kpi --http`), with a new scratch folder under
    /// `root`; [`Target::remove`] then removes the scratch folder only.
    pub fn existing(database_url: &str, root: &Path) -> anyhow::Result<Target> {
        let engine = if database_url.starts_with("postgres") {
            Engine::Postgres
        } else {
            Engine::Sqlite
        };
        let work_dir = root.join(format!("existing-{}", unique_suffix()));
        let data_dir = work_dir.join("data");
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
        Ok(Target {
            engine,
            database_url: database_url.to_string(),
            data_dir,
            work_dir,
            pg_admin: None,
        })
    }

    /// Drops the PostgreSQL database (when there is one) and removes the scratch folder.
    pub async fn remove(self) -> anyhow::Result<()> {
        if let Some((admin_url, name)) = &self.pg_admin {
            let mut admin = PgConnection::connect(admin_url).await?;
            admin
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await
                .with_context(|| format!("DROP DATABASE {name}"))?;
            admin.close().await.ok();
        }
        std::fs::remove_dir_all(&self.work_dir)
            .with_context(|| format!("cannot remove {}", self.work_dir.display()))?;
        Ok(())
    }

    /// The plain SQL insert loop: one INSERT and one COMMIT per row, on one connection, until
    /// `duration` or `max_rows`. SQLite: a scratch file beside the data folder with the settings
    /// the store uses (WAL, `synchronous=FULL`); PostgreSQL: a scratch table in the fresh
    /// database. `payload` is stored in each row (the intake request body, for a similar size).
    pub async fn insert_loop(
        &self,
        duration: Duration,
        max_rows: u64,
        payload: &str,
    ) -> anyhow::Result<InsertLoop> {
        match self.engine {
            Engine::Sqlite => {
                let path = self.work_dir.join("baseline.sqlite3");
                let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full);
                let mut conn = SqliteConnection::connect_with(&opts).await?;
                conn.execute(
                    "CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, code TEXT NOT NULL, \
                     payload TEXT NOT NULL, created_at INTEGER NOT NULL)",
                )
                .await?;
                let sql = "INSERT INTO bench_rows (code, payload, created_at) VALUES (?, ?, ?)";
                let mut timer = LoopTimer::new(duration, max_rows);
                while let Some(i) = timer.next_row() {
                    let mut tx = conn.begin().await?;
                    sqlx::query(sql)
                        .bind(format!("BENCH-{i}"))
                        .bind(payload)
                        .bind(i as i64)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    timer.row_done();
                }
                conn.close().await.ok();
                Ok(timer.finish())
            }
            Engine::Postgres => {
                let mut conn = PgConnection::connect(&self.database_url).await?;
                conn.execute(
                    "CREATE TABLE bench_rows (id BIGSERIAL PRIMARY KEY, code TEXT NOT NULL, \
                     payload TEXT NOT NULL, created_at BIGINT NOT NULL)",
                )
                .await?;
                let sql = "INSERT INTO bench_rows (code, payload, created_at) VALUES ($1, $2, $3)";
                let mut timer = LoopTimer::new(duration, max_rows);
                while let Some(i) = timer.next_row() {
                    let mut tx = conn.begin().await?;
                    sqlx::query(sql)
                        .bind(format!("BENCH-{i}"))
                        .bind(payload)
                        .bind(i as i64)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    timer.row_done();
                }
                conn.close().await.ok();
                Ok(timer.finish())
            }
        }
    }
}

/// What the insert loop measured: rows committed, wall time, and the latency of each commit.
#[derive(Debug, Clone)]
pub struct InsertLoop {
    pub rows: u64,
    pub elapsed: Duration,
    pub latency: Summary,
}

impl InsertLoop {
    pub fn throughput(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Bounds a sequential loop by time and count, timing each row.
struct LoopTimer {
    started: Instant,
    deadline: Instant,
    max_rows: u64,
    rows: u64,
    row_started: Instant,
    samples: Vec<u64>,
}

impl LoopTimer {
    fn new(duration: Duration, max_rows: u64) -> Self {
        let started = Instant::now();
        LoopTimer {
            started,
            deadline: started + duration,
            max_rows,
            rows: 0,
            row_started: started,
            samples: Vec::new(),
        }
    }

    /// The next row's number, or None when time or count is used up.
    fn next_row(&mut self) -> Option<u64> {
        if self.rows >= self.max_rows || Instant::now() >= self.deadline {
            return None;
        }
        self.row_started = Instant::now();
        Some(self.rows)
    }

    fn row_done(&mut self) {
        self.samples.push(nanos(self.row_started.elapsed()));
        self.rows += 1;
    }

    fn finish(self) -> InsertLoop {
        InsertLoop {
            rows: self.rows,
            elapsed: self.started.elapsed(),
            latency: Summary::from_nanos(self.samples),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_of_a_url_is_replaced_and_the_rest_kept() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x").unwrap(),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgresql://u:p@localhost/db?sslmode=disable", "y").unwrap(),
            "postgresql://u:p@localhost/y?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://localhost", "z").unwrap(),
            "postgres://localhost/z"
        );
    }

    #[test]
    fn hosts_are_read_from_urls() {
        let h = |u: &str| postgres_host(u);
        assert_eq!(
            h("postgres://postgres@127.0.0.1:5432/postgres").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            h("postgres://u:p@db.example:5432/x").as_deref(),
            Some("db.example")
        );
        assert_eq!(h("postgres://[::1]:5432/x").as_deref(), Some("::1"));
        assert_eq!(h("postgres:///x?host=/run/postgresql"), None);
        assert!(is_loopback_host("localhost") && is_loopback_host("::1"));
        assert!(!is_loopback_host("db.example"));
    }
}
