//! KPI aggregates of the operations dashboard (issue 5; domain.md §3, §6): what the store keeps,
//! how a period is read from it, and the trait both engines implement.
//!
//! ## What is kept
//! - `kpi_facts`: per dossier, its [`KpiFacts`] as of its latest write (JSON), with the columns
//!   the drill-down lists filter on (scope columns, the days that place it in a period, and a
//!   bit mask of the indicators it loses points on). The JSON leaves out what those columns
//!   hold ([`FactsRow::of`]); the engines put it back when they read it.
//! - `kpi_counters`: the additive counters of [`tinhso_domain::kpi`] ([`CounterKey`] = day ×
//!   dimension × metric), each kept at three grains, so any period (day, month, quarter, year,
//!   custom range) is a sum of at most a few dozen rows per dimension and metric
//!   ([`segments`]): the day, the month (keyed by its first day) and the year (keyed by
//!   1 January). Gauges (in progress by due slot, awaiting acceptance, waiting for the
//!   applicant) describe the dossiers as they are now: they are kept once, at grain
//!   [`Grain::Gauge`], under the day the domain gives them, and read whatever the period.
//!
//! ## The invariant
//! In every committed state, `kpi_counters` at each grain is the sum of
//! [`tinhso_domain::kpi::contributions`] of the stored facts. Each dossier write stores the new
//! facts and adds [`tinhso_domain::kpi::delta`] (stored facts → new facts) in the SAME
//! transaction as the state change, so the sums never drift; the store only adds numbers, the
//! domain decides them. [`KpiStore::rebuild_kpi_aggregates`] recomputes everything from the
//! dossiers in one transaction.
//!
//! A dossier counts in the period of the event that defines the indicator (domain.md §3): the
//! counters carry the day of that event, chosen by the domain ([`Metric`]).

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::civil::{Date, DateTime};
use jiff::ToSpan;
use serde::{Deserialize, Serialize};
use tinhso_domain::dossier::Dossier;
use tinhso_domain::kpi::{
    contributions, CounterKey, DayCounter, Dimension, DossierExtras, GroupedCounters,
    GroupedCountersBuilder, Indicator, KpiFacts, Metric, OverdueCut, Period, SatisfactionLevel,
    SatisfactionRating, Standing,
};

use crate::dossiers::{DossierWrite, NewDossier};
use crate::group_commit::{WriteRequest, WriteResult};
use crate::ratings::DossierRating;
use crate::{Progress, StoreError, StoreResult};

/// The grain a counter row is kept at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grain {
    Day,
    /// Keyed by the first day of the month.
    Month,
    /// Keyed by 1 January.
    Year,
    /// A gauge, keyed by the day the domain gives it (see [`Metric::is_gauge`]).
    Gauge,
}

impl Grain {
    /// The stored code.
    pub fn code(self) -> i16 {
        match self {
            Grain::Day => 0,
            Grain::Month => 1,
            Grain::Year => 2,
            Grain::Gauge => 3,
        }
    }

    pub fn from_code(code: i64) -> StoreResult<Self> {
        Ok(match code {
            0 => Grain::Day,
            1 => Grain::Month,
            2 => Grain::Year,
            3 => Grain::Gauge,
            other => {
                return Err(StoreError::Corrupt(format!(
                    "stored KPI counter grain {other}"
                )))
            }
        })
    }

    /// The key day of the bucket holding `day`.
    pub fn bucket(self, day: Date) -> Date {
        match self {
            Grain::Day | Grain::Gauge => day,
            Grain::Month => day.first_of_month(),
            Grain::Year => day.first_of_year(),
        }
    }
}

/// The kind of a [`Dimension`]: the groups rankings and heat tables compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DimensionKind {
    Province,
    ReceivingAgency,
    CompetentAgency,
    Field,
    Procedure,
    Commune,
}

impl DimensionKind {
    /// The stored text (the prefix of [`Dimension::key`]).
    pub fn key(self) -> &'static str {
        match self {
            DimensionKind::Province => "province",
            DimensionKind::ReceivingAgency => "receiving",
            DimensionKind::CompetentAgency => "competent",
            DimensionKind::Field => "field",
            DimensionKind::Procedure => "procedure",
            DimensionKind::Commune => "commune",
        }
    }

    pub fn of(dim: &Dimension) -> Self {
        match dim {
            Dimension::Province => DimensionKind::Province,
            Dimension::ReceivingAgency(_) => DimensionKind::ReceivingAgency,
            Dimension::CompetentAgency(_) => DimensionKind::CompetentAgency,
            Dimension::Field(_) => DimensionKind::Field,
            Dimension::Procedure(_) => DimensionKind::Procedure,
            Dimension::Commune(_) => DimensionKind::Commune,
        }
    }
}

/// One row of `kpi_counters` to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterRow {
    /// [`Dimension::key`].
    pub dim: String,
    /// [`DimensionKind::key`] of the dimension.
    pub kind: &'static str,
    pub grain: Grain,
    pub day: Date,
    /// [`Metric::key`].
    pub metric: String,
    pub value: i64,
}

/// A counter row's key with ids (or ranks) for its dimension and metric: (dimension, grain,
/// day, metric).
type RowKey = (u32, Grain, Date, u32);

/// Counter changes summed by row key, ready to be added with one upsert per row.
///
/// Changes are summed by their domain key ([`CounterKey`]: day, dimension, metric) in a hash
/// map; the month and year rows and the stored text keys are made once per distinct key when
/// the rows are taken ([`CounterChanges::into_rows`]), not once per dossier: a bulk load of
/// thousands of dossiers adds a few hundred thousand changes to a few thousand keys.
#[derive(Debug, Clone, Default)]
pub struct CounterChanges {
    sums: HashMap<CounterKey, i64>,
}

impl CounterChanges {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one domain counter change (kept at every grain it is stored at).
    pub fn add(&mut self, key: &CounterKey, value: i64) {
        if value == 0 {
            return;
        }
        match self.sums.get_mut(key) {
            Some(v) => *v += value,
            None => {
                self.sums.insert(key.clone(), value);
            }
        }
    }

    /// Adds every change of a domain delta (or contribution).
    pub fn add_all<'a, I: IntoIterator<Item = (&'a CounterKey, &'a i64)>>(&mut self, delta: I) {
        for (key, value) in delta {
            self.add(key, *value);
        }
    }

    /// Adds what `before → after` changes (domain [`tinhso_domain::kpi::delta`]).
    pub fn add_delta(&mut self, before: Option<&KpiFacts>, after: Option<&KpiFacts>) {
        if let Some(after) = after {
            for (key, value) in tinhso_domain::kpi::delta(before, after) {
                self.add(&key, value);
            }
        } else if let Some(before) = before {
            for (key, value) in contributions(before).iter() {
                self.add(key, -value);
            }
        }
    }

    /// Adds every change `other` holds (a batch's changes into a running total).
    pub fn absorb(&mut self, other: CounterChanges) {
        if self.sums.is_empty() {
            self.sums = other.sums;
            return;
        }
        for (key, value) in other.sums {
            *self.sums.entry(key).or_default() += value;
        }
    }

    /// Number of distinct domain keys held (zero sums included); each makes one row per
    /// grain it is kept at.
    pub fn len(&self) -> usize {
        self.sums.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sums.is_empty()
    }

    /// The non-zero rows at every grain, sorted by row key (so concurrent writers lock counter
    /// rows in one order).
    ///
    /// The grains are summed under integer keys (an id per distinct dimension and metric);
    /// the stored text keys are made once per distinct dimension and metric, and once per
    /// row returned, not once per domain key and grain.
    pub fn into_rows(self) -> Vec<CounterRow> {
        let mut dim_ids: HashMap<&Dimension, u32> = HashMap::new();
        let mut dims: Vec<(String, &'static str)> = Vec::new();
        let mut metric_ids: HashMap<&Metric, u32> = HashMap::new();
        let mut metrics: Vec<String> = Vec::new();
        let mut sums: HashMap<RowKey, i64> = HashMap::with_capacity(self.sums.len() * 2);
        for (key, value) in &self.sums {
            if *value == 0 {
                continue;
            }
            let dim = *dim_ids.entry(&key.dim).or_insert_with(|| {
                dims.push((key.dim.key(), DimensionKind::of(&key.dim).key()));
                (dims.len() - 1) as u32
            });
            let metric = *metric_ids.entry(&key.metric).or_insert_with(|| {
                metrics.push(key.metric.key());
                (metrics.len() - 1) as u32
            });
            let grains: &[Grain] = if key.metric.is_gauge() {
                &[Grain::Gauge]
            } else {
                &[Grain::Day, Grain::Month, Grain::Year]
            };
            for grain in grains {
                *sums
                    .entry((dim, *grain, grain.bucket(key.day), metric))
                    .or_default() += value;
            }
        }
        // Ids ranked by their text, so sorting by rank sorts by the stored key.
        let rank = |texts: &[&str]| -> Vec<u32> {
            let mut order: Vec<u32> = (0..texts.len() as u32).collect();
            order.sort_unstable_by_key(|i| texts[*i as usize]);
            let mut rank = vec![0u32; texts.len()];
            for (r, i) in order.into_iter().enumerate() {
                rank[i as usize] = r as u32;
            }
            rank
        };
        let dim_rank = rank(&dims.iter().map(|(d, _)| d.as_str()).collect::<Vec<_>>());
        let metric_rank = rank(&metrics.iter().map(String::as_str).collect::<Vec<_>>());
        // (the key with ranks for ids, (dimension id, metric id), value)
        let mut keyed: Vec<(RowKey, (u32, u32), i64)> = sums
            .into_iter()
            .filter(|(_, v)| *v != 0)
            .map(|((d, g, day, m), v)| {
                (
                    (dim_rank[d as usize], g, day, metric_rank[m as usize]),
                    (d, m),
                    v,
                )
            })
            .collect();
        keyed.sort_unstable_by_key(|(k, _, _)| *k);
        keyed
            .into_iter()
            .map(|((_, grain, day, _), (d, m), value)| CounterRow {
                dim: dims[d as usize].0.clone(),
                kind: dims[d as usize].1,
                grain,
                day,
                metric: metrics[m as usize].clone(),
                value,
            })
            .collect()
    }
}

/// Which day places a dossier in a period for a per-dossier indicator of the index (the
/// event that defines it, domain.md §3 and [`Metric`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefiningDay {
    /// The day it entered the system (rates over received dossiers).
    Received,
    /// The day it ended for the index (processed, resolved dossiers).
    IndexEnd,
}

/// The defining day of a per-dossier indicator; `None` for indicators that are not about
/// dossiers (publication, catalog, feedback).
pub fn defining_day(indicator: Indicator) -> Option<DefiningDay> {
    use Indicator::*;
    match indicator {
        SyncedToNational | OnlineDossiers | PaidOnline | ReusedData | VneidVerified => {
            Some(DefiningDay::Received)
        }
        OnTime
        | ResolutionTime
        | ElectronicResult
        | DigitizedWithElectronicResult
        | LinkedToKho
        | OverdueAndDislikes => Some(DefiningDay::IndexEnd),
        PublishedOnTime
        | PublishedInDatabase
        | CompleteRecords
        | ProceduresOnline
        | ServicesWithOnlineDossiers
        | FeeProceduresPayableOnline
        | FeedbackClassified
        | FeedbackHandledInTime
        | FeedbackSatisfaction => None,
    }
}

/// The bit of an indicator in [`FactsRow::loses`].
pub fn indicator_bit(indicator: Indicator) -> i64 {
    let position = Indicator::ALL
        .iter()
        .position(|i| *i == indicator)
        .unwrap_or(0);
    1i64 << position
}

/// The indicators a dossier loses points on, as a bit mask ([`indicator_bit`]).
pub fn loses_mask(facts: &KpiFacts) -> i64 {
    Indicator::ALL
        .iter()
        .filter(|i| facts.standing(**i) == Standing::Loses)
        .fold(0, |mask, i| mask | indicator_bit(*i))
}

/// One row of `kpi_facts`.
#[derive(Debug, Clone, PartialEq)]
pub struct FactsRow {
    pub dossier_id: i64,
    pub receiving: String,
    pub competent: String,
    pub procedure: String,
    pub commune: Option<String>,
    /// The fields as a JSON array of strings (a field matches when its JSON string occurs).
    pub fields: String,
    pub received_on: Date,
    pub index_end_on: Option<Date>,
    pub loses: i64,
    /// The facts, JSON.
    pub facts: String,
}

impl FactsRow {
    pub fn of(dossier_id: i64, facts: &KpiFacts) -> StoreResult<Self> {
        let commune = facts.commune_code.clone().filter(|c| !c.trim().is_empty());
        Ok(Self {
            dossier_id,
            receiving: facts.receiving_agency.to_string(),
            competent: facts.competent_agency.to_string(),
            procedure: facts.procedure_code.to_string(),
            fields: to_json(&facts.fields)?,
            received_on: facts.received_on,
            index_end_on: facts.index_end.map(|e| e.date()),
            loses: loses_mask(facts),
            facts: stored_facts_json(facts, commune.as_deref())?,
            commune,
        })
    }
}

/// The keys of the facts JSON that the `kpi_facts` row's own columns hold (received_on,
/// agencies, procedure, fields), left out of the stored JSON.
pub const FACTS_IN_COLUMNS: [&str; 5] = [
    "received_on",
    "receiving_agency",
    "competent_agency",
    "procedure_code",
    "fields",
];

/// The facts JSON as stored: without what the row's columns already hold ([`FACTS_IN_COLUMNS`];
/// the commune, and the extras' copies of the fields and commune, when the columns give them
/// back exactly). Each engine's `facts_sql!` SQL puts them back when reading, inserting
/// only keys that are absent, so facts stored whole (before this layout) read the same.
fn stored_facts_json(facts: &KpiFacts, commune_column: Option<&str>) -> StoreResult<String> {
    let mut value = serde_json::to_value(facts)
        .map_err(|e| StoreError::Other(format!("cannot encode JSON: {e}")))?;
    if let serde_json::Value::Object(map) = &mut value {
        for key in FACTS_IN_COLUMNS {
            map.remove(key);
        }
        if facts.commune_code.as_deref() == commune_column {
            map.remove("commune_code");
        }
        if let Some(serde_json::Value::Object(extras)) = map.get_mut("extras") {
            if facts.extras.fields == facts.fields {
                extras.remove("fields");
            }
            if facts.extras.commune_code.as_deref() == commune_column {
                extras.remove("commune_code");
            }
        }
    }
    to_json(&value)
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Other(format!("cannot encode JSON: {e}")))
}

/// Reads stored facts.
pub fn parse_facts(text: &str) -> StoreResult<KpiFacts> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("stored KPI facts: {e}")))
}

/// Why facts given with a write cannot be stored: they must describe the state written.
pub fn facts_mismatch(dossier: &Dossier, facts: &KpiFacts) -> Option<&'static str> {
    if facts.status != dossier.status {
        Some("status")
    } else if facts.received_on != dossier.received_at.date() {
        Some("received day")
    } else if facts.receiving_agency != dossier.receiving_agency
        || facts.competent_agency != dossier.competent_agency
    {
        Some("agencies")
    } else if facts.procedure_code != dossier.procedure_code {
        Some("procedure")
    } else if facts.channel != dossier.channel {
        Some("channel")
    } else if facts.ended_at != dossier.ended_at || facts.due != dossier.due {
        Some("dates")
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Reading a period

/// Whose counters a query reads: one dimension, or every dimension of a kind (rankings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KpiScope {
    One(Dimension),
    Every(DimensionKind),
}

/// How the flow counters of the period come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KpiSplit {
    /// Summed over the whole period, keyed by its first day.
    #[default]
    Whole,
    /// Summed per month, keyed by the first day of the month inside the period (trends, heat
    /// tables).
    Month,
    /// Per day.
    Day,
}

/// A read of the counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpiQuery {
    pub scope: KpiScope,
    pub period: Period,
    pub split: KpiSplit,
    /// Also return the gauges of the scope (the dossiers as they are now), read at this
    /// local moment: summed per dimension on either side of the domain's
    /// [`overdue_cut`](tinhso_domain::kpi::overdue_cut) instead of one row per due slot (see
    /// [`gauge_rows`]). [`tinhso_domain::kpi::KpiReport::compute`] at the same moment reads
    /// them as it would read every slot.
    pub gauges: Option<DateTime>,
    /// Only these flow metrics (a heat table needs three of them); `None` reads every one.
    pub metrics: Option<Vec<Metric>>,
}

impl KpiQuery {
    /// Every flow metric of `scope` over `period`, without gauges.
    pub fn flows(scope: KpiScope, period: Period, split: KpiSplit) -> Self {
        Self {
            scope,
            period,
            split,
            gauges: None,
            metrics: None,
        }
    }

    /// The stored keys of [`KpiQuery::metrics`], if any.
    pub fn metric_keys(&self) -> Option<Vec<String>> {
        self.metrics
            .as_ref()
            .map(|m| m.iter().map(Metric::key).collect())
    }

    /// The SQL condition (` AND metric IN (…)`, written out) that lets an engine read the
    /// partial index of outcome counters (`kpi_counters_outcomes`) when every metric asked
    /// for is an outcome (early, on time, late: all a heat-table cell shows); empty otherwise.
    /// The bound metric filter still applies; this only names the index's own condition,
    /// which a planner can match only when it is written the same way.
    pub fn outcomes_condition(&self) -> &'static str {
        match &self.metrics {
            Some(m) if !m.is_empty() && m.iter().all(|m| OUTCOME_METRICS.contains(m)) => {
                OUTCOMES_CONDITION
            }
            _ => "",
        }
    }
}

/// The metrics the partial index `kpi_counters_outcomes` holds.
pub const OUTCOME_METRICS: [Metric; 3] = [Metric::Early, Metric::Late, Metric::OnTime];
/// Its condition, as both engines' migrations write it (`early`, `late`, `on_time` are the
/// keys of [`OUTCOME_METRICS`]; a test checks).
pub const OUTCOMES_CONDITION: &str = " AND metric IN ('early', 'late', 'on_time')";

/// The condition of the partial index of live gauges (migration `20261207600001`): gauge
/// rows (grain 3) that count something now. A gauge keyed by a due moment returns to 0 when
/// its last dossier leaves the state and stays stored; "as they are now" reads skip those.
pub const LIVE_GAUGES_CONDITION: &str = " AND grain = 3 AND value <> 0";

/// One range of stored buckets to sum: rows of `grain` with `from <= day <= to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub grain: Grain,
    pub from: Date,
    pub to: Date,
    /// The day the sums are keyed by in the answer; `None` keeps each stored day.
    pub label: Option<Date>,
}

/// The buckets that cover `[first, last]` exactly, the fewest rows first: whole years at
/// year grain, whole months at month grain, the rest at day grain; consecutive buckets of a
/// grain are merged into one range. All labelled `label`.
fn cover(first: Date, last: Date, label: Option<Date>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut day = first;
    while day <= last {
        let year_end = day.last_of_year();
        let month_end = day.last_of_month();
        let (grain, end) = if day == day.first_of_year() && year_end <= last {
            (Grain::Year, year_end)
        } else if day.day() == 1 && month_end <= last {
            (Grain::Month, month_end)
        } else {
            (Grain::Day, day)
        };
        let key = grain.bucket(day);
        match out.last_mut() {
            Some(s) if s.grain == grain => s.to = key,
            _ => out.push(Segment {
                grain,
                from: key,
                to: key,
                label,
            }),
        }
        match end.checked_add(1.day()) {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    out
}

/// The segments a period is read from, for a split.
pub fn segments(period: &Period, split: KpiSplit) -> Vec<Segment> {
    let (first, last) = (period.first_day(), period.last_day());
    if first > last {
        return Vec::new();
    }
    match split {
        KpiSplit::Whole => cover(first, last, Some(first)),
        KpiSplit::Day => vec![Segment {
            grain: Grain::Day,
            from: first,
            to: last,
            label: None,
        }],
        KpiSplit::Month => {
            // Whole months are read in one range at month grain, each keyed by its stored
            // first day; a partial month at either end is summed under its first day.
            let mut out: Vec<Segment> = Vec::new();
            let mut start = first;
            while start <= last {
                let end = start.last_of_month().min(last);
                if start.day() == 1 && end == start.last_of_month() {
                    match out.last_mut() {
                        Some(s) if s.grain == Grain::Month && s.label.is_none() => s.to = start,
                        _ => out.push(Segment {
                            grain: Grain::Month,
                            from: start,
                            to: start,
                            label: None,
                        }),
                    }
                } else {
                    out.extend(cover(start, end, Some(start)));
                }
                match end.checked_add(1.day()) {
                    Ok(next) => start = next,
                    Err(_) => break,
                }
            }
            out
        }
    }
}

/// The longest day range a query names day by day ([`Segment::bucket_days`]); the segments
/// of any period hold at most two months of days.
pub const NAMED_DAYS: i32 = 92;

impl Segment {
    /// The stored days of the buckets a segment reads (each bucket's key), so that a query
    /// can name them (`day IN (…)`) instead of a range: the counters' primary key leads with
    /// (kind, grain, day), so named days let one dimension's read seek straight to its rows.
    /// `None` for a day range longer than [`NAMED_DAYS`] (read as a range).
    pub fn bucket_days(&self) -> Option<Vec<Date>> {
        let step = match self.grain {
            Grain::Month => 1.month(),
            Grain::Year => 1.year(),
            Grain::Day => {
                let span = self
                    .from
                    .until(self.to)
                    .map(|s| s.get_days())
                    .unwrap_or(i32::MAX);
                if span >= NAMED_DAYS {
                    return None;
                }
                1.day()
            }
            Grain::Gauge => return None,
        };
        let mut out = Vec::new();
        let mut day = self.from;
        while day <= self.to {
            out.push(day);
            match day.checked_add(step) {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        Some(out)
    }
}

/// Reads the counters of one dimension packed into one row by a query (`dim`, then its
/// counters as `metric value` items when the segment has a label, `metric day value` items
/// otherwise, separated by `,`; neither a metric key nor a day holds a space or a comma) and
/// adds them to `sums` (the dimension is parsed and looked up once per row, not per counter).
/// `metrics` caches parsed metric keys across rows.
pub fn unpack_counters(
    dim: &str,
    packed: &str,
    label: Option<Date>,
    metrics: &mut HashMap<String, Metric>,
    sums: &mut GroupedCountersBuilder,
) -> StoreResult<()> {
    let bad = |what: &str| StoreError::Corrupt(format!("packed KPI counters of {dim}: {what}"));
    let counters = sums
        .counters_of(Dimension::parse_key(dim).map_err(|e| StoreError::Corrupt(e.to_string()))?);
    for item in packed.split(',').filter(|i| !i.is_empty()) {
        let mut parts = item.split(' ');
        let metric = parts.next().ok_or_else(|| bad(item))?;
        let day = match label {
            Some(label) => label,
            None => parse_day(parts.next().ok_or_else(|| bad(item))?).ok_or_else(|| bad(item))?,
        };
        let value: i64 = parts
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad(item))?;
        let metric = match metrics.get(metric) {
            Some(m) => m.clone(),
            None => {
                let m =
                    Metric::parse_key(metric).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                metrics.insert(metric.to_string(), m.clone());
                m
            }
        };
        counters.push((day, metric, value));
    }
    Ok(())
}

fn parse_day(text: &str) -> Option<Date> {
    text.parse().ok()
}

/// The gauges of one dimension as an engine sums them at a moment (see
/// [`KpiQuery::gauges`]): dossiers awaiting acceptance, waiting for the applicant (documents,
/// fee), in progress and, of those, overdue at the cut.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GaugeSums {
    pub awaiting: i64,
    pub supplement: i64,
    pub financial_obligation: i64,
    pub in_progress: i64,
    pub overdue: i64,
}

/// The stored metric keys a gauge query names: awaiting acceptance, waiting for documents,
/// waiting for a fee, and the prefix of the in-progress due slots (`in_progress_due:`),
/// whose slot starts at character `prefix.len() + 1` (SQL `substr`, 1-based).
pub fn gauge_keys() -> [String; 4] {
    let slot0 = Metric::InProgressDue { slot: 0 }.key();
    [
        Metric::AwaitingAcceptance.key(),
        Metric::WaitingSupplement.key(),
        Metric::WaitingFinancialObligation.key(),
        slot0.trim_end_matches('0').to_string(),
    ]
}

/// The counters a dimension's gauge sums stand for at the cut: awaiting and waiting under
/// the cut's day, overdue dossiers under a slot just before the cut and the other in-progress
/// ones under the cut (zero sums left out).
pub fn gauge_rows(cut: OverdueCut, sums: GaugeSums) -> Vec<DayCounter> {
    let (overdue_day, overdue_slot) = cut.overdue_key();
    let (pending_day, pending_slot) = cut.pending_key();
    [
        (cut.day, Metric::AwaitingAcceptance, sums.awaiting),
        (cut.day, Metric::WaitingSupplement, sums.supplement),
        (
            cut.day,
            Metric::WaitingFinancialObligation,
            sums.financial_obligation,
        ),
        (
            overdue_day,
            Metric::InProgressDue { slot: overdue_slot },
            sums.overdue,
        ),
        (
            pending_day,
            Metric::InProgressDue { slot: pending_slot },
            sums.in_progress - sums.overdue,
        ),
    ]
    .into_iter()
    .filter(|(_, _, v)| *v != 0)
    .collect()
}

/// Parses a stored counter key.
pub fn counter_key(dim: &str, day: Date, metric: &str) -> StoreResult<CounterKey> {
    let bad = |e: tinhso_domain::kpi::CounterKeyError| StoreError::Corrupt(e.to_string());
    Ok(CounterKey {
        day,
        dim: Dimension::parse_key(dim).map_err(bad)?,
        metric: Metric::parse_key(metric).map_err(bad)?,
    })
}

/// The list of dossiers behind an indicator: those of `scope` whose defining day falls in
/// `period` and that lose points on `indicator` (domain.md §6: "every score must be
/// traceable").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpiDossierQuery {
    pub scope: Dimension,
    pub indicator: Indicator,
    pub period: Period,
    /// At most this many (0 returns none).
    pub limit: u32,
    /// Keyset pagination: the dossiers after this one in (defining day, id) order (its
    /// stored defining day is looked up; a dossier no longer stored starts from the period's
    /// first day).
    pub after_id: Option<i64>,
}

/// A dossier of a drill-down list.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiDossier {
    pub dossier_id: i64,
    pub facts: KpiFacts,
}

/// A drill-down page in the order of its ids (found first, from an index) with the stored
/// facts read for them (`(id, facts JSON)` in any order); an id whose facts are gone since is
/// left out.
pub fn page_in_order(
    ids: Vec<i64>,
    stored: impl IntoIterator<Item = (i64, String)>,
) -> StoreResult<Vec<KpiDossier>> {
    let mut facts: HashMap<i64, String> = stored.into_iter().collect();
    ids.into_iter()
        .filter_map(|id| facts.remove(&id).map(|text| (id, text)))
        .map(|(dossier_id, text)| {
            Ok(KpiDossier {
                dossier_id,
                facts: parse_facts(&text)?,
            })
        })
        .collect()
}

/// Recomputes a dossier's facts from its state and the extras stored with its previous facts
/// (the app passes the domain's [`tinhso_domain::kpi::facts`] with its calendar).
pub type Refacts<'a> = &'a (dyn Fn(&Dossier, &DossierExtras) -> KpiFacts + Send + Sync);

/// What a rebuild did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KpiRebuild {
    /// Dossiers read.
    pub dossiers: u64,
    /// Dossiers counted (with facts).
    pub counted: u64,
    /// Dossiers whose stored facts were recomputed differently (or missing) and rewritten.
    pub facts_rewritten: u64,
    /// Counter rows written (every grain).
    pub counter_rows: u64,
}

// ---------------------------------------------------------------------------------------------
// Satisfaction ratings (domain.md §6, 5.4; the dashboard's satisfaction figure)

/// Vietnam's offset: UTC+7, no daylight saving since 1975 (domain.md §3: Asia/Ho_Chi_Minh).
const VIETNAM_OFFSET: jiff::tz::Offset = jiff::tz::Offset::constant(7);

/// What a stored portal rating (1–5 stars, `dossier_ratings`) gives the KPIs: its level and
/// the local day it was given, the event that places it in a period. `None` outside 1–5.
pub fn rating_satisfaction(stars: u8, rated_at: jiff::Timestamp) -> Option<SatisfactionRating> {
    Some(SatisfactionRating {
        level: SatisfactionLevel::from_stars(stars)?,
        rated_on: VIETNAM_OFFSET.to_datetime(rated_at).date(),
    })
}

/// The facts of a dossier once rated: its stored facts with the rating's satisfaction. The
/// store writes them, and adds the delta, in the transaction that records the rating.
pub fn rated_facts(stored: &KpiFacts, rating: &DossierRating) -> KpiFacts {
    let mut after = stored.clone();
    after.extras.satisfaction = rating_satisfaction(rating.rating, rating.rated_at);
    after
}

/// The rating row a bulk load writes for a dossier whose facts carry a satisfaction (seeded
/// history), so that `dossier_ratings` stays the source a rebuild reads: the stars of its
/// level, given at the dossier's last event when that is on the rating day, else at noon.
pub fn bulk_rating(dossier: &NewDossier) -> Option<(u8, jiff::Timestamp)> {
    let rating = dossier.kpi.extras.satisfaction?;
    let last = dossier.dossier.last_event_at;
    let at = if last.date() == rating.rated_on {
        last
    } else {
        rating.rated_on.at(12, 0, 0, 0)
    };
    let at = VIETNAM_OFFSET.to_timestamp(at).ok()?;
    Some((rating.level.stars(), at))
}

/// The rating rows of a bulk load, (dossier id, stars, when), from the ids the load gave
/// (in order) and each loaded dossier's [`bulk_rating`].
pub fn bulk_rated(
    ids: &[i64],
    ratings: Vec<Option<(u8, jiff::Timestamp)>>,
) -> Vec<(i64, u8, jiff::Timestamp)> {
    ids.iter()
        .zip(ratings)
        .filter_map(|(id, r)| r.map(|(stars, when)| (*id, stars, when)))
        .collect()
}

/// The secondary indexes a long bulk load may defer ([`KpiStore::begin_bulk_load`]): they
/// serve reads only (queues, drill-down lists, ratings by time), none enforces a rule, so
/// building each once after the load gives the same table as maintaining it row by row.
/// Unique constraints (codes, chain positions) are never deferred.
pub const DEFERRABLE_INDEXES: &[&str] = &[
    "dossiers_receiving_queue",
    "dossiers_competent_queue",
    "dossiers_transferred_queue",
    "dossiers_by_applicant",
    "dossiers_open_by_due",
    "kpi_facts_competent_end",
    "kpi_facts_competent_received",
    "kpi_facts_end",
    "kpi_facts_received",
    "dossier_ratings_by_time",
];

/// A stored rating as (stars, when), from the nullable columns a rebuild's LEFT JOIN reads
/// (`rating`, and `rated_at` in microseconds since the epoch).
pub fn stored_rating(
    stars: Option<i64>,
    rated_us: Option<i64>,
) -> StoreResult<Option<(u8, jiff::Timestamp)>> {
    match (stars, rated_us) {
        (Some(stars), Some(us)) => {
            let stars = u8::try_from(stars)
                .map_err(|_| StoreError::Corrupt(format!("stored rating {stars}")))?;
            let at = jiff::Timestamp::from_microsecond(us)
                .map_err(|e| StoreError::Corrupt(format!("stored rating time: {e}")))?;
            Ok(Some((stars, at)))
        }
        _ => Ok(None),
    }
}

/// One dossier of a rebuild: its facts to count (recomputed by `refacts` when given, else
/// the stored ones) and whether they must be rewritten. When recomputing, the satisfaction
/// comes from the dossier's stored rating (`rating`: stars and when), not from the old facts.
pub fn rebuild_facts(
    state: &str,
    stored: Option<&str>,
    rating: Option<(u8, jiff::Timestamp)>,
    refacts: Option<Refacts<'_>>,
) -> StoreResult<(Option<KpiFacts>, bool)> {
    let stored = stored.map(parse_facts).transpose()?;
    let Some(refacts) = refacts else {
        return Ok((stored, false));
    };
    let dossier: Dossier = serde_json::from_str(state)
        .map_err(|e| StoreError::Corrupt(format!("stored dossier state: {e}")))?;
    let mut extras = stored
        .as_ref()
        .map(|f| f.extras.clone())
        .unwrap_or_default();
    extras.satisfaction = rating.and_then(|(stars, at)| rating_satisfaction(stars, at));
    let mut fresh = refacts(&dossier, &extras);
    fresh.code = dossier.code.clone();
    let changed = stored.as_ref() != Some(&fresh);
    Ok((Some(fresh), changed))
}

/// What a store says on opening while a bulk load owes counters ([`BulkLoad::owe_counters`]).
pub const OWED_COUNTERS_WARNING: &str = "a bulk load (tinhso seed) owes KPI counters: the \
     dashboard's numbers lag its dossiers until it ends. If no seed is running (it was \
     stopped), `tinhso kpi rebuild` recomputes the counters";

/// Called by each engine when it opens: logs [`OWED_COUNTERS_WARNING`] when a bulk load owes
/// counters (it is running in another process or on another node, or it was killed). The
/// counters are not rebuilt here: a seed still running would then add those it holds twice.
pub async fn warn_if_counters_owed(store: &dyn KpiStore) -> StoreResult<()> {
    if store.kpi_counters_owed().await? {
        tracing::warn!("{OWED_COUNTERS_WARNING}");
    }
    Ok(())
}

/// Who adds the KPI counters of the dossiers a bulk load writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkCounters {
    /// The store, in the same transaction as the dossiers.
    Added,
    /// The caller, later ([`KpiStore::add_kpi_counters`]): a seed of millions sums them over
    /// many batches in memory and writes each counter row once, not once per batch. Only
    /// under the debt recorded by [`BulkLoad::owe_counters`].
    Owed,
}

/// What a long bulk load defers ([`KpiStore::begin_bulk_load`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BulkLoad {
    /// Drop the [`DEFERRABLE_INDEXES`] and build them once at the end.
    pub defer_indexes: bool,
    /// Record a counter debt: the caller loads with [`BulkCounters::Owed`].
    pub owe_counters: bool,
}

/// The one group a bulk load writes: every dossier as a create, without idempotency keys or
/// outbox messages.
pub fn bulk_group(dossiers: Vec<NewDossier>, at: jiff::Timestamp) -> [WriteRequest; 1] {
    [WriteRequest {
        writes: dossiers
            .into_iter()
            .map(|mut d| {
                d.idempotency = None;
                d.outbox.clear();
                DossierWrite::Create(Box::new(d))
            })
            .collect(),
        at,
    }]
}

/// The ids a bulk load's group produced, or the first refusal (the transaction must then be
/// rolled back: a bulk load is all or nothing).
pub fn bulk_ids(results: Option<Vec<Vec<WriteResult>>>) -> StoreResult<Vec<i64>> {
    let results =
        results.ok_or_else(|| StoreError::Other("the bulk load could not be planned".into()))?;
    results
        .into_iter()
        .flatten()
        .map(|r| {
            r.map(|o| o.dossier_id).map_err(|e| {
                StoreError::Conflict(format!("a dossier of the bulk load was refused: {e}"))
            })
        })
        .collect()
}

/// Dossiers read per chunk by a rebuild, and counter rows held before they are flushed.
pub const REBUILD_CHUNK: i64 = 2000;
pub const REBUILD_FLUSH_ROWS: usize = 200_000;

#[async_trait]
pub trait KpiStore: Send + Sync {
    /// The counters a query asks for, grouped by dimension and summed per the split (zero
    /// sums left out). Flow counters are dated by their [`Segment::label`]; gauges by their
    /// own day.
    async fn kpi_counters(&self, query: &KpiQuery) -> StoreResult<GroupedCounters>;
    /// Every non-zero counter row stored at `grain`, keyed by its stored day. At
    /// [`Grain::Day`] plus [`Grain::Gauge`] this is what
    /// [`tinhso_domain::kpi::contributions`] of all stored facts sums to (checks and tests).
    async fn kpi_stored_counters(&self, grain: Grain) -> StoreResult<Vec<(CounterKey, i64)>>;
    /// The stored facts of a dossier.
    async fn kpi_facts(&self, dossier_id: i64) -> StoreResult<Option<KpiFacts>>;
    /// The dossiers behind an indicator, in (defining day, id) order; a page after
    /// [`KpiDossierQuery::after_id`] starts after that dossier's day and id.
    async fn kpi_dossiers(&self, query: &KpiDossierQuery) -> StoreResult<Vec<KpiDossier>>;
    /// Recomputes every counter from the dossiers, in one transaction (writes wait): with
    /// `refacts`, each dossier's facts are first recomputed from its state and rewritten when
    /// they differ; without, the stored facts are summed. Progress counts dossiers.
    async fn rebuild_kpi_aggregates(
        &self,
        refacts: Option<Refacts<'_>>,
        progress: Progress<'_>,
    ) -> StoreResult<KpiRebuild>;
    /// Baseline for benchmarks: (competent agency, dossiers received in the period, dossiers
    /// ended late for the index in the period) by a plain full scan and GROUP BY over the
    /// per-dossier rows, without the aggregates.
    async fn kpi_baseline_scan(&self, period: &Period) -> StoreResult<Vec<(String, i64, i64)>>;
    /// Refreshes what the query planner knows of the KPI tables after a bulk load; changes no
    /// data. PostgreSQL: `VACUUM (ANALYZE)` of `kpi_facts` and `kpi_counters`, without which
    /// the freshly loaded tables are planned as if empty and their index-only scans read the
    /// table anyway. SQLite: nothing (it plans these reads from the indexes alone).
    async fn kpi_refresh_statistics(&self) -> StoreResult<()>;
    /// Loads dossiers with their history already decided (seeding, migrations from another
    /// system): each becomes a dossier with one event (`NewDossier::event`, the latest of its
    /// history) on the audit chain, its code allocated as for any intake, its facts stored and,
    /// with [`BulkCounters::Added`], the counters added — all in ONE transaction per call,
    /// written in large multi-row statements. With [`BulkCounters::Owed`] the caller adds the
    /// counters itself later ([`add_kpi_counters`](Self::add_kpi_counters)), under a debt
    /// recorded by [`begin_bulk_load`](Self::begin_bulk_load). Idempotency keys and outbox
    /// messages are ignored. Returns the new ids in order.
    async fn bulk_load_dossiers(
        &self,
        dossiers: Vec<NewDossier>,
        at: jiff::Timestamp,
        counters: BulkCounters,
    ) -> StoreResult<Vec<i64>>;
    /// Prepares a long run of [`bulk_load_dossiers`](Self::bulk_load_dossiers) (a seed of
    /// millions): engine settings for bulk writes (commits stay durable); with
    /// [`BulkLoad::defer_indexes`] the [`DEFERRABLE_INDEXES`] that exist are dropped, their
    /// definitions kept in the database (`deferred_indexes`), to be built once by
    /// [`finish_bulk_load`](Self::finish_bulk_load) rather than row by row; with
    /// [`BulkLoad::owe_counters`] a counter debt is recorded (`kpi_counters_owed`), settled by
    /// the last [`add_kpi_counters`](Self::add_kpi_counters) or by a rebuild. Opening the store
    /// builds any index an interrupted run left deferred, and warns of counters it left owed
    /// ([`OWED_COUNTERS_WARNING`]; not rebuilt there, as the load may still be running in
    /// another process).
    async fn begin_bulk_load(&self, plan: BulkLoad) -> StoreResult<()>;
    /// Ends what [`begin_bulk_load`](Self::begin_bulk_load) began: builds the deferred indexes
    /// and restores the settings (a counter debt stays until it is settled). Harmless when
    /// nothing began.
    async fn finish_bulk_load(&self) -> StoreResult<()>;
    /// Adds counter rows (the [`CounterChanges::into_rows`] of dossiers a bulk load wrote with
    /// [`BulkCounters::Owed`]) in one transaction; with `settle`, the counter debt is cleared
    /// in the same transaction (the caller has now added everything it owed).
    async fn add_kpi_counters(&self, rows: &[CounterRow], settle: bool) -> StoreResult<()>;
    /// Whether a bulk load owes counters (begun with [`BulkLoad::owe_counters`], not settled).
    async fn kpi_counters_owed(&self) -> StoreResult<bool>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// Every day the buckets of the segments hold, in order.
    fn days_covered(segs: &[Segment]) -> Vec<Date> {
        let mut out = Vec::new();
        for s in segs {
            let mut bucket = s.from;
            while bucket <= s.to {
                let end = match s.grain {
                    Grain::Year => bucket.last_of_year(),
                    Grain::Month => bucket.last_of_month(),
                    _ => bucket,
                };
                let mut day = bucket;
                while day <= end {
                    out.push(day);
                    day = day.tomorrow().expect("day");
                }
                bucket = end.tomorrow().expect("day");
            }
        }
        out
    }

    #[test]
    fn segments_cover_every_day_once_with_few_rows() {
        for (first, last) in [
            (date(2026, 1, 1), date(2026, 12, 31)),
            (date(2025, 11, 15), date(2028, 2, 3)),
            (date(2026, 2, 13), date(2026, 2, 13)),
            (date(2026, 3, 1), date(2026, 5, 31)),
            (date(2026, 1, 31), date(2026, 3, 1)),
        ] {
            let period = Period::custom(first, last).expect("period");
            let segs = segments(&period, KpiSplit::Whole);
            let days = days_covered(&segs);
            let mut expected = Vec::new();
            let mut d = first;
            while d <= last {
                expected.push(d);
                d = d.tomorrow().expect("day");
            }
            assert_eq!(days, expected, "{period}");
            assert!(segs.len() <= 5, "{segs:?}");
            assert!(segs.iter().all(|s| s.label == Some(first)));
        }
        let year = segments(&Period::Year(2026), KpiSplit::Whole);
        assert_eq!(year.len(), 1);
        assert_eq!(year[0].grain, Grain::Year);
        let q = segments(&Period::Quarter(2026, 3), KpiSplit::Whole);
        assert_eq!(
            q,
            vec![Segment {
                grain: Grain::Month,
                from: date(2026, 7, 1),
                to: date(2026, 9, 1),
                label: Some(date(2026, 7, 1))
            }]
        );
        let months = segments(
            &Period::custom(date(2026, 1, 20), date(2026, 3, 10)).expect("p"),
            KpiSplit::Month,
        );
        let labels: Vec<_> = months.iter().map(|s| s.label).collect();
        assert_eq!(
            labels,
            vec![Some(date(2026, 1, 20)), None, Some(date(2026, 3, 1))]
        );
        assert_eq!(months[1].grain, Grain::Month);
        assert_eq!(months[1].bucket_days(), Some(vec![date(2026, 2, 1)]));
        assert_eq!(
            months[0].bucket_days().map(|d| (d.len(), d[0], d[11])),
            Some((12, date(2026, 1, 20), date(2026, 1, 31))),
            "a day range is named day by day"
        );
        let long = Segment {
            grain: Grain::Day,
            from: date(2026, 1, 1),
            to: date(2026, 12, 31),
            label: None,
        };
        assert_eq!(long.bucket_days(), None, "too long to name: a range");
        // Twelve whole months: one range at month grain, each month under its own day.
        let year = segments(&Period::Year(2026), KpiSplit::Month);
        assert_eq!(year.len(), 1);
        assert_eq!(
            (year[0].grain, year[0].from, year[0].to, year[0].label),
            (Grain::Month, date(2026, 1, 1), date(2026, 12, 1), None)
        );
        assert_eq!(year[0].bucket_days().map(|d| d.len()), Some(12));
    }

    /// The live-gauge condition names the gauges' grain as the code writes it.
    #[test]
    fn live_gauges_condition_names_the_gauge_grain() {
        assert_eq!(
            LIVE_GAUGES_CONDITION,
            format!(" AND grain = {} AND value <> 0", Grain::Gauge.code())
        );
    }

    /// The outcome condition names exactly the keys of the outcome metrics, and is used only
    /// when every metric asked for is one.
    #[test]
    fn outcomes_condition_names_the_outcome_keys() {
        let keys: Vec<String> = OUTCOME_METRICS
            .iter()
            .map(|m| format!("'{}'", m.key()))
            .collect();
        assert_eq!(
            OUTCOMES_CONDITION,
            format!(" AND metric IN ({})", keys.join(", "))
        );
        let period = Period::Year(2026);
        let kind = KpiScope::Every(DimensionKind::CompetentAgency);
        let mut q = KpiQuery::flows(kind, period, KpiSplit::Month);
        assert_eq!(q.outcomes_condition(), "", "every metric");
        q.metrics = Some(vec![Metric::OnTime, Metric::Late]);
        assert_eq!(q.outcomes_condition(), OUTCOMES_CONDITION);
        q.metrics = Some(vec![Metric::OnTime, Metric::Resolved]);
        assert_eq!(q.outcomes_condition(), "", "not only outcomes");
        q.metrics = Some(Vec::new());
        assert_eq!(q.outcomes_condition(), "");
    }

    /// The integer-keyed summing gives what summing by the stored text keys gives, in the
    /// stored keys' order.
    #[test]
    fn counter_rows_are_summed_and_sorted_by_stored_key() {
        use std::collections::BTreeMap;
        use tinhso_domain::agency::AgencyEId;
        let agencies = ["000.00.04.H40", "000.21.30.H40", "000.00.12.H62"]
            .map(|a| AgencyEId::parse(a).expect("eid"));
        let metrics = [
            Metric::ReceivedCounter,
            Metric::OnTime,
            Metric::Accepted,
            Metric::Digitized,
        ];
        let mut rng = crate::conformance::SeededRng::new(3);
        let mut changes = CounterChanges::new();
        let mut expected: BTreeMap<(String, Grain, Date, String), i64> = BTreeMap::new();
        for _ in 0..2000 {
            let dim = match rng.below(4) {
                0 => Dimension::Province,
                1 => Dimension::ReceivingAgency(rng.pick(&agencies).clone()),
                2 => Dimension::CompetentAgency(rng.pick(&agencies).clone()),
                _ => Dimension::Commune(format!("{:05}", rng.below(3))),
            };
            let day = date(2025, 12, 20)
                .checked_add((rng.below(60) as i64).days())
                .expect("day");
            let key = CounterKey {
                day,
                dim,
                metric: rng.pick(&metrics).clone(),
            };
            let value = rng.below(5) as i64 - 2;
            changes.add(&key, value);
            for grain in [Grain::Day, Grain::Month, Grain::Year] {
                *expected
                    .entry((key.dim.key(), grain, grain.bucket(day), key.metric.key()))
                    .or_default() += value;
            }
        }
        let rows: Vec<_> = changes
            .into_rows()
            .into_iter()
            .map(|r| ((r.dim, r.grain, r.day, r.metric), r.value))
            .collect();
        let expected: Vec<_> = expected.into_iter().filter(|(_, v)| *v != 0).collect();
        assert_eq!(rows, expected);
    }

    #[test]
    fn indicator_bits_are_distinct() {
        let mut seen = 0i64;
        for i in Indicator::ALL {
            assert_eq!(seen & indicator_bit(i), 0);
            seen |= indicator_bit(i);
        }
    }
}
