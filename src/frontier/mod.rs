//! The safety frontier: for a lease-based lock, safety depends on numbers (the
//! TTL against the longest pause, the clock drift, the network delay). A
//! frontier sweeps one or two of those numbers over a grid, checks the model
//! exhaustively at every point, and reports where each safety property stops
//! holding.
//!
//! Every grid point is the base scenario with the swept knobs set, built
//! through the scenario types and then validated exactly as a scenario file is
//! (serialized and parsed back). A point whose search reached a bound is
//! inconclusive and stays so: a boundary is claimed only between two adjacent
//! decided points, and the one-line statement ("holds exactly when
//! pause_ticks_max < ttl_ticks - 5") is a formula checked against every decided
//! point, never one that some point contradicts.
//!
//! The sweep's result is the same for any thread count: points run in
//! parallel, each with the deterministic single-threaded search, and are
//! stored in grid order.

mod fit;
mod grid;
mod render;

pub use fit::analyze;
use grid::template;
pub use grid::*;
pub use render::*;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use serde::{Deserialize, Serialize};

use crate::check::{self, CheckOptions, Verdict};
use crate::expectations::Entry;
use crate::properties::{PropertyKind, PropertyName};
use crate::registry::ModelEntry;
use crate::scenario::Scenario;

/// One point's verdict on one property.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Outcome {
    /// The whole bounded space was searched without a counterexample.
    Holds,
    /// The shortest counterexample has `steps` steps.
    Violated { steps: usize },
    /// The search reached a bound first.
    Inconclusive { reason: String },
}

impl Outcome {
    fn decided(&self) -> Option<bool> {
        match self {
            Outcome::Holds => Some(true),
            Outcome::Violated { .. } => Some(false),
            Outcome::Inconclusive { .. } => None,
        }
    }

    /// `✓`, `✗20`, `?`.
    pub fn cell(&self) -> String {
        match self {
            Outcome::Holds => "✓".into(),
            Outcome::Violated { steps } => format!("✗{steps}"),
            Outcome::Inconclusive { .. } => "?".into(),
        }
    }
}

/// One grid point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    /// One value per axis, in the order of `FrontierReport::axes`.
    pub values: Vec<u32>,
    /// The verdict on each swept property.
    pub verdicts: BTreeMap<PropertyName, Outcome>,
    /// Whether some client acquired the lock at all; if not, `holds` is
    /// vacuous at this point.
    pub lock_acquired: bool,
    pub unique_states: u64,
    pub depth: u32,
    /// `complete`, `stopped early: every property decided`, or the bound.
    pub stop: String,
}

/// Where a property's verdict changes between two adjacent decided points of
/// a line of the grid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The last value before the change and the first after it (adjacent on
    /// the grid, both decided).
    pub from: u32,
    pub to: u32,
    /// Whether the property holds at `to` (so `false`: holds at `from`,
    /// violated at `to`).
    pub holds_after: bool,
}

/// A property along one line of the grid: one value of the other axis fixed
/// (`fixed`; `None` in a one-axis sweep), the line's axis varying.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineBoundary {
    pub fixed: Option<u32>,
    /// The smallest and largest value on the line at which the property
    /// holds (`None`: it holds nowhere on the line).
    pub holds_min: Option<u32>,
    pub holds_max: Option<u32>,
    pub transitions: Vec<Transition>,
    /// Values on the line whose verdict is inconclusive.
    pub inconclusive: Vec<u32>,
}

/// One side of a linear relation: `left < slope * right + offset` or
/// `left >= ...`; without `right`, `left < offset` or `left >= offset`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Atom {
    pub left: String,
    /// `<` or `>=`.
    pub op: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right: Option<String>,
    pub slope: i64,
    pub offset: i64,
}

impl Atom {
    fn eval(&self, axes: &[Axis], values: &[u32]) -> bool {
        let get = |name: &str| {
            axes.iter()
                .position(|a| a.name == name)
                .map(|i| values[i] as i64)
                .unwrap_or(0)
        };
        let left = get(&self.left);
        let right = match &self.right {
            Some(r) => self.slope * get(r) + self.offset,
            None => self.offset,
        };
        if self.op == "<" {
            left < right
        } else {
            left >= right
        }
    }

    /// `pause_ticks_max < ttl_ticks - 5`.
    pub fn text(&self) -> String {
        let rhs = match &self.right {
            None => self.offset.to_string(),
            Some(r) => {
                let mut t = if self.slope == 1 {
                    r.clone()
                } else {
                    format!("{} * {r}", self.slope)
                };
                if self.offset > 0 {
                    let _ = write!(t, " + {}", self.offset);
                } else if self.offset < 0 {
                    let _ = write!(t, " - {}", -self.offset);
                }
                t
            }
        };
        format!("{} {} {rhs}", self.left, self.op)
    }
}

/// A relation that matches the checker's verdict at every decided point:
/// the property holds exactly when all atoms are true (`all`) or when any is
/// (`any`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    /// `all` (and) or `any` (or).
    pub combine: String,
    pub atoms: Vec<Atom>,
}

impl Relation {
    pub fn text(&self) -> String {
        let joint = if self.combine == "any" {
            " or "
        } else {
            " and "
        };
        self.atoms
            .iter()
            .map(Atom::text)
            .collect::<Vec<_>>()
            .join(joint)
    }

    /// Whether the relation says the property holds at `values`.
    pub fn eval(&self, axes: &[Axis], values: &[u32]) -> bool {
        if self.combine == "any" {
            self.atoms.iter().any(|a| a.eval(axes, values))
        } else {
            self.atoms.iter().all(|a| a.eval(axes, values))
        }
    }
}

/// Everything derived about one property.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PropertyFrontier {
    pub property: PropertyName,
    pub holds: usize,
    pub violated: usize,
    pub inconclusive: usize,
    /// Along the last axis, one line per value of the first (one line in a
    /// one-axis sweep).
    pub by_row: Vec<LineBoundary>,
    /// Along the first axis, one line per value of the last (two-axis sweeps
    /// only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_column: Vec<LineBoundary>,
    /// A formula the verdict follows at every decided point, if a simple one
    /// does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<Relation>,
    /// One line of plain English.
    pub statement: String,
}

/// The result of a sweep.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FrontierReport {
    pub format: String,
    pub format_version: u32,
    pub lockcheck_version: String,
    pub model: String,
    /// Where the base scenario came from (a file, or a built-in copy of a
    /// shipped one).
    pub base_scenario_file: PathBuf,
    /// The base scenario as swept: every point is this with the axes set.
    pub base_scenario: Scenario,
    /// The first axis gives the rows, the last the columns.
    pub axes: Vec<Axis>,
    pub properties: Vec<PropertyName>,
    pub states_max: u64,
    pub seconds_max: u64,
    /// In grid order: the first axis outermost.
    pub points: Vec<FrontierPoint>,
    pub frontiers: Vec<PropertyFrontier>,
    /// Caveats worth reading next to the table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl FrontierReport {
    pub fn any_inconclusive(&self) -> bool {
        self.frontiers.iter().any(|f| f.inconclusive > 0)
    }

    fn point(&self, values: &[u32]) -> Option<&FrontierPoint> {
        self.points.iter().find(|p| p.values == values)
    }
}

/// What to sweep and how.
#[derive(Clone, Debug)]
pub struct FrontierOptions {
    pub axes: Vec<Axis>,
    /// Safety properties to report (default both).
    pub properties: Vec<PropertyName>,
    /// Points checked at once, each by the single-threaded search.
    pub threads: usize,
    /// Override the base scenario's limits.
    pub states_max: Option<u64>,
    pub seconds_max: Option<u64>,
    /// The memory budget of the whole sweep in MB (`None`: the default); the
    /// points checked at once share it.
    pub memory_max: Option<u64>,
}

/// Sweeps `options.axes` over `base` for the model `entry`. `on_point(done,
/// total)` is called on the calling thread after each point.
pub fn run(
    entry: &ModelEntry,
    base: &Scenario,
    base_file: &Path,
    options: &FrontierOptions,
    on_point: &mut dyn FnMut(usize, usize),
) -> Result<FrontierReport, String> {
    validate_axes(entry, &options.axes)?;
    for p in &options.properties {
        if p.kind() != PropertyKind::Safety {
            return Err(format!(
                "property `{p}` is not a safety property; a frontier sweeps mutual_exclusion and resource_safe"
            ));
        }
    }
    let properties = if options.properties.is_empty() {
        vec![PropertyName::MutualExclusion, PropertyName::ResourceSafe]
    } else {
        options.properties.clone()
    };
    let template = template(base);
    // Build and validate every point before running any.
    let grid = grid_values(&options.axes);
    let scenarios: Vec<Scenario> = grid
        .iter()
        .map(|values| point_scenario(&template, base_file, &options.axes, values))
        .collect::<Result<_, _>>()?;
    let workers = options.threads.clamp(1, scenarios.len().max(1));
    let limits = check::resolve_limits(
        &template,
        &Entry::default(),
        options.states_max,
        None,
        options.seconds_max,
        None,
    )
    .shared_by(&template, options.memory_max, workers);
    let check_options = CheckOptions {
        limits: limits.clone(),
        threads: 1,
        report_dir: None,
        progress: false,
        reproduce_flags: Vec::new(),
        liveness: Vec::new(),
        simulation_runs: Some(0),
        symmetry: true,
        // Only the safety properties the frontier draws, and whether anyone
        // acquires at all (a point where nobody does holds vacuously), so
        // that a point stops as soon as those are decided.
        only: properties
            .iter()
            .copied()
            .chain([PropertyName::LockAcquired])
            .collect(),
        request_ids: true,
        time_merge: true,
        liveness_orbits: false,
        liveness_states_max: None,
    };

    let total = scenarios.len();
    let next = AtomicUsize::new(0);
    let (send, receive) = mpsc::channel();
    let mut results: Vec<Option<FrontierPoint>> = vec![None; total];
    std::thread::scope(|scope| -> Result<(), String> {
        for _ in 0..workers {
            let send = send.clone();
            let (next, scenarios, grid, check_options, properties) =
                (&next, &scenarios, &grid, &check_options, &properties);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= scenarios.len() {
                        break;
                    }
                    let point = entry
                        .run(&scenarios[i], base_file, &Entry::default(), check_options)
                        .map(|report| point_of(&grid[i], properties, &report));
                    let failed = point.is_err();
                    if send.send((i, point)).is_err() || failed {
                        // Stop taking points once one failed.
                        next.store(usize::MAX / 2, Ordering::Relaxed);
                        break;
                    }
                }
            });
        }
        drop(send);
        let mut done = 0;
        for (i, point) in receive {
            results[i] = Some(point?);
            done += 1;
            on_point(done, total);
        }
        Ok(())
    })?;
    let points: Vec<FrontierPoint> = results
        .into_iter()
        .map(|p| p.expect("every point ran"))
        .collect();

    let mut notes = Vec::new();
    let horizon = template.horizon_ticks;
    let faults_until = template.faults_until_ticks;
    for axis in &options.axes {
        if axis.name == "pause_ticks_max" && faults_until + axis.hi > horizon {
            notes.push(format!(
                "a pause starting by tick {faults_until} (faults_until_ticks) and lasting {} ticks ends after the horizon ({horizon}): near the top of the pause axis, what happens after the pause is cut off, so `holds` there may be the horizon's doing",
                axis.hi
            ));
        }
        if axis.name == "ttl_ticks" && axis.hi >= horizon {
            notes.push(format!(
                "ttl_ticks reaches {} but real time stops at {horizon}: a lease that long never expires within the search",
                axis.hi
            ));
        }
    }
    let vacuous = points.iter().filter(|p| !p.lock_acquired).count();
    if vacuous > 0 {
        notes.push(format!(
            "at {vacuous} point(s) no client ever acquired the lock, so `holds` there is vacuous"
        ));
    }
    let mut report = FrontierReport {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        lockcheck_version: env!("CARGO_PKG_VERSION").to_string(),
        model: entry.id.to_string(),
        base_scenario_file: base_file.to_path_buf(),
        base_scenario: template,
        axes: options.axes.clone(),
        properties,
        states_max: limits.states_max,
        seconds_max: limits.time_max.as_secs(),
        points,
        frontiers: Vec::new(),
        notes,
    };
    report.frontiers = analyze(&report);
    Ok(report)
}

fn grid_values(axes: &[Axis]) -> Vec<Vec<u32>> {
    let mut grid = vec![Vec::new()];
    for axis in axes {
        grid = grid
            .into_iter()
            .flat_map(|prefix| {
                axis.values().into_iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push(v);
                    p
                })
            })
            .collect();
    }
    grid
}

fn point_of(
    values: &[u32],
    properties: &[PropertyName],
    report: &check::CheckReport,
) -> FrontierPoint {
    let verdict_of = |name: PropertyName| {
        report
            .properties
            .iter()
            .find(|p| p.property == name)
            .map(|p| &p.verdict)
    };
    let verdicts = properties
        .iter()
        .map(|&name| {
            let outcome = match verdict_of(name) {
                Some(Verdict::Holds { .. }) => Outcome::Holds,
                Some(Verdict::Violated { steps }) => Outcome::Violated {
                    steps: steps.unwrap_or(0),
                },
                Some(Verdict::Inconclusive { reason }) => Outcome::Inconclusive {
                    reason: reason.clone(),
                },
                None => Outcome::Inconclusive {
                    reason: "not checked".into(),
                },
            };
            (name, outcome)
        })
        .collect();
    FrontierPoint {
        values: values.to_vec(),
        verdicts,
        lock_acquired: matches!(
            verdict_of(PropertyName::LockAcquired),
            Some(Verdict::Holds { .. })
        ),
        unique_states: report.stats.unique_states,
        depth: report.stats.depth,
        stop: report.stats.stop.clone(),
    }
}
