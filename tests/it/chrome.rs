//! Page chrome through the binary as a user meets it: a page that is only furniture (an index of
//! headlines) is named and left as it was, in the diff, under `--check` and in JSON; the article
//! pages of `testdata/chrome/*.in` are cleaned by `golden::stage_cases_clean_to_their_out_files`.

use std::fs;

use crate::common::newsclean;

const INDEX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/chrome/index-page.txt");

#[test]
fn a_page_of_furniture_only_is_named_and_left_as_it_was() {
    let page = fs::read(INDEX).unwrap();
    let out = newsclean().arg("-").write_stdin(page.clone()).output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, page, "nothing removed from an index of headlines");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("stdin: a page of furniture only"), "{said}");

    let check = newsclean().args(["--check", INDEX]).output().unwrap();
    let said = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(0), "nothing a --write could fix: {said}");
    assert!(said.contains("index-page.txt: a page of furniture only"), "{said}");

    let json = newsclean().args(["--format", "json", INDEX]).output().unwrap();
    let record: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&json.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(record["type"], "file");
    assert_eq!(record["furniture_only"], true);
    assert_eq!(record["edits"].as_array().unwrap().len(), 0);
}

#[test]
fn the_same_furniture_around_an_article_is_removed() {
    let mut page = fs::read_to_string(INDEX).unwrap();
    page.push_str(
        "\n   The harbor authority on Monday approved a plan to deepen the main channel by six feet,\n   a change that shipping companies have sought for a decade, officials said.\n",
    );
    let out = newsclean().args(["--format", "json", "-"]).write_stdin(page).output().unwrap();
    let record: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(record["furniture_only"], false);
    let rules: Vec<&str> = record["edits"].as_array().unwrap().iter().map(|e| e["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"chrome.menu") && rules.contains(&"chrome.timestamp"), "{rules:?}");
}
