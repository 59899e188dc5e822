//! A terminal progress bar for long imports (indicatif), hidden when stderr is not a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Mutex;
use tinhso_app::ProgressSink;

pub struct Bar(Mutex<Option<ProgressBar>>);

impl Bar {
    pub fn new() -> Self {
        Self(Mutex::new(None))
    }
}

impl Bar {
    /// Ends the last bar, if any.
    pub fn finish_all(&self) {
        ProgressSink::finish(self);
    }
}

impl ProgressSink for Bar {
    fn phase(&self, name: &str, total: Option<u64>) {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = guard.take() {
            old.finish();
        }
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template("{msg:28} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => {
                // No count to show (building indexes, say): it turns, and says for how long.
                let spinner = ProgressBar::new_spinner().with_style(
                    ProgressStyle::with_template("{msg:28} {spinner} {pos} ({elapsed})")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                spinner.enable_steady_tick(std::time::Duration::from_millis(200));
                spinner
            }
        };
        bar.set_message(name.to_string());
        *guard = Some(bar);
    }
    fn set(&self, done: u64) {
        if let Some(bar) = self.0.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            bar.set_position(done);
        }
    }
    fn finish(&self) {
        if let Some(bar) = self.0.lock().unwrap_or_else(|p| p.into_inner()).take() {
            bar.finish();
        }
    }
}
