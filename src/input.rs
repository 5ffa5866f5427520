//! One input (a file or stdin) through the cleaner into the chosen output: a diff, a check, the
//! cleaned text, an atomic rewrite, or a copy under `--out`. Choosing files belongs to `files`,
//! encodings to `decode`; this module puts them together for one input.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use encoding_rs::{Encoding, UTF_8};

use crate::block::ReadError;
use crate::config::Settings;
use crate::decode::{
    self, Choice, DecodeReader, EncodeWriter, HEAD_LEN, Malformed, Sniffed, Unmappable, ValidateError,
};
use crate::diff::DiffSink;
use crate::error::Error;
use crate::files::Spool;
use crate::pipeline::{Cleaner, NullSink, Outcome, Sink, StreamError, TextSink};
use crate::report::JsonSink;

const READ_BUFFER: usize = 1 << 18;

/// What to do with a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileMode {
    /// Print a unified diff of the changes.
    Diff,
    /// Only find out whether the file would change (and print its diff if `diff`).
    Check {
        /// Also print the diff.
        diff: bool,
    },
    /// Rewrite the file in place, atomically, if it changes.
    Write,
    /// Write the cleaned copy to this path (whether or not it changed).
    Out(PathBuf),
}

/// True if the path names an HTML page.
pub fn is_html_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
}

/// Turns a decoded HTML page into its article text, in memory (a page's text is small).
fn html_text<'a>(path: &Path, page: Box<dyn BufRead + 'a>) -> Result<Box<dyn BufRead + 'a>, Error> {
    let mut text = Vec::new();
    crate::html::extract_text(page, &mut text).map_err(|e| match e {
        crate::html::HtmlError::Read(source) => read_error(path, source),
        e => Error::Html { path: path.to_owned(), reason: e.to_string() },
    })?;
    Ok(Box::new(Cursor::new(text)))
}

/// What happened to one input that was cleaned.
#[derive(Clone, Debug)]
pub struct Report {
    /// The edits made.
    pub outcome: Outcome,
    /// The encoding it was read in, and why.
    pub choice: Choice,
    /// True if the file was (or would be) written: it changed, or `--to-utf8` converts it.
    pub rewritten: bool,
}

/// What happened to one file.
#[derive(Debug)]
pub enum FileResult {
    /// It was cleaned (or checked).
    Cleaned(Report),
    /// It was passed over, with a note why.
    Skipped(&'static str),
}

/// The path as it appears in diffs: relative paths without a leading `./`.
pub fn diff_path(path: &Path) -> String {
    let shown = path.to_string_lossy();
    shown.strip_prefix("./").unwrap_or(&shown).to_owned()
}

/// Maps an I/O error from reading to the most precise error for `path`.
fn read_error(path: &Path, source: io::Error) -> Error {
    if let Some(m) = source.get_ref().and_then(|e| e.downcast_ref::<Malformed>()) {
        return Error::Decode { path: path.to_owned(), reason: m.to_string() };
    }
    Error::Read { path: path.to_owned(), source }
}

fn write_error(path: &Path, source: io::Error) -> Error {
    if source.get_ref().is_some_and(|e| e.is::<crate::files::ReadOnly>()) {
        return Error::ReadOnly { path: path.to_owned() };
    }
    if let Some(u) = source.get_ref().and_then(|e| e.downcast_ref::<Unmappable>()) {
        return Error::Encode { path: path.to_owned(), reason: u.to_string() };
    }
    Error::Write { path: path.to_owned(), source }
}

fn stream_error(path: &Path, e: StreamError) -> Error {
    match e {
        StreamError::Read(ReadError::Io(source)) => read_error(path, source),
        StreamError::Read(ReadError::Utf8(e)) => {
            Error::InvalidUtf8 { path: path.to_owned(), line: e.line, offset: e.offset }
        }
        StreamError::Write(source) => Error::Output(source),
    }
}

/// A note printed before the diff of a file that is not UTF-8: the diff is in UTF-8.
fn legacy_note(path: &str, choice: &Choice) -> Option<String> {
    (!choice.is_utf8()).then(|| {
        format!(
            "# newsclean: {path} is {} ({}); this diff is in UTF-8, so `git apply` will not apply it to the file: use --write\n",
            choice.encoding.name(),
            choice.reason
        )
    })
}

/// A note printed before the diff of an HTML page: the diff is of its text.
fn html_note(path: &str) -> String {
    format!("# newsclean: {path} is HTML; this diff is of its extracted text: write the text with --out DIR\n")
}

/// A file opened for cleaning: its encoding and a reader of its text as UTF-8, or the note
/// saying why it is skipped.
type Opened = Result<(Choice, Box<dyn BufRead>), &'static str>;

/// Reads the start of a file, decides its encoding, and returns a reader of its text as UTF-8.
fn open_file(path: &Path, settings: &Settings, validate_first: bool, html: bool) -> Result<Opened, Error> {
    let file = File::open(path).map_err(|e| read_error(path, e))?;
    open_source(path, file, settings, validate_first, html)
}

/// `open_file` for any seekable source of the bytes of `path` (a file, or a staged version in memory).
fn open_source<F: Read + Seek + 'static>(
    path: &Path,
    mut file: F,
    settings: &Settings,
    validate_first: bool,
    html: bool,
) -> Result<Opened, Error> {
    let read_err = |e| read_error(path, e);
    let mut head = Vec::new();
    (&mut file).take(HEAD_LEN as u64).read_to_end(&mut head).map_err(read_err)?;
    let whole = head.len() < HEAD_LEN;
    let needs_check = settings.forced.is_none() && Encoding::for_bom(&head).is_none();
    let utf8_valid = needs_check
        && if whole {
            std::str::from_utf8(&head).is_ok()
        } else {
            file.seek(SeekFrom::Start(0)).map_err(read_err)?;
            match decode::validate_utf8(BufReader::with_capacity(READ_BUFFER, &mut file)) {
                Ok(()) => true,
                Err(ValidateError::Utf8(_)) => false,
                Err(ValidateError::Io(e)) => return Err(read_err(e)),
            }
        };
    let choice = match decode::choose(&head, utf8_valid, html, settings.forced) {
        Sniffed::Binary => return Ok(Err("binary file skipped")),
        Sniffed::Text(choice) => choice,
    };
    if let Some(kind) = markup_document(path, &head, &choice) {
        return Ok(Err(kind.note()));
    }
    let offset = choice.bom_len as u64;
    // Modes that print as they go must not print half a file before finding it unreadable.
    if validate_first && !(choice.is_utf8() && utf8_valid) {
        file.seek(SeekFrom::Start(offset)).map_err(read_err)?;
        let raw = BufReader::with_capacity(READ_BUFFER, &mut file);
        if choice.is_utf8() {
            decode::validate_utf8(raw).map_err(|e| match e {
                ValidateError::Io(e) => read_err(e),
                ValidateError::Utf8(e) => {
                    Error::InvalidUtf8 { path: path.to_owned(), line: e.line, offset: e.offset + offset }
                }
            })?;
        } else {
            io::copy(&mut DecodeReader::new(raw, choice.encoding, offset), &mut io::sink()).map_err(read_err)?;
        }
    }
    let text: Box<dyn BufRead> = if whole && choice.is_utf8() {
        // Small files (most articles) are read once: clean from the bytes already in memory.
        head.drain(..choice.bom_len);
        Box::new(Cursor::new(head))
    } else {
        file.seek(SeekFrom::Start(offset)).map_err(read_err)?;
        let raw = BufReader::with_capacity(READ_BUFFER, file);
        if choice.is_utf8() { Box::new(raw) } else { Box::new(DecodeReader::new(raw, choice.encoding, offset)) }
    };
    let text = if html { html_text(path, text)? } else { text };
    Ok(Ok((choice, text)))
}

/// The kind of feed or XML document `path` is, by its extension or its first bytes `head`; no
/// mode cleans one as text.
fn markup_document(path: &Path, head: &[u8], choice: &Choice) -> Option<crate::feed::Kind> {
    crate::feed::from_path(path).or_else(|| crate::feed::sniff(head, choice.encoding))
}

/// The encoding and byte-order mark a cleaned file is written in.
fn output_encoding(choice: &Choice, settings: &Settings) -> (&'static Encoding, &'static [u8]) {
    if settings.to_utf8 && !choice.is_utf8() { (UTF_8, b"") } else { (choice.encoding, choice.bom()) }
}

/// The sink reporting a file that is being written: its JSON object with `--format json`.
fn report_sink<'a>(settings: &Settings, out: &'a mut dyn Write, shown: &str, choice: &Choice) -> Box<dyn Sink + 'a> {
    if settings.json { Box::new(JsonSink::new(out, shown, choice)) } else { Box::new(NullSink) }
}

/// Cleans `text` into a new file at `target` (through a spool, renamed into place only on success),
/// handing the blocks to `report` too.
#[allow(clippy::too_many_arguments)] // one call per write mode; a struct would only rename them
fn write_cleaned(
    cleaner: &Cleaner,
    text: Box<dyn BufRead>,
    offset: u64,
    (encoding, bom): (&'static Encoding, &'static [u8]),
    path: &Path,
    target: &Path,
    always: bool,
    report: &mut dyn Sink,
    (backup, read): (Option<&std::ffi::OsStr>, Option<crate::files::Stamp>),
) -> Result<(Outcome, bool), Error> {
    let mut spool = Spool::for_target(target);
    spool.write_all(bom).map_err(|e| write_error(path, e))?;
    let mut sinks = (TextSink::new(EncodeWriter::new(spool, encoding)), report);
    let outcome = cleaner.clean_stream(text, offset, &mut sinks).map_err(|e| match e {
        StreamError::Write(source) => write_error(path, source),
        e => stream_error(path, e),
    })?;
    let sink = sinks.0;
    let rewrite = always || outcome.changed;
    if rewrite {
        let spool = sink.into_inner().into_inner().map_err(|e| write_error(path, e))?;
        spool.commit(target, backup, read).map_err(|e| write_error(path, e))?;
    }
    Ok((outcome, rewrite))
}

/// Cleans the file at `path` in `mode`, writing any diff or path list to `out`.
pub fn clean_file(
    cleaner: &Cleaner,
    path: &Path,
    mode: &FileMode,
    settings: &Settings,
    out: &mut dyn Write,
) -> Result<FileResult, Error> {
    let prints = matches!(mode, FileMode::Diff | FileMode::Check { diff: true });
    let html = settings.html || is_html_path(path);
    if html && *mode == FileMode::Write {
        return Ok(FileResult::Skipped(
            "HTML is not rewritten in place (its text would replace the page): use --out DIR",
        ));
    }
    // What the file was before it is read: `--write` replaces it only if it still is.
    let read = match mode {
        FileMode::Write => Some(crate::files::Stamp::of(path).map_err(|e| read_error(path, e))?),
        _ => None,
    };
    let (choice, text) = match open_file(path, settings, prints, html)? {
        Ok(opened) => opened,
        Err(note) => return Ok(FileResult::Skipped(note)),
    };
    // The text of a page starts at its first byte; it is UTF-8 and written as a new .txt file.
    let (offset, converts) =
        if html { (0, false) } else { (choice.bom_len as u64, settings.to_utf8 && !choice.is_utf8()) };
    let shown = diff_path(path);
    let (outcome, rewritten) = match mode {
        FileMode::Diff | FileMode::Check { .. } if settings.json => {
            let mut sink = JsonSink::new(out, &shown, &choice);
            let outcome = cleaner.clean_stream(text, offset, &mut sink).map_err(|e| stream_error(path, e))?;
            let changed = outcome.changed || converts;
            (outcome, changed)
        }
        FileMode::Diff | FileMode::Check { diff: true } if !settings.statistics => {
            let bom = !html && choice.is_utf8() && choice.bom_len > 0;
            let note = if html { Some(html_note(&shown)) } else { legacy_note(&shown, &choice) };
            let mut sink = DiffSink::new(out, &shown, bom, settings.color).with_preamble(note);
            let outcome = cleaner.clean_stream(text, offset, &mut sink).map_err(|e| stream_error(path, e))?;
            let changed = outcome.changed || converts;
            (outcome, changed)
        }
        FileMode::Diff | FileMode::Check { .. } => {
            let outcome = cleaner.clean_stream(text, offset, &mut NullSink).map_err(|e| stream_error(path, e))?;
            let changed = outcome.changed || converts;
            (outcome, changed)
        }
        FileMode::Write => {
            // Write through a symlink to its target rather than replacing the link with a file.
            let target = fs::canonicalize(path).map_err(|e| read_error(path, e))?;
            let mut report = report_sink(settings, out, &shown, &choice);
            let encoding = output_encoding(&choice, settings);
            let backup = settings.backup.as_deref();
            write_cleaned(cleaner, text, offset, encoding, path, &target, converts, &mut *report, (backup, read))?
        }
        FileMode::Out(target) => {
            let target = if html { target.with_extension("txt") } else { target.clone() };
            if let Some(dir) = target.parent() {
                fs::create_dir_all(dir).map_err(|e| write_error(&target, e))?;
            }
            let encoding = if html { (UTF_8, &b""[..]) } else { output_encoding(&choice, settings) };
            let mut report = report_sink(settings, out, &shown, &choice);
            write_cleaned(cleaner, text, offset, encoding, &target, &target, true, &mut *report, (None, None))?
        }
    };
    Ok(FileResult::Cleaned(Report { outcome, choice, rewritten }))
}

/// Checks `bytes` as the content of `path` (the staged version of a file in the index, say), as
/// `clean_file` checks a file in `FileMode::Check { diff }`: diffs and errors name `path`, binary
/// content is skipped, and nothing is written but the diff.
pub fn check_bytes(
    cleaner: &Cleaner,
    path: &Path,
    bytes: Vec<u8>,
    diff: bool,
    settings: &Settings,
    out: &mut dyn Write,
) -> Result<FileResult, Error> {
    let html = settings.html || is_html_path(path);
    let (choice, text) = match open_source(path, Cursor::new(bytes), settings, diff, html)? {
        Ok(opened) => opened,
        Err(note) => return Ok(FileResult::Skipped(note)),
    };
    let (offset, converts) =
        if html { (0, false) } else { (choice.bom_len as u64, settings.to_utf8 && !choice.is_utf8()) };
    let outcome = if diff {
        let shown = diff_path(path);
        let bom = !html && choice.is_utf8() && choice.bom_len > 0;
        let note = if html { Some(html_note(&shown)) } else { legacy_note(&shown, &choice) };
        let mut sink = DiffSink::new(out, &shown, bom, settings.color).with_preamble(note);
        cleaner.clean_stream(text, offset, &mut sink).map_err(|e| stream_error(path, e))?
    } else {
        cleaner.clean_stream(text, offset, &mut NullSink).map_err(|e| stream_error(path, e))?
    };
    let rewritten = outcome.changed || converts;
    Ok(FileResult::Cleaned(Report { outcome, choice, rewritten }))
}

/// A file read for the interactive review: the encoding it was read in, its cleaning's outcome,
/// and its stamp from before it was read; or the note saying why it is skipped.
pub type Reviewable = Result<(Choice, Outcome, crate::files::Stamp), &'static str>;

/// Cleans the file at `path` into `sink` for the interactive review, which needs the whole file at
/// once (it is human-paced, so memory is not the concern it is for batches). The file is checked
/// whole before any block reaches `sink`. HTML and binary files come back as the note saying why
/// they are skipped; a file `--write` would refuse is refused before anyone is asked about it.
pub fn clean_for_review<S: Sink>(
    cleaner: &Cleaner,
    path: &Path,
    settings: &Settings,
    sink: &mut S,
) -> Result<Reviewable, Error> {
    if settings.html || is_html_path(path) {
        return Ok(Err("HTML is not rewritten in place (its text would replace the page): use --out DIR"));
    }
    // A feed is passed over before the checks a file to be written must pass (a read-only feed is
    // no error); `open_file` below would pass it over too, but only after them.
    let mut head = Vec::new();
    File::open(path).and_then(|f| f.take(HEAD_LEN as u64).read_to_end(&mut head)).map_err(|e| read_error(path, e))?;
    let encoding = settings.forced.unwrap_or(UTF_8);
    if let Some(kind) = crate::feed::from_path(path).or_else(|| crate::feed::sniff(&head, encoding)) {
        return Ok(Err(kind.note()));
    }
    let target = fs::canonicalize(path).map_err(|e| read_error(path, e))?;
    if crate::files::is_read_only(&target).map_err(|e| read_error(path, e))? {
        return Err(Error::ReadOnly { path: path.to_owned() });
    }
    let stamp = crate::files::Stamp::of(&target).map_err(|e| read_error(path, e))?;
    let (choice, text) = match open_file(path, settings, true, false)? {
        Ok(opened) => opened,
        Err(note) => return Ok(Err(note)),
    };
    let outcome = cleaner.clean_stream(text, choice.bom_len as u64, sink).map_err(|e| stream_error(path, e))?;
    Ok(Ok((choice, outcome, stamp)))
}

/// Writes `text` (what the review accepted) over the file at `path` as `--write` would: in the
/// encoding, BOM and line endings it was read with (or UTF-8 with `--to-utf8`), atomically, with
/// `--backup` honoured, through a symlink to its target. If the file is no longer as `stamp`
/// says it was when it was read, someone changed it during the review: it is left alone.
pub fn write_reviewed(
    path: &Path,
    text: &str,
    choice: &Choice,
    stamp: crate::files::Stamp,
    settings: &Settings,
) -> Result<(), Error> {
    let target = fs::canonicalize(path).map_err(|e| read_error(path, e))?;
    if crate::files::Stamp::of(&target).map_err(|e| read_error(path, e))? != stamp {
        return Err(Error::ChangedMeanwhile { path: path.to_owned() });
    }
    let (encoding, bom) = output_encoding(choice, settings);
    let mut spool = Spool::for_target(&target);
    spool.write_all(bom).map_err(|e| write_error(path, e))?;
    let mut writer = EncodeWriter::new(spool, encoding);
    writer.write_all(text.as_bytes()).map_err(|e| write_error(path, e))?;
    let spool = writer.into_inner().map_err(|e| write_error(path, e))?;
    spool.commit(&target, settings.backup.as_deref(), Some(stamp)).map_err(|e| write_error(path, e))
}

/// What to do with a document read from stdin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamMode {
    /// Write the cleaned text (UTF-8).
    Text,
    /// Write a diff (of `stdin`).
    Diff,
    /// Write nothing; the outcome says whether it would change.
    Check,
}

/// Cleans one document from `input` (stdin) into `out`. The encoding is chosen from the first
/// 64 KiB; the output is UTF-8 (a UTF-8 BOM is kept, so clean UTF-8 comes out byte for byte).
/// A feed or XML document is not cleaned: it comes back as `Skipped`, copied byte for byte to
/// `out` in `StreamMode::Text` (a filter passes on what it leaves alone), else not written.
pub fn clean_stream<'a>(
    cleaner: &Cleaner,
    mut input: impl Read + 'a,
    mode: StreamMode,
    settings: &Settings,
    out: &mut dyn Write,
) -> Result<FileResult, Error> {
    let path = Path::new("stdin");
    let mut head = Vec::new();
    (&mut input).take(HEAD_LEN as u64).read_to_end(&mut head).map_err(|e| read_error(path, e))?;
    let utf8_valid = match std::str::from_utf8(&head) {
        Ok(_) => true,
        // A character cut at the end of the head is not an error yet.
        Err(e) => e.error_len().is_none() && head.len() == HEAD_LEN,
    };
    let choice = match decode::choose(&head, utf8_valid, settings.html, settings.forced) {
        Sniffed::Text(choice) => choice,
        // NUL bytes are valid UTF-8: a stream is cleaned whatever it holds, never skipped.
        Sniffed::Binary => Choice { encoding: UTF_8, bom_len: 0, reason: decode::Reason::Utf8 },
    };
    if let Some(kind) = crate::feed::sniff(&head, choice.encoding) {
        if mode == StreamMode::Text && !settings.json {
            out.write_all(&head).map_err(Error::Output)?;
            io::copy(&mut input, out).map_err(|e| match e.kind() {
                io::ErrorKind::BrokenPipe => Error::Output(e),
                _ => read_error(path, e),
            })?;
            out.flush().map_err(Error::Output)?;
        }
        return Ok(FileResult::Skipped(kind.note()));
    }
    let offset = choice.bom_len as u64;
    head.drain(..choice.bom_len);
    let raw = BufReader::with_capacity(READ_BUFFER, Cursor::new(head).chain(input));
    let text: Box<dyn BufRead + 'a> =
        if choice.is_utf8() { Box::new(raw) } else { Box::new(DecodeReader::new(raw, choice.encoding, offset)) };
    let (text, offset) = if settings.html { (html_text(path, text)?, 0) } else { (text, offset) };
    let result = match mode {
        _ if settings.json => cleaner.clean_stream(text, offset, &mut JsonSink::new(out, "stdin", &choice)),
        StreamMode::Text => {
            let bom: &[u8] = if choice.is_utf8() && !settings.html { choice.bom() } else { b"" };
            out.write_all(bom).map_err(Error::Output)?;
            cleaner.clean_stream(text, offset, &mut TextSink::new(io::BufWriter::with_capacity(READ_BUFFER, out)))
        }
        StreamMode::Diff => {
            let bom = choice.is_utf8() && choice.bom_len > 0;
            let mut sink =
                DiffSink::new(out, "stdin", bom, settings.color).with_preamble(legacy_note("stdin", &choice));
            cleaner.clean_stream(text, offset, &mut sink)
        }
        StreamMode::Check => cleaner.clean_stream(text, offset, &mut NullSink),
    };
    let outcome = result.map_err(|e| stream_error(path, e))?;
    let rewritten = outcome.changed;
    Ok(FileResult::Cleaned(Report { outcome, choice, rewritten }))
}
