//! Operations dashboard (IOC) indicators and the service-quality index of QĐ 766/QĐ-TTg
//! (domain.md §2, §3, §6). Pure: no I/O, no clock reads (`as_of` is passed in).
//!
//! The flow, per dossier and per state change:
//!
//! 1. [`facts`]: the facts about one dossier the indicators need ([`KpiFacts`]), from its
//!    state and the few [`DossierExtras`] it does not carry;
//! 2. [`delta`]: the change to the additive counters ([`CounterKey`] = day × [`Dimension`] ×
//!    [`Metric`]) that the store applies in the same transaction as the state change. The
//!    sum of the deltas over any history equals [`contributions`] of the final facts, so the
//!    counters never drift;
//! 3. [`KpiReport::compute`]: the indicators of a scope over a [`Period`] from the summed
//!    counters, every rate a [`Ratio`] ("a of b");
//! 4. [`score`] and [`rank`]: the 766 index from a report, [`IndexInputs`] and an
//!    [`IndexConfig`]; [`KpiFacts::standing`] names the dossiers that lost points.
//!
//! A dossier counts in the period of the event that defines the indicator: received by the
//! day it entered the system, resolved / early / on time / late by its end for the index
//! (§3: the first terminal state, 9 > 10 > 8 / 3; a withdrawal only after acceptance; a
//! dossier waiting for the applicant ends at the request time); in progress, overdue and
//! waiting are read at a moment.

mod counters;
mod facts;
mod index;
mod period;
mod report;

pub use counters::{
    contributions, delta, due_slot, overdue_cut, slot_moment, CounterKey, CounterKeyError,
    Counters, DayCounter, Dimension, GroupedCounters, GroupedCountersBuilder, Metric, OverdueCut,
    MAX_SLOT,
};
pub use facts::{
    facts, DossierExtras, FactRules, KpiFacts, SatisfactionLevel, SatisfactionRating, Standing,
};
pub use index::{
    points_for, rank, score, GroupScore, GroupWeight, IndexConfig, IndexConfigProblem, IndexInputs,
    IndexScore, Indicator, IndicatorRule, IndicatorScore, NotMeasured, GROUPS,
};
pub use period::{Period, PeriodError};
pub use report::{KpiReport, PausedCounts, Ratio, ReceivedCounts};
