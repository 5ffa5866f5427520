//! Inputs on disk: walking paths and directories into the files to clean (ripgrep's walker and its
//! ignore files, extensions, globs, hidden files, symlinks), and writing a cleaned file back
//! atomically. Reading and cleaning belong to the pipeline; this module only decides which files
//! and how bytes reach the disk.

use std::ffi::OsStr;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::config::Walk;

/// Extensions cleaned when walking a directory (HTML pages are turned into their text first).
pub const DEFAULT_EXTENSIONS: &[&str] = &["txt", "text", "md", "html", "htm"];

/// Which files a walk takes.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
    follow_symlinks: bool,
    no_ignore: bool,
    hidden: bool,
    threads: usize,
}

/// A bad `--include`/`--exclude` pattern.
#[derive(Debug, thiserror::Error)]
#[error("bad glob `{pattern}`: {reason}")]
pub struct BadGlob {
    /// The pattern as given.
    pub pattern: String,
    /// Why it is bad.
    pub reason: String,
}

fn glob_set(patterns: &[String]) -> Result<Option<GlobSet>, BadGlob> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|e| BadGlob { pattern: p.clone(), reason: e.kind().to_string() })?;
        builder.add(glob);
    }
    builder.build().map(Some).map_err(|e| BadGlob { pattern: patterns.join(" "), reason: e.to_string() })
}

impl Selection {
    /// `include` replaces the default extensions; `exclude` applies to walked and explicit paths alike.
    pub fn new(walk: &Walk) -> Result<Self, BadGlob> {
        let Walk { include, exclude, follow_symlinks, no_ignore, hidden, threads } = walk;
        Ok(Selection {
            include: glob_set(include)?,
            exclude: glob_set(exclude)?,
            follow_symlinks: *follow_symlinks,
            no_ignore: *no_ignore,
            hidden: *hidden,
            threads: *threads,
        })
    }

    /// True if a walk would take the file at `path`: it has a default extension or matches
    /// `--include`, and does not match `--exclude`.
    pub fn takes(&self, path: &Path) -> bool {
        self.included(path) && !self.excluded(path)
    }

    /// True if `--exclude` matches `path`: the path as given (without a leading `./`), its file
    /// name, or any directory on the way to it (`--exclude drafts` skips `drafts/a.txt`). Walked
    /// paths are matched relative to the walk's root, however the root was spelled (`.`,
    /// `./news`, an absolute path).
    fn excluded(&self, path: &Path) -> bool {
        let Some(exclude) = &self.exclude else { return false };
        let path = path.strip_prefix(".").unwrap_or(path);
        if path.is_absolute() {
            // Named by an absolute path: the directories above the user's tree are not theirs to match.
            return exclude.is_match(path) || path.file_name().is_some_and(|name| exclude.is_match(name));
        }
        exclude.is_match(path) || path.ancestors().filter_map(Path::file_name).any(|name| exclude.is_match(name))
    }

    fn included(&self, path: &Path) -> bool {
        match &self.include {
            Some(include) => include.is_match(path) || path.file_name().is_some_and(|name| include.is_match(name)),
            None => path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| DEFAULT_EXTENSIONS.iter().any(|d| d.eq_ignore_ascii_case(e))),
        }
    }
}

/// A file to clean, and its path relative to the argument it was found under (where `--out`
/// puts its cleaned copy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The path to read.
    pub path: PathBuf,
    /// The path relative to the directory argument (the file name for a file argument).
    pub relative: PathBuf,
}

/// One thing found while walking.
#[derive(Debug)]
pub enum Found {
    /// A file to clean.
    File(Input),
    /// A path passed over, and why (reported as a note, not an error).
    Skipped(PathBuf, &'static str),
    /// A path that could not be walked (missing, unreadable, a symlink loop).
    Error(PathBuf, io::Error),
}

impl Found {
    /// The path found.
    pub fn path(&self) -> &Path {
        match self {
            Found::File(input) => &input.path,
            Found::Skipped(path, _) | Found::Error(path, _) => path,
        }
    }
}

/// The note for a FIFO, device or socket: only regular files are cleaned.
const NOT_A_FILE: &str = "not a regular file (a FIFO, device or socket), skipped";

/// The note for a symlink a walk or an argument leads to, without `--follow-symlinks`.
const SYMLINK: &str = "symlink not followed (use --follow-symlinks)";

/// Expands the paths a user gave into files, sorted by path within each argument so that output
/// and diffs are the same from run to run. Directories are walked recursively by ripgrep's walker
/// (the `ignore` crate, in parallel), which honours `.gitignore` (inside a git repository, as
/// ripgrep does), `.ignore` and `.git/info/exclude`, and skips hidden files and directories, unless
/// `--no-ignore` and `--hidden` say otherwise; `.git` itself is never walked. Files named
/// explicitly are taken whatever their extension and whatever the ignore files say, unless
/// `--exclude` names them.
pub fn walk(paths: &[PathBuf], selection: &Selection) -> Vec<Found> {
    let mut found = Vec::new();
    for root in paths {
        match argument(root, selection) {
            Argument::Found(one) => found.extend(one),
            Argument::Directory => {
                let mut under = walk_directory(root, selection);
                under.sort_by(|a, b| a.path().cmp(b.path()));
                found.extend(under);
            }
        }
    }
    found
}

/// The files `walk` finds, one at a time as the walk goes (on one thread, in the order the
/// directories list them, not sorted): memory stays bounded however many files there are, for
/// `newsclean learn`, whose result does not depend on the order.
pub fn walk_lazily<'a>(paths: &'a [PathBuf], selection: &'a Selection) -> impl Iterator<Item = Found> + 'a {
    paths.iter().flat_map(move |root| -> Box<dyn Iterator<Item = Found> + 'a> {
        match argument(root, selection) {
            Argument::Found(one) => Box::new(one.into_iter()),
            Argument::Directory => {
                Box::new(builder(root, selection).build().filter_map(move |entry| take(root, selection, entry)))
            }
        }
    })
}

/// What a path given as an argument is.
enum Argument {
    /// A file, a note or an error (or nothing: excluded).
    Found(Option<Found>),
    /// A directory to walk.
    Directory,
}

fn argument(root: &Path, selection: &Selection) -> Argument {
    let meta = match fs::symlink_metadata(root) {
        Ok(meta) => meta,
        Err(e) => return Argument::Found(Some(Found::Error(root.to_path_buf(), e))),
    };
    if selection.excluded(root) {
        return Argument::Found(None);
    }
    if meta.file_type().is_symlink() && !selection.follow_symlinks {
        return Argument::Found(Some(Found::Skipped(root.to_path_buf(), SYMLINK)));
    }
    let followed = fs::metadata(root);
    if followed.as_ref().is_ok_and(|m| !m.is_dir() && !m.is_file()) {
        // Reading a FIFO with no writer, or a device, would never end; writing would replace it.
        return Argument::Found(Some(Found::Skipped(root.to_path_buf(), NOT_A_FILE)));
    }
    if !followed.map(|m| m.is_dir()).unwrap_or(false) {
        let relative = root.file_name().map_or_else(|| root.to_path_buf(), PathBuf::from);
        return Argument::Found(Some(Found::File(Input { path: root.to_path_buf(), relative })));
    }
    Argument::Directory
}

/// The files under the directory `root`, in no particular order (the walk is parallel).
fn walk_directory(root: &Path, selection: &Selection) -> Vec<Found> {
    let found = std::sync::Mutex::new(Vec::new());
    builder(root, selection).build_parallel().run(|| {
        Box::new(|entry| {
            if let Some(one) = take(root, selection, entry) {
                found.lock().expect("no walker thread panics holding the list").push(one);
            }
            ignore::WalkState::Continue
        })
    });
    found.into_inner().expect("no walker thread panics holding the list")
}

/// The walker of the directory `root`, with the selection's filters.
fn builder(root: &Path, selection: &Selection) -> ignore::WalkBuilder {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .standard_filters(!selection.no_ignore)
        .hidden(!selection.hidden)
        .follow_links(selection.follow_symlinks)
        .threads(selection.threads);
    // `.git` is a repository's own store: never text to clean, even with --hidden. Directories
    // `--exclude` names are not walked into.
    let filter = selection.clone();
    let top = root.to_path_buf();
    builder.filter_entry(move |entry| {
        entry.depth() == 0
            || !(entry.file_type().is_some_and(|t| t.is_dir())
                && (entry.file_name() == ".git"
                    || filter.excluded(entry.path().strip_prefix(&top).unwrap_or(entry.path()))))
    });
    builder
}

/// What one entry of a walk under `root` gives: a file to clean, a note, an error, or nothing
/// (a directory, a file of another kind than the selection takes).
fn take(root: &Path, selection: &Selection, entry: Result<ignore::DirEntry, ignore::Error>) -> Option<Found> {
    let entry = match entry {
        Ok(entry) => entry,
        Err(e) => {
            let path = error_path(&e).unwrap_or(root).to_path_buf();
            return Some(Found::Error(path, walk_error(e)));
        }
    };
    let path = entry.path();
    let relative = path.strip_prefix(root).unwrap_or(path);
    let kind = entry.file_type()?;
    if kind.is_dir() || selection.excluded(relative) || !selection.included(path) {
        return None;
    }
    Some(if kind.is_symlink() {
        Found::Skipped(path.to_path_buf(), SYMLINK)
    } else if kind.is_file() {
        Found::File(Input { path: path.to_path_buf(), relative: relative.to_path_buf() })
    } else {
        Found::Skipped(path.to_path_buf(), NOT_A_FILE)
    })
}

/// The path an error of the walk is about, if it names one.
fn error_path(e: &ignore::Error) -> Option<&Path> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Partial(errors) => errors.iter().find_map(error_path),
        _ => None,
    }
}

/// An error of the walk as the `io::Error` a `Found::Error` carries, said without the path (the
/// report names it already).
fn walk_error(e: ignore::Error) -> io::Error {
    match e {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => walk_error(*err),
        ignore::Error::Loop { ancestor, .. } => {
            io::Error::other(format!("symlink loop (back to {})", ancestor.display()))
        }
        other => {
            let message = other.to_string();
            other.into_io_error().unwrap_or_else(|| io::Error::other(message))
        }
    }
}

/// Output kept in memory up to this size before it spills into a temporary file.
const SPOOL_MEMORY: usize = 8 << 20;

/// Cleaned output of one file on its way to replacing it: held in memory while small, spilled to a
/// temporary file in the target's directory when large, and renamed over the target only by
/// `commit`. Dropped uncommitted, it leaves no trace and the original untouched.
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

    /// Flushes the output to disk and renames it over `target`, keeping `target`'s permissions and,
    /// where allowed, its owner (a new file gets the default permissions of a new file). A target
    /// with no write bit is refused with [`ReadOnly`] and left alone, whoever runs this (root
    /// included). With `backup`, the original is first kept beside the target as `target` +
    /// `backup`, so that at every moment it exists under one of the two names.
    ///
    /// With `read`, the stamp of the file as it was read, the target must still be that file when
    /// it is replaced: it is locked (against another newsclean run replacing it at the same time,
    /// whose backup would then hold cleaned text) and checked, and a file that changed, vanished or
    /// became a symlink meanwhile is left alone with [`ChangedOnDisk`].
    pub fn commit(mut self, target: &Path, backup: Option<&OsStr>, read: Option<Stamp>) -> io::Result<()> {
        let _lock = read.map(|stamp| lock_unchanged(target, stamp)).transpose()?;
        let original = match fs::metadata(target) {
            Ok(meta) => Some(meta),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        if original.is_some() && is_read_only(target)? {
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
        // The data must be on disk before the rename makes it the file: after a crash the name
        // then points at the old bytes or the new ones, never at an empty or partial file.
        file.as_file().sync_all()?;
        if let (Some(suffix), Some(_)) = (backup, &original) {
            back_up(target, suffix, &self.dir)?;
        }
        file.persist(target).map_err(|e| e.error)?;
        // Best effort: makes the rename itself durable; some file systems refuse to sync a directory.
        let _ = fs::File::open(&self.dir).and_then(|dir| dir.sync_all());
        Ok(())
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

    #[test]
    fn walk_skips_hidden_directories_and_other_extensions() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join(".git")).unwrap();
        fs::create_dir_all(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join(".git/x.txt"), "").unwrap();
        fs::write(dir.path().join("sub/a.txt"), "").unwrap();
        fs::write(dir.path().join("sub/b.png"), "").unwrap();
        fs::write(dir.path().join("c.md"), "").unwrap();
        let files: Vec<String> = walk(&[dir.path().to_path_buf()], &Selection::default())
            .into_iter()
            .map(|f| match f {
                Found::File(input) => input.relative.display().to_string(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(files, ["c.md", "sub/a.txt"]);
    }
}
