//! Merging passed times cross-checked against the full search: for every
//! (model, scenario) cell small enough to search without it, of every model
//! that keeps its times as `node::Instant`s, the same verdict on every
//! property and the same shortest counterexample length with the merge
//! (alone, and with the other reductions), no more states, and
//! counterexamples that replay. Then, on a sample of states under clock
//! jumps, drift and pauses, what the soundness argument in
//! `src/world/times.rs` rests on: a state and its merged form have the same
//! successors up to the merge, and the merge is idempotent.

mod common;

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use lockcheck::check::bfs::SearchLimits;
use lockcheck::check::{CheckOptions, CheckReport};
use lockcheck::expectations::Entry;
use lockcheck::models::db_lock::DbLockExpiring;
use lockcheck::models::file_lock::FileLockStaleBreak;
use lockcheck::models::mq_lock::MqVisibilityTimeout;
use lockcheck::models::redis_set_px::RedisSetPx;
use lockcheck::models::redlock::Redlock;
use lockcheck::node::LockModel;
use lockcheck::registry::{self, ModelEntry};
use lockcheck::scenario::Scenario;
use lockcheck::world::{Canonical, Reductions, World, WorldConfig, WorldState};
use stateright::Model;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Cells whose full search passes this many unique states are skipped.
const STATES_MAX: u64 = 120_000;

const NONE: Reductions = Reductions {
    symmetry: false,
    request_ids: false,
    time_merge: false,
};

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
            let s = Scenario::load(&f).unwrap_or_else(|e| panic!("{e}"));
            (f, s)
        })
        .collect()
}

fn check(
    entry: &ModelEntry,
    file: &Path,
    scenario: &Scenario,
    reductions: Reductions,
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
        symmetry: reductions.symmetry,
        request_ids: reductions.request_ids,
        time_merge: reductions.time_merge,
        only: Vec::new(),
    };
    // A model may need parameters a scenario does not give.
    entry.run(scenario, file, &Entry::default(), &options).ok()
}

/// Checks every small cell of `model` without reductions, with the merge
/// alone, and with every reduction; returns how many cells it compared and
/// how many states the merge saved in all.
fn cross_check(model: &str) -> (usize, u64) {
    let entry = registry::find(model).expect("registered model");
    let mut compared = 0;
    let mut saved = 0;
    for (file, scenario) in scenarios() {
        let name = Scenario::name_of(&file);
        let Some(full) = check(&entry, &file, &scenario, NONE, None) else {
            continue;
        };
        if !full.stats.complete {
            continue;
        }
        for all in [false, true] {
            let reductions = Reductions {
                symmetry: all,
                request_ids: all,
                time_merge: true,
            };
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("time-merge-{model}-{name}-{all}"));
            let _ = std::fs::remove_dir_all(&dir);
            let reduced =
                check(&entry, &file, &scenario, reductions, Some(dir)).expect("check runs");
            let cell = format!("{model} under {name} (other reductions {all})");
            assert!(reduced.stats.time_merge, "{cell}: times not merged");
            common::assert_reduction_agrees(&cell, "merged", &entry, &reduced, &full);
            if !all {
                saved += full.stats.unique_states - reduced.stats.unique_states;
            }
        }
        compared += 1;
    }
    (compared, saved)
}

macro_rules! cross_checks {
    ($($test:ident: $model:literal;)*) => {
        /// The models the cross-checks cover.
        const CROSS_CHECKED: &[&str] = &[$($model),*];
        $(
            #[test]
            fn $test() {
                let (n, _) = cross_check($model);
                assert!(n > 0, "no cell of {} was small enough", $model);
            }
        )*
    };
}

// Every registered model that keeps its times as `Instant`s
// (`LockModel::times`); `every_merging_model_is_cross_checked` keeps the
// list whole.
cross_checks! {
    file_lock_check_then_create: "file_lock_check_then_create";
    file_lock_exclusive: "file_lock_exclusive";
    file_lock_stale_break: "file_lock_stale_break";
    db_lock_seed: "db_lock_seed";
    db_lock_unique: "db_lock_unique";
    db_lock_expiry_client_clock: "db_lock_expiry_client_clock";
    db_lock_expiry_db_clock: "db_lock_expiry_db_clock";
    db_lock_expiry_db_clock_fenced: "db_lock_expiry_db_clock_fenced";
    mq_lock_auto_ack: "mq_lock_auto_ack";
    mq_lock_auto_ack_fenced: "mq_lock_auto_ack_fenced";
    mq_lock_visibility_timeout: "mq_lock_visibility_timeout";
    mq_lock_visibility_timeout_fenced: "mq_lock_visibility_timeout_fenced";
    mq_lock_message_ttl: "mq_lock_message_ttl";
    redis_setnx: "redis_setnx";
    redis_set_px: "redis_set_px";
    redis_set_px_fenced: "redis_set_px_fenced";
    redis_py_lock: "redis_py_lock";
    redis_py_lock_fenced: "redis_py_lock_fenced";
    redlock: "redlock";
    redlock_no_validity_check: "redlock_no_validity_check";
    redlock_delayed_restart: "redlock_delayed_restart";
    redis_failover: "redis_failover";
    redis_failover_fenced: "redis_failover_fenced";
    pg_advisory_lock: "pg_advisory_lock";
    pg_advisory_lock_pooled: "pg_advisory_lock_pooled";
    mysql_get_lock: "mysql_get_lock";
    mysql_get_lock_autoreconnect: "mysql_get_lock_autoreconnect";
    etcd_mutex_fenced: "etcd_mutex_fenced";
    etcd_mutex: "etcd_mutex";
    etcd_mutex_no_session_check: "etcd_mutex_no_session_check";
    consul_lock_fenced: "consul_lock_fenced";
    consul_lock: "consul_lock";
    dynamodb_lock: "dynamodb_lock";
    dynamodb_lock_fenced: "dynamodb_lock_fenced";
    hazelcast_fenced_lock_fenced: "hazelcast_fenced_lock_fenced";
    hazelcast_fenced_lock: "hazelcast_fenced_lock";
}

/// A model that merges its times and is missing from the cross-checks
/// would have an unchecked reduction; one listed that does not merge has
/// a cross-check that checks nothing.
#[test]
fn every_merging_model_is_cross_checked() {
    let (file, scenario) = scenarios()
        .into_iter()
        .find(|(f, _)| f.ends_with("scenarios/no-faults.json"))
        .unwrap();
    let only_merge = Reductions {
        time_merge: true,
        ..NONE
    };
    for entry in registry::all() {
        let Some(report) = check(&entry, &file, &scenario, only_merge, None) else {
            continue;
        };
        assert_eq!(
            report.stats.time_merge,
            CROSS_CHECKED.contains(&entry.id),
            "{}: merges times {}, but the cross-check list says otherwise",
            entry.id,
            report.stats.time_merge
        );
    }
}

fn load(file: &str) -> Scenario {
    Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn merging<M: LockModel>(model: M, scenario: &Scenario) -> Canonical<M> {
    Canonical::new(
        World::new(
            model,
            WorldConfig::from_scenario(scenario),
            lockcheck::properties::properties::<M>,
        ),
        Reductions {
            time_merge: true,
            ..NONE
        },
    )
    .unwrap_or_else(|_| panic!("the merge applies"))
}

/// The merged forms of `s`'s successors.
fn successor_classes<M: LockModel>(c: &Canonical<M>, s: &WorldState<M>) -> HashSet<WorldState<M>> {
    let mut actions = Vec::new();
    c.world.actions(s, &mut actions);
    actions
        .into_iter()
        .filter_map(|a| c.world.next_state(s, a))
        .map(|t| c.representative(&t))
        .collect()
}

/// On the first `states_max` states of `model`'s full search under
/// `scenario`: the merged state's successors, merged, are the state's
/// successors, merged (the kernel of the merge is a bisimulation), and
/// merging a merged state changes nothing. Returns how many states it
/// looked at and how many classes they fall into.
fn check_merge<M: LockModel>(model: M, scenario: &str, states_max: usize) -> (usize, usize) {
    let scenario = load(scenario);
    let c = merging(model, &scenario);
    let world = &c.world;
    let mut seen = HashSet::new();
    let mut classes = HashSet::new();
    let mut queue: VecDeque<_> = world.init_states().into_iter().collect();
    while let Some(s) = queue.pop_front() {
        if seen.len() >= states_max {
            break;
        }
        if !seen.insert(s.clone()) {
            continue;
        }
        let r = c.representative(&s);
        classes.insert(r.clone());
        assert!(
            c.representative(&r) == r,
            "the merge is not idempotent on {s:?}"
        );
        assert!(
            successor_classes(&c, &r) == successor_classes(&c, &s),
            "the merge does not commute with the steps from {s:?}"
        );
        let mut actions = Vec::new();
        world.actions(&s, &mut actions);
        queue.extend(actions.into_iter().filter_map(|a| world.next_state(&s, a)));
    }
    (seen.len(), classes.len())
}

#[test]
fn the_merge_commutes_with_steps_under_jumps_drift_and_pauses() {
    // Backward jumps of the wall clock may take a passed time back, while
    // the jump budget lasts; drift slows a clock without stopping it.
    let mut merged_some = false;
    for scenario in [
        "scenarios/clock-jump.json",
        "scenarios/clock-drift.json",
        "scenarios/gc-pause.json",
    ] {
        let params = load(scenario).params;
        let db = DbLockExpiring::new("db_lock_expiry_db_clock_fenced", &params).unwrap();
        let (seen, classes) = check_merge(db, scenario, 150_000);
        merged_some |= classes < seen;
        let file = FileLockStaleBreak::new("file_lock_stale_break", &params).unwrap();
        let (seen, classes) = check_merge(file, scenario, 150_000);
        merged_some |= classes < seen;
        let mq = MqVisibilityTimeout::new("mq_lock_visibility_timeout", &params).unwrap();
        let (seen, classes) = check_merge(mq, scenario, 150_000);
        merged_some |= classes < seen;
    }
    assert!(
        merged_some,
        "the merge merged no states: the test checks nothing"
    );
}

/// Nonces renumbered with the merge: Redlock draws one per attempt, and
/// its attempts repeat within a round; the Redis lock draws one per
/// acquisition.
#[test]
fn nonce_renumbering_commutes_with_steps() {
    let mut merged_some = false;
    for scenario in [
        "scenarios/gc-pause.json",
        "scenarios/clock-jump.json",
        "scenarios/message-loss.json",
    ] {
        let params = load(scenario).params;
        let redlock = Redlock::new("redlock", &params).unwrap();
        let (seen, classes) = check_merge(redlock, scenario, 40_000);
        merged_some |= classes < seen;
        let redis = RedisSetPx::new("redis_set_px", &params).unwrap();
        let (seen, classes) = check_merge(redis, scenario, 40_000);
        merged_some |= classes < seen;
    }
    assert!(
        merged_some,
        "nothing was renumbered or merged: the test checks nothing"
    );
}
