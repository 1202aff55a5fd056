//! Token renumbering: every number a state holds that grows with every
//! grant (a [`FenceToken`], a sequence number, a session number), and the
//! counters they come from, moved down in order so that the numbers stay
//! small, for the liveness checker (`src/check/liveness.rs`), which keeps
//! rounds without end finite this way. Each [`TokenFamily`] is renumbered
//! on its own, from its own counters. The world's own copies of the
//! fencing tokens move with the [`TokenFamily::Fence`] family: the one each
//! holder's workload sends with its operations, the ones in the resource's
//! operations in flight, the highest token the resource has seen and the
//! ghost of the highest it accepted a write with.
//!
//! The map, per family. Let `m` be the family's lowest counter in the
//! state. Every value below `m` goes to its rank among the values below `m`
//! (the family's constants always counted among them, so that they stay
//! where they are: 0 and 1 for fencing tokens, 0 for the others), and every
//! value from `m` up moves down by the same amount, to `r + (v - m)` where
//! `r` is the number of values below `m`.
//!
//! Why it is sound. Handlers compare tokens only for order and equality
//! (the node API gives them no arithmetic): with each other, with the
//! family's constants, and with the tokens a counter hands out later, which
//! are its value plus one, plus two, and so on. The resource compares them
//! only for order too. The map keeps the order of every value the state
//! holds and fixes the constants; below `m` it may close gaps, which no
//! later value can fall into (each counter only grows, from at least `m`);
//! from `m` up it is a translation, which keeps every distance between a
//! value there and a counter's future values. So every comparison a handler
//! or the resource could make, now or after any number of steps, comes out
//! the same before and after: the map is a bisimulation that keeps every
//! label. With a single counter per family that never goes back, every
//! token is at most the counter, and what remains is finite: the values
//! below it become 0, 1, 2, ..., and the counter the next number. Families
//! are kept apart because two counters in one map keep their distance,
//! which grows without bound when they count at different rates (a
//! ZooKeeper server's zxid, which every write takes, and its sequence
//! numbers, which only sequential creates take); a number is compared
//! only with numbers of its own family.
//!
//! One computation is allowed: a token made by adding a constant to a token
//! at or above its family's counter (a PostgreSQL sequence's value logged
//! ahead, `models/db_server.rs`). From `m` up the map is a translation, so
//! it commutes with that addition, and such a token stays within a constant
//! of the counter, which keeps what remains finite.
//! `tests/suite/liveness.rs` checks that the map commutes with the steps of
//! that model.
//!
//! A family whose counter no handler reads, only hands out from (sequence
//! and session numbers, [`TokenFamily::counter_read`]), goes one step
//! further where it has one counter and no value at it: the counter moves
//! down onto the largest value below it. Its next number is still above
//! every value held; only reading the counter could tell that the last
//! number it handed out is no longer held.
//!
//! A server that restarts without what it saved starts its counter again
//! from 0, whose later values are constants the map does not fix: while a
//! crashed server may still come back (a crash fault with restarts, on
//! servers, before `faults_until_ticks`), nothing is renumbered.

use std::collections::BTreeMap;

use crate::node::{Instant, LockModel, ReadTimes, TimeVisitors, TokenFamily, VisitTimes};
use crate::scenario::Targets;
use crate::world::times::{read_all, visit_all};
use crate::world::{Payload, World, WorldState};

/// One family's values and counters.
#[derive(Default)]
struct Numbers {
    values: Vec<u64>,
    counters: Vec<u64>,
}

/// Collects each family's values and counters.
#[derive(Default)]
struct Present(BTreeMap<TokenFamily, Numbers>);

impl ReadTimes for Present {
    fn instant(&mut self, _t: Instant) {}

    fn token(&mut self, family: TokenFamily, number: u64) {
        self.0.entry(family).or_default().values.push(number);
    }

    fn counter(&mut self, family: TokenFamily, last: u64) {
        self.0.entry(family).or_default().counters.push(last);
    }
}

/// Applies each family's renumbering to the model's numbers and counters.
struct Apply<'a>(&'a BTreeMap<TokenFamily, TokenRenumbering>);

impl VisitTimes for Apply<'_> {
    fn instant(&mut self, _t: &mut Instant) {}

    fn token(&mut self, family: TokenFamily, number: &mut u64) {
        if let Some(map) = self.0.get(&family) {
            *number = map.apply(*number);
        }
    }

    fn counter(&mut self, family: TokenFamily, last: &mut u64) {
        if let Some(map) = self.0.get(&family) {
            *last = map.apply_counter(*last);
        }
    }
}

impl<M: LockModel> World<M> {
    /// Renumbers the tokens of `s`, family by family (see the module
    /// documentation). A family without a counter is left alone.
    pub fn renumber_tokens(&self, tv: &TimeVisitors<M>, s: &mut WorldState<M>) {
        let restart_may_come = self.cfg.faults.crash.as_ref().is_some_and(|c| {
            c.restart && c.targets != Targets::Clients && s.now < self.cfg.faults_until_ticks
        });
        if restart_may_come {
            return;
        }
        let mut present = Present::default();
        read_all(tv, s, &mut present);
        if present.0.is_empty() {
            return;
        }
        if let Some(fence) = present.0.get_mut(&TokenFamily::Fence) {
            let values = &mut fence.values;
            values.extend(s.clients.iter().filter_map(|c| c.work.token));
            values.extend([
                s.resource.highest_token,
                s.resource.last_write_token,
                s.resource.second_highest_token,
            ]);
            for e in &s.network {
                if let Payload::Resource(m) = &e.payload
                    && let Some(t) = m.token()
                {
                    values.push(t);
                }
            }
        }
        let maps: BTreeMap<TokenFamily, TokenRenumbering> = present
            .0
            .into_iter()
            .filter_map(|(family, n)| {
                let map = TokenRenumbering::new(n.values, n.counters, family)?;
                (!map.is_identity()).then_some((family, map))
            })
            .collect();
        if maps.is_empty() {
            return;
        }
        visit_all(tv, s, &mut Apply(&maps));
        for slot in &mut s.servers {
            slot.timers.sort();
        }
        for c in &mut s.clients {
            c.timers.sort();
        }
        let Some(map) = maps.get(&TokenFamily::Fence) else {
            s.network.sort();
            return;
        };
        for c in &mut s.clients {
            if let Some(t) = c.work.token.as_mut() {
                *t = map.apply(*t);
            }
        }
        let r = &mut s.resource;
        r.highest_token = map.apply(r.highest_token);
        r.last_write_token = map.apply(r.last_write_token);
        r.second_highest_token = map.apply(r.second_highest_token);
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

/// The order-preserving renumbering of one [`TokenFamily`] (see the module
/// documentation): every value below the family's lowest counter goes to
/// its rank among them (the family's constants always counted, so they
/// stay where they are), and every value from the lowest counter up moves
/// down by the same amount.
struct TokenRenumbering {
    /// The values below the lowest counter, in order.
    below: Vec<u64>,
    lowest_counter: u64,
    /// Where the counter goes, when that is not where `apply` takes it:
    /// for a family whose counter is only ever handed out from, never read
    /// ([`TokenFamily::counter_read`]), with one counter value and no token
    /// at it, the counter goes down onto the largest value below it. Every
    /// number it hands out later is still above every value held, and by
    /// as many steps, so every comparison comes out the same; only reading
    /// the counter itself could tell "the last number handed out is no
    /// longer held" from "it is".
    counter_to: Option<u64>,
}

impl TokenRenumbering {
    /// The renumbering of `values` (every token the state holds, the
    /// counters' values among them or not) for `counters` (the value of each
    /// counter tokens come from: the last one handed out); `None` without
    /// any counter.
    pub fn new(
        values: Vec<u64>,
        counters: Vec<u64>,
        family: TokenFamily,
    ) -> Option<TokenRenumbering> {
        let lowest_counter = *counters.iter().min()?;
        let one_counter = counters.iter().all(|c| *c == lowest_counter);
        let none_at_or_above = values.iter().all(|v| *v < lowest_counter);
        let mut below: Vec<u64> = values
            .into_iter()
            .chain(family.constants().iter().copied())
            .filter(|v| *v < lowest_counter)
            .collect();
        below.sort_unstable();
        below.dedup();
        let counter_to = (!family.counter_read() && one_counter && none_at_or_above)
            .then(|| below.len().saturating_sub(1) as u64);
        Some(TokenRenumbering {
            below,
            lowest_counter,
            counter_to,
        })
    }

    /// Where a counter at `c` goes.
    pub fn apply_counter(&self, c: u64) -> u64 {
        match self.counter_to {
            Some(to) => to,
            None => self.apply(c),
        }
    }

    /// Where `v` goes; `v` must be one of the values given, or at least the
    /// lowest counter.
    pub fn apply(&self, v: u64) -> u64 {
        if v < self.lowest_counter {
            self.below
                .binary_search(&v)
                .expect("every value below the counter was given") as u64
        } else {
            v - self.lowest_counter + self.below.len() as u64
        }
    }

    /// Whether it moves nothing.
    pub fn is_identity(&self) -> bool {
        self.below.len() as u64 == self.lowest_counter
            && self.counter_to.is_none_or(|to| to == self.lowest_counter)
    }
}
