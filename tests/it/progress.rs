//! The progress bar of a batch (issue 14, item 2), through a real pseudo-terminal (rexpect): drawn
//! on a terminal once the batch has run for its delay (1 s; `NEWSCLEAN_PROGRESS_DELAY_MS` shortens
//! it here), never in a pipe, never under `--quiet`.

use std::fs;
use std::path::Path;
use std::process::Command;

use rexpect::process::WaitStatus;

use crate::common::{NEWSCLEAN, newsclean};

const DIRTY: &str = "Title\n\nLatest News\n\nHuawei said its smart phone sales fell.\n";
const CLEAN: &str = "Title\n\nHuawei said its smartphone sales fell.\n";

fn batch(files: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..files {
        fs::write(dir.path().join(format!("{i:03}.txt")), DIRTY).unwrap();
    }
    dir
}

/// Runs `newsclean ARGS .` in `dir` in a pseudo-terminal with the bar's delay set to `delay_ms`
/// (none: the real one second), and returns all it printed once it exited 0.
fn on_a_terminal(dir: &Path, args: &[&str], delay_ms: Option<u64>) -> String {
    let mut cmd = Command::new(NEWSCLEAN);
    cmd.args(args).arg(".").current_dir(dir).env_remove("NEWSCLEAN_PROGRESS_DELAY_MS");
    if let Some(ms) = delay_ms {
        cmd.env("NEWSCLEAN_PROGRESS_DELAY_MS", ms.to_string());
    }
    let mut session = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn in a pseudo-terminal");
    let seen = session.exp_eof().expect("newsclean ends");
    match session.process().wait() {
        Ok(WaitStatus::Exited(_, 0)) => seen,
        other => panic!("newsclean did not exit 0: {other:?}\n{seen}"),
    }
}

#[test]
fn a_batch_on_a_terminal_shows_files_mb_per_second_and_edits() {
    let dir = batch(300);
    let seen = on_a_terminal(dir.path(), &["--write"], Some(0));
    assert!(seen.contains("/300 files, ") && seen.contains(" MB/s, ") && seen.contains(" edits"), "{seen:?}");
    assert!(seen.contains("300 files, 300 changed"), "the summary follows the bar: {seen:?}");
    assert_eq!(fs::read_to_string(dir.path().join("299.txt")).unwrap(), CLEAN);
}

#[test]
fn a_dry_run_on_a_terminal_prints_every_diff_around_the_bar() {
    let dir = batch(50);
    let seen = on_a_terminal(dir.path(), &[], Some(0));
    assert!(seen.contains(" MB/s, "), "{seen:?}");
    assert_eq!(seen.matches("-Latest News").count(), 50, "{seen:?}");
    // The bar is taken off (`\r`, erase line) before each diff: every header starts its own line.
    let plain = without_escapes(&seen);
    let headers: Vec<&str> = plain.split(['\r', '\n']).filter(|line| line.contains("+++ b/")).collect();
    assert_eq!(headers.len(), 50, "{plain}");
    assert!(headers.iter().all(|line| line.starts_with("+++ b/")), "{headers:?}");
}

/// `text` without its terminal escape sequences (colors, erase line).
fn without_escapes(text: &str) -> String {
    let mut plain = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ parameters, up to the final letter.
            chars.by_ref().find(|c| c.is_ascii_alphabetic());
        } else {
            plain.push(c);
        }
    }
    plain
}

#[test]
fn quiet_shows_no_bar_on_a_terminal() {
    let dir = batch(300);
    let seen = on_a_terminal(dir.path(), &["--write", "--quiet"], Some(0));
    assert!(!seen.contains("MB/s"), "{seen:?}");
    assert_eq!(fs::read_to_string(dir.path().join("299.txt")).unwrap(), CLEAN);
}

#[test]
fn a_batch_shorter_than_a_second_shows_no_bar() {
    let dir = batch(3);
    let seen = on_a_terminal(dir.path(), &["--write"], None);
    assert!(!seen.contains("MB/s") && seen.contains("3 files, 3 changed"), "{seen:?}");
}

#[test]
fn a_pipe_gets_no_bar() {
    let dir = batch(300);
    let out = newsclean()
        .current_dir(dir.path())
        .env("NEWSCLEAN_PROGRESS_DELAY_MS", "0")
        .args(["--write", "."])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "newsclean: 300 files, 300 changed, 900 edits (mt 300, residue 600)\n"
    );
}
