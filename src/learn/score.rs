//! Judging candidates: is a key repeated across a group's documents residue or a repeated fact?
//! Residue sits near a document's head or tail, is short, addresses the reader (`Share this
//! story`, `Sign up`, a site's address) or comes in a block of such lines; a repeated fact is a
//! sentence of running text in the body, often reported speech. Candidates longer than a
//! paragraph are never proposed. The verdicts are per key; what they remove per document is
//! measured afterwards (`mod.rs`).

use std::collections::HashMap;

use super::mine::{Kind, MAX_AFFIX};
use super::table::{Stats, Table};
use crate::rules::text::MAX_RESIDUE_LINE;

/// A block of repeated lines longer than this (lines or bytes) is more than a paragraph.
pub const MAX_RUN_LINES: usize = 10;
/// See `MAX_RUN_LINES`.
pub const MAX_RUN_BYTES: usize = 1000;
/// Share of its documents in which a key must sit in the head or tail zone to count as placed there.
const EDGE: f64 = 0.9;
/// A sentence at the documents' edge (without addressing the reader) is the site's own when it is
/// in at least this share of them.
const SITE_SENTENCE: f64 = 0.5;
/// A pair of lines is a block when it occurs in this share of the documents of its rarer line.
const RUN: f64 = 0.8;

/// How an accepted candidate becomes a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    /// Whole lines (one, or a block of lines that come together): `own-line`, `head` or `tail`
    /// literals; the place is chosen after measuring.
    Lines,
    /// A label and a short rest on a line of its own (`MORE FROM THE BUGLE: <headline>`):
    /// an `own-line` regex, the label then at most `max_rest` characters.
    Label {
        /// The longest rest allowed.
        max_rest: usize,
    },
    /// A label glued to running text: removed from the line's start, the text stays.
    GluedPrefix,
    /// A trailer glued to the last sentence of a line: removed from the line's end.
    GluedSuffix,
}

/// A candidate accepted as residue.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// Its keys (several for a block of lines).
    pub keys: Vec<u64>,
    /// Their texts, in the order the lines come.
    pub texts: Vec<String>,
    /// A whole line holding it (prefixes and suffixes).
    pub line: Option<String>,
    /// How it becomes a rule.
    pub form: Form,
    /// Documents holding it (for a block, its rarest line).
    pub docs: u32,
    /// The counts of its first key.
    pub stats: Stats,
    /// Why it was taken, for the description.
    pub why: &'static str,
}

/// A candidate frequent enough to be judged but not proposed, and why.
#[derive(Clone, Debug)]
pub struct Refused {
    /// Its text.
    pub text: String,
    /// Documents holding it.
    pub docs: u32,
    /// Why not.
    pub reason: &'static str,
}

/// The thresholds of a run.
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    /// A key must be in at least this many documents of its group...
    pub min_docs: u32,
    /// ...and in at least this share of them.
    pub min_share: f64,
}

/// True for reported speech: quotation marks, or a verb of saying.
pub fn is_speech(text: &str) -> bool {
    const VERBS: &[&str] = &["said", "says", "told", "tells", "according", "added", "stated", "insisted"];
    text.contains(['“', '”', '"', '«', '»', '„'])
        || text.split(|c: char| !c.is_alphanumeric()).any(|w| VERBS.contains(&w.to_lowercase().as_str()))
}

/// True if the text addresses the reader or points at the site rather than telling news: `you`,
/// `subscribe`, `newsletter`, `share`, `follow`, `click`, a web address, `©`.
pub fn addresses_reader(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "you",
        "your",
        "yours",
        "subscribe",
        "subscribed",
        "subscription",
        "newsletter",
        "newsletters",
        "sign",
        "click",
        "tap",
        "follow",
        "share",
        "download",
        "app",
        "advertisement",
        "advertising",
        "sponsored",
        "related",
        "comments",
        "comment",
        "cookie",
        "cookies",
        "copyright",
        "rights",
        "reserved",
        "login",
        "register",
        "email",
        "inbox",
        "visit",
        "watch",
        "subscribers",
        "podcast",
        "premium",
        "unlimited",
        "offer",
    ];
    // Other languages' words for the same (German's formal `Sie`/`Ihnen` is capitalised inside a
    // sentence, where `sie`, they, is not: seen in Tagesspiegel's app and newsletter boxes).
    const FORMAL: &[&str] = &["Ihnen", "Ihr", "Ihre", "Ihren", "Ihrem", "Ihrer", "Sie"];
    const OTHER: &[&str] = &[
        "abonnieren",
        "anmeldung",
        "newsletter",
        "vous",
        "votre",
        "abonnez",
        "inscrivez",
        "suscríbete",
        "suscribirse",
        "подпишитесь",
        "подписывайтесь",
        "читайте",
    ];
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    if words.iter().skip(1).any(|w| FORMAL.contains(w)) {
        return true;
    }
    let lower = text.to_lowercase();
    if lower.split(|c: char| !c.is_alphanumeric()).any(|w| OTHER.contains(&w)) {
        return true;
    }
    lower.contains("www.")
        || lower.contains("http")
        || [".com", ".org", ".net", ".co.uk", ".de", ".ru"].iter().any(|d| lower.contains(d))
        || text.contains(['©', '@'])
        || lower.split(|c: char| !c.is_alphanumeric()).any(|w| WORDS.contains(&w))
}

/// True for a sentence of running text: five words or more, ending with `.`, `!` or `?`.
pub fn is_sentence(text: &str) -> bool {
    let t = text.trim_end_matches(['"', '”', '’', ')', ' ']);
    t.ends_with(['.', '!', '?', '。']) && text.split_whitespace().count() >= 5
}

fn letters(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphabetic()).count()
}

/// The accepted candidates of one group of `docs` documents, and the refused ones (most frequent first).
pub fn judge(table: &Table, docs: u32, t: Thresholds) -> (Vec<Candidate>, Vec<Refused>) {
    let frequent = |s: &Stats| s.docs >= t.min_docs && f64::from(s.docs) >= t.min_share * f64::from(docs);
    let edge = |s: &Stats| f64::from(s.head.max(s.tail)) >= EDGE * f64::from(s.docs);
    // Lines that come with a neighbour in most of their documents: blocks such as a newsletter box.
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for s in table.map.values().filter(|s| s.kind == Kind::Pair && frequent(s)) {
        let Some((a, b)) = s.pair else { continue };
        let (Some(sa), Some(sb)) = (table.map.get(&a), table.map.get(&b)) else { continue };
        if a != b && f64::from(s.docs) >= RUN * f64::from(sa.docs.min(sb.docs)) {
            runs.push((a, b));
        }
    }
    let in_run: std::collections::HashSet<u64> = runs.iter().flat_map(|&(a, b)| [a, b]).collect();
    let mut accepted_lines: Vec<u64> = Vec::new();
    let mut candidates = Vec::new();
    let mut refused = Vec::new();
    let mut keys: Vec<(&u64, &Stats)> = table.map.iter().filter(|(_, s)| s.kind != Kind::Pair && frequent(s)).collect();
    // Most frequent first, then by text: the output is the same from run to run.
    keys.sort_by(|a, b| b.1.docs.cmp(&a.1.docs).then(a.1.text.cmp(&b.1.text)));
    for (&k, s) in keys {
        let Some(text) = s.text.as_deref() else { continue };
        let refuse = |reason| Refused { text: text.to_owned(), docs: s.docs, reason };
        if letters(text) < 2 {
            continue; // a separator (`***`) is layout, not residue
        }
        if is_speech(text) {
            refused.push(refuse("reported speech or a quotation"));
            continue;
        }
        let address = addresses_reader(text);
        let sentence = is_sentence(text);
        let verdict: Result<(Form, &'static str), &'static str> = match s.kind {
            Kind::Line if text.len() > MAX_RESIDUE_LINE => Err("longer than a residue line"),
            // `What happened?`, `What happens next?`: a column's subheadings, part of its stories.
            Kind::Line if text.ends_with('?') && !address => Err("a question, as subheadings are"),
            Kind::Line => {
                let run = in_run.contains(&k);
                match (edge(s), sentence) {
                    (true, false) => Ok((Form::Lines, "at the document's edge")),
                    (_, true) if address && (edge(s) || run) => Ok((Form::Lines, "addresses the reader")),
                    // A sentence closing half of a site's stories is the site's, not a story's.
                    (true, true) if f64::from(s.docs) >= SITE_SENTENCE * f64::from(docs) => {
                        Ok((Form::Lines, "the same sentence at the edge of most documents"))
                    }
                    (false, false) if address || run => Ok((Form::Lines, "in the body, addressing the reader")),
                    (_, true) => Err("a sentence of the body"),
                    (false, false) => Err("in the body, and not addressing the reader"),
                }
            }
            Kind::Prefix => {
                let label_like = text.split_whitespace().count() <= 8 && !sentence;
                let short_rest = f64::from(s.short_rest) >= EDGE * f64::from(s.docs);
                match (label_like, short_rest) {
                    (false, _) => Err("not a label"),
                    (true, true) => Ok((Form::Label { max_rest: 150 }, "a label before a headline or a date")),
                    (true, false) if address && s.glued * 2 >= s.docs => {
                        Ok((Form::GluedPrefix, "a label glued to the text"))
                    }
                    _ => Err("a label inside the body"),
                }
            }
            Kind::Suffix if text.len() > MAX_AFFIX => Err("longer than a trailer"),
            Kind::Suffix => match (address, f64::from(s.tail) >= EDGE * f64::from(s.docs)) {
                (true, true) => Ok((Form::GluedSuffix, "a trailer glued to the last sentence")),
                (true, false) => Err("glued to sentences inside the body"),
                (false, _) => Err("a sentence of the body"),
            },
            Kind::Pair => unreachable!("pairs are filtered out above"),
        };
        match verdict {
            Ok((form, why)) => {
                if form == Form::Lines {
                    accepted_lines.push(k);
                }
                candidates.push(Candidate {
                    keys: vec![k],
                    texts: vec![text.to_owned()],
                    line: s.line.as_deref().map(str::to_owned),
                    form,
                    docs: s.docs,
                    stats: s.clone(),
                    why,
                })
            }
            Err(reason) => refused.push(refuse(reason)),
        }
    }
    // A line that comes with a repeated sentence of the body is in copies of one story (datasets
    // hold the same article several times), not repeated across unrelated stories: not proposed.
    let body_sentences: std::collections::HashSet<u64> = table
        .map
        .iter()
        .filter(|(_, s)| s.kind == Kind::Line && frequent(s))
        .filter(|(_, s)| s.text.as_deref().is_some_and(|t| is_sentence(t) && !addresses_reader(t)))
        .map(|(&k, _)| k)
        .collect();
    let copies: std::collections::HashSet<u64> = runs
        .iter()
        .flat_map(|&(a, b)| [(a, b), (b, a)])
        .filter(|(_, other)| body_sentences.contains(other))
        .map(|(k, _)| k)
        .collect();
    candidates.retain(|c| {
        let copy = c.form == Form::Lines && copies.contains(&c.keys[0]);
        if copy {
            refused.push(Refused {
                text: c.texts[0].clone(),
                docs: c.docs,
                reason: "only in copies of the same story",
            });
        }
        !copy
    });
    // A label whose line is always the same is no label: the line's own rule covers it.
    let lines: Vec<(String, u32)> =
        candidates.iter().filter(|c| c.form == Form::Lines).map(|c| (c.texts[0].clone(), c.docs)).collect();
    candidates.retain(|c| {
        let label = matches!(c.form, Form::Label { .. } | Form::GluedPrefix);
        let whole =
            lines.iter().any(|(t, d)| t.starts_with(c.texts[0].as_str()) && f64::from(*d) >= EDGE * f64::from(c.docs));
        if label && whole {
            refused.push(Refused {
                text: c.texts[0].clone(),
                docs: c.docs,
                reason: "always the start of the same line",
            });
        }
        !(label && whole)
    });
    let mut candidates = join_runs(table, candidates, &runs, &mut refused);
    // Whole lines first, then labels, then what is cut from inside lines.
    candidates.sort_by_key(|c| match c.form {
        Form::Lines => 0,
        Form::Label { .. } => 1,
        Form::GluedPrefix | Form::GluedSuffix => 2,
    });
    (candidates, refused)
}

/// Joins accepted lines that come together (a block) into one candidate, in their order; a block
/// longer than a paragraph is refused whole.
fn join_runs(
    table: &Table,
    candidates: Vec<Candidate>,
    runs: &[(u64, u64)],
    refused: &mut Vec<Refused>,
) -> Vec<Candidate> {
    let line_at: HashMap<u64, usize> =
        candidates.iter().enumerate().filter(|(_, c)| c.form == Form::Lines).map(|(i, c)| (c.keys[0], i)).collect();
    let mut next: HashMap<u64, u64> = HashMap::new();
    let mut has_prev: std::collections::HashSet<u64> = std::collections::HashSet::new();
    for &(a, b) in runs {
        if line_at.contains_key(&a) && line_at.contains_key(&b) && !next.contains_key(&a) && !has_prev.contains(&b) {
            next.insert(a, b);
            has_prev.insert(b);
        }
    }
    let mut taken = vec![false; candidates.len()];
    let mut out = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        if taken[i] {
            continue;
        }
        if c.form != Form::Lines || has_prev.contains(&c.keys[0]) {
            if c.form != Form::Lines {
                taken[i] = true;
                out.push(c.clone());
            }
            continue;
        }
        // The start of a chain (or a line alone).
        let mut chain = vec![i];
        let mut k = c.keys[0];
        while let Some(&n) = next.get(&k) {
            if chain.iter().any(|&j| candidates[j].keys[0] == n) {
                break; // a cycle: a line repeated within the block
            }
            chain.push(line_at[&n]);
            k = n;
        }
        for &j in &chain {
            taken[j] = true;
        }
        let bytes: usize = chain.iter().map(|&j| candidates[j].texts[0].len() + 1).sum();
        if chain.len() > MAX_RUN_LINES || bytes > MAX_RUN_BYTES {
            refused.push(Refused {
                text: candidates[i].texts[0].clone(),
                docs: candidates[i].docs,
                reason: "a block of repeated lines longer than a paragraph",
            });
            continue;
        }
        let mut joined = candidates[chain[0]].clone();
        for &j in &chain[1..] {
            joined.keys.push(candidates[j].keys[0]);
            joined.texts.push(candidates[j].texts[0].clone());
            joined.docs = joined.docs.min(candidates[j].docs);
        }
        if chain.len() > 1 {
            joined.why = "a block of lines that come together";
        }
        out.push(joined);
    }
    // Lines only reachable inside a cycle.
    for (i, c) in candidates.iter().enumerate() {
        if !taken[i] && table.map.contains_key(&c.keys[0]) {
            out.push(c.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speech_and_reader_address_are_told_apart() {
        assert!(is_speech("“We are committed to safety,” a spokesperson said."));
        assert!(!is_speech("Share this story with your friends!"));
        assert!(addresses_reader("Share this story with your friends!"));
        assert!(addresses_reader("For more news visit bugle.example.com"));
        assert!(!addresses_reader("Anyone with information is asked to contact police on 101."));
        assert!(is_sentence("Anyone with information is asked to contact police."));
        assert!(!is_sentence("The Daily Bugle"));
    }
}
