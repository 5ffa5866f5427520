//! A feed read item by item: RSS 2.0 `<item>`, RSS 1.0 `<item>` and Atom `<entry>`, each with its
//! title, link, id, date and body (`content:encoded` or Atom `content` before `description` or
//! `summary`). The feed is decoded as its XML prolog (or byte-order mark) declares, then parsed
//! with quick-xml; entity references the XML spec does not define (`&nbsp;` in a careless feed) are
//! kept as written, for the HTML path to decode with the body.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// One item of a feed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Item {
    /// Its place in the feed, from 1.
    pub number: usize,
    /// `<title>`, as text.
    pub title: String,
    /// `<link>` (RSS: its text; Atom: the `href` of the alternate link).
    pub link: Option<String>,
    /// `<guid>` (RSS) or `<id>` (Atom).
    pub id: Option<String>,
    /// `<pubDate>`, `<dc:date>`, `<published>` or `<updated>`.
    pub date: Option<String>,
    /// The body as the feed has it: usually HTML (from CDATA or escaped markup).
    pub body: String,
}

/// Why a feed could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The prolog names an encoding encoding_rs does not know.
    #[error("unknown encoding `{0}` declared in the XML prolog")]
    UnknownEncoding(String),
    /// The bytes are not valid in the feed's encoding.
    #[error("not valid {0}")]
    Malformed(&'static str),
    /// The XML is not well-formed.
    #[error("not well-formed XML at byte {at}: {reason}")]
    Xml {
        /// Where, in the decoded text.
        at: u64,
        /// What the parser said.
        reason: String,
    },
}

/// Decodes a feed's bytes: a byte-order mark first, then the prolog's `encoding="..."`, else UTF-8
/// (XML's default). Returns the text and the encoding it was read in.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static Encoding), FeedError> {
    let (encoding, bom_len) = match Encoding::for_bom(bytes) {
        Some(found) => found,
        None => match declared_encoding(bytes) {
            Some(label) => {
                let encoding =
                    Encoding::for_label(label.as_bytes()).ok_or_else(|| FeedError::UnknownEncoding(label.clone()))?;
                // A declaration of UTF-16 in a file without a byte-order mark: ASCII-compatible
                // bytes cannot be UTF-16, as the WHATWG decoders also say.
                (
                    if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
                        UTF_8
                    } else {
                        encoding
                    },
                    0,
                )
            }
            None => (UTF_8, 0),
        },
    };
    let text = encoding
        .decode_without_bom_handling_and_without_replacement(&bytes[bom_len..])
        .ok_or(FeedError::Malformed(encoding.name()))?;
    Ok((text.into_owned(), encoding))
}

/// The `encoding` pseudo-attribute of an XML declaration at the start of `bytes`.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(1024)];
    let start = head.iter().position(|c| !c.is_ascii_whitespace())?;
    let head = &head[start..];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = memchr::memmem::find(head, b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")? + "encoding".len();
    let rest = decl[at..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].trim().to_owned())
}

/// Which field of an item an element fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Title,
    Link,
    Id,
    Date,
    /// `description`, `summary`: used when there is no full content.
    Summary,
    /// `content:encoded`, Atom `content`.
    Content,
}

fn field_of(name: &str) -> Option<Field> {
    Some(match name {
        "title" => Field::Title,
        "link" => Field::Link,
        "guid" | "id" => Field::Id,
        "pubDate" | "dc:date" | "published" | "updated" => Field::Date,
        "description" | "summary" => Field::Summary,
        "content:encoded" | "content" => Field::Content,
        _ => return None,
    })
}

/// The items of a feed's decoded text, in order.
pub fn read(text: &str) -> Result<Vec<Item>, FeedError> {
    let mut reader = Reader::from_str(text);
    let mut items = Vec::new();
    // The item being read, the field being read in it (and how deep its element is), and the
    // text gathered for that field.
    let mut item: Option<(Item, String, String)> = None;
    let mut field: Option<(Field, usize)> = None;
    let mut depth = 0usize;
    let mut item_depth = 0usize;
    let mut gathered = String::new();
    loop {
        let event =
            reader.read_event().map_err(|e| FeedError::Xml { at: reader.buffer_position(), reason: e.to_string() })?;
        match event {
            Event::Start(e) => {
                depth += 1;
                let name = e.name().as_ref().to_owned();
                if item.is_none() && (name == "item" || name == "entry") {
                    item = Some((Item { number: items.len() + 1, ..Item::default() }, String::new(), String::new()));
                    item_depth = depth;
                } else if let Some((current, ..)) = item.as_mut() {
                    if field.is_none() && depth == item_depth + 1 {
                        if let Some(f) = field_of(&name) {
                            if f == Field::Link {
                                take_atom_link(current, &e);
                            }
                            field = Some((f, depth));
                            gathered.clear();
                        }
                    } else if field.is_some_and(|(f, _)| matches!(f, Field::Content | Field::Summary)) {
                        // Atom `type="xhtml"` content: its markup is the body.
                        gathered.push('<');
                        gathered.push_str(&e);
                        gathered.push('>');
                    }
                }
            }
            Event::Empty(e) => {
                if let Some((current, ..)) = item.as_mut() {
                    if depth == item_depth && e.name().as_ref() == "link" {
                        take_atom_link(current, &e);
                    } else if field.is_some_and(|(f, _)| matches!(f, Field::Content | Field::Summary)) {
                        gathered.push('<');
                        gathered.push_str(&e);
                        gathered.push_str("/>");
                    }
                }
            }
            Event::End(e) => {
                if let Some((f, at)) = field
                    && at == depth
                {
                    if let Some((current, content, summary)) = item.as_mut() {
                        let value = std::mem::take(&mut gathered);
                        match f {
                            Field::Title => current.title = value.trim().to_owned(),
                            Field::Link if current.link.is_none() && !value.trim().is_empty() => {
                                current.link = Some(value.trim().to_owned())
                            }
                            Field::Link => {}
                            Field::Id => current.id = Some(value.trim().to_owned()),
                            Field::Date => {
                                current.date.get_or_insert_with(|| value.trim().to_owned());
                            }
                            Field::Summary => *summary = value,
                            Field::Content => *content = value,
                        }
                    }
                    field = None;
                } else if field.is_some_and(|(f, _)| matches!(f, Field::Content | Field::Summary)) {
                    gathered.push_str("</");
                    gathered.push_str(e.name().as_ref());
                    gathered.push('>');
                }
                if item.is_some() && depth == item_depth {
                    let (mut current, content, summary) = item.take().expect("an item is open");
                    current.body = if content.trim().is_empty() { summary } else { content };
                    items.push(current);
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(e) if field.is_some() => gathered.push_str(&e.xml10_content()),
            Event::CData(e) if field.is_some() => gathered.push_str(&e.xml10_content()),
            Event::GeneralRef(e) if field.is_some() => match e.resolve_char_ref() {
                Ok(Some(c)) => gathered.push(c),
                _ => gathered.push_str(&predefined(&e.xml10_content())),
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(items)
}

/// An entity reference's text: the five XML defines, and any other kept as written.
fn predefined(name: &str) -> Cow<'static, str> {
    Cow::Borrowed(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        other => return Cow::Owned(format!("&{other};")),
    })
}

/// Atom's `<link rel="alternate" href="..."/>` (or one without `rel`) is the item's link.
fn take_atom_link(item: &mut Item, element: &BytesStart<'_>) {
    let attribute = |name: &str| {
        element
            .try_get_attribute(name)
            .ok()
            .flatten()
            .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
    };
    let rel = attribute("rel");
    if item.link.is_none()
        && rel.as_deref().is_none_or(|r| r == "alternate")
        && let Some(href) = attribute("href")
    {
        item.link = Some(href);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_items_with_cdata_escaped_html_and_entities() {
        let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>Site</title>\
            <item><title>A &amp; B</title><link>https://x.example/?a=1&amp;b=2</link><guid>g1</guid><pubDate>Mon, 01 Jan 2024</pubDate>\
            <description>&lt;p&gt;Short&amp;nbsp;one&lt;/p&gt;</description><content:encoded><![CDATA[<p>Full <b>text</b></p>]]></content:encoded></item>\
            <item><title>Two &#8212; more</title><description>Only &nbsp; summary</description></item></channel></rss>";
        let items = read(feed).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].title, "A & B");
        assert_eq!(items[0].link.as_deref(), Some("https://x.example/?a=1&b=2"));
        assert_eq!(items[0].id.as_deref(), Some("g1"));
        assert_eq!(items[0].body, "<p>Full <b>text</b></p>");
        assert_eq!(items[1].title, "Two — more");
        assert_eq!(items[1].body, "Only &nbsp; summary");
        assert_eq!(items[1].number, 2);
    }

    #[test]
    fn atom_entries_with_links_and_xhtml_content() {
        let feed = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Site</title><link href=\"https://site.example/\"/>\
            <entry><title type=\"text\">Entry</title><link rel=\"self\" href=\"s\"/><link href=\"https://site.example/e1\"/>\
            <id>urn:1</id><updated>2024-01-01</updated><summary>Sum</summary>\
            <content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Body <i>here</i></p><br/></div></content></entry></feed>";
        let items = read(feed).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].link.as_deref(), Some("https://site.example/e1"));
        assert_eq!(items[0].date.as_deref(), Some("2024-01-01"));
        assert!(items[0].body.contains("<p>Body <i>here</i></p><br/>"), "{}", items[0].body);
    }

    #[test]
    fn the_prolog_names_the_encoding() {
        let mut bytes = b"<?xml version='1.0' encoding='windows-1251'?><rss><channel><item><title>".to_vec();
        bytes.extend_from_slice(&encoding_rs::WINDOWS_1251.encode("Новости").0);
        bytes.extend_from_slice(b"</title></item></channel></rss>");
        let (text, encoding) = decode(&bytes).unwrap();
        assert_eq!(encoding, encoding_rs::WINDOWS_1251);
        assert_eq!(read(&text).unwrap()[0].title, "Новости");
        assert!(matches!(
            decode(b"<?xml version=\"1.0\" encoding=\"klingon\"?><rss/>"),
            Err(FeedError::UnknownEncoding(_))
        ));
        assert!(matches!(decode(b"<rss>\xff</rss>"), Err(FeedError::Malformed("UTF-8"))));
    }

    #[test]
    fn broken_xml_is_an_error() {
        assert!(matches!(read("<rss><channel><item><title>x</item></rss>"), Err(FeedError::Xml { .. })));
    }
}
