//! The pre-commit framework hooks of `.pre-commit-hooks.yaml`, run with the real `pre-commit`
//! (`pip install pre-commit`) against this checkout in a temporary git repository. The first run
//! builds newsclean with `cargo install` inside pre-commit's cache, so this test takes a while.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

/// Checks that a program is installed; under `CI=true` a missing one fails the test.
fn require(program: &str) -> bool {
    let (program, args) = command(program);
    if Command::new(program).args(args).arg("--version").output().is_ok_and(|o| o.status.success()) {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{program} is required under CI=true (pip install pre-commit)");
    }
    eprintln!("note: {program} is not installed; skipping (it is required under CI=true)");
    false
}

/// pre-commit is run as a Python module: pip puts its script where PATH may not look (pyenv shims).
fn command(program: &str) -> (&str, &'static [&'static str]) {
    if program == "pre-commit" { ("python3", &["-m", "pre_commit"]) } else { (program, &[]) }
}

fn run(dir: &Path, home: &Path, program: &str, args: &[&str]) -> Output {
    let (program, prefix) = command(program);
    Command::new(program)
        .args(prefix)
        .args(args)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", home.join("pre-commit-cache"))
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

const DIRTY: &str = "Title\n\nLatest News\n\nHuawei said its smart phone sales fell.\n";
const CLEAN: &str = "Title\n\nHuawei said its smartphone sales fell.\n";

#[test]
fn pre_commit_hooks_block_residue_and_pass_clean_files() {
    if !require("git") || !require("pre-commit") {
        return;
    }
    let checkout = env!("CARGO_MANIFEST_DIR");
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path();
    let repo = home.join("articles");
    fs::create_dir_all(&repo).unwrap();
    assert!(run(&repo, home, "git", &["init", "-q"]).status.success());
    fs::write(repo.join("article.txt"), DIRTY).unwrap();
    fs::write(repo.join("image.png"), b"\x89PNG\r\n\x1a\n\0\0\0").unwrap();
    assert!(run(&repo, home, "git", &["add", "."]).status.success());

    // newsclean-check: fails, prints the diff, changes nothing.
    let check = run(
        &repo,
        home,
        "pre-commit",
        &["try-repo", checkout, "newsclean-check", "--files", "article.txt", "image.png"],
    );
    assert!(!check.status.success(), "the check hook must fail on residue:\n{}", text(&check));
    assert!(text(&check).contains("-Latest News"), "the check hook prints the diff:\n{}", text(&check));
    assert_eq!(fs::read_to_string(repo.join("article.txt")).unwrap(), DIRTY);

    // newsclean: fixes in place, and pre-commit fails the commit because files changed.
    let fix =
        run(&repo, home, "pre-commit", &["try-repo", checkout, "newsclean", "--files", "article.txt", "image.png"]);
    assert!(!fix.status.success(), "the fixing hook must fail the commit when it changes files:\n{}", text(&fix));
    assert!(text(&fix).contains("files were modified by this hook"), "{}", text(&fix));
    assert_eq!(fs::read_to_string(repo.join("article.txt")).unwrap(), CLEAN);

    // Once the cleaned file is added, both hooks pass.
    assert!(run(&repo, home, "git", &["add", "article.txt"]).status.success());
    for hook in ["newsclean", "newsclean-check"] {
        let again =
            run(&repo, home, "pre-commit", &["try-repo", checkout, hook, "--files", "article.txt", "image.png"]);
        assert!(again.status.success(), "{hook} must pass on a clean file:\n{}", text(&again));
    }
}
