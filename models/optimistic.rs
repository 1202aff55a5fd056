//! Optimistic concurrency instead of a lock, and, as the baseline every lock
//! must beat, no lock at all.
//!
//! Source: article B, section 3, which contrasts optimistic locking (processes
//! go ahead and retry when they lose) with pessimistic locking (they wait for
//! a lock). The optimistic form is the versioned record updated by
//! compare-and-set: read the value and its version, write back only if the
//! version is unchanged, otherwise read again.
//!
//! Neither variant reads a clock or sets a timer, so clocks change nothing.
//!
//! # Protocol
//! There is no lock service. `acquire` and `release` return at once, so every
//! client "holds the lock" during its critical section.
//! - `occ_cas`: the client reads the counter with its version and writes
//!   `value + 1` on condition that the version is still the one it read. A
//!   refused write makes the client read again.
//! - `no_lock`: the client reads and writes back unconditionally: the
//!   read-modify-write race in its plainest form.
//!
//! # Expected verdicts
//! `mutual_exclusion` is violated everywhere, by design: nothing excludes
//! anyone, and that is the point of comparing against it. What matters is
//! `resource_safe`: `no_lock` loses updates as soon as two clients overlap,
//! while `occ_cas` loses none under any fault, because the resource itself
//! refuses a write based on a stale read. The price is retries, and work that
//! cannot be made conditional (a side effect outside the record) is not
//! protected at all.
//!
//! # Expected verdicts (`models/optimistic.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from optimistic.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `occ_cas` | `no_lock` |
//! |---|---|---|
//! | no-faults | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | holder-crash | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | gc-pause | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | clock-jump | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | clock-drift | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | message-loss | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | partition | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | server-restart | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | async-network | mutex ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) |
//! | crowd-atomic | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | duplicates | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | endless-contention | mutex ✗, progress ✗ (live) | mutex ✗, resource ✗ (live) |
//! | long-work | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/optimistic_models.rs`)
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | every scenario | violated (0) | `occ_cas`: holds; `no_lock`: violated (6) | holds | both clients "hold" from the initial state; without the version check, two overlapping read-modify-writes lose one update in 6 steps (4 under `crowd-atomic`, where a call and its answer are one step) |
//! | async-network | violated (0) | as above | violated (14) | a message may be delayed up to the horizon: nothing finishes in bounded time over a network that promises nothing |
//! | endless-contention | violated (0) | `occ_cas`: holds; `no_lock`: violated (9) | `occ_cas`: violated (78); `no_lock`: holds | endless rounds: a compare-and-set may be refused round after round while the other client's writes land (below); the lost update takes 9 steps here, the network's delays being 1 or 2 ticks |
//!
//! Liveness under fairness (pinned): `deadlock_free` and `starvation_free`
//! hold under every scenario, for both. No client ever waits for another:
//! `no_lock` never waits at all, and an `occ_cas` client whose write is
//! refused reads again at once; a refusal means another client's write was
//! accepted, and the others' rounds are bounded, so it cannot be refused
//! forever. Where the bounded `progress` is violated (async-network), the
//! cause is the network's unbounded delay, not a cycle. The model keeps no
//! state and no times, so the time shift has nothing to move
//! (`LockModel::times`).
//!
//! Under `endless-contention` (two clients that never stop), both stay
//! live in the sense of the properties: nobody ever waits for the lock
//! (liveness graphs of 926 states for `occ_cas`, 677 for `no_lock`). What
//! endless rounds do show is the price of optimism: the bounded `progress`
//! of `occ_cas` is violated (78 steps), because a client's compare-and-set
//! can be refused round after round while the other client's writes keep
//! landing, and so it never finishes its own. `starvation_free` does not
//! see this retry loop: it asks whether a client that waits for the lock
//! gets it, and here the lock is granted at once. `no_lock` never retries,
//! so it always finishes, and loses an update in 9 steps. The checker
//! shifts the record's value and version down together each round (both
//! grow with every write), so the graphs stay finite.

use crate::node::LockParams;
use crate::node::{Ctx, LockModel, NodeId, Out, Param, Symmetry, TimeVisitors, Variant};

pub struct Optimistic {
    conditional: bool,
}

impl LockModel for Optimistic {
    type Server = ();
    type Durable = ();
    type Client = ();
    type Msg = ();
    type Timer = ();

    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "occ_cas",
            summary: "no lock: compare-and-set on the record's version, read again on conflict (article B §3)",
        },
        Variant {
            id: "no_lock",
            summary: "no lock and unconditional writes: the baseline every lock must beat",
        },
    ];
    const PARAMS: &'static [Param] = &[];

    fn new(variant: &str, _params: &LockParams) -> Result<Self, String> {
        Ok(Optimistic {
            conditional: variant == "occ_cas",
        })
    }

    fn server_count(&self) -> usize {
        0
    }

    fn conditional_writes(&self) -> bool {
        self.conditional
    }

    /// There are no times to shift: the model keeps no state at all.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        Some(TimeVisitors::by_times())
    }

    /// Nothing grows with the rounds: the model keeps no state. The
    /// record's value and version do, and the checker shifts them itself.
    fn rounds_bounded(&self) -> bool {
        true
    }

    /// Clients hold no state and are told apart by nothing.
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    fn server_init(&self, _ctx: &Ctx, _durable: Option<&()>) {}

    fn server_on_msg(
        &self,
        _ctx: &Ctx,
        _state: &mut (),
        _src: NodeId,
        _msg: (),
        _out: &mut Out<Self>,
    ) {
    }

    fn client_init(&self, _ctx: &Ctx) {}

    fn client_acquire(&self, _ctx: &Ctx, _state: &mut (), out: &mut Out<Self>) {
        out.acquired(None);
    }

    fn client_release(&self, _ctx: &Ctx, _state: &mut (), out: &mut Out<Self>) {
        out.released();
    }

    fn client_on_msg(
        &self,
        _ctx: &Ctx,
        _state: &mut (),
        _src: NodeId,
        _msg: (),
        _out: &mut Out<Self>,
    ) {
    }

    fn client_on_timer(&self, _ctx: &Ctx, _state: &mut (), _timer: (), _out: &mut Out<Self>) {}
}
