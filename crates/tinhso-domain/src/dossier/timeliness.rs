//! Early, on time or late (domain.md §3), as the service-quality index counts it (766, 2.1).

use jiff::civil::DateTime;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use super::state::Dossier;
use super::status::NationalStatus;

/// How a processed dossier did against its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Trước hạn: ended before the due date (by more than the configured margin).
    Early,
    /// Đúng hạn: ended at or before the due date.
    OnTime,
    /// Trễ hạn: ended after the due date, or asked for documents more than once.
    Late,
}

impl Timeliness {
    pub fn label_vi(self) -> &'static str {
        match self {
            Timeliness::Early => "Trước hạn",
            Timeliness::OnTime => "Đúng hạn",
            Timeliness::Late => "Trễ hạn",
        }
    }
}

/// Which due date a dossier is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueBasis {
    /// The due date as moved by pauses and extensions (NgayHenTraMoi). Default.
    #[default]
    Current,
    /// The appointment given at acceptance (before pauses and extensions).
    ///
    /// UNCONFIRMED whether the index judges an extended dossier against its first date;
    /// offered as configuration.
    Original,
}

/// Parameters of the classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClassifyOptions {
    /// A dossier is early only if it ends more than this before the due date (wall-clock).
    /// Default zero: early means strictly before, as OpenCPS counts it (domain.md §3).
    pub early_margin: SignedDuration,
    pub due_basis: DueBasis,
}

/// [`classify_with`] with the default options.
pub fn classify(state: &Dossier) -> Option<Timeliness> {
    classify_with(state, &ClassifyOptions::default())
}

/// The moment the dossier ended for the index, if it has:
///
/// - the first terminal state: result ready (9), else delivered (10), stopped (8), or
///   withdrawn (7) after acceptance; a dossier never accepted (refused, withdrawn at
///   reception) has no due date and is not counted;
/// - a dossier still waiting for the applicant (5, 6) ends at the request time; so does one
///   that ended while waiting (stopped or withdrawn without answering): the wait is the
///   applicant's, not the agency's.
pub fn index_end(state: &Dossier) -> Option<DateTime> {
    state.accepted_at?;
    if let Some(pause) = state.pauses.last() {
        let waiting = state.status.is_paused() && pause.ended_at.is_none();
        let ended_waiting = !pause.answered
            && pause.ended_at.is_some()
            && pause.ended_at == state.ended_at
            && matches!(
                state.status,
                NationalStatus::Stopped | NationalStatus::Withdrawn
            );
        if waiting || ended_waiting {
            return Some(pause.requested_at);
        }
    }
    state
        .result_ready_at
        .or(state.delivered_at)
        .or(state.ended_at)
}

/// Early, on time or late, once it can be said; `None` while the dossier runs (or was never
/// accepted).
///
/// More than one supplement request after acceptance counts as late whatever the dates
/// (domain.md §3). Otherwise: late if the end is after the due date; early if it is before
/// by more than the margin; on time otherwise.
pub fn classify_with(state: &Dossier, options: &ClassifyOptions) -> Option<Timeliness> {
    let end = index_end(state);
    if state.supplement_requests > 1 && (end.is_some() || state.accepted_at.is_some()) {
        return Some(Timeliness::Late);
    }
    let end = end?;
    let due = match options.due_basis {
        DueBasis::Current => state.due?,
        DueBasis::Original => state.original_due()?,
    };
    if end > due {
        Some(Timeliness::Late)
    } else if due.duration_since(end) > options.early_margin {
        Some(Timeliness::Early)
    } else {
        Some(Timeliness::OnTime)
    }
}
