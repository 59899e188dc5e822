//! Catalog search: an in-memory index ([`tinhso_search::SearchIndex`]) over the latest version of
//! every procedure, rebuilt when the store's catalog revision moves (an import here or on another
//! node). Searching never touches the database, so it behaves the same on SQLite and PostgreSQL.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use tinhso_domain::agency::AgencyEId;
use tinhso_domain::catalog::{OnlineLevel, Procedure, ProcedureCode, ProcedureVersion};
use tinhso_search::{SearchIndex, SearchQuery};
use tinhso_store::{Store, StoreResult};

/// One immutable snapshot of the catalog: the index and the records it points to.
pub struct CatalogSnapshot {
    pub revision: i64,
    pub index: SearchIndex,
    pub records: HashMap<ProcedureCode, ProcedureVersion>,
    /// Per agency: the procedures it implements and how many of them are offered online
    /// (the 766 index's 3.1 and the denominator of 3.2), counted once per snapshot (a
    /// ranking needs every agency's; counting them per request read the catalog each time).
    pub procedures_by_agency: HashMap<AgencyEId, AgencyProcedures>,
}

/// What [`CatalogSnapshot::procedures_by_agency`] counts for one agency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgencyProcedures {
    pub all: u64,
    pub online: u64,
}

/// Counts the procedures of each agency (an agency named twice by a procedure counts it
/// once).
fn count_by_agency<'a>(
    procedures: impl Iterator<Item = &'a Procedure>,
) -> HashMap<AgencyEId, AgencyProcedures> {
    let mut counts: HashMap<AgencyEId, AgencyProcedures> = HashMap::new();
    let mut seen: HashSet<&AgencyEId> = HashSet::new();
    for p in procedures {
        let online = u64::from(p.online_level != OnlineLevel::None);
        seen.clear();
        for a in &p.agency_eids {
            if !seen.insert(a) {
                continue;
            }
            let c = counts.entry(a.clone()).or_default();
            c.all += 1;
            c.online += online;
        }
    }
    counts
}

/// A page of search results with the records.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchPage {
    pub total: usize,
    pub items: Vec<SearchItem>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchItem {
    pub score: f32,
    pub version: u32,
    #[serde(flatten)]
    pub procedure: tinhso_domain::catalog::Procedure,
}

/// The live catalog: a snapshot swapped atomically on refresh.
pub struct Catalog {
    current: RwLock<Arc<CatalogSnapshot>>,
}

impl Catalog {
    /// Loads the snapshot from the store.
    pub async fn load(store: &dyn Store) -> StoreResult<Self> {
        let snapshot = build_snapshot(store).await?;
        Ok(Self {
            current: RwLock::new(Arc::new(snapshot)),
        })
    }

    /// The current snapshot (cheap: an `Arc` clone).
    pub fn snapshot(&self) -> Arc<CatalogSnapshot> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Rebuilds the snapshot when the store's revision differs from ours. Returns whether it did.
    pub async fn refresh(&self, store: &dyn Store) -> StoreResult<bool> {
        let revision = store.catalog_revision().await?;
        if revision == self.snapshot().revision {
            return Ok(false);
        }
        let snapshot = build_snapshot(store).await?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(snapshot);
        Ok(true)
    }

    /// Searches the current snapshot.
    pub fn search(&self, query: &SearchQuery) -> SearchPage {
        let snap = self.snapshot();
        let results = snap.index.search(query);
        let items = results
            .hits
            .iter()
            .filter_map(|hit| {
                snap.records.get(&hit.code).map(|v| SearchItem {
                    score: hit.score,
                    version: v.version,
                    procedure: v.procedure.clone(),
                })
            })
            .collect();
        SearchPage {
            total: results.total,
            items,
        }
    }
}

async fn build_snapshot(store: &dyn Store) -> StoreResult<CatalogSnapshot> {
    // Read the revision first: if an import lands in between, the next refresh sees a newer
    // revision and rebuilds again, so we never keep a stale snapshot labelled as fresh.
    let revision = store.catalog_revision().await?;
    let latest = store.latest_procedures().await?;
    let index = SearchIndex::build(latest.iter().map(|v| &v.procedure));
    let procedures_by_agency = count_by_agency(latest.iter().map(|v| &v.procedure));
    let records = latest
        .into_iter()
        .map(|v| (v.procedure.code.clone(), v))
        .collect();
    Ok(CatalogSnapshot {
        revision,
        index,
        records,
        procedures_by_agency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn procedure(code: &str, online: bool, agencies: &[&str]) -> Procedure {
        Procedure {
            agency_eids: agencies
                .iter()
                .map(|a| AgencyEId::parse(a).expect("agency"))
                .collect(),
            online_level: if online {
                OnlineLevel::Full
            } else {
                OnlineLevel::None
            },
            ..Procedure::bare(ProcedureCode::parse(code).expect("code"), code)
        }
    }

    #[test]
    fn agencies_count_each_procedure_once_and_its_online_ones() {
        let (a, b) = ("000.00.12.H62", "000.00.13.H62");
        let procedures = [
            procedure("1.000001", true, &[a, b]),
            // Named twice: still one procedure of `a`.
            procedure("1.000002", false, &[a, a]),
            procedure("1.000003", true, &[b]),
        ];
        let counts = count_by_agency(procedures.iter());
        let of = |e: &str| counts[&AgencyEId::parse(e).expect("agency")];
        assert_eq!(of(a), AgencyProcedures { all: 2, online: 1 });
        assert_eq!(of(b), AgencyProcedures { all: 2, online: 2 });
        assert_eq!(counts.len(), 2);
    }
}
