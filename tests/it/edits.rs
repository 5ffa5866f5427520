//! Edits are the whole truth (issue 9): the edits `--format json` reports, applied to the input as
//! a consumer of the JSON would apply them, give exactly what `--write` writes (for an HTML page,
//! what `--out` writes, from the page's extracted text: extraction is a conversion before
//! cleaning). Checked on every file of `testdata/` and on 200 generated articles.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{self, newsclean};

/// Every rule family: ignoring them all cleans nothing, which leaves an HTML page's extracted text.
const ALL_FAMILIES: &str = "normalize,mojibake,residue,mt,punct";

/// A line of text with its number and terminator.
#[derive(Debug, PartialEq)]
struct Line {
    number: usize,
    text: String,
    ending: String,
}

fn lines(text: &str) -> Vec<Line> {
    text.split_inclusive('\n')
        .enumerate()
        .map(|(i, raw)| {
            let (text, ending) = match raw.strip_suffix("\r\n").or_else(|| raw.strip_suffix('\n')) {
                Some(text) => (text, &raw[text.len()..]),
                None => (raw, ""),
            };
            Line { number: i + 1, text: text.to_owned(), ending: ending.to_owned() }
        })
        .collect()
}

/// The text the JSON edits make of `input`: a line's edits in order, columns in characters of the
/// line as the edits before left it.
fn apply(input: &str, edits: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    for mut line in lines(input) {
        let mut removed = false;
        for edit in edits.iter().filter(|e| e["line"].as_u64() == Some(line.number as u64)) {
            let (before, after) = (edit["before"].as_str().unwrap(), edit["after"].as_str().unwrap());
            let column = edit["column"].as_u64().unwrap() as usize;
            match edit["kind"].as_str().unwrap() {
                "replace" => {
                    let at = line.text.char_indices().nth(column - 1).map_or(line.text.len(), |(at, _)| at);
                    if !line.text[at..].starts_with(before) {
                        return Err(format!("line {}: {edit} does not fit {:?}", line.number, line.text));
                    }
                    line.text.replace_range(at..at + before.len(), after);
                }
                "remove-line" if line.text == before => removed = true,
                "terminator" if line.ending == before => line.ending = after.to_owned(),
                kind => return Err(format!("line {}: {kind} edit {edit} does not fit {line:?}", line.number)),
            }
        }
        if !removed {
            out.push_str(&line.text);
            out.push_str(&line.ending);
        }
    }
    Ok(out)
}

/// The JSON report of `path` (its encoding and edits).
fn report(path: &Path) -> (String, Vec<Value>) {
    let out = newsclean().arg("--format").arg("json").arg(path).output().unwrap();
    // The first record is the file's; the summary follows.
    let first = out.stdout.split(|&b| b == b'\n').next().unwrap();
    let value: Value = serde_json::from_slice(first)
        .unwrap_or_else(|e| panic!("{}: {e}: {}", path.display(), String::from_utf8_lossy(&out.stderr)));
    (value["encoding"].as_str().unwrap().to_owned(), value["edits"].as_array().unwrap().clone())
}

fn decode(bytes: &[u8], encoding: &str) -> String {
    let encoding = encoding_rs::Encoding::for_label(encoding.as_bytes()).expect("a WHATWG encoding name");
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    text.to_owned()
}

/// Checks one input file, copied into a fresh directory.
fn check(source: &Path) -> Result<usize, String> {
    let dir = tempfile::tempdir().unwrap();
    let name = source.file_name().unwrap();
    let path = dir.path().join(name);
    fs::copy(source, &path).unwrap();
    let original = fs::read(&path).unwrap();
    let (encoding, edits) = report(&path);
    let html = path.extension().is_some_and(|e| e == "html" || e == "htm");
    let (input, written) = if html {
        // The page's text as extracted, then as cleaned, both written by `--out`.
        let out = |dir: &str, args: &[&str]| {
            newsclean().current_dir(dir_path(&path)).args(args).arg("--out").arg(dir).arg(name).assert().success();
            let written = dir_path(&path).join(dir).join(Path::new(name).with_extension("txt"));
            fs::read_to_string(written).unwrap()
        };
        (out("extracted", &["--ignore", ALL_FAMILIES]), out("cleaned", &[]))
    } else {
        newsclean().arg("--write").arg(&path).assert().success();
        (decode(&original, &encoding), decode(&fs::read(&path).unwrap(), &encoding))
    };
    let replayed = apply(&input, &edits)?;
    if replayed != written {
        return Err(format!("{}: the JSON edits give\n{replayed:?}\nbut --write gives\n{written:?}", source.display()));
    }
    Ok(edits.len())
}

fn dir_path(path: &Path) -> PathBuf {
    path.parent().unwrap().to_owned()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn the_json_edits_of_every_testdata_file_give_what_write_writes() {
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    // Feeds are reported item by item and never written back: their edits replay on items, not on the file.
    let files: Vec<PathBuf> =
        files_under(&testdata).into_iter().filter(|f| f.extension().is_none_or(|e| e != "rss")).collect();
    assert!(files.len() > 50, "testdata is there: {}", files.len());
    let mut edits = 0;
    let failures: Vec<String> = files.iter().filter_map(|f| check(f).map(|n| edits += n).err()).collect();
    assert!(failures.is_empty(), "{} of {} files:\n{}", failures.len(), files.len(), failures.join("\n\n"));
    assert!(edits > 100, "the files hold residue: {edits} edits");
}

#[test]
fn the_json_edits_of_generated_articles_give_what_write_writes() {
    let dir = tempfile::tempdir().unwrap();
    let mut edits = 0;
    let mut failures = Vec::new();
    for seed in 0..200 {
        let path = dir.path().join(format!("{seed:03}.txt"));
        fs::write(&path, common::news_document(seed)).unwrap();
        match check(&path) {
            Ok(n) => edits += n,
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{} of 200 articles:\n{}", failures.len(), failures.join("\n\n"));
    assert!(edits > 200, "the articles hold residue: {edits} edits");
}

#[test]
fn applying_edits_follows_kinds_and_columns() {
    let edits: Vec<Value> = serde_json::from_str(
        r#"[{"kind":"replace","line":1,"column":3,"before":"c","after":"CC"},
            {"kind":"replace","line":1,"column":5,"before":"d","after":""},
            {"kind":"remove-line","line":2,"column":1,"before":"x","after":""},
            {"kind":"terminator","line":1,"column":5,"before":"\n","after":""}]"#,
    )
    .unwrap();
    assert_eq!(apply("abcd\nx", &edits).unwrap(), "abCC");
    assert!(apply("abXd\nx", &edits).is_err(), "an edit that does not fit its text is an error");
}
