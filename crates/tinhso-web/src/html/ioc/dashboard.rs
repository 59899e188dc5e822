//! `/dieu-hanh` (the leaders' dashboard) and `/dieu-hanh/man-hinh` (the wall screen): headline
//! figures with the previous period and the change, the 766 index with its groups and
//! indicators, the 12-month trend and the top of the ranking.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use tinhso_app::kpi::{KpiView, RankedUnit};
use tinhso_domain::kpi::{Indicator, KpiReport, Ratio, GROUPS};
use tinhso_store::kpi::DimensionKind;

use super::{
    dec, finish, indicator_name, int, percent, period_form, query, scope_choices, twelve_months,
    Ctx, Fail, IocQuery, PeriodForm, ScopeGroup, PER_DOSSIER,
};
use crate::html::charts::{bar_chart, line_chart, Bar, ChartText, Series};
use crate::html::i18n::Lang;
use crate::html::session::encode_query;
use crate::html::{render, Page};
use crate::AppState;

/// How a figure moved against the previous period.
pub(crate) struct Change {
    /// "▲", "▼" or "=" (decorative: the text says it too).
    pub arrow: &'static str,
    /// "+12 (+5,3%)", "−1,5 điểm %".
    pub text: String,
    /// `better`, `worse`, `same` or `neutral` (colour; never alone).
    pub class: &'static str,
    /// "tăng" / "giảm" / "không đổi", for screen readers.
    pub words: &'static str,
}

/// One headline figure.
pub(crate) struct Figure {
    pub id: &'static str,
    pub label: &'static str,
    pub value: String,
    /// "350/400" for rates.
    pub detail: Option<String>,
    /// The previous period's value; `None` for figures read now (gauges).
    pub previous: Option<String>,
    pub change: Option<Change>,
    /// The dossiers behind it.
    pub href: Option<String>,
    pub note: Option<&'static str>,
}

/// Whether more is better (`None`: neither).
type Better = Option<bool>;

fn change(p: &Page, diff: f64, relative: Option<f64>, better: Better, unit: &str) -> Change {
    let lang = p.lang;
    let rounded = (diff * 10.0).round() / 10.0;
    let (arrow, words) = if rounded > 0.0 {
        ("▲", p.t("ioc.change.up"))
    } else if rounded < 0.0 {
        ("▼", p.t("ioc.change.down"))
    } else {
        ("=", p.t("ioc.change.same"))
    };
    let class = match better {
        _ if rounded == 0.0 => "same",
        None => "neutral",
        Some(up_is_good) if (rounded > 0.0) == up_is_good => "better",
        Some(_) => "worse",
    };
    let sign = if rounded > 0.0 { "+" } else { "" };
    let places = if unit.is_empty() && diff.fract() == 0.0 {
        0
    } else {
        1
    };
    let mut text = format!("{sign}{}{unit}", dec(lang, diff, places));
    if let Some(r) = relative.filter(|r| r.is_finite()) {
        let sign = if r > 0.0 { "+" } else { "" };
        text.push_str(&format!(" ({sign}{}%)", dec(lang, r * 100.0, 1)));
    }
    Change {
        arrow,
        text,
        class,
        words,
    }
}

fn count_figure(
    p: &Page,
    id: &'static str,
    label: &'static str,
    now: u64,
    before: u64,
    better: Better,
) -> Figure {
    let diff = now as f64 - before as f64;
    let relative = (before > 0).then(|| diff / before as f64);
    Figure {
        id,
        label: p.t(label),
        value: int(p.lang, now),
        detail: None,
        previous: Some(int(p.lang, before)),
        change: Some(change(p, diff, relative, better, "")),
        href: None,
        note: None,
    }
}

fn gauge_figure(p: &Page, id: &'static str, label: &'static str, now: u64) -> Figure {
    Figure {
        id,
        label: p.t(label),
        value: int(p.lang, now),
        detail: None,
        previous: None,
        change: None,
        href: None,
        note: Some(p.t("ioc.fig.read_now")),
    }
}

fn rate_figure(
    p: &Page,
    id: &'static str,
    label: &'static str,
    now: Ratio,
    before: Ratio,
    better: Better,
) -> Figure {
    let change = match (now.percent(), before.percent()) {
        (Some(a), Some(b)) => Some(change(p, a - b, None, better, p.t("ioc.change.points"))),
        _ => None,
    };
    Figure {
        id,
        label: p.t(label),
        value: percent(p.lang, now.rate()),
        detail: Some(format!(
            "{}/{}",
            int(p.lang, now.numerator),
            int(p.lang, now.denominator)
        )),
        previous: Some(percent(p.lang, before.rate())),
        change,
        href: None,
        note: None,
    }
}

impl Figure {
    /// The figure with a link to the dossiers behind it.
    fn linked(self, href: String) -> Self {
        Figure {
            href: Some(href),
            ..self
        }
    }
}

/// The headline figures of a view; `drill` makes the link to an indicator's dossiers.
pub(crate) fn figures(
    p: &Page,
    view: &KpiView,
    drill: &dyn Fn(Indicator) -> String,
) -> Vec<Figure> {
    let (r, b) = (&view.report, &view.previous);
    let hours = |r: &KpiReport| r.average_resolution_minutes().map(|m| m / 60.0);
    let avg = {
        let (now, before) = (hours(r), hours(b));
        Figure {
            id: "avg-hours",
            label: p.t("ioc.fig.avg_hours"),
            value: now.map_or("—".into(), |h| dec(p.lang, h, 1)),
            detail: Some(p.t("ioc.fig.working_hours").into()),
            previous: Some(before.map_or("—".into(), |h| dec(p.lang, h, 1))),
            change: match (now, before) {
                (Some(a), Some(c)) => Some(change(p, a - c, None, Some(false), "")),
                _ => None,
            },
            href: Some(drill(Indicator::ResolutionTime)),
            note: None,
        }
    };
    let paused = Figure {
        detail: Some(format!(
            "{} {} · {} {} · {} {}",
            p.t("ioc.fig.paused_supplement"),
            int(p.lang, r.paused.supplement),
            p.t("ioc.fig.paused_fee"),
            int(p.lang, r.paused.financial_obligation),
            p.t("ioc.fig.paused_stopped"),
            int(p.lang, r.paused.stopped)
        )),
        ..gauge_figure(p, "paused", "ioc.fig.paused", r.paused.total)
    };
    let late = count_figure(p, "late", "ioc.fig.late", r.late, b.late, Some(false))
        .linked(drill(Indicator::OnTime));
    let on_time_rate = rate_figure(
        p,
        "on-time-rate",
        "ioc.fig.on_time_rate",
        r.on_time_rate,
        b.on_time_rate,
        Some(true),
    )
    .linked(drill(Indicator::OnTime));
    let online = rate_figure(
        p,
        "online-rate",
        "ioc.fig.online_rate",
        r.online_rate,
        b.online_rate,
        Some(true),
    )
    .linked(drill(Indicator::OnlineDossiers));
    let payment = rate_figure(
        p,
        "payment-rate",
        "ioc.fig.payment_rate",
        r.online_payment_rate,
        b.online_payment_rate,
        Some(true),
    )
    .linked(drill(Indicator::PaidOnline));
    let mut digitized = rate_figure(
        p,
        "digitized-rate",
        "ioc.fig.digitized_rate",
        r.digitized_rate,
        b.digitized_rate,
        Some(true),
    )
    .linked(drill(Indicator::DigitizedWithElectronicResult));
    digitized.note = Some(p.t("ioc.fig.digitized_note"));
    let mut overdue = gauge_figure(p, "overdue", "ioc.fig.overdue", r.overdue_now);
    overdue.detail = Some(format!(
        "{} {}",
        percent(p.lang, r.overdue_rate.rate()),
        p.t("ioc.fig.of_in_progress")
    ));
    vec![
        count_figure(
            p,
            "received",
            "ioc.fig.received",
            r.received.total,
            b.received.total,
            None,
        ),
        count_figure(
            p,
            "received-counter",
            "ioc.fig.received_counter",
            r.received.counter,
            b.received.counter,
            None,
        ),
        count_figure(
            p,
            "received-online",
            "ioc.fig.received_online",
            r.received.online,
            b.received.online,
            Some(true),
        ),
        count_figure(
            p,
            "received-postal",
            "ioc.fig.received_postal",
            r.received.postal,
            b.received.postal,
            None,
        ),
        count_figure(
            p,
            "resolved",
            "ioc.fig.resolved",
            r.resolved,
            b.resolved,
            Some(true),
        ),
        count_figure(p, "early", "ioc.fig.early", r.early, b.early, Some(true)),
        count_figure(p, "on-time", "ioc.fig.on_time", r.on_time, b.on_time, None),
        late,
        on_time_rate,
        gauge_figure(p, "in-progress", "ioc.fig.in_progress", r.in_progress),
        overdue,
        paused,
        avg,
        online,
        rate_figure(
            p,
            "full-online-rate",
            "ioc.fig.full_online_rate",
            r.full_online_rate,
            b.full_online_rate,
            Some(true),
        ),
        digitized,
        payment,
        rate_figure(
            p,
            "satisfaction",
            "ioc.fig.satisfaction",
            r.satisfaction,
            b.satisfaction,
            Some(true),
        ),
    ]
}

/// One group of the index.
pub(crate) struct GroupRow {
    pub group: u8,
    pub name: &'static str,
    pub points: String,
    pub max: String,
    pub measured: String,
}

/// One indicator of the index.
pub(crate) struct IndicatorRow {
    pub id: &'static str,
    /// `2-1` (for element ids).
    pub anchor: String,
    pub name: &'static str,
    pub fraction: String,
    pub rate: String,
    pub threshold: String,
    pub points: String,
    pub max: String,
    pub lost: String,
    pub not_measured: Option<&'static str>,
    pub href: Option<String>,
}

/// The 766 index of a view, as rows.
pub(crate) struct IndexView {
    pub total: Option<String>,
    pub max: String,
    pub earned: String,
    pub measured: String,
    pub rescaled: bool,
    pub groups: Vec<GroupRow>,
    pub indicators: Vec<IndicatorRow>,
}

fn index_view(p: &Page, view: &KpiView, drill: &dyn Fn(Indicator) -> String) -> IndexView {
    let lang = p.lang;
    let i = &view.index;
    IndexView {
        total: i.total.map(|t| dec(lang, t, 2)),
        max: dec(lang, i.max_points, 0),
        earned: dec(lang, i.earned_points, 2),
        measured: dec(lang, i.measured_max_points, 2),
        rescaled: i.rescaled,
        groups: i
            .groups
            .iter()
            .map(|g| GroupRow {
                group: g.group,
                name: GROUPS.iter().find(|x| x.0 == g.group).map_or("", |x| {
                    if lang == Lang::Vi {
                        x.1
                    } else {
                        x.2
                    }
                }),
                points: dec(lang, g.points, 2),
                max: dec(lang, g.max_points, 0),
                measured: dec(lang, g.measured_max_points, 2),
            })
            .collect(),
        indicators: i
            .indicators
            .iter()
            .map(|s| IndicatorRow {
                id: s.id.id(),
                anchor: s.id.id().replace('.', "-"),
                name: indicator_name(lang, s.id),
                fraction: match (s.numerator, s.denominator) {
                    (Some(n), Some(d)) => format!("{}/{}", int(lang, n), int(lang, d)),
                    _ => String::new(),
                },
                rate: percent(lang, s.rate),
                threshold: percent(lang, Some(s.threshold)),
                points: dec(lang, s.points, 2),
                max: dec(lang, s.max_points, 2),
                lost: dec(lang, s.lost_points, 2),
                not_measured: s.not_measured.map(|n| match n {
                    tinhso_domain::kpi::NotMeasured::InputMissing => p.t("ioc.index.input_missing"),
                    tinhso_domain::kpi::NotMeasured::EmptyDenominator => p.t("ioc.index.empty"),
                }),
                href: PER_DOSSIER.contains(&s.id).then(|| drill(s.id)),
            })
            .collect(),
    }
}

/// The trend: a chart and its table.
pub(crate) struct Trend {
    pub svg: String,
    pub rows: Vec<TrendRow>,
}

pub(crate) struct TrendRow {
    pub month: String,
    pub received: String,
    pub processed: String,
    pub on_time: String,
    pub online: String,
}

fn trend(p: &Page, id: &str, months: &[KpiReport]) -> Trend {
    let lang = p.lang;
    let labels: Vec<String> = months
        .iter()
        .map(|r| {
            let d = r.period.first_day();
            format!("{:02}/{:02}", d.month(), d.year() % 100)
        })
        .collect();
    let series = |name: &str, rate: &dyn Fn(&KpiReport) -> Option<f64>| Series {
        name: name.to_string(),
        values: months.iter().map(|r| rate(r).map(|x| x * 100.0)).collect(),
        texts: months.iter().map(|r| percent(lang, rate(r))).collect(),
    };
    let svg = line_chart(
        &ChartText {
            id: id.to_string(),
            title: p.t("ioc.trend.title").into(),
            desc: p.t("ioc.trend.desc").into(),
            empty: p.t("ioc.chart.empty").into(),
            comma: lang == Lang::Vi,
        },
        &labels,
        &[
            series(p.t("ioc.fig.on_time_rate"), &|r| r.on_time_rate.rate()),
            series(p.t("ioc.fig.online_rate"), &|r| r.online_rate.rate()),
        ],
        Some(100.0),
    );
    Trend {
        svg,
        rows: months
            .iter()
            .zip(labels)
            .map(|(r, month)| TrendRow {
                month,
                received: int(lang, r.received.total),
                processed: int(lang, r.processed),
                on_time: percent(lang, r.on_time_rate.rate()),
                online: percent(lang, r.online_rate.rate()),
            })
            .collect(),
    }
}

/// Bars of the 766 index of ranked units (the first `n`).
pub(crate) fn ranking_chart(p: &Page, id: &str, units: &[RankedUnit], n: usize) -> String {
    let bars: Vec<Bar> = units
        .iter()
        .take(n)
        .map(|u| Bar {
            label: format!("{}. {}", u.rank, u.name),
            value: u.total,
            text: u.total.map_or("—".into(), |t| dec(p.lang, t, 2)),
        })
        .collect();
    bar_chart(
        &ChartText {
            id: id.to_string(),
            title: p.t("ioc.ranking.chart_title").into(),
            desc: p.t("ioc.ranking.chart_desc").into(),
            empty: p.t("ioc.chart.empty").into(),
            comma: p.lang == Lang::Vi,
        },
        &bars,
        Some(100.0),
    )
}

#[derive(Template)]
#[template(path = "ioc/dashboard.html")]
struct DashboardTemplate {
    p: Page,
    period: PeriodForm,
    scopes: Vec<ScopeGroup>,
    scope_name: String,
    figures: Vec<Figure>,
    index: IndexView,
    trend: Trend,
    ranking_svg: String,
    links: String,
    as_of: String,
}

fn drill_link(ctx: &Ctx) -> impl Fn(Indicator) -> String + '_ {
    move |i| format!("/dieu-hanh/ho-so?indicator={}&{}", i.id(), ctx.link_query())
}

/// `GET /dieu-hanh`.
pub async fn view_dashboard_get(
    State(state): State<AppState>,
    p: Page,
    q: Result<Query<IocQuery>, QueryRejection>,
) -> Response {
    let result = dashboard(&state, &p, q).await;
    finish(p, result)
}

async fn dashboard(
    state: &AppState,
    p: &Page,
    q: Result<Query<IocQuery>, QueryRejection>,
) -> Result<Response, Fail> {
    let q = query(q)?;
    let ctx = Ctx::read(state, p, &q).await?;
    let app = &state.app;
    let view = app.kpi_view(&ctx.user, &ctx.scope, ctx.period).await?;
    let months = app
        .kpi_trend(&ctx.user, &ctx.scope, twelve_months(&ctx.period))
        .await?;
    let ranking = app
        .kpi_ranking(&ctx.user, DimensionKind::CompetentAgency, ctx.period)
        .await?;
    let (scopes, scope_name) = scope_choices(state, p, &ctx).await?;
    let drill = drill_link(&ctx);
    let t = DashboardTemplate {
        figures: figures(p, &view, &drill),
        index: index_view(p, &view, &drill),
        trend: trend(p, "trend-chart", &months),
        ranking_svg: ranking_chart(p, "ranking-chart", &ranking, 10),
        period: period_form(p, &ctx.period),
        scopes,
        scope_name,
        links: ctx.link_query(),
        as_of: p.datetime(&view.report.as_of),
        p: p.clone(),
    };
    Ok(render(&t)?.into_response())
}

/// What the wall screen shows (the panel htmx replaces).
pub(crate) struct Wall {
    pub figures: Vec<Figure>,
    pub index_total: Option<String>,
    pub trend: Trend,
    pub ranking_svg: String,
    pub scope_name: String,
    pub period_label: String,
    pub as_of: String,
    /// This page's URL (the panel reloads from it).
    pub url: String,
}

#[derive(Template)]
#[template(path = "ioc/wall.html")]
struct WallTemplate {
    p: Page,
    w: Wall,
}

#[derive(Template)]
#[template(path = "ioc/wall_panel.html")]
struct WallPanelTemplate {
    p: Page,
    w: Wall,
}

/// An htmx poll (not a history restore, which needs the whole page).
fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
        && headers.get("hx-history-restore-request").is_none()
}

/// `GET /dieu-hanh/man-hinh`: the wall screen.
pub async fn view_wall_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    p: Page,
    q: Result<Query<IocQuery>, QueryRejection>,
) -> Response {
    // A poll after the session ended: send the whole screen to the sign-in page instead of
    // swapping it into the panel.
    if p.user.is_none() && is_htmx(&headers) {
        let mut r = ().into_response();
        let target = format!("/dang-nhap?tiep={}", encode_query(&p.path));
        if let Ok(v) = HeaderValue::from_str(&target) {
            r.headers_mut().insert("hx-redirect", v);
        }
        return r;
    }
    let panel = is_htmx(&headers);
    let result = wall(&state, &p, q, panel).await;
    finish(p, result)
}

async fn wall(
    state: &AppState,
    p: &Page,
    q: Result<Query<IocQuery>, QueryRejection>,
    panel: bool,
) -> Result<Response, Fail> {
    let q = query(q)?;
    let ctx = Ctx::read(state, p, &q).await?;
    let app = &state.app;
    let view = app.kpi_view(&ctx.user, &ctx.scope, ctx.period).await?;
    let months = app
        .kpi_trend(&ctx.user, &ctx.scope, twelve_months(&ctx.period))
        .await?;
    let ranking = app
        .kpi_ranking(&ctx.user, DimensionKind::CompetentAgency, ctx.period)
        .await?;
    let (_, scope_name) = scope_choices(state, p, &ctx).await?;
    let drill = drill_link(&ctx);
    let keep = [
        "received",
        "resolved",
        "on-time-rate",
        "late",
        "in-progress",
        "overdue",
        "online-rate",
        "satisfaction",
    ];
    let w = Wall {
        figures: figures(p, &view, &drill)
            .into_iter()
            .filter(|f| keep.contains(&f.id))
            .collect(),
        index_total: view.index.total.map(|t| dec(p.lang, t, 2)),
        trend: trend(p, "wall-trend", &months),
        ranking_svg: ranking_chart(p, "wall-ranking", &ranking, 10),
        scope_name,
        period_label: period_form(p, &ctx.period).label,
        as_of: p.datetime(&view.report.as_of),
        url: format!("/dieu-hanh/man-hinh?{}", ctx.link_query()),
    };
    let html = if panel {
        render(&WallPanelTemplate { p: p.clone(), w })?
    } else {
        render(&WallTemplate { p: p.clone(), w })?
    };
    Ok(html.into_response())
}
