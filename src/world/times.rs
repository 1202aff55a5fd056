//! The time shift of a model's own times: every [`Instant`] a state holds,
//! moved with the clocks, and those that have passed for good merged, for
//! the liveness checker (`src/check/liveness.rs`), which makes time finite
//! by shifting it.
//!
//! A model that keeps its absolute times as `Instant`s hands the harness a
//! [`TimeVisitors`] ([`LockModel::times`](crate::node::LockModel::times)).
//! Its handlers then use a time only by comparing it (with a clock reading
//! or with another time) and by adding a duration to it.
//!
//! Why it is sound. Once faults can no longer start, no clock jumps and
//! every clock runs at 100%, so between two states every clock reading
//! moved by the real time that passed.
//! - **Shift.** Subtracting the same `d` from real time, from every clock
//!   reading and from every `Instant` keeps every comparison between them
//!   and every sum of a time and a duration in step, so a handler takes the
//!   same branch, and the world the same steps, as before the shift.
//! - **Merge.** Let `low` be the smallest reading of any clock of any node
//!   now, and `past` the instants below it. Clocks only move forward, so
//!   every clock reading from now on exceeds each of them: comparisons
//!   with clocks come out the same whatever their values are, as long as
//!   they stay below `low`. Comparisons among themselves and with later
//!   instants come out the same as long as their order is kept. So they are
//!   renumbered `low - k, ..., low - 1` in their order (`k` distinct
//!   values), and the state behaves as before. A model that adds a
//!   duration to an instant it kept (a file's mtime plus its TTL) declares
//!   the longest such duration `h`
//!   ([`TimeVisitors::kept_plus_ticks_max`]), and `low` is lowered by `h`:
//!   a merged instant plus any duration up to `h` is still below every
//!   clock. What this does not cover is such a sum compared with another
//!   kept time rather than with a clock: a model whose handlers do that
//!   must not claim `times` (the time-shift test, `tests/suite/time_shift.rs`,
//!   looks for it on sampled states).
//!
//! The safety search merges passed instants too
//! ([`World::merge_past_times`], through `super::symmetry::Canonical`),
//! without shifting, while faults may still strike. Drift keeps every
//! clock moving forward (a rate above zero), so only a backward jump of a
//! wall clock can take a reading back; the merge then keeps instants a
//! further margin below every clock, the total backward jump the budget
//! has left ([`World::backward_jump_ticks_left`]). `tests/suite/reductions.rs`
//! cross-checks that search against the unmerged one.
//!
//! Under clock drift the liveness checker moves each node's instants by
//! its own clock's amount and merges them per node
//! ([`World::shift_times_per_node`]), which is exact while no instant
//! leaves the node whose clock it was read from (`src/check/liveness.rs`
//! checks that no message carries one).
//!
//! What remains is finite: every instant not merged lies between `low` and
//! the latest clock plus the longest duration the model adds, a window
//! that no longer moves once the shift keeps real time in place.

use std::collections::BTreeSet;

use crate::node::{Instant, LockModel, ReadTimes, TimeVisitors, VisitTimes};
use crate::world::{ClientSlotOf, Payload, ServerSlotOf, World, WorldState};

/// Collects instants.
struct Collect(BTreeSet<Instant>);

impl ReadTimes for Collect {
    fn instant(&mut self, t: Instant) {
        self.0.insert(t);
    }
}

/// Whether a map moves any of the instants it is handed.
struct Moves<F: Fn(Instant) -> Instant> {
    map: F,
    moved: bool,
}

impl<F: Fn(Instant) -> Instant> ReadTimes for Moves<F> {
    fn instant(&mut self, t: Instant) {
        self.moved |= (self.map)(t) != t;
    }
}

/// Applies a map to instants.
struct Apply<F: FnMut(Instant) -> Instant>(F);

impl<F: FnMut(Instant) -> Instant> VisitTimes for Apply<F> {
    fn instant(&mut self, t: &mut Instant) {
        *t = (self.0)(*t);
    }
}

/// Visits every instant of the model's part of `s`.
pub(super) fn visit_all<M: LockModel>(
    tv: &TimeVisitors<M>,
    s: &mut WorldState<M>,
    v: &mut dyn VisitTimes,
) {
    for slot in &mut s.servers {
        visit_server(tv, slot, v);
    }
    for slot in &mut s.clients {
        visit_client(tv, slot, v);
    }
    for e in &mut s.network {
        if let Payload::Lock(m) = &mut e.payload {
            (tv.msg)(m, v);
        }
    }
    if let Some(n) = s.process.nonce.as_mut() {
        v.nonce(n);
    }
}

/// [`visit_all`], read only.
pub(super) fn read_all<M: LockModel>(
    tv: &TimeVisitors<M>,
    s: &WorldState<M>,
    v: &mut dyn ReadTimes,
) {
    for slot in &s.servers {
        read_server(tv, slot, v);
    }
    for slot in &s.clients {
        read_client(tv, slot, v);
    }
    for e in &s.network {
        if let Payload::Lock(m) = &e.payload {
            (tv.read_msg)(m, v);
        }
    }
    if let Some(n) = s.process.nonce {
        v.nonce(n);
    }
}

pub(super) fn visit_server<M: LockModel>(
    tv: &TimeVisitors<M>,
    slot: &mut ServerSlotOf<M>,
    v: &mut dyn VisitTimes,
) {
    if let Some(x) = slot.state.as_mut() {
        (tv.server)(x, v);
    }
    if let Some(x) = slot.durable.as_mut() {
        (tv.durable)(x, v);
    }
    for (t, _) in &mut slot.timers {
        (tv.timer)(t, v);
    }
}

pub(super) fn read_server<M: LockModel>(
    tv: &TimeVisitors<M>,
    slot: &ServerSlotOf<M>,
    v: &mut dyn ReadTimes,
) {
    if let Some(x) = &slot.state {
        (tv.read_server)(x, v);
    }
    if let Some(x) = &slot.durable {
        (tv.read_durable)(x, v);
    }
    for (t, _) in &slot.timers {
        (tv.read_timer)(t, v);
    }
}

pub(super) fn visit_client<M: LockModel>(
    tv: &TimeVisitors<M>,
    slot: &mut ClientSlotOf<M>,
    v: &mut dyn VisitTimes,
) {
    if let Some(x) = slot.proto.as_mut() {
        (tv.client)(x, v);
    }
    for (t, _) in &mut slot.timers {
        (tv.timer)(t, v);
    }
}

pub(super) fn read_client<M: LockModel>(
    tv: &TimeVisitors<M>,
    slot: &ClientSlotOf<M>,
    v: &mut dyn ReadTimes,
) {
    if let Some(x) = &slot.proto {
        (tv.read_client)(x, v);
    }
    for (t, _) in &slot.timers {
        (tv.read_timer)(t, v);
    }
}

impl<M: LockModel> World<M> {
    /// Whether a message in flight in `s` carries an instant.
    pub fn message_times(&self, tv: &TimeVisitors<M>, s: &WorldState<M>) -> bool {
        let mut all = Collect(BTreeSet::new());
        for e in &s.network {
            if let Payload::Lock(m) = &e.payload {
                (tv.read_msg)(m, &mut all);
            }
        }
        !all.0.is_empty()
    }

    /// Moves every instant of the model's part of `s` back by `shift_ticks`
    /// (the clocks and real time have been moved already), then merges the
    /// instants that have passed for good (see the module documentation).
    /// Only for states in which faults can no longer start and every clock
    /// runs at 100%.
    pub fn shift_times(&self, tv: &TimeVisitors<M>, s: &mut WorldState<M>, shift_ticks: i64) {
        if shift_ticks != 0 {
            visit_all(
                tv,
                s,
                &mut Apply(|t: Instant| Instant::from_ticks(t.ticks() - shift_ticks)),
            );
        }
        self.merge_past_times(tv, s, 0);
    }

    /// [`World::shift_times`] for clocks that drift: moves node `i`'s
    /// instants (in its state, durable state and timer tags) back by
    /// `shifts[i]`, how far its own clocks moved, then merges, per node,
    /// those that have passed for good on that node's clocks.
    ///
    /// Exact only while every instant stays on the node whose clock it was
    /// read from, so that a node compares its instants only with its own
    /// clocks and with each other: the liveness checker uses it only where
    /// no message in flight carries an instant, which is the only way one
    /// could leave its node. Messages are left alone.
    pub fn shift_times_per_node(
        &self,
        tv: &TimeVisitors<M>,
        s: &mut WorldState<M>,
        shifts: &[i64],
    ) {
        let now = s.now;
        let servers = s.servers.len();
        for (i, slot) in s.servers.iter_mut().enumerate() {
            let clock = &s.clocks[i];
            let low = clock.wall(now).min(clock.mono(now)) - tv.kept_plus_ticks_max as i64;
            let shift = shifts[i];
            let mut all = Collect(BTreeSet::new());
            read_server(tv, slot, &mut all);
            if let Some(map) = shift_and_merge(&all.0, shift, low) {
                let slot = &mut **slot;
                visit_server(tv, slot, &mut Apply(map));
                slot.timers.sort();
            }
        }
        for (i, slot) in s.clients.iter_mut().enumerate() {
            let clock = &s.clocks[servers + i];
            let low = clock.wall(now).min(clock.mono(now)) - tv.kept_plus_ticks_max as i64;
            let shift = shifts[servers + i];
            let mut all = Collect(BTreeSet::new());
            read_client(tv, slot, &mut all);
            if let Some(map) = shift_and_merge(&all.0, shift, low) {
                let slot = &mut **slot;
                visit_client(tv, slot, &mut Apply(map));
                slot.timers.sort();
            }
        }
    }

    /// How far, in total, wall clocks may still be stepped back from `s`
    /// on: what the jump budget has left times the largest backward jump,
    /// while jumps may still start; 0 otherwise.
    pub fn backward_jump_ticks_left(&self, s: &WorldState<M>) -> i64 {
        let Some(jump) = &self.cfg.faults.clock.jump else {
            return 0;
        };
        if s.now >= self.cfg.faults_until_ticks || s.faults.jumps >= jump.max {
            return 0;
        }
        let back = jump
            .ticks
            .iter()
            .map(|&t| -(t as i64))
            .max()
            .unwrap_or(0)
            .max(0);
        (jump.max - s.faults.jumps) as i64 * back
    }

    /// Merges the instants of the model's part of `s` that have passed for
    /// good (see the module documentation), keeping them a further
    /// `margin_ticks` below every clock: the safety search passes what
    /// backward clock jumps may still take back
    /// ([`World::backward_jump_ticks_left`]). Clocks that drift still only
    /// move forward, so drift needs no margin.
    pub fn merge_past_times(&self, tv: &TimeVisitors<M>, s: &mut WorldState<M>, margin_ticks: i64) {
        let now = s.now;
        let Some(low) = s.clocks.iter().map(|c| c.wall(now).min(c.mono(now))).min() else {
            return;
        };
        // Below this, even an instant plus the longest duration the model
        // adds to a kept one is below every clock, now and later.
        let low = low - tv.kept_plus_ticks_max as i64 - margin_ticks;
        let mut all = Collect(BTreeSet::new());
        read_all(tv, s, &mut all);
        let Some(map) = shift_and_merge(&all.0, 0, low) else {
            return;
        };
        // Only the slots that hold a moved instant are written to (and so
        // copied, when shared with the state they came from). Timer tags
        // and messages are kept sorted.
        for slot in &mut s.servers {
            let mut moves = Moves {
                map: &map,
                moved: false,
            };
            read_server(tv, slot, &mut moves);
            if moves.moved {
                let slot = &mut **slot;
                visit_server(tv, slot, &mut Apply(&map));
                slot.timers.sort();
            }
        }
        for slot in &mut s.clients {
            let mut moves = Moves {
                map: &map,
                moved: false,
            };
            read_client(tv, slot, &mut moves);
            if moves.moved {
                let slot = &mut **slot;
                visit_client(tv, slot, &mut Apply(&map));
                slot.timers.sort();
            }
        }
        for e in &mut s.network {
            if let Payload::Lock(m) = &mut e.payload {
                (tv.msg)(m, &mut Apply(&map));
            }
        }
        s.network.sort();
    }
}

/// The map that moves one node's instants back by `shift` and renumbers
/// those then below `low` (its clocks' lowest reading, less the longest
/// duration the model adds to a kept instant) to the ticks just below it,
/// in their order; `None` if it moves none of `instants`.
fn shift_and_merge(
    instants: &BTreeSet<Instant>,
    shift: i64,
    low: i64,
) -> Option<impl Fn(Instant) -> Instant> {
    let past: Vec<i64> = instants
        .iter()
        .map(|t| t.ticks() - shift)
        .take_while(|&t| t < low)
        .collect();
    let k = past.len() as i64;
    let merged_in_place = past
        .iter()
        .enumerate()
        .all(|(i, &t)| t == low - k + i as i64);
    if shift == 0 && merged_in_place {
        return None;
    }
    Some(move |t: Instant| {
        let moved = t.ticks() - shift;
        match past.binary_search(&moved) {
            Ok(i) => Instant::from_ticks(low - k + i as i64),
            Err(_) => Instant::from_ticks(moved),
        }
    })
}
