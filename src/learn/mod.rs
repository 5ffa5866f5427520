//! `newsclean learn`: finds a site's own residue in a corpus and writes it as ordinary rules for a
//! person to review. Documents are grouped by source (`group`), cleaned with the current rules and
//! cut into keys (`mine`), counted per group in bounded memory on every core (`table`), judged as
//! residue or repeated fact (`score`) and written as `[[rule]]` tables (`emit`). What each
//! accepted rule would remove is measured per document; a document that would lose more than
//! `Options::max_removed` of its text is reported and left alone. No document is ever changed.

mod corpus;
pub mod emit;
pub mod group;
pub mod mine;
pub mod score;
pub mod table;

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::config::Settings;
use crate::error::Error;
use crate::files::Found;
use crate::project::Projects;
use crate::rules::spec::Place;

use corpus::Mined;
pub use group::GroupBy;
use mine::HEAD_ZONE;
use score::{Candidate, Form, Refused, Thresholds};
use table::{Spill, Table};

/// Sample body lines kept per group, for keep-examples.
const GROUP_SAMPLES: usize = 8;
/// Refused candidates listed per group in the learned file, most frequent first.
const LISTED_REFUSALS: usize = 12;

/// How to learn.
#[derive(Clone, Debug)]
pub struct Options {
    /// How documents are grouped into sources.
    pub group_by: GroupBy,
    /// With `GroupBy::JsonField`: the field holding a record's text (a dotted path, `--field`).
    pub field: Vec<String>,
    /// How frequent a key must be.
    pub thresholds: Thresholds,
    /// The largest share of a document's text the learned rules may remove; a document that would
    /// lose more is reported and left alone (`[[overrides]]` in the learned file).
    pub max_removed: f64,
    /// Distinct keys counted at once, over all groups (the memory bound).
    pub max_keys: usize,
    /// The directory the learned file's `[[overrides]]` paths are relative to (where it is written).
    pub base_dir: PathBuf,
}

/// What was learned about one group.
#[derive(Clone, Debug, Default)]
pub struct GroupReport {
    /// Its name (the directory, the glob's match...).
    pub name: String,
    /// Documents read.
    pub docs: u32,
    /// Bytes of their text after cleaning with the current rules.
    pub bytes: u64,
    /// Bytes the learned rules would remove (documents over the cap left out).
    pub removed: u64,
    /// Documents that would lose more than the cap (a path, or `path:LINE` for a record), with
    /// the share and whether it is a whole file: files are left alone (`[[overrides]]`), records
    /// only reported.
    pub over_cap: Vec<(String, f64, bool)>,
    /// Candidates frequent enough to judge that were not proposed, and why.
    pub refused: Vec<Refused>,
    /// Rules dropped because their examples did not hold (id, why).
    pub dropped: Vec<(String, String)>,
    /// Keys in at most this many documents were forgotten to stay within the memory bound (0: none).
    pub forgotten_below: u32,
}

impl GroupReport {
    /// The share of its text, in percent, that the learned rules would remove.
    pub fn removed_percent(&self) -> f64 {
        if self.bytes == 0 { 0.0 } else { 100.0 * self.removed as f64 / self.bytes as f64 }
    }
}

/// A proposed rule and its group.
#[derive(Clone, Debug)]
pub struct Learned {
    /// One report per group, in name order.
    pub groups: Vec<GroupReport>,
    /// The rules, with the index of their group.
    pub rules: Vec<(usize, emit::Proposal)>,
    /// Inputs and JSON lines that could not be read (each said to `learn`'s `report`).
    pub failures: u64,
    /// Inputs passed over (binary, feeds, excluded).
    pub skipped: u64,
    /// Documents not read because their group came after the most groups counted at once
    /// (`--max-keys` / 1,024).
    pub passed_over: u64,
    /// The cap on the share removed, as given.
    pub max_removed: f64,
    /// `[[overrides]]` paths for the documents over the cap, relative to `Options::base_dir`.
    pub override_paths: Vec<String>,
}

impl Learned {
    /// The number of rules proposed for group `g` (a rule found in several groups counts in each).
    pub fn rules_of(&self, g: usize) -> usize {
        self.rules.iter().filter(|(_, p)| p.groups.contains(&g)).count()
    }

    /// The learned file: every rule as a `[[rule]]` table, group by group, what was not proposed as
    /// comments, and the documents over the cap as `[[overrides]]`.
    pub fn to_toml(&self) -> String {
        let docs: u32 = self.groups.iter().map(|g| g.docs).sum();
        let mut out = format!(
            "# Learned by `newsclean learn` from {docs} documents in {} groups.\n\
             # Review before use: `newsclean --config THIS_FILE CORPUS` prints every change it makes as a\n\
             # diff naming the rule; delete the rules you do not want. Examples and keep-texts are taken\n\
             # from each group's own documents and are checked when the file loads.\n",
            self.groups.len()
        );
        for (g, group) in self.groups.iter().enumerate() {
            let share = group.removed_percent();
            out.push_str(&format!(
                "\n# == {}: {} documents, {} rules, {share:.1}% of the text\n",
                group.name,
                group.docs,
                self.rules_of(g)
            ));
            for (_, p) in self.rules.iter().filter(|(i, _)| *i == g) {
                out.push('\n');
                out.push_str(&emit::render(&p.spec));
            }
            if !group.refused.is_empty() {
                out.push_str(&format!("\n# Repeated in {} but not proposed:\n", group.name));
                for r in group.refused.iter().take(LISTED_REFUSALS) {
                    out.push_str(&format!("#   {} ({} documents): {}\n", emit::toml_string(&r.text), r.docs, r.reason));
                }
            }
            for (id, why) in &group.dropped {
                out.push_str(&format!("# Dropped `{id}`: its example did not hold ({why})\n"));
            }
            // An override takes whole files: records over the cap can only be named.
            for (name, share, _) in group.over_cap.iter().filter(|(_, _, file)| !file) {
                out.push_str(&format!(
                    "# Record {name} would lose {:.0}% of its text (more than {:.0}%): read it before cleaning.\n",
                    100.0 * share,
                    100.0 * self.max_removed
                ));
            }
        }
        if !self.override_paths.is_empty() && !self.rules.is_empty() {
            out.push_str(&format!(
                "\n# These documents would lose more than {:.0}% of their text to the learned rules: they are\n\
                 # left alone. Read them before deciding.\n[[overrides]]\npaths = [\n",
                100.0 * self.max_removed
            ));
            for p in &self.override_paths {
                out.push_str(&format!("  {},\n", emit::toml_string(p)));
            }
            out.push_str("]\nignore = [\"learned\"]\n");
        }
        out
    }
}

/// Something `learn` could not read, or passed over, said as it goes (`learn` keeps only counts).
#[derive(Clone, Debug)]
pub enum Problem {
    /// An input or a JSON line that could not be read (named `path`, or `path:LINE`), and why.
    Failed(String, String),
    /// An input passed over (binary, a feed, excluded), with the note why.
    Skipped(String, &'static str),
}

/// Per-group state of the counting pass.
struct GroupState {
    name: String,
    table: Table,
    docs: u32,
    bytes: u64,
    /// The body lines with the smallest hashes: a sample that does not depend on the order the
    /// walk finds the files in.
    samples: Vec<(u64, String)>,
}

impl GroupState {
    fn sample(&mut self, line: &str) {
        let h = mine::key(mine::Kind::Line, line);
        if self.samples.iter().any(|(k, _)| *k == h) {
            return;
        }
        if self.samples.len() < GROUP_SAMPLES {
            self.samples.push((h, line.to_owned()));
        } else if h < self.samples[GROUP_SAMPLES - 1].0 {
            self.samples[GROUP_SAMPLES - 1] = (h, line.to_owned());
        } else {
            return;
        }
        self.samples.sort_unstable();
    }
}

/// The counting pass: groups as they are met, their tables sharing `Options::max_keys`.
struct Counting<'a> {
    groups: Vec<GroupState>,
    index: HashMap<String, usize>,
    spill: Spill,
    options: &'a Options,
    learned: &'a mut Learned,
    report: &'a mut dyn FnMut(Problem),
}

impl Counting<'_> {
    /// The most groups counted at once: each keeps at least 1,024 keys within `max_keys`.
    fn max_groups(&self) -> usize {
        (self.options.max_keys / 1024).max(1)
    }

    fn count(&mut self, mined: Vec<Mined>) -> Result<(), Error> {
        for m in mined {
            match m {
                Mined::Doc { group, name, file, doc } => {
                    let g = match self.index.get(&group) {
                        Some(&g) => g,
                        None if self.groups.len() >= self.max_groups() => {
                            self.learned.passed_over += 1;
                            continue;
                        }
                        None => {
                            let g = self.groups.len();
                            self.index.insert(group.clone(), g);
                            let cap = self.options.max_keys / (g + 1);
                            self.groups.push(GroupState {
                                name: group,
                                table: Table::new(cap),
                                docs: 0,
                                bytes: 0,
                                samples: Vec::new(),
                            });
                            for state in &mut self.groups {
                                state.table.set_cap(cap);
                            }
                            g
                        }
                    };
                    let state = &mut self.groups[g];
                    state.docs += 1;
                    state.bytes += doc.bytes;
                    state.table.add(&doc);
                    for s in &doc.samples {
                        state.sample(s);
                    }
                    self.spill.write(g as u32, &name, file, &doc).map_err(Error::Output)?;
                }
                Mined::Failed { name, message } => {
                    self.learned.failures += 1;
                    (self.report)(Problem::Failed(name, message));
                }
                Mined::Skipped { name, note } => {
                    self.learned.skipped += 1;
                    (self.report)(Problem::Skipped(name, note));
                }
            }
        }
        Ok(())
    }
}

/// Learns from the files `found` (as `files::walk_lazily` finds them) and, with `--group-by
/// json-field`, the JSON lines on `stdin`, cleaning each document with the rules `projects` gives
/// it. The corpus is read once; memory is bounded by `Options::max_keys` and a batch of documents,
/// whatever their number. What could not be read is said to `report` as it is met.
pub fn learn(
    found: impl Iterator<Item = Found>,
    stdin: Option<Box<dyn BufRead + '_>>,
    projects: &mut Projects,
    settings: &Settings,
    options: &Options,
    report: &mut dyn FnMut(Problem),
) -> Result<Learned, Error> {
    let mut learned = Learned {
        groups: Vec::new(),
        rules: Vec::new(),
        failures: 0,
        skipped: 0,
        passed_over: 0,
        max_removed: options.max_removed,
        override_paths: Vec::new(),
    };
    let mut counting = Counting {
        groups: Vec::new(),
        index: HashMap::new(),
        spill: Spill::new().map_err(Error::Output)?,
        options,
        learned: &mut learned,
        report,
    };
    corpus::read(found, stdin, projects, settings, options, &mut |mined| counting.count(mined))?;
    let Counting { groups, spill, .. } = counting;
    // Groups in name order; the spill knows them by the order they were met.
    let mut groups: Vec<(usize, GroupState)> = groups.into_iter().enumerate().collect();
    groups.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    let mut rank = vec![0; groups.len()];
    for (r, (met, _)) in groups.iter().enumerate() {
        rank[*met] = r;
    }
    let groups: Vec<GroupState> = groups.into_iter().map(|(_, state)| state).collect();
    let order: Vec<String> = groups.iter().map(|state| state.name.clone()).collect();
    // Judge each group's keys.
    let mut candidates: Vec<Vec<Candidate>> = Vec::new();
    for (g, state) in groups.iter().enumerate() {
        let (accepted, refused) = score::judge(&state.table, state.docs, options.thresholds);
        learned.groups.push(GroupReport {
            name: order[g].clone(),
            docs: state.docs,
            bytes: state.bytes,
            refused,
            forgotten_below: state.table.floor,
            ..GroupReport::default()
        });
        candidates.push(accepted);
    }
    let measured = measure(spill, &candidates, &rank, options, &mut learned)?;
    // Rules, checked against their examples under the current rules.
    let (base, protect) = projects.rules_for_dir(Path::new("."))?;
    let mut specs: Vec<crate::rules::RuleSpec> = Vec::new();
    // Rule id → the (group, candidate) pairs it stands for: the same rule found in several groups
    // is proposed once.
    let mut owners: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    let mut by_signature: HashMap<String, usize> = HashMap::new();
    let mut ids: HashSet<String> = HashSet::new();
    for (g, cands) in candidates.iter().enumerate() {
        let group_slug = match emit::slug(&order[g], 6) {
            s if s.is_empty() => format!("group{g}"),
            s => s,
        };
        // A body line of the group that none of its candidates touches: the keep-text, and the
        // text around each example.
        let body = groups[g]
            .samples
            .iter()
            .map(|(_, s)| s)
            .find(|s| !cands.iter().any(|c| c.texts.iter().any(|t| s.contains(t.as_str()))))
            .cloned()
            .unwrap_or_else(|| "The council met on Tuesday to discuss the budget.".to_owned());
        for (c, cand) in cands.iter().enumerate() {
            let m = &measured[g][c];
            if m.docs == 0 {
                continue; // only in documents over the cap
            }
            let place = match cand.form {
                Form::Lines if !m.not_head => Place::Head,
                Form::Lines if !m.not_tail => Place::Tail,
                _ => Place::OwnLine,
            };
            let signature = format!("{:?}\n{}", cand.form, cand.texts.join("\n"));
            if let Some(&k) = by_signature.get(&signature) {
                let spec = &mut specs[k];
                // Found again in another group: one rule, its description names both.
                let also = format!("{} ({} of {})", order[g], cand.docs, learned.groups[g].docs);
                spec.description = match spec.description.strip_suffix('.') {
                    Some(d) if d.contains(" Also in: ") => format!("{d}, {also}."),
                    _ => format!("{} Also in: {also}.", spec.description),
                };
                if cand.form == Form::Lines && spec.place != place {
                    spec.place = Place::OwnLine;
                }
                owners.get_mut(&spec.id).expect("registered with the spec").push((g, c));
                continue;
            }
            let base_id = match emit::slug(&cand.texts.join(" "), 4) {
                s if s.is_empty() => format!("learned.{group_slug}-rule"),
                s => format!("learned.{group_slug}-{s}"),
            };
            let mut id = base_id.clone();
            let mut n = 2;
            while base.get(&id).is_some() || !ids.insert(id.clone()) {
                id = format!("{base_id}-{n}");
                n += 1;
            }
            owners.insert(id.clone(), vec![(g, c)]);
            by_signature.insert(signature, specs.len());
            specs.push(emit::propose(cand, place, &order[g], learned.groups[g].docs, &body, id));
        }
    }
    let (kept, dropped) = emit::verify(&base, specs, &protect);
    for (id, why) in dropped {
        if let Some(&(g, _)) = owners.get(&id).and_then(|o| o.first()) {
            learned.groups[g].dropped.push((id, why));
        }
    }
    for spec in kept {
        let pairs = &owners[&spec.id];
        let (mut docs, mut bytes) = (0, 0);
        for &(g, c) in pairs {
            let m = &measured[g][c];
            learned.groups[g].removed += m.bytes;
            docs += m.docs;
            bytes += m.bytes;
        }
        let groups = pairs.iter().map(|&(g, _)| g).collect();
        learned.rules.push((pairs[0].0, emit::Proposal { spec, groups, docs, bytes }));
    }
    if learned.rules.is_empty() {
        learned.override_paths.clear();
    }
    Ok(learned)
}

/// What an accepted candidate would do, measured over the documents.
#[derive(Clone, Debug, Default)]
struct Measured {
    /// Documents it fires in (outside those over the cap).
    docs: u32,
    /// Bytes it removes there (a line's bytes go to the candidate removing most of it).
    bytes: u64,
    /// Some occurrence is below the head zone.
    not_head: bool,
    /// Some occurrence is followed by a line no learned line rule removes.
    not_tail: bool,
}

/// Reads the spill back: per document, what the accepted candidates would remove; documents over
/// the cap go to their group's report (and the overrides) and count for nothing else.
fn measure(
    spill: Spill,
    candidates: &[Vec<Candidate>],
    rank: &[usize],
    options: &Options,
    learned: &mut Learned,
) -> Result<Vec<Vec<Measured>>, Error> {
    let keys: Vec<HashMap<u64, usize>> = candidates
        .iter()
        .map(|cands| cands.iter().enumerate().flat_map(|(i, c)| c.keys.iter().map(move |&k| (k, i))).collect())
        .collect();
    let mut measured: Vec<Vec<Measured>> = candidates.iter().map(|c| vec![Measured::default(); c.len()]).collect();
    let mut over: Vec<(usize, String, bool, f64)> = Vec::new();
    spill
        .read(|doc| {
            let g = rank[doc.group as usize];
            let cands = &candidates[g];
            let mut line_bytes: HashMap<u32, u32> = HashMap::new();
            for &(line, _, bytes) in &doc.hits {
                let e = line_bytes.entry(line).or_default();
                *e = (*e).max(bytes);
            }
            // Per line: the candidate removing most of it, and how much.
            let mut removal: HashMap<u32, (usize, u32)> = HashMap::new();
            let mut whole: HashSet<u32> = HashSet::new();
            for &(line, key, bytes) in &doc.hits {
                let Some(&c) = keys[g].get(&key) else { continue };
                let bytes = match cands[c].form {
                    Form::Lines => bytes,
                    Form::Label { .. } => line_bytes[&line],
                    Form::GluedPrefix | Form::GluedSuffix => bytes,
                };
                if matches!(cands[c].form, Form::Lines | Form::Label { .. }) {
                    whole.insert(line);
                }
                let e = removal.entry(line).or_insert((c, 0));
                if bytes > e.1 {
                    *e = (c, bytes);
                }
            }
            if removal.is_empty() {
                return;
            }
            let removed: u64 = removal.values().map(|&(_, b)| u64::from(b)).sum();
            let share = removed as f64 / doc.bytes.max(1) as f64;
            if share > options.max_removed {
                over.push((g, doc.name, doc.file, share));
                return;
            }
            let mut tail_start = doc.lines;
            while tail_start > 0 && whole.contains(&(tail_start - 1)) {
                tail_start -= 1;
            }
            let mut fired: HashSet<usize> = HashSet::new();
            for &(line, key, _) in &doc.hits {
                let Some(&c) = keys[g].get(&key) else { continue };
                fired.insert(c);
                let m = &mut measured[g][c];
                m.not_head |= line >= HEAD_ZONE;
                m.not_tail |= line < tail_start;
            }
            for &(c, bytes) in removal.values() {
                measured[g][c].bytes += u64::from(bytes);
            }
            for c in fired {
                measured[g][c].docs += 1;
            }
        })
        .map_err(Error::Output)?;
    let base = std::fs::canonicalize(&options.base_dir).unwrap_or_else(|_| options.base_dir.clone());
    // In name order, whatever order the walk found the files in.
    over.sort_by(|a, b| a.1.cmp(&b.1));
    for (g, name, file, share) in over {
        // A record cannot be left alone by an override (it takes whole files): it is reported.
        if file {
            let path = Path::new(&name);
            let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            let relative = absolute.strip_prefix(&base).map(Path::to_path_buf).unwrap_or(absolute);
            learned.override_paths.push(globset::escape(&relative.to_string_lossy()));
        }
        learned.groups[g].over_cap.push((name, share, file));
    }
    Ok(measured)
}
