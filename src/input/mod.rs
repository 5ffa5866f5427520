//! One input (a file or stdin) through the cleaner into the chosen output: a diff, a check, the
//! cleaned text, an atomic rewrite, or a copy under `--out`. Choosing files belongs to `files`,
//! encodings to `decode`; this module puts them together for one input.

mod feed;

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use encoding_rs::{Encoding, UTF_8};

use crate::config::{Format, Mode, Settings};
use crate::decode::{Choice, HEAD_LEN};
use crate::error::Error;
use crate::files::Input;
use crate::output::diff::DiffSink;
use crate::output::github::GithubSink;
use crate::output::json::JsonSink;
use crate::output::write::{Commit, WriteTo, write_error};
use crate::pipeline::{Cleaner, NullSink, Outcome, Sink, TextSink};
use crate::source::{self, Document, READ_BUFFER, Source, read_error, stream_error};

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

/// Why `--write`, `--check` and `--interactive` pass an HTML page over.
pub const HTML_IN_PLACE: &str =
    "HTML is not rewritten in place (its text would replace the page): write its text with --out DIR";

/// The path as it appears in diffs and reports (see `patch_path`).
pub fn diff_path(path: &Path) -> String {
    patch_path(path).to_string_lossy().into_owned()
}

/// The path a patch names a file by: as given, without a leading `./`, and relative to the
/// current directory when an absolute path leads under it, so that `git apply` and `patch -p1`
/// run there find the file (git names such a file by its absolute path, which neither takes).
pub fn patch_path(path: &Path) -> PathBuf {
    if path.is_absolute()
        && let Ok(cwd) = std::env::current_dir()
    {
        let cwd = fs::canonicalize(&cwd).unwrap_or(cwd);
        let resolved = match (path.parent(), path.file_name()) {
            (Some(parent), Some(name)) => fs::canonicalize(parent).map(|p| p.join(name)).ok(),
            _ => None,
        };
        if let Some(relative) = resolved.as_deref().and_then(|p| p.strip_prefix(&cwd).ok()) {
            return relative.to_path_buf();
        }
    }
    path.strip_prefix("./").unwrap_or(path).to_path_buf()
}

/// A note printed before the diff of a file outside the current directory (`../x.txt`, or an
/// absolute path elsewhere): no patch tool applies a path that leaves the directory it runs in.
fn outside_note(shown: &Path) -> Option<String> {
    let leaves = shown.is_absolute() || shown.components().any(|c| c == std::path::Component::ParentDir);
    leaves.then(|| {
        format!(
            "# newsclean: {} is outside the current directory; `git apply` and `patch` take this diff only from a directory above it: run newsclean there\n",
            shown.display()
        )
    })
}

/// Notes printed before a diff, in order.
fn notes(notes: [Option<String>; 2]) -> Option<String> {
    let joined: String = notes.into_iter().flatten().collect();
    (!joined.is_empty()).then_some(joined)
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

/// The encoding and byte-order mark a cleaned file is written in.
fn output_encoding(choice: &Choice, settings: &Settings) -> (&'static Encoding, &'static [u8]) {
    if settings.to_utf8 && !choice.is_utf8() { (UTF_8, b"") } else { (choice.encoding, choice.bom()) }
}

/// The sink reporting a file's edits by themselves, when the format asks for that: its JSON
/// record with `--format json`, its annotations with `--format github`.
fn report_sink<'a>(settings: &Settings, out: &'a mut dyn Write, shown: &str, choice: &Choice) -> Box<dyn Sink + 'a> {
    match settings.format {
        Format::Json => Box::new(JsonSink::new(out, shown, choice)),
        Format::Github => Box::new(GithubSink::new(out, shown)),
        Format::Diff | Format::Statistics => Box::new(NullSink),
    }
}

/// Where `--out` writes the cleaned copy of `path`, given its place `target` under the output
/// directory: an HTML page's text goes to a `.txt` file.
pub fn out_path(path: &Path, target: &Path, settings: &Settings) -> PathBuf {
    if source::is_page(path, settings) { target.with_extension("txt") } else { target.to_owned() }
}

/// The file `--write` replaces for `path`: a symlink's target with `--follow-symlinks`, else the
/// entry `path` names (never a file a symlink swapped in after the walk leads to).
pub(crate) fn write_target(path: &Path, settings: &Settings) -> Result<PathBuf, Error> {
    match settings.follow_symlinks {
        true => fs::canonicalize(path).map_err(|e| read_error(path, e)),
        false => Ok(path.to_owned()),
    }
}

/// What the file `--write` replaces for `path` was like before it was read.
pub(crate) fn stamp_of(path: &Path, settings: &Settings) -> Result<crate::files::Stamp, Error> {
    let stamp = match settings.follow_symlinks {
        true => crate::files::Stamp::of(path),
        false => crate::files::Stamp::of_entry(path),
    };
    stamp.map_err(|e| read_error(path, e))
}

/// Cleans the walked file `input` in `mode`, writing any diff or path list to `out`
/// (`Mode::Out(dir)` writes its copy to `dir` joined with its place below the walk's root). A file
/// written (`--write`, `--out`) goes into place as `commit` says: with a batch, it is in place
/// only once the batch is finished, which may still fail it.
pub fn clean_file(
    cleaner: &Cleaner,
    input: &Input,
    mode: &Mode,
    settings: &Settings,
    out: &mut dyn Write,
    commit: Commit,
) -> Result<FileResult, Error> {
    let path = input.path.as_path();
    // `--interactive` reviews through `clean_for_review`; here it shows the diff it would ask about.
    let prints = matches!(mode, Mode::Diff | Mode::Print | Mode::Interactive | Mode::Check { diff: true });
    let html = source::is_page(path, settings);
    if !html && feed::reads_items(mode) && is_feed(path, settings)? {
        return clean_feed_file(cleaner, input, mode, settings, out, commit).map(FileResult::Cleaned);
    }
    // In-place modes work on text files: `--write` would replace a page with its text, so
    // `--check` (the gate `--write` must be able to satisfy) passes pages over too.
    if html && matches!(mode, Mode::Write | Mode::Check { .. }) {
        return Ok(FileResult::Skipped(HTML_IN_PLACE));
    }
    // What the file was before it is read: `--write` replaces it only if it still is.
    let read = match mode {
        Mode::Write => Some(stamp_of(path, settings)?),
        _ => None,
    };
    let Document { choice, text, offset, .. } = match source::open(Source::File(path), settings, prints)? {
        Ok(document) => document,
        Err(skip) => return Ok(FileResult::Skipped(skip.note)),
    };
    // A page's text is UTF-8, written as a new .txt file.
    let converts = !html && settings.to_utf8 && !choice.is_utf8();
    let shown = diff_path(path);
    let (outcome, rewritten) = match mode {
        Mode::Diff | Mode::Print | Mode::Interactive | Mode::Check { .. }
            if matches!(settings.format, Format::Json | Format::Github) =>
        {
            let mut sink = report_sink(settings, out, &shown, &choice);
            let outcome = cleaner.clean_stream(text, offset, &mut &mut *sink).map_err(|e| stream_error(path, e))?;
            let changed = outcome.changed || converts;
            (outcome, changed)
        }
        Mode::Diff | Mode::Print | Mode::Interactive | Mode::Check { diff: true }
            if settings.format == Format::Diff =>
        {
            let bom = !html && choice.is_utf8() && choice.bom_len > 0;
            let note = if html { Some(html_note(&shown)) } else { legacy_note(&shown, &choice) };
            let shown_path = patch_path(path);
            let note = notes([outside_note(&shown_path), note]);
            let mut sink = DiffSink::new(out, &shown_path, bom, settings.color).with_preamble(note);
            let outcome = cleaner.clean_stream(text, offset, &mut sink).map_err(|e| stream_error(path, e))?;
            let changed = outcome.changed || converts;
            (outcome, changed)
        }
        Mode::Diff | Mode::Print | Mode::Interactive | Mode::Check { .. } => {
            let outcome = cleaner.clean_stream(text, offset, &mut NullSink).map_err(|e| stream_error(path, e))?;
            let changed = outcome.changed || converts;
            (outcome, changed)
        }
        Mode::Write => {
            // Write through a symlink to its target rather than replacing the link with a file.
            let target = write_target(path, settings)?;
            let mut report = report_sink(settings, out, &shown, &choice);
            let encoding = output_encoding(&choice, settings);
            let backup = settings.backup.as_deref();
            let to = WriteTo { path, target: &target, encoding, backup, read, commit };
            to.clean_into(cleaner, (text, offset), converts, &mut *report)?
        }
        Mode::Out(dir) => {
            let target = out_path(path, &dir.join(&input.relative), settings);
            if let Some(dir) = target.parent() {
                fs::create_dir_all(dir).map_err(|e| write_error(&target, e))?;
            }
            let encoding = if html { (UTF_8, &b""[..]) } else { output_encoding(&choice, settings) };
            let mut report = report_sink(settings, out, &shown, &choice);
            let to = WriteTo { path: &target, target: &target, encoding, backup: None, read: None, commit };
            to.clean_into(cleaner, (text, offset), true, &mut *report)?
        }
    };
    Ok(FileResult::Cleaned(Report { outcome, choice, rewritten }))
}

/// True if the file at `path` is read as a feed: `--feed`, or an RSS, Atom or RSS 1.0 root element
/// (or, failing that, a `.rss` or `.atom` name).
fn is_feed(path: &Path, settings: &Settings) -> Result<bool, Error> {
    if settings.feed {
        return Ok(true);
    }
    let mut head = Vec::new();
    let file = fs::File::open(path).map_err(|e| read_error(path, e))?;
    file.take(4096).read_to_end(&mut head).map_err(|e| read_error(path, e))?;
    let kind = crate::feed::sniff(&head, UTF_8).or_else(|| crate::feed::from_path(path));
    Ok(kind.is_some_and(crate::feed::Kind::is_feed))
}

/// Cleans the feed at `input` item by item: a diff per item (`feed.xml#item-3`), or with `--out`
/// its cleaned items as JSON lines in `DIR/…/feed.jsonl`. A feed is never written back.
fn clean_feed_file(
    cleaner: &Cleaner,
    input: &Input,
    mode: &Mode,
    settings: &Settings,
    out: &mut dyn Write,
    commit: Commit,
) -> Result<Report, Error> {
    use feed::{Items, clean_feed};
    let path = input.path.as_path();
    let file = fs::File::open(path).map_err(|e| read_error(path, e))?;
    let bytes = read_feed(file, path, settings)?;
    let shown = diff_path(path);
    let (outcome, choice) = match mode {
        Mode::Out(dir) => {
            let target = dir.join(&input.relative).with_extension("jsonl");
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(|e| write_error(&target, e))?;
            }
            let encoding = (UTF_8, &b""[..]);
            let to = WriteTo { path: &target, target: &target, encoding, backup: None, read: None, commit };
            to.write(|writer| {
                let done = clean_feed(cleaner, path, &shown, &bytes, settings, Items::Records(writer)).map_err(
                    |e| match e {
                        Error::Output(e) => write_error(&target, e),
                        e => e,
                    },
                )?;
                Ok((done, true))
            })?
            .0
        }
        Mode::Check { diff: false } => clean_feed(cleaner, path, &shown, &bytes, settings, Items::Names(out))?,
        _ => clean_feed(cleaner, path, &shown, &bytes, settings, Items::Report(out))?,
    };
    let rewritten = outcome.changed;
    Ok(Report { outcome, choice, rewritten })
}

/// A feed's bytes, read whole (items are decided on the whole document): at most
/// `--max-line-mib`, beyond which it is an error naming `path`.
fn read_feed(input: impl Read, path: &Path, settings: &Settings) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    input.take(settings.max_line as u64 + 1).read_to_end(&mut bytes).map_err(|e| read_error(path, e))?;
    if bytes.len() > settings.max_line {
        let reason = format!("larger than --max-line-mib ({} MiB)", settings.max_line >> 20);
        return Err(Error::Feed { path: path.to_owned(), reason });
    }
    Ok(bytes)
}

/// `--feed` on stdin: the feed's cleaned items as JSON lines to `out` (a filter), or a diff per
/// item (`stdin#item-3`), or with `--check` the items that would change.
fn clean_feed_stream(
    cleaner: &Cleaner,
    input: impl Read,
    output: StreamOutput,
    settings: &Settings,
    out: &mut dyn Write,
) -> Result<Report, Error> {
    use feed::{Items, clean_feed};
    let path = Path::new("stdin");
    let bytes = read_feed(input, path, settings)?;
    let items = match output {
        _ if matches!(settings.format, Format::Json | Format::Github | Format::Statistics) => Items::Report(out),
        StreamOutput::Text => Items::Records(out),
        StreamOutput::Diff => Items::Report(out),
        StreamOutput::Nothing => Items::Names(out),
    };
    let (outcome, choice) = clean_feed(cleaner, path, "stdin", &bytes, settings, items)?;
    out.flush().map_err(Error::Output)?;
    let rewritten = outcome.changed;
    Ok(Report { outcome, choice, rewritten })
}

/// Checks `bytes` as the content of `path` (the staged version of a file in the index, say), as
/// `clean_file` checks a file in `FileMode::Check { diff }`: diffs and errors name `path`, binary
/// content is skipped, and nothing is written but the diff (or with `--format json`/`github`, the
/// file's record or annotations).
pub fn check_bytes(
    cleaner: &Cleaner,
    path: &Path,
    bytes: Vec<u8>,
    diff: bool,
    settings: &Settings,
    out: &mut dyn Write,
) -> Result<FileResult, Error> {
    // A check reports only what `--write` can fix: not a page.
    if source::is_page(path, settings) {
        return Ok(FileResult::Skipped(HTML_IN_PLACE));
    }
    let Document { choice, text, offset, .. } = match source::open(Source::Staged(path, bytes), settings, diff)? {
        Ok(document) => document,
        Err(skip) => return Ok(FileResult::Skipped(skip.note)),
    };
    let converts = settings.to_utf8 && !choice.is_utf8();
    let outcome = if matches!(settings.format, Format::Json | Format::Github) {
        let mut sink = report_sink(settings, out, &diff_path(path), &choice);
        cleaner.clean_stream(text, offset, &mut &mut *sink).map_err(|e| stream_error(path, e))?
    } else if diff {
        let bom = choice.is_utf8() && choice.bom_len > 0;
        let note = legacy_note(&diff_path(path), &choice);
        let mut sink = DiffSink::new(out, &patch_path(path), bom, settings.color).with_preamble(note);
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
    if source::is_page(path, settings) {
        return Ok(Err(HTML_IN_PLACE));
    }
    // A feed is passed over before the checks a file to be written must pass (a read-only feed is
    // no error); `open_file` below would pass it over too, but only after them.
    let mut head = Vec::new();
    File::open(path).and_then(|f| f.take(HEAD_LEN as u64).read_to_end(&mut head)).map_err(|e| read_error(path, e))?;
    let encoding = settings.forced.unwrap_or(UTF_8);
    if let Some(kind) = source::markup_document(path, &head, encoding) {
        return Ok(Err(kind.note()));
    }
    let target = write_target(path, settings)?;
    if crate::files::is_read_only(&target).map_err(|e| read_error(path, e))? {
        return Err(Error::ReadOnly { path: path.to_owned() });
    }
    let stamp = stamp_of(&target, settings)?;
    let Document { choice, text, offset, .. } = match source::open(Source::File(path), settings, true)? {
        Ok(document) => document,
        Err(skip) => return Ok(Err(skip.note)),
    };
    let outcome = cleaner.clean_stream(text, offset, sink).map_err(|e| stream_error(path, e))?;
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
    let target = write_target(path, settings)?;
    if stamp_of(&target, settings)? != stamp {
        return Err(Error::ChangedMeanwhile { path: path.to_owned() });
    }
    let encoding = output_encoding(choice, settings);
    let backup = settings.backup.as_deref();
    let to = WriteTo { path, target: &target, encoding, backup, read: Some(stamp), commit: Commit::Now };
    to.write(|writer| writer.write_all(text.as_bytes()).map(|()| ((), true)).map_err(|e| write_error(path, e)))?;
    Ok(())
}

/// What a document read from stdin gives: the cleaned text (a filter), its diff, or nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StreamOutput {
    Text,
    Diff,
    Nothing,
}

/// Cleans one document from `input` (stdin) into `out`: in `--check` mode its diff (with
/// `--diff`) or nothing, else the cleaned text, as a filter does. The encoding is chosen from the
/// first 64 KiB; the output is UTF-8 (a UTF-8 BOM is kept, so clean UTF-8 comes out byte for
/// byte). A feed or XML document is not cleaned: it comes back as `Skipped`, copied byte for byte
/// to `out` where the text would be (a filter passes on what it leaves alone).
pub fn clean_stream<'a>(
    cleaner: &Cleaner,
    input: impl Read + 'a,
    mode: &Mode,
    settings: &Settings,
    out: &mut dyn Write,
) -> Result<FileResult, Error> {
    let path = Path::new("stdin");
    let output = match mode {
        Mode::Diff | Mode::Check { diff: true } => StreamOutput::Diff,
        Mode::Check { diff: false } => StreamOutput::Nothing,
        _ => StreamOutput::Text,
    };
    if settings.feed {
        return clean_feed_stream(cleaner, input, output, settings, out).map(FileResult::Cleaned);
    }
    let Document { choice, text, offset, html } = match source::open(Source::Stdin(Box::new(input)), settings, false)? {
        Ok(document) => document,
        Err(skip) => {
            if let Some(mut unread) = skip
                .unread
                .filter(|_| output == StreamOutput::Text && !matches!(settings.format, Format::Json | Format::Github))
            {
                io::copy(&mut unread, out).map_err(|e| match e.kind() {
                    io::ErrorKind::BrokenPipe => Error::Output(e),
                    _ => read_error(path, e),
                })?;
                out.flush().map_err(Error::Output)?;
            }
            return Ok(FileResult::Skipped(skip.note));
        }
    };
    let result = match output {
        _ if matches!(settings.format, Format::Json | Format::Github) => {
            cleaner.clean_stream(text, offset, &mut &mut *report_sink(settings, out, "stdin", &choice))
        }
        StreamOutput::Text => {
            let bom: &[u8] = if choice.is_utf8() && !html { choice.bom() } else { b"" };
            out.write_all(bom).map_err(Error::Output)?;
            cleaner.clean_stream(text, offset, &mut TextSink::new(io::BufWriter::with_capacity(READ_BUFFER, out)))
        }
        StreamOutput::Diff => {
            let bom = choice.is_utf8() && choice.bom_len > 0;
            let mut sink = DiffSink::new(out, path, bom, settings.color).with_preamble(legacy_note("stdin", &choice));
            cleaner.clean_stream(text, offset, &mut sink)
        }
        StreamOutput::Nothing => cleaner.clean_stream(text, offset, &mut NullSink),
    };
    let outcome = result.map_err(|e| stream_error(path, e))?;
    let rewritten = outcome.changed;
    Ok(FileResult::Cleaned(Report { outcome, choice, rewritten }))
}
