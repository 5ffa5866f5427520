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
    /// A line is longer than `--max-line-mib`.
    #[error("{}: line {line} is longer than {} MiB: left alone (raise the limit with --max-line-mib)", path.display(), limit >> 20)]
    LineTooLong {
        /// The file.
        path: PathBuf,
        /// The line's number.
        line: usize,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The bytes are not UTF-8.
    #[error("{}: not valid UTF-8 (line {line}, byte offset {offset}); use --encoding to read it in another encoding", path.display())]
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// Byte offset of the first invalid byte.
        offset: u64,
    },
    /// The bytes do not decode in the encoding chosen for them.
    #[error("{}: cannot decode: {reason}", path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// What did not decode, and where.
        reason: String,
    },
    /// The cleaned text cannot be written back in the file's encoding; the file is untouched.
    #[error("{}: cannot write back (file left unchanged): {reason}", path.display())]
    Encode {
        /// The file.
        path: PathBuf,
        /// Which character, and which encoding.
        reason: String,
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
    /// `--write` would change a file that has no write permission bit; it is left as it was.
    #[error("{}: read-only file, left alone", path.display())]
    ReadOnly {
        /// The file.
        path: PathBuf,
    },
    /// The file changed on disk while it was being reviewed; it is left as it now is.
    #[error("{}: changed on disk during the review, left alone (run newsclean on it again)", path.display())]
    ChangedMeanwhile {
        /// The file.
        path: PathBuf,
    },
    /// A feed could not be read item by item (not well-formed, an unknown encoding, too large).
    #[error("{}: cannot read the feed: {reason}", path.display())]
    Feed {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// An HTML page could not be turned into text.
    #[error("{}: {reason}", path.display())]
    Html {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A `newsclean.toml` is malformed or names something that does not exist.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Config {
        /// The config file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A command-line argument names something that does not exist (an unknown rule).
    #[error("{0}")]
    Usage(String),
    /// Writing to the output (stdout) failed.
    #[error("cannot write output: {0}")]
    Output(#[source] io::Error),
}
