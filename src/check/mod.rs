//! Checking one model under one scenario: build the world, search it, and turn
//! what the search found into verdicts, timelines and trace files.

pub mod liveness;
mod paths;
mod render;
mod report;
pub mod simulate;

pub use crate::engine::{bfs, memory};
use paths::{inconclusive_reason, liveness_inconclusive_reason, timeline, trace_file};
pub use paths::{lasso_in_real_time, real_time_rows, timeline_rows, trace_steps};
pub use render::{render_lasso_rows, render_report, render_rows, render_timeline, replay_command};
pub use report::*;

use std::path::Path;
use std::time::Duration;

use crate::expectations::Entry;
use crate::node::LockModel;
use crate::properties::{PropertyKind, PropertyName};
use crate::scenario::Scenario;
use crate::trace::{self, TraceFile};
use crate::world::{Canonical, PackedStore, Reductions, World, WorldConfig, step_view};
use bfs::{SearchLimits, Stop};

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
        counterexamples_of: properties
            .iter()
            .filter(|p| undecided(p))
            .map(|p| p.property)
            .collect(),
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
                let discoveries: Option<Vec<_>> = o
                    .discoveries
                    .iter()
                    .map(|d| match d {
                        Some(d) => canonical.realize(d).map(Some),
                        None => Some(None),
                    })
                    .collect();
                match discoveries {
                    Some(discoveries) => {
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
                    None => {
                        // A path of the quotient with no real path behind
                        // it: the model breaks a premise of the reductions,
                        // so none of their verdicts can be trusted. Search
                        // the real world instead, and say why.
                        eprintln!(
                            "warning: a counterexample found in the reduced state space does \
                             not map back to a real run (the model is not symmetric in its \
                             clients, or reads its request ids, times or tokens as more than \
                             the reductions allow); searching again without reductions"
                        );
                        canonical.world
                    }
                }
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
                orbit_states: None,
            };
            return Ok((stats, inconclusive(format!("liveness not checked: {why}"))));
        }
    };
    let limits = SearchLimits {
        states_max: options
            .liveness_states_max
            .unwrap_or(options.limits.states_max),
        ..options.limits.clone()
    };
    // Groups of more than six permutations unfold into too many pairs.
    let orbits = if options.symmetry && options.liveness_orbits {
        world.orbits(6)
    } else {
        None
    };
    // A graph of orbits cut short counts orbits; an unfolding cut short,
    // real states.
    let explored = liveness::explore(&world, &abs, orbits.as_ref(), &limits, options.threads)
        .map_err(|u| (u, orbits.is_some()))
        .and_then(|e| match &orbits {
            Some(o) => {
                let orbit_states = e.labels.len() as u64;
                liveness::unfold(o, e, limits.states_max)
                    .map(|(unfolded, frames)| (unfolded, Some((frames, orbit_states))))
                    .map_err(|u| (u, false))
            }
            None => Ok((e, None)),
        });
    let (explored, frames) = match explored {
        Ok(e) => e,
        Err((unfinished, counted_orbits)) => {
            let bound = unfinished.bound;
            let stats = LivenessStats {
                unique_states: unfinished.states,
                transitions: unfinished.transitions,
                depth: unfinished.depth,
                shift_from_tick: Some(abs.base),
                shift_period_ticks: Some(abs.period),
                stop: format!("incomplete: {bound}"),
                complete: false,
                orbit_states: counted_orbits.then_some(unfinished.states),
            };
            return Ok((
                stats,
                inconclusive(format!(
                    "liveness graph: {}",
                    liveness_inconclusive_reason(bound)
                )),
            ));
        }
    };
    let (frames, orbit_states) = frames.unzip();
    let stats_with = |stop: String, complete: bool| LivenessStats {
        unique_states: explored.labels.len() as u64,
        transitions: explored.transitions,
        depth: explored.depth,
        shift_from_tick: Some(abs.base),
        shift_period_ticks: Some(abs.period),
        stop,
        complete,
        orbit_states,
    };
    if let Some(why) = abs.message_times_seen() {
        let stats = stats_with(format!("not used: {why}"), false);
        return Ok((stats, inconclusive(format!("liveness not checked: {why}"))));
    }
    let stats = stats_with("complete".to_string(), true);
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
        let lasso = liveness::lasso(
            &world,
            &abs,
            g,
            &comp,
            orbits.as_ref().zip(frames.as_deref()),
        );
        let init = stateright::Model::init_states(&world).swap_remove(lasso.init_index);
        let (rows, diagram) = lasso_in_real_time(
            &world,
            init,
            &lasso.states,
            &lasso.actions,
            &lasso.shifts,
            lasso.loop_start,
        );
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
                diagram,
                rows,
                trace_file,
                reproduce,
                loop_start: Some(lasso.loop_start),
            }),
        ));
    }
    Ok((stats, verdicts))
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

/// The liveness graph's own state limit for a model's cell: the
/// expectation's `liveness_states_max`, unless the command line sets
/// `--states-max`, which then limits both searches.
pub fn resolve_liveness_states_max(expected: &Entry, states_max: Option<u64>) -> Option<u64> {
    match states_max {
        Some(_) => None,
        None => expected.liveness_states_max,
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
