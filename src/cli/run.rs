//! Each mode's run: files in parallel batches reported in walk order, stdin, the staged files, the
//! interactive review; and the exit code of a run.

use std::io::{self, IsTerminal, Write};

use rayon::prelude::*;

use newsclean::config::{Config, Mode};
use newsclean::error::Error;
use newsclean::files::{self, Found, Selection};
use newsclean::git;
use newsclean::input::{self, FileResult, Report};
use newsclean::output::diff::DiffSink;
use newsclean::output::json;
use newsclean::output::review;
use newsclean::output::summary::Summary;
use newsclean::output::write::{Commit, write_error};
use newsclean::pipeline::Cleaner;
use newsclean::project::{Plan, Projects};

use super::Exit;
use super::args::Args;
use super::commands::run_command;
use super::progress::Progress;
use super::tally::{FURNITURE_ONLY, Tally, describe, note, output_failed};

/// Runs newsclean with parsed arguments.
pub fn run(mut args: Args) -> Exit {
    if let Some(command) = args.command.take() {
        // Only the rule selection (`--config`, `--select`, `--ignore`) and `-q` apply to a command.
        let cleaning = !args.paths.is_empty() || args.check || args.write || args.interactive || args.staged;
        if cleaning || args.out.is_some() || args.diff {
            eprintln!(
                "newsclean: a command takes no paths and no cleaning options (write `./NAME` for a file named like one)"
            );
            return Exit::Error;
        }
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
    // `-j N`: the pool cleaning the files (the walk takes the same number of threads).
    let _ = rayon::ThreadPoolBuilder::new().num_threads(config.walk.threads).build_global();
    let projects = Projects::new(config.project.as_deref(), config.rules.clone());
    let mut projects = match projects.map(|p| p.with_max_line(config.settings.max_line)) {
        // Never freed: the process ends when `run` returns, and freeing a file of thousands of
        // rules, their rule sets and cleaners one allocation at a time cost a tenth of its start-up.
        Ok(projects) => std::mem::ManuallyDrop::new(projects),
        Err(e) => {
            eprintln!("newsclean: {e}");
            return Exit::Error;
        }
    };
    if config.jsonl.is_some() {
        return super::jsonl::run(&mut projects, &config, &selection);
    }
    if config.staged {
        return run_staged(&mut projects, &config, &selection);
    }
    if config.reads_stdin() {
        let planned = match &config.stdin_filename {
            Some(name) => projects.plan(name).map(|plan| match plan {
                Plan::Clean(cleaner) => Some(cleaner),
                Plan::Excluded => None,
            }),
            None => projects.plan_stdin().map(Some),
        };
        return match planned {
            Ok(Some(cleaner)) => run_stdin(&cleaner, &config),
            Ok(None) => pass_stdin_through(&config),
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
    let mut tally = Tally::new(&config);
    let mut found = files::walk(&config.paths, &selection);
    if let Mode::Out(dir) = &config.mode {
        match check_out_targets(dir, &mut found, &config.settings) {
            Ok(refused) => {
                for (path, why) in refused {
                    tally.fail(&mut out, &path, format!("{}: {why}", path.display()));
                }
            }
            Err(e) => {
                eprintln!("newsclean: {e}");
                return Exit::Error;
            }
        }
    }
    // Files are cleaned in parallel a batch at a time, each into its own buffer, and reported in
    // walk order, so the output is the same whatever the thread count. Large files stream straight
    // to stdout on this thread instead, to keep memory bounded. A batch's written files go into
    // place together, made durable by a few syncs rather than two per file (`files::Batch`),
    // before any of them is reported written.
    let files = found.iter().filter(|f| matches!(f, Found::File(_))).count();
    let mut progress = Progress::new(files, config.quiet);
    for batch in found.chunks(PARALLEL_BATCH) {
        // Which cleaner each file gets (its newsclean.toml, overrides), decided here in walk order.
        // A broken config fails the files it governs (its error said once), not the whole batch.
        let plans: Vec<Option<Result<Plan, Error>>> = batch
            .iter()
            .map(|found| match found {
                Found::File(input) => Some(projects.plan(&input.path)),
                _ => None,
            })
            .collect();
        let writes = files::Batch::default();
        let mut done: Vec<(u64, Option<Buffered>)> = batch
            .par_iter()
            .zip(&plans)
            .enumerate()
            .map(|(key, (found, plan))| {
                let Found::File(input) = found else { return (0, None) };
                let size = std::fs::metadata(&input.path).map_or(0, |m| m.len());
                match plan {
                    Some(Ok(Plan::Clean(cleaner))) if size <= LARGE_FILE => {
                        let mut buffer = Vec::new();
                        let commit = Commit::With(&writes, key);
                        let result =
                            input::clean_file(cleaner, input, &config.mode, &config.settings, &mut buffer, commit);
                        (size, Some((result, buffer)))
                    }
                    _ => (size, None),
                }
            })
            .collect();
        for failed in writes.finish() {
            if let (_, Some((result, _))) = &mut done[failed.key] {
                *result = Err(write_error(&failed.path, failed.error));
            }
        }
        for ((found, (size, done)), plan) in batch.iter().zip(done).zip(plans) {
            // A file cleaned with nothing to say (--write, a --check that passes) leaves the bar be.
            let silent = match &done {
                Some((Ok(FileResult::Cleaned(report)), buffer)) => {
                    buffer.is_empty()
                        && !config.verbose
                        && !(report.rewritten && matches!(config.mode, Mode::Check { .. }))
                }
                _ => false,
            };
            let report = || {
                let reported = report_file(&mut projects, &config, &mut tally, &mut out, found, done, plan);
                // Out before the bar comes back, not from the buffer some files later, over it.
                if progress.shown() {
                    let _ = out.flush();
                }
                reported
            };
            let edits = match if silent { report() } else { progress.around(report) } {
                Ok(edits) => edits,
                Err(exit) => return exit,
            };
            if matches!(found, Found::File(_)) {
                progress.done(size, edits);
            }
        }
    }
    progress.finish();
    tally.finish(&mut out, "")
}

/// Reports one thing the walk found: writes the output its cleaning buffered (or cleans it now,
/// streaming, when it was too large to buffer) and tells the tally. Returns the file's edits, or
/// the exit code when stdout failed.
fn report_file(
    projects: &mut Projects,
    config: &Config,
    tally: &mut Tally,
    out: &mut impl Write,
    found: &Found,
    done: Option<Buffered>,
    plan: Option<Result<Plan, Error>>,
) -> Result<usize, Exit> {
    let input = match found {
        Found::File(input) => input,
        Found::Skipped(path, why) => {
            tally.skip(out, path, why);
            return Ok(0);
        }
        Found::Error(path, e) => {
            tally.fail(out, path, format!("{}: cannot read: {e}", path.display()));
            return Ok(0);
        }
    };
    let result = match (done, plan) {
        (Some((result, buffer)), _) => {
            out.write_all(&buffer).map_err(|e| output_failed(&e))?;
            result
        }
        (None, Some(Ok(Plan::Clean(cleaner)))) => {
            input::clean_file(&cleaner, input, &config.mode, &config.settings, out, Commit::Now)
        }
        (None, Some(Err(e))) => {
            tally.config_failed(out, &input.path, &e);
            return Ok(0);
        }
        (None, _) => {
            if config.verbose {
                eprintln!("newsclean: {}: excluded by newsclean.toml", input.path.display());
            }
            return Ok(0);
        }
    };
    let edits = match &result {
        Ok(FileResult::Cleaned(report)) => report.outcome.edits(),
        _ => 0,
    };
    let governed = config.verbose.then(|| match projects.config_path(&input.path) {
        Some(file) => format!("config {}", file.display()),
        None => "built-in rules (no newsclean.toml)".to_owned(),
    });
    tally.file(out, &input.path, result, governed)?;
    Ok(edits)
}

/// Before `--out DIR` writes anything: refuses a run that would write over one of its inputs (DIR
/// is the input tree, or holds inputs where copies would go), and takes out of `found` the inputs
/// that map to one output path (`a.html` and `a.txt` both give `a.txt`), returned with the reason.
fn check_out_targets(
    dir: &std::path::Path,
    found: &mut Vec<Found>,
    settings: &newsclean::config::Settings,
) -> Result<Vec<(std::path::PathBuf, String)>, String> {
    use std::collections::{HashMap, HashSet};
    let inputs: HashSet<std::path::PathBuf> = found
        .iter()
        .filter_map(|f| if let Found::File(i) = f { std::fs::canonicalize(&i.path).ok() } else { None })
        .collect();
    let mut by_target: HashMap<std::path::PathBuf, Vec<std::path::PathBuf>> = HashMap::new();
    for f in found.iter() {
        let Found::File(input) = f else { continue };
        let target = input::out_path(&input.path, &dir.join(&input.relative), settings);
        if std::fs::canonicalize(&target).is_ok_and(|t| inputs.contains(&t)) {
            return Err(format!(
                "--out {} would write over the input {}: choose a directory outside the input tree",
                dir.display(),
                target.display()
            ));
        }
        by_target.entry(target).or_default().push(input.path.clone());
    }
    let mut refused = Vec::new();
    for (target, paths) in by_target.into_iter().filter(|(_, paths)| paths.len() > 1) {
        for path in &paths {
            let others: Vec<String> = paths.iter().filter(|p| *p != path).map(|p| p.display().to_string()).collect();
            let why = format!("--out would write it to {}, as {}: left out", target.display(), others.join(", "));
            refused.push((path.clone(), why));
        }
    }
    found.retain(|f| !matches!(f, Found::File(i) if refused.iter().any(|(p, _)| *p == i.path)));
    refused.sort();
    Ok(refused)
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
    let mut tally = Tally::new(config);
    for found in files::walk(&config.paths, selection) {
        let path = match found {
            Found::File(input) => input.path,
            Found::Skipped(path, why) => {
                tally.skip(&mut screen, &path, why);
                continue;
            }
            Found::Error(path, e) => {
                tally.fail(&mut screen, &path, format!("{}: cannot read: {e}", path.display()));
                continue;
            }
        };
        let cleaner = match projects.plan(&path) {
            Ok(Plan::Clean(cleaner)) => cleaner,
            Ok(Plan::Excluded) => continue,
            Err(e) => {
                tally.config_failed(&mut screen, &path, &e);
                continue;
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
                tally.skip(&mut screen, &path, why);
                continue;
            }
            Err(e) => {
                tally.fail(&mut screen, &path, e);
                continue;
            }
        };
        let (hunks, original) = (sinks.0.into_hunks(), sinks.1.lines);
        if hunks.is_empty() {
            continue;
        }
        let shown = input::diff_path(&path);
        let mut term = review::Terminal { input: &mut answers, out: &mut screen, color: config.settings.color };
        let done = match review::review(&path, &hunks, &original, cleaner.descriptions(), &mut term) {
            Ok(done) => done,
            Err(e) => return output_failed(&e),
        };
        let mut applied = done.accepted.len();
        if applied > 0 {
            let text = review::apply(&original, &done.accepted);
            if let Err(e) = input::write_reviewed(&path, &text, &choice, stamp, &config.settings) {
                applied = 0;
                tally.fail(&mut screen, &path, e);
            }
        }
        let hunks = if done.total == 1 { "hunk" } else { "hunks" };
        summaries.push(format!("{shown}: {applied} of {} {hunks} applied", done.total));
        if done.quit {
            break;
        }
    }
    tally.say_skipped_pages();
    for line in &summaries {
        tally.note(line);
    }
    tally.exit_code()
}

/// `--staged`: checks the staged bytes of each staged file that a walk would take, naming it by
/// its path from the top of the work tree. Exit codes as for files on disk.
fn run_staged(projects: &mut Projects, config: &Config, selection: &Selection) -> Exit {
    // Staged paths are relative to the top of the work tree, wherever newsclean runs in it: the
    // config of each file is looked up from there, not from the current directory.
    let (staged, top) = match git::staged_files(&config.paths).and_then(|s| Ok((s, git::toplevel()?))) {
        Ok(found) => found,
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
    let mut tally = Tally::new(config);
    for path in staged.iter().filter(|p| selection.takes(p)) {
        let cleaner = match projects.plan(&top.join(path)) {
            Ok(Plan::Clean(cleaner)) => cleaner,
            Ok(Plan::Excluded) => continue,
            Err(e) => {
                tally.config_failed(&mut out, path, &e);
                continue;
            }
        };
        let result = git::staged_bytes(path)
            .map_err(|e| Error::Read { path: path.clone(), source: io::Error::other(e) })
            .and_then(|bytes| input::check_bytes(&cleaner, path, bytes, diff, &config.settings, &mut out));
        if let Err(exit) = tally.file(&mut out, path, result, None) {
            return exit;
        }
    }
    tally.finish(&mut out, "staged: ")
}

/// A file cleaned on a worker thread: its result and the output it wrote.
type Buffered = (Result<FileResult, Error>, Vec<u8>);

/// Files cleaned in parallel at a time; bounds the memory held by buffered diffs.
const PARALLEL_BATCH: usize = 256;
/// Files larger than this are cleaned on the main thread, streaming, rather than into a buffer.
const LARGE_FILE: u64 = 8 << 20;

/// Stdin standing for a path its config excludes (`--stdin-filename`): the text passes through
/// unchanged where the cleaned text would go, and nothing would change.
fn pass_stdin_through(config: &Config) -> Exit {
    note(
        config,
        &format!(
            "{}: excluded by newsclean.toml, passed through",
            config.stdin_filename.as_ref().map_or("stdin".into(), |p| p.display().to_string())
        ),
    );
    if config.mode != Mode::Print {
        return Exit::Success;
    }
    match io::copy(&mut io::stdin().lock(), &mut io::stdout().lock()) {
        Ok(_) => Exit::Success,
        Err(e) => output_failed(&e),
    }
}

fn run_stdin(cleaner: &Cleaner, config: &Config) -> Exit {
    let stdin = io::stdin();
    if config.paths.is_empty() && stdin.is_terminal() {
        eprintln!("newsclean: no input: give files or directories, or pipe text on stdin (see --help)");
        return Exit::Error;
    }
    // `--stdin-filename page.html`: the text is a page, as the file would be.
    let mut settings = config.settings.clone();
    settings.html |= config.stdin_filename.as_deref().is_some_and(newsclean::source::is_html_path);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = input::clean_stream(cleaner, stdin.lock(), &config.mode, &settings, &mut out);
    if config.json {
        // The stream of one input ends as a batch's does: its error, if any, and the summary.
        let mut summary = Summary::default();
        let mut records = String::new();
        match &result {
            Ok(FileResult::Cleaned(report)) => summary.add(&report.outcome, report.rewritten),
            Ok(FileResult::Skipped(_)) => summary.skip(),
            Err(Error::Output(_)) => {}
            Err(e) => {
                summary.fail();
                records.push_str(&json::error_record(Some("stdin"), &e.to_string()));
            }
        }
        records.push_str(&json::summary_record(&summary));
        if let Err(e) = out.write_all(records.as_bytes()).and_then(|()| out.flush()) {
            return output_failed(&e);
        }
    }
    match result {
        Ok(FileResult::Skipped(why)) => {
            note(config, &format!("stdin: {why}"));
            Exit::Success
        }
        Ok(FileResult::Cleaned(report)) if config.verbose => {
            eprintln!("newsclean: stdin: {}", describe(&report));
            stdin_exit(config, &report, &mut out)
        }
        Ok(FileResult::Cleaned(report)) => stdin_exit(config, &report, &mut out),
        Err(Error::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => Exit::Success,
        Err(e) => {
            eprintln!("newsclean: {e}");
            Exit::Error
        }
    }
}

fn stdin_exit(config: &Config, report: &Report, out: &mut dyn Write) -> Exit {
    if report.outcome.furniture_only {
        let _ = out.flush();
        note(config, &format!("stdin: {FURNITURE_ONLY}"));
    }
    match report {
        Report { rewritten: true, .. } if matches!(config.mode, Mode::Check { .. }) => {
            if config.mode == (Mode::Check { diff: false }) {
                let _ = writeln!(out, "stdin");
            }
            Exit::WouldChange
        }
        _ => Exit::Success,
    }
}
