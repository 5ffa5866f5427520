//! One input (a file or stdin) through the cleaner into the chosen output: a diff, a check, the
//! cleaned text, or an atomic rewrite. Choosing files belongs to `files`; rendering summaries to `report`.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::block::ReadError;
use crate::decode::{self, Sniffed, UTF8_BOM, ValidateError};
use crate::diff::DiffSink;
use crate::error::Error;
use crate::files::Spool;
use crate::pipeline::{Cleaner, NullSink, Outcome, StreamError, TextSink};

const READ_BUFFER: usize = 1 << 18;

/// What to do with a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

/// What happened to one file.
#[derive(Debug)]
pub enum FileResult {
    /// It was cleaned (or checked); the outcome says whether it changed.
    Cleaned(Outcome),
    /// It was passed over, with a note why.
    Skipped(&'static str),
}

/// The path as it appears in diffs: relative paths without a leading `./`.
pub fn diff_path(path: &Path) -> String {
    let shown = path.to_string_lossy();
    shown.strip_prefix("./").unwrap_or(&shown).to_owned()
}

fn stream_error(path: &Path, e: StreamError) -> Error {
    match e {
        StreamError::Read(ReadError::Io(source)) => Error::Read { path: path.to_owned(), source },
        StreamError::Read(ReadError::Utf8(e)) => {
            Error::InvalidUtf8 { path: path.to_owned(), line: e.line, offset: e.offset }
        }
        StreamError::Write(source) => Error::Output(source),
    }
}

/// Reads the start of an input: returns whether it has a UTF-8 BOM (consumed), or why it is skipped.
fn open_text<R: Read>(reader: &mut BufReader<R>, path: &Path) -> Result<Result<bool, &'static str>, Error> {
    let head = reader.fill_buf().map_err(|source| Error::Read { path: path.to_owned(), source })?;
    match decode::sniff(head) {
        Sniffed::Binary => Ok(Err("binary file skipped")),
        Sniffed::Utf16(encoding) => Err(Error::Unsupported { path: path.to_owned(), encoding }),
        Sniffed::Utf8 { bom } => {
            if bom {
                reader.consume(UTF8_BOM.len());
            }
            Ok(Ok(bom))
        }
    }
}

/// Cleans the file at `path` in `mode`, writing any diff to `out`.
pub fn clean_file(
    cleaner: &Cleaner,
    path: &Path,
    mode: FileMode,
    color: bool,
    out: &mut dyn Write,
) -> Result<FileResult, Error> {
    let read_error = |source| Error::Read { path: path.to_owned(), source };
    let mut reader = BufReader::with_capacity(READ_BUFFER, File::open(path).map_err(read_error)?);
    let bom = match open_text(&mut reader, path)? {
        Ok(bom) => bom,
        Err(note) => return Ok(FileResult::Skipped(note)),
    };
    let offset = if bom { UTF8_BOM.len() as u64 } else { 0 };
    let shown = diff_path(path);
    let outcome = match mode {
        FileMode::Diff | FileMode::Check { diff: true } => {
            // A diff is printed as it is made: first make sure the whole file is readable.
            decode::validate_utf8(&mut reader).map_err(|e| match e {
                ValidateError::Io(source) => Error::Read { path: path.to_owned(), source },
                ValidateError::Utf8(e) => {
                    Error::InvalidUtf8 { path: path.to_owned(), line: e.line, offset: e.offset + offset }
                }
            })?;
            reader.seek(SeekFrom::Start(offset)).map_err(read_error)?;
            let mut sink = DiffSink::new(out, &shown, bom, color);
            cleaner.clean_stream(reader, offset, &mut sink).map_err(|e| stream_error(path, e))?
        }
        FileMode::Check { diff: false } => {
            cleaner.clean_stream(reader, offset, &mut NullSink).map_err(|e| stream_error(path, e))?
        }
        FileMode::Write => {
            // Write through a symlink to its target rather than replacing the link with a file.
            let target: PathBuf = fs::canonicalize(path).map_err(read_error)?;
            let mut spool = Spool::for_target(&target);
            let write_error = |source| Error::Write { path: path.to_owned(), source };
            if bom {
                spool.write_all(UTF8_BOM).map_err(write_error)?;
            }
            let mut sink = TextSink::new(spool);
            let outcome = cleaner.clean_stream(reader, offset, &mut sink).map_err(|e| match e {
                StreamError::Write(source) => write_error(source),
                e => stream_error(path, e),
            })?;
            if outcome.changed {
                sink.into_inner().commit(&target).map_err(write_error)?;
            }
            outcome
        }
    };
    Ok(FileResult::Cleaned(outcome))
}

/// What to do with a document read from stdin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamMode {
    /// Write the cleaned text.
    Text,
    /// Write a diff (of `stdin`).
    Diff,
    /// Write nothing; the outcome says whether it would change.
    Check,
}

/// Cleans one document from `input` (stdin) into `out`. A BOM is kept; the name `stdin` is used in
/// messages and diffs.
pub fn clean_stream(
    cleaner: &Cleaner,
    input: impl Read,
    mode: StreamMode,
    color: bool,
    out: &mut dyn Write,
) -> Result<Outcome, Error> {
    let path = Path::new("stdin");
    let mut reader = BufReader::with_capacity(READ_BUFFER, input);
    // NUL bytes are valid UTF-8: a stream is cleaned whatever it holds, never skipped.
    let bom: bool = open_text(&mut reader, path)?.unwrap_or_default();
    let offset = if bom { UTF8_BOM.len() as u64 } else { 0 };
    let result = match mode {
        StreamMode::Text => {
            if bom {
                out.write_all(UTF8_BOM).map_err(Error::Output)?;
            }
            cleaner.clean_stream(reader, offset, &mut TextSink::new(io::BufWriter::with_capacity(READ_BUFFER, out)))
        }
        StreamMode::Diff => cleaner.clean_stream(reader, offset, &mut DiffSink::new(out, "stdin", bom, color)),
        StreamMode::Check => cleaner.clean_stream(reader, offset, &mut NullSink),
    };
    result.map_err(|e| stream_error(path, e))
}
