//! The facts about one dossier that the indicators need, derived purely from its state.

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};
use tinhso_calendar::WorkingCalendar;

use crate::agency::AgencyEId;
use crate::catalog::{Channel, OnlineLevel, ProcedureCode};
use crate::dossier::{
    classify_with, index_end, ClassifyOptions, Dossier, DossierCode, NationalStatus, Outcome,
    PauseKind, Timeliness,
};

use super::index::Indicator;

/// How the applicant rated the handling of a dossier (đánh giá mức độ hài lòng).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SatisfactionLevel {
    /// Rất hài lòng.
    VerySatisfied,
    /// Hài lòng.
    Satisfied,
    /// Bình thường / chấp nhận được.
    Neutral,
    /// Không hài lòng: the "dislike" of index 5.4.
    Dissatisfied,
}

impl SatisfactionLevel {
    /// Counts as satisfied on the dashboard (very satisfied or satisfied).
    pub fn is_satisfied(self) -> bool {
        matches!(
            self,
            SatisfactionLevel::VerySatisfied | SatisfactionLevel::Satisfied
        )
    }

    /// The level of a portal rating of 1–5 stars (`dossier_ratings`): 5 very satisfied,
    /// 4 satisfied, 3 neutral, 1–2 dissatisfied (the "dislike" that costs points on 5.4,
    /// domain.md §6). `None` outside 1–5.
    pub fn from_stars(stars: u8) -> Option<Self> {
        Some(match stars {
            5 => SatisfactionLevel::VerySatisfied,
            4 => SatisfactionLevel::Satisfied,
            3 => SatisfactionLevel::Neutral,
            1 | 2 => SatisfactionLevel::Dissatisfied,
            _ => return None,
        })
    }

    /// The stars that stand for a level (the inverse of [`SatisfactionLevel::from_stars`];
    /// dissatisfied is 1).
    pub fn stars(self) -> u8 {
        match self {
            SatisfactionLevel::VerySatisfied => 5,
            SatisfactionLevel::Satisfied => 4,
            SatisfactionLevel::Neutral => 3,
            SatisfactionLevel::Dissatisfied => 1,
        }
    }
}

/// A rating and the day it was given (the event that places it in a period).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SatisfactionRating {
    pub level: SatisfactionLevel,
    pub rated_on: Date,
}

/// What the KPIs need that the dossier state does not carry: facts of its procedure (from
/// the catalog version it is pinned to), of its files, payments and account. All default to
/// "no" / unknown.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DossierExtras {
    /// The procedure's online level (NĐ 42/2022) in the version the dossier is pinned to.
    #[serde(default)]
    pub online_level: OnlineLevel,
    /// The procedure's fields (lĩnh vực); a dossier counts in each.
    #[serde(default)]
    pub fields: Vec<String>,
    /// The commune the dossier is reported under (the commune-level unit that received it),
    /// when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune_code: Option<String>,
    /// Some component was digitized (HoSoCoThanhPhanSoHoa).
    #[serde(default)]
    pub has_digitized_components: bool,
    /// Some component was taken from digitized data already held (DuocLayTuKhoDMQG): 4.3.
    #[serde(default)]
    pub reused_digitized_data: bool,
    /// The dossier carries a fee or charge (3.6 denominator).
    #[serde(default)]
    pub fee_bearing: bool,
    /// The fee was paid online (DuocThanhToanTrucTuyen).
    #[serde(default)]
    pub paid_online: bool,
    /// The result was issued as a signed electronic document.
    #[serde(default)]
    pub electronic_result: bool,
    /// The result went into the applicant's Kho (NĐ 45/2020): 4.4.
    #[serde(default)]
    pub linked_to_kho: bool,
    /// The dossier was synced to the national portal (1.4).
    #[serde(default)]
    pub synced_to_national: bool,
    /// The applicant's account is VNeID-verified (TaiKhoanDuocXacThucVoiVNeID): 4.5.
    #[serde(default)]
    pub vneid_verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<SatisfactionRating>,
}

/// The rules the facts are derived under: the working calendar (for working minutes) and
/// the classification options (domain.md §3).
#[derive(Debug, Clone, Copy)]
pub struct FactRules<'a> {
    pub calendar: &'a WorkingCalendar,
    pub classify: ClassifyOptions,
}

/// The facts about one dossier that the indicators need. A pure function of the dossier
/// state and its [`DossierExtras`] ([`facts`]); the counters are a pure function of these
/// ([`super::contributions`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiFacts {
    pub code: DossierCode,
    /// The day it entered the system (NgayNopHoSo): places "received" in a period.
    pub received_on: Date,
    pub channel: Channel,
    pub receiving_agency: AgencyEId,
    pub competent_agency: AgencyEId,
    pub procedure_code: ProcedureCode,
    pub fields: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune_code: Option<String>,
    pub online_level: OnlineLevel,
    pub status: NationalStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_on: Option<Date>,
    /// The current appointment (NgayHenTra), while the dossier is being processed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime>,
    /// The end for the index ([`index_end`], domain.md §3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_end: Option<DateTime>,
    /// Early, on time or late, counted once [`KpiFacts::index_end`] is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeliness: Option<Timeliness>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The first terminal moment (NgayKetThucXuLy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime>,
    /// Working minutes from the clock start to the result, paused time excluded (resolved
    /// dossiers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_minutes: Option<i64>,
    /// Working minutes the first appointment allowed (clock start → the due date given at
    /// acceptance), for resolved dossiers: the yardstick of 2.2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_minutes: Option<i64>,
    /// Waiting for the applicant now (5 or 6), and since which day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<(PauseKind, Date)>,
    pub supplement_requests: u32,
    pub extras: DossierExtras,
}

/// The facts of `dossier`, with the `extras` it does not carry.
pub fn facts(dossier: &Dossier, extras: &DossierExtras, rules: &FactRules<'_>) -> KpiFacts {
    let end = index_end(dossier);
    // A dossier with more than one supplement request is late whatever its dates (§3), but
    // it takes a period only when it ends for the index; until then it is not yet counted.
    let timeliness = end.and(classify_with(dossier, &rules.classify));
    let resolved = dossier.outcome == Some(Outcome::Resolved);
    let (resolution_minutes, allowed_minutes) = match (resolved, dossier.clock_start, end) {
        (true, Some(start), Some(end)) => {
            let used = rules.calendar.working_minutes_between(start, end) - dossier.paused_minutes;
            let allowed = dossier
                .original_due()
                .map(|due| rules.calendar.working_minutes_between(start, due).max(0));
            (Some(used.max(0)), allowed)
        }
        _ => (None, None),
    };
    let waiting = dossier
        .open_pause()
        .filter(|_| dossier.status.is_paused())
        .map(|p| (p.kind, p.requested_at.date()));
    KpiFacts {
        code: dossier.code.clone(),
        received_on: dossier.received_at.date(),
        channel: dossier.channel,
        receiving_agency: dossier.receiving_agency.clone(),
        competent_agency: dossier.competent_agency.clone(),
        procedure_code: dossier.procedure_code.clone(),
        fields: extras.fields.clone(),
        commune_code: extras.commune_code.clone(),
        online_level: extras.online_level,
        status: dossier.status,
        accepted_on: dossier.accepted_at.map(|a| a.date()),
        due: dossier.due,
        index_end: end,
        timeliness,
        outcome: dossier.outcome,
        ended_at: dossier.ended_at,
        resolution_minutes,
        allowed_minutes,
        waiting,
        supplement_requests: dossier.supplement_requests,
        extras: extras.clone(),
    }
}

/// Where one dossier stands on one indicator: in the denominator (and then in the numerator
/// or not), or outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Counted, and in the numerator.
    Earns,
    /// Counted, not in the numerator: one of the dossiers that lost points.
    Loses,
    /// Outside the indicator's denominator (or the indicator is not per dossier).
    NotCounted,
}

impl KpiFacts {
    /// The dossier is being processed: accepted, not ended, not waiting for the applicant.
    pub fn in_progress(&self) -> bool {
        self.accepted_on.is_some() && self.ended_at.is_none() && !self.status.is_paused()
    }

    /// Submitted, not yet accepted, refused or withdrawn (and not waiting for documents).
    pub fn awaiting_acceptance(&self) -> bool {
        self.status == NationalStatus::Registered
    }

    /// Whether the procedure is offered fully online (toàn trình).
    pub fn full_online_procedure(&self) -> bool {
        self.online_level == OnlineLevel::Full
    }

    /// How this dossier stands on a per-dossier indicator of the 766 index: the link from a
    /// score to the dossiers that lost points (domain.md §6). The period the dossier falls in
    /// is the one of the indicator's defining event (see [`super::Metric`]).
    pub fn standing(&self, indicator: Indicator) -> Standing {
        let resolved = self.outcome == Some(Outcome::Resolved);
        let online = self.channel == Channel::Online;
        let pick = |counted: bool, earns: bool| match (counted, earns) {
            (false, _) => Standing::NotCounted,
            (true, true) => Standing::Earns,
            (true, false) => Standing::Loses,
        };
        match indicator {
            Indicator::SyncedToNational => pick(true, self.extras.synced_to_national),
            Indicator::OnTime => match self.timeliness {
                None => Standing::NotCounted,
                Some(Timeliness::Late) => Standing::Loses,
                Some(_) => Standing::Earns,
            },
            Indicator::ResolutionTime => match (self.resolution_minutes, self.allowed_minutes) {
                (Some(used), Some(allowed)) => pick(true, used <= allowed),
                _ => Standing::NotCounted,
            },
            Indicator::OnlineDossiers => pick(true, online),
            Indicator::PaidOnline => pick(self.extras.fee_bearing, self.extras.paid_online),
            Indicator::ElectronicResult => pick(resolved, self.extras.electronic_result),
            Indicator::DigitizedWithElectronicResult => pick(
                resolved,
                self.extras.has_digitized_components && self.extras.electronic_result,
            ),
            Indicator::ReusedData => pick(true, self.extras.reused_digitized_data),
            Indicator::LinkedToKho => pick(resolved, self.extras.linked_to_kho),
            Indicator::VneidVerified => pick(online, self.extras.vneid_verified),
            Indicator::OverdueAndDislikes => match (self.timeliness, self.extras.satisfaction) {
                (Some(Timeliness::Late), _) => Standing::Loses,
                (_, Some(r)) if r.level == SatisfactionLevel::Dissatisfied => Standing::Loses,
                (Some(_), _) => Standing::Earns,
                (None, _) => Standing::NotCounted,
            },
            Indicator::PublishedOnTime
            | Indicator::PublishedInDatabase
            | Indicator::CompleteRecords
            | Indicator::ProceduresOnline
            | Indicator::ServicesWithOnlineDossiers
            | Indicator::FeeProceduresPayableOnline
            | Indicator::FeedbackClassified
            | Indicator::FeedbackHandledInTime
            | Indicator::FeedbackSatisfaction => Standing::NotCounted,
        }
    }

    /// The dossier is among those that lost points on `indicator`.
    pub fn loses_points_on(&self, indicator: Indicator) -> bool {
        self.standing(indicator) == Standing::Loses
    }
}
