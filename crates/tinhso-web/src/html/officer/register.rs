//! The register (Sổ theo dõi hồ sơ, Mẫu 07, TT 03/2025) of the officer's agency for a period,
//! on screen and as CSV, XLSX or PDF.

use crate::html::PageQuery;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use tinhso_app::forms::RegisterFormat;

use super::{failure, officer, page_error, with_status, Failure, Refusal};
use crate::dossiers::file_response;
use crate::error::ErrorCode;
use crate::html::{render, Page, PageError};
use crate::openapi::Routes;
use crate::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .get("/can-bo/so-theo-doi", view_register_get)
        .get("/can-bo/so-theo-doi/tai-ve", view_register_file_get)
}

#[derive(serde::Deserialize, Default)]
pub struct RegisterQuery {
    #[serde(default)]
    tu: String,
    #[serde(default)]
    den: String,
    #[serde(default)]
    dinh_dang: String,
}

struct Line {
    seq: u32,
    code: String,
    href: String,
    procedure: String,
    applicant: String,
    received: String,
    due: String,
    result: String,
    delivered: String,
    note: String,
}

#[derive(Template)]
#[template(path = "officer/register.html")]
struct RegisterTemplate {
    p: Page,
    from: String,
    to: String,
    lines: Vec<Line>,
    query: String,
    error: Option<Refusal>,
}

/// The period asked for; default: this month so far.
fn period(p: &Page, today: Date, q: &RegisterQuery) -> Result<(Date, Date), Refusal> {
    let parse = |s: &str, default: Date| -> Result<Date, Refusal> {
        if s.trim().is_empty() {
            return Ok(default);
        }
        s.trim().parse::<Date>().map_err(|_| {
            Refusal::new(
                p.lang,
                ErrorCode::InvalidDate,
                Some(format!(
                    "{}: YYYY-MM-DD",
                    s.chars().take(20).collect::<String>()
                )),
            )
        })
    };
    let first = today.first_of_month();
    Ok((parse(&q.tu, first)?, parse(&q.den, today)?))
}

/// `/can-bo/so-theo-doi?tu=&den=`
pub async fn view_register_get(
    State(state): State<AppState>,
    p: Page,
    PageQuery(q): PageQuery<RegisterQuery>,
) -> Result<Response, PageError> {
    let user = officer(&p)?;
    let today = state.app.today();
    let (from, to, rows, error) = match period(&p, today, &q) {
        Ok((from, to)) => match state.app.register_rows(&user, None, from, to).await {
            Ok((_, rows)) => (from, to, rows, None),
            Err(e) => match failure(p.lang, e) {
                Failure::Page(err) => return Err(err),
                Failure::Inline(r) => (from, to, Vec::new(), Some(r)),
            },
        },
        Err(r) => (today.first_of_month(), today, Vec::new(), Some(r)),
    };
    let dt =
        |d: &Option<jiff::civil::DateTime>| d.as_ref().map(|d| p.datetime(d)).unwrap_or_default();
    let lines = rows
        .iter()
        .map(|r| Line {
            seq: r.seq,
            code: r.dossier_code.clone(),
            href: format!("/can-bo/ho-so/{}", r.dossier_code),
            procedure: r.procedure_name.clone(),
            applicant: r.applicant_name.clone(),
            received: p.datetime(&r.received_at),
            due: p.datetime(&r.due_at),
            result: dt(&r.result_at),
            delivered: dt(&r.delivered_at),
            note: r.note.clone(),
        })
        .collect();
    let t = RegisterTemplate {
        query: format!("tu={from}&den={to}"),
        from: from.to_string(),
        to: to.to_string(),
        lines,
        error,
        p,
    };
    let status = if t.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(with_status(status, render(&t)?))
}

/// `/can-bo/so-theo-doi/tai-ve?tu=&den=&dinh_dang=csv|xlsx|pdf`
pub async fn view_register_file_get(
    State(state): State<AppState>,
    p: Page,
    PageQuery(q): PageQuery<RegisterQuery>,
) -> Result<Response, PageError> {
    let user = officer(&p)?;
    let (from, to) = period(&p, state.app.today(), &q).map_err(|r| {
        PageError::Code(
            ErrorCode::from_name(r.code).unwrap_or(ErrorCode::InvalidDate),
            r.detail,
        )
    })?;
    let stem = format!("so-theo-doi-ho-so-{from}-{to}");
    let response = match q.dinh_dang.as_str() {
        "csv" | "xlsx" => {
            let f = if q.dinh_dang == "csv" {
                RegisterFormat::Csv
            } else {
                RegisterFormat::Xlsx
            };
            let bytes = state
                .app
                .register_file(&user, None, from, to, f)
                .await
                .map_err(|e| page_error(p.lang, e))?;
            file_response(
                bytes,
                f.content_type(),
                &format!("{stem}.{}", f.extension()),
                "attachment",
            )
        }
        "pdf" => {
            let bytes = state
                .app
                .register_pdf(&user, None, from, to)
                .await
                .map_err(|e| page_error(p.lang, e))?;
            file_response(bytes, "application/pdf", &format!("{stem}.pdf"), "inline")
        }
        _ => {
            return Err(PageError::detail(
                ErrorCode::InvalidQuery,
                "dinh_dang: csv, xlsx, pdf",
            ))
        }
    };
    Ok(response.into_response())
}
