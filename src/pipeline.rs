//! The ordered cleaning stages and the streaming engine that runs them over blocks. Each stage sees
//! one block plus a bounded window around it (the blocks before and after, whether it is in the
//! document's head or is its last block) and records an `Edit` for every change; sinks (text, diff,
//! counts) receive each processed block once, in order.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::io::{self, BufRead};
use std::ops::Range;

use aho_corasick::AhoCorasick;

use crate::block::{Block, BlockReader, Ending, Line, ReadError};
use crate::edit::{Edit, RuleId};
use crate::rules::{self, RuleSet};
use crate::{damage, markup, mojibake, normalize};

/// Lines counted as the document's head (titles, site headers): the first this many text lines.
pub const HEAD_LINES: usize = 5;
/// How many blocks of tail residue the engine reads ahead to find a document's last block.
const TAIL_LOOKAHEAD: usize = 8;

/// One cleanup step over a block.
pub trait Stage: Send + Sync {
    /// Stable name used in reports, e.g. `"normalize"`.
    fn name(&self) -> &'static str;
    /// Cleans `block` in place, pushing one `Edit` per change onto `edits`.
    fn apply(&self, block: &mut WorkBlock, ctx: &Context<'_>, edits: &mut Vec<Edit>);
    /// True if this stage removes `line` when nothing but such lines follows it (a dangling
    /// `Credit :`). The engine looks past such lines to decide which block is the document's last.
    fn is_tail_residue(&self, _line: &str) -> bool {
        false
    }
    /// True if this stage needs `Context::is_last` for `block` (finding it reads ahead, so the
    /// engine asks only for blocks some stage could treat differently at the document's end).
    fn wants_is_last(&self, _block: &Block) -> bool {
        false
    }
}

/// What a stage may know about the block's surroundings.
pub struct Context<'a> {
    /// The block before (as read), if any.
    pub prev: Option<&'a Block>,
    /// The block after (as read), if any.
    pub next: Option<&'a Block>,
    /// Text lines kept in the output before this block. The head is measured in kept lines, so that
    /// removing residue never moves another line into the head on a second run.
    pub text_lines_before: usize,
    /// True if nothing but blank lines and tail residue follows this block.
    pub is_last: bool,
}

impl Context<'_> {
    /// True if the text line at `index` in `block` is among the first `HEAD_LINES` text lines kept so far.
    pub fn in_head(&self, block: &WorkBlock, index: usize) -> bool {
        let before_in_block = (0..index).filter(|&i| !block.original(i).is_blank() && block.text(i).is_some()).count();
        self.text_lines_before + before_in_block < HEAD_LINES
    }

    /// The text lines of the neighbouring blocks, for context conditions.
    pub fn neighbour_lines(&self) -> impl Iterator<Item = &str> {
        self.prev.into_iter().chain(self.next).flat_map(Block::text_lines)
    }
}

/// What every change must respect, whichever stage makes it: rules turned off by the
/// configuration (for rules written in Rust; data rules that are off are never compiled) and
/// phrases no rule may touch.
#[derive(Default)]
pub struct Policy {
    disabled: HashSet<RuleId>,
    protect: Option<AhoCorasick>,
}

impl Policy {
    /// A policy refusing changes by the `disabled` rules and changes touching a `protect` phrase.
    pub fn new(disabled: HashSet<RuleId>, protect: &[String]) -> Self {
        let phrases: Vec<&String> = protect.iter().filter(|p| !p.is_empty()).collect();
        let protect =
            (!phrases.is_empty()).then(|| AhoCorasick::new(phrases).expect("protected phrases are plain strings"));
        Policy { disabled, protect }
    }

    /// True if `rule` may make changes.
    pub fn allows(&self, rule: &RuleId) -> bool {
        !self.disabled.contains(rule)
    }

    /// True if changing `text[range]` would touch a protected phrase (an empty range touches a
    /// phrase it falls strictly inside).
    pub fn protects(&self, text: &str, range: Range<usize>) -> bool {
        let Some(ac) = &self.protect else { return false };
        ac.find_overlapping_iter(text).any(|m| {
            if range.is_empty() {
                m.start() < range.start && range.start < m.end()
            } else {
                m.start() < range.end && range.start < m.end()
            }
        })
    }
}

/// A block being cleaned: the lines as read, and a copy made on the first change.
pub struct WorkBlock<'p> {
    old: Block,
    current: Option<Vec<Option<String>>>,
    /// Per line, whether its current text is all ASCII: found once here and kept up to date by
    /// `replace`, so that the stages with nothing to do on ASCII text (most lines of most news)
    /// skip it without each passing over its bytes again.
    ascii: Vec<bool>,
    policy: &'p Policy,
}

impl<'p> WorkBlock<'p> {
    fn new(old: Block, policy: &'p Policy) -> Self {
        let ascii = old.lines.iter().map(|l| l.text.is_ascii()).collect();
        WorkBlock { old, current: None, ascii, policy }
    }

    /// True if the current text of line `index` is all ASCII (a removed line counts as ASCII).
    pub fn is_ascii(&self, index: usize) -> bool {
        self.ascii[index]
    }

    /// True if changing `range` (bytes) of the current text of line `index` would touch a
    /// protected phrase.
    pub fn is_protected(&self, index: usize, range: Range<usize>) -> bool {
        self.text(index).is_some_and(|t| self.policy.protects(t, range))
    }

    /// Number of lines, removed ones included (indices stay stable while stages run).
    pub fn len(&self) -> usize {
        self.old.lines.len()
    }

    /// True if the block has no lines.
    pub fn is_empty(&self) -> bool {
        self.old.lines.is_empty()
    }

    /// The line at `index` as it was read.
    pub fn original(&self, index: usize) -> &Line {
        &self.old.lines[index]
    }

    /// The current text of the line at `index`, or `None` if a rule removed it.
    pub fn text(&self, index: usize) -> Option<&str> {
        match &self.current {
            None => Some(&self.old.lines[index].text),
            Some(lines) => lines[index].as_deref(),
        }
    }

    /// The current text of every line still present, with its index.
    pub fn texts(&self) -> impl Iterator<Item = (usize, &str)> {
        (0..self.len()).filter_map(|i| self.text(i).map(|t| (i, t)))
    }

    fn current_mut(&mut self) -> &mut Vec<Option<String>> {
        let old = &self.old;
        self.current.get_or_insert_with(|| old.lines.iter().map(|l| Some(l.text.clone())).collect())
    }

    /// Replaces the text of the line at `index`, recording the minimal edit under `rule`. Returns
    /// false, changing nothing, if the rule is off or the change would touch a protected phrase.
    pub fn replace(&mut self, index: usize, text: String, rule: RuleId, edits: &mut Vec<Edit>) -> bool {
        let number = self.old.lines[index].number;
        let before = self.text(index).expect("only present lines are replaced");
        if before == text {
            return false;
        }
        let edit = Edit::between(rule, number, before, &text);
        let start = before.char_indices().nth(edit.column - 1).map_or(before.len(), |(at, _)| at);
        if !self.policy.allows(&edit.rule) || self.policy.protects(before, start..start + edit.before.len()) {
            return false;
        }
        edits.push(edit);
        self.ascii[index] = text.is_ascii();
        self.current_mut()[index] = Some(text);
        true
    }

    /// Replaces the text of the line at `index` with the result of several changes a rule made in
    /// one pass, recording `made` (the caller built them, columns included). Costs one copy of
    /// the line however many changes: a long line with thousands of them stays linear.
    pub fn replace_all(&mut self, index: usize, text: String, made: Vec<Edit>, edits: &mut Vec<Edit>) {
        if made.is_empty() {
            return;
        }
        self.ascii[index] = text.is_ascii();
        self.current_mut()[index] = Some(text);
        edits.extend(made);
    }

    /// The input line number of the line at `index`.
    pub fn number(&self, index: usize) -> usize {
        self.old.lines[index].number
    }

    /// Removes the line at `index`, recording the removal under `rule`. Returns false, changing
    /// nothing, if the rule is off or the line holds a protected phrase.
    pub fn remove(&mut self, index: usize, rule: RuleId, edits: &mut Vec<Edit>) -> bool {
        let number = self.old.lines[index].number;
        let Some(text) = self.text(index) else { return false };
        if !self.policy.allows(&rule) || self.policy.protects(text, 0..text.len()) {
            return false;
        }
        let text = self.current_mut()[index].take().expect("checked present above");
        edits.push(Edit::line_removed(rule, number, &text));
        true
    }

    /// The finished block. When its text lines are all gone, its blank separators go with them;
    /// `strip_leading_blanks` drops the separators before its first text line (used when everything
    /// before this block was removed, so the output does not start with blank lines it never had).
    fn finish(self, edits: Vec<Edit>, strip_leading_blanks: bool) -> Processed {
        if self.current.is_none() && !(strip_leading_blanks && self.old.lines.first().is_some_and(Line::is_blank)) {
            return Processed { old: self.old, new: None, edits };
        }
        let current = match self.current {
            Some(current) => current,
            None => self.old.lines.iter().map(|l| Some(l.text.clone())).collect(),
        };
        let had_text = !self.old.is_blank();
        let keeps_text = current.iter().zip(&self.old.lines).any(|(c, l)| c.is_some() && !l.is_blank());
        let mut new = Vec::with_capacity(current.len());
        let mut leading = true;
        for (text, line) in current.into_iter().zip(&self.old.lines) {
            let blank = line.is_blank();
            leading &= blank;
            let dropped_separator = blank && ((had_text && !keeps_text) || (strip_leading_blanks && leading));
            if let Some(text) = text.filter(|_| !dropped_separator) {
                new.push(Line { number: line.number, text, ending: line.ending });
            }
        }
        Processed { old: self.old, new: Some(new), edits }
    }
}

/// A block after cleaning, as the sinks receive it.
pub struct Processed {
    /// The lines as read.
    pub old: Block,
    /// The lines after cleaning; `None` when nothing changed.
    pub new: Option<Vec<Line>>,
    /// The edits made in this block.
    pub edits: Vec<Edit>,
}

impl Processed {
    /// The lines after cleaning.
    pub fn new_lines(&self) -> &[Line] {
        self.new.as_deref().unwrap_or(&self.old.lines)
    }

    /// True if the block's output differs from its input.
    pub fn changed(&self) -> bool {
        self.new.as_ref().is_some_and(|new| *new != self.old.lines)
    }

    fn has_text_out(&self) -> bool {
        !self.new_lines().is_empty()
    }

    /// Gives the last output line the terminator the input ended with (removing a document's
    /// last lines must neither add nor drop a final newline).
    fn end_with(&mut self, ending: Ending) {
        let last_old = self.new_lines().last().map(|l| l.ending);
        if last_old.is_some_and(|e| e != ending) {
            let new = self.new.get_or_insert_with(|| self.old.lines.clone());
            new.last_mut().expect("checked non-empty above").ending = ending;
        }
    }
}

/// Receives processed blocks in document order.
pub trait Sink {
    /// Called once per block, in order.
    fn block(&mut self, block: &Processed) -> io::Result<()>;
    /// Called once after the last block.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<A: Sink, B: Sink> Sink for (A, B) {
    fn block(&mut self, block: &Processed) -> io::Result<()> {
        self.0.block(block)?;
        self.1.block(block)
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
}

/// Counts of edits per rule over one input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// How many edits each rule made.
    pub by_rule: BTreeMap<RuleId, usize>,
    /// True if the output differs from the input.
    pub changed: bool,
}

impl Outcome {
    /// Total number of edits.
    pub fn edits(&self) -> usize {
        self.by_rule.values().sum()
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
    policy: Policy,
    descriptions: BTreeMap<String, String>,
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
        let disabled = rules.all().filter(|r| !rules.is_enabled(&r.id)).map(|r| RuleId::owned(r.id.clone())).collect();
        Cleaner {
            stages: vec![
                Box::new(normalize::Normalize),
                Box::new(markup::Markup),
                Box::new(mojibake::Mojibake),
                Box::new(rules::residue::Residue::new()),
                Box::new(rules::engine::Engine::new(rules.enabled())),
                // After residue: a headline glued to the next sentence (`deal withThe ministry`) is
                // the residue rules' evidence of where the headline ends.
                Box::new(damage::Damage),
                Box::new(rules::punct::Punctuation::default()),
            ],
            policy: Policy::new(disabled, protect),
            descriptions: rules.all().map(|r| (r.id.clone(), r.description.clone())).collect(),
        }
    }

    /// The one-line description of each of its rules (built-in and the user's), by id.
    pub fn descriptions(&self) -> &BTreeMap<String, String> {
        &self.descriptions
    }

    /// The stage names in order.
    pub fn stage_names(&self) -> Vec<&'static str> {
        self.stages.iter().map(|s| s.name()).collect()
    }

    fn process(&self, block: Block, ctx: &Context<'_>, strip_leading_blanks: bool) -> Processed {
        let mut work = WorkBlock::new(block, &self.policy);
        let mut edits = Vec::new();
        for stage in &self.stages {
            stage.apply(&mut work, ctx, &mut edits);
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
        let mut reader = BlockReader::new(input, offset);
        let mut outcome = Outcome::default();
        let mut ahead: VecDeque<Block> = VecDeque::new();
        let mut at_eof = false;
        // Processed blocks not yet handed on: the last one with output, then any emptied after it.
        // The last must wait until we know whether the document's final terminator belongs to it.
        let mut held: Vec<Processed> = Vec::new();
        let mut text_lines_before = 0;
        let mut emitted_text = false;
        let mut removed_text = false;
        loop {
            if ahead.is_empty() && !at_eof {
                read_ahead(&mut reader, &mut ahead, &mut at_eof)?;
            }
            let Some(block) = ahead.pop_front() else { break };
            let is_last = if self.stages.iter().any(|s| s.wants_is_last(&block)) {
                self.only_tail_follows(&mut reader, &mut ahead, &mut at_eof)?
            } else {
                // The next block is still read: stages look at it for context.
                if ahead.is_empty() && !at_eof {
                    read_ahead(&mut reader, &mut ahead, &mut at_eof)?;
                }
                false
            };
            let ctx = Context { prev: held.last().map(|p| &p.old), next: ahead.front(), text_lines_before, is_last };
            let text_lines = block.text_lines().count();
            let strip = removed_text && !emitted_text;
            let processed = self.process(block, &ctx, strip);
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
                }
            }
            held.push(processed);
        }
        let final_ending = reader.last_ending();
        if let Some(last) = held.iter_mut().rev().find(|p| p.has_text_out()) {
            let was_changed = last.changed();
            last.end_with(final_ending);
            outcome.changed |= last.changed() && !was_changed;
        }
        for p in held.drain(..) {
            sink.block(&p).map_err(StreamError::Write)?;
        }
        sink.finish().map_err(StreamError::Write)?;
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
