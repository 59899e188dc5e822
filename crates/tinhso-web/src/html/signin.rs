//! Sign in (`/dang-nhap`) and sign out (`/dang-xuat`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use tinhso_app::sessions::SessionError;

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
    Query(q): Query<NextQuery>,
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

pub async fn view_signin_post(
    State(state): State<AppState>,
    CsrfForm(p, form): CsrfForm<SignInForm>,
) -> Result<Response, PageError> {
    match state.app.sign_in(&form.account, &form.password).await {
        Ok(signed) => {
            let max_age = signed
                .expires_at
                .duration_since(state.app.clock.now())
                .as_secs()
                .max(0);
            let cookie = session::set_cookie(
                session::SESSION_COOKIE,
                &signed.token,
                Some(max_age),
                p.secure,
            );
            let next = match local_path(&form.tiep) {
                "/" | "/dang-nhap" => Page::home_of(&signed.user),
                other => other,
            };
            let mut resp = see_other(next);
            if let Ok(v) = cookie.parse() {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(resp)
        }
        Err(SessionError::WrongCredentials) => {
            let html = render(&SignInTemplate {
                p,
                next: local_path(&form.tiep).to_string(),
                account: form.account.chars().take(128).collect(),
                error: Some("signin.wrong"),
            })?;
            Ok((StatusCode::UNAUTHORIZED, html).into_response())
        }
        Err(SessionError::Store(e)) => Err(e.into()),
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
