//! Catalog search: an in-memory index ([`tinhso_search::SearchIndex`]) over the latest version of
//! every procedure, rebuilt when the store's catalog revision moves (an import here or on another
//! node). Searching never touches the database, so it behaves the same on SQLite and PostgreSQL.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tinhso_domain::catalog::{ProcedureCode, ProcedureVersion};
use tinhso_search::{SearchIndex, SearchQuery};
use tinhso_store::{Store, StoreResult};

/// One immutable snapshot of the catalog: the index and the records it points to.
pub struct CatalogSnapshot {
    pub revision: i64,
    pub index: SearchIndex,
    pub records: HashMap<ProcedureCode, ProcedureVersion>,
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
    let records = latest
        .into_iter()
        .map(|v| (v.procedure.code.clone(), v))
        .collect();
    Ok(CatalogSnapshot {
        revision,
        index,
        records,
    })
}
