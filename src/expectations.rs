//! What each model is expected to do under each scenario, kept beside the
//! model: `models/<file>.expect.json` for the models defined in
//! `models/<file>.rs`.
//!
//! A scenario describes a fault and nothing else; a model says how it fares
//! under it. The file maps each of the model file's ids to the scenarios it
//! has expectations for, by scenario name (the scenario file's name without
//! `.json`), and each of those to a verdict per property:
//!
//! ```json
//! { "redis_setnx": { "no-faults": { "mutual_exclusion": "holds", "progress": "holds" } } }
//! ```
//!
//! A (model, scenario) pair with no expectation still runs where it is asked
//! for; its verdicts are reported as observed, not counted as differences.
//! The files are read at run time, so editing one rebuilds nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::properties::PropertyName;
use crate::scenario::{Scenario, ScenarioError, Tier, describe_json_error};

/// A verdict a model is expected to give under a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedVerdict {
    Holds,
    Violated,
    /// The search cannot decide it within the scenario's limits. Such a cell
    /// is shown as `?` with what the seeded simulation found, never as `ok`;
    /// once the search decides it, `compare --check` reports the difference
    /// so the expectation is updated.
    Inconclusive,
}

impl fmt::Display for ExpectedVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExpectedVerdict::Holds => "holds",
            ExpectedVerdict::Violated => "violated",
            ExpectedVerdict::Inconclusive => "inconclusive",
        })
    }
}

/// A registered model id, checked against the registry while parsing so that a
/// typo is reported at its line and column.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ModelId(pub String);

impl<'de> Deserialize<'de> for ModelId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = String::deserialize(deserializer)?;
        if crate::models::info(&id).is_some() {
            Ok(ModelId(id))
        } else {
            let known: Vec<&str> = crate::models::catalog().iter().map(|m| m.id).collect();
            Err(serde::de::Error::custom(format!(
                "unknown model `{id}`, expected one of: {}",
                known.join(", ")
            )))
        }
    }
}

impl fmt::Display for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One model's expected verdict per property under one scenario.
pub type Verdicts = BTreeMap<PropertyName, ExpectedVerdict>;

/// What a model states about one scenario: a verdict per property and,
/// where the scenario's space is too large for a routine run, the state
/// limit its search stops at (`"states_max": 1000000` beside the verdicts),
/// the state limit of its liveness graph where that differs
/// (`"liveness_states_max"`; by default the same as `states_max`), and
/// whether its `holds` are expected to be vacuous (`"vacuous": true`: no
/// fault of the scenario can strike while a client holds the lock).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    pub verdicts: Verdicts,
    pub states_max: Option<u64>,
    /// The liveness graph forgets values and shifts time, so it can be
    /// complete where the safety search of the same scenario is not: a
    /// separate limit lets an entry cap the one without the other.
    pub liveness_states_max: Option<u64>,
    pub vacuous: bool,
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;
        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = Entry;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "an object of property names to verdicts, and optionally `states_max`, `liveness_states_max` and `vacuous`",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
                let mut entry = Entry::default();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "states_max" || key == "liveness_states_max" {
                        let n: u64 = map.next_value()?;
                        if n == 0 {
                            return Err(serde::de::Error::custom(format!(
                                "`{key}` is 0, expected at least 1"
                            )));
                        }
                        if key == "states_max" {
                            entry.states_max = Some(n);
                        } else {
                            entry.liveness_states_max = Some(n);
                        }
                        continue;
                    }
                    if key == "vacuous" {
                        entry.vacuous = map.next_value()?;
                        continue;
                    }
                    let Some(property) = PropertyName::parse(&key) else {
                        let known: Vec<String> = PropertyName::every()
                            .map(|p| format!("`{}`", p.as_str()))
                            .collect();
                        return Err(serde::de::Error::custom(format!(
                            "unknown property `{key}`, expected one of: {}, `states_max`, `liveness_states_max` or `vacuous`",
                            known.join(", ")
                        )));
                    };
                    let verdict: ExpectedVerdict = map.next_value()?;
                    if entry.verdicts.insert(property, verdict).is_some() {
                        return Err(serde::de::Error::custom(format!("`{key}` is stated twice")));
                    }
                }
                Ok(entry)
            }
        }
        deserializer.deserialize_map(EntryVisitor)
    }
}

/// Every model's expectations, as read from a directory of `*.expect.json`.
#[derive(Clone, Debug, Default)]
pub struct Expectations {
    /// Model id, then scenario name.
    by_model: BTreeMap<ModelId, BTreeMap<String, Entry>>,
    /// The file each model's expectations came from.
    files: BTreeMap<ModelId, PathBuf>,
}

/// The suffix of an expectation file.
pub const SUFFIX: &str = ".expect.json";

/// Where a model's expectations belong: `<dir>/<module>.expect.json`, beside
/// the `models/<module>.rs` that defines it.
pub fn file_for(dir: &Path, model_id: &str) -> Option<PathBuf> {
    let entry = crate::models::info(model_id)?;
    Some(dir.join(format!("{}{SUFFIX}", entry.module)))
}

impl Expectations {
    /// No expectations: every verdict is reported as observed.
    pub fn none() -> Expectations {
        Expectations::default()
    }

    /// [`Expectations::load_dir`], or none when `dir` does not exist (a
    /// scenario run away from the models' directory reports what it finds).
    pub fn load_if_present(dir: &Path) -> Result<Expectations, ScenarioError> {
        if dir.is_dir() {
            Expectations::load_dir(dir)
        } else {
            Ok(Expectations::none())
        }
    }

    /// Reads every `*.expect.json` in `dir`, in name order.
    pub fn load_dir(dir: &Path) -> Result<Expectations, ScenarioError> {
        let unreadable = |message: String| ScenarioError {
            file: dir.to_path_buf(),
            line: 0,
            column: 0,
            message,
        };
        let entries = std::fs::read_dir(dir)
            .map_err(|e| unreadable(format!("cannot read the expectations directory: {e}")))?;
        let mut files = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(|e| unreadable(format!("cannot read the expectations directory: {e}")))?
                .path();
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(SUFFIX))
            {
                files.push(path);
            }
        }
        files.sort();
        let mut all = Expectations::default();
        for file in files {
            all.add_file(&file)?;
        }
        Ok(all)
    }

    /// Reads one expectation file and adds it.
    pub fn add_file(&mut self, file: &Path) -> Result<(), ScenarioError> {
        let text = std::fs::read_to_string(file).map_err(|e| ScenarioError {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            message: format!("cannot read the expectation file: {e}"),
        })?;
        self.add_text(file, &text)
    }

    /// Parses expectation text; `file` names it in errors and says which
    /// models it may speak for (those defined in the `.rs` of the same name).
    pub fn add_text(&mut self, file: &Path, text: &str) -> Result<(), ScenarioError> {
        let parsed: BTreeMap<ModelId, BTreeMap<String, Entry>> = serde_json::from_str(text)
            .map_err(|e| {
                let (line, column) = (e.line(), e.column().max(1));
                ScenarioError {
                    file: file.to_path_buf(),
                    line,
                    column,
                    message: describe_json_error(&e, text, line, column),
                }
            })?;
        let module = file
            .file_name()
            .map(|n| n.to_string_lossy().trim_end_matches(SUFFIX).to_string())
            .unwrap_or_default();
        for (model, scenarios) in parsed {
            let at = position_of_key(text, &model.0);
            let error = |message: String| ScenarioError {
                file: file.to_path_buf(),
                line: at.0,
                column: at.1,
                message,
            };
            let entry = crate::models::info(&model.0).expect("ModelId checks the registry");
            if entry.module != module {
                return Err(error(format!(
                    "`{model}` is defined in models/{}.rs, so its expectations belong in {}{SUFFIX}, not here",
                    entry.module, entry.module
                )));
            }
            if let Some(other) = self.files.get(&model) {
                return Err(error(format!(
                    "`{model}` already has expectations in {}",
                    other.display()
                )));
            }
            if let Some((scenario, _)) = scenarios.iter().find(|(_, v)| v.verdicts.is_empty()) {
                return Err(error(format!(
                    "`{model}` names scenario `{scenario}` with no verdict: name at least one property, or leave the scenario out"
                )));
            }
            self.files.insert(model.clone(), file.to_path_buf());
            self.by_model.insert(model, scenarios);
        }
        Ok(())
    }

    /// What `model` is expected to do under the scenario named `scenario`.
    pub fn get(&self, model: &str, scenario: &str) -> Option<&Verdicts> {
        self.entry(model, scenario).map(|e| &e.verdicts)
    }

    /// What `model` states about the scenario in `scenario_file`, or
    /// nothing (every verdict is then observed, and the scenario's own state
    /// limit applies).
    pub fn for_cell(&self, model: &str, scenario_file: &Path) -> Entry {
        self.entry(model, &Scenario::name_of(scenario_file))
            .cloned()
            .unwrap_or_default()
    }

    /// Everything `model` states about the scenario named `scenario`.
    pub fn entry(&self, model: &str, scenario: &str) -> Option<&Entry> {
        self.by_model
            .iter()
            .find(|(m, _)| m.0 == model)
            .and_then(|(_, s)| s.get(scenario))
    }

    /// Whether `model` runs under the scenario in `file`, the same for
    /// `check` and `compare`: every model runs under a standard scenario;
    /// under another, the models with an expectation for it; and under a
    /// scenario the user named (`scenario_named`), also every model they
    /// named, or every model when no model expects it. Where the user named
    /// models, only those run.
    pub fn runs(
        &self,
        model: &str,
        file: &Path,
        tier: Tier,
        scenario_named: bool,
        models_named: &[String],
    ) -> bool {
        if !models_named.is_empty() && !models_named.iter().any(|m| m == model) {
            return false;
        }
        if tier == Tier::Standard {
            return true;
        }
        let expecting = self.models_for(&Scenario::name_of(file));
        expecting.iter().any(|m| m == model)
            || (scenario_named && (!models_named.is_empty() || expecting.is_empty()))
    }

    /// The models with expectations for the scenario named `scenario`.
    pub fn models_for(&self, scenario: &str) -> Vec<String> {
        self.by_model
            .iter()
            .filter(|(_, s)| s.contains_key(scenario))
            .map(|(m, _)| m.0.clone())
            .collect()
    }

    /// Every (model, scenario name) pair with an expectation.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str, &Verdicts)> {
        self.by_model.iter().flat_map(|(m, s)| {
            s.iter()
                .map(move |(name, e)| (m.0.as_str(), name.as_str(), &e.verdicts))
        })
    }

    /// The file `model`'s expectations came from.
    pub fn file_of(&self, model: &str) -> Option<&Path> {
        self.files
            .iter()
            .find(|(m, _)| m.0 == model)
            .map(|(_, f)| f.as_path())
    }
}

impl Expectations {
    /// The module doc's table of the expectations of the models defined in
    /// `models/<module>.rs`: one row per scenario (in `order`, then the rest
    /// by name), one column per model, each cell in the comparison matrix's
    /// notation (`ok`, or the properties expected not to hold: `mutex ✗`
    /// violated, `progress ?` out of the search's reach; `(live)` when the
    /// liveness properties are expected and hold). `None` if none of them
    /// has expectations.
    pub fn doc_table(&self, module: &str, order: &[String]) -> Option<String> {
        let models: Vec<&'static str> = crate::models::catalog()
            .iter()
            .filter(|m| m.module == module && self.files.keys().any(|k| k.0 == m.id))
            .map(|m| m.id)
            .collect();
        if models.is_empty() {
            return None;
        }
        let mut scenarios: Vec<&str> = models
            .iter()
            .flat_map(|m| self.by_model.iter().find(|(k, _)| k.0 == *m).into_iter())
            .flat_map(|(_, s)| s.keys().map(String::as_str))
            .collect();
        scenarios.sort_by_key(|n| {
            let rank = order.iter().position(|o| o == n).unwrap_or(order.len());
            (rank, n.to_string())
        });
        scenarios.dedup();
        let mut out = String::from("| scenario |");
        for m in &models {
            out.push_str(&format!(" `{m}` |"));
        }
        out.push_str("\n|---|");
        out.push_str(&"---|".repeat(models.len()));
        out.push('\n');
        for name in scenarios {
            out.push_str(&format!("| {name} |"));
            for m in &models {
                let cell = self
                    .entry(m, name)
                    .map_or("n/a".to_string(), expectation_cell);
                out.push_str(&format!(" {cell} |"));
            }
            out.push('\n');
        }
        Some(out)
    }
}

/// One model's expectations under one scenario in the matrix notation, with
/// its state limit if it states one.
fn expectation_cell(entry: &Entry) -> String {
    let mut entries = Vec::new();
    let mut live = false;
    let mut live_holds = true;
    for (p, v) in &entry.verdicts {
        if p.kind() == crate::properties::PropertyKind::Liveness {
            live = true;
            live_holds &= *v == ExpectedVerdict::Holds;
        }
        match v {
            ExpectedVerdict::Holds => {}
            ExpectedVerdict::Violated => entries.push(format!("{} ✗", p.short())),
            ExpectedVerdict::Inconclusive => entries.push(format!("{} ?", p.short())),
        }
    }
    let mut cell = if entries.is_empty() {
        "ok".to_string()
    } else {
        entries.join(", ")
    };
    if live && live_holds {
        cell.push_str(" (live)");
    }
    // A limit, not where the search ends: many searches end below it.
    let limits = match (entry.states_max, entry.liveness_states_max) {
        (Some(n), Some(l)) => Some(format!(
            "state limit {}, {} for the liveness graph",
            states_count(n),
            states_count(l)
        )),
        (Some(n), None) => Some(format!("state limit {}", states_count(n))),
        (None, Some(l)) => Some(format!("liveness graph limit {}", states_count(l))),
        (None, None) => None,
    };
    if let Some(limits) = limits {
        cell.push_str(&format!(" ({limits})"));
    }
    cell
}

/// A state limit as the tables write it: `1M`, `1.5M`, `200k`.
fn states_count(n: u64) -> String {
    match n {
        n if n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n % 100_000 == 0 && n > 1_000_000 => {
            format!("{}.{}M", n / 1_000_000, n % 1_000_000 / 100_000)
        }
        n if n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// The 1-based line and column of the first `"key"` used as an object key in
/// `text`, or (0, 0).
fn position_of_key(text: &str, key: &str) -> (usize, usize) {
    let quoted = format!("\"{key}\"");
    let mut from = 0;
    while let Some(i) = text[from..].find(&quoted) {
        let at = from + i;
        let after = text[at + quoted.len()..].trim_start();
        if after.starts_with(':') {
            let line = text[..at].matches('\n').count() + 1;
            let column = at - text[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
            return (line, column);
        }
        from = at + quoted.len();
    }
    (0, 0)
}
