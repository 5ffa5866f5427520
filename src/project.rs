//! `newsclean.toml`: finding it (walking up from each file's directory, or `--config FILE`),
//! parsing it (rule selection, custom rules, protected phrases, per-path overrides, excluded
//! paths) with errors that carry line and column, and turning it into the `Cleaner` for a file.
//! Cleaners are built once per distinct configuration and shared; the rules themselves are `rules`'.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::config::CliRules;
use crate::error::Error;
use crate::pipeline::Cleaner;
use crate::rules::spec::{self, RuleSpec};
use crate::rules::{RuleSet, Selection};

/// The file name looked for.
pub const FILE_NAME: &str = "newsclean.toml";

/// What a `newsclean.toml` holds.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectFile {
    /// Rules to turn on (ids, families or `all`); absent means the rules on by default.
    select: Option<Vec<String>>,
    /// Rules to turn off.
    #[serde(default)]
    ignore: Vec<String>,
    /// Phrases no rule may touch.
    #[serde(default)]
    protect: Vec<String>,
    /// Paths (globs relative to this file's directory) newsclean leaves alone.
    #[serde(default)]
    exclude: Vec<String>,
    /// Custom rules, in the schema of the built-in ones (moved into `Project::checked` once checked).
    #[serde(default)]
    rule: Vec<RuleSpec>,
    /// Settings for some paths only.
    #[serde(default)]
    overrides: Vec<OverrideFile>,
}

/// `[[overrides]]`: settings for the paths matching `paths`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideFile {
    /// Globs relative to the config file's directory.
    paths: Vec<String>,
    /// Rules to turn on for these paths.
    #[serde(default)]
    select: Vec<String>,
    /// Rules to turn off for these paths.
    #[serde(default)]
    ignore: Vec<String>,
    /// More phrases to protect in these paths.
    #[serde(default)]
    protect: Vec<String>,
}

/// A loaded, checked `newsclean.toml`.
#[derive(Debug)]
pub struct Project {
    /// The file.
    pub path: PathBuf,
    dir: PathBuf,
    file: ProjectFile,
    exclude: Option<GlobSet>,
    overrides: Vec<GlobSet>,
    /// The built-in rules and the file's own, checked once here (a user's regexes are compiled to
    /// be checked: thousands of rules must not be checked again for every use of the file).
    checked: RuleSet,
}

fn glob_set(patterns: &[String], path: &Path, text: &str) -> Result<Option<GlobSet>, Error> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|e| config_error(path, text, p, &format!("bad glob `{p}`: {}", e.kind())))?;
        builder.add(glob);
    }
    builder.build().map(Some).map_err(|e| config_error(path, text, &patterns[0], &e.to_string()))
}

/// An error about `needle` (found in `text` for its position) in the config file `path`.
fn config_error(path: &Path, text: &str, needle: &str, message: &str) -> Error {
    let at = text.find(&format!("\"{needle}\"")).or_else(|| text.find(needle)).unwrap_or(0);
    let (line, column) = spec::line_column(text, at);
    Error::Config { path: path.to_owned(), line, column, message: message.to_owned() }
}

impl Project {
    /// Reads and checks the config file at `path`: syntax, schema, rules, selectors and globs.
    pub fn load(path: &Path) -> Result<Project, Error> {
        let text = fs::read_to_string(path).map_err(|source| Error::Read { path: path.to_owned(), source })?;
        Project::parse(path, &text)
    }

    /// Parses and checks config `text` as if read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Project, Error> {
        let shown = path.display().to_string();
        let mut file: ProjectFile =
            spec::parse_located(text, &shown, |f: &mut ProjectFile| &mut f.rule).map_err(|e| {
                let e = spec::toml_error(text, &e);
                Error::Config { path: path.to_owned(), line: e.line, column: e.column, message: e.message }
            })?;
        let set = RuleSet::with_user(std::mem::take(&mut file.rule)).map_err(|e| Error::Config {
            path: path.to_owned(),
            line: e.origin.line,
            column: e.origin.column,
            message: e.message,
        })?;
        let selectors = file.select.iter().flatten().chain(&file.ignore);
        let override_selectors = file.overrides.iter().flat_map(|o| o.select.iter().chain(&o.ignore));
        for selector in selectors.chain(override_selectors) {
            set.check_selector(selector).map_err(|m| config_error(path, text, selector, &m))?;
        }
        let exclude = glob_set(&file.exclude, path, text)?;
        let mut overrides = Vec::new();
        for o in &file.overrides {
            if o.paths.is_empty() {
                return Err(config_error(path, text, "[[overrides]]", "`[[overrides]]` needs `paths`"));
            }
            overrides.push(glob_set(&o.paths, path, text)?.expect("checked non-empty above"));
        }
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let dir = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let project = Project { path: path.to_owned(), dir, file, exclude, overrides, checked: set };
        project.check_examples()?;
        Ok(project)
    }

    /// Runs the examples of the file's own rules, as the tests run the built-in ones: each example
    /// must come out as written, with an edit of its rule; a second run over it must change
    /// nothing (a replacement that re-creates its match would grow the text on every run); and a
    /// keep-example must be left alone by its rule.
    fn check_examples(&self) -> Result<(), Error> {
        if self.checked.user_rules().iter().all(|r| r.examples.is_empty() && r.keep.is_empty()) {
            return Ok(());
        }
        let (set, protect) = self.rules(&[], &CliRules::default())?;
        let cleaner = Cleaner::with_rules(&set, &protect);
        for rule in self.checked.user_rules().iter().filter(|r| set.is_enabled(&r.id)) {
            if let Some(message) = cleaner.example_failures(rule).into_iter().next() {
                return Err(Error::Config {
                    path: self.path.clone(),
                    line: rule.origin.line,
                    column: rule.origin.column,
                    message: format!("rule `{}`: {message}", rule.id),
                });
            }
        }
        Ok(())
    }

    /// `path` relative to this file's directory, for its globs (both made absolute first, so that
    /// `./a.txt`, `../x/a.txt` and `/abs/x/a.txt` all match the same glob).
    fn relative(&self, path: &Path) -> PathBuf {
        let absolute = resolved(path);
        absolute.strip_prefix(&self.dir).map(Path::to_path_buf).unwrap_or(absolute)
    }

    /// Whether this file excludes `path`, and the indexes of the overrides that apply to it (the
    /// path is resolved once, and only if there are globs to match).
    fn applies_to(&self, path: &Path) -> (bool, Vec<usize>) {
        if self.exclude.is_none() && self.overrides.is_empty() {
            return (false, Vec::new());
        }
        let relative = self.relative(path);
        let excluded = self.exclude.as_ref().is_some_and(|g| g.is_match(&relative));
        (excluded, (0..self.overrides.len()).filter(|&i| self.overrides[i].is_match(&relative)).collect())
    }

    /// The rules and protected phrases for a file under the given overrides.
    fn rules(&self, overrides: &[usize], cli: &CliRules) -> Result<(RuleSet, Vec<String>), Error> {
        let mut set = self.checked.clone();
        set.apply(&Selection { select: self.file.select.clone(), ignore: self.file.ignore.clone() })
            .map_err(|m| self.error(&m))?;
        let mut protect = self.file.protect.clone();
        for &i in overrides {
            let o = &self.file.overrides[i];
            set.adjust(&o.select, &o.ignore).map_err(|m| self.error(&m))?;
            protect.extend(o.protect.iter().cloned());
        }
        apply_cli(&mut set, cli)?;
        Ok((set, protect))
    }

    fn error(&self, message: &str) -> Error {
        Error::Config { path: self.path.clone(), line: 1, column: 1, message: message.to_owned() }
    }
}

fn apply_cli(set: &mut RuleSet, cli: &CliRules) -> Result<(), Error> {
    let usage = |message: String| Error::Usage(message);
    if let Some(select) = &cli.select {
        set.apply(&Selection { select: Some(select.clone()), ignore: Vec::new() }).map_err(usage)?;
    }
    set.adjust(&[], &cli.ignore).map_err(usage)
}

/// Checks the command line's selectors against the built-in rules and those of `project`.
pub fn check_cli(cli: &CliRules, project: Option<&Project>) -> Result<(), Error> {
    let mut set = match project {
        Some(p) => p.checked.clone(),
        None => RuleSet::builtin(),
    };
    apply_cli(&mut set, cli)
}

/// `path` made absolute with its directories' symlinks resolved, as far up as they exist: a path
/// that names no file yet (`--stdin-filename drafts/new.txt`) resolves through its nearest existing
/// ancestor.
fn resolved(path: &Path) -> PathBuf {
    let Ok(mut existing) = std::path::absolute(path) else { return path.to_path_buf() };
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    if let Some(name) = existing.file_name() {
        rest.push(name.to_owned());
        existing.pop();
    }
    loop {
        if let Ok(mut found) = fs::canonicalize(&existing) {
            found.extend(rest.iter().rev());
            return found;
        }
        match existing.file_name() {
            Some(name) => rest.push(name.to_owned()),
            None => return path.to_path_buf(),
        }
        existing.pop();
    }
}

/// True if config discovery stops at `dir` (after looking in it): the top of a git work tree, or
/// the user's home directory.
fn is_discovery_boundary(dir: &Path) -> bool {
    dir.join(".git").exists() || std::env::var_os("HOME").is_some_and(|home| Path::new(&home) == dir)
}

/// What a file is cleaned with.
pub enum Plan {
    /// Clean it with this cleaner.
    Clean(Arc<Cleaner>),
    /// The config file excludes it.
    Excluded,
}

/// Finds and loads config files, and builds one cleaner per distinct configuration.
pub struct Projects {
    forced: Option<Arc<Project>>,
    cli: CliRules,
    /// Directory → the config that governs it (None: no config up to the root).
    by_dir: HashMap<PathBuf, Option<Arc<Project>>>,
    /// The same, by the directory as the walk named it.
    by_given_dir: HashMap<PathBuf, Option<Arc<Project>>>,
    cleaners: HashMap<(Option<PathBuf>, Vec<usize>), Arc<Cleaner>>,
    /// Directories governed by a config that failed to load, with its error: asked again (for the
    /// next file there), the answer is the same error, without reading the file again.
    broken: HashMap<PathBuf, String>,
    /// The longest line its cleaners read.
    max_line: usize,
}

impl Projects {
    /// Uses `forced` (`--config FILE`) for every file if given, else discovers per file.
    pub fn new(forced: Option<&Path>, cli: CliRules) -> Result<Projects, Error> {
        let forced = forced.map(Project::load).transpose()?.map(Arc::new);
        check_cli(&cli, forced.as_deref())?;
        Ok(Projects {
            forced,
            cli,
            by_dir: HashMap::new(),
            by_given_dir: HashMap::new(),
            cleaners: HashMap::new(),
            broken: HashMap::new(),
            max_line: crate::block::DEFAULT_MAX_LINE,
        })
    }

    /// Its cleaners refuse inputs holding a line longer than `bytes`.
    pub fn with_max_line(mut self, bytes: usize) -> Self {
        self.max_line = bytes;
        self
    }

    /// The config governing `dir`: the nearest `newsclean.toml` in it or above it.
    pub fn project_for_dir(&mut self, dir: &Path) -> Result<Option<Arc<Project>>, Error> {
        if let Some(forced) = &self.forced {
            return Ok(Some(forced.clone()));
        }
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        // Files of a batch share directories: the path as given is looked up before resolving it.
        if let Some(found) = self.by_given_dir.get(dir) {
            return Ok(found.clone());
        }
        let absolute = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let found = self.project_for_absolute_dir(&absolute, dir)?;
        self.by_given_dir.insert(dir.to_path_buf(), found.clone());
        Ok(found)
    }

    /// `project_for_dir` for a canonical `absolute` directory (named `shown` in messages): looks in
    /// it, then in its parents, each looked at once (their answers are kept), up to the top of the
    /// git work tree it is in or the home directory, whichever comes first: a config in a directory
    /// shared above a project does not silently govern it.
    fn project_for_absolute_dir(&mut self, absolute: &Path, shown: &Path) -> Result<Option<Arc<Project>>, Error> {
        if let Some(found) = self.by_dir.get(absolute) {
            return Ok(found.clone());
        }
        if let Some(message) = self.broken.get(absolute) {
            return Err(Error::Usage(message.clone()));
        }
        let candidate = absolute.join(FILE_NAME);
        let found = if candidate.is_file() {
            let shown = shown.join(FILE_NAME);
            let loaded = Project::load(&candidate)
                .map_err(|e| match e {
                    Error::Config { line, column, message, .. } => {
                        Error::Config { path: shown.clone(), line, column, message }
                    }
                    e => e,
                })
                .and_then(|project| check_cli(&self.cli, Some(&project)).map(|()| project));
            match loaded {
                Ok(project) => Some(Arc::new(Project { path: shown, ..project })),
                Err(e) => {
                    self.broken.insert(absolute.to_path_buf(), e.to_string());
                    return Err(e);
                }
            }
        } else if is_discovery_boundary(absolute) {
            None
        } else {
            match absolute.parent() {
                Some(parent) if parent != absolute => self.project_for_absolute_dir(parent, parent)?,
                _ => None,
            }
        };
        self.by_dir.insert(absolute.to_path_buf(), found.clone());
        Ok(found)
    }

    /// The config file that governs the file at `path`, if any (for `--verbose`).
    pub fn config_path(&mut self, path: &Path) -> Option<PathBuf> {
        let dir = path.parent().unwrap_or(Path::new(""));
        self.project_for_dir(dir).ok().flatten().map(|p| p.path.clone())
    }

    /// How to clean the file at `path`.
    pub fn plan(&mut self, path: &Path) -> Result<Plan, Error> {
        let dir = path.parent().unwrap_or(Path::new(""));
        let project = self.project_for_dir(dir)?;
        let (excluded, overrides) = project.as_ref().map(|p| p.applies_to(path)).unwrap_or_default();
        if excluded {
            return Ok(Plan::Excluded);
        }
        self.cleaner(project, overrides).map(Plan::Clean)
    }

    /// The cleaner for text read from stdin: the rules of the config governing the current
    /// directory (or `--config`) and of the command line. A config's `exclude` and per-path
    /// overrides name files, and stdin is none: they do not apply.
    pub fn plan_stdin(&mut self) -> Result<Arc<Cleaner>, Error> {
        let project = self.project_for_dir(Path::new(""))?;
        self.cleaner(project, Vec::new())
    }

    /// The cleaner for `project`'s rules with `overrides`, built once per distinct pair.
    fn cleaner(&mut self, project: Option<Arc<Project>>, overrides: Vec<usize>) -> Result<Arc<Cleaner>, Error> {
        let key = (project.as_ref().map(|p| p.path.clone()), overrides.clone());
        if let Some(cleaner) = self.cleaners.get(&key) {
            return Ok(cleaner.clone());
        }
        let (set, protect) = match &project {
            Some(p) => p.rules(&overrides, &self.cli)?,
            None => {
                let mut set = RuleSet::builtin();
                apply_cli(&mut set, &self.cli)?;
                (set, Vec::new())
            }
        };
        let cleaner = Arc::new(Cleaner::with_rules(&set, &protect).with_max_line(self.max_line));
        self.cleaners.insert(key, cleaner.clone());
        Ok(cleaner)
    }

    /// The rules in force for a file in `dir`, and the phrases protected there (for `newsclean rules`).
    pub fn rules_for_dir(&mut self, dir: &Path) -> Result<(RuleSet, Vec<String>), Error> {
        match self.project_for_dir(dir)? {
            Some(p) => p.rules(&[], &self.cli),
            None => {
                let mut set = RuleSet::builtin();
                apply_cli(&mut set, &self.cli)?;
                Ok((set, Vec::new()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Project, Error> {
        Project::parse(Path::new("newsclean.toml"), text)
    }

    #[test]
    fn a_full_config_parses() {
        let p = parse(
            "select = [\"all\"]\nignore = [\"mt\"]\nprotect = [\"Credit Suisse\"]\nexclude = [\"drafts/**\"]\n\n\
             [[rule]]\nid = \"site.subscribe\"\ndescription = \"Subscribe lines\"\nwhere = \"own-line\"\n\
             match = { literal = [\"Get the Daily Bugle app\"] }\nexamples = []\n\n\
             [[overrides]]\npaths = [\"forum/**\"]\nignore = [\"residue.forum-chrome\"]\n",
        )
        .unwrap();
        assert!(p.applies_to(Path::new("drafts/a.txt")).0 && !p.applies_to(Path::new("a.txt")).0);
        assert_eq!(p.applies_to(Path::new("forum/x/a.txt")), (false, vec![0]));
        let (set, protect) = p.rules(&[0], &CliRules::default()).unwrap();
        assert!(set.is_enabled("site.subscribe") && !set.is_enabled("mt.smart-phone"));
        assert!(!set.is_enabled("residue.forum-chrome") && set.is_enabled("residue.also-on"));
        assert_eq!(protect, vec!["Credit Suisse".to_owned()]);
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let e = parse("ignore = [\"residue\"]\nselectt = [\"all\"]\n").unwrap_err().to_string();
        assert!(e.starts_with("newsclean.toml:2:1: "), "{e}");
        let e = parse("ignore = [\"residue\",\n  \"mt.smart-phon\"]\n").unwrap_err().to_string();
        assert!(e.starts_with("newsclean.toml:2:3: ") && e.contains("`mt.smart-phone`"), "{e}");
        let e = parse("[[rule]]\nid = \"site.x\"\ndescription = \"x\"\nmatch = { regex = \"(\" }\n").unwrap_err();
        assert!(e.to_string().starts_with("newsclean.toml:2:"), "{e}");
        assert!(e.to_string().contains("bad regex"), "{e}");
    }

    #[test]
    fn the_command_line_overrides_the_file() {
        let p = parse("ignore = [\"mt\"]\n").unwrap();
        let cli = CliRules { select: Some(vec!["mt".into()]), ignore: vec!["mt.smart-phone".into()] };
        let (set, _) = p.rules(&[], &cli).unwrap();
        assert!(set.is_enabled("mt.flats-tablets") && !set.is_enabled("mt.smart-phone"));
        assert!(!set.is_enabled("residue.also-on"));
    }
}
