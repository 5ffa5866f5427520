//! Properties that hold for any input: a second clean changes nothing, arbitrary bytes never panic,
//! clean text comes out byte for byte, and no input line disappears or changes without an edit that
//! names the rule responsible; the interactive review's hunks, all applied (split or not), give the cleaned text.

use std::io;
use std::sync::LazyLock;

use newsclean::Cleaner;
use newsclean::output::diff::DiffSink;
use newsclean::output::review;
use newsclean::pipeline::{Processed, Sink};
use proptest::prelude::*;

use crate::common::{self, newsclean};

/// One cleaner for every case: building one compiles the rule engine, which in the unoptimized test
/// build costs more than cleaning a case, and no property here is about building one.
static CLEANER: LazyLock<Cleaner> = LazyLock::new(Cleaner::new);

/// News-like text: generated documents, sometimes with arbitrary Unicode spliced in.
fn news_text() -> impl Strategy<Value = String> {
    (any::<u64>(), proptest::option::of("\\PC{0,40}"), any::<prop::sample::Index>()).prop_map(|(seed, extra, at)| {
        let mut doc = common::news_document(seed);
        if let Some(extra) = extra {
            let mut i = at.index(doc.len() + 1);
            while !doc.is_char_boundary(i) {
                i -= 1;
            }
            doc.insert_str(i, &extra);
        }
        doc
    })
}

/// Checks that edits are the whole truth: every input line missing from the output, changed, or
/// given another terminator has an edit of its own (a blank separator of a removed paragraph and
/// the final-newline move included), and the block's edits, replayed on its input lines, give its
/// output exactly.
struct Accounting {
    failures: Vec<String>,
}

impl Sink for Accounting {
    fn block(&mut self, block: &Processed) -> io::Result<()> {
        let new = block.new_lines();
        for old in &block.old.lines {
            let edited = block.edits.iter().any(|e| e.line == old.number);
            let same = new.iter().any(|n| n.number == old.number && n.text == old.text && n.ending == old.ending);
            if !same && !edited {
                self.failures.push(format!("line {} {:?} changed with no edit", old.number, old.text));
            }
        }
        match newsclean::edit::replay(&block.old.lines, &block.edits) {
            Ok(replayed) if replayed == new => {}
            Ok(replayed) => self.failures.push(format!("the edits give {replayed:?}, not {new:?}")),
            Err(e) => self.failures.push(e),
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn a_second_clean_changes_nothing_and_records_no_edits(text in news_text()) {
        let (once, _) = CLEANER.clean_str(&text);
        let (twice, outcome) = CLEANER.clean_str(&once);
        prop_assert_eq!(&twice, &once);
        prop_assert_eq!(outcome.edits(), 0, "{:?}", outcome.by_rule);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let result = CLEANER.clean_stream(&bytes[..], 0, &mut newsclean::pipeline::NullSink);
        prop_assert_eq!(result.is_ok(), std::str::from_utf8(&bytes).is_ok());
    }

    #[test]
    fn arbitrary_text_is_cleaned_idempotently(text in "(\\PC|\n|\r\n| |\u{A0}|\u{200B}|\\.){0,300}") {
        let (once, _) = CLEANER.clean_str(&text);
        let (twice, outcome) = CLEANER.clean_str(&once);
        prop_assert_eq!(twice, once);
        prop_assert_eq!(outcome.edits(), 0);
    }

    #[test]
    fn nothing_changes_or_disappears_without_an_edit(text in news_text()) {
        let mut accounting = Accounting { failures: Vec::new() };
        CLEANER.clean_stream(text.as_bytes(), 0, &mut accounting).expect("text is UTF-8");
        prop_assert!(accounting.failures.is_empty(), "{:?}", accounting.failures);
    }

    #[test]
    fn interactive_hunks_all_applied_split_or_not_give_the_cleaned_text_and_none_the_original(text in news_text()) {
        let mut sinks = (DiffSink::collecting(), review::Original::default());
        CLEANER.clean_stream(text.as_bytes(), 0, &mut sinks).expect("text is UTF-8");
        let (hunks, original) = (sinks.0.into_hunks(), sinks.1.lines);
        let all: Vec<review::Accepted> = hunks.iter().map(review::Accepted::whole).collect();
        let cleaned = CLEANER.clean_str(&text).0;
        prop_assert_eq!(&review::apply(&original, &all), &cleaned);
        prop_assert_eq!(&review::apply(&original, &[]), &text);
        // Split into one hunk per change group (`s`), all accepted: the same text.
        let parts: Vec<review::Accepted> = hunks.iter().flat_map(|h| h.split()).map(|h| review::Accepted::whole(&h)).collect();
        prop_assert_eq!(review::apply(&original, &parts), cleaned);
    }

    #[test]
    fn clean_documents_come_out_byte_identical(
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..12),
        crlf in any::<bool>(),
        final_newline in any::<bool>(),
        single_newlines in any::<bool>(),
    ) {
        let sep = if single_newlines { "\n" } else { "\n\n" };
        let mut doc = picks.iter().map(|i| common::SENTENCES[i.index(common::SENTENCES.len())]).collect::<Vec<_>>().join(sep);
        if final_newline {
            doc.push('\n');
        }
        if crlf {
            doc = doc.replace('\n', "\r\n");
        }
        let (out, outcome) = CLEANER.clean_str(&doc);
        prop_assert_eq!(out, doc);
        prop_assert_eq!(outcome.edits(), 0);
    }
}

proptest! {
    // Issue 13, item 4: 10,000 generated documents mixing every residue family with invisible
    // characters, mojibake and context words; a second run changes nothing on any of them.
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    #[test]
    fn ten_thousand_generated_documents_are_clean_after_one_run(seed in any::<u64>()) {
        let (once, _) = CLEANER.clean_str(&common::news_document(seed));
        let (twice, outcome) = CLEANER.clean_str(&once);
        prop_assert_eq!(&twice, &once);
        prop_assert_eq!(outcome.edits(), 0, "{:?}", outcome.by_rule);
    }
}

proptest! {
    // Each case starts a process: fewer cases, same property through the real binary.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_binary_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4000)) {
        let out = newsclean().arg("-").write_stdin(bytes.clone()).output().unwrap();
        let code = out.status.code();
        prop_assert!(code == Some(0) || code == Some(2), "exit {:?}: {}", code, String::from_utf8_lossy(&out.stderr));
        if code == Some(2) {
            // Not UTF-8, or (after a UTF-16 byte-order mark) not valid UTF-16: named either way.
            let stderr = String::from_utf8_lossy(&out.stderr);
            prop_assert!(stderr.contains("stdin: ") && stderr.contains("not valid UTF-"), "{}", stderr);
        }
    }
}

/// Found by the idempotence property: a related-link label glued before an `Also on <site>` box
/// (which the residue stage, running before the rule engine, looks for only at a line's start) is
/// removed with the box in one run, not the label in the first run and the box in the second.
#[test]
fn labels_glued_one_after_another_at_a_line_start_go_in_one_run() {
    for (text, cleaned) in [
        (
            "Intro.\nREAD MORE: Port Strike Enters Second Week at the DocksAlso on rt.com Talks stall in Moscow over gas pricesThe union said talks would resume.\n",
            "Intro.\nThe union said talks would resume.\n",
        ),
        (
            "Intro.\nRelated: Why Energy Bills Keep Climbing xyAlso on rt.com Is the dollar doomed?The ministry said so.\n",
            "Intro.\nThe ministry said so.\n",
        ),
        (
            "Intro.\nLire aussi : La BCE relève ses tauxAlso on rt.com Talks in Beijing failThe bank said so.\n",
            "Intro.\nThe bank said so.\n",
        ),
    ] {
        let outcome = cleaned_in_one_run(text, cleaned);
        assert!(outcome.by_rule.keys().all(|k| k.as_str().starts_with("residue.")), "{:?}", outcome.by_rule);
    }
    // A label before a sentence that starts like a box stays a sentence's business.
    let keep = "Intro.\nAlso on Tuesday, the ministry said it would appeal.\n";
    assert_eq!(CLEANER.clean_str(keep).0, keep);
}

/// Found by the idempotence property too: a bracketed link cut from a line's end by the rule
/// engine bares a stray `<` before it, which the markup stage (running before the engine) removes
/// from a line's end: one run does both.
#[test]
fn a_link_cut_from_a_line_end_bares_what_an_earlier_stage_removes_there() {
    for (text, cleaned) in [
        (
            "Intro.\n\nDie Börse schloss fester.< [Lesen Sie auch: Diese Regionen sind nun Risikogebiet]\n",
            "Intro.\n\nDie Börse schloss fester.\n",
        ),
        (
            "Intro.\n\nPrices rose again in May.< (Related: Why Energy Bills Keep Climbing)\n",
            "Intro.\n\nPrices rose again in May.\n",
        ),
    ] {
        cleaned_in_one_run(text, cleaned);
    }
}

/// Asserts that one run turns `text` into `cleaned` and a second run changes nothing; the first
/// run's outcome.
fn cleaned_in_one_run(text: &str, cleaned: &str) -> newsclean::pipeline::Outcome {
    let (once, outcome) = CLEANER.clean_str(text);
    assert_eq!(once, cleaned, "{text:?}");
    assert_eq!(CLEANER.clean_str(&once).1.edits(), 0, "{once:?}");
    outcome
}
