//! A discovered path as users see it: its timeline rows (in real time for a
//! lasso) and its trace file.

use std::path::Path;

use super::bfs::{self, Bound};
use super::*;
use crate::node::LockModel;
use crate::properties::PropertyName;
use crate::scenario::Scenario;
use crate::trace::{self, TraceFile};
use crate::world::{World, describe_action, step_view};

/// A lasso's states are canonical (shifted back in time); its timeline
/// shows real time instead.
pub fn real_time_rows<M: LockModel>(
    rows: &mut [TimelineRow],
    states: &[crate::world::WorldState<M>],
    shifts: &[u64],
    actions: &[crate::world::Action<M::Msg, M::Timer>],
) {
    let clock_shifts = crate::world::clock_shifts(states, actions, shifts);
    for (i, row) in rows.iter_mut().enumerate() {
        let real = states[i].now as u64 + shifts[i];
        row.tick = real as u32;
        if i > 0 && matches!(actions[i - 1], crate::world::Action::Tick) {
            row.event = format!("time passes to t={real}");
        }
        // A monotonic clock reading moves with real time, by the clock's
        // share of the shift where it drifts.
        if i > 0
            && let Some((head, clock)) = row
                .event
                .strip_suffix(')')
                .and_then(|e| e.rsplit_once("(mono clock "))
            && let Ok(local) = clock.parse::<i64>()
        {
            let before = clock_shifts[i - 1];
            row.event = format!("{head}(mono clock {})", local + before);
        }
    }
}

/// A lasso's timeline and diagram as it happens in real time: rendered
/// from its run unrolled once without the time shift
/// ([`super::liveness::unroll`]), so every tick, clock reading, request id,
/// token and instant they show is the real one, not its canonical
/// stand-in. `states`, `actions` and `shifts` are the lasso's canonical
/// path from `init`; should it not unroll (it always does for a lasso the
/// checker found, and replay reports one that does not), the canonical
/// path with ticks and clock readings put back into real time
/// ([`real_time_rows`]).
pub fn lasso_in_real_time<M: LockModel>(
    world: &World<M>,
    init: crate::world::WorldState<M>,
    states: &[crate::world::WorldState<M>],
    actions: &[crate::world::Action<M::Msg, M::Timer>],
    shifts: &[u64],
    loop_start: usize,
) -> (Vec<TimelineRow>, crate::world::Diagram) {
    let (rows, mut diagram) = match real_run(world, init, states, loop_start) {
        Some((real_states, real_actions)) => (
            timeline_rows(world, &real_states, &real_actions),
            crate::world::diagram(world, &real_states, &real_actions),
        ),
        None => {
            let mut rows = timeline_rows(world, states, actions);
            real_time_rows(&mut rows, states, shifts, actions);
            let mut d = crate::world::diagram(world, states, actions);
            d.shift_ticks(shifts, &crate::world::clock_shifts(states, actions, shifts));
            (rows, d)
        }
    };
    diagram.loop_start = Some(loop_start);
    (rows, diagram)
}

/// The lasso's path (canonical `states` from the concrete `init`) unrolled
/// once in real time, if it unrolls.
#[allow(clippy::type_complexity)]
fn real_run<M: LockModel>(
    world: &World<M>,
    init: crate::world::WorldState<M>,
    states: &[crate::world::WorldState<M>],
    loop_start: usize,
) -> Option<(
    Vec<crate::world::WorldState<M>>,
    Vec<crate::world::Action<M::Msg, M::Timer>>,
)> {
    let abs = super::liveness::Abstraction::new(world).ok()?;
    super::liveness::unroll(world, &abs, init, states, loop_start, 0).ok()
}

/// The trace file of a counterexample.
#[allow(clippy::too_many_arguments)]
pub(super) fn trace_file<M: LockModel>(
    variant: &str,
    scenario: &Scenario,
    scenario_file: &Path,
    options: &CheckOptions,
    world: &World<M>,
    name: PropertyName,
    init_index: usize,
    actions: &[crate::world::Action<M::Msg, M::Timer>],
    states: &[crate::world::WorldState<M>],
    rows: &[TimelineRow],
    loop_start: Option<usize>,
) -> TraceFile {
    TraceFile {
        format: trace::FORMAT.to_string(),
        format_version: trace::FORMAT_VERSION,
        lockcheck_version: env!("CARGO_PKG_VERSION").to_string(),
        kind: if loop_start.is_some() {
            "lasso".to_string()
        } else {
            "counterexample".to_string()
        },
        model: variant.to_string(),
        property: name,
        engine: if loop_start.is_some() {
            "liveness".to_string()
        } else {
            "bfs".to_string()
        },
        scenario_file: scenario_file.to_path_buf(),
        scenario: scenario.clone(),
        limits: trace::TraceLimits::from(&options.limits),
        simulation: None,
        nodes: world.node_names().to_vec(),
        init_index,
        actions: actions
            .iter()
            .map(|a| serde_json::to_value(a).expect("actions serialize"))
            .collect(),
        steps: trace_steps(world, states, rows),
        reproduce: reproduce_command(variant, scenario_file, Some(name), &options.reproduce_flags),
        loop_start,
    }
}

/// A trace file's steps: each state's view beside its timeline row.
pub fn trace_steps<M: LockModel>(
    world: &World<M>,
    states: &[crate::world::WorldState<M>],
    rows: &[TimelineRow],
) -> Vec<trace::TraceStep> {
    states
        .iter()
        .zip(rows)
        .map(|(s, row)| trace::TraceStep {
            step: row.step,
            actor: row.actor.clone(),
            event: row.event.clone(),
            state: step_view(world, s),
        })
        .collect()
}

/// An expectation's `states_max` overrides the scenario's
/// `limits.states_max`, so the hint names both: raising the scenario's
/// limit alone does nothing for a cell whose expectation sets one.
pub(super) fn inconclusive_reason(bound: Bound) -> String {
    inconclusive_reason_hinting(
        bound,
        "raise --states-max, or the expectation's states_max, which overrides limits.states_max",
    )
}

/// The same for the liveness graph, whose state limit an expectation can
/// set apart from the safety search's.
pub(super) fn liveness_inconclusive_reason(bound: Bound) -> String {
    inconclusive_reason_hinting(
        bound,
        "raise --states-max, or the expectation's liveness_states_max",
    )
}

fn inconclusive_reason_hinting(bound: Bound, states_hint: &str) -> String {
    let hint = match bound {
        Bound::States(_) => states_hint,
        Bound::Depth(_) => "raise --depth-max or limits.depth_max",
        Bound::Time(_) => "raise --seconds-max or limits.seconds_max",
        Bound::Memory { .. } => "raise --memory-max or limits.memory_mb, or free memory",
        Bound::Interrupted { .. } => "run it again to the end",
    };
    format!("{bound} before a verdict ({hint})")
}

pub(super) fn timeline<M: LockModel>(
    world: &World<M>,
    d: &bfs::Discovery<World<M>>,
) -> Vec<TimelineRow> {
    timeline_rows(world, &d.states, &d.actions)
}

/// The timeline of a path: `states[0]` is the initial state and `states[i + 1]`
/// follows `actions[i]`.
pub fn timeline_rows<M: LockModel>(
    world: &World<M>,
    states: &[crate::world::WorldState<M>],
    actions: &[crate::world::Action<M::Msg, M::Timer>],
) -> Vec<TimelineRow> {
    let beliefs = |s: &crate::world::WorldState<M>| -> (Vec<String>, String) {
        let view = step_view(world, s);
        let clients = view.clients.iter().map(|c| c.short()).collect();
        let r = &view.resource;
        let mut res = format!("value={} writes={}", r.value, r.writes_accepted);
        if r.second_highest_token > 0 {
            res.push_str(&format!(" second_token={}", r.second_highest_token));
        }
        if r.stale_write_accepted {
            res.push_str(" STALE-WRITE");
        }
        (clients, res)
    };
    let first = &states[0];
    let clocks: Vec<String> = first
        .clocks
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let name = &world.node_names()[n];
            if c.rate_percent == 100 {
                format!("{name}={}", c.offset_ticks)
            } else {
                format!("{name}={}@{}%", c.offset_ticks, c.rate_percent)
            }
        })
        .collect();
    let (b, r) = beliefs(first);
    let mut rows = vec![TimelineRow {
        step: 0,
        tick: first.now,
        actor: "-".to_string(),
        event: format!("initial state; clocks {}", clocks.join(" ")),
        beliefs: b,
        resource: r,
    }];
    for (i, action) in actions.iter().enumerate() {
        let before = &states[i];
        let after = &states[i + 1];
        let (actor, event) = describe_action(world, before, action);
        let (b, r) = beliefs(after);
        rows.push(TimelineRow {
            step: i + 1,
            tick: after.now,
            actor,
            event,
            beliefs: b,
            resource: r,
        });
    }
    rows
}
