//! The officer workspace (`/can-bo`) driven through its pages, as a browser without
//! JavaScript would: counter intake to delivery by posting the forms, idempotent double posts,
//! refusals from the domain shown in the page, htmx panels, the register, and who may see what.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use tinhso_app::identity::NewUser;
use tinhso_app::progress::NoProgress;
use tinhso_app::{App, AppSettings, FixedClock};
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::dossier::Role;
use tinhso_objects::LocalDiskStore;
use tinhso_web::{router, AppState, Metrics};

use crate::dossiers::small_pdf;
use crate::pages::{csrf_field, send, text_of, Visitor};
use crate::TestServer;

const PASSWORD: &str = tinhso_app::demo::DEMO_PASSWORD;

fn at(local: &str) -> jiff::Timestamp {
    tinhso_app::clock::from_local(local.parse().expect("local time"))
}

/// A demo province with the demo users, an object store, and a clock the test moves.
async fn desk() -> (TestServer, Arc<FixedClock>) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "tinhso_web_officer_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let store = tinhso_app::open_store(&format!("sqlite://{}/t.sqlite3", dir.display()))
        .await
        .expect("store");
    let clock = Arc::new(FixedClock::new(at("2026-03-02T09:00:00")));
    let app = App::new(store, clock.clone(), AppSettings::default())
        .await
        .expect("app")
        .with_objects(Arc::new(
            LocalDiskStore::open(dir.join("objects")).expect("objects"),
        ));
    app.load_demo(&NoProgress).await.expect("demo");
    app.load_demo_users().await.expect("demo users");
    let app = Arc::new(app);
    let state = AppState {
        app: app.clone(),
        metrics: Metrics::install(),
    };
    (
        TestServer {
            router: router(state),
            app,
            _dir: dir,
        },
        clock,
    )
}

async fn signed_in(s: &TestServer, account: &str) -> Visitor {
    let mut v = Visitor::new();
    v.sign_in(s, account, PASSWORD).await;
    v
}

fn cookie_header(v: &Visitor) -> String {
    v.cookies
        .iter()
        .map(|(k, val)| format!("{k}={val}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The value of the hidden `name` field inside the form `#form_id`.
fn form_field(html: &str, form_id: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{form_id}\""))?;
    let form = &html[at..];
    let form = &form[..form.find("</form>").unwrap_or(form.len())];
    let marker = format!("name=\"{name}\" value=\"");
    let v = form.find(&marker)? + marker.len();
    form[v..].split('"').next().map(str::to_string)
}

/// Posts the form of `action` on the dossier page, as the page offers it, with `extra` fields.
async fn act(
    v: &mut Visitor,
    s: &TestServer,
    code: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> (StatusCode, HeaderMap, String) {
    let (status, _, page) = v.get(s, &format!("/can-bo/ho-so/{code}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let form = format!("form-{action}");
    let key = form_field(&page, &form, "idempotency_key")
        .unwrap_or_else(|| panic!("the page offers no {action}: {page}"));
    let csrf = csrf_field(&page);
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("action", action),
        ("idempotency_key", key.as_str()),
    ];
    fields.extend_from_slice(extra);
    v.post_form(s, &format!("/can-bo/ho-so/{code}/thao-tac"), &fields)
        .await
}

async fn status_of(v: &mut Visitor, s: &TestServer, code: &str) -> String {
    let (_, _, page) = v.get(s, &format!("/can-bo/ho-so/{code}")).await;
    text_of(&page, "fact-status")
}

async fn events(s: &TestServer, code: &str) -> u32 {
    let user = s
        .app
        .store
        .user("mc-phukhuong")
        .await
        .expect("store")
        .expect("user");
    s.app
        .dossier_detail(&user, code)
        .await
        .expect("detail")
        .dossier
        .events
}

/// A `multipart/form-data` body.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----tinhso-test-boundary-7MA4YWxkTrZu0gW".to_string();
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file_name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

/// Receives a birth registration at the counter through the intake pages; returns the
/// receipt page.
/// `key`: the idempotency key to send instead of the form's.
async fn counter_intake(
    v: &mut Visitor,
    s: &TestServer,
    key: Option<&str>,
    extra: &[(&str, &str)],
) -> (StatusCode, String) {
    let (status, _, found) = v
        .get(s, "/can-bo/tiep-nhan?tim=dang%20ky%20khai%20sinh")
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert!(found.contains("id=\"pick-1.001193\""), "{found}");
    let (status, _, form) = v.get(s, "/can-bo/tiep-nhan?ma=1.001193").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_field(&form);
    let form_key = form_field(&form, "intake-form", "idempotency_key").expect("key");
    let key = key.map_or(form_key, str::to_string);
    let component = form_field(&form, "intake-form", "component_name_0").expect("component");
    let pdf = small_pdf();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("procedure_code", "1.001193"),
        ("channel", "counter"),
        ("applicant_name", "Nguyễn Văn Dân"),
        ("applicant_kind", "1"),
        ("applicant_id_number", "086099000123"),
        ("applicant_phone", "0912345678"),
        ("applicant_email", ""),
        ("applicant_address", "Phường Phú Khương, Vĩnh Long"),
        ("component_name_0", component.as_str()),
        ("comment", "Nhận tại quầy"),
    ];
    fields.extend_from_slice(extra);
    let (boundary, body) = multipart(
        &fields,
        &[
            ("component_file_0", "to-khai.pdf", &pdf),
            ("component_file_1", "", b""),
        ],
    );
    let req = Request::post("/can-bo/tiep-nhan")
        .header(header::COOKIE, cookie_header(v))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    let (status, _, html) = send(s, req).await;
    (status, html)
}

#[tokio::test]
async fn a_counter_dossier_goes_from_intake_to_delivery_through_the_pages() {
    let (s, clock) = desk().await;
    let mut mc = signed_in(&s, "mc-phukhuong").await;
    let mut cv = signed_in(&s, "cv-phukhuong").await;

    // Counter intake: received and accepted at once; the code, the secret, the receipt.
    let (status, done) = counter_intake(&mut mc, &s, None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let code = text_of(&done, "intake-code");
    assert!(code.starts_with("000.01.90.H61-260302-"), "{code}");
    assert_eq!(text_of(&done, "intake-secret").len(), 12);
    assert!(done.contains("id=\"intake-ok\""), "{done}");
    assert!(!text_of(&done, "intake-due").is_empty());
    let (status, h, pdf) = mc.get(&s, &format!("/can-bo/ho-so/{code}/mau/01")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "application/pdf");
    assert!(pdf.starts_with("%PDF"));

    // The dossier page: facts, the attachment, the timeline; the officer's actions only.
    let (status, _, page) = mc.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text_of(&page, "fact-status"), "Được tiếp nhận");
    assert_eq!(text_of(&page, "fact-step"), "Thẩm định hồ sơ");
    assert!(
        page.contains("Nguyễn Văn Dân") && page.contains("to-khai.pdf"),
        "{page}"
    );
    assert!(page.contains("id=\"pdf-01\"") && page.contains("id=\"pdf-06\""));
    assert!(!page.contains("id=\"pdf-02\""), "no supplement asked yet");
    assert!(!page.contains("id=\"form-accept\""), "already accepted");
    assert!(!page.contains("id=\"form-approve\""), "not a leader");
    assert!(!page.contains("style=") && !page.contains("<script>"));
    let file = page
        .split("href=\"")
        .find(|p| p.starts_with(&format!("/can-bo/ho-so/{code}/tep/")))
        .and_then(|p| p.split('"').next())
        .expect("attachment link")
        .to_string();
    let (status, h, _) = mc.get(&s, &file).await;
    assert_eq!(status, StatusCode::OK);
    assert!(h[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));

    // The specialist's queue lists it; the specialist asks for a paper (Mẫu 02).
    let (_, _, queue) = cv.get(&s, "/can-bo").await;
    assert!(queue.contains(&format!("id=\"row-{code}\"")), "{queue}");
    assert_eq!(text_of(&queue, "count-cua-toi"), "1");
    // Due tomorrow at 09:00: within 8 working hours, badged before any scheduler flag.
    assert!(
        queue.contains("<span class=\"badge warn\">Sắp đến hạn</span>"),
        "{queue}"
    );
    clock.set(at("2026-03-02T10:00:00"));
    let (status, h, body) = act(
        &mut cv,
        &s,
        &code,
        "request_supplement",
        &[("reason", "Giấy chứng sinh: bản chính")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(
        h[header::LOCATION],
        format!("/can-bo/ho-so/{code}?xong=request_supplement")
    );
    let (_, _, page) = cv.get(&s, h[header::LOCATION].to_str().unwrap()).await;
    assert!(page.contains("id=\"action-done\""), "{page}");
    assert_eq!(text_of(&page, "fact-status"), "Yêu cầu bổ sung giấy tờ");
    assert!(page.contains("id=\"pdf-02\""));
    let (_, _, queue) = cv.get(&s, "/can-bo?hang=tam-dung").await;
    assert!(queue.contains(&format!("id=\"row-{code}\"")), "{queue}");

    // The applicant brings the paper to the counter two days later: the clock resumes.
    // Sessions last 12 hours: everyone signs in again that morning.
    clock.set(at("2026-03-04T08:30:00"));
    let mut mc = signed_in(&s, "mc-phukhuong").await;
    let mut cv = signed_in(&s, "cv-phukhuong").await;
    let (status, _, body) = act(&mut mc, &s, &code, "supplement", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(status_of(&mut mc, &s, &code).await, "Được tiếp nhận");

    // Specialist → leader → clerk → one-stop officer.
    let mut ld = signed_in(&s, "ld-phukhuong").await;
    let mut vt = signed_in(&s, "vt-phukhuong").await;
    clock.set(at("2026-03-04T09:00:00"));
    let (status, _, body) = act(&mut cv, &s, &code, "forward", &[("to_step", "approve")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (status, _, body) = act(&mut ld, &s, &code, "approve", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    // The clerk issues the result with the signed document (a multipart post).
    let (_, _, page) = vt.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    let key = form_field(&page, "form-result_ready", "idempotency_key").expect("key");
    let pdf = small_pdf();
    let (boundary, body) = multipart(
        &[
            ("csrf", &csrf_field(&page)),
            ("action", "result_ready"),
            ("idempotency_key", &key),
            ("comment", "Giấy khai sinh số 12/2026"),
        ],
        &[("attachment", "giay-khai-sinh.pdf", &pdf)],
    );
    let req = Request::post(format!("/can-bo/ho-so/{code}/thao-tac"))
        .header(header::COOKIE, cookie_header(&vt))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let (status, _, body) = send(&s, req).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, _, page) = vt.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    assert_eq!(text_of(&page, "fact-status"), "Đã xử lý xong");
    assert!(page.contains("giay-khai-sinh.pdf"), "{page}");
    let (status, _, body) = act(&mut mc, &s, &code, "deliver", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");

    let (_, _, page) = mc.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    assert_eq!(text_of(&page, "fact-status"), "Đã trả kết quả");
    assert!(page.contains("id=\"actions-none\""), "nothing left to do");
    for label in [
        "Nộp hồ sơ",
        "Tiếp nhận hồ sơ",
        "Yêu cầu bổ sung",
        "Đã bổ sung hồ sơ",
        "Chuyển bước",
        "Phê duyệt",
        "Có kết quả",
        "Đã trả kết quả",
    ] {
        assert!(page.contains(label), "timeline lacks {label}");
    }
    assert_eq!(events(&s, &code).await, 8);
    // The print view has the facts and the timeline.
    let (status, _, print) = mc.get(&s, &format!("/can-bo/ho-so/{code}/in")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(print.contains("id=\"timeline\"") && !print.contains("id=\"actions\""));
}

#[tokio::test]
async fn a_double_post_applies_once_and_htmx_gets_the_panel() {
    let (s, _clock) = desk().await;
    let mut mc = signed_in(&s, "mc-phukhuong").await;
    let mut cv = signed_in(&s, "cv-phukhuong").await;
    // The same intake posted twice with one key: one dossier, the same code and secret.
    let (status, done) = counter_intake(&mut mc, &s, Some("intake-once"), &[]).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let (status, again) = counter_intake(&mut mc, &s, Some("intake-once"), &[]).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let code = text_of(&done, "intake-code");
    assert_eq!(text_of(&again, "intake-code"), code);
    assert_eq!(
        text_of(&again, "intake-secret"),
        text_of(&done, "intake-secret")
    );
    assert_eq!(events(&s, &code).await, 2, "submitted and accepted once");
    let (_, other) = counter_intake(&mut mc, &s, None, &[]).await;
    assert_ne!(
        text_of(&other, "intake-code"),
        code,
        "a new form, a new dossier"
    );

    let (_, _, page) = cv.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    let key = form_field(&page, "form-forward", "idempotency_key").expect("key");
    let csrf = csrf_field(&page);
    let fields = [
        ("csrf", csrf.as_str()),
        ("action", "forward"),
        ("idempotency_key", key.as_str()),
        ("to_step", "approve"),
    ];
    let n = events(&s, &code).await;
    let uri = format!("/can-bo/ho-so/{code}/thao-tac");
    let (first, _, _) = cv.post_form(&s, &uri, &fields).await;
    let (second, _, _) = cv.post_form(&s, &uri, &fields).await;
    assert_eq!(
        (first, second),
        (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER)
    );
    assert_eq!(events(&s, &code).await, n + 1, "applied once");

    // htmx: the leader approves and gets the new panel, not a whole page.
    let mut ld = signed_in(&s, "ld-phukhuong").await;
    let (_, _, page) = ld.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    let key = form_field(&page, "form-approve", "idempotency_key").expect("key");
    let body = format!(
        "csrf={}&action=approve&idempotency_key={key}",
        csrf_field(&page)
    );
    let req = Request::post(&uri)
        .header(header::COOKIE, cookie_header(&ld))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("hx-request", "true")
        .body(Body::from(body))
        .unwrap();
    let (status, _, panel) = send(&s, req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(panel.starts_with("<div id=\"dossier-panel\">"), "{panel}");
    assert!(!panel.contains("<html"));
    assert!(panel.contains("id=\"action-done\""));
    assert_eq!(text_of(&panel, "fact-step"), "Vào số, ban hành kết quả");

    // The queue tabs swap their panel too.
    let req = Request::get("/can-bo?hang=tat-ca")
        .header(header::COOKIE, cookie_header(&cv))
        .header("hx-request", "true")
        .body(Body::empty())
        .unwrap();
    let (status, _, panel) = send(&s, req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(panel.starts_with("<section id=\"queue-panel\""), "{panel}");
    assert!(panel.contains(&format!("id=\"row-{code}\"")));
}

#[tokio::test]
async fn refusals_of_the_domain_show_in_the_page_and_change_nothing() {
    let (s, _clock) = desk().await;
    let mut mc = signed_in(&s, "mc-phukhuong").await;
    let mut cv = signed_in(&s, "cv-phukhuong").await;
    let (_, done) = counter_intake(&mut mc, &s, None, &[]).await;
    let code = text_of(&done, "intake-code");
    let n = events(&s, &code).await;
    let uri = format!("/can-bo/ho-so/{code}/thao-tac");

    // Accepting twice: the page has no such button; a forged post is refused by the domain.
    let (_, _, page) = mc.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    assert!(!page.contains("id=\"form-accept\""));
    let csrf = csrf_field(&page);
    let (status, _, html) = mc
        .post_form(
            &s,
            &uri,
            &[
                ("csrf", &csrf),
                ("action", "accept"),
                ("idempotency_key", "k1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("id=\"action-error\""), "{html}");
    assert!(html.contains("illegal_transition"), "{html}");
    assert!(html.contains("Hồ sơ không thay đổi"), "{html}");

    // A supplement request without saying what is missing.
    let (status, _, html) = act(
        &mut cv,
        &s,
        &code,
        "request_supplement",
        &[("reason", "  ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("reason_required") && html.contains("Cần ghi rõ lý do"));
    // A financial obligation with an amount that is not a number.
    let (status, _, html) = act(
        &mut cv,
        &s,
        &code,
        "request_financial_obligation",
        &[("amount_vnd", "nhiều")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("invalid_request"));
    // An extension is the leader's: the specialist has no such form, and the domain says no.
    let (_, _, page) = cv.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    assert!(!page.contains("id=\"form-apologize_and_extend\""));
    let (status, _, html) = cv
        .post_form(
            &s,
            &uri,
            &[
                ("csrf", &csrf_field(&page)),
                ("action", "apologize_and_extend"),
                ("new_due", "2026-03-20T16:00"),
                ("reason", "Chờ xác minh"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("role_not_allowed"), "{html}");
    assert_eq!(events(&s, &code).await, n, "nothing changed");
    // Without the CSRF token: refused before anything.
    let (status, _, _) = cv
        .post_form(&s, &uri, &[("action", "forward"), ("to_step", "approve")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(events(&s, &code).await, n);
}

#[tokio::test]
async fn officers_see_only_their_agency_and_citizens_stay_out() {
    let (s, _clock) = desk().await;
    let mut mc = signed_in(&s, "mc-phukhuong").await;
    let (_, done) = counter_intake(&mut mc, &s, None, &[]).await;
    let code = text_of(&done, "intake-code");

    // A one-stop officer of another ward.
    s.app
        .create_user(NewUser {
            id: "mc-khac".into(),
            name: "Đỗ Một Cửa Khác".into(),
            agency: Some(AgencyEId::parse("000.02.90.H61").unwrap()),
            roles: vec![Role::OneStopOfficer],
        })
        .await
        .unwrap();
    let hash = tinhso_app::sessions::hash_password(PASSWORD).unwrap();
    s.app
        .store
        .set_password_hash("mc-khac", &hash, s.app.clock.now())
        .await
        .unwrap();
    let mut other = signed_in(&s, "mc-khac").await;
    for path in [
        format!("/can-bo/ho-so/{code}"),
        format!("/can-bo/ho-so/{code}/in"),
        format!("/can-bo/ho-so/{code}/mau/01"),
    ] {
        let (status, _, html) = other.get(&s, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {html}");
        assert!(!html.contains("Nguyễn Văn Dân"));
    }
    let (_, _, queue) = other.get(&s, "/can-bo?hang=tat-ca").await;
    assert!(!queue.contains(&code), "{queue}");
    let (_, _, queue) = other
        .get(&s, &format!("/can-bo?hang=tat-ca&q={code}"))
        .await;
    assert!(!queue.contains(&format!("row-{code}")));
    let csrf = csrf_field(&queue);
    let n = events(&s, &code).await;
    let (status, _, _) = other
        .post_form(
            &s,
            &format!("/can-bo/ho-so/{code}/thao-tac"),
            &[
                ("csrf", &csrf),
                ("action", "deliver"),
                ("idempotency_key", "x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(events(&s, &code).await, n);

    // A citizen gets 403 everywhere under /can-bo; an anonymous visitor is sent to sign in.
    let mut citizen = signed_in(&s, "cong-dan-demo").await;
    for path in [
        "/can-bo".to_string(),
        "/can-bo/tiep-nhan".to_string(),
        "/can-bo/so-theo-doi".to_string(),
        format!("/can-bo/ho-so/{code}"),
    ] {
        let (status, _, _) = citizen.get(&s, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (status, h, _) = Visitor::new().get(&s, "/can-bo").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/dang-nhap?tiep=/can-bo");
    // Only the one-stop officer receives at the counter.
    let mut cv = signed_in(&s, "cv-phukhuong").await;
    let (status, _, _) = cv.get(&s, "/can-bo/tiep-nhan").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_register_lists_the_period_and_downloads() {
    let (s, _clock) = desk().await;
    let mut mc = signed_in(&s, "mc-phukhuong").await;
    let (_, done) = counter_intake(&mut mc, &s, None, &[]).await;
    let code = text_of(&done, "intake-code");
    let (status, _, html) = mc.get(&s, "/can-bo/so-theo-doi").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&code), "{html}");
    let (_, _, html) = mc
        .get(&s, "/can-bo/so-theo-doi?tu=2026-02-01&den=2026-02-28")
        .await;
    assert!(html.contains("id=\"register-empty\""));
    let (status, h, csv) = mc
        .get(
            &s,
            "/can-bo/so-theo-doi/tai-ve?tu=2026-03-01&den=2026-03-02&dinh_dang=csv",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(h[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(csv.contains(&code));
    for (format, ct) in [
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("pdf", "application/pdf"),
    ] {
        let (status, h, _) = mc
            .get(
                &s,
                &format!(
                    "/can-bo/so-theo-doi/tai-ve?tu=2026-03-01&den=2026-03-02&dinh_dang={format}"
                ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{format}");
        assert_eq!(h[header::CONTENT_TYPE], ct);
    }
    let (status, _, html) = mc
        .get(&s, "/can-bo/so-theo-doi?tu=2026-13-01&den=2026-03-02")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"register-error\""));
}

#[tokio::test]
async fn every_action_has_its_labels_in_both_languages() {
    use tinhso_domain::dossier::ActionKind;
    for kind in ActionKind::ALL {
        for prefix in ["officer.action.", "officer.help.", "officer.event."] {
            let key = format!("{prefix}{}", kind.as_str());
            assert!(tinhso_web::html::i18n::has(&key), "{key}");
        }
    }
}

/// An officer of another ward, with the demo password.
async fn other_ward_officer(s: &TestServer, id: &str, role: Role) -> Visitor {
    s.app
        .create_user(NewUser {
            id: id.into(),
            name: format!("Cán bộ phường khác ({id})"),
            agency: Some(AgencyEId::parse("000.02.90.H61").unwrap()),
            roles: vec![role],
        })
        .await
        .unwrap();
    let hash = tinhso_app::sessions::hash_password(PASSWORD).unwrap();
    s.app
        .store
        .set_password_hash(id, &hash, s.app.clock.now())
        .await
        .unwrap();
    signed_in(s, id).await
}

#[tokio::test]
async fn an_online_dossier_meets_every_other_action_through_the_pages() {
    use tinhso_app::dossiers::{ActionRequest, IntakeRequest};
    let (s, _clock) = desk().await;
    let citizen = s.app.store.user("cong-dan-demo").await.unwrap().unwrap();
    let online = s
        .app
        .submit_dossier(
            &citizen,
            IntakeRequest {
                procedure_code: "1.001193".into(),
                channel: tinhso_domain::catalog::Channel::Online,
                receiving_agency: Some("000.01.90.H61".into()),
                competent_agency: None,
                applicant: tinhso_store::dossiers::Applicant {
                    name: "Nguyễn Thị Hồng Nhung".into(),
                    kind: 1,
                    id_number: String::new(),
                    phone: String::new(),
                    email: String::new(),
                    address: String::new(),
                },
                form: serde_json::json!({}),
                attachments: Vec::new(),
                comment: None,
            },
            None,
        )
        .await
        .unwrap();
    let code = online.code.clone();
    let citizen_does = |action: &str| ActionRequest {
        action: action.into(),
        ..Default::default()
    };

    // The one-stop officer may accept, refuse or ask for more; nobody else may yet.
    let mut mc = signed_in(&s, "mc-phukhuong").await;
    let (_, _, page) = mc.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    for form in ["form-accept", "form-refuse", "form-request_supplement"] {
        assert!(page.contains(&format!("id=\"{form}\"")), "{form}");
    }
    assert_eq!(text_of(&page, "fact-status"), "Mới đăng ký");
    let mut ld = signed_in(&s, "ld-phukhuong").await;
    let (_, _, page) = ld.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    assert!(page.contains("id=\"actions-none\""), "{page}");
    let (status, _, _) = act(&mut mc, &s, &code, "accept", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The specialist asks for a paper; the citizen supplies it online (the app API).
    let mut cv = signed_in(&s, "cv-phukhuong").await;
    let (status, _, _) = act(
        &mut cv,
        &s,
        &code,
        "request_supplement",
        &[("reason", "Giấy chứng sinh: bản chính\nCCCD của mẹ: bản sao")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    s.app
        .act(&citizen, &code, citizen_does("supplement"), None)
        .await
        .unwrap();
    assert_eq!(status_of(&mut cv, &s, &code).await, "Được tiếp nhận");

    // Fees (paused until paid), then paid online.
    let (status, _, body) = act(
        &mut cv,
        &s,
        &code,
        "request_financial_obligation",
        &[("amount_vnd", "150.000")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, _, page) = cv.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    assert_eq!(
        text_of(&page, "fact-status"),
        "Yêu cầu thực hiện nghĩa vụ tài chính"
    );
    assert!(page.contains("150.000 đ"), "{page}");
    s.app
        .act(&citizen, &code, citizen_does("pay"), None)
        .await
        .unwrap();

    // Transfer to another ward (liên thông): its specialist sees it and hands it back.
    let (status, _, body) = act(
        &mut cv,
        &s,
        &code,
        "transfer_to_agency",
        &[("agency", "000.02.90.H61")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, _, page) = cv.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    assert!(page.contains("id=\"fact-transferred\""));
    assert!(
        !page.contains("id=\"form-forward\""),
        "held by the other ward"
    );
    let mut other = other_ward_officer(&s, "cv-khac", Role::Specialist).await;
    let (status, _, body) = act(&mut other, &s, &code, "return_from_agency", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, _, page) = cv.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    assert!(!page.contains("id=\"fact-transferred\""));
    assert!(page.contains("id=\"form-forward\""));

    // The leader apologizes and sets a later appointment (Mẫu 04); both dates show.
    let due = s
        .app
        .dossier_detail(&citizen, &code)
        .await
        .unwrap()
        .dossier
        .due
        .unwrap();
    let mut later = due.date().checked_add(jiff::Span::new().days(7)).unwrap();
    while matches!(
        later.weekday(),
        jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
    ) {
        later = later.tomorrow().unwrap();
    }
    let new_due = format!("{later}T16:00");
    let (status, _, body) = act(
        &mut ld,
        &s,
        &code,
        "apologize_and_extend",
        &[("new_due", &new_due), ("reason", "Chờ xác minh thông tin")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, _, page) = ld.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    assert!(page.contains("id=\"pdf-04\""));
    assert!(text_of(&page, "fact-due").starts_with("16:00"), "{page}");
    assert!(page.contains("hẹn ban đầu"));
    let (status, h, _) = ld.get(&s, &format!("/can-bo/ho-so/{code}/mau/04")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "application/pdf");

    // The specialist stops it (Mẫu 05).
    let (status, _, body) = act(
        &mut cv,
        &s,
        &code,
        "stop",
        &[("reason", "Người yêu cầu không đủ điều kiện")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, _, page) = cv.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    assert_eq!(text_of(&page, "fact-status"), "Dừng xử lý");
    assert!(page.contains("id=\"pdf-05\"") && page.contains("id=\"actions-none\""));

    // In English, the same page.
    cv.cookies.push(("tinhso_lang".into(), "en".into()));
    let (_, _, page) = cv.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    assert!(page.contains("<html lang=\"en\">"));
    assert!(
        page.contains("Dossier facts") && page.contains("Stopped"),
        "{page}"
    );
}

#[tokio::test]
async fn a_dossier_received_here_may_be_handled_by_another_ward() {
    let (s, _clock) = desk().await;
    let mut mc = signed_in(&s, "mc-phukhuong").await;
    let (_, _, form) = mc.get(&s, "/can-bo/tiep-nhan?ma=1.001193").await;
    assert!(form.contains("id=\"competent_agency\""), "{form}");
    let (status, done) =
        counter_intake(&mut mc, &s, None, &[("competent_agency", "000.02.90.H61")]).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let code = text_of(&done, "intake-code");
    assert!(
        code.starts_with("000.01.90.H61-"),
        "coded by the receiving ward: {code}"
    );
    let (_, _, page) = mc.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    assert!(page.contains("(000.02.90.H61)"), "{page}");
    // The other ward's specialist has it in their queue.
    let mut other = other_ward_officer(&s, "cv-khac", Role::Specialist).await;
    let (_, _, queue) = other.get(&s, "/can-bo").await;
    assert!(queue.contains(&format!("id=\"row-{code}\"")), "{queue}");
    // Our own specialist does not work on it.
    let mut cv = signed_in(&s, "cv-phukhuong").await;
    let (_, _, page) = cv.get(&s, &format!("/can-bo/ho-so/{code}")).await;
    assert!(page.contains("id=\"actions-none\""), "{page}");
}
