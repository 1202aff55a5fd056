//! What a hostile user found, one test each: edited traces are bad input and
//! never reproduce, scenario errors carry a position, thread counts are
//! checked, Ctrl-C keeps what was decided, shards keep their own traces, and
//! a liveness graph that was never built does not claim 0 states.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

fn lockcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockcheck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A directory of its own per call: tests run in parallel.
fn temp_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("hardening-{name}-{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A trace `check` records here and now, in a directory of its own.
fn recorded(model: &str, scenario: &str, property: &str) -> String {
    let dir = temp_dir("recorded");
    let o = lockcheck(&[
        "check",
        "--model",
        model,
        "--scenario",
        &format!("scenarios/{scenario}.json"),
        "--property",
        property,
        "--report-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let trace = dir.join(format!("traces/{model}.{scenario}.{property}.json"));
    trace.display().to_string()
}

fn safety_trace() -> String {
    recorded("redis_setnx", "message-loss", "mutual_exclusion")
}

fn lasso_trace() -> String {
    recorded("redis_setnx", "holder-crash", "deadlock_free")
}

/// A copy of a recorded trace with `edit` applied, in a directory of its own.
fn edited(trace: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut value: Value =
        serde_json::from_str(&std::fs::read_to_string(trace).expect("recorded trace"))
            .expect("JSON");
    edit(&mut value);
    let out = temp_dir("trace").join("edited.json");
    std::fs::write(&out, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    out.display().to_string()
}

fn assert_bad_input(o: &Output, mentions: &str) {
    let all = text(o);
    assert_eq!(o.status.code(), Some(4), "{all}");
    assert!(all.contains(mentions), "expected `{mentions}` in:\n{all}");
    assert!(!all.contains("REPRODUCED"), "{all}");
    assert!(!all.contains("panicked"), "{all}");
}

#[test]
fn the_unedited_traces_still_reproduce() {
    for trace in [safety_trace(), lasso_trace()] {
        let o = lockcheck(&["replay", &trace]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(text(&o).contains("REPRODUCED"));
    }
}

#[test]
fn an_action_naming_a_node_that_does_not_exist_is_bad_input() {
    let t = edited(&safety_trace(), |v| {
        v["actions"][0]["deliver"]["dst"] = 9.into()
    });
    assert_bad_input(&lockcheck(&["replay", &t]), "`actions[0]`");
    assert_bad_input(
        &lockcheck(&["export", &t, "--format", "mermaid"]),
        "`actions[0]`",
    );
}

#[test]
fn an_edited_last_state_is_bad_input_not_a_reproduction() {
    let t = edited(&safety_trace(), |v| {
        let steps = v["steps"].as_array_mut().unwrap();
        steps.last_mut().unwrap()["state"]["clients"][1]["holds"] = false.into();
    });
    assert_bad_input(&lockcheck(&["replay", &t]), "last state differs");
}

#[test]
fn a_moved_loop_start_is_bad_input_not_a_fixed_bug() {
    let t = edited(&lasso_trace(), |v| v["loop_start"] = 23.into());
    let o = lockcheck(&["replay", &t]);
    assert_bad_input(&o, "was it edited?");
    assert!(!text(&o).contains("the bug was fixed"), "{}", text(&o));
}

#[test]
fn kind_engine_property_and_loop_start_must_agree_for_every_reader() {
    let example = edited(&safety_trace(), |v| {
        v["kind"] = "example".into();
        v["engine"] = "dfs".into();
    });
    assert_bad_input(&lockcheck(&["replay", &example]), "`kind`");
    let engine = edited(&safety_trace(), |v| v["engine"] = "dfs".into());
    assert_bad_input(&lockcheck(&["replay", &engine]), "`engine`");
    let property = edited(&safety_trace(), |v| {
        v["property"] = "starvation_free".into()
    });
    assert_bad_input(&lockcheck(&["replay", &property]), "lasso");
    assert_bad_input(
        &lockcheck(&["export", &property, "--format", "itf"]),
        "lasso",
    );
    let looped = edited(&safety_trace(), |v| v["loop_start"] = 3.into());
    assert_bad_input(&lockcheck(&["replay", &looped]), "`loop_start`");
    let unlooped = edited(&lasso_trace(), |v| {
        v.as_object_mut().unwrap().remove("loop_start");
    });
    assert_bad_input(&lockcheck(&["replay", &unlooped]), "`loop_start`");
}

#[test]
fn thread_counts_out_of_range_are_usage_errors() {
    for threads in ["0", "2000"] {
        let o = lockcheck(&[
            "check",
            "--model",
            "redis_setnx",
            "--scenario",
            "scenarios/no-faults.json",
            "--threads",
            threads,
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("--threads"), "{}", text(&o));
    }
}

/// `check` of a scenario file holding `bytes`: its error output.
fn scenario_error(bytes: &[u8]) -> String {
    let file = temp_dir("scenario").join("s.json");
    std::fs::write(&file, bytes).unwrap();
    let o = lockcheck(&[
        "check",
        "--model",
        "redis_setnx",
        "--scenario",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn committed_scenario() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/gc-pause.json"))
        .unwrap()
}

#[test]
fn scenario_errors_name_a_position_and_stay_short() {
    let good = committed_scenario();

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(good.as_bytes());
    let e = scenario_error(&bom);
    assert!(
        e.contains("s.json:1:1: ") && e.contains("byte-order mark"),
        "{e}"
    );

    let mut broken = good.as_bytes().to_vec();
    let at = good.find("\"network\"").unwrap() + 3;
    broken[at] = 0xFF;
    let e = scenario_error(&broken);
    let line = good[..at].lines().count();
    assert!(e.contains(&format!("s.json:{line}:")), "{e}");
    assert!(e.contains("not UTF-8") && e.contains("0xFF"), "{e}");

    let mut value: Value = serde_json::from_str(&good).unwrap();
    value["params"]["request_timeout_ticks"] = 0.into();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    let e = scenario_error(pretty.as_bytes());
    let line = 1 + pretty[..pretty.find("\"request_timeout_ticks\"").unwrap()]
        .matches('\n')
        .count();
    assert!(
        e.contains(&format!(
            "s.json:{line}:5: model `redis_setnx`: `params.request_timeout_ticks`"
        )),
        "{e}"
    );

    value["network"]["delay_ticks_max"] = "x".repeat(100_000).into();
    let e = scenario_error(serde_json::to_string_pretty(&value).unwrap().as_bytes());
    assert!(e.len() < 500, "{} bytes: {}", e.len(), &e[..300]);
    assert!(
        e.contains("100000 bytes in all") && e.contains("expected u32"),
        "{e}"
    );
}

/// `lockcheck args`, sent Ctrl-C (SIGINT) 3 seconds after it starts.
fn interrupted(args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_lockcheck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    std::thread::sleep(std::time::Duration::from_secs(3));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    child.wait_with_output().expect("ends")
}

#[test]
fn ctrl_c_ends_a_check_with_what_it_decided_and_exit_130() {
    let dir = temp_dir("interrupt");
    // The search of this cell takes minutes; interrupt it early.
    let o = interrupted(&[
        "check",
        "--model",
        "redlock",
        "--scenario",
        "scenarios/no-faults.json",
        "--states-max",
        "100000000",
        "--simulation-runs",
        "0",
        "--threads",
        "1",
        "--report-dir",
        dir.to_str().unwrap(),
    ]);
    let all = text(&o);
    assert_eq!(o.status.code(), Some(130), "{all}");
    assert!(all.contains("the run was interrupted after"), "{all}");
    assert!(all.contains("inconclusive"), "{all}");
}

#[test]
fn shards_sharing_a_report_directory_keep_their_own_traces() {
    let dir = temp_dir("shards");
    for shard in ["1/2", "2/2"] {
        let o = lockcheck(&[
            "simulate",
            "--model",
            "no_lock",
            "--scenario",
            "scenarios/no-faults.json",
            "--runs",
            "4",
            "--shard",
            shard,
            "--report-dir",
            dir.to_str().unwrap(),
        ]);
        assert!(o.status.code().is_some(), "{}", text(&o));
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.join("traces"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.iter().any(|n| n.ends_with(".shard-1-of-2.json"))
            && names.iter().any(|n| n.ends_with(".shard-2-of-2.json")),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn a_liveness_graph_that_was_not_built_says_why_instead_of_0_states() {
    let o = lockcheck(&[
        "check",
        // Its replication offset grows with every change of the key, and
        // nothing renumbers it: no graph under endless rounds.
        "--model",
        "redis_failover",
        "--scenario",
        "scenarios/endless-contention.json",
        "--property",
        "deadlock_free",
        "--report-dir",
        temp_dir("liveness").to_str().unwrap(),
    ]);
    let all = text(&o);
    assert!(all.contains("liveness graph: not built: "), "{all}");
    assert!(!all.contains("liveness graph: 0 states"), "{all}");
}

#[test]
fn a_vacuous_cell_the_model_does_not_declare_is_a_difference() {
    let run = |declared: &str| {
        let dir = temp_dir("vacuity");
        std::fs::write(
            dir.join("zk_lock_ephemeral.expect.json"),
            format!(
                r#"{{ "zk_lock_ephemeral": {{ "duplicates": {{ "mutual_exclusion": "holds"{declared} }} }} }}"#
            ),
        )
        .unwrap();
        lockcheck(&[
            "check",
            "--model",
            "zk_lock_ephemeral",
            "--scenario",
            "scenarios/duplicates.json",
            "--property",
            "mutual_exclusion",
            "--expectations-dir",
            dir.to_str().unwrap(),
            "--no-traces",
        ])
    };
    let undeclared = run("");
    assert_eq!(undeclared.status.code(), Some(1), "{}", text(&undeclared));
    assert!(text(&undeclared).contains("differs from the expectation: its `holds` are vacuous"));
    let declared = run(r#", "vacuous": true"#);
    assert_eq!(declared.status.code(), Some(0), "{}", text(&declared));
    assert!(text(&declared).contains("as the model's expectation declares"));
}

#[test]
fn ctrl_c_during_compare_still_writes_the_reports() {
    let dir = temp_dir("interrupt-compare");
    // Raise Redlock's limit so that its search outlasts the interrupt.
    let expectations = temp_dir("interrupt-expectations");
    std::fs::write(
        expectations.join("redlock.expect.json"),
        r#"{ "redlock": { "no-faults": { "mutual_exclusion": "holds", "states_max": 100000000 } } }"#,
    )
    .unwrap();
    let o = interrupted(&[
        "compare",
        "--model",
        "redlock",
        "--scenario",
        "scenarios/no-faults.json",
        "--threads",
        "1",
        "--expectations-dir",
        expectations.to_str().unwrap(),
        "--report-dir",
        dir.to_str().unwrap(),
    ]);
    let all = text(&o);
    assert_eq!(o.status.code(), Some(130), "{all}");
    let report = std::fs::read_to_string(dir.join("comparison.md")).expect("the report is written");
    assert!(report.contains("interrupted"), "{report}");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
