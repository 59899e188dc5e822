//! The catalog of administrative procedures (thủ tục hành chính, TTHC), domain.md §4.
//!
//! A [`Procedure`] is one record as the province publishes it. Records are **versioned**: the store
//! keeps every [`ProcedureVersion`]; a later import never alters an earlier version, and a dossier
//! is pinned to the version in force when it was accepted.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tinhso_calendar::TimeLimit;

use crate::agency::AgencyEId;

pub mod dvcqg;
pub mod files;

/// A procedure code from the national procedure database, e.g. `1.001193` or `2.000635`.
/// Always eight ASCII bytes, kept inline: a clone copies eight bytes and allocates nothing
/// (dashboards handle one per procedure that received online dossiers, per unit ranked).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProcedureCode([u8; 8]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid procedure code {0:?}: expected a digit, a dot and six digits, e.g. 1.001193")]
pub struct ProcedureCodeError(pub String);

impl ProcedureCode {
    /// Parses `D.DDDDDD` (the national database's form). Surrounding spaces are trimmed.
    pub fn parse(s: &str) -> Result<Self, ProcedureCodeError> {
        let t = s.trim();
        let b = t.as_bytes();
        let ok = b.len() == 8
            && b[0].is_ascii_digit()
            && b[1] == b'.'
            && b[2..].iter().all(u8::is_ascii_digit);
        match <[u8; 8]>::try_from(b) {
            Ok(bytes) if ok => Ok(Self(bytes)),
            _ => Err(ProcedureCodeError(s.to_string())),
        }
    }
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and a dot are ever stored (see `parse`).
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl TryFrom<String> for ProcedureCode {
    type Error = ProcedureCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<ProcedureCode> for String {
    fn from(c: ProcedureCode) -> String {
        c.as_str().to_string()
    }
}
impl std::fmt::Display for ProcedureCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Level of government that carries out a procedure (cấp thực hiện). After 1/7/2025 there is
/// no district level; legacy records that still say "Cấp huyện" keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureLevel {
    /// Cấp bộ
    Ministry,
    /// Cấp tỉnh
    Province,
    /// Cấp huyện (legacy, before 1/7/2025)
    District,
    /// Cấp xã
    Commune,
    /// Cơ quan khác (other bodies)
    Other,
}

/// Online service level (NĐ 42/2022): full (toàn trình) or partial (một phần).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    /// Dịch vụ công trực tuyến toàn trình
    Full,
    /// Dịch vụ công trực tuyến một phần
    Partial,
    /// Not offered online.
    #[default]
    None,
}

/// How a dossier arrives (KenhThucHien): 1 counter, 2 online, 3 postal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Trực tiếp
    Counter = 1,
    /// Trực tuyến
    Online = 2,
    /// Dịch vụ bưu chính
    Postal = 3,
}

/// A fee or charge (phí, lệ phí) as published: the text is kept; the amount is parsed when it can be.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Fee {
    /// Amount in đồng, when the text states a single amount (e.g. "8.000 đồng").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_vnd: Option<u64>,
    /// The published text, e.g. "Lệ phí: 8.000 đồng/bản" or "Miễn lệ phí".
    #[serde(default)]
    pub text: String,
}

/// One way of doing the procedure (cách thức thực hiện): channel, time limit, fees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelOption {
    pub channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit: Option<TimeLimit>,
    /// The published time-limit text, kept even when parsed.
    #[serde(default)]
    pub time_limit_text: String,
    #[serde(default)]
    pub fees: Vec<Fee>,
    #[serde(default)]
    pub description: String,
}

/// A dossier component (thành phần hồ sơ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    /// Form template name (mẫu đơn, tờ khai), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_template: Option<String>,
    #[serde(default)]
    pub originals: u32,
    #[serde(default)]
    pub copies: u32,
    #[serde(default = "yes")]
    pub required: bool,
    /// The state already holds this paper (Chỉ thị 24/CT-TTg): fetch it, never ask for it.
    #[serde(default)]
    pub obtainable_from_data: bool,
}

fn yes() -> bool {
    true
}

/// A legal basis (căn cứ pháp lý).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalBasis {
    /// e.g. "60/2014/QH13"
    pub number: String,
    #[serde(default)]
    pub title: String,
}

/// An administrative procedure as published (one version of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procedure {
    pub code: ProcedureCode,
    pub name: String,
    /// Publishing decision (QĐ công bố), e.g. "1872/QĐ-BTP".
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub levels: Vec<ProcedureLevel>,
    /// Fields / sectors (lĩnh vực), e.g. "Hộ tịch".
    #[serde(default)]
    pub fields: Vec<String>,
    /// Applicant types (đối tượng thực hiện).
    #[serde(default)]
    pub applicant_types: Vec<String>,
    /// Competent agency as published (cơ quan có thẩm quyền), free text.
    #[serde(default)]
    pub competent_agency: String,
    /// Agencies of this province that implement it (a service = procedure × agency).
    #[serde(default)]
    pub agency_eids: Vec<AgencyEId>,
    #[serde(default)]
    pub online_level: OnlineLevel,
    /// The time limit used to compute due dates (the counter channel's, else the first parsed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit: Option<TimeLimit>,
    /// A dossier received after 15:00 counts as received the next working day (domain.md §3);
    /// off unless the procedure says so.
    #[serde(default)]
    pub cutoff_15h: bool,
    #[serde(default)]
    pub channels: Vec<ChannelOption>,
    #[serde(default)]
    pub components: Vec<Component>,
    /// Steps (trình tự thực hiện), as published.
    #[serde(default)]
    pub steps: String,
    /// Requirements and conditions (yêu cầu, điều kiện).
    #[serde(default)]
    pub requirements: String,
    /// Results (kết quả xử lý).
    #[serde(default)]
    pub results: Vec<String>,
    #[serde(default)]
    pub legal_bases: Vec<LegalBasis>,
    /// Source page or file the record came from.
    #[serde(default)]
    pub source: String,
}

impl Procedure {
    /// A procedure with a code and a name and nothing else: no level, field, agency or
    /// component, not online, no time limit (a base to fill with `..`).
    pub fn bare(code: ProcedureCode, name: &str) -> Self {
        Procedure {
            code,
            name: name.to_string(),
            decision: String::new(),
            levels: Vec::new(),
            fields: Vec::new(),
            applicant_types: Vec::new(),
            competent_agency: String::new(),
            agency_eids: Vec::new(),
            online_level: OnlineLevel::None,
            time_limit: None,
            cutoff_15h: false,
            channels: Vec::new(),
            components: Vec::new(),
            steps: String::new(),
            requirements: String::new(),
            results: Vec::new(),
            legal_bases: Vec::new(),
            source: String::new(),
        }
    }

    /// Content hash of the record (SHA-256 of its canonical JSON): equal records hash equal, so a
    /// re-import of the same file changes nothing, and a changed record becomes a new version.
    pub fn content_hash(&self) -> String {
        // serde_json writes struct fields in declaration order: stable for a given build.
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(json))
    }

    /// Fee-bearing: some channel names a non-zero fee (index 766 §3.5).
    pub fn has_fee(&self) -> bool {
        self.channels
            .iter()
            .flat_map(|c| &c.fees)
            .any(|f| f.amount_vnd.is_some_and(|a| a > 0))
    }
}

/// One stored version of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureVersion {
    pub procedure: Procedure,
    /// 1, 2, 3… per code.
    pub version: u32,
    pub content_hash: String,
    /// When this version was recorded (UTC instant).
    pub recorded_at: jiff::Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procedure_codes() {
        assert!(ProcedureCode::parse("1.001193").is_ok());
        assert!(ProcedureCode::parse(" 2.000635 ").is_ok());
        assert!(ProcedureCode::parse("1.00119").is_err());
        assert!(ProcedureCode::parse("1-001193").is_err());
        assert!(ProcedureCode::parse("").is_err());
    }
}
