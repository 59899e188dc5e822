//! `/dieu-hanh/ho-so` (the dossiers behind an indicator, with CSV and XLSX downloads),
//! `/dieu-hanh/xep-hang` (rankings by the 766 index) and `/dieu-hanh/nhiet-do` (the unit ×
//! month heat table).

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use tinhso_app::kpi::{dossiers_csv, dossiers_xlsx, KpiDossierRow};
use tinhso_domain::catalog::Channel;
use tinhso_domain::dossier::{NationalStatus, Timeliness};
use tinhso_domain::kpi::{Indicator, Period};
use tinhso_store::kpi::DimensionKind;

use super::dashboard::ranking_chart;
use super::{
    dec, finish, indicator_name, int, link_query, percent, period_form, query, scope_choices,
    scope_value, twelve_months, Ctx, Fail, IocQuery, PeriodForm, PER_DOSSIER,
};
use crate::html::charts::heat_class;
use crate::html::i18n::Lang;
use crate::html::session::encode_query;
use crate::html::{render, Page};
use crate::AppState;

/// Dossiers per page of the drill-down.
pub const PAGE_SIZE: u32 = 50;
/// The most dossiers a download carries (as the JSON API).
pub const MAX_EXPORT: u32 = 100_000;

fn indicator_of(q: &IocQuery) -> Result<Indicator, Fail> {
    let text = q.indicator.trim();
    let indicator = Indicator::from_id(text).ok_or_else(|| {
        Fail::Bad(
            "ioc.error.indicator",
            (!text.is_empty()).then(|| text.chars().take(20).collect()),
        )
    })?;
    if !PER_DOSSIER.contains(&indicator) {
        return Err(Fail::Bad(
            "ioc.error.indicator_not_per_dossier",
            Some(indicator.id().to_string()),
        ));
    }
    Ok(indicator)
}

fn kind_of(q: &IocQuery) -> Result<DimensionKind, Fail> {
    match q.by.trim() {
        "" | "agency" => Ok(DimensionKind::CompetentAgency),
        "commune" => Ok(DimensionKind::Commune),
        other => Err(Fail::Bad(
            "ioc.error.by",
            Some(other.chars().take(20).collect()),
        )),
    }
}

fn by_value(kind: DimensionKind) -> &'static str {
    match kind {
        DimensionKind::Commune => "commune",
        _ => "agency",
    }
}

/// One dossier of the drill-down, in words.
struct DossierLine {
    code: String,
    /// The officer dossier page, when the viewer may open it.
    href: Option<String>,
    procedure: String,
    channel: &'static str,
    receiving: String,
    competent: String,
    status: String,
    received: String,
    due: String,
    ended: String,
    timeliness: &'static str,
    timeliness_class: &'static str,
    supplements: u32,
}

#[derive(Template)]
#[template(path = "ioc/dossiers.html")]
struct DossiersTemplate {
    p: Page,
    indicator_id: &'static str,
    indicator_name: &'static str,
    scope_name: String,
    period: PeriodForm,
    lost: Option<String>,
    rows: Vec<DossierLine>,
    next: Option<String>,
    first: Option<String>,
    csv: String,
    xlsx: String,
    back: String,
}

fn channel_key(c: Channel) -> &'static str {
    match c {
        Channel::Counter => "ioc.channel.counter",
        Channel::Online => "ioc.channel.online",
        Channel::Postal => "ioc.channel.postal",
    }
}

fn line(
    p: &Page,
    row: &KpiDossierRow,
    agencies: &HashMap<String, String>,
    procedures: &HashMap<String, String>,
) -> DossierLine {
    let name = |eid: &str| {
        agencies
            .get(eid)
            .cloned()
            .unwrap_or_else(|| eid.to_string())
    };
    // The officer page opens for officers of an agency the dossier concerns (the app checks
    // again there); leaders are officers, administrators are not.
    let mine = p
        .user
        .as_ref()
        .and_then(|u| u.agency.as_ref())
        .is_some_and(|a| a.as_str() == row.receiving_agency || a.as_str() == row.competent_agency);
    let status = NationalStatus::from_code(row.status).map_or(row.status.to_string(), |s| {
        match p.lang {
            Lang::Vi => s.label_vi(),
            Lang::En => s.label_en(),
        }
        .to_string()
    });
    let (timeliness, timeliness_class) = match row.timeliness {
        Some(Timeliness::Early) => (p.t("ioc.timeliness.early"), "ok"),
        Some(Timeliness::OnTime) => (p.t("ioc.timeliness.on_time"), "ok"),
        Some(Timeliness::Late) => (p.t("ioc.timeliness.late"), "bad"),
        None => ("", ""),
    };
    DossierLine {
        href: (p.is_officer() && mine)
            .then(|| format!("/can-bo/ho-so/{}", encode_query(&row.code))),
        code: row.code.clone(),
        procedure: match procedures.get(&row.procedure_code) {
            Some(n) => format!("{} — {}", row.procedure_code, n),
            None => row.procedure_code.clone(),
        },
        channel: p.t(channel_key(row.channel)),
        receiving: name(&row.receiving_agency),
        competent: name(&row.competent_agency),
        status,
        received: p.date(&row.received_on),
        due: row.due.map(|d| p.datetime(&d)).unwrap_or_default(),
        ended: row
            .ended_for_index
            .map(|d| p.datetime(&d))
            .unwrap_or_default(),
        timeliness,
        timeliness_class,
        supplements: row.supplement_requests,
    }
}

/// `GET /dieu-hanh/ho-so`.
pub async fn view_dossiers_get(
    State(state): State<AppState>,
    p: Page,
    q: Result<Query<IocQuery>, QueryRejection>,
) -> Response {
    let result = dossiers(&state, &p, q).await;
    finish(p, result)
}

async fn dossiers(
    state: &AppState,
    p: &Page,
    q: Result<Query<IocQuery>, QueryRejection>,
) -> Result<Response, Fail> {
    let q = query(q)?;
    let ctx = Ctx::read(state, p, &q).await?;
    let indicator = indicator_of(&q)?;
    let after = match q.after.trim() {
        "" => None,
        t => Some(
            t.parse::<i64>()
                .map_err(|_| Fail::Bad("ioc.error.after", Some(t.chars().take(20).collect())))?,
        ),
    };
    let app = &state.app;
    let page = app
        .kpi_dossiers(
            &ctx.user, &ctx.scope, indicator, ctx.period, PAGE_SIZE, after,
        )
        .await?;
    // How many lost points: the indicator's denominator less its numerator (2.2 counts
    // minutes, not dossiers).
    let view = app.kpi_view(&ctx.user, &ctx.scope, ctx.period).await?;
    let lost = view
        .index
        .indicators
        .iter()
        .find(|s| s.id == indicator && indicator != Indicator::ResolutionTime)
        .and_then(|s| Some(s.denominator?.saturating_sub(s.numerator?)))
        .map(|n| int(p.lang, n));
    let agencies: HashMap<String, String> = app
        .store
        .agencies()
        .await?
        .into_iter()
        .map(|a| (a.eid.to_string(), a.name))
        .collect();
    let procedures: HashMap<String, String> = app
        .catalog
        .snapshot()
        .records
        .values()
        .map(|v| (v.procedure.code.to_string(), v.procedure.name.clone()))
        .collect();
    let (_, scope_name) = scope_choices(state, p, &ctx).await?;
    let base = format!("indicator={}&{}", indicator.id(), ctx.link_query());
    let t = DossiersTemplate {
        indicator_id: indicator.id(),
        indicator_name: indicator_name(p.lang, indicator),
        scope_name,
        period: period_form(p, &ctx.period),
        lost,
        rows: page
            .dossiers
            .iter()
            .map(|r| line(p, r, &agencies, &procedures))
            .collect(),
        next: page
            .next
            .map(|n| format!("/dieu-hanh/ho-so?{base}&after={n}")),
        first: after.map(|_| format!("/dieu-hanh/ho-so?{base}")),
        csv: format!("/dieu-hanh/ho-so/tai-ve?{base}&format=csv"),
        xlsx: format!("/dieu-hanh/ho-so/tai-ve?{base}&format=xlsx"),
        back: format!(
            "/dieu-hanh?{}#ind-{}",
            ctx.link_query(),
            indicator.id().replace('.', "-")
        ),
        p: p.clone(),
    };
    Ok(render(&t)?.into_response())
}

/// `GET /dieu-hanh/ho-so/tai-ve?format=csv|xlsx`: the whole list as a file.
pub async fn view_dossiers_download_get(
    State(state): State<AppState>,
    p: Page,
    q: Result<Query<IocQuery>, QueryRejection>,
) -> Response {
    let result = download(&state, &p, q).await;
    finish(p, result)
}

async fn download(
    state: &AppState,
    p: &Page,
    q: Result<Query<IocQuery>, QueryRejection>,
) -> Result<Response, Fail> {
    let q = query(q)?;
    let ctx = Ctx::read(state, p, &q).await?;
    let indicator = indicator_of(&q)?;
    let format = q.format.trim();
    if !matches!(format, "csv" | "xlsx") {
        return Err(Fail::Bad(
            "ioc.error.format",
            Some(format.chars().take(20).collect()),
        ));
    }
    let page = state
        .app
        .kpi_dossiers(
            &ctx.user, &ctx.scope, indicator, ctx.period, MAX_EXPORT, None,
        )
        .await?;
    let stem = format!("ho-so-chi-so-{}-{}", indicator.id(), ctx.period);
    let mut response = if format == "csv" {
        crate::dossiers::file_response(
            dossiers_csv(&page.dossiers).into_bytes(),
            "text/csv; charset=utf-8",
            &format!("{stem}.csv"),
            "attachment",
        )
    } else {
        crate::dossiers::file_response(
            dossiers_xlsx(&page.dossiers)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{stem}.xlsx"),
            "attachment",
        )
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// One row of a ranking.
struct RankRow {
    rank: u32,
    key: String,
    name: String,
    /// The dashboard of this unit, when the viewer may open it.
    href: Option<String>,
    score: String,
    on_time: String,
    processed: String,
    late: String,
    received: String,
    overdue: String,
}

#[derive(Template)]
#[template(path = "ioc/ranking.html")]
struct RankingTemplate {
    p: Page,
    by: &'static str,
    period: PeriodForm,
    svg: String,
    rows: Vec<RankRow>,
}

/// `GET /dieu-hanh/xep-hang`.
pub async fn view_ranking_get(
    State(state): State<AppState>,
    p: Page,
    q: Result<Query<IocQuery>, QueryRejection>,
) -> Response {
    let result = ranking(&state, &p, q).await;
    finish(p, result)
}

async fn ranking(
    state: &AppState,
    p: &Page,
    q: Result<Query<IocQuery>, QueryRejection>,
) -> Result<Response, Fail> {
    let q = query(q)?;
    let ctx = Ctx::read(state, p, &q).await?;
    let kind = kind_of(&q)?;
    let units = state.app.kpi_ranking(&ctx.user, kind, ctx.period).await?;
    let lang = p.lang;
    let rows = units
        .iter()
        .map(|u| RankRow {
            rank: u.rank,
            key: scope_value(&u.scope).replace([':', '.'], "-"),
            name: u.name.clone(),
            href: ctx
                .access
                .allows(&u.scope)
                .then(|| format!("/dieu-hanh?{}", link_query(&ctx.period, &u.scope))),
            score: u.total.map_or("—".into(), |t| dec(lang, t, 2)),
            on_time: percent(lang, u.on_time_rate),
            processed: int(lang, u.processed),
            late: int(lang, u.late),
            received: int(lang, u.received),
            overdue: int(lang, u.overdue_now),
        })
        .collect();
    let t = RankingTemplate {
        by: by_value(kind),
        period: period_form(p, &ctx.period),
        svg: ranking_chart(p, "ranking-chart", &units, 20),
        rows,
        p: p.clone(),
    };
    Ok(render(&t)?.into_response())
}

struct HeatCell {
    class: &'static str,
    rate: String,
    counts: String,
}

struct HeatLine {
    name: String,
    cells: Vec<HeatCell>,
}

#[derive(Template)]
#[template(path = "ioc/heat.html")]
struct HeatTemplate {
    p: Page,
    by: &'static str,
    period: PeriodForm,
    months: Vec<String>,
    rows: Vec<HeatLine>,
}

/// `GET /dieu-hanh/nhiet-do`.
pub async fn view_heat_get(
    State(state): State<AppState>,
    p: Page,
    q: Result<Query<IocQuery>, QueryRejection>,
) -> Response {
    let result = heat(&state, &p, q).await;
    finish(p, result)
}

async fn heat(
    state: &AppState,
    p: &Page,
    q: Result<Query<IocQuery>, QueryRejection>,
) -> Result<Response, Fail> {
    let q = query(q)?;
    let ctx = Ctx::read(state, p, &q).await?;
    let kind = kind_of(&q)?;
    // Default: the twelve months up to this one.
    let asked = !q.period.trim().is_empty() || !q.kind.trim().is_empty();
    let period = if asked {
        ctx.period
    } else {
        twelve_months(&Period::month_of(state.app.today()))
    };
    let table = state.app.kpi_heat(&ctx.user, kind, period).await?;
    let lang = p.lang;
    let mut rows: Vec<HeatLine> = table
        .rows
        .iter()
        .map(|r| HeatLine {
            name: r.name.clone(),
            cells: r
                .cells
                .iter()
                .map(|(good, all)| {
                    let rate = (*all > 0).then(|| *good as f64 / *all as f64);
                    HeatCell {
                        class: heat_class(rate),
                        rate: percent(lang, rate),
                        counts: format!("{}/{}", int(lang, *good), int(lang, *all)),
                    }
                })
                .collect(),
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let t = HeatTemplate {
        by: by_value(kind),
        period: period_form(p, &period),
        months: table
            .months
            .iter()
            .map(|d| format!("{:02}/{}", d.month(), d.year()))
            .collect(),
        rows,
        p: p.clone(),
    };
    Ok(render(&t)?.into_response())
}
