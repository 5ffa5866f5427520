//! Golden files, byte for byte, through the real binary. `testdata/seeds/NAME.txt` are the scraped
//! articles the project started from: `NAME.out` is the cleaned text and `NAME.diff` the dry-run
//! diff. Other `testdata/<stage>/CASE.in` files are cleaned from stdin and compared with `CASE.out`.
//! `BLESS=1 cargo test --test it golden::` rewrites the expected files for review in `git diff`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::newsclean;

/// Where the golden runs start, so that relative paths in the diffs read `testdata/...`.
const CHECKOUT: &str = env!("CARGO_MANIFEST_DIR");

fn blessing() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| v == "1")
}

/// Compares, or rewrites under BLESS=1; returns a readable unified diff on mismatch.
fn check(expected_path: &Path, actual: &[u8]) -> Option<String> {
    if blessing() {
        fs::write(expected_path, actual).expect("write golden file");
        return None;
    }
    let expected = fs::read(expected_path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    let (e, a) = (String::from_utf8_lossy(&expected), String::from_utf8_lossy(actual));
    let diff = similar::TextDiff::from_lines(&*e, &*a).unified_diff().header("expected", "actual").to_string();
    Some(format!("{} differs:\n{diff}", expected_path.display()))
}

fn files_with_extension(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("testdata directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

#[test]
fn seeds_clean_to_their_golden_text_and_diff() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = files_with_extension(&root.join("testdata/seeds"), "txt");
    assert_eq!(seeds.len(), 5, "the five seed articles are in testdata/seeds");
    let mut failures = Vec::new();
    for seed in &seeds {
        let input = fs::read(seed).unwrap();
        let cleaned = newsclean().current_dir(CHECKOUT).arg("-").write_stdin(input.clone()).output().unwrap();
        assert!(cleaned.status.success(), "{}: {}", seed.display(), String::from_utf8_lossy(&cleaned.stderr));
        failures.extend(check(&seed.with_extension("out"), &cleaned.stdout));
        let relative = seed.strip_prefix(root).unwrap();
        let diff = newsclean().current_dir(CHECKOUT).arg(relative).output().unwrap();
        assert!(diff.status.success());
        failures.extend(check(&seed.with_extension("diff"), &diff.stdout));
        // No seed ends with a newline, and none may gain one.
        assert_eq!(input.ends_with(b"\n"), cleaned.stdout.ends_with(b"\n"), "{}", seed.display());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn seed_000_is_clean_and_comes_out_byte_identical() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/seeds/000_a3f9f16da7c69897.txt");
    let input = fs::read(&seed).unwrap();
    newsclean().current_dir(CHECKOUT).arg("-").write_stdin(input.clone()).assert().success().stdout(input);
    newsclean().current_dir(CHECKOUT).arg("--check").arg(&seed).assert().code(0);
}

#[test]
fn stage_cases_clean_to_their_out_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut failures = Vec::new();
    let mut cases = 0;
    for stage in fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()) {
        for case in files_with_extension(&stage, "in") {
            cases += 1;
            let out =
                newsclean().current_dir(CHECKOUT).arg("-").write_stdin(fs::read(&case).unwrap()).output().unwrap();
            assert!(out.status.success(), "{}: {}", case.display(), String::from_utf8_lossy(&out.stderr));
            failures.extend(check(&case.with_extension("out"), &out.stdout));
        }
    }
    assert!(cases > 0, "no testdata/<stage>/*.in cases found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn html_pages_give_their_out_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/html");
    let pages = files_with_extension(&dir, "html");
    assert!(!pages.is_empty(), "no testdata/html/*.html pages found");
    let mut failures = Vec::new();
    for page in &pages {
        let out = newsclean().args(["--html", "-"]).write_stdin(fs::read(page).unwrap()).output().unwrap();
        assert!(out.status.success(), "{}: {}", page.display(), String::from_utf8_lossy(&out.stderr));
        failures.extend(check(&page.with_extension("out"), &out.stdout));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
