//! The library's one error type. Every variant names the file it is about, so a batch can report
//! `newsclean: PATH: reason` and go on with the next file.

use std::io;
use std::path::PathBuf;

/// What went wrong with one input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The bytes are not UTF-8.
    #[error("{}: not valid UTF-8 (line {line}, byte offset {offset}); other encodings are not supported yet", path.display())]
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// Byte offset of the first invalid byte.
        offset: u64,
    },
    /// The input is in an encoding this version cannot read.
    #[error("{}: {encoding} input is not supported yet", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The encoding found (from its byte-order mark).
        encoding: &'static str,
    },
    /// The cleaned file could not be written; the original is untouched.
    #[error("{}: cannot write (file left unchanged): {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Writing to the output (stdout) failed.
    #[error("cannot write output: {0}")]
    Output(#[source] io::Error),
}
