//! How common a run of four bytes is in news text, from counts over real news articles
//! (`scripts/fourgram_table.py` wrote `fourgrams.bin`): the rules' SIMD prefilter fingerprints
//! each needle by its first four bytes, and a needle whose first bytes open common words (`oper`
//! of `operation system` opens `operating`, `developer`, `cooperation`) makes a candidate of each
//! of them. Any part of a literal is as necessary a condition as the whole, so the filter looks
//! for a needle from its rarest four bytes on (`n system`).

/// The bytes a window is judged by: what Teddy fingerprints at most.
const WINDOW: usize = 4;
/// A needle cut to its rarest window keeps at least this many bytes (or all of them): what is
/// left must still be rare as a whole, or the filter lets through every line holding it.
const MIN_KEPT: usize = 8;

/// 16 * log2(1 + count) of the most common run of four bytes (ASCII letters folded) hashing to
/// each cell, over 181 news articles.
static FOURGRAMS: &[u8; 65536] = include_bytes!("fourgrams.bin");

/// The cell of a run of four bytes in `FOURGRAMS` (as `scripts/fourgram_table.py` computes it).
fn cell(gram: [u8; WINDOW]) -> usize {
    let word = u32::from_le_bytes(gram.map(|b| b.to_ascii_lowercase()));
    (word.wrapping_mul(0x9E37_79B1) >> 16) as usize
}

/// How common `gram` is in news text: 0 for a run never counted, up to 255.
fn commonness(gram: [u8; WINDOW]) -> u8 {
    FOURGRAMS[cell(gram)]
}

/// `needle` from its least common four bytes on, keeping at least `MIN_KEPT` bytes (the first
/// of equally common windows: the longest such suffix). A shorter needle stays whole.
pub fn from_rarest_window(needle: &str) -> &str {
    let bytes = needle.as_bytes();
    let gram = |k: usize| -> [u8; WINDOW] { bytes[k..k + WINDOW].try_into().expect("a window is WINDOW bytes") };
    if bytes.len() <= MIN_KEPT {
        return needle;
    }
    let mut best = (0, commonness(gram(0)));
    for start in (1..=bytes.len() - MIN_KEPT).filter(|&k| needle.is_char_boundary(k)) {
        let common = commonness(gram(start));
        if common < best.1 {
            best = (start, common);
        }
    }
    &needle[best.0..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_openings_are_passed_over_for_rarer_bytes_inside() {
        // `oper`, `smar` and `ight` open or end words of every day's news; the runs
        // across the space do not.
        let words: [&[u8; 4]; 7] = [b"oper", b"smar", b"ight", b"the ", b"tion", b"and ", b"Deve"];
        for word in words {
            assert!(commonness(*word) > 80, "{:?}: {}", String::from_utf8_lossy(word), commonness(*word));
        }
        for (needle, window) in [
            ("operation system", "n system"),
            ("smart phone", "rt phone"),
            ("ights reserved", "hts reserved"),
            ("OPERATION SYSTEM", "N SYSTEM"),
        ] {
            assert_eq!(from_rarest_window(needle), window, "{needle:?}");
        }
        assert!(commonness(*b"n sy") < commonness(*b"oper"));
    }

    #[test]
    fn a_window_is_a_long_enough_suffix_on_a_character_boundary() {
        for needle in ["Tags:", "AP", "Подробнее", "查看原文", "Leer más", "声明：", "ull Story", "Читать далее"]
        {
            let window = from_rarest_window(needle);
            assert!(needle.ends_with(window), "{needle:?} {window:?}");
            assert!(window.len() >= MIN_KEPT.min(needle.len()), "{needle:?} {window:?}");
        }
        assert_eq!(from_rarest_window("Tags:"), "Tags:");
    }
}
