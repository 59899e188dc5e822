//! The public transparency page (`/minh-bach`, no sign-in): per-agency counts and on-time rates
//! for this month and this year (issue 5). What is published is configuration
//! (`transparency_enabled`, `transparency_indicators`, or a `[transparency]` section of the
//! config file); nothing personal is ever published: agencies are public bodies, and no dossier
//! code, applicant or officer appears.

use std::fmt;
use std::str::FromStr;

use tinhso_domain::kpi::Period;
use tinhso_store::kpi::DimensionKind;

use crate::dossiers::DossierResult;
use crate::kpi::RankedUnit;
use crate::App;

/// A column the transparency page may publish per agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PublicColumn {
    /// Dossiers received in the period.
    Received,
    /// Dossiers that ended for the index in the period (early + on time + late).
    Processed,
    /// Of which late.
    Late,
    /// (Early + on time) ÷ processed: index 2.1.
    OnTimeRate,
    /// Being processed now with the due date passed.
    OverdueNow,
    /// The 766 index score.
    Score,
}

impl PublicColumn {
    pub const ALL: [PublicColumn; 6] = [
        PublicColumn::Received,
        PublicColumn::Processed,
        PublicColumn::Late,
        PublicColumn::OnTimeRate,
        PublicColumn::OverdueNow,
        PublicColumn::Score,
    ];

    /// The name used in the configuration.
    pub fn key(self) -> &'static str {
        match self {
            PublicColumn::Received => "received",
            PublicColumn::Processed => "processed",
            PublicColumn::Late => "late",
            PublicColumn::OnTimeRate => "on_time_rate",
            PublicColumn::OverdueNow => "overdue_now",
            PublicColumn::Score => "score",
        }
    }
}

/// The published columns, in order (a setting: comma-separated keys, e.g.
/// `received,processed,on_time_rate`; empty publishes the agency names alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicColumns(pub Vec<PublicColumn>);

impl FromStr for PublicColumns {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let column = PublicColumn::ALL
                .into_iter()
                .find(|c| c.key() == part)
                .ok_or_else(|| {
                    format!(
                        "không có cột {part:?}; chọn trong / unknown column {part:?}; choose among: {}",
                        PublicColumn::ALL.map(PublicColumn::key).join(", ")
                    )
                })?;
            if !out.contains(&column) {
                out.push(column);
            }
        }
        Ok(Self(out))
    }
}

impl fmt::Display for PublicColumns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self.0.iter().map(|c| c.key()).collect();
        f.write_str(&keys.join(","))
    }
}

/// What the transparency page publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransparencySettings {
    pub enabled: bool,
    pub columns: PublicColumns,
}

impl TransparencySettings {
    pub fn shows(&self, column: PublicColumn) -> bool {
        self.columns.0.contains(&column)
    }
}

/// One agency's published numbers (only the configured columns are filled).
#[derive(Debug, Clone, PartialEq)]
pub struct PublicRow {
    pub agency: String,
    pub received: Option<u64>,
    pub processed: Option<u64>,
    pub late: Option<u64>,
    /// (early + on time, processed).
    pub on_time: Option<(u64, u64)>,
    pub overdue_now: Option<u64>,
    pub score: Option<Option<f64>>,
}

fn public_row(unit: &RankedUnit, s: &TransparencySettings) -> PublicRow {
    let show = |c: PublicColumn| s.shows(c);
    // processed = early + on time + late (domain.md §3), so the numerator is exact.
    let on_time = (unit.processed.saturating_sub(unit.late), unit.processed);
    PublicRow {
        agency: unit.name.clone(),
        received: show(PublicColumn::Received).then_some(unit.received),
        processed: show(PublicColumn::Processed).then_some(unit.processed),
        late: show(PublicColumn::Late).then_some(unit.late),
        on_time: show(PublicColumn::OnTimeRate).then_some(on_time),
        overdue_now: show(PublicColumn::OverdueNow).then_some(unit.overdue_now),
        score: show(PublicColumn::Score).then_some(unit.total),
    }
}

impl App {
    /// The published rows of every agency with dossiers in the period, best on-time rate
    /// first (agencies with nothing processed last), or `None` when the page is switched off.
    pub async fn transparency(&self, period: Period) -> DossierResult<Option<Vec<PublicRow>>> {
        let settings = &self.settings.transparency;
        if !settings.enabled {
            return Ok(None);
        }
        let mut units = self.ranking(DimensionKind::CompetentAgency, period).await?;
        // Rates compared exactly ("a of b"), then by volume, then by name.
        units.sort_by(|a, b| {
            let key = |u: &RankedUnit| u.on_time_rate.map(|r| (r * 1e6).round() as i64);
            key(b)
                .cmp(&key(a))
                .then(b.processed.cmp(&a.processed))
                .then(a.name.cmp(&b.name))
        });
        Ok(Some(
            units.iter().map(|u| public_row(u, settings)).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_parse_in_order_and_refuse_unknown_names() {
        let c: PublicColumns = " on_time_rate, received ,on_time_rate".parse().unwrap();
        assert_eq!(c.0, vec![PublicColumn::OnTimeRate, PublicColumn::Received]);
        assert_eq!(c.to_string(), "on_time_rate,received");
        assert_eq!("".parse::<PublicColumns>().unwrap().0, vec![]);
        let e = "received,names".parse::<PublicColumns>().unwrap_err();
        assert!(e.contains("names") && e.contains("on_time_rate"), "{e}");
    }
}
