//! One huge line (a corpus dump that stores an article, or a whole site, as one line): it is
//! cleaned exactly as text of ordinary size is, and in bounded memory (the issue 15 row: a few
//! times the line, never fourteen).

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::{NEWSCLEAN, newsclean};

/// A sentence group with residue inside: a no-break space, a zero-width space, mojibake, a
/// doubled full stop and machine-translation slips; every change stays inside it.
const DIRTY: &str = "Huawei\u{A0}said on Monday that its new flats run HarmonyOS, the operation system it built for \
                     the smart phone market. The company\u{200B} expects the basic application. . to ship in June. \
                     Huaweiâ€™s rivals said little.";
const CLEAN: &str = "The minister spoke about the budget, the new rail line and the schools of the region.";

/// The line's size: large in an optimized build, smaller in a debug one (the test must stay quick)
/// but still past every size at which the pipeline changes gear (64 KiB edits, 1 MiB blocks).
fn line_bytes() -> usize {
    if cfg!(debug_assertions) { 3 << 20 } else { 20 << 20 }
}

/// `unit` repeated, separated by spaces, to at least `bytes`.
fn repeat_to(unit: &str, bytes: usize) -> String {
    let n = bytes / (unit.len() + 1) + 1;
    vec![unit; n].join(" ")
}

fn clean_stdin(input: &str) -> String {
    let out = newsclean().args(["--max-line-mib", "64", "-"]).write_stdin(input).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_huge_line_is_cleaned_as_its_parts_are() {
    let unit = format!("{DIRTY} {CLEAN} {CLEAN}");
    let cleaned_unit = clean_stdin(&format!("{unit}\n"));
    assert!(cleaned_unit.contains("tablets") && cleaned_unit.contains("Huawei’s"), "{cleaned_unit}");
    let huge = repeat_to(&unit, line_bytes()) + "\n";
    let expected = vec![cleaned_unit.trim_end(); huge.matches(DIRTY).count()].join(" ") + "\n";
    let cleaned = clean_stdin(&huge);
    assert!(
        cleaned == expected,
        "the huge line differs from its cleaned parts (lengths {} and {})",
        cleaned.len(),
        expected.len()
    );
}

/// Runs newsclean on `input` (stdin to /dev/null) and returns its peak RSS in bytes (`wait4`).
#[allow(clippy::zombie_processes, reason = "wait4 reaps the child: std's wait would find it gone")]
fn peak_rss(args: &[&str], input: &[u8]) -> usize {
    let mut child = Command::new(NEWSCLEAN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own unwaited child; status and usage are valid for writes.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    writer.join().unwrap().unwrap();
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "newsclean failed: {status}");
    usage.ru_maxrss as usize * 1024
}

/// Issue 15: peak memory on one huge line stays a few times the line (it was 11.65 times on a 50 MiB
/// line; the goal is under 3, asserted with room to spare: under 4, above a small input's RSS).
#[test]
fn a_huge_line_is_cleaned_in_a_few_times_its_size() {
    // News-like density: one sentence group with residue in every forty.
    let unit = format!("{DIRTY} {}", vec![CLEAN; 40].join(" "));
    let huge = repeat_to(&unit, line_bytes()) + "\n";
    let args = ["--max-line-mib", "64", "-"];
    let base = peak_rss(&args, format!("{unit}\n").as_bytes());
    let peak = peak_rss(&args, huge.as_bytes());
    let ratio = peak.saturating_sub(base) as f64 / huge.len() as f64;
    eprintln!("one {}-byte line: peak RSS {peak} bytes, {base} on a small input: {ratio:.2} times", huge.len());
    assert!(
        ratio < 4.0,
        "peak RSS {peak} bytes, {base} on a small input: {ratio:.2} times the {}-byte line",
        huge.len()
    );
}
