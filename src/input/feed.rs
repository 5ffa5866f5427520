//! A feed cleaned item by item: each item's title and body (its HTML turned into text by the HTML
//! path) make one document, cleaned as a file would be and reported as `feed.xml#item-3`. A feed
//! is never changed in place: its cleaned items are written as JSON lines (`--out`, or stdout for
//! `--feed` on stdin).

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::config::{Format, Mode, Settings};
use crate::decode::{Choice, Reason};
use crate::error::Error;
use crate::feed::items::{self, Item};
use crate::output::diff::DiffSink;
use crate::output::github::GithubSink;
use crate::output::json::JsonSink;
use crate::pipeline::{Cleaner, NullSink, Outcome, Sink, StreamError, TextSink};

/// Where the items of a feed go.
pub enum Items<'a> {
    /// A diff per item (or with `--format json`/`github`, its record or annotations) to this writer.
    Report(&'a mut dyn Write),
    /// Each item's cleaned text as a JSON record, to this writer; nothing else.
    Records(&'a mut dyn Write),
    /// The names of the items that would change (`--check`).
    Names(&'a mut dyn Write),
}

/// One cleaned item as `--out` writes it.
#[derive(Serialize)]
struct Record<'a> {
    feed: &'a str,
    item: usize,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    text: &'a str,
}

/// Cleans the feed `bytes` (shown as `shown`) item by item into `items`: what the items' edits add
/// up to, and the encoding the feed was read in. The read error names `path`.
pub fn clean_feed(
    cleaner: &Cleaner,
    path: &Path,
    shown: &str,
    bytes: &[u8],
    settings: &Settings,
    mut to: Items<'_>,
) -> Result<(Outcome, Choice), Error> {
    let bad = |reason: String| Error::Feed { path: path.to_owned(), reason };
    let (text, encoding) = items::decode(bytes).map_err(|e| bad(e.to_string()))?;
    let list = items::read(&text).map_err(|e| bad(e.to_string()))?;
    let reason = if encoding == encoding_rs::UTF_8 { Reason::Utf8 } else { Reason::Declared };
    let choice = Choice { encoding, bom_len: 0, reason };
    let mut total = Outcome::default();
    let mut preamble = Some(format!(
        "# newsclean: {shown} is a feed; these diffs are of its items' text (never written back: write them as JSON lines with --out DIR)\n"
    ));
    for item in &list {
        let document = document(item);
        let name = format!("{shown}#item-{}", item.number);
        let mut cleaned = Vec::with_capacity(document.len());
        let outcome = {
            let text_sink = TextSink::new(&mut cleaned);
            let run = |sink: &mut dyn Sink| cleaner.clean_stream(document.as_bytes(), 0, &mut &mut *sink);
            let result = match &mut to {
                Items::Report(out) => match settings.format {
                    Format::Json => run(&mut (text_sink, JsonSink::new(&mut **out, &name, &choice))),
                    Format::Github => run(&mut (text_sink, GithubSink::new(&mut **out, &name))),
                    Format::Statistics => run(&mut (text_sink, NullSink)),
                    Format::Diff => {
                        let mut diff = DiffSink::new(&mut **out, Path::new(&name), false, settings.color)
                            .with_preamble(preamble.clone());
                        let result = run(&mut (text_sink, &mut diff));
                        if diff.wrote_any() {
                            preamble = None;
                        }
                        result
                    }
                },
                _ => run(&mut (text_sink, NullSink)),
            };
            // The document is in memory: only writing the report can fail.
            result.map_err(|e| match e {
                StreamError::Write(e) => Error::Output(e),
                StreamError::Read(e) => bad(format!("{e:?}")),
            })?
        };
        match &mut to {
            Items::Records(out) => {
                let text = String::from_utf8(cleaned).expect("cleaning keeps text UTF-8");
                let record = Record {
                    feed: shown,
                    item: item.number,
                    title: &item.title,
                    link: item.link.as_deref(),
                    id: item.id.as_deref(),
                    date: item.date.as_deref(),
                    text: &text,
                };
                let line = crate::output::json::record(&record);
                // Said as a failure of the output; `--out`'s caller names its file.
                out.write_all(line.as_bytes()).map_err(Error::Output)?;
            }
            Items::Names(out) if outcome.changed => writeln!(out, "{name}").map_err(Error::Output)?,
            _ => {}
        }
        total.absorb(outcome);
    }
    Ok((total, choice))
}

/// An item as one document: its title, a blank line, its body as text.
fn document(item: &Item) -> String {
    let body = if item.body.contains('<') || item.body.contains('&') {
        let mut text = Vec::new();
        match crate::html::extract_text(item.body.as_bytes(), &mut text) {
            Ok(()) => String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            Err(_) => item.body.clone(),
        }
    } else {
        item.body.trim().to_owned() + "\n"
    };
    let title = item.title.split_whitespace().collect::<Vec<_>>().join(" ");
    match (title.is_empty(), body.trim().is_empty()) {
        (true, _) => body,
        (false, true) => format!("{title}\n"),
        (false, false) => format!("{title}\n\n{body}"),
    }
}

/// What a run does with a feed in `mode`: cleaned item by item, or passed over (in-place modes).
pub fn reads_items(mode: &Mode) -> bool {
    matches!(mode, Mode::Diff | Mode::Print | Mode::Out(_))
}
