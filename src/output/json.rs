//! The `--format json` object of one input, streamed as its blocks pass: path, encoding and why,
//! and every edit (rule, kind, line, column, before, after).

use std::io::{self, Write};

use crate::decode::Choice;
use crate::pipeline::{Processed, Sink};

/// `text` as a JSON string.
fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string always serializes")
}

/// Writes one input's `--format json` object, one line, as its blocks pass:
/// `{"path": ..., "encoding": ..., "encoding_reason": ..., "edits": [{"rule", "kind", "line", "column",
/// "before", "after"}...], "changed": ...}`. Memory stays bounded: edits are written as they come.
pub struct JsonSink<W> {
    out: W,
    started: bool,
    head: String,
    edits: usize,
    changed: bool,
}

impl<W: Write> JsonSink<W> {
    /// The report of the input shown as `path`, read in `choice`.
    pub fn new(out: W, path: &str, choice: &Choice) -> Self {
        let head = format!(
            "{{\"path\":{},\"encoding\":{},\"encoding_reason\":{},\"edits\":[",
            json_string(path),
            json_string(choice.encoding.name()),
            json_string(&choice.reason.to_string())
        );
        JsonSink { out, started: false, head, edits: 0, changed: false }
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

    fn finish(&mut self) -> io::Result<()> {
        self.start()?;
        writeln!(self.out, "],\"changed\":{}}}", self.changed)?;
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
