//! Administrative units (đơn vị hành chính): provinces and communes, with validity periods.
//!
//! From 1/7/2025 there are 34 provinces and communes (no districts). Units replaced on that day
//! stay in history with `valid_to = 2025-06-30`, linked to their successor(s) by [`Succession`].

use serde::{Deserialize, Serialize};

pub mod parse;
pub use parse::{parse_units_csv, RowProblem, UnitsFile, UnitsFileError, UnitsFormat};

/// Kind of unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Province,
    /// Legacy only (abolished 1/7/2025).
    District,
    /// Xã, phường, đặc khu (and legacy thị trấn).
    Commune,
}

/// One administrative unit in one validity period. Codes are the Statistics Office's; a code
/// may appear in two periods (a commune that kept its code through the reform), so the key is
/// (`code`, `kind`, `valid_from`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminUnit {
    pub code: String,
    pub kind: UnitKind,
    pub name: String,
    /// e.g. "Phường", "Xã", "Đặc khu", "Tỉnh", "Thành phố", "Quận", "Huyện", "Thị trấn".
    #[serde(default)]
    pub unit_type: String,
    /// Code of the enclosing unit (province for a commune after 2025; district before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_code: Option<String>,
    pub valid_from: jiff::civil::Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<jiff::civil::Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_km2: Option<f64>,
}

/// Old commune → new commune, from the 1/7/2025 reform. `partial` where the old commune was
/// split across several new ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Succession {
    pub old_code: String,
    pub new_code: String,
    pub partial: bool,
    pub effective: jiff::civil::Date,
}
