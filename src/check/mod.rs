//! Checking one model under one scenario: build the world, search it, and turn
//! what the search found into verdicts, timelines and trace files.

pub mod liveness;
mod render;
pub mod simulate;

pub use crate::engine::{bfs, memory};
pub use render::{render_lasso_rows, render_report, render_rows, render_timeline, replay_command};

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::expectations::{Entry, ExpectedVerdict};
use crate::node::LockModel;
use crate::properties::{PropertyKind, PropertyName};
use crate::scenario::Scenario;
use crate::trace::{self, TraceFile};
use crate::world::{
    Canonical, Diagram, PackedStore, Reductions, World, WorldConfig, describe_action, step_view,
};
use bfs::{Bound, SearchLimits, Stop};

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
}

impl CheckOptions {
    /// Whether `property` is to be decided.
    pub fn wants(&self, property: PropertyName) -> bool {
        self.only.is_empty() || self.only.contains(&property)
    }

    /// The safety search's properties to decide, one bit per property in
    /// [`PropertyName::ALL`] order (the world's order).
    fn wanted_bits(&self) -> u32 {
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

/// Checks model variant `variant` (implemented by `M`) under `scenario`,
/// against what it is `expected` to do there.
pub fn run<M: LockModel>(
    variant: &str,
    scenario: &Scenario,
    scenario_file: &Path,
    expected: &Entry,
    options: &CheckOptions,
) -> Result<CheckReport, String> {
    let model = M::new(variant, &scenario.params).map_err(|e| {
        let place = Scenario::locate_param_error(scenario_file, &e);
        format!("{place}: model `{variant}`: {e}")
    })?;
    let world = World::new(
        model,
        WorldConfig::from_scenario(scenario),
        crate::properties::properties::<M>,
    );

    let bar = options.progress.then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(format!("{variant}: searching"));
        bar
    });
    // Progress for a person watching: the wall clock is read for the rate
    // shown, never for anything the search decides or reports.
    let started = std::time::Instant::now();
    let mut on_level = |depth: u32, unique: u64| {
        if let Some(bar) = &bar {
            let seconds = started.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!(
                "{variant}: depth {depth}, {unique} unique states, {:.0} states/s, {} MB resident",
                unique as f64 / seconds,
                crate::engine::memory::resident_bytes() >> 20
            ));
            bar.tick();
        }
    };
    let (world, outcome, used) = search(world, options, &mut on_level);
    let vacuous = matches!(outcome.stop, Stop::Exhausted)
        && world.has_striking_faults_only()
        && !world.fault_met_holder();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    let bound = match outcome.stop {
        Stop::Bound(b) => Some(b),
        _ => None,
    };
    let scenario_name = Scenario::name_of(scenario_file);
    let mut properties = Vec::new();
    for (i, name) in PropertyName::ALL.into_iter().enumerate() {
        if !options.wants(name) {
            continue;
        }
        let discovery = outcome.discoveries[i].as_ref();
        let steps = discovery.map(|d| d.actions.len());
        let verdict = match (name.kind(), discovery, bound) {
            (PropertyKind::Reachability, Some(_), _) => Verdict::Holds { steps },
            (PropertyKind::Reachability, None, None) => Verdict::Violated { steps: None },
            (_, Some(_), _) => Verdict::Violated { steps },
            (_, None, None) => Verdict::Holds { steps: None },
            (_, None, Some(b)) => Verdict::Inconclusive {
                reason: inconclusive_reason(b),
            },
        };
        let path = match discovery {
            Some(d) => {
                let rows = timeline(&world, d);
                let is_counterexample = name.kind() != PropertyKind::Reachability;
                let trace_file = match (&options.report_dir, is_counterexample) {
                    (Some(dir), true) => {
                        let file = TraceFile {
                            format: trace::FORMAT.to_string(),
                            format_version: trace::FORMAT_VERSION,
                            lockcheck_version: env!("CARGO_PKG_VERSION").to_string(),
                            kind: "counterexample".to_string(),
                            model: variant.to_string(),
                            property: name,
                            engine: "bfs".to_string(),
                            scenario_file: scenario_file.to_path_buf(),
                            scenario: scenario.clone(),
                            limits: trace::TraceLimits::from(&options.limits),
                            simulation: None,
                            nodes: world.node_names().to_vec(),
                            init_index: d.init_index,
                            actions: d
                                .actions
                                .iter()
                                .map(|a| serde_json::to_value(a).expect("actions serialize"))
                                .collect(),
                            steps: d
                                .states
                                .iter()
                                .zip(rows.iter())
                                .map(|(s, row)| trace::TraceStep {
                                    step: row.step,
                                    actor: row.actor.clone(),
                                    event: row.event.clone(),
                                    state: step_view(&world, s),
                                })
                                .collect(),
                            reproduce: reproduce_command(
                                variant,
                                scenario_file,
                                Some(name),
                                &options.reproduce_flags,
                            ),
                            loop_start: None,
                        };
                        let path = dir
                            .join("traces")
                            .join(format!("{variant}.{scenario_name}.{name}.json"));
                        trace::write(&path, &file)
                            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                        Some(path)
                    }
                    _ => None,
                };
                Some(PathReport {
                    diagram: crate::world::diagram(&world, &d.states, &d.actions),
                    rows,
                    trace_file,
                    reproduce: reproduce_command(
                        variant,
                        scenario_file,
                        Some(name),
                        &options.reproduce_flags,
                    ),
                    loop_start: None,
                })
            }
            None => None,
        };
        properties.push(PropertyReport {
            property: name,
            verdict,
            expected: expected.verdicts.get(&name).copied(),
            path,
            simulation: None,
        });
    }

    if bound.is_some() {
        simulate_undecided::<M>(
            variant,
            scenario,
            scenario_file,
            expected,
            options,
            &mut properties,
        )?;
    }

    // Liveness under fairness: where the model expects a verdict, or the
    // command line asks for one.
    let expected_of = |name: PropertyName| expected.verdicts.get(&name).copied();
    let wanted: Vec<PropertyName> = PropertyName::LIVENESS
        .into_iter()
        .filter(|p| expected_of(*p).is_some() || options.liveness.contains(p))
        .filter(|p| options.wants(*p))
        .collect();
    let mut liveness_stats = None;
    if !wanted.is_empty() {
        let (stats, verdicts) =
            check_liveness::<M>(variant, scenario, scenario_file, options, &wanted)?;
        liveness_stats = Some(stats);
        for (name, verdict, path) in verdicts {
            properties.push(PropertyReport {
                property: name,
                verdict,
                expected: expected_of(name),
                path,
                simulation: None,
            });
        }
    }

    Ok(CheckReport {
        model: variant.to_string(),
        scenario: scenario_name,
        scenario_file: scenario_file.to_path_buf(),
        stats: SearchStats {
            engine: "bfs",
            symmetry: used.symmetry,
            request_ids: used.request_ids,
            time_merge: used.time_merge,
            init_states: outcome.init_states,
            unique_states: outcome.unique_states,
            transitions: outcome.transitions,
            depth: outcome.depth,
            stop: match outcome.stop {
                Stop::Exhausted => "complete".to_string(),
                Stop::AllDecided if options.only.is_empty() => {
                    "stopped early: every property decided".to_string()
                }
                Stop::AllDecided => "stopped early: every property asked for decided".to_string(),
                Stop::Bound(b) => format!("incomplete: {b}"),
            },
            complete: bound.is_none(),
            vacuous,
        },
        liveness: liveness_stats,
        properties,
        vacuous_expected: (expected.vacuous || !expected.verdicts.is_empty())
            .then_some(expected.vacuous),
    })
}

/// A search cut short by a bound decides nothing about the properties it had
/// not decided yet. A seeded simulation of the same scenario may still find a
/// violation of them: a real counterexample (its trace replays), shrunk but
/// not necessarily the shortest. Where it finds none, the verdict stays
/// inconclusive and says how many runs found nothing.
fn simulate_undecided<M: LockModel>(
    variant: &str,
    scenario: &Scenario,
    scenario_file: &Path,
    expected: &Entry,
    options: &CheckOptions,
    properties: &mut [PropertyReport],
) -> Result<(), String> {
    let runs = options.simulation_runs.unwrap_or(scenario.simulation.runs);
    let undecided = |p: &PropertyReport| matches!(p.verdict, Verdict::Inconclusive { .. });
    // An interrupted run reports what it has; it starts nothing new.
    if runs == 0 || !properties.iter().any(undecided) || crate::engine::interrupt::requested() {
        return Ok(());
    }
    let sim_options = simulate::SimOptions {
        seed: FALLBACK_SEED,
        seed_text: FALLBACK_SEED.to_string(),
        runs,
        shard: (1, 1),
        fault_percent: scenario.simulation.fault_percent,
        steps_max: scenario.simulation.steps_max,
        threads: options.threads,
        report_dir: options.report_dir.clone(),
        counterexamples: true,
    };
    let sim = simulate::run::<M>(variant, scenario, scenario_file, expected, &sim_options)?;
    for p in properties.iter_mut().filter(|p| undecided(p)) {
        let Some(found) = sim.properties.iter().find(|s| s.property == p.property) else {
            continue;
        };
        p.simulation = Some(SimulationFallback {
            seed: FALLBACK_SEED,
            runs,
            runs_hit: found.runs_hit,
        });
        match (&found.counterexample, found.first_run) {
            (_, Some(_)) if p.property.kind() == PropertyKind::Reachability => {
                p.verdict = Verdict::Holds { steps: None };
            }
            (Some(cex), _) => {
                p.verdict = Verdict::Violated {
                    steps: Some(cex.shrunk_steps),
                };
                p.path = Some(PathReport {
                    rows: cex.rows.clone(),
                    trace_file: cex.trace_file.clone(),
                    reproduce: simulate::reproduce_command(
                        variant,
                        scenario_file,
                        &sim_options.seed_text,
                        cex.run,
                    ),
                    diagram: cex.diagram.clone(),
                    loop_start: None,
                });
            }
            _ => {
                if let Verdict::Inconclusive { reason } = &mut p.verdict {
                    reason.push_str(&format!(
                        "; a seeded simulation found no violation in {runs} runs (seed {FALLBACK_SEED})"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Searches `world`, over orbits under symmetry and with request ids
/// renumbered, as far as the options ask for it and the model allows it;
/// discoveries come back as real paths. Returns the world, the outcome and
/// which reductions were used.
pub fn search<M: LockModel>(
    world: World<M>,
    options: &CheckOptions,
    on_level: &mut dyn FnMut(u32, u64),
) -> (World<M>, bfs::SearchOutcome<World<M>>, Reductions) {
    let asked = Reductions {
        symmetry: options.symmetry,
        request_ids: options.request_ids,
        time_merge: options.time_merge,
    };
    let world = if asked.symmetry || asked.request_ids || asked.time_merge {
        match Canonical::new(world, asked) {
            Ok(canonical) => {
                let used = Reductions {
                    symmetry: canonical.uses_symmetry(),
                    request_ids: canonical.renumbers_ids(),
                    time_merge: canonical.merges_times(),
                };
                let store = PackedStore::new();
                let o = bfs::search_deciding(
                    &canonical,
                    &store,
                    &options.limits,
                    options.threads,
                    options.wanted_bits(),
                    on_level,
                );
                let discoveries = o
                    .discoveries
                    .iter()
                    .map(|d| d.as_ref().map(|d| canonical.realize(d)))
                    .collect();
                let outcome = bfs::SearchOutcome {
                    unique_states: o.unique_states,
                    transitions: o.transitions,
                    depth: o.depth,
                    init_states: o.init_states,
                    stop: o.stop,
                    discoveries,
                };
                return (canonical.world, outcome, used);
            }
            Err(world) => *world,
        }
    } else {
        world
    };
    let store = PackedStore::new();
    let outcome = bfs::search_deciding(
        &world,
        &store,
        &options.limits,
        options.threads,
        options.wanted_bits(),
        on_level,
    );
    let used = Reductions {
        symmetry: false,
        request_ids: false,
        time_merge: false,
    };
    (world, outcome, used)
}

type LivenessVerdicts = Vec<(PropertyName, Verdict, Option<PathReport>)>;

/// Builds the liveness graph once and decides each of `wanted` on it.
fn check_liveness<M: LockModel>(
    variant: &str,
    scenario: &Scenario,
    scenario_file: &Path,
    options: &CheckOptions,
    wanted: &[PropertyName],
) -> Result<(LivenessStats, LivenessVerdicts), String> {
    let model = M::new(variant, &scenario.params).map_err(|e| {
        let place = Scenario::locate_param_error(scenario_file, &e);
        format!("{place}: model `{variant}`: {e}")
    })?;
    let world = liveness::unbounded_world(model, &WorldConfig::from_scenario(scenario));
    let inconclusive = |reason: String| -> LivenessVerdicts {
        wanted
            .iter()
            .map(|p| {
                (
                    *p,
                    Verdict::Inconclusive {
                        reason: reason.clone(),
                    },
                    None,
                )
            })
            .collect()
    };
    let abs = match liveness::Abstraction::new(&world) {
        Ok(a) => a,
        Err(why) => {
            let stats = LivenessStats {
                unique_states: 0,
                transitions: 0,
                depth: 0,
                shift_from_tick: None,
                shift_period_ticks: None,
                stop: format!("not built: {why}"),
                complete: false,
            };
            return Ok((stats, inconclusive(format!("liveness not checked: {why}"))));
        }
    };
    let explored = match liveness::explore(&world, &abs, &options.limits, options.threads) {
        Ok(e) => e,
        Err(bound) => {
            let stats = LivenessStats {
                unique_states: 0,
                transitions: 0,
                depth: 0,
                shift_from_tick: Some(abs.base),
                shift_period_ticks: Some(abs.period),
                stop: format!("incomplete: {bound}"),
                complete: false,
            };
            return Ok((
                stats,
                inconclusive(format!("liveness graph: {}", inconclusive_reason(bound))),
            ));
        }
    };
    let stats = LivenessStats {
        unique_states: explored.labels.len() as u64,
        transitions: explored.transitions,
        depth: explored.depth,
        shift_from_tick: Some(abs.base),
        shift_period_ticks: Some(abs.period),
        stop: "complete".to_string(),
        complete: true,
    };
    let g = &explored.graph;
    let labels = &explored.labels;
    let mut verdicts = Vec::new();
    for &name in wanted {
        let comp = match name {
            PropertyName::DeadlockFree => liveness::first_fair_component(g, &|v| {
                let l = labels[v as usize];
                l.waiting != 0 && !l.live_holder
            }),
            PropertyName::StarvationFree => {
                // Per client; the lasso whose loop is reached first wins.
                let mut best: Option<Vec<u32>> = None;
                for ci in 0..world.cfg.clients {
                    let found = liveness::first_fair_component(g, &|v| {
                        labels[v as usize].waiting & (1 << ci) != 0
                    });
                    if let Some(c) = found
                        && best.as_ref().is_none_or(|b| c[0] < b[0])
                    {
                        best = Some(c);
                    }
                }
                best
            }
            _ => unreachable!("only liveness properties are checked here"),
        };
        let Some(comp) = comp else {
            verdicts.push((name, Verdict::Holds { steps: None }, None));
            continue;
        };
        let lasso = liveness::lasso(&world, &abs, g, &comp);
        let mut rows = timeline_rows(&world, &lasso.states, &lasso.actions);
        real_time_rows(&mut rows, &lasso.states, &lasso.shifts, &lasso.actions);
        let reproduce =
            reproduce_command(variant, scenario_file, Some(name), &options.reproduce_flags);
        let trace_file = match &options.report_dir {
            Some(dir) => {
                let file = trace_file(
                    variant,
                    scenario,
                    scenario_file,
                    options,
                    &world,
                    name,
                    lasso.init_index,
                    &lasso.actions,
                    &lasso.states,
                    &rows,
                    Some(lasso.loop_start),
                );
                let scenario_name = Scenario::name_of(scenario_file);
                let path = dir
                    .join("traces")
                    .join(format!("{variant}.{scenario_name}.{name}.json"));
                trace::write(&path, &file)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Some(path)
            }
            None => None,
        };
        verdicts.push((
            name,
            Verdict::Violated {
                steps: Some(lasso.actions.len()),
            },
            Some(PathReport {
                diagram: {
                    let mut d = crate::world::diagram(&world, &lasso.states, &lasso.actions);
                    d.shift_ticks(&lasso.shifts);
                    d.loop_start = Some(lasso.loop_start);
                    d
                },
                rows,
                trace_file,
                reproduce,
                loop_start: Some(lasso.loop_start),
            }),
        ));
    }
    Ok((stats, verdicts))
}

/// A lasso's states are canonical (shifted back in time); its timeline
/// shows real time instead.
pub fn real_time_rows<M: LockModel>(
    rows: &mut [TimelineRow],
    states: &[crate::world::WorldState<M>],
    shifts: &[u64],
    actions: &[crate::world::Action<M::Msg, M::Timer>],
) {
    for (i, row) in rows.iter_mut().enumerate() {
        let real = states[i].now as u64 + shifts[i];
        row.tick = real as u32;
        if i > 0 && matches!(actions[i - 1], crate::world::Action::Tick) {
            row.event = format!("time passes to t={real}");
        }
        // Every clock runs at 100% where states are shifted, so a monotonic
        // clock reading moves by the same shift as real time.
        if i > 0
            && let Some((head, clock)) = row
                .event
                .strip_suffix(')')
                .and_then(|e| e.rsplit_once("(mono clock "))
            && let Ok(local) = clock.parse::<i64>()
        {
            let before = shifts[i - 1] as i64;
            row.event = format!("{head}(mono clock {})", local + before);
        }
    }
}

/// The trace file of a counterexample.
#[allow(clippy::too_many_arguments)]
fn trace_file<M: LockModel>(
    variant: &str,
    scenario: &Scenario,
    scenario_file: &Path,
    options: &CheckOptions,
    world: &World<M>,
    name: PropertyName,
    init_index: usize,
    actions: &[crate::world::Action<M::Msg, M::Timer>],
    states: &[crate::world::WorldState<M>],
    rows: &[TimelineRow],
    loop_start: Option<usize>,
) -> TraceFile {
    TraceFile {
        format: trace::FORMAT.to_string(),
        format_version: trace::FORMAT_VERSION,
        lockcheck_version: env!("CARGO_PKG_VERSION").to_string(),
        kind: if loop_start.is_some() {
            "lasso".to_string()
        } else {
            "counterexample".to_string()
        },
        model: variant.to_string(),
        property: name,
        engine: if loop_start.is_some() {
            "liveness".to_string()
        } else {
            "bfs".to_string()
        },
        scenario_file: scenario_file.to_path_buf(),
        scenario: scenario.clone(),
        limits: trace::TraceLimits::from(&options.limits),
        simulation: None,
        nodes: world.node_names().to_vec(),
        init_index,
        actions: actions
            .iter()
            .map(|a| serde_json::to_value(a).expect("actions serialize"))
            .collect(),
        steps: states
            .iter()
            .zip(rows.iter())
            .map(|(s, row)| trace::TraceStep {
                step: row.step,
                actor: row.actor.clone(),
                event: row.event.clone(),
                state: step_view(world, s),
            })
            .collect(),
        reproduce: reproduce_command(variant, scenario_file, Some(name), &options.reproduce_flags),
        loop_start,
    }
}

fn inconclusive_reason(bound: Bound) -> String {
    let hint = match bound {
        Bound::States(_) => "raise --states-max or limits.states_max",
        Bound::Depth(_) => "raise --depth-max or limits.depth_max",
        Bound::Time(_) => "raise --seconds-max or limits.seconds_max",
        Bound::Memory { .. } => "raise --memory-max or limits.memory_mb, or free memory",
        Bound::Interrupted { .. } => "run it again to the end",
    };
    format!("{bound} before a verdict ({hint})")
}

fn timeline<M: LockModel>(world: &World<M>, d: &bfs::Discovery<World<M>>) -> Vec<TimelineRow> {
    timeline_rows(world, &d.states, &d.actions)
}

/// The timeline of a path: `states[0]` is the initial state and `states[i + 1]`
/// follows `actions[i]`.
pub fn timeline_rows<M: LockModel>(
    world: &World<M>,
    states: &[crate::world::WorldState<M>],
    actions: &[crate::world::Action<M::Msg, M::Timer>],
) -> Vec<TimelineRow> {
    let beliefs = |s: &crate::world::WorldState<M>| -> (Vec<String>, String) {
        let view = step_view(world, s);
        let clients = view.clients.iter().map(|c| c.short()).collect();
        let r = &view.resource;
        let mut res = format!("value={} writes={}", r.value, r.writes_accepted);
        if r.stale_write_accepted {
            res.push_str(" STALE-WRITE");
        }
        (clients, res)
    };
    let first = &states[0];
    let clocks: Vec<String> = first
        .clocks
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let name = &world.node_names()[n];
            if c.rate_percent == 100 {
                format!("{name}={}", c.offset_ticks)
            } else {
                format!("{name}={}@{}%", c.offset_ticks, c.rate_percent)
            }
        })
        .collect();
    let (b, r) = beliefs(first);
    let mut rows = vec![TimelineRow {
        step: 0,
        tick: first.now,
        actor: "-".to_string(),
        event: format!("initial state; clocks {}", clocks.join(" ")),
        beliefs: b,
        resource: r,
    }];
    for (i, action) in actions.iter().enumerate() {
        let before = &states[i];
        let after = &states[i + 1];
        let (actor, event) = describe_action(world, before, action);
        let (b, r) = beliefs(after);
        rows.push(TimelineRow {
            step: i + 1,
            tick: after.now,
            actor,
            event,
            beliefs: b,
            resource: r,
        });
    }
    rows
}

/// Resolves a scenario's limits for a model (whose expectations may lower
/// the state limit) with command-line overrides, for a search that runs
/// alone; see [`SearchLimits::shared_by`] for several at once.
pub fn resolve_limits(
    scenario: &Scenario,
    expected: &Entry,
    states_max: Option<u64>,
    depth_max: Option<u32>,
    seconds_max: Option<u64>,
    memory_max: Option<u64>,
) -> SearchLimits {
    SearchLimits {
        states_max: states_max
            .or(expected.states_max)
            .unwrap_or(scenario.limits.states_max),
        depth_max: depth_max.or(scenario.limits.depth_max),
        time_max: Duration::from_secs(seconds_max.unwrap_or(scenario.limits.seconds_max)),
        memory: memory::MemoryLimit::resolve(memory_max, scenario.limits.memory_mb, 1),
    }
}

impl SearchLimits {
    /// The limits of one of `concurrent` searches that run at once in this
    /// process (resolved from the same `scenario` and `--memory-max`): each
    /// gets its share of the memory budget.
    pub fn shared_by(
        mut self,
        scenario: &Scenario,
        memory_max: Option<u64>,
        concurrent: usize,
    ) -> SearchLimits {
        self.memory =
            memory::MemoryLimit::resolve(memory_max, scenario.limits.memory_mb, concurrent);
        self
    }
}

/// Serves stateright's Explorer over the world of `variant` under `scenario`
/// at `address`; runs until the process is stopped.
pub fn explore<M: LockModel>(
    variant: &str,
    scenario: &Scenario,
    address: &str,
) -> Result<(), String> {
    use stateright::Model;
    let model = M::new(variant, &scenario.params).map_err(|e| format!("model `{variant}`: {e}"))?;
    let world = World::new(
        model,
        WorldConfig::from_scenario(scenario),
        crate::properties::properties::<M>,
    );
    world.checker().serve(address);
    Ok(())
}
