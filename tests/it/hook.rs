//! The native pre-commit hook (`newsclean hook install`) and `--staged`, with the real git in a
//! temporary repository: what is checked is the staged version of each staged file, not the
//! working tree.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::{self, NEWSCLEAN, require};

const DIRTY: &str = "Title\n\nLatest News\n\nHuawei said its smart phone sales fell.\n";
const CLEAN: &str = "Title\n\nHuawei said its smartphone sales fell.\n";

/// A fresh repository with its own HOME, so the caller's git configuration plays no part.
struct Repo {
    root: tempfile::TempDir,
}

impl Repo {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("home")).unwrap();
        fs::create_dir_all(root.path().join("repo")).unwrap();
        let repo = Repo { root };
        repo.ok(repo.git(&["init", "-q"]));
        repo
    }

    fn dir(&self) -> PathBuf {
        self.root.path().join("repo")
    }

    fn env(&self, cmd: &mut Command) {
        common::isolate_git(cmd, &self.root.path().join("home"));
    }

    fn git(&self, args: &[&str]) -> Output {
        self.git_in(&self.dir(), args)
    }

    fn git_in(&self, dir: &Path, args: &[&str]) -> Output {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(dir);
        self.env(&mut cmd);
        cmd.output().expect("run git")
    }

    fn newsclean_in(&self, dir: &Path, args: &[&str]) -> Output {
        let mut cmd = Command::new(NEWSCLEAN);
        cmd.args(args).current_dir(dir).stdin(Stdio::null());
        self.env(&mut cmd);
        cmd.output().expect("run newsclean")
    }

    fn newsclean(&self, args: &[&str]) -> Output {
        self.newsclean_in(&self.dir(), args)
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.dir().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn ok(&self, output: Output) -> Output {
        assert!(output.status.success(), "failed:\n{}", text(&output));
        output
    }
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn hook_blocks_a_commit_whose_staged_version_is_dirty_though_the_working_tree_is_clean() {
    if !require(&["git"]) {
        return;
    }
    let repo = Repo::new();
    repo.ok(repo.newsclean(&["hook", "install"]));
    let hook = repo.dir().join(".git/hooks/pre-commit");
    assert!(fs::metadata(&hook).unwrap().permissions().mode() & 0o111 != 0, "the hook is executable");

    repo.write("news/article.txt", DIRTY);
    repo.ok(repo.git(&["add", "news/article.txt"]));
    repo.write("news/article.txt", CLEAN); // the working tree is clean; the index is not
    let commit = repo.git(&["commit", "-q", "-m", "add article"]);
    assert!(!commit.status.success(), "the hook must block the commit:\n{}", text(&commit));
    let said = text(&commit);
    assert!(said.contains("--- a/news/article.txt") && said.contains("-Latest News"), "{said}");
    assert!(said.contains("\nnews/article.txt\n"), "the hook lists the file after its diff, as --check does: {said}");
    assert!(repo.git(&["rev-parse", "--verify", "-q", "HEAD"]).stdout.is_empty(), "nothing was committed");
    assert_eq!(fs::read_to_string(repo.dir().join("news/article.txt")).unwrap(), CLEAN, "the hook writes nothing");
}

#[test]
fn hook_passes_a_commit_whose_staged_version_is_clean_though_the_working_tree_is_dirty() {
    if !require(&["git"]) {
        return;
    }
    let repo = Repo::new();
    repo.ok(repo.newsclean(&["hook", "install"]));
    repo.write("article.txt", CLEAN);
    repo.ok(repo.git(&["add", "article.txt"]));
    repo.write("article.txt", DIRTY);
    repo.ok(repo.git(&["commit", "-q", "-m", "add article"]));
    let committed = repo.ok(repo.git(&["show", "HEAD:article.txt"])).stdout;
    assert_eq!(String::from_utf8(committed).unwrap(), CLEAN);
}

#[test]
fn hook_install_refuses_to_replace_an_existing_hook_unless_forced() {
    if !require(&["git"]) {
        return;
    }
    let repo = Repo::new();
    let hook = repo.dir().join(".git/hooks/pre-commit");
    fs::create_dir_all(hook.parent().unwrap()).unwrap();
    fs::write(&hook, "#!/bin/sh\necho my own hook\n").unwrap();
    let refused = repo.newsclean(&["hook", "install"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("a pre-commit hook already exists"), "{}", text(&refused));
    assert!(text(&refused).contains("--force"), "{}", text(&refused));
    assert_eq!(fs::read_to_string(&hook).unwrap(), "#!/bin/sh\necho my own hook\n");

    repo.ok(repo.newsclean(&["hook", "install", "--force"]));
    assert!(fs::read_to_string(&hook).unwrap().contains("--check --diff --staged"));
}

#[test]
fn staged_checks_the_index_and_names_files_from_the_top_of_the_work_tree() {
    if !require(&["git"]) {
        return;
    }
    let repo = Repo::new();
    repo.write("sub/a.txt", DIRTY);
    repo.write("sub/clean.txt", CLEAN);
    repo.ok(repo.git(&["add", "."]));
    repo.write("sub/a.txt", CLEAN);
    // From a subdirectory, as a user may run it; the diff still applies from the top.
    let check = repo.newsclean_in(&repo.dir().join("sub"), &["--check", "--staged"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert_eq!(String::from_utf8_lossy(&check.stdout), "sub/a.txt\n");
    let diff = repo.newsclean(&["--staged"]);
    assert_eq!(diff.status.code(), Some(0), "{}", text(&diff));
    let patch = String::from_utf8(diff.stdout).unwrap();
    assert!(patch.starts_with("--- a/sub/a.txt\n+++ b/sub/a.txt\n@@ -1,5 +1,3 @@"), "{patch}");
    // The printed diff is of the staged text: it applies to the index.
    let patch_file = repo.root.path().join("staged.patch");
    fs::write(&patch_file, &patch).unwrap();
    repo.ok(repo.git(&["apply", "--cached", "--check", patch_file.to_str().unwrap()]));
}

#[test]
fn staged_honours_exclude_include_and_the_default_extensions() {
    if !require(&["git"]) {
        return;
    }
    let repo = Repo::new();
    repo.write("drafts/a.txt", DIRTY);
    repo.write("data.csv", DIRTY);
    repo.write("keep.txt", CLEAN);
    repo.ok(repo.git(&["add", "."]));
    // drafts/ excluded; data.csv has no default extension; keep.txt is clean.
    let check = repo.newsclean(&["--check", "--staged", "--exclude", "drafts/*"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    let check = repo.newsclean(&["--check", "--staged", "--include", "*.csv"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert_eq!(String::from_utf8_lossy(&check.stdout), "data.csv\n");
    // PATHs limit which staged files are checked.
    let check = repo.newsclean(&["--check", "--staged", "keep.txt"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

#[test]
fn staged_checks_a_moved_and_edited_file_and_passes_over_symlinks() {
    if !require(&["git"]) {
        return;
    }
    let repo = Repo::new();
    // Long enough, and edited little enough, for git to see a rename (R096), which a plain
    // `--diff-filter=ACM` listing leaves out.
    let body: String =
        (0..20).map(|i| format!("Paragraph {i} of a long clean article about the council budget.\n\n")).collect();
    repo.write("old.txt", &format!("{body}Huawei said its smartphone sales fell.\n"));
    repo.ok(repo.git(&["add", "old.txt"]));
    repo.ok(repo.git(&["commit", "-q", "--no-verify", "-m", "clean"]));
    repo.ok(repo.git(&["mv", "old.txt", "new.txt"]));
    repo.write("new.txt", &format!("{body}Huawei said its smart phone sales fell.\n"));
    repo.ok(repo.git(&["add", "new.txt"]));
    std::os::unix::fs::symlink("new.txt", repo.dir().join("link.txt")).unwrap();
    repo.ok(repo.git(&["add", "link.txt"]));
    let check = repo.newsclean(&["--check", "--staged"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert_eq!(String::from_utf8_lossy(&check.stdout), "new.txt\n");
    assert!(text(&check).contains("staged: 1 file, 1 would change"), "the symlink is not checked: {}", text(&check));
}

#[test]
fn staged_outside_a_repository_is_an_error_that_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let output = common::newsclean()
        .args(["--check", "--staged"])
        .current_dir(dir.path())
        .env("GIT_CEILING_DIRECTORIES", dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("newsclean: --staged:"), "{}", text(&output));
}

#[test]
fn a_path_named_hook_is_the_command_and_dot_slash_hook_is_the_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("hook"), DIRTY).unwrap();
    let newsclean = |args: &[&str]| common::newsclean().args(args).current_dir(dir.path()).output().unwrap();
    let file = newsclean(&["./hook"]);
    assert!(String::from_utf8_lossy(&file.stdout).contains("--- a/hook"), "{}", text(&file));
    let command = newsclean(&["hook"]);
    assert_eq!(command.status.code(), Some(2), "`hook` alone asks for its subcommand");
    assert!(text(&command).contains("install"), "{}", text(&command));
}

#[test]
fn issue_8_a_staged_feed_is_passed_over_with_a_note_and_the_hook_lets_it_through() {
    if !require(&["git"]) {
        return;
    }
    let repo = Repo::new();
    repo.ok(repo.newsclean(&["hook", "install"]));
    let feed = "<rss version=\"2.0\">\n<channel>\n<link>https://news.example/?id=7&amp;lang=en</link>\n\
                <description>Huawei said its smart phone sales fell.</description>\n</channel>\n</rss>\n";
    repo.write("feeds/world.txt", feed);
    repo.ok(repo.git(&["add", "feeds/world.txt"]));
    let check = repo.newsclean(&["--check", "--staged"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    assert!(text(&check).contains("feeds/world.txt: RSS feed left untouched"), "{}", text(&check));
    assert!(text(&check).contains("staged: 1 file, 0 would change, 0 edits, 1 skipped"), "{}", text(&check));
    repo.ok(repo.git(&["commit", "-q", "-m", "add feed"]));
    let committed = repo.ok(repo.git(&["show", "HEAD:feeds/world.txt"])).stdout;
    assert_eq!(String::from_utf8(committed).unwrap(), feed);
}

/// Issue 13, item 6: a staged file whose name looks like a stage number (`0:x.txt`) is read as
/// itself, not as `x.txt` (`git show :0:x.txt` reads stage 0 of `x.txt`).
#[test]
fn staged_checks_a_file_named_like_a_stage_as_itself() {
    if !require(&["git"]) {
        return;
    }
    let repo = Repo::new();
    repo.write("x.txt", CLEAN);
    repo.write("0:x.txt", DIRTY);
    repo.ok(repo.git(&["add", "x.txt", "0:x.txt"]));
    let check = repo.newsclean(&["--staged", "--check"]);
    assert_eq!(check.status.code(), Some(1), "the dirty file is found: {}", text(&check));
    assert!(text(&check).contains("0:x.txt") && text(&check).contains("1 would change"), "{}", text(&check));
}

/// Issue 13, item 10: `--staged` run from a subdirectory of the work tree takes each staged file's
/// config from where the file is, as from the top (staged paths are relative to the top).
#[test]
fn staged_from_a_subdirectory_uses_the_configs_of_the_work_tree() {
    if !require(&["git"]) {
        return;
    }
    let repo = Repo::new();
    repo.write("newsclean.toml", "ignore = [\"mt\"]\n");
    repo.write("news/a.txt", DIRTY);
    repo.ok(repo.git(&["add", "."]));
    let from_top = repo.newsclean(&["--staged", "--check"]);
    let from_sub = repo.newsclean_in(&repo.dir().join("news"), &["--staged", "--check"]);
    for (where_, run) in [("top", &from_top), ("news/", &from_sub)] {
        assert_eq!(run.status.code(), Some(1), "from {where_}: {}", text(run));
        assert!(
            text(run).contains("1 file, 1 would change, 2 edits (residue 2)"),
            "mt is ignored by the work tree's config, from {where_}: {}",
            text(run)
        );
    }
}

#[test]
fn staged_reports_in_json_and_github_formats_too() {
    if !require(&["git"]) {
        return;
    }
    let repo = Repo::new();
    repo.write("a.txt", DIRTY);
    repo.ok(repo.git(&["add", "."]));
    let json = repo.newsclean(&["--check", "--staged", "--format", "json"]);
    assert_eq!(json.status.code(), Some(1), "{}", text(&json));
    let records: Vec<serde_json::Value> =
        text(&json).lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(
        (&records[0]["type"], &records[0]["path"], &records[0]["changed"]),
        (&"file".into(), &"a.txt".into(), &true.into())
    );
    assert_eq!((&records[1]["type"], &records[1]["changed"]), (&"summary".into(), &1.into()));
    let github = repo.newsclean(&["--check", "--staged", "--format", "github"]);
    assert_eq!(github.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&github.stdout).starts_with("::warning file=a.txt,line="), "{}", text(&github));
}
