//! The abstract lock model that `bench/peer/lock.pml` (SPIN) and
//! `bench/peer/Lock.tla` (TLC) describe, as a `stateright::Model`, state for
//! state: the same state vector `(now, owner, expiry, incs, pc[1..N])`, the
//! same actions, and a failed `SET NX` as a self-loop. Its reachable-state
//! count therefore equals SPIN's "states stored" and TLC's "distinct states":
//!
//! | config | states | transitions |
//! |---|---|---|
//! | N=2, MAXT=10 | 295 | 853 |
//! | N=3, MAXT=10 | 1,035 | 4,006 |
//! | N=4, MAXT=10 | 3,267 | 15,823 |
//! | N=8, MAXT=30 | 1,614,735 | 14,456,071 |
//! | NOPAUSE N=10, MAXT=30 | 461,824 | 4,956,161 |
//!
//! N clients contend on one Redis-like server that implements `SET lock id NX
//! PX TTL` over a discrete global clock (ticks `0..=MAXT`). A client holding
//! the lock may sit in its critical section while the clock ticks past the
//! TTL (a pause): the key then expires and another client can acquire it.
//! Release is a compare-and-delete. Expired keys are removed at the tick on
//! which they expire, so "absent" has one representation.

use stateright::{Model, Property};

/// A client's control state.
pub const IDLE: u8 = 0;
/// Holds (believes it holds) the lock: inside the critical section.
pub const CS: u8 = 1;
/// Left the critical section; will release the key.
pub const REL: u8 = 2;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct PeerState {
    /// The global clock.
    pub now: u8,
    /// The lock key's value: 0 = absent, else a client id (1-based).
    pub owner: u8,
    /// The absolute tick at which the key expires (0 when absent).
    pub expiry: u8,
    /// How many clients are in the critical section.
    pub incs: u8,
    /// `pc[c - 1]`: client c's control state (`IDLE`, `CS`, `REL`).
    pub pc: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerAction {
    Tick,
    /// `SET lock c NX PX ttl`; a no-op (self-loop) when the key is present.
    Acquire(u8),
    Leave(u8),
    /// Compare-and-delete.
    Release(u8),
}

/// The model's constants (`spin -DN=.. -DTTL=.. -DMAXT=.. [-DNOPAUSE]`).
#[derive(Clone, Debug)]
pub struct PeerLock {
    pub clients: u8,
    pub ttl: u8,
    pub horizon: u8,
    /// The clock may not tick past the lease of a client inside its critical
    /// section (mutual exclusion then holds).
    pub nopause: bool,
}

impl PeerLock {
    /// The benchmark's configuration: TTL 2, pauses allowed.
    pub fn new(clients: u8, horizon: u8) -> PeerLock {
        PeerLock {
            clients,
            ttl: 2,
            horizon,
            nopause: false,
        }
    }
}

impl Model for PeerLock {
    type State = PeerState;
    type Action = PeerAction;

    fn init_states(&self) -> Vec<PeerState> {
        vec![PeerState {
            now: 0,
            owner: 0,
            expiry: 0,
            incs: 0,
            pc: vec![IDLE; self.clients as usize],
        }]
    }

    fn actions(&self, s: &PeerState, actions: &mut Vec<PeerAction>) {
        if s.now < self.horizon && !(self.nopause && s.incs > 0 && s.now + 1 >= s.expiry) {
            actions.push(PeerAction::Tick);
        }
        for c in 1..=self.clients {
            actions.push(match s.pc[c as usize - 1] {
                IDLE => PeerAction::Acquire(c),
                CS => PeerAction::Leave(c),
                _ => PeerAction::Release(c),
            });
        }
    }

    fn next_state(&self, s: &PeerState, action: PeerAction) -> Option<PeerState> {
        let mut t = s.clone();
        match action {
            PeerAction::Tick => {
                t.now += 1;
                if t.owner != 0 && t.now >= t.expiry {
                    t.owner = 0;
                    t.expiry = 0;
                }
            }
            PeerAction::Acquire(c) => {
                if t.owner == 0 {
                    t.owner = c;
                    t.expiry = t.now + self.ttl;
                    t.incs += 1;
                    t.pc[c as usize - 1] = CS;
                }
            }
            PeerAction::Leave(c) => {
                t.incs -= 1;
                t.pc[c as usize - 1] = REL;
            }
            PeerAction::Release(c) => {
                if t.owner == c {
                    t.owner = 0;
                    t.expiry = 0;
                }
                t.pc[c as usize - 1] = IDLE;
            }
        }
        Some(t)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::always("mutex", |_, s: &PeerState| s.incs <= 1)]
    }
}
