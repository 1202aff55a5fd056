//! The counterexample file that `check` writes under `reports/traces/`.
//!
//! It carries everything a replay needs: the lockcheck version, the model id,
//! the whole scenario inline (so the trace replays without the scenario file),
//! the search limits, which initial state the path starts from, the exact
//! actions (as the world's `Action` enum serializes them) and, per step, a
//! summary of the state so a replayer can check it went the same way. The
//! `replay` command and the documented, versioned format build on this.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::check::bfs::SearchLimits;
use crate::properties::PropertyName;
use crate::scenario::Scenario;
use crate::world::StepView;

pub const FORMAT: &str = "lockcheck-trace";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
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
    /// Node names by id: servers, clients, then the resource.
    pub nodes: Vec<String>,
    /// Index into the world's initial states (one per clock assignment).
    pub init_index: usize,
    pub actions: Vec<serde_json::Value>,
    /// `steps[0]` is the initial state; `steps[i]` follows `actions[i - 1]`.
    pub steps: Vec<TraceStep>,
    pub reproduce: String,
}

#[derive(Serialize)]
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

#[derive(Serialize)]
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
