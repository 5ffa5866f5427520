//! HTML pages to article text through the binary: made-up pages whose furniture must go while
//! every sentence of the article stays, and pages whose good text looks like furniture.

use std::fs;
use std::path::Path;

use crate::common::newsclean;

/// The article text `newsclean --html -` gives for `testdata/html/NAME.html`.
fn article_of(name: &str) -> String {
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/html").join(name);
    let out = newsclean().args(["--html", "-"]).write_stdin(fs::read(page).unwrap()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The text of every `<p>` between the markers `from` and `to` of a page: its article sentences.
fn paragraphs_between(name: &str, from: &str, to: &str) -> Vec<String> {
    let page = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/html").join(name)).unwrap();
    let start = page.find(from).expect("start marker");
    let end = start + page[start..].find(to).expect("end marker");
    page[start..end]
        .split("<p>")
        .skip(1)
        .map(|p| {
            let p = &p[..p.find("</p>").expect("closed paragraph")];
            // Tags out, as the page shows it.
            let mut text = String::new();
            let mut in_tag = false;
            for c in p.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    _ if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text
        })
        .collect()
}

#[test]
fn furniture_around_an_article_in_a_plain_div_goes_and_every_sentence_stays() {
    let name = "furniture-around-a-plain-div.html";
    let text = article_of(name);
    for paragraph in paragraphs_between(name, r#"<div class="col-a">"#, "<aside") {
        assert!(text.contains(&paragraph), "lost {paragraph:?} in:\n{text}");
    }
    for furniture in [
        "Share on Facebook",
        "Related stories",
        "what drivers need to know",
        "More from the Gazette",
        "ferry company",
        "morning briefing",
        "comments",
        "lost trade",
        "All rights reserved",
        "Privacy",
        "Sport",
    ] {
        assert!(!text.contains(furniture), "kept {furniture:?} in:\n{text}");
    }
}

#[test]
fn an_article_of_short_paragraphs_beside_a_long_disclaimer_is_kept() {
    let name = "short-paragraph-article.html";
    let text = article_of(name);
    for paragraph in paragraphs_between(name, r#"<div class="story">"#, r#"<div class="legal">"#) {
        assert!(text.contains(&paragraph), "lost {paragraph:?} in:\n{text}");
    }
}

#[test]
fn a_list_and_a_paragraph_heavy_with_links_inside_an_article_are_kept() {
    let name = "list-and-links-inside-an-article.html";
    let text = article_of(name);
    for paragraph in paragraphs_between(name, r#"<div class="main">"#, r#"<div class="footer">"#) {
        assert!(text.contains(&paragraph), "lost {paragraph:?} in:\n{text}");
    }
    for item in ["The tax-free allowance rises by 500 pounds.", "Free childcare hours go up from 15 to 20."] {
        assert!(text.contains(item), "lost the list item {item:?}");
    }
    assert!(!text.contains("Politics") && !text.contains("Daily Ledger"), "{text}");
}
