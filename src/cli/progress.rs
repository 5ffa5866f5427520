//! The progress bar of a batch: files done, MB/s and edits, drawn on stderr (indicatif) only when
//! stderr is a terminal, the run is not `--quiet`, and the batch has lasted a second. Everything a
//! batch prints goes through [`Progress::around`], so the bar never garbles a diff or a note.

use std::io::{self, IsTerminal};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a batch runs before its bar appears, unless `NEWSCLEAN_PROGRESS_DELAY_MS` says
/// otherwise (a hidden setting, for the tests that drive a pseudo-terminal).
const DELAY: Duration = Duration::from_secs(1);

/// The bar of one batch; it does nothing when there is no terminal to draw it on.
pub(super) struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    delay: Duration,
    shown: bool,
    bytes: u64,
    edits: usize,
}

impl Progress {
    /// A bar for `files` files; none under `--quiet` or when stderr is not a terminal.
    pub(super) fn new(files: usize, quiet: bool) -> Self {
        let delay = std::env::var("NEWSCLEAN_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(DELAY, Duration::from_millis);
        let bar = (!quiet && io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(files as u64), ProgressDrawTarget::hidden());
            let style = ProgressStyle::with_template("{bar:30} {pos}/{len} files, {msg} ({elapsed})")
                .expect("the template is well formed");
            bar.set_style(style);
            bar
        });
        Progress { bar, started: Instant::now(), delay, shown: false, bytes: 0, edits: 0 }
    }

    /// One file done, of `bytes` bytes, with `edits` edits.
    pub(super) fn done(&mut self, bytes: u64, edits: usize) {
        let Some(bar) = &self.bar else { return };
        self.bytes += bytes;
        self.edits += edits;
        let elapsed = self.started.elapsed();
        if !self.shown && elapsed >= self.delay {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        if self.shown {
            let mb_per_s = self.bytes as f64 / (1 << 20) as f64 / elapsed.as_secs_f64().max(1e-3);
            bar.set_message(format!("{mb_per_s:.1} MB/s, {} edits", self.edits));
        }
        bar.inc(1);
    }

    /// True once the bar is on the screen.
    pub(super) fn shown(&self) -> bool {
        self.shown
    }

    /// Runs `print` (which writes to stdout or stderr) with the bar out of the way if it is shown.
    pub(super) fn around<R>(&self, print: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) if self.shown => bar.suspend(print),
            _ => print(),
        }
    }

    /// Takes the bar off the screen, before the summary line.
    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
