//! `--format github`: one GitHub Actions workflow command per edit
//! (`::warning file=PATH,line=L,col=C,title=newsclean RULE::MESSAGE`), which a workflow run shows
//! as an annotation on the line. Positions are in the input as it was read; escaping follows
//! GitHub's rules for workflow commands.

use std::io::{self, Write};

use crate::edit::{Edit, EditKind};
use crate::pipeline::{Processed, Sink};

/// Writes one annotation per edit of one input, as its blocks pass.
pub struct GithubSink<W> {
    out: W,
    path: String,
}

impl<W: Write> GithubSink<W> {
    /// Annotations of the input shown as `path`.
    pub fn new(out: W, path: &str) -> Self {
        GithubSink { out, path: path.to_owned() }
    }
}

impl<W: Write> Sink for GithubSink<W> {
    fn block(&mut self, block: &Processed) -> io::Result<()> {
        for (i, edit) in block.edits.iter().enumerate() {
            let earlier = block.edits[..i].iter().filter(|e| e.line == edit.line);
            writeln!(
                self.out,
                "::warning file={},line={},col={},title={}::{}",
                escape_property(&self.path),
                edit.line,
                input_column(edit, earlier),
                escape_property(&format!("newsclean {}", edit.rule)),
                escape_data(&message(edit))
            )?;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// What the edit does, in words.
fn message(edit: &Edit) -> String {
    let quoted = |s: &str| serde_json::to_string(s).expect("a string always serializes");
    match edit.kind {
        EditKind::Replace if edit.after.is_empty() => format!("remove {}", quoted(&edit.before)),
        EditKind::Replace => format!("replace {} with {}", quoted(&edit.before), quoted(&edit.after)),
        EditKind::RemoveLine if edit.before.trim().is_empty() => "remove this blank line".to_owned(),
        EditKind::RemoveLine => format!("remove the line {}", quoted(&edit.before)),
        EditKind::Terminator if edit.after.is_empty() => "remove the final line ending".to_owned(),
        EditKind::Terminator => format!("end the line with {}", quoted(&edit.after)),
    }
}

/// The 1-based character column of `edit` in its line as read: an edit's own column counts in the
/// line as the `earlier` edits of the same line left it (`edit::replay`), which an annotation
/// shown beside the file cannot use.
fn input_column<'e>(edit: &Edit, earlier: impl DoubleEndedIterator<Item = &'e Edit>) -> usize {
    let mut column = edit.column;
    for before in earlier.rev().filter(|e| e.kind == EditKind::Replace) {
        let (removed, inserted) = (before.before.chars().count(), before.after.chars().count());
        if column >= before.column + inserted {
            column = column + removed - inserted;
        } else if column > before.column {
            column = before.column; // inside what the earlier edit inserted
        }
    }
    column
}

/// A workflow command's message: `%`, CR and LF escaped.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow command's property value: as a message, and `:` and `,` too.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::RuleId;

    #[test]
    fn properties_escape_what_would_end_them_and_messages_their_line_breaks() {
        assert_eq!(escape_property("a,b:c%d\r\n"), "a%2Cb%3Ac%25d%0D%0A");
        assert_eq!(escape_data("a,b:c%d\n"), "a,b:c%25d%0A");
    }

    #[test]
    fn columns_are_those_of_the_line_as_read() {
        let edit = |column: usize, before: &str, after: &str| Edit {
            rule: RuleId::builtin("mt.x"),
            kind: EditKind::Replace,
            line: 1,
            column,
            before: before.to_owned(),
            after: after.to_owned(),
        };
        // `ab flats cd flats` → `ab tablets cd flats` → `ab tablets cd tablets`.
        let first = edit(4, "flats", "tablets");
        let second = edit(15, "flats", "tablets");
        assert_eq!(input_column(&second, [&first].into_iter()), 13);
        assert_eq!(input_column(&first, std::iter::empty()), 4);
    }
}
