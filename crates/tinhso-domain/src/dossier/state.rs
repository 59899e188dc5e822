//! The dossier aggregate's state (hồ sơ), as the domain decides it and the store persists it.

use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};

use crate::agency::AgencyEId;
use crate::catalog::{Channel, ProcedureCode};

use super::code::DossierCode;
use super::status::NationalStatus;
use super::workflow::StepId;

/// What a dossier needs to enter the system (online submission, counter or postal reception).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    /// Taken when the dossier enters the system (domain.md §5.2).
    pub code: DossierCode,
    pub procedure_code: ProcedureCode,
    /// The catalog version the dossier is pinned to (domain.md §4).
    pub procedure_version: u32,
    pub channel: Channel,
    /// The applicant's account, when there is one (a counter dossier may have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant_id: Option<String>,
    /// Where it was received (the centre or counter), the receiving unit and the competent
    /// agency: anywhere in the province they may all differ (domain.md §0.3).
    pub received_point: AgencyEId,
    pub receiving_agency: AgencyEId,
    pub competent_agency: AgencyEId,
}

/// How a dossier ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A result was produced (9, then 10).
    Resolved,
    /// Refused at reception (3).
    Refused,
    /// Processing stopped (8).
    Stopped,
    /// Withdrawn by the applicant (7).
    Withdrawn,
}

/// Why the clock paused (domain.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseKind {
    /// Waiting for documents (Mẫu 02), status 5.
    Supplement,
    /// Waiting for a fee or tax, status 6.
    FinancialObligation,
}

/// One wait for the applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub kind: PauseKind,
    pub requested_at: DateTime,
    /// The status the dossier returns to when the applicant answers.
    pub resume_status: NationalStatus,
    /// When the wait ended (answered, or the dossier ended while waiting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime>,
    /// Whether the applicant answered (supplemented, paid).
    #[serde(default)]
    pub answered: bool,
    /// Working minutes the wait took after acceptance, by which the due date moved.
    #[serde(default)]
    pub working_minutes: i64,
}

/// Why a due date changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum DueChangeCause {
    /// The clock was paused this many working minutes (states 5, 6).
    Pause { working_minutes: i64 },
    /// Apology and extension (Mẫu 04).
    Extension { reason: String },
}

/// A change of the due date; both dates are kept (NgayHenTraTruoc, NgayHenTraMoi).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueChange {
    pub at: DateTime,
    /// NgayHenTraTruoc.
    pub previous: DateTime,
    /// NgayHenTraMoi.
    pub new: DateTime,
    #[serde(flatten)]
    pub cause: DueChangeCause,
}

/// The state of one dossier. Every moment is civil time in Asia/Ho_Chi_Minh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dossier {
    pub code: DossierCode,
    pub procedure_code: ProcedureCode,
    /// The catalog version in force at reception; later catalog changes never move its dates.
    pub procedure_version: u32,
    /// The workflow version the dossier runs on.
    pub workflow_version: u32,
    pub channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant_id: Option<String>,
    pub received_point: AgencyEId,
    pub receiving_agency: AgencyEId,
    pub competent_agency: AgencyEId,
    /// The agency working on it now, in inter-agency processing (liên thông).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_to: Option<AgencyEId>,
    /// When it entered the system (NgayNopHoSo).
    pub received_at: DateTime,
    /// When the one-stop unit accepted it (NgayTiepNhan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<DateTime>,
    /// When the processing clock started (after the cut-off rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_start: Option<DateTime>,
    pub status: NationalStatus,
    /// The internal step; `None` once the dossier has left the workflow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_step: Option<StepId>,
    /// The appointment (NgayHenTra), as moved by pauses and extensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime>,
    #[serde(default)]
    pub due_changes: Vec<DueChange>,
    #[serde(default)]
    pub pauses: Vec<Pause>,
    /// Total working minutes paused after acceptance.
    #[serde(default)]
    pub paused_minutes: i64,
    /// Supplement requests after acceptance (more than one counts as late, domain.md §3).
    #[serde(default)]
    pub supplement_requests: u32,
    /// Supplement requests at reception, before acceptance (no clock runs yet).
    #[serde(default)]
    pub supplement_requests_before_acceptance: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_ready_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime>,
    /// The first terminal moment (3, 7, 8 or 9): NgayKetThucXuLy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The moment of the latest event; decisions must not go back before it.
    pub last_event_at: DateTime,
}

impl Dossier {
    /// The appointment given at acceptance, before any pause or extension.
    pub fn original_due(&self) -> Option<DateTime> {
        self.due_changes
            .first()
            .map(|change| change.previous)
            .or(self.due)
    }

    /// The wait for the applicant under way, if any.
    pub fn open_pause(&self) -> Option<&Pause> {
        self.pauses.last().filter(|p| p.ended_at.is_none())
    }

    /// The due date has passed at `now` and the dossier has not ended (nor is waiting for
    /// the applicant).
    pub fn is_overdue(&self, now: DateTime) -> bool {
        self.ended_at.is_none() && !self.status.is_paused() && self.due.is_some_and(|due| now > due)
    }

    /// The consistency rules every stored state keeps; empty when the state is sound.
    /// [`super::decide`] only ever produces sound states.
    pub fn invariant_violations(&self) -> Vec<&'static str> {
        use NationalStatus::*;
        let mut out = Vec::new();
        let accepted = self.accepted_at.is_some();
        if accepted != self.due.is_some() || accepted != self.clock_start.is_some() {
            out.push("accepted_at, clock_start and due are set together");
        }
        if self.status == Registered && accepted {
            out.push("a registered dossier is not accepted");
        }
        if matches!(
            self.status,
            Accepted | Processing | FinancialObligation | ResultReady | Delivered | Stopped
        ) && !accepted
        {
            out.push("this status needs acceptance");
        }
        if self.status == Refused && accepted {
            out.push("an accepted dossier cannot be refused");
        }
        if self.status.is_terminal() != self.ended_at.is_some() {
            out.push("ended_at is set exactly in terminal statuses");
        }
        if self.status.is_terminal() != self.outcome.is_some() {
            out.push("outcome is set exactly in terminal statuses");
        }
        let expected = match self.status {
            Refused => Some(Outcome::Refused),
            Withdrawn => Some(Outcome::Withdrawn),
            Stopped => Some(Outcome::Stopped),
            ResultReady | Delivered => Some(Outcome::Resolved),
            _ => None,
        };
        if self.outcome != expected {
            out.push("outcome matches the status");
        }
        if self.status.is_paused() != self.open_pause().is_some() {
            out.push("an open pause exists exactly in statuses 5 and 6");
        }
        if let Some(pause) = self.open_pause() {
            let kind = match self.status {
                SupplementRequested => Some(PauseKind::Supplement),
                FinancialObligation => Some(PauseKind::FinancialObligation),
                _ => None,
            };
            if kind.is_some_and(|k| k != pause.kind) {
                out.push("the open pause matches the status");
            }
        }
        if self.status == Delivered {
            if self.delivered_at.is_none() || self.result_ready_at.is_none() {
                out.push("a delivered dossier has result_ready_at and delivered_at");
            }
            if self.current_step.is_some() {
                out.push("a delivered dossier has left the workflow");
            }
        }
        if matches!(self.status, Refused | Withdrawn | Stopped) && self.current_step.is_some() {
            out.push("an ended dossier has left the workflow");
        }
        if !self.status.is_terminal() && self.current_step.is_none() {
            out.push("a live dossier is at a step");
        }
        if self.transferred_to.is_some() && !matches!(self.status, Processing) {
            out.push("a transferred dossier is being processed");
        }
        for pair in self.due_changes.windows(2) {
            if pair[0].new != pair[1].previous {
                out.push("due changes chain");
            }
        }
        if let (Some(last), Some(due)) = (self.due_changes.last(), self.due) {
            if last.new != due {
                out.push("the last due change gives the due date");
            }
        }
        if self.due_changes.iter().any(|c| c.new <= c.previous) {
            out.push("a due date only moves later");
        }
        let paused: i64 = self.pauses.iter().map(|p| p.working_minutes).sum();
        if paused != self.paused_minutes || self.paused_minutes < 0 {
            out.push("paused_minutes is the sum of the pauses");
        }
        out
    }
}
