//! Rules users can see, change and trust, through the real binary: `newsclean.toml` (custom rules,
//! select/ignore, protected phrases, per-path overrides, excludes), `--select/--ignore`, `rules`,
//! `explain`, and `--format json` / `--statistics` checked against the diff.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::newsclean;

const CONFIG: &str = r#"
protect = ["Credit Suisse"]

[[rule]]
id = "site.app-prompt"
description = "Remove the site's app prompt."
where = "own-line"
match = { literal = ["Get the Daily Bugle app"] }
examples = [{ input = "Text.\nGet the Daily Bugle app\n", output = "Text.\n" }]
keep = ["Get the Daily Bugle app, the editor said, and you will not regret it.\n"]

[[rule]]
id = "site.handy"
description = "German MT leaves `handy` for mobile phone: replace it in phone news."
match = { words = ["handy", "handies"] }
case = "ignore"
replace = { handy = "mobile phone", handies = "mobile phones" }
context.near = ["Huawei", "smartphone", "network"]
"#;

const ARTICLE: &str = "Huawei sells a new handy.\n\nGet the Daily Bugle app\n\nA handy tool for gardeners.\n";

#[test]
fn user_rules_from_a_config_found_by_walking_up_remove_and_substitute_in_context() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("newsclean.toml"), CONFIG).unwrap();
    let sub = dir.path().join("2024/may");
    fs::create_dir_all(&sub).unwrap();
    let path = sub.join("a.txt");
    fs::write(&path, ARTICLE).unwrap();
    newsclean().arg("--write").arg(&path).assert().success().stderr(contains("3 edits (site 3)"));
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "Huawei sells a new mobile phone.\n\nA handy tool for gardeners.\n",
        "the substitution fires only in the phone paragraph"
    );
}

#[test]
fn a_config_given_with_config_applies_to_files_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rules.toml");
    fs::write(&config, CONFIG).unwrap();
    let other = tempfile::tempdir().unwrap();
    let path = other.path().join("a.txt");
    fs::write(&path, ARTICLE).unwrap();
    newsclean()
        .arg("--config")
        .arg(&config)
        .arg(&path)
        .assert()
        .success()
        .stdout(contains("@@ site."))
        .stdout(contains("-Huawei sells a new handy.").and(contains("+Huawei sells a new mobile phone.")));
    // Without it, the directory has no config: the built-in rules find nothing.
    newsclean().arg("--check").arg(&path).assert().success();
}

#[test]
fn ignore_turns_a_family_off_and_select_turns_on_only_what_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, "Title\n\nLatest News\n\nHis smart phone broke.\n").unwrap();
    newsclean()
        .args(["--ignore", "residue"])
        .arg(&path)
        .assert()
        .success()
        .stdout(contains("mt.smart-phone").and(contains("Latest News").not().or(contains(" Latest News"))));
    let out = newsclean().args(["--ignore", "residue", "--format", "json"]).arg(&path).output().unwrap();
    let rules = json_rules(&out.stdout);
    assert_eq!(rules.keys().collect::<Vec<_>>(), vec!["mt.smart-phone"]);
    let out = newsclean().args(["--select", "residue.latest-news", "--format", "json"]).arg(&path).output().unwrap();
    assert_eq!(json_rules(&out.stdout).keys().collect::<Vec<_>>(), vec!["residue.latest-news"]);
}

#[test]
fn the_config_file_can_ignore_rules_and_the_command_line_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("newsclean.toml"), "ignore = [\"mt\"]\n").unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, "Title\n\nHis smart phone broke.\n").unwrap();
    newsclean().arg("--check").arg(&path).assert().success();
    newsclean().args(["--check", "--select", "all"]).arg(&path).assert().code(1);
}

#[test]
fn a_protected_phrase_survives_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let config = "protect = [\"Latest News\", \"smart phone\", \"Also on rt.com\", \"&amp;\", \"Credit :\"]\n";
    fs::write(dir.path().join("newsclean.toml"), config).unwrap();
    let text = "Title\n\nLatest News\n\nHis smart phone, R&amp;D and SMART PHONES.\n\nAlso on rt.com Big news today\n\nCredit :";
    let path = dir.path().join("a.txt");
    fs::write(&path, text).unwrap();
    newsclean().arg("--write").arg(&path).assert().success();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "Title\n\nLatest News\n\nHis smart phone, R&amp;D and SMARTPHONES.\n\nAlso on rt.com Big news today\n\nCredit :"
    );
}

#[test]
fn overrides_and_excludes_apply_by_path_relative_to_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let config =
        "exclude = [\"drafts/**\"]\n\n[[overrides]]\npaths = [\"forum/**\"]\nignore = [\"residue.forum-chrome\"]\n";
    fs::write(dir.path().join("newsclean.toml"), config).unwrap();
    let doc = "Title\n\nReaction score\nFirst paragraph.\n";
    for sub in ["news", "forum", "drafts"] {
        fs::create_dir_all(dir.path().join(sub)).unwrap();
        fs::write(dir.path().join(sub).join("a.txt"), doc).unwrap();
    }
    newsclean()
        .arg("--check")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(contains("news/a.txt").and(contains("forum/a.txt").not()).and(contains("drafts/a.txt").not()));
}

#[test]
fn a_bad_config_names_the_file_line_and_column_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("newsclean.toml"),
        "ignore = [\"residue\"]\n\n[[rule]]\nid = \"site.x\"\nwhere = \"nowhere\"\n",
    )
    .unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, "Text.\n").unwrap();
    newsclean().arg(&path).assert().code(2).stderr(contains("newsclean.toml:5:9: ").and(contains("nowhere")));
    fs::write(dir.path().join("newsclean.toml"), "select = [\"residue\", \"mt.smart-phon\"]\n").unwrap();
    newsclean()
        .arg(&path)
        .assert()
        .code(2)
        .stderr(contains("newsclean.toml:1:22: ").and(contains("did you mean `mt.smart-phone`")));
    // A rule defined twice is reported where the second definition is (issue 9).
    let rule = |id: &str, literal: &str| {
        format!(
            "[[rule]]\nid = \"{id}\"\ndescription = \"x\"\nmatch = {{ literal = [\"{literal}\"] }}\n\
             examples = [{{ input = \"T.\\n{literal}\\n\", output = \"T.\\n\" }}]\n\n"
        )
    };
    let config = rule("site.a", "Foo bar") + &rule("site.b", "Baz qux") + &rule("site.a", "Quux corge");
    fs::write(dir.path().join("newsclean.toml"), config).unwrap();
    newsclean().arg(&path).assert().code(2).stderr(contains("newsclean.toml:14:6: rule `site.a` is defined twice"));
}

#[test]
fn an_unknown_rule_on_the_command_line_gets_the_nearest_ids() {
    newsclean()
        .args(["--ignore", "residue.also_on", "-"])
        .write_stdin("x\n")
        .assert()
        .code(2)
        .stderr(contains("did you mean `residue.also-on`"));
    newsclean().args(["explain", "mt.flat-tablets"]).assert().code(2).stderr(contains("`mt.flats-tablets`"));
}

#[test]
fn rules_lists_every_rule_with_its_state_under_the_config() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("newsclean.toml"), format!("ignore = [\"mt.smart-phone\"]\n{CONFIG}")).unwrap();
    let out = newsclean().arg("rules").current_dir(dir.path()).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let state = |id: &str| {
        let line = text.lines().find(|l| l.starts_with(&format!("{id} "))).unwrap_or_else(|| panic!("{id}: {text}"));
        line.split_whitespace().nth(2).unwrap().to_owned()
    };
    assert_eq!(state("mt.smart-phone"), "off");
    assert_eq!(state("residue.also-on"), "on");
    assert_eq!(state("site.app-prompt"), "on");
    assert!(text.contains("Remove the site's app prompt."));
}

#[test]
fn explain_shows_where_context_and_examples() {
    newsclean().args(["explain", "residue.also-on"]).assert().success().stdout(
        contains("line-start")
            .and(contains("Also on rt.com Putin-Xi talks end in trade dealThe Chinese"))
            .and(contains("leaves alone:"))
            .and(contains("“Also on rt.com”")),
    );
    newsclean()
        .args(["explain", "mt.flats-tablets"])
        .assert()
        .success()
        .stdout(contains("only where the paragraph or a neighbour mentions").and(contains("`housing`")));
}

#[test]
fn explain_names_the_source_file_of_a_rule_written_in_rust() {
    for (rule, file) in [
        ("normalize.html-entity", "src/stages/normalize/markup.rs"),
        ("residue.also-on", "src/stages/residue.rs"),
        ("mojibake.macroman-as-latin1", "src/stages/mojibake/macroman.rs"),
    ] {
        newsclean()
            .args(["explain", rule])
            .assert()
            .success()
            .stdout(contains("written in Rust, the matcher").and(contains(file)));
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(file).is_file(), "{file}");
    }
}

/// Edit counts per rule in a `--format json` output.
fn json_rules(out: &[u8]) -> BTreeMap<String, usize> {
    let mut rules = BTreeMap::new();
    for line in String::from_utf8_lossy(out).lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if value["type"] != "file" {
            continue;
        }
        for edit in value["edits"].as_array().unwrap() {
            *rules.entry(edit["rule"].as_str().unwrap().to_owned()).or_default() += 1;
        }
    }
    rules
}

/// (path, old line, rule) of every edit in a JSON report.
fn json_edits(out: &[u8]) -> BTreeSet<(String, usize, String)> {
    let mut edits = BTreeSet::new();
    for line in String::from_utf8_lossy(out).lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        if value["type"] != "file" {
            continue;
        }
        let path = value["path"].as_str().unwrap().to_owned();
        for edit in value["edits"].as_array().unwrap() {
            edits.insert((
                path.clone(),
                edit["line"].as_u64().unwrap() as usize,
                edit["rule"].as_str().unwrap().into(),
            ));
        }
    }
    edits
}

/// For a unified diff: per hunk, its path, the rule ids in its header and the old line numbers it
/// removes or changes (a blank separator removed with its paragraph, and a line whose terminator
/// goes as the new last line of a document, included: each has an edit of its own).
fn diff_hunks(diff: &str) -> Vec<(String, BTreeSet<String>, BTreeSet<usize>)> {
    let mut hunks: Vec<(String, BTreeSet<String>, BTreeSet<usize>)> = Vec::new();
    let mut path = String::new();
    let mut old_line = 0;
    for line in diff.lines() {
        if let Some(p) = line.strip_prefix("--- a/") {
            path = p.to_owned();
        } else if let Some(header) = line.strip_prefix("@@ -") {
            old_line = header.split([',', ' ']).next().unwrap().parse().unwrap();
            let rules = header.split("@@").nth(1).unwrap().split_whitespace().map(str::to_owned).collect();
            hunks.push((path.clone(), rules, BTreeSet::new()));
        } else if line.starts_with('-') && !line.starts_with("--- ") {
            hunks.last_mut().unwrap().2.insert(old_line);
            old_line += 1;
        } else if line.starts_with(' ') {
            old_line += 1;
        }
    }
    hunks
}

#[test]
fn json_and_statistics_report_exactly_the_edits_the_diff_shows() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/seeds");
    let dir = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(&seeds).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let run = |args: &[&str]| newsclean().args(args).arg(".").current_dir(dir.path()).output().unwrap().stdout;
    let diff = String::from_utf8(run(&[])).unwrap();
    let json = run(&["--format", "json"]);
    let statistics = String::from_utf8(run(&["--statistics"])).unwrap();

    // Every edit lies on a line a hunk removes, and that hunk names its rule; every hunk's rules
    // and changed lines are accounted for by edits.
    let edits = json_edits(&json);
    let hunks = diff_hunks(&diff);
    assert!(!hunks.is_empty() && !edits.is_empty());
    for (path, line, rule) in &edits {
        assert!(
            hunks.iter().any(|(p, rules, lines)| p == path && rules.contains(rule) && lines.contains(line)),
            "edit {rule} at {path}:{line} is not in the diff"
        );
    }
    for (path, rules, lines) in &hunks {
        for rule in rules {
            assert!(edits.iter().any(|(p, l, r)| p == path && r == rule && lines.contains(l)), "{path}: {rule}");
        }
        for line in lines {
            assert!(edits.iter().any(|(p, l, _)| p == path && l == line), "{path}:{line} changed without an edit");
        }
    }

    // The statistics table counts the same edits.
    let counts = json_rules(&json);
    let mut table = BTreeMap::new();
    for row in statistics.lines().skip(1) {
        let mut cells = row.split_whitespace();
        let (rule, n) = (cells.next().unwrap().to_owned(), cells.next().unwrap().parse::<usize>().unwrap());
        if rule != "total" {
            table.insert(rule, n);
        } else {
            assert_eq!(n, counts.values().sum::<usize>());
        }
    }
    assert_eq!(table, counts);
    assert!(!diff.is_empty() && !statistics.contains("@@"), "--statistics prints no diff");
}

#[test]
fn json_reports_the_encoding_and_why_it_was_chosen() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/decode/koi8-r.txt");
    let out = newsclean().args(["--format", "json"]).arg(&case).output().unwrap();
    // The first record is the file's; the summary follows.
    let first = out.stdout.split(|&b| b == b'\n').next().unwrap();
    let value: serde_json::Value = serde_json::from_slice(first).unwrap();
    assert!(["KOI8-R", "KOI8-U"].contains(&value["encoding"].as_str().unwrap()), "{value}");
    assert_eq!(value["encoding_reason"], "detected");
    assert_eq!(value["edits"][0]["rule"], "residue.latest-news");
}

/// Issue 13, item 7: a user regex that compiles too large passed the config check and panicked
/// mid-run (exit 101, no rule or file named). It is compiled when the config loads.
#[test]
fn issue_13_a_user_regex_too_large_to_compile_is_reported_with_its_rule_and_place() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("newsclean.toml"),
        "[[rule]]\nid = \"site.big\"\ndescription = \"x\"\nwhere = \"own-line\"\nmatch = { regex = '\\w{5000}', trigger = [\"zz\"] }\n",
    )
    .unwrap();
    fs::write(dir.path().join("a.txt"), "Text zz here.\n").unwrap();
    newsclean()
        .arg("a.txt")
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr(contains("newsclean.toml:2:").and(contains("site.big")).and(contains("size limit")));
}

/// Issue 13, item 7: a config's own rules are held to their examples when it loads, as the
/// built-in ones are in the tests: a wrong example, an example the rule does not change, a
/// keep-example it changes, and a replacement that re-creates its match (text that grows on every
/// run) are each refused at the rule's line, before any file is touched.
#[test]
fn user_rules_are_held_to_their_examples_when_the_config_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, "A foo here.\n").unwrap();
    let config = |body: &str| {
        fs::write(
            dir.path().join("newsclean.toml"),
            format!("[[rule]]\nid = \"site.foo\"\ndescription = \"x\"\nmatch = {{ words = [\"foo\"] }}\n{body}"),
        )
        .unwrap();
    };
    let refused = |message: &str| {
        newsclean()
            .arg("--write")
            .arg(&path)
            .assert()
            .code(2)
            .stderr(contains("newsclean.toml:2:6: rule `site.foo`").and(contains(message.to_owned())));
        assert_eq!(fs::read_to_string(&path).unwrap(), "A foo here.\n", "nothing was written");
    };
    config("replace = \"foo bar\"\nexamples = [{ input = \"A foo.\\n\", output = \"A foo bar.\\n\" }]\n");
    refused("its replacement re-creates its match");
    config("replace = \"baz\"\nexamples = [{ input = \"A foo.\\n\", output = \"A qux.\\n\" }]\n");
    refused("example 1 gives \"A baz.\\n\", not \"A qux.\\n\"");
    config("replace = \"baz\"\nexamples = [{ input = \"A bar.\\n\", output = \"A bar.\\n\" }]\n");
    refused("example 1 does not change with this rule");
    config(
        "replace = \"baz\"\nexamples = [{ input = \"A foo.\\n\", output = \"A baz.\\n\" }]\nkeep = [\"The foo fighters.\\n\"]\n",
    );
    refused("changes its keep-example");
    config(
        "replace = \"baz\"\nexamples = [{ input = \"A foo.\\n\", output = \"A baz.\\n\" }]\nkeep = [\"The food.\\n\"]\n",
    );
    newsclean().arg("--write").arg(&path).assert().success();
    assert_eq!(fs::read_to_string(&path).unwrap(), "A baz here.\n");
}

/// Issue 13, item 9: a broken `newsclean.toml` fails only the files it governs (its error said
/// once), the rest of the batch is cleaned and the run ends with its summary; and a config in a
/// directory shared above a git work tree does not govern the files inside it (`-v` names the
/// config each file was cleaned with).
#[test]
fn a_broken_config_fails_only_its_files_and_discovery_stops_at_the_work_tree() {
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("shared");
    let project = shared.join("project");
    for sub in ["good", "bad"] {
        fs::create_dir_all(project.join(sub)).unwrap();
    }
    fs::create_dir(project.join(".git")).unwrap(); // the top of a work tree
    fs::write(shared.join("newsclean.toml"), "ignore = [\"residue\"]\n").unwrap();
    fs::write(project.join("bad/newsclean.toml"), "select = [\n").unwrap();
    let dirty = "Title\n\nLatest News\n\nHis smart phone.\n";
    for file in ["good/a.txt", "good/b.txt", "bad/c.txt", "bad/d.txt"] {
        fs::write(project.join(file), dirty).unwrap();
    }
    let out = newsclean().current_dir(dir.path()).args(["-v", "--write", "shared/project"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.matches("bad/newsclean.toml:1:").count(), 1, "the broken config is reported once: {stderr}");
    assert!(stderr.contains("4 files, 2 changed, 6 edits (mt 2, residue 4), 2 failed"), "{stderr}");
    assert!(stderr.contains("good/a.txt: UTF-8 (utf-8), 3 edits, built-in rules (no newsclean.toml)"), "{stderr}");
    for file in ["good/a.txt", "good/b.txt"] {
        assert_eq!(fs::read_to_string(project.join(file)).unwrap(), "Title\n\nHis smartphone.\n", "{file}");
    }
    for file in ["bad/c.txt", "bad/d.txt"] {
        assert_eq!(fs::read_to_string(project.join(file)).unwrap(), dirty, "{file} is left alone");
    }
}

/// Issue 14: options may stand before a command as after it, and `explain` of a family lists the
/// family's rules; a command given paths or cleaning options is a usage error, not a file read.
#[test]
fn commands_take_options_before_them_and_explain_lists_a_family() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("site.toml"), "ignore = [\"mt\"]\n").unwrap();
    for args in [&["-q", "rules"][..], &["--ignore", "mt", "rules"], &["rules", "--ignore", "mt"]] {
        newsclean().current_dir(dir.path()).args(args).assert().success().stdout(contains("residue.also-on"));
    }
    newsclean()
        .current_dir(dir.path())
        .args(["--config", "site.toml", "explain", "mt.smart-phone"])
        .assert()
        .success()
        .stdout(contains("mt.smart-phone  (built-in, off)"));
    newsclean()
        .args(["explain", "residue"])
        .assert()
        .success()
        .stdout(contains("residue.also-on").and(contains("residue.latest-news")).and(contains("mt.").not()));
    newsclean().args(["--check", "rules"]).assert().code(2).stderr(contains("a command takes no paths"));
}

/// Issue 14: `newsclean rules --test` runs every rule that is on (built-in and the config's) on its
/// examples and keep-texts under the current configuration, and fails naming a rule whose example
/// no longer holds there (here, a protected phrase keeps `residue.latest-news` from its example).
#[test]
fn rules_test_runs_every_example_and_fails_on_one_that_does_not_hold() {
    newsclean().args(["rules", "--test"]).assert().success().stdout(contains("examples and keep-texts: all hold"));
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("newsclean.toml"), "protect = [\"Latest News\"]\n").unwrap();
    newsclean()
        .current_dir(dir.path())
        .args(["rules", "--test"])
        .assert()
        .code(1)
        .stdout(contains("FAIL residue.latest-news (built-in): example 1").and(contains("failed")));
}
