//! Context conditions (`near`, `not_in_paragraph`) answered for every candidate of a block without
//! searching the block again for each: which lines mention a condition's words is found once per
//! line, and again only for a line a rule changed since. What the conditions mean is the engine's.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind, packed};

use super::text::whole_word;
use crate::stage::{Context, WorkBlock};

/// The words of a context condition, and a quick way to rule out the many lines holding none.
/// Their searchers are built at the first search: a run meets few of the rules whose conditions
/// name words (building those of the built-in rules was an eighth of every run's start-up).
pub(crate) struct Words {
    spellings: Vec<String>,
    search: OnceLock<Search>,
}

/// The searchers of a `Words`.
struct Search {
    /// The words in every spelling, ASCII case ignored, leftmost-longest.
    matcher: AhoCorasick,
    /// The SIMD searcher (Teddy) over the spellings in ASCII lowercase, run on the line in ASCII
    /// lowercase: every match of `matcher` is one of its matches at the same place, so a line where
    /// it finds nothing mentions none of the words. About a fifth of the automaton's cost a byte
    /// (callgrind, lines of the benchmark corpus): a paragraph with no context word at all is read
    /// to its end for every `not_in_paragraph` rule with a candidate in it. `None` where it cannot
    /// be built (no SIMD, or too many words).
    quick: Option<packed::Searcher>,
    /// The longest spelling in bytes: how much consecutive windows of a long line overlap.
    longest: usize,
}

/// A line is lowercased for `quick` this many bytes at a time, so a line of 50 MiB is never
/// copied whole (memory stays bounded by a window, as the rest of the engine keeps it).
const LOWERED_WINDOW: usize = 64 * 1024;

impl Search {
    fn new(spellings: &[String]) -> Self {
        let matcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(spellings)
            .expect("word lists are plain strings");
        let mut lowered: Vec<String> = spellings.iter().map(|s| s.to_ascii_lowercase()).collect();
        lowered.sort();
        lowered.dedup();
        let mut config = packed::Config::new();
        config.match_kind(packed::MatchKind::LeftmostFirst);
        let quick = config.builder().extend(&lowered).build();
        let longest = lowered.iter().map(String::len).max().unwrap_or(0);
        Search { matcher, quick, longest }
    }
}

impl Words {
    /// The words in the `spellings` given (a word's case variants beyond ASCII among them).
    pub(crate) fn new(spellings: &[String]) -> Self {
        Words { spellings: spellings.to_vec(), search: OnceLock::new() }
    }

    fn search(&self) -> &Search {
        self.search.get_or_init(|| Search::new(&self.spellings))
    }

    /// True if `text` holds one of the words or phrases as a whole word. `lowered` is a buffer
    /// for the line in ASCII lowercase, kept to be reused.
    pub(crate) fn mentioned_in(&self, text: &str, lowered: &mut Vec<u8>) -> bool {
        let search = self.search();
        let mut from = 0;
        if let Some(quick) = &search.quick {
            // Windows overlap by the longest spelling less one byte, so every match lies whole in
            // some window. No match of `matcher` starts before the first of `quick`'s, except one
            // running past the window where `quick` found a later one: that one starts in the
            // overlap, where the search then begins.
            let overlap = search.longest.saturating_sub(1);
            let window = LOWERED_WINDOW.max(2 * overlap + 1);
            let mut start = 0;
            loop {
                let end = (start + window).min(text.len());
                lowered.clear();
                lowered.extend(text.as_bytes()[start..end].iter().map(u8::to_ascii_lowercase));
                let last = end == text.len();
                match quick.find(&lowered[..]) {
                    Some(first) if last => break from = start + first.start(),
                    Some(first) => break from = (start + first.start()).min(end - overlap),
                    None if last => return false,
                    None => start = end - overlap,
                }
            }
        }
        let input = Input::new(text).span(from..text.len());
        search.matcher.find_iter(input).any(|m| whole_word(text, m.start(), m.end()))
    }
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
    /// A line in ASCII lowercase (see `Words::mentioned_in`), one buffer for all searches.
    lowered: Vec<u8>,
}

impl ContextMemo {
    /// True if a present line of `block`, as it is now, mentions `words`, the words of `condition`
    /// of rule `rule`. `block` must be the same on every call.
    pub(crate) fn in_block(&mut self, rule: usize, condition: Condition, words: &Words, block: &WorkBlock) -> bool {
        let found = self.found.entry((rule, condition)).or_default();
        found.in_block(|i| block.text(i).is_some_and(|t| words.mentioned_in(t, &mut self.lowered)), block)
    }

    /// True if a text line of the blocks before and after (`ctx`) mentions `words`, the words of
    /// `condition` of rule `rule`.
    pub(crate) fn in_neighbours(
        &mut self,
        rule: usize,
        condition: Condition,
        words: &Words,
        ctx: &Context<'_>,
    ) -> bool {
        let found = self.found.entry((rule, condition)).or_default();
        *found.neighbours.get_or_insert_with(|| ctx.neighbour_lines().any(|t| words.mentioned_in(t, &mut self.lowered)))
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
    /// True if a line of `block` is `mentioned` (by index), as the lines are now: the lines that
    /// changed since the last call are asked again, then lines not asked yet, in order, until one is.
    fn in_block(&mut self, mut mentioned: impl FnMut(usize) -> bool, block: &WorkBlock) -> bool {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::Block;
    use crate::edit::RuleId;
    use crate::stage::Policy;

    fn block(lines: &[&str]) -> Block {
        Block::of_lines(lines)
    }

    /// The spellings `case_variants` gives, non-ASCII ones included.
    fn words() -> Words {
        let spellings =
            ["tablet", "Tablet", "smart phone", "Smart Phone", "téléphone", "Téléphone", "TÉLÉPHONE", "ios", "rent"];
        Words::new(&spellings.map(str::to_owned))
    }

    /// The answer without the quick filter: the automaton over the whole line.
    fn searched(words: &Words, text: &str) -> bool {
        words.search().matcher.find_iter(text).any(|m| whole_word(text, m.start(), m.end()))
    }

    fn searched_block(words: &Words, block: &WorkBlock) -> bool {
        block.texts().any(|(_, t)| searched(words, t))
    }

    #[test]
    fn the_searchers_are_built_at_the_first_search_and_kept() {
        let words = words();
        assert!(words.search.get().is_none(), "nothing built before a search");
        let mut lowered = Vec::new();
        assert!(words.mentioned_in("Le Téléphone sonne.", &mut lowered));
        assert!(!words.mentioned_in("A phone rang.", &mut lowered));
        let built: *const Search = words.search.get().expect("built by the first search");
        assert!(std::ptr::eq(built, words.search()), "and not built again");
        // The built-in rules' conditions build nothing until a candidate asks.
        let engine = crate::rules::engine::Engine::new(crate::rules::RuleSet::builtin().enabled());
        assert!(engine.context_words().all(|words| words.search.get().is_none()));
        assert!(engine.context_words().count() > 0);
    }

    #[test]
    fn the_quick_filter_answers_as_the_automaton_alone() {
        let words = words();
        assert!(words.search().quick.is_some() || !cfg!(target_arch = "x86_64"), "Teddy builds on x86-64");
        let mut lowered = Vec::new();
        for text in [
            "",
            " ",
            "rent",
            "RENT is due",
            "ReNt!",
            "current affairs",
            "rents",
            "a TaBlEt",
            "tablets and tabletop",
            "Le Téléphone sonne",
            "LE TÉLÉPHONE",
            "tÉlÉphone",
            "téLÉPHONE",
            "asmart phone",
            "x smart phone",
            "smart  phone",
            "iOS 17",
            "ios7",
            "various",
            "Über-rent",
            "rentÜ",
            "Ärent",
            "«ios»",
            "日本のtablet",
            "tablet日本",
        ] {
            let want = searched(&words, text);
            assert_eq!(words.mentioned_in(text, &mut lowered), want, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_quick_filter_answers_as_the_automaton_alone_on_any_text(
            text in "([tTaAbBlLeEsSmMrRpPhHoOnNiIéÉü日 .-]|tablet|TÉLÉPHONE|smart phone|rent|ios){0,24}"
        ) {
            let words = words();
            proptest::prop_assert_eq!(words.mentioned_in(&text, &mut Vec::new()), searched(&words, &text));
        }
    }

    #[test]
    fn a_line_longer_than_a_window_is_searched_in_overlapping_windows_with_the_same_answers() {
        let words = words();
        let mut lowered = Vec::new();
        for spelling in ["Smart Phone", "rent", "current", "tablets", "rents"] {
            for boundary in [LOWERED_WINDOW, 2 * LOWERED_WINDOW - words.search().longest + 1] {
                for shift in 0..spelling.len() + 2 {
                    let at = boundary - shift;
                    let text = format!(
                        "{}{spelling} {}",
                        "a ".repeat(at / 2) + &"b".repeat(at % 2),
                        "z ".repeat(LOWERED_WINDOW)
                    );
                    assert_eq!(words.mentioned_in(&text, &mut lowered), searched(&words, &text), "{spelling} at {at}");
                    assert!(lowered.len() <= LOWERED_WINDOW.max(2 * words.search().longest + 1));
                }
            }
        }
        // A part of a word early in a window and a whole word running past its end.
        let text = format!("{}current {} smart phone", "a ".repeat(10), "c".repeat(LOWERED_WINDOW - 34));
        assert!(words.mentioned_in(&text, &mut lowered) && searched(&words, &text));
    }

    #[test]
    fn the_memo_answers_as_a_search_of_the_block_while_its_lines_change() {
        let policy = Policy::default();
        let words = words();
        let rule = || RuleId::builtin("t.x");
        let lines = ["Le téléphone sonne", "", "flats and tablets", "a tablet", "Ünïcödé smart phone", "plain"];
        let mut work = WorkBlock::new(block(&lines), &policy);
        let mut memo = ContextMemo::default();
        let mut edits = Vec::new();
        let in_block = |memo: &mut ContextMemo, work: &WorkBlock| memo.in_block(0, Condition::Near, &words, work);
        assert_eq!(in_block(&mut memo, &work), searched_block(&words, &work));
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
            assert_eq!(in_block(&mut memo, &work), searched_block(&words, &work));
        }
        assert!(!in_block(&mut memo, &work));
    }

    #[test]
    fn an_empty_block_and_one_of_blank_lines_mention_nothing() {
        let policy = Policy::default();
        for lines in [&[][..], &["", "  "][..]] {
            let work = WorkBlock::new(block(lines), &policy);
            assert!(!ContextMemo::default().in_block(0, Condition::Near, &words(), &work));
        }
    }

    #[test]
    fn a_long_block_is_searched_once_plus_once_per_change_whatever_the_number_of_candidates() {
        let policy = Policy::default();
        let words = words();
        let text: Vec<String> = (0..5_000).map(|i| format!("line {i} of a flat story")).collect();
        let lines: Vec<&str> = text.iter().map(String::as_str).collect();
        let mut work = WorkBlock::new(block(&lines), &policy);
        let mut memo = ContextMemo::default();
        let mut edits = Vec::new();
        // A candidate on every line, a change on every tenth.
        for i in 0..lines.len() {
            assert!(!memo.in_block(0, Condition::Near, &words, &work));
            if i % 10 == 0 {
                assert!(work.replace(i, format!("line {i} of a changed story"), RuleId::builtin("t.x"), &mut edits));
            }
        }
        assert!(!memo.in_block(0, Condition::Near, &words, &work));
        assert_eq!(memo.found[&(0, Condition::Near)].searched, lines.len() + lines.len() / 10);
    }
}
