//! The scenario file: what world to build, which faults it may inject and how
//! far to search. What each model is expected to do under it lives beside the
//! model (`src/expectations.rs`).
//!
//! Scenarios are JSON and validated strictly: an unknown key, a wrong type or an
//! impossible bound is an error that names the file, the line and the column.
//! Cross-field checks run when an object closes, so their position is that
//! object's closing brace; the message names the keys involved.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

pub use crate::node::LockParams;

/// A scenario as read from its file.
///
/// Deserialized through `RawScenario` by `deserialize_checked`.
#[derive(Clone, Debug, Serialize)]
pub struct Scenario {
    /// What the scenario exercises, in a sentence or two.
    pub description: String,
    /// How many clients compete for the lock.
    pub clients: u8,
    /// How many times each client acquires, does its critical section, and
    /// releases: a number, or `"endless"`.
    pub rounds: Rounds,
    /// Real time stops here: the bounded space is every behaviour up to this
    /// tick.
    pub horizon_ticks: u32,
    /// No fault starts at or after this tick, partitions must have healed by
    /// then, and crashed nodes that may restart must have restarted. The
    /// bounded `progress` property asks every correct client to be done by
    /// `horizon_ticks`.
    pub faults_until_ticks: u32,
    /// How long a holder works between reading the protected resource and
    /// writing it back, in ticks of real time while it runs (a paused
    /// process does no work): a slow critical section, as opposed to a
    /// stalled one. 0, the default: it writes as soon as the read returns.
    pub work_ticks: u32,
    pub network: NetworkSpec,
    #[serde(default)]
    pub faults: FaultSpec,
    /// The lock's parameters (TTLs, timeouts). Each model reads those it uses.
    pub params: LockParams,
    #[serde(default)]
    pub limits: Limits,
    /// Where the scenario belongs: the standard fault matrix, an extra
    /// scenario for some models, or one too large for CI.
    pub tier: Tier,
    /// Where its column goes in the comparison matrix, lowest first; the
    /// scenarios without one follow, by name.
    pub column: Option<u32>,
    /// Defaults for `lockcheck simulate`.
    pub simulation: SimulationSpec,
}

/// How `simulate` walks this scenario unless the command line says otherwise.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationSpec {
    /// How many random runs.
    #[serde(default = "default_runs")]
    pub runs: u64,
    /// The chance, in percent, that a step is one of the enabled faults
    /// rather than a protocol step.
    #[serde(default = "default_fault_percent")]
    pub fault_percent: u32,
    /// A run stops after this many steps if it has not reached the horizon.
    #[serde(default = "default_steps_max")]
    pub steps_max: usize,
}

fn default_runs() -> u64 {
    1000
}
fn default_fault_percent() -> u32 {
    5
}
fn default_steps_max() -> usize {
    100_000
}

impl Default for SimulationSpec {
    fn default() -> Self {
        SimulationSpec {
            runs: default_runs(),
            fault_percent: default_fault_percent(),
            steps_max: default_steps_max(),
        }
    }
}

/// How many rounds each client runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounds {
    /// This many rounds (at least 1), then the client is done.
    Finite(u8),
    /// The client asks for the lock again after every release, forever.
    /// Only real time (`horizon_ticks`) bounds the safety search.
    Endless,
}

impl Rounds {
    /// Whether a client that has finished `done` rounds starts another.
    pub fn more_after(self, done: u8) -> bool {
        match self {
            Rounds::Finite(n) => done < n,
            Rounds::Endless => true,
        }
    }

    /// The round counter after one more round. An endless client's counter
    /// saturates at 1 ("has finished a round"), so that it does not grow
    /// without bound and keep the liveness checker's graph infinite.
    pub fn count(self, done: u8) -> u8 {
        match self {
            Rounds::Finite(_) => done.saturating_add(1),
            Rounds::Endless => 1,
        }
    }

    pub fn is_endless(self) -> bool {
        self == Rounds::Endless
    }
}

impl fmt::Display for Rounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rounds::Finite(n) => write!(f, "{n}"),
            Rounds::Endless => f.write_str("endless"),
        }
    }
}

impl Serialize for Rounds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Rounds::Finite(n) => s.serialize_u8(*n),
            Rounds::Endless => s.serialize_str("endless"),
        }
    }
}

impl<'de> Deserialize<'de> for Rounds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RoundsVisitor;
        impl Visitor<'_> for RoundsVisitor {
            type Value = Rounds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of rounds from 1 to 255, or \"endless\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Rounds, E> {
                match u8::try_from(v) {
                    Ok(0) => Err(E::custom(
                        "`rounds` is 0, expected at least 1 (or \"endless\")",
                    )),
                    Ok(n) => Ok(Rounds::Finite(n)),
                    Err(_) => Err(E::invalid_value(serde::de::Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Rounds, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::invalid_value(serde::de::Unexpected::Signed(v), &self)),
                }
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Rounds, E> {
                if v == "endless" {
                    Ok(Rounds::Endless)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
        }
        deserializer.deserialize_any(RoundsVisitor)
    }
}

/// Which runs include a scenario.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// One of the standard faults: every model runs under it, and every
    /// shipped model has an expectation for it (a test enforces it).
    Standard,
    /// Runs by default for the models with an expectation for it (e.g.
    /// failover, which only replicated locks have).
    #[default]
    Extra,
    /// Too large for CI: `check` runs it only when named with `--scenario` or
    /// when asked for with `--on-demand`.
    OnDemand,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    description: String,
    clients: u8,
    rounds: Rounds,
    horizon_ticks: u32,
    faults_until_ticks: u32,
    #[serde(default)]
    work_ticks: u32,
    network: NetworkSpec,
    #[serde(default)]
    faults: FaultSpec,
    #[serde(deserialize_with = "known_params")]
    params: LockParams,
    #[serde(default)]
    limits: Limits,
    /// Only to say where expectations went.
    expect: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    tier: Tier,
    #[serde(default)]
    column: Option<u32>,
    #[serde(default)]
    simulation: SimulationSpec,
}

impl TryFrom<RawScenario> for Scenario {
    type Error = String;
    fn try_from(raw: RawScenario) -> Result<Self, String> {
        if raw.clients == 0 || raw.clients > 8 {
            return Err(format!(
                "`clients` is {}, expected 1 to 8 (the world addresses nodes with one byte and exhaustive search beyond a handful of clients is hopeless)",
                raw.clients
            ));
        }
        if raw.horizon_ticks == 0 || raw.horizon_ticks > 10_000 {
            return Err(format!(
                "`horizon_ticks` is {}, expected 1 to 10000",
                raw.horizon_ticks
            ));
        }
        if raw.faults_until_ticks > raw.horizon_ticks {
            return Err(format!(
                "`faults_until_ticks` ({}) is after `horizon_ticks` ({}): faults must stop before the horizon",
                raw.faults_until_ticks, raw.horizon_ticks
            ));
        }
        if raw.work_ticks >= raw.horizon_ticks {
            return Err(format!(
                "`work_ticks` ({}) is not below `horizon_ticks` ({}): no critical section could end before the horizon",
                raw.work_ticks, raw.horizon_ticks
            ));
        }
        if raw.rounds.is_endless()
            && (raw.network.mode == NetworkMode::Atomic || raw.network.delay_ticks_min == 0)
        {
            return Err(format!(
                "`rounds` is \"endless\" but the network delivers in the same tick (mode `{}`, `delay_ticks_min` {}): endless rounds need `delay_ticks_min` of at least 1 and a mode other than `atomic`, so that every round takes time and `horizon_ticks` bounds how many a client runs",
                serde_json::to_value(raw.network.mode)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                raw.network.delay_ticks_min
            ));
        }
        if raw.simulation.fault_percent > 100 {
            return Err(format!(
                "`simulation.fault_percent` is {}, expected 0 to 100",
                raw.simulation.fault_percent
            ));
        }
        if raw.expect.is_some() {
            return Err(
                "`expect` does not belong in a scenario: a scenario describes the fault, and each model's expected verdicts live beside it, in models/<file>.expect.json".into(),
            );
        }
        Ok(Scenario {
            description: raw.description,
            clients: raw.clients,
            rounds: raw.rounds,
            horizon_ticks: raw.horizon_ticks,
            faults_until_ticks: raw.faults_until_ticks,
            work_ticks: raw.work_ticks,
            network: raw.network,
            faults: raw.faults,
            params: raw.params,
            limits: raw.limits,
            tier: raw.tier,
            column: raw.column,
            simulation: raw.simulation,
        })
    }
}

/// How messages travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkMode {
    /// Every message arrives within `delay_ticks_min..=delay_ticks_max` of
    /// being sent, unless it is dropped.
    Bounded,
    /// Messages arrive after at least `delay_ticks_min`, with no upper bound:
    /// the honest model of a network that promises nothing.
    Asynchronous,
    /// A request and its reply happen in one step, with no delay. Keeps large
    /// configurations small when message-level faults are not the question.
    Atomic,
}

/// Deserialized through `RawNetwork` by `deserialize_checked`.
#[derive(Clone, Debug, Serialize)]
pub struct NetworkSpec {
    pub mode: NetworkMode,
    pub delay_ticks_min: u32,
    /// Required for `bounded`; must be absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ticks_max: Option<u32>,
    /// How many lock-service messages the network may drop in all.
    pub loss_max: u8,
    /// How many lock-service messages the network may duplicate in all.
    pub duplicates_max: u8,
    /// For models on sessions: how soon each end of a broken connection
    /// notices the break (a half-open connection is a late notice). The
    /// defaults are 0 and `delay_ticks_max` (1 + `delay_ticks_min` without
    /// an upper delay bound).
    pub disconnect_detect_ticks_min: u32,
    pub disconnect_detect_ticks_max: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    mode: NetworkMode,
    #[serde(default)]
    delay_ticks_min: u32,
    delay_ticks_max: Option<u32>,
    #[serde(default)]
    loss_max: u8,
    #[serde(default)]
    duplicates_max: u8,
    #[serde(default)]
    disconnect_detect_ticks_min: u32,
    disconnect_detect_ticks_max: Option<u32>,
}

impl TryFrom<RawNetwork> for NetworkSpec {
    type Error = String;
    fn try_from(raw: RawNetwork) -> Result<Self, String> {
        match (raw.mode, raw.delay_ticks_max) {
            (NetworkMode::Bounded, None) => {
                return Err("network: mode `bounded` needs `delay_ticks_max`".into());
            }
            (NetworkMode::Bounded, Some(max)) if max < raw.delay_ticks_min => {
                return Err(format!(
                    "network: `delay_ticks_min` ({}) is greater than `delay_ticks_max` ({max})",
                    raw.delay_ticks_min
                ));
            }
            (NetworkMode::Asynchronous, Some(_)) => {
                return Err(
                    "network: mode `asynchronous` has no upper delay bound; remove `delay_ticks_max`"
                        .into(),
                );
            }
            (NetworkMode::Atomic, Some(_)) => {
                return Err(
                    "network: mode `atomic` delivers a request and its reply in one step; remove `delay_ticks_max`"
                        .into(),
                );
            }
            _ => {}
        }
        if raw.mode == NetworkMode::Atomic && raw.delay_ticks_min != 0 {
            return Err("network: mode `atomic` has no delay; `delay_ticks_min` must be 0".into());
        }
        let detect_max = raw.disconnect_detect_ticks_max.unwrap_or(
            raw.delay_ticks_max
                .unwrap_or(raw.delay_ticks_min + 1)
                .max(raw.disconnect_detect_ticks_min),
        );
        if detect_max < raw.disconnect_detect_ticks_min {
            return Err(format!(
                "network: `disconnect_detect_ticks_min` ({}) is greater than `disconnect_detect_ticks_max` ({detect_max})",
                raw.disconnect_detect_ticks_min
            ));
        }
        Ok(NetworkSpec {
            mode: raw.mode,
            delay_ticks_min: raw.delay_ticks_min,
            delay_ticks_max: raw.delay_ticks_max,
            loss_max: raw.loss_max,
            duplicates_max: raw.duplicates_max,
            disconnect_detect_ticks_min: raw.disconnect_detect_ticks_min,
            disconnect_detect_ticks_max: detect_max,
        })
    }
}

/// Which nodes a fault may strike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Targets {
    Clients,
    Servers,
    All,
}

/// The fault budget. Every fault is optional and bounded.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crash: Option<CrashSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<PauseSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<PartitionSpec>,
    #[serde(default)]
    pub clock: ClockSpec,
}

/// Crashes: a crashed node loses its volatile state and its timers; messages to
/// it are lost. A server keeps what it saved.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrashSpec {
    /// How many crashes in all.
    pub max: u8,
    pub targets: Targets,
    /// Whether a crashed node comes back (by `faults_until_ticks` at the
    /// latest). Without restart, a crashed client no longer counts for
    /// `progress`.
    pub restart: bool,
}

/// Process pauses (the GC pause): the node keeps its state but does nothing
/// while real time and its own clock run on.
///
/// Deserialized through `RawPause` by `deserialize_checked`.
#[derive(Clone, Debug, Serialize)]
pub struct PauseSpec {
    pub max: u8,
    /// The longest pause, in real ticks.
    pub ticks_max: u32,
    pub targets: Targets,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPause {
    max: u8,
    ticks_max: u32,
    targets: Targets,
}

impl TryFrom<RawPause> for PauseSpec {
    type Error = String;
    fn try_from(raw: RawPause) -> Result<Self, String> {
        if raw.ticks_max == 0 {
            return Err("faults.pause: `ticks_max` is 0; a pause lasts at least one tick".into());
        }
        Ok(PauseSpec {
            max: raw.max,
            ticks_max: raw.ticks_max,
            targets: raw.targets,
        })
    }
}

/// Partitions: one node is cut off from every other lock-service node until
/// the partition heals. The link to the protected resource is not cut.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionSpec {
    pub max: u8,
    /// Without `split`, the nodes that may be cut off; with it, each side
    /// holds at least one of them.
    pub targets: Targets,
    /// Whether a partition splits the lock-service nodes into two sides
    /// (every split, each once) instead of cutting one node off.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub split: bool,
}

/// Clocks. Each targeted node's clock starts at an offset in
/// `0..=skew_ticks_max` (so no two clocks differ by more than that) and runs at
/// one of the rates `100 - drift_percent_max`, `100`, `100 + drift_percent_max`
/// percent of real time. Every combination is an initial state.
///
/// Deserialized through `RawClock` by `deserialize_checked`.
#[derive(Clone, Debug, Serialize)]
pub struct ClockSpec {
    pub skew_ticks_max: u32,
    pub drift_percent_max: u32,
    pub targets: Targets,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jump: Option<JumpSpec>,
}

impl Default for ClockSpec {
    fn default() -> Self {
        ClockSpec {
            skew_ticks_max: 0,
            drift_percent_max: 0,
            targets: Targets::All,
            jump: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClock {
    #[serde(default)]
    skew_ticks_max: u32,
    #[serde(default)]
    drift_percent_max: u32,
    #[serde(default = "all_targets")]
    targets: Targets,
    #[serde(default)]
    jump: Option<JumpSpec>,
}

fn all_targets() -> Targets {
    Targets::All
}

impl TryFrom<RawClock> for ClockSpec {
    type Error = String;
    fn try_from(raw: RawClock) -> Result<Self, String> {
        if raw.drift_percent_max >= 100 {
            return Err(format!(
                "faults.clock: `drift_percent_max` is {}, expected less than 100 (a clock that stops or runs backwards is a jump, not drift)",
                raw.drift_percent_max
            ));
        }
        if raw.skew_ticks_max > 1000 {
            return Err(format!(
                "faults.clock: `skew_ticks_max` is {}, expected at most 1000",
                raw.skew_ticks_max
            ));
        }
        Ok(ClockSpec {
            skew_ticks_max: raw.skew_ticks_max,
            drift_percent_max: raw.drift_percent_max,
            targets: raw.targets,
            jump: raw.jump,
        })
    }
}

/// Clock jumps: a node's clock is stepped by one of `ticks` (NTP correcting a
/// clock, an operator setting it).
///
/// Deserialized through `RawJump` by `deserialize_checked`.
#[derive(Clone, Debug, Serialize)]
pub struct JumpSpec {
    pub max: u8,
    pub ticks: Vec<i32>,
    pub targets: Targets,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJump {
    max: u8,
    ticks: Vec<i32>,
    targets: Targets,
}

impl TryFrom<RawJump> for JumpSpec {
    type Error = String;
    fn try_from(raw: RawJump) -> Result<Self, String> {
        if raw.ticks.is_empty() || raw.ticks.contains(&0) {
            return Err(
                "faults.clock.jump: `ticks` must list at least one non-zero jump, e.g. [5, -5]"
                    .into(),
            );
        }
        let mut ticks = raw.ticks;
        ticks.sort_unstable();
        ticks.dedup();
        Ok(JumpSpec {
            max: raw.max,
            ticks,
            targets: raw.targets,
        })
    }
}

/// Reads the scenario's `params`: every name must be one that some registered
/// model declares, so a typo is an error at its line and column even though
/// each model reads only its own.
fn known_params<'de, D: Deserializer<'de>>(deserializer: D) -> Result<LockParams, D::Error> {
    let named: BTreeMap<ParamName, u32> = BTreeMap::deserialize(deserializer)?;
    Ok(LockParams(
        named.into_iter().map(|(name, v)| (name.0, v)).collect(),
    ))
}

/// A parameter name that some registered model declares.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ParamName(pub String);

impl std::borrow::Borrow<str> for ParamName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for ParamName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        let known = crate::models::param_names();
        if known.contains(&name.as_str()) {
            Ok(ParamName(name))
        } else {
            Err(serde::de::Error::custom(format!(
                "unknown parameter `{name}`, expected one of: {}",
                known.join(", ")
            )))
        }
    }
}

/// Search limits. A search that reaches one is inconclusive, never `holds`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    #[serde(default = "default_states_max")]
    pub states_max: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth_max: Option<u32>,
    #[serde(default = "default_seconds_max")]
    pub seconds_max: u64,
    /// Megabytes the search may hold. Without it, a run may use 80% of the
    /// memory the machine has available when it starts (shared by the
    /// searches it runs at once); this can only lower a search's share, and
    /// `--memory-max` overrides it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "memory_mb"
    )]
    pub memory_mb: Option<u64>,
}

fn memory_mb<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let mb = u64::deserialize(deserializer)?;
    if mb == 0 {
        return Err(serde::de::Error::custom(
            "`limits.memory_mb` is 0, expected at least 1 (megabytes); leave it out for the default",
        ));
    }
    Ok(Some(mb))
}

pub const DEFAULT_STATES_MAX: u64 = 5_000_000;
pub const DEFAULT_SECONDS_MAX: u64 = 600;

fn default_states_max() -> u64 {
    DEFAULT_STATES_MAX
}
fn default_seconds_max() -> u64 {
    DEFAULT_SECONDS_MAX
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            states_max: DEFAULT_STATES_MAX,
            depth_max: None,
            seconds_max: DEFAULT_SECONDS_MAX,
            memory_mb: None,
        }
    }
}

/// A scenario file that could not be used.
#[derive(Debug, Clone)]
pub struct ScenarioError {
    pub file: PathBuf,
    /// 1-based; 0 when the error has no position (the file could not be read).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let bytes = std::fs::read(path).map_err(|e| ScenarioError {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            message: format!("cannot read the scenario file: {e}"),
        })?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let offset = e.valid_up_to();
            let (line, column) = line_column(&bytes[..offset]);
            ScenarioError {
                file: path.to_path_buf(),
                line,
                column,
                message: format!(
                    "not UTF-8: byte 0x{:02X} at byte offset {offset} does not continue a \
                     character; JSON files are UTF-8",
                    bytes[offset]
                ),
            }
        })?;
        Scenario::parse(path, text)
    }

    /// Validates scenario text; `path` only names it in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        if text.starts_with('\u{feff}') {
            return Err(ScenarioError {
                file: path.to_path_buf(),
                line: 1,
                column: 1,
                message: "the file starts with a byte-order mark (bytes EF BB BF), which JSON \
                          does not allow; save it as UTF-8 without a BOM"
                    .into(),
            });
        }
        serde_json::from_str(text).map_err(|e| {
            // serde_json says column 0 for an end of file just after a
            // newline; columns are 1-based.
            let (line, column) = (e.line(), e.column().max(1));
            ScenarioError {
                file: path.to_path_buf(),
                line,
                column,
                message: describe_json_error(&e, text, line, column),
            }
        })
    }

    /// `file:line:column` of the parameter a model's error names
    /// (`` `params.NAME` ``) in the scenario file, or of `params` itself when
    /// the model asks for one that is missing; just `file` when the file or
    /// the key cannot be found.
    pub fn locate_param_error(file: &Path, message: &str) -> String {
        let place = || -> Option<(usize, usize)> {
            let name = message.split("`params.").nth(1)?.split('`').next()?;
            let text = std::fs::read_to_string(file).ok()?;
            let params = text.find("\"params\"")?;
            let at = text[params..]
                .find(&format!("\"{name}\""))
                .map_or(params, |i| params + i);
            Some(line_column(&text.as_bytes()[..at]))
        };
        match place() {
            Some((line, column)) => format!("{}:{line}:{column}", file.display()),
            None => file.display().to_string(),
        }
    }

    /// The scenario's name: its file name without `.json`.
    pub fn name_of(path: &Path) -> String {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string())
    }
}

/// Deserializes an object as `Raw` (which denies unknown keys) and runs the
/// cross-field checks of `T::try_from` before the object is closed. serde's
/// `try_from` attribute runs them after, and serde_json then reports a failure
/// wherever the enclosing object stands (past its closing brace when this
/// object is its last member, or nowhere at the top level).
fn deserialize_checked<'de, D, Raw, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    Raw: Deserialize<'de>,
    T: TryFrom<Raw, Error = String>,
{
    struct Checked<Raw, T>(PhantomData<(Raw, T)>);
    impl<'de, Raw: Deserialize<'de>, T: TryFrom<Raw, Error = String>> Visitor<'de> for Checked<Raw, T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            let raw = Raw::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
            T::try_from(raw).map_err(serde::de::Error::custom)
        }
    }
    deserializer.deserialize_map(Checked(PhantomData))
}

macro_rules! deserialize_checked {
    ($($t:ty => $raw:ty),* $(,)?) => {$(
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserialize_checked::<D, $raw, $t>(deserializer)
            }
        }
    )*};
}

deserialize_checked! {
    Scenario => RawScenario,
    NetworkSpec => RawNetwork,
    PauseSpec => RawPause,
    ClockSpec => RawClock,
    JumpSpec => RawJump,
}

/// The 1-based line and column (in bytes) just after `before`.
fn line_column(before: &[u8]) -> (usize, usize) {
    let line = 1 + before.iter().filter(|b| **b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    (line, before.len() - line_start + 1)
}

/// At most this many characters of a quoted value are echoed: serde echoes
/// an offending string whole, and a 100 KB value would make a 100 KB error
/// line.
const ECHOED_CHARS_MAX: usize = 60;

/// `message` with every quoted value (in `"` or `` ` ``) longer than [`ECHOED_CHARS_MAX`]
/// characters cut short, saying how long it was, so that what serde
/// expected, after the value, stays readable.
fn truncated(message: &str) -> String {
    // serde quotes a string value with `"` and an unknown name with `` ` ``.
    truncated_between(&truncated_between(message, '"'), '`')
}

fn truncated_between(message: &str, quote: char) -> String {
    let mut out = String::new();
    for (i, part) in message.split(quote).enumerate() {
        if i > 0 {
            out.push(quote);
        }
        // Odd parts lie between quotes.
        match part.char_indices().nth(ECHOED_CHARS_MAX) {
            Some((cut, _)) if i % 2 == 1 => {
                out.push_str(&part[..cut]);
                out.push_str(&format!("…({} bytes in all)", part.len()));
            }
            _ => out.push_str(part),
        }
    }
    out
}

/// serde_json appends " at line L column C" to its messages; the position is
/// printed in front instead, compiler style. The message for a wrong value
/// names the value but not its key, so the key is put in front.
pub(crate) fn describe_json_error(
    e: &serde_json::Error,
    text: &str,
    line: usize,
    column: usize,
) -> String {
    let full = e.to_string();
    let cut = full.rfind(" at line ").unwrap_or(full.len());
    let message = &truncated(&full[..cut]);
    match e.classify() {
        serde_json::error::Category::Syntax => format!("invalid JSON: {message}"),
        serde_json::error::Category::Eof => format!("the file ends too early: {message}"),
        _ => match key_of_value_at(text, line, column) {
            Some(key)
                if message.starts_with("invalid ") || message.starts_with("unknown variant") =>
            {
                format!("`{key}`: {message}")
            }
            _ => message.to_string(),
        },
    }
}

/// The key of the value that ends at `line`:`column` (1-based, in bytes): the
/// last `"key":` before it. `None` if a key, not a value, ends there.
fn key_of_value_at(text: &str, line: usize, column: usize) -> Option<&str> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum();
    let (before, after) = text.split_at_checked(line_start + column)?;
    if after.trim_start().starts_with(':') {
        return None;
    }
    let (colon, _) = before
        .rmatch_indices(':')
        .find(|(i, _)| before[..*i].trim_end().ends_with('"'))?;
    let key = before[..colon].trim_end().strip_suffix('"')?;
    key.rfind('"').map(|q| &key[q + 1..])
}
