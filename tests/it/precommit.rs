//! The pre-commit framework hooks of `.pre-commit-hooks.yaml`, run with the real `pre-commit`
//! (`pip install pre-commit`) in a temporary git repository whose configuration points at a
//! snapshot of this checkout, uncommitted changes included, as `pre-commit try-repo` makes one; and
//! the README's `language: system` variant, with the binary under test on PATH.
//!
//! The hook environment is built once, not once per run: the snapshot is committed at a fixed place
//! under `target/` with fixed dates, so an unchanged checkout gives the same commit, and
//! pre-commit's cache (`PRE_COMMIT_HOME`) is kept under `target/` too, where it finds the
//! environment it built for that commit. A changed checkout is a new commit, which pre-commit
//! builds with `cargo install` into this checkout's own `target/` (cargo lets go of it while tests
//! run), where the dependencies of `cargo build --release` are already built: only newsclean itself
//! is compiled again.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{NEWSCLEAN, isolate_git, require};

/// pre-commit is run as a Python module: pip puts its script where PATH may not look (pyenv shims).
const PRE_COMMIT: &[&str] = &["python3", "-m", "pre_commit"];

const DIRTY: &str = "Title\n\nLatest News\n\nHuawei said its smart phone sales fell.\n";
const CLEAN: &str = "Title\n\nHuawei said its smartphone sales fell.\n";

/// A scratch area: `home/` (HOME for git and pre-commit, with pre-commit's cache), `newsclean/` (the
/// snapshot of this checkout), `articles/` (the repository the hooks run in) and the configuration.
struct Scratch {
    root: tempfile::TempDir,
    /// pre-commit's cache, kept between runs (see the module's documentation).
    cache: PathBuf,
}

/// Where the tests keep what outlives one run: the snapshot and pre-commit's cache.
fn kept(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

impl Scratch {
    fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    /// `program args` in `dir`, with git isolated and pre-commit's cache in the scratch area; the
    /// hook is built with the caller's toolchain and crate cache, into a target directory that
    /// outlives the test.
    fn run(&self, dir: &Path, program: &[&str], args: &[&str]) -> Output {
        self.command(dir, program, args).output().unwrap_or_else(|e| panic!("cannot run {program:?}: {e}"))
    }

    /// The command `run` runs, to add to.
    fn command(&self, dir: &Path, program: &[&str], args: &[&str]) -> Command {
        let (program, prefix) = program.split_first().expect("a command names its program");
        let mut cmd = Command::new(program);
        cmd.args(prefix).args(args).current_dir(dir);
        isolate_git(&mut cmd, &self.home());
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("tmp is inside the target directory");
        cmd.env("PRE_COMMIT_HOME", &self.cache).env("CARGO_TARGET_DIR", target);
        for (var, default) in [("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")] {
            if let Some(home) = toolchain_home(var, default) {
                cmd.env(var, home);
            }
        }
        cmd
    }

    fn git(&self, dir: &Path, args: &[&str]) -> Output {
        let output = self.run(dir, &["git"], args);
        assert!(output.status.success(), "git {}:\n{}", args.join(" "), text(&output));
        output
    }

    /// Commits this checkout as it is on disk (HEAD, then the staged and the changed tracked files)
    /// in a clone, as `pre-commit try-repo` does, and returns the clone and the commit. The clone is
    /// always at the same place and the commit has fixed dates: the same checkout gives the same
    /// repository and commit, whose hook environment pre-commit's kept cache already holds.
    fn snapshot_of_this_checkout(&self) -> (PathBuf, String) {
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
        let snapshot = kept("pre-commit-snapshot");
        if snapshot.exists() {
            fs::remove_dir_all(&snapshot).unwrap();
        }
        let head = stdout(&self.git(checkout, &["rev-parse", "HEAD"]));
        let (parent, name) = (snapshot.parent().unwrap(), snapshot.file_name().unwrap().to_str().unwrap());
        self.git(parent, &["clone", "-q", "--no-checkout", checkout.to_str().unwrap(), name]);
        self.git(&snapshot, &["checkout", "-q", &head, "-b", "snapshot"]);
        // Adding from the checkout into the snapshot's index and objects leaves the checkout's own alone.
        let add = |args: &[&str]| {
            let mut cmd = Command::new("git");
            cmd.args(args).current_dir(checkout);
            isolate_git(&mut cmd, &self.home());
            let output = cmd
                .env("GIT_INDEX_FILE", snapshot.join(".git/index"))
                .env("GIT_OBJECT_DIRECTORY", snapshot.join(".git/objects"))
                .output()
                .expect("run git");
            assert!(output.status.success(), "git {}:\n{}", args.join(" "), text(&output));
        };
        let staged = stdout(&self.git(checkout, &["diff", "--staged", "--name-only", "--diff-filter=ACMRTUXB"]));
        let staged: Vec<&str> = staged.lines().collect();
        if !staged.is_empty() {
            add(&[&["add", "--"][..], &staged].concat());
        }
        add(&["add", "-u"]);
        let mut commit = Command::new("git");
        commit.args(["commit", "-q", "--allow-empty", "--no-verify", "-m", "snapshot"]).current_dir(&snapshot);
        isolate_git(&mut commit, &self.home());
        let date = "2000-01-01T00:00:00Z";
        let output = commit.env("GIT_AUTHOR_DATE", date).env("GIT_COMMITTER_DATE", date).output().expect("run git");
        assert!(output.status.success(), "git commit:\n{}", text(&output));
        let rev = stdout(&self.git(&snapshot, &["rev-parse", "HEAD"]));
        (snapshot, rev)
    }
}

/// The caller's `CARGO_HOME` or `RUSTUP_HOME` (or its default under the caller's HOME, if there):
/// under the scratch HOME, cargo would find no toolchain and an empty crate cache.
fn toolchain_home(var: &str, default: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(default)).filter(|p| p.is_dir()))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn pre_commit_hooks_block_residue_and_pass_clean_files() {
    if !require(&["git"]) || !require(PRE_COMMIT) {
        return;
    }
    let scratch = Scratch { root: tempfile::tempdir().unwrap(), cache: kept("pre-commit-home") };
    fs::create_dir_all(scratch.home()).unwrap();
    let (snapshot, rev) = scratch.snapshot_of_this_checkout();
    // Both hooks in one configuration: pre-commit builds their shared environment once.
    let config = scratch.root.path().join("pre-commit-config.yaml");
    fs::write(
        &config,
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: newsclean\n      - id: newsclean-check\n",
            snapshot.display()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let repo = scratch.root.path().join("articles");
    fs::create_dir_all(&repo).unwrap();
    scratch.git(&repo, &["init", "-q"]);
    fs::write(repo.join("article.txt"), DIRTY).unwrap();
    fs::write(repo.join("image.png"), b"\x89PNG\r\n\x1a\n\0\0\0").unwrap();
    scratch.git(&repo, &["add", "."]);
    let hook = |id: &str| {
        scratch.run(&repo, PRE_COMMIT, &["run", "--config", config, id, "--files", "article.txt", "image.png"])
    };

    // newsclean-check: fails, prints the diff, changes nothing.
    let check = hook("newsclean-check");
    assert!(!check.status.success(), "the check hook must fail on residue:\n{}", text(&check));
    assert!(text(&check).contains("-Latest News"), "the check hook prints the diff:\n{}", text(&check));
    assert_eq!(fs::read_to_string(repo.join("article.txt")).unwrap(), DIRTY);

    // newsclean: fixes in place, and pre-commit fails the commit because files changed.
    let fix = hook("newsclean");
    assert!(!fix.status.success(), "the fixing hook must fail the commit when it changes files:\n{}", text(&fix));
    assert!(text(&fix).contains("files were modified by this hook"), "{}", text(&fix));
    assert_eq!(fs::read_to_string(repo.join("article.txt")).unwrap(), CLEAN);

    // Once the cleaned file is added, both hooks pass.
    scratch.git(&repo, &["add", "article.txt"]);
    for id in ["newsclean", "newsclean-check"] {
        let again = hook(id);
        assert!(again.status.success(), "{id} must pass on a clean file:\n{}", text(&again));
    }

    // Issue 13, item 6: pre-commit appends the file names to the entry, which ends its options with
    // `--`: a file named like an option is checked as a file (before, `--exclude=*.txt` turned the
    // check off, and `-x.txt` failed it with a usage error).
    let names = ["--exclude=*.txt", "-x.txt"];
    for name in names {
        fs::write(repo.join(name), DIRTY).unwrap();
    }
    scratch.git(&repo, &["add", "--", names[0], names[1]]);
    let check = scratch.run(&repo, PRE_COMMIT, &["run", "--config", config, "newsclean-check", "--all-files"]);
    assert!(!check.status.success(), "the check hook must fail on residue:\n{}", text(&check));
    for name in names {
        assert!(text(&check).contains(&format!("--- a/{name}")), "{name} is checked as a file:\n{}", text(&check));
    }

    // The kept cache holds the environments of earlier snapshots too: only this one's stays.
    let gc = scratch.run(&repo, PRE_COMMIT, &["gc"]);
    assert!(gc.status.success(), "pre-commit gc:\n{}", text(&gc));
}

/// The README's `language: system` configuration, as a user copies it.
fn readme_system_config() -> String {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let blocks = readme.split("```yaml\n").skip(1).map(|b| b.split("```").next().unwrap_or(b));
    blocks
        .into_iter()
        .find(|b| b.contains("language: system"))
        .expect("README shows a language: system hook")
        .to_owned()
}

#[test]
fn the_readme_language_system_hook_runs_the_installed_binary_without_building() {
    if !require(&["git"]) || !require(PRE_COMMIT) {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let scratch = Scratch { cache: root.path().join("pre-commit-cache"), root };
    fs::create_dir_all(scratch.home()).unwrap();
    let repo = scratch.root.path().join("articles");
    fs::create_dir_all(&repo).unwrap();
    scratch.git(&repo, &["init", "-q"]);
    fs::write(repo.join(".pre-commit-config.yaml"), readme_system_config()).unwrap();
    fs::write(repo.join("article.txt"), DIRTY).unwrap();
    scratch.git(&repo, &["add", "."]);
    // The binary under test is the `newsclean` first on PATH, as `cargo install` puts it there.
    let bin = Path::new(NEWSCLEAN).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let hook = || {
        scratch
            .command(&repo, PRE_COMMIT, &["run", "newsclean-check", "--files", "article.txt"])
            .env("PATH", &path)
            .output()
            .unwrap()
    };

    let check = hook();
    assert!(!check.status.success(), "the check hook must fail on residue:\n{}", text(&check));
    assert!(text(&check).contains("-Latest News"), "the check hook prints the diff:\n{}", text(&check));
    assert_eq!(fs::read_to_string(repo.join("article.txt")).unwrap(), DIRTY);
    assert!(!text(&check).contains("Installing environment"), "nothing is built:\n{}", text(&check));

    fs::write(repo.join("article.txt"), CLEAN).unwrap();
    scratch.git(&repo, &["add", "article.txt"]);
    let again = hook();
    assert!(again.status.success(), "the hook must pass on a clean file:\n{}", text(&again));
}
