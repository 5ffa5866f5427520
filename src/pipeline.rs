//! The order of the cleaning stages, and the streaming loop that runs them over blocks: each stage
//! sees one block plus a bounded window around it (see `stage`), and sinks (text, diff, counts)
//! receive each processed block once, in order.

use std::collections::{BTreeMap, VecDeque};
use std::io::{self, BufRead};

use crate::block::{Block, BlockReader, Line, ReadError, Spare};
use crate::edit::{EditKind, RuleId};
use crate::rules::RuleSet;
use crate::rules::engine::{Engine, LinePrefilter};
pub use crate::stage::Processed;
use crate::stage::{Context, Marks, Policy, Screen, Stage, WorkBlock};
use crate::stages::chrome::{self, Chrome};
use crate::stages::mojibake::Mojibake;
use crate::stages::normalize::Normalize;
use crate::stages::normalize::damage::{Damage, LineBreaks};
use crate::stages::normalize::markup::Markup;
use crate::stages::punct::Punctuation;
use crate::stages::residue::Residue;
use crate::stages::widgets;

/// How many more times at most stages go over a block where a removal gave a line a new edge.
const MAX_ROUNDS: usize = 3;

/// How many blocks of tail residue the engine reads ahead to find a document's last block.
const TAIL_LOOKAHEAD: usize = 8;
/// The page-chrome classifier looks at this many bytes of text at a time (the whole of any news
/// article, or any page of `../shared/realdev`; a longer input is classified window by window).
/// The lines read ahead for it are still in the core's cache when the stages reach them: at 512
/// KiB (the size of this machine's L2 cache) they no longer were.
const CHROME_WINDOW: usize = 128 * 1024;

/// Receives processed blocks in document order.
pub trait Sink {
    /// Called once per block, in order.
    fn block(&mut self, block: &Processed) -> io::Result<()>;
    /// Called once after the last block.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Called (before `finish`) when the input is a page of furniture only, left as it was.
    fn furniture_only(&mut self) {}
}

impl<A: Sink, B: Sink> Sink for (A, B) {
    fn block(&mut self, block: &Processed) -> io::Result<()> {
        self.0.block(block)?;
        self.1.block(block)
    }
    fn furniture_only(&mut self) {
        self.0.furniture_only();
        self.1.furniture_only();
    }
    fn finish(&mut self) -> io::Result<()> {
        self.0.finish()?;
        self.1.finish()
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn block(&mut self, block: &Processed) -> io::Result<()> {
        (**self).block(block)
    }
    fn finish(&mut self) -> io::Result<()> {
        (**self).finish()
    }
    fn furniture_only(&mut self) {
        (**self).furniture_only();
    }
}

/// Counts of edits per rule over one input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// How many edits each rule made.
    pub by_rule: BTreeMap<RuleId, usize>,
    /// True if the output differs from the input.
    pub changed: bool,
    /// True if the input is a page of furniture only (a home page, an index of headlines), which
    /// the page-chrome rules left as it was for its user to look at.
    pub furniture_only: bool,
}

impl Outcome {
    /// Total number of edits.
    pub fn edits(&self) -> usize {
        self.by_rule.values().sum()
    }

    /// Adds `other`'s counts and flags to these (one outcome for several documents).
    pub fn absorb(&mut self, other: Outcome) {
        self.changed |= other.changed;
        self.furniture_only |= other.furniture_only;
        for (rule, n) in other.by_rule {
            *self.by_rule.entry(rule).or_default() += n;
        }
    }
}

/// Why cleaning a stream stopped.
#[derive(Debug)]
pub enum StreamError {
    /// Reading or decoding the input failed.
    Read(ReadError),
    /// A sink failed to write.
    Write(io::Error),
}

/// The ordered stages; the order is set here and nowhere else.
pub struct Cleaner {
    stages: Vec<Box<dyn Stage>>,
    /// The longest line read (`block::DEFAULT_MAX_LINE` unless set).
    max_line: usize,
    policy: Policy,
    descriptions: BTreeMap<String, String>,
    /// The page-chrome classifier, when any `chrome.*` rule is on.
    chrome: Option<chrome::Classifier>,
    /// The search the rule engine and the widgets share (see `LinePrefilter`).
    prefilter: Option<LinePrefilter>,
}

impl Default for Cleaner {
    fn default() -> Self {
        Cleaner::new()
    }
}

impl Cleaner {
    /// The built-in pipeline with the built-in rules as shipped.
    pub fn new() -> Self {
        Cleaner::with_rules(&RuleSet::builtin(), &[])
    }

    /// The pipeline with the enabled rules of `rules`, never touching the `protect` phrases:
    /// normalize, markup, mojibake, residue (rules written in Rust), the data rules (built-in
    /// residue and translation rules, then the user's), text damage, punctuation.
    pub fn with_rules(rules: &RuleSet, protect: &[String]) -> Self {
        let disabled = rules.disabled().map(|r| RuleId::owned(r.id.clone())).collect();
        let engine = Engine::new(rules.enabled());
        let prefilter = engine.prefilter_with(&widgets::CUE_WORDS);
        Cleaner {
            stages: vec![
                Box::new(Normalize),
                Box::new(Markup),
                // Before the residue rules: a line break written out as `\n` runs two sentences
                // together, and what follows it (`READ MORE: …`) is then inside a line.
                Box::new(LineBreaks),
                Box::new(Mojibake),
                Box::new(Residue::new()),
                Box::new(engine),
                // After the residue rules, which name what they know more precisely.
                Box::new(Chrome),
                // After residue: a headline glued to the next sentence (`deal withThe ministry`) is
                // the residue rules' evidence of where the headline ends.
                Box::new(Damage),
                Box::new(Punctuation),
            ],
            max_line: crate::block::DEFAULT_MAX_LINE,
            policy: Policy::new(disabled, protect),
            descriptions: rules.all().map(|r| (r.id.clone(), r.description.clone())).collect(),
            chrome: rules.enabled().any(|r| r.id.starts_with("chrome.")).then(chrome::Classifier::new),
            prefilter,
        }
    }

    /// What is wrong with `rule`'s examples under this cleaner, one message per failure: an example
    /// that does not come out as written or that the rule does not change, a replacement that
    /// re-creates its own match (a second run changes the example again), a keep-text the rule
    /// changes. Empty when every example holds.
    pub fn example_failures(&self, rule: &crate::rules::RuleSpec) -> Vec<String> {
        let fired = |outcome: &Outcome| outcome.by_rule.keys().any(|k| k.as_str() == rule.id);
        let mut failures = Vec::new();
        for (k, example) in rule.examples.iter().enumerate() {
            let (once, outcome) = self.clean_str(&example.input);
            let (twice, again) = self.clean_str(&once);
            if !fired(&outcome) {
                failures.push(format!("example {} does not change with this rule: {:?}", k + 1, example.input));
            } else if fired(&again) {
                failures.push(format!(
                    "its replacement re-creates its match: a second run over example {} gives {twice:?}",
                    k + 1
                ));
            } else if once != example.output {
                failures.push(format!("example {} gives {once:?}, not {:?}", k + 1, example.output));
            }
        }
        for keep in &rule.keep {
            if fired(&self.clean_str(keep).1) {
                failures.push(format!("changes its keep-example {keep:?}"));
            }
        }
        failures
    }

    /// Refuses inputs holding a line longer than `bytes` (an error for that input, read no further).
    pub fn with_max_line(mut self, bytes: usize) -> Self {
        self.max_line = bytes;
        self
    }

    /// The one-line description of each of its rules (built-in and the user's), by id.
    pub fn descriptions(&self) -> &BTreeMap<String, String> {
        &self.descriptions
    }

    fn process(&self, block: Block, ctx: &Context<'_>, strip_leading_blanks: Option<&RuleId>) -> Processed {
        let mut work = WorkBlock::new(block, &self.policy);
        let mut edits = Vec::new();
        // A removal that gives a line a new start or end can bare what an earlier stage looks for
        // there (`READ MORE: <headline>` glued before `Also on rt.com <headline>`, which the
        // residue stage, before the rule engine, found no trace of; a stray `<` before a bracketed
        // link the engine cuts): the stages before the one that removed it and that read line
        // edges go over the block again, and all stages if that changes it, so that a second run
        // has nothing left to do.
        let (mut upto, mut all) = (self.stages.len(), true);
        for round in 0..=MAX_ROUNDS {
            let before = edits.len();
            let mut bared = 0;
            for (k, stage) in self.stages[..upto].iter().enumerate() {
                if !all && !stage.reads_line_edges() {
                    continue;
                }
                stage.apply(&mut work, ctx, &mut edits);
                if work.take_new_line_edge() {
                    bared = k;
                }
            }
            all = round > 0 && edits.len() > before;
            upto = if all { self.stages.len() } else { bared };
            if upto == 0 {
                break;
            }
        }
        work.finish(edits, strip_leading_blanks)
    }

    /// Cleans a whole stream of UTF-8 text (without BOM; `offset` is where it starts in the input)
    /// and hands every block to `sink`. Memory stays bounded by a few blocks.
    pub fn clean_stream<R: BufRead, S: Sink>(
        &self,
        input: R,
        offset: u64,
        sink: &mut S,
    ) -> Result<Outcome, StreamError> {
        self.clean_stream_reusing(input, offset, sink, &mut Spare::default())
    }

    /// `clean_stream` reading lines into the buffers in `spare`, and leaving them there for the
    /// next input (one after the other, the records of JSON lines allocate their lines once).
    pub(crate) fn clean_stream_reusing<R: BufRead, S: Sink>(
        &self,
        input: R,
        offset: u64,
        sink: &mut S,
        spare: &mut Spare,
    ) -> Result<Outcome, StreamError> {
        self.clean_lines(BlockReader::new(input, offset), sink, spare)
    }

    /// `clean_stream_reusing` over a text held whole (a `--jsonl` record's), whose lines need no
    /// UTF-8 check.
    pub(crate) fn clean_str_reusing<S: Sink>(
        &self,
        text: &str,
        offset: u64,
        sink: &mut S,
        spare: &mut Spare,
    ) -> Result<Outcome, StreamError> {
        self.clean_lines(BlockReader::of_str(text, offset), sink, spare)
    }

    /// Cleans the lines `reader` reads (see `clean_stream_reusing`).
    fn clean_lines<R: BufRead, S: Sink>(
        &self,
        reader: BlockReader<R>,
        sink: &mut S,
        spare: &mut Spare,
    ) -> Result<Outcome, StreamError> {
        let mut ahead: VecDeque<Block> = std::mem::take(&mut spare.ahead);
        let mut reader = reader.with_max_line(self.max_line).with_spare(std::mem::take(spare));
        let mut outcome = Outcome::default();
        let mut at_eof = false;
        // Processed blocks not yet handed on: the last one with output, then any emptied after it.
        // The last must wait until we know whether the document's final terminator belongs to it.
        let mut held: Vec<Processed> = Vec::new();
        let mut text_lines_before = 0;
        let mut emitted_text = false;
        let mut removed_text = false;
        // The rule of the last line removed so far: blank lines and terminators that go because
        // of a removal are edits of its rule.
        let mut last_removal: Option<RuleId> = None;
        // Chrome decisions for the lines up to `classified_to` (a line number).
        let mut marks = Marks::default();
        let mut classified_to = 0;
        loop {
            if ahead.is_empty() && !at_eof {
                read_ahead(&mut reader, &mut ahead, &mut at_eof)?;
            }
            let Some(block) = ahead.pop_front() else { break };
            if let Some(classifier) = &self.chrome
                && block.lines.last().is_some_and(|l| l.number > classified_to)
            {
                let mut bytes = block_bytes(&block) + ahead.iter().map(block_bytes).sum::<usize>();
                while bytes < CHROME_WINDOW && !at_eof {
                    read_ahead(&mut reader, &mut ahead, &mut at_eof)?;
                    bytes += ahead.back().map_or(0, block_bytes);
                }
                // Counted first: collected from the chain, the list grew by doubling, once per window.
                let mut lines: Vec<&Line> =
                    Vec::with_capacity(block.lines.len() + ahead.iter().map(|b| b.lines.len()).sum::<usize>());
                lines.extend(block.lines.iter().chain(ahead.iter().flat_map(|b| &b.lines)));
                classified_to = lines.last().map_or(classified_to, |l| l.number);
                marks = classifier.classify(&lines);
                outcome.furniture_only |= marks.furniture_only;
            }
            let is_last = if self.stages.iter().any(|s| s.wants_is_last(&block)) {
                self.only_tail_follows(&mut reader, &mut ahead, &mut at_eof)?
            } else {
                // The next block is still read: stages look at it for context.
                if ahead.is_empty() && !at_eof {
                    read_ahead(&mut reader, &mut ahead, &mut at_eof)?;
                }
                false
            };
            let ctx = Context {
                prev: held.last().map(|p| &p.old),
                next: ahead.front(),
                text_lines_before,
                is_last,
                chrome: self.chrome.as_ref().map(|_| &marks),
                prefilter: self.prefilter.as_ref().map(|p| p as &dyn Screen),
            };
            let text_lines = block.text_lines().count();
            let strip = last_removal.as_ref().filter(|_| removed_text && !emitted_text);
            let processed = self.process(block, &ctx, strip);
            if let Some(removal) = processed.edits.iter().rev().find(|e| e.kind == EditKind::RemoveLine) {
                last_removal = Some(removal.rule.clone());
            }
            text_lines_before += processed.new_lines().iter().filter(|l| !l.is_blank()).count();
            for edit in &processed.edits {
                *outcome.by_rule.entry(edit.rule.clone()).or_default() += 1;
            }
            outcome.changed |= processed.changed();
            let kept_text = processed.new_lines().iter().any(|l| !l.is_blank());
            removed_text |= text_lines > 0 && !kept_text;
            emitted_text |= kept_text;
            if processed.has_text_out() {
                for p in held.drain(..) {
                    sink.block(&p).map_err(StreamError::Write)?;
                    reader.recycle(p.old.lines);
                    if let Some(new) = p.new {
                        reader.recycle(new);
                    }
                }
            }
            held.push(processed);
        }
        let final_ending = reader.last_ending();
        if let Some(last) = held.iter_mut().rev().find(|p| p.has_text_out()) {
            let was_changed = last.changed();
            let edits_before = last.edits.len();
            last.end_with(final_ending, last_removal.as_ref());
            for edit in &last.edits[edits_before..] {
                *outcome.by_rule.entry(edit.rule.clone()).or_default() += 1;
            }
            outcome.changed |= last.changed() && !was_changed;
        }
        for p in held.drain(..) {
            sink.block(&p).map_err(StreamError::Write)?;
            // The next input (the next record of JSON lines) reads its lines into these buffers.
            reader.recycle(p.old.lines);
            if let Some(new) = p.new {
                reader.recycle(new);
            }
        }
        if outcome.furniture_only {
            sink.furniture_only();
        }
        sink.finish().map_err(StreamError::Write)?;
        *spare = reader.into_spare();
        ahead.clear();
        spare.ahead = ahead;
        Ok(outcome)
    }

    /// True if the blocks after the current one hold only blank lines and tail residue up to the
    /// end of the input. Reads ahead only while that stays true, at most `TAIL_LOOKAHEAD` blocks.
    fn only_tail_follows<R: BufRead>(
        &self,
        reader: &mut BlockReader<R>,
        ahead: &mut VecDeque<Block>,
        at_eof: &mut bool,
    ) -> Result<bool, StreamError> {
        let is_tail = |b: &Block| b.text_lines().all(|l| self.stages.iter().any(|s| s.is_tail_residue(l.trim())));
        let mut checked = 0;
        loop {
            if checked == ahead.len() {
                if *at_eof {
                    return Ok(true);
                }
                if checked >= TAIL_LOOKAHEAD {
                    return Ok(false);
                }
                read_ahead(reader, ahead, at_eof)?;
                continue;
            }
            if !is_tail(&ahead[checked]) {
                return Ok(false);
            }
            checked += 1;
        }
    }

    /// Cleans a string in memory; a convenience over `clean_stream` for tests and library users.
    pub fn clean_str(&self, text: &str) -> (String, Outcome) {
        let mut out = TextSink::new(Vec::new());
        let outcome = match self.clean_stream(text.as_bytes(), 0, &mut out) {
            Ok(outcome) => outcome,
            Err(e) => unreachable!("a &str is UTF-8 and a Vec does not fail to grow: {e:?}"),
        };
        (String::from_utf8(out.into_inner()).expect("cleaning keeps text UTF-8"), outcome)
    }
}

fn block_bytes(block: &Block) -> usize {
    block.lines.iter().map(|l| l.text.len() + 1).sum()
}

fn read_ahead<R: BufRead>(
    reader: &mut BlockReader<R>,
    ahead: &mut VecDeque<Block>,
    at_eof: &mut bool,
) -> Result<(), StreamError> {
    match reader.next_block().map_err(StreamError::Read)? {
        Some(block) => ahead.push_back(block),
        None => *at_eof = true,
    }
    Ok(())
}

/// Writes the cleaned text.
pub struct TextSink<W> {
    out: W,
}

impl<W: io::Write> TextSink<W> {
    /// A sink writing to `out`.
    pub fn new(out: W) -> Self {
        TextSink { out }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: io::Write> Sink for TextSink<W> {
    fn block(&mut self, block: &Processed) -> io::Result<()> {
        for line in block.new_lines() {
            self.out.write_all(line.text.as_bytes())?;
            self.out.write_all(line.ending.as_str().as_bytes())?;
        }
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A sink that ignores everything (for `--check`, where only the `Outcome` matters).
pub struct NullSink;

impl Sink for NullSink {
    fn block(&mut self, _: &Processed) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_prefilter_changes_no_output() {
        let with = Cleaner::new();
        let mut without = Cleaner::new();
        assert!(without.prefilter.take().is_some(), "the built-in rules share a prefilter");
        for document in &crate::rules::sample_texts() {
            assert_eq!(with.clean_str(document), without.clean_str(document), "{document:?}");
        }
    }
}
