//! Where text comes from: a file, the staged bytes of a file, or stdin, each opened the same way into
//! a `Document` (its encoding and a reader of its text as UTF-8; an HTML page's extracted text) or a
//! `Skip` with the note saying why it is not cleaned (binary, a feed, XML). Cleaning and output
//! are the caller's; the encodings are `decode`'s.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use encoding_rs::{Encoding, UTF_8};

use crate::block::ReadError;
use crate::config::Settings;
use crate::decode::{self, Choice, DecodeReader, HEAD_LEN, Malformed, Sniffed, ValidateError};
use crate::error::Error;
use crate::files::{ChangedOnDisk, Stamp};
use crate::pipeline::StreamError;

/// The reader buffer: large enough that reading costs few system calls.
pub(crate) const READ_BUFFER: usize = 1 << 18;
/// The first read of a stream: most `--jsonl` records' texts are shorter.
const HEAD_RECORD: usize = 8 << 10;

/// An input to clean.
pub enum Source<'a> {
    /// A file on disk.
    File(&'a Path),
    /// The bytes of a file held elsewhere (its staged version in the index), named by its path.
    Staged(&'a Path, Vec<u8>),
    /// Standard input: read once, never skipped for holding NUL bytes.
    Stdin(Box<dyn Read + 'a>),
}

impl Source<'_> {
    /// The path that names the source in messages (`stdin` for standard input).
    pub fn path(&self) -> &Path {
        match self {
            Source::File(path) | Source::Staged(path, _) => path,
            Source::Stdin(_) => Path::new("stdin"),
        }
    }
}

/// A source opened for cleaning.
pub struct Document<'a> {
    /// The encoding it is read in, and why.
    pub choice: Choice,
    /// Its text as UTF-8, from after any byte-order mark; for an HTML page, the page's text.
    pub text: Box<dyn BufRead + 'a>,
    /// Where `text` starts in the input, for error offsets (0 for a page's text).
    pub offset: u64,
    /// True if it is an HTML page, cleaned as its extracted text.
    pub html: bool,
}

/// A source that is not cleaned, and why.
pub struct Skip<'a> {
    /// The note for the user.
    pub note: &'static str,
    /// For stdin, the whole input, unread: a filter passes on what it leaves alone.
    pub unread: Option<Box<dyn Read + 'a>>,
}

/// Opens `source`: decides its encoding from its first bytes (and whether it is text at all).
/// With `validate_first`, a file is read whole before anything is returned, so that a mode that
/// prints as it goes never prints half a file it then finds unreadable.
pub fn open<'a>(
    source: Source<'a>,
    settings: &Settings,
    validate_first: bool,
) -> Result<Result<Document<'a>, Skip<'a>>, Error> {
    let html = is_page(source.path(), settings);
    match source {
        Source::File(path) => {
            let file = File::open(path).map_err(|e| read_error(path, e))?;
            // The walk passed over symlinks: one here replaced the file since, and is not followed.
            if !settings.follow_symlinks && !Stamp::is_entry_of(&file, path).map_err(|e| read_error(path, e))? {
                return Err(read_error(path, io::Error::other(ChangedOnDisk)));
            }
            open_seekable(path, file, settings, validate_first, html)
        }
        Source::Staged(path, bytes) => open_seekable(path, Cursor::new(bytes), settings, validate_first, html),
        Source::Stdin(input) => open_stream(input, settings, html),
    }
}

/// `open` for any seekable source of the bytes of `path` (a file, or a staged version in memory).
fn open_seekable<'a, F: Read + Seek + 'a>(
    path: &Path,
    mut file: F,
    settings: &Settings,
    validate_first: bool,
    html: bool,
) -> Result<Result<Document<'a>, Skip<'a>>, Error> {
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
        Sniffed::Binary => return Ok(Err(Skip { note: "binary file skipped", unread: None })),
        Sniffed::Text(choice) => choice,
    };
    if let Some(kind) = markup_document(path, &head, choice.encoding) {
        return Ok(Err(Skip { note: kind.note(), unread: None }));
    }
    let offset = choice.bom_len as u64;
    // Modes that print as they go must not print half a file before finding it unreadable.
    if validate_first && !(choice.is_utf8() && utf8_valid) {
        // A small file is checked in the bytes already read, a larger one read again.
        let raw: Box<dyn BufRead + '_> = if whole {
            Box::new(&head[choice.bom_len..])
        } else {
            file.seek(SeekFrom::Start(offset)).map_err(read_err)?;
            Box::new(BufReader::with_capacity(READ_BUFFER, &mut file))
        };
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
    let text: Box<dyn BufRead + 'a> = if whole {
        // Small files (most articles) are read once: clean (or decode) the bytes already in memory.
        head.drain(..choice.bom_len);
        let raw = Cursor::new(head);
        if choice.is_utf8() { Box::new(raw) } else { Box::new(DecodeReader::new(raw, choice.encoding, offset)) }
    } else {
        file.seek(SeekFrom::Start(offset)).map_err(read_err)?;
        let raw = BufReader::with_capacity(READ_BUFFER, file);
        if choice.is_utf8() { Box::new(raw) } else { Box::new(DecodeReader::new(raw, choice.encoding, offset)) }
    };
    document(path, choice, text, html)
}

/// `open` for stdin: the encoding is chosen from the first `HEAD_LEN` bytes, and the input is read
/// once, as a stream.
fn open_stream<'a>(
    mut input: Box<dyn Read + 'a>,
    settings: &Settings,
    html: bool,
) -> Result<Result<Document<'a>, Skip<'a>>, Error> {
    let path = Path::new("stdin");
    // Room for a `--jsonl` record's text at once (it is opened here record by record); a stream's
    // head grows to `HEAD_LEN` from there.
    let mut head = Vec::with_capacity(HEAD_RECORD);
    (&mut input).take(HEAD_LEN as u64).read_to_end(&mut head).map_err(|e| read_error(path, e))?;
    // Checked with SIMD first: `--jsonl` opens each record's text so, which is mostly valid.
    let utf8_valid = simdutf8::basic::from_utf8(&head).is_ok()
        || match std::str::from_utf8(&head) {
            Ok(_) => true,
            // A character cut at the end of the head is not an error yet.
            Err(e) => e.error_len().is_none() && head.len() == HEAD_LEN,
        };
    let choice = match decode::choose(&head, utf8_valid, html, settings.forced) {
        Sniffed::Text(choice) => choice,
        // NUL bytes are valid UTF-8: a stream is cleaned whatever it holds, never skipped.
        Sniffed::Binary => Choice { encoding: UTF_8, bom_len: 0, reason: decode::Reason::Utf8 },
    };
    if let Some(kind) = crate::feed::sniff(&head, choice.encoding) {
        return Ok(Err(Skip { note: kind.note(), unread: Some(Box::new(Cursor::new(head).chain(input))) }));
    }
    let offset = choice.bom_len as u64;
    head.drain(..choice.bom_len);
    // A head shorter than `HEAD_LEN` is the whole input (a `--jsonl` record's text): a buffer that
    // holds it all, not one sized for a stream.
    let capacity = if head.len() < HEAD_LEN { (head.len() + 1).next_power_of_two() } else { READ_BUFFER };
    let raw = BufReader::with_capacity(capacity, Cursor::new(head).chain(input));
    let text: Box<dyn BufRead + 'a> =
        if choice.is_utf8() { Box::new(raw) } else { Box::new(DecodeReader::new(raw, choice.encoding, offset)) };
    document(path, choice, text, html)
}

/// What `open` makes of `Source::Stdin` over the bytes of `text`, without a reader, when it reads
/// them as UTF-8 as they are (most `--jsonl` records' texts): the text to clean, after any
/// byte-order mark, and where it starts; or the note of a feed, which is not cleaned. `None` when
/// `open` would decode the text or extract a page from it (the caller opens it then).
pub(crate) fn open_utf8_text<'t>(text: &'t str, settings: &Settings) -> Option<Result<(&'t str, u64), &'static str>> {
    if is_page(Path::new("stdin"), settings) {
        return None;
    }
    let bytes = text.as_bytes();
    let head = &bytes[..bytes.len().min(HEAD_LEN)];
    // A `&str` is valid UTF-8, as `open_stream` finds its head (a character cut at its end too).
    let Sniffed::Text(choice) = decode::choose(head, true, false, settings.forced) else { return None };
    if !choice.is_utf8() {
        return None;
    }
    if let Some(kind) = crate::feed::sniff(head, choice.encoding) {
        return Some(Err(kind.note()));
    }
    Some(Ok((&text[choice.bom_len..], choice.bom_len as u64)))
}

/// The opened document: a page's text is extracted (and starts at offset 0).
fn document<'a>(
    path: &Path,
    choice: Choice,
    text: Box<dyn BufRead + 'a>,
    html: bool,
) -> Result<Result<Document<'a>, Skip<'a>>, Error> {
    let (text, offset) = if html { (html_text(path, text)?, 0) } else { (text, choice.bom_len as u64) };
    Ok(Ok(Document { choice, text, offset, html }))
}

/// The kind of feed or XML document `path` is, by its extension or its first bytes `head`; no
/// mode cleans one as text.
pub(crate) fn markup_document(path: &Path, head: &[u8], encoding: &'static Encoding) -> Option<crate::feed::Kind> {
    crate::feed::from_path(path).or_else(|| crate::feed::sniff(head, encoding))
}

/// True if the file at `path` is read as an HTML page: by its extension, or by `--html`.
pub fn is_page(path: &Path, settings: &Settings) -> bool {
    settings.html || is_html_path(path)
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

/// Maps an I/O error from reading to the most precise error for `path`.
pub(crate) fn read_error(path: &Path, source: io::Error) -> Error {
    if let Some(m) = source.get_ref().and_then(|e| e.downcast_ref::<Malformed>()) {
        return Error::Decode { path: path.to_owned(), reason: m.to_string() };
    }
    Error::Read { path: path.to_owned(), source }
}

/// The most precise error for a stream of `path` that stopped.
pub(crate) fn stream_error(path: &Path, e: StreamError) -> Error {
    match e {
        StreamError::Read(ReadError::Io(source)) => read_error(path, source),
        StreamError::Read(ReadError::LineTooLong { line, limit }) => {
            Error::LineTooLong { path: path.to_owned(), line, limit }
        }
        StreamError::Read(ReadError::Utf8(e)) => {
            Error::InvalidUtf8 { path: path.to_owned(), line: e.line, offset: e.offset }
        }
        StreamError::Write(source) => Error::Output(source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `open` gives for `text` on stdin: the text it reads and where it starts, or its note.
    fn opened(text: &str, settings: &Settings) -> Result<(Vec<u8>, u64), &'static str> {
        match open(Source::Stdin(Box::new(text.as_bytes())), settings, false).unwrap() {
            Ok(Document { mut text, offset, .. }) => {
                let mut bytes = Vec::new();
                text.read_to_end(&mut bytes).unwrap();
                Ok((bytes, offset))
            }
            Err(skip) => Err(skip.note),
        }
    }

    #[test]
    fn utf8_text_opens_as_on_stdin() {
        let long = format!("{}é and more", "x".repeat(HEAD_LEN - 1));
        let texts = [
            "",
            "plain text\n\nsecond paragraph",
            "\u{feff}with a byte-order mark",
            "\u{feff}",
            "café “quotes” 😀",
            "<?xml version=\"1.0\"?><rss><channel></channel></rss>",
            "<rss version=\"2.0\"><channel><item><title>a</title></item></channel></rss>",
            long.as_str(),
        ];
        let forced = Settings { forced: Some(UTF_8), ..Settings::default() };
        for settings in [&Settings::default(), &forced] {
            for text in texts {
                let fast = open_utf8_text(text, settings).expect("read as UTF-8 as it is");
                let fast = fast.map(|(text, offset)| (text.as_bytes().to_vec(), offset));
                assert_eq!(fast, opened(text, settings), "{:?}", &text[..text.len().min(40)]);
            }
        }
    }

    #[test]
    fn other_texts_are_left_to_open() {
        // NUL bytes may be UTF-16 to the sniffer; a page is extracted; a forced encoding decodes.
        let html = Settings { html: true, ..Settings::default() };
        let cp1251 = Settings { forced: Some(encoding_rs::WINDOWS_1251), ..Settings::default() };
        assert!(open_utf8_text("a\0b\0c\0", &Settings::default()).is_none());
        assert!(open_utf8_text("<p>page</p>", &html).is_none());
        assert!(open_utf8_text("text", &cp1251).is_none());
    }
}
