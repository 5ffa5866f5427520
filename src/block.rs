//! The unit of streaming: lines (text without terminator, plus the terminator they had) grouped into
//! blocks, a paragraph with the blank lines before it. Reading never needs more than one block in
//! memory, so inputs of any size stream in bounded memory; decoding checks live in `decode`.

use std::io::{self, BufRead};

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number in the input.
    pub number: usize,
    /// The line's text, without its terminator.
    pub text: String,
    /// The terminator the line had.
    pub ending: Ending,
}

impl Line {
    /// True for an empty or whitespace-only line (a paragraph separator).
    pub fn is_blank(&self) -> bool {
        self.text.bytes().all(|b| b == b' ' || b == b'\t')
    }
}

/// A paragraph and the blank lines before it (or, at the end of an input, only blank lines).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    /// The lines, leading blank lines first.
    pub lines: Vec<Line>,
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

/// Reads UTF-8 lines from a `BufRead` and groups them into blocks.
pub struct BlockReader<R> {
    input: R,
    next_number: usize,
    offset: u64,
    pushed_back: Option<Line>,
    last_ending: Ending,
    max_line: usize,
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
        }
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

    /// The next line's bytes with their terminator, found with the SIMD `memchr` in the reader's
    /// own buffer and copied once into the line's own allocation (empty at the end of the input).
    fn read_raw_line(&mut self) -> Result<Vec<u8>, ReadError> {
        let mut line = Vec::new();
        loop {
            if line.len() > self.max_line {
                return Err(ReadError::LineTooLong { line: self.next_number, limit: self.max_line });
            }
            let available = match self.input.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ReadError::Io(e)),
            };
            if available.is_empty() {
                return Ok(line);
            }
            match memchr::memchr(b'\n', available) {
                Some(at) if line.len() + at <= self.max_line => {
                    line.extend_from_slice(&available[..=at]);
                    self.input.consume(at + 1);
                    return Ok(line);
                }
                Some(_) => return Err(ReadError::LineTooLong { line: self.next_number, limit: self.max_line }),
                None => {
                    let n = available.len();
                    line.extend_from_slice(available);
                    self.input.consume(n);
                }
            }
        }
    }

    fn read_line(&mut self) -> Result<Option<Line>, ReadError> {
        if let Some(line) = self.pushed_back.take() {
            return Ok(Some(line));
        }
        let mut bytes = self.read_raw_line()?;
        let n = bytes.len();
        if n == 0 {
            return Ok(None);
        }
        let start = self.offset;
        self.offset += n as u64;
        let ending = if bytes.ends_with(b"\r\n") {
            bytes.truncate(n - 2);
            Ending::CrLf
        } else if bytes.ends_with(b"\n") {
            bytes.truncate(n - 1);
            Ending::Lf
        } else {
            Ending::None
        };
        let number = self.next_number;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let valid = e.utf8_error().valid_up_to() as u64;
                return Err(ReadError::Utf8(InvalidUtf8 { line: number, offset: start + valid }));
            }
        };
        self.next_number += 1;
        self.last_ending = ending;
        Ok(Some(Line { number, text, ending }))
    }

    /// The next block, or `None` at the end of the input.
    pub fn next_block(&mut self) -> Result<Option<Block>, ReadError> {
        let mut block = Block::default();
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
        Ok(if block.lines.is_empty() { None } else { Some(block) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(input: &str) -> Vec<Vec<String>> {
        let mut reader = BlockReader::new(input.as_bytes(), 0);
        let mut out = Vec::new();
        while let Some(b) = reader.next_block().unwrap() {
            out.push(b.lines.iter().map(|l| format!("{}{}", l.text, l.ending.as_str())).collect());
        }
        out
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
