//! From bytes to text: byte-order marks, binary detection and UTF-8 validation. This version reads
//! UTF-8 with or without a BOM; anything else is reported as an error naming the file, never guessed.

use std::io::{self, Read};

use crate::block::InvalidUtf8;

/// The UTF-8 byte-order mark.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// How much of the start of a file is searched for NUL bytes, as git does to call a file binary.
pub const SNIFF_LEN: usize = 8000;

/// What the first bytes of an input say about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    /// UTF-8 text (to be validated while reading), with or without a BOM.
    Utf8 {
        /// True if the input starts with a UTF-8 byte-order mark.
        bom: bool,
    },
    /// A UTF-16 byte-order mark: not readable by this version.
    Utf16(&'static str),
    /// NUL bytes near the start: a binary file, to be skipped.
    Binary,
}

/// Classifies an input from its first bytes (up to `SNIFF_LEN`).
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.starts_with(UTF8_BOM) {
        return Sniffed::Utf8 { bom: true };
    }
    if head.starts_with(b"\xFF\xFE") {
        return Sniffed::Utf16("UTF-16LE");
    }
    if head.starts_with(b"\xFE\xFF") {
        return Sniffed::Utf16("UTF-16BE");
    }
    if memchr::memchr(0, &head[..head.len().min(SNIFF_LEN)]).is_some() {
        return Sniffed::Binary;
    }
    Sniffed::Utf8 { bom: false }
}

/// Why `validate_utf8` failed.
#[derive(Debug)]
pub enum ValidateError {
    /// Reading failed.
    Io(io::Error),
    /// The bytes are not UTF-8.
    Utf8(InvalidUtf8),
}

/// Checks that a whole input is UTF-8 without holding it in memory, for modes that print output as
/// they go and must not print half a file's diff before finding it unreadable.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_boms_and_binary() {
        assert_eq!(sniff(b"\xEF\xBB\xBFtext"), Sniffed::Utf8 { bom: true });
        assert_eq!(sniff(b"\xFF\xFEt\0"), Sniffed::Utf16("UTF-16LE"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Sniffed::Binary);
        assert_eq!(sniff("Ёлки".as_bytes()), Sniffed::Utf8 { bom: false });
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
