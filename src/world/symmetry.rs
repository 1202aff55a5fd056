//! Client symmetry: identical clients are interchangeable, so the checker
//! may search one state per orbit under permutations of the clients.
//!
//! Why it is sound. Let a permutation `p` of the clients act on a world
//! state by moving each client's slot and clock to its new place and
//! renaming every client id inside the state (envelopes, the model's
//! server, durable, client, message and timer data through the model's
//! [`Symmetry`], the isolated node), re-sorting the collections the world
//! keeps sorted. The world treats clients alike (it never looks at a
//! client's index except to find its slot, and scenarios target clients as
//! a group), and a model that declares symmetry promises the same of its
//! handlers, so `s -> t` by action `a` exactly when `p(s) -> p(t)` by
//! `p(a)`. The properties read clients only as a set, so `p` preserves them.
//! Hence the states reachable from the orbits of the initial states are
//! the orbits of the reachable states, at the same depths: a breadth-first
//! search over representatives ([`Canonical`]) decides every property as
//! the full search would, with a shortest counterexample of the same
//! length, which [`Canonical::realize`] turns back into a real path.
//!
//! The representative is a deterministic function of the state (the same
//! on every run and for any thread count): clients are sorted by a key that
//! does not depend on their ids, and among clients with equal keys every
//! order is tried, keeping the state with the smallest fingerprint, unless
//! swapping them leaves the state unchanged.

use stateright::{Model, Property};

use super::{Action, ClientSlot, WorldState};
use crate::check::bfs::{Discovery, fingerprint};
use crate::node::{LockModel, NodeId, NodeMap, Symmetry};
use crate::world::World;

impl<M: LockModel> World<M> {
    /// The model's client symmetry, when there is more than one client.
    pub fn client_symmetry(&self) -> Option<Symmetry<M>> {
        if self.cfg.clients < 2 {
            return None;
        }
        self.model.client_symmetry()
    }

    fn rename_timers(sym: &Symmetry<M>, timers: &mut [(M::Timer, i64)], map: &NodeMap) {
        for (t, _) in timers.iter_mut() {
            (sym.timer)(t, map);
        }
        timers.sort();
    }

    fn rename_client(sym: &Symmetry<M>, slot: &mut ClientSlot<M::Client, M::Timer>, map: &NodeMap) {
        if let Some(c) = slot.proto.as_mut() {
            (sym.client)(c, map);
        }
        Self::rename_timers(sym, &mut slot.timers, map);
    }

    /// `s` with client `ci` moved to place `perm[ci]` and every client id
    /// renamed to match.
    pub fn permute(&self, sym: &Symmetry<M>, s: &WorldState<M>, perm: &[usize]) -> WorldState<M> {
        let sc = self.server_count();
        let mut map = NodeMap::identity(self.service_node_count() + 1);
        let mut inverse = vec![0; perm.len()];
        for (ci, &to) in perm.iter().enumerate() {
            map.set(self.client_id(ci), self.client_id(to));
            inverse[to] = ci;
        }
        let mut t = s.clone();
        for slot in &mut t.servers {
            if let Some(x) = slot.state.as_mut() {
                (sym.server)(x, &map);
            }
            if let Some(x) = slot.durable.as_mut() {
                (sym.durable)(x, &map);
            }
            Self::rename_timers(sym, &mut slot.timers, &map);
        }
        let mut old: Vec<Option<ClientSlot<M::Client, M::Timer>>> = std::mem::take(&mut t.clients)
            .into_iter()
            .map(Some)
            .collect();
        t.clients = inverse
            .iter()
            .map(|&from| {
                let mut slot = old[from].take().expect("a permutation");
                Self::rename_client(sym, &mut slot, &map);
                slot
            })
            .collect();
        for (to, &from) in inverse.iter().enumerate() {
            t.clocks[sc + to] = s.clocks[sc + from];
        }
        for env in &mut t.network {
            env.src = map.get(env.src);
            env.dst = map.get(env.dst);
            if let super::Payload::Lock(m) = &mut env.payload {
                (sym.msg)(m, &map);
            }
        }
        t.network.sort();
        if let Some(n) = t.faults.isolated.as_mut() {
            *n = map.get(*n);
        }
        t
    }

    /// What client `ci` looks like with ids anonymized (itself as one id,
    /// every other client as another): equal for clients that a
    /// permutation exchanges.
    fn client_key(&self, sym: &Symmetry<M>, s: &WorldState<M>, ci: usize) -> u128 {
        let me = self.client_id(ci);
        let mut map = NodeMap::identity(self.service_node_count() + 1);
        for other in 0..self.cfg.clients {
            map.set(self.client_id(other), NodeId(u8::MAX - 1));
        }
        map.set(me, NodeId(u8::MAX));
        let mut slot = s.clients[ci].clone();
        Self::rename_client(sym, &mut slot, &map);
        let mut envs: Vec<_> = s
            .network
            .iter()
            .filter(|e| e.src == me || e.dst == me)
            .cloned()
            .collect();
        for env in &mut envs {
            env.src = map.get(env.src);
            env.dst = map.get(env.dst);
            if let super::Payload::Lock(m) = &mut env.payload {
                (sym.msg)(m, &map);
            }
        }
        envs.sort();
        let isolated = s.faults.isolated == Some(me);
        fingerprint(&(s.clocks[self.server_count() + ci], slot, envs, isolated))
    }

    /// The representative of `s`'s orbit under client permutations.
    pub fn representative(&self, sym: &Symmetry<M>, s: &WorldState<M>) -> WorldState<M> {
        let n = s.clients.len();
        let keys: Vec<u128> = (0..n).map(|ci| self.client_key(sym, s, ci)).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&ci| (keys[ci], ci));
        // Runs of equal keys whose orders must be tried.
        let mut runs = Vec::new();
        let mut a = 0;
        while a < n {
            let mut b = a + 1;
            while b < n && keys[order[b]] == keys[order[a]] {
                b += 1;
            }
            if b - a > 1 {
                // If swapping the first with each other leaves `s` as it
                // is, every order of the run gives the same state.
                let fixed = order[a + 1..b].iter().all(|&other| {
                    let mut p: Vec<usize> = (0..n).collect();
                    p.swap(order[a], other);
                    self.permute(sym, s, &p) == *s
                });
                if !fixed {
                    runs.push(a..b);
                }
            }
            a = b;
        }
        let perm_of = |order: &[usize]| {
            let mut perm = vec![0; n];
            for (place, &ci) in order.iter().enumerate() {
                perm[ci] = place;
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

/// The world quotiented by client symmetry: every state is its orbit's
/// representative. Only the breadth-first search uses it; what it finds is
/// turned back into real paths by [`Canonical::realize`].
pub struct Canonical<M: LockModel> {
    pub world: World<M>,
    sym: Symmetry<M>,
    conditions: Vec<Condition<M>>,
}

impl<M: LockModel> Canonical<M> {
    /// `Err` gives the world back when its model declares no symmetry.
    pub fn new(world: World<M>) -> Result<Canonical<M>, Box<World<M>>> {
        match world.client_symmetry() {
            Some(sym) => {
                let conditions = world.properties().iter().map(|p| p.condition).collect();
                Ok(Canonical {
                    world,
                    sym,
                    conditions,
                })
            }
            None => Err(Box::new(world)),
        }
    }

    pub fn representative(&self, s: &WorldState<M>) -> WorldState<M> {
        self.world.representative(&self.sym, s)
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
                .expect("a step of the quotient maps back to a real step: the model is not client-symmetric");
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
