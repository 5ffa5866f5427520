//! The one write path of `--write`, `--out` and `--interactive`: cleaned text goes to a spool beside
//! the target, in the target's encoding and byte-order mark, and is renamed into place only when
//! complete (`files::Spool`: crash-safe, `--backup`, owner, permissions and extended attributes
//! kept, a file changed meanwhile left alone), now or with a batch made durable together
//! (`files::Batch`).

use std::io::{self, BufRead, Write};
use std::path::Path;

use encoding_rs::Encoding;

use crate::decode::{EncodeWriter, Unmappable};
use crate::error::Error;
use crate::files::{Batch, Spool};
use crate::pipeline::{Cleaner, Outcome, Sink, StreamError, TextSink};
use crate::source::stream_error;

/// The most precise error for a failed write of `path`.
pub fn write_error(path: &Path, source: io::Error) -> Error {
    if source.get_ref().is_some_and(|e| e.is::<crate::files::ReadOnly>()) {
        return Error::ReadOnly { path: path.to_owned() };
    }
    if let Some(u) = source.get_ref().and_then(|e| e.downcast_ref::<Unmappable>()) {
        return Error::Encode { path: path.to_owned(), reason: u.to_string() };
    }
    Error::Write { path: path.to_owned(), source }
}

/// Where and how a file is written: the one write path of `--write`, `--out` and `--interactive`.
pub struct WriteTo<'a> {
    /// The path named in messages.
    pub path: &'a Path,
    /// The file replaced or created (a symlink's target, resolved).
    pub target: &'a Path,
    /// The encoding and byte-order mark written.
    pub encoding: (&'static Encoding, &'static [u8]),
    /// `--backup`'s suffix.
    pub backup: Option<&'a std::ffi::OsStr>,
    /// What the file was when it was read: it is replaced only if it still is.
    pub read: Option<crate::files::Stamp>,
    /// When the file goes into place.
    pub commit: Commit<'a>,
}

/// When a written file goes into place.
#[derive(Clone, Copy, Debug)]
pub enum Commit<'a> {
    /// Before the write returns, durably (a batch of one).
    Now,
    /// With the batch, durably when [`Batch::finish`] returns, which names it by this key if it
    /// fails then.
    With(&'a Batch, usize),
}

impl WriteTo<'_> {
    /// Writes the text `fill` produces to a spool beside the target, in the target's encoding, and
    /// renames it into place (crash-safe, see `files::Spool`) if `fill` says to, now or with the
    /// batch; returns what `fill` returned.
    pub fn write<T>(
        &self,
        fill: impl FnOnce(&mut EncodeWriter<Spool>) -> Result<(T, bool), Error>,
    ) -> Result<(T, bool), Error> {
        let (encoding, bom) = self.encoding;
        let mut spool = Spool::for_target(self.target);
        spool.write_all(bom).map_err(|e| write_error(self.path, e))?;
        let mut writer = EncodeWriter::new(spool, encoding);
        let (value, commit) = fill(&mut writer)?;
        if commit {
            let spool = writer.into_inner().map_err(|e| write_error(self.path, e))?;
            let replacement =
                spool.prepare(self.target, self.backup, self.read).map_err(|e| write_error(self.path, e))?;
            match self.commit {
                Commit::Now => replacement.commit().map_err(|e| write_error(self.path, e))?,
                Commit::With(batch, key) => batch.add(key, self.path, replacement),
            }
        }
        Ok((value, commit))
    }

    /// Cleans `text` into the target, handing the blocks to `report` too; written if it changed or
    /// `always`.
    pub fn clean_into(
        &self,
        cleaner: &Cleaner,
        (text, offset): (Box<dyn BufRead + '_>, u64),
        always: bool,
        report: &mut dyn Sink,
    ) -> Result<(Outcome, bool), Error> {
        self.write(|writer| {
            let mut sinks = (TextSink::new(writer), report);
            let outcome = cleaner.clean_stream(text, offset, &mut sinks).map_err(|e| match e {
                StreamError::Write(source) => write_error(self.path, source),
                e => stream_error(self.path, e),
            })?;
            let rewrite = always || outcome.changed;
            Ok((outcome, rewrite))
        })
    }
}
