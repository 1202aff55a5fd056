//! Shared by the pinned-verdict test files: check a registered model under a
//! shipped scenario and compare verdicts, shortest lengths and state counts.
//!
//! Verdicts are written `holds`, `holds:N` (an example in N steps),
//! `violated:N` (a shortest counterexample of N steps), `inconclusive` (the
//! state limit stopped the search first), in the order
//! mutual_exclusion, resource_safe, lock_acquired, progress; then, where the
//! pin lists six verdicts, deadlock_free and starvation_free,
//! whose violations are lassos written `violated:S+C` (a stem of S steps to
//! the loop, then a loop of C steps repeated forever). A pin of four
//! verdicts decides only those four, even where the model's expectation
//! also asks liveness: a cheap safety pin need not build the liveness graph.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use lockcheck::check::{CheckOptions, Verdict, bfs::SearchLimits};
use lockcheck::expectations::Expectations;
use lockcheck::properties::PropertyName;
use lockcheck::registry;
use lockcheck::scenario::Scenario;

/// The shipped models' expectations (`models/*.expect.json`).
pub fn expectations() -> Expectations {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    Expectations::load_dir(&dir).unwrap_or_else(|e| panic!("{e}"))
}

pub fn summary(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Holds { steps: None } => "holds".into(),
        Verdict::Holds { steps: Some(n) } => format!("holds:{n}"),
        Verdict::Violated { steps: None } => "violated".into(),
        Verdict::Violated { steps: Some(n) } => format!("violated:{n}"),
        Verdict::Inconclusive { .. } => "inconclusive".into(),
    }
}

pub fn pinned(model: &str, scenario: &str, unique_states: u64, verdicts: &str) {
    pin(model, scenario, None, unique_states, verdicts);
}

/// As [`pinned`], with the search stopped at `states_max` unique states and
/// no simulation after it: for a space too large to search to the end,
/// whose shortest counterexamples lie within the limit. The limit holds for
/// the liveness graph too, as `check --states-max` does.
pub fn pinned_within(
    model: &str,
    scenario: &str,
    states_max: u64,
    unique_states: u64,
    verdicts: &str,
) {
    pin(model, scenario, Some(states_max), unique_states, verdicts);
}

/// The pins' own search limit where none is named: searches beyond it
/// belong in `compare --check`, or in `pins_long`.
const PIN_STATES_MAX: u64 = 10_000_000;

fn pin(model: &str, scenario: &str, states_max: Option<u64>, unique_states: u64, verdicts: &str) {
    let file = scenario_file(scenario);
    let loaded = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
    let stated = expectations()
        .entry(model, &Scenario::name_of(&file))
        .cloned();
    let with_liveness = verdicts.split(' ').count() > 4;
    let (liveness, only) = if with_liveness {
        (PropertyName::LIVENESS.to_vec(), Vec::new())
    } else {
        // Only the safety search's four: an expectation that also asks
        // liveness would otherwise add two verdicts (and a graph).
        (Vec::new(), PropertyName::ALL.to_vec())
    };
    let options = CheckOptions {
        limits: SearchLimits {
            states_max: states_max.unwrap_or(PIN_STATES_MAX),
            depth_max: None,
            time_max: std::time::Duration::from_secs(3600),
            memory: None,
        },
        threads: 1,
        report_dir: Some(trace_dir(model, scenario)),
        progress: false,
        reproduce_flags: Vec::new(),
        liveness,
        simulation_runs: Some(0),
        symmetry: true,
        only,
        request_ids: true,
        time_merge: true,
        // The expectation's own limit for the liveness graph, as `check`
        // and `compare` resolve it: some graphs pass the pins' 10 million.
        liveness_orbits: false,
        liveness_states_max: stated
            .as_ref()
            .and_then(|e| lockcheck::check::resolve_liveness_states_max(e, states_max)),
    };
    let entry = registry::find(model).expect("registered model");
    let report = entry
        .run(
            &loaded,
            &file,
            &stated.clone().unwrap_or_default(),
            &options,
        )
        .expect("check runs");
    let got: Vec<String> = report
        .properties
        .iter()
        .map(
            |p| match (&p.verdict, p.path.as_ref().and_then(|x| x.loop_start)) {
                (Verdict::Violated { steps: Some(n) }, Some(k)) => {
                    format!("violated:{k}+{}", n - k)
                }
                (v, _) => summary(v),
            },
        )
        .collect();
    assert_eq!(
        got.join(" "),
        verdicts,
        "{model} under {scenario}: verdicts"
    );
    // Where the model has expectations for the scenario, they must agree.
    if stated.is_some() {
        assert!(
            report.all_as_expected(),
            "{model} under {scenario}: the model's expectations disagree with the pinned verdicts"
        );
    }
    assert_eq!(
        report.stats.unique_states, unique_states,
        "{model} under {scenario}: unique states (a tripwire: if the world or model changed on purpose, update it)"
    );
    // Every counterexample has a timeline one row longer than its steps, and
    // its trace file replays to the same violation.
    for p in &report.properties {
        if let (Verdict::Violated { steps: Some(n) }, Some(path)) = (&p.verdict, &p.path) {
            assert_eq!(path.rows.len(), n + 1);
            let file = path.trace_file.as_ref().expect("a trace is written");
            let trace = lockcheck::trace::read(file).unwrap_or_else(|e| panic!("{e}"));
            let replayed = (entry.replay)(file, &trace, false).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                replayed.outcome,
                lockcheck::trace::replay::ReplayOutcome::Reproduced,
                "{model} under {scenario}: the trace of {} does not reproduce",
                p.property
            );
            assert_eq!(replayed.steps, *n);
            assert_eq!(
                replayed.rows.iter().map(|r| &r.event).collect::<Vec<_>>(),
                path.rows.iter().map(|r| &r.event).collect::<Vec<_>>(),
                "{model} under {scenario}: the replayed timeline of {} differs",
                p.property
            );
        }
    }
}

macro_rules! pins {
    ($($name:ident: $model:literal, $scenario:literal, $states:literal, $verdicts:literal;)*) => {
        $(
            #[test]
            fn $name() {
                $crate::common::pinned($model, $scenario, $states, $verdicts);
            }
        )*
    };
}

/// [`pins!`] for standard cells of millions of states, which
/// `cargo test --release` leaves out: `compare --check` searches the same
/// cells and fails on any verdict that differs from the model's
/// expectations, so a change that breaks them is still caught on every run.
/// These also pin the state count and the counterexample lengths; run them
/// with `cargo test --release -- --ignored` after a change to the search or
/// to the model.
macro_rules! pins_long {
    ($($name:ident: $model:literal, $scenario:literal, $states:literal, $verdicts:literal;)*) => {
        $(
            #[test]
            #[ignore = "millions of states: compare --check decides this cell; run with --ignored"]
            fn $name() {
                $crate::common::pinned($model, $scenario, $states, $verdicts);
            }
        )*
    };
}

/// A shipped scenario (`scenarios/`), or a cut-down test fixture
/// (`tests/scenarios/`) that keeps a large model's pins fast.
pub fn scenario_file(scenario: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shipped = root.join("scenarios").join(format!("{scenario}.json"));
    if shipped.exists() {
        shipped
    } else {
        root.join("tests/scenarios")
            .join(format!("{scenario}.json"))
    }
}

/// A scenario by name, as [`scenario_file`] finds it, loaded.
pub fn load_scenario(scenario: &str) -> lockcheck::scenario::Scenario {
    lockcheck::scenario::Scenario::load(&scenario_file(scenario)).unwrap_or_else(|e| panic!("{e}"))
}

/// A fresh directory for one pinned run's traces, its own even when two
/// tests running in parallel pin the same cell.
fn trace_dir(model: &str, scenario: &str) -> PathBuf {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("pinned-traces/{model}.{scenario}.{call}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A reduced search (symmetry, renumbered request ids) against the full
/// one on the same cell: it must be complete, search no more states, give
/// every property the same verdict and shortest length, and every
/// counterexample it found must replay as a real path. `what` names the
/// reduction in messages.
pub fn assert_reduction_agrees(
    cell: &str,
    what: &str,
    entry: &registry::ModelEntry,
    reduced: &lockcheck::check::CheckReport,
    full: &lockcheck::check::CheckReport,
) {
    assert!(reduced.stats.complete, "{cell}: reduced search incomplete");
    assert!(
        reduced.stats.unique_states <= full.stats.unique_states,
        "{cell}: {} states {what}, {} without",
        reduced.stats.unique_states,
        full.stats.unique_states
    );
    assert_eq!(reduced.properties.len(), full.properties.len(), "{cell}");
    for (r, f) in reduced.properties.iter().zip(&full.properties) {
        assert_eq!(r.property, f.property);
        // `Verdict` carries the shortest counterexample's length.
        assert_eq!(r.verdict, f.verdict, "{cell}: {}", r.property);
        // A counterexample found over merged states is a real path that
        // replays.
        if let (Verdict::Violated { .. }, Some(path)) = (&r.verdict, &r.path)
            && let Some(t) = &path.trace_file
        {
            let file = lockcheck::trace::read(t).unwrap_or_else(|e| panic!("{cell}: {e}"));
            (entry.replay)(t, &file, false)
                .unwrap_or_else(|e| panic!("{cell}: {} does not replay: {e}", r.property));
        }
    }
}

/// The shipped scenarios and the cut-down test fixtures, in file order.
pub fn all_scenarios() -> Vec<(PathBuf, Scenario)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["scenarios", "tests/scenarios"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let s = Scenario::load(&f).unwrap_or_else(|e| panic!("{e}"));
            (f, s)
        })
        .collect()
}

/// One search of `entry` under `scenario` with the given reductions, on one
/// thread, up to `states_max` unique states, with no simulation after it;
/// `None` when the model cannot run under the scenario (it needs a
/// parameter the scenario does not give).
pub fn check_reduced(
    entry: &registry::ModelEntry,
    file: &Path,
    scenario: &Scenario,
    reductions: lockcheck::world::Reductions,
    states_max: u64,
    report_dir: Option<PathBuf>,
) -> Option<lockcheck::check::CheckReport> {
    let options = CheckOptions {
        limits: SearchLimits {
            states_max,
            depth_max: None,
            time_max: std::time::Duration::from_secs(600),
            memory: None,
        },
        threads: 1,
        report_dir,
        progress: false,
        reproduce_flags: Vec::new(),
        liveness: Vec::new(),
        simulation_runs: Some(0),
        symmetry: reductions.symmetry,
        request_ids: reductions.request_ids,
        time_merge: reductions.time_merge,
        only: Vec::new(),
        liveness_orbits: false,
        liveness_states_max: None,
    };
    entry
        .run(
            scenario,
            file,
            &lockcheck::expectations::Entry::default(),
            &options,
        )
        .ok()
}

/// Every reduction the search applies.
pub const ALL_REDUCTIONS: lockcheck::world::Reductions = lockcheck::world::Reductions {
    symmetry: true,
    request_ids: true,
    time_merge: true,
};

/// `model`'s world under `scenario`, with `reductions` applied as the
/// search applies them.
pub fn reduced<M: lockcheck::node::LockModel>(
    model: M,
    scenario: &Scenario,
    reductions: lockcheck::world::Reductions,
) -> lockcheck::world::Canonical<M> {
    let world = lockcheck::world::World::new(
        model,
        lockcheck::world::WorldConfig::from_scenario(scenario),
        lockcheck::properties::properties::<M>,
    );
    lockcheck::world::Canonical::new(world, reductions)
        .unwrap_or_else(|_| panic!("the reductions {reductions:?} apply"))
}

/// The successors of `s` in `world`, each mapped by `map` (an abstraction
/// under test), as a set.
pub fn mapped_successors<M: lockcheck::node::LockModel>(
    world: &lockcheck::world::World<M>,
    s: &lockcheck::world::WorldState<M>,
    map: &dyn Fn(&lockcheck::world::WorldState<M>) -> lockcheck::world::WorldState<M>,
) -> std::collections::HashSet<lockcheck::world::WorldState<M>> {
    successors(world, s).iter().map(map).collect()
}

/// How every property of `world` reads `s`.
pub fn labels<M: lockcheck::node::LockModel>(
    world: &lockcheck::world::World<M>,
    s: &lockcheck::world::WorldState<M>,
) -> Vec<bool> {
    use stateright::Model;
    world
        .properties()
        .iter()
        .map(|p| (p.condition)(world, s))
        .collect()
}

/// The successors of `s` in `world`, in the order of its actions.
pub fn successors<M: lockcheck::node::LockModel>(
    world: &lockcheck::world::World<M>,
    s: &lockcheck::world::WorldState<M>,
) -> Vec<lockcheck::world::WorldState<M>> {
    use stateright::Model;
    let mut actions = Vec::new();
    world.actions(s, &mut actions);
    actions
        .into_iter()
        .filter_map(|a| world.next_state(s, a))
        .collect()
}

/// A breadth-first walk from `starts` over the first `states_max` distinct
/// states, in order: `visit` checks each state and returns the states to
/// go on to. The reductions' cross-checks walk the full search this way.
/// Returns how many states it visited.
pub fn breadth_first<S: Clone + Eq + std::hash::Hash>(
    starts: impl IntoIterator<Item = S>,
    states_max: usize,
    mut visit: impl FnMut(&S) -> Vec<S>,
) -> usize {
    let mut seen = std::collections::HashSet::new();
    let mut queue: std::collections::VecDeque<S> = starts.into_iter().collect();
    while let Some(s) = queue.pop_front() {
        if seen.len() >= states_max {
            break;
        }
        if !seen.insert(s.clone()) {
            continue;
        }
        queue.extend(visit(&s));
    }
    seen.len()
}
