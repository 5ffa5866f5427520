//! What changed, where, and which rule did it. Every output mode (diff, summary, check) is rendered
//! from these records, and they are the whole truth: `replay` applied to the input's lines gives
//! exactly the output (a debug assertion in the diff sink and a test on every file of `testdata/`
//! check it).

use std::borrow::Cow;
use std::fmt;

use crate::block::{Ending, Line};

/// A rule's stable id, `family.kebab-name` (for example `residue.also-on`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(Cow<'static, str>);

impl RuleId {
    /// An id of a built-in rule.
    pub const fn builtin(id: &'static str) -> Self {
        RuleId(Cow::Borrowed(id))
    }

    /// An id made at run time (a user's rule).
    pub fn owned(id: String) -> Self {
        RuleId(Cow::Owned(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The family: the part before the first dot (`residue` for `residue.also-on`).
    pub fn family(&self) -> &str {
        self.0.split('.').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an edit does to its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditKind {
    /// `before` at `column` becomes `after`; the line stays.
    Replace,
    /// The line goes, terminator and all (`before` is its text then).
    RemoveLine,
    /// The line's terminator changes from `before` to `after` (`"\n"`, `"\r\n"` or `""`): the new
    /// last line of a document whose last lines were removed takes the input's final terminator.
    Terminator,
}

impl EditKind {
    /// The kind as `--format json` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            EditKind::Replace => "replace",
            EditKind::RemoveLine => "remove-line",
            EditKind::Terminator => "terminator",
        }
    }
}

/// One change and the rule that made it.
///
/// `line` is the 1-based line number in the original input and `column` the 1-based character
/// column in that line as it stands after the edits of the same line listed before this one, so
/// that applying a line's edits in order gives the output (`replay`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The rule that made the change.
    pub rule: RuleId,
    /// What the edit does to its line.
    pub kind: EditKind,
    /// 1-based line number in the original input.
    pub line: usize,
    /// 1-based character column where the change starts.
    pub column: usize,
    /// The text that was there.
    pub before: String,
    /// The text that replaced it (empty for a removal).
    pub after: String,
}

impl Edit {
    /// The smallest edit turning `before` into `after` (common prefix and suffix left out).
    pub fn between(rule: RuleId, line: usize, before: &str, after: &str) -> Edit {
        let prefix = common_prefix(before, after);
        let suffix = common_suffix(&before[prefix..], &after[prefix..]);
        Edit {
            rule,
            kind: EditKind::Replace,
            line,
            column: before[..prefix].chars().count() + 1,
            before: before[prefix..before.len() - suffix].to_string(),
            after: after[prefix..after.len() - suffix].to_string(),
        }
    }

    /// The removal of a whole line.
    pub fn line_removed(rule: RuleId, line: usize, text: &str) -> Edit {
        Edit { rule, kind: EditKind::RemoveLine, line, column: 1, before: text.to_string(), after: String::new() }
    }

    /// The terminator of `line` (whose text is `text`) changing from `before` to `after`.
    pub fn terminator(rule: RuleId, line: usize, text: &str, before: Ending, after: Ending) -> Edit {
        Edit {
            rule,
            kind: EditKind::Terminator,
            line,
            column: text.chars().count() + 1,
            before: before.as_str().to_owned(),
            after: after.as_str().to_owned(),
        }
    }
}

/// The output that `edits` make of the input `lines`: each line's edits applied in order. An
/// error names the first edit that does not fit the text it claims to change.
pub fn replay(lines: &[Line], edits: &[Edit]) -> Result<Vec<Line>, String> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let mut text = line.text.clone();
        let mut ending = line.ending.as_str().to_owned();
        let mut removed = false;
        for edit in edits.iter().filter(|e| e.line == line.number) {
            let misfit = || format!("line {}: {edit:?} does not fit {text:?}", line.number);
            if removed {
                return Err(format!("line {}: {edit:?} after the line was removed", line.number));
            }
            match edit.kind {
                EditKind::Replace => {
                    let at = text.char_indices().nth(edit.column - 1).map_or(text.len(), |(at, _)| at);
                    if edit.column > text.chars().count() + 1 || !text[at..].starts_with(&edit.before) {
                        return Err(misfit());
                    }
                    text.replace_range(at..at + edit.before.len(), &edit.after);
                }
                EditKind::RemoveLine if edit.before == text => removed = true,
                EditKind::Terminator if edit.before == ending => ending = edit.after.clone(),
                EditKind::RemoveLine | EditKind::Terminator => return Err(misfit()),
            }
        }
        if !removed {
            let ending =
                Ending::parse(&ending).ok_or_else(|| format!("line {}: terminator {ending:?}", line.number))?;
            out.push(Line::new(line.number, text, ending));
        }
    }
    Ok(out)
}

/// Byte length of the longest common prefix, on a character boundary. The bytes are compared 16
/// at a time, not decoded (every change to a line passes here, and lines can be long); UTF-8 being
/// self-synchronizing, backing up from the first differing byte to a boundary gives the same
/// length as comparing characters.
pub(crate) fn common_prefix(a: &str, b: &str) -> usize {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let same = x.chunks_exact(16).zip(y.chunks_exact(16)).take_while(|(p, q)| p == q).count() * 16;
    let same = same + x[same..].iter().zip(&y[same..]).take_while(|(p, q)| p == q).count();
    (0..=same).rev().find(|&n| a.is_char_boundary(n)).unwrap_or(0)
}

/// Byte length of the longest common suffix, on a character boundary (bytes compared as in
/// `common_prefix`).
pub(crate) fn common_suffix(a: &str, b: &str) -> usize {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let same = x.rchunks_exact(16).zip(y.rchunks_exact(16)).take_while(|(p, q)| p == q).count() * 16;
    let (x, y) = (&x[..x.len() - same], &y[..y.len() - same]);
    let same = same + x.iter().rev().zip(y.iter().rev()).take_while(|(p, q)| p == q).count();
    (0..=same).rev().find(|&n| a.is_char_boundary(a.len() - n)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn between_keeps_only_the_changed_middle() {
        let e = Edit::between(RuleId::builtin("mt.x"), 4, "the smart phone maker", "the smartphone maker");
        assert_eq!((e.column, e.before.as_str(), e.after.as_str()), (10, " ", ""));
    }

    #[test]
    fn between_counts_columns_in_characters() {
        let e = Edit::between(RuleId::builtin("mt.x"), 1, "Ёж flats", "Ёж tablets");
        assert_eq!(e.column, 4);
        assert_eq!((e.before.as_str(), e.after.as_str()), ("fla", "table"));
    }

    #[test]
    fn common_prefix_and_suffix_are_those_of_the_characters() {
        let by_chars = |a: &str, b: &str| {
            let prefix = a
                .char_indices()
                .zip(b.chars())
                .find(|((_, x), y)| x != y)
                .map_or(a.len().min(b.len()), |((i, _), _)| i);
            let suffix: usize =
                a.chars().rev().zip(b.chars().rev()).take_while(|(x, y)| x == y).map(|(x, _)| x.len_utf8()).sum();
            (prefix, suffix)
        };
        let long = "Ёж flats and smart phones, ".repeat(3);
        // é è ũ share their first or last byte: a difference inside a character.
        let texts = [
            "",
            "a",
            "é",
            "è",
            "ũ",
            "xé",
            "xũ",
            "éa",
            "èa",
            "abc",
            "ab",
            "Ёж",
            "Ёё",
            long.as_str(),
            &long[2..],
            "ab\u{1F600}",
        ];
        for a in texts {
            for b in texts {
                for (a, b) in [(a.to_owned(), b.to_owned()), (format!("{long}{a}"), format!("{long}{b}"))] {
                    assert_eq!((common_prefix(&a, &b), common_suffix(&a, &b)), by_chars(&a, &b), "{a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn family_is_the_part_before_the_dot() {
        assert_eq!(RuleId::builtin("residue.also-on").family(), "residue");
    }
}
