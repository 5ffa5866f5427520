//! The command line as a user drives it, one behaviour per test, in temporary directories.

use std::fs;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::newsclean;

const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/seeds");
const DIRTY: &str = "Title\n\nLatest News\n\nHuawei said its smart phone sales fell.\n";
const CLEAN: &str = "Title\n\nHuawei said its smartphone sales fell.\n";

fn copy_seeds(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    for entry in fs::read_dir(SEEDS).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn dry_run_prints_a_diff_with_rule_ids_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, DIRTY).unwrap();
    newsclean()
        .current_dir(dir.path())
        .arg("a.txt")
        .assert()
        .success()
        .stdout(contains("--- a/a.txt\n+++ b/a.txt\n@@ -1,5 +1,3 @@ mt.smart-phone residue.latest-news\n"))
        .stderr(contains("1 file, 1 would change, 3 edits (mt 1, residue 2)"));
    assert_eq!(fs::read_to_string(&path).unwrap(), DIRTY);
}

#[test]
fn check_exits_1_on_the_seeds_and_0_after_write() {
    let dir = tempfile::tempdir().unwrap();
    copy_seeds(dir.path());
    newsclean().arg("--check").arg(dir.path()).assert().code(1).stdout(contains("001_52bfb0e29ea3ca7b.txt"));
    newsclean().arg("--write").arg(dir.path()).assert().success().stderr(contains("5 files, 4 changed"));
    newsclean().arg("--check").arg(dir.path()).assert().code(0).stdout("");
}

#[test]
fn check_with_diff_prints_the_diff_and_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, DIRTY).unwrap();
    newsclean()
        .args(["--check", "--diff"])
        .arg(&path)
        .assert()
        .code(1)
        .stdout(contains("-Latest News").and(contains(path.to_str().unwrap())));
}

#[test]
fn write_leaves_files_that_would_not_change_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.txt");
    fs::write(&clean, CLEAN).unwrap();
    let old = filetime(&clean);
    std::thread::sleep(std::time::Duration::from_millis(20));
    newsclean().arg("--write").arg(dir.path()).assert().success().stderr(contains("1 file, 0 changed"));
    assert_eq!(filetime(&clean), old);
}

fn filetime(path: &Path) -> std::time::SystemTime {
    fs::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn write_keeps_permissions_crlf_bom_and_the_missing_final_newline() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, "\u{FEFF}Title\r\n\r\nLatest News\r\n\r\nText.\r\n\r\nCredit :").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o604)).unwrap();
    newsclean().arg("-w").arg(&path).assert().success();
    assert_eq!(fs::read_to_string(&path).unwrap(), "\u{FEFF}Title\r\n\r\nText.");
    assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o604);
}

#[test]
fn stdin_is_cleaned_to_stdout() {
    newsclean().write_stdin(DIRTY).assert().success().stdout(CLEAN).stderr("");
    newsclean().arg("-").write_stdin(CLEAN).assert().success().stdout(CLEAN);
}

#[test]
fn stdin_check_exits_1_when_it_would_change() {
    newsclean().arg("--check").arg("-").write_stdin(DIRTY).assert().code(1).stdout("stdin\n");
    newsclean().arg("--check").arg("-").write_stdin(CLEAN).assert().code(0).stdout("");
}

#[test]
fn a_missing_file_is_reported_and_the_others_are_still_processed() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.txt");
    fs::write(&good, DIRTY).unwrap();
    newsclean()
        .arg("--write")
        .arg(dir.path().join("missing.txt"))
        .arg(&good)
        .assert()
        .code(2)
        .stderr(contains("missing.txt: cannot read: No such file or directory").and(contains("1 failed")));
    assert_eq!(fs::read_to_string(&good).unwrap(), CLEAN);
}

#[test]
fn a_file_that_does_not_decode_is_reported_the_others_are_processed_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.txt");
    let bytes = b"Latest News\n\nok line\n\xcf\xf0\xe8\xe2\xe5\xf2\n".to_vec(); // windows-1251 "Привет"
    fs::write(&bad, &bytes).unwrap();
    let good = dir.path().join("good.txt");
    fs::write(&good, DIRTY).unwrap();
    for mode in ["--write", "--check", "--diff"] {
        newsclean()
            .args([mode, "--encoding", "utf-8"])
            .arg(&bad)
            .arg(&good)
            .assert()
            .code(2)
            .stderr(contains("bad.txt: not valid UTF-8 (line 4, byte offset 21)"));
        assert_eq!(fs::read(&bad).unwrap(), bytes, "{mode} left the bad file alone");
    }
    assert_eq!(fs::read_to_string(&good).unwrap(), CLEAN);
}

#[test]
fn a_dry_run_prints_no_partial_diff_for_a_file_that_turns_out_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.txt");
    fs::write(&bad, b"Title\n\nLatest News\n\nText.\n\xff\n").unwrap();
    newsclean().args(["--encoding", "utf-8"]).arg(&bad).assert().code(2).stdout("");
}

#[test]
fn binary_files_are_skipped_with_a_note_and_do_not_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("image.txt");
    fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    newsclean().arg("--check").arg(&png).assert().code(0).stderr(contains("image.txt: binary file skipped"));
}

#[test]
fn walk_skips_hidden_directories_and_other_extensions_and_honours_globs() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        (".git/x.txt", DIRTY),
        (".hidden/y.txt", DIRTY),
        ("notes/a.txt", DIRTY),
        ("notes/b.md", DIRTY),
        ("c.csv", DIRTY),
    ] {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let listed = |args: &[&str]| {
        let out = newsclean().current_dir(dir.path()).arg("--check").args(args).output().unwrap();
        let mut paths: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect();
        paths.sort();
        paths
    };
    assert_eq!(listed(&["."]), ["./notes/a.txt", "./notes/b.md"]);
    assert_eq!(listed(&["--exclude", "*.md", "."]), ["./notes/a.txt"]);
    assert_eq!(listed(&["--include", "*.csv", "."]), ["./c.csv"]);
    // Explicit paths are honoured by --exclude too: pre-commit passes file names one by one.
    assert_eq!(listed(&["--exclude", "*.md", "notes/b.md", "notes/a.txt"]), ["notes/a.txt"]);
    // A directory pattern, as a pre-commit `args: [--exclude, 'notes/*']` gives it.
    assert_eq!(listed(&["--exclude", "notes/*", "notes/b.md", "notes/a.txt", "c.csv"]), ["c.csv"]);
}

#[test]
fn symlinks_are_skipped_unless_followed() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.txt");
    fs::write(&target, DIRTY).unwrap();
    let link = dir.path().join("link.txt");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    newsclean().arg("-w").arg(&link).assert().success().stderr(contains("symlink not followed"));
    assert_eq!(fs::read_to_string(&target).unwrap(), DIRTY);
    newsclean().args(["-w", "--follow-symlinks"]).arg(&link).assert().success();
    assert_eq!(fs::read_to_string(&target).unwrap(), CLEAN);
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is still a link");
}

#[test]
fn color_follows_no_color_clicolor_and_clicolor_force_and_color_overrides_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, DIRTY).unwrap();
    // stdout is a pipe here; only the variables named change from one run to the next.
    let colored = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = newsclean();
        for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE"] {
            cmd.env_remove(var);
        }
        let out = cmd.envs(env.iter().copied()).env("TERM", "xterm").args(args).arg(&path).output().unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(stdout.contains("Latest News"), "{args:?} {env:?}: {stdout}");
        stdout.contains("\x1b[31m-Latest News\x1b[0m")
    };
    assert!(!colored(&[], &[]), "a pipe gets no colors");
    assert!(colored(&[], &[("CLICOLOR_FORCE", "1")]), "CLICOLOR_FORCE colors a pipe");
    assert!(!colored(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]), "NO_COLOR wins over CLICOLOR_FORCE");
    assert!(!colored(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]), "--color never wins");
    assert!(colored(&["--color", "always"], &[("NO_COLOR", "1"), ("CLICOLOR", "0")]), "--color always wins");
    assert!(!colored(&["--color", "auto"], &[("NO_COLOR", "1")]));
}

#[test]
fn quiet_prints_no_summary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, DIRTY).unwrap();
    newsclean().arg("-q").arg(&path).assert().success().stderr("");
}

#[test]
fn bad_arguments_exit_2() {
    newsclean().args(["--check", "--write", "x"]).assert().code(2);
    newsclean().args(["--include", "[", "x"]).assert().code(2).stderr(contains("bad glob"));
}

#[test]
fn help_documents_the_exit_codes() {
    newsclean().arg("--help").assert().success().stdout(contains("Exit codes:").and(contains("--check found files")));
}

/// An RSS 2.0 feed whose link holds `&amp;` (which the text path would decode, leaving invalid
/// XML) and whose items hold residue the text rules would remove.
const RSS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">\n<channel>\n\
                   <title>Newsroom</title>\n<item>\n<title>Latest News</title>\n\
                   <link>https://news.example/story?id=7&amp;lang=en</link>\n\
                   <description>Huawei said its smart phone sales fell.</description>\n</item>\n</channel>\n</rss>\n";

#[test]
fn issue_8_feeds_survive_write_byte_for_byte_and_check_passes() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("feed.txt"), RSS).unwrap(); // found by its content
    fs::write(dir.path().join("a.txt"), DIRTY).unwrap();
    let rss = dir.path().join("news.rss"); // named explicitly, found by its extension
    fs::write(&rss, RSS.replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "")).unwrap();
    newsclean()
        .current_dir(dir.path())
        .args(["--check", ".", "news.rss"])
        .assert()
        .code(1)
        .stdout("./a.txt\n")
        .stderr(contains("feed.txt: RSS feed left untouched").and(contains("news.rss: RSS feed left untouched")));
    newsclean()
        .current_dir(dir.path())
        .args(["--write", ".", "news.rss"])
        .assert()
        .success()
        .stderr(contains("3 files, 1 changed, 3 edits (mt 1, residue 2), 2 skipped"));
    assert_eq!(fs::read(dir.path().join("feed.txt")).unwrap(), RSS.as_bytes());
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), CLEAN);
    newsclean().current_dir(dir.path()).args(["--check", "feed.txt", "news.rss"]).assert().code(0).stdout("");
    // A dry run reads the feed item by item (the diff is of the item's text, never applied to the feed).
    newsclean().current_dir(dir.path()).arg("feed.txt").assert().success().stdout(
        contains(
            "--- a/feed.txt#item-1
",
        )
        .and(contains(
            "+Huawei said its smartphone sales fell.
",
        )),
    );
    let out = dir.path().join("out");
    newsclean().arg("--out").arg(&out).arg(dir.path().join("feed.txt")).assert().success();
    assert!(!out.join("feed.txt").exists(), "a feed is not copied as if it were cleaned text");
    let items = fs::read_to_string(out.join("feed.jsonl")).unwrap();
    assert!(items.contains("\"link\":\"https://news.example/story?id=7&lang=en\""), "{items}");
}

#[test]
fn issue_8_an_atom_feed_on_stdin_comes_out_unchanged_with_a_note() {
    let atom = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\r\n\
                <title>Latest News</title>\r\n<link href=\"https://news.example/?a=1&amp;b=2\"/>\r\n\
                <entry><summary>Huawei said its smart phone sales fell.&nbsp;</summary></entry>\r\n</feed>";
    newsclean()
        .write_stdin(atom)
        .assert()
        .success()
        .stdout(atom)
        .stderr(contains("newsclean: stdin: Atom feed left untouched"));
    newsclean().arg("--check").write_stdin(atom).assert().code(0).stdout("");
    newsclean().args(["--html", "-"]).write_stdin(atom).assert().success().stdout(atom);
}

#[test]
fn issue_8_an_xhtml_page_is_still_read_as_html() {
    let dir = tempfile::tempdir().unwrap();
    let page = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                <!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n\
                <html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>t</title><script>var x = 1;</script></head>\n\
                <body><nav><a href=\"/\">Home</a></nav><p>Huawei said its smart phone sales fell.</p></body></html>\n";
    fs::write(dir.path().join("page.html"), page).unwrap();
    let out = dir.path().join("out");
    newsclean().arg("--out").arg(&out).arg(dir.path().join("page.html")).assert().success();
    assert_eq!(fs::read_to_string(out.join("page.txt")).unwrap(), "Huawei said its smartphone sales fell.\n");
    newsclean().args(["--html", "-"]).write_stdin(page).assert().success().stdout(contains("smartphone sales"));
}

#[test]
fn issue_8_a_text_that_mentions_feeds_is_still_cleaned() {
    let text = "<rss> is the root element of a feed.\n\nLatest News\n\nHuawei said its smart phone sales fell.\n";
    newsclean()
        .write_stdin(text)
        .assert()
        .success()
        .stdout("<rss> is the root element of a feed.\n\nHuawei said its smartphone sales fell.\n");
}

#[test]
fn stdin_is_cleaned_with_the_config_and_command_line_rules_even_when_the_config_excludes_every_file() {
    // Issue 9: a config excluding every file used to make stdin fall back to the built-in
    // defaults, dropping `--ignore` and the config's own selection.
    let dir = tempfile::tempdir().unwrap();
    let phone = "His smart phone.\n";
    fs::write(dir.path().join("newsclean.toml"), "exclude = [\"*\"]\n").unwrap();
    newsclean().current_dir(dir.path()).arg("--ignore").arg("mt").write_stdin(phone).assert().success().stdout(phone);
    newsclean().current_dir(dir.path()).write_stdin(phone).assert().success().stdout("His smartphone.\n");
    fs::write(dir.path().join("newsclean.toml"), "ignore = [\"mt\"]\nexclude = [\"*\"]\n").unwrap();
    newsclean().current_dir(dir.path()).write_stdin(phone).assert().success().stdout(phone);
    // A file the config excludes is still left alone.
    fs::write(dir.path().join("a.txt"), phone).unwrap();
    newsclean().current_dir(dir.path()).arg("--write").arg("a.txt").assert().success();
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), phone);
}

/// Issue 13, item 8: a FIFO or a device named explicitly (or met in a walk) is skipped with a note,
/// never read (a FIFO with no writer would hang the run) nor replaced by a regular file.
#[test]
fn fifos_and_devices_are_skipped_with_a_note_not_read_or_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.txt");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo (coreutils) makes the FIFO");
    fs::write(dir.path().join("a.txt"), DIRTY).unwrap();
    newsclean()
        .current_dir(dir.path())
        .args(["--write", "pipe.txt", ".", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success()
        .stderr(contains("pipe.txt: not a regular file").and(contains("/dev/zero: not a regular file")));
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO is still a FIFO");
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), CLEAN, "the batch went on");
}

/// Issue 13, item 5: `--out` never writes over an input (the run is refused before anything is
/// written), and two inputs that would give one output (`a.html` and `a.txt`) are both left out
/// and reported, naming each other, while the batch goes on.
#[test]
fn out_refuses_to_overwrite_an_input_and_reports_two_inputs_with_one_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::write(input.join("a.txt"), DIRTY).unwrap();
    fs::write(input.join("a.html"), "<html><body><p>Another article, as a page.</p></body></html>").unwrap();
    fs::write(input.join("b.txt"), DIRTY).unwrap();
    newsclean()
        .current_dir(dir.path())
        .args(["--out", "in", "in"])
        .assert()
        .code(2)
        .stderr(contains("--out in would write over the input in/"));
    assert_eq!(fs::read_to_string(input.join("a.txt")).unwrap(), DIRTY, "no original was touched");
    assert_eq!(fs::read_to_string(input.join("b.txt")).unwrap(), DIRTY);
    newsclean().current_dir(dir.path()).args(["--out", "out", "in"]).assert().code(2).stderr(
        contains("in/a.html: --out would write it to out/a.txt, as in/a.txt")
            .and(contains("in/a.txt: --out would write it to out/a.txt, as in/a.html")),
    );
    assert!(!dir.path().join("out/a.txt").exists(), "neither input took the shared output");
    assert_eq!(fs::read_to_string(dir.path().join("out/b.txt")).unwrap(), CLEAN, "the batch went on");
}

/// Issue 13, item 14: a line longer than `--max-line-mib` makes its input an error naming the file
/// and the line, left as it was, and the batch goes on (a huge one-line file once aborted the run).
#[test]
fn a_line_longer_than_the_limit_fails_its_file_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "a smart phone ".repeat(100_000) + "\n";
    fs::write(dir.path().join("huge.txt"), &huge).unwrap();
    fs::write(dir.path().join("ok.txt"), DIRTY).unwrap();
    newsclean()
        .current_dir(dir.path())
        .args(["--max-line-mib", "1", "--write", "huge.txt", "ok.txt"])
        .assert()
        .code(2)
        .stderr(contains("huge.txt: line 1 is longer than 1 MiB").and(contains("1 failed")));
    assert_eq!(fs::read_to_string(dir.path().join("huge.txt")).unwrap(), huge, "left as it was");
    assert_eq!(fs::read_to_string(dir.path().join("ok.txt")).unwrap(), CLEAN);
    newsclean().args(["--max-line-mib", "2", "--check", "-"]).write_stdin(huge).assert().code(1);
}

/// Issue 14: `--diff` is honoured on stdin, and `--stdin-filename PATH` gives stdin that path's
/// config, excludes (an excluded path passes through unchanged) and kind (an `.html` page).
#[test]
fn stdin_takes_diff_and_the_config_of_the_path_it_stands_for() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("news")).unwrap();
    fs::write(dir.path().join("news/newsclean.toml"), "ignore = [\"mt\"]\nexclude = [\"drafts/**\"]\n").unwrap();
    newsclean()
        .arg("--diff")
        .write_stdin(DIRTY)
        .assert()
        .success()
        .stdout(contains("--- a/stdin\n+++ b/stdin\n").and(contains("-Latest News")));
    let as_news =
        |name: &str| newsclean().current_dir(dir.path()).args(["--stdin-filename", name]).write_stdin(DIRTY).assert();
    as_news("news/a.txt").success().stdout("Title\n\nHuawei said its smart phone sales fell.\n");
    as_news("news/drafts/a.txt").success().stdout(DIRTY).stderr(contains("excluded by newsclean.toml, passed through"));
    as_news("a.txt").success().stdout(CLEAN);
    newsclean()
        .current_dir(dir.path())
        .args(["--stdin-filename", "news/page.html"])
        .write_stdin("<html><body><p>Latest News</p><p>His smart phone.</p></body></html>")
        .assert()
        .success()
        .stdout("His smart phone.\n");
}

/// Issue 14: `--exclude` matches paths relative to the walk's root however the root was spelled
/// (`.`, `./`, an absolute path), and a directory's name skips the directory, as in ripgrep.
#[test]
fn exclude_matches_relative_to_the_walk_root_and_skips_directories_by_name() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["drafts", "news"] {
        fs::create_dir_all(dir.path().join(sub)).unwrap();
        fs::write(dir.path().join(sub).join("a.txt"), DIRTY).unwrap();
    }
    let root = fs::canonicalize(dir.path()).unwrap();
    for (exclude, walk) in [("drafts/*", "."), ("drafts", "."), ("drafts/**", "./"), ("drafts", root.to_str().unwrap())]
    {
        newsclean()
            .current_dir(dir.path())
            .args(["--check", "--exclude", exclude, walk])
            .assert()
            .code(1)
            .stdout(contains("news/a.txt").and(contains("drafts").not()))
            .stderr(contains("1 file, 1 would change"));
    }
}
