//! The rule schema: what a `[[rule]]` table says (id, description, where, match, case, context,
//! replacement, examples), parsed with serde from the built-in rule file and from users'
//! `newsclean.toml`, and checked once so that the engine can trust it. Compiling rules into
//! matchers is the engine's job.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;

/// Where in a document a rule looks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Place {
    /// Anywhere in a line (substitutions and removals of words or phrases).
    #[default]
    Anywhere,
    /// Inside a line that has other text too.
    InsideLine,
    /// A whole line (after trimming) is the match; the line is removed.
    OwnLine,
    /// A line starts with the match, followed by what `followed_by` asks; the line is removed.
    LineStart,
    /// A whole line among the document's first lines (`pipeline::HEAD_LINES`).
    Head,
    /// A whole line at the document's end (and any such lines above it).
    Tail,
}

impl Place {
    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Place::Anywhere => "anywhere",
            Place::InsideLine => "inside-line",
            Place::OwnLine => "own-line",
            Place::LineStart => "line-start",
            Place::Head => "head",
            Place::Tail => "tail",
        }
    }

    /// True for the places whose rules remove whole lines.
    pub fn is_line(self) -> bool {
        matches!(self, Place::OwnLine | Place::LineStart | Place::Head | Place::Tail)
    }
}

/// How letters are compared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Case {
    /// As written.
    #[default]
    Exact,
    /// Any case; a replacement takes the case of what it replaces (`Flats` → `Tablets`).
    Ignore,
}

/// What must follow the prefix of a `line-start` rule, or the label of an `own-line` one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Follow {
    /// `line-start`: a headline (capitalised, short, not sentences of running text), on its own or
    /// glued to the sentence after it (`READ MORE: Talks failThe minister said...`: the sentence stays).
    Headline,
    /// `line-start`: any text.
    Text,
    /// `own-line`: the label of a list of headlines (`READ MORE:`, `TRENDING STORIES`); the
    /// headline lines right after it, in its paragraph or the next, go with it.
    HeadlineList,
}

/// What a rule matches. Exactly one of `literal`, `words`, `regex` and `builtin` is given.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    /// Exact strings.
    pub literal: Option<Vec<String>>,
    /// Words or phrases, matched only as whole words.
    pub words: Option<Vec<String>>,
    /// A regular expression (Rust `regex` syntax).
    pub regex: Option<String>,
    /// Literals one of which a line must contain before the regex runs (keeps regex rules cheap).
    pub trigger: Option<Vec<String>>,
    /// A matcher written in Rust (built-in rules only).
    pub builtin: Option<String>,
}

/// A replacement: one string for every match, or one per word.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Replace {
    /// The same replacement for every match.
    One(String),
    /// A replacement per matched word (keys as written in `words` or `literal`).
    PerWord(BTreeMap<String, String>),
}

/// Where a rule may fire, judged from the words around the match.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    /// One of these must appear in the paragraph or a neighbouring one.
    #[serde(default)]
    pub near: Vec<String>,
    /// None of these may appear in the paragraph.
    #[serde(default)]
    pub not_in_paragraph: Vec<String>,
    /// The match must not be followed by one of these words (`flat-panel displays`).
    #[serde(default)]
    pub not_followed_by: Vec<String>,
}

impl ContextSpec {
    /// True if the condition asks nothing.
    pub fn is_empty(&self) -> bool {
        self.near.is_empty() && self.not_in_paragraph.is_empty() && self.not_followed_by.is_empty()
    }
}

/// A text a rule must change and what it must become.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The document before.
    pub input: String,
    /// The document after the whole pipeline.
    pub output: String,
}

/// One rule as written in a rule file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// `family.kebab-name`.
    pub id: String,
    /// One line saying what the rule does.
    pub description: String,
    /// Where it looks.
    #[serde(rename = "where", default)]
    pub place: Place,
    /// What it matches.
    #[serde(rename = "match")]
    pub matcher: MatchSpec,
    /// How letters are compared.
    #[serde(default)]
    pub case: Case,
    /// For `line-start`: what must follow the prefix (default: anything, even nothing).
    pub followed_by: Option<Follow>,
    /// For line rules: a regex the next line of the paragraph must match as a whole; both lines
    /// are removed (a forum label and its value: `Joined` / `Feb 22, 2016`).
    pub next_line: Option<String>,
    /// The replacement; absent means the match (or its line) is removed.
    pub replace: Option<Replace>,
    /// For a `replace` per word that changes number (`flat-panel` → `tablets`): what each word
    /// becomes after a singular determiner (`a`, `an`, `one`, `this`, `that`, `each`, `every`,
    /// `another`). A word not listed is left alone there, so `a flats` never becomes `a tablets`.
    pub after_singular: Option<BTreeMap<String, String>>,
    /// Where it may fire.
    #[serde(default)]
    pub context: ContextSpec,
    /// False for rules that run only when selected.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Texts it must change.
    #[serde(default)]
    pub examples: Vec<Example>,
    /// Texts the pipeline must leave alone.
    #[serde(default)]
    pub keep: Vec<String>,
    /// Where the rule starts in its file (filled in after parsing, for messages).
    #[serde(skip)]
    pub origin: Origin,
    /// `match.regex` and its syntax tree, kept when a user rule is checked: the engine reads the
    /// literals every match starts or ends with from it, and parsing a regex with a Unicode class
    /// twice cost a file of thousands of rules a sixth of its start-up.
    #[serde(skip)]
    pub parsed_regex: Option<ParsedRegex>,
}

/// A regex as written and its syntax tree (see `RuleSpec::parsed_regex`).
#[derive(Clone, Debug)]
pub struct ParsedRegex {
    /// The pattern parsed.
    pub pattern: String,
    /// What it parsed to.
    pub hir: std::sync::Arc<regex_syntax::hir::Hir>,
}

fn yes() -> bool {
    true
}

/// Where a rule was defined.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The file (`built-in` for the shipped rules).
    pub file: String,
    /// 1-based line of its `id` (0 if unknown).
    pub line: usize,
    /// 1-based character column of its `id`'s value.
    pub column: usize,
}

impl Origin {
    /// The `file` of the shipped rules.
    pub const BUILT_IN: &str = "built-in";

    /// True for a shipped rule, false for a user's.
    pub fn is_built_in(&self) -> bool {
        self.file == Origin::BUILT_IN
    }
}

/// The kind of match a rule makes, once checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchKind {
    /// `literal`.
    Literal,
    /// `words`.
    Words,
    /// `regex`.
    Regex,
    /// `builtin`.
    Builtin,
}

impl RuleSpec {
    /// The family: the part of the id before the dot.
    pub fn family(&self) -> &str {
        self.id.split('.').next().unwrap_or(&self.id)
    }

    /// Which kind of match it makes (valid after `check`).
    pub fn kind(&self) -> MatchKind {
        let m = &self.matcher;
        if m.builtin.is_some() {
            MatchKind::Builtin
        } else if m.regex.is_some() {
            MatchKind::Regex
        } else if m.words.is_some() {
            MatchKind::Words
        } else {
            MatchKind::Literal
        }
    }

    /// The strings of `literal` or `words`.
    pub fn strings(&self) -> &[String] {
        self.matcher.literal.as_deref().or(self.matcher.words.as_deref()).unwrap_or(&[])
    }

    /// The replacement for a match of `word` (as written in the rule), or `None` for a removal.
    pub fn replacement_for(&self, word: &str) -> Option<&str> {
        match &self.replace {
            None => None,
            Some(Replace::One(s)) => Some(s),
            Some(Replace::PerWord(map)) => map.get(word).map(String::as_str).or(Some("")),
        }
    }

    /// Checks what serde cannot: the id's shape, one kind of match, and combinations that make sense.
    pub fn check(&self, builtin_names: &[&str], allow_builtin: bool) -> Result<(), String> {
        self.check_parsed(builtin_names, allow_builtin).map(drop)
    }

    /// `check`, giving back the parsed `match.regex` of a user rule (see `parsed_regex`).
    pub fn check_parsed(&self, builtin_names: &[&str], allow_builtin: bool) -> Result<Option<ParsedRegex>, String> {
        let mut parsed = None;
        check_id(&self.id)?;
        if self.description.trim().is_empty() {
            return Err("needs a description".into());
        }
        let m = &self.matcher;
        let given = [m.literal.is_some(), m.words.is_some(), m.regex.is_some(), m.builtin.is_some()];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err("`match` needs exactly one of `literal`, `words`, `regex` or `builtin`".into());
        }
        if m.trigger.is_some() && m.regex.is_none() {
            return Err("`trigger` goes with `regex` only".into());
        }
        if let Some(name) = &m.builtin {
            if !allow_builtin {
                return Err("`builtin` matchers are for the shipped rules; use `literal`, `words` or `regex`".into());
            }
            if !builtin_names.contains(&name.as_str()) {
                return Err(format!("unknown builtin matcher `{name}`"));
            }
            return Ok(None);
        }
        if self.strings().iter().any(|s| s.trim().is_empty()) || m.literal.as_ref().is_some_and(Vec::is_empty) {
            return Err("`literal` and `words` need non-empty strings".into());
        }
        if m.words.as_ref().is_some_and(Vec::is_empty) {
            return Err("`words` needs at least one word".into());
        }
        if let Some(pattern) = &m.regex {
            // A user's regex is checked here, once, so that one too large to compile (`\w{5000}`)
            // is reported with its rule and place before any file is touched, not found mid-run
            // (the engine compiles a rule's regex lazily); the tests compile the shipped ones.
            if !allow_builtin {
                let hir = check_regex(pattern).map_err(|e| format!("bad regex: {e}"))?;
                parsed = Some(ParsedRegex { pattern: pattern.clone(), hir: std::sync::Arc::new(hir) });
            }
            if m.trigger.as_ref().is_some_and(|t| t.is_empty() || t.iter().any(String::is_empty)) {
                return Err("`trigger` needs non-empty literals".into());
            }
        }
        if self.place.is_line() && self.replace.is_some() {
            return Err(format!("`{}` rules remove whole lines: drop `replace`", self.place.as_str()));
        }
        if let Some(next) = &self.next_line {
            if !self.place.is_line() || self.place == Place::Tail {
                return Err("`next_line` goes with `own-line`, `line-start` and `head` rules".into());
            }
            if !allow_builtin {
                check_regex(next).map_err(|e| format!("bad `next_line` regex: {e}"))?;
            }
        }
        match self.followed_by {
            Some(Follow::HeadlineList) if self.place != Place::OwnLine => {
                return Err("`followed_by = \"headline-list\"` goes with `where = \"own-line\"` only".into());
            }
            Some(Follow::Headline | Follow::Text) if self.place != Place::LineStart => {
                return Err(
                    "`followed_by` goes with `where = \"line-start\"` (or `headline-list` with `own-line`)".into()
                );
            }
            _ => {}
        }
        if let Some(Replace::PerWord(map)) = &self.replace {
            if m.regex.is_some() {
                return Err("a regex rule takes one `replace` string".into());
            }
            let key = |s: &str| if self.case == Case::Ignore { s.to_lowercase() } else { s.to_owned() };
            for word in self.strings() {
                if !map.keys().any(|k| key(k) == key(word)) {
                    return Err(format!("`replace` has no entry for `{word}`"));
                }
            }
        }
        if let Some(singular) = &self.after_singular {
            if !matches!(self.replace, Some(Replace::PerWord(_))) {
                return Err("`after_singular` goes with a `replace` per word".into());
            }
            let key = |s: &str| if self.case == Case::Ignore { s.to_lowercase() } else { s.to_owned() };
            if let Some(extra) = singular.keys().find(|k| !self.strings().iter().any(|w| key(w) == key(k))) {
                return Err(format!("`after_singular` names `{extra}`, which the rule does not match"));
            }
        }
        Ok(parsed)
    }
}

/// Checks that an id is `family.kebab-name`.
pub fn check_id(id: &str) -> Result<(), String> {
    let ok_part = |p: &str| {
        !p.is_empty()
            && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !p.starts_with('-')
            && !p.ends_with('-')
    };
    match id.split_once('.') {
        Some((family, name)) if ok_part(family) && ok_part(name) => Ok(()),
        _ => Err(format!("rule id `{id}` must be `family.kebab-name` (lowercase letters, digits, `-`)")),
    }
}

/// A rule file's top level: just its rules (`newsclean.toml` has more, parsed in `config`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleFile {
    #[serde(default)]
    pub(super) rule: Vec<RuleSpec>,
}

/// A parse error with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// The 1-based line and column of byte `at` in `text`.
pub fn line_column(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before, |nl| &before[nl + 1..]).chars().count() + 1;
    (line, column)
}

/// Checks that `pattern` compiles as the engine will compile it: its syntax, and the size of the
/// automaton against the regex crate's default limit (`\w{5000}` is refused). Only the forward
/// automaton is built, which is what the limit measures, and only when `nfa_size_bound` cannot
/// show it fits: building it for a small regex with a Unicode class (`\d{4}`) costs ten times
/// what parsing does, for files of thousands of rules. So a regex within the bound is accepted
/// as building it would accept it, and any other gets the compiler's own answer and message.
///
/// One parser and one compiler per thread serve every pattern: a new compiler allocates and
/// clears its UTF-8 suffix cache (10,000 entries); a compiler starts each build afresh, so the
/// result is the same.
fn check_regex(pattern: &str) -> Result<regex_syntax::hir::Hir, String> {
    use regex_automata::nfa::thompson;
    use std::cell::RefCell;
    thread_local! {
        static PARSER: RefCell<regex_syntax::Parser> = RefCell::new(regex_syntax::ParserBuilder::new().build());
        static COMPILER: thompson::Compiler = {
            let config = thompson::Config::new().nfa_size_limit(Some(REGEX_SIZE_LIMIT)).shrink(false);
            let mut compiler = thompson::Compiler::new();
            compiler.configure(config);
            compiler
        };
    }
    let hir = PARSER.with_borrow_mut(|parser| parser.parse(pattern).map_err(|e| e.to_string()))?;
    // The quick bound first; classes counted exactly only where it does not show the regex fits.
    let fits = |exact| nfa_size_bound(&hir, exact).saturating_add(NFA_FRAME_BYTES) <= REGEX_SIZE_LIMIT as u64;
    if fits(false) || fits(true) {
        return Ok(hir);
    }
    COMPILER.with(|compiler| {
        compiler.build_from_hir(&hir).map(drop).map_err(|e| match e.size_limit() {
            Some(limit) => format!("compiled regex exceeds size limit of {limit} bytes"),
            None => e.to_string(),
        })
    })?;
    Ok(hir)
}

/// What the forward automaton of a whole pattern adds around its expression, in bytes (the
/// unanchored prefix `(?s-u:.)*?`, the capture of group 0, the start and match states: a dozen
/// states of 32 bytes), with room to spare.
const NFA_FRAME_BYTES: u64 = 2048;

/// An upper bound on what regex-automata's Thompson compiler (0.4, without shrinking, forward)
/// counts against its size limit for `hir`: 32 bytes per state, plus 8 per transition of a sparse
/// state and 4 per alternative of a union. It follows how the compiler builds each kind of node:
/// a literal takes a state per byte; a class one sparse state (ASCII) or a state per node of its
/// UTF-8 trie, at most one per byte range of its UTF-8 sequences; a repetition a copy of its
/// expression per allowed occurrence, with a union each; an alternation of literals a trie of at
/// most two states per byte; each bound is rounded up. With `exact`, a class's UTF-8 sequences are
/// counted; without, a range of characters of one encoded length `L` is taken to split into
/// `2L - 1` sequences of `L` byte ranges, twice over for the surrogates' gap: a bound as sure, and
/// free to compute (counting cost a third of checking a regex with `\d`).
fn nfa_size_bound(hir: &regex_syntax::hir::Hir, exact: bool) -> u64 {
    use regex_syntax::hir::{Class, HirKind, Literal};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 32,
        HirKind::Literal(Literal(bytes)) => 32 * (bytes.len() as u64).max(1),
        HirKind::Class(Class::Bytes(class)) => 96 + 8 * class.ranges().len() as u64,
        HirKind::Class(Class::Unicode(class)) if class.is_ascii() => 96 + 8 * class.ranges().len() as u64,
        HirKind::Class(Class::Unicode(class)) if exact => {
            let sequences = class.iter().flat_map(|r| regex_syntax::utf8::Utf8Sequences::new(r.start(), r.end()));
            let byte_ranges: u64 = sequences.map(|s| s.len() as u64).sum();
            128 + 48 * byte_ranges
        }
        HirKind::Class(Class::Unicode(class)) => {
            let per_range = |r: &regex_syntax::hir::ClassUnicodeRange| {
                (r.start().len_utf8()..=r.end().len_utf8()).map(|l| 2 * l as u64 * (2 * l as u64 - 1)).sum::<u64>()
            };
            128 + 48 * class.iter().map(per_range).sum::<u64>()
        }
        HirKind::Repetition(rep) => {
            let copies = u64::from(rep.max.unwrap_or(rep.min.max(1)).max(1));
            copies.saturating_mul(nfa_size_bound(&rep.sub, exact).saturating_add(48)).saturating_add(160)
        }
        HirKind::Capture(capture) => nfa_size_bound(&capture.sub, exact).saturating_add(64),
        HirKind::Concat(subs) => subs.iter().map(|s| nfa_size_bound(s, exact)).fold(32, u64::saturating_add),
        HirKind::Alternation(subs) if subs.iter().all(|s| matches!(s.kind(), HirKind::Literal(_))) => subs
            .iter()
            .map(|s| nfa_size_bound(s, exact).saturating_mul(3).saturating_add(96))
            .fold(256, u64::saturating_add),
        HirKind::Alternation(subs) => {
            subs.iter().map(|s| nfa_size_bound(s, exact).saturating_add(8)).fold(128, u64::saturating_add)
        }
    }
}

/// The regex crate's default size limit for a compiled regex (`RegexBuilder::size_limit`).
const REGEX_SIZE_LIMIT: usize = 10 * (1 << 20);

/// Turns a toml error into a positioned message.
pub fn toml_error(text: &str, e: &toml::de::Error) -> ParseError {
    let (line, column) = e.span().map_or((1, 1), |span: Range<usize>| line_column(text, span.start));
    ParseError { line, column, message: e.message().trim().to_owned() }
}

/// Parses `text`, a rule file or a `newsclean.toml`, as a `T` whose `[[rule]]` tables `rules`
/// reaches, and fills in each rule's origin (see `locate`) from the same parse: the spans of the
/// `id` values are read from the parsed document before it is deserialized. Parsing a file of
/// thousands of rules a second time, only for those spans, cost as much as the first parse (a
/// fifth of such a file's start-up).
///
/// A file in plain TOML is read without the TOML parser (`plain_toml`), another long file in
/// pieces when it can be (`parse_in_pieces`), else whole; an error is always the whole file's
/// parse's, with its position.
pub fn parse_located<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &str,
    rules: impl Fn(&mut T) -> &mut Vec<RuleSpec>,
) -> Result<T, toml::de::Error> {
    let parsed = super::plain_toml::parse(text).or_else(|| parse_in_pieces(text, &rules, PIECE));
    let (mut parsed, spans) = match parsed {
        Some(parsed) => parsed,
        None => parse_whole(text)?,
    };
    locate(rules(&mut parsed), &spans, text, file);
    Ok(parsed)
}

/// Parses `text` in one go, with the spans of its rules' ids (see `id_spans`).
pub(super) fn parse_whole<T: serde::de::DeserializeOwned>(text: &str) -> Result<(T, IdSpans), toml::de::Error> {
    let document = toml::de::DeTable::parse(text)?;
    let spans = id_spans(document.get_ref());
    let parsed = T::deserialize(toml::de::Deserializer::from(document)).map_err(|mut e| {
        // As `toml::from_str` gives it: the error shows the line it is about.
        e.set_input(Some(text));
        e
    })?;
    Ok((parsed, spans))
}

/// About how much of a rule file is parsed at a time (bytes): the TOML parser holds ~30 times its
/// input as tokens, events and tables, so a file of 5,000 rules (800 KB) parsed whole touched 25 MB
/// of fresh memory, a page fault per 4 KiB, half its start-up time; pieces of this size reuse the
/// same few hundred KB.
const PIECE: usize = 32 * 1024;

/// Parses a long `text` piece by piece, each piece being whole `[[rule]]` tables: the head before
/// the first line `[[rule]]` as a `T` (that does not define `rule`), then runs of lines from one
/// line `[[rule]]` to the next of at least `piece` bytes (or the rest), each as a file of rules
/// only, whose rules (and the spans of their ids, moved to where the piece starts) are appended to
/// the head's. `None` when `text` is short or any piece fails to parse, which the whole file's
/// parse then reports; otherwise the answer is the whole parse's: a piece ending inside a string,
/// an array or a table is a piece that does not parse, and a piece of rules holding anything but
/// `[[rule]]` tables (and their subtables) fails as a rule file with an unknown key, so every piece
/// that parses is read as it would be in the whole file.
fn parse_in_pieces<T: serde::de::DeserializeOwned>(
    text: &str,
    rules: &impl Fn(&mut T) -> &mut Vec<RuleSpec>,
    piece: usize,
) -> Option<(T, IdSpans)> {
    if text.len() < 2 * piece {
        return None;
    }
    let is_rule_header = |at: &usize| {
        let rest = text[*at..].strip_prefix("[[rule]]");
        rest.is_some_and(|rest| rest.split('\n').next().unwrap_or_default().trim().is_empty())
    };
    let rule_headers = line_offsets(text).filter(is_rule_header);
    let mut cuts: Vec<usize> = Vec::new();
    for at in rule_headers {
        if cuts.last().is_none_or(|&last| at - last >= piece) {
            cuts.push(at);
        }
    }
    let first = *cuts.first()?;
    // A head that defines `rule` at all (`rule = []`, `[rule]`, `rule.x = 1`) makes the tables
    // after it an error in the whole file, or a different one: the whole parse says which.
    let head = toml::de::DeTable::parse(&text[..first]).ok()?;
    if head.get_ref().iter().any(|(key, _)| key.get_ref() == "rule") {
        return None;
    }
    let mut head = T::deserialize(toml::de::Deserializer::from(head)).ok()?;
    let mut spans = Vec::new();
    let ends = cuts.iter().skip(1).copied().chain([text.len()]);
    for (start, end) in cuts.iter().copied().zip(ends) {
        let document = toml::de::DeTable::parse(&text[start..end]).ok()?;
        let moved = |span: Option<Range<usize>>| span.map(|s| s.start + start..s.end + start);
        spans.extend(id_spans(document.get_ref()).into_iter().map(moved));
        let piece = RuleFile::deserialize(toml::de::Deserializer::from(document)).ok()?;
        rules(&mut head).extend(piece.rule);
    }
    Some((head, spans))
}

/// Where each line of `text` starts.
fn line_offsets(text: &str) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|nl| nl + 1))
}

/// The span of each rule's `id` value in a rule file, by rule (`None` for a rule without one).
pub(super) type IdSpans = Vec<Option<Range<usize>>>;

/// Where the `id` value of each `[[rule]]` table of a parsed document is (as the TOML parser saw
/// it): a rule defined twice is found at each of its definitions.
fn id_spans(document: &toml::de::DeTable<'_>) -> IdSpans {
    let Some((_, rules)) = document.iter().find(|(key, _)| key.get_ref() == "rule") else { return Vec::new() };
    let Some(tables) = rules.get_ref().as_array() else { return Vec::new() };
    let id_span = |table: &toml::de::DeTable<'_>| {
        table.iter().find(|(key, _)| key.get_ref() == "id").map(|(_, value)| value.span())
    };
    tables.iter().map(|table| table.get_ref().as_table().and_then(id_span)).collect()
}

/// Fills in each rule's origin: the line and column of its `id` value (`spans`, by rule, in
/// `text`), the file it was parsed from.
fn locate(rules: &mut [RuleSpec], spans: &[Option<Range<usize>>], text: &str, file: &str) {
    // Where each line starts, found once: a file of thousands of rules is located in one pass,
    // not one pass over the text before each rule.
    let line_starts: Vec<usize> = line_offsets(text).collect();
    for (k, rule) in rules.iter_mut().enumerate() {
        let (line, column) = spans.get(k).cloned().flatten().map_or((0, 0), |span| {
            let at = span.start.min(text.len());
            let line = line_starts.partition_point(|&start| start <= at);
            let column = text[line_starts[line - 1]..at].chars().count() + 1;
            (line, column)
        });
        rule.origin = Origin { file: file.to_owned(), line, column };
    }
}

/// Parses a file holding only `[[rule]]` tables.
pub fn parse_rule_file(text: &str, file: &str) -> Result<Vec<RuleSpec>, ParseError> {
    let parsed: RuleFile =
        parse_located(text, file, |f: &mut RuleFile| &mut f.rule).map_err(|e| toml_error(text, &e))?;
    Ok(parsed.rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> RuleSpec {
        parse_rule_file(text, "t.toml").unwrap().remove(0)
    }

    #[test]
    fn a_removal_rule_parses_with_defaults() {
        let rule =
            one("[[rule]]\nid = \"site.trailer\"\ndescription = \"x\"\nmatch = { literal = [\"Subscribe now\"] }\n");
        assert_eq!(
            (rule.place, rule.case, rule.enabled, rule.kind()),
            (Place::Anywhere, Case::Exact, true, MatchKind::Literal)
        );
        assert_eq!(rule.origin.line, 2);
        assert!(rule.check(&[], false).is_ok());
    }

    #[test]
    fn bad_ids_and_mixed_matches_are_refused() {
        assert!(check_id("Residue.x").is_err());
        assert!(check_id("residue").is_err());
        assert!(check_id("residue.also_on").is_err());
        assert!(check_id("residue.also-on").is_ok());
        let rule = one("[[rule]]\nid = \"a.b\"\ndescription = \"x\"\nmatch = { literal = [\"x\"], regex = \"y\" }\n");
        assert!(rule.check(&[], false).unwrap_err().contains("exactly one"));
        let rule = one(
            "[[rule]]\nid = \"a.b\"\ndescription = \"x\"\nwhere = \"own-line\"\nmatch = { literal = [\"x\"] }\nreplace = \"y\"\n",
        );
        assert!(rule.check(&[], false).unwrap_err().contains("drop `replace`"));
        let rule = one("[[rule]]\nid = \"a.b\"\ndescription = \"x\"\nmatch = { builtin = \"nfc\" }\n");
        assert!(rule.check(&["nfc"], false).unwrap_err().contains("shipped rules"));
    }

    /// `n` rules of every kind of match, with multi-line strings, comments, CRLF and subtables: a
    /// file long enough to be parsed in pieces.
    fn long_rule_file(n: usize) -> String {
        (0..n)
            .map(|k| match k % 4 {
                0 => format!(
                    "[[rule]]\nid = \"site.trailer-{k}\"\ndescription = \"\"\"Trailer\n{k}.\"\"\"\nwhere = \"own-line\"\nmatch = {{ literal = [\"Subscribe to Site{k}\"] }}\n\n"
                ),
                1 => format!(
                    "[[rule]]  # a comment\r\n  id = 'site.regex-{k}'\r\ndescription = \"x\"\r\nmatch = {{ regex = '\\d{{4}} Site{k}', trigger = [\"Site{k}\"] }}\r\n"
                ),
                2 => format!(
                    "[[rule]]\ndescription = \"words\"\nid = \"site.word-{k}\"\nmatch = {{ words = [\"xq{k}\"] }}\nreplace = \"w\"\n[[rule.examples]]\ninput = \"a xq{k} b\"\noutput = \"a w b\"\n"
                ),
                _ => format!(
                    "\n[[rule]]\nid = \"site.related-{k}\"\ndescription = '''\nMore from\n'''\nwhere = \"line-start\"\nmatch = {{ literal = [\"More from Site{k}:\"] }}\n"
                ),
            })
            .collect()
    }

    /// What a parse gave, origins included, to compare two parses by.
    fn shown(rules: &[RuleSpec]) -> Vec<String> {
        rules.iter().map(|r| format!("{r:?}")).collect()
    }

    #[test]
    fn a_long_file_is_parsed_in_pieces_as_it_is_whole() {
        let text = long_rule_file(2000);
        let (mut whole, whole_spans) = parse_whole::<RuleFile>(&text).unwrap();
        locate(&mut whole.rule, &whole_spans, &text, "t.toml");
        // Down to a piece per rule: every line `[[rule]]` a cut.
        for piece in [1, 4096, PIECE] {
            let (mut pieces, spans) = parse_in_pieces::<RuleFile>(&text, &|f: &mut RuleFile| &mut f.rule, piece)
                .expect("a plain long file is cut");
            assert_eq!(spans, whole_spans);
            assert_eq!(pieces.rule.len(), 2000);
            locate(&mut pieces.rule, &spans, &text, "t.toml");
            assert_eq!(shown(&pieces.rule), shown(&whole.rule));
        }
        // The origins are the whole file's lines, not a piece's.
        let last = whole.rule.last().unwrap();
        assert_eq!((last.id.as_str(), last.origin.line), ("site.related-1999", text.lines().count() - 5));
        // What parse_rule_file answers is the same.
        assert_eq!(shown(&parse_rule_file(&text, "t.toml").unwrap()), shown(&whole.rule));
    }

    #[test]
    fn a_long_file_that_cannot_be_cut_is_parsed_whole_with_the_same_answer() {
        let head = long_rule_file(1000);
        let tail = long_rule_file(1000);
        fn rules(f: &mut RuleFile) -> &mut Vec<RuleSpec> {
            &mut f.rule
        }
        // A line `[[rule]]` inside a multi-line string: the piece before it does not parse.
        let in_string = format!(
            "{head}[[rule]]\nid = \"a.b\"\ndescription = \"\"\"\n[[rule]]\n\"\"\"\nmatch = {{ literal = [\"x\"] }}\n{tail}"
        );
        assert!(parse_in_pieces(&in_string, &rules, 1).is_none());
        let parsed = parse_rule_file(&in_string, "t.toml").unwrap();
        assert_eq!((parsed.len(), parsed[1000].description.as_str()), (2001, "[[rule]]\n"));
        // Rules in the head as an inline array, even an empty one, then `[[rule]]` tables: an
        // error in the whole file.
        let inline =
            format!("rule = [{{ id = \"a.b\", description = \"x\", match = {{ literal = [\"x\"] }} }}]\n{head}");
        for text in [inline, format!("rule = []\n{head}")] {
            assert!(parse_in_pieces(&text, &rules, 1).is_none());
            assert!(parse_rule_file(&text, "t.toml").is_err());
        }
        // A table other than `[[rule]]` among the rules: the whole file's error, at its line.
        let other = format!("{head}[settings]\nx = 1\n{tail}");
        assert!(parse_in_pieces(&other, &rules, 1).is_none());
        let error = parse_rule_file(&other, "t.toml").unwrap_err();
        assert_eq!(error.line, head.lines().count() + 1, "{error:?}");
        // A rule broken in the last piece: the error is where the whole file has it.
        let broken = format!("{head}{tail}[[rule]]\nid = \"a.c\"\nmatch = {{ literal = [\"x\"] \n");
        let error = parse_rule_file(&broken, "t.toml").unwrap_err();
        assert_eq!(error.line, broken.lines().count(), "{error:?}");
    }

    #[test]
    fn parse_errors_carry_line_and_column() {
        let e = parse_rule_file(
            "[[rule]]\nid = \"a.b\"\ndescription = \"x\"\nwhere = \"nowhere\"\nmatch = { literal = [\"x\"] }\n",
            "t",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (4, 9), "{e:?}");
        assert!(e.message.contains("nowhere") || e.message.contains("variant"), "{e:?}");
    }

    #[test]
    fn the_size_bound_is_never_below_what_the_compiler_counts() {
        use regex_automata::nfa::thompson;
        let patterns = [
            "",
            "a",
            "(?:©|\\(c\\)) \\d{4} Site002(?: Media)?",
            "\\w+",
            "(?i)Смартфон|flat[- ]?panels?",
            "\\p{L}{3,7}x*y+z{0,4}",
            "(?:ab|cd|e|fgh)(?:x|(?:y|z\\d))*",
            "(a(b(c)?)+){2,}\\b\\B^$",
            "[^a-z]{20}",
            "(?-u:[a-z\\d])+",
            "[\\u{10000}-\\u{10FFFF}]{3}",
            "(?:)|(?:)",
            "a{0}",
            "日本語|中文|한국어",
            "[\\u{7F}-\\u{10FFFF}]",
            "[\\u{D7FF}-\\u{E000}\\u{80}-\\u{800}]+",
            "[^\\n]{2}",
        ];
        for pattern in patterns {
            let hir = regex_syntax::parse(pattern).unwrap();
            let exact = nfa_size_bound(&hir, true);
            assert!(nfa_size_bound(&hir, false) >= exact, "{pattern}: the quick bound is above the counted one");
            let bound = exact + NFA_FRAME_BYTES;
            let config = thompson::Config::new().nfa_size_limit(Some(bound as usize)).shrink(false);
            let built = thompson::Compiler::new().configure(config).build_from_hir(&hir);
            assert!(built.is_ok(), "{pattern}: the compiler needs more than {bound} bytes");
        }
    }

    #[test]
    fn regexes_too_large_still_get_the_compilers_message() {
        let e = check_regex("\\w{5000}").unwrap_err();
        assert_eq!(e, format!("compiled regex exceeds size limit of {REGEX_SIZE_LIMIT} bytes"));
        let e = check_regex("(?:\\p{L}\\d){4000}").unwrap_err();
        assert!(e.contains("exceeds size limit"), "{e}");
        assert!(check_regex("a(").unwrap_err().contains("unclosed group"));
        assert!(check_regex("").is_ok() && check_regex("\\d{4}").is_ok() && check_regex("\\w{20}").is_ok());
        // The benchmark's copyright regex is shown to fit without building it.
        let hir = regex_syntax::parse("(?:©|\\(c\\)) \\d{4} Site002(?: Media)?").unwrap();
        assert!(nfa_size_bound(&hir, false) < REGEX_SIZE_LIMIT as u64 / 10);
    }

    #[test]
    fn per_word_replacements_must_cover_every_word() {
        let rule = one(
            "[[rule]]\nid = \"a.b\"\ndescription = \"x\"\nmatch = { words = [\"aa\", \"bb\"] }\nreplace = { aa = \"c\" }\n",
        );
        assert!(rule.check(&[], false).unwrap_err().contains("`bb`"));
    }

    #[test]
    fn after_singular_needs_per_word_replacements_of_matched_words() {
        let rule = one(
            "[[rule]]\nid = \"a.b\"\ndescription = \"x\"\nmatch = { words = [\"aa\"] }\nreplace = \"c\"\nafter_singular = { aa = \"d\" }\n",
        );
        assert!(rule.check(&[], false).unwrap_err().contains("per word"));
        let rule = one(
            "[[rule]]\nid = \"a.b\"\ndescription = \"x\"\nmatch = { words = [\"aa\"] }\nreplace = { aa = \"cs\" }\nafter_singular = { bb = \"c\" }\n",
        );
        assert!(rule.check(&[], false).unwrap_err().contains("`bb`"));
        let rule = one(
            "[[rule]]\nid = \"a.b\"\ndescription = \"x\"\nmatch = { words = [\"aa\"] }\ncase = \"ignore\"\nreplace = { aa = \"cs\" }\nafter_singular = { AA = \"c\" }\n",
        );
        assert!(rule.check(&[], false).is_ok());
    }
}
