//! Who may do what, over HTTP: one table ([`TABLE`]) of every route × every kind of caller ×
//! the expected answer, walked cell by cell; then hostile input: SQL metacharacters in every
//! filter and search parameter, and markup in every free-text field.
//!
//! The rules the table pins (domain.md §2.2 and §7; `tinhso_app::dossiers`, "Who sees what"):
//! - no token → 401 `unauthenticated` on every route but the public ones;
//! - a citizen sees only their own dossiers; another's is the same 404 as a code that does not
//!   exist, so codes cannot be probed;
//! - staff see the dossiers of their own agency (any role, agency administrators included);
//!   another agency's is 403 `forbidden`;
//! - a province administrator sees every dossier and moves none;
//! - a move is made by a role that may make it (`role_not_allowed` otherwise) from a state it
//!   is legal in (`illegal_transition`, 409, otherwise);
//! - a denied write changes nothing: the dossier keeps its status and event count, and no
//!   dossier is created.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
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

/// The dossiers' agency (Phường Phú Khương in the demo province) and another ward.
const WARD: &str = "000.01.90.H61";
const OTHER_WARD: &str = "000.02.90.H61";

/// Every kind of caller, in the order of a table row's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    /// The citizen who submitted the dossier.
    Owner,
    OtherCitizen,
    OneStop,
    Specialist,
    Leader,
    Clerk,
    AgencyAdmin,
    OtherOneStop,
    OtherSpecialist,
    OtherLeader,
    OtherClerk,
    OtherAgencyAdmin,
    ProvinceAdmin,
}

const CALLERS: [Caller; 14] = [
    Caller::Anonymous,
    Caller::Owner,
    Caller::OtherCitizen,
    Caller::OneStop,
    Caller::Specialist,
    Caller::Leader,
    Caller::Clerk,
    Caller::AgencyAdmin,
    Caller::OtherOneStop,
    Caller::OtherSpecialist,
    Caller::OtherLeader,
    Caller::OtherClerk,
    Caller::OtherAgencyAdmin,
    Caller::ProvinceAdmin,
];

impl Caller {
    /// (user id, name, role, agency) of a signed-in caller.
    fn account(self) -> Option<(&'static str, &'static str, Role, Option<&'static str>)> {
        use Caller::*;
        Some(match self {
            Anonymous => return None,
            Owner => ("cd-chu", "Nguyễn Văn Dân", Role::Applicant, None),
            OtherCitizen => ("cd-khac", "Hồ Thị Khác", Role::Applicant, None),
            OneStop => ("mc01", "Lê Thị Một Cửa", Role::OneStopOfficer, Some(WARD)),
            Specialist => ("cv01", "Trần Văn Chuyên", Role::Specialist, Some(WARD)),
            Leader => ("ld01", "Phạm Lãnh Đạo", Role::Leader, Some(WARD)),
            Clerk => ("vt01", "Võ Văn Thư", Role::Clerk, Some(WARD)),
            AgencyAdmin => ("qt01", "Đặng Quản Trị", Role::AgencyAdmin, Some(WARD)),
            OtherOneStop => ("mc02", "Đỗ Một Cửa", Role::OneStopOfficer, Some(OTHER_WARD)),
            OtherSpecialist => (
                "cv02",
                "Mai Chuyên Viên",
                Role::Specialist,
                Some(OTHER_WARD),
            ),
            OtherLeader => ("ld02", "Lý Lãnh Đạo", Role::Leader, Some(OTHER_WARD)),
            OtherClerk => ("vt02", "Tạ Văn Thư", Role::Clerk, Some(OTHER_WARD)),
            OtherAgencyAdmin => ("qt02", "Kha Quản Trị", Role::AgencyAdmin, Some(OTHER_WARD)),
            ProvinceAdmin => ("qt-tinh", "Lâm Quản Trị Tỉnh", Role::ProvinceAdmin, None),
        })
    }
}

/// The expected answer of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A 2xx answer.
    Ok,
    /// A 2xx answer that names the target dossier (a listing that includes it).
    Listed,
    /// A 2xx answer that does not name the target dossier (a listing scoped away from it).
    Unlisted,
    /// An error answer: the status and the stable error code.
    Err(u16, &'static str),
}

const OK: Expect = Expect::Ok;
const LST: Expect = Expect::Listed;
const UNL: Expect = Expect::Unlisted;
const E401: Expect = Expect::Err(401, "unauthenticated");
const E403: Expect = Expect::Err(403, "forbidden");
const ROLE: Expect = Expect::Err(403, "role_not_allowed");
const E404: Expect = Expect::Err(404, "dossier_not_found");
const E409: Expect = Expect::Err(409, "illegal_transition");
const CHAN: Expect = Expect::Err(422, "channel_not_allowed");

/// The dossier a cell works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The shared dossier: submitted online by the owner with an attachment, accepted by the
    /// one-stop officer (so the receipt, Mẫu 01, exists). Read-only rows use it.
    Shared,
    /// A new dossier, submitted online by the owner, per cell (status 1).
    FreshRegistered,
    /// A new dossier, submitted and accepted, per cell (status 2, at the specialist's step).
    FreshAccepted,
}

/// A request body.
#[derive(Debug, Clone, Copy)]
enum Payload {
    None,
    Json(&'static str),
    /// A small PDF (an attachment upload).
    Pdf,
}

/// One row: a route (as registered), a concrete request on it, and the answer of each caller
/// in [`CALLERS`] order.
struct Row {
    method: &'static str,
    route: &'static str,
    /// The request's URI: `{code}`, `{sha256}` and `{secret}` are the target's.
    uri: &'static str,
    body: Payload,
    target: Target,
    expect: [Expect; 14],
}

const ALL_OK: [Expect; 14] = [OK; 14];
/// A dossier read: the owner and the dossier's agency and the province see it.
const READ: [Expect; 14] = [
    // anon owner other | mc  cv  ld  vt  qt | mc' cv' ld' vt' qt' | tỉnh
    E401, OK, E404, OK, OK, OK, OK, OK, E403, E403, E403, E403, E403, OK,
];

/// A KPI read of the caller's own scope: leaders and agency administrators, the province.
const KPI_OWN: [Expect; 14] = [
    // anon owner other | mc  cv    ld  vt    qt | mc'   cv'   ld' vt'   qt' | tỉnh
    E401, E403, E403, E403, E403, OK, E403, OK, E403, E403, OK, E403, OK, OK,
];
/// A KPI read of the ward's scope: its leader and administrator, the province.
const KPI_WARD: [Expect; 14] = [
    E401, E403, E403, E403, E403, OK, E403, OK, E403, E403, E403, E403, E403, OK,
];

const INTAKE_COUNTER: &str = r#"{"procedure_code":"1.001193","channel":"counter","receiving_agency":"000.01.90.H61","applicant":{"name":"Trương Văn Quầy","kind":1},"comment":"Nhận tại quầy"}"#;
const INTAKE_ONLINE: &str = r#"{"procedure_code":"1.001193","channel":"online","receiving_agency":"000.01.90.H61","applicant":{"name":"Nguyễn Văn Dân","kind":1},"form":{"ho_ten_tre":"Nguyễn Văn Bé"}}"#;

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // Public: pages, operations, the catalog, the calendar, the public look-up.
    Row { method: "GET", route: "/healthz", uri: "/healthz", body: Payload::None, target: Target::Shared, expect: ALL_OK },
    Row { method: "GET", route: "/readyz", uri: "/readyz", body: Payload::None, target: Target::Shared, expect: ALL_OK },
    Row { method: "GET", route: "/metrics", uri: "/metrics", body: Payload::None, target: Target::Shared, expect: ALL_OK },
    Row { method: "GET", route: "/api/openapi.json", uri: "/api/openapi.json", body: Payload::None, target: Target::Shared, expect: ALL_OK },
    Row { method: "GET", route: "/api/v1/procedures", uri: "/api/v1/procedures?q=khai%20sinh", body: Payload::None, target: Target::Shared, expect: ALL_OK },
    Row { method: "GET", route: "/api/v1/procedures/{code}", uri: "/api/v1/procedures/1.001193", body: Payload::None, target: Target::Shared, expect: ALL_OK },
    Row { method: "GET", route: "/api/v1/procedures/{code}/versions", uri: "/api/v1/procedures/1.001193/versions", body: Payload::None, target: Target::Shared, expect: ALL_OK },
    Row { method: "GET", route: "/api/v1/units", uri: "/api/v1/units?kind=commune&parent=86", body: Payload::None, target: Target::Shared, expect: ALL_OK },
    Row { method: "GET", route: "/api/v1/units/{code}", uri: "/api/v1/units/86", body: Payload::None, target: Target::Shared, expect: ALL_OK },
    Row { method: "GET", route: "/api/v1/agencies", uri: "/api/v1/agencies", body: Payload::None, target: Target::Shared, expect: ALL_OK },
    Row { method: "GET", route: "/api/v1/agencies/{eid}", uri: "/api/v1/agencies/000.01.90.H61", body: Payload::None, target: Target::Shared, expect: ALL_OK },
    Row { method: "GET", route: "/api/v1/calendar/due", uri: "/api/v1/calendar/due?from=2026-02-13T16:00&limit=3%20working%20days", body: Payload::None, target: Target::Shared, expect: ALL_OK },
    Row { method: "GET", route: "/api/v1/calendar/{year}", uri: "/api/v1/calendar/2026", body: Payload::None, target: Target::Shared, expect: ALL_OK },
    Row { method: "GET", route: "/api/v1/public/status", uri: "/api/v1/public/status?code={code}&secret={secret}", body: Payload::None, target: Target::Shared, expect: ALL_OK },

    // Intake. Counter and post: one-stop officers, of any agency of the province (anywhere in
    // the province, domain.md §0.3); online: citizens only.
    Row { method: "POST", route: "/api/v1/dossiers", uri: "/api/v1/dossiers", body: Payload::Json(INTAKE_COUNTER), target: Target::Shared, expect: [
        // anon owner other | mc  cv    ld    vt    qt   | mc' cv'   ld'   vt'   qt'  | tỉnh
        E401, CHAN, CHAN,     OK, ROLE, ROLE, ROLE, ROLE,  OK, ROLE, ROLE, ROLE, ROLE,  E403,
    ] },
    Row { method: "POST", route: "/api/v1/dossiers", uri: "/api/v1/dossiers", body: Payload::Json(INTAKE_ONLINE), target: Target::Shared, expect: [
        E401, OK, OK, CHAN, CHAN, CHAN, CHAN, CHAN, CHAN, CHAN, CHAN, CHAN, CHAN, CHAN,
    ] },

    // Queues and search: scoped, never an error for a signed-in caller.
    Row { method: "GET", route: "/api/v1/dossiers", uri: "/api/v1/dossiers?limit=200", body: Payload::None, target: Target::Shared, expect: [
        E401, LST, UNL, LST, LST, LST, LST, LST, UNL, UNL, UNL, UNL, UNL, LST,
    ] },
    Row { method: "GET", route: "/api/v1/dossiers", uri: "/api/v1/dossiers?q={code}", body: Payload::None, target: Target::Shared, expect: [
        E401, LST, UNL, LST, LST, LST, LST, LST, UNL, UNL, UNL, UNL, UNL, LST,
    ] },

    // Reads of one dossier.
    Row { method: "GET", route: "/api/v1/dossiers/{code}", uri: "/api/v1/dossiers/{code}", body: Payload::None, target: Target::Shared, expect: READ },
    Row { method: "GET", route: "/api/v1/dossiers/{code}", uri: "/api/v1/dossiers/000.01.90.H61-260302-9999", body: Payload::None, target: Target::Shared, expect: [
        // A code that does not exist: the same 404 for everyone signed in.
        E401, E404, E404, E404, E404, E404, E404, E404, E404, E404, E404, E404, E404, E404,
    ] },
    Row { method: "GET", route: "/api/v1/dossiers/{code}/timeline", uri: "/api/v1/dossiers/{code}/timeline", body: Payload::None, target: Target::Shared, expect: READ },
    Row { method: "GET", route: "/api/v1/dossiers/{code}/forms/{number}", uri: "/api/v1/dossiers/{code}/forms/01", body: Payload::None, target: Target::Shared, expect: READ },
    Row { method: "GET", route: "/api/v1/attachments/{sha256}", uri: "/api/v1/attachments/{sha256}?dossier={code}", body: Payload::None, target: Target::Shared, expect: READ },

    // Moves. Each cell acts on a dossier of its own.
    Row { method: "POST", route: "/api/v1/dossiers/{code}/actions", uri: "/api/v1/dossiers/{code}/actions", body: Payload::Json(r#"{"action":"accept"}"#), target: Target::FreshRegistered, expect: [
        // anon owner other  | mc  cv    ld    vt    qt   | mc'   cv'   ld'   vt'   qt'  | tỉnh
        E401, ROLE, E404,      OK, ROLE, ROLE, ROLE, ROLE,  E403, E403, E403, E403, E403,  ROLE,
    ] },
    Row { method: "POST", route: "/api/v1/dossiers/{code}/actions", uri: "/api/v1/dossiers/{code}/actions", body: Payload::Json(r#"{"action":"request_supplement","reason":"Giấy chứng sinh: bản chính"}"#), target: Target::FreshAccepted, expect: [
        E401, ROLE, E404, Expect::Err(403, "role_not_allowed"), OK, ROLE, ROLE, ROLE, E403, E403, E403, E403, E403, ROLE,
    ] },
    Row { method: "POST", route: "/api/v1/dossiers/{code}/actions", uri: "/api/v1/dossiers/{code}/actions", body: Payload::Json(r#"{"action":"withdraw","reason":"Không còn nhu cầu"}"#), target: Target::FreshAccepted, expect: [
        // The applicant withdraws online; the one-stop officer records a withdrawal on paper.
        E401, OK, E404, OK, ROLE, ROLE, ROLE, ROLE, E403, E403, E403, E403, E403, ROLE,
    ] },
    Row { method: "POST", route: "/api/v1/dossiers/{code}/actions", uri: "/api/v1/dossiers/{code}/actions", body: Payload::Json(r#"{"action":"supplement"}"#), target: Target::FreshRegistered, expect: [
        // No supplement was requested: illegal for those who may supplement at all.
        E401, E409, E404, E409, ROLE, ROLE, ROLE, ROLE, E403, E403, E403, E403, E403, ROLE,
    ] },

    // The register (Mẫu 07): staff, of the agency asked for; the province for any agency.
    Row { method: "GET", route: "/api/v1/register", uri: "/api/v1/register?from=2026-03-01&to=2026-03-31&agency=000.01.90.H61", body: Payload::None, target: Target::Shared, expect: [
        E401, E403, E403, LST, LST, LST, LST, LST, E403, E403, E403, E403, E403, LST,
    ] },
    Row { method: "GET", route: "/api/v1/register", uri: "/api/v1/register?from=2026-03-01&to=2026-03-31", body: Payload::None, target: Target::Shared, expect: [
        // Without an agency: the officer's own; a province administrator has none to default to.
        E401, E403, E403, LST, LST, LST, LST, LST, UNL, UNL, UNL, UNL, UNL, E403,
    ] },

    // KPIs (issue 5): leaders and agency administrators read their own agency, province
    // administrators the province; nobody else.
    Row { method: "GET", route: "/api/v1/kpi/report", uri: "/api/v1/kpi/report?period=2026-03", body: Payload::None, target: Target::Shared, expect: KPI_OWN },
    Row { method: "GET", route: "/api/v1/kpi/report", uri: "/api/v1/kpi/report?agency=000.01.90.H61&period=2026-Q1", body: Payload::None, target: Target::Shared, expect: KPI_WARD },
    Row { method: "GET", route: "/api/v1/kpi/trend", uri: "/api/v1/kpi/trend?period=2026", body: Payload::None, target: Target::Shared, expect: KPI_OWN },
    Row { method: "GET", route: "/api/v1/kpi/ranking", uri: "/api/v1/kpi/ranking?by=agency&period=2026", body: Payload::None, target: Target::Shared, expect: KPI_OWN },
    Row { method: "GET", route: "/api/v1/kpi/heat", uri: "/api/v1/kpi/heat?by=commune&period=2026", body: Payload::None, target: Target::Shared, expect: KPI_OWN },
    Row { method: "GET", route: "/api/v1/kpi/dossiers", uri: "/api/v1/kpi/dossiers?indicator=2.1&agency=000.01.90.H61&period=2026-03&format=csv", body: Payload::None, target: Target::Shared, expect: KPI_WARD },

    // Uploads: any signed-in caller (a dossier cites the file later, under the rules above).
    Row { method: "POST", route: "/api/v1/attachments", uri: "/api/v1/attachments?name=giay-chung-sinh.pdf", body: Payload::Pdf, target: Target::Shared, expect: [
        E401, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    ] },
];

/// A test office: the demo province, one user per [`Caller`], a token each.
struct Office {
    router: axum::Router,
    app: Arc<App>,
    tokens: Vec<(Caller, String)>,
    /// The database (SQLite or PostgreSQL) and the object store's folder, removed on drop.
    _db: crate::engines::Database,
}

struct Answer {
    status: StatusCode,
    content_type: String,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

/// A dossier a cell works on.
#[derive(Debug, Clone)]
struct Dossier {
    code: String,
    secret: String,
    sha256: String,
}

async fn office() -> Office {
    office_on("sqlite").await.expect("SQLite is always there")
}

/// A test office on `engine` (`None`: PostgreSQL not reachable and not required).
async fn office_on(engine: &'static str) -> Option<Office> {
    let db = crate::engines::database(engine, "tinhso_web_authz").await?;
    let dir = db.dir.clone();
    let store = tinhso_app::open_store(&db.url).await.unwrap();
    let local: jiff::civil::DateTime = "2026-03-02T09:00:00".parse().unwrap();
    let clock = Arc::new(FixedClock::new(tinhso_app::clock::from_local(local)));
    let app = App::new(store, clock, AppSettings::default())
        .await
        .unwrap()
        .with_objects(Arc::new(LocalDiskStore::open(dir.join("objects")).unwrap()));
    app.load_demo(&NoProgress).await.unwrap();
    let mut tokens = Vec::new();
    for caller in CALLERS {
        let Some((id, name, role, agency)) = caller.account() else {
            continue;
        };
        app.create_user(NewUser {
            id: id.into(),
            name: name.into(),
            agency: agency.map(|a| AgencyEId::parse(a).unwrap()),
            roles: vec![role],
        })
        .await
        .unwrap();
        tokens.push((caller, app.issue_token(id, "authz").await.unwrap()));
    }
    let app = Arc::new(app);
    let state = AppState {
        app: app.clone(),
        metrics: Metrics::install(),
    };
    Some(Office {
        router: router(state),
        app,
        tokens,
        _db: db,
    })
}

impl Office {
    fn token(&self, caller: Caller) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(c, _)| *c == caller)
            .map(|(_, t)| t.as_str())
    }

    async fn send(&self, method: &str, uri: &str, caller: Caller, body: Vec<u8>) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = self.token(caller) {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let resp = self
            .router
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Answer {
            status,
            content_type,
            headers,
            body,
        }
    }

    async fn post_json(&self, uri: &str, caller: Caller, body: &Value) -> Answer {
        self.send("POST", uri, caller, body.to_string().into_bytes())
            .await
    }

    /// A new dossier of the owner's, online to the ward; accepted by the one-stop officer
    /// when asked.
    async fn dossier(&self, accepted: bool, sha256: &str) -> Dossier {
        let mut intake: Value = serde_json::from_str(INTAKE_ONLINE).unwrap();
        if !sha256.is_empty() {
            intake["attachments"] = json!([{"component": "Giấy chứng sinh", "sha256": sha256}]);
        }
        let a = self
            .post_json("/api/v1/dossiers", Caller::Owner, &intake)
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        let v = a.json();
        let code = v["code"].as_str().unwrap().to_string();
        if accepted {
            let a = self
                .post_json(
                    &format!("/api/v1/dossiers/{code}/actions"),
                    Caller::OneStop,
                    &json!({"action": "accept"}),
                )
                .await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        }
        Dossier {
            code,
            secret: v["secret"].as_str().unwrap().to_string(),
            sha256: sha256.to_string(),
        }
    }

    /// (status, events) of a dossier, read by the province administrator.
    async fn state_of(&self, code: &str) -> (u64, u64) {
        let a = self
            .send(
                "GET",
                &format!("/api/v1/dossiers/{code}"),
                Caller::ProvinceAdmin,
                Vec::new(),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        let v = a.json();
        (
            v["status"].as_u64().unwrap_or(0),
            v["events"].as_u64().unwrap_or(0),
        )
    }

    /// Every dossier code in the province, read page by page by the province administrator.
    async fn all_codes(&self) -> Vec<String> {
        let mut codes = Vec::new();
        let mut before: Option<i64> = None;
        for _ in 0..100 {
            let uri = match before {
                Some(b) => format!("/api/v1/dossiers?limit=200&before={b}"),
                None => "/api/v1/dossiers?limit=200".to_string(),
            };
            let v = self
                .send("GET", &uri, Caller::ProvinceAdmin, Vec::new())
                .await
                .json();
            for item in v["items"].as_array().into_iter().flatten() {
                codes.push(item["code"].as_str().unwrap_or("").to_string());
            }
            match v["next_before"].as_i64() {
                Some(b) => before = Some(b),
                None => break,
            }
        }
        codes
    }

    async fn upload_pdf(&self, caller: Caller) -> String {
        let a = self
            .send(
                "POST",
                "/api/v1/attachments?name=giay-chung-sinh.pdf",
                caller,
                small_pdf(),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        a.json()["sha256"].as_str().unwrap().to_string()
    }
}

/// A minimal one-page PDF with a correct cross-reference table.
fn small_pdf() -> Vec<u8> {
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

fn fill(template: &str, d: &Dossier) -> String {
    template
        .replace("{code}", &d.code)
        .replace("{secret}", &d.secret)
        .replace("{sha256}", &d.sha256)
}

/// Checks one answer against its cell; the problem, if any.
fn judge(expect: Expect, a: &Answer, code: &str) -> Option<String> {
    let got = format!("{} {}", a.status.as_u16(), a.error_code());
    match expect {
        Expect::Ok | Expect::Listed | Expect::Unlisted if !a.status.is_success() => {
            Some(format!("expected 2xx, got {got}: {}", a.text()))
        }
        Expect::Listed if !a.text().contains(code) => {
            Some(format!("expected {code} listed, it is not: {}", a.text()))
        }
        Expect::Unlisted if a.text().contains(code) => {
            Some(format!("expected {code} NOT listed (leak): {}", a.text()))
        }
        Expect::Err(status, error) if a.status.as_u16() != status || a.error_code() != error => {
            Some(format!("expected {status} {error}, got {got}"))
        }
        _ => None,
    }
}

#[tokio::test]
async fn every_route_times_every_caller_answers_as_the_table_says() {
    // The table covers every route registered, and only those (the list the OpenAPI check
    // uses): a new route cannot ship without its row.
    let registered: BTreeSet<(String, String)> = tinhso_web::routes()
        .list()
        .iter()
        .map(|(m, p)| (m.as_str().to_string(), p.clone()))
        .collect();
    let tabled: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|r| (r.method.to_string(), r.route.to_string()))
        .collect();
    assert_eq!(
        registered.difference(&tabled).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes without a row in the authorization table"
    );
    assert_eq!(
        tabled.difference(&registered).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "rows for routes that do not exist"
    );
    for row in TABLE {
        assert!(
            row.uri
                .split('?')
                .next()
                .unwrap_or("")
                .starts_with(row.route.split('{').next().unwrap_or(row.route)),
            "{} {}: the URI {} is not on the route",
            row.method,
            row.route,
            row.uri
        );
    }

    let o = office().await;
    let sha = o.upload_pdf(Caller::Owner).await;
    let shared = o.dossier(true, &sha).await;
    let mut failures = Vec::new();
    let mut cells = 0;
    for row in TABLE {
        for (caller, expect) in CALLERS.iter().zip(row.expect) {
            cells += 1;
            let target = match row.target {
                Target::Shared => shared.clone(),
                Target::FreshRegistered => o.dossier(false, "").await,
                Target::FreshAccepted => o.dossier(true, "").await,
            };
            let write = row.method == "POST";
            let before_state = o.state_of(&target.code).await;
            let before_codes = if write {
                o.all_codes().await
            } else {
                Vec::new()
            };
            let body = match row.body {
                Payload::None => Vec::new(),
                Payload::Json(s) => s.as_bytes().to_vec(),
                Payload::Pdf => small_pdf(),
            };
            let uri = fill(row.uri, &target);
            let a = o.send(row.method, &uri, *caller, body).await;
            let cell = format!("{} {} as {caller:?}", row.method, uri);
            if let Some(problem) = judge(expect, &a, &target.code) {
                failures.push(format!("{cell}: {problem}"));
                continue;
            }
            if a.status.is_server_error() {
                failures.push(format!("{cell}: server error {}", a.text()));
            }
            if !write {
                continue;
            }
            // Writes: a denied one changes nothing; an allowed one changes what it says.
            let after_state = o.state_of(&target.code).await;
            let after_codes = o.all_codes().await;
            let is_action = row.route.ends_with("/actions");
            let is_intake = row.route == "/api/v1/dossiers";
            if !a.status.is_success() {
                if after_state != before_state {
                    failures.push(format!(
                        "{cell}: denied, yet the dossier moved {before_state:?} → {after_state:?}"
                    ));
                }
                if after_codes != before_codes {
                    failures.push(format!("{cell}: denied, yet dossiers were created"));
                }
            } else if is_action {
                if after_state.1 != before_state.1 + 1 {
                    failures.push(format!(
                        "{cell}: allowed, expected one more event: {before_state:?} → {after_state:?}"
                    ));
                }
                if after_codes != before_codes {
                    failures.push(format!("{cell}: an action created a dossier"));
                }
            } else if is_intake {
                let new_code = a.json()["code"].as_str().unwrap_or("").to_string();
                if after_codes.len() != before_codes.len() + 1 || !after_codes.contains(&new_code) {
                    failures.push(format!("{cell}: allowed, expected exactly {new_code} new"));
                }
            }
        }
    }
    assert_eq!(cells, TABLE.len() * CALLERS.len());
    assert!(
        failures.is_empty(),
        "{} of {cells} cells differ from the table:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Percent-encodes every byte but the unreserved ones (RFC 3986 §2.3).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// SQL metacharacters and classic injection strings, LIKE wildcards, FTS syntax, a NUL byte.
const HOSTILE: &[&str] = &[
    "'",
    "''",
    "\"",
    "' OR '1'='1",
    "' OR 1=1 --",
    "1' OR '1'='1' /*",
    "'; DROP TABLE dossiers; --",
    "\"; DROP TABLE dossiers; --",
    "') UNION SELECT id, name, token_hash FROM api_tokens --",
    "1; SELECT pg_sleep(5)",
    "%",
    "%%",
    "_",
    "\\",
    "\\%",
    "%' --",
    "*",
    "NEAR(a b)",
    "\"khai\" OR \"sinh\"",
    "a\0b",
    "$1",
    "?",
    ";",
    "--",
    "/*",
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "𝕏 ơ đ",
];

#[tokio::test]
async fn sql_metacharacters_in_every_filter_are_plain_text_on_every_engine() {
    for engine in crate::engines::ENGINES {
        if let Some(o) = office_on(engine).await {
            sql_metacharacters_round(&o).await;
        }
    }
}

async fn sql_metacharacters_round(o: &Office) {
    let d = o.dossier(true, "").await;
    let before = o.all_codes().await;
    let before_state = o.state_of(&d.code).await;
    // (caller, URI with {p} for the hostile value, what a 200 may list)
    #[derive(Clone, Copy, PartialEq)]
    enum Lists {
        /// Public data: anything.
        Anything,
        /// A dossier listing that must be empty: no dossier matches, or none is in scope.
        Nothing,
        /// A file (CSV register): must not name the dossier.
        NotTheDossier,
    }
    let uris: &[(Caller, &str, Lists)] = &[
        (
            Caller::Anonymous,
            "/api/v1/procedures?q={p}",
            Lists::Anything,
        ),
        (
            Caller::Anonymous,
            "/api/v1/procedures?field={p}",
            Lists::Anything,
        ),
        (
            Caller::Anonymous,
            "/api/v1/procedures?level={p}",
            Lists::Anything,
        ),
        (
            Caller::Anonymous,
            "/api/v1/procedures?agency={p}",
            Lists::Anything,
        ),
        (
            Caller::Anonymous,
            "/api/v1/procedures?online_level={p}",
            Lists::Anything,
        ),
        (
            Caller::Anonymous,
            "/api/v1/procedures?limit={p}",
            Lists::Anything,
        ),
        (Caller::Anonymous, "/api/v1/procedures/{p}", Lists::Anything),
        (
            Caller::Anonymous,
            "/api/v1/procedures/{p}/versions",
            Lists::Anything,
        ),
        (
            Caller::Anonymous,
            "/api/v1/procedures/1.001193?version={p}",
            Lists::Anything,
        ),
        (Caller::Anonymous, "/api/v1/units?kind={p}", Lists::Anything),
        (
            Caller::Anonymous,
            "/api/v1/units?parent={p}",
            Lists::Anything,
        ),
        (Caller::Anonymous, "/api/v1/units?on={p}", Lists::Anything),
        (Caller::Anonymous, "/api/v1/units/{p}", Lists::Anything),
        (Caller::Anonymous, "/api/v1/agencies/{p}", Lists::Anything),
        (
            Caller::Anonymous,
            "/api/v1/calendar/due?from={p}&limit=1%20working%20day",
            Lists::Anything,
        ),
        (
            Caller::Anonymous,
            "/api/v1/calendar/due?from=2026-03-02T08:00&limit={p}",
            Lists::Anything,
        ),
        (Caller::Anonymous, "/api/v1/calendar/{p}", Lists::Anything),
        (
            Caller::Anonymous,
            "/api/v1/public/status?code={p}&secret={p}",
            Lists::Nothing,
        ),
        (Caller::OneStop, "/api/v1/dossiers?q={p}", Lists::Nothing),
        (Caller::OneStop, "/api/v1/dossiers?step={p}", Lists::Nothing),
        (
            Caller::OneStop,
            "/api/v1/dossiers?procedure={p}",
            Lists::Nothing,
        ),
        (Caller::OneStop, "/api/v1/dossiers?kind={p}", Lists::Nothing),
        (
            Caller::OneStop,
            "/api/v1/dossiers?limit={p}",
            Lists::Nothing,
        ),
        (
            Caller::OneStop,
            "/api/v1/dossiers?before={p}",
            Lists::Nothing,
        ),
        (
            Caller::OtherOneStop,
            "/api/v1/dossiers?q={p}",
            Lists::Nothing,
        ),
        (
            Caller::OtherCitizen,
            "/api/v1/dossiers?q={p}",
            Lists::Nothing,
        ),
        (
            Caller::ProvinceAdmin,
            "/api/v1/dossiers?q={p}",
            Lists::Nothing,
        ),
        (Caller::OneStop, "/api/v1/dossiers/{p}", Lists::Nothing),
        (
            Caller::OneStop,
            "/api/v1/dossiers/{p}/timeline",
            Lists::Nothing,
        ),
        (
            Caller::OneStop,
            "/api/v1/dossiers/{p}/forms/01",
            Lists::Nothing,
        ),
        (
            Caller::OneStop,
            "/api/v1/register?from={p}&to=2026-03-31",
            Lists::NotTheDossier,
        ),
        (
            Caller::OneStop,
            "/api/v1/register?from=2026-03-01&to={p}",
            Lists::NotTheDossier,
        ),
        (
            Caller::OneStop,
            "/api/v1/register?from=2026-03-01&to=2026-03-31&agency={p}",
            Lists::NotTheDossier,
        ),
        (
            Caller::OneStop,
            "/api/v1/register?from=2026-03-01&to=2026-03-31&format={p}",
            Lists::NotTheDossier,
        ),
        (
            Caller::OneStop,
            "/api/v1/attachments/{p}?dossier={p}",
            Lists::Nothing,
        ),
        (
            Caller::OtherCitizen,
            "/api/v1/attachments/{p}?dossier={p}",
            Lists::Nothing,
        ),
    ];
    let mut failures = Vec::new();
    let mut requests = 0;
    for (caller, template, lists) in uris {
        for hostile in HOSTILE {
            let uri = template.replace("{p}", &encode(hostile));
            let a = o.send("GET", &uri, *caller, Vec::new()).await;
            requests += 1;
            let cell = format!("{}: GET {uri} as {caller:?}", o._db.engine);
            let status = a.status.as_u16();
            // Some paths do not route at all ("/" inside a segment): the JSON 404.
            if !matches!(status, 200 | 400 | 404) {
                failures.push(format!("{cell}: {status} {}", a.text()));
                continue;
            }
            if status != 200 {
                if a.error_code().is_empty() || !a.content_type.starts_with("application/json") {
                    failures.push(format!(
                        "{cell}: an error without a JSON code: {}",
                        a.text()
                    ));
                }
                continue;
            }
            let leaked = match lists {
                Lists::Anything => false,
                Lists::Nothing => {
                    let v = a.json();
                    v["items"].as_array().is_some_and(|i| !i.is_empty())
                        || a.text().contains(&d.code)
                }
                Lists::NotTheDossier => a.text().contains(&d.code),
            };
            if leaked {
                failures.push(format!("{cell}: rows leaked: {}", a.text()));
            }
        }
    }
    assert!(requests >= uris.len() * HOSTILE.len());
    assert!(
        failures.is_empty(),
        "{} hostile requests misbehaved:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Nothing changed, and the audit chain is whole.
    assert_eq!(o.all_codes().await, before);
    assert_eq!(o.state_of(&d.code).await, before_state);
    let audit = o.app.store.verify_audit_chain().await.unwrap();
    assert_eq!(audit.first_break, None);
    assert!(audit.records >= 2);
    // The real filters still work after all that.
    let v = o
        .send(
            "GET",
            &format!("/api/v1/dossiers?q={}", d.code),
            Caller::OneStop,
            Vec::new(),
        )
        .await
        .json();
    assert_eq!(v["items"][0]["code"], d.code.as_str(), "{v}");
}

/// Markup an attacker would like a page to run, with a quote, an apostrophe and Vietnamese.
const MARKUP_NAME: &str = "<script>alert(\"tên\")</script> O'Brien";
const MARKUP_COMMENT: &str = "\"><img src=x onerror=alert('bình luận')>";
const MARKUP_REASON: &str = "</textarea><svg onload=alert(1)>&amp;lý do";
const MARKUP_FORM: &str = "</script><script>document.location='//evil'</script>";

#[tokio::test]
async fn markup_in_free_text_is_stored_as_text_and_answered_as_json() {
    let o = office().await;
    let created = o
        .post_json(
            "/api/v1/dossiers",
            Caller::OneStop,
            &json!({
                "procedure_code": "1.001193",
                "channel": "counter",
                "applicant": {"name": MARKUP_NAME, "kind": 1, "address": MARKUP_FORM},
                "form": {"ghi_chu": MARKUP_FORM},
                "comment": MARKUP_COMMENT
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let code = created.json()["code"].as_str().unwrap().to_string();
    let moved = o
        .post_json(
            &format!("/api/v1/dossiers/{code}/actions"),
            Caller::OneStop,
            &json!({"action": "request_supplement", "reason": MARKUP_REASON, "comment": MARKUP_COMMENT}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text());

    // The detail: the exact text back, inside a JSON string (the quote escaped), as JSON.
    let detail = o
        .send(
            "GET",
            &format!("/api/v1/dossiers/{code}"),
            Caller::OneStop,
            Vec::new(),
        )
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(
        detail.content_type.starts_with("application/json"),
        "{}",
        detail.content_type
    );
    let v = detail.json();
    assert_eq!(v["applicant"]["name"], MARKUP_NAME);
    assert_eq!(v["applicant"]["address"], MARKUP_FORM);
    assert_eq!(v["form"]["ghi_chu"], MARKUP_FORM);
    let raw = detail.text();
    assert!(
        raw.contains(r#"<script>alert(\"tên\")</script>"#) && !raw.contains(r#"alert("tên")"#),
        "the quote is JSON-escaped: {raw}"
    );

    // The timeline: comments and the reason, exactly.
    let timeline = o
        .send(
            "GET",
            &format!("/api/v1/dossiers/{code}/timeline"),
            Caller::Specialist,
            Vec::new(),
        )
        .await;
    assert!(timeline.content_type.starts_with("application/json"));
    let events = timeline.json()["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(events.len(), 2, "{}", timeline.text());
    assert_eq!(events[0]["comment"], MARKUP_COMMENT);
    assert_eq!(events[1]["comment"], MARKUP_COMMENT);
    assert_eq!(events[1]["detail"]["reason"], MARKUP_REASON);

    // Queues and search: the applicant's name as text; searching for markup finds it.
    let q = o
        .send(
            "GET",
            &format!("/api/v1/dossiers?q={}", encode("<script>")),
            Caller::OneStop,
            Vec::new(),
        )
        .await;
    assert_eq!(q.status, StatusCode::OK);
    assert_eq!(
        q.json()["items"][0]["applicant_name"],
        MARKUP_NAME,
        "{}",
        q.text()
    );

    // The register is a download, never a page: text/csv, attachment, nosniff, sandboxed.
    let r = o
        .send(
            "GET",
            "/api/v1/register?from=2026-03-01&to=2026-03-31",
            Caller::OneStop,
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type.starts_with("text/csv"), "{}", r.content_type);
    let header = |name: &str| {
        r.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    assert!(header("content-disposition").starts_with("attachment;"));
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("content-security-policy"), "sandbox");
    assert!(
        r.text().contains("<script>"),
        "stored as text: {}",
        r.text()
    );

    // Errors that echo input are JSON too.
    let e = o
        .send(
            "GET",
            &format!("/api/v1/dossiers/{}", encode("<script>alert(1)</script>")),
            Caller::OneStop,
            Vec::new(),
        )
        .await;
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert!(e.content_type.starts_with("application/json"));
    assert_eq!(e.error_code(), "invalid_dossier_code");
    // The public look-up has no personal data, markup or not.
    let secret = created.json()["secret"].as_str().unwrap_or("").to_string();
    let public = o
        .send(
            "GET",
            &format!("/api/v1/public/status?code={code}&secret={secret}"),
            Caller::Anonymous,
            Vec::new(),
        )
        .await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.text());
    assert!(!public.text().contains("<script>"), "{}", public.text());
}

#[tokio::test]
async fn nul_characters_are_refused_at_the_edge_on_every_engine() {
    // PostgreSQL cannot store or compare U+0000 in text (it answered 500 internal_error);
    // the API refuses it before any use case runs, so both engines answer alike.
    for engine in crate::engines::ENGINES {
        if let Some(o) = office_on(engine).await {
            nul_round(&o).await;
        }
    }
}

async fn nul_round(o: &Office) {
    let d = o.dossier(true, "").await;
    let before = o.all_codes().await;
    for (caller, uri) in [
        (Caller::OneStop, "/api/v1/dossiers?q=a%00b".to_string()),
        (Caller::OneStop, "/api/v1/dossiers?step=a%00b".to_string()),
        (Caller::Anonymous, "/api/v1/units/8%006".to_string()),
        (Caller::Anonymous, "/api/v1/units?parent=8%006".to_string()),
        (
            Caller::Anonymous,
            "/api/v1/procedures?field=x%00".to_string(),
        ),
        (Caller::OneStop, format!("/api/v1/dossiers/{}%00", d.code)),
    ] {
        let a = o.send("GET", &uri, caller, Vec::new()).await;
        assert_eq!(
            (a.status, a.error_code().as_str()),
            (StatusCode::BAD_REQUEST, "invalid_query"),
            "{uri}: {}",
            a.text()
        );
    }
    let bodies = [
        r#"{"procedure_code":"1.001193","channel":"counter","applicant":{"name":"a\u0000b","kind":1}}"#,
        r#"{"procedure_code":"1.001193","channel":"counter","applicant":{"name":"ab","kind":1},"comment":"x\u0000"}"#,
        r#"{"procedure_code":"1.001193","channel":"counter","applicant":{"name":"ab","kind":1},"form":{"k\u0000":"v"}}"#,
    ];
    for body in bodies {
        let a = o
            .send(
                "POST",
                "/api/v1/dossiers",
                Caller::OneStop,
                body.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(
            (a.status, a.error_code().as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"),
            "{body}: {}",
            a.text()
        );
    }
    let state = o.state_of(&d.code).await;
    let a = o
        .send(
            "POST",
            &format!("/api/v1/dossiers/{}/actions", d.code),
            Caller::Specialist,
            br#"{"action":"request_supplement","reason":"thi\u0000u"}"#.to_vec(),
        )
        .await;
    assert_eq!(a.error_code(), "invalid_request", "{}", a.text());
    assert_eq!(o.state_of(&d.code).await, state);
    assert_eq!(o.all_codes().await, before);
}
