//! Finds the article among a page's paragraphs once the whole page is read: the block element
//! where running prose is densest (readability's scoring), widened to the ancestors that add
//! mostly prose, without the short lines before its first paragraph of prose and without text
//! printed twice in a row (gallery captions). A page is held only up to a bound; a page without
//! enough prose to tell its article keeps everything the element rules kept.

use lol_html::html_content::Element;

use super::Piece;

/// A page holding more text than this is not held: it streams with the element rules alone.
pub(super) const MAX_PAGE_TEXT: usize = 4 * 1024 * 1024;
/// A page with more block elements than this streams with the element rules alone.
const MAX_NODES: usize = 1 << 18;

/// A paragraph of prose has at least this many characters...
const MIN_PROSE_CHARS: usize = 80;
/// ... less than this share of them inside links (3 in 10) ...
const MAX_PROSE_LINKS: (usize, usize) = (3, 10);
/// ... and ends a sentence somewhere.
const SENTENCE_ENDS: &[char] = &['.', '!', '?', '。', '！', '？'];
const COMMAS: &[char] = &[',', '，', '、', '،'];

/// How far up a paragraph's score counts (readability: the parent, the grandparent, then less).
const SCORED_LEVELS: usize = 6;
/// Below this score no element stands out as the article, and everything is kept: about two
/// paragraphs of prose.
const MIN_ARTICLE_SCORE: f64 = 10.0;
/// A short sentence: fewer characters than a paragraph of prose, at least this many words.
const MIN_SENTENCE_WORDS: usize = 4;
/// An ancestor joins the article if what it adds is prose at least this many times over what it
/// adds of other text (an article split into sibling blocks, each holding some of its paragraphs).
const WIDEN_RATIO: usize = 5;
/// The `<article>` element around the article found is taken whole if it adds no prose and at most
/// this many characters of other text (its title, byline, date).
const MAX_ARTICLE_FRAME: usize = 1000;

/// What a block element is to the page's tree: the elements HTML ends implicitly.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tag {
    P,
    Li,
    Cell,
    Term,
    /// `<h1>`: the title, kept before the article's first paragraph.
    Title,
    /// `<article>`: taken whole around the densest prose when it adds only a title and a few lines.
    Article,
    Other,
}

impl Tag {
    fn of(name: &str) -> Tag {
        match name {
            "p" => Tag::P,
            "li" => Tag::Li,
            "td" | "th" => Tag::Cell,
            "dt" | "dd" => Tag::Term,
            "h1" => Tag::Title,
            "article" => Tag::Article,
            _ => Tag::Other,
        }
    }
}

struct Node {
    parent: Option<u32>,
    tag: Tag,
}

/// The block elements of a page read so far, and which of them are open. A node's parent always
/// has a smaller index, so one pass in order visits parents before children.
#[derive(Default)]
pub(super) struct Page {
    nodes: Vec<Node>,
    open: Vec<u32>,
}

impl Page {
    /// True once the page has more block elements than it may hold.
    pub(super) fn is_full(&self) -> bool {
        self.nodes.len() >= MAX_NODES
    }

    /// The innermost open block element.
    pub(super) fn current(&self) -> Option<u32> {
        self.open.last().copied()
    }

    /// Opens a block element; its index.
    pub(super) fn open(&mut self, el: &Element<'_, '_>) -> Option<u32> {
        let tag = Tag::of(&el.tag_name());
        // HTML ends an open `<p>` at the start of any block, and an `<li>` at the next `<li>`.
        if let Some(&top) = self.open.last() {
            let top = self.nodes[top as usize].tag;
            if top == Tag::P || (top == tag && matches!(tag, Tag::Li | Tag::Cell | Tag::Term)) {
                self.open.pop();
            }
        }
        let id = u32::try_from(self.nodes.len()).ok()?;
        self.nodes.push(Node { parent: self.current(), tag });
        self.open.push(id);
        Some(id)
    }

    /// Closes a block element and any left open inside it.
    pub(super) fn close(&mut self, node: u32) {
        if let Some(at) = self.open.iter().rposition(|&n| n == node) {
            self.open.truncate(at);
        }
    }

    /// Drops from `pieces` what lies outside the article, if the page has one.
    pub(super) fn select(self, pieces: &mut Vec<Piece>) {
        let Some(article) = self.article(pieces) else { return };
        let mut inside = vec![false; self.nodes.len()];
        for (id, node) in self.nodes.iter().enumerate() {
            inside[id] = id == article || node.parent.is_some_and(|p| inside[p as usize]);
        }
        let is_inside = |piece: &Piece| piece.node.is_some_and(|n| inside[n as usize]);
        // More short sentences outside than sentences inside: an article of short paragraphs
        // beside a long block of furniture (a disclaimer) may have been taken for the other. Keep all.
        let sentences: usize =
            pieces.iter().filter(|p| is_inside(p)).map(|p| p.text.matches(SENTENCE_ENDS).count()).sum();
        let short_outside = pieces.iter().filter(|p| !is_inside(p) && is_short_sentence(p)).count();
        if short_outside > sentences {
            return;
        }
        // Before the first paragraph of prose: the title, and bylines, dates and labels.
        let mut in_body = false;
        let mut kept: Vec<Piece> = std::mem::take(pieces)
            .into_iter()
            .filter(|piece| is_inside(piece))
            .filter(|piece| {
                in_body = in_body || is_prose(piece);
                in_body || piece.node.is_some_and(|n| self.nodes[n as usize].tag == Tag::Title)
            })
            .collect();
        drop_pairs(&mut kept);
        *pieces = kept;
    }

    /// The block element holding the article: the best scored, widened to ancestors that add
    /// mostly prose. None if no element stands out.
    fn article(&self, pieces: &[Piece]) -> Option<usize> {
        let n = self.nodes.len();
        let mut score = vec![0.0f64; n];
        // Bytes of text and of links, characters of prose and of other text, in each subtree.
        let (mut text, mut links, mut prose, mut other) = (vec![0; n], vec![0; n], vec![0; n], vec![0; n]);
        for piece in pieces {
            let Some(node) = piece.node else { continue };
            let node = node as usize;
            text[node] += piece.text.len();
            links[node] += piece.links;
            let chars = piece.text.chars().count();
            if !is_prose(piece) {
                other[node] += chars;
                continue;
            }
            prose[node] += chars;
            let commas = piece.text.matches(COMMAS).count();
            let points = 1.0 + commas as f64 + (chars as f64 / 100.0).min(3.0);
            let mut at = Some(node);
            for level in 0..SCORED_LEVELS {
                let Some(id) = at else { break };
                score[id] += points * level_weight(level);
                at = self.nodes[id].parent.map(|p| p as usize);
            }
        }
        for id in (0..n).rev() {
            if let Some(parent) = self.nodes[id].parent {
                let parent = parent as usize;
                text[parent] += text[id];
                links[parent] += links[id];
                prose[parent] += prose[id];
                other[parent] += other[id];
            }
        }
        let mut best: Option<(usize, f64)> = None;
        for id in 0..n {
            let density = if text[id] == 0 { 0.0 } else { links[id] as f64 / text[id] as f64 };
            let weighed = score[id] * (1.0 - density);
            if best.is_none_or(|(_, b)| weighed > b) {
                best = Some((id, weighed));
            }
        }
        let (mut article, best) = best?;
        if best < MIN_ARTICLE_SCORE {
            return None;
        }
        while let Some(parent) = self.nodes[article].parent {
            let parent = parent as usize;
            let (more_prose, more_other) = (prose[parent] - prose[article], other[parent] - other[article]);
            let adds_prose = more_prose > 0 && more_prose >= WIDEN_RATIO * more_other;
            if !(adds_prose || more_prose == 0 && more_other == 0) {
                break;
            }
            article = parent;
        }
        let mut at = self.nodes[article].parent;
        while let Some(id) = at.map(|a| a as usize) {
            if self.nodes[id].tag == Tag::Article {
                if prose[id] == prose[article] && other[id] - other[article] <= MAX_ARTICLE_FRAME {
                    article = id;
                }
                break;
            }
            at = self.nodes[id].parent;
        }
        Some(article)
    }
}

/// Drops paragraphs printed exactly twice in a row, both copies: a gallery's caption and credit
/// shown under the photo and again in its viewer. A run of three or more is left alone.
fn drop_pairs(pieces: &mut Vec<Piece>) {
    let mut doubled = vec![false; pieces.len()];
    let mut start = 0;
    while start < pieces.len() {
        let run = pieces[start..].iter().take_while(|p| p.text == pieces[start].text).count();
        if run == 2 {
            doubled[start..start + 2].fill(true);
        }
        start += run;
    }
    let mut doubled = doubled.into_iter();
    pieces.retain(|_| !doubled.next().expect("one flag per piece"));
}

/// How much of a paragraph's score an ancestor `level` steps up gets (readability's weights).
fn level_weight(level: usize) -> f64 {
    match level {
        0 | 1 => 1.0,
        2 => 0.5,
        _ => 1.0 / (3.0 * (level - 1) as f64),
    }
}

/// A line shorter than prose that reads as a sentence: a few words and a sentence end.
fn is_short_sentence(piece: &Piece) -> bool {
    piece.text.chars().nth(MIN_PROSE_CHARS - 1).is_none()
        && piece.text.contains(SENTENCE_ENDS)
        && piece.text.split_whitespace().nth(MIN_SENTENCE_WORDS - 1).is_some()
}

/// A paragraph of running prose: long enough, not mostly links, with a sentence end.
fn is_prose(piece: &Piece) -> bool {
    let (num, den) = MAX_PROSE_LINKS;
    piece.links * den < piece.text.len() * num
        && piece.text.contains(SENTENCE_ENDS)
        && piece.text.chars().nth(MIN_PROSE_CHARS - 1).is_some()
}
