//! `simulate`: same seed, same bytes; shards add up to the whole; a shrunk
//! counterexample still violates and is never longer; large configurations
//! find the known bugs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lockcheck::check::simulate::{self, SimOptions};
use lockcheck::registry;
use lockcheck::scenario::Scenario;
use lockcheck::trace::replay::ReplayOutcome;
use proptest::prelude::*;

fn lockcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockcheck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn scenario(name: &str) -> (PathBuf, Scenario) {
    let file = PathBuf::from(format!("scenarios/{name}.json"));
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(&file);
    (
        file,
        Scenario::load(&full).unwrap_or_else(|e| panic!("{e}")),
    )
}

#[test]
fn the_same_seed_gives_the_same_bytes_for_any_thread_count() {
    let mut outputs = Vec::new();
    for (i, threads) in ["1", "1", "2"].iter().enumerate() {
        let d = dir("sim-determinism");
        let o = lockcheck(&[
            "simulate",
            "--model",
            "redis_py_lock",
            "--scenario",
            "scenarios/message-loss.json",
            "--seed",
            "7",
            "--runs",
            "400",
            "--threads",
            threads,
            "--report-dir",
            d.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "run {i}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let mut traces: Vec<(String, Vec<u8>)> = std::fs::read_dir(d.join("traces"))
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        traces.sort();
        assert!(!traces.is_empty(), "the sweep finds the known violation");
        outputs.push((o.stdout, traces));
    }
    assert_eq!(outputs[0], outputs[1], "two runs with the same seed differ");
    assert_eq!(outputs[0], outputs[2], "one thread and two threads differ");
}

#[test]
fn shards_add_up_exactly_to_the_whole_sweep() {
    let run = |shard: &str| -> serde_json::Value {
        let o = lockcheck(&[
            "simulate",
            "--model",
            "redis_set_px",
            "--scenario",
            "scenarios/gc-pause.json",
            "--seed",
            "3",
            "--runs",
            "300",
            "--shard",
            shard,
            "--json",
            "--no-traces",
        ]);
        serde_json::from_slice(&o.stdout).expect("JSON")
    };
    let whole = run("1/1");
    let parts: Vec<_> = ["1/3", "2/3", "3/3"].iter().map(|s| run(s)).collect();
    let runs: u64 = parts.iter().map(|p| p["runs"].as_u64().unwrap()).sum();
    assert_eq!(runs, whole["runs"].as_u64().unwrap());
    for i in 0..4 {
        let hits: u64 = parts
            .iter()
            .map(|p| p["properties"][i]["runs_hit"].as_u64().unwrap())
            .sum();
        assert_eq!(
            hits,
            whole["properties"][i]["runs_hit"].as_u64().unwrap(),
            "property {i}"
        );
        let first = parts
            .iter()
            .filter_map(|p| p["properties"][i]["first_run"].as_u64())
            .min();
        assert_eq!(
            first,
            whole["properties"][i]["first_run"].as_u64(),
            "property {i}"
        );
    }
    assert!(
        whole["properties"][0]["runs_hit"].as_u64().unwrap() > 0,
        "the sweep finds the pause bug"
    );
}

#[test]
fn seeds_are_numbers_or_commit_hashes() {
    assert_eq!(simulate::parse_seed("42"), Ok(42));
    assert_eq!(
        simulate::parse_seed("8d1af6dcc3ea35efe05a68e02dec86e86065656d"),
        Ok(0x8d1a_f6dc_c3ea_35ef)
    );
    assert!(simulate::parse_seed("main").is_err());
    assert!(simulate::parse_shard("0/2").is_err());
    assert!(simulate::parse_shard("3/2").is_err());
    assert_eq!(simulate::parse_shard("2/2"), Ok((2, 2)));
    let o = lockcheck(&[
        "simulate",
        "--model",
        "redis_set_px",
        "--scenario",
        "scenarios/gc-pause.json",
        "--seed",
        "HEAD",
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("neither a number nor a 40-hex-digit commit hash")
    );
}

#[test]
fn eight_clients_find_the_known_violations_within_the_default_runs() {
    for model in ["redis_set_px", "redis_py_lock"] {
        let o = lockcheck(&[
            "simulate",
            "--model",
            model,
            "--scenario",
            "scenarios/crowd-8.json",
            "--json",
            "--no-traces",
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{model}: only expected violations"
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["runs"], 1000, "the scenario's default run count");
        for i in 0..2 {
            assert!(
                v["properties"][i]["runs_hit"].as_u64().unwrap() > 0,
                "{model}: property {i} never violated"
            );
        }
    }
}

/// Endless rounds: every run stops at the horizon (none at `steps_max`),
/// the bounded `progress` catches a client that has not finished a round by
/// then, and the trace of one replays.
#[test]
fn endless_rounds_stop_at_the_horizon_and_replay() {
    let d = dir("sim-endless");
    let args = [
        "simulate",
        "--model",
        "redis_set_px",
        "--scenario",
        "scenarios/endless-contention.json",
        "--seed",
        "7",
        "--runs",
        "200",
        "--report-dir",
        d.to_str().unwrap(),
    ];
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let o = lockcheck(&json_args);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["runs_cut_at_steps_max"], 0, "runs end at the horizon");
    let hits = |name: &str| {
        v["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["property"] == name)
            .unwrap_or_else(|| panic!("{name}"))["runs_hit"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(hits("mutual_exclusion"), 0);
    assert_eq!(hits("resource_safe"), 0);
    assert!(
        hits("progress") > 0,
        "some run starves c2 up to the horizon"
    );

    let o = lockcheck(&args);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let trace = d.join("traces/redis_set_px.endless-contention.progress.seed-7.json");
    assert!(trace.exists(), "{stdout}");
    let o = lockcheck(&["replay", trace.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("REPRODUCED: progress is violated"),
        "{stdout}"
    );
}

/// Runs a small sweep of `model` under `gc-pause` into `out` and returns every
/// trace file's name and bytes.
fn sweep(model: &str, seed: u64, threads: usize, out: &Path) -> Vec<(String, Vec<u8>)> {
    let (file, scenario) = scenario("gc-pause");
    let _ = std::fs::remove_dir_all(out);
    let options = SimOptions {
        counterexamples: true,
        counterexamples_of: Vec::new(),
        seed,
        seed_text: seed.to_string(),
        runs: 150,
        shard: (1, 1),
        fault_percent: 5,
        steps_max: 10_000,
        threads,
        report_dir: Some(out.to_path_buf()),
    };
    let entry = registry::find(model).unwrap();
    (entry.simulate)(model, &scenario, &file, &Default::default(), &options).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = match std::fs::read_dir(out.join("traces")) {
        Ok(entries) => entries
            .map(|e| {
                let p = e.unwrap().path();
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// The same seed gives byte-identical traces, on one thread or two; and
    /// every trace survives reading, writing and replaying unchanged.
    #[test]
    fn same_seed_same_traces_and_traces_round_trip(seed in 0u64..1_000_000) {
        let a = sweep("redis_set_px", seed, 1, &dir(&format!("sim-same-{seed}-a")));
        let b = sweep("redis_set_px", seed, 2, &dir(&format!("sim-same-{seed}-b")));
        prop_assert_eq!(&a, &b);
        let entry = registry::find("redis_set_px").unwrap();
        for (name, bytes) in &a {
            let path = dir(&format!("sim-same-{seed}-a")).join("traces").join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
            let trace = lockcheck::trace::read(&path).unwrap();
            let mut again = serde_json::to_string_pretty(&trace).unwrap();
            again.push('\n');
            prop_assert_eq!(again.as_bytes(), bytes.as_slice(), "{} changed in a round trip", name);
            let replayed = (entry.replay)(&path, &trace, false).unwrap();
            prop_assert_eq!(replayed.outcome, ReplayOutcome::Reproduced);
        }
    }

    /// A shrunk counterexample replays to the same violation and is never
    /// longer than the walk that found it.
    #[test]
    fn shrunk_traces_still_violate_and_are_never_longer(seed in 0u64..1_000_000) {
        let (file, scenario) = scenario("gc-pause");
        let out = dir(&format!("sim-shrink-{seed}"));
        let options = SimOptions {
            counterexamples: true,
            counterexamples_of: Vec::new(),
            seed,
            seed_text: seed.to_string(),
            runs: 200,
            shard: (1, 1),
            fault_percent: 5,
            steps_max: 10_000,
            threads: 1,
            report_dir: Some(out),
        };
        let entry = registry::find("redis_py_lock").unwrap();
        let report = (entry.simulate)("redis_py_lock", &scenario, &file, &Default::default(), &options).unwrap();
        for p in &report.properties {
            if let Some(c) = &p.counterexample {
                prop_assert!(c.shrunk_steps <= c.original_steps);
                let trace_file = c.trace_file.as_ref().unwrap();
                let trace = lockcheck::trace::read(trace_file).unwrap();
                let replayed = (entry.replay)(trace_file, &trace, false).unwrap();
                prop_assert_eq!(replayed.outcome, ReplayOutcome::Reproduced);
                prop_assert_eq!(replayed.steps, c.shrunk_steps);
            }
        }
    }
}

/// The counterexamples' trace files differ by name between a shard and the
/// unsharded sweep; everything else must be equal.
fn without_trace_files(mut report: serde_json::Value) -> serde_json::Value {
    for p in report["properties"].as_array_mut().unwrap() {
        if let Some(c) = p.get_mut("counterexample").and_then(|c| c.as_object_mut()) {
            c.remove("trace_file");
        }
    }
    report
}

#[test]
fn the_parallel_recipe_with_3_shards_merges_into_the_unsharded_report() {
    let d = dir("merge-recipe");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::create_dir_all(&d).unwrap();
    let bin = env!("CARGO_BIN_EXE_lockcheck");
    let sweep = "simulate --model redis_set_px --scenario scenarios/gc-pause.json --runs 300 --seed 5 --json";
    let report_dir = d.display();
    // The recipe of docs/simulation.md, with GNU parallel where installed;
    // the same three commands one after another where it is not.
    let shards = format!(
        "{bin} {sweep} --report-dir {report_dir} --shard {{}}/3 > {report_dir}/shard-{{}}.json"
    );
    let ran = if Command::new("parallel").arg("--version").output().is_ok() {
        Command::new("parallel")
            .args([&shards, ":::", "1", "2", "3"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap()
    } else {
        eprintln!("note: GNU parallel is not installed; running the shards one by one");
        let each = (1..=3)
            .map(|k| shards.replace("{}", &k.to_string()))
            .collect::<Vec<_>>();
        Command::new("sh")
            .args(["-c", &each.join(" ; ")])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap()
    };
    // Each shard exits 0 (no violation) or 1 (a violation, which this
    // sweep finds); parallel adds them up.
    assert!(ran.code().is_some_and(|c| c <= 3), "{ran:?}");
    let files: Vec<String> = (1..=3)
        .map(|k| d.join(format!("shard-{k}.json")).display().to_string())
        .collect();
    let merged = d.join("merged.json");
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["-o", merged.to_str().unwrap()]);
    let o = lockcheck(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let mut whole_args: Vec<&str> = sweep.split(' ').collect();
    let whole_dir = d.join("whole");
    whole_args.extend(["--report-dir", whole_dir.to_str().unwrap()]);
    let whole = lockcheck(&whole_args);
    let whole: serde_json::Value = serde_json::from_slice(&whole.stdout).unwrap();
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    assert!(
        whole["properties"][0]["runs_hit"].as_u64() > Some(0),
        "the sweep finds violations, so counterexamples are merged too"
    );
    assert_eq!(without_trace_files(merged), without_trace_files(whole));

    // Shards of another sweep, a shard twice, a shard missing: refused.
    let other = d.join("other.json");
    let o = lockcheck(&[
        "simulate",
        "--model",
        "redis_set_px",
        "--scenario",
        "scenarios/gc-pause.json",
        "--runs",
        "300",
        "--seed",
        "6",
        "--json",
        "--shard",
        "3/3",
        "--report-dir",
        d.to_str().unwrap(),
    ]);
    std::fs::write(&other, &o.stdout).unwrap();
    let (one, two, three) = (files[0].as_str(), files[1].as_str(), files[2].as_str());
    for (set, says) in [
        (vec![one, two, other.to_str().unwrap()], "`seed`"),
        (vec![one, one, three], "given twice"),
        (vec![one, three], "shard 2/3 missing"),
    ] {
        let mut args = vec!["merge"];
        args.extend(set);
        let o = lockcheck(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(4), "{err}");
        assert!(err.contains(says), "{says}: {err}");
    }
}

/// A search cut short simulates for the properties it left undecided, and
/// writes a simulation's trace for those only: the properties it decided
/// keep their shortest counterexample, and no second trace of theirs (which
/// would be shrunk for nothing, and left in the report directory beside
/// the one the report names).
#[test]
fn a_cut_short_search_writes_simulation_traces_only_for_what_it_left_undecided() {
    let reports = dir("sim-fallback-traces");
    let out = lockcheck(&[
        "check",
        "--model",
        "redis_py_lock",
        "--scenario",
        "scenarios/message-loss.json",
        "--states-max",
        "5000",
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("mutual_exclusion  VIOLATED in 18 steps  "),
        "{text}"
    );
    assert!(
        text.contains("resource_safe     VIOLATED in 31 steps (simulation)"),
        "{text}"
    );
    let mut traces: Vec<String> = std::fs::read_dir(reports.join("traces"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    traces.sort();
    assert_eq!(
        traces,
        [
            "redis_py_lock.message-loss.mutual_exclusion.json",
            "redis_py_lock.message-loss.resource_safe.seed-1.json",
        ]
    );
}
