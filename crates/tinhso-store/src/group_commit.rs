//! Group commit of dossier writes, shared by both backends.
//!
//! Callers ([`GroupWriter::write`]) send their writes and a one-shot reply slot over a channel
//! to one writer per store ([`GroupWriter::spawn`]: its own thread in a multi-threaded runtime,
//! a task otherwise). The writer takes the first request waiting, then everything else
//! already queued (up to [`MAX_GROUP_WRITES`] writes), hands the whole group to the backend's
//! [`GroupCommitter`], which runs it as ONE transaction (one savepoint per write) and commits,
//! and only then answers each caller. One fsync (SQLite) or one commit round trip (PostgreSQL)
//! serves many requests; at low load a request commits alone, without waiting for company.
//!
//! Backends decide a group's writes in memory and write each table with a few multi-row
//! statements ([`plan`]); they fall back to one savepoint per write only when a statement fails.
//!
//! A caller that stops waiting (its future dropped) does not cancel its write: it is committed
//! with its group and the answer is discarded. Idempotency keys make the retry safe.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jiff::Timestamp;
use tokio::sync::{mpsc, oneshot};

use crate::dossiers::{DossierWrite, WriteError, WriteOutcome};
use crate::{StoreError, StoreResult};

pub mod plan;

/// The most writes one group carries (a single larger request still goes alone, whole).
pub const MAX_GROUP_WRITES: usize = 256;

/// The histogram of writes per committed group (group size), in the process's metrics.
pub const GROUP_WRITES_METRIC: &str = "tinhso_dossier_group_writes";

/// Requests waiting for the writer before callers wait to enqueue (back-pressure).
const QUEUE: usize = 4096;

/// What one write produced.
pub type WriteResult = Result<WriteOutcome, WriteError>;

/// One caller's writes, with the instant they happen at.
#[derive(Debug)]
pub struct WriteRequest {
    pub writes: Vec<DossierWrite>,
    pub at: Timestamp,
}

/// The backend's half: one transaction for a whole group.
#[async_trait]
pub trait GroupCommitter: Send + 'static {
    /// Applies every request's writes, in order, in ONE transaction (a failing write rolls
    /// back only itself: it is refused before anything is written, or runs in its own
    /// savepoint), commits, and returns one result list per request. `Err` means nothing was
    /// committed (or, for a failed COMMIT, that it is unknown whether it was).
    async fn commit_group(
        &mut self,
        group: Vec<WriteRequest>,
    ) -> StoreResult<Vec<Vec<WriteResult>>>;
}

struct Job {
    request: WriteRequest,
    reply: oneshot::Sender<StoreResult<Vec<WriteResult>>>,
}

/// The callers' handle on the writer. Cheap to clone; the writer ends when the last handle
/// is dropped.
#[derive(Debug, Clone)]
pub struct GroupWriter {
    sender: mpsc::Sender<Job>,
}

impl GroupWriter {
    /// Starts the writer on the current tokio runtime: on a thread of its own (driven through
    /// the runtime's handle) when the runtime is multi-threaded, else as a task.
    ///
    /// Why a thread: the writer is the one serial step every write waits for. As a task it
    /// queued behind the request tasks each time the database answered one of its statements,
    /// and that wait, not the work, bounded intake (docs/BENCHMARKS.md, session 8). The
    /// kernel wakes a thread that was waiting at once.
    pub fn spawn<C: GroupCommitter>(committer: C) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let handle = tokio::runtime::Handle::current();
        if handle.runtime_flavor() != tokio::runtime::RuntimeFlavor::MultiThread {
            // A current-thread runtime drives its I/O only from its own thread (tests).
            tokio::spawn(run(receiver, committer));
            return Self { sender };
        }
        let parts = Arc::new(Mutex::new(Some((receiver, committer))));
        let taken = parts.clone();
        let started = std::thread::Builder::new()
            .name("tinhso-writer".into())
            .spawn(move || {
                let parts = taken.lock().ok().and_then(|mut p| p.take());
                if let Some((receiver, committer)) = parts {
                    handle.block_on(run(receiver, committer));
                }
            });
        if started.is_err() {
            // No thread to be had: the writer runs as a task, as before.
            if let Some((receiver, committer)) = parts.lock().ok().and_then(|mut p| p.take()) {
                tokio::spawn(run(receiver, committer));
            }
        }
        Self { sender }
    }

    /// Queues `writes` and waits until their group is committed (or failed as a whole).
    pub async fn write(
        &self,
        writes: Vec<DossierWrite>,
        at: Timestamp,
    ) -> StoreResult<Vec<WriteResult>> {
        if writes.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = oneshot::channel();
        let job = Job {
            request: WriteRequest { writes, at },
            reply,
        };
        self.sender
            .send(job)
            .await
            .map_err(|_| StoreError::Unavailable("the dossier writer has stopped".into()))?;
        answer.await.map_err(|_| {
            StoreError::Unavailable("the dossier writer stopped before answering".into())
        })?
    }
}

async fn run<C: GroupCommitter>(mut receiver: mpsc::Receiver<Job>, mut committer: C) {
    while let Some(first) = receiver.recv().await {
        let mut count = first.request.writes.len();
        let mut jobs = vec![first];
        while count < MAX_GROUP_WRITES {
            match receiver.try_recv() {
                Ok(job) => {
                    count += job.request.writes.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        // How many writes share one commit: 1 at low load, more as requests queue up.
        metrics::histogram!(GROUP_WRITES_METRIC).record(count as f64);
        let (requests, replies): (Vec<_>, Vec<_>) =
            jobs.into_iter().map(|j| (j.request, j.reply)).unzip();
        let sizes: Vec<usize> = requests.iter().map(|r| r.writes.len()).collect();
        match committer.commit_group(requests).await {
            Ok(results)
                if results.len() == replies.len()
                    && results.iter().zip(&sizes).all(|(r, n)| r.len() == *n) =>
            {
                for (reply, result) in replies.into_iter().zip(results) {
                    // A caller that gave up is not an error: its write is committed anyway.
                    let _ = reply.send(Ok(result));
                }
            }
            Ok(_) => {
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Other(
                        "the backend answered a group with the wrong number of results".into(),
                    )));
                }
            }
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinhso_domain::agency::AgencyEId;
    use tinhso_domain::dossier::DossierCode;

    use crate::dossiers::DeadlineFlag;

    /// Records group sizes; answers each Flag write with its dossier id.
    struct Recorder {
        groups: Arc<Mutex<Vec<usize>>>,
        fail: bool,
    }

    #[async_trait]
    impl GroupCommitter for Recorder {
        async fn commit_group(
            &mut self,
            group: Vec<WriteRequest>,
        ) -> StoreResult<Vec<Vec<WriteResult>>> {
            // Let other callers queue up while this "transaction" runs.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let n = group.iter().map(|r| r.writes.len()).sum();
            self.groups
                .lock()
                .map_err(|_| StoreError::Other("poisoned".into()))?
                .push(n);
            if self.fail {
                return Err(StoreError::Unavailable("disk full".into()));
            }
            let code = DossierCode::new(
                AgencyEId::parse("000.00.04.H40").map_err(|e| StoreError::Other(e.to_string()))?,
                jiff::civil::date(2026, 1, 5),
                1,
            )
            .map_err(|e| StoreError::Other(e.to_string()))?;
            Ok(group
                .into_iter()
                .map(|r| {
                    r.writes
                        .into_iter()
                        .map(|w| match w {
                            DossierWrite::Flag { dossier_id, .. } => Ok(WriteOutcome {
                                dossier_id,
                                code: code.clone(),
                                event_seq: 1,
                                replayed: false,
                            }),
                            _ => Err(WriteError::NotFound),
                        })
                        .collect()
                })
                .collect())
        }
    }

    fn flag(id: i64) -> DossierWrite {
        DossierWrite::Flag {
            dossier_id: id,
            flag: DeadlineFlag::Late,
            at: Timestamp::UNIX_EPOCH,
        }
    }

    #[tokio::test]
    async fn concurrent_callers_share_a_group_and_get_their_own_answers() {
        let groups = Arc::new(Mutex::new(Vec::new()));
        let writer = GroupWriter::spawn(Recorder {
            groups: groups.clone(),
            fail: false,
        });
        let mut tasks = Vec::new();
        for i in 0..20 {
            let w = writer.clone();
            tasks.push(tokio::spawn(async move {
                w.write(vec![flag(i), flag(100 + i)], Timestamp::UNIX_EPOCH)
                    .await
            }));
        }
        for (i, t) in tasks.into_iter().enumerate() {
            let out = t.await.expect("task").expect("group");
            let ids: Vec<i64> = out
                .iter()
                .map(|r| r.as_ref().expect("ok").dossier_id)
                .collect();
            assert_eq!(ids, vec![i as i64, 100 + i as i64]);
        }
        let groups = groups.lock().expect("lock").clone();
        assert_eq!(groups.iter().sum::<usize>(), 40);
        assert!(groups.len() < 20, "writes were grouped: {groups:?}");
        assert!(writer
            .write(Vec::new(), Timestamp::UNIX_EPOCH)
            .await
            .expect("empty")
            .is_empty());
    }

    #[tokio::test]
    async fn a_failed_commit_fails_every_caller_of_the_group() {
        let writer = GroupWriter::spawn(Recorder {
            groups: Arc::new(Mutex::new(Vec::new())),
            fail: true,
        });
        let (a, b) = tokio::join!(
            writer.write(vec![flag(1)], Timestamp::UNIX_EPOCH),
            writer.write(vec![flag(2)], Timestamp::UNIX_EPOCH)
        );
        assert!(matches!(a, Err(StoreError::Unavailable(_))));
        assert!(matches!(b, Err(StoreError::Unavailable(_))));
    }
}
