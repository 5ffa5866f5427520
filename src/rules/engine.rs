//! The engine that runs rules written as data (`literal`, `words` and `regex` matches, built-in or
//! from `newsclean.toml`). Every literal of every enabled rule (line prefixes, regex triggers,
//! words to replace) goes into one Aho-Corasick automaton, built once; whole-line literals go into a
//! hash table. A line costs one automaton scan however many rules there are, and a regex runs only
//! on lines holding one of its triggers. Rules written in Rust (`builtin`) live in their stages.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind as AcMatchKind};
use regex::Regex;

use super::spec::{Case, Follow, MatchKind, Place, RuleSpec};
use super::text::{
    ends_a_sentence, find_glue, headline_end, is_close_quote, is_headline, is_open_quote, is_title_case,
    starts_like_a_headline,
};
use crate::edit::{Edit, RuleId};
use crate::pipeline::{Context, Stage, WorkBlock};

/// Line rules only look at lines this short: residue lines are headlines and labels, and skipping
/// long paragraphs keeps them cheap.
pub const MAX_RESIDUE_LINE: usize = 300;
/// The SIMD (Teddy) prefilter of aho-corasick serves at most this many patterns.
const TEDDY_PATTERNS: usize = 64;

/// What a pattern of the automaton means for a rule.
#[derive(Clone, Debug)]
enum Role {
    /// The line must start with it (a `line-start` literal).
    Prefix { rule: usize },
    /// A regex rule's trigger: the regex may run on this line.
    Trigger { rule: usize },
    /// A word or literal to replace or remove inside a line; `word` is as written in the rule.
    Inline { rule: usize, word: usize },
}

/// A rule compiled for matching.
struct Compiled {
    id: RuleId,
    place: Place,
    kind: MatchKind,
    case: Case,
    followed_by: Option<Follow>,
    /// A regex the next line must match (both are removed).
    next_line: Option<Regex>,
    /// For regex rules: the pattern anchored as the place needs (whole line, line start, anywhere),
    /// compiled on first use: most rules never meet a line holding their trigger, and Unicode
    /// classes make compiling cost more than a megabyte of cleaning.
    regex: Option<LazyRegex>,
    /// Replacements per string index (or one for all); `None` means removal.
    replace: Vec<Option<String>>,
    /// For rules whose replacement changes number: per string index, what it becomes after a
    /// singular determiner (`None`: left alone there).
    after_singular: Option<Vec<Option<String>>>,
    near: Option<AhoCorasick>,
    not_in_paragraph: Option<AhoCorasick>,
    not_followed_by: Vec<String>,
}

/// What rules a line out cheaply (most lines hold no pattern at all). Up to `TEDDY_PATTERNS`
/// patterns, a leftmost-longest aho-corasick automaton gets its SIMD prefilter (Teddy). Past
/// that, Teddy is off and aho-corasick's DFA loop costs ~15 instructions a byte; the regex crate's
/// lazy DFA over the same literals costs half as much (measured with callgrind on 500 user rules),
/// so it takes over there.
enum QuickFilter {
    Teddy(AhoCorasick),
    LazyDfa(Regex),
}

impl QuickFilter {
    fn new(patterns: &[String]) -> Self {
        if patterns.len() <= TEDDY_PATTERNS {
            let ac = AhoCorasickBuilder::new().match_kind(AcMatchKind::LeftmostLongest).build(patterns);
            return QuickFilter::Teddy(ac.expect("rule literals are plain strings"));
        }
        let alternation: Vec<String> = patterns.iter().map(|p| regex::escape(p)).collect();
        let regex = regex::RegexBuilder::new(&alternation.join("|"))
            .unicode(false)
            .size_limit(1 << 26)
            .dfa_size_limit(1 << 26)
            .build()
            .expect("an alternation of escaped literals is a valid regex");
        QuickFilter::LazyDfa(regex)
    }

    fn is_match(&self, text: &str) -> bool {
        match self {
            QuickFilter::Teddy(ac) => ac.is_match(text),
            QuickFilter::LazyDfa(regex) => regex.is_match(text),
        }
    }
}

/// A regex compiled the first time it is needed.
struct LazyRegex {
    pattern: String,
    compiled: OnceLock<Regex>,
}

impl LazyRegex {
    fn get(&self) -> &Regex {
        self.compiled.get_or_init(|| Regex::new(&self.pattern).expect("rules are checked before they are compiled"))
    }
}

/// The data-rule stage.
pub struct Engine {
    rules: Vec<Compiled>,
    /// Whole-line literals (as written, or lowercased for `case = "ignore"`) → rules.
    exact_lines: HashMap<String, Vec<usize>>,
    exact_lines_folded: HashMap<String, Vec<usize>>,
    /// The longest whole-line literal: longer lines skip the table.
    max_exact_line: usize,
    /// True if some regex rule without triggers removes lines.
    untriggered_lines: bool,
    automaton: Option<AhoCorasick>,
    /// The same patterns, leftmost-longest: only such automata get the SIMD (Teddy) prefilter,
    /// which makes the "nothing here" answer for most lines cheap.
    quick: Option<QuickFilter>,
    roles: Vec<Vec<Role>>,
    /// Regex rules without triggers, tried on every line.
    untriggered: Vec<usize>,
}

/// Finds any of `words` in any case (ASCII case-insensitively, plus the case variants of
/// `case_variants` for other scripts: `Россия`, `РОССИЯ`).
fn words_matcher(words: &[String]) -> Option<AhoCorasick> {
    if words.is_empty() {
        return None;
    }
    let mut all: Vec<String> = words.iter().flat_map(|w| case_variants(w)).collect();
    all.sort();
    all.dedup();
    Some(
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(AcMatchKind::LeftmostLongest)
            .build(all)
            .expect("word lists are plain strings"),
    )
}

/// The spellings a case-insensitive string is matched in: as written, `smart phone`, `Smart phone`,
/// `Smart Phone`, `SMART PHONE`. A case-sensitive automaton over these keeps its SIMD prefilter.
pub fn case_variants(pattern: &str) -> Vec<String> {
    let capitalize = |w: &str| {
        let mut chars = w.chars();
        chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
    };
    let lower = pattern.to_lowercase();
    let title: Vec<String> = lower.split(' ').map(capitalize).collect();
    let mut out = vec![pattern.to_owned(), lower.clone(), capitalize(&lower), title.join(" "), pattern.to_uppercase()];
    out.dedup();
    out
}

/// `replacement` in the case pattern of `original`: `Flats` → `Tablets`, `SMART PHONE` → `SMARTPHONE`.
pub fn keep_case(original: &str, replacement: &str) -> String {
    let letters = || original.chars().filter(|c| c.is_alphabetic());
    if letters().count() > 1 && letters().all(char::is_uppercase) {
        replacement.to_uppercase()
    } else if letters().next().is_some_and(char::is_uppercase) {
        let mut chars = replacement.chars();
        chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
    } else {
        replacement.to_owned()
    }
}

/// True if `text[start..end]` is a whole word or phrase (no letter or digit glued on either side).
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    !text[..start].chars().next_back().is_some_and(char::is_alphanumeric)
        && !text[end..].chars().next().is_some_and(char::is_alphanumeric)
}

fn mentions(matcher: &AhoCorasick, text: &str) -> bool {
    matcher.find_iter(text).any(|m| whole_word(text, m.start(), m.end()))
}

/// True if `text[start..end]` is quoted on both sides: a mention, not residue (`“Also on rt.com”`).
fn quoted(text: &str, start: usize, end: usize) -> bool {
    text[..start].chars().next_back().is_some_and(is_open_quote)
        && text[end..].chars().next().is_some_and(is_close_quote)
}

fn follows(follow: Option<Follow>, rest: &str) -> bool {
    match follow {
        None => true,
        Some(Follow::Text) => !rest.trim().is_empty(),
        Some(Follow::Headline) => is_headline(rest),
        Some(Follow::HeadlineList) => rest.trim().is_empty(),
    }
}

impl Engine {
    /// Compiles `specs` (rules of kind `literal`, `words` or `regex`; others are ignored).
    pub fn new<'a>(specs: impl IntoIterator<Item = &'a RuleSpec>) -> Self {
        let mut engine = Engine {
            rules: Vec::new(),
            exact_lines: HashMap::new(),
            exact_lines_folded: HashMap::new(),
            max_exact_line: 0,
            untriggered_lines: false,
            automaton: None,
            quick: None,
            roles: Vec::new(),
            untriggered: Vec::new(),
        };
        let mut patterns: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut add = |pattern: String, role: Role, roles: &mut Vec<Vec<Role>>| {
            let at = *index.entry(pattern.clone()).or_insert_with(|| {
                patterns.push(pattern);
                roles.push(Vec::new());
                roles.len() - 1
            });
            roles[at].push(role);
        };
        for spec in specs {
            let kind = spec.kind();
            if kind == MatchKind::Builtin {
                continue;
            }
            let rule = engine.rules.len();
            let strings = spec.strings().to_vec();
            let variants = |s: &str| if spec.case == Case::Ignore { case_variants(s) } else { vec![s.to_owned()] };
            let whole_line = matches!(spec.place, Place::OwnLine | Place::Head | Place::Tail);
            match kind {
                MatchKind::Literal | MatchKind::Words if whole_line => {
                    for s in &strings {
                        let s = s.trim();
                        engine.max_exact_line = engine.max_exact_line.max(s.len());
                        if spec.case == Case::Ignore {
                            engine.exact_lines_folded.entry(s.to_lowercase()).or_default().push(rule);
                        } else {
                            engine.exact_lines.entry(s.to_owned()).or_default().push(rule);
                        }
                    }
                }
                MatchKind::Literal | MatchKind::Words if spec.place == Place::LineStart => {
                    for s in &strings {
                        for v in variants(s.trim_start()) {
                            add(v, Role::Prefix { rule }, &mut engine.roles);
                        }
                    }
                }
                MatchKind::Literal | MatchKind::Words => {
                    for (word, s) in strings.iter().enumerate() {
                        for v in variants(s) {
                            add(v, Role::Inline { rule, word }, &mut engine.roles);
                        }
                    }
                }
                MatchKind::Regex => match &spec.matcher.trigger {
                    Some(triggers) => {
                        for t in triggers {
                            for v in variants(t) {
                                add(v, Role::Trigger { rule }, &mut engine.roles);
                            }
                        }
                    }
                    None => {
                        engine.untriggered.push(rule);
                        engine.untriggered_lines |= spec.place.is_line();
                    }
                },
                MatchKind::Builtin => unreachable!("skipped above"),
            }
            let regex = spec.matcher.regex.as_ref().map(|p| {
                let flags = if spec.case == Case::Ignore { "(?i)" } else { "" };
                let anchored = match spec.place {
                    Place::OwnLine | Place::Head | Place::Tail => format!("{flags}^(?:{p})$"),
                    Place::LineStart => format!("{flags}^(?:{p})"),
                    Place::Anywhere | Place::InsideLine => format!("{flags}(?:{p})"),
                };
                LazyRegex { pattern: anchored, compiled: OnceLock::new() }
            });
            let replace = match kind {
                MatchKind::Regex => vec![spec.replacement_for("").map(str::to_owned)],
                _ => strings.iter().map(|s| spec.replacement_for(&lookup_key(spec, s)).map(str::to_owned)).collect(),
            };
            let after_singular = spec.after_singular.as_ref().map(|map| {
                let key = |s: &str| if spec.case == Case::Ignore { s.to_lowercase() } else { s.to_owned() };
                strings.iter().map(|s| map.iter().find(|(k, _)| key(k) == key(s)).map(|(_, v)| v.clone())).collect()
            });
            let lower = |v: &[String]| v.iter().map(|w| w.to_lowercase()).collect::<Vec<_>>();
            engine.rules.push(Compiled {
                id: RuleId::owned(spec.id.clone()),
                place: spec.place,
                kind,
                case: spec.case,
                followed_by: spec.followed_by,
                next_line: spec
                    .next_line
                    .as_ref()
                    .map(|p| Regex::new(&format!("^(?:{p})$")).expect("rules are checked before they are compiled")),
                regex,
                replace,
                after_singular,
                near: words_matcher(&spec.context.near),
                not_in_paragraph: words_matcher(&spec.context.not_in_paragraph),
                not_followed_by: lower(&spec.context.not_followed_by),
            });
        }
        if !patterns.is_empty() {
            // Runs only on the lines the quick filter lets through.
            let full = AhoCorasickBuilder::new().match_kind(AcMatchKind::Standard).build(&patterns);
            engine.automaton = Some(full.expect("rule literals are plain strings"));
            engine.quick = Some(QuickFilter::new(&patterns));
        }
        engine
    }

    /// True if no rule was compiled.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The line rules whose literal or regex the (trimmed) `line` matches, in rule order, with
    /// `places` deciding which places count. Context is not checked here.
    /// `hits` are the automaton's on the untrimmed line, whose trimmed text `line` starts `lead`
    /// bytes in.
    fn line_candidates(&self, line: &str, lead: usize, hits: &[(usize, usize, &Role)], places: &[Place]) -> Vec<usize> {
        let mut found: Vec<usize> = Vec::new();
        let wanted = |r: usize| places.contains(&self.rules[r].place);
        if line.len() <= self.max_exact_line {
            if let Some(rules) = self.exact_lines.get(line) {
                found.extend(rules.iter().copied().filter(|&r| wanted(r)));
            }
            if !self.exact_lines_folded.is_empty()
                && let Some(rules) = self.exact_lines_folded.get(&line.to_lowercase())
            {
                found.extend(rules.iter().copied().filter(|&r| wanted(r)));
            }
        }
        let mut regex_rules: Vec<usize> = self.untriggered.iter().copied().filter(|&r| wanted(r)).collect();
        for &(start, end, role) in hits {
            match *role {
                Role::Prefix { rule }
                    if start == lead
                        && wanted(rule)
                        && end - lead <= line.len()
                        && follows(self.rules[rule].followed_by, &line[end - lead..]) =>
                {
                    found.push(rule);
                }
                Role::Trigger { rule } if wanted(rule) => regex_rules.push(rule),
                _ => {}
            }
        }
        regex_rules.sort_unstable();
        regex_rules.dedup();
        for r in regex_rules {
            let rule = &self.rules[r];
            let Some(regex) = &rule.regex else { continue };
            let Some(m) = regex.get().find(line) else { continue };
            if rule.place == Place::LineStart && !follows(rule.followed_by, &line[m.end()..]) {
                continue;
            }
            found.push(r);
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Automaton hits on `text`, as (start, end, role).
    fn hits<'s>(&'s self, text: &str) -> Vec<(usize, usize, &'s Role)> {
        let Some(ac) = &self.automaton else { return Vec::new() };
        // The overlapping scan has no prefilter; a plain search has one and rules out most lines.
        if self.quick.as_ref().is_some_and(|quick| !quick.is_match(text)) {
            return Vec::new();
        }
        let mut hits = Vec::new();
        for m in ac.find_overlapping_iter(text) {
            for role in &self.roles[m.pattern().as_usize()] {
                hits.push((m.start(), m.end(), role));
            }
        }
        hits
    }

    fn context_allows(&self, rule: usize, block: &WorkBlock, ctx: &Context<'_>) -> bool {
        let rule = &self.rules[rule];
        let own = || block.texts().map(|(_, t)| t);
        if let Some(not) = &rule.not_in_paragraph
            && own().any(|t| mentions(not, t))
        {
            return false;
        }
        match &rule.near {
            None => true,
            Some(near) => own().chain(ctx.neighbour_lines()).any(|t| mentions(near, t)),
        }
    }

    /// The first line rule (of `places`) that removes line `i` here, if any; `hits` are the
    /// automaton's on the line (computed here if not given).
    fn line_rule_for(
        &self,
        block: &WorkBlock,
        ctx: &Context<'_>,
        i: usize,
        places: &[Place],
        hits: Option<&[(usize, usize, &Role)]>,
    ) -> Option<usize> {
        let text = block.text(i)?;
        let line = text.trim();
        if line.is_empty() || line.len() > MAX_RESIDUE_LINE {
            return None;
        }
        let lead = text.len() - text.trim_start().len();
        if hits.is_some_and(<[_]>::is_empty) && line.len() > self.max_exact_line && !self.untriggered_lines {
            return None; // the common case: nothing in the line any line rule looks for
        }
        let computed;
        let hits = match hits {
            Some(hits) => hits,
            None => {
                computed = self.hits(text);
                &computed
            }
        };
        self.line_candidates(line, lead, hits, places).into_iter().find(|&r| {
            (self.rules[r].place != Place::Head || ctx.in_head(block, i))
                && self.rules[r].next_line.as_ref().is_none_or(|next| {
                    (i + 1 < block.len()) && block.text(i + 1).is_some_and(|t| next.is_match(t.trim()))
                })
                && self.context_allows(r, block, ctx)
        })
    }

    /// The list-label rule (`followed_by = "headline-list"`) that `line` is the label of, if any.
    fn list_label(&self, line: &str) -> Option<usize> {
        let line = line.trim();
        if line.is_empty() || line.len() > MAX_RESIDUE_LINE {
            return None;
        }
        self.line_candidates(line, 0, &self.hits(line), &[Place::OwnLine])
            .into_iter()
            .find(|&r| self.rules[r].followed_by == Some(Follow::HeadlineList))
    }

    /// True if line `i` is an item of a headline list: a headline, in Title Case unless the list
    /// runs to the end of the paragraph (a sentence-case subheading after the list stays).
    fn is_list_item(&self, block: &WorkBlock, i: usize) -> bool {
        let is_item = |t: &str| t.trim().len() <= MAX_RESIDUE_LINE && is_headline(t);
        let Some(text) = block.text(i) else { return false };
        is_item(text) && (is_title_case(text) || block.texts().filter(|&(j, _)| j > i).all(|(_, t)| is_item(t)))
    }

    /// A related-link widget shows its headline twice, as a title and after its label (`Trump buys
    /// Canada` / `LATEST: Trump buys Canada`): the title line above the removed `line` goes too.
    fn remove_widget_title(&self, block: &mut WorkBlock, i: usize, line: &str, id: RuleId, edits: &mut Vec<Edit>) {
        let Some(above) = (0..i).rev().find(|&j| block.text(j).is_some()) else { return };
        let title = block.text(above).expect("found present").trim();
        if title.chars().count() >= 12 && line.ends_with(title) && line.len() > title.len() && is_headline(title) {
            block.remove(above, id, edits);
        }
    }

    /// A `line-start` label whose headline is glued to the sentence after it (`READ MORE: Talks
    /// failThe minister said...`): the rule and the line's text without label and headline.
    fn glued_label<'b>(
        &self,
        block: &'b WorkBlock,
        ctx: &Context<'_>,
        i: usize,
        hits: &[(usize, usize, &Role)],
    ) -> Option<(usize, &'b str)> {
        let text = block.text(i)?;
        let lead = text.len() - text.trim_start().len();
        let line = text.trim();
        let label_end = |rule: usize, start: usize, end: usize| -> Option<usize> {
            let compiled = &self.rules[rule];
            if compiled.place != Place::LineStart || compiled.followed_by != Some(Follow::Headline) || start != lead {
                return None;
            }
            Some(end - lead)
        };
        let mut labels: Vec<(usize, usize)> = Vec::new();
        for &(start, end, role) in hits {
            match *role {
                Role::Prefix { rule } => labels.extend(label_end(rule, start, end).map(|at| (rule, at))),
                Role::Trigger { rule } if self.rules[rule].place == Place::LineStart => {
                    let Some(regex) = &self.rules[rule].regex else { continue };
                    if let Some(m) = regex.get().find(line) {
                        labels.extend(label_end(rule, lead, lead + m.end()).map(|at| (rule, at)));
                    }
                }
                _ => {}
            }
        }
        labels.sort_unstable();
        labels.into_iter().find_map(|(rule, at)| {
            let rest = line.get(at..)?.trim_start();
            let headline_at = line.len() - rest.len();
            if !starts_like_a_headline(rest) {
                return None;
            }
            let glue = find_glue(rest)?;
            (is_headline(&rest[..glue]) && self.context_allows(rule, block, ctx))
                .then(|| (rule, &text[lead + headline_at + glue..]))
        })
    }

    /// A related-link label inside a line, after a sentence (many datasets store an article as one
    /// line, so `... he said. READ MORE: <headline> The talks...` is a link box): the byte range to
    /// remove, label and headline, when `headline_end` is sure where the headline ends.
    fn inline_label(&self, text: &str, start: usize, end: usize, rule: usize) -> Option<(usize, usize)> {
        let compiled = &self.rules[rule];
        if compiled.place != Place::LineStart
            || compiled.followed_by != Some(Follow::Headline)
            || !ends_a_sentence(&text[..start])
        {
            return None;
        }
        let label_end = match &compiled.regex {
            Some(regex) => start + regex.get().find(&text[start..])?.end(),
            None => end,
        };
        let rest = text[label_end..].trim_start();
        let rest_at = text.len() - rest.len();
        let headline = headline_end(rest)?;
        if rest_at + headline == text.len() {
            // The box ends the line: the space before it goes too.
            Some((text[..start].trim_end().len(), text.len()))
        } else {
            Some((start, rest_at + headline))
        }
    }

    /// Inline substitutions and removals on line `i`, all in one pass.
    fn apply_inline(
        &self,
        block: &mut WorkBlock,
        ctx: &Context<'_>,
        i: usize,
        hits: &[(usize, usize, &Role)],
        edits: &mut Vec<Edit>,
    ) {
        let Some(text) = block.text(i) else { return };
        let mut candidates: Vec<(usize, usize, usize, String)> = Vec::new(); // start, end, rule, replacement
        let mut allowed: HashMap<usize, bool> = HashMap::new();
        let mut regex_rules: Vec<usize> =
            self.untriggered.iter().copied().filter(|&r| !self.rules[r].place.is_line()).collect();
        for &(start, end, role) in hits {
            match *role {
                Role::Inline { rule, word } => {
                    let compiled = &self.rules[rule];
                    if compiled.kind == MatchKind::Words && !whole_word(text, start, end) {
                        continue;
                    }
                    let replacement = match &compiled.after_singular {
                        Some(singular) if after_singular_determiner(&text[..start]) => {
                            match singular.get(word).cloned().flatten() {
                                Some(singular) => singular,
                                // `a flats` takes no plural, and which singular was meant is a guess.
                                None => continue,
                            }
                        }
                        _ => compiled.replace.get(word).cloned().flatten().unwrap_or_default(),
                    };
                    let replacement = if compiled.case == Case::Ignore {
                        keep_case(&text[start..end], &replacement)
                    } else {
                        replacement
                    };
                    candidates.push((start, end, rule, replacement));
                }
                Role::Trigger { rule } if !self.rules[rule].place.is_line() => regex_rules.push(rule),
                Role::Prefix { rule } | Role::Trigger { rule } => {
                    candidates.extend(
                        self.inline_label(text, start, end, rule).map(|(from, to)| (from, to, rule, String::new())),
                    );
                }
            }
        }
        regex_rules.sort_unstable();
        regex_rules.dedup();
        for r in regex_rules {
            let rule = &self.rules[r];
            let Some(regex) = &rule.regex else { continue };
            let regex = regex.get();
            let template = rule.replace.first().cloned().flatten().unwrap_or_default();
            for caps in regex.captures_iter(text) {
                let m = caps.get(0).expect("group 0 is the match");
                if m.is_empty() {
                    continue;
                }
                let mut replacement = String::new();
                caps.expand(&template, &mut replacement);
                candidates.push((m.start(), m.end(), r, replacement));
            }
        }
        if candidates.is_empty() {
            return;
        }
        // Leftmost first, longest first at the same start, earlier rules first.
        candidates.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        let whole = text.trim();
        let mut accepted: Vec<(usize, usize, usize, String)> = Vec::new();
        let mut taken_to = 0;
        for (start, end, rule, replacement) in candidates {
            if start < taken_to {
                continue;
            }
            let compiled = &self.rules[rule];
            if quoted(text, start, end)
                || (compiled.place == Place::InsideLine && text[start..end].trim() == whole)
                || followed_by_any(&text[end..], &compiled.not_followed_by)
                || block.is_protected(i, start..end)
                || !*allowed.entry(rule).or_insert_with(|| self.context_allows(rule, block, ctx))
            {
                continue;
            }
            taken_to = end;
            accepted.push((start, end, rule, replacement));
        }
        if accepted.is_empty() {
            return;
        }
        let number = block.number(i);
        let mut out = String::with_capacity(text.len() + 8 * accepted.len());
        let mut made = Vec::with_capacity(accepted.len());
        let (mut copied, mut column) = (0, 1);
        for (start, end, rule, replacement) in accepted {
            column += text[copied..start].chars().count();
            out.push_str(&text[copied..start]);
            let before = &text[start..end];
            // A removal takes one of the spaces around it along, so no doubled space is left.
            let (before, end) = if replacement.is_empty() && out.ends_with(' ') && text[end..].starts_with(' ') {
                (&text[start..end + 1], end + 1)
            } else {
                (before, end)
            };
            out.push_str(&replacement);
            made.push(Edit {
                rule: self.rules[rule].id.clone(),
                line: number,
                column,
                before: before.to_owned(),
                after: replacement,
            });
            column += before.chars().count();
            copied = end;
        }
        out.push_str(&text[copied..]);
        block.replace_all(i, out, made, edits);
    }
}

/// The key `replace` is looked up by for a string of a rule (lowercased when case is ignored).
fn lookup_key(spec: &RuleSpec, s: &str) -> String {
    match (&spec.replace, spec.case) {
        (Some(super::spec::Replace::PerWord(map)), Case::Ignore) => {
            map.keys().find(|k| k.to_lowercase() == s.to_lowercase()).cloned().unwrap_or_else(|| s.to_owned())
        }
        _ => s.to_owned(),
    }
}

/// Determiners that take a singular noun: a replacement that is plural cannot follow them.
const SINGULAR_DETERMINERS: &[&str] = &["a", "an", "one", "this", "that", "each", "every", "another"];

/// True if `before` (the text up to a match) ends with a singular determiner and a space
/// (`a flat-panel`, `Each flat panel`).
fn after_singular_determiner(before: &str) -> bool {
    let trimmed = before.trim_end();
    if trimmed.len() == before.len() {
        return false; // glued to the word before: not a separate determiner
    }
    let word = trimmed.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    !word.is_empty() && SINGULAR_DETERMINERS.iter().any(|d| word.eq_ignore_ascii_case(d))
}

fn followed_by_any(rest: &str, words: &[String]) -> bool {
    if words.is_empty() {
        return false;
    }
    let next = rest.trim_start_matches([' ', '-']).split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    let next = next.to_lowercase();
    !next.is_empty() && words.contains(&next)
}

const LINE_PLACES: &[Place] = &[Place::OwnLine, Place::LineStart, Place::Head];
const TAIL_PLACES: &[Place] = &[Place::Tail];
const NOT_HEAD: &[Place] = &[Place::OwnLine, Place::LineStart, Place::Tail];

impl Stage for Engine {
    fn name(&self) -> &'static str {
        "rules"
    }

    /// Any line rule that removes whole lines counts (not `head` ones, and not those that need
    /// the next line too): a paragraph followed only by such lines is the document's last. The
    /// quick filter rules out most lines before any rule is tried.
    fn is_tail_residue(&self, line: &str) -> bool {
        let line = line.trim();
        !line.is_empty()
            && line.len() <= MAX_RESIDUE_LINE
            && self
                .line_candidates(line, 0, &self.hits(line), NOT_HEAD)
                .into_iter()
                .any(|r| self.rules[r].next_line.is_none())
    }

    fn apply(&self, block: &mut WorkBlock, ctx: &Context<'_>, edits: &mut Vec<Edit>) {
        // A list label ending the paragraph before (`TRENDING STORIES`, then a blank line) takes
        // the headlines that open this one.
        let mut list = ctx.prev.and_then(|prev| prev.text_lines().last()).and_then(|last| self.list_label(last));
        for i in 0..block.len() {
            if block.text(i).is_none_or(|t| t.trim().is_empty()) {
                continue;
            }
            if let Some(rule) = list {
                if self.is_list_item(block, i) && block.remove(i, self.rules[rule].id.clone(), edits) {
                    continue;
                }
                list = None;
            }
            let Some(text) = block.text(i) else { continue };
            // One automaton scan per line serves the line rules and the inline ones.
            let mut hits = self.hits(text);
            if hits.is_empty() && self.untriggered.is_empty() && text.trim().len() > self.max_exact_line {
                continue;
            }
            if let Some(rule) = self.line_rule_for(block, ctx, i, LINE_PLACES, Some(&hits)) {
                let id = self.rules[rule].id.clone();
                let line = text.trim().to_owned();
                if block.remove(i, id.clone(), edits) {
                    match self.rules[rule].followed_by {
                        _ if self.rules[rule].next_line.is_some() => {
                            block.remove(i + 1, id, edits);
                        }
                        Some(Follow::HeadlineList) => list = Some(rule),
                        Some(Follow::Headline) => self.remove_widget_title(block, i, &line, id, edits),
                        _ => {}
                    }
                    continue;
                }
            }
            if let Some((rule, rest)) = self.glued_label(block, ctx, i, &hits) {
                let text = block.text(i).expect("present above");
                let rest = format!("{}{rest}", &text[..text.len() - text.trim_start().len()]);
                if !block.replace(i, rest, self.rules[rule].id.clone(), edits) {
                    continue;
                }
                hits = self.hits(block.text(i).expect("just replaced"));
            }
            self.apply_inline(block, ctx, i, &hits, edits);
        }
        if ctx.is_last {
            // Walk back from the last kept line, so that tail residue exposed by removing other
            // tail residue goes in the same run, not the next.
            for i in (0..block.len()).rev() {
                if block.text(i).is_none_or(|t| t.trim().is_empty()) {
                    continue;
                }
                let Some(rule) = self.line_rule_for(block, ctx, i, TAIL_PLACES, None) else { break };
                let id = self.rules[rule].id.clone();
                if !block.remove(i, id, edits) {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::spec::parse_rule_file;

    fn rules(n: usize) -> Vec<RuleSpec> {
        let mut text = String::new();
        for i in 0..n {
            text.push_str(&format!(
                "[[rule]]\nid = \"t.w{i}\"\ndescription = \"x\"\nmatch = {{ words = [\"qqword{i}\"] }}\n\
                 case = \"ignore\"\nreplace = \"word{i}\"\n\n"
            ));
        }
        parse_rule_file(&text, "t").unwrap()
    }

    #[test]
    fn many_rules_take_the_lazy_dfa_filter_and_still_match_every_one() {
        let specs = rules(100);
        let engine = Engine::new(&specs);
        assert!(matches!(engine.quick, Some(QuickFilter::LazyDfa(_))));
        let cleaner = crate::pipeline::Cleaner::with_rules(&crate::rules::RuleSet::with_user(specs).unwrap(), &[]);
        let (out, outcome) = cleaner.clean_str("A qqword7, a QQWORD99 and qqword100x.\n");
        assert_eq!(out, "A word7, a WORD99 and qqword100x.\n");
        assert_eq!(outcome.edits(), 2);
    }

    #[test]
    fn case_is_ignored_beyond_ascii_and_kept_in_the_replacement() {
        let text = "[[rule]]\nid = \"t.ru\"\ndescription = \"x\"\nmatch = { words = [\"смартфон\"] }\n\
                    case = \"ignore\"\nreplace = \"телефон\"\n";
        let set = crate::rules::RuleSet::with_user(parse_rule_file(text, "t").unwrap()).unwrap();
        let cleaner = crate::pipeline::Cleaner::with_rules(&set, &[]);
        let (out, _) = cleaner.clean_str("Смартфон и СМАРТФОН, но не смартфоны.\n");
        assert_eq!(out, "Телефон и ТЕЛЕФОН, но не смартфоны.\n");
    }

    #[test]
    fn few_rules_take_the_teddy_filter() {
        assert!(matches!(Engine::new(&rules(3)).quick, Some(QuickFilter::Teddy(_))));
    }

    #[test]
    fn keep_case_follows_the_original() {
        assert_eq!(keep_case("Flats", "tablets"), "Tablets");
        assert_eq!(keep_case("SMART PHONE", "smartphone"), "SMARTPHONE");
        assert_eq!(keep_case("flats", "tablets"), "tablets");
    }

    #[test]
    fn quoted_mentions_are_left_alone() {
        assert!(quoted("say “flats” now", "say “".len(), "say “flats".len()));
        assert!(!quoted("say flats now", 4, 9));
    }

    #[test]
    fn singular_determiners_are_whole_words_before_a_space() {
        assert!(after_singular_determiner("Huawei sold a "));
        assert!(after_singular_determiner("An "));
        assert!(after_singular_determiner("(every "));
        assert!(!after_singular_determiner("Huawei sold a"));
        assert!(!after_singular_determiner("Kenya "));
        assert!(!after_singular_determiner("the "));
        assert!(!after_singular_determiner(""));
    }
}
