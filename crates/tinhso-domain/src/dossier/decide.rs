//! The dossier state machine: [`submit`] brings a dossier into the system, [`decide`] judges
//! every later move. Both are pure: the caller passes `now`, the calendar and the workflow,
//! and stores the [`Transition`] it gets back; an illegal move is an error and is never stored.

use jiff::civil::{DateTime, Time};
use jiff::Span;
use serde::{Deserialize, Serialize};
use tinhso_calendar::{TimeLimit, WorkingCalendar};

use crate::agency::AgencyEId;
use crate::catalog::Channel;

use super::state::{Dossier, DueChange, DueChangeCause, Intake, Outcome, Pause, PauseKind};
use super::status::{Actor, NationalStatus, Role};
use super::workflow::{
    ActionDef, ActionKind, ActionTarget, AgencyScope, StepDef, StepId, WorkflowDefinition,
};

/// A move someone asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Enter the system (only through [`submit`]: a dossier that exists is already submitted).
    Submit,
    /// Accept at the one-stop unit (2): the due date is computed (receipt Mẫu 01).
    Accept,
    /// Refuse at reception (3, Mẫu 03).
    Refuse { reason: String },
    /// Ask for documents (5, Mẫu 02): the clock pauses.
    RequestSupplement { reason: String },
    /// The applicant brings the documents: the clock resumes, the due date moves.
    Supplement,
    /// Ask for a fee or tax (6): the clock pauses.
    RequestFinancialObligation { amount_vnd: u64 },
    /// The applicant pays: the clock resumes, the due date moves.
    Pay,
    /// Send to another step of the workflow (next, or back).
    Forward { to_step: StepId },
    /// Hand to another agency (liên thông); the dossier stays at its step.
    TransferToAgency { eid: AgencyEId },
    /// The other agency hands it back.
    ReturnFromAgency,
    /// The leader approves and signs.
    Approve,
    /// Stop processing (8, Mẫu 05).
    Stop { reason: String },
    /// The applicant withdraws (7).
    Withdraw,
    /// The result is numbered and ready (9).
    ResultReady,
    /// The result is handed over (10).
    Deliver,
    /// Apologize and set a later appointment (Mẫu 04), before the due date passes.
    ApologizeAndExtend { new_due: DateTime, reason: String },
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Submit => ActionKind::Submit,
            Action::Accept => ActionKind::Accept,
            Action::Refuse { .. } => ActionKind::Refuse,
            Action::RequestSupplement { .. } => ActionKind::RequestSupplement,
            Action::Supplement => ActionKind::Supplement,
            Action::RequestFinancialObligation { .. } => ActionKind::RequestFinancialObligation,
            Action::Pay => ActionKind::Pay,
            Action::Forward { .. } => ActionKind::Forward,
            Action::TransferToAgency { .. } => ActionKind::TransferToAgency,
            Action::ReturnFromAgency => ActionKind::ReturnFromAgency,
            Action::Approve => ActionKind::Approve,
            Action::Stop { .. } => ActionKind::Stop,
            Action::Withdraw => ActionKind::Withdraw,
            Action::ResultReady => ActionKind::ResultReady,
            Action::Deliver => ActionKind::Deliver,
            Action::ApologizeAndExtend { .. } => ActionKind::ApologizeAndExtend,
        }
    }
}

/// What happened, as recorded: who, when, from which state to which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierEvent {
    pub at: DateTime,
    pub actor: Actor,
    /// `None` for the submission.
    pub from_status: Option<NationalStatus>,
    pub to_status: NationalStatus,
    pub from_step: Option<StepId>,
    pub to_step: Option<StepId>,
    pub detail: EventDetail,
}

/// The facts of an event beyond the move itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventDetail {
    Submitted {
        channel: Channel,
    },
    Accepted {
        clock_start: DateTime,
        due: DateTime,
    },
    Refused {
        reason: String,
    },
    SupplementRequested {
        reason: String,
    },
    Supplemented {
        paused_minutes: i64,
        due_before: Option<DateTime>,
        due_after: Option<DateTime>,
    },
    FinancialObligationRequested {
        amount_vnd: u64,
    },
    Paid {
        paused_minutes: i64,
        due_before: Option<DateTime>,
        due_after: Option<DateTime>,
    },
    Forwarded,
    TransferredToAgency {
        eid: AgencyEId,
    },
    ReturnedFromAgency {
        eid: AgencyEId,
    },
    Approved,
    Stopped {
        reason: String,
    },
    Withdrawn,
    ResultReady,
    Delivered,
    /// Mẫu 04: NgayHenTraTruoc → NgayHenTraMoi.
    Extended {
        previous_due: DateTime,
        new_due: DateTime,
        reason: String,
    },
}

impl EventDetail {
    pub fn kind(&self) -> ActionKind {
        match self {
            EventDetail::Submitted { .. } => ActionKind::Submit,
            EventDetail::Accepted { .. } => ActionKind::Accept,
            EventDetail::Refused { .. } => ActionKind::Refuse,
            EventDetail::SupplementRequested { .. } => ActionKind::RequestSupplement,
            EventDetail::Supplemented { .. } => ActionKind::Supplement,
            EventDetail::FinancialObligationRequested { .. } => {
                ActionKind::RequestFinancialObligation
            }
            EventDetail::Paid { .. } => ActionKind::Pay,
            EventDetail::Forwarded => ActionKind::Forward,
            EventDetail::TransferredToAgency { .. } => ActionKind::TransferToAgency,
            EventDetail::ReturnedFromAgency { .. } => ActionKind::ReturnFromAgency,
            EventDetail::Approved => ActionKind::Approve,
            EventDetail::Stopped { .. } => ActionKind::Stop,
            EventDetail::Withdrawn => ActionKind::Withdraw,
            EventDetail::ResultReady => ActionKind::ResultReady,
            EventDetail::Delivered => ActionKind::Deliver,
            EventDetail::Extended { .. } => ActionKind::ApologizeAndExtend,
        }
    }
}

/// A legal move: the caller stores `new_state` and `event` together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// `None` for the submission.
    pub from_status: Option<NationalStatus>,
    pub to_status: NationalStatus,
    pub from_step: Option<StepId>,
    pub to_step: Option<StepId>,
    pub event: DossierEvent,
    pub new_state: Dossier,
}

/// The procedure's rules a decision needs: its workflow (the version the dossier runs on),
/// the working calendar, and the time limit and cut-off of the version the dossier is
/// pinned to (used only at acceptance: catalog changes never move an existing due date).
#[derive(Debug, Clone, Copy)]
pub struct ProcedureRules<'a> {
    pub workflow: &'a WorkflowDefinition,
    pub calendar: &'a WorkingCalendar,
    pub limit: TimeLimit,
    /// E.g. 15:00 for procedures that count later dossiers as received the next working day.
    pub cutoff: Option<Time>,
}

/// Why a move is refused. Every variant has a stable [`DomainError::code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("Không thể {action} khi hồ sơ ở trạng thái {status} / Cannot {action} a dossier in status {}", .status.label_en())]
    IllegalTransition {
        action: ActionKind,
        status: NationalStatus,
    },
    #[error("Vai trò {role} không được {action} ở đây / Role {role:?} may not {action} here")]
    RoleNotAllowed { role: Role, action: ActionKind },
    #[error(
        "Hồ sơ không thuộc cơ quan của người thực hiện / The dossier is not at the actor's agency"
    )]
    NotYourAgency,
    #[error("Hồ sơ không phải của người thực hiện / The dossier is not the actor's")]
    NotYourDossier,
    #[error("Quy trình không cho phép {action} tại bước {step} / The workflow does not offer {action} at step {step}")]
    NotInWorkflow { action: ActionKind, step: StepId },
    #[error(
        "Hồ sơ đang được xử lý tại cơ quan khác ({0}) / The dossier is at another agency ({0})"
    )]
    AtOtherAgency(AgencyEId),
    #[error("Cần ghi rõ lý do / A reason is required")]
    ReasonRequired,
    #[error("Cần số tiền lớn hơn 0 / An amount above zero is required")]
    AmountRequired,
    #[error("Không chuyển hồ sơ cho chính cơ quan đang xử lý / Cannot transfer to the agency already handling it")]
    SameAgency,
    #[error("Đã quá hạn {due}: văn bản xin lỗi và gia hạn (Mẫu 04) phải gửi trước hạn / The due date {due} has passed: the apology and extension (Mẫu 04) must come before it")]
    ExtensionAfterDue { due: DateTime },
    #[error("Ngày hẹn mới {new_due} phải sau ngày hẹn cũ {due} / The new due date {new_due} must be after the old one {due}")]
    ExtensionNotLater { due: DateTime, new_due: DateTime },
    #[error(
        "Ngày hẹn {0} không nằm trong giờ làm việc / The due date {0} is not within working time"
    )]
    DueNotWorkingTime(DateTime),
    #[error(
        "Thời điểm {now} trước sự kiện gần nhất {last} / {now} is before the latest event {last}"
    )]
    TimeOutOfOrder { now: DateTime, last: DateTime },
    #[error("Quy trình không khớp hồ sơ (thủ tục hoặc phiên bản) / The workflow does not match the dossier (procedure or version)")]
    WorkflowMismatch,
    #[error("Quy trình có lỗi: {0} / The workflow is invalid: {0}")]
    InvalidWorkflow(String),
    #[error(
        "Hồ sơ trực tuyến do chủ hồ sơ tự nộp / An online dossier is submitted by the applicant"
    )]
    ChannelMismatch,
}

impl DomainError {
    /// A stable snake_case code (also the message id).
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::IllegalTransition { .. } => "illegal_transition",
            DomainError::RoleNotAllowed { .. } => "role_not_allowed",
            DomainError::NotYourAgency => "not_your_agency",
            DomainError::NotYourDossier => "not_your_dossier",
            DomainError::NotInWorkflow { .. } => "not_in_workflow",
            DomainError::AtOtherAgency(_) => "at_other_agency",
            DomainError::ReasonRequired => "reason_required",
            DomainError::AmountRequired => "amount_required",
            DomainError::SameAgency => "same_agency",
            DomainError::ExtensionAfterDue { .. } => "extension_after_due",
            DomainError::ExtensionNotLater { .. } => "extension_not_later",
            DomainError::DueNotWorkingTime(_) => "due_not_working_time",
            DomainError::TimeOutOfOrder { .. } => "time_out_of_order",
            DomainError::WorkflowMismatch => "workflow_mismatch",
            DomainError::InvalidWorkflow(_) => "invalid_workflow",
            DomainError::ChannelMismatch => "channel_mismatch",
        }
    }
}

/// Brings a dossier into the system (status 1, at the workflow's first step).
///
/// The applicant submits on any channel; a one-stop officer of the receiving unit (or of the
/// point of reception) records a counter or postal dossier. An applicant's dossier belongs to
/// the applicant's account.
pub fn submit(
    intake: &Intake,
    actor: &Actor,
    now: DateTime,
    workflow: &WorkflowDefinition,
) -> Result<Transition, DomainError> {
    if workflow.procedure_code != intake.procedure_code {
        return Err(DomainError::WorkflowMismatch);
    }
    if let Some(problem) = workflow.validate().first() {
        return Err(DomainError::InvalidWorkflow(problem.to_string()));
    }
    let first = workflow
        .first_step()
        .ok_or_else(|| DomainError::InvalidWorkflow("no step".to_string()))?;
    let applicant_id = match actor.role {
        Role::Applicant => match &intake.applicant_id {
            Some(id) if id != &actor.user_id => return Err(DomainError::NotYourDossier),
            _ => Some(actor.user_id.clone()),
        },
        Role::OneStopOfficer => {
            if intake.channel == Channel::Online {
                return Err(DomainError::ChannelMismatch);
            }
            let agency = actor.agency.as_ref();
            if agency != Some(&intake.receiving_agency) && agency != Some(&intake.received_point) {
                return Err(DomainError::NotYourAgency);
            }
            intake.applicant_id.clone()
        }
        role => {
            return Err(DomainError::RoleNotAllowed {
                role,
                action: ActionKind::Submit,
            })
        }
    };
    let state = Dossier {
        code: intake.code.clone(),
        procedure_code: intake.procedure_code.clone(),
        procedure_version: intake.procedure_version,
        workflow_version: workflow.version,
        channel: intake.channel,
        applicant_id,
        received_point: intake.received_point.clone(),
        receiving_agency: intake.receiving_agency.clone(),
        competent_agency: intake.competent_agency.clone(),
        transferred_to: None,
        received_at: now,
        accepted_at: None,
        clock_start: None,
        status: NationalStatus::Registered,
        current_step: Some(first.id.clone()),
        due: None,
        due_changes: Vec::new(),
        pauses: Vec::new(),
        paused_minutes: 0,
        supplement_requests: 0,
        supplement_requests_before_acceptance: 0,
        result_ready_at: None,
        delivered_at: None,
        ended_at: None,
        outcome: None,
        last_event_at: now,
    };
    let event = DossierEvent {
        at: now,
        actor: actor.clone(),
        from_status: None,
        to_status: NationalStatus::Registered,
        from_step: None,
        to_step: Some(first.id.clone()),
        detail: EventDetail::Submitted {
            channel: intake.channel,
        },
    };
    Ok(Transition {
        from_status: None,
        to_status: NationalStatus::Registered,
        from_step: None,
        to_step: Some(first.id.clone()),
        event,
        new_state: state,
    })
}

/// Judges `action` by `actor` on `state` at `now`.
///
/// Checks, in order: the time does not go back; the workflow is the dossier's; the move is
/// legal from the current status; the actor's role may do it; the actor belongs to the agency
/// (or is the applicant) concerned; the workflow offers it at the current step; its data
/// (reason, amount, dates) are sound. The returned transition's `new_state` keeps every
/// invariant of [`Dossier::invariant_violations`].
pub fn decide(
    state: &Dossier,
    actor: &Actor,
    action: &Action,
    now: DateTime,
    rules: &ProcedureRules<'_>,
) -> Result<Transition, DomainError> {
    use NationalStatus::*;
    if now < state.last_event_at {
        return Err(DomainError::TimeOutOfOrder {
            now,
            last: state.last_event_at,
        });
    }
    if rules.workflow.procedure_code != state.procedure_code
        || rules.workflow.version != state.workflow_version
    {
        return Err(DomainError::WorkflowMismatch);
    }
    let kind = action.kind();
    let status = state.status;
    let illegal = || DomainError::IllegalTransition {
        action: kind,
        status,
    };
    let accepted = state.accepted_at.is_some();
    let legal_from = match kind {
        ActionKind::Submit => false,
        ActionKind::Accept => status == Registered,
        ActionKind::Refuse => status == Registered || (status == SupplementRequested && !accepted),
        ActionKind::RequestSupplement => matches!(status, Registered | Accepted | Processing),
        ActionKind::Supplement => status == SupplementRequested,
        ActionKind::Pay => status == FinancialObligation,
        ActionKind::RequestFinancialObligation
        | ActionKind::Forward
        | ActionKind::TransferToAgency
        | ActionKind::Approve
        | ActionKind::ResultReady
        | ActionKind::ApologizeAndExtend => matches!(status, Accepted | Processing),
        ActionKind::ReturnFromAgency => status == Processing && state.transferred_to.is_some(),
        ActionKind::Stop => {
            matches!(status, Accepted | Processing)
                || (matches!(status, SupplementRequested | FinancialObligation) && accepted)
        }
        ActionKind::Withdraw => matches!(
            status,
            Registered | Accepted | Processing | SupplementRequested | FinancialObligation
        ),
        ActionKind::Deliver => status == ResultReady,
    };
    if !legal_from {
        return Err(illegal());
    }
    if !kind.allows(actor.role) {
        return Err(DomainError::RoleNotAllowed {
            role: actor.role,
            action: kind,
        });
    }

    let mut next = state.clone();
    next.last_event_at = now;
    let detail = match action {
        Action::Submit => return Err(illegal()),
        Action::Accept => {
            let def = step_action(state, actor, kind, rules.workflow)?;
            let target = step_target(def, kind, state)?;
            let due = rules.calendar.due(now, rules.limit, rules.cutoff);
            next.status = Accepted;
            next.accepted_at = Some(now);
            next.clock_start = Some(due.clock_start);
            next.due = Some(due.due);
            next.current_step = Some(target);
            EventDetail::Accepted {
                clock_start: due.clock_start,
                due: due.due,
            }
        }
        Action::Refuse { reason } => {
            step_action(state, actor, kind, rules.workflow)?;
            let reason = required(reason)?;
            close_pause(&mut next, now);
            finish(&mut next, Refused, Outcome::Refused, now);
            EventDetail::Refused { reason }
        }
        Action::RequestSupplement { reason } => {
            step_action(state, actor, kind, rules.workflow)?;
            let reason = required(reason)?;
            open_pause(&mut next, PauseKind::Supplement, now);
            next.status = SupplementRequested;
            if accepted {
                next.supplement_requests += 1;
            } else {
                next.supplement_requests_before_acceptance += 1;
            }
            EventDetail::SupplementRequested { reason }
        }
        Action::RequestFinancialObligation { amount_vnd } => {
            step_action(state, actor, kind, rules.workflow)?;
            if *amount_vnd == 0 {
                return Err(DomainError::AmountRequired);
            }
            open_pause(&mut next, PauseKind::FinancialObligation, now);
            next.status = FinancialObligation;
            EventDetail::FinancialObligationRequested {
                amount_vnd: *amount_vnd,
            }
        }
        Action::Supplement | Action::Pay => {
            applicant_or_counter(state, actor)?;
            let due_before = state.due;
            let paused_minutes = resume(&mut next, now, rules.calendar);
            let due_after = next.due;
            if kind == ActionKind::Supplement {
                EventDetail::Supplemented {
                    paused_minutes,
                    due_before,
                    due_after,
                }
            } else {
                EventDetail::Paid {
                    paused_minutes,
                    due_before,
                    due_after,
                }
            }
        }
        Action::Forward { to_step } => {
            let step = current_step(state, rules.workflow, kind)?;
            check_step_actor(state, actor, step, kind)?;
            let offered = step
                .offers(kind)
                .any(|def| def.target == ActionTarget::Step(to_step.clone()));
            if !offered || rules.workflow.step(to_step).is_none() {
                return Err(DomainError::NotInWorkflow {
                    action: kind,
                    step: step.id.clone(),
                });
            }
            next.status = Processing;
            next.current_step = Some(to_step.clone());
            EventDetail::Forwarded
        }
        Action::TransferToAgency { eid } => {
            step_action(state, actor, kind, rules.workflow)?;
            if actor.agency.as_ref() == Some(eid) {
                return Err(DomainError::SameAgency);
            }
            next.status = Processing;
            next.transferred_to = Some(eid.clone());
            EventDetail::TransferredToAgency { eid: eid.clone() }
        }
        Action::ReturnFromAgency => {
            let Some(other) = &state.transferred_to else {
                return Err(illegal());
            };
            if actor.agency.as_ref() != Some(other) {
                return Err(DomainError::NotYourAgency);
            }
            next.transferred_to = None;
            EventDetail::ReturnedFromAgency { eid: other.clone() }
        }
        Action::Approve => {
            let def = step_action(state, actor, kind, rules.workflow)?;
            let target = step_target(def, kind, state)?;
            next.status = Processing;
            next.current_step = Some(target);
            EventDetail::Approved
        }
        Action::Stop { reason } => {
            step_action(state, actor, kind, rules.workflow)?;
            let reason = required(reason)?;
            close_pause(&mut next, now);
            finish(&mut next, Stopped, Outcome::Stopped, now);
            EventDetail::Stopped { reason }
        }
        Action::Withdraw => {
            applicant_or_counter(state, actor)?;
            close_pause(&mut next, now);
            finish(&mut next, Withdrawn, Outcome::Withdrawn, now);
            EventDetail::Withdrawn
        }
        Action::ResultReady => {
            let def = step_action(state, actor, kind, rules.workflow)?;
            let target = step_target(def, kind, state)?;
            next.status = ResultReady;
            next.current_step = Some(target);
            next.result_ready_at = Some(now);
            next.ended_at = Some(now);
            next.outcome = Some(Outcome::Resolved);
            EventDetail::ResultReady
        }
        Action::Deliver => {
            step_action(state, actor, kind, rules.workflow)?;
            next.status = Delivered;
            next.current_step = None;
            next.delivered_at = Some(now);
            EventDetail::Delivered
        }
        Action::ApologizeAndExtend { new_due, reason } => {
            // TT 03/2025 Mẫu 04: the agency at fault apologizes before the due date passes
            // and sets a later appointment; both dates are kept.
            if let Some(other) = &state.transferred_to {
                if actor.agency.as_ref() != Some(other)
                    && actor.agency.as_ref() != Some(&state.competent_agency)
                {
                    return Err(DomainError::NotYourAgency);
                }
            } else {
                let step_agency = current_step(state, rules.workflow, kind)
                    .ok()
                    .map(|step| resolve(&step.agency, state));
                let agency = actor.agency.as_ref();
                if agency != Some(&state.competent_agency) && agency != step_agency {
                    return Err(DomainError::NotYourAgency);
                }
            }
            let reason = required(reason)?;
            let Some(due) = state.due else {
                return Err(illegal());
            };
            if now >= due {
                return Err(DomainError::ExtensionAfterDue { due });
            }
            if *new_due <= due {
                return Err(DomainError::ExtensionNotLater {
                    due,
                    new_due: *new_due,
                });
            }
            if !rules.calendar.is_due_moment(*new_due) {
                return Err(DomainError::DueNotWorkingTime(*new_due));
            }
            next.due = Some(*new_due);
            next.due_changes.push(DueChange {
                at: now,
                previous: due,
                new: *new_due,
                cause: DueChangeCause::Extension {
                    reason: reason.clone(),
                },
            });
            EventDetail::Extended {
                previous_due: due,
                new_due: *new_due,
                reason,
            }
        }
    };

    let event = DossierEvent {
        at: now,
        actor: actor.clone(),
        from_status: Some(status),
        to_status: next.status,
        from_step: state.current_step.clone(),
        to_step: next.current_step.clone(),
        detail,
    };
    Ok(Transition {
        from_status: Some(status),
        to_status: next.status,
        from_step: state.current_step.clone(),
        to_step: next.current_step.clone(),
        event,
        new_state: next,
    })
}

/// The agency a scope names for this dossier.
fn resolve<'a>(scope: &'a AgencyScope, state: &'a Dossier) -> &'a AgencyEId {
    match scope {
        AgencyScope::Receiving => &state.receiving_agency,
        AgencyScope::Competent => &state.competent_agency,
        AgencyScope::Named(eid) => eid,
    }
}

fn current_step<'w>(
    state: &Dossier,
    workflow: &'w WorkflowDefinition,
    kind: ActionKind,
) -> Result<&'w StepDef, DomainError> {
    let illegal = || DomainError::IllegalTransition {
        action: kind,
        status: state.status,
    };
    let id = state.current_step.as_ref().ok_or_else(illegal)?;
    workflow.step(id).ok_or(DomainError::WorkflowMismatch)
}

/// The actor works at `step`: its role, and its agency (the point of reception also counts
/// for the receiving unit's steps). Not while another agency holds the dossier.
fn check_step_actor(
    state: &Dossier,
    actor: &Actor,
    step: &StepDef,
    kind: ActionKind,
) -> Result<(), DomainError> {
    if let Some(other) = &state.transferred_to {
        return Err(DomainError::AtOtherAgency(other.clone()));
    }
    if actor.role != step.role {
        return Err(DomainError::RoleNotAllowed {
            role: actor.role,
            action: kind,
        });
    }
    let agency = actor.agency.as_ref();
    let ok = agency == Some(resolve(&step.agency, state))
        || (step.agency == AgencyScope::Receiving && agency == Some(&state.received_point));
    if ok {
        Ok(())
    } else {
        Err(DomainError::NotYourAgency)
    }
}

/// The current step offers `kind` and the actor works there; its first definition of it.
fn step_action<'w>(
    state: &Dossier,
    actor: &Actor,
    kind: ActionKind,
    workflow: &'w WorkflowDefinition,
) -> Result<&'w ActionDef, DomainError> {
    let step = current_step(state, workflow, kind)?;
    check_step_actor(state, actor, step, kind)?;
    step.offers(kind)
        .next()
        .ok_or_else(|| DomainError::NotInWorkflow {
            action: kind,
            step: step.id.clone(),
        })
}

fn step_target(def: &ActionDef, kind: ActionKind, state: &Dossier) -> Result<StepId, DomainError> {
    match &def.target {
        ActionTarget::Step(id) => Ok(id.clone()),
        _ => Err(DomainError::NotInWorkflow {
            action: kind,
            step: state
                .current_step
                .clone()
                .unwrap_or_else(|| StepId::new("")),
        }),
    }
}

/// The applicant owning the dossier, or a one-stop officer recording it at the counter.
fn applicant_or_counter(state: &Dossier, actor: &Actor) -> Result<(), DomainError> {
    match actor.role {
        Role::Applicant if state.applicant_id.as_deref() == Some(actor.user_id.as_str()) => Ok(()),
        Role::Applicant => Err(DomainError::NotYourDossier),
        _ => {
            let agency = actor.agency.as_ref();
            if agency == Some(&state.receiving_agency) || agency == Some(&state.received_point) {
                Ok(())
            } else {
                Err(DomainError::NotYourAgency)
            }
        }
    }
}

fn required(reason: &str) -> Result<String, DomainError> {
    let trimmed = reason.trim();
    if trimmed.is_empty() {
        Err(DomainError::ReasonRequired)
    } else {
        Ok(trimmed.to_string())
    }
}

fn open_pause(next: &mut Dossier, kind: PauseKind, now: DateTime) {
    next.pauses.push(Pause {
        kind,
        requested_at: now,
        resume_status: next.status,
        ended_at: None,
        answered: false,
        working_minutes: 0,
    });
}

/// The dossier ends while waiting: the wait is closed, unanswered, and moves nothing.
fn close_pause(next: &mut Dossier, now: DateTime) {
    if let Some(pause) = next.pauses.last_mut().filter(|p| p.ended_at.is_none()) {
        pause.ended_at = Some(now);
    }
}

/// The applicant answered: back to the status before the pause; the due date moves later by
/// the working time the wait took (domain.md §3: time in states 5 and 6 does not count).
fn resume(next: &mut Dossier, now: DateTime, calendar: &WorkingCalendar) -> i64 {
    let Some(pause) = next.pauses.last_mut().filter(|p| p.ended_at.is_none()) else {
        return 0;
    };
    pause.ended_at = Some(now);
    pause.answered = true;
    let resume_status = pause.resume_status;
    let mut minutes = 0;
    if let Some(due) = next.due {
        minutes = calendar
            .working_minutes_between(pause.requested_at, now)
            .max(0);
        pause.working_minutes = minutes;
        let moved = shift_due(calendar, due, minutes);
        if moved > due {
            next.due = Some(moved);
            next.due_changes.push(DueChange {
                at: now,
                previous: due,
                new: moved,
                cause: DueChangeCause::Pause {
                    working_minutes: minutes,
                },
            });
        }
    }
    next.paused_minutes += minutes;
    next.status = resume_status;
    minutes
}

fn finish(next: &mut Dossier, status: NationalStatus, outcome: Outcome, now: DateTime) {
    next.status = status;
    next.outcome = Some(outcome);
    next.ended_at = Some(now);
    next.current_step = None;
    next.transferred_to = None;
}

/// `due` moved later by `minutes` of working time, then rounded up to the quarter hour inside
/// working time like every due date (domain.md §3). Zero minutes leave it where it is (a due
/// date at 17:00 stays at 17:00).
pub fn shift_due(calendar: &WorkingCalendar, due: DateTime, minutes: i64) -> DateTime {
    if minutes <= 0 {
        return due;
    }
    settle(calendar, calendar.add_working_minutes(due, minutes))
}

/// Rounds up to the next quarter hour; outside working time, moves to the next working
/// moment and rounds again.
fn settle(calendar: &WorkingCalendar, moment: DateTime) -> DateTime {
    let mut candidate = moment;
    for _ in 0..8 {
        let rounded = round_up_to_quarter(candidate);
        if calendar.is_due_moment(rounded) {
            return rounded;
        }
        candidate = calendar.next_working_moment(rounded);
    }
    candidate
}

fn round_up_to_quarter(moment: DateTime) -> DateTime {
    let second = i64::from(moment.hour()) * 3600
        + i64::from(moment.minute()) * 60
        + i64::from(moment.second())
        + i64::from(moment.subsec_nanosecond() > 0);
    let rounded = (second + 899) / 900 * 900;
    moment
        .date()
        .to_datetime(Time::midnight())
        .checked_add(Span::new().seconds(rounded))
        .unwrap_or(moment)
}
