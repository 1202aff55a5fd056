//! A trace's schedule on real servers: `replay TRACE --against SERVER`.
//!
//! The servers of a trace are started for it, one process per server node,
//! each under its own fake wall clock. Every request the trace delivers to a
//! server is sent, at the step that delivers it, over its client's own
//! connection to that server, with the server's wall clock at its reading
//! in the trace at that step (tick `t` is second `t`). A request the trace
//! loses is never sent. A server crash kills the process as a crash would,
//! and a restart starts it again in the same directory: a server without
//! persistence comes back empty, a database with what it committed.
//! Everything else the trace does (ticks, pauses, lost replies, partitions,
//! the clients' own clocks) happens in the clients, whose logic is the
//! model's: when every reply is the model's, real clients would do exactly
//! what the trace shows.
//!
//! On servers the user runs ([`Remote`]), which a replay can neither crash
//! nor set the clock of, the requests go out in real time instead, each
//! when the trace's reading of its server's clock says ([`RemoteSchedule`]),
//! and a trace that needs a crash or a clock set back is refused.
//!
//! What is the same for every server is here; [`Program`] is what differs:
//! how a request is found in a message, what it is on the real server and
//! how its answer reads as the model's reply.

use std::collections::BTreeMap;
use std::fmt::Display;

use serde::de::DeserializeOwned;

use super::conformance::{Execute, SEQUENCE_LEN_MAX, Timing};
pub use super::remote::{Remote, RemoteSchedule, redacted};
use super::{CLOCK_START_UNIX_MS, LocalServer, Unavailable};
use crate::node::{Instant, RealServer, ServerProgram};
use crate::trace::TraceFile;
use crate::world::{Resource, ResourceMsg};

/// A real server program that traces replay on.
pub trait Program {
    /// A request as the model's server takes it.
    type Cmd: DeserializeOwned + Display;
    type Reply: PartialEq + Display;
    /// The model's server, as a state machine.
    type Model: Execute<Self::Cmd, Self::Reply>;
    /// One client's connection.
    type Connection;
    /// Where a delivered request's command is in its action (a JSON
    /// pointer): the command alone, whatever else the request carries (a
    /// request id, a Redlock attempt).
    const REQUEST: &'static str;
    /// Where a tick's requests fall within its second on the server's clock.
    const TIMING: Timing;
    /// Whether the server keeps what it has over a crash.
    const DURABLE: bool;
    /// The model's server as it starts.
    fn model() -> Self::Model;
    /// The model's server as it starts again after a crash.
    fn recovered(model: &Self::Model) -> Self::Model;
    fn start() -> Result<LocalServer, Unavailable>;
    /// A new connection, for a trace whose tick 0 is the Unix millisecond
    /// `start_ms`.
    fn connect(server: &LocalServer, start_ms: u64) -> Result<Self::Connection, Unavailable>;
    /// Runs one request; its answer as the model's reply, or why it cannot
    /// be read as one.
    fn run(connection: &mut Self::Connection, cmd: &Self::Cmd) -> Result<Self::Reply, String>;
    /// The server's name and version, e.g. `redis-server 7.0.15`.
    fn version(connection: &mut Self::Connection) -> Result<String, Unavailable>;
    /// Makes the protected counter, at 0, on the server `connection` is to.
    fn counter_setup(connection: &mut Self::Connection) -> Result<(), Unavailable>;
    /// Runs one operation on the protected counter, fenced as the world's
    /// resource is: an operation with a token below the highest seen is
    /// rejected, and any other raises the highest to its token.
    fn counter(connection: &mut Self::Connection, op: &CounterOp) -> Result<CounterReply, String>;
    /// A connection to server `n` of those the user runs (see
    /// [`Remote`]), or why this program's traces replay only on servers
    /// lockcheck starts.
    fn connect_remote(remote: &Remote, n: usize) -> Result<Self::Connection, Unavailable> {
        Err(Unavailable(format!(
            "a replay on a server you run ({}) is not supported for this program yet",
            redacted(&remote.urls[n])
        )))
    }
    /// Removes what an earlier replay left on a server the user runs: the
    /// replay's own keys, never anything else.
    fn clear_remote(connection: &mut Self::Connection) -> Result<(), Unavailable> {
        let _ = connection;
        Ok(())
    }
}

/// An operation on the protected counter (the world's resource): a
/// holder's read, and its write of what it computed from it. A resource
/// that checks a write's token and then writes in a second step
/// (`FenceCheck::CheckThenWrite`) does the two as `Check` and
/// `WriteChecked`, separate commands on the real server too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CounterOp {
    Read {
        token: Option<u64>,
    },
    Write {
        value: u32,
        token: Option<u64>,
    },
    /// Is `token` at least the highest seen? Changes nothing.
    Check {
        token: Option<u64>,
    },
    /// Write `value` and raise the highest token to `token`, without
    /// comparing.
    WriteChecked {
        value: u32,
        token: Option<u64>,
    },
    /// Stamp the second resource with `token`, fenced by the highest token
    /// that resource has seen itself (`FenceCheck::EachResourceAlone`).
    Stamp {
        token: Option<u64>,
    },
}

impl CounterOp {
    /// The world's resource's answer to this operation (which it applies).
    pub fn on_world(self, resource: &mut Resource) -> CounterReply {
        let msg = match self {
            CounterOp::Read { token } => ResourceMsg::Read { token, epoch: 0 },
            CounterOp::Write { value, token } => ResourceMsg::Write {
                value,
                token,
                if_version: None,
                epoch: 0,
            },
            CounterOp::Check { token } => ResourceMsg::WriteCheckFirst {
                value: 0,
                token,
                epoch: 0,
            },
            CounterOp::WriteChecked { value, token } => ResourceMsg::WriteChecked {
                value,
                token,
                epoch: 0,
            },
            CounterOp::Stamp { token } => ResourceMsg::Stamp { token, epoch: 0 },
        };
        match resource.handle(msg, false) {
            Some(ResourceMsg::ReadOk { value, .. }) => CounterReply::Value(value),
            Some(ResourceMsg::WriteOk { .. } | ResourceMsg::StampOk { .. }) => {
                CounterReply::Written
            }
            Some(ResourceMsg::WriteChecked { .. }) => CounterReply::Passed,
            // Without a version to compare, an operation is answered,
            // applied or fenced out.
            _ => CounterReply::Rejected,
        }
    }
}

impl Display for CounterOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (what, token) = match self {
            CounterOp::Read { token } => ("read counter".to_string(), token),
            CounterOp::Write { value, token } => (format!("write counter = {value}"), token),
            CounterOp::Check { token } => ("check the counter's token".to_string(), token),
            CounterOp::WriteChecked { value, token } => {
                (format!("write counter = {value} without checking"), token)
            }
            CounterOp::Stamp { token } => ("stamp the second resource".to_string(), token),
        };
        match token {
            Some(t) => write!(f, "{what}, token {t}"),
            None => f.write_str(&what),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CounterReply {
    Value(u32),
    Written,
    /// A `Check` found the token high enough.
    Passed,
    /// Fenced out: a higher token has been seen.
    Rejected,
}

impl Display for CounterReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CounterReply::Value(v) => write!(f, "{v}"),
            CounterReply::Written => f.write_str("written"),
            CounterReply::Passed => f.write_str("token accepted"),
            CounterReply::Rejected => f.write_str("rejected (token too low)"),
        }
    }
}

/// The protected counter at the end of a replay, on the real server and
/// in the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterOutcome {
    pub value: u32,
    pub writes: u32,
    pub model_value: u32,
    pub model_writes: u32,
}

impl CounterOutcome {
    /// How many accepted writes left no trace in the value: each holder
    /// writes one more than it read, so a write based on a stale read
    /// loses the update it overwrites.
    pub fn lost_updates(&self) -> u32 {
        self.writes.saturating_sub(self.value)
    }
}

/// A request of a trace, as the model and the real server answered it.
#[derive(Clone, Debug)]
pub struct TraceCommand {
    /// The trace's step that delivers it (from 1).
    pub step: usize,
    /// The server it goes to (`redis`, a Redlock master `m1`, `db`).
    pub server: String,
    /// That server's wall clock at that step, in ticks.
    pub wall: i64,
    pub client: String,
    pub cmd: String,
    pub model: String,
    /// The real server's answer, or why it could not be read.
    pub real: Result<String, String>,
    /// Whether the real server answered as the model does.
    pub agrees: bool,
}

impl TraceCommand {
    /// A request the model answered `expected` and the real server `real`.
    pub fn compared<R: PartialEq + Display>(
        step: usize,
        (server, wall, client): (String, i64, String),
        cmd: String,
        expected: &R,
        real: Result<R, String>,
    ) -> TraceCommand {
        TraceCommand {
            step,
            server,
            wall,
            client,
            cmd,
            model: expected.to_string(),
            agrees: real.as_ref() == Ok(expected),
            real: real.map(|r| r.to_string()),
        }
    }
}

/// The number of clients of a trace whose lock service is one server of
/// `program`'s (node 0), refused where there are more than `max`.
pub fn one_server_clients(trace: &TraceFile, program: &str, max: u8) -> Result<u8, CannotReplay> {
    let clients = trace.scenario.clients as usize;
    if clients > max as usize {
        return Err(CannotReplay::Refused(format!(
            "the trace has {clients} clients; a {program} replay runs at most {max} clients"
        )));
    }
    if trace.nodes.len() != clients + 2 {
        return Err(CannotReplay::Refused(format!(
            "the trace's nodes {:?} are not one {program} server, the clients and the resource",
            trace.nodes
        )));
    }
    Ok(clients as u8)
}

/// The client and the message that action `i` of a one-server trace
/// delivers to the server (node 0), if it delivers one.
pub fn delivered_to_server<M: DeserializeOwned>(
    action: &serde_json::Value,
    i: usize,
    clients: u8,
    program: &str,
) -> Result<Option<(u8, M)>, CannotReplay> {
    let Some(deliver) = action.get("deliver") else {
        return Ok(None);
    };
    if deliver.get("dst").and_then(|d| d.as_u64()) != Some(0) {
        return Ok(None);
    }
    let Some(msg) = deliver.pointer("/payload/lock") else {
        return Ok(None);
    };
    let msg: M = serde_json::from_value(msg.clone()).map_err(|e| {
        CannotReplay::Refused(format!(
            "`actions[{i}].deliver.payload.lock`: not one of {program}'s messages: {e}"
        ))
    })?;
    let client = deliver.get("src").and_then(|s| s.as_u64()).unwrap_or(0);
    let client = u8::try_from(client)
        .ok()
        .filter(|c| (1..=clients).contains(c))
        .ok_or_else(|| {
            CannotReplay::Refused(format!("step {}: a request from node {client}", i + 1))
        })?;
    Ok(Some((client, msg)))
}

/// The server (a node below `servers`) and the request (at the JSON
/// pointer `request`) that action `action` of a trace delivers, if it
/// delivers one to a server.
pub fn server_request<'a>(
    action: &'a serde_json::Value,
    servers: usize,
    request: &str,
) -> Option<(usize, &'a serde_json::Value)> {
    let deliver = action.get("deliver")?;
    let n = deliver
        .get("dst")
        .and_then(|d| d.as_u64())
        .map(|d| d as usize)
        .filter(|d| *d < servers)?;
    Some((n, deliver.pointer(request)?))
}

/// Node `n`'s name in `trace`.
pub fn node_name(trace: &TraceFile, n: usize) -> String {
    trace
        .nodes
        .get(n)
        .cloned()
        .unwrap_or_else(|| format!("node {n}"))
}

/// What a trace did on real servers: every request the trace delivers to a
/// server, up to the first one answered differently, if any.
#[derive(Clone, Debug)]
pub struct TraceOnServer {
    /// `redis-server 7.0.15`, `PostgreSQL 15.14`.
    pub server_version: String,
    pub commands: Vec<TraceCommand>,
    /// The trace's server crashes and restarts, by step.
    pub server_events: Vec<(usize, String)>,
    /// The protected counter at the end, where the replay ran it on the
    /// real server and the trace reached it.
    pub counter: Option<CounterOutcome>,
    /// On servers the user runs: the milliseconds between two requests.
    pub gap_ms: Option<u64>,
}

impl TraceOnServer {
    /// The first request a server answered differently from the model.
    pub fn disagreement(&self) -> Option<&TraceCommand> {
        self.commands.iter().find(|c| !c.agrees)
    }
}

/// Why a trace cannot be replayed on real servers.
#[derive(Debug)]
pub enum CannotReplay {
    /// Bad input: the trace is of a model whose servers are not this
    /// program, a lasso, or does what the program cannot.
    Refused(String),
    /// A server could not be started or talked to.
    Unavailable(Unavailable),
}

/// Why `trace`, whose model's servers are `declared` (the model's own
/// word), cannot replay on `program`, if it cannot.
pub fn refusal(
    trace: &TraceFile,
    declared: Option<RealServer>,
    program: ServerProgram,
) -> Option<String> {
    match declared {
        Some(real) if real.program == program => {}
        Some(real) => {
            return Some(format!(
                "model `{}`'s servers model {}, not {}",
                trace.model,
                real.program.name(),
                program.name()
            ));
        }
        None => {
            return Some(format!(
                "model `{}`'s servers are not a program lockcheck runs; the single-instance \
                 Redis locks and Redlock replay on redis-server, the database locks on \
                 postgres, the ZooKeeper locks on zookeeper, the etcd locks on etcd",
                trace.model
            ));
        }
    }
    if trace.loop_start.is_some() {
        return Some(
            "a lasso's states are shifted in time; real servers replay its run unrolled in \
             real time (`trace::replay::unrolled`)"
                .into(),
        );
    }
    let restarts = trace
        .actions
        .iter()
        .position(|a| a.get("restart").is_some());
    if let (Some(i), Some(real)) = (restarts, declared)
        && !real.restart_is_real
    {
        return Some(format!(
            "step {} restarts a server, and a restarted server of `{}` does what a real one \
             does not do by itself (see its model's documentation)",
            i + 1,
            trace.model
        ));
    }
    None
}

/// Replays `trace`'s schedule on `P`'s servers started for it (see the
/// module's documentation). The trace must already have replayed through
/// the model, and [`refusal`] must have had nothing to say.
pub fn replay<P: Program>(trace: &TraceFile) -> Result<TraceOnServer, CannotReplay> {
    replay_on::<P>(trace, None)
}

/// Replays `trace`'s schedule on `P`'s servers: started for it, or, with
/// `remote`, on the servers the user runs there, in real time (see
/// [`Remote`] and [`RemoteSchedule`]).
pub fn replay_on<P: Program>(
    trace: &TraceFile,
    remote: Option<&Remote>,
) -> Result<TraceOnServer, CannotReplay> {
    let refused = CannotReplay::Refused;
    let unavailable = CannotReplay::Unavailable;
    // Nodes are the servers, the clients, then the resource.
    let server_count = trace
        .nodes
        .len()
        .checked_sub(trace.scenario.clients as usize + 1)
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            refused(format!(
                "the trace's nodes {:?} hold no server",
                trace.nodes
            ))
        })?;
    // Tick 0 far enough past the clock's start that a clock skewed or
    // jumped back stays after 1970.
    let start_ms = CLOCK_START_UNIX_MS + 1_000_000_000;
    let schedule = match remote {
        Some(remote) if remote.urls.len() != server_count => {
            return Err(refused(format!(
                "the trace has {server_count} server(s) ({}), and {} URL(s) were given; give \
                 one per server, in that order, separated by commas",
                trace.nodes[..server_count].join(", "),
                remote.urls.len()
            )));
        }
        Some(remote) => Some(
            RemoteSchedule::of(trace, server_count, remote, P::REQUEST, P::TIMING)
                .map_err(refused)?,
        ),
        None => None,
    };
    let mut servers = Vec::new();
    if remote.is_none() {
        for _ in 0..server_count {
            servers.push(Some(P::start().map_err(unavailable)?));
        }
    }
    let mut models: Vec<P::Model> = (0..server_count).map(|_| P::model()).collect();
    let server_version = match remote {
        Some(remote) => {
            let mut versions = Vec::new();
            for n in 0..server_count {
                let mut connection = P::connect_remote(remote, n).map_err(unavailable)?;
                P::clear_remote(&mut connection).map_err(unavailable)?;
                versions.push(P::version(&mut connection).map_err(unavailable)?);
            }
            versions.dedup();
            format!("{} at {}", versions.join(", "), remote.shown())
        }
        None => {
            let first = servers[0].as_ref().expect("started");
            P::version(&mut P::connect(first, start_ms).map_err(unavailable)?)
                .map_err(unavailable)?
        }
    };
    // One connection per (server, client), as each client has its own. On
    // servers the user runs, every one (and the counter's) is made before
    // the real-time schedule starts, so that none delays a request.
    let mut connections: BTreeMap<(usize, u64), P::Connection> = BTreeMap::new();
    if let Some(remote) = remote {
        for n in 0..server_count {
            for client in 0..trace.scenario.clients as u64 {
                let client = (server_count as u64) + client;
                let connection = P::connect_remote(remote, n).map_err(unavailable)?;
                connections.insert((n, client), connection);
            }
        }
    }
    let mut remote_counter = match remote {
        Some(remote) => {
            let mut connection = P::connect_remote(remote, 0).map_err(unavailable)?;
            // Made now, if the trace uses it: making it in the schedule
            // would delay the request after it.
            if trace
                .actions
                .iter()
                .any(|a| a.pointer("/deliver/payload/resource").is_some())
            {
                P::counter_setup(&mut connection).map_err(unavailable)?;
            }
            Some(connection)
        }
        None => None,
    };
    let started = std::time::Instant::now() + std::time::Duration::from_millis(100);
    // Requests sent to the servers so far (not the counter's operations).
    let mut requests_sent = 0;
    let mut commands: Vec<TraceCommand> = Vec::new();
    let mut server_events = Vec::new();
    // Crashed servers, waiting for their restart.
    let mut crashed: Vec<Option<LocalServer>> = (0..server_count).map(|_| None).collect();
    // The protected counter: on a server of its own where one of the
    // trace's servers crashes (the world's resource never does), else on
    // the first; made at the first operation on it.
    let resource = trace.nodes.len() - 1;
    let crashes = trace.actions.iter().any(|a| a.get("crash").is_some());
    let mut counter: Option<Counter<P>> = None;
    let node_name = |n: usize| node_name(trace, n);
    for (i, action) in trace.actions.iter().enumerate() {
        let step = i + 1;
        let server_of = |key: &str| {
            action
                .get(key)
                .and_then(|n| n.as_u64())
                .map(|n| n as usize)
                .filter(|n| *n < server_count)
        };
        if let Some(n) = server_of("crash") {
            // Killed: its connections die with it.
            if let Some(server) = servers[n].take() {
                server.crash();
                crashed[n] = Some(server);
            }
            connections.retain(|(server, _), _| *server != n);
            let what = if P::DURABLE {
                "(the server crashes)"
            } else {
                "(the server crashes; it persists nothing)"
            };
            server_events.push((step, format!("{} killed {what}", node_name(n))));
            continue;
        }
        if let Some(n) = server_of("restart") {
            let Some(server) = crashed[n].take() else {
                return Err(refused(format!(
                    "step {step} restarts {}, which has not crashed",
                    node_name(n)
                )));
            };
            server.restart().map_err(unavailable)?;
            servers[n] = Some(server);
            models[n] = P::recovered(&models[n]);
            let what = if P::DURABLE {
                "with what it committed"
            } else {
                "empty"
            };
            server_events.push((step, format!("{} started again, {what}", node_name(n))));
            continue;
        }
        let Some(deliver) = action.get("deliver") else {
            continue;
        };
        if deliver.get("dst").and_then(|d| d.as_u64()) == Some(resource as u64)
            && let Some(msg) = deliver.pointer("/payload/resource")
        {
            let msg: ResourceMsg = serde_json::from_value(msg.clone()).map_err(|e| {
                refused(format!(
                    "`actions[{i}].deliver.payload.resource`: not an operation on the resource: {e}"
                ))
            })?;
            let op = match msg {
                ResourceMsg::Read { token, .. } => CounterOp::Read { token },
                ResourceMsg::Write {
                    value,
                    token,
                    if_version: None,
                    ..
                } => CounterOp::Write { value, token },
                ResourceMsg::WriteCheckFirst { token, .. } => CounterOp::Check { token },
                ResourceMsg::WriteChecked { value, token, .. } => {
                    CounterOp::WriteChecked { value, token }
                }
                ResourceMsg::Stamp { token, .. } => CounterOp::Stamp { token },
                ResourceMsg::Write { .. } => {
                    return Err(refused(format!(
                        "step {step} writes the resource conditionally (optimistic \
                         concurrency), which a replay does not do"
                    )));
                }
                // Replies never travel to the resource.
                _ => continue,
            };
            if counter.is_none() {
                counter = Some(Counter::new(
                    crashes,
                    &servers,
                    start_ms,
                    remote_counter.take(),
                )?);
            }
            let counter = counter.as_mut().expect("just made");
            let src = deliver.get("src").and_then(|s| s.as_u64()).unwrap_or(0);
            let expected = op.on_world(&mut counter.model);
            let real = P::counter(&mut counter.connection, &op);
            // The second resource's stamp is not a write of the counter.
            if real == Ok(CounterReply::Written) && !matches!(op, CounterOp::Stamp { .. }) {
                counter.writes += 1;
            }
            let at = (
                node_name(resource),
                trace.steps[i].state.tick as i64,
                node_name(src as usize),
            );
            commands.push(TraceCommand::compared(
                step,
                at,
                op.to_string(),
                &expected,
                real,
            ));
            if !commands.last().expect("just pushed").agrees {
                break;
            }
            continue;
        }
        let Some((n, cmd)) = server_request(action, server_count, P::REQUEST) else {
            continue;
        };
        let cmd: P::Cmd = serde_json::from_value(cmd.clone()).map_err(|e| {
            refused(format!(
                "`actions[{i}]`: a request that is not one of the server's commands: {e}"
            ))
        })?;
        let src = deliver.get("src").and_then(|s| s.as_u64()).unwrap_or(0);
        // `steps[i]` is the state the action is taken in.
        let wall = trace.steps[i].state.clocks[n].wall;
        if commands.len() >= SEQUENCE_LEN_MAX {
            return Err(refused(format!(
                "the trace sends more than {SEQUENCE_LEN_MAX} requests to its servers"
            )));
        }
        // The request's moment: on a server lockcheck started, its clock
        // is set to it; on one the user runs, the request waits for it.
        let due = match &schedule {
            Some(schedule) => {
                let due = started + schedule.at(requests_sent, n, wall);
                requests_sent += 1;
                std::thread::sleep(due.saturating_duration_since(std::time::Instant::now()));
                Some((due, schedule.gap_ms))
            }
            None => {
                let Some(live) = servers[n].as_ref() else {
                    return Err(refused(format!(
                        "step {step} delivers a request to {}, which has crashed",
                        node_name(n)
                    )));
                };
                let at_ms =
                    start_ms as i64 + wall * 1000 + P::TIMING.offset_ms(commands.len()) as i64;
                live.clock.set_ms(at_ms as u64).map_err(|e| {
                    unavailable(Unavailable(format!("cannot set the fake clock: {e}")))
                })?;
                None
            }
        };
        let connection = match connections.entry((n, src)) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                // Servers the user runs have every client's connection
                // already; a request from another node has none.
                let Some(Some(live)) = servers.get(n) else {
                    return Err(refused(format!(
                        "step {step} sends {} a request from {}, which is not a client",
                        node_name(n),
                        node_name(src as usize)
                    )));
                };
                e.insert(P::connect(live, start_ms).map_err(unavailable)?)
            }
        };
        let expected = models[n].execute(Instant::from_ticks(wall), &cmd);
        let real = P::run(connection, &cmd);
        // A request answered later than half the gap to the next may have
        // run after it, or after an expiry the schedule put after it: the
        // replay no longer says what the trace does.
        if let Some((due, gap_ms)) = due {
            let late = std::time::Instant::now().saturating_duration_since(due);
            if late.as_millis() as u64 > gap_ms / 2 {
                return Err(unavailable(Unavailable(format!(
                    "step {step}'s request was answered {} ms after its moment, more than \
                     half of the {gap_ms} ms between requests, so the server may not have taken \
                     it where the trace does; give a larger --tick-ms",
                    late.as_millis()
                ))));
            }
        }
        let at = (node_name(n), wall, node_name(src as usize));
        commands.push(TraceCommand::compared(
            step,
            at,
            cmd.to_string(),
            &expected,
            real,
        ));
        if !commands.last().expect("just pushed").agrees {
            break;
        }
    }
    let counter = match counter {
        Some(mut counter) if commands.iter().all(|c| c.agrees) => {
            let value = match P::counter(&mut counter.connection, &CounterOp::Read { token: None })
            {
                Ok(CounterReply::Value(v)) => v,
                other => {
                    return Err(unavailable(Unavailable(format!(
                        "cannot read the counter at the end: {other:?}"
                    ))));
                }
            };
            // The trace's own resource at its last step, not the copy
            // that answered here.
            let last = &trace.steps.last().expect("a trace has a first state").state;
            Some(CounterOutcome {
                value,
                writes: counter.writes,
                model_value: last.resource.value,
                model_writes: last.resource.writes_accepted,
            })
        }
        _ => None,
    };
    Ok(TraceOnServer {
        server_version,
        commands,
        server_events,
        counter,
        gap_ms: schedule.map(|s| s.gap_ms),
    })
}

/// The protected counter of a replay on real servers, and the world's
/// resource it stands for.
struct Counter<P: Program> {
    /// Its own server, when it has one.
    _server: Option<LocalServer>,
    connection: P::Connection,
    model: Resource,
    /// How many writes the real counter accepted.
    writes: u32,
}

impl<P: Program> Counter<P> {
    fn new(
        own_server: bool,
        servers: &[Option<LocalServer>],
        start_ms: u64,
        remote_connection: Option<P::Connection>,
    ) -> Result<Counter<P>, CannotReplay> {
        let unavailable = CannotReplay::Unavailable;
        // On the first of the servers the user runs, through a connection
        // made and set up before the schedule started.
        if let Some(connection) = remote_connection {
            return Ok(Counter {
                _server: None,
                connection,
                model: Resource::default(),
                writes: 0,
            });
        }
        let server = if own_server {
            Some(P::start().map_err(unavailable)?)
        } else {
            None
        };
        let host = match (&server, servers.first()) {
            (Some(own), _) => own,
            (None, Some(Some(first))) => first,
            (None, _) => {
                return Err(CannotReplay::Refused(
                    "the resource is used while the first server is down".into(),
                ));
            }
        };
        let mut connection = P::connect(host, start_ms).map_err(unavailable)?;
        P::counter_setup(&mut connection).map_err(unavailable)?;
        Ok(Counter {
            _server: server,
            connection,
            model: Resource::default(),
            writes: 0,
        })
    }
}
