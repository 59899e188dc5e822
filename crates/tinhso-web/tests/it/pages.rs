//! The HTML skeleton: security headers, assets, the catalogs, sign-in with CSRF, languages.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::{server, TestServer};

/// Sends a request; returns status, headers and body text.
pub async fn send(s: &TestServer, req: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let resp = s.router.clone().oneshot(req).await.expect("response");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// The value a `Set-Cookie` header gives cookie `name`.
pub fn set_cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            let first = c.split(';').next()?;
            let (k, v) = first.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// The text of the element with `id` up to the next tag (panics, showing the page, when absent).
pub fn text_of(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[at..];
    let start = rest.find('>').expect("tag end") + 1;
    rest[start..]
        .split('<')
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

/// The value of the hidden `csrf` field of a page.
pub fn csrf_field(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    html[at..].split('"').next().expect("value").to_string()
}

/// A browser-like visitor: keeps its cookies.
pub struct Visitor {
    pub cookies: Vec<(String, String)>,
}

impl Visitor {
    pub fn new() -> Self {
        Self {
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, headers: &HeaderMap) {
        for c in headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            let Some((k, v)) = c.split(';').next().and_then(|f| f.split_once('=')) else {
                continue;
            };
            self.cookies.retain(|(name, _)| name != k);
            if !c.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
    }

    pub async fn get(&mut self, s: &TestServer, uri: &str) -> (StatusCode, HeaderMap, String) {
        let req = Request::get(uri)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .expect("request");
        let out = send(s, req).await;
        self.keep(&out.1);
        out
    }

    pub async fn post_form(
        &mut self,
        s: &TestServer,
        uri: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", tinhso_web::html::session::encode_query(v)))
            .collect::<Vec<_>>()
            .join("&");
        let req = Request::post(uri)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        let out = send(s, req).await;
        self.keep(&out.1);
        out
    }

    /// Signs in through the sign-in page; panics unless it works.
    pub async fn sign_in(&mut self, s: &TestServer, account: &str, password: &str) -> String {
        let (_, _, html) = self.get(s, "/dang-nhap").await;
        let csrf = csrf_field(&html);
        let (status, headers, body) = self
            .post_form(
                s,
                "/dang-nhap",
                &[
                    ("csrf", &csrf),
                    ("account", account),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        headers[header::LOCATION]
            .to_str()
            .expect("location")
            .to_string()
    }
}

async fn with_demo_users() -> TestServer {
    let s = server().await;
    s.app.load_demo_users().await.expect("demo users");
    s
}

#[tokio::test]
async fn pages_carry_the_security_headers_and_json_is_nosniff() {
    let s = server().await;
    let (status, h, html) = send(&s, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    // Plain HTTP deployment: no HSTS, no Secure flag.
    assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none());
    let csrf = set_cookie_value(&h, "tinhso_csrf").expect("anonymous csrf cookie");
    assert_eq!(csrf.len(), 64);
    // No inline script or style anywhere (the CSP would block them).
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "{html}"
    );
    assert!(!html.contains("<style"), "{html}");

    let (_, h, _) = send(
        &s,
        Request::get("/api/v1/agencies")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(h.get(header::CONTENT_SECURITY_POLICY).is_none());
    assert!(set_cookie_value(&h, "tinhso_csrf").is_none());
}

#[tokio::test]
async fn assets_are_served_with_their_types_and_cached() {
    let s = server().await;
    let (_, _, html) = send(&s, Request::get("/").body(Body::empty()).unwrap()).await;
    let css = html
        .split("href=\"")
        .find(|p| p.starts_with("/static/tinhso.css?v="))
        .and_then(|p| p.split('"').next())
        .expect("stylesheet link")
        .to_string();
    let (status, h, body) = send(&s, Request::get(&css).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(h[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert!(body.contains("Be Vietnam Pro"));
    for (path, ct) in [
        (
            "/static/vendor/htmx-2.0.11.min.js",
            "text/javascript; charset=utf-8",
        ),
        (
            "/static/vendor/be-vietnam-pro-5.3.0-vietnamese-400.woff2",
            "font/woff2",
        ),
    ] {
        let (status, h, _) = send(&s, Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(h[header::CONTENT_TYPE], ct, "{path}");
    }
    let (status, h, body) = send(
        &s,
        Request::get("/static/../Cargo.toml")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(h[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(body.contains("Không tìm thấy"), "{body}");
    // Unknown API paths stay JSON.
    let (status, h, _) = send(
        &s,
        Request::get("/api/v1/nothing").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(h[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
}

#[test]
fn catalogs_parse_and_every_used_key_exists() {
    use tinhso_web::html::i18n;
    assert_eq!(i18n::problems(), Vec::<String>::new());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    let mut stack = vec![root.join("templates"), root.join("src/html")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            // `p.t("key")` in templates, `page.t("key")` / `.t("key")` in handlers.
            for part in text.split(".t(\"").skip(1) {
                let key = part.split('"').next().unwrap_or("");
                // `area.key` is the placeholder of the docs.
                if key != "area.key" && !i18n::has(key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
    }
    assert_eq!(
        missing,
        Vec::<String>::new(),
        "keys used but not in i18n/*.toml"
    );
}

#[tokio::test]
async fn an_officer_signs_in_sees_their_name_and_signs_out() {
    let s = with_demo_users().await;
    let mut v = Visitor::new();
    let home = v
        .sign_in(&s, "mc-phukhuong", tinhso_app::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(home, "/can-bo");
    let session = v
        .cookies
        .iter()
        .find(|(k, _)| k == "tinhso_session")
        .expect("session cookie")
        .1
        .clone();
    assert_eq!(session.len(), 64);

    let (status, _, html) = v.get(&s, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Trần Thị Mai") || html.contains("Đăng xuất"),
        "{html}"
    );
    assert!(html.contains("Đăng xuất"));
    // The CSRF token of a signed-in page is bound to the session, not the anonymous cookie.
    let csrf = csrf_field(&html);
    assert_eq!(csrf, tinhso_app::sessions::csrf_token(&session));

    // Sign out: the session stops working.
    let (status, h, _) = v.post_form(&s, "/dang-xuat", &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(h
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("tinhso_session=;")));
    assert_eq!(s.app.session_user(&session).await.unwrap(), None);
}

#[tokio::test]
async fn the_session_cookie_is_httponly_and_lax() {
    let s = with_demo_users().await;
    let mut v = Visitor::new();
    let (_, _, html) = v.get(&s, "/dang-nhap?tiep=/thu-tuc").await;
    let csrf = csrf_field(&html);
    let (status, h, _) = v
        .post_form(
            &s,
            "/dang-nhap",
            &[
                ("csrf", &csrf),
                ("account", "cong-dan-demo"),
                ("password", tinhso_app::demo::DEMO_PASSWORD),
                ("tiep", "/thu-tuc"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/thu-tuc");
    let cookie = h
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().to_string())
        .find(|c| c.starts_with("tinhso_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(cookie.contains("Max-Age=43200"), "{cookie}");
}

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_get_the_same_answer() {
    let s = with_demo_users().await;
    for (account, password) in [
        ("mc-phukhuong", "wrong-password"),
        ("nobody-here", "whatever-1"),
    ] {
        let mut v = Visitor::new();
        let (_, _, html) = v.get(&s, "/dang-nhap").await;
        let csrf = csrf_field(&html);
        let (status, h, html) = v
            .post_form(
                &s,
                "/dang-nhap",
                &[
                    ("csrf", &csrf),
                    ("account", account),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{account}");
        assert!(html.contains("Sai tài khoản hoặc mật khẩu"), "{html}");
        assert!(set_cookie_value(&h, "tinhso_session").is_none());
        // The account typed is kept, the password is not echoed.
        assert!(html.contains(account) && !html.contains(password));
    }
}

#[tokio::test]
async fn forms_without_the_csrf_token_or_from_elsewhere_are_refused() {
    let s = with_demo_users().await;
    let mut v = Visitor::new();
    let (_, _, html) = v.get(&s, "/dang-nhap").await;
    let csrf = csrf_field(&html);
    let pw = tinhso_app::demo::DEMO_PASSWORD;
    for fields in [
        vec![("account", "mc-phukhuong"), ("password", pw)],
        vec![
            ("csrf", "0000"),
            ("account", "mc-phukhuong"),
            ("password", pw),
        ],
    ] {
        let (status, h, body) = v.post_form(&s, "/dang-nhap", &fields).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body.contains("csrf_failed"), "{body}");
        assert!(set_cookie_value(&h, "tinhso_session").is_none());
    }
    // A cross-site post carrying a (stolen) token is refused by its Origin.
    let req = Request::post("/dang-nhap")
        .header(header::COOKIE, format!("tinhso_csrf={csrf}"))
        .header(header::ORIGIN, "https://evil.example")
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "csrf={csrf}&account=mc-phukhuong&password={pw}"
        )))
        .unwrap();
    let (status, _, _) = send(&s, req).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_language_switch_remembers_english_and_refuses_open_redirects() {
    let s = server().await;
    let mut v = Visitor::new();
    let (status, h, _) = v.get(&s, "/ngon-ngu?chon=en&tiep=/dang-nhap").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/dang-nhap");
    let (_, _, html) = v.get(&s, "/dang-nhap").await;
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains("Wrong account") || html.contains("Sign in"));
    assert!(html.contains("Tiếng Việt"));
    for evil in ["//evil.example", "https://evil.example/x"] {
        let (_, h, _) = v
            .get(
                &s,
                &format!(
                    "/ngon-ngu?chon=vi&tiep={}",
                    tinhso_web::html::session::encode_query(evil)
                ),
            )
            .await;
        assert_eq!(h[header::LOCATION], "/", "{evil}");
    }
}

#[tokio::test]
async fn pages_needing_a_user_send_visitors_to_sign_in() {
    // Checked on the page context itself, so every area's pages behave alike.
    let page_error = tinhso_web::html::PageError::SignIn("/can-bo?q=1".into());
    let resp = axum::response::IntoResponse::into_response(page_error);
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        resp.headers()[header::LOCATION],
        "/dang-nhap?tiep=/can-bo%3Fq%3D1"
    );
}
