//! Page widgets flattened into the lines of a paragraph, found by their shape over several lines:
//! a share bar of one network per line, a photo gallery (`Fullscreen` … `38 Photos`), a newsletter
//! sign-up box, and a related headline with its `Read more` link on the next line. Residue that
//! one line shows is left to the data rules (`rules/builtin.toml`); this module removes whole lines.

use crate::edit::{Edit, RuleId};
use crate::rules::text::{MAX_RESIDUE_LINE, is_headline};
use crate::stage::WorkBlock;

/// A share bar of three or more lines each naming one network (`Facebook` / `Twitter` / `LinkedIn`).
pub const SHARE_RUN: RuleId = RuleId::builtin("residue.share-run");
/// A photo gallery widget: title, `Fullscreen`, captions, `Next Slide`, `38 Photos`, title again.
pub const PHOTO_GALLERY: RuleId = RuleId::builtin("residue.photo-gallery");
/// A newsletter sign-up box: lines about the inbox or newsletter around a `Sign Up` button.
pub const NEWSLETTER_BOX: RuleId = RuleId::builtin("residue.newsletter-box");
/// A related headline with its `Read more` link on the line after it.
pub const HEADLINE_READ_MORE: RuleId = RuleId::builtin("residue.headline-read-more");

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

/// Removes the widgets of `block`, line by line.
pub fn apply(block: &mut WorkBlock, edits: &mut Vec<Edit>) {
    // Present lines with text, trimmed; widgets are made of short lines, so long ones are only
    // kept as boundaries.
    let lines: Vec<(usize, &str)> = block.texts().map(|(i, t)| (i, t.trim())).filter(|(_, t)| !t.is_empty()).collect();
    if !lines.iter().any(|(_, t)| may_start_a_widget(t)) {
        return; // the common case: a paragraph of prose
    }
    let mut remove: Vec<(usize, RuleId)> = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let found = share_run(&lines, k)
            .map(|end| (k, end, SHARE_RUN))
            .or_else(|| gallery(&lines, k).map(|(start, end)| (start, end, PHOTO_GALLERY)))
            .or_else(|| headline_read_more(&lines, k).map(|end| (k, end, HEADLINE_READ_MORE)))
            .or_else(|| newsletter_box(&lines, k).map(|(start, end)| (start, end, NEWSLETTER_BOX)));
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
}

/// A cheap look at one line: could a widget start or be anchored here?
fn may_start_a_widget(t: &str) -> bool {
    t.len() <= MAX_RESIDUE_LINE
        && (network_line(t, true)
            || t == "Fullscreen"
            || is_read_more(t)
            || t.contains("ign up")
            || t.contains("ign Up")
            || t.contains("ubscrib")
            || t.contains("SUBSCRIBE")
            || t.contains("SIGN UP"))
}

/// True if `t` names one network, as a share bar's line does; the first line of a bar may carry
/// the widget's button before it (`Play Facebook`, `Share on Facebook`, `Share`).
fn network_line(t: &str, first: bool) -> bool {
    if t.len() > 24 {
        return false;
    }
    let t =
        if first { ["Play ", "Share on ", "Share "].iter().find_map(|p| t.strip_prefix(p)).unwrap_or(t) } else { t };
    NETWORKS.contains(&t) || (first && matches!(t, "Share" | "Share:" | "Share this" | "Share this:"))
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
    ["inbox", "newsletter", "sign up", "signing up", "subscribe", "email", "e-mail"].iter().any(|w| t.contains(w))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_bars_need_three_networks_and_no_list_intro() {
        let lines = |v: &[&'static str]| v.iter().enumerate().map(|(i, t)| (i, *t)).collect::<Vec<_>>();
        assert_eq!(share_run(&lines(&["Facebook", "Twitter", "Google+", "LinkedIn", "Text."]), 0), Some(3));
        assert_eq!(share_run(&lines(&["Play Facebook", "Twitter", "Google Plus", "Embed"]), 0), Some(2));
        assert_eq!(share_run(&lines(&["Facebook", "Twitter", "He left."]), 0), None);
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
    fn photo_counts() {
        assert!(is_photo_count("38 Photos"));
        assert!(!is_photo_count("1 Photos"));
        assert!(!is_photo_count("38 photographers"));
    }
}
