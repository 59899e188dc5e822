//! Small helpers both backends use for batch writes, so their semantics cannot drift apart.

use std::collections::HashMap;
use std::hash::Hash;

use crate::Progress;

/// How often long writes report progress.
pub const PROGRESS_EVERY: usize = 500;

/// Keeps the last row of each key, in the order those last rows appear ("last one wins").
pub fn last_per_key<T, K: Hash + Eq>(rows: &[T], key: impl Fn(&T) -> K) -> Vec<&T> {
    let mut last: HashMap<K, usize> = HashMap::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        last.insert(key(row), i);
    }
    rows.iter()
        .enumerate()
        .filter(|(i, row)| last.get(&key(row)) == Some(i))
        .map(|(_, r)| r)
        .collect()
}

/// Calls a [`Progress`] callback with a strictly growing count: whenever asked (backends ask
/// after each chunk of about [`PROGRESS_EVERY`] rows) and once more at the end with the total.
pub struct ProgressTicker<'a> {
    progress: Progress<'a>,
    last: u64,
}

impl<'a> ProgressTicker<'a> {
    pub fn new(progress: Progress<'a>) -> Self {
        Self { progress, last: 0 }
    }

    /// Reports `done` rows if it is more than last reported.
    pub fn report(&mut self, done: usize) {
        let done = done as u64;
        if done > self.last {
            self.last = done;
            (self.progress)(done);
        }
    }

    /// Reports `done` when at least [`PROGRESS_EVERY`] rows passed since the last report.
    pub fn tick(&mut self, done: usize) {
        if done as u64 >= self.last + PROGRESS_EVERY as u64 {
            self.report(done);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn last_one_wins_in_order_of_last_rows() {
        let rows = [("a", 1), ("b", 2), ("a", 3), ("c", 4)];
        let kept: Vec<_> = last_per_key(&rows, |r| r.0).into_iter().copied().collect();
        assert_eq!(kept, vec![("b", 2), ("a", 3), ("c", 4)]);
    }

    #[test]
    fn ticker_reports_on_boundaries_and_never_repeats() {
        let seen = Mutex::new(Vec::new());
        let f = |n: u64| seen.lock().unwrap().push(n);
        let mut t = ProgressTicker::new(&f);
        for i in 1..=1000 {
            t.tick(i);
        }
        t.report(1000);
        t.report(999);
        assert_eq!(seen.into_inner().unwrap(), vec![500, 1000]);
    }
}
