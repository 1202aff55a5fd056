//! The world's rules (the module doc of `src/world/mod.rs`, and
//! `docs/world.md`), checked at every step of random walks through random scenarios.
//!
//! Each case builds a scenario from proptest-chosen values (or, in the second
//! test, takes a shipped one from `scenarios/`), places one of the Redis models
//! in it, picks an initial state, and walks: at each step one of
//! the offered actions is chosen by the next choice index, until no action is
//! offered or the choices run out. Every state, every offered action list and
//! every transition is checked; a failure names the rule (in brackets) and
//! prints the scenario JSON, the model, the initial state and the actions
//! taken, which replay the walk exactly.
//!
//! Rules checked:
//! - determinism: `init_states`, `actions` and `next_state` give equal
//!   results when called twice; every offered action has a successor; the
//!   walk re-run with the same choices visits the same states.
//! - time: `now` never exceeds the horizon; a state at the horizon has no
//!   actions and one before it has some; `Tick` adds exactly one to `now` and
//!   nothing else changes `now`; `Tick` is not offered while a running node has
//!   a due timer.
//! - delivery window: `Deliver` only for an envelope in flight whose minimum
//!   delay has passed and whose destination is up, and every such envelope is
//!   offered; in bounded mode `Tick` is not offered while a deliverable
//!   message's window closes; in atomic mode `Tick` is only offered when every
//!   message in flight is for a paused node, and a request's replies to a
//!   running, reachable requester are delivered in the same step; no envelope
//!   was sent in the future.
//! - timers: `Fire` only for a pending, due timer of a running node, and every
//!   such timer is offered.
//! - faults: budgets never exceed the scenario's maxima and each fault spends
//!   exactly one unit of its own budget; fault actions only for enabled faults,
//!   within budget, on their targets, and never at or after
//!   `faults_until_ticks`; loss and duplication only of lock-service traffic
//!   in flight; recoveries (`Restart`, `Resume`, `Heal`) only when they end a
//!   fault; a paused node never runs (no `Deliver`/`Fire` for it, its state,
//!   timers and workload are frozen), is never paused more than `ticks_max`
//!   ticks and `Tick` waits for it to resume; from `faults_until_ticks` on,
//!   `Tick` waits for partitions to heal and restartable nodes to restart.
//! - partition: no lock-service envelope between the isolated node and
//!   another lock-service node, or between the two sides of a split, is in
//!   flight (so none can be delivered), and `Isolate` and `Split` lose
//!   exactly that traffic (never the resource's). A split's two sides are
//!   disjoint and hold every lock-service node (and only those); with
//!   `split`, the `Split`s offered are every division into two sides that
//!   each hold a target, each once, and no `Isolate` is offered.
//! - crash: a crashed node has no state, no timers and nothing addressed to it
//!   in flight, stays crashed until `Restart`, and a crashed client does not
//!   hold the lock; `Crash` loses exactly the traffic addressed to the node.
//! - work: a running holder's work (`work_ticks`) counts down one per `Tick`
//!   and never while it is paused; `WorkDone` is offered exactly when a
//!   running client's work is done, sends its write, and `Tick` waits for it.
//! - ghost: a client that holds the lock is reading, working or writing;
//!   `writes_accepted <= grants`; the resource's highest token never decreases;
//!   no copy of the protected counter's value is ahead of the write count (a
//!   value read, the resource's or one in flight back to a reader, is at most
//!   the count; a write carries one more than what it read, so at most the
//!   count plus one); once the value and the count differ, or a stale write
//!   has been accepted, they differ for good. The liveness checker forgets
//!   the values of a state that is unsafe for good (`src/check/liveness.rs`),
//!   and it is sound only if both hold.
//! - clocks: initial clocks are exactly the scenario's combinations of skew and
//!   drift; only `ClockJump` changes a clock, by exactly its ticks, and only
//!   the wall clock; a node's monotonic clock never goes back, its wall clock
//!   only by a negative jump on that node; timers fire by the monotonic clock.

use std::fmt::Debug;
use std::ops::Range;
use std::path::Path;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use stateright::Model;

use lockcheck::models::redis_py_lock::RedisPyLock;
use lockcheck::models::redis_set_px::RedisSetPx;
use lockcheck::models::redis_setnx::RedisSetnx;
use lockcheck::node::{LockModel, NodeId, NodeSet};
use lockcheck::scenario::{NetworkMode, Scenario, Targets, Tier};
use lockcheck::world::{
    Action, Clock, Cut, Envelope, Partition, Payload, Phase, ResourceMsg, Status, World,
    WorldConfig, WorldState,
};

/// The model ids a walk may use, each with the type that implements it.
const MODELS: [&str; 5] = [
    "redis_set_px",
    "redis_set_px_fenced",
    "redis_setnx",
    "redis_py_lock",
    "redis_py_lock_fenced",
];

/// The most steps a walk takes.
const STEPS_MAX: usize = 200;

// ---------------------------------------------------------------------------
// Scenario generation
// ---------------------------------------------------------------------------

fn targets() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("clients"), Just("servers"), Just("all")]
}

fn network() -> impl Strategy<Value = String> {
    let mode = prop_oneof![
        (0u32..=3)
            .prop_flat_map(|min| (Just(min), min..=3))
            .prop_map(|(min, max)| format!(
                r#""mode": "bounded", "delay_ticks_min": {min}, "delay_ticks_max": {max}"#
            )),
        (0u32..=3).prop_map(|min| format!(r#""mode": "asynchronous", "delay_ticks_min": {min}"#)),
        Just(r#""mode": "atomic", "delay_ticks_min": 0"#.to_string()),
    ];
    (mode, 0u8..=2, 0u8..=2).prop_map(|(mode, loss, dup)| {
        format!(r#"{{ {mode}, "loss_max": {loss}, "duplicates_max": {dup} }}"#)
    })
}

fn faults() -> impl Strategy<Value = String> {
    let crash = proptest::option::of((0u8..=2, targets(), any::<bool>())).prop_map(|c| {
        c.map(|(max, t, restart)| {
            format!(r#""crash": {{ "max": {max}, "targets": "{t}", "restart": {restart} }}"#)
        })
    });
    let pause = proptest::option::of((0u8..=2, 1u32..=5, targets())).prop_map(|p| {
        p.map(|(max, ticks, t)| {
            format!(r#""pause": {{ "max": {max}, "ticks_max": {ticks}, "targets": "{t}" }}"#)
        })
    });
    let partition = proptest::option::of((0u8..=2, targets(), proptest::option::of(any::<bool>())))
        .prop_map(|p| {
            p.map(|(max, t, split)| {
                let split = split
                    .map(|b| format!(r#", "split": {b}"#))
                    .unwrap_or_default();
                format!(r#""partition": {{ "max": {max}, "targets": "{t}"{split} }}"#)
            })
        });
    let jump = proptest::option::of((0u8..=2, targets())).prop_map(|j| {
        j.map(|(max, t)| {
            format!(r#""jump": {{ "max": {max}, "ticks": [3, -3], "targets": "{t}" }}"#)
        })
    });
    let clock = proptest::option::of((0u32..=2, 0u32..=30, targets(), jump)).prop_map(|c| {
        c.map(|(skew, drift, t, jump)| {
            let jump = jump.map(|j| format!(", {j}")).unwrap_or_default();
            format!(
                r#""clock": {{ "skew_ticks_max": {skew}, "drift_percent_max": {drift}, "targets": "{t}"{jump} }}"#
            )
        })
    });
    (crash, pause, partition, clock).prop_map(|(crash, pause, partition, clock)| {
        let parts: Vec<String> = [crash, pause, partition, clock]
            .into_iter()
            .flatten()
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!(r#""faults": {{ {} }},"#, parts.join(", "))
        }
    })
}

fn params() -> impl Strategy<Value = String> {
    (2u32..=8, 1u32..=3, proptest::option::of(2u32..=5)).prop_map(|(ttl, retry, timeout)| {
        let timeout = timeout
            .map(|t| format!(r#", "request_timeout_ticks": {t}"#))
            .unwrap_or_default();
        format!(r#"{{ "ttl_ticks": {ttl}, "retry_ticks": {retry}{timeout} }}"#)
    })
}

prop_compose! {
    fn scenario_json()(
        clients in 1u8..=3,
        rounds in 1u8..=2,
        (horizon, faults_until) in (10u32..=30).prop_flat_map(|h| (Just(h), 0..=h)),
        network in network(),
        faults in faults(),
        params in params(),
        work in 0u32..=3,
    ) -> String {
        format!(
            r#"{{
  "description": "generated by tests/suite/world_rules.rs",
  "clients": {clients},
  "rounds": {rounds},
  "horizon_ticks": {horizon},
  "faults_until_ticks": {faults_until},
  "work_ticks": {work},
  "network": {network},
  {faults}
  "params": {params}
}}"#
        )
    }
}

// ---------------------------------------------------------------------------
// The world seen from outside
// ---------------------------------------------------------------------------

type Act<M> = Action<<M as LockModel>::Msg, <M as LockModel>::Timer>;
type Env<M> = Envelope<<M as LockModel>::Msg>;

/// Fails the enclosing check with the rule's name.
macro_rules! rule {
    ($cond:expr, $name:literal, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!("[{}] {}", $name, format!($($fmt)+)));
        }
    };
}

fn nodes<M: LockModel>(w: &World<M>) -> impl Iterator<Item = NodeId> + use<M> {
    (0..w.service_node_count()).map(|n| NodeId(n as u8))
}

fn status<M: LockModel>(w: &World<M>, s: &WorldState<M>, n: NodeId) -> Status {
    match w.client_index(n) {
        Some(ci) => s.clients[ci].status,
        None if n.index() < w.server_count() => s.servers[n.index()].status,
        None => Status::Up, // the resource
    }
}

fn is_paused(status: Status) -> bool {
    matches!(status, Status::Paused { .. })
}

fn timers<'a, M: LockModel>(
    w: &World<M>,
    s: &'a WorldState<M>,
    n: NodeId,
) -> &'a [(M::Timer, i64)] {
    match w.client_index(n) {
        Some(ci) => &s.clients[ci].timers,
        None => &s.servers[n.index()].timers,
    }
}

fn due_timers<M: LockModel>(w: &World<M>, s: &WorldState<M>, n: NodeId) -> Vec<M::Timer> {
    // Timers run on the monotonic clock.
    let mono = s.clocks[n.index()].mono(s.now);
    timers(w, s, n)
        .iter()
        .filter(|(_, deadline)| mono >= *deadline)
        .map(|(t, _)| t.clone())
        .collect()
}

fn target_range<M: LockModel>(w: &World<M>, t: Targets) -> Range<usize> {
    match t {
        Targets::Servers => 0..w.server_count(),
        Targets::Clients => w.server_count()..w.service_node_count(),
        Targets::All => 0..w.service_node_count(),
    }
}

/// Whether the partition in force cuts the lock-service link `a`–`b`.
fn cut<M: LockModel>(w: &World<M>, s: &WorldState<M>, a: NodeId, b: NodeId) -> bool {
    let res = w.resource_id();
    match s.faults.partition {
        None => false,
        Some(Cut::Isolated(n)) => (a == n || b == n) && a != b && a != res && b != res,
        Some(Cut::Split(p)) => {
            let [x, _] = p.sides();
            a != res && b != res && x.contains(a) != x.contains(b)
        }
    }
}

fn service_nodes<M: LockModel>(w: &World<M>) -> NodeSet {
    nodes(w).collect()
}

fn split_enabled<M: LockModel>(w: &World<M>) -> bool {
    w.cfg.faults.partition.as_ref().is_some_and(|p| p.split)
}

/// Every division of the lock-service nodes into two sides that each hold a
/// node of `t`, each once, by brute force over the subsets.
fn expected_splits<M: LockModel>(w: &World<M>, t: Targets) -> Vec<Partition> {
    let all = service_nodes(w);
    let targeted: NodeSet = target_range(w, t).map(|n| NodeId(n as u8)).collect();
    let mut splits = Vec::new();
    for bits in 0..1u32 << w.service_node_count() {
        let side: NodeSet = nodes(w).filter(|n| bits & (1 << n.0) != 0).collect();
        let rest = all.difference(side);
        let holds_target = |x: NodeSet| x.iter().any(|n| targeted.contains(n));
        if holds_target(side) && holds_target(rest) {
            let p = Partition::new(side, rest);
            if !splits.contains(&p) {
                splits.push(p);
            }
        }
    }
    splits.sort();
    splits
}

fn restart_enabled<M: LockModel>(w: &World<M>) -> bool {
    w.cfg.faults.crash.as_ref().is_some_and(|c| c.restart)
}

fn pause_ticks_max<M: LockModel>(w: &World<M>) -> u32 {
    w.cfg.faults.pause.as_ref().map_or(0, |p| p.ticks_max)
}

/// Everything of a node except its status (its running state).
fn node_snapshot<M: LockModel>(w: &World<M>, s: &WorldState<M>, n: NodeId) -> String {
    match w.client_index(n) {
        Some(ci) => {
            let c = &s.clients[ci];
            format!("{:?} {:?} {:?}", c.proto, c.timers, c.work)
        }
        None => {
            let sv = &s.servers[n.index()];
            format!("{:?} {:?} {:?}", sv.state, sv.durable, sv.timers)
        }
    }
}

// ---------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------

/// Rules about the initial states.
fn check_inits<M: LockModel>(w: &World<M>, inits: &[WorldState<M>]) -> Result<(), String> {
    rule!(
        inits == w.init_states().as_slice(),
        "determinism: init_states",
        "init_states() gave different lists on two calls"
    );
    rule!(
        !inits.is_empty(),
        "time: initial states",
        "no initial state"
    );
    let spec = &w.cfg.faults.clock;
    let mut rates = vec![
        100 - spec.drift_percent_max,
        100,
        100 + spec.drift_percent_max,
    ];
    rates.dedup();
    let targeted = target_range(w, spec.targets);
    let per_node = (spec.skew_ticks_max as usize + 1) * rates.len();
    let expected = per_node.pow(targeted.len() as u32);
    let mut clocks: Vec<&Vec<Clock>> = inits.iter().map(|s| &s.clocks).collect();
    clocks.sort();
    clocks.dedup();
    rule!(
        clocks.len() == expected && inits.len() == expected,
        "clocks: initial combinations",
        "{} initial states with {} distinct clock vectors, expected {expected}",
        inits.len(),
        clocks.len()
    );
    for s in inits {
        rule!(
            s.now == 0,
            "time: initial states",
            "an initial state at tick {}",
            s.now
        );
        rule!(
            s.clocks.len() == w.service_node_count(),
            "clocks: initial combinations",
            "{} clocks for {} lock-service nodes",
            s.clocks.len(),
            w.service_node_count()
        );
        for (n, c) in s.clocks.iter().enumerate() {
            let ok = if targeted.contains(&n) {
                c.offset_ticks >= 0
                    && c.offset_ticks <= spec.skew_ticks_max as i64
                    && rates.contains(&c.rate_percent)
            } else {
                *c == Clock::PERFECT
            };
            rule!(
                ok,
                "clocks: initial combinations",
                "node {n} starts with clock {c:?}"
            );
        }
    }
    Ok(())
}

/// Rules every reachable state obeys.
fn check_state<M: LockModel>(w: &World<M>, s: &WorldState<M>) -> Result<(), String> {
    let cfg = &w.cfg;
    rule!(
        s.now <= cfg.horizon_ticks,
        "time: horizon",
        "now = {} is past the horizon {}",
        s.now,
        cfg.horizon_ticks
    );
    for e in &s.network {
        rule!(
            e.sent_at <= s.now,
            "delivery window",
            "an envelope sent in the future: {e:?}"
        );
    }

    // Fault budgets.
    let f = &s.faults;
    let crash_max = cfg.faults.crash.as_ref().map_or(0, |c| c.max);
    let pause_max = cfg.faults.pause.as_ref().map_or(0, |p| p.max);
    let partition_max = cfg.faults.partition.as_ref().map_or(0, |p| p.max);
    let jump_max = cfg.faults.clock.jump.as_ref().map_or(0, |j| j.max);
    for (what, spent, max) in [
        ("crashes", f.crashes, crash_max),
        ("pauses", f.pauses, pause_max),
        ("partitions", f.partitions, partition_max),
        ("jumps", f.jumps, jump_max),
        ("losses", f.losses, cfg.network.loss_max),
        ("duplicates", f.duplicates, cfg.network.duplicates_max),
    ] {
        rule!(
            spent <= max,
            "faults: budget",
            "{spent} {what}, the scenario allows {max}"
        );
    }
    rule!(
        f.partition.is_none() || partition_max > 0,
        "faults: budget",
        "a partition without a partition budget"
    );

    for n in nodes(w) {
        let st = status(w, s, n);
        // Pauses.
        if let Status::Paused { since } = st {
            rule!(
                since <= s.now && s.now - since <= pause_ticks_max(w),
                "faults: pause length",
                "node {} paused since {since}, now {}, ticks_max {}",
                n.0,
                s.now,
                pause_ticks_max(w)
            );
        }
        // Crashes.
        if st.is_crashed() {
            rule!(
                timers(w, s, n).is_empty(),
                "crash: no timers",
                "crashed node {} has timers {:?}",
                n.0,
                timers(w, s, n)
            );
            rule!(
                !s.network.iter().any(|e| e.dst == n),
                "crash: nothing in flight to a crashed node",
                "an envelope to crashed node {} is in flight",
                n.0
            );
            let volatile_gone = match w.client_index(n) {
                Some(ci) => s.clients[ci].proto.is_none() && !s.clients[ci].work.holds,
                None => s.servers[n.index()].state.is_none(),
            };
            rule!(
                volatile_gone,
                "crash: state lost",
                "crashed node {} keeps its volatile state or holds the lock",
                n.0
            );
        }
    }

    // Partitions.
    if let Some(c) = f.partition {
        if let Cut::Split(p) = c {
            let [x, y] = p.sides();
            rule!(
                x.intersection(y).is_empty() && x.union(y) == service_nodes(w),
                "partition: two sides",
                "the sides {x:?} | {y:?} do not divide the lock-service nodes"
            );
        }
        for e in &s.network {
            rule!(
                !(matches!(e.payload, Payload::Lock(_)) && cut(w, s, e.src, e.dst)),
                "partition: nothing crosses",
                "{c:?} is in force but this is in flight: {e:?}"
            );
        }
    }

    // Ghost state.
    for (ci, c) in s.clients.iter().enumerate() {
        rule!(
            !c.work.holds
                || matches!(
                    c.work.phase,
                    Phase::Reading | Phase::Working { .. } | Phase::Writing
                ),
            "ghost: holder's phase",
            "client {ci} holds the lock in phase {:?}",
            c.work.phase
        );
    }
    rule!(
        s.resource.writes_accepted <= s.grants as u32,
        "ghost: writes <= grants",
        "{} writes accepted for {} grants",
        s.resource.writes_accepted,
        s.grants
    );
    let writes = s.resource.writes_accepted;
    let mut reads = vec![("the resource's", s.resource.value)];
    for c in &s.clients {
        if let Phase::Working { value, .. } = c.work.phase {
            reads.push(("a holder's", value));
        }
    }
    for e in &s.network {
        if let Payload::Resource(m) = &e.payload
            && let Some(&mut value) = m.clone().value_mut()
        {
            // A write carries what it read plus one.
            let ahead = u32::from(matches!(
                m,
                ResourceMsg::Write { .. }
                    | ResourceMsg::WriteCheckFirst { .. }
                    | ResourceMsg::WriteChecked { .. }
            ));
            rule!(
                value <= writes + ahead,
                "ghost: no value ahead of the write count",
                "{m:?} in flight carries {value}, with {writes} writes accepted"
            );
        }
    }
    for (whose, value) in reads {
        rule!(
            value <= writes,
            "ghost: no value ahead of the write count",
            "{whose} value is {value}, with {writes} writes accepted"
        );
    }
    Ok(())
}

/// Rules about the actions offered in a state.
fn check_offered<M: LockModel>(
    w: &World<M>,
    s: &WorldState<M>,
    offered: &[Act<M>],
) -> Result<(), String> {
    let cfg = &w.cfg;
    let mut again = Vec::new();
    w.actions(s, &mut again);
    rule!(
        offered == again.as_slice(),
        "determinism: actions",
        "actions() gave {offered:?}, then {again:?}"
    );
    if s.now == cfg.horizon_ticks {
        rule!(
            offered.is_empty(),
            "time: horizon",
            "a state at the horizon offers {offered:?}"
        );
        return Ok(());
    }
    rule!(
        !offered.is_empty(),
        "time: no deadlock",
        "a state before the horizon offers nothing"
    );

    let delay_min = cfg.network.delay_ticks_min;
    let deliverable = |e: &Env<M>| s.now >= e.sent_at + delay_min && status(w, s, e.dst).is_up();
    let may_fault = s.now < cfg.faults_until_ticks;
    let is_fault = |a: &Act<M>| {
        matches!(
            a,
            Action::Crash(_)
                | Action::Pause(_)
                | Action::Isolate(_)
                | Action::Split(_)
                | Action::ClockJump { .. }
                | Action::Drop(_)
                | Action::Duplicate(_)
        )
    };

    if let Some(spec) = cfg.faults.partition.as_ref().filter(|p| p.split)
        && may_fault
        && s.faults.partitions < spec.max
        && s.faults.partition.is_none()
    {
        let mut splits: Vec<Partition> = offered
            .iter()
            .filter_map(|a| match a {
                Action::Split(p) => Some(*p),
                _ => None,
            })
            .collect();
        splits.sort();
        rule!(
            splits == expected_splits(w, spec.targets),
            "partition: split",
            "offered the splits {splits:?}, expected each of {:?} once",
            expected_splits(w, spec.targets)
        );
    }

    for a in offered {
        rule!(
            may_fault || !is_fault(a),
            "faults: faults_until_ticks",
            "fault {a:?} offered at tick {} (faults_until_ticks {})",
            s.now,
            cfg.faults_until_ticks
        );
        match a {
            Action::Tick => {}
            Action::WorkDone(n) => {
                let c = &s.clients[n.index() - w.model.server_count()];
                rule!(
                    c.status.is_up()
                        && matches!(c.work.phase, Phase::Working { ticks_left: 0, .. }),
                    "work: done when its ticks ran",
                    "WorkDone({}) offered while it is {:?} in phase {:?}",
                    n.0,
                    c.status,
                    c.work.phase
                );
            }
            Action::Deliver(e) => {
                rule!(
                    s.network.contains(e),
                    "delivery window",
                    "Deliver of an envelope not in flight: {e:?}"
                );
                rule!(
                    s.now >= e.sent_at + delay_min,
                    "delivery window",
                    "Deliver at tick {} before the minimum delay {delay_min}: {e:?}",
                    s.now
                );
                let st = status(w, s, e.dst);
                rule!(
                    !is_paused(st),
                    "faults: paused node receives nothing",
                    "Deliver to paused node: {e:?}"
                );
                rule!(
                    st.is_up(),
                    "delivery window",
                    "Deliver to a node that is {st:?}: {e:?}"
                );
                rule!(
                    !(matches!(e.payload, Payload::Lock(_)) && cut(w, s, e.src, e.dst)),
                    "partition: nothing crosses",
                    "Deliver across the partition: {e:?}"
                );
            }
            Action::Fire { node, timer } => {
                let st = status(w, s, *node);
                rule!(
                    !is_paused(st),
                    "faults: paused node's timers never fire",
                    "Fire {timer:?} on paused node {}",
                    node.0
                );
                rule!(
                    st.is_up(),
                    "timers",
                    "Fire on node {} that is {st:?}",
                    node.0
                );
                rule!(
                    due_timers(w, s, *node).contains(timer),
                    "timers",
                    "Fire {timer:?} on node {} which is not pending and due (timers {:?}, monotonic clock {})",
                    node.0,
                    timers(w, s, *node),
                    s.clocks[node.index()].mono(s.now)
                );
            }
            Action::Crash(n) => {
                let spec = cfg.faults.crash.as_ref();
                rule!(
                    spec.is_some_and(|c| s.faults.crashes < c.max
                        && target_range(w, c.targets).contains(&n.index())),
                    "faults: enabled, budget, targets",
                    "Crash({}) offered (spec {spec:?}, spent {})",
                    n.0,
                    s.faults.crashes
                );
                rule!(
                    !status(w, s, *n).is_crashed(),
                    "faults: enabled, budget, targets",
                    "Crash of crashed node {}",
                    n.0
                );
            }
            Action::Pause(n) => {
                let spec = cfg.faults.pause.as_ref();
                rule!(
                    spec.is_some_and(|p| s.faults.pauses < p.max
                        && target_range(w, p.targets).contains(&n.index())),
                    "faults: enabled, budget, targets",
                    "Pause({}) offered (spec {spec:?}, spent {})",
                    n.0,
                    s.faults.pauses
                );
                rule!(
                    status(w, s, *n).is_up(),
                    "faults: enabled, budget, targets",
                    "Pause of node {} that is {:?}",
                    n.0,
                    status(w, s, *n)
                );
            }
            Action::Isolate(n) => {
                let spec = cfg.faults.partition.as_ref();
                rule!(
                    spec.is_some_and(|p| s.faults.partitions < p.max
                        && target_range(w, p.targets).contains(&n.index())),
                    "faults: enabled, budget, targets",
                    "Isolate({}) offered (spec {spec:?}, spent {})",
                    n.0,
                    s.faults.partitions
                );
                rule!(
                    s.faults.partition.is_none(),
                    "faults: enabled, budget, targets",
                    "Isolate({}) while {:?} is in force",
                    n.0,
                    s.faults.partition
                );
                rule!(
                    !split_enabled(w),
                    "partition: split",
                    "Isolate({}) offered where partitions split",
                    n.0
                );
            }
            Action::Split(p) => {
                let spec = cfg.faults.partition.as_ref();
                rule!(
                    spec.is_some_and(|x| x.split
                        && s.faults.partitions < x.max
                        && expected_splits(w, x.targets).contains(p)),
                    "partition: split",
                    "Split({p:?}) offered (spec {spec:?}, spent {})",
                    s.faults.partitions
                );
                rule!(
                    s.faults.partition.is_none(),
                    "faults: enabled, budget, targets",
                    "Split({p:?}) while {:?} is in force",
                    s.faults.partition
                );
            }
            Action::ClockJump { node, ticks } => {
                let spec = cfg.faults.clock.jump.as_ref();
                rule!(
                    spec.is_some_and(|j| s.faults.jumps < j.max
                        && j.ticks.contains(ticks)
                        && target_range(w, j.targets).contains(&node.index())),
                    "faults: enabled, budget, targets",
                    "ClockJump {{ {}, {ticks} }} offered (spec {spec:?}, spent {})",
                    node.0,
                    s.faults.jumps
                );
            }
            Action::Drop(e) | Action::Duplicate(e) => {
                let (spent, max) = match a {
                    Action::Drop(_) => (s.faults.losses, cfg.network.loss_max),
                    _ => (s.faults.duplicates, cfg.network.duplicates_max),
                };
                rule!(
                    spent < max,
                    "faults: enabled, budget, targets",
                    "{a:?} offered with {spent} of {max} spent"
                );
                rule!(
                    s.network.contains(e),
                    "faults: enabled, budget, targets",
                    "{a:?} of an envelope not in flight"
                );
                rule!(
                    matches!(e.payload, Payload::Lock(_)),
                    "faults: resource link is reliable",
                    "{a:?} of resource traffic"
                );
            }
            Action::Restart(n) => {
                rule!(
                    restart_enabled(w) && status(w, s, *n).is_crashed(),
                    "faults: recoveries",
                    "Restart({}) of a node that is {:?} (restart enabled: {})",
                    n.0,
                    status(w, s, *n),
                    restart_enabled(w)
                );
            }
            Action::Resume(n) => {
                rule!(
                    matches!(status(w, s, *n), Status::Paused { since } if s.now > since),
                    "faults: recoveries",
                    "Resume({}) of a node that is {:?} at tick {}",
                    n.0,
                    status(w, s, *n),
                    s.now
                );
            }
            Action::Heal => {
                rule!(
                    s.faults.partition.is_some(),
                    "faults: recoveries",
                    "Heal without a partition"
                );
            }
        }
    }

    // Completeness: whatever may happen now is offered.
    for e in &s.network {
        if deliverable(e) {
            rule!(
                offered.contains(&Action::Deliver(e.clone())),
                "delivery window",
                "deliverable envelope not offered: {e:?}"
            );
        }
    }
    for n in nodes(w) {
        if status(w, s, n).is_up() {
            for timer in due_timers(w, s, n) {
                rule!(
                    offered.contains(&Action::Fire {
                        node: n,
                        timer: timer.clone()
                    }),
                    "timers",
                    "due timer {timer:?} on running node {} not offered",
                    n.0
                );
            }
        }
    }

    // What holds time back.
    if offered.contains(&Action::Tick) {
        match cfg.network.mode {
            NetworkMode::Bounded => {
                let max = cfg.network.delay_ticks_max.expect("bounded has a max");
                for e in &s.network {
                    rule!(
                        !(deliverable(e) && e.sent_at + max <= s.now),
                        "delivery window: bounded deadline",
                        "Tick offered at {} while a deliverable message's window closes: {e:?}",
                        s.now
                    );
                }
            }
            NetworkMode::Atomic => {
                for e in &s.network {
                    rule!(
                        is_paused(status(w, s, e.dst)),
                        "delivery window: atomic",
                        "Tick offered at {} while a message for a node that is {:?} is in flight: {e:?}",
                        s.now,
                        status(w, s, e.dst)
                    );
                }
            }
            NetworkMode::Asynchronous => {}
        }
        for c in s.clients.iter() {
            rule!(
                !c.status.is_up() || !matches!(c.work.phase, Phase::Working { ticks_left: 0, .. }),
                "work: done when its ticks ran",
                "Tick offered while a running client's work is done ({:?})",
                c.work.phase
            );
        }
        for n in nodes(w) {
            let st = status(w, s, n);
            rule!(
                !st.is_up() || due_timers(w, s, n).is_empty(),
                "time: due timers fire first",
                "Tick offered while node {} has due timers {:?}",
                n.0,
                due_timers(w, s, n)
            );
            if let Status::Paused { since } = st {
                rule!(
                    since + pause_ticks_max(w) > s.now,
                    "faults: pause length",
                    "Tick offered at {} while node {} has been paused since {since} (ticks_max {})",
                    s.now,
                    n.0,
                    pause_ticks_max(w)
                );
            }
            if s.now >= cfg.faults_until_ticks && restart_enabled(w) {
                rule!(
                    !st.is_crashed(),
                    "faults: restarted by faults_until_ticks",
                    "Tick offered at {} while node {} is crashed",
                    s.now,
                    n.0
                );
            }
        }
        if s.now >= cfg.faults_until_ticks {
            rule!(
                s.faults.partition.is_none(),
                "faults: healed by faults_until_ticks",
                "Tick offered at {} while {:?} is in force",
                s.now,
                s.faults.partition
            );
        }
    }
    Ok(())
}

/// Rules about one transition `s --a--> next`.
fn check_step<M: LockModel>(
    w: &World<M>,
    s: &WorldState<M>,
    a: &Act<M>,
    next: &WorldState<M>,
) -> Result<(), String> {
    let again = w.next_state(s, a.clone());
    rule!(
        again.as_ref() == Some(next),
        "determinism: next_state",
        "next_state gave different results on two calls"
    );

    // Time.
    if *a == Action::Tick {
        rule!(
            next.now == s.now + 1,
            "time: Tick",
            "Tick went from {} to {}",
            s.now,
            next.now
        );
    } else {
        rule!(
            next.now == s.now,
            "time: only Tick advances now",
            "{a:?} went from {} to {}",
            s.now,
            next.now
        );
    }

    // Clocks.
    match a {
        Action::ClockJump { node, ticks } => {
            let mut expected = s.clocks.clone();
            // A jump moves the wall clock only.
            expected[node.index()].wall_jump_ticks += *ticks as i64;
            rule!(
                next.clocks == expected,
                "clocks: jumps",
                "{a:?} turned clocks {:?} into {:?}",
                s.clocks,
                next.clocks
            );
        }
        _ => rule!(
            next.clocks == s.clocks,
            "clocks: only jumps change clocks",
            "{a:?} turned clocks {:?} into {:?}",
            s.clocks,
            next.clocks
        ),
    }
    for n in nodes(w) {
        let before = s.clocks[n.index()].wall(s.now);
        let after = next.clocks[n.index()].wall(next.now);
        let back_jump = matches!(a, Action::ClockJump { node, ticks } if *node == n && *ticks < 0);
        rule!(
            after >= before || back_jump,
            "clocks: wall",
            "node {}'s wall clock went from {before} to {after} on {a:?}",
            n.0
        );
        let before = s.clocks[n.index()].mono(s.now);
        let after = next.clocks[n.index()].mono(next.now);
        rule!(
            after >= before,
            "clocks: monotonic",
            "node {}'s monotonic clock went from {before} to {after} on {a:?}",
            n.0
        );
        let jumped = |c: &lockcheck::world::Clock| c.wall_jump_ticks;
        rule!(
            matches!(a, Action::ClockJump { node, .. } if *node == n)
                || jumped(&next.clocks[n.index()]) == jumped(&s.clocks[n.index()]),
            "clocks: wall and monotonic move together",
            "node {}'s clocks moved apart on {a:?}",
            n.0
        );
    }

    // Work: a running holder works one tick per tick, and writes when done.
    for (ci, (c, c_next)) in s.clients.iter().zip(next.clients.iter()).enumerate() {
        if let Phase::Working {
            ticks_left,
            value,
            version,
        } = c.work.phase
        {
            let expected = match a {
                Action::Tick if c.status.is_up() => Some(Phase::Working {
                    ticks_left: ticks_left - 1,
                    value,
                    version,
                }),
                Action::WorkDone(n) if n.index() == ci + w.model.server_count() => {
                    Some(Phase::Writing)
                }
                Action::Crash(_) | Action::Restart(_) => None,
                _ => Some(c.work.phase),
            };
            // A client told it lost the lock abandons its work.
            let abandoned = !c_next.work.holds && c_next.work.phase == Phase::Acquiring;
            rule!(
                expected.is_none_or(|p| c_next.work.phase == p || abandoned),
                "work: done when its ticks ran",
                "client {ci} went from {:?} to {:?} on {a:?}",
                c.work.phase,
                c_next.work.phase
            );
        }
    }

    // Fault budgets: each fault spends one unit of its own budget.
    let mut spent = s.faults.clone();
    match a {
        Action::Crash(_) => spent.crashes += 1,
        Action::Pause(_) => spent.pauses += 1,
        Action::Isolate(n) => {
            spent.partitions += 1;
            spent.partition = Some(Cut::Isolated(*n));
        }
        Action::Split(p) => {
            spent.partitions += 1;
            spent.partition = Some(Cut::Split(*p));
        }
        Action::Heal => spent.partition = None,
        Action::ClockJump { .. } => spent.jumps += 1,
        Action::Drop(_) => spent.losses += 1,
        Action::Duplicate(_) => spent.duplicates += 1,
        _ => {}
    }
    rule!(
        next.faults == spent,
        "faults: budget",
        "{a:?} turned {:?} into {:?}",
        s.faults,
        next.faults
    );

    // Paused nodes are frozen; crashed nodes stay down until restarted.
    for n in nodes(w) {
        let st = status(w, s, n);
        let touches =
            matches!(a, Action::Crash(x) | Action::Resume(x) | Action::Restart(x) if *x == n);
        if is_paused(st) && !touches {
            rule!(
                status(w, next, n) == st && node_snapshot(w, s, n) == node_snapshot(w, next, n),
                "faults: paused node frozen",
                "paused node {} changed on {a:?}: {} -> {}",
                n.0,
                node_snapshot(w, s, n),
                node_snapshot(w, next, n)
            );
        }
        if st.is_crashed() && !touches {
            rule!(
                status(w, next, n).is_crashed(),
                "crash: stays down",
                "crashed node {} is {:?} after {a:?}",
                n.0,
                status(w, next, n)
            );
        }
    }

    // A partition loses exactly the lock-service traffic it cuts (never the
    // resource's); a crash exactly the traffic addressed to the node.
    match a {
        Action::Isolate(_) | Action::Split(_) => {
            let kept: Vec<Env<M>> = s
                .network
                .iter()
                .filter(|e| !cut(w, next, e.src, e.dst))
                .cloned()
                .collect();
            rule!(
                next.network == kept,
                "partition: only cut traffic is lost",
                "{a:?} turned the network {:?} into {:?}",
                s.network,
                next.network
            );
        }
        Action::Crash(n) => {
            let kept: Vec<Env<M>> = s.network.iter().filter(|e| e.dst != *n).cloned().collect();
            rule!(
                next.network == kept,
                "crash: only traffic to the node is lost",
                "{a:?} turned the network {:?} into {:?}",
                s.network,
                next.network
            );
        }
        _ => {}
    }

    // Atomic mode: a request's replies reach a running, reachable requester in
    // the same step.
    let atomic_request = match a {
        Action::Deliver(e) => (w.cfg.network.mode == NetworkMode::Atomic
            && w.client_index(e.dst).is_none()
            && status(w, next, e.src).is_up()
            && !cut(w, next, e.dst, e.src))
        .then_some(e),
        _ => None,
    };
    if let Some(e) = atomic_request {
        let is_reply = |x: &&Env<M>| x.src == e.dst && x.dst == e.src && x.sent_at == s.now;
        let before = s.network.iter().filter(is_reply).count();
        let after = next.network.iter().filter(is_reply).count();
        rule!(
            after <= before,
            "delivery window: atomic",
            "after {a:?} a reply to the running requester is left in flight: {:?}",
            next.network
        );
    }

    // Ghost.
    rule!(
        next.resource.highest_token >= s.resource.highest_token,
        "ghost: highest token nondecreasing",
        "highest token went from {} to {} on {a:?}",
        s.resource.highest_token,
        next.resource.highest_token
    );
    let unsafe_for_good =
        |r: &lockcheck::world::Resource| r.value != r.writes_accepted || r.stale_write_accepted;
    rule!(
        !unsafe_for_good(&s.resource) || unsafe_for_good(&next.resource),
        "ghost: a lost update stays lost",
        "{a:?} turned the resource {:?} into {:?}",
        s.resource,
        next.resource
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// Walks
// ---------------------------------------------------------------------------

/// The states of the walk that `choices` pick, from initial state `init`.
fn walk<M: LockModel>(w: &World<M>, init: usize, choices: &[u16]) -> Vec<WorldState<M>> {
    let inits = w.init_states();
    let mut states = vec![inits[init % inits.len()].clone()];
    for &c in choices.iter().take(STEPS_MAX) {
        let s = states.last().unwrap();
        let mut offered = Vec::new();
        w.actions(s, &mut offered);
        if offered.is_empty() {
            break;
        }
        let a = offered[c as usize % offered.len()].clone();
        match w.next_state(s, a) {
            Some(next) => states.push(next),
            None => break,
        }
    }
    states
}

/// Walks and checks every rule on the way.
fn checked_walk<M: LockModel>(
    scenario: &Scenario,
    variant: &str,
    json: &str,
    init: usize,
    choices: &[u16],
) -> Result<(), TestCaseError> {
    let model = M::new(variant, &scenario.params).map_err(|e| {
        TestCaseError::fail(format!("model {variant} refuses the scenario: {e}\n{json}"))
    })?;
    let w = World::new(
        model,
        WorldConfig::from_scenario(scenario),
        lockcheck::properties::properties::<M>,
    );
    let inits = w.init_states();
    let mut taken: Vec<Act<M>> = Vec::new();
    let fail = |violation: String, taken: &[Act<M>], state: &dyn Debug| {
        let actions: Vec<String> = taken
            .iter()
            .enumerate()
            .map(|(i, a)| format!("  {i:>3}: {a:?}"))
            .collect();
        TestCaseError::fail(format!(
            "{violation}\n\nmodel: {variant}\ninitial state: index {} of {} (clocks {:?})\n\
             scenario:\n{json}\nactions ({} steps):\n{}\nstate:\n{state:?}",
            init % inits.len().max(1),
            inits.len(),
            inits.get(init % inits.len().max(1)).map(|s| &s.clocks),
            taken.len(),
            actions.join("\n")
        ))
    };

    check_inits(&w, &inits).map_err(|e| fail(e, &taken, &()))?;
    let mut s = inits[init % inits.len()].clone();
    let mut states = vec![s.clone()];
    check_state(&w, &s).map_err(|e| fail(e, &taken, &s))?;
    for &c in choices.iter().take(STEPS_MAX) {
        let mut offered = Vec::new();
        w.actions(&s, &mut offered);
        check_offered(&w, &s, &offered).map_err(|e| fail(e, &taken, &s))?;
        if offered.is_empty() {
            break;
        }
        let a = offered[c as usize % offered.len()].clone();
        taken.push(a.clone());
        let Some(next) = w.next_state(&s, a.clone()) else {
            return Err(fail(
                "[determinism: offered actions have successors] next_state returned None".into(),
                &taken,
                &s,
            ));
        };
        check_step(&w, &s, &a, &next).map_err(|e| fail(e, &taken, &s))?;
        check_state(&w, &next).map_err(|e| fail(e, &taken, &next))?;
        states.push(next.clone());
        s = next;
    }

    let rerun = walk(&w, init, choices);
    if rerun != states {
        let at = rerun.iter().zip(&states).position(|(a, b)| a != b);
        return Err(fail(
            format!(
                "[determinism: re-run] the same choices gave a different walk ({} vs {} states, first difference at {at:?})",
                rerun.len(),
                states.len()
            ),
            &taken,
            &s,
        ));
    }
    Ok(())
}

fn run_case(json: &str, model: &str, init: usize, choices: &[u16]) -> Result<(), TestCaseError> {
    let scenario = Scenario::parse(Path::new("scenario.json"), json)
        .map_err(|e| TestCaseError::fail(format!("the scenario is invalid: {e}\n{json}")))?;
    match model {
        "redis_set_px" | "redis_set_px_fenced" => {
            checked_walk::<RedisSetPx>(&scenario, model, json, init, choices)
        }
        "redis_setnx" => checked_walk::<RedisSetnx>(&scenario, model, json, init, choices),
        "redis_py_lock" | "redis_py_lock_fenced" => {
            checked_walk::<RedisPyLock>(&scenario, model, json, init, choices)
        }
        other => panic!("no type for model {other}"),
    }
}

/// The shipped scenarios (`scenarios/*.json`), each paired with every model
/// this file can build that runs under it (all under a standard scenario,
/// those with an expectation for it under another): their horizons, pauses and
/// jumps are longer than the generated ones.
fn shipped_cases() -> Vec<(String, &'static str)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let expectations = lockcheck::expectations::Expectations::load_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("models"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut cases = Vec::new();
    for file in files {
        let scenario = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        let expecting = expectations.models_for(&Scenario::name_of(&file));
        let json = std::fs::read_to_string(&file).expect("readable");
        for &model in MODELS.iter() {
            if scenario.tier == Tier::Standard || expecting.iter().any(|m| m == model) {
                cases.push((json.clone(), model));
            }
        }
    }
    assert!(!cases.is_empty(), "no shipped scenario names a Redis model");
    cases
}

proptest! {
    // About 1 ms a case; `cargo test --release --test world_rules` stays
    // within a few seconds.
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn random_walks_obey_the_world_rules(
        json in scenario_json(),
        model in 0..MODELS.len(),
        init in any::<usize>(),
        choices in vec(any::<u16>(), STEPS_MAX),
    ) {
        run_case(&json, MODELS[model], init, &choices)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn random_walks_through_the_shipped_scenarios_obey_the_world_rules(
        (json, model) in proptest::sample::select(shipped_cases()),
        init in any::<usize>(),
        choices in vec(any::<u16>(), STEPS_MAX),
    ) {
        run_case(&json, model, init, &choices)?;
    }
}

/// The resource's three ways of checking fencing tokens, operation by
/// operation: the correct one refuses an older holder's write once a newer
/// holder has read; checking writes only, or checking before a separate
/// write, lets it through and loses an update.
#[test]
fn only_a_fence_checked_on_every_operation_and_with_the_write_refuses_a_stale_write() {
    use lockcheck::world::{Resource, ResourceMsg as R};
    let write = |token: u64| R::Write {
        value: 1,
        token: Some(token),
        if_version: None,
        epoch: token as u16,
    };
    let read = |token: Option<u64>, epoch: u16| R::Read { token, epoch };

    // Every operation: holder 2's read raises the highest token to 2.
    let mut r = Resource::default();
    r.handle(read(Some(1), 1), false);
    r.handle(read(Some(2), 2), false);
    assert_eq!(r.handle(write(1), false), Some(R::Rejected { epoch: 1 }));
    assert_eq!(r.handle(write(2), false), Some(R::WriteOk { epoch: 2 }));
    assert_eq!((r.value, r.writes_accepted), (1, 1));

    // Writes only: the reads carry no token, so both writes are accepted,
    // each computed from the same value read.
    let mut r = Resource::default();
    r.handle(read(None, 1), false);
    r.handle(read(None, 2), false);
    assert_eq!(r.handle(write(1), false), Some(R::WriteOk { epoch: 1 }));
    assert_eq!(r.handle(write(2), false), Some(R::WriteOk { epoch: 2 }));
    assert_eq!((r.value, r.writes_accepted), (1, 2), "one update lost");

    // Check, then write: holder 1's check passes before holder 2's read,
    // and its write, made after that read, is not checked again.
    let mut r = Resource::default();
    r.handle(read(Some(1), 1), false);
    let checked = r.handle(
        R::WriteCheckFirst {
            value: 1,
            token: Some(1),
            epoch: 1,
        },
        false,
    );
    let applied = R::WriteChecked {
        value: 1,
        token: Some(1),
        epoch: 1,
    };
    assert_eq!(checked, Some(applied.clone()));
    assert_eq!(
        (r.value, r.writes_accepted),
        (0, 0),
        "the check writes nothing"
    );
    r.handle(read(Some(2), 2), false);
    assert_eq!(r.handle(applied, false), Some(R::WriteOk { epoch: 1 }));
    // Holder 1's next check, after the highest token rose, is refused.
    let late = R::WriteCheckFirst {
        value: 2,
        token: Some(1),
        epoch: 1,
    };
    assert_eq!(r.handle(late, false), Some(R::Rejected { epoch: 1 }));
    let second = r.handle(
        R::WriteCheckFirst {
            value: 1,
            token: Some(2),
            epoch: 2,
        },
        false,
    );
    r.handle(second.expect("the check passes"), false);
    assert_eq!((r.value, r.writes_accepted), (1, 2), "one update lost");
}
