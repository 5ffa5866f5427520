//! HTML character references (`&amp;`, `&#8217;`, `&#x2019;`, `&eacute;`): finding and decoding one at
//! a given position. Shared by the HTML extractor (browser rules) and the `markup` stage (plain text,
//! where only unambiguous references are decoded). The named-entity table is html-escape's copy of
//! the WHATWG list; the scanning is ours, because both callers need to decode in place, one
//! reference at a time, and numeric references in 128..=159 must map as the HTML standard says.

/// A decoded character reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decoded {
    /// A named reference (some expand to two characters).
    Str(&'static str),
    /// A numeric reference.
    Char(char),
}

impl Decoded {
    /// Appends the decoded text to `out`.
    pub(crate) fn push_to(self, out: &mut String) {
        match self {
            Decoded::Str(s) => out.push_str(s),
            Decoded::Char(c) => out.push(c),
        }
    }

    /// The decoded text as one character, if it is one.
    pub(crate) fn as_char(self) -> Option<char> {
        match self {
            Decoded::Char(c) => Some(c),
            Decoded::Str(s) => {
                let mut chars = s.chars();
                let c = chars.next()?;
                chars.next().is_none().then_some(c)
            }
        }
    }
}

/// How strictly a reference must be spelled to be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// As a browser reads text content: numeric references without `;`, and the legacy names
    /// (`&amp`, `&lt`, `&nbsp`...) without `;` when no letter, digit or `=` follows.
    Browser,
    /// Only references closed by `;` (plain text, where `&copy` may be prose).
    Strict,
}

/// The longest entity name in the WHATWG list (`CounterClockwiseContourIntegral`) is 31 bytes.
pub(crate) const MAX_NAME: usize = 32;
/// `&#x10FFFF;` with a few leading zeros; longer numeric references are left as text.
const MAX_DIGITS: usize = 8;

/// Named references a browser decodes without a closing `;` that news markup actually leaves so.
/// (The standard lists about a hundred; the rest, like `&not` or `&copy`, are prose more often.)
const LEGACY: [(&str, &str); 5] = [("amp", "&"), ("lt", "<"), ("gt", ">"), ("quot", "\""), ("nbsp", "\u{A0}")];

/// Decodes the character reference at the start of `s` (which must start with `&`), returning the
/// decoded text and the number of bytes it spans.
pub(crate) fn decode_at(s: &[u8], mode: Mode) -> Option<(Decoded, usize)> {
    debug_assert_eq!(s.first(), Some(&b'&'));
    match s.get(1)? {
        b'#' => decode_numeric(s, mode),
        c if c.is_ascii_alphanumeric() => decode_named(s, mode),
        _ => None,
    }
}

fn decode_numeric(s: &[u8], mode: Mode) -> Option<(Decoded, usize)> {
    let hex = matches!(s.get(2), Some(b'x' | b'X'));
    let start = if hex { 3 } else { 2 };
    let digits = s[start.min(s.len())..]
        .iter()
        .take_while(|b| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() })
        .count();
    if digits == 0 || digits > MAX_DIGITS {
        return None;
    }
    let end = start + digits;
    let closed = s.get(end) == Some(&b';');
    if !closed && mode == Mode::Strict {
        return None;
    }
    let text = std::str::from_utf8(&s[start..end]).expect("ASCII digits");
    let number = u32::from_str_radix(text, if hex { 16 } else { 10 }).expect("at most 8 digits fit in u32");
    Some((Decoded::Char(numeric_char(number)), end + usize::from(closed)))
}

/// The character a numeric reference stands for, as the HTML standard says: 128..=159 are read as
/// windows-1252 (old CMSs wrote `&#146;` for a right quote), and NUL, surrogates and values past
/// U+10FFFF become U+FFFD.
fn numeric_char(number: u32) -> char {
    const CP1252: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
    ];
    match number {
        0 => '\u{FFFD}',
        0x80..=0x9F => CP1252[(number - 0x80) as usize],
        _ => char::from_u32(number).unwrap_or('\u{FFFD}'),
    }
}

fn decode_named(s: &[u8], mode: Mode) -> Option<(Decoded, usize)> {
    let len = s[1..].iter().take(MAX_NAME + 1).take_while(|b| b.is_ascii_alphanumeric()).count();
    if len > MAX_NAME {
        return None;
    }
    let name = &s[1..1 + len];
    if s.get(1 + len) == Some(&b';') {
        return lookup(name).map(|value| (Decoded::Str(value), len + 2));
    }
    if mode == Mode::Strict || matches!(s.get(1 + len), Some(b'=')) {
        return None;
    }
    LEGACY.iter().find(|(n, _)| n.as_bytes() == name).map(|&(_, value)| (Decoded::Str(value), len + 1))
}

/// The value of a named entity (without `&` and `;`), case-sensitive as in HTML.
pub(crate) fn lookup(name: &[u8]) -> Option<&'static str> {
    html_escape::NAMED_ENTITIES.binary_search_by(|(n, _)| n.cmp(&name)).ok().map(|i| html_escape::NAMED_ENTITIES[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &str, mode: Mode) -> Option<(String, usize)> {
        decode_at(s.as_bytes(), mode).map(|(d, n)| {
            let mut out = String::new();
            d.push_to(&mut out);
            (out, n)
        })
    }

    #[test]
    fn decodes_named_and_numeric_references() {
        assert_eq!(decode("&amp;x", Mode::Strict), Some(("&".into(), 5)));
        assert_eq!(decode("&eacute;", Mode::Strict), Some(("é".into(), 8)));
        assert_eq!(decode("&#8217;s", Mode::Strict), Some(("’".into(), 7)));
        assert_eq!(decode("&#x2019;", Mode::Strict), Some(("’".into(), 8)));
        assert_eq!(decode("&#X2019;", Mode::Strict), Some(("’".into(), 8)));
        assert_eq!(decode("&NotEqualTilde;", Mode::Strict), Some(("\u{2242}\u{338}".into(), 15)));
    }

    #[test]
    fn numeric_references_in_the_c1_range_are_windows_1252() {
        assert_eq!(decode("&#146;", Mode::Strict), Some(("’".into(), 6)));
        assert_eq!(decode("&#150;", Mode::Strict), Some(("–".into(), 6)));
        assert_eq!(decode("&#0;", Mode::Strict), Some(("\u{FFFD}".into(), 4)));
        assert_eq!(decode("&#xD800;", Mode::Strict), Some(("\u{FFFD}".into(), 8)));
    }

    #[test]
    fn strict_mode_needs_the_semicolon() {
        assert_eq!(decode("&amp x", Mode::Strict), None);
        assert_eq!(decode("&#8217 x", Mode::Strict), None);
        assert_eq!(decode("&amp x", Mode::Browser), Some(("&".into(), 4)));
        assert_eq!(decode("&#8217 x", Mode::Browser), Some(("’".into(), 6)));
    }

    #[test]
    fn leaves_what_is_not_a_reference() {
        for s in ["&T", "& x", "&;", "&#;", "&#x;", "&unknown;", "&copy", "&amp=1", "&#123456789;"] {
            assert_eq!(decode(s, Mode::Browser), None, "{s}");
        }
    }
}
