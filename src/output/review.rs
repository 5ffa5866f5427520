//! Interactive review, like `git add -p`: each hunk of a file (cut by `diff` from the recorded edits,
//! exactly as the printed diff has it) is shown with its rules and their descriptions, and the
//! answers decide which hunks are applied, optionally after editing one in `$EDITOR`. Applying a
//! subset is the original lines with the accepted hunks' new lines put in their place; reading and
//! writing the file belong to `input`, and the terminal to whoever passes the reader and writer.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufRead, Write};
use std::path::Path;
use std::process::Command;

use crate::block::{Ending, Line};
use crate::output::diff::{self, Hunk};
use crate::pipeline::{Processed, Sink};
use crate::rules;

/// Keeps every input line of a file, for applying hunks to. The whole file is held in memory:
/// the review goes at a person's pace, one file at a time, so this is never the bottleneck.
#[derive(Debug, Default)]
pub struct Original {
    /// The lines as read, in order.
    pub lines: Vec<Line>,
}

impl Sink for Original {
    fn block(&mut self, block: &Processed) -> io::Result<()> {
        self.lines.extend(block.old.lines.iter().cloned());
        Ok(())
    }
}

/// A hunk the user accepted: the old lines it replaces and the lines that take their place (its
/// new side, or what the user edited it into).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// 1-based number of the first old line replaced.
    pub old_start: usize,
    /// How many old lines are replaced.
    pub old_count: usize,
    /// The replacement lines.
    pub new: Vec<Line>,
}

impl Accepted {
    /// The hunk accepted as it is.
    pub fn whole(hunk: &Hunk) -> Self {
        let old: Vec<Line> = hunk.old_lines().cloned().collect();
        Accepted { old_start: hunk.old_start, old_count: old.len(), new: hunk.new_lines().cloned().collect() }
            .trimmed(&old)
    }

    /// Leaves out the leading and trailing lines it would put back unchanged (`old` are the lines
    /// it replaces), so that hunks split from one hunk, which share context lines, never overlap.
    fn trimmed(mut self, old: &[Line]) -> Self {
        let same = |a: &Line, b: &Line| a.text == b.text && a.ending == b.ending;
        let lead = old.iter().zip(&self.new).take_while(|(o, n)| same(o, n)).count();
        let old = &old[lead..];
        self.new.drain(..lead);
        let trail = old.iter().rev().zip(self.new.iter().rev()).take_while(|(o, n)| same(o, n)).count();
        self.new.truncate(self.new.len() - trail);
        self.old_start += lead;
        self.old_count = old.len() - trail;
        self
    }

    /// The 1-based number of the first old line after the lines it replaces.
    fn old_end(&self) -> usize {
        self.old_start + self.old_count
    }
}

/// The text of the file with only the `accepted` hunks applied (in order, not overlapping).
pub fn apply(original: &[Line], accepted: &[Accepted]) -> String {
    let mut text = String::new();
    let mut push = |line: &Line| {
        text.push_str(&line.text);
        text.push_str(line.ending.as_str());
    };
    let mut next = 0; // index of the next original line not yet copied
    for hunk in accepted {
        let first = hunk.old_start - 1;
        original[next..first].iter().for_each(&mut push);
        hunk.new.iter().for_each(&mut push);
        next = first + hunk.old_count;
    }
    original[next..].iter().for_each(&mut push);
    text
}

/// What the review of one file came to.
#[derive(Debug, Default)]
pub struct Review {
    /// The hunks accepted, in file order.
    pub accepted: Vec<Accepted>,
    /// How many hunks the file had.
    pub total: usize,
    /// True if the user quit: no later file is to be reviewed.
    pub quit: bool,
}

/// The terminal side of a review: where answers come from and where hunks and prompts go.
pub struct Terminal<'a> {
    /// Answers, one per line.
    pub input: &'a mut dyn BufRead,
    /// Hunks, descriptions and prompts.
    pub out: &'a mut dyn Write,
    /// Color the hunks and prompts.
    pub color: bool,
}

/// One line per answer, each starting with its key; only the keys offered are shown.
const HELP: &str = "\
y - apply this hunk
n - do not apply this hunk
q - quit; do not apply this hunk or any of the remaining ones (hunks accepted so far in this file are written)
a - apply this hunk and all later undecided hunks in the file
d - do not apply this hunk or any of the later undecided hunks in the file
k - leave this hunk undecided, see previous undecided hunk
K - leave this hunk undecided, see previous hunk
j - leave this hunk undecided, see next undecided hunk
J - leave this hunk undecided, see next hunk
g - select a hunk to go to
/ - search for a hunk matching the given regex
s - split the current hunk into smaller hunks
e - manually edit the current hunk
? - print help
";

/// The one-line description of every built-in rule, by id (a `Cleaner` knows its user rules' too).
pub fn descriptions() -> BTreeMap<String, String> {
    rules::builtin().iter().map(|r| (r.id.clone(), r.description.clone())).collect()
}

/// What was answered about a hunk so far.
#[derive(Clone, Debug)]
enum Decision {
    Undecided,
    Apply(Accepted),
    Skip,
}

impl Decision {
    fn is_undecided(&self) -> bool {
        matches!(self, Decision::Undecided)
    }
}

/// The hunks of a file being reviewed, with what was decided about each, in file order.
struct Queue {
    hunks: Vec<Hunk>,
    decisions: Vec<Decision>,
}

impl Queue {
    /// The first undecided hunk after `i`, else the first undecided one from the top.
    fn next_undecided(&self, i: usize) -> Option<usize> {
        let undecided = |j: &usize| self.decisions[*j].is_undecided();
        (i + 1..self.hunks.len()).find(undecided).or_else(|| (0..=i.min(self.hunks.len() - 1)).find(undecided))
    }

    fn undecided_after(&self, i: usize) -> Option<usize> {
        (i + 1..self.hunks.len()).find(|&j| self.decisions[j].is_undecided())
    }

    fn undecided_before(&self, i: usize) -> Option<usize> {
        (0..i).rev().find(|&j| self.decisions[j].is_undecided())
    }

    /// True if applying `accepted` as hunk `i` would change a line of a hunk applied before or
    /// after it (only an edit can do that, of a hunk split from one sharing context lines).
    fn overlaps(&self, i: usize, accepted: &Accepted) -> bool {
        let applied = |j: &usize| match &self.decisions[*j] {
            Decision::Apply(other) => Some(other),
            _ => None,
        };
        let before = (0..i).rev().find_map(|j| applied(&j));
        let after = (i + 1..self.hunks.len()).find_map(|j| applied(&j));
        before.is_some_and(|b| b.old_end() > accepted.old_start)
            || after.is_some_and(|a| accepted.old_end() > a.old_start)
    }

    /// The keys offered for hunk `i`, in git's order.
    fn choices(&self, i: usize, splits: bool) -> String {
        let mut keys = vec!["y", "n", "a", "d", "q"];
        let many = self.hunks.len() > 1;
        keys.extend(self.undecided_before(i).map(|_| "k"));
        keys.extend((i > 0).then_some("K"));
        keys.extend(self.undecided_after(i).map(|_| "j"));
        keys.extend((i + 1 < self.hunks.len()).then_some("J"));
        keys.extend(many.then_some("g"));
        keys.extend(many.then_some("/"));
        keys.extend(splits.then_some("s"));
        keys.extend(["e", "?"]);
        keys.join(",")
    }

    /// The hunk's lines as the patch has them, for `/` to search.
    fn text(&self, i: usize) -> String {
        let mut rendered = Vec::new();
        diff::write_hunk(&mut rendered, &self.hunks[i], false).expect("writing to memory");
        String::from_utf8_lossy(&rendered).into_owned()
    }
}

/// Asks about each of `hunks` of the file at `path`, whose lines are `original`. As in
/// `git add -p`, a hunk can be left undecided and come back to (`j`, `k`, `J`, `K`, `g`, `/`);
/// the review of the file ends when every hunk is decided, or at `q`.
pub fn review(
    path: &Path,
    hunks: &[Hunk],
    original: &[Line],
    descriptions: &BTreeMap<String, String>,
    term: &mut Terminal<'_>,
) -> io::Result<Review> {
    let mut review = Review { total: hunks.len(), ..Review::default() };
    if hunks.is_empty() {
        return Ok(review);
    }
    diff::write_header(term.out, path, term.color)?;
    let mut queue = Queue { hunks: hunks.to_vec(), decisions: vec![Decision::Undecided; hunks.len()] };
    let mut i = 0;
    'hunks: loop {
        let hunk = queue.hunks[i].clone();
        diff::write_hunk(term.out, &hunk, term.color)?;
        for rule in &hunk.rules {
            let description = descriptions.get(rule.as_str()).map_or("(a rule without a description)", String::as_str);
            writeln!(term.out, "# {rule}: {description}")?;
        }
        let parts = hunk.split();
        // As git does, `s` is offered only when the hunk can be split, and a key only where it leads somewhere.
        let choices = queue.choices(i, parts.len() > 1);
        loop {
            let (blue, reset) = if term.color { ("\x1b[1;34m", "\x1b[0m") } else { ("", "") };
            write!(term.out, "{blue}({}/{}) Apply this hunk [{choices}]? {reset}", i + 1, queue.hunks.len())?;
            term.out.flush()?;
            let Some(answer) = read_answer(term)? else {
                // End of input is a quit: nothing more is applied.
                writeln!(term.out)?;
                review.quit = true;
                break 'hunks;
            };
            let key = answer.chars().next().unwrap_or('?');
            let offered = |key: char| choices.split(',').any(|c| c.starts_with(key));
            match key.to_ascii_lowercase() {
                'y' => decide(&mut queue, i, true, term)?,
                'n' => queue.decisions[i] = Decision::Skip,
                'a' | 'd' => {
                    let apply = key.eq_ignore_ascii_case(&'a');
                    decide(&mut queue, i, apply, term)?;
                    for j in i + 1..queue.hunks.len() {
                        if queue.decisions[j].is_undecided() {
                            decide(&mut queue, j, apply, term)?;
                        }
                    }
                }
                'q' => {
                    review.quit = true;
                    break 'hunks;
                }
                _ if "kKjJ".contains(key) => {
                    let to = match key {
                        'k' => queue.undecided_before(i),
                        'K' => i.checked_sub(1),
                        'j' => queue.undecided_after(i),
                        _ => Some(i + 1).filter(|&n| n < queue.hunks.len()),
                    };
                    match to {
                        Some(to) => {
                            i = to;
                            continue 'hunks;
                        }
                        None if key.eq_ignore_ascii_case(&'k') => writeln!(term.out, "No previous hunk")?,
                        None => writeln!(term.out, "No next hunk")?,
                    }
                    continue;
                }
                'g' if offered('g') => match go_to(&queue, answer[1..].trim(), term)? {
                    Some(to) => {
                        i = to;
                        continue 'hunks;
                    }
                    None => continue,
                },
                '/' if offered('/') => match search(&queue, i, answer[1..].trim(), term)? {
                    Some(to) => {
                        i = to;
                        continue 'hunks;
                    }
                    None => continue,
                },
                's' if parts.len() > 1 => {
                    writeln!(term.out, "Split into {} hunks.", parts.len())?;
                    let count = parts.len();
                    queue.hunks.splice(i..=i, parts);
                    queue.decisions.splice(i..=i, vec![Decision::Undecided; count]);
                    continue 'hunks; // show the first part
                }
                'e' => match edit(&hunk, original, term)? {
                    Some(edited) if queue.overlaps(i, &edited) => {
                        writeln!(
                            term.out,
                            "Your edited hunk does not apply: it changes a line of a hunk applied beside it"
                        )?;
                        continue;
                    }
                    Some(edited) => queue.decisions[i] = Decision::Apply(edited),
                    None => continue,
                },
                _ => {
                    for line in HELP.lines().filter(|line| line.chars().next().is_some_and(offered)) {
                        writeln!(term.out, "{line}")?;
                    }
                    continue;
                }
            }
            match queue.next_undecided(i) {
                Some(next) => {
                    i = next;
                    continue 'hunks;
                }
                None => break 'hunks,
            }
        }
    }
    review.total = queue.hunks.len();
    review.accepted = queue
        .decisions
        .into_iter()
        .filter_map(|d| match d {
            Decision::Apply(accepted) => Some(accepted),
            _ => None,
        })
        .collect();
    Ok(review)
}

/// One answer line, trimmed; `None` at the end of input.
fn read_answer(term: &mut Terminal<'_>) -> io::Result<Option<String>> {
    let mut answer = String::new();
    if term.input.read_line(&mut answer)? == 0 {
        return Ok(None);
    }
    Ok(Some(answer.trim().to_owned()))
}

/// Decides hunk `i` (to be applied as it is, or not), unless applying it would overlap a hunk
/// applied beside it, which only an edit of that one (changing a context line the two share
/// after a split) can cause; it is then left out.
fn decide(queue: &mut Queue, i: usize, apply: bool, term: &mut Terminal<'_>) -> io::Result<()> {
    let accepted = Accepted::whole(&queue.hunks[i]);
    queue.decisions[i] = match apply {
        true if queue.overlaps(i, &accepted) => {
            writeln!(term.out, "This hunk overlaps an edited hunk beside it and is not applied")?;
            Decision::Skip
        }
        true => Decision::Apply(accepted),
        false => Decision::Skip,
    };
    Ok(())
}

/// `g`: the hunk to go to, given after the `g` or asked for after a list of the hunks (with what
/// was decided: `+` apply, `-` not, blank undecided); `None` (after saying why) to stay.
fn go_to(queue: &Queue, given: &str, term: &mut Terminal<'_>) -> io::Result<Option<usize>> {
    let given = if given.is_empty() {
        for (n, hunk) in queue.hunks.iter().enumerate() {
            let mark = match queue.decisions[n] {
                Decision::Undecided => ' ',
                Decision::Apply(_) => '+',
                Decision::Skip => '-',
            };
            // The first changed line that says something (a removed blank separator does not).
            let changed = |(t, l): &&(diff::Tag, Line)| *t != diff::Tag::Keep && !l.text.trim().is_empty();
            let first = hunk.lines.iter().find(changed).map_or("", |(_, l)| l.text.as_str());
            let first: String = first.chars().take(60).collect();
            let rules: Vec<&str> = hunk.rules.iter().map(|r| r.as_str()).collect();
            writeln!(term.out, "{mark}{:>3}: -{} {} {first}", n + 1, hunk.old_start, rules.join(" "))?;
        }
        match ask(term, "go to which hunk? ")? {
            Some(answer) => answer,
            None => return Ok(None),
        }
    } else {
        given.to_owned()
    };
    match given.parse::<usize>() {
        Ok(n) if (1..=queue.hunks.len()).contains(&n) => Ok(Some(n - 1)),
        Ok(_) => {
            let count = queue.hunks.len();
            writeln!(term.out, "Sorry, only {count} hunk{} available.", if count == 1 { "" } else { "s" })?;
            Ok(None)
        }
        Err(_) => {
            writeln!(term.out, "Invalid number: '{given}'")?;
            Ok(None)
        }
    }
}

/// Asks `question` and reads the answer; `None` for an empty answer or the end of input.
fn ask(term: &mut Terminal<'_>, question: &str) -> io::Result<Option<String>> {
    write!(term.out, "{question}")?;
    term.out.flush()?;
    Ok(read_answer(term)?.filter(|answer| !answer.is_empty()))
}

/// `/`: the next hunk after `i` (wrapping around, `i` last) whose lines match the regex given after
/// the `/` or asked for; `None` (after saying why) to stay.
fn search(queue: &Queue, i: usize, given: &str, term: &mut Terminal<'_>) -> io::Result<Option<usize>> {
    let pattern = if given.is_empty() {
        match ask(term, "search for regex? ")? {
            Some(answer) => answer,
            None => return Ok(None),
        }
    } else {
        given.to_owned()
    };
    let regex = match regex::Regex::new(&pattern) {
        Ok(regex) => regex,
        Err(e) => {
            writeln!(term.out, "Malformed search regexp {pattern}: {e}")?;
            return Ok(None);
        }
    };
    let count = queue.hunks.len();
    let found = (1..=count).map(|step| (i + step) % count).find(|&j| regex.is_match(&queue.text(j)));
    if found.is_none() {
        writeln!(term.out, "No hunk matches the given pattern")?;
    }
    Ok(found)
}

const EDIT_GUIDE: &str = "\
# ---
# To remove '-' lines, make them ' ' lines (context).
# To remove '+' lines, delete them.
# Lines starting with # will be removed.
# If the edited hunk does not fit the file (a ' ' or '-' line changed, added or deleted), you are
# asked about the hunk again. If all lines of the hunk are removed, the edit is aborted and the
# hunk is left unchanged.
";

/// Lets the user edit `hunk` in their editor; `None` (after saying why) if the edit was aborted
/// or does not fit, so the hunk is asked about again.
fn edit(hunk: &Hunk, original: &[Line], term: &mut Terminal<'_>) -> io::Result<Option<Accepted>> {
    let mut text = String::from("# Manual hunk edit mode -- see bottom for a quick guide.\n");
    let mut rendered = Vec::new();
    diff::write_hunk(&mut rendered, hunk, false)?;
    for line in String::from_utf8_lossy(&rendered).lines() {
        // The guide speaks of lines; a final-newline marker is not one the user should touch.
        if !line.starts_with('\\') {
            text.push_str(line);
            text.push('\n');
        }
    }
    text.push_str(EDIT_GUIDE);
    term.out.flush()?;
    let edited = match run_editor(&text)? {
        Ok(edited) => edited,
        Err(why) => {
            writeln!(term.out, "{why}; the hunk is left as it was")?;
            return Ok(None);
        }
    };
    match parse_edit(hunk, original, &edited) {
        Ok(Some(accepted)) => Ok(Some(accepted)),
        Ok(None) => {
            writeln!(term.out, "Edit aborted: every line of the hunk was removed; the hunk is left as it was")?;
            Ok(None)
        }
        Err(why) => {
            writeln!(term.out, "Your edited hunk does not apply: {why}")?;
            Ok(None)
        }
    }
}

/// Opens `text` in `$VISUAL`, else `$EDITOR`, else `vi`, as git runs its editor (through the shell,
/// so an editor given with arguments works), and returns what was saved. The editor inherits the
/// terminal, as git's does: the one place the library lets a program other than the CLI use it.
fn run_editor(text: &str) -> io::Result<Result<String, String>> {
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|value| !value.trim().is_empty())
        .unwrap_or_else(|| "vi".to_owned());
    let file = tempfile::Builder::new().prefix("newsclean-hunk-").suffix(".diff").tempfile()?;
    fs::write(file.path(), text)?;
    let status = Command::new("sh").arg("-c").arg(format!("{editor} \"$@\"")).arg(&editor).arg(file.path()).status();
    match status {
        Ok(status) if status.success() => Ok(Ok(fs::read_to_string(file.path())?)),
        Ok(status) => Ok(Err(format!("the editor `{editor}` failed ({status})"))),
        Err(e) => Ok(Err(format!("cannot run the editor `{editor}`: {e}"))),
    }
}

/// Reads an edited hunk back. Its ` ` and `-` lines must be exactly the hunk's old side (the file
/// as it is), its ` ` and `+` lines become the new side. `Ok(None)` if no hunk line is left.
fn parse_edit(hunk: &Hunk, original: &[Line], edited: &str) -> Result<Option<Accepted>, String> {
    let mut old = Vec::new();
    let mut new = Vec::new();
    let mut any = false;
    for (n, line) in edited.lines().enumerate() {
        if line.starts_with('#') || line.starts_with("@@") {
            continue;
        }
        any = true;
        let (sign, rest) = line.split_at(line.chars().next().map_or(0, char::len_utf8));
        match sign {
            " " => {
                old.push(rest);
                new.push(rest);
            }
            // An empty line is an empty context line, as git reads it (editors strip the space).
            "" => {
                old.push("");
                new.push("");
            }
            "-" => old.push(rest),
            "+" => new.push(rest),
            _ => return Err(format!("line {} starts with `{sign}`, not with ' ', '-' or '+'", n + 1)),
        }
    }
    if !any {
        return Ok(None);
    }
    let expected: Vec<&str> = hunk.old_lines().map(|l| l.text.as_str()).collect();
    if old != expected {
        return Err("its ' ' and '-' lines are not the lines of the file any more".to_owned());
    }
    let old_lines: Vec<Line> = hunk.old_lines().cloned().collect();
    // New lines end as the file's lines do; at the end of the file, the last keeps the file's ending.
    let ending = old_lines.iter().map(|l| l.ending).find(|e| *e != Ending::None).unwrap_or(Ending::Lf);
    let at_end = old_lines.last().is_some_and(|l| l.number == original.len());
    let count = new.len();
    let new = new
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let last_of_file = at_end && i + 1 == count;
            let ending = if last_of_file { original.last().map_or(ending, |l| l.ending) } else { ending };
            Line::new(0, text.to_owned(), ending)
        })
        .collect();
    Ok(Some(Accepted { old_start: hunk.old_start, old_count: old_lines.len(), new }.trimmed(&old_lines)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Cleaner;

    fn hunks_of(text: &str) -> (Vec<Hunk>, Vec<Line>) {
        let mut sinks = (diff::DiffSink::collecting(), Original::default());
        Cleaner::new().clean_stream(text.as_bytes(), 0, &mut sinks).unwrap();
        (sinks.0.into_hunks(), sinks.1.lines)
    }

    const TWO_HUNKS: &str =
        "Title\n\nLatest News\n\none\n\ntwo\n\nthree\n\nfour\n\nHuawei said its smart phone sales fell.\n";

    fn answer(text: &str, answers: &str) -> (String, Review, String) {
        let (hunks, original) = hunks_of(text);
        let mut input = answers.as_bytes();
        let mut out = Vec::new();
        let review = review(
            Path::new("a.txt"),
            &hunks,
            &original,
            &descriptions(),
            &mut Terminal { input: &mut input, out: &mut out, color: false },
        )
        .unwrap();
        (apply(&original, &review.accepted), review, String::from_utf8(out).unwrap())
    }

    #[test]
    fn applying_every_hunk_gives_the_cleaned_text_whatever_the_case_of_the_answer() {
        let (applied, review, _) = answer(TWO_HUNKS, "y\nYes\n");
        assert_eq!((review.accepted.len(), review.total), (2, 2));
        assert_eq!(applied, Cleaner::new().clean_str(TWO_HUNKS).0);
    }

    #[test]
    fn applying_no_hunk_gives_the_original_back() {
        let (applied, review, _) = answer(TWO_HUNKS, "n\nn\n");
        assert_eq!(review.accepted.len(), 0);
        assert_eq!(applied, TWO_HUNKS);
    }

    #[test]
    fn only_the_accepted_hunk_is_applied() {
        let (applied, _, shown) = answer(TWO_HUNKS, "n\ny\n");
        assert_eq!(applied, TWO_HUNKS.replace("smart phone", "smartphone"));
        assert!(shown.contains("# mt.smart-phone: "), "{shown}");
        assert!(shown.contains("(2/2) Apply this hunk [y,n,a,d,q,K,g,/,e,?]? "), "{shown}");
    }

    #[test]
    fn end_of_input_quits_without_applying_the_rest() {
        let (applied, review, _) = answer(TWO_HUNKS, "y\n");
        assert!(review.quit);
        assert_eq!(applied, TWO_HUNKS.replace("Latest News\n\n", ""));
    }

    #[test]
    fn an_unknown_answer_prints_the_help_and_asks_again() {
        let (_, review, shown) = answer(TWO_HUNKS, "x\nd\n");
        assert!(shown.contains("e - manually edit the current hunk"));
        assert_eq!(review.accepted.len(), 0);
        assert!(!review.quit);
    }

    #[test]
    fn removing_the_last_lines_keeps_the_missing_final_newline() {
        let text = "Title\n\nThe mayor said.\n\nCredit :";
        let (applied, _, _) = answer(text, "y\n");
        assert_eq!(applied, "Title\n\nThe mayor said.");
    }

    #[test]
    fn an_edit_must_keep_the_old_side() {
        let (hunks, original) = hunks_of(TWO_HUNKS);
        let hunk = &hunks[1];
        let good = " \n four\n\n-Huawei said its smart phone sales fell.\n+Huawei said its smart-phone sales fell.\n";
        let accepted = parse_edit(hunk, &original, good).unwrap().unwrap();
        assert_eq!(apply(&original, &[accepted]), TWO_HUNKS.replace("smart phone", "smart-phone"));
        let bad = " FOUR\n\n-Huawei said its smart phone sales fell.\n+x\n";
        assert!(parse_edit(hunk, &original, bad).is_err());
        assert!(parse_edit(hunk, &original, "*nonsense\n").is_err());
        assert_eq!(parse_edit(hunk, &original, "# only comments\n").unwrap(), None);
    }

    /// Two changes three lines apart: one hunk of two change groups.
    const CLOSE: &str = "Title\n\nLatest News\n\nOne.\n\nHuawei said its smart phone sales fell.\n";

    #[test]
    fn a_hunk_of_two_change_groups_splits_into_two_with_their_own_rules() {
        let (hunks, _) = hunks_of(CLOSE);
        assert_eq!(hunks.len(), 1);
        let parts = hunks[0].split();
        let rules: Vec<Vec<&str>> = parts.iter().map(|h| h.rules.iter().map(|r| r.as_str()).collect()).collect();
        assert_eq!(rules, [["residue.latest-news"], ["mt.smart-phone"]]);
        assert_eq!(parts[1].old_start, 4, "the second part starts three context lines before its change");
        assert_eq!(parts[0].split().len(), 1, "a part of one change group does not split further");
    }

    #[test]
    fn split_parts_are_applied_one_by_one() {
        let (only_second, review, shown) = answer(CLOSE, "s\nn\ny\n");
        assert!(shown.contains("(1/1) Apply this hunk [y,n,a,d,q,s,e,?]? Split into 2 hunks."), "{shown}");
        assert!(shown.contains("(2/2) Apply this hunk [y,n,a,d,q,K,g,/,e,?]? "), "{shown}");
        assert_eq!(review.total, 2);
        assert_eq!(only_second, CLOSE.replace("smart phone", "smartphone"));
        let (only_first, _, _) = answer(CLOSE, "s\ny\nn\n");
        assert_eq!(only_first, CLOSE.replace("Latest News\n\n", ""));
        let (both, _, _) = answer(CLOSE, "s\ny\ny\n");
        assert_eq!(both, Cleaner::new().clean_str(CLOSE).0);
    }

    #[test]
    fn a_hunk_overlapping_the_one_applied_before_it_is_left_out() {
        // Split parts share context lines; only an edit can make one reach into its neighbour.
        let (hunks, _) = hunks_of(CLOSE);
        let parts = hunks[0].split();
        // The first part, as if edited to reach down into the second.
        let first = Accepted { old_count: 100, ..Accepted::whole(&parts[0]) };
        let mut queue = Queue { hunks: parts, decisions: vec![Decision::Apply(first), Decision::Undecided] };
        let (mut input, mut out) = (&b""[..], Vec::new());
        let mut term = Terminal { input: &mut input, out: &mut out, color: false };
        decide(&mut queue, 1, true, &mut term).unwrap();
        assert!(matches!(queue.decisions[1], Decision::Skip));
        assert!(String::from_utf8(out).unwrap().contains("overlaps an edited hunk beside it"));
    }
}
