//! Liveness under fairness: `deadlock_free` and `starvation_free`, decided on
//! the world's explicit state graph, with lasso counterexamples.
//!
//! # Why a separate checker
//! stateright's `eventually` looks only at terminal states and cannot see a
//! cycle, and the breadth-first search stops real time at the horizon, which
//! makes every run finite: a bounded `progress` check cannot tell a real
//! deadlock from a horizon that came too soon or a schedule that never let
//! the holder run. Here real time has no horizon, and a violation is an
//! infinite fair run: a stem from an initial state, then a cycle repeated
//! forever.
//!
//! # Making time finite: the time-shift abstraction
//! Real time only grows, so the raw graph has no cycles. Once no fault can
//! start any more (`now >= faults_until_ticks`) and every clock runs at 100%
//! (see "Clock drift" below for the other rates),
//! the world's rules do not depend on the absolute value of `now`: shifting
//! real time, every clock reading (wall and monotonic alike: neither jumps
//! any more), every timer deadline and every absolute time a model keeps,
//! from either clock, by the same amount gives a state that
//! behaves exactly the same (a strong bisimulation that preserves every
//! label the properties read). So past `base = faults_until_ticks + a`
//! (`a` the longest age that still matters: the delivery window or the
//! longest pause) each state is replaced by its canonical representative:
//! - real time is shifted back into `base .. base + period`, where `period`
//!   is the model's shift granularity ([`LockModel::time_shift_period`]: 1,
//!   or the heartbeat period of a model that aligns to one);
//! - timer deadlines move with it; a message's age and a pause's length are
//!   capped where larger values behave the same (a message older than its
//!   window is overdue either way; asynchronous messages older than
//!   `delay_ticks_min` are deliverable either way);
//! - every absolute time the model keeps moves with the clocks, and those
//!   that have passed for good are merged, by the harness: the model keeps
//!   its times as `Instant`s and hands them over ([`LockModel::times`], see
//!   `src/world/times.rs`); request ids are renumbered as the safety search
//!   does.
//!
//! The harness also renumbers the model's values unique per acquisition
//! ([`crate::node::Nonce`], see `src/world/nonces.rs`) and its numbers that
//! grow with every grant (fencing tokens, sequence and session numbers,
//! each family in order from its counter, see `src/world/tokens.rs`), so
//! that endless rounds stay finite. No model writes any of this by hand.
//!
//! A model that hands over no times gets an honest `inconclusive` naming
//! why, as does a network without a delivery deadline once a message in
//! flight carries a time (fairness tracks a message by its content, which
//! the shift rewrites), and any search bound.
//!
//! # Clock drift
//! A clock at `rate`% moves `d * rate / 100` ticks while real time moves
//! `d`. The period is then the smallest multiple of the model's that makes
//! this a whole number of the model's periods at every rate the scenario
//! allows (2 for 50% and a period of 1; 4 for ZooKeeper's heartbeat period
//! of 2, so that each clock moves by whole heartbeats and stays aligned), and
//! each node's clocks, timers (on its monotonic clock) and instants move
//! by that node's own amount; passed instants are merged per node, below
//! that node's clocks ([`World::shift_times_per_node`]). Every comparison
//! a node makes, of its instants with its clocks or with each other, comes
//! out as before, provided every instant it holds was read from its own
//! clock. One could come from elsewhere only inside a message, so under
//! drift every state is watched, from the first, and once a message in
//! flight carries an instant the graph is abandoned and the verdicts are
//! `inconclusive`: two drifting clocks part without bound, and no shift
//! keeps a time read on one in step with the other.
//!
//! **Soundness.** Every canonical state is bisimilar to the state it stands
//! for, with the same labels and the same fairness classes enabled, so the
//! quotient graph has a fair cycle through bad states if and only if the real
//! system has an infinite fair run that stays bad from some point on. A
//! reported lasso therefore corresponds to a real infinite fair run, and
//! `holds` (given only when the whole quotient graph was built) means that no
//! fair run violates the property. This rests on the shift being exact: on
//! the model using its `Instant`s and tokens only as the node API allows,
//! which `tests/suite/time_shift.rs`, `tests/suite/time_merge.rs` and
//! `tests/suite/liveness.rs` check on sampled states, and
//! `tests/suite/liveness_brute_force.rs` on every small cell as a whole:
//! the real world explored without the shift up to a horizon, grouped by
//! canonical form, is this graph, and has a fair bad cycle exactly where
//! this checker reports a lasso.
//!
//! # Fairness
//! A run is fair when:
//! - **time diverges**: it passes infinitely many `Tick`s (no Zeno runs);
//! - **weak fairness** holds for each message in flight (delivered, or lost
//!   if the scenario allows loss: a message continuously deliverable is
//!   eventually handled), each timer (a due timer on a running node
//!   eventually fires) and each recovery (restart, resume, heal). The
//!   clients' own steps all happen in these handlers.
//!
//! Faults are not fair-required; their budgets are finite and they start
//! only before `faults_until_ticks`, so every cycle lies in the fault-free
//! suffix (a fault step increments a budget counter and so cannot be on a
//! cycle).
//!
//! With only weak fairness, a strongly connected component `C` of the bad
//! states contains a fair cycle if and only if it has an internal edge, an
//! internal `Tick`, and every class enabled in all of `C`'s states is taken
//! by some internal edge (a class missing there is missing from every run
//! inside `C`, so no pruning and recursion are needed as they are for strong
//! fairness).
//!
//! # The properties as cycles
//! - `deadlock_free` = G((some correct client waits ∧ no correct client
//!   holds) → F some correct client acquires). A violation is a fair cycle
//!   in which some live client waits (its workload is acquiring) and no live
//!   client holds the lock in any state: no one acquires in the cycle.
//! - `starvation_free` = for each client, G(waits → F acquires). A violation
//!   is a fair cycle in which that client is live and waiting throughout.
//!
//! "Correct" means never crashed in the run: in a cycle no fault happens, so
//! a live client stays live forever.
//!
//! The graph is built breadth first (so the stem to each state is a shortest
//! path), strongly connected components are found with an iterative Tarjan
//! over the bad states, and the lasso chosen is the one whose loop starts at
//! the state reached first (smallest stem); its cycle starts there, takes a
//! `Tick` and then whatever the fairness check of the cycle still asks for.
//! Everything is deterministic: state ids follow the breadth-first order,
//! which the level-synchronous merge makes independent of the thread count.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use stateright::Model;

use super::bfs::{Bound, SearchLimits, StateStore, fingerprint};
use crate::node::{FenceCheck, LockModel};
use crate::scenario::NetworkMode;
use crate::world::{Action, Orbits, PackedStore, Payload, Status, World, WorldConfig, WorldState};

/// A fairness class: which fairness constraint an edge belongs to.
pub type Class = u64;
/// Not fair-required: faults.
pub const UNCONSTRAINED: Class = 0;
/// Real time passing.
pub const TICK: Class = 1;

/// The time-shift abstraction of one world.
#[derive(Clone, Debug)]
pub struct Abstraction {
    /// States at or past this real tick are canonical.
    pub base: u32,
    pub period: u32,
    age_max: u32,
    pause_max: u32,
    /// Endless rounds: the world's own per-round counters are renumbered
    /// too (see [`forget_round_counters`]).
    endless: bool,
    /// Request ids are renumbered as the safety search does, where that is
    /// sound.
    renumber_ids: bool,
    /// Whether to watch for messages in flight that carry times (a network
    /// without a delivery deadline, for a model whose times the harness
    /// shifts), and whether one was seen.
    message_times_watched: bool,
    message_times_seen: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Clocks may run at rates other than 100%: each node's clock, timers
    /// and instants move by its own amount ([`Abstraction::canonicalize`]).
    drift: bool,
}

impl Abstraction {
    /// The abstraction for `world`, or why liveness cannot be checked.
    pub fn new<M: LockModel>(world: &World<M>) -> Result<Abstraction, String> {
        let times = world.model.times().is_some();
        let period = world
            .model
            .time_shift_period()
            .filter(|_| times)
            .ok_or_else(|| {
                "the model hands the harness none of its times (LockModel::times), so the liveness checker cannot make time finite".to_string()
            })?;
        let drift_percent = world.cfg.faults.clock.drift_percent_max;
        let endless = world.cfg.rounds.is_endless();
        if endless && !world.model.rounds_bounded() {
            return Err(
                "endless rounds: the model does not declare that the counters that grow with every round stay bounded (LockModel::rounds_bounded: fencing tokens, sequence or session numbers), so its graph would never end".into(),
            );
        }
        // Conditional writes shift the newest write's rank as a version
        // (see [`forget_round_counters`]): every write must then carry its
        // version, which a write made in two steps or a stamp does not.
        if endless
            && world.model.conditional_writes()
            && matches!(
                world.model.fence_check(),
                FenceCheck::CheckThenWrite | FenceCheck::EachResourceAlone
            )
        {
            return Err(
                "endless rounds: this model's conditional writes go with writes that carry no version (a check-then-write or a stamp), whose ranks the checker cannot shift with the versions".into(),
            );
        }
        let net = &world.cfg.network;
        // Fairness tells messages apart by their content, and the shift
        // rewrites the times a message carries at every tick: a message
        // that may stay in flight forever (no delivery deadline) would look
        // like a new one at each tick, and a cycle that never delivers it
        // could pass for fair. Without a deadline, the graph is built only
        // while no message in flight carries a time
        // ([`Abstraction::message_times_seen`]).
        //
        // Under drift, the harness moves each node's instants with that
        // node's clock, which is exact only while every instant stays on
        // the node whose clock it was read from: there, the graph is used
        // only if no message in flight ever carries one (see
        // [`Abstraction::canonicalize`]).
        let message_times_watched = net.mode != NetworkMode::Bounded || drift_percent != 0;
        let renumber_ids = world
            .model
            .client_symmetry()
            .is_some_and(|sym| world.renumbers_ids(&sym));
        let age_max = match net.mode {
            NetworkMode::Bounded => net.delay_ticks_max.unwrap_or(0).max(net.delay_ticks_min),
            NetworkMode::Asynchronous | NetworkMode::Atomic => net.delay_ticks_min,
        };
        let pause_max = world
            .cfg
            .faults
            .pause
            .as_ref()
            .map_or(1, |p| p.ticks_max.max(1));
        // Drifting clocks move by `p * rate / 100` ticks while real time
        // moves by `p`: the shift is a whole number of the model's periods
        // on every clock (which keeps a model that aligns to its period,
        // on its own clock, aligned) only for shifts that make it one at
        // every rate. `p = 100 * period` always does.
        let model_period = period.max(1);
        let rates = [100 - drift_percent, 100, 100 + drift_percent];
        let period = (1..=100)
            .map(|k| k * model_period)
            .find(|p| {
                rates
                    .iter()
                    .all(|r| p * r % 100 == 0 && (p * r / 100) % model_period == 0)
            })
            .expect("100 periods is a whole number of ticks at any rate");
        Ok(Abstraction {
            base: world.cfg.faults_until_ticks + age_max.max(pause_max),
            period,
            drift: drift_percent != 0,
            age_max,
            pause_max,
            endless,
            renumber_ids,
            message_times_watched,
            message_times_seen: Default::default(),
        })
    }

    /// Replaces `s` by its canonical representative; returns the real time
    /// subtracted.
    pub fn canonicalize<M: LockModel>(&self, world: &World<M>, s: &mut WorldState<M>) -> u32 {
        if self.endless {
            forget_round_counters(s, world.model.conditional_writes());
        }
        // Under drift, an instant that ever travels could end up compared
        // with another node's clock, so every state is watched, not only
        // those past `base`.
        if self.drift {
            self.watch_message_times(world, s);
        }
        if s.now < self.base {
            return 0;
        }
        let shift = (s.now - self.base) / self.period * self.period;
        let old_now = s.now;
        let now = old_now - shift;
        s.now = now;
        let d = shift as i64;
        // How far each node's clocks moved: `d` at 100%, and under drift
        // `d * rate / 100`, a whole number since `period` makes it one.
        let node_shifts: Vec<i64> = s
            .clocks
            .iter()
            .map(|c| d * c.rate_percent as i64 / 100)
            .collect();
        let servers = s.servers.len();
        for (i, sv) in s.servers.iter_mut().enumerate() {
            for (_, at) in &mut sv.timers {
                *at -= node_shifts[i];
            }
            sv.status = self.cap_pause(sv.status, old_now, now);
        }
        for (i, c) in s.clients.iter_mut().enumerate() {
            for (_, at) in &mut c.timers {
                *at -= node_shifts[servers + i];
            }
            c.status = self.cap_pause(c.status, old_now, now);
        }
        for e in &mut s.network {
            let age = (old_now - e.sent_at).min(self.age_max);
            e.sent_at = now - age;
        }
        if let Some(tv) = world.model.times() {
            if self.drift {
                world.shift_times_per_node(&tv, s, &node_shifts);
            } else {
                self.watch_message_times(world, s);
                world.shift_times(&tv, s, d);
            }
            world.renumber_nonces(&tv, s);
            world.renumber_tokens(&tv, s);
        }
        if self.renumber_ids
            && let Some(sym) = world.model.client_symmetry()
        {
            world.renumber_ids(&sym, s);
        }
        shift
    }

    /// Notes whether a message in flight in `s` carries an instant, where
    /// that is watched (see [`Abstraction::new`]).
    fn watch_message_times<M: LockModel>(&self, world: &World<M>, s: &WorldState<M>) {
        if self.message_times_watched
            && let Some(tv) = world.model.times()
            && world.message_times(&tv, s)
        {
            self.message_times_seen
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Why the graph built with this abstraction does not decide liveness,
    /// if a message in flight carried a time on a network without a
    /// delivery deadline (see [`Abstraction::new`]).
    pub fn message_times_seen(&self) -> Option<String> {
        self.message_times_seen
            .load(std::sync::atomic::Ordering::Relaxed)
            .then(|| {
                if self.drift {
                    "clock drift, and a message carried a time from one node to another: drifting clocks part without bound, so a time compared with another node's clock cannot be shifted with either".to_string()
                } else {
                    "a network without a delivery deadline, and messages that carry times: the harness's time shift rewrites them, and fairness would no longer recognize a message that stays in flight".to_string()
                }
            })
    }

    fn cap_pause(&self, status: Status, old_now: u32, now: u32) -> Status {
        match status {
            Status::Paused { since } => Status::Paused {
                since: now - (old_now - since).min(self.pause_max),
            },
            other => other,
        }
    }
}

/// Under endless rounds, the world's own counters that grow with every
/// round, renumbered where nothing behaves differently and every label
/// (safety ones included) stays the same; this holds at any time, fault or
/// not, so it applies to every state:
/// - the protected counter's value and write count, and the values its
///   reads and writes in flight carry and its holders have read, are
///   shifted down together so that the smallest is 0: a client writes back
///   what it read plus one, and the only comparison is `resource_safe`'s
///   value against write count. Where writes are conditional, the record's
///   versions (the write count, and every copy read or carried by a
///   conditional write) shift with them by the same amount, and so does
///   the rank of the newest accepted write, which is then the version it
///   was based on plus one: the resource compares a write's version with
///   its count for equality, and `resource_safe` a write's rank with the
///   newest one's for order, and a common shift keeps both;
/// - where no write is conditional, once `resource_safe` is false it stays
///   false, and the values no
///   longer matter: they all become 0 and the write count 1. (A write
///   count ahead of the value stays ahead: a write of `v + 1`, `v` read
///   when the count was `w0` and is now `w`, leaves the count `w + 1`
///   ahead by `w - v >= 0`, which is 0 only if `v = w0 = w`, that is if
///   nothing was written since a read that found the value equal to the
///   count, and then the two were equal before this write. A stale write
///   accepted stays noted.) Without this, each lost update under endless
///   rounds would widen the gap between value and count, and the graph of
///   a lock that loses updates would never end;
/// - grant numbers (`epoch`, which ties the resource's replies to a
///   critical section, and, where writes are not conditional, the rank of
///   the newest accepted write, which `resource_safe` compares with a later
///   one's) are renumbered 1, 2, ...
///   in their order, the last one handed out (`grants`) the largest, so the
///   next grant is still the newest; 0 (no grant yet) stays 0.
///
/// The client's round counter saturates in the world itself
/// (`Rounds::count`), and fencing tokens (the resource's highest, and the
/// ghost of the highest it accepted a write with) are renumbered with the
/// model's `FenceToken`s (`src/world/tokens.rs`).
fn forget_round_counters<M: LockModel>(s: &mut WorldState<M>, conditional_writes: bool) {
    if conditional_writes || !forget_values_once_unsafe(s) {
        let mut low = s.resource.writes_accepted;
        each_value(s, |v| low = low.min(*v));
        each_version(s, |v| low = low.min(*v));
        each_value(s, |v| *v -= low);
        each_version(s, |v| *v -= low);
        s.resource.writes_accepted -= low;
        if conditional_writes {
            // The rank of the newest accepted write is the version it was
            // based on plus one (no lower than any version still to come).
            let r = &mut s.resource;
            r.last_write_rank = r.last_write_rank.saturating_sub(low as u64);
        }
    }
    let mut epochs: Vec<u64> = vec![0, s.grants as u64];
    if !conditional_writes {
        epochs.push(s.resource.last_write_rank);
    }
    epochs.extend(s.clients.iter().map(|c| c.work.epoch as u64));
    for e in &mut s.network {
        if let Payload::Resource(m) = &mut e.payload {
            epochs.push(*m.epoch_mut() as u64);
        }
    }
    epochs.sort_unstable();
    epochs.dedup();
    // `epochs[0]` is 0, which maps to itself.
    let rank = |e: u64| epochs.binary_search(&e).expect("collected above") as u64;
    let epoch = |e: &mut u16| *e = rank(*e as u64) as u16;
    if !conditional_writes {
        let r = &mut s.resource;
        r.last_write_rank = rank(r.last_write_rank);
    }
    epoch(&mut s.grants);
    for c in &mut s.clients {
        epoch(&mut c.work.epoch);
    }
    for e in &mut s.network {
        if let Payload::Resource(m) = &mut e.payload {
            epoch(m.epoch_mut());
        }
    }
    s.network.sort();
}

/// Once `resource_safe` is false it stays false (see
/// [`forget_round_counters`]), and the protected counter's values matter to
/// nothing: they all become 0 and the write count 1. Only under endless
/// rounds, and only where no write is conditional (a conditional write
/// compares the write count, so the count still matters). Whether it
/// applied; the caller sorts the network.
fn forget_values_once_unsafe<M: LockModel>(s: &mut WorldState<M>) -> bool {
    let r = &s.resource;
    if r.value == r.writes_accepted && !r.stale_write_accepted {
        return false;
    }
    each_value(s, |v| *v = 0);
    s.resource.writes_accepted = 1;
    true
}

/// Every copy of the protected counter's value: the resource's, the ones
/// reads and writes in flight carry, and the ones holders have read.
fn each_value<M: LockModel>(s: &mut WorldState<M>, mut f: impl FnMut(&mut u32)) {
    use crate::world::Phase;
    f(&mut s.resource.value);
    for c in &mut s.clients {
        if let Phase::Working { value, .. } = &mut c.work.phase {
            f(value);
        }
    }
    for e in &mut s.network {
        if let Payload::Resource(m) = &mut e.payload
            && let Some(value) = m.value_mut()
        {
            f(value);
        }
    }
}

/// Every copy of the record's version, where writes are conditional: the
/// ones reads' answers and conditional writes in flight carry, and the ones
/// holders have read. (The resource's own is its write count.)
fn each_version<M: LockModel>(s: &mut WorldState<M>, mut f: impl FnMut(&mut u32)) {
    use crate::world::Phase;
    for c in &mut s.clients {
        if let Phase::Working {
            version: Some(version),
            ..
        } = &mut c.work.phase
        {
            f(version);
        }
    }
    for e in &mut s.network {
        if let Payload::Resource(m) = &mut e.payload
            && let Some(version) = m.version_mut()
        {
            f(version);
        }
    }
}

/// The world the liveness checker explores: the scenario's, without the
/// horizon.
pub fn unbounded_world<M: LockModel>(model: M, cfg: &WorldConfig) -> World<M> {
    let mut cfg = cfg.clone();
    cfg.horizon_ticks = u32::MAX;
    World::new(model, cfg, crate::properties::properties::<M>)
}

/// The fairness class of an action.
pub fn class_of<Msg: Hash, Timer: Hash>(action: &Action<Msg, Timer>) -> Class {
    let keyed = |tag: u8, key: &dyn Fn(&mut xxhash_rust::xxh3::Xxh3)| -> Class {
        use std::hash::Hasher;
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        tag.hash(&mut h);
        key(&mut h);
        // Keep clear of the two reserved classes.
        h.finish() | 2
    };
    match action {
        Action::Tick => TICK,
        // Delivering or (where the scenario allows it) losing one message.
        Action::Deliver(e) | Action::Drop(e) => keyed(1, &|h| {
            e.src.hash(h);
            e.dst.hash(h);
            e.payload.hash(h);
        }),
        Action::Fire { node, timer } => keyed(2, &|h| {
            node.hash(h);
            timer.hash(h);
        }),
        Action::Restart(n) => keyed(3, &|h| n.hash(h)),
        Action::Resume(n) => keyed(4, &|h| n.hash(h)),
        Action::Heal => keyed(5, &|_| {}),
        // A running holder's finished work, due as a timer is.
        Action::WorkDone(n) => keyed(6, &|h| n.hash(h)),
        Action::Duplicate(_)
        | Action::Crash(_)
        | Action::Pause(_)
        | Action::Isolate(_)
        | Action::Split(_)
        | Action::ClockJump { .. } => UNCONSTRAINED,
    }
}

/// One edge of the graph.
#[derive(Clone, Copy, Debug)]
pub struct Edge {
    pub to: u32,
    /// The action's index in `actions()` of the source state.
    pub action: u32,
    pub class: Class,
}

/// The explicit state graph, in breadth-first order.
#[derive(Default)]
pub struct Graph {
    /// `edges[first[v] as usize..first[v + 1] as usize]` leave `v`.
    pub first: Vec<u32>,
    pub edges: Vec<Edge>,
    /// The breadth-first tree: the edge that first reached each state, as
    /// (parent, action index); an initial state has parent `ROOT` and its
    /// initial-state index.
    pub tree: Vec<(u32, u32)>,
}

pub const ROOT: u32 = u32::MAX;

impl Graph {
    /// A graph from an edge list (`(from, to, class)`), for tests; every
    /// state is an initial state reached from nothing.
    pub fn from_edges(states: usize, edges: &[(u32, u32, Class)]) -> Graph {
        let mut g = Graph {
            first: vec![0],
            edges: Vec::new(),
            tree: (0..states).map(|i| (ROOT, i as u32)).collect(),
        };
        for v in 0..states as u32 {
            for (i, (_, to, class)) in edges.iter().enumerate().filter(|(_, e)| e.0 == v) {
                g.edges.push(Edge {
                    to: *to,
                    action: i as u32,
                    class: *class,
                });
            }
            g.first.push(g.edges.len() as u32);
        }
        g
    }

    pub fn len(&self) -> usize {
        self.first.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn out(&self, v: u32) -> &[Edge] {
        &self.edges[self.first[v as usize] as usize..self.first[v as usize + 1] as usize]
    }

    fn out_range(&self, v: u32) -> std::ops::Range<usize> {
        self.first[v as usize] as usize..self.first[v as usize + 1] as usize
    }
}

/// What each state says about the clients, for the properties.
#[derive(Clone, Copy, Debug, Default)]
pub struct Label {
    /// Bit `i`: client `i` is live (not crashed) and waits for the lock.
    pub waiting: u32,
    /// Some live client believes it holds the lock.
    pub live_holder: bool,
}

impl Label {
    pub fn of<M: LockModel>(s: &WorldState<M>) -> Label {
        let mut waiting = 0;
        for (i, c) in s.clients.iter().enumerate() {
            if !c.status.is_crashed() && c.work.phase == crate::world::Phase::Acquiring {
                waiting |= 1 << i;
            }
        }
        Label {
            waiting,
            live_holder: s
                .clients
                .iter()
                .any(|c| !c.status.is_crashed() && c.work.holds),
        }
    }
}

/// The built graph of one world.
pub struct Explored {
    pub graph: Graph,
    pub labels: Vec<Label>,
    pub transitions: u64,
    pub depth: u32,
    /// Built with orbits: how its states and edges unfold (see [`unfold`]).
    pub quotient: Option<Quotient>,
}

/// What a graph of orbits records to unfold into the real graph: a real
/// state is `g(representative)` for a permutation `g`, its frame.
#[derive(Default)]
pub struct Quotient {
    /// Per edge: the permutation that took the step's target to its
    /// representative.
    pub edge_frames: Vec<u8>,
    /// Per edge, the class of the edge's action moved by each permutation
    /// but the identity (whose class is the edge's own), in order.
    pub edge_classes: Vec<Class>,
    /// Per state: the permutations that leave its representative as it
    /// is, as a bit set.
    pub stabilizers: Vec<u64>,
    /// Per initial state of the world, in order: its orbit's state and the
    /// permutation that took it to its representative.
    pub inits: Vec<(u32, u8)>,
}

fn unfinished(bound: Bound, states: usize, transitions: u64, depth: u32) -> Unfinished {
    Unfinished {
        bound,
        states: states as u64,
        transitions,
        depth,
    }
}

/// A graph whose building stopped at a bound: how far it got.
#[derive(Debug)]
pub struct Unfinished {
    pub bound: Bound,
    pub states: u64,
    pub transitions: u64,
    pub depth: u32,
}

/// Builds the canonical state graph of `world` breadth first.
pub fn explore<M: LockModel>(
    world: &World<M>,
    abs: &Abstraction,
    orbits: Option<&Orbits<M>>,
    limits: &SearchLimits,
    threads: usize,
) -> Result<Explored, Unfinished> {
    // With `orbits`, a state stands for its orbit: `quotient` records how
    // each edge's target was permuted to its representative, and the
    // classes and labels of the edge in every frame, for [`unfold`].
    let canonical =
        |mut s: WorldState<M>, parent: Option<(&WorldState<M>, &[u128])>| -> (WorldState<M>, u8) {
            abs.canonicalize(world, &mut s);
            match orbits {
                Some(o) => o.representative(world, s, parent),
                None => (s, 0),
            }
        };
    let frames = orbits.map_or(1, |o| o.len());
    let mut quotient = orbits.map(|_| Quotient::default());
    let started = Instant::now();
    let memory = super::memory::Guard::new(limits.memory);
    // The bound that stops the building, between levels or inside one
    // (time, then an interrupt, then memory, when several strike at once).
    let cut_short = |timed_out: bool, memory_reached: bool, states: usize| {
        if timed_out {
            Some(Bound::Time(limits.time_max))
        } else if crate::engine::interrupt::requested() {
            Some(Bound::Interrupted {
                states: states as u64,
            })
        } else if memory_reached {
            Some(Bound::Memory {
                mb: memory.reached().expect("a memory limit was reached"),
                states: states as u64,
            })
        } else {
            None
        }
    };
    // Keys are fingerprints already: no need to hash them again.
    let mut ids: HashMap<u128, u32, std::hash::BuildHasherDefault<super::bfs::FingerprintHasher>> =
        HashMap::default();
    let mut labels = Vec::new();
    let mut tree = Vec::new();
    // The frontier is kept packed, as the safety search keeps its own: a
    // full world state costs some 0.4 to 1.5 KB, its packing 20 to 60
    // bytes, and a wide level holds millions. States get ids in the order
    // they join the frontier, so the frontier's ids run from
    // `frontier_first` up, one per packed state.
    let store = PackedStore::<M>::new();
    let mut frontier = <PackedStore<M> as StateStore<WorldState<M>>>::Level::default();
    let mut frontier_first = 0u32;
    for (i, s) in world.init_states().into_iter().enumerate() {
        let (s, g) = canonical(s, None);
        let mut cursor = Default::default();
        let fp = store.identify(&s, None, &mut cursor);
        let id = match ids.entry(fp) {
            std::collections::hash_map::Entry::Vacant(e) => {
                let id = labels.len() as u32;
                e.insert(id);
                labels.push(Label::of(&s));
                tree.push((ROOT, i as u32));
                if let (Some(q), Some(o)) = (quotient.as_mut(), orbits) {
                    q.stabilizers.push(o.stabilizer(world, &s));
                }
                store.push(&mut frontier, s, &mut cursor);
                id
            }
            std::collections::hash_map::Entry::Occupied(e) => *e.get(),
        };
        if let Some(q) = quotient.as_mut() {
            q.inits.push((id, g));
        }
    }
    // Edges per state, filled as each level is merged (states are expanded
    // in id order, so the lists come out in order too).
    let mut first = vec![0u32];
    let mut edges: Vec<Edge> = Vec::new();
    let mut transitions = 0u64;
    let mut depth = 0u32;
    struct Succ {
        parent: u32,
        action: u32,
        class: Class,
        /// With orbits: the permutation that made the target canonical.
        frame: u8,
        to: Target,
    }
    /// Where a successor leads. Most successors are known already when they
    /// are generated: their id is final (`ids` only grows), so the merge
    /// need not look them up again. A state new to the graph when generated
    /// was packed into the worker's level, and only its fingerprint and
    /// label wait for the merge.
    enum Target {
        Known(u32),
        Fresh {
            fp: u128,
            label: Label,
            stabilizer: u64,
        },
    }
    // Successor batches are reused from level to level: a level's batch
    // runs to millions of records, and a fresh one would be grown (and its
    // pages faulted in) anew each time.
    let mut spare: Vec<(Vec<Succ>, Vec<Class>)> = Vec::new();
    while store.len(&frontier) > 0 {
        // Under drift, a time that left its node makes the graph unusable
        // (see [`Abstraction::message_times_seen`]), and possibly endless:
        // stop building it.
        if abs.drift && abs.message_times_seen().is_some() {
            break;
        }
        let late = started.elapsed() > limits.time_max;
        if let Some(bound) = cut_short(late, memory.over(), labels.len()) {
            return Err(unfinished(bound, labels.len(), transitions, depth));
        }
        if limits.depth_max.is_some_and(|d| depth > d) {
            return Err(unfinished(
                Bound::Depth(depth - 1),
                labels.len(),
                transitions,
                depth - 1,
            ));
        }
        let frontier_len = store.len(&frontier);
        // A wide level takes minutes (eight clients), so the time limit and
        // an interrupt are honoured inside it, as the memory limit is, not
        // only between levels: a search must end with its verdict, never be
        // killed from outside for overrunning its own limit.
        let timed_out = AtomicBool::new(false);
        let expand = |range: std::ops::Range<usize>,
                      (mut out, mut classes): (Vec<Succ>, Vec<Class>)| {
            let _worker = memory.worker();
            let mut level = <PackedStore<M> as StateStore<WorldState<M>>>::Level::default();
            let mut cursor = Default::default();
            let mut actions = Vec::new();
            for (n, index) in range.enumerate() {
                if n % 256 == 255 {
                    if started.elapsed() > limits.time_max {
                        timed_out.store(true, Ordering::Relaxed);
                    }
                    if memory.over()
                        || timed_out.load(Ordering::Relaxed)
                        || crate::engine::interrupt::requested()
                    {
                        break;
                    }
                }
                let s = store.open(&frontier, index, &mut cursor);
                let id = frontier_first + index as u32;
                let keys = orbits.map(|o| o.node_keys(world, &s));
                actions.clear();
                world.actions(&s, &mut actions);
                for (ai, a) in actions.iter().enumerate() {
                    if let Some(next) = world.next_state(&s, a.clone()) {
                        let (next, frame) = canonical(next, keys.as_deref().map(|k| (&*s, k)));
                        let fp = store.identify(&next, Some(&s), &mut cursor);
                        let to = match ids.get(&fp) {
                            Some(&known) => Target::Known(known),
                            None => {
                                let label = Label::of(&next);
                                let stabilizer = orbits.map_or(1, |o| o.stabilizer(world, &next));
                                store.push(&mut level, next, &mut cursor);
                                Target::Fresh {
                                    fp,
                                    label,
                                    stabilizer,
                                }
                            }
                        };
                        if let Some(o) = orbits {
                            classes.extend(
                                (1..frames).map(|g| class_of(&o.permute_action(a, g as u8))),
                            );
                        }
                        out.push(Succ {
                            parent: id,
                            action: ai as u32,
                            class: class_of(a),
                            frame,
                            to,
                        });
                    }
                }
            }
            ((out, classes), level)
        };
        let batches: Vec<_> = if threads <= 1 || frontier_len < 64 {
            vec![expand(0..frontier_len, spare.pop().unwrap_or_default())]
        } else {
            let chunk = frontier_len.div_ceil(threads);
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..frontier_len)
                    .step_by(chunk)
                    .map(|lo| {
                        let expand = &expand;
                        let out = spare.pop().unwrap_or_default();
                        scope.spawn(move || expand(lo..(lo + chunk).min(frontier_len), out))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a liveness thread panicked"))
                    .collect()
            })
        };
        // A level cut short is not merged: the graph keeps only whole levels.
        let late = timed_out.load(Ordering::Relaxed);
        if let Some(bound) = cut_short(late, memory.reached().is_some(), labels.len()) {
            return Err(unfinished(bound, labels.len(), transitions, depth));
        }
        let next_first = labels.len() as u32;
        let mut next_frontier = <PackedStore<M> as StateStore<WorldState<M>>>::Level::default();
        let mut parent_at = frontier_first;
        let mut keep = Vec::new();
        for ((mut batch, mut classes), mut level) in batches {
            keep.clear();
            if let Some(q) = quotient.as_mut() {
                q.edge_classes.append(&mut classes);
            }
            for succ in batch.drain(..) {
                transitions += 1;
                // Close the edge lists of the states before this successor's
                // parent (states with no successor get empty lists).
                while parent_at < succ.parent {
                    first.push(edges.len() as u32);
                    parent_at += 1;
                }
                let to = match succ.to {
                    Target::Known(id) => id,
                    Target::Fresh {
                        fp,
                        label,
                        stabilizer,
                    } => match ids.entry(fp) {
                        std::collections::hash_map::Entry::Occupied(e) => {
                            // New when generated, but an earlier successor
                            // of this level was the same state.
                            keep.push(false);
                            *e.get()
                        }
                        std::collections::hash_map::Entry::Vacant(e) => {
                            let id = labels.len() as u32;
                            e.insert(id);
                            labels.push(label);
                            tree.push((succ.parent, succ.action));
                            if let Some(q) = quotient.as_mut() {
                                q.stabilizers.push(stabilizer);
                            }
                            keep.push(true);
                            id
                        }
                    },
                };
                edges.push(Edge {
                    to,
                    action: succ.action,
                    class: succ.class,
                });
                if let Some(q) = quotient.as_mut() {
                    q.edge_frames.push(succ.frame);
                }
            }
            let mut kept = keep.iter();
            store.retain(&mut level, &mut || {
                *kept.next().expect("one flag per state")
            });
            store.append(&mut next_frontier, level);
            spare.push((batch, classes));
        }
        let last = frontier_first + frontier_len as u32 - 1;
        while parent_at <= last {
            first.push(edges.len() as u32);
            parent_at += 1;
        }
        if labels.len() as u64 > limits.states_max {
            let bound = Bound::States(limits.states_max);
            return Err(unfinished(bound, labels.len(), transitions, depth + 1));
        }
        if store.len(&next_frontier) > 0 {
            depth += 1;
        }
        frontier = next_frontier;
        frontier_first = next_first;
    }
    Ok(Explored {
        graph: Graph { first, edges, tree },
        labels,
        transitions,
        depth,
        quotient,
    })
}

/// The real graph of a graph of orbits, and each of its states' frame.
///
/// A real state is `g(r)` for the representative `r` of its orbit and a
/// permutation `g`, its frame (any `g` times a permutation that leaves `r`
/// as it is: the smallest such is kept, so each real state has one node).
/// Steps commute with permutations, so the steps of `g(r)` are the images
/// under `g` of the steps of `r`: an edge of the orbit graph from `r` by
/// action `a` to a state that permutation `s` took to `r'` gives, in frame
/// `g`, the edge by `g(a)` to `r'` in frame `g s^-1`, whose fairness class
/// is that of `g(a)` (recorded when the edge was found). The nodes are
/// numbered breadth first from the world's initial states, in their
/// order; an edge's action index is that of the representative's action,
/// which [`lasso`] moves into the frame. Every state reached is a real
/// state, and every real state is reached with all its steps, so the
/// graph is the real one, up to the order of its nodes and edges.
///
/// The real graph may be up to the group's size times larger: past
/// `states_max` states, the unfolding stops with the state limit, as a
/// graph built state by state would.
pub fn unfold<M: LockModel>(
    orbits: &Orbits<M>,
    q: Explored,
    states_max: u64,
) -> Result<(Explored, Vec<u8>), Unfinished> {
    let quotient = q.quotient.expect("a graph of orbits");
    let frames_n = orbits.len();
    let unseen = u32::MAX;
    let mut index = vec![unseen; q.labels.len() * frames_n];
    // The frame that stands for `g` at `state`: the smallest of `g h` over
    // the permutations `h` that leave the representative as it is.
    let frame_of = |state: u32, g: u8| -> u8 {
        let stabilizer = quotient.stabilizers[state as usize];
        (1..frames_n as u8)
            .filter(|h| stabilizer & (1 << h) != 0)
            .map(|h| orbits.compose(g, h))
            .fold(g, u8::min)
    };
    // Sized for the most the graph can unfold to (a state in every
    // frame): the part never written costs no memory.
    let nodes_max = q.labels.len() * frames_n;
    let mut nodes: Vec<(u32, u8)> = Vec::with_capacity(nodes_max);
    let mut labels = Vec::with_capacity(nodes_max);
    let mut tree = Vec::with_capacity(nodes_max);
    let mut reach = |state: u32,
                     g: u8,
                     from: (u32, u32),
                     nodes: &mut Vec<(u32, u8)>,
                     labels: &mut Vec<Label>,
                     tree: &mut Vec<(u32, u32)>|
     -> u32 {
        let g = frame_of(state, g);
        let slot = &mut index[state as usize * frames_n + g as usize];
        if *slot == unseen {
            *slot = nodes.len() as u32;
            nodes.push((state, g));
            let l = q.labels[state as usize];
            labels.push(Label {
                waiting: orbits.permute_clients(l.waiting, g),
                live_holder: l.live_holder,
            });
            tree.push(from);
        }
        *slot
    };
    for (i, &(state, to_rep)) in quotient.inits.iter().enumerate() {
        let g = orbits.inverse(to_rep);
        reach(
            state,
            g,
            (ROOT, i as u32),
            &mut nodes,
            &mut labels,
            &mut tree,
        );
    }
    let mut first = Vec::with_capacity(nodes_max + 1);
    first.push(0u32);
    let mut edges = Vec::with_capacity(q.graph.edges.len() * frames_n);
    let mut v = 0;
    while v < nodes.len() {
        let (state, g) = nodes[v];
        for e in q.graph.out_range(state) {
            let edge = q.graph.edges[e];
            let to_rep = quotient.edge_frames[e];
            let h = orbits.compose(g, orbits.inverse(to_rep));
            let to = reach(
                edge.to,
                h,
                (v as u32, edge.action),
                &mut nodes,
                &mut labels,
                &mut tree,
            );
            let class = match g {
                0 => edge.class,
                g => quotient.edge_classes[e * (frames_n - 1) + g as usize - 1],
            };
            edges.push(Edge {
                to,
                action: edge.action,
                class,
            });
        }
        first.push(edges.len() as u32);
        v += 1;
        if nodes.len() as u64 > states_max {
            let bound = Bound::States(states_max);
            return Err(unfinished(bound, nodes.len(), edges.len() as u64, q.depth));
        }
    }
    let frames = nodes.iter().map(|&(_, g)| g).collect();
    let transitions = edges.len() as u64;
    let unfolded = Explored {
        graph: Graph { first, edges, tree },
        labels,
        transitions,
        depth: q.depth,
        quotient: None,
    };
    Ok((unfolded, frames))
}

/// Calls `found` with each strongly connected component of the subgraph of
/// states where `keep` holds (iterative Tarjan; components come out in a
/// fixed order).
pub fn sccs(g: &Graph, keep: &dyn Fn(u32) -> bool, found: &mut dyn FnMut(&[u32])) {
    const UNSEEN: u32 = u32::MAX;
    let n = g.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut call: Vec<(u32, usize)> = Vec::new();
    let mut counter = 0u32;
    for root in 0..n as u32 {
        if !keep(root) || index[root as usize] != UNSEEN {
            continue;
        }
        index[root as usize] = counter;
        low[root as usize] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        call.push((root, g.first[root as usize] as usize));
        while let Some(top) = call.last_mut() {
            let v = top.0;
            if top.1 < g.first[v as usize + 1] as usize {
                let w = g.edges[top.1].to;
                top.1 += 1;
                if !keep(w) {
                    continue;
                }
                if index[w as usize] == UNSEEN {
                    index[w as usize] = counter;
                    low[w as usize] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    call.push((w, g.first[w as usize] as usize));
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
            } else {
                call.pop();
                if let Some(&(u, _)) = call.last() {
                    low[u as usize] = low[u as usize].min(low[v as usize]);
                }
                if low[v as usize] == index[v as usize] {
                    let mut comp = Vec::new();
                    loop {
                        let w = stack.pop().expect("v is on the stack");
                        on_stack[w as usize] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    comp.sort_unstable();
                    found(&comp);
                }
            }
        }
    }
}

/// The classes enabled at `v`: those of its outgoing edges.
fn enabled(g: &Graph, v: u32) -> BTreeSet<Class> {
    g.out(v)
        .iter()
        .map(|e| e.class)
        .filter(|c| *c != UNCONSTRAINED)
        .collect()
}

/// Whether the component `comp` (sorted) holds a fair cycle.
pub fn is_fair(g: &Graph, comp: &[u32]) -> bool {
    let inside = |w: u32| comp.binary_search(&w).is_ok();
    let mut taken = BTreeSet::new();
    let mut internal = false;
    for &v in comp {
        for e in g.out(v) {
            if inside(e.to) {
                internal = true;
                taken.insert(e.class);
            }
        }
    }
    if !internal || !taken.contains(&TICK) {
        return false;
    }
    let mut always = enabled(g, comp[0]);
    for &v in &comp[1..] {
        if always.is_empty() {
            break;
        }
        let here = enabled(g, v);
        always.retain(|c| here.contains(c));
    }
    always.iter().all(|c| taken.contains(c))
}

/// The fair component whose first-reached state is smallest, if any, among
/// the states where `bad` holds.
pub fn first_fair_component(g: &Graph, bad: &dyn Fn(u32) -> bool) -> Option<Vec<u32>> {
    let mut best: Option<Vec<u32>> = None;
    sccs(g, bad, &mut |comp| {
        if best.as_ref().is_some_and(|b| b[0] <= comp[0]) {
            return;
        }
        if is_fair(g, comp) {
            best = Some(comp.to_vec());
        }
    });
    best
}

/// The shortest path (as edge indices) inside `comp` from `from` to a state
/// where `goal` holds.
fn path_inside(g: &Graph, comp: &[u32], from: u32, goal: &dyn Fn(u32) -> bool) -> Vec<usize> {
    if goal(from) {
        return Vec::new();
    }
    let inside = |w: u32| comp.binary_search(&w).is_ok();
    let mut prev: HashMap<u32, (u32, usize)> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    prev.insert(from, (ROOT, 0));
    while let Some(v) = queue.pop_front() {
        for ei in g.out_range(v) {
            let w = g.edges[ei].to;
            if !inside(w) || prev.contains_key(&w) {
                continue;
            }
            prev.insert(w, (v, ei));
            if goal(w) {
                let mut path = vec![ei];
                let mut at = v;
                while at != from {
                    let (p, e) = prev[&at];
                    path.push(e);
                    at = p;
                }
                path.reverse();
                return path;
            }
            queue.push_back(w);
        }
    }
    panic!("a strongly connected component is connected");
}

enum Waypoint {
    Edge(usize),
    State(u32),
}

/// A fair cycle through `comp`'s first state, as edge indices.
pub fn fair_cycle(g: &Graph, comp: &[u32]) -> Vec<usize> {
    let entry = comp[0];
    let inside = |w: u32| comp.binary_search(&w).is_ok();
    let internal_edge = |class: Class| -> Option<usize> {
        comp.iter().find_map(|&v| {
            g.out_range(v)
                .find(|&ei| g.edges[ei].class == class && inside(g.edges[ei].to))
        })
    };
    let mut waypoints = vec![Waypoint::Edge(
        internal_edge(TICK).expect("a fair component has an internal tick"),
    )];
    loop {
        // The cycle through the waypoints, in order.
        let mut cycle = Vec::new();
        let mut at = entry;
        for w in &waypoints {
            match *w {
                Waypoint::Edge(ei) => {
                    let src = edge_source(g, ei);
                    cycle.extend(path_inside(g, comp, at, &|v| v == src));
                    cycle.push(ei);
                    at = g.edges[ei].to;
                }
                Waypoint::State(x) => {
                    cycle.extend(path_inside(g, comp, at, &|v| v == x));
                    at = x;
                }
            }
        }
        // Back to the entry, at least one step.
        cycle.extend(path_inside(g, comp, at, &|v| v == entry));
        // Is it fair? Every class enabled at all its states must be taken.
        let taken: BTreeSet<Class> = cycle.iter().map(|&ei| g.edges[ei].class).collect();
        let mut visited: Vec<u32> = cycle.iter().map(|&ei| edge_source(g, ei)).collect();
        visited.sort_unstable();
        visited.dedup();
        let mut always = enabled(g, visited[0]);
        for &v in &visited[1..] {
            let here = enabled(g, v);
            always.retain(|c| here.contains(c));
        }
        let Some(&missing) = always.iter().find(|c| !taken.contains(c)) else {
            return cycle;
        };
        // Take it, or visit a state of the component where it is disabled.
        match internal_edge(missing) {
            Some(ei) => waypoints.push(Waypoint::Edge(ei)),
            None => {
                let x = comp
                    .iter()
                    .copied()
                    .find(|&v| !g.out(v).iter().any(|e| e.class == missing))
                    .expect("a fair component takes or disables every class");
                waypoints.push(Waypoint::State(x));
            }
        }
    }
}

fn edge_source(g: &Graph, ei: usize) -> u32 {
    // `first` is sorted: the source is the last state whose list starts at
    // or before `ei`.
    (g.first.partition_point(|&f| f as usize <= ei) - 1) as u32
}

/// The stem: the breadth-first tree's path to `v`, as (initial-state index,
/// action indices).
pub fn stem(g: &Graph, v: u32) -> (usize, Vec<u32>) {
    let mut actions = Vec::new();
    let mut at = v;
    while g.tree[at as usize].0 != ROOT {
        let (parent, action) = g.tree[at as usize];
        actions.push(action);
        at = parent;
    }
    actions.reverse();
    (g.tree[at as usize].1 as usize, actions)
}

/// A lasso re-executed through the world.
pub struct Lasso<M: LockModel> {
    pub init_index: usize,
    pub actions: Vec<Action<M::Msg, M::Timer>>,
    /// Canonical states: `states[0]` is the initial state, `states[i + 1]`
    /// follows `actions[i]`; the last equals `states[loop_start]`.
    pub states: Vec<WorldState<M>>,
    /// Real time subtracted by the abstraction so far, per state.
    pub shifts: Vec<u64>,
    pub loop_start: usize,
}

/// A path through the canonical world: the actions taken, the states
/// (`states[0]` the initial one) and the real time subtracted so far per state.
pub type Executed<M> = (
    Vec<Action<<M as LockModel>::Msg, <M as LockModel>::Timer>>,
    Vec<WorldState<M>>,
    Vec<u64>,
);

/// Follows action indices from an initial state through the canonical world.
pub fn execute<M: LockModel>(
    world: &World<M>,
    abs: &Abstraction,
    init_index: usize,
    indices: &[u32],
) -> Executed<M> {
    let mut state = world.init_states().swap_remove(init_index);
    let mut total = abs.canonicalize(world, &mut state) as u64;
    let mut states = vec![state.clone()];
    let mut shifts = vec![total];
    let mut taken = Vec::new();
    let mut actions = Vec::new();
    for &ai in indices {
        actions.clear();
        world.actions(&state, &mut actions);
        let action = actions[ai as usize].clone();
        state = world
            .next_state(&state, action.clone())
            .expect("a recorded step must replay: the model is not deterministic");
        total += abs.canonicalize(world, &mut state) as u64;
        taken.push(action);
        states.push(state.clone());
        shifts.push(total);
    }
    (taken, states, shifts)
}

/// [`execute`] for a path of a graph unfolded from orbits: each step is
/// (the frame of the state it leaves, the index of the representative's
/// action), and the action taken is that action moved into the frame.
fn execute_in_frames<M: LockModel>(
    world: &World<M>,
    abs: &Abstraction,
    orbits: &Orbits<M>,
    init_index: usize,
    steps: &[(u8, u32)],
) -> Executed<M> {
    let mut state = world.init_states().swap_remove(init_index);
    let mut total = abs.canonicalize(world, &mut state) as u64;
    let mut states = vec![state.clone()];
    let mut shifts = vec![total];
    let mut taken = Vec::new();
    let mut actions = Vec::new();
    for &(frame, ai) in steps {
        let representative = orbits.permute(world, &state, orbits.inverse(frame));
        actions.clear();
        world.actions(&representative, &mut actions);
        let action = orbits.permute_action(&actions[ai as usize], frame);
        state = world
            .next_state(&state, action.clone())
            .expect("a recorded step must replay: the model is not deterministic");
        total += abs.canonicalize(world, &mut state) as u64;
        taken.push(action);
        states.push(state.clone());
        shifts.push(total);
    }
    (taken, states, shifts)
}

/// The lasso of a fair component: the shortest stem to its first state, then
/// a fair cycle back to it.
///
/// In a graph unfolded from orbits (`frames` given, see [`unfold`]), each
/// step's action is the representative's, moved into the frame of the
/// state it leaves.
pub fn lasso<M: LockModel>(
    world: &World<M>,
    abs: &Abstraction,
    g: &Graph,
    comp: &[u32],
    frames: Option<(&Orbits<M>, &[u8])>,
) -> Lasso<M> {
    let (init_index, mut indices) = stem(g, comp[0]);
    let loop_start = indices.len();
    let cycle = fair_cycle(g, comp);
    indices.extend(cycle.iter().map(|&ei| g.edges[ei].action));
    let (actions, states, shifts) = match frames {
        None => execute(world, abs, init_index, &indices),
        Some((orbits, frames)) => {
            // The state each step leaves: the stem's, then the cycle's.
            let mut sources = Vec::new();
            let mut at = comp[0];
            while g.tree[at as usize].0 != ROOT {
                at = g.tree[at as usize].0;
                sources.push(at);
            }
            sources.reverse();
            sources.extend(cycle.iter().map(|&ei| edge_source(g, ei)));
            let steps: Vec<(u8, u32)> = sources
                .iter()
                .zip(&indices)
                .map(|(&v, &ai)| (frames[v as usize], ai))
                .collect();
            execute_in_frames(world, abs, orbits, init_index, &steps)
        }
    };
    debug_assert_eq!(
        fingerprint(&states[loop_start]),
        fingerprint(states.last().expect("a cycle")),
        "the cycle closes"
    );
    Lasso {
        init_index,
        actions,
        states,
        shifts,
        loop_start,
    }
}

/// Why the loop `states[0] -actions[0]-> states[1] ... states[n]` is not a
/// counterexample to `property` (a liveness property), or `None` when it is:
/// it closes (`states[n]` equals `states[0]`), the property's obligation is
/// pending in every state, and repeating it is fair.
pub fn why_not_a_lasso<M: LockModel>(
    world: &World<M>,
    property: crate::properties::PropertyName,
    states: &[WorldState<M>],
    actions: &[Action<M::Msg, M::Timer>],
) -> Option<String> {
    use crate::properties::PropertyName;
    let n = actions.len();
    if fingerprint(&states[0]) != fingerprint(&states[n]) {
        return Some("the loop no longer closes: its last state differs from its first".into());
    }
    let labels: Vec<Label> = states[..n].iter().map(Label::of).collect();
    let pending = match property {
        PropertyName::DeadlockFree => labels.iter().all(|l| l.waiting != 0 && !l.live_holder),
        PropertyName::StarvationFree => labels.iter().fold(u32::MAX, |m, l| m & l.waiting) != 0,
        _ => false,
    };
    if !pending {
        return Some(format!(
            "some state of the loop satisfies `{property}`'s obligation"
        ));
    }
    let taken: BTreeSet<Class> = actions.iter().map(class_of).collect();
    if !taken.contains(&TICK) {
        return Some("time does not pass in the loop".into());
    }
    let mut always: Option<BTreeSet<Class>> = None;
    let mut offered = Vec::new();
    for s in &states[..n] {
        offered.clear();
        world.actions(s, &mut offered);
        let here: BTreeSet<Class> = offered
            .iter()
            .map(class_of)
            .filter(|c| *c != UNCONSTRAINED)
            .collect();
        always = Some(match always {
            None => here,
            Some(a) => a.intersection(&here).copied().collect(),
        });
    }
    if always.is_some_and(|a| a.iter().any(|c| !taken.contains(c))) {
        return Some("the loop is unfair: it never takes an action enabled throughout".into());
    }
    None
}

/// Whether a lasso found through the time shift is a run of the world
/// without it: from the concrete initial state `init`, takes for each step
/// of the stem, and then of the loop `repeats` times over, a concrete
/// successor whose canonical form is the recorded (canonical) state
/// `states[i + 1]`. Real time and every clock then run on unshifted
/// through the repetitions, so this checks the abstraction itself on the
/// lasso: a shift that did not commute with the model's steps would leave
/// some step without a counterpart. `None` if it unrolls; else which step
/// does not.
pub fn why_not_unrolled<M: LockModel>(
    world: &World<M>,
    abs: &Abstraction,
    init: WorldState<M>,
    states: &[WorldState<M>],
    loop_start: usize,
    repeats: usize,
) -> Option<String> {
    unroll(world, abs, init, states, loop_start, repeats).err()
}

/// The concrete run [`why_not_unrolled`] finds: the stem, then the loop
/// `repeats` more times, in real time (no shift), as `(states, actions)`
/// with `states[0] == init` and `states[i + 1]` following `actions[i]`. The
/// error says which step has no concrete counterpart.
#[allow(clippy::type_complexity)]
pub fn unroll<M: LockModel>(
    world: &World<M>,
    abs: &Abstraction,
    init: WorldState<M>,
    states: &[WorldState<M>],
    loop_start: usize,
    repeats: usize,
) -> Result<(Vec<WorldState<M>>, Vec<Action<M::Msg, M::Timer>>), String> {
    let n = states.len() - 1;
    let targets = (0..n).chain((0..repeats).flat_map(|_| loop_start..n));
    let mut run_states = vec![init];
    let mut run_actions = Vec::new();
    let mut offered = Vec::new();
    for (taken, i) in targets.enumerate() {
        let want = fingerprint(&states[i + 1]);
        let current = run_states.last().expect("the initial state");
        offered.clear();
        world.actions(current, &mut offered);
        let next = offered.drain(..).find_map(|a| {
            let next = world.next_state(current, a.clone())?;
            let mut canonical = next.clone();
            abs.canonicalize(world, &mut canonical);
            (fingerprint(&canonical) == want).then_some((next, a))
        });
        match next {
            Some((next, action)) => {
                run_states.push(next);
                run_actions.push(action);
            }
            None => {
                return Err(format!(
                    "the loop does not repeat in real time: step {} (the {} step of the run unrolled without the time shift, at real tick {}) has no counterpart",
                    i + 1,
                    taken + 1,
                    current.now
                ));
            }
        }
    }
    Ok((run_states, run_actions))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DELIVER: Class = 10;
    const FIRE: Class = 11;

    #[test]
    fn a_fair_cycle_is_found() {
        // 0 -> 1 -tick-> 2 -deliver-> 1
        let g = Graph::from_edges(3, &[(0, 1, DELIVER), (1, 2, TICK), (2, 1, DELIVER)]);
        let comp = first_fair_component(&g, &|_| true).expect("a fair cycle");
        assert_eq!(comp, vec![1, 2]);
        let cycle = fair_cycle(&g, &comp);
        assert_eq!(cycle.len(), 2);
        assert_eq!(g.edges[cycle[0]].class, TICK);
    }

    #[test]
    fn an_unfair_cycle_is_rejected() {
        // A cycle of ticks during which a delivery stays enabled and is
        // never taken inside the component: it leaves to a good state.
        let g = Graph::from_edges(
            3,
            &[
                (0, 1, TICK),
                (1, 0, TICK),
                (0, 2, DELIVER),
                (1, 2, DELIVER),
                (2, 2, TICK),
            ],
        );
        let bad = |v: u32| v != 2;
        assert_eq!(first_fair_component(&g, &bad), None);
        // If the delivery is disabled in one state of the cycle, it is fair.
        let g = Graph::from_edges(
            3,
            &[(0, 1, TICK), (1, 0, TICK), (0, 2, DELIVER), (2, 2, TICK)],
        );
        assert_eq!(first_fair_component(&g, &bad), Some(vec![0, 1]));
    }

    #[test]
    fn a_self_loop_of_time_is_fair_and_zeno_cycles_are_not() {
        let g = Graph::from_edges(2, &[(0, 1, FIRE), (1, 1, TICK)]);
        let comp = first_fair_component(&g, &|_| true).expect("time passing forever");
        assert_eq!(comp, vec![1]);
        assert_eq!(fair_cycle(&g, &comp).len(), 1);
        // No tick in the cycle: time would stop.
        let g = Graph::from_edges(2, &[(0, 1, FIRE), (1, 0, DELIVER)]);
        assert_eq!(first_fair_component(&g, &|_| true), None);
        // A state alone with no self loop is no cycle.
        let g = Graph::from_edges(1, &[]);
        assert_eq!(first_fair_component(&g, &|_| true), None);
    }

    #[test]
    fn the_cycle_visits_what_fairness_requires() {
        // Component {0, 1, 2}: the tick is 0 -> 1 -> 0, but a timer is
        // enabled in 0 and 1 and fires only 1 -> 2 -> 0.
        let g = Graph::from_edges(
            3,
            &[
                (0, 1, TICK),
                (1, 0, DELIVER),
                (1, 2, FIRE),
                (2, 0, DELIVER),
                (0, 0, FIRE),
            ],
        );
        let comp = first_fair_component(&g, &|_| true).expect("fair");
        let cycle = fair_cycle(&g, &comp);
        let classes: BTreeSet<Class> = cycle.iter().map(|&e| g.edges[e].class).collect();
        assert!(classes.contains(&TICK) && classes.contains(&FIRE));
        // The cycle closes at the entry.
        assert_eq!(edge_source(&g, cycle[0]), 0);
        assert_eq!(g.edges[*cycle.last().unwrap()].to, 0);
    }
}
