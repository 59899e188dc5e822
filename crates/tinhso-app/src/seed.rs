//! `tinhso seed --dossiers N`: a realistic dossier history for dashboards, demos and benchmarks
//! (issue 5).
//!
//! Every dossier is played through the domain's state machine ([`submit`], [`decide`]) on the
//! province's working calendar, so each state is one the system could reach; its KPI facts are
//! computed by the domain like any write's. What makes it realistic:
//! - **when**: over the 24 months before today, weighted by weekday (few on Saturdays, almost
//!   none on Sundays and holidays), by month (busier before the year end and in spring), with
//!   the **Tết dip** (a slowdown in the week before Tết Nguyên đán, nothing during the holiday,
//!   a slow restart) and a slow growth of volume; counters during office hours, online at any
//!   hour;
//! - **what and where**: procedures weighted by popularity, handled by their implementing
//!   agencies (commune procedures at communes), 15% received at another one-stop point
//!   anywhere in the province (domain.md §0.3);
//! - **how**: online by the procedure's online level, growing over time, a few postal;
//! - **how well**: each agency has its own lateness profile; supplements (a few twice, which
//!   counts as late, §3), fees, withdrawals, refusals, stops, electronic results, ratings;
//! - dossiers of the last weeks are still in progress (some overdue now).
//!
//! Deterministic: the same `--seed`, `N` and today give the same history. Generation is pure and
//! runs beside the database writes (one batch generated while the previous one is written); each
//! batch is ONE bulk-load transaction. The KPI counters of the batches are summed in memory and
//! written every [`OWED_KEYS`] keys and at the end, under a counter debt the store records
//! ([`BulkLoad::owe_counters`]) and the last write settles: a seed stopped midway leaves the
//! debt, which `tinhso kpi rebuild` settles and a new seed refuses to run over.

use std::sync::Arc;

use jiff::civil::{Date, DateTime, Time};
use jiff::ToSpan;
use tinhso_domain::agency::{Agency, AgencyEId, AgencyLevel};
use tinhso_domain::calendar::{lunar, WorkingCalendar};
use tinhso_domain::catalog::{Channel, OnlineLevel, Procedure, ProcedureLevel};
use tinhso_domain::dossier::{
    decide, default_steps, submit, Action, Actor, Dossier, DossierCode, Intake, ProcedureRules,
    Role, StepId, Transition, WorkflowDefinition,
};
use tinhso_domain::kpi::{DossierExtras, SatisfactionLevel, SatisfactionRating};
use tinhso_store::conformance::SeededRng;
use tinhso_store::dossiers::{Applicant, NewDossier};
use tinhso_store::kpi::{BulkCounters, BulkLoad, CounterChanges};

use crate::dossiers::{DossierError, DossierResult};
use crate::{App, ProgressSink};

/// Dossiers per bulk-load transaction.
pub const BATCH: usize = 10_000;

/// From this many dossiers a seed defers the read-only secondary indexes and builds them once
/// at the end ([`tinhso_store::kpi::KpiStore::begin_bulk_load`]): building an index over
/// millions of rows once is much cheaper than maintaining it row by row, and packs it tighter.
pub const DEFER_INDEXES_FROM: u64 = 50_000;

/// Counter keys a seed sums in memory before it writes them (about 150 bytes each). Dossiers
/// are generated in time order, so most day rows are complete when written and each is
/// written once, instead of once per batch that touches it.
pub const OWED_KEYS: usize = 1_000_000;

/// What a seed run made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub dossiers: u64,
    pub resolved: u64,
    pub in_progress: u64,
    pub late: u64,
}

/// Everything generation needs, shared by the generator threads.
struct World {
    calendar: Arc<WorkingCalendar>,
    /// (procedure, its stored version, workflow, competent agencies).
    procedures: Vec<(Procedure, u32, WorkflowDefinition, Vec<AgencyEId>)>,
    /// Cumulative popularity weights of `procedures`.
    procedure_weights: Vec<f64>,
    /// The provincial one-stop centres (anywhere-in-the-province reception).
    centres: Vec<AgencyEId>,
    communes: Vec<Agency>,
    /// Days of the history and their cumulative weights.
    days: Vec<Date>,
    day_weights: Vec<f64>,
    today: DateTime,
    seed: u64,
    n: u64,
}

fn mix(seed: u64, i: u64) -> u64 {
    let mut rng = SeededRng::new(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    rng.next_u64()
}

/// The share of an agency's dossiers that end late: its lateness profile, fixed by its e-ID.
fn lateness(eid: &AgencyEId, seed: u64) -> f64 {
    let h = eid
        .as_str()
        .bytes()
        .fold(seed, |h, b| h.rotate_left(5) ^ u64::from(b));
    let mut rng = SeededRng::new(h);
    // Most agencies are good, a few are poor: 1%–30%, skewed low.
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    0.01 + 0.29 * u * u * u
}

/// How busy a day is, relative to an ordinary weekday.
fn day_weight(calendar: &WorkingCalendar, day: Date, first: Date, last: Date) -> f64 {
    use jiff::civil::Weekday;
    let mut w = match day.weekday() {
        Weekday::Saturday => 0.08,
        Weekday::Sunday => 0.02,
        _ => 1.0,
    };
    if !calendar.is_working_day(day) && w == 1.0 {
        w = 0.04; // a public holiday on a weekday
    }
    // The year end and spring are busy; high summer is quiet.
    w *= match day.month() {
        3..=5 => 1.1,
        7 | 8 => 0.85,
        11 | 12 => 1.2,
        _ => 1.0,
    };
    // The Tết dip: the week before Tết slows down, the first working week after is slow.
    for year in [day.year(), day.year() + 1] {
        let tet = lunar::tet(year);
        if let Ok(days) = day.until((jiff::Unit::Day, tet)).map(|s| s.get_days()) {
            if (1..=7).contains(&days) {
                w *= 0.5;
            } else if (-12..=0).contains(&days) {
                w *= if calendar.is_working_day(day) {
                    0.55
                } else {
                    0.3
                };
            }
        }
    }
    // Volume grows ~25% over the span.
    let span = first.until(last).map(|s| s.get_days()).unwrap_or(1).max(1) as f64;
    let pos = first.until(day).map(|s| s.get_days()).unwrap_or(0) as f64;
    w * (0.8 + 0.2 * pos / span)
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut sum = 0.0;
    weights
        .map(|w| {
            sum += w;
            sum
        })
        .collect()
}

fn pick_weighted(cum: &[f64], u: f64) -> usize {
    let total = cum.last().copied().unwrap_or(0.0);
    let target = u * total;
    cum.partition_point(|c| *c <= target)
        .min(cum.len().saturating_sub(1))
}

fn unit(rng: &mut SeededRng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi"];
const MIDDLE: [&str; 4] = ["Văn", "Thị", "Minh", "Ngọc"];
const GIVEN: [&str; 8] = ["An", "Bình", "Cường", "Dung", "Hòa", "Lan", "Phúc", "Tâm"];

impl SeedReport {
    /// Counts one generated dossier.
    fn add(&mut self, g: &Generated) {
        self.dossiers += 1;
        self.resolved += u64::from(g.resolved);
        self.in_progress += u64::from(g.open);
        self.late += u64::from(g.late);
    }
}

impl std::ops::AddAssign for SeedReport {
    fn add_assign(&mut self, other: SeedReport) {
        self.dossiers += other.dossiers;
        self.resolved += other.resolved;
        self.in_progress += other.in_progress;
        self.late += other.late;
    }
}

/// What happened to one generated dossier.
struct Generated {
    new: NewDossier,
    resolved: bool,
    open: bool,
    late: bool,
}

impl World {
    /// Dossier `i` of the history: pure in (seed, i).
    fn dossier(&self, i: u64) -> Option<Generated> {
        let mut rng = SeededRng::new(mix(self.seed, i));
        // Stratified over the days so ids grow with time.
        let u = ((i as f64) + unit(&mut rng)) / self.n as f64;
        let day = self.days[pick_weighted(&self.day_weights, u)];
        let (procedure, version, workflow, competents) =
            &self.procedures[pick_weighted(&self.procedure_weights, unit(&mut rng))];
        let limit = procedure.time_limit?;
        let competent = rng.pick(competents).clone();
        // Online by the procedure's online level, growing over time; a few by post.
        let growth = u * 0.15;
        let online_share = match procedure.online_level {
            OnlineLevel::Full => 0.55 + growth,
            OnlineLevel::Partial => 0.3 + growth,
            OnlineLevel::None => 0.0,
        };
        let channel = if rng.chance(online_share) {
            Channel::Online
        } else if rng.chance(0.03) {
            Channel::Postal
        } else {
            Channel::Counter
        };
        let receiving = if !self.centres.is_empty() && rng.chance(0.15) {
            rng.pick(&self.centres).clone()
        } else {
            competent.clone()
        };
        let minutes = match channel {
            Channel::Online => rng.below(24 * 60) as i64,
            _ => {
                // Office hours, busiest in the morning.
                let morning = rng.chance(0.6);
                let base = if morning { 7 * 60 + 30 } else { 13 * 60 };
                base + rng.below(240) as i64
            }
        };
        let received = day
            .to_datetime(Time::midnight())
            .checked_add(minutes.minutes())
            .ok()?;
        if received > self.today {
            return None;
        }
        let applicant_id = format!("citizen-{}", rng.below(5_000_000));
        let intake = Intake {
            code: DossierCode::new(receiving.clone(), day, 1).ok()?,
            procedure_code: procedure.code.clone(),
            procedure_version: *version,
            channel,
            applicant_id: (channel == Channel::Online).then(|| applicant_id.clone()),
            received_point: receiving.clone(),
            receiving_agency: receiving.clone(),
            competent_agency: competent.clone(),
        };
        let submitter = if channel == Channel::Online {
            Actor::applicant(applicant_id.clone())
        } else {
            Actor::officer(Role::OneStopOfficer, receiving.clone(), "mc")
        };
        let mut t = submit(&intake, &submitter, received, workflow).ok()?;
        let rules = ProcedureRules {
            workflow,
            calendar: &self.calendar,
            limit,
            cutoff: None,
        };
        let mut last = t.clone();
        let play = |state: &Dossier, action: Action, at: DateTime| -> Option<Transition> {
            // Moves never go back in time (a long pause pushes the next ones later); what
            // would happen after today has not happened yet: the dossier stays open.
            let at = at.max(
                state
                    .last_event_at
                    .checked_add(1.minutes())
                    .unwrap_or(state.last_event_at),
            );
            if at > self.today {
                return None;
            }
            actors(state)
                .iter()
                .find_map(|a| decide(state, a, &action, at, &rules).ok())
        };
        let mut state = t.new_state.clone();
        let late_share = lateness(&competent, self.seed);
        let mut extras = DossierExtras {
            online_level: procedure.online_level,
            fields: procedure.fields.clone(),
            commune_code: self
                .communes
                .iter()
                .find(|a| a.eid == receiving)
                .and_then(|a| a.unit_code.clone()),
            has_digitized_components: rng.chance(if channel == Channel::Online {
                0.9
            } else {
                0.6 + growth
            }),
            reused_digitized_data: rng.chance(0.25 + growth * 2.0),
            fee_bearing: procedure.has_fee(),
            paid_online: false,
            electronic_result: false,
            linked_to_kho: false,
            synced_to_national: rng.chance(0.97),
            vneid_verified: channel == Channel::Online && rng.chance(0.7),
            satisfaction: None,
        };
        let step = |state: &mut Dossier, last: &mut Transition, action, at| -> bool {
            match play(state, action, at) {
                Some(next) => {
                    *state = next.new_state.clone();
                    *last = next;
                    true
                }
                None => false,
            }
        };
        // Reception: online dossiers wait up to a working day; a few are refused or withdrawn.
        let accept_at = if channel == Channel::Online {
            self.calendar
                .add_working_minutes(received, 30 + rng.below(8 * 60) as i64)
        } else {
            received
        };
        if channel == Channel::Online && rng.chance(0.04) {
            let reason = "Hồ sơ không thuộc thẩm quyền".to_string();
            step(&mut state, &mut last, Action::Refuse { reason }, accept_at);
        } else if channel == Channel::Online && rng.chance(0.02) {
            step(&mut state, &mut last, Action::Withdraw, accept_at);
        } else if step(&mut state, &mut last, Action::Accept, accept_at) {
            let start = state.clock_start.unwrap_or(accept_at);
            let due = state.due.unwrap_or(accept_at);
            let allowed = self.calendar.working_minutes_between(start, due).max(60);
            let late = rng.chance(late_share);
            // Where the result lands, in working minutes after the clock start.
            let target = if late {
                allowed + 60 + rng.below(5 * 480) as i64
            } else {
                (allowed as f64 * (0.25 + 0.75 * unit(&mut rng))) as i64
            };
            let at = |share: f64| {
                self.calendar
                    .add_working_minutes(start, ((target as f64) * share) as i64)
            };
            let mut ok = true;
            // Supplements: 10% once, 1.5% twice (late by rule, §3).
            let supplements = if rng.chance(0.10) {
                1 + u32::from(rng.chance(0.15))
            } else {
                0
            };
            for k in 0..supplements {
                let ask = at(0.2 + 0.1 * f64::from(k));
                let reason = "Bổ sung giấy tờ".to_string();
                ok = ok
                    && step(
                        &mut state,
                        &mut last,
                        Action::RequestSupplement { reason },
                        ask,
                    );
                let back = ask
                    .checked_add((2 + rng.below(96) as i64).hours())
                    .unwrap_or(ask);
                if ok && rng.chance(0.05) {
                    // Never came back: the applicant withdraws.
                    step(&mut state, &mut last, Action::Withdraw, back);
                    ok = false;
                } else {
                    ok = ok && step(&mut state, &mut last, Action::Supplement, back);
                }
            }
            if ok && extras.fee_bearing && rng.chance(0.3) {
                let ask = at(0.45);
                ok = step(
                    &mut state,
                    &mut last,
                    Action::RequestFinancialObligation { amount_vnd: 50_000 },
                    ask,
                );
                let paid = ask
                    .checked_add((1 + rng.below(48) as i64).hours())
                    .unwrap_or(ask);
                if ok && step(&mut state, &mut last, Action::Pay, paid) {
                    extras.paid_online = channel == Channel::Online && rng.chance(0.7);
                } else {
                    ok = false;
                }
            }
            if ok && rng.chance(0.01) {
                let reason = "Không đủ điều kiện".to_string();
                step(&mut state, &mut last, Action::Stop { reason }, at(0.5));
                ok = false;
            }
            if ok && rng.chance(0.01) {
                step(&mut state, &mut last, Action::Withdraw, at(0.5));
                ok = false;
            }
            let to_approve = StepId::new(default_steps::APPROVE);
            ok = ok
                && step(
                    &mut state,
                    &mut last,
                    Action::Forward {
                        to_step: to_approve,
                    },
                    at(0.6),
                );
            ok = ok && step(&mut state, &mut last, Action::Approve, at(0.85));
            ok = ok && step(&mut state, &mut last, Action::ResultReady, at(1.0));
            if ok {
                extras.electronic_result = rng.chance(0.35 + growth * 2.0);
                extras.linked_to_kho = extras.electronic_result && rng.chance(0.4);
                let delivered = at(1.0)
                    .checked_add((1 + rng.below(72) as i64).hours())
                    .unwrap_or(at(1.0));
                step(&mut state, &mut last, Action::Deliver, delivered);
                if rng.chance(0.3) {
                    let dislike = if late { 0.35 } else { 0.04 };
                    let level = if rng.chance(dislike) {
                        SatisfactionLevel::Dissatisfied
                    } else if rng.chance(0.6) {
                        SatisfactionLevel::VerySatisfied
                    } else if rng.chance(0.8) {
                        SatisfactionLevel::Satisfied
                    } else {
                        SatisfactionLevel::Neutral
                    };
                    extras.satisfaction = Some(SatisfactionRating {
                        level,
                        rated_on: state.last_event_at.date(),
                    });
                }
            }
        }
        t.new_state = state;
        let facts = tinhso_domain::kpi::facts(
            &t.new_state,
            &extras,
            &tinhso_domain::kpi::FactRules {
                calendar: &self.calendar,
                classify: Default::default(),
            },
        );
        let name = format!(
            "{} {} {}",
            rng.pick(&FAMILY),
            rng.pick(&MIDDLE),
            rng.pick(&GIVEN)
        );
        Some(Generated {
            resolved: t.new_state.result_ready_at.is_some(),
            open: t.new_state.ended_at.is_none(),
            late: facts.timeliness == Some(tinhso_domain::dossier::Timeliness::Late),
            new: NewDossier {
                code_agency: receiving,
                code_date: day,
                dossier: t.new_state,
                event: last.event,
                applicant: Applicant {
                    name,
                    kind: 1,
                    id_number: format!("086{:09}", rng.below(1_000_000_000)),
                    phone: String::new(),
                    email: String::new(),
                    address: "Vĩnh Long".to_string(),
                },
                form: serde_json::Value::Object(Default::default()),
                attachments: Vec::new(),
                lookup_secret_hash: format!("{:064x}", rng.next_u64()),
                outbox: Vec::new(),
                idempotency: None,
                comment: "seed".to_string(),
                kpi: facts,
            },
        })
    }
}

fn actors(state: &Dossier) -> Vec<Actor> {
    let mut out = Vec::with_capacity(9);
    if let Some(id) = &state.applicant_id {
        out.push(Actor::applicant(id.clone()));
    }
    for (role, agency) in [
        (Role::OneStopOfficer, &state.receiving_agency),
        (Role::Specialist, &state.competent_agency),
        (Role::Leader, &state.competent_agency),
        (Role::Clerk, &state.competent_agency),
        (Role::OneStopOfficer, &state.competent_agency),
    ] {
        out.push(Actor::officer(role, agency.clone(), "seed"));
    }
    out
}

impl App {
    /// Generates and loads `n` dossiers of history ending today (see the module docs).
    /// `progress` sees the phases: the dossiers loaded so far (of `n`), then the last KPI
    /// counters, the deferred indexes and the planner's statistics.
    pub async fn seed_dossiers(
        &self,
        n: u64,
        seed: u64,
        progress: &dyn ProgressSink,
    ) -> DossierResult<SeedReport> {
        if self.store.kpi_counters_owed().await? {
            // Another seed is running, or one was stopped: adding ours now would mix with the
            // counters it still owes.
            return Err(DossierError::InvalidRequest(
                "Một lần sinh dữ liệu khác đang chạy hoặc đã bị dừng giữa chừng: nếu không còn \
                 lần nào chạy, hãy chạy `tinhso kpi rebuild` rồi sinh lại / another seed is \
                 running or was stopped midway: if none is running, run `tinhso kpi rebuild`, \
                 then seed again"
                    .into(),
            ));
        }
        let world = Arc::new(self.seed_world(n, seed).await?);
        self.store
            .begin_bulk_load(BulkLoad {
                defer_indexes: n >= DEFER_INDEXES_FROM,
                owe_counters: true,
            })
            .await?;
        let mut owed = CounterChanges::new();
        progress.phase("Sinh hồ sơ / seeding dossiers", Some(n));
        let loaded = self
            .seed_batches(world, n, &|done| progress.set(done), &mut owed)
            .await;
        // The counters of every batch that landed are added, settling the debt, and the
        // indexes are built and the settings restored, even when a batch failed.
        progress.phase("Ghi số liệu KPI / writing KPI counters", None);
        let settled = self.store.add_kpi_counters(&owed.into_rows(), true).await;
        progress.phase("Dựng chỉ mục / building indexes", None);
        let finished = self.store.finish_bulk_load().await;
        let report = loaded?;
        settled?;
        finished?;
        // The KPI tables grew at once: let the planner know (PostgreSQL plans them as empty
        // otherwise, and reads the table behind every index entry).
        progress.phase("Cập nhật thống kê / refreshing statistics", None);
        self.store.kpi_refresh_statistics().await?;
        progress.finish();
        Ok(report)
    }

    /// Generates and loads the batches; `owed` receives the counters of every batch that
    /// landed (written here each time it holds [`OWED_KEYS`] keys).
    async fn seed_batches(
        &self,
        world: Arc<World>,
        n: u64,
        progress: &(dyn Fn(u64) + Send + Sync),
        owed: &mut CounterChanges,
    ) -> DossierResult<SeedReport> {
        let mut report = SeedReport::default();
        let batches = n.div_ceil(BATCH as u64);
        let generate = |b: u64| {
            let world = world.clone();
            tokio::task::spawn_blocking(move || {
                let from = b * BATCH as u64;
                let to = (from + BATCH as u64).min(world.n);
                // The batch's summary and counters, made beside the database writes.
                let mut batch = SeedReport::default();
                let mut counters = CounterChanges::new();
                let mut dossiers = Vec::with_capacity(to.saturating_sub(from) as usize);
                for g in (from..to).filter_map(|i| world.dossier(i)) {
                    batch.add(&g);
                    counters.add_delta(None, Some(&g.new.kpi));
                    dossiers.push(g.new);
                }
                (dossiers, batch, counters)
            })
        };
        let mut next = (batches > 0).then(|| generate(0));
        let at = self.clock.now();
        for b in 0..batches {
            let Some(current) = next.take() else { break };
            let (dossiers, batch, counters) = current
                .await
                .map_err(|e| DossierError::InvalidRequest(format!("generator: {e}")))?;
            if b + 1 < batches {
                next = Some(generate(b + 1));
            }
            self.store
                .bulk_load_dossiers(dossiers, at, BulkCounters::Owed)
                .await?;
            // Landed: its counters are now owed.
            owed.absorb(counters);
            if owed.len() >= OWED_KEYS {
                self.store
                    .add_kpi_counters(&std::mem::take(owed).into_rows(), false)
                    .await?;
            }
            report += batch;
            progress(report.dossiers);
        }
        Ok(report)
    }

    async fn seed_world(&self, n: u64, seed: u64) -> DossierResult<World> {
        let agencies = self.store.agencies().await?;
        let communes: Vec<Agency> = agencies
            .iter()
            .filter(|a| a.level == AgencyLevel::Commune && a.valid_to.is_none())
            .cloned()
            .collect();
        let departments: Vec<AgencyEId> = agencies
            .iter()
            .filter(|a| a.level == AgencyLevel::Department && a.valid_to.is_none())
            .map(|a| a.eid.clone())
            .collect();
        let centres: Vec<AgencyEId> = agencies
            .iter()
            .filter(|a| a.level == AgencyLevel::Centre && a.valid_to.is_none())
            .map(|a| a.eid.clone())
            .collect();
        let mut procedures = Vec::new();
        let mut weights = Vec::new();
        let snapshot = self.catalog.snapshot();
        let mut records: Vec<_> = snapshot.records.values().collect();
        records.sort_by(|a, b| a.procedure.code.cmp(&b.procedure.code));
        for (rank, v) in records.into_iter().enumerate() {
            let p = &v.procedure;
            if p.time_limit.is_none() {
                continue;
            }
            let live: Vec<AgencyEId> = p
                .agency_eids
                .iter()
                .filter(|e| {
                    agencies
                        .iter()
                        .any(|a| &a.eid == *e && a.valid_to.is_none())
                })
                .cloned()
                .collect();
            let competents = if !live.is_empty() {
                live
            } else if p.levels.contains(&ProcedureLevel::Commune) && !communes.is_empty() {
                communes.iter().map(|a| a.eid.clone()).collect()
            } else if !departments.is_empty() {
                departments.clone()
            } else {
                continue;
            };
            let workflow = match self.store.workflow(&p.code).await? {
                Some(w) => w,
                None => WorkflowDefinition::default_for(p.code.clone()),
            };
            procedures.push((p.clone(), v.version, workflow, competents));
            // Zipf-like popularity.
            weights.push(1.0 / (1.0 + rank as f64 * 0.35));
        }
        if procedures.is_empty() {
            return Err(DossierError::InvalidRequest(
                "chưa có thủ tục có thời hạn giải quyết: chạy `tinhso demo --no-serve` trước / no procedure with a time limit: load the demo first".into(),
            ));
        }
        let calendar = self.calendar();
        let today = crate::clock::to_local(self.clock.now());
        let last = today.date();
        let first = last
            .checked_sub(730.days())
            .map_err(|e| DossierError::InvalidRequest(e.to_string()))?;
        let mut days = Vec::new();
        let mut d = first;
        while d <= last {
            days.push(d);
            d = d
                .tomorrow()
                .map_err(|e| DossierError::InvalidRequest(e.to_string()))?;
        }
        let day_weights = cumulative(days.iter().map(|d| day_weight(&calendar, *d, first, last)));
        Ok(World {
            calendar,
            procedure_weights: cumulative(weights.into_iter()),
            procedures,
            centres,
            communes,
            days,
            day_weights,
            today,
            seed,
            n,
        })
    }
}
