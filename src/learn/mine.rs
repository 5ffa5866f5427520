//! One document's candidates: its cleaned lines as they come out of the pipeline (a `Sink`), cut
//! into the keys `learn` counts (whole lines, pairs of adjacent lines, label prefixes, glued
//! suffixes), each hashed to 64 bits with where in the document it sat. Counting them across a
//! group is `table`'s job; judging them is `score`'s.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io;

use crate::pipeline::{Processed, Sink};
use crate::rules::text::MAX_RESIDUE_LINE;

/// Lines this close to a document's start count as its head (as `where = "head"` does).
pub const HEAD_ZONE: u32 = crate::stage::HEAD_LINES as u32;
/// Lines this close to a document's end count as its tail.
pub const TAIL_ZONE: u32 = 5;
/// A document contributes at most this many distinct keys, and this many hits (a 1 GiB single
/// document is one document, bounded like any other: past the cap, its later lines add nothing).
const MAX_DOC_KEYS: usize = 4096;
/// A suffix glued to a sentence is at most this long (a trailer, not a paragraph).
pub const MAX_AFFIX: usize = 200;
/// A label prefix ends within this many bytes of the line's start.
const MAX_LABEL: usize = 100;
/// Body lines kept per document as samples for keep-examples.
const SAMPLES: usize = 2;

/// What a key stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A whole line.
    Line,
    /// Two adjacent text lines (evidence for a block of lines).
    Pair,
    /// The start of a line up to a label's separator (`MORE FROM THE BUGLE:`).
    Prefix,
    /// The end of a line from a sentence start or glue point (`…the city. Share this story!`).
    Suffix,
}

/// The 64-bit key of `text` as a `kind`.
pub fn key(kind: Kind, text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    kind.hash(&mut h);
    text.hash(&mut h);
    h.finish()
}

fn pair_key(a: u64, b: u64) -> u64 {
    let mut h = DefaultHasher::new();
    Kind::Pair.hash(&mut h);
    (a, b).hash(&mut h);
    h.finish()
}

/// One key found in a document.
#[derive(Clone, Debug)]
pub struct Found {
    /// What it stands for.
    pub kind: Kind,
    /// Its text (empty for pairs).
    pub text: String,
    /// First and last text-line index where it occurs.
    pub first: u32,
    /// Last text-line index where it occurs.
    pub last: u32,
    /// Bytes a rule for it would remove from the line (the line and its terminator for a line).
    pub bytes: u32,
    /// For a prefix: the rest of the line is short and not running text (a headline, a date).
    pub short_rest: bool,
    /// For a prefix or a suffix: it was glued without a space.
    pub glued: bool,
    /// For a pair: the keys of its two lines.
    pub pair: Option<(u64, u64)>,
    /// For a prefix or a suffix: the whole line it was found in (an example for its rule).
    pub line: String,
}

/// One document's keys, for the counting table and the spill.
#[derive(Debug, Default)]
pub struct DocSummary {
    /// Key → what was found.
    pub keys: HashMap<u64, Found>,
    /// Per key, the text-line indexes it removes bytes from (not pairs), for the share removed.
    pub hits: Vec<(u32, u64, u32)>,
    /// Text lines in the document (after cleaning).
    pub lines: u32,
    /// Characters of text (bytes, with terminators) after cleaning.
    pub bytes: u64,
    /// A few body lines, for keep-examples.
    pub samples: Vec<String>,
}

/// A `Sink` that cuts the cleaned text of one document into keys.
#[derive(Default)]
pub struct Miner {
    doc: DocSummary,
    prev_line: Option<u64>,
}

impl Miner {
    /// The document's summary.
    pub fn finish_doc(self) -> DocSummary {
        self.doc
    }

    fn add(&mut self, kind: Kind, text: &str, index: u32, bytes: u32, found: impl FnOnce(&mut Found)) -> u64 {
        let k = match kind {
            Kind::Pair => unreachable!("pairs are added by add_pair"),
            _ => key(kind, text),
        };
        if self.doc.hits.len() >= 4 * MAX_DOC_KEYS {
            return k;
        }
        if let Some(f) = self.doc.keys.get_mut(&k) {
            f.last = index;
            found(f);
        } else if self.doc.keys.len() < MAX_DOC_KEYS {
            let mut f = Found {
                kind,
                text: text.to_owned(),
                first: index,
                last: index,
                bytes,
                short_rest: false,
                glued: false,
                pair: None,
                line: String::new(),
            };
            found(&mut f);
            self.doc.keys.insert(k, f);
        } else {
            return k;
        }
        self.doc.hits.push((index, k, bytes));
        k
    }

    fn line(&mut self, text: &str) {
        let line = text.trim();
        if line.is_empty() {
            return;
        }
        let index = self.doc.lines;
        self.doc.lines += 1;
        self.doc.bytes += text.len() as u64 + 1;
        if line.len() > MAX_RESIDUE_LINE {
            self.prev_line = None;
            self.affixes(line, index);
            self.sample(line, index);
            return;
        }
        let this = self.add(Kind::Line, line, index, text.len() as u32 + 1, |_| {});
        if let Some(prev) = self.prev_line.filter(|_| self.doc.keys.len() < MAX_DOC_KEYS) {
            let k = pair_key(prev, this);
            let f = self.doc.keys.entry(k).or_insert(Found {
                kind: Kind::Pair,
                text: String::new(),
                first: index,
                last: index,
                bytes: 0,
                short_rest: false,
                glued: false,
                pair: Some((prev, this)),
                line: String::new(),
            });
            f.last = index;
        }
        self.prev_line = Some(this);
        self.affixes(line, index);
        self.sample(line, index);
    }

    fn affixes(&mut self, line: &str, index: u32) {
        if let Some((at, glued)) = label_end(line) {
            let label = line[..at].trim_end();
            let rest = line[at..].trim();
            if label.len() >= 3 && !rest.is_empty() {
                let short = rest.len() <= 150 && sentence_starts(rest).is_empty() && !rest.ends_with(['.', '!', '?']);
                self.add(Kind::Prefix, label, index, at as u32, |f| {
                    f.short_rest |= short;
                    f.glued |= glued;
                    if f.line.is_empty() {
                        f.line = line.to_owned();
                    }
                });
            }
        }
        for (at, glued) in sentence_starts(line).into_iter().rev().take(2) {
            let suffix = &line[at..];
            if suffix.len() < 8 || suffix.len() > MAX_AFFIX || line[..at].trim().len() < 20 {
                continue;
            }
            let bytes = (line.len() - line[..at].trim_end().len()) as u32;
            self.add(Kind::Suffix, suffix, index, bytes, |f| {
                f.glued |= glued;
                if f.line.is_empty() {
                    f.line = line.to_owned();
                }
            });
        }
    }

    fn sample(&mut self, line: &str, index: u32) {
        if self.doc.samples.len() < SAMPLES
            && index >= 2
            && (60..=220).contains(&line.len())
            && line.ends_with('.')
            && !line.contains(['"', '“', '”'])
        {
            self.doc.samples.push(line.to_owned());
        }
    }
}

impl Sink for Miner {
    fn block(&mut self, block: &Processed) -> io::Result<()> {
        for line in block.new_lines() {
            if line.is_blank() {
                continue;
            }
            self.line(&line.text);
        }
        Ok(())
    }
}

/// Where a label at a line's start ends (after `: ` or ` | `, within `MAX_LABEL` bytes), and
/// whether it was glued to what follows without a space.
fn label_end(line: &str) -> Option<(usize, bool)> {
    let window = &line[..floor(line, MAX_LABEL.min(line.len()))];
    // `:`, `|`, or a dash between spaces (`Related coverage – <headline>`), whichever comes first.
    let mark = window.find([':', '|', '：']).map(|at| (at, window[at..].chars().next().expect("found").len_utf8()));
    let dash = [" – ", " — ", " - "].iter().filter_map(|d| window.find(d).map(|at| (at + 1, d.len() - 2))).min();
    let (colon, sep) = match (mark, dash) {
        (Some(m), Some(d)) => m.min(d),
        (m, d) => m.or(d)?,
    };
    let after = colon + sep;
    let rest = &line[after..];
    // `12:30`, `http://`: not a label.
    if rest.starts_with(|c: char| c.is_ascii_digit() || c == '/') {
        return None;
    }
    let glued = !rest.starts_with(char::is_whitespace);
    let spaces = rest.len() - rest.trim_start().len();
    Some((after + spaces, glued))
}

fn floor(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Byte offsets where a new sentence starts inside `line` (not at 0), with whether it is glued to
/// the text before without a space (`cityShare this`, `city.Share this`).
pub fn sentence_starts(line: &str) -> Vec<(usize, bool)> {
    let mut starts = Vec::new();
    let mut prev: Option<char> = None;
    let mut prev2: Option<char> = None;
    let mut space_run = false;
    let mut before_space: Option<char> = None;
    for (at, c) in line.char_indices() {
        if c.is_whitespace() {
            if !space_run {
                before_space = prev;
            }
            space_run = true;
        } else {
            if at > 0 && c.is_uppercase() {
                if space_run {
                    if before_space.is_some_and(|b| matches!(b, '.' | '!' | '?' | '…' | '”' | '"' | ')' | '»')) {
                        starts.push((at, false));
                    }
                } else if prev.is_some_and(|p| matches!(p, '.' | '!' | '?')) && prev2.is_some_and(char::is_lowercase)
                    || prev.is_some_and(char::is_lowercase) && prev2.is_some_and(char::is_lowercase)
                {
                    let next_lower = line[at + c.len_utf8()..].chars().next().is_some_and(char::is_lowercase);
                    if next_lower {
                        starts.push((at, true));
                    }
                }
            }
            space_run = false;
            prev2 = prev;
            prev = Some(c);
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_starts_find_spaced_and_glued_starts() {
        let line = "The mayor spoke. Share this story!";
        assert_eq!(sentence_starts(line), vec![(17, false)]);
        let line = "The mayor spoke at the cityShare this story!";
        assert_eq!(sentence_starts(line), vec![(27, true)]);
        // A name with a capital inside is not a glue point; an abbreviation's full stop is a
        // (harmless) sentence end: such a suffix is never frequent.
        assert!(sentence_starts("He met McDonald in London").is_empty());
        assert_eq!(sentence_starts("Mr. Smith met him"), vec![(4, false)]);
    }

    #[test]
    fn labels_end_after_their_separator_but_not_in_a_time() {
        assert_eq!(label_end("MORE FROM THE BUGLE: Talks fail"), Some((21, false)));
        assert_eq!(label_end("At 12:30 the bell rang"), None);
    }
}
