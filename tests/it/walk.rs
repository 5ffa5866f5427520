//! Which files a directory walk takes (issue 14, item 1): `.gitignore`, `.ignore` and
//! `.git/info/exclude` honoured as ripgrep honours them, `--no-ignore` and `--hidden`, files named
//! explicitly always taken, `-j`, and a stable order whatever the thread count.

use std::fs;
use std::path::Path;

use crate::common::newsclean;

const DIRTY: &str = "Title\n\nLatest News\n\nHuawei said its smart phone sales fell.\n";

fn write_all(root: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = root.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

/// The paths `newsclean --check ARGS .` lists in `dir`, in the order it lists them.
fn listed(dir: &Path, args: &[&str]) -> Vec<String> {
    let out = newsclean().current_dir(dir).arg("--check").args(args).arg(".").output().unwrap();
    assert!(out.status.code() == Some(1) || out.status.code() == Some(0), "{out:?}");
    String::from_utf8(out.stdout).unwrap().lines().map(|l| l.trim_start_matches("./").to_owned()).collect()
}

/// A repository of articles whose ignore files list a build directory, an npm tree, a raw scrape
/// dump, a private folder and a notes file; with an article everywhere, and hidden ones.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_all(
        dir.path(),
        &[
            (".gitignore", "build/\nscraped-raw/\nnode_modules/\n"),
            (".ignore", "notes.txt\n"),
            (".git/info/exclude", "private/\n"),
            (".git/HEAD", "ref: refs/heads/main\n"),
            (".git/description.txt", DIRTY),
            ("a.txt", DIRTY),
            ("news/b.md", DIRTY),
            ("build/out.txt", DIRTY),
            ("scraped-raw/2024/page.txt", DIRTY),
            ("node_modules/pkg/README.md", DIRTY),
            ("private/c.txt", DIRTY),
            ("notes.txt", DIRTY),
            (".drafts/d.txt", DIRTY),
            ("news/.e.txt", DIRTY),
        ],
    );
    dir
}

#[test]
fn gitignore_ignore_and_info_exclude_are_honoured_in_a_repository() {
    let dir = repository();
    assert_eq!(listed(dir.path(), &[]), ["a.txt", "news/b.md"]);
}

#[test]
fn no_ignore_walks_what_the_ignore_files_list_but_not_hidden_files() {
    let dir = repository();
    assert_eq!(
        listed(dir.path(), &["--no-ignore"]),
        [
            "a.txt",
            "build/out.txt",
            "news/b.md",
            "node_modules/pkg/README.md",
            "notes.txt",
            "private/c.txt",
            "scraped-raw/2024/page.txt"
        ]
    );
}

#[test]
fn hidden_walks_hidden_files_and_directories_but_never_git() {
    let dir = repository();
    assert_eq!(listed(dir.path(), &["--hidden"]), [".drafts/d.txt", "a.txt", "news/.e.txt", "news/b.md"]);
    let all = listed(dir.path(), &["--hidden", "--no-ignore"]);
    assert_eq!(all.len(), 9, "{all:?}");
    assert!(all.iter().all(|p| !p.starts_with(".git/")), "{all:?}");
}

#[test]
fn a_file_named_explicitly_is_cleaned_even_when_ignored() {
    let dir = repository();
    newsclean()
        .current_dir(dir.path())
        .args(["--check", "build/out.txt", "notes.txt", "private/c.txt", ".drafts/d.txt"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("4 files, 4 would change"));
}

#[test]
fn gitignore_applies_only_inside_a_git_repository_as_in_ripgrep() {
    let dir = tempfile::tempdir().unwrap();
    write_all(
        dir.path(),
        &[(".gitignore", "build/\n"), (".ignore", "raw/\n"), ("build/a.txt", DIRTY), ("raw/b.txt", DIRTY)],
    );
    assert_eq!(listed(dir.path(), &[]), ["build/a.txt"], "outside a repository only .ignore counts");
    fs::create_dir(dir.path().join(".git")).unwrap();
    assert_eq!(listed(dir.path(), &[]), Vec::<String>::new());
}

#[test]
fn ignore_files_of_the_repository_apply_when_walking_a_subdirectory() {
    let dir = repository();
    let out = newsclean().current_dir(dir.path().join("news")).args(["--check", "../scraped-raw"]).output().unwrap();
    // A directory named explicitly is walked (as ripgrep does), its ignore rules skip nothing inside.
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "../scraped-raw/2024/page.txt\n");
    write_all(dir.path(), &[("news/.ignore", "old/\n"), ("news/old/x.txt", DIRTY), ("news/new/y.txt", DIRTY)]);
    assert_eq!(listed(&dir.path().join("news"), &[]), ["b.md", "new/y.txt"]);
}

#[test]
fn output_is_in_path_order_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..60).map(|i| format!("d{}/s{}/f{i:02}.txt", i % 7, i % 3)).collect();
    write_all(dir.path(), &names.iter().map(|n| (n.as_str(), DIRTY)).collect::<Vec<_>>());
    let mut sorted = names.clone();
    sorted.sort();
    for threads in ["1", "2", "8"] {
        assert_eq!(listed(dir.path(), &["-j", threads]), sorted, "-j {threads}");
    }
    let diff = |threads: &str| newsclean().current_dir(dir.path()).args(["--threads", threads, "."]).output().unwrap();
    assert_eq!(diff("1").stdout, diff("4").stdout);
}
