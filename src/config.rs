//! `Config`: the settings of a run, resolved once from the command line (no clap types here), so the
//! library can be driven the same way from code and from tests.

use std::path::PathBuf;

use crate::files::Selection;
use crate::input::Settings;
use crate::project::CliRules;

/// What a run does with its inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Print a unified diff of every change (the default for paths).
    Diff,
    /// Report the files that would change; exit 1 if any would.
    Check {
        /// Print their diffs too.
        diff: bool,
    },
    /// Apply the changes in place.
    Write,
    /// Write cleaned copies under this directory, mirroring relative paths.
    Out(PathBuf),
    /// Show each hunk and ask whether to apply it (`--interactive`).
    Interactive,
}

/// Resolved settings of one run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Paths to clean; empty (or `-`) means stdin.
    pub paths: Vec<PathBuf>,
    /// What to do.
    pub mode: Mode,
    /// Settings for every input: colors, encodings.
    pub settings: Settings,
    /// Which files a directory walk takes.
    pub selection: Selection,
    /// Print no summary or notes.
    pub quiet: bool,
    /// Print each file's encoding and why it was chosen.
    pub verbose: bool,
    /// `--config FILE`: use this config for every file instead of discovering `newsclean.toml`.
    pub project: Option<PathBuf>,
    /// `--select`/`--ignore`.
    pub rules: CliRules,
    /// Check the staged versions of the staged files (`--staged`) instead of `paths` on disk;
    /// `paths`, if any, limit which staged files.
    pub staged: bool,
}

impl Config {
    /// True if the input is stdin rather than paths.
    pub fn reads_stdin(&self) -> bool {
        !self.staged && self.paths.is_empty() || (self.paths.len() == 1 && self.paths[0].as_os_str() == "-")
    }
}
