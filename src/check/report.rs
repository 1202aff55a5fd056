//! What a check reports: the options it ran with, and its verdicts, paths,
//! timelines and search statistics, as the reports and `--json` show them.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::bfs::SearchLimits;
use crate::expectations::ExpectedVerdict;
use crate::properties::PropertyName;
use crate::world::Diagram;

/// How to run one check.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub limits: SearchLimits,
    pub threads: usize,
    /// Where counterexample traces are written (under `traces/`); `None`
    /// writes nothing.
    pub report_dir: Option<PathBuf>,
    /// Show a progress bar on stderr (hidden when stderr is not a terminal).
    pub progress: bool,
    /// Extra flags (limit overrides) that the reproduce command must repeat.
    pub reproduce_flags: Vec<String>,
    /// Liveness properties to check even where the model's expectations do
    /// not name them (`--property deadlock_free`). The ones it names are
    /// always checked.
    pub liveness: Vec<PropertyName>,
    /// When a search bound leaves properties undecided, how many seeded
    /// random runs of the same scenario look for a violation of them. `None`:
    /// the scenario's `simulation.runs`; `Some(0)`: none.
    pub simulation_runs: Option<u64>,
    /// Search one state per orbit under permutations of the clients, and of
    /// the servers, where the model declares them interchangeable
    /// (`LockModel::client_symmetry`, `LockModel::server_symmetry`).
    pub symmetry: bool,
    /// Decide only these properties (`--property`), and stop the search as
    /// soon as they are decided; empty: every property.
    pub only: Vec<PropertyName>,
    /// Renumber each client's request ids into a canonical form (its
    /// outstanding request's id, its stale ids, its next id), where the
    /// model keeps them in `node::Requests`: states that differ only in
    /// id values count once (see `src/world/request_ids.rs`).
    pub request_ids: bool,
    /// Merge the instants that have passed for good, where the model keeps
    /// its times as `node::Instant`s (`LockModel::times`): states that
    /// differ only in how long ago something expired count once (see
    /// `src/world/times.rs`).
    pub time_merge: bool,
    /// The state limit of the liveness graph, where it differs from
    /// `limits.states_max` (an expectation's `liveness_states_max`; see
    /// [`crate::check::resolve_liveness_states_max`]). `None`: the same.
    pub liveness_states_max: Option<u64>,
    /// Build the liveness graph one state per orbit of interchangeable
    /// nodes, where the group is small, and unfold it into the real graph
    /// (see `check::liveness::unfold`): the same graph and verdicts, for
    /// fewer of the model's steps. Used only with `symmetry`.
    pub liveness_orbits: bool,
}

impl CheckOptions {
    /// Whether `property` is to be decided.
    pub fn wants(&self, property: PropertyName) -> bool {
        self.only.is_empty() || self.only.contains(&property)
    }

    /// The safety search's properties to decide, one bit per property in
    /// [`PropertyName::ALL`] order (the world's order).
    pub(super) fn wanted_bits(&self) -> u32 {
        PropertyName::ALL
            .into_iter()
            .enumerate()
            .filter(|(_, p)| self.wants(*p))
            .fold(0, |bits, (i, _)| bits | 1 << i)
    }
}

/// The seed of the simulation that follows a search cut short by a bound.
pub const FALLBACK_SEED: u64 = 1;

/// The verdict on one property.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Verdict {
    /// Safety and bounded liveness: the whole bounded space was searched and
    /// no counterexample exists. Reachability: an example was found, in
    /// `steps` steps.
    Holds {
        #[serde(skip_serializing_if = "Option::is_none")]
        steps: Option<usize>,
    },
    /// Safety and bounded liveness: a counterexample of `steps` steps, the
    /// fewest possible. Reachability: the whole space has no example (`steps`
    /// is then `None`).
    Violated {
        #[serde(skip_serializing_if = "Option::is_none")]
        steps: Option<usize>,
    },
    /// The search stopped at a bound before deciding.
    Inconclusive { reason: String },
}

impl Verdict {
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Holds { .. } => "holds",
            Verdict::Violated { .. } => "VIOLATED",
            Verdict::Inconclusive { .. } => "inconclusive",
        }
    }

    pub fn matches(&self, expected: ExpectedVerdict) -> bool {
        matches!(
            (self, expected),
            (Verdict::Holds { .. }, ExpectedVerdict::Holds)
                | (Verdict::Violated { .. }, ExpectedVerdict::Violated)
                | (Verdict::Inconclusive { .. }, ExpectedVerdict::Inconclusive)
        )
    }
}

/// One row of a counterexample timeline.
#[derive(Clone, Debug, Serialize)]
pub struct TimelineRow {
    pub step: usize,
    /// Real time when the step happened.
    pub tick: u32,
    pub actor: String,
    pub event: String,
    /// What each client believes after the step.
    pub beliefs: Vec<String>,
    pub resource: String,
}

/// A counterexample (or, for reachability, an example).
#[derive(Clone, Debug, Serialize)]
pub struct PathReport {
    pub rows: Vec<TimelineRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_file: Option<PathBuf>,
    pub reproduce: String,
    /// The path as a space-time diagram, for reports.
    pub diagram: Diagram,
    /// For a lasso (a liveness counterexample): the row where the loop
    /// starts. The last row's state equals this row's, and the steps after
    /// it repeat forever.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loop_start: Option<usize>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PropertyReport {
    pub property: PropertyName,
    #[serde(flatten)]
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<ExpectedVerdict>,
    /// The counterexample (or example) as a timeline, with its trace file
    /// and reproduce command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathReport>,
    /// Set when the exhaustive search hit a bound before deciding this
    /// property and a seeded simulation of the same scenario was run
    /// instead. A violation it finds is real (its trace replays) but not
    /// necessarily the shortest; finding none decides nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulation: Option<SimulationFallback>,
}

/// What the simulation after a bounded search did for one property.
#[derive(Clone, Debug, Serialize)]
pub struct SimulationFallback {
    pub seed: u64,
    pub runs: u64,
    /// Runs that violated the property (for `lock_acquired`: reached it).
    pub runs_hit: u64,
}

impl PropertyReport {
    /// Whether this verdict meets the model's expectation. Without one, a
    /// decided verdict is what was observed, not a difference; an
    /// inconclusive one still says the search did not finish.
    pub fn as_expected(&self) -> bool {
        match self.expected {
            Some(e) => self.verdict.matches(e),
            None => !matches!(self.verdict, Verdict::Inconclusive { .. }),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SearchStats {
    pub engine: &'static str,
    /// Whether the search used symmetry (one state per orbit under
    /// permutations of interchangeable clients and servers); the counts are
    /// then of orbits.
    pub symmetry: bool,
    /// Whether the search renumbered request ids (states that differ only
    /// in the values of request ids count once).
    pub request_ids: bool,
    /// Whether the search merged instants that had passed for good (states
    /// that differ only in how long ago something expired count once).
    pub time_merge: bool,
    pub init_states: usize,
    pub unique_states: u64,
    pub transitions: u64,
    pub depth: u32,
    /// `complete`, `all properties decided`, or the bound that stopped it.
    pub stop: String,
    pub complete: bool,
    /// A complete search in which no fault of the scenario could ever strike
    /// while a client held the lock: its `holds` verdicts are vacuous as
    /// far as those faults go.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub vacuous: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub model: String,
    pub scenario: String,
    pub scenario_file: PathBuf,
    pub stats: SearchStats,
    /// The liveness checker's graph, when a liveness property was checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness: Option<LivenessStats>,
    pub properties: Vec<PropertyReport>,
    /// The model's expectation declares this cell's `holds` vacuous (see
    /// `SearchStats::vacuous`); a vacuous cell not declared so, or declared
    /// so and not vacuous, is a difference. `None`: the model states no
    /// expectation for this scenario, so nothing is a difference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vacuous_expected: Option<bool>,
}

/// The size of the liveness checker's graph.
#[derive(Clone, Debug, Serialize)]
pub struct LivenessStats {
    pub unique_states: u64,
    pub transitions: u64,
    pub depth: u32,
    /// From this real tick on, states are shifted back in time
    /// (`src/check/liveness.rs`); `None` when the abstraction does not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shift_from_tick: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shift_period_ticks: Option<u32>,
    /// `complete`, or why the graph was not built.
    pub stop: String,
    pub complete: bool,
    /// Built over orbits and unfolded (`--liveness-orbits`): the states
    /// the model was stepped from, one per orbit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orbit_states: Option<u64>,
}

impl CheckReport {
    pub fn all_as_expected(&self) -> bool {
        self.properties.iter().all(PropertyReport::as_expected)
            && self.vacuity_difference().is_none()
    }

    /// How the cell's vacuity differs from its expectation, if it does: a
    /// vacuous `holds` the model does not declare (`"vacuous": true`), or a
    /// declared one that a complete search found not vacuous.
    pub fn vacuity_difference(&self) -> Option<String> {
        let declared = self.vacuous_expected?;
        if self.stats.vacuous && !declared {
            Some(
                "its `holds` are vacuous (no fault of the scenario can strike while a client \
                 holds the lock), which the model's expectation does not declare \
                 (`\"vacuous\": true`)"
                    .into(),
            )
        } else if declared && self.stats.complete && !self.stats.vacuous {
            Some(
                "the expectation declares it vacuous, but a fault of the scenario can strike \
                 a holder"
                    .into(),
            )
        } else {
            None
        }
    }
    pub fn any_inconclusive(&self) -> bool {
        self.properties
            .iter()
            .any(|p| matches!(p.verdict, Verdict::Inconclusive { .. }))
    }
}

/// The command that reproduces a run, as printed after a violation.
pub fn reproduce_command(
    model: &str,
    scenario_file: &Path,
    property: Option<PropertyName>,
    flags: &[String],
) -> String {
    let mut cmd = format!(
        "cargo run --release -- check --model {model} --scenario {}",
        scenario_file.display()
    );
    if let Some(p) = property {
        cmd.push_str(&format!(" --property {p}"));
    }
    for f in flags {
        cmd.push(' ');
        cmd.push_str(f);
    }
    cmd
}
