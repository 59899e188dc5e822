//! The real tinhso HTTP server, in this process, on a real TCP port of 127.0.0.1, on a fresh
//! SQLite database in a temporary folder with the demo province loaded — wired like
//! `tinhso demo` (crates/tinhso/src/commands.rs: `open_app`, `serve`).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use tinhso_app::dossiers::IntakeRequest;
use tinhso_app::progress::NoProgress;
use tinhso_app::{App, AppSettings, Clock, FixedClock};
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::dossier::Role;
use tinhso_store::dossiers::User;

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

    /// Adds a user who signs in with [`tinhso_app::demo::DEMO_PASSWORD`]: an officer of
    /// `agency` with `role`, or a citizen when `agency` is `None`.
    pub async fn add_user(
        &self,
        id: &str,
        name: &str,
        agency: Option<&str>,
        role: Role,
    ) -> anyhow::Result<()> {
        let agency = agency.map(AgencyEId::parse).transpose()?;
        self.app
            .create_user(tinhso_app::identity::NewUser {
                id: id.into(),
                name: name.into(),
                agency,
                roles: vec![role],
            })
            .await?;
        let hash = tinhso_app::sessions::hash_password(tinhso_app::demo::DEMO_PASSWORD)?;
        self.app
            .store
            .set_password_hash(id, &hash, self.clock.now())
            .await?;
        Ok(())
    }

    /// A stored user, for calling use cases directly.
    pub async fn user(&self, id: &str) -> anyhow::Result<User> {
        self.app
            .store
            .user(id)
            .await?
            .with_context(|| format!("no user {id}"))
    }

    /// Submits an online dossier for `citizen` directly through the use case (for tests whose
    /// subject is not the submission itself); returns its code.
    pub async fn submit_online(&self, citizen: &str, procedure: &str) -> anyhow::Result<String> {
        let req: IntakeRequest = serde_json::from_value(serde_json::json!({
            "procedure_code": procedure,
            "channel": "online",
            "receiving_agency": tinhso_app::demo::DEMO_AGENCY,
            "applicant": {"name": "Nguyễn Thị Hồng Nhung", "id_number": "086190000123",
                          "phone": "0900000000", "address": "Phường Phú Khương, Vĩnh Long"},
            "form": {}
        }))?;
        let user = self.user(citizen).await?;
        Ok(self.app.submit_dossier(&user, req, None).await?.code)
    }

    /// The national status (1–10) of a dossier, read as its receiving one-stop officer would.
    pub async fn status(&self, code: &str) -> anyhow::Result<u8> {
        let officer = self.user("mc-phukhuong").await?;
        Ok(self
            .app
            .dossier_detail(&officer, code)
            .await?
            .dossier
            .status)
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
