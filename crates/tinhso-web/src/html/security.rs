//! Security headers on every response, and the anonymous CSRF cookie.
//!
//! - `Content-Security-Policy` without `unsafe-inline`: scripts, styles and fonts come only from
//!   `/static/` (templates hold no inline script or `style=`); no framing (`frame-ancestors
//!   'none'`); forms post only to this origin.
//! - `Strict-Transport-Security` when the public URL is `https://` (the deployment is behind TLS).
//! - `X-Content-Type-Options: nosniff` on every answer, JSON included.
//! - Pages are `Cache-Control: no-store` (they can hold personal data); static assets are cached.

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
object-src 'none'";

/// The anonymous visitor's CSRF token (double-submit cookie), set by [`headers`] when missing.
#[derive(Debug, Clone)]
pub struct AnonCsrf(pub String);

pub const CSRF_COOKIE: &str = "tinhso_csrf";

pub async fn headers(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let is_api =
        path.starts_with("/api/") || matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics");
    let mut new_csrf = None;
    if !is_api {
        let existing = super::session::cookie(req.headers(), CSRF_COOKIE)
            .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_string);
        let token = match existing {
            Some(t) => t,
            None => {
                let t = super::session::random_token();
                new_csrf = Some(t.clone());
                t
            }
        };
        req.extensions_mut().insert(AnonCsrf(token));
    }
    let mut resp = next.run(req).await;
    let secure = state.app.settings.public_url.starts_with("https://");
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    if !is_api {
        set(h, header::CONTENT_SECURITY_POLICY, CSP);
        set(h, header::X_FRAME_OPTIONS, "DENY");
        set(
            h,
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        );
        set(
            h,
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        );
        if !path.starts_with("/static/") {
            set(h, header::CACHE_CONTROL, "no-store");
        }
    }
    if secure {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    if let Some(token) = new_csrf {
        let cookie = super::session::set_cookie(CSRF_COOKIE, &token, None, secure);
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            h.append(header::SET_COOKIE, v);
        }
    }
    resp
}
