//! Replacing a file with its cleaned copy: the output spooled beside the target, given its
//! permissions, owner and extended attributes, then (once synced, which `durable` does for a whole
//! batch) locked, checked, backed up if asked and renamed over it. Which files, and when the
//! disk is synced, belong to others.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Output kept in memory up to this size before it spills into a temporary file.
const SPOOL_MEMORY: usize = 8 << 20;

/// Cleaned output of one file on its way to replacing it: held in memory while small, spilled to a
/// temporary file in the target's directory when large, and renamed over the target only by
/// `commit` (or the [`Replacement`] `prepare` makes). Dropped uncommitted, it leaves no trace and the original untouched.
pub struct Spool {
    dir: PathBuf,
    memory: Vec<u8>,
    file: Option<BufWriter<tempfile::NamedTempFile>>,
}

impl Spool {
    /// A spool for replacing `target`.
    pub fn for_target(target: &Path) -> Self {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Spool { dir, memory: Vec::new(), file: None }
    }

    fn temp_file(&self) -> io::Result<BufWriter<tempfile::NamedTempFile>> {
        let file = tempfile::Builder::new().prefix(".newsclean-").suffix(".tmp").tempfile_in(&self.dir)?;
        Ok(BufWriter::with_capacity(1 << 16, file))
    }

    /// Flushes the output to disk and renames it over `target` (see [`Spool::prepare`]): a batch
    /// of one, durable when this returns.
    pub fn commit(self, target: &Path, backup: Option<&OsStr>, read: Option<Stamp>) -> io::Result<()> {
        self.prepare(target, backup, read)?.commit()
    }

    /// Writes the output to a temporary file beside `target` with `target`'s permissions, owner
    /// (where allowed) and extended attributes (a new file gets the default permissions of a new
    /// file), but neither syncs it nor renames it: the [`Replacement`] does that, alone or with a
    /// [`Batch`](super::Batch). A target with no write bit is refused with [`ReadOnly`] and left
    /// alone, whoever runs this (root included).
    ///
    /// With `backup`, the original will be kept beside the target as `target` + `backup` before
    /// it is replaced, so that at every moment it exists under one of the two names. With `read`,
    /// the stamp of the file as it was read, the target must still be that file when it is
    /// replaced: it is then locked (against another newsclean run replacing it at the same time,
    /// whose backup would then hold cleaned text) and checked, and a file that changed, vanished or
    /// became a symlink meanwhile is left alone with [`ChangedOnDisk`].
    pub fn prepare(mut self, target: &Path, backup: Option<&OsStr>, read: Option<Stamp>) -> io::Result<Replacement> {
        let original = match fs::metadata(target) {
            Ok(meta) => Some(meta),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        if original.as_ref().is_some_and(|meta| meta.permissions().mode() & 0o222 == 0) {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, ReadOnly));
        }
        let mut file = match self.file.take() {
            Some(file) => file,
            None => self.temp_file()?,
        };
        file.write_all(&self.memory)?;
        let file = file.into_inner().map_err(|e| e.into_error())?;
        match &original {
            Some(meta) => {
                keep_owner(file.as_file(), meta)?;
                fs::set_permissions(file.path(), meta.permissions())?;
                keep_extended_attributes(target, file.path())?;
            }
            // tempfile creates 0600 files; a new output file gets the usual 0644.
            None => fs::set_permissions(file.path(), fs::Permissions::from_mode(0o644))?,
        }
        let meta = file.as_file().metadata()?;
        Ok(Replacement {
            // Closed here: a batch holds its files by name, not by descriptor.
            temp: file.into_temp_path(),
            dir: self.dir,
            target: target.to_owned(),
            backup: backup.filter(|_| original.is_some()).map(OsStr::to_owned),
            read,
            replaces: original.is_some(),
            device: meta.dev(),
            len: meta.len(),
        })
    }
}

/// A cleaned file written beside its target, not yet synced or renamed into place. Dropped, it
/// removes its temporary file and leaves the target as it was.
#[derive(Debug)]
pub struct Replacement {
    temp: tempfile::TempPath,
    dir: PathBuf,
    target: PathBuf,
    backup: Option<OsString>,
    read: Option<Stamp>,
    replaces: bool,
    device: u64,
    len: u64,
}

impl Replacement {
    /// Syncs it and renames it into place, durable when this returns: a batch of one.
    pub fn commit(self) -> io::Result<()> {
        let batch = super::Batch::default();
        batch.add(0, Path::new(""), self);
        batch.finish().pop().map_or(Ok(()), |failed| Err(failed.error))
    }

    /// The size of the temporary file, in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True if the cleaned file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file system (device) the temporary file and its target are on.
    pub(super) fn device(&self) -> u64 {
        self.device
    }

    /// The directory the temporary file and its target are in.
    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The temporary file, opened for a sync of it or of its file system.
    pub(super) fn open_temp(&self) -> io::Result<fs::File> {
        fs::File::open(&self.temp)
    }

    /// Backs up the target if asked and renames the temporary file over it, after checking (under
    /// the lock) that the target is still the file that was read and is not read-only. Not
    /// durable until the directory is synced; the data must be already, so that after a crash the
    /// name points at the old bytes or the new ones, never at an empty or partial file.
    pub(super) fn rename_into_place(self) -> io::Result<()> {
        let _lock = self.read.map(|stamp| lock_unchanged(&self.target, stamp)).transpose()?;
        // Looked at again: the batch may have been pending for a second since `prepare`.
        if self.replaces && is_read_only(&self.target).unwrap_or(false) {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, ReadOnly));
        }
        if let Some(suffix) = &self.backup {
            back_up(&self.target, suffix, &self.dir)?;
        }
        self.temp.persist(&self.target).map_err(|e| e.error)
    }
}

/// The target changed between reading it and replacing it (appended to, replaced, deleted, or
/// swapped for a symlink): the cleaned text would lose that change, so the file is left alone.
#[derive(Debug, thiserror::Error)]
#[error("changed on disk during the run, left alone (run newsclean on it again)")]
pub struct ChangedOnDisk;

/// Opens and locks `target` if it is still the regular file stamped `read`; the lock is held
/// while the file is replaced and released when the returned handle drops. Other newsclean runs
/// take the same lock, so the second of two runs sees the first one's result and leaves it alone.
fn lock_unchanged(target: &Path, read: Stamp) -> io::Result<fs::File> {
    let changed = || io::Error::other(ChangedOnDisk);
    let still_it = |meta: &fs::Metadata| meta.file_type().is_file() && Stamp::from_metadata(meta) == read;
    if !fs::symlink_metadata(target).is_ok_and(|m| still_it(&m)) {
        return Err(changed());
    }
    let file = fs::File::open(target)?;
    match file.lock() {
        // A file system without locks (some network mounts) still gets the checks below.
        Err(e) if e.kind() == io::ErrorKind::Unsupported => {}
        other => other?,
    }
    // Looked at again under the lock: another run may have replaced the file while we waited.
    if !still_it(&file.metadata()?) || !fs::symlink_metadata(target).is_ok_and(|m| still_it(&m)) {
        return Err(changed());
    }
    Ok(file)
}

/// True if the file at `path` has no write permission bit (for anyone), so `--write` leaves it alone.
pub fn is_read_only(path: &Path) -> io::Result<bool> {
    Ok(fs::metadata(path)?.permissions().mode() & 0o222 == 0)
}

/// What a file looked like when it was read (size, modification time, inode), to tell before
/// replacing it whether someone changed it meanwhile (an interactive review can take minutes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
}

impl Stamp {
    /// The stamp of the file at `path` now.
    pub fn of(path: &Path) -> io::Result<Stamp> {
        Ok(Stamp::from_metadata(&fs::metadata(path)?))
    }

    /// The stamp of the file `path` names itself, not followed if it is a symlink: a symlink (one
    /// that replaced the file after the walk found it) is `ChangedOnDisk`.
    pub fn of_entry(path: &Path) -> io::Result<Stamp> {
        let meta = fs::symlink_metadata(path)?;
        if !meta.file_type().is_file() {
            return Err(io::Error::other(ChangedOnDisk));
        }
        Ok(Stamp::from_metadata(&meta))
    }

    /// True if `file` (open) is the file `path` names now, not one a symlink swapped in leads to.
    pub fn is_entry_of(file: &fs::File, path: &Path) -> io::Result<bool> {
        let (opened, named) = (file.metadata()?, fs::symlink_metadata(path)?);
        Ok(named.file_type().is_file() && (opened.dev(), opened.ino()) == (named.dev(), named.ino()))
    }

    fn from_metadata(meta: &fs::Metadata) -> Stamp {
        Stamp { len: meta.len(), modified: meta.modified().ok(), inode: meta.ino() }
    }
}

/// A target with no write permission bit: `--write` leaves it alone even when it could replace it
/// (renaming over a read-only file is allowed in a writable directory, and root may write anything).
#[derive(Debug, thiserror::Error)]
#[error("read-only file, left alone")]
pub struct ReadOnly;

/// Gives `copy` the extended attributes of `original` (`user.xdg.origin.url`, where `wget --xattr`
/// keeps a page's address): a rewrite must not lose what the file carried beside its bytes. A file
/// system without them has none to copy; an attribute this process may not set (a `trusted.` one,
/// not as root) is left behind as any editor saving through a new file leaves it.
fn keep_extended_attributes(original: &Path, copy: &Path) -> io::Result<()> {
    let names = match xattr::list(original) {
        Ok(names) => names,
        Err(e) if is_unsettable(&e) => return Ok(()),
        Err(e) => return Err(e),
    };
    for name in names {
        if let Some(value) = xattr::get(original, &name)? {
            match xattr::set(copy, &name, &value) {
                // Not ours to set (`trusted.`, `security.` without the privilege), or a name space
                // this file system keeps no copy of: left behind, as any editor saving anew would.
                Err(e) if is_unsettable(&e) => {}
                other => other?,
            }
        }
    }
    Ok(())
}

/// True for an extended attribute this process may not set, or one the file system does not take.
fn is_unsettable(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::PermissionDenied | io::ErrorKind::Unsupported) || e.raw_os_error() == Some(95)
}

/// Gives `file` the owner and group of the original, when they differ and this process may
/// (as root, or a member of the group). Not being allowed is not an error: the file then belongs
/// to whoever runs newsclean, as with any editor that saves through a temporary file.
fn keep_owner(file: &fs::File, original: &fs::Metadata) -> io::Result<()> {
    let mine = file.metadata()?;
    if (mine.uid(), mine.gid()) == (original.uid(), original.gid()) {
        return Ok(());
    }
    match std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid())) {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            // Not the owner's uid to give: keep at least the group if we belong to it.
            let _ = std::os::unix::fs::fchown(file, None, Some(original.gid()));
            Ok(())
        }
        other => other,
    }
}

/// The path a `--backup SUFFIX` copy of `target` goes to: the name with the suffix appended.
pub fn backup_path(target: &Path, suffix: &OsStr) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Keeps the current `target` as `target` + `suffix`: a hard link (or, where links are refused, a
/// flushed copy) made under a temporary name, then renamed over any older backup, so a crash
/// leaves either the older backup or the new one, never a partial one.
fn back_up(target: &Path, suffix: &OsStr, dir: &Path) -> io::Result<()> {
    let backup = backup_path(target, suffix);
    let builder = {
        let mut builder = tempfile::Builder::new();
        builder.prefix(".newsclean-").suffix(".bak");
        builder
    };
    match builder.make_in(dir, |path| fs::hard_link(target, path)) {
        Ok(link) => link.persist(&backup).map(drop).map_err(|e| e.error),
        Err(_) => {
            let mut copy = builder.tempfile_in(dir)?;
            io::copy(&mut fs::File::open(target)?, copy.as_file_mut())?;
            fs::set_permissions(copy.path(), fs::metadata(target)?.permissions())?;
            copy.as_file().sync_all()?;
            copy.persist(&backup).map(drop).map_err(|e| e.error)
        }
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(file) = self.file.as_mut() {
            return file.write(buf);
        }
        self.memory.extend_from_slice(buf);
        if self.memory.len() > SPOOL_MEMORY {
            let mut file = self.temp_file()?;
            file.write_all(&self.memory)?;
            self.memory = Vec::new();
            self.file = Some(file);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), Write::flush)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spool_commit_replaces_the_target_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.txt");
        fs::write(&target, "old").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
        let mut spool = Spool::for_target(&target);
        spool.write_all(b"new").unwrap();
        spool.commit(&target, None, None).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o640);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
    }

    #[test]
    fn issue_13_a_file_changed_after_it_was_read_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.txt");
        fs::write(&target, "old\n").unwrap();
        let read = Stamp::of(&target).unwrap();
        fs::write(&target, "old\nappended by someone else\n").unwrap();
        let mut spool = Spool::for_target(&target);
        spool.write_all(b"cleaned\n").unwrap();
        let e = spool.commit(&target, None, Some(read)).unwrap_err();
        assert!(e.to_string().contains("changed on disk"), "{e}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "old\nappended by someone else\n");
    }

    #[test]
    fn issue_13_a_file_swapped_for_a_symlink_is_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let (target, outside) = (dir.path().join("a.txt"), dir.path().join("outside.txt"));
        fs::write(&target, "old\n").unwrap();
        fs::write(&outside, "not ours\n").unwrap();
        let read = Stamp::of(&target).unwrap();
        fs::remove_file(&target).unwrap();
        std::os::unix::fs::symlink(&outside, &target).unwrap();
        let mut spool = Spool::for_target(&target);
        spool.write_all(b"cleaned\n").unwrap();
        assert!(spool.commit(&target, None, Some(read)).is_err());
        assert_eq!(fs::read_to_string(&outside).unwrap(), "not ours\n");
        assert!(fs::symlink_metadata(&target).unwrap().file_type().is_symlink());
    }

    #[test]
    fn large_spool_spills_to_disk_and_an_uncommitted_spool_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("big.txt");
        fs::write(&target, "old").unwrap();
        let mut spool = Spool::for_target(&target);
        spool.write_all(&vec![b'x'; SPOOL_MEMORY + 10]).unwrap();
        assert!(spool.file.is_some());
        drop(spool);
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
