//! The command line: clap `Args`, their resolution into a `Config`, and the one `match` over modes.
//! This module and `main.rs` are the only places that touch stdout, stderr or exit codes.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{ArgGroup, Parser, Subcommand, ValueEnum};
use rayon::prelude::*;

use crate::config::{CliRules, Config, Mode, Settings, Walk};
use crate::decode;
use crate::diff::DiffSink;
use crate::error::Error;
use crate::files::{self, Found, Input, Selection};
use crate::git;
use crate::input::{self, FileMode, FileResult, Report, StreamMode};
use crate::pipeline::Cleaner;
use crate::project::{Plan, Projects};
use crate::report::{self, Summary};
use crate::review;
use crate::rules::{RuleSet, RuleSpec};

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
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Cleans scraped news text and shows every change as a unified diff naming the rule that made it.
///
/// With paths, prints a diff of what would change (a dry run). With no path and text on stdin (or
/// the path `-`), writes the cleaned text to stdout. A first path named `rules`, `explain` or
/// `hook` is that command (its options go after it): write `./rules` for a file of that name.
#[derive(Debug, Parser)]
#[command(name = "newsclean", version, after_help = EXIT_CODES, args_conflicts_with_subcommands = true)]
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
    /// Color diffs.
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
    /// How to report each input: `text` (diffs, paths) or `json` (one object per input and line).
    #[arg(long, value_enum, default_value_t = Format::Text, value_name = "FORMAT")]
    pub format: Format,
    /// Print a table of how often each rule fired instead of diffs.
    #[arg(long)]
    pub statistics: bool,
}

/// How inputs are reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Unified diffs (and paths for --check).
    Text,
    /// One JSON object per input: path, encoding, and every edit with its rule, line and column.
    Json,
}

/// Commands other than cleaning.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every rule with its family, whether it is on under the current config, and what it does.
    Rules,
    /// Show one rule: what it does, where it applies, its context condition and its examples.
    Explain {
        /// The rule id, for example `residue.also-on`.
        rule: String,
    },
    /// Manage the native git pre-commit hook.
    #[command(subcommand)]
    Hook(HookCommand),
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
    /// Resolves the arguments into a `Config`.
    pub fn into_config(self) -> Result<Config, String> {
        let mode = match (self.check, self.write, self.out) {
            (true, ..) => Mode::Check { diff: self.diff },
            (_, true, _) => Mode::Write,
            (_, _, Some(dir)) => Mode::Out(dir),
            _ if self.interactive => Mode::Interactive,
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
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Ok(Config {
            walk: Walk { include: self.include, exclude: self.exclude, follow_symlinks: self.follow_symlinks },
            paths: self.paths,
            mode,
            settings: Settings {
                color,
                forced,
                to_utf8: self.to_utf8,
                html: self.html,
                json: self.format == Format::Json,
                statistics: self.statistics,
                backup: self.backup,
            },
            quiet: self.quiet,
            verbose: self.verbose,
            project: self.config,
            rules: CliRules { select: self.select, ignore: self.ignore },
            staged: self.staged,
        })
    }
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// All fine.
    Success,
    /// `--check` found files that would change.
    WouldChange,
    /// Some error occurred.
    Error,
}

/// Runs newsclean with parsed arguments.
pub fn run(mut args: Args) -> Exit {
    if let Some(command) = args.command.take() {
        return run_command(command, args);
    }
    let (config, selection) = match args.into_config().and_then(|c| {
        let selection = Selection::new(&c.walk).map_err(|e| e.to_string())?;
        Ok((c, selection))
    }) {
        Ok(ready) => ready,
        Err(e) => {
            eprintln!("newsclean: {e}");
            return Exit::Error;
        }
    };
    let mut projects = match Projects::new(config.project.as_deref(), config.rules.clone()) {
        Ok(projects) => projects,
        Err(e) => {
            eprintln!("newsclean: {e}");
            return Exit::Error;
        }
    };
    if config.staged {
        return run_staged(&mut projects, &config, &selection);
    }
    if config.reads_stdin() {
        return match projects.plan_stdin() {
            Ok(cleaner) => run_stdin(&cleaner, &config),
            Err(e) => {
                eprintln!("newsclean: {e}");
                Exit::Error
            }
        };
    }
    if config.mode == Mode::Interactive {
        return run_interactive(&mut projects, &config, &selection);
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut summary = Summary::default();
    let file_mode = |input: &Input| match &config.mode {
        Mode::Diff => FileMode::Diff,
        Mode::Check { diff } => FileMode::Check { diff: *diff },
        Mode::Write => FileMode::Write,
        Mode::Out(dir) => FileMode::Out(dir.join(&input.relative)),
        Mode::Interactive => unreachable!("--interactive is run by run_interactive"),
    };
    let found = files::walk(&config.paths, &selection);
    // Files are cleaned in parallel a batch at a time, each into its own buffer, and reported in
    // walk order, so the output is the same whatever the thread count. Large files stream straight
    // to stdout on this thread instead, to keep memory bounded.
    for batch in found.chunks(PARALLEL_BATCH) {
        // Which cleaner each file gets (its newsclean.toml, overrides), decided here in walk order
        // so that a bad config stops the run before anything is written.
        let mut plans: Vec<Option<Plan>> = Vec::with_capacity(batch.len());
        for found in batch {
            plans.push(match found {
                Found::File(input) => match projects.plan(&input.path) {
                    Ok(plan) => Some(plan),
                    Err(e) => {
                        let _ = out.flush();
                        eprintln!("newsclean: {e}");
                        return Exit::Error;
                    }
                },
                _ => None,
            });
        }
        let done: Vec<Option<Buffered>> = batch
            .par_iter()
            .zip(&plans)
            .map(|(found, plan)| match (found, plan) {
                (Found::File(input), Some(Plan::Clean(cleaner))) if !is_large(&input.path) => {
                    let mut buffer = Vec::new();
                    let result =
                        input::clean_file(cleaner, &input.path, &file_mode(input), &config.settings, &mut buffer);
                    Some((result, buffer))
                }
                _ => None,
            })
            .collect();
        for ((found, done), plan) in batch.iter().zip(done).zip(&plans) {
            let (path, result) = match (found, done) {
                (Found::File(input), Some((result, buffer))) => {
                    if let Err(e) = out.write_all(&buffer) {
                        return output_failed(&e);
                    }
                    (&input.path, result)
                }
                (Found::File(input), None) => match plan {
                    Some(Plan::Clean(cleaner)) => (
                        &input.path,
                        input::clean_file(cleaner, &input.path, &file_mode(input), &config.settings, &mut out),
                    ),
                    _ => {
                        if config.verbose {
                            eprintln!("newsclean: {}: excluded by newsclean.toml", input.path.display());
                        }
                        continue;
                    }
                },
                (Found::Skipped(path, why), _) => {
                    summary.skip();
                    note(&config, &format!("{}: {why}", path.display()));
                    continue;
                }
                (Found::Error(path, e), _) => {
                    summary.fail();
                    let _ = out.flush();
                    eprintln!("newsclean: {}: cannot read: {e}", path.display());
                    continue;
                }
            };
            match result {
                Ok(FileResult::Cleaned(report)) => {
                    if config.verbose {
                        eprintln!("newsclean: {}: {}", path.display(), describe(&report));
                    }
                    if report.rewritten
                        && matches!(config.mode, Mode::Check { .. })
                        && !config.settings.json
                        && !config.settings.statistics
                        && let Err(e) = writeln!(out, "{}", path.display())
                    {
                        return output_failed(&e);
                    }
                    summary.add(&report.outcome, report.rewritten);
                }
                Ok(FileResult::Skipped(why)) => {
                    summary.skip();
                    note(&config, &format!("{}: {why}", path.display()));
                }
                Err(Error::Output(e)) => return output_failed(&e),
                Err(e) => {
                    summary.fail();
                    let _ = out.flush(); // keep stdout and stderr in order on a terminal
                    eprintln!("newsclean: {e}");
                }
            }
        }
    }
    if config.settings.statistics
        && let Err(e) = out.write_all(report::statistics(&summary.by_rule).as_bytes())
    {
        return output_failed(&e);
    }
    if let Err(e) = out.flush() {
        return output_failed(&e);
    }
    let verb = match config.mode {
        Mode::Write => "changed",
        Mode::Out(_) => "changed in the copies",
        _ => "would change",
    };
    note(&config, &summary.line(verb));
    exit_for(&summary, &config.mode)
}

/// A run's exit code: 2 if any file failed, 1 if `--check` found files that would change, else 0.
fn exit_for(summary: &Summary, mode: &Mode) -> Exit {
    if summary.failed > 0 {
        Exit::Error
    } else if matches!(mode, Mode::Check { .. }) && summary.changed > 0 {
        Exit::WouldChange
    } else {
        Exit::Success
    }
}

fn run_hook_command(command: HookCommand) -> Exit {
    match command {
        HookCommand::Install { force } => {
            let program = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("newsclean"));
            match git::install_hook(&program, force) {
                Ok(path) => {
                    eprintln!("newsclean: installed {}: commits now check the staged text", path.display());
                    Exit::Success
                }
                Err(e) => {
                    eprintln!("newsclean: {e}");
                    Exit::Error
                }
            }
        }
    }
}

/// `--interactive`: asks about each hunk of each file in walk order, on the terminal (answers on
/// stdin, hunks and prompts on stdout), writes each file's accepted hunks before going on to the
/// next, and ends with one summary line per file that had hunks.
fn run_interactive(projects: &mut Projects, config: &Config, selection: &Selection) -> Exit {
    let stdin = io::stdin();
    let mut answers = stdin.lock();
    let stdout = io::stdout();
    let mut screen = stdout.lock();
    let mut summaries = Vec::new();
    let mut failed = false;
    for found in files::walk(&config.paths, selection) {
        let path = match found {
            Found::File(input) => input.path,
            Found::Skipped(path, why) => {
                note(config, &format!("{}: {why}", path.display()));
                continue;
            }
            Found::Error(path, e) => {
                failed = true;
                eprintln!("newsclean: {}: cannot read: {e}", path.display());
                continue;
            }
        };
        let cleaner = match projects.plan(&path) {
            Ok(Plan::Clean(cleaner)) => cleaner,
            Ok(Plan::Excluded) => continue,
            Err(e) => {
                eprintln!("newsclean: {e}");
                return Exit::Error;
            }
        };
        let mut sinks = (DiffSink::collecting(), review::Original::default());
        let (choice, stamp) = match input::clean_for_review(&cleaner, &path, &config.settings, &mut sinks) {
            Ok(Ok((choice, outcome, stamp))) => {
                if config.verbose {
                    let report = Report { outcome, choice, rewritten: false };
                    eprintln!("newsclean: {}: {}", path.display(), describe(&report));
                }
                (choice, stamp)
            }
            Ok(Err(why)) => {
                note(config, &format!("{}: {why}", path.display()));
                continue;
            }
            Err(e) => {
                failed = true;
                eprintln!("newsclean: {e}");
                continue;
            }
        };
        let (hunks, original) = (sinks.0.into_hunks(), sinks.1.lines);
        if hunks.is_empty() {
            continue;
        }
        let shown = input::diff_path(&path);
        let mut term = review::Terminal { input: &mut answers, out: &mut screen, color: config.settings.color };
        let done = match review::review(&shown, &hunks, &original, cleaner.descriptions(), &mut term) {
            Ok(done) => done,
            Err(e) => return output_failed(&e),
        };
        let mut applied = done.accepted.len();
        if applied > 0 {
            let text = review::apply(&original, &done.accepted);
            if let Err(e) = input::write_reviewed(&path, &text, &choice, stamp, &config.settings) {
                failed = true;
                applied = 0;
                eprintln!("newsclean: {e}");
            }
        }
        let hunks = if done.total == 1 { "hunk" } else { "hunks" };
        summaries.push(format!("{shown}: {applied} of {} {hunks} applied", done.total));
        if done.quit {
            break;
        }
    }
    for line in &summaries {
        note(config, line);
    }
    if failed { Exit::Error } else { Exit::Success }
}

/// `--staged`: checks the staged bytes of each staged file that a walk would take, naming it by
/// its path from the top of the work tree. Exit codes as for files on disk.
fn run_staged(projects: &mut Projects, config: &Config, selection: &Selection) -> Exit {
    let staged = match git::staged_files(&config.paths) {
        Ok(staged) => staged,
        Err(e) => {
            eprintln!("newsclean: --staged: {e}");
            return Exit::Error;
        }
    };
    let diff = match config.mode {
        Mode::Check { diff } => diff,
        _ => true,
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut summary = Summary::default();
    for path in staged.iter().filter(|p| selection.takes(p)) {
        let cleaner = match projects.plan(path) {
            Ok(Plan::Clean(cleaner)) => cleaner,
            Ok(Plan::Excluded) => continue,
            Err(e) => {
                let _ = out.flush();
                eprintln!("newsclean: {e}");
                return Exit::Error;
            }
        };
        let result = git::staged_bytes(path)
            .map_err(|e| Error::Read { path: path.clone(), source: io::Error::other(e) })
            .and_then(|bytes| input::check_bytes(&cleaner, path, bytes, diff, &config.settings, &mut out));
        match result {
            Ok(FileResult::Cleaned(report)) => {
                if config.verbose {
                    let _ = out.flush();
                    eprintln!("newsclean: {}: {}", path.display(), describe(&report));
                }
                if report.rewritten
                    && matches!(config.mode, Mode::Check { .. })
                    && let Err(e) = writeln!(out, "{}", path.display())
                {
                    return output_failed(&e);
                }
                summary.add(&report.outcome, report.rewritten);
            }
            Ok(FileResult::Skipped(why)) => {
                summary.skip();
                let _ = out.flush();
                note(config, &format!("{}: {why}", path.display()));
            }
            Err(Error::Output(e)) => return output_failed(&e),
            Err(e) => {
                summary.fail();
                let _ = out.flush();
                eprintln!("newsclean: {e}");
            }
        }
    }
    if let Err(e) = out.flush() {
        return output_failed(&e);
    }
    note(config, &format!("staged: {}", summary.line("would change")));
    exit_for(&summary, &config.mode)
}

/// A file cleaned on a worker thread: its result and the output it wrote.
type Buffered = (Result<FileResult, Error>, Vec<u8>);

/// Files cleaned in parallel at a time; bounds the memory held by buffered diffs.
const PARALLEL_BATCH: usize = 256;
/// Files larger than this are cleaned on the main thread, streaming, rather than into a buffer.
const LARGE_FILE: u64 = 8 << 20;

fn is_large(path: &std::path::Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() > LARGE_FILE)
}

/// Stdout failed: a closed pipe (`| head`) ends the run quietly, anything else is an error.
fn output_failed(e: &io::Error) -> Exit {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return Exit::Success;
    }
    eprintln!("newsclean: cannot write output: {e}");
    Exit::Error
}

/// `windows-1251 (detected), 3 edits` for --verbose.
fn describe(report: &Report) -> String {
    let edits = report.outcome.edits();
    format!(
        "{} ({}), {edits} edit{}",
        report.choice.encoding.name(),
        report.choice.reason,
        if edits == 1 { "" } else { "s" }
    )
}

fn note(config: &Config, message: &str) {
    if !config.quiet {
        eprintln!("newsclean: {message}");
    }
}

fn run_stdin(cleaner: &Cleaner, config: &Config) -> Exit {
    let stdin = io::stdin();
    if config.paths.is_empty() && stdin.is_terminal() {
        eprintln!("newsclean: no input: give files or directories, or pipe text on stdin (see --help)");
        return Exit::Error;
    }
    let mode = match config.mode {
        Mode::Diff if config.paths.is_empty() || config.paths[0].as_os_str() == "-" => StreamMode::Text,
        Mode::Check { diff: true } => StreamMode::Diff,
        Mode::Check { diff: false } => StreamMode::Check,
        _ => StreamMode::Text,
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match input::clean_stream(cleaner, stdin.lock(), mode, &config.settings, &mut out) {
        Ok(FileResult::Skipped(why)) => {
            note(config, &format!("stdin: {why}"));
            Exit::Success
        }
        Ok(FileResult::Cleaned(report)) if config.verbose => {
            eprintln!("newsclean: stdin: {}", describe(&report));
            stdin_exit(config, &report, mode, &mut out)
        }
        Ok(FileResult::Cleaned(report)) => stdin_exit(config, &report, mode, &mut out),
        Err(Error::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => Exit::Success,
        Err(e) => {
            eprintln!("newsclean: {e}");
            Exit::Error
        }
    }
}

fn stdin_exit(config: &Config, report: &Report, mode: StreamMode, out: &mut dyn Write) -> Exit {
    match report {
        Report { rewritten: true, .. } if matches!(config.mode, Mode::Check { .. }) => {
            if mode == StreamMode::Check {
                let _ = writeln!(out, "stdin");
            }
            Exit::WouldChange
        }
        _ => Exit::Success,
    }
}

/// Runs `newsclean rules` or `newsclean explain`, under the config of the current directory (or
/// `--config`) and `--select`/`--ignore`.
fn run_command(command: Command, args: Args) -> Exit {
    if let Command::Hook(hook) = command {
        return run_hook_command(hook);
    }
    let cli = CliRules { select: args.select, ignore: args.ignore };
    let set = Projects::new(args.config.as_deref(), cli).and_then(|mut p| p.rules_for_dir(Path::new(".")));
    let set = match set {
        Ok(set) => set,
        Err(e) => {
            eprintln!("newsclean: {e}");
            return Exit::Error;
        }
    };
    let text = match command {
        Command::Hook(_) => unreachable!("handled above"),
        Command::Rules => list_rules(&set),
        Command::Explain { rule } => match set.get(&rule) {
            Some(spec) => explain(spec, set.is_enabled(&rule)),
            None => {
                let near = set.nearest(&rule);
                let hint = if near.is_empty() { String::new() } else { format!("; did you mean {}?", near.join(", ")) };
                eprintln!("newsclean: unknown rule `{rule}`{hint} (`newsclean rules` lists them)");
                return Exit::Error;
            }
        },
    };
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Exit::Success,
        Err(e) => output_failed(&e),
    }
}

/// The `newsclean rules` table.
fn list_rules(set: &RuleSet) -> String {
    let id_width = set.all().map(|r| r.id.len()).max().unwrap_or(2).max(2);
    let family_width = set.all().map(|r| r.family().len()).max().unwrap_or(6).max(6);
    let mut out = format!("{:<id_width$}  {:<family_width$}  {:<3}  DESCRIPTION\n", "ID", "FAMILY", "ON");
    for rule in set.all() {
        let on = if set.is_enabled(&rule.id) { "on" } else { "off" };
        out.push_str(&format!(
            "{:<id_width$}  {:<family_width$}  {on:<3}  {}\n",
            rule.id,
            rule.family(),
            rule.description
        ));
    }
    let on = set.all().filter(|r| set.is_enabled(&r.id)).count();
    out.push_str(&format!(
        "\n{} rules, {on} on. `newsclean explain ID` shows one with its examples.\n",
        set.all().count()
    ));
    out
}

/// What `where = ...` means, for people.
fn describe_place(place: crate::rules::Place) -> &'static str {
    use crate::rules::Place;
    match place {
        Place::Anywhere => "anywhere in a line",
        Place::InsideLine => "inside a line that has other text too",
        Place::OwnLine => "a line of its own (the whole line is removed)",
        Place::LineStart => "the start of a line (the whole line is removed)",
        Place::Head => "a line of its own among the document's first 5 lines",
        Place::Tail => "a line of its own at the document's end",
    }
}

/// The `newsclean explain RULE` page.
fn explain(rule: &RuleSpec, on: bool) -> String {
    use crate::rules::spec::{Case, Follow, Replace};
    let list = |items: &[String]| items.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ");
    let origin = if rule.origin.file == "built-in" {
        "built-in".to_owned()
    } else {
        format!("{}:{}", rule.origin.file, rule.origin.line)
    };
    let mut out = format!("{}  ({origin}, {})\n\n  {}\n\n", rule.id, if on { "on" } else { "off" }, rule.description);
    out.push_str(&format!("  where:    {} ({})\n", rule.place.as_str(), describe_place(rule.place)));
    let m = &rule.matcher;
    let matches = if let Some(name) = &m.builtin {
        match crate::rules::matcher_named(name) {
            Some(matcher) => format!("code written in Rust, the matcher `{name}` in {}", matcher.source),
            None => format!("the built-in matcher `{name}` (written in Rust)"),
        }
    } else if let Some(regex) = &m.regex {
        let triggers = m.trigger.as_deref().map(|t| format!(", on lines holding {}", list(t))).unwrap_or_default();
        format!("the regex `{regex}`{triggers}")
    } else if let Some(words) = &m.words {
        format!("the whole words {}", list(words))
    } else {
        format!("the text {}", list(rule.strings()))
    };
    out.push_str(&format!("  matches:  {matches}"));
    if rule.case == Case::Ignore {
        out.push_str(", in any case");
    }
    if let Some(follow) = rule.followed_by {
        out.push_str(match follow {
            Follow::Headline => ", followed by a headline",
            Follow::Text => ", followed by some text",
            Follow::HeadlineList => ", with the list of headlines after it",
        });
    }
    out.push('\n');
    let action = match &rule.replace {
        None if rule.place.is_line() => "removes the line".to_owned(),
        None if m.builtin.is_some() => "fixes the text in place".to_owned(),
        None => "removes the match".to_owned(),
        Some(Replace::One(s)) => format!("replaces it with `{s}`, keeping its case"),
        Some(Replace::PerWord(map)) => {
            let pairs: Vec<String> = map.iter().map(|(k, v)| format!("`{k}` → `{v}`")).collect();
            format!("replaces {}, keeping case", pairs.join(", "))
        }
    };
    out.push_str(&format!("  action:   {action}\n"));
    if let Some(singular) = &rule.after_singular {
        let pairs: Vec<String> = singular.iter().map(|(k, v)| format!("`{k}` → `{v}`")).collect();
        let pairs = if pairs.is_empty() { String::new() } else { format!("replaces {}; ", pairs.join(", ")) };
        out.push_str(&format!(
            "            after a, an, one, this, that, each, every or another: {pairs}leaves any other match alone\n"
        ));
    }
    let c = &rule.context;
    if c.is_empty() {
        out.push_str("  context:  none (fires wherever it matches, but never inside a quoted mention)\n");
    } else {
        if !c.near.is_empty() {
            out.push_str(&format!("  context:  only where the paragraph or a neighbour mentions {}\n", list(&c.near)));
        }
        if !c.not_in_paragraph.is_empty() {
            out.push_str(&format!("            never where the paragraph mentions {}\n", list(&c.not_in_paragraph)));
        }
        if !c.not_followed_by.is_empty() {
            out.push_str(&format!("            never when followed by {}\n", list(&c.not_followed_by)));
        }
    }
    if !rule.enabled {
        out.push_str("  default:  off (turn it on with --select or `select` in newsclean.toml)\n");
    }
    out.push_str("\nchanges:\n");
    for example in &rule.examples {
        out.push_str(&format!("  {:?}\n  → {:?}\n", example.input, example.output));
    }
    if rule.examples.is_empty() {
        out.push_str("  (no examples)\n");
    }
    out.push_str("\nleaves alone:\n");
    for keep in &rule.keep {
        out.push_str(&format!("  {keep:?}\n"));
    }
    if rule.keep.is_empty() {
        out.push_str("  (no examples)\n");
    }
    out
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
