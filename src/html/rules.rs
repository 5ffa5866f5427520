//! What an element is to the extractor (dropped, a block, a line break...), decided from its tag
//! name and its class, id, role and hidden attributes; and which finished paragraphs are page
//! furniture rather than article text.

use lol_html::html_content::Element;

use super::Totals;

/// What the extractor does with an element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// Text flows through (`<b>`, `<span>`...).
    Inline,
    /// A link: text flows through, and counts towards the paragraph's link density.
    Link,
    /// A paragraph break before and after.
    Block,
    /// A block that may hold a list of links and teasers (`div`, `ul`, `section`...): dropped at its
    /// end if its text is mostly links.
    Container,
    /// A block whose whitespace is kept.
    Pre,
    /// `<br>`.
    LineBreak,
    /// Dropped with everything inside; `block` says whether it also separates paragraphs.
    Drop { block: bool },
    /// A block that is page furniture on most pages but wraps the article on some: dropped at its
    /// end unless it holds at least `min_text` bytes of text that is not mostly links.
    Furniture { min_text: usize },
}

/// Elements that are never article text.
const DROPPED_TAGS: &[&str] = &[
    "audio",
    "button",
    "canvas",
    "datalist",
    "dialog",
    "embed",
    "figcaption",
    "iframe",
    "label",
    "legend",
    "map",
    "math",
    "menu",
    "nav",
    "noscript",
    "object",
    "option",
    "script",
    "select",
    "style",
    "svg",
    "template",
    "textarea",
    "title",
    "video",
];

/// Landmarks of page furniture (and their ARIA roles), which a few pages wrap whole articles in. On
/// the benchmark pages the largest such block of furniture holds 1.7 kB of text (a cookie notice).
const LANDMARK_TAGS: &[&str] = &["aside", "footer", "header"];
const LANDMARK_ROLES: &[&str] = &["banner", "complementary", "contentinfo"];
const LANDMARK_MIN_TEXT: usize = 4000;

/// Roles that are never article text.
const DROPPED_ROLES: &[&str] = &["dialog", "menu", "menubar", "navigation", "search", "toolbar"];

/// Elements that separate text (rendered as blocks, or a line break): each starts and ends a
/// paragraph of a page, and a leftover one in plain text is removed leaving a space (`normalize.
/// html-tag`). The one list of them.
pub(crate) const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "caption",
    "center",
    "dd",
    "details",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "iframe",
    "li",
    "listing",
    "main",
    "nav",
    "ol",
    "p",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Words in a class or id that name page furniture. A class token is split into words at `-`, `_`,
/// `:` and lower-to-upper case changes, and only whole words count: `share-bar` and `shareBar` are
/// furniture, `article-shared-body`, `shared-story` and `commentary` are not.
const FURNITURE_WORDS: &[&str] = &[
    "comment",
    "comments",
    "consent",
    "cookie",
    "cookies",
    "disqus",
    "gdpr",
    "newsletter",
    "newsletters",
    "outbrain",
    "promo",
    "promos",
    "related",
    "share",
    "sharing",
    "social",
    "sponsored",
    "subscribe",
    "subscription",
    "taboola",
];

/// Furniture words that real pages also put on the wrappers of their articles (`Page-ad-margins`,
/// `l-sidebar-fixed`, `content-with-sidebar-wrp`, `url-breadcrumb`): such a block is kept if it
/// holds enough running text. The smallest article wrapped so on the benchmark has 967 bytes, the
/// largest furniture so named 352.
const WRAPPER_WORDS: &[&str] = &[
    "ad",
    "ads",
    "adsense",
    "advert",
    "advertisement",
    "advertising",
    "adverts",
    "breadcrumb",
    "breadcrumbs",
    "sidebar",
];
const WRAPPER_MIN_TEXT: usize = 800;

/// Class tokens that describe what a container holds rather than what it is: WordPress puts
/// `category-social` or `tag-cookies` on the article itself, and themes add `has-comments`.
const DESCRIPTIVE_PREFIXES: &[&str] =
    &["category-", "cat-", "tag-", "tags-", "has-", "is-", "with-", "no-", "format-", "status-", "type-"];

/// What an element's attributes say about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Verdict {
    /// Nothing.
    Content,
    /// A landmark role (`banner`, `contentinfo`...).
    Landmark,
    /// A word that pages also put on article wrappers.
    Wrapper,
    /// Hidden, or named as furniture.
    Furniture,
}

/// Classifies a start tag.
pub(super) fn classify(el: &Element<'_, '_>) -> Kind {
    let tag = el.tag_name();
    let tag = tag.as_str();
    if tag == "br" {
        return Kind::LineBreak;
    }
    let block = BLOCK_TAGS.contains(&tag);
    if DROPPED_TAGS.contains(&tag) {
        return Kind::Drop { block: true };
    }
    let landmark = LANDMARK_TAGS.contains(&tag);
    // The page's outermost containers describe the page, not themselves (`<body class="has-comments">`).
    let verdict = if matches!(tag, "html" | "body" | "main") { Verdict::Content } else { verdict(el) };
    match verdict {
        Verdict::Furniture => return Kind::Drop { block: block || landmark },
        // Inline furniture (`<span class="ad">`) is small: no need to wait for its end.
        Verdict::Wrapper | Verdict::Landmark if !block && !landmark => return Kind::Drop { block },
        Verdict::Wrapper if !landmark => return Kind::Furniture { min_text: WRAPPER_MIN_TEXT },
        _ if landmark || verdict == Verdict::Landmark => return Kind::Furniture { min_text: LANDMARK_MIN_TEXT },
        _ => {}
    }
    match tag {
        "a" => Kind::Link,
        "pre" | "xmp" | "plaintext" => Kind::Pre,
        "div" | "section" | "ul" | "ol" | "dl" | "table" => Kind::Container,
        _ if block => Kind::Block,
        _ => Kind::Inline,
    }
}

fn verdict(el: &Element<'_, '_>) -> Verdict {
    if el.attributes().is_empty() {
        return Verdict::Content;
    }
    if el.has_attribute("hidden") || el.get_attribute("style").is_some_and(|style| hides(&style)) {
        return Verdict::Furniture;
    }
    let mut verdict = Verdict::Content;
    if let Some(role) = el.get_attribute("role") {
        let role = role.trim();
        if DROPPED_ROLES.iter().any(|r| r.eq_ignore_ascii_case(role)) {
            return Verdict::Furniture;
        }
        if LANDMARK_ROLES.iter().any(|r| r.eq_ignore_ascii_case(role)) {
            verdict = Verdict::Landmark;
        }
    }
    for attr in ["class", "id"] {
        if let Some(value) = el.get_attribute(attr) {
            verdict = verdict.max(names_furniture(&value));
        }
    }
    verdict
}

/// `display:none` or `visibility:hidden` in a style attribute.
fn hides(style: &str) -> bool {
    style.split(';').filter_map(|decl| decl.split_once(':')).any(|(property, value)| {
        let (property, value) = (property.trim(), value.trim());
        (property.eq_ignore_ascii_case("display") && value.eq_ignore_ascii_case("none"))
            || (property.eq_ignore_ascii_case("visibility") && value.eq_ignore_ascii_case("hidden"))
    })
}

/// What the words of a class or id value say about the element.
pub(super) fn names_furniture(value: &str) -> Verdict {
    let mut verdict = Verdict::Content;
    for token in value.split_ascii_whitespace() {
        let descriptive = DESCRIPTIVE_PREFIXES
            .iter()
            .any(|p| token.len() >= p.len() && token.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes()));
        if descriptive {
            continue;
        }
        for word in words(token) {
            if FURNITURE_WORDS.iter().any(|d| d.eq_ignore_ascii_case(word)) {
                return Verdict::Furniture;
            }
            if WRAPPER_WORDS.iter().any(|d| d.eq_ignore_ascii_case(word)) {
                verdict = Verdict::Wrapper;
            }
        }
    }
    verdict
}

/// The words of a class token, split at `-`, `_`, `:` and where a lower-case letter or digit is
/// followed by an upper-case one (`shareBar` is `share` + `Bar`).
fn words(token: &str) -> impl Iterator<Item = &str> {
    token.split(['-', '_', ':']).flat_map(|part| {
        let bytes = part.as_bytes();
        let mut start = 0;
        (1..=bytes.len()).filter_map(move |i| {
            let boundary = i == bytes.len()
                || (bytes[i].is_ascii_uppercase()
                    && (bytes[i - 1].is_ascii_lowercase() || bytes[i - 1].is_ascii_digit()));
            if !boundary {
                return None;
            }
            let word = &part[start..i];
            start = i;
            Some(word)
        })
    })
}

/// A paragraph this long is running text: no list of links and teasers has one (teasers are cut
/// shorter), and a container holding one is kept.
pub(super) const LONG_PARAGRAPH: usize = 150;
/// A container with this much text is kept, whatever its links.
const LINK_LIST_MAX_TEXT: usize = 2000;

/// True if a paragraph of `text` bytes, `links` of them inside links, is mostly links: a menu entry,
/// a related headline, a tag list.
pub(super) fn is_mostly_links(text: usize, links: usize) -> bool {
    links * 2 > text
}

/// True if a region of furniture by its tag or class is furniture after all: it holds less than
/// `min_text` bytes of kept text, or that text is mostly links.
pub(super) fn is_furniture_text(own: Totals, min_text: usize) -> bool {
    own.text < min_text || own.links * 3 > own.text
}

/// True if a container is a list of links and teasers (`More stories`, `Latest news`): no long
/// paragraph, little text, and links (kept, or dropped as link-only lines) are over 40% of it. On the
/// benchmark pages this drops 9,000 shingles of furniture and 34 of article text.
pub(super) fn is_link_list(own: Totals) -> bool {
    may_be_link_list(own) && (own.links + own.dropped_links) * 5 > (own.text + own.dropped_links) * 2
}

/// False once a container has text that `is_link_list` can never call a list.
pub(super) fn may_be_link_list(own: Totals) -> bool {
    own.long_paragraphs == 0 && own.text < LINK_LIST_MAX_TEXT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_words_match_whole_words_only() {
        for name in
            ["share-bar", "shareBar", "comments", "post_comments", "ad-slot", "top-ads", "CookieBanner", "related"]
        {
            assert_ne!(names_furniture(name), Verdict::Content, "{name}");
        }
        for name in [
            "article-shared-body",
            "shared-story",
            "commentary",
            "header-image",
            "head",
            "read-more",
            "category-social",
            "has-comments",
            "loaded",
        ] {
            assert_eq!(names_furniture(name), Verdict::Content, "{name}");
        }
    }
}
