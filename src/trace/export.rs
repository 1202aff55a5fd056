//! Exports of a trace in formats that existing tools read.
//!
//! - **ITF** (the Informal Trace Format of Apalache and Quint, ADR-015): one
//!   state per step with every variable: `now`, `clocks` (`#map` from a
//!   node to its `wall` and `mono` readings), `nodes`
//!   (a record per node: status, protocol state, timers), `clients`,
//!   `resource`, `network` (`#set` of messages in flight), `process` (the
//!   memory the clients share as threads of one process) and
//!   `mbt::actionTaken`. Integers are `#bigint`; JSON nulls become Quint's
//!   `{"tag": "None", ...}`. Opens in the ITF Trace Viewer.
//! - **Mermaid** `sequenceDiagram`: a message per arrow, faults and timers as
//!   notes, a client's lock as an activation bar; renders on GitHub.
//! - **History**, in Jepsen's op shape (`index`, `time`, `process`, `type`,
//!   `f`, `value`), as EDN or JSON lines: what the clients observed (acquire,
//!   read, write, release) and the faults as `:nemesis` `:info` ops. `time` is
//!   the real tick, not nanoseconds.

use std::path::Path;

use serde_json::{Value, json};

use super::replay::{Rebuilt, rebuild};
use super::{TraceError, TraceFile};
use crate::node::{LockModel, NodeId};
use crate::world::{
    Action, ClientView, Payload, Phase, ResourceMsg, Status, World, WorldState, describe_action,
    step_view,
};

/// The export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// The Informal Trace Format (`*.itf.json`).
    Itf,
    /// A Mermaid sequence diagram (paste into GitHub Markdown in a ```mermaid block).
    Mermaid,
    /// Jepsen-style operation history as EDN.
    HistoryEdn,
    /// Jepsen-style operation history as JSON lines.
    HistoryJsonl,
}

/// Exports `trace` (read from `path`) of model `M`.
pub fn run<M: LockModel>(
    path: &Path,
    trace: &TraceFile,
    format: ExportFormat,
) -> Result<String, TraceError> {
    let rebuilt = rebuild::<M>(path, trace)?;
    Ok(match format {
        ExportFormat::Itf => {
            let mut text =
                serde_json::to_string_pretty(&itf(path, trace, &rebuilt)).expect("ITF serializes");
            text.push('\n');
            text
        }
        ExportFormat::Mermaid => mermaid(trace, &rebuilt),
        ExportFormat::HistoryEdn => history(&rebuilt).iter().map(|op| edn(op) + "\n").collect(),
        ExportFormat::HistoryJsonl => history(&rebuilt)
            .iter()
            .map(|op| op.to_string() + "\n")
            .collect(),
    })
}

/// A JSON value in ITF's encoding.
fn to_itf(v: &Value) -> Value {
    match v {
        Value::Null => json!({"tag": "None", "value": {"#tup": []}}),
        Value::Bool(_) | Value::String(_) => v.clone(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => json!({"#bigint": i.to_string()}),
            None => json!({"#bigint": n.to_string()}),
        },
        Value::Array(items) => Value::Array(items.iter().map(to_itf).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    // Record keys may not start with `#`.
                    let key = if k.starts_with('#') {
                        format!("_{k}")
                    } else {
                        k.clone()
                    };
                    (key, to_itf(v))
                })
                .collect(),
        ),
    }
}

fn bigint(n: i64) -> Value {
    json!({"#bigint": n.to_string()})
}

fn status_word(s: Status) -> String {
    match s {
        Status::Up => "up".into(),
        Status::Paused { since } => format!("paused since {since}"),
        Status::Crashed => "crashed".into(),
    }
}

fn itf<M: LockModel>(path: &Path, trace: &TraceFile, r: &Rebuilt<M>) -> Value {
    let world = &r.world;
    let mut states = Vec::new();
    for (i, s) in r.states.iter().enumerate() {
        let action = if i == 0 {
            "init".to_string()
        } else {
            let (actor, event) = describe_action(world, &r.states[i - 1], &r.actions[i - 1]);
            format!("{actor}: {event}")
        };
        let view = step_view(world, s);
        let clocks: Vec<Value> = s
            .clocks
            .iter()
            .enumerate()
            .map(|(n, c)| {
                let record = json!({"wall": bigint(c.wall(s.now)), "mono": bigint(c.mono(s.now))});
                json!([world.node_names()[n], record])
            })
            .collect();
        let mut nodes = serde_json::Map::new();
        let timers = |ts: &[(M::Timer, i64)]| -> Value {
            Value::Array(
                ts.iter()
                    .map(|(t, at)| json!({"timer": world.model.describe_timer(t), "at": bigint(*at)}))
                    .collect(),
            )
        };
        for (si, sv) in s.servers.iter().enumerate() {
            nodes.insert(
                world.node_name(NodeId(si as u8)).to_string(),
                json!({
                    "status": status_word(sv.status),
                    "state": to_itf(&serde_json::to_value(&sv.state).expect("states serialize")),
                    "timers": timers(&sv.timers),
                }),
            );
        }
        for (ci, c) in s.clients.iter().enumerate() {
            nodes.insert(
                world.node_name(world.client_id(ci)).to_string(),
                json!({
                    "status": status_word(c.status),
                    "state": to_itf(&serde_json::to_value(&c.proto).expect("states serialize")),
                    "timers": timers(&c.timers),
                }),
            );
        }
        let network: Vec<Value> = s
            .network
            .iter()
            .map(|e| {
                json!({
                    "src": world.node_name(e.src),
                    "dst": world.node_name(e.dst),
                    "sent_at": bigint(e.sent_at as i64),
                    "msg": message_text(world, &e.payload),
                })
            })
            .collect();
        states.push(json!({
            "#meta": {"index": i, "action": action},
            // Real time: a lasso's states are shifted back (see `loop`).
            "now": bigint(s.now as i64 + r.shifts.get(i).copied().unwrap_or(0) as i64),
            "clocks": {"#map": clocks},
            "nodes": Value::Object(nodes),
            "clients": to_itf(&serde_json::to_value(&view.clients).expect("views serialize")),
            "resource": to_itf(&serde_json::to_value(&view.resource).expect("views serialize")),
            "network": {"#set": network},
            // What the clients share as threads of one process (a lock
            // object shared by threads): its nonce, or `None`.
            "process": {"nonce": to_itf(&json!(view.process_nonce))},
            "mbt::actionTaken": action,
        }));
    }
    let mut doc = json!({
        "#meta": {
            "format": "ITF",
            "format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html",
            "source": trace.scenario_file.display().to_string(),
            "status": if trace.loop_start.is_some() { "violated (lasso)" } else { "violated" },
            "description": format!("{} violates {} under {}", trace.model, trace.property, trace.scenario_file.display()),
            "model": trace.model,
            "scenario": trace.scenario_file.display().to_string(),
            "property": trace.property.as_str(),
            "checker": trace.engine,
            "seed": trace.simulation.as_ref().map(|s| s.seed.clone()).unwrap_or_default(),
            "replay": format!("cargo run --release -- replay {}", path.display()),
        },
        "vars": ["now", "clocks", "nodes", "clients", "resource", "network", "process", "mbt::actionTaken"],
        "states": states,
    });
    // A lasso: ITF's `loop` is the first state of the part that repeats, so
    // that the state after the last one is `states[loop]`. Our last state is
    // the loop start's again (step `k`), so the repeating part starts at
    // `k + 1`. Up to the time shift: `now` is real time and grows; `clocks`
    // and timer deadlines are the liveness checker's shifted ones.
    if let Some(k) = trace.loop_start {
        doc["loop"] = json!(k + 1);
    }
    doc
}

fn resource_text(r: &ResourceMsg) -> String {
    match r {
        ResourceMsg::Read { .. } => "read".into(),
        ResourceMsg::ReadOk { value, .. } => format!("read -> {value}"),
        ResourceMsg::Write { value, .. } => format!("write {value}"),
        ResourceMsg::WriteCheckFirst { value, .. } => format!("write {value} (check first)"),
        ResourceMsg::WriteChecked { value, .. } => format!("write {value} (checked; now written)"),
        ResourceMsg::Stamp { .. } => "stamp the second resource".into(),
        ResourceMsg::WriteOk { .. } => "write ok".into(),
        ResourceMsg::StampOk { .. } => "stamp ok".into(),
        ResourceMsg::Rejected { .. } => "rejected: stale token".into(),
        ResourceMsg::Conflict { .. } => "conflict".into(),
    }
}

fn message_text<M: LockModel>(world: &World<M>, payload: &Payload<M::Msg>) -> String {
    match payload {
        Payload::Lock(m) => world.model.describe_msg(m),
        Payload::Resource(r) => resource_text(r),
        Payload::Closed => crate::world::CLOSED_TEXT.to_string(),
    }
}

fn mermaid<M: LockModel>(trace: &TraceFile, r: &Rebuilt<M>) -> String {
    let d = match trace.loop_start {
        // A lasso as it happens in real time.
        Some(k) => {
            crate::check::lasso_in_real_time(
                &r.world,
                stateright::Model::init_states(&r.world).swap_remove(trace.init_index),
                &r.states,
                &r.actions,
                &r.shifts,
                k,
            )
            .1
        }
        None => crate::world::diagram(&r.world, &r.states, &r.actions),
    };
    d.mermaid(&format!("{} VIOLATED", trace.property))
}

/// The clients' operations and the faults, in Jepsen's op shape.
fn history<M: LockModel>(r: &Rebuilt<M>) -> Vec<Value> {
    let world = &r.world;
    let mut ops = Vec::new();
    let mut push = |time: u32, process: Value, kind: &str, f: &str, value: Value| {
        let index = ops.len();
        ops.push(json!({"index": index, "time": time, "process": process, "type": kind, "f": f, "value": value}));
    };
    let views = |s: &WorldState<M>| -> Vec<ClientView> { step_view(world, s).clients };
    for (ci, c) in views(&r.states[0]).iter().enumerate() {
        if c.phase == Phase::Acquiring {
            push(0, json!(ci), "invoke", "acquire", Value::Null);
        }
    }
    for (i, action) in r.actions.iter().enumerate() {
        let before = &r.states[i];
        let after = &r.states[i + 1];
        let t = after.now;
        match action {
            Action::Deliver(env) => {
                if let Payload::Resource(msg) = &env.payload {
                    let process = |n: NodeId| json!(world.client_index(n).unwrap_or(usize::MAX));
                    // The operation a rejection completes: the read, the
                    // write, or the stamp of a second resource
                    // (`FenceCheck::EachResourceAlone`).
                    let rejected_op = |n: NodeId| match world
                        .client_index(n)
                        .map(|ci| before.clients[ci].work.phase)
                    {
                        Some(Phase::Reading) => "read",
                        Some(Phase::Stamping) => "stamp",
                        _ => "write",
                    };
                    match msg {
                        ResourceMsg::Read { .. } => {
                            push(t, process(env.src), "invoke", "read", Value::Null)
                        }
                        ResourceMsg::ReadOk { value, .. } => {
                            push(t, process(env.dst), "ok", "read", json!(value))
                        }
                        ResourceMsg::Write { value, .. }
                        | ResourceMsg::WriteCheckFirst { value, .. } => {
                            push(t, process(env.src), "invoke", "write", json!(value))
                        }
                        // The resource's own second step of a write.
                        ResourceMsg::WriteChecked { .. } => {}
                        ResourceMsg::Stamp { token, .. } => {
                            push(t, process(env.src), "invoke", "stamp", json!(token))
                        }
                        ResourceMsg::WriteOk { .. } => {
                            push(t, process(env.dst), "ok", "write", Value::Null)
                        }
                        ResourceMsg::StampOk { .. } => {
                            push(t, process(env.dst), "ok", "stamp", Value::Null)
                        }
                        ResourceMsg::Rejected { .. } => push(
                            t,
                            process(env.dst),
                            "fail",
                            rejected_op(env.dst),
                            json!("stale token"),
                        ),
                        ResourceMsg::Conflict { .. } => {
                            push(t, process(env.dst), "fail", "write", json!("conflict"))
                        }
                    }
                }
            }
            Action::Tick | Action::Fire { .. } => {}
            fault => {
                let (actor, event) = describe_action(world, before, fault);
                push(
                    t,
                    json!("nemesis"),
                    "info",
                    "fault",
                    json!(format!("{actor}: {event}")),
                );
            }
        }
        for (ci, (b, a)) in views(before).iter().zip(views(after)).enumerate() {
            if !b.holds && a.holds {
                push(t, json!(ci), "ok", "acquire", json!(a.token));
            }
            if b.phase != Phase::Releasing && a.phase == Phase::Releasing {
                push(t, json!(ci), "invoke", "release", Value::Null);
            }
            if b.phase == Phase::Releasing
                && a.phase != Phase::Releasing
                && a.status != Status::Crashed
            {
                push(t, json!(ci), "ok", "release", Value::Null);
            }
            if b.holds && !a.holds && a.phase == Phase::Acquiring && a.status != Status::Crashed {
                push(t, json!(ci), "info", "lost", Value::Null);
            }
            if (b.phase != Phase::Acquiring || b.status == Status::Crashed)
                && a.phase == Phase::Acquiring
                && a.status != Status::Crashed
            {
                push(t, json!(ci), "invoke", "acquire", Value::Null);
            }
        }
    }
    ops
}

/// One op as an EDN map, keys and type/f as keywords.
fn edn(op: &Value) -> String {
    let value = |v: &Value| match v {
        Value::Null => "nil".to_string(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    let keyword = |v: &Value| match v {
        Value::String(s) => format!(":{s}"),
        other => value(other),
    };
    format!(
        "{{:index {}, :time {}, :process {}, :type {}, :f {}, :value {}}}",
        op["index"],
        op["time"],
        keyword(&op["process"]),
        keyword(&op["type"]),
        keyword(&op["f"]),
        value(&op["value"])
    )
}
