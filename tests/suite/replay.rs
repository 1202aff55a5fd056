//! `replay`: a trace that `check` writes replays to the same violation; a
//! trace that no longer fits gives exit 4 naming the step; a truncated or
//! edited file never panics.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn lockcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockcheck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

/// Writes the trace of `model` violating `property` under `scenario` into a
/// fresh directory and returns its path. Each call gets its own directory:
/// tests run in parallel, and two of them may ask for the same trace.
fn trace_of(model: &str, scenario: &str, property: &str) -> PathBuf {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("replay-{model}-{scenario}-{property}-{call}"));
    let _ = std::fs::remove_dir_all(&dir);
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
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    dir.join(format!("traces/{model}.{scenario}.{property}.json"))
}

fn edited(original: &Path, name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(original).unwrap()).unwrap();
    edit(&mut v);
    let path = original.with_file_name(name);
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    path
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_written_trace_replays_to_the_same_violation() {
    let trace = trace_of("redis_py_lock", "message-loss", "mutual_exclusion");
    let o = lockcheck(&["replay", trace.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(
        out.contains("REPRODUCED: mutual_exclusion is violated after step 18"),
        "{out}"
    );
    assert!(out.contains("LOST redis -> c1: deleted"), "{out}");

    let o = lockcheck(&["replay", "--step", trace.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        out.contains("in flight: c1 -> redis: SET lock 257 NX PX 8"),
        "--step shows the network: {out}"
    );
    assert!(
        out.contains("redis [up] RedisServer"),
        "--step shows every node: {out}"
    );
}

/// Split brain under a split partition: the trace names the two sides, and
/// replays to the same violation.
#[test]
fn a_split_partition_trace_replays_and_names_the_sides() {
    let trace = trace_of("redis_failover", "split-partition", "mutual_exclusion");
    let text = std::fs::read_to_string(&trace).unwrap();
    assert!(
        text.contains("\"split\": [\n"),
        "the trace stores the sides as lists of nodes: {text}"
    );
    let o = lockcheck(&["replay", trace.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(
        out.contains("REPRODUCED: mutual_exclusion is violated after step 15"),
        "{out}"
    );
    assert!(out.contains("net    PARTITION {m, c1} | {r, c2}"), "{out}");

    let o = lockcheck(&["replay", "--step", trace.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        out.contains("partition: {m, c1} | {r, c2}"),
        "--step shows the partition in force: {out}"
    );

    let read = lockcheck::trace::read(&trace).unwrap_or_else(|e| panic!("{e}"));
    let mut again = serde_json::to_string_pretty(&read).unwrap();
    again.push('\n');
    assert_eq!(text, again, "the trace survives read and write unchanged");
}

#[test]
fn a_trace_survives_read_and_write_unchanged() {
    let trace = trace_of("redis_set_px", "gc-pause", "resource_safe");
    let text = std::fs::read_to_string(&trace).unwrap();
    let read = lockcheck::trace::read(&trace).unwrap_or_else(|e| panic!("{e}"));
    let mut again = serde_json::to_string_pretty(&read).unwrap();
    again.push('\n');
    assert_eq!(text, again);
}

#[test]
fn an_edited_action_does_not_fit_and_names_the_step() {
    let trace = trace_of("redis_set_px", "clock-jump", "mutual_exclusion");
    let bad = edited(&trace, "edited-action.json", |v| {
        v["actions"][3]["deliver"]["payload"]["lock"]["Req"]["cmd"]["SetNxPx"]["value"] =
            999.into();
    });
    let o = lockcheck(&["replay", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    let err = stderr(&o);
    assert!(
        err.contains("step 4: `actions[3]`: the world does not offer this action here"),
        "{err}"
    );
    assert!(err.contains(r#""value":999"#), "{err}");
}

#[test]
fn an_edited_state_does_not_fit_and_says_what_differs() {
    let trace = trace_of("redis_set_px", "clock-jump", "mutual_exclusion");
    let bad = edited(&trace, "edited-state.json", |v| {
        v["steps"][2]["state"]["clients"][0]["holds"] = false.into();
    });
    let o = lockcheck(&["replay", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    let err = stderr(&o);
    assert!(err.contains("step 2: the state differs from the recording: state.clients[0].holds: recorded false, now true"), "{err}");
}

/// The clients' shared process memory is part of every recorded step of
/// a model that keeps something there: replay checks it too.
#[test]
fn an_edited_process_memory_does_not_fit() {
    let model = "redis_py_lock_not_thread_local";
    let trace = trace_of(model, "gc-pause", "mutual_exclusion");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    let steps = v["steps"].as_array().unwrap();
    assert!(
        steps[0]["state"].get("process_nonce").is_none(),
        "empty at first"
    );
    let (at, stored) = steps
        .iter()
        .enumerate()
        .find_map(|(i, s)| Some((i, s["state"]["process_nonce"].as_u64()?)))
        .expect("an acquirer stores its token");
    let bad = edited(&trace, "edited-process-memory.json", |v| {
        v["steps"][at]["state"]["process_nonce"] = (stored + 1).into();
    });
    let o = lockcheck(&["replay", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    let err = stderr(&o);
    let expected = format!(
        "step {at}: the state differs from the recording: state.process_nonce: recorded {}, now {stored}",
        stored + 1
    );
    assert!(err.contains(&expected), "{err}");
}

#[test]
fn an_action_that_does_not_parse_names_the_step() {
    let trace = trace_of("redis_set_px", "clock-jump", "mutual_exclusion");
    let bad = edited(&trace, "unparseable.json", |v| {
        v["actions"][1] = serde_json::json!({"teleport": 3});
    });
    let o = lockcheck(&["replay", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o).contains("step 2: the action does not parse"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn removed_steps_wrong_format_version_and_model_are_clear_errors() {
    let trace = trace_of("redis_set_px", "clock-jump", "mutual_exclusion");
    type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "fewer-steps.json",
            Box::new(|v| {
                v["steps"].as_array_mut().unwrap().pop();
            }),
            "the file is truncated or edited",
        ),
        (
            "other-format.json",
            Box::new(|v| v["format"] = "itf".into()),
            "format is `itf`",
        ),
        (
            "new-version.json",
            Box::new(|v| v["format_version"] = 99.into()),
            "format_version 99",
        ),
        (
            // A trace written before nodes had two clocks: one number per
            // node where there are now `wall` and `mono`.
            "version-1.json",
            Box::new(|v| {
                v["format_version"] = 1.into();
                for step in v["steps"].as_array_mut().unwrap() {
                    let clocks = &mut step["state"]["clocks"];
                    let wall: Vec<serde_json::Value> = clocks
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c["wall"].clone())
                        .collect();
                    *clocks = wall.into();
                }
            }),
            "version 1 recorded one clock per node",
        ),
        (
            "unknown-model.json",
            Box::new(|v| v["model"] = "paxos_lock".into()),
            "model `paxos_lock`",
        ),
        (
            "bad-init.json",
            Box::new(|v| v["init_index"] = 7.into()),
            "initial state 7 does not exist",
        ),
    ];
    for (name, edit, needle) in cases {
        let bad = edited(&trace, name, edit);
        let o = lockcheck(&["replay", bad.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(4), "{name}: {err}");
        assert!(err.contains(needle), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

#[test]
fn a_truncated_trace_never_panics() {
    let trace = trace_of("redis_setnx", "holder-crash", "progress");
    let text = std::fs::read_to_string(&trace).unwrap();
    let cut = trace.with_file_name("cut.json");
    // Every 101st cut, through headers, actions and steps.
    for at in (0..text.len()).step_by(101) {
        std::fs::write(&cut, &text[..at]).unwrap();
        match lockcheck::trace::read(&cut) {
            Err(e) => assert!(e.to_string().contains("cut.json"), "{e}"),
            Ok(_) => panic!("a trace cut at byte {at} was accepted"),
        }
    }
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let o = lockcheck(&["replay", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o).contains("not valid JSON: line"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_trace_whose_recording_violates_nothing_is_bad_input() {
    // The same steps, judged by a property they do not violate: every state
    // is as recorded, so the file claims a counterexample it does not hold.
    let trace = trace_of("redis_setnx", "holder-crash", "progress");
    let other = edited(&trace, "other-property.json", |v| {
        v["property"] = "mutual_exclusion".into();
    });
    let o = lockcheck(&["replay", other.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(
        err.contains(
            "step 54: every state replays as recorded, but mutual_exclusion holds in its last state"
        ),
        "{err}"
    );
}

#[test]
fn a_trace_whose_last_step_changed_and_no_longer_violates_exits_1() {
    // What a fixed model leaves: the steps replay, the last one ends
    // elsewhere than recorded, and the property holds there.
    let trace = trace_of("redis_setnx", "holder-crash", "progress");
    let other = edited(&trace, "fixed.json", |v| {
        v["property"] = "mutual_exclusion".into();
        let steps = v["steps"].as_array_mut().unwrap();
        steps.last_mut().unwrap()["state"]["resource"]["value"] = 99.into();
    });
    let o = lockcheck(&["replay", other.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("NOT REPRODUCED: every step replays, but mutual_exclusion now holds after step 54: the bug was fixed."), "{out}");
    assert!(out.contains("state.resource.value: recorded 99"), "{out}");
}
