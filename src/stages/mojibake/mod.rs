//! Mojibake repair: text that was UTF-8 but was decoded as Windows-1252, Latin-1 or another
//! single-byte code page (`Huaweiâ€™s`, `SÃ£o`, `вЂ”`) is decoded back, however many layers deep, and
//! stray C1 controls become the Windows-1252 characters they stand for. It follows ftfy's method (a
//! "badness" heuristic decides that a line looks broken, and a re-decoding is kept only if it is valid
//! UTF-8), so clean text in any language is left alone. Curly quotes and all other typography are kept.

mod badness;
mod macroman;
mod tables;

pub use badness::looks_bad;
pub use macroman::MACROMAN_AS_LATIN1;

use std::collections::HashSet;
use std::sync::OnceLock;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::clues::Clues;
use crate::edit::{Edit, RuleId};
use std::ops::Range;

use crate::stage::{Context, Splice, Stage, WorkBlock};

/// UTF-8 read as Windows-1252 or Latin-1 is decoded back (`Huaweiâ€™s` → `Huawei’s`, `SÃ£o` → `São`).
pub const UTF8_AS_CP1252: RuleId = RuleId::builtin("mojibake.utf8-as-cp1252");
/// UTF-8 read as Windows-1251 is decoded back (`вЂ”` → `—`, `Р’РѕС‚` → `Вот`).
pub const UTF8_AS_CP1251: RuleId = RuleId::builtin("mojibake.utf8-as-cp1251");
/// UTF-8 read as another single-byte code page (Windows-1250/1253/1254/1257, ISO-8859-2, Mac Roman,
/// DOS 437) is decoded back (`LiĂ¨ge` → `Liège`, `g√¢teaux` → `gâteaux`).
pub const UTF8_AS_OTHER_CODEPAGE: RuleId = RuleId::builtin("mojibake.utf8-as-other-codepage");
/// C1 control characters (Windows-1252 text read as Latin-1) become the characters Windows-1252 has
/// there (`\u{93}quoted\u{94}` → `“quoted”`), as web browsers do.
pub const C1_CONTROLS: RuleId = RuleId::builtin("mojibake.c1-controls");

/// Re-decoding stops after this many layers (ftfy's limit; three layers are already rare).
const MAX_STEPS: usize = 16;

/// The mojibake stage.
pub struct Mojibake;

impl Stage for Mojibake {
    fn name(&self) -> &'static str {
        "mojibake"
    }

    fn reads_line_edges(&self) -> bool {
        false // it mends characters wherever they are in a line
    }

    fn apply(&self, block: &mut WorkBlock, _: &Context<'_>, edits: &mut Vec<Edit>) {
        // Every badness pattern needs a non-ASCII character, in the line as it is or as read.
        if !block.may_have_any(Clues::NON_ASCII) {
            return;
        }
        for i in 0..block.len() {
            let Some(text) = block.text(i) else { continue };
            let original = block.original(i).text.as_str();
            let unchanged = std::ptr::eq(text, original) || text == original;
            if unchanged && block.is_ascii(i) {
                continue; // every badness pattern needs a non-ASCII character
            }
            // The fast path: every badness pattern needs a non-ASCII character (most lines have
            // none), and the scan skips ASCII 64 bytes at a time and whatever else cannot start a
            // bad sequence, so a clean line costs one quick pass.
            if !looks_bad(text) && (unchanged || !looks_bad(original)) {
                continue;
            }
            if text.len().max(original.len()) > SEGMENT {
                match repair_long(text, original, unchanged) {
                    Long::Repaired(pieces, rule) => {
                        let splices =
                            pieces.into_iter().map(|(range, text)| Splice { range, text, rule: rule.clone() });
                        block.splice(i, splices.collect(), edits);
                        continue;
                    }
                    Long::Clean => continue,
                    Long::Whole => {}
                }
            }
            // Normalize ran first and may have destroyed evidence: `Ã\u{AD}` (í) lost its soft hyphen
            // and `Ã\u{A0}` (à) its no-break space. Repair the line as read when normalize was the only
            // change, then normalize the result the same way.
            let repaired = if unchanged {
                repair(text)
            } else {
                repair(original).filter(|_| normalized(original) == text).or_else(|| repair(text))
            };
            let Some((fixed, rule)) = repaired else { continue };
            let mut fixed = normalized(&fixed);
            // Normalizing can bare more to repair (a zero-width space that kept the whole line from
            // being re-encoded is gone): repair again until nothing changes, or a second run would.
            for _ in 1..MAX_STEPS {
                let Some((again, _)) = repair(&fixed) else { break };
                let again = normalized(&again);
                if again == fixed {
                    break;
                }
                fixed = again;
            }
            if fixed != text {
                block.replace(i, fixed, rule, edits);
            }
        }
        repair_macroman(block, edits);
    }
}

/// Mac OS Roman punctuation read as Latin-1, on the block's candidate lines, where one of them
/// shows the damage beyond doubt (an apostrophe inside a word, a pair of quotes): a lone `É` between
/// spaces is an ellipsis only in such company.
fn repair_macroman(block: &mut WorkBlock, edits: &mut Vec<Edit>) {
    // Every letter of the damage is non-ASCII.
    let candidates: Vec<usize> =
        block.texts().filter(|&(i, text)| !block.is_ascii(i) && macroman::is_candidate(text)).map(|(i, _)| i).collect();
    let evidence = candidates.iter().any(|&i| block.text(i).is_some_and(macroman::has_evidence));
    if !evidence {
        return;
    }
    for i in candidates {
        let Some(fixed) = block.text(i).and_then(macroman::repair) else { continue };
        block.replace(i, fixed, MACROMAN_AS_LATIN1, edits);
    }
}

/// Repairs one line: the fixed text and the rule that names the outermost layer, or `None` if the
/// line does not look like mojibake (or looks like it but cannot be decoded with confidence).
/// A line longer than `SEGMENT` bytes is repaired in segments cut at spaces between ASCII
/// characters, where no mojibake can straddle the cut, so that work and memory stay linear.
pub fn repair(line: &str) -> Option<(String, RuleId)> {
    if line.len() <= SEGMENT {
        return repair_segment(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut rule = None;
    let mut rest = line;
    while !rest.is_empty() {
        let cut = segment_end(rest);
        let (segment, tail) = rest.split_at(cut);
        // A stretch with no place to cut is left alone rather than decoded as one huge piece.
        match (segment.len() <= 2 * SEGMENT).then(|| repair_segment(segment)).flatten() {
            Some((fixed, r)) => {
                rule.get_or_insert(r);
                out.push_str(&fixed);
            }
            None => out.push_str(segment),
        }
        rest = tail;
    }
    rule.map(|rule| (out, rule))
}

/// A stretch of a line (bytes) and what it becomes.
type Piece = (Range<usize>, String);

/// What `repair_long` found.
enum Long {
    /// The changes to make, under the rule.
    Repaired(Vec<Piece>, RuleId),
    /// Nothing to repair.
    Clean,
    /// The line's end cannot be told segment by segment (a last segment of blanks only): the
    /// whole line is to be repaired at once.
    Whole,
}

/// The repair of a line longer than `SEGMENT` as changes to its current `text` (`original` as
/// read, `unchanged` if they are the same), segment by segment and word by word, so that a huge
/// line is never copied whole: the same text as the repair of the whole line would give.
fn repair_long(text: &str, original: &str, unchanged: bool) -> Long {
    let from_original = !unchanged && normalizes_to(original, text);
    let (source, (pieces, rule)) = match from_original.then(|| repair_pieces(original)).flatten() {
        Some(found) => (original, found),
        None => match repair_pieces(text) {
            Some(found) => (text, found),
            None => return Long::Clean,
        },
    };
    let mut pieces = pieces.into_iter().peekable();
    let mut splices = Vec::new();
    let (mut from, mut pos) = (0, 0);
    while from < source.len() {
        let segment = from..from + segment_end(&source[from..]);
        from = segment.end;
        let last = from == source.len();
        let fixed = match pieces.next_if(|(range, _)| *range == segment) {
            Some((_, fixed)) => normalized_inside(&fixed),
            None => normalized_inside(&source[segment.clone()]),
        };
        let end = match (last, std::ptr::eq(source, text)) {
            (true, _) => text.len(),
            (false, true) => segment.end,
            (false, false) => pos + normalized_inside(&source[segment]).len(),
        };
        let fixed = if last { fixed.trim_end_matches([' ', '\t']) } else { &fixed };
        if end > text.len() || (last && fixed.is_empty()) {
            return Long::Whole;
        }
        word_changes(pos, &text[pos..end], fixed, &mut splices);
        pos = end;
    }
    Long::Repaired(splices, rule)
}

/// The repaired segments of `line` (by `repair`'s cuts) with their fixed text, and the rule.
fn repair_pieces(line: &str) -> Option<(Vec<Piece>, RuleId)> {
    let (mut pieces, mut rule, mut from) = (Vec::new(), None, 0);
    while from < line.len() {
        let segment = from..from + segment_end(&line[from..]);
        from = segment.end;
        let text = &line[segment.clone()];
        if let Some((fixed, r)) = (text.len() <= 2 * SEGMENT).then(|| repair_segment(text)).flatten() {
            rule.get_or_insert(r);
            pieces.push((segment, fixed));
        }
    }
    rule.map(|rule| (pieces, rule))
}

/// True if `normalized(original) == text`, found segment by segment: the normalization of a
/// segment ends where it does (segments are cut at a space between ASCII characters, which
/// nothing composes with) but for the trailing blanks trimmed at the line's end.
fn normalizes_to(original: &str, text: &str) -> bool {
    let (mut from, mut pos) = (0, 0);
    while from < original.len() {
        let end = from + segment_end(&original[from..]);
        let piece = normalized_inside(&original[from..end]);
        from = end;
        let take = piece.len().min(text.len() - pos);
        if piece.as_bytes()[..take] != text.as_bytes()[pos..pos + take]
            || !piece.as_bytes()[take..].iter().all(|&b| b == b' ' || b == b'\t')
        {
            return false;
        }
        pos += take;
    }
    pos == text.len() && !text.ends_with([' ', '\t'])
}

/// The changes turning `old` (at byte `offset` of its line) into `new`, word by word where both
/// have as many space-separated words (a repair changes letters, not the spaces between words),
/// else one change of the whole.
fn word_changes(offset: usize, old: &str, new: &str, out: &mut Vec<Piece>) {
    if old == new {
        return;
    }
    if old.split(' ').count() != new.split(' ').count() {
        out.push((offset..offset + old.len(), new.to_owned()));
        return;
    }
    let mut at = offset;
    let mut run: Option<Piece> = None;
    for (before, after) in old.split(' ').zip(new.split(' ')) {
        let word = at..at + before.len();
        at = word.end + 1;
        if before == after {
            out.extend(run.take());
            continue;
        }
        match &mut run {
            Some((range, text)) => {
                range.end = word.end;
                text.push(' ');
                text.push_str(after);
            }
            None => run = Some((word, after.to_owned())),
        }
    }
    out.extend(run);
}

/// Lines are repaired in pieces of about this many bytes (ftfy cuts at a million characters).
const SEGMENT: usize = 1 << 16;

/// Where the first segment of `text` ends: after the first space past `SEGMENT` bytes that has
/// ASCII characters on both sides, or at the end.
fn segment_end(text: &str) -> usize {
    let bytes = text.as_bytes();
    if bytes.len() <= SEGMENT {
        return bytes.len();
    }
    (SEGMENT..bytes.len() - 1)
        .find(|&i| bytes[i] == b' ' && bytes[i - 1] < 0x80 && bytes[i + 1] < 0x80)
        .map_or(bytes.len(), |i| i + 1)
}

fn repair_segment(text: &str) -> Option<(String, RuleId)> {
    if !looks_bad(text) {
        return None;
    }
    let (fixed, kind) = fix_encoding(text)?;
    if mentions_mojibake(text, &fixed) {
        return None;
    }
    Some((fixed, kind.rule()))
}

/// What one step of repair did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Re-encoded in `CODECS[index]` and decoded as UTF-8.
    Codec(usize),
    /// Replaced C1 controls by their Windows-1252 characters.
    C1,
}

impl Kind {
    fn rule(self) -> RuleId {
        match self {
            Kind::Codec(i) if CODECS[i].name == "windows-1251" => UTF8_AS_CP1251,
            Kind::Codec(i) if matches!(CODECS[i].name, "latin-1" | "windows-1252") => UTF8_AS_CP1252,
            Kind::Codec(_) => UTF8_AS_OTHER_CODEPAGE,
            Kind::C1 => C1_CONTROLS,
        }
    }
}

/// Fixes all layers; the kind is that of the first (outermost) step.
fn fix_encoding(text: &str) -> Option<(String, Kind)> {
    let (mut current, first) = fix_step(text)?;
    for _ in 1..MAX_STEPS {
        match fix_step(&current) {
            Some((next, _)) if next != current => current = next,
            _ => break,
        }
    }
    (current != text).then_some((current, first))
}

/// One step of ftfy's `fix_encoding`: re-decode the whole text in the first code page that gives
/// valid UTF-8; else decode the mojibake embedded in otherwise good text; else turn C1 controls into
/// Windows-1252 characters.
fn fix_step(text: &str) -> Option<(String, Kind)> {
    if text.is_ascii() || !looks_bad(text) {
        return None;
    }
    let mut latin1_possible = false;
    for (index, codec) in CODECS.iter().enumerate() {
        let Some(mut bytes) = codec.encode(text) else { continue };
        latin1_possible |= codec.name == "latin-1";
        // Mac Roman has no no-break space at 0xA0, so a space never stands for that byte there.
        if codec.name != "mac-roman" && has_altered_utf8(&bytes) {
            bytes = restore_byte_a0(&bytes);
        }
        if codec.sloppy {
            bytes = replace_lossy_sequences(&bytes);
        }
        if let Some(fixed) = decode_utf8_variants(&bytes) {
            return Some((fixed, Kind::Codec(index)));
        }
    }
    if let Some(fixed) = decode_inconsistent_utf8(text) {
        return Some(fixed);
    }
    if latin1_possible {
        // Latin-1 text with C1 controls is usually Windows-1252 text read as Latin-1; this needs
        // every control to have a Windows-1252 character (ftfy decodes strictly here).
        let fixed: Option<String> = text.chars().map(|c| if is_c1(c) { cp1252_for_c1(c) } else { Some(c) }).collect();
        if let Some(fixed) = fixed.filter(|f| f != text) {
            return Some((fixed, Kind::C1));
        }
    }
    if text.chars().any(is_c1) {
        let fixed: String = text.chars().map(|c| cp1252_for_c1(c).unwrap_or(c)).collect();
        return (fixed != text).then_some((fixed, Kind::C1));
    }
    None
}

fn is_c1(c: char) -> bool {
    ('\u{80}'..='\u{9F}').contains(&c)
}

/// The Windows-1252 character for a C1 control; `None` for the five bytes Windows-1252 leaves
/// unassigned (0x81, 0x8D, 0x8F, 0x90, 0x9D) and for characters that are not C1 controls.
fn cp1252_for_c1(c: char) -> Option<char> {
    let d = tables::WINDOWS_1252[(c as usize).checked_sub(0x80).filter(|&i| i < 0x20)?];
    (!is_c1(d)).then_some(d)
}

/// A single-byte code page as ftfy uses it.
struct Codec {
    name: &'static str,
    /// What bytes 0x80..=0xFF decode to.
    upper: &'static [char; 128],
    /// Sloppy codecs (ftfy's `sloppy-windows-*`) encode `�` as byte 0x1A, to mark a lost byte.
    sloppy: bool,
    /// `upper` as sorted (character, byte) pairs, built on first use.
    reverse: OnceLock<Vec<(char, u8)>>,
}

impl Codec {
    const fn new(name: &'static str, upper: &'static [char; 128], sloppy: bool) -> Self {
        Codec { name, upper, sloppy, reverse: OnceLock::new() }
    }
}

/// In ftfy's order of trial: Latin-1 first, so that text that is valid in both is read as Latin-1.
static CODECS: [Codec; 10] = [
    Codec::new("latin-1", &tables::LATIN_1, false),
    Codec::new("windows-1252", &tables::WINDOWS_1252, true),
    Codec::new("windows-1251", &tables::WINDOWS_1251, true),
    Codec::new("windows-1250", &tables::WINDOWS_1250, true),
    Codec::new("windows-1253", &tables::WINDOWS_1253, true),
    Codec::new("windows-1254", &tables::WINDOWS_1254, true),
    Codec::new("windows-1257", &tables::WINDOWS_1257, true),
    Codec::new("iso-8859-2", &tables::ISO_8859_2, false),
    Codec::new("mac-roman", &tables::MAC_ROMAN, false),
    Codec::new("cp437", &tables::CP437, false),
];

/// Byte 0x1A (SUBSTITUTE) stands for a byte lost to `�` in the sloppy codecs, as in ftfy.
const LOST: u8 = 0x1A;

impl Codec {
    /// The bytes `text` came from, if every character is in this code page.
    fn encode(&self, text: &str) -> Option<Vec<u8>> {
        let mut bytes = Vec::with_capacity(text.len());
        for c in text.chars() {
            let byte = match c {
                '\u{1A}' if self.sloppy => return None,
                '\u{0}'..='\u{7F}' => c as u8,
                '\u{FFFD}' if self.sloppy => LOST,
                _ => self.byte_for(c)?,
            };
            bytes.push(byte);
        }
        Some(bytes)
    }

    fn byte_for(&self, c: char) -> Option<u8> {
        let pairs = self.reverse.get_or_init(|| {
            let mut pairs: Vec<(char, u8)> = self.upper.iter().copied().zip(0x80..=0xFF).collect();
            pairs.sort_unstable();
            pairs
        });
        pairs.binary_search_by_key(&c, |&(p, _)| p).ok().map(|k| pairs[k].1)
    }
}

fn is_continuation(b: u8) -> bool {
    (0x80..=0xBF).contains(&b)
}

/// Continuation bytes that also stand for a likely character before 0xA0 (ftfy excludes 0x85 and
/// 0xA0 itself, which a space replaced).
fn is_likely_continuation(b: u8) -> bool {
    matches!(b, 0x80..=0x84 | 0x86..=0x9F | 0xA1..=0xBF)
}

/// The length of a UTF-8 sequence at `at` that would be valid if some spaces were byte 0xA0, the
/// no-break space that Windows programs turn into a plain space (ftfy's `ALTERED_UTF8_RE`).
fn altered_utf8_at(b: &[u8], at: usize) -> Option<usize> {
    let get = |k: usize| b.get(at + k).copied();
    let (Some(lead), Some(second)) = (get(0), get(1)) else { return None };
    match lead {
        0xC2 | 0xC3 | 0xC5 | 0xCE | 0xD0 | 0xD9 if second == b' ' => Some(2),
        0xE2 | 0xE3 if second == b' ' && get(2).is_some_and(is_likely_continuation) => Some(3),
        0xE0..=0xE3 if is_likely_continuation(second) && get(2) == Some(b' ') => Some(3),
        0xF0 => {
            let tail = [second, get(2)?, get(3)?];
            let spaces = tail.iter().filter(|&&x| x == b' ').count();
            (spaces == 1 && tail.iter().all(|&x| x == b' ' || is_continuation(x))).then_some(4)
        }
        _ => None,
    }
}

fn has_altered_utf8(b: &[u8]) -> bool {
    (0..b.len()).any(|i| b[i] >= 0xC2 && altered_utf8_at(b, i).is_some())
}

/// Puts back the 0xA0 bytes that became spaces. `Ã ` followed by a word is `à` whose no-break space
/// merged with the following space, except before the Portuguese `às`, `àquele`, `àquela`, `àquilo`.
fn restore_byte_a0(b: &[u8]) -> Vec<u8> {
    let mut grave = Vec::with_capacity(b.len() + 8);
    for (i, &x) in b.iter().enumerate() {
        grave.push(x);
        if x == 0xC3 && b.get(i + 1) == Some(&b' ') {
            let rest = &b[i + 2..];
            let excluded = rest.starts_with(b" ")
                || [&b"quele"[..], b"quela", b"quilo", b"s "].iter().any(|w| rest.starts_with(w));
            if !excluded {
                grave.push(0xA0);
            }
        }
    }
    let mut out = grave.clone();
    let mut i = 0;
    while i < grave.len() {
        match altered_utf8_at(&grave, i) {
            Some(n) => {
                out[i..i + n].iter_mut().filter(|x| **x == b' ').for_each(|x| *x = 0xA0);
                i += n;
            }
            None => i += 1,
        }
    }
    out
}

/// Replaces UTF-8 sequences that lost a byte (marked 0x1A, or once an ASCII `?`) by the UTF-8 of `�`,
/// so that the rest of the line can still be decoded (ftfy's `LOSSY_UTF8_RE`).
fn replace_lossy_sequences(b: &[u8]) -> Vec<u8> {
    const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();
    let lost = |x: u8| x == LOST || x == b'?';
    let lost_or_cont = |x: u8| x == LOST || is_continuation(x);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
        let n = match b[i] {
            0xC2..=0xDF if at(1) == LOST => 2,
            0xC2..=0xC3 if at(1) == b'?' => 2,
            0xED if (0xA0..=0xAF).contains(&at(1))
                && at(3) == 0xED
                && (0xB0..=0xBF).contains(&at(4))
                && ((lost(at(2)) && (lost(at(5)) || is_continuation(at(5))))
                    || ((lost(at(2)) || is_continuation(at(2))) && lost(at(5)))) =>
            {
                6
            }
            0xE0..=0xEF if (lost(at(1)) && lost_or_cont(at(2))) || (lost_or_cont(at(1)) && lost(at(2))) => 3,
            0xF0..=0xF4 => {
                let tail = [at(1), at(2), at(3)];
                let fits = (0..3).any(|k| lost(tail[k]) && (0..3).all(|j| j == k || lost_or_cont(tail[j])));
                if fits { 4 } else { 0 }
            }
            LOST => 1,
            _ => 0,
        };
        if n == 0 {
            out.push(b[i]);
            i += 1;
        } else {
            out.extend_from_slice(REPLACEMENT);
            i += n;
        }
    }
    out
}

/// Decodes UTF-8, also accepting CESU-8 (a surrogate pair encoded as two three-byte sequences, as
/// Java and UTF-16 layers produce for emoji).
fn decode_utf8_variants(b: &[u8]) -> Option<String> {
    if !b.contains(&0xED) {
        return std::str::from_utf8(b).ok().map(str::to_owned);
    }
    let mut out = String::with_capacity(b.len());
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        let pair = b.get(i..i + 6).filter(|s| {
            s[0] == 0xED
                && (0xA0..=0xAF).contains(&s[1])
                && is_continuation(s[2])
                && s[3] == 0xED
                && (0xB0..=0xBF).contains(&s[4])
                && is_continuation(s[5])
        });
        if let Some(s) = pair {
            out.push_str(std::str::from_utf8(&b[start..i]).ok()?);
            let high = ((u32::from(s[1]) & 0x0F) << 16) + ((u32::from(s[2]) & 0x3F) << 10);
            let low = ((u32::from(s[4]) & 0x0F) << 6) + (u32::from(s[5]) & 0x3F);
            out.push(char::from_u32(high + low + 0x10000)?);
            i += 6;
            start = i;
        } else {
            i += 1;
        }
    }
    out.push_str(std::str::from_utf8(&b[start..]).ok()?);
    Some(out)
}

/// Fixes stretches of UTF-8 mojibake inside text that is otherwise fine (or broken another way),
/// each stretch on its own and only if it looks bad by itself (ftfy's `decode_inconsistent_utf8`).
fn decode_inconsistent_utf8(text: &str) -> Option<(String, Kind)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut kind = None;
    let mut i = 0;
    while i < chars.len() {
        let end = if i > 0 && is_strict_continuation_clue(chars[i - 1]) { i } else { utf8_clues_end(&chars, i) };
        if end == i {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let stretch: String = chars[i..end].iter().collect();
        let fixed = if end - i < chars.len() && looks_bad(&stretch) { fix_encoding(&stretch) } else { None };
        match fixed {
            Some((fixed, k)) => {
                kind.get_or_insert(k);
                out.push_str(&fixed);
            }
            None => out.push_str(&stretch),
        }
        i = end;
    }
    kind.map(|k| (out, k)).filter(|(out, _)| out != text)
}

/// Where a run of characters that look like UTF-8 sequences in some code page, starting at `i`, ends
/// (`i` if there is none): ftfy's `UTF8_DETECTOR_RE`, matched greedily like the regex.
fn utf8_clues_end(chars: &[char], mut i: usize) -> usize {
    let continues =
        |from: usize, n: usize| chars.get(from..from + n).is_some_and(|s| s.iter().all(|&c| is_continuation_clue(c)));
    loop {
        let Some(&c) = chars.get(i) else { return i };
        let n = if is_clue(tables::CLUE_FIRST_OF_2, c) && continues(i + 1, 1) {
            1
        } else if is_clue(tables::CLUE_FIRST_OF_3, c) && continues(i + 1, 2) {
            2
        } else if is_clue(tables::CLUE_FIRST_OF_4, c) && continues(i + 1, 3) {
            3
        } else {
            return i;
        };
        i += 1 + n;
    }
}

fn is_clue(set: &[char], c: char) -> bool {
    set.binary_search(&c).is_ok()
}

/// A character that a continuation byte (0x80..=0xBF) decodes to in some code page, or a space that
/// may have been a no-break space.
fn is_continuation_clue(c: char) -> bool {
    ('\u{80}'..='\u{BF}').contains(&c) || is_clue(tables::CLUE_CONTINUATION, c)
}

/// Like `is_continuation_clue`, without spaces, dashes, quotes, bullets and ellipses, which stand
/// for themselves next to mojibake more often than not.
fn is_strict_continuation_clue(c: char) -> bool {
    ('\u{80}'..='\u{BF}').contains(&c) || is_clue(tables::CLUE_CONTINUATION_STRICT, c)
}

/// True if the line talks about mojibake rather than containing it: a standalone token of pure
/// mojibake for a symbol that is quoted, or whose repaired form also appears in a token that the
/// repair leaves alone (a tech story saying customers saw `Â£` instead of `£`). Such a line is left
/// for a human. A line with more than `MENTIONS` such tokens is plain mojibake (a sentence about
/// mojibake quotes an example or two), which also bounds the work.
fn mentions_mojibake(line: &str, repaired: &str) -> bool {
    const WRAPPERS: &[char] = &['"', '\'', '`', '“', '”', '‘', '’', '«', '»', '(', ')', '[', ']'];
    const MENTIONS: usize = 4;
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let mut candidates = Vec::new();
    for (i, token) in tokens.iter().enumerate().filter(|(_, token)| !token.is_ascii()) {
        let bare = token.trim_end_matches(['.', ',', ';', ':', '!', '?']);
        let inner = bare.trim_matches(WRAPPERS);
        if inner.is_empty() || inner.is_ascii() || inner.chars().any(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        let Some((fixed, _)) = fix_encoding(inner) else { continue };
        if fixed.chars().any(|c| c.is_alphanumeric() || c == '\u{FFFD}') {
            continue;
        }
        if inner.len() < bare.len() && bare.starts_with(WRAPPERS) && bare.ends_with(WRAPPERS) {
            return true; // quoted: `the bug printed “â€™” for every apostrophe`
        }
        candidates.push((i, fixed));
        if candidates.len() > MENTIONS {
            return false;
        }
    }
    if candidates.is_empty() {
        return false;
    }
    let kept: HashSet<&str> = repaired.split_whitespace().collect();
    candidates.iter().any(|(i, fixed)| {
        tokens.iter().enumerate().any(|(j, other)| j != *i && other.contains(fixed.as_str()) && kept.contains(other))
    })
}

/// The normalize stage's transformations, applied to repaired text so that a second run finds
/// nothing to do (repair can produce no-break spaces, soft hyphens or decomposed accents, and normalize
/// has already run). Kept in step with `normalize.rs`, whose helpers are private to that stage.
fn normalized(text: &str) -> String {
    normalized_inside(text).trim_end_matches([' ', '\t']).to_owned()
}

/// `normalized` but for the trim of trailing blanks: the normalization of a piece of a line.
fn normalized_inside(text: &str) -> String {
    let composed: String =
        if is_nfc_quick(text.chars()) == IsNormalized::Yes { text.to_owned() } else { text.nfc().collect() };
    composed
        .chars()
        .filter(|c| !matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}'))
        .map(|c| if matches!(c, '\u{A0}' | '\u{2000}'..='\u{200A}' | '\u{205F}') { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Cleaner;

    fn clean(text: &str) -> String {
        Cleaner::new().clean_str(text).0
    }

    #[test]
    fn a_long_line_is_repaired_piece_by_piece_as_it_would_be_whole() {
        let clean_part = "The minister spoke today about the budget and the new rail line. ";
        for (original, text) in [
            ("Huaweiâ€™s tablet sales rose. SÃ£o Paulo said so.  ".repeat(3000), None),
            (format!("{}Huaweiâ€™s\u{A0}tablets. ", clean_part.repeat(2000)).repeat(3) + "  ", None),
            ("SÃ£o\u{A0}Paulo Ã\u{AD}ndice and more words here. ".repeat(3000), Some(())),
        ] {
            let text = match text {
                Some(()) => normalized(&original),
                None => original.clone(),
            };
            let unchanged = text == original;
            let from = if !unchanged && normalized(&original) == text { &original } else { &text };
            let whole = normalized(&repair(from).unwrap().0);
            let Long::Repaired(pieces, _) = repair_long(&text, &original, unchanged) else { panic!("not repaired") };
            assert!(pieces.len() >= 3, "{} pieces", pieces.len());
            let mut out = text.clone();
            pieces.iter().rev().for_each(|(range, with)| out.replace_range(range.clone(), with));
            assert_eq!(out, whole);
        }
    }

    fn fixed(text: &str) -> Option<String> {
        repair(text).map(|(t, _)| t)
    }

    #[test]
    fn repairs_utf8_read_as_cp1252() {
        assert_eq!(clean("Huaweiâ€™s tablets\n"), "Huawei’s tablets\n");
        assert_eq!(clean("SÃ£o Paulo\n"), "São Paulo\n");
        assert_eq!(clean("â€œWe areâ€\u{9d} he said â€” yes\n"), "“We are” he said — yes\n");
    }

    #[test]
    fn a_no_break_space_read_as_cp1252_becomes_a_plain_space() {
        assert_eq!(clean("theÂ\u{A0}University\n"), "the University\n");
        assert_eq!(clean("theÂ University\n"), "the University\n");
    }

    #[test]
    fn repairs_c1_controls_as_cp1252() {
        assert_eq!(clean("â\u{80}\u{9c}senza modifiche\u{94} all'Italicum.\n"), "“senza modifiche” all'Italicum.\n");
        assert_eq!(repair("\u{84}Handwerk\u{93}").map(|(_, r)| r), Some(C1_CONTROLS));
    }

    #[test]
    fn repairs_two_layers() {
        assert_eq!(fixed("Iggy Pop (nÃƒÂ© Jim Osterberg)").as_deref(), Some("Iggy Pop (né Jim Osterberg)"));
        assert_eq!(fixed("doesnÃ¢â‚¬â„¢t").as_deref(), Some("doesn’t"));
    }

    #[test]
    fn repairs_utf8_read_as_cp1251() {
        let (text, rule) = repair("Blog Traffic Tip 2 вЂ“ Broadcast Email").unwrap();
        assert_eq!((text.as_str(), rule), ("Blog Traffic Tip 2 – Broadcast Email", UTF8_AS_CP1251));
    }

    #[test]
    fn a_repair_that_normalizing_takes_further_is_finished_in_the_same_run() {
        // The zero-width space keeps the line from being re-encoded whole: only `Ã\u{A0}` (à) is
        // repaired, and once normalize has removed the space, `à` and the lost bytes after it
        // (`�?`) are one broken sequence.
        for text in ["\u{200B}Ã\u{A0}\u{FFFD}?A\n", "x \u{200B}Ã\u{A0}\u{FFFD}? y\n"] {
            let once = clean(text);
            assert_eq!(clean(&once), once, "{text:?}");
        }
    }

    #[test]
    fn lost_bytes_become_one_replacement_character() {
        assert_eq!(fixed("â€œlossy decodingâ€\u{FFFD}").as_deref(), Some("“lossy decoding\u{FFFD}"));
    }

    #[test]
    fn recovers_a_soft_hyphen_byte_that_normalize_removed() {
        assert_eq!(clean("o antÃ\u{AD}geno e os nÃ\u{AD}veis\n"), "o antígeno e os níveis\n");
    }

    #[test]
    fn keeps_clean_text_in_many_languages() {
        let keep = [
            "São Paulo, Ёлки, naïve café, £10, ™, “quoted” and ‘single’ — dashes… 10\u{202F}000\n",
            "Компания заявила во вторник, что «снизит прогноз» на год — её акции упали на 3,2%.\n",
            "华为表示，美国的贸易限制可能导致其智能手机业务今年缩水100亿美元。\n",
            "Der Bürgermeister sagte: „Straße“ und Größe; l’épisode, à bientôt, déjà vu, Ça va?\n",
            "Ελληνικά, Türkçe İstanbul, Čeština, Żółć, Tiếng Việt, עברית, العربية\n",
            "(-1/2)! = √π, 5×£35, 2012—∞, ∆°, x ≤ y ≥ z, 20°C, ±3%, ½ cup\n",
            "NESTLÉ® and AHÅ™ and TRANSFORMATORIŲ™; ZZAJÉ’s list; SELKÄ EDELLÄ; Ôôô VIDA\n",
            "Bremer/Mccoy – DrÃ¥ber\n",
        ];
        for text in keep {
            assert_eq!(clean(text), text);
            assert_eq!(repair(text.trim_end()), None, "{text}");
        }
    }

    #[test]
    fn keeps_lines_that_talk_about_mojibake() {
        let text = "Customers saw Â£ instead of £ on their bills.\n";
        assert_eq!(clean(text), text);
        let text = "The bug printed “â€™” for every apostrophe.\n";
        assert_eq!(clean(text), text);
        assert_eq!(clean("It cost Â£10.\n"), "It cost £10.\n");
    }

    #[test]
    fn a_second_run_changes_nothing() {
        for text in ["theÂ\u{A0}University\n", "SÃ£o\u{A0}Paulo  \n", "Ã perturber la rÃ©flexion\n"] {
            let once = clean(text);
            let (twice, outcome) = Cleaner::new().clean_str(&once);
            assert_eq!(twice, once);
            assert_eq!(outcome.edits(), 0, "{once:?}");
        }
    }

    #[test]
    fn clue_sets_are_sorted_for_binary_search() {
        let sets = [
            tables::CLUE_FIRST_OF_2,
            tables::CLUE_FIRST_OF_3,
            tables::CLUE_FIRST_OF_4,
            tables::CLUE_CONTINUATION,
            tables::CLUE_CONTINUATION_STRICT,
        ];
        assert!(sets.iter().all(|set| set.is_sorted()));
    }

    #[test]
    fn repairs_long_lines_in_segments() {
        let line = "SÃ£o Paulo is big. ".repeat(10_000);
        let (fixed, rule) = repair(&line).unwrap();
        assert_eq!(fixed, "São Paulo is big. ".repeat(10_000));
        assert_eq!(rule, UTF8_AS_CP1252);
        // No space between ASCII characters to cut at: too long to decode as one piece, left alone.
        assert_eq!(repair(&"â€” ".repeat(40_000)), None);
        let with_words = "â€” and so ".repeat(20_000);
        assert_eq!(repair(&with_words).unwrap().0, "— and so ".repeat(20_000));
    }
}
