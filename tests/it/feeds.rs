//! Feeds read item by item: the KOI8-R, windows-1251, GB2312 and EUC-KR RSS feeds of
//! testdata/feeds (made for the project by its make_feeds.py) come out as clean items with their
//! titles, each diff names its item, and no mode ever writes a feed back.

use std::fs;
use std::path::Path;

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::newsclean;

const FEEDS: [&str; 4] = ["koi8-r", "windows-1251", "gb2312", "euc-kr"];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn legacy_encoded_feeds_come_out_as_clean_items_with_their_titles() {
    let out = tempfile::tempdir().unwrap();
    newsclean()
        .current_dir(repo())
        .args(["--out"])
        .arg(out.path())
        .args(["--include", "*.rss", "testdata/feeds"])
        .assert()
        .success()
        .stderr(contains("4 files, 4 changed in the copies"));
    for name in FEEDS {
        let got = fs::read_to_string(out.path().join(format!("{name}.jsonl"))).unwrap();
        let expected = fs::read_to_string(repo().join(format!("testdata/feeds/expected/{name}.jsonl"))).unwrap();
        assert_eq!(got, expected, "{name}");
        // Each item keeps its title, in its own field and at the head of its text.
        for line in got.lines() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            let (title, text) = (record["title"].as_str().unwrap(), record["text"].as_str().unwrap());
            assert!(!title.is_empty() && text.starts_with(&format!("{title}\n\n")), "{name}: {line}");
            assert!(record["link"].as_str().unwrap().contains("&ref=rss"), "links are decoded XML: {line}");
        }
    }
}

#[test]
fn a_dry_run_diffs_each_item_and_in_place_modes_leave_feeds_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    for name in FEEDS {
        fs::copy(repo().join(format!("testdata/feeds/{name}.rss")), dir.path().join(format!("{name}.rss"))).unwrap();
    }
    let before: Vec<Vec<u8>> = FEEDS.iter().map(|n| fs::read(dir.path().join(format!("{n}.rss"))).unwrap()).collect();
    newsclean().current_dir(dir.path()).args(["--include", "*.rss", "."]).assert().success().stdout(
        contains("--- a/koi8-r.rss#item-1\n+++ b/koi8-r.rss#item-1\n")
            .and(contains("-Читайте также: Мэрия утвердила бюджет на следующий год\n"))
            .and(contains("--- a/gb2312.rss#item-2\n"))
            .and(contains("-图片来源：新华社\n"))
            .and(contains("# newsclean: euc-kr.rss is a feed;")),
    );
    newsclean()
        .current_dir(dir.path())
        .args(["--include", "*.rss", "--write", "."])
        .assert()
        .success()
        .stderr(contains("RSS feed left untouched"));
    newsclean().current_dir(dir.path()).args(["--include", "*.rss", "--check", "."]).assert().success().stdout("");
    let after: Vec<Vec<u8>> = FEEDS.iter().map(|n| fs::read(dir.path().join(format!("{n}.rss"))).unwrap()).collect();
    assert_eq!(before, after, "no feed is ever written back");
}

#[test]
fn feed_on_stdin_prints_its_items_as_json_lines() {
    let feed = fs::read(repo().join("testdata/feeds/windows-1251.rss")).unwrap();
    let out = newsclean().arg("--feed").write_stdin(feed.clone()).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let titles: Vec<String> = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles, ["Рубль укрепился к концу недели", "Фестиваль соберёт тысячи гостей"]);
    assert!(!stdout.contains("Смотрите также"));
    newsclean()
        .args(["--feed", "--check"])
        .write_stdin(feed.clone())
        .assert()
        .code(1)
        .stdout(contains("stdin#item-1\n"));
    // Without --feed a feed on stdin still passes through byte for byte.
    newsclean().write_stdin(feed.clone()).assert().success().stdout(feed);
}

#[test]
fn atom_entries_are_items_too() {
    let atom = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Site</title>\n\
                <entry><title>Budget passes</title><link href=\"https://site.example/a?x=1&amp;y=2\"/><id>urn:a</id>\n\
                <content type=\"html\">&lt;p&gt;The council passed the budget on Monday.&lt;/p&gt;&lt;p&gt;READ MORE: Council delays vote&lt;/p&gt;</content></entry>\n\
                </feed>\n";
    newsclean().arg("--feed").write_stdin(atom).assert().success().stdout(
        contains("\"title\":\"Budget passes\"")
            .and(contains("\"text\":\"Budget passes\\n\\nThe council passed the budget on Monday.\\n\"")),
    );
}

#[test]
fn a_broken_feed_is_an_error_naming_it_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bad.rss"), "<?xml version=\"1.0\"?><rss><channel><item><title>x</item></rss>").unwrap();
    fs::write(dir.path().join("klingon.rss"), "<?xml version=\"1.0\" encoding=\"klingon\"?><rss></rss>").unwrap();
    fs::write(dir.path().join("a.txt"), "His smart phone rang.\n").unwrap();
    newsclean()
        .current_dir(dir.path())
        .args(["bad.rss", "klingon.rss", "a.txt"])
        .assert()
        .code(2)
        .stdout(contains("+His smartphone rang."))
        .stderr(
            contains("bad.rss: cannot read the feed: not well-formed XML").and(contains(
                "klingon.rss: cannot read the feed: unknown encoding `klingon` declared in the XML prolog",
            )),
        );
}
