//! XML documents and feeds (RSS, Atom, RSS 1.0), recognised by their first bytes or their
//! extension, so that no mode cleans their markup as text: decoding `&amp;` in a feed's links
//! would leave invalid XML. A feed is read item by item (`items`; `input::feed` cleans them as
//! documents), never changed in place; other XML is left untouched with a note. HTML pages, XHTML
//! included, are the `html` module's job and are not recognised here.

pub mod items;

use std::path::Path;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};

/// A markup document that is left untouched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An RSS 0.9x/2.0 feed (`<rss>`).
    Rss,
    /// An Atom feed (`<feed>`).
    Atom,
    /// An RSS 1.0 feed (`<rdf:RDF>`).
    Rdf,
    /// Any other XML document (one with an `<?xml` declaration, or named `.xml`).
    Xml,
}

impl Kind {
    /// The note saying why the document is left alone.
    pub fn note(self) -> &'static str {
        match self {
            Kind::Rss => "RSS feed left untouched (feeds are not cleaned as text)",
            Kind::Atom => "Atom feed left untouched (feeds are not cleaned as text)",
            Kind::Rdf => "RSS 1.0 feed left untouched (feeds are not cleaned as text)",
            Kind::Xml => "XML document left untouched (markup is not cleaned as text)",
        }
    }
}

impl Kind {
    /// True for RSS, Atom and RSS 1.0 feeds (not any XML document).
    pub fn is_feed(self) -> bool {
        self != Kind::Xml
    }
}

/// The kind of markup document a path names by its extension (`.xml`, `.rss`, `.atom`).
pub fn from_path(path: &Path) -> Option<Kind> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "rss" => Some(Kind::Rss),
        "atom" => Some(Kind::Atom),
        "xml" => Some(Kind::Xml),
        _ => None,
    }
}

/// The kind of markup document whose first bytes are `head` (read in `encoding` unless a
/// byte-order mark says otherwise), or `None` for text and HTML.
pub fn sniff(head: &[u8], encoding: &'static Encoding) -> Option<Kind> {
    let (encoding, bom_len) = Encoding::for_bom(head).unwrap_or((encoding, 0));
    let head = &head[bom_len..];
    if encoding == UTF_16LE || encoding == UTF_16BE {
        let (text, _) = encoding.decode_without_bom_handling(head);
        return detect(text.as_bytes());
    }
    // Every other encoding a file is read in writes the markup characters as ASCII does.
    detect(head)
}

/// `sniff` on text whose markup characters are ASCII.
fn detect(text: &[u8]) -> Option<Kind> {
    let mut rest = skip_space(text);
    let declared = rest.starts_with(b"<?xml") && rest.get(5).is_none_or(|&c| c == b'?' || c.is_ascii_whitespace());
    let mut html_doctype = false;
    // The prolog: the declaration, processing instructions, comments and a doctype.
    loop {
        rest = skip_space(rest);
        let end = if rest.starts_with(b"<?") {
            find(rest, b"?>").map(|at| at + 2)
        } else if rest.starts_with(b"<!--") {
            find(&rest[4..], b"-->").map(|at| at + 7)
        } else if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case(b"<!doctype") {
            let name = skip_space(&rest[9..]);
            html_doctype = name.len() >= 4
                && name[..4].eq_ignore_ascii_case(b"html")
                && name.get(4).is_none_or(|&c| c == b'>' || c.is_ascii_whitespace());
            doctype_end(rest)
        } else {
            break;
        };
        match end {
            Some(end) => rest = &rest[end..],
            // The prolog runs past the head: an XML document if it was declared one.
            None => return (declared && !html_doctype).then_some(Kind::Xml),
        }
    }
    if html_doctype {
        return None;
    }
    let name = rest.strip_prefix(b"<").map(element_name).unwrap_or_default();
    // XHTML: an XML declaration, then a page.
    if name.eq_ignore_ascii_case(b"html") || name.len() > 5 && name[name.len() - 5..].eq_ignore_ascii_case(b":html") {
        return None;
    }
    let feed = match name {
        b"rss" => Some(Kind::Rss),
        b"feed" => Some(Kind::Atom),
        b"rdf:RDF" => Some(Kind::Rdf),
        _ => None,
    };
    if declared {
        return Some(feed.unwrap_or(Kind::Xml));
    }
    // Without a declaration, the root element must hold elements, not prose: a text that opens
    // with "<rss> is the root element of a feed" is an article about feeds.
    let feed = feed?;
    let tag_end = find(rest, b">")?;
    if rest[1..tag_end].contains(&b'<') {
        return None; // not a start tag
    }
    let next = skip_space(&rest[tag_end + 1..]);
    (next.is_empty() || next.starts_with(b"<")).then_some(feed)
}

/// The name of the element whose start tag follows `<` in `tag`.
fn element_name(tag: &[u8]) -> &[u8] {
    let end = tag.iter().position(|&c| c == b'>' || c == b'/' || c.is_ascii_whitespace()).unwrap_or(tag.len());
    &tag[..end]
}

/// The length of a doctype declaration at the start of `text`, internal subset (`[...]`) included.
fn doctype_end(text: &[u8]) -> Option<usize> {
    let mut in_subset = false;
    for (at, &c) in text.iter().enumerate() {
        match c {
            b'[' => in_subset = true,
            b']' => in_subset = false,
            b'>' if !in_subset => return Some(at + 1),
            _ => {}
        }
    }
    None
}

fn skip_space(text: &[u8]) -> &[u8] {
    let start = text.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(text.len());
    &text[start..]
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::UTF_8;

    fn kind(text: &str) -> Option<Kind> {
        sniff(text.as_bytes(), UTF_8)
    }

    #[test]
    fn feeds_are_recognised_by_their_root_element() {
        let rss = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>";
        assert_eq!(kind(rss), Some(Kind::Rss));
        assert_eq!(kind("<rss version=\"2.0\">\n  <channel>\n"), Some(Kind::Rss));
        assert_eq!(kind("\u{feff}\n  <feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>"), Some(Kind::Atom));
        let rdf = "<?xml version=\"1.0\"?>\n<!-- made by a CMS -->\n<rdf:RDF xmlns:rdf=\"x\">\n<channel>";
        assert_eq!(kind(rdf), Some(Kind::Rdf));
        assert_eq!(kind("<?xml-stylesheet href=\"feed.xsl\"?>\n<rss><channel>"), Some(Kind::Rss));
    }

    #[test]
    fn any_declared_xml_document_is_markup() {
        assert_eq!(kind("<?xml version=\"1.0\"?><urlset><url>"), Some(Kind::Xml));
        assert_eq!(kind("<?xml version='1.0'?>\n<!DOCTYPE note [<!ENTITY a \"b\">]>\n<note>"), Some(Kind::Xml));
        assert_eq!(kind("<?xml version=\"1.0\"?>\n<!-- a comment the head cuts"), Some(Kind::Xml));
    }

    #[test]
    fn utf16_feeds_are_read_through_their_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("<rss><channel>".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(sniff(&bytes, UTF_8), Some(Kind::Rss));
    }

    #[test]
    fn keeps_html_and_xhtml_pages() {
        assert_eq!(kind("<!DOCTYPE html>\n<html><body><p>Text"), None);
        assert_eq!(kind("<html lang=\"en\"><p>Text"), None);
        let xhtml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \
                     \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\">";
        assert_eq!(kind(xhtml), None);
        assert_eq!(kind("<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><body>"), None);
    }

    #[test]
    fn keeps_text_that_mentions_feeds() {
        assert_eq!(kind("Most sites still publish an <rss> feed beside their pages.\n"), None);
        assert_eq!(kind("<rss> is the root element of a feed, the standard says.\n"), None);
        assert_eq!(kind("<feed> tags hold Atom entries.\n"), None);
        assert_eq!(kind("Feed readers parse <?xml declarations first.\n"), None);
        assert_eq!(kind("<?xmlfoo is not a declaration\n"), None);
        assert_eq!(kind(""), None);
        assert_eq!(kind("Title\n\nHuawei said its smart phone sales fell.\n"), None);
    }

    #[test]
    fn extensions_name_feeds_and_xml() {
        assert_eq!(from_path(Path::new("news/feed.RSS")), Some(Kind::Rss));
        assert_eq!(from_path(Path::new("a.atom")), Some(Kind::Atom));
        assert_eq!(from_path(Path::new("sitemap.xml")), Some(Kind::Xml));
        assert_eq!(from_path(Path::new("a.txt")), None);
        assert_eq!(from_path(Path::new("xml")), None);
    }
}
