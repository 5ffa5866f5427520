//! What changed, where, and which rule did it. Every output mode (diff, summary, check) is rendered
//! from these records; nothing re-derives a change by another route.

use std::borrow::Cow;
use std::fmt;

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

/// One change and the rule that made it.
///
/// `line` is the 1-based line number in the original input and `column` the 1-based character
/// column in that line as the rule saw it (earlier stages may have edited the line already).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The rule that made the change.
    pub rule: RuleId,
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
            line,
            column: before[..prefix].chars().count() + 1,
            before: before[prefix..before.len() - suffix].to_string(),
            after: after[prefix..after.len() - suffix].to_string(),
        }
    }

    /// The removal of a whole line.
    pub fn line_removed(rule: RuleId, line: usize, text: &str) -> Edit {
        Edit { rule, line, column: 1, before: text.to_string(), after: String::new() }
    }
}

/// Byte length of the longest common prefix, on a character boundary.
fn common_prefix(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i)
        // The shorter string may end inside a character of the longer one: back up to a boundary.
        .min(a.len())
}

/// Byte length of the longest common suffix, on a character boundary.
fn common_suffix(a: &str, b: &str) -> usize {
    a.chars().rev().zip(b.chars().rev()).take_while(|(x, y)| x == y).map(|(x, _)| x.len_utf8()).sum()
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
    fn family_is_the_part_before_the_dot() {
        assert_eq!(RuleId::builtin("residue.also-on").family(), "residue");
    }
}
