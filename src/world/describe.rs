//! How a step and a state read in a timeline.

use serde::{Deserialize, Serialize};

use super::{Action, Cut, Partition, Payload, Phase, ResourceMsg, Status, World, WorldState};
use crate::node::{LockModel, NodeSet};

/// The summary of a state that timelines print and traces record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    /// Real time.
    pub tick: u32,
    /// Each lock-service node's two clocks, in node order.
    pub clocks: Vec<ClockView>,
    pub clients: Vec<ClientView>,
    pub resource: ResourceView,
    pub in_flight: usize,
    /// The nonce in the clients' shared process memory, as the number it
    /// reads as, where a model keeps one there (absent elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_nonce: Option<u64>,
}

/// A node's wall and monotonic clock readings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockView {
    pub wall: i64,
    pub mono: i64,
}

impl ClockView {
    pub fn of(clock: &super::Clock, now: u32) -> ClockView {
        ClockView {
            wall: clock.wall(now),
            mono: clock.mono(now),
        }
    }

    /// `redis=12` while the two clocks agree, `redis(wall=22 mono=12)` once
    /// the wall clock has jumped away from the monotonic one.
    pub fn text(&self, name: &str) -> String {
        if self.wall == self.mono {
            format!("{name}={}", self.wall)
        } else {
            format!("{name}(wall={} mono={})", self.wall, self.mono)
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientView {
    pub name: String,
    pub status: Status,
    pub phase: Phase,
    /// The client believes it holds the lock.
    pub holds: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<u64>,
    pub rounds_done: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceView {
    pub value: u32,
    pub writes_accepted: u32,
    pub highest_token: u64,
    pub stale_write_accepted: bool,
    /// The second resource's fence, where the section writes two resources
    /// each fenced alone (absent elsewhere).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub second_highest_token: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

pub fn step_view<M: LockModel>(world: &World<M>, s: &WorldState<M>) -> StepView {
    StepView {
        tick: s.now,
        clocks: s.clocks.iter().map(|c| ClockView::of(c, s.now)).collect(),
        clients: s
            .clients
            .iter()
            .enumerate()
            .map(|(i, c)| ClientView {
                name: world.node_name(world.client_id(i)).to_string(),
                status: c.status,
                phase: c.work.phase,
                holds: c.work.holds,
                token: c.work.token,
                rounds_done: c.work.rounds_done,
            })
            .collect(),
        resource: ResourceView {
            value: s.resource.value,
            writes_accepted: s.resource.writes_accepted,
            highest_token: s.resource.highest_token,
            stale_write_accepted: s.resource.stale_write_accepted,
            second_highest_token: s.resource.second_highest_token,
        },
        in_flight: s.network.len(),
        process_nonce: s.process.nonce.map(|n| n.number()),
    }
}

impl ClientView {
    /// `c1 HOLDS#3`, `c2 acquiring`, `c1 crashed`.
    pub fn short(&self) -> String {
        let what = match self.status {
            Status::Crashed => "crashed".to_string(),
            _ if self.holds => match self.token {
                Some(t) => format!("HOLDS#{t}"),
                None => "HOLDS".to_string(),
            },
            _ => match self.phase {
                Phase::Acquiring => "acquiring",
                Phase::Reading | Phase::Working { .. } | Phase::Writing | Phase::Stamping => {
                    "aborting"
                }
                Phase::Releasing => "releasing",
                Phase::Done => "done",
            }
            .to_string(),
        };
        let paused = if matches!(self.status, Status::Paused { .. }) {
            " (paused)"
        } else {
            ""
        };
        format!("{} {what}{paused}", self.name)
    }
}

fn resource_text(msg: &ResourceMsg) -> String {
    let token = |t: &Option<u64>| t.map(|t| format!(" token={t}")).unwrap_or_default();
    match msg {
        ResourceMsg::Read { token: t, .. } => format!("read{}", token(t)),
        ResourceMsg::ReadOk {
            value,
            version: None,
            ..
        } => format!("read -> {value}"),
        ResourceMsg::ReadOk {
            value,
            version: Some(v),
            ..
        } => format!("read -> {value} (version {v})"),
        ResourceMsg::Write {
            value,
            token: t,
            if_version,
            ..
        } => match if_version {
            Some(v) => format!("write {value}{} if version is still {v}", token(t)),
            None => format!("write {value}{}", token(t)),
        },
        ResourceMsg::WriteCheckFirst {
            value, token: t, ..
        } => format!("write {value}{} (check first)", token(t)),
        ResourceMsg::WriteChecked {
            value, token: t, ..
        } => format!("write {value}{} (checked; now written)", token(t)),
        ResourceMsg::Stamp { token: t, .. } => {
            format!("stamp the second resource{}", token(t))
        }
        ResourceMsg::WriteOk { .. } => "write ok".to_string(),
        ResourceMsg::StampOk { .. } => "stamp ok".to_string(),
        ResourceMsg::Rejected { .. } => "rejected: stale token".to_string(),
        ResourceMsg::Conflict { .. } => "conflict: the version changed; read again".to_string(),
    }
}

/// How a session's break notice reads: `zk -> c1: connection closed` is
/// the moment `c1` notices that its connection to `zk` broke.
pub const CLOSED_TEXT: &str = "connection closed";

/// `(actor, what happened)` for the step that takes `before` through `action`.
pub fn describe_action<M: LockModel>(
    world: &World<M>,
    before: &WorldState<M>,
    action: &Action<M::Msg, M::Timer>,
) -> (String, String) {
    let name = |n: crate::node::NodeId| world.node_name(n).to_string();
    let message = |env: &super::Envelope<M::Msg>| {
        let body = match &env.payload {
            Payload::Lock(m) => world.model.describe_msg(m),
            Payload::Resource(r) => resource_text(r),
            Payload::Closed => CLOSED_TEXT.to_string(),
        };
        format!("{} -> {}: {body}", name(env.src), name(env.dst))
    };
    match action {
        Action::Tick => ("-".into(), format!("time passes to t={}", before.now + 1)),
        Action::Deliver(env) => (name(env.dst), message(env)),
        Action::Drop(env) => ("net".into(), format!("LOST {}", message(env))),
        Action::Duplicate(env) => ("net".into(), format!("DUPLICATED {}", message(env))),
        Action::Fire { node, timer } => (
            name(*node),
            format!(
                "timer {} fires (mono clock {})",
                world.model.describe_timer(timer),
                before.clocks[node.index()].mono(before.now)
            ),
        ),
        Action::Crash(n) => (name(*n), "CRASHES (volatile state lost)".into()),
        Action::Restart(n) => (name(*n), "restarts".into()),
        Action::WorkDone(n) => (name(*n), "done working: writes its result".into()),
        Action::Pause(n) => (name(*n), "PAUSES (process stalls; clocks run on)".into()),
        Action::Resume(n) => (
            name(*n),
            match world_status(world, before, *n) {
                Status::Paused { since } => format!("resumes after {} ticks", before.now - since),
                _ => "resumes".into(),
            },
        ),
        Action::Isolate(n) => (name(*n), "PARTITIONED from the lock service".into()),
        Action::Split(p) => ("net".into(), format!("PARTITION {}", sides_text(world, *p))),
        Action::Heal => ("net".into(), "partition heals".into()),
        Action::ClockJump { node, ticks } => (
            name(*node),
            format!(
                "WALL CLOCK JUMPS {ticks:+} ticks (wall {} -> {}, mono {})",
                before.clocks[node.index()].wall(before.now),
                before.clocks[node.index()].wall(before.now) + *ticks as i64,
                before.clocks[node.index()].mono(before.now)
            ),
        ),
    }
}

/// `{redis-master, c1} | {replica, c2}`: who is on which side.
pub fn sides_text<M: LockModel>(world: &World<M>, p: Partition) -> String {
    let side = |nodes: NodeSet| {
        let names: Vec<&str> = nodes.iter().map(|n| world.node_name(n)).collect();
        format!("{{{}}}", names.join(", "))
    };
    let [a, b] = p.sides();
    format!("{} | {}", side(a), side(b))
}

fn world_status<M: LockModel>(
    world: &World<M>,
    s: &WorldState<M>,
    node: crate::node::NodeId,
) -> Status {
    match world.client_index(node) {
        Some(ci) => s.clients[ci].status,
        None => s.servers[node.index()].status,
    }
}

/// Everything in a state, one line per node plus the network, for following a
/// trace one step at a time (`replay --step`).
pub fn state_detail<M: LockModel>(world: &World<M>, s: &WorldState<M>) -> Vec<String> {
    let name = |n: crate::node::NodeId| world.node_name(n).to_string();
    let timers = |ts: &[(M::Timer, i64)]| -> String {
        if ts.is_empty() {
            return String::new();
        }
        let list: Vec<String> = ts
            .iter()
            .map(|(t, at)| format!("{}@{at}", world.model.describe_timer(t)))
            .collect();
        format!("  timers: {}", list.join(", "))
    };
    let status = |st: Status| match st {
        Status::Up => "up".to_string(),
        Status::Paused { since } => format!("PAUSED since t={since}"),
        Status::Crashed => "CRASHED".to_string(),
    };
    let mut lines = Vec::new();
    let clocks: Vec<String> = s
        .clocks
        .iter()
        .enumerate()
        .map(|(n, c)| ClockView::of(c, s.now).text(&world.node_names()[n]))
        .collect();
    lines.push(format!("t={}  clocks: {}", s.now, clocks.join(" ")));
    for (i, sv) in s.servers.iter().enumerate() {
        let node = crate::node::NodeId(i as u8);
        let state = sv
            .state
            .as_ref()
            .map_or("-".to_string(), |x| format!("{x:?}"));
        let saved = sv
            .durable
            .as_ref()
            .map(|d| format!("  saved: {d:?}"))
            .unwrap_or_default();
        lines.push(format!(
            "{} [{}] {state}{saved}{}",
            name(node),
            status(sv.status),
            timers(&sv.timers)
        ));
    }
    for (i, c) in s.clients.iter().enumerate() {
        let node = world.client_id(i);
        let proto = c
            .proto
            .as_ref()
            .map_or("-".to_string(), |x| format!("{x:?}"));
        let token = c
            .work
            .token
            .map(|t| format!(" token={t}"))
            .unwrap_or_default();
        lines.push(format!(
            "{} [{}] {:?}{} holds={} rounds_done={}  {proto}{}",
            name(node),
            status(c.status),
            c.work.phase,
            token,
            c.work.holds,
            c.work.rounds_done,
            timers(&c.timers)
        ));
    }
    match s.faults.partition {
        Some(Cut::Isolated(n)) => lines.push(format!("partition: {} is cut off", name(n))),
        Some(Cut::Split(p)) => lines.push(format!("partition: {}", sides_text(world, p))),
        None => {}
    }
    if let Some(n) = s.process.nonce {
        lines.push(format!("process memory: nonce {}", n.number()));
    }
    let r = &s.resource;
    lines.push(format!(
        "res value={} writes={} highest_token={}{}{}",
        r.value,
        r.writes_accepted,
        r.highest_token,
        if r.second_highest_token > 0 {
            format!(" second_highest_token={}", r.second_highest_token)
        } else {
            String::new()
        },
        if r.stale_write_accepted {
            " STALE-WRITE"
        } else {
            ""
        }
    ));
    if s.network.is_empty() {
        lines.push("in flight: nothing".to_string());
    }
    for env in &s.network {
        let body = match &env.payload {
            Payload::Lock(m) => world.model.describe_msg(m),
            Payload::Resource(r) => resource_text(r),
            Payload::Closed => CLOSED_TEXT.to_string(),
        };
        lines.push(format!(
            "in flight: {} -> {}: {body}  (sent t={})",
            name(env.src),
            name(env.dst),
            env.sent_at
        ));
    }
    lines
}
