//! ftfy's "badness" heuristic, as code instead of one large regex: characters that occur in
//! mojibake are sorted into categories, and sequences that are unlikely in real text (a lowercase
//! accented letter followed by a currency sign, `вЂ`, `Ã` before a no-break space...) count as bad.
//! The scan is the mojibake stage's fast path, so it skips what cannot take part in such a sequence.

use super::tables;

const COMMON: u16 = 1;
const C1: u16 = 1 << 1;
const BAD: u16 = 1 << 2;
const LAW: u16 = 1 << 3;
const CURRENCY: u16 = 1 << 4;
const START: u16 = 1 << 5;
const END: u16 = 1 << 6;
const NUMERIC: u16 = 1 << 7;
const KAOMOJI: u16 = 1 << 8;
const UPPER_ACCENTED: u16 = 1 << 9;
const LOWER_ACCENTED: u16 = 1 << 10;
const UPPER_COMMON: u16 = 1 << 11;
const LOWER_COMMON: u16 = 1 << 12;
const BOX: u16 = 1 << 13;
/// `Ђ`, which ftfy's rules name literally (`вЂ`, `ГўВЂВ`) though it is a plain Cyrillic letter.
const DJE: u16 = 1 << 14;
/// Every bad sequence has a character of these categories among its last four; stretches made only
/// of the others (Cyrillic and Greek letters, `’`, `—`) are skipped quickly.
const INTERESTING: u16 = !(COMMON | UPPER_COMMON | LOWER_COMMON);

const CATEGORY_SETS: [(&[char], u16); 14] = [
    (tables::CAT_COMMON, COMMON),
    (tables::CAT_C1, C1),
    (tables::CAT_BAD, BAD),
    (tables::CAT_LAW, LAW),
    (tables::CAT_CURRENCY, CURRENCY),
    (tables::CAT_START_PUNCTUATION, START),
    (tables::CAT_END_PUNCTUATION, END),
    (tables::CAT_NUMERIC, NUMERIC),
    (tables::CAT_KAOMOJI, KAOMOJI),
    (tables::CAT_UPPER_ACCENTED, UPPER_ACCENTED),
    (tables::CAT_LOWER_ACCENTED, LOWER_ACCENTED),
    (tables::CAT_UPPER_COMMON, UPPER_COMMON),
    (tables::CAT_LOWER_COMMON, LOWER_COMMON),
    (tables::CAT_BOX, BOX),
];

/// Categories of U+0000..U+04FF (Latin, Greek, Cyrillic), looked up directly.
const DENSE: usize = 0x500;
static CATEGORIES_LOW: [u16; DENSE] = {
    let mut table = [0u16; DENSE];
    let mut s = 0;
    while s < CATEGORY_SETS.len() {
        let (set, bit) = CATEGORY_SETS[s];
        let mut k = 0;
        while k < set.len() {
            if (set[k] as usize) < DENSE {
                table[set[k] as usize] |= bit;
            }
            k += 1;
        }
        s += 1;
    }
    table['Ђ' as usize] |= DJE;
    table
};

fn categories(c: char) -> u16 {
    let code = c as usize;
    if code < DENSE {
        return CATEGORIES_LOW[code];
    }
    // Above U+04FF, only punctuation, symbols, box drawing and a few odd characters are categorized.
    if !matches!(code, 0x2013..=0x25CA | 0xF8FF | 0xFB01 | 0xFB02 | 0xFFFD) {
        return 0;
    }
    CATEGORY_SETS.iter().filter(|(set, _)| set.binary_search(&c).is_ok()).fold(0, |acc, (_, bit)| acc | bit)
}

/// The last eight characters read, with the categories of the last four packed in one word (the
/// scan runs over every character of non-Latin lines, so pushing must be cheap).
struct Window {
    chars: [char; 8],
    pos: usize,
    filled: usize,
    cats: u64,
}

/// `INTERESTING` in each of the four 16-bit lanes of `Window::cats`.
const INTERESTING_LANES: u64 = INTERESTING as u64 * 0x0001_0001_0001_0001;

impl Window {
    fn new() -> Self {
        Window { chars: ['\0'; 8], pos: 0, filled: 0, cats: 0 }
    }

    fn clear(&mut self) {
        self.filled = 0;
        self.cats = 0;
    }

    #[inline]
    fn push(&mut self, c: char) {
        self.pos = self.pos.wrapping_add(1);
        self.chars[self.pos & 7] = c;
        self.cats = (self.cats << 16) | u64::from(categories(c));
        self.filled = (self.filled + 1).min(8);
    }

    /// True if one of the last four characters can take part in a bad sequence.
    fn near_interesting(&self) -> bool {
        self.cats & INTERESTING_LANES != 0
    }

    fn char(&self, back: usize) -> Option<char> {
        (back < self.filled).then(|| self.chars[self.pos.wrapping_sub(back) & 7])
    }

    fn cats(&self, back: usize) -> u16 {
        match back {
            0..4 => (self.cats >> (16 * back)) as u16,
            _ => self.char(back).map_or(0, categories),
        }
    }

    fn is(&self, back: usize, set: &[char]) -> bool {
        self.char(back).is_some_and(|c| set.contains(&c))
    }

    fn has(&self, back: usize, cats: u16) -> bool {
        self.cats(back) & cats != 0
    }

    fn test(&self, back: usize, pred: impl Fn(char) -> bool) -> bool {
        self.char(back).is_some_and(pred)
    }
}

/// ftfy's `is_bad`: true if the text contains a sequence that is much more likely mojibake than
/// intended text. Every such sequence ends within four characters of an `INTERESTING` one and
/// starts at most three before it, so the scan jumps over ASCII (64 bytes at a time), Russian letters
/// and CJK ideographs when no interesting character is near, and evaluates the rules only near one.
pub fn looks_bad(text: &str) -> bool {
    if text.starts_with("Ã ") || text.starts_with("Â ") {
        return true; // ftfy: ^[ÃÂ][ ]
    }
    let bytes = text.as_bytes();
    let Some(mut i) = next_non_ascii(bytes, 0) else { return false };
    let mut window = Window::new();
    for &b in &bytes[i.saturating_sub(3)..i] {
        window.push(char::from(b));
    }
    while i < bytes.len() {
        if !window.near_interesting() {
            let start = i;
            i = skip_plain(bytes, i);
            if i == bytes.len() {
                return false;
            }
            // Keep the three characters before the next one: they can start a bad sequence.
            let from = (0..3).fold(i, |k, _| if k > start { previous_boundary(bytes, k) } else { k });
            if from > start {
                window.clear();
            }
            let mut k = from;
            while k < i {
                let (c, width) = decode_at(bytes, k);
                window.push(c);
                k += width;
            }
        }
        let (c, width) = decode_at(bytes, i);
        i += width;
        window.push(c);
        if window.near_interesting() && bad_sequence_ends_here(&window) {
            return true;
        }
    }
    false
}

/// Skips characters that cannot take part in a bad sequence here: ASCII; the common characters
/// that are not `INTERESTING` (Cyrillic U+0400..U+047F but `Ђ`, CJK ideographs U+4000..U+9FFF,
/// dashes, `’`, `…`); and any other character with ASCII on both sides, unless it can make a bad
/// sequence alone. Returns where the next other character starts, or the end.
fn skip_plain(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            // A single space or punctuation mark between words of another script is common.
            0x00..=0x7F if bytes.get(i + 1).is_some_and(|&b| b >= 0x80) => i += 1,
            0x00..=0x7F => match next_non_ascii(bytes, i) {
                Some(next) => i = next,
                None => return bytes.len(),
            },
            0xD0 if bytes[i + 1] == 0x82 => return i, // Ђ
            0xD0 | 0xD1 => i = skip_cyrillic(bytes, i + 2),
            0xE2 if bytes[i + 1] == 0x80 && matches!(bytes[i + 2], 0x93..=0x95 | 0x99 | 0xA6) => i += 3,
            0xE4..=0xE9 => i += 3,
            lead => {
                // A bad sequence has two adjacent non-ASCII characters, or a C1 control, `Œ`, `œ`,
                // `Ã` or `Â`: any other character between two ASCII ones (`“We`, `”.`) is plain here.
                let width = match lead {
                    0xC0..=0xDF => 2,
                    0xE0..=0xEF => 3,
                    _ => 4,
                };
                let single = lead == 0xC2 && bytes[i + 1] < 0xA0
                    || lead == 0xC3 && matches!(bytes[i + 1], 0x82 | 0x83)
                    || lead == 0xC5 && matches!(bytes[i + 1], 0x92 | 0x93);
                let after_ascii = i == 0 || bytes[i - 1] < 0x80;
                let before_ascii = bytes.get(i + width).is_none_or(|&b| b < 0x80);
                if single || !after_ascii || !before_ascii {
                    return i;
                }
                i += width;
            }
        }
    }
    i
}

/// Skips a run of Cyrillic letters U+0400..U+047F but `Ђ` (two-byte sequences led by 0xD0 or
/// 0xD1), two at a time: Russian text is a long run of them.
fn skip_cyrillic(bytes: &[u8], mut i: usize) -> usize {
    const DJE: u32 = 0x82D0; // `Ђ`, little-endian
    while let Some(pair) = bytes.get(i..i + 4) {
        let word = u32::from_le_bytes(pair.try_into().expect("4 bytes"));
        if word & 0xC0FE_C0FE != 0x80D0_80D0 || word & 0xFFFF == DJE || word >> 16 == DJE {
            break;
        }
        i += 4;
    }
    i
}

/// The start of the character before the one starting at `i` (> 0).
fn previous_boundary(bytes: &[u8], mut i: usize) -> usize {
    i -= 1;
    while i > 0 && bytes[i] & 0xC0 == 0x80 {
        i -= 1;
    }
    i
}

/// The character starting at byte `i` of valid UTF-8, and its width.
fn decode_at(bytes: &[u8], i: usize) -> (char, usize) {
    let b0 = u32::from(bytes[i]);
    let cont = |k: usize| u32::from(bytes[i + k] & 0x3F);
    let (code, width) = match b0 {
        0x00..=0x7F => (b0, 1),
        0xC0..=0xDF => (((b0 & 0x1F) << 6) | cont(1), 2),
        0xE0..=0xEF => (((b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3),
        _ => (((b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3), 4),
    };
    (char::from_u32(code).expect("the text is valid UTF-8"), width)
}

/// The index of the first byte at or after `from` that is not ASCII, checking 64 bytes at a time.
fn next_non_ascii(bytes: &[u8], from: usize) -> Option<usize> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let word = |chunk: &[u8]| u64::from_le_bytes(chunk.try_into().expect("8-byte chunk")) & HIGH;
    // The first byte with its high bit set, in a word whose bytes are in memory order.
    let first = |high: u64| (high.trailing_zeros() / 8) as usize;
    let rest = &bytes[from..];
    let n = rest.len();
    let mut i = 0;
    let block_is_ascii = |block: &[u8]| {
        let block: &[u8; 64] = block.try_into().expect("64-byte block");
        (0..8).fold(0, |any, k| any | u64::from_le_bytes(*block[8 * k..].first_chunk().expect("8 bytes"))) & HIGH == 0
    };
    while let Some(block) = rest.get(i..i + 64) {
        if !block_is_ascii(block) {
            break;
        }
        i += 64;
    }
    // Most lines are ASCII: one more, overlapping block settles the rest of a line of 64 bytes or more.
    if i < n && n >= 64 && i + 64 > n && block_is_ascii(&rest[n - 64..]) {
        return None;
    }
    while i + 8 <= n {
        let high = word(&rest[i..i + 8]);
        if high != 0 {
            return Some(from + i + first(high));
        }
        i += 8;
    }
    if n >= 8 {
        // The last, overlapping word: its bytes before `i` are known to be ASCII.
        let high = word(&rest[n - 8..]);
        return (high != 0).then(|| from + n - 8 + first(high));
    }
    rest.iter().position(|&b| b >= 0x80).map(|p| from + p)
}

/// ftfy's `BADNESS_RE`, one alternative per line, each matched as ending at the current character.
fn bad_sequence_ends_here(w: &Window) -> bool {
    // Every alternative has an interesting character last or next to last, except `ГўВЂВ.[A-Za-z ]`.
    if (w.cats(0) | w.cats(1)) & INTERESTING == 0 && w.char(3) != Some('Ђ') {
        return false;
    }
    matches_badness_rule(w)
}

fn matches_badness_rule(w: &Window) -> bool {
    const ACCENTED: u16 = UPPER_ACCENTED | LOWER_ACCENTED;
    let latin = |c: char| c.is_ascii_alphabetic();
    let lower = |c: char| c.is_ascii_lowercase();
    let space = |c: char| c.is_whitespace();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let odd_middle = C1 | BAD | START | END | CURRENCY;
    let cyrillic_ends = ['В', 'Г', 'Р', 'С'];
    let greek_ends = ['Β', 'Γ', 'Ξ', 'Ο'];
    let s_ord = ['Ÿ', 'Š', '®', '°', 'µ', '»'];
    let ord_middle =
        |w: &Window, back: usize| w.has(back, COMMON | CURRENCY | BAD | NUMERIC | START) || w.is(back, &s_ord);
    w.has(0, C1)
        || (w.has(1, BAD | ACCENTED | BOX | START | END | CURRENCY | NUMERIC | LAW) && w.has(0, BAD))
        || (w.test(2, latin) && w.has(1, LOWER_COMMON | UPPER_COMMON) && w.has(0, BAD))
        || (w.has(1, BAD) && w.has(0, ACCENTED | BOX | START | END | CURRENCY | NUMERIC | LAW))
        || (w.has(1, LOWER_ACCENTED | LOWER_COMMON | BOX | END | CURRENCY | NUMERIC) && w.has(0, UPPER_ACCENTED))
        || (w.has(1, BOX | END | CURRENCY | NUMERIC) && w.has(0, LOWER_ACCENTED))
        || (w.has(1, LOWER_ACCENTED | BOX | END) && w.has(0, CURRENCY))
        || (w.test(2, space) && w.has(1, UPPER_ACCENTED) && w.has(0, CURRENCY))
        || (w.has(1, UPPER_ACCENTED | BOX) && w.has(0, NUMERIC | LAW))
        || (w.has(2, ACCENTED | BOX | CURRENCY | END) && w.has(1, START) && w.has(0, NUMERIC))
        || (w.has(2, ACCENTED | CURRENCY | NUMERIC | BOX | LAW) && w.has(1, END) && w.has(0, START))
        || (w.has(1, CURRENCY | NUMERIC | BOX) && w.has(0, START))
        || (w.test(2, lower) && w.has(1, UPPER_ACCENTED) && w.has(0, START | CURRENCY))
        || (w.has(1, BOX) && w.has(0, KAOMOJI))
        || (w.has(1, ACCENTED | CURRENCY | NUMERIC | START | END | LAW) && w.has(0, BOX))
        || (w.has(1, BOX) && w.has(0, END))
        || (w.has(2, ACCENTED) && w.has(1, START | END) && w.test(0, word))
        || (w.is(1, &['Œ', 'œ']) && w.test(0, |c| !latin(c)))
        || (w.has(1, UPPER_ACCENTED) && w.is(0, &['°']))
        || (w.is(1, &['Â', 'Ã', 'Î', 'Ð'])
            && (w.is(0, &['€', 'œ', 'Š', 'š', '¢', '£', 'Ÿ', 'ž', '\u{A0}', '\u{AD}', '®', '©', '°', '·', '»'])
                || w.has(0, START | END)
                || w.is(0, &['–', '—', '´'])))
        || (w.is(1, &['×']) && w.is(0, &['²', '³']))
        || (w.is(3, &['Ø', 'Ù']) && ord_middle(w, 2) && w.is(1, &['Ø', 'Ù']) && ord_middle(w, 0))
        || (w.is(1, &['à']) && w.is(0, &['²', 'µ', '¹', '¼', '½', '¾']))
        || (w.is(1, &['√']) && w.is(0, &['±', '∂', '†', '≠', '®', '™', '´', '≤', '≥', '¥', 'µ', 'ø']))
        || (w.is(1, &['≈']) && w.is(0, &['°', '¢']))
        || (w.is(2, &['‚'])
            && w.is(1, &['Ä'])
            && w.is(0, &['ì', 'î', 'ï', 'ò', 'ô', 'ú', 'ù', 'û', '†', '°', '¢', 'π']))
        || (w.is(2, &['‚']) && w.is(1, &['â', 'ó']) && w.is(0, &['à', 'ä', '°', 'ê']))
        || (w.is(1, &['в']) && w.is(0, &['Ђ']))
        || (w.is(2, &cyrillic_ends) && (w.has(1, odd_middle) || w.is(1, &['°', 'µ'])) && w.is(0, &cyrillic_ends))
        || (w.is(6, &['Г'])
            && w.is(5, &['ў'])
            && w.is(4, &['В'])
            && w.is(3, &['Ђ'])
            && w.is(2, &['В'])
            && w.test(1, |c| c != '\n')
            && w.test(0, |c| latin(c) || c == ' '))
        || (w.is(1, &['Ã']) && w.is(0, &['\u{A0}', '¡']))
        || (w.test(2, lower) && w.is(1, &['Ã', 'Â']) && w.is(0, &[' ']))
        || (w.test(3, lower) && w.test(2, space) && w.is(1, &['Ã', 'Â']) && w.is(0, &[' ']))
        || ((w.test(2, |c| lower(c) || ".,?!".contains(c)) || w.has(2, END))
            && w.is(1, &['Â'])
            && (w.is(0, &[' ']) || w.has(0, START | END)))
        || (w.is(2, &['β']) && w.is(1, &['€']) && w.is(0, &['™', '\u{A0}', 'Ά', '\u{AD}', '®', '°']))
        || (w.is(2, &greek_ends) && (w.has(1, odd_middle) || w.is(1, &['°'])) && w.is(0, &greek_ends))
        || (w.is(1, &['ā']) && w.is(0, &['€']))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan's shortcuts (skipping plain stretches, isolated characters, the rule gate) give the
    /// same answer as trying every rule at every character.
    #[test]
    fn the_badness_scan_agrees_with_trying_every_rule_everywhere() {
        fn slowly(text: &str) -> bool {
            let mut w = Window::new();
            text.starts_with("Ã ")
                || text.starts_with("Â ")
                || text.chars().any(|c| {
                    w.push(c);
                    matches_badness_rule(&w)
                })
        }
        let mut pool: Vec<char> =
            crate::stages::mojibake::CODECS.iter().flat_map(|c| c.upper.iter().copied()).collect();
        pool.extend("abcXYZ .,?!'_09ЂВГРСвўΒΓΞΟβ€ā√≈‚×°ÂÃÎÐØÙОоёЁ华为\u{FFFD}".chars());
        pool.extend(std::iter::repeat_n('e', 40));
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut bad = 0;
        for _ in 0..100_000 {
            let len = 1 + next(10);
            let text: String = (0..len).map(|_| pool[next(pool.len())]).collect();
            assert_eq!(looks_bad(&text), slowly(&text), "{text:?}");
            bad += usize::from(slowly(&text));
        }
        assert!(bad > 5_000, "the sample exercises the rules ({bad} bad)");
    }

    #[test]
    fn the_badness_scan_agrees_with_ftfy_examples() {
        assert!(looks_bad("Ã¡."));
        assert!(looks_bad("\u{80}"));
        assert!(looks_bad("Huaweiâ€™s"));
        assert!(!looks_bad("Hello, World!\u{A0}"));
        assert!(!looks_bad("Всем привет, мир!"));
        assert!(!looks_bad("This (®»˝”›™²³¹±¼½¾×µ÷⁄∂∆) is text."));
        assert!(!looks_bad("Один два απο ένα δύο α-ωάέήίΰа-џ 123 £$%"));
    }

    #[test]
    fn every_categorized_character_is_found() {
        for (set, bit) in CATEGORY_SETS {
            assert!(set.is_sorted(), "binary search needs sorted sets");
            for &c in set {
                assert_ne!(categories(c) & bit, 0, "U+{:04X}", c as u32);
            }
        }
    }
}
