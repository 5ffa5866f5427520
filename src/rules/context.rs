//! Context conditions (`near`, `not_in_paragraph`) answered for every candidate of a block without
//! searching the block again for each: which lines mention a condition's words is found once per
//! line, and again only for a line a rule changed since. What the conditions mean is the engine's.

use std::collections::HashMap;

use aho_corasick::AhoCorasick;

use super::text::whole_word;
use crate::stage::{Context, WorkBlock};

/// True if `text` holds one of `matcher`'s words or phrases as a whole word.
pub(crate) fn mentions(matcher: &AhoCorasick, text: &str) -> bool {
    matcher.find_iter(text).any(|m| whole_word(text, m.start(), m.end()))
}

/// Which condition of a rule a `Mentions` is for.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Condition {
    Near,
    NotInParagraph,
}

/// What the engine found about the context conditions of one block, kept while it cleans that
/// block. A paragraph of a JSON record (or a scrape without blank lines) is a block of hundreds of
/// lines with a candidate on many of them: searching it all again for each made the cost per byte
/// grow with the block's length.
#[derive(Default)]
pub(crate) struct ContextMemo {
    found: HashMap<(usize, Condition), Mentions>,
}

impl ContextMemo {
    /// What was found for `condition` of rule `rule` (nothing yet, the first time).
    pub(crate) fn of(&mut self, rule: usize, condition: Condition) -> &mut Mentions {
        self.found.entry((rule, condition)).or_default()
    }
}

/// Which lines of a block mention one condition's words. Lines are looked at in order, only as far
/// as the first that does, so a short block costs what one search of it did before.
#[derive(Default)]
pub(crate) struct Mentions {
    /// For the lines looked at so far (the block's first `lines.len()`), whether the current text
    /// mentions the words (false for a removed line).
    lines: Vec<bool>,
    /// How many of `lines` are true.
    count: usize,
    /// How many of the block's changes (`WorkBlock::changes`) `lines` reflects.
    changes_seen: usize,
    /// Whether a line of the neighbouring blocks does; they are as read, so it is found once.
    neighbours: Option<bool>,
    /// Lines searched, for the test that a block is searched once.
    #[cfg(test)]
    searched: usize,
}

impl Mentions {
    /// True if a present line of `block` mentions `matcher`'s words, as it is now. `matcher` and
    /// `block` must be the same on every call.
    pub(crate) fn in_block(&mut self, matcher: &AhoCorasick, block: &WorkBlock) -> bool {
        let mentioned = |i: usize| block.text(i).is_some_and(|t| mentions(matcher, t));
        for &i in &block.changes()[self.changes_seen..] {
            if let Some(flag) = self.lines.get_mut(i) {
                #[cfg(test)]
                {
                    self.searched += 1;
                }
                let now = mentioned(i);
                self.count = self.count + usize::from(now) - usize::from(*flag);
                *flag = now;
            }
        }
        self.changes_seen = block.changes().len();
        while self.count == 0 && self.lines.len() < block.len() {
            #[cfg(test)]
            {
                self.searched += 1;
            }
            let now = mentioned(self.lines.len());
            self.lines.push(now);
            self.count += usize::from(now);
        }
        self.count > 0
    }

    /// True if a text line of the blocks before and after (`ctx`) mentions `matcher`'s words.
    pub(crate) fn in_neighbours(&mut self, matcher: &AhoCorasick, ctx: &Context<'_>) -> bool {
        *self.neighbours.get_or_insert_with(|| ctx.neighbour_lines().any(|t| mentions(matcher, t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::{Block, Ending, Line};
    use crate::edit::RuleId;
    use crate::stage::Policy;

    fn block(lines: &[&str]) -> Block {
        let lines = lines
            .iter()
            .enumerate()
            .map(|(i, t)| Line { number: i + 1, text: (*t).to_owned(), ending: Ending::Lf })
            .collect();
        Block { lines }
    }

    fn matcher() -> AhoCorasick {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(["tablet", "smart phone", "téléphone"])
            .expect("plain words")
    }

    /// The answer without a memo: every present line searched.
    fn searched(matcher: &AhoCorasick, block: &WorkBlock) -> bool {
        block.texts().any(|(_, t)| mentions(matcher, t))
    }

    #[test]
    fn the_memo_answers_as_a_search_of_the_block_while_its_lines_change() {
        let policy = Policy::default();
        let matcher = matcher();
        let rule = || RuleId::builtin("t.x");
        let lines = ["Le téléphone sonne", "", "flats and tablets", "a tablet", "Ünïcödé smart phone", "plain"];
        let mut work = WorkBlock::new(block(&lines), &policy);
        let mut memo = Mentions::default();
        let mut edits = Vec::new();
        assert_eq!(memo.in_block(&matcher, &work), searched(&matcher, &work));
        // Each step changes one line (`None`: removes it), then both answers are compared.
        let steps = [
            (0, None),
            (3, Some("a tablets")),
            (3, Some("a phone")),
            (4, None),
            (2, Some("flats only")),
            (5, Some("plain smart phone")),
            (5, Some("plain smart phones")),
        ];
        for (i, text) in steps {
            match text {
                None => assert!(work.remove(i, rule(), &mut edits)),
                Some(text) => assert!(work.replace(i, text.to_owned(), rule(), &mut edits)),
            }
            assert_eq!(memo.in_block(&matcher, &work), searched(&matcher, &work));
        }
        assert!(!memo.in_block(&matcher, &work));
    }

    #[test]
    fn an_empty_block_and_one_of_blank_lines_mention_nothing() {
        let policy = Policy::default();
        for lines in [&[][..], &["", "  "][..]] {
            let work = WorkBlock::new(block(lines), &policy);
            assert!(!Mentions::default().in_block(&matcher(), &work));
        }
    }

    #[test]
    fn a_long_block_is_searched_once_plus_once_per_change_whatever_the_number_of_candidates() {
        let policy = Policy::default();
        let matcher = matcher();
        let text: Vec<String> = (0..5_000).map(|i| format!("line {i} of a flat story")).collect();
        let lines: Vec<&str> = text.iter().map(String::as_str).collect();
        let mut work = WorkBlock::new(block(&lines), &policy);
        let mut memo = Mentions::default();
        let mut edits = Vec::new();
        // A candidate on every line, a change on every tenth.
        for i in 0..lines.len() {
            assert!(!memo.in_block(&matcher, &work));
            if i % 10 == 0 {
                assert!(work.replace(i, format!("line {i} of a changed story"), RuleId::builtin("t.x"), &mut edits));
            }
        }
        assert!(!memo.in_block(&matcher, &work));
        assert_eq!(memo.searched, lines.len() + lines.len() / 10);
    }
}
