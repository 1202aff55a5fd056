//! A malformed scenario gives a clear error naming the file, the line and the
//! column (exit code 4 from the CLI), and never a panic.
//!
//! Every scenario text is written out in full, line 1 being the line of the
//! opening `r#"{`, so that the expected positions can be checked by eye.
//! Columns are 1-based and count bytes (all texts are ASCII). A check that
//! involves several keys of one object is reported at that object's closing
//! brace.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use lockcheck::check::{self, CheckOptions};
use lockcheck::registry;
use lockcheck::scenario::{Scenario, ScenarioError};

/// A valid scenario; every malformed text below is this one with one mistake.
const VALID: &str = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;

/// Parses `text` as `x.json` and returns the error it must give.
fn parse_error(text: &str) -> ScenarioError {
    match Scenario::parse(Path::new("x.json"), text) {
        Ok(_) => panic!("this scenario was accepted:\n{text}"),
        Err(e) => e,
    }
}

/// Asserts that `text` is rejected at `line`:`column` with a message that
/// mentions each of `mentions`.
fn assert_rejected(text: &str, line: usize, column: usize, mentions: &[&str]) {
    let e = parse_error(text);
    assert_eq!(e.file, Path::new("x.json"));
    assert_eq!(
        (e.line, e.column),
        (line, column),
        "wrong position for the error: {e}"
    );
    for m in mentions {
        assert!(e.message.contains(m), "{m:?} not mentioned in: {e}");
    }
    let prefix = format!("x.json:{line}:{column}: ");
    assert!(e.to_string().starts_with(&prefix), "{e}");
}

/// A scenario file that is removed when dropped.
struct TempScenario(PathBuf);

impl TempScenario {
    fn new(name: &str, text: &str) -> TempScenario {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "lockcheck-scenario-errors-{}-{}-{name}.json",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::write(&path, text).expect("write the temporary scenario");
        TempScenario(path)
    }
}

impl Drop for TempScenario {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Runs `lockcheck check --scenario <path> --no-traces` and returns its exit
/// code and stderr, after checking that it did not panic.
fn run_check(path: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lockcheck"))
        .args(["check", "--scenario"])
        .arg(path)
        .args(["--no-traces", "--threads", "1"])
        .output()
        .expect("run lockcheck");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked"),
        "lockcheck panicked:\n{stderr}"
    );
    (out.status.code(), stderr)
}

/// Asserts that the CLI rejects `text` with exit code 4 and an error at
/// `<file>:line:column:` that mentions each of `mentions`.
fn assert_cli_rejects(name: &str, text: &str, line: usize, column: usize, mentions: &[&str]) {
    let file = TempScenario::new(name, text);
    let (code, stderr) = run_check(&file.0);
    assert_eq!(code, Some(4), "stderr:\n{stderr}");
    let position = format!("{}:{line}:{column}: ", file.0.display());
    assert!(
        stderr.contains(&position),
        "{position:?} not in stderr:\n{stderr}"
    );
    for m in mentions {
        assert!(stderr.contains(m), "{m:?} not in stderr:\n{stderr}");
    }
}

#[test]
fn the_valid_base_scenario_parses() {
    let s = Scenario::parse(Path::new("x.json"), VALID).expect("VALID is valid");
    assert_eq!(s.horizon_ticks, 24);
}

#[test]
fn every_shipped_scenario_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("read scenarios/")
        .map(|e| e.expect("read scenarios/").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenario in {}", dir.display());
    for file in files {
        if let Err(e) = Scenario::load(&file) {
            panic!("{e}");
        }
    }
}

// ---- JSON syntax -----------------------------------------------------------

#[test]
fn trailing_comma_is_a_syntax_error() {
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra",
}"#;
    assert_rejected(text, 10, 1, &["invalid JSON", "trailing comma"]);
    assert_cli_rejects("trailing-comma", text, 10, 1, &["trailing comma"]);
}

#[test]
fn missing_comma_is_a_syntax_error() {
    let text = r#"{
  "description": "d",
  "clients": 2
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 4, 3, &["invalid JSON", "expected `,` or `}`"]);
}

// ---- The file ends early ---------------------------------------------------

#[test]
fn missing_closing_brace_is_an_early_end() {
    // The text ends with a newline after line 9, so the end is line 10.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
"#;
    assert_rejected(
        text,
        10,
        1,
        &["ends too early", "EOF while parsing an object"],
    );
}

#[test]
fn file_truncated_inside_a_key_is_an_early_end() {
    // Line 8 is `  "params": { "ttl_ti`: 21 bytes, no newline after it.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ti"#;
    assert_rejected(
        text,
        8,
        21,
        &["ends too early", "EOF while parsing a string"],
    );
    assert_cli_rejects("truncated", text, 8, 21, &["ends too early"]);
}

#[test]
fn empty_file_is_an_early_end() {
    assert_rejected("", 1, 1, &["ends too early", "EOF while parsing a value"]);
}

#[test]
fn every_truncation_and_deleted_byte_gives_a_positioned_error() {
    for end in 0..VALID.len() {
        let e = parse_error(&VALID[..end]);
        assert!(e.line >= 1 && e.column >= 1, "no position: {e}");
    }
    for i in 0..VALID.len() {
        let text = format!("{}{}", &VALID[..i], &VALID[i + 1..]);
        // Some deletions leave a valid scenario ("24" becomes "4").
        if let Err(e) = Scenario::parse(Path::new("x.json"), &text) {
            assert!(e.line >= 1 && e.column >= 1, "no position: {e}");
        }
    }
}

// ---- Unknown keys ------------------------------------------------------------
// An unknown key is reported at its closing quote.

#[test]
fn unknown_top_level_key_is_named() {
    // `  "horizon_tick"`: the closing quote is column 16.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_tick": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    let mentions = ["unknown field `horizon_tick`", "`horizon_ticks`"];
    assert_rejected(text, 5, 16, &mentions);
    assert_cli_rejects("unknown-key", text, 5, 16, &mentions);
}

#[test]
fn unknown_key_in_network_is_named() {
    // `"delay_max"` spans columns 35 to 45.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    let mentions = ["unknown field `delay_max`", "`delay_ticks_max`"];
    assert_rejected(text, 7, 45, &mentions);
    assert_cli_rejects("unknown-network-key", text, 7, 45, &mentions);
}

#[test]
fn unknown_key_in_faults_pause_is_named() {
    // `"length"` spans columns 74 to 81.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "faults": { "pause": { "max": 1, "ticks_max": 2, "targets": "clients", "length": 3 } },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 8, 81, &["unknown field `length`", "`ticks_max`"]);
}

#[test]
fn unknown_key_in_faults_partition_is_named() {
    // `"sides"` spans columns 58 to 64; the message lists `split`, the key
    // that makes a partition divide the nodes into two sides.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "faults": { "partition": { "max": 1, "targets": "all", "sides": 2 } },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    let mentions = ["unknown field `sides`", "`split`"];
    assert_rejected(text, 8, 64, &mentions);
    assert_cli_rejects("unknown-partition-key", text, 8, 64, &mentions);
}

// ---- Wrong types ---------------------------------------------------------------
// A wrong value is reported at its last character.

#[test]
fn string_where_a_number_is_expected_names_key_and_value() {
    // `"24"` spans columns 20 to 23.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": "24",
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(
        text,
        5,
        23,
        &["`horizon_ticks`", "invalid type", "\"24\"", "u32"],
    );
}

#[test]
fn negative_number_for_u32_names_key_and_value() {
    // `-1` spans columns 54 and 55.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_min": -1, "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 7, 55, &["`delay_ticks_min`", "-1", "u32"]);
}

#[test]
fn string_for_partition_split_names_key_and_value() {
    // `"yes"` spans columns 67 to 71.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "faults": { "partition": { "max": 1, "targets": "all", "split": "yes" } },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 8, 71, &["`split`", "yes", "boolean"]);
}

#[test]
fn number_too_large_for_u8_names_key_and_value() {
    // `300` spans columns 14 to 16.
    let text = r#"{
  "description": "d",
  "clients": 300,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 3, 16, &["`clients`", "300", "u8"]);
}

// ---- Missing keys ---------------------------------------------------------------
// A missing key is reported at the closing brace of the object that lacks it.

#[test]
fn missing_top_level_key_is_named() {
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 9, 1, &["missing field `horizon_ticks`"]);
}

#[test]
fn missing_nested_key_is_named() {
    // The network object's closing brace is column 37.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 7, 37, &["missing field `mode`"]);
}

// ---- Impossible bounds --------------------------------------------------------------
// Reported at the closing brace of the object whose keys disagree.

#[test]
fn delay_min_above_delay_max_is_rejected() {
    // The network object's closing brace is column 78.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_min": 3, "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    let mentions = ["`delay_ticks_min` (3)", "`delay_ticks_max` (1)"];
    assert_rejected(text, 7, 78, &mentions);
    assert_cli_rejects("delay-min-above-max", text, 7, 78, &mentions);
}

#[test]
fn faults_after_the_horizon_are_rejected() {
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 30,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    let mentions = ["`faults_until_ticks` (30)", "`horizon_ticks` (24)"];
    assert_rejected(text, 10, 1, &mentions);
    assert_cli_rejects("faults-after-horizon", text, 10, 1, &mentions);
}

#[test]
fn work_that_outlasts_the_horizon_is_rejected() {
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "work_ticks": 24,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 11, 1, &["`work_ticks` (24)", "`horizon_ticks` (24)"]);
}

#[test]
fn textual_work_ticks_names_key_and_value() {
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "work_ticks": "long",
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(
        text,
        7,
        22,
        &["`work_ticks`", "string \"long\", expected u32"],
    );
}

#[test]
fn zero_clients_are_rejected() {
    let text = r#"{
  "description": "d",
  "clients": 0,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 10, 1, &["`clients` is 0"]);
}

// ---- Rounds ---------------------------------------------------------------
// `rounds` is a number of rounds or "endless".

#[test]
fn endless_rounds_parse() {
    let text = VALID
        .replace(r#""rounds": 1"#, r#""rounds": "endless""#)
        .replace(
            r#""mode": "bounded","#,
            r#""mode": "bounded", "delay_ticks_min": 1,"#,
        );
    let s = Scenario::parse(Path::new("x.json"), &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.rounds, lockcheck::scenario::Rounds::Endless);
    assert_eq!(serde_json::to_value(&s).unwrap()["rounds"], "endless");
    let s = Scenario::parse(Path::new("x.json"), VALID).unwrap();
    assert_eq!(s.rounds, lockcheck::scenario::Rounds::Finite(1));
    assert_eq!(serde_json::to_value(&s).unwrap()["rounds"], 1);
}

#[test]
fn unknown_rounds_word_names_key_value_and_choices() {
    // `"forever"` spans columns 13 to 21.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": "forever",
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_min": 1, "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    let mentions = ["`rounds`", "forever", "\"endless\"", "1 to 255"];
    assert_rejected(text, 4, 21, &mentions);
    assert_cli_rejects("rounds-forever", text, 4, 21, &mentions);
    // A number out of range, a negative one, and a wrong type, each at the
    // value's last character.
    assert_rejected(
        &text.replace(r#""forever""#, "256"),
        4,
        15,
        &["`rounds`", "256", "endless"],
    );
    assert_rejected(
        &text.replace(r#""forever""#, "-1"),
        4,
        14,
        &["`rounds`", "-1", "endless"],
    );
    assert_rejected(
        &text.replace(r#""forever""#, "true"),
        4,
        16,
        &["`rounds`", "boolean", "endless"],
    );
}

#[test]
fn zero_rounds_are_rejected() {
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 0,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 4, 13, &["`rounds` is 0", "at least 1"]);
}

#[test]
fn endless_rounds_over_a_network_without_delay_are_rejected() {
    // Checks that involve several keys are reported at the closing brace.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": "endless",
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    let mentions = ["\"endless\"", "`delay_ticks_min` 0", "horizon_ticks"];
    assert_rejected(text, 10, 1, &mentions);
    assert_cli_rejects("endless-no-delay", text, 10, 1, &mentions);
    let atomic = text.replace(
        r#""mode": "bounded", "delay_ticks_max": 1"#,
        r#""mode": "atomic""#,
    );
    assert_rejected(&atomic, 10, 1, &["mode `atomic`", "\"endless\""]);
}

#[test]
fn drift_of_100_percent_is_rejected() {
    // The clock object's closing brace is column 51; the faults object's is 53.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "faults": { "clock": { "drift_percent_max": 100 } },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 8, 51, &["faults.clock", "`drift_percent_max` is 100"]);
}

#[test]
fn zero_tick_pause_is_rejected() {
    // The pause object's closing brace is column 73.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "faults": { "pause": { "max": 1, "ticks_max": 0, "targets": "clients" } },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 8, 73, &["faults.pause", "`ticks_max` is 0"]);
}

#[test]
fn bounded_network_without_delay_max_is_rejected() {
    // The network object's closing brace is column 34.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded" },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 7, 34, &["`bounded`", "needs `delay_ticks_max`"]);
}

#[test]
fn asynchronous_network_with_delay_max_is_rejected() {
    // The network object's closing brace is column 61.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "asynchronous", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 7, 61, &["`asynchronous`", "remove `delay_ticks_max`"]);
}

#[test]
fn empty_jump_list_is_rejected() {
    // The jump object's closing brace is column 80 (clock's is 82, faults' 84).
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "faults": { "clock": { "jump": { "max": 1, "ticks": [], "targets": "servers" } } },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    assert_rejected(text, 8, 80, &["faults.clock.jump", "`ticks`"]);
}

#[test]
fn unknown_parameter_is_named_with_the_known_ones() {
    // `"ttl_tick"` spans columns 15 to 24: parameters are checked against
    // the names the registered models declare.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_tick": 8, "retry_ticks": 2 },
  "tier": "extra"
}"#;
    let mentions = ["unknown parameter `ttl_tick`", "ttl_ticks", "retry_ticks"];
    assert_rejected(text, 8, 24, &mentions);
    assert_cli_rejects("unknown-param", text, 8, 24, &mentions);
}

// ---- Files and parameters -------------------------------------------------------------

#[test]
fn nonexistent_file_is_named() {
    let path = std::env::temp_dir().join(format!(
        "lockcheck-scenario-errors-{}-does-not-exist.json",
        std::process::id()
    ));
    let e = Scenario::load(&path).expect_err("the file does not exist");
    assert_eq!(e.file, path);
    assert_eq!((e.line, e.column), (0, 0), "no position: {e}");
    assert!(e.message.contains("cannot read"), "{e}");
    assert!(e.to_string().starts_with(&format!("{}: ", path.display())));

    let (code, stderr) = run_check(&path);
    assert_eq!(code, Some(4), "stderr:\n{stderr}");
    let named = format!("{}: cannot read the scenario file", path.display());
    assert!(
        stderr.contains(&named),
        "{named:?} not in stderr:\n{stderr}"
    );
}

#[test]
fn model_missing_a_param_is_refused_naming_it() {
    // Valid as a scenario: every param is optional until a model needs it.
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "retry_ticks": 2 },
  "tier": "extra"
}"#;
    let scenario = Scenario::parse(Path::new("x.json"), text).expect("valid scenario");
    let options = CheckOptions {
        limits: check::resolve_limits(&scenario, &Default::default(), None, None, None, None),
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
    };
    let model = registry::find("redis_set_px").expect("registered");
    let Err(message) = model.run(
        &scenario,
        Path::new("x.json"),
        &Default::default(),
        &options,
    ) else {
        panic!("redis_set_px ran without params.ttl_ticks");
    };
    assert!(message.contains("x.json"), "{message}");
    assert!(message.contains("`params.ttl_ticks`"), "{message}");

    let file = TempScenario::new("missing-param", text);
    let (code, stderr) = run_check(&file.0);
    assert_eq!(code, Some(4), "stderr:\n{stderr}");
    assert!(stderr.contains(&file.0.display().to_string()), "{stderr}");
    assert!(stderr.contains("`params.ttl_ticks`"), "{stderr}");
}

#[test]
fn zero_memory_limit_is_rejected() {
    let text = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "limits": { "states_max": 1000, "memory_mb": 0 },
  "tier": "extra"
}"#;
    assert_rejected(text, 9, 50, &["`limits.memory_mb` is 0", "at least 1"]);
    assert_cli_rejects(
        "memory-zero",
        text,
        9,
        50,
        &["`limits.memory_mb` is 0", "at least 1"],
    );
}

#[test]
fn negative_or_textual_memory_limit_names_key_and_value() {
    let negative = r#"{
  "description": "d",
  "clients": 2,
  "rounds": 1,
  "horizon_ticks": 24,
  "faults_until_ticks": 0,
  "network": { "mode": "bounded", "delay_ticks_max": 1 },
  "params": { "ttl_ticks": 8, "retry_ticks": 2 },
  "limits": { "memory_mb": -5 },
  "tier": "extra"
}"#;
    assert_rejected(negative, 9, 29, &["`memory_mb`", "-5"]);
    let textual = negative.replace("-5", r#""4GB""#);
    assert_rejected(&textual, 9, 32, &["`memory_mb`", "4GB"]);
    assert_cli_rejects("memory-text", &textual, 9, 32, &["`memory_mb`", "4GB"]);
}
