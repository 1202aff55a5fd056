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
use crate::properties::PropertyName;
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
    std::fs::write(path, text)
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
    // Check the header first, so a file of another kind or version gets a
    // plain answer instead of a complaint about some field deep inside.
    let header: serde_json::Value = serde_json::from_str(&text)
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
    serde_json::from_str(&text).map_err(|e| fail(json_error(&e)))
}

/// `line L, column C: message`, without serde_json's own position suffix.
fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(m, _)| m);
    format!("line {}, column {}: {message}", e.line(), e.column())
}
