//! `Config`: the settings of a run, resolved once from the command line (no clap types here), so the
//! library can be driven the same way from code and from tests.

use std::path::PathBuf;

use encoding_rs::Encoding;

/// What a run does with its inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Print a unified diff of every change (the default for paths; for stdin, with `--diff`).
    Diff,
    /// Print the cleaned text (what a document on stdin gives by default, as a filter).
    Print,
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

/// How a run reports what would change (or changed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// A unified diff of each input (the default).
    #[default]
    Diff,
    /// `--format json`: one JSON object per input, with every edit.
    Json,
    /// `--format github`: one GitHub Actions annotation per edit.
    Github,
    /// `--statistics`: no diffs; the run ends with a table of edits per rule.
    Statistics,
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
    pub walk: Walk,
    /// Print no summary or notes.
    pub quiet: bool,
    /// Print each file's encoding and why it was chosen.
    pub verbose: bool,
    /// `--format json`: the run's errors, statistics and summary are JSON records on stdout too.
    pub json: bool,
    /// `--config FILE`: use this config for every file instead of discovering `newsclean.toml`.
    pub project: Option<PathBuf>,
    /// `--select`/`--ignore`.
    pub rules: CliRules,
    /// `--stdin-filename`: the path stdin's text stands for, whose config, excludes and kind
    /// (an `.html` page) it takes.
    pub stdin_filename: Option<PathBuf>,
    /// Check the staged versions of the staged files (`--staged`) instead of `paths` on disk;
    /// `paths`, if any, limit which staged files.
    pub staged: bool,
    /// `--jsonl`: inputs are JSON lines, one record a line, whose field is cleaned.
    pub jsonl: Option<Jsonl>,
}

/// How JSON lines are read (`--jsonl` and its options).
#[derive(Clone, Debug)]
pub struct Jsonl {
    /// `--field`: the field cleaned, a dotted path into nested objects.
    pub field: String,
    /// `--id-field`: the field naming a record in diffs and messages (else its line number).
    pub id_field: Option<String>,
    /// `--report-field`: a field added to each record with its edits.
    pub report_field: Option<String>,
    /// `--on-error skip`: drop the lines that cannot be cleaned instead of passing them through.
    pub skip_bad: bool,
}

impl Config {
    /// True if the input is stdin rather than paths.
    pub fn reads_stdin(&self) -> bool {
        !self.staged && self.paths.is_empty() || (self.paths.len() == 1 && self.paths[0].as_os_str() == "-")
    }
}

/// Settings that apply to every input of a run.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Color diffs.
    pub color: bool,
    /// `--encoding`: read every input in this encoding.
    pub forced: Option<&'static Encoding>,
    /// `--to-utf8`: write UTF-8 whatever the input's encoding.
    pub to_utf8: bool,
    /// `--html`: treat every input as an HTML page (files ending in `.html`/`.htm` always are).
    pub html: bool,
    /// How what would change is reported.
    pub format: Format,
    /// `--max-line-mib`, in bytes: an input holding a longer line is an error for that input.
    pub max_line: usize,
    /// `--follow-symlinks`: read and write through symlinks to their targets. Without it a file
    /// that became a symlink after the walk found it is left alone, never written through.
    pub follow_symlinks: bool,
    /// `--backup SUFFIX`: `--write` and `--interactive` keep each original they replace as PATH + SUFFIX.
    pub backup: Option<std::ffi::OsString>,
    /// `--feed`: read every input as an RSS or Atom feed (feeds are found by their root element
    /// without it).
    pub feed: bool,
}

/// Selection given on the command line, which overrides the file's.
#[derive(Clone, Debug, Default)]
pub struct CliRules {
    /// `--select`: replaces every selection made in files.
    pub select: Option<Vec<String>>,
    /// `--ignore`: turned off last.
    pub ignore: Vec<String>,
}

/// Which files a directory walk takes, as given (`files::Selection` compiles it).
#[derive(Clone, Debug, Default)]
pub struct Walk {
    /// `--include`: globs replacing the default extensions.
    pub include: Vec<String>,
    /// `--exclude`: globs of files skipped, walked or named.
    pub exclude: Vec<String>,
    /// `--follow-symlinks`.
    pub follow_symlinks: bool,
    /// `--no-ignore`: walk what `.gitignore`, `.ignore` and `.git/info/exclude` list.
    pub no_ignore: bool,
    /// `--hidden`: walk hidden files and directories (`.git` excepted).
    pub hidden: bool,
    /// `-j/--threads`: threads for the walk and the cleaning (0: one per core).
    pub threads: usize,
}
