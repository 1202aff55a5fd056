//! Seeded random simulation over the same world, and shrinking.
//!
//! Each run is a random walk from a random initial state until the horizon (or
//! `steps_max`), choosing among the actions the world offers: with
//! probability `fault_percent` one of the enabled faults, otherwise one of the
//! protocol steps (deliveries, timers, recoveries and the passing of time),
//! uniformly. Message delays therefore fall anywhere in their window, and
//! faults strike at random moments within their budgets.
//!
//! Run `i` draws from `ChaCha8Rng::seed_from_u64(seed)` on stream `i`, so a
//! run depends only on the seed and its index: results are the same for any
//! thread count, and `--shard K/N` (runs whose index is `K - 1` modulo `N`)
//! splits a sweep into parts whose counts add up exactly to the whole.
//!
//! A violating run is shrunk before it is reported: chunks of its actions are
//! cut, halving the chunk size down to single actions, and each candidate is
//! re-run through the world (skipping actions the world no longer offers); a
//! cut is kept when the property is still violated. The result is a path the
//! world really takes, never longer than the original, written in the same
//! trace format as `check` and replayable by `replay`.

use std::path::{Path, PathBuf};

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde::Serialize;
use stateright::{Expectation, Model};

use super::{TimelineRow, timeline_rows};
use crate::expectations::{Entry, ExpectedVerdict};
use crate::node::LockModel;
use crate::properties::{PropertyKind, PropertyName};
use crate::scenario::Scenario;
use crate::trace::{self, SimulationInfo, TraceFile, TraceLimits};
use crate::world::{Action, World, WorldConfig, WorldState};

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub seed: u64,
    /// The seed as the user gave it (a number or a commit hash).
    pub seed_text: String,
    pub runs: u64,
    /// `(k, n)`: this process runs the runs whose index is `k - 1` modulo `n`.
    pub shard: (u64, u64),
    pub fault_percent: u32,
    pub steps_max: usize,
    pub threads: usize,
    pub report_dir: Option<PathBuf>,
    /// Shrink the first violating run of each property into a counterexample
    /// (`compare --estimate` only counts, and skips this).
    pub counterexamples: bool,
    /// Where not empty, only these properties' violations are shrunk and
    /// written: a search cut short simulates for the properties it left
    /// undecided, and has the shortest counterexamples of the others.
    pub counterexamples_of: Vec<PropertyName>,
}

/// Parses a seed: a decimal number, or a 40-hex-digit commit hash (so CI can
/// run a different seed per commit and still replay from the commit alone).
pub fn parse_seed(text: &str) -> Result<u64, String> {
    if let Ok(n) = text.parse::<u64>() {
        return Ok(n);
    }
    if text.len() == 40 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        // The first 16 hex digits: a commit hash is already uniformly spread.
        return u64::from_str_radix(&text[..16], 16).map_err(|e| e.to_string());
    }
    Err(format!(
        "`{text}` is neither a number nor a 40-hex-digit commit hash"
    ))
}

/// Parses `K/N` with `1 <= K <= N`.
pub fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not K/N"))?;
    let k: u64 = k
        .parse()
        .map_err(|_| format!("`{text}`: K is not a number"))?;
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{text}`: N is not a number"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("`{text}`: expected 1 <= K <= N"));
    }
    Ok((k, n))
}

/// A 95% Wilson score interval for `k` successes in `n` trials.
pub fn wilson_interval(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = 1.96_f64;
    let n = n as f64;
    let p = k as f64 / n;
    let denominator = 1.0 + z * z / n;
    let center = (p + z * z / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denominator;
    ((center - half).max(0.0), (center + half).min(1.0))
}

/// What the sweep found for one property.
#[derive(Clone, Debug, Serialize)]
pub struct PropertySim {
    pub property: PropertyName,
    /// Runs that violated it (for `lock_acquired`: runs that reached it).
    pub runs_hit: u64,
    /// The lowest run index that did, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_run: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<ExpectedVerdict>,
    /// The shrunk counterexample of the first violating run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<SimCounterexample>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SimCounterexample {
    pub run: u64,
    pub original_steps: usize,
    pub shrunk_steps: usize,
    pub rows: Vec<TimelineRow>,
    /// The path as a space-time diagram, for reports.
    #[serde(skip)]
    pub diagram: crate::world::Diagram,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_file: Option<PathBuf>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SimReport {
    /// The lockcheck that ran it: shards merge only with the same version.
    pub lockcheck_version: String,
    pub model: String,
    pub scenario: String,
    pub seed: String,
    /// Runs of this shard.
    pub runs: u64,
    /// Runs of the whole sweep (`--runs`), over all its shards.
    pub sweep_runs: u64,
    pub shard: String,
    pub fault_percent: u32,
    pub steps_max: usize,
    /// Runs that ended because they reached `steps_max` before the horizon.
    pub runs_cut_at_steps_max: u64,
    pub properties: Vec<PropertySim>,
}

/// The world's action type for model `M`.
type WorldAction<M> = Action<<M as LockModel>::Msg, <M as LockModel>::Timer>;

/// One walk: the actions taken and, per property, the step at which it was
/// first decided (violated, or reached for `sometimes`).
struct Walk<A> {
    init_index: usize,
    actions: Vec<A>,
    decided_at: Vec<Option<usize>>,
    cut: bool,
}

fn decides<M: Model>(p: &stateright::Property<M>, model: &M, state: &M::State) -> bool {
    let holds = (p.condition)(model, state);
    match p.expectation {
        Expectation::Sometimes => holds,
        _ => !holds,
    }
}

fn walk<M: LockModel>(
    world: &World<M>,
    options: &SimOptions,
    run: u64,
) -> Walk<Action<M::Msg, M::Timer>> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    rng.set_stream(run);
    let properties = world.properties();
    let mut inits = world.init_states();
    let init_index = (rng.next_u64() % inits.len() as u64) as usize;
    let mut state = inits.swap_remove(init_index);
    let mut decided_at: Vec<Option<usize>> = properties
        .iter()
        .map(|p| decides(p, world, &state).then_some(0))
        .collect();
    let mut actions_taken = Vec::new();
    let mut offered = Vec::new();
    let mut cut = false;
    // When each fault in force ends: a pause lasts 1..=ticks_max ticks; a
    // partition or a crash (with restart) until a random tick before faults
    // stop. Recoveries wait for their time, then come first.
    let mut ends: Vec<(WorldAction<M>, u32)> = Vec::new();
    let pause_ticks_max = world.cfg.faults.pause.as_ref().map_or(1, |p| p.ticks_max);
    let faults_until = world.cfg.faults_until_ticks;
    loop {
        offered.clear();
        world.actions(&state, &mut offered);
        if offered.is_empty() {
            break;
        }
        if actions_taken.len() >= options.steps_max {
            cut = true;
            break;
        }
        let now = state.now;
        let due = offered
            .iter()
            .find(|a| ends.iter().any(|(end, at)| end == *a && *at <= now))
            .cloned();
        let action = match due {
            Some(recovery) => recovery,
            None => {
                let scheduled = |a: &Action<M::Msg, M::Timer>| ends.iter().any(|(end, _)| end == a);
                let (faults, steps): (Vec<_>, Vec<_>) = offered
                    .drain(..)
                    .filter(|a| !scheduled(a))
                    .partition(is_fault);
                let pick_fault = !faults.is_empty()
                    && (steps.is_empty() || rng.next_u64() % 100 < options.fault_percent as u64);
                let pool = if pick_fault { faults } else { steps };
                if pool.is_empty() {
                    // Only scheduled recoveries are left: take the earliest.
                    let mut offered_now = Vec::new();
                    world.actions(&state, &mut offered_now);
                    offered_now[0].clone()
                } else {
                    pool[(rng.next_u64() % pool.len() as u64) as usize].clone()
                }
            }
        };
        let until = |rng: &mut ChaCha8Rng, from: u32, to: u32| -> u32 {
            let to = to.max(from + 1);
            from + 1 + (rng.next_u64() % (to - from) as u64) as u32
        };
        match &action {
            Action::Pause(n) => {
                let at = now + 1 + (rng.next_u64() % pause_ticks_max as u64) as u32;
                ends.push((Action::Resume(*n), at));
            }
            Action::Isolate(_) | Action::Split(_) => {
                let at = until(&mut rng, now, faults_until);
                ends.push((Action::Heal, at));
            }
            Action::Crash(n) if world.cfg.faults.crash.as_ref().is_some_and(|c| c.restart) => {
                let at = until(&mut rng, now, faults_until);
                ends.push((Action::Restart(*n), at));
            }
            recovery @ (Action::Resume(_) | Action::Heal | Action::Restart(_)) => {
                ends.retain(|(end, _)| end != recovery);
            }
            _ => {}
        }
        let Some(next) = world.next_state(&state, action.clone()) else {
            continue;
        };
        state = next;
        actions_taken.push(action);
        for (i, p) in properties.iter().enumerate() {
            if decided_at[i].is_none() && decides(p, world, &state) {
                decided_at[i] = Some(actions_taken.len());
            }
        }
    }
    Walk {
        init_index,
        actions: actions_taken,
        decided_at,
        cut,
    }
}

fn is_fault<Msg, Timer>(action: &Action<Msg, Timer>) -> bool {
    matches!(
        action,
        Action::Crash(_)
            | Action::Pause(_)
            | Action::Isolate(_)
            | Action::Split(_)
            | Action::ClockJump { .. }
            | Action::Drop(_)
            | Action::Duplicate(_)
    )
}

/// Re-runs `actions` from initial state `init_index`, skipping those the world
/// does not offer, and returns the actions applied up to the first state that
/// violates property `index` (or `None` if none does).
fn violating_prefix<M: LockModel>(
    world: &World<M>,
    init_index: usize,
    actions: &[Action<M::Msg, M::Timer>],
    index: usize,
) -> Option<Vec<Action<M::Msg, M::Timer>>> {
    let property = &world.properties()[index];
    let mut state = world.init_states().swap_remove(init_index);
    if decides(property, world, &state) {
        return Some(Vec::new());
    }
    let mut applied = Vec::new();
    let mut offered = Vec::new();
    for action in actions {
        offered.clear();
        world.actions(&state, &mut offered);
        if !offered.contains(action) {
            continue;
        }
        let Some(next) = world.next_state(&state, action.clone()) else {
            continue;
        };
        state = next;
        applied.push(action.clone());
        if decides(property, world, &state) {
            return Some(applied);
        }
    }
    None
}

/// Shrinks a violating path by cutting chunks of actions (delta debugging).
pub fn shrink<M: LockModel>(
    world: &World<M>,
    init_index: usize,
    actions: Vec<Action<M::Msg, M::Timer>>,
    index: usize,
) -> Vec<Action<M::Msg, M::Timer>> {
    let mut best = violating_prefix(world, init_index, &actions, index).unwrap_or(actions);
    let mut chunk = best.len().div_ceil(2).max(1);
    loop {
        let mut improved = false;
        let mut at = 0;
        while at < best.len() {
            let end = (at + chunk).min(best.len());
            let mut candidate = best[..at].to_vec();
            candidate.extend_from_slice(&best[end..]);
            match violating_prefix(world, init_index, &candidate, index) {
                Some(shorter) if shorter.len() < best.len() => {
                    best = shorter;
                    improved = true;
                }
                _ => at += chunk,
            }
        }
        if chunk == 1 && !improved {
            return best;
        }
        if !improved {
            chunk = chunk.div_ceil(2);
        }
    }
}

/// Runs a sweep of model variant `variant` (implemented by `M`) under `scenario`.
pub fn run<M: LockModel>(
    variant: &str,
    scenario: &Scenario,
    scenario_file: &Path,
    expected: &Entry,
    options: &SimOptions,
) -> Result<SimReport, String> {
    let model = M::new(variant, &scenario.params)
        .map_err(|e| format!("{}: model `{variant}`: {e}", scenario_file.display()))?;
    let world = World::new(
        model,
        WorldConfig::from_scenario(scenario),
        crate::properties::properties::<M>,
    );
    let (k, n) = options.shard;
    let indices: Vec<u64> = (0..options.runs).filter(|r| r % n == k - 1).collect();

    // Runs in parallel; results are kept in run order, so the outcome does not
    // depend on the number of threads.
    let chunk = indices.len().div_ceil(options.threads.max(1)).max(1);
    let results: Vec<(u64, Walk<WorldAction<M>>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = indices
            .chunks(chunk)
            .map(|part| {
                let world = &world;
                scope.spawn(move || {
                    part.iter()
                        .map(|&r| {
                            let mut w = walk(world, options, r);
                            // Only violating runs keep their path.
                            if w.decided_at.iter().enumerate().all(|(i, d)| {
                                d.is_none()
                                    || PropertyName::ALL[i].kind() == PropertyKind::Reachability
                            }) {
                                w.actions = Vec::new();
                            }
                            (r, w)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a simulation thread panicked"))
            .collect()
    });

    let scenario_name = Scenario::name_of(scenario_file);
    let mut properties = Vec::new();
    for (i, name) in PropertyName::ALL.into_iter().enumerate() {
        let hits: Vec<&(u64, Walk<_>)> = results
            .iter()
            .filter(|(_, w)| w.decided_at[i].is_some())
            .collect();
        let first = hits.first().map(|(r, _)| *r);
        let counterexample = match hits.first() {
            Some((run, w))
                if options.counterexamples
                    && name.kind() != PropertyKind::Reachability
                    && (options.counterexamples_of.is_empty()
                        || options.counterexamples_of.contains(&name)) =>
            {
                let original = w.decided_at[i].expect("hit");
                let path = shrink(&world, w.init_index, w.actions[..original].to_vec(), i);
                let mut state = world.init_states().swap_remove(w.init_index);
                let mut states = vec![state.clone()];
                for a in &path {
                    state = world
                        .next_state(&state, a.clone())
                        .expect("a shrunk path replays");
                    states.push(state.clone());
                }
                let rows = timeline_rows(&world, &states, &path);
                let trace_file = match &options.report_dir {
                    Some(dir) => Some(write_trace(
                        &world,
                        dir,
                        variant,
                        scenario,
                        scenario_file,
                        name,
                        options,
                        *run,
                        original,
                        w.init_index,
                        &path,
                        &states,
                        &rows,
                    )?),
                    None => None,
                };
                Some(SimCounterexample {
                    run: *run,
                    original_steps: original,
                    shrunk_steps: path.len(),
                    diagram: crate::world::diagram(&world, &states, &path),
                    rows,
                    trace_file,
                })
            }
            _ => None,
        };
        properties.push(PropertySim {
            property: name,
            runs_hit: hits.len() as u64,
            first_run: first,
            expected: expected.verdicts.get(&name).copied(),
            counterexample,
        });
    }
    Ok(SimReport {
        lockcheck_version: env!("CARGO_PKG_VERSION").to_string(),
        model: variant.to_string(),
        scenario: scenario_name,
        seed: options.seed_text.clone(),
        runs: indices.len() as u64,
        sweep_runs: options.runs,
        shard: format!("{k}/{n}"),
        fault_percent: options.fault_percent,
        steps_max: options.steps_max,
        runs_cut_at_steps_max: results.iter().filter(|(_, w)| w.cut).count() as u64,
        properties,
    })
}

/// The command that reruns a sweep up to and including run `run`.
pub fn reproduce_command(variant: &str, scenario_file: &Path, seed: &str, run: u64) -> String {
    format!(
        "cargo run --release -- simulate --model {variant} --scenario {} --seed {seed} --runs {}",
        scenario_file.display(),
        run + 1
    )
}

#[allow(clippy::too_many_arguments)]
fn write_trace<M: LockModel>(
    world: &World<M>,
    dir: &Path,
    variant: &str,
    scenario: &Scenario,
    scenario_file: &Path,
    property: PropertyName,
    options: &SimOptions,
    run: u64,
    original_steps: usize,
    init_index: usize,
    path: &[Action<M::Msg, M::Timer>],
    states: &[WorldState<M>],
    rows: &[TimelineRow],
) -> Result<PathBuf, String> {
    let scenario_name = Scenario::name_of(scenario_file);
    // Shards of one simulation may share a report directory: each names
    // its own trace (the unsharded run keeps the plain name).
    let shard = match options.shard {
        (1, 1) => String::new(),
        (k, n) => format!(".shard-{k}-of-{n}"),
    };
    let file = dir.join("traces").join(format!(
        "{variant}.{scenario_name}.{property}.seed-{}{shard}.json",
        options.seed_text
    ));
    let trace = TraceFile {
        format: trace::FORMAT.to_string(),
        format_version: trace::FORMAT_VERSION,
        lockcheck_version: env!("CARGO_PKG_VERSION").to_string(),
        kind: "counterexample".to_string(),
        model: variant.to_string(),
        property,
        engine: "simulate".to_string(),
        scenario_file: scenario_file.to_path_buf(),
        scenario: scenario.clone(),
        limits: TraceLimits {
            states_max: scenario.limits.states_max,
            depth_max: scenario.limits.depth_max,
            seconds_max: scenario.limits.seconds_max,
        },
        simulation: Some(SimulationInfo {
            seed: options.seed_text.clone(),
            run,
            fault_percent: options.fault_percent,
            original_steps,
        }),
        nodes: world.node_names().to_vec(),
        init_index,
        actions: path
            .iter()
            .map(|a| serde_json::to_value(a).expect("actions serialize"))
            .collect(),
        steps: super::paths::trace_steps(world, states, rows),
        reproduce: reproduce_command(variant, scenario_file, &options.seed_text, run),
        loop_start: None,
    };
    trace::write(&file, &trace).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(file)
}

/// Merges the `--json` reports of the shards `1/N` to `N/N` of one sweep
/// into the report the unsharded sweep gives: counts added, the first
/// violating run the lowest of the shards', with that shard's shrunk
/// counterexample (shrinking depends only on the run). Refuses reports of
/// different sweeps (model, scenario, seed, runs, faults, step limit,
/// lockcheck version), a shard given twice, and a set with a shard missing.
pub fn merge_shards(reports: &[(String, serde_json::Value)]) -> Result<serde_json::Value, String> {
    use serde_json::Value;
    let (first_name, first) = reports.first().ok_or("no reports to merge")?;
    let shard_of = |name: &str, v: &Value| -> Result<(u64, u64), String> {
        let text = v["shard"].as_str().ok_or_else(|| {
            format!("{name}: `shard`: missing; is this a `simulate --json` report?")
        })?;
        parse_shard(text).map_err(|e| format!("{name}: `shard`: {e}"))
    };
    let (_, n) = shard_of(first_name, first)?;
    let mut seen = vec![false; n as usize];
    const SAME: [&str; 8] = [
        "lockcheck_version",
        "model",
        "scenario",
        "seed",
        "sweep_runs",
        "fault_percent",
        "steps_max",
        "properties",
    ];
    for (name, report) in reports {
        let (k, shard_count) = shard_of(name, report)?;
        if shard_count != n {
            return Err(format!(
                "{name}: `shard`: {k}/{shard_count}, but {first_name} is one of {n} shards"
            ));
        }
        if std::mem::replace(&mut seen[k as usize - 1], true) {
            return Err(format!("{name}: shard {k}/{n} is given twice"));
        }
        for key in SAME {
            let differs = if key == "properties" {
                let names = |v: &Value| -> Vec<Value> {
                    v["properties"]
                        .as_array()
                        .map(|ps| ps.iter().map(|p| p["property"].clone()).collect())
                        .unwrap_or_default()
                };
                names(report) != names(first)
            } else {
                report[key] != first[key] || report[key].is_null()
            };
            if differs {
                return Err(format!(
                    "{name}: `{key}` is {}, but in {first_name} it is {}: not shards of one sweep",
                    report[key], first[key]
                ));
            }
        }
    }
    let missing: Vec<String> = (1..=n)
        .filter(|k| !seen[*k as usize - 1])
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!("shard {} missing", missing.join(", ")));
    }
    let sum = |key: &str, of: &dyn Fn(&Value) -> &Value| -> Value {
        reports
            .iter()
            .map(|(_, r)| of(r)[key].as_u64().unwrap_or(0))
            .sum::<u64>()
            .into()
    };
    let mut merged = first.clone();
    merged["shard"] = "1/1".into();
    merged["runs"] = sum("runs", &|r| r);
    merged["runs_cut_at_steps_max"] = sum("runs_cut_at_steps_max", &|r| r);
    let property_count = first["properties"].as_array().map_or(0, Vec::len);
    for i in 0..property_count {
        let of = |r: &Value| -> Value { r["properties"][i].clone() };
        let mut p = of(first);
        p["runs_hit"] = reports
            .iter()
            .map(|(_, r)| of(r)["runs_hit"].as_u64().unwrap_or(0))
            .sum::<u64>()
            .into();
        let earliest = reports
            .iter()
            .map(|(_, r)| of(r))
            .filter(|q| q["first_run"].is_u64())
            .min_by_key(|q| q["first_run"].as_u64());
        let object = p.as_object_mut().ok_or("`properties`: not objects")?;
        object.remove("first_run");
        object.remove("counterexample");
        if let Some(q) = earliest {
            object.insert("first_run".into(), q["first_run"].clone());
            if !q["counterexample"].is_null() {
                object.insert("counterexample".into(), q["counterexample"].clone());
            }
        }
        merged["properties"][i] = p;
    }
    Ok(merged)
}
