//! The service-quality index of QĐ 766/QĐ-TTg (domain.md §6): 100 points in five groups
//! weighted 18 / 20 / 22 / 22 / 18, per agency and per province, from a [`KpiReport`] and
//! the few facts that do not come from dossiers ([`IndexInputs`]).
//!
//! Scoring rule (§6): a rate at or above its threshold earns the indicator's full points,
//! otherwise `rate × points ÷ threshold`. Per-indicator points and thresholds are
//! configuration ([`IndexConfig`]); the defaults split each group evenly and use the
//! thresholds §6 names.
//!
//! **Indicators that cannot be measured** (an input tinhso does not have, such as publication
//! timeliness or feedback handling, or no dossier in the denominator) are marked
//! `not_measured` with the reason, earn and lose nothing, and are left out of the total: the
//! total is then the points earned rescaled to the points that could be measured
//! (`earned × 100 ÷ measured`), so that a unit is neither credited nor penalized for data
//! nobody has; the unscaled points and the measured maximum are kept beside it. The rescaling
//! can be switched off ([`IndexConfig::rescale_unmeasured`]), and no number is ever made up
//! for a missing input.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalog::{OnlineLevel, Procedure};

use super::report::{KpiReport, Ratio};

/// An indicator of the index, serialized as its number (`"2.1"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Indicator {
    #[serde(rename = "1.1")]
    PublishedOnTime,
    #[serde(rename = "1.2")]
    PublishedInDatabase,
    #[serde(rename = "1.3")]
    CompleteRecords,
    #[serde(rename = "1.4")]
    SyncedToNational,
    #[serde(rename = "2.1")]
    OnTime,
    #[serde(rename = "2.2")]
    ResolutionTime,
    #[serde(rename = "3.1")]
    ProceduresOnline,
    #[serde(rename = "3.2")]
    ServicesWithOnlineDossiers,
    #[serde(rename = "3.3")]
    OnlineDossiers,
    #[serde(rename = "3.5")]
    FeeProceduresPayableOnline,
    #[serde(rename = "3.6")]
    PaidOnline,
    #[serde(rename = "4.1")]
    ElectronicResult,
    #[serde(rename = "4.2")]
    DigitizedWithElectronicResult,
    #[serde(rename = "4.3")]
    ReusedData,
    #[serde(rename = "4.4")]
    LinkedToKho,
    #[serde(rename = "4.5")]
    VneidVerified,
    #[serde(rename = "5.1")]
    FeedbackClassified,
    #[serde(rename = "5.2")]
    FeedbackHandledInTime,
    #[serde(rename = "5.3")]
    FeedbackSatisfaction,
    #[serde(rename = "5.4")]
    OverdueAndDislikes,
}

impl Indicator {
    /// Every indicator of domain.md §6, in order (3.4 is not listed there).
    pub const ALL: [Indicator; 20] = [
        Indicator::PublishedOnTime,
        Indicator::PublishedInDatabase,
        Indicator::CompleteRecords,
        Indicator::SyncedToNational,
        Indicator::OnTime,
        Indicator::ResolutionTime,
        Indicator::ProceduresOnline,
        Indicator::ServicesWithOnlineDossiers,
        Indicator::OnlineDossiers,
        Indicator::FeeProceduresPayableOnline,
        Indicator::PaidOnline,
        Indicator::ElectronicResult,
        Indicator::DigitizedWithElectronicResult,
        Indicator::ReusedData,
        Indicator::LinkedToKho,
        Indicator::VneidVerified,
        Indicator::FeedbackClassified,
        Indicator::FeedbackHandledInTime,
        Indicator::FeedbackSatisfaction,
        Indicator::OverdueAndDislikes,
    ];

    /// The number, e.g. `"2.1"`.
    pub fn id(self) -> &'static str {
        match self {
            Indicator::PublishedOnTime => "1.1",
            Indicator::PublishedInDatabase => "1.2",
            Indicator::CompleteRecords => "1.3",
            Indicator::SyncedToNational => "1.4",
            Indicator::OnTime => "2.1",
            Indicator::ResolutionTime => "2.2",
            Indicator::ProceduresOnline => "3.1",
            Indicator::ServicesWithOnlineDossiers => "3.2",
            Indicator::OnlineDossiers => "3.3",
            Indicator::FeeProceduresPayableOnline => "3.5",
            Indicator::PaidOnline => "3.6",
            Indicator::ElectronicResult => "4.1",
            Indicator::DigitizedWithElectronicResult => "4.2",
            Indicator::ReusedData => "4.3",
            Indicator::LinkedToKho => "4.4",
            Indicator::VneidVerified => "4.5",
            Indicator::FeedbackClassified => "5.1",
            Indicator::FeedbackHandledInTime => "5.2",
            Indicator::FeedbackSatisfaction => "5.3",
            Indicator::OverdueAndDislikes => "5.4",
        }
    }

    /// The indicator of a number such as `"4.4"`.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.id() == id.trim())
    }

    /// The group, 1–5.
    pub fn group(self) -> u8 {
        self.id().as_bytes()[0] - b'0'
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            Indicator::PublishedOnTime => "Công bố TTHC đúng hạn",
            Indicator::PublishedInDatabase => {
                "Công khai TTHC trên CSDL quốc gia trong 5 ngày làm việc"
            }
            Indicator::CompleteRecords => "TTHC công khai đầy đủ các thành phần bắt buộc",
            Indicator::SyncedToNational => "Hồ sơ đồng bộ lên Cổng DVCQG",
            Indicator::OnTime => "Hồ sơ giải quyết trước hạn, đúng hạn",
            Indicator::ResolutionTime => "Thời gian giải quyết trung bình",
            Indicator::ProceduresOnline => "TTHC cung cấp dịch vụ công trực tuyến",
            Indicator::ServicesWithOnlineDossiers => "Dịch vụ công trực tuyến có phát sinh hồ sơ",
            Indicator::OnlineDossiers => "Hồ sơ trực tuyến",
            Indicator::FeeProceduresPayableOnline => "TTHC có phí được thanh toán trực tuyến",
            Indicator::PaidOnline => "Hồ sơ thanh toán trực tuyến",
            Indicator::ElectronicResult => "Hồ sơ có kết quả điện tử được ký số",
            Indicator::DigitizedWithElectronicResult => "Hồ sơ được số hóa và trả kết quả điện tử",
            Indicator::ReusedData => "Hồ sơ tái sử dụng dữ liệu số hóa",
            Indicator::LinkedToKho => "Hồ sơ kết nối Kho quản lý dữ liệu điện tử",
            Indicator::VneidVerified => "Hồ sơ có tài khoản xác thực VNeID",
            Indicator::FeedbackClassified => "Phản ánh, kiến nghị được phân loại",
            Indicator::FeedbackHandledInTime => "Phản ánh, kiến nghị xử lý trong 15 ngày làm việc",
            Indicator::FeedbackSatisfaction => "Hài lòng với việc xử lý phản ánh, kiến nghị",
            Indicator::OverdueAndDislikes => {
                "100% trừ tỷ lệ hồ sơ trễ hạn và hồ sơ bị phản ánh, không hài lòng"
            }
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Indicator::PublishedOnTime => "Procedures published on time",
            Indicator::PublishedInDatabase => {
                "Procedures in the national database within 5 working days"
            }
            Indicator::CompleteRecords => "Procedure records with all mandatory components",
            Indicator::SyncedToNational => "Dossiers synced to the national portal",
            Indicator::OnTime => "Dossiers resolved early or on time",
            Indicator::ResolutionTime => "Average resolution time",
            Indicator::ProceduresOnline => "Procedures offered online",
            Indicator::ServicesWithOnlineDossiers => "Online services that received dossiers",
            Indicator::OnlineDossiers => "Online dossiers",
            Indicator::FeeProceduresPayableOnline => "Fee-bearing procedures payable online",
            Indicator::PaidOnline => "Dossiers paid online",
            Indicator::ElectronicResult => "Dossiers with a signed electronic result",
            Indicator::DigitizedWithElectronicResult => {
                "Dossiers digitized with an electronic result"
            }
            Indicator::ReusedData => "Dossiers reusing digitized data",
            Indicator::LinkedToKho => "Dossiers linked to the personal e-data store",
            Indicator::VneidVerified => "Dossiers from VNeID-verified accounts",
            Indicator::FeedbackClassified => "Feedback classified",
            Indicator::FeedbackHandledInTime => "Feedback handled within 15 working days",
            Indicator::FeedbackSatisfaction => "Satisfaction with feedback handling",
            Indicator::OverdueAndDislikes => "100% minus overdue and complaint or dislike rates",
        }
    }

    /// The threshold §6 names (full points at or above it), else 100%.
    pub fn default_threshold(self) -> f64 {
        match self {
            Indicator::ProceduresOnline => 0.8,
            Indicator::OnlineDossiers => 0.5,
            Indicator::FeeProceduresPayableOnline => 0.8,
            Indicator::DigitizedWithElectronicResult => 0.8,
            Indicator::ReusedData => 0.8,
            Indicator::OverdueAndDislikes => 0.9,
            _ => 1.0,
        }
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The five groups, 1–5, with their names and the weights of §6.
pub const GROUPS: [(u8, &str, &str, f64); 5] = [
    (
        1,
        "Công khai, minh bạch",
        "Publicity and transparency",
        18.0,
    ),
    (
        2,
        "Tiến độ, kết quả giải quyết",
        "Progress and results",
        20.0,
    ),
    (3, "Dịch vụ công trực tuyến", "Online services", 22.0),
    (4, "Số hóa hồ sơ", "Digitization", 22.0),
    (5, "Mức độ hài lòng", "Satisfaction", 18.0),
];

/// The weight of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupWeight {
    pub group: u8,
    pub points: f64,
}

/// The points and threshold of one indicator. `threshold` is a fraction in (0, 1]: 0.8 means
/// full points at 80% or more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorRule {
    pub indicator: Indicator,
    pub points: f64,
    pub threshold: f64,
}

fn yes() -> bool {
    true
}

/// The index's configuration. Per-indicator points are UNCONFIRMED (domain.md §6): the
/// default splits each group's points evenly across its indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexConfig {
    pub groups: Vec<GroupWeight>,
    pub indicators: Vec<IndicatorRule>,
    /// Rescale the total to the points that could be measured (see the module docs).
    #[serde(default = "yes")]
    pub rescale_unmeasured: bool,
}

impl Default for IndexConfig {
    fn default() -> Self {
        let groups: Vec<GroupWeight> = GROUPS
            .iter()
            .map(|(group, _, _, points)| GroupWeight {
                group: *group,
                points: *points,
            })
            .collect();
        let indicators = Indicator::ALL
            .into_iter()
            .map(|indicator| {
                let group = indicator.group();
                let members = Indicator::ALL.iter().filter(|i| i.group() == group).count();
                let points = GROUPS.iter().find(|g| g.0 == group).map_or(0.0, |g| g.3);
                IndicatorRule {
                    indicator,
                    points: points / members as f64,
                    threshold: indicator.default_threshold(),
                }
            })
            .collect();
        Self {
            groups,
            indicators,
            rescale_unmeasured: true,
        }
    }
}

/// What is wrong with an [`IndexConfig`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndexConfigProblem {
    #[error("Nhóm {0} không tồn tại (1–5) / No group {0} (1–5)")]
    UnknownGroup(u8),
    #[error("Nhóm {0} khai báo hai lần / Group {0} given twice")]
    DuplicateGroup(u8),
    #[error("Thiếu nhóm {0} / Group {0} missing")]
    MissingGroup(u8),
    #[error("Chỉ số {0} khai báo hai lần / Indicator {0} given twice")]
    DuplicateIndicator(Indicator),
    #[error("Thiếu chỉ số {0} / Indicator {0} missing")]
    MissingIndicator(Indicator),
    #[error("Điểm của {0} phải là số không âm / The points of {0} must be a number ≥ 0")]
    BadPoints(String),
    #[error("Ngưỡng của chỉ số {0} phải trong (0, 1] / The threshold of {0} must be in (0, 1]")]
    BadThreshold(Indicator),
    #[error("Tổng điểm các nhóm là {0}, phải là 100 / The groups add up to {0}, not 100")]
    GroupsNotHundred(f64),
    #[error("Các chỉ số nhóm {group} cộng được {sum}, khác {points} điểm của nhóm / The indicators of group {group} add up to {sum}, not its {points} points")]
    GroupMismatch { group: u8, sum: f64, points: f64 },
}

const EPSILON: f64 = 1e-9;

impl IndexConfig {
    /// Every problem; empty when the configuration is sound.
    pub fn validate(&self) -> Vec<IndexConfigProblem> {
        let mut out = Vec::new();
        let mut seen_groups = Vec::new();
        for g in &self.groups {
            if !(1..=5).contains(&g.group) {
                out.push(IndexConfigProblem::UnknownGroup(g.group));
            } else if seen_groups.contains(&g.group) {
                out.push(IndexConfigProblem::DuplicateGroup(g.group));
            } else {
                seen_groups.push(g.group);
            }
            if !g.points.is_finite() || g.points < 0.0 {
                out.push(IndexConfigProblem::BadPoints(format!("nhóm {}", g.group)));
            }
        }
        for group in 1..=5u8 {
            if !seen_groups.contains(&group) {
                out.push(IndexConfigProblem::MissingGroup(group));
            }
        }
        let mut seen = Vec::new();
        for rule in &self.indicators {
            if seen.contains(&rule.indicator) {
                out.push(IndexConfigProblem::DuplicateIndicator(rule.indicator));
            } else {
                seen.push(rule.indicator);
            }
            if !rule.points.is_finite() || rule.points < 0.0 {
                out.push(IndexConfigProblem::BadPoints(rule.indicator.to_string()));
            }
            if !(rule.threshold > 0.0 && rule.threshold <= 1.0) {
                out.push(IndexConfigProblem::BadThreshold(rule.indicator));
            }
        }
        for indicator in Indicator::ALL {
            if !seen.contains(&indicator) {
                out.push(IndexConfigProblem::MissingIndicator(indicator));
            }
        }
        let total: f64 = self.groups.iter().map(|g| g.points).sum();
        if (total - 100.0).abs() > EPSILON {
            out.push(IndexConfigProblem::GroupsNotHundred(total));
        }
        for g in &self.groups {
            let sum: f64 = self
                .indicators
                .iter()
                .filter(|r| r.indicator.group() == g.group)
                .map(|r| r.points)
                .sum();
            if (sum - g.points).abs() > EPSILON {
                out.push(IndexConfigProblem::GroupMismatch {
                    group: g.group,
                    sum,
                    points: g.points,
                });
            }
        }
        out
    }

    /// The rule of an indicator, if configured.
    pub fn rule(&self, indicator: Indicator) -> Option<&IndicatorRule> {
        self.indicators.iter().find(|r| r.indicator == indicator)
    }

    /// The weight of a group, 0 if not configured.
    pub fn group_points(&self, group: u8) -> f64 {
        self.groups
            .iter()
            .find(|g| g.group == group)
            .map_or(0.0, |g| g.points)
    }
}

/// The facts the index needs that do not come from dossiers, for the scope being scored.
/// `None` means "not known": the indicator is then not measured.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IndexInputs {
    /// 1.1: procedures published on time, of procedures due for publication.
    #[serde(default)]
    pub published_on_time: Option<Ratio>,
    /// 1.2: procedures in the national database within 5 working days of the decision.
    #[serde(default)]
    pub published_in_database: Option<Ratio>,
    /// 1.3: procedure records with all mandatory components.
    #[serde(default)]
    pub complete_records: Option<Ratio>,
    /// 3.1: procedures offered online (full or partial), of all procedures of the scope.
    #[serde(default)]
    pub procedures_online: Option<Ratio>,
    /// 3.2: the denominator, the procedures of the scope offered online; the numerator is
    /// the procedures that received online dossiers in the period (from the report).
    #[serde(default)]
    pub online_services: Option<u64>,
    /// 3.5: fee-bearing procedures payable online, of fee-bearing procedures.
    #[serde(default)]
    pub fee_procedures_payable_online: Option<Ratio>,
    /// 5.1: feedback classified, of feedback received.
    #[serde(default)]
    pub feedback_classified: Option<Ratio>,
    /// 5.2: feedback handled within 15 working days.
    #[serde(default)]
    pub feedback_handled_in_time: Option<Ratio>,
    /// 5.3: satisfied with the handling of their feedback.
    #[serde(default)]
    pub feedback_satisfaction: Option<Ratio>,
    /// 5.4: dossiers of the period with a complaint (phản ánh) about them. Without it 5.4 is
    /// not measured: counting the dislikes alone would overstate the score.
    #[serde(default)]
    pub complaint_dossiers: Option<u64>,
}

impl IndexInputs {
    /// The inputs the catalog gives, from the procedures of the scope (the versions in
    /// force): 3.1 and the denominator of 3.2. The rest stays unknown.
    ///
    /// Takes references: a ranking scores every unit, and cloning the catalog's records per unit
    /// cost more than the whole counter query.
    pub fn from_catalog<'a>(procedures: impl IntoIterator<Item = &'a Procedure>) -> Self {
        let (mut all, mut online) = (0u64, 0u64);
        for p in procedures {
            all += 1;
            if p.online_level != OnlineLevel::None {
                online += 1;
            }
        }
        Self::from_counts(all, online)
    }

    /// [`IndexInputs::from_catalog`] from the counts it takes: `all` procedures, of which
    /// `online` are offered online.
    pub fn from_counts(all: u64, online: u64) -> Self {
        Self {
            procedures_online: Some(Ratio::new(online, all)),
            online_services: Some(online),
            ..Self::default()
        }
    }
}

/// Why an indicator has no score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotMeasured {
    /// An input tinhso does not have (see [`IndexInputs`]).
    InputMissing,
    /// Nothing to measure in the period: the denominator is zero.
    EmptyDenominator,
}

impl NotMeasured {
    pub fn label_vi(self) -> &'static str {
        match self {
            NotMeasured::InputMissing => "Chưa có dữ liệu",
            NotMeasured::EmptyDenominator => "Không phát sinh trong kỳ",
        }
    }
}

/// The score of one indicator, traceable: numerator, denominator, rate, points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorScore {
    /// Serialized as `"2.1"`.
    pub id: Indicator,
    pub name_vi: String,
    pub name_en: String,
    pub numerator: Option<u64>,
    pub denominator: Option<u64>,
    /// The rate scored (a fraction; 2.2 and 5.4 are derived, see [`score`]).
    pub rate: Option<f64>,
    pub points: f64,
    pub max_points: f64,
    pub threshold: f64,
    /// `max_points − points` when measured; 0 otherwise.
    pub lost_points: f64,
    /// Set when the indicator could not be measured; it then counts in no total.
    pub not_measured: Option<NotMeasured>,
}

/// The score of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupScore {
    pub group: u8,
    pub name_vi: String,
    pub name_en: String,
    pub points: f64,
    pub max_points: f64,
    /// The points of its measured indicators.
    pub measured_max_points: f64,
}

/// The index of one unit (agency, province) over one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexScore {
    /// Out of [`IndexScore::max_points`]: rescaled to the measured points when configured
    /// (see the module docs); `None` when nothing could be measured.
    pub total: Option<f64>,
    /// Points earned on the measured indicators, unscaled.
    pub earned_points: f64,
    /// The points the measured indicators carry.
    pub measured_max_points: f64,
    /// The sum of the group weights (100 by default).
    pub max_points: f64,
    /// Whether `total` was rescaled.
    pub rescaled: bool,
    pub groups: Vec<GroupScore>,
    pub indicators: Vec<IndicatorScore>,
}

/// The points a rate earns: full at or above the threshold, else `rate × points ÷ threshold`
/// (domain.md §6), kept within `[0, points]`.
pub fn points_for(rate: f64, points: f64, threshold: f64) -> f64 {
    let points = points.max(0.0);
    if !rate.is_finite() || rate <= 0.0 {
        return 0.0;
    }
    if threshold <= 0.0 || rate >= threshold {
        points
    } else {
        (rate * points / threshold).clamp(0.0, points)
    }
}

/// What one indicator measures from the report and the inputs.
struct Measure {
    numerator: u64,
    denominator: u64,
    rate: f64,
}

fn from_ratio(ratio: Ratio) -> Result<Measure, NotMeasured> {
    let rate = ratio.rate().ok_or(NotMeasured::EmptyDenominator)?;
    Ok(Measure {
        numerator: ratio.numerator,
        denominator: ratio.denominator,
        rate,
    })
}

fn from_input(input: Option<Ratio>) -> Result<Measure, NotMeasured> {
    from_ratio(input.ok_or(NotMeasured::InputMissing)?)
}

fn measure(
    indicator: Indicator,
    report: &KpiReport,
    inputs: &IndexInputs,
) -> Result<Measure, NotMeasured> {
    match indicator {
        Indicator::PublishedOnTime => from_input(inputs.published_on_time),
        Indicator::PublishedInDatabase => from_input(inputs.published_in_database),
        Indicator::CompleteRecords => from_input(inputs.complete_records),
        Indicator::SyncedToNational => from_ratio(report.synced_rate),
        Indicator::OnTime => from_ratio(report.on_time_rate),
        // 2.2, UNCONFIRMED reading: the working time the first appointments allowed over the
        // time the resolved dossiers took (pauses excluded), capped at 100%: resolving on
        // average within the time limit earns the full points.
        Indicator::ResolutionTime => {
            if report.resolved == 0 {
                return Err(NotMeasured::EmptyDenominator);
            }
            let allowed = report.allowed_minutes.numerator;
            let used = report.resolution_minutes.numerator;
            let rate = if used == 0 {
                1.0
            } else {
                (allowed as f64 / used as f64).min(1.0)
            };
            Ok(Measure {
                numerator: allowed,
                denominator: used,
                rate,
            })
        }
        Indicator::ProceduresOnline => from_input(inputs.procedures_online),
        Indicator::ServicesWithOnlineDossiers => {
            let services = inputs.online_services.ok_or(NotMeasured::InputMissing)?;
            let with = report.procedures_with_online_dossiers.len() as u64;
            from_ratio(Ratio::new(with.min(services), services))
        }
        // 3.3: the parenthetical of §6 (electronic results of paper-result procedures) needs
        // a per-procedure fact tinhso does not keep yet; online dossiers alone are counted.
        Indicator::OnlineDossiers => from_ratio(report.online_rate),
        Indicator::FeeProceduresPayableOnline => from_input(inputs.fee_procedures_payable_online),
        Indicator::PaidOnline => from_ratio(report.online_payment_rate),
        Indicator::ElectronicResult => from_ratio(report.electronic_result_rate),
        Indicator::DigitizedWithElectronicResult => {
            from_ratio(report.digitized_with_electronic_result_rate)
        }
        Indicator::ReusedData => from_ratio(report.reused_data_rate),
        Indicator::LinkedToKho => from_ratio(report.kho_rate),
        Indicator::VneidVerified => from_ratio(report.vneid_rate),
        Indicator::FeedbackClassified => from_input(inputs.feedback_classified),
        Indicator::FeedbackHandledInTime => from_input(inputs.feedback_handled_in_time),
        Indicator::FeedbackSatisfaction => from_input(inputs.feedback_satisfaction),
        // 5.4 = 100% − (overdue rate + rate of dossiers with a complaint or a dislike), both
        // over the dossiers processed in the period; the numerator is what is left.
        Indicator::OverdueAndDislikes => {
            let complaints = inputs.complaint_dossiers.ok_or(NotMeasured::InputMissing)?;
            let processed = report.processed;
            let bad = report
                .late
                .saturating_add(report.dissatisfied)
                .saturating_add(complaints);
            from_ratio(Ratio::new(processed.saturating_sub(bad), processed))
        }
    }
}

/// Scores a report (of one agency or the province, over one period).
pub fn score(report: &KpiReport, inputs: &IndexInputs, config: &IndexConfig) -> IndexScore {
    let indicators: Vec<IndicatorScore> = Indicator::ALL
        .into_iter()
        .map(|indicator| {
            let (max_points, threshold) = config
                .rule(indicator)
                .map_or((0.0, indicator.default_threshold()), |r| {
                    (r.points.max(0.0), r.threshold)
                });
            let base = IndicatorScore {
                id: indicator,
                name_vi: indicator.name_vi().to_string(),
                name_en: indicator.name_en().to_string(),
                numerator: None,
                denominator: None,
                rate: None,
                points: 0.0,
                max_points,
                threshold,
                lost_points: 0.0,
                not_measured: None,
            };
            match measure(indicator, report, inputs) {
                Ok(m) => {
                    let points = points_for(m.rate, max_points, threshold);
                    IndicatorScore {
                        numerator: Some(m.numerator),
                        denominator: Some(m.denominator),
                        rate: Some(m.rate),
                        points,
                        lost_points: (max_points - points).max(0.0),
                        ..base
                    }
                }
                Err(why) => IndicatorScore {
                    not_measured: Some(why),
                    ..base
                },
            }
        })
        .collect();
    let groups: Vec<GroupScore> = GROUPS
        .iter()
        .map(|(group, vi, en, _)| {
            let members = indicators.iter().filter(|s| s.id.group() == *group);
            let measured = members.clone().filter(|s| s.not_measured.is_none());
            GroupScore {
                group: *group,
                name_vi: (*vi).to_string(),
                name_en: (*en).to_string(),
                points: measured.clone().map(|s| s.points).sum(),
                max_points: config.group_points(*group),
                measured_max_points: measured.map(|s| s.max_points).sum(),
            }
        })
        .collect();
    let max_points: f64 = config.groups.iter().map(|g| g.points.max(0.0)).sum();
    let earned: f64 = groups.iter().map(|g| g.points).sum();
    let measured_max: f64 = groups.iter().map(|g| g.measured_max_points).sum();
    let total = if measured_max <= 0.0 {
        None
    } else if config.rescale_unmeasured {
        Some((earned * max_points / measured_max).clamp(0.0, max_points))
    } else {
        Some(earned)
    };
    IndexScore {
        total,
        earned_points: earned,
        measured_max_points: measured_max,
        max_points,
        rescaled: config.rescale_unmeasured,
        groups,
        indicators,
    }
}

/// Ranks scored units, best first. Totals are compared as displayed, rounded to hundredths;
/// equal totals share a rank and the next rank skips (1, 2, 2, 4). Units with no total come
/// last, sharing one rank. Ties keep the input order.
pub fn rank<K: Clone>(scores: &[(K, IndexScore)]) -> Vec<(K, u32)> {
    let hundredths = |s: &IndexScore| s.total.map(|t| (t * 100.0).round() as i64);
    let mut order: Vec<(usize, Option<i64>)> = scores
        .iter()
        .enumerate()
        .map(|(i, (_, s))| (i, hundredths(s)))
        .collect();
    // Some(higher) first, None last; stable for ties.
    order.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let mut out = Vec::with_capacity(order.len());
    let mut current_rank = 0u32;
    let mut previous: Option<Option<i64>> = None;
    for (position, (i, total)) in order.into_iter().enumerate() {
        if previous != Some(total) {
            current_rank = position as u32 + 1;
            previous = Some(total);
        }
        out.push((scores[i].0.clone(), current_rank));
    }
    out
}
