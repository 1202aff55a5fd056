//! Re-executing a trace through the world.
//!
//! Each recorded action must parse as an action of the model's world and be
//! one the world offers in the state reached so far; the state summary after
//! each step must match the recorded one. A trace that fails either test does
//! not fit the model any more (exit 4), and the error names the first step
//! that diverged and what differed. A trace that fits is judged by its last
//! state: the violation reproduces (exit 0) or, when the final step no longer
//! ends in a violation, the bug was fixed (exit 1).

use std::path::Path;

use serde::Serialize;
use stateright::Model;

use super::{TraceError, TraceFile};
use crate::check::{TimelineRow, liveness, timeline_rows};
use crate::node::LockModel;
use crate::properties::{PropertyKind, PropertyName};
use crate::world::{Action, World, WorldConfig, WorldState, state_detail, step_view};

/// What a replay found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayOutcome {
    /// Every step matched and the property is violated at the end.
    Reproduced,
    /// Every action replayed but the last state no longer violates the
    /// property; `difference` says how the last step now differs, if it does.
    NoLongerViolated { difference: Option<String> },
}

pub struct ReplayReport {
    pub model: String,
    pub property: PropertyName,
    pub steps: usize,
    pub rows: Vec<TimelineRow>,
    /// With `detail`: the full state after each row.
    pub details: Option<Vec<Vec<String>>>,
    pub outcome: ReplayOutcome,
    /// For a lasso: the row where the loop starts.
    pub loop_start: Option<usize>,
}

/// A trace re-executed through the world.
pub(crate) struct Rebuilt<M: LockModel> {
    pub world: World<M>,
    /// `states[0]` is the initial state; `states[i + 1]` follows `actions[i]`.
    pub states: Vec<WorldState<M>>,
    pub actions: Vec<Action<M::Msg, M::Timer>>,
    /// How the last state differs from the recording, if it does.
    pub last_difference: Option<String>,
    /// For a lasso (stepped through the liveness checker's time shift): the
    /// real time subtracted so far, per state; zeros otherwise.
    pub shifts: Vec<u64>,
}

/// Re-executes `trace` (read from `path`) through model `M`, checking every
/// step; a step that does not fit is an error naming it.
pub(crate) fn rebuild<M: LockModel>(
    path: &Path,
    trace: &TraceFile,
) -> Result<Rebuilt<M>, TraceError> {
    let fail = |step: Option<usize>, message: String| TraceError {
        file: path.to_path_buf(),
        step,
        message,
    };
    let model = M::new(&trace.model, &trace.scenario.params)
        .map_err(|e| fail(None, format!("model `{}`: {e}", trace.model)))?;
    let cfg = WorldConfig::from_scenario(&trace.scenario);
    // A lasso steps through the liveness checker's world: no horizon, and
    // states shifted back in time once faults are over.
    let (world, abstraction) = if trace.loop_start.is_some() {
        let world = liveness::unbounded_world(model, &cfg);
        let abs = liveness::Abstraction::new(&world)
            .map_err(|e| fail(None, format!("a lasso, but {e}")))?;
        (world, Some(abs))
    } else {
        (
            World::new(model, cfg, crate::properties::properties::<M>),
            None,
        )
    };
    let shift = |state: &mut WorldState<M>| -> u64 {
        abstraction
            .as_ref()
            .map_or(0, |a| a.canonicalize(&world, state) as u64)
    };
    if world.node_names() != trace.nodes.as_slice() {
        return Err(fail(
            None,
            format!(
                "the trace's nodes are {:?} but the model now has {:?}",
                trace.nodes,
                world.node_names()
            ),
        ));
    }
    let mut inits = world.init_states();
    if trace.init_index >= inits.len() {
        return Err(fail(
            Some(0),
            format!(
                "initial state {} does not exist (the scenario gives {})",
                trace.init_index,
                inits.len()
            ),
        ));
    }
    if trace.steps.len() != trace.actions.len() + 1 {
        return Err(fail(
            None,
            format!(
                "{} actions but {} recorded steps (expected one more step than actions): the file is truncated or edited",
                trace.actions.len(),
                trace.steps.len()
            ),
        ));
    }
    let mut state = inits.swap_remove(trace.init_index);
    let mut total_shift = shift(&mut state);
    let mut shifts = vec![total_shift];
    let compare = |step: usize, state: &WorldState<M>| -> Option<String> {
        let now = serde_json::to_value(step_view(&world, state)).expect("views serialize");
        let then = serde_json::to_value(&trace.steps[step].state).expect("views serialize");
        first_difference("state", &then, &now)
    };
    if let Some(diff) = compare(0, &state) {
        return Err(fail(Some(0), format!("the initial state differs: {diff}")));
    }
    let mut states = vec![state.clone()];
    let mut actions: Vec<Action<M::Msg, M::Timer>> = Vec::new();
    let mut last_difference = None;
    let last = trace.actions.len();
    for (i, value) in trace.actions.iter().enumerate() {
        let step = i + 1;
        let action: Action<M::Msg, M::Timer> =
            serde_json::from_value(value.clone()).map_err(|e| {
                fail(
                    Some(step),
                    format!("the action does not parse for this model: {e}"),
                )
            })?;
        let mut offered = Vec::new();
        world.actions(&state, &mut offered);
        if !offered.contains(&action) {
            // Described from the file, not through the world: an action that
            // is not offered may name a node or message that does not exist.
            return Err(fail(
                Some(step),
                format!(
                    "`actions[{i}]`: the world does not offer this action here: {}",
                    abbreviated(value)
                ),
            ));
        }
        state = world
            .next_state(&state, action.clone())
            .ok_or_else(|| fail(Some(step), "the action changes nothing".into()))?;
        total_shift += shift(&mut state);
        shifts.push(total_shift);
        if let Some(diff) = compare(step, &state) {
            if step < last {
                return Err(fail(
                    Some(step),
                    format!("the state differs from the recording: {diff}"),
                ));
            }
            last_difference = Some(diff);
        }
        states.push(state.clone());
        actions.push(action);
    }
    Ok(Rebuilt {
        world,
        states,
        actions,
        last_difference,
        shifts,
    })
}

/// Replays `trace` (read from `path`) through model `M`.
pub fn run<M: LockModel>(
    path: &Path,
    trace: &TraceFile,
    detail: bool,
) -> Result<ReplayReport, TraceError> {
    let Rebuilt {
        world,
        states,
        actions,
        last_difference,
        shifts,
    } = rebuild::<M>(path, trace)?;
    if trace.property.kind() == PropertyKind::Liveness {
        return replay_lasso(
            path,
            trace,
            detail,
            Rebuilt {
                world,
                states,
                actions,
                last_difference,
                shifts,
            },
        );
    }
    if trace.property.kind() == PropertyKind::Reachability {
        return Err(TraceError {
            file: path.to_path_buf(),
            step: None,
            message: format!(
                "`{}` is not a property with counterexamples",
                trace.property
            ),
        });
    }
    let index = PropertyName::ALL
        .iter()
        .position(|p| *p == trace.property)
        .expect("every property has an index");
    let property = &world.properties()[index];
    let last_state = states.last().expect("at least the initial state");
    // Counterexamples are of `always` properties (safety and bounded
    // liveness): the violation is the condition failing in the last state.
    let violated = !(property.condition)(&world, last_state);
    let outcome = judge(path, trace, violated, last_difference, || {
        format!("{} holds in its last state", trace.property)
    })?;
    let rows = timeline_rows(&world, &states, &actions);
    let details = detail.then(|| step_details(&world, &states));
    Ok(ReplayReport {
        model: trace.model.clone(),
        property: trace.property,
        steps: actions.len(),
        rows,
        details,
        outcome,
        loop_start: None,
    })
}

/// For `--step`: the whole first state, then what each step changed.
fn step_details<M: LockModel>(world: &World<M>, states: &[WorldState<M>]) -> Vec<Vec<String>> {
    let full: Vec<Vec<String>> = states.iter().map(|s| state_detail(world, s)).collect();
    full.iter()
        .enumerate()
        .map(|(i, lines)| match i {
            0 => lines.clone(),
            _ => {
                let changed = super::changes::changes(&full[i - 1], lines);
                if changed.is_empty() {
                    vec!["(nothing changed)".to_string()]
                } else {
                    changed
                }
            }
        })
        .collect()
}

/// How many more times replay runs a lasso's loop in the world without
/// the time shift.
const LOOP_REPEATS: usize = 3;

/// A lasso reproduces when its loop closes (the last state is the loop
/// start's, under the time shift), every state of the loop is bad for the
/// property, repeating the loop is a fair run, and the run, its loop
/// repeated [`LOOP_REPEATS`] more times, is one of the world without the
/// shift too.
fn replay_lasso<M: LockModel>(
    path: &Path,
    trace: &TraceFile,
    detail: bool,
    rebuilt: Rebuilt<M>,
) -> Result<ReplayReport, TraceError> {
    let Rebuilt {
        world,
        states,
        actions,
        last_difference,
        shifts,
    } = rebuilt;
    let fail = |message: String| TraceError {
        file: path.to_path_buf(),
        step: None,
        message,
    };
    let k = trace.loop_start.ok_or_else(|| {
        fail(format!(
            "`{}` needs a lasso, but the trace has no `loop_start`",
            trace.property
        ))
    })?;
    if k >= actions.len() {
        return Err(fail(format!(
            "`loop_start` is {k}, but a loop needs at least one step after it (the trace has {})",
            actions.len()
        )));
    }
    let why_not = liveness::why_not_a_lasso(&world, trace.property, &states[k..], &actions[k..])
        .or_else(|| {
            // The loop, repeated in the world without the time shift.
            let abs = liveness::Abstraction::new(&world).ok()?;
            let init = world.init_states().swap_remove(trace.init_index);
            liveness::why_not_unrolled(&world, &abs, init, &states, k, LOOP_REPEATS)
        });
    // When the last step changed too, say why the loop fails as well.
    let difference = last_difference.map(|d| match &why_not {
        Some(why) => format!("{d}; {why}"),
        None => d,
    });
    let outcome = judge(path, trace, why_not.is_none(), difference, || {
        why_not.clone().unwrap_or_default()
    })?;
    let init = world.init_states().swap_remove(trace.init_index);
    let (rows, _) = crate::check::lasso_in_real_time(&world, init, &states, &actions, &shifts, k);
    let details = detail.then(|| step_details(&world, &states));
    Ok(ReplayReport {
        model: trace.model.clone(),
        property: trace.property,
        steps: actions.len(),
        rows,
        details,
        outcome,
        loop_start: Some(k),
    })
}

/// A lasso's run in real time, as a path: its stem, then its loop run
/// `1 + repeats` times, each state concrete (no time shift) and each
/// action the one the world takes there, so that every request carries
/// the real times and ids of its round. Real servers replay this path
/// (they keep real time, not the checker's shifted one): the loop's
/// requests are sent round after round and must be answered the same way
/// every time. The steps of round `r` (from 0) are `loop_start + r * len +
/// 1 ..= loop_start + (r + 1) * len`, `len` the loop's length.
pub fn unrolled<M: LockModel>(
    path: &Path,
    trace: &TraceFile,
    repeats: usize,
) -> Result<TraceFile, TraceError> {
    let fail = |message: String| TraceError {
        file: path.to_path_buf(),
        step: None,
        message,
    };
    let k = trace
        .loop_start
        .ok_or_else(|| fail("the trace is a path, not a lasso: nothing to unroll".into()))?;
    let Rebuilt { world, states, .. } = rebuild::<M>(path, trace)?;
    if k >= states.len() - 1 {
        return Err(fail(format!(
            "`loop_start` is {k}, but a loop needs at least one step after it (the trace has {})",
            states.len() - 1
        )));
    }
    let abs = liveness::Abstraction::new(&world).map_err(|e| fail(format!("a lasso, but {e}")))?;
    let init = world.init_states().swap_remove(trace.init_index);
    let (states, actions) =
        liveness::unroll(&world, &abs, init, &states, k, repeats).map_err(fail)?;
    let rows = timeline_rows(&world, &states, &actions);
    let mut file = serde_json::to_value(trace).expect("traces serialize");
    file["actions"] = serde_json::to_value(&actions).expect("actions serialize");
    file["steps"] = serde_json::to_value(crate::check::trace_steps(&world, &states, &rows))
        .expect("steps serialize");
    let object = file.as_object_mut().expect("a trace is an object");
    object.remove("loop_start");
    object.insert("kind".into(), "counterexample".into());
    Ok(serde_json::from_value(file).expect("an unrolled trace reads back"))
}

/// What a fully replayed trace shows. A recording is a claim: its last
/// state violates the property. A replay reproduces it only when every
/// state, the last one included, is as recorded and the property is
/// violated. When the last state differs and the property holds, the model
/// changed: the bug was fixed. Any other combination means the file
/// contradicts itself (it was edited), which is bad input.
fn judge(
    path: &Path,
    trace: &TraceFile,
    violated: bool,
    last_difference: Option<String>,
    why_holds: impl FnOnce() -> String,
) -> Result<ReplayOutcome, TraceError> {
    let fail = |message: String| TraceError {
        file: path.to_path_buf(),
        step: Some(trace.actions.len()),
        message,
    };
    match (violated, last_difference) {
        (true, None) => Ok(ReplayOutcome::Reproduced),
        (false, Some(difference)) => Ok(ReplayOutcome::NoLongerViolated {
            difference: Some(difference),
        }),
        (true, Some(difference)) => Err(fail(format!(
            "the last state differs from the recording: {difference}"
        ))),
        (false, None) => Err(fail(format!(
            "every state replays as recorded, but {}: the file does not record a \
             counterexample of `{}` (was it edited?)",
            why_holds(),
            trace.property
        ))),
    }
}

/// A recorded action for an error message, cut to a readable length.
fn abbreviated(value: &serde_json::Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The first place where two JSON values differ, as `path: recorded X, now Y`.
fn first_difference(
    path: &str,
    then: &serde_json::Value,
    now: &serde_json::Value,
) -> Option<String> {
    use serde_json::Value;
    match (then, now) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                match b.get(k) {
                    Some(vb) => {
                        if let Some(d) = first_difference(&format!("{path}.{k}"), va, vb) {
                            return Some(d);
                        }
                    }
                    None => return Some(format!("{path}.{k}: recorded {va}, now absent")),
                }
            }
            b.iter()
                .find(|(k, _)| !a.contains_key(*k))
                .map(|(k, vb)| format!("{path}.{k}: not recorded, now {vb}"))
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                if let Some(d) = first_difference(&format!("{path}[{i}]"), va, vb) {
                    return Some(d);
                }
            }
            (a.len() != b.len())
                .then(|| format!("{path}: recorded {} entries, now {}", a.len(), b.len()))
        }
        _ => (then != now).then(|| format!("{path}: recorded {then}, now {now}")),
    }
}

/// The path of `trace` as the Explorer addresses it: the initial state's
/// index, then each action's index among the actions offered at its state.
pub fn explorer_path<M: LockModel>(trace: &TraceFile) -> Result<String, TraceError> {
    let path = Path::new(&trace.scenario_file);
    let Rebuilt {
        world,
        states,
        actions,
        ..
    } = rebuild::<M>(path, trace)?;
    if trace.loop_start.is_some() {
        return Err(TraceError {
            file: path.to_path_buf(),
            step: None,
            message: "a lasso's states are shifted in time; the Explorer cannot follow it".into(),
        });
    }
    let mut parts = vec![trace.init_index.to_string()];
    for (state, action) in states.iter().zip(&actions) {
        let mut offered = Vec::new();
        world.actions(state, &mut offered);
        let index = offered
            .iter()
            .position(|a| a == action)
            .expect("rebuilt steps are offered");
        parts.push(index.to_string());
    }
    Ok(parts.join("/"))
}
