//! Punctuation left broken by translation or by other rules: a full stop doubled across a space
//! (`application. .`). Ellipses, spaced ellipses (`. . .`) and abbreviations are left alone.

use std::ops::Range;

use crate::clues::Clues;
use crate::edit::{Edit, RuleId};
use crate::stage::{Context, Splice, Stage, WorkBlock};

/// `word. .` becomes `word.`.
pub const SPACED_DOUBLE_PERIOD: RuleId = RuleId::builtin("punct.spaced-double-period");

/// The punctuation stage.
#[derive(Default)]
pub struct Punctuation;

impl Stage for Punctuation {
    fn name(&self) -> &'static str {
        "punctuation"
    }

    fn apply(&self, block: &mut WorkBlock, _: &Context<'_>, edits: &mut Vec<Edit>) {
        if !block.may_have_any(Clues::SPACE_PERIOD) {
            return;
        }
        for i in 0..block.len() {
            // ` .`, which every `. .` holds, is rare in prose: most lines are skipped on their clues.
            let Some(text) = block.text(i).filter(|_| block.clues(i).has(Clues::SPACE_PERIOD)) else { continue };
            let cuts = spaced_double_periods(text);
            if !cuts.is_empty() {
                let splices = cuts
                    .into_iter()
                    .map(|range| Splice { range, text: String::new(), rule: SPACED_DOUBLE_PERIOD })
                    .collect();
                block.splice(i, splices, edits);
            }
        }
    }
}

/// The ` .` of each `X. .` where `X` ends a word or a quote, unless the dots are part of an
/// ellipsis (`... .`, `. . .`, `. ..`): the bytes to remove.
fn spaced_double_periods(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut cut: Vec<Range<usize>> = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find(". .") {
        let at = from + found;
        from = at + 1;
        let before = text[..at].chars().next_back();
        let ends_word = before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '”' | '"' | '’' | ')'));
        let after = bytes.get(at + 3).copied();
        let ends_there = matches!(after, None | Some(b'\n' | b'\r' | b'"' | b')'))
            || text[at + 3..].starts_with(['”', '’'])
            || (after == Some(b' ') && !text[at + 3..].starts_with(" ."));
        if ends_word && ends_there {
            cut.push(at + 1..at + 3);
        }
    }
    cut
}

#[cfg(test)]
mod tests {
    fn fix(text: &str) -> Option<String> {
        let cuts = super::spaced_double_periods(text);
        let mut out = text.to_owned();
        cuts.iter().rev().for_each(|cut| out.replace_range(cut.clone(), ""));
        (!cuts.is_empty()).then_some(out)
    }

    #[test]
    fn removes_the_doubled_period() {
        assert_eq!(fix("the Android basic application. .").as_deref(), Some("the Android basic application."));
        assert_eq!(fix("it ended. . Then").as_deref(), Some("it ended. Then"));
    }

    #[test]
    fn keeps_ellipses() {
        for keep in ["and so on...", "wait. . . and see", "wait . . .", "the end... .", "U.S. . . . and"] {
            assert_eq!(fix(keep), None, "{keep}");
        }
    }
}
