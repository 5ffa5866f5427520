//! JSON as it is written in a line, read and written without serde_json on the common path: an
//! object's members as slices of the line, a string value's text, a text as a JSON string. Each
//! reader accepts only what serde_json accepts and gives what it gives; on anything else (a syntax
//! error, a key with escapes, a lone surrogate) it returns `None` and the caller asks serde_json,
//! whose answer and messages stay the reference.

use std::borrow::Cow;
use std::ops::{ControlFlow, Range};

/// The members of the JSON object `text` in order (names, and values as written), when `text` is
/// one object, possibly between whitespace, whose names have no escapes. The text of a string
/// member named as `wanted` asks is read as its end is found (see `Wanted`).
pub(super) fn members<'t>(text: &'t str, mut wanted: Option<&mut Wanted<'_>>) -> Option<Vec<(Cow<'t, str>, &'t str)>> {
    let bytes = text.as_bytes();
    let controls = may_have_control(bytes);
    let mut at = skip_space(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_space(bytes, at + 1);
    let mut entries = Vec::new();
    if bytes.get(at) == Some(&b'}') {
        at += 1;
    } else {
        loop {
            let (name, value_at) = name(text, at, controls)?;
            let end = match wanted.as_deref_mut() {
                Some(wanted) if wanted.name == name && bytes.get(value_at) == Some(&b'"') => {
                    let (end, read) = string_end_unescaping(text, value_at, controls, &mut wanted.text)?;
                    wanted.read = Some((value_at..end, read));
                    end
                }
                _ => value_end(bytes, value_at, controls)?,
            };
            entries.push((Cow::Borrowed(name), &text[value_at..end]));
            at = skip_space(bytes, end);
            match bytes.get(at) {
                Some(b',') => at = skip_space(bytes, at + 1),
                Some(b'}') => {
                    at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_space(bytes, at) == bytes.len()).then_some(entries)
}

/// A top-level string member whose text `members` reads in the same pass that finds the string's
/// end (a record's text: reading it again to unescape it cost a third of reading its JSON).
pub(super) struct Wanted<'n> {
    /// The member's name.
    pub name: &'n str,
    /// The text of the last member of that name, if it had escapes (room reused record after record).
    pub text: String,
    /// Where the last member's value is in the line, and how its text was read.
    pub read: Option<(Range<usize>, Read)>,
}

/// How a wanted member's text was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Read {
    /// Without escapes: the text is the value between its quotes.
    Plain,
    /// Unescaped into `Wanted::text`.
    Unescaped,
    /// With an escape whose text serde_json must judge (a lone surrogate).
    Refused,
}

/// Past the JSON string at `at` in `text` (as `string_end`), unescaping its text into `out` (emptied
/// first) if it has escapes.
fn string_end_unescaping(text: &str, at: usize, controls: bool, out: &mut String) -> Option<(usize, Read)> {
    let bytes = text.as_bytes();
    // The text up to `run` is in `out`; an escape before it was read with the one before it (the
    // low half of a surrogate pair).
    let mut run = at + 1;
    let mut read = Read::Plain;
    let end = string_end_with(bytes, at, controls, &mut |backslash: usize| {
        if read == Read::Refused || backslash < run {
            return;
        }
        if read == Read::Plain {
            out.clear();
            out.reserve(bytes.len() - at);
            read = Read::Unescaped;
        }
        out.push_str(&text[run..backslash]);
        match push_escape(&bytes[backslash + 1..], out) {
            Some(used) => run = backslash + 1 + used,
            None => read = Read::Refused,
        }
    })?;
    if read == Read::Unescaped {
        out.push_str(&text[run..end - 1]);
    }
    Some((end, read))
}

/// The text of `raw`, a value as `members` or serde_json read it (so a well-formed one), when it
/// is a string without a lone surrogate escape. The text is unescaped into `buffer` (emptied
/// first), whose room a stream's records reuse: the text of each is a few kilobytes, allocated and
/// freed in turn otherwise.
pub(super) fn string_text_into(raw: &str, mut buffer: String) -> Option<Cow<'_, str>> {
    if !raw.starts_with('"') {
        return None;
    }
    let (end, read) = string_end_unescaping(raw, 0, true, &mut buffer)?;
    if end != raw.len() {
        return None;
    }
    text_as_read(raw, read, buffer)
}

/// The text of the string `raw` as `string_end_unescaping` read it into `unescaped`.
pub(super) fn text_as_read(raw: &str, read: Read, unescaped: String) -> Option<Cow<'_, str>> {
    match read {
        Read::Plain => Some(Cow::Borrowed(&raw[1..raw.len() - 1])),
        Read::Unescaped => Some(Cow::Owned(unescaped)),
        Read::Refused => None,
    }
}

/// Appends the character of the escape `escape` (the bytes after its backslash) to `text`, and
/// says how many bytes it took: `None` if it is not well formed or is a lone surrogate.
fn push_escape(escape: &[u8], text: &mut String) -> Option<usize> {
    let used = match *escape.first()? {
        b'"' => push(text, '"'),
        b'\\' => push(text, '\\'),
        b'/' => push(text, '/'),
        b'b' => push(text, '\u{8}'),
        b'f' => push(text, '\u{c}'),
        b'n' => push(text, '\n'),
        b'r' => push(text, '\r'),
        b't' => push(text, '\t'),
        b'u' => {
            let unit = hex4(escape.get(1..)?)?;
            let (c, used) = match unit {
                0xD800..=0xDBFF => {
                    let low = escape.get(5..7).filter(|e| e == b"\\u").and_then(|_| hex4(escape.get(7..)?))?;
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return None;
                    }
                    let code = 0x1_0000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    (char::from_u32(code)?, 11)
                }
                _ => (char::from_u32(u32::from(unit))?, 5),
            };
            text.push(c);
            used
        }
        _ => return None,
    };
    Some(used)
}

/// Appends `text` to `out` as a JSON string, escaped as serde_json escapes it (`\"`, `\\`, `\n`
/// and the other short escapes, `\u00XX` for other control characters); with `ascii`, every
/// character beyond ASCII as `\uXXXX` too (a surrogate pair beyond the BMP), as Python's
/// `json.dumps` writes by default.
pub(super) fn push_string(out: &mut Vec<u8>, text: &str, ascii: bool) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    let bytes = text.as_bytes();
    let controls = may_have_control(bytes);
    let mut at = 0;
    loop {
        let plain = match ascii {
            true => plain_len::<true>(&bytes[at..], controls),
            false => plain_len::<false>(&bytes[at..], controls),
        };
        out.extend_from_slice(&bytes[at..at + plain]);
        at += plain;
        let Some(&byte) = bytes.get(at) else { break };
        if byte.is_ascii() {
            match byte {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\x08' => out.extend_from_slice(b"\\b"),
                b'\x0c' => out.extend_from_slice(b"\\f"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                _ => push_unit(out, u16::from(byte)),
            }
            at += 1;
        } else {
            let c = text[at..].chars().next().expect("a character starts here");
            let mut units = [0u16; 2];
            for &unit in c.encode_utf16(&mut units).iter() {
                push_unit(out, unit);
            }
            at += c.len_utf8();
        }
    }
    out.push(b'"');
}

fn push(text: &mut String, c: char) -> usize {
    text.push(c);
    1
}

fn push_unit(out: &mut Vec<u8>, unit: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(b"\\u");
    out.extend([unit >> 12, unit >> 8, unit >> 4, unit].map(|nibble| HEX[usize::from(nibble & 0xf)]));
}

/// How many bytes at the start of `bytes` a JSON string holds as they are: up to a quote, a
/// backslash, a control character, or (with `ASCII`) a byte beyond ASCII. Without `controls`
/// (`has_control` found none), only a newline is looked for among control characters.
fn plain_len<const ASCII: bool>(bytes: &[u8], controls: bool) -> usize {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { plain_len_avx2::<ASCII>(bytes) };
    }
    // `|`, not `||`: no branch in the loops below, so that they are vectorized.
    let special = |b: u8| (b == b'"') | (b == b'\\') | (b < 0x20) | (ASCII & (b >= 0x80));
    // Most of them are the quote, the backslash and the newline, found with SIMD `memchr`; the
    // run before the first is checked for the others 64 bytes at a time (its last bytes padded).
    let end = match ASCII {
        true => bytes.len(),
        false => memchr::memchr3(b'"', b'\\', b'\n', bytes).unwrap_or(bytes.len()),
    };
    if !ASCII && !controls {
        return end;
    }
    let mut at = 0;
    while at < end {
        let take = (end - at).min(64);
        let mut chunk = [b' '; 64];
        chunk[..take].copy_from_slice(&bytes[at..at + take]);
        let hit = match ASCII {
            true => chunk.iter().fold(false, |any, &b| any | special(b)),
            false => chunk.iter().fold(u8::MAX, |low, &b| low.min(b)) < 0x20,
        };
        if hit {
            return at + chunk.iter().position(|&b| special(b)).expect("a byte to escape in the chunk");
        }
        at += take;
    }
    end
}

/// `plain_len` with AVX2, whatever `controls` says: 32 bytes at a time, a quote, a backslash and a
/// control character (and with `ASCII` a byte beyond ASCII) found by one mask. Escapes come every
/// couple of hundred bytes in news text (`\n` between paragraphs), and the `memchr3` search for
/// the first three plus a pass for the other control characters cost twice as much a byte.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn plain_len_avx2<const ASCII: bool>(bytes: &[u8]) -> usize {
    use std::arch::x86_64::*;
    const STEP: usize = 32;
    let splat = |b: u8| _mm256_set1_epi8(b as i8);
    let (quote, backslash, last_control) = (splat(b'"'), splat(b'\\'), splat(0x1F));
    let mut at = 0;
    while at + STEP <= bytes.len() {
        // SAFETY: the 32 bytes from `at` are inside `bytes`.
        let here = unsafe { _mm256_loadu_si256(bytes.as_ptr().add(at).cast()) };
        // A control character is one the unsigned maximum with 0x1F leaves at 0x1F.
        let control = _mm256_cmpeq_epi8(_mm256_max_epu8(here, last_control), last_control);
        let found = _mm256_or_si256(
            _mm256_or_si256(_mm256_cmpeq_epi8(here, quote), _mm256_cmpeq_epi8(here, backslash)),
            control,
        );
        // The sign bit of each byte: set beyond ASCII.
        let beyond = if ASCII { _mm256_movemask_epi8(here) as u32 } else { 0 };
        let mask = _mm256_movemask_epi8(found) as u32 | beyond;
        if mask != 0 {
            return at + mask.trailing_zeros() as usize;
        }
        at += STEP;
    }
    let special = |b: u8| b == b'"' || b == b'\\' || b < 0x20 || (ASCII && b >= 0x80);
    at + bytes[at..].iter().position(|&b| special(b)).unwrap_or(bytes.len() - at)
}

/// `has_control`, where `plain_len` needs to know: with AVX2 it finds every control character in
/// the same pass as the rest, and the answer (true: look) is not worth a pass of its own.
fn may_have_control(bytes: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        return true;
    }
    has_control(bytes)
}

/// True if `bytes` holds a control character other than the newline (in a line of JSON, a tab or
/// a carriage return between tokens; seldom in text): when not, the quote, the backslash and the
/// newline are all `plain_len` looks for. Tested 64 bytes at a time, vectorized.
fn has_control(bytes: &[u8]) -> bool {
    // `&`, not `&&`: no branch, so that the test of a chunk is vectorized.
    let control = |b: u8| (b < 0x20) & (b != b'\n');
    let mut chunks = bytes.chunks_exact(64);
    let any = chunks.any(|chunk| {
        let chunk: &[u8; 64] = chunk.try_into().expect("chunks of 64");
        chunk.iter().fold(false, |any, &b| any | control(b))
    });
    any || chunks.remainder().iter().any(|&b| control(b))
}

/// A member's name starting at `at` (its opening quote) and where its value starts.
fn name(text: &str, at: usize, controls: bool) -> Option<(&str, usize)> {
    let bytes = text.as_bytes();
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let end = string_end(bytes, at, controls)?;
    let name = &text[at + 1..end - 1];
    if name.contains('\\') {
        return None;
    }
    let colon = skip_space(bytes, end);
    (bytes.get(colon) == Some(&b':')).then(|| (name, skip_space(bytes, colon + 1)))
}

/// Where the JSON value starting at `at` ends (objects and arrays nested to any depth, without
/// recursion, as serde_json skips a raw value).
fn value_end(bytes: &[u8], mut at: usize, controls: bool) -> Option<usize> {
    // The closing bracket of each object or array the value is in.
    let mut open: Vec<u8> = Vec::new();
    loop {
        match *bytes.get(at)? {
            b'"' => at = string_end(bytes, at, controls)?,
            b'{' | b'[' => {
                let close = if bytes[at] == b'{' { b'}' } else { b']' };
                at = skip_space(bytes, at + 1);
                if bytes.get(at) == Some(&close) {
                    at += 1;
                } else {
                    open.push(close);
                    if close == b'}' {
                        at = name_of_nested(bytes, at, controls)?;
                    }
                    continue;
                }
            }
            b't' => at = literal(bytes, at, b"true")?,
            b'f' => at = literal(bytes, at, b"false")?,
            b'n' => at = literal(bytes, at, b"null")?,
            b'-' | b'0'..=b'9' => at = number_end(bytes, at)?,
            _ => return None,
        }
        // A value ended: close what it ends, up to the next value.
        loop {
            let Some(&close) = open.last() else { return Some(at) };
            at = skip_space(bytes, at);
            match *bytes.get(at)? {
                b',' => {
                    at = skip_space(bytes, at + 1);
                    if close == b'}' {
                        at = name_of_nested(bytes, at, controls)?;
                    }
                    break;
                }
                b if b == close => {
                    open.pop();
                    at += 1;
                }
                _ => return None,
            }
        }
    }
}

/// Past a nested object's member name (escapes allowed: it is only skipped) and its colon.
fn name_of_nested(bytes: &[u8], at: usize, controls: bool) -> Option<usize> {
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let colon = skip_space(bytes, string_end(bytes, at, controls)?);
    (bytes.get(colon) == Some(&b':')).then(|| skip_space(bytes, colon + 1))
}

/// Past the JSON string whose opening quote is at `at`: escapes well formed (`\u` with four hex
/// digits), no control character.
fn string_end(bytes: &[u8], at: usize, controls: bool) -> Option<usize> {
    string_end_with(bytes, at, controls, &mut |_| {})
}

/// `string_end`, telling `escape` where each escape's backslash is, in order.
fn string_end_with(bytes: &[u8], at: usize, controls: bool, escape: &mut impl FnMut(usize)) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { string_end_avx2(bytes, at, escape) };
    }
    let mut at = at + 1;
    loop {
        at += plain_len::<false>(&bytes[at..], controls);
        match past_stop(bytes, at)? {
            ControlFlow::Break(end) => return Some(end),
            ControlFlow::Continue(next) => {
                escape(at);
                at = next;
            }
        }
    }
}

/// `string_end_with` with AVX2: the escapes, every couple of hundred bytes in news text (`\n`
/// between paragraphs), are stepped over inside the loop that finds them, not by a search each (a
/// call, its checks and set-up, for every escape: half the cost of reading a record's JSON).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn string_end_avx2(bytes: &[u8], at: usize, escape: &mut impl FnMut(usize)) -> Option<usize> {
    use std::arch::x86_64::*;
    const STEP: usize = 32;
    let splat = |b: u8| _mm256_set1_epi8(b as i8);
    let (quote, backslash, last_control) = (splat(b'"'), splat(b'\\'), splat(0x1F));
    let mut at = at + 1;
    loop {
        let stop = if at + STEP <= bytes.len() {
            // SAFETY: the 32 bytes from `at` are inside `bytes`.
            let here = unsafe { _mm256_loadu_si256(bytes.as_ptr().add(at).cast()) };
            // A control character is one the unsigned maximum with 0x1F leaves at 0x1F.
            let control = _mm256_cmpeq_epi8(_mm256_max_epu8(here, last_control), last_control);
            let found = _mm256_or_si256(
                _mm256_or_si256(_mm256_cmpeq_epi8(here, quote), _mm256_cmpeq_epi8(here, backslash)),
                control,
            );
            let mask = _mm256_movemask_epi8(found) as u32;
            if mask == 0 {
                at += STEP;
                continue;
            }
            at + mask.trailing_zeros() as usize
        } else {
            at + bytes[at..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20)?
        };
        match past_stop(bytes, stop)? {
            ControlFlow::Break(end) => return Some(end),
            ControlFlow::Continue(next) => {
                escape(stop);
                at = next;
            }
        }
    }
}

/// At `bytes[at]`, a byte a string's scan stops at: past the string if it is the closing quote,
/// past the escape if it starts a well-formed one, `None` otherwise (a control character, a bad
/// escape, the end of the bytes).
fn past_stop(bytes: &[u8], at: usize) -> Option<ControlFlow<usize, usize>> {
    match *bytes.get(at)? {
        b'"' => Some(ControlFlow::Break(at + 1)),
        b'\\' => match *bytes.get(at + 1)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(ControlFlow::Continue(at + 2)),
            b'u' => {
                hex4(bytes.get(at + 2..)?)?;
                Some(ControlFlow::Continue(at + 6))
            }
            _ => None,
        },
        _ => None,
    }
}

/// The four hex digits at the start of `bytes`, as a UTF-16 unit.
fn hex4(bytes: &[u8]) -> Option<u16> {
    let digits = bytes.get(..4)?;
    digits.iter().try_fold(0u16, |unit, &d| Some(unit << 4 | (d as char).to_digit(16)? as u16))
}

fn literal(bytes: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    bytes[at..].starts_with(word).then_some(at + word.len())
}

/// Past the JSON number at `at`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn number_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    let digits = |at: usize| bytes[at.min(bytes.len())..].iter().take_while(|b| b.is_ascii_digit()).count();
    if bytes.get(at) == Some(&b'-') {
        at += 1;
    }
    match bytes.get(at)? {
        b'0' => at += 1,
        b'1'..=b'9' => at += digits(at),
        _ => return None,
    }
    if bytes.get(at) == Some(&b'.') {
        let n = digits(at + 1);
        if n == 0 {
            return None;
        }
        at += 1 + n;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let n = digits(at);
        if n == 0 {
            return None;
        }
        at += n;
    }
    // A digit after a lone 0 (`01`) is no number.
    (!bytes.get(at).is_some_and(u8::is_ascii_digit)).then_some(at)
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// serde_json's reading of an object's members, which `members` must agree with.
    fn serde_members(text: &str) -> Option<Vec<(String, String)>> {
        let members = super::super::serde_object(text).ok()?;
        Some(members.into_iter().map(|(k, v)| (k.into_owned(), v.to_owned())).collect())
    }

    fn fast_members(text: &str) -> Option<Vec<(String, String)>> {
        members(text, None).map(|m| m.into_iter().map(|(k, v)| (k.into_owned(), v.to_owned())).collect())
    }

    /// The old way: serde_json's escaping, then every non-ASCII character as `\uXXXX`.
    fn serde_string(text: &str, ascii: bool) -> String {
        let json = serde_json::to_string(text).unwrap();
        if !ascii {
            return json;
        }
        let mut escaped = String::new();
        for c in json.chars() {
            if c.is_ascii() {
                escaped.push(c);
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    escaped.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
        escaped
    }

    fn fast_string(text: &str, ascii: bool) -> String {
        let mut out = Vec::new();
        push_string(&mut out, text, ascii);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn members_are_slices_of_the_line() {
        let line = " {\"id\": 7 , \"n\":-1.50e+3,\"text\":\"a\\nb\",\"o\":{\"x\\u0041\":[1,{},[]]},\"e\":\"\"}\r";
        let got = fast_members(line).unwrap();
        assert_eq!(got, serde_members(line).unwrap());
        assert_eq!(got[3], ("o".to_owned(), "{\"x\\u0041\":[1,{},[]]}".to_owned()));
        assert_eq!(fast_members("{}"), Some(vec![]));
        assert_eq!(fast_members("{\"é\":\"ü\"}"), Some(vec![("é".to_owned(), "\"ü\"".to_owned())]));
    }

    #[test]
    fn what_serde_refuses_is_left_to_serde() {
        for text in [
            "",
            " ",
            "[]",
            "{",
            "{\"a\":1,}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":1e}",
            "{\"a\":-}",
            "{\"a\":tru}",
            "{\"a\":\"\u{1}\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\u12g4\"}",
            "{\"a\":1} x",
            "{\"a\" 1}",
            "{a:1}",
            "{\"a\":[1,]}",
            "{\"a\":{\"b\"}}",
            "{\"a\":{1:2}}",
            "{\"a\":\"x}",
            // serde_json takes these; the fast reader leaves names with escapes to it.
            "{\"\\u0061\":1}",
        ] {
            assert_eq!(members(text, None), None, "{text:?}");
        }
    }

    #[test]
    fn string_text_unescapes_as_serde_does() {
        for raw in [
            "\"\"",
            "\"plain\"",
            "\"a\\nb\\t\\\"q\\\" \\\\ \\/ \\b\\f\\r\"",
            "\"caf\\u00e9 \\u00E9\"",
            "\"\\ud83d\\ude00\"",
            "\"é😀\"",
            "\"\\u0000\"",
            "\"\\ud83d\"",
            "\"\\ude00\"",
            "\"\\ud83dx\"",
            "\"\\ud83d\\u0041\"",
            "\"\\ud83d\\n\"",
            "3",
            "[\"a\"]",
        ] {
            let serde = serde_json::from_str::<String>(raw).ok();
            assert_eq!(string_text_into(raw, String::new()).map(Cow::into_owned), serde, "{raw:?}");
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_escapes_them() {
        for text in ["", "plain", "\"\\\u{0}\u{1f}\u{7f}\n\r\t\u{8}\u{c}", "café “x” 😀", &"long line é ".repeat(40)]
        {
            for ascii in [false, true] {
                assert_eq!(fast_string(text, ascii), serde_string(text, ascii), "{text:?} {ascii}");
            }
        }
    }

    #[test]
    fn the_plain_run_ends_at_the_first_byte_to_escape_wherever_it_stands() {
        let naive = |bytes: &[u8], ascii: bool| {
            bytes
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20 || (ascii && b >= 0x80))
                .unwrap_or(bytes.len())
        };
        // Every length up to a few AVX2 steps, each special byte (and a byte beyond ASCII) at each
        // position, after plain bytes that lie next to them in value (`!`, `#`, `[`, `]`, space, DEL).
        for len in 0..100 {
            let plain: Vec<u8> = (0..len).map(|k| b" !#[]~\x7f"[k % 7]).collect();
            assert_eq!(plain_len::<false>(&plain, true), naive(&plain, false), "{len}");
            assert_eq!(plain_len::<true>(&plain, true), naive(&plain, true), "{len}");
            for at in 0..len {
                for special in [b'"', b'\\', 0, b'\n', b'\t', 0x1F, 0x80, 0xC3, 0xFF] {
                    let mut bytes = plain.clone();
                    bytes[at] = special;
                    assert_eq!(plain_len::<false>(&bytes, true), naive(&bytes, false), "{bytes:?}");
                    assert_eq!(plain_len::<true>(&bytes, true), naive(&bytes, true), "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn a_string_ends_where_serde_ends_it_wherever_its_escapes_stand() {
        // What serde_json makes of the string at the start of `bytes`: where it ends, if it is one.
        let serde_end = |bytes: &[u8]| {
            let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<String>();
            stream.next().and_then(Result::ok).map(|_| stream.byte_offset())
        };
        // Strings of every length up to a few AVX2 steps, with a piece at each position (escapes
        // well formed and not, a raw control character, the closing quote), and more after it.
        for len in 0..80 {
            let plain: Vec<u8> = (0..len).map(|k| b" !#[]~a\xc3\xa9"[k % 9]).collect();
            for at in 0..=len {
                for piece in [&b"\\n"[..], b"\\\"", b"\\\\", b"\\u00e9", b"\\u00g9", b"\\x", b"\x01", b"\"", b"\\"] {
                    let mut bytes = vec![b'"'];
                    bytes.extend_from_slice(&plain[..at]);
                    bytes.extend_from_slice(piece);
                    bytes.extend_from_slice(&plain[at..]);
                    bytes.extend_from_slice(b"\", \"z\": 1}");
                    let Ok(text) = std::str::from_utf8(&bytes) else { continue };
                    assert_eq!(string_end(text.as_bytes(), 0, true), serde_end(text.as_bytes()), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn control_characters_are_found_anywhere() {
        let long = "x".repeat(130);
        for (text, control) in
            [("", false), ("a\nb", false), ("a\tb", true), (&*format!("{long}\r"), true), (&*long, false)]
        {
            assert_eq!(has_control(text.as_bytes()), control, "{text:?}");
            if !control {
                let bytes = text.as_bytes();
                assert_eq!(plain_len::<false>(bytes, false), plain_len::<false>(bytes, true));
            }
        }
    }

    /// Pieces of JSON, valid and not, that random lines are made of.
    fn token() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "{", "}", "[", "]", ":", ",", "\"", "\"a\"", "\"text\"", "\"é\"", "\\", "\\n", "\\u", "\\ud83d", "\\ude00",
            "00e9", "0", "1", "-", ".", "e", "E", "+", "true", "false", "null", "nul", " ", "\t", "\n", "\r", "é", "a",
            "\u{1}", "😀", "\"\\\"\"",
        ])
    }

    /// Pieces of well-formed JSON strings (as the readers give them), lone surrogates included.
    fn string_piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "a", " ", "é", "😀", "\\n", "\\t", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r", "\\u00e9", "\\u00E9",
            "\\u0000", "\\u0041", "\\ud83d", "\\ude00", "\\uDBFF", "\\uDFFF", "\\uffff",
        ])
    }

    /// JSON values, nested, written compactly or pretty.
    fn value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-z\"\\\\é]{0,3}", inner), 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn members_agree_with_serde_on_token_soup(tokens in prop::collection::vec(token(), 0..24)) {
            let text = format!("{{{}", tokens.concat());
            check_members(&text, false)?;
        }

        #[test]
        fn members_agree_with_serde_on_objects(
            v in value(),
            pretty in any::<bool>(),
            cut in any::<prop::sample::Index>(),
            byte in token(),
        ) {
            let object = serde_json::json!({ "id": 1, "text": v, "z": [v] });
            let text = if pretty { serde_json::to_string_pretty(&object) } else { serde_json::to_string(&object) }
                .unwrap();
            check_members(&text, true)?;
            // The same with one piece put in somewhere: mostly broken JSON.
            let at = cut.index(text.len() + 1);
            if text.is_char_boundary(at) {
                check_members(&format!("{}{byte}{}", &text[..at], &text[at..]), false)?;
            }
        }

        #[test]
        fn string_text_agrees_with_serde(tokens in prop::collection::vec(string_piece(), 0..16), pad in 0..40usize) {
            // Padded, so that escapes stand on either side of the AVX2 loop's steps.
            let raw = format!("\"{}{}\"", "a".repeat(pad), tokens.concat());
            let serde = serde_json::from_str::<String>(&raw).ok();
            prop_assert_eq!(string_text_into(&raw, String::new()).map(Cow::into_owned), serde.clone());
            // Read as the string's end is found: the same text, or left to serde_json.
            let mut out = "left from before".to_owned();
            let (end, read) = string_end_unescaping(&raw, 0, true, &mut out).expect("a well-formed string ends");
            prop_assert_eq!(end, raw.len());
            let text = match read {
                Read::Plain => Some(raw[1..raw.len() - 1].to_owned()),
                Read::Unescaped => Some(out),
                Read::Refused => None,
            };
            prop_assert_eq!(text, serde);
        }

        #[test]
        fn push_string_agrees_with_serde(text in "(.|[\u{0}-\u{1f}\"\\\\])*", ascii in any::<bool>()) {
            prop_assert_eq!(fast_string(&text, ascii), serde_string(&text, ascii));
        }
    }

    /// What `members` reads is what serde_json reads; it leaves to serde_json only what it refuses
    /// or an object with escaped names (never when `must_read`).
    /// The text of the `text` member read on the way is the last such member's, as serde_json
    /// unescapes it.
    fn check_members(text: &str, must_read: bool) -> Result<(), TestCaseError> {
        let serde = serde_members(text);
        match fast_members(text) {
            Some(fast) => prop_assert_eq!(Some(fast), serde, "{:?}", text),
            None => prop_assert!(!must_read || serde.is_none(), "{:?}", text),
        }
        let mut wanted = Wanted { name: "text", text: String::new(), read: None };
        let Some(entries) = members(text, Some(&mut wanted)) else { return Ok(()) };
        let last = entries.iter().rev().find(|(name, _)| name == "text").map(|(_, raw)| *raw);
        match (wanted.read, last) {
            (Some((range, read)), Some(raw)) => {
                prop_assert_eq!(&text[range.clone()], raw, "{:?}", text);
                let serde = serde_json::from_str::<String>(raw).ok();
                match read {
                    Read::Plain => prop_assert_eq!(Some(raw[1..raw.len() - 1].to_owned()), serde),
                    Read::Unescaped => prop_assert_eq!(Some(wanted.text), serde),
                    Read::Refused => prop_assert_eq!(serde, None),
                }
            }
            // Read only when the last `text` member is a string.
            (None, Some(raw)) => prop_assert!(!raw.starts_with('"'), "{:?}", text),
            (read, None) => prop_assert!(read.is_none(), "{:?}", text),
        }
        Ok(())
    }
}
