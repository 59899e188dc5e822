//! The real tinhso HTTP server, in this process, on a real TCP port of 127.0.0.1, on a fresh
//! SQLite database in a temporary folder with the demo province loaded — wired like
//! `tinhso demo` (crates/tinhso/src/commands.rs: `open_app`, `serve`).

use std::path::PathBuf;
use std::sync::Arc;

use tinhso_app::progress::NoProgress;
use tinhso_app::{App, AppSettings, FixedClock};

pub struct Server {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    pub app: Arc<App>,
    /// The application's clock: frozen at the start time, moved on by the tests that need it.
    pub clock: Arc<FixedClock>,
    /// Demo users and their fresh API tokens: (user id, token).
    pub tokens: Vec<(String, String)>,
    dir: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    pub async fn start() -> anyhow::Result<Server> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tinhso_e2e_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);

        let store =
            tinhso_app::open_store(&format!("sqlite://{}/tinhso.sqlite3", dir.display())).await?;
        let objects = tinhso_objects::LocalDiskStore::in_data_folder(&dir)?;
        // Real time, frozen: deterministic timestamps, and cookies the browser does not find
        // expired.
        let clock = Arc::new(FixedClock::new(jiff::Timestamp::now()));
        let settings = AppSettings {
            public_url: base.clone(),
            ..AppSettings::default()
        };
        let app = App::new(store, clock.clone(), settings)
            .await?
            .with_objects(Arc::new(objects));
        app.load_demo(&NoProgress).await?;
        let tokens = app
            .load_demo_users()
            .await?
            .into_iter()
            .map(|(id, _role, token)| (id, token))
            .collect();
        let app = Arc::new(app);
        let state = tinhso_web::AppState {
            app: app.clone(),
            metrics: tinhso_web::Metrics::install(),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, tinhso_web::router(state))
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Server {
            base,
            app,
            clock,
            tokens,
            dir,
            stop: Some(stop),
        })
    }

    /// The absolute URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
