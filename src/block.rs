//! The unit of streaming: lines (text without terminator, plus the terminator they had) grouped into
//! blocks, a paragraph with the blank lines before it. Reading never needs more than one block in
//! memory, so inputs of any size stream in bounded memory; decoding checks live in `decode`.

use std::io::{self, BufRead};

use crate::clues::Clues;

/// Paragraphs longer than this many lines are cut into several blocks, to bound memory on files
/// with no blank lines at all (one-article-per-line dumps, single-newline paragraphs).
const MAX_BLOCK_LINES: usize = 256;
/// Same bound in bytes; a single line longer than this still forms one block of its own.
const MAX_BLOCK_BYTES: usize = 1 << 20;

/// The terminator a line had in the input; kept so CRLF files stay CRLF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The last line of an input without a final newline.
    None,
    /// `\n`
    Lf,
    /// `\r\n`
    CrLf,
}

impl Ending {
    /// The terminator's bytes as text.
    pub fn as_str(self) -> &'static str {
        match self {
            Ending::None => "",
            Ending::Lf => "\n",
            Ending::CrLf => "\r\n",
        }
    }

    /// The terminator spelled `text` (`""`, `"\n"` or `"\r\n"`).
    pub fn parse(text: &str) -> Option<Ending> {
        [Ending::None, Ending::Lf, Ending::CrLf].into_iter().find(|e| e.as_str() == text)
    }
}

/// One input line.
#[derive(Clone, Debug)]
pub struct Line {
    /// 1-based line number in the input.
    pub number: usize,
    /// The line's text, without its terminator. A line the reader made keeps the clues of the
    /// text it read: a changed text makes a new line (`Line::new`), not an edit of this field.
    pub text: String,
    /// The terminator the line had.
    pub ending: Ending,
    /// The clues of `text` (`Clues`), found by the reader in the same pass that tells whether the
    /// line needs a UTF-8 check, while its bytes are in cache; the page-chrome classifier and the
    /// stages start from them. `None` for a line made otherwise (they are found when needed). Not
    /// part of a line's equality.
    clues: Option<Clues>,
}

impl PartialEq for Line {
    fn eq(&self, other: &Line) -> bool {
        self.number == other.number && self.text == other.text && self.ending == other.ending
    }
}

impl Eq for Line {}

impl Line {
    /// Line `number`, `text` with its terminator `ending`.
    pub fn new(number: usize, text: String, ending: Ending) -> Line {
        Line { number, text, ending, clues: None }
    }

    /// The clues of the line's text: as the reader found them, or found now.
    pub(crate) fn clues(&self) -> Clues {
        self.clues.unwrap_or_else(|| Clues::of(&self.text))
    }

    /// The clues the reader found, if it read the line.
    pub(crate) fn read_clues(&self) -> Option<Clues> {
        self.clues
    }

    /// `trim(&self.text)`, without a look at the text where the reader found both its ends
    /// visible ASCII: the page-chrome classifier trims every line of its window, and the loads of
    /// their first and last bytes were a third of its time.
    pub(crate) fn trimmed(&self) -> &str {
        match self.clues {
            Some(clues) if !clues.has(Clues::RAGGED_EDGE) => &self.text,
            _ => trim(&self.text),
        }
    }

    /// True for an empty or whitespace-only line (a paragraph separator).
    pub fn is_blank(&self) -> bool {
        self.text.bytes().all(|b| b == b' ' || b == b'\t')
    }
}

/// `text.trim()`, answered from its first and last bytes when both are visible ASCII (most lines
/// of news): `str::trim` walks characters in from both ends, and the stages trim every line
/// several times (a twentieth of a run on the benchmark corpus went there).
pub fn trim(text: &str) -> &str {
    trim_end(trim_start(text))
}

/// `text.trim_start()`, answered from its first byte when that is visible ASCII (see `trim`).
pub fn trim_start(text: &str) -> &str {
    match text.as_bytes().first() {
        Some(b) if b.is_ascii_graphic() => text,
        _ => text.trim_start(),
    }
}

/// `text.trim_end()`, answered from its last byte when that is visible ASCII (see `trim`).
pub fn trim_end(text: &str) -> &str {
    match text.as_bytes().last() {
        Some(b) if b.is_ascii_graphic() => text,
        _ => text.trim_end(),
    }
}

/// A paragraph and the blank lines before it (or, at the end of an input, only blank lines).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    /// The lines, leading blank lines first.
    pub lines: Vec<Line>,
}

#[cfg(test)]
impl Block {
    /// A block of `texts` numbered from 1, each line ending in `\n` (for tests).
    pub(crate) fn of_lines(texts: &[&str]) -> Block {
        let lines = texts.iter().enumerate().map(|(i, t)| Line::new(i + 1, (*t).to_owned(), Ending::Lf)).collect();
        Block { lines }
    }
}

impl Block {
    /// True if the block has no text line (trailing blank lines at the end of an input).
    pub fn is_blank(&self) -> bool {
        self.lines.iter().all(Line::is_blank)
    }

    /// The text lines of the block, blank separators left out.
    pub fn text_lines(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().filter(|l| !l.is_blank()).map(|l| l.text.as_str())
    }
}

/// A line was not valid UTF-8.
#[derive(Debug)]
pub struct InvalidUtf8 {
    /// 1-based line number.
    pub line: usize,
    /// Byte offset of the first invalid byte in the input.
    pub offset: u64,
}

/// Why reading a block failed.
#[derive(Debug)]
pub enum ReadError {
    /// The reader failed.
    Io(io::Error),
    /// The bytes were not UTF-8.
    Utf8(InvalidUtf8),
    /// A line is longer than the limit (`line` is its number): reading stops before holding it.
    LineTooLong {
        /// The line's number.
        line: usize,
        /// The limit, in bytes.
        limit: usize,
    },
}

/// The longest line read by default (64 MiB): a line is held whole while it is cleaned, in about
/// 2.4 times its size from stdin to stdout (3.4 with `--write`, 4.4 for a diff), and each worker of
/// a directory batch may hold one, so the default stays where a stray dump costs a few hundred
/// MiB; `--max-line-mib` raises it.
pub const DEFAULT_MAX_LINE: usize = 64 << 20;

/// The smallest new block list: most blocks fit, so a reused one seldom grows.
const MIN_LIST: usize = 16;

/// Line lists kept for the next blocks, counted in lines they have room for (about 1 MiB).
const SPARE_LIST_LINES: usize = 1 << 15;

/// Reads UTF-8 lines from a `BufRead` and groups them into blocks.
pub struct BlockReader<R> {
    input: R,
    next_number: usize,
    offset: u64,
    pushed_back: Option<Line>,
    last_ending: Ending,
    max_line: usize,
    spare: Spare,
    /// The input is the bytes of a `str` (`of_str`): its lines need no UTF-8 check.
    text_input: bool,
}

/// The lists of lines of blocks already cleaned and written, reused for the next blocks. A stream
/// of many small inputs (the records of JSON lines) hands them from one input's reader to the
/// next. A line's text is its own `String`: a pool of line buffers by size class saved glibc's
/// malloc work, but with mimalloc (the binary's allocator) keeping and finding them cost more
/// than a fresh allocation (benchmark corpus: 0.1 instructions a byte and 3% of CPU time).
#[derive(Default)]
pub(crate) struct Spare {
    lists: Vec<Vec<Line>>,
    /// The capacity of `lists`, in lines.
    list_lines: usize,
    /// The queue of blocks read ahead, empty, with its room (see `Cleaner::clean_stream_reusing`).
    pub(crate) ahead: std::collections::VecDeque<Block>,
}

impl Spare {
    /// An empty list of lines, with room left by an earlier block if any.
    fn list(&mut self) -> Vec<Line> {
        match self.lists.pop() {
            Some(list) => {
                self.list_lines -= list.capacity();
                list
            }
            None => Vec::with_capacity(MIN_LIST),
        }
    }

    fn keep_list(&mut self, mut lines: Vec<Line>) {
        lines.clear();
        let capacity = lines.capacity();
        if capacity > 0 && capacity <= MAX_BLOCK_LINES && self.list_lines + capacity <= SPARE_LIST_LINES {
            self.list_lines += capacity;
            self.lists.push(lines);
        }
    }
}

/// `bytes` as text, or the length of its valid beginning. Checked with SIMD (every byte of the
/// input passes here once): an ASCII line (most lines of news, told by its `clues`) as it is, the
/// others by the full UTF-8 check.
fn utf8(bytes: &[u8], clues: Clues) -> Result<&str, usize> {
    if !clues.has(Clues::NON_ASCII) {
        // SAFETY: ASCII is valid UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    simdutf8::basic::from_utf8(bytes)
        .map_err(|_| simdutf8::compat::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), |_| bytes.len()))
}

impl<'t> BlockReader<&'t [u8]> {
    /// Reads the lines of `text` (a `--jsonl` record's, checked as the record was read): they are
    /// text already, and are not checked again.
    pub fn of_str(text: &'t str, offset: u64) -> Self {
        BlockReader { text_input: true, ..BlockReader::new(text.as_bytes(), offset) }
    }
}

impl<R: BufRead> BlockReader<R> {
    /// Starts reading at line 1; `offset` is the byte position of the first byte (after a BOM).
    pub fn new(input: R, offset: u64) -> Self {
        BlockReader {
            input,
            next_number: 1,
            offset,
            pushed_back: None,
            last_ending: Ending::None,
            max_line: DEFAULT_MAX_LINE,
            spare: Spare::default(),
            text_input: false,
        }
    }

    /// Reads into the block lists `spare` that another reader left (`into_spare`).
    pub(crate) fn with_spare(mut self, spare: Spare) -> Self {
        self.spare = spare;
        self
    }

    /// The block lists left for the next reader.
    pub(crate) fn into_spare(self) -> Spare {
        self.spare
    }

    /// Refuses lines longer than `bytes` (`ReadError::LineTooLong`).
    pub fn with_max_line(mut self, bytes: usize) -> Self {
        self.max_line = bytes;
        self
    }

    /// The terminator of the last line read so far (of the whole input once `next_block` returned `None`).
    pub fn last_ending(&self) -> Ending {
        self.last_ending
    }

    /// Hands back the lines of a block done with, whose list the next blocks read reuse.
    pub fn recycle(&mut self, lines: Vec<Line>) {
        self.spare.keep_list(lines);
    }

    /// The next line. Most lines lie whole in the reader's buffer, found there with the SIMD
    /// `memchr` and copied once, checked, into a string of its own; a line cut by the buffer's end
    /// is gathered into a buffer of its own and checked whole.
    fn read_line(&mut self) -> Result<Option<Line>, ReadError> {
        if let Some(line) = self.pushed_back.take() {
            return Ok(Some(line));
        }
        let number = self.next_number;
        let start = self.offset;
        let mut gathered = Vec::new();
        loop {
            if gathered.len() > self.max_line {
                return Err(ReadError::LineTooLong { line: number, limit: self.max_line });
            }
            let available = match self.input.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ReadError::Io(e)),
            };
            if available.is_empty() {
                break;
            }
            match memchr::memchr(b'\n', available) {
                Some(at) if gathered.is_empty() && at <= self.max_line => {
                    let (body, ending) = match available[..at].strip_suffix(b"\r") {
                        Some(body) => (body, Ending::CrLf),
                        None => (&available[..at], Ending::Lf),
                    };
                    let clues = Clues::of_bytes(body);
                    let text = match self.text_input {
                        // SAFETY: the input is the bytes of a `str` (`of_str`), read from its start
                        // and cut only at a `\n` (and before a `\r`), ASCII bytes: a line of it is a
                        // whole number of its characters.
                        true => unsafe { std::str::from_utf8_unchecked(body) },
                        false => utf8(body, clues).map_err(|valid| {
                            ReadError::Utf8(InvalidUtf8 { line: number, offset: start + valid as u64 })
                        })?,
                    };
                    let line = text.to_owned();
                    self.input.consume(at + 1);
                    self.offset += at as u64 + 1;
                    let mut line = self.line(line, ending);
                    line.clues = Some(clues);
                    return Ok(Some(line));
                }
                Some(at) if gathered.len() + at <= self.max_line => {
                    gathered.extend_from_slice(&available[..=at]);
                    self.input.consume(at + 1);
                    break;
                }
                Some(_) => return Err(ReadError::LineTooLong { line: number, limit: self.max_line }),
                None => {
                    let n = available.len();
                    gathered.extend_from_slice(available);
                    self.input.consume(n);
                }
            }
        }
        let n = gathered.len();
        if n == 0 {
            return Ok(None);
        }
        self.offset += n as u64;
        let ending = if gathered.ends_with(b"\r\n") {
            gathered.truncate(n - 2);
            Ending::CrLf
        } else if gathered.ends_with(b"\n") {
            gathered.truncate(n - 1);
            Ending::Lf
        } else {
            Ending::None
        };
        match String::from_utf8(gathered) {
            Ok(text) => Ok(Some(self.line(text, ending))),
            Err(e) => {
                let valid = e.utf8_error().valid_up_to() as u64;
                Err(ReadError::Utf8(InvalidUtf8 { line: number, offset: start + valid }))
            }
        }
    }

    /// The line just read, numbered.
    fn line(&mut self, text: String, ending: Ending) -> Line {
        let number = self.next_number;
        self.next_number += 1;
        self.last_ending = ending;
        Line::new(number, text, ending)
    }

    /// The next block, or `None` at the end of the input.
    pub fn next_block(&mut self) -> Result<Option<Block>, ReadError> {
        let mut block = Block { lines: self.spare.list() };
        let mut bytes = 0;
        let mut in_paragraph = false;
        while let Some(line) = self.read_line()? {
            let blank = line.is_blank();
            if blank && in_paragraph {
                self.pushed_back = Some(line);
                break;
            }
            in_paragraph |= !blank;
            bytes += line.text.len();
            block.lines.push(line);
            if in_paragraph && (block.lines.len() >= MAX_BLOCK_LINES || bytes >= MAX_BLOCK_BYTES) {
                break;
            }
        }
        if block.lines.is_empty() {
            self.spare.keep_list(block.lines);
            return Ok(None);
        }
        Ok(Some(block))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_trims_give_what_str_trim_gives() {
        let samples = [
            "",
            " ",
            "\t",
            "x",
            " x ",
            "said.",
            "  said.",
            "said.  ",
            "\u{a0}Credit\u{a0}",
            "\u{3000}更多\u{3000}",
            "\u{2003}em\u{2003}",
            "\u{1}ctl\u{7f}",
            "Мнение ",
            " Читать",
            "é",
            " é ",
            "\r\nx\r\n",
            "\u{85}x\u{85}",
            "\u{200b}zero-width\u{200b}",
            "a b",
            "~",
            "\u{7f}",
        ];
        for s in samples {
            assert_eq!(trim(s), s.trim(), "{s:?}");
            assert_eq!(trim_start(s), s.trim_start(), "{s:?}");
            assert_eq!(trim_end(s), s.trim_end(), "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_quick_trims_agree_with_str_on_any_text(s in "[ \t\u{a0}\u{3000}\u{1}\u{7f}a-zé.更]{0,8}") {
            proptest::prop_assert_eq!(trim(&s), s.trim());
            proptest::prop_assert_eq!(trim_start(&s), s.trim_start());
            proptest::prop_assert_eq!(trim_end(&s), s.trim_end());
        }
    }

    fn blocks(input: &str) -> Vec<Vec<String>> {
        let mut reader = BlockReader::new(input.as_bytes(), 0);
        let mut out = Vec::new();
        while let Some(b) = reader.next_block().unwrap() {
            out.push(b.lines.iter().map(|l| format!("{}{}", l.text, l.ending.as_str())).collect());
        }
        out
    }

    #[test]
    fn the_reader_gives_each_line_the_clues_of_its_text() {
        let input = "Plain words\r\nREAD MORE: [12] x \\ &amp; Été \n\nAl said. tS .\n\t\n[1]\nlast, no terminator";
        // A buffer of 7 bytes cuts most lines: gathered, they get their clues later, the same.
        for capacity in [7, 1 << 16] {
            let mut reader = BlockReader::new(io::BufReader::with_capacity(capacity, input.as_bytes()), 0);
            let mut read = 0;
            while let Some(block) = reader.next_block().unwrap() {
                for line in &block.lines {
                    assert_eq!(line.clues(), Clues::of(&line.text), "{:?}", line.text);
                    assert!(line.read_clues().is_none_or(|c| c == Clues::of(&line.text)), "{:?}", line.text);
                    read += usize::from(line.read_clues().is_some());
                }
            }
            // Every line but the last (no terminator: gathered to the input's end) in one read.
            assert!(capacity < 64 || read == 6, "{read}");
        }
        assert!(Clues::of("[1]").has(Clues::BRACKET) && !Clues::of("Plain words").has(Clues::BRACKET));
    }

    #[test]
    fn a_str_is_read_as_its_bytes_are() {
        let texts = [
            "",
            "Été\r\n\r\n华为表示。\nlast, no terminator 😀",
            "\u{feff}BOM kept as text\n\n\nÜber\r\n",
            "\r\n\n\u{2028}\u{3000}\n",
        ];
        for text in texts {
            for offset in [0, 3] {
                let read = |mut reader: BlockReader<&[u8]>| {
                    let mut out = Vec::new();
                    while let Some(b) = reader.next_block().unwrap() {
                        out.extend(b.lines.iter().map(|l| (l.number, l.text.clone(), l.ending, l.read_clues())));
                    }
                    (out, reader.last_ending())
                };
                assert_eq!(read(BlockReader::of_str(text, offset)), read(BlockReader::new(text.as_bytes(), offset)));
            }
        }
    }

    #[test]
    fn blank_lines_belong_to_the_paragraph_after_them() {
        assert_eq!(
            blocks("Title\n\nOne\ntwo\n\n\nThree"),
            vec![vec!["Title\n"], vec!["\n", "One\n", "two\n"], vec!["\n", "\n", "Three"],]
        );
    }

    #[test]
    fn trailing_blank_lines_form_a_block_of_their_own() {
        let b = blocks("One\r\n\r\n");
        assert_eq!(b, vec![vec!["One\r\n"], vec!["\r\n"]]);
    }

    #[test]
    fn long_paragraphs_are_cut() {
        let input = "line\n".repeat(MAX_BLOCK_LINES + 3);
        let b = blocks(&input);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].len(), MAX_BLOCK_LINES);
    }

    #[test]
    fn invalid_utf8_names_line_and_offset() {
        let mut reader = BlockReader::new(&b"ok\nbad \xff here\n"[..], 3);
        match reader.next_block() {
            Err(ReadError::Utf8(e)) => assert_eq!((e.line, e.offset), (2, 3 + 3 + 4)),
            other => panic!("expected a UTF-8 error, got {other:?}"),
        }
    }
}
