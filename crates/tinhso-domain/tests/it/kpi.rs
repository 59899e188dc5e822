//! KPIs and the 766 index: facts of a dossier, additive counters and their deltas, periods,
//! the dashboard report and the scores. Worked examples spell out their arithmetic; the
//! default calendar's windows are 07:30–11:30 and 13:00–17:00 (480 working minutes a day).

use jiff::civil::{date, DateTime};
use jiff::SignedDuration;
use proptest::prelude::*;
use tinhso_domain::agency::AgencyEId;
use tinhso_domain::calendar::{TimeLimit, WorkingCalendar};
use tinhso_domain::catalog::{Channel, OnlineLevel, Procedure, ProcedureCode};
use tinhso_domain::dossier::*;
use tinhso_domain::kpi::*;

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

fn procedure(code: &str) -> ProcedureCode {
    ProcedureCode::parse(code).expect("valid code")
}

const PROC: &str = "1.001193";

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

/// One dossier moved through legal steps, its counters kept by deltas as the store will.
struct Run {
    workflow: WorkflowDefinition,
    calendar: WorkingCalendar,
    limit: TimeLimit,
    state: Dossier,
    extras: DossierExtras,
    facts: KpiFacts,
    counters: Counters,
}

impl Run {
    fn new(channel: Channel, seq: u32, submitted: DateTime, limit: TimeLimit) -> Self {
        Self::for_procedure(PROC, channel, seq, submitted, limit)
    }

    fn for_procedure(
        code: &str,
        channel: Channel,
        seq: u32,
        submitted: DateTime,
        limit: TimeLimit,
    ) -> Self {
        let workflow = WorkflowDefinition::default_for(procedure(code));
        let intake = Intake {
            code: DossierCode::new(eid(RECEIVING), submitted.date(), seq).expect("code"),
            procedure_code: procedure(code),
            procedure_version: 1,
            channel,
            applicant_id: None,
            received_point: eid(POINT),
            receiving_agency: eid(RECEIVING),
            competent_agency: eid(COMPETENT),
        };
        let by = if channel == Channel::Online {
            applicant()
        } else {
            one_stop()
        };
        let t = submit(&intake, &by, submitted, &workflow).expect("submission");
        let calendar = WorkingCalendar::default();
        let extras = DossierExtras {
            online_level: OnlineLevel::Full,
            fields: vec!["Hộ tịch".to_string()],
            commune_code: Some("25747".to_string()),
            ..DossierExtras::default()
        };
        let facts = facts(&t.new_state, &extras, &rules(&calendar));
        let counters = delta(None, &facts).into_iter().collect();
        Self {
            workflow,
            calendar,
            limit,
            state: t.new_state,
            extras,
            facts,
            counters,
        }
    }

    fn refresh(&mut self) {
        let after = facts(&self.state, &self.extras, &rules(&self.calendar));
        self.counters.apply(delta(Some(&self.facts), &after));
        self.facts = after;
    }

    fn act(&mut self, actor: &Actor, action: Action, now: DateTime) {
        let r = ProcedureRules {
            workflow: &self.workflow,
            calendar: &self.calendar,
            limit: self.limit,
            cutoff: None,
        };
        let t = decide(&self.state, actor, &action, now, &r)
            .unwrap_or_else(|e| panic!("{action:?}: {}", e.code()));
        self.state = t.new_state;
        self.refresh();
    }

    fn set_extras(&mut self, change: impl FnOnce(&mut DossierExtras)) {
        change(&mut self.extras);
        self.refresh();
    }

    fn accept(&mut self, now: DateTime) {
        self.act(&one_stop(), Action::Accept, now);
    }

    /// Appraise → approve → issue: the result is ready at `now`.
    fn resolve(&mut self, now: DateTime) {
        self.act(
            &specialist(),
            Action::Forward {
                to_step: StepId::new("approve"),
            },
            now,
        );
        self.act(&leader(), Action::Approve, now);
        self.act(&clerk(), Action::ResultReady, now);
    }

    fn request_supplement(&mut self, now: DateTime) {
        self.act(
            &specialist(),
            Action::RequestSupplement {
                reason: "Thiếu giấy tờ".into(),
            },
            now,
        );
    }

    fn province(&self, metric: Metric, day: jiff::civil::Date) -> i64 {
        self.counters.get(&CounterKey {
            day,
            dim: Dimension::Province,
            metric,
        })
    }
}

fn rules(calendar: &WorkingCalendar) -> FactRules<'_> {
    FactRules {
        calendar,
        classify: ClassifyOptions::default(),
    }
}

fn province_report(counters: &Counters, period: Period, as_of: DateTime) -> KpiReport {
    KpiReport::compute(&Dimension::Province, &period, as_of, counters)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

// ---------------------------------------------------------------- periods

#[test]
fn periods_parse_display_and_count_days() {
    let cases = [
        ("2026-02-13", Period::Day(date(2026, 2, 13)), 1),
        ("2026-02", Period::Month(2026, 2), 28),
        ("2024-02", Period::Month(2024, 2), 29),
        ("2026-Q1", Period::Quarter(2026, 1), 90),
        ("2026-Q4", Period::Quarter(2026, 4), 92),
        ("2026", Period::Year(2026), 365),
        ("2024", Period::Year(2024), 366),
        (
            "2026-01-01..2026-03-31",
            Period::Custom(date(2026, 1, 1), date(2026, 3, 31)),
            90,
        ),
    ];
    for (text, period, days) in cases {
        assert_eq!(Period::parse(text), Ok(period), "{text}");
        assert_eq!(period.to_string(), text);
        assert_eq!(period.len_days(), days, "{text}");
        assert_eq!(period.days().count() as i64, days, "{text}");
        let json = serde_json::to_string(&period).expect("serializes");
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(
            serde_json::from_str::<Period>(&json).expect("reads"),
            period
        );
    }
    assert_eq!(Period::parse(" 2026-q2 "), Ok(Period::Quarter(2026, 2)));
    let q2 = Period::Quarter(2026, 2);
    assert_eq!(q2.first_day(), date(2026, 4, 1));
    assert_eq!(q2.last_day(), date(2026, 6, 30));
    assert!(q2.contains(date(2026, 6, 30)) && !q2.contains(date(2026, 7, 1)));
    assert_eq!(
        Period::quarter_of(date(2026, 8, 5)),
        Period::Quarter(2026, 3)
    );
    assert_eq!(Period::month_of(date(2026, 8, 5)), Period::Month(2026, 8));
    // Month buckets start at the period's first day, then on each first of the month.
    assert_eq!(
        q2.month_starts(),
        vec![date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    );
    assert_eq!(
        Period::Custom(date(2026, 1, 20), date(2026, 3, 2)).month_starts(),
        vec![date(2026, 1, 20), date(2026, 2, 1), date(2026, 3, 1)]
    );
    assert_eq!(
        Period::Day(date(2026, 2, 13)).month_starts(),
        vec![date(2026, 2, 13)]
    );
}

#[test]
fn periods_refuse_bad_text_with_stable_codes() {
    for (text, code) in [
        ("", "period_shape"),
        ("26-02", "period_shape"),
        ("2026-2", "period_shape"),
        ("2026-Q5", "period_shape"),
        ("2026-Q0", "period_shape"),
        ("2026-13", "period_date"),
        ("2026-02-30", "period_date"),
        ("2026-02-1", "period_shape"),
        ("2026-02-01..", "period_shape"),
        ("2026-03-31..2026-01-01", "period_reversed"),
        ("2026-01-01T00:00", "period_shape"),
        ("２０２６", "period_shape"),
    ] {
        let err = Period::parse(text).expect_err(text);
        assert_eq!(err.code(), code, "{text}: {err}");
    }
    assert!(serde_json::from_str::<Period>("\"2026-Q9\"").is_err());
}

#[test]
fn previous_comparable_periods() {
    assert_eq!(
        Period::Day(date(2026, 3, 1)).previous(),
        Period::Day(date(2026, 2, 28))
    );
    assert_eq!(Period::Month(2026, 1).previous(), Period::Month(2025, 12));
    assert_eq!(Period::Month(2026, 3).previous(), Period::Month(2026, 2));
    assert_eq!(
        Period::Quarter(2026, 1).previous(),
        Period::Quarter(2025, 4)
    );
    assert_eq!(
        Period::Quarter(2026, 3).previous(),
        Period::Quarter(2026, 2)
    );
    assert_eq!(Period::Year(2026).previous(), Period::Year(2025));
    // Ten days 2026-03-01..10 → the ten days before: 2026-02-19..28.
    let custom = Period::custom(date(2026, 3, 1), date(2026, 3, 10)).expect("range");
    assert_eq!(
        custom.previous(),
        Period::Custom(date(2026, 2, 19), date(2026, 2, 28))
    );
    assert_eq!(custom.previous().len_days(), custom.len_days());
}

// ---------------------------------------------------------------- facts (domain.md §3)

/// 3 working days from Mon 02/03/2026 09:00: Mon 390 + Tue 480 + Wed 480 + Thu 90 → due
/// Thu 05/03 09:00.
fn accepted_monday(channel: Channel, seq: u32) -> Run {
    let mut run = Run::new(
        channel,
        seq,
        at(2026, 3, 2, 8, 0),
        TimeLimit::working_days(3),
    );
    run.accept(at(2026, 3, 2, 9, 0));
    assert_eq!(run.state.due, Some(at(2026, 3, 5, 9, 0)));
    run
}

#[test]
fn resolved_dossier_counts_on_its_result_day_with_working_minutes() {
    let mut run = accepted_monday(Channel::Online, 1);
    // Result Tue 03/03 10:00: Mon 09:00–17:00 = 150 + 240 = 390, Tue 07:30–10:00 = 150 → 540.
    run.resolve(at(2026, 3, 3, 10, 0));
    let f = &run.facts;
    assert_eq!(f.received_on, date(2026, 3, 2));
    assert_eq!(f.index_end, Some(at(2026, 3, 3, 10, 0)));
    assert_eq!(f.timeliness, Some(Timeliness::Early));
    assert_eq!(f.resolution_minutes, Some(540));
    assert_eq!(f.allowed_minutes, Some(1440));
    let tue = date(2026, 3, 3);
    assert_eq!(run.province(Metric::Resolved, tue), 1);
    assert_eq!(run.province(Metric::Early, tue), 1);
    assert_eq!(run.province(Metric::ResolutionMinutes, tue), 540);
    assert_eq!(run.province(Metric::AllowedMinutes, tue), 1440);
    assert_eq!(
        run.province(Metric::ReceivedOnline, date(2026, 3, 2)),
        1,
        "received counts on the day it entered"
    );
    assert_eq!(run.province(Metric::Accepted, date(2026, 3, 2)), 1);
    // The dossier counts in each of its dimensions.
    for dim in [
        Dimension::ReceivingAgency(eid(RECEIVING)),
        Dimension::CompetentAgency(eid(COMPETENT)),
        Dimension::Procedure(procedure(PROC)),
        Dimension::Field("Hộ tịch".into()),
        Dimension::Commune("25747".into()),
    ] {
        let key = CounterKey {
            day: tue,
            dim,
            metric: Metric::Resolved,
        };
        assert_eq!(run.counters.get(&key), 1, "{}", key.dim);
    }
}

#[test]
fn more_than_one_supplement_request_counts_as_late() {
    let mut run = accepted_monday(Channel::Online, 1);
    run.request_supplement(at(2026, 3, 2, 10, 0));
    run.act(
        &applicant_of(&run),
        Action::Supplement,
        at(2026, 3, 2, 11, 0),
    );
    run.request_supplement(at(2026, 3, 2, 14, 0));
    run.act(
        &applicant_of(&run),
        Action::Supplement,
        at(2026, 3, 2, 15, 0),
    );
    assert_eq!(run.state.supplement_requests, 2);
    // Not counted until it ends.
    assert_eq!(run.facts.timeliness, None);
    // Ready the next morning, two days before the (moved) due date: still late.
    run.resolve(at(2026, 3, 3, 9, 0));
    assert!(run.state.due.is_some_and(|due| due > at(2026, 3, 3, 9, 0)));
    assert_eq!(run.facts.timeliness, Some(Timeliness::Late));
    let tue = date(2026, 3, 3);
    assert_eq!(run.province(Metric::Late, tue), 1);
    assert_eq!(run.province(Metric::Early, tue), 0);
    assert!(run.facts.loses_points_on(Indicator::OnTime));
}

/// The owner of an online dossier is the applicant who submitted it.
fn applicant_of(run: &Run) -> Actor {
    match &run.state.applicant_id {
        Some(id) => Actor::applicant(id.clone()),
        None => one_stop(),
    }
}

#[test]
fn a_dossier_waiting_for_the_applicant_ends_at_the_request_time() {
    let mut run = accepted_monday(Channel::Online, 1);
    run.request_supplement(at(2026, 3, 3, 10, 0));
    let tue = date(2026, 3, 3);
    assert_eq!(run.facts.index_end, Some(at(2026, 3, 3, 10, 0)));
    assert_eq!(run.facts.timeliness, Some(Timeliness::Early));
    assert_eq!(run.province(Metric::Early, tue), 1);
    assert_eq!(run.province(Metric::WaitingSupplement, tue), 1);
    let waiting = province_report(&run.counters, Period::Month(2026, 3), at(2026, 3, 20, 9, 0));
    assert_eq!(waiting.processed, 1);
    assert_eq!(waiting.in_progress, 0);
    assert_eq!(waiting.overdue_now, 0, "a waiting dossier is not overdue");
    assert_eq!(waiting.paused.supplement, 1);

    // The applicant answers: it no longer ended; it ends again with its result, on Mon 09/03.
    run.act(
        &applicant_of(&run),
        Action::Supplement,
        at(2026, 3, 6, 9, 0),
    );
    assert_eq!(run.facts.index_end, None);
    assert_eq!(run.province(Metric::Early, tue), 0);
    assert_eq!(run.province(Metric::WaitingSupplement, tue), 0);
    run.resolve(at(2026, 3, 9, 10, 0));
    assert_eq!(run.province(Metric::Early, date(2026, 3, 9)), 1);
    let report = province_report(&run.counters, Period::Month(2026, 3), at(2026, 3, 20, 9, 0));
    assert_eq!((report.processed, report.early, report.resolved), (1, 1, 1));
}

#[test]
fn the_end_is_the_result_before_delivery_then_stop_or_refusal() {
    // 9 before 10: delivered on Wednesday, counted on Tuesday when the result was ready.
    let mut run = accepted_monday(Channel::Counter, 1);
    run.resolve(at(2026, 3, 3, 10, 0));
    run.act(&one_stop(), Action::Deliver, at(2026, 3, 4, 9, 0));
    assert_eq!(run.facts.index_end, Some(at(2026, 3, 3, 10, 0)));
    assert_eq!(run.province(Metric::Resolved, date(2026, 3, 3)), 1);
    assert_eq!(run.province(Metric::Resolved, date(2026, 3, 4)), 0);

    // 8: stopped, ends when stopped, and counts as processed.
    let mut stopped = accepted_monday(Channel::Counter, 2);
    stopped.act(
        &specialist(),
        Action::Stop {
            reason: "Không đủ điều kiện".into(),
        },
        at(2026, 3, 6, 9, 0),
    );
    let fri = date(2026, 3, 6);
    assert_eq!(stopped.facts.index_end, Some(at(2026, 3, 6, 9, 0)));
    assert_eq!(stopped.province(Metric::Stopped, fri), 1);
    assert_eq!(stopped.province(Metric::Late, fri), 1, "after Thu 09:00");
    assert_eq!(stopped.province(Metric::Resolved, fri), 0);

    // 3: refused at reception, never accepted, not processed.
    let mut refused = Run::new(
        Channel::Counter,
        3,
        at(2026, 3, 2, 8, 0),
        TimeLimit::working_days(3),
    );
    refused.act(
        &one_stop(),
        Action::Refuse {
            reason: "Không thuộc thẩm quyền".into(),
        },
        at(2026, 3, 2, 9, 0),
    );
    let mon = date(2026, 3, 2);
    assert_eq!(refused.facts.timeliness, None);
    assert_eq!(refused.province(Metric::Refused, mon), 1);
    assert_eq!(refused.province(Metric::ReceivedCounter, mon), 1);
    let report = province_report(&refused.counters, Period::Day(mon), at(2026, 3, 2, 12, 0));
    assert_eq!((report.received.total, report.processed), (1, 0));
}

#[test]
fn a_withdrawal_counts_only_after_acceptance() {
    let mut before = Run::new(
        Channel::Online,
        1,
        at(2026, 3, 2, 8, 0),
        TimeLimit::working_days(3),
    );
    before.act(
        &applicant_of(&before),
        Action::Withdraw,
        at(2026, 3, 2, 8, 30),
    );
    let mon = date(2026, 3, 2);
    assert_eq!(before.facts.timeliness, None);
    assert_eq!(before.province(Metric::Withdrawn, mon), 1);
    assert_eq!(before.province(Metric::Early, mon), 0);

    let mut after = accepted_monday(Channel::Online, 2);
    after.act(
        &applicant_of(&after),
        Action::Withdraw,
        at(2026, 3, 2, 15, 0),
    );
    assert_eq!(after.facts.timeliness, Some(Timeliness::Early));
    assert_eq!(after.province(Metric::Withdrawn, mon), 1);
    assert_eq!(after.province(Metric::Early, mon), 1);
}

#[test]
fn statuses_5_6_and_8_are_grouped_as_paused() {
    let mut counters = Counters::new();
    let mut supplement = accepted_monday(Channel::Online, 1);
    supplement.request_supplement(at(2026, 3, 3, 10, 0));
    counters.apply(supplement.counters.clone().into_vec());
    let mut fee = accepted_monday(Channel::Online, 2);
    fee.act(
        &specialist(),
        Action::RequestFinancialObligation { amount_vnd: 50_000 },
        at(2026, 3, 3, 11, 0),
    );
    counters.apply(fee.counters.clone().into_vec());
    let mut stopped = accepted_monday(Channel::Counter, 3);
    stopped.act(
        &specialist(),
        Action::Stop {
            reason: "Dừng".into(),
        },
        at(2026, 3, 4, 9, 0),
    );
    counters.apply(stopped.counters.clone().into_vec());
    let running = accepted_monday(Channel::Counter, 4);
    counters.apply(running.counters.clone().into_vec());

    let report = province_report(&counters, Period::Month(2026, 3), at(2026, 3, 4, 10, 0));
    assert_eq!(
        report.paused,
        PausedCounts {
            supplement: 1,
            financial_obligation: 1,
            stopped: 1,
            total: 3
        }
    );
    assert_eq!(report.in_progress, 1);
    assert_eq!(report.received.total, 4);
}

// ---------------------------------------------------------------- report

#[test]
fn report_rates_keep_numerators_and_denominators() {
    let mut counters = Counters::new();
    // Four dossiers in March 2026: two online (one of another procedure), one counter, one
    // postal; and one online in February that March must not count.
    let mut a = accepted_monday(Channel::Online, 1);
    a.set_extras(|e| {
        e.has_digitized_components = true;
        e.fee_bearing = true;
        e.paid_online = true;
        e.vneid_verified = true;
        e.synced_to_national = true;
    });
    a.resolve(at(2026, 3, 3, 10, 0)); // 540 minutes, early
    a.set_extras(|e| {
        e.electronic_result = true;
        e.linked_to_kho = true;
        e.satisfaction = Some(SatisfactionRating {
            level: SatisfactionLevel::VerySatisfied,
            rated_on: date(2026, 3, 4),
        });
    });
    let mut b = Run::for_procedure(
        "2.000635",
        Channel::Online,
        2,
        at(2026, 3, 2, 8, 0),
        TimeLimit::working_days(1),
    );
    b.accept(at(2026, 3, 2, 9, 0)); // due Tue 03/03 09:00
    b.set_extras(|e| {
        e.fee_bearing = true;
        e.satisfaction = Some(SatisfactionRating {
            level: SatisfactionLevel::Dissatisfied,
            rated_on: date(2026, 3, 5),
        });
    });
    let mut c = accepted_monday(Channel::Counter, 3);
    c.set_extras(|e| e.online_level = OnlineLevel::Partial);
    c.resolve(at(2026, 3, 6, 9, 0)); // after Thu 09:00: late; Mon 390 + Tue–Thu 1440 + Fri 90 = 1920
    let d = accepted_monday(Channel::Postal, 4);
    let feb = Run::new(
        Channel::Online,
        5,
        at(2026, 2, 27, 9, 0),
        TimeLimit::working_days(3),
    );
    for run in [&a, &b, &c, &d, &feb] {
        counters.apply(run.counters.clone().into_vec());
    }
    // At Tue 03/03 09:30, b (due 09:00) is overdue; d (due Thu) is not.
    let r = province_report(&counters, Period::Month(2026, 3), at(2026, 3, 3, 9, 30));
    assert_eq!(
        r.received,
        ReceivedCounts {
            counter: 1,
            online: 2,
            postal: 1,
            total: 4
        }
    );
    assert_eq!(r.online_rate, Ratio::new(2, 4));
    assert_eq!(r.online_rate.percent(), Some(50.0));
    // Full-online procedures: a, b, d (c's is partial); online among them: a, b.
    assert_eq!(r.full_online_rate, Ratio::new(2, 3));
    assert_eq!(r.digitized_rate, Ratio::new(1, 4));
    assert_eq!(r.online_payment_rate, Ratio::new(1, 2));
    assert_eq!(r.synced_rate, Ratio::new(1, 4));
    assert_eq!(r.vneid_rate, Ratio::new(1, 2));
    assert_eq!((r.resolved, r.early, r.on_time, r.late), (2, 1, 0, 1));
    assert_eq!(r.on_time_rate, Ratio::new(1, 2));
    assert_eq!(c.facts.resolution_minutes, Some(1920));
    assert_eq!(r.resolution_minutes, Ratio::new(540 + 1920, 2));
    assert_eq!(r.average_resolution_minutes(), Some(1230.0));
    assert_eq!(r.electronic_result_rate, Ratio::new(1, 2));
    assert_eq!(r.kho_rate, Ratio::new(1, 2));
    assert_eq!((r.in_progress, r.overdue_now), (2, 1));
    assert_eq!(r.overdue_rate, Ratio::new(1, 2));
    assert_eq!(
        r.procedures_with_online_dossiers,
        vec![procedure(PROC), procedure("2.000635")]
    );
    assert_eq!(r.satisfaction, Ratio::new(1, 2));
    assert_eq!(r.dissatisfied, 1);

    // February: only the dossier received then; the moment indicators are the same.
    let f = province_report(&counters, Period::Month(2026, 2), at(2026, 3, 3, 9, 30));
    assert_eq!(f.received.total, 1);
    assert_eq!(f.awaiting_acceptance, 1);
    assert_eq!((f.in_progress, f.overdue_now, f.resolved), (2, 1, 0));

    // Per procedure.
    let other = KpiReport::compute(
        &Dimension::Procedure(procedure("2.000635")),
        &Period::Month(2026, 3),
        at(2026, 3, 3, 9, 30),
        &counters,
    );
    assert_eq!(other.received.total, 1);
    assert_eq!(
        other.procedures_with_online_dossiers,
        vec![procedure("2.000635")]
    );
}

#[test]
fn overdue_starts_strictly_after_the_due_moment() {
    let run = accepted_monday(Channel::Counter, 1); // due Thu 05/03 09:00
    let at_due = province_report(&run.counters, Period::Month(2026, 3), at(2026, 3, 5, 9, 0));
    assert_eq!((at_due.in_progress, at_due.overdue_now), (1, 0));
    let after = province_report(
        &run.counters,
        Period::Month(2026, 3),
        at(2026, 3, 5, 9, 0)
            .checked_add(SignedDuration::from_secs(1))
            .expect("in range"),
    );
    assert_eq!(after.overdue_now, 1);
    assert_eq!(due_slot(at(2026, 3, 5, 9, 0)), 36);
    assert_eq!(due_slot(date(2026, 3, 5).at(9, 0, 1, 0)), 37);
    assert_eq!(slot_moment(date(2026, 3, 5), 36), at(2026, 3, 5, 9, 0));
}

#[test]
fn overdue_cut_splits_due_slots_as_the_report_does() {
    let days = [date(2026, 3, 4), date(2026, 3, 5), date(2026, 3, 6)];
    let moments = [
        date(2026, 3, 5).at(0, 0, 0, 0),
        date(2026, 3, 5).at(0, 0, 0, 1),
        date(2026, 3, 5).at(9, 0, 0, 0),
        date(2026, 3, 5).at(9, 0, 1, 0),
        date(2026, 3, 5).at(9, 14, 59, 999_999_999),
        date(2026, 3, 5).at(23, 45, 0, 0),
        date(2026, 3, 5).at(23, 59, 59, 0),
    ];
    for as_of in moments {
        let cut = overdue_cut(as_of);
        for day in days {
            for slot in 0..=MAX_SLOT {
                assert_eq!(
                    cut.is_overdue(day, slot),
                    slot_moment(day, slot) < as_of,
                    "{day} slot {slot} at {as_of}"
                );
            }
        }
        let (d, s) = cut.overdue_key();
        assert!(slot_moment(d, s) < as_of, "{as_of}");
        let (d, s) = cut.pending_key();
        assert!(slot_moment(d, s) >= as_of, "{as_of}");
    }
}

#[test]
fn counter_keys_round_trip_as_text() {
    let dims = [
        Dimension::Province,
        Dimension::ReceivingAgency(eid(RECEIVING)),
        Dimension::CompetentAgency(eid(COMPETENT)),
        Dimension::Field("Đất đai: cấp giấy".into()),
        Dimension::Procedure(procedure(PROC)),
        Dimension::Commune("25747".into()),
    ];
    for dim in dims {
        assert_eq!(Dimension::parse_key(&dim.key()), Ok(dim.clone()), "{dim}");
    }
    let mut metrics: Vec<Metric> = Metric::SIMPLE.to_vec();
    metrics.push(Metric::OnlineFor(procedure(PROC)));
    metrics.push(Metric::InProgressDue { slot: 0 });
    metrics.push(Metric::InProgressDue { slot: MAX_SLOT });
    let mut keys = std::collections::BTreeSet::new();
    for metric in &metrics {
        assert_eq!(Metric::parse_key(&metric.key()).as_ref(), Ok(metric));
        assert!(keys.insert(metric.key()), "duplicate key {}", metric.key());
    }
    for bad in [
        "",
        "nope",
        "receiving:x",
        "field:",
        "procedure:1-001193",
        "in_progress_due:97",
        "in_progress_due:036",
        "online_for:abc",
    ] {
        assert!(
            Dimension::parse_key(bad).is_err() && Metric::parse_key(bad).is_err(),
            "{bad}"
        );
    }
    assert!(Metric::InProgressDue { slot: 3 }.is_gauge());
    assert!(!Metric::Resolved.is_gauge());
}

// ---------------------------------------------------------------- the 766 index

#[test]
fn default_weights_sum_to_100_and_split_evenly() {
    let config = IndexConfig::default();
    assert!(config.validate().is_empty(), "{:?}", config.validate());
    let total: f64 = config.groups.iter().map(|g| g.points).sum();
    assert!(close(total, 100.0));
    let weights: Vec<f64> = config.groups.iter().map(|g| g.points).collect();
    assert_eq!(weights, [18.0, 20.0, 22.0, 22.0, 18.0]);
    let points = |id: &str| {
        let indicator = Indicator::from_id(id).expect("known");
        config.rule(indicator).expect("configured").points
    };
    assert!(close(points("1.1"), 4.5));
    assert!(close(points("2.1"), 10.0));
    assert!(close(points("3.3"), 4.4));
    assert!(close(points("4.4"), 4.4));
    assert!(close(points("5.4"), 4.5));
    let sum: f64 = config.indicators.iter().map(|r| r.points).sum();
    assert!(close(sum, 100.0));
    let threshold = |id: &str| {
        config
            .rule(Indicator::from_id(id).expect("known"))
            .expect("configured")
            .threshold
    };
    for (id, t) in [
        ("3.1", 0.8),
        ("3.3", 0.5),
        ("3.5", 0.8),
        ("4.2", 0.8),
        ("4.3", 0.8),
        ("5.4", 0.9),
        ("2.1", 1.0),
        ("4.4", 1.0),
    ] {
        assert!(close(threshold(id), t), "{id}");
    }
    // Configuration as JSON, indicators by number.
    let json = serde_json::to_string(&config).expect("serializes");
    assert!(json.contains("\"indicator\":\"4.4\""));
    let back: IndexConfig = serde_json::from_str(&json).expect("reads");
    assert_eq!(back, config);
}

#[test]
fn broken_configurations_are_reported() {
    let mut config = IndexConfig::default();
    config.groups[0].points = 20.0;
    config
        .indicators
        .retain(|r| r.indicator != Indicator::OnTime);
    if let Some(rule) = config.indicators.first_mut() {
        rule.threshold = 0.0;
    }
    let problems = config.validate();
    assert!(problems.contains(&IndexConfigProblem::GroupsNotHundred(102.0)));
    assert!(problems.contains(&IndexConfigProblem::MissingIndicator(Indicator::OnTime)));
    assert!(problems.contains(&IndexConfigProblem::BadThreshold(
        Indicator::PublishedOnTime
    )));
    assert!(problems
        .iter()
        .any(|p| matches!(p, IndexConfigProblem::GroupMismatch { group: 2, .. })));
}

#[test]
fn scoring_rule_examples() {
    // 40% against a 50% threshold on 4.4 points: 0.4 × 4.4 ÷ 0.5 = 3.52.
    assert!(close(points_for(0.4, 4.4, 0.5), 3.52));
    // 95% against 90%: full points.
    assert!(close(points_for(0.95, 4.5, 0.9), 4.5));
    assert!(close(points_for(0.9, 4.5, 0.9), 4.5));
    assert!(close(points_for(0.0, 4.5, 0.9), 0.0));
    assert!(close(points_for(1.5, 10.0, 1.0), 10.0));
}

/// A report where 2 of 5 resolved dossiers went to the Kho (40%), scored with 4.4's
/// threshold set to 50%.
#[test]
fn score_traces_every_indicator_and_rescales_unmeasured_ones() {
    let mut counters = Counters::new();
    for seq in 1..=5 {
        let mut run = accepted_monday(Channel::Online, seq);
        run.set_extras(|e| {
            e.linked_to_kho = seq <= 2;
            e.synced_to_national = true;
        });
        run.resolve(at(2026, 3, 3, 10, 0));
        if seq <= 2 {
            assert_eq!(run.facts.standing(Indicator::LinkedToKho), Standing::Earns);
        } else {
            assert!(run.facts.loses_points_on(Indicator::LinkedToKho));
        }
        counters.apply(run.counters.into_vec());
    }
    let report = province_report(&counters, Period::Month(2026, 3), at(2026, 3, 31, 17, 0));
    let mut config = IndexConfig::default();
    for rule in &mut config.indicators {
        if rule.indicator == Indicator::LinkedToKho {
            rule.threshold = 0.5;
        }
    }
    let s = score(&report, &IndexInputs::default(), &config);
    let get = |id: &str| {
        s.indicators
            .iter()
            .find(|i| i.id.to_string() == id)
            .expect("scored")
    };
    let kho = get("4.4");
    assert_eq!((kho.numerator, kho.denominator), (Some(2), Some(5)));
    assert!(close(kho.points, 3.52));
    assert!(close(kho.lost_points, 0.88));
    assert_eq!(kho.name_vi, "Hồ sơ kết nối Kho quản lý dữ liệu điện tử");
    let on_time = get("2.1");
    assert_eq!((on_time.numerator, on_time.denominator), (Some(5), Some(5)));
    assert!(close(on_time.points, 10.0));
    // 2.2: allowed 5 × 1440 of used 5 × 540: within the limit, full points.
    assert!(close(get("2.2").points, 10.0));
    // Publication and feedback need inputs tinhso does not have: not measured, no points lost.
    for id in [
        "1.1", "1.2", "1.3", "3.1", "3.2", "3.5", "5.1", "5.2", "5.3", "5.4",
    ] {
        let i = get(id);
        assert_eq!(i.not_measured, Some(NotMeasured::InputMissing), "{id}");
        assert_eq!((i.points, i.lost_points, i.rate), (0.0, 0.0, None), "{id}");
    }
    // Nothing was fee-bearing: 3.6 has an empty denominator.
    assert_eq!(get("3.6").not_measured, Some(NotMeasured::EmptyDenominator));
    // Measured: 1.4 (4.5), 2.1, 2.2 (10 each), 3.3 (4.4), 4.1–4.5 (4.4 each) = 50.9.
    assert!(close(s.measured_max_points, 50.9));
    // Earned: 1.4 4.5, 2.x 20, 3.3 4.4 (100% ≥ 50%), 4.1 0 (no e-result), 4.2 0, 4.3 0,
    // 4.4 3.52, 4.5 0 (no VNeID) = 32.42.
    assert!(close(s.earned_points, 32.42), "{}", s.earned_points);
    let total = s.total.expect("measured");
    assert!(close(total, 32.42 * 100.0 / 50.9));
    assert!(s.rescaled);
    let group4 = &s.groups[3];
    assert_eq!(group4.group, 4);
    assert!(close(group4.points, 3.52) && close(group4.max_points, 22.0));

    // Without rescaling, the total is the points earned.
    config.rescale_unmeasured = false;
    let unscaled = score(&report, &IndexInputs::default(), &config);
    assert!(close(unscaled.total.expect("measured"), 32.42));

    // Given the missing inputs, the indicators are measured: 5.4 = 100% − 0 late − 1
    // complaint of 5 → 80% against 90%: 0.8 × 4.5 ÷ 0.9 = 4.
    let inputs = IndexInputs {
        complaint_dossiers: Some(1),
        published_on_time: Some(Ratio::new(9, 10)),
        ..IndexInputs::default()
    };
    let s = score(&report, &inputs, &IndexConfig::default());
    let i54 = s
        .indicators
        .iter()
        .find(|i| i.id == Indicator::OverdueAndDislikes)
        .expect("scored");
    assert_eq!((i54.numerator, i54.denominator), (Some(4), Some(5)));
    assert!(close(i54.points, 4.0));
    let i11 = &s.indicators[0];
    assert!(close(i11.points, 0.9 * 4.5));

    // An empty report with no inputs measures nothing: no total, no number made up.
    let empty = province_report(
        &Counters::new(),
        Period::Month(2026, 3),
        at(2026, 3, 31, 17, 0),
    );
    let none = score(&empty, &IndexInputs::default(), &IndexConfig::default());
    assert_eq!(none.total, None);
    assert!(none.indicators.iter().all(|i| i.not_measured.is_some()));
}

#[test]
fn catalog_inputs_give_3_1_and_the_services_of_3_2() {
    let mut procedures = Vec::new();
    for (i, level) in [OnlineLevel::Full, OnlineLevel::Partial, OnlineLevel::None]
        .into_iter()
        .enumerate()
    {
        let json = format!(r#"{{"code":"1.00000{i}","name":"Thủ tục {i}"}}"#);
        let mut p: Procedure = serde_json::from_str(&json).expect("procedure");
        p.online_level = level;
        procedures.push(p);
    }
    let inputs = IndexInputs::from_catalog(&procedures);
    assert_eq!(inputs.procedures_online, Some(Ratio::new(2, 3)));
    assert_eq!(inputs.online_services, Some(2));
}

#[test]
fn ranks_share_ties_and_skip() {
    let with_total = |t: Option<f64>| IndexScore {
        total: t,
        earned_points: 0.0,
        measured_max_points: 0.0,
        max_points: 100.0,
        rescaled: true,
        groups: Vec::new(),
        indicators: Vec::new(),
    };
    let scores = vec![
        ("b", with_total(Some(80.001))),
        ("a", with_total(Some(90.0))),
        ("x", with_total(None)),
        ("c", with_total(Some(80.004))),
        ("d", with_total(Some(70.0))),
    ];
    assert_eq!(
        rank(&scores),
        vec![("a", 1), ("b", 2), ("c", 2), ("d", 4), ("x", 5)]
    );
    assert!(rank::<&str>(&[]).is_empty());
}

// ---------------------------------------------------------------- properties

fn fitting_actor(action: &Action, state: &Dossier) -> Actor {
    match action.kind() {
        ActionKind::Supplement | ActionKind::Pay | ActionKind::Withdraw => {
            match &state.applicant_id {
                Some(id) => Actor::applicant(id.clone()),
                None => one_stop(),
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

/// Moves weighted towards the main flow; the ones that end a dossier early are rarer.
fn action_of(pick: u8, param: u8, state: &Dossier) -> Action {
    let steps = ["appraise", "approve"];
    match pick % 24 {
        0..=3 => Action::Accept,
        4 => Action::Refuse {
            reason: "lý do".into(),
        },
        5..=6 => Action::RequestSupplement {
            reason: "lý do".into(),
        },
        7..=8 => Action::Supplement,
        9 => Action::RequestFinancialObligation { amount_vnd: 10_000 },
        10 => Action::Pay,
        11..=13 => Action::Forward {
            to_step: StepId::new(steps[usize::from(param) % steps.len()]),
        },
        14 => Action::TransferToAgency { eid: eid(OTHER) },
        15 => Action::ReturnFromAgency,
        16..=17 => Action::Approve,
        18 if param & 3 == 0 => Action::Stop {
            reason: "lý do".into(),
        },
        19 if param & 3 == 0 => Action::Withdraw,
        18..=20 => Action::ResultReady,
        21..=22 => Action::Deliver,
        _ => {
            let base = state.due.unwrap_or(at(2026, 3, 2, 9, 0));
            Action::ApologizeAndExtend {
                new_due: base
                    .checked_add(SignedDuration::from_hours(i64::from(param % 48)))
                    .unwrap_or(base),
                reason: "lý do".into(),
            }
        }
    }
}

fn extras_of(bits: u16, rated: Option<(u8, i64)>, start: DateTime) -> DossierExtras {
    let flag = |n: u16| bits & (1 << n) != 0;
    DossierExtras {
        online_level: [OnlineLevel::Full, OnlineLevel::Partial, OnlineLevel::None]
            [usize::from(bits >> 12) % 3],
        fields: if flag(0) {
            vec!["Hộ tịch".into(), "Chứng thực".into()]
        } else {
            vec!["Hộ tịch".into()]
        },
        commune_code: flag(1).then(|| "25747".to_string()),
        has_digitized_components: flag(2),
        reused_digitized_data: flag(3),
        fee_bearing: flag(4),
        paid_online: flag(5),
        electronic_result: flag(6),
        linked_to_kho: flag(7),
        synced_to_national: flag(8),
        vneid_verified: flag(9),
        satisfaction: rated.map(|(level, days)| SatisfactionRating {
            level: [
                SatisfactionLevel::VerySatisfied,
                SatisfactionLevel::Satisfied,
                SatisfactionLevel::Neutral,
                SatisfactionLevel::Dissatisfied,
            ][usize::from(level) % 4],
            rated_on: start
                .date()
                .checked_add(jiff::Span::new().days(days))
                .unwrap_or(start.date()),
        }),
    }
}

/// One random history: its counters kept by deltas, and its final facts.
fn random_history(
    seq: u32,
    start_minutes: i64,
    channel_pick: u8,
    moves: &[(u8, u8, i64, Option<u16>)],
    rated: Option<(u8, i64)>,
) -> Result<(Counters, KpiFacts), TestCaseError> {
    let calendar = WorkingCalendar::default();
    let code = if seq & 1 == 0 { PROC } else { "2.000635" };
    let wf = WorkflowDefinition::default_for(procedure(code));
    let r = ProcedureRules {
        workflow: &wf,
        calendar: &calendar,
        limit: TimeLimit::working_days(2),
        cutoff: None,
    };
    let mut now = at(2026, 1, 1, 0, 0)
        .checked_add(SignedDuration::from_mins(start_minutes))
        .expect("in range");
    let channel =
        [Channel::Counter, Channel::Online, Channel::Postal][usize::from(channel_pick) % 3];
    let intake = Intake {
        code: DossierCode::new(eid(RECEIVING), now.date(), seq).expect("code"),
        procedure_code: procedure(code),
        procedure_version: 1,
        channel,
        applicant_id: None,
        received_point: eid(POINT),
        receiving_agency: eid(RECEIVING),
        competent_agency: eid(COMPETENT),
    };
    let by = if channel == Channel::Online {
        applicant()
    } else {
        one_stop()
    };
    let first = submit(&intake, &by, now, &wf).expect("submission");
    let mut state = first.new_state;
    let mut extras = extras_of(0, None, now);
    let mut current = facts(&state, &extras, &rules(&calendar));
    let mut counters: Counters = delta(None, &current).into_iter().collect();
    for (pick, param, advance, new_bits) in moves {
        now = now
            .checked_add(SignedDuration::from_mins(*advance))
            .expect("in range");
        if let Some(bits) = new_bits {
            extras = extras_of(*bits, rated.filter(|_| bits % 3 == 0), now);
        }
        let action = action_of(*pick, *param, &state);
        let actor = fitting_actor(&action, &state);
        if let Ok(t) = decide(&state, &actor, &action, now, &r) {
            state = t.new_state;
        }
        let after = facts(&state, &extras, &rules(&calendar));
        let step = delta(Some(&current), &after);
        prop_assert!(step.windows(2).all(|w| w[0].0 < w[1].0), "delta sorted");
        prop_assert!(step.iter().all(|(_, v)| *v != 0), "no zero entries");
        counters.apply(step);
        current = after;
        // Every counter's sum stays non-negative, and a dossier is at most once in a gauge.
        for (key, value) in &counters {
            prop_assert!(*value >= 0, "{:?} = {}", key, value);
            if key.metric.is_gauge() {
                prop_assert_eq!(*value, 1);
            }
        }
    }
    Ok((counters, current))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Summing the deltas over any history gives the contributions of the final facts, and
    /// the province's counters describe one dossier sanely.
    #[test]
    fn deltas_sum_to_the_final_contributions(
        start_minutes in 0i64..(60 * 24 * 300),
        channel_pick in any::<u8>(),
        moves in prop::collection::vec(
            (any::<u8>(), any::<u8>(), 0i64..(60 * 30), prop::option::weighted(0.3, any::<u16>())),
            1..60,
        ),
        rated in prop::option::of((any::<u8>(), 0i64..30)),
    ) {
        let (counters, last) = random_history(1, start_minutes, channel_pick, &moves, rated)?;
        prop_assert_eq!(&counters, &contributions(&last));
        let mut province = std::collections::BTreeMap::new();
        for (key, value) in &counters {
            if key.dim == Dimension::Province {
                *province.entry(key.metric.clone()).or_insert(0i64) += value;
            }
        }
        let n = |m: Metric| province.get(&m).copied().unwrap_or(0);
        prop_assert_eq!(n(Metric::ReceivedCounter) + n(Metric::ReceivedOnline) + n(Metric::ReceivedPostal), 1);
        prop_assert!(n(Metric::Early) + n(Metric::OnTime) + n(Metric::Late) <= 1);
        prop_assert!(n(Metric::Resolved) <= n(Metric::Early) + n(Metric::OnTime) + n(Metric::Late));
        let gauges: i64 = province.iter().filter(|(m, _)| m.is_gauge()).map(|(_, v)| *v).sum();
        prop_assert!(gauges <= 1);
        let ended = n(Metric::Refused) + n(Metric::Withdrawn) + n(Metric::Stopped) + n(Metric::Resolved);
        prop_assert!(ended <= 1);
        prop_assert!(!(ended == 1 && gauges == 1), "an ended dossier is in no gauge");
    }

    /// Whatever the dossiers, inputs and thresholds, every indicator scores within
    /// [0, its points], the total within [0, 100], and the groups add up.
    #[test]
    fn scores_stay_within_their_bounds(
        histories in prop::collection::vec(
            (0i64..(60 * 24 * 60), any::<u8>(), prop::collection::vec(
                (any::<u8>(), any::<u8>(), 0i64..(60 * 30), prop::option::weighted(0.3, any::<u16>())),
                1..30,
            ), prop::option::of((any::<u8>(), 0i64..30))),
            1..6,
        ),
        thresholds in prop::collection::vec(0.05f64..=1.0, 20),
        ratios in prop::collection::vec(prop::option::of((0u64..50, 0u64..50)), 7),
        complaints in prop::option::of(0u64..10),
        services in prop::option::of(0u64..5),
        as_of_minutes in 0i64..(60 * 24 * 120),
    ) {
        let mut all = Counters::new();
        for (seq, (start, channel, moves, rated)) in histories.iter().enumerate() {
            let (counters, _) = random_history(seq as u32 + 1, *start, *channel, moves, *rated)?;
            all.apply(counters.into_vec());
        }
        let as_of = at(2026, 1, 1, 0, 0).checked_add(SignedDuration::from_mins(as_of_minutes)).expect("in range");
        let report = KpiReport::compute(&Dimension::Province, &Period::Year(2026), as_of, &all);
        prop_assert!(report.received.total == histories.len() as u64);
        // Grouped by dimension (as a store answers a ranking), in pieces and out of order,
        // each dimension's slice reports as the whole set does for that dimension.
        let mut builder = GroupedCountersBuilder::new();
        let keyed = all.clone().into_vec();
        for (key, value) in keyed.iter().rev() {
            let (half, rest) = (value / 2, value - value / 2);
            builder.add(key.clone(), half);
            builder.add(key.clone(), rest);
        }
        let grouped = builder.finish();
        prop_assert_eq!(grouped.keyed().len(), keyed.len());
        for (dim, counters) in grouped.iter() {
            for period in [Period::Year(2026), Period::Month(2026, 2)] {
                prop_assert_eq!(
                    KpiReport::of_counters(dim, &period, as_of, counters),
                    KpiReport::compute(dim, &period, as_of, &all)
                );
            }
            prop_assert_eq!(grouped.of(dim), counters);
        }
        prop_assert!(grouped.of(&Dimension::Commune("none".into())).is_empty());
        prop_assert!(report.overdue_now <= report.in_progress);
        let mut config = IndexConfig::default();
        for (rule, t) in config.indicators.iter_mut().zip(&thresholds) {
            rule.threshold = *t;
        }
        let ratio = |i: usize| ratios[i].map(|(a, b)| Ratio::new(a, b));
        let inputs = IndexInputs {
            published_on_time: ratio(0),
            published_in_database: ratio(1),
            complete_records: ratio(2),
            procedures_online: ratio(3),
            online_services: services,
            fee_procedures_payable_online: ratio(4),
            feedback_classified: ratio(5),
            feedback_handled_in_time: ratio(6),
            feedback_satisfaction: ratio(0),
            complaint_dossiers: complaints,
        };
        let s = score(&report, &inputs, &config);
        for i in &s.indicators {
            prop_assert!(i.points >= 0.0 && i.points <= i.max_points + 1e-9, "{:?}", i);
            prop_assert!(i.lost_points >= 0.0 && i.lost_points <= i.max_points + 1e-9);
            if i.not_measured.is_some() {
                prop_assert_eq!(i.points, 0.0);
            } else {
                prop_assert!(close(i.points + i.lost_points, i.max_points));
            }
        }
        let group_sum: f64 = s.groups.iter().map(|g| g.points).sum();
        prop_assert!(close(group_sum, s.earned_points));
        for g in &s.groups {
            prop_assert!(g.points <= g.measured_max_points + 1e-9);
            prop_assert!(g.measured_max_points <= g.max_points + 1e-9);
        }
        if let Some(total) = s.total {
            prop_assert!((0.0..=100.0 + 1e-9).contains(&total), "{}", total);
        } else {
            prop_assert_eq!(s.measured_max_points, 0.0);
        }
    }

    #[test]
    fn points_stay_within_zero_and_max(rate in -1.0f64..3.0, points in 0.0f64..25.0, threshold in 0.01f64..=1.0) {
        let p = points_for(rate, points, threshold);
        prop_assert!((0.0..=points).contains(&p));
        if rate >= threshold {
            prop_assert_eq!(p, points);
        }
    }

    #[test]
    fn parsed_periods_round_trip(y in 1000i16..9999, m in 1i8..=12, q in 1i8..=4, d in 1i8..=28, len in 0i64..800) {
        for period in [Period::Year(y), Period::Month(y, m), Period::Quarter(y, q), Period::Day(date(y, m, d))] {
            prop_assert_eq!(Period::parse(&period.to_string()), Ok(period));
            prop_assert_eq!(period.days().count() as i64, period.len_days());
            let prev = period.previous();
            prop_assert!(prev.last_day() < period.first_day());
        }
        let from = date(2026, m, d);
        let to = from.checked_add(jiff::Span::new().days(len)).expect("in range");
        let custom = Period::custom(from, to).expect("ordered");
        prop_assert_eq!(Period::parse(&custom.to_string()), Ok(custom));
        prop_assert_eq!(custom.len_days(), len + 1);
        let prev = custom.previous();
        prop_assert_eq!(prev.len_days(), custom.len_days());
        prop_assert_eq!(prev.last_day().tomorrow().expect("in range"), custom.first_day());
    }
}

#[test]
fn portal_stars_map_to_satisfaction_levels_and_back() {
    assert_eq!(
        SatisfactionLevel::from_stars(5),
        Some(SatisfactionLevel::VerySatisfied)
    );
    assert_eq!(
        SatisfactionLevel::from_stars(4),
        Some(SatisfactionLevel::Satisfied)
    );
    assert_eq!(
        SatisfactionLevel::from_stars(3),
        Some(SatisfactionLevel::Neutral)
    );
    // One or two stars is the "dislike" of 5.4.
    for stars in [1, 2] {
        assert_eq!(
            SatisfactionLevel::from_stars(stars),
            Some(SatisfactionLevel::Dissatisfied)
        );
    }
    for stars in [0, 6, 255] {
        assert_eq!(SatisfactionLevel::from_stars(stars), None);
    }
    for level in [
        SatisfactionLevel::VerySatisfied,
        SatisfactionLevel::Satisfied,
        SatisfactionLevel::Neutral,
        SatisfactionLevel::Dissatisfied,
    ] {
        assert_eq!(SatisfactionLevel::from_stars(level.stars()), Some(level));
    }
}
