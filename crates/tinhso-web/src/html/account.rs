//! Pages of the `account` area (`/tai-khoan`; conventions in [`crate::html`]): a citizen's
//! registration (e-ID level 1), identity verification against the population data source
//! (level 2), the account page with "sign out everywhere", the password reset request and form,
//! and the development mailbox (`/dev/hop-thu`, only with the `dev_mailbox` setting).
//!
//! Every form carries the CSRF token ([`CsrfForm`]); a refused form is shown again with the
//! reason (an `account.error.*` message) and what was typed, never the password, with the
//! status of its error code.

use crate::html::PageQuery;
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use tinhso_app::accounts::{AccountError, IdentityClaim, Registration};
use tinhso_app::population::PopulationError;
use tinhso_domain::dossier::Role;
use tinhso_domain::identity::{IdentityInputError, PasswordProblem};
use tinhso_store::accounts::Notification;

use super::session::{self, see_other, CsrfForm, Page, PageError};
use super::{render, signin};
use crate::error::ErrorCode;
use crate::openapi::Routes;
use crate::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .get("/tai-khoan", view_account_get)
        .get("/tai-khoan/dang-ky", view_register_get)
        .post("/tai-khoan/dang-ky", view_register_post)
        .get("/tai-khoan/xac-thuc", view_verify_get)
        .post("/tai-khoan/xac-thuc", view_verify_post)
        .post("/tai-khoan/dang-xuat-moi-noi", view_signout_everywhere_post)
        .get("/tai-khoan/quen-mat-khau", view_forgot_get)
        .post("/tai-khoan/quen-mat-khau", view_forgot_post)
        .get("/tai-khoan/dat-lai-mat-khau", view_reset_get)
        .post("/tai-khoan/dat-lai-mat-khau", view_reset_post)
        .get("/dev/hop-thu", view_mailbox_get)
}

/// The error code (for the status) and the message of a refused account form.
fn refusal(e: &AccountError) -> Option<(ErrorCode, &'static str)> {
    use AccountError as A;
    Some(match e {
        A::Input(IdentityInputError::InvalidPhone) => {
            (ErrorCode::InvalidPhone, "account.error.invalid_phone")
        }
        A::Input(IdentityInputError::InvalidEmail) => {
            (ErrorCode::InvalidEmail, "account.error.invalid_email")
        }
        A::Input(IdentityInputError::InvalidIdNumber) => (
            ErrorCode::InvalidIdNumber,
            "account.error.invalid_id_number",
        ),
        A::Input(IdentityInputError::IdNumberBirthMismatch) => {
            (ErrorCode::InvalidIdNumber, "account.error.id_number_birth")
        }
        A::Input(IdentityInputError::WeakPassword(p)) | A::WeakPassword(p) => {
            (ErrorCode::WeakPassword, password_message(*p))
        }
        A::NameRequired => (ErrorCode::InvalidRequest, "account.error.name_required"),
        A::LoginTaken => (ErrorCode::LoginTaken, "account.error.login_taken"),
        A::InvalidBirthDate => (ErrorCode::InvalidDate, "account.error.birth_date"),
        A::IdentityNotMatched => (ErrorCode::IdentityNotMatched, "account.error.not_matched"),
        A::AlreadyVerified => (ErrorCode::AlreadyVerified, "account.error.already_verified"),
        A::Population(PopulationError::NotConfigured) => (
            ErrorCode::PopulationUnavailable,
            "account.error.population_not_configured",
        ),
        A::Population(_) => (
            ErrorCode::PopulationUnavailable,
            "account.error.population_unavailable",
        ),
        A::Throttled { .. } => (ErrorCode::TooManyAttempts, "account.error.throttled"),
        A::WrongCredentials => (ErrorCode::WrongCredentials, "signin.wrong"),
        A::ResetTokenInvalid => (ErrorCode::ResetLinkInvalid, "account.error.reset_invalid"),
        A::ResetTokenUsed => (ErrorCode::ResetLinkUsed, "account.error.reset_used"),
        A::ResetTokenExpired => (ErrorCode::ResetLinkExpired, "account.error.reset_expired"),
        _ => return None,
    })
}

fn password_message(p: PasswordProblem) -> &'static str {
    match p {
        PasswordProblem::TooShort => "account.error.password_short",
        PasswordProblem::TooLong => "account.error.password_long",
        PasswordProblem::TooRepetitive => "account.error.password_repetitive",
        PasswordProblem::TooCommon => "account.error.password_common",
        PasswordProblem::ContainsIdentifier => "account.error.password_identifier",
    }
}

/// A refused form shown again with its message, or the error page for anything else.
fn refused(
    e: AccountError,
    html: impl FnOnce(&'static str) -> Result<Html<String>, PageError>,
) -> Result<Response, PageError> {
    let Some((code, key)) = refusal(&e) else {
        return Err(page_error(e));
    };
    let mut resp = (code.status(), html(key)?).into_response();
    if let AccountError::Throttled { retry_after_secs } = e {
        if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    Ok(resp)
}

fn page_error(e: AccountError) -> PageError {
    match e {
        AccountError::Store(s) => s.into(),
        AccountError::MailboxDisabled => PageError::code(ErrorCode::NotFound),
        AccountError::NotACitizen => PageError::code(ErrorCode::Forbidden),
        other => {
            tracing::error!(error = %other, "account page failed");
            PageError::code(ErrorCode::Internal)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Registration

#[derive(Template)]
#[template(path = "account/register.html")]
struct RegisterTemplate {
    p: Page,
    login: String,
    full_name: String,
    error: Option<&'static str>,
}

pub async fn view_register_get(p: Page) -> Result<Response, PageError> {
    if let Some(user) = &p.user {
        return Ok(see_other(Page::home_of(user)));
    }
    Ok(render(&RegisterTemplate {
        p,
        login: String::new(),
        full_name: String::new(),
        error: None,
    })?
    .into_response())
}

#[derive(serde::Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

pub async fn view_register_post(
    State(state): State<AppState>,
    CsrfForm(p, form): CsrfForm<RegisterForm>,
) -> Result<Response, PageError> {
    let again = |p: Page, key: &'static str| {
        render(&RegisterTemplate {
            p,
            login: form.login.chars().take(254).collect(),
            full_name: form.full_name.chars().take(200).collect(),
            error: Some(key),
        })
    };
    if form.password != form.password_again {
        let html = again(p, "account.error.password_mismatch")?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    }
    let registered = state
        .app
        .register_citizen(Registration {
            login: form.login.clone(),
            full_name: form.full_name.clone(),
            password: form.password.clone(),
        })
        .await;
    match registered {
        Ok(user) => {
            // Signed in at once, like after any sign-in.
            let signed = state
                .app
                .sign_in(&user.id, &form.password)
                .await
                .map_err(|e| page_error(e.into()))?;
            Ok(signin::signed_in_response(
                &state,
                &p,
                &signed,
                "/tai-khoan?moi=1",
            ))
        }
        Err(e) => refused(e, |key| again(p, key)),
    }
}

// ---------------------------------------------------------------------------------------------
// The account page, sign out everywhere

#[derive(Template)]
#[template(path = "account/overview.html")]
struct AccountTemplate {
    p: Page,
    /// The masked phone or e-mail of a citizen.
    login: Option<String>,
    /// 1 or 2 for citizens.
    level: Option<u8>,
    verified_on: Option<String>,
    just_registered: bool,
    just_verified: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct AccountQuery {
    #[serde(default)]
    moi: String,
    #[serde(default)]
    xac_thuc: String,
}

pub async fn view_account_get(
    State(state): State<AppState>,
    p: Page,
    PageQuery(q): PageQuery<AccountQuery>,
) -> Result<Html<String>, PageError> {
    let user = p.require_user()?.clone();
    let account = state
        .app
        .citizen_account(&user.id)
        .await
        .map_err(page_error)?;
    let login = account.as_ref().and_then(|a| {
        let raw = a.phone.as_deref().or(a.email.as_deref())?;
        tinhso_domain::identity::LoginIdentifier::parse(raw)
            .ok()
            .map(|l| l.masked())
    });
    let verified_on = account
        .as_ref()
        .and_then(|a| a.verified_at)
        .map(|t| p.date(&tinhso_app::clock::to_local(t).date()));
    render(&AccountTemplate {
        login,
        level: account.as_ref().map(|a| a.eid_level.number()),
        verified_on,
        just_registered: q.moi == "1",
        just_verified: q.xac_thuc == "1",
        p,
    })
}

#[derive(serde::Deserialize)]
pub struct EmptyForm {}

/// Ends every session of the signed-in user, this one included.
pub async fn view_signout_everywhere_post(
    State(state): State<AppState>,
    CsrfForm(p, _): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = p.require_user()?;
    let ended = state
        .app
        .sign_out_everywhere(&user.id)
        .await
        .map_err(|e| page_error(e.into()))?;
    tracing::info!(user = %user.id, ended, "signed out everywhere");
    let mut resp = see_other("/dang-nhap?tiep=/tai-khoan");
    let gone = session::set_cookie(session::SESSION_COOKIE, "", Some(0), p.secure);
    if let Ok(v) = gone.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

// ---------------------------------------------------------------------------------------------
// Identity verification (level 2)

#[derive(Template)]
#[template(path = "account/verify.html")]
struct VerifyTemplate {
    p: Page,
    full_name: String,
    date_of_birth: String,
    error: Option<&'static str>,
}

pub async fn view_verify_get(p: Page) -> Result<Html<String>, PageError> {
    let user = p.require_role(&[Role::Applicant])?;
    let full_name = user.name.clone();
    render(&VerifyTemplate {
        p,
        full_name,
        date_of_birth: String::new(),
        error: None,
    })
}

#[derive(serde::Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    date_of_birth: String,
}

pub async fn view_verify_post(
    State(state): State<AppState>,
    CsrfForm(p, form): CsrfForm<VerifyForm>,
) -> Result<Response, PageError> {
    let user_id = p.require_role(&[Role::Applicant])?.id.clone();
    let verified = state
        .app
        .verify_identity(
            &user_id,
            IdentityClaim {
                id_number: form.id_number.clone(),
                full_name: form.full_name.clone(),
                date_of_birth: form.date_of_birth.clone(),
            },
        )
        .await;
    match verified {
        Ok(_) => Ok(see_other("/tai-khoan?xac_thuc=1")),
        // The ID number is never shown again: it stays out of pages as it stays out of storage.
        Err(e) => refused(e, |key| {
            render(&VerifyTemplate {
                p,
                full_name: form.full_name.chars().take(200).collect(),
                date_of_birth: form.date_of_birth.chars().take(10).collect(),
                error: Some(key),
            })
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Password reset

#[derive(Template)]
#[template(path = "account/forgot.html")]
struct ForgotTemplate {
    p: Page,
    login: String,
    sent: bool,
    error: Option<&'static str>,
}

pub async fn view_forgot_get(p: Page) -> Result<Html<String>, PageError> {
    render(&ForgotTemplate {
        p,
        login: String::new(),
        sent: false,
        error: None,
    })
}

#[derive(serde::Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    login: String,
}

pub async fn view_forgot_post(
    State(state): State<AppState>,
    CsrfForm(p, form): CsrfForm<ForgotForm>,
) -> Result<Response, PageError> {
    match state.app.request_password_reset(&form.login).await {
        // The same answer whether or not the account exists.
        Ok(()) => Ok(render(&ForgotTemplate {
            p,
            login: String::new(),
            sent: true,
            error: None,
        })?
        .into_response()),
        Err(e) => refused(e, |key| {
            render(&ForgotTemplate {
                p,
                login: form.login.chars().take(254).collect(),
                sent: false,
                error: Some(key),
            })
        }),
    }
}

#[derive(Template)]
#[template(path = "account/reset.html")]
struct ResetTemplate {
    p: Page,
    /// Empty when the link cannot be used (then `error` says why).
    token: String,
    error: Option<&'static str>,
}

#[derive(serde::Deserialize, Default)]
pub struct ResetQuery {
    #[serde(default)]
    ma: String,
}

/// The reset page holds a secret in its URL: no referrer may carry it anywhere.
fn no_referrer(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

pub async fn view_reset_get(
    State(state): State<AppState>,
    p: Page,
    PageQuery(q): PageQuery<ResetQuery>,
) -> Result<Response, PageError> {
    let resp = match state.app.check_reset_token(&q.ma).await {
        Ok(()) => render(&ResetTemplate {
            p,
            token: q.ma.trim().to_string(),
            error: None,
        })?
        .into_response(),
        Err(e) => refused(e, |key| {
            render(&ResetTemplate {
                p,
                token: String::new(),
                error: Some(key),
            })
        })?,
    };
    Ok(no_referrer(resp))
}

#[derive(serde::Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    ma: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

pub async fn view_reset_post(
    State(state): State<AppState>,
    CsrfForm(p, form): CsrfForm<ResetForm>,
) -> Result<Response, PageError> {
    let token = form.ma.trim().to_string();
    if form.password != form.password_again {
        let html = render(&ResetTemplate {
            p,
            token,
            error: Some("account.error.password_mismatch"),
        })?;
        return Ok(no_referrer(
            (StatusCode::UNPROCESSABLE_ENTITY, html).into_response(),
        ));
    }
    let resp = match state.app.reset_password(&token, &form.password).await {
        Ok(()) => see_other("/dang-nhap?dat_lai=1"),
        Err(e) => {
            // A weak password keeps the link usable; a spent or bad link does not.
            let keep = matches!(e, AccountError::WeakPassword(_));
            refused(e, |key| {
                render(&ResetTemplate {
                    p,
                    token: if keep { token } else { String::new() },
                    error: Some(key),
                })
            })?
        }
    };
    Ok(no_referrer(resp))
}

// ---------------------------------------------------------------------------------------------
// Development mailbox

#[derive(Template)]
#[template(path = "account/mailbox.html")]
struct MailboxTemplate {
    p: Page,
    messages: Vec<MailboxItem>,
}

struct MailboxItem {
    when: String,
    channel: &'static str,
    recipient: String,
    subject: String,
    body: String,
    /// The link in the body, to make it clickable.
    link: Option<String>,
}

fn mailbox_item(p: &Page, n: Notification) -> MailboxItem {
    let link = n
        .body
        .split_whitespace()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(str::to_string);
    MailboxItem {
        when: p.datetime(&tinhso_app::clock::to_local(n.created_at)),
        channel: n.channel.as_str(),
        recipient: n.recipient,
        subject: n.subject,
        body: n.body,
        link,
    }
}

/// `/dev/hop-thu`: the messages tinhso would have sent (404 unless `dev_mailbox` is on).
pub async fn view_mailbox_get(
    State(state): State<AppState>,
    p: Page,
) -> Result<Response, PageError> {
    let messages = state.app.dev_mailbox(50).await.map_err(page_error)?;
    let messages = messages.into_iter().map(|n| mailbox_item(&p, n)).collect();
    Ok(no_referrer(
        render(&MailboxTemplate { p, messages })?.into_response(),
    ))
}
