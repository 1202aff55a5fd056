//! Symmetry: identical clients are interchangeable, and so are identical
//! servers where the model says so (Redlock's masters), so the checker may
//! search one state per orbit under permutations of the clients and of the
//! servers together.
//!
//! Why it is sound. Let `p` be a permutation of the clients and of the
//! servers (each among their own kind; servers only when the model
//! declares [`LockModel::server_symmetry`]). It acts on a world state by
//! moving each node's slot and clock to its new place and renaming every
//! node id inside the state (envelopes, the model's server, durable,
//! client, message and timer data through the model's [`Symmetry`], the
//! isolated node), re-sorting the collections the world keeps sorted. The
//! world treats nodes of one kind alike: it looks at a node's index only to
//! find its slot and to tell servers from clients, scenarios target servers
//! and clients as groups (crashes, pauses, partitions, jumps, and the
//! initial skews and drifts, whose choices are the same for every targeted
//! node, so the initial states are closed under `p`), and a clock belongs
//! to its node and moves with it. A model that declares symmetry promises
//! the same of its handlers. So `s -> t` by action `a` exactly when
//! `p(s) -> p(t)` by `p(a)`. The properties read clients only as a set, and
//! servers not at all, so `p` preserves them. Hence the states reachable
//! from the orbits of the initial states are the orbits of the reachable
//! states, at the same depths: a breadth-first search over representatives
//! ([`Canonical`]) decides every property as the full search would, with a
//! shortest counterexample of the same length, which
//! [`Canonical::realize`] turns back into a real path.
//!
//! The representative is a deterministic function of the state (the same
//! on every run and for any thread count). Each interchangeable node gets a
//! key that a permutation carries along with it: its own slot, clock and
//! messages, with ids anonymized (itself, the others of its kind, the other
//! kind). Servers are sorted by key among the server places and clients
//! among the client places; among nodes with equal keys every order is
//! tried, over all such runs of servers and of clients at once, keeping
//! the state with the smallest fingerprint, unless swapping the nodes of a
//! run leaves the state unchanged. Two states of one orbit have the same
//! keys, hence the same candidates, hence the same representative.

use std::ops::Range;

use stateright::{Model, Property};

use super::{Action, WorldState};
use crate::engine::bfs::{Discovery, fingerprint};
use crate::node::{LockModel, NodeId, NodeMap, Symmetry};
use crate::world::World;

/// Which kinds of node a symmetry may permute.
#[derive(Clone, Copy, Debug)]
struct Interchangeable {
    servers: bool,
    clients: bool,
}

impl<M: LockModel> World<M> {
    /// The model's renaming and which nodes it may permute: clients when
    /// there is more than one, servers when the model declares them alike
    /// and there is more than one. `None` when nothing can move.
    fn symmetry(&self) -> Option<(Symmetry<M>, Interchangeable)> {
        let sym = self.model.client_symmetry()?;
        let kinds = Interchangeable {
            servers: self.server_count() >= 2 && self.model.server_symmetry(),
            clients: self.cfg.clients >= 2,
        };
        (kinds.servers || kinds.clients).then_some((sym, kinds))
    }

    /// The places of the kinds `kinds` permutes, as ranges of node indexes.
    fn interchangeable_ranges(&self, kinds: Interchangeable) -> Vec<Range<usize>> {
        let sc = self.server_count();
        let mut ranges = Vec::new();
        if kinds.servers {
            ranges.push(0..sc);
        }
        if kinds.clients {
            ranges.push(sc..self.service_node_count());
        }
        ranges
    }

    /// `s` renamed through `map`, which sends every lock-service node to a
    /// node of its own kind; slots and clocks are not moved.
    fn rename_state(sym: &Symmetry<M>, s: &mut WorldState<M>, map: &NodeMap) {
        let rename_timers = |timers: &mut Vec<(M::Timer, i64)>| {
            for (t, _) in timers.iter_mut() {
                (sym.timer)(t, map);
            }
            timers.sort();
        };
        for slot in &mut s.servers {
            if let Some(x) = slot.state.as_mut() {
                (sym.server)(x, map);
            }
            if let Some(x) = slot.durable.as_mut() {
                (sym.durable)(x, map);
            }
            rename_timers(&mut slot.timers);
        }
        for slot in &mut s.clients {
            if let Some(c) = slot.proto.as_mut() {
                (sym.client)(c, map);
            }
            rename_timers(&mut slot.timers);
        }
        for env in &mut s.network {
            env.src = map.get(env.src);
            env.dst = map.get(env.dst);
            if let super::Payload::Lock(m) = &mut env.payload {
                (sym.msg)(m, map);
            }
        }
        s.network.sort();
        if let Some(n) = s.faults.isolated.as_mut() {
            *n = map.get(*n);
        }
    }

    /// `s` with lock-service node `n` moved to place `perm[n]` (servers
    /// among servers, clients among clients) and every node id renamed to
    /// match.
    pub fn permute(&self, sym: &Symmetry<M>, s: &WorldState<M>, perm: &[usize]) -> WorldState<M> {
        let sc = self.server_count();
        let mut map = NodeMap::identity(self.service_node_count() + 1);
        for (n, &to) in perm.iter().enumerate() {
            map.set(NodeId(n as u8), NodeId(to as u8));
        }
        let mut t = s.clone();
        Self::rename_state(sym, &mut t, &map);
        t.servers = moved(std::mem::take(&mut t.servers), |si| perm[si]);
        t.clients = moved(std::mem::take(&mut t.clients), |ci| perm[sc + ci] - sc);
        for (n, &to) in perm.iter().enumerate() {
            t.clocks[to] = s.clocks[n];
        }
        t
    }

    /// What lock-service node `n` looks like with ids anonymized: itself
    /// as the first place of its kind, the others of its kind as the
    /// second, and the nodes of the other kind, if they move too, as that
    /// kind's first place. Equal for nodes that a permutation exchanges.
    fn node_key(
        &self,
        sym: &Symmetry<M>,
        kinds: Interchangeable,
        s: &WorldState<M>,
        n: usize,
    ) -> u128 {
        let sc = self.server_count();
        let servers = 0..sc;
        let clients = sc..self.service_node_count();
        let (own, other, other_moves) = if servers.contains(&n) {
            (servers, clients, kinds.clients)
        } else {
            (clients, servers, kinds.servers)
        };
        let mut map = NodeMap::identity(self.service_node_count() + 1);
        for m in own.clone() {
            map.set(NodeId(m as u8), NodeId(own.start as u8 + 1));
        }
        map.set(NodeId(n as u8), NodeId(own.start as u8));
        if other_moves {
            for m in other.clone() {
                map.set(NodeId(m as u8), NodeId(other.start as u8));
            }
        }
        let me = NodeId(n as u8);
        let mut t = WorldState {
            now: s.now,
            clocks: Vec::new(),
            servers: Vec::new(),
            clients: Vec::new(),
            resource: Default::default(),
            network: s
                .network
                .iter()
                .filter(|e| e.src == me || e.dst == me)
                .cloned()
                .collect(),
            faults: Default::default(),
            grants: 0,
        };
        if n < sc {
            t.servers.push(s.servers[n].clone());
        } else {
            t.clients.push(s.clients[n - sc].clone());
        }
        Self::rename_state(sym, &mut t, &map);
        let isolated = s.faults.isolated == Some(me);
        fingerprint(&(s.clocks[n], t.servers, t.clients, t.network, isolated))
    }

    /// The representative of `s`'s orbit under the permutations `kinds`
    /// allows.
    fn representative(
        &self,
        sym: &Symmetry<M>,
        kinds: Interchangeable,
        s: &WorldState<M>,
    ) -> WorldState<M> {
        let nodes = self.service_node_count();
        let ranges = self.interchangeable_ranges(kinds);
        let mut keys = vec![0u128; nodes];
        for r in &ranges {
            for n in r.clone() {
                keys[n] = self.node_key(sym, kinds, s, n);
            }
        }
        // `order[place]` is the node that goes to `place`.
        let mut order: Vec<usize> = (0..nodes).collect();
        for r in &ranges {
            order[r.clone()].sort_by_key(|&n| (keys[n], n));
        }
        // Runs of equal keys whose orders must be tried.
        let mut runs = Vec::new();
        for r in &ranges {
            let mut a = r.start;
            while a < r.end {
                let mut b = a + 1;
                while b < r.end && keys[order[b]] == keys[order[a]] {
                    b += 1;
                }
                if b - a > 1 {
                    // If swapping the first with each other leaves `s` as
                    // it is, every order of the run gives the same state.
                    let fixed = order[a + 1..b].iter().all(|&other| {
                        let mut p: Vec<usize> = (0..nodes).collect();
                        p.swap(order[a], other);
                        self.permute(sym, s, &p) == *s
                    });
                    if !fixed {
                        runs.push(a..b);
                    }
                }
                a = b;
            }
        }
        let perm_of = |order: &[usize]| {
            let mut perm = vec![0; nodes];
            for (place, &n) in order.iter().enumerate() {
                perm[n] = place;
            }
            perm
        };
        if runs.is_empty() {
            return self.permute(sym, s, &perm_of(&order));
        }
        for r in &runs {
            order[r.clone()].sort_unstable();
        }
        let mut best: Option<(u128, WorldState<M>)> = None;
        loop {
            let t = self.permute(sym, s, &perm_of(&order));
            let f = fingerprint(&t);
            if best.as_ref().is_none_or(|(bf, _)| f < *bf) {
                best = Some((f, t));
            }
            // The next combination of orders, odometer style.
            let mut advanced = false;
            for r in runs.iter().rev() {
                if next_permutation(&mut order[r.clone()]) {
                    advanced = true;
                    break;
                }
            }
            if !advanced {
                break;
            }
        }
        best.expect("at least one order").1
    }
}

/// `items` with the item at `i` moved to place `to(i)`, a permutation.
fn moved<T>(items: Vec<T>, to: impl Fn(usize) -> usize) -> Vec<T> {
    let mut places: Vec<Option<T>> = items.iter().map(|_| None).collect();
    for (i, x) in items.into_iter().enumerate() {
        places[to(i)] = Some(x);
    }
    places
        .into_iter()
        .map(|x| x.expect("a permutation"))
        .collect()
}

/// Rearranges `v` into the next permutation in lexicographic order; at the
/// last one, sorts it back ascending and returns false.
fn next_permutation(v: &mut [usize]) -> bool {
    if v.len() < 2 {
        return false;
    }
    let mut i = v.len() - 1;
    while i > 0 && v[i - 1] >= v[i] {
        i -= 1;
    }
    if i == 0 {
        v.reverse();
        return false;
    }
    let mut j = v.len() - 1;
    while v[j] <= v[i - 1] {
        j -= 1;
    }
    v.swap(i - 1, j);
    v[i..].reverse();
    true
}

type Condition<M> = fn(&World<M>, &WorldState<M>) -> bool;

/// The world quotiented by its symmetry: every state is its orbit's
/// representative. Only the breadth-first search uses it; what it finds is
/// turned back into real paths by [`Canonical::realize`].
pub struct Canonical<M: LockModel> {
    pub world: World<M>,
    sym: Symmetry<M>,
    kinds: Interchangeable,
    conditions: Vec<Condition<M>>,
}

impl<M: LockModel> Canonical<M> {
    /// `Err` gives the world back when its model declares no symmetry, or
    /// no two nodes of a kind it declares interchangeable exist.
    pub fn new(world: World<M>) -> Result<Canonical<M>, Box<World<M>>> {
        match world.symmetry() {
            Some((sym, kinds)) => {
                let conditions = world.properties().iter().map(|p| p.condition).collect();
                Ok(Canonical {
                    world,
                    sym,
                    kinds,
                    conditions,
                })
            }
            None => Err(Box::new(world)),
        }
    }

    pub fn representative(&self, s: &WorldState<M>) -> WorldState<M> {
        self.world.representative(&self.sym, self.kinds, s)
    }

    /// A real path of the world whose states have, step by step, the
    /// representatives of `d`: from the initial state `d` started from,
    /// each step takes the first action (in `actions()` order) whose
    /// successor has the next recorded representative. One exists because
    /// the real state and the representative differ by a permutation that
    /// maps actions to actions.
    pub fn realize(&self, d: &Discovery<Canonical<M>>) -> Discovery<World<M>> {
        let world = &self.world;
        let mut state = world.init_states().swap_remove(d.init_index);
        assert!(
            self.representative(&state) == d.states[0],
            "the initial state's representative"
        );
        let mut states = vec![state.clone()];
        let mut actions_taken = Vec::new();
        let mut actions = Vec::new();
        for next_rep in &d.states[1..] {
            actions.clear();
            world.actions(&state, &mut actions);
            let (action, next) = actions
                .iter()
                .find_map(|a| {
                    let next = world.next_state(&state, a.clone())?;
                    (self.representative(&next) == *next_rep).then(|| (a.clone(), next))
                })
                .expect(
                    "a step of the quotient maps back to a real step: the model is not symmetric",
                );
            actions_taken.push(action);
            states.push(next.clone());
            state = next;
        }
        Discovery {
            init_index: d.init_index,
            actions: actions_taken,
            states,
        }
    }
}

fn property<M: LockModel, const I: usize>(c: &Canonical<M>, s: &WorldState<M>) -> bool {
    (c.conditions[I])(&c.world, s)
}

impl<M: LockModel> Model for Canonical<M> {
    type State = WorldState<M>;
    type Action = Action<M::Msg, M::Timer>;

    fn init_states(&self) -> Vec<Self::State> {
        self.world
            .init_states()
            .iter()
            .map(|s| self.representative(s))
            .collect()
    }

    fn actions(&self, s: &Self::State, actions: &mut Vec<Self::Action>) {
        self.world.actions(s, actions)
    }

    fn next_state(&self, last: &Self::State, action: Self::Action) -> Option<Self::State> {
        self.world
            .next_state(last, action)
            .map(|s| self.representative(&s))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        let conditions: [fn(&Self, &Self::State) -> bool; 4] = [
            property::<M, 0>,
            property::<M, 1>,
            property::<M, 2>,
            property::<M, 3>,
        ];
        let inner = self.world.properties();
        assert_eq!(inner.len(), conditions.len(), "one wrapper per property");
        inner
            .iter()
            .zip(conditions)
            .map(|(p, condition)| Property {
                expectation: p.expectation.clone(),
                name: p.name,
                condition,
            })
            .collect()
    }
}
