//! Nonce renumbering: a model's values unique per acquisition
//! ([`Nonce`]), moved so that each client's source of them ([`Nonces`])
//! reads 0, for the liveness checker (`src/check/liveness.rs`), which keeps
//! rounds without end finite this way.
//!
//! A client draws its nonces one after another from its one `Nonces` (a
//! counter of 256 serials that wraps), and every nonce names the client
//! that drew it. For each live client, the harness subtracts the serial of
//! its last draw from its `Nonces` and from the serial of every nonce it
//! owns, wherever the state holds one (servers and what they saved,
//! clients, messages in flight, timer tags, the clients' shared memory).
//!
//! Why it is sound. Handlers compare nonces only for equality (the node
//! API gives them nothing else: no number to compute with, no order that a
//! handler may read), with each other and with the nonces the clients draw
//! later. The map is, per owner, a bijection of the 256 serials that also
//! moves the owner's `Nonces`, and so the serials it will draw; nonces of
//! different owners never meet. So every equality a handler could test,
//! now or after any number of steps, comes out the same before and after:
//! the map is a bisimulation that keeps every label.
//!
//! A crashed client keeps no `Nonces`, but its nonces may live on (a key it
//! set, a message it sent). They are moved so that the last one it drew
//! reads 0 too, the same as if it had not crashed, so that a state reads
//! the same whichever way it was reached: the serials of one owner lie in
//! a window shorter than half the circle (no bounded run draws 128), so
//! the last one drawn is the one before the largest gap. A client that
//! restarts draws on from there ([`World::resume_nonces`]): a fresh
//! process's random values do not repeat its earlier ones.

use std::collections::{BTreeMap, BTreeSet};

use crate::node::{Instant, LockModel, NodeId, Nonce, Nonces, ReadTimes, TimeVisitors, VisitTimes};
use crate::world::times::{read_all, read_server, visit_server};
use crate::world::{Payload, World, WorldState};

/// Counts a client's `Nonces` and remembers the last one's serial.
#[derive(Default)]
struct Probe {
    sources: usize,
    last: u8,
}

impl ReadTimes for Probe {
    fn instant(&mut self, _t: Instant) {}

    fn nonces(&mut self, n: Nonces) {
        self.sources += 1;
        self.last = n.last();
    }
}

/// Collects the serials of every nonce, by owner.
#[derive(Default)]
struct Present(BTreeMap<NodeId, BTreeSet<u8>>);

impl ReadTimes for Present {
    fn instant(&mut self, _t: Instant) {}

    fn nonce(&mut self, n: Nonce) {
        self.0.entry(n.owner()).or_default().insert(n.serial());
    }
}

/// The serial of the last nonce drawn among `serials`, all of one owner
/// and lying within a window shorter than half the circle of 256: the one
/// just before the largest gap.
fn last_drawn(serials: &BTreeSet<u8>) -> Option<u8> {
    let v: Vec<u8> = serials.iter().copied().collect();
    let (&first, &last) = (v.first()?, v.last()?);
    // The gap after `last` wraps around to `first`.
    let mut best = (256 - last as u16 + first as u16, last);
    for w in v.windows(2) {
        let gap = (w[1] - w[0]) as u16;
        if gap > best.0 {
            best = (gap, w[0]);
        }
    }
    Some(best.1)
}

/// Moves each owner's nonces down by its amount; `source` is the amount
/// for a `Nonces` met (the state being visited is its owner's).
struct Shift<'a> {
    by_owner: &'a BTreeMap<NodeId, u8>,
    source: u8,
}

impl VisitTimes for Shift<'_> {
    fn instant(&mut self, _t: &mut Instant) {}

    fn nonce(&mut self, n: &mut Nonce) {
        if let Some(by) = self.by_owner.get(&n.owner()) {
            n.shift_down(*by);
        }
    }

    fn nonces(&mut self, n: &mut Nonces) {
        n.shift_down(self.source);
    }
}

/// Whether a [`Shift`] would move any nonce it is handed.
struct ShiftMoves<'a> {
    shift: Shift<'a>,
    moved: bool,
}

impl ReadTimes for ShiftMoves<'_> {
    fn instant(&mut self, _t: Instant) {}

    fn nonce(&mut self, n: Nonce) {
        self.moved |= self
            .shift
            .by_owner
            .get(&n.owner())
            .is_some_and(|by| *by != 0);
    }

    fn nonces(&mut self, _n: Nonces) {
        self.moved |= self.shift.source != 0;
    }
}

impl<M: LockModel> World<M> {
    /// Renumbers the nonces of `s` (see the module documentation).
    pub fn renumber_nonces(&self, tv: &TimeVisitors<M>, s: &mut WorldState<M>) {
        let servers = self.server_count();
        let mut by_owner = BTreeMap::new();
        for (i, slot) in s.clients.iter().enumerate() {
            let Some(c) = &slot.proto else {
                continue;
            };
            let mut probe = Probe::default();
            (tv.read_client)(c, &mut probe);
            assert!(
                probe.sources <= 1,
                "a client keeps {} `Nonces`; renumbering needs at most one",
                probe.sources
            );
            if probe.last != 0 {
                by_owner.insert(NodeId((servers + i) as u8), probe.last);
            }
        }
        if s.clients.iter().any(|c| c.proto.is_none()) {
            let mut present = Present::default();
            read_all(tv, s, &mut present);
            for (i, slot) in s.clients.iter().enumerate() {
                let id = NodeId((servers + i) as u8);
                if slot.proto.is_none()
                    && let Some(last) = present.0.get(&id).and_then(last_drawn)
                    && last != 0
                {
                    by_owner.insert(id, last);
                }
            }
        }
        if by_owner.is_empty() {
            return;
        }
        // Only the slots that hold a moved nonce are written to (and so
        // copied, when shared with the state they came from).
        for slot in &mut s.servers {
            let mut check = ShiftMoves {
                shift: Shift {
                    by_owner: &by_owner,
                    source: 0,
                },
                moved: false,
            };
            read_server(tv, slot, &mut check);
            if check.moved {
                let slot = &mut **slot;
                visit_server(tv, slot, &mut check.shift);
                slot.timers.sort();
            }
        }
        for (i, slot) in s.clients.iter_mut().enumerate() {
            let id = NodeId((servers + i) as u8);
            let source = by_owner.get(&id).copied().unwrap_or(0);
            let mut check = ShiftMoves {
                shift: Shift {
                    by_owner: &by_owner,
                    source,
                },
                moved: false,
            };
            if let Some(x) = &slot.proto {
                (tv.read_client)(x, &mut check);
            }
            check.shift.source = 0;
            for (t, _) in &slot.timers {
                (tv.read_timer)(t, &mut check);
            }
            if !check.moved {
                continue;
            }
            let mut shift = check.shift;
            shift.source = source;
            let slot = &mut **slot;
            if let Some(x) = slot.proto.as_mut() {
                (tv.client)(x, &mut shift);
            }
            shift.source = 0;
            for (t, _) in &mut slot.timers {
                (tv.timer)(t, &mut shift);
            }
            slot.timers.sort();
        }
        let mut shift = Shift {
            by_owner: &by_owner,
            source: 0,
        };
        for e in &mut s.network {
            if let Payload::Lock(m) = &mut e.payload {
                (tv.msg)(m, &mut shift);
            }
        }
        s.network.sort();
        if let Some(n) = s.process.nonce.as_mut() {
            shift.nonce(n);
        }
    }
}

/// Sets a client's `Nonces` to its last draw.
struct Resume(u8);

impl VisitTimes for Resume {
    fn instant(&mut self, _t: &mut Instant) {}

    fn nonces(&mut self, n: &mut Nonces) {
        n.shift_down(n.last().wrapping_sub(self.0));
    }
}

impl<M: LockModel> World<M> {
    /// Lets the client `ci`, just restarted with a new `Nonces`, draw on
    /// from the last nonce it drew before it crashed, wherever one is
    /// still held: a restarted process's random values do not repeat the
    /// ones of its earlier life.
    pub(crate) fn resume_nonces(&self, s: &mut WorldState<M>, ci: usize) {
        let Some(tv) = self.model.times() else {
            return;
        };
        let id = NodeId((self.server_count() + ci) as u8);
        let mut present = Present::default();
        read_all(&tv, s, &mut present);
        let Some(last) = present.0.get(&id).and_then(last_drawn) else {
            return;
        };
        if let Some(c) = s.clients[ci].proto.as_mut() {
            (tv.client)(c, &mut Resume(last));
        }
    }
}
