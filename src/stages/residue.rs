//! Scraper residue that takes more than a pattern to find: `Also on rt.com <headline>` link boxes
//! glued to the sentence after them (finding the glue point), and `slug - Title` image captions
//! (checking the slug is made of the title), and the page widgets of `stages::widgets`. The other
//! residue rules are data (`rules/builtin.toml`), run by the engine; this stage removes only,
//! anchored to line starts.

use std::ops::Range;

use regex::Regex;

use crate::block::{trim, trim_start};
use crate::clues::Clues;
use crate::edit::{Edit, RuleId};
use crate::rules::text::{
    MAX_RESIDUE_LINE, ends_a_sentence, find_glue, headline_end, is_headline, starts_like_a_headline,
};
use crate::stage::{Context, Stage, WorkBlock};
use crate::stages::widgets;

/// `Also on rt.com <headline>` injected before a paragraph, or on a line of its own.
pub const ALSO_ON: RuleId = RuleId::builtin("residue.also-on");
/// `slug - Title` image-caption lines, where the slug is the image file name taken from the title.
pub const IMAGE_CAPTION: RuleId = RuleId::builtin("residue.image-caption");

/// The residue stage (the rules written in Rust).
pub struct Residue {
    also_on: Regex,
    also_on_inside: memchr::memmem::Finder<'static>,
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
            also_on_inside: memchr::memmem::Finder::new("Also on "),
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

impl Residue {
    /// The byte ranges of the `Also on <site> <headline>` boxes inside `text`, after a sentence (a
    /// paragraph whose line breaks were lost), where `headline_end` is sure where each ends.
    fn inline_boxes(&self, text: &str) -> Vec<Range<usize>> {
        let mut boxes = Vec::new();
        // Most lines hold none: a plain search says so without the iterator's copy of the searcher.
        let Some(first) = self.also_on_inside.find(text.as_bytes()) else { return boxes };
        let mut copied = 0;
        for at in self.also_on_inside.find_iter(&text.as_bytes()[first..]).map(|at| first + at) {
            if at < copied || !ends_a_sentence(&text[..at]) {
                continue;
            }
            let Some(m) = self.also_on.find(&text[at..]) else { continue };
            let rest = text[at + m.end()..].trim_start();
            let rest_at = text.len() - rest.len();
            let Some(end) = headline_end(rest).map(|h| rest_at + h) else { continue };
            // A box that ends the line takes the space before it along.
            let from = if end == text.len() { text[..at].trim_end().len() } else { at };
            boxes.push(from..end);
            copied = end;
        }
        boxes
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

    fn apply(&self, block: &mut WorkBlock, ctx: &Context<'_>, edits: &mut Vec<Edit>) {
        widgets::apply(block, ctx, edits);
        for i in 0..block.len() {
            let Some(text) = block.text(i) else { continue };
            let line = trim(text);
            if line.is_empty() {
                continue;
            }
            match self.also_on(line) {
                Some(AlsoOn::GluedTo(at)) => {
                    // The box goes with the line's surrounding whitespace, each its own edit, so
                    // that the box's edit is exactly the box.
                    let lead = text.len() - trim_start(text).len();
                    let end = lead + line.len();
                    let spans = [0..lead, lead..lead + at, end..text.len()];
                    block.remove_spans(i, &spans, ALSO_ON, edits);
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
                    } else if block.clues(i).has(Clues::CAPITAL_A_L) {
                        // Only a line holding `Al` may hold an `Also on` box: most are skipped on their clues.
                        let boxes = self.inline_boxes(text);
                        if !boxes.is_empty() {
                            block.remove_spans(i, &boxes, ALSO_ON, edits);
                        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `Residue::inline_boxes` as it was, iterating over the whole line from its start.
    fn inline_boxes_from_the_start(residue: &Residue, text: &str) -> Vec<Range<usize>> {
        let mut boxes = Vec::new();
        let mut copied = 0;
        for at in residue.also_on_inside.find_iter(text.as_bytes()) {
            if at < copied || !ends_a_sentence(&text[..at]) {
                continue;
            }
            let Some(m) = residue.also_on.find(&text[at..]) else { continue };
            let rest = text[at + m.end()..].trim_start();
            let rest_at = text.len() - rest.len();
            let Some(end) = headline_end(rest).map(|h| rest_at + h) else { continue };
            let from = if end == text.len() { text[..at].trim_end().len() } else { at };
            boxes.push(from..end);
            copied = end;
        }
        boxes
    }

    #[test]
    fn inline_boxes_found_from_the_first_mention_are_those_found_from_the_start() {
        let residue = Residue::new();
        let mut found = 0;
        for text in [
            "",
            "Also on ",
            "No box here at all.",
            "Also on rt.com Putin meets Xi in Beijing",
            "The talks ended. Also on rt.com Putin meets Xi The minister said more.",
            "Переговоры закончились. Also on rt.com Putin meets Xi The minister said more.",
            "He said. Also on rt.com First Box Here Also on rt.com Second Box The end came.",
            "He said. Also on rt.com Talks fail Also on Also on rt.com Deal struck The end.",
            "It was “Also on rt.com” that he read. Also on rt.com New Sanctions Announced",
            "Also on Also on Also on",
            "Talks ended. Also on rt.com Russia & China agree to trade during Putin-Xi meetingAurora is a system.",
            "Он ушёл. Also on rt.com Adidas & Nike want to produce shoes here – Russian trade ministryThe firm said.",
            "A. Also on rt.com Is the dollar doomed?The ministry said. B. Also on rt.com Talks in Beijing failThe end.",
        ] {
            let boxes = residue.inline_boxes(text);
            assert_eq!(boxes, inline_boxes_from_the_start(&residue, text), "{text:?}");
            found += boxes.len();
        }
        assert!(found >= 3, "the samples hold boxes to find ({found})");
    }
}
