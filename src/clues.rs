//! What one pass over a line's bytes tells the stages: whether it holds a non-ASCII character, a
//! backslash, a byte that may start or end markup, ` .`, a lowercase letter before a capital, `Al`,
//! a blank at its end, a colon, a `[`, an end that is not visible ASCII.
//! Most lines of news hold none of what a given stage looks for, and each stage searching every
//! line for its own bytes cost a few tenths of an instruction a byte each (a fifth of a run on the
//! benchmark corpus, in a dozen separate scans and calls); `WorkBlock` finds the clues of each line
//! once, in one AVX2 pass (a portable one elsewhere), keeps them up to date when a line changes,
//! and a stage skips a line, or a whole block, without a clue it needs in O(1). A clue is a necessary condition only: a
//! line that has it is searched as before.

/// The clues found in a line, one bit each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clues(u16);

impl Clues {
    /// A byte of 0x80 or more: the line is not all ASCII.
    pub const NON_ASCII: Clues = Clues(1);
    /// A `\`: a literal escape may be in the line.
    pub const BACKSLASH: Clues = Clues(1 << 1);
    /// A `&`, `<` or `;`: what a character reference or a tag starts or ends with.
    pub const MARKUP: Clues = Clues(1 << 2);
    /// A space before a full stop (` .`), which every `. .` holds.
    pub const SPACE_PERIOD: Clues = Clues(1 << 3);
    /// An ASCII lowercase letter followed by an ASCII capital (`theStraits`, `iPhone`).
    pub const LOWER_THEN_CAPITAL: Clues = Clues(1 << 4);
    /// `Al`, which `Also on <site>` opens with.
    pub const CAPITAL_A_L: Clues = Clues(1 << 5);
    /// A space or a tab at the end of the line.
    pub const TRAILING_BLANK: Clues = Clues(1 << 6);
    /// A `:`, which every related-link label ends with (a full-width `：` is `NON_ASCII`).
    pub const COLON: Clues = Clues(1 << 7);
    /// Not found in the text but kept with its clues: the prefilter the rules share with the
    /// widgets (`LinePrefilter`) has looked at the line as it is now. A changed line loses it.
    pub const SCREENED: Clues = Clues(1 << 8);
    /// With `SCREENED`: the prefilter found one of its needles, and each stage searches for its own.
    pub const SCREEN_HIT: Clues = Clues(1 << 9);
    /// A `[`, which a text browser's numbered link marks (`[12]`) open.
    pub const BRACKET: Clues = Clues(1 << 10);
    /// A first or last byte that is not visible ASCII: trimming the line may change it (without
    /// this clue, `trim` gives the line as it is).
    pub const RAGGED_EDGE: Clues = Clues(1 << 11);

    /// The clues in `text`.
    pub fn of(text: &str) -> Clues {
        Clues::of_bytes(text.as_bytes())
    }

    /// The clues in `bytes` (of a line not yet checked to be UTF-8: `NON_ASCII` tells whether it
    /// needs the check).
    pub fn of_bytes(bytes: &[u8]) -> Clues {
        if bytes.is_empty() {
            return Clues::default(); // a paragraph's blank separator: nothing to scan
        }
        let trailing = u16::from(matches!(bytes.last(), Some(b' ' | b'\t'))) << 6;
        let ragged = u16::from(!bytes[0].is_ascii_graphic() || !bytes[bytes.len() - 1].is_ascii_graphic()) << 11;
        let edges = trailing | ragged;
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return Clues(unsafe { scan_avx2(bytes) } | edges);
        }
        Clues(scan(bytes) | edges)
    }

    /// True if every clue in `clues` was found.
    pub fn has(self, clues: Clues) -> bool {
        self.0 & clues.0 == clues.0
    }

    /// True if any clue in `clues` was found.
    pub fn has_any(self, clues: Clues) -> bool {
        self.0 & clues.0 != 0
    }
}

impl std::ops::BitOr for Clues {
    type Output = Clues;
    fn bitor(self, other: Clues) -> Clues {
        Clues(self.0 | other.0)
    }
}

impl std::ops::BitOrAssign for Clues {
    fn bitor_assign(&mut self, other: Clues) {
        self.0 |= other.0;
    }
}

/// The clues of one byte alone.
#[inline(always)]
fn byte_clues(b: u8) -> u16 {
    u16::from(b >> 7)
        | u16::from(b == b'\\') << 1
        | u16::from(b == b'&' || b == b'<' || b == b';') << 2
        | u16::from(b == b':') << 7
        | u16::from(b == b'[') << 10
}

/// The clues of a byte and the one after it.
#[inline(always)]
fn pair_clues(b: u8, next: u8) -> u16 {
    u16::from(b == b' ' && next == b'.') << 3
        | u16::from(b.wrapping_sub(b'a') < 26 && next.wrapping_sub(b'A') < 26) << 4
        | u16::from(b == b'A' && next == b'l') << 5
}

/// The bytes `scan` looks at in one step (the pairs starting in them, so it reads one byte more).
const STEP: usize = 32;

// The classes of single bytes `scan_avx2` tells apart, a bit each.
#[cfg(target_arch = "x86_64")]
const BACKSLASH: u8 = 1;
#[cfg(target_arch = "x86_64")]
const AMPERSAND: u8 = 2;
#[cfg(target_arch = "x86_64")]
const ANGLE_OR_SEMICOLON: u8 = 4;
#[cfg(target_arch = "x86_64")]
const COLON: u8 = 8;
#[cfg(target_arch = "x86_64")]
const BRACKET: u8 = 16;
#[cfg(target_arch = "x86_64")]
const SINGLES: [(u8, u8); 6] = [
    (b'\\', BACKSLASH),
    (b'&', AMPERSAND),
    (b'<', ANGLE_OR_SEMICOLON),
    (b';', ANGLE_OR_SEMICOLON),
    (b':', COLON),
    (b'[', BRACKET),
];

/// For each low (high) nybble, the classes of `SINGLES` with a byte that has it.
#[cfg(target_arch = "x86_64")]
const SINGLES_BY_LOW: [u8; 16] = nybble_table(0);
#[cfg(target_arch = "x86_64")]
const SINGLES_BY_HIGH: [u8; 16] = nybble_table(4);

#[cfg(target_arch = "x86_64")]
const fn nybble_table(shift: u32) -> [u8; 16] {
    let mut table = [0u8; 16];
    let mut k = 0;
    while k < SINGLES.len() {
        let (byte, class) = SINGLES[k];
        table[((byte >> shift) & 15) as usize] |= class;
        k += 1;
    }
    table
}

/// `scan` written with AVX2 instructions: each step is two loads, two table lookups for the clues
/// of single bytes and a few compares for those of pairs, one accumulator per clue of a pair (the
/// compiler's own vectorization of `scan` spent half as much again, on blends and on turning each
/// compare into its bit).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scan_avx2(bytes: &[u8]) -> u16 {
    use std::arch::x86_64::*;
    let n = bytes.len();
    if n <= STEP {
        let mut padded = [0u8; STEP + 1];
        padded[..n].copy_from_slice(bytes);
        return scan_avx2(&padded);
    }
    let splat = |b: u8| _mm256_set1_epi8(b as i8);
    // `x` in `from..from + len` (unsigned) as one signed compare: `x - from + 0x80` below `0x80 + len`.
    let in_range = |x: __m256i, from: u8, len: u8| {
        let shifted = _mm256_add_epi8(x, splat(0x80u8.wrapping_sub(from)));
        _mm256_cmpgt_epi8(splat(0x80u8.wrapping_add(len)), shifted)
    };
    let zero = _mm256_setzero_si256();
    // The single bytes (`\`, `&`, `<` or `;`, `:`, `[`) classified at once, each to its own bit,
    // by two table lookups (its low and its high nybble) ANDed: a byte's bit is set in both
    // tables' entries only for the bytes of that class (`SINGLES_BY_LOW[0xB] & SINGLES_BY_HIGH[0x3]`:
    // `;`; `SINGLES_BY_LOW[0xB] & SINGLES_BY_HIGH[0x5]`: `[`). Five compares and their accumulators cost more, and spilled registers.
    // SAFETY: each table is 16 bytes, read whole; the same 16 serve both 128-bit lanes of `pshufb`.
    let (low, high_nybble) = unsafe {
        (
            _mm256_broadcastsi128_si256(_mm_loadu_si128(SINGLES_BY_LOW.as_ptr().cast())),
            _mm256_broadcastsi128_si256(_mm_loadu_si128(SINGLES_BY_HIGH.as_ptr().cast())),
        )
    };
    let nybble = splat(15);
    let (mut high, mut singles, mut space_period, mut camel, mut a_l) = (zero, zero, zero, zero, zero);
    let mut step = |at: usize| {
        debug_assert!(at + STEP < n);
        // SAFETY: `at + STEP < n`, so both loads of 32 bytes, at `at` and `at + 1`, are inside `bytes`.
        let (here, next) = unsafe {
            let p = bytes.as_ptr().add(at);
            (_mm256_loadu_si256(p.cast()), _mm256_loadu_si256(p.add(1).cast()))
        };
        high = _mm256_or_si256(high, here);
        let by_low = _mm256_shuffle_epi8(low, _mm256_and_si256(here, nybble));
        let by_high = _mm256_shuffle_epi8(high_nybble, _mm256_and_si256(_mm256_srli_epi16(here, 4), nybble));
        singles = _mm256_or_si256(singles, _mm256_and_si256(by_low, by_high));
        let space_then_period =
            _mm256_and_si256(_mm256_cmpeq_epi8(here, splat(b' ')), _mm256_cmpeq_epi8(next, splat(b'.')));
        space_period = _mm256_or_si256(space_period, space_then_period);
        camel = _mm256_or_si256(camel, _mm256_and_si256(in_range(here, b'a', 26), in_range(next, b'A', 26)));
        let capital_a_l = _mm256_and_si256(_mm256_cmpeq_epi8(here, splat(b'A')), _mm256_cmpeq_epi8(next, splat(b'l')));
        a_l = _mm256_or_si256(a_l, capital_a_l);
    };
    let mut at = 0;
    while at + STEP < n {
        step(at);
        at += STEP;
    }
    // The bytes from `at` on, in a last step overlapping the one before (it ends one byte short of
    // the line's end: the last byte has no pair, and its own clues are added apart).
    if at < n - 1 {
        step(n - 1 - STEP);
    }
    let found = |acc: __m256i| u16::from(_mm256_movemask_epi8(acc) != 0);
    // The classes of single bytes met anywhere: the 32 bytes of `singles` ORed into one.
    let halves = _mm_or_si128(_mm256_castsi256_si128(singles), _mm256_extracti128_si256(singles, 1));
    let eight = _mm_or_si128(halves, _mm_srli_si128(halves, 8));
    let four = _mm_or_si128(eight, _mm_srli_si128(eight, 4));
    let two = _mm_or_si128(four, _mm_srli_si128(four, 2));
    let one = _mm_or_si128(two, _mm_srli_si128(two, 1));
    let classes = _mm_cvtsi128_si32(one) as u8;
    let met = |class: u8| u16::from(classes & class != 0);
    byte_clues(bytes[n - 1])
        | found(high)
        | met(BACKSLASH) << 1
        | met(AMPERSAND | ANGLE_OR_SEMICOLON) << 2
        | found(space_period) << 3
        | found(camel) << 4
        | found(a_l) << 5
        | met(COLON) << 7
        | met(BRACKET) << 10
}

/// The clues of `bytes`: steps of `STEP` bytes tested without an early exit and folded into one
/// accumulator, so that the compiler vectorizes them. The last step overlaps the one before it
/// rather than going a byte at a time (finding a clue twice changes nothing); a line shorter than
/// a step is padded with zeros, which are no clue and pair with none.
#[inline(always)]
fn scan(bytes: &[u8]) -> u16 {
    let fold = |acc: &mut [u16; STEP], window: &[u8; STEP + 1]| {
        for k in 0..STEP {
            acc[k] |= byte_clues(window[k]) | pair_clues(window[k], window[k + 1]);
        }
    };
    let mut acc = [0u16; STEP];
    let n = bytes.len();
    if n <= STEP {
        let mut padded = [0u8; STEP + 1];
        padded[..n].copy_from_slice(bytes);
        fold(&mut acc, &padded);
    } else {
        let mut at = 0;
        while at + STEP < n {
            fold(&mut acc, bytes[at..=at + STEP].try_into().expect("STEP + 1 bytes"));
            at += STEP;
        }
        // The bytes from `at` on, in the last window (which ends one byte short of the line's end:
        // the last byte has no pair, and its own clues are added apart).
        if at < n - 1 {
            fold(&mut acc, bytes[n - 1 - STEP..n].try_into().expect("STEP + 1 bytes"));
        }
        acc[0] |= byte_clues(bytes[n - 1]);
    }
    acc.iter().fold(0, |clues, &a| clues | a)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The clues found a byte at a time.
    fn byte_by_byte(text: &str) -> Clues {
        let b = text.as_bytes();
        let clues = (0..b.len()).fold(0, |c, k| c | byte_clues(b[k]) | pair_clues(b[k], *b.get(k + 1).unwrap_or(&0)));
        Clues(clues) | edges(text)
    }

    /// The clues of a line's ends: a blank at its end, a first or last byte not visible ASCII.
    fn edges(text: &str) -> Clues {
        let trailing = if text.ends_with([' ', '\t']) { Clues::TRAILING_BLANK } else { Clues::default() };
        let b = text.as_bytes();
        let ragged = !b.is_empty() && (!b[0].is_ascii_graphic() || !b[b.len() - 1].is_ascii_graphic());
        trailing | if ragged { Clues::RAGGED_EDGE } else { Clues::default() }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn the_nybble_tables_classify_each_byte_exactly() {
        for b in 0..=255u8 {
            let class = SINGLES.iter().filter(|(byte, _)| *byte == b).fold(0, |c, (_, class)| c | class);
            assert_eq!(SINGLES_BY_LOW[usize::from(b & 15)] & SINGLES_BY_HIGH[usize::from(b >> 4)], class, "{b:#x}");
        }
    }

    #[test]
    fn each_clue_is_found_wherever_it_stands() {
        for (piece, clue) in [
            ("é", Clues::NON_ASCII),
            ("\\", Clues::BACKSLASH),
            ("&", Clues::MARKUP),
            ("<", Clues::MARKUP),
            (";", Clues::MARKUP),
            (" .", Clues::SPACE_PERIOD),
            ("tS", Clues::LOWER_THEN_CAPITAL),
            ("Al", Clues::CAPITAL_A_L),
            (":", Clues::COLON),
            ("[", Clues::BRACKET),
        ] {
            for len in [0, 1, 5, 30, 31, 32, 33, 34, 63, 64, 65, 100, 355] {
                for at in [0, len / 2, len] {
                    let text = format!("{}{piece}{}", "x".repeat(at), "x".repeat(len - at));
                    assert!(Clues::of(&text).has(clue), "{piece:?} at {at} of {len}");
                    assert_eq!(Clues::of(&text), byte_by_byte(&text), "{text:?}");
                }
            }
        }
        for clean in ["", "x", "The council met on Tuesday.", &"plain words ".repeat(40), "THE END. a . b"] {
            let clues = Clues::of(clean);
            assert!(!clues.has(Clues::NON_ASCII) && !clues.has(Clues::MARKUP), "{clean:?}");
            assert_eq!(clues, byte_by_byte(clean), "{clean:?}");
        }
        assert!(Clues::of("a .b").has(Clues::SPACE_PERIOD) && !Clues::of("a. b").has(Clues::SPACE_PERIOD));
        for len in [0, 1, 31, 32, 33, 64, 65, 100] {
            for at in 0..len {
                let mut bytes = vec![b'x'; len];
                assert!(!Clues::of_bytes(&bytes).has(Clues::NON_ASCII));
                bytes[at] = 0x80;
                assert!(Clues::of_bytes(&bytes).has(Clues::NON_ASCII), "0x80 at {at} of {len}");
            }
        }
        assert!(!Clues::of("ALso aL").has(Clues::CAPITAL_A_L) && !Clues::of("Tt").has(Clues::LOWER_THEN_CAPITAL));
    }

    #[test]
    fn a_stage_still_changes_a_line_with_its_clue_and_skips_one_without() {
        let cleaner = crate::pipeline::Cleaner::new();
        for (clue, changes, skipped) in [
            (Clues::BACKSLASH, "He said.\\nThe minister left.\n", "He said. The minister left.\n"),
            (Clues::LOWER_THEN_CAPITAL, "She writes for theStraits Times.\n", "She writes for the Straits Times.\n"),
            (Clues::MARKUP, "Shares of AT&amp;T rose.\n", "Shares of AT and T rose.\n"),
            (Clues::MARKUP, "He said quot;noquot; twice.\n", "He said no twice.\n"),
            (Clues::SPACE_PERIOD, "It ran the basic application. .\n", "It ran the basic application.\n"),
            (
                Clues::CAPITAL_A_L,
                "Talks ended. Also on rt.com Russia & China agree to trade during Putin-Xi meetingAurora is a system.\n",
                "Talks ended. Aurora is a system.\n",
            ),
        ] {
            assert!(Clues::of(changes).has(clue) && !Clues::of(skipped).has(clue), "{changes:?}");
            assert_ne!(cleaner.clean_str(changes).0, changes, "{changes:?}");
            assert_eq!(cleaner.clean_str(skipped).0, skipped, "{skipped:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn non_ascii_is_not_str_is_ascii(s in "[ a-z\u{7f}é]{0,100}") {
            proptest::prop_assert_eq!(Clues::of(&s).has(Clues::NON_ASCII), !s.is_ascii());
        }

        #[test]
        fn the_vector_scan_finds_what_a_byte_loop_finds(s in "[ a-zA-Z.\\\\&<;:\\[lé更\t]{0,120}") {
            proptest::prop_assert_eq!(Clues::of(&s), byte_by_byte(&s));
            proptest::prop_assert_eq!(Clues(scan(s.as_bytes())) | edges(&s), byte_by_byte(&s));
        }

        #[test]
        fn a_line_without_a_ragged_edge_trims_to_itself(s in "[ a-z.\u{a0}\u{3000}é\t\u{1}]{0,12}") {
            if !Clues::of(&s).has(Clues::RAGGED_EDGE) {
                proptest::prop_assert_eq!(s.trim(), s.as_str());
            }
        }
    }
}
