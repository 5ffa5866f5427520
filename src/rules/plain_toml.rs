//! Rule files written in plain TOML, read without the TOML parser.
//!
//! A long rule file is thousands of `[[rule]]` tables of `key = value` lines whose values are
//! strings, booleans, arrays and one-line inline tables. The `toml` crate builds a spanned table
//! of the whole document before serde sees it, about 90 instructions a byte: with 5,000 rules,
//! two fifths of start-up. This module reads that plain subset straight into JSON text, which
//! serde_json deserializes into the same types at a fraction of the cost, and records where each
//! rule's `id` is. Anything outside the subset (another table header, a dotted or quoted key, a
//! number, a multi-line string, a newline inside an inline table, an escape or a control character
//! it does not know, a key given twice) is declined, and the caller parses the file with the
//! `toml` crate as before; so is any file serde_json does not deserialize, whose error is then the
//! TOML parser's. What is accepted reads as the TOML parser reads it (tested against it).

use std::ops::Range;

use super::spec::IdSpans;

/// The rules of a plain rule file as a `T` (its JSON form `{"rule": [...]}`, or `{}` without
/// rules), with the span of each rule's `id` value; `None` when `text` is not plain (see the module
/// documentation) or does not deserialize.
pub fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Option<(T, IdSpans)> {
    let (json, spans) = to_json(text)?;
    let parsed = serde_json::from_str(&json).ok()?;
    Some((parsed, spans))
}

/// `text` as JSON, with the spans of the rules' `id` values; `None` if it is not plain.
fn to_json(text: &str) -> Option<(String, IdSpans)> {
    let json = String::with_capacity(text.len() + text.len() / 4);
    let mut reader = Reader { src: text, text: text.as_bytes(), at: 0, json };
    let mut spans: Vec<Option<Range<usize>>> = Vec::new();
    reader.blank_lines()?;
    while reader.at < reader.text.len() {
        reader.rule_header()?;
        reader.json.push_str(if spans.is_empty() { "{\"rule\":[{" } else { "},{" });
        let mut keys: Vec<&str> = Vec::new();
        let mut id = None;
        reader.blank_lines()?;
        while reader.at < reader.text.len() && reader.text[reader.at] != b'[' {
            let key = reader.key()?;
            if keys.contains(&key) {
                return None; // a key defined twice: the TOML parser's error
            }
            reader.json.push_str(if keys.is_empty() { "\"" } else { ",\"" });
            reader.json.push_str(key);
            reader.json.push_str("\":");
            keys.push(key);
            reader.equals()?;
            let value_start = reader.at;
            reader.value(0)?;
            if key == "id" {
                id = Some(value_start..reader.at);
            }
            reader.end_of_line()?;
            reader.blank_lines()?;
        }
        spans.push(id);
    }
    reader.json.push_str(if spans.is_empty() { "{}" } else { "}]}" });
    Some((reader.json, spans))
}

/// Arrays and inline tables nested deeper than this are declined.
const MAX_DEPTH: usize = 8;

/// A pass over a rule file's bytes, writing its JSON form.
struct Reader<'t> {
    src: &'t str,
    /// `src`'s bytes.
    text: &'t [u8],
    at: usize,
    json: String,
}

impl<'t> Reader<'t> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn spaces(&mut self) {
        self.skip_while(|b| b == b' ' || b == b'\t');
    }

    /// Moves past the bytes from here that `keep` holds for.
    fn skip_while(&mut self, keep: impl Fn(u8) -> bool) {
        let rest = &self.text[self.at..];
        self.at += rest.iter().position(|&b| !keep(b)).unwrap_or(rest.len());
    }

    /// A comment, if one starts here, up to its line's end: any character but a control one.
    fn comment(&mut self) -> Option<()> {
        if self.peek() != Some(b'#') {
            return Some(());
        }
        self.skip_while(|b| b >= 0x20 && b != 0x7f || b == b'\t');
        // A control character other than a line break ends no comment.
        matches!(self.peek(), None | Some(b'\n' | b'\r')).then_some(())
    }

    /// A line break (`\n` or `\r\n`), or the end of the text.
    fn line_break(&mut self) -> Option<()> {
        match self.peek() {
            None => Some(()),
            Some(b'\n') => {
                self.at += 1;
                Some(())
            }
            Some(b'\r') if self.text.get(self.at + 1) == Some(&b'\n') => {
                self.at += 2;
                Some(())
            }
            Some(_) => None,
        }
    }

    /// The rest of a line after a header or a value: spaces, a comment, its break.
    fn end_of_line(&mut self) -> Option<()> {
        self.spaces();
        self.comment()?;
        self.line_break()
    }

    /// Lines holding nothing but spaces and comments.
    fn blank_lines(&mut self) -> Option<()> {
        loop {
            let start = self.at;
            self.spaces();
            if matches!(self.peek(), Some(b'#' | b'\n' | b'\r')) {
                self.end_of_line()?;
            } else {
                if self.at < self.text.len() {
                    self.at = start; // a line with something on it: read from its start
                }
                return Some(());
            }
        }
    }

    /// A `[[rule]]` line (no other table header is plain).
    fn rule_header(&mut self) -> Option<()> {
        self.spaces();
        self.text[self.at..].starts_with(b"[[rule]]").then_some(())?;
        self.at += "[[rule]]".len();
        self.end_of_line()
    }

    /// A bare key (letters, digits, `_`, `-`) after leading spaces.
    fn key(&mut self) -> Option<&'t str> {
        self.spaces();
        let start = self.at;
        self.skip_while(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        let key = &self.src[start..self.at];
        (!key.is_empty()).then_some(key)
    }

    /// The `=` between a key and its value, with the spaces around it.
    fn equals(&mut self) -> Option<()> {
        self.spaces();
        (self.peek() == Some(b'=')).then_some(())?;
        self.at += 1;
        self.spaces();
        Some(())
    }

    /// A value: a string, a boolean, an array or an inline table, `depth` arrays and tables deep
    /// (a few at most: deeper nesting is no rule's, and is declined before it is deep enough to
    /// exhaust the stack).
    fn value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.basic_string(),
            b'\'' => self.literal_string(),
            b'[' if depth < MAX_DEPTH => self.array(depth + 1),
            b'{' if depth < MAX_DEPTH => self.inline_table(depth + 1),
            b't' | b'f' => self.boolean(),
            _ => None,
        }
    }

    fn boolean(&mut self) -> Option<()> {
        let rest = &self.text[self.at..];
        let word = if rest.starts_with(b"true") { "true" } else { "false" };
        rest.starts_with(word.as_bytes()).then_some(())?;
        self.at += word.len();
        // `trueish` is not a boolean.
        if self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return None;
        }
        self.json.push_str(word);
        Some(())
    }

    /// A one-line basic string; `\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX` escapes only.
    fn basic_string(&mut self) -> Option<()> {
        if self.text[self.at..].starts_with(b"\"\"\"") {
            return None; // multi-line
        }
        self.at += 1;
        self.json.push('"');
        loop {
            let start = self.at;
            self.skip_while(|b| b != b'"' && b != b'\\' && (b >= 0x20 || b == b'\t') && b != 0x7f);
            self.push_json_text(start);
            match self.peek()? {
                b'"' => break,
                b'\\' => {
                    let escaped = self.text.get(self.at + 1).copied()?;
                    self.at += 2;
                    let c = match escaped {
                        b'b' => '\u{8}',
                        b't' => '\t',
                        b'n' => '\n',
                        b'f' => '\u{c}',
                        b'r' => '\r',
                        b'"' => '"',
                        b'\\' => '\\',
                        b'u' => self.hex_char(4)?,
                        b'U' => self.hex_char(8)?,
                        _ => return None,
                    };
                    push_json_char(&mut self.json, c);
                }
                _ => return None, // a control character
            }
        }
        self.at += 1;
        self.json.push('"');
        Some(())
    }

    /// The character of an escape's `digits` hex digits (a Unicode scalar value).
    fn hex_char(&mut self, digits: usize) -> Option<char> {
        let hex = self.text.get(self.at..self.at + digits)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        self.at += digits;
        let code = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
        char::from_u32(code)
    }

    /// A one-line literal string: no escapes, no control character but a tab.
    fn literal_string(&mut self) -> Option<()> {
        if self.text[self.at..].starts_with(b"'''") {
            return None; // multi-line
        }
        self.at += 1;
        self.json.push('"');
        let start = self.at;
        self.skip_while(|b| b != b'\'' && (b >= 0x20 || b == b'\t') && b != 0x7f);
        (self.peek()? == b'\'').then_some(())?;
        self.push_json_text(start);
        self.at += 1;
        self.json.push('"');
        Some(())
    }

    /// Writes the text from `start` to here (no control character but tabs) into the JSON string
    /// being written.
    fn push_json_text(&mut self, start: usize) {
        let text = &self.src[start..self.at];
        if memchr::memchr3(b'\t', b'"', b'\\', text.as_bytes()).is_none() {
            self.json.push_str(text);
        } else {
            text.chars().for_each(|c| push_json_char(&mut self.json, c));
        }
    }

    /// An array of values, over lines if need be, with comments and a trailing comma allowed.
    fn array(&mut self, depth: usize) -> Option<()> {
        self.at += 1;
        self.json.push('[');
        let mut first = true;
        loop {
            self.array_space()?;
            if self.peek()? == b']' {
                break;
            }
            if !first {
                self.json.push(',');
            }
            first = false;
            self.value(depth)?;
            self.array_space()?;
            match self.peek()? {
                b',' => self.at += 1,
                b']' => break,
                _ => return None,
            }
        }
        self.at += 1;
        self.json.push(']');
        Some(())
    }

    /// Spaces, line breaks and comments inside an array.
    fn array_space(&mut self) -> Option<()> {
        loop {
            self.spaces();
            match self.peek()? {
                b'#' => {
                    self.comment()?;
                }
                b'\n' | b'\r' => self.line_break()?,
                _ => return Some(()),
            }
        }
    }

    /// A one-line inline table of `key = value` pairs (no trailing comma).
    fn inline_table(&mut self, depth: usize) -> Option<()> {
        self.at += 1;
        self.json.push('{');
        self.spaces();
        let mut keys: Vec<&str> = Vec::new();
        if self.peek()? != b'}' {
            loop {
                let key = self.key()?;
                if keys.contains(&key) {
                    return None;
                }
                self.json.push_str(if keys.is_empty() { "\"" } else { ",\"" });
                self.json.push_str(key);
                self.json.push_str("\":");
                keys.push(key);
                self.equals()?;
                self.value(depth)?;
                self.spaces();
                match self.peek()? {
                    b',' => {
                        self.at += 1;
                        self.spaces();
                    }
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        self.at += 1;
        self.json.push('}');
        Some(())
    }
}

/// Writes `c` into a JSON string.
fn push_json_char(json: &mut String, c: char) {
    match c {
        '"' => json.push_str("\\\""),
        '\\' => json.push_str("\\\\"),
        '\u{0}'..='\u{1f}' | '\u{7f}' => json.push_str(&format!("\\u{:04x}", u32::from(c))),
        _ => json.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::spec::{RuleFile, parse_whole};
    use proptest::prelude::*;

    /// True if `text` is read here; then what is read is what the TOML parser reads, rules and the
    /// starts of their ids alike.
    fn read_as_toml_reads(text: &str) -> bool {
        let Some((plain, spans)) = parse::<RuleFile>(text) else { return false };
        let (whole, whole_spans) = parse_whole::<RuleFile>(text).expect("read here, so TOML reads it");
        assert_eq!(format!("{:?}", plain.rule), format!("{:?}", whole.rule), "{text}");
        let starts = |spans: &IdSpans| spans.iter().map(|s| s.as_ref().map(|s| s.start)).collect::<Vec<_>>();
        assert_eq!(starts(&spans), starts(&whole_spans), "{text}");
        true
    }

    #[test]
    fn the_built_in_rules_and_a_generated_rule_set_read_as_toml_reads_them() {
        let mut many = String::from("# generated\n\n");
        for i in 0..300 {
            many.push_str(&format!(
                "[[rule]]\nid = \"t.r{i}\"\ndescription = 'Rule {i}.'\nwhere = \"own-line\"\n\
                 match = {{ regex = '(?:\u{a9}|\\(c\\)) \\d{{4}} Site{i}', trigger = [\"Site{i}\"] }}\n\
                 replace = {{ \"a\" = \"b\" }}\nenabled = false\n\n"
            ));
        }
        // Quoted keys (`replace`'s) are not plain: the generated file is read by TOML.
        assert!(!read_as_toml_reads(&many));
        let many = many.replace("replace = { \"a\" = \"b\" }\n", "context = { near = [\"x\", \"y\",] }\n");
        assert!(read_as_toml_reads(&many));
        assert!(read_as_toml_reads(&many.replace('\n', "\r\n")));
        // The shipped file may or may not be plain; either way nothing is read otherwise.
        read_as_toml_reads(include_str!("builtin.toml"));
    }

    #[test]
    fn what_toml_reads_otherwise_or_not_at_all_is_declined() {
        let rule = |line: &str| format!("[[rule]]\nid = \"t.x\"\ndescription = \"x\"\n{line}\n");
        let declined = [
            rule("match = { literal = [\"a\"] }\nmatch = { literal = [\"b\"] }"), // a key twice
            rule("match = { literal = [\"a\"], literal = [\"b\"] }"),
            rule("match.literal = [\"a\"]"),
            rule("\"match\" = { literal = [\"a\"] }"),
            rule("[rule.match]\nliteral = [\"a\"]"),
            rule("match = { literal = [\"a\"], }"),
            rule("match = {\n literal = [\"a\"] }"),
            rule("match = { literal = [\"\"\"a\"\"\"] }"),
            rule("match = { literal = [\"\\x41\"] }"),
            rule("match = { literal = [\"\\e\"] }"),
            rule("match = { literal = [\"\\ud800\"] }"),
            rule("match = { literal = [\"a\u{1}b\"] }"),
            rule("match = { literal = ['a\u{7f}'] }"),
            rule("match = { literal = [\"a\"] } # \u{1}"),
            rule("match = { literal = [\"a\"] }\renabled = true"),
            rule("enabled = truest"),
            rule("enabled = 1"),
            format!("\u{feff}{}", rule("")),
            format!("title = \"x\"\n{}", rule("")),
            format!("{}\n[[ rule ]]\nid = \"t.y\"\n", rule("")),
            rule(&format!("keep = {}\"a\"{}", "[".repeat(100_000), "]".repeat(100_000))),
            rule("match = { literal = [\"a\"] "),
        ];
        for text in &declined {
            assert!(to_json(text).is_none(), "{text}");
        }
        // Read here: a comment after a value, spaces and tabs around `=`, an array over lines with
        // comments and a trailing comma, every escape kept, a `'` string.
        let plain = rule(
            "match\t=  { literal = [ # why\n \"a\\tb\\\"\\\\\\u00e9\\U0001F600\\b\\f\\r\\n\",\n 'c\\d', ] } # end",
        );
        assert!(read_as_toml_reads(&plain), "{plain}");
        // As `newsclean learn` writes its rules: examples as an array of inline tables.
        let learned = "[[rule]]\nid = \"learned.x-share\"\ndescription = \"Remove \\\"Share\\\".\"\n\
                       where = \"own-line\"\nmatch = { literal = [\"Share this\"] }\n\
                       examples = [{ input = \"Body.\\nShare this\\n\", output = \"Body.\\n\" }]\nkeep = [\"Body.\\n\"]\n";
        assert!(read_as_toml_reads(learned), "{learned}");
        assert!(read_as_toml_reads(""));
        assert!(read_as_toml_reads("# only a comment\n\n"));
    }

    /// A string as TOML writes it: literal if asked and it can be, else basic, escaping line
    /// breaks as `\n` (`escape_kind` 0) or `\u000A`, and non-ASCII characters too (kind 1).
    fn quoted(s: &str, literal: bool, escape_kind: usize) -> String {
        if literal && !s.chars().any(|c| c == '\'' || (c.is_control() && c != '\t')) {
            return format!("'{s}'");
        }
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' if escape_kind == 0 => out.push_str("\\n"),
                c if (c.is_control() && c != '\t') || (escape_kind == 1 && !c.is_ascii()) => match u32::from(c) {
                    code @ 0x10000.. => out.push_str(&format!("\\U{code:08X}")),
                    code => out.push_str(&format!("\\u{code:04x}")),
                },
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    proptest! {
        #[test]
        fn generated_rule_files_read_as_toml_reads_them(
            rules in proptest::collection::vec(
                ("[a-z0-9]{1,6}", "[ -~\t\n\u{e9}\u{4e2d}\u{1f600}\"'\\\\#=\\[\\]{},]{0,12}", proptest::collection::vec("[ -~\u{e9}\u{1}]{1,8}", 1..4), any::<(bool, bool, u8, u8)>()),
                0..6,
            ),
            crlf in any::<bool>(),
        ) {
            let mut text = String::new();
            for (id, description, literals, (literal, enabled, escape_kind, spacing)) in &rules {
                let pad = [" ", "", "\t", "  "][usize::from(*spacing % 4)];
                text.push_str(&format!("[[rule]]{pad}\n"));
                if spacing % 3 == 0 {
                    text.push_str("# a comment\n\n");
                }
                text.push_str(&format!("id{pad}={pad}\"t.{id}\"\n"));
                text.push_str(&format!("description = {}\n", quoted(description, *literal, usize::from(*escape_kind % 3))));
                let list: Vec<String> = literals.iter().map(|l| quoted(l, !*literal, usize::from(*escape_kind % 3))).collect();
                let sep = if spacing % 5 == 0 { ",\n  " } else { ", " };
                text.push_str(&format!("match = {{ literal = [{}] }}{pad}# m\n", list.join(sep)));
                text.push_str(&format!("enabled = {enabled}\n\n"));
            }
            if crlf {
                text = text.replace('\n', "\r\n");
            }
            // Every such file is plain: read here, as TOML reads it.
            prop_assert!(read_as_toml_reads(&text), "{}", text);
        }
    }
}
