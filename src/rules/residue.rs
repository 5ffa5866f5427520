//! Scraper residue: related-link injections glued into sentences, forum chrome, site headers and
//! trailers, dangling credit lines, image-caption and related-link lines. Rules here only remove;
//! each one is anchored to a whole line (or a line start) so it never fires inside running prose.

use regex::Regex;

use crate::edit::{Edit, RuleId};
use crate::pipeline::{Context, Stage, WorkBlock};

/// `Also on rt.com <headline>` injected before a paragraph, or on a line of its own.
pub const ALSO_ON: RuleId = RuleId::builtin("residue.also-on");
/// Chrome of XenForo-style forums (`Reaction score`, `Thread starter`, forum names) on lines of their own.
pub const FORUM_CHROME: RuleId = RuleId::builtin("residue.forum-chrome");
/// `Credit :`, `Credit:`, `Credits:` with nothing after them as a document's last line.
pub const DANGLING_CREDIT: RuleId = RuleId::builtin("residue.dangling-credit");
/// A `Latest News` section header among a document's first lines.
pub const LATEST_NEWS: RuleId = RuleId::builtin("residue.latest-news");
/// RT's `For more stories on ... visit RT's ... section` trailer line.
pub const RT_SECTION_TRAILER: RuleId = RuleId::builtin("residue.rt-section-trailer");
/// `On the same topic: <headline>`, `Read also: <headline>` and similar related-link lines.
pub const RELATED_LINK: RuleId = RuleId::builtin("residue.related-link");
/// `slug - Title` image-caption lines, where the slug is the image file name taken from the title.
pub const IMAGE_CAPTION: RuleId = RuleId::builtin("residue.image-caption");

/// Own-line rules only look at lines this short: residue lines are headlines and labels, and
/// skipping long paragraphs keeps the stage cheap.
const MAX_RESIDUE_LINE: usize = 300;
/// A headline has at most this many words.
const MAX_HEADLINE_WORDS: usize = 30;

/// Exact lines of forum chrome. `Carding 4 Carders` is the forum seed 003 was scraped from; the
/// labels are XenForo's, which that forum runs.
const FORUM_LINES: &[&str] =
    &["Carding 4 Carders", "Reaction score", "Thread starter", "Start date", "Click to expand..."];

/// Words that start a sentence often enough to trust a glue point after a number or an acronym.
const SENTENCE_STARTERS: &[&str] = &[
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "It",
    "Its",
    "This",
    "That",
    "These",
    "Those",
    "He",
    "She",
    "They",
    "We",
    "According",
    "After",
    "Before",
    "But",
    "However",
    "Meanwhile",
    "Last",
    "Earlier",
    "Since",
    "As",
    "While",
    "When",
    "If",
    "There",
    "Officials",
    "Moreover",
];

/// The residue stage.
pub struct Residue {
    also_on: Regex,
    trailer: Regex,
    related: Regex,
    caption: Regex,
    credit: Regex,
}

impl Default for Residue {
    fn default() -> Self {
        Residue::new()
    }
}

impl Residue {
    /// Compiles the stage's patterns once.
    pub fn new() -> Self {
        let re = |p: &str| Regex::new(p).expect("built-in residue patterns are valid");
        Residue {
            also_on: re(r"^Also on (?:[a-z0-9-]+\.)+[a-z]{2,}(?: |$)"),
            trailer: re(r"^For more stories on [^.]{1,80} visit RT['’]s [A-Za-z& ]{1,40} section\.?$"),
            related: re(
                r"^(?:On the same topic|Read also|Also read|Read more|READ MORE|See also|Related)\s?:\s*(\S.*)$",
            ),
            caption: re(r"^([a-z0-9]+(?:-[a-z0-9]+)*) - (\p{Lu}.*)$"),
            credit: re(r"^(?i:credits?)\s?:$"),
        }
    }

    /// Whole-line rules that need no context: a line they match is residue wherever it stands.
    fn line_rule(&self, line: &str) -> Option<RuleId> {
        if line.len() > MAX_RESIDUE_LINE {
            return None;
        }
        if FORUM_LINES.contains(&line) {
            return Some(FORUM_CHROME);
        }
        // Cheap checks of the first byte or a literal prefix before any regex runs.
        if line.starts_with("For more stories on ") && self.trailer.is_match(line) {
            return Some(RT_SECTION_TRAILER);
        }
        if line.starts_with(['O', 'R', 'A', 'S'])
            && line.contains(':')
            && let Some(c) = self.related.captures(line)
            && is_headline(&c[1])
        {
            return Some(RELATED_LINK);
        }
        None
    }

    /// Whole-line rules that depend on where the line stands (the head, a paragraph of its own).
    fn placed_line_rule(&self, line: &str, block: &WorkBlock, ctx: &Context<'_>, i: usize) -> Option<RuleId> {
        if line.len() > MAX_RESIDUE_LINE {
            return None;
        }
        if matches!(line, "Latest News" | "Latest news" | "LATEST NEWS") && ctx.in_head(block, i) {
            return Some(LATEST_NEWS);
        }
        if line.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && line.contains(" - ")
            && let Some(c) = self.caption.captures(line)
            && is_headline(&c[2])
            && slug_is_from_title(&c[1], &c[2])
            && block.texts().filter(|(_, t)| !t.trim().is_empty()).count() == 1
        {
            return Some(IMAGE_CAPTION);
        }
        None
    }

    /// What the `Also on <site>` rule does with a line.
    fn also_on(&self, line: &str) -> Option<AlsoOn> {
        if !line.starts_with("Also on ") {
            return None; // cheaper than the regex on every line
        }
        let m = self.also_on.find(line)?;
        let headline = &line[m.end()..];
        if headline.is_empty() {
            return Some(AlsoOn::LinkBox);
        }
        if !starts_like_a_headline(headline) {
            return None; // `Also on rt.com you can read...` is a sentence, not a link box
        }
        match find_glue(headline) {
            Some(glue) => Some(AlsoOn::GluedTo(m.end() + glue)),
            None if is_headline(headline) => Some(AlsoOn::WholeLine),
            None => None, // no clear end of the headline: leave it for a human
        }
    }
}

/// The shapes of an `Also on <site>` link box.
enum AlsoOn {
    /// `Also on rt.com` alone; the headline may follow on the next line.
    LinkBox,
    /// The box and its headline make up the whole line.
    WholeLine,
    /// The headline is glued to a sentence starting at this byte offset.
    GluedTo(usize),
}

impl Stage for Residue {
    fn name(&self) -> &'static str {
        "residue"
    }

    fn is_tail_residue(&self, line: &str) -> bool {
        line.len() <= MAX_RESIDUE_LINE
            && ((line.starts_with(['C', 'c']) && self.credit.is_match(line))
                || self.line_rule(line).is_some()
                || matches!(self.also_on(line), Some(AlsoOn::WholeLine | AlsoOn::LinkBox)))
    }

    fn apply(&self, block: &mut WorkBlock, ctx: &Context<'_>, edits: &mut Vec<Edit>) {
        for i in 0..block.len() {
            let Some(text) = block.text(i) else { continue };
            let line = text.trim();
            if line.is_empty() {
                continue;
            }
            match self.also_on(line) {
                Some(AlsoOn::GluedTo(at)) => {
                    let rest = line[at..].to_owned();
                    block.replace(i, rest, ALSO_ON, edits);
                }
                Some(AlsoOn::WholeLine) => block.remove(i, ALSO_ON, edits),
                Some(AlsoOn::LinkBox) => {
                    block.remove(i, ALSO_ON, edits);
                    // RT's link box: the headline often follows on the next line of the paragraph.
                    if let Some(next) = (i + 1 < block.len()).then(|| block.text(i + 1)).flatten()
                        && !next.trim().is_empty()
                        && is_headline(next.trim())
                    {
                        block.remove(i + 1, ALSO_ON, edits);
                    }
                }
                None => {
                    if let Some(rule) = self.line_rule(line).or_else(|| self.placed_line_rule(line, block, ctx, i)) {
                        block.remove(i, rule, edits);
                    }
                }
            }
        }
        if ctx.is_last {
            self.remove_dangling_credits(block, edits);
        }
    }
}

impl Residue {
    /// Walks back from the document's last kept line removing dangling credits, so that a credit
    /// exposed by removing another (`Credit:` above `Credit :`) goes in the same run, not the next.
    fn remove_dangling_credits(&self, block: &mut WorkBlock, edits: &mut Vec<Edit>) {
        for i in (0..block.len()).rev() {
            let Some(text) = block.text(i) else { continue };
            let line = text.trim();
            if line.is_empty() {
                continue;
            }
            if !(line.starts_with(['C', 'c']) && self.credit.is_match(line)) {
                break;
            }
            block.remove(i, DANGLING_CREDIT, edits);
        }
    }
}

/// A headline: starts with a capital, a digit or a quote, is short, and is a single unit rather than
/// sentences of running text (no `. ` followed by more words, no final full stop).
fn is_headline(text: &str) -> bool {
    let text = text.trim();
    let words = text.split_whitespace().count();
    starts_like_a_headline(text) && words <= MAX_HEADLINE_WORDS && !text.ends_with('.') && !text.contains(". ")
}

fn starts_like_a_headline(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || is_open_quote(c))
}

/// The image slug must be made of words of the title (`huawei - Huawei offers ...`), which is how
/// CMSs build file names and what separates a caption from prose like `q2 - Revenue rose`.
fn slug_is_from_title(slug: &str, title: &str) -> bool {
    let title = title.to_lowercase();
    let words: Vec<&str> = title.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    slug.split('-').all(|part| words.contains(&part))
}

fn is_open_quote(c: char) -> bool {
    matches!(c, '“' | '"' | '‘' | '«')
}

fn is_closing_punct(c: char) -> bool {
    matches!(c, '?' | '!' | '”' | '"' | '’' | '»' | ')')
}

/// Where the sentence an injected headline was glued to begins: `ministryThe Chinese...`,
/// `meetingAurora is...`, `sanctions?The firm...`, `“no”The ministry...`. Returns the byte offset
/// of the sentence in `text`, or `None` if there is no point we are sure of. Camel-case names
/// inside headlines (`iPhone`, `YouTube`, `McDonald's`, `HarmonyOS`) are not glue points.
pub fn find_glue(text: &str) -> Option<usize> {
    // A glue point lies within the first MAX_RESIDUE_LINE bytes; look a little past it for the word.
    let chars: Vec<(usize, char)> = text.char_indices().take_while(|&(i, _)| i <= MAX_RESIDUE_LINE + 64).collect();
    for k in 1..chars.len() {
        let (at, c) = chars[k];
        let prev = chars[k - 1].1;
        if prev.is_whitespace() || is_open_quote(prev) {
            continue;
        }
        let word_k = if is_open_quote(c) { k + 1 } else { k };
        let Some(&(word_at, first)) = chars.get(word_k) else { break };
        if !first.is_uppercase() {
            continue;
        }
        let word: &str = {
            let rest = &text[word_at..];
            &rest[..rest.find(|ch: char| !ch.is_alphabetic()).unwrap_or(rest.len())]
        };
        let capitalized = word.chars().count() >= 2 && word.chars().skip(1).all(char::is_lowercase);
        let single = (word == "A" || word == "I") && text[word_at + 1..].starts_with(' ');
        if !(capitalized || single) {
            continue;
        }
        let starter = SENTENCE_STARTERS.contains(&word);
        let left_word: String = {
            let mut w: Vec<char> =
                chars[..k].iter().rev().map(|&(_, ch)| ch).take_while(|ch| ch.is_alphabetic()).collect();
            w.reverse();
            w.into_iter().collect()
        };
        let lower_left = left_word.chars().count() >= 2 && left_word.chars().all(char::is_lowercase);
        let glued = match prev {
            p if is_closing_punct(p) => true,
            '.' => starter || text[..chars[k - 1].0].ends_with(|ch: char| ch.is_lowercase()),
            p if p.is_lowercase() => lower_left,
            p if p.is_ascii_digit() => starter,
            p if p.is_uppercase() => {
                starter && left_word.chars().count() >= 2 && left_word.chars().all(char::is_uppercase)
            }
            _ => false,
        };
        if glued && text[at..].split_whitespace().count() >= 4 && at <= MAX_RESIDUE_LINE {
            return Some(at);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::find_glue;

    fn split(text: &str) -> Option<(&str, &str)> {
        find_glue(text).map(|at| text.split_at(at))
    }

    #[test]
    fn glue_after_a_lowercase_word() {
        let t = "Adidas, Nike & Uniqlo want to produce shoes and apparel here – Russian trade ministryThe Chinese corporation is negotiating";
        assert_eq!(split(t).unwrap().1, "The Chinese corporation is negotiating");
    }

    #[test]
    fn glue_before_a_proper_noun() {
        let t = "Dollar dump? Russia & China agree to trade in national currencies during Putin-Xi meetingAurora is a mobile operating system";
        assert_eq!(split(t).unwrap().1, "Aurora is a mobile operating system");
    }

    #[test]
    fn glue_after_question_mark_and_quote() {
        assert_eq!(
            split("Is this the end?The company said on Tuesday it would").unwrap().1,
            "The company said on Tuesday it would"
        );
        assert_eq!(
            split("Minister says “no deal”The talks will resume next week").unwrap().1,
            "The talks will resume next week"
        );
    }

    #[test]
    fn glue_after_an_acronym_needs_a_sentence_starter() {
        assert_eq!(
            split("Russia warns NATOThe statement was issued on Monday").unwrap().1,
            "The statement was issued on Monday"
        );
        assert_eq!(split("Bank buys stake in JPMorgan unit"), None);
    }

    #[test]
    fn camel_case_names_are_not_glue() {
        assert_eq!(split("Apple's iPhone sales fall as YouTube and McDonald's rise"), None);
        assert_eq!(split("HarmonyOS comes to PlayStation and macOS users"), None);
        assert_eq!(split("Why eBay and LinkedIn are betting on GooglePlay"), None);
    }

    #[test]
    fn needs_a_sentence_after_the_glue() {
        assert_eq!(split("Russia & China agree trade dealToday"), None);
    }
}
