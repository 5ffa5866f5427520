//! HTML to article text, streaming with lol_html: page furniture (scripts, navigation, share bars,
//! comment threads, cookie notices, lists of links...) is dropped with everything inside it, block
//! elements become paragraph breaks, entities are decoded and whitespace is collapsed as a browser
//! shows it. No DOM is built: a page's paragraphs are held with the block element each was read in
//! (an index into a list of parents, `article::Page`) and the article is chosen among them at the
//! end (`article`); a page past `article::MAX_PAGE_TEXT` streams with the element rules alone.
//! Charset decoding is left to `decode`, and HTML residue inside plain text to the `markup` stage.

mod article;
pub(crate) mod entities;
mod rules;

pub(crate) use rules::BLOCK_TAGS;

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::rc::Rc;

use lol_html::html_content::{Element, TextType};
use lol_html::{HtmlRewriter, MemorySettings, Settings, doc_text, element, end_tag};

use entities::{Decoded, MAX_NAME, Mode};
use rules::Kind;

/// How much input is handed to the parser at a time.
const READ_CHUNK: usize = 64 * 1024;
/// The parser's memory bound: a single tag (or a run of text it must buffer) larger than this is an error.
const PARSER_MEMORY: usize = 16 * 1024 * 1024;
/// A paragraph longer than this is written out in pieces, so that memory stays bounded on pages
/// without any block element; link-density checks do not apply to it.
const MAX_PARAGRAPH: usize = 1024 * 1024;
/// A region holding more text than this is kept without waiting for its end.
const MAX_HELD: usize = 256 * 1024;

/// Why HTML could not be turned into text.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    /// Reading the input failed.
    #[error("cannot read HTML: {0}")]
    Read(#[source] io::Error),
    /// Writing the text failed.
    #[error("cannot write text: {0}")]
    Write(#[source] io::Error),
    /// The parser gave up (a tag larger than its memory bound).
    #[error("cannot parse HTML: {0}")]
    Parse(String),
}

/// Reads UTF-8 HTML from `input` and writes its article text to `out`: paragraphs separated by a
/// blank line, `<br>` as a line break, ending with a single newline (nothing at all for a page
/// without text). Memory stays bounded whatever the input size.
pub fn extract_text<W: Write>(mut input: impl Read, mut out: W) -> Result<(), HtmlError> {
    let state = Rc::new(RefCell::new(Extractor { page: Some(article::Page::default()), ..Extractor::default() }));
    let on_element = Rc::clone(&state);
    let on_text = Rc::clone(&state);
    let settings = Settings::new()
        .with_strict(false)
        .with_adjust_charset_on_meta_tag(false)
        .with_memory_settings(MemorySettings::new().with_max_allowed_memory_usage(PARSER_MEMORY))
        .append_element_content_handler(element!("*", move |el| start_element(&on_element, el)))
        .append_document_content_handler(doc_text!(move |chunk| {
            on_text.borrow_mut().text(chunk.as_str(), chunk.text_type(), chunk.last_in_text_node());
            Ok(())
        }));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    let mut buf = vec![0; READ_CHUNK];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(HtmlError::Read(e)),
        };
        rewriter.write(&buf[..n]).map_err(|e| HtmlError::Parse(e.to_string()))?;
        state.borrow_mut().drain_to(&mut out)?;
    }
    rewriter.end().map_err(|e| HtmlError::Parse(e.to_string()))?;
    let mut state = state.borrow_mut();
    state.finish();
    state.drain_to(&mut out)?;
    if state.wrote_any {
        out.write_all(b"\n").map_err(HtmlError::Write)?;
    }
    out.flush().map_err(HtmlError::Write)
}

/// Classifies a start tag and registers what must happen at its end.
fn start_element(state: &Rc<RefCell<Extractor>>, el: &mut Element<'_, '_>) -> lol_html::HandlerResult {
    let mut st = state.borrow_mut();
    if st.skipping {
        return Ok(()); // inside a dropped element: its own end handler ends the skip
    }
    let kind = rules::classify(el);
    let end = match kind {
        Kind::Inline => return Ok(()),
        Kind::LineBreak => {
            st.line_break();
            return Ok(());
        }
        Kind::Drop { block } => {
            if block {
                st.paragraph_break();
            }
            if !el.can_have_content() {
                return Ok(()); // a void element has nothing inside to drop
            }
            st.skipping = true;
            End::Drop { block }
        }
        Kind::Furniture { min_text } => End::Region(st.open_region(Test::Furniture { min_text })),
        Kind::Container => End::Region(st.open_region(Test::LinkList)),
        Kind::Block => {
            st.paragraph_break();
            End::Block
        }
        Kind::Pre => {
            st.paragraph_break();
            st.pre_depth += 1;
            st.pre_fresh = true;
            End::Pre
        }
        Kind::Link => {
            st.link_depth += 1;
            End::Link
        }
    };
    let node = match kind {
        Kind::Furniture { .. } | Kind::Container | Kind::Block | Kind::Pre if el.can_have_content() => st.open_node(el),
        _ => None,
    };
    drop(st);
    if el.can_have_content() {
        let state = Rc::clone(state);
        el.on_end_tag(end_tag!(move |_| {
            let mut st = state.borrow_mut();
            st.end_element(end);
            if let Some(node) = node {
                st.close_node(node);
            }
            Ok(())
        }))?;
    }
    Ok(())
}

/// What to do at an element's end tag.
#[derive(Clone, Copy)]
enum End {
    Drop {
        block: bool,
    },
    /// Close the region with this id.
    Region(u64),
    Block,
    Pre,
    Link,
}

/// Running totals over the paragraphs read so far; a region's own totals are the difference
/// between the totals at its end and at its start.
#[derive(Clone, Copy, Default)]
struct Totals {
    /// Bytes of text in kept paragraphs.
    text: usize,
    /// Bytes of link text in kept paragraphs.
    links: usize,
    /// Bytes of paragraphs dropped for being mostly links.
    dropped_links: usize,
    /// Kept paragraphs of `rules::LONG_PARAGRAPH` bytes or more.
    long_paragraphs: usize,
}

impl Totals {
    fn since(self, start: Totals) -> Totals {
        Totals {
            text: self.text - start.text,
            links: self.links - start.links,
            dropped_links: self.dropped_links - start.dropped_links,
            long_paragraphs: self.long_paragraphs - start.long_paragraphs,
        }
    }
}

/// How a region's fate is decided at its end.
#[derive(Clone, Copy)]
enum Test {
    /// Page furniture by its tag or class (`rules::is_furniture_text`).
    Furniture { min_text: usize },
    /// A container that may be a list of links and teasers (`rules::is_link_list`).
    LinkList,
}

/// A block whose text is held back until its end decides whether it is kept. Memory stays bounded:
/// a region that can no longer be dropped, or that holds more than `MAX_HELD`, is kept at once.
struct Region {
    id: u64,
    test: Test,
    /// Where the region's text starts in `ready`: a piece index, and the bytes held before it.
    mark: usize,
    mark_bytes: usize,
    start: Totals,
}

/// A finished paragraph waiting in `ready`.
struct Piece {
    text: String,
    /// Bytes of `text` inside links.
    links: usize,
    /// The innermost block element it was read in (`article::Page`'s index), if the page is held.
    node: Option<u32>,
    /// It continues the previous piece on the same line (a paragraph too long to hold whole).
    continued: bool,
}

/// The streaming state: the paragraph being read and the text ready to be written.
#[derive(Default)]
struct Extractor {
    /// Inside a dropped element.
    skipping: bool,
    pre_depth: usize,
    /// The next text is the first inside a `<pre>` (whose leading newline HTML ignores).
    pre_fresh: bool,
    link_depth: usize,
    /// The current paragraph, whitespace already collapsed.
    para: String,
    /// Whitespace was seen after the last character of `para`.
    space_pending: bool,
    /// Bytes of `para` that came from inside links.
    para_links: usize,
    /// Some of `para` came from inside a `<pre>`.
    para_in_pre: bool,
    /// `para` continues a paragraph whose start was written already (it grew past `MAX_PARAGRAPH`).
    glued: bool,
    /// The tail of a text chunk that may be the start of a character reference split across chunks.
    carry: String,
    /// Finished paragraphs not yet written; what follows the first open region's mark is held back,
    /// and all of them while the whole page is held.
    ready: Vec<Piece>,
    /// Bytes of text in `ready`.
    ready_bytes: usize,
    /// Some paragraph was written (the next one needs a blank line before it).
    wrote_any: bool,
    /// The page's block elements and which of them are open, while the whole page is held.
    page: Option<article::Page>,
    totals: Totals,
    /// Open regions, outermost first.
    regions: Vec<Region>,
    next_region: u64,
}

impl Extractor {
    fn end_element(&mut self, end: End) {
        match end {
            End::Drop { block } => {
                self.skipping = false;
                if block {
                    self.paragraph_break();
                }
            }
            End::Region(id) => {
                self.paragraph_break();
                self.close_region(id);
            }
            End::Block => self.paragraph_break(),
            End::Pre => {
                self.paragraph_break();
                self.pre_depth = self.pre_depth.saturating_sub(1);
            }
            End::Link => self.link_depth = self.link_depth.saturating_sub(1),
        }
    }

    fn open_region(&mut self, test: Test) -> u64 {
        self.paragraph_break();
        let id = self.next_region;
        self.next_region += 1;
        let region = Region { id, test, mark: self.ready.len(), mark_bytes: self.ready_bytes, start: self.totals };
        self.regions.push(region);
        id
    }

    fn close_region(&mut self, id: u64) {
        // Not found: it was already kept (see `keep_settled_regions`).
        let Some(at) = self.regions.iter().rposition(|r| r.id == id) else { return };
        // Regions opened inside it end with it (lol_html ends them first; this keeps totals sane).
        while self.regions.len() > at {
            let region = self.regions.pop().expect("len > at");
            self.decide(region);
        }
    }

    /// Drops a region's text if its test says so.
    fn decide(&mut self, region: Region) {
        let own = self.totals.since(region.start);
        let drop = match region.test {
            Test::Furniture { min_text } => rules::is_furniture_text(own, min_text),
            Test::LinkList => rules::is_link_list(own),
        };
        if drop {
            self.ready.truncate(region.mark);
            self.ready_bytes = region.mark_bytes;
            // What was dropped as link lines stays counted: the enclosing region held those links.
            self.totals = Totals { dropped_links: self.totals.dropped_links, ..region.start };
        }
    }

    /// Keeps, without waiting for their ends, the outermost regions that can no longer be dropped
    /// or have grown too large to hold, so that their text can be written.
    fn keep_settled_regions(&mut self) {
        while let Some(region) = self.regions.first() {
            let own = self.totals.since(region.start);
            let settled = match region.test {
                Test::Furniture { .. } => false,
                Test::LinkList => !rules::may_be_link_list(own),
            };
            if !settled && self.ready_bytes - region.mark_bytes <= MAX_HELD {
                break;
            }
            self.regions.remove(0);
        }
    }

    fn text(&mut self, chunk: &str, kind: TextType, last_in_node: bool) {
        if self.skipping || !matches!(kind, TextType::Data | TextType::RCData | TextType::PlainText) {
            self.carry.clear();
            return;
        }
        let decode = kind != TextType::PlainText;
        if self.carry.is_empty() {
            let cut = if last_in_node { chunk.len() } else { unfinished_reference(chunk) };
            self.push_text(&chunk[..cut], decode);
            self.carry.push_str(&chunk[cut..]);
        } else {
            let mut joined = std::mem::take(&mut self.carry);
            joined.push_str(chunk);
            let cut = if last_in_node { joined.len() } else { unfinished_reference(&joined) };
            self.push_text(&joined[..cut], decode);
            joined.drain(..cut);
            self.carry = joined;
        }
    }

    /// Appends text, decoding character references and collapsing whitespace (outside `<pre>`).
    fn push_text(&mut self, mut text: &str, decode: bool) {
        if self.pre_fresh && !text.is_empty() {
            self.pre_fresh = false;
            text = text.strip_prefix("\r\n").or_else(|| text.strip_prefix('\n')).unwrap_or(text);
        }
        let bytes = text.as_bytes();
        let mut run = 0; // start of the run of plain text not yet appended
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'&' if decode => {
                    if let Some((value, len)) = entities::decode_at(&bytes[i..], Mode::Browser) {
                        self.push_run(&text[run..i]);
                        match value.as_char() {
                            Some(c) if c.is_ascii_whitespace() => self.push_run(c.encode_utf8(&mut [0; 4])),
                            _ => {
                                self.before_word();
                                self.append(value);
                            }
                        }
                        i += len;
                        run = i;
                        continue;
                    }
                }
                b'\r' if self.pre_depth > 0 => {
                    self.push_run(&text[run..i]);
                    if bytes.get(i + 1) != Some(&b'\n') {
                        self.para_in_pre = true;
                        self.append(Decoded::Char('\n'));
                    }
                    run = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        self.push_run(&text[run..]);
    }

    /// Appends text without references: whitespace runs become one space (kept as is in `<pre>`).
    fn push_run(&mut self, run: &str) {
        if run.is_empty() {
            return;
        }
        if self.pre_depth > 0 {
            self.para_in_pre = true;
            self.append_str(run);
            return;
        }
        for (k, word) in run.split(|c: char| c.is_ascii_whitespace()).enumerate() {
            if k > 0 {
                self.space_pending = true;
            }
            if !word.is_empty() {
                self.before_word();
                self.append_str(word);
            }
        }
    }

    /// Writes the pending collapsed space, if the paragraph has text on this line.
    fn before_word(&mut self) {
        let has_text = !self.para.is_empty() || self.glued;
        if std::mem::take(&mut self.space_pending) && has_text && !self.para.ends_with('\n') {
            self.append_str(" ");
        }
    }

    fn append(&mut self, value: Decoded) {
        let before = self.para.len();
        value.push_to(&mut self.para);
        self.count_link(before);
    }

    fn append_str(&mut self, s: &str) {
        let before = self.para.len();
        self.para.push_str(s);
        self.count_link(before);
    }

    fn count_link(&mut self, before: usize) {
        if self.link_depth > 0 {
            self.para_links += self.para.len() - before;
        }
        if self.para.len() > MAX_PARAGRAPH {
            self.flush_paragraph(false);
        }
    }

    /// `<br>`: a line break, at most one blank line in a row, none at a paragraph's start.
    fn line_break(&mut self) {
        self.space_pending = false;
        if !self.para.is_empty() && !self.para.ends_with("\n\n") {
            let trimmed = self.para.trim_end_matches([' ', '\t']).len();
            self.para.truncate(trimmed);
            self.para.push('\n');
        }
    }

    fn paragraph_break(&mut self) {
        self.flush_paragraph(true);
    }

    /// Moves the current paragraph to the output, unless it is mostly links. `whole` is false when a
    /// paragraph too long to hold is cut: the piece is written as is, and the rest follows it on the
    /// same line.
    fn flush_paragraph(&mut self, whole: bool) {
        let continued = std::mem::replace(&mut self.glued, !whole);
        // Outside `<pre>` a paragraph's edges are trimmed, no-break spaces included (`<p>&nbsp;</p>`
        // spacers); inside, only the blank lines around it.
        let mut text = self.para.as_str();
        if whole {
            self.space_pending = false;
            text = text.trim_end();
        }
        if !continued {
            text = if self.para_in_pre { text.trim_start_matches('\n') } else { text.trim_start() };
        }
        if !text.is_empty() {
            if whole && !continued && rules::is_mostly_links(text.len(), self.para_links) {
                self.totals.dropped_links += text.len();
            } else {
                let node = self.page.as_ref().and_then(article::Page::current);
                let links = self.para_links.min(text.len());
                self.ready.push(Piece { text: text.to_owned(), links, node, continued });
                self.ready_bytes += text.len();
                self.totals.text += text.len();
                self.totals.links += self.para_links.min(text.len());
                self.totals.long_paragraphs += usize::from(text.len() >= rules::LONG_PARAGRAPH);
                self.keep_settled_regions();
            }
        }
        self.para.clear();
        self.para_links = 0;
        self.para_in_pre = false;
    }

    fn finish(&mut self) {
        let carry = std::mem::take(&mut self.carry);
        self.push_text(&carry, true);
        self.paragraph_break();
        if let Some(outermost) = self.regions.first().map(|r| r.id) {
            self.close_region(outermost);
        }
        if let Some(page) = self.page.take() {
            page.select(&mut self.ready);
        }
    }

    /// Opens a block element of the held page; its id, if the page is held.
    fn open_node(&mut self, el: &Element<'_, '_>) -> Option<u32> {
        self.page.as_mut()?.open(el)
    }

    fn close_node(&mut self, node: u32) {
        if let Some(page) = &mut self.page {
            page.close(node);
        }
    }

    /// Writes the text that no open region may still take back (none while the whole page is
    /// held, unless it has grown past `article::MAX_PAGE_TEXT`: then the page streams from here).
    fn drain_to<W: Write>(&mut self, out: &mut W) -> Result<(), HtmlError> {
        if let Some(page) = &self.page {
            if self.ready_bytes <= article::MAX_PAGE_TEXT && !page.is_full() {
                return Ok(());
            }
            self.page = None;
        }
        let n = self.regions.first().map_or(self.ready.len(), |r| r.mark);
        let mut bytes = 0;
        for piece in self.ready.drain(..n) {
            if self.wrote_any && !piece.continued {
                out.write_all(b"\n\n").map_err(HtmlError::Write)?;
            }
            out.write_all(piece.text.as_bytes()).map_err(HtmlError::Write)?;
            self.wrote_any = true;
            bytes += piece.text.len();
        }
        self.ready_bytes -= bytes;
        for region in &mut self.regions {
            region.mark -= n;
            region.mark_bytes -= bytes;
        }
        Ok(())
    }
}

/// Where `chunk` must be cut so that a character reference split across two chunks is decoded
/// whole: before a trailing `&...` that could still continue, or before a trailing `\r` (which may
/// be the first half of a CRLF), else at its end.
fn unfinished_reference(chunk: &str) -> usize {
    let bytes = chunk.as_bytes();
    if bytes.last() == Some(&b'\r') {
        return bytes.len() - 1;
    }
    let window = bytes.len().saturating_sub(MAX_NAME + 3);
    match bytes[window..].iter().rposition(|&b| b == b'&') {
        Some(p) if bytes[window + p + 1..].iter().all(|b| b.is_ascii_alphanumeric() || *b == b'#') => window + p,
        _ => bytes.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        let mut out = Vec::new();
        extract_text(html.as_bytes(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Feeds the input one byte at a time, so that every text chunk and reference is split.
    fn text_bytewise(html: &str) -> String {
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((&b, rest)) = self.0.split_first() else { return Ok(0) };
                buf[0] = b;
                self.0 = rest;
                Ok(1)
            }
        }
        let mut out = Vec::new();
        extract_text(OneByte(html.as_bytes()), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn blocks_become_paragraphs_and_the_output_ends_with_one_newline() {
        assert_eq!(
            text("<p>One <b>bold</b> word.</p><div>Two</div><h2>Three</h2>"),
            "One bold word.\n\nTwo\n\nThree\n"
        );
    }

    #[test]
    fn a_page_without_text_gives_nothing() {
        assert_eq!(text("<html><head><title>T</title></head><body> </body></html>"), "");
        assert_eq!(text(""), "");
    }

    #[test]
    fn drops_head_title_script_and_style() {
        let html = "<html><head><title>Site</title><style>p{}</style><script>var a = '<p>';</script></head>\
                    <body><p>Text.</p><script>x()</script></body></html>";
        assert_eq!(text(html), "Text.\n");
    }

    #[test]
    fn drops_nested_boilerplate_with_everything_inside() {
        let html = "<p>Before.</p><nav><ul><li><a href=/>Home</a><div><nav>x</nav>y</div></li></ul></nav>\
                    <footer><p>© Site</p><aside>z</aside></footer><p>After.</p>";
        assert_eq!(text(html), "Before.\n\nAfter.\n");
    }

    #[test]
    fn drops_a_comment_block_named_by_its_class() {
        let html = r#"<article><p>Story.</p><div class="comments-area"><h3>3 comments</h3><p>First!</p></div>
                      <div id="share_bar">Share on Facebook</div><p>End.</p></article>"#;
        assert_eq!(text(html), "Story.\n\nEnd.\n");
    }

    #[test]
    fn keeps_blocks_whose_class_only_looks_like_boilerplate() {
        let html = r#"<div class="article-shared-body"><p>Kept.</p></div><div class="shared-story">Also kept.</div>
                      <div class="commentary">Analysis.</div><div class="header-image-caption">Caption.</div>"#;
        assert_eq!(text(html), "Kept.\n\nAlso kept.\n\nAnalysis.\n\nCaption.\n");
    }

    #[test]
    fn survives_broken_html() {
        assert_eq!(text("<div><p>One<p>Two</div></div></span>Three<li>Four"), "One\n\nTwo\n\nThree\n\nFour\n");
        assert_eq!(text("<div><nav>menu<p>x</div><p>After"), "After\n");
        assert_eq!(text("<p>a < b and c > d</p>"), "a < b and c > d\n");
    }

    #[test]
    fn decodes_entities() {
        let html = "<p>AT&amp;T &lt;tag&gt; caf&eacute; it&#8217;s &#x2019; &#146; &nbsp;x &amp &copy R&D</p>";
        assert_eq!(text(html), "AT&T <tag> café it’s ’ ’ \u{A0}x & &copy R&D\n");
    }

    #[test]
    fn references_split_across_input_chunks_are_decoded() {
        let html = "<p>caf&eacute; &#8217; AT&amp;T a&b</p>";
        assert_eq!(text_bytewise(html), "café ’ AT&T a&b\n");
    }

    #[test]
    fn collapses_whitespace_as_a_browser_shows_it() {
        assert_eq!(text("<p>\n  One\t\ttwo\n  <b> three </b>four  </p>"), "One two three four\n");
    }

    #[test]
    fn keeps_whitespace_inside_pre() {
        assert_eq!(
            text("<p>Code:</p><pre>\nfn main() {\n    x  = 1;\n}\n</pre>"),
            "Code:\n\nfn main() {\n    x  = 1;\n}\n"
        );
    }

    #[test]
    fn br_is_a_line_break() {
        assert_eq!(text("<p>Line one<br>line two <br/> line three</p>"), "Line one\nline two\nline three\n");
        assert_eq!(text("<p><br>One<br><br><br><br>Two<br></p>"), "One\n\nTwo\n");
    }

    #[test]
    fn comments_and_form_controls_are_not_text() {
        let html = "<p>Text<!-- hidden --> more</p><select><option>A</option></select><button>Go</button>";
        assert_eq!(text(html), "Text more\n");
    }

    #[test]
    fn a_page_wrapped_in_one_form_keeps_its_text() {
        // ASP.NET WebForms pages put the whole body inside one <form>.
        let html = r#"<body><form id="aspnetForm" method="post"><div><p>Story.</p></div></form></body>"#;
        assert_eq!(text(html), "Story.\n");
    }

    #[test]
    fn bytewise_input_gives_the_same_text() {
        let html = "<p>One <b>two</b></p><pre>\n a\r\n b</pre><nav>x</nav><p>&lt;&#8217;</p>";
        assert_eq!(text_bytewise(html), text(html));
    }

    #[test]
    fn a_news_page_keeps_its_article_and_drops_its_furniture() {
        let html = include_str!("../../testdata/html/news-article.html");
        let expected = "Huawei offers HarmonyOS to Chinese manufacturers, Xiaomi refuses\n\nHuawei has offered its HarmonyOS operating system to Chinese smartphone makers, the company’s consumer chief said on Tuesday — a move meant to build an alternative to Google’s Android.\n\n“We are open to every manufacturer,” he told reporters in Shenzhen.\nXiaomi said it had no plans to switch.\n\nWhat changes for users\n\nPhones running HarmonyOS can use apps written for Android, and R&D costs are shared between the partners. The first devices are due in 2020 – prices were not announced.\n\nApps: Android-compatible\n\nLaunch: early 2020\n\n$ hdc shell\n  uname -a\n\nSource: Huawei Central\n";
        assert_eq!(text(html), expected);
    }

    const STORY: &str = "The minister said on Monday that the agreement with the two telecom operators would be \
                         signed before the end of the year, after months of talks about prices and coverage.";

    #[test]
    fn drops_menus_and_lists_of_headlines_that_are_not_in_nav() {
        let html = format!(
            r#"<div class="menu"><ul><li><a href="/">Home</a></li><li><a href="/w">World</a></li></ul></div>
               <p>{STORY}</p>
               <div><h3>More stories</h3>
                 <div><a href="/1">Xiaomi sales rise in Europe</a><p>2 hours ago</p></div>
                 <div><a href="/2">Honor launches a new tablet</a><p>5 hours ago</p></div></div>"#
        );
        assert_eq!(text(&html), format!("{STORY}\n"));
    }

    #[test]
    fn keeps_paragraphs_with_a_few_links() {
        let html =
            r#"<p>The <a href="/m">minister</a> said the deal with <a href="/o">both operators</a> was signed.</p>"#;
        assert_eq!(text(html), "The minister said the deal with both operators was signed.\n");
    }

    #[test]
    fn keeps_an_article_wrapped_in_a_block_named_like_furniture() {
        // Real pages: `l-sidebar-fixed l-article-body-segment`, `content-with-sidebar-wrp`, `Page-ad-margins`.
        let article = [STORY; 6].map(|s| format!("<p>{s}</p>")).concat();
        let html = format!(
            r#"<div class="content-with-sidebar-wrp">{article}</div><div class="sidebar"><p>Most read</p></div>"#
        );
        assert_eq!(text(&html), format!("{}\n", [STORY; 6].join("\n\n")));
    }

    #[test]
    fn drops_hidden_elements_and_landmarks() {
        let html = format!(
            r#"<header><h1>Site</h1></header><div hidden>Menu</div><div style="display: none">Popup</div>
               <p>{STORY}</p><footer><p>© 2019 Example News. All rights reserved.</p></footer>"#
        );
        assert_eq!(text(&html), format!("{STORY}\n"));
    }

    #[test]
    fn a_paragraph_longer_than_the_bound_comes_out_whole() {
        let words = "word ".repeat(MAX_PARAGRAPH / 2);
        let html = format!("<p>Before.</p><p>{words}</p><p>After.</p>");
        assert_eq!(text(&html), format!("Before.\n\n{}\n\nAfter.\n", words.trim_end()));
    }

    #[test]
    fn text_after_a_region_too_large_to_hold_is_kept_in_order() {
        let article = format!("<p>{STORY}</p>").repeat(MAX_HELD / STORY.len() + 10);
        let end = "In the end, the talks went on for another week, and the deal was signed on Friday.";
        let html = format!("<body><aside>{article}</aside><p>{end}</p></body>");
        let out = text(&html);
        assert!(out.starts_with(STORY) && out.ends_with(&format!("\n\n{end}\n")));
    }

    #[test]
    fn a_page_too_large_to_hold_streams_with_the_element_rules() {
        // Held, the short line outside the article would be dropped; past the bound it is kept.
        let article = format!("<p>{STORY}</p>").repeat(article::MAX_PAGE_TEXT / STORY.len() + 10);
        let html = format!("<body><div>{article}</div><p>End.</p></body>");
        let out = text(&html);
        assert!(out.starts_with(STORY) && out.ends_with("\n\nEnd.\n"));
        let held = format!("<body><div>{}</div><p>End.</p></body>", format!("<p>{STORY}</p>").repeat(10));
        assert!(!text(&held).contains("End."));
    }
}
