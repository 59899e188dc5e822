//! Integration tests of the PostgreSQL backend: the whole conformance suite, concurrent
//! imports and dossier writes from two pools, batch speed, audit-trail tampering.
//!
//! Server: `TINHSO_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! Each test creates a database with a random name and drops it afterwards. When the server
//! cannot be reached the tests print `SKIPPED: no PostgreSQL at …` and pass, unless
//! `TINHSO_REQUIRE_POSTGRES=1`, in which case they fail (set it in CI).

mod concurrency;
mod conformance;
mod dossiers;

use std::future::Future;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::Connection;
use tinhso_store_postgres::PostgresStore;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn server_url() -> String {
    std::env::var("TINHSO_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

fn postgres_required() -> bool {
    std::env::var("TINHSO_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// The URL without its password, for messages.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// One connection attempt (no pool retries, so a refused connection answers at once), its
/// result remembered for the whole test process.
async fn reachable(options: &PgConnectOptions) -> Result<(), String> {
    static PROBE: Mutex<Option<Result<(), String>>> = Mutex::new(None);
    if let Some(known) = PROBE.lock().map(|g| g.clone()).unwrap_or_default() {
        return known;
    }
    let result =
        match tokio::time::timeout(Duration::from_secs(5), PgConnection::connect_with(options))
            .await
        {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
                Ok(())
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("no answer within 5 s".to_string()),
        };
    if let Ok(mut guard) = PROBE.lock() {
        *guard = Some(result.clone());
    }
    result
}

/// A database of its own for one test.
pub struct TestDb {
    admin: PgPool,
    name: String,
    pub options: PgConnectOptions,
}

impl TestDb {
    /// Creates a fresh database, or returns `None` (after printing SKIPPED) when there is no
    /// server and it is not required.
    pub async fn create(label: &str) -> Option<Self> {
        let url = server_url();
        let options = match PgConnectOptions::from_str(&url) {
            Ok(o) => o,
            Err(e) => panic!(
                "TINHSO_TEST_POSTGRES_URL is not a valid URL ({}): {e}",
                redacted(&url)
            ),
        };
        if let Err(e) = reachable(&options).await {
            if postgres_required() {
                panic!(
                    "TINHSO_REQUIRE_POSTGRES=1 but no PostgreSQL at {}: {e}",
                    redacted(&url)
                );
            }
            eprintln!("SKIPPED: no PostgreSQL at {} ({e})", redacted(&url));
            return None;
        }
        let admin = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {} went away: {e}", redacted(&url)));
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let label: String = label
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(24)
            .collect::<String>()
            .to_ascii_lowercase();
        let name = format!(
            "tinhso_t_{label}_{}_{}_{}",
            std::process::id(),
            nanos % 1_000_000_000_000,
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        // The name is made of [a-z0-9_] only, so quoting it is enough.
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let options = options.database(&name);
        Some(Self {
            admin,
            name,
            options,
        })
    }

    pub async fn drop_database(self) {
        let dropped = sqlx::query(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ))
        .execute(&self.admin)
        .await;
        if let Err(e) = dropped {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
        self.admin.close().await;
    }

    pub async fn store(&self) -> PostgresStore {
        PostgresStore::connect_with(self.options.clone())
            .await
            .expect("connect and migrate")
    }
}

/// Runs `body` against a fresh database and drops the database afterwards, whether the body
/// passed or panicked (the panic is then re-raised).
pub async fn with_database<F, Fut>(label: &str, body: F)
where
    F: FnOnce(Arc<TestDb>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = TestDb::create(label).await else {
        return;
    };
    let db = Arc::new(db);
    let outcome = tokio::spawn(body(db.clone())).await;
    match Arc::try_unwrap(db) {
        Ok(db) => db.drop_database().await,
        Err(_) => eprintln!("warning: test database still in use, not dropped"),
    }
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("test task failed: {e}"),
        }
    }
}
