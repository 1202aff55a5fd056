//! `lockcheck bench`: the peer model on our engine finds exactly the published
//! state and transition counts, the command runs and prints its figures, and
//! SPIN (when installed) agrees with us. No timing is asserted.

use std::process::{Command, Output};
use std::time::Duration;

use lockcheck::bench::peer::PeerLock;
use lockcheck::bench::{Exhaustive, spin};
use lockcheck::check::CheckOptions;
use lockcheck::check::bfs::{self, SearchLimits, Stop};
use lockcheck::registry;
use lockcheck::scenario::Scenario;

/// (clients, horizon, nopause, states, transitions) as published for
/// bench/peer/lock.pml, bench/peer/Lock.tla and stateright; transitions are
/// SPIN's "stored+matched": successors generated plus the initial state.
const PUBLISHED: &[(u8, u8, bool, u64, u64)] = &[
    (2, 10, false, 295, 853),
    (3, 10, false, 1_035, 4_006),
    (4, 10, false, 3_267, 15_823),
    (10, 30, true, 461_824, 4_956_161),
];

fn engine_counts(model: PeerLock) -> (u64, u64) {
    let limits = SearchLimits {
        states_max: u64::MAX,
        depth_max: None,
        time_max: Duration::from_secs(3600),
        memory: None,
    };
    let outcome = bfs::search(&Exhaustive::new(model), &limits, 1, &mut |_, _| {});
    assert_eq!(outcome.stop, Stop::Exhausted);
    (
        outcome.unique_states,
        outcome.transitions + outcome.init_states as u64,
    )
}

#[test]
fn the_engine_finds_the_published_counts_of_the_peer_model() {
    for &(clients, horizon, nopause, states, transitions) in PUBLISHED {
        let model = PeerLock {
            nopause,
            ..PeerLock::new(clients, horizon)
        };
        assert_eq!(
            engine_counts(model),
            (states, transitions),
            "N={clients} MAXT={horizon} nopause={nopause}"
        );
    }
}

#[test]
fn the_peer_model_violates_mutual_exclusion_unless_nopause() {
    let limits = SearchLimits {
        states_max: u64::MAX,
        depth_max: None,
        time_max: Duration::from_secs(3600),
        memory: None,
    };
    let found = |model: PeerLock| {
        bfs::search(&model, &limits, 1, &mut |_, _| {}).discoveries[0]
            .as_ref()
            .map(|d| d.actions.len())
    };
    // Acquire, tick, tick (the key expires), acquire: two clients inside.
    assert_eq!(found(PeerLock::new(2, 10)), Some(4));
    let nopause = PeerLock {
        nopause: true,
        ..PeerLock::new(3, 10)
    };
    assert_eq!(found(nopause), None);
}

fn lockcheck(args: &[&str], path: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lockcheck"));
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    cmd.output().expect("the binary runs")
}

#[test]
fn bench_quick_prints_the_figures() {
    let out = lockcheck(&["bench", "--quick", "--repeat", "1"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("N=3 clients, MAXT=10 ticks, TTL 2 ticks; 1 search thread"),
        "{text}"
    );
    for header in [
        "states",
        "transitions",
        "CPU s",
        "wall s",
        "states/s",
        "transitions/s",
        "bytes/state",
    ] {
        assert!(text.contains(header), "no {header} column:\n{text}");
    }
    let peer = text
        .lines()
        .find(|l| l.starts_with("peer model, lockcheck"))
        .unwrap_or_else(|| panic!("no peer row:\n{text}"));
    assert!(peer.contains("1,035") && peer.contains("4,006"), "{peer}");
    assert!(
        text.lines().any(|l| l.starts_with("world, lockcheck")),
        "{text}"
    );
    assert!(
        text.contains("redis_set_px under bench/world-lock.json with 3 clients and horizon 10"),
        "{text}"
    );
    assert!(text.contains("how the world differs"), "{text}");
    assert!(text.contains("world / bare engine:"), "{text}");
    assert!(
        text.contains("SPIN's states stored and transitions equal lockcheck's: 1,035 / 4,006")
            || text.contains("SPIN: skipped"),
        "{text}"
    );
}

#[test]
fn bench_json_has_every_figure() {
    let out = lockcheck(&["bench", "--quick", "--repeat", "1", "--json"], None);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON report");
    for side in [&v["peer"], &v["world"]] {
        for key in [
            "states",
            "transitions",
            "cpu_seconds",
            "wall_seconds",
            "states_per_second",
            "transitions_per_second",
        ] {
            assert!(side[key].is_number(), "{key} in {side}");
        }
    }
    assert_eq!(v["peer"]["states"], 1035);
    assert_eq!(v["peer"]["transitions"], 4006);
    assert_eq!(v["options"]["threads"], 1);
    assert_eq!(v["world"]["states_max"], 1035);
    assert!(v["ratios"]["world_vs_engine_time_per_state"].is_number());
}

#[test]
fn without_spin_on_path_bench_says_it_was_skipped_and_how_to_install_it() {
    let out = lockcheck(&["bench", "--quick", "--repeat", "1"], Some("/nonexistent"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("SPIN: skipped (`spin` is not on PATH)"),
        "{text}"
    );
    assert!(text.contains("apt-get install spin"), "{text}");
    assert!(!text.contains("peer model, SPIN"), "{text}");
}

#[test]
fn spin_stores_as_many_states_as_our_engine() {
    let tools = match spin::find_tools() {
        Ok(t) => t,
        Err(reason) => {
            println!("note: SPIN comparison skipped: {reason} (apt-get install spin)");
            return;
        }
    };
    for &(clients, horizon, _, states, transitions) in &PUBLISHED[..3] {
        let prepared = spin::prepare(&tools, clients, horizon).expect("spin and gcc run");
        let pan = spin::run_pan(&prepared).expect("pan runs");
        assert_eq!(
            (pan.states, pan.transitions),
            (states, transitions),
            "SPIN at N={clients} MAXT={horizon}"
        );
        assert_eq!(
            (pan.states, pan.transitions),
            engine_counts(PeerLock::new(clients, horizon)),
            "SPIN and lockcheck at N={clients} MAXT={horizon}"
        );
    }
}

#[test]
fn pan_output_is_parsed() {
    let output = "State-vector 36 byte, depth reached 16, errors: 0\n      295 states, stored\n      558 states, matched\n      853 transitions (= stored+matched)\n";
    assert_eq!(spin::parse_pan(output), Ok((295, 853, 16)));
    assert!(spin::parse_pan("error: max search depth too small\n").is_err());
}

#[test]
fn the_bench_world_scenario_checks_as_it_expects() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/world-lock.json");
    let scenario = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
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
        // As the benchmark searches it: the whole world, no reduction.
        symmetry: false,
        only: Vec::new(),
        request_ids: false,
        time_merge: false,
        liveness_orbits: false,
        liveness_states_max: None,
    };
    let report = registry::lookup(lockcheck::bench::WORLD_MODEL)
        .unwrap()
        .run(&scenario, &file, &Default::default(), &options)
        .unwrap();
    // A two-tick TTL against pauses of up to four ticks: both safety
    // properties break; the lock is still taken and every client finishes.
    let verdicts: Vec<(&str, bool)> = report
        .properties
        .iter()
        .map(|p| {
            (
                p.property.as_str(),
                matches!(p.verdict, lockcheck::check::Verdict::Holds { .. }),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("mutual_exclusion", false),
            ("resource_safe", false),
            ("lock_acquired", true),
            ("progress", true)
        ],
        "{:?}",
        report.properties
    );
    assert!(
        report
            .properties
            .iter()
            .all(|p| !matches!(p.verdict, lockcheck::check::Verdict::Inconclusive { .. })),
        "{:?}",
        report.properties
    );
    assert_eq!(report.stats.unique_states, 5219);
    // The benchmark resizes it.
    let resized = lockcheck::bench::world_scenario(8, 30).unwrap();
    assert_eq!(
        (
            resized.clients,
            resized.horizon_ticks,
            resized.faults_until_ticks
        ),
        (8, 30, 30)
    );
}
