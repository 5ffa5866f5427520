//! `--jsonl`: JSON lines on stdin or in files, each record's field cleaned by the library's `jsonl`
//! module; every bad line said with its place (`data.jsonl:12: not JSON (...)`), the run going on
//! and exiting 2 at the end; a summary counted in records.

use std::io::{self, IsTerminal, Write};

use newsclean::config::{Config, Format, Mode};
use newsclean::files::{self, Found, Selection};
use newsclean::jsonl::{self, Fields, Options, Output, Totals};
use newsclean::output::summary;
use newsclean::project::{Plan, Projects};

use super::Exit;
use super::tally::{note, output_failed};

/// What a `--jsonl` run has seen.
#[derive(Default)]
struct Seen {
    inputs: usize,
    totals: Totals,
    /// Inputs that could not be read or written at all.
    failed_inputs: usize,
    written: usize,
}

impl Seen {
    fn add(&mut self, name: &str, totals: Totals) {
        for failure in &totals.failures {
            eprintln!("newsclean: {name}:{}: {}", failure.line, failure.why);
        }
        self.totals.absorb(totals);
    }
}

/// Runs `--jsonl` over stdin or the walked files.
pub(super) fn run(projects: &mut Projects, config: &Config, selection: &Selection) -> Exit {
    let Some(settings) = &config.jsonl else { unreachable!("run only with --jsonl") };
    let options = Options {
        fields: Fields::new(&settings.field, settings.id_field.as_deref(), settings.report_field.as_deref()),
        name: "stdin".to_owned(),
        output: Output::Records,
        skip_bad: settings.skip_bad,
        max_record: config.settings.max_line,
        settings: config.settings.clone(),
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut seen = Seen::default();
    if config.reads_stdin() {
        let stdin = io::stdin();
        if config.paths.is_empty() && stdin.is_terminal() {
            eprintln!("newsclean: no input: give files or directories, or pipe JSON lines on stdin (see --help)");
            return Exit::Error;
        }
        let cleaner = match projects.plan_stdin() {
            Ok(cleaner) => cleaner,
            Err(e) => {
                eprintln!("newsclean: {e}");
                return Exit::Error;
            }
        };
        let mut options = options;
        options.output = match config.mode {
            _ if config.settings.format == Format::Statistics => Output::Nothing,
            Mode::Diff | Mode::Check { diff: true } => Output::Diffs,
            Mode::Check { diff: false } => Output::Names,
            _ => Output::Records,
        };
        let input = io::BufReader::with_capacity(1 << 16, stdin.lock());
        seen.inputs = 1;
        match jsonl::clean_records(&cleaner, input, &options, &mut out) {
            Ok(totals) => seen.add("stdin", totals),
            Err(jsonl::StreamError::Write(e)) => return output_failed(&e),
            Err(jsonl::StreamError::Read(e)) => {
                let _ = out.flush();
                eprintln!("newsclean: stdin: cannot read: {e}");
                seen.failed_inputs += 1;
            }
        }
    } else {
        for found in files::walk(&config.paths, selection) {
            let input = match found {
                Found::File(input) => input,
                Found::Skipped(path, why) => {
                    let _ = out.flush();
                    note(config, &format!("{}: {why}", path.display()));
                    continue;
                }
                Found::Error(path, e) => {
                    fail(&mut out, &mut seen, format!("{}: cannot read: {e}", path.display()));
                    continue;
                }
            };
            let cleaner = match projects.plan(&input.path) {
                Ok(Plan::Clean(cleaner)) => cleaner,
                Ok(Plan::Excluded) => continue,
                Err(e) => {
                    fail(&mut out, &mut seen, e.to_string());
                    continue;
                }
            };
            seen.inputs += 1;
            match jsonl::clean_file(&cleaner, &input, &config.mode, &options, &mut out) {
                Ok((totals, written)) => {
                    let _ = out.flush();
                    seen.written += usize::from(written);
                    seen.add(&newsclean::input::diff_path(&input.path), totals);
                }
                Err(newsclean::Error::Output(e)) => return output_failed(&e),
                Err(e) => fail(&mut out, &mut seen, e.to_string()),
            }
        }
    }
    finish(config, &mut out, seen)
}

fn fail(out: &mut dyn Write, seen: &mut Seen, message: String) {
    let _ = out.flush();
    eprintln!("newsclean: {message}");
    seen.failed_inputs += 1;
}

/// The `--statistics` table, the summary line and the exit code: 2 if any line or input failed,
/// 1 if `--check` found records that would change, else 0.
fn finish(config: &Config, out: &mut dyn Write, seen: Seen) -> Exit {
    if config.settings.format == Format::Statistics
        && let Err(e) = out.write_all(summary::statistics(&seen.totals.by_rule).as_bytes())
    {
        return output_failed(&e);
    }
    if let Err(e) = out.flush() {
        return output_failed(&e);
    }
    let Totals { records, changed, furniture_only, failures, by_rule } = &seen.totals;
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let verb = match config.mode {
        // Stdin's records come out on stdout whatever the mode asks of files.
        _ if config.reads_stdin() => "changed",
        Mode::Write => "changed",
        Mode::Out(_) => "changed in the copies",
        Mode::Print => "changed",
        _ => "would change",
    };
    let edits: usize = by_rule.values().sum();
    let mut line = format!(
        "{}, {changed} {verb}, {}",
        plural(*records, "record", "records"),
        plural(edits as u64, "edit", "edits")
    );
    if !config.reads_stdin() {
        line.push_str(&format!(" in {}", plural(seen.inputs as u64, "file", "files")));
    }
    if *furniture_only > 0 {
        line.push_str(&format!(
            ", {} of furniture only left as they were",
            plural(*furniture_only, "record", "records")
        ));
    }
    if !failures.is_empty() {
        let what = if config.jsonl.as_ref().is_some_and(|j| j.skip_bad) { "dropped" } else { "passed through" };
        line.push_str(&format!(", {} not cleaned ({what})", plural(failures.len() as u64, "bad line", "bad lines")));
    }
    if seen.failed_inputs > 0 {
        line.push_str(&format!(", {} failed", plural(seen.failed_inputs as u64, "file", "files")));
    }
    note(config, &line);
    if seen.failed_inputs > 0 || !failures.is_empty() {
        Exit::Error
    } else if matches!(config.mode, Mode::Check { .. }) && *changed > 0 {
        Exit::WouldChange
    } else {
        Exit::Success
    }
}
