//! The command line as a user meets it: exit codes, the timeline, the
//! reproduce command, `list` and `--json`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lockcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockcheck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_violation_prints_its_timeline_and_a_command_that_reproduces_it() {
    let reports = temp_dir("cli-timeline");
    let reports = reports.to_str().unwrap();
    let args = [
        "check",
        "--model",
        "redis_set_px",
        "--scenario",
        "scenarios/clock-jump.json",
        "--report-dir",
        reports,
    ];
    let first = lockcheck(&args);
    let text = stdout(&first);
    assert_eq!(
        first.status.code(),
        Some(0),
        "verdicts as expected:\n{text}"
    );
    assert!(text.contains("VIOLATED mutual_exclusion  model=redis_set_px scenario=clock-jump  (shortest counterexample: 5 steps)"), "{text}");
    assert!(text.contains("CLOCK JUMPS +10 ticks"), "{text}");
    assert!(text.contains("c1 HOLDS, c2 HOLDS"), "{text}");
    let trace = Path::new(reports).join("traces/redis_set_px.clock-jump.mutual_exclusion.json");
    assert!(trace.exists(), "trace written to {}", trace.display());

    // The reproduce line is the last thing printed for the violation; run it
    // (without the `cargo run --release --` prefix) and get the same timeline.
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("reproduce: ") && l.contains("mutual_exclusion"))
        .expect("a reproduce line");
    let command = line.split("reproduce: ").nth(1).unwrap();
    let rest = command
        .strip_prefix("cargo run --release -- ")
        .expect("the command runs the binary through cargo");
    let mut again_args: Vec<&str> = rest.split(' ').collect();
    again_args.extend(["--report-dir", reports]);
    let again = lockcheck(&again_args);
    let again_text = stdout(&again);
    let timeline = |t: &str| {
        t.split("VIOLATED mutual_exclusion")
            .nth(1)
            .map(|s| s.split("\n\n").next().unwrap_or("").to_string())
    };
    assert!(timeline(&again_text).is_some(), "{again_text}");
    assert_eq!(timeline(&text), timeline(&again_text));
}

#[test]
fn a_search_cut_short_is_inconclusive_with_exit_3() {
    let o = lockcheck(&[
        "check",
        "--model",
        "redis_set_px",
        "--scenario",
        "scenarios/partition.json",
        "--states-max",
        "500",
        "--no-traces",
    ]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(3), "{text}");
    assert!(
        text.contains("incomplete: the state limit (500 unique states) was reached"),
        "{text}"
    );
    assert!(text.contains("mutual_exclusion  inconclusive"), "{text}");
    assert!(
        !text.contains("mutual_exclusion  holds"),
        "never `holds` after a cut search: {text}"
    );
    // The reachability example was found before the bound, so it stands.
    assert!(
        text.contains("lock_acquired     holds (example in 2 steps)"),
        "{text}"
    );
}

#[test]
fn a_search_that_reaches_the_memory_limit_is_inconclusive_with_exit_3() {
    // Some 190 MB at its peak: 40 MB is reached early in the search.
    let o = lockcheck(&[
        "check",
        "--model",
        "redis_failover",
        "--scenario",
        "scenarios/clock-drift.json",
        "--memory-max",
        "40",
        "--no-traces",
    ]);
    let text = stdout(&o);
    // An exit code, not a signal: the search stopped itself.
    assert_eq!(o.status.code(), Some(3), "{text}");
    assert!(
        text.contains("incomplete: the memory limit (40 MB) was reached after "),
        "{text}"
    );
    assert!(text.contains("progress          inconclusive"), "{text}");
    assert!(
        text.contains("was reached after ")
            && text
                .contains("unique states before a verdict (raise --memory-max or limits.memory_mb"),
        "{text}"
    );
    for p in ["mutual_exclusion", "resource_safe", "progress"] {
        assert!(
            !text.contains(&format!("{p:<17} holds")),
            "never `holds` after a cut search: {text}"
        );
    }
}

#[test]
fn a_verdict_that_differs_from_the_expectation_exits_1() {
    let dir = temp_dir("cli-unexpected");
    // Claim that redis_set_px survives the pause, which it does not.
    std::fs::write(
        dir.join("redis_set_px.expect.json"),
        r#"{ "redis_set_px": { "gc-pause": { "mutual_exclusion": "holds" } } }"#,
    )
    .unwrap();
    let o = lockcheck(&[
        "check",
        "--model",
        "redis_set_px",
        "--scenario",
        "scenarios/gc-pause.json",
        "--expectations-dir",
        dir.to_str().unwrap(),
        "--no-traces",
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("mutual_exclusion"))
        .expect("a verdict line");
    assert!(
        line.contains("VIOLATED") && line.contains("UNEXPECTED"),
        "{out}"
    );
}

#[test]
fn list_shows_models_properties_and_scenarios() {
    let o = lockcheck(&["list"]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    for needle in [
        "redis_setnx",
        "redis_set_px_fenced",
        "redis_py_lock",
        "mutual_exclusion",
        "progress",
        "gc-pause",
        "holder-crash",
    ] {
        assert!(text.contains(needle), "`{needle}` missing from:\n{text}");
    }
}

/// `--property` names several properties at once: exactly those are
/// reported, in the usual order, a liveness one among them with its graph,
/// and the others are left out.
#[test]
fn property_is_repeatable() {
    let o = lockcheck(&[
        "check",
        "--model",
        "redis_setnx",
        "--scenario",
        "scenarios/holder-crash.json",
        "--property",
        "starvation_free",
        "--property",
        "mutual_exclusion",
        "--json",
        "--no-traces",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let names: Vec<&str> = v[0]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["property"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["mutual_exclusion", "starvation_free"]);
    assert!(v[0]["liveness"].is_object(), "{}", v[0]);
}

#[test]
fn json_output_is_one_parseable_array() {
    let o = lockcheck(&[
        "check",
        "--model",
        "redis_setnx",
        "--scenario",
        "scenarios/holder-crash.json",
        "--json",
        "--no-traces",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let report = &v[0];
    assert_eq!(report["model"], "redis_setnx");
    assert_eq!(report["stats"]["complete"], true);
    let progress = &report["properties"][3];
    assert_eq!(progress["property"], "progress");
    assert_eq!(progress["verdict"], "violated");
    assert_eq!(progress["steps"], 54);
    assert_eq!(progress["path"]["rows"].as_array().unwrap().len(), 55);
}

#[test]
fn an_unknown_model_is_a_clear_error() {
    let o = lockcheck(&[
        "check",
        "--model",
        "redlock9",
        "--scenario",
        "scenarios/no-faults.json",
    ]);
    assert_eq!(o.status.code(), Some(4));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unknown model `redlock9`"), "{err}");
    assert!(
        err.contains("redis_set_px"),
        "lists the known models: {err}"
    );
}

/// A search cut short by a bound decides nothing, but a seeded simulation of
/// the same scenario may still find a violation: a real counterexample whose
/// trace replays, marked as found by simulation (not necessarily shortest).
#[test]
fn a_bounded_search_falls_back_to_simulation_and_its_violation_replays() {
    let reports = temp_dir("cli-fallback");
    let dir = reports.to_str().unwrap();
    let base = [
        "check",
        "--model",
        "redlock",
        "--scenario",
        "scenarios/clock-drift.json",
        "--states-max",
        "2000",
        "--property",
        "mutual_exclusion",
        "--report-dir",
        dir,
    ];
    // Without the simulation: only the bound, so inconclusive (exit 3).
    let mut args = base.to_vec();
    args.extend(["--simulation-runs", "0"]);
    let alone = lockcheck(&args);
    assert_eq!(alone.status.code(), Some(3), "{}", stdout(&alone));
    assert!(
        stdout(&alone).contains("the state limit (2000 unique states) was reached"),
        "{}",
        stdout(&alone)
    );

    let mut args = base.to_vec();
    args.extend(["--simulation-runs", "2000"]);
    let found = lockcheck(&args);
    let text = stdout(&found);
    assert!(
        text.contains("mutual_exclusion  VIOLATED in 26 steps (simulation)"),
        "{text}"
    );
    assert!(
        text.contains("found by a seeded simulation of this scenario") && text.contains("seed 1"),
        "{text}"
    );
    assert!(text.contains("not necessarily the shortest"), "{text}");
    let trace = reports.join("traces/redlock.clock-drift.mutual_exclusion.seed-1.json");
    let replay = lockcheck(&["replay", trace.to_str().unwrap()]);
    assert_eq!(replay.status.code(), Some(0), "{}", stdout(&replay));
    assert!(
        stdout(&replay).contains("REPRODUCED"),
        "{}",
        stdout(&replay)
    );
}

/// A simulation that finds nothing decides nothing: the verdict stays
/// inconclusive and says how many runs found no violation.
#[test]
fn a_bounded_search_whose_simulation_finds_nothing_stays_inconclusive() {
    let reports = temp_dir("cli-fallback-none");
    let out = lockcheck(&[
        "check",
        "--model",
        "redis_set_px",
        "--scenario",
        "scenarios/no-faults.json",
        "--states-max",
        "50",
        "--simulation-runs",
        "300",
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains("a seeded simulation found no violation in 300 runs (seed 1)"),
        "{text}"
    );
    assert!(!text.contains("mutual_exclusion  holds"), "{text}");
}

#[test]
fn an_expectation_can_limit_the_liveness_graph_apart_from_the_safety_search() {
    // redis_set_px under no-faults: 1,395 states for safety, a liveness
    // graph of 746.
    let run = |limits: &str, extra: &[&str]| {
        let dir = temp_dir("cli-liveness-states-max");
        std::fs::write(
            dir.join("redis_set_px.expect.json"),
            format!(
                r#"{{ "redis_set_px": {{ "no-faults": {{ "mutual_exclusion": "holds", "deadlock_free": "holds"{limits} }} }} }}"#
            ),
        )
        .unwrap();
        let mut args = vec![
            "check",
            "--model",
            "redis_set_px",
            "--scenario",
            "scenarios/no-faults.json",
            "--property",
            "mutual_exclusion",
            "--property",
            "deadlock_free",
            "--simulation-runs",
            "0",
            "--expectations-dir",
            dir.to_str().unwrap(),
            "--no-traces",
        ];
        args.extend_from_slice(extra);
        let o = lockcheck(&args);
        let out = stdout(&o);
        let verdict = |p: &str| {
            let line = out
                .lines()
                .find(|l| l.trim_start().starts_with(p))
                .unwrap_or_else(|| panic!("no {p} line: {out}"));
            line.split_whitespace().nth(1).unwrap().to_string()
        };
        (verdict("mutual_exclusion"), verdict("deadlock_free"), out)
    };
    // The liveness graph stops at its own limit; the safety search does not.
    let (safety, liveness, out) = run(r#", "states_max": 5000, "liveness_states_max": 100"#, &[]);
    assert_eq!(
        (safety.as_str(), liveness.as_str()),
        ("holds", "inconclusive"),
        "{out}"
    );
    assert!(
        out.contains("liveness graph: the state limit (100 unique states)"),
        "{out}"
    );
    // And the other way round: the safety search stops, the graph does not.
    let (safety, liveness, out) = run(r#", "states_max": 100, "liveness_states_max": 5000"#, &[]);
    assert_eq!(
        (safety.as_str(), liveness.as_str()),
        ("inconclusive", "holds"),
        "{out}"
    );
    // Without its own limit, the graph stops where the safety search does.
    let (safety, liveness, out) = run(r#", "states_max": 100"#, &[]);
    assert_eq!(
        (safety.as_str(), liveness.as_str()),
        ("inconclusive", "inconclusive"),
        "{out}"
    );
    // `--states-max` on the command line sets both.
    let (safety, liveness, out) = run(
        r#", "states_max": 100, "liveness_states_max": 100"#,
        &["--states-max", "5000"],
    );
    assert_eq!(
        (safety.as_str(), liveness.as_str()),
        ("holds", "holds"),
        "{out}"
    );
}
