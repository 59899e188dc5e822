//! The admin pages (`/quan-tri`): who may open what, accounts, agencies, workflows with their
//! preview, the calendar, CSRF.

use axum::http::{header, StatusCode};
use tinhso_app::demo::DEMO_PASSWORD;
use tinhso_app::dossiers::IntakeRequest;
use tinhso_domain::catalog::Channel;
use tinhso_store::dossiers::Applicant;

use crate::pages::{csrf_field, text_of, Visitor};
use crate::{get_json, server, TestServer};

const BIRTH: &str = "1.001193";

fn birth() -> tinhso_domain::catalog::ProcedureCode {
    tinhso_domain::catalog::ProcedureCode::parse(BIRTH).unwrap()
}

async fn demo() -> TestServer {
    let s = server().await;
    s.app.load_demo_users().await.expect("demo users");
    s
}

/// Whether the visitor's session is still live.
async fn session_live(v: &Visitor, s: &TestServer) -> bool {
    match v.cookies.iter().find(|(k, _)| k == "tinhso_session") {
        Some((_, token)) => s.app.session_user(token).await.unwrap().is_some(),
        None => false,
    }
}

async fn signed_in(s: &TestServer, account: &str) -> Visitor {
    let mut v = Visitor::new();
    v.sign_in(s, account, DEMO_PASSWORD).await;
    v
}

/// The CSRF token of a page the visitor can open.
async fn csrf(v: &mut Visitor, s: &TestServer, uri: &str) -> String {
    let (status, _, html) = v.get(s, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {html}");
    csrf_field(&html)
}

fn location(h: &axum::http::HeaderMap) -> String {
    h[header::LOCATION].to_str().expect("location").to_string()
}

const PAGES: &[&str] = &[
    "/quan-tri",
    "/quan-tri/co-quan",
    "/quan-tri/co-quan/000.01.90.H61",
    "/quan-tri/nguoi-dung",
    "/quan-tri/nguoi-dung/moi",
    "/quan-tri/nguoi-dung/mc-phukhuong",
    "/quan-tri/thu-tuc",
    "/quan-tri/thu-tuc/1.001193",
    "/quan-tri/lich",
    "/quan-tri/lich?nam=2027",
];

#[tokio::test]
async fn each_admin_page_has_its_access_rule() {
    let s = demo().await;
    // Anonymous: to the sign-in page, coming back here.
    for uri in PAGES {
        let (status, h, _) = Visitor::new().get(&s, uri).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{uri}");
        assert!(
            location(&h).starts_with("/dang-nhap?tiep=/quan-tri"),
            "{uri}"
        );
    }
    // Officers and citizens: 403.
    for account in ["mc-phukhuong", "ld-phukhuong", "cong-dan-demo"] {
        let mut v = signed_in(&s, account).await;
        for uri in PAGES {
            let (status, _, _) = v.get(&s, uri).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{account} {uri}");
        }
        // No admin link in their navigation.
        let (_, _, html) = v.get(&s, "/").await;
        assert!(!html.contains("href=\"/quan-tri\""), "{account}");
    }
    // The province administrator: every page, plus the province-wide forms.
    let mut v = signed_in(&s, "qt-tinh").await;
    // Citizens' accounts are theirs: not listed, not opened (their ids stay out of URLs).
    assert_eq!(
        v.get(&s, "/quan-tri/nguoi-dung/cong-dan-demo").await.0,
        StatusCode::NOT_FOUND
    );
    let (_, _, html) = v.get(&s, "/quan-tri/nguoi-dung").await;
    assert!(html.contains("id=\"user-qt-phukhuong\"") && !html.contains("cong-dan-demo"));
    for uri in PAGES
        .iter()
        .chain(&["/quan-tri/co-quan/moi", "/quan-tri/co-quan/000.02.90.H61"])
    {
        let (status, _, html) = v.get(&s, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {html}");
        assert!(
            !html.contains("style=") && !html.contains("<script>"),
            "{uri}"
        );
        assert!(html.contains("lang=\"vi\""), "{uri}");
    }
    let (_, _, html) = v.get(&s, "/quan-tri/lich").await;
    assert!(html.contains("id=\"add-day\""));
    let (_, _, html) = v.get(&s, "/quan-tri/thu-tuc/1.001193").await;
    assert!(html.contains("id=\"preview-workflow\""));

    // The agency administrator: their agency only; province-wide things read only.
    let mut v = signed_in(&s, "qt-phukhuong").await;
    for uri in PAGES {
        let (status, _, html) = v.get(&s, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {html}");
    }
    let (_, _, html) = v.get(&s, "/quan-tri/nguoi-dung").await;
    assert!(html.contains("id=\"user-mc-phukhuong\""));
    assert!(!html.contains("id=\"user-qt-tinh\""), "no province admin");
    assert!(!html.contains("id=\"user-cong-dan-demo\""), "no citizen");
    let (_, _, html) = v.get(&s, "/quan-tri/co-quan").await;
    assert!(html.contains("000.01.90.H61") && !html.contains("000.02.90.H61"));
    let (_, _, html) = v.get(&s, "/quan-tri/lich").await;
    assert!(!html.contains("id=\"add-day\"") && !html.contains("id=\"remove-"));
    let (_, _, html) = v.get(&s, "/quan-tri/thu-tuc/1.001193").await;
    assert!(!html.contains("id=\"preview-workflow\""));
    for (uri, status) in [
        ("/quan-tri/co-quan/moi", StatusCode::FORBIDDEN),
        ("/quan-tri/co-quan/000.02.90.H61", StatusCode::NOT_FOUND),
        ("/quan-tri/nguoi-dung/qt-tinh", StatusCode::NOT_FOUND),
        ("/quan-tri/nguoi-dung/cong-dan-demo", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(v.get(&s, uri).await.0, status, "{uri}");
    }
    // Their forms are refused by the server too, not only hidden.
    let token = csrf(&mut v, &s, "/quan-tri/lich").await;
    let (status, _, _) = v
        .post_form(
            &s,
            "/quan-tri/lich",
            &[
                ("csrf", &token),
                ("date", "2026-03-03"),
                ("kind", "holiday"),
                ("name", "Thử"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = v
        .post_form(&s, "/quan-tri/nguoi-dung/qt-tinh/khoa", &[("csrf", &token)])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = v
        .post_form(
            &s,
            "/quan-tri/thu-tuc/1.001193/xem-truoc",
            &[("csrf", &token), ("definition", "{}")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_officer_created_by_the_admin_can_sign_in() {
    let s = demo().await;
    let mut admin = signed_in(&s, "qt-tinh").await;
    let token = csrf(&mut admin, &s, "/quan-tri/nguoi-dung/moi").await;
    let (status, h, body) = admin
        .post_form(
            &s,
            "/quan-tri/nguoi-dung",
            &[
                ("csrf", &token),
                ("id", "mc-long-chau"),
                ("name", "Ngô Thị Hạnh"),
                ("agency", "000.02.90.H61"),
                ("roles", "one_stop_officer"),
                ("roles", "specialist"),
                ("password", "Vinh-Long-2026"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location(&h), "/quan-tri/nguoi-dung/mc-long-chau?tb=tao");
    let (_, _, html) = admin.get(&s, &location(&h)).await;
    assert!(
        html.contains("Ngô Thị Hạnh") && html.contains("Đã tạo"),
        "{html}"
    );
    assert!(html.contains("Cán bộ một cửa, Chuyên viên"), "{html}");

    let mut officer = Visitor::new();
    assert_eq!(
        officer.sign_in(&s, "mc-long-chau", "Vinh-Long-2026").await,
        "/can-bo"
    );

    // The same id again is refused; nothing is taken over.
    let (status, _, html) = admin
        .post_form(
            &s,
            "/quan-tri/nguoi-dung",
            &[
                ("csrf", &token),
                ("id", "mc-long-chau"),
                ("name", "Kẻ Khác"),
                ("agency", "000.01.90.H61"),
                ("roles", "leader"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("id=\"form-errors\"") && html.contains("đã có"),
        "{html}"
    );
    let user = s.app.store.user("mc-long-chau").await.unwrap().unwrap();
    assert_eq!(user.name, "Ngô Thị Hạnh");

    // Without a password, one is generated and shown once; it works.
    let (status, _, html) = admin
        .post_form(
            &s,
            "/quan-tri/nguoi-dung",
            &[
                ("csrf", &token),
                ("id", "vt-long-chau"),
                ("name", "Lý Văn Thư"),
                ("agency", "000.02.90.H61"),
                ("roles", "clerk"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let generated = text_of(&html, "secret");
    assert_eq!(generated.len(), 16);
    assert_eq!(
        Visitor::new().sign_in(&s, "vt-long-chau", &generated).await,
        "/can-bo"
    );

    // Bad input: every problem at once, values kept, nothing created.
    let (status, _, html) = admin
        .post_form(
            &s,
            "/quan-tri/nguoi-dung",
            &[
                ("csrf", &token),
                ("id", "Có Dấu"),
                ("name", " "),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Chọn ít nhất một vai trò"), "{html}");
    assert!(html.contains("Tài khoản gồm 1–64 ký tự"), "{html}");
    assert!(html.contains("Cần nhập tên"), "{html}");
    assert!(html.contains("Mật khẩu chưa đạt yêu cầu"), "{html}");
    assert!(html.contains("value=\"Có Dấu\""), "{html}");
}

#[tokio::test]
async fn the_agency_admin_manages_their_own_agency_only() {
    let s = demo().await;
    let mut v = signed_in(&s, "qt-phukhuong").await;
    let token = csrf(&mut v, &s, "/quan-tri/nguoi-dung/moi").await;
    // The agency posted is ignored: the account lands in their agency.
    let (status, _, body) = v
        .post_form(
            &s,
            "/quan-tri/nguoi-dung",
            &[
                ("csrf", &token),
                ("id", "cv-phukhuong-2"),
                ("name", "Đinh Văn Hai"),
                ("agency", "000.02.90.H61"),
                ("roles", "specialist"),
                ("password", "Phu-Khuong-2026"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let user = s.app.store.user("cv-phukhuong-2").await.unwrap().unwrap();
    assert_eq!(user.agency.unwrap().as_str(), "000.01.90.H61");
    // They cannot make a province administrator.
    let (status, _, html) = v
        .post_form(
            &s,
            "/quan-tri/nguoi-dung",
            &[
                ("csrf", &token),
                ("id", "qt-gia"),
                ("name", "Giả Mạo"),
                ("roles", "province_admin"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("quản trị tỉnh"), "{html}");
    assert!(s.app.store.user("qt-gia").await.unwrap().is_none());
    // Nor remove their own admin role, nor disable themselves.
    let (status, _, _) = v
        .post_form(
            &s,
            "/quan-tri/nguoi-dung/qt-phukhuong/vai-tro",
            &[("csrf", &token), ("name", "Tôi"), ("roles", "leader")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = v
        .post_form(
            &s,
            "/quan-tri/nguoi-dung/qt-phukhuong/khoa",
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !s.app
            .store
            .user("qt-phukhuong")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
}

#[tokio::test]
async fn roles_disable_password_sessions_and_tokens() {
    let s = demo().await;
    let officer = signed_in(&s, "cv-phukhuong").await;
    let mut admin = signed_in(&s, "qt-tinh").await;
    let page = "/quan-tri/nguoi-dung/cv-phukhuong";
    let token = csrf(&mut admin, &s, page).await;

    // Change roles: the account keeps working with its new roles.
    let (status, h, body) = admin
        .post_form(
            &s,
            &format!("{page}/vai-tro"),
            &[
                ("csrf", &token),
                ("name", "Lê Thị Mai"),
                ("agency", "000.01.90.H61"),
                ("roles", "specialist"),
                ("roles", "leader"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location(&h), format!("{page}?tb=vai-tro"));
    let u = s.app.store.user("cv-phukhuong").await.unwrap().unwrap();
    assert_eq!(
        u.roles,
        vec![
            tinhso_domain::dossier::Role::Specialist,
            tinhso_domain::dossier::Role::Leader
        ]
    );

    // Sign out everywhere: the officer's session ends.
    assert!(session_live(&officer, &s).await);
    let (status, _, _) = admin
        .post_form(&s, &format!("{page}/dang-xuat"), &[("csrf", &token)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!session_live(&officer, &s).await);

    // A token, shown once, works for the API until revoked.
    let (status, _, html) = admin
        .post_form(
            &s,
            &format!("{page}/token"),
            &[("csrf", &token), ("label", "phần mềm một cửa")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let api = text_of(&html, "secret");
    assert!(api.starts_with("tso_"), "{api}");
    assert!(s.app.authenticate(&api).await.unwrap().is_some());
    let (_, _, again) = admin.get(&s, page).await;
    assert!(!again.contains(&api), "shown once");
    let (status, _, _) = admin
        .post_form(&s, &format!("{page}/thu-hoi-token"), &[("csrf", &token)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(s.app.authenticate(&api).await.unwrap().is_none());

    // Reset the password: the new one works, the old one does not.
    let (status, _, _) = admin
        .post_form(
            &s,
            &format!("{page}/mat-khau"),
            &[("csrf", &token), ("password", "Mat-khau-moi-1")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(s.app.sign_in("cv-phukhuong", DEMO_PASSWORD).await.is_err());
    let mut again = Visitor::new();
    again.sign_in(&s, "cv-phukhuong", "Mat-khau-moi-1").await;

    // Disable: signed out, cannot sign in, tokens revoked. Enable: signs in again.
    let api = s.app.issue_token("cv-phukhuong", "t").await.unwrap();
    let (status, _, _) = admin
        .post_form(&s, &format!("{page}/khoa"), &[("csrf", &token)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!session_live(&again, &s).await);
    assert!(s
        .app
        .sign_in("cv-phukhuong", "Mat-khau-moi-1")
        .await
        .is_err());
    assert!(s.app.authenticate(&api).await.unwrap().is_none());
    let (_, _, html) = admin.get(&s, "/quan-tri/nguoi-dung?q=mai").await;
    assert!(html.contains("id=\"user-cv-phukhuong\"") && html.contains("Đã khóa"));
    let (status, _, _) = admin
        .post_form(&s, &format!("{page}/mo-khoa"), &[("csrf", &token)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(s
        .app
        .sign_in("cv-phukhuong", "Mat-khau-moi-1")
        .await
        .is_ok());
}

#[tokio::test]
async fn agencies_are_checked_against_qd_20_2020() {
    let s = demo().await;
    let mut v = signed_in(&s, "qt-tinh").await;
    let token = csrf(&mut v, &s, "/quan-tri/co-quan/moi").await;
    let fields = |eid: &'static str| {
        vec![
            ("eid", eid),
            ("name", "UBND Phường Thử Nghiệm"),
            ("level", "commune"),
            ("parent", "000.00.00.H61"),
            ("unit_code", ""),
            ("valid_from", "2026-01-01"),
            ("valid_to", ""),
            ("successor", ""),
        ]
    };
    for bad in ["000.1.90.H61", "000.01.90.h61", "01.90.H61"] {
        let mut f = fields(bad);
        f.push(("csrf", &token));
        let (status, _, html) = v.post_form(&s, "/quan-tri/co-quan", &f).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(html.contains("QĐ 20/2020"), "{bad}: {html}");
        assert!(html.contains("aria-invalid=\"true\""), "{bad}");
        assert!(html.contains(&format!("value=\"{bad}\"")), "kept: {bad}");
    }
    // An existing e-ID, a parent cycle, an end before the start: refused.
    let mut f = fields("000.01.90.H61");
    f.push(("csrf", &token));
    let (status, _, html) = v.post_form(&s, "/quan-tri/co-quan", &f).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Đã có cơ quan"), "{html}");
    let mut f = fields("000.60.91.H61");
    f.retain(|(k, _)| *k != "valid_to");
    f.push(("valid_to", "2025-12-31"));
    f.push(("csrf", &token));
    let (status, _, html) = v.post_form(&s, "/quan-tri/co-quan", &f).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("trước ngày bắt đầu"), "{html}");

    let mut f = fields("000.60.91.H61");
    f.push(("csrf", &token));
    let (status, h, body) = v.post_form(&s, "/quan-tri/co-quan", &f).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location(&h), "/quan-tri/co-quan/000.60.91.H61?tb=tao");
    let (status, json) = get_json(&s, "/api/v1/agencies/000.60.91.H61").await;
    assert_eq!(status, StatusCode::OK, "{json}");

    // Editing: the province's committee cannot become its own grandchild.
    let mut f = fields("ignored");
    f.retain(|(k, _)| *k != "parent" && *k != "name" && *k != "level");
    f.push(("name", "Ủy ban nhân dân tỉnh Vĩnh Long"));
    f.push(("level", "province"));
    f.push(("parent", "000.60.91.H61"));
    f.push(("csrf", &token));
    let (status, _, html) = v.post_form(&s, "/quan-tri/co-quan/000.00.00.H61", &f).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("vòng lặp"), "{html}");
}

fn intake() -> IntakeRequest {
    IntakeRequest {
        procedure_code: BIRTH.into(),
        channel: Channel::Counter,
        receiving_agency: None,
        competent_agency: None,
        applicant: Applicant {
            name: "Nguyễn Văn Dân".into(),
            kind: 1,
            id_number: "086099000123".into(),
            phone: "0912345678".into(),
            email: String::new(),
            address: "Phường Phú Khương".into(),
        },
        form: serde_json::json!({}),
        attachments: vec![],
        comment: None,
    }
}

#[tokio::test]
async fn workflow_edits_are_validated_previewed_and_saved_as_a_new_version() {
    let s = demo().await;
    let officer = s.app.store.user("mc-phukhuong").await.unwrap().unwrap();
    let mut codes = Vec::new();
    for _ in 0..2 {
        let d = s
            .app
            .submit_dossier(&officer, intake(), None)
            .await
            .expect("intake");
        codes.push(d.code);
    }
    let mut v = signed_in(&s, "qt-tinh").await;
    let page = "/quan-tri/thu-tuc/1.001193";
    let (_, _, html) = v.get(&s, page).await;
    let token = csrf_field(&html);
    assert!(html.contains("Tiếp nhận hồ sơ"), "the steps are shown");

    let current = s.app.store.workflow(&birth()).await.unwrap().unwrap();
    assert_eq!(current.version, 1);
    let mut def = serde_json::to_value(&current).unwrap();

    // Invalid: the shares no longer add up to 100.
    def["steps"][1]["share_percent"] = 60.into();
    let (status, _, html) = v
        .post_form(
            &s,
            &format!("{page}/xem-truoc"),
            &[("csrf", &token), ("definition", &def.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("110%") && html.contains("id=\"form-errors\""),
        "{html}"
    );
    // Not JSON at all.
    let (status, _, html) = v
        .post_form(
            &s,
            &format!("{page}/xem-truoc"),
            &[("csrf", &token), ("definition", "{ steps: ")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("JSON"), "{html}");

    // Unchanged: previewed (the live dossiers are listed), but it cannot be saved.
    let same = serde_json::to_value(&current).unwrap().to_string();
    let (status, _, html) = v
        .post_form(
            &s,
            &format!("{page}/xem-truoc"),
            &[("csrf", &token), ("definition", &same)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(text_of(&html, "live-count"), "2");
    assert!(html.contains("id=\"unchanged\"") && !html.contains("id=\"save-workflow\""));
    let (status, _, _) = v
        .post_form(
            &s,
            &format!("{page}/luu"),
            &[("csrf", &token), ("definition", &same), ("based_on", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Valid: appraisal gets more time, approval less. The preview lists the live dossiers.
    def["steps"][1]["share_percent"] = 55.into();
    def["steps"][2]["share_percent"] = 15.into();
    def["steps"][1]["name"] = "Thẩm định, xác minh".into();
    let text = def.to_string();
    let (status, _, html) = v
        .post_form(
            &s,
            &format!("{page}/xem-truoc"),
            &[("csrf", &token), ("definition", &text)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(text_of(&html, "live-count"), "2");
    assert_eq!(text_of(&html, "pinned-1"), "2");
    assert_eq!(text_of(&html, "new-version"), "2");
    for code in &codes {
        assert!(html.contains(code.as_str()), "{code} listed");
    }
    // Nothing saved by a preview.
    assert_eq!(
        s.app
            .store
            .workflow(&birth())
            .await
            .unwrap()
            .unwrap()
            .version,
        1
    );

    let (status, h, body) = v
        .post_form(
            &s,
            &format!("{page}/luu"),
            &[("csrf", &token), ("definition", &text), ("based_on", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location(&h), format!("{page}?tb=luu&phien-ban=2"));
    let stored = s.app.store.workflow(&birth()).await.unwrap().unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(stored.steps[1].name, "Thẩm định, xác minh");
    assert_eq!(
        s.app
            .store
            .workflow_version(&birth(), 1)
            .await
            .unwrap()
            .unwrap(),
        current,
        "version 1 is never edited"
    );
    // A stale save (based on version 1) is refused.
    let (status, _, html) = v
        .post_form(
            &s,
            &format!("{page}/luu"),
            &[("csrf", &token), ("definition", &text), ("based_on", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");

    // The old dossiers stay on version 1; a new one takes version 2.
    let new = s
        .app
        .submit_dossier(&officer, intake(), None)
        .await
        .unwrap();
    let stored = s
        .app
        .store
        .dossier_by_code(&new.code.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.dossier.workflow_version, 2);
    def["steps"][1]["name"] = "Thẩm định".into();
    let (status, _, html) = v
        .post_form(
            &s,
            &format!("{page}/xem-truoc"),
            &[("csrf", &token), ("definition", &def.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(text_of(&html, "live-count"), "3");
    assert_eq!(text_of(&html, "pinned-1"), "2");
    assert_eq!(text_of(&html, "pinned-2"), "1");
    assert_eq!(text_of(&html, "new-version"), "3");
    let (_, _, html) = v.get(&s, &format!("{page}?phien-ban=1")).await;
    assert!(html.contains("Phiên bản 1"), "{html}");
}

#[tokio::test]
async fn adding_a_holiday_moves_due_dates() {
    let s = demo().await;
    let due = || async {
        let (status, v) = get_json(
            &s,
            "/api/v1/calendar/due?from=2026-03-02T08:00&limit=1%20working%20day",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v["due"].as_str().unwrap().to_string()
    };
    assert_eq!(due().await, "2026-03-03T08:00:00");
    let mut v = signed_in(&s, "qt-tinh").await;
    let (_, _, html) = v.get(&s, "/quan-tri/lich?nam=2026").await;
    let token = csrf_field(&html);
    let before: u32 = text_of(&html, "working-days").parse().unwrap();

    let (status, h, body) = v
        .post_form(
            &s,
            "/quan-tri/lich",
            &[
                ("csrf", &token),
                ("date", "03/03/2026"),
                ("kind", "holiday"),
                ("name", "Nghỉ đột xuất"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, _, html) = v.get(&s, &location(&h)).await;
    assert_eq!(
        text_of(&html, "working-days").parse::<u32>().unwrap(),
        before - 1
    );
    assert!(
        html.contains(&format!("{before} → {}", before - 1)),
        "the effect is shown: {html}"
    );
    assert!(html.contains("id=\"entry-2026-03-03\""));
    assert_eq!(due().await, "2026-03-04T08:00:00");

    // Impossible dates and a second entry for the same date are refused.
    for (date, expect) in [
        ("2026-02-30", "Ngày không hợp lệ"),
        ("31/04/2026", "Ngày không hợp lệ"),
        ("2026-03-03", "đã được điều chỉnh"),
    ] {
        let (status, _, html) = v
            .post_form(
                &s,
                "/quan-tri/lich",
                &[
                    ("csrf", &token),
                    ("date", date),
                    ("kind", "working_day"),
                    ("name", "Thử"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{date}");
        assert!(html.contains(expect), "{date}: {html}");
    }
    assert_eq!(due().await, "2026-03-04T08:00:00");

    // Removing the entry gives the day back.
    let (status, _, _) = v
        .post_form(
            &s,
            "/quan-tri/lich/xoa",
            &[("csrf", &token), ("date", "2026-03-03")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(due().await, "2026-03-03T08:00:00");
}

#[tokio::test]
async fn admin_forms_require_the_csrf_token() {
    let s = demo().await;
    let mut v = signed_in(&s, "qt-tinh").await;
    let cases: &[(&str, Vec<(&str, &str)>)] = &[
        (
            "/quan-tri/lich",
            vec![("date", "2026-03-03"), ("kind", "holiday"), ("name", "X")],
        ),
        (
            "/quan-tri/nguoi-dung",
            vec![
                ("id", "x-csrf"),
                ("name", "X"),
                ("agency", "000.01.90.H61"),
                ("roles", "leader"),
            ],
        ),
        ("/quan-tri/nguoi-dung/mc-phukhuong/khoa", vec![]),
        ("/quan-tri/nguoi-dung/mc-phukhuong/token", vec![]),
        (
            "/quan-tri/co-quan",
            vec![
                ("eid", "000.61.91.H61"),
                ("name", "X"),
                ("level", "commune"),
                ("valid_from", "2026-01-01"),
            ],
        ),
    ];
    for (uri, fields) in cases {
        for bad in [None, Some("0".repeat(64))] {
            let mut f = fields.clone();
            if let Some(t) = &bad {
                f.push(("csrf", t));
            }
            let (status, _, body) = v.post_form(&s, uri, &f).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{uri}: {body}");
            assert!(body.contains("csrf_failed"), "{uri}");
        }
    }
    assert!(s.app.store.user("x-csrf").await.unwrap().is_none());
    assert!(
        !s.app
            .store
            .user("mc-phukhuong")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
    assert!(s
        .app
        .calendar_entries(2026)
        .await
        .unwrap()
        .iter()
        .all(|e| e.date.to_string() != "2026-03-03"));
}

#[test]
fn every_problem_code_has_a_message() {
    let source = include_str!("../../../tinhso-app/src/admin.rs");
    let mut missing = Vec::new();
    let mut checked = 0;
    for marker in ["Problem::new(", "AdminError::one("] {
        for part in source.split(marker).skip(1) {
            // (field, "code", detail): the second argument.
            let Some(code) = part.split(',').nth(1) else {
                continue;
            };
            let Some(code) = code
                .trim()
                .strip_prefix('"')
                .and_then(|c| c.strip_suffix('"'))
            else {
                continue;
            };
            if !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                checked += 1;
                let key = format!("admin.problem.{code}");
                if !tinhso_web::html::i18n::has(&key) {
                    missing.push(key);
                }
            }
        }
    }
    assert_eq!(missing, Vec::<String>::new());
    assert!(
        checked >= 20,
        "only {checked} codes found: the scan is broken"
    );
}
