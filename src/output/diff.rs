//! Unified diffs rendered from processed blocks as they stream past. Because rules only change or
//! remove lines, every output line comes from a known input line and no diff algorithm is needed:
//! hunks are cut from the blocks directly, carry the ids of the rules that made them after the `@@`,
//! and are printed as soon as they are complete, so `git apply` and `patch -p1` accept the result.
//! The same hunks can be collected instead of printed, for the interactive review.

use std::collections::{BTreeSet, VecDeque};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::block::{Ending, Line};
use crate::edit::RuleId;
use crate::pipeline::{Processed, Sink};

/// Lines of context around each change, as `diff -u` and git use by default.
pub const CONTEXT: usize = 3;

/// What a line of a hunk is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    /// Context: the same on both sides.
    Keep,
    /// Only on the old side.
    Remove,
    /// Only on the new side.
    Add,
}

/// One hunk: a run of changed lines with their context, and the rules that changed them.
#[derive(Clone, Debug)]
pub struct Hunk {
    /// 1-based number of the first old line (context included).
    pub old_start: usize,
    /// 1-based number of the first new line (context included).
    pub new_start: usize,
    /// The lines in order, each change group's removals before its additions.
    pub lines: Vec<(Tag, Line)>,
    trailing_keeps: usize,
    /// The ids of the rules whose edits touched the hunk's lines.
    pub rules: BTreeSet<RuleId>,
    /// The rules of each change group (a run of changed lines between context lines), in order.
    group_rules: Vec<BTreeSet<RuleId>>,
}

impl Hunk {
    /// The old side: context and removed lines.
    pub fn old_lines(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|(t, _)| *t != Tag::Add).map(|(_, l)| l)
    }

    /// The new side: context and added lines.
    pub fn new_lines(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|(t, _)| *t != Tag::Remove).map(|(_, l)| l)
    }

    /// The hunk cut into one hunk per change group, each with up to `CONTEXT` lines of context
    /// (neighbours share the context lines between them, as `git add -p` splits). A hunk of one
    /// change group comes back alone.
    pub fn split(&self) -> Vec<Hunk> {
        let mut starts = Vec::with_capacity(self.lines.len()); // (old, new) number of each line
        let (mut old, mut new) = (self.old_start, self.new_start);
        for (tag, _) in &self.lines {
            starts.push((old, new));
            old += usize::from(*tag != Tag::Add);
            new += usize::from(*tag != Tag::Remove);
        }
        let mut groups: Vec<(usize, usize)> = Vec::new(); // [start, end) of each run of changes
        for (i, (tag, _)) in self.lines.iter().enumerate() {
            match groups.last_mut() {
                _ if *tag == Tag::Keep => {}
                Some((_, end)) if *end == i => *end = i + 1,
                _ => groups.push((i, i + 1)),
            }
        }
        if groups.len() < 2 || groups.len() != self.group_rules.len() {
            return vec![self.clone()];
        }
        groups
            .iter()
            .enumerate()
            .map(|(g, &(start, end))| {
                let floor = if g == 0 { 0 } else { groups[g - 1].1 };
                let ceiling = groups.get(g + 1).map_or(self.lines.len(), |next| next.0);
                let from = start.saturating_sub(CONTEXT).max(floor);
                let to = (end + CONTEXT).min(ceiling);
                Hunk {
                    old_start: starts[from].0,
                    new_start: starts[from].1,
                    lines: self.lines[from..to].to_vec(),
                    trailing_keeps: 0,
                    rules: self.group_rules[g].clone(),
                    group_rules: vec![self.group_rules[g].clone()],
                }
            })
            .collect()
    }
}

/// Writes the `--- a/PATH` and `+++ b/PATH` lines of a file's diff, naming the file by its own
/// bytes as git does (`git apply` finds it whatever its name holds).
pub fn write_header(out: &mut dyn Write, path: &Path, color: bool) -> io::Result<()> {
    let (bold, reset) = if color { ("\x1b[1m", "\x1b[0m") } else { ("", "") };
    writeln!(out, "{bold}--- {}{reset}", header_name("a/", path))?;
    writeln!(out, "{bold}+++ {}{reset}", header_name("b/", path))
}

/// `prefix` and `path` (without a leading `./`) as a diff header names them, the way git writes
/// them: in double quotes with C escapes (`\t`, `\n`, `\"`, `\\`, and octal for other control
/// and non-ASCII bytes) when the name holds a control byte, a quote, a backslash or bytes that are
/// not UTF-8; else as is (UTF-8 letters too, as git with `core.quotePath=false`), followed by a
/// tab when it holds a space (so that `patch` does not cut it there).
pub fn header_name(prefix: &str, path: &Path) -> String {
    let bytes = path.as_os_str().as_bytes();
    let bytes = bytes.strip_prefix(b"./").unwrap_or(bytes);
    let plain = |b: u8| (0x20..0x7F).contains(&b) && b != b'"' && b != b'\\';
    if let Ok(name) = std::str::from_utf8(bytes)
        && bytes.iter().all(|&b| plain(b) || b >= 0x80)
    {
        let tab = if name.contains(' ') { "\t" } else { "" };
        return format!("{prefix}{name}{tab}");
    }
    let mut quoted = format!("\"{prefix}");
    for &b in bytes {
        match b {
            b'\t' => quoted.push_str("\\t"),
            b'\n' => quoted.push_str("\\n"),
            b'"' => quoted.push_str("\\\""),
            b'\\' => quoted.push_str("\\\\"),
            b if plain(b) => quoted.push(char::from(b)),
            b => quoted.push_str(&format!("\\{b:03o}")),
        }
    }
    quoted.push('"');
    quoted
}

/// Select Graphic Rendition codes of the colored view.
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const RESET: &str = "\x1b[0m";
/// What changed inside a changed line, in reverse video (as git's diff-highlight shows it).
const EMPHASIS: (&str, &str) = ("\x1b[7m", "\x1b[27m");
/// A marker standing for an invisible character, underlined.
const MARKER: (&str, &str) = ("\x1b[4m", "\x1b[24m");
/// Lines longer than this (in bytes) are colored whole, without the word-level view: the inline
/// diff of a pair of enormous lines would hold up the terminal for nothing a person can read.
const INLINE_MAX: usize = 20_000;

/// The visible marker the colored view shows for a character that is invisible or looks like a
/// plain space, so that an edit of one can be seen (the patch itself keeps the character).
fn marker(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{00A0}' => "<nbsp>",
        '\u{200B}' => "<zwsp>",
        '\u{00AD}' => "<shy>",
        '\u{200C}' => "<zwnj>",
        '\u{200D}' => "<zwj>",
        '\u{2060}' => "<wj>",
        '\u{FEFF}' => "<bom>",
        '\u{202F}' => "<nnbsp>",
        '\u{2007}' => "<figsp>",
        '\u{2009}' => "<thinsp>",
        '\u{200A}' => "<hairsp>",
        '\u{2000}'..='\u{2006}' | '\u{2008}' | '\u{205F}' | '\u{3000}' => "<space>",
        _ => return None,
    })
}

/// `text` for the colored view, its invisible characters shown as markers.
fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii() || !text.chars().any(|c| marker(c).is_some()) {
        return text.into();
    }
    let mut shown = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match marker(c) {
            Some(name) => {
                shown.push_str(MARKER.0);
                shown.push_str(name);
                shown.push_str(MARKER.1);
            }
            None => shown.push(c),
        }
    }
    shown.into()
}

/// A line's text cut into pieces, those that changed marked true.
type Pieces = Vec<(bool, String)>;

/// The word-level view of a changed line and what it became (`similar`'s inline changes of the
/// two lines, by words), or `None` when they are too different for it to help, or too long.
fn inline_changes(old: &str, new: &str) -> Option<(Pieces, Pieces)> {
    if old.len() > INLINE_MAX || new.len() > INLINE_MAX {
        return None;
    }
    let diff = similar::TextDiff::from_lines(old, new);
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    for op in diff.ops() {
        for change in diff.iter_inline_changes(op) {
            let side = match change.tag() {
                similar::ChangeTag::Delete => &mut removed,
                similar::ChangeTag::Insert => &mut added,
                similar::ChangeTag::Equal => return None,
            };
            side.extend(change.iter_strings_lossy().map(|(emphasized, piece)| (emphasized, piece.into_owned())));
        }
    }
    // Below similar's similarity ratio nothing is emphasized: the whole line is the change.
    let emphasized = |pieces: &Pieces| pieces.iter().any(|(e, _)| *e);
    (emphasized(&removed) || emphasized(&added)).then_some((removed, added))
}

/// For each line of `hunk`, the word-level pieces it is drawn in, if it is a changed line whose
/// counterpart (the output line made from the same input line) is in the hunk too.
fn word_views(hunk: &Hunk) -> Vec<Option<Pieces>> {
    let mut views = vec![None; hunk.lines.len()];
    for (r, (tag, old)) in hunk.lines.iter().enumerate() {
        if *tag != Tag::Remove {
            continue;
        }
        // The new side of a change group follows its old side; line numbers pair them.
        let paired = hunk.lines[r + 1..]
            .iter()
            .enumerate()
            .take_while(|(_, (t, _))| *t != Tag::Keep)
            .find(|(_, (t, new))| *t == Tag::Add && new.number == old.number);
        if let Some((offset, (_, new))) = paired
            && let Some((removed, added)) = inline_changes(&old.text, &new.text)
        {
            views[r] = Some(removed);
            views[r + 1 + offset] = Some(added);
        }
    }
    views
}

/// Writes one hunk: its `@@ -a,b +c,d @@ RULES` header and its lines. Colored, a changed line
/// shows the words that changed in reverse video and invisible characters as markers
/// (`<nbsp>`); uncolored, it is the exact patch.
pub fn write_hunk(out: &mut dyn Write, hunk: &Hunk, color: bool) -> io::Result<()> {
    let (old_count, new_count) = (hunk.old_lines().count(), hunk.new_lines().count());
    // An empty side is numbered by the line before it, as diff -u does.
    let start = |s: usize, n: usize| if n == 0 { s - 1 } else { s };
    let rules: Vec<&str> = hunk.rules.iter().map(RuleId::as_str).collect();
    let (cyan, reset) = if color { ("\x1b[36m", "\x1b[0m") } else { ("", "") };
    writeln!(
        out,
        "{cyan}@@ -{},{old_count} +{},{new_count} @@{reset} {}",
        start(hunk.old_start, old_count),
        start(hunk.new_start, new_count),
        rules.join(" ")
    )?;
    let views = if color { word_views(hunk) } else { Vec::new() };
    for (i, (tag, line)) in hunk.lines.iter().enumerate() {
        let (sign, code) = match tag {
            Tag::Keep => (' ', ""),
            Tag::Remove => ('-', RED),
            Tag::Add => ('+', GREEN),
        };
        if !color {
            write!(out, "{sign}{}", line.text)?;
        } else if let Some(Some(pieces)) = views.get(i) {
            write!(out, "{code}{sign}")?;
            for (emphasized, piece) in pieces {
                match emphasized {
                    true => write!(out, "{}{}{}", EMPHASIS.0, visible(piece), EMPHASIS.1)?,
                    false => write!(out, "{}", visible(piece))?,
                }
            }
            write!(out, "{RESET}")?;
        } else {
            let reset = if code.is_empty() { "" } else { RESET };
            write!(out, "{code}{sign}{}{reset}", visible(&line.text))?;
        }
        match line.ending {
            Ending::None => out.write_all(b"\n\\ No newline at end of file\n")?,
            ending => out.write_all(ending.as_str().as_bytes())?,
        }
    }
    Ok(())
}

/// Writes a unified diff of one input to `out` as blocks arrive.
pub struct DiffSink<W> {
    out: W,
    path: PathBuf,
    color: bool,
    bom: bool,
    header_written: bool,
    old_next: usize,
    new_next: usize,
    before: VecDeque<Line>,
    hunk: Option<Hunk>,
    /// A change group still open: it may continue into the next block.
    removed: Vec<Line>,
    added: Vec<Line>,
    rules: BTreeSet<RuleId>,
    /// True once the first line of the new side has gone by (it carries the BOM).
    new_started: bool,
    /// Printed before the header of a file that has hunks.
    preamble: Option<String>,
    /// Hunks kept rather than written (`collecting`).
    collected: Option<Vec<Hunk>>,
}

impl<W: Write> DiffSink<W> {
    /// A diff of the file at `path` (its header names it after `a/` and `b/`, see `header_name`).
    /// `bom` is true if the file starts with a UTF-8 byte-order mark, which belongs to its first line.
    pub fn new(out: W, path: &Path, bom: bool, color: bool) -> Self {
        DiffSink {
            out,
            path: path.to_owned(),
            color,
            bom,
            header_written: false,
            old_next: 1,
            new_next: 1,
            before: VecDeque::with_capacity(CONTEXT),
            hunk: None,
            removed: Vec::new(),
            added: Vec::new(),
            rules: BTreeSet::new(),
            new_started: false,
            preamble: None,
            collected: None,
        }
    }

    /// Text to print before the file's header, if the file has any hunk (a note about it).
    pub fn with_preamble(mut self, preamble: Option<String>) -> Self {
        self.preamble = preamble;
        self
    }

    /// True if at least one hunk was written.
    pub fn wrote_any(&self) -> bool {
        self.header_written
    }

    fn keep(&mut self, line: Line) -> io::Result<()> {
        self.close_change();
        self.old_next += 1;
        self.new_next += 1;
        let Some(hunk) = self.hunk.as_mut() else {
            if self.before.len() == CONTEXT {
                self.before.pop_front();
            }
            self.before.push_back(line);
            return Ok(());
        };
        hunk.lines.push((Tag::Keep, line));
        hunk.trailing_keeps += 1;
        if hunk.trailing_keeps > 2 * CONTEXT {
            // Too far from the next change to share a hunk: close this one after CONTEXT lines and
            // keep the last CONTEXT lines as the leading context of the next.
            let mut hunk = self.hunk.take().expect("checked above");
            let tail = hunk.lines.split_off(hunk.lines.len() - (CONTEXT + 1));
            self.before = tail.into_iter().skip(1).map(|(_, l)| l).collect();
            self.write_hunk(hunk)?;
        }
        Ok(())
    }

    /// Moves the open change group (all its removals, then all its additions) into the hunk.
    fn close_change(&mut self) {
        if self.removed.is_empty() && self.added.is_empty() {
            return;
        }
        let (old_next, new_next) = (self.old_next, self.new_next);
        let before = &mut self.before;
        let hunk = self.hunk.get_or_insert_with(|| Hunk {
            old_start: old_next - before.len(),
            new_start: new_next - before.len(),
            lines: before.drain(..).map(|l| (Tag::Keep, l)).collect(),
            trailing_keeps: 0,
            rules: BTreeSet::new(),
            group_rules: Vec::new(),
        });
        hunk.trailing_keeps = 0;
        hunk.group_rules.push(self.rules.clone());
        hunk.rules.append(&mut self.rules);
        self.old_next += self.removed.len();
        self.new_next += self.added.len();
        hunk.lines.extend(self.removed.drain(..).map(|l| (Tag::Remove, l)));
        hunk.lines.extend(self.added.drain(..).map(|l| (Tag::Add, l)));
    }

    fn write_hunk(&mut self, hunk: Hunk) -> io::Result<()> {
        if let Some(hunks) = self.collected.as_mut() {
            hunks.push(hunk);
            return Ok(());
        }
        if !self.header_written {
            self.header_written = true;
            if let Some(preamble) = self.preamble.take() {
                self.out.write_all(preamble.as_bytes())?;
            }
            write_header(&mut self.out, &self.path, self.color)?;
        }
        write_hunk(&mut self.out, &hunk, self.color)
    }
}

impl DiffSink<io::Sink> {
    /// A sink that keeps the hunks instead of printing them (the interactive review's view of a file).
    pub fn collecting() -> Self {
        let mut sink = DiffSink::new(io::sink(), Path::new(""), false, false);
        sink.collected = Some(Vec::new());
        sink
    }

    /// The hunks collected, in order.
    pub fn into_hunks(self) -> Vec<Hunk> {
        self.collected.unwrap_or_default()
    }
}

impl<W: Write> DiffSink<W> {
    /// Lines as their bytes appear in the files: a BOM belongs to the first line of each side, so
    /// when the first line is removed the BOM moves to the new first line, as `--write` writes it.
    fn with_bom(&mut self, old: &Line, new: Option<&Line>) -> (Line, Option<Line>) {
        let mut old = old.clone();
        let mut new = new.cloned();
        if self.bom {
            if old.number == 1 {
                old.text.insert(0, '\u{FEFF}');
            }
            if let Some(n) = new.as_mut().filter(|_| !self.new_started) {
                n.text.insert(0, '\u{FEFF}');
            }
        }
        self.new_started |= new.is_some();
        (old, new)
    }
}

impl<W: Write> Sink for DiffSink<W> {
    fn block(&mut self, block: &Processed) -> io::Result<()> {
        // Edits are the whole truth: the diff shows no change that its edits do not make.
        debug_assert_eq!(
            crate::edit::replay(&block.old.lines, &block.edits).as_deref(),
            Ok(block.new_lines()),
            "the edits of lines {:?} do not give the block's output",
            block.old.lines.first().map(|l| l.number)
        );
        let new = block.new_lines();
        // Walk the input lines; each output line carries the number of the input line it came from.
        let mut new_iter = new.iter().peekable();
        for old in &block.old.lines {
            let matched = new_iter.next_if(|n| n.number == old.number);
            let (old_line, new_line) = if self.bom && !self.new_started {
                self.with_bom(old, matched)
            } else {
                self.new_started |= matched.is_some();
                (old.clone(), matched.cloned())
            };
            match new_line {
                Some(n) if n == old_line => self.keep(old_line)?,
                changed => {
                    // The hunk names the rules whose edits touched its lines.
                    self.rules.extend(block.edits.iter().filter(|e| e.line == old.number).map(|e| e.rule.clone()));
                    self.removed.push(old_line);
                    self.added.extend(changed);
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.close_change();
        if let Some(mut hunk) = self.hunk.take() {
            let extra = hunk.trailing_keeps.saturating_sub(CONTEXT);
            hunk.lines.truncate(hunk.lines.len() - extra);
            self.write_hunk(hunk)?;
        }
        self.out.flush()
    }
}
