//! Page chrome (`chrome.*`): the furniture a scraper that saved a whole page left around the article
//! (menus, link lines, buttons and form fields, image alt text printed twice, photo credits, read
//! times). It is found from the page's structure over a bounded window of lines (see
//! `Cleaner::clean_stream`), not from a list of strings: list runs of short link items, lines that
//! are only links or controls, text that repeats itself, credit grammar. The decisions are made
//! once per window (`Classifier::classify`) and applied block by block by the `Chrome` stage, one
//! line removal per decision, each under the rule that names its reason.
//!
//! Text browsers (`lynx -dump`, `w3m`) number every link (`[12]World`) and print form controls as
//! `(BUTTON)` and `____`: a window with such marks is a text-browser dump, and the rules that rely on
//! them run only there.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::block::{Line, trim_start};
use crate::clues::Clues;
use crate::edit::{Edit, RuleId};
use crate::stage::{Context, Marks, Stage, WorkBlock};

/// The link-reference lines of a text-browser dump (`#[1]alternate [2]alternate`, a bare `[79]`).
pub const LINK_REFS: RuleId = RuleId::builtin("chrome.link-refs");
/// Form and widget controls: a dump's `(BUTTON)` lines and a `____` text field before one, and in
/// any text a line made only of controls (`Scroll carousel left Scroll carousel right`).
pub const FORM: RuleId = RuleId::builtin("chrome.form");
/// A menu: a run of list items that are short links.
pub const MENU: RuleId = RuleId::builtin("chrome.menu");
/// A line that is only a short link (`[11]Skip to content`, `[19]Today’s Paper`), or a block of
/// links ending in a `›` chevron.
pub const LINK_LINE: RuleId = RuleId::builtin("chrome.link-line");
/// Lists of headlines: an accessible list announced as `list of 4 items` … `end of list`, a run of
/// headlines each after a clock time (`04:15 Storm closes the port`), with the label over them.
pub const HEADLINE_LIST: RuleId = RuleId::builtin("chrome.headline-list");
/// Reading times and relative timestamps on a line of their own (`5 min read`, `16 minutes ago`).
pub const TIMESTAMP: RuleId = RuleId::builtin("chrome.timestamp");
/// Image alt text printed twice (alt text, then the same as caption), with the caption and credit
/// that follow it in its paragraph; an image placeholder (`[photo.jpg]`) of a text-browser dump.
pub const IMAGE: RuleId = RuleId::builtin("chrome.image");
/// A page's title line naming its site (`New York Times - Top Stories`, `Storm Hits Coast | BBC
/// News`) at the head of the page, the site's name being found elsewhere in the page.
pub const TITLE: RuleId = RuleId::builtin("chrome.title");
/// Photo credits on a line of their own: `Name Name/Agency`, `Name for The Paper`, `via Agency`,
/// and short lines printed twice in a row (a carousel's credit under each slide).
pub const CREDIT: RuleId = RuleId::builtin("chrome.credit");

/// Lines longer than this are never chrome by line shape (a paragraph of prose).
const MAX_CHROME_LINE: usize = 160;
/// Longer lines are prose: the classifier does not look into them.
const MAX_SHAPED_LINE: usize = 2048;
/// A text whose first half repeats must be at least this long (bytes) to be taken for alt text.
const MIN_DOUBLED: usize = 20;

/// One line of the window, with what the rules look at.
struct Shape<'a> {
    number: usize,
    /// The text, trimmed.
    text: &'a str,
    /// The text without its link marks (`[12]`), whitespace runs as one space (empty for prose
    /// lines too long to be chrome).
    visible: Cow<'a, str>,
    /// Its number of words (`usize::MAX` for such prose lines).
    words: usize,
    /// How many link marks it holds.
    links: usize,
    /// True if it opens with a link mark.
    starts_with_link: bool,
    /// The text after a list bullet (`* `, `+ `, `• `), if it is a list item.
    item: Option<&'a str>,
}

impl Shape<'_> {
    fn is_blank(&self) -> bool {
        self.text.is_empty()
    }
    fn is_short(&self, words: usize) -> bool {
        self.text.len() <= MAX_CHROME_LINE && self.words <= words
    }
}

/// Finds page chrome in a window of lines. It holds nothing (its patterns are statics, compiled on
/// first use); the private field keeps it built through `new`.
#[derive(Default)]
pub struct Classifier {
    _private: (),
}

/// A capitalised name word (`Doug`, `O’Hare`, `López`, `Jr.`).
const NAME: &str = r"\p{Lu}[\p{L}\p{M}'’.\-]*";
/// Organisations a photo credit names after a slash when it does not start with `The`.
const AGENCIES: &str = r"(?:Getty Images|Shutterstock|Reuters|AP|Associated Press|AFP|Agence France-Presse|EPA|Bloomberg|Alamy|Pool|Redux|Zuma|ZUMA Press|Sipa|Anadolu|Xinhua|TASS|Sputnik|NurPhoto|SOPA Images|Corbis|Newscom|UPI|PA|PA Images|Rex Features|dpa|picture alliance|Keystone|iStock|Unsplash|Wikimedia Commons|Handout)";

// The patterns are compiled the first time a line needs them (their Unicode classes cost more to
// compile than a megabyte of cleaning, and most inputs never hold a line they could match).
fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("chrome patterns are valid")
}
static TIMESTAMP_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    compile(concat!(
        r"^(?:\d{1,3} ?(?:min|mins|minute|minutes) read",
        r"|(?:(?:\d{1,3}|an?) (?:sec|secs|second|seconds|min|mins|minute|minutes|hr|hrs|hour|hours|day|days|week|weeks) ago ?)+",
        r"|(?:Updated|Published|Posted) (?:\d{1,3}|an?) (?:min|mins|minutes?|hours?|hrs?|days?) ago)$"
    ))
});
static IMAGE_FILE: LazyLock<Regex> =
    LazyLock::new(|| compile(r"^\[[^\]\s]*\.(?:jpe?g|png|gif|webp|svg|avif)(?:[?\]]|$)"));
static SLASH_CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"^{NAME}(?: (?:de |van |von |da |del |la |le )?{NAME}){{1,3}} ?/ ?(?:The {NAME}(?: {NAME}){{0,4}}|{AGENCIES})(?:(?:,| —| -| for)? (?:via )?(?:{AGENCIES}|The {NAME}(?: {NAME}){{0,4}}))*$"
    ))
});
static FOR_CREDIT: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"^{NAME}(?: {NAME}){{1,3}} for The {NAME}(?: {NAME}){{0,4}}$")));
static VIA_CREDIT: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"^via {NAME}(?: {NAME}|; via {NAME}| of {NAME}){{0,8}}$")));

impl Classifier {
    /// The classifier (its patterns are compiled on first use).
    pub fn new() -> Self {
        Classifier::default()
    }

    /// The chrome in `lines` (consecutive lines of one input, blank lines included).
    pub fn classify(&self, lines: &[&Line]) -> Marks {
        let dump = self.is_text_browser_dump(lines);
        let shapes: Vec<Shape> = lines.iter().map(|l| self.shape(l, dump)).collect();
        let mut marks = Marks::default();
        // Only a dump's rules look at paragraphs (and a page of furniture: it finds them itself).
        let blocks = if dump { paragraphs(&shapes) } else { Vec::new() };
        if dump {
            self.link_refs(&shapes, &mut marks);
            self.form_controls(&shapes, &mut marks);
            self.menus(&shapes, &mut marks);
            self.link_lines(&shapes, &blocks, &mut marks);
            self.image_placeholders(&shapes, &mut marks);
        }
        for s in &shapes {
            let v = &s.visible;
            if s.is_short(12) && may_be_timestamp(v) && TIMESTAMP_TEXT.is_match(v) {
                marks.set(s.number, &TIMESTAMP);
            }
        }
        self.headline_lists(&shapes, &mut marks);
        for s in shapes.iter().filter(|s| s.is_short(8) && s.links == 0 && !s.visible.is_empty()) {
            if is_controls(&s.visible) {
                marks.set(s.number, &FORM);
            }
        }
        if dump {
            self.doubled_alt_text(&shapes, &blocks, &mut marks);
        }
        self.credits(&shapes, &mut marks);
        self.site_title(&shapes, &mut marks);
        if dump {
            self.chrome_blocks(&shapes, &blocks, &mut marks);
        }
        if is_furniture_only(&shapes, &marks) {
            return Marks::furniture_only();
        }
        marks
    }

    fn shape<'a>(&self, line: &'a Line, dump: bool) -> Shape<'a> {
        let text = line.trimmed();
        // Only a dump's alt text is looked at past the length of a chrome line.
        let longest = if dump { MAX_SHAPED_LINE } else { MAX_CHROME_LINE };
        if text.len() > longest {
            let visible = Cow::Borrowed("");
            return Shape {
                number: line.number,
                text,
                visible,
                words: usize::MAX,
                links: 0,
                starts_with_link: false,
                item: None,
            };
        }
        if let Some(spaces) = plain_spaces(text) {
            // Most short lines: the visible text is the text itself.
            let words = if text.is_empty() { 0 } else { spaces + 1 };
            let visible = Cow::Borrowed(text);
            let item = list_item(text);
            return Shape { number: line.number, text, visible, words, links: 0, starts_with_link: false, item };
        }
        let mut visible = String::with_capacity(text.len());
        let mut links = 0;
        let mut rest = text;
        while let Some((start, end)) = next_link_mark(rest) {
            visible.push_str(&rest[..start]);
            rest = &rest[end..];
            links += 1;
        }
        visible.push_str(rest);
        let mut spaced = String::with_capacity(visible.len());
        for word in visible.split(|c: char| c.is_whitespace() || is_invisible(c)).filter(|w| !w.is_empty()) {
            if !spaced.is_empty() {
                spaced.push(' ');
            }
            spaced.push_str(word);
        }
        let visible: Cow<str> = Cow::Owned(spaced);
        let words = if visible.is_empty() { 0 } else { visible.bytes().filter(|&b| b == b' ').count() + 1 };
        let starts_with_link = links > 0 && next_link_mark(text).is_some_and(|(start, _)| start == 0);
        let item = list_item(text);
        Shape { number: line.number, text, visible, words, links, starts_with_link, item }
    }

    /// A text-browser dump: numbered link marks in numbering order, or its form controls. This
    /// runs on every line, so a line longer than a chrome line (a dump's lines are wrapped short,
    /// its buttons on them) is searched for `[` alone: a search stopping at every `(` of prose
    /// cost a third of the classifier.
    fn is_text_browser_dump(&self, lines: &[&Line]) -> bool {
        let mut last = 0;
        let mut rising = 0;
        for line in lines {
            // A long line the reader found without a `[` (and so without `#[1]`) is passed over
            // from its clues alone, without a load of its text.
            let nothing_to_see = |c: Clues| !c.has_any(Clues::BRACKET | Clues::RAGGED_EDGE);
            if line.text.len() > MAX_CHROME_LINE && line.read_clues().is_some_and(nothing_to_see) {
                continue;
            }
            let text = trim_start(&line.text);
            if text.starts_with("#[1]") {
                return true;
            }
            let bytes = text.as_bytes();
            let mut mark = |at: usize| {
                if let Some(end) = link_mark_end(bytes, at) {
                    let n: usize = text[at + 1..end - 1].parse().unwrap_or(0);
                    rising += usize::from(n > last);
                    last = n;
                }
            };
            if bytes.len() > MAX_CHROME_LINE {
                // A line the reader read tells without a search whether it holds a `[`.
                if line.read_clues().is_none_or(|clues| clues.has(Clues::BRACKET)) {
                    memchr::memchr_iter(b'[', bytes).for_each(mark);
                }
                continue;
            }
            for at in memchr::memchr2_iter(b'[', b'(', bytes) {
                if bytes[at] == b'[' {
                    mark(at);
                } else if bytes[at..].starts_with(b"(BUTTON)") {
                    return true;
                }
            }
        }
        rising >= 8
    }

    /// `#[1]alternate [2]alternate …` (a page's `<link>` list), lines that are only a link mark, and
    /// the dump's closing `References` list (`1. https://…`, under `Visible links:` and `Hidden links:`).
    fn link_refs(&self, shapes: &[Shape], marks: &mut Marks) {
        let is_url_line = |s: &Shape| {
            s.text.split_once(". ").is_some_and(|(n, url)| {
                !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && url.contains("://") && !url.contains(' ')
            })
        };
        let mut in_references = false;
        for (i, s) in shapes.iter().enumerate() {
            if s.text == "References" {
                let next = shapes[i + 1..].iter().find(|n| !n.is_blank() && !n.text.ends_with("links:"));
                in_references = next.is_some_and(&is_url_line);
            }
            if !in_references || s.is_blank() {
                continue;
            }
            if s.text == "References" || s.text.ends_with("links:") || is_url_line(s) {
                marks.set(s.number, &LINK_REFS);
            } else {
                in_references = false;
            }
        }
        let mut in_header = false;
        for s in shapes {
            let only_marks = s.links > 0 && s.visible.split_whitespace().all(|w| w.chars().all(char::is_alphanumeric));
            let header = s.text.starts_with("#[") || (in_header && only_marks && s.links >= 3);
            if header || (s.links == 1 && s.visible.is_empty()) {
                marks.set(s.number, &LINK_REFS);
            }
            in_header = header;
        }
    }

    /// `(BUTTON)` lines with at most two words beside the buttons, and a `____` field before one.
    fn form_controls(&self, shapes: &[Shape], marks: &mut Marks) {
        let is_button = |s: &Shape| {
            s.text.contains("(BUTTON)")
                && s.item.is_none()
                && s.visible.replace("(BUTTON)", " ").split_whitespace().count() <= 2
        };
        for (i, s) in shapes.iter().enumerate() {
            let field = s.text.len() >= 5
                && s.text.bytes().all(|b| b == b'_')
                && shapes[i + 1..].iter().find(|n| !n.is_blank()).is_some_and(is_button);
            if is_button(s) || field {
                marks.set(s.number, &FORM);
            }
        }
    }

    /// Runs of list items that are short links (or empty, or buttons): a menu, a topic list.
    fn menus(&self, shapes: &[Shape], marks: &mut Marks) {
        let is_menu_item = |s: &Shape| {
            let Some(rest) = s.item else { return false };
            let visible = s.visible.trim_start_matches(['*', '+', '•']).replace("(BUTTON)", " ");
            rest.is_empty()
                || visible.trim().is_empty()
                || (s.starts_with_link_after_bullet() && s.links == 1 && s.is_short(8))
        };
        let mut i = 0;
        while i < shapes.len() {
            if !is_menu_item(&shapes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < shapes.len() && is_menu_item(&shapes[i]) {
                i += 1;
            }
            let run = &shapes[start..i];
            if run.len() >= 2 && run.iter().any(|s| s.links > 0) {
                for s in run {
                    marks.set(s.number, &MENU);
                }
            }
        }
    }

    /// Lines that are only short links (`[11]Skip to content[12]Skip to site index`), and blocks of
    /// links that end in a chevron (`[58]Got a Tip? … confidentially ›`).
    fn link_lines(&self, shapes: &[Shape], blocks: &[(usize, usize)], marks: &mut Marks) {
        for &(start, end) in blocks {
            let block = &shapes[start..end];
            let links: usize = block.iter().map(|s| s.links).sum();
            let last = block.iter().rev().find(|s| !s.is_blank()).map_or("", |s| &*s.visible);
            let chevron = last.ends_with('›') || last.ends_with('»');
            let opens_with_link = block.iter().find(|s| !s.is_blank()).is_some_and(|s| s.starts_with_link);
            if chevron && links >= 1 && (opens_with_link || links >= 2) && block.len() <= 6 {
                for s in block.iter().filter(|s| !s.is_blank()) {
                    marks.set(s.number, &LINK_LINE);
                }
                continue;
            }
            for (k, s) in block.iter().enumerate() {
                let wrapped = block.get(k + 1).is_some_and(|n| n.text.starts_with(char::is_lowercase));
                if s.starts_with_link
                    && s.item.is_none()
                    && !s.visible.is_empty()
                    && s.is_short(6)
                    && !ends_sentence(&s.visible)
                    && !wrapped
                {
                    marks.set(s.number, &LINK_LINE);
                }
            }
        }
    }

    /// `[photo.jpg?w=300]` image placeholders, continued on the next line until the `]`.
    fn image_placeholders(&self, shapes: &[Shape], marks: &mut Marks) {
        let mut open = false;
        for s in shapes {
            if open || IMAGE_FILE.is_match(s.text) || is_open_image_mark(s.text) {
                marks.set(s.number, &IMAGE);
                open = !s.text.contains(']');
            }
        }
    }

    /// `list of N items` … `end of list` (the announced list of a page's related stories, with its
    /// `list 1 of N` markers and the label line over it), and runs of three or more short lines
    /// that each open with a clock time and go on as a headline (with the label over them).
    fn headline_lists(&self, shapes: &[Shape], marks: &mut Marks) {
        let mut text: Vec<usize> = Vec::with_capacity(shapes.len());
        text.extend((0..shapes.len()).filter(|&i| !shapes[i].is_blank()));
        // The run of timed headlines from each text line, counted once from the end: a run inside
        // the body is looked at again from each of its lines, which recounting would make
        // quadratic in the run's length (a live blog of thousands of timed lines).
        let mut runs = vec![0usize; text.len()];
        for k in (0..text.len()).rev() {
            if is_timed_headline(&shapes[text[k]]) {
                runs[k] = 1 + runs.get(k + 1).copied().unwrap_or(0);
            }
        }
        let body = body_span(shapes);
        let label_before = |k: usize, marks: &mut Marks| {
            if let Some(&p) = k.checked_sub(1).and_then(|j| text.get(j)) {
                let label = &shapes[p];
                if label.is_short(4)
                    && label.links == 0
                    && !ends_sentence(&label.visible)
                    && !label.visible.contains(',')
                {
                    marks.set(label.number, &HEADLINE_LIST);
                }
            }
        };
        let mut k = 0;
        while k < text.len() {
            let s = &shapes[text[k]];
            if let Some(count) = announced_list(&s.visible) {
                // The list ends at `end of list`, within a few lines per item.
                let end = text[k + 1..].iter().take(count * 4 + 2).position(|&i| shapes[i].visible == "end of list");
                if let Some(end) = end {
                    label_before(k, marks);
                    for &i in &text[k..=k + 1 + end] {
                        marks.set(shapes[i].number, &HEADLINE_LIST);
                    }
                    k += end + 2;
                    continue;
                }
            }
            let run = runs[k];
            // A timeline inside the article (`09:15 Police arrive`) is the story's: only runs
            // outside the body are headline lists.
            let outside = body.is_none_or(|(first, last)| text[k] > last || text[k + run.max(1) - 1] < first);
            if run >= 3 && outside {
                label_before(k, marks);
                for &i in &text[k..k + run] {
                    marks.set(shapes[i].number, &HEADLINE_LIST);
                }
                k += run;
                continue;
            }
            k += 1;
        }
    }

    /// A paragraph (or its tail) whose text starts by repeating itself: alt text printed twice, with
    /// the caption and credit after it in the same paragraph (at most a few lines more).
    fn doubled_alt_text(&self, shapes: &[Shape], blocks: &[(usize, usize)], marks: &mut Marks) {
        for &(start, end) in blocks {
            let rest: Vec<&Shape> = shapes[start..end].iter().filter(|t| !t.is_blank()).collect();
            let mut joined = String::new();
            let mut offsets = Vec::with_capacity(rest.len());
            for t in &rest {
                offsets.push(joined.len());
                joined.push_str(&t.visible);
                joined.push(' ');
            }
            for (k, s) in rest.iter().enumerate() {
                if marks.has(s.number) || s.visible.len() < 12 {
                    continue;
                }
                let from = offsets[k];
                let mut to = (from + 4 * MAX_CHROME_LINE).min(joined.len());
                while !joined.is_char_boundary(to) {
                    to -= 1;
                }
                let Some(doubled) = doubled_prefix(&joined[from..to]) else { continue };
                // The lines the doubled text spans, then at most four of caption and credit.
                let spanned = offsets[k..].iter().take_while(|&&o| o < from + doubled).count();
                let upto = if rest.len() - k - spanned > 4 { k + spanned } else { rest.len() };
                rest[k..upto].iter().for_each(|t| marks.set(t.number, &IMAGE));
                break;
            }
        }
    }

    /// Photo credits on a line of their own, and short lines printed twice in a row (every copy of
    /// them in the window goes: a carousel prints its credit under each slide).
    fn credits(&self, shapes: &[Shape], marks: &mut Marks) {
        let mut doubled: HashSet<&str> = HashSet::new();
        let mut previous: Option<&Shape> = None;
        for s in shapes.iter().filter(|s| !s.is_blank()) {
            let v = &*s.visible;
            if !v.is_empty() && s.is_short(10) {
                if (v.contains('/') && SLASH_CREDIT.is_match(v))
                    || (holds(v, " for The ") && FOR_CREDIT.is_match(v))
                    || (v.starts_with("via ") && VIA_CREDIT.is_match(v))
                {
                    marks.set(s.number, &CREDIT);
                }
                let named = || v.split(' ').filter(|w| w.chars().any(char::is_alphabetic)).count() >= 2;
                // A credit holds no sentence: not one ending inside it either (`…缩水。 Read Full
                // Article at …` twice is text and its trailer, not a caption and its credit).
                let sentence_inside = || holds(v, ". ") || v.contains(['。', '！', '？']);
                if previous.is_some_and(|p| p.visible == v)
                    && named()
                    && s.is_short(6)
                    && !ends_sentence(v)
                    && !sentence_inside()
                    && s.item.is_none()
                {
                    doubled.insert(v);
                }
            }
            previous = Some(s);
        }
        if !doubled.is_empty() {
            for s in shapes.iter().filter(|s| doubled.contains(&*s.visible)) {
                marks.set(s.number, &CREDIT);
            }
        }
    }

    /// The first line that is not chrome, if it is `Site - Title` or `Title | Site` and the site's
    /// name (two words or more) is on two other lines of the window.
    fn site_title(&self, shapes: &[Shape], marks: &mut Marks) {
        let Some((at, s)) = shapes.iter().enumerate().find(|(_, s)| !s.is_blank() && !marks.has(s.number)) else {
            return;
        };
        if s.links > 0 || !s.is_short(10) || ends_sentence(&s.visible) {
            return;
        }
        let Some((left, right)) = [" - ", " | ", " – ", " — "].iter().find_map(|sep| split_at_phrase(&s.visible, sep))
        else {
            return;
        };
        // One searcher for each side, not one for every line it is looked for in.
        let named_elsewhere = |side: &str| {
            if side.split_whitespace().count() < 2 {
                return false;
            }
            let finder = memchr::memmem::Finder::new(side);
            let elsewhere = |(k, t): &(usize, &Shape)| *k != at && finder.find(t.visible.as_bytes()).is_some();
            shapes.iter().enumerate().filter(elsewhere).take(2).count() == 2
        };
        if named_elsewhere(left.trim()) || named_elsewhere(right.trim()) {
            marks.set(s.number, &TITLE);
        }
    }

    /// In a dump, a paragraph that is chrome but for a short label or name line (a kicker over a
    /// menu, the credit under a video) is chrome as a whole.
    fn chrome_blocks(&self, shapes: &[Shape], blocks: &[(usize, usize)], marks: &mut Marks) {
        for &(start, end) in blocks {
            let text: Vec<&Shape> = shapes[start..end].iter().filter(|s| !s.is_blank()).collect();
            let marked: Vec<&RuleId> = text.iter().filter_map(|s| marks.get(s.number)).collect();
            if marked.len() < 2 || marked.len() == text.len() {
                continue;
            }
            let rest_is_labels = text
                .iter()
                .filter(|s| !marks.has(s.number))
                .all(|s| s.is_short(4) && s.links == 0 && !ends_sentence(&s.visible) && s.item.is_none());
            if rest_is_labels && marked.len() * 2 > text.len() {
                let rule = marked[marked.len() - 1].clone();
                for s in &text {
                    marks.set(s.number, &rule);
                }
            }
        }
    }
}

impl Shape<'_> {
    /// True if the text after the list bullet opens with a link mark.
    fn starts_with_link_after_bullet(&self) -> bool {
        self.item.is_some_and(|rest| {
            rest.strip_prefix('[').is_some_and(|r| {
                let digits = r.bytes().take_while(u8::is_ascii_digit).count();
                digits > 0 && r[digits..].starts_with(']')
            })
        })
    }
}

/// Pages at least this many text lines long may be judged to hold no article at all.
const MIN_FURNITURE_PAGE: usize = 30;

/// True for a page that is only furniture (a home page, an index of headlines): long, half of its
/// lines or more chrome, and no paragraph of prose left among the rest (twelve words or more,
/// ending a sentence). Such a page is reported and left for its user rather than emptied.
fn is_furniture_only(shapes: &[Shape], marks: &Marks) -> bool {
    let text = shapes.iter().filter(|s| !s.is_blank()).count();
    let marked = shapes.iter().filter(|s| marks.has(s.number)).count();
    if text < MIN_FURNITURE_PAGE || marked * 2 < text {
        return false;
    }
    let prose = paragraphs(shapes).iter().any(|&(start, end)| {
        let kept: Vec<&Shape> = shapes[start..end].iter().filter(|s| !s.is_blank() && !marks.has(s.number)).collect();
        let words = kept.iter().map(|s| s.words).fold(0usize, usize::saturating_add);
        words >= 12 && kept.last().is_some_and(|s| s.words == usize::MAX || ends_sentence(&s.visible))
    });
    !prose
}

/// The first and last prose lines of the window (a long line, or a sentence of ten words or more):
/// the article body lies between them.
fn body_span(shapes: &[Shape]) -> Option<(usize, usize)> {
    let is_prose = |s: &Shape| s.words != 0 && (s.words == usize::MAX || (s.words >= 10 && ends_sentence(&s.visible)));
    let first = shapes.iter().position(is_prose)?;
    let last = shapes.iter().rposition(is_prose)?;
    Some((first, last))
}

/// Widget controls a page prints as text: a line made only of them is chrome. Single words
/// (`Close`, `Menu`, `Search`) count only beside another control: alone, they may be a subheading.
const CONTROLS: &[&str] = &[
    "scroll carousel left",
    "scroll carousel right",
    "previous slide",
    "next slide",
    "previous image",
    "next image",
    "previous photo",
    "next photo",
    "skip to content",
    "skip to main content",
    "skip to navigation",
    "back to top",
    "toggle navigation",
    "open menu",
    "close menu",
    "show more",
    "load more",
    "view gallery",
    "close",
    "menu",
    "search",
    "fullscreen",
    "share",
    "previous",
    "next",
];

/// True if `text` is only widget controls (two or more, or one of several words). Compared without
/// case and without a lower-cased copy: the controls are ASCII.
fn is_controls(text: &str) -> bool {
    let mut rest = text.trim();
    // Most short lines open with no control's first letter.
    let initial = rest.bytes().next().map(|b| b.to_ascii_lowercase());
    if !CONTROLS.iter().any(|c| initial == c.bytes().next()) {
        return false;
    }
    let mut count = 0;
    let mut multi_word = false;
    while !rest.is_empty() {
        let Some(c) = CONTROLS.iter().find(|c| {
            rest.get(..c.len()).is_some_and(|head| head.eq_ignore_ascii_case(c))
                && rest[c.len()..].chars().next().is_none_or(|n| !n.is_alphanumeric())
        }) else {
            return false;
        };
        multi_word |= c.contains(' ');
        count += 1;
        rest = rest[c.len()..].trim_start_matches([' ', '|', '·', '•', '/']);
    }
    count >= 2 || multi_word
}

/// `N` if `text` announces a list (`list of 4 items`, `List of 12 items`).
fn announced_list(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("list of ").or_else(|| text.strip_prefix("List of "))?;
    let count = rest.strip_suffix(" items").or_else(|| rest.strip_suffix(" item"))?;
    count.parse().ok().filter(|&n| n > 0 && n <= 50)
}

/// A short line that opens with a clock time and goes on as a headline (`04:15 Storm closes port`,
/// `9:30 PM Council vote delayed`), not as a sentence.
fn is_timed_headline(s: &Shape) -> bool {
    let v = &*s.visible;
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=2).contains(&digits) || v.as_bytes().get(digits) != Some(&b':') {
        return false;
    }
    let minutes = &v[digits + 1..];
    if minutes.len() < 3 || !minutes.as_bytes()[..2].iter().all(u8::is_ascii_digit) || minutes.as_bytes()[2] != b' ' {
        return false;
    }
    let rest = minutes[3..].trim_start_matches(|c: char| "AaPpMm. ".contains(c));
    rest.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit() || c == '‘' || c == '“' || c == '\'' || c == '"')
        && s.is_short(20)
        && !rest.contains(". ")
}

/// The first link mark (`[12]`) in `text`: its start and end.
fn next_link_mark(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'[', bytes).find_map(|at| link_mark_end(bytes, at).map(|end| (at, end)))
}

/// The end of the link mark (`[12]`) opening at `at` (a `[`), if one does.
fn link_mark_end(bytes: &[u8], at: usize) -> Option<usize> {
    let digits = bytes[at + 1..].iter().take(6).take_while(|b| b.is_ascii_digit()).count();
    ((1..=5).contains(&digits) && bytes.get(at + 1 + digits) == Some(&b']')).then_some(at + digits + 2)
}

/// The number of spaces in `text` if it reads as it is written: ASCII, with no link mark to take
/// out, no tab and no run of spaces to fold (its visible text is then itself). Every short line of
/// every window comes here, so the bytes are looked at eight at a time, as one `u64` (a byte loop
/// cost three times as much).
fn plain_spaces(text: &str) -> Option<usize> {
    let mut spaces = 0;
    let mut odd = 0;
    // The high bit of the last byte of the previous word, if a space, moved to the first byte.
    let mut space_before = 0;
    let mut look = |word: u64| {
        let space = bytes_equal(word, b' ');
        let doubled = space & ((space << 8) | space_before);
        odd |= (word & HIGH_BITS) | bytes_equal(word, b'[') | bytes_equal(word, b'\t') | doubled;
        // The spaces' high bits moved to the low bits and summed into the top byte.
        spaces += ((space >> 7).wrapping_mul(LOW_BITS) >> 56) as usize;
        space_before = space >> 56;
    };
    let mut words = text.as_bytes().chunks_exact(8);
    for word in &mut words {
        look(u64::from_le_bytes(word.try_into().expect("eight bytes")));
    }
    // The last bytes, padded with a letter.
    let mut last = [b'a'; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    look(u64::from_le_bytes(last));
    (odd == 0).then_some(spaces)
}

/// The low bit of each byte of a `u64`.
const LOW_BITS: u64 = 0x0101_0101_0101_0101;
/// The high bit of each byte of a `u64`.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` that is `byte`, and no other bit (the sum cannot carry from
/// one byte into the next).
fn bytes_equal(word: u64, byte: u8) -> u64 {
    let x = word ^ (LOW_BITS * u64::from(byte));
    !(((x & !HIGH_BITS) + !HIGH_BITS) | x) & HIGH_BITS
}

/// The text after a list bullet (`* `, `+ `, `• `), if `text` is a list item.
fn list_item(text: &str) -> Option<&str> {
    if !text.starts_with(['*', '+', '•']) {
        return None;
    }
    ["* ", "+ ", "• ", "*", "+", "•"].iter().find_map(|b| {
        let rest = text.strip_prefix(b)?;
        (rest.is_empty() || b.ends_with(' ')).then_some(rest.trim_start())
    })
}

/// True if `visible` ends as `TIMESTAMP_TEXT` needs (`… read`, `… ago`): a check of the last bytes
/// before the pattern is run.
fn may_be_timestamp(visible: &str) -> bool {
    visible.ends_with(" read") || visible.ends_with(" ago") || visible.ends_with(" ago ")
}

/// `[` followed by an image file name that the line break cut (`[21vid-cover-image.jpg?auto=webp&quali`).
fn is_open_image_mark(text: &str) -> bool {
    text.starts_with('[')
        && !text.contains(' ')
        && !text.contains(']')
        && [".jpg", ".jpeg", ".png", ".gif", ".webp"].iter().any(|e| text.contains(e))
}

/// Characters the normalize stage removes or turns into spaces: a line is judged as it will read.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

/// Where the first `phrase` in `text` starts: its first byte found with `memchr`, for the short
/// lines asked (a `str` search sets up a searcher for each, which cost more than the search).
fn find_phrase(text: &str, phrase: &str) -> Option<usize> {
    let (bytes, phrase) = (text.as_bytes(), phrase.as_bytes());
    memchr::memchr_iter(phrase[0], bytes).find(|&at| bytes[at..].starts_with(phrase))
}

/// True if `text` holds `phrase`.
fn holds(text: &str, phrase: &str) -> bool {
    find_phrase(text, phrase).is_some()
}

/// `text` split around the first `phrase` in it, as `str::split_once` splits it.
fn split_at_phrase<'a>(text: &'a str, phrase: &str) -> Option<(&'a str, &'a str)> {
    let at = find_phrase(text, phrase)?;
    Some((&text[..at], &text[at + phrase.len()..]))
}

/// True if `text` ends as a sentence does.
fn ends_sentence(text: &str) -> bool {
    text.trim_end().ends_with(['.', '!', '?', '。', '！', '？'])
}

/// The paragraphs of the window: ranges of shapes, each a run of non-blank lines.
fn paragraphs(shapes: &[Shape]) -> Vec<(usize, usize)> {
    let mut blocks = Vec::new();
    let mut start = None;
    for (i, s) in shapes.iter().enumerate() {
        match (s.is_blank(), start) {
            (false, None) => start = Some(i),
            (true, Some(b)) => {
                blocks.push((b, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(b) = start {
        blocks.push((b, shapes.len()));
    }
    blocks
}

/// The length of the repeated part if `text` opens with a run of words said twice (`A soldier
/// hands ammunition to a soldier. A soldier hands ammunition to a soldier. Caption…`).
fn doubled_prefix(text: &str) -> Option<usize> {
    let head: String = text.chars().take(12).collect();
    let finder = memchr::memmem::Finder::new(head.as_bytes());
    for at in finder.find_iter(&text.as_bytes()[1..]).map(|p| p + 1) {
        if at < MIN_DOUBLED + 1 || text.as_bytes()[at - 1] != b' ' {
            continue;
        }
        let first = &text[..at - 1];
        if first.split_whitespace().count() < 4 {
            continue;
        }
        if text[at..].starts_with(first)
            && text[at + first.len()..].chars().next().is_none_or(|c| c == ' ' || !c.is_alphanumeric())
        {
            return Some(at + first.len());
        }
    }
    None
}

/// The stage applying a window's chrome decisions (`Context::chrome`) to each block.
pub struct Chrome;

impl Stage for Chrome {
    fn name(&self) -> &'static str {
        "chrome"
    }

    fn apply(&self, block: &mut WorkBlock, ctx: &Context<'_>, edits: &mut Vec<Edit>) {
        let Some(marks) = ctx.chrome.filter(|m| !m.is_empty()) else { return };
        for index in 0..block.len() {
            if let Some(rule) = marks.get(block.number(index)) {
                block.remove(index, rule.clone(), edits);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::Ending;

    #[test]
    fn the_stage_removes_a_marked_line_and_skips_a_window_with_no_mark() {
        let policy = crate::stage::Policy::default();
        let line = Line::new(1, "5 min read".to_owned(), Ending::Lf);
        let block = crate::block::Block { lines: vec![line] };
        let mut marked = Marks::default();
        marked.set(1, &TIMESTAMP);
        for (marks, removed) in [(Marks::default(), 0), (marked, 1)] {
            let ctx = Context {
                prev: None,
                next: None,
                text_lines_before: 0,
                is_last: false,
                chrome: Some(&marks),
                prefilter: None,
            };
            let mut work = WorkBlock::new(block.clone(), &policy);
            let mut edits = Vec::new();
            Chrome.apply(&mut work, &ctx, &mut edits);
            assert_eq!(edits.len(), removed);
        }
    }

    /// The rule marked on each line of `texts` (numbered from 1), as the classifier decides them.
    fn classify(texts: &[&str]) -> Vec<Option<RuleId>> {
        let lines = crate::block::Block::of_lines(texts).lines;
        let refs: Vec<&Line> = lines.iter().collect();
        let marks = Classifier::new().classify(&refs);
        (1..=texts.len()).map(|n| marks.get(n).cloned()).collect()
    }

    #[test]
    fn a_line_said_twice_is_a_credit_only_if_it_holds_no_sentence() {
        let prose = "Intro paragraph of the story, long enough to be prose and not a short line at all.";
        let credit = "Jane Roe / Example Photo Agency";
        let marks = classify(&[prose, credit, credit, prose]);
        assert_eq!(marks[1].as_ref().map(RuleId::as_str), Some("chrome.credit"), "{marks:?}");
        for twice in ["华为表示，今年缩水。 Read Full Article at Example.com", "Prices fell. Read more at Example.com"]
        {
            let marks = classify(&[prose, twice, twice, prose]);
            assert!(marks.iter().all(Option::is_none), "{twice:?}: {marks:?}");
        }
    }

    /// The plain-line test as it was written before `plain_spaces`, for comparison.
    fn plain_spaces_by_search(text: &str) -> Option<usize> {
        let plain = text.is_ascii() && !text.contains(['[', '\t']) && !text.contains("  ");
        plain.then(|| text.bytes().filter(|&b| b == b' ').count())
    }

    #[test]
    fn plain_lines_are_found_as_the_searches_found_them() {
        for text in [
            "",
            " ",
            "  ",
            "a",
            "Photo by Jane Doe",
            "Photo by  Jane Doe",
            "Photo by Jane Doe ",
            "ends with two  ",
            "[12]World",
            "a [ b",
            "tab\there",
            "Caf\u{e9} menu",
            "no\u{a0}break",
            "x y z w v u t s r q p o n m l k j i h g f e d c b a",
        ] {
            assert_eq!(plain_spaces(text), plain_spaces_by_search(text), "{text:?}");
        }
        // Every string of up to 11 bytes over the bytes that matter, at every offset in a word.
        let alphabet = ["a", " ", "[", "\t", "\u{e9}"];
        let mut texts = vec![String::new()];
        for _ in 0..6 {
            texts = texts.iter().flat_map(|t| alphabet.iter().map(move |b| format!("{t}{b}"))).collect();
            for text in &texts {
                for padded in [text.clone(), format!("abcde{text}")] {
                    assert_eq!(plain_spaces(&padded), plain_spaces_by_search(&padded), "{padded:?}");
                }
            }
        }
    }

    #[test]
    fn the_timestamp_gate_lets_through_every_timestamp() {
        for text in ["5 min read", "12 minutes read", "16 minutes ago", "an hour ago", "a day ago", "Updated 4 hrs ago"]
        {
            assert!(TIMESTAMP_TEXT.is_match(text), "{text:?}");
            assert!(may_be_timestamp(text), "{text:?}");
        }
        assert!(!may_be_timestamp("Readers agree"));
    }

    #[test]
    fn the_controls_gate_lets_through_every_control() {
        for control in CONTROLS.iter().filter(|c| c.contains(' ')) {
            assert!(is_controls(control), "{control:?}");
            assert!(is_controls(&control.to_uppercase()), "{control:?}");
        }
        assert!(is_controls("Close | Menu"));
        assert!(is_controls("Share / Next"));
        assert!(!is_controls("Close"));
        assert!(!is_controls("Closer to home"));
    }

    #[test]
    fn a_text_browser_dump_is_known_by_its_buttons_header_or_rising_link_marks() {
        let classifier = Classifier::new();
        let dump = |texts: &[&str]| {
            let lines: Vec<Line> = texts.iter().map(|t| Line::new(1, (*t).to_owned(), Ending::Lf)).collect();
            classifier.is_text_browser_dump(&lines.iter().collect::<Vec<_>>())
        };
        assert!(dump(&["Search (BUTTON) Go"]));
        assert!(dump(&["  #[1]alternate [2]alternate"]));
        assert!(dump(&["[1]a [2]b [3]c [4]d", "text [5]e [6]f", "[x] [7]g (see) [8]h"]));
        assert!(!dump(&["[1]a [2]b [3]c [4]d", "text [5]e [6]f", "[x] [7]g (see) [8h]"]));
        assert!(!dump(&["(BUTTON", "[1]a [1]b [1]c [1]d [1]e [1]f [1]g [1]h"]));
    }

    #[test]
    fn timed_headlines_inside_the_body_stay_and_those_after_it_go() {
        let prose = "The council met on Tuesday to discuss the budget and agreed to continue talks next week.";
        let timed = "09:15 Storm closes the port again tonight";
        let mut texts = vec![prose];
        texts.extend([timed; 5]);
        texts.push(prose);
        texts.extend([
            "Latest",
            "10:02 Council vote is delayed",
            "10:30 Bridge reopens",
            "11:45 Fans queue for tickets",
        ]);
        let marks = classify(&texts);
        assert!(marks[..7].iter().all(Option::is_none), "{marks:?}");
        assert!(marks[7..].iter().all(|m| m.as_ref() == Some(&HEADLINE_LIST)), "{marks:?}");
    }

    #[test]
    fn a_long_run_of_timed_lines_in_the_body_is_left_as_it_is() {
        // Each line of the run used to recount the rest of it: a run of thousands took seconds.
        let prose = "The council met on Tuesday to discuss the budget and agreed to continue talks next week.";
        let timed = "09:15 Storm closes the port again tonight on the coast";
        let mut texts = vec![prose, ""];
        texts.extend(std::iter::repeat_n(timed, 4000).flat_map(|t| [t, ""]));
        texts.push(prose);
        assert!(classify(&texts).iter().all(Option::is_none));
    }
}
