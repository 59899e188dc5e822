//! Sign in (`/dang-nhap`) and sign out (`/dang-xuat`).

use crate::html::PageQuery;
use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use tinhso_app::accounts::AccountError;
use tinhso_app::sessions::SignedIn;

use super::render;
use super::session::{self, local_path, see_other, CsrfForm, Page, PageError};
use crate::error::ErrorCode;
use crate::AppState;

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInTemplate {
    p: Page,
    next: String,
    account: String,
    error: Option<&'static str>,
}

#[derive(serde::Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    tiep: String,
}

pub async fn view_signin_get(
    p: Page,
    PageQuery(q): PageQuery<NextQuery>,
) -> Result<Html<String>, PageError> {
    render(&SignInTemplate {
        p,
        next: local_path(&q.tiep).to_string(),
        account: String::new(),
        error: None,
    })
}

#[derive(serde::Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    account: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    tiep: String,
}

/// The client's address as the server saw the connection, for per-address throttling. None
/// without connection info (in-process tests) and for loopback peers: those are a reverse
/// proxy or the machine itself, and counting them as one address would lock everyone out
/// together, so only the per-account count applies to them.
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(a)| a.ip())
                .filter(|ip| !ip.is_loopback()),
        ))
    }
}

/// The redirect after a sign-in, setting the session cookie: to `next` when it is a local
/// page other than the home or sign-in page, else to the user's home.
pub(super) fn signed_in_response(
    state: &AppState,
    p: &Page,
    signed: &SignedIn,
    next: &str,
) -> Response {
    let max_age = state
        .app
        .clock
        .now()
        .duration_until(signed.expires_at)
        .as_secs()
        .max(0);
    let cookie = session::set_cookie(
        session::SESSION_COOKIE,
        &signed.token,
        Some(max_age),
        p.secure,
    );
    let next = match local_path(next) {
        "/" | "/dang-nhap" => Page::home_of(&signed.user),
        other => other,
    };
    let mut resp = see_other(next);
    if let Ok(v) = cookie.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Signs in with a user id, phone number or e-mail address, throttled per account and per
/// client address (`tinhso_app::accounts`): too many failures answer 429 with `Retry-After`.
pub async fn view_signin_post(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    CsrfForm(p, form): CsrfForm<SignInForm>,
) -> Result<Response, PageError> {
    let again = |p: Page, key: &'static str| {
        render(&SignInTemplate {
            p,
            next: local_path(&form.tiep).to_string(),
            account: form.account.chars().take(128).collect(),
            error: Some(key),
        })
    };
    match state
        .app
        .sign_in_throttled(&form.account, &form.password, address)
        .await
    {
        Ok(signed) => Ok(signed_in_response(&state, &p, &signed, &form.tiep)),
        Err(AccountError::WrongCredentials) => {
            Ok((StatusCode::UNAUTHORIZED, again(p, "signin.wrong")?).into_response())
        }
        Err(AccountError::Throttled { retry_after_secs }) => {
            let mut resp =
                (StatusCode::TOO_MANY_REQUESTS, again(p, "signin.throttled")?).into_response();
            if let Ok(v) = retry_after_secs.to_string().parse() {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(resp)
        }
        Err(AccountError::Store(e)) => Err(e.into()),
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            Err(PageError::code(ErrorCode::Internal))
        }
    }
}

#[derive(serde::Deserialize)]
pub struct SignOutForm {}

pub async fn view_signout_post(
    State(state): State<AppState>,
    CsrfForm(p, _): CsrfForm<SignOutForm>,
) -> Result<Response, PageError> {
    if let Some(token) = p.session_token() {
        state
            .app
            .sign_out(token)
            .await
            .map_err(|_| PageError::code(ErrorCode::DatabaseUnavailable))?;
    }
    let mut resp = see_other("/");
    let gone = session::set_cookie(session::SESSION_COOKIE, "", Some(0), p.secure);
    if let Ok(v) = gone.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}
