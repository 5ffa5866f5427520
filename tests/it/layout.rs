//! The house layout (issue 9, STYLE.md): modules import each other in one direction only, no module
//! below the command line imports `cli`, and `config` (the settings of a run) imports none of the
//! modules it configures. Read from the source, so that a new import circle fails a test.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Top-level module → the top-level modules its code (tests left out) refers to.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let module_of = |path: &Path| {
        let relative = path.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str().to_str().unwrap();
        first.trim_end_matches(".rs").to_owned()
    };
    let modules: BTreeSet<String> = files.iter().map(|p| module_of(p)).collect();
    let path_pattern = regex::Regex::new(r"crate::([a-z_]+)").unwrap();
    let group_pattern = regex::Regex::new(r"use crate::\{([^;]*)\};").unwrap();
    let name_pattern = regex::Regex::new(r"(?:^|[\s,{])([a-z_]+)(?:::|\s*,|\s*\}|\s*$)").unwrap();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in &files {
        let module = module_of(path);
        if module == "lib" || module == "main" {
            continue;
        }
        let text = fs::read_to_string(path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let mut found: BTreeSet<String> = path_pattern.captures_iter(code).map(|c| c[1].to_owned()).collect();
        for group in group_pattern.captures_iter(code) {
            found.extend(name_pattern.captures_iter(&group[1]).map(|c| c[1].to_owned()));
        }
        found.retain(|m| modules.contains(m) && *m != module);
        graph.entry(module).or_default().extend(found);
    }
    graph
}

/// A path from `to` back to itself through `graph`, if there is one.
fn circle_through(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![start.to_owned()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().unwrap();
        for next in graph.get(last).into_iter().flatten() {
            if next == start {
                let mut circle = path.clone();
                circle.push(next.clone());
                return Some(circle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn no_module_imports_another_that_imports_it_back() {
    let graph = imports();
    assert!(graph.len() > 10, "the source was read: {graph:?}");
    for module in graph.keys() {
        if let Some(circle) = circle_through(&graph, module) {
            panic!("import circle: {}", circle.join(" → "));
        }
    }
}

#[test]
fn only_the_binary_imports_the_command_line() {
    for (module, imported) in imports() {
        assert!(!imported.contains("cli") || module == "cli", "`{module}` imports `cli`");
    }
}

#[test]
fn config_imports_none_of_the_modules_it_configures() {
    let graph = imports();
    assert_eq!(graph.get("config"), Some(&BTreeSet::new()), "config imports {:?}", graph.get("config"));
}

#[test]
fn the_checker_sees_a_circle_when_there_is_one() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned()])),
        ("d".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]
    .into();
    assert_eq!(circle_through(&graph, "a").unwrap(), ["a", "b", "c", "a"]);
    assert!(circle_through(&graph, "d").is_none());
}
