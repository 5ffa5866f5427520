//! The arguments as clap reads them, and their resolution into a library `Config`.

use std::io;
use std::path::PathBuf;

use clap::{ArgGroup, Parser, Subcommand, ValueEnum};

use newsclean::config::{CliRules, Config, Jsonl, Mode, Settings, Walk};
use newsclean::decode;

const EXIT_CODES: &str = "\
Exit codes:
  0  success (a dry run, --staged without --check and --interactive exit 0 even with changes)
  1  --check found files that would change (also with --staged)
  2  an error: bad arguments, a file that could not be read or written (reported as
     `newsclean: PATH: reason`, e.g. `PATH: read-only file, left alone`), --staged outside a git
     repository, or `hook install` over an existing hook without --force. The other files are
     still processed; binary files, symlinks (without --follow-symlinks) and XML, RSS and Atom
     feeds (left byte for byte as they are, on stdin too) are skipped with a note, which is not
     an error.

Writes go through a hidden temporary file (.newsclean-*.tmp) in the file's directory, synced and
renamed over it: a file is never half-written. A run that is killed may leave such a temporary
file (or a .newsclean-*.bak) behind; walks skip it and it is safe to delete.";

/// When to color diffs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, as NO_COLOR, CLICOLOR, CLICOLOR_FORCE and TERM=dumb say.
    Auto,
    /// Always, whatever the environment says.
    Always,
    /// Never, whatever the environment says.
    Never,
}

/// Cleans scraped news text and shows every change as a unified diff naming the rule that made it.
///
/// With paths, prints a diff of what would change (a dry run). With no path and text on stdin (or
/// the path `-`), writes the cleaned text to stdout. A first path named `rules`, `explain`, `hook`,
/// `completions` or `man` is that command (`--config`, `--select` and `--ignore` may stand before or after it):
/// write `./rules` for a file of that name.
#[derive(Debug, Parser)]
#[command(name = "newsclean", version, after_help = EXIT_CODES)]
#[command(group(ArgGroup::new("mode").args(["check", "write", "interactive"])))]
pub struct Args {
    /// A command instead of cleaning (a file named like one is cleaned as `./rules`).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Files and directories to clean (directories are walked recursively); `-` for stdin.
    pub paths: Vec<PathBuf>,
    /// Print the paths that would change and exit 1 if any would; change nothing.
    #[arg(long)]
    pub check: bool,
    /// Print unified diffs (the default for paths; with --check, print them as well as the paths).
    #[arg(long, conflicts_with = "write")]
    pub diff: bool,
    /// Apply the changes in place, atomically; files that would not change are not touched.
    #[arg(short, long)]
    pub write: bool,
    /// Show each hunk with its rules and ask whether to apply it, like `git add -p`; write what was accepted.
    #[arg(short, long, conflicts_with_all = ["diff", "out", "staged"])]
    pub interactive: bool,
    /// Check the staged version of each staged file (`git show :PATH`), not the working tree; PATHs
    /// limit which. What the native pre-commit hook runs (`newsclean hook install`).
    #[arg(long, conflicts_with_all = ["write", "out"])]
    pub staged: bool,

    /// Clean stdin as the file at PATH would be: with its newsclean.toml, its excludes (an excluded
    /// path passes stdin through unchanged) and its kind (`.html`), as ruff and prettier do
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Color diffs and the interactive review (`auto`: on a terminal, unless NO_COLOR is set or
    /// TERM=dumb; CLICOLOR=0 turns colors off, CLICOLOR_FORCE=1 on even in a pipe).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Only walk files matching this glob (replaces the default *.txt *.text *.md *.html *.htm); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip files matching this glob, walked or named explicitly; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Follow symlinks when walking and write through them to their targets.
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Walk files that .gitignore, .ignore and .git/info/exclude list (as ripgrep's --no-ignore).
    #[arg(long)]
    pub no_ignore: bool,
    /// Walk hidden files and directories too (as ripgrep's --hidden); .git is never walked.
    #[arg(long)]
    pub hidden: bool,
    /// Use N threads to walk and clean (0: one per core, the default).
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Refuse an input holding a line longer than this many MiB (a line is held whole while it is
    /// cleaned); that input is reported and the batch goes on
    #[arg(long, value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_line_mib: u32,
    /// With --write or --interactive, keep each original replaced beside it as PATH+SUFFIX (`--backup .orig`).
    #[arg(long, value_name = "SUFFIX")]
    pub backup: Option<std::ffi::OsString>,
    /// Write cleaned copies under DIR, mirroring the paths below each argument, instead of diffs.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["write", "check", "diff"])]
    pub out: Option<PathBuf>,
    /// Read every input in this encoding (a WHATWG label: windows-1251, koi8-r, gbk, shift_jis...).
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// Write UTF-8 whatever the input's encoding (--write and --out); stdout is always UTF-8.
    #[arg(long)]
    pub to_utf8: bool,
    /// Treat every input as an HTML page (.html and .htm files always are): clean its article text.
    #[arg(long)]
    pub html: bool,
    /// Read every input as an RSS or Atom feed, item by item (files whose root element is <rss>,
    /// <feed> or <rdf:RDF> always are); on stdin, print the cleaned items as JSON lines.
    #[arg(long, conflicts_with = "html")]
    pub feed: bool,
    /// Print no summary line and no notes on stderr (errors are still printed).
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print each file's encoding and why it was chosen (bom, declared, utf-8, detected, forced).
    #[arg(short, long)]
    pub verbose: bool,
    /// Use this config file for every input instead of the nearest newsclean.toml.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Turn on only these rules (ids, families such as `residue`, or `all`; comma-separated),
    /// overriding every selection in config files.
    #[arg(long, value_name = "RULES", value_delimiter = ',', global = true)]
    pub select: Option<Vec<String>>,
    /// Turn these rules off (ids or families; comma-separated), after everything else.
    #[arg(long, value_name = "RULES", value_delimiter = ',', global = true)]
    pub ignore: Vec<String>,
    /// How to report: `text` (diffs, paths), `json` (JSON lines: a record per input, error and
    /// rule, then the summary; schema in README.md) or `github` (a GitHub Actions annotation per edit).
    #[arg(long, value_enum, default_value_t = Format::Text, value_name = "FORMAT", global = true)]
    pub format: Format,
    /// Print a table of how often each rule fired instead of diffs (with --format json, a record).
    #[arg(long)]
    pub statistics: bool,

    /// Read JSON lines (stdin or files, *.jsonl *.ndjson *.json when walking): each line is a
    /// record whose --field is cleaned; every other byte of the line is kept as it was.
    #[arg(long, help_heading = "JSON lines")]
    pub jsonl: bool,
    /// The field cleaned in each record, a dotted path for nested fields (`meta.body`) [default: text]
    #[arg(long, value_name = "NAME", requires = "jsonl", help_heading = "JSON lines")]
    pub field: Option<String>,
    /// The field naming a record in diffs and messages (`data.jsonl#ID`) instead of its line number.
    #[arg(long, value_name = "NAME", requires = "jsonl", help_heading = "JSON lines")]
    pub id_field: Option<String>,
    /// Add this top-level field to each record: its edits (rule, line, column, before, after).
    #[arg(long, value_name = "NAME", requires = "jsonl", help_heading = "JSON lines")]
    pub report_field: Option<String>,
    /// What becomes of a line that is not a record to clean (not JSON, no such field, not a
    /// string, longer than --max-line-mib): passed through unchanged, or dropped. Either way it is
    /// reported with its line number and the run exits 2.
    #[arg(long, value_enum, value_name = "WHAT", requires = "jsonl", help_heading = "JSON lines")]
    pub on_error: Option<OnError>,
}

/// What `--jsonl` does with a line it cannot clean.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnError {
    /// Write it out unchanged (the default: nothing is lost).
    Pass,
    /// Leave it out of the output.
    Skip,
}

/// How inputs are reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Unified diffs (and paths for --check).
    Text,
    /// One JSON object per input: path, encoding, and every edit with its rule, line and column.
    Json,
    /// One GitHub Actions `::warning` annotation per edit, for a CI log.
    Github,
}

/// Commands other than cleaning.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every rule with its family, whether it is on under the current config, and what it does.
    Rules {
        /// Run every rule that is on (built-in and the config's) on its examples and keep-texts, and
        /// exit 1 if any does not hold.
        #[arg(long)]
        test: bool,
    },
    /// Show one rule: what it does, where it applies, its context condition and its examples.
    Explain {
        /// The rule id, for example `residue.also-on`.
        rule: String,
    },
    /// Manage the native git pre-commit hook.
    #[command(subcommand)]
    Hook(HookCommand),
    /// Print the shell completion script for SHELL on stdout (see the README for where it goes).
    Completions {
        /// The shell: bash, elvish, fish, powershell or zsh.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page, newsclean(1), in roff on stdout (`newsclean man | man -l -` reads it).
    Man,
    /// Find each source's own residue (lines, labels, trailers and blocks repeated across its
    /// documents) and write it as rules to review; no document is changed.
    Learn(LearnArgs),
}

/// `newsclean learn ...`
#[derive(Debug, clap::Args)]
pub struct LearnArgs {
    /// Files and directories of the corpus (directories are walked as for cleaning); `-` reads
    /// JSON lines on stdin (with `--group-by json-field`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// How documents are grouped into sources: `dir` (the directory holding each), a depth N
    /// (the first N directories below the argument), a glob naming the group directories
    /// (`'sites/*'`), or `json-field NAME`: JSON lines (*.jsonl *.ndjson *.json when walking),
    /// each record a document, grouped by its field NAME (a dotted path; without it: `(none)`).
    #[arg(long, value_name = "HOW", num_args = 1..=2, default_value = "dir")]
    pub group_by: Vec<String>,
    /// With `--group-by json-field`: the field holding each record's text, a dotted path [default: text]
    #[arg(long, value_name = "NAME")]
    pub field: Option<String>,
    /// Write the learned rules to FILE (default: stdout); the summary goes to stderr.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 if some group has residue the current config does not remove (write nothing unless -o).
    #[arg(long)]
    pub check: bool,
    /// A line, label or trailer must be in at least this percentage of its group's documents.
    #[arg(long, value_name = "PERCENT", default_value_t = 2.0)]
    pub min_share: f64,
    /// ...and in at least this many of them.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub min_docs: u32,
    /// A document may lose at most this percentage of its text to learned rules; one that would
    /// lose more is reported and left alone.
    #[arg(long, value_name = "PERCENT", default_value_t = 30.0)]
    pub max_removed: f64,
    /// Distinct keys counted at once over all groups: the memory bound (about 100 bytes each).
    #[arg(long, value_name = "N", default_value_t = 1 << 18)]
    pub max_keys: usize,
    /// Only walk files matching this glob (replaces the default *.txt *.text *.md *.html *.htm); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip files matching this glob; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Use N threads (0: one per core).
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
}

/// `newsclean hook ...`
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write .git/hooks/pre-commit, which runs `newsclean --check --diff --staged` before each commit.
    Install {
        /// Replace an existing pre-commit hook.
        #[arg(long)]
        force: bool,
    },
}

impl Args {
    /// True if the input is stdin (no paths, or `-`), not `--staged`.
    fn stdin(&self) -> bool {
        !self.staged && (self.paths.is_empty() || (self.paths.len() == 1 && self.paths[0].as_os_str() == "-"))
    }

    /// Resolves the arguments into a `Config`.
    pub fn into_config(self) -> Result<Config, String> {
        let stdin = self.stdin();
        let mode = match (self.check, self.write, self.out) {
            (true, ..) => Mode::Check { diff: self.diff },
            (_, true, _) => Mode::Write,
            (_, _, Some(dir)) => Mode::Out(dir),
            _ if self.interactive => Mode::Interactive,
            // A document on stdin comes out cleaned (a filter), unless `--diff` asks for its diff.
            _ if stdin && !self.diff => Mode::Print,
            _ => Mode::Diff,
        };
        if mode == Mode::Interactive && self.paths.iter().all(|p| p.as_os_str() == "-") {
            return Err("--interactive needs files or directories (your answers are read on stdin)".to_owned());
        }
        let forced = match &self.encoding {
            Some(label) => Some(decode::encoding_for_label(label).ok_or_else(|| {
                format!(
                    "unknown encoding `{label}` (try windows-1251, koi8-r, gbk, big5, shift_jis, euc-kr, iso-8859-2)"
                )
            })?),
            None => None,
        };
        if let Some(suffix) = &self.backup {
            if !matches!(mode, Mode::Write | Mode::Interactive) {
                return Err("--backup needs --write or --interactive: nothing else replaces files".to_owned());
            }
            if suffix.is_empty() || suffix.as_encoded_bytes().contains(&b'/') {
                return Err(format!(
                    "bad --backup suffix `{}`: it must be non-empty and hold no `/`",
                    suffix.display()
                ));
            }
        }
        let jsonl = match self.jsonl {
            true => {
                if self.interactive || self.staged || self.html || self.format != Format::Text {
                    return Err(
                        "--jsonl does not combine with --interactive, --staged, --html or --format (add a record's edits to it with --report-field)"
                            .to_owned(),
                    );
                }
                if self.field.as_deref().is_some_and(|f| f.split('.').any(str::is_empty)) {
                    return Err("--field: an empty name (a dotted path is `a.b`)".to_owned());
                }
                let field = self.field.unwrap_or_else(|| "text".to_owned());
                if self.report_field.as_deref() == Some(field.as_str()) {
                    return Err(format!("--report-field {field} would write over the field cleaned (--field {field})"));
                }
                Some(Jsonl {
                    field,
                    id_field: self.id_field,
                    report_field: self.report_field,
                    skip_bad: self.on_error == Some(OnError::Skip),
                })
            }
            false => None,
        };
        let mut include = self.include;
        if jsonl.is_some() && include.is_empty() {
            include = ["*.jsonl", "*.ndjson", "*.json"].map(String::from).to_vec();
        }
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            // The conventions anstream implements, for stdout: NO_COLOR, CLICOLOR_FORCE, CLICOLOR,
            // TERM=dumb, a terminal or not.
            ColorChoice::Auto => anstream::AutoStream::choice(&io::stdout()) != anstream::ColorChoice::Never,
        };
        Ok(Config {
            walk: Walk {
                include,
                exclude: self.exclude,
                follow_symlinks: self.follow_symlinks,
                no_ignore: self.no_ignore,
                hidden: self.hidden,
                threads: self.threads,
            },
            paths: self.paths,
            mode,
            settings: Settings {
                color,
                forced,
                to_utf8: self.to_utf8,
                html: self.html,
                // `--format json` has every edit; `--statistics` their counts only.
                format: match (self.format, self.statistics) {
                    (_, true) => newsclean::config::Format::Statistics,
                    (Format::Json, _) => newsclean::config::Format::Json,
                    (Format::Github, _) => newsclean::config::Format::Github,
                    (Format::Text, _) => newsclean::config::Format::Diff,
                },
                follow_symlinks: self.follow_symlinks,
                max_line: (self.max_line_mib as usize) << 20,
                backup: self.backup,
                feed: self.feed,
            },
            quiet: self.quiet,
            verbose: self.verbose,
            json: self.format == Format::Json,
            project: self.config,
            rules: CliRules { select: self.select, ignore: self.ignore },
            staged: self.staged,
            stdin_filename: self.stdin_filename,
            jsonl,
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn args_are_well_formed() {
        Args::command().debug_assert();
    }

    #[test]
    fn check_and_write_exclude_each_other() {
        assert!(Args::try_parse_from(["newsclean", "--check", "--write", "x"]).is_err());
        assert!(Args::try_parse_from(["newsclean", "--check", "--diff", "x"]).is_ok());
    }
}
