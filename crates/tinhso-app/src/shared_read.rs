//! Concurrent identical reads share one query (single flight), with nothing kept for later.
//!
//! Under load many requests ask the store the same question at the same moment: which user
//! holds this API token, what the reference revisions are. [`SharedReads::read`] lets them
//! share one query per key, without a cache: a caller only ever receives the answer of a query
//! that **started after it arrived**. So the answer is exactly as fresh as if the caller had
//! queried alone — a token revoked (or a catalog imported) before a request arrived is seen by
//! that request, on this node or any other — and no answer outlives the callers waiting for it.
//!
//! How: each caller takes a ticket on arrival. One query per key runs at a time, under an async
//! mutex; it notes the last ticket handed out before it starts, so its answer covers every
//! caller up to that ticket. Callers waiting meanwhile take the mutex in turn: one that a
//! finished query covers takes its answer; the first one not covered runs the next query,
//! which then covers everyone who arrived while the previous one ran. At most one query per
//! key is in flight, and a caller waits at most for the query running when it arrived and the
//! next one. A caller dropped while its query runs releases the mutex; the next caller queries.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The state of one key while callers ask for it.
struct Slot<V> {
    /// The last ticket handed out.
    arrivals: AtomicU64,
    /// Held while a query runs; then holds its answer with the last ticket it covers.
    last: tokio::sync::Mutex<Option<(u64, V)>>,
}

/// Shared reads by key. A key's state is dropped as soon as no caller waits on it.
pub(crate) struct SharedReads<K, V> {
    slots: Mutex<HashMap<K, Arc<Slot<V>>>>,
}

impl<K, V> Default for SharedReads<K, V> {
    fn default() -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> SharedReads<K, V> {
    /// The answer of `query` for `key`, from a query that started after this call: this
    /// caller's own, or one it shares with callers that arrived at the same time.
    pub(crate) async fn read<F, Fut>(&self, key: &K, query: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots
                .entry(key.clone())
                .or_insert_with(|| {
                    Arc::new(Slot {
                        arrivals: AtomicU64::new(0),
                        last: tokio::sync::Mutex::new(None),
                    })
                })
                .clone()
        };
        // Forgets the key when its last caller leaves, answered or dropped.
        let caller = Caller {
            reads: self,
            key,
            slot,
        };
        let ticket = caller.slot.arrivals.fetch_add(1, Ordering::SeqCst) + 1;
        let mut last = caller.slot.last.lock().await;
        match &*last {
            Some((covered, value)) if *covered >= ticket => value.clone(),
            _ => {
                // Every ticket up to here was taken before the query starts.
                let covered = caller.slot.arrivals.load(Ordering::SeqCst);
                let value = query().await;
                *last = Some((covered, value.clone()));
                value
            }
        }
    }

    /// Keys with callers waiting or a query running (tests).
    #[cfg(test)]
    fn live_keys(&self) -> usize {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// One caller of a key; on drop, the key's state goes when no other caller holds it.
struct Caller<'a, K: Hash + Eq, V> {
    reads: &'a SharedReads<K, V>,
    key: &'a K,
    slot: Arc<Slot<V>>,
}

impl<K: Hash + Eq, V> Drop for Caller<'_, K, V> {
    fn drop(&mut self) {
        let mut slots = self.reads.slots.lock().unwrap_or_else(|p| p.into_inner());
        // Only the map and this caller hold it (new holders clone it under this lock): idle.
        if Arc::strong_count(&self.slot) == 2 {
            slots.remove(self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_queries_and_nothing_is_kept() {
        let reads: Arc<SharedReads<&'static str, usize>> = Arc::new(SharedReads::default());
        let queries = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let reads = reads.clone();
            let queries = queries.clone();
            tasks.push(tokio::spawn(async move {
                reads
                    .read(&"token", || async {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        queries.fetch_add(1, Ordering::SeqCst) + 1
                    })
                    .await
            }));
        }
        for t in tasks {
            assert!(t.await.expect("task") >= 1);
        }
        let shared = queries.load(Ordering::SeqCst);
        assert!(shared < 50, "50 callers made {shared} queries");
        assert_eq!(
            reads.live_keys(),
            0,
            "nothing kept once callers are answered"
        );

        // A later caller never gets an earlier answer: it queries again.
        let again = reads
            .read(&"token", || async {
                queries.fetch_add(1, Ordering::SeqCst) + 1
            })
            .await;
        assert_eq!(again, shared + 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_arriving_during_a_query_waits_for_the_next_one() {
        let reads: Arc<SharedReads<u8, u32>> = Arc::new(SharedReads::default());
        let version = Arc::new(AtomicUsize::new(1));
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let first = {
            let reads = reads.clone();
            let version = version.clone();
            tokio::spawn(async move {
                reads
                    .read(&1, || async move {
                        // The value is read at the start of the query.
                        let v = version.load(Ordering::SeqCst) as u32;
                        let _ = started_tx.send(());
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        v
                    })
                    .await
            })
        };
        started_rx.await.expect("started");
        // A write lands while the first query runs, then a second caller arrives.
        version.store(2, Ordering::SeqCst);
        let second = reads
            .read(&1, || async { version.load(Ordering::SeqCst) as u32 })
            .await;
        assert_eq!(first.await.expect("first"), 1);
        assert_eq!(
            second, 2,
            "the second caller saw the write made before it arrived"
        );
    }

    #[tokio::test]
    async fn a_dropped_caller_lets_the_next_one_query() {
        let reads: Arc<SharedReads<u8, u32>> = Arc::new(SharedReads::default());
        let stuck = {
            let reads = reads.clone();
            tokio::spawn(async move {
                reads
                    .read(&1, || async {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        0
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
        stuck.abort();
        let _ = stuck.await;
        assert_eq!(reads.read(&1, || async { 7 }).await, 7);
        assert_eq!(reads.live_keys(), 0);
    }
}
