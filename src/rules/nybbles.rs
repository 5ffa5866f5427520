//! A SIMD filter telling whether a line may hold one of a few dozen needles (the rules' and the
//! widgets' shared prefilter): at each position, the next three or four bytes are matched against
//! eight buckets of nybble fingerprints at once, 32 positions a step (Teddy's idea), and the rare
//! position that passes is confirmed by a bitset of the needles' first bytes, then in full. Unlike
//! a Teddy searcher it never says which needle, so its buckets can be filled by how alike their
//! needles are, and a candidate costs one bit test rather than a walk through a bucket's needles.

/// Needles filtered by one `NybbleFilter` at most: past this, eight buckets let too many
/// positions through (Teddy searchers take over).
const MAX_NEEDLES: usize = 128;
/// Buckets of one step: a byte of bucket bits from each table lookup.
const BUCKETS: usize = 8;
/// Positions looked at in one step (one AVX2 register of bytes).
const STEP: usize = 32;
/// Bits of the bitset of the needles' first bytes (512 bytes: stays in the L1 cache).
const SEEN_BITS: u32 = 12;

/// Rough share of `byte` among the bytes of news text (lowercase letters as measured on the
/// benchmark corpus, in per mille): what the bucket assignments weigh a fingerprint's bytes by.
fn byte_share(byte: u8) -> f64 {
    const LOWERCASE: [u8; 26] =
        [56, 8, 26, 29, 98, 19, 14, 33, 59, 1, 6, 31, 23, 54, 59, 23, 1, 46, 59, 65, 15, 8, 13, 2, 15, 1];
    match byte {
        b' ' => 0.15,
        b'a'..=b'z' => f64::from(LOWERCASE[usize::from(byte - b'a')]) / 1000.0,
        b'.' | b',' => 0.008,
        b'A'..=b'Z' | b'0'..=b'9' | b'-' => 0.0008,
        0xC0.. => 0.001,
        _ => 0.0003,
    }
}

/// The bytes a bucket lets through at each position of its fingerprint: per position, the set of
/// low nybbles and the set of high nybbles of its needles' bytes there; a byte passes if both of
/// its nybbles are in them. So `Tags` and `flat` in one bucket let `dags` and `Tlat` through too:
/// the more unlike the needles sharing a bucket, the more candidates.
#[derive(Clone, Copy)]
pub struct Fingerprint {
    low: [u16; 4],
    high: [u16; 4],
}

impl Fingerprint {
    pub fn of(needle: &[u8]) -> Self {
        let mut print = Fingerprint { low: [0; 4], high: [0; 4] };
        for (k, &b) in needle.iter().take(4).enumerate() {
            print.low[k] |= 1 << (b & 15);
            print.high[k] |= 1 << (b >> 4);
        }
        print
    }

    pub fn union(self, other: Self) -> Self {
        let mut print = self;
        for k in 0..4 {
            print.low[k] |= other.low[k];
            print.high[k] |= other.high[k];
        }
        print
    }

    /// The estimated share of positions where a bucket of this fingerprint (`len` bytes) reports a
    /// candidate, each byte weighed by `byte_share`, as if bytes were independent.
    pub fn candidate_rate(&self, len: usize) -> f64 {
        let sums = share_sums();
        (0..len)
            .map(|k| {
                let low = usize::from(self.low[k]);
                // The high nybbles present, lowest first (as a scan of all sixteen adds them): a
                // bucket has a few, and this runs tens of thousands of times at start-up.
                let mut highs = self.high[k];
                let mut sum = 0.0;
                while highs != 0 {
                    let h = highs.trailing_zeros() as usize;
                    sum += sums[h][0][low & 0xFF] + sums[h][1][low >> 8];
                    highs &= highs - 1;
                }
                sum
            })
            .product()
    }
}

/// Per high nybble, the summed `byte_share` of the bytes whose low nybbles are in a set, by the
/// set's low eight bits and by its high eight (what `candidate_rate` adds up: 128 sums a bucket
/// where it added each byte's share).
fn share_sums() -> &'static [[[f64; 256]; 2]; 16] {
    static SUMS: std::sync::OnceLock<Box<[[[f64; 256]; 2]; 16]>> = std::sync::OnceLock::new();
    SUMS.get_or_init(|| {
        let mut sums = Box::new([[[0.0; 256]; 2]; 16]);
        for (high, halves) in sums.iter_mut().enumerate() {
            for (half, table) in halves.iter_mut().enumerate() {
                for (set, sum) in table.iter_mut().enumerate() {
                    *sum = (0..8)
                        .filter(|bit| set & 1 << bit != 0)
                        .map(|bit| byte_share((high << 4 | (half * 8 + bit)) as u8))
                        .sum();
                }
            }
        }
        sums
    })
}

/// `prints` merged, two at a time where merging adds the fewest estimated candidates, into at
/// most `buckets` groups of at most `cap` prints each: per print, the group it ends in (numbered
/// from 0), or `None` where the cap leaves more groups than buckets.
///
/// Of equal costs, the pair first in (lower, higher) order is merged. Each group keeps its
/// cheapest partner among the groups after it (`best`), so a merge rescans only the rows it
/// touched rather than every pair: the same merges as scanning all pairs each time, at a
/// fraction of the cost (that scan was a fifth of the built-in rules' start-up).
pub fn merge_into(prints: &[Fingerprint], len: usize, buckets: usize, cap: usize) -> Option<Vec<usize>> {
    let n = prints.len();
    let mut prints = prints.to_vec();
    let mut members: Vec<usize> = vec![1; n];
    let mut rates: Vec<f64> = prints.iter().map(|p| p.candidate_rate(len)).collect();
    let mut alive: Vec<bool> = vec![true; n];
    let mut group_of: Vec<usize> = (0..n).collect();
    let merge_cost = |a: usize, b: usize, prints: &[Fingerprint], rates: &[f64]| {
        prints[a].union(prints[b]).candidate_rate(len) - rates[a] - rates[b]
    };
    let mut costs: Vec<Vec<f64>> = (0..n)
        .map(|a| (0..n).map(|b| if a < b { merge_cost(a, b, &prints, &rates) } else { f64::INFINITY }).collect())
        .collect();
    // Row `a`'s cheapest partner `b > a` that fits under the cap (the first of equal costs).
    // (A pair costing infinity, or no number, is never merged.)
    let row_best = |a: usize, costs: &[Vec<f64>], alive: &[bool], members: &[usize]| {
        let mut best = (f64::INFINITY, usize::MAX);
        for b in (a + 1..n).filter(|&b| alive[b] && members[a] + members[b] <= cap) {
            if costs[a][b] < best.0 {
                best = (costs[a][b], b);
            }
        }
        (best.1 != usize::MAX).then_some(best)
    };
    let mut best: Vec<Option<(f64, usize)>> = (0..n).map(|a| row_best(a, &costs, &alive, &members)).collect();
    for _ in buckets..n {
        let mut pick: Option<(f64, usize, usize)> = None;
        for a in (0..n).filter(|&a| alive[a]) {
            if let Some((cost, b)) = best[a]
                && pick.is_none_or(|(least, _, _)| cost < least)
            {
                pick = Some((cost, a, b));
            }
        }
        let (_, a, b) = pick?; // `None`: no two fit under the cap
        prints[a] = prints[a].union(prints[b]);
        rates[a] = prints[a].candidate_rate(len);
        members[a] += members[b];
        alive[b] = false;
        best[b] = None;
        group_of.iter_mut().filter(|g| **g == b).for_each(|g| *g = a);
        for other in (0..n).filter(|&o| alive[o] && o != a) {
            let (x, y) = (a.min(other), a.max(other));
            costs[x][y] = merge_cost(x, y, &prints, &rates);
        }
        best[a] = row_best(a, &costs, &alive, &members);
        for x in (0..n).filter(|&x| alive[x] && x != a) {
            match best[x] {
                // Its partner is gone or changed: the row is looked at again.
                Some((_, y)) if y == a || y == b => best[x] = row_best(x, &costs, &alive, &members),
                // Only the pair with `a`, earlier in the row, may now beat it.
                Some((cost, y)) if x < a && members[x] + members[a] <= cap => {
                    let with_a = costs[x][a];
                    if with_a < cost || (with_a == cost && a < y) {
                        best[x] = Some((with_a, a));
                    }
                }
                Some(_) => {}
                None if x < a => best[x] = row_best(x, &costs, &alive, &members),
                None => {}
            }
        }
    }
    // The surviving groups numbered 0, 1, … in their order.
    let mut number = vec![0; n];
    for (k, g) in (0..n).filter(|&g| alive[g]).enumerate() {
        number[g] = k;
    }
    Some(group_of.iter().map(|&g| number[g]).collect())
}

/// The filter: per fingerprint position, the bucket bits of each low and each high nybble, and
/// the needles by their first `width` bytes.
#[derive(Clone)]
pub struct NybbleFilter {
    /// Fingerprint bytes: the shortest needle's length, 3 or 4.
    width: usize,
    /// The bits of four bytes read as a number that make a key of `width` bytes.
    key_mask: u32,
    low: [[u8; 16]; 4],
    high: [[u8; 16]; 4],
    /// A bit per hash of a needle's first `width` bytes.
    seen: Box<[u64]>,
    /// The needles, sorted by the key of their first `width` bytes.
    needles: Vec<(u32, Box<[u8]>)>,
}

impl NybbleFilter {
    /// The filter for `needles`, or `None` where it cannot serve: a needle shorter than three
    /// bytes, more than `MAX_NEEDLES`, or a CPU without AVX2.
    pub fn new(needles: &[&str]) -> Option<Self> {
        if needles.is_empty() || needles.len() > MAX_NEEDLES || !has_avx2() {
            return None;
        }
        let width = needles.iter().map(|n| n.len()).min()?.min(4);
        if width < 3 {
            return None;
        }
        Some(Self::build(needles, width))
    }

    fn build(needles: &[&str], width: usize) -> Self {
        // Needles with the same first bytes share a fingerprint: one print each.
        let mut heads: Vec<&[u8]> = needles.iter().map(|n| &n.as_bytes()[..width]).collect();
        heads.sort_unstable();
        heads.dedup();
        let prints: Vec<Fingerprint> = heads.iter().map(|h| Fingerprint::of(h)).collect();
        let groups = merge_into(&prints, width, BUCKETS, usize::MAX).expect("no cap: merging always succeeds");
        let mut low = [[0u8; 16]; 4];
        let mut high = [[0u8; 16]; 4];
        for (head, &group) in heads.iter().zip(&groups) {
            for (k, &b) in head.iter().enumerate() {
                low[k][usize::from(b & 15)] |= 1 << group;
                high[k][usize::from(b >> 4)] |= 1 << group;
            }
        }
        // A three-byte fingerprint lets any fourth byte through.
        for k in width..4 {
            low[k] = [0xFF; 16];
            high[k] = [0xFF; 16];
        }
        let mut seen = vec![0u64; 1 << (SEEN_BITS - 6)].into_boxed_slice();
        let mut list: Vec<(u32, Box<[u8]>)> =
            needles.iter().map(|n| (key(&n.as_bytes()[..width]), n.as_bytes().into())).collect();
        list.sort();
        list.dedup();
        for (k, _) in &list {
            let h = hash(*k);
            seen[h >> 6] |= 1 << (h & 63);
        }
        let key_mask = if width == 4 { u32::MAX } else { 0x00FF_FFFF };
        NybbleFilter { width, key_mask, low, high, seen, needles: list }
    }

    /// The needles searched for, sorted (for tests of what a filter was built from).
    #[cfg(test)]
    pub fn needles(&self) -> impl Iterator<Item = &[u8]> {
        self.needles.iter().map(|(_, needle)| &needle[..])
    }

    /// True if `hay` holds one of the needles.
    pub fn is_match(&self, hay: &[u8]) -> bool {
        if hay.len() < self.width {
            return false;
        }
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `new` built this filter only where the CPU has AVX2.
        return unsafe { self.find_avx2(hay) };
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("built only where AVX2 is")
    }

    /// True if a needle starts at `at` (a candidate of the SIMD step): one bit test rules out
    /// most candidates, the needles with the same first bytes the rest.
    #[inline(always)]
    fn holds_at(&self, hay: &[u8], at: usize) -> bool {
        let key = match hay.get(at..at + 4) {
            Some(four) => u32::from_le_bytes(four.try_into().expect("four bytes")) & self.key_mask,
            None => match hay.get(at..at + self.width) {
                Some(head) => key(head),
                None => return false,
            },
        };
        let h = hash(key);
        if self.seen[h >> 6] & 1 << (h & 63) == 0 {
            return false;
        }
        self.starts_with_needle(&hay[at..], key)
    }

    /// True if `rest` starts with a needle whose first bytes make `key`. Out of line: it runs
    /// only where a needle's first bytes are (a call in the search's loop made the compiler keep
    /// its tables on the stack).
    #[cold]
    #[inline(never)]
    fn starts_with_needle(&self, rest: &[u8], key: u32) -> bool {
        let from = self.needles.partition_point(|(k, _)| *k < key);
        self.needles[from..].iter().take_while(|(k, _)| *k == key).any(|(_, needle)| rest.starts_with(needle))
    }

    /// True if a needle starts at `base` plus one of the set bits of `bits`.
    #[inline(always)]
    fn holds_at_any(&self, hay: &[u8], base: usize, mut bits: u32) -> bool {
        while bits != 0 {
            let at = base + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if self.holds_at(hay, at) {
                return true;
            }
        }
        false
    }

    /// The SIMD search: per step, four loads a byte apart (the fingerprint's positions), each
    /// byte's two nybbles looked up in its position's tables and ANDed; a position whose four
    /// results share a bucket bit is a candidate. The last step overlaps the one before it (its
    /// positions already looked at are masked off); a line shorter than a step and the
    /// fingerprint's reach goes through the same step in a zero-padded copy: a needle has no zero
    /// byte, and candidates are confirmed in `hay` itself.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn find_avx2(&self, hay: &[u8]) -> bool {
        use std::arch::x86_64::*;
        const REACH: usize = STEP + 3;
        // SAFETY: each table is 16 bytes, read whole; the same 16 serve both 128-bit lanes.
        let table = |t: &[u8; 16]| unsafe { _mm256_broadcastsi128_si256(_mm_loadu_si128(t.as_ptr().cast())) };
        let (low0, low1, low2, low3) =
            (table(&self.low[0]), table(&self.low[1]), table(&self.low[2]), table(&self.low[3]));
        let (high0, high1, high2, high3) =
            (table(&self.high[0]), table(&self.high[1]), table(&self.high[2]), table(&self.high[3]));
        let nybble = _mm256_set1_epi8(15);
        // The candidates among the 32 positions from `bytes[0]`, a bit each.
        let step = |bytes: &[u8]| -> u32 {
            assert!(bytes.len() >= REACH);
            let p = bytes.as_ptr();
            // SAFETY: `bytes` holds at least `STEP + 3` bytes, so the 32 from each of `p` to
            // `p + 3` are inside it.
            let load = |k: usize| unsafe { _mm256_loadu_si256(p.add(k).cast()) };
            let lookup = |v: __m256i, low: __m256i, high: __m256i| {
                let by_low = _mm256_shuffle_epi8(low, _mm256_and_si256(v, nybble));
                _mm256_and_si256(by_low, _mm256_shuffle_epi8(high, _mm256_and_si256(_mm256_srli_epi16(v, 4), nybble)))
            };
            let mut all = lookup(load(0), low0, high0);
            all = _mm256_and_si256(all, lookup(load(1), low1, high1));
            all = _mm256_and_si256(all, lookup(load(2), low2, high2));
            all = _mm256_and_si256(all, lookup(load(3), low3, high3));
            if _mm256_testz_si256(all, all) == 1 {
                return 0;
            }
            !(_mm256_movemask_epi8(_mm256_cmpeq_epi8(all, _mm256_setzero_si256())) as u32)
        };
        let n = hay.len();
        if n < REACH {
            let mut padded = [0u8; REACH];
            padded[..n].copy_from_slice(hay);
            let bits = step(&padded);
            return bits != 0 && self.holds_at_any(hay, 0, bits);
        }
        let mut at = 0;
        while at + REACH <= n {
            let bits = step(&hay[at..]);
            if bits != 0 && self.holds_at_any(hay, at, bits) {
                return true;
            }
            at += STEP;
        }
        // The positions from `at` on, in a last step ending at the line's end.
        let last = n - REACH;
        let bits = step(&hay[last..]) & (u32::MAX.checked_shl((at - last) as u32).unwrap_or(0));
        // A three-byte fingerprint may also start at `n - 3`, past the last step's positions.
        (bits != 0 && self.holds_at_any(hay, last, bits))
            || (last + STEP..=n - self.width).any(|at| self.holds_at(hay, at))
    }
}

/// `head` (three or four bytes) as one number, little-endian.
fn key(head: &[u8]) -> u32 {
    head.iter().rev().fold(0, |key, &b| key << 8 | u32::from(b))
}

/// A key's bit in `NybbleFilter::seen`.
fn hash(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> (32 - SEEN_BITS)) as usize
}

fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx2");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(needles: &[&str], hay: &[u8]) -> bool {
        needles.iter().any(|n| hay.windows(n.len()).any(|w| w == n.as_bytes()))
    }

    /// The first `merge_into`: every pair scanned for each merge, the answer the faster one must give.
    /// `prints` merged, two at a time where merging adds the fewest estimated candidates, into at
    /// most `buckets` groups of at most `cap` prints each: per print, the group it ends in (numbered
    /// from 0), or `None` where the cap leaves more groups than buckets.
    fn merge_into_by_full_scans(prints: &[Fingerprint], len: usize, buckets: usize, cap: usize) -> Option<Vec<usize>> {
        let n = prints.len();
        let mut prints = prints.to_vec();
        let mut members: Vec<usize> = vec![1; n];
        let mut rates: Vec<f64> = prints.iter().map(|p| p.candidate_rate(len)).collect();
        let mut alive: Vec<bool> = vec![true; n];
        let mut group_of: Vec<usize> = (0..n).collect();
        let merge_cost = |a: usize, b: usize, prints: &[Fingerprint], rates: &[f64]| {
            prints[a].union(prints[b]).candidate_rate(len) - rates[a] - rates[b]
        };
        let mut costs: Vec<Vec<f64>> = (0..n)
            .map(|a| (0..n).map(|b| if a < b { merge_cost(a, b, &prints, &rates) } else { f64::INFINITY }).collect())
            .collect();
        for _ in buckets..n {
            let mut best = (f64::INFINITY, 0, 0);
            for a in (0..n).filter(|&a| alive[a]) {
                for b in (a + 1..n).filter(|&b| alive[b] && members[a] + members[b] <= cap) {
                    if costs[a][b] < best.0 {
                        best = (costs[a][b], a, b);
                    }
                }
            }
            let (_, a, b) = best;
            if a == b {
                return None; // no two fit under the cap
            }
            prints[a] = prints[a].union(prints[b]);
            rates[a] = prints[a].candidate_rate(len);
            members[a] += members[b];
            alive[b] = false;
            group_of.iter_mut().filter(|g| **g == b).for_each(|g| *g = a);
            for other in (0..n).filter(|&o| alive[o] && o != a) {
                let (x, y) = (a.min(other), a.max(other));
                costs[x][y] = merge_cost(x, y, &prints, &rates);
            }
        }
        // The surviving groups numbered 0, 1, … in their order.
        let mut number = vec![0; n];
        for (k, g) in (0..n).filter(|&g| alive[g]).enumerate() {
            number[g] = k;
        }
        Some(group_of.iter().map(|&g| number[g]).collect())
    }

    #[test]
    fn a_candidate_rate_adds_the_high_nybbles_as_a_scan_of_all_sixteen_does() {
        let sums = share_sums();
        let scanned = |print: &Fingerprint, len: usize| -> f64 {
            (0..len)
                .map(|k| {
                    let low = usize::from(print.low[k]);
                    (0..16)
                        .filter(|h| print.high[k] & 1 << h != 0)
                        .map(|h| sums[h][0][low & 0xFF] + sums[h][1][low >> 8])
                        .sum::<f64>()
                })
                .product()
        };
        let needles: [&[u8]; 6] = [b"flat", b"READ", b"\xd0\x9c\xd0\xbd", b"    ", b"\x00\xff\x7f\x80", b"Tags"];
        let mut print = Fingerprint::of(needles[0]);
        for needle in needles {
            print = print.union(Fingerprint::of(needle));
            for one in [Fingerprint::of(needle), print] {
                for len in 1..=4 {
                    assert_eq!(one.candidate_rate(len).to_bits(), scanned(&one, len).to_bits(), "{needle:?}");
                }
            }
        }
    }

    #[test]
    fn merging_gives_the_merges_of_scanning_every_pair() {
        // Fingerprints of needles drawn from a small alphabet (many equal costs, ties broken by
        // order) and from any bytes, in every number of buckets and caps that bind or do not.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..300 {
            let n = 1 + (next() % 70) as usize;
            let prints: Vec<Fingerprint> = (0..n)
                .map(|_| {
                    let needle: Vec<u8> = (0..4)
                        .map(|_| match round % 3 {
                            0 => b"aAb "[(next() % 4) as usize],
                            1 => (next() % 256) as u8,
                            _ => b"flatsFLATS"[(next() % 10) as usize],
                        })
                        .collect();
                    Fingerprint::of(&needle)
                })
                .collect();
            let len = 3 + (round % 2);
            for (buckets, cap) in [(8, usize::MAX), (16, usize::MAX), (8, 4), (16, 3), (1, usize::MAX), (4, 2)] {
                assert_eq!(
                    merge_into(&prints, len, buckets, cap),
                    merge_into_by_full_scans(&prints, len, buckets, cap),
                    "round {round}, {n} prints, {buckets} buckets, cap {cap}"
                );
            }
        }
    }

    #[test]
    fn finds_each_needle_wherever_it_stands_and_nothing_else() {
        let needles = ["flats", "Flats", "READ MORE", "Читать далее", "全文", "onat", "Tags:"];
        let Some(filter) = NybbleFilter::new(&needles) else {
            eprintln!("SKIPPED: this CPU has no AVX2");
            return;
        };
        let filler = "the quick brown fox jumps over a lazy dog, said the mayor; ";
        for needle in needles {
            for at in 0..80 {
                for tail in [0, 1, 3, 31, 32, 33, 70] {
                    let hay = format!("{}{needle}{}", &filler.repeat(2)[..at], &filler.repeat(2)[..tail]);
                    assert!(filter.is_match(hay.as_bytes()), "{needle:?} in {hay:?}");
                }
            }
        }
        for len in 0..120 {
            let hay = filler.repeat(3);
            assert!(!filter.is_match(&hay.as_bytes()[..len]), "{len}");
        }
        // Three-byte needles, up to the line's last three bytes.
        let short = NybbleFilter::new(&["xyz", "flats"]).expect("AVX2 is here");
        for len in 0..140 {
            let hay = format!("{}xyz", &filler.repeat(3)[..len]);
            assert!(short.is_match(hay.as_bytes()), "{hay:?}");
            assert!(!short.is_match(&hay.as_bytes()[..hay.len() - 1]), "{hay:?}");
        }
        // A needle cut by the end of the line is not one.
        assert!(!filter.is_match(b"a line ending in fla"));
        assert!(!filter.is_match(b"Flat"));
        assert!(filter.is_match(b"Flats"));
    }

    #[test]
    fn says_no_for_what_it_cannot_serve() {
        assert!(NybbleFilter::new(&[]).is_none());
        assert!(NybbleFilter::new(&["ab", "flats"]).is_none());
        let many: Vec<String> = (0..=MAX_NEEDLES).map(|k| format!("word{k:03}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(NybbleFilter::new(&many).is_none());
    }

    proptest! {
        #[test]
        fn agrees_with_a_plain_search(
            needles in proptest::collection::vec("[a-fA-F ]{3,6}|[а-в]{2,3}", 1..40),
            hay in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'F'), Just(b' '), Just(0xD0u8), Just(0xB0u8), any::<u8>()], 0..140),
        ) {
            let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
            if let Some(filter) = NybbleFilter::new(&needles) {
                prop_assert_eq!(filter.is_match(&hay), naive(&needles, &hay));
            }
        }
    }
}
