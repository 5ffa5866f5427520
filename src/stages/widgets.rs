//! Page widgets flattened into the lines of a paragraph, found by their shape over several lines:
//! a share bar of one network per line, a photo gallery (`Fullscreen` … `38 Photos`, or a caption
//! between an image count and `VIEW GALLERY`), a newsletter sign-up box, a donation appeal, a
//! related headline with its `Read more` link on the next line, and a caption glued to the
//! paragraph under its photo credit. Residue that one line shows is left to the data rules
//! (`rules/builtin.toml`).

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, packed};

use crate::block::trim;
use crate::edit::{Edit, RuleId};
use crate::rules::text::{MAX_RESIDUE_LINE, SENTENCE_STARTERS, is_headline};
use crate::stage::{Context, WorkBlock};

/// A share bar of three or more lines each naming one network (`Facebook` / `Twitter` / `LinkedIn`).
pub const SHARE_RUN: RuleId = RuleId::builtin("residue.share-run");
/// A photo gallery widget: title, `Fullscreen`, captions, `Next Slide`, `38 Photos`, title again.
pub const PHOTO_GALLERY: RuleId = RuleId::builtin("residue.photo-gallery");
/// A newsletter sign-up box: lines about the inbox or newsletter around a `Sign Up` button.
pub const NEWSLETTER_BOX: RuleId = RuleId::builtin("residue.newsletter-box");
/// A related headline with its `Read more` link on the line after it.
pub const HEADLINE_READ_MORE: RuleId = RuleId::builtin("residue.headline-read-more");
/// A newsroom's appeal for money, a paragraph of its own.
pub const DONATION_APPEAL: RuleId = RuleId::builtin("residue.donation-appeal");
/// A photo caption (a name, a title) glued to the start of the paragraph under its credit line.
pub const GLUED_CAPTION: RuleId = RuleId::builtin("residue.glued-caption");

/// Share targets as share bars name them (not Instagram or YouTube: those are followed, not
/// shared to, and a list of apps naming them is prose).
const NETWORKS: &[&str] = &[
    "Facebook",
    "Twitter",
    "X",
    "Google+",
    "Google Plus",
    "LinkedIn",
    "WhatsApp",
    "Pinterest",
    "Reddit",
    "Email",
    "E-mail",
    "Telegram",
    "VK",
    "Tumblr",
    "Print",
    "Messenger",
    "Flipboard",
    "Pocket",
    "Xing",
    "Threads",
    "Bluesky",
    "Mastodon",
    "SMS",
    "Copy link",
    "Copy Link",
];

/// A share bar needs this many network lines in a row: two could be a list in prose.
const MIN_SHARE_RUN: usize = 3;
/// A gallery's `N Photos` line is looked for this many lines after its `Fullscreen`.
const MAX_GALLERY_LINES: usize = 150;
/// A newsletter box spreads this many lines at most on either side of its button.
const MAX_BOX_REACH: usize = 4;
/// A donation appeal is a paragraph of this many bytes at most.
const MAX_APPEAL: usize = 800;

/// Removes the widgets of `block`, line by line.
pub fn apply(block: &mut WorkBlock, ctx: &Context<'_>, edits: &mut Vec<Edit>) {
    // The common case, a paragraph of prose, is settled in one pass that collects nothing: how
    // many lines have text (a gallery's caption is alone in its paragraph) and whether any may be
    // part of a widget.
    let mut count = 0;
    let mut first = None;
    let mut may_start = false;
    for i in 0..block.len() {
        // Asked of every line, not only until one may start a widget: the rules, the next stage,
        // ask the same of each line and get the answer kept.
        let screened_out = ctx.prefilter.is_some_and(|prefilter| block.screened_out(i, prefilter));
        let Some(t) = block.text(i).map(trim).filter(|t| !t.is_empty()) else { continue };
        count += 1;
        first = first.or(Some(i));
        may_start = may_start || may_start_a_widget(t, screened_out);
    }
    if count == 1
        && let Some(i) = first
        && let Some(only) = block.text(i).map(trim)
        && gallery_caption(&[(i, only)], ctx)
    {
        block.remove(i, PHOTO_GALLERY, edits);
        return;
    }
    if !may_start {
        return;
    }
    // Present lines with text, trimmed; widgets are made of short lines, so long ones are only
    // kept as boundaries.
    let lines: Vec<(usize, &str)> = present_lines(block).collect();
    let glued = (0..lines.len()).find_map(|k| glued_caption(&lines, k).map(|at| (lines[k + 1].0, at)));
    let mut remove: Vec<(usize, RuleId)> = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let found = share_run(&lines, k)
            .map(|end| (k, end, SHARE_RUN))
            .or_else(|| gallery(&lines, k).map(|(start, end)| (start, end, PHOTO_GALLERY)))
            .or_else(|| headline_read_more(&lines, k).map(|end| (k, end, HEADLINE_READ_MORE)))
            .or_else(|| newsletter_box(&lines, k).map(|(start, end)| (start, end, NEWSLETTER_BOX)))
            .or_else(|| is_donation_appeal(lines[k].1).then_some((k, k, DONATION_APPEAL)));
        match found {
            Some((start, end, rule)) => {
                // A widget reaching back over lines already taken (a box's text above its button)
                // takes them under its own rule.
                remove.retain(|&(i, _)| i < lines[start].0);
                remove.extend(lines[start..=end].iter().map(|&(i, _)| (i, rule.clone())));
                k = end + 1;
            }
            None => k += 1,
        }
    }
    for (i, rule) in remove {
        block.remove(i, rule, edits);
    }
    if let Some((i, at)) = glued
        && let Some(text) = block.text(i)
    {
        let lead = text.len() - text.trim_start().len();
        let rest = format!("{}{}", &text[..lead], &text[lead + at..]);
        block.replace(i, rest, GLUED_CAPTION, edits);
    }
}

/// The lines of `block` still present and holding text, trimmed, with their indices.
fn present_lines<'a>(block: &'a WorkBlock) -> impl Iterator<Item = (usize, &'a str)> {
    block.texts().map(|(i, t)| (i, trim(t))).filter(|(_, t)| !t.is_empty())
}

/// Words that a newsletter box or a donation appeal cannot do without (`support`, `donat`,
/// `Donat`, `sign up`, `Sign Up`, `subscrib`, `SUBSCRIBE`, `SIGN UP`), by a piece of each that
/// prose seldom holds: the search is only a gate (what it lets through is checked in full), and
/// the words' first letters (`don`, `Don`, `ign`, `sup`) open so many words of news (`London`,
/// `Donald`, `foreign`, `supply`) that checking those candidates cost most of the search. The
/// pipeline's `LinePrefilter` looks for them in the same search as the rules' needles, and a line
/// it rules out is not searched here.
pub const CUE_WORDS: [&str; 7] = ["pport", "onat", "gn up", "gn Up", "bscrib", "BSCRIB", "GN UP"];

/// `CUE_WORDS` found in one scan of a line by aho-corasick's packed SIMD searcher (Teddy) called
/// directly: through an `AhoCorasick` the scan ran its DFA over most bytes of prose. The automaton
/// serves where the CPU has no SIMD Teddy can use.
static CUES: LazyLock<Cues> = LazyLock::new(|| {
    let cues = CUE_WORDS;
    match packed::Config::new().match_kind(packed::MatchKind::LeftmostFirst).builder().extend(cues).build() {
        Some(teddy) => Cues::Teddy(teddy),
        None => Cues::Automaton(AhoCorasick::new(cues).expect("the cues are plain strings")),
    }
});

/// The searcher for `CUES`.
enum Cues {
    Teddy(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Cues {
    fn is_match(&self, text: &str) -> bool {
        match self {
            Cues::Teddy(teddy) => teddy.find(text).is_some(),
            Cues::Automaton(automaton) => automaton.is_match(text),
        }
    }
}

/// A cheap look at one line: could a widget start or be anchored here? One automaton scan at most,
/// since this runs on every line of every paragraph, and none where the shared prefilter found no
/// cue (`screened_out`).
fn may_start_a_widget(t: &str, screened_out: bool) -> bool {
    if t.len() > MAX_APPEAL {
        return false;
    }
    if t.len() <= 24 && (network_line(t, true) || t == "Fullscreen" || is_read_more(t)) {
        return true;
    }
    is_credit_line(t) || (!screened_out && CUES.is_match(t))
}

/// True if `t` names one network, as a share bar's line does; the first line of a bar may carry
/// the widget's button before it (`Play Facebook`, `Share on Facebook`, `Share`).
fn network_line(t: &str, first: bool) -> bool {
    if t.len() > 24 {
        return false;
    }
    if !first {
        return NETWORKS.contains(&t);
    }
    if matches!(t, "Share" | "Share:" | "Share this" | "Share this:" | "Share this article" | "Share this story") {
        return true;
    }
    let t = t.strip_prefix("Play ").unwrap_or(t);
    NETWORKS.contains(&["Share on ", "Share "].iter().find_map(|p| t.strip_prefix(p)).unwrap_or(t))
}

/// The end (index into `lines`) of a share bar starting at `k`.
fn share_run(lines: &[(usize, &str)], k: usize) -> Option<usize> {
    if !network_line(lines[k].1, true) {
        return None;
    }
    let len = 1 + lines[k + 1..].iter().take_while(|(_, t)| network_line(t, false)).count();
    // A line ending in a colon introduces a list (`The apps they use most:`), which is prose.
    let introduced = k > 0 && lines[k - 1].1.ends_with(':');
    (len >= MIN_SHARE_RUN && !introduced).then_some(k + len - 1)
}

/// `38 Photos`: a gallery's photo count.
fn is_photo_count(t: &str) -> bool {
    let Some((n, what)) = t.split_once(' ') else { return false };
    n.len() <= 4
        && n.parse::<u32>().is_ok_and(|n| n >= 2)
        && matches!(what, "Photos" | "photos" | "Images" | "images" | "Pictures" | "pictures" | "Slides")
}

/// A gallery whose first `Fullscreen` button is line `k`: (first, last) indices into `lines`,
/// from its title (the line above, when a headline) to its `N Photos` count and the title repeated
/// after it. Every line between must be caption-sized.
fn gallery(lines: &[(usize, &str)], k: usize) -> Option<(usize, usize)> {
    if lines[k].1 != "Fullscreen" {
        return None;
    }
    let count = (k + 1..lines.len().min(k + MAX_GALLERY_LINES))
        .take_while(|&j| lines[j].1.len() <= MAX_RESIDUE_LINE)
        .find(|&j| is_photo_count(lines[j].1))?;
    let title = (k > 0 && is_headline(lines[k - 1].1) && lines[k - 1].1.len() <= MAX_RESIDUE_LINE).then(|| k - 1);
    let start = title.unwrap_or(k);
    let end = match title {
        Some(t) if lines.get(count + 1).is_some_and(|(_, l)| *l == lines[t].1) => count + 1,
        _ => count,
    };
    Some((start, end))
}

fn is_read_more(t: &str) -> bool {
    matches!(t, "Read more" | "Read More" | "READ MORE" | "Read more »" | "Read more ›" | "Read more…" | "Read more...")
}

/// A related headline (line `k`) whose `Read more` link is the next line: the index of the link.
fn headline_read_more(lines: &[(usize, &str)], k: usize) -> Option<usize> {
    let (_, headline) = lines[k];
    let (_, link) = *lines.get(k + 1)?;
    (is_read_more(link) && is_headline(headline) && headline.split_whitespace().count() >= 4).then_some(k + 1)
}

/// The words of a sign-up box, lowercased.
fn has_signup_words(t: &str) -> bool {
    let t = t.to_lowercase();
    ["inbox", "newsletter", "sign up", "signing up", "subscribe", "email", "e-mail", "privacy policy"]
        .iter()
        .any(|w| t.contains(w))
}

/// A sign-up button, alone (`Sign Up`, `Subscribe now`), with its thanks (`Sign Up Thank you for
/// signing up!`), or glued to the end of a newsletter pitch (`… local news. Subscribe`).
fn is_signup_button(t: &str) -> bool {
    let lower = t.to_lowercase();
    let rest = ["sign up", "sign me up", "subscribe"].iter().find_map(|b| lower.strip_prefix(b));
    if let Some(rest) = rest {
        let rest = rest.trim_start();
        let rest = ["now", "today", "here"].iter().find_map(|w| rest.strip_prefix(w)).unwrap_or(rest);
        let rest = rest.trim_start_matches(['.', '!']).trim_start();
        if rest.is_empty() || is_thanks(rest) {
            return true;
        }
    }
    if is_thanks(&lower) {
        return true;
    }
    let pitch = ["sign up", "subscribe"]
        .iter()
        .find_map(|b| lower.strip_suffix(b))
        .is_some_and(|before| before.ends_with(". ") || before.ends_with("! ") || before.ends_with("? "));
    pitch && (lower.contains("newsletter") || lower.contains("inbox"))
}

fn is_thanks(lower: &str) -> bool {
    ["thank you for signing up", "thanks for signing up", "thank you for subscribing", "thanks for subscribing"]
        .iter()
        .any(|t| lower.starts_with(t))
        && lower.len() <= 40
}

/// A newsletter box anchored at its button, line `k`: (first, last) indices into `lines`, with
/// the lines next to it that speak of the inbox, the newsletter or signing up.
fn newsletter_box(lines: &[(usize, &str)], k: usize) -> Option<(usize, usize)> {
    let (_, t) = lines[k];
    if t.len() > MAX_RESIDUE_LINE || !is_signup_button(t) {
        return None;
    }
    let part = |j: usize| lines[j].1.len() <= MAX_RESIDUE_LINE && has_signup_words(lines[j].1);
    let mut start = k;
    while start > 0 && k - start < MAX_BOX_REACH && part(start - 1) {
        start -= 1;
    }
    let mut end = k;
    while end + 1 < lines.len() && end - k < MAX_BOX_REACH && part(end + 1) {
        end += 1;
    }
    Some((start, end))
}

/// A gallery's caption, alone in its paragraph between the paragraphs of the image count (`2`)
/// and of the gallery's button for as many images (`VIEW GALLERY - 2 IMAGES`).
fn gallery_caption(lines: &[(usize, &str)], ctx: &Context<'_>) -> bool {
    let [(_, caption)] = lines else { return false };
    if caption.len() > 200 || ctx.prev.is_none() {
        return false;
    }
    let count = ctx.prev.and_then(|b| b.text_lines().last()).map(str::trim);
    let button = ctx.next.and_then(|b| b.text_lines().next()).map(str::trim);
    let (Some(count), Some(button)) = (count, button) else { return false };
    let button_count = ["VIEW GALLERY - ", "View Gallery - ", "VIEW GALLERY – ", "View Gallery – "]
        .iter()
        .find_map(|p| button.strip_prefix(p))
        .and_then(|rest| [" IMAGES", " Images", " PHOTOS", " Photos"].iter().find_map(|s| rest.strip_suffix(s)));
    count.len() <= 3
        && count.parse::<u32>().is_ok_and(|n| n >= 2)
        && button_count == Some(count)
        && caption.len() <= 200
        && is_headline(caption)
}

/// A photo credit line under which a caption may be glued (`Image Source : PTI`, `Photo: Jane Roe`).
fn is_credit_line(t: &str) -> bool {
    t.len() <= 80
        && [
            "Image Source",
            "Image source",
            "Image Credit",
            "Image credit",
            "Image:",
            "Photo:",
            "Photo Credit",
            "Photo credit",
        ]
        .iter()
        .any(|p| t.starts_with(p))
}

/// Where the sentence starts in the line after the credit line `k`, when a caption is glued before
/// it: two to eight capitalised words (`Union Health Minister Dr. Jane Roe`), then a sentence
/// starter (`The`) going on in lower case. The byte offset is in the trimmed line.
fn glued_caption(lines: &[(usize, &str)], k: usize) -> Option<usize> {
    if !is_credit_line(lines[k].1) {
        return None;
    }
    let (_, next) = *lines.get(k + 1)?;
    let words: Vec<(usize, &str)> =
        next.split_whitespace().take(16).map(|w| (w.as_ptr() as usize - next.as_ptr() as usize, w)).collect();
    let starter = words.iter().position(|(_, w)| SENTENCE_STARTERS.contains(w))?;
    let caption_ok =
        (2..=8).contains(&starter) && words[..starter].iter().all(|(_, w)| w.starts_with(char::is_uppercase));
    let sentence_ok = words.len() >= starter + 4
        && words[starter + 1..(starter + 6).min(words.len())].iter().any(|(_, w)| w.starts_with(char::is_lowercase));
    (caption_ok && sentence_ok).then(|| words[starter].0)
}

/// A newsroom's appeal for money: asks the reader for support (two cues or more) for its reporting,
/// and quotes no one (an article about a fundraiser does).
fn is_donation_appeal(t: &str) -> bool {
    if !(100..=MAX_APPEAL).contains(&t.len()) || t.contains(['“', '”', '"']) {
        return false;
    }
    let lower = t.to_lowercase();
    if [" said", " says", " told"].iter().any(|w| lower.contains(w)) {
        return false;
    }
    let asks = [
        "your support",
        "your help",
        "your partnership",
        "donate",
        "donation",
        "contribute",
        "become a member",
        "chip in",
        "give today",
        "dollar value",
        "support us",
        "support our",
    ]
    .iter()
    .filter(|w| lower.contains(*w))
    .count();
    let newsroom =
        ["reporting", "journalism", "local news", "newsroom", "independent news"].iter().any(|w| lower.contains(w));
    asks >= 2 && newsroom
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_bars_need_three_networks_and_no_list_intro() {
        let lines = |v: &[&'static str]| v.iter().enumerate().map(|(i, t)| (i, *t)).collect::<Vec<_>>();
        assert_eq!(share_run(&lines(&["Facebook", "Twitter", "Google+", "LinkedIn", "Text."]), 0), Some(3));
        assert_eq!(share_run(&lines(&["Play Facebook", "Twitter", "Google Plus", "Embed"]), 0), Some(2));
        assert_eq!(share_run(&lines(&["Facebook", "Twitter", "He left."]), 0), None);
        assert_eq!(share_run(&lines(&["Share this", "Reddit", "Email", "Print", "Text."]), 0), Some(3));
        assert_eq!(share_run(&lines(&["The apps they use:", "Facebook", "Twitter", "WhatsApp"]), 1), None);
    }

    #[test]
    fn sign_up_buttons_alone_with_thanks_or_ending_a_pitch() {
        assert!(is_signup_button("Sign Up Thank you for signing up!"));
        assert!(is_signup_button("Subscribe"));
        assert!(is_signup_button("Hi! You'll love my daily newsletter, How To LA. Subscribe"));
        assert!(!is_signup_button("Subscribe to the newsletter to get the code, the fraudsters said."));
        assert!(!is_signup_button("Sign up for a library card, the mayor urged."));
    }

    #[test]
    fn a_caption_glued_under_a_credit_line_ends_at_the_sentence_starter() {
        let lines =
            [(0, "Image Source : PTI"), (1, "Health Minister Dr. Jane Roe The ministry on Thursday made a rule.")];
        assert_eq!(glued_caption(&lines, 0).map(|at| &lines[1].1[at..]), Some("The ministry on Thursday made a rule."));
        let prose = [(0, "Image Source : PTI"), (1, "The ministry on Thursday made a rule.")];
        assert_eq!(glued_caption(&prose, 0), None);
    }

    #[test]
    fn every_cue_word_opens_the_gate_and_prose_without_one_does_not() {
        for cue in ["support", "donat", "Donat", "sign up", "Sign Up", "subscrib", "SUBSCRIBE", "SIGN UP"] {
            for line in [cue.to_owned(), format!("Please {cue} here"), format!("We ask for your {cue}ion today.")] {
                assert!(may_start_a_widget(&line, false), "{line:?}");
            }
        }
        for prose in [
            "Donald said in London that the foreign campaign would resign.",
            "Supply is short and the design was done in a day.",
        ] {
            assert!(!may_start_a_widget(prose, false), "{prose:?}");
        }
    }

    #[test]
    fn donation_appeals_ask_twice_for_the_reporting_and_quote_no_one() {
        assert!(is_donation_appeal(
            "Put a dollar value on the reporting you rely on. We need your help to keep it going, and your support matters now. Thank you."
        ));
        assert!(!is_donation_appeal(
            "“We need your help and your support,” the editor said, as the newsroom asked readers to donate to its reporting fund."
        ));
    }

    /// The rules of the lines `apply` removes from a block of `texts`, between `prev` and `next`.
    fn removed(prev: &[&str], texts: &[&str], next: &[&str]) -> Vec<(usize, RuleId)> {
        use crate::block::Block;
        use crate::stage::Policy;
        let block = Block::of_lines;
        let (prev, next) = (block(prev), block(next));
        let ctx = Context {
            prev: Some(&prev),
            next: Some(&next),
            text_lines_before: 0,
            is_last: false,
            chrome: None,
            prefilter: None,
        };
        let policy = Policy::default();
        let mut work = WorkBlock::new(block(texts), &policy);
        let mut edits = Vec::new();
        apply(&mut work, &ctx, &mut edits);
        edits.into_iter().map(|e| (e.line, e.rule)).collect()
    }

    #[test]
    fn a_widget_below_prose_is_found_past_the_prose_lines() {
        let prose = "The council met on Tuesday to discuss the budget, and agreed to meet again next week.";
        let found = removed(&[], &[prose, "Facebook", "Twitter", "LinkedIn"], &[]);
        assert_eq!(found, vec![(2, SHARE_RUN), (3, SHARE_RUN), (4, SHARE_RUN)]);
        assert!(removed(&[], &[prose, prose], &[]).is_empty());
    }

    #[test]
    fn a_gallery_caption_alone_in_its_paragraph_goes() {
        let caption = "Storm Clouds Gather Over The Harbour";
        assert_eq!(removed(&["2"], &["", caption], &["VIEW GALLERY - 2 IMAGES"]), vec![(2, PHOTO_GALLERY)]);
        assert!(removed(&["2"], &[caption, caption], &["VIEW GALLERY - 2 IMAGES"]).is_empty());
    }

    #[test]
    fn photo_counts() {
        assert!(is_photo_count("38 Photos"));
        assert!(!is_photo_count("1 Photos"));
        assert!(!is_photo_count("38 photographers"));
    }
}
