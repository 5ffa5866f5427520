//! The command line: clap `Args`, their resolution into a `Config`, and the one `match` over modes.
//! This module and `main.rs` are the only places that touch stdout, stderr or exit codes.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use clap::{ArgGroup, Parser, ValueEnum};
use rayon::prelude::*;

use crate::config::{Config, Mode};
use crate::error::Error;
use crate::files::{self, Found, Selection};
use crate::input::{self, FileMode, FileResult, StreamMode};
use crate::pipeline::Cleaner;
use crate::report::Summary;

const EXIT_CODES: &str = "\
Exit codes:
  0  success (a dry run exits 0 even when it prints changes)
  1  --check found files that would change
  2  an error: bad arguments, or a file that could not be read or written
     (the other files are still processed; binary files are skipped, not errors)";

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
/// the path `-`), writes the cleaned text to stdout.
#[derive(Debug, Parser)]
#[command(name = "newsclean", version, after_help = EXIT_CODES)]
#[command(group(ArgGroup::new("mode").args(["check", "write"])))]
pub struct Args {
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
    /// Color diffs.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Only walk files matching this glob (replaces the default *.txt *.text *.md); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip files matching this glob, walked or named explicitly; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Follow symlinks when walking and write through them to their targets.
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Print no summary line and no notes on stderr (errors are still printed).
    #[arg(short, long)]
    pub quiet: bool,
}

impl Args {
    /// Resolves the arguments into a `Config`.
    pub fn into_config(self) -> Result<Config, files::BadGlob> {
        let mode = match (self.check, self.write) {
            (true, _) => Mode::Check { diff: self.diff },
            (_, true) => Mode::Write,
            _ => Mode::Diff,
        };
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Ok(Config {
            selection: Selection::new(&self.include, &self.exclude, self.follow_symlinks)?,
            paths: self.paths,
            mode,
            color,
            quiet: self.quiet,
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
pub fn run(args: Args) -> Exit {
    let config = match args.into_config() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("newsclean: {e}");
            return Exit::Error;
        }
    };
    let cleaner = Cleaner::new();
    if config.reads_stdin() {
        return run_stdin(&cleaner, &config);
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut summary = Summary::default();
    let file_mode = match config.mode {
        Mode::Diff => FileMode::Diff,
        Mode::Check { diff } => FileMode::Check { diff },
        Mode::Write => FileMode::Write,
    };
    let found = files::walk(&config.paths, &config.selection);
    // Files are cleaned in parallel a batch at a time, each into its own buffer, and reported in
    // walk order, so the output is the same whatever the thread count. Large files stream straight
    // to stdout on this thread instead, to keep memory bounded.
    for batch in found.chunks(PARALLEL_BATCH) {
        let done: Vec<Option<Buffered>> = batch
            .par_iter()
            .map(|found| match found {
                Found::File(path) if !is_large(path) => {
                    let mut buffer = Vec::new();
                    Some((input::clean_file(&cleaner, path, file_mode, config.color, &mut buffer), buffer))
                }
                _ => None,
            })
            .collect();
        for (found, done) in batch.iter().zip(done) {
            let (path, result) = match (found, done) {
                (Found::File(path), Some((result, buffer))) => {
                    if let Err(e) = out.write_all(&buffer) {
                        return output_failed(&e);
                    }
                    (path, result)
                }
                (Found::File(path), None) => {
                    (path, input::clean_file(&cleaner, path, file_mode, config.color, &mut out))
                }
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
                Ok(FileResult::Cleaned(outcome)) => {
                    if outcome.changed
                        && matches!(config.mode, Mode::Check { .. })
                        && let Err(e) = writeln!(out, "{}", path.display())
                    {
                        return output_failed(&e);
                    }
                    summary.add(&outcome);
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
    if let Err(e) = out.flush() {
        return output_failed(&e);
    }
    let verb = if config.mode == Mode::Write { "changed" } else { "would change" };
    note(&config, &summary.line(verb));
    if summary.failed > 0 {
        Exit::Error
    } else if matches!(config.mode, Mode::Check { .. }) && summary.changed > 0 {
        Exit::WouldChange
    } else {
        Exit::Success
    }
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
    match input::clean_stream(cleaner, stdin.lock(), mode, config.color, &mut out) {
        Ok(outcome) if matches!(config.mode, Mode::Check { .. }) && outcome.changed => {
            if mode == StreamMode::Check {
                let _ = writeln!(out, "stdin");
            }
            Exit::WouldChange
        }
        Ok(_) => Exit::Success,
        Err(Error::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => Exit::Success,
        Err(e) => {
            eprintln!("newsclean: {e}");
            Exit::Error
        }
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
