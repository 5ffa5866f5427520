//! JSON lines, one record a line (`{"url": …, "text": …}`): the text of one field is cleaned as a
//! document on stdin would be, and every other byte of the line stays as it was (key order, number
//! formats, escapes: the line is not re-serialized). Records are cleaned in parallel batches and
//! written in input order, so memory is bounded by a batch whatever the stream's length. A line
//! that cannot be cleaned (not JSON, no such field, not a string, too long) is passed through
//! unchanged or dropped, and reported with its line number; the others go on.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufRead, Write};
use std::path::Path;

use rayon::prelude::*;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::block::Spare;
use crate::config::{Format, Mode, Settings};
use crate::edit::RuleId;
use crate::error::Error;
use crate::input;
use crate::output::diff::DiffSink;
use crate::output::write::{Commit, WriteTo, write_error};
use crate::pipeline::{Cleaner, Outcome, Processed, Sink};
use crate::source::read_error;
use crate::source::{self, Document, Source};

mod raw;

/// Records cleaned in parallel at a time (fewer when they are large: see `BATCH_BYTES`).
const BATCH_RECORDS: usize = 2048;
/// The bytes of records held at a time, beyond which a batch is cleaned and written.
const BATCH_BYTES: usize = 8 << 20;

/// Which fields of a record matter, each a dotted path into nested objects (`meta.body`).
#[derive(Clone, Debug)]
pub struct Fields {
    /// The field cleaned (`--field`, default `text`).
    pub text: Vec<String>,
    /// The field naming a record in diffs and messages (`--id-field`); else its line number.
    pub id: Option<Vec<String>>,
    /// A top-level field added to each record with its edits (`--report-field`).
    pub report: Option<String>,
}

impl Fields {
    /// `text` and `id` as dotted paths, `report` as a top-level name.
    pub fn new(text: &str, id: Option<&str>, report: Option<&str>) -> Self {
        let path = |p: &str| p.split('.').map(str::to_owned).collect();
        Fields { text: path(text), id: id.map(path), report: report.map(str::to_owned) }
    }
}

/// How a stream of records is read and reported.
#[derive(Clone, Debug)]
pub struct Options {
    /// The fields that matter.
    pub fields: Fields,
    /// The name of the stream in diffs and messages (`stdin`, a path).
    pub name: String,
    /// What to write for each record.
    pub output: Output,
    /// Drop lines that cannot be cleaned instead of passing them through (`--on-error skip`).
    pub skip_bad: bool,
    /// A longer line is a bad record (`--max-line-mib`).
    pub max_record: usize,
    /// Settings every record is cleaned with (colors, `--html`...).
    pub settings: Settings,
}

/// What a run writes for each record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The cleaned record (every line of the input, in order).
    Records,
    /// A unified diff of each record's field that would change, named `NAME#LINE` (or `NAME#ID`).
    Diffs,
    /// The name of each record that would change, one a line.
    Names,
    /// Nothing (only the totals).
    Nothing,
}

/// Why a line is not a record that can be cleaned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadRecord {
    /// JSON is UTF-8.
    #[error("not UTF-8")]
    NotUtf8,
    /// Not a JSON value.
    #[error("not JSON ({0})")]
    NotJson(String),
    /// A JSON value, but not an object.
    #[error("not a JSON object")]
    NotObject,
    /// The field (or an object on its path) is missing.
    #[error("no field `{0}`")]
    Missing(String),
    /// The field holds something else than a string.
    #[error("field `{0}` is {1}, not a string")]
    NotString(String, &'static str),
    /// Longer than the limit (in bytes).
    #[error("longer than --max-line-mib ({} MiB): not read", .0 >> 20)]
    TooLong(usize),
}

/// A line that could not be cleaned, for the caller to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Its line number, from 1.
    pub line: u64,
    /// Why.
    pub why: BadRecord,
}

/// What a stream of records added up to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Records read (lines that are not blank), good or bad.
    pub records: u64,
    /// Records whose field changed (or would).
    pub changed: u64,
    /// Edits per rule over every record.
    pub by_rule: BTreeMap<RuleId, usize>,
    /// Records that are a page of furniture only, left as they were.
    pub furniture_only: u64,
    /// Lines that could not be cleaned, in order.
    pub failures: Vec<Failure>,
}

impl Totals {
    /// Adds another stream's totals to these (its failures after these).
    pub fn absorb(&mut self, other: Totals) {
        self.records += other.records;
        self.changed += other.changed;
        self.furniture_only += other.furniture_only;
        self.failures.extend(other.failures);
        for (rule, n) in other.by_rule {
            *self.by_rule.entry(rule).or_default() += n;
        }
    }
}

/// Why a stream of records stopped.
#[derive(Debug)]
pub enum StreamError {
    /// Reading the input failed.
    Read(io::Error),
    /// Writing the output failed.
    Write(io::Error),
}

/// One line as read: its bytes without the line ending, and the ending (`\n`, `\r\n` or nothing).
struct RawLine {
    number: u64,
    bytes: Vec<u8>,
    ending: &'static [u8],
}

/// One record cleaned: what to write for it, and what it did.
struct Done {
    /// The line to write (without its ending).
    line: Emit,
    /// Its diff, or its name if it would change (as `Output` asks).
    report: Vec<u8>,
    outcome: Outcome,
    failure: Option<BadRecord>,
}

/// What becomes of a line in the output.
enum Emit {
    /// Written as read (no copy is made of an unchanged record).
    AsRead,
    /// Written as given.
    New(Vec<u8>),
    /// Dropped.
    Nothing,
}

/// Cleans every record of `input` with `cleaner`, writing to `out` what `options.output` asks, in
/// input order. Lines that cannot be cleaned are in the totals' failures (and passed through
/// unchanged, or dropped with `skip_bad`); only a failure to read or write stops the stream.
pub fn clean_records(
    cleaner: &Cleaner,
    mut input: impl BufRead,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Totals, StreamError> {
    let mut totals = Totals::default();
    let mut batch: Vec<RawLine> = Vec::new();
    // On one thread (`-j 1`), each record is cleaned as soon as it is read, while its bytes are
    // still in the cache (a batch of 8 MiB read, cleaned, then written went through memory three
    // times: a fifth of the CPU time of `--jsonl -j1`); batches are for sharing records out.
    let mut alone = (rayon::current_num_threads() <= 1).then(Worker::default);
    let mut held = 0;
    let mut number = 0;
    if skip_bom(&mut input).map_err(StreamError::Read)? && options.output == Output::Records {
        out.write_all(BOM).map_err(StreamError::Write)?;
    }
    loop {
        number += 1;
        let mut bytes = alone.as_mut().map(|worker| std::mem::take(&mut worker.record)).unwrap_or_default();
        match read_line(&mut input, &mut bytes, options.max_record).map_err(StreamError::Read)? {
            LineRead::Eof => break,
            LineRead::Line(ending) => {
                held += bytes.len();
                batch.push(RawLine { number, bytes, ending });
                if alone.is_some() || batch.len() >= BATCH_RECORDS || held >= BATCH_BYTES {
                    flush(cleaner, &mut batch, alone.as_mut(), options, out, &mut totals)?;
                    held = 0;
                }
            }
            LineRead::TooLong => {
                // Everything before it first, then the line itself streams through (or is skipped)
                // without ever being held whole.
                flush(cleaner, &mut batch, alone.as_mut(), options, out, &mut totals)?;
                held = 0;
                totals.records += 1;
                totals.failures.push(Failure { line: number, why: BadRecord::TooLong(options.max_record) });
                let pass = options.output == Output::Records && !options.skip_bad;
                if pass {
                    out.write_all(&bytes).map_err(StreamError::Write)?;
                }
                pass_rest_of_line(&mut input, if pass { Some(&mut *out) } else { None })?;
            }
        }
    }
    flush(cleaner, &mut batch, alone.as_mut(), options, out, &mut totals)?;
    out.flush().map_err(StreamError::Write)?;
    Ok(totals)
}

/// Cleans the records of the walked file `input` in `mode`: a diff (`Mode::Diff`, `Mode::Check`
/// with diffs) or the names of the records that would change (`--check`) go to `out`; `--write`
/// replaces the file through the one crash-safe write path if any record changed (or a bad line
/// was dropped); `--out DIR` writes the cleaned copy under DIR. Returns the totals and whether the
/// file was written. `options.output` is set from `mode` here.
pub fn clean_file(
    cleaner: &Cleaner,
    input: &crate::files::Input,
    mode: &Mode,
    options: &Options,
    out: &mut dyn Write,
) -> Result<(Totals, bool), Error> {
    let path = input.path.as_path();
    let read = match mode {
        Mode::Write => Some(input::stamp_of(path, &options.settings)?),
        _ => None,
    };
    let file = std::fs::File::open(path).map_err(|e| read_error(path, e))?;
    let reader = io::BufReader::with_capacity(1 << 16, file);
    let mut options = options.clone();
    options.name = input::diff_path(path);
    let stream_error = |e: StreamError, to: &Path| match e {
        StreamError::Read(e) => read_error(path, e),
        StreamError::Write(e) => write_error(to, e),
    };
    match mode {
        Mode::Write | Mode::Out(_) => {
            let target = match mode {
                Mode::Out(dir) => dir.join(&input.relative),
                _ => input::write_target(path, &options.settings)?,
            };
            if let (Mode::Out(_), Some(dir)) = (mode, target.parent()) {
                std::fs::create_dir_all(dir).map_err(|e| write_error(&target, e))?;
            }
            let always = matches!(mode, Mode::Out(_));
            let backup = if always { None } else { options.settings.backup.as_deref() };
            // One file at a time: a JSON lines file is large, its sync a small part of its cost.
            let encoding = (encoding_rs::UTF_8, &b""[..]);
            let to = WriteTo { path, target: &target, encoding, backup, read, commit: Commit::Now };
            options.output = Output::Records;
            to.write(|writer| {
                let totals = clean_records(cleaner, reader, &options, writer).map_err(|e| stream_error(e, &target))?;
                let dropped = options.skip_bad && !totals.failures.is_empty();
                let write = always || totals.changed > 0 || dropped;
                Ok((totals, write))
            })
        }
        _ => {
            options.output = match mode {
                Mode::Check { diff: false } => Output::Names,
                _ if options.settings.format == Format::Statistics => Output::Nothing,
                _ => Output::Diffs,
            };
            let totals = clean_records(cleaner, reader, &options, out).map_err(|e| match e {
                StreamError::Read(e) => read_error(path, e),
                StreamError::Write(e) => Error::Output(e),
            })?;
            Ok((totals, false))
        }
    }
}

/// Cleans a batch of lines in parallel and writes their output in order.
fn flush(
    cleaner: &Cleaner,
    batch: &mut Vec<RawLine>,
    alone: Option<&mut Worker>,
    options: &Options,
    out: &mut dyn Write,
    totals: &mut Totals,
) -> Result<(), StreamError> {
    // Each worker's records read their lines into the buffers of the records before; `alone`, the
    // one worker of a single thread, cleans them here.
    let mut alone = alone;
    let mut shared = match alone {
        Some(_) => None,
        None => Some(
            batch
                .par_iter()
                .map_init(Worker::default, |worker, line| clean_line(cleaner, line, options, worker))
                .collect::<Vec<Done>>()
                .into_iter(),
        ),
    };
    for line in batch.drain(..) {
        let done = match (&mut shared, alone.as_deref_mut()) {
            (Some(done), _) => done.next().expect("one cleaned record for each line"),
            (None, Some(worker)) => clean_line(cleaner, &line, options, worker),
            (None, None) => unreachable!("records are cleaned alone or shared out"),
        };
        if !line.bytes.iter().all(u8::is_ascii_whitespace) {
            totals.records += 1;
        }
        if let Some(why) = done.failure {
            totals.failures.push(Failure { line: line.number, why });
        }
        totals.changed += u64::from(done.outcome.changed);
        totals.furniture_only += u64::from(done.outcome.furniture_only);
        for (rule, n) in done.outcome.by_rule {
            *totals.by_rule.entry(rule).or_default() += n;
        }
        match options.output {
            Output::Records => {
                let bytes = match &done.line {
                    Emit::AsRead => Some(&line.bytes),
                    Emit::New(bytes) => Some(bytes),
                    Emit::Nothing => None,
                };
                if let Some(bytes) = bytes {
                    out.write_all(bytes).map_err(StreamError::Write)?;
                    out.write_all(line.ending).map_err(StreamError::Write)?;
                }
            }
            _ => out.write_all(&done.report).map_err(StreamError::Write)?,
        }
        if let Some(worker) = alone.as_deref_mut() {
            if line.bytes.capacity() <= KEEP_BUFFER {
                let mut bytes = line.bytes;
                bytes.clear();
                worker.record = bytes;
            }
            if let Emit::New(bytes) = done.line
                && bytes.capacity() <= KEEP_BUFFER
            {
                worker.line = bytes;
            }
        }
    }
    Ok(())
}

/// The largest buffer a worker keeps for the next record (news articles are a few kilobytes; a
/// record of tens of megabytes should not hold that much memory for the rest of the stream).
const KEEP_BUFFER: usize = 1 << 20;

/// What a worker keeps from one record to the next: the buffers its lines were read into, and
/// those of a record's text and of its cleaned text (a few kilobytes each, for every record).
#[derive(Default)]
struct Worker {
    spare: Spare,
    text: String,
    cleaned: String,
    /// The new line of the record before, for the next one's (on one thread).
    line: Vec<u8>,
    /// The bytes of the record before, for the next to be read into (on one thread).
    record: Vec<u8>,
}

/// Cleans one line: a blank line passes through as it is; a bad one passes (or is dropped) and
/// says why.
fn clean_line(cleaner: &Cleaner, line: &RawLine, options: &Options, worker: &mut Worker) -> Done {
    let unchanged = |failure: Option<BadRecord>| Done {
        line: if options.skip_bad && failure.is_some() { Emit::Nothing } else { Emit::AsRead },
        report: Vec::new(),
        outcome: Outcome::default(),
        failure,
    };
    if line.bytes.iter().all(u8::is_ascii_whitespace) {
        return unchanged(None);
    }
    match clean_record(cleaner, &line.bytes, line.number, options, worker) {
        Ok(done) => done,
        Err(why) => unchanged(Some(why)),
    }
}

/// Cleans the record `bytes` (line `number`).
fn clean_record(
    cleaner: &Cleaner,
    bytes: &[u8],
    number: u64,
    options: &Options,
    worker: &mut Worker,
) -> Result<Done, BadRecord> {
    let line = simdutf8::basic::from_utf8(bytes).map_err(|_| BadRecord::NotUtf8)?;
    // A top-level text field is unescaped as the record is read (a nested one afterwards).
    let mut wanted = match options.fields.text.as_slice() {
        [name] => Some(raw::Wanted { name, text: std::mem::take(&mut worker.text), read: None }),
        _ => None,
    };
    let record = Record::parse(line, wanted.as_mut())?;
    let (field, text) = record.text(&options.fields.text, wanted)?;
    // Records are named only where a diff or a list of names shows them: not for each record of a stream.
    let name = || {
        let id = match &options.fields.id {
            Some(id) => match record.find(id) {
                Ok(raw) => serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_owned()),
                Err(_) => number.to_string(),
            },
            None => number.to_string(),
        };
        format!("{}#{id}", options.name)
    };
    // A leading U+FEFF is read as a byte-order mark, as on stdin, and kept in front.
    let bom = text.starts_with('\u{feff}');
    let mut cleaned = std::mem::take(&mut worker.cleaned);
    cleaned.clear();
    cleaned.reserve(text.len());
    if bom {
        cleaned.push('\u{feff}');
    }
    let mut edits = EditList::default();
    let mut report = Vec::new();
    let want_edits = options.fields.report.is_some();
    let opened = source::open_utf8_text(&text, &options.settings);
    let outcome = {
        // Lines read as they are from the text can be copied from it up to the first changed one.
        let as_read = match opened {
            Some(Ok((as_read, _))) => Some(as_read),
            _ => None,
        };
        let mut text_sink = TextInto::new(&mut cleaned, as_read);
        let mut edit_sink = want_edits.then_some(&mut edits);
        match options.output {
            Output::Diffs => {
                let name = name();
                let mut diff = DiffSink::new(&mut report, Path::new(&name), bom, options.settings.color);
                let mut sink = (&mut text_sink, (&mut diff, &mut edit_sink));
                clean_opened(cleaner, &text, opened, &options.settings, &mut sink, &mut worker.spare)
            }
            _ => clean_opened(
                cleaner,
                &text,
                opened,
                &options.settings,
                &mut (&mut text_sink, &mut edit_sink),
                &mut worker.spare,
            ),
        }
    };
    if options.output == Output::Names && outcome.changed {
        report.extend_from_slice(name().as_bytes());
        report.push(b'\n');
    }
    // What replaces a part of the line: the cleaned text, as a JSON string written the way the
    // field was; the report field's value.
    enum With<'t> {
        Text(&'t str),
        Bytes(Vec<u8>),
    }
    let text_splice = outcome.changed.then(|| (span(line, field), With::Text(&cleaned)));
    let report_splice = options.fields.report.as_ref().map(|report_field| {
        let value = serde_json::to_string(&edits.0).expect("edits are plain data");
        match record.entries.iter().rev().find(|(key, _)| key == report_field) {
            Some((_, raw)) => (span(line, raw), With::Bytes(value.into_bytes())),
            None => {
                let close = line.trim_end().len() - 1;
                let comma = if record.entries.is_empty() { "" } else { "," };
                let key = serde_json::to_string(report_field).expect("a string always serializes");
                (close..close, With::Bytes(format!("{comma}{key}:{value}").into_bytes()))
            }
        }
    });
    let mut splices = [text_splice, report_splice];
    splices.sort_by_key(|splice| splice.as_ref().map(|(range, _)| range.start));
    let emit = if splices.iter().all(Option::is_none) {
        Emit::AsRead
    } else {
        // Written into the buffer of the record before (on one thread, `flush` gives it back).
        let mut out = std::mem::take(&mut worker.line);
        out.clear();
        out.reserve(line.len() + 64);
        let mut at = 0;
        for (range, with) in splices.into_iter().flatten() {
            out.extend_from_slice(&bytes[at..range.start]);
            match with {
                With::Text(text) => encode_like(&mut out, field, text),
                With::Bytes(with) => out.extend_from_slice(&with),
            }
            at = range.end;
        }
        out.extend_from_slice(&bytes[at..]);
        Emit::New(out)
    };
    // Kept for the next record unless a huge record made them huge: that room goes back at once.
    if cleaned.capacity() <= KEEP_BUFFER {
        worker.cleaned = cleaned;
    }
    if let Cow::Owned(text) = text
        && text.capacity() <= KEEP_BUFFER
    {
        worker.text = text;
    }
    Ok(Done { line: emit, report, outcome, failure: None })
}

/// A sink appending the cleaned text to a `String`: lines are text, so the whole needs no check.
/// Given the text the lines are read from as they are (`as_read`), it gathers nothing until a
/// block changes, and then copies what came before from that text at once: the cleaned text of a
/// record left as it was (most records) is never needed, and was a copy of every such record.
struct TextInto<'s> {
    out: &'s mut String,
    as_read: Option<&'s str>,
    /// How much of `as_read` the unchanged blocks so far stand for (not yet in `out`).
    passed: usize,
}

impl<'s> TextInto<'s> {
    fn new(out: &'s mut String, as_read: Option<&'s str>) -> Self {
        TextInto { out, as_read, passed: 0 }
    }
}

impl Sink for TextInto<'_> {
    fn block(&mut self, block: &Processed) -> io::Result<()> {
        if let Some(as_read) = self.as_read {
            if !block.changed() {
                self.passed += block.old.lines.iter().map(|l| l.text.len() + l.ending.as_str().len()).sum::<usize>();
                return Ok(());
            }
            // The unchanged blocks' lines with their endings are the text as read, byte for byte.
            self.out.push_str(&as_read[..self.passed]);
            self.as_read = None;
        }
        for line in block.new_lines() {
            self.out.push_str(&line.text);
            self.out.push_str(line.ending.as_str());
        }
        Ok(())
    }
}

/// The text of the record `bytes` (the string at the dotted path `text`, as `--jsonl` reads it)
/// and the value at the dotted path `label`: a string as it is, another value as its JSON text,
/// `None` when it is missing or null. `newsclean learn --group-by json-field` reads records so.
pub fn record_text<'a>(
    bytes: &'a [u8],
    text: &[String],
    label: &[String],
) -> Result<(Cow<'a, str>, Option<String>), BadRecord> {
    let line = simdutf8::basic::from_utf8(bytes).map_err(|_| BadRecord::NotUtf8)?;
    let record = Record::parse(line, None)?;
    let (_, text) = record.text(text, None)?;
    let label = match record.find(label) {
        Ok("null") => None,
        Ok(raw) => Some(serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_owned())),
        Err(_) => None,
    };
    Ok((text, label))
}

/// Cleans `text` as `newsclean -` would clean it on stdin (a leading U+FEFF is a byte-order mark
/// there, which the caller puts back): a text that is binary or a feed is left as it was.
pub(crate) fn clean_text(cleaner: &Cleaner, text: &str, settings: &Settings, sink: &mut dyn Sink) -> Outcome {
    clean_text_reusing(cleaner, text, settings, sink, &mut Spare::default())
}

/// `clean_text` reading lines into the buffers in `spare` (left there for the next record).
fn clean_text_reusing(
    cleaner: &Cleaner,
    text: &str,
    settings: &Settings,
    sink: &mut dyn Sink,
    spare: &mut Spare,
) -> Outcome {
    clean_opened(cleaner, text, source::open_utf8_text(text, settings), settings, sink, spare)
}

/// `clean_text_reusing` with what `source::open_utf8_text` made of `text`.
fn clean_opened(
    cleaner: &Cleaner,
    text: &str,
    opened: Option<Result<(&str, u64), &'static str>>,
    settings: &Settings,
    mut sink: &mut dyn Sink,
    spare: &mut Spare,
) -> Outcome {
    match opened {
        Some(Ok((text, offset))) => {
            return cleaner.clean_str_reusing(text, offset, &mut sink, spare).unwrap_or_default();
        }
        Some(Err(_feed)) => return Outcome::default(),
        None => {}
    }
    let input: Box<dyn io::Read + '_> = Box::new(text.as_bytes());
    match source::open(Source::Stdin(input), settings, false) {
        Ok(Ok(Document { text: reader, offset, .. })) => {
            cleaner.clean_stream(reader, offset, &mut sink).unwrap_or_default()
        }
        _ => Outcome::default(),
    }
}

/// The edits of one record, as `--report-field` writes them.
#[derive(Default)]
struct EditList(Vec<EditRecord>);

#[derive(Serialize)]
struct EditRecord {
    rule: String,
    line: usize,
    column: usize,
    before: String,
    after: String,
}

impl Sink for EditList {
    fn block(&mut self, block: &Processed) -> io::Result<()> {
        self.0.extend(block.edits.iter().map(|e| EditRecord {
            rule: e.rule.as_str().to_owned(),
            line: e.line,
            column: e.column,
            before: e.before.clone(),
            after: e.after.clone(),
        }));
        Ok(())
    }
}

impl<S: Sink> Sink for Option<S> {
    fn block(&mut self, block: &Processed) -> io::Result<()> {
        self.as_mut().map_or(Ok(()), |s| s.block(block))
    }
    fn finish(&mut self) -> io::Result<()> {
        self.as_mut().map_or(Ok(()), |s| s.finish())
    }
    fn furniture_only(&mut self) {
        if let Some(s) = self {
            s.furniture_only();
        }
    }
}

/// A JSON object's members as written, each value's text a slice of the line.
struct Record<'a> {
    line: &'a str,
    entries: Vec<(Cow<'a, str>, &'a str)>,
}

impl<'a> Record<'a> {
    /// The record `line`; the text of the member `wanted` names is read on the way.
    fn parse(line: &'a str, mut wanted: Option<&mut raw::Wanted<'_>>) -> Result<Self, BadRecord> {
        let entries = match raw::members(line, wanted.as_deref_mut()) {
            Some(members) => members,
            None => {
                // serde_json reads it (or says why not): nothing read on the way stands.
                if let Some(wanted) = wanted {
                    wanted.read = None;
                }
                serde_object(line)?
            }
        };
        Ok(Record { line, entries })
    }

    /// The raw value at a dotted path and its text, which must be a string: as `wanted` read it
    /// with the record, if it is that member, else unescaped now (into `wanted`'s room).
    fn text(&self, path: &[String], wanted: Option<raw::Wanted<'_>>) -> Result<(&'a str, Cow<'a, str>), BadRecord> {
        let field = self.find(path)?;
        let text = match wanted {
            Some(raw::Wanted { read: Some((range, read)), text, .. }) if range == span(self.line, field) => {
                raw::text_as_read(field, read, text)
            }
            Some(wanted) => raw::string_text_into(field, wanted.text),
            None => raw::string_text_into(field, String::new()),
        };
        if let Some(text) = text {
            return Ok((field, text));
        }
        // Not a string, or one serde_json refuses (a lone surrogate): its answer.
        match serde_json::from_str(field) {
            Ok(text) => Ok((field, text)),
            Err(_) => Err(BadRecord::NotString(path.join("."), json_type(field))),
        }
    }

    /// The raw value at a dotted path (the last member of a name, as JSON parsers take it).
    fn find(&self, path: &[String]) -> Result<&'a str, BadRecord> {
        let missing = || BadRecord::Missing(path.join("."));
        let mut entries = Cow::Borrowed(&self.entries);
        let (last, parents) = path.split_last().ok_or_else(missing)?;
        for parent in parents {
            let raw = lookup(&entries, parent).ok_or_else(missing)?;
            entries = Cow::Owned(parse_object(raw).map_err(|_| missing())?);
        }
        lookup(&entries, last).ok_or_else(missing)
    }
}

fn lookup<'a>(entries: &[(Cow<'_, str>, &'a str)], name: &str) -> Option<&'a str> {
    entries.iter().rev().find(|(key, _)| key == name).map(|(_, raw)| *raw)
}

/// The members of the object `text`: read by `raw::members` when it can, else by serde_json,
/// whose errors the messages quote.
fn parse_object(text: &str) -> Result<Vec<(Cow<'_, str>, &str)>, BadRecord> {
    match raw::members(text, None) {
        Some(members) => Ok(members),
        None => serde_object(text),
    }
}

fn serde_object(text: &str) -> Result<Vec<(Cow<'_, str>, &str)>, BadRecord> {
    match serde_json::from_str::<Members<'_>>(text) {
        Ok(members) => Ok(members.0.into_iter().map(|(key, raw)| (Cow::Owned(key), raw.get())).collect()),
        Err(e) if e.classify() == serde_json::error::Category::Data => Err(BadRecord::NotObject),
        // The position is within the record: its line is the stream's, said by the caller.
        Err(e) => Err(BadRecord::NotJson(e.to_string().replace(" at line 1 column ", " at column "))),
    }
}

/// An object's members in order, values unparsed.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    entries.push(entry);
                }
                Ok(Members(entries))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

/// Where `part`, a slice of `line`, lies in it.
fn span(line: &str, part: &str) -> std::ops::Range<usize> {
    let start = part.as_ptr() as usize - line.as_ptr() as usize;
    start..start + part.len()
}

/// What kind of JSON value `raw` is, for messages.
fn json_type(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// Appends `text` as a JSON string written the way `original` was: with `\uXXXX` escapes for every
/// non-ASCII character if the original had its non-ASCII characters escaped (as Python's
/// `json.dumps` writes by default), else in UTF-8.
fn encode_like(out: &mut Vec<u8>, original: &str, text: &str) {
    let ascii = original.is_ascii() && memchr::memmem::find(original.as_bytes(), b"\\u").is_some();
    raw::push_string(out, text, ascii);
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Skips a UTF-8 byte-order mark at the start of a stream (it belongs to the stream, not to its
/// first record); says whether there was one.
pub(crate) fn skip_bom(input: &mut impl BufRead) -> io::Result<bool> {
    let bom = input.fill_buf()?.starts_with(BOM);
    if bom {
        input.consume(BOM.len());
    }
    Ok(bom)
}

pub(crate) enum LineRead {
    /// A line, with its ending.
    Line(&'static [u8]),
    /// The line is longer than the limit: what was read of it is in the buffer, the rest unread.
    TooLong,
    /// No more input.
    Eof,
}

/// Reads one line into `bytes` (without its ending), at most `max` bytes of it.
pub(crate) fn read_line(input: &mut impl BufRead, bytes: &mut Vec<u8>, max: usize) -> io::Result<LineRead> {
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(if bytes.is_empty() { LineRead::Eof } else { LineRead::Line(b"") });
        }
        let (take, newline) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if bytes.len() + take > max + usize::from(newline) {
            return Ok(LineRead::TooLong);
        }
        bytes.extend_from_slice(&available[..take]);
        input.consume(take);
        if newline {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
                return Ok(LineRead::Line(b"\r\n"));
            }
            return Ok(LineRead::Line(b"\n"));
        }
    }
}

/// Copies (or skips) the rest of the current line, its ending included.
pub(crate) fn pass_rest_of_line(input: &mut impl BufRead, mut out: Option<&mut dyn Write>) -> Result<(), StreamError> {
    loop {
        let available = input.fill_buf().map_err(StreamError::Read)?;
        if available.is_empty() {
            return Ok(());
        }
        let (take, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if let Some(out) = out.as_mut() {
            out.write_all(&available[..take]).map_err(StreamError::Write)?;
        }
        input.consume(take);
        if done {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::TextSink;

    fn options(output: Output) -> Options {
        Options {
            fields: Fields::new("text", None, None),
            name: "stdin".into(),
            output,
            skip_bad: false,
            max_record: 1 << 20,
            settings: Settings::default(),
        }
    }

    fn run(input: &str, options: &Options) -> (String, Totals) {
        let mut out = Vec::new();
        let totals = clean_records(&Cleaner::new(), input.as_bytes(), options, &mut out).unwrap();
        (String::from_utf8(out).unwrap(), totals)
    }

    #[test]
    fn a_worker_keeps_a_records_buffers_for_the_next_unless_they_are_huge() {
        let cleaner = Cleaner::new();
        let mut options = options(Output::Records);
        options.max_record = 8 << 20;
        let record = |words: usize| format!("{{\"text\":\"{}\\nThe smart phone.\"}}", "word ".repeat(words));
        let mut worker = Worker::default();
        let done = clean_record(&cleaner, record(100).as_bytes(), 1, &options, &mut worker).unwrap();
        assert!(done.outcome.changed);
        assert!(worker.text.capacity() > 0 && worker.cleaned.capacity() > 0);
        let done = clean_record(&cleaner, record(400_000).as_bytes(), 2, &options, &mut worker).unwrap();
        assert!(done.outcome.changed);
        assert!(worker.text.capacity() <= KEEP_BUFFER && worker.cleaned.capacity() <= KEEP_BUFFER);
    }

    #[test]
    fn only_the_field_changes_and_every_other_byte_stays() {
        let line = "{\"id\": 7,  \"n\":1.50e3,\"text\":\"His smart phone rang.\\nLatest News\",\"z\":\"\\u00e9\"}\n";
        let (out, totals) = run(line, &options(Output::Records));
        assert_eq!(out, "{\"id\": 7,  \"n\":1.50e3,\"text\":\"His smartphone rang.\",\"z\":\"\\u00e9\"}\n");
        assert_eq!((totals.records, totals.changed), (1, 1));
    }

    #[test]
    fn escapes_follow_the_original() {
        let encode = |original, text| {
            let mut out = Vec::new();
            encode_like(&mut out, original, text);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(encode("\"caf\\u00e9\"", "café “x”"), "\"caf\\u00e9 \\u201cx\\u201d\"");
        assert_eq!(encode("\"café\"", "café"), "\"café\"");
        assert_eq!(encode("\"a\"", "😀"), "\"😀\"");
        assert_eq!(encode("\"\\u00e9\"", "😀"), "\"\\ud83d\\ude00\"");
    }

    #[test]
    fn records_cleaned_one_after_another_come_out_as_each_alone() {
        let cleaner = Cleaner::new();
        let long = "é long line, ".repeat(3000);
        let texts = ["", "His smart phone rang.\nLatest News", "\n\n\n", &long, "\u{feff}Text.\r\n\r\nMore.", "x"];
        let mut spare = Spare::default();
        for text in texts.iter().chain(texts.iter().rev()) {
            let (mut reused, mut alone) = (Vec::new(), Vec::new());
            let settings = Settings::default();
            let a = clean_text_reusing(&cleaner, text, &settings, &mut TextSink::new(&mut reused), &mut spare);
            let b = clean_text(&cleaner, text, &settings, &mut TextSink::new(&mut alone));
            assert_eq!((String::from_utf8(reused).unwrap(), a), (String::from_utf8(alone).unwrap(), b));
        }
    }

    /// The text `clean_opened` gives the text sink, gathered from the first changed block on
    /// (`lazy`) or from the start.
    fn gathered(cleaner: &Cleaner, text: &str, lazy: bool) -> (String, bool) {
        let settings = Settings::default();
        let opened = source::open_utf8_text(text, &settings);
        let as_read = match opened {
            Some(Ok((as_read, _))) if lazy => Some(as_read),
            _ => None,
        };
        let mut out = String::new();
        let outcome = clean_opened(
            cleaner,
            text,
            opened,
            &settings,
            &mut TextInto::new(&mut out, as_read),
            &mut Spare::default(),
        );
        (out, outcome.changed)
    }

    proptest::proptest! {
        #[test]
        fn a_changed_text_is_gathered_from_its_first_change_as_from_its_start(
            bom in proptest::bool::ANY,
            lines in proptest::collection::vec((0usize..9, 0usize..3), 0..24),
        ) {
            let cleaner = Cleaner::new();
            let kinds = [
                "The council met on Monday and agreed on the budget for next year.",
                "",
                "His smart phone rang.",
                "Latest News",
                "READ MORE: Talks fail again",
                "  indented line with trailing spaces   ",
                "Share this article",
                "Le maire a quitté la séance.",
                "Also on rt.com The ministry said more talks would follow.",
            ];
            let mut text = String::from(if bom { "\u{feff}" } else { "" });
            for (kind, ending) in lines {
                text.push_str(kinds[kind]);
                text.push_str(["\n", "\r\n", ""][ending]);
            }
            let (lazy, changed) = gathered(&cleaner, &text, true);
            let (eager, eager_changed) = gathered(&cleaner, &text, false);
            proptest::prop_assert_eq!(changed, eager_changed);
            if changed {
                proptest::prop_assert_eq!(lazy, eager);
            } else {
                // Unchanged, the eager text is the text itself (after its byte-order mark).
                proptest::prop_assert_eq!(eager.as_str(), text.strip_prefix('\u{feff}').unwrap_or(&text));
            }
        }
    }

    #[test]
    fn bad_lines_pass_through_and_are_numbered() {
        let input = "not json\n{\"text\": 3}\n[1]\n{\"other\":\"x\"}\n\n{\"text\":\"ok\"}";
        let (out, totals) = run(input, &options(Output::Records));
        assert_eq!(out, input);
        let lines: Vec<(u64, String)> = totals.failures.iter().map(|f| (f.line, f.why.to_string())).collect();
        assert_eq!(
            lines[1..],
            [
                (2, "field `text` is a number, not a string".to_owned()),
                (3, "not a JSON object".to_owned()),
                (4, "no field `text`".to_owned())
            ]
        );
        assert!(lines[0].1.starts_with("not JSON"), "{lines:?}");
        assert_eq!(totals.records, 5);
    }

    #[test]
    fn skip_drops_bad_lines_only() {
        let mut opts = options(Output::Records);
        opts.skip_bad = true;
        let (out, totals) = run("oops\n{\"text\":\"fine\"}\n", &opts);
        assert_eq!(out, "{\"text\":\"fine\"}\n");
        assert_eq!(totals.failures.len(), 1);
    }

    #[test]
    fn nested_fields_and_report_field() {
        let mut opts = options(Output::Records);
        opts.fields = Fields::new("a.body", None, Some("edits"));
        let (out, _) =
            run("{\"a\":{\"body\":\"smart phone\"}}\n{\"a\":{\"body\":\"fine\"},\"edits\":null}\n{}\n", &opts);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "{\"a\":{\"body\":\"smartphone\"},\"edits\":[{\"rule\":\"mt.smart-phone\",\"line\":1,\"column\":1,\"before\":\"smart phone\",\"after\":\"smartphone\"}]}"
        );
        assert_eq!(lines[1], "{\"a\":{\"body\":\"fine\"},\"edits\":[]}");
        assert_eq!(lines[2], "{}");
    }

    #[test]
    fn an_overlong_line_streams_through_unread() {
        let mut opts = options(Output::Records);
        opts.max_record = 40;
        let input = format!("{{\"text\":\"{}\"}}\n{{\"text\":\"smart phone\"}}\n", "x".repeat(100));
        let (out, totals) = run(&input, &opts);
        assert_eq!(out, input.replace("smart phone", "smartphone"));
        assert_eq!(totals.failures, [Failure { line: 1, why: BadRecord::TooLong(40) }]);
    }

    #[test]
    fn diffs_and_names_say_which_record() {
        let input = "{\"text\":\"fine\"}\n{\"id\":\"x9\",\"text\":\"smart phone\"}\n";
        let (diff, _) = run(input, &options(Output::Diffs));
        assert!(diff.contains("--- a/stdin#2\n+++ b/stdin#2\n"), "{diff}");
        let mut opts = options(Output::Names);
        opts.fields.id = Some(vec!["id".into()]);
        assert_eq!(run(input, &opts).0, "stdin#x9\n");
    }
}
