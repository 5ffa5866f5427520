//! The `--format json` records, one JSON object a line, each with its `type` and the schema
//! `version`: a `file` record per input, streamed as its blocks pass (path, encoding and why, and
//! every edit: rule, kind, line, column, before, after), and the `error`, `statistics` and
//! `summary` records the binary writes into the same stream. README.md documents the schema.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::decode::Choice;
use crate::edit::RuleId;
use crate::output::summary::Summary;
use crate::pipeline::{Processed, Sink};

/// The version of the records' schema: raised when a field changes meaning or goes away (a new
/// field or record type does not raise it).
pub const VERSION: u32 = 1;

/// An `error` record: an input that could not be cleaned (`path`, when the error is about one).
pub fn error_record(path: Option<&str>, message: &str) -> String {
    #[derive(Serialize)]
    struct Error<'a> {
        r#type: &'static str,
        version: u32,
        path: Option<&'a str>,
        message: &'a str,
    }
    record(&Error { r#type: "error", version: VERSION, path, message })
}

/// The `summary` record that ends a run's stream: its totals, `changed` counting the files
/// changed (`--write`, `--out`) or that would change (a dry run, `--check`).
pub fn summary_record(summary: &Summary) -> String {
    #[derive(Serialize)]
    struct Totals<'a> {
        r#type: &'static str,
        version: u32,
        files: usize,
        changed: usize,
        skipped: usize,
        failed: usize,
        edits: usize,
        rules: BTreeMap<&'a str, usize>,
    }
    record(&Totals {
        r#type: "summary",
        version: VERSION,
        files: summary.seen,
        changed: summary.changed,
        skipped: summary.skipped,
        failed: summary.failed,
        edits: summary.by_rule.values().sum(),
        rules: summary.by_rule.iter().map(|(rule, n)| (rule.as_str(), *n)).collect(),
    })
}

/// The `statistics` record of `--statistics --format json`: edits per rule, most frequent first.
pub fn statistics_record(by_rule: &BTreeMap<RuleId, usize>) -> String {
    #[derive(Serialize)]
    struct Row<'a> {
        rule: &'a str,
        edits: usize,
    }
    #[derive(Serialize)]
    struct Statistics<'a> {
        r#type: &'static str,
        version: u32,
        rules: Vec<Row<'a>>,
        total: usize,
    }
    let mut rules: Vec<Row<'_>> = by_rule.iter().map(|(rule, n)| Row { rule: rule.as_str(), edits: *n }).collect();
    rules.sort_by(|a, b| b.edits.cmp(&a.edits).then(a.rule.cmp(b.rule)));
    record(&Statistics { r#type: "statistics", version: VERSION, rules, total: by_rule.values().sum() })
}

/// `value` as one line of JSON, with its newline.
pub fn record(value: &impl Serialize) -> String {
    let mut line = serde_json::to_string(value).expect("records are plain data");
    line.push('\n');
    line
}

/// `text` as a JSON string.
fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string always serializes")
}

/// Writes one input's `file` record, one line, as its blocks pass: `{"type": "file", "version": 1,
/// "path": ..., "encoding": ..., "encoding_reason": ..., "edits": [{"rule", "kind", "line",
/// "column", "before", "after"}...], "changed": ..., "furniture_only": ...}`. Memory stays bounded: edits are written as
/// they come.
pub struct JsonSink<W> {
    out: W,
    started: bool,
    head: String,
    edits: usize,
    changed: bool,
    furniture_only: bool,
}

impl<W: Write> JsonSink<W> {
    /// The report of the input shown as `path`, read in `choice`.
    pub fn new(out: W, path: &str, choice: &Choice) -> Self {
        let head = format!(
            "{{\"type\":\"file\",\"version\":{VERSION},\"path\":{},\"encoding\":{},\"encoding_reason\":{},\"edits\":[",
            json_string(path),
            json_string(choice.encoding.name()),
            json_string(&choice.reason.to_string())
        );
        JsonSink { out, started: false, head, edits: 0, changed: false, furniture_only: false }
    }

    fn start(&mut self) -> io::Result<()> {
        if !self.started {
            self.started = true;
            self.out.write_all(self.head.as_bytes())?;
        }
        Ok(())
    }
}

impl<W: Write> Sink for JsonSink<W> {
    fn block(&mut self, block: &Processed) -> io::Result<()> {
        self.start()?;
        self.changed |= block.changed();
        for edit in &block.edits {
            let comma = if self.edits > 0 { "," } else { "" };
            self.edits += 1;
            write!(
                self.out,
                "{comma}{{\"rule\":{},\"kind\":\"{}\",\"line\":{},\"column\":{},\"before\":{},\"after\":{}}}",
                json_string(edit.rule.as_str()),
                edit.kind.as_str(),
                edit.line,
                edit.column,
                json_string(&edit.before),
                json_string(&edit.after)
            )?;
        }
        Ok(())
    }

    fn furniture_only(&mut self) {
        self.furniture_only = true;
    }

    fn finish(&mut self) -> io::Result<()> {
        self.start()?;
        writeln!(self.out, "],\"changed\":{},\"furniture_only\":{}}}", self.changed, self.furniture_only)?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_sink_writes_one_valid_object_with_every_edit() {
        let cleaner = crate::pipeline::Cleaner::new();
        let choice = Choice { encoding: encoding_rs::UTF_8, bom_len: 0, reason: crate::decode::Reason::Utf8 };
        let mut out = Vec::new();
        let text = "Title\n\nLatest News\n\nHis smart phone and “quotes”\n";
        cleaner.clean_stream(text.as_bytes(), 0, &mut JsonSink::new(&mut out, "a \"b\".txt", &choice)).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!((&value["type"], &value["version"]), (&serde_json::json!("file"), &serde_json::json!(VERSION)));
        assert_eq!(value["path"], "a \"b\".txt");
        assert_eq!(value["encoding"], "UTF-8");
        assert_eq!(value["changed"], true);
        let edits = value["edits"].as_array().unwrap();
        // The paragraph `Latest News` goes with its blank separator, each an edit of the rule.
        let summary: Vec<(&str, &str, u64)> = edits
            .iter()
            .map(|e| (e["rule"].as_str().unwrap(), e["kind"].as_str().unwrap(), e["line"].as_u64().unwrap()))
            .collect();
        assert_eq!(
            summary,
            [
                ("residue.latest-news", "remove-line", 3),
                ("residue.latest-news", "remove-line", 2),
                ("mt.smart-phone", "replace", 5)
            ]
        );
        assert_eq!(
            (edits[2]["before"].as_str(), edits[2]["after"].as_str()),
            (Some("smart phone"), Some("smartphone"))
        );
        assert!(out.ends_with(b"}\n") && out.iter().filter(|&&b| b == b'\n').count() == 1);
    }
}
