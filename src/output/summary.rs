//! Totals rendered from the recorded edits: the summary line (files seen and changed, edits per
//! family) and the `--statistics` table (edits per rule). Rendered to strings; the binary decides
//! where they go.

use std::collections::BTreeMap;

use crate::edit::RuleId;
use crate::pipeline::Outcome;

/// Totals over a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files looked at: cleaned, skipped or failed.
    pub seen: usize,
    /// Files that changed (or would change).
    pub changed: usize,
    /// Files skipped with a note.
    pub skipped: usize,
    /// Files that failed.
    pub failed: usize,
    /// Edits per rule.
    pub by_rule: BTreeMap<RuleId, usize>,
}

impl Summary {
    /// Adds one file's outcome; `changed` is whether it was (or would be) rewritten.
    pub fn add(&mut self, outcome: &Outcome, changed: bool) {
        self.seen += 1;
        self.changed += usize::from(changed);
        for (rule, n) in &outcome.by_rule {
            *self.by_rule.entry(rule.clone()).or_default() += n;
        }
    }

    /// Counts a file passed over with a note.
    pub fn skip(&mut self) {
        self.seen += 1;
        self.skipped += 1;
    }

    /// Counts a file that failed.
    pub fn fail(&mut self) {
        self.seen += 1;
        self.failed += 1;
    }

    /// Edits per rule family (`residue`, `mt`, ...).
    pub fn by_family(&self) -> BTreeMap<&str, usize> {
        let mut families = BTreeMap::new();
        for (rule, n) in &self.by_rule {
            *families.entry(rule.family()).or_default() += n;
        }
        families
    }

    /// One line such as `5 files, 4 changed, 14 edits (mt 5, punct 1, residue 8)`; `changed_word`
    /// is `changed` after a write and `would change` otherwise.
    pub fn line(&self, changed_word: &str) -> String {
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut line = format!("{}, {} {changed_word}", plural(self.seen, "file", "files"), self.changed);
        let edits: usize = self.by_rule.values().sum();
        line.push_str(&format!(", {}", plural(edits, "edit", "edits")));
        if edits > 0 {
            let families: Vec<String> = self.by_family().iter().map(|(f, n)| format!("{f} {n}")).collect();
            line.push_str(&format!(" ({})", families.join(", ")));
        }
        if self.skipped > 0 {
            line.push_str(&format!(", {} skipped", self.skipped));
        }
        if self.failed > 0 {
            line.push_str(&format!(", {} failed", self.failed));
        }
        line
    }
}

/// The `--statistics` table: how often each rule fired, most frequent first, with a total.
pub fn statistics(by_rule: &BTreeMap<RuleId, usize>) -> String {
    let mut rows: Vec<(&RuleId, usize)> = by_rule.iter().map(|(r, n)| (r, *n)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let width = rows.iter().map(|(r, _)| r.as_str().len()).max().unwrap_or(0).max("rule".len());
    let count_width = rows.iter().map(|(_, n)| n.to_string().len()).max().unwrap_or(1).max("edits".len());
    let mut out = format!("{:<width$}  {:>count_width$}\n", "rule", "edits");
    for (rule, n) in &rows {
        out.push_str(&format!("{:<width$}  {n:>count_width$}\n", rule.as_str()));
    }
    let total: usize = rows.iter().map(|(_, n)| n).sum();
    out.push_str(&format!("{:<width$}  {total:>count_width$}\n", "total"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_lists_rules_by_count_with_a_total() {
        let mut by_rule = BTreeMap::new();
        by_rule.insert(RuleId::builtin("residue.also-on"), 2);
        by_rule.insert(RuleId::builtin("mt.smart-phone"), 5);
        assert_eq!(
            statistics(&by_rule),
            "rule             edits\nmt.smart-phone       5\nresidue.also-on      2\ntotal                7\n"
        );
    }

    #[test]
    fn line_groups_edits_by_family() {
        let mut s = Summary::default();
        let mut outcome = Outcome { changed: true, ..Outcome::default() };
        outcome.by_rule.insert(RuleId::builtin("residue.also-on"), 2);
        outcome.by_rule.insert(RuleId::builtin("residue.latest-news"), 1);
        outcome.by_rule.insert(RuleId::builtin("mt.smart-phone"), 1);
        s.add(&outcome, true);
        s.add(&Outcome::default(), false);
        s.fail();
        assert_eq!(s.line("would change"), "3 files, 1 would change, 4 edits (mt 1, residue 3), 1 failed");
    }
}
