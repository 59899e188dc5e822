//! The page context: who is looking (session cookie), in which language, with which CSRF token.
//!
//! - [`Page`] is extracted by every page handler. It never fails: an anonymous visitor is a
//!   `Page` without a user. Handlers that need a user call [`Page::require_user`] (redirects to
//!   the sign-in page) or [`Page::require_role`].
//! - CSRF: every form carries a hidden `csrf` field ([`Page::csrf`]); POST handlers call
//!   [`Page::check_csrf`] (or extract [`CsrfForm`]). Signed in, the token is derived from the
//!   session token (`tinhso_app::sessions::csrf_token`); anonymous, it is the double-submit
//!   cookie `tinhso_csrf` set by the security middleware. A cross-site `Origin` is refused too.
//! - Cookies: `tinhso_session` (HttpOnly, SameSite=Lax, Secure behind TLS), `tinhso_lang`.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use tinhso_domain::dossier::Role;
use tinhso_store::dossiers::User;

use super::i18n::{self, Lang};
use super::security::AnonCsrf;
use crate::error::ErrorCode;
use crate::AppState;

pub const SESSION_COOKIE: &str = "tinhso_session";
pub const LANG_COOKIE: &str = "tinhso_lang";

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure behind TLS; `max_age` None is a
/// browser-session cookie, Some(0) deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// 32 random bytes as 64 hex digits (all-zero only if the OS has no randomness at all).
pub fn random_token() -> String {
    let buf = tinhso_app::identity::random_bytes::<32>().unwrap_or_else(|e| {
        tracing::error!("no randomness available / không có nguồn ngẫu nhiên: {e}");
        [0u8; 32]
    });
    hex::encode(buf)
}

/// A link of the site navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What every page template receives as `p`.
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    pub user: Option<User>,
    /// The CSRF token to put in every form.
    pub csrf: String,
    /// Path and query of this request (for `next` links).
    pub path: String,
    /// The public URL is https:// (cookies get `Secure`).
    pub secure: bool,
    /// The public transparency page `/minh-bach` is published (a setting).
    pub transparency: bool,
    /// The session token, when signed in (never rendered).
    session: Option<String>,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = cookie(&parts.headers, LANG_COOKIE)
            .map(Lang::parse)
            .unwrap_or_default();
        let session = cookie(&parts.headers, SESSION_COOKIE).map(str::to_string);
        let user = match &session {
            Some(token) => state.app.session_user(token).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "session look-up failed");
                None
            }),
            None => None,
        };
        let session = session.filter(|_| user.is_some());
        let csrf = match &session {
            Some(token) => tinhso_app::sessions::csrf_token(token),
            None => parts
                .extensions
                .get::<AnonCsrf>()
                .map(|c| c.0.clone())
                .unwrap_or_default(),
        };
        Ok(Page {
            lang,
            user,
            csrf,
            path: parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string(),
            secure: state.app.settings.public_url.starts_with("https://"),
            transparency: state.app.settings.transparency.enabled,
            session,
        })
    }
}

impl Page {
    /// A message of the catalog in this page's language.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        i18n::t(self.lang, key)
    }

    /// The URL of a static asset, with a content hash so it can be cached for ever.
    pub fn asset(&self, name: &str) -> String {
        super::assets::url(name)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The link that switches to the other language and comes back here.
    pub fn switch_url(&self) -> String {
        format!(
            "/ngon-ngu?chon={}&tiep={}",
            self.lang.other().code(),
            encode_query(&self.path)
        )
    }

    /// The session token (for sign-out).
    pub fn session_token(&self) -> Option<&str> {
        self.session.as_deref()
    }

    pub fn signed_in(&self) -> bool {
        self.user.is_some()
    }

    pub fn user_name(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.name.as_str())
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| !u.disabled && u.roles.contains(&role))
    }

    pub fn is_citizen(&self) -> bool {
        self.has_role(Role::Applicant)
    }

    /// Moves dossiers: one-stop officer, specialist, leader or clerk.
    pub fn is_officer(&self) -> bool {
        [
            Role::OneStopOfficer,
            Role::Specialist,
            Role::Leader,
            Role::Clerk,
        ]
        .iter()
        .any(|r| self.has_role(*r))
    }

    pub fn is_leader(&self) -> bool {
        self.has_role(Role::Leader)
    }

    pub fn is_admin(&self) -> bool {
        self.has_role(Role::AgencyAdmin) || self.has_role(Role::ProvinceAdmin)
    }

    /// The navigation for this visitor (by role); the current page marked.
    pub fn nav(&self) -> Vec<NavItem> {
        let mut items: Vec<(&'static str, &'static str)> =
            vec![("/thu-tuc", "nav.procedures"), ("/tra-cuu", "nav.lookup")];
        if self.transparency {
            items.push(("/minh-bach", "nav.transparency"));
        }
        if self.is_citizen() {
            items.push(("/ho-so-cua-toi", "nav.my_dossiers"));
        }
        if self.is_officer() {
            items.push(("/can-bo", "nav.officer"));
        }
        if self.is_leader() || self.is_admin() {
            items.push(("/dieu-hanh", "nav.ioc"));
        }
        if self.is_admin() {
            items.push(("/quan-tri", "nav.admin"));
        }
        let here = self.path.split('?').next().unwrap_or("/");
        items
            .into_iter()
            .map(|(href, key)| NavItem {
                href,
                label: i18n::t(self.lang, key),
                current: here == href || here.starts_with(&format!("{href}/")),
            })
            .collect()
    }

    /// Where a user lands after signing in (by role).
    pub fn home_of(user: &User) -> &'static str {
        let has = |r: Role| user.roles.contains(&r);
        if has(Role::Applicant) {
            "/ho-so-cua-toi"
        } else if has(Role::OneStopOfficer) || has(Role::Specialist) || has(Role::Clerk) {
            "/can-bo"
        } else if has(Role::Leader) {
            "/dieu-hanh"
        } else if has(Role::AgencyAdmin) || has(Role::ProvinceAdmin) {
            "/quan-tri"
        } else {
            "/"
        }
    }

    /// The signed-in user, or a redirect to the sign-in page that comes back here.
    pub fn require_user(&self) -> Result<&User, PageError> {
        self.user
            .as_ref()
            .ok_or_else(|| PageError::SignIn(self.path.clone()))
    }

    /// The signed-in user if they hold one of `roles`; 403 otherwise.
    pub fn require_role(&self, roles: &[Role]) -> Result<&User, PageError> {
        let user = self.require_user()?;
        if roles.iter().any(|r| user.roles.contains(r)) {
            Ok(user)
        } else {
            Err(PageError::code(ErrorCode::Forbidden))
        }
    }

    /// Checks a submitted CSRF token (constant time) and the `Origin`, if the browser sent one.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), PageError> {
        let same = !self.csrf.is_empty()
            && tinhso_app::identity::constant_time_eq(&self.csrf, submitted.trim());
        if same {
            Ok(())
        } else {
            Err(PageError::code(ErrorCode::CsrfFailed))
        }
    }

    /// Vietnamese date: 13/02/2026.
    pub fn date(&self, d: &jiff::civil::Date) -> String {
        format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
    }

    /// Vietnamese date-time: "16:00 13/02/2026".
    pub fn datetime(&self, dt: &jiff::civil::DateTime) -> String {
        format!(
            "{:02}:{:02} {:02}/{:02}/{:04}",
            dt.hour(),
            dt.minute(),
            dt.day(),
            dt.month(),
            dt.year()
        )
    }

    /// Money in đồng: "1.250.000 đ" (Vietnamese groups with dots), "1,250,000 VND" in English.
    pub fn money(&self, amount: i64) -> String {
        format_money(self.lang, amount)
    }
}

/// Money in đồng with the language's digit grouping.
pub fn format_money(lang: Lang, amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let sep = if lang == Lang::Vi { '.' } else { ',' };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(sep);
        }
        grouped.push(c);
    }
    let sign = if amount < 0 { "-" } else { "" };
    match lang {
        Lang::Vi => format!("{sign}{grouped} đ"),
        Lang::En => format!("{sign}{grouped} VND"),
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A local path to go back to after a redirect: must start with one `/` (no `//host`, no
/// scheme, no backslash), else `/`. Stops open redirects.
pub fn local_path(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    if ok {
        next
    } else {
        "/"
    }
}

/// A URL-encoded form that must carry a valid `csrf` field; the rest is `T`.
pub struct CsrfForm<T>(pub Page, pub T);

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        let Ok(page) = Page::from_request_parts(&mut parts, state).await;
        if let Some(origin) = parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
        {
            let host = parts
                .headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let origin_host = origin.split("://").nth(1).unwrap_or("");
            if origin != "null" && origin_host != host {
                return Err(PageError::code(ErrorCode::CsrfFailed));
            }
        }
        let bytes = axum::body::to_bytes(body, 1024 * 1024)
            .await
            .map_err(|_| PageError::code(ErrorCode::PayloadTooLarge))?;
        let field: CsrfField = serde_urlencoded_from(&bytes)?;
        page.check_csrf(&field.csrf)?;
        let value: T = serde_urlencoded_from(&bytes)?;
        Ok(CsrfForm(page, value))
    }
}

fn serde_urlencoded_from<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PageError> {
    serde_urlencoded::from_bytes(bytes)
        .map_err(|e| PageError::detail(ErrorCode::InvalidRequest, e.to_string()))
}

/// An error page (or the redirect to sign in). Rendered in both languages, since it is built
/// without the request.
#[derive(Debug)]
pub enum PageError {
    /// Not signed in: go to the sign-in page, then back to this path.
    SignIn(String),
    /// An error of the table, with an optional detail.
    Code(ErrorCode, Option<String>),
}

/// `Query` for pages: a query string that does not parse (`?truoc=abc`, `?nam=%27`) answers
/// the bilingual 400 page (`invalid_query`), not axum's plain-text rejection.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(PageQuery(value)),
            Err(e) => {
                tracing::debug!(error = %e, "page query string refused");
                Err(PageError::code(ErrorCode::InvalidQuery))
            }
        }
    }
}

impl PageError {
    pub fn code(code: ErrorCode) -> Self {
        PageError::Code(code, None)
    }
    pub fn detail(code: ErrorCode, detail: impl Into<String>) -> Self {
        PageError::Code(code, Some(detail.into()))
    }
}

impl From<crate::error::ApiError> for PageError {
    fn from(e: crate::error::ApiError) -> Self {
        PageError::Code(e.code, e.detail)
    }
}

impl From<tinhso_store::StoreError> for PageError {
    fn from(e: tinhso_store::StoreError) -> Self {
        crate::error::ApiError::from(e).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignIn(next) => Redirect::to(&format!(
                "/dang-nhap?tiep={}",
                encode_query(local_path(&next))
            ))
            .into_response(),
            PageError::Code(code, detail) => {
                let status = code.status();
                let html = super::error_page(code, detail.as_deref());
                (status, axum::response::Html(html)).into_response()
            }
        }
    }
}

/// 303 See Other to a local path (after a successful form post).
pub fn see_other(path: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, local_path(path).to_string())],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_by_language() {
        assert_eq!(format_money(Lang::Vi, 1_250_000), "1.250.000 đ");
        assert_eq!(format_money(Lang::En, 1_250_000), "1,250,000 VND");
        assert_eq!(format_money(Lang::Vi, 0), "0 đ");
        assert_eq!(format_money(Lang::Vi, 100), "100 đ");
        assert_eq!(format_money(Lang::Vi, -5000), "-5.000 đ");
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/can-bo?x=1"), "/can-bo?x=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "",
            "evil",
            "/a\nb",
        ] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; tinhso_lang=en; b=2".parse().unwrap());
        assert_eq!(cookie(&h, "tinhso_lang"), Some("en"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
