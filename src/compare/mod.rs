//! `lockcheck compare`: every model under every fault, as one matrix.
//!
//! A row per model, a column per scenario (the standard faults, then the
//! extra scenarios that are faults of their own, such as failover). Each cell
//! is one exhaustive check of the column's own scenario. Where the search
//! reaches a bound first, the cell says so (`?`), and carries what a seeded
//! simulation of the same scenario found: a violation (marked `~`, not
//! necessarily the shortest) or none in so many runs. With `--estimate` each
//! cell also gets the seeded simulator's failure rates.
//!
//! Everything in [`Comparison`] is a pure function of the models, the scenario
//! files and the options, so the reports it renders are byte-identical from
//! run to run; timings go to stderr only.

mod html;
mod junit;
pub mod merge;
mod spacetime;
mod text;

pub use html::render_html;
pub use junit::render_junit;
pub use spacetime::spacetime_svg;
pub use text::{
    LEGEND, MATRIX_COLUMNS, cell_text, estimate_table, markdown_table, render_markdown,
    render_matrix, render_matrix_wide, render_mismatches, render_step_summary, render_summary,
    wrap,
};

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::check::simulate::{SimOptions, wilson_interval};
use crate::check::{CheckOptions, CheckReport, Verdict, resolve_limits};
use crate::expectations::Expectations;
use crate::expectations::{Entry, ExpectedVerdict};
use crate::properties::PropertyName;
use crate::registry::{self, ModelEntry};
use crate::scenario::{Scenario, Tier};

/// A scenario column.
#[derive(Clone, Debug, Serialize)]
pub struct Column {
    pub name: String,
    pub file: PathBuf,
    pub description: String,
    pub tier: Tier,
}

/// A model row.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub id: String,
    pub summary: String,
}

/// Why a cell was, or was not, checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellStatus {
    /// Checked under the column's scenario.
    Checked,
    /// The scenario does not apply to this model (it names only some).
    NotApplicable,
}

/// One property's failure rate under seeded random simulation.
#[derive(Clone, Debug, Serialize)]
pub struct RateEstimate {
    pub property: PropertyName,
    pub runs_hit: u64,
    /// `runs_hit / runs`.
    pub rate: f64,
    /// The Wilson score 95% confidence interval of the rate.
    pub ci95: (f64, f64),
}

#[derive(Clone, Debug, Serialize)]
pub struct Estimate {
    pub runs: u64,
    pub seed: String,
    pub fault_percent: u32,
    /// Runs that reached `steps_max` before the horizon (they count as not
    /// violating).
    pub runs_cut_at_steps_max: u64,
    /// Safety and bounded liveness properties only (for `lock_acquired` a hit
    /// is not a failure).
    pub properties: Vec<RateEstimate>,
    /// The command that reruns this estimate with counterexamples.
    pub command: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub model: String,
    /// The column.
    pub scenario: String,
    pub status: CellStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<CheckReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<Estimate>,
}

impl Cell {
    /// The properties whose verdict differs from the expectation, decided
    /// ones only.
    pub fn differences(&self) -> Vec<Difference> {
        let Some(report) = &self.report else {
            return Vec::new();
        };
        let mut out: Vec<Difference> = report
            .properties
            .iter()
            .filter(|p| !p.as_expected())
            .map(|p| Difference {
                model: self.model.clone(),
                scenario: report.scenario.clone(),
                property: p.property,
                expected: p.expected,
                verdict: p.verdict.clone(),
                vacuity: None,
            })
            .collect();
        // A vacuity difference is the cell's, shown on its first property.
        if let (Some(why), Some(p)) = (report.vacuity_difference(), report.properties.first()) {
            out.push(Difference {
                model: self.model.clone(),
                scenario: report.scenario.clone(),
                property: p.property,
                expected: p.expected,
                verdict: p.verdict.clone(),
                vacuity: Some(why),
            });
        }
        out
    }
}

/// A verdict that is not what the model expects.
#[derive(Clone, Debug, Serialize)]
pub struct Difference {
    pub model: String,
    pub scenario: String,
    pub property: PropertyName,
    pub expected: Option<ExpectedVerdict>,
    pub verdict: Verdict,
    /// Set when the difference is the cell's vacuity, not this verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vacuity: Option<String>,
}

impl Difference {
    pub fn inconclusive(&self) -> bool {
        self.vacuity.is_none() && matches!(self.verdict, Verdict::Inconclusive { .. })
    }

    /// One line naming the difference and what it means.
    pub fn describe(&self) -> String {
        if let Some(why) = &self.vacuity {
            return format!("{} under {}: {why}", self.model, self.scenario);
        }
        let got = match &self.verdict {
            Verdict::Holds { .. } => "holds".to_string(),
            Verdict::Violated { steps: Some(n) } => format!("violated in {n} steps"),
            Verdict::Violated { steps: None } => "violated".to_string(),
            Verdict::Inconclusive { reason } => format!("inconclusive ({reason})"),
        };
        let meaning = match (&self.verdict, self.expected) {
            (Verdict::Holds { .. }, Some(ExpectedVerdict::Violated)) => {
                "an expected bug is no longer found"
            }
            (Verdict::Violated { .. }, _) => "an unexpected violation",
            (Verdict::Inconclusive { .. }, _) => "the search did not decide",
            _ => "unexpected",
        };
        let expected = self
            .expected
            .map_or("no expectation".to_string(), |e| format!("expected {e}"));
        format!(
            "{} under {}: {} {expected}, got {got}: {meaning}",
            self.model, self.scenario, self.property
        )
    }
}

/// The whole comparison: what `comparison.json` holds.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub lockcheck_version: String,
    /// The command that produced it.
    pub command: String,
    pub properties: Vec<PropertyName>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// Row-major: `cells[r * columns.len() + c]`.
    pub cells: Vec<Cell>,
}

impl Comparison {
    pub fn cell(&self, row: usize, column: usize) -> &Cell {
        &self.cells[row * self.columns.len() + column]
    }

    pub fn differences(&self) -> Vec<Difference> {
        self.cells.iter().flat_map(Cell::differences).collect()
    }

    /// Every checked cell's violated properties that have a counterexample,
    /// in row then column order.
    pub fn violations(&self) -> Vec<(&Cell, &crate::check::PropertyReport)> {
        let mut out = Vec::new();
        for cell in &self.cells {
            if let Some(report) = &cell.report {
                for p in &report.properties {
                    if matches!(p.verdict, Verdict::Violated { steps: Some(_) }) && p.path.is_some()
                    {
                        out.push((cell, p));
                    }
                }
            }
        }
        out
    }
}

/// Text safe in XML, HTML and SVG content and attribute values. Control
/// characters XML 1.0 forbids are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// The anchor of a counterexample in the Markdown and HTML reports.
pub fn anchor(model: &str, scenario: &str, property: PropertyName) -> String {
    format!("cex-{model}-{scenario}-{property}").replace('_', "-")
}

/// What to compare.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Model ids; empty: every model.
    pub models: Vec<String>,
    /// Scenario files; empty: every standard and extra scenario in
    /// `scenarios_dir`.
    pub scenarios: Vec<PathBuf>,
    /// Properties; empty: all.
    pub properties: Vec<PropertyName>,
    pub scenarios_dir: PathBuf,
    /// Also run the scenarios of the `on_demand` tier.
    pub on_demand: bool,
    /// The models' expected verdicts.
    pub expectations: Expectations,
}

#[derive(Clone, Debug)]
pub struct EstimateOptions {
    /// Runs per cell; `None`: each scenario's `simulation.runs`.
    pub runs: Option<u64>,
    pub seed: u64,
    pub seed_text: String,
}

/// One planned check.
pub struct PlannedCell {
    pub row: usize,
    pub column: usize,
    pub status: CellStatus,
    /// The column's scenario, when checked.
    pub scenario: Option<(PathBuf, Scenario)>,
    /// What the model is expected to do there (nothing when it states
    /// nothing).
    pub expected: Entry,
}

/// The comparison before anything ran.
pub struct Plan {
    pub columns: Vec<(Column, Scenario)>,
    pub rows: Vec<ModelEntry>,
    pub cells: Vec<PlannedCell>,
}

impl Plan {
    pub fn checks(&self) -> usize {
        self.cells.iter().filter(|c| c.scenario.is_some()).count()
    }
}

/// Loads and validates the scenarios and lays out the matrix. Errors name the
/// file (and for a bad scenario, the line and column).
pub fn plan(selection: &Selection) -> Result<Plan, Vec<String>> {
    let mut errors = Vec::new();
    for id in &selection.models {
        if let Err(e) = registry::lookup(id) {
            errors.push(e);
        }
    }
    let explicit = !selection.scenarios.is_empty();
    // Every scenario in the directory is loaded, plus any named outside it.
    let mut files = match scenario_files(&selection.scenarios_dir) {
        Ok(f) => f,
        Err(e) if explicit => {
            let _ = e;
            Vec::new()
        }
        Err(e) => return Err(vec![e]),
    };
    for f in &selection.scenarios {
        if !files.contains(f) {
            files.push(f.clone());
        }
    }
    let mut loaded = Vec::new();
    for file in &files {
        match Scenario::load(file) {
            Ok(s) => loaded.push((file.clone(), s)),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let chosen: Vec<&(PathBuf, Scenario)> = if explicit {
        selection
            .scenarios
            .iter()
            .map(|f| loaded.iter().find(|(g, _)| g == f).expect("loaded above"))
            .collect()
    } else {
        let mut standard: Vec<&(PathBuf, Scenario)> = loaded
            .iter()
            .filter(|(_, s)| s.tier == Tier::Standard)
            .collect();
        // In the order the scenarios' `column` keys give (no fault, the
        // faults a lock meets most often, then the harshest networks), then
        // the rest by name.
        standard.sort_by_key(|(f, s)| (s.column.unwrap_or(u32::MAX), Scenario::name_of(f)));
        let extra = loaded.iter().filter(|(_, s)| {
            s.tier == Tier::Extra || (s.tier == Tier::OnDemand && selection.on_demand)
        });
        standard.extend(extra);
        standard
    };

    let rows: Vec<ModelEntry> = if selection.models.is_empty() {
        registry::all()
    } else {
        registry::all()
            .into_iter()
            .filter(|m| selection.models.iter().any(|id| id == m.id))
            .collect()
    };

    let mut columns = Vec::new();
    for (file, scenario) in &chosen {
        columns.push((
            Column {
                name: Scenario::name_of(file),
                file: file.clone(),
                description: scenario.description.clone(),
                tier: scenario.tier,
            },
            scenario.clone(),
        ));
    }

    let mut cells = Vec::new();
    for (r, model) in rows.iter().enumerate() {
        for (c, (column, scenario)) in columns.iter().enumerate() {
            let runs = selection.expectations.runs(
                model.id,
                &column.file,
                scenario.tier,
                explicit,
                &selection.models,
            );
            let (status, run) = if runs {
                (
                    CellStatus::Checked,
                    Some((column.file.clone(), scenario.clone())),
                )
            } else {
                (CellStatus::NotApplicable, None)
            };
            cells.push(PlannedCell {
                row: r,
                column: c,
                status,
                scenario: run,
                expected: selection.expectations.for_cell(model.id, &column.file),
            });
        }
    }
    if columns.is_empty() || rows.is_empty() {
        return Err(vec![
            "nothing to compare: no scenario or no model selected".into(),
        ]);
    }
    Ok(Plan {
        columns,
        rows,
        cells,
    })
}

/// The scenario files in `dir`, sorted.
pub fn scenario_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "{}: cannot read the scenarios directory: {e}",
            dir.display()
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// How to run a plan.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Search (and simulation) threads per check.
    pub threads: usize,
    /// The memory budget of the whole comparison in MB (`None`: the
    /// default); the checks running at once share it.
    pub memory_max: Option<u64>,
    /// Where trace files are written (under `traces/`); `None`: nowhere.
    pub report_dir: Option<PathBuf>,
    /// Also estimate failure rates by simulation.
    pub estimate: Option<EstimateOptions>,
    /// The command the reports say produced them.
    pub command: String,
    /// Use client and server symmetry where the model declares it.
    pub symmetry: bool,
    /// Renumber request ids where the model keeps them in `node::Requests`.
    pub request_ids: bool,
    /// Merge instants that have passed for good where the model keeps its
    /// times as `node::Instant`s.
    pub time_merge: bool,
    /// Build liveness graphs over orbits and unfold them (see
    /// `check::liveness::unfold`).
    pub liveness_orbits: bool,
}

/// Runs the plan. `on_start(model, scenario)` is called before each check
/// or simulation and `on_cell(cell, seconds)` after it, for progress.
pub fn run(
    plan: Plan,
    selection: &Selection,
    options: &RunOptions,
    on_start: &(dyn Fn(&str, &str) + Sync),
    on_cell: &(dyn Fn(&Cell, f64) + Sync),
) -> Result<Comparison, String> {
    // Up to `threads` cells at once, each searched by one thread (or, with
    // fewer cells than threads, by a share of them): most cells are small, and
    // whole searches in parallel scale better than one search's levels. Each
    // result goes to its cell's slot, so the comparison does not depend on
    // which finishes first.
    let workers = options.threads.max(1).min(plan.cells.len().max(1));
    let per_check = (options.threads.max(1) / workers).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Result<Cell, String>>>> = plan
        .cells
        .iter()
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(planned) = plan.cells.get(i) else {
                        break;
                    };
                    let result = run_cell(
                        &plan, planned, selection, options, workers, per_check, on_start, on_cell,
                    );
                    let failed = result.is_err();
                    *slots[i].lock().expect("no worker panics holding a slot") = Some(result);
                    if failed {
                        // Stop handing out work; the first error in cell order is
                        // reported.
                        next.store(plan.cells.len(), std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let mut cells = Vec::with_capacity(plan.cells.len());
    for slot in slots {
        match slot.into_inner().expect("no worker panics holding a slot") {
            Some(Ok(cell)) => cells.push(cell),
            Some(Err(e)) => return Err(e),
            None => return Err("a check was not run".into()),
        }
    }
    let properties = if selection.properties.is_empty() {
        PropertyName::ALL.to_vec()
    } else {
        PropertyName::ALL
            .into_iter()
            .filter(|p| selection.properties.contains(p))
            .collect()
    };
    Ok(Comparison {
        lockcheck_version: env!("CARGO_PKG_VERSION").to_string(),
        command: options.command.clone(),
        properties,
        columns: plan.columns.into_iter().map(|(c, _)| c).collect(),
        rows: plan
            .rows
            .iter()
            .map(|m| Row {
                id: m.id.to_string(),
                summary: m.summary.to_string(),
            })
            .collect(),
        cells,
    })
}

/// Runs one cell, one of `concurrent` running at once, with `threads` search
/// threads.
#[allow(clippy::too_many_arguments)]
fn run_cell(
    plan: &Plan,
    planned: &PlannedCell,
    selection: &Selection,
    options: &RunOptions,
    concurrent: usize,
    threads: usize,
    on_start: &(dyn Fn(&str, &str) + Sync),
    on_cell: &(dyn Fn(&Cell, f64) + Sync),
) -> Result<Cell, String> {
    let model = &plan.rows[planned.row];
    let (column, column_scenario) = &plan.columns[planned.column];
    let mut cell = Cell {
        model: model.id.to_string(),
        scenario: column.name.clone(),
        status: planned.status,
        report: None,
        estimate: None,
    };
    if let Some((file, scenario)) = &planned.scenario {
        let name = Scenario::name_of(file);
        on_start(model.id, &name);
        let started = std::time::Instant::now();
        let check = CheckOptions {
            limits: resolve_limits(scenario, &planned.expected, None, None, None, None).shared_by(
                scenario,
                options.memory_max,
                concurrent,
            ),
            threads,
            report_dir: options.report_dir.clone(),
            progress: false,
            // A lasso found over orbits may differ from the default's.
            reproduce_flags: if options.liveness_orbits {
                vec!["--liveness-orbits".to_string()]
            } else {
                Vec::new()
            },
            // `--property deadlock_free` asks for liveness where the scenario
            // does not expect it.
            liveness: selection
                .properties
                .iter()
                .copied()
                .filter(|p| p.kind() == crate::properties::PropertyKind::Liveness)
                .collect(),
            simulation_runs: None,
            symmetry: options.symmetry,
            only: selection.properties.clone(),
            request_ids: options.request_ids,
            time_merge: options.time_merge,
            liveness_orbits: options.liveness_orbits,
            liveness_states_max: crate::check::resolve_liveness_states_max(&planned.expected, None),
        };
        let mut report = model.run(scenario, file, &planned.expected, &check)?;
        if !selection.properties.is_empty() {
            report
                .properties
                .retain(|p| selection.properties.contains(&p.property));
        }
        cell.report = Some(report);
        on_cell(&cell, started.elapsed().as_secs_f64());
    }
    let applies = planned.status != CellStatus::NotApplicable;
    if let (Some(e), true) = (&options.estimate, applies) {
        on_start(model.id, &format!("{} (simulating)", column.name));
        let started = std::time::Instant::now();
        cell.estimate = Some(estimate_cell(
            model,
            column_scenario,
            &column.file,
            &planned.expected,
            e,
            threads,
            &selection.properties,
        )?);
        on_cell(&cell, started.elapsed().as_secs_f64());
    }
    Ok(cell)
}

fn estimate_cell(
    model: &ModelEntry,
    scenario: &Scenario,
    file: &Path,
    expected: &Entry,
    e: &EstimateOptions,
    threads: usize,
    only: &[PropertyName],
) -> Result<Estimate, String> {
    let runs = e.runs.unwrap_or(scenario.simulation.runs);
    let options = SimOptions {
        seed: e.seed,
        seed_text: e.seed_text.clone(),
        runs,
        shard: (1, 1),
        fault_percent: scenario.simulation.fault_percent,
        steps_max: scenario.simulation.steps_max,
        threads,
        report_dir: None,
        counterexamples: false,
        counterexamples_of: Vec::new(),
    };
    let report = (model.simulate)(model.id, scenario, file, expected, &options)?;
    let properties = report
        .properties
        .iter()
        .filter(|p| p.property.kind() != crate::properties::PropertyKind::Reachability)
        .filter(|p| only.is_empty() || only.contains(&p.property))
        .map(|p| RateEstimate {
            property: p.property,
            runs_hit: p.runs_hit,
            rate: if runs == 0 {
                0.0
            } else {
                p.runs_hit as f64 / runs as f64
            },
            ci95: wilson_interval(p.runs_hit, runs),
        })
        .collect();
    Ok(Estimate {
        runs,
        seed: e.seed_text.clone(),
        fault_percent: options.fault_percent,
        runs_cut_at_steps_max: report.runs_cut_at_steps_max,
        properties,
        command: format!(
            "cargo run --release -- simulate --model {} --scenario {} --seed {} --runs {runs}",
            model.id,
            file.display(),
            e.seed_text
        ),
    })
}
