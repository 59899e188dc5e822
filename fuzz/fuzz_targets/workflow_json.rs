//! `tinhso_domain::dossier::WorkflowDefinition::from_json` + `validate`: an internal process
//! an administrator imports.
//!
//! Properties: never panics; validation is deterministic and every problem has a stable code and
//! a message; the definition survives its own JSON; a definition found valid has steps, unique
//! well-formed ids, shares adding up to 100, a first step that offers accept, and only known
//! step targets.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use tinhso_domain::dossier::{ActionKind, ActionTarget, WorkflowDefinition};

fuzz_target!(|text: &str| {
    let Ok(workflow) = WorkflowDefinition::from_json(text) else {
        return;
    };
    let problems = workflow.validate();
    assert_eq!(
        problems,
        workflow.validate(),
        "validate is not deterministic"
    );
    for problem in &problems {
        assert!(!problem.code().is_empty());
        assert!(!problem.to_string().is_empty());
    }
    let json = serde_json::to_string(&workflow).expect("serializes");
    let back = WorkflowDefinition::from_json(&json).expect("own JSON reads back");
    assert_eq!(back, workflow);

    if !problems.is_empty() {
        return;
    }
    assert!(!workflow.steps.is_empty());
    assert!(workflow.version >= 1);
    let ids: HashSet<&str> = workflow.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids.len(),
        workflow.steps.len(),
        "duplicate step ids in a valid workflow"
    );
    for id in &ids {
        assert!(
            (1..=64).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'_'
                    || b == b'-'),
            "malformed step id {id:?} in a valid workflow"
        );
    }
    let total: u32 = workflow
        .steps
        .iter()
        .map(|s| u32::from(s.share_percent))
        .sum();
    assert_eq!(total, 100);
    let first = workflow
        .first_step()
        .expect("a valid workflow has a first step");
    assert!(first.offers(ActionKind::Accept).next().is_some());
    for step in &workflow.steps {
        assert!(!step.name.trim().is_empty());
        for def in &step.actions {
            if let ActionTarget::Step(target) = &def.target {
                assert!(
                    workflow.step(target).is_some(),
                    "unknown target {target} in a valid workflow"
                );
            }
        }
    }
});
