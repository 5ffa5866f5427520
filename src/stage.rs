//! What a stage sees and may do: the `Stage` trait, the `Context` around a block, the `Policy`
//! every change must respect, the `WorkBlock` through which every change goes (and is recorded as an
//! `Edit`), and the `Processed` block the sinks receive. A stage never inserts or splits a line: it
//! replaces a line's text or removes the line, so line numbers stay those of the input.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use aho_corasick::AhoCorasick;

use crate::block::{Block, Ending, Line, trim_end, trim_start};
use crate::clues::Clues;
use crate::edit::{Edit, EditKind, RuleId};

/// Changes to a line longer than this (in bytes) are recorded one edit per change, not as one edit
/// from the first change to the last, which on a huge line would copy most of it twice.
pub const SPLIT_EDITS_ABOVE: usize = 1 << 16;

/// Lines counted as the document's head (titles, site headers): the first this many text lines.
pub const HEAD_LINES: usize = 5;

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
    /// False if what this stage changes does not depend on where a line starts or ends (it mends
    /// characters wherever they are): a later stage's removal that gives a line a new start or end
    /// gives it nothing new to do (see `Cleaner::process`).
    fn reads_line_edges(&self) -> bool {
        true
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
    /// The page-chrome decisions for the window of lines around this block, when chrome rules are on.
    pub chrome: Option<&'a Marks>,
    /// The one search the rules and the widgets share to rule lines out (see `Screen`).
    pub prefilter: Option<&'a dyn Screen>,
}

/// A search that stages share to rule out, all at once, the lines where none of them has anything
/// to look for (the rule engine's `LinePrefilter`, which the widgets share).
pub trait Screen {
    /// False only if `text` holds nothing any stage sharing the search looks for.
    fn may_hold(&self, text: &str) -> bool;
}

impl Context<'_> {
    /// True if the text line at `index` in `block` is among the first `HEAD_LINES` text lines kept so far.
    pub fn in_head(&self, block: &WorkBlock, index: usize) -> bool {
        if self.text_lines_before >= HEAD_LINES {
            return false;
        }
        let before_in_block = (0..index).filter(|&i| !block.original(i).is_blank() && block.text(i).is_some()).count();
        self.text_lines_before + before_in_block < HEAD_LINES
    }

    /// The text lines of the neighbouring blocks, for context conditions.
    pub fn neighbour_lines(&self) -> impl Iterator<Item = &str> {
        self.prev.into_iter().chain(self.next).flat_map(Block::text_lines)
    }
}

/// Line removals decided over a window of lines before its blocks are cleaned (the page-chrome
/// classifier's), by input line number.
#[derive(Default)]
pub struct Marks {
    rules: HashMap<usize, RuleId>,
    /// True if the window is a page of furniture only (a home page, an index of headlines): no
    /// line is marked, and the page is reported and left for its user.
    pub furniture_only: bool,
}

impl Marks {
    /// The rule that removes line `number`, if any.
    pub fn get(&self, number: usize) -> Option<&RuleId> {
        self.rules.get(&number)
    }

    /// True if no line is marked (most windows of news: the chrome stage then has nothing to do).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The decision for a page of furniture only: nothing removed, the page reported.
    pub(crate) fn furniture_only() -> Self {
        Marks { rules: HashMap::new(), furniture_only: true }
    }

    pub(crate) fn set(&mut self, number: usize, rule: &RuleId) {
        self.rules.entry(number).or_insert_with(|| rule.clone());
    }

    pub(crate) fn has(&self, number: usize) -> bool {
        self.rules.contains_key(&number)
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

/// A block being cleaned: the lines as read, and, from the first change on, what became of each.
pub struct WorkBlock<'p> {
    old: Block,
    current: Option<Vec<Slot>>,
    /// Per line, the clues in its current text (`Clues`): found once here and kept up to date by
    /// every change, so that the stages with nothing to do on most lines (all ASCII, no markup, no
    /// escape…) skip them without each passing over their bytes again.
    clues: LineClues,
    /// Every clue of a line of the block, as read or since changed (a line that changes adds its
    /// new clues and takes none away): a stage whose clues no line has skips the whole block.
    any_line_clues: Clues,
    /// The index of the line each change so far was made to, in order (see `WorkBlock::changes`).
    changes: Vec<usize>,
    /// Whether a removal since the last `WorkBlock::take_new_line_edge` reached a line's start or
    /// end (a label cut from before the text that follows it, a link from after a stray `<`),
    /// where an earlier stage may find more.
    new_line_edge: bool,
    policy: &'p Policy,
}

/// The clues of each line of a block: in the block's own words for the usual block of a few lines
/// (a block costs no allocation for them), in a list for a longer one.
enum LineClues {
    Few([Clues; FEW_LINES]),
    Many(Vec<Clues>),
}

/// Blocks of up to this many lines keep their clues in place.
const FEW_LINES: usize = 32;

impl LineClues {
    fn of(lines: &[Line]) -> Self {
        if lines.len() <= FEW_LINES {
            let mut few = [Clues::default(); FEW_LINES];
            for (clues, line) in few.iter_mut().zip(lines) {
                *clues = line.clues();
            }
            LineClues::Few(few)
        } else {
            LineClues::Many(lines.iter().map(Line::clues).collect())
        }
    }

    fn get(&self, index: usize) -> Clues {
        match self {
            LineClues::Few(lines) => lines[index],
            LineClues::Many(lines) => lines[index],
        }
    }

    fn set(&mut self, index: usize, clues: Clues) {
        match self {
            LineClues::Few(lines) => lines[index] = clues,
            LineClues::Many(lines) => lines[index] = clues,
        }
    }
}

/// True if a change of `text`'s bytes `range` reaches its first or last characters (past its
/// surrounding whitespace): removed, they give the line a new start or end.
fn reaches_an_edge(text: &str, range: Range<usize>) -> bool {
    range.start <= text.len() - trim_start(text).len() || range.end >= trim_end(text).len()
}

/// What became of one line of a `WorkBlock`. A line is copied only when it first changes, so that a
/// huge line is held at most twice (as read, and as changed in place) while a block is cleaned.
#[derive(Clone)]
enum Slot {
    /// The line as read.
    Same,
    /// The line's new text.
    Text(String),
    /// A rule removed the line.
    Removed,
}

/// One change a `WorkBlock` applies to a line: `range` (bytes of the current text) becomes `text`.
pub struct Splice {
    /// The bytes replaced, on character boundaries.
    pub range: Range<usize>,
    /// What replaces them.
    pub text: String,
    /// The rule making the change.
    pub rule: RuleId,
}

impl<'p> WorkBlock<'p> {
    pub(crate) fn new(old: Block, policy: &'p Policy) -> Self {
        let clues = LineClues::of(&old.lines);
        let any_line_clues = (0..old.lines.len()).fold(Clues::default(), |any, i| any | clues.get(i));
        WorkBlock { old, current: None, clues, any_line_clues, changes: Vec::new(), new_line_edge: false, policy }
    }

    /// True if the current text of line `index` is all ASCII (not kept up for a removed line).
    pub fn is_ascii(&self, index: usize) -> bool {
        !self.clues.get(index).has(Clues::NON_ASCII)
    }

    /// The clues in the current text of line `index` (not kept up for a removed line): a stage
    /// skips a line without the clue its change needs.
    pub fn clues(&self, index: usize) -> Clues {
        self.clues.get(index)
    }

    /// True if `prefilter` finds none of its needles in the current text of line `index`: neither the
    /// rules nor the widgets have anything to look for there. The answer is kept with the line's
    /// clues until the line changes, so the second stage to ask does not search again.
    pub fn screened_out(&mut self, index: usize, prefilter: &dyn Screen) -> bool {
        let clues = self.clues.get(index);
        if clues.has(Clues::SCREENED) {
            return !clues.has(Clues::SCREEN_HIT);
        }
        let Some(text) = self.text(index) else { return false };
        let hit = prefilter.may_hold(text);
        let found = if hit { Clues::SCREENED | Clues::SCREEN_HIT } else { Clues::SCREENED };
        self.clues.set(index, clues | found);
        !hit
    }

    /// True if some line of the block, as read or as changed since, may have one of `clues`: when
    /// false, a stage that needs one of them on a line has nothing to do in the whole block.
    pub fn may_have_any(&self, clues: Clues) -> bool {
        self.any_line_clues.has_any(clues)
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
        match self.current.as_ref().map(|lines| &lines[index]) {
            None | Some(Slot::Same) => Some(&self.old.lines[index].text),
            Some(Slot::Text(text)) => Some(text),
            Some(Slot::Removed) => None,
        }
    }

    /// The current text of every line still present, with its index.
    pub fn texts(&self) -> impl Iterator<Item = (usize, &str)> {
        (0..self.len()).filter_map(|i| self.text(i).map(|t| (i, t)))
    }

    /// The index of the line each change so far (a new text or a removal) was made to, in order:
    /// a stage keeping a finding per line (`rules`, for context conditions) looks again at those
    /// lines only, and a long paragraph is not searched again for every candidate in it.
    pub fn changes(&self) -> &[usize] {
        &self.changes
    }

    fn current_mut(&mut self) -> &mut Vec<Slot> {
        let n = self.old.lines.len();
        self.current.get_or_insert_with(|| vec![Slot::Same; n])
    }

    /// Sets the text of the line at `index`.
    fn set(&mut self, index: usize, text: String) {
        let clues = Clues::of(&text);
        self.clues.set(index, clues);
        self.any_line_clues |= clues;
        self.changes.push(index);
        self.current_mut()[index] = Slot::Text(text);
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
        // Where the edit starts, in bytes (its column counts characters).
        let start = crate::edit::common_prefix(before, &text);
        if !self.policy.allows(&edit.rule) || self.policy.protects(before, start..start + edit.before.len()) {
            return false;
        }
        // Only a removal bares what was next to it: a replacement leaves text where it was.
        self.new_line_edge |= edit.after.is_empty() && reaches_an_edge(before, start..start + edit.before.len());
        edits.push(edit);
        self.set(index, text);
        true
    }

    /// Removes the byte `spans` (in order, not overlapping) from the current text of the line at
    /// `index`, recording one edit per span under `rule` whose `before` is exactly that span (a
    /// minimal edit of the whole line could start mid-word: removing `Also on … meeting` from
    /// `Also on … meetingAurora` leaves `Aurora`, which shares its first letter with the label).
    /// Returns false, changing nothing, if the rule is off or a span would touch a protected phrase.
    pub fn remove_spans(&mut self, index: usize, spans: &[Range<usize>], rule: RuleId, edits: &mut Vec<Edit>) -> bool {
        let text = self.text(index).expect("only present lines are changed");
        let spans: Vec<Range<usize>> = spans.iter().filter(|s| !s.is_empty()).cloned().collect();
        if spans.is_empty() || !self.policy.allows(&rule) || spans.iter().any(|s| self.policy.protects(text, s.clone()))
        {
            return false;
        }
        let splices =
            spans.into_iter().map(|range| Splice { range, text: String::new(), rule: rule.clone() }).collect();
        self.splice_unchecked(index, splices, edits);
        true
    }

    /// True if a removal reached a line's first or last characters since the last call, giving it
    /// a new start or end (see `Cleaner::process`).
    pub fn take_new_line_edge(&mut self) -> bool {
        std::mem::take(&mut self.new_line_edge)
    }

    /// Makes the `splices` (in order, not overlapping, not empty) of the line at `index`, each
    /// recorded as the smallest edit of its rule. Returns false, changing nothing, if a rule is off
    /// or the changed stretch (first splice to last) would touch a protected phrase, as `replace`
    /// would for the same line made in one piece.
    pub fn splice(&mut self, index: usize, splices: Vec<Splice>, edits: &mut Vec<Edit>) -> bool {
        let text = self.text(index).expect("only present lines are changed");
        if let Some(first) = splices.first()
            && text.len() <= SPLIT_EDITS_ABOVE
            && splices.iter().all(|s| s.rule == first.rule)
        {
            // A line of news: one edit of the whole stretch changed, as `replace` records it.
            let rule = first.rule.clone();
            let mut new = String::with_capacity(text.len());
            let mut copied = 0;
            for s in &splices {
                new.push_str(&text[copied..s.range.start]);
                new.push_str(&s.text);
                copied = s.range.end;
            }
            new.push_str(&text[copied..]);
            return self.replace(index, new, rule, edits);
        }
        let splices: Vec<Splice> = splices
            .into_iter()
            .filter_map(|s| {
                let before = &text[s.range.clone()];
                let prefix = crate::edit::common_prefix(before, &s.text);
                let suffix = crate::edit::common_suffix(&before[prefix..], &s.text[prefix..]);
                let range = s.range.start + prefix..s.range.end - suffix;
                (!range.is_empty() || s.text.len() > prefix + suffix).then(|| Splice {
                    range,
                    text: s.text[prefix..s.text.len() - suffix].to_owned(),
                    rule: s.rule,
                })
            })
            .collect();
        let (Some(first), Some(last)) = (splices.first(), splices.last()) else { return false };
        if splices.iter().any(|s| !self.policy.allows(&s.rule))
            || self.policy.protects(text, first.range.start..last.range.end)
        {
            return false;
        }
        self.splice_unchecked(index, splices, edits);
        true
    }

    /// Makes the `splices` (in order, not overlapping) of the line at `index` as they are, one edit
    /// each, the caller having checked them against the policy. The line is changed in place, so
    /// a huge line with thousands of changes costs no second copy and stays linear.
    pub fn splice_unchecked(&mut self, index: usize, splices: Vec<Splice>, edits: &mut Vec<Edit>) {
        if splices.is_empty() {
            return;
        }
        let number = self.old.lines[index].number;
        let text = self.text(index).expect("only present lines are changed");
        let bares = [&splices[0], &splices[splices.len() - 1]]
            .iter()
            .any(|s| s.text.is_empty() && reaches_an_edge(text, s.range.clone()));
        self.new_line_edge |= bares;
        let text = self.text(index).expect("only present lines are changed");
        let (mut copied, mut column) = (0, 1);
        for s in &splices {
            column += text[copied..s.range.start].chars().count();
            // Columns count in the line as the edits before this one left it (`edit::replay`).
            edits.push(Edit {
                rule: s.rule.clone(),
                kind: EditKind::Replace,
                line: number,
                column,
                before: text[s.range.clone()].to_owned(),
                after: s.text.clone(),
            });
            column += s.text.chars().count();
            copied = s.range.end;
        }
        let current = match std::mem::replace(&mut self.current_mut()[index], Slot::Removed) {
            Slot::Text(text) => text,
            Slot::Same => self.old.lines[index].text.clone(),
            Slot::Removed => unreachable!("only present lines are changed"),
        };
        let bytes = splice_in_place(current.into_bytes(), &splices);
        self.set(index, String::from_utf8(bytes).expect("splices replace whole characters by text"));
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
        edits.push(Edit::line_removed(rule, number, text));
        self.changes.push(index);
        self.current_mut()[index] = Slot::Removed;
        true
    }

    /// The finished block. When its text lines are all gone, its blank separators go with them,
    /// each an edit of the rule that removed the last of them; `strip_leading_blanks` (the rule
    /// that removed everything before this block) drops the separators before its first text line,
    /// so the output does not start with blank lines it never had.
    pub(crate) fn finish(self, mut edits: Vec<Edit>, strip_leading_blanks: Option<&RuleId>) -> Processed {
        let strips = strip_leading_blanks.is_some() && self.old.lines.first().is_some_and(Line::is_blank);
        if self.current.is_none() && !strips {
            return Processed { old: self.old, new: None, edits };
        }
        let emptied_by = edits.iter().rev().find(|e| e.kind == EditKind::RemoveLine).map(|e| e.rule.clone());
        let n = self.old.lines.len();
        let current = self.current.unwrap_or_else(|| vec![Slot::Same; n]);
        let had_text = !self.old.is_blank();
        let keeps_text = current.iter().zip(&self.old.lines).any(|(c, l)| !matches!(c, Slot::Removed) && !l.is_blank());
        let mut new = Vec::with_capacity(current.len());
        let mut leading = true;
        for (slot, line) in current.into_iter().zip(&self.old.lines) {
            let text = match slot {
                Slot::Same => Some(line.text.clone()),
                Slot::Text(text) => Some(text),
                Slot::Removed => None,
            };
            let blank = line.is_blank();
            leading &= blank;
            let dropped_by = match blank {
                true if had_text && !keeps_text => emptied_by.as_ref(),
                true if leading => strip_leading_blanks,
                _ => None,
            };
            match (text, dropped_by) {
                (Some(text), Some(rule)) => edits.push(Edit::line_removed(rule.clone(), line.number, &text)),
                (Some(text), None) => new.push(Line::new(line.number, text, line.ending)),
                (None, _) => {}
            }
        }
        Processed { old: self.old, new: Some(new), edits }
    }
}

/// `bytes` with the `splices` (in order, not overlapping) made in place: first the ones that
/// shrink or keep their stretch, from the left (the write position never passes the read
/// position), then the ones that grow it, from the right after one growth of the buffer.
fn splice_in_place(mut bytes: Vec<u8>, splices: &[Splice]) -> Vec<u8> {
    let mut growing: Vec<(Range<usize>, &[u8])> = Vec::new();
    let (mut write, mut read) = (0, 0);
    for s in splices {
        let (range, text) = (&s.range, s.text.as_bytes());
        if text.len() > range.len() {
            // Where it will be once the shrinking splices before it are made.
            let shift = read - write;
            growing.push((range.start - shift..range.end - shift, text));
            continue;
        }
        bytes.copy_within(read..range.start, write);
        write += range.start - read;
        bytes[write..write + text.len()].copy_from_slice(text);
        write += text.len();
        read = range.end;
    }
    let len = bytes.len();
    bytes.copy_within(read..len, write);
    bytes.truncate(write + len - read);
    let growth: usize = growing.iter().map(|(range, text)| text.len() - range.len()).sum();
    if growth == 0 {
        return bytes;
    }
    let (mut read_end, mut write_end) = (bytes.len(), bytes.len() + growth);
    bytes.reserve_exact(growth);
    bytes.resize(write_end, 0);
    for (range, text) in growing.iter().rev() {
        let tail = read_end - range.end;
        bytes.copy_within(range.end..read_end, write_end - tail);
        write_end -= tail + text.len();
        bytes[write_end..write_end + text.len()].copy_from_slice(text);
        read_end = range.start;
    }
    bytes
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

    pub(crate) fn has_text_out(&self) -> bool {
        !self.new_lines().is_empty()
    }

    /// Gives the last output line the terminator the input ended with (removing a document's
    /// last lines must neither add nor drop a final newline), an edit of `rule`, the rule that
    /// removed the lines after it.
    pub(crate) fn end_with(&mut self, ending: Ending, rule: Option<&RuleId>) {
        let Some(last) = self.new_lines().last() else { return };
        if last.ending == ending {
            return;
        }
        // Only a removal after the last output line moves the document's end.
        let Some(rule) = rule.cloned() else {
            debug_assert!(false, "line {}: terminator changed with no line removed after it", last.number);
            return;
        };
        self.edits.push(Edit::terminator(rule, last.number, &last.text, last.ending, ending));
        let new = self.new.get_or_insert_with(|| self.old.lines.clone());
        new.last_mut().expect("checked non-empty above").ending = ending;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn splice(text: &str, at: Range<usize>, with: &str) -> Splice {
        assert!(text.is_char_boundary(at.start) && text.is_char_boundary(at.end));
        Splice { range: at, text: with.to_owned(), rule: RuleId::builtin("t.x") }
    }

    #[test]
    fn splices_that_grow_and_shrink_are_made_in_place() {
        let text = "ab flats cd  ef flat gh";
        let splices = vec![
            splice(text, 0..0, ">>"),
            splice(text, 3..8, "tablets"),
            splice(text, 11..12, ""),
            splice(text, 16..20, "tablet"),
            splice(text, 23..23, "!"),
        ];
        let out = String::from_utf8(splice_in_place(text.as_bytes().to_vec(), &splices)).unwrap();
        assert_eq!(out, ">>ab tablets cd ef tablet gh!");
    }

    fn block(text: &str) -> Block {
        Block { lines: vec![Line::new(1, text.to_owned(), Ending::Lf)] }
    }

    #[test]
    fn a_stage_skips_a_block_only_when_no_line_has_its_clues() {
        let policy = Policy::default();
        let lines = Block::of_lines;
        let all = Clues::NON_ASCII | Clues::BACKSLASH | Clues::MARKUP | Clues::SPACE_PERIOD | Clues::TRAILING_BLANK;
        let plain = WorkBlock::new(lines(&["The council met.", "It agreed."]), &policy);
        assert!(!plain.may_have_any(all));
        let mut work = WorkBlock::new(lines(&["The council met.", "Café", "AT&amp;T "]), &policy);
        for clue in [Clues::NON_ASCII, Clues::MARKUP, Clues::TRAILING_BLANK] {
            assert!(work.may_have_any(clue), "{clue:?}");
        }
        // A change brings its new clues along.
        assert!(!work.may_have_any(Clues::SPACE_PERIOD));
        work.replace(0, "The council met. .".to_owned(), RuleId::builtin("t.x"), &mut Vec::new());
        assert!(work.may_have_any(Clues::SPACE_PERIOD));
        let cleaner = crate::pipeline::Cleaner::new();
        assert_eq!(cleaner.clean_str("The council met.\nAT&amp;T rose \n").0, "The council met.\nAT&T rose\n");
        assert_eq!(cleaner.clean_str("The council met.\nIt agreed.\n").0, "The council met.\nIt agreed.\n");
    }

    #[test]
    fn a_long_line_gets_one_edit_per_change_and_a_short_one_a_single_edit() {
        let policy = Policy::default();
        for (text, expected) in [
            (format!("a\u{A0}b {}c\u{A0}d", "x".repeat(10)), 1),
            (format!("a\u{A0}b {}c\u{A0}d", "x".repeat(SPLIT_EDITS_ABOVE)), 2),
        ] {
            let mut work = WorkBlock::new(block(&text), &policy);
            let spaces = text.match_indices('\u{A0}').map(|(at, _)| splice(&text, at..at + 2, " ")).collect();
            let mut edits = Vec::new();
            assert!(work.splice(0, spaces, &mut edits));
            assert_eq!(edits.len(), expected);
            let processed = work.finish(edits, None);
            let want = text.replace('\u{A0}', " ");
            assert_eq!(processed.new_lines()[0].text, want);
            assert_eq!(crate::edit::replay(&processed.old.lines, &processed.edits).unwrap()[0].text, want);
        }
    }
}
