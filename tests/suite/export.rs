//! Exports: ITF read back by a real ITF reader (the `itf` crate), a Mermaid
//! diagram with balanced activations, and a history whose ops are well formed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Deserialize;

fn lockcheck(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lockcheck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

/// Each call writes into its own directory: tests run in parallel, and two
/// of them may ask for the same trace.
fn trace(model: &str, scenario: &str, property: &str) -> PathBuf {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("export-{model}-{scenario}-{call}"));
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
    assert_eq!(o.status.code(), Some(0));
    dir.join(format!("traces/{model}.{scenario}.{property}.json"))
}

fn export(trace: &Path, format: &str) -> String {
    let o = lockcheck(&["export", trace.to_str().unwrap(), "--format", format]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[derive(Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    src: String,
    dst: String,
    sent_at: i64,
    msg: String,
}

#[derive(Debug, Deserialize)]
struct Client {
    name: String,
    holds: bool,
    phase: String,
    rounds_done: i64,
}

#[derive(Debug, Deserialize)]
struct Resource {
    value: i64,
    writes_accepted: i64,
}

#[derive(Debug, Deserialize)]
struct ClockReading {
    wall: i64,
    mono: i64,
}

#[derive(Debug, Deserialize)]
struct State {
    now: i64,
    clocks: BTreeMap<String, ClockReading>,
    clients: Vec<Client>,
    resource: Resource,
    network: BTreeSet<InFlight>,
    #[serde(rename = "mbt::actionTaken")]
    action: String,
}

#[test]
fn itf_export_reads_back_with_the_itf_crate() {
    let t = trace("redis_set_px", "gc-pause", "resource_safe");
    let text = export(&t, "itf");
    let itf: itf::Trace<State> =
        itf::trace_from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&t).unwrap()).unwrap();
    let steps = recorded["steps"].as_array().unwrap();
    assert_eq!(itf.states.len(), steps.len());
    assert_eq!(itf.meta.format.as_deref(), Some("ITF"));
    assert_eq!(
        itf.meta.other.get("property").map(String::as_str),
        Some("resource_safe")
    );
    assert!(itf.vars.contains(&"mbt::actionTaken".to_string()));
    for (i, (state, step)) in itf.states.iter().zip(steps).enumerate() {
        assert_eq!(state.meta.index, Some(i as u64));
        let s = &state.value;
        assert_eq!(s.now, step["state"]["tick"].as_i64().unwrap(), "step {i}");
        assert_eq!(s.clocks.len(), 3, "redis, c1, c2");
        for (n, name) in ["redis", "c1", "c2"].iter().enumerate() {
            let recorded = &step["state"]["clocks"][n];
            assert_eq!(s.clocks[*name].wall, recorded["wall"].as_i64().unwrap());
            assert_eq!(s.clocks[*name].mono, recorded["mono"].as_i64().unwrap());
        }
        assert_eq!(
            s.resource.value,
            step["state"]["resource"]["value"].as_i64().unwrap()
        );
        assert_eq!(
            s.resource.writes_accepted,
            step["state"]["resource"]["writes_accepted"]
                .as_i64()
                .unwrap()
        );
        for (c, rc) in s
            .clients
            .iter()
            .zip(step["state"]["clients"].as_array().unwrap())
        {
            assert_eq!(c.name, rc["name"].as_str().unwrap());
            assert_eq!(c.holds, rc["holds"].as_bool().unwrap());
            assert_eq!(c.phase, rc["phase"].as_str().unwrap());
            assert_eq!(c.rounds_done, rc["rounds_done"].as_i64().unwrap());
        }
        assert_eq!(
            s.network.len(),
            step["state"]["in_flight"].as_u64().unwrap() as usize
        );
        if i == 0 {
            assert_eq!(s.action, "init");
        } else {
            assert!(
                s.action.ends_with(step["event"].as_str().unwrap()),
                "{} vs {}",
                s.action,
                step["event"]
            );
        }
    }
}

/// The memory the clients share as threads of one process is a variable
/// of every state: the shared lock object's token where the trace records
/// one, `None` elsewhere.
#[test]
fn itf_export_carries_the_process_memory() {
    let t = trace(
        "redis_py_lock_not_thread_local",
        "gc-pause",
        "mutual_exclusion",
    );
    let itf: serde_json::Value = serde_json::from_str(&export(&t, "itf")).unwrap();
    assert!(
        itf["vars"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("process"))
    );
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&t).unwrap()).unwrap();
    let steps = recorded["steps"].as_array().unwrap();
    let states = itf["states"].as_array().unwrap();
    assert_eq!(states.len(), steps.len());
    let mut shared = 0;
    for (i, (state, step)) in states.iter().zip(steps).enumerate() {
        let nonce = &state["process"]["nonce"];
        match step["state"]["process_nonce"].as_u64() {
            Some(n) => {
                assert_eq!(
                    nonce["#bigint"],
                    serde_json::json!(n.to_string()),
                    "step {i}"
                );
                shared += 1;
            }
            None => assert_eq!(nonce["tag"], "None", "step {i}"),
        }
    }
    assert!(shared > 0, "the shared lock object never held a token");
}

#[test]
fn mermaid_export_is_a_sequence_diagram_with_balanced_activations() {
    let t = trace("redis_py_lock", "message-loss", "mutual_exclusion");
    let text = export(&t, "mermaid");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("sequenceDiagram"));
    let mut active: BTreeMap<&str, i32> = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(p) = line.strip_prefix("activate ") {
            *active.entry(p).or_default() += 1;
            assert_eq!(active[p], 1, "{p} activated twice");
        }
        if let Some(p) = line.strip_prefix("deactivate ") {
            *active.entry(p).or_default() -= 1;
            assert_eq!(active[p], 0, "{p} deactivated while inactive");
        }
        // A raw `;` ends a Mermaid statement; entity codes (`#59;`) are fine.
        let mut rest = line.to_string();
        for code in ["#35;", "#59;", "#lt;", "#gt;"] {
            rest = rest.replace(code, "");
        }
        assert!(
            !rest.contains(';') && !rest.contains('#'),
            "unescaped text: {line}"
        );
    }
    assert!(
        text.contains("redis-xc1: 10 t=1 LOST deleted  [req 1]"),
        "{text}"
    );
    assert!(
        text.contains("Note over c1,c2: mutual_exclusion VIOLATED"),
        "{text}"
    );
    // Both clients hold the lock at the end.
    assert_eq!(active.get("c1"), Some(&1));
    assert_eq!(active.get("c2"), Some(&1));
}

/// A resource that checks a write's token before making the write takes
/// the write as a step of its own: a note over the resource, not a second
/// message from the writer.
#[test]
fn mermaid_draws_a_checked_write_as_the_resource_s_own_step() {
    let t = trace(
        "redis_set_px_fenced_check_then_write",
        "gc-pause",
        "resource_safe",
    );
    let text = export(&t, "mermaid");
    assert!(
        text.contains("c1->>res: 23 t=8 write 1 token=1 (check first)"),
        "{text}"
    );
    assert!(
        text.contains("Note over res: 25 t=8 c1's write 1 token=1 (checked#59; now written)"),
        "{text}"
    );
    assert!(!text.contains("->>res: 25"), "{text}");
}

#[test]
fn history_exports_have_jepsen_op_shape() {
    let ops = history_has_jepsen_op_shape("redis_set_px", "gc-pause", "resource_safe");
    assert!(
        ops.iter()
            .any(|o| o["process"] == "nemesis" && o["type"] == "info"),
        "the pause is in the history"
    );
}

/// A section that writes two resources: the stamp of the second is an
/// operation of its own, and its answer completes it, not the write.
#[test]
fn a_second_resource_s_stamp_is_an_op_of_its_own() {
    // A run that reaches its horizon with every section complete but the
    // last: both clients stamp, and the first is answered.
    let ops = history_has_jepsen_op_shape(
        "redis_set_px_fenced_two_resources",
        "duplicates",
        "progress",
    );
    let stamps: Vec<_> = ops.iter().filter(|o| o["f"] == "stamp").collect();
    assert!(
        stamps
            .iter()
            .any(|o| o["type"] == "invoke" && o["value"].is_u64()),
        "{stamps:?}"
    );
    assert!(stamps.iter().any(|o| o["type"] == "ok"), "{stamps:?}");
}

fn history_has_jepsen_op_shape(
    model: &str,
    scenario: &str,
    property: &str,
) -> Vec<serde_json::Value> {
    let t = trace(model, scenario, property);
    let jsonl = export(&t, "history-jsonl");
    let ops: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!ops.is_empty());
    for (i, op) in ops.iter().enumerate() {
        assert_eq!(op["index"], i);
        assert!(
            ["invoke", "ok", "fail", "info"].contains(&op["type"].as_str().unwrap()),
            "{op}"
        );
    }
    // Every client's ops pair up: an ok or fail follows its invoke.
    for process in [0, 1] {
        let mine: Vec<&serde_json::Value> =
            ops.iter().filter(|o| o["process"] == process).collect();
        let mut open: Option<String> = None;
        for op in mine {
            match op["type"].as_str().unwrap() {
                "invoke" => {
                    assert!(
                        open.is_none(),
                        "process {process}: {op} while {open:?} is open"
                    );
                    open = Some(op["f"].as_str().unwrap().to_string());
                }
                "ok" | "fail" => {
                    assert_eq!(open.as_deref(), op["f"].as_str(), "process {process}: {op}");
                    open = None;
                }
                _ => {}
            }
        }
    }
    let edn = export(&t, "history-edn");
    assert_eq!(edn.lines().count(), ops.len());
    assert!(
        edn.lines()
            .all(|l| l.starts_with("{:index ") && l.ends_with('}'))
    );
    if ops.iter().any(|o| o["process"] == "nemesis") {
        assert!(
            edn.contains(":process :nemesis, :type :info, :f :fault"),
            "{edn}"
        );
    }
    ops
}
