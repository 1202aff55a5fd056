//! Hostile input: the committed scenarios and traces, mutated byte by byte
//! and value by value, go through everything a user can feed them to
//! (parse and validate a scenario, then check a model under it; read a
//! trace, then replay and export it). Nothing may panic, and every refusal
//! of a scenario names a position.
//!
//! Bounded for the test suite; `LOCKCHECK_FUZZ_CASES=1000000 cargo test
//! --release --test suite fuzz:: -- --nocapture` runs a million inputs of each kind.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use lockcheck::check::{CheckOptions, bfs::SearchLimits};
use lockcheck::registry;
use lockcheck::scenario::Scenario;
use lockcheck::trace::{self, export::ExportFormat};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;

fn cases(default: u32) -> u32 {
    std::env::var("LOCKCHECK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn json_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("a readable folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            (p, text)
        })
        .collect()
}

/// One edit of a file's bytes.
#[derive(Clone, Debug)]
enum ByteEdit {
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize, usize),
    Truncate(usize),
}

fn byte_edits() -> impl Strategy<Value = Vec<ByteEdit>> {
    let edit = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| ByteEdit::Set(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| ByteEdit::Insert(i, b)),
        (any::<usize>(), 1usize..40).prop_map(|(i, n)| ByteEdit::Delete(i, n)),
        any::<usize>().prop_map(ByteEdit::Truncate),
    ];
    proptest::collection::vec(edit, 1..4)
}

fn apply_bytes(text: &str, edits: &[ByteEdit]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for edit in edits {
        let len = bytes.len().max(1);
        match *edit {
            ByteEdit::Set(i, b) if !bytes.is_empty() => bytes[i % len] = b,
            ByteEdit::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            ByteEdit::Delete(i, n) if !bytes.is_empty() => {
                let at = i % len;
                bytes.drain(at..(at + n).min(bytes.len()));
            }
            ByteEdit::Truncate(i) => bytes.truncate(i % len),
            _ => {}
        }
    }
    bytes
}

/// One edit of a parsed file: the value at a path (chosen by `walk`, indices
/// taken modulo the sizes met on the way) replaced, or its key removed.
#[derive(Clone, Debug)]
struct ValueEdit {
    walk: Vec<usize>,
    replacement: Option<Value>,
}

fn odd_values() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(vec![
            0i64,
            -1,
            1,
            2,
            7,
            9,
            255,
            256,
            65_535,
            65_536,
            u32::MAX as i64,
            i64::MAX,
            i64::MIN,
        ])
        .prop_map(Value::from),
        Just(serde_json::json!(0.5)),
        Just(serde_json::json!(1e300)),
        Just(serde_json::json!(u64::MAX)),
        "[a-z_]{0,12}".prop_map(Value::String),
        Just(Value::String("x".repeat(5000))),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        Just(serde_json::json!([0, 1, 9])),
    ]
}

fn value_edits() -> impl Strategy<Value = Vec<ValueEdit>> {
    let edit = (
        proptest::collection::vec(any::<usize>(), 1..7),
        proptest::option::weighted(0.85, odd_values()),
    )
        .prop_map(|(walk, replacement)| ValueEdit { walk, replacement });
    proptest::collection::vec(edit, 1..3)
}

fn apply_value(value: &mut Value, edit: &ValueEdit) {
    let mut at = value;
    for (depth, step) in edit.walk.iter().enumerate() {
        let last = depth + 1 == edit.walk.len();
        // Stop early, at random, so shallow values are edited too.
        let child_count = match &*at {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        if child_count == 0 {
            break;
        }
        let i = step % child_count;
        match at {
            Value::Object(m) => {
                let key = m.keys().nth(i).expect("in range").clone();
                if last {
                    match &edit.replacement {
                        Some(v) => {
                            m.insert(key, v.clone());
                        }
                        None => {
                            m.remove(&key);
                        }
                    }
                    return;
                }
                at = m.get_mut(&key).expect("present");
            }
            Value::Array(a) => {
                if last {
                    match &edit.replacement {
                        Some(v) => a[i] = v.clone(),
                        None => {
                            a.remove(i);
                        }
                    }
                    return;
                }
                at = &mut a[i];
            }
            _ => unreachable!(),
        }
    }
    if let Some(v) = &edit.replacement {
        *at = v.clone();
    }
}

/// Mutated text: byte edits, or value edits of the parsed file.
#[derive(Clone, Debug)]
enum Mutation {
    Bytes(Vec<ByteEdit>),
    Values(Vec<ValueEdit>),
}

fn mutations() -> impl Strategy<Value = (usize, Mutation)> {
    (
        any::<usize>(),
        prop_oneof![
            byte_edits().prop_map(Mutation::Bytes),
            value_edits().prop_map(Mutation::Values),
        ],
    )
}

fn mutate(text: &str, mutation: &Mutation) -> Vec<u8> {
    match mutation {
        Mutation::Bytes(edits) => apply_bytes(text, edits),
        Mutation::Values(edits) => {
            let mut value: Value = serde_json::from_str(text).expect("committed JSON parses");
            for edit in edits {
                apply_value(&mut value, edit);
            }
            serde_json::to_vec_pretty(&value).expect("serializes")
        }
    }
}

fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|e| {
        let message = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        TestCaseError::fail(format!("{what} panicked: {message}"))
    })
}

fn tiny_check_options() -> CheckOptions {
    CheckOptions {
        limits: SearchLimits {
            states_max: 300,
            depth_max: None,
            time_max: std::time::Duration::from_secs(10),
            memory: None,
        },
        threads: 1,
        report_dir: None,
        progress: false,
        reproduce_flags: Vec::new(),
        liveness: Vec::new(),
        simulation_runs: Some(0),
        symmetry: true,
        only: Vec::new(),
        request_ids: true,
        time_merge: true,
        liveness_orbits: false,
        liveness_states_max: None,
    }
}

/// Puts the default panic message back, then fails with the shrunk input.
fn report(result: Result<(), proptest::test_runner::TestError<(usize, Mutation)>>) {
    drop(std::panic::take_hook());
    if let Err(e) = result {
        panic!("{e}");
    }
}

fn quiet_panics() {
    // Panics are caught and reported as failures; their default message
    // would only clutter the output.
    std::panic::set_hook(Box::new(|_| {}));
}

#[test]
fn mutated_scenarios_never_panic_and_every_refusal_has_a_position() {
    quiet_panics();
    let mut inputs = json_files(&root().join("scenarios"));
    inputs.extend(json_files(&root().join("tests/scenarios")));
    let entry = registry::find("redis_set_px").expect("registered");
    let mut runner = TestRunner::new(Config {
        cases: cases(15_000),
        failure_persistence: None,
        ..Config::default()
    });
    let path = Path::new("mutated.json");
    let result = runner.run(&mutations(), |(pick, mutation)| {
        let (_, text) = &inputs[pick % inputs.len()];
        let bytes = mutate(text, &mutation);
        let Ok(text) = std::str::from_utf8(&bytes) else {
            // `Scenario::load` refuses it with a position; see
            // tests/suite/scenario_errors.rs.
            return Ok(());
        };
        match no_panic("Scenario::parse", || Scenario::parse(path, text))? {
            Err(e) => {
                prop_assert!(e.line >= 1, "no position: {e}");
                prop_assert!(e.message.len() < 1000, "a long message: {e}");
            }
            Ok(scenario) => {
                // A scenario that parses may still be refused by the
                // model (its parameters), but never with a panic.
                no_panic("check", move || {
                    let _ = (entry.check)(
                        "redis_set_px",
                        &scenario,
                        path,
                        &Default::default(),
                        &tiny_check_options(),
                    );
                })?;
            }
        }
        Ok(())
    });
    report(result);
}

#[test]
fn mutated_traces_never_panic_in_replay_or_export() {
    quiet_panics();
    // A few traces of each kind, recorded here: paths found by the search
    // and by simulation, lassos; datagrams and sessions (with connection
    // ids); one server and three.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-traces");
    let _ = std::fs::remove_dir_all(&dir);
    let lockcheck = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_lockcheck"))
            .args(args)
            .args(["--report-dir", dir.to_str().unwrap()])
            .current_dir(root())
            .output()
            .expect("the binary runs");
        assert!(o.status.code().is_some_and(|c| c <= 1), "{args:?}: {o:?}");
    };
    for (model, scenario, property) in [
        ("redis_setnx", "message-loss", "mutual_exclusion"),
        ("redis_setnx", "holder-crash", "deadlock_free"),
        ("db_lock_unique", "holder-crash", "deadlock_free"),
        ("zk_lock_ephemeral", "gc-pause", "mutual_exclusion"),
        ("redlock", "server-restart", "mutual_exclusion"),
        (
            "db_lock_expiry_client_clock",
            "async-network",
            "mutual_exclusion",
        ),
        ("pg_advisory_lock_pooled", "no-faults", "mutual_exclusion"),
    ] {
        let scenario = format!("scenarios/{scenario}.json");
        lockcheck(&[
            "check",
            "--model",
            model,
            "--scenario",
            &scenario,
            "--property",
            property,
        ]);
    }
    lockcheck(&[
        "simulate",
        "--model",
        "redis_set_px",
        "--scenario",
        "scenarios/gc-pause.json",
        "--runs",
        "50",
    ]);
    let inputs: Vec<String> = json_files(&dir.join("traces"))
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert!(inputs.len() >= 8, "{} traces recorded", inputs.len());
    let mut runner = TestRunner::new(Config {
        cases: cases(5_000),
        failure_persistence: None,
        ..Config::default()
    });
    let path = Path::new("mutated-trace.json");
    let result = runner.run(&mutations(), |(pick, mutation)| {
        let bytes = mutate(&inputs[pick % inputs.len()], &mutation);
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return Ok(());
        };
        let Ok(trace) = no_panic("trace::parse", || trace::parse(path, text))? else {
            return Ok(());
        };
        let Some(entry) = registry::find(&trace.model) else {
            return Ok(());
        };
        no_panic("replay", || (entry.replay)(path, &trace, true))?.ok();
        for format in [ExportFormat::Itf, ExportFormat::HistoryJsonl] {
            no_panic("export", || (entry.export)(path, &trace, format))?.ok();
        }
        no_panic("explorer path", || (entry.explorer_path)(&trace))?.ok();
        Ok(())
    });
    report(result);
}
