//! The HTML pages: server-rendered with askama templates (`crates/tinhso-web/templates/`), htmx
//! for partial updates, every string from the message catalogs ([`i18n`]).
//!
//! Conventions (read before adding a page):
//! - One module per area: [`portal`] (citizens, public), [`officer`] (`/can-bo`), [`admin`]
//!   (`/quan-tri`), [`account`] (`/tai-khoan`), [`ioc`] (`/dieu-hanh`, `/minh-bach`). Handlers
//!   are named `view_<page>_get` / `view_<page>_post`, take a [`Page`] (or [`CsrfForm`] for a
//!   POST) and return `Result<Html<String>, PageError>` or a redirect ([`session::see_other`]).
//! - Templates extend `base.html` and get the page context as `p`: `p.t("area.key")` for text,
//!   `p.csrf` in a hidden `csrf` field of every form, `p.date(..)`, `p.money(..)`.
//! - No inline `<script>` and no `style=` (the CSP forbids them); htmx through `hx-*` attributes,
//!   and every journey also works as plain links and form posts.
//! - URLs are Vietnamese without diacritics and hold no personal data.

pub mod account;
pub mod admin;
mod assets;
pub mod charts;
pub mod i18n;
pub mod ioc;
pub mod officer;
pub mod portal;
pub mod security;
pub mod session;
mod signin;

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use crate::error::ErrorCode;
use crate::openapi::Routes;
use crate::AppState;
pub use session::{CsrfForm, Page, PageError, PageQuery};

/// Every page route (they are not part of the JSON API's OpenAPI description).
pub fn routes() -> Routes {
    Routes::new()
        .get("/", view_home_get)
        .get("/static/{*name}", assets::serve)
        .get("/ngon-ngu", view_language_get)
        .get("/dang-nhap", signin::view_signin_get)
        .post("/dang-nhap", signin::view_signin_post)
        .post("/dang-xuat", signin::view_signout_post)
        .merge(portal::routes())
        .merge(officer::routes())
        .merge(admin::routes())
        .merge(account::routes())
        .merge(ioc::routes())
}

/// Renders a template into a page, or a 500 page if rendering fails.
pub fn render<T: Template>(t: &T) -> Result<Html<String>, PageError> {
    t.render().map(Html).map_err(|e| {
        tracing::error!(error = %e, "template rendering failed");
        PageError::code(ErrorCode::Internal)
    })
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    status: u16,
    code: &'a str,
    vi: &'a str,
    en: &'a str,
    detail: Option<&'a str>,
    css: String,
}

/// The bilingual error page of an error code.
pub(crate) fn error_page(code: ErrorCode, detail: Option<&str>) -> String {
    let (vi, en) = code.messages();
    let t = ErrorTemplate {
        status: code.status().as_u16(),
        code: code.as_str(),
        vi,
        en,
        detail,
        css: assets::url("tinhso.css"),
    };
    t.render()
        .unwrap_or_else(|_| format!("{} — {vi} / {en}", code.status().as_u16()))
}

/// Unknown pages: the bilingual 404 page.
pub async fn not_found() -> Response {
    PageError::code(ErrorCode::NotFound).into_response()
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTemplate {
    p: Page,
    procedures: usize,
}

/// `/`: search the catalog, look up a dossier, sign in.
pub async fn view_home_get(
    State(state): State<AppState>,
    p: Page,
) -> Result<Html<String>, PageError> {
    let procedures = state.app.catalog.snapshot().records.len();
    render(&HomeTemplate { p, procedures })
}

#[derive(serde::Deserialize)]
pub struct LanguageQuery {
    #[serde(default)]
    chon: String,
    #[serde(default)]
    tiep: String,
}

/// `/ngon-ngu?chon=en&tiep=/path`: remembers the language in a cookie and goes back.
pub async fn view_language_get(p: Page, PageQuery(q): PageQuery<LanguageQuery>) -> Response {
    let lang = i18n::Lang::parse(&q.chon);
    let cookie = session::set_cookie(
        session::LANG_COOKIE,
        lang.code(),
        Some(365 * 24 * 3600),
        p.secure,
    );
    let mut resp = session::see_other(session::local_path(&q.tiep));
    if let Ok(v) = cookie.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}
