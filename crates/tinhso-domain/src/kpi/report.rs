//! The dashboard's indicators for one scope and one period, computed from summed counters.
//! Every rate keeps its numerator and denominator, so every number reads "a of b".

use std::borrow::Borrow;
use std::collections::BTreeMap;

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use crate::catalog::ProcedureCode;

use super::counters::{slot_moment, CounterKey, DayCounter, Dimension, Metric};
use super::period::Period;

/// A rate kept as "numerator of denominator".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Ratio {
    pub numerator: u64,
    pub denominator: u64,
}

impl Ratio {
    pub fn new(numerator: u64, denominator: u64) -> Self {
        Self {
            numerator,
            denominator,
        }
    }

    /// `numerator ÷ denominator`; `None` when there is nothing to divide by (no number is
    /// invented for an empty denominator).
    pub fn rate(&self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }

    /// The rate in percent.
    pub fn percent(&self) -> Option<f64> {
        self.rate().map(|r| r * 100.0)
    }
}

/// Dossiers received, by channel (KenhThucHien).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReceivedCounts {
    pub counter: u64,
    pub online: u64,
    pub postal: u64,
    pub total: u64,
}

/// Dashboards group 5, 6 and 8 as "paused" (domain.md §2.1). Statuses 5 and 6 are read now;
/// status 8 is final, so as a gauge it would only grow: the stopped dossiers shown are those
/// stopped in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PausedCounts {
    /// Waiting for documents now (5).
    pub supplement: u64,
    /// Waiting for a fee or tax now (6).
    pub financial_obligation: u64,
    /// Stopped in the period (8).
    pub stopped: u64,
    pub total: u64,
}

/// The indicators of one scope over one period.
///
/// Flow indicators count each dossier in the period of the event that defines them: received
/// (and the rates over received) by the day it entered the system; accepted by acceptance;
/// refused, withdrawn, stopped by their end; resolved, early, on time, late and the result
/// rates by the end for the index (domain.md §3); satisfaction by the rating day. In
/// progress, awaiting acceptance, overdue and waiting are read at `as_of`, whatever the
/// period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiReport {
    pub scope: Dimension,
    pub period: Period,
    pub as_of: DateTime,
    pub received: ReceivedCounts,
    pub accepted: u64,
    /// Refused at reception (3).
    pub refused: u64,
    /// Withdrawn (7), before or after acceptance.
    pub withdrawn: u64,
    /// A result was produced (9, 10).
    pub resolved: u64,
    pub early: u64,
    pub on_time: u64,
    pub late: u64,
    /// Early + on time + late: the dossiers that ended for the index.
    pub processed: u64,
    /// (Early + on time) of processed: index 2.1.
    pub on_time_rate: Ratio,
    /// Being processed now (2, 4).
    pub in_progress: u64,
    /// Submitted and not yet accepted now (1).
    pub awaiting_acceptance: u64,
    /// Being processed with the due date passed at `as_of`.
    pub overdue_now: u64,
    /// Overdue of in progress, now.
    pub overdue_rate: Ratio,
    pub paused: PausedCounts,
    /// Working minutes used by resolved dossiers, of resolved dossiers: the average
    /// resolution time is [`KpiReport::average_resolution_minutes`].
    pub resolution_minutes: Ratio,
    /// Working minutes the first appointments allowed, of resolved dossiers.
    pub allowed_minutes: Ratio,
    /// Online of received.
    pub online_rate: Ratio,
    /// Online of received for procedures offered fully online (toàn trình).
    pub full_online_rate: Ratio,
    /// With digitized components, of received.
    pub digitized_rate: Ratio,
    /// Reusing digitized data, of received (4.3).
    pub reused_data_rate: Ratio,
    /// Paid online, of fee-bearing received (3.6).
    pub online_payment_rate: Ratio,
    /// Synced to the national portal, of received (1.4).
    pub synced_rate: Ratio,
    /// From a VNeID-verified account, of received online (4.5).
    pub vneid_rate: Ratio,
    /// With a signed electronic result, of resolved (4.1).
    pub electronic_result_rate: Ratio,
    /// With digitized components and an electronic result, of resolved (4.2).
    pub digitized_with_electronic_result_rate: Ratio,
    /// Result pushed to the applicant's Kho, of resolved (4.4).
    pub kho_rate: Ratio,
    /// The procedures that received online dossiers in the period (3.2), sorted.
    pub procedures_with_online_dossiers: Vec<ProcedureCode>,
    /// Satisfied or very satisfied, of rated.
    pub satisfaction: Ratio,
    /// Rated dissatisfied.
    pub dissatisfied: u64,
}

impl KpiReport {
    /// The indicators of `scope` over `period`, read at `as_of`, from counters (any mix of
    /// scopes and days: those of other scopes, and flow counters outside the period, are
    /// skipped).
    pub fn compute<I, K, V>(
        scope: &Dimension,
        period: &Period,
        as_of: DateTime,
        counters: I,
    ) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Borrow<CounterKey>,
        V: Borrow<i64>,
    {
        let mut tally = Tally::new(period, as_of);
        for (key, value) in counters {
            let key = key.borrow();
            if &key.dim == scope {
                tally.add(key.day, &key.metric, *value.borrow());
            }
        }
        tally.report(scope, period, as_of)
    }

    /// [`KpiReport::compute`] from the counters of `scope` alone (a slice of
    /// [`GroupedCounters`](super::GroupedCounters)): flow counters outside the period are
    /// skipped.
    pub fn of_counters(
        scope: &Dimension,
        period: &Period,
        as_of: DateTime,
        counters: &[DayCounter],
    ) -> Self {
        let mut tally = Tally::new(period, as_of);
        for (day, metric, value) in counters {
            tally.add(*day, metric, *value);
        }
        tally.report(scope, period, as_of)
    }
}

/// The sums a report is made of, one scope's counters at a time.
struct Tally {
    first: Date,
    last: Date,
    as_of: DateTime,
    flow: BTreeMap<Metric, i64>,
    online_for: BTreeMap<ProcedureCode, i64>,
    in_progress: i64,
    overdue: i64,
    awaiting: i64,
    waiting_supplement: i64,
    waiting_fee: i64,
}

impl Tally {
    fn new(period: &Period, as_of: DateTime) -> Self {
        Tally {
            first: period.first_day(),
            last: period.last_day(),
            as_of,
            flow: BTreeMap::new(),
            online_for: BTreeMap::new(),
            in_progress: 0,
            overdue: 0,
            awaiting: 0,
            waiting_supplement: 0,
            waiting_fee: 0,
        }
    }

    fn add(&mut self, day: Date, metric: &Metric, value: i64) {
        match metric {
            Metric::InProgressDue { slot } => {
                self.in_progress += value;
                if slot_moment(day, *slot) < self.as_of {
                    self.overdue += value;
                }
            }
            Metric::AwaitingAcceptance => self.awaiting += value,
            Metric::WaitingSupplement => self.waiting_supplement += value,
            Metric::WaitingFinancialObligation => self.waiting_fee += value,
            _ if day < self.first || day > self.last => {}
            Metric::OnlineFor(code) => match self.online_for.get_mut(code) {
                Some(sum) => *sum += value,
                None => {
                    self.online_for.insert(code.clone(), value);
                }
            },
            metric => match self.flow.get_mut(metric) {
                Some(sum) => *sum += value,
                None => {
                    self.flow.insert(metric.clone(), value);
                }
            },
        }
    }

    fn report(self, scope: &Dimension, period: &Period, as_of: DateTime) -> KpiReport {
        let Tally {
            flow,
            online_for,
            in_progress,
            overdue,
            awaiting,
            waiting_supplement,
            waiting_fee,
            ..
        } = self;
        let n = |metric: Metric| count(flow.get(&metric).copied().unwrap_or(0));
        let received = ReceivedCounts {
            counter: n(Metric::ReceivedCounter),
            online: n(Metric::ReceivedOnline),
            postal: n(Metric::ReceivedPostal),
            total: n(Metric::ReceivedCounter)
                + n(Metric::ReceivedOnline)
                + n(Metric::ReceivedPostal),
        };
        let (early, on_time, late) = (n(Metric::Early), n(Metric::OnTime), n(Metric::Late));
        let processed = early + on_time + late;
        let resolved = n(Metric::Resolved);
        let stopped = n(Metric::Stopped);
        let (in_progress, overdue_now) = (count(in_progress), count(overdue));
        let paused = PausedCounts {
            supplement: count(waiting_supplement),
            financial_obligation: count(waiting_fee),
            stopped,
            total: count(waiting_supplement) + count(waiting_fee) + stopped,
        };
        KpiReport {
            scope: scope.clone(),
            period: *period,
            as_of,
            received,
            accepted: n(Metric::Accepted),
            refused: n(Metric::Refused),
            withdrawn: n(Metric::Withdrawn),
            resolved,
            early,
            on_time,
            late,
            processed,
            on_time_rate: Ratio::new(early + on_time, processed),
            in_progress,
            awaiting_acceptance: count(awaiting),
            overdue_now,
            overdue_rate: Ratio::new(overdue_now, in_progress),
            paused,
            resolution_minutes: Ratio::new(n(Metric::ResolutionMinutes), resolved),
            allowed_minutes: Ratio::new(n(Metric::AllowedMinutes), resolved),
            online_rate: Ratio::new(received.online, received.total),
            full_online_rate: Ratio::new(
                n(Metric::FullOnline),
                n(Metric::ReceivedOfFullOnlineProcedure),
            ),
            digitized_rate: Ratio::new(n(Metric::Digitized), received.total),
            reused_data_rate: Ratio::new(n(Metric::ReusedData), received.total),
            online_payment_rate: Ratio::new(n(Metric::PaidOnline), n(Metric::FeeBearing)),
            synced_rate: Ratio::new(n(Metric::SyncedToNational), received.total),
            vneid_rate: Ratio::new(n(Metric::VneidVerifiedOnline), received.online),
            electronic_result_rate: Ratio::new(n(Metric::ElectronicResult), resolved),
            digitized_with_electronic_result_rate: Ratio::new(
                n(Metric::DigitizedWithElectronicResult),
                resolved,
            ),
            kho_rate: Ratio::new(n(Metric::LinkedToKho), resolved),
            procedures_with_online_dossiers: online_for
                .into_iter()
                .filter(|(_, v)| *v > 0)
                .map(|(code, _)| code)
                .collect(),
            satisfaction: Ratio::new(n(Metric::Satisfied), n(Metric::Rated)),
            dissatisfied: n(Metric::Dissatisfied),
        }
    }
}

impl KpiReport {
    /// Average working minutes from the clock start to the result, pauses excluded.
    pub fn average_resolution_minutes(&self) -> Option<f64> {
        self.resolution_minutes.rate()
    }
}

/// A summed counter as a count; sums of deltas are never negative, and a negative one (a
/// store fault) reads as zero rather than wrapping.
fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
