//! KPIs of the operations dashboard and the 766 index (issue 5; domain.md §3, §6).
//!
//! Every dossier write carries the dossier's [`KpiFacts`], computed here by the domain
//! ([`tinhso_domain::kpi::facts`]) from the new state, the pinned catalog version and what the
//! dossier brought so far ([`DossierExtras`]); the store adds the domain's delta to its
//! counters in the same transaction (`tinhso_store::kpi`).

use tinhso_domain::agency::{Agency, AgencyLevel};
use tinhso_domain::catalog::{Channel, Procedure};
use tinhso_domain::dossier::{ActionKind, ClassifyOptions, Dossier};
use tinhso_domain::kpi::{facts, DossierExtras, FactRules, KpiFacts};
use tinhso_store::dossiers::AttachmentRecord;

use crate::App;

/// The component name of a result file (see [`AttachmentRecord::component`]).
pub const RESULT_COMPONENT: &str = "result";

/// The extras of a dossier after one more write: what its procedure version says, the commune
/// of the unit that received it, and what its files and payments show so far. Facts not yet
/// known to tinhso (national sync confirmations, VNeID, the Kho, ratings) stay as they were.
pub fn extras_after(
    previous: Option<&DossierExtras>,
    procedure: &Procedure,
    receiving: Option<&Agency>,
    state: &Dossier,
    action: Option<ActionKind>,
    attachments: &[AttachmentRecord],
) -> DossierExtras {
    let mut extras = previous.cloned().unwrap_or_default();
    extras.online_level = procedure.online_level;
    extras.fields = procedure.fields.clone();
    if extras.commune_code.is_none() {
        extras.commune_code = receiving
            .filter(|a| a.level == AgencyLevel::Commune)
            .and_then(|a| a.unit_code.clone());
    }
    extras.fee_bearing = procedure.has_fee();
    // A scanned or uploaded component (HoSoCoThanhPhanSoHoa).
    if attachments.iter().any(|a| a.component != RESULT_COMPONENT) {
        extras.has_digitized_components = true;
    }
    // A signed result file issued with the result (4.1).
    if state.result_ready_at.is_some()
        && attachments.iter().any(|a| a.component == RESULT_COMPONENT)
    {
        extras.electronic_result = true;
    }
    // Paid through the portal (DuocThanhToanTrucTuyen): a payment on an online dossier.
    if action == Some(ActionKind::Pay) && state.channel == Channel::Online {
        extras.paid_online = true;
    }
    extras
}

impl App {
    /// The rules facts are computed under: the province's working calendar, default
    /// classification (domain.md §3: early means strictly before, no margin).
    pub fn kpi_facts(&self, state: &Dossier, extras: &DossierExtras) -> KpiFacts {
        let calendar = self.calendar();
        facts(
            state,
            extras,
            &FactRules {
                calendar: &calendar,
                classify: ClassifyOptions::default(),
            },
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Use cases: reports, the index, rankings, heat tables, the dossiers behind a number

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jiff::civil::{Date, DateTime};
use serde::Serialize;
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::catalog::ProcedureCode;
use tinhso_domain::dossier::{Role, Timeliness};
use tinhso_domain::kpi::{
    rank, score, DayCounter, Dimension, IndexConfig, IndexInputs, IndexScore, Indicator, KpiReport,
    Metric, Period,
};
use tinhso_store::dossiers::User;
use tinhso_store::kpi::{DimensionKind, KpiDossierQuery, KpiQuery, KpiRebuild, KpiScope, KpiSplit};

use crate::dossiers::{DossierError, DossierResult};

/// Who may read KPIs (domain.md §6, users.md "Leaders"): leaders, agency and province admins.
/// Province admins, and leaders or admins of the provincial people's committee, see the whole
/// province; the others only their own agency (as receiving or competent agency) and its
/// commune.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KpiAccess {
    Province,
    Agency {
        eid: AgencyEId,
        commune: Option<String>,
    },
}

impl KpiAccess {
    /// Whether a scope may be read.
    pub fn allows(&self, scope: &Dimension) -> bool {
        match self {
            KpiAccess::Province => true,
            KpiAccess::Agency { eid, commune } => match scope {
                Dimension::ReceivingAgency(a) | Dimension::CompetentAgency(a) => a == eid,
                Dimension::Commune(c) => commune.as_ref() == Some(c),
                _ => false,
            },
        }
    }

    /// The scope a user sees when none is asked for.
    pub fn default_scope(&self) -> Dimension {
        match self {
            KpiAccess::Province => Dimension::Province,
            KpiAccess::Agency { eid, .. } => Dimension::CompetentAgency(eid.clone()),
        }
    }
}

/// A report and the 766 index of one scope over one period.
#[derive(Debug, Clone, Serialize)]
pub struct KpiView {
    pub report: KpiReport,
    pub index: IndexScore,
    /// The same period before (for trends: "compared with").
    pub previous: KpiReport,
}

/// One unit of a ranking.
#[derive(Debug, Clone, Serialize)]
pub struct RankedUnit {
    pub rank: u32,
    pub scope: Dimension,
    pub name: String,
    pub total: Option<f64>,
    pub on_time_rate: Option<f64>,
    pub processed: u64,
    pub late: u64,
    pub received: u64,
    pub overdue_now: u64,
}

/// One row of a heat table: a unit and its on-time rate per month.
#[derive(Debug, Clone, Serialize)]
pub struct HeatRow {
    pub scope: Dimension,
    pub name: String,
    /// Per month of the period (in order): (early + on time, processed).
    pub cells: Vec<(u64, u64)>,
}

/// A unit × month table.
#[derive(Debug, Clone, Serialize)]
pub struct HeatTable {
    /// The first day of each month column (clipped to the period).
    pub months: Vec<Date>,
    pub rows: Vec<HeatRow>,
}

/// One dossier behind an indicator.
#[derive(Debug, Clone, Serialize)]
pub struct KpiDossierRow {
    pub code: String,
    pub procedure_code: String,
    pub channel: Channel,
    pub receiving_agency: String,
    pub competent_agency: String,
    pub status: u8,
    pub received_on: Date,
    pub due: Option<DateTime>,
    pub ended_for_index: Option<DateTime>,
    pub timeliness: Option<Timeliness>,
    pub supplement_requests: u32,
}

/// A page of the dossiers behind an indicator.
#[derive(Debug, Clone, Serialize)]
pub struct KpiDossierPage {
    pub indicator: Indicator,
    pub scope: Dimension,
    pub period: Period,
    pub dossiers: Vec<KpiDossierRow>,
    /// Pass as `after` for the next page; `None` at the end.
    pub next: Option<i64>,
}

/// The columns of a drill-down export, with XLSX widths.
pub const DOSSIER_COLUMNS: [(&str, f64); 11] = [
    ("Mã hồ sơ", 28.0),
    ("Mã thủ tục", 12.0),
    ("Kênh", 10.0),
    ("Cơ quan tiếp nhận", 18.0),
    ("Cơ quan giải quyết", 18.0),
    ("Trạng thái", 10.0),
    ("Ngày nộp", 12.0),
    ("Hạn trả", 18.0),
    ("Kết thúc (chỉ số)", 18.0),
    ("Đúng hạn / trễ", 14.0),
    ("Số lần yêu cầu bổ sung", 12.0),
];

fn cells(row: &KpiDossierRow) -> Vec<String> {
    let opt = |v: Option<DateTime>| v.map(|d| d.strftime("%Y-%m-%d %H:%M").to_string());
    vec![
        row.code.clone(),
        row.procedure_code.clone(),
        match row.channel {
            Channel::Counter => "trực tiếp",
            Channel::Online => "trực tuyến",
            Channel::Postal => "bưu chính",
        }
        .to_string(),
        row.receiving_agency.clone(),
        row.competent_agency.clone(),
        row.status.to_string(),
        row.received_on.to_string(),
        opt(row.due).unwrap_or_default(),
        opt(row.ended_for_index).unwrap_or_default(),
        match row.timeliness {
            Some(Timeliness::Early) => "trước hạn",
            Some(Timeliness::OnTime) => "đúng hạn",
            Some(Timeliness::Late) => "trễ hạn",
            None => "",
        }
        .to_string(),
        row.supplement_requests.to_string(),
    ]
}

/// The dossiers as CSV (UTF-8 with BOM, formulas defused).
pub fn dossiers_csv(rows: &[KpiDossierRow]) -> String {
    let columns: Vec<&str> = DOSSIER_COLUMNS.iter().map(|(c, _)| *c).collect();
    let rows: Vec<Vec<String>> = rows.iter().map(cells).collect();
    tinhso_forms::table_csv(&columns, &rows)
}

/// The dossiers as an XLSX workbook.
pub fn dossiers_xlsx(rows: &[KpiDossierRow]) -> DossierResult<Vec<u8>> {
    let rows: Vec<Vec<String>> = rows.iter().map(cells).collect();
    Ok(tinhso_forms::table_xlsx("Hồ sơ", &DOSSIER_COLUMNS, &rows)?)
}

/// The scope named by query parameters: at most one of agency (competent), receiving agency,
/// procedure, field, commune; none is the user's default scope.
#[derive(Debug, Clone, Default)]
pub struct ScopeRequest {
    pub agency: Option<String>,
    pub receiving: Option<String>,
    pub procedure: Option<String>,
    pub field: Option<String>,
    pub commune: Option<String>,
}

/// Parses a period text (domain [`Period::parse`]); none is the current month.
pub fn parse_period(text: Option<&str>, today: Date) -> DossierResult<Period> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(Period::month_of(today)),
        Some(t) => Period::parse(t).map_err(|e| DossierError::InvalidRequest(e.to_string())),
    }
}

fn agency_of(text: &str) -> DossierResult<AgencyEId> {
    AgencyEId::parse(text.trim())
        .map_err(|_| DossierError::InvalidAgency(text.chars().take(64).collect()))
}

/// Bounded free text (fields, commune codes).
fn bounded(field: &str, text: &str) -> DossierResult<String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 200 || t.chars().any(char::is_control) {
        return Err(DossierError::InvalidRequest(format!(
            "{field}: 1–200 ký tự / 1–200 characters"
        )));
    }
    Ok(t.to_string())
}

impl ScopeRequest {
    pub fn dimension(&self, access: &KpiAccess) -> DossierResult<Dimension> {
        let given = [
            self.agency.is_some(),
            self.receiving.is_some(),
            self.procedure.is_some(),
            self.field.is_some(),
            self.commune.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if given > 1 {
            return Err(DossierError::InvalidRequest(
                "chỉ chọn một phạm vi: agency, receiving, procedure, field hoặc commune / choose one scope".into(),
            ));
        }
        Ok(if let Some(a) = &self.agency {
            Dimension::CompetentAgency(agency_of(a)?)
        } else if let Some(a) = &self.receiving {
            Dimension::ReceivingAgency(agency_of(a)?)
        } else if let Some(p) = &self.procedure {
            Dimension::Procedure(
                ProcedureCode::parse(p.trim())
                    .map_err(|e| DossierError::InvalidProcedureCode(e.to_string()))?,
            )
        } else if let Some(f) = &self.field {
            Dimension::Field(bounded("field", f)?)
        } else if let Some(c) = &self.commune {
            Dimension::Commune(bounded("commune", c)?)
        } else {
            access.default_scope()
        })
    }
}

/// A dimension's counters by their day (its counters are sorted by day first): the month
/// buckets of a trend or a heat row.
fn by_day(counters: &[DayCounter]) -> BTreeMap<Date, &[DayCounter]> {
    counters
        .chunk_by(|a, b| a.0 == b.0)
        .map(|c| (c[0].0, c))
        .collect()
}

/// An agency's inputs from [`App::index_inputs_by_agency`]: none when it implements nothing.
fn inputs_of(by_agency: &HashMap<AgencyEId, IndexInputs>, agency: &AgencyEId) -> IndexInputs {
    by_agency
        .get(agency)
        .cloned()
        .unwrap_or_else(|| IndexInputs::from_counts(0, 0))
}

impl App {
    /// The user's KPI access, or Forbidden.
    pub async fn kpi_access(&self, user: &User) -> DossierResult<KpiAccess> {
        if user.disabled {
            return Err(DossierError::Forbidden);
        }
        if user.roles.contains(&Role::ProvinceAdmin) {
            return Ok(KpiAccess::Province);
        }
        if !user
            .roles
            .iter()
            .any(|r| matches!(r, Role::Leader | Role::AgencyAdmin))
        {
            return Err(DossierError::Forbidden);
        }
        let eid = user.agency.clone().ok_or(DossierError::Forbidden)?;
        let agency = self.store.agency(&eid).await?;
        Ok(match agency {
            Some(a) if a.level == AgencyLevel::Province => KpiAccess::Province,
            Some(a) => KpiAccess::Agency {
                commune: (a.level == AgencyLevel::Commune)
                    .then_some(a.unit_code)
                    .flatten(),
                eid,
            },
            None => KpiAccess::Agency { eid, commune: None },
        })
    }

    async fn checked_scope(&self, user: &User, scope: &ScopeRequest) -> DossierResult<Dimension> {
        let access = self.kpi_access(user).await?;
        let dim = scope.dimension(&access)?;
        if !access.allows(&dim) {
            return Err(DossierError::Forbidden);
        }
        Ok(dim)
    }

    fn local_now(&self) -> DateTime {
        crate::clock::to_local(self.clock.now())
    }

    /// The 766 configuration: the `[index_766]` section of the configuration file, validated
    /// when loaded (defaults of domain.md §6: the law's weights and thresholds, an even split
    /// inside each group).
    pub fn index_config(&self) -> IndexConfig {
        self.settings.index.clone()
    }

    /// The inputs the catalog gives for a scope (3.1 and the denominator of 3.2).
    fn index_inputs(&self, scope: &Dimension) -> IndexInputs {
        if let Dimension::CompetentAgency(a) | Dimension::ReceivingAgency(a) = scope {
            return inputs_of(&self.index_inputs_by_agency(), a);
        }
        let snapshot = self.catalog.snapshot();
        IndexInputs::from_catalog(snapshot.records.values().map(|v| &v.procedure).filter(|p| {
            match scope {
                // Answered above, from the one pass over the catalog.
                Dimension::CompetentAgency(_) | Dimension::ReceivingAgency(_) => false,
                Dimension::Procedure(c) => &p.code == c,
                Dimension::Field(f) => p.fields.contains(f),
                Dimension::Province | Dimension::Commune(_) => true,
            }
        }))
    }

    /// The index inputs of every agency: the procedures it implements and how many of them
    /// are online, as the catalog snapshot counted them (once per catalog revision).
    fn index_inputs_by_agency(&self) -> HashMap<AgencyEId, IndexInputs> {
        self.catalog
            .snapshot()
            .procedures_by_agency
            .iter()
            .map(|(a, c)| (a.clone(), IndexInputs::from_counts(c.all, c.online)))
            .collect()
    }

    async fn report_for(&self, scope: &Dimension, period: Period) -> DossierResult<KpiReport> {
        let as_of = self.local_now();
        let rows = self
            .store
            .kpi_counters(&KpiQuery {
                gauges: Some(as_of),
                ..KpiQuery::flows(KpiScope::One(scope.clone()), period, KpiSplit::Whole)
            })
            .await?;
        Ok(KpiReport::of_counters(
            scope,
            &period,
            as_of,
            rows.of(scope),
        ))
    }

    /// The indicators and the 766 index of a scope over a period, with the period before.
    pub async fn kpi_view(
        &self,
        user: &User,
        scope: &ScopeRequest,
        period: Period,
    ) -> DossierResult<KpiView> {
        let dim = self.checked_scope(user, scope).await?;
        self.view_of(&dim, period).await
    }

    /// [`App::kpi_view`] for the operator at the terminal (`tinhso kpi show`): no caller to
    /// check, the province by default.
    pub async fn kpi_view_unchecked(
        &self,
        scope: &ScopeRequest,
        period: Period,
    ) -> DossierResult<KpiView> {
        let dim = scope.dimension(&KpiAccess::Province)?;
        self.view_of(&dim, period).await
    }

    async fn view_of(&self, dim: &Dimension, period: Period) -> DossierResult<KpiView> {
        let report = self.report_for(dim, period).await?;
        let previous = self.report_for(dim, period.previous()).await?;
        let index = score(&report, &self.index_inputs(dim), &self.index_config());
        Ok(KpiView {
            report,
            index,
            previous,
        })
    }

    /// Month by month reports of a scope over a period (trends).
    pub async fn kpi_trend(
        &self,
        user: &User,
        scope: &ScopeRequest,
        period: Period,
    ) -> DossierResult<Vec<KpiReport>> {
        let dim = self.checked_scope(user, scope).await?;
        let rows = self
            .store
            .kpi_counters(&KpiQuery::flows(
                KpiScope::One(dim.clone()),
                period,
                KpiSplit::Month,
            ))
            .await?;
        let by_month = by_day(rows.of(&dim));
        let months = period.month_starts();
        let as_of = self.local_now();
        Ok(months
            .into_iter()
            .map(|start| {
                let rows = by_month.get(&start).copied().unwrap_or(&[]);
                let end = start.last_of_month().min(period.last_day());
                let part = if start == start.first_of_month() && end == start.last_of_month() {
                    Period::month_of(start)
                } else {
                    Period::Custom(start, end)
                };
                KpiReport::of_counters(&dim, &part, as_of, rows)
            })
            .collect())
    }

    /// The names of the units of `kind` that `dims` name (all of the kind when `dims` is
    /// empty). Agencies' names are kept in memory under the agencies' revision. Communes are
    /// first looked for among the province's own (a few hundred of the country's thousands);
    /// only a commune not found there makes the whole list read.
    async fn unit_names_of(
        &self,
        kind: DimensionKind,
        dims: &[&Dimension],
    ) -> DossierResult<Arc<BTreeMap<String, String>>> {
        match kind {
            DimensionKind::CompetentAgency | DimensionKind::ReceivingAgency => {
                let revisions = self.revisions().await?;
                return Ok(self.agency_names(&revisions).await?);
            }
            DimensionKind::Commune => {}
            _ => return Ok(Arc::default()),
        }
        let communes = |parent_code: Option<String>| tinhso_store::UnitFilter {
            kind: Some(tinhso_domain::units::UnitKind::Commune),
            parent_code,
            ..Default::default()
        };
        let names = |units: Vec<tinhso_domain::units::AdminUnit>| {
            units.into_iter().map(|u| (u.code, u.name)).collect()
        };
        if !dims.is_empty() {
            let own: BTreeMap<String, String> = names(
                self.store
                    .units(&communes(Some(self.settings.province_code.clone())))
                    .await?,
            );
            let all_found = dims.iter().all(|d| match d {
                Dimension::Commune(code) => own.contains_key(code),
                _ => true,
            });
            if all_found {
                return Ok(Arc::new(own));
            }
        }
        Ok(Arc::new(names(self.store.units(&communes(None)).await?)))
    }

    fn name_of(names: &BTreeMap<String, String>, dim: &Dimension) -> String {
        let key = match dim {
            Dimension::CompetentAgency(a) | Dimension::ReceivingAgency(a) => a.to_string(),
            Dimension::Commune(c) | Dimension::Field(c) => c.clone(),
            Dimension::Procedure(p) => p.to_string(),
            Dimension::Province => return "Toàn tỉnh".to_string(),
        };
        names.get(&key).cloned().unwrap_or(key)
    }

    /// Scores and ranks every agency (competent) or commune over a period, best first
    /// (domain.md §6). Any KPI reader may see the rankings.
    pub async fn kpi_ranking(
        &self,
        user: &User,
        kind: DimensionKind,
        period: Period,
    ) -> DossierResult<Vec<RankedUnit>> {
        self.kpi_access(user).await?;
        self.ranking(kind, period).await
    }

    /// The ranking without a caller (the public transparency page publishes on-time rates).
    pub async fn ranking(
        &self,
        kind: DimensionKind,
        period: Period,
    ) -> DossierResult<Vec<RankedUnit>> {
        if !matches!(
            kind,
            DimensionKind::CompetentAgency | DimensionKind::Commune
        ) {
            return Err(DossierError::InvalidRequest(
                "by: agency hoặc commune / agency or commune".into(),
            ));
        }
        let as_of = self.local_now();
        let rows = self
            .store
            .kpi_counters(&KpiQuery {
                gauges: Some(as_of),
                ..KpiQuery::flows(KpiScope::Every(kind), period, KpiSplit::Whole)
            })
            .await?;
        let names = self
            .unit_names_of(kind, &rows.dimensions().collect::<Vec<_>>())
            .await?;
        let config = self.index_config();
        let mut scored = Vec::new();
        // Every commune offers the whole catalog: count it once, not once per commune.
        let commune_inputs = self.index_inputs(&Dimension::Province);
        let agency_inputs = match kind {
            DimensionKind::CompetentAgency => self.index_inputs_by_agency(),
            _ => HashMap::new(),
        };
        for (dim, counters) in rows {
            let report = KpiReport::of_counters(&dim, &period, as_of, &counters);
            let inputs = match &dim {
                Dimension::Commune(_) => commune_inputs.clone(),
                Dimension::CompetentAgency(a) => inputs_of(&agency_inputs, a),
                _ => self.index_inputs(&dim),
            };
            let index = score(&report, &inputs, &config);
            scored.push((dim, (report, index)));
        }
        let ranks = rank(
            &scored
                .iter()
                .map(|(d, (_, s))| (d.clone(), s.clone()))
                .collect::<Vec<_>>(),
        );
        let by_dim: BTreeMap<Dimension, (KpiReport, IndexScore)> = scored.into_iter().collect();
        Ok(ranks
            .into_iter()
            .filter_map(|(dim, rank)| {
                let (report, index) = by_dim.get(&dim)?;
                Some(RankedUnit {
                    rank,
                    name: Self::name_of(&names, &dim),
                    scope: dim,
                    total: index.total,
                    on_time_rate: report.on_time_rate.rate(),
                    processed: report.processed,
                    late: report.late,
                    received: report.received.total,
                    overdue_now: report.overdue_now,
                })
            })
            .collect())
    }

    /// Units × months: the on-time rate (2.1) of every agency or commune, month by month.
    pub async fn kpi_heat(
        &self,
        user: &User,
        kind: DimensionKind,
        period: Period,
    ) -> DossierResult<HeatTable> {
        self.kpi_access(user).await?;
        self.heat(kind, period).await
    }

    /// [`App::kpi_heat`] without a caller.
    pub async fn heat(&self, kind: DimensionKind, period: Period) -> DossierResult<HeatTable> {
        let rows = self
            .store
            .kpi_counters(&KpiQuery {
                // The on-time rate (2.1) is all a cell shows.
                metrics: Some(vec![Metric::Early, Metric::OnTime, Metric::Late]),
                ..KpiQuery::flows(KpiScope::Every(kind), period, KpiSplit::Month)
            })
            .await?;
        let months = period.month_starts();
        let names = self
            .unit_names_of(kind, &rows.dimensions().collect::<Vec<_>>())
            .await?;
        let as_of = self.local_now();
        let mut out = Vec::new();
        for (dim, counters) in rows {
            let per_month = by_day(&counters);
            let cells = months
                .iter()
                .map(|m| {
                    let part = Period::Custom(*m, m.last_of_month().min(period.last_day()));
                    let r = KpiReport::of_counters(
                        &dim,
                        &part,
                        as_of,
                        per_month.get(m).copied().unwrap_or(&[]),
                    );
                    (r.on_time_rate.numerator, r.on_time_rate.denominator)
                })
                .collect();
            out.push(HeatRow {
                name: Self::name_of(&names, &dim),
                scope: dim,
                cells,
            });
        }
        Ok(HeatTable { months, rows: out })
    }

    /// The dossiers that cost `indicator` points in a scope and period (domain.md §6: every
    /// score traceable to its dossiers), by the day that places them in the period and then
    /// by id, a page at a time.
    pub async fn kpi_dossiers(
        &self,
        user: &User,
        scope: &ScopeRequest,
        indicator: Indicator,
        period: Period,
        limit: u32,
        after: Option<i64>,
    ) -> DossierResult<KpiDossierPage> {
        let dim = self.checked_scope(user, scope).await?;
        self.dossiers_behind(dim, indicator, period, limit, after)
            .await
    }

    /// [`App::kpi_dossiers`] without a caller to check (benchmarks, the terminal).
    pub async fn dossiers_behind(
        &self,
        dim: Dimension,
        indicator: Indicator,
        period: Period,
        limit: u32,
        after: Option<i64>,
    ) -> DossierResult<KpiDossierPage> {
        let limit = limit.clamp(1, 100_000);
        let found = self
            .store
            .kpi_dossiers(&KpiDossierQuery {
                scope: dim.clone(),
                indicator,
                period,
                limit,
                after_id: after,
            })
            .await?;
        let next = (found.len() == limit as usize)
            .then(|| found.last().map(|d| d.dossier_id))
            .flatten();
        let dossiers = found
            .into_iter()
            .map(|d| {
                let f = d.facts;
                KpiDossierRow {
                    code: f.code.to_string(),
                    procedure_code: f.procedure_code.to_string(),
                    channel: f.channel,
                    receiving_agency: f.receiving_agency.to_string(),
                    competent_agency: f.competent_agency.to_string(),
                    status: f.status.code(),
                    received_on: f.received_on,
                    due: f.due,
                    ended_for_index: f.index_end,
                    timeliness: f.timeliness,
                    supplement_requests: f.supplement_requests,
                }
            })
            .collect();
        Ok(KpiDossierPage {
            indicator,
            scope: dim,
            period,
            dossiers,
            next,
        })
    }

    /// Recomputes every KPI counter from the dossiers (`tinhso kpi rebuild`): each dossier's
    /// facts are recomputed by the domain from its state with today's calendar, rewritten where
    /// they differ, and summed, in one transaction.
    pub async fn rebuild_kpi(
        &self,
        progress: tinhso_store::Progress<'_>,
    ) -> DossierResult<KpiRebuild> {
        let calendar = self.calendar();
        let refacts = move |d: &Dossier, e: &DossierExtras| {
            facts(
                d,
                e,
                &FactRules {
                    calendar: &calendar,
                    classify: ClassifyOptions::default(),
                },
            )
        };
        Ok(self
            .store
            .rebuild_kpi_aggregates(Some(&refacts), progress)
            .await?)
    }
}

fn pct(r: &tinhso_domain::kpi::Ratio) -> String {
    match r.percent() {
        Some(p) => format!("{p:.1}% ({}/{})", r.numerator, r.denominator),
        None => format!("– (0/{})", r.denominator),
    }
}

/// The view as text for the terminal (Vietnamese first).
pub fn render_text(view: &KpiView) -> String {
    use std::fmt::Write;
    let r = &view.report;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Phạm vi / scope: {}   Kỳ / period: {}   (lúc / as of {})",
        r.scope,
        r.period,
        r.as_of.strftime("%Y-%m-%d %H:%M")
    );
    let _ = writeln!(
        out,
        "Tiếp nhận / received: {} (trực tiếp / counter {}, trực tuyến / online {}, bưu chính / postal {}; kỳ trước / previous {})",
        r.received.total, r.received.counter, r.received.online, r.received.postal, view.previous.received.total
    );
    let _ = writeln!(
        out,
        "Đã giải quyết / processed: {} (trước hạn / early {}, đúng hạn / on time {}, trễ hạn / late {}); có kết quả / resolved {}",
        r.processed, r.early, r.on_time, r.late, r.resolved
    );
    let _ = writeln!(
        out,
        "Tỷ lệ đúng hạn / on-time rate (2.1): {}",
        pct(&r.on_time_rate)
    );
    let _ = writeln!(
        out,
        "Đang xử lý / in progress: {}, quá hạn / overdue now: {}, chờ tiếp nhận / awaiting: {}, tạm dừng / paused: {} (bổ sung {}, nghĩa vụ tài chính {}, dừng {})",
        r.in_progress, r.overdue_now, r.awaiting_acceptance, r.paused.total, r.paused.supplement, r.paused.financial_obligation, r.paused.stopped
    );
    if let Some(avg) = r.average_resolution_minutes() {
        let _ = writeln!(
            out,
            "Thời gian giải quyết TB / average resolution: {:.1} giờ làm việc / working hours",
            avg / 60.0
        );
    }
    let _ = writeln!(
        out,
        "Trực tuyến / online: {}; toàn trình / full online: {}",
        pct(&r.online_rate),
        pct(&r.full_online_rate)
    );
    let _ = writeln!(
        out,
        "Số hóa / digitized: {}; thanh toán trực tuyến / paid online: {}",
        pct(&r.digitized_rate),
        pct(&r.online_payment_rate)
    );
    let _ = writeln!(out, "Hài lòng / satisfaction: {}; thủ tục có hồ sơ trực tuyến / procedures with online dossiers: {}", pct(&r.satisfaction), r.procedures_with_online_dossiers.len());
    match view.index.total {
        Some(t) => {
            let _ = writeln!(
                out,
                "Chỉ số 766 / index: {t:.2} / {:.0}",
                view.index.max_points
            );
        }
        None => {
            let _ = writeln!(out, "Chỉ số 766 / index: chưa đo được / not measurable");
        }
    }
    for i in &view.index.indicators {
        let value = match (i.rate, i.not_measured) {
            (_, Some(why)) => why.label_vi().to_string(),
            (Some(rate), None) => {
                format!("{:.1}% → {:.2}/{:.2}", rate * 100.0, i.points, i.max_points)
            }
            (None, None) => String::new(),
        };
        let _ = writeln!(out, "  {:4} {:58} {}", i.id.id(), i.name_vi, value);
    }
    out
}
