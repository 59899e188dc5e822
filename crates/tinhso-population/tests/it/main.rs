//! The population service's HTTP contract, in process (tower `oneshot`). tinhso-app's tests
//! call it over real TCP.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tinhso_population::{Registry, Service};
use tower::ServiceExt;

const TOKEN: &str = "test-secret-0123456789";

fn service() -> Service {
    Service::new(Registry::generate(1, 100, "86"), TOKEN).expect("service")
}

async fn call(auth: Option<&str>, body: &str) -> (StatusCode, serde_json::Value) {
    let mut req = Request::post("/v1/citizens/verify").header("content-type", "application/json");
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let res = service()
        .router()
        .oneshot(req.body(Body::from(body.to_string())).expect("request"))
        .await
        .expect("response");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, json)
}

const NHUNG: &str = r#"{"id_number":"086190012345","full_name":"Nguyễn Thị Hồng Nhung","date_of_birth":"1990-05-12"}"#;

#[tokio::test]
async fn a_known_citizen_matches() {
    let (status, json) = call(Some(&format!("Bearer {TOKEN}")), NHUNG).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["match"], true);
    assert!(json["request_id"]
        .as_str()
        .is_some_and(|s| s.starts_with("pop-")));
}

#[tokio::test]
async fn a_wrong_name_date_or_number_is_the_same_no_match() {
    let auth = format!("Bearer {TOKEN}");
    for body in [
        r#"{"id_number":"086190012345","full_name":"Nguyễn Thị Hồng","date_of_birth":"1990-05-12"}"#,
        r#"{"id_number":"086190012345","full_name":"Nguyễn Thị Hồng Nhung","date_of_birth":"1990-05-13"}"#,
        r#"{"id_number":"086190012346","full_name":"Nguyễn Thị Hồng Nhung","date_of_birth":"1990-05-12"}"#,
    ] {
        let (status, json) = call(Some(&auth), body).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(json["match"], false, "{body}");
        assert_eq!(json.as_object().map(|o| o.len()), Some(2), "{json}");
    }
}

#[tokio::test]
async fn the_secret_is_required() {
    for auth in [
        None,
        Some("Bearer wrong-secret-0123456789"),
        Some("Basic eA=="),
    ] {
        let (status, json) = call(auth, NHUNG).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(json["error"]["code"], "unauthenticated");
    }
}

#[tokio::test]
async fn bad_bodies_are_named() {
    let auth = format!("Bearer {TOKEN}");
    let (status, json) = call(Some(&auth), "{").await;
    assert_eq!(
        (status, json["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_json"))
    );
    for body in [
        r#"{"id_number":"0861900123","full_name":"A","date_of_birth":"1990-05-12"}"#,
        r#"{"id_number":"086190012345","full_name":" ","date_of_birth":"1990-05-12"}"#,
        r#"{"id_number":"086190012345","full_name":"A","date_of_birth":"12/05/1990"}"#,
        r#"{"id_number":"086190012345","full_name":"A"}"#,
    ] {
        let (status, json) = call(Some(&auth), body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(json["error"]["code"], "invalid_request");
        // The answer never repeats what was sent.
        assert!(!json.to_string().contains("0861900123"), "{json}");
    }
}

#[test]
fn a_short_secret_is_refused() {
    assert!(Service::new(Registry::default(), "short").is_err());
}
