//! Unicode and whitespace normalization: NFC, invisible characters, odd spaces, trailing whitespace.
//! Curly quotes, dashes, ellipses, line endings and a missing final newline are deliberately left as
//! they are; mojibake and HTML residue belong to their own stages.

pub mod damage;
pub mod markup;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::clues::Clues;
use crate::edit::{Edit, RuleId};
use crate::stage::{Context, Splice, Stage, WorkBlock};

/// Text not in Unicode NFC is composed (`e` + combining acute becomes `é`).
pub const NFC: RuleId = RuleId::builtin("normalize.nfc");
/// Zero-width spaces, word joiners and stray byte-order marks are removed.
pub const ZERO_WIDTH: RuleId = RuleId::builtin("normalize.zero-width");
/// Soft hyphens (U+00AD), invisible hyphenation hints left by CMS exports, are removed.
pub const SOFT_HYPHEN: RuleId = RuleId::builtin("normalize.soft-hyphen");
/// No-break and typographic spaces in running text become plain spaces.
pub const ODD_SPACE: RuleId = RuleId::builtin("normalize.odd-space");
/// Spaces and tabs at the end of a line are removed.
pub const TRAILING_WHITESPACE: RuleId = RuleId::builtin("normalize.trailing-whitespace");

/// A normalization of a line: the changes it makes under `rule` (none if there is nothing to fix).
type Fix = fn(&str, RuleId) -> Vec<Splice>;

/// The normalize stage.
pub struct Normalize;

impl Stage for Normalize {
    fn name(&self) -> &'static str {
        "normalize"
    }

    fn apply(&self, block: &mut WorkBlock, _: &Context<'_>, edits: &mut Vec<Edit>) {
        if !block.may_have_any(Clues::NON_ASCII | Clues::TRAILING_BLANK) {
            return; // the common case, line by line below
        }
        for i in 0..block.len() {
            let Some(text) = block.text(i) else { continue };
            let trailing = matches!(text.as_bytes().last(), Some(b' ' | b'\t'));
            let ascii = block.is_ascii(i);
            if ascii && !trailing {
                continue; // the common case: nothing below can apply to plain ASCII without trailing blanks
            }
            if !ascii {
                let found = scan(text);
                // NFC goes last: removing an invisible character between two combining marks can
                // leave them out of canonical order (`\u{1e008}\u{200b}\u{1193d}`), which a
                // second run would then fix.
                let steps: [(bool, RuleId, Fix); 4] = [
                    (found.zero_width, ZERO_WIDTH, |t, rule| changed_runs(t, is_zero_width, |_| None, rule)),
                    (found.soft_hyphen, SOFT_HYPHEN, |t, rule| changed_runs(t, |c| c == '\u{AD}', |_| None, rule)),
                    (found.odd_space, ODD_SPACE, |t, rule| changed_runs(t, is_odd_space, |_| Some(' '), rule)),
                    (found.maybe_not_nfc, NFC, to_nfc),
                ];
                for (_, rule, step) in steps.into_iter().filter(|s| s.0) {
                    let current = block.text(i).expect("normalize removes no line");
                    let splices = step(current, rule);
                    block.splice(i, splices, edits);
                }
            }
            let text = block.text(i).expect("normalize removes no line");
            let trimmed = text.trim_end_matches([' ', '\t']).len();
            if trimmed != text.len() {
                let trailing = Splice { range: trimmed..text.len(), text: String::new(), rule: TRAILING_WHITESPACE };
                block.splice(i, vec![trailing], edits);
            }
        }
    }
}

/// What one pass over a non-ASCII line found, so that only the steps with work to do run.
#[derive(Default)]
struct Found {
    maybe_not_nfc: bool,
    zero_width: bool,
    soft_hyphen: bool,
    odd_space: bool,
}

/// One pass over the bytes: what matters here are a few byte patterns, and characters outside the
/// ranges news text is made of (which send the line through the full NFC check). ASCII, Latin-1
/// and Cyrillic letters are told apart by their lead byte alone (most non-ASCII news text is made
/// of them) and skipped 32 bytes at a time; other characters are decoded.
fn scan(text: &str) -> Found {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { scan_avx2(text) };
    }
    scan_bytes(text)
}

/// `scan` compiled for AVX2: the test of 32 lead bytes at a time in `next_telling_lead_byte` is
/// then one vector of them, not two.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scan_avx2(text: &str) -> Found {
    scan_bytes(text)
}

/// `scan`, for any CPU.
#[inline(always)]
fn scan_bytes(text: &str) -> Found {
    let mut found = Found::default();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = next_telling_lead_byte(bytes, i) {
        if bytes[at] == 0xC2 {
            // U+0080..U+00BF: always NFC; U+00A0 is an odd space and U+00AD a soft hyphen.
            found.odd_space |= bytes[at + 1] == 0xA0;
            found.soft_hyphen |= bytes[at + 1] == 0xAD;
            i = at + 2;
            continue;
        }
        let c = text[at..].chars().next().expect("a lead byte starts a character");
        found.add(c);
        i = at + c.len_utf8();
    }
    found
}

/// True for the lead bytes `scan` must look at: 0xC2 (U+0080..U+00BF, which holds the no-break
/// space and the soft hyphen) and every lead byte from 0xCC on (U+0300 and up) but Cyrillic's 0xD0
/// and 0xD1. ASCII, continuation bytes and the lead bytes of U+00C0..U+02FF (letters, always NFC,
/// never invisible) tell nothing.
fn is_telling_lead_byte(b: u8) -> bool {
    b == 0xC2 || (b >= 0xCC && b & 0xFE != 0xD0)
}

/// The first byte at or after `from` that `is_telling_lead_byte`. Each chunk is tested whole
/// first, without an early exit, so that the compiler vectorizes the test: on Cyrillic text, where
/// almost every other byte is non-ASCII, a byte-at-a-time loop cost most of this stage.
#[inline(always)]
fn next_telling_lead_byte(bytes: &[u8], from: usize) -> Option<usize> {
    const CHUNK: usize = 32;
    let mut start = from;
    for chunk in bytes[from..].chunks(CHUNK) {
        if chunk.iter().fold(false, |any, &b| any | is_telling_lead_byte(b)) {
            return chunk.iter().position(|&b| is_telling_lead_byte(b)).map(|p| start + p);
        }
        start += chunk.len();
    }
    None
}

impl Found {
    fn add(&mut self, c: char) {
        self.zero_width |= is_zero_width(c);
        self.soft_hyphen |= c == '\u{AD}';
        self.odd_space |= is_odd_space(c);
        self.maybe_not_nfc |= !always_nfc(c);
    }
}

/// Characters that are NFC whatever surrounds them (quick-check Yes, combining class 0): what news
/// text is made of, so the full NFC check runs only on lines with anything else.
fn always_nfc(c: char) -> bool {
    matches!(c,
        '\0'..='\u{2FF}'              // ASCII, Latin-1, Latin Extended, IPA, spacing modifiers
        | '\u{400}'..='\u{482}'       // Cyrillic letters (combining marks start at U+0483)
        | '\u{48A}'..='\u{52F}'       // Cyrillic letters, Cyrillic Supplement
        | '\u{2010}'..='\u{2027}'     // dashes, quotes, bullets, ellipsis
        | '\u{2030}'..='\u{205E}'     // per mille, primes, guillemets, other punctuation
        | '\u{20A0}'..='\u{20C0}'     // currency signs
        | '\u{3000}'..='\u{3029}'     // CJK spaces and punctuation (U+302A.. are combining)
        | '\u{4E00}'..='\u{9FFF}'     // CJK unified ideographs
        | '\u{FF01}'..='\u{FF5E}'     // full-width forms
    )
}

fn to_nfc(text: &str, rule: RuleId) -> Vec<Splice> {
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return Vec::new();
    }
    let composed: String = text.nfc().collect();
    // `WorkBlock::splice` keeps only the stretch that changed.
    vec![Splice { range: 0..text.len(), text: composed, rule }]
}

/// U+200B zero width space, U+2060 word joiner, U+FEFF inside text. ZWJ and ZWNJ are kept: emoji
/// sequences and Persian or Indic spelling need them.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}

/// The lead bytes in UTF-8 of every character `changed_runs` is given to change: U+00A0 and U+00AD
/// (0xC2), U+2000..U+2060 (0xE2) and U+FEFF (0xEF).
const INVISIBLE_OR_SPACE_LEADS: [u8; 3] = [0xC2, 0xE2, 0xEF];

/// One change per run of characters `matches` picks in `text`, each character becoming what `into`
/// makes of it (nothing for `None`): changes, not a new line, so a huge line is not copied.
/// `matches` may pick only characters that start with one of `INVISIBLE_OR_SPACE_LEADS`: the
/// others are not looked at (the SIMD search skips them), which is most of a long line.
fn changed_runs(
    text: &str,
    matches: impl Fn(char) -> bool,
    into: impl Fn(char) -> Option<char>,
    rule: RuleId,
) -> Vec<Splice> {
    let [a, b, c] = INVISIBLE_OR_SPACE_LEADS;
    let candidates = memchr::memchr3_iter(a, b, c, text.as_bytes())
        .map(|at| (at, text[at..].chars().next().expect("a lead byte starts a character")));
    let mut splices: Vec<Splice> = Vec::new();
    for (at, c) in candidates.filter(|&(_, c)| matches(c)) {
        let end = at + c.len_utf8();
        match splices.last_mut() {
            Some(run) if run.range.end == at => run.range.end = end,
            _ => splices.push(Splice { range: at..end, text: String::new(), rule: rule.clone() }),
        }
        let run = splices.last_mut().expect("pushed above");
        run.text.extend(into(c));
    }
    splices
}

/// No-break space and the typographic spaces U+2000..U+200A, U+205F. The narrow no-break space
/// (U+202F, French punctuation and digit grouping) and the ideographic space (U+3000, CJK text) are
/// kept: they are correct typography, not scraper residue.
fn is_odd_space(c: char) -> bool {
    matches!(c, '\u{A0}' | '\u{2000}'..='\u{200A}' | '\u{205F}')
}

#[cfg(test)]
mod tests {
    use crate::pipeline::Cleaner;

    fn clean(text: &str) -> String {
        Cleaner::new().clean_str(text).0
    }

    #[test]
    fn composes_to_nfc() {
        assert_eq!(clean("Cafe\u{301} de Paris\n"), "Café de Paris\n");
    }

    #[test]
    fn removes_zero_width_and_soft_hyphens() {
        assert_eq!(clean("tele\u{AD}com\u{200B} giant\n"), "telecom giant\n");
    }

    #[test]
    fn plain_spaces_for_no_break_spaces() {
        assert_eq!(clean("Huawei\u{A0}said\u{2009}today\n"), "Huawei said today\n");
    }

    #[test]
    fn trims_trailing_whitespace_but_keeps_crlf_and_missing_final_newline() {
        assert_eq!(clean("one  \r\ntwo\t"), "one\r\ntwo");
    }

    #[test]
    fn keeps_quotes_dashes_ellipses_and_typographic_spaces() {
        let keep = "“Aurora” – the OS… ‘so far’ — 10\u{202F}000 words, 中文\u{3000}文本, emoji 👩\u{200D}💻\n";
        assert_eq!(clean(keep), keep);
    }

    #[test]
    fn the_nfc_fast_path_holds_only_characters_that_are_always_nfc() {
        use unicode_normalization::char::canonical_combining_class;
        let mut checked = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32).filter(|&c| super::always_nfc(c)) {
            assert_eq!(super::is_nfc_quick(std::iter::once(c)), super::IsNormalized::Yes, "U+{:04X}", c as u32);
            assert_eq!(canonical_combining_class(c), 0, "U+{:04X}", c as u32);
            checked += 1;
        }
        assert!(checked > 20_000);
    }

    #[test]
    fn the_byte_scan_finds_what_decoding_every_character_finds() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let mut decoded = super::Found::default();
            decoded.add(c);
            let text = format!("a{c}b");
            let scanned = super::scan(&text);
            let flags = |f: &super::Found| (f.zero_width, f.soft_hyphen, f.odd_space, f.maybe_not_nfc);
            assert_eq!(flags(&scanned), flags(&decoded), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn the_chunked_scan_finds_characters_at_any_offset() {
        // Characters that must still change, past the first chunk and across a chunk's edge.
        for c in ['\u{A0}', '\u{AD}', '\u{200B}', '\u{2009}', '\u{301}'] {
            for pad in [0, 1, 30, 31, 32, 33, 64, 100] {
                let text = format!("{}Кафе{c}x", "a".repeat(pad));
                let scanned = super::scan(&text);
                let mut decoded = super::Found::default();
                text.chars().for_each(|ch| decoded.add(ch));
                let flags = |f: &super::Found| (f.zero_width, f.soft_hyphen, f.odd_space, f.maybe_not_nfc);
                assert_eq!(flags(&scanned), flags(&decoded), "U+{:04X} after {pad}", c as u32);
            }
        }
        assert_eq!(clean("Кафе\u{A0}Пушкин и e\u{301}\n"), "Кафе Пушкин и é\n");
    }

    #[test]
    fn every_character_changed_starts_with_a_searched_lead_byte() {
        let mut changed = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if super::is_zero_width(c) || super::is_odd_space(c) || c == '\u{AD}' {
                let mut utf8 = [0; 4];
                let lead = c.encode_utf8(&mut utf8).as_bytes()[0];
                assert!(super::INVISIBLE_OR_SPACE_LEADS.contains(&lead), "U+{:04X}", c as u32);
                changed += 1;
            }
        }
        assert_eq!(changed, 1 + 11 + 1 + 3 + 1);
        // Runs of them, among other characters with the same lead bytes, still change.
        assert_eq!(clean("“a\u{A0}\u{2009}b” – c\u{200B}\u{FEFF}d\u{AD}e ÿ\u{205F}\u{2060}\n"), "“a  b” – cde ÿ\n");
    }

    #[test]
    fn trailing_no_break_space_is_trimmed() {
        assert_eq!(clean("end\u{A0}\n"), "end\n");
    }
}
