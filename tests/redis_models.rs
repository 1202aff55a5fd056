//! The Redis family's verdicts, pinned: for every (model, scenario) pair the
//! verdict of each property, the length of the shortest counterexample (or of
//! the shortest example, for `lock_acquired`) and the number of unique states
//! as a tripwire. The models' module docs explain each verdict.
//!
//! Verdicts are written `holds`, `holds:N` (an example in N steps),
//! `violated:N` (a shortest counterexample of N steps), in the order
//! mutual_exclusion, resource_safe, lock_acquired, progress.

use std::path::{Path, PathBuf};

use lockcheck::check::{CheckOptions, Verdict, bfs::SearchLimits};
use lockcheck::models;
use lockcheck::scenario::Scenario;

// As in the binary: the search allocates a state per transition.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn summary(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Holds { steps: None } => "holds".into(),
        Verdict::Holds { steps: Some(n) } => format!("holds:{n}"),
        Verdict::Violated { steps: None } => "violated".into(),
        Verdict::Violated { steps: Some(n) } => format!("violated:{n}"),
        Verdict::Inconclusive { reason } => format!("inconclusive({reason})"),
    }
}

fn pinned(model: &str, scenario: &str, unique_states: u64, verdicts: &str) {
    let file: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{scenario}.json"));
    let loaded = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
    let options = CheckOptions {
        limits: SearchLimits {
            states_max: 10_000_000,
            depth_max: None,
            time_max: std::time::Duration::from_secs(3600),
        },
        threads: 1,
        report_dir: None,
        progress: false,
        reproduce_flags: Vec::new(),
    };
    let entry = models::find(model).expect("registered model");
    let report = entry.run(&loaded, &file, &options).expect("check runs");
    let got: Vec<String> = report
        .properties
        .iter()
        .map(|p| summary(&p.verdict))
        .collect();
    assert_eq!(
        got.join(" "),
        verdicts,
        "{model} under {scenario}: verdicts"
    );
    assert!(
        report.all_as_expected(),
        "{model} under {scenario}: the scenario's `expect` disagrees with the pinned verdicts"
    );
    assert_eq!(
        report.stats.unique_states, unique_states,
        "{model} under {scenario}: unique states (a tripwire: if the world or model changed on purpose, update it)"
    );
    // Every counterexample has a timeline one row longer than its steps.
    for p in &report.properties {
        if let (Verdict::Violated { steps: Some(n) }, Some(path)) = (&p.verdict, &p.path) {
            assert_eq!(path.rows.len(), n + 1);
        }
    }
}

macro_rules! pins {
    ($($name:ident: $model:literal, $scenario:literal, $states:literal, $verdicts:literal;)*) => {
        $(
            #[test]
            fn $name() {
                pinned($model, $scenario, $states, $verdicts);
            }
        )*
    };
}

pins! {
    setnx_no_faults: "redis_setnx", "no-faults", 3100, "holds holds holds:2 holds";
    setnx_holder_crash: "redis_setnx", "holder-crash", 13396, "holds holds holds:2 violated:54";
    setnx_gc_pause: "redis_setnx", "gc-pause", 74545, "holds holds holds:2 holds";
    setnx_clock_jump: "redis_setnx", "clock-jump", 6360, "holds holds holds:2 holds";
    setnx_clock_drift: "redis_setnx", "clock-drift", 18600, "holds holds holds:2 holds";
    setnx_message_loss: "redis_setnx", "message-loss", 1499420, "violated:18 violated:24 holds:2 violated:97";
    setnx_partition: "redis_setnx", "partition", 191686, "holds holds holds:2 violated:68";
    setnx_server_restart: "redis_setnx", "server-restart", 56617, "violated:10 violated:16 holds:2 holds";
    setnx_async_network: "redis_setnx", "async-network", 141623, "holds holds holds:2 violated:14";
    setnx_crowd_atomic: "redis_setnx", "crowd-atomic", 277060, "holds holds holds:1 holds";

    set_px_no_faults: "redis_set_px", "no-faults", 4518, "holds holds holds:2 holds";
    set_px_holder_crash: "redis_set_px", "holder-crash", 18948, "holds holds holds:2 holds";
    set_px_gc_pause: "redis_set_px", "gc-pause", 182077, "violated:20 violated:26 holds:2 holds";
    set_px_clock_jump: "redis_set_px", "clock-jump", 29014, "violated:5 violated:11 holds:2 holds";
    set_px_clock_drift: "redis_set_px", "clock-drift", 26768, "violated:13 violated:17 holds:2 holds";
    set_px_message_loss: "redis_set_px", "message-loss", 2823946, "holds holds holds:2 holds";
    set_px_partition: "redis_set_px", "partition", 211062, "holds holds holds:2 holds";
    set_px_server_restart: "redis_set_px", "server-restart", 70297, "violated:10 violated:16 holds:2 holds";
    set_px_async_network: "redis_set_px", "async-network", 74291, "violated:10 violated:16 holds:2 violated:14";
    set_px_crowd_atomic: "redis_set_px", "crowd-atomic", 441697, "violated:27 violated:32 holds:1 holds";

    // Fenced: clients can still both believe they hold the lock (mutual_exclusion
    // violated), yet the resource rejects the stale write (resource_safe holds).
    set_px_fenced_no_faults: "redis_set_px_fenced", "no-faults", 4518, "holds holds holds:2 holds";
    set_px_fenced_holder_crash: "redis_set_px_fenced", "holder-crash", 18948, "holds holds holds:2 holds";
    set_px_fenced_gc_pause: "redis_set_px_fenced", "gc-pause", 166017, "violated:20 holds holds:2 holds";
    set_px_fenced_clock_jump: "redis_set_px_fenced", "clock-jump", 24796, "violated:5 holds holds:2 holds";
    set_px_fenced_clock_drift: "redis_set_px_fenced", "clock-drift", 25664, "violated:13 holds holds:2 holds";
    set_px_fenced_message_loss: "redis_set_px_fenced", "message-loss", 3256992, "holds holds holds:2 holds";
    set_px_fenced_partition: "redis_set_px_fenced", "partition", 243044, "holds holds holds:2 holds";
    set_px_fenced_server_restart: "redis_set_px_fenced", "server-restart", 74777, "violated:10 violated:16 holds:2 holds";
    set_px_fenced_async_network: "redis_set_px_fenced", "async-network", 1176299, "violated:10 holds holds:2 violated:14";
    set_px_fenced_crowd_atomic: "redis_set_px_fenced", "crowd-atomic", 368869, "violated:27 holds holds:1 holds";

    py_lock_no_faults: "redis_py_lock", "no-faults", 4518, "holds holds holds:2 holds";
    py_lock_holder_crash: "redis_py_lock", "holder-crash", 18948, "holds holds holds:2 holds";
    py_lock_gc_pause: "redis_py_lock", "gc-pause", 177149, "violated:20 violated:26 holds:2 holds";
    py_lock_clock_jump: "redis_py_lock", "clock-jump", 26668, "violated:5 violated:11 holds:2 holds";
    py_lock_clock_drift: "redis_py_lock", "clock-drift", 28432, "violated:13 violated:17 holds:2 holds";
    py_lock_message_loss: "redis_py_lock", "message-loss", 3476212, "violated:18 violated:24 holds:2 holds";
    py_lock_partition: "redis_py_lock", "partition", 197090, "holds holds holds:2 holds";
    py_lock_server_restart: "redis_py_lock", "server-restart", 70287, "violated:10 violated:16 holds:2 holds";
    py_lock_async_network: "redis_py_lock", "async-network", 74287, "violated:10 violated:16 holds:2 violated:14";
    py_lock_crowd_atomic: "redis_py_lock", "crowd-atomic", 513319, "violated:27 violated:32 holds:1 holds";

    py_lock_fenced_no_faults: "redis_py_lock_fenced", "no-faults", 4518, "holds holds holds:2 holds";
    py_lock_fenced_holder_crash: "redis_py_lock_fenced", "holder-crash", 18948, "holds holds holds:2 holds";
    py_lock_fenced_gc_pause: "redis_py_lock_fenced", "gc-pause", 162865, "violated:20 holds holds:2 holds";
    py_lock_fenced_clock_jump: "redis_py_lock_fenced", "clock-jump", 24702, "violated:5 holds holds:2 holds";
    py_lock_fenced_clock_drift: "redis_py_lock_fenced", "clock-drift", 27176, "violated:13 holds holds:2 holds";
    py_lock_fenced_message_loss: "redis_py_lock_fenced", "message-loss", 3777870, "violated:18 holds holds:2 holds";
    py_lock_fenced_partition: "redis_py_lock_fenced", "partition", 235390, "holds holds holds:2 holds";
    py_lock_fenced_server_restart: "redis_py_lock_fenced", "server-restart", 74777, "violated:10 violated:16 holds:2 holds";
    py_lock_fenced_async_network: "redis_py_lock_fenced", "async-network", 1116275, "violated:10 holds holds:2 violated:14";
    py_lock_fenced_crowd_atomic: "redis_py_lock_fenced", "crowd-atomic", 437053, "violated:27 holds holds:1 holds";
}
