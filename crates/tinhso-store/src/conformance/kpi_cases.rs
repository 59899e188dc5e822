//! Conformance cases of the KPI aggregates (issue 5, [`crate::kpi`]): the counters move with
//! every dossier write, agree with a plain recomputation from the dossiers through the domain
//! and with a rebuild, at every grain, after random workloads; periods, scopes, splits and
//! drill-down lists read them correctly.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::{date, Date, DateTime};
use jiff::{Timestamp, ToSpan};
use tinhso_domain::calendar::{TimeLimit, WorkingCalendar};
use tinhso_domain::catalog::{Channel, OnlineLevel};
use tinhso_domain::dossier::{
    decide, default_steps, submit, Action, Actor, ClassifyOptions, Dossier, DossierCode, Intake,
    ProcedureRules, Role, StepId, Transition, WorkflowDefinition,
};
use tinhso_domain::kpi::{
    contributions, facts, CounterKey, Counters, Dimension, DossierExtras, FactRules,
    GroupedCounters, Indicator, KpiFacts, KpiReport, Metric, Period, Standing,
};

use super::{code, eid, join_all};
use crate::dossiers::{Applicant, DossierUpdate, DossierWrite, NewDossier, WriteError};
use crate::kpi::{
    defining_day, rating_satisfaction, BulkCounters, BulkLoad, CounterChanges, DefiningDay,
    DimensionKind, Grain, KpiDossierQuery, KpiQuery, KpiScope, KpiSplit,
};
use crate::ratings::DossierRating;
use crate::Store;

/// A small deterministic generator (SplitMix64): the workloads are random but reproducible.
pub struct SeededRng(u64);

impl SeededRng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const AGENCIES: [&str; 3] = ["000.00.04.H40", "000.21.30.H40", "000.00.05.H40"];
const PROCEDURES: [(&str, &[&str]); 3] = [
    ("1.001193", &["Hộ tịch"]),
    ("2.000635", &["Đất đai", "Xây dựng"]),
    ("1.000656", &["Hộ tịch"]),
];
const COMMUNES: [&str; 3] = ["29260", "29263", "29266"];

/// One dossier of a simulated workload: its state and extras as the workload left them.
struct Simulated {
    id: i64,
    events: u32,
    state: Dossier,
    extras: DossierExtras,
    workflow: WorkflowDefinition,
}

fn calendar() -> WorkingCalendar {
    WorkingCalendar::default()
}

fn rules(calendar: &WorkingCalendar) -> FactRules<'_> {
    FactRules {
        calendar,
        classify: ClassifyOptions::default(),
    }
}

fn actors(state: &Dossier) -> Vec<Actor> {
    let mut out = Vec::new();
    if let Some(id) = &state.applicant_id {
        out.push(Actor::applicant(id.clone()));
    }
    for agency in [&state.receiving_agency, &state.competent_agency] {
        for role in [
            Role::OneStopOfficer,
            Role::Specialist,
            Role::Leader,
            Role::Clerk,
        ] {
            out.push(Actor::officer(role, agency.clone(), format!("{role:?}")));
        }
    }
    out
}

/// A random action, weighted toward progress.
fn random_action(rng: &mut SeededRng) -> Action {
    let reason = || "Thiếu giấy tờ".to_string();
    match rng.below(20) {
        0..=4 => Action::Accept,
        5 => Action::Refuse { reason: reason() },
        6 | 7 => Action::RequestSupplement { reason: reason() },
        8 | 9 => Action::Supplement,
        10 => Action::RequestFinancialObligation { amount_vnd: 50_000 },
        11 => Action::Pay,
        12 | 13 => Action::Forward {
            to_step: StepId::new(default_steps::APPROVE),
        },
        14 => Action::Approve,
        15 => Action::Stop { reason: reason() },
        16 => Action::Withdraw,
        17 | 18 => Action::ResultReady,
        _ => Action::Deliver,
    }
}

/// Tries `action` as every actor that could do it; the first transition the domain allows.
fn try_action(
    sim: &Simulated,
    action: &Action,
    now: DateTime,
    calendar: &WorkingCalendar,
) -> Option<Transition> {
    let rules = ProcedureRules {
        workflow: &sim.workflow,
        calendar,
        limit: TimeLimit::working_days(3),
        cutoff: None,
    };
    actors(&sim.state)
        .iter()
        .find_map(|actor| decide(&sim.state, actor, action, now, &rules).ok())
}

/// Random extras of a new dossier.
fn random_extras(rng: &mut SeededRng, fields: &[&str]) -> DossierExtras {
    DossierExtras {
        online_level: *rng.pick(&[OnlineLevel::Full, OnlineLevel::Partial, OnlineLevel::None]),
        fields: fields.iter().map(|f| f.to_string()).collect(),
        commune_code: rng.chance(0.8).then(|| rng.pick(&COMMUNES).to_string()),
        has_digitized_components: rng.chance(0.6),
        reused_digitized_data: rng.chance(0.3),
        fee_bearing: rng.chance(0.4),
        paid_online: rng.chance(0.5),
        electronic_result: false,
        linked_to_kho: false,
        synced_to_national: rng.chance(0.9),
        vneid_verified: rng.chance(0.5),
        satisfaction: None,
    }
}

/// Extras that change as a dossier moves: results issued electronically, online payments.
/// (Ratings are recorded through [`crate::RatingStore::rate_dossier`], see [`rate_some`].)
fn evolve_extras(rng: &mut SeededRng, extras: &mut DossierExtras, state: &Dossier) {
    if state.result_ready_at.is_some() && rng.chance(0.5) {
        extras.electronic_result = true;
        extras.linked_to_kho = rng.chance(0.5);
    }
    if rng.chance(0.05) {
        extras.paid_online = !extras.paid_online;
    }
}

fn new_write(
    rng: &mut SeededRng,
    calendar: &WorkingCalendar,
    n: usize,
    received: DateTime,
) -> (NewDossier, DossierExtras, WorkflowDefinition) {
    let agency = eid(AGENCIES[rng.below(AGENCIES.len() as u64) as usize]);
    let competent = if rng.chance(0.3) {
        eid(AGENCIES[rng.below(AGENCIES.len() as u64) as usize])
    } else {
        agency.clone()
    };
    let (procedure, fields) = *rng.pick(&PROCEDURES);
    let procedure = code(procedure);
    let workflow = WorkflowDefinition::default_for(procedure.clone());
    let online = rng.chance(0.5);
    let channel = if online {
        Channel::Online
    } else {
        *rng.pick(&[Channel::Counter, Channel::Postal])
    };
    let applicant = format!("citizen-{n}");
    let intake = Intake {
        code: DossierCode::new(agency.clone(), received.date(), 1).expect("placeholder code"),
        procedure_code: procedure,
        procedure_version: 1,
        channel,
        applicant_id: online.then(|| applicant.clone()),
        received_point: agency.clone(),
        receiving_agency: agency.clone(),
        competent_agency: competent,
    };
    let actor = if online {
        Actor::applicant(applicant)
    } else {
        Actor::officer(Role::OneStopOfficer, agency.clone(), "mc")
    };
    let t = submit(&intake, &actor, received, &workflow).expect("submission");
    let extras = random_extras(rng, fields);
    let kpi = facts(&t.new_state, &extras, &rules(calendar));
    let new = NewDossier {
        code_agency: agency,
        code_date: received.date(),
        dossier: t.new_state,
        event: t.event,
        applicant: Applicant {
            name: format!("Người {n}"),
            ..Applicant::default()
        },
        form: serde_json::json!({}),
        attachments: Vec::new(),
        lookup_secret_hash: "ab".repeat(32),
        outbox: Vec::new(),
        idempotency: None,
        comment: String::new(),
        kpi,
    };
    (new, extras, workflow)
}

/// Rates some ended dossiers not yet rated, 1–5 stars, through the store (the portal's path):
/// the rating moves the satisfaction counters in its own transaction. Each is also rated a
/// second time, which must fail and change nothing. The simulated extras follow.
async fn rate_some(
    store: &dyn Store,
    rng: &mut SeededRng,
    sims: &mut [Simulated],
    clocks: &HashMap<i64, DateTime>,
) {
    for sim in sims.iter_mut() {
        if sim.state.ended_at.is_none() || sim.extras.satisfaction.is_some() || !rng.chance(0.4) {
            continue;
        }
        let stars = 1 + rng.below(5) as u8;
        // Some hours after the dossier's latest event, in local time (UTC+7).
        let local = clocks[&sim.id]
            .checked_add((1 + rng.below(40) as i64).hours())
            .expect("time");
        let rated_at = jiff::tz::Offset::constant(7)
            .to_timestamp(local)
            .expect("instant");
        let rating = DossierRating {
            dossier_id: sim.id,
            rating: stars,
            comment: String::new(),
            rated_at,
        };
        store.rate_dossier(&rating).await.expect("rating");
        let again = DossierRating {
            rating: 1 + (stars % 5),
            ..rating
        };
        assert!(
            store.rate_dossier(&again).await.is_err(),
            "a second rating is refused"
        );
        let satisfaction = rating_satisfaction(stars, rated_at).expect("1–5");
        assert_eq!(satisfaction.rated_on, local.date());
        sim.extras.satisfaction = Some(satisfaction);
    }
}

/// What the domain says the counters are: the contributions of every dossier's facts,
/// recomputed from its stored state.
async fn recomputed(store: &dyn Store, sims: &[Simulated]) -> Counters {
    let calendar = calendar();
    let mut out = Counters::new();
    for sim in sims {
        let stored = store
            .dossier_by_id(sim.id)
            .await
            .expect("read")
            .expect("dossier");
        assert_eq!(stored.dossier.status, sim.state.status, "{}", sim.id);
        let f = facts(&stored.dossier, &sim.extras, &rules(&calendar));
        let kept = store.kpi_facts(sim.id).await.expect("facts").expect("kept");
        assert_eq!(kept, f, "stored facts of dossier {}", sim.id);
        out.apply(contributions(&f).into_vec());
    }
    out
}

async fn stored_day_counters(store: &dyn Store) -> Counters {
    let mut out: Counters = store
        .kpi_stored_counters(Grain::Day)
        .await
        .expect("day counters")
        .into_iter()
        .collect();
    out.apply(
        store
            .kpi_stored_counters(Grain::Gauge)
            .await
            .expect("gauges"),
    );
    out
}

/// The month and year rows are the sums of the day rows.
async fn assert_grains_agree(store: &dyn Store) {
    let days = store
        .kpi_stored_counters(Grain::Day)
        .await
        .expect("day counters");
    for grain in [Grain::Month, Grain::Year] {
        let mut expected: BTreeMap<CounterKey, i64> = BTreeMap::new();
        for (key, value) in &days {
            let mut k = key.clone();
            k.day = grain.bucket(key.day);
            *expected.entry(k).or_default() += value;
        }
        expected.retain(|_, v| *v != 0);
        let stored: BTreeMap<CounterKey, i64> = store
            .kpi_stored_counters(grain)
            .await
            .expect("counters")
            .into_iter()
            .collect();
        assert_eq!(stored, expected, "{grain:?} rows sum the day rows");
    }
}

fn scopes() -> Vec<Dimension> {
    let mut out = vec![Dimension::Province];
    for a in AGENCIES {
        out.push(Dimension::ReceivingAgency(eid(a)));
        out.push(Dimension::CompetentAgency(eid(a)));
    }
    for (p, _) in PROCEDURES {
        out.push(Dimension::Procedure(code(p)));
    }
    out.push(Dimension::Field("Hộ tịch".into()));
    out.push(Dimension::Field("Đất đai".into()));
    out.push(Dimension::Commune(COMMUNES[0].into()));
    out
}

fn periods() -> Vec<Period> {
    vec![
        Period::Month(2026, 2),
        Period::Quarter(2026, 1),
        Period::Year(2026),
        Period::Year(2025),
        Period::Day(date(2026, 2, 16)),
        Period::custom(date(2025, 12, 20), date(2026, 2, 27)).expect("period"),
        Period::custom(date(2025, 1, 1), date(2027, 12, 31)).expect("period"),
    ]
}

/// Reports read through the store equal reports computed from the domain's counters, for
/// every scope, period and split.
async fn assert_reports_agree(store: &dyn Store, expected: &Counters, as_of: DateTime) {
    for period in periods() {
        for scope in scopes() {
            let got = store
                .kpi_counters(&KpiQuery {
                    gauges: Some(as_of),
                    ..KpiQuery::flows(KpiScope::One(scope.clone()), period, KpiSplit::Whole)
                })
                .await
                .expect("counters");
            let want = KpiReport::compute(&scope, &period, as_of, expected.iter());
            assert!(
                got.dimensions().all(|d| d == &scope),
                "{scope}: only its own counters"
            );
            let have = KpiReport::of_counters(&scope, &period, as_of, got.of(&scope));
            assert_eq!(have, want, "{scope} over {period}");
        }
        // Every agency at once (rankings) agrees with each alone.
        let every = store
            .kpi_counters(&KpiQuery {
                gauges: Some(as_of),
                ..KpiQuery::flows(
                    KpiScope::Every(DimensionKind::CompetentAgency),
                    period,
                    KpiSplit::Whole,
                )
            })
            .await
            .expect("every agency");
        for a in AGENCIES {
            let scope = Dimension::CompetentAgency(eid(a));
            let want = KpiReport::compute(&scope, &period, as_of, expected.iter());
            let have = KpiReport::of_counters(&scope, &period, as_of, every.of(&scope));
            assert_eq!(have, want, "every agency: {scope} over {period}");
        }
        // Months and days: each bucket's report is the report of its part of the period.
        for split in [KpiSplit::Month, KpiSplit::Day] {
            let got = store
                .kpi_counters(&KpiQuery::flows(
                    KpiScope::One(Dimension::Province),
                    period,
                    split,
                ))
                .await
                .expect("split");
            let mut buckets: BTreeMap<Date, Vec<(CounterKey, i64)>> = BTreeMap::new();
            for (k, v) in got.keyed() {
                buckets.entry(k.day).or_default().push((k, v));
            }
            for (start, rows) in buckets {
                let end = match split {
                    KpiSplit::Month => start.last_of_month().min(period.last_day()),
                    _ => start,
                };
                let part = Period::custom(start, end).expect("part");
                let want = KpiReport::compute(&Dimension::Province, &part, as_of, expected.iter());
                let have = KpiReport::compute(
                    &Dimension::Province,
                    &part,
                    as_of,
                    rows.iter().map(|(k, v)| (k, v)),
                );
                assert_eq!(
                    (have.received, have.processed, have.late, have.resolved),
                    (want.received, want.processed, want.late, want.resolved),
                    "{split:?} bucket {part}"
                );
            }
        }
        // A heat table's read: only the metrics asked for, every agency, month by month.
        let timeliness = vec![Metric::Early, Metric::OnTime, Metric::Late];
        let got = store
            .kpi_counters(&KpiQuery {
                metrics: Some(timeliness.clone()),
                ..KpiQuery::flows(
                    KpiScope::Every(DimensionKind::CompetentAgency),
                    period,
                    KpiSplit::Month,
                )
            })
            .await
            .expect("heat");
        let mut want: BTreeMap<(Dimension, Date, Metric), i64> = BTreeMap::new();
        for (k, v) in expected.iter() {
            if matches!(k.dim, Dimension::CompetentAgency(_))
                && timeliness.contains(&k.metric)
                && period.contains(k.day)
            {
                let month = k.day.first_of_month().max(period.first_day());
                *want
                    .entry((k.dim.clone(), month, k.metric.clone()))
                    .or_default() += v;
            }
        }
        want.retain(|_, v| *v != 0);
        let have: BTreeMap<(Dimension, Date, Metric), i64> = got
            .keyed()
            .into_iter()
            .map(|(k, v)| ((k.dim, k.day, k.metric), v))
            .collect();
        assert_eq!(have, want, "timeliness by agency and month over {period}");
        // Nothing asked, nothing read.
        let none = store
            .kpi_counters(&KpiQuery {
                metrics: Some(Vec::new()),
                ..KpiQuery::flows(KpiScope::One(Dimension::Province), period, KpiSplit::Whole)
            })
            .await
            .expect("no metric");
        assert!(none.is_empty());
    }
    // Gauges summed at a moment read as every slot would, on either side of each due moment
    // and at midnight.
    let mut moments = vec![as_of, as_of.date().at(0, 0, 0, 0)];
    for (k, _) in expected.iter() {
        if let Metric::InProgressDue { slot } = k.metric {
            let due = tinhso_domain::kpi::slot_moment(k.day, slot);
            moments.push(due);
            moments.extend(due.checked_add(1.second()).ok());
            moments.extend(due.checked_sub(1.minute()).ok());
            if moments.len() > 12 {
                break;
            }
        }
    }
    for moment in moments {
        for scope in [
            KpiScope::One(Dimension::Province),
            KpiScope::Every(DimensionKind::CompetentAgency),
        ] {
            let got = store
                .kpi_counters(&KpiQuery {
                    gauges: Some(moment),
                    ..KpiQuery::flows(scope.clone(), Period::Year(2026), KpiSplit::Whole)
                })
                .await
                .expect("gauges");
            let dims: Vec<Dimension> = match &scope {
                KpiScope::One(d) => vec![d.clone()],
                KpiScope::Every(_) => AGENCIES
                    .iter()
                    .map(|a| Dimension::CompetentAgency(eid(a)))
                    .collect(),
            };
            for dim in dims {
                let period = Period::Year(2026);
                let want = KpiReport::compute(&dim, &period, moment, expected.iter());
                let have = KpiReport::of_counters(&dim, &period, moment, got.of(&dim));
                assert_eq!(
                    (
                        have.in_progress,
                        have.overdue_now,
                        have.awaiting_acceptance,
                        have.paused
                    ),
                    (
                        want.in_progress,
                        want.overdue_now,
                        want.awaiting_acceptance,
                        want.paused
                    ),
                    "gauges of {dim} at {moment}"
                );
            }
        }
    }
}

/// The drill-down lists name exactly the dossiers that lose points, in the period of the
/// defining event.
async fn assert_drill_down_agrees(store: &dyn Store, sims: &[Simulated]) {
    let calendar = calendar();
    let all: Vec<(i64, KpiFacts)> = sims
        .iter()
        .map(|s| (s.id, facts(&s.state, &s.extras, &rules(&calendar))))
        .collect();
    for indicator in [
        Indicator::OnTime,
        Indicator::OnlineDossiers,
        Indicator::PaidOnline,
        Indicator::ElectronicResult,
        Indicator::OverdueAndDislikes,
    ] {
        for period in [Period::Quarter(2026, 1), Period::Month(2026, 2)] {
            for scope in scopes() {
                let day_of = |f: &KpiFacts| match defining_day(indicator) {
                    Some(DefiningDay::Received) => Some(f.received_on),
                    Some(DefiningDay::IndexEnd) => f.index_end.map(|e| e.date()),
                    None => None,
                };
                // In (defining day, id) order.
                let mut want: Vec<(Date, i64)> = all
                    .iter()
                    .filter(|(_, f)| f.standing(indicator) == Standing::Loses)
                    .filter(|(_, f)| f.dimensions().contains(&scope))
                    .filter_map(|(id, f)| {
                        day_of(f).filter(|d| period.contains(*d)).map(|d| (d, *id))
                    })
                    .collect();
                want.sort_unstable();
                let want: Vec<i64> = want.into_iter().map(|(_, id)| id).collect();
                // Read in pages of 3 to check the keyset pagination too.
                let mut got = Vec::new();
                let mut after = None;
                loop {
                    let page = store
                        .kpi_dossiers(&KpiDossierQuery {
                            scope: scope.clone(),
                            indicator,
                            period,
                            limit: 3,
                            after_id: after,
                        })
                        .await
                        .expect("drill-down");
                    if page.is_empty() {
                        break;
                    }
                    after = page.last().map(|d| d.dossier_id);
                    got.extend(page.into_iter().map(|d| d.dossier_id));
                }
                assert_eq!(got, want, "{indicator} {scope} {period}");
            }
        }
    }
}

/// Random workloads (intake on every channel, every action of §2 through the domain, pauses,
/// results, withdrawals, ratings, failed writes, groups that fall back to one write at a time)
/// leave counters that equal a plain recomputation from the dossiers and a rebuild, at every
/// grain, for every scope, period and split.
pub async fn kpi_random_workload_matches_rebuild(store: &dyn Store) {
    let calendar = calendar();
    let mut rng = SeededRng::new(0x7145_0766);
    let at = Timestamp::from_second(1_770_000_000).expect("instant");
    let mut sims: Vec<Simulated> = Vec::new();
    let mut clocks: HashMap<i64, DateTime> = HashMap::new();
    let start = date(2025, 12, 15).at(7, 30, 0, 0);
    for round in 0..8 {
        // Intake: a group of new dossiers on random days around Tết 2026 (17/2).
        let mut news = Vec::new();
        let mut meta = Vec::new();
        for i in 0..10 {
            let received = start
                .checked_add((rng.below(90) as i64).days())
                .and_then(|d| d.checked_add((rng.below(9 * 60) as i64).minutes()))
                .expect("day");
            let (new, extras, workflow) = new_write(&mut rng, &calendar, round * 100 + i, received);
            meta.push((new.dossier.clone(), extras, workflow, received));
            news.push(DossierWrite::Create(Box::new(new)));
        }
        let results = store.write_dossiers(news, at).await.expect("intake group");
        for (result, (mut state, extras, workflow, received)) in results.into_iter().zip(meta) {
            let outcome = result.expect("intake");
            state.code = outcome.code;
            clocks.insert(outcome.dossier_id, received);
            sims.push(Simulated {
                id: outcome.dossier_id,
                events: 1,
                state,
                extras,
                workflow,
            });
        }
        // Moves: random actions on random dossiers, up to two consecutive ones per dossier in
        // one group, concurrently with a second group.
        let mut groups: Vec<Vec<DossierWrite>> = vec![Vec::new(), Vec::new()];
        let mut planned: Vec<(usize, usize, Dossier, DossierExtras)> = Vec::new();
        let count = sims.len();
        let mut touched = std::collections::HashSet::new();
        for _ in 0..count {
            let index = rng.below(count as u64) as usize;
            if !touched.insert(index) {
                continue;
            }
            let group = rng.below(2) as usize;
            let mut state = sims[index].state.clone();
            let mut extras = sims[index].extras.clone();
            let mut events = sims[index].events;
            for _ in 0..=rng.below(2) {
                let now = clocks[&sims[index].id]
                    .checked_add((30 + rng.below(3000) as i64).minutes())
                    .expect("time");
                let probe = Simulated {
                    id: sims[index].id,
                    events,
                    state: state.clone(),
                    extras: extras.clone(),
                    workflow: sims[index].workflow.clone(),
                };
                let Some(t) = (0..6)
                    .find_map(|_| try_action(&probe, &random_action(&mut rng), now, &calendar))
                else {
                    break;
                };
                clocks.insert(sims[index].id, now);
                evolve_extras(&mut rng, &mut extras, &t.new_state);
                let kpi = facts(&t.new_state, &extras, &rules(&calendar));
                groups[group].push(DossierWrite::Update(Box::new(DossierUpdate {
                    dossier_id: sims[index].id,
                    expected_events: events,
                    new_state: t.new_state.clone(),
                    event: t.event,
                    attachments: Vec::new(),
                    outbox: Vec::new(),
                    idempotency: None,
                    comment: String::new(),
                    kpi,
                })));
                events += 1;
                state = t.new_state;
            }
            if events != sims[index].events {
                planned.push((index, events as usize, state, extras));
            }
        }
        // Writes that must fail alone and change no counter: a stale event count, facts that
        // do not describe the state.
        if let Some(sim) = sims.first() {
            let stale = DossierUpdate {
                dossier_id: sim.id,
                expected_events: 0,
                new_state: sim.state.clone(),
                event: tinhso_domain::dossier::DossierEvent {
                    at: sim.state.last_event_at,
                    actor: Actor::applicant("x"),
                    from_status: Some(sim.state.status),
                    to_status: sim.state.status,
                    from_step: None,
                    to_step: None,
                    detail: tinhso_domain::dossier::EventDetail::Forwarded,
                },
                attachments: Vec::new(),
                outbox: Vec::new(),
                idempotency: None,
                comment: String::new(),
                kpi: facts(&sim.state, &sim.extras, &rules(&calendar)),
            };
            groups[0].push(DossierWrite::Update(Box::new(stale)));
            // Wrong facts on a new dossier: refused before anything is written.
            let (mut bad, _, _) = new_write(&mut rng, &calendar, 9999, start);
            bad.kpi.status = tinhso_domain::dossier::NationalStatus::Delivered;
            groups[1].push(DossierWrite::Create(Box::new(bad)));
        }
        if round % 3 == 2 {
            // An update of a dossier that does not exist in a group that creates one: the
            // group runs one write at a time, each in its savepoint.
            groups[1].push(DossierWrite::Flag {
                dossier_id: i64::MAX,
                flag: crate::dossiers::DeadlineFlag::Late,
                at,
            });
            let (new, _, _) = new_write(&mut rng, &calendar, 9998, start);
            let mut lying = new.clone();
            lying.kpi.received_on = date(2020, 1, 1);
            groups[1].push(DossierWrite::Create(Box::new(lying)));
        }
        let results = join_all(
            groups
                .into_iter()
                .map(|writes| store.write_dossiers(writes, at))
                .collect(),
        )
        .await;
        let mut failures = 0;
        for result in results {
            for outcome in result.expect("group") {
                match outcome {
                    Ok(_) => {}
                    Err(WriteError::Conflict | WriteError::NotFound | WriteError::Store(_)) => {
                        failures += 1
                    }
                    Err(other) => panic!("unexpected failure {other:?}"),
                }
            }
        }
        assert!(failures >= 2, "the bad writes failed");
        for (index, events, state, extras) in planned {
            sims[index].events = events as u32;
            sims[index].state = state;
            sims[index].extras = extras;
        }
        rate_some(store, &mut rng, &mut sims, &clocks).await;
        let expected = recomputed(store, &sims).await;
        assert_eq!(
            stored_day_counters(store).await,
            expected,
            "round {round}: counters equal the recomputation"
        );
    }
    let expected = recomputed(store, &sims).await;
    assert_grains_agree(store).await;
    let as_of = date(2026, 2, 10).at(10, 0, 0, 0);
    assert_reports_agree(store, &expected, as_of).await;
    assert_drill_down_agrees(store, &sims).await;
    assert!(
        expected
            .iter()
            .any(|(k, _)| k.metric == tinhso_domain::kpi::Metric::Late),
        "the workload produced late dossiers"
    );
    for metric in [
        tinhso_domain::kpi::Metric::Rated,
        tinhso_domain::kpi::Metric::Dissatisfied,
    ] {
        assert!(
            expected.iter().any(|(k, _)| k.metric == metric),
            "the workload produced ratings: {metric}"
        );
    }

    // A rebuild from the stored facts, and one recomputing the facts through the domain,
    // change nothing.
    let noop = |_: u64| {};
    let rebuilt = store
        .rebuild_kpi_aggregates(None, &noop)
        .await
        .expect("rebuild");
    assert_eq!(rebuilt.dossiers, sims.len() as u64);
    assert_eq!(rebuilt.facts_rewritten, 0);
    assert_eq!(stored_day_counters(store).await, expected);
    assert_grains_agree(store).await;
    let refacts = |d: &Dossier, e: &DossierExtras| facts(d, e, &rules(&calendar));
    let rebuilt = store
        .rebuild_kpi_aggregates(Some(&refacts), &noop)
        .await
        .expect("rebuild with facts");
    assert_eq!(rebuilt.counted, sims.len() as u64);
    assert_eq!(rebuilt.facts_rewritten, 0, "stored facts match the domain");
    assert_eq!(stored_day_counters(store).await, expected);
    assert_grains_agree(store).await;
    assert_reports_agree(store, &expected, as_of).await;
}

/// One dossier's journey moves the counters of its agencies, procedure, field and commune on
/// the days of its events; the bulk load counts what it loads; a rebuild with other rules
/// rewrites the facts it changes.
pub async fn kpi_counters_follow_one_dossier(store: &dyn Store) {
    let calendar = calendar();
    let mut rng = SeededRng::new(5);
    let at = Timestamp::from_second(1_770_000_000).expect("instant");
    let received = date(2026, 2, 13).at(16, 0, 0, 0);
    let (mut new, _, workflow) = new_write(&mut rng, &calendar, 1, received);
    let extras = DossierExtras {
        fields: vec!["Hộ tịch".into()],
        commune_code: Some(COMMUNES[1].into()),
        ..DossierExtras::default()
    };
    new.kpi = facts(&new.dossier, &extras, &rules(&calendar));
    let agency = new.dossier.competent_agency.clone();
    let out = store
        .write_dossiers(vec![DossierWrite::Create(Box::new(new.clone()))], at)
        .await
        .expect("group")
        .remove(0)
        .expect("intake");
    let as_of = date(2026, 2, 13).at(17, 0, 0, 0);
    let province = |period: Period| KpiQuery {
        gauges: Some(as_of),
        ..KpiQuery::flows(KpiScope::One(Dimension::Province), period, KpiSplit::Whole)
    };
    let report = |rows: GroupedCounters, scope: &Dimension, period: Period| {
        KpiReport::of_counters(scope, &period, as_of, rows.of(scope))
    };
    let rows = store
        .kpi_counters(&province(Period::Day(received.date())))
        .await
        .expect("read");
    let r = report(rows, &Dimension::Province, Period::Day(received.date()));
    assert_eq!(r.received.total, 1);
    assert_eq!(r.awaiting_acceptance, 1);
    // Accepted at once, then resolved after Tết: the counters follow the days of the events.
    let mut sim = Simulated {
        id: out.dossier_id,
        events: 1,
        state: new.dossier.clone(),
        extras: extras.clone(),
        workflow,
    };
    sim.state.code = out.code.clone();
    let steps = [
        (Action::Accept, received),
        (
            Action::Forward {
                to_step: StepId::new(default_steps::APPROVE),
            },
            date(2026, 2, 16).at(9, 0, 0, 0),
        ),
        (Action::Approve, date(2026, 2, 26).at(9, 0, 0, 0)),
        (Action::ResultReady, date(2026, 3, 2).at(9, 0, 0, 0)),
    ];
    for (action, now) in steps {
        let t = try_action(&sim, &action, now, &calendar).expect("allowed");
        let kpi = facts(&t.new_state, &sim.extras, &rules(&calendar));
        store
            .write_dossiers(
                vec![DossierWrite::Update(Box::new(DossierUpdate {
                    dossier_id: sim.id,
                    expected_events: sim.events,
                    new_state: t.new_state.clone(),
                    event: t.event,
                    attachments: Vec::new(),
                    outbox: Vec::new(),
                    idempotency: None,
                    comment: String::new(),
                    kpi,
                }))],
                at,
            )
            .await
            .expect("group")
            .remove(0)
            .expect("move");
        sim.events += 1;
        sim.state = t.new_state;
    }
    // Received in February, resolved (late: 3 working days from Friday 13/2 run to 25/2) in
    // March.
    for (scope, period, received_n, late) in [
        (Dimension::Province, Period::Month(2026, 2), 1, 0),
        (Dimension::Province, Period::Month(2026, 3), 0, 1),
        (
            Dimension::CompetentAgency(agency.clone()),
            Period::Quarter(2026, 1),
            1,
            1,
        ),
        (
            Dimension::Commune(COMMUNES[1].into()),
            Period::Year(2026),
            1,
            1,
        ),
        (
            Dimension::Field("Hộ tịch".into()),
            Period::Month(2026, 3),
            0,
            1,
        ),
        (
            Dimension::Commune(COMMUNES[0].into()),
            Period::Year(2026),
            0,
            0,
        ),
    ] {
        let rows = store
            .kpi_counters(&KpiQuery {
                gauges: Some(as_of),
                ..KpiQuery::flows(KpiScope::One(scope.clone()), period, KpiSplit::Whole)
            })
            .await
            .expect("read");
        let r = report(rows, &scope, period);
        assert_eq!(
            (r.received.total, r.late),
            (received_n, late),
            "{scope} {period}"
        );
        assert_eq!(r.in_progress, 0, "{scope}: ended");
    }
    let late = store
        .kpi_dossiers(&KpiDossierQuery {
            scope: Dimension::CompetentAgency(agency.clone()),
            indicator: Indicator::OnTime,
            period: Period::Month(2026, 3),
            limit: 10,
            after_id: None,
        })
        .await
        .expect("drill-down");
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].dossier_id, sim.id);
    assert_eq!(
        late[0].facts.code, out.code,
        "facts carry the allocated code"
    );

    // The bulk load allocates codes, stores facts and counts what it loads.
    let mut bulk = Vec::new();
    for i in 0..50 {
        let (mut n, _, _) = new_write(&mut rng, &calendar, 100 + i, received);
        n.kpi = facts(&n.dossier, &extras, &rules(&calendar));
        bulk.push(n);
    }
    let ids = store
        .bulk_load_dossiers(bulk, at, BulkCounters::Added)
        .await
        .expect("bulk load");
    assert_eq!(ids.len(), 50);
    // Refreshing the planner's statistics after it changes nothing that is read.
    let before = store
        .kpi_stored_counters(Grain::Day)
        .await
        .expect("counters");
    store
        .kpi_refresh_statistics()
        .await
        .expect("refresh statistics");
    assert_eq!(
        store
            .kpi_stored_counters(Grain::Day)
            .await
            .expect("counters"),
        before
    );
    let rows = store
        .kpi_counters(&province(Period::Month(2026, 2)))
        .await
        .expect("read");
    assert_eq!(
        report(rows, &Dimension::Province, Period::Month(2026, 2))
            .received
            .total,
        51
    );
    // The benchmark's baseline (a plain scan) counts the same dossiers.
    let scan = store
        .kpi_baseline_scan(&Period::Month(2026, 2))
        .await
        .expect("scan");
    assert_eq!(scan.iter().map(|(_, r, _)| r).sum::<i64>(), 51);
    let scan = store
        .kpi_baseline_scan(&Period::Month(2026, 3))
        .await
        .expect("scan");
    assert_eq!(
        scan.iter()
            .map(|(a, r, l)| (a.as_str(), *r, *l))
            .filter(|(_, _, l)| *l > 0)
            .collect::<Vec<_>>(),
        vec![(agency.as_str(), 0, 1)]
    );
    assert!(store
        .verify_audit_chain()
        .await
        .expect("verify")
        .first_break
        .is_none());
    assert_grains_agree(store).await;

    // A rebuild under other rules (a changed extra) rewrites the facts and the counters.
    let counting = |d: &Dossier, e: &DossierExtras| {
        let mut e = e.clone();
        e.synced_to_national = true;
        facts(d, &e, &rules(&calendar))
    };
    let noop = |_: u64| {};
    let rebuilt = store
        .rebuild_kpi_aggregates(Some(&counting), &noop)
        .await
        .expect("rebuild");
    assert_eq!((rebuilt.dossiers, rebuilt.facts_rewritten), (51, 51));
    let rows = store
        .kpi_counters(&province(Period::Month(2026, 2)))
        .await
        .expect("read");
    let r = report(rows, &Dimension::Province, Period::Month(2026, 2));
    assert_eq!(r.synced_rate.numerator, 51);
    assert_grains_agree(store).await;
}

/// A bulk load with its indexes deferred: the dossiers it loads read back (by id, by code, in
/// queues) with the state they were loaded with, although it is stored once (in their event);
/// they then move like any dossier (an update, a deadline flag), the audit chain verifies, a
/// rebuild from their states finds the facts they were loaded with, and the deferred indexes
/// are back (queries that use them answer the same).
pub async fn bulk_loaded_dossiers_read_and_move_like_any(store: &dyn Store) {
    let calendar = calendar();
    let mut rng = SeededRng::new(11);
    let at = Timestamp::from_second(1_770_000_000).expect("instant");
    let received = date(2026, 2, 10).at(9, 0, 0, 0);
    let mut loaded = Vec::new();
    let mut bulk = Vec::new();
    for i in 0..30 {
        let (n, extras, workflow) = new_write(&mut rng, &calendar, 500 + i, received);
        loaded.push((n.dossier.clone(), extras, workflow));
        bulk.push(n);
    }
    store
        .begin_bulk_load(BulkLoad {
            defer_indexes: true,
            owe_counters: false,
        })
        .await
        .expect("begin");
    let ids = store
        .bulk_load_dossiers(bulk, at, BulkCounters::Added)
        .await
        .expect("bulk load");
    store.finish_bulk_load().await.expect("finish");
    store
        .finish_bulk_load()
        .await
        .expect("finishing twice is harmless");
    assert_eq!(ids.len(), loaded.len());
    let mut sims = Vec::new();
    for (id, (state, extras, workflow)) in ids.iter().zip(loaded) {
        let stored = store
            .dossier_by_id(*id)
            .await
            .expect("read")
            .expect("found");
        let mut expected = state.clone();
        expected.code = stored.dossier.code.clone();
        assert_eq!(
            stored.dossier, expected,
            "dossier {id} reads back as loaded"
        );
        assert_eq!(stored.events, 1);
        let by_code = store
            .dossier_by_code(&stored.dossier.code)
            .await
            .expect("read")
            .expect("found by code");
        assert_eq!(by_code.dossier, expected);
        let events = store.dossier_events(*id).await.expect("events");
        assert_eq!(events.len(), 1);
        sims.push(Simulated {
            id: *id,
            events: 1,
            state: expected,
            extras,
            workflow,
        });
    }
    // The queues find them (the deferred indexes are back and agree with a scan).
    let agency = sims[0].state.receiving_agency.clone();
    let queue = store
        .find_dossiers(&crate::dossiers::DossierQuery {
            agencies: vec![agency.clone()],
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("queue");
    let expected: Vec<i64> = {
        let mut v: Vec<i64> = sims
            .iter()
            .filter(|s| {
                s.state.receiving_agency == agency
                    || s.state.competent_agency == agency
                    || s.state.transferred_to.as_ref() == Some(&agency)
            })
            .map(|s| s.id)
            .collect();
        v.sort_unstable_by(|a, b| b.cmp(a));
        v
    };
    let found: Vec<i64> = queue
        .iter()
        .filter(|d| ids.contains(&d.id))
        .map(|d| d.id)
        .collect();
    assert_eq!(found, expected);
    for d in queue.iter().filter(|d| ids.contains(&d.id)) {
        let sim = sims.iter().find(|s| s.id == d.id).expect("loaded");
        assert_eq!(d.dossier, sim.state);
    }
    // One moves on through the live path; another is flagged; both read back right.
    let sim = &mut sims[0];
    let now = date(2026, 2, 10).at(10, 0, 0, 0);
    let t = try_action(sim, &Action::Accept, now, &calendar).expect("accept allowed");
    let kpi = facts(&t.new_state, &sim.extras, &rules(&calendar));
    store
        .write_dossiers(
            vec![DossierWrite::Update(Box::new(DossierUpdate {
                dossier_id: sim.id,
                expected_events: 1,
                new_state: t.new_state.clone(),
                event: t.event,
                attachments: Vec::new(),
                outbox: Vec::new(),
                idempotency: None,
                comment: String::new(),
                kpi,
            }))],
            at,
        )
        .await
        .expect("group")
        .remove(0)
        .expect("accepted");
    let moved = store
        .dossier_by_id(sim.id)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(moved.events, 2);
    assert_eq!(moved.dossier.status, t.new_state.status);
    assert_eq!(moved.dossier.code, sim.state.code);
    let flagged_id = sims[1].id;
    store
        .write_dossiers(
            vec![DossierWrite::Flag {
                dossier_id: flagged_id,
                flag: crate::dossiers::DeadlineFlag::DueSoon,
                at,
            }],
            at,
        )
        .await
        .expect("group")
        .remove(0)
        .expect("flagged");
    let flagged = store
        .dossier_by_id(flagged_id)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(
        (flagged.events, flagged.due_soon_flagged),
        (2, true),
        "a flag keeps the state"
    );
    assert_eq!(flagged.dossier, sims[1].state);
    let verification = store.verify_audit_chain().await.expect("verify");
    assert!(
        verification.first_break.is_none(),
        "{:?}",
        verification.first_break
    );
    // The rebuild reads each state (from its event where it is stored once) and finds the
    // facts it was loaded with.
    let refacts = |d: &Dossier, e: &DossierExtras| facts(d, e, &rules(&calendar));
    let noop = |_: u64| {};
    let rebuilt = store
        .rebuild_kpi_aggregates(Some(&refacts), &noop)
        .await
        .expect("rebuild");
    assert_eq!(rebuilt.facts_rewritten, 0, "stored facts match the states");
    assert_grains_agree(store).await;
}

/// A bulk load that owes its counters, as a seed's.
const OWING: BulkLoad = BulkLoad {
    defer_indexes: false,
    owe_counters: true,
};

/// Every stored counter row, at every grain.
async fn all_counters(store: &dyn Store) -> Vec<(Grain, CounterKey, i64)> {
    let mut out = Vec::new();
    for grain in [Grain::Day, Grain::Month, Grain::Year, Grain::Gauge] {
        for (key, value) in store.kpi_stored_counters(grain).await.expect("counters") {
            out.push((grain, key, value));
        }
    }
    out
}

/// A seed's way of loading (issue 5): batches written with [`BulkCounters::Owed`] under the
/// debt [`BulkLoad::owe_counters`] records, their counters summed by the caller and added in
/// two writes, the last one settling the debt. The counters then equal a rebuild's from the
/// stored facts, and no debt is left; a rebuild also settles a debt that a stopped load left.
pub async fn bulk_load_owing_counters_settles_like_a_rebuild(store: &dyn Store) {
    let calendar = calendar();
    let mut rng = SeededRng::new(23);
    let at = Timestamp::from_second(1_772_000_000).expect("instant");
    let received = date(2026, 3, 2).at(9, 0, 0, 0);
    assert!(!store.kpi_counters_owed().await.expect("owed"), "no debt");
    let before = all_counters(store).await;
    store.begin_bulk_load(OWING).await.expect("begin");
    assert!(
        store.kpi_counters_owed().await.expect("owed"),
        "debt recorded"
    );
    let mut owed = CounterChanges::new();
    for batch in 0..3 {
        let mut bulk = Vec::new();
        for i in 0..20 {
            let (n, _, _) = new_write(&mut rng, &calendar, 700 + batch * 20 + i, received);
            bulk.push(n);
        }
        let mut changes = CounterChanges::new();
        for n in &bulk {
            changes.add_delta(None, Some(&n.kpi));
        }
        let ids = store
            .bulk_load_dossiers(bulk, at, BulkCounters::Owed)
            .await
            .expect("bulk load");
        assert_eq!(ids.len(), 20);
        if batch == 0 {
            assert_eq!(
                all_counters(store).await,
                before,
                "an owed batch adds no counter"
            );
        }
        owed.absorb(changes);
        if batch == 1 {
            store
                .add_kpi_counters(&std::mem::take(&mut owed).into_rows(), false)
                .await
                .expect("add");
            assert!(
                store.kpi_counters_owed().await.expect("owed"),
                "a partial write leaves the debt"
            );
        }
    }
    store
        .add_kpi_counters(&owed.into_rows(), true)
        .await
        .expect("settle");
    assert!(!store.kpi_counters_owed().await.expect("owed"), "settled");
    store.finish_bulk_load().await.expect("finish");
    let added = all_counters(store).await;
    assert_ne!(added, before, "the loaded dossiers count");
    let noop = |_: u64| {};
    store
        .rebuild_kpi_aggregates(None, &noop)
        .await
        .expect("rebuild");
    assert_eq!(all_counters(store).await, added, "as a rebuild counts them");
    assert_grains_agree(store).await;

    // A load stopped while it owed counters: a rebuild settles the debt.
    store.begin_bulk_load(OWING).await.expect("begin");
    let (n, _, _) = new_write(&mut rng, &calendar, 800, received);
    store
        .bulk_load_dossiers(vec![n], at, BulkCounters::Owed)
        .await
        .expect("bulk load");
    store.finish_bulk_load().await.expect("finish");
    assert!(
        store.kpi_counters_owed().await.expect("owed"),
        "finishing does not settle a debt"
    );
    store
        .rebuild_kpi_aggregates(None, &noop)
        .await
        .expect("rebuild");
    assert!(!store.kpi_counters_owed().await.expect("owed"), "rebuilt");
    assert_ne!(all_counters(store).await, added, "the last one counts too");
}
