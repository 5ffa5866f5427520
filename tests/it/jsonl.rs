//! `--jsonl` through the binary: each record's field cleaned exactly as `newsclean -` cleans that
//! text and every other byte of the line unchanged (a property), bad lines reported with their line
//! numbers and passed through or dropped with exit 2, diffs and `--check` naming records, files
//! written in place and under `--out`, and a real Spark in local mode piping records through it.

use std::fs;
use std::process::Command;

use predicates::prelude::*;
use proptest::prelude::*;

use crate::common::{self, NEWSCLEAN, newsclean};

/// A record: its text as a JSON string, written with UTF-8 or with `\u` escapes, among other fields.
fn record(id: usize, text: &str, ascii: bool) -> String {
    let mut value = serde_json::to_string(text).unwrap();
    if ascii {
        value = value.chars().map(|c| if c.is_ascii() { c.to_string() } else { escape(c) }).collect();
    }
    format!(
        "{{\"url\": \"https://example.com/{id}?a=1&b=2\", \"n\":1.50e+3 , \"text\":{value},\"tags\":[\"a\",{{\"x\":null}}]}}"
    )
}

fn escape(c: char) -> String {
    let mut units = [0u16; 2];
    c.encode_utf16(&mut units).iter().map(|u| format!("\\u{u:04x}")).collect()
}

/// Where a record's `text` value lies in its line (the generated lines have one `"text":`).
fn text_span(line: &str) -> std::ops::Range<usize> {
    let start = line.find("\"text\":").unwrap() + "\"text\":".len();
    let end = line.rfind(",\"tags\"").unwrap();
    start..end
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// For any record set, each record's field comes out exactly as `newsclean -` cleans that
    /// text, and every byte of the line outside the field is as it was.
    #[test]
    fn each_record_is_cleaned_as_stdin_would_be_and_nothing_else_changes(
        docs in proptest::collection::vec(
            (any::<u64>(), proptest::option::of("\\PC{0,30}"), any::<bool>(), any::<bool>()),
            1..6,
        )
    ) {
        let texts: Vec<(String, bool)> = docs
            .iter()
            .map(|(seed, extra, ascii, short)| {
                let mut doc = common::news_document(*seed);
                if *short {
                    doc.truncate(doc.char_indices().nth(400).map_or(doc.len(), |(i, _)| i));
                }
                if let Some(extra) = extra {
                    doc.push_str(extra);
                }
                (doc, *ascii)
            })
            .collect();
        let input: String = texts.iter().enumerate().map(|(i, (t, ascii))| record(i, t, *ascii) + "\n").collect();
        let out = newsclean().args(["--jsonl", "-q"]).write_stdin(input.clone()).output().unwrap();
        prop_assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = stdout.lines().collect();
        prop_assert_eq!(lines.len(), texts.len());
        for ((text, _), (line, original)) in texts.iter().zip(lines.iter().zip(input.lines())) {
            let alone = newsclean().args(["-q", "-"]).write_stdin(text.clone()).output().unwrap();
            let expected = String::from_utf8(alone.stdout).unwrap();
            let got: String = serde_json::from_str(&line[text_span(line)]).unwrap();
            prop_assert_eq!(&got, &expected);
            let (span, old) = (text_span(line), text_span(original));
            prop_assert_eq!(&line[..span.start], &original[..old.start]);
            prop_assert_eq!(&line[span.end..], &original[old.end..]);
            if got == *text {
                prop_assert_eq!(*line, original, "an unchanged record is byte for byte the same");
            }
        }
    }
}

#[test]
fn records_keep_their_bytes_and_escapes_and_report_their_edits() {
    let input = concat!(
        "{\"b\": 2, \"text\": \"Caf\\u00e9 owners said the smart phone sold.\\nLatest News\", \"a\": 1.0}\n",
        "{\"text\": \"Nothing here to clean.\"}\r\n",
        "{\"meta\":{\"body\":\"x\"},\"text\":\"His smart phone\"}"
    );
    newsclean()
        .args(["--jsonl", "--report-field", "newsclean"])
        .write_stdin(input)
        .assert()
        .success()
        .stdout(concat!(
            "{\"b\": 2, \"text\": \"Caf\\u00e9 owners said the smartphone sold.\", \"a\": 1.0,\"newsclean\":[",
            "{\"rule\":\"mt.smart-phone\",\"line\":1,\"column\":22,\"before\":\"smart phone\",\"after\":\"smartphone\"},",
            "{\"rule\":\"residue.latest-news\",\"line\":2,\"column\":1,\"before\":\"Latest News\",\"after\":\"\"},",
            "{\"rule\":\"residue.latest-news\",\"line\":1,\"column\":38,\"before\":\"\\n\",\"after\":\"\"}]}\n",
            "{\"text\": \"Nothing here to clean.\",\"newsclean\":[]}\r\n",
            "{\"meta\":{\"body\":\"x\"},\"text\":\"His smartphone\",\"newsclean\":[{\"rule\":\"mt.smart-phone\",\"line\":1,\"column\":5,\"before\":\"smart phone\",\"after\":\"smartphone\"}]}"
        ))
        .stderr(predicate::str::contains("3 records, 2 changed"));
}

#[test]
fn nested_fields_are_dotted_paths() {
    newsclean()
        .args(["--jsonl", "--field", "meta.body"])
        .write_stdin("{\"meta\":{\"body\":\"a smart phone\",\"k\":[1]},\"text\":\"smart phone\"}\n")
        .assert()
        .success()
        .stdout("{\"meta\":{\"body\":\"a smartphone\",\"k\":[1]},\"text\":\"smart phone\"}\n");
}

#[test]
fn bad_lines_are_numbered_passed_through_and_exit_2() {
    let input = "{\"text\":\"smart phone\"}\nplain text, not JSON\n{\"text\": 42}\n{\"title\":\"x\"}\n[\"text\"]\n\n{\"text\":\"ok\"}\n";
    let out = newsclean().arg("--jsonl").write_stdin(input).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), input.replacen("smart phone", "smartphone", 1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    for expected in [
        "newsclean: stdin:2: not JSON (expected value at column 1)",
        "newsclean: stdin:3: field `text` is a number, not a string",
        "newsclean: stdin:4: no field `text`",
        "newsclean: stdin:5: not a JSON object",
        "6 records, 1 changed, 1 edit, 4 bad lines not cleaned (passed through)",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    }
    // `--on-error skip` drops them, and still says so.
    let out = newsclean().args(["--jsonl", "--on-error", "skip"]).write_stdin(input).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "{\"text\":\"smartphone\"}\n\n{\"text\":\"ok\"}\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("4 bad lines not cleaned (dropped)"));
}

#[test]
fn one_thread_cleans_record_by_record_and_says_what_many_threads_say() {
    // `-j 1` cleans each record as it is read; more threads clean batches: the same output, the
    // same messages and exit code, in every output mode, with bad and overlong lines among them.
    let big = format!("{{\"text\":\"{}\"}}", "word ".repeat(300_000));
    let mut input = String::new();
    for k in 0..300 {
        input.push_str(&match k % 7 {
            0 => format!("{{\"id\":\"r{k}\",\"text\":\"His smart phone rang.\\n\\nREAD MORE: Talks fail\"}}\n"),
            1 => "not json\n".to_owned(),
            2 => "\n".to_owned(),
            3 if k == 3 => format!("{big}\n"),
            4 => format!("{{\"id\":\"r{k}\",\"text\":\"Nothing to clean here, {k}.\"}}\r\n"),
            _ => format!("{{\"id\":\"r{k}\",\"text\":\"Flats\\u00a0sold\",\"x\":[1,{{\"y\":null}}]}}\n"),
        });
    }
    for mode in
        [&["--jsonl"][..], &["--jsonl", "--diff"], &["--jsonl", "--check"], &["--jsonl", "--report-field", "edits"]]
    {
        let run = |threads: &str| {
            let out = newsclean()
                .args(mode)
                .args(["--max-line-mib", "1", "--id-field", "id", "-j", threads])
                .write_stdin(input.clone())
                .output()
                .unwrap();
            (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
        };
        let one = run("1");
        assert_eq!(one, run("2"), "{mode:?}");
        assert!(one.1.contains("smartphone") || one.1.contains("r0"), "{mode:?}: {}", one.1);
    }
}

#[test]
fn a_record_over_the_size_limit_is_an_error_for_that_record_only() {
    let big = format!("{{\"text\":\"{}\"}}\n", "word ".repeat(300_000));
    let input = format!("{{\"text\":\"smart phone\"}}\n{big}{{\"text\":\"smart phone\"}}\n");
    let out = newsclean().args(["--jsonl", "--max-line-mib", "1"]).write_stdin(input.clone()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), input.replace("smart phone", "smartphone"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stdin:2: longer than --max-line-mib (1 MiB)"));
}

#[test]
fn diffs_and_check_name_records_by_line_or_id() {
    let input = "{\"id\":\"a1\",\"text\":\"fine\"}\n{\"id\":\"b2\",\"text\":\"His smart phone\"}\n";
    newsclean()
        .args(["--jsonl", "--diff"])
        .write_stdin(input)
        .assert()
        .success()
        .stdout(predicate::str::starts_with("--- a/stdin#2\n+++ b/stdin#2\n@@ -1,1 +1,1 @@ mt.smart-phone\n"));
    newsclean()
        .args(["--jsonl", "--check", "--id-field", "id"])
        .write_stdin(input)
        .assert()
        .code(1)
        .stdout("stdin#b2\n");
    newsclean().args(["--jsonl", "--check"]).write_stdin("{\"text\":\"fine\"}\n").assert().success().stdout("");
}

#[test]
fn files_are_walked_diffed_written_in_place_and_copied() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    let dirty = "{\"text\":\"His smart phone\"}\n{\"text\":\"fine\"}\n";
    fs::write(data.join("a.jsonl"), dirty).unwrap();
    fs::write(data.join("b.ndjson"), "{\"text\":\"fine\"}\n").unwrap();
    fs::write(data.join("notes.txt"), "His smart phone\n").unwrap();
    // A dry run: a diff per record, files untouched; the .txt file is not JSON lines and not walked.
    newsclean()
        .args(["--jsonl"])
        .arg(&data)
        .assert()
        .success()
        .stdout(predicate::str::contains("a.jsonl#1\n").and(predicate::str::contains("notes.txt").not()));
    newsclean()
        .args(["--jsonl", "--check"])
        .arg(&data)
        .assert()
        .code(1)
        .stdout(predicate::str::ends_with("a.jsonl#1\n"));
    let copies = dir.path().join("copies");
    newsclean().args(["--jsonl", "--out"]).arg(&copies).arg(&data).assert().success();
    assert_eq!(
        fs::read_to_string(copies.join("a.jsonl")).unwrap(),
        "{\"text\":\"His smartphone\"}\n{\"text\":\"fine\"}\n"
    );
    assert_eq!(fs::read_to_string(copies.join("b.ndjson")).unwrap(), "{\"text\":\"fine\"}\n");
    assert_eq!(fs::read_to_string(data.join("a.jsonl")).unwrap(), dirty);
    newsclean().args(["--jsonl", "--write", "--backup", ".orig"]).arg(&data).assert().success();
    assert_eq!(
        fs::read_to_string(data.join("a.jsonl")).unwrap(),
        "{\"text\":\"His smartphone\"}\n{\"text\":\"fine\"}\n"
    );
    assert_eq!(fs::read_to_string(data.join("a.jsonl.orig")).unwrap(), dirty);
    assert!(!data.join("b.ndjson.orig").exists(), "an unchanged file is not rewritten");
    newsclean().args(["--jsonl", "--check"]).arg(&data).assert().success();
}

#[test]
fn statistics_count_edits_over_records() {
    newsclean()
        .args(["--jsonl", "--statistics"])
        .write_stdin("{\"text\":\"smart phone\"}\n{\"text\":\"a smart phone\"}\n")
        .assert()
        .success()
        .stdout("rule            edits\nmt.smart-phone      2\ntotal               2\n");
}

#[test]
fn options_that_do_not_apply_are_refused() {
    newsclean()
        .args(["--jsonl", "--format", "json"])
        .write_stdin("{}\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--jsonl does not combine with"));
    newsclean().args(["--field", "body"]).write_stdin("x").assert().code(2);
    newsclean()
        .args(["--jsonl", "--report-field", "text"])
        .write_stdin("{}\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("would write over the field cleaned"));
}

/// A real Spark in local mode: `rdd.pipe("newsclean --jsonl")` over a few thousand generated
/// records in several partitions gives, record for record, what `newsclean --jsonl` gives run
/// directly. Needs Java and pyspark (`.ci/run` installs them).
#[test]
fn spark_pipes_records_through_newsclean() {
    if !common::require(&["java"]) {
        return;
    }
    let has_pyspark = Command::new("python3").args(["-c", "import pyspark"]).status().is_ok_and(|s| s.success());
    if !common::skip_unless(has_pyspark, "python3 cannot import pyspark (pip install pyspark)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input: String = (0..3000u64)
        .map(|i| record(i as usize, &common::news_document(i).chars().take(600).collect::<String>(), i % 3 == 0) + "\n")
        .collect();
    let records = dir.path().join("records.jsonl");
    fs::write(&records, &input).unwrap();
    let direct = newsclean().args(["--jsonl", "-q"]).write_stdin(input.clone()).output().unwrap();
    assert!(direct.status.success());
    let script = dir.path().join("pipe.py");
    fs::write(
        &script,
        r#"import sys
from pyspark.sql import SparkSession
binary, records, out = sys.argv[1:4]
spark = SparkSession.builder.master("local[2]").appName("newsclean-test").config("spark.ui.enabled", "false").getOrCreate()
rdd = spark.sparkContext.textFile(records, minPartitions=6)
assert rdd.getNumPartitions() >= 4, rdd.getNumPartitions()
cleaned = rdd.pipe(binary + " --jsonl -q").collect()
with open(out, "w", encoding="utf-8") as f:
    for line in cleaned:
        f.write(line + "\n")
spark.stop()
"#,
    )
    .unwrap();
    let out = dir.path().join("spark.jsonl");
    let run = Command::new("python3")
        .arg(&script)
        .arg(NEWSCLEAN)
        .arg(&records)
        .arg(&out)
        .env("PYSPARK_PYTHON", "python3")
        .output()
        .unwrap();
    assert!(run.status.success(), "spark failed: {}", String::from_utf8_lossy(&run.stderr));
    let spark = fs::read_to_string(&out).unwrap();
    let direct = String::from_utf8(direct.stdout).unwrap();
    assert_eq!(spark.lines().count(), 3000);
    assert!(spark.lines().eq(direct.lines()), "Spark's records differ from the direct run's");
    assert_ne!(spark, input, "the records had residue to clean");
}
