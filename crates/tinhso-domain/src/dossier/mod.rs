//! Dossiers (hồ sơ): codes, national statuses, per-procedure workflows, the state machine on
//! the legal working-time clock, timeliness and the control slip (domain.md §2, §3, §5).
//!
//! Pure: no I/O, no clock reads. Every function takes `now` (civil time, Asia/Ho_Chi_Minh).
//!
//! - [`DossierCode`]: `<agency e-ID>-<yyMMdd>-<sequence>` (§5.2).
//! - [`NationalStatus`] 1–10 (§2.1), [`Role`] and [`Actor`] (§2.2).
//! - [`WorkflowDefinition`]: the internal process of a procedure, its steps and their actions,
//!   checked by [`WorkflowDefinition::validate`].
//! - [`submit`] and [`decide`]: every move of a dossier, judged; an illegal one is a
//!   [`DomainError`] with a stable code.
//! - [`classify`]: early, on time or late (§3).
//! - [`control_slip`]: per-step allowance and use (Mẫu 06).

mod code;
mod control_slip;
mod decide;
mod state;
mod status;
mod timeliness;
mod workflow;

pub use code::{DossierCode, DossierCodeError, SEQUENCE_WIDTH};
pub use control_slip::{control_slip, ControlSlip, StepTime};
pub use decide::{
    decide, shift_due, submit, Action, DomainError, DossierEvent, EventDetail, ProcedureRules,
    Transition,
};
pub use state::{Dossier, DueChange, DueChangeCause, Intake, Outcome, Pause, PauseKind};
pub use status::{Actor, NationalStatus, Role};
pub use timeliness::{classify, classify_with, index_end, ClassifyOptions, DueBasis, Timeliness};
pub use workflow::{
    default_steps, ActionDef, ActionKind, ActionTarget, AgencyScope, StepDef, StepId, TargetShape,
    WorkflowDefinition, WorkflowProblem,
};
