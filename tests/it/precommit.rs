//! The pre-commit framework hooks of `.pre-commit-hooks.yaml`, run with the real `pre-commit`
//! (`pip install pre-commit`) in a temporary git repository whose configuration points at a
//! snapshot of this checkout, uncommitted changes included, as `pre-commit try-repo` makes one.
//! pre-commit builds the hook once with `cargo install --path .`, in a target directory kept under
//! `target/` between runs, so only the first run builds the dependencies.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{isolate_git, require};

/// pre-commit is run as a Python module: pip puts its script where PATH may not look (pyenv shims).
const PRE_COMMIT: &[&str] = &["python3", "-m", "pre_commit"];

const DIRTY: &str = "Title\n\nLatest News\n\nHuawei said its smart phone sales fell.\n";
const CLEAN: &str = "Title\n\nHuawei said its smartphone sales fell.\n";

/// A scratch area: `home/` (HOME for git and pre-commit, with pre-commit's cache), `newsclean/` (the
/// snapshot of this checkout), `articles/` (the repository the hooks run in) and the configuration.
struct Scratch {
    root: tempfile::TempDir,
}

impl Scratch {
    fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    /// `program args` in `dir`, with git isolated and pre-commit's cache in the scratch area; the
    /// hook is built with the caller's toolchain and crate cache, into a target directory that
    /// outlives the test.
    fn run(&self, dir: &Path, program: &[&str], args: &[&str]) -> Output {
        let (program, prefix) = program.split_first().expect("a command names its program");
        let mut cmd = Command::new(program);
        cmd.args(prefix).args(args).current_dir(dir);
        isolate_git(&mut cmd, &self.home());
        cmd.env("PRE_COMMIT_HOME", self.home().join("pre-commit-cache"))
            .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-hook-build"));
        for (var, default) in [("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")] {
            if let Some(home) = toolchain_home(var, default) {
                cmd.env(var, home);
            }
        }
        cmd.output().unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
    }

    fn git(&self, dir: &Path, args: &[&str]) -> Output {
        let output = self.run(dir, &["git"], args);
        assert!(output.status.success(), "git {}:\n{}", args.join(" "), text(&output));
        output
    }

    /// Commits this checkout as it is on disk (HEAD, then the staged and the changed tracked files)
    /// in a clone, as `pre-commit try-repo` does, and returns the clone and the commit.
    fn snapshot_of_this_checkout(&self) -> (PathBuf, String) {
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
        let snapshot = self.root.path().join("newsclean");
        let head = stdout(&self.git(checkout, &["rev-parse", "HEAD"]));
        self.git(self.root.path(), &["clone", "-q", "--no-checkout", checkout.to_str().unwrap(), "newsclean"]);
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
        self.git(&snapshot, &["commit", "-q", "--allow-empty", "--no-verify", "-m", "snapshot"]);
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
    let scratch = Scratch { root: tempfile::tempdir().unwrap() };
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
}
