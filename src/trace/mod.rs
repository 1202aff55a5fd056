//! The counterexample file that `check` writes under `reports/traces/`.
//!
//! It carries everything a replay needs: the lockcheck version, the model id,
//! the whole scenario inline (so the trace replays without the scenario file),
//! the search limits, which initial state the path starts from, the exact
//! actions (as the world's `Action` enum serializes them) and, per step, a
//! summary of the state so a replayer can check it went the same way
//! (`replay`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::bfs::SearchLimits;
use crate::properties::{PropertyKind, PropertyName};
use crate::scenario::Scenario;
use crate::world::StepView;

pub mod changes;
pub mod export;
pub mod replay;

pub const FORMAT: &str = "lockcheck-trace";
/// Version 2: each step's state records both of a node's clocks (`wall`
/// and `mono`), where version 1 recorded one local clock, and timers run on
/// the monotonic clock, so a version-1 trace of a clock jump need not
/// replay the same way.
pub const FORMAT_VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
pub struct TraceFile {
    pub format: String,
    pub format_version: u32,
    pub lockcheck_version: String,
    /// `counterexample` for now.
    pub kind: String,
    pub model: String,
    pub property: PropertyName,
    pub engine: String,
    pub scenario_file: PathBuf,
    pub scenario: Scenario,
    pub limits: TraceLimits,
    /// For traces found by `simulate`: the seed and run that found it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulation: Option<SimulationInfo>,
    /// Node names by id: servers, clients, then the resource.
    pub nodes: Vec<String>,
    /// Index into the world's initial states (one per clock assignment).
    pub init_index: usize,
    pub actions: Vec<serde_json::Value>,
    /// `steps[0]` is the initial state; `steps[i]` follows `actions[i - 1]`.
    pub steps: Vec<TraceStep>,
    pub reproduce: String,
    /// A lasso (a liveness counterexample, `kind` `lasso`): the index of the
    /// step whose state the last step returns to; the steps after it repeat
    /// forever. Its states are the liveness checker's canonical ones (real
    /// time shifted back, see `src/check/liveness.rs`), and `replay` steps
    /// through that abstraction. Absent in other traces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_start: Option<usize>,
}

#[derive(Serialize, Deserialize)]
pub struct SimulationInfo {
    /// The seed as given (a number or a commit hash).
    pub seed: String,
    /// The run (from 0) whose walk violated the property.
    pub run: u64,
    pub fault_percent: u32,
    /// The walk's length up to the violation, before shrinking.
    pub original_steps: usize,
}

#[derive(Serialize, Deserialize)]
pub struct TraceLimits {
    pub states_max: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth_max: Option<u32>,
    pub seconds_max: u64,
}

impl From<&SearchLimits> for TraceLimits {
    fn from(l: &SearchLimits) -> Self {
        TraceLimits {
            states_max: l.states_max,
            depth_max: l.depth_max,
            seconds_max: l.time_max.as_secs(),
        }
    }
}

#[derive(Serialize, Deserialize)]
pub struct TraceStep {
    pub step: usize,
    pub actor: String,
    pub event: String,
    pub state: StepView,
}

/// Writes a trace as pretty JSON with a trailing newline.
pub fn write(path: &Path, trace: &TraceFile) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = serde_json::to_string_pretty(trace).map_err(std::io::Error::other)?;
    text.push('\n');
    crate::files::write_atomically(path, text.as_bytes())
}

/// A trace file that could not be used: exit code 4.
#[derive(Debug)]
pub struct TraceError {
    pub file: PathBuf,
    /// The first step that did not fit, when the file parsed.
    pub step: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for TraceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.step {
            Some(step) => write!(f, "{}: step {step}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for TraceError {}

/// Reads a trace file, checking its format and version.
pub fn read(path: &Path) -> Result<TraceFile, TraceError> {
    let fail = |message: String| TraceError {
        file: path.to_path_buf(),
        step: None,
        message,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| fail(format!("cannot read the trace file: {e}")))?;
    parse(path, &text)
}

/// Parses and checks trace text; `path` only names it in errors.
pub fn parse(path: &Path, text: &str) -> Result<TraceFile, TraceError> {
    let fail = |message: String| TraceError {
        file: path.to_path_buf(),
        step: None,
        message,
    };
    // Check the header first, so a file of another kind or version gets a
    // plain answer instead of a complaint about some field deep inside.
    let header: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| fail(format!("not valid JSON: {}", json_error(&e))))?;
    match header.get("format").and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        Some(other) => return Err(fail(format!("format is `{other}`, expected `{FORMAT}`"))),
        None => return Err(fail(format!("no `format` key: not a {FORMAT} file"))),
    }
    match header.get("format_version").and_then(|v| v.as_u64()) {
        Some(v) if v == FORMAT_VERSION as u64 => {}
        Some(1) => {
            return Err(fail(format!(
                "format_version 1, but this lockcheck reads version {FORMAT_VERSION}: version 1 \
                 recorded one clock per node, and nodes now have a wall and a monotonic clock \
                 (timers run on the monotonic one); record the trace again with the command \
                 in its `reproduce` key"
            )));
        }
        Some(v) => {
            return Err(fail(format!(
                "format_version {v}, but this lockcheck reads version {FORMAT_VERSION}"
            )));
        }
        None => return Err(fail("no `format_version` key".into())),
    }
    let trace: TraceFile = serde_json::from_str(text).map_err(|e| fail(json_error(&e)))?;
    check_consistency(&trace).map_err(fail)?;
    Ok(trace)
}

/// The checks every reader of a trace relies on (replay, export, explore):
/// the fields that say what kind of trace it is agree with each other and
/// with the number of steps, so no reader has to guess or index blindly.
fn check_consistency(trace: &TraceFile) -> Result<(), String> {
    let liveness = trace.property.kind() == PropertyKind::Liveness;
    if trace.property.kind() == PropertyKind::Reachability {
        return Err(format!(
            "`property`: `{}` has examples, not counterexamples; a trace records a \
             counterexample of a safety or liveness property",
            trace.property
        ));
    }
    let (kind, engines): (&str, &[&str]) = if liveness {
        ("lasso", &["liveness"])
    } else {
        ("counterexample", &["bfs", "simulate"])
    };
    if trace.kind != kind {
        return Err(format!(
            "`kind`: is `{}`, but a trace of `{}` is a `{kind}`",
            trace.kind, trace.property
        ));
    }
    if !engines.contains(&trace.engine.as_str()) {
        return Err(format!(
            "`engine`: is `{}`, but a `{kind}` is found by {}",
            trace.engine,
            engines
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    if trace.simulation.is_some() != (trace.engine == "simulate") {
        return Err(format!(
            "`simulation`: {} for engine `{}`",
            if trace.simulation.is_some() {
                "present"
            } else {
                "absent"
            },
            trace.engine
        ));
    }
    match (trace.loop_start, liveness) {
        (None, true) => {
            return Err(format!(
                "`loop_start`: absent, but `{}` needs a lasso",
                trace.property
            ));
        }
        (Some(_), false) => {
            return Err(format!(
                "`loop_start`: present, but a counterexample of `{}` is a path, not a lasso",
                trace.property
            ));
        }
        (Some(k), true) if k >= trace.actions.len() => {
            return Err(format!(
                "`loop_start`: is {k}, but a loop needs at least one step after it (the trace has {} steps)",
                trace.actions.len()
            ));
        }
        _ => {}
    }
    if trace.steps.len() != trace.actions.len() + 1 {
        return Err(format!(
            "`steps`: {} entries for {} actions (expected one more step than actions): \
             the file is truncated or edited",
            trace.steps.len(),
            trace.actions.len()
        ));
    }
    if let Some((i, step)) = trace.steps.iter().enumerate().find(|(i, s)| s.step != *i) {
        return Err(format!("`steps[{i}].step`: is {}, expected {i}", step.step));
    }
    Ok(())
}

/// `line L, column C: message`, without serde_json's own position suffix.
fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(m, _)| m);
    format!("line {}, column {}: {message}", e.line(), e.column())
}
