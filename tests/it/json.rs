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
