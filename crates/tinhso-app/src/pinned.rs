//! Records that never change once stored, kept in memory: a procedure version and a workflow
//! version are immutable (the stores refuse to modify them; a change is a new version), so
//! reading one again from the database and decoding its JSON on every request buys nothing.
//! A dossier pins both (domain.md §4), and every intake, action and view needs them.
//!
//! Only immutable records are cached here. The latest version of a procedure or workflow, an
//! agency, a user or an API token can change (on this node, on another node, or from the CLI)
//! and are always read from the store.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};

use tinhso_domain::catalog::{ProcedureCode, ProcedureVersion};
use tinhso_domain::dossier::WorkflowDefinition;

/// The most entries one cache holds; past it the cache starts over (a province has a few
/// thousand procedures, so this is only a bound against unbounded growth).
const CAPACITY: usize = 16_384;

/// A bounded map of immutable values by key.
pub(crate) struct Immutable<K, V> {
    map: RwLock<HashMap<K, Arc<V>>>,
}

impl<K: Hash + Eq, V> Default for Immutable<K, V> {
    fn default() -> Self {
        Self {
            map: RwLock::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq, V> Immutable<K, V> {
    pub(crate) fn get(&self, key: &K) -> Option<Arc<V>> {
        self.map
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    /// Keeps `value` under `key` and returns it shared.
    pub(crate) fn insert(&self, key: K, value: V) -> Arc<V> {
        let value = Arc::new(value);
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(key, value.clone());
        value
    }
}

/// The immutable records the dossier use cases read on every request.
#[derive(Default)]
pub(crate) struct Pinned {
    pub(crate) procedures: Immutable<(ProcedureCode, u32), ProcedureVersion>,
    pub(crate) workflows: Immutable<(ProcedureCode, u32), WorkflowDefinition>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_values_and_starts_over_when_full() {
        let cache: Immutable<usize, String> = Immutable::default();
        assert!(cache.get(&1).is_none());
        let v = cache.insert(1, "một".to_string());
        assert_eq!(cache.get(&1).as_deref(), Some(&"một".to_string()));
        assert!(Arc::ptr_eq(&v, &cache.get(&1).expect("kept")));
        for i in 0..CAPACITY {
            cache.insert(i + 10, String::new());
        }
        assert!(cache.get(&1).is_none(), "the full cache started over");
        assert!(cache.get(&(CAPACITY + 9)).is_some());
    }
}
