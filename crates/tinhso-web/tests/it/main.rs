//! HTTP tests, in process (tower `oneshot`), on a demo-loaded SQLite store.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tinhso_app::progress::NoProgress;
use tinhso_app::{App, AppSettings, FixedClock};
use tinhso_web::{router, AppState, Metrics};
use tower::ServiceExt;

mod accounts;
mod admin;
mod authz;
mod dossiers;
mod engines;
mod hostile;
mod ioc;
mod officer;
mod pages;
mod portal;

struct TestServer {
    router: axum::Router,
    app: Arc<App>,
    _dir: std::path::PathBuf,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self._dir);
    }
}

async fn server() -> TestServer {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "tinhso_web_it_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let url = format!("sqlite://{}/t.sqlite3", dir.display());
    let store = tinhso_app::open_store(&url).await.unwrap();
    let clock = Arc::new(FixedClock::new("2026-03-02T02:00:00Z".parse().unwrap()));
    let app = App::new(store, clock, AppSettings::default())
        .await
        .unwrap();
    app.load_demo(&NoProgress).await.unwrap();
    let app = Arc::new(app);
    let state = AppState {
        app: app.clone(),
        metrics: Metrics::install(),
    };
    TestServer {
        router: router(state),
        app,
        _dir: dir,
    }
}

async fn get(s: &TestServer, uri: &str) -> (StatusCode, String) {
    let resp = s
        .router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn get_json(s: &TestServer, uri: &str) -> (StatusCode, Value) {
    let (status, body) = get(s, uri).await;
    let v = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {body}"));
    (status, v)
}

#[tokio::test]
async fn health_ready_and_metrics() {
    let s = server().await;
    assert_eq!(
        get(&s, "/healthz").await,
        (StatusCode::OK, "ok".to_string())
    );
    assert_eq!(get(&s, "/readyz").await.0, StatusCode::OK);
    let _ = get(&s, "/api/v1/procedures?q=khai").await;
    let (status, text) = get(&s, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("tinhso_http_requests_total"), "{text}");
    assert!(
        text.contains("route=\"/api/v1/procedures\""),
        "metrics label by route template: {text}"
    );
}

#[tokio::test]
async fn search_without_diacritics_finds_the_procedure() {
    let s = server().await;
    let (status, v) = get_json(&s, "/api/v1/procedures?q=dang%20ky%20khai%20sinh").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["items"][0]["code"], "1.001193", "{v}");
    assert!(v["total"].as_u64().unwrap() >= 1);
    // Filters: commune level and online level.
    let (_, v) = get_json(&s, "/api/v1/procedures?q=dang%20ky&level=commune&limit=100").await;
    for item in v["items"].as_array().unwrap() {
        assert!(
            item["levels"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l == "commune"),
            "{item}"
        );
    }
    let (status, v) = get_json(&s, "/api/v1/procedures/1.001193").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["version"], 1);
    let (status, v) = get_json(&s, "/api/v1/procedures/1.001193/versions").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["versions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn errors_are_stable_codes_in_vietnamese_and_english() {
    let s = server().await;
    let cases = [
        ("/api/v1/procedures/1-001193", 400, "invalid_procedure_code"),
        ("/api/v1/procedures/9.999999", 404, "procedure_not_found"),
        ("/api/v1/procedures?level=district_x", 400, "invalid_query"),
        ("/api/v1/procedures?limit=-1", 400, "invalid_query"),
        ("/api/v1/procedures?agency=bad", 400, "invalid_agency_eid"),
        ("/api/v1/units?on=2026-02-30", 400, "invalid_date"),
        ("/api/v1/units/99999", 404, "unit_not_found"),
        ("/api/v1/agencies/000.00.00.H99", 404, "agency_not_found"),
        (
            "/api/v1/calendar/due?from=2026-13-01T08:00&limit=1%20working%20day",
            400,
            "invalid_date",
        ),
        (
            "/api/v1/calendar/due?from=2026-02-13T16:00&limit=three%20weeks",
            400,
            "invalid_time_limit",
        ),
        ("/api/v1/calendar/99999", 400, "invalid_date"),
        ("/api/no/such/page", 404, "not_found"),
    ];
    for (uri, status, code) in cases {
        let (st, v) = get_json(&s, uri).await;
        assert_eq!(st.as_u16(), status, "{uri}: {v}");
        assert_eq!(v["error"]["code"], code, "{uri}: {v}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
        assert!(!v["error"]["message_en"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn units_agencies_and_calendar() {
    let s = server().await;
    let (status, v) = get_json(&s, "/api/v1/units?kind=commune&parent=86&on=2026-01-01").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["total"], 124);
    let (status, v) = get_json(&s, "/api/v1/agencies").await;
    assert_eq!(status, StatusCode::OK);
    assert!(v["total"].as_u64().unwrap() >= 124 + 15);
    // domain.md §3 worked example: Friday before Tết 2026 at 16:00, 3 working days → Wed 25/2 16:00.
    let (status, v) = get_json(
        &s,
        "/api/v1/calendar/due?from=2026-02-13T16:00&limit=3%20working%20days",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["due"], "2026-02-25T16:00:00", "{v}");
    let (status, v) = get_json(&s, "/api/v1/calendar/2026").await;
    assert_eq!(status, StatusCode::OK);
    assert!(v["holidays"].as_array().unwrap().len() >= 11, "{v}");
}

#[tokio::test]
async fn home_page_is_vietnamese_first() {
    let s = server().await;
    let (status, html) = get(&s, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("lang=\"vi\""));
    assert!(html.contains("Tìm thủ tục"));
}
