//! Agencies (cơ quan) and their electronic identifier (mã định danh điện tử, QĐ 20/2020/QĐ-TTg).

use serde::{Deserialize, Serialize};

/// An agency e-ID: at most 35 characters of `[0-9A-Z.]` in dot-separated groups, e.g.
/// `000.00.01.H22` (QĐ 20/2020: `L4(3).L3(2).L2(2).L1(letter+2)`; H-codes are provinces).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgencyEId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid agency e-ID {value:?}: {reason}")]
pub struct AgencyEIdError {
    pub value: String,
    pub reason: &'static str,
}

impl AgencyEId {
    /// Validates the QĐ 20/2020 format. Placeholder rules until the full validator lands.
    pub fn parse(s: &str) -> Result<Self, AgencyEIdError> {
        let err = |reason| AgencyEIdError {
            value: s.to_string(),
            reason,
        };
        if s.is_empty() || s.len() > 35 {
            return Err(err("must be 1 to 35 characters"));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'.')
        {
            return Err(err("only digits, capital letters and dots are allowed"));
        }
        if s.split('.').any(str::is_empty) {
            return Err(err("groups separated by single dots, none empty"));
        }
        Ok(Self(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AgencyEId {
    type Error = AgencyEIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<AgencyEId> for String {
    fn from(c: AgencyEId) -> String {
        c.0
    }
}
impl std::fmt::Display for AgencyEId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Level of an agency in the two-level local government (from 1/7/2025).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyLevel {
    /// Ủy ban nhân dân tỉnh (provincial people's committee)
    Province,
    /// Sở, ban, ngành (provincial department)
    Department,
    /// Trung tâm (e.g. Trung tâm Phục vụ hành chính công, the public administrative service centre)
    Centre,
    /// Ủy ban nhân dân xã/phường/đặc khu (commune people's committee)
    Commune,
}

/// An agency, with validity period and succession (a merged agency points to its successor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub eid: AgencyEId,
    pub name: String,
    pub level: AgencyLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<AgencyEId>,
    /// The administrative unit the agency serves (province or commune code), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_code: Option<String>,
    pub valid_from: jiff::civil::Date,
    /// Last day in force; `None` while in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<jiff::civil::Date>,
    /// The agency that continues this one's work after `valid_to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successor: Option<AgencyEId>,
}
