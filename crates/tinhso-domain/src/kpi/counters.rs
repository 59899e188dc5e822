//! Additive counters: what one dossier contributes to each (day, dimension, metric), and the
//! delta a state change makes. The store adds the delta in the same transaction as the change,
//! so the sums never drift: for any history, the sum of the deltas is the contribution of the
//! final facts (the sum telescopes). Only counts and sums of minutes are kept; rates are
//! computed when a report is read ([`super::KpiReport`]).

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::{Date, DateTime, Time};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::agency::AgencyEId;
use crate::catalog::{Channel, ProcedureCode};
use crate::dossier::{Outcome, PauseKind, Timeliness};

use super::facts::{KpiFacts, SatisfactionLevel};

/// A grouping a dossier is counted under. A dossier counts once in each dimension it belongs
/// to: the province, its receiving agency, its competent agency, each field of its procedure,
/// its procedure and its commune (when known). Sums over fields may exceed the province's
/// total when a procedure has several fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "key", rename_all = "snake_case")]
pub enum Dimension {
    /// The whole province (toàn tỉnh).
    Province,
    /// The unit that received the dossier (anywhere in the province, domain.md §0.3).
    ReceivingAgency(AgencyEId),
    /// The agency competent to resolve it (the one the index scores).
    CompetentAgency(AgencyEId),
    /// Lĩnh vực.
    Field(String),
    Procedure(ProcedureCode),
    /// The commune-level unit it is reported under.
    Commune(String),
}

/// Why a stored dimension or metric key cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Khóa chỉ số không hợp lệ {0:?} / Invalid indicator key {0:?}")]
pub struct CounterKeyError(pub String);

impl Dimension {
    /// A compact, stable text key for storage, e.g. `province`, `competent:000.00.12.H62`,
    /// `field:Hộ tịch`. [`Dimension::parse_key`] reads it back.
    pub fn key(&self) -> String {
        match self {
            Dimension::Province => "province".to_string(),
            Dimension::ReceivingAgency(eid) => format!("receiving:{eid}"),
            Dimension::CompetentAgency(eid) => format!("competent:{eid}"),
            Dimension::Field(field) => format!("field:{field}"),
            Dimension::Procedure(code) => format!("procedure:{code}"),
            Dimension::Commune(code) => format!("commune:{code}"),
        }
    }

    pub fn parse_key(key: &str) -> Result<Self, CounterKeyError> {
        let bad = || CounterKeyError(key.to_string());
        if key == "province" {
            return Ok(Dimension::Province);
        }
        let (kind, value) = key.split_once(':').ok_or_else(bad)?;
        match kind {
            "receiving" => AgencyEId::parse(value)
                .map(Dimension::ReceivingAgency)
                .map_err(|_| bad()),
            "competent" => AgencyEId::parse(value)
                .map(Dimension::CompetentAgency)
                .map_err(|_| bad()),
            "procedure" => ProcedureCode::parse(value)
                .map(Dimension::Procedure)
                .map_err(|_| bad()),
            "field" if !value.is_empty() => Ok(Dimension::Field(value.to_string())),
            "commune" if !value.is_empty() => Ok(Dimension::Commune(value.to_string())),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// One additive counter. Flow counters count in the day of the event that defines them
/// ("a dossier counts in the period of the event that defines the indicator"); gauges
/// ([`Metric::is_gauge`]) describe the dossiers as they are now and are read at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    // ---- by the day it entered the system (NgayNopHoSo)
    /// Received at the counter (KenhThucHien 1).
    ReceivedCounter,
    /// Received online (2).
    ReceivedOnline,
    /// Received by post (3).
    ReceivedPostal,
    /// Received for a procedure offered fully online (toàn trình).
    ReceivedOfFullOnlineProcedure,
    /// Received online for a procedure offered fully online.
    FullOnline,
    /// Received online for this procedure: the distinct procedures that received online
    /// dossiers (index 3.2) are those with a positive count.
    OnlineFor(ProcedureCode),
    /// With digitized components.
    Digitized,
    /// Reusing digitized data already held (4.3).
    ReusedData,
    /// Carrying a fee or charge.
    FeeBearing,
    /// Fee-bearing and paid online (3.6).
    PaidOnline,
    /// Synced to the national portal (1.4).
    SyncedToNational,
    /// Received online from a VNeID-verified account (4.5).
    VneidVerifiedOnline,
    // ---- by the day it was accepted (NgayTiepNhan)
    Accepted,
    // ---- by the day it ended (NgayKetThucXuLy)
    /// Refused at reception (3).
    Refused,
    /// Withdrawn (7), before or after acceptance.
    Withdrawn,
    /// Processing stopped (8).
    Stopped,
    // ---- by the day it ended for the index (domain.md §3)
    /// A result was produced (9, 10).
    Resolved,
    Early,
    OnTime,
    Late,
    /// Sum of working minutes used by resolved dossiers (pauses excluded).
    ResolutionMinutes,
    /// Sum of working minutes the first appointment allowed them.
    AllowedMinutes,
    /// Resolved with a signed electronic result (4.1).
    ElectronicResult,
    /// Resolved with digitized components and an electronic result (4.2).
    DigitizedWithElectronicResult,
    /// Resolved, result pushed to the applicant's Kho (4.4).
    LinkedToKho,
    // ---- by the day of the rating
    Rated,
    /// Rated very satisfied or satisfied.
    Satisfied,
    /// Rated dissatisfied (the "dislike" of 5.4).
    Dissatisfied,
    // ---- gauges: the dossiers as they are now
    /// Submitted, not yet accepted; by receive day.
    AwaitingAcceptance,
    /// Being processed, by due day; `slot` is the due time in quarter hours after midnight
    /// (due dates are quarter-hour moments, domain.md §3), so that "overdue now" is exact.
    InProgressDue {
        slot: u8,
    },
    /// Waiting for documents (5), by request day.
    WaitingSupplement,
    /// Waiting for a fee or tax (6), by request day.
    WaitingFinancialObligation,
}

impl Metric {
    /// A gauge describes the current state and is read at a moment, whatever the period.
    pub fn is_gauge(&self) -> bool {
        matches!(
            self,
            Metric::AwaitingAcceptance
                | Metric::InProgressDue { .. }
                | Metric::WaitingSupplement
                | Metric::WaitingFinancialObligation
        )
    }

    /// A compact, stable text key for storage, e.g. `received_online`, `online_for:1.001193`,
    /// `in_progress_due:36`. [`Metric::parse_key`] reads it back.
    pub fn key(&self) -> String {
        match self {
            Metric::OnlineFor(code) => format!("online_for:{code}"),
            Metric::InProgressDue { slot } => format!("in_progress_due:{slot}"),
            other => other.simple_key().unwrap_or_default().to_string(),
        }
    }

    pub fn parse_key(key: &str) -> Result<Self, CounterKeyError> {
        let bad = || CounterKeyError(key.to_string());
        if let Some(code) = key.strip_prefix("online_for:") {
            return ProcedureCode::parse(code)
                .map(Metric::OnlineFor)
                .map_err(|_| bad());
        }
        if let Some(slot) = key.strip_prefix("in_progress_due:") {
            let slot: u8 = slot.parse().map_err(|_| bad())?;
            if slot > MAX_SLOT || slot.to_string().len() != key.len() - "in_progress_due:".len() {
                return Err(bad());
            }
            return Ok(Metric::InProgressDue { slot });
        }
        Self::SIMPLE
            .iter()
            .find(|m| m.simple_key() == Some(key))
            .cloned()
            .ok_or_else(bad)
    }

    /// Every metric without data.
    pub const SIMPLE: [Metric; 30] = [
        Metric::ReceivedCounter,
        Metric::ReceivedOnline,
        Metric::ReceivedPostal,
        Metric::ReceivedOfFullOnlineProcedure,
        Metric::FullOnline,
        Metric::Digitized,
        Metric::ReusedData,
        Metric::FeeBearing,
        Metric::PaidOnline,
        Metric::SyncedToNational,
        Metric::VneidVerifiedOnline,
        Metric::Accepted,
        Metric::Refused,
        Metric::Withdrawn,
        Metric::Stopped,
        Metric::Resolved,
        Metric::Early,
        Metric::OnTime,
        Metric::Late,
        Metric::ResolutionMinutes,
        Metric::AllowedMinutes,
        Metric::ElectronicResult,
        Metric::DigitizedWithElectronicResult,
        Metric::LinkedToKho,
        Metric::Rated,
        Metric::Satisfied,
        Metric::Dissatisfied,
        Metric::AwaitingAcceptance,
        Metric::WaitingSupplement,
        Metric::WaitingFinancialObligation,
    ];

    fn simple_key(&self) -> Option<&'static str> {
        Some(match self {
            Metric::ReceivedCounter => "received_counter",
            Metric::ReceivedOnline => "received_online",
            Metric::ReceivedPostal => "received_postal",
            Metric::ReceivedOfFullOnlineProcedure => "received_of_full_online_procedure",
            Metric::FullOnline => "full_online",
            Metric::Digitized => "digitized",
            Metric::ReusedData => "reused_data",
            Metric::FeeBearing => "fee_bearing",
            Metric::PaidOnline => "paid_online",
            Metric::SyncedToNational => "synced_to_national",
            Metric::VneidVerifiedOnline => "vneid_verified_online",
            Metric::Accepted => "accepted",
            Metric::Refused => "refused",
            Metric::Withdrawn => "withdrawn",
            Metric::Stopped => "stopped",
            Metric::Resolved => "resolved",
            Metric::Early => "early",
            Metric::OnTime => "on_time",
            Metric::Late => "late",
            Metric::ResolutionMinutes => "resolution_minutes",
            Metric::AllowedMinutes => "allowed_minutes",
            Metric::ElectronicResult => "electronic_result",
            Metric::DigitizedWithElectronicResult => "digitized_with_electronic_result",
            Metric::LinkedToKho => "linked_to_kho",
            Metric::Rated => "rated",
            Metric::Satisfied => "satisfied",
            Metric::Dissatisfied => "dissatisfied",
            Metric::AwaitingAcceptance => "awaiting_acceptance",
            Metric::WaitingSupplement => "waiting_supplement",
            Metric::WaitingFinancialObligation => "waiting_financial_obligation",
            Metric::OnlineFor(_) | Metric::InProgressDue { .. } => return None,
        })
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// The largest due slot: 96 quarter hours is midnight at the end of the due day.
pub const MAX_SLOT: u8 = 96;

/// The quarter-hour slot of a due moment, rounded up (a due date between quarters, which
/// the deadline rules never produce, counts at the next quarter).
pub fn due_slot(due: DateTime) -> u8 {
    let seconds = i32::from(due.hour()) * 3600
        + i32::from(due.minute()) * 60
        + i32::from(due.second())
        + i32::from(due.subsec_nanosecond() > 0);
    let slot = (seconds + 899) / 900;
    u8::try_from(slot).unwrap_or(MAX_SLOT).min(MAX_SLOT)
}

/// The moment a due slot of `day` stands for.
pub fn slot_moment(day: Date, slot: u8) -> DateTime {
    day.to_datetime(Time::midnight())
        .checked_add(SignedDuration::from_mins(
            15 * i64::from(slot.min(MAX_SLOT)),
        ))
        .unwrap_or(DateTime::MAX)
}

/// Where "overdue now" cuts the due slots at the moment `as_of`: an in-progress gauge kept
/// under (day, slot) is overdue — [`slot_moment`] before `as_of` — exactly when
/// `(day, slot) < overdue_cut(as_of)` in (day, slot) order. A store sums the gauges of a scope
/// in two parts on either side of the cut instead of reading every slot, and returns them
/// under [`OverdueCut::overdue_key`] and [`OverdueCut::pending_key`], which
/// [`super::KpiReport::compute`] classifies the same way at the same `as_of`.
pub fn overdue_cut(as_of: DateTime) -> OverdueCut {
    let day = as_of.date();
    let since_midnight = as_of.time().duration_since(Time::midnight());
    if since_midnight.is_zero() {
        // Midnight: the last slot of the day before is the moment itself, not overdue.
        return OverdueCut {
            day: day.yesterday().unwrap_or(day),
            slot: MAX_SLOT,
        };
    }
    // The first slot whose moment is not before `as_of`: ceil(seconds / 900).
    let nanos = since_midnight.as_nanos();
    let quarter = 900 * 1_000_000_000i128;
    let slot = (nanos + quarter - 1) / quarter;
    OverdueCut {
        day,
        slot: u8::try_from(slot).unwrap_or(MAX_SLOT).min(MAX_SLOT),
    }
}

/// See [`overdue_cut`]; `slot` is in `1..=MAX_SLOT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct OverdueCut {
    pub day: Date,
    pub slot: u8,
}

impl OverdueCut {
    /// Whether a due slot is overdue at the cut's moment.
    pub fn is_overdue(&self, day: Date, slot: u8) -> bool {
        (day, slot) < (self.day, self.slot)
    }

    /// A due slot just before the cut (overdue): where overdue gauges are summed.
    pub fn overdue_key(&self) -> (Date, u8) {
        (self.day, self.slot.saturating_sub(1))
    }

    /// The cut itself (not overdue): where the other in-progress gauges are summed.
    pub fn pending_key(&self) -> (Date, u8) {
        (self.day, self.slot)
    }
}

/// Where one counter is kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CounterKey {
    /// The local day of the defining event (see [`Metric`]).
    pub day: Date,
    pub dim: Dimension,
    pub metric: Metric,
}

/// A set of counters summed by key; a key whose sum comes to zero is dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters(BTreeMap<CounterKey, i64>);

impl Counters {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one value.
    pub fn add(&mut self, key: CounterKey, value: i64) {
        if value == 0 {
            return;
        }
        let entry = self.0.entry(key);
        match entry {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(value);
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                *o.get_mut() += value;
                if *o.get() == 0 {
                    o.remove();
                }
            }
        }
    }

    /// Adds every value of `delta`.
    pub fn apply<I: IntoIterator<Item = (CounterKey, i64)>>(&mut self, delta: I) {
        for (key, value) in delta {
            self.add(key, value);
        }
    }

    pub fn get(&self, key: &CounterKey) -> i64 {
        self.0.get(key).copied().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&CounterKey, &i64)> {
        self.0.iter()
    }

    /// The non-zero counters, sorted by key.
    pub fn into_vec(self) -> Vec<(CounterKey, i64)> {
        self.0.into_iter().collect()
    }
}

/// One counter of a known dimension: its day and metric, and the summed value.
pub type DayCounter = (Date, Metric, i64);

/// Counters grouped by dimension, as a store answers a query: each dimension once, in
/// order, with its non-zero counters sorted by (day, metric). A ranking or a heat table
/// reads each unit's slice ([`GroupedCounters::of`], [`GroupedCounters::iter`]) without a
/// dimension per counter to clone, compare or drop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupedCounters(Vec<(Dimension, Vec<DayCounter>)>);

impl GroupedCounters {
    /// The counters of one dimension (empty when it has none).
    pub fn of(&self, dim: &Dimension) -> &[DayCounter] {
        match self.0.binary_search_by(|(d, _)| d.cmp(dim)) {
            Ok(i) => &self.0[i].1,
            Err(_) => &[],
        }
    }

    /// The dimensions that have counters, in order.
    pub fn dimensions(&self) -> impl Iterator<Item = &Dimension> {
        self.0.iter().map(|(d, _)| d)
    }

    /// Each dimension with its counters, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&Dimension, &[DayCounter])> {
        self.0.iter().map(|(d, c)| (d, c.as_slice()))
    }

    /// No counter at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every counter under its full key, in (dimension, day, metric) order (checks and
    /// tests; a reader of many units should use [`GroupedCounters::iter`]).
    pub fn keyed(&self) -> Vec<(CounterKey, i64)> {
        self.0
            .iter()
            .flat_map(|(dim, counters)| {
                counters.iter().map(move |(day, metric, value)| {
                    (
                        CounterKey {
                            day: *day,
                            dim: dim.clone(),
                            metric: metric.clone(),
                        },
                        *value,
                    )
                })
            })
            .collect()
    }
}

impl IntoIterator for GroupedCounters {
    type Item = (Dimension, Vec<DayCounter>);
    type IntoIter = std::vec::IntoIter<(Dimension, Vec<DayCounter>)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Collects counters into [`GroupedCounters`]: a reader looks each dimension up once
/// ([`GroupedCountersBuilder::counters_of`]) and pushes its counters in any order, the
/// same (day, metric) more than once if it comes so; [`GroupedCountersBuilder::finish`]
/// sorts, sums and drops the zero sums.
#[derive(Debug, Default)]
pub struct GroupedCountersBuilder {
    dims: BTreeMap<Dimension, Vec<DayCounter>>,
}

impl GroupedCountersBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the counters of `dim` go.
    pub fn counters_of(&mut self, dim: Dimension) -> &mut Vec<DayCounter> {
        self.dims.entry(dim).or_default()
    }

    /// Adds one counter under its full key.
    pub fn add(&mut self, key: CounterKey, value: i64) {
        self.counters_of(key.dim).push((key.day, key.metric, value));
    }

    pub fn finish(self) -> GroupedCounters {
        GroupedCounters(
            self.dims
                .into_iter()
                .filter_map(|(dim, mut counters)| {
                    counters.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
                    let mut summed: Vec<DayCounter> = Vec::with_capacity(counters.len());
                    for (day, metric, value) in counters {
                        match summed.last_mut() {
                            Some(last) if last.0 == day && last.1 == metric => last.2 += value,
                            _ => summed.push((day, metric, value)),
                        }
                    }
                    summed.retain(|c| c.2 != 0);
                    (!summed.is_empty()).then_some((dim, summed))
                })
                .collect(),
        )
    }
}

impl<'a> IntoIterator for &'a Counters {
    type Item = (&'a CounterKey, &'a i64);
    type IntoIter = std::collections::btree_map::Iter<'a, CounterKey, i64>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<(CounterKey, i64)> for Counters {
    fn from_iter<I: IntoIterator<Item = (CounterKey, i64)>>(iter: I) -> Self {
        let mut counters = Counters::new();
        counters.apply(iter);
        counters
    }
}

impl KpiFacts {
    /// The dimensions this dossier counts under, each once.
    pub fn dimensions(&self) -> Vec<Dimension> {
        let mut dims = vec![
            Dimension::Province,
            Dimension::ReceivingAgency(self.receiving_agency.clone()),
            Dimension::CompetentAgency(self.competent_agency.clone()),
            Dimension::Procedure(self.procedure_code.clone()),
        ];
        for field in &self.fields {
            let dim = Dimension::Field(field.clone());
            if !field.trim().is_empty() && !dims.contains(&dim) {
                dims.push(dim);
            }
        }
        if let Some(commune) = self.commune_code.as_ref().filter(|c| !c.trim().is_empty()) {
            dims.push(Dimension::Commune(commune.clone()));
        }
        dims
    }

    /// The (day, metric, value) this dossier contributes in every one of its dimensions.
    pub fn metrics(&self) -> Vec<(Date, Metric, i64)> {
        let mut out = Vec::new();
        let received = self.received_on;
        let extras = &self.extras;
        let online = self.channel == Channel::Online;
        let mut flag = |day: Date, metric: Metric, on: bool| {
            if on {
                out.push((day, metric, 1));
            }
        };
        flag(
            received,
            match self.channel {
                Channel::Counter => Metric::ReceivedCounter,
                Channel::Online => Metric::ReceivedOnline,
                Channel::Postal => Metric::ReceivedPostal,
            },
            true,
        );
        let full = self.full_online_procedure();
        flag(received, Metric::ReceivedOfFullOnlineProcedure, full);
        flag(received, Metric::FullOnline, full && online);
        flag(
            received,
            Metric::OnlineFor(self.procedure_code.clone()),
            online,
        );
        flag(received, Metric::Digitized, extras.has_digitized_components);
        flag(received, Metric::ReusedData, extras.reused_digitized_data);
        flag(received, Metric::FeeBearing, extras.fee_bearing);
        flag(
            received,
            Metric::PaidOnline,
            extras.fee_bearing && extras.paid_online,
        );
        flag(
            received,
            Metric::SyncedToNational,
            extras.synced_to_national,
        );
        flag(
            received,
            Metric::VneidVerifiedOnline,
            online && extras.vneid_verified,
        );
        if let Some(accepted) = self.accepted_on {
            flag(accepted, Metric::Accepted, true);
        }
        if let Some(ended) = self.ended_at.map(|e| e.date()) {
            flag(
                ended,
                Metric::Refused,
                self.outcome == Some(Outcome::Refused),
            );
            flag(
                ended,
                Metric::Withdrawn,
                self.outcome == Some(Outcome::Withdrawn),
            );
            flag(
                ended,
                Metric::Stopped,
                self.outcome == Some(Outcome::Stopped),
            );
        }
        if let Some(end) = self.index_end.map(|e| e.date()) {
            if let Some(t) = self.timeliness {
                let metric = match t {
                    Timeliness::Early => Metric::Early,
                    Timeliness::OnTime => Metric::OnTime,
                    Timeliness::Late => Metric::Late,
                };
                flag(end, metric, true);
            }
            if self.outcome == Some(Outcome::Resolved) {
                flag(end, Metric::Resolved, true);
                flag(end, Metric::ElectronicResult, extras.electronic_result);
                flag(
                    end,
                    Metric::DigitizedWithElectronicResult,
                    extras.has_digitized_components && extras.electronic_result,
                );
                flag(end, Metric::LinkedToKho, extras.linked_to_kho);
                if let Some(minutes) = self.resolution_minutes.filter(|m| *m != 0) {
                    out.push((end, Metric::ResolutionMinutes, minutes));
                }
                if let Some(minutes) = self.allowed_minutes.filter(|m| *m != 0) {
                    out.push((end, Metric::AllowedMinutes, minutes));
                }
            }
        }
        if let Some(rating) = extras.satisfaction {
            out.push((rating.rated_on, Metric::Rated, 1));
            if rating.level.is_satisfied() {
                out.push((rating.rated_on, Metric::Satisfied, 1));
            }
            if rating.level == SatisfactionLevel::Dissatisfied {
                out.push((rating.rated_on, Metric::Dissatisfied, 1));
            }
        }
        // Gauges.
        if self.awaiting_acceptance() {
            out.push((received, Metric::AwaitingAcceptance, 1));
        }
        if self.in_progress() {
            if let Some(due) = self.due {
                let slot = due_slot(due);
                out.push((due.date(), Metric::InProgressDue { slot }, 1));
            }
        }
        if let Some((kind, since)) = self.waiting {
            let metric = match kind {
                PauseKind::Supplement => Metric::WaitingSupplement,
                PauseKind::FinancialObligation => Metric::WaitingFinancialObligation,
            };
            out.push((since, metric, 1));
        }
        out
    }
}

/// Every counter one dossier contributes, summed by key and sorted.
pub fn contributions(facts: &KpiFacts) -> Counters {
    let metrics = facts.metrics();
    let mut out = Counters::new();
    for dim in facts.dimensions() {
        for (day, metric, value) in &metrics {
            out.add(
                CounterKey {
                    day: *day,
                    dim: dim.clone(),
                    metric: metric.clone(),
                },
                *value,
            );
        }
    }
    out
}

/// What a change of one dossier's facts does to the counters:
/// `contributions(after) − contributions(before)`, zero entries dropped, sorted by key (so
/// that concurrent writers touch counter rows in the same order). `before` is `None` when the
/// dossier enters the system.
pub fn delta(before: Option<&KpiFacts>, after: &KpiFacts) -> Vec<(CounterKey, i64)> {
    let mut out = contributions(after);
    if let Some(before) = before {
        for (key, value) in contributions(before).into_vec() {
            out.add(key, -value);
        }
    }
    out.into_vec()
}
