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
use crate::scenario::{NetworkMode, PauseSpec, Scenario, Targets, Tier};

/// The format name written into every frontier file.
pub const FORMAT: &str = "lockcheck-frontier";
pub const FORMAT_VERSION: u32 = 1;

/// The knobs of the world that can be swept, besides the model's own
/// parameters, with what each sets.
pub const WORLD_AXES: &[(&str, &str)] = &[
    (
        "pause_ticks_max",
        "faults.pause.ticks_max: the longest process pause, in real ticks (0: no pause; a base without a pause gets one pause of a client)",
    ),
    (
        "drift_percent_max",
        "faults.clock.drift_percent_max: how far a clock's rate may be from real time, in percent",
    ),
    (
        "skew_ticks_max",
        "faults.clock.skew_ticks_max: how far apart clocks may start, in ticks",
    ),
    (
        "delay_ticks_max",
        "network.delay_ticks_max: the longest a message takes, in ticks (bounded networks only)",
    ),
];

/// The built-in base scenarios, used when no `--scenario` is given.
const GC_PAUSE: (&str, &str) = (
    "scenarios/gc-pause.json",
    include_str!("../scenarios/gc-pause.json"),
);
const CLOCK_DRIFT: (&str, &str) = (
    "scenarios/clock-drift.json",
    include_str!("../scenarios/clock-drift.json"),
);

/// The most points one sweep may have (each is an exhaustive check).
pub const POINTS_MAX: usize = 2000;

/// One swept knob: the values `lo`, `lo + step`, ... up to `hi` inclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axis {
    pub name: String,
    pub lo: u32,
    pub hi: u32,
    pub step: u32,
}

impl Axis {
    pub fn values(&self) -> Vec<u32> {
        (self.lo..=self.hi).step_by(self.step as usize).collect()
    }

    /// The unit, read from the name's suffix (units come last in names).
    pub fn unit(&self) -> &'static str {
        unit_of(&self.name)
    }

    /// `ttl_ticks (ticks)`.
    pub fn label(&self) -> String {
        match self.unit() {
            "" => self.name.clone(),
            u => format!("{} ({u})", self.name),
        }
    }

    /// `2..12` or `2..12:2`, as on the command line.
    pub fn range_text(&self) -> String {
        match (self.lo == self.hi, self.step) {
            (true, _) => self.lo.to_string(),
            (false, 1) => format!("{}..{}", self.lo, self.hi),
            (false, s) => format!("{}..{}:{s}", self.lo, self.hi),
        }
    }
}

fn unit_of(name: &str) -> &'static str {
    if name.contains("_ticks") {
        "ticks"
    } else if name.contains("_percent") {
        "%"
    } else {
        ""
    }
}

/// Parses `NAME=LO..HI[:STEP]` (inclusive) or `NAME=VALUE`.
pub fn parse_axis(text: &str) -> Result<Axis, String> {
    let bad = |why: &str| {
        format!(
            "--axis `{text}`: {why}; expected NAME=LO..HI[:STEP], e.g. ttl_ticks=2..8 or pause_ticks_max=0..12:2"
        )
    };
    let (name, range) = text.split_once('=').ok_or_else(|| bad("no `=`"))?;
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(bad(
            "the name must be a parameter or knob name such as ttl_ticks",
        ));
    }
    let (range, step) = match range.split_once(':') {
        Some((r, s)) => (r, Some(s)),
        None => (range, None),
    };
    let number = |s: &str, what: &str| -> Result<u32, String> {
        s.trim()
            .parse::<u32>()
            .map_err(|_| bad(&format!("{what} `{}` is not a whole number", s.trim())))
    };
    let (lo, hi) = match range.split_once("..") {
        Some((lo, hi)) => {
            let hi = hi.strip_prefix('=').unwrap_or(hi);
            (number(lo, "the low end")?, number(hi, "the high end")?)
        }
        None => {
            let v = number(range, "the value")?;
            (v, v)
        }
    };
    let step = match step {
        Some(s) => number(s, "the step")?,
        None => 1,
    };
    if lo > hi {
        return Err(bad(&format!("the low end {lo} is above the high end {hi}")));
    }
    if step == 0 {
        return Err(bad("the step is 0"));
    }
    Ok(Axis {
        name: name.to_string(),
        lo,
        hi,
        step,
    })
}

/// The sweep when no axis is given: the lease against the longest pause
/// (143 points; about 30 s for `redis_set_px` on 2 cores), or the pause alone
/// for a model without a TTL.
pub fn default_axes(entry: &ModelEntry) -> Vec<Axis> {
    let pause = Axis {
        name: "pause_ticks_max".into(),
        lo: 0,
        hi: 12,
        step: 1,
    };
    if entry.params.iter().any(|p| p.name == "ttl_ticks") {
        vec![
            Axis {
                name: "ttl_ticks".into(),
                lo: 2,
                hi: 12,
                step: 1,
            },
            pause,
        ]
    } else {
        vec![pause]
    }
}

/// The built-in base scenario for these axes: clock-drift when a clock knob is
/// swept without the pause, gc-pause otherwise. Returns its name and the
/// scenario.
pub fn default_base(axes: &[Axis]) -> Result<(PathBuf, Scenario), String> {
    let clock = axes
        .iter()
        .any(|a| a.name == "drift_percent_max" || a.name == "skew_ticks_max");
    let pause = axes.iter().any(|a| a.name == "pause_ticks_max");
    let (file, text) = if clock && !pause {
        CLOCK_DRIFT
    } else {
        GC_PAUSE
    };
    let path = PathBuf::from(file);
    let scenario = Scenario::parse(&path, text).map_err(|e| e.to_string())?;
    Ok((path, scenario))
}

/// Checks the axes against the model: known names, at most two, no repeats,
/// a parameter the model reads, values the knob accepts.
pub fn validate_axes(entry: &ModelEntry, axes: &[Axis]) -> Result<(), String> {
    if axes.is_empty() {
        return Err("no axis to sweep".into());
    }
    if axes.len() > 2 {
        return Err(format!(
            "{} axes given; a frontier sweeps one or two",
            axes.len()
        ));
    }
    if axes.len() == 2 && axes[0].name == axes[1].name {
        return Err(format!("axis `{}` is given twice", axes[0].name));
    }
    for axis in axes {
        let world = WORLD_AXES.iter().any(|(n, _)| *n == axis.name);
        let param = entry.params.iter().any(|p| p.name == axis.name);
        if !world && !param {
            let reads: Vec<&str> = entry.params.iter().map(|p| p.name).collect();
            let is_someones = crate::models::param_names().contains(&axis.name.as_str());
            let why = if is_someones {
                format!("model `{}` does not read `{}`", entry.id, axis.name)
            } else {
                format!("`{}` is no parameter or knob", axis.name)
            };
            let mut sweepable: Vec<&str> = reads.clone();
            sweepable.extend(WORLD_AXES.iter().map(|(n, _)| *n));
            return Err(format!(
                "{why}; the axes it can sweep: {}",
                sweepable.join(", ")
            ));
        }
        if param && axis.lo == 0 {
            return Err(format!(
                "axis `{}`: a parameter must be at least 1, the range starts at 0",
                axis.name
            ));
        }
        if axis.name == "drift_percent_max" && axis.hi >= 100 {
            return Err(format!(
                "axis `drift_percent_max`: {} is not below 100 (a clock that stops or runs backwards is a jump, not drift)",
                axis.hi
            ));
        }
    }
    let points: usize = axes.iter().map(|a| a.values().len()).product();
    if points > POINTS_MAX {
        return Err(format!(
            "{points} grid points; at most {POINTS_MAX} (each is an exhaustive check): use a coarser :STEP"
        ));
    }
    Ok(())
}

/// The base scenario made ready for sweeping. The model is expected nothing
/// there: a frontier reports verdicts, it does not compare them.
fn template(base: &Scenario) -> Scenario {
    let mut s = base.clone();
    s.tier = Tier::Extra;
    s
}

/// The scenario at one grid point: the template with the knobs set, then
/// validated as a scenario file is.
pub fn point_scenario(
    template: &Scenario,
    base_file: &Path,
    axes: &[Axis],
    values: &[u32],
) -> Result<Scenario, String> {
    let mut s = template.clone();
    for (axis, &v) in axes.iter().zip(values) {
        match axis.name.as_str() {
            "pause_ticks_max" => {
                if v == 0 {
                    s.faults.pause = None;
                } else {
                    match &mut s.faults.pause {
                        Some(p) => p.ticks_max = v,
                        None => {
                            s.faults.pause = Some(PauseSpec {
                                max: 1,
                                ticks_max: v,
                                targets: Targets::Clients,
                            })
                        }
                    }
                }
            }
            "drift_percent_max" => s.faults.clock.drift_percent_max = v,
            "skew_ticks_max" => s.faults.clock.skew_ticks_max = v,
            "delay_ticks_max" => {
                if s.network.mode != NetworkMode::Bounded {
                    return Err(format!(
                        "{}: axis `delay_ticks_max` needs a bounded network; this one is {:?}",
                        base_file.display(),
                        s.network.mode
                    ));
                }
                s.network.delay_ticks_max = Some(v);
            }
            name => {
                s.params.0.insert(name.to_string(), v);
            }
        }
    }
    let at: Vec<String> = axes
        .iter()
        .zip(values)
        .map(|(a, v)| format!("{}={v}", a.name))
        .collect();
    s.description = format!("{} [frontier point {}]", s.description, at.join(", "));
    // The same validation as a file: write it out and read it back.
    let text = serde_json::to_string_pretty(&s)
        .map_err(|e| format!("cannot serialize the scenario: {e}"))?;
    let label = PathBuf::from(format!("{} at {}", base_file.display(), at.join(", ")));
    Scenario::parse(&label, &text).map_err(|e| e.to_string())
}

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

/// Derives the boundaries and statements from the points (pure: the report's
/// `frontiers` are ignored).
pub fn analyze(report: &FrontierReport) -> Vec<PropertyFrontier> {
    report
        .properties
        .iter()
        .map(|&property| analyze_property(report, property))
        .collect()
}

fn outcome_at(report: &FrontierReport, property: PropertyName, values: &[u32]) -> Option<Outcome> {
    report
        .point(values)
        .and_then(|p| p.verdicts.get(&property).cloned())
}

fn line(
    report: &FrontierReport,
    property: PropertyName,
    fixed: Option<u32>,
    along: &[u32],
    at: impl Fn(u32) -> Vec<u32>,
) -> LineBoundary {
    let outcomes: Vec<(u32, Option<Outcome>)> = along
        .iter()
        .map(|&v| (v, outcome_at(report, property, &at(v))))
        .collect();
    let holding: Vec<u32> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Some(Outcome::Holds)))
        .map(|(v, _)| *v)
        .collect();
    let transitions = outcomes
        .windows(2)
        .filter_map(|w| {
            let a = w[0].1.as_ref()?.decided()?;
            let b = w[1].1.as_ref()?.decided()?;
            (a != b).then_some(Transition {
                from: w[0].0,
                to: w[1].0,
                holds_after: b,
            })
        })
        .collect();
    LineBoundary {
        fixed,
        holds_min: holding.first().copied(),
        holds_max: holding.last().copied(),
        transitions,
        inconclusive: outcomes
            .iter()
            .filter(|(_, o)| o.as_ref().and_then(Outcome::decided).is_none())
            .map(|(v, _)| *v)
            .collect(),
    }
}

fn analyze_property(report: &FrontierReport, property: PropertyName) -> PropertyFrontier {
    let axes = &report.axes;
    let mut holds = 0;
    let mut violated = 0;
    let mut inconclusive = 0;
    for p in &report.points {
        match p.verdicts.get(&property).and_then(Outcome::decided) {
            Some(true) => holds += 1,
            Some(false) => violated += 1,
            None => inconclusive += 1,
        }
    }
    let (by_row, by_column) = match axes.len() {
        1 => (
            vec![line(report, property, None, &axes[0].values(), |v| vec![v])],
            Vec::new(),
        ),
        _ => {
            let rows = axes[0].values();
            let cols = axes[1].values();
            (
                rows.iter()
                    .map(|&r| line(report, property, Some(r), &cols, |c| vec![r, c]))
                    .collect(),
                cols.iter()
                    .map(|&c| line(report, property, Some(c), &rows, |r| vec![r, c]))
                    .collect(),
            )
        }
    };
    let decided: Vec<(Vec<u32>, bool)> = report
        .points
        .iter()
        .filter_map(|p| {
            let d = p.verdicts.get(&property)?.decided()?;
            Some((p.values.clone(), d))
        })
        .collect();
    // The fitted relation is checked once more against every decided point:
    // a formula that some point contradicts is never stated.
    let relation = if holds > 0 && violated > 0 {
        fit(axes, &decided).filter(|r| decided.iter().all(|(values, h)| r.eval(axes, values) == *h))
    } else {
        None
    };
    let grid: Vec<String> = axes
        .iter()
        .map(|a| format!("{} {}", a.name, a.range_text()))
        .collect();
    let scope = if inconclusive == 0 {
        format!("on the grid {}", grid.join(", "))
    } else {
        format!(
            "on the {} decided points of the grid {}; {inconclusive} inconclusive",
            holds + violated,
            grid.join(", ")
        )
    };
    let statement = if holds + violated == 0 {
        format!("{property}: no point was decided ({scope})")
    } else if violated == 0 {
        format!("{property} holds at every point ({scope})")
    } else if holds == 0 {
        format!("{property} is violated at every point ({scope})")
    } else {
        match &relation {
            Some(r) => format!("{property} holds exactly when {} ({scope})", r.text()),
            None => format!(
                "{property}: no simple linear relation fits the checker's verdicts; see the table ({scope})"
            ),
        }
    };
    PropertyFrontier {
        property,
        holds,
        violated,
        inconclusive,
        by_row,
        by_column,
        relation,
        statement,
    }
}

/// Whether a world knob (the environment) rather than a model parameter: the
/// environment reads best on the left ("pause < ttl - 5").
fn is_world(name: &str) -> bool {
    WORLD_AXES.iter().any(|(n, _)| *n == name)
}

/// The steepest slope a fitted relation may have: a lease must outlast each
/// message of a critical section, so `ttl_ticks >= 5 * delay_ticks_max + 1`
/// is the kind of relation to find; steeper ones would fit by accident.
const SLOPE_MAX: i64 = 10;

/// Finds the simplest relation that matches every decided point: one atom,
/// else two joined by `and`, else two joined by `or`. Atoms compare one axis
/// with a constant, or one axis with 1 to `SLOPE_MAX` times the other plus a
/// constant. Returns `None` when nothing of that shape fits.
fn fit(axes: &[Axis], decided: &[(Vec<u32>, bool)]) -> Option<Relation> {
    // Truth values over the decided points, as bit sets.
    let words = decided.len().div_ceil(64);
    let bits = |f: &dyn Fn(&[u32]) -> bool| -> Vec<u64> {
        let mut set = vec![0u64; words];
        for (k, (values, _)) in decided.iter().enumerate() {
            if f(values) {
                set[k / 64] |= 1 << (k % 64);
            }
        }
        set
    };
    let target = bits(&|values| {
        decided
            .iter()
            .find(|(v, _)| v == values)
            .is_some_and(|(_, h)| *h)
    });
    let all_set = bits(&|_| true);

    // Candidate atoms, simplest first; a candidate whose truth on the decided
    // points equals an earlier one's is dropped.
    let mut atoms: Vec<(Atom, Vec<u64>, u32)> = Vec::new();
    let mut seen: std::collections::HashSet<Vec<u64>> = std::collections::HashSet::new();
    let mut push = |atom: Atom, cost: u32| {
        let t = bits(&|values| atom.eval(axes, values));
        if t.iter().all(|&w| w == 0) || t == all_set || !seen.insert(t.clone()) {
            return;
        }
        atoms.push((atom, t, cost));
    };
    let mut order: Vec<usize> = (0..axes.len()).collect();
    // The environment on the left when one axis is a world knob.
    order.sort_by_key(|&i| (!is_world(&axes[i].name), std::cmp::Reverse(i)));
    for &i in &order {
        let vals = axes[i].values();
        let (min, max) = (vals[0] as i64, *vals.last()? as i64);
        // `x < c`: the smallest c that fits is tightest around the holding
        // points; `x >= c`: the largest.
        for c in (min + 1)..=max {
            push(atom(&axes[i].name, "<", None, 0, c), 0);
        }
        for c in ((min + 1)..=max).rev() {
            push(atom(&axes[i].name, ">=", None, 0, c), 0);
        }
    }
    if axes.len() == 2 {
        for slope in 1..=SLOPE_MAX {
            for &i in &order {
                let j = 1 - i;
                let diffs: Vec<i64> = decided
                    .iter()
                    .map(|(v, _)| v[i] as i64 - slope * v[j] as i64)
                    .collect();
                let (lo, hi) = (*diffs.iter().min()?, *diffs.iter().max()?);
                for c in (lo + 1)..=hi {
                    push(
                        atom(&axes[i].name, "<", Some(&axes[j].name), slope, c),
                        slope as u32,
                    );
                }
                for c in ((lo + 1)..=hi).rev() {
                    push(
                        atom(&axes[i].name, ">=", Some(&axes[j].name), slope, c),
                        slope as u32,
                    );
                }
            }
        }
    }

    if let Some((a, _, _)) = atoms.iter().find(|(_, t, _)| *t == target) {
        return Some(Relation {
            combine: "all".into(),
            atoms: vec![a.clone()],
        });
    }
    let zip = |a: &[u64], b: &[u64], f: fn(u64, u64) -> u64| -> Vec<u64> {
        a.iter().zip(b).map(|(x, y)| f(*x, *y)).collect()
    };
    for combine in ["all", "any"] {
        // For `and`, both atoms must be true wherever the property holds;
        // for `or`, both false wherever it is violated.
        let candidates: Vec<&(Atom, Vec<u64>, u32)> = atoms
            .iter()
            .filter(|(_, t, _)| {
                if combine == "all" {
                    zip(t, &target, |x, y| x & y) == target
                } else {
                    zip(t, &target, |x, y| x | y) == target
                }
            })
            .collect();
        let mut best: Option<(u32, usize, usize)> = None;
        for i in 0..candidates.len() {
            for j in (i + 1)..candidates.len() {
                let (ta, tb) = (&candidates[i].1, &candidates[j].1);
                let joint = if combine == "all" {
                    zip(ta, tb, |x, y| x & y)
                } else {
                    zip(ta, tb, |x, y| x | y)
                };
                if joint == target {
                    let cost = candidates[i].2 + candidates[j].2;
                    if best.is_none_or(|(c, _, _)| cost < c) {
                        best = Some((cost, i, j));
                    }
                }
            }
        }
        if let Some((_, i, j)) = best {
            return Some(Relation {
                combine: combine.into(),
                atoms: vec![candidates[i].0.clone(), candidates[j].0.clone()],
            });
        }
    }
    None
}

fn atom(left: &str, op: &str, right: Option<&str>, slope: i64, offset: i64) -> Atom {
    Atom {
        left: left.to_string(),
        op: op.to_string(),
        right: right.map(str::to_string),
        slope,
        offset,
    }
}

// ---------------------------------------------------------------------------
// Rendering

/// The rows (first axis) and columns (last axis) of the table; a one-axis
/// sweep is one row.
fn table_shape(report: &FrontierReport) -> (Option<&Axis>, &Axis) {
    match report.axes.as_slice() {
        [only] => (None, only),
        [rows, cols, ..] => (Some(rows), cols),
        [] => panic!("a frontier has at least one axis"),
    }
}

fn coords(row: Option<u32>, col: u32) -> Vec<u32> {
    match row {
        Some(r) => vec![r, col],
        None => vec![col],
    }
}

fn cell_text(
    report: &FrontierReport,
    property: PropertyName,
    row: Option<u32>,
    col: u32,
) -> String {
    outcome_at(report, property, &coords(row, col))
        .map(|o| o.cell())
        .unwrap_or_else(|| "·".into())
}

/// `0..6`, `0..2, 5`, `none`.
fn holds_text(
    report: &FrontierReport,
    property: PropertyName,
    row: Option<u32>,
    cols: &[u32],
) -> String {
    let holding: Vec<u32> = cols
        .iter()
        .copied()
        .filter(|&c| outcome_at(report, property, &coords(row, c)) == Some(Outcome::Holds))
        .collect();
    if holding.is_empty() {
        return "none".into();
    }
    // Runs of adjacent grid values.
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &c in &holding {
        let idx = cols.iter().position(|&x| x == c).unwrap();
        match runs.last_mut() {
            Some((_, end)) if idx > 0 && cols[idx - 1] == *end => *end = c,
            _ => runs.push((c, c)),
        }
    }
    runs.iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}..{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn header_line(report: &FrontierReport) -> String {
    let grid: Vec<String> = report
        .axes
        .iter()
        .map(|a| format!("{} {}", a.name, a.range_text()))
        .collect();
    format!(
        "safety frontier of {} over {} (base scenario {}, {} points)",
        report.model,
        grid.join(" × "),
        report.base_scenario_file.display(),
        report.points.len()
    )
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad_left(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

/// The terminal table: per property, rows the first axis, columns the last;
/// `✓` holds, `✗k` violated in k steps, `?` inconclusive; then the statement.
pub fn render_text(report: &FrontierReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", header_line(report));
    let (rows_axis, cols_axis) = table_shape(report);
    let rows: Vec<Option<u32>> = match rows_axis {
        Some(a) => a.values().into_iter().map(Some).collect(),
        None => vec![None],
    };
    let cols = cols_axis.values();
    for f in &report.frontiers {
        let property = f.property;
        let _ = writeln!(out);
        let _ = writeln!(out, "{property}:");
        let row_label = rows_axis.map(|a| a.label()).unwrap_or_default();
        let row_w = width(&row_label).max(
            rows.iter()
                .map(|r| r.map_or(0, |v| v.to_string().len()))
                .max()
                .unwrap_or(0),
        );
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|&r| {
                cols.iter()
                    .map(|&c| cell_text(report, property, r, c))
                    .collect()
            })
            .collect();
        let col_w = cols
            .iter()
            .enumerate()
            .map(|(k, c)| {
                cells
                    .iter()
                    .map(|row| width(&row[k]))
                    .max()
                    .unwrap_or(1)
                    .max(c.to_string().len())
            })
            .collect::<Vec<_>>();
        let _ = writeln!(out, "  {}   {} →", " ".repeat(row_w), cols_axis.label());
        let mut head = format!("  {}", pad_left(&row_label, row_w));
        for (k, c) in cols.iter().enumerate() {
            let _ = write!(head, "  {}", pad_left(&c.to_string(), col_w[k]));
        }
        let _ = write!(head, "  holds at");
        let _ = writeln!(out, "{}", head.trim_end());
        for (ri, &r) in rows.iter().enumerate() {
            let label = r.map(|v| v.to_string()).unwrap_or_default();
            let mut line = format!("  {}", pad_left(&label, row_w));
            for (k, cell) in cells[ri].iter().enumerate() {
                let _ = write!(line, "  {}", pad_left(cell, col_w[k]));
            }
            let _ = write!(line, "  {}", holds_text(report, property, r, &cols));
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "  {}", f.statement);
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "✓ holds   ✗k violated (shortest counterexample: k steps)   ? inconclusive (a search bound was reached)"
    );
    for n in &report.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

/// The same tables in GitHub-flavoured Markdown.
pub fn render_markdown(report: &FrontierReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", header_line(report));
    let (rows_axis, cols_axis) = table_shape(report);
    let rows: Vec<Option<u32>> = match rows_axis {
        Some(a) => a.values().into_iter().map(Some).collect(),
        None => vec![None],
    };
    let cols = cols_axis.values();
    for f in &report.frontiers {
        let property = f.property;
        let _ = writeln!(out, "**{property}**: {}\n", f.statement.replace('|', "\\|"));
        let corner = match rows_axis {
            Some(r) => format!("{} \\ {}", r.label(), cols_axis.label()),
            None => cols_axis.label(),
        };
        let mut head = format!("| {corner} |");
        let mut rule = String::from("|---|");
        for c in &cols {
            let _ = write!(head, " {c} |");
            rule.push_str("---|");
        }
        head.push_str(" holds at |");
        rule.push_str("---|");
        let _ = writeln!(out, "{head}\n{rule}");
        for &r in &rows {
            let mut line = format!("| {} |", r.map(|v| v.to_string()).unwrap_or_default());
            for &c in &cols {
                let _ = write!(line, " {} |", cell_text(report, property, r, c));
            }
            let _ = write!(line, " {} |", holds_text(report, property, r, &cols));
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "✓ holds, ✗k violated (shortest counterexample: k steps), ? inconclusive (a search bound was reached)."
    );
    for n in &report.notes {
        let _ = writeln!(out, "\nNote: {n}");
    }
    out
}

/// Escapes text for XML and HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const HOLDS_FILL: &str = "#7fc97f";
const VIOLATED_FILL: &str = "#f0776e";
const INCONCLUSIVE_FILL: &str = "#c8c8c8";

fn fill(outcome: Option<&Outcome>) -> &'static str {
    match outcome {
        Some(Outcome::Holds) => HOLDS_FILL,
        Some(Outcome::Violated { .. }) => VIOLATED_FILL,
        _ => INCONCLUSIVE_FILL,
    }
}

fn describe(outcome: Option<&Outcome>) -> String {
    match outcome {
        Some(Outcome::Holds) => "holds".into(),
        Some(Outcome::Violated { steps }) => format!("violated in {steps} steps"),
        Some(Outcome::Inconclusive { reason }) => format!("inconclusive: {reason}"),
        None => "not checked".into(),
    }
}

/// A self-contained SVG: one panel per property, a cell per grid point
/// coloured by verdict (the last axis across, the first axis up), the
/// boundary drawn between adjacent decided cells whose verdicts differ.
pub fn render_svg(report: &FrontierReport) -> String {
    const CELL: usize = 26;
    const LEFT: usize = 64;
    const TOP: usize = 44;
    const GAP: usize = 36;
    const BOTTOM: usize = 96;
    let (rows_axis, cols_axis) = table_shape(report);
    let rows: Vec<Option<u32>> = match rows_axis {
        Some(a) => a.values().into_iter().map(Some).collect(),
        None => vec![None],
    };
    let cols = cols_axis.values();
    let panel_w = LEFT + cols.len() * CELL;
    let panel_h = rows.len() * CELL;
    let n = report.frontiers.len().max(1);
    let width = 12 + n * panel_w + (n - 1) * GAP + 12;
    let height = TOP + panel_h + BOTTOM + 14 * report.frontiers.len();
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, "<title>{}</title>", esc(&header_line(report)));
    let _ = writeln!(
        s,
        r#"<rect width="{width}" height="{height}" fill="white"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="12" y="16" font-size="12" font-weight="bold">{}</text>"#,
        esc(&format!("{}: safety frontier", report.model))
    );
    for (pi, f) in report.frontiers.iter().enumerate() {
        let x0 = 12 + pi * (panel_w + GAP) + LEFT;
        let y0 = TOP;
        let property = f.property;
        let _ = writeln!(s, r#"<g class="panel" data-property="{property}">"#);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-weight="bold">{property}</text>"#,
            x0,
            y0 - 8
        );
        // Rows go up: the first row value at the bottom.
        let cell_xy = |ri: usize, ci: usize| (x0 + ci * CELL, y0 + (rows.len() - 1 - ri) * CELL);
        for (ri, &r) in rows.iter().enumerate() {
            for (ci, &c) in cols.iter().enumerate() {
                let o = outcome_at(report, property, &coords(r, c));
                let (x, y) = cell_xy(ri, ci);
                let at: Vec<String> = report
                    .axes
                    .iter()
                    .zip(coords(r, c))
                    .map(|(a, v)| format!("{}={v}", a.name))
                    .collect();
                let _ = writeln!(
                    s,
                    r##"<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{}" stroke="#ffffff" stroke-width="1"><title>{}</title></rect>"##,
                    fill(o.as_ref()),
                    esc(&format!(
                        "{}: {property} {}",
                        at.join(", "),
                        describe(o.as_ref())
                    ))
                );
                let label = match &o {
                    Some(Outcome::Holds) => "✓".to_string(),
                    Some(Outcome::Violated { steps }) => steps.to_string(),
                    _ => "?".to_string(),
                };
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{}" text-anchor="middle" font-size="9" fill="black">{}</text>"#,
                    x + CELL / 2,
                    y + CELL / 2 + 3,
                    esc(&label)
                );
            }
        }
        // The boundary: every edge between two adjacent decided cells whose
        // verdicts differ.
        let decided = |ri: usize, ci: usize| {
            outcome_at(report, property, &coords(rows[ri], cols[ci])).and_then(|o| o.decided())
        };
        let mut path = String::new();
        for ri in 0..rows.len() {
            for ci in 0..cols.len() {
                let Some(here) = decided(ri, ci) else {
                    continue;
                };
                if ci + 1 < cols.len() && decided(ri, ci + 1).is_some_and(|d| d != here) {
                    let (x, y) = cell_xy(ri, ci + 1);
                    let _ = write!(path, "M{x} {y}V{} ", y + CELL);
                }
                if ri + 1 < rows.len() && decided(ri + 1, ci).is_some_and(|d| d != here) {
                    // Row ri + 1 is drawn above row ri: the shared edge is
                    // the top of row ri.
                    let (x, y) = cell_xy(ri, ci);
                    let _ = write!(path, "M{x} {y}H{} ", x + CELL);
                }
            }
        }
        if !path.is_empty() {
            let _ = writeln!(
                s,
                r#"<path class="boundary" d="{}" fill="none" stroke="black" stroke-width="3" stroke-linecap="square"/>"#,
                path.trim_end()
            );
        }
        // Axes: tick labels and names with units.
        for (ci, &c) in cols.iter().enumerate() {
            let (x, _) = cell_xy(0, ci);
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{}" text-anchor="middle">{c}</text>"#,
                x + CELL / 2,
                y0 + panel_h + 14
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            x0 + cols.len() * CELL / 2,
            y0 + panel_h + 32,
            esc(&cols_axis.label())
        );
        if let Some(ra) = rows_axis {
            for (ri, &r) in rows.iter().enumerate() {
                let (_, y) = cell_xy(ri, 0);
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
                    x0 - 6,
                    y + CELL / 2 + 4,
                    r.unwrap_or(0)
                );
            }
            let cx = x0 - 40;
            let cy = y0 + panel_h / 2;
            let _ = writeln!(
                s,
                r#"<text x="{cx}" y="{cy}" text-anchor="middle" transform="rotate(-90 {cx} {cy})">{}</text>"#,
                esc(&ra.label())
            );
        }
        let _ = writeln!(s, "</g>");
    }
    // Legend.
    let ly = TOP + panel_h + 52;
    let mut lx = 12 + LEFT;
    for (fill, text) in [
        (HOLDS_FILL, "holds"),
        (
            VIOLATED_FILL,
            "violated (k: steps of the shortest counterexample)",
        ),
        (INCONCLUSIVE_FILL, "inconclusive"),
    ] {
        let _ = writeln!(
            s,
            r#"<rect x="{lx}" y="{}" width="12" height="12" fill="{fill}"/><text x="{}" y="{}">{}</text>"#,
            ly - 10,
            lx + 16,
            ly,
            esc(text)
        );
        lx += 16 + text.chars().count() * 6 + 16;
    }
    let _ = writeln!(
        s,
        r#"<path d="M{lx} {}H{}" stroke="black" stroke-width="3"/><text x="{}" y="{ly}">boundary</text>"#,
        ly - 4,
        lx + 16,
        lx + 20
    );
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" font-size="10">{}</text>"#,
        12 + LEFT,
        ly + 22,
        esc(&format!(
            "base scenario {}; every point searched exhaustively up to the horizon",
            report.base_scenario_file.display()
        ))
    );
    for (i, f) in report.frontiers.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-size="10">{}</text>"#,
            12 + LEFT,
            ly + 38 + 14 * i,
            esc(&f.statement)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// An HTML fragment: a heading, the statements, the tables and the inline
/// SVG; no scripts, no external resources.
pub fn render_html_section(report: &FrontierReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<section class="lockcheck-frontier" id="frontier-{}">"#,
        esc(&report.model)
    );
    let _ = writeln!(out, "<h2>Safety frontier: {}</h2>", esc(&report.model));
    let _ = writeln!(out, "<p>{}</p>", esc(&header_line(report)));
    let _ = writeln!(out, "<ul>");
    for f in &report.frontiers {
        let _ = writeln!(out, "<li>{}</li>", esc(&f.statement));
    }
    let _ = writeln!(out, "</ul>");
    let (rows_axis, cols_axis) = table_shape(report);
    let rows: Vec<Option<u32>> = match rows_axis {
        Some(a) => a.values().into_iter().map(Some).collect(),
        None => vec![None],
    };
    let cols = cols_axis.values();
    let td = "border:1px solid #ddd;padding:2px 5px;text-align:center";
    for f in &report.frontiers {
        let property = f.property;
        let _ = writeln!(
            out,
            r#"<table style="border-collapse:collapse;font-family:monospace;margin:0.5em 0"><caption style="text-align:left;font-weight:bold">{property}</caption>"#
        );
        let corner = match rows_axis {
            Some(r) => format!("{} \\ {}", r.label(), cols_axis.label()),
            None => cols_axis.label(),
        };
        let mut head = format!(r#"<tr><th style="{td}">{}</th>"#, esc(&corner));
        for c in &cols {
            let _ = write!(head, r#"<th style="{td}">{c}</th>"#);
        }
        let _ = write!(head, r#"<th style="{td}">holds at</th></tr>"#);
        let _ = writeln!(out, "{head}");
        for &r in &rows {
            let mut line = format!(
                r#"<tr><th style="{td}">{}</th>"#,
                r.map(|v| v.to_string()).unwrap_or_default()
            );
            for &c in &cols {
                let o = outcome_at(report, property, &coords(r, c));
                let _ = write!(
                    line,
                    r#"<td style="{td};background:{}" title="{}">{}</td>"#,
                    fill(o.as_ref()),
                    esc(&describe(o.as_ref())),
                    esc(&cell_text(report, property, r, c))
                );
            }
            let _ = write!(
                line,
                r#"<td style="{td}">{}</td></tr>"#,
                esc(&holds_text(report, property, r, &cols))
            );
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "</table>");
    }
    let _ = writeln!(
        out,
        "<p>✓ holds, ✗k violated (shortest counterexample: k steps), ? inconclusive (a search bound was reached).</p>"
    );
    for n in &report.notes {
        let _ = writeln!(out, "<p>Note: {}</p>", esc(n));
    }
    out.push_str(&render_svg(report));
    out.push_str("</section>\n");
    out
}

/// The section as a standalone page.
pub fn render_html_page(report: &FrontierReport) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n</head>\n<body style=\"font-family:sans-serif;margin:1.5em\">\n{}</body>\n</html>\n",
        esc(&format!("lockcheck frontier: {}", report.model)),
        render_html_section(report)
    )
}
