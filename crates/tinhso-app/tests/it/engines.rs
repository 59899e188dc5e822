//! Fresh stores for tests: a temporary SQLite file, and a fresh PostgreSQL database per test.

use std::sync::Arc;

use sqlx::Connection;
use tinhso_app::{App, AppSettings, FixedClock};

pub struct TestApp {
    pub app: Arc<App>,
    pub engine: &'static str,
    _cleanup: Cleanup,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::Dir(d) => {
                let _ = std::fs::remove_dir_all(d);
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop on a separate thread with its own runtime: we may be inside a runtime.
                let _ = std::thread::spawn(move || {
                    if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        rt.block_on(async {
                            if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url).await {
                                let _ = sqlx::query(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .execute(&mut c)
                                .await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

pub fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new("2026-03-02T02:00:00Z".parse().unwrap()))
}

pub async fn sqlite() -> TestApp {
    let dir = std::env::temp_dir().join(unique("tinhso_app_it"));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/t.sqlite3", dir.display());
    let store = tinhso_app::open_store(&url).await.unwrap();
    let app = App::new(store, clock(), AppSettings::default())
        .await
        .unwrap();
    TestApp {
        app: Arc::new(app),
        engine: "sqlite",
        _cleanup: Cleanup::Dir(dir),
    }
}

/// A fresh PostgreSQL database, or None (with a SKIPPED line) when no server is reachable and
/// PostgreSQL is not required.
pub async fn postgres() -> Option<TestApp> {
    let admin_url = std::env::var("TINHSO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut conn = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => {
            if std::env::var("TINHSO_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("PostgreSQL required (TINHSO_REQUIRE_POSTGRES=1) but unreachable: {e}");
            }
            eprintln!("SKIPPED: no PostgreSQL reachable ({e}); set TINHSO_TEST_POSTGRES_URL");
            return None;
        }
    };
    let name = unique("tinhso_app_it");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(admin_url.clone());
    let url = format!("{base}/{name}");
    let store = tinhso_app::open_store(&url).await.unwrap();
    let app = App::new(store, clock(), AppSettings::default())
        .await
        .unwrap();
    Some(TestApp {
        app: Arc::new(app),
        engine: "postgres",
        _cleanup: Cleanup::Database { admin_url, name },
    })
}

/// Both engines that are available.
pub async fn all() -> Vec<TestApp> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}

/// The shared data folder beside the repository, if present.
pub fn shared() -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if p.join("data").exists() {
        Some(p)
    } else {
        eprintln!("SKIPPED: ../shared not found beside the repository");
        None
    }
}
