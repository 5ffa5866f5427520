//! The commands other than cleaning: `rules`, `explain`, `hook install`, `learn` (the mining is the
//! library's `learn` module; here are its options, output and summary table), and `completions`
//! and `man`, which print what clap_complete and clap_mangen make of the arguments.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use newsclean::config::CliRules;
use newsclean::git;
use newsclean::output::json;
use newsclean::project::Projects;
use newsclean::rules::{RuleSet, RuleSpec};

use clap::CommandFactory;

use super::Exit;
use super::args::{Args, Command, Format, HookCommand, LearnArgs};
use super::tally::output_failed;

pub(super) fn run_hook_command(command: HookCommand) -> Exit {
    match command {
        HookCommand::Install { force } => {
            let program = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("newsclean"));
            match git::install_hook(&program, force) {
                Ok(path) => {
                    eprintln!("newsclean: installed {}: commits now check the staged text", path.display());
                    Exit::Success
                }
                Err(e) => {
                    eprintln!("newsclean: {e}");
                    Exit::Error
                }
            }
        }
    }
}

/// Runs `newsclean rules` or `newsclean explain`, under the config of the current directory (or
/// `--config`) and `--select`/`--ignore`.
pub(super) fn run_command(command: Command, args: Args) -> Exit {
    let json = match (&command, args.format) {
        (_, Format::Text) => false,
        (Command::Rules { test: false }, Format::Json) => true,
        _ => {
            eprintln!("newsclean: of the commands, only `rules` (without --test) takes --format json");
            return Exit::Error;
        }
    };
    match command {
        Command::Hook(hook) => return run_hook_command(hook),
        Command::Learn(learn) => return run_learn(learn, args),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Args::command(), "newsclean", &mut script);
            return print(&script);
        }
        Command::Man => {
            let mut page = Vec::new();
            if let Err(e) = clap_mangen::Man::new(Args::command()).render(&mut page) {
                return output_failed(&e);
            }
            return print(&page);
        }
        _ => {}
    }
    let cli = CliRules { select: args.select, ignore: args.ignore };
    let set = Projects::new(args.config.as_deref(), cli).and_then(|mut p| p.rules_for_dir(Path::new(".")));
    let (set, protect) = match set {
        Ok(set) => set,
        Err(e) => {
            eprintln!("newsclean: {e}");
            return Exit::Error;
        }
    };
    let text = match command {
        Command::Hook(_) | Command::Completions { .. } | Command::Man | Command::Learn(_) => {
            unreachable!("handled above")
        }
        Command::Rules { test: false } if json => rule_records(&set),
        Command::Rules { test: false } => list_rules(&set),
        Command::Rules { test: true } => return test_rules(&set, &protect),
        Command::Explain { rule } => match set.get(&rule) {
            Some(spec) => explain(spec, set.is_enabled(&rule)),
            // A family: its rules, as `newsclean rules` lists them.
            None if set.all().any(|r| r.family() == rule) => list_family(&set, Some(&rule)),
            None => {
                let near = set.nearest(&rule);
                let hint = if near.is_empty() { String::new() } else { format!("; did you mean {}?", near.join(", ")) };
                eprintln!("newsclean: unknown rule `{rule}`{hint} (`newsclean rules` lists them)");
                return Exit::Error;
            }
        },
    };
    print(text.as_bytes())
}

/// `newsclean learn`: mines the corpus, prints the summary table on stderr and the rules on stdout
/// (or `-o FILE`); with `--check`, exits 1 when some group has residue the current config leaves.
fn run_learn(learn: LearnArgs, args: Args) -> Exit {
    use newsclean::config::{Settings, Walk};
    use newsclean::files::{self, Selection};
    use newsclean::learn::{self, GroupBy, Options, score::Thresholds};

    let fail = |message: String| {
        eprintln!("newsclean: {message}");
        Exit::Error
    };
    let group_by = match GroupBy::parse(&learn.group_by) {
        Ok(group_by) => group_by,
        Err(e) => return fail(e),
    };
    let percent = |name: &str, v: f64| {
        if (0.0..=100.0).contains(&v) {
            Ok(v / 100.0)
        } else {
            Err(format!("--{name} is a percentage (0 to 100), not {v}"))
        }
    };
    let (min_share, max_removed) =
        match (percent("min-share", learn.min_share), percent("max-removed", learn.max_removed)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => return fail(e),
        };
    let field = match (&group_by, learn.field.as_deref()) {
        (GroupBy::JsonField(_), Some(f)) if f.split('.').any(str::is_empty) => {
            return fail("--field: an empty name (a dotted path is `a.b`)".to_owned());
        }
        (GroupBy::JsonField(_), f) => f.unwrap_or("text").split('.').map(str::to_owned).collect(),
        (_, Some(_)) => return fail("--field names a JSON field: it goes with --group-by json-field NAME".to_owned()),
        (_, None) => Vec::new(),
    };
    let stdin_asked = learn.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin_asked && group_by.json_field().is_none() {
        return fail("learn reads stdin (`-`) as JSON lines only: add --group-by json-field NAME".to_owned());
    }
    let paths: Vec<PathBuf> = learn.paths.into_iter().filter(|p| p.as_os_str() != "-").collect();
    let mut include = learn.include;
    if group_by.json_field().is_some() && include.is_empty() {
        include = ["*.jsonl", "*.ndjson", "*.json"].map(String::from).to_vec();
    }
    let walk = Walk { include, exclude: learn.exclude, threads: learn.threads, ..Walk::default() };
    let selection = match Selection::new(&walk) {
        Ok(selection) => selection,
        Err(e) => return fail(e.to_string()),
    };
    let _ = rayon::ThreadPoolBuilder::new().num_threads(learn.threads).build_global();
    let max_line = newsclean::block::DEFAULT_MAX_LINE;
    let cli = CliRules { select: args.select, ignore: args.ignore };
    let mut projects = match Projects::new(args.config.as_deref(), cli) {
        Ok(projects) => projects.with_max_line(max_line),
        Err(e) => return fail(e.to_string()),
    };
    let settings = Settings { max_line, ..Settings::default() };
    let base_dir = match learn.output.as_deref().and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let options = Options {
        group_by,
        field,
        thresholds: Thresholds { min_docs: learn.min_docs.max(2), min_share },
        max_removed,
        max_keys: learn.max_keys,
        base_dir,
    };
    let found = files::walk_lazily(&paths, &selection);
    let stdin = stdin_asked.then(|| Box::new(io::BufReader::with_capacity(1 << 16, io::stdin().lock())) as _);
    // Failures are said as they are met; notes (binary files, feeds) are counted only.
    let mut report = |problem: learn::Problem| {
        if let learn::Problem::Failed(name, message) = problem {
            eprintln!("newsclean: {name}: {message}");
        }
    };
    let learned = match learn::learn(found, stdin, &mut projects, &settings, &options, &mut report) {
        Ok(learned) => learned,
        Err(e) => return fail(e.to_string()),
    };
    if !args.quiet {
        eprint!("{}", learn_table(&learned));
    }
    let residue = !learned.rules.is_empty();
    if !learn.check || learn.output.is_some() {
        let text = learned.to_toml();
        let written = match &learn.output {
            Some(path) => std::fs::write(path, text).map_err(|e| format!("{}: cannot write: {e}", path.display())),
            None => match print(text.as_bytes()) {
                Exit::Success => Ok(()),
                other => return other,
            },
        };
        if let Err(e) = written {
            return fail(e);
        }
    }
    if learn.check && residue {
        eprintln!(
            "newsclean: learn --check: {} rules' worth of residue the current config does not remove",
            learned.rules.len()
        );
    }
    match (learned.failures == 0, learn.check && residue) {
        (false, _) => Exit::Error,
        (true, true) => Exit::WouldChange,
        (true, false) => Exit::Success,
    }
}

/// The summary of `newsclean learn`: per group, its documents, the rules found, the share of its
/// text they would remove and the documents left alone for losing more than the cap.
fn learn_table(learned: &newsclean::learn::Learned) -> String {
    let width = learned.groups.iter().map(|g| g.name.chars().count()).max().unwrap_or(5).clamp(5, 40);
    let mut out =
        format!("{:<width$}  {:>9}  {:>5}  {:>7}  {:>8}\n", "group", "documents", "rules", "removes", "over cap");
    let (mut docs, mut rules, mut bytes, mut removed, mut over) = (0, 0, 0, 0, 0);
    for (g, group) in learned.groups.iter().enumerate() {
        let share = group.removed_percent();
        out.push_str(&format!(
            "{:<width$}  {:>9}  {:>5}  {:>6.1}%  {:>8}\n",
            group.name,
            group.docs,
            learned.rules_of(g),
            share,
            group.over_cap.len()
        ));
        docs += group.docs;
        rules += learned.rules_of(g);
        bytes += group.bytes;
        removed += group.removed;
        over += group.over_cap.len();
    }
    let share = if bytes == 0 { 0.0 } else { 100.0 * removed as f64 / bytes as f64 };
    out.push_str(&format!("{:<width$}  {docs:>9}  {rules:>5}  {share:>6.1}%  {over:>8}\n", "total"));
    if learned.passed_over > 0 {
        out.push_str(&format!(
            "{} documents not read: their groups came after the first {} (--max-keys / 1024); raise --max-keys or group more coarsely\n",
            learned.passed_over,
            learned.groups.len()
        ));
    }
    if learned.failures > 0 {
        out.push_str(&format!("{} inputs or lines could not be read (said above)\n", learned.failures));
    }
    for group in &learned.groups {
        for (path, share, file) in &group.over_cap {
            // An override takes whole files: a record over the cap is only reported.
            let what = if !file {
                "reported (a record: [[overrides]] take whole files)"
            } else {
                "left alone, in [[overrides]]"
            };
            out.push_str(&format!(
                "{path}: would lose {:.0}% of its text (more than {:.0}%): {what}\n",
                100.0 * share,
                100.0 * learned.max_removed
            ));
        }
        if group.forgotten_below > 0 {
            out.push_str(&format!(
                "{}: keys seen in {} documents or fewer were forgotten to stay within --max-keys\n",
                group.name, group.forgotten_below
            ));
        }
        for (id, why) in &group.dropped {
            out.push_str(&format!("{}: `{id}` dropped, its example did not hold: {why}\n", group.name));
        }
    }
    out
}

/// Writes a command's whole output to stdout.
fn print(bytes: &[u8]) -> Exit {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Exit::Success,
        Err(e) => output_failed(&e),
    }
}

/// `newsclean rules --test`: every rule that is on, run on its examples and keep-texts under the
/// current configuration; one line per failure, a total, exit 1 if any failed.
fn test_rules(set: &RuleSet, protect: &[String]) -> Exit {
    let cleaner = newsclean::pipeline::Cleaner::with_rules(set, protect);
    let (mut rules, mut examples, mut failed) = (0, 0, 0);
    let mut out = io::stdout().lock();
    for rule in set.all().filter(|r| set.is_enabled(&r.id)) {
        rules += 1;
        examples += rule.examples.len() + rule.keep.len();
        for failure in cleaner.example_failures(rule) {
            failed += 1;
            let origin = match rule.origin.file.as_str() {
                "built-in" => "built-in".to_owned(),
                file => format!("{file}:{}:{}", rule.origin.line, rule.origin.column),
            };
            if let Err(e) = writeln!(out, "FAIL {} ({origin}): {failure}", rule.id) {
                return output_failed(&e);
            }
        }
    }
    let verdict = if failed == 0 { "all hold".to_owned() } else { format!("{failed} failed") };
    if let Err(e) = writeln!(out, "{rules} rules, {examples} examples and keep-texts: {verdict}") {
        return output_failed(&e);
    }
    if failed == 0 { Exit::Success } else { Exit::WouldChange }
}

/// The `newsclean rules` table.
fn list_rules(set: &RuleSet) -> String {
    list_family(set, None)
}

/// The `newsclean rules` table, of one `family`'s rules only if given (`newsclean explain residue`).
fn list_family(set: &RuleSet, family: Option<&str>) -> String {
    let rules = || set.all().filter(|r| family.is_none_or(|f| r.family() == f));
    let id_width = rules().map(|r| r.id.len()).max().unwrap_or(2).max(2);
    let family_width = rules().map(|r| r.family().len()).max().unwrap_or(6).max(6);
    let mut out = format!("{:<id_width$}  {:<family_width$}  {:<3}  DESCRIPTION\n", "ID", "FAMILY", "ON");
    for rule in rules() {
        let on = if set.is_enabled(&rule.id) { "on" } else { "off" };
        out.push_str(&format!(
            "{:<id_width$}  {:<family_width$}  {on:<3}  {}\n",
            rule.id,
            rule.family(),
            rule.description
        ));
    }
    let on = rules().filter(|r| set.is_enabled(&r.id)).count();
    out.push_str(&format!(
        "\n{} rules, {on} on. `newsclean explain ID` shows one with its examples.\n",
        rules().count()
    ));
    out
}

/// `newsclean rules --format json`: one `rule` record per rule, in the table's order.
fn rule_records(set: &RuleSet) -> String {
    #[derive(serde::Serialize)]
    struct Rule<'a> {
        r#type: &'static str,
        version: u32,
        id: &'a str,
        family: &'a str,
        on: bool,
        description: &'a str,
        /// `built-in`, or the config file with the line and column of the rule's id.
        origin: String,
    }
    set.all()
        .map(|rule| {
            json::record(&Rule {
                r#type: "rule",
                version: json::VERSION,
                id: &rule.id,
                family: rule.family(),
                on: set.is_enabled(&rule.id),
                description: &rule.description,
                origin: match rule.origin.file.as_str() {
                    "built-in" => "built-in".to_owned(),
                    file => format!("{file}:{}:{}", rule.origin.line, rule.origin.column),
                },
            })
        })
        .collect()
}

/// What `where = ...` means, for people.
fn describe_place(place: newsclean::rules::Place) -> &'static str {
    use newsclean::rules::Place;
    match place {
        Place::Anywhere => "anywhere in a line",
        Place::InsideLine => "inside a line that has other text too",
        Place::OwnLine => "a line of its own (the whole line is removed)",
        Place::LineStart => "the start of a line (the whole line is removed)",
        Place::Head => "a line of its own among the document's first 5 lines",
        Place::Tail => "a line of its own at the document's end",
    }
}

/// The `newsclean explain RULE` page.
fn explain(rule: &RuleSpec, on: bool) -> String {
    use newsclean::rules::spec::{Case, Follow, Replace};
    let list = |items: &[String]| items.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ");
    let origin = if rule.origin.file == "built-in" {
        "built-in".to_owned()
    } else {
        format!("{}:{}", rule.origin.file, rule.origin.line)
    };
    let mut out = format!("{}  ({origin}, {})\n\n  {}\n\n", rule.id, if on { "on" } else { "off" }, rule.description);
    out.push_str(&format!("  where:    {} ({})\n", rule.place.as_str(), describe_place(rule.place)));
    let m = &rule.matcher;
    let matches = if let Some(name) = &m.builtin {
        match newsclean::rules::matcher_named(name) {
            Some(matcher) => format!("code written in Rust, the matcher `{name}` in {}", matcher.source),
            None => format!("the built-in matcher `{name}` (written in Rust)"),
        }
    } else if let Some(regex) = &m.regex {
        let triggers = m.trigger.as_deref().map(|t| format!(", on lines holding {}", list(t))).unwrap_or_default();
        format!("the regex `{regex}`{triggers}")
    } else if let Some(words) = &m.words {
        format!("the whole words {}", list(words))
    } else {
        format!("the text {}", list(rule.strings()))
    };
    out.push_str(&format!("  matches:  {matches}"));
    if rule.case == Case::Ignore {
        out.push_str(", in any case");
    }
    if let Some(follow) = rule.followed_by {
        out.push_str(match follow {
            Follow::Headline => ", followed by a headline",
            Follow::Text => ", followed by some text",
            Follow::HeadlineList => ", with the list of headlines after it",
        });
    }
    out.push('\n');
    let action = match &rule.replace {
        None if rule.place.is_line() => "removes the line".to_owned(),
        None if m.builtin.is_some() => "fixes the text in place".to_owned(),
        None => "removes the match".to_owned(),
        Some(Replace::One(s)) => format!("replaces it with `{s}`, keeping its case"),
        Some(Replace::PerWord(map)) => {
            let pairs: Vec<String> = map.iter().map(|(k, v)| format!("`{k}` → `{v}`")).collect();
            format!("replaces {}, keeping case", pairs.join(", "))
        }
    };
    out.push_str(&format!("  action:   {action}\n"));
    if let Some(singular) = &rule.after_singular {
        let pairs: Vec<String> = singular.iter().map(|(k, v)| format!("`{k}` → `{v}`")).collect();
        let pairs = if pairs.is_empty() { String::new() } else { format!("replaces {}; ", pairs.join(", ")) };
        out.push_str(&format!(
            "            after a, an, one, this, that, each, every or another: {pairs}leaves any other match alone\n"
        ));
    }
    let c = &rule.context;
    if c.is_empty() {
        out.push_str("  context:  none (fires wherever it matches, but never inside a quoted mention)\n");
    } else {
        if !c.near.is_empty() {
            out.push_str(&format!("  context:  only where the paragraph or a neighbour mentions {}\n", list(&c.near)));
        }
        if !c.not_in_paragraph.is_empty() {
            out.push_str(&format!("            never where the paragraph mentions {}\n", list(&c.not_in_paragraph)));
        }
        if !c.not_followed_by.is_empty() {
            out.push_str(&format!("            never when followed by {}\n", list(&c.not_followed_by)));
        }
    }
    if !rule.enabled {
        out.push_str("  default:  off (turn it on with --select or `select` in newsclean.toml)\n");
    }
    out.push_str("\nchanges:\n");
    for example in &rule.examples {
        out.push_str(&format!("  {:?}\n  → {:?}\n", example.input, example.output));
    }
    if rule.examples.is_empty() {
        out.push_str("  (no examples)\n");
    }
    out.push_str("\nleaves alone:\n");
    for keep in &rule.keep {
        out.push_str(&format!("  {keep:?}\n"));
    }
    if rule.keep.is_empty() {
        out.push_str("  (no examples)\n");
    }
    out
}
