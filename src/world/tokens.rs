//! Fencing-token renumbering: every [`FenceToken`] a state holds, and the
//! [`FenceCounter`]s they come from, moved down in order so that the
//! numbers stay small, for the liveness checker (`src/check/liveness.rs`),
//! which keeps rounds without end finite this way. The world's own copies
//! of the tokens move with them: the one each holder's workload sends with
//! its operations, the ones in the resource's operations in flight, the
//! highest token the resource has seen and the ghost of the highest it
//! accepted a write with.
//!
//! The map. Let `m` be the lowest counter in the state. Every value below
//! `m` goes to its rank among the values below `m` (0 and 1 always
//! counted among them, so that they stay 0 and 1), and every value from
//! `m` up moves down by the same amount, to `r + (v - m)` where `r` is the
//! number of values below `m`.
//!
//! Why it is sound. Handlers compare tokens only for order and equality
//! (the node API gives them no arithmetic): with each other, with the
//! constants 0 and 1, and with the tokens a counter hands out later, which
//! are its value plus one, plus two, and so on. The resource compares them
//! only for order too. The map keeps the order of every value the state
//! holds and fixes 0 and 1; below `m` it may close gaps, which no later
//! value can fall into (each counter only grows, from at least `m`); from
//! `m` up it is a translation, which keeps every distance between a value
//! there and a counter's future values. So every comparison a handler or
//! the resource could make, now or after any number of steps, comes out
//! the same before and after: the map is a bisimulation that keeps every
//! label. With a single counter that never goes back, every token is at
//! most the counter, and what remains is finite: the values below it
//! become 0, 1, 2, ..., and the counter the next number.
//!
//! A server that restarts without what it saved starts its counter again
//! from 0, whose later values are constants the map does not fix: while a
//! crashed server may still come back (a crash fault with restarts, on
//! servers, before `faults_until_ticks`), nothing is renumbered.

use std::collections::BTreeSet;

use crate::node::{
    FenceCounter, FenceToken, Instant, LockModel, ReadTimes, TimeVisitors, TokenRenumbering,
    VisitTimes,
};
use crate::scenario::Targets;
use crate::world::times::{read_all, visit_all};
use crate::world::{Payload, World, WorldState};

/// Collects token values and counters.
#[derive(Default)]
struct Present {
    values: BTreeSet<u64>,
    counters: BTreeSet<u64>,
}

impl ReadTimes for Present {
    fn instant(&mut self, _t: Instant) {}

    fn token(&mut self, t: FenceToken) {
        self.values.insert(t.number());
    }

    fn fence_counter(&mut self, c: FenceCounter) {
        self.counters.insert(c.last().number());
    }
}

/// Applies the renumbering to the model's tokens and counters.
struct Apply<'a>(&'a TokenRenumbering);

impl VisitTimes for Apply<'_> {
    fn instant(&mut self, _t: &mut Instant) {}

    fn token(&mut self, t: &mut FenceToken) {
        t.set_number(self.0.apply(t.number()));
    }

    fn fence_counter(&mut self, c: &mut FenceCounter) {
        c.set_number(self.0.apply(c.last().number()));
    }
}

impl<M: LockModel> World<M> {
    /// Renumbers the fencing tokens of `s` (see the module documentation).
    /// A model that keeps no [`FenceCounter`] is left alone.
    pub fn renumber_tokens(&self, tv: &TimeVisitors<M>, s: &mut WorldState<M>) {
        let restart_may_come = self.cfg.faults.crash.as_ref().is_some_and(|c| {
            c.restart && c.targets != Targets::Clients && s.now < self.cfg.faults_until_ticks
        });
        if restart_may_come {
            return;
        }
        let mut present = Present::default();
        read_all(tv, s, &mut present);
        let mut values = present.values;
        values.extend(s.clients.iter().filter_map(|c| c.work.token));
        values.extend([s.resource.highest_token, s.resource.last_write_token]);
        for e in &s.network {
            if let Payload::Resource(m) = &e.payload
                && let Some(t) = m.token()
            {
                values.insert(t);
            }
        }
        let Some(map) = TokenRenumbering::new(values, present.counters) else {
            return;
        };
        if map.is_identity() {
            return;
        }
        visit_all(tv, s, &mut Apply(&map));
        for slot in &mut s.servers {
            slot.timers.sort();
        }
        for c in &mut s.clients {
            c.timers.sort();
            if let Some(t) = c.work.token.as_mut() {
                *t = map.apply(*t);
            }
        }
        let r = &mut s.resource;
        r.highest_token = map.apply(r.highest_token);
        r.last_write_token = map.apply(r.last_write_token);
        for e in &mut s.network {
            if let Payload::Resource(m) = &mut e.payload
                && let Some(t) = m.token_mut()
            {
                *t = map.apply(*t);
            }
        }
        s.network.sort();
    }
}
