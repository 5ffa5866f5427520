//! Accepted candidates as rules: an id under `learned.`, a description with the counts, `where`,
//! the literal (or an anchored regex built from it), and examples and keep-texts taken from the
//! group's own documents; each rule is checked against its examples through the real pipeline
//! before it is proposed, and rendered as `[[rule]]` tables of `newsclean.toml`.

use std::collections::HashSet;

use super::score::{Candidate, Form};
use crate::pipeline::Cleaner;
use crate::rules::spec::{Example, MatchSpec, Origin, Place, RuleSpec};
use crate::rules::{RuleSet, Selection};

/// A rule to propose, with what `learn` measured for it.
#[derive(Clone, Debug)]
pub struct Proposal {
    /// The rule.
    pub spec: RuleSpec,
    /// The groups it was learned in (the same rule found in several is proposed once).
    pub groups: Vec<usize>,
    /// Documents where it would fire (outside the documents over the cap).
    pub docs: u32,
    /// Bytes it would remove from them.
    pub bytes: u64,
}

/// The id part made of a group name or a text: lowercase ASCII letters and digits joined by `-`.
pub fn slug(text: &str, words: usize) -> String {
    let mut parts: Vec<String> = Vec::new();
    for w in text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        parts.push(w.to_ascii_lowercase());
        if parts.len() == words {
            break;
        }
    }
    let s = parts.join("-");
    let s: String = s.chars().take(40).collect();
    s.trim_end_matches('-').to_owned()
}

fn position(c: &Candidate, place: Place) -> String {
    let s = &c.stats;
    match place {
        Place::Head if s.max_from_start == 0 => "always the first line".to_owned(),
        Place::Tail if s.max_from_end == 0 => "always the last line".to_owned(),
        Place::Head => format!("always in the first {} lines", s.max_from_start + 1),
        Place::Tail => format!("always in the last {} lines", s.max_from_end + 1),
        _ if s.max_from_end < 5 => format!("in the last {} lines", s.max_from_end + 1),
        _ if s.max_from_start < 5 => format!("in the first {} lines", s.max_from_start + 1),
        _ => "anywhere in the text".to_owned(),
    }
}

fn quote(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    if short.len() < text.len() { format!("`{short}…`") } else { format!("`{short}`") }
}

/// The rule for `c` in `group` (of `group_docs` documents), with `body` a line of the group's
/// text the rule must leave alone; `None` for a form without a rule.
pub fn propose(c: &Candidate, place: Place, group: &str, group_docs: u32, body: &str, id: String) -> RuleSpec {
    let counts = format!("in {} of {group_docs} documents of {group}", c.docs);
    let text = &c.texts[0];
    let line = c.line.clone().unwrap_or_default();
    let (description, place, matcher, example) = match &c.form {
        Form::Lines => {
            let what = if c.texts.len() == 1 {
                format!("Remove the line {}", quote(text))
            } else {
                format!("Remove the block of {} lines starting {}", c.texts.len(), quote(text))
            };
            let block = c.texts.join("\n");
            let (input, output) = match place {
                Place::Head => (format!("{block}\n{body}\n"), format!("{body}\n")),
                Place::Tail => (format!("{body}\n{block}\n"), format!("{body}\n")),
                _ => (format!("{body}\n{block}\n{body}\n"), format!("{body}\n{body}\n")),
            };
            let literal = MatchSpec { literal: Some(c.texts.clone()), ..MatchSpec::default() };
            (format!("{what}: {counts}, {} ({}).", position(c, place), c.why), place, literal, (input, output))
        }
        Form::Label { max_rest } => {
            let regex = format!("{}\\s*.{{1,{max_rest}}}", regex::escape(text));
            let matcher = MatchSpec { regex: Some(regex), ..MatchSpec::default() };
            (
                format!(
                    "Remove a line opening with the label {}: {counts}, {} ({}).",
                    quote(text),
                    position(c, Place::OwnLine),
                    c.why
                ),
                Place::OwnLine,
                matcher,
                (format!("{body}\n{line}\n"), format!("{body}\n")),
            )
        }
        Form::GluedPrefix => {
            let regex = format!("^{}\\s*", regex::escape(text));
            let matcher = MatchSpec { regex: Some(regex), trigger: Some(vec![text.clone()]), ..MatchSpec::default() };
            let rest = line.strip_prefix(text.as_str()).unwrap_or(&line).trim_start();
            (
                format!("Remove the label {} glued to the start of a line: {counts} ({}).", quote(text), c.why),
                Place::InsideLine,
                matcher,
                (format!("{body}\n{line}\n{body}\n"), format!("{body}\n{rest}\n{body}\n")),
            )
        }
        Form::GluedSuffix => {
            let regex = format!("\\s*{}$", regex::escape(text));
            let matcher = MatchSpec { regex: Some(regex), trigger: Some(vec![text.clone()]), ..MatchSpec::default() };
            let kept = line.strip_suffix(text.as_str()).unwrap_or(&line).trim_end();
            (
                format!(
                    "Remove the trailer {} glued to the end of a line: {counts}, {} ({}).",
                    quote(text),
                    position(c, Place::OwnLine),
                    c.why
                ),
                Place::InsideLine,
                matcher,
                // A paragraph after it, as in the corpus: alone at the end, the line could meet
                // built-in rules for a document's last line first.
                (format!("{line}\n{body}\n"), format!("{kept}\n{body}\n")),
            )
        }
    };
    RuleSpec {
        id,
        description,
        place,
        matcher,
        case: Default::default(),
        followed_by: None,
        next_line: None,
        replace: None,
        after_singular: None,
        context: Default::default(),
        enabled: true,
        examples: vec![Example { input: example.0, output: example.1 }],
        keep: vec![format!("{body}\n")],
        origin: Origin::default(),
        parsed_regex: None,
    }
}

/// The rules among `specs` whose examples hold under the current `base` rules plus all of
/// `specs` (as the learned file will run), and the ids of the others. `protect` as in the config.
pub fn verify(base: &RuleSet, specs: Vec<RuleSpec>, protect: &[String]) -> (Vec<RuleSpec>, Vec<(String, String)>) {
    let mut specs = specs;
    let mut dropped = Vec::new();
    // A rule that fails is dropped and the rest checked again (rules interact: a block and a line).
    for _ in 0..4 {
        let user: Vec<RuleSpec> =
            base.all().filter(|r| !r.origin.is_built_in()).cloned().chain(specs.clone()).collect();
        let Ok(mut set) = RuleSet::with_user(user) else { break };
        // The current selection (the learned rules are new: on).
        let off: Vec<String> = base.all().filter(|r| !base.is_enabled(&r.id)).map(|r| r.id.clone()).collect();
        if !off.is_empty() {
            let _ = set.apply(&Selection { select: None, ignore: off });
        }
        let cleaner = Cleaner::with_rules(&set, protect);
        let failing: HashSet<String> = specs
            .iter()
            .filter_map(|s| cleaner.example_failures(s).into_iter().next().map(|f| (s.id.clone(), f)))
            .map(|(id, f)| {
                dropped.push((id.clone(), f));
                id
            })
            .collect();
        if failing.is_empty() {
            return (specs, dropped);
        }
        specs.retain(|s| !failing.contains(&s.id));
    }
    (specs, dropped)
}

/// A TOML basic string.
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| toml_string(s)).collect::<Vec<_>>().join(", "))
}

/// `spec` as a `[[rule]]` table.
pub fn render(spec: &RuleSpec) -> String {
    let m = &spec.matcher;
    let matcher = match (&m.literal, &m.regex) {
        (Some(literal), _) => format!("{{ literal = {} }}", toml_list(literal)),
        (_, Some(regex)) => match &m.trigger {
            Some(trigger) => format!("{{ regex = {}, trigger = {} }}", toml_string(regex), toml_list(trigger)),
            None => format!("{{ regex = {} }}", toml_string(regex)),
        },
        _ => unreachable!("learned rules are literals or regexes"),
    };
    let examples: Vec<String> = spec
        .examples
        .iter()
        .map(|e| format!("{{ input = {}, output = {} }}", toml_string(&e.input), toml_string(&e.output)))
        .collect();
    format!(
        "[[rule]]\nid = {}\ndescription = {}\nwhere = {}\nmatch = {matcher}\nexamples = [{}]\nkeep = {}\n",
        toml_string(&spec.id),
        toml_string(&spec.description),
        toml_string(spec.place.as_str()),
        examples.join(", "),
        toml_list(&spec.keep),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_rule_id_parts() {
        assert_eq!(slug("Share this story!", 4), "share-this-story");
        assert_eq!(slug("sites/Daily_Bugle", 4), "sites-daily-bugle");
        assert_eq!(slug("«»", 4), "");
    }

    #[test]
    fn toml_strings_escape_quotes_and_controls() {
        assert_eq!(toml_string("a \"b\"\\\n\u{1}"), "\"a \\\"b\\\"\\\\\\n\\u0001\"");
    }
}
