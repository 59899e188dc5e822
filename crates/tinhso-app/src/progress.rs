//! Progress of long work (imports, seeding): the binary shows a bar, tests and the server
//! ignore it.

/// Receives progress of a long operation.
pub trait ProgressSink: Send + Sync {
    /// A new phase begins ("đọc tệp / reading", "ghi / writing"); `total` when known.
    fn phase(&self, name: &str, total: Option<u64>);
    /// Sets the position within the current phase.
    fn set(&self, done: u64);
    /// The operation ended.
    fn finish(&self) {}
}

/// Ignores progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn phase(&self, _: &str, _: Option<u64>) {}
    fn set(&self, _: u64) {}
}
