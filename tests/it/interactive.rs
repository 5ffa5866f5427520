//! `--interactive` driven as a person drives it: the real binary in a pseudo-terminal (rexpect),
//! answering each `Apply this hunk [y,n,a,d,q,j,J,g,/,e,?]?` prompt (moving between hunks too), with `$EDITOR` a small script for `e`,
//! and the files checked byte for byte afterwards; and the colors a terminal gets.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

use crate::common::{NEWSCLEAN, newsclean};

/// Three hunks: a header line, a translation slip in the middle, a dangling credit at the end.
const DOC: &str = "Title\n\nLatest News\n\none\n\ntwo\n\nthree\n\nHuawei said its smart phone sales fell.\n\n\
                   four\n\nfive\n\nsix\n\nThe end.\n\nCredit :\n";
const FIRST: (&str, &str) = ("Latest News\n\n", "");
const SECOND: (&str, &str) = ("smart phone", "smartphone");
const THIRD: (&str, &str) = ("The end.\n\nCredit :\n", "The end.\n");

/// `DOC` with the given hunks applied.
fn with(hunks: &[(&str, &str)]) -> String {
    hunks.iter().fold(DOC.to_owned(), |text, (from, to)| text.replacen(from, to, 1))
}

fn start(dir: &Path, args: &[&str], editor: Option<&Path>) -> PtySession {
    let mut cmd = Command::new(NEWSCLEAN);
    cmd.args(args).current_dir(dir).env_remove("VISUAL").env("TERM", "xterm");
    for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "CI"] {
        cmd.env_remove(var);
    }
    match editor {
        Some(editor) => cmd.env("EDITOR", editor),
        None => cmd.env("EDITOR", "false"),
    };
    rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn newsclean in a pseudo-terminal")
}

/// Waits for prompt `n` of `total` and answers it; returns what was shown before the prompt.
fn answer(session: &mut PtySession, n: usize, total: usize, reply: &str) -> String {
    let seen = session
        .exp_string(&format!("({n}/{total}) Apply this hunk ["))
        .unwrap_or_else(|e| panic!("no prompt {n}/{total}: {e}"));
    session.exp_string("]? ").expect("the prompt's choices");
    session.send_line(reply).expect("answer");
    seen
}

/// Waits for prompt `n` of `total` offering exactly `choices`, and answers it.
fn answer_offered(session: &mut PtySession, n: usize, total: usize, choices: &str, reply: &str) -> String {
    let seen = session
        .exp_string(&format!("({n}/{total}) Apply this hunk [{choices}]? "))
        .unwrap_or_else(|e| panic!("no prompt {n}/{total} [{choices}]: {e}"));
    session.send_line(reply).expect("answer");
    seen
}

/// Reads the rest of the session and checks the process exited 0.
fn finish(mut session: PtySession) -> String {
    let rest = session.exp_eof().expect("newsclean ends");
    match session.process().wait() {
        Ok(WaitStatus::Exited(_, 0)) => rest,
        other => panic!("newsclean did not exit 0: {other:?}\n{rest}"),
    }
}

fn script(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn yes_and_no_apply_exactly_the_accepted_hunks_and_the_summary_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), DOC).unwrap();
    let mut session = start(dir.path(), &["--interactive", "a.txt"], None);
    let first = answer(&mut session, 1, 3, "y");
    // On a terminal the hunk is colored, and each of its rules is named and described.
    assert!(first.contains("\x1b[31m-Latest News\x1b[0m"), "{first:?}");
    assert!(first.contains("@@ -1,6 +1,4 @@\x1b[0m residue.latest-news"), "{first:?}");
    assert!(first.contains("# residue.latest-news: Remove a `Latest News` header line"), "{first:?}");
    let second = answer(&mut session, 2, 3, "n");
    assert!(second.contains("# mt.smart-phone: "), "{second:?}");
    answer(&mut session, 3, 3, "y");
    let rest = finish(session);
    assert!(rest.contains("a.txt: 2 of 3 hunks applied"), "{rest:?}");
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), with(&[FIRST, THIRD]));
}

#[test]
fn all_and_done_decide_the_rest_of_the_file_only() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), DOC).unwrap();
    fs::write(dir.path().join("b.txt"), DOC).unwrap();
    let mut session = start(dir.path(), &["-i", "."], None);
    answer(&mut session, 1, 3, "n");
    answer(&mut session, 2, 3, "a"); // a.txt: this one and the third
    session.exp_string("+++ b/b.txt").expect("b.txt is reviewed next");
    answer(&mut session, 1, 3, "y");
    answer(&mut session, 2, 3, "d"); // b.txt: not this one, nor the third
    let rest = finish(session);
    assert!(rest.contains("a.txt: 2 of 3 hunks applied"), "{rest:?}");
    assert!(rest.contains("b.txt: 1 of 3 hunks applied"), "{rest:?}");
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), with(&[SECOND, THIRD]));
    assert_eq!(fs::read_to_string(dir.path().join("b.txt")).unwrap(), with(&[FIRST]));
}

#[test]
fn quit_writes_what_was_accepted_in_this_file_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), DOC).unwrap();
    fs::write(dir.path().join("b.txt"), DOC).unwrap();
    let mut session = start(dir.path(), &["-i", "a.txt", "b.txt"], None);
    answer(&mut session, 1, 3, "y");
    answer(&mut session, 2, 3, "q");
    let rest = finish(session);
    assert!(rest.contains("a.txt: 1 of 3 hunks applied"), "{rest:?}");
    assert!(!rest.contains("b.txt"), "b.txt is never shown: {rest:?}");
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), with(&[FIRST]));
    assert_eq!(fs::read_to_string(dir.path().join("b.txt")).unwrap(), DOC);
    let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "no temporary file left behind: {names:?}");
}

#[test]
fn help_is_printed_and_the_same_hunk_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), DOC).unwrap();
    let mut session = start(dir.path(), &["-i", "a.txt"], None);
    answer(&mut session, 1, 3, "?");
    let again = answer(&mut session, 1, 3, "d");
    assert!(again.contains("e - manually edit the current hunk"), "{again:?}");
    let rest = finish(session);
    assert!(rest.contains("a.txt: 0 of 3 hunks applied"), "{rest:?}");
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), DOC);
}

#[test]
fn edit_applies_the_hunk_as_the_editor_left_it() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), DOC).unwrap();
    // The editor turns the proposed `smartphone` into `smart-phone` on the hunk's + line.
    let editor =
        script(dir.path(), "editor.sh", "sed -i 's/^+Huawei said its smartphone/+Huawei said its smart-phone/' \"$1\"");
    let mut session = start(dir.path(), &["-i", "a.txt"], Some(&editor));
    answer(&mut session, 1, 3, "n");
    answer(&mut session, 2, 3, "e");
    answer(&mut session, 3, 3, "n");
    let rest = finish(session);
    assert!(rest.contains("a.txt: 1 of 3 hunks applied"), "{rest:?}");
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), DOC.replace("smart phone", "smart-phone"));
}

#[test]
fn a_bad_edit_is_refused_and_the_hunk_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), DOC).unwrap();
    // This editor changes a context line, so the hunk no longer fits the file.
    let editor = script(dir.path(), "editor.sh", "sed -i 's/^ three$/ THREE/' \"$1\"");
    let mut session = start(dir.path(), &["-i", "a.txt"], Some(&editor));
    answer(&mut session, 1, 3, "n");
    answer(&mut session, 2, 3, "e");
    let again = answer(&mut session, 2, 3, "y");
    assert!(again.contains("Your edited hunk does not apply"), "{again:?}");
    answer(&mut session, 3, 3, "n");
    finish(session);
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), with(&[SECOND]));
}

#[test]
fn accepting_every_hunk_writes_what_write_writes_keeping_bom_and_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let doc = format!("\u{FEFF}{}", DOC.replace('\n', "\r\n"));
    fs::write(dir.path().join("a.txt"), &doc).unwrap();
    fs::write(dir.path().join("b.txt"), &doc).unwrap();
    newsclean().args(["--write", "-q", "b.txt"]).current_dir(dir.path()).assert().success();
    let mut session = start(dir.path(), &["-i", "a.txt"], None);
    answer(&mut session, 1, 3, "a");
    finish(session);
    let (a, b) = (fs::read(dir.path().join("a.txt")).unwrap(), fs::read(dir.path().join("b.txt")).unwrap());
    assert!(a.starts_with("\u{FEFF}Title\r\n".as_bytes()), "{:?}", String::from_utf8_lossy(&a));
    assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
}

#[test]
fn a_read_only_file_is_refused_before_any_question() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, DOC).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let mut session = start(dir.path(), &["-i", "a.txt"], None);
    let rest = session.exp_eof().expect("newsclean ends without asking");
    assert!(rest.contains("newsclean: a.txt: read-only file, left alone"), "{rest:?}");
    assert!(!rest.contains("Apply this hunk"), "{rest:?}");
    assert!(matches!(session.process().wait(), Ok(WaitStatus::Exited(_, 2))));
    assert_eq!(fs::read_to_string(&path).unwrap(), DOC);
}

#[test]
fn backup_keeps_the_original_of_a_reviewed_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), DOC).unwrap();
    let mut session = start(dir.path(), &["-i", "--backup", ".orig", "a.txt"], None);
    answer(&mut session, 1, 3, "y");
    answer(&mut session, 2, 3, "d");
    finish(session);
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), with(&[FIRST]));
    assert_eq!(fs::read_to_string(dir.path().join("a.txt.orig")).unwrap(), DOC);
}

#[test]
fn a_file_changed_on_disk_during_the_review_is_left_as_it_now_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, DOC).unwrap();
    let mut session = start(dir.path(), &["-i", "a.txt"], None);
    answer(&mut session, 1, 3, "y");
    // Someone saves the file in their editor while the review waits at the second prompt.
    session.exp_string("(2/3) Apply this hunk").expect("second prompt");
    let theirs = format!("{DOC}A paragraph they added.\n");
    fs::write(&path, &theirs).unwrap();
    session.send_line("a").unwrap();
    let rest = session.exp_eof().expect("newsclean ends");
    assert!(rest.contains("newsclean: a.txt: changed on disk during the review, left alone"), "{rest:?}");
    assert!(rest.contains("a.txt: 0 of 3 hunks applied"), "{rest:?}");
    assert!(matches!(session.process().wait(), Ok(WaitStatus::Exited(_, 2))));
    assert_eq!(fs::read_to_string(&path).unwrap(), theirs);
}

#[test]
fn split_offers_each_change_of_a_hunk_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    // Two changes three lines apart share one hunk until it is split.
    let close = "Title\n\nLatest News\n\nOne.\n\nHuawei said its smart phone sales fell.\n";
    fs::write(dir.path().join("a.txt"), close).unwrap();
    let mut session = start(dir.path(), &["-i", "a.txt"], None);
    session.exp_string("(1/1) Apply this hunk [y,n,a,d,q,s,e,?]? ").expect("s is offered");
    session.send_line("s").unwrap();
    let first = answer(&mut session, 1, 2, "n");
    assert!(first.contains("Split into 2 hunks."), "{first:?}");
    let second = answer(&mut session, 2, 2, "y");
    assert!(second.contains("# mt.smart-phone: ") && !second.contains("# residue.latest-news"), "{second:?}");
    let rest = finish(session);
    assert!(rest.contains("a.txt: 1 of 2 hunks applied"), "{rest:?}");
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), close.replace("smart phone", "smartphone"));
}

#[test]
fn hunks_of_a_user_rule_show_its_description_from_newsclean_toml() {
    let dir = tempfile::tempdir().unwrap();
    let config = "[[rule]]\nid = \"site.app-prompt\"\ndescription = \"Remove the site's app prompt.\"\n\
                  where = \"own-line\"\nmatch = { literal = [\"Get the Daily Bugle app\"] }\n";
    fs::write(dir.path().join("newsclean.toml"), config).unwrap();
    fs::write(dir.path().join("a.txt"), "Text.\n\nGet the Daily Bugle app\n").unwrap();
    let mut session = start(dir.path(), &["--interactive", "a.txt"], None);
    let prompt = answer(&mut session, 1, 1, "y");
    assert!(prompt.contains("# site.app-prompt: Remove the site's app prompt."), "{prompt:?}");
    finish(session);
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), "Text.\n");
}

#[test]
fn issue_8_a_feed_is_passed_over_without_a_question_even_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let feed = "<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
                <title>Huawei said its smart phone sales fell.</title>\n<link href=\"/?a=1&amp;b=2\"/>\n</feed>\n";
    let path = dir.path().join("feed.txt");
    fs::write(&path, feed).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let mut session = start(dir.path(), &["-i", "feed.txt"], None);
    let rest = session.exp_eof().expect("newsclean ends without asking");
    assert!(rest.contains("newsclean: feed.txt: Atom feed left untouched"), "{rest:?}");
    assert!(!rest.contains("Apply this hunk"), "{rest:?}");
    assert!(matches!(session.process().wait(), Ok(WaitStatus::Exited(_, 0))));
    assert_eq!(fs::read_to_string(&path).unwrap(), feed);
}

#[test]
fn a_terminal_gets_colors_unless_term_is_dumb() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), DOC).unwrap();
    for (term, colored) in [("xterm", true), ("dumb", false)] {
        let mut cmd = Command::new(NEWSCLEAN);
        cmd.arg("a.txt").current_dir(dir.path()).env("TERM", term);
        // `CI` too: under CI (as `.ci/run` sets it) anstream colors a terminal whatever `TERM` says.
        for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "CI"] {
            cmd.env_remove(var);
        }
        let session = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn newsclean");
        let shown = finish(session);
        assert!(shown.contains("-Latest News"), "{shown:?}");
        assert_eq!(shown.contains("\x1b[31m-Latest News"), colored, "TERM={term}: {shown:?}");
    }
}

/// A 200-character paragraph with one word to fix, and a line with invisible characters.
const PROSE: &str = "Title\n\nHuawei said the new flats from the company, which had been tested for months in several \
                     markets, would reach stores in the spring, and that older models would get the update too.\n\n\
                     A\u{a0}price of 5\u{200b}00 dollars.\n";

#[test]
fn a_terminal_sees_the_one_word_that_changed_in_a_long_paragraph_and_invisible_characters_as_markers() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), PROSE).unwrap();
    let (emphasis, plain) = ("\x1b[7m", "\x1b[27m");
    // The dry run's diff on a terminal, then the same hunk in the review.
    let mut session = start(dir.path(), &["a.txt"], None);
    session.exp_string("+++ b/a.txt").expect("the diff");
    let diff = finish(session);
    let mut session = start(dir.path(), &["-i", "a.txt"], None);
    // Two changes apart: the hunk can be split, so the prompt offers `s` too.
    let review = session.exp_string("(1/1) Apply this hunk [").expect("the prompt");
    session.send_line("n").expect("answer");
    finish(session);
    for shown in [diff, review] {
        // Only the word is emphasized, inside the line's color.
        assert!(
            shown.contains(&format!("\x1b[31m-Huawei said the new {emphasis}flats{plain} from the company,")),
            "{shown:?}"
        );
        assert!(
            shown.contains(&format!("\x1b[32m+Huawei said the new {emphasis}tablets{plain} from the company,")),
            "{shown:?}"
        );
        assert_eq!(shown.matches(emphasis).count(), 2 + 4, "flats, tablets, and two per side below: {shown:?}");
        // The no-break space and the zero-width space are markers on the old side, where they are.
        assert!(
            shown.contains(&format!(
                "-A{emphasis}\x1b[4m<nbsp>\x1b[24m{plain}price of {emphasis}5\x1b[4m<zwsp>\x1b[24m00{plain} dollars."
            )),
            "{shown:?}"
        );
        assert!(shown.contains(&format!("+A{emphasis} {plain}price of {emphasis}500{plain} dollars.")), "{shown:?}");
    }
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), PROSE, "nothing accepted, nothing written");
}

#[test]
fn the_diff_in_a_pipe_stays_the_exact_patch_with_the_invisible_characters_themselves() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), PROSE).unwrap();
    let out = newsclean().arg("a.txt").current_dir(dir.path()).env_remove("CLICOLOR_FORCE").output().unwrap();
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(diff.contains("\n-A\u{a0}price of 5\u{200b}00 dollars.\n+A price of 500 dollars.\n"), "{diff:?}");
    assert!(!diff.contains('\x1b') && !diff.contains("<nbsp>"), "{diff:?}");
}

#[test]
fn hunks_can_be_left_undecided_and_come_back_to_with_git_s_navigation_keys() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), DOC).unwrap();
    let mut session = start(dir.path(), &["-i", "a.txt"], None);
    // Keys are offered only where they lead somewhere, in git's order.
    answer_offered(&mut session, 1, 3, "y,n,a,d,q,j,J,g,/,e,?", "j"); // leave 1 undecided
    let second = answer_offered(&mut session, 2, 3, "y,n,a,d,q,k,K,j,J,g,/,e,?", "y");
    assert!(second.contains("smart phone"), "{second:?}");
    // After a decision: the next undecided hunk, the third.
    let third = answer_offered(&mut session, 3, 3, "y,n,a,d,q,k,K,g,/,e,?", "J");
    assert!(third.contains("-Credit :"), "{third:?}");
    // J on the last hunk leads nowhere: said, and asked again; k goes back to the first.
    let again = answer(&mut session, 3, 3, "k");
    assert!(again.contains("No next hunk"), "{again:?}");
    let first = answer(&mut session, 1, 3, "/[");
    assert!(first.contains("-Latest News"), "{first:?}");
    let malformed = answer(&mut session, 1, 3, "/Credit"); // search: on to the third
    assert!(malformed.contains("Malformed search regexp ["), "{malformed:?}");
    answer(&mut session, 3, 3, "K");
    // K shows the second again, decided as it is; g lists the hunks with their decisions.
    answer(&mut session, 2, 3, "g");
    let listed = session.exp_string("go to which hunk? ").expect("the list of hunks");
    assert!(listed.contains("+  2: -8 mt.smart-phone Huawei said its smart phone sales fell."), "{listed:?}");
    assert!(listed.contains("   1: -1 residue.latest-news Latest News"), "{listed:?}");
    session.send_line("1").expect("answer");
    answer(&mut session, 1, 3, "g 9");
    let sorry = answer(&mut session, 1, 3, "n");
    assert!(sorry.contains("Sorry, only 3 hunks available."), "{sorry:?}");
    answer(&mut session, 3, 3, "y"); // the last undecided one; then the file is done
    let rest = finish(session);
    assert!(rest.contains("a.txt: 2 of 3 hunks applied"), "{rest:?}");
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), with(&[SECOND, THIRD]));
}

#[test]
fn the_help_lists_the_navigation_keys_offered() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), DOC).unwrap();
    let mut session = start(dir.path(), &["-i", "a.txt"], None);
    answer(&mut session, 1, 3, "?");
    let help = answer(&mut session, 1, 3, "q");
    for line in [
        "j - leave this hunk undecided, see next undecided hunk",
        "J - leave this hunk undecided, see next hunk",
        "g - select a hunk to go to",
        "/ - search for a hunk matching the given regex",
    ] {
        assert!(help.contains(line), "{line}: {help:?}");
    }
    assert!(!help.contains("k - leave") && !help.contains("s - split"), "only keys offered here: {help:?}");
    finish(session);
}
