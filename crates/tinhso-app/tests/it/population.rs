//! The population data source over real HTTP: the stand-in service (`tinhso-population`)
//! listens on a random loopback port in its own task, and the app's HTTP client calls it.

use std::net::SocketAddr;
use std::sync::Arc;

use tinhso_app::population::{
    CitizenQuery, HttpPopulationSource, PopulationError, PopulationSource,
};
use tinhso_domain::identity::PersonalIdNumber;

pub const SECRET: &str = "population-test-secret-0123";
pub const NHUNG_ID: &str = "086190012345";
pub const NHUNG: &str = "Nguyễn Thị Hồng Nhung";
pub const NHUNG_BORN: &str = "1990-05-12";

/// The stand-in population service on a random loopback port; stops when dropped.
pub struct PopulationServer {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for PopulationServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn population_server() -> PopulationServer {
    let registry = tinhso_population::Registry::generate(1, 200, "86");
    let service = tinhso_population::Service::new(registry, SECRET).expect("service");
    let (addr, task) = service
        .spawn(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("listen");
    PopulationServer { addr, task }
}

pub fn source(addr: SocketAddr, secret: &str) -> Arc<HttpPopulationSource> {
    Arc::new(HttpPopulationSource::new(&format!("http://{addr}"), secret).expect("client"))
}

fn query(name: &str, born: &str) -> CitizenQuery {
    CitizenQuery {
        id_number: PersonalIdNumber::parse(NHUNG_ID).expect("id"),
        full_name: name.into(),
        date_of_birth: born.parse().expect("date"),
    }
}

#[tokio::test]
async fn the_population_source_answers_over_http() {
    let server = population_server().await;
    let s = source(server.addr, SECRET);
    let yes = s.verify(&query(NHUNG, NHUNG_BORN)).await.expect("match");
    assert!(yes.matched);
    assert!(yes.reference.is_some_and(|r| r.starts_with("pop-")));
    let no = s
        .verify(&query(NHUNG, "1990-05-13"))
        .await
        .expect("no match");
    assert!(!no.matched);
    // A wrong secret is an error the operator must fix, not a "no".
    let wrong = source(server.addr, "another-secret-0123456789");
    assert_eq!(
        wrong.verify(&query(NHUNG, NHUNG_BORN)).await,
        Err(PopulationError::Unauthorized)
    );
    // Nothing listening: a clear "unavailable", quickly.
    let free = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let started = std::time::Instant::now();
    let down = source(free, SECRET).verify(&query(NHUNG, NHUNG_BORN)).await;
    assert!(
        matches!(down, Err(PopulationError::Unavailable(_))),
        "{down:?}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // And when the service stops.
    let addr = server.addr;
    drop(server);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let stopped = source(addr, SECRET).verify(&query(NHUNG, NHUNG_BORN)).await;
    assert!(
        matches!(stopped, Err(PopulationError::Unavailable(_))),
        "{stopped:?}"
    );
}

#[test]
fn the_client_refuses_bad_settings() {
    assert_eq!(
        HttpPopulationSource::new("", SECRET).err(),
        Some(PopulationError::NotConfigured)
    );
    assert!(HttpPopulationSource::new("ftp://x", SECRET).is_err());
    assert!(HttpPopulationSource::new("http://127.0.0.1:1", "short").is_err());
    // The secret never shows in Debug output.
    let s = HttpPopulationSource::new("http://127.0.0.1:1", SECRET).expect("client");
    assert!(!format!("{s:?}").contains(SECRET));
}
