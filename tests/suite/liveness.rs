//! Liveness under fairness (`src/check/liveness.rs`): the lassos it finds,
//! the verdicts fairness changes, and lasso traces through replay and export.

use std::path::{Path, PathBuf};
use std::process::Command;

use lockcheck::check::{CheckOptions, CheckReport, PropertyReport, Verdict, bfs::SearchLimits};
use lockcheck::expectations::Expectations;
use lockcheck::properties::PropertyName;
use lockcheck::registry;
use lockcheck::scenario::Scenario;
use lockcheck::trace::replay::ReplayOutcome;

fn check(model: &str, scenario: &str, liveness: &[PropertyName], threads: usize) -> CheckReport {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{scenario}.json"));
    let loaded = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
    let expected = Expectations::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models"))
        .unwrap_or_else(|e| panic!("{e}"))
        .for_cell(model, &file);
    // Its own directory per call: tests running in parallel check the same cell.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("liveness/{model}.{scenario}.{threads}.{call}"));
    let _ = std::fs::remove_dir_all(&dir);
    let options = CheckOptions {
        limits: SearchLimits {
            states_max: 5_000_000,
            depth_max: None,
            time_max: std::time::Duration::from_secs(600),
            memory: None,
        },
        threads,
        report_dir: Some(dir),
        progress: false,
        reproduce_flags: Vec::new(),
        liveness: liveness.to_vec(),
        simulation_runs: None,
        symmetry: true,
        only: Vec::new(),
        request_ids: true,
        time_merge: true,
        liveness_orbits: false,
        liveness_states_max: None,
    };
    registry::find(model)
        .expect("registered")
        .run(&loaded, &file, &expected, &options)
        .expect("check runs")
}

fn property(report: &CheckReport, name: PropertyName) -> &PropertyReport {
    report
        .properties
        .iter()
        .find(|p| p.property == name)
        .unwrap_or_else(|| panic!("{name} was checked"))
}

fn lockcheck(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lockcheck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

/// `redis_setnx` (no TTL): after the holder crashes, the other client asks,
/// is refused, sleeps and asks again forever. A lasso: the loop is one
/// refusal round, every state of it has c1 crashed and c2 waiting.
#[test]
fn setnx_deadlocks_after_a_holder_crash_and_a_ttl_lock_does_not() {
    let report = check("redis_setnx", "holder-crash", &[], 1);
    let live = report
        .liveness
        .as_ref()
        .expect("the model expects liveness under this scenario");
    assert!(live.complete);
    assert_eq!((live.unique_states, live.transitions), (7960, 18255));
    let p = property(&report, PropertyName::DeadlockFree);
    assert_eq!(p.verdict, Verdict::Violated { steps: Some(31) });
    let path = p.path.as_ref().expect("a lasso");
    assert_eq!(path.loop_start, Some(24));
    // The loop: c2 sends SETNX, is refused, its retry timer fires, time passes.
    let events: Vec<&str> = path.rows[25..].iter().map(|r| r.event.as_str()).collect();
    assert!(events[0].contains("SETNX"), "{events:?}");
    assert!(
        events.iter().any(|e| e.contains("not set: busy")),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e.contains("timer Retry fires")),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e.starts_with("time passes")),
        "{events:?}"
    );
    for row in &path.rows[24..] {
        assert_eq!(
            row.beliefs,
            vec!["c1 crashed", "c2 acquiring"],
            "step {}",
            row.step
        );
    }
    // Real time keeps growing through the loop although the states repeat.
    assert!(path.rows[31].tick > path.rows[24].tick);
    let timeline = lockcheck::check::render_timeline(&report, p);
    assert!(timeline.contains("from step 24, forever:"), "{timeline}");
    assert!(
        p.as_expected(),
        "holder-crash expects deadlock_free violated"
    );

    // The trace replays: the loop closes, is waiting throughout, and fair.
    let file = path.trace_file.as_ref().expect("a trace");
    let trace = lockcheck::trace::read(file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(trace.loop_start, Some(24));
    assert_eq!(trace.kind, "lasso");
    let replay = registry::find("redis_setnx").unwrap().replay;
    let replayed = replay(file, &trace, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(replayed.outcome, ReplayOutcome::Reproduced);
    assert_eq!(replayed.loop_start, Some(24));
    assert_eq!(
        replayed
            .rows
            .iter()
            .map(|r| (&r.event, r.tick))
            .collect::<Vec<_>>(),
        path.rows
            .iter()
            .map(|r| (&r.event, r.tick))
            .collect::<Vec<_>>()
    );

    // The timeline shows the run as it happens: c2's fourth SETNX is its
    // request 3 (the checker's state renumbers it to 1), at real tick 13.
    assert_eq!(path.rows[25].tick, 13);
    assert!(
        path.rows[25].event.ends_with("SETNX lock 1  [req 3]"),
        "{}",
        path.rows[25].event
    );

    // Unrolled for a real server: the stem, then the loop three times, in
    // real time, each round's request one id and four ticks further.
    let entry = registry::find("redis_setnx").unwrap();
    let unrolled = (entry.unroll)(file, &trace, 2).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(unrolled.loop_start, None);
    assert_eq!(unrolled.actions.len(), 24 + 3 * 7);
    let sends: Vec<(u32, &str)> = unrolled.steps[25..]
        .iter()
        .filter(|s| s.event.contains("c2 -> redis"))
        .map(|s| (s.state.tick, s.event.as_str()))
        .collect();
    assert_eq!(sends.len(), 3, "{sends:?}");
    for (round, (tick, event)) in sends.iter().enumerate() {
        assert_eq!(*tick, 13 + 4 * round as u32);
        assert!(event.ends_with(&format!("[req {}]", 3 + round)), "{event}");
    }
    // A path has nothing to unroll.
    let progress = check("redis_setnx", "holder-crash", &[], 1);
    let progress_file = property(&progress, PropertyName::Progress)
        .path
        .as_ref()
        .and_then(|p| p.trace_file.clone())
        .expect("a progress trace");
    let progress_trace = lockcheck::trace::read(&progress_file).unwrap();
    let refused = (entry.unroll)(&progress_file, &progress_trace, 2)
        .err()
        .expect("a path is not unrolled");
    assert!(refused.to_string().contains("not a lasso"), "{refused}");

    // The same crash under a TTL lock: the dead holder's key expires.
    for model in ["redis_set_px", "redis_set_px_fenced", "redis_py_lock"] {
        let report = check(model, "holder-crash", &[], 1);
        assert!(report.liveness.as_ref().unwrap().complete);
        assert_eq!(
            property(&report, PropertyName::DeadlockFree).verdict,
            Verdict::Holds { steps: None },
            "{model}"
        );
        assert_eq!(
            property(&report, PropertyName::StarvationFree).verdict,
            Verdict::Holds { steps: None },
            "{model}"
        );
    }
    assert_eq!(
        check("redis_set_px", "holder-crash", &[], 1)
            .liveness
            .unwrap()
            .unique_states,
        // An expired key stays in the state, its expiry merged with the
        // times that passed for good, where the hand-written time shift
        // the model once had dropped it: a few more states, the same
        // verdicts.
        14866
    );
}

/// On an asynchronous network the bounded check reports `progress`
/// violated: a message may take until the horizon. Fairness rules that out
/// (a message in flight is eventually delivered), and with no fault the
/// locks are deadlock and starvation free.
#[test]
fn bounded_progress_fails_where_fairness_proves_liveness() {
    for model in ["redis_setnx", "redis_set_px", "redis_py_lock"] {
        let report = check(model, "async-network", &[], 1);
        assert_eq!(
            property(&report, PropertyName::Progress).verdict,
            Verdict::Violated { steps: Some(14) },
            "{model}: the bounded check"
        );
        assert!(report.liveness.as_ref().unwrap().complete, "{model}");
        for name in PropertyName::LIVENESS {
            assert_eq!(
                property(&report, name).verdict,
                Verdict::Holds { steps: None },
                "{model}: {name} under fairness"
            );
        }
    }
}

/// Starvation: `redis_setnx`'s waiter starves behind the crashed holder's key
/// (the lasso is the deadlock's: with a finite number of rounds per client,
/// a client can only starve where no one acquires any more).
#[test]
fn setnx_starves_its_waiter() {
    let report = check("redis_setnx", "holder-crash", &[], 1);
    let p = property(&report, PropertyName::StarvationFree);
    assert_eq!(p.verdict, Verdict::Violated { steps: Some(31) });
    let path = p.path.as_ref().unwrap();
    assert_eq!(path.loop_start, Some(24));
    assert!(
        path.rows[24..]
            .iter()
            .all(|r| r.beliefs[1] == "c2 acquiring")
    );
}

/// A model whose graph cannot be made finite gets an honest
/// `inconclusive` naming why: under endless rounds, one that does not
/// declare that its per-round counters stay bounded (the Redis failover
/// lock: its replication offset grows with every change of the key, and
/// nothing renumbers it); under clock drift, one that sends a time read from its
/// clock to another node.
#[test]
fn liveness_is_inconclusive_where_time_cannot_be_made_finite() {
    let report = check(
        "redis_failover",
        "endless-contention",
        &PropertyName::LIVENESS,
        1,
    );
    for name in PropertyName::LIVENESS {
        match &property(&report, name).verdict {
            Verdict::Inconclusive { reason } => {
                assert!(reason.contains("endless rounds"), "{reason}")
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    for (model, why) in [
        // The client writes its own clock's expiry into the row, and the
        // other client compares it with its clock.
        ("db_lock_expiry_client_clock", "a message carried a time"),
        // The file server's mtime, read by the client that judges it stale.
        ("file_lock_stale_break", "a message carried a time"),
    ] {
        let report = check(model, "clock-drift", &[PropertyName::DeadlockFree], 1);
        match &property(&report, PropertyName::DeadlockFree).verdict {
            Verdict::Inconclusive { reason } => {
                assert!(
                    reason.contains("clock drift") && reason.contains(why),
                    "{model}: {reason}"
                )
            }
            other => panic!("{model}: {other:?}"),
        }
    }
}

/// Under clock drift each node's clock, timers and times move by its own
/// share of the shift (2 real ticks: 1, 2 or 3 ticks at 50%, 100% or
/// 150%), so liveness is decided: the Redis lock with a TTL and the lock
/// row that expires by the database's clock are live whatever the
/// server's rate, and the queue lock read literally from the article
/// deadlocks as it does with no fault (c2 takes c1's message, and its
/// release deletes its own).
#[test]
fn liveness_is_decided_under_clock_drift() {
    for (model, states, deadlock, starvation) in [
        ("redis_set_px", 9924, None, None),
        ("redis_setnx", 3600, None, None),
        ("db_lock_expiry_db_clock", 11340, None, None),
        ("mq_lock_message_ttl", 15824, Some(25), Some(25)),
    ] {
        let report = check(model, "clock-drift", &[], 1);
        let live = report
            .liveness
            .as_ref()
            .expect("expected under clock-drift");
        assert!(live.complete, "{model}: {}", live.stop);
        assert_eq!(live.shift_period_ticks, Some(2), "{model}");
        assert_eq!(live.unique_states, states, "{model}");
        for (name, steps) in [
            (PropertyName::DeadlockFree, deadlock),
            (PropertyName::StarvationFree, starvation),
        ] {
            let p = property(&report, name);
            let want = match steps {
                None => Verdict::Holds { steps: None },
                Some(n) => Verdict::Violated { steps: Some(n) },
            };
            assert_eq!(p.verdict, want, "{model} {name}");
            assert!(p.as_expected(), "{model} {name}");
        }
    }
    // The lasso replays through the shifted world.
    let report = check("mq_lock_message_ttl", "clock-drift", &[], 1);
    let p = property(&report, PropertyName::DeadlockFree);
    let file = p
        .path
        .as_ref()
        .and_then(|p| p.trace_file.as_ref())
        .expect("a trace");
    let trace = lockcheck::trace::read(file).unwrap_or_else(|e| panic!("{e}"));
    let replay = registry::find("mq_lock_message_ttl").unwrap().replay;
    let replayed = replay(file, &trace, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(replayed.outcome, ReplayOutcome::Reproduced);
}

/// The lasso, the graph and every byte of output are the same for any
/// thread count.
#[test]
fn liveness_is_deterministic_across_threads() {
    let one = check("redis_setnx", "holder-crash", &[], 1);
    let two = check("redis_setnx", "holder-crash", &[], 2);
    let json = |r: &CheckReport| {
        let mut v = serde_json::to_value(r).unwrap();
        // Trace paths name the run's own directory.
        for p in v["properties"].as_array_mut().unwrap() {
            if let Some(path) = p.get_mut("path") {
                path.as_object_mut().unwrap().remove("trace_file");
            }
        }
        v
    };
    assert_eq!(json(&one), json(&two));
}

fn lasso_trace(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("liveness-cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    let o = lockcheck(&[
        "check",
        "--model",
        "redis_setnx",
        "--scenario",
        "scenarios/holder-crash.json",
        "--property",
        "deadlock_free",
        "--report-dir",
        dir.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("VIOLATED: lasso 24+7"), "{stdout}");
    assert!(stdout.contains("from step 24, forever:"), "{stdout}");
    dir.join("traces/redis_setnx.holder-crash.deadlock_free.json")
}

#[test]
fn a_lasso_trace_round_trips_and_replays() {
    let file = lasso_trace("replay");
    let text = std::fs::read_to_string(&file).unwrap();
    let trace = lockcheck::trace::read(&file).unwrap();
    let mut again = serde_json::to_string_pretty(&trace).unwrap();
    again.push('\n');
    assert_eq!(again, text, "the trace survives reading and writing");

    let o = lockcheck(&["replay", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("from step 24, forever:"), "{stdout}");
    assert!(stdout.contains("REPRODUCED"), "{stdout}");

    // A recorded loop that does not close is an edited file, not a fixed bug.
    let mut edited: serde_json::Value = serde_json::from_str(&text).unwrap();
    edited["loop_start"] = serde_json::json!(23);
    let bad = file.with_file_name("edited.json");
    std::fs::write(&bad, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    let o = lockcheck(&["replay", bad.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("loop no longer closes"), "{stderr}");
}

#[derive(Debug, serde::Deserialize)]
struct ItfState {
    now: i64,
    #[serde(rename = "mbt::actionTaken")]
    action: String,
}

#[test]
fn itf_export_of_a_lasso_sets_loop() {
    let file = lasso_trace("export");
    let o = lockcheck(&["export", file.to_str().unwrap(), "--format", "itf"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    let itf: itf::Trace<ItfState> =
        itf::trace_from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    // 32 states (steps 0..=31); the last is step 24's again, so the part that
    // repeats forever starts at state 25.
    assert_eq!(itf.states.len(), 32);
    assert_eq!(itf.loop_index, Some(25));
    assert!(itf.states[25].value.action.contains("SETNX"));
    // `now` is real time: it keeps growing through the loop.
    assert!(itf.states[31].value.now > itf.states[24].value.now);

    let o = lockcheck(&["export", file.to_str().unwrap(), "--format", "mermaid"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("    loop after step 24, forever\n"), "{text}");
    assert!(text.contains("\n    end\n"), "{text}");
}

/// The ZooKeeper recipe (ephemeral sequential nodes in line) under a holder
/// crash: the dead holder's session expires, its node goes, the watch on it
/// fires and the waiter gets the lock; no fair run starves. (The
/// single-node lock's lasso under `client-partition` is pinned in
/// `tests/suite/zk_models.rs`.)
#[test]
fn the_zookeeper_recipe_does_not_starve_after_a_holder_crash() {
    let report = check("zk_lock_sequential", "holder-crash", &[], 1);
    let live = report.liveness.as_ref().unwrap();
    assert!(live.complete);
    assert_eq!(live.shift_period_ticks, Some(2), "whole heartbeat periods");
    assert_eq!(live.unique_states, 134918);
    for name in PropertyName::LIVENESS {
        assert_eq!(
            property(&report, name).verdict,
            Verdict::Holds { steps: None },
            "{name}"
        );
    }
}

/// Endless rounds (`scenarios/endless-contention.json`): two clients that
/// ask for the lock again after every release, forever, with no fault.
/// `redis_set_px` is deadlock free (whenever someone waits, someone
/// acquires) but not starvation free: in the lasso c1 acquires and releases
/// round after round while every `SET` of c2 finds c1's key. The ZooKeeper
/// recipe, whose waiters queue in order, starves no one.
#[test]
fn endless_rounds_tell_starvation_from_deadlock() {
    let report = check("redis_set_px", "endless-contention", &[], 1);
    let live = report
        .liveness
        .as_ref()
        .expect("the model expects liveness");
    assert!(live.complete);
    assert_eq!((live.unique_states, live.transitions), (5103, 8514));
    assert_eq!(
        property(&report, PropertyName::DeadlockFree).verdict,
        Verdict::Holds { steps: None }
    );
    let p = property(&report, PropertyName::StarvationFree);
    assert_eq!(p.verdict, Verdict::Violated { steps: Some(66) });
    assert!(p.as_expected(), "endless-contention expects starvation");
    let path = p.path.as_ref().expect("a lasso");
    assert_eq!(path.loop_start, Some(20));
    // c2 waits in every state of the loop, while c1 holds the lock in some
    // and acquires it again within the loop.
    let looped = &path.rows[20..];
    assert!(
        looped.iter().all(|r| r.beliefs[1] == "c2 acquiring"),
        "{:?}",
        looped.iter().map(|r| &r.beliefs).collect::<Vec<_>>()
    );
    assert!(looped.iter().any(|r| r.beliefs[0] == "c1 HOLDS"));
    assert!(looped.iter().any(|r| r.beliefs[0] == "c1 acquiring"));
    assert!(
        looped.iter().any(|r| r.event.contains("not set: busy")),
        "c2 is refused in the loop"
    );

    // The trace survives reading and writing, and replays from the command
    // line: the loop closes, c2 waits throughout, and it is fair.
    let file = path.trace_file.as_ref().expect("a trace");
    let text = std::fs::read_to_string(file).unwrap();
    let trace = lockcheck::trace::read(file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(trace.kind, "lasso");
    assert_eq!(trace.loop_start, Some(20));
    let mut again = serde_json::to_string_pretty(&trace).unwrap();
    again.push('\n');
    assert_eq!(again, text, "the trace survives reading and writing");
    let o = lockcheck(&["replay", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("from step 20, forever:"), "{stdout}");
    assert!(
        stdout.contains("REPRODUCED: starvation_free is violated"),
        "{stdout}"
    );

    // The fenced variant's tokens grow with every round; the harness
    // renumbers them (`src/world/tokens.rs`), so the graph is finite and
    // the same cycle starves c2, entered one grant later (the first token,
    // 1, stays 1).
    let report = check(
        "redis_set_px_fenced",
        "endless-contention",
        &PropertyName::LIVENESS,
        1,
    );
    assert_eq!(report.liveness.as_ref().unwrap().unique_states, 5713);
    assert_eq!(
        property(&report, PropertyName::DeadlockFree).verdict,
        Verdict::Holds { steps: None }
    );
    let p = property(&report, PropertyName::StarvationFree);
    assert_eq!(p.verdict, Verdict::Violated { steps: Some(80) });
    assert_eq!(p.path.as_ref().expect("a lasso").loop_start, Some(32));
    assert!(p.as_expected(), "the fenced variant expects starvation too");

    // The queue lock: every waiter is served in turn.
    let report = check("zk_lock_sequential", "endless-contention", &[], 2);
    let live = report.liveness.as_ref().unwrap();
    assert!(live.complete);
    assert_eq!(live.unique_states, 819547);
    for name in PropertyName::LIVENESS {
        let p = property(&report, name);
        assert_eq!(p.verdict, Verdict::Holds { steps: None }, "{name}");
        assert!(p.as_expected(), "{name}");
    }
}

/// The database and queue locks, whose times the harness shifts
/// (`LockModel::times`): without expiry a crashed holder strands its
/// waiter forever, and with one the lock is live.
/// - `db_lock_unique`: c1's `INSERT` commits and c1 crashes; the loop is
///   c2's `INSERT`, its `IntegrityError`, the retry sleep, forever.
/// - `mq_lock_auto_ack`: c1's receive-and-delete takes the only token and
///   c1 crashes before it hears of it; the loop is c2's receive on the
///   empty queue and its retry sleep, forever.
#[test]
fn a_lock_with_no_expiry_deadlocks_after_a_holder_crash_and_an_expiring_one_does_not() {
    for (model, request, refusal) in [
        ("db_lock_unique", "INSERT INTO lock", "IntegrityError"),
        ("mq_lock_auto_ack", "RECEIVE-AND-DELETE", "queue empty"),
    ] {
        let report = check(model, "holder-crash", &[], 1);
        let live = report.liveness.as_ref().expect("liveness is expected");
        assert!(live.complete, "{model}");
        assert_eq!(
            (live.unique_states, live.transitions),
            (7960, 18255),
            "{model}"
        );
        for name in PropertyName::LIVENESS {
            let p = property(&report, name);
            assert_eq!(p.verdict, Verdict::Violated { steps: Some(31) }, "{model}");
            assert!(p.as_expected(), "{model}: {name}");
            let path = p.path.as_ref().expect("a lasso");
            assert_eq!(path.loop_start, Some(24), "{model}");
            let events: Vec<&str> = path.rows[25..].iter().map(|r| r.event.as_str()).collect();
            for wanted in [request, refusal, "timer Retry fires", "time passes"] {
                assert!(
                    events.iter().any(|e| e.contains(wanted)),
                    "{model}: {wanted} in {events:?}"
                );
            }
            for row in &path.rows[24..] {
                assert_eq!(row.beliefs, vec!["c1 crashed", "c2 acquiring"], "{model}");
            }
            // The lasso replays through the real world.
            let file = path.trace_file.as_ref().expect("a trace");
            let trace = lockcheck::trace::read(file).unwrap_or_else(|e| panic!("{e}"));
            let replay = registry::find(model).unwrap().replay;
            let replayed = replay(file, &trace, false).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(replayed.outcome, ReplayOutcome::Reproduced, "{model}");
            assert_eq!(replayed.loop_start, Some(24), "{model}");
        }
    }
    for (model, states) in [
        ("db_lock_expiry_client_clock", 21282),
        ("db_lock_expiry_db_clock", 21726),
        ("db_lock_expiry_db_clock_fenced", 24788),
        ("mq_lock_visibility_timeout", 14868),
        ("mq_lock_visibility_timeout_fenced", 14868),
        ("file_lock_stale_break", 26078),
    ] {
        let report = check(model, "holder-crash", &[], 1);
        let live = report.liveness.as_ref().unwrap();
        assert!(live.complete, "{model}");
        assert_eq!(live.unique_states, states, "{model}");
        for name in PropertyName::LIVENESS {
            assert_eq!(
                property(&report, name).verdict,
                Verdict::Holds { steps: None },
                "{model}: {name}"
            );
        }
    }
}

/// The liveness checker's abstraction as a whole (`Abstraction::canonicalize`:
/// the time shift, the renumbering of the world's round counters, of
/// request ids, nonces, and fencing tokens and the other token families)
/// on the first `states_max` canonical states of `model` under `scenario`:
/// every successor `t` of a canonical state and its canonical form have
/// the same successors up to canonical form and the same reading of every
/// property, and canonicalizing twice changes nothing. Returns how many
/// successors the abstraction changed.
fn check_abstraction<M: lockcheck::node::LockModel>(
    model: M,
    scenario: &str,
    states_max: usize,
) -> usize {
    use lockcheck::check::liveness::{Abstraction, unbounded_world};
    use lockcheck::world::{WorldConfig, WorldState};
    use stateright::Model;

    let scenario = Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(scenario))
        .unwrap_or_else(|e| panic!("{e}"));
    let world = unbounded_world(model, &WorldConfig::from_scenario(&scenario));
    let abstraction = Abstraction::new(&world).expect("liveness applies");
    let canonical = |s: &WorldState<M>| {
        let mut c = s.clone();
        abstraction.canonicalize(&world, &mut c);
        c
    };
    let successors = |s: &WorldState<M>| crate::common::mapped_successors(&world, s, &canonical);
    let labels = |s: &WorldState<M>| crate::common::labels(&world, s);
    let mut changed = 0;
    let starts: Vec<_> = world.init_states().iter().map(&canonical).collect();
    crate::common::breadth_first(starts, states_max, |s| {
        let mut next = Vec::new();
        for t in crate::common::successors(&world, s) {
            let c = canonical(&t);
            if c != t {
                changed += 1;
                assert!(canonical(&c) == c, "not idempotent on {t:?}");
                assert!(
                    labels(&c) == labels(&t),
                    "a property reads {t:?} differently"
                );
                assert!(
                    successors(&c) == successors(&t),
                    "the abstraction does not commute with the steps from {t:?}"
                );
            }
            next.push(c);
        }
        next
    });
    changed
}

/// The locks under endless rounds whose tokens the abstraction renumbers:
/// the Redis counter's `FenceToken`s, and the ZooKeeper recipe's zxids
/// (`FenceToken`s too, the fenced variant's tokens, renumbered with the
/// world's copies), sequence numbers and per-client session numbers (two
/// more token families, each from its own counters), and the database's
/// versions with the value its sequence logged ahead (a token computed
/// from one: the check that nothing but their order matters), and the
/// visibility-timeout queue's dequeue count with the pop receipts that copy
/// it (fencing numbers there, the fenced variant's tokens).
#[test]
fn the_abstraction_commutes_with_steps_for_fenced_locks_under_endless_rounds() {
    use lockcheck::models::db_lock_expiry::DbLockExpiring;
    use lockcheck::models::mq_lock_visibility_timeout::MqVisibilityTimeout;
    use lockcheck::models::redis_set_px::RedisSetPx;
    use lockcheck::models::zk_lock_sequential::ZkLockSequential;
    use lockcheck::node::LockModel;

    let scenario = "scenarios/endless-contention.json";
    let params = Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(scenario))
        .unwrap()
        .params;
    let redis = RedisSetPx::new("redis_set_px_fenced", &params).unwrap();
    assert!(check_abstraction(redis, scenario, 3_000) > 0);
    let zk = ZkLockSequential::new("zk_lock_sequential_fenced", &params).unwrap();
    assert!(check_abstraction(zk, scenario, 150_000) > 0);
    let zk = ZkLockSequential::new("zk_lock_sequential", &params).unwrap();
    assert!(check_abstraction(zk, scenario, 50_000) > 0);
    let db = DbLockExpiring::new("db_lock_expiry_db_clock_fenced", &params).unwrap();
    assert!(check_abstraction(db, scenario, 50_000) > 0);
    for variant in [
        "mq_lock_visibility_timeout",
        "mq_lock_visibility_timeout_fenced",
    ] {
        let mq = MqVisibilityTimeout::new(variant, &params).unwrap();
        assert!(check_abstraction(mq, scenario, 50_000) > 0, "{variant}");
    }
}

/// Locks that two clients break with no fault, under endless rounds: once
/// an update is lost the abstraction forgets the counter's values (all 0,
/// the write count 1), which must keep every label and commute with every
/// step, here through the lost updates of a release that deletes another
/// client's key, of two holders at once, and of a database that lets both
/// in.
#[test]
fn the_abstraction_commutes_with_steps_for_locks_that_lose_updates_under_endless_rounds() {
    use lockcheck::models::db_lock_seed::DbLockSeed;
    use lockcheck::models::mq_lock_message_ttl::MqMessageTtl;
    use lockcheck::models::redis_get_del_release::RedisGetDelRelease;
    use lockcheck::node::LockModel;

    let scenario = "scenarios/endless-contention.json";
    let params = Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(scenario))
        .unwrap()
        .params;
    let redis = RedisGetDelRelease::new("redis_get_del_release", &params).unwrap();
    assert!(check_abstraction(redis, scenario, 50_000) > 0);
    let db = DbLockSeed::new("db_lock_seed", &params).unwrap();
    assert!(check_abstraction(db, scenario, 50_000) > 0);
    let mq = MqMessageTtl::new("mq_lock_message_ttl", &params).unwrap();
    assert!(check_abstraction(mq, scenario, 50_000) > 0);
}

/// Conditional writes under endless rounds: the record's versions (the
/// write count, those read, those a conditional write carries) and the
/// newest write's rank shift down with the values, which must keep every
/// label and commute with every step, here through refused and accepted
/// compare-and-sets; and without the condition, through the lost updates
/// of no lock at all.
#[test]
fn the_abstraction_commutes_with_steps_for_conditional_writes_under_endless_rounds() {
    use lockcheck::models::optimistic::Optimistic;
    use lockcheck::node::LockModel;

    let scenario = "scenarios/endless-contention.json";
    let params = Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(scenario))
        .unwrap()
        .params;
    for variant in ["occ_cas", "no_lock"] {
        let model = Optimistic::new(variant, &params).unwrap();
        assert!(check_abstraction(model, scenario, 50_000) > 0, "{variant}");
    }
}
