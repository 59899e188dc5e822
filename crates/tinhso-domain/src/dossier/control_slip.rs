//! Per-step time, the processing control slip (Phiếu kiểm soát quá trình giải quyết hồ sơ,
//! TT 03/2025 Mẫu 06): each step's allowance, the working time it used, and whether it kept
//! to its allowance.

use std::collections::HashMap;

use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};
use tinhso_calendar::{TimeLimit, WorkingCalendar};

use super::decide::{DossierEvent, EventDetail};
use super::status::Role;
use super::workflow::{StepId, WorkflowDefinition};

/// One line of the control slip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepTime {
    pub step: StepId,
    pub name: String,
    pub role: Role,
    /// share × limit, in working minutes.
    pub allowance_minutes: i64,
    /// Working minutes spent at the step, pauses (5, 6) excluded.
    pub used_minutes: i64,
    /// How many times the dossier came to the step (a step sent back is visited again).
    pub visits: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_entered_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_left_at: Option<DateTime>,
    /// The dossier is at this step now.
    pub in_progress: bool,
    /// Used no more than allowed.
    pub on_time: bool,
}

/// The control slip of a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlSlip {
    /// The limit in working minutes the shares divide.
    pub total_allowance_minutes: i64,
    pub steps: Vec<StepTime>,
}

/// Builds the control slip from the dossier's events, in the order they happened.
///
/// The total is the limit in working minutes; for a limit in calendar days or months it is
/// the working time from the clock start to the due date given at acceptance. The time at a
/// step runs from the event that brought the dossier there to the one that took it away,
/// except while the dossier waits for the applicant (statuses 5 and 6). With `now`, the step
/// the dossier is at counts until `now`.
pub fn control_slip(
    workflow: &WorkflowDefinition,
    limit: TimeLimit,
    events: &[DossierEvent],
    calendar: &WorkingCalendar,
    now: Option<DateTime>,
) -> ControlSlip {
    let total = match limit.working_seconds() {
        Some(seconds) => seconds / 60,
        None => events
            .iter()
            .find_map(|e| match e.detail {
                EventDetail::Accepted { clock_start, due } => {
                    Some(calendar.working_minutes_between(clock_start, due))
                }
                _ => None,
            })
            .unwrap_or(0),
    };
    let mut steps: Vec<StepTime> = workflow
        .steps
        .iter()
        .map(|s| StepTime {
            step: s.id.clone(),
            name: s.name.clone(),
            role: s.role,
            allowance_minutes: total * i64::from(s.share_percent) / 100,
            used_minutes: 0,
            visits: 0,
            first_entered_at: None,
            last_left_at: None,
            in_progress: false,
            on_time: true,
        })
        .collect();
    let index: HashMap<StepId, usize> = workflow
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.clone(), i))
        .collect();

    let mut at: Option<(usize, DateTime, bool)> = None; // (step, since, paused)
    for event in events {
        if let Some((i, since, paused)) = at {
            if !paused {
                steps[i].used_minutes += calendar.working_minutes_between(since, event.at).max(0);
            }
        }
        let previous = at.map(|(i, _, _)| i);
        let current = event.to_step.as_ref().and_then(|id| index.get(id).copied());
        if previous != current {
            if let Some(i) = previous {
                steps[i].last_left_at = Some(event.at);
            }
            if let Some(i) = current {
                steps[i].visits += 1;
                steps[i].first_entered_at.get_or_insert(event.at);
            }
        }
        at = current.map(|i| (i, event.at, event.to_status.is_paused()));
    }
    if let Some((i, since, paused)) = at {
        steps[i].in_progress = true;
        if let (Some(now), false) = (now, paused) {
            steps[i].used_minutes += calendar.working_minutes_between(since, now).max(0);
        }
    }
    for step in &mut steps {
        step.on_time = step.used_minutes <= step.allowance_minutes;
    }
    ControlSlip {
        total_allowance_minutes: total,
        steps,
    }
}
