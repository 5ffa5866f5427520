//! What `--format json` and `--format github` promise a machine (issue 14): every record of the
//! stream has a `type` and a `version` and the fields README.md's schema lists, with their types;
//! an edit's `before` and `after` are exactly what its rule matched and what it became.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::newsclean;

fn seed(name: &str) -> PathBuf {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/seeds");
    std::fs::read_dir(&seeds)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(name) && p.extension().unwrap() == "txt")
        .unwrap_or_else(|| panic!("no seed {name}"))
}

/// The records of a JSON lines stream, each parsed.
fn records(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[test]
fn an_also_on_edit_is_the_link_box_from_its_label_to_its_headline_end() {
    let out = newsclean().args(["--format", "json"]).arg(seed("001")).output().unwrap();
    let file = records(&out.stdout).into_iter().next().expect("a record");
    let boxes: Vec<&Value> =
        file["edits"].as_array().unwrap().iter().filter(|e| e["rule"] == "residue.also-on").collect();
    assert_eq!(boxes.len(), 2, "{file}");
    for edit in boxes {
        let before = edit["before"].as_str().unwrap();
        assert!(before.starts_with("Also on rt.com "), "{edit}");
        assert_eq!((edit["column"].as_u64(), edit["after"].as_str()), (Some(1), Some("")), "{edit}");
    }
    // The second box was glued to `Aurora is…`: it ends with the headline's last word, not at `A`.
    let glued = &file["edits"][1];
    assert!(glued["before"].as_str().unwrap().ends_with("during Putin-Xi meeting"), "{glued}");
}

/// A field's JSON type, as the schema in README.md names it.
fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The fields every record of `kind` must have, with their types (`a|b` for either), as README.md's
/// schema lists them.
fn schema(kind: &str) -> &'static [(&'static str, &'static str)] {
    match kind {
        "file" => &[
            ("path", "string"),
            ("encoding", "string"),
            ("encoding_reason", "string"),
            ("edits", "array"),
            ("changed", "boolean"),
        ],
        "edit" => &[
            ("rule", "string"),
            ("kind", "string"),
            ("line", "integer"),
            ("column", "integer"),
            ("before", "string"),
            ("after", "string"),
        ],
        "error" => &[("path", "string|null"), ("message", "string")],
        "summary" => &[
            ("files", "integer"),
            ("changed", "integer"),
            ("skipped", "integer"),
            ("failed", "integer"),
            ("edits", "integer"),
            ("rules", "object"),
        ],
        "statistics" => &[("rules", "array"), ("total", "integer")],
        "statistics row" => &[("rule", "string"), ("edits", "integer")],
        "rule" => &[
            ("id", "string"),
            ("family", "string"),
            ("on", "boolean"),
            ("description", "string"),
            ("origin", "string"),
        ],
        other => panic!("no record type {other:?} in the schema"),
    }
}

/// Checks `value` against the schema of `kind`; returns `kind`.
fn check(value: &Value, kind: &str) {
    for (field, types) in schema(kind) {
        let found = type_of(&value[field]);
        assert!(types.split('|').any(|t| t == found), "{kind}: `{field}` is {found}, not {types}: {value}");
    }
}

/// Checks a record: its `type` and `version`, its fields, and the fields of what it nests.
fn check_record(record: &Value) -> String {
    let kind = record["type"].as_str().unwrap_or_else(|| panic!("no type: {record}")).to_owned();
    assert_eq!(record["version"], 1, "{record}");
    check(record, &kind);
    match kind.as_str() {
        "file" => record["edits"].as_array().unwrap().iter().for_each(|edit| {
            check(edit, "edit");
            assert!(["replace", "remove-line", "terminator"].contains(&edit["kind"].as_str().unwrap()), "{edit}");
        }),
        "statistics" => record["rules"].as_array().unwrap().iter().for_each(|row| check(row, "statistics row")),
        "summary" => assert!(record["rules"].as_object().unwrap().values().all(Value::is_u64), "{record}"),
        _ => {}
    }
    kind
}

#[test]
fn every_json_record_has_its_type_version_and_the_fields_of_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "Title\n\nLatest News\n\nHis smart phone broke.\n").unwrap();
    std::fs::write(dir.path().join("bad.txt"), b"Latest News\n\nok\n\xcf\xf0\xe8\n").unwrap();
    let run = |args: &[&str]| {
        let out = newsclean().args(args).current_dir(dir.path()).output().unwrap();
        let kinds: Vec<String> = records(&out.stdout).iter().map(check_record).collect();
        (out.status.code(), kinds, records(&out.stdout))
    };
    // Files, an error (the file that is not UTF-8) and the summary, all on stdout, in walk order.
    let (code, kinds, stream) = run(&["--format", "json", "--encoding", "utf-8", "a.txt", "bad.txt"]);
    assert_eq!((code, kinds), (Some(2), vec!["file".into(), "error".into(), "summary".into()]));
    assert_eq!(stream[1]["path"], "bad.txt");
    assert!(stream[1]["message"].as_str().unwrap().contains("not valid UTF-8"), "{}", stream[1]);
    assert_eq!((&stream[2]["files"], &stream[2]["failed"], &stream[2]["edits"]), (&2.into(), &1.into(), &3.into()));
    assert_eq!(stream[2]["rules"]["mt.smart-phone"], 1);

    let (code, kinds, stream) = run(&["--statistics", "--format", "json", "a.txt"]);
    assert_eq!((code, kinds), (Some(0), vec!["statistics".into(), "summary".into()]));
    assert_eq!(stream[0]["rules"][0], serde_json::json!({"rule": "residue.latest-news", "edits": 2}));
    assert_eq!(stream[0]["total"], 3);

    // One document on stdin makes the same stream.
    let out = newsclean().args(["--format", "json"]).write_stdin("Latest News\n\nok\n").output().unwrap();
    let kinds: Vec<String> = records(&out.stdout).iter().map(check_record).collect();
    assert_eq!(kinds, ["file", "summary"]);

    let (code, kinds, stream) = run(&["rules", "--format", "json"]);
    assert_eq!(code, Some(0));
    assert!(kinds.len() > 70 && kinds.iter().all(|k| k == "rule"), "{kinds:?}");
    let also_on = stream.iter().find(|r| r["id"] == "residue.also-on").expect("residue.also-on listed");
    assert_eq!(
        (&also_on["family"], &also_on["on"], &also_on["origin"]),
        (&"residue".into(), &true.into(), &"built-in".into())
    );
}

#[test]
fn github_format_prints_one_escaped_annotation_per_edit_at_its_place_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a,b:c.txt"),
        "Title\n\nHuawei said its flats and smart phone sales fell, 100% sure.\n",
    )
    .unwrap();
    let config = r#"
[[rule]]
id = "site.sure"
description = "Percent certainty."
match = { literal = ["100% sure"] }
replace = "certain"
examples = [{ input = "It is 100% sure.\n", output = "It is certain.\n" }]
"#;
    std::fs::write(dir.path().join("newsclean.toml"), config).unwrap();
    let out =
        newsclean().args(["--check", "--format", "github", "a,b:c.txt"]).current_dir(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "--check still exits 1 when a file would change");
    let file = "file=a%2Cb%3Ac.txt,line=3";
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "::warning {file},col=17,title=newsclean mt.flats-tablets::replace \"flats\" with \"tablets\"\n\
             ::warning {file},col=27,title=newsclean mt.smart-phone::replace \"smart phone\" with \"smartphone\"\n\
             ::warning {file},col=51,title=newsclean site.sure::replace \"100%25 sure\" with \"certain\"\n"
        ),
        "columns are those of the file as it is, whatever the edits before them on the line"
    );
}
