//! Inputs on disk: walking paths and directories into the files to clean (ripgrep's walker and its
//! ignore files, extensions, globs, hidden files, symlinks), and writing cleaned files back
//! atomically (`replace`) and durably, a batch at a time (`durable`). Reading and cleaning belong
//! to the pipeline; this module only decides which files and how bytes reach the disk.

mod durable;
mod replace;

pub use durable::{Batch, Failed};
pub use replace::{ChangedOnDisk, ReadOnly, Replacement, Spool, Stamp, backup_path, is_read_only};

use std::fs;
use std::io;
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

#[cfg(test)]
mod tests {
    use super::*;

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
