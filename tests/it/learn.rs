//! `newsclean learn` through the real binary, on small corpora written here: the learned file loads
//! with `--config` and the normal diff applies it, repeated facts stay, `--check` guards a corpus,
//! documents over the cap are reported and left alone, grouping decides the share a line needs.

use std::fs;
use std::path::Path;

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::newsclean;

const SUBJECTS: &[&str] = &["The council", "The mayor", "Residents", "The board", "Investors", "The court"];
const VERBS: &[&str] = &["approved", "rejected", "delayed", "reviewed", "questioned", "funded"];
const THINGS: &[&str] = &["the bridge plan", "the school budget", "a new depot", "the ferry contract", "the seawall"];

/// A body sentence that no other article repeats.
fn sentence(doc: usize, k: usize) -> String {
    let n = doc * 31 + k * 7;
    format!(
        "{} {} {} for the {} time on day {}.",
        SUBJECTS[n % SUBJECTS.len()],
        VERBS[(n / 3) % VERBS.len()],
        THINGS[(n / 5) % THINGS.len()],
        ["first", "second", "third", "fourth"][k % 4],
        n
    )
}

/// An article of the site `site`: a header, a byline, paragraphs with a related-link label and (in
/// some) a repeated fact and a boilerplate quote, a trailer glued to the last sentence, a trailer line.
fn article(site: &str, doc: usize) -> String {
    let mut text = format!(
        "{site} Gazette | Your daily paper\n\nHeadline number {doc} of the {site} edition\nBy Staff Writer\n\n"
    );
    for p in 0..5 {
        let mut para = format!("{} {}", sentence(doc, 2 * p), sentence(doc, 2 * p + 1));
        if p == 4 {
            para.push_str(" Share this story with your friends!");
        }
        text.push_str(&para);
        text.push_str("\n\n");
        if p == 1 && doc.is_multiple_of(2) {
            text.push_str(&format!("READ NEXT FROM {}: Harbor {doc} plan goes to vote\n\n", site.to_uppercase()));
        }
        if p == 2 && doc.is_multiple_of(3) {
            text.push_str("The figures are provisional and may be revised by the statistics office.\n\n");
        }
        if p == 3 && doc % 4 == 1 {
            text.push_str("“We will keep working with the city,” a spokesperson for the port said.\n\n");
        }
    }
    text.push_str(&format!("Subscribe to the {site} Gazette for unlimited access.\n"));
    text
}

/// `docs` articles per site under `root/<site>/`.
fn corpus(root: &Path, sites: &[&str], docs: usize) {
    for site in sites {
        fs::create_dir_all(root.join(site)).unwrap();
        for doc in 0..docs {
            fs::write(root.join(site).join(format!("{doc:03}.txt")), article(site, doc)).unwrap();
        }
    }
}

fn learn(corpus: &Path, learned: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    newsclean().arg("learn").arg(corpus).arg("-o").arg(learned).args(extra).assert()
}

#[test]
fn learned_rules_load_with_config_and_the_diff_removes_residue_but_not_repeated_facts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    corpus(&root, &["Tidewater", "Ridgeline"], 12);
    let learned = dir.path().join("learned.toml");
    let before = fs::read(root.join("Tidewater/003.txt")).unwrap();
    learn(&root, &learned, &[]).success().stderr(contains("Tidewater").and(contains("total")));
    // Learning never changes a document.
    assert_eq!(fs::read(root.join("Tidewater/003.txt")).unwrap(), before);
    let rules = fs::read_to_string(&learned).unwrap();
    assert!(rules.contains("id = \"learned.tidewater-"), "{rules}");
    assert!(rules.contains("in 12 of 12 documents of Tidewater"), "{rules}");
    // The normal diff, with the learned file as config, names the learned rules.
    let diff = newsclean().arg("--config").arg(&learned).arg(&root).assert().success().get_output().stdout.clone();
    let diff = String::from_utf8(diff).unwrap();
    for residue in [
        "-Tidewater Gazette | Your daily paper",
        "-By Staff Writer",
        "-READ NEXT FROM TIDEWATER: Harbor 0 plan goes to vote",
        "-Subscribe to the Tidewater Gazette for unlimited access.",
    ] {
        assert!(diff.contains(residue), "{residue} not removed:\n{diff}");
    }
    assert!(diff.contains("learned.tidewater-"), "{diff}");
    assert!(!diff.contains("-The figures are provisional"), "a repeated fact was removed:\n{diff}");
    assert!(!diff.contains("-“We will keep working"), "a quote was removed:\n{diff}");
    // Applied, the residue is gone and the facts and the sentence the trailer was glued to stay.
    newsclean().arg("--config").arg(&learned).arg("--write").arg("--quiet").arg(&root).assert().success();
    let cleaned = fs::read_to_string(root.join("Tidewater/003.txt")).unwrap();
    assert!(!cleaned.contains("Share this story") && !cleaned.contains("Gazette"), "{cleaned}");
    assert!(cleaned.contains("The figures are provisional") && cleaned.contains(&sentence(3, 9)), "{cleaned}");
    assert!(cleaned.starts_with("Headline number 3 of the Tidewater edition\n"), "{cleaned}");
}

#[test]
fn check_exits_1_while_a_group_has_residue_the_config_leaves_and_0_once_it_is_learned() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    corpus(&root, &["Tidewater"], 10);
    newsclean().arg("learn").arg("--check").arg(&root).assert().code(1).stdout("").stderr(contains("learn --check"));
    let learned = dir.path().join("learned.toml");
    learn(&root, &learned, &[]).success();
    newsclean().arg("learn").arg("--check").arg("--config").arg(&learned).arg(&root).assert().success().stdout("");
}

#[test]
fn a_document_that_would_lose_more_than_the_cap_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    corpus(&root, &["Tidewater"], 10);
    // A brief: little text besides the site's header, byline and trailers.
    let brief = "Tidewater Gazette | Your daily paper\n\nBrief\nBy Staff Writer\n\nThe ferry runs late today. Share this story with your friends!\n\nSubscribe to the Tidewater Gazette for unlimited access.\n";
    fs::write(root.join("Tidewater/brief.txt"), brief).unwrap();
    let learned = dir.path().join("learned.toml");
    learn(&root, &learned, &["--max-removed", "40"]).success().stderr(contains("brief.txt: would lose"));
    let rules = fs::read_to_string(&learned).unwrap();
    assert!(rules.contains("[[overrides]]") && rules.contains("corpus/Tidewater/brief.txt"), "{rules}");
    newsclean().arg("--config").arg(&learned).arg("--write").arg("--quiet").arg(&root).assert().success();
    assert_eq!(fs::read_to_string(root.join("Tidewater/brief.txt")).unwrap(), brief);
    assert!(!fs::read_to_string(root.join("Tidewater/001.txt")).unwrap().contains("By Staff Writer"));
}

#[test]
fn grouping_decides_the_share_of_documents_a_line_needs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    corpus(&root, &["Tidewater"], 6);
    // Another source of twice as many documents without the Tidewater header.
    fs::create_dir_all(root.join("other")).unwrap();
    for doc in 0..12 {
        let text: String = (0..6).map(|k| sentence(100 + doc, k) + "\n\n").collect();
        fs::write(root.join("other").join(format!("{doc}.txt")), text).unwrap();
    }
    let header = "Tidewater Gazette | Your daily paper";
    let by_dir = dir.path().join("by-dir.toml");
    learn(&root, &by_dir, &["--min-share", "50"]).success();
    assert!(fs::read_to_string(&by_dir).unwrap().contains(header));
    // One group for the whole corpus: the header is in a third of its documents only.
    let whole = dir.path().join("whole.toml");
    learn(&root, &whole, &["--min-share", "50", "--group-by", "0"]).success().stderr(contains("corpus"));
    assert!(!fs::read_to_string(&whole).unwrap().contains(&format!("literal = [\"{header}\"]")));
    // A glob naming the group directories.
    let globbed = dir.path().join("glob.toml");
    learn(&root, &globbed, &["--min-share", "50", "--group-by", "T*"]).success().stderr(contains("other"));
    assert!(fs::read_to_string(&globbed).unwrap().contains(header));
}

/// A JSON lines file of `docs` articles from each of `sites` (`{"url", "site", "text"}`),
/// interleaved; `site` is the site's domain.
fn records(sites: &[&str], docs: usize) -> String {
    let mut out = String::new();
    for doc in 0..docs {
        for site in sites {
            let domain = format!("www.{}.example", site.to_lowercase());
            let record = serde_json::json!({
                "url": format!("https://{domain}/{doc}"),
                "site": domain,
                "text": article(site, doc),
            });
            out.push_str(&record.to_string());
            out.push('\n');
        }
    }
    out
}

#[test]
fn group_by_json_field_learns_each_site_of_one_file_and_the_jsonl_diff_removes_its_residue() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.jsonl");
    let mut text = records(&["Tidewater", "Ridgeline"], 12);
    // Line 25: a record without the group field; line 26: not JSON; line 27: no text field.
    text.push_str(&format!("{}\n", serde_json::json!({ "text": article("Harbor", 1) })));
    text.push_str("{\"site\": \"www.tidewater.example\", \"text\": \n");
    text.push_str("{\"site\": \"www.tidewater.example\", \"body\": \"x\"}\n");
    fs::write(&data, &text).unwrap();
    let learned = dir.path().join("learned.toml");
    // Bad lines are said with their line numbers and make the exit 2; learning goes on.
    newsclean()
        .args(["learn", "--group-by", "json-field", "site", "-o"])
        .arg(&learned)
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(
            contains("data.jsonl:26: not JSON")
                .and(contains("data.jsonl:27: no field `text`"))
                .and(contains("www.tidewater.example"))
                .and(contains("www.ridgeline.example"))
                .and(contains("(none)")),
        );
    assert_eq!(fs::read_to_string(&data).unwrap(), text, "learning changed the data");
    let rules = fs::read_to_string(&learned).unwrap();
    assert!(rules.contains("id = \"learned.www-tidewater-example-"), "{rules}");
    assert!(rules.contains("id = \"learned.www-ridgeline-example-"), "{rules}");
    assert!(rules.contains("in 12 of 12 documents of www.tidewater.example"), "{rules}");
    // The record without the field is a group of its own, of one document: nothing learned there.
    assert!(rules.contains("# == (none): 1 documents, 0 rules"), "{rules}");
    // Cleaning the records with the learned file: the residue of each site goes, the repeated
    // facts and quotes stay.
    let out = newsclean().arg("--jsonl").arg("--config").arg(&learned).arg(&data).assert().code(2);
    let diff = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for residue in [
        "-Tidewater Gazette | Your daily paper",
        "-Ridgeline Gazette | Your daily paper",
        "-By Staff Writer",
        "-READ NEXT FROM RIDGELINE: Harbor 4 plan goes to vote",
        "-Subscribe to the Tidewater Gazette for unlimited access.",
    ] {
        assert!(diff.contains(residue), "{residue} not removed:\n{diff}");
    }
    assert!(diff.contains("learned.www-ridgeline-example-"), "{diff}");
    assert!(!diff.contains("-The figures are provisional"), "a repeated fact was removed:\n{diff}");
    assert!(!diff.contains("-“We will keep working"), "a quote was removed:\n{diff}");
}

#[test]
fn group_by_json_field_reads_stdin_and_a_nested_text_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = String::new();
    for doc in 0..10 {
        let record =
            serde_json::json!({ "meta": { "site": "tidewater" }, "body": { "text": article("Tidewater", doc) } });
        input.push_str(&record.to_string());
        input.push('\n');
    }
    let learned = dir.path().join("learned.toml");
    newsclean()
        .args(["learn", "-", "--group-by", "json-field", "meta.site", "--field", "body.text", "-o"])
        .arg(&learned)
        .write_stdin(input)
        .assert()
        .success()
        .stderr(contains("tidewater").and(contains("10")));
    assert!(fs::read_to_string(&learned).unwrap().contains("learned.tidewater-"));
    // Stdin is read only as JSON lines.
    newsclean().args(["learn", "-"]).write_stdin("x").assert().code(2).stderr(contains("json-field"));
}
