//! `--write` as a careful editor: read-only files left alone, `--backup`, owners and permissions
//! kept, symlinks written through only when asked, and a run killed with SIGKILL at any moment
//! leaving every file either exactly as it was or exactly cleaned, which a second run finishes.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use predicates::str::contains;

use crate::common::{self, NEWSCLEAN, newsclean};

const DIRTY: &str = "Title\n\nLatest News\n\nHuawei said its smart phone sales fell.\n";
const CLEAN: &str = "Title\n\nHuawei said its smartphone sales fell.\n";

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn write_refuses_a_read_only_file_names_it_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked.txt");
    let open = dir.path().join("open.txt");
    fs::write(&locked, DIRTY).unwrap();
    fs::write(&open, DIRTY).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o444)).unwrap();
    newsclean()
        .current_dir(dir.path())
        .args(["--write", "locked.txt", "open.txt"])
        .assert()
        .code(2)
        .stderr(contains("newsclean: locked.txt: read-only file, left alone"));
    assert_eq!(fs::read_to_string(&locked).unwrap(), DIRTY);
    assert_eq!(fs::metadata(&locked).unwrap().permissions().mode() & 0o777, 0o444);
    assert_eq!(fs::read_to_string(&open).unwrap(), CLEAN);
    assert_eq!(names_in(dir.path()), ["locked.txt", "open.txt"], "no temporary file left behind");
}

#[test]
fn a_clean_read_only_file_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked.txt");
    fs::write(&locked, CLEAN).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o444)).unwrap();
    newsclean().current_dir(dir.path()).args(["--write", "locked.txt"]).assert().success();
}

#[test]
fn backup_keeps_the_original_beside_the_cleaned_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, DIRTY).unwrap();
    fs::write(dir.path().join("clean.txt"), CLEAN).unwrap();
    newsclean().current_dir(dir.path()).args(["--write", "--backup", ".orig", "."]).assert().success();
    assert_eq!(fs::read_to_string(&path).unwrap(), CLEAN);
    assert_eq!(fs::read_to_string(dir.path().join("a.txt.orig")).unwrap(), DIRTY);
    // Files that do not change get no backup; nothing else is left in the directory.
    assert_eq!(names_in(dir.path()), ["a.txt", "a.txt.orig", "clean.txt"]);
}

#[test]
fn backup_replaces_an_older_backup() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), DIRTY).unwrap();
    fs::write(dir.path().join("a.txt.orig"), "an older backup\n").unwrap();
    newsclean().current_dir(dir.path()).args(["--write", "--backup", ".orig", "a.txt"]).assert().success();
    assert_eq!(fs::read_to_string(dir.path().join("a.txt.orig")).unwrap(), DIRTY);
    assert_eq!(names_in(dir.path()), ["a.txt", "a.txt.orig"]);
}

#[test]
fn backup_needs_write_and_a_plain_suffix() {
    newsclean().args(["--backup", ".orig", "a.txt"]).assert().code(2).stderr(contains("--backup needs --write"));
    newsclean().args(["--write", "--backup", "x/y", "a.txt"]).assert().code(2).stderr(contains("bad --backup suffix"));
}

#[test]
fn write_keeps_permissions_and_the_owner() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, DIRTY).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    // Only root may give a file away (as in CI containers, so the owner test really runs there);
    // elsewhere the owner is already the one running newsclean.
    if is_root() {
        std::os::unix::fs::chown(&path, Some(4321), Some(4322)).unwrap();
    }
    let owner = (fs::metadata(&path).unwrap().uid(), fs::metadata(&path).unwrap().gid());
    newsclean().current_dir(dir.path()).args(["--write", "a.txt"]).assert().success();
    let meta = fs::metadata(&path).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), CLEAN);
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_eq!((meta.uid(), meta.gid()), owner);
}

/// True when the tests run as root: `/proc/self` belongs to the process's effective user.
fn is_root() -> bool {
    fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

#[test]
fn a_symlink_is_skipped_with_a_note_unless_followed() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("real")).unwrap();
    fs::create_dir(dir.path().join("walked")).unwrap();
    let target = dir.path().join("real/a.txt");
    fs::write(&target, DIRTY).unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join("walked/link.txt")).unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join("named.txt")).unwrap();
    for args in [&["--write", "walked"][..], &["--write", "named.txt"][..]] {
        newsclean()
            .current_dir(dir.path())
            .args(args)
            .assert()
            .success()
            .stderr(contains("symlink not followed (use --follow-symlinks)"));
        assert_eq!(fs::read_to_string(&target).unwrap(), DIRTY);
    }
    newsclean().current_dir(dir.path()).args(["--write", "--follow-symlinks", "walked"]).assert().success();
    assert_eq!(fs::read_to_string(&target).unwrap(), CLEAN);
    let link = fs::symlink_metadata(dir.path().join("walked/link.txt")).unwrap();
    assert!(link.file_type().is_symlink(), "the link stays a link; its target was written");
}

/// How many documents the kill test writes.
const KILL_FILES: u64 = 2000;

/// The kill test's documents, from `common::news_document` (every fifth one is clean or changes
/// only a little; all shapes: CRLF, no final newline, non-ASCII), in 20 subdirectories.
fn kill_corpus() -> BTreeMap<PathBuf, Vec<u8>> {
    (0..KILL_FILES)
        .map(|seed| {
            (PathBuf::from(format!("d{:02}/{seed:04}.txt", seed % 20)), common::news_document(seed).into_bytes())
        })
        .collect()
}

fn plant(dir: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) {
    for (name, bytes) in files {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
}

/// Every file under `dir`, relative, with its bytes.
fn read_tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            out.insert(entry.path().strip_prefix(dir).unwrap().to_path_buf(), fs::read(entry.path()).unwrap());
        }
    }
    out
}

/// `.orig`: the backup suffix of the kill test with `--backup`.
const BACKUP: &str = ".orig";

/// Runs `newsclean --write` (with `--backup .orig` if `backup`) over `files` and SIGKILLs it at
/// several moments, each time in a fresh copy, then checks that every file is exactly the original
/// or exactly the cleaned text (with `backup`, a cleaned file has its original beside it), that
/// only hidden temporary files are left over, and that a second run finishes the job.
fn kill_rounds(files: u64, backup: bool) {
    let scratch = tempfile::tempdir().unwrap();
    let originals: BTreeMap<PathBuf, Vec<u8>> = kill_corpus().into_iter().take(files as usize).collect();
    let mut args = vec!["--write", "--quiet"];
    if backup {
        args.extend(["--backup", BACKUP]);
    }
    let reference = scratch.path().join("reference");
    plant(&reference, &originals);
    let started = std::time::Instant::now();
    newsclean().args(["--write", "--quiet"]).arg(&reference).assert().success();
    let whole_run = started.elapsed();
    let expected = read_tree(&reference);
    let changing = originals.iter().filter(|(name, bytes)| expected[*name] != **bytes).count();
    assert!(changing > files as usize / 2, "only {changing} files change: the test would prove little");

    let mut caught_midway = 0;
    // Kill at fixed early moments (while it walks and starts writing) and at fractions of a whole
    // run, so some kills land mid-run however fast this machine is: a batch's files go into place
    // together (after one sync of their data), so a run has few moments between none and all.
    let fractions = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
    let delays = std::iter::once(5)
        .chain(fractions.iter().map(|f| (whole_run.as_millis() as f64 * f) as u64))
        .chain(std::iter::once(20));
    // One round: a fresh copy killed after `delay_ms`, checked, then finished by a second run;
    // returns how many changing files the killed run had put in place.
    let kill_round = |round: usize, delay_ms: u64| -> usize {
        let dir = scratch.path().join(format!("round{round}"));
        plant(&dir, &originals);
        let mut child =
            Command::new(NEWSCLEAN).args(&args).arg(&dir).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL on Unix: no destructor, no cleanup runs
        child.wait().unwrap();

        let after = read_tree(&dir);
        let (mut done, mut leftovers) = (0, 0);
        for (name, bytes) in &after {
            let file_name = name.file_name().unwrap().to_string_lossy();
            if file_name.starts_with(".newsclean-") {
                // A temporary file of the killed write (or a backup's link not yet renamed):
                // hidden, so no walk takes it for an article.
                assert!(file_name.ends_with(".tmp") || file_name.ends_with(".bak"), "leftover {}", name.display());
                leftovers += 1;
                continue;
            }
            if backup && file_name.ends_with(BACKUP) {
                let article = name.with_file_name(file_name.trim_end_matches(BACKUP));
                assert_eq!(Some(bytes), originals.get(&article), "{} is not the original", name.display());
                continue;
            }
            let (Some(old), Some(new)) = (originals.get(name), expected.get(name)) else {
                panic!("round {round} ({delay_ms} ms): unexpected file {}", name.display());
            };
            if bytes == new && old != new {
                done += 1;
                if backup {
                    let kept = format!("{file_name}{BACKUP}");
                    assert!(after.contains_key(&name.with_file_name(kept)), "{} has no backup", name.display());
                }
            } else if bytes != old {
                panic!(
                    "round {round} ({delay_ms} ms): {} is neither the original nor the cleaned text",
                    name.display()
                );
            }
        }
        assert!(originals.keys().all(|name| after.contains_key(name)), "round {round}: a file vanished");
        eprintln!(
            "round {round}: killed after {delay_ms} ms, {done} of {changing} files written, {leftovers} temporary files left"
        );

        newsclean().args(&args).arg(&dir).assert().success();
        let finished: BTreeMap<_, _> = read_tree(&dir)
            .into_iter()
            .filter(|(name, _)| {
                let file_name = name.file_name().unwrap().to_string_lossy();
                let leftover = file_name.starts_with(".newsclean-");
                let kept = backup && file_name.ends_with(BACKUP);
                !leftover && !kept
            })
            .collect();
        assert!(finished == expected, "round {round}: the second run did not finish the job");
        done
    };
    let midway = |done: usize| done > 0 && done < changing;
    // The latest delay that found nothing written and the earliest that found everything.
    let (mut none_yet, mut all_done) = (0u64, u64::MAX);
    let mut rounds = 0;
    for delay_ms in delays {
        let done = kill_round(rounds, delay_ms);
        rounds += 1;
        if midway(done) {
            caught_midway += 1;
        } else if done == 0 {
            none_yet = none_yet.max(delay_ms);
        } else {
            all_done = all_done.min(delay_ms);
        }
    }
    // On a loaded machine the moments between the first batch in place and the last can fall
    // between two fixed delays: look between the two nearest delays until a kill lands there.
    while caught_midway == 0 && none_yet + 1 < all_done && all_done != u64::MAX && rounds < 30 {
        let delay_ms = none_yet + (all_done - none_yet) / 2;
        let done = kill_round(rounds, delay_ms);
        rounds += 1;
        if midway(done) {
            caught_midway += 1;
        } else if done == 0 {
            none_yet = delay_ms;
        } else {
            all_done = delay_ms;
        }
    }
    assert!(caught_midway > 0, "no kill landed in the middle of a write in {rounds} rounds; the delays need adjusting");
}

#[test]
fn sigkill_mid_write_leaves_each_file_old_or_new_and_a_second_run_finishes() {
    kill_rounds(KILL_FILES, false);
}

#[test]
fn sigkill_mid_write_with_backup_never_loses_an_original() {
    kill_rounds(KILL_FILES / 4, true);
}

/// The batch size of `--write` (the CLI's parallel batch, `files::Batch`'s bound in files).
const WRITE_BATCH: usize = 256;

/// Counts the sync system calls of `newsclean ARGS` under `strace -f -c`; `None` (skipped, or a
/// failure under `CI=true`) when strace is missing or may not trace here.
fn count_syncs(dir: &Path, args: &[&str]) -> Option<u64> {
    if !common::require(&["strace"]) {
        return None;
    }
    let log = dir.join("strace.txt");
    let traced = Command::new("strace")
        .args(["-f", "-qq", "-c", "-e", "trace=fsync,fdatasync,syncfs,sync,sync_file_range,msync", "-o"])
        .arg(&log)
        .arg(NEWSCLEAN)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    if !common::skip_unless(traced.success() && log.exists(), &format!("strace could not trace here ({traced})")) {
        return None;
    }
    // `% time  seconds  usecs/call  calls  [errors]  syscall`, one row per system call made.
    let table = fs::read_to_string(&log).unwrap();
    let syscalls = ["fsync", "fdatasync", "syncfs", "sync", "sync_file_range", "msync"];
    let rows = table.lines().map(|l| l.split_whitespace().collect::<Vec<_>>());
    let calls =
        rows.filter(|f| f.len() >= 5 && syscalls.contains(f.last().unwrap())).map(|f| f[3].parse::<u64>().unwrap());
    let calls = calls.sum();
    fs::remove_file(&log).unwrap();
    Some(calls)
}

/// `--write` makes each batch durable with a sync per file system before renaming and one after,
/// not with two syncs per changed file (the file and its directory): 600 changed files in 3
/// directories, 3 batches, take at most 6 syncs, and the result is the same as file by file.
#[test]
fn write_syncs_once_per_batch_not_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let files: usize = 600;
    for k in 0..files {
        let sub = dir.path().join(format!("d{}", k % 3));
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(format!("{k:04}.txt")), DIRTY).unwrap();
    }
    let Some(syncs) = count_syncs(dir.path(), &["--write", "-q", "d0", "d1", "d2"]) else { return };
    for k in 0..files {
        let path = dir.path().join(format!("d{}/{k:04}.txt", k % 3));
        assert_eq!(fs::read_to_string(&path).unwrap(), CLEAN, "{}", path.display());
    }
    let batches = files.div_ceil(WRITE_BATCH) as u64;
    assert!(syncs >= 1 && syncs <= 2 * batches, "{syncs} syncs for {files} changed files in {batches} batches");
    // A file by itself (an interactive write, a file too large for a batch) is still synced.
    let one = dir.path().join("one.txt");
    fs::write(&one, DIRTY).unwrap();
    let Some(syncs) = count_syncs(dir.path(), &["--write", "-q", "one.txt"]) else { return };
    assert_eq!(fs::read_to_string(&one).unwrap(), CLEAN);
    assert_eq!(syncs, 2, "the file's data before the rename, its directory after");
}

/// Issue 13, item 2: two `--write --backup .orig` runs at once lost originals (the second run's
/// backup was taken of the first run's cleaned file). Each file is now replaced by one run only;
/// the other finds it changed and leaves it alone, so every backup holds the original.
#[test]
fn issue_13_two_backup_runs_at_once_never_lose_an_original() {
    let dir = tempfile::tempdir().unwrap();
    let corpus: BTreeMap<PathBuf, Vec<u8>> = (0..300u64)
        .map(|seed| (PathBuf::from(format!("{seed:04}.txt")), common::news_document(seed).into_bytes()))
        .collect();
    for (name, bytes) in &corpus {
        fs::write(dir.path().join(name), bytes).unwrap();
    }
    let run = || {
        Command::new(NEWSCLEAN)
            .args(["--write", "--backup", ".orig", "-q", "."])
            .current_dir(dir.path())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (run(), run());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for out in [&a, &b] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.lines().all(|l| l.contains("changed on disk during the run")), "{stderr}");
    }
    let mut backups = 0;
    for (name, original) in &corpus {
        match fs::read(dir.path().join(format!("{}.orig", name.display()))) {
            Ok(backup) => {
                backups += 1;
                assert_eq!(&backup, original, "{}: the backup holds the original", name.display());
            }
            // Not rewritten (nothing to clean): still the original.
            Err(_) => assert_eq!(&fs::read(dir.path().join(name)).unwrap(), original, "{}", name.display()),
        }
    }
    assert!(backups > 20, "most files were cleaned once: {backups}");
    assert!(names_in(dir.path()).iter().all(|n| !n.starts_with(".newsclean-")), "no temporary files left");
}

/// Issue 13, item 3: a file swapped for a symlink after the walk found it (here, while the run is
/// busy with a large file walked before it) is never read or written through the link: the file
/// the link leads to, outside the tree, is untouched, and the file is reported.
#[test]
fn issue_13_a_file_swapped_for_a_symlink_after_the_walk_is_not_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir(&tree).unwrap();
    let outside = dir.path().join("outside.txt");
    let dirty = "Title\n\nLatest News\n\nHuawei said its smart phone sales fell.\n";
    fs::write(&outside, dirty).unwrap();
    // A first batch holding a file large enough to keep the run busy, and the victim in the
    // second batch, read only after it.
    let articles = (0..40).map(common::news_document).collect::<Vec<_>>().join("\n\n");
    let large = articles.repeat((24 << 20) / articles.len() + 1);
    assert!(large.len() > 8 << 20, "cleaned on its own, after the batch's small files");
    fs::write(tree.join("0000_large.txt"), &large).unwrap();
    for k in 1..300 {
        fs::write(tree.join(format!("{k:04}.txt")), "Clean text.\n").unwrap();
    }
    let victim = tree.join("9999_victim.txt");
    fs::write(&victim, dirty).unwrap();
    let run =
        Command::new(NEWSCLEAN).args(["--write", "-q", "."]).current_dir(&tree).stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    fs::remove_file(&victim).unwrap();
    std::os::unix::fs::symlink(&outside, &victim).unwrap();
    let out = run.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(fs::read_to_string(&outside).unwrap(), dirty, "nothing was written through the link: {stderr}");
    assert!(fs::symlink_metadata(&victim).unwrap().file_type().is_symlink(), "the link is still a link");
    assert!(stderr.contains("9999_victim.txt") && stderr.contains("changed on disk"), "reported: {stderr}");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(fs::read_to_string(tree.join("0000_large.txt")).unwrap().len() < large.len(), "the run went on");
}

/// Issue 13, item 11: `--write` keeps a file's extended attributes (`wget --xattr` stores the page's
/// address in `user.xdg.origin.url`).
#[test]
fn write_keeps_extended_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, "Title\n\nLatest News\n\nText.\n").unwrap();
    let url = b"https://example.com/news/a";
    let set = xattr::set(&path, "user.xdg.origin.url", url);
    if !common::skip_unless(set.is_ok(), &format!("extended attributes are not supported here: {set:?}")) {
        return;
    }
    newsclean().arg("--write").arg(&path).assert().success();
    assert_eq!(fs::read_to_string(&path).unwrap(), "Title\n\nText.\n", "the file was rewritten");
    assert_eq!(xattr::get(&path, "user.xdg.origin.url").unwrap().as_deref(), Some(&url[..]));
}

/// Unmounts a file system when dropped, whatever the test's outcome.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Issue 13: the disk-full case. On a 256 KiB tmpfs (root may mount one), a file whose cleaned copy
/// does not fit is an error naming it, left byte for byte as it was, with no temporary file left
/// behind; the batch goes on and cleans a file that fits.
#[test]
fn a_full_disk_leaves_the_file_as_it_was_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small-disk");
    fs::create_dir(&mnt).unwrap();
    let mounted = is_root()
        && Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
            .arg(&mnt)
            .status()
            .is_ok_and(|s| s.success());
    if !common::skip_unless(mounted, "mounting a small tmpfs needs root and a machine that allows it") {
        return;
    }
    let _unmount = Mounted(mnt.clone());
    let big = format!(
        "Title\n\nLatest News\n\n{}",
        "The company said on Tuesday that it would cut its forecast.\n".repeat(3000)
    );
    assert!(big.len() > 150 << 10 && big.len() < 256 << 10, "fits once, not twice: {}", big.len());
    fs::write(mnt.join("a-big.txt"), &big).unwrap();
    fs::write(mnt.join("b-small.txt"), "Title\n\nLatest News\n\nText.\n").unwrap();
    let out = Command::new(NEWSCLEAN).args(["--write", "."]).current_dir(&mnt).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("a-big.txt") && stderr.contains("No space left"), "{stderr}");
    assert_eq!(fs::read_to_string(mnt.join("a-big.txt")).unwrap(), big, "left byte for byte as it was");
    assert_eq!(fs::read_to_string(mnt.join("b-small.txt")).unwrap(), "Title\n\nText.\n", "the batch went on");
    assert_eq!(names_in(&mnt), ["a-big.txt", "b-small.txt"], "no temporary file left behind");
}
