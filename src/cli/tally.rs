//! What a run has seen, fed by every mode that cleans files: counts for the summary line and the
//! `--statistics` table, the notes and errors said on stderr (stdout flushed first, so that both
//! stay in order on a terminal), and the exit code they add up to.

use std::collections::HashSet;
use std::fmt::Display;
use std::io::{self, Write};
use std::path::Path;

use newsclean::config::{Config, Format, Mode};
use newsclean::error::Error;
use newsclean::input::{FileResult, HTML_IN_PLACE, Report, diff_path};
use newsclean::output::json;
use newsclean::output::summary::{self, Summary};

use super::Exit;

/// The running totals of one run.
pub(super) struct Tally<'c> {
    config: &'c Config,
    summary: Summary,
    /// Config errors already said: a broken config is reported once, however many files it governs.
    config_errors: HashSet<String>,
    /// HTML pages an in-place mode passed over: said in one line at the end, not one per page.
    html_pages: usize,
}

impl<'c> Tally<'c> {
    pub(super) fn new(config: &'c Config) -> Self {
        Tally { config, summary: Summary::default(), config_errors: HashSet::new(), html_pages: 0 }
    }

    /// A note (not an error) on stderr, unless `--quiet`.
    pub(super) fn note(&self, message: &str) {
        note(self.config, message);
    }

    /// A path passed over, and why.
    pub(super) fn skip(&mut self, out: &mut dyn Write, path: &Path, why: &str) {
        self.summary.skip();
        if why == HTML_IN_PLACE && !self.config.verbose {
            self.html_pages += 1;
            return;
        }
        let _ = out.flush();
        self.note(&format!("{}: {why}", path.display()));
    }

    /// The file at `path` failed, and why (an error, said even with `--quiet`; with `--format
    /// json` also an `error` record in the stream).
    pub(super) fn fail(&mut self, out: &mut dyn Write, path: &Path, message: impl Display) {
        self.summary.fail();
        let message = message.to_string();
        self.error_record(out, path, &message);
        let _ = out.flush();
        eprintln!("newsclean: {message}");
    }

    /// The file at `path`, whose config failed to load, fails: the config's error is said once
    /// on stderr, and in an `error` record for each file with `--format json`.
    pub(super) fn config_failed(&mut self, out: &mut dyn Write, path: &Path, e: &Error) {
        self.summary.fail();
        self.error_record(out, path, &e.to_string());
        if self.config_errors.insert(e.to_string()) {
            let _ = out.flush();
            eprintln!("newsclean: {e}");
        }
    }

    fn error_record(&self, out: &mut dyn Write, path: &Path, message: &str) {
        if self.config.json {
            // A failure to write it shows as the run's next write to stdout fails.
            let _ = out.write_all(json::error_record(Some(&diff_path(path)), message).as_bytes());
        }
    }

    /// What cleaning the file at `path` gave; `governed` says which config it was cleaned with (for
    /// `--verbose`). Only a failure to write stdout ends the run (the exit code comes back).
    pub(super) fn file(
        &mut self,
        out: &mut dyn Write,
        path: &Path,
        result: Result<FileResult, Error>,
        governed: Option<String>,
    ) -> Result<(), Exit> {
        match result {
            Ok(FileResult::Cleaned(report)) => {
                self.cleaned(out, path, &report, governed).map_err(|e| output_failed(&e))
            }
            Ok(FileResult::Skipped(why)) => {
                self.skip(out, path, why);
                Ok(())
            }
            Err(Error::Output(e)) => Err(output_failed(&e)),
            Err(e) => {
                self.fail(out, path, e);
                Ok(())
            }
        }
    }

    fn cleaned(
        &mut self,
        out: &mut dyn Write,
        path: &Path,
        report: &Report,
        governed: Option<String>,
    ) -> io::Result<()> {
        if self.config.verbose {
            out.flush()?;
            let governed = governed.map(|g| format!(", {g}")).unwrap_or_default();
            eprintln!("newsclean: {}: {}{governed}", path.display(), describe(report));
        }
        if report.outcome.furniture_only {
            out.flush()?;
            self.note(&format!("{}: {FURNITURE_ONLY}", path.display()));
        }
        // `--check` lists the files that would change, after their diffs.
        if report.rewritten
            && matches!(self.config.mode, Mode::Check { .. })
            && self.config.settings.format == Format::Diff
        {
            writeln!(out, "{}", path.display())?;
        }
        self.summary.add(&report.outcome, report.rewritten);
        Ok(())
    }

    /// Ends the run: the `--statistics` table on stdout (with `--format json`, the `statistics` and
    /// `summary` records), the summary line (after `prefix`) on
    /// stderr, and the exit code: 2 if any file failed, 1 if `--check` found files that would
    /// change, else 0.
    pub(super) fn finish(self, out: &mut dyn Write, prefix: &str) -> Exit {
        let mut records = String::new();
        if self.config.settings.format == Format::Statistics {
            records.push_str(&match self.config.json {
                true => json::statistics_record(&self.summary.by_rule),
                false => summary::statistics(&self.summary.by_rule),
            });
        }
        if self.config.json {
            records.push_str(&json::summary_record(&self.summary));
        }
        if let Err(e) = out.write_all(records.as_bytes()).and_then(|()| out.flush()) {
            return output_failed(&e);
        }
        let verb = match self.config.mode {
            Mode::Write => "changed",
            Mode::Out(_) => "changed in the copies",
            _ => "would change",
        };
        self.say_skipped_pages();
        self.note(&format!("{prefix}{}", self.summary.line(verb)));
        self.exit_code()
    }

    /// The one line for the HTML pages an in-place mode passed over, if any.
    pub(super) fn say_skipped_pages(&self) {
        if self.html_pages > 0 {
            let pages = if self.html_pages == 1 { "HTML page" } else { "HTML pages" };
            self.note(&format!(
                "{} {pages} skipped: in-place modes clean text files (write a page's text with --out DIR)",
                self.html_pages
            ));
        }
    }

    /// 2 if any file failed, 1 if `--check` found files that would change, else 0.
    pub(super) fn exit_code(&self) -> Exit {
        if self.summary.failed > 0 {
            Exit::Error
        } else if matches!(self.config.mode, Mode::Check { .. }) && self.summary.changed > 0 {
            Exit::WouldChange
        } else {
            Exit::Success
        }
    }
}

/// What is said of a page of furniture only, which the chrome rules leave for its user.
pub(super) const FURNITURE_ONLY: &str =
    "a page of furniture only (a home page or an index of headlines, no article found): left as it was";

/// A note (not an error) on stderr, unless `--quiet`: for runs without a tally (stdin).
pub(super) fn note(config: &Config, message: &str) {
    if !config.quiet {
        eprintln!("newsclean: {message}");
    }
}

/// Stdout failed: a closed pipe (`| head`) ends the run quietly, anything else is an error.
pub(super) fn output_failed(e: &io::Error) -> Exit {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return Exit::Success;
    }
    eprintln!("newsclean: cannot write output: {e}");
    Exit::Error
}

/// `windows-1251 (detected), 3 edits` for --verbose.
pub(super) fn describe(report: &Report) -> String {
    let edits = report.outcome.edits();
    format!(
        "{} ({}), {edits} edit{}",
        report.choice.encoding.name(),
        report.choice.reason,
        if edits == 1 { "" } else { "s" }
    )
}
