//! The diff a dry run prints is a real patch: applied with `git apply` or `patch -p1` to a copy of
//! the inputs, it gives byte for byte what `--write` gives, and names exactly the files that change.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

use crate::common::{self, NEWSCLEAN, require, require_path};

const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/seeds");

/// How many `common::news_document` seeds go into the generated set.
const GENERATED: u64 = 200;

/// The program that applies the printed diff.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tool {
    /// `git apply --check`, then `git apply`, in the directory the dry run ran in (a git repository).
    GitApply,
    /// `patch -p1` in a third copy of the inputs.
    Patch,
}

/// One scratch area: `home/` (HOME for git), `original/` (untouched inputs), `dry/` (the dry run,
/// then `git apply`), `written/` (`--write`), `patched/` (for `patch`) and `changes.patch`, all under
/// one temporary directory.
struct Scratch {
    root: TempDir,
}

impl Scratch {
    fn new() -> Self {
        let root = tempfile::Builder::new().prefix("newsclean-roundtrip-").tempdir().expect("create a temp dir");
        fs::create_dir(root.path().join("home")).expect("create home");
        Scratch { root }
    }

    fn dir(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    /// Copies `files` (relative path, bytes) into a new directory `name`.
    fn tree(&self, name: &str, files: &[(String, Vec<u8>)]) -> PathBuf {
        let dir = self.dir(name);
        for (path, bytes) in files {
            let path = dir.join(path);
            fs::create_dir_all(path.parent().expect("a file has a parent")).expect("create dirs");
            fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        }
        dir
    }

    /// A git command in `dir` that works on a fresh machine and ignores the caller's configuration.
    fn git(&self, dir: &Path) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir);
        common::isolate_git(&mut cmd, &self.dir("home"));
        cmd
    }

    /// Keeps the scratch area for inspection and says where it is; called just before a failure.
    fn keep(self) -> String {
        format!("(files kept in {})", self.root.keep().display())
    }
}

/// Runs `cmd`, failing the test with its output if it does not succeed.
fn run(cmd: &mut Command, what: &str) -> Output {
    let output = cmd.output().unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    if !output.status.success() {
        panic!(
            "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output
}

/// Every file under `dir` (but not in `.git`), as relative paths with `/` separators, with its bytes.
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).expect("under root");
                let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                out.push((name, fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Where two byte strings first differ, line by line: the 1-based line number and both lines.
fn first_difference(left: &[u8], right: &[u8]) -> String {
    let mut left_lines = left.split_inclusive(|&b| b == b'\n');
    let mut right_lines = right.split_inclusive(|&b| b == b'\n');
    for number in 1.. {
        match (left_lines.next(), right_lines.next()) {
            (None, None) => return "no difference".to_owned(),
            (l, r) if l != r => {
                let show = |line: Option<&[u8]>| match line {
                    Some(line) => format!("{:?}", String::from_utf8_lossy(line)),
                    None => "<end of file>".to_owned(),
                };
                return format!("line {number}:\n  {}\n  {}", show(l), show(r));
            }
            _ => {}
        }
    }
    unreachable!()
}

/// Fails unless the two trees hold the same files with the same bytes.
fn assert_same_trees(actual: &Path, expected: &Path, actual_name: &str, expected_name: &str) -> Result<(), String> {
    let actual_files = files_under(actual);
    let expected_files = files_under(expected);
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|(n, _)| n.clone()).collect::<BTreeSet<_>>();
    let (actual_names, expected_names) = (names(&actual_files), names(&expected_files));
    if actual_names != expected_names {
        return Err(format!(
            "the trees hold different files: only in {actual_name}: {:?}; only in {expected_name}: {:?}",
            actual_names.difference(&expected_names).collect::<Vec<_>>(),
            expected_names.difference(&actual_names).collect::<Vec<_>>()
        ));
    }
    let mismatches: Vec<String> = actual_files
        .iter()
        .zip(&expected_files)
        .filter(|((_, a), (_, e))| a != e)
        .map(|((name, a), (_, e))| {
            format!("{name} differs ({actual_name} first, {expected_name} second) at {}", first_difference(a, e))
        })
        .collect();
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(format!("{} of {} files differ:\n{}", mismatches.len(), actual_files.len(), mismatches.join("\n")))
    }
}

/// The paths named by the `--- a/PATH` / `+++ b/PATH` header pairs of a patch. As in `diff -u` and
/// git, a tab ends the name (what follows it, such as a timestamp, is not part of it); a name in
/// double quotes is read with git's C escapes (`\t`, `\n`, `\"`, `\\`, octal bytes).
fn patched_paths(patch: &[u8]) -> BTreeSet<String> {
    let text = String::from_utf8_lossy(patch);
    let lines: Vec<&str> = text.split('\n').collect();
    let name = |line: &str, marker: &str, prefix: &str| -> Option<String> {
        let rest = line.strip_prefix(marker)?;
        match rest.strip_prefix('"') {
            Some(quoted) => unquote(quoted.strip_suffix('"')?)?.strip_prefix(prefix).map(str::to_owned),
            None => rest.strip_prefix(prefix).map(|r| r.split('\t').next().unwrap_or(r).to_owned()),
        }
    };
    lines
        .windows(2)
        .filter_map(|pair| {
            let old = name(pair[0], "--- ", "a/")?;
            (name(pair[1], "+++ ", "b/")? == old).then_some(old)
        })
        .collect()
}

/// The text of a C-quoted name (without its quotes), as git writes it.
fn unquote(quoted: &str) -> Option<String> {
    let mut bytes = Vec::new();
    let mut chars = quoted.bytes().peekable();
    while let Some(b) = chars.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match chars.next()? {
            b't' => bytes.push(b'\t'),
            b'n' => bytes.push(b'\n'),
            b'"' => bytes.push(b'"'),
            b'\\' => bytes.push(b'\\'),
            d @ b'0'..=b'7' => {
                let (d2, d3) = (chars.next()?, chars.next()?);
                bytes.push((d - b'0') * 64 + (d2 - b'0') * 8 + (d3 - b'0'));
            }
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Puts `files` (relative path, bytes) in fresh directories, runs `newsclean TOP` in one and
/// `newsclean --write TOP` in another, applies the printed diff with `tool`, and checks that the
/// result equals the written tree byte for byte, and that the diff names exactly the files that
/// change. Returns how many files changed.
fn round_trip(files: &[(String, Vec<u8>)], top: &str, tool: Tool) -> usize {
    let scratch = Scratch::new();
    let dry = scratch.tree("dry", files);
    let written = scratch.tree("written", files);
    let original = scratch.tree("original", files);
    if tool == Tool::GitApply {
        for dir in [&dry, &written] {
            run(scratch.git(dir).args(["init", "-q"]), "git init");
        }
    }

    let patch = run(Command::new(NEWSCLEAN).current_dir(&dry).arg(top), "newsclean (dry run)").stdout;
    run(Command::new(NEWSCLEAN).current_dir(&written).args(["--write", top]), "newsclean --write");
    if let Err(e) = assert_same_trees(&dry, &original, "dry", "original") {
        panic!("the dry run changed its inputs: {e} {}", scratch.keep());
    }
    let patch_file = scratch.dir("changes.patch");
    fs::write(&patch_file, &patch).expect("write the patch");

    // The diff names exactly the files --write changes: the unchanged ones are absent from it.
    let (before, after) = (files_under(&original), files_under(&written));
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&after), names(&before), "--write added or removed files {}", scratch.keep());
    let changed: BTreeSet<String> =
        before.into_iter().zip(after).filter(|((_, b), (_, a))| b != a).map(|((name, _), _)| name).collect();
    let named = patched_paths(&patch);
    if named != changed {
        panic!(
            "the diff names other files than --write changes: in the diff only: {:?}; changed only: {:?} {}",
            named.difference(&changed).collect::<Vec<_>>(),
            changed.difference(&named).collect::<Vec<_>>(),
            scratch.keep()
        );
    }

    let stdin = || Stdio::from(File::open(&patch_file).expect("open the patch"));
    let applied = match tool {
        Tool::GitApply => {
            for args in [&["apply", "--check"][..], &["apply"][..]] {
                let output = scratch.git(&dry).args(args).stdin(stdin()).output().expect("run git apply");
                if !output.status.success() {
                    panic!(
                        "`git {}` rejected the diff ({}):\n{}{}",
                        args.join(" "),
                        output.status,
                        String::from_utf8_lossy(&output.stderr),
                        scratch.keep()
                    );
                }
            }
            dry
        }
        Tool::Patch => {
            let patched = scratch.tree("patched", files);
            let output = Command::new("patch")
                // --force: never ask on the terminal (which would hang the test); a skipped file still fails.
                .args(["-p1", "--quiet", "--no-backup-if-mismatch", "--force"])
                .current_dir(&patched)
                .stdin(stdin())
                .output()
                .expect("run patch");
            if !output.status.success() {
                panic!(
                    "`patch -p1` rejected the diff ({}):\n{}{}{}",
                    output.status,
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr),
                    scratch.keep()
                );
            }
            patched
        }
    };
    let name = match tool {
        Tool::GitApply => "git apply",
        Tool::Patch => "patch -p1",
    };
    if let Err(e) = assert_same_trees(&applied, &written, name, "--write") {
        panic!("applying the dry run's diff with {name} does not give what --write gives: {e} {}", scratch.keep());
    }
    changed.len()
}

/// The seed documents, as `seeds/NAME.txt`.
fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(SEEDS)
        .expect("read testdata/seeds")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .map(|path| {
            let name = path.file_name().expect("a file name").to_string_lossy().into_owned();
            (format!("seeds/{name}"), fs::read(&path).expect("read a seed"))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {SEEDS}");
    files
}

/// A document whose path has a space in it, which `--- a/PATH` headers must survive.
const WITH_SPACE: (&str, &str) =
    ("gen/with space.txt", "Title here\n\nLatest News\n\nThe council will build 300 flats for rent near the river.\n");

/// Documents made to change in one of the shapes that trip up diffs; each must change.
const SHAPES: &[(&str, &str)] = &[
    (
        "gen/crlf.txt",
        "Huawei looks for a replacement\r\n\r\nLatest News\r\n\r\nThe company said on Tuesday that it would cut its \
         forecast for the year.\r\n\r\nHuawei will ship 360,000 flats with the Russian operation system to the smart \
         phone unit. .\r\n",
    ),
    (
        "gen/crlf-no-final-newline.txt",
        "Huawei looks for a replacement\r\n\r\nShares of the group rose 3.2% in early trading.\r\n\r\nHuawei will ship \
         360,000 flats with the Russian operation system to the smart phone unit. .",
    ),
    (
        "gen/no-final-newline.txt",
        "Huawei looks for a replacement\n\nShares of the group rose 3.2% in early trading.\n\nHuawei will ship 360,000 \
         flats with the Russian operation system to the smart phone unit. .",
    ),
    (
        "gen/residue-at-end-without-newline.txt",
        "Huawei looks for a replacement\n\nShares of the group rose 3.2% in early trading.\n\nFor more stories on \
         economy & finance visit RT's business section",
    ),
    (
        "gen/non-ascii.txt",
        "Компания заявила во вторник\n\nLatest News\n\nКомпания заявила во вторник, что снизит прогноз на год.\n\n\
         华为表示，美国的贸易限制可能导致其智能手机业务今年缩水。 São Paulo — Zürich.\n\nHuawei will ship 360,000 flats \
         to the smart phone unit. .\n",
    ),
    WITH_SPACE,
];

/// Documents that start with a UTF-8 byte-order mark, which `--write` keeps at the start of the file,
/// as `bom/NAME.txt`; each must change.
const WITH_BOM: &[(&str, &str)] = &[
    (
        "bom/first-line-removed.txt",
        "\u{FEFF}Latest News\n\nThe company said on Tuesday that it would cut its forecast.\n",
    ),
    (
        "bom/first-line-changed.txt",
        "\u{FEFF}Huawei will ship 360,000 flats to the smart phone unit. .\n\nThe mayor said.\n",
    ),
    (
        "bom/change-far-from-the-first-line.txt",
        "\u{FEFF}Title\n\nThe mayor said.\n\nThe council said.\n\nLatest News\n\nThe company said on Tuesday.\n",
    ),
];

/// The `(path, text)` pairs as files.
fn as_files(documents: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    documents.iter().map(|(path, text)| (path.to_string(), text.as_bytes().to_vec())).collect()
}

/// `common::news_document` for seeds 0..GENERATED as `gen/NNN.txt`, and the `SHAPES`.
fn generated() -> Vec<(String, Vec<u8>)> {
    (0..GENERATED)
        .map(|seed| (format!("gen/{seed:03}.txt"), common::news_document(seed).into_bytes()))
        .chain(as_files(SHAPES))
        .collect()
}

#[test]
fn every_awkward_shape_is_changed_by_write() {
    let scratch = Scratch::new();
    let shapes = [as_files(SHAPES), as_files(WITH_BOM)].concat();
    let dir = scratch.tree("written", &shapes);
    run(Command::new(NEWSCLEAN).current_dir(&dir).args(["--write", "gen", "bom"]), "newsclean --write");
    for (path, before) in &shapes {
        let after = fs::read(dir.join(path)).expect("read a written shape");
        assert_ne!(&after, before, "{path} is meant to change but --write leaves it as it is");
    }
}

#[test]
fn git_apply_of_the_dry_run_gives_the_write_result_on_the_seeds() {
    if !require(&["git"]) {
        return;
    }
    let changed = round_trip(&seeds(), "seeds", Tool::GitApply);
    assert!(changed > 0, "no seed changes, so nothing was applied");
}

#[test]
fn patch_of_the_dry_run_gives_the_write_result_on_the_seeds() {
    if !require(&["patch"]) {
        return;
    }
    let changed = round_trip(&seeds(), "seeds", Tool::Patch);
    assert!(changed > 0, "no seed changes, so nothing was applied");
}

#[test]
fn git_apply_of_the_dry_run_gives_the_write_result_on_generated_documents() {
    if !require(&["git"]) {
        return;
    }
    let files = generated();
    let changed = round_trip(&files, "gen", Tool::GitApply);
    assert!(changed > SHAPES.len() && changed < files.len(), "{changed} of {} files changed", files.len());
}

#[test]
fn patch_of_the_dry_run_gives_the_write_result_on_generated_documents() {
    if !require(&["patch"]) {
        return;
    }
    let files = generated();
    let changed = round_trip(&files, "gen", Tool::Patch);
    assert!(changed > SHAPES.len() && changed < files.len(), "{changed} of {} files changed", files.len());
}

#[test]
fn git_apply_of_the_dry_run_gives_the_write_result_for_a_path_with_a_space() {
    if !require(&["git"]) {
        return;
    }
    round_trip(&as_files(&[WITH_SPACE]), "gen", Tool::GitApply);
}

#[test]
fn patch_of_the_dry_run_gives_the_write_result_for_a_path_with_a_space() {
    if !require(&["patch"]) {
        return;
    }
    round_trip(&as_files(&[WITH_SPACE]), "gen", Tool::Patch);
}

#[test]
fn git_apply_of_the_dry_run_keeps_a_byte_order_mark_as_write_does() {
    if !require(&["git"]) {
        return;
    }
    round_trip(&as_files(WITH_BOM), "bom", Tool::GitApply);
}

#[test]
fn patch_of_the_dry_run_keeps_a_byte_order_mark_as_write_does() {
    if !require(&["patch"]) {
        return;
    }
    round_trip(&as_files(WITH_BOM), "bom", Tool::Patch);
}

/// How many articles of the benchmark corpus the round trip takes.
const CORPUS_ARTICLES: usize = 200;

/// The first `CORPUS_ARTICLES` UTF-8 text articles that `../shared/bench/make_corpus.py` generates
/// (legacy-encoded ones are left out: their diffs are UTF-8 and say they cannot be applied), as
/// `corpus/NNNNNN.txt`. `None` (skipped) when `../shared` or python3 is missing outside CI: the
/// project's own tests pass on a fresh clone without them, while CI checkouts have `../shared`
/// beside them and must run this.
fn corpus_articles() -> Option<Vec<(String, Vec<u8>)>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/make_corpus.py");
    if !require_path(&script) || !require(&["python3"]) {
        return None;
    }
    let out = tempfile::tempdir().expect("create a temp dir");
    let corpus = out.path().join("corpus");
    run(Command::new("python3").arg(&script).arg(&corpus).args(["--mb", "1", "--seed", "7"]), "make_corpus.py");
    let manifest = fs::read_to_string(corpus.join("MANIFEST.tsv")).expect("read MANIFEST.tsv");
    let articles: Vec<(String, Vec<u8>)> = manifest
        .lines()
        .skip(1)
        .filter_map(|row| {
            let mut fields = row.split('\t');
            let (name, encoding) = (fields.next()?, fields.next()?);
            (name.ends_with(".txt") && (encoding == "utf-8" || encoding == "utf-8-sig")).then(|| name.to_owned())
        })
        .take(CORPUS_ARTICLES)
        .map(|name| {
            let bytes = fs::read(corpus.join("files").join(&name)).expect("read a corpus article");
            (format!("corpus/{name}"), bytes)
        })
        .collect();
    assert_eq!(articles.len(), CORPUS_ARTICLES, "make_corpus.py made fewer UTF-8 articles than expected");
    Some(articles)
}

#[test]
fn git_apply_of_the_dry_run_gives_the_write_result_on_200_corpus_articles() {
    let Some(files) = corpus_articles() else { return };
    if !require(&["git"]) {
        return;
    }
    let changed = round_trip(&files, "corpus", Tool::GitApply);
    assert!(changed > 0 && changed < files.len(), "{changed} of {} articles changed", files.len());
}

#[test]
fn patch_of_the_dry_run_gives_the_write_result_on_200_corpus_articles() {
    let Some(files) = corpus_articles() else { return };
    if !require(&["patch"]) {
        return;
    }
    let changed = round_trip(&files, "corpus", Tool::Patch);
    assert!(changed > 0 && changed < files.len(), "{changed} of {} articles changed", files.len());
}

/// Issue 13, item 10: names holding a tab, a newline, a quote or a backslash, or UTF-8 letters, are
/// written in the diff header as git writes them (quoted, with C escapes, where needed), so
/// `git apply` and `patch` find the files.
const AWKWARD_NAMES: &[&str] =
    &["gen/tab\there.txt", "gen/new\nline.txt", "gen/quo\"te.txt", "gen/back\\slash.txt", "gen/новости.txt"];

fn awkward_names() -> Vec<(String, Vec<u8>)> {
    AWKWARD_NAMES.iter().map(|name| (name.to_string(), WITH_SPACE.1.as_bytes().to_vec())).collect()
}

#[test]
fn git_apply_of_the_dry_run_gives_the_write_result_for_names_git_quotes() {
    if !require(&["git"]) {
        return;
    }
    assert_eq!(round_trip(&awkward_names(), "gen", Tool::GitApply), AWKWARD_NAMES.len());
}

#[test]
fn patch_of_the_dry_run_gives_the_write_result_for_names_git_quotes() {
    if !require(&["patch"]) {
        return;
    }
    assert_eq!(round_trip(&awkward_names(), "gen", Tool::Patch), AWKWARD_NAMES.len());
}

/// A name that is not UTF-8 is written by its bytes (octal escapes), not with a replacement
/// character that names no file.
#[test]
fn git_apply_finds_a_file_whose_name_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    if !require(&["git"]) {
        return;
    }
    let scratch = Scratch::new();
    let dir = scratch.dir("latin1");
    fs::create_dir_all(&dir).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    fs::write(dir.join(name), WITH_SPACE.1).unwrap();
    run(scratch.git(&dir).args(["init", "-q"]), "git init");
    let patch = run(Command::new(NEWSCLEAN).current_dir(&dir).arg("."), "newsclean (dry run)").stdout;
    assert!(String::from_utf8_lossy(&patch).contains("--- \"a/caf\\351.txt\""), "{}", String::from_utf8_lossy(&patch));
    let patch_file = scratch.dir("latin1.patch");
    fs::write(&patch_file, &patch).unwrap();
    run(scratch.git(&dir).arg("apply").arg(&patch_file), "git apply");
    let applied = fs::read_to_string(dir.join(name)).unwrap();
    assert!(!applied.contains("Latest News") && applied.contains("300 flats"), "{applied}");
}

/// Issue 14: a file named by its absolute path, under the current directory, is named in the patch
/// relative to it, so `git apply` and `patch -p1` run there take the diff; a file outside the
/// current directory (`../x.txt`) gets a note saying where the diff applies.
#[test]
fn absolute_and_parent_paths_give_patches_the_tools_take_or_say_where() {
    if !require(&["git"]) || !require(&["patch"]) {
        return;
    }
    let scratch = Scratch::new();
    let work = scratch.dir("work");
    fs::create_dir_all(&work).unwrap();
    fs::write(work.join("a.txt"), WITH_SPACE.1).unwrap();
    fs::write(scratch.dir("outside.txt"), WITH_SPACE.1).unwrap();
    let absolute = fs::canonicalize(work.join("a.txt")).unwrap();
    let patch = run(Command::new(NEWSCLEAN).current_dir(&work).arg(&absolute), "newsclean (dry run)").stdout;
    assert!(
        String::from_utf8_lossy(&patch).starts_with("--- a/a.txt\n+++ b/a.txt\n"),
        "{}",
        String::from_utf8_lossy(&patch)
    );
    let patch_file = scratch.dir("absolute.patch");
    fs::write(&patch_file, &patch).unwrap();
    run(scratch.git(&work).args(["apply", "--check"]).arg(&patch_file), "git apply --check");
    run(Command::new("patch").current_dir(&work).args(["-p1", "-i"]).arg(&patch_file), "patch -p1");
    let applied = fs::read_to_string(work.join("a.txt")).unwrap();
    assert!(!applied.contains("Latest News") && applied.contains("300 flats"), "{applied}");
    let outside = run(Command::new(NEWSCLEAN).current_dir(&work).arg("../outside.txt"), "newsclean (dry run)").stdout;
    assert!(
        String::from_utf8_lossy(&outside).starts_with("# newsclean: ../outside.txt is outside the current directory"),
        "{}",
        String::from_utf8_lossy(&outside)
    );
}
