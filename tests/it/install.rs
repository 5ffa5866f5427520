//! What an installation adds beside the binary (issue 14, item 3): the shell completion scripts of
//! `newsclean completions SHELL` and the man page of `newsclean man`, made by clap from the same
//! arguments the binary parses, so they cannot fall behind its options.

use std::process::Command;

use predicates::str::contains;

use crate::common::{newsclean, require};

fn stdout_of(args: &[&str]) -> String {
    let out = newsclean().args(args).output().unwrap();
    assert!(out.status.success(), "newsclean {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_shell_gets_a_completion_script_naming_the_options_and_commands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        // Option names without their dashes: fish writes `-l no-ignore`.
        for word in ["no-ignore", "hidden", "threads", "follow-symlinks", "stdin-filename", "explain", "completions"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    assert!(stdout_of(&["completions", "zsh"]).starts_with("#compdef newsclean"));
}

#[test]
fn the_bash_completion_script_is_valid_bash() {
    if !require(&["bash"]) {
        return;
    }
    let script = stdout_of(&["completions", "bash"]);
    let check = Command::new("bash").args(["-n", "-c", &script]).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn the_man_page_documents_the_options_commands_and_exit_codes() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH newsclean 1"), "{page}");
    for part in [".SH OPTIONS", r"\fB\-\-write\fR", r"\fB\-\-no\-ignore\fR", ".SH SUBCOMMANDS", "Exit codes:"] {
        assert!(page.contains(part), "the man page lacks {part}:\n{page}");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error_naming_the_shells() {
    newsclean().args(["completions", "tcsh"]).assert().code(2).stderr(contains("bash, elvish, fish, powershell, zsh"));
}
