//! The dossier API in process: bearer tokens, intake to delivery, idempotent replays, bad
//! bodies, scope, the public look-up, forms, the register, attachments, and the OpenAPI
//! description of every route.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tinhso_app::identity::NewUser;
use tinhso_app::progress::NoProgress;
use tinhso_app::{App, AppSettings, FixedClock};
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::dossier::Role;
use tinhso_objects::LocalDiskStore;
use tinhso_web::{router, AppState, Metrics};
use tower::ServiceExt;

const WARD: &str = "000.01.90.H61";
const OTHER_WARD: &str = "000.02.90.H61";

struct Office {
    router: axum::Router,
    clock: Arc<FixedClock>,
    /// Tokens by user id.
    tokens: std::collections::HashMap<&'static str, String>,
    dir: std::path::PathBuf,
}

impl Drop for Office {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn at(local: &str) -> jiff::Timestamp {
    tinhso_app::clock::from_local(local.parse().unwrap())
}

async fn office() -> Office {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "tinhso_web_dossiers_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let store = tinhso_app::open_store(&format!("sqlite://{}/t.sqlite3", dir.display()))
        .await
        .unwrap();
    let clock = Arc::new(FixedClock::new(at("2026-03-02T09:00:00")));
    let app = App::new(store, clock.clone(), AppSettings::default())
        .await
        .unwrap()
        .with_objects(Arc::new(LocalDiskStore::open(dir.join("objects")).unwrap()));
    app.load_demo(&NoProgress).await.unwrap();
    let people: [(&'static str, &str, Role, Option<&str>); 7] = [
        ("mc01", "Lê Thị Một Cửa", Role::OneStopOfficer, Some(WARD)),
        ("cv01", "Trần Văn Chuyên", Role::Specialist, Some(WARD)),
        ("ld01", "Phạm Lãnh Đạo", Role::Leader, Some(WARD)),
        ("vt01", "Võ Văn Thư", Role::Clerk, Some(WARD)),
        (
            "mc02",
            "Đỗ Một Cửa Khác",
            Role::OneStopOfficer,
            Some(OTHER_WARD),
        ),
        ("cd01", "Nguyễn Văn Dân", Role::Applicant, None),
        ("cd02", "Hồ Thị Khác", Role::Applicant, None),
    ];
    let mut tokens = std::collections::HashMap::new();
    for (id, name, role, agency) in people {
        app.create_user(NewUser {
            id: id.into(),
            name: name.into(),
            agency: agency.map(|a| AgencyEId::parse(a).unwrap()),
            roles: vec![role],
        })
        .await
        .unwrap();
        tokens.insert(id, app.issue_token(id, "test").await.unwrap());
    }
    let state = AppState {
        app: Arc::new(app),
        metrics: Metrics::install(),
    };
    Office {
        router: router(state),
        clock,
        tokens,
        dir,
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl Office {
    async fn send(
        &self,
        method: &str,
        uri: &str,
        user: Option<&str>,
        key: Option<&str>,
        body: Vec<u8>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(u) = user {
            req = req.header("authorization", format!("Bearer {}", self.tokens[u]));
        }
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        let resp = self
            .router
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, uri: &str, user: Option<&str>) -> Answer {
        self.send("GET", uri, user, None, Vec::new()).await
    }

    async fn post(&self, uri: &str, user: &str, body: &Value) -> Answer {
        self.send("POST", uri, Some(user), None, body.to_string().into_bytes())
            .await
    }

    async fn act(&self, code: &str, user: &str, body: Value, when: &str) -> Value {
        self.clock.set(at(when));
        let a = self
            .post(&format!("/api/v1/dossiers/{code}/actions"), user, &body)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{body}: {}", a.json());
        a.json()
    }
}

fn intake() -> Value {
    json!({
        "procedure_code": "1.001193",
        "channel": "counter",
        "applicant": {"name": "Nguyễn Văn Dân", "kind": 1, "id_number": "086099000123",
                      "phone": "0912345678", "email": "dan@example.vn",
                      "address": "Phường Phú Khương, Vĩnh Long"},
        "form": {"ho_ten_tre": "Nguyễn Văn Bé"},
        "comment": "Nhận tại quầy"
    })
}

fn error_code(a: &Answer) -> String {
    a.json()["error"]["code"].as_str().unwrap_or("").to_string()
}

#[tokio::test]
async fn counter_dossier_over_http_from_intake_to_delivery() {
    let o = office().await;
    let created = o.post("/api/v1/dossiers", "mc01", &intake()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json());
    assert_eq!(created.header("cache-control"), "no-store");
    let v = created.json();
    assert_eq!(v["status"], 1);
    assert_eq!(v["status_label"], "Mới đăng ký");
    assert_eq!(v["channel"], "counter");
    assert_eq!(v["received_at"], "2026-03-02T09:00:00");
    let code = v["code"].as_str().unwrap().to_string();
    let secret = v["secret"].as_str().unwrap().to_string();
    assert!(code.starts_with("000.01.90.H61-260302-"), "{code}");

    let v = o
        .act(
            &code,
            "mc01",
            json!({"action": "accept"}),
            "2026-03-02T09:10:00",
        )
        .await;
    assert_eq!(
        (v["status"].as_u64(), v["due"].as_str()),
        (Some(2), Some("2026-03-03T09:15:00"))
    );
    assert!(v.get("secret").is_none(), "the secret is shown once");
    let v = o
        .act(
            &code,
            "cv01",
            json!({"action": "request_supplement", "reason": "Giấy chứng sinh: bản chính"}),
            "2026-03-02T10:10:00",
        )
        .await;
    assert_eq!(v["status"], 5);
    let v = o
        .act(
            &code,
            "mc01",
            json!({"action": "supplement"}),
            "2026-03-02T14:10:00",
        )
        .await;
    assert_eq!(
        (v["status"].as_u64(), v["due"].as_str()),
        (Some(2), Some("2026-03-03T13:15:00"))
    );
    let v = o
        .act(
            &code,
            "cv01",
            json!({"action": "forward", "to_step": "approve"}),
            "2026-03-02T15:00:00",
        )
        .await;
    assert_eq!(v["current_step"], "approve");
    o.act(
        &code,
        "ld01",
        json!({"action": "approve"}),
        "2026-03-02T15:30:00",
    )
    .await;
    let v = o
        .act(
            &code,
            "vt01",
            json!({"action": "result_ready"}),
            "2026-03-02T16:00:00",
        )
        .await;
    assert_eq!(v["status"], 9);
    let v = o
        .act(
            &code,
            "mc01",
            json!({"action": "deliver"}),
            "2026-03-03T08:00:00",
        )
        .await;
    assert_eq!(v["status"], 10);

    let t = o
        .get(&format!("/api/v1/dossiers/{code}/timeline"), Some("mc01"))
        .await;
    assert_eq!(t.status, StatusCode::OK);
    let events = t.json()["events"].as_array().unwrap().clone();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "submit",
            "accept",
            "request_supplement",
            "supplement",
            "forward",
            "approve",
            "result_ready",
            "deliver"
        ]
    );
    assert_eq!(events[2]["actor"]["name"], "Trần Văn Chuyên");
    assert_eq!(events[2]["to_status_label"], "Yêu cầu bổ sung giấy tờ");
    assert_eq!(events[2]["detail"]["reason"], "Giấy chứng sinh: bản chính");

    let d = o
        .get(&format!("/api/v1/dossiers/{code}"), Some("cv01"))
        .await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.json()["applicant"]["id_number"], "086099000123");

    // Forms: the receipt exists, the refusal does not.
    let f = o
        .get(&format!("/api/v1/dossiers/{code}/forms/01"), Some("mc01"))
        .await;
    assert_eq!(f.status, StatusCode::OK);
    assert_eq!(f.header("content-type"), "application/pdf");
    assert!(f.body.starts_with(b"%PDF"));
    let f = o
        .get(&format!("/api/v1/dossiers/{code}/forms/03"), Some("mc01"))
        .await;
    assert_eq!(
        (f.status, error_code(&f).as_str()),
        (StatusCode::CONFLICT, "form_not_available")
    );

    // The register (Mẫu 07) as CSV.
    let r = o
        .get(
            "/api/v1/register?from=2026-03-01&to=2026-03-31&format=csv",
            Some("mc01"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-type").starts_with("text/csv"));
    let csv = String::from_utf8(r.body.clone()).unwrap();
    assert!(
        csv.contains(&code) && csv.contains("Nguyễn Văn Dân"),
        "{csv}"
    );
    let r = o
        .get(
            "/api/v1/register?from=2026-03-01&to=2026-03-31&format=xlsx",
            Some("mc01"),
        )
        .await;
    assert!(r.body.starts_with(b"PK"));
    let r = o
        .get(
            "/api/v1/register?from=2026-03-01&to=2026-03-31",
            Some("cd01"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The public look-up: no login, no personal data.
    let wrong = o
        .get(
            &format!("/api/v1/public/status?code={code}&secret=ABCDEFGHJKMN"),
            None,
        )
        .await;
    assert_eq!(
        (wrong.status, error_code(&wrong).as_str()),
        (StatusCode::NOT_FOUND, "dossier_not_found")
    );
    let right = o
        .get(
            &format!("/api/v1/public/status?code={code}&secret={secret}"),
            None,
        )
        .await;
    assert_eq!(right.status, StatusCode::OK);
    let s = right.json();
    assert_eq!(
        (s["status"].as_u64(), s["status_label"].as_str()),
        (Some(10), Some("Đã trả kết quả"))
    );
    let text = s.to_string();
    assert!(
        !text.contains("Nguyễn Văn Dân") && !text.contains("086099000123"),
        "{text}"
    );
}

#[tokio::test]
async fn tokens_are_required_and_checked() {
    let o = office().await;
    let a = o
        .send(
            "POST",
            "/api/v1/dossiers",
            None,
            None,
            intake().to_string().into_bytes(),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&a), "unauthenticated");
    assert_eq!(a.header("www-authenticate"), "Bearer");
    let resp = o
        .router
        .clone()
        .oneshot(
            Request::get("/api/v1/dossiers")
                .header("authorization", "Bearer tso_0000")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        o.get("/api/v1/dossiers", Some("mc01")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn idempotent_intake_replays_the_identical_body_and_refuses_a_changed_one() {
    let o = office().await;
    let body = intake().to_string().into_bytes();
    let first = o
        .send(
            "POST",
            "/api/v1/dossiers",
            Some("mc01"),
            Some("k-0001"),
            body.clone(),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    o.clock.set(at("2026-03-02T09:20:00"));
    // The same request, spelled with other whitespace and key order.
    let respelled = serde_json::to_vec_pretty(&intake()).unwrap();
    let again = o
        .send(
            "POST",
            "/api/v1/dossiers",
            Some("mc01"),
            Some("k-0001"),
            respelled,
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(first.body, again.body, "identical bytes");
    let mut changed = intake();
    changed["applicant"]["name"] = json!("Người Khác");
    let reused = o
        .send(
            "POST",
            "/api/v1/dossiers",
            Some("mc01"),
            Some("k-0001"),
            changed.to_string().into_bytes(),
        )
        .await;
    assert_eq!(
        (reused.status, error_code(&reused).as_str()),
        (StatusCode::CONFLICT, "idempotency_key_reused")
    );
    let list = o.get("/api/v1/dossiers", Some("mc01")).await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");

    // An action replayed: the same answer, one event.
    let code = first.json()["code"].as_str().unwrap().to_string();
    let uri = format!("/api/v1/dossiers/{code}/actions");
    let accept = br#"{"action":"accept"}"#.to_vec();
    let a1 = o
        .send("POST", &uri, Some("mc01"), Some("a-1"), accept.clone())
        .await;
    o.clock.set(at("2026-03-02T09:40:00"));
    let a2 = o
        .send("POST", &uri, Some("mc01"), Some("a-1"), accept)
        .await;
    assert_eq!((a1.status, a2.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(a1.body, a2.body);
    assert_eq!(a2.json()["events"], 2);
}

#[tokio::test]
async fn bad_bodies_unknown_procedures_and_scope() {
    let o = office().await;
    let bad = o
        .send(
            "POST",
            "/api/v1/dossiers",
            Some("mc01"),
            None,
            b"{\"procedure_code\": ".to_vec(),
        )
        .await;
    assert_eq!(
        (bad.status, error_code(&bad).as_str()),
        (StatusCode::BAD_REQUEST, "invalid_json")
    );
    let shape = o
        .post(
            "/api/v1/dossiers",
            "mc01",
            &json!({"procedure_code": "1.001193", "channel": "fax"}),
        )
        .await;
    assert_eq!(
        (shape.status, error_code(&shape).as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request")
    );
    let mut unknown = intake();
    unknown["procedure_code"] = json!("9.999999");
    let u = o.post("/api/v1/dossiers", "mc01", &unknown).await;
    assert_eq!(
        (u.status, error_code(&u).as_str()),
        (StatusCode::NOT_FOUND, "procedure_not_found")
    );
    let list = o.get("/api/v1/dossiers", Some("mc01")).await.json();
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing was created: {list}"
    );

    // A dossier of the ward: another ward's officer may not act on it (403), and nothing
    // changes; a bad action body changes nothing either.
    let created = o.post("/api/v1/dossiers", "mc01", &intake()).await.json();
    let code = created["code"].as_str().unwrap();
    let uri = format!("/api/v1/dossiers/{code}/actions");
    let other = o.post(&uri, "mc02", &json!({"action": "accept"})).await;
    assert_eq!(
        (other.status, error_code(&other).as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    let broken = o
        .send("POST", &uri, Some("mc01"), None, b"{oops".to_vec())
        .await;
    assert_eq!(error_code(&broken), "invalid_json");
    let illegal = o.post(&uri, "mc01", &json!({"action": "deliver"})).await;
    assert_eq!(
        (illegal.status, error_code(&illegal).as_str()),
        (StatusCode::CONFLICT, "illegal_transition")
    );
    let role = o.post(&uri, "cv01", &json!({"action": "accept"})).await;
    assert_eq!(
        (role.status, error_code(&role).as_str()),
        (StatusCode::FORBIDDEN, "role_not_allowed")
    );
    let no_reason = o.post(&uri, "mc01", &json!({"action": "refuse"})).await;
    assert_eq!(
        (no_reason.status, error_code(&no_reason).as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "reason_required")
    );
    let d = o
        .get(&format!("/api/v1/dossiers/{code}"), Some("mc01"))
        .await
        .json();
    assert_eq!(
        (d["status"].as_u64(), d["events"].as_u64()),
        (Some(1), Some(1)),
        "{d}"
    );
    let seen_by_other = o
        .get(&format!("/api/v1/dossiers/{code}"), Some("mc02"))
        .await;
    assert_eq!(seen_by_other.status, StatusCode::FORBIDDEN);

    // Citizens: their own online dossier; another citizen gets 404, as for a code that does
    // not exist.
    let mut online = intake();
    online["channel"] = json!("online");
    online["receiving_agency"] = json!(WARD);
    let mine = o.post("/api/v1/dossiers", "cd01", &online).await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.json());
    let mine = mine.json()["code"].as_str().unwrap().to_string();
    assert_eq!(
        o.get(&format!("/api/v1/dossiers/{mine}"), Some("cd01"))
            .await
            .status,
        StatusCode::OK
    );
    let theirs = o
        .get(&format!("/api/v1/dossiers/{mine}"), Some("cd02"))
        .await;
    assert_eq!(
        (theirs.status, error_code(&theirs).as_str()),
        (StatusCode::NOT_FOUND, "dossier_not_found")
    );
    let counter = o.post("/api/v1/dossiers", "cd01", &intake()).await;
    assert_eq!(error_code(&counter), "channel_not_allowed");
    let q = o
        .get("/api/v1/dossiers?kind=mine", Some("mc01"))
        .await
        .json();
    assert_eq!(q["items"].as_array().unwrap().len(), 2, "{q}");
    let q = o.get("/api/v1/dossiers?kind=sideways", Some("mc01")).await;
    assert_eq!(error_code(&q), "invalid_query");
}

/// A minimal one-page PDF with a correct cross-reference table.
pub fn small_pdf() -> Vec<u8> {
    let bodies = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", bodies.len() + 1).as_bytes(),
    );
    for o in &offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            bodies.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[tokio::test]
async fn attachments_upload_cite_and_download_safely() {
    let o = office().await;
    let pdf = small_pdf();
    let up = o
        .send(
            "POST",
            "/api/v1/attachments?name=giay-chung-sinh.pdf",
            Some("cd01"),
            None,
            pdf.clone(),
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.json());
    let sha = up.json()["sha256"].as_str().unwrap().to_string();
    assert_eq!(up.json()["file_type"], "pdf");

    let mut exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0".to_vec();
    exe.extend_from_slice(b"This program cannot be run in DOS mode.");
    let refused = o
        .send(
            "POST",
            "/api/v1/attachments?name=giay.pdf",
            Some("cd01"),
            None,
            exe,
        )
        .await;
    assert_eq!(
        (refused.status, error_code(&refused).as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "file_type_not_allowed")
    );
    let empty = o
        .send(
            "POST",
            "/api/v1/attachments?name=x.pdf",
            Some("cd01"),
            None,
            vec![],
        )
        .await;
    assert_eq!(
        (empty.status, error_code(&empty).as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "empty_file")
    );
    let huge = o
        .send(
            "POST",
            "/api/v1/attachments?name=x.pdf",
            Some("cd01"),
            None,
            vec![b'%'; 20 * 1024 * 1024 + 2],
        )
        .await;
    assert_eq!(
        (huge.status, error_code(&huge).as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "file_too_large")
    );
    let anonymous = o
        .send(
            "POST",
            "/api/v1/attachments?name=x.pdf",
            None,
            None,
            pdf.clone(),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let mut online = intake();
    online["channel"] = json!("online");
    online["receiving_agency"] = json!(WARD);
    online["attachments"] = json!([{"component": "Giấy chứng sinh", "sha256": sha}]);
    let created = o.post("/api/v1/dossiers", "cd01", &online).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json());
    let code = created.json()["code"].as_str().unwrap().to_string();

    let file = o
        .get(
            &format!("/api/v1/attachments/{sha}?dossier={code}"),
            Some("mc01"),
        )
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, pdf);
    assert_eq!(file.header("content-type"), "application/pdf");
    assert_eq!(file.header("x-content-type-options"), "nosniff");
    assert_eq!(file.header("content-security-policy"), "sandbox");
    assert!(
        file.header("content-disposition")
            .starts_with("attachment;"),
        "{}",
        file.header("content-disposition")
    );
    let other = o
        .get(
            &format!("/api/v1/attachments/{sha}?dossier={code}"),
            Some("cd02"),
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let missing = o
        .get(
            &format!("/api/v1/attachments/{}?dossier={code}", "cd".repeat(32)),
            Some("mc01"),
        )
        .await;
    assert_eq!(error_code(&missing), "attachment_not_found");
    let detail = o
        .get(&format!("/api/v1/dossiers/{code}"), Some("mc01"))
        .await
        .json();
    assert_eq!(detail["attachments"][0]["component"], "Giấy chứng sinh");
}

#[tokio::test]
async fn openapi_describes_every_route_and_only_routes() {
    let served: BTreeSet<(String, String)> = tinhso_web::routes()
        .list()
        .iter()
        .map(|(m, p)| (m.as_str().to_string(), p.clone()))
        .collect();
    let documented: BTreeSet<(String, String)> = tinhso_web::openapi::documented_routes()
        .into_iter()
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI description: {undocumented:?}"
    );
    assert!(
        phantom.is_empty(),
        "described routes that do not exist: {phantom:?}"
    );

    let o = office().await;
    let a = o.get("/api/openapi.json", None).await;
    assert_eq!(a.status, StatusCode::OK);
    let spec = a.json();
    assert_eq!(spec["openapi"], "3.1.0");
    let paths = spec["paths"].as_object().unwrap();
    for (method, path) in &served {
        let op = &paths[path.as_str()][method.to_lowercase()];
        assert!(op.is_object(), "{method} {path}");
        assert!(op["responses"].is_object());
    }
    assert_eq!(
        spec["paths"]["/api/v1/dossiers"]["post"]["responses"]["201"]["content"]
            ["application/json"]["schema"]["$ref"],
        "#/components/schemas/Dossier"
    );
}
