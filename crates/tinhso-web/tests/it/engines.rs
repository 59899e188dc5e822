//! A fresh database per test on SQLite or PostgreSQL, and a count of every table's rows (to
//! show that a refused or read-only request changed nothing).
//!
//! PostgreSQL: `TINHSO_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! without a reachable server the PostgreSQL half prints `SKIPPED` and passes, unless
//! `TINHSO_REQUIRE_POSTGRES=1` (what `scripts/test` sets).

use std::collections::BTreeMap;
use std::path::PathBuf;

use sqlx::Connection;

/// The engines every engine-parametrised test runs on.
pub const ENGINES: [&str; 2] = ["sqlite", "postgres"];

/// A database and a temporary folder (for the object store), removed when dropped.
pub struct Database {
    pub url: String,
    pub engine: &'static str,
    pub dir: PathBuf,
    postgres: Option<(String, String)>,
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((admin_url, name)) = self.postgres.take() {
            // Dropped on a thread with its own runtime: we may be inside one.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut c)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A fresh database on `engine` (`sqlite` or `postgres`); `None` when PostgreSQL is not
/// reachable and not required.
pub async fn database(engine: &'static str, prefix: &str) -> Option<Database> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let unique = format!(
        "{prefix}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let dir = std::env::temp_dir().join(&unique);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    if engine == "sqlite" {
        return Some(Database {
            url: format!("sqlite://{}/t.sqlite3", dir.display()),
            engine,
            dir,
            postgres: None,
        });
    }
    let admin_url = std::env::var("TINHSO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut conn = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            if std::env::var("TINHSO_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("PostgreSQL required (TINHSO_REQUIRE_POSTGRES=1) but unreachable: {e}");
            }
            eprintln!("SKIPPED: no PostgreSQL reachable ({e}); set TINHSO_TEST_POSTGRES_URL");
            return None;
        }
    };
    sqlx::query(&format!("CREATE DATABASE {unique}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.clone(), |(b, _)| b.to_string());
    Some(Database {
        url: format!("{base}/{unique}"),
        engine,
        dir,
        postgres: Some((admin_url, unique)),
    })
}

/// The number of rows of every table of the database.
pub async fn row_counts(url: &str) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.expect("sqlite");
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(&mut c)
        .await
        .expect("tables");
        for t in tables {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{t}\""))
                .fetch_one(&mut c)
                .await
                .expect("count");
            out.insert(t, n);
        }
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.expect("postgres");
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                .fetch_all(&mut c)
                .await
                .expect("tables");
        for t in tables {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{t}\""))
                .fetch_one(&mut c)
                .await
                .expect("count");
            out.insert(t, n);
        }
    }
    out
}
