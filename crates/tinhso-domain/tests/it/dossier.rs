//! The dossier domain: codes, statuses, workflows, the state machine on the working-time
//! clock, timeliness and the control slip. Worked examples spell out their arithmetic.

use jiff::civil::{date, time, DateTime};
use jiff::SignedDuration;
use proptest::prelude::*;
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::calendar::{
    HolidayRules, NationalDayExtra, TimeLimit, WorkingCalendar, WorkingWindows,
};
use tinhso_domain::catalog::{Channel, ProcedureCode};
use tinhso_domain::dossier::*;

const RECEIVING: &str = "000.00.04.H62";
const POINT: &str = "000.01.04.H62";
const COMPETENT: &str = "000.00.12.H62";
const OTHER: &str = "000.00.20.H62";

fn eid(s: &str) -> AgencyEId {
    AgencyEId::parse(s).expect("valid e-ID")
}

fn at(y: i16, m: i8, d: i8, h: i8, mi: i8) -> DateTime {
    date(y, m, d).at(h, mi, 0, 0)
}

fn procedure() -> ProcedureCode {
    ProcedureCode::parse("1.001193").expect("valid code")
}

fn workflow() -> WorkflowDefinition {
    WorkflowDefinition::default_for(procedure())
}

fn intake(channel: Channel, seq: u32) -> Intake {
    Intake {
        code: DossierCode::new(eid(RECEIVING), date(2026, 2, 13), seq).expect("code"),
        procedure_code: procedure(),
        procedure_version: 3,
        channel,
        applicant_id: None,
        received_point: eid(POINT),
        receiving_agency: eid(RECEIVING),
        competent_agency: eid(COMPETENT),
    }
}

fn applicant() -> Actor {
    Actor::applicant("citizen-1")
}
fn one_stop() -> Actor {
    Actor::officer(Role::OneStopOfficer, eid(RECEIVING), "oso-1")
}
fn specialist() -> Actor {
    Actor::officer(Role::Specialist, eid(COMPETENT), "spec-1")
}
fn leader() -> Actor {
    Actor::officer(Role::Leader, eid(COMPETENT), "lead-1")
}
fn clerk() -> Actor {
    Actor::officer(Role::Clerk, eid(COMPETENT), "clerk-1")
}

/// Applies one move that must be legal.
struct Run {
    workflow: WorkflowDefinition,
    calendar: WorkingCalendar,
    limit: TimeLimit,
    cutoff: Option<jiff::civil::Time>,
    state: Dossier,
    events: Vec<DossierEvent>,
}

impl Run {
    fn online(submitted: DateTime, limit: TimeLimit) -> Self {
        Self::with(WorkingCalendar::default(), submitted, limit, None)
    }

    fn with(
        calendar: WorkingCalendar,
        submitted: DateTime,
        limit: TimeLimit,
        cutoff: Option<jiff::civil::Time>,
    ) -> Self {
        let workflow = workflow();
        let t = submit(
            &intake(Channel::Online, 2),
            &applicant(),
            submitted,
            &workflow,
        )
        .expect("submission");
        Self {
            workflow,
            calendar,
            limit,
            cutoff,
            state: t.new_state,
            events: vec![t.event],
        }
    }

    fn try_do(
        &self,
        actor: &Actor,
        action: Action,
        now: DateTime,
    ) -> Result<Transition, DomainError> {
        let rules = ProcedureRules {
            workflow: &self.workflow,
            calendar: &self.calendar,
            limit: self.limit,
            cutoff: self.cutoff,
        };
        decide(&self.state, actor, &action, now, &rules)
    }

    fn act(&mut self, actor: &Actor, action: Action, now: DateTime) -> Transition {
        let t = self
            .try_do(actor, action.clone(), now)
            .unwrap_or_else(|e| panic!("{action:?} by {:?}: {} ({e})", actor.role, e.code()));
        assert!(
            t.new_state.invariant_violations().is_empty(),
            "{:?}",
            t.new_state.invariant_violations()
        );
        self.state = t.new_state.clone();
        self.events.push(t.event.clone());
        t
    }

    fn refuse_code(&self, actor: &Actor, action: Action, now: DateTime) -> &'static str {
        match self.try_do(actor, action, now) {
            Ok(t) => panic!(
                "expected an error, got {:?} → {:?}",
                t.from_status, t.to_status
            ),
            Err(e) => e.code(),
        }
    }
}

fn forward(to: &str) -> Action {
    Action::Forward {
        to_step: StepId::new(to),
    }
}

// ---------------------------------------------------------------- codes

#[test]
fn dossier_code_formats_parses_and_round_trips() {
    let code = DossierCode::new(eid("000.00.04.H40"), date(2023, 4, 14), 2).expect("code");
    assert_eq!(code.to_string(), "000.00.04.H40-230414-0002");
    let parsed = DossierCode::parse("000.00.04.H40-230414-0002").expect("parses");
    assert_eq!(parsed, code);
    assert_eq!(parsed.agency().as_str(), "000.00.04.H40");
    assert_eq!(parsed.date(), date(2023, 4, 14));
    assert_eq!(parsed.sequence(), 2);
    let json = serde_json::to_string(&code).expect("serializes");
    assert_eq!(json, "\"000.00.04.H40-230414-0002\"");
    assert_eq!(
        serde_json::from_str::<DossierCode>(&json).expect("reads"),
        code
    );
    assert!(serde_json::from_str::<DossierCode>("\"000.00.04.H40-230414-2\"").is_err());
}

#[test]
fn dossier_code_widens_past_9999_and_never_wraps() {
    let day = date(2026, 2, 13);
    let last4 = DossierCode::new(eid(RECEIVING), day, 9999).expect("code");
    let wide = DossierCode::new(eid(RECEIVING), day, 10_000).expect("code");
    assert_eq!(last4.to_string(), "000.00.04.H62-260213-9999");
    assert_eq!(wide.to_string(), "000.00.04.H62-260213-10000");
    assert_ne!(
        wide,
        DossierCode::new(eid(RECEIVING), day, 1).expect("code")
    );
    for text in ["000.00.04.H62-260213-10000", "000.00.04.H62-260213-123456"] {
        let code = DossierCode::parse(text).expect("widened code parses");
        assert_eq!(code.to_string(), text);
    }
    assert_eq!(
        DossierCode::parse("000.00.04.H62-260213-123456").map(|c| c.sequence()),
        Ok(123_456)
    );
}

#[test]
fn dossier_code_rejects_invalid_text_with_clear_errors() {
    let cases = [
        ("", "Shape"),
        ("000.00.04.H40-230414", "Shape"),
        ("000.00.04.H40-230414-0002-1", "Shape"),
        ("000.00.04.h40-230414-0002", "Agency"),
        ("00.04.H40-230414-0002", "Agency"),
        ("000.00.04.H40-230231-0002", "Date"),
        ("000.00.04.H40-2304140-0002", "Date"),
        ("000.00.04.H40-23O414-0002", "Date"),
        ("000.00.04.H40-230414-002", "Sequence"),
        ("000.00.04.H40-230414-0000", "Sequence"),
        ("000.00.04.H40-230414-00002", "Sequence"),
        ("000.00.04.H40-230414-+002", "Sequence"),
        ("000.00.04.H40-230414-99999999999", "Sequence"),
    ];
    for (text, kind) in cases {
        let err = DossierCode::parse(text).expect_err(text);
        assert!(format!("{err:?}").starts_with(kind), "{text}: {err:?}");
        assert!(!err.to_string().is_empty());
    }
    assert!(DossierCode::parse(" 000.00.04.H40-230414-0002 ").is_ok());
    assert!(matches!(
        DossierCode::new(eid(RECEIVING), date(2026, 1, 1), 0),
        Err(DossierCodeError::Sequence(_))
    ));
    assert!(matches!(
        DossierCode::new(eid(RECEIVING), date(2100, 1, 1), 1),
        Err(DossierCodeError::YearOutOfRange(2100))
    ));
    let message = DossierCode::parse("x").expect_err("bad").to_string();
    assert!(message.starts_with("Mã hồ sơ"), "{message}");
}

// ---------------------------------------------------------------- statuses

#[test]
fn national_statuses_have_codes_labels_and_pauses() {
    for (i, status) in NationalStatus::ALL.iter().enumerate() {
        assert_eq!(usize::from(status.code()), i + 1);
        assert_eq!(NationalStatus::from_code(status.code()), Some(*status));
    }
    assert_eq!(NationalStatus::from_code(0), None);
    assert_eq!(NationalStatus::from_code(11), None);
    assert_eq!(NationalStatus::ResultReady.label_vi(), "Đã xử lý xong");
    assert_eq!(NationalStatus::Delivered.to_string(), "10 Đã trả kết quả");
    let paused: Vec<u8> = NationalStatus::ALL
        .iter()
        .filter(|s| s.is_paused())
        .map(|s| s.code())
        .collect();
    assert_eq!(paused, [5, 6]);
    let dashboard: Vec<u8> = NationalStatus::ALL
        .iter()
        .filter(|s| s.is_paused_for_dashboard())
        .map(|s| s.code())
        .collect();
    assert_eq!(dashboard, [5, 6, 8]);
    assert!(!NationalStatus::Delivered.can_move_to(NationalStatus::Processing));
    assert!(NationalStatus::ResultReady.can_move_to(NationalStatus::Delivered));
    assert!(!NationalStatus::Registered.can_move_to(NationalStatus::ResultReady));
}

// ---------------------------------------------------------------- workflows

#[test]
fn default_workflow_is_valid_and_round_trips_through_json() {
    let wf = workflow();
    assert_eq!(wf.validate(), vec![]);
    let ids: Vec<&str> = wf.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["receive", "appraise", "approve", "issue", "deliver"]);
    let shares: Vec<u8> = wf.steps.iter().map(|s| s.share_percent).collect();
    assert_eq!(shares, [10, 50, 20, 10, 10]);
    let json = serde_json::to_string_pretty(&wf).expect("json");
    assert!(
        json.contains("\"target\": {\n            \"step\": \"appraise\""),
        "{json}"
    );
    assert_eq!(WorkflowDefinition::from_json(&json).expect("reads"), wf);
}

#[test]
fn workflow_validation_reports_every_problem() {
    let json = r#"{
      "procedure_code": "1.001193",
      "version": 2,
      "steps": [
        {"id": "receive", "name": "Tiếp nhận", "role": "one_stop_officer", "agency": "receiving",
         "share_percent": 10,
         "actions": [{"action": "accept", "target": {"step": "apraise"}},
                     {"action": "approve", "target": {"step": "sign"}},
                     {"action": "refuse", "target": {"step": "sign"}},
                     {"action": "pay", "target": "stay"}]},
        {"id": "appraise", "name": "Thẩm định", "role": "specialist", "agency": "competent",
         "share_percent": 50,
         "actions": [{"action": "forward", "target": {"step": "sign"}}]},
        {"id": "sign", "name": "Ký", "role": "leader",
         "agency": {"named": "000.00.12.H62"}, "share_percent": 30,
         "actions": [{"action": "request_supplement", "target": "stay"}]}
      ]
    }"#;
    let wf = WorkflowDefinition::from_json(json).expect("well-formed JSON");
    let problems = wf.validate();
    let codes: Vec<&str> = problems.iter().map(WorkflowProblem::code).collect();
    assert_eq!(
        codes,
        [
            "shares_not_100",     // 10 + 50 + 30 = 90
            "unknown_target",     // accept → apraise (typo)
            "role_cannot",        // a one-stop officer does not approve
            "wrong_target_shape", // refuse ends the dossier, it does not go to a step
            "not_a_step_action",  // pay is the applicant's
            "role_cannot",        // a leader does not ask for documents
            "dead_end",           // sign offers no move
            "unreachable_step",   // appraise: only the typo led there
            "no_path_to_result",  // nobody offers result_ready
        ],
        "{problems:#?}"
    );
    assert!(problems[0].to_string().contains("90%"));
    assert_eq!(
        WorkflowDefinition {
            procedure_code: procedure(),
            version: 1,
            steps: vec![]
        }
        .validate(),
        vec![WorkflowProblem::NoSteps]
    );
}

// ---------------------------------------------------------------- worked examples

/// Accepted on Friday 13/02/2026 at 16:00 with a limit of 3 working days (24 working hours):
/// - Fri 13/02 16:00–17:00: 1 h (23 h left);
/// - Sat 14 – Sun 15: weekend; Mon 16 – Fri 20: Tết Nguyên đán (lunar new year 17/02/2026,
///   one day before and four after); Sat 21 – Sun 22: weekend;
/// - Mon 23 and Tue 24: 2 × 8 h = 16 h (7 h left);
/// - Wed 25: 07:30–11:30 (4 h) + 13:00–16:00 (3 h) → due Wednesday 25/02/2026 16:00.
///
/// Appraised and approved, the result is ready on Tuesday 24/02 at 10:00, before the due
/// date: early. Delivered on Thursday 26/02 (after the due date): the index counts the result
/// being ready (9 wins over 10), so it stays early.
#[test]
fn accepted_on_the_friday_before_tet_2026() {
    let mut run = Run::online(at(2026, 2, 12, 20, 0), TimeLimit::working_days(3));
    assert_eq!(run.state.status, NationalStatus::Registered);
    assert_eq!(run.state.current_step, Some(StepId::new("receive")));
    assert_eq!(run.state.applicant_id.as_deref(), Some("citizen-1"));

    let t = run.act(&one_stop(), Action::Accept, at(2026, 2, 13, 16, 0));
    assert_eq!(
        (t.from_status, t.to_status),
        (Some(NationalStatus::Registered), NationalStatus::Accepted)
    );
    assert_eq!(t.to_step, Some(StepId::new("appraise")));
    assert_eq!(run.state.due, Some(at(2026, 2, 25, 16, 0)));
    assert_eq!(run.state.accepted_at, Some(at(2026, 2, 13, 16, 0)));
    assert_eq!(classify(&run.state), None, "still running");
    assert!(!run.state.is_overdue(at(2026, 2, 25, 16, 0)));
    assert!(run.state.is_overdue(at(2026, 2, 25, 16, 1)));

    run.act(&specialist(), forward("approve"), at(2026, 2, 23, 15, 0));
    assert_eq!(run.state.status, NationalStatus::Processing);
    run.act(&leader(), Action::Approve, at(2026, 2, 24, 8, 30));
    assert_eq!(run.state.current_step, Some(StepId::new("issue")));
    let t = run.act(&clerk(), Action::ResultReady, at(2026, 2, 24, 10, 0));
    assert_eq!(t.to_status, NationalStatus::ResultReady);
    assert_eq!(t.to_step, Some(StepId::new("deliver")));
    assert_eq!(run.state.ended_at, Some(at(2026, 2, 24, 10, 0)));
    run.act(&one_stop(), Action::Deliver, at(2026, 2, 26, 9, 0));
    assert_eq!(run.state.status, NationalStatus::Delivered);
    assert_eq!(run.state.outcome, Some(Outcome::Resolved));
    assert_eq!(run.state.current_step, None);
    assert_eq!(index_end(&run.state), Some(at(2026, 2, 24, 10, 0)));
    assert_eq!(classify(&run.state), Some(Timeliness::Early));
}

/// Accepted Monday 02/03/2026 09:00, 3 working days (24 h):
/// Mon 09:00–11:30 + 13:00–17:00 = 6 h 30; Tue 8 h (14 h 30); Wed 8 h (22 h 30);
/// Thu 07:30–09:00 = 1 h 30 → due Thursday 05/03 09:00.
///
/// On working day 2 (Tue 03/03, 10:00) the specialist asks for documents (status 5, clock
/// paused). The applicant brings them 6 calendar days later, Mon 09/03 at 10:00. Paused
/// working time: Tue 10:00–11:30 + 13:00–17:00 = 5 h 30; Wed, Thu, Fri = 24 h; Sat–Sun off;
/// Mon 07:30–10:00 = 2 h 30 → 32 h = 1,920 working minutes (4 working days).
/// New due: Thu 05/03 09:00 + 32 h: Thu 6 h 30, Fri 8 h (14 h 30), Mon 8 h (22 h 30),
/// Tue 8 h (30 h 30), Wed 07:30–09:00 → Wednesday 11/03/2026 09:00.
#[test]
fn supplement_on_day_two_moves_the_due_date_by_the_paused_working_time() {
    let mut run = Run::online(at(2026, 3, 2, 8, 0), TimeLimit::working_days(3));
    run.act(&one_stop(), Action::Accept, at(2026, 3, 2, 9, 0));
    assert_eq!(run.state.due, Some(at(2026, 3, 5, 9, 0)));

    let t = run.act(
        &specialist(),
        Action::RequestSupplement {
            reason: "Thiếu bản sao giấy khai sinh".to_string(),
        },
        at(2026, 3, 3, 10, 0),
    );
    assert_eq!(t.to_status, NationalStatus::SupplementRequested);
    assert_eq!(
        t.to_step,
        Some(StepId::new("appraise")),
        "the dossier stays at its step"
    );
    assert_eq!(
        run.state.due,
        Some(at(2026, 3, 5, 9, 0)),
        "unchanged until the applicant answers"
    );
    // Waiting for the applicant: for the index it ends at the request time (before the due).
    assert_eq!(index_end(&run.state), Some(at(2026, 3, 3, 10, 0)));
    assert_eq!(classify(&run.state), Some(Timeliness::Early));
    assert!(
        !run.state.is_overdue(at(2026, 3, 6, 9, 0)),
        "the clock is paused"
    );

    // Only the applicant who owns it (or the counter) answers.
    assert_eq!(
        run.refuse_code(
            &Actor::applicant("someone-else"),
            Action::Supplement,
            at(2026, 3, 9, 10, 0)
        ),
        "not_your_dossier"
    );
    let t = run.act(&applicant(), Action::Supplement, at(2026, 3, 9, 10, 0));
    assert_eq!(
        t.to_status,
        NationalStatus::Accepted,
        "back to where it paused"
    );
    assert_eq!(
        t.event.detail,
        EventDetail::Supplemented {
            paused_minutes: 1920,
            due_before: Some(at(2026, 3, 5, 9, 0)),
            due_after: Some(at(2026, 3, 11, 9, 0)),
        }
    );
    assert_eq!(run.state.due, Some(at(2026, 3, 11, 9, 0)));
    assert_eq!(run.state.paused_minutes, 1920);
    assert_eq!(run.state.original_due(), Some(at(2026, 3, 5, 9, 0)));
    assert_eq!(run.state.supplement_requests, 1);

    // A second request counts as late for the index, whatever the dates.
    run.act(
        &specialist(),
        Action::RequestSupplement {
            reason: "Thiếu chữ ký".to_string(),
        },
        at(2026, 3, 9, 14, 0),
    );
    // Answered at 14:07 after 7 working minutes: 11/03 09:00 + 7 min = 09:07, rounded up to
    // the quarter hour → 09:15.
    run.act(&applicant(), Action::Supplement, at(2026, 3, 9, 14, 7));
    assert_eq!(run.state.due, Some(at(2026, 3, 11, 9, 15)));
    assert_eq!(run.state.paused_minutes, 1927);
    assert_eq!(run.state.due_changes.len(), 2);
    assert_eq!(run.state.supplement_requests, 2);
    run.act(&specialist(), forward("approve"), at(2026, 3, 10, 8, 0));
    run.act(&leader(), Action::Approve, at(2026, 3, 10, 9, 0));
    run.act(&clerk(), Action::ResultReady, at(2026, 3, 10, 10, 0));
    assert_eq!(classify(&run.state), Some(Timeliness::Late));
}

/// A procedure with the 15:00 cut-off, 1 working day, received at 15:05 on Tuesday
/// 01/09/2026, the eve of Quốc khánh. 2/9/2026 is a Wednesday: by default the adjoining day
/// off is 1/9 itself, so the dossier arrived on a holiday and the clock starts at the next
/// working moment, Thursday 03/09 07:30 → due 03/09 17:00 (8 h).
/// If the Government picks 3/9 instead, 1/9 is a working day and 15:05 is after the cut-off:
/// the clock starts at the next working day's start, Friday 04/09 07:30 (2/9, 3/9 off)
/// → due 04/09 17:00. Without a cut-off it would start at 15:05: 1/9 15:05–17:00 (1 h 55),
/// 04/09 07:30–11:30, 13:00–15:05 (6 h 05) → 15:05, rounded up to 15:15.
#[test]
fn cutoff_on_the_eve_of_national_day_2026() {
    let received = at(2026, 9, 1, 15, 5);
    let cutoff = Some(time(15, 0, 0, 0));
    let mut run = Run::with(
        WorkingCalendar::default(),
        at(2026, 9, 1, 14, 0),
        TimeLimit::working_days(1),
        cutoff,
    );
    let t = run.act(&one_stop(), Action::Accept, received);
    assert_eq!(
        t.event.detail,
        EventDetail::Accepted {
            clock_start: at(2026, 9, 3, 7, 30),
            due: at(2026, 9, 3, 17, 0)
        }
    );

    let after = WorkingCalendar::new(
        WorkingWindows::default(),
        HolidayRules {
            national_day_extra: NationalDayExtra::After,
            ..HolidayRules::default()
        },
        Vec::new(),
    );
    let mut run = Run::with(
        after.clone(),
        at(2026, 9, 1, 14, 0),
        TimeLimit::working_days(1),
        cutoff,
    );
    run.act(&one_stop(), Action::Accept, received);
    assert_eq!(run.state.clock_start, Some(at(2026, 9, 4, 7, 30)));
    assert_eq!(run.state.due, Some(at(2026, 9, 4, 17, 0)));

    let mut run = Run::with(
        after,
        at(2026, 9, 1, 14, 0),
        TimeLimit::working_days(1),
        None,
    );
    run.act(&one_stop(), Action::Accept, received);
    assert_eq!(run.state.due, Some(at(2026, 9, 4, 15, 15)));
}

// ---------------------------------------------------------------- refusals with stable codes

#[test]
fn illegal_moves_are_refused_with_stable_codes() {
    let mut run = Run::online(at(2026, 3, 2, 8, 0), TimeLimit::working_days(3));
    let now = at(2026, 3, 2, 9, 0);
    assert_eq!(
        run.refuse_code(&one_stop(), Action::Deliver, now),
        "illegal_transition"
    );
    assert_eq!(
        run.refuse_code(&one_stop(), Action::Submit, now),
        "illegal_transition"
    );
    assert_eq!(
        run.refuse_code(&specialist(), Action::Accept, now),
        "role_not_allowed"
    );
    assert_eq!(
        run.refuse_code(
            &Actor::officer(Role::AgencyAdmin, eid(RECEIVING), "a"),
            Action::Accept,
            now
        ),
        "role_not_allowed"
    );
    assert_eq!(
        run.refuse_code(
            &Actor::officer(Role::OneStopOfficer, eid(OTHER), "x"),
            Action::Accept,
            now
        ),
        "not_your_agency"
    );
    assert_eq!(
        run.refuse_code(
            &one_stop(),
            Action::Refuse {
                reason: "  ".to_string()
            },
            now
        ),
        "reason_required"
    );
    assert_eq!(
        run.refuse_code(&one_stop(), Action::Accept, at(2026, 3, 2, 7, 0)),
        "time_out_of_order"
    );
    // The officer at the point of reception (anywhere in the province) may accept too.
    let point = Actor::officer(Role::OneStopOfficer, eid(POINT), "oso-2");
    assert!(run.try_do(&point, Action::Accept, now).is_ok());

    run.act(&one_stop(), Action::Accept, now);
    assert_eq!(
        run.refuse_code(&one_stop(), forward("approve"), now),
        "role_not_allowed"
    );
    assert_eq!(
        run.refuse_code(&specialist(), forward("issue"), now),
        "not_in_workflow"
    );
    assert_eq!(
        run.refuse_code(&specialist(), forward("nowhere"), now),
        "not_in_workflow"
    );
    assert_eq!(
        run.refuse_code(&specialist(), Action::Approve, now),
        "role_not_allowed"
    );
    assert_eq!(
        run.refuse_code(&leader(), Action::Approve, now),
        "role_not_allowed",
        "not the leader's step yet"
    );
    assert_eq!(
        run.refuse_code(
            &specialist(),
            Action::RequestFinancialObligation { amount_vnd: 0 },
            now
        ),
        "amount_required"
    );
    assert_eq!(
        run.refuse_code(&one_stop(), Action::Refuse { reason: "x".into() }, now),
        "illegal_transition"
    );
    assert_eq!(
        run.refuse_code(&Actor::applicant("other"), Action::Withdraw, now),
        "not_your_dossier"
    );

    let other_wf = WorkflowDefinition {
        version: 9,
        ..workflow()
    };
    let rules = ProcedureRules {
        workflow: &other_wf,
        calendar: &run.calendar,
        limit: run.limit,
        cutoff: None,
    };
    let err =
        decide(&run.state, &specialist(), &forward("approve"), now, &rules).expect_err("mismatch");
    assert_eq!(err.code(), "workflow_mismatch");
    assert!(err.to_string().starts_with("Quy trình không khớp"));
}

#[test]
fn submission_rules() {
    let wf = workflow();
    let now = at(2026, 3, 2, 8, 0);
    let counter =
        submit(&intake(Channel::Counter, 1), &one_stop(), now, &wf).expect("counter intake");
    assert_eq!(counter.from_status, None);
    assert_eq!(counter.to_status, NationalStatus::Registered);
    assert_eq!(counter.new_state.applicant_id, None);
    assert_eq!(counter.new_state.workflow_version, 1);
    assert_eq!(counter.new_state.procedure_version, 3);
    let code = |r: Result<Transition, DomainError>| r.err().map(|e| e.code());
    assert_eq!(
        code(submit(&intake(Channel::Online, 1), &one_stop(), now, &wf)),
        Some("channel_mismatch")
    );
    assert_eq!(
        code(submit(
            &intake(Channel::Counter, 1),
            &specialist(),
            now,
            &wf
        )),
        Some("role_not_allowed")
    );
    let mut owned = intake(Channel::Online, 1);
    owned.applicant_id = Some("citizen-9".to_string());
    assert_eq!(
        code(submit(&owned, &applicant(), now, &wf)),
        Some("not_your_dossier")
    );
    let mut broken = wf.clone();
    broken.steps[1].share_percent = 49;
    assert_eq!(
        code(submit(
            &intake(Channel::Online, 1),
            &applicant(),
            now,
            &broken
        )),
        Some("invalid_workflow")
    );
}

/// Mẫu 04: the leader apologizes before the due date passes and sets a later one; both dates
/// are kept (NgayHenTraTruoc → NgayHenTraMoi).
#[test]
fn apology_and_extension_only_before_the_due_date_and_only_later() {
    let mut run = Run::online(at(2026, 3, 2, 8, 0), TimeLimit::working_days(3));
    run.act(&one_stop(), Action::Accept, at(2026, 3, 2, 9, 0));
    let due = at(2026, 3, 5, 9, 0);
    let extend = |new_due, reason: &str| Action::ApologizeAndExtend {
        new_due,
        reason: reason.to_string(),
    };
    assert_eq!(
        run.refuse_code(
            &leader(),
            extend(at(2026, 3, 10, 9, 0), "Chờ xác minh"),
            due
        ),
        "extension_after_due"
    );
    let before = at(2026, 3, 4, 16, 0);
    assert_eq!(
        run.refuse_code(&leader(), extend(at(2026, 3, 5, 8, 0), "x"), before),
        "extension_not_later"
    );
    assert_eq!(
        run.refuse_code(&leader(), extend(at(2026, 3, 10, 9, 0), ""), before),
        "reason_required"
    );
    assert_eq!(
        run.refuse_code(&leader(), extend(at(2026, 3, 7, 9, 0), "x"), before),
        "due_not_working_time"
    );
    assert_eq!(
        run.refuse_code(&specialist(), extend(at(2026, 3, 10, 9, 0), "x"), before),
        "role_not_allowed"
    );
    let t = run.act(
        &leader(),
        extend(at(2026, 3, 10, 9, 0), "Chờ kết quả xác minh"),
        before,
    );
    assert_eq!(t.from_status, Some(NationalStatus::Accepted));
    assert_eq!(t.to_status, NationalStatus::Accepted);
    assert_eq!(run.state.due, Some(at(2026, 3, 10, 9, 0)));
    assert_eq!(
        run.state.due_changes,
        vec![DueChange {
            at: before,
            previous: due,
            new: at(2026, 3, 10, 9, 0),
            cause: DueChangeCause::Extension {
                reason: "Chờ kết quả xác minh".to_string()
            },
        }]
    );
    run.act(&specialist(), forward("approve"), at(2026, 3, 6, 9, 0));
    run.act(&leader(), Action::Approve, at(2026, 3, 9, 9, 0));
    run.act(&clerk(), Action::ResultReady, at(2026, 3, 10, 9, 0));
    // End = new due: on time against the extended date, late against the first one.
    assert_eq!(classify(&run.state), Some(Timeliness::OnTime));
    let original = ClassifyOptions {
        due_basis: DueBasis::Original,
        ..ClassifyOptions::default()
    };
    assert_eq!(classify_with(&run.state, &original), Some(Timeliness::Late));
}

#[test]
fn inter_agency_transfer_and_return() {
    let mut run = Run::online(at(2026, 3, 2, 8, 0), TimeLimit::working_days(3));
    let now = at(2026, 3, 2, 9, 0);
    run.act(&one_stop(), Action::Accept, now);
    assert_eq!(
        run.refuse_code(
            &specialist(),
            Action::TransferToAgency {
                eid: eid(COMPETENT)
            },
            now
        ),
        "same_agency"
    );
    let t = run.act(
        &specialist(),
        Action::TransferToAgency { eid: eid(OTHER) },
        now,
    );
    assert_eq!(t.to_status, NationalStatus::Processing);
    assert_eq!(run.state.transferred_to, Some(eid(OTHER)));
    assert_eq!(
        run.refuse_code(&specialist(), forward("approve"), now),
        "at_other_agency"
    );
    assert_eq!(
        run.refuse_code(&specialist(), Action::ReturnFromAgency, now),
        "not_your_agency"
    );
    let theirs = Actor::officer(Role::Specialist, eid(OTHER), "spec-9");
    run.act(&theirs, Action::ReturnFromAgency, at(2026, 3, 3, 9, 0));
    assert_eq!(run.state.transferred_to, None);
    run.act(&specialist(), forward("approve"), at(2026, 3, 3, 10, 0));
}

// ---------------------------------------------------------------- timeliness

#[test]
fn classification_rules() {
    // Late: result after the due date.
    let mut run = Run::online(at(2026, 3, 2, 8, 0), TimeLimit::working_days(1));
    run.act(&one_stop(), Action::Accept, at(2026, 3, 2, 9, 0)); // due Tue 03/03 09:00
    assert_eq!(run.state.due, Some(at(2026, 3, 3, 9, 0)));
    let mut on_time = run.state.clone();
    run.act(&specialist(), forward("approve"), at(2026, 3, 2, 10, 0));
    run.act(&leader(), Action::Approve, at(2026, 3, 2, 11, 0));
    run.act(&clerk(), Action::ResultReady, at(2026, 3, 3, 9, 1));
    assert_eq!(classify(&run.state), Some(Timeliness::Late));

    // On time: exactly at the due moment; early by a margin only beyond it.
    on_time.status = NationalStatus::ResultReady;
    on_time.result_ready_at = Some(at(2026, 3, 3, 9, 0));
    on_time.ended_at = on_time.result_ready_at;
    on_time.outcome = Some(Outcome::Resolved);
    assert_eq!(classify(&on_time), Some(Timeliness::OnTime));
    on_time.result_ready_at = Some(at(2026, 3, 3, 8, 0));
    on_time.ended_at = on_time.result_ready_at;
    assert_eq!(classify(&on_time), Some(Timeliness::Early));
    let margin = ClassifyOptions {
        early_margin: SignedDuration::from_hours(2),
        ..ClassifyOptions::default()
    };
    assert_eq!(classify_with(&on_time, &margin), Some(Timeliness::OnTime));

    // A withdrawal counts only after acceptance.
    let mut before = Run::online(at(2026, 3, 2, 8, 0), TimeLimit::working_days(1));
    before.act(&applicant(), Action::Withdraw, at(2026, 3, 2, 8, 30));
    assert_eq!(before.state.status, NationalStatus::Withdrawn);
    assert_eq!(classify(&before.state), None);
    let mut after = Run::online(at(2026, 3, 2, 8, 0), TimeLimit::working_days(1));
    after.act(&one_stop(), Action::Accept, at(2026, 3, 2, 9, 0));
    after.act(&applicant(), Action::Withdraw, at(2026, 3, 2, 15, 0));
    assert_eq!(classify(&after.state), Some(Timeliness::Early));

    // Refused at reception: never accepted, not counted.
    let mut refused = Run::online(at(2026, 3, 2, 8, 0), TimeLimit::working_days(1));
    refused.act(
        &one_stop(),
        Action::Refuse {
            reason: "Không thuộc thẩm quyền".into(),
        },
        at(2026, 3, 2, 9, 0),
    );
    assert_eq!(refused.state.outcome, Some(Outcome::Refused));
    assert_eq!(classify(&refused.state), None);

    // Stopped while waiting for the applicant: ends at the request time.
    let mut stopped = Run::online(at(2026, 3, 2, 8, 0), TimeLimit::working_days(1));
    stopped.act(&one_stop(), Action::Accept, at(2026, 3, 2, 9, 0));
    stopped.act(
        &specialist(),
        Action::RequestFinancialObligation { amount_vnd: 50_000 },
        at(2026, 3, 2, 10, 0),
    );
    stopped.act(
        &specialist(),
        Action::Stop {
            reason: "Không nộp phí".into(),
        },
        at(2026, 3, 20, 10, 0),
    );
    assert_eq!(index_end(&stopped.state), Some(at(2026, 3, 2, 10, 0)));
    assert_eq!(classify(&stopped.state), Some(Timeliness::Early));
    assert_eq!(
        stopped.state.due,
        Some(at(2026, 3, 3, 9, 0)),
        "an unanswered wait moves nothing"
    );
}

// ---------------------------------------------------------------- control slip

/// 3 working days = 1,440 working minutes; shares 10/50/20/10/10 → 144, 720, 288, 144, 144.
/// - receive: submitted Mon 02/03 08:00, accepted 09:00 → 60 min;
/// - appraise: 09:00 → Tue 03/03 10:00 supplement (09:00–11:30 150 + 13:00–17:00 240 + Tue
///   07:30–10:00 150 = 540); paused until Wed 04/03 10:00 (not counted); then 10:00 → 14:00
///   (90 + 60 = 150) → 690 ≤ 720, on time;
/// - approve: Wed 14:00 → Thu 05/03 11:00 (180 + 210 = 390) > 288, late;
/// - issue: Thu 11:00 → 11:30 = 30; deliver: at it since 11:30, counted until 13:30 (30).
#[test]
fn control_slip_per_step_time() {
    let mut run = Run::online(at(2026, 3, 2, 8, 0), TimeLimit::working_days(3));
    run.act(&one_stop(), Action::Accept, at(2026, 3, 2, 9, 0));
    run.act(
        &specialist(),
        Action::RequestSupplement {
            reason: "Thiếu giấy".into(),
        },
        at(2026, 3, 3, 10, 0),
    );
    run.act(&applicant(), Action::Supplement, at(2026, 3, 4, 10, 0));
    run.act(&specialist(), forward("approve"), at(2026, 3, 4, 14, 0));
    run.act(&leader(), Action::Approve, at(2026, 3, 5, 11, 0));
    run.act(&clerk(), Action::ResultReady, at(2026, 3, 5, 11, 30));
    let slip = control_slip(
        &run.workflow,
        run.limit,
        &run.events,
        &run.calendar,
        Some(at(2026, 3, 5, 13, 30)),
    );
    assert_eq!(slip.total_allowance_minutes, 1440);
    let rows: Vec<(&str, i64, i64, bool, bool)> = slip
        .steps
        .iter()
        .map(|s| {
            (
                s.step.as_str(),
                s.allowance_minutes,
                s.used_minutes,
                s.on_time,
                s.in_progress,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("receive", 144, 60, true, false),
            ("appraise", 720, 690, true, false),
            ("approve", 288, 390, false, false),
            ("issue", 144, 30, true, false),
            ("deliver", 144, 30, true, true),
        ]
    );
    assert_eq!(slip.steps[1].visits, 1);
    assert_eq!(slip.steps[1].first_entered_at, Some(at(2026, 3, 2, 9, 0)));
    assert_eq!(slip.steps[1].last_left_at, Some(at(2026, 3, 4, 14, 0)));
}

// ---------------------------------------------------------------- properties

fn actors() -> Vec<Actor> {
    vec![
        applicant(),
        Actor::applicant("intruder"),
        one_stop(),
        Actor::officer(Role::OneStopOfficer, eid(OTHER), "oso-x"),
        specialist(),
        Actor::officer(Role::Specialist, eid(OTHER), "spec-x"),
        leader(),
        clerk(),
        Actor::officer(Role::AgencyAdmin, eid(COMPETENT), "admin"),
        Actor::officer(Role::ProvinceAdmin, eid(COMPETENT), "padmin"),
    ]
}

/// The actor most likely to be allowed: the one working at the current step, the owner for
/// the applicant's moves, the other agency for a return.
fn fitting_actor(action: &Action, state: &Dossier) -> Actor {
    match action.kind() {
        ActionKind::Submit | ActionKind::Supplement | ActionKind::Pay | ActionKind::Withdraw => {
            if state.applicant_id.is_some() {
                applicant()
            } else {
                one_stop()
            }
        }
        ActionKind::ReturnFromAgency => Actor::officer(Role::Specialist, eid(OTHER), "spec-x"),
        ActionKind::ApologizeAndExtend => leader(),
        _ => match state.current_step.as_ref().map(StepId::as_str) {
            Some("appraise") => specialist(),
            Some("approve") => leader(),
            Some("issue") => clerk(),
            _ => one_stop(),
        },
    }
}

/// Moves weighted towards the main flow, so that random runs reach every status; the moves
/// that end a dossier early are rarer.
fn action_of(pick: u8, param: u8, state: &Dossier) -> Action {
    let reason = if param & 3 == 0 {
        String::new()
    } else {
        "lý do".to_string()
    };
    let steps = [
        "receive", "appraise", "approve", "issue", "deliver", "nowhere",
    ];
    // Half of the picks that would end the dossier early (refuse, stop, withdraw) become
    // result_ready instead.
    let pick = match pick % 32 {
        5 | 24 | 25 if pick >= 32 => 26,
        other => other,
    };
    match pick {
        0 => Action::Submit,
        1..=4 => Action::Accept,
        5 => Action::Refuse { reason },
        6..=7 => Action::RequestSupplement { reason },
        8..=9 => Action::Supplement,
        10 => Action::RequestFinancialObligation {
            amount_vnd: u64::from(param % 3) * 10_000,
        },
        11..=12 => Action::Pay,
        13..=17 => forward(steps[usize::from(param) % steps.len()]),
        18 => Action::TransferToAgency {
            eid: eid(if param & 1 == 0 { OTHER } else { COMPETENT }),
        },
        19..=20 => Action::ReturnFromAgency,
        21..=23 => Action::Approve,
        24 => Action::Stop { reason },
        25 => Action::Withdraw,
        26..=28 => Action::ResultReady,
        29..=30 => Action::Deliver,
        _ => {
            let base = state.due.unwrap_or(at(2026, 3, 2, 9, 0));
            let hours = i64::from(param % 64) - 16;
            Action::ApologizeAndExtend {
                new_due: base
                    .checked_add(SignedDuration::from_hours(hours))
                    .unwrap_or(base),
                reason,
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Random moves by random actors at random times: every accepted move is in the legal
    /// transition table and leaves a sound state; a due date never moves earlier, and moves
    /// only by a pause (later) or an extension (strictly later); rejected moves change nothing.
    #[test]
    fn random_moves_stay_legal(
        start_minutes in 0i64..(60 * 24 * 400),
        counter in any::<bool>(),
        moves in prop::collection::vec((0usize..30, any::<u8>(), any::<u8>(), 0i64..(60 * 36)), 1..80),
    ) {
        let wf = workflow();
        let calendar = WorkingCalendar::default();
        let rules = ProcedureRules { workflow: &wf, calendar: &calendar, limit: TimeLimit::working_days(3), cutoff: Some(time(15, 0, 0, 0)) };
        let mut now = at(2025, 12, 1, 0, 0).checked_add(SignedDuration::from_mins(start_minutes)).expect("in range");
        let (channel, by) = if counter { (Channel::Counter, one_stop()) } else { (Channel::Online, applicant()) };
        let first = submit(&intake(channel, 1), &by, now, &wf).expect("submission");
        let mut state = first.new_state;
        let mut events = vec![first.event];
        let people = actors();
        for (who, pick, param, advance) in moves {
            now = now.checked_add(SignedDuration::from_mins(advance)).expect("in range");
            let action = action_of(pick, param, &state);
            // Mostly the fitting actor, sometimes anyone (who may not act).
            let actor = people.get(who).cloned().unwrap_or_else(|| fitting_actor(&action, &state));
            match decide(&state, &actor, &action, now, &rules) {
                Ok(t) => {
                    let from = t.from_status.expect("a decision starts from a status");
                    prop_assert_eq!(from, state.status);
                    prop_assert!(from.can_move_to(t.to_status), "{:?} → {:?} by {:?}", from, t.to_status, action);
                    prop_assert_eq!(t.to_status, t.new_state.status);
                    prop_assert_eq!(&t.to_step, &t.new_state.current_step);
                    prop_assert_eq!(t.event.detail.kind(), action.kind());
                    let violations = t.new_state.invariant_violations();
                    prop_assert!(violations.is_empty(), "{:?} after {:?}", violations, action);
                    match (state.due, t.new_state.due) {
                        (Some(before), Some(after)) => {
                            prop_assert!(after >= before, "due moved earlier: {} → {}", before, after);
                            if after != before {
                                let may_move = matches!(action.kind(), ActionKind::Supplement | ActionKind::Pay | ActionKind::ApologizeAndExtend);
                                prop_assert!(may_move, "due moved by {:?}", action);
                            }
                            if action.kind() == ActionKind::ApologizeAndExtend {
                                prop_assert!(after > before);
                            }
                        }
                        (Some(_), None) => prop_assert!(false, "a due date disappeared"),
                        (None, Some(_)) => prop_assert_eq!(action.kind(), ActionKind::Accept),
                        (None, None) => {}
                    }
                    prop_assert!(!state.status.is_terminal() || state.status == NationalStatus::ResultReady);
                    state = t.new_state;
                    events.push(t.event);
                }
                Err(e) => prop_assert!(!e.code().is_empty()),
            }
            let _ = classify(&state);
        }
        let slip = control_slip(&wf, rules.limit, &events, &calendar, Some(now));
        prop_assert!(slip.steps.iter().all(|s| s.used_minutes >= 0));
    }
}
