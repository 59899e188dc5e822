//! The account pages, in process: registration, identity verification against the population
//! stand-in (over real HTTP on a loopback port), throttled sign-in, password reset through
//! the development mailbox, sign out everywhere — and their error cases.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{header, StatusCode};
use tinhso_app::progress::NoProgress;
use tinhso_app::{App, AppSettings, FixedClock};
use tinhso_web::{router, AppState, Metrics};

use crate::pages::{csrf_field, Visitor};
use crate::TestServer;

const SECRET: &str = "web-population-secret-0123";
const PASSWORD: &str = "trâu-ăn-cỏ-bên-sông";

struct AccountServer {
    s: TestServer,
    _population: tokio::task::JoinHandle<()>,
}

impl Drop for AccountServer {
    fn drop(&mut self) {
        self._population.abort();
    }
}

/// A demo-loaded server with the development mailbox on and the population stand-in on a
/// random loopback port.
async fn account_server() -> AccountServer {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "tinhso_web_accounts_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let store = tinhso_app::open_store(&format!("sqlite://{}/t.sqlite3", dir.display()))
        .await
        .expect("store");
    let clock = Arc::new(FixedClock::new("2026-03-02T02:00:00Z".parse().expect("ts")));
    let settings = AppSettings {
        dev_mailbox: true,
        ..AppSettings::default()
    };
    let service =
        tinhso_population::Service::new(tinhso_population::Registry::generate(1, 50, "86"), SECRET)
            .expect("population");
    let (addr, task) = service
        .spawn(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("listen");
    let source =
        tinhso_app::population::HttpPopulationSource::new(&format!("http://{addr}"), SECRET)
            .expect("client");
    let app = App::new(store, clock, settings)
        .await
        .expect("app")
        .with_population(Arc::new(source));
    app.load_demo(&NoProgress).await.expect("demo");
    let app = Arc::new(app);
    let router = router(AppState {
        app: app.clone(),
        metrics: Metrics::install(),
    });
    AccountServer {
        s: TestServer {
            router,
            app,
            _dir: dir,
        },
        _population: task,
    }
}

/// Gets a form page and posts `fields` to it with the page's CSRF token.
async fn submit(
    v: &mut Visitor,
    s: &TestServer,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, String) {
    let (status, _, html) = v.get(s, page).await;
    assert_eq!(status, StatusCode::OK, "{page}: {html}");
    let csrf = csrf_field(&html);
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    v.post_form(s, action, &all).await
}

async fn register(
    v: &mut Visitor,
    s: &TestServer,
    login: &str,
    password: &str,
) -> (StatusCode, String) {
    let (status, headers, body) = submit(
        v,
        s,
        "/tai-khoan/dang-ky",
        "/tai-khoan/dang-ky",
        &[
            ("login", login),
            ("full_name", "Nguyễn Thị Hồng Nhung"),
            ("password", password),
            ("password_again", password),
        ],
    )
    .await;
    let location = headers
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_string();
    (
        status,
        if status == StatusCode::SEE_OTHER {
            location
        } else {
            body
        },
    )
}

#[tokio::test]
async fn registration_and_its_refusals() {
    let a = account_server().await;
    let s = &a.s;
    let mut v = Visitor::new();
    let (status, _, html) = v.get(s, "/tai-khoan/dang-ky").await;
    assert_eq!(status, StatusCode::OK);
    for id in ["login", "full_name", "password", "password_again"] {
        assert!(html.contains(&format!("<label for=\"{id}\"")), "{id}");
    }
    assert!(html.contains("Tạo tài khoản công dân"), "Vietnamese first");

    let (status, body) = register(&mut v, s, "012 345", PASSWORD).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("Số điện thoại di động không hợp lệ"),
        "{body}"
    );
    assert!(body.contains("value=\"012 345\""), "what was typed is kept");
    assert!(!body.contains(PASSWORD), "never the password");

    let (status, body) = register(&mut v, s, "0912345678", "12345678").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Mật khẩu quá ngắn"), "{body}");
    let (status, body) = register(&mut v, s, "0912345678", "password2026!").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("quá phổ biến"), "{body}");

    let (status, _, html) = v.get(s, "/tai-khoan/dang-ky").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_field(&html);
    let (status, _, body) = v
        .post_form(
            s,
            "/tai-khoan/dang-ky",
            &[
                ("csrf", &csrf),
                ("login", "0912345678"),
                ("full_name", "A"),
                ("password", PASSWORD),
                ("password_again", "something else"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("Hai lần nhập mật khẩu không giống nhau"),
        "{body}"
    );
    // A forged form (wrong CSRF token) changes nothing.
    let (status, _, _) = v
        .post_form(
            s,
            "/tai-khoan/dang-ky",
            &[
                ("csrf", &"0".repeat(64)),
                ("login", "0912345678"),
                ("full_name", "A"),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(s
        .app
        .store
        .citizen_by_login("0912345678")
        .await
        .expect("read")
        .is_none());

    let (status, location) = register(&mut v, s, "+84 912 345 678", PASSWORD).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/tai-khoan?moi=1")
    );
    let (status, _, html) = v.get(s, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("09******78"), "the login, masked: {html}");
    assert!(html.contains("Mức 1"), "{html}");
    assert!(
        !html.contains("0912345678"),
        "no full phone number on the page"
    );

    let mut other = Visitor::new();
    let (status, body) = register(&mut other, s, "0912345678", PASSWORD).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("đã có tài khoản"), "{body}");
}

#[tokio::test]
async fn identity_verification_reaches_level_2() {
    let a = account_server().await;
    let s = &a.s;
    let mut v = Visitor::new();
    register(&mut v, s, "nhung@example.vn", PASSWORD).await;
    let verify = |id: &'static str, born: &'static str| {
        [
            ("id_number", id),
            ("full_name", "Nguyễn Thị Hồng Nhung"),
            ("date_of_birth", born),
        ]
    };
    let (status, _, body) = submit(
        &mut v,
        s,
        "/tai-khoan/xac-thuc",
        "/tai-khoan/xac-thuc",
        &verify("08619001234", "1990-05-12"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("12 chữ số"), "{body}");
    let (status, _, body) = submit(
        &mut v,
        s,
        "/tai-khoan/xac-thuc",
        "/tai-khoan/xac-thuc",
        &verify("086190012345", "1990-05-13"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("không khớp"), "{body}");
    assert!(
        !body.contains("086190012345"),
        "the ID number is not echoed"
    );
    let (status, headers, _) = submit(
        &mut v,
        s,
        "/tai-khoan/xac-thuc",
        "/tai-khoan/xac-thuc",
        &verify("086190012345", "1990-05-12"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/tai-khoan?xac_thuc=1");
    let (_, _, html) = v.get(s, "/tai-khoan?xac_thuc=1").await;
    assert!(html.contains("Mức 2"), "{html}");
    assert!(
        html.contains("02/03/2026"),
        "verified on, Vietnamese date: {html}"
    );

    // Officers have no identity to verify here; anonymous visitors are sent to sign in.
    s.app.load_demo_users().await.expect("demo users");
    let mut officer = Visitor::new();
    officer
        .sign_in(s, "mc-phukhuong", tinhso_app::demo::DEMO_PASSWORD)
        .await;
    let (status, _, _) = officer.get(s, "/tai-khoan/xac-thuc").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, headers, _) = Visitor::new().get(s, "/tai-khoan/xac-thuc").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(headers[header::LOCATION]
        .to_str()
        .unwrap_or("")
        .starts_with("/dang-nhap"));
}

#[tokio::test]
async fn sign_in_is_throttled_with_a_localized_429() {
    let a = account_server().await;
    let s = &a.s;
    register(&mut Visitor::new(), s, "0912345678", PASSWORD).await;
    let mut v = Visitor::new();
    for _ in 0..5 {
        let (status, _, body) = submit(
            &mut v,
            s,
            "/dang-nhap",
            "/dang-nhap",
            &[
                ("account", "0912 345 678"),
                ("password", "not the password"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    let (status, headers, body) = submit(
        &mut v,
        s,
        "/dang-nhap",
        "/dang-nhap",
        &[("account", "0912345678"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers[header::RETRY_AFTER], "30");
    assert!(body.contains("thử sai quá nhiều lần"), "{body}");
}

#[tokio::test]
async fn password_reset_through_the_dev_mailbox_and_a_replayed_link() {
    let a = account_server().await;
    let s = &a.s;
    let mut owner = Visitor::new();
    register(&mut owner, s, "0912345678", PASSWORD).await;

    let mut v = Visitor::new();
    let (status, _, body) = submit(
        &mut v,
        s,
        "/tai-khoan/quen-mat-khau",
        "/tai-khoan/quen-mat-khau",
        &[("login", "0912345678")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("id=\"reset-sent\""), "{body}");
    // An unknown account gets the very same page.
    let (_, _, unknown) = submit(
        &mut v,
        s,
        "/tai-khoan/quen-mat-khau",
        "/tai-khoan/quen-mat-khau",
        &[("login", "0900000000")],
    )
    .await;
    assert!(unknown.contains("id=\"reset-sent\""), "{unknown}");

    let (status, headers, mailbox) = v.get(s, "/dev/hop-thu").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    let link = mailbox
        .split("href=\"")
        .find_map(|p| {
            p.split('"')
                .next()
                .filter(|h| h.contains("dat-lai-mat-khau"))
        })
        .expect("the reset link in the mailbox")
        .to_string();
    let path = link
        .trim_start_matches("http://127.0.0.1:8080")
        .replace("&amp;", "&");

    let (status, headers, form) = v.get(s, &path).await;
    assert_eq!(status, StatusCode::OK, "{form}");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    let token = path.split("ma=").nth(1).expect("token").to_string();
    let new_password = "một-mật-khẩu-mới-2026";
    let reset = |pw: &'static str| {
        [
            ("ma", token.clone()),
            ("password", pw.to_string()),
            ("password_again", pw.to_string()),
        ]
    };
    let weak = reset("short");
    let fields: Vec<(&str, &str)> = weak.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, body) = submit(&mut v, s, &path, "/tai-khoan/dat-lai-mat-khau", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains(&token),
        "a weak password keeps the link usable"
    );
    let good = reset(new_password);
    let fields: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, headers, _) =
        submit(&mut v, s, &path, "/tai-khoan/dat-lai-mat-khau", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/dang-nhap?dat_lai=1");

    // The owner's old session ended; the new password signs in.
    let (status, _, _) = owner.get(s, "/tai-khoan").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    Visitor::new().sign_in(s, "0912345678", new_password).await;

    // Replayed: the link is spent, on the page and on a second post.
    let (status, _, body) = v.get(s, &path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(body.contains("đã được dùng"), "{body}");
    let (_, _, page) = v.get(s, "/tai-khoan/quen-mat-khau").await;
    let csrf = csrf_field(&page);
    let again = reset("another-password-2026");
    let mut fields: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    fields.extend(again.iter().map(|(k, v)| (*k, v.as_str())));
    let (status, _, body) = v.post_form(s, "/tai-khoan/dat-lai-mat-khau", &fields).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(body.contains("đã được dùng"), "{body}");
    let (status, _, _) = v.get(s, "/tai-khoan/dat-lai-mat-khau?ma=zzz").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session() {
    let a = account_server().await;
    let s = &a.s;
    let mut phone = Visitor::new();
    register(&mut phone, s, "0912345678", PASSWORD).await;
    let mut laptop = Visitor::new();
    laptop.sign_in(s, "0912345678", PASSWORD).await;
    let (status, _, _) = laptop.get(s, "/tai-khoan").await;
    assert_eq!(status, StatusCode::OK);

    // Without the form's token nothing happens.
    let (status, _, _) = phone
        .post_form(s, "/tai-khoan/dang-xuat-moi-noi", &[("csrf", "forged")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = laptop.get(s, "/tai-khoan").await;
    assert_eq!(status, StatusCode::OK);

    let (status, headers, _) = submit(
        &mut phone,
        s,
        "/tai-khoan",
        "/tai-khoan/dang-xuat-moi-noi",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(headers[header::LOCATION]
        .to_str()
        .unwrap_or("")
        .starts_with("/dang-nhap"));
    for v in [&mut phone, &mut laptop] {
        let (status, _, _) = v.get(s, "/tai-khoan").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "signed out");
    }
}

#[tokio::test]
async fn the_dev_mailbox_is_absent_unless_turned_on() {
    let s = crate::server().await;
    let (status, _, body) = Visitor::new().get(&s, "/dev/hop-thu").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("Không tìm thấy"), "{body}");
}
