//! The operations dashboard (IOC, `/dieu-hanh`) and the public transparency page (`/minh-bach`)
//! (issue 5; domain.md §3, §6; see the module docs of [`crate::html`] for the conventions).
//!
//! Who sees what is the app's [`KpiAccess`]: leaders and agency administrators their agency
//! (and its commune), province administrators and the provincial people's committee the whole
//! province. A visitor is sent to sign in; a signed-in user without KPI access (a citizen, a
//! one-stop officer) gets 403, and so does a scope outside the caller's access. Bad input (a
//! period, scope, indicator or ranking kind that does not parse) gets a 400 page in the page's
//! language that names what to type. Every number comes from the same use cases as the JSON
//! API (`tinhso_app::kpi`), so page and API agree. Charts are SVG drawn on the server
//! ([`super::charts`]), each with a data table or its numbers beside it.
//!
//! ## Routes and parameters (stable: the tests drive them)
//!
//! Every dashboard page takes the period as `period` (`2026-03-15`, `2026-03`, `2026-Q1`,
//! `2026`, `2026-01-01..2026-03-31`) or as the filter form sends it: `kind` (`day`, `month`,
//! `quarter`, `year`, `custom`) with `day` (a date in the period) or `from` and `to`; default
//! this month. The scope is `scope=KIND:VALUE` (`agency:E-ID` competent agency,
//! `receiving:E-ID`, `commune:CODE`, `field:NAME`, `procedure:CODE`, or `province`); default
//! the caller's own.
//!
//! | Route | What |
//! |---|---|
//! | `GET /dieu-hanh` | The dashboard: filter form `#filters` (`#kind`, `#day`, `#from`, `#to`, `#scope`); headline figures `#fig-<name>` (value `#fig-<name>-value`, previous `#fig-<name>-previous`, change `#fig-<name>-change`) for `received`, `received-counter`, `received-online`, `received-postal`, `resolved`, `early`, `on-time`, `late`, `on-time-rate`, `in-progress`, `overdue`, `paused`, `avg-hours`, `online-rate`, `full-online-rate`, `digitized-rate`, `payment-rate`, `satisfaction`; the 766 index `#index-total`, groups `#index-groups` (rows `#group-N`), indicators `#indicators` (rows `#ind-N-M`, drill-down links `#drill-N-M`); the 12-month trend `#trend` (SVG `#trend-chart`, table `#trend-table`); the top of the agency ranking `#ranking` (SVG `#ranking-chart`). |
//! | `GET /dieu-hanh/ho-so?indicator=2.1` | The dossiers that cost the indicator points (`#dossiers`, rows `#row-<code>`, 50 a page, `#next-page` with `after=`), their count `#lost-count`, downloads `#download-csv`, `#download-xlsx`. |
//! | `GET /dieu-hanh/ho-so/tai-ve?indicator=2.1&format=csv\|xlsx` | The whole list (up to 100,000) as a file. |
//! | `GET /dieu-hanh/xep-hang?by=agency\|commune` | Ranking by the 766 index: bars `#ranking-chart` (top 20), table `#ranking-table` (rows `#rank-<key>`). |
//! | `GET /dieu-hanh/nhiet-do?by=agency\|commune` | Units × months on-time rates `#heat-table` (default: the last 12 months). |
//! | `GET /dieu-hanh/man-hinh` | The wall screen: dark, large type; `#wall-panel` reloads itself every 60 s through htmx (`HX-Request` gets the panel alone). |
//! | `GET /minh-bach` | Public, no sign-in: per-agency figures of this month `#public-month` and this year `#public-year`; the columns are the `transparency_indicators` setting; 404 when `transparency_enabled` is off. |

mod dashboard;
mod lists;
mod public;

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use tinhso_app::dossiers::DossierError;
use tinhso_app::kpi::{KpiAccess, ScopeRequest};
use tinhso_domain::agency::AgencyLevel;
use tinhso_domain::kpi::{Dimension, Indicator, Period, PeriodError};
use tinhso_store::dossiers::User;

use super::i18n::Lang;
use super::session::encode_query;
use super::{render, Page, PageError};
use crate::error::{ApiError, ErrorCode};
use crate::openapi::Routes;
use crate::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .get("/dieu-hanh", dashboard::view_dashboard_get)
        .get("/dieu-hanh/man-hinh", dashboard::view_wall_get)
        .get("/dieu-hanh/ho-so", lists::view_dossiers_get)
        .get("/dieu-hanh/ho-so/tai-ve", lists::view_dossiers_download_get)
        .get("/dieu-hanh/xep-hang", lists::view_ranking_get)
        .get("/dieu-hanh/nhiet-do", lists::view_heat_get)
        .get("/minh-bach", public::view_transparency_get)
}

/// Every query parameter of the dashboard pages (all text, checked here, so that a bad value
/// gets a page that says what is wrong).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct IocQuery {
    pub period: String,
    pub kind: String,
    pub day: String,
    pub from: String,
    pub to: String,
    pub scope: String,
    pub by: String,
    pub indicator: String,
    pub after: String,
    pub format: String,
}

/// Why a dashboard page cannot be shown: an error page (sign in, 403, 500) or a 400 page
/// naming the bad input (a message key, and what was typed).
pub(crate) enum Fail {
    Page(PageError),
    Bad(&'static str, Option<String>),
}

impl From<PageError> for Fail {
    fn from(e: PageError) -> Self {
        Fail::Page(e)
    }
}

impl From<DossierError> for Fail {
    fn from(e: DossierError) -> Self {
        match e {
            DossierError::Forbidden => Fail::Page(PageError::code(ErrorCode::Forbidden)),
            DossierError::InvalidRequest(d)
            | DossierError::InvalidAgency(d)
            | DossierError::InvalidProcedureCode(d) => Fail::Bad("ioc.error.scope", Some(d)),
            e => Fail::Page(ApiError::from(e).into()),
        }
    }
}

impl From<tinhso_store::StoreError> for Fail {
    fn from(e: tinhso_store::StoreError) -> Self {
        Fail::Page(e.into())
    }
}

#[derive(Template)]
#[template(path = "ioc/problem.html")]
struct ProblemTemplate {
    p: Page,
    message: &'static str,
    detail: Option<String>,
}

/// The answer of a page handler: the page, or its failure.
pub(crate) fn finish(p: Page, result: Result<Response, Fail>) -> Response {
    match result {
        Ok(r) => r,
        Err(Fail::Page(e)) => e.into_response(),
        Err(Fail::Bad(key, detail)) => {
            let message = p.t(key);
            match render(&ProblemTemplate { p, message, detail }) {
                Ok(html) => (StatusCode::BAD_REQUEST, html).into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

/// The query, or a 400 page.
pub(crate) fn query(q: Result<Query<IocQuery>, QueryRejection>) -> Result<IocQuery, Fail> {
    q.map(|Query(q)| q)
        .map_err(|e| Fail::Bad("ioc.error.query", Some(e.body_text())))
}

/// The longest period a page computes (as the JSON API: three years).
const MAX_DAYS: i64 = 3 * 366;

fn period_problem(e: &PeriodError) -> &'static str {
    match e {
        PeriodError::Shape(_) => "ioc.error.period_shape",
        PeriodError::Date(_) => "ioc.error.period_date",
        PeriodError::Reversed { .. } => "ioc.error.period_reversed",
    }
}

fn shown(text: &str) -> Option<String> {
    Some(text.chars().take(60).collect())
}

/// A date typed in a form (`YYYY-MM-DD`); `today` when empty.
fn date_of(text: &str, today: Date) -> Result<Date, Fail> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(today);
    }
    match Period::parse(t) {
        Ok(Period::Day(d)) => Ok(d),
        Ok(_) => Err(Fail::Bad("ioc.error.period_date", shown(t))),
        Err(e) => Err(Fail::Bad(period_problem(&e), shown(t))),
    }
}

/// The period asked for (see the module docs); this month by default.
pub(crate) fn period_of(q: &IocQuery, today: Date) -> Result<Period, Fail> {
    let text = q.period.trim();
    let period = if !text.is_empty() {
        Period::parse(text).map_err(|e| Fail::Bad(period_problem(&e), shown(text)))?
    } else {
        match q.kind.trim() {
            "" | "month" => Period::month_of(date_of(&q.day, today)?),
            "day" => Period::Day(date_of(&q.day, today)?),
            "quarter" => Period::quarter_of(date_of(&q.day, today)?),
            "year" => Period::Year(date_of(&q.day, today)?.year()),
            "custom" => {
                if q.from.trim().is_empty() || q.to.trim().is_empty() {
                    return Err(Fail::Bad("ioc.error.period_custom", None));
                }
                let (from, to) = (date_of(&q.from, today)?, date_of(&q.to, today)?);
                Period::custom(from, to)
                    .map_err(|e| Fail::Bad(period_problem(&e), Some(format!("{from}..{to}"))))?
            }
            other => return Err(Fail::Bad("ioc.error.period_shape", shown(other))),
        }
    };
    if period.len_days() > MAX_DAYS {
        return Err(Fail::Bad("ioc.error.period_long", Some(period.to_string())));
    }
    Ok(period)
}

/// The scope parameter as the app's request; `province` is handled by [`Ctx::read`].
fn scope_request(value: &str) -> Result<ScopeRequest, Fail> {
    let v = value.trim();
    let mut r = ScopeRequest::default();
    if v.is_empty() || v == "province" {
        return Ok(r);
    }
    let bad = || Fail::Bad("ioc.error.scope", shown(v));
    let (kind, rest) = v.split_once(':').ok_or_else(bad)?;
    let rest = Some(rest.to_string());
    match kind {
        "agency" => r.agency = rest,
        "receiving" => r.receiving = rest,
        "procedure" => r.procedure = rest,
        "field" => r.field = rest,
        "commune" => r.commune = rest,
        _ => return Err(bad()),
    }
    Ok(r)
}

/// The scope parameter of a dimension (the inverse of [`scope_request`]).
pub(crate) fn scope_value(dim: &Dimension) -> String {
    match dim {
        Dimension::Province => "province".into(),
        Dimension::CompetentAgency(a) => format!("agency:{a}"),
        Dimension::ReceivingAgency(a) => format!("receiving:{a}"),
        Dimension::Field(f) => format!("field:{f}"),
        Dimension::Procedure(c) => format!("procedure:{c}"),
        Dimension::Commune(c) => format!("commune:{c}"),
    }
}

/// `period=…&scope=…` for links.
pub(crate) fn link_query(period: &Period, dim: &Dimension) -> String {
    format!(
        "period={}&scope={}",
        encode_query(&period.to_string()),
        encode_query(&scope_value(dim))
    )
}

/// What every dashboard page knows: who, what they may see, which period, which scope.
pub(crate) struct Ctx {
    pub user: User,
    pub access: KpiAccess,
    pub period: Period,
    pub dim: Dimension,
    pub scope: ScopeRequest,
}

impl Ctx {
    /// The signed-in KPI reader and the period and scope asked for (sign in, 403 or 400
    /// otherwise).
    pub async fn read(state: &AppState, p: &Page, q: &IocQuery) -> Result<Ctx, Fail> {
        let user = p.require_user()?.clone();
        let access = state.app.kpi_access(&user).await?;
        let period = period_of(q, state.app.today())?;
        let scope = scope_request(&q.scope)?;
        let dim = if q.scope.trim() == "province" {
            Dimension::Province
        } else {
            scope.dimension(&access)?
        };
        if !access.allows(&dim) {
            return Err(Fail::Page(PageError::code(ErrorCode::Forbidden)));
        }
        Ok(Ctx {
            user,
            access,
            period,
            dim,
            scope,
        })
    }

    pub fn link_query(&self) -> String {
        link_query(&self.period, &self.dim)
    }
}

/// One choice of the scope selector.
pub(crate) struct ScopeOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A group of the scope selector (`<optgroup>`).
pub(crate) struct ScopeGroup {
    pub label: &'static str,
    pub options: Vec<ScopeOption>,
}

/// The scopes the caller may choose, by kind, the current one selected; and the current
/// scope's display name.
pub(crate) async fn scope_choices(
    state: &AppState,
    p: &Page,
    ctx: &Ctx,
) -> Result<(Vec<ScopeGroup>, String), Fail> {
    let agencies = state.app.store.agencies().await?;
    let snapshot = state.app.catalog.snapshot();
    let mut groups: Vec<(&'static str, Vec<(Dimension, String)>)> = vec![(
        "ioc.scope.province",
        vec![(Dimension::Province, p.t("ioc.scope.whole_province").into())],
    )];
    let mut current: Vec<_> = agencies.iter().filter(|a| a.valid_to.is_none()).collect();
    current.sort_by(|a, b| a.name.cmp(&b.name));
    groups.push((
        "ioc.scope.agencies",
        current
            .iter()
            .map(|a| (Dimension::CompetentAgency(a.eid.clone()), a.name.clone()))
            .collect(),
    ));
    groups.push((
        "ioc.scope.receiving",
        current
            .iter()
            .map(|a| {
                (
                    Dimension::ReceivingAgency(a.eid.clone()),
                    format!("{} {}", p.t("ioc.scope.received_at"), a.name),
                )
            })
            .collect(),
    ));
    groups.push((
        "ioc.scope.communes",
        current
            .iter()
            .filter(|a| a.level == AgencyLevel::Commune)
            .filter_map(|a| Some((Dimension::Commune(a.unit_code.clone()?), a.name.clone())))
            .collect(),
    ));
    let fields: BTreeSet<&String> = snapshot
        .records
        .values()
        .flat_map(|v| v.procedure.fields.iter())
        .collect();
    groups.push((
        "ioc.scope.fields",
        fields
            .into_iter()
            .map(|f| (Dimension::Field(f.clone()), f.clone()))
            .collect(),
    ));
    let mut procedures: Vec<_> = snapshot.records.values().map(|v| &v.procedure).collect();
    procedures.sort_by(|a, b| a.code.cmp(&b.code));
    groups.push((
        "ioc.scope.procedures",
        procedures
            .into_iter()
            .map(|pr| {
                let name: String = pr.name.chars().take(90).collect();
                (
                    Dimension::Procedure(pr.code.clone()),
                    format!("{} — {name}", pr.code),
                )
            })
            .collect(),
    ));
    let mut name = scope_value(&ctx.dim);
    let out = groups
        .into_iter()
        .filter_map(|(label, options)| {
            let options: Vec<ScopeOption> = options
                .into_iter()
                .filter(|(d, _)| ctx.access.allows(d))
                .map(|(d, label)| {
                    let selected = d == ctx.dim;
                    if selected {
                        name = label.clone();
                    }
                    ScopeOption {
                        value: scope_value(&d),
                        label,
                        selected,
                    }
                })
                .collect();
            (!options.is_empty()).then_some(ScopeGroup {
                label: p.t(label),
                options,
            })
        })
        .collect();
    Ok((out, name))
}

/// The values the filter form shows for a period.
pub(crate) struct PeriodForm {
    pub kind: &'static str,
    pub day: String,
    pub from: String,
    pub to: String,
    /// The period in words, e.g. "tháng 03/2026".
    pub label: String,
}

pub(crate) fn period_form(p: &Page, period: &Period) -> PeriodForm {
    let (kind, label) = match period {
        Period::Day(d) => ("day", p.date(d)),
        Period::Month(y, m) => ("month", format!("{} {m:02}/{y}", p.t("ioc.period.month"))),
        Period::Quarter(y, q) => ("quarter", format!("{} {q}/{y}", p.t("ioc.period.quarter"))),
        Period::Year(y) => ("year", format!("{} {y}", p.t("ioc.period.year"))),
        Period::Custom(a, b) => ("custom", format!("{} – {}", p.date(a), p.date(b))),
    };
    PeriodForm {
        kind,
        day: period.first_day().to_string(),
        from: period.first_day().to_string(),
        to: period.last_day().to_string(),
        label,
    }
}

/// The twelve months ending with the period's last month (the trend).
pub(crate) fn twelve_months(period: &Period) -> Period {
    let end = period.last_day().last_of_month();
    let start = end
        .first_of_month()
        .checked_sub(jiff::Span::new().months(11))
        .unwrap_or(end.first_of_month());
    Period::Custom(start, end)
}

/// The indicators with a list of dossiers behind them (the others come from the catalog or
/// from feedback, not from dossiers).
pub(crate) const PER_DOSSIER: [Indicator; 11] = [
    Indicator::SyncedToNational,
    Indicator::OnTime,
    Indicator::ResolutionTime,
    Indicator::OnlineDossiers,
    Indicator::PaidOnline,
    Indicator::ElectronicResult,
    Indicator::DigitizedWithElectronicResult,
    Indicator::ReusedData,
    Indicator::LinkedToKho,
    Indicator::VneidVerified,
    Indicator::OverdueAndDislikes,
];

pub(crate) fn indicator_name(lang: Lang, i: Indicator) -> &'static str {
    match lang {
        Lang::Vi => i.name_vi(),
        Lang::En => i.name_en(),
    }
}

// ---- numbers in the page's language: 1.234,5 in Vietnamese, 1,234.5 in English

fn group_digits(digits: &str, sep: char) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A count.
pub(crate) fn int(lang: Lang, n: u64) -> String {
    group_digits(&n.to_string(), if lang == Lang::Vi { '.' } else { ',' })
}

/// A number with `places` decimals ("—" when not finite).
pub(crate) fn dec(lang: Lang, v: f64, places: usize) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let text = format!("{:.*}", places, v.abs());
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let (group, point) = if lang == Lang::Vi {
        ('.', ',')
    } else {
        (',', '.')
    };
    let sign = if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "−"
    } else {
        ""
    };
    let mut out = format!("{sign}{}", group_digits(whole, group));
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// A rate (a fraction) as a percentage with one decimal, "—" when there is none.
pub(crate) fn percent(lang: Lang, rate: Option<f64>) -> String {
    match rate.filter(|r| r.is_finite()) {
        Some(r) => format!("{}%", dec(lang, r * 100.0, 1)),
        None => "—".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(int(Lang::Vi, 1_234_567), "1.234.567");
        assert_eq!(int(Lang::En, 1_234_567), "1,234,567");
        assert_eq!(int(Lang::Vi, 12), "12");
        assert_eq!(dec(Lang::Vi, 1234.56, 1), "1.234,6");
        assert_eq!(dec(Lang::En, -2.25, 2), "−2.25");
        assert_eq!(dec(Lang::Vi, -0.01, 1), "0,0");
        assert_eq!(dec(Lang::Vi, f64::NAN, 1), "—");
        assert_eq!(percent(Lang::Vi, Some(0.875)), "87,5%");
        assert_eq!(percent(Lang::En, None), "—");
    }

    #[test]
    fn periods_from_the_form_or_the_text() {
        let today = Date::new(2026, 3, 2).unwrap();
        let q = |f: &dyn Fn(&mut IocQuery)| {
            let mut q = IocQuery::default();
            f(&mut q);
            period_of(&q, today)
        };
        assert_eq!(q(&|_| {}).ok(), Some(Period::Month(2026, 3)));
        assert_eq!(
            q(&|q| q.period = "2026-Q1".into()).ok(),
            Some(Period::Quarter(2026, 1))
        );
        assert_eq!(
            q(&|q| {
                q.kind = "quarter".into();
                q.day = "2025-11-20".into();
            })
            .ok(),
            Some(Period::Quarter(2025, 4))
        );
        assert_eq!(
            q(&|q| {
                q.kind = "custom".into();
                q.from = "2026-01-05".into();
                q.to = "2026-02-10".into();
            })
            .ok(),
            Some(Period::Custom(
                Date::new(2026, 1, 5).unwrap(),
                Date::new(2026, 2, 10).unwrap()
            ))
        );
        for (f, key) in [
            (
                Box::new(|q: &mut IocQuery| q.period = "2026-13".into())
                    as Box<dyn Fn(&mut IocQuery)>,
                "ioc.error.period_date",
            ),
            (
                Box::new(|q: &mut IocQuery| q.period = "hôm qua".into()),
                "ioc.error.period_shape",
            ),
            (
                Box::new(|q: &mut IocQuery| q.period = "2020..2026".into()),
                "ioc.error.period_shape",
            ),
            (
                Box::new(|q: &mut IocQuery| q.period = "2026-03-01..2026-01-01".into()),
                "ioc.error.period_reversed",
            ),
            (
                Box::new(|q: &mut IocQuery| q.period = "2020-01-01..2026-01-01".into()),
                "ioc.error.period_long",
            ),
            (
                Box::new(|q: &mut IocQuery| q.kind = "custom".into()),
                "ioc.error.period_custom",
            ),
            (
                Box::new(|q: &mut IocQuery| q.kind = "week".into()),
                "ioc.error.period_shape",
            ),
        ] {
            match q(&*f) {
                Err(Fail::Bad(k, _)) => assert_eq!(k, key),
                Ok(p) => panic!("{key}: accepted {p}"),
                Err(Fail::Page(e)) => panic!("{key}: {e:?}"),
            }
        }
    }

    #[test]
    fn scopes_round_trip_through_their_parameter() {
        let r = scope_request("agency:000.01.90.H61").ok().unwrap();
        assert_eq!(r.agency.as_deref(), Some("000.01.90.H61"));
        let d = r.dimension(&KpiAccess::Province).ok().unwrap();
        assert_eq!(scope_value(&d), "agency:000.01.90.H61");
        assert!(matches!(
            scope_request("nowhere"),
            Err(Fail::Bad("ioc.error.scope", _))
        ));
        assert!(matches!(
            scope_request("planet:x"),
            Err(Fail::Bad("ioc.error.scope", _))
        ));
        assert_eq!(
            link_query(&Period::Month(2026, 3), &Dimension::Field("Hộ tịch".into())),
            "period=2026-03&scope=field%3AH%E1%BB%99%20t%E1%BB%8Bch"
        );
        assert_eq!(
            twelve_months(&Period::Day(Date::new(2026, 3, 2).unwrap())),
            Period::Custom(
                Date::new(2025, 4, 1).unwrap(),
                Date::new(2026, 3, 31).unwrap()
            )
        );
    }
}
