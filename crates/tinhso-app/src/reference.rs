//! The latest reference records every dossier request needs — a procedure's latest version, an
//! agency, a procedure's latest workflow — kept in memory and checked against the store's
//! revision counters ([`Store::revisions`](tinhso_store::Store::revisions)) with ONE read per
//! request, shared by concurrent requests ([`crate::shared_read`]), instead of one read per
//! record per request.
//!
//! Why it is never stale: the counters grow in the same transaction as any write of their kind
//! (database triggers, whoever writes, on any node). A request first reads the counters (a read
//! that started after the request arrived), then takes a kept record only if it was read under
//! the same counter value; otherwise it reads the record from the store and keeps it under the
//! counter value read *before* that read. A write landing in between makes the record newer than
//! its label, never older: the next request simply reads it again.
//!
//! Versions themselves are immutable and kept by [`crate::pinned`]; this module keeps which
//! version is the latest.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, RwLock};

use tinhso_domain::agency::{Agency, AgencyEId};
use tinhso_domain::catalog::{ProcedureCode, ProcedureVersion};
use tinhso_domain::dossier::WorkflowDefinition;
use tinhso_store::{ReferenceRevisions, StoreResult};

use crate::shared_read::SharedReads;
use crate::App;

/// The most records one map keeps; past it the map starts over (a province has a few thousand
/// procedures and a few hundred agencies: a bound against unbounded growth only).
const CAPACITY: usize = 16_384;

/// A record (or its known absence) with the revision it was read under.
type Label<V> = (i64, Option<Arc<V>>);

/// Records by key, each labelled with the revision it was read under.
struct Labelled<K, V> {
    map: RwLock<HashMap<K, Label<V>>>,
}

impl<K, V> Default for Labelled<K, V> {
    fn default() -> Self {
        Self {
            map: RwLock::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq, V> Labelled<K, V> {
    /// The kept record (or its known absence) if it was read under `revision`.
    fn get(&self, key: &K, revision: i64) -> Option<Option<Arc<V>>> {
        let map = self.map.read().unwrap_or_else(|p| p.into_inner());
        match map.get(key) {
            Some((label, value)) if *label == revision => Some(value.clone()),
            _ => None,
        }
    }

    /// The kept record if it was read under `revision`, else `read`'s, kept under `revision`
    /// (read before `read` ran, so the record is at least as new as its label).
    async fn get_or_read<F, Fut>(
        &self,
        key: &K,
        revision: i64,
        read: F,
    ) -> StoreResult<Option<Arc<V>>>
    where
        K: Clone,
        F: FnOnce() -> Fut,
        Fut: Future<Output = StoreResult<Option<Arc<V>>>>,
    {
        if let Some(found) = self.get(key, revision) {
            return Ok(found);
        }
        let found = read().await?;
        self.keep(key.clone(), revision, found.clone());
        Ok(found)
    }

    fn keep(&self, key: K, revision: i64, value: Option<Arc<V>>) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(key, (revision, value));
    }
}

/// The latest reference records of this node.
#[derive(Default)]
pub(crate) struct Reference {
    revisions: SharedReads<(), StoreResult<ReferenceRevisions>>,
    procedures: Labelled<ProcedureCode, ProcedureVersion>,
    agencies: Labelled<AgencyEId, Agency>,
    workflows: Labelled<ProcedureCode, WorkflowDefinition>,
    /// Every agency's display name by e-ID (rankings and heat tables name each unit).
    agency_names: Labelled<(), BTreeMap<String, String>>,
}

impl App {
    /// The store's revision counters, from a read that started after this call (shared with
    /// concurrent callers).
    pub(crate) async fn revisions(&self) -> StoreResult<ReferenceRevisions> {
        self.reference
            .revisions
            .read(&(), || self.store.revisions())
            .await
    }

    /// The latest version of a procedure as of `revisions`.
    pub(crate) async fn latest_procedure(
        &self,
        code: &ProcedureCode,
        revisions: &ReferenceRevisions,
    ) -> StoreResult<Option<Arc<ProcedureVersion>>> {
        let read = || async {
            Ok(self.store.procedure(code).await?.map(|v| {
                // Immutable once recorded: the pinned cache serves later reads of this version.
                self.pinned.procedures.insert((code.clone(), v.version), v)
            }))
        };
        let kept = &self.reference.procedures;
        kept.get_or_read(code, revisions.catalog, read).await
    }

    /// An agency as of `revisions`.
    pub(crate) async fn latest_agency(
        &self,
        eid: &AgencyEId,
        revisions: &ReferenceRevisions,
    ) -> StoreResult<Option<Arc<Agency>>> {
        let read = || async { Ok(self.store.agency(eid).await?.map(Arc::new)) };
        let kept = &self.reference.agencies;
        kept.get_or_read(eid, revisions.agencies, read).await
    }

    /// Every agency's display name by e-ID, as of `revisions`.
    pub(crate) async fn agency_names(
        &self,
        revisions: &ReferenceRevisions,
    ) -> StoreResult<Arc<BTreeMap<String, String>>> {
        let read = || async {
            Ok(Some(Arc::new(
                self.store
                    .agencies()
                    .await?
                    .into_iter()
                    .map(|a| (a.eid.to_string(), a.name))
                    .collect(),
            )))
        };
        let kept = &self.reference.agency_names;
        Ok(kept
            .get_or_read(&(), revisions.agencies, read)
            .await?
            .unwrap_or_default())
    }

    /// The latest workflow of a procedure as of `revisions`.
    pub(crate) async fn latest_workflow(
        &self,
        code: &ProcedureCode,
        revisions: &ReferenceRevisions,
    ) -> StoreResult<Option<Arc<WorkflowDefinition>>> {
        let read = || async {
            Ok(self
                .store
                .workflow(code)
                .await?
                .map(|w| self.pinned.workflows.insert((code.clone(), w.version), w)))
        };
        let kept = &self.reference.workflows;
        kept.get_or_read(code, revisions.workflows, read).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_serves_only_its_revision() {
        let kept: Labelled<u8, String> = Labelled::default();
        assert!(kept.get(&1, 0).is_none());
        kept.keep(1, 5, Some(Arc::new("một".to_string())));
        kept.keep(2, 5, None);
        assert_eq!(
            kept.get(&1, 5).flatten().as_deref(),
            Some(&"một".to_string())
        );
        assert_eq!(kept.get(&2, 5), Some(None), "a known absence");
        assert!(kept.get(&1, 6).is_none(), "another revision reads again");
    }
}
