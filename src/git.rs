//! The git side of the native pre-commit hook: which files are staged, what their staged bytes
//! are (`git show :PATH`), and installing the hook script itself. It runs the real `git` in the
//! current directory; cleaning and reporting the staged bytes belong to `input` and the CLI.

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What went wrong while asking git.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// `git` could not be started.
    #[error("cannot run git: {0}")]
    Spawn(#[source] io::Error),
    /// `git` ran and failed (not a repository, a path not in the index...).
    #[error("`git {command}` failed: {stderr}")]
    Failed {
        /// The arguments, as typed.
        command: String,
        /// What git said.
        stderr: String,
    },
    /// A hook is already installed; `--force` replaces it.
    #[error("{}: a pre-commit hook already exists; keep it, or replace it with `newsclean hook install --force`", path.display())]
    HookExists {
        /// The existing hook.
        path: PathBuf,
    },
    /// The hook could not be written.
    #[error("{}: cannot write the hook: {source}", path.display())]
    HookWrite {
        /// The hook path.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// Runs `git ARGS` in the current directory and returns its stdout.
fn git(args: &[&OsStr]) -> Result<Vec<u8>, GitError> {
    let output =
        Command::new("git").args(args).stdin(Stdio::null()).stderr(Stdio::piped()).output().map_err(GitError::Spawn)?;
    if !output.status.success() {
        let command = args.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ");
        return Err(GitError::Failed { command, stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned() });
    }
    Ok(output.stdout)
}

/// The top of the work tree the current directory is in (`git rev-parse --show-toplevel`): the
/// staged paths are relative to it.
pub fn toplevel() -> Result<PathBuf, GitError> {
    let mut out = git(&[OsStr::new("rev-parse"), OsStr::new("--show-toplevel")])?;
    while out.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        out.pop();
    }
    Ok(PathBuf::from(OsStr::from_bytes(&out)))
}

/// The regular files added, copied or modified in the index (what the next commit adds or
/// changes), as paths relative to the top of the work tree, limited to `pathspecs` if any are
/// given. Deleted files are left out (nothing to check), and so are symlinks and submodules (what
/// is staged for them is a link target or a commit id, not text). `--no-renames` lists a moved and
/// edited file as an addition, where a rename would be dropped by `--diff-filter=ACM`.
pub fn staged_files(pathspecs: &[PathBuf]) -> Result<Vec<PathBuf>, GitError> {
    let mut args: Vec<&OsStr> =
        ["diff", "--cached", "--raw", "--no-renames", "--diff-filter=ACM", "-z", "--"].iter().map(OsStr::new).collect();
    args.extend(pathspecs.iter().map(|p| p.as_os_str()));
    let listing = git(&args)?;
    // `-z --raw` gives `:OLDMODE NEWMODE OLDSHA NEWSHA STATUS` NUL `PATH` NUL for each file.
    let mut fields = listing.split(|&b| b == 0);
    let mut files = Vec::new();
    while let (Some(meta), Some(path)) = (fields.next(), fields.next()) {
        let new_mode = meta.split(|&b| b == b' ').nth(1).unwrap_or_default();
        // 100644 and 100755 are regular files; 120000 is a symlink, 160000 a submodule.
        if new_mode.starts_with(b"100") {
            files.push(PathBuf::from(OsStr::from_bytes(path)));
        }
    }
    Ok(files)
}

/// The staged bytes of `path` (relative to the top of the work tree, as `staged_files` gives it).
pub fn staged_bytes(path: &Path) -> Result<Vec<u8>, GitError> {
    // The stage is named (`:0:`), so a path that looks like one (`0:x.txt`) is read as a path.
    let mut spec = OsStr::new(":0:").to_owned();
    spec.push(path);
    git(&[OsStr::new("cat-file"), OsStr::new("blob"), &spec])
}

/// The hook script: checks the staged version of the staged files with the newsclean at `program`
/// (falling back to `newsclean` on PATH if that binary has moved).
pub fn hook_script(program: &Path) -> String {
    // Single quotes keep any character of the path literal; a quote inside is closed and escaped.
    let quoted = format!("'{}'", program.to_string_lossy().replace('\'', r"'\''"));
    format!(
        "#!/bin/sh\n\
         # Installed by `newsclean hook install`: refuse a commit whose staged text still holds scraper\n\
         # residue, and show what newsclean would change. Fix with `newsclean --write FILE && git add FILE`;\n\
         # skip once with `git commit --no-verify`.\n\
         newsclean={quoted}\n\
         command -v \"$newsclean\" >/dev/null 2>&1 || newsclean=newsclean\n\
         exec \"$newsclean\" --check --diff --staged\n"
    )
}

/// Writes the pre-commit hook into the repository of the current directory (where
/// `git rev-parse --git-path hooks` says, so `core.hooksPath` and worktrees are honoured) and
/// returns its path. An existing hook is kept unless `force`.
pub fn install_hook(program: &Path, force: bool) -> Result<PathBuf, GitError> {
    let out = git(&[OsStr::new("rev-parse"), OsStr::new("--git-path"), OsStr::new("hooks")])?;
    let hooks = PathBuf::from(OsStr::from_bytes(out.strip_suffix(b"\n").unwrap_or(&out)));
    let path = hooks.join("pre-commit");
    if !force && fs::symlink_metadata(&path).is_ok() {
        return Err(GitError::HookExists { path });
    }
    let write_err = |source| GitError::HookWrite { path: path.clone(), source };
    fs::create_dir_all(&hooks).map_err(write_err)?;
    // Through a temporary file renamed into place, like every write: never a half-written hook.
    let mut file = tempfile::Builder::new().prefix(".newsclean-").tempfile_in(&hooks).map_err(write_err)?;
    file.write_all(hook_script(program).as_bytes()).map_err(write_err)?;
    fs::set_permissions(file.path(), fs::Permissions::from_mode(0o755)).map_err(write_err)?;
    file.as_file().sync_all().map_err(write_err)?;
    file.persist(&path).map_err(|e| write_err(e.error))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_script_quotes_the_program_path() {
        let script = hook_script(Path::new("/opt/it's here/newsclean"));
        assert!(script.starts_with("#!/bin/sh\n"));
        assert!(script.contains("newsclean='/opt/it'\\''s here/newsclean'\n"));
        assert!(script.ends_with("exec \"$newsclean\" --check --diff --staged\n"));
    }
}
