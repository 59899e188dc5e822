//! The dossier code (mã hồ sơ), TT 03/2025/TT-VPCP (domain.md §5.2).

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::agency::AgencyEId;

/// The width of the daily sequence as the circular prints it (`0002`).
pub const SEQUENCE_WIDTH: usize = 4;

/// A dossier code: `<agency e-ID>-<yyMMdd>-<daily sequence>`, e.g.
/// `000.00.04.H40-230414-0002`.
///
/// The sequence has 4 digits, zero-padded. Past 9999 in one day it **widens** (`10000`,
/// `10001`, …) instead of wrapping (domain.md §5.2), so a code is never reused. Only the
/// canonical form is accepted, so `parse(code.to_string()) == code` and two spellings never
/// name the same dossier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DossierCode {
    agency: AgencyEId,
    date: Date,
    sequence: u32,
}

/// Why a text or parts are not a dossier code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DossierCodeError {
    #[error("Mã hồ sơ {0:?} phải có dạng <mã cơ quan>-<yyMMdd>-<số thứ tự>, ví dụ 000.00.04.H40-230414-0002 / Dossier code {0:?} must look like <agency e-ID>-<yyMMdd>-<sequence>, e.g. 000.00.04.H40-230414-0002")]
    Shape(String),
    #[error("Mã cơ quan trong mã hồ sơ không hợp lệ: {0} / Invalid agency e-ID in the dossier code: {0}")]
    Agency(#[from] crate::agency::AgencyEIdError),
    #[error("Ngày {0:?} trong mã hồ sơ không hợp lệ (yyMMdd) / Invalid date {0:?} in the dossier code (yyMMdd)")]
    Date(String),
    #[error("Năm {0} nằm ngoài 2000–2099, không viết được dạng yyMMdd / Year {0} is outside 2000–2099 and cannot be written as yyMMdd")]
    YearOutOfRange(i16),
    #[error("Số thứ tự {0:?} không hợp lệ: 4 chữ số (0001–9999), hoặc từ 10000 trở lên không có số 0 đứng đầu / Invalid sequence {0:?}: 4 digits (0001–9999), or 10000 and up without leading zeros")]
    Sequence(String),
}

impl DossierCode {
    /// The code of the `sequence`-th dossier (from 1) that `agency` took on `date`.
    pub fn new(agency: AgencyEId, date: Date, sequence: u32) -> Result<Self, DossierCodeError> {
        if !(2000..=2099).contains(&date.year()) {
            return Err(DossierCodeError::YearOutOfRange(date.year()));
        }
        if sequence == 0 {
            return Err(DossierCodeError::Sequence("0".to_string()));
        }
        Ok(Self {
            agency,
            date,
            sequence,
        })
    }

    /// Reads a code in its canonical form (surrounding spaces are trimmed).
    pub fn parse(text: &str) -> Result<Self, DossierCodeError> {
        let trimmed = text.trim();
        let shape = || DossierCodeError::Shape(text.to_string());
        // The e-ID has no '-' ([0-9A-Z.] only), so the code has exactly three parts.
        let mut parts = trimmed.split('-');
        let (Some(eid), Some(day), Some(seq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(shape());
        };
        let agency = AgencyEId::parse(eid)?;
        let date = parse_yymmdd(day).ok_or_else(|| DossierCodeError::Date(day.to_string()))?;
        let sequence =
            parse_sequence(seq).ok_or_else(|| DossierCodeError::Sequence(seq.to_string()))?;
        Self::new(agency, date, sequence)
    }

    /// The agency that took the code (the receiving unit).
    pub fn agency(&self) -> &AgencyEId {
        &self.agency
    }

    /// The day the dossier entered the system.
    pub fn date(&self) -> Date {
        self.date
    }

    /// The daily sequence number, from 1.
    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

/// `yyMMdd` → a date in 2000–2099.
fn parse_yymmdd(text: &str) -> Option<Date> {
    if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i8>().ok();
    let year = 2000 + i16::from(number(0..2)?);
    Date::new(year, number(2..4)?, number(4..6)?).ok()
}

/// Exactly 4 digits (not `0000`), or 5 and more digits without a leading zero (≥ 10000).
fn parse_sequence(text: &str) -> Option<u32> {
    if text.len() < SEQUENCE_WIDTH || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if text.len() > SEQUENCE_WIDTH && text.starts_with('0') {
        return None;
    }
    let value: u32 = text.parse().ok()?;
    (value > 0).then_some(value)
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{:02}{:02}{:02}-{:0width$}",
            self.agency,
            self.date.year() % 100,
            self.date.month(),
            self.date.day(),
            self.sequence,
            width = SEQUENCE_WIDTH
        )
    }
}

impl std::str::FromStr for DossierCode {
    type Err = DossierCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for DossierCode {
    type Error = DossierCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<DossierCode> for String {
    fn from(code: DossierCode) -> String {
        code.to_string()
    }
}
