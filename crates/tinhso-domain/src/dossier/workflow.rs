//! Per-procedure internal workflows (quy trình nội bộ), versioned, loaded from JSON.
//!
//! A workflow is a list of steps; each step names the role and the agency that work at it, its
//! share of the time limit (for the control slip, Mẫu 06) and the actions offered there with
//! their targets. The first step is where the dossier is received. Actions of the applicant
//! (submit, supplement, pay, withdraw), the return from another agency and the apology and
//! extension (Mẫu 04) are not tied to a step: see [`ActionKind::is_step_action`].

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::agency::AgencyEId;
use crate::catalog::ProcedureCode;

use super::status::Role;

/// The id of a workflow step, e.g. `appraise`: 1–64 characters of `[a-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StepId(pub String);

impl StepId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    fn is_well_formed(&self) -> bool {
        (1..=64).contains(&self.0.len())
            && self
                .0
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    }
}

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kind of an [`super::Action`], without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Submit,
    Accept,
    Refuse,
    RequestSupplement,
    Supplement,
    RequestFinancialObligation,
    Pay,
    Forward,
    TransferToAgency,
    ReturnFromAgency,
    Approve,
    Stop,
    Withdraw,
    ResultReady,
    Deliver,
    ApologizeAndExtend,
}

/// Where an action of a step leads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionTarget {
    /// To another step (or back to an earlier one).
    Step(StepId),
    /// The dossier ends (refused, stopped, delivered).
    End,
    /// The dossier stays at the step (a pause, a transfer to another agency).
    Stay,
}

/// The shape of target an action kind needs in a workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetShape {
    Step,
    End,
    Stay,
}

impl ActionKind {
    pub const ALL: [ActionKind; 16] = [
        ActionKind::Submit,
        ActionKind::Accept,
        ActionKind::Refuse,
        ActionKind::RequestSupplement,
        ActionKind::Supplement,
        ActionKind::RequestFinancialObligation,
        ActionKind::Pay,
        ActionKind::Forward,
        ActionKind::TransferToAgency,
        ActionKind::ReturnFromAgency,
        ActionKind::Approve,
        ActionKind::Stop,
        ActionKind::Withdraw,
        ActionKind::ResultReady,
        ActionKind::Deliver,
        ActionKind::ApologizeAndExtend,
    ];

    /// The stable snake_case name, e.g. `request_supplement`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Submit => "submit",
            ActionKind::Accept => "accept",
            ActionKind::Refuse => "refuse",
            ActionKind::RequestSupplement => "request_supplement",
            ActionKind::Supplement => "supplement",
            ActionKind::RequestFinancialObligation => "request_financial_obligation",
            ActionKind::Pay => "pay",
            ActionKind::Forward => "forward",
            ActionKind::TransferToAgency => "transfer_to_agency",
            ActionKind::ReturnFromAgency => "return_from_agency",
            ActionKind::Approve => "approve",
            ActionKind::Stop => "stop",
            ActionKind::Withdraw => "withdraw",
            ActionKind::ResultReady => "result_ready",
            ActionKind::Deliver => "deliver",
            ActionKind::ApologizeAndExtend => "apologize_and_extend",
        }
    }

    /// The roles that may perform the action at all (domain.md §2.2).
    ///
    /// The one-stop officer also records at the counter what the applicant does on paper
    /// (submit, supplement, pay, withdraw): §2.2 gives the officer "check, accept, digitize
    /// paper". Forwarding a dossier to the next step is open to every processing role; a
    /// workflow says at which step. Admin roles move no dossier.
    pub fn allowed_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            ActionKind::Submit
            | ActionKind::Supplement
            | ActionKind::Pay
            | ActionKind::Withdraw => &[Applicant, OneStopOfficer],
            ActionKind::Accept | ActionKind::Refuse | ActionKind::Deliver => &[OneStopOfficer],
            ActionKind::RequestSupplement => &[OneStopOfficer, Specialist],
            ActionKind::RequestFinancialObligation
            | ActionKind::TransferToAgency
            | ActionKind::ReturnFromAgency => &[Specialist],
            ActionKind::Forward => &[OneStopOfficer, Specialist, Leader, Clerk],
            ActionKind::Approve | ActionKind::ApologizeAndExtend => &[Leader],
            // The specialist proposes a stop, the leader decides it; either records it.
            ActionKind::Stop => &[Specialist, Leader],
            ActionKind::ResultReady => &[Clerk],
        }
    }

    /// Whether `role` may perform the action (domain.md §2.2).
    pub fn allows(self, role: Role) -> bool {
        self.allowed_roles().contains(&role)
    }

    /// Whether a workflow step offers the action (and the step's role and agency perform it).
    pub fn is_step_action(self) -> bool {
        self.target_shape().is_some()
    }

    /// The target a step action needs; `None` for actions not tied to a step.
    pub fn target_shape(self) -> Option<TargetShape> {
        match self {
            ActionKind::Accept
            | ActionKind::Forward
            | ActionKind::Approve
            | ActionKind::ResultReady => Some(TargetShape::Step),
            ActionKind::Refuse | ActionKind::Stop | ActionKind::Deliver => Some(TargetShape::End),
            ActionKind::RequestSupplement
            | ActionKind::RequestFinancialObligation
            | ActionKind::TransferToAgency => Some(TargetShape::Stay),
            ActionKind::Submit
            | ActionKind::Supplement
            | ActionKind::Pay
            | ActionKind::Withdraw
            | ActionKind::ReturnFromAgency
            | ActionKind::ApologizeAndExtend => None,
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which agency works at a step. Anywhere in the province (domain.md §0.3) the receiving unit
/// and the competent agency may differ, so a step names which of the two it means.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyScope {
    /// The receiving unit of the dossier (the one-stop unit that took it).
    Receiving,
    /// The competent agency of the dossier.
    Competent,
    /// A fixed agency, whatever the dossier.
    Named(AgencyEId),
}

/// An action a step offers and where it leads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ActionDef {
    pub action: ActionKind,
    pub target: ActionTarget,
}

impl ActionDef {
    pub fn new(action: ActionKind, target: ActionTarget) -> Self {
        Self { action, target }
    }
}

/// One step of the internal process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDef {
    pub id: StepId,
    /// Vietnamese name shown on the control slip, e.g. `Thẩm định hồ sơ`.
    pub name: String,
    pub role: Role,
    pub agency: AgencyScope,
    /// The step's share of the time limit, in percent (all steps sum to 100).
    pub share_percent: u8,
    pub actions: Vec<ActionDef>,
}

impl StepDef {
    /// The step's definition of `action` with `target`, if it offers it.
    pub fn offers(&self, action: ActionKind) -> impl Iterator<Item = &ActionDef> {
        self.actions.iter().filter(move |a| a.action == action)
    }
}

/// The internal process of one procedure, versioned. A dossier keeps the version it was
/// received with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowDefinition {
    pub procedure_code: ProcedureCode,
    pub version: u32,
    pub steps: Vec<StepDef>,
}

/// A problem in a workflow definition; [`WorkflowDefinition::validate`] reports all of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowProblem {
    #[error("Quy trình không có bước nào / The workflow has no step")]
    NoSteps,
    #[error("Phiên bản quy trình phải từ 1 / The workflow version must be 1 or more")]
    VersionZero,
    #[error("Mã bước {0:?} không hợp lệ: 1–64 ký tự a-z, 0-9, _ hoặc - / Invalid step id {0:?}: 1–64 characters of a-z, 0-9, _ or -")]
    InvalidStepId(StepId),
    #[error("Bước {0} bị khai báo hai lần / Step {0} is declared twice")]
    DuplicateStep(StepId),
    #[error("Bước {0} thiếu tên / Step {0} has no name")]
    MissingName(StepId),
    #[error("Tổng tỷ lệ thời gian các bước là {0}%, phải bằng 100% / The steps' shares add up to {0}%, not 100%")]
    SharesNot100(u32),
    #[error("Bước {step}: hành động {action} dẫn tới bước không tồn tại {target} / Step {step}: action {action} leads to unknown step {target}")]
    UnknownTarget {
        step: StepId,
        action: ActionKind,
        target: StepId,
    },
    #[error("Bước {step}: hành động {action} cần đích dạng {expected:?} / Step {step}: action {action} needs a {expected:?} target")]
    WrongTargetShape {
        step: StepId,
        action: ActionKind,
        expected: TargetShape,
    },
    #[error("Bước {step}: hành động {action} không gắn với bước nào (của chủ hồ sơ hoặc chung) / Step {step}: action {action} is not a step action")]
    NotAStepAction { step: StepId, action: ActionKind },
    #[error("Bước {step}: vai trò {role:?} không được thực hiện {action} / Step {step}: role {role:?} may not {action}")]
    RoleCannot {
        step: StepId,
        role: Role,
        action: ActionKind,
    },
    #[error(
        "Bước đầu {0} phải cho phép tiếp nhận (accept) / The first step {0} must offer accept"
    )]
    FirstStepCannotAccept(StepId),
    #[error("Không tới được bước {0} từ bước tiếp nhận / Step {0} cannot be reached from the receiving step")]
    Unreachable(StepId),
    #[error("Bước {0} không có hành động nào để đi tiếp / Step {0} has no action that moves the dossier on")]
    DeadEnd(StepId),
    #[error("Không có đường nào từ bước tiếp nhận tới trả kết quả (result_ready) / No path leads from the receiving step to result_ready")]
    NoPathToResult,
    #[error("Bước {step}: sau result_ready, bước {target} phải cho phép trả kết quả (deliver) / Step {step}: after result_ready, step {target} must offer deliver")]
    ResultNotDeliverable { step: StepId, target: StepId },
}

impl WorkflowProblem {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            WorkflowProblem::NoSteps => "no_steps",
            WorkflowProblem::VersionZero => "version_zero",
            WorkflowProblem::InvalidStepId(_) => "invalid_step_id",
            WorkflowProblem::DuplicateStep(_) => "duplicate_step",
            WorkflowProblem::MissingName(_) => "missing_name",
            WorkflowProblem::SharesNot100(_) => "shares_not_100",
            WorkflowProblem::UnknownTarget { .. } => "unknown_target",
            WorkflowProblem::WrongTargetShape { .. } => "wrong_target_shape",
            WorkflowProblem::NotAStepAction { .. } => "not_a_step_action",
            WorkflowProblem::RoleCannot { .. } => "role_cannot",
            WorkflowProblem::FirstStepCannotAccept(_) => "first_step_cannot_accept",
            WorkflowProblem::Unreachable(_) => "unreachable_step",
            WorkflowProblem::DeadEnd(_) => "dead_end",
            WorkflowProblem::NoPathToResult => "no_path_to_result",
            WorkflowProblem::ResultNotDeliverable { .. } => "result_not_deliverable",
        }
    }
}

/// The ids of the default workflow's steps.
pub mod default_steps {
    pub const RECEIVE: &str = "receive";
    pub const APPRAISE: &str = "appraise";
    pub const APPROVE: &str = "approve";
    pub const ISSUE: &str = "issue";
    pub const DELIVER: &str = "deliver";
}

impl WorkflowDefinition {
    /// Reads a workflow from JSON. Call [`Self::validate`] before use.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The usual one-stop process, version 1: receive (one-stop officer of the receiving unit,
    /// 10%) → appraise (specialist of the competent agency, 50%) → approve (leader, 20%) →
    /// issue the result (clerk, 10%) → deliver (one-stop officer of the receiving unit, 10%).
    pub fn default_for(procedure_code: ProcedureCode) -> Self {
        use default_steps::*;
        use ActionKind::*;
        let step = |id: &str| ActionTarget::Step(StepId::new(id));
        let def = ActionDef::new;
        let steps = vec![
            StepDef {
                id: StepId::new(RECEIVE),
                name: "Tiếp nhận hồ sơ".to_string(),
                role: Role::OneStopOfficer,
                agency: AgencyScope::Receiving,
                share_percent: 10,
                actions: vec![
                    def(Accept, step(APPRAISE)),
                    def(Refuse, ActionTarget::End),
                    def(RequestSupplement, ActionTarget::Stay),
                ],
            },
            StepDef {
                id: StepId::new(APPRAISE),
                name: "Thẩm định hồ sơ".to_string(),
                role: Role::Specialist,
                agency: AgencyScope::Competent,
                share_percent: 50,
                actions: vec![
                    def(Forward, step(APPROVE)),
                    def(RequestSupplement, ActionTarget::Stay),
                    def(RequestFinancialObligation, ActionTarget::Stay),
                    def(TransferToAgency, ActionTarget::Stay),
                    def(Stop, ActionTarget::End),
                ],
            },
            StepDef {
                id: StepId::new(APPROVE),
                name: "Phê duyệt, ký số".to_string(),
                role: Role::Leader,
                agency: AgencyScope::Competent,
                share_percent: 20,
                actions: vec![
                    def(Approve, step(ISSUE)),
                    // Send back to the specialist.
                    def(Forward, step(APPRAISE)),
                    def(Stop, ActionTarget::End),
                ],
            },
            StepDef {
                id: StepId::new(ISSUE),
                name: "Vào số, ban hành kết quả".to_string(),
                role: Role::Clerk,
                agency: AgencyScope::Competent,
                share_percent: 10,
                actions: vec![def(ResultReady, step(DELIVER))],
            },
            StepDef {
                id: StepId::new(DELIVER),
                name: "Trả kết quả".to_string(),
                role: Role::OneStopOfficer,
                agency: AgencyScope::Receiving,
                share_percent: 10,
                actions: vec![def(Deliver, ActionTarget::End)],
            },
        ];
        Self {
            procedure_code,
            version: 1,
            steps,
        }
    }

    /// The step with `id`.
    pub fn step(&self, id: &StepId) -> Option<&StepDef> {
        self.steps.iter().find(|s| &s.id == id)
    }

    /// The receiving step (the first).
    pub fn first_step(&self) -> Option<&StepDef> {
        self.steps.first()
    }

    /// Every problem of the definition; empty when it can be used.
    pub fn validate(&self) -> Vec<WorkflowProblem> {
        let mut problems = Vec::new();
        let Some(first) = self.steps.first() else {
            return vec![WorkflowProblem::NoSteps];
        };
        if self.version == 0 {
            problems.push(WorkflowProblem::VersionZero);
        }
        let mut seen = BTreeSet::new();
        for step in &self.steps {
            if !step.id.is_well_formed() {
                problems.push(WorkflowProblem::InvalidStepId(step.id.clone()));
            }
            if !seen.insert(&step.id) {
                problems.push(WorkflowProblem::DuplicateStep(step.id.clone()));
            }
            if step.name.trim().is_empty() {
                problems.push(WorkflowProblem::MissingName(step.id.clone()));
            }
        }
        let total: u32 = self.steps.iter().map(|s| u32::from(s.share_percent)).sum();
        if total != 100 {
            problems.push(WorkflowProblem::SharesNot100(total));
        }
        let index: HashMap<&StepId, &StepDef> = self.steps.iter().map(|s| (&s.id, s)).collect();
        for step in &self.steps {
            for def in &step.actions {
                let Some(shape) = def.action.target_shape() else {
                    problems.push(WorkflowProblem::NotAStepAction {
                        step: step.id.clone(),
                        action: def.action,
                    });
                    continue;
                };
                if !def.action.allows(step.role) {
                    problems.push(WorkflowProblem::RoleCannot {
                        step: step.id.clone(),
                        role: step.role,
                        action: def.action,
                    });
                }
                let actual = match &def.target {
                    ActionTarget::Step(_) => TargetShape::Step,
                    ActionTarget::End => TargetShape::End,
                    ActionTarget::Stay => TargetShape::Stay,
                };
                if actual != shape {
                    problems.push(WorkflowProblem::WrongTargetShape {
                        step: step.id.clone(),
                        action: def.action,
                        expected: shape,
                    });
                }
                if let ActionTarget::Step(target) = &def.target {
                    match index.get(target) {
                        None => problems.push(WorkflowProblem::UnknownTarget {
                            step: step.id.clone(),
                            action: def.action,
                            target: target.clone(),
                        }),
                        Some(next)
                            if def.action == ActionKind::ResultReady
                                && next.offers(ActionKind::Deliver).next().is_none() =>
                        {
                            problems.push(WorkflowProblem::ResultNotDeliverable {
                                step: step.id.clone(),
                                target: target.clone(),
                            })
                        }
                        Some(_) => {}
                    }
                }
            }
            let moves = step
                .actions
                .iter()
                .any(|a| !matches!(a.target, ActionTarget::Stay));
            if !moves {
                problems.push(WorkflowProblem::DeadEnd(step.id.clone()));
            }
        }
        if first.offers(ActionKind::Accept).next().is_none() {
            problems.push(WorkflowProblem::FirstStepCannotAccept(first.id.clone()));
        }
        // Reachability over step targets, from the receiving step.
        let mut reached: BTreeSet<&StepId> = BTreeSet::from([&first.id]);
        let mut queue = VecDeque::from([first]);
        let mut result_reachable = false;
        while let Some(step) = queue.pop_front() {
            for def in &step.actions {
                if def.action == ActionKind::ResultReady {
                    result_reachable = true;
                }
                if let ActionTarget::Step(target) = &def.target {
                    if let Some(next) = index.get(target) {
                        if reached.insert(&next.id) {
                            queue.push_back(next);
                        }
                    }
                }
            }
        }
        for step in &self.steps {
            if !reached.contains(&step.id) {
                problems.push(WorkflowProblem::Unreachable(step.id.clone()));
            }
        }
        if !result_reachable {
            problems.push(WorkflowProblem::NoPathToResult);
        }
        problems
    }
}
