//! Client symmetry cross-checked against the full search: for every
//! (model, scenario) cell small enough to search both ways, the same verdict
//! on every property, the same shortest counterexample length, no more
//! states with symmetry than without, and counterexamples that replay.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lockcheck::check::bfs::SearchLimits;
use lockcheck::check::{CheckOptions, CheckReport, Verdict};
use lockcheck::models::{self, ModelEntry};
use lockcheck::properties::PropertyKind;
use lockcheck::scenario::Scenario;
use lockcheck::trace;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Cells whose full search passes this many unique states are skipped.
const STATES_MAX: u64 = 120_000;

/// The shipped scenarios and the cut-down test fixtures.
fn scenarios() -> Vec<(PathBuf, Scenario)> {
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
            let mut s = Scenario::load(&f).unwrap_or_else(|e| panic!("{e}"));
            // Liveness runs on the full world either way: leave it out.
            for e in s.expect.values_mut() {
                e.retain(|p, _| p.kind() != PropertyKind::Liveness);
            }
            (f, s)
        })
        .collect()
}

fn check(
    entry: &ModelEntry,
    file: &Path,
    scenario: &Scenario,
    symmetry: bool,
    report_dir: Option<PathBuf>,
) -> Option<CheckReport> {
    let options = CheckOptions {
        limits: SearchLimits {
            states_max: STATES_MAX,
            depth_max: None,
            time_max: Duration::from_secs(600),
            memory: None,
        },
        threads: 1,
        report_dir,
        progress: false,
        reproduce_flags: Vec::new(),
        liveness: Vec::new(),
        simulation_runs: Some(0),
        symmetry,
    };
    // A model may need parameters a scenario does not give.
    entry.run(scenario, file, &options).ok()
}

/// Checks every small cell of `model` both ways; returns how many it
/// compared.
fn cross_check(model: &str) -> usize {
    let entry = models::find(model).expect("registered model");
    let mut compared = 0;
    for (file, scenario) in scenarios() {
        let name = Scenario::name_of(&file);
        let Some(full) = check(&entry, &file, &scenario, false, None) else {
            continue;
        };
        if !full.stats.complete {
            continue;
        }
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("symmetry-{model}-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        let reduced = check(&entry, &file, &scenario, true, Some(dir)).expect("check runs");
        let cell = format!("{model} under {name}");
        assert!(reduced.stats.complete, "{cell}: reduced search incomplete");
        assert!(
            reduced.stats.unique_states <= full.stats.unique_states,
            "{cell}: {} states with symmetry, {} without",
            reduced.stats.unique_states,
            full.stats.unique_states
        );
        assert_eq!(reduced.properties.len(), full.properties.len(), "{cell}");
        for (r, f) in reduced.properties.iter().zip(&full.properties) {
            assert_eq!(r.property, f.property);
            assert_eq!(r.verdict, f.verdict, "{cell}: {}", r.property);
            // A counterexample found over orbits is a real path that replays.
            if let (Verdict::Violated { .. }, Some(path)) = (&r.verdict, &r.path)
                && let Some(t) = &path.trace_file
            {
                let file = trace::read(t).unwrap_or_else(|e| panic!("{cell}: {e}"));
                (entry.replay)(t, &file, false)
                    .unwrap_or_else(|e| panic!("{cell}: {} does not replay: {e}", r.property));
            }
        }
        compared += 1;
    }
    compared
}

macro_rules! cross_checks {
    ($($test:ident: $model:literal;)*) => {
        $(
            #[test]
            fn $test() {
                let n = cross_check($model);
                assert!(n > 0, "no cell of {} was small enough", $model);
            }
        )*
    };
}

cross_checks! {
    redis_setnx: "redis_setnx";
    redis_set_px: "redis_set_px";
    redis_set_px_fenced: "redis_set_px_fenced";
    redis_py_lock: "redis_py_lock";
    redis_py_lock_fenced: "redis_py_lock_fenced";
    occ_cas: "occ_cas";
    no_lock: "no_lock";
    redlock: "redlock";
    redis_failover: "redis_failover";
    redis_failover_fenced: "redis_failover_fenced";
}

/// A pinned reduction: three clients under `crowd-atomic`.
#[test]
fn three_clients_shrink_at_least_five_fold() {
    let entry = models::find("redis_set_px").unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/crowd-atomic.json");
    let mut scenario = Scenario::load(&file).unwrap();
    for e in scenario.expect.values_mut() {
        e.retain(|p, _| p.kind() != PropertyKind::Liveness);
    }
    let run = |symmetry| {
        let options = CheckOptions {
            limits: SearchLimits {
                states_max: 1_000_000,
                depth_max: None,
                time_max: Duration::from_secs(600),
                memory: None,
            },
            threads: 1,
            report_dir: None,
            progress: false,
            reproduce_flags: Vec::new(),
            liveness: Vec::new(),
            simulation_runs: Some(0),
            symmetry,
        };
        entry.run(&scenario, &file, &options).unwrap()
    };
    let full = run(false);
    let reduced = run(true);
    assert!(!full.stats.symmetry);
    assert!(reduced.stats.symmetry);
    assert_eq!(full.stats.unique_states, 441_697);
    assert_eq!(reduced.stats.unique_states, 73_829);
    assert!(full.stats.unique_states >= 5 * reduced.stats.unique_states);
    for (r, f) in reduced.properties.iter().zip(&full.properties) {
        assert_eq!(r.verdict, f.verdict, "{}", r.property);
    }
}
