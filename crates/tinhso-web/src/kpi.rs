//! The operations dashboard's JSON API under `/api/v1/kpi` (issue 5; domain.md §3, §6):
//! read-only. Leaders and agency administrators read their own agency (and its commune);
//! province administrators, and staff of the provincial people's committee, the whole
//! province ([`tinhso_app::kpi::KpiAccess`]). Rankings and heat tables are open to every KPI
//! reader. Every number links to its dossiers through `/kpi/dossiers`.
//!
//! Periods: `period=2026-08-15 | 2026-08 | 2026-Q3 | 2026 | 2026-01-01..2026-03-31` (local dates,
//! Asia/Ho_Chi_Minh; default: this month). Scope: at most one of `agency` (competent),
//! `receiving`, `procedure`, `field`, `commune` (default: the caller's).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tinhso_app::kpi::{dossiers_csv, dossiers_xlsx, parse_period, ScopeRequest};
use tinhso_domain::kpi::{Indicator, Period};
use tinhso_store::kpi::DimensionKind;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorCode};
use crate::openapi::Routes;
use crate::AppState;

/// The KPI routes (relative to `/api/v1`).
pub fn routes() -> Routes {
    Routes::new()
        .get("/kpi/report", get_report)
        .get("/kpi/trend", get_trend)
        .get("/kpi/ranking", get_ranking)
        .get("/kpi/heat", get_heat)
        .get("/kpi/dossiers", get_dossiers)
}

/// Every query parameter the KPI routes read.
#[derive(Debug, Default, Deserialize)]
pub struct KpiParams {
    pub period: Option<String>,
    pub agency: Option<String>,
    pub receiving: Option<String>,
    pub procedure: Option<String>,
    pub field: Option<String>,
    pub commune: Option<String>,
    /// Rankings and heat tables: `agency` (default) or `commune`.
    pub by: Option<String>,
    /// Drill-down: the indicator's number, e.g. `2.1`.
    pub indicator: Option<String>,
    /// Drill-down: `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
    pub limit: Option<u32>,
    pub after: Option<i64>,
}

impl KpiParams {
    fn scope(&self) -> ScopeRequest {
        ScopeRequest {
            agency: self.agency.clone(),
            receiving: self.receiving.clone(),
            procedure: self.procedure.clone(),
            field: self.field.clone(),
            commune: self.commune.clone(),
        }
    }

    fn period(&self, state: &AppState) -> Result<Period, ApiError> {
        Ok(parse_period(self.period.as_deref(), state.app.today())?)
    }

    fn kind(&self) -> Result<DimensionKind, ApiError> {
        match self.by.as_deref().map(str::trim) {
            None | Some("agency") => Ok(DimensionKind::CompetentAgency),
            Some("commune") => Ok(DimensionKind::Commune),
            Some(_) => Err(ApiError::with(
                ErrorCode::InvalidQuery,
                "by: agency hoặc commune / agency or commune",
            )),
        }
    }
}

fn params(q: Result<Query<KpiParams>, QueryRejection>) -> Result<KpiParams, ApiError> {
    q.map(|Query(p)| p)
        .map_err(|e| ApiError::with(ErrorCode::InvalidQuery, e.body_text()))
}

/// KPIs read live: never cached by a proxy.
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /api/v1/kpi/report`: the indicators, the 766 index and the previous period.
async fn get_report(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    q: Result<Query<KpiParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = params(q)?;
    let period = p.period(&state)?;
    let view = state.app.kpi_view(&user, &p.scope(), period).await?;
    Ok(no_store(Json(view).into_response()))
}

/// `GET /api/v1/kpi/trend`: one report per month of the period.
async fn get_trend(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    q: Result<Query<KpiParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = params(q)?;
    let period = p.period(&state)?;
    if period.len_days() > 3 * 366 {
        return Err(ApiError::with(
            ErrorCode::InvalidQuery,
            "period: tối đa 3 năm / at most 3 years",
        ));
    }
    let months = state.app.kpi_trend(&user, &p.scope(), period).await?;
    Ok(no_store(Json(months).into_response()))
}

/// `GET /api/v1/kpi/ranking?by=agency|commune`: the 766 index of every unit, best first.
async fn get_ranking(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    q: Result<Query<KpiParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = params(q)?;
    let period = p.period(&state)?;
    let ranking = state.app.kpi_ranking(&user, p.kind()?, period).await?;
    Ok(no_store(Json(ranking).into_response()))
}

/// `GET /api/v1/kpi/heat?by=agency|commune`: on-time rates, unit × month.
async fn get_heat(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    q: Result<Query<KpiParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = params(q)?;
    let period = p.period(&state)?;
    if period.len_days() > 3 * 366 {
        return Err(ApiError::with(
            ErrorCode::InvalidQuery,
            "period: tối đa 3 năm / at most 3 years",
        ));
    }
    let table = state.app.kpi_heat(&user, p.kind()?, period).await?;
    Ok(no_store(Json(table).into_response()))
}

/// `GET /api/v1/kpi/dossiers?indicator=2.1`: the dossiers that cost the indicator points,
/// as JSON pages, or the whole list as CSV or XLSX.
async fn get_dossiers(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    q: Result<Query<KpiParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = params(q)?;
    let period = p.period(&state)?;
    let indicator = p
        .indicator
        .as_deref()
        .and_then(Indicator::from_id)
        .ok_or_else(|| {
            ApiError::with(
                ErrorCode::InvalidQuery,
                "indicator: số hiệu chỉ số, ví dụ 2.1 / the indicator's number, e.g. 2.1",
            )
        })?;
    let format = p.format.as_deref().unwrap_or("json");
    let export = match format {
        "json" => false,
        "csv" | "xlsx" => true,
        _ => {
            return Err(ApiError::with(
                ErrorCode::InvalidQuery,
                "format: json, csv hoặc xlsx / json, csv or xlsx",
            ))
        }
    };
    // A page of JSON; an export carries the whole list (up to 100,000 dossiers).
    let limit = if export {
        100_000
    } else {
        p.limit.unwrap_or(100).clamp(1, 1000)
    };
    let page = state
        .app
        .kpi_dossiers(&user, &p.scope(), indicator, period, limit, p.after)
        .await?;
    let stem = format!("ho-so-chi-so-{}-{}", indicator.id(), period);
    let response = match format {
        "csv" => file(
            dossiers_csv(&page.dossiers).into_bytes(),
            "text/csv; charset=utf-8",
            &format!("{stem}.csv"),
        ),
        "xlsx" => file(
            dossiers_xlsx(&page.dossiers)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{stem}.xlsx"),
        ),
        _ => Json(page).into_response(),
    };
    Ok(no_store(response))
}

fn file(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The name is ASCII by construction (indicator numbers and ISO periods).
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
