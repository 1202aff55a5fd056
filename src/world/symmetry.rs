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
//! node a partition cuts off or the sides of a split, the owner of the
//! nonce in the clients' shared memory), re-sorting the
//! collections the world keeps sorted (and putting a split's sides back in
//! their order). The
//! world treats nodes of one kind alike: it looks at a node's index only to
//! find its slot and to tell servers from clients, scenarios target servers
//! and clients as groups (crashes, pauses, partitions, jumps, and the
//! initial skews and drifts, whose choices are the same for every targeted
//! node, so the initial states are closed under `p`; a split partition is
//! offered for every division whose sides each hold a targeted node, a set
//! closed under `p` too), and a clock belongs
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
//! messages and the partition as it sees it, with ids anonymized (itself,
//! the others of its kind, the other kind). Servers are sorted by key among the server places and clients
//! among the client places; among nodes with equal keys every order is
//! tried, over all such runs of servers and of clients at once, keeping
//! the state with the smallest fingerprint, unless swapping the nodes of a
//! run leaves the state unchanged. Two states of one orbit have the same
//! keys, hence the same candidates, hence the same representative.

use std::any::Any;
use std::cell::RefCell;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use stateright::{Model, Property};

use super::{Action, Clock, Cut, Envelope, Payload, WorldState};
use crate::engine::bfs::{Discovery, fingerprint};
use crate::node::{LockModel, NodeId, NodeMap, NodeSet, Rename, Symmetry, TimeVisitors};
use crate::world::World;

type Slot<M> = super::ServerSlotOf<M>;
type Client<M> = super::ClientSlotOf<M>;

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

    /// `slot` renamed through `map`, its timers sorted again.
    fn rename_server(sym: &Symmetry<M>, slot: &mut Slot<M>, map: &NodeMap) {
        if let Some(x) = slot.state.as_mut() {
            (sym.server)(x, map);
        }
        if let Some(x) = slot.durable.as_mut() {
            (sym.durable)(x, map);
        }
        rename_timers(sym, &mut slot.timers, map);
    }

    /// `slot` renamed through `map`, its timers sorted again.
    fn rename_client(sym: &Symmetry<M>, slot: &mut Client<M>, map: &NodeMap) {
        if let Some(c) = slot.proto.as_mut() {
            (sym.client)(c, map);
        }
        rename_timers(sym, &mut slot.timers, map);
        slot.sessions_down.rename(map);
        // Connection numbers are kept per server: they move with it.
        if !slot.conns.is_empty() {
            let mut conns = slot.conns.clone();
            for (i, &n) in slot.conns.iter().enumerate() {
                conns[map.get(NodeId(i as u8)).index()] = n;
            }
            slot.conns = conns;
        }
    }

    fn rename_envelope(sym: &Symmetry<M>, env: &mut Envelope<M::Msg>, map: &NodeMap) {
        env.src = map.get(env.src);
        env.dst = map.get(env.dst);
        if let Payload::Lock(m) = &mut env.payload {
            (sym.msg)(m, map);
        }
    }

    /// `s` renamed through `map`, which sends every lock-service node to a
    /// node of its own kind; slots and clocks are not moved.
    fn rename_state(sym: &Symmetry<M>, s: &mut WorldState<M>, map: &NodeMap) {
        for slot in &mut s.servers {
            Self::rename_server(sym, slot, map);
        }
        for slot in &mut s.clients {
            Self::rename_client(sym, slot, map);
        }
        for env in &mut s.network {
            Self::rename_envelope(sym, env, map);
        }
        s.network.sort();
        if let Some(p) = s.faults.partition.as_mut() {
            p.rename(map);
        }
        if let Some(n) = s.process.nonce.as_mut() {
            n.rename(map);
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

    /// Sets `map` to the anonymizing renaming [`Self::node_key`] describes
    /// for node `n`.
    fn anonymizing_map(&self, kinds: Interchangeable, n: usize, map: &mut NodeMap) {
        let sc = self.server_count();
        let servers = 0..sc;
        let clients = sc..self.service_node_count();
        let (own, other, other_moves) = if servers.contains(&n) {
            (servers, clients, kinds.clients)
        } else {
            (clients, servers, kinds.servers)
        };
        set_identity(map, self.service_node_count() + 1);
        for m in own.clone() {
            map.set(NodeId(m as u8), NodeId(own.start as u8 + 1));
        }
        map.set(NodeId(n as u8), NodeId(own.start as u8));
        if other_moves {
            for m in other.clone() {
                map.set(NodeId(m as u8), NodeId(other.start as u8));
            }
        }
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
        let mut map = NodeMap::default();
        self.anonymizing_map(kinds, n, &mut map);
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
            process: Default::default(),
        };
        if n < sc {
            t.servers.push(s.servers[n].clone());
        } else {
            t.clients.push(s.clients[n - sc].clone());
        }
        Self::rename_state(sym, &mut t, &map);
        let sides = partition_view(s, me, &map);
        fingerprint(&(s.clocks[n], t.servers, t.clients, t.network, sides))
    }

    /// [`Self::node_key`] without building a state: it hashes the same
    /// bytes (a `Vec` hashes as its slice), so it is the same key.
    fn node_key_in(
        &self,
        sym: &Symmetry<M>,
        kinds: Interchangeable,
        s: &WorldState<M>,
        n: usize,
        scratch: &mut Scratch<M>,
    ) -> u128 {
        let sc = self.server_count();
        self.anonymizing_map(kinds, n, &mut scratch.map);
        let map = &scratch.map;
        let me = NodeId(n as u8);
        let network = &mut scratch.network;
        network.clear();
        network.extend(
            s.network
                .iter()
                .filter(|e| e.src == me || e.dst == me)
                .cloned(),
        );
        for env in network.iter_mut() {
            Self::rename_envelope(sym, env, map);
        }
        network.sort();
        let sides = partition_view(s, me, map);
        let clock = s.clocks[n];
        if n < sc {
            let mut slot = s.servers[n].clone();
            Self::rename_server(sym, &mut slot, map);
            let clients: &[Client<M>] = &[];
            fingerprint(&(
                clock,
                std::slice::from_ref(&slot),
                clients,
                &network[..],
                sides,
            ))
        } else {
            let mut slot = s.clients[n - sc].clone();
            Self::rename_client(sym, &mut slot, map);
            let servers: &[Slot<M>] = &[];
            fingerprint(&(
                clock,
                servers,
                std::slice::from_ref(&slot),
                &network[..],
                sides,
            ))
        }
    }

    /// Every interchangeable node's key, and `order` (`order[place]` is
    /// the node that goes to `place`): each range sorted by key, then by
    /// node.
    fn sorted_by_key(&self, keys: &[u128], ranges: &[Range<usize>]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.service_node_count()).collect();
        for r in ranges {
            order[r.clone()].sort_by_key(|&n| (keys[n], n));
        }
        order
    }

    /// The representative of `s`'s orbit under the permutations `kinds`
    /// allows, computed as the module documentation defines it: one whole
    /// permuted copy of the state per key, per swap tried and per
    /// candidate order. [`Self::representative`] computes the same state
    /// with less copying; the tests check the one against the other.
    fn representative_by_definition(
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
        let mut order = self.sorted_by_key(&keys, &ranges);
        // Runs of equal keys whose orders must be tried.
        let runs = tied_runs(&keys, &order, &ranges, |p| self.permute(sym, s, p) == *s);
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
            if !next_order(&mut order, &runs) {
                break;
            }
        }
        best.expect("at least one order").1
    }

    /// The representative of `s`'s orbit under the permutations `kinds`
    /// allows: the same state as [`Self::representative_by_definition`],
    /// computed without a whole copy of the state per permutation. The
    /// keys and the candidates' fingerprints hash the same bytes from
    /// renamed copies of one part at a time, a swap is found to fix `s`
    /// part by part, and `s` itself is moved and renamed once, into the
    /// winning order (not at all when that order leaves every node in
    /// place, since renaming through the identity changes nothing in a
    /// world state, whose collections are kept sorted).
    ///
    /// `parent`, when given, is a state and its nodes' keys
    /// ([`Self::node_keys`]): a node that `s` shows exactly as `parent`
    /// does (see [`Self::same_view`]) has the same key, which is not
    /// computed again.
    fn representative(
        &self,
        sym: &Symmetry<M>,
        kinds: Interchangeable,
        s: WorldState<M>,
        parent: Option<(&WorldState<M>, &[u128])>,
    ) -> WorldState<M> {
        self.representative_and_order(sym, kinds, s, parent).0
    }

    /// [`Self::representative`], and the order it put the nodes in
    /// (`order[place]` is the node moved to `place`).
    fn representative_and_order(
        &self,
        sym: &Symmetry<M>,
        kinds: Interchangeable,
        s: WorldState<M>,
        parent: Option<(&WorldState<M>, &[u128])>,
    ) -> (WorldState<M>, Vec<usize>) {
        let nodes = self.service_node_count();
        let ranges = self.interchangeable_ranges(kinds);
        let mut scratch = Scratch::default();
        let mut keys = vec![0u128; nodes];
        for r in &ranges {
            for n in r.clone() {
                keys[n] = match parent {
                    Some((p, parent_keys)) if self.same_view(p, &s, n) => parent_keys[n],
                    _ => self.node_key_in(sym, kinds, &s, n, &mut scratch),
                };
            }
        }
        let mut order = self.sorted_by_key(&keys, &ranges);
        let runs = tied_runs(&keys, &order, &ranges, |p| {
            self.fixes(sym, &s, p, &mut scratch)
        });
        if !runs.is_empty() {
            for r in &runs {
                order[r.clone()].sort_unstable();
            }
            let mut best: Option<(u128, Vec<usize>)> = None;
            loop {
                let f = self.permuted_fingerprint(sym, &s, &order, &mut scratch);
                if best.as_ref().is_none_or(|(bf, _)| f < *bf) {
                    best = Some((f, order.clone()));
                }
                if !next_order(&mut order, &runs) {
                    break;
                }
            }
            order = best.expect("at least one order").1;
        }
        let rep = self.arrange(sym, s, &order, &mut scratch);
        (rep, order)
    }

    /// The key of every node of `s` (0 for a node that does not move).
    fn node_keys(&self, sym: &Symmetry<M>, kinds: Interchangeable, s: &WorldState<M>) -> Vec<u128> {
        let mut scratch = Scratch::default();
        let mut keys = vec![0u128; self.service_node_count()];
        for r in self.interchangeable_ranges(kinds) {
            for n in r {
                keys[n] = self.node_key_in(sym, kinds, s, n, &mut scratch);
            }
        }
        keys
    }

    /// Whether `a` and `b` agree on everything node `n`'s key reads: its
    /// clock, its slot, the messages from or to it, and the partition (the
    /// key reads its sides as seen from `n`, so any change to the partition
    /// counts). Then its key is the same in both.
    fn same_view(&self, a: &WorldState<M>, b: &WorldState<M>, n: usize) -> bool {
        let sc = self.server_count();
        let me = NodeId(n as u8);
        let involves = |e: &&Envelope<M::Msg>| e.src == me || e.dst == me;
        a.clocks[n] == b.clocks[n]
            && a.faults.partition == b.faults.partition
            && if n < sc {
                a.servers[n] == b.servers[n]
            } else {
                a.clients[n - sc] == b.clients[n - sc]
            }
            && a.network
                .iter()
                .filter(involves)
                .eq(b.network.iter().filter(involves))
    }

    /// Sets `map` to rename node `order[place]` to `place`.
    fn set_map_of_order(&self, order: &[usize], map: &mut NodeMap) {
        set_identity(map, self.service_node_count() + 1);
        for (place, &n) in order.iter().enumerate() {
            map.set(NodeId(n as u8), NodeId(place as u8));
        }
    }

    /// Whether `self.permute(sym, s, perm) == *s`, decided one part at a
    /// time, the cheapest first, without building the permuted state.
    fn fixes(
        &self,
        sym: &Symmetry<M>,
        s: &WorldState<M>,
        perm: &[usize],
        scratch: &mut Scratch<M>,
    ) -> bool {
        let sc = self.server_count();
        // `permute` puts node `n`'s clock at `perm[n]`.
        if perm
            .iter()
            .enumerate()
            .any(|(n, &to)| s.clocks[to] != s.clocks[n])
        {
            return false;
        }
        set_identity(&mut scratch.map, self.service_node_count() + 1);
        for (n, &to) in perm.iter().enumerate() {
            scratch.map.set(NodeId(n as u8), NodeId(to as u8));
        }
        let map = &scratch.map;
        if let Some(p) = s.faults.partition {
            let mut renamed = p;
            renamed.rename(map);
            if renamed != p {
                return false;
            }
        }
        if let Some(n) = s.process.nonce {
            let mut renamed = n;
            renamed.rename(map);
            if renamed != n {
                return false;
            }
        }
        for (si, slot) in s.servers.iter().enumerate() {
            let mut x = slot.clone();
            Self::rename_server(sym, &mut x, map);
            if x != s.servers[perm[si]] {
                return false;
            }
        }
        for (ci, slot) in s.clients.iter().enumerate() {
            let mut x = slot.clone();
            Self::rename_client(sym, &mut x, map);
            if x != s.clients[perm[sc + ci] - sc] {
                return false;
            }
        }
        let network = &mut scratch.network;
        network.clear();
        network.extend(s.network.iter().cloned());
        for env in network.iter_mut() {
            Self::rename_envelope(sym, env, map);
        }
        network.sort();
        *network == s.network
    }

    /// `fingerprint(&self.permute(sym, s, &perm_of(order)))`, hashing the
    /// same bytes (a struct hashes as the tuple of its fields, a `Vec` as
    /// its slice) from renamed copies of the parts the permutation changes.
    fn permuted_fingerprint(
        &self,
        sym: &Symmetry<M>,
        s: &WorldState<M>,
        order: &[usize],
        scratch: &mut Scratch<M>,
    ) -> u128 {
        let sc = self.server_count();
        self.set_map_of_order(order, &mut scratch.map);
        let map = &scratch.map;
        scratch.clocks.clear();
        scratch.clocks.extend(order.iter().map(|&n| s.clocks[n]));
        scratch.servers.clear();
        for &n in &order[..sc] {
            let mut x = (*s.servers[n]).clone();
            Self::rename_server(sym, &mut x, map);
            scratch.servers.push(x);
        }
        scratch.clients.clear();
        for &n in &order[sc..] {
            let mut x = (*s.clients[n - sc]).clone();
            Self::rename_client(sym, &mut x, map);
            scratch.clients.push(x);
        }
        let network = &mut scratch.network;
        network.clear();
        network.extend(s.network.iter().cloned());
        for env in network.iter_mut() {
            Self::rename_envelope(sym, env, map);
        }
        network.sort();
        let mut faults = s.faults.clone();
        if let Some(p) = faults.partition.as_mut() {
            p.rename(map);
        }
        let WorldState {
            now,
            clocks: _,
            servers: _,
            clients: _,
            resource,
            network: _,
            faults: _,
            grants,
            process: _,
        } = s;
        let mut process = s.process;
        if let Some(n) = process.nonce.as_mut() {
            n.rename(map);
        }
        fingerprint(&(
            now,
            &scratch.clocks[..],
            &scratch.servers[..],
            &scratch.clients[..],
            resource,
            &network[..],
            &faults,
            grants,
            process,
        ))
    }

    /// `self.permute(sym, &s, &perm_of(order))`, done in place on `s`.
    fn arrange(
        &self,
        sym: &Symmetry<M>,
        mut s: WorldState<M>,
        order: &[usize],
        scratch: &mut Scratch<M>,
    ) -> WorldState<M> {
        if order.iter().enumerate().all(|(place, &n)| place == n) {
            return s;
        }
        let sc = self.server_count();
        self.set_map_of_order(order, &mut scratch.map);
        Self::rename_state(sym, &mut s, &scratch.map);
        take_from(&mut s.clocks, |place| order[place]);
        take_from(&mut s.servers, |place| order[place]);
        take_from(&mut s.clients, |place| order[sc + place] - sc);
        s
    }
}

/// Working space for one representative, reused across its nodes and
/// candidate orders.
struct Scratch<M: LockModel> {
    map: NodeMap,
    clocks: Vec<Clock>,
    servers: Vec<Slot<M>>,
    clients: Vec<Client<M>>,
    network: Vec<Envelope<M::Msg>>,
}

impl<M: LockModel> Default for Scratch<M> {
    fn default() -> Self {
        Scratch {
            map: NodeMap::default(),
            clocks: Vec::new(),
            servers: Vec::new(),
            clients: Vec::new(),
            network: Vec::new(),
        }
    }
}

/// Sets `map` to the identity on the first `nodes` nodes, in its own buffer
/// (a fresh [`NodeMap::identity`] would allocate one).
fn set_identity(map: &mut NodeMap, nodes: usize) {
    for n in 0..nodes {
        map.set(NodeId(n as u8), NodeId(n as u8));
    }
}

/// The partition as one node sees it, for its key.
#[derive(Hash)]
enum PartitionView {
    /// Whether it is the node cut off.
    Isolated(bool),
    /// The sides, its own first, with ids anonymized.
    Split([NodeSet; 2]),
}

/// The partition in force in `s` as node `me` sees it, ids renamed through
/// `map` (which anonymizes them).
fn partition_view<M: LockModel>(
    s: &WorldState<M>,
    me: NodeId,
    map: &NodeMap,
) -> Option<PartitionView> {
    s.faults.partition.map(|cut| match cut {
        Cut::Isolated(n) => PartitionView::Isolated(n == me),
        Cut::Split(p) => PartitionView::Split(p.sides_from(me).map(|mut side| {
            side.rename(map);
            side
        })),
    })
}

fn rename_timers<M: LockModel>(sym: &Symmetry<M>, timers: &mut [(M::Timer, i64)], map: &NodeMap) {
    for (t, _) in timers.iter_mut() {
        (sym.timer)(t, map);
    }
    timers.sort();
}

/// The permutation (`perm[node]` is its place) that puts node `order[place]`
/// at `place`.
fn perm_of(order: &[usize]) -> Vec<usize> {
    let mut perm = vec![0; order.len()];
    for (place, &n) in order.iter().enumerate() {
        perm[n] = place;
    }
    perm
}

/// The next combination of orders of the runs, odometer style; false after
/// the last.
fn next_order(order: &mut [usize], runs: &[Range<usize>]) -> bool {
    runs.iter()
        .rev()
        .any(|r| next_permutation(&mut order[r.clone()]))
}

/// Rearranges `items` in place so that `items[place]` is what was at
/// `from(place)`, `from` a permutation. Each place is filled by following
/// `from` past the places already filled, to where their items went.
fn take_from<T>(items: &mut [T], from: impl Fn(usize) -> usize) {
    for place in 0..items.len() {
        let mut at = from(place);
        while at < place {
            at = from(at);
        }
        items.swap(place, at);
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

/// The permutations of interchangeable nodes as a group, for the liveness
/// graph. Its quotient keeps one state per orbit, as the safety search
/// does, and each edge records the permutation that took its target to
/// the representative; the real graph is then the graph over
/// (representative, permutation) pairs, which
/// [`crate::check::liveness::unfold`] lays out without stepping the model
/// again. Only small groups are worth it: the real graph has a node per
/// pair, so the group's size multiplies the work the unfolding does.
pub struct Orbits<M: LockModel> {
    sym: Symmetry<M>,
    kinds: Interchangeable,
    servers: usize,
    /// Every permutation (`perms[g][node]` is the node's place), the
    /// identity first.
    perms: Vec<Vec<usize>>,
    /// `compose[g][h]`: first `h`, then `g`.
    compose: Vec<Vec<u8>>,
    inverse: Vec<u8>,
}

impl<M: LockModel> World<M> {
    /// The group of permutations of this world's interchangeable nodes,
    /// when there is one of at most `elements_max` permutations.
    pub fn orbits(&self, elements_max: usize) -> Option<Orbits<M>> {
        let (sym, kinds) = self.symmetry()?;
        let ranges = self.interchangeable_ranges(kinds);
        let size: usize = ranges
            .iter()
            .map(|r| (1..=r.len()).product::<usize>())
            .product();
        if size > elements_max.min(64) {
            return None;
        }
        let mut order: Vec<usize> = (0..self.service_node_count()).collect();
        let mut perms = Vec::new();
        loop {
            perms.push(perm_of(&order));
            if !next_order(&mut order, &ranges) {
                break;
            }
        }
        let index = |p: &[usize]| {
            perms
                .iter()
                .position(|q| q[..] == *p)
                .expect("a group is closed") as u8
        };
        let compose = perms
            .iter()
            .map(|g| {
                perms
                    .iter()
                    .map(|h| index(&h.iter().map(|&n| g[n]).collect::<Vec<_>>()))
                    .collect()
            })
            .collect();
        let inverse = perms.iter().map(|g| index(&perm_of(g))).collect();
        Some(Orbits {
            sym,
            kinds,
            servers: self.server_count(),
            perms,
            compose,
            inverse,
        })
    }
}

impl<M: LockModel> Orbits<M> {
    /// The number of permutations.
    pub fn len(&self) -> usize {
        self.perms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.perms.is_empty()
    }

    /// The permutation that applies `h`, then `g`.
    pub fn compose(&self, g: u8, h: u8) -> u8 {
        self.compose[g as usize][h as usize]
    }

    pub fn inverse(&self, g: u8) -> u8 {
        self.inverse[g as usize]
    }

    /// The keys of `s`'s nodes, which a successor of `s` that shows a node
    /// as `s` does need not compute again ([`Orbits::representative`]).
    pub fn node_keys(&self, world: &World<M>, s: &WorldState<M>) -> Vec<u128> {
        world.node_keys(&self.sym, self.kinds, s)
    }

    /// The representative of `s`'s orbit, and the permutation `g` with
    /// `permute(s, g)` equal to it. `parent`: a state and its
    /// [`Orbits::node_keys`].
    pub fn representative(
        &self,
        world: &World<M>,
        s: WorldState<M>,
        parent: Option<(&WorldState<M>, &[u128])>,
    ) -> (WorldState<M>, u8) {
        let (rep, order) = world.representative_and_order(&self.sym, self.kinds, s, parent);
        let perm = perm_of(&order);
        let g = self
            .perms
            .iter()
            .position(|q| *q == perm)
            .expect("the representative's order permutes nodes of a kind among themselves");
        (rep, g as u8)
    }

    /// The permutations that leave `s` as it is, as a bit set.
    pub fn stabilizer(&self, world: &World<M>, s: &WorldState<M>) -> u64 {
        let mut scratch = Scratch::default();
        let mut bits = 1;
        for (g, perm) in self.perms.iter().enumerate().skip(1) {
            if world.fixes(&self.sym, s, perm, &mut scratch) {
                bits |= 1 << g;
            }
        }
        bits
    }

    /// `s` with its nodes moved by permutation `g`.
    pub fn permute(&self, world: &World<M>, s: &WorldState<M>, g: u8) -> WorldState<M> {
        world.permute(&self.sym, s, &self.perms[g as usize])
    }

    /// Action `a` with its nodes renamed by permutation `g`: the action of
    /// the permuted state that does what `a` does.
    pub fn permute_action(&self, a: &Action<M::Msg, M::Timer>, g: u8) -> Action<M::Msg, M::Timer> {
        let perm = &self.perms[g as usize];
        let mut map = NodeMap::identity(perm.len() + 1);
        for (n, &to) in perm.iter().enumerate() {
            map.set(NodeId(n as u8), NodeId(to as u8));
        }
        let mut a = a.clone();
        match &mut a {
            Action::Deliver(e) | Action::Drop(e) | Action::Duplicate(e) => {
                World::rename_envelope(&self.sym, e, &map)
            }
            Action::Fire { node, timer } => {
                *node = map.get(*node);
                (self.sym.timer)(timer, &map);
            }
            Action::Crash(n)
            | Action::Restart(n)
            | Action::WorkDone(n)
            | Action::Pause(n)
            | Action::Resume(n)
            | Action::Isolate(n)
            | Action::ClockJump { node: n, .. } => *n = map.get(*n),
            Action::Split(p) => p.rename(&map),
            Action::Tick | Action::Heal => {}
        }
        a
    }

    /// The clients of a bit set (bit `i`: client `i`) moved by `g`.
    pub fn permute_clients(&self, clients: u32, g: u8) -> u32 {
        let perm = &self.perms[g as usize];
        let sc = self.servers;
        (0..perm.len() - sc)
            .filter(|ci| clients & (1 << ci) != 0)
            .fold(0, |bits, ci| bits | 1 << (perm[sc + ci] - sc))
    }
}

type Condition<M> = fn(&World<M>, &WorldState<M>) -> bool;

/// Numbers the quotients, for [`Canonical::id`].
static CANONICAL_IDS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The state whose successors this thread canonicalized last, and its
    /// nodes' keys: a [`ParentKeys`] of the quotient's model.
    static PARENT_KEYS: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

struct ParentKeys<M: LockModel> {
    canonical: u64,
    parent: WorldState<M>,
    keys: Vec<u128>,
    /// `actions` was asked for since: the next successors are probably
    /// another state's.
    stale: bool,
}

/// Which reductions a search may use, where the model allows them.
#[derive(Clone, Copy, Debug)]
pub struct Reductions {
    /// One state per orbit under permutations of interchangeable nodes.
    pub symmetry: bool,
    /// Request ids renumbered per client (see `super::request_ids`).
    pub request_ids: bool,
    /// The model's instants that have passed for good merged (see
    /// `super::times`).
    pub time_merge: bool,
}

/// The world quotiented by its symmetry, by request-id renumbering and by
/// merging instants that have passed: every state is the representative of
/// its class. Only the breadth-first
/// search uses it; what it finds is turned back into real paths by
/// [`Canonical::realize`].
pub struct Canonical<M: LockModel> {
    pub world: World<M>,
    /// The renaming the model declares with its symmetry, which is also how
    /// request ids are reached; `None` for a model without symmetry.
    sym: Option<Symmetry<M>>,
    /// The kinds of node symmetry permutes; `None`: no symmetry applies.
    kinds: Option<Interchangeable>,
    /// How the model's instants are reached, when passed ones are merged.
    times: Option<TimeVisitors<M>>,
    /// Whether request ids are renumbered, before any permutation: a
    /// client's renumbered ids depend on that client alone, so
    /// renumbering commutes with permuting clients, and the node keys are
    /// computed on renumbered states.
    renumber: bool,
    /// Tells this quotient's entries in [`PARENT_KEYS`] from another's.
    id: u64,
    conditions: Vec<Condition<M>>,
}

impl<M: LockModel> Canonical<M> {
    /// The quotient by the reductions `reductions` allows and the model
    /// supports. `Err` gives the world back when none applies: symmetry
    /// and renumbering need the renaming a model declares with its
    /// symmetry, and merging times needs the model's instants
    /// (`LockModel::times`).
    pub fn new(world: World<M>, reductions: Reductions) -> Result<Canonical<M>, Box<World<M>>> {
        let sym = world.model.client_symmetry();
        let kinds = world
            .symmetry()
            .filter(|_| reductions.symmetry)
            .map(|(_, kinds)| kinds);
        let renumber =
            reductions.request_ids && sym.as_ref().is_some_and(|s| world.renumbers_ids(s));
        let times = world.model.times().filter(|_| reductions.time_merge);
        if kinds.is_none() && !renumber && times.is_none() {
            return Err(Box::new(world));
        }
        let conditions = world.properties().iter().map(|p| p.condition).collect();
        Ok(Canonical {
            world,
            sym,
            kinds,
            times,
            renumber,
            id: CANONICAL_IDS.fetch_add(1, Ordering::Relaxed),
            conditions,
        })
    }

    /// Whether states are taken up to permutations of nodes.
    pub fn uses_symmetry(&self) -> bool {
        self.kinds.is_some()
    }

    /// Whether request ids are renumbered.
    pub fn renumbers_ids(&self) -> bool {
        self.renumber
    }

    /// Whether instants that have passed for good are merged.
    pub fn merges_times(&self) -> bool {
        self.times.is_some()
    }

    /// `s` with its request ids renumbered, its passed instants merged and
    /// its nonces renumbered, as far as this quotient does each. Both commute with permuting
    /// nodes (each looks at a client and its own messages, or at every
    /// clock and instant alike), so symmetry is taken after them.
    fn renumbered(&self, mut s: WorldState<M>) -> WorldState<M> {
        if let (true, Some(sym)) = (self.renumber, &self.sym) {
            self.world.renumber_ids(sym, &mut s);
        }
        if let Some(tv) = &self.times {
            // Per client, like request ids: commutes with permuting
            // clients (a nonce names its owner, which symmetry renames).
            self.world.renumber_nonces(tv, &mut s);
            let margin_ticks = self.world.backward_jump_ticks_left(&s);
            self.world.merge_past_times(tv, &mut s, margin_ticks);
        }
        s
    }

    fn symmetry(&self) -> Option<(&Symmetry<M>, Interchangeable)> {
        Some((self.sym.as_ref()?, self.kinds?))
    }

    pub fn representative(&self, s: &WorldState<M>) -> WorldState<M> {
        let s = self.renumbered(s.clone());
        match self.symmetry() {
            Some((sym, kinds)) => self.world.representative(sym, kinds, s, None),
            None => s,
        }
    }

    /// The same as [`Canonical::representative`], computed the plain way
    /// (see the module documentation): what the tests check it against.
    pub fn representative_by_definition(&self, s: &WorldState<M>) -> WorldState<M> {
        let s = self.renumbered(s.clone());
        match self.symmetry() {
            Some((sym, kinds)) => self.world.representative_by_definition(sym, kinds, &s),
            None => s,
        }
    }

    /// A real path of the world whose states have, step by step, the
    /// representatives of `d`: from the initial state `d` started from,
    /// each step takes the first action (in `actions()` order) whose
    /// successor has the next recorded representative. One exists when the
    /// model keeps the reductions' premises: the real state and the
    /// representative then differ by a permutation and a renumbering that
    /// map actions to actions. `None` when some step has no such real step,
    /// which only a model that breaks them can cause (not symmetric in its
    /// clients, or reading its request ids, times or tokens as more than
    /// the reductions allow); the caller then searches again without the
    /// reductions rather than report a path that does not replay.
    pub fn realize(&self, d: &Discovery<Canonical<M>>) -> Option<Discovery<World<M>>> {
        let world = &self.world;
        let mut state = world.init_states().swap_remove(d.init_index);
        if self.representative(&state) != d.states[0] {
            return None;
        }
        let mut states = vec![state.clone()];
        let mut actions_taken = Vec::new();
        let mut actions = Vec::new();
        for next_rep in &d.states[1..] {
            actions.clear();
            world.actions(&state, &mut actions);
            let (action, next) = actions.iter().find_map(|a| {
                let next = world.next_state(&state, a.clone())?;
                (self.representative(&next) == *next_rep).then(|| (a.clone(), next))
            })?;
            actions_taken.push(action);
            states.push(next.clone());
            state = next;
        }
        Some(Discovery {
            init_index: d.init_index,
            actions: actions_taken,
            states,
        })
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
        // The successors asked for next are `s`'s: its keys are computed
        // again at the first of them (see `next_state`).
        PARENT_KEYS.with(|cell| {
            if let Some(c) = cell
                .borrow_mut()
                .as_mut()
                .and_then(|c| c.downcast_mut::<ParentKeys<M>>())
            {
                c.stale = true;
            }
        });
        self.world.actions(s, actions)
    }

    fn next_state(&self, last: &Self::State, action: Self::Action) -> Option<Self::State> {
        let s = self.renumbered(self.world.next_state(last, action)?);
        let Some((sym, kinds)) = self.symmetry() else {
            return Some(s);
        };
        // A search thread asks for one state's actions, then for their
        // successors in a row, and a step changes few nodes: the others
        // keep their keys from `last`. The cache is refreshed at the first
        // successor after `actions`, not by comparing `last` with the
        // cached parent (a whole-state comparison per successor): even a
        // cache of another state would be sound, since `representative`
        // reuses a key only where the node's view is the cached parent's.
        Some(PARENT_KEYS.with(|cell| {
            let mut cell = cell.borrow_mut();
            let cached = cell
                .as_ref()
                .and_then(|c| c.downcast_ref::<ParentKeys<M>>())
                .is_some_and(|c| c.canonical == self.id && !c.stale);
            if !cached {
                *cell = Some(Box::new(ParentKeys {
                    canonical: self.id,
                    parent: last.clone(),
                    keys: self.world.node_keys(sym, kinds, last),
                    stale: false,
                }));
            }
            let c = cell
                .as_ref()
                .and_then(|c| c.downcast_ref::<ParentKeys<M>>())
                .expect("just cached");
            self.world
                .representative(sym, kinds, s, Some((&c.parent, &c.keys)))
        }))
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

/// The runs of `order` (sorted by `keys` within each range) whose nodes tie
/// on their key, leaving out a run whose orders all give the same state:
/// that is so when swapping its first node with each other one is a
/// permutation that `fixes` (leaves the state as it is).
fn tied_runs(
    keys: &[u128],
    order: &[usize],
    ranges: &[Range<usize>],
    mut fixes: impl FnMut(&[usize]) -> bool,
) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    for r in ranges {
        let mut a = r.start;
        while a < r.end {
            let mut b = a + 1;
            while b < r.end && keys[order[b]] == keys[order[a]] {
                b += 1;
            }
            if b - a > 1 {
                let fixed = order[a + 1..b].iter().all(|&other| {
                    let mut p: Vec<usize> = (0..order.len()).collect();
                    p.swap(order[a], other);
                    fixes(&p)
                });
                if !fixed {
                    runs.push(a..b);
                }
            }
            a = b;
        }
    }
    runs
}
