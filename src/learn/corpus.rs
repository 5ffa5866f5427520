//! Where `learn`'s documents come from: walked files, each one document grouped by its path, or
//! the records of JSON-lines files (and stdin), each one document grouped by a field, read as
//! `--jsonl` reads them. Documents are mined in parallel batches and handed on in order, so memory
//! holds a batch, never the list of files or records.

use std::io::{self, BufRead};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::mine::{DocSummary, Miner};
use super::{GroupBy, Options};
use crate::config::Settings;
use crate::error::Error;
use crate::files::{Found, Input};
use crate::jsonl::{self, LineRead};
use crate::pipeline::Cleaner;
use crate::project::{Plan, Projects};
use crate::source::{self, Source};

/// Files mined at a time (each batch on every core).
const BATCH_FILES: usize = 256;
/// Records mined at a time, and the bytes of records held at most before a batch is mined.
const BATCH_RECORDS: usize = 2048;
const BATCH_BYTES: usize = 8 << 20;
/// The group of a record without the field `--group-by json-field` names (or with null or "").
pub const NO_GROUP: &str = "(none)";

/// One document mined, or why not. `name` is its path, or `path:LINE` for a record.
pub enum Mined {
    /// A document: its group, its name, whether it is a whole file (an `[[overrides]]` path can
    /// leave it alone), and its keys.
    Doc { group: String, name: String, file: bool, doc: DocSummary },
    /// Passed over (binary, a feed, excluded), with the note why.
    Skipped { name: String, note: &'static str },
    /// Could not be read, or a line that is not a record with a text (`path:12`).
    Failed { name: String, message: String },
}

/// One document to mine.
enum Job {
    File(Input, Result<Plan, Error>),
    Record { name: String, bytes: Vec<u8>, cleaner: Arc<Cleaner> },
}

/// Reads the corpus, `found` (and `stdin`, JSON lines), handing each batch of mined documents to
/// `each` in the order read. Only a failure to hand them on (the spill) stops it.
pub fn read(
    found: impl Iterator<Item = Found>,
    stdin: Option<Box<dyn BufRead + '_>>,
    projects: &mut Projects,
    settings: &Settings,
    options: &Options,
    each: &mut dyn FnMut(Vec<Mined>) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut batch = Batch { jobs: Vec::new(), held: 0, settings, options, each };
    if let Some(input) = stdin {
        let failed = |message: String| Mined::Failed { name: "stdin".to_owned(), message };
        match projects.plan_stdin() {
            Ok(cleaner) => {
                if let Err(e) = read_records(&mut batch, input, "stdin", &cleaner)? {
                    batch.done(failed(format!("cannot read: {e}")))?;
                }
            }
            Err(e) => batch.done(failed(e.to_string()))?,
        }
    }
    for f in found {
        match f {
            Found::Skipped(path, note) => batch.done(Mined::Skipped { name: path.display().to_string(), note })?,
            Found::Error(path, e) => {
                batch.done(Mined::Failed { name: path.display().to_string(), message: format!("cannot read: {e}") })?
            }
            Found::File(input) if options.group_by.json_field().is_some() => {
                let name = crate::input::diff_path(&input.path);
                let failed = |message: String| Mined::Failed { name: input.path.display().to_string(), message };
                match projects.plan(&input.path) {
                    Ok(Plan::Clean(cleaner)) => match std::fs::File::open(&input.path) {
                        Ok(file) => {
                            let reader = io::BufReader::with_capacity(1 << 16, file);
                            if let Err(e) = read_records(&mut batch, reader, &name, &cleaner)? {
                                batch.done(failed(format!("cannot read: {e}")))?;
                            }
                        }
                        Err(e) => batch.done(failed(format!("cannot read: {e}")))?,
                    },
                    Ok(Plan::Excluded) => batch.done(Mined::Skipped {
                        name: input.path.display().to_string(),
                        note: "excluded by newsclean.toml",
                    })?,
                    Err(e) => batch.done(failed(e.to_string()))?,
                }
            }
            Found::File(input) => {
                let plan = projects.plan(&input.path);
                batch.held += 1;
                batch.jobs.push(Job::File(input, plan));
                if batch.jobs.len() >= BATCH_FILES {
                    batch.flush()?;
                }
            }
        }
    }
    batch.flush()
}

/// The records of one stream, each a job of the batch; a bad line is a failure named `name:LINE`.
/// A failure to read stops the stream: `Ok(Err(e))`, for the caller to say.
fn read_records(
    batch: &mut Batch<'_, '_>,
    mut input: impl BufRead,
    name: &str,
    cleaner: &Arc<Cleaner>,
) -> Result<Result<(), io::Error>, Error> {
    if let Err(e) = jsonl::skip_bom(&mut input) {
        return Ok(Err(e));
    }
    let max = batch.settings.max_line;
    let mut number = 0u64;
    loop {
        number += 1;
        let mut bytes = Vec::new();
        let read = match jsonl::read_line(&mut input, &mut bytes, max) {
            Ok(read) => read,
            Err(e) => return Ok(Err(e)),
        };
        match read {
            LineRead::Eof => break,
            LineRead::Line(_) if bytes.iter().all(u8::is_ascii_whitespace) => {}
            LineRead::Line(_) => {
                batch.held += bytes.len();
                batch.jobs.push(Job::Record { name: format!("{name}:{number}"), bytes, cleaner: Arc::clone(cleaner) });
                if batch.jobs.len() >= BATCH_RECORDS || batch.held >= BATCH_BYTES {
                    batch.flush()?;
                }
            }
            LineRead::TooLong => {
                if let Err(jsonl::StreamError::Read(e) | jsonl::StreamError::Write(e)) =
                    jsonl::pass_rest_of_line(&mut input, None)
                {
                    return Ok(Err(e));
                }
                let why = jsonl::BadRecord::TooLong(max);
                batch.done(Mined::Failed { name: format!("{name}:{number}"), message: why.to_string() })?;
            }
        }
    }
    Ok(Ok(()))
}

/// Jobs waiting to be mined, and where the mined documents go.
struct Batch<'a, 'b> {
    jobs: Vec<Job>,
    held: usize,
    settings: &'a Settings,
    options: &'a Options,
    each: &'b mut dyn FnMut(Vec<Mined>) -> Result<(), Error>,
}

impl Batch<'_, '_> {
    /// Mines the jobs held, on every core, and hands them on.
    fn flush(&mut self) -> Result<(), Error> {
        if self.jobs.is_empty() {
            return Ok(());
        }
        let (settings, options) = (self.settings, self.options);
        let mined: Vec<Mined> = self.jobs.par_drain(..).map(|job| mine(job, settings, options)).collect();
        self.held = 0;
        (self.each)(mined)
    }

    /// Hands on something that needs no mining, after the jobs before it.
    fn done(&mut self, mined: Mined) -> Result<(), Error> {
        self.flush()?;
        (self.each)(vec![mined])
    }
}

fn mine(job: Job, settings: &Settings, options: &Options) -> Mined {
    match job {
        Job::File(input, plan) => {
            let name = input.path.display().to_string();
            match plan {
                Ok(Plan::Clean(cleaner)) => match mine_file(&cleaner, &input.path, settings) {
                    Ok(Ok(doc)) => Mined::Doc { group: options.group_by.group_of(&input), name, file: true, doc },
                    Ok(Err(note)) => Mined::Skipped { name, note },
                    Err(e) => Mined::Failed { name, message: e.to_string() },
                },
                Ok(Plan::Excluded) => Mined::Skipped { name, note: "excluded by newsclean.toml" },
                Err(e) => Mined::Failed { name, message: e.to_string() },
            }
        }
        Job::Record { name, bytes, cleaner } => {
            let group_field = options.group_by.json_field().unwrap_or(&[]);
            match jsonl::record_text(&bytes, &options.field, group_field) {
                Ok((text, group)) => {
                    let mut miner = Miner::default();
                    jsonl::clean_text(&cleaner, &text, settings, &mut miner);
                    let group = group.filter(|g| !g.trim().is_empty()).unwrap_or_else(|| NO_GROUP.to_owned());
                    Mined::Doc { group, name, file: false, doc: miner.finish_doc() }
                }
                Err(why) => Mined::Failed { name, message: why.to_string() },
            }
        }
    }
}

/// Cleans one file with `cleaner` and cuts its text into keys; `Ok(Err(note))` for a file passed
/// over (binary, a feed).
fn mine_file(cleaner: &Cleaner, path: &Path, settings: &Settings) -> Result<Result<DocSummary, &'static str>, Error> {
    let document = match source::open(Source::File(path), settings, false)? {
        Ok(document) => document,
        Err(skip) => return Ok(Err(skip.note)),
    };
    let mut miner = Miner::default();
    cleaner.clean_stream(document.text, document.offset, &mut miner).map_err(|e| source::stream_error(path, e))?;
    Ok(Ok(miner.finish_doc()))
}

impl GroupBy {
    /// The dotted path of the field `--group-by json-field NAME` names.
    pub fn json_field(&self) -> Option<&[String]> {
        match self {
            GroupBy::JsonField(path) => Some(path),
            _ => None,
        }
    }
}
