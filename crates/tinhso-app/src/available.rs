//! What a user may do to a dossier now: every action the domain would accept from them in the
//! dossier's current state and step, found by asking the state machine itself (a dry run of
//! [`tinhso_domain::dossier::decide`] with placeholder data, nothing stored), so a page never
//! offers a move the domain would refuse (domain.md §2.2: who moves a dossier).
//!
//! A dry run that fails only on the data the user has still to type (a reason, an amount, the
//! other agency, the new appointment) counts as available: the form asks for that data, and
//! the real action reports a clear error if it is wrong.

use serde::Serialize;
use tinhso_domain::dossier::{Action, ActionKind, DomainError, StepId};
use tinhso_store::dossiers::User;

use crate::clock::to_local;
use crate::dossiers::{DossierError, DossierResult};
use crate::App;

/// An action the user may take now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AvailableAction {
    pub kind: ActionKind,
    /// `forward`: the steps it may go to, as (id, name), in the workflow's order.
    pub to_steps: Vec<(String, String)>,
}

/// Errors about data the user has not typed yet: the move itself is allowed.
fn only_data_missing(e: &DossierError) -> bool {
    matches!(
        e,
        DossierError::Domain(
            DomainError::ReasonRequired
                | DomainError::AmountRequired
                | DomainError::SameAgency
                | DomainError::ExtensionNotLater { .. }
                | DomainError::DueNotWorkingTime(_)
        )
    )
}

impl App {
    /// The actions `user` may take on dossier `code` now, in [`ActionKind::ALL`] order. Errors
    /// as for reading the dossier (not found, another agency's).
    pub async fn available_actions(
        &self,
        user: &User,
        code: &str,
    ) -> DossierResult<Vec<AvailableAction>> {
        let stored = self.visible_dossier(user, code).await?;
        let state = &stored.dossier;
        let ctx = self.context(state).await?;
        let placeholder = "-".to_string();
        let now = to_local(self.clock.now());
        let mut out = Vec::new();
        for kind in ActionKind::ALL {
            let mut to_steps = Vec::new();
            let candidates: Vec<Action> = match kind {
                ActionKind::Submit => continue,
                ActionKind::Accept => vec![Action::Accept],
                ActionKind::Refuse => vec![Action::Refuse {
                    reason: placeholder.clone(),
                }],
                ActionKind::RequestSupplement => vec![Action::RequestSupplement {
                    reason: placeholder.clone(),
                }],
                ActionKind::Supplement => vec![Action::Supplement],
                ActionKind::RequestFinancialObligation => {
                    vec![Action::RequestFinancialObligation { amount_vnd: 1 }]
                }
                ActionKind::Pay => vec![Action::Pay],
                ActionKind::Forward => {
                    let step = state
                        .current_step
                        .as_ref()
                        .and_then(|s| ctx.workflow.step(s));
                    step.map(|s| {
                        s.offers(ActionKind::Forward)
                            .filter_map(|def| match &def.target {
                                tinhso_domain::dossier::ActionTarget::Step(id) => {
                                    Some(Action::Forward {
                                        to_step: id.clone(),
                                    })
                                }
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default()
                }
                ActionKind::TransferToAgency => {
                    // The user's own agency: the domain answers `same_agency` when the move
                    // is otherwise allowed (the form asks for the other agency).
                    match user
                        .agency
                        .clone()
                        .or_else(|| Some(state.competent_agency.clone()))
                    {
                        Some(eid) => vec![Action::TransferToAgency { eid }],
                        None => Vec::new(),
                    }
                }
                ActionKind::ReturnFromAgency => vec![Action::ReturnFromAgency],
                ActionKind::Approve => vec![Action::Approve],
                ActionKind::Stop => vec![Action::Stop {
                    reason: placeholder.clone(),
                }],
                ActionKind::Withdraw => vec![Action::Withdraw],
                ActionKind::ResultReady => vec![Action::ResultReady],
                ActionKind::Deliver => vec![Action::Deliver],
                ActionKind::ApologizeAndExtend => {
                    // The current due date itself: `extension_not_later` when allowed.
                    vec![Action::ApologizeAndExtend {
                        new_due: state.due.unwrap_or(now),
                        reason: placeholder.clone(),
                    }]
                }
            };
            let mut allowed = false;
            for action in &candidates {
                let ok = match self.decide_as(user, state, action, &ctx) {
                    Ok(_) => true,
                    Err(e) => only_data_missing(&e),
                };
                if !ok {
                    continue;
                }
                allowed = true;
                if let Action::Forward { to_step } = action {
                    to_steps.push((to_step.to_string(), step_name(&ctx.workflow, to_step)));
                }
            }
            if allowed {
                out.push(AvailableAction { kind, to_steps });
            }
        }
        Ok(out)
    }
}

fn step_name(workflow: &tinhso_domain::dossier::WorkflowDefinition, id: &StepId) -> String {
    workflow
        .step(id)
        .map_or_else(|| id.to_string(), |s| s.name.clone())
}
