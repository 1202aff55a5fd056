//! A path through the world as a model-agnostic space-time diagram: which node
//! did what at each step, which message went from where to where (and when it
//! was sent), which faults struck, and who believed it held the lock.
//!
//! It is computed once from the typed states and actions, so that reports
//! (Markdown's Mermaid, the HTML report's SVG) can draw any model's
//! counterexample without knowing the model's types.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::{Action, Payload, World, WorldState, describe_action};
use crate::node::LockModel;

/// A path, ready to draw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagram {
    /// One lane per node: servers, clients, then the resource.
    pub nodes: Vec<String>,
    /// The clients' lanes.
    pub clients: Vec<usize>,
    /// The clients (lane indices) believing they hold the lock in the initial
    /// state.
    pub initial_holders: Vec<usize>,
    /// One event per step, in order; `events[i].step == i + 1`.
    pub events: Vec<DiagramEvent>,
    /// For a lasso (a liveness counterexample): the step after which the
    /// path repeats forever; the cycle is every event after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_start: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagramEvent {
    pub step: usize,
    /// Real time after the step.
    pub tick: u32,
    #[serde(flatten)]
    pub kind: EventKind,
    /// What happened, as the timeline says it (for a message, its content).
    pub label: String,
    /// The clients (lane indices) believing they hold the lock after the step.
    pub holders: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// Real time advances.
    Tick,
    /// A message leaves `from` at step `sent_step` (0: before the path began)
    /// and, at this step, arrives at `to`, is lost, or is duplicated.
    Message {
        from: usize,
        to: usize,
        sent_step: usize,
        fate: Fate,
    },
    /// A timer fires on `node`, or `node` takes a step of its own (a
    /// holder's work ends, the resource makes a write it checked before).
    Timer { node: usize },
    /// A fault (or its end) on `node`; `heal` ends every partition and has
    /// no node.
    Fault {
        #[serde(skip_serializing_if = "Option::is_none")]
        node: Option<usize>,
        fault: FaultEvent,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    Delivered,
    Lost,
    Duplicated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultEvent {
    Crash,
    Restart,
    Pause,
    Resume,
    Isolate,
    /// A partition splits the lock-service nodes into two sides; the label
    /// names them.
    Split,
    Heal,
    ClockJump,
}

impl FaultEvent {
    /// Whether this starts a span that a later event ends (crash..restart,
    /// pause..resume, isolate..heal).
    pub fn starts_span(self) -> bool {
        matches!(
            self,
            FaultEvent::Crash | FaultEvent::Pause | FaultEvent::Isolate
        )
    }

    /// Whether this ends a span of `start` on the same node.
    pub fn ends(self, start: FaultEvent) -> bool {
        matches!(
            (start, self),
            (FaultEvent::Crash, FaultEvent::Restart)
                | (FaultEvent::Pause, FaultEvent::Resume)
                | (FaultEvent::Isolate, FaultEvent::Heal)
        )
    }
}

/// The diagram of a path: `states[0]` is the initial state and `states[i + 1]`
/// follows `actions[i]`.
pub fn diagram<M: LockModel>(
    world: &World<M>,
    states: &[WorldState<M>],
    actions: &[Action<M::Msg, M::Timer>],
) -> Diagram {
    let holders = |s: &WorldState<M>| -> Vec<usize> {
        s.clients
            .iter()
            .enumerate()
            .filter(|(_, c)| c.work.holds)
            .map(|(ci, _)| world.client_id(ci).index())
            .collect()
    };
    let mut events = Vec::with_capacity(actions.len());
    for (i, action) in actions.iter().enumerate() {
        let (before, after) = (&states[i], &states[i + 1]);
        let (_, text) = describe_action(world, before, action);
        let message = |env: &super::Envelope<M::Msg>, fate: Fate| {
            // The message was sent by the step after the last state, going
            // back from this one, that did not have it in flight.
            let mut sent = i;
            while sent > 0 && states[sent - 1].network.contains(env) {
                sent -= 1;
            }
            let label = match &env.payload {
                Payload::Lock(m) => world.model.describe_msg(m),
                Payload::Closed => super::describe::CLOSED_TEXT.to_string(),
                Payload::Resource(_) => text
                    .split_once(": ")
                    .map_or(text.clone(), |(_, m)| m.to_string()),
            };
            (
                EventKind::Message {
                    from: env.src.index(),
                    to: env.dst.index(),
                    sent_step: sent,
                    fate,
                },
                label,
            )
        };
        let fault = |node: Option<usize>, fault: FaultEvent| {
            (EventKind::Fault { node, fault }, text.clone())
        };
        let (kind, label) = match action {
            Action::Tick => (EventKind::Tick, text.clone()),
            // The second step of a write the resource checked first is the
            // resource's own, not a message from the writer.
            Action::Deliver(env) if World::<M>::is_resource_step(env) => {
                // `c1 -> res: write 1 ...` reads `c1's write 1 ...`.
                let label = text.split_once(": ").map_or(text.clone(), |(route, what)| {
                    let writer = route.split(" -> ").next().unwrap_or(route);
                    format!("{writer}'s {what}")
                });
                (
                    EventKind::Timer {
                        node: env.dst.index(),
                    },
                    label,
                )
            }
            Action::Deliver(env) => message(env, Fate::Delivered),
            Action::Drop(env) => message(env, Fate::Lost),
            Action::Duplicate(env) => message(env, Fate::Duplicated),
            Action::Fire { node, .. } | Action::WorkDone(node) => {
                (EventKind::Timer { node: node.index() }, text.clone())
            }
            Action::Crash(n) => fault(Some(n.index()), FaultEvent::Crash),
            Action::Restart(n) => fault(Some(n.index()), FaultEvent::Restart),
            Action::Pause(n) => fault(Some(n.index()), FaultEvent::Pause),
            Action::Resume(n) => fault(Some(n.index()), FaultEvent::Resume),
            Action::Isolate(n) => fault(Some(n.index()), FaultEvent::Isolate),
            Action::Split(_) => fault(None, FaultEvent::Split),
            Action::Heal => fault(None, FaultEvent::Heal),
            Action::ClockJump { node, .. } => fault(Some(node.index()), FaultEvent::ClockJump),
        };
        events.push(DiagramEvent {
            step: i + 1,
            tick: after.now,
            kind,
            label,
            holders: holders(after),
        });
    }
    Diagram {
        nodes: world.node_names().to_vec(),
        clients: (0..world.cfg.clients)
            .map(|ci| world.client_id(ci).index())
            .collect(),
        initial_holders: holders(&states[0]),
        events,
        loop_start: None,
    }
}

/// Text safe inside a Mermaid label.
pub fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            c => out.push(c),
        }
    }
    out
}

/// For each step of a path whose states were shifted back in time
/// (`shifts[i]` real ticks for state `i`), how far the clock of the node
/// whose timer the step fires was shifted before it: the real shift at
/// 100%, and its share at the rate of a drifting clock (the liveness
/// checker moves each clock by `shift * rate / 100`). Steps that fire no
/// timer get the real shift.
pub fn clock_shifts<M: LockModel>(
    states: &[WorldState<M>],
    actions: &[Action<M::Msg, M::Timer>],
    shifts: &[u64],
) -> Vec<i64> {
    actions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let real = shifts.get(i).copied().unwrap_or(0) as i64;
            match (a, states.get(i)) {
                (Action::Fire { node, .. }, Some(s)) => {
                    real * s.clocks[node.index()].rate_percent as i64 / 100
                }
                _ => real,
            }
        })
        .collect()
}

impl Diagram {
    /// Puts real time back into a path whose states were shifted back in time
    /// (the liveness checker's canonical states): `shifts[i]` is how far
    /// state `i` was shifted. Event `i` follows state `i`, so its tick moves
    /// by `shifts[i + 1]`, and a timer's monotonic-clock reading, taken before
    /// the step, by `shifts[i]` (every clock runs at 100% where states are
    /// shifted; under drift, by its node's share of it: see
    /// [`clock_shifts`], whose values `clock_shifts` holds).
    pub fn shift_ticks(&mut self, shifts: &[u64], clock_shifts: &[i64]) {
        for (i, e) in self.events.iter_mut().enumerate() {
            let after = shifts.get(i + 1).copied().unwrap_or(0);
            e.tick = (e.tick as u64 + after) as u32;
            if let EventKind::Tick = e.kind {
                e.label = format!("time passes to t={}", e.tick);
            }
            let before = clock_shifts.get(i).copied().unwrap_or(0);
            if before != 0
                && let Some((head, clock)) = e
                    .label
                    .strip_suffix(')')
                    .and_then(|l| l.rsplit_once("(mono clock "))
                && let Ok(local) = clock.parse::<i64>()
            {
                e.label = format!("{head}(mono clock {})", local + before);
            }
        }
    }

    /// A Mermaid sequence diagram: messages as arrows (lost ones crossed),
    /// timers and faults as notes, a client's activation bar while it believes
    /// it holds the lock, and `footer` as a closing note over the clients.
    pub fn mermaid(&self, footer: &str) -> String {
        let mut out = String::from("sequenceDiagram\n");
        for name in &self.nodes {
            let _ = writeln!(out, "    participant {name}");
        }
        let mut active = self.initial_holders.clone();
        for &n in &active {
            let _ = writeln!(out, "    activate {}", self.nodes[n]);
        }
        let first = &self.nodes[0];
        for e in &self.events {
            if self.loop_start == Some(e.step - 1) {
                let _ = writeln!(out, "    loop after step {}, forever", e.step - 1);
            }
            let (step, t) = (e.step, e.tick);
            let label = mermaid_text(&e.label);
            match &e.kind {
                EventKind::Tick => {}
                EventKind::Message { from, to, fate, .. } => {
                    let (from, to) = (&self.nodes[*from], &self.nodes[*to]);
                    let _ = match fate {
                        Fate::Delivered => writeln!(out, "    {from}->>{to}: {step} t={t} {label}"),
                        Fate::Lost => writeln!(out, "    {from}-x{to}: {step} t={t} LOST {label}"),
                        Fate::Duplicated => writeln!(
                            out,
                            "    Note over {from},{to}: {step} t={t} DUPLICATED {label}"
                        ),
                    };
                }
                EventKind::Timer { node }
                | EventKind::Fault {
                    node: Some(node), ..
                } => {
                    let _ = writeln!(
                        out,
                        "    Note over {}: {step} t={t} {label}",
                        self.nodes[*node]
                    );
                }
                EventKind::Fault { node: None, .. } => {
                    let _ = writeln!(out, "    Note over {first}: {step} t={t} {label}");
                }
            }
            for &n in active.iter().filter(|n| !e.holders.contains(n)) {
                let _ = writeln!(out, "    deactivate {}", self.nodes[n]);
            }
            for &n in e.holders.iter().filter(|n| !active.contains(n)) {
                let _ = writeln!(out, "    activate {}", self.nodes[n]);
            }
            active = e.holders.clone();
        }
        if self.loop_start.is_some_and(|k| k < self.events.len()) {
            out.push_str("    end\n");
        }
        let clients: Vec<&str> = self
            .clients
            .iter()
            .map(|&n| self.nodes[n].as_str())
            .collect();
        let span = match clients.as_slice() {
            [one] => one.to_string(),
            [first, .., last] => format!("{first},{last}"),
            [] => first.clone(),
        };
        let _ = writeln!(out, "    Note over {span}: {}", mermaid_text(footer));
        out
    }
}
