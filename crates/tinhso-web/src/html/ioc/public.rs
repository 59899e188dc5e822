//! `/minh-bach`: the public transparency page (no sign-in). Per-agency figures of this month
//! and this year, the columns the settings publish ([`tinhso_app::transparency`]); nothing
//! personal (no names of people, no dossier codes).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use tinhso_app::transparency::{PublicColumn, PublicRow};
use tinhso_domain::kpi::Period;

use super::{dec, int, percent, period_form};
use crate::error::ErrorCode;
use crate::html::{render, Page, PageError};
use crate::AppState;

/// One published table: a heading, the column headers, the rows as text.
struct PublicTable {
    id: &'static str,
    heading: String,
    rows: Vec<(String, Vec<String>)>,
}

#[derive(Template)]
#[template(path = "ioc/public.html")]
struct PublicTemplate {
    p: Page,
    columns: Vec<&'static str>,
    tables: Vec<PublicTable>,
}

fn column_key(c: PublicColumn) -> &'static str {
    match c {
        PublicColumn::Received => "ioc.public.received",
        PublicColumn::Processed => "ioc.public.processed",
        PublicColumn::Late => "ioc.public.late",
        PublicColumn::OnTimeRate => "ioc.public.on_time_rate",
        PublicColumn::OverdueNow => "ioc.public.overdue_now",
        PublicColumn::Score => "ioc.public.score",
    }
}

fn cells(p: &Page, columns: &[PublicColumn], row: &PublicRow) -> Vec<String> {
    let lang = p.lang;
    let n = |v: Option<u64>| v.map_or(String::new(), |v| int(lang, v));
    columns
        .iter()
        .map(|c| match c {
            PublicColumn::Received => n(row.received),
            PublicColumn::Processed => n(row.processed),
            PublicColumn::Late => n(row.late),
            PublicColumn::OverdueNow => n(row.overdue_now),
            PublicColumn::OnTimeRate => row.on_time.map_or(String::new(), |(good, all)| {
                let rate = (all > 0).then(|| good as f64 / all as f64);
                format!(
                    "{} ({}/{})",
                    percent(lang, rate),
                    int(lang, good),
                    int(lang, all)
                )
            }),
            PublicColumn::Score => row.score.map_or(String::new(), |s| {
                s.map_or("—".into(), |t| dec(lang, t, 2))
            }),
        })
        .collect()
}

/// `GET /minh-bach`.
pub async fn view_transparency_get(
    State(state): State<AppState>,
    p: Page,
) -> Result<Response, PageError> {
    let settings = &state.app.settings.transparency;
    let today = state.app.today();
    let columns = settings.columns.0.clone();
    let mut tables = Vec::new();
    for (id, period) in [
        ("public-month", Period::month_of(today)),
        ("public-year", Period::Year(today.year())),
    ] {
        let Some(rows) = state
            .app
            .transparency(period)
            .await
            .map_err(|e| PageError::from(crate::error::ApiError::from(e)))?
        else {
            return Err(PageError::code(ErrorCode::NotFound));
        };
        tables.push(PublicTable {
            id,
            heading: period_form(&p, &period).label,
            rows: rows
                .iter()
                .map(|r| (r.agency.clone(), cells(&p, &columns, r)))
                .collect(),
        });
    }
    let t = PublicTemplate {
        columns: columns.iter().map(|c| p.t(column_key(*c))).collect(),
        tables,
        p,
    };
    Ok(render(&t)?.into_response())
}
