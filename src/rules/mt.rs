//! Machine-translation artifacts: words a translator got wrong in news about devices (`flats` for
//! tablets, `operation system`, `smart phone`). Substitutions keep the case of the original, and the
//! ones that could be right in other stories fire only where the paragraph or its neighbours are
//! about devices and the paragraph itself is not about housing.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::edit::{Edit, RuleId};
use crate::pipeline::{Context, Stage, WorkBlock};

/// `flats`, `flat panels`, `flat-panel` meaning tablets become `tablets` in device news.
pub const FLATS_TABLETS: RuleId = RuleId::builtin("mt.flats-tablets");
/// `operation system` becomes `operating system` in device news.
pub const OPERATION_SYSTEM: RuleId = RuleId::builtin("mt.operation-system");
/// `smart phone` becomes `smartphone`.
pub const SMART_PHONE: RuleId = RuleId::builtin("mt.smart-phone");

/// (pattern, replacement, rule, needs device context). Longest patterns win at the same start.
const SUBSTITUTIONS: &[(&str, &str, RuleId, bool)] = &[
    ("flat-panels", "tablets", FLATS_TABLETS, true),
    ("flat panels", "tablets", FLATS_TABLETS, true),
    ("flat-panel", "tablets", FLATS_TABLETS, true),
    ("flat panel", "tablet", FLATS_TABLETS, true),
    ("flats", "tablets", FLATS_TABLETS, true),
    ("operation systems", "operating systems", OPERATION_SYSTEM, true),
    ("operation system", "operating system", OPERATION_SYSTEM, true),
    ("smart phones", "smartphones", SMART_PHONE, false),
    ("smart phone", "smartphone", SMART_PHONE, false),
];

/// Words that make a paragraph (or its neighbours) about devices.
const DEVICE_WORDS: &[&str] = &[
    "tablet",
    "tablets",
    "smartphone",
    "smartphones",
    "smart phone",
    "smart phones",
    "phone",
    "phones",
    "handset",
    "handsets",
    "huawei",
    "android",
    "ios",
    "operating system",
    "device",
    "devices",
    "gadget",
    "gadgets",
    "laptop",
    "laptops",
    "computer",
    "computers",
];

/// Words that make a paragraph about housing, where `flats` are flats whatever else is said nearby.
const HOUSING_WORDS: &[&str] = &[
    "apartment",
    "apartments",
    "housing",
    "rent",
    "rents",
    "rental",
    "landlord",
    "landlords",
    "tenant",
    "tenants",
    "bedroom",
    "bedrooms",
    "real estate",
    "mortgage",
    "mortgages",
    "residential",
    "property",
    "properties",
    "storey",
    "council",
    "flatmate",
    "flatmates",
    "furnished",
    "square metres",
    "square meters",
    "block of flats",
];

/// Nouns after `flat panel` that mean a screen, not a tablet (`flat-panel displays`).
const SCREEN_NOUNS: &[&str] =
    &["display", "displays", "screen", "screens", "tv", "tvs", "television", "televisions", "monitor", "monitors"];

/// The translation stage.
pub struct Translation {
    /// Case-sensitive automaton over the case variants of every pattern: unlike an ASCII
    /// case-insensitive one it keeps a SIMD prefilter, which is what makes the scan cheap.
    triggers: AhoCorasick,
    /// For each pattern of `triggers`, its index in `SUBSTITUTIONS`.
    trigger_rule: Vec<usize>,
    device: AhoCorasick,
    housing: AhoCorasick,
}

impl Default for Translation {
    fn default() -> Self {
        Translation::new()
    }
}

fn words_matcher(words: &[&str]) -> AhoCorasick {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(words)
        .expect("built-in word lists are valid patterns")
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// True if `text[start..end]` is a whole word or phrase (no letter or digit glued on either side).
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    !text[..start].chars().next_back().is_some_and(is_word_char)
        && !text[end..].chars().next().is_some_and(is_word_char)
}

fn mentions(matcher: &AhoCorasick, text: &str) -> bool {
    matcher.find_iter(text).any(|m| whole_word(text, m.start(), m.end()))
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

impl Translation {
    /// Builds the matchers once.
    pub fn new() -> Self {
        let mut patterns = Vec::new();
        let mut trigger_rule = Vec::new();
        for (i, (pattern, ..)) in SUBSTITUTIONS.iter().enumerate() {
            for variant in case_variants(pattern) {
                if !patterns.contains(&variant) {
                    patterns.push(variant);
                    trigger_rule.push(i);
                }
            }
        }
        let triggers =
            AhoCorasickBuilder::new().match_kind(MatchKind::LeftmostLongest).build(&patterns).expect("valid patterns");
        Translation {
            triggers,
            trigger_rule,
            device: words_matcher(DEVICE_WORDS),
            housing: words_matcher(HOUSING_WORDS),
        }
    }

    fn about_devices(&self, block: &WorkBlock, ctx: &Context<'_>) -> bool {
        let own = || block.texts().map(|(_, t)| t);
        !own().any(|t| mentions(&self.housing, t))
            && own().chain(ctx.neighbour_lines()).any(|t| mentions(&self.device, t))
    }
}

impl Stage for Translation {
    fn name(&self) -> &'static str {
        "translation"
    }

    fn apply(&self, block: &mut WorkBlock, ctx: &Context<'_>, edits: &mut Vec<Edit>) {
        let mut devices: Option<bool> = None; // decided once per block, only if a trigger appears
        for i in 0..block.len() {
            let Some(text) = block.text(i) else { continue };
            let mut accepted: Vec<(std::ops::Range<usize>, String, &RuleId)> = Vec::new();
            for m in self.triggers.find_iter(text) {
                let (_, replacement, rule, needs_devices) = &SUBSTITUTIONS[self.trigger_rule[m.pattern().as_usize()]];
                if !whole_word(text, m.start(), m.end())
                    || (*rule == FLATS_TABLETS && followed_by_screen_noun(&text[m.end()..]))
                    || (*needs_devices && !*devices.get_or_insert_with(|| self.about_devices(block, ctx)))
                {
                    continue;
                }
                accepted.push((m.range(), keep_case(&text[m.range()], replacement), rule));
            }
            if accepted.is_empty() {
                continue;
            }
            // All substitutions in one pass; columns are those of the line as the stage saw it.
            let number = block.number(i);
            let mut out = String::with_capacity(text.len() + 8 * accepted.len());
            let mut made = Vec::with_capacity(accepted.len());
            let (mut copied, mut column) = (0, 1);
            for (range, replacement, rule) in accepted {
                column += text[copied..range.start].chars().count();
                out.push_str(&text[copied..range.start]);
                out.push_str(&replacement);
                let before = &text[range.clone()];
                made.push(Edit {
                    rule: rule.clone(),
                    line: number,
                    column,
                    before: before.to_owned(),
                    after: replacement,
                });
                column += before.chars().count();
                copied = range.end;
            }
            out.push_str(&text[copied..]);
            block.replace_all(i, out, made, edits);
        }
    }
}

/// The spellings a pattern is matched in: `smart phone`, `Smart phone`, `Smart Phone`, `SMART PHONE`.
fn case_variants(pattern: &str) -> [String; 4] {
    let capitalize = |w: &str| {
        let mut chars = w.chars();
        chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
    };
    let title: Vec<String> = pattern.split(' ').map(capitalize).collect();
    [pattern.to_owned(), capitalize(pattern), title.join(" "), pattern.to_uppercase()]
}

fn followed_by_screen_noun(rest: &str) -> bool {
    let next = rest.trim_start_matches([' ', '-']).split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    SCREEN_NOUNS.iter().any(|n| n.eq_ignore_ascii_case(next))
}
