//! Scraper residue that takes more than a pattern to find: `Also on rt.com <headline>` link boxes
//! glued to the sentence after them (finding the glue point), and `slug - Title` image captions
//! (checking the slug is made of the title). The other residue rules are data
//! (`rules/builtin.toml`), run by the engine; this stage removes only, anchored to line starts.

use regex::Regex;

use super::engine::{MAX_RESIDUE_LINE, is_headline, is_open_quote, starts_like_a_headline};
use crate::edit::{Edit, RuleId};
use crate::pipeline::{Context, Stage, WorkBlock};

/// `Also on rt.com <headline>` injected before a paragraph, or on a line of its own.
pub const ALSO_ON: RuleId = RuleId::builtin("residue.also-on");
/// `slug - Title` image-caption lines, where the slug is the image file name taken from the title.
pub const IMAGE_CAPTION: RuleId = RuleId::builtin("residue.image-caption");

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

/// The residue stage (the rules written in Rust).
pub struct Residue {
    also_on: Regex,
    caption: Regex,
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
            caption: re(r"^([a-z0-9]+(?:-[a-z0-9]+)*) - (\p{Lu}.*)$"),
        }
    }

    /// An image caption: a paragraph of one `slug - Title` line.
    fn is_caption(&self, line: &str, block: &WorkBlock) -> bool {
        line.len() <= MAX_RESIDUE_LINE
            && line.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && line.contains(" - ")
            && self.caption.captures(line).is_some_and(|c| is_headline(&c[2]) && slug_is_from_title(&c[1], &c[2]))
            && block.texts().filter(|(_, t)| !t.trim().is_empty()).count() == 1
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
        line.len() <= MAX_RESIDUE_LINE && matches!(self.also_on(line), Some(AlsoOn::WholeLine | AlsoOn::LinkBox))
    }

    fn apply(&self, block: &mut WorkBlock, _: &Context<'_>, edits: &mut Vec<Edit>) {
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
                Some(AlsoOn::WholeLine) => {
                    block.remove(i, ALSO_ON, edits);
                }
                Some(AlsoOn::LinkBox) => {
                    // RT's link box: the headline often follows on the next line of the paragraph.
                    if block.remove(i, ALSO_ON, edits)
                        && let Some(next) = (i + 1 < block.len()).then(|| block.text(i + 1)).flatten()
                        && !next.trim().is_empty()
                        && is_headline(next.trim())
                    {
                        block.remove(i + 1, ALSO_ON, edits);
                    }
                }
                None => {
                    if self.is_caption(line, block) {
                        block.remove(i, IMAGE_CAPTION, edits);
                    }
                }
            }
        }
    }
}

/// The image slug must be made of words of the title (`huawei - Huawei offers ...`), which is how
/// CMSs build file names and what separates a caption from prose like `q2 - Revenue rose`.
fn slug_is_from_title(slug: &str, title: &str) -> bool {
    let title = title.to_lowercase();
    let words: Vec<&str> = title.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    slug.split('-').all(|part| words.contains(&part))
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
