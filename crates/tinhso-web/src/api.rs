//! The JSON API under `/api/v1`. Handlers are thin: parse, call the app, shape the answer.
//! Catalog, units, agencies and the calendar are public information: read without login.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::calendar::TimeLimit;
use tinhso_domain::catalog::{OnlineLevel, ProcedureCode, ProcedureLevel};
use tinhso_domain::units::UnitKind;
use tinhso_search::SearchQuery;
use tinhso_store::UnitFilter;

use crate::error::{ApiError, ErrorCode};
use crate::openapi::Routes;
use crate::AppState;

type ApiResult<T> = Result<Json<T>, ApiError>;

pub fn routes() -> Routes {
    Routes::new()
        .get("/procedures", search_procedures)
        .get("/procedures/{code}", get_procedure)
        .get("/procedures/{code}/versions", procedure_versions)
        .get("/units", list_units)
        .get("/units/{code}", get_unit)
        .get("/agencies", list_agencies)
        .get("/agencies/{eid}", get_agency)
        .get("/calendar/due", calendar_due)
        .get("/calendar/{year}", calendar_year)
}

pub async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound)
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::with(ErrorCode::InvalidQuery, e.body_text()))
}

/// `GET /api/v1/procedures?q=&field=&level=&agency=&online_level=&limit=&offset=`
#[derive(Debug, Deserialize)]
pub struct ProcedureQuery {
    #[serde(default)]
    q: String,
    field: Option<String>,
    level: Option<ProcedureLevel>,
    agency: Option<String>,
    online_level: Option<OnlineLevel>,
    #[serde(default)]
    limit: usize,
    #[serde(default)]
    offset: usize,
}

async fn search_procedures(
    State(state): State<AppState>,
    q: Result<Query<ProcedureQuery>, QueryRejection>,
) -> ApiResult<tinhso_app::catalog::SearchPage> {
    let q = query(q)?;
    if q.q.chars().count() > 200 {
        return Err(ApiError::with(
            ErrorCode::InvalidQuery,
            "q: at most 200 characters",
        ));
    }
    let agency = q
        .agency
        .as_deref()
        .map(AgencyEId::parse)
        .transpose()
        .map_err(|e| ApiError::with(ErrorCode::InvalidAgencyEId, e.to_string()))?;
    let search = SearchQuery {
        q: q.q,
        field: q.field,
        level: q.level,
        agency,
        online_level: q.online_level,
        limit: q.limit,
        offset: q.offset,
    };
    Ok(Json(state.app.search(&search)))
}

fn procedure_code(code: &str) -> Result<ProcedureCode, ApiError> {
    ProcedureCode::parse(code)
        .map_err(|e| ApiError::with(ErrorCode::InvalidProcedureCode, e.to_string()))
}

#[derive(Debug, Deserialize)]
pub struct VersionQuery {
    version: Option<u32>,
}

/// `GET /api/v1/procedures/{code}?version=N`: the latest version, or version N.
async fn get_procedure(
    State(state): State<AppState>,
    Path(code): Path<String>,
    q: Result<Query<VersionQuery>, QueryRejection>,
) -> ApiResult<Value> {
    let code = procedure_code(&code)?;
    let q = query(q)?;
    let found = match q.version {
        Some(v) => state.app.store.procedure_version(&code, v).await?,
        None => state.app.store.procedure(&code).await?,
    };
    let v = found.ok_or_else(|| ApiError::new(ErrorCode::ProcedureNotFound))?;
    Ok(Json(json!({
        "version": v.version,
        "recorded_at": v.recorded_at,
        "content_hash": v.content_hash,
        "procedure": v.procedure,
    })))
}

/// `GET /api/v1/procedures/{code}/versions`
async fn procedure_versions(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Value> {
    let code = procedure_code(&code)?;
    let versions = state.app.store.procedure_versions(&code).await?;
    if versions.is_empty() {
        return Err(ApiError::new(ErrorCode::ProcedureNotFound));
    }
    let list: Vec<Value> = versions
        .iter()
        .map(|v| json!({"version": v.version, "recorded_at": v.recorded_at, "content_hash": v.content_hash, "name": v.procedure.name}))
        .collect();
    Ok(Json(json!({ "code": code, "versions": list })))
}

/// `GET /api/v1/units?kind=&parent=&on=YYYY-MM-DD`
#[derive(Debug, Deserialize)]
pub struct UnitQuery {
    kind: Option<UnitKind>,
    parent: Option<String>,
    on: Option<String>,
}

fn date(s: &str) -> Result<Date, ApiError> {
    s.parse::<Date>()
        .map_err(|e| ApiError::with(ErrorCode::InvalidDate, format!("{s:?}: {e}")))
}

#[derive(Serialize)]
struct Listing<T> {
    total: usize,
    items: Vec<T>,
}

async fn list_units(
    State(state): State<AppState>,
    q: Result<Query<UnitQuery>, QueryRejection>,
) -> ApiResult<Listing<tinhso_domain::units::AdminUnit>> {
    let q = query(q)?;
    let filter = UnitFilter {
        kind: q.kind,
        parent_code: q.parent,
        in_force_on: q.on.as_deref().map(date).transpose()?,
    };
    let items = state.app.store.units(&filter).await?;
    Ok(Json(Listing {
        total: items.len(),
        items,
    }))
}

/// `GET /api/v1/units/{code}`: every period of the unit and its successions.
async fn get_unit(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult<Value> {
    let history = state.app.store.unit_history(&code).await?;
    if history.is_empty() {
        return Err(ApiError::new(ErrorCode::UnitNotFound));
    }
    let successions = state.app.store.successions_of(&code).await?;
    Ok(Json(
        json!({ "code": code, "history": history, "successions": successions }),
    ))
}

async fn list_agencies(
    State(state): State<AppState>,
) -> ApiResult<Listing<tinhso_domain::agency::Agency>> {
    let items = state.app.store.agencies().await?;
    Ok(Json(Listing {
        total: items.len(),
        items,
    }))
}

async fn get_agency(
    State(state): State<AppState>,
    Path(eid): Path<String>,
) -> ApiResult<tinhso_domain::agency::Agency> {
    let eid = AgencyEId::parse(&eid)
        .map_err(|e| ApiError::with(ErrorCode::InvalidAgencyEId, e.to_string()))?;
    let agency = state.app.store.agency(&eid).await?;
    agency
        .map(Json)
        .ok_or_else(|| ApiError::new(ErrorCode::AgencyNotFound))
}

/// `GET /api/v1/calendar/{year}`: holidays, make-up days, working days per month.
async fn calendar_year(
    State(state): State<AppState>,
    Path(year): Path<String>,
) -> ApiResult<Value> {
    let year: i16 = year
        .parse()
        .ok()
        .filter(|y| (1901..=2199).contains(y))
        .ok_or_else(|| {
            ApiError::with(ErrorCode::InvalidDate, "year must be between 1901 and 2199")
        })?;
    let report = state.app.calendar().year_report(year);
    Ok(Json(serde_json::to_value(&report).map_err(|e| {
        ApiError::with(ErrorCode::Internal, e.to_string())
    })?))
}

/// `GET /api/v1/calendar/due?from=2026-02-13T16:00&limit=3 working days&cutoff=false`
#[derive(Debug, Deserialize)]
pub struct DueQuery {
    from: String,
    limit: String,
    #[serde(default)]
    cutoff: bool,
}

async fn calendar_due(
    State(state): State<AppState>,
    q: Result<Query<DueQuery>, QueryRejection>,
) -> ApiResult<Value> {
    let q = query(q)?;
    let from: DateTime = q
        .from
        .parse()
        .map_err(|e| ApiError::with(ErrorCode::InvalidDate, format!("from: {e}")))?;
    let limit = TimeLimit::parse(&q.limit)
        .map_err(|e| ApiError::with(ErrorCode::InvalidTimeLimit, e.to_string()))?;
    let due = state.app.due(from, limit, q.cutoff);
    Ok(Json(serde_json::to_value(&due).map_err(|e| {
        ApiError::with(ErrorCode::Internal, e.to_string())
    })?))
}
