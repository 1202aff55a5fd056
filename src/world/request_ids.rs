//! Request-id renumbering: states that differ only in which numbers a
//! client's requests carry behave the same, so the checker keeps one of
//! them.
//!
//! A client that keeps a [`Requests`](crate::node::Requests) numbers its
//! requests with a counter, and its replies echo the number. Without
//! renumbering, a stale reply carrying id 3 and one carrying id 5 make two
//! states, and a search under message loss or retries holds many copies of
//! every state that differ only there. The canonical form gives each
//! client's ids the smallest values that keep what can be observed of
//! them: the id of its outstanding request becomes 1, every other id of
//! that client (in its own state, and in messages in flight to or from it)
//! becomes 0, and the id its next request gets becomes 2. The ids of a
//! crashed client that never restarts all become 0.
//!
//! Why it is sound. Write `f` for the map on states. Two states with the
//! same image differ only in the values of request ids, by a renaming per
//! client that matches outstanding id with outstanding id, next id with
//! next id, and stale ids with stale ids. Such states have the same
//! successors, up to the same kind of renaming, because of what holds of
//! every model it is applied to (each checked where it can be):
//! - An id is observed only by [`Requests::answers`](crate::node::Requests::answers),
//!   as equality with its owner's outstanding id. Handlers otherwise only
//!   copy ids (a server echoes a request's id in its reply), and the
//!   properties never read them. So a stale id acts the same whatever its
//!   value, and stays stale: an id becomes outstanding only when it is new
//!   (`Requests::send`) or already was (a resend under the same id).
//! - A new id is fresh: the counter only grows, so every id of a client
//!   in flight is below its next id (checked at every state; a client
//!   that sent 256 requests would wrap around, which no bounded run does).
//!   A client restarted after a crash starts counting from 0 again while
//!   its old requests may still be answered, which breaks this, so the
//!   checker does not renumber in scenarios that restart clients.
//! - Every id belongs to one client the checker can name: the client
//!   whose state holds it, or the one client a message is from or to.
//!   Servers store no request ids, and messages between servers carry
//!   none (checked at every state for messages, and by the tests for
//!   servers). Each client keeps exactly one `Requests` (checked).
//!
//! So the kernel of `f` is a bisimulation that preserves every property,
//! and a breadth-first search over the images `f(s)` finds the same
//! verdicts and shortest counterexamples of the same length as the full
//! search. A model that keeps request ids outside a `Requests` (Redlock,
//! whose attempt number is also stored by its masters) is not renumbered.
//!
//! Renumbering a client's ids looks only at that client's state and its
//! own messages, so it commutes with permuting clients: symmetry
//! ([`super::symmetry`]) computes its node keys on renumbered states.

use crate::node::{LockModel, ReadIds, RequestId, Symmetry, VisitIds};
use crate::world::{Payload, World, WorldState};

/// What a client's ids other than its outstanding one (its stale ids)
/// become: all alike, since no comparison tells them apart.
pub const STALE_ID: RequestId = RequestId(0);
/// What the id of a client's outstanding request becomes.
pub const OUTSTANDING_ID: RequestId = RequestId(1);
/// What the id a client's next request gets becomes.
pub const NEXT_ID: RequestId = RequestId(2);

/// Counts the `Requests` and loose ids in a value, and remembers the last
/// `Requests`' ids.
#[derive(Default)]
struct Probe {
    requests: usize,
    ids: usize,
    outstanding: Option<RequestId>,
    next_id: RequestId,
}

impl ReadIds for Probe {
    fn id(&mut self, _id: RequestId) {
        self.ids += 1;
    }

    fn requests(&mut self, outstanding: Option<RequestId>, next_id: RequestId) {
        self.requests += 1;
        self.outstanding = outstanding;
        self.next_id = next_id;
    }
}

/// Whose ids are being renumbered, as they were before.
#[derive(Clone, Copy)]
enum Owner {
    Live {
        outstanding: Option<RequestId>,
        next_id: RequestId,
    },
    /// Crashed for good: nothing will compare its ids again.
    Gone,
}

/// Rewrites one client's ids into the canonical form.
struct Renumber(Owner);

impl Renumber {
    fn map(&self, id: RequestId) -> RequestId {
        match self.0 {
            Owner::Live {
                outstanding,
                next_id,
            } => {
                if outstanding == Some(id) {
                    return OUTSTANDING_ID;
                }
                assert!(
                    id < next_id,
                    "request id {id} is not below its client's next id {next_id}: a client \
                     reused ids or sent 256 requests, and renumbering would be unsound \
                     (run with --no-renumber-ids)"
                );
                STALE_ID
            }
            Owner::Gone => STALE_ID,
        }
    }
}

/// Whether [`Renumber`] would change any of the ids it is handed.
struct WouldChange {
    renumber: Renumber,
    changed: bool,
}

impl ReadIds for WouldChange {
    fn id(&mut self, id: RequestId) {
        self.changed |= self.renumber.map(id) != id;
    }

    fn requests(&mut self, outstanding: Option<RequestId>, next_id: RequestId) {
        self.changed |=
            outstanding.map(|id| self.renumber.map(id)) != outstanding || next_id != NEXT_ID;
    }
}

impl VisitIds for Renumber {
    fn id(&mut self, id: &mut RequestId) {
        *id = self.map(*id);
    }

    fn requests(&mut self, outstanding: Option<&mut RequestId>, next_id: &mut RequestId) {
        if let Some(id) = outstanding {
            *id = self.map(*id);
        }
        *next_id = NEXT_ID;
    }
}

impl<M: LockModel> World<M> {
    /// Whether request-id renumbering applies to this world: every client
    /// of every initial state keeps exactly one `Requests`, and the
    /// scenario never restarts a crashed client (see the module
    /// documentation).
    pub fn renumbers_ids(&self, sym: &Symmetry<M>) -> bool {
        use stateright::Model;
        let restarts_clients = self
            .cfg
            .faults
            .crash
            .as_ref()
            .is_some_and(|c| c.restart && self.targets(c.targets).end > self.server_count());
        if restarts_clients || self.cfg.clients == 0 {
            return false;
        }
        self.init_states().iter().all(|s| {
            s.clients.iter().all(|slot| {
                slot.proto.as_ref().is_some_and(|c| {
                    let mut probe = Probe::default();
                    (sym.read_client_ids)(c, &mut probe);
                    probe.requests == 1
                })
            })
        })
    }

    /// `s` with every client's request ids in the canonical form.
    pub fn renumber_ids(&self, sym: &Symmetry<M>, s: &mut WorldState<M>) {
        let mut owners = Vec::with_capacity(s.clients.len());
        for slot in &mut s.clients {
            let owner = match &slot.proto {
                Some(c) => {
                    let mut probe = Probe::default();
                    (sym.read_client_ids)(c, &mut probe);
                    assert!(
                        probe.requests == 1,
                        "a client keeps {} `Requests`; renumbering needs exactly one",
                        probe.requests
                    );
                    Owner::Live {
                        outstanding: probe.outstanding,
                        next_id: probe.next_id,
                    }
                }
                None => Owner::Gone,
            };
            owners.push(owner);
            // A slot already in the canonical form (most are: a step
            // changes few nodes) stays shared with the state it came from.
            let mut check = WouldChange {
                renumber: Renumber(owner),
                changed: false,
            };
            if let Some(c) = &slot.proto {
                (sym.read_client_ids)(c, &mut check);
            }
            for (t, _) in &slot.timers {
                (sym.read_timer_ids)(t, &mut check);
            }
            if !check.changed {
                continue;
            }
            let slot = &mut **slot;
            let mut renumber = Renumber(owner);
            if let Some(c) = slot.proto.as_mut() {
                (sym.client_ids)(c, &mut renumber);
            }
            for (t, _) in &mut slot.timers {
                (sym.timer_ids)(t, &mut renumber);
            }
            slot.timers.sort();
        }
        for env in &mut s.network {
            let Payload::Lock(m) = &mut env.payload else {
                continue;
            };
            match (self.client_index(env.src), self.client_index(env.dst)) {
                (Some(c), None) | (None, Some(c)) => (sym.msg_ids)(m, &mut Renumber(owners[c])),
                _ => {
                    let mut probe = Probe::default();
                    (sym.read_msg_ids)(m, &mut probe);
                    assert!(
                        probe.ids == 0 && probe.requests == 0,
                        "a message from {:?} to {:?} carries request ids, but it is not \
                         between one client and a server",
                        env.src,
                        env.dst
                    );
                }
            }
        }
        s.network.sort();
        if cfg!(debug_assertions) {
            for slot in &s.servers {
                assert!(
                    server_ids(sym, slot) == 0,
                    "a server stores request ids, which renumbering does not reach"
                );
            }
        }
    }
}

/// How many request ids (and `Requests`) a server's slot holds.
fn server_ids<M: LockModel>(
    sym: &Symmetry<M>,
    slot: &super::ServerSlot<M::Server, M::Durable, M::Timer>,
) -> usize {
    let mut probe = Probe::default();
    if let Some(x) = &slot.state {
        (sym.read_server_ids)(x, &mut probe);
    }
    if let Some(x) = &slot.durable {
        (sym.read_durable_ids)(x, &mut probe);
    }
    for (t, _) in &slot.timers {
        (sym.read_timer_ids)(t, &mut probe);
    }
    probe.ids + probe.requests
}
