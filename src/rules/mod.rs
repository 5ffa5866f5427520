//! The rules: the built-in ones, defined as data in `builtin.toml` and compiled into the binary,
//! plus a user's from `newsclean.toml`, and which of them are on (`select`/`ignore` by id or
//! family, as ruff does). The schema is in `spec`, the matcher of data rules in `engine`; the rules
//! that need Rust code (`match = { builtin = ... }`) live in their stages.

mod ascii;
mod context;
pub mod engine;
mod nybbles;
mod plain_toml;
mod rarity;
pub mod spec;
pub mod text;

use rayon::prelude::*;
use std::sync::{Arc, OnceLock};

pub use spec::{Example, Place, RuleSpec};

/// The shipped rule file.
const BUILTIN_RULES: &str = include_str!("builtin.toml");

/// A matcher written in Rust, named by `match = { builtin = "…" }` in `rules/builtin.toml`.
pub struct Matcher {
    /// The name `builtin = "…"` gives.
    pub name: &'static str,
    /// The rule it makes edits under.
    pub rule: &'static str,
    /// The source file of the code, from the repository root.
    pub source: &'static str,
}

const fn matcher(name: &'static str, rule: &'static str, source: &'static str) -> Matcher {
    Matcher { name, rule, source }
}

/// Every matcher written in Rust, by name.
pub const MATCHERS: &[Matcher] = &[
    matcher("nfc", "normalize.nfc", "src/stages/normalize/mod.rs"),
    matcher("zero-width", "normalize.zero-width", "src/stages/normalize/mod.rs"),
    matcher("soft-hyphen", "normalize.soft-hyphen", "src/stages/normalize/mod.rs"),
    matcher("odd-space", "normalize.odd-space", "src/stages/normalize/mod.rs"),
    matcher("trailing-whitespace", "normalize.trailing-whitespace", "src/stages/normalize/mod.rs"),
    matcher("html-entity", "normalize.html-entity", "src/stages/normalize/markup.rs"),
    matcher("html-tag", "normalize.html-tag", "src/stages/normalize/markup.rs"),
    matcher("literal-line-break", "normalize.literal-line-break", "src/stages/normalize/damage.rs"),
    matcher("glued-link-words", "normalize.glued-link-words", "src/stages/normalize/damage.rs"),
    matcher("utf8-as-cp1252", "mojibake.utf8-as-cp1252", "src/stages/mojibake/mod.rs"),
    matcher("utf8-as-cp1251", "mojibake.utf8-as-cp1251", "src/stages/mojibake/mod.rs"),
    matcher("utf8-as-other-codepage", "mojibake.utf8-as-other-codepage", "src/stages/mojibake/mod.rs"),
    matcher("c1-controls", "mojibake.c1-controls", "src/stages/mojibake/mod.rs"),
    matcher("macroman-as-latin1", "mojibake.macroman-as-latin1", "src/stages/mojibake/macroman.rs"),
    matcher("also-on", "residue.also-on", "src/stages/residue.rs"),
    matcher("image-caption", "residue.image-caption", "src/stages/residue.rs"),
    matcher("chrome-link-refs", "chrome.link-refs", "src/stages/chrome.rs"),
    matcher("chrome-form", "chrome.form", "src/stages/chrome.rs"),
    matcher("chrome-menu", "chrome.menu", "src/stages/chrome.rs"),
    matcher("chrome-link-line", "chrome.link-line", "src/stages/chrome.rs"),
    matcher("chrome-headline-list", "chrome.headline-list", "src/stages/chrome.rs"),
    matcher("chrome-timestamp", "chrome.timestamp", "src/stages/chrome.rs"),
    matcher("chrome-image", "chrome.image", "src/stages/chrome.rs"),
    matcher("chrome-title", "chrome.title", "src/stages/chrome.rs"),
    matcher("chrome-credit", "chrome.credit", "src/stages/chrome.rs"),
    matcher("share-run", "residue.share-run", "src/stages/widgets.rs"),
    matcher("photo-gallery", "residue.photo-gallery", "src/stages/widgets.rs"),
    matcher("newsletter-box", "residue.newsletter-box", "src/stages/widgets.rs"),
    matcher("headline-read-more", "residue.headline-read-more", "src/stages/widgets.rs"),
    matcher("donation-appeal", "residue.donation-appeal", "src/stages/widgets.rs"),
    matcher("glued-caption", "residue.glued-caption", "src/stages/widgets.rs"),
    matcher("spaced-double-period", "punct.spaced-double-period", "src/stages/punct.rs"),
];

/// The matcher named `name`.
pub fn matcher_named(name: &str) -> Option<&'static Matcher> {
    MATCHERS.iter().find(|m| m.name == name)
}

/// The names of the matchers written in Rust that built-in rules may name in
/// `match = { builtin = ... }`.
fn builtin_matchers() -> Vec<&'static str> {
    MATCHERS.iter().map(|m| m.name).collect()
}

/// Every built-in rule, in pipeline order, parsed once.
pub fn builtin() -> &'static [RuleSpec] {
    static RULES: OnceLock<Vec<RuleSpec>> = OnceLock::new();
    RULES.get_or_init(|| {
        let rules = spec::parse_rule_file(BUILTIN_RULES, spec::Origin::BUILT_IN).expect("the shipped rule file parses");
        for rule in &rules {
            if let Err(e) = rule.check(&builtin_matchers(), true) {
                panic!("built-in rule `{}`: {e}", rule.id);
            }
        }
        rules
    })
}

/// Which rules are on: a `select` list (default: the rules enabled by default) minus an `ignore`
/// list. Selectors are rule ids, families (`residue`) or `all`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Selection {
    /// Rules to turn on; `None` means the rules enabled by default.
    pub select: Option<Vec<String>>,
    /// Rules to turn off.
    pub ignore: Vec<String>,
}

/// True if `selector` names `id` (the id itself, its family, or `all`).
fn names(selector: &str, id: &str) -> bool {
    selector == "all" || selector == id || id.split('.').next() == Some(selector)
}

/// A user rule that cannot join a rule set: which one (its index in the user's rules) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRuleError {
    /// The index of the rule at fault.
    pub index: usize,
    /// Where the rule at fault is defined (the rules themselves are moved into the set).
    pub origin: spec::Origin,
    /// Why, naming the rule's id.
    pub message: String,
}

/// The built-in rules and a user's, with which of them are on.
#[derive(Clone, Debug)]
pub struct RuleSet {
    /// Shared by every copy of the set: a selection changes only `enabled`, and copying (and
    /// freeing) thousands of user rules for each cleaner, and to check the command line's
    /// selectors, cost a tenth of such a file's start-up.
    rules: Arc<[RuleSpec]>,
    /// How many of `rules` are built-in; the user's come after them.
    builtin: usize,
    enabled: Vec<bool>,
}

impl RuleSet {
    /// The built-in rules, with their default state.
    pub fn builtin() -> Self {
        static SHARED: OnceLock<Arc<[RuleSpec]>> = OnceLock::new();
        let rules = SHARED.get_or_init(|| builtin().into()).clone();
        let enabled = rules.iter().map(|r| r.enabled).collect();
        RuleSet { builtin: rules.len(), rules, enabled }
    }

    /// The built-in rules and `user` rules after them (their ids must be new). An error names the
    /// user rule at fault, by its index in `user`.
    pub fn with_user(mut user: Vec<RuleSpec>) -> Result<Self, UserRuleError> {
        let builtin = builtin();
        // Checking compiles each regex: done on every core, the first failure reported.
        let matchers = builtin_matchers();
        let checks: Vec<Result<Option<spec::ParsedRegex>, String>> =
            user.par_iter().map(|rule| rule.check_parsed(&matchers, false)).collect();
        // FxHash: the ids are the rules' own, and SipHash over thousands of them showed in start-up.
        let mut seen: rustc_hash::FxHashSet<&str> = builtin.iter().map(|r| r.id.as_str()).collect();
        for (index, (rule, check)) in user.iter().zip(&checks).enumerate() {
            let fail = |message: String| UserRuleError { index, origin: rule.origin.clone(), message };
            if let Err(e) = check {
                return Err(fail(format!("rule `{}`: {e}", rule.id)));
            }
            if !seen.insert(&rule.id) {
                return Err(fail(format!("rule `{}` is defined twice (or reuses a built-in id)", rule.id)));
            }
        }
        drop(seen);
        for (rule, check) in user.iter_mut().zip(checks) {
            rule.parsed_regex = check.ok().flatten();
        }
        let mut rules = Vec::with_capacity(builtin.len() + user.len());
        rules.extend_from_slice(builtin);
        rules.append(&mut user);
        let enabled = rules.iter().map(|r| r.enabled).collect();
        Ok(RuleSet { rules: rules.into(), builtin: builtin.len(), enabled })
    }

    /// The user's rules, in the order given.
    pub fn user_rules(&self) -> &[RuleSpec] {
        &self.rules[self.builtin..]
    }

    /// Applies `selection`: with a `select` list only the rules it names are on, then the ones
    /// `ignore` names are off. Unknown selectors are an error naming the nearest known ids.
    pub fn apply(&mut self, selection: &Selection) -> Result<(), String> {
        for selector in selection.select.iter().flatten().chain(&selection.ignore) {
            self.check_selector(selector)?;
        }
        for (rule, on) in self.rules.iter().zip(&mut self.enabled) {
            if let Some(select) = &selection.select {
                *on = select.iter().any(|s| names(s, &rule.id));
            }
            if selection.ignore.iter().any(|s| names(s, &rule.id)) {
                *on = false;
            }
        }
        Ok(())
    }

    /// Turns on the rules `select` names and then off the ones `ignore` names, leaving the others
    /// as they are (for per-path overrides).
    pub fn adjust(&mut self, select: &[String], ignore: &[String]) -> Result<(), String> {
        for selector in select.iter().chain(ignore) {
            self.check_selector(selector)?;
        }
        for (rule, on) in self.rules.iter().zip(&mut self.enabled) {
            if select.iter().any(|s| names(s, &rule.id)) {
                *on = true;
            }
            if ignore.iter().any(|s| names(s, &rule.id)) {
                *on = false;
            }
        }
        Ok(())
    }

    /// Fails with a helpful message unless `selector` names at least one rule.
    pub fn check_selector(&self, selector: &str) -> Result<(), String> {
        if self.rules.iter().any(|r| names(selector, &r.id)) {
            return Ok(());
        }
        let near = self.nearest(selector);
        let hint = if near.is_empty() { String::new() } else { format!("; did you mean {}?", near.join(", ")) };
        Err(format!("unknown rule or family `{selector}`{hint} (`newsclean rules` lists them)"))
    }

    /// Up to three known ids or families closest to `name` (edit distance).
    pub fn nearest(&self, name: &str) -> Vec<String> {
        let mut known: Vec<String> = self.rules.iter().map(|r| r.id.clone()).collect();
        known.extend(self.rules.iter().map(|r| r.family().to_owned()));
        known.sort();
        known.dedup();
        let mut scored: Vec<(usize, String)> = known
            .into_iter()
            .map(|k| {
                let tail = k.split_once('.').map_or(k.as_str(), |(_, n)| n);
                (strsim::levenshtein(name, &k).min(strsim::levenshtein(name, tail) + 1), k)
            })
            .filter(|(d, k)| *d <= (k.len() / 3).max(2))
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, k)| format!("`{k}`")).collect()
    }

    /// Every rule, in pipeline order.
    pub fn all(&self) -> impl Iterator<Item = &RuleSpec> {
        self.rules.iter()
    }

    /// The rules that are on.
    pub fn enabled(&self) -> impl Iterator<Item = &RuleSpec> {
        self.rules.iter().zip(&self.enabled).filter(|(_, on)| **on).map(|(r, _)| r)
    }

    /// The rules that are off.
    pub fn disabled(&self) -> impl Iterator<Item = &RuleSpec> {
        self.rules.iter().zip(&self.enabled).filter(|(_, on)| !**on).map(|(r, _)| r)
    }

    /// True if the rule with this id is on.
    pub fn is_enabled(&self, id: &str) -> bool {
        self.rules.iter().zip(&self.enabled).any(|(r, on)| *on && r.id == id)
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&RuleSpec> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// What tests of several modules run the built-in pipeline over: the seed articles of
/// `testdata/seeds`, and every built-in rule's examples and keep-texts.
#[cfg(test)]
pub(crate) fn sample_texts() -> Vec<String> {
    let mut texts: Vec<String> = std::fs::read_dir("testdata/seeds")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for rule in RuleSet::builtin().all() {
        texts.extend(rule.examples.iter().map(|e| e.input.clone()));
        texts.extend(rule.keep.iter().cloned());
    }
    texts
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::pipeline::Cleaner;

    #[test]
    fn every_rule_changes_its_examples_and_keeps_its_keep_examples() {
        let cleaner = Cleaner::new();
        for rule in builtin() {
            assert!(!rule.examples.is_empty() && !rule.keep.is_empty(), "{} needs both kinds of example", rule.id);
            for Example { input, output } in &rule.examples {
                let (out, outcome) = cleaner.clean_str(input);
                assert_eq!(&out, output, "{} on {input:?}", rule.id);
                assert!(outcome.by_rule.keys().any(|k| k.as_str() == rule.id), "{} did not fire on {input:?}", rule.id);
            }
            for keep in &rule.keep {
                let (out, outcome) = cleaner.clean_str(keep);
                assert_eq!(&out, keep, "{} changed a keep-example", rule.id);
                assert_eq!(outcome.edits(), 0, "{keep:?}");
            }
        }
    }

    #[test]
    fn each_example_still_changes_with_only_its_own_rule_on() {
        for rule in builtin() {
            let mut set = RuleSet::builtin();
            set.apply(&Selection { select: Some(vec![rule.id.clone()]), ignore: vec![] }).unwrap();
            let cleaner = Cleaner::with_rules(&set, &[]);
            for Example { input, .. } in &rule.examples {
                let (_, outcome) = cleaner.clean_str(input);
                assert!(outcome.by_rule.keys().all(|k| k.as_str() == rule.id), "{}: {outcome:?}", rule.id);
                assert!(outcome.edits() > 0, "{} alone did not fire on {input:?}", rule.id);
            }
        }
    }

    #[test]
    fn rule_ids_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for rule in builtin() {
            let id = rule.id.as_str();
            assert!(seen.insert(id.to_owned()), "duplicate id {id}");
            assert!(["normalize", "mojibake", "residue", "chrome", "mt", "punct"].contains(&rule.family()), "{id}");
            assert!(rule.origin.line > 0, "{id} was located in the rule file");
        }
    }

    #[test]
    fn a_dangling_credit_above_an_own_line_trailer_goes_in_the_same_run() {
        // Found by scripts/eval_corpus.sh: the trailer (an own-line regex rule) must count as tail
        // residue, or the credit above it is only removed by a second run.
        let text = "Text.\n\nCredit :\n\nFor more stories on economy & finance visit RT's business section\n";
        let (once, _) = Cleaner::new().clean_str(text);
        assert_eq!(once, "Text.\n");
        assert_eq!(Cleaner::new().clean_str(&once).1.edits(), 0);
    }

    #[test]
    fn every_builtin_regex_compiles() {
        for rule in builtin() {
            for pattern in rule.matcher.regex.iter().chain(&rule.next_line) {
                assert!(regex::Regex::new(pattern).is_ok(), "{}: {pattern}", rule.id);
            }
        }
    }

    #[test]
    fn every_rust_matcher_names_its_rule_and_a_source_file_that_defines_that_rule() {
        for rule in builtin() {
            let Some(name) = rule.matcher.builtin.as_deref() else { continue };
            let matcher = matcher_named(name).expect("checked when the rules load");
            assert_eq!(matcher.rule, rule.id, "matcher `{name}`");
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(matcher.source);
            let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(source.contains(&format!("RuleId::builtin(\"{}\")", rule.id)), "{} in {}", rule.id, matcher.source);
        }
    }

    #[test]
    fn every_builtin_matcher_is_used_once() {
        let used: Vec<&str> = builtin().iter().filter_map(|r| r.matcher.builtin.as_deref()).collect();
        let mut sorted = used.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), used.len());
        assert_eq!(sorted.len(), builtin_matchers().len());
    }

    #[test]
    fn select_and_ignore_take_ids_and_families_and_suggest_the_nearest() {
        let mut set = RuleSet::builtin();
        set.apply(&Selection { select: None, ignore: vec!["residue".into()] }).unwrap();
        assert!(!set.is_enabled("residue.also-on") && set.is_enabled("mt.smart-phone"));
        let mut set = RuleSet::builtin();
        set.apply(&Selection { select: Some(vec!["mt".into()]), ignore: vec!["mt.smart-phone".into()] }).unwrap();
        assert!(set.is_enabled("mt.flats-tablets") && !set.is_enabled("mt.smart-phone"));
        assert!(!set.is_enabled("normalize.nfc"));
        let e = RuleSet::builtin().apply(&Selection { select: None, ignore: vec!["residue.also-onn".into()] });
        assert!(e.unwrap_err().contains("did you mean `residue.also-on`"));
        let e = RuleSet::builtin().apply(&Selection { select: None, ignore: vec!["residu".into()] });
        assert!(e.unwrap_err().contains("`residue`"));
    }
}
