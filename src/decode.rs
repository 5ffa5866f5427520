//! From bytes to text and back. Chooses an input's encoding (byte-order mark, then for HTML the
//! declared charset, then UTF-8 if the bytes are valid, then detection with chardetng, unless
//! forced) and streams bytes through encoding_rs both ways, so legacy files are cleaned in bounded
//! memory and written back in their own encoding. A byte that does not decode, or a character that
//! does not encode back, is an error for that file: nothing is ever replaced or lost.

use std::fmt;
use std::io::{self, BufRead, Read, Write};
use std::sync::OnceLock;

use encoding_rs::{DecoderResult, EncoderResult, Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::block::InvalidUtf8;

/// The UTF-8 byte-order mark.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// How much of the start of a file is searched for NUL bytes, as git does to call a file binary.
pub const SNIFF_LEN: usize = 8000;
/// How much of the start of an input detection looks at.
pub const HEAD_LEN: usize = 1 << 16;
/// Detection reads the head only up to its this-many-th byte beyond ASCII. chardetng scores every
/// byte against some thirty candidate encodings (about 100 ns a byte: a directory batch spent
/// fourteen times as much CPU per byte on its legacy-encoded files as on UTF-8 ones), and a few
/// hundred letters of Cyrillic or Greek, or as many accented letters of a Latin script, decide
/// between the code pages as surely as a whole file; ASCII carries little evidence either way.
const DETECT_NON_ASCII: usize = 256;
/// The short sample a guess of a script that is not Latin is taken from (see `is_latin`): a
/// quarter of the cost of chardetng on a windows-1251 or KOI8-R text.
const DECIDING_NON_ASCII: usize = 64;
/// How far into an HTML page a `<meta charset>` is looked for.
const PRESCAN_LEN: usize = 4096;

/// Why an encoding was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A byte-order mark.
    Bom,
    /// The HTML page's `<meta charset>` or `http-equiv` declaration.
    Declared,
    /// The bytes are valid UTF-8.
    Utf8,
    /// chardetng's guess from the bytes.
    Detected,
    /// `--encoding`.
    Forced,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::Bom => "bom",
            Reason::Declared => "declared",
            Reason::Utf8 => "utf-8",
            Reason::Detected => "detected",
            Reason::Forced => "forced",
        })
    }
}

/// The encoding an input is read in, and how its byte-order mark looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice {
    /// The encoding.
    pub encoding: &'static Encoding,
    /// Length of the byte-order mark at the start of the input (0 if none).
    pub bom_len: usize,
    /// Why this encoding.
    pub reason: Reason,
}

impl Choice {
    /// The byte-order mark bytes, to write back.
    pub fn bom(&self) -> &'static [u8] {
        match (self.bom_len, self.encoding.name()) {
            (0, _) => b"",
            (_, "UTF-16LE") => b"\xFF\xFE",
            (_, "UTF-16BE") => b"\xFE\xFF",
            _ => UTF8_BOM,
        }
    }

    /// True for UTF-8 (with or without BOM): no decoding needed.
    pub fn is_utf8(&self) -> bool {
        self.encoding == UTF_8
    }
}

/// What the first bytes say about an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    /// Text, in this encoding.
    Text(Choice),
    /// NUL bytes near the start and no UTF-16 byte-order mark: a binary file, to be skipped.
    Binary,
}

/// Looks up an encoding by a WHATWG label (`windows-1251`, `koi8-r`, `gbk`, `latin1`...).
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

/// Chooses the encoding of an input from its first bytes.
///
/// `head` is the start of the input (up to `HEAD_LEN`), `utf8_valid` whether the whole input is
/// valid UTF-8 (for a stream: whether the head is), `html` whether to honour a declared charset.
pub fn choose(head: &[u8], utf8_valid: bool, html: bool, forced: Option<&'static Encoding>) -> Sniffed {
    let bom = Encoding::for_bom(head);
    if let Some(forced) = forced {
        let bom_len = bom.filter(|(e, _)| *e == forced).map_or(0, |(_, len)| len);
        return Sniffed::Text(Choice { encoding: forced, bom_len, reason: Reason::Forced });
    }
    if let Some((encoding, bom_len)) = bom {
        return Sniffed::Text(Choice { encoding, bom_len, reason: Reason::Bom });
    }
    if memchr::memchr(0, &head[..head.len().min(SNIFF_LEN)]).is_some() {
        return match utf16_without_bom(head) {
            Some(encoding) => Sniffed::Text(Choice { encoding, bom_len: 0, reason: Reason::Detected }),
            None => Sniffed::Binary,
        };
    }
    let text = |encoding, reason| Sniffed::Text(Choice { encoding, bom_len: 0, reason });
    if html && let Some(declared) = declared_charset(head) {
        // A page saved by a scraper is often re-encoded without its declaration being updated:
        // bytes that are valid UTF-8 beyond ASCII are UTF-8 whatever the page says, and a page
        // declared UTF-8 whose bytes are not is detected instead.
        let declared_utf8 = declared == UTF_8 || declared == UTF_16LE || declared == UTF_16BE;
        match (declared_utf8, utf8_valid) {
            (true, true) => return text(UTF_8, Reason::Declared),
            (false, true) if !head.is_ascii() => return text(UTF_8, Reason::Utf8),
            (false, _) => return text(declared, Reason::Declared),
            (true, false) => {}
        }
    }
    if utf8_valid || is_damaged_utf8(head) {
        return text(UTF_8, Reason::Utf8);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let from = legacy_start(head);
    let rest = &head[from..];
    let is_last = |fed: &[u8]| fed.len() == rest.len() && head.len() < HEAD_LEN;
    // A short sample first; read on to the whole sample unless it already reads as a script that
    // is not Latin (chardetng reads a stream: fed in two parts, the sample gives the same guess).
    let short = sample_to(rest, DECIDING_NON_ASCII);
    detector.feed(short, is_last(short));
    let mut guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    if short.len() < rest.len() && is_latin(guess) {
        let sample = sample_to(rest, DETECT_NON_ASCII);
        detector.feed(&sample[short.len()..], is_last(sample));
        guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    }
    text(if symbols_made_letters(head, guess) { WINDOWS_1252 } else { guess }, Reason::Detected)
}

/// Where the text to detect starts in `head`, a text that is not UTF-8: at the line of its first
/// byte that is not UTF-8. The lines before it are ASCII or UTF-8 (a heading a scraper wrote in
/// UTF-8 over a legacy-encoded body) and say nothing of the body's encoding, but would fill the
/// sample: a UTF-8 paragraph in Russian before a windows-1251 body made it windows-1252. The start
/// of the head if the head is all UTF-8 (the first byte that is not lies beyond it).
fn legacy_start(head: &[u8]) -> usize {
    match std::str::from_utf8(head) {
        Err(e) if e.error_len().is_some() => {
            memchr::memrchr(b'\n', &head[..e.valid_up_to()]).map_or(0, |newline| newline + 1)
        }
        _ => 0,
    }
}

/// The start of `head` up to its `non_ascii`-th byte beyond ASCII (all of it if it has fewer). A
/// sample cut inside a multi-byte character is fed as not the last bytes, which chardetng reads
/// as more to come, not as an error.
fn sample_to(head: &[u8], non_ascii: usize) -> &[u8] {
    head.iter().enumerate().filter(|&(_, &b)| !b.is_ascii()).nth(non_ascii - 1).map_or(head, |(at, _)| &head[..=at])
}

/// True for the encodings of Latin scripts. A short sample guessed as one of them may have been
/// misled (by junk before the text, by a few symbols), and detection reads on; a short sample that
/// reads as Cyrillic, Greek, Hebrew, Arabic, Thai or CJK is decided: no guess of one changed with a
/// sample four times as long, on the benchmark corpus's legacy files or 2,659 re-encoded real texts.
fn is_latin(encoding: &'static Encoding) -> bool {
    use encoding_rs::*;
    [
        WINDOWS_1252,
        WINDOWS_1250,
        WINDOWS_1254,
        WINDOWS_1257,
        WINDOWS_1258,
        ISO_8859_2,
        ISO_8859_3,
        ISO_8859_4,
        ISO_8859_10,
        ISO_8859_13,
        ISO_8859_14,
        ISO_8859_15,
        ISO_8859_16,
        MACINTOSH,
    ]
    .contains(&encoding)
}

/// True if every non-ASCII byte of `head` is a common symbol in windows-1252 (`©`, `®`, `°`, `£`,
/// `–`) but a letter in `guess` (ISO-8859-2 reads `®` and `©` as `Ž` and `Š`): an English page with
/// a few symbols, which a guess from so little evidence would turn into rare letters. A text in
/// the guessed encoding has letters there in windows-1252 too (`è`, `ø`, `Ð`), so it is not taken.
fn symbols_made_letters(head: &[u8], guess: &'static Encoding) -> bool {
    if guess == WINDOWS_1252 || !guess.is_single_byte() {
        return false;
    }
    let decode_byte = |encoding: &'static Encoding, b: u8| encoding.decode_without_bom_handling(&[b]).0.chars().next();
    let mut any = false;
    for &b in head.iter().filter(|&&b| b >= 0x80) {
        let as_1252 = decode_byte(WINDOWS_1252, b).filter(|c| !c.is_alphabetic());
        let as_guess = decode_byte(guess, b).filter(|c| c.is_alphabetic());
        if as_1252.is_none() || as_guess.is_none() {
            return false;
        }
        any = true;
    }
    any
}

/// UTF-16 without a byte-order mark, told from binary data by its NUL bytes: text in Latin script
/// has a NUL as the high byte of most characters, so the NULs fall on one parity only (odd bytes
/// for little-endian, even for big-endian), and the code units decode with no NUL character and no
/// unpaired surrogate. Binary data has NULs on both parities.
fn utf16_without_bom(head: &[u8]) -> Option<&'static Encoding> {
    let sample = &head[..head.len().min(SNIFF_LEN) & !1];
    let pairs = sample.len() / 2;
    if pairs < 8 {
        return None;
    }
    let nul_at = |parity: usize| sample.iter().skip(parity).step_by(2).filter(|&&b| b == 0).count();
    let (even, odd) = (nul_at(0), nul_at(1));
    let (encoding, high, low) = if odd > even { (UTF_16LE, odd, even) } else { (UTF_16BE, even, odd) };
    // Most characters have the NUL, none has two (U+0000 is not text).
    if high * 10 < pairs * 3 || low > 0 {
        return None;
    }
    let units = sample.chunks_exact(2).map(|p| match encoding == UTF_16LE {
        true => u16::from_le_bytes([p[0], p[1]]),
        false => u16::from_be_bytes([p[0], p[1]]),
    });
    // The sample may end inside a surrogate pair: only a lone surrogate before that counts.
    let decoded: Vec<Result<char, _>> = char::decode_utf16(units).collect();
    let whole = decoded.len().saturating_sub(1);
    decoded[..whole].iter().all(Result::is_ok).then_some(encoding)
}

/// True if `bytes` are UTF-8 with some damage rather than a legacy encoding: they hold valid
/// multi-byte UTF-8 characters, at least as many as runs of invalid bytes. A legacy text has almost
/// none (an accidental pair such as `Р»` in windows-1251 beside hundreds of invalid letters), so it is
/// still detected; a UTF-8 article with a stray `\xff` is read as UTF-8, so its bad bytes are
/// reported with their offset and the file is never re-encoded in a guessed code page.
pub fn is_damaged_utf8(bytes: &[u8]) -> bool {
    if surely_more_invalid_than_multibyte(bytes) {
        return false;
    }
    count_damage(bytes)
}

/// The exact test, chunk by chunk: a legacy text is one chunk per letter, some forty instructions
/// a byte (a tenth of a directory batch's CPU on its legacy-encoded files went here).
fn count_damage(bytes: &[u8]) -> bool {
    let (mut multibyte, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| c.len_utf8() > 1).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    // The last chunk may be a character cut at the end of the head, not damage.
    multibyte > 0 && multibyte >= invalid
}

/// The same answer as `count_damage` when it is no, from two counts the compiler vectorizes. Every
/// valid multi-byte character starts with a lead byte (0xC2 to 0xF4) followed by a continuation
/// byte (0x80 to 0xBF), so there are at most `pairs` of them, holding at most `4 * pairs` bytes
/// beyond ASCII; every other such byte is in a run of invalid bytes of at most three. So
/// `non_ascii > 7 * pairs` means more invalid runs than multi-byte characters: a legacy text, whose
/// letters rarely pair up that way (windows-1251 or KOI8-R Russian).
fn surely_more_invalid_than_multibyte(bytes: &[u8]) -> bool {
    let is_lead = |b: u8| b.wrapping_sub(0xC2) <= 0xF4 - 0xC2;
    let is_continuation = |b: u8| b & 0xC0 == 0x80;
    // Branch-free sums over 32-bit lanes of plain slices (which the compiler vectorizes), a chunk
    // at a time so that they cannot overflow; the chunks overlap by a byte for the pairs.
    let (mut non_ascii, mut pairs) = (0usize, 0usize);
    for (k, chunk) in bytes.chunks(1 << 20).enumerate() {
        non_ascii += chunk.iter().map(|&b| u32::from(b >> 7)).sum::<u32>() as usize;
        let end = bytes.len().min(((k + 1) << 20) + 1);
        let with_next = &bytes[k << 20..end];
        let (firsts, seconds) = (&with_next[..with_next.len() - 1], &with_next[1..]);
        pairs +=
            firsts.iter().zip(seconds).map(|(&a, &b)| u32::from(is_lead(a) & is_continuation(b))).sum::<u32>() as usize;
    }
    non_ascii > 7 * pairs
}

/// The charset an HTML page declares in its first bytes (`<meta charset="...">` or
/// `<meta http-equiv="Content-Type" content="text/html; charset=...">`).
pub fn declared_charset(head: &[u8]) -> Option<&'static Encoding> {
    static META: OnceLock<regex::bytes::Regex> = OnceLock::new();
    let meta = META.get_or_init(|| {
        regex::bytes::Regex::new(r#"(?i-u)<meta\b[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.+-]+)"#)
            .expect("the meta charset pattern is valid")
    });
    let prescan = &head[..head.len().min(PRESCAN_LEN)];
    let label = meta.captures(prescan)?.get(1)?;
    Encoding::for_label(label.as_bytes())
}

/// Why `validate_utf8` failed.
#[derive(Debug)]
pub enum ValidateError {
    /// Reading failed.
    Io(io::Error),
    /// The bytes are not UTF-8.
    Utf8(InvalidUtf8),
}

/// Checks that a whole input is UTF-8 without holding it in memory.
pub fn validate_utf8(mut input: impl Read) -> Result<(), ValidateError> {
    let mut buf = vec![0u8; 1 << 16];
    let mut carried = 0; // bytes of a character split across two reads, moved to the front
    let mut offset: u64 = 0; // offset of buf[0] in the input
    let mut lines = 1;
    loop {
        let n = match input.read(&mut buf[carried..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ValidateError::Io(e)),
        };
        let filled = carried + n;
        let chunk = &buf[..filled];
        let valid = match std::str::from_utf8(chunk) {
            Ok(_) => filled,
            Err(e) if e.error_len().is_none() && n > 0 => e.valid_up_to(),
            Err(e) => {
                let at = e.valid_up_to();
                let line = lines + memchr::memchr_iter(b'\n', &chunk[..at]).count();
                return Err(ValidateError::Utf8(InvalidUtf8 { line, offset: offset + at as u64 }));
            }
        };
        if n == 0 {
            return Ok(());
        }
        lines += memchr::memchr_iter(b'\n', &chunk[..valid]).count();
        buf.copy_within(valid..filled, 0);
        carried = filled - valid;
        offset += valid as u64;
    }
}

/// Bytes that do not decode in the chosen encoding (carried inside an `io::Error`).
#[derive(Debug)]
pub struct Malformed {
    /// The encoding.
    pub encoding: &'static str,
    /// Byte offset of the malformed sequence in the input.
    pub offset: u64,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not valid {} (byte offset {})", self.encoding, self.offset)
    }
}

impl std::error::Error for Malformed {}

/// A character that has no encoding in the file's encoding (carried inside an `io::Error`).
#[derive(Debug)]
pub struct Unmappable {
    /// The encoding.
    pub encoding: &'static str,
    /// The character.
    pub character: char,
}

impl fmt::Display for Unmappable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the cleaned text has {:?} (U+{:04X}), which {} cannot encode",
            self.character, self.character as u32, self.encoding
        )
    }
}

impl std::error::Error for Unmappable {}

/// Decodes a legacy-encoded byte stream into UTF-8, as a `BufRead` the block reader can use.
pub struct DecodeReader<R> {
    input: R,
    decoder: encoding_rs::Decoder,
    /// A single-byte encoding's bytes as UTF-8, which decode it in place of `decoder`.
    table: Option<&'static ByteTable>,
    encoding: &'static Encoding,
    /// Decoded text up to `end`; the room after it is kept (not zeroed again for every refill).
    out: Vec<u8>,
    end: usize,
    pos: usize,
    offset: u64,
    finished: bool,
}

impl<R: BufRead> DecodeReader<R> {
    /// Decodes `input` (positioned after any byte-order mark, which is at `offset`) from `encoding`.
    pub fn new(input: R, encoding: &'static Encoding, offset: u64) -> Self {
        DecodeReader {
            input,
            decoder: encoding.new_decoder_without_bom_handling(),
            table: ByteTable::of(encoding),
            encoding,
            out: Vec::new(),
            end: 0,
            pos: 0,
            offset,
            finished: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.end = 0;
        self.pos = 0;
        while self.end == 0 && !self.finished {
            let src = self.input.fill_buf()?;
            let last = src.is_empty();
            let capacity = match self.table {
                Some(_) => ByteTable::room_for(src.len()),
                None => {
                    self.decoder.max_utf8_buffer_length_without_replacement(src.len()).unwrap_or(src.len() * 4 + 16)
                }
            };
            if self.out.len() < capacity {
                self.out.resize(capacity, 0);
            }
            let (result, read, written) = match self.table {
                Some(table) => match table.decode(src, &mut self.out) {
                    (written, None) => (DecoderResult::InputEmpty, src.len(), written),
                    (written, Some(bad)) => (DecoderResult::Malformed(1, 0), bad + 1, written),
                },
                None => self.decoder.decode_to_utf8_without_replacement(src, &mut self.out, last),
            };
            self.end = written;
            self.input.consume(read);
            self.offset += read as u64;
            match result {
                DecoderResult::InputEmpty => self.finished = last,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(bad, _) => {
                    let offset = self.offset - u64::from(bad);
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        Malformed { encoding: self.encoding.name(), offset },
                    ));
                }
            }
        }
        Ok(())
    }
}

impl<R: BufRead> BufRead for DecodeReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.end {
            self.refill()?;
        }
        Ok(&self.out[self.pos..self.end])
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.end);
    }
}

/// Tables built for the encodings a run meets, each kept for the rest of the run.
type PerEncoding<T> = std::sync::Mutex<Vec<(&'static Encoding, Option<&'static T>)>>;

/// The table in `tables` for `encoding`, built by `build` the first time it is asked for.
fn once_per_encoding<T>(
    tables: &PerEncoding<T>,
    encoding: &'static Encoding,
    build: impl FnOnce() -> Option<T>,
) -> Option<&'static T> {
    let mut tables = tables.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, table)) = tables.iter().find(|(e, _)| *e == encoding) {
        return *table;
    }
    let table = build().map(|table| &*Box::leak(Box::new(table)));
    tables.push((encoding, table));
    table
}

/// The 256 bytes of a single-byte encoding (windows-1251, KOI8-R, ISO-8859-x, …) as UTF-8, as
/// encoding_rs decodes each one: such an encoding maps every byte on its own, without state, so a
/// table of them decodes a text exactly as encoding_rs does, in a few instructions a byte where
/// its decoder to UTF-8 took 34 (callgrind, the benchmark corpus's windows-1251 and KOI8-R files).
pub(crate) struct ByteTable {
    /// Each byte's character in UTF-8, padded to four bytes.
    utf8: [[u8; 4]; 256],
    /// How many of those are its character: 0 for a byte the encoding leaves unmapped.
    len: [u8; 256],
}

impl ByteTable {
    /// The table of `encoding` if it is a single-byte encoding, built once per encoding a run meets
    /// (a few dozen encodings at most, 1.3 KiB each).
    fn of(encoding: &'static Encoding) -> Option<&'static ByteTable> {
        static TABLES: PerEncoding<ByteTable> = std::sync::Mutex::new(Vec::new());
        if !encoding.is_single_byte() {
            return None;
        }
        once_per_encoding(&TABLES, encoding, || ByteTable::build(encoding))
    }

    /// The table, or `None` if a byte decodes to more than one character of three bytes (which
    /// no single-byte encoding does; `decode` relies on it).
    fn build(encoding: &'static Encoding) -> Option<ByteTable> {
        let mut table = ByteTable { utf8: [[0; 4]; 256], len: [0; 256] };
        for byte in 0..=255u8 {
            let mut decoder = encoding.new_decoder_without_bom_handling();
            let mut utf8 = [0u8; 8];
            match decoder.decode_to_utf8_without_replacement(&[byte], &mut utf8, true) {
                (DecoderResult::InputEmpty, _, written @ 1..=3) => {
                    table.utf8[usize::from(byte)][..written].copy_from_slice(&utf8[..written]);
                    table.len[usize::from(byte)] = written as u8;
                }
                (DecoderResult::Malformed(..), ..) => {}
                _ => return None,
            }
        }
        Some(table)
    }

    /// The room `decode` needs for `len` bytes.
    fn room_for(len: usize) -> usize {
        len * 3 + 8
    }

    /// Decodes `src` into `out` (`room_for(src.len())` bytes at least): how many bytes it wrote, and
    /// where in `src` the first byte the encoding leaves unmapped is (what is before it is written).
    /// Every byte, ASCII too, is its four table bytes stored at once and as many of them kept as
    /// its character has: no branch but the one for an unmapped byte (bounds-checked slices cost
    /// this loop two thirds of its instructions).
    fn decode(&self, src: &[u8], out: &mut [u8]) -> (usize, Option<usize>) {
        assert!(out.len() >= Self::room_for(src.len()), "decode needs room_for(src.len()) bytes");
        let to = out.as_mut_ptr();
        let mut written = 0;
        for (read, &byte) in src.iter().enumerate() {
            let len = usize::from(self.len[usize::from(byte)]);
            if len == 0 {
                return (written, Some(read));
            }
            // SAFETY: a byte decodes to three bytes at most, so `written <= 3 * read`, and
            // `out.len() >= 3 * src.len() + 8 >= 3 * read + 11`: the four bytes from `written` are in `out`.
            unsafe { std::ptr::write_unaligned(to.add(written).cast::<[u8; 4]>(), self.utf8[usize::from(byte)]) };
            written += len;
        }
        (written, None)
    }
}

/// The reverse of a `ByteTable`: for each character of the Basic Multilingual Plane, the byte a
/// single-byte encoding writes it as (the only characters such an encoding has). encoding_rs
/// encodes such a character by searching the encoding's 128 characters for it: writing a
/// windows-1251 file back took a third of `--out`'s instructions on the corpus's legacy files.
pub(crate) struct CharTable {
    /// By code point: the byte, or 0 where the encoding lacks the character (U+0000 is byte 0).
    bytes: Box<[u8]>,
}

impl CharTable {
    /// The table of `encoding` if it is a single-byte encoding, built once per encoding a run
    /// writes back in (a few at most, 64 KiB each).
    fn of(encoding: &'static Encoding) -> Option<&'static CharTable> {
        static TABLES: PerEncoding<CharTable> = std::sync::Mutex::new(Vec::new());
        let bytes = ByteTable::of(encoding)?;
        once_per_encoding(&TABLES, encoding, || CharTable::build(bytes))
    }

    /// The reverse of `table`, or `None` if two bytes decode to one character (which no
    /// single-byte encoding does: which byte would the encoder write?).
    fn build(table: &ByteTable) -> Option<CharTable> {
        let mut bytes = vec![0u8; 1 << 16].into_boxed_slice();
        for byte in 0..=255u8 {
            let len = usize::from(table.len[usize::from(byte)]);
            let Some(character) = std::str::from_utf8(&table.utf8[usize::from(byte)][..len]).ok()?.chars().next()
            else {
                continue;
            };
            let slot = &mut bytes[character as usize];
            if *slot != 0 || (character == '\0' && byte != 0) {
                return None;
            }
            *slot = byte;
        }
        Some(CharTable { bytes })
    }

    /// Encodes `text` onto the end of `out`; the first character the encoding lacks is an error
    /// (what is before it is written).
    fn encode(&self, text: &str, out: &mut Vec<u8>) -> Result<(), char> {
        out.reserve(text.len());
        for character in text.chars() {
            let byte = self.bytes.get(character as usize).copied().unwrap_or(0);
            if byte == 0 && character != '\0' {
                return Err(character);
            }
            out.push(byte);
        }
        Ok(())
    }
}

impl<R: BufRead> Read for DecodeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// Encodes UTF-8 text written to it into a file's encoding. Every `write` must be whole UTF-8
/// (the sinks write whole lines). A character the encoding cannot represent is an error.
pub struct EncodeWriter<W: Write> {
    out: W,
    encoding: &'static Encoding,
    encoder: Option<encoding_rs::Encoder>,
    /// A single-byte encoding's byte for each character, which encodes it in place of `encoder`.
    chars: Option<&'static CharTable>,
    buf: Vec<u8>,
}

impl<W: Write> EncodeWriter<W> {
    /// A writer encoding into `encoding` (UTF-8 passes through).
    pub fn new(out: W, encoding: &'static Encoding) -> Self {
        let encoder =
            (encoding != UTF_8 && encoding != UTF_16LE && encoding != UTF_16BE).then(|| encoding.new_encoder());
        EncodeWriter { out, encoding, encoder, chars: CharTable::of(encoding), buf: Vec::new() }
    }

    /// The writer back, after encoding what is pending.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.finish_encoder()?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn finish_encoder(&mut self) -> io::Result<()> {
        if self.encoder.is_some() {
            self.encode("", true)?;
        }
        Ok(())
    }

    fn encode(&mut self, mut text: &str, last: bool) -> io::Result<()> {
        let encoding = self.encoding;
        let unmappable =
            |character| io::Error::new(io::ErrorKind::InvalidData, Unmappable { encoding: encoding.name(), character });
        if let Some(chars) = self.chars {
            self.buf.clear();
            let encoded = chars.encode(text, &mut self.buf);
            self.out.write_all(&self.buf)?;
            return encoded.map_err(unmappable);
        }
        let Some(encoder) = self.encoder.as_mut() else { unreachable!("only called with an encoder") };
        loop {
            let capacity = encoder
                .max_buffer_length_from_utf8_without_replacement(text.len())
                .unwrap_or(text.len() * 4 + 16)
                .max(16);
            self.buf.resize(capacity, 0);
            let (result, read, written) = encoder.encode_from_utf8_without_replacement(text, &mut self.buf, last);
            self.out.write_all(&self.buf[..written])?;
            text = &text[read..];
            match result {
                EncoderResult::InputEmpty => return Ok(()),
                EncoderResult::OutputFull => {}
                EncoderResult::Unmappable(character) => return Err(unmappable(character)),
            }
        }
    }
}

impl<W: Write> Write for EncodeWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.encoding == UTF_8 {
            return self.out.write(bytes);
        }
        let text = std::str::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        if self.encoder.is_some() {
            self.encode(text, false)?;
        } else {
            // encoding_rs decodes UTF-16 but (per WHATWG) does not encode it: do it here.
            let big_endian = self.encoding == UTF_16BE;
            self.buf.clear();
            for unit in text.encode_utf16() {
                self.buf.extend_from_slice(&if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
            }
            self.out.write_all(&self.buf)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{GBK, KOI8_R, WINDOWS_1251};

    #[test]
    fn a_guess_that_turns_common_symbols_into_letters_gives_way_to_windows_1252() {
        let english = b"Copyright \xa9 2006 Realty\xae. All rights reserved. Homes for sale in Las Vegas.\n";
        assert!(symbols_made_letters(english, encoding_rs::ISO_8859_2));
        assert!(matches!(choose(english, false, false, None), Sniffed::Text(c) if c.encoding == WINDOWS_1252));
        // Text in the guessed encoding has letters there in windows-1252 too: the guess stands.
        let czech = encoding_rs::ISO_8859_2.encode("Příliš žluťoučký kůň úpěl ďábelské ódy.").0;
        assert!(!symbols_made_letters(&czech, encoding_rs::ISO_8859_2));
        let russian = encoding_rs::WINDOWS_1251.encode("Компания заявила во вторник").0;
        assert!(!symbols_made_letters(&russian, encoding_rs::WINDOWS_1251));
    }

    #[test]
    fn utf16_without_a_bom_is_told_from_binary_by_where_its_nuls_fall() {
        let text = "Huawei said its smart phone sales fell. Приложение.\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(utf16_without_bom(&le), Some(UTF_16LE));
        assert_eq!(utf16_without_bom(&be), Some(UTF_16BE));
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00";
        assert_eq!(utf16_without_bom(png), None, "NULs on both parities");
        let mut lone_surrogate = le.clone();
        lone_surrogate.splice(4..4, [0x00, 0xD8]);
        assert_eq!(utf16_without_bom(&lone_surrogate), None);
        assert!(matches!(choose(&le, false, false, None), Sniffed::Text(c) if c.encoding == UTF_16LE));
        assert!(matches!(choose(png, false, false, None), Sniffed::Binary));
    }

    fn chosen(bytes: &[u8], html: bool) -> (&'static str, Reason) {
        let valid = std::str::from_utf8(bytes).is_ok();
        match choose(bytes, valid, html, None) {
            Sniffed::Text(c) => (c.encoding.name(), c.reason),
            Sniffed::Binary => ("binary", Reason::Detected),
        }
    }

    #[test]
    fn boms_come_first() {
        assert_eq!(chosen(b"\xEF\xBB\xBFtext", false), ("UTF-8", Reason::Bom));
        assert_eq!(chosen(b"\xFF\xFEt\0e\0", false), ("UTF-16LE", Reason::Bom));
        assert_eq!(chosen(b"\xFE\xFF\0t\0e", false), ("UTF-16BE", Reason::Bom));
    }

    #[test]
    fn nul_bytes_without_a_bom_are_binary() {
        assert_eq!(chosen(b"\x89PNG\r\n\x1a\n\0\0", false).0, "binary");
    }

    #[test]
    fn valid_utf8_is_utf8_and_legacy_bytes_are_detected() {
        assert_eq!(chosen("Ёлки “палки”".as_bytes(), false), ("UTF-8", Reason::Utf8));
        let cp1251 = encoding_rs::WINDOWS_1251
            .encode("Компания заявила во вторник, что снизит прогноз на год после падения продаж смартфонов в Европе.")
            .0;
        assert_eq!(chosen(&cp1251, false), ("windows-1251", Reason::Detected));
        let koi8 = encoding_rs::KOI8_R
            .encode("Компания заявила во вторник, что снизит прогноз на год после падения продаж смартфонов в Европе.")
            .0;
        // chardetng names KOI8-U, the superset that decodes Russian KOI8-R text identically.
        assert!(matches!(chosen(&koi8, false), ("KOI8-R" | "KOI8-U", Reason::Detected)));
    }

    #[test]
    fn detection_reads_a_bounded_sample_and_decides_as_on_the_whole_text() {
        let russian = "Компания заявила во вторник, что снизит прогноз на год после падения продаж. ".repeat(40);
        for encoding in [encoding_rs::WINDOWS_1251, encoding_rs::KOI8_R, encoding_rs::IBM866, encoding_rs::ISO_8859_5] {
            let bytes = encoding.encode(&russian).0;
            let sample = sample_to(&bytes, DETECT_NON_ASCII);
            assert!(sample.len() < bytes.len() / 4, "{}: the sample is bounded", encoding.name());
            assert_eq!(sample.iter().filter(|b| !b.is_ascii()).count(), DETECT_NON_ASCII);
            let mut whole = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            whole.feed(&bytes, true);
            let whole = whole.guess(None, chardetng::Utf8Detection::Deny);
            assert_eq!(chosen(&bytes, false).0, whole.name(), "{}", encoding.name());
        }
        // Chinese in GBK and Japanese in Shift_JIS are still told apart from a sample.
        let chinese = "公司周二表示，由于欧洲智能手机销量下降，将下调全年预测。".repeat(30);
        let gbk = encoding_rs::GBK.encode(&chinese).0;
        assert!(sample_to(&gbk, DETECT_NON_ASCII).len() < gbk.len());
        assert_eq!(chosen(&gbk, false).0, "GBK");
        let japanese =
            "同社は火曜日、欧州でのスマートフォン販売の落ち込みを受けて通期予想を下方修正すると発表した。".repeat(30);
        let sjis = encoding_rs::SHIFT_JIS.encode(&japanese).0;
        assert_eq!(chosen(&sjis, false).0, "Shift_JIS");
        // Fewer non-ASCII bytes than the bound: the whole head is read.
        let short = encoding_rs::WINDOWS_1251.encode("Привет, мир").0;
        assert_eq!(sample_to(&short, DETECT_NON_ASCII).len(), short.len());
    }

    #[test]
    fn a_utf8_heading_does_not_decide_the_encoding_of_a_legacy_body() {
        let russian = "Компания заявила во вторник, что снизит прогноз на год после падения продаж. ".repeat(8);
        let heading = "Самые популярные блогеры: “рейтинг” — итоги года и «выбор редакции» читателей сайта\n\n";
        let mixed =
            |heading: &str, encoding: &'static Encoding| [heading.as_bytes(), &encoding.encode(&russian).0].concat();
        // A long UTF-8 paragraph in Russian filled the sample and made it windows-1252.
        let long_heading = heading.repeat(3);
        assert_eq!(chosen(&mixed(&long_heading, encoding_rs::WINDOWS_1251), false).0, "windows-1251");
        let quoted = "“Top” “food” “bloggers” — ‘dinner’ – “recipes” … “prizes” — “vote”’s “Wday.ru”\n\n";
        assert!(matches!(chosen(&mixed(quoted, encoding_rs::KOI8_R), false).0, "KOI8-R" | "KOI8-U"));
        // A body with no UTF-8 before it is read from its start, as before.
        let plain = encoding_rs::WINDOWS_1251.encode(&russian).0;
        assert_eq!(legacy_start(&plain), 0);
        assert_eq!(legacy_start(&mixed(heading, encoding_rs::WINDOWS_1251)), heading.len());
        // A UTF-8 `’` on the first line of a windows-1252 text stays windows-1252.
        let body = "The café’s owner said it’s the best season in years.\n".repeat(4);
        let body = encoding_rs::WINDOWS_1252.encode(&body).0;
        let english = ["It’s the editors’ pick\n".as_bytes(), &body].concat();
        assert_eq!(chosen(&english, false).0, "windows-1252");
    }

    #[test]
    fn a_short_sample_decides_only_a_script_that_is_not_latin() {
        // Russian decided from its first 64 letters, as from the whole sample.
        let russian = "Компания заявила во вторник, что снизит прогноз на год после падения продаж. ".repeat(8);
        for encoding in [encoding_rs::WINDOWS_1251, encoding_rs::KOI8_R, encoding_rs::IBM866] {
            let bytes = encoding.encode(&russian).0;
            let mut short = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            short.feed(sample_to(&bytes, DECIDING_NON_ASCII), false);
            let short = short.guess(None, chardetng::Utf8Detection::Deny);
            assert!(!is_latin(short), "{}: {}", encoding.name(), short.name());
            assert_eq!(chosen(&bytes, false).0, short.name());
        }
        // A head of Latin-looking junk (a mangled paragraph) misleads the short sample; the whole
        // sample reads past it, as before.
        let junk: Vec<u8> = "Ã©Ã¨ Ã  Ã§Ã¢ ".repeat(5).bytes().filter(|b| !b.is_ascii()).collect();
        let bytes = [&junk[..], b" ", &encoding_rs::WINDOWS_1251.encode(&russian).0].concat();
        let mut short = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        short.feed(sample_to(&bytes, DECIDING_NON_ASCII), false);
        assert!(is_latin(short.guess(None, chardetng::Utf8Detection::Deny)));
        assert_eq!(chosen(&bytes, false).0, "windows-1251");
    }

    #[test]
    fn html_declarations_are_honoured_unless_the_bytes_say_otherwise() {
        let page = |charset: &str, body: &[u8]| {
            [format!("<html><head><meta charset=\"{charset}\"></head><body>").as_bytes(), body].concat()
        };
        let cp1251 = encoding_rs::WINDOWS_1251.encode("Привет, мир").0;
        assert_eq!(chosen(&page("windows-1251", &cp1251), true), ("windows-1251", Reason::Declared));
        assert_eq!(chosen(&page("windows-1251", "Привет".as_bytes()), true), ("UTF-8", Reason::Utf8));
        let equiv = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\"><p>x";
        assert_eq!(declared_charset(equiv).map(|e| e.name()), Some("KOI8-R"));
        // A page declared UTF-8 whose bytes are not falls through to detection.
        let russian = "Компания заявила во вторник, что снизит прогноз. ".repeat(4);
        let long = encoding_rs::WINDOWS_1251.encode(&russian).0;
        assert_eq!(chosen(&page("utf-8", &long), true), ("windows-1251", Reason::Detected));
    }

    #[test]
    fn the_quick_answer_on_damage_agrees_with_the_exact_count() {
        let russian = "Москва — столица России, «самый» большой город; ёлка и Ёж.\n".repeat(20);
        let chinese = "北京是中国的首都，人口众多。".repeat(20);
        let mut texts: Vec<Vec<u8>> = Vec::new();
        for (text, encoding) in [(&russian, WINDOWS_1251), (&russian, KOI8_R), (&chinese, GBK), (&russian, UTF_8)] {
            let (bytes, _, _) = encoding.encode(text);
            texts.push(bytes.into_owned());
        }
        let mut damaged = russian.clone().into_bytes();
        damaged.extend_from_slice(b"\xff\xfe stray");
        texts.push(damaged);
        // Pseudo-random bytes, biased to the ranges that matter.
        let mut seed = 0x2545_f491_u32;
        for _ in 0..200 {
            let len = (seed % 300) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    [b'a', 0xC3, 0xA9, 0xD0, 0xE2, 0x80, 0xF0, 0x9F, 0xFF, (seed >> 8) as u8][(seed % 10) as usize]
                })
                .collect();
            texts.push(bytes);
        }
        let mut quick = 0;
        for bytes in &texts {
            if surely_more_invalid_than_multibyte(bytes) {
                quick += 1;
                assert!(!count_damage(bytes), "{bytes:?}");
            }
            assert_eq!(is_damaged_utf8(bytes), count_damage(bytes));
        }
        assert!(!is_damaged_utf8(&texts[0]) && !is_damaged_utf8(&texts[1]));
        assert!(surely_more_invalid_than_multibyte(&texts[0]), "windows-1251 Russian takes the quick answer");
        assert!(quick > 2);
    }

    #[test]
    fn utf8_with_a_few_bad_bytes_is_damaged_utf8_not_a_legacy_encoding() {
        let damaged = "Huawei’s “flats” \u{2014} a test.\n"
            .as_bytes()
            .iter()
            .copied()
            .chain(*b"\xff\xfe\x80 more.\n")
            .collect::<Vec<u8>>();
        assert!(is_damaged_utf8(&damaged));
        assert_eq!(chosen(&damaged, false), ("UTF-8", Reason::Utf8));
        // windows-1251 Russian with one accidental valid pair (`Р»`) is still detected.
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251
            .encode("Компания «СССР» заявила, что снизит прогноз на год и сократит расходы.\n");
        assert!(!is_damaged_utf8(&cp1251));
        assert_ne!(chosen(&cp1251, false).0, "UTF-8");
        // windows-1252 with curly quotes has no valid multi-byte UTF-8 at all.
        assert!(!is_damaged_utf8(b"Huawei\x92s \x93flats\x94 sold.\n"));
    }

    #[test]
    fn forced_encoding_wins() {
        match choose(b"abc", true, false, encoding_for_label("latin1")) {
            Sniffed::Text(c) => assert_eq!((c.encoding.name(), c.reason), ("windows-1252", Reason::Forced)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn legacy_bytes_round_trip_through_decode_and_encode() {
        for (encoding, text) in [
            (encoding_rs::WINDOWS_1251, "Компания заявила — «да».\r\n"),
            (encoding_rs::KOI8_R, "Операционная система\n"),
            (encoding_rs::GBK, "华为表示，美国的贸易限制。\n"),
            (encoding_rs::SHIFT_JIS, "日本語のテキスト\n"),
            (encoding_rs::EUC_KR, "한국어 텍스트\n"),
            (encoding_rs::BIG5, "繁體中文\n"),
            (UTF_16LE, "UTF-16 text ✓\n"),
        ] {
            let bytes: Vec<u8> = if encoding == UTF_16LE {
                text.encode_utf16().flat_map(u16::to_le_bytes).collect()
            } else {
                encoding.encode(text).0.into_owned()
            };
            let mut decoded = String::new();
            DecodeReader::new(&bytes[..], encoding, 0).read_to_string(&mut decoded).unwrap();
            assert_eq!(decoded, text, "{}", encoding.name());
            let mut writer = EncodeWriter::new(Vec::new(), encoding);
            writer.write_all(decoded.as_bytes()).unwrap();
            assert_eq!(writer.into_inner().unwrap(), bytes, "{}", encoding.name());
        }
    }

    /// Every single-byte encoding encoding_rs has (`x-user-defined` among them).
    const SINGLE_BYTE: [&Encoding; 29] = {
        use encoding_rs::*;
        [
            IBM866,
            ISO_8859_2,
            ISO_8859_3,
            ISO_8859_4,
            ISO_8859_5,
            ISO_8859_6,
            ISO_8859_7,
            ISO_8859_8,
            ISO_8859_8_I,
            ISO_8859_10,
            ISO_8859_13,
            ISO_8859_14,
            ISO_8859_15,
            ISO_8859_16,
            KOI8_R,
            KOI8_U,
            MACINTOSH,
            WINDOWS_874,
            WINDOWS_1250,
            WINDOWS_1251,
            WINDOWS_1252,
            WINDOWS_1253,
            WINDOWS_1254,
            WINDOWS_1255,
            WINDOWS_1256,
            WINDOWS_1257,
            WINDOWS_1258,
            X_MAC_CYRILLIC,
            X_USER_DEFINED,
        ]
    };

    /// What encoding_rs's own decoder makes of `bytes`: the text, or the offset of the first
    /// malformed byte.
    fn decoded_by_encoding_rs(encoding: &'static Encoding, bytes: &[u8]) -> Result<String, u64> {
        let mut decoder = encoding.new_decoder_without_bom_handling();
        let mut out = vec![0u8; decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap()];
        match decoder.decode_to_utf8_without_replacement(bytes, &mut out, true) {
            (DecoderResult::InputEmpty, _, written) => Ok(String::from_utf8(out[..written].to_vec()).unwrap()),
            (DecoderResult::Malformed(bad, _), read, _) => Err((read - usize::from(bad)) as u64),
            (DecoderResult::OutputFull, ..) => unreachable!("room for the worst case"),
        }
    }

    /// What a `DecodeReader` reading `bytes` `chunk` bytes at a time makes of them.
    fn decoded_by_reader(encoding: &'static Encoding, bytes: &[u8], chunk: usize) -> Result<String, u64> {
        let input = io::BufReader::with_capacity(chunk, bytes);
        let mut text = String::new();
        match DecodeReader::new(input, encoding, 0).read_to_string(&mut text) {
            Ok(_) => Ok(text),
            Err(e) => Err(e.get_ref().and_then(|e| e.downcast_ref::<Malformed>()).expect("a decoding error").offset),
        }
    }

    #[test]
    fn single_byte_encodings_decode_by_table_as_encoding_rs_decodes_them() {
        // Each decodes by table (the comparisons below would hold by encoding_rs's decoder too).
        assert!(SINGLE_BYTE.iter().all(|&e| ByteTable::of(e).is_some()));
        assert!(ByteTable::of(encoding_rs::GBK).is_none() && ByteTable::of(UTF_16LE).is_none());
        let all: Vec<u8> = (0..=255).collect();
        for encoding in SINGLE_BYTE {
            for byte in 0..=255u8 {
                assert_eq!(
                    decoded_by_reader(encoding, &[byte], 1),
                    decoded_by_encoding_rs(encoding, &[byte]),
                    "{} {byte:#04x}",
                    encoding.name()
                );
            }
            // The bytes the encoding maps, in one text: read whole and a few bytes at a time.
            let mapped: Vec<u8> =
                all.iter().copied().filter(|&b| decoded_by_encoding_rs(encoding, &[b]).is_ok()).collect();
            let text = decoded_by_encoding_rs(encoding, &mapped).unwrap();
            for chunk in [1, 3, 8, 64, 4096] {
                assert_eq!(decoded_by_reader(encoding, &mapped, chunk).as_ref(), Ok(&text), "{}", encoding.name());
            }
        }
    }

    #[test]
    fn single_byte_encodings_encode_every_character_by_table_as_encoding_rs_encodes_it() {
        // Each encodes by table (the comparisons below would hold by encoding_rs's encoder too).
        assert!(SINGLE_BYTE.iter().all(|&e| CharTable::of(e).is_some()));
        assert!(CharTable::of(encoding_rs::GBK).is_none());
        let encoded_by_encoding_rs = |encoding: &'static Encoding, text: &str| {
            let mut out = vec![0u8; 4 * text.len() + 16];
            match encoding.new_encoder().encode_from_utf8_without_replacement(text, &mut out, true) {
                (EncoderResult::InputEmpty, _, written) => Ok(out[..written].to_vec()),
                (EncoderResult::Unmappable(character), ..) => Err(character),
                (EncoderResult::OutputFull, ..) => unreachable!("room for the worst case"),
            }
        };
        for encoding in SINGLE_BYTE {
            let table = CharTable::of(encoding).unwrap();
            // Every character of the Basic Multilingual Plane, and one beyond it.
            for character in ('\0'..='\u{FFFF}').chain(['😀']) {
                let text = character.to_string();
                let mut out = Vec::new();
                let by_table = table.encode(&text, &mut out).map(|()| out);
                assert_eq!(by_table, encoded_by_encoding_rs(encoding, &text), "{} {character:?}", encoding.name());
            }
        }
        // Through the writer: what comes before a character the encoding lacks is written, then the error.
        let mut writer = EncodeWriter::new(Vec::new(), encoding_rs::KOI8_R);
        assert!(writer.write_all("Новости: ok".as_bytes()).is_ok());
        let err = writer.write_all("да 中".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("KOI8-R cannot encode"), "{err}");
        assert_eq!(writer.out, encoding_rs::KOI8_R.encode("Новости: okда ").0.into_owned());
    }

    proptest::proptest! {
        #[test]
        fn any_text_encodes_by_table_as_encoding_rs_encodes_it(
            encoding in proptest::sample::select(&SINGLE_BYTE[..]),
            text in "[ -~\u{80}-\u{17f}а-яА-ЯёЁ«»—€ءα-ω\u{f780}-\u{f7ff}中😀]{0,40}",
        ) {
            let mut by_table = Vec::new();
            let by_table = CharTable::of(encoding).unwrap().encode(&text, &mut by_table).map(|()| by_table);
            let mut out = vec![0u8; 4 * text.len() + 16];
            let by_encoding_rs = match encoding.new_encoder().encode_from_utf8_without_replacement(&text, &mut out, true) {
                (EncoderResult::InputEmpty, _, written) => Ok(out[..written].to_vec()),
                (EncoderResult::Unmappable(character), ..) => Err(character),
                (EncoderResult::OutputFull, ..) => unreachable!("room for the worst case"),
            };
            proptest::prop_assert_eq!(by_table, by_encoding_rs);
        }

        #[test]
        fn any_bytes_decode_as_encoding_rs_decodes_them(
            encoding in proptest::sample::select(&SINGLE_BYTE[..]),
            bytes in proptest::collection::vec(proptest::prop_oneof![0x20u8..0x7F, 0x80u8..=0xFF, proptest::num::u8::ANY], 0..200),
            chunk in 1usize..40,
        ) {
            proptest::prop_assert_eq!(decoded_by_reader(encoding, &bytes, chunk), decoded_by_encoding_rs(encoding, &bytes));
        }
    }

    #[test]
    fn malformed_input_and_unmappable_output_are_errors() {
        let mut out = String::new();
        let err = DecodeReader::new(&b"ok \x81\x20"[..], encoding_rs::GBK, 0).read_to_string(&mut out).unwrap_err();
        assert!(err.to_string().contains("not valid GBK (byte offset 3)"), "{err}");
        let mut writer = EncodeWriter::new(Vec::new(), encoding_rs::WINDOWS_1251);
        let err = writer.write_all("中".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("windows-1251 cannot encode"), "{err}");
    }

    #[test]
    fn validates_across_read_boundaries() {
        // A reader returning one byte at a time splits every multi-byte character.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        assert!(validate_utf8(Trickle("Ёлки “палки”\n中文".as_bytes())).is_ok());
        match validate_utf8(Trickle(b"ok\nok\n\xE2\x80 broken")) {
            Err(ValidateError::Utf8(e)) => assert_eq!((e.line, e.offset), (3, 6)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn truncated_character_at_the_end_is_invalid() {
        assert!(matches!(validate_utf8(&b"abc\xE2\x80"[..]), Err(ValidateError::Utf8(_))));
    }
}
