//! etcd's `concurrency.Mutex`: a session lease kept alive by the client, a
//! key per waiter under the lock's prefix, and the create revision as both
//! the order of the line and a fencing token.
//!
//! Source: the Go client, `go.etcd.io/etcd/client/v3/concurrency`, v3.5,
//! files `session.go` (`NewSession`: `LeaseGrant` with the session TTL, then
//! `KeepAlive`, whose channel closing closes `Session.Done()`) and
//! `mutex.go` (`Mutex.Lock`, `tryAcquire`, `waitDeletes`, `Mutex.Unlock`);
//! the keep-alive period is the client's `lease.go` (`TTL / 3` after each
//! answer). The check after the wait (`client.Get(ctx, m.myKey)`, returning
//! `ErrSessionExpired` when the key is gone) is in later v3.5 releases
//! (which patch release brought it is not pinned down here); earlier ones,
//! v3.4 among them, return from `Lock` without it.
//!
//! # The server (`etcd`)
//! The etcd cluster is modelled as one linearizable server: every request
//! is applied atomically in arrival order, as the Raft log orders them, and
//! no follower answers stale reads. It keeps a store revision (every write
//! takes the next one), leases and the keys under the lock's prefix.
//! - **Leases.** `LeaseGrant` creates a lease of `ttl_ticks`; a keep-alive
//!   restarts it. A lease whose time has come (on the server's monotonic
//!   clock: the lessor compares Go `time.Time` values, which carry a
//!   monotonic reading) is revoked, and its keys are deleted in one write.
//!   The server notices an expired lease when it next handles a message
//!   (every live client sends keep-alives every `ttl_ticks / 3`), which
//!   delays the watch events of an expiry by at most that much.
//! - **Keys.** `prefix/<lease>` with the revision that created it.
//! - **Watches.** A watch on the deletion of one key; the event is sent when
//!   the key is deleted (by `Unlock` or a lease revocation).
//! - **Persistence.** etcd logs every write before it answers: a restarted
//!   server has its revision, leases and keys back, and gives every lease a
//!   full TTL again (the lessor's `Promote` on a new leader). Watches live
//!   in the watch stream and go with the connection; clients set them again.
//!
//! # The client
//! 1. `NewSession`: `LeaseGrant` (a lease id of its own making: etcd lets a
//!    client choose it), then a keep-alive at once and every `ttl_ticks / 3`
//!    on its monotonic clock (the client library sends the next one a third
//!    of the TTL after each answer). A session per lock, closed after the
//!    unlock, as etcd's own examples use it (`defer s.Close()`).
//!    The server answers a keep-alive only when the lease is gone (`TTL =
//!    0`); then `Session.Done()` closes and the client stops sending.
//! 2. `Lock`, `tryAcquire`: one transaction, `if create_revision(myKey) ==
//!    0 then put(myKey, lease) else get(myKey)`, plus `get(prefix,
//!    first-create)`: the client learns its key's revision and the owner's.
//!    If they are equal it holds the lock.
//! 3. `waitDeletes`: get the key with the highest create revision below its
//!    own; none: go to 4; else watch its deletion, then do 3 again.
//! 4. v3.5: `get(myKey)`: gone means the session expired while waiting,
//!    `Lock` returns `ErrSessionExpired`, and the application starts over
//!    with a new session. Otherwise it holds the lock. (The model folds
//!    this `get` into the answer of the last `waitDeletes` lookup, which the
//!    server evaluates at the same instant.)
//! 5. A holder that sees `Session.Done()` close knows its lock is gone
//!    (`out.lost()`) and asks again with a new session.
//! 6. `Unlock`: delete `myKey`; then `Session.Close()` revokes the lease
//!    (not waited for: the round is over once the key is deleted).
//! 7. When its connection breaks, the client library reconnects and the
//!    request in flight is made again (the transaction is idempotent by
//!    design: a key that exists is only read); a waiter sets its watch again.
//!    A `LeaseGrant` whose answer was lost fails `NewSession`, and the
//!    application opens a new session: the model sends the grant again
//!    under the same lease id, and the server gives it a full TTL, as it
//!    would a new lease (the lost one holds no key and only expires).
//!
//! # Variants
//! - `etcd_mutex_fenced`, the correct use: v3.5's `Lock`, and the resource
//!   checks the create revision of the holder's key as a fencing token.
//! - `etcd_mutex`: the same lock, with no fence.
//! - `etcd_mutex_no_session_check`: `Lock` returns after the wait without
//!   checking that its key (its lease) still exists, as before that check
//!   came, and no fence: a waiter whose lease expired while it waited
//!   proceeds with no key, and whoever takes the lock next does not wait
//!   for it.
//! - `etcd_mutex_unlock_retry`: one session for every lock the client takes
//!   (a session per process, as many applications keep one), no fence, and
//!   an `Unlock(ctx)` bounded by a deadline (`request_timeout_ticks`). When
//!   the deadline passes, `Unlock` returns `DeadlineExceeded`, the
//!   application goes on and retries the old mutex's `Unlock` after
//!   `retry_ticks`. `Unlock` deletes `prefix/<lease>` by name, and the next
//!   lock of the same session has the same key: the retry deletes it
//!   (reported upstream as etcd-io/etcd#22082, "stale Mutex.Unlock retry
//!   can delete a newer same-session lock"; the proposed fix,
//!   etcd-io/etcd#22115, makes the delete conditional
//!   on the create revision the mutex took).
//!
//! # Simplified
//! - One server for the cluster (above); no request timeouts (gRPC has none
//!   unless the caller's context sets one); the keep-alive is unanswered
//!   while the lease lives; the client's own deadline on its lease
//!   (`lease.go` closes the channel when no answer came for a TTL) is left
//!   out, so a holder learns of the expiry only from the server.
//! - A `LeaseGrant` made again after a lost answer reuses the lease id;
//!   etcd refuses an id that is taken (the application's new session gets
//!   a new one). The difference holds no key and shows nowhere else:
//!   `replay --against etcd` grants a new real lease for it, and the
//!   model's server otherwise answers as etcd 3.4 does
//!   (`tests/real_servers.rs`, `docs/real-servers.md`).
//!
//! # Expected weaknesses
//! - **A pause longer than the lease** breaks mutual exclusion: the paused
//!   holder's keep-alives stop, its lease expires and its key is deleted,
//!   the waiter's watch fires and it takes the lock while the paused one
//!   still believes it holds it. Its write, read before the pause, lands
//!   later; the create-revision fence refuses it.
//! - **A partition that outlasts the keep-alives** breaks mutual exclusion
//!   the same way, with no pause: `Lock` does not look at how long its
//!   lease has left, so a client cut off since its grant can take the lock
//!   just before the lease expires; the waiter's key then becomes the owner
//!   before the holder hears that its lease is gone.
//! - **A crashed holder** is survived: its lease expires and takes its key.
//! - **A restart** is survived: etcd persists keys, leases and the revision.
//! - **Clock faults** change nothing: leases expire by the server's
//!   monotonic clock, and keep-alives every third of the TTL leave room
//!   for a server clock 50% fast.
//! - **Without the check after the wait**, a waiter whose lease expired
//!   while it waited comes out of `Lock` with no key, and nobody who takes
//!   the lock after it waits for it.
//! - **An unlock retried by name** in a session that took the lock again
//!   deletes the new key: the session's new mutex believes it holds (or is
//!   about to take) a lock whose key is gone, and the other client's key
//!   becomes the owner.
//!
//! # Expected verdicts (`models/etcd_lock.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//!
//! <!-- expectations: generated from etcd_lock.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `etcd_mutex_fenced` | `etcd_mutex` | `etcd_mutex_no_session_check` | `etcd_mutex_unlock_retry` |
//! |---|---|---|---|---|
//! | no-faults | ok (live) | ok (live) | ok (live) | ok (live) |
//! | holder-crash | ok (live) | ok (live) | ok (live) | ok (live) |
//! | gc-pause | mutex ✗, progress ✗ (live) (liveness graph limit 8M) | mutex ✗, resource ✗, progress ✗ (live) (liveness graph limit 10M) | mutex ✗, resource ✗, progress ✗ (live) (liveness graph limit 10M) | mutex ✗, resource ✗, progress ✗ (live) (liveness graph limit 10M) |
//! | clock-jump | ok (live) | ok (live) | ok (live) | ok (live) |
//! | clock-drift | ok (live) | ok (live) | ok (live) | ok (live) |
//! | message-loss | mutex ?, resource ?, progress ? (state limit 1M) | mutex ?, resource ?, progress ? (state limit 1M) | mutex ?, resource ?, progress ? (state limit 1M) | mutex ?, resource ?, progress ? (state limit 1M) |
//! | partition | mutex ✗, resource ?, progress ? (state limit 2M) | mutex ✗, resource ✗, progress ? (state limit 2M) | mutex ✗, resource ✗, progress ? (state limit 2M) | mutex ✗, resource ✗, progress ? (state limit 2M) |
//! | server-restart | ok (live) | ok (live) | ok (live) | ok (live) |
//! | async-network | mutex ✗, resource ?, progress ✗ (state limit 1M) | mutex ✗, resource ✗, progress ✗ (state limit 1M) | mutex ✗, resource ✗, progress ✗ (state limit 1M) | mutex ✗, resource ✗, progress ✗ (state limit 1M) |
//! | crowd-atomic | mutex ✗ | mutex ✗, resource ✗ (live) (liveness graph limit 8M) | mutex ✗, resource ✗ | mutex ✗, resource ✗ |
//! | duplicates | ok (live) | ok (live) | ok (live) | ok (live) |
//! | endless-contention | ok (live) | ok (live) | ok (live) | ok (live) |
//! | long-work | ok (live) | ok (live) | ok (live) | ok (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/etcd_consul_models.rs`)
//! The first three variants differ only in what a holder sends the resource and
//! in what a waiter does when its key is gone.
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | the second key waits for the deletion of the first |
//! | holder-crash | holds | holds | holds | the crashed holder's keep-alives stop; its lease expires `ttl_ticks` after the last one and its key with it, which fires the waiter's watch. `deadlock_free` and `starvation_free` hold |
//! | gc-pause | violated (30) | fenced: holds; unfenced: violated (36) | violated (86) | searched to the end for `etcd_mutex_fenced` (3.1 million states); the unfenced variants decide every property within 4.4 million. The holder stalls past its lease (above). The fenced resource refuses the stale create revision. Progress: a holder that stalled hears, when it resumes, that its lease is gone, and starts over with a new session too late to finish by tick 32. Slow, not stuck |
//! | clock-jump | holds | holds | holds | a jump of the server's wall clock expires nothing: leases run on the monotonic clock |
//! | clock-drift | holds | holds | holds | the server's clock runs up to 50% fast, so a 6-tick lease ends after 4 real ticks; keep-alives (the first at once after the grant, then every 2 ticks) arrive at least every 3 |
//! | message-loss | ? | ? | ? | the search stops at its limit (1M states), and the simulation finds nothing. Searched to the end for `etcd_mutex_fenced` (18.5 million states, `--states-max 20000000`), all three hold: a lost message breaks the connection, the request is made again on a new one, and keep-alives resume well within the lease |
//! | partition | violated (26) | fenced: ? (search stops at 2M states); unfenced: violated (32, found by the seeded simulation) | ? | the holder's keep-alives are lost while the lock service is cut off (ticks 1 to 7). When the partition heals it takes the lock with its lease, granted at tick 0, due to expire at tick 8: `Lock` does not look at the time a lease has left. At tick 8 the lease expires, its key with it, and the waiter's key becomes the owner while the holder has not yet heard that its lease is gone. The unfenced resource then takes the stale holder's write |
//! | server-restart | holds | holds | holds | etcd logs every write; the restarted server gives each lease a full TTL, and clients make their request again on a new connection |
//! | async-network | violated (18) | fenced: ?; unfenced: violated (31) | violated (14) | keep-alives may take as long as the lease: it expires while its holder still holds, and the other client's key becomes the owner, and the unfenced resource takes the stale holder's write; progress: a message may take until the horizon |
//! | crowd-atomic | violated (36) | fenced: holds; unfenced: violated (41) | holds | three clients, two rounds: a holder's pause outlasts its lease. Searched to the end (1.19 to 1.29 million states; `_unlock_retry` 2.46 million): the fenced resource refuses the stale create revision, and every client is done by the horizon |
//! | duplicates | holds (vacuous) | holds (vacuous) | holds (vacuous) | the clients talk over one connection, which never delivers twice |
//! | message-loss, `etcd_mutex_unlock_retry` | ? | ? | ? | the search stops at its limit (1M states) far above the bug's depth, and the comparison's 5,000 random runs miss it. 50,000 runs (seed 1) find it twice, shrunk to 53 steps (`tests/suite/etcd_consul_models.rs` pins it, and that `etcd_mutex` shows nothing under the same runs): a lost message breaks c2's connection while its `Unlock` is in flight; the deadline passes before the delete made again on the new connection is answered, and c2 goes on to its second round: its `Lock` creates `prefix/<lease>` again, at a new revision. The retried `Unlock` then deletes that key by name. c2 is told it holds the lock (no key below its own, which still existed when the server looked) while c1, whose key is now the lowest, holds it too |
//!
//! `etcd_mutex_unlock_retry` keeps its session between rounds, so its
//! states differ from `etcd_mutex`'s, but its verdicts under the other
//! standard scenarios are the same, except that its `progress` under
//! gc-pause is violated later (107 steps against 86: the search stops at
//! 4.36 million states, once every property is decided). It survives a restart as `etcd_mutex` does (1.95 million
//! states, searched to the end): an unlock cut off by the crash is retried
//! until the restarted server answers it.

//! The liveness checker decides `deadlock_free` and `starvation_free`
//! under holder-crash (the model keeps its one time, a lease's expiry, as
//! an `Instant`, so the harness shifts it). Under endless-contention (two
//! clients that ask again as soon as they release, forever) both hold for
//! every variant (liveness graphs of 101,448 states, 156,668 for
//! `etcd_mutex_unlock_retry`): `Lock` hands the lock to the lowest create
//! revision under the prefix, so the line is first come, first served. A
//! client that releases and asks again puts its key above the waiter's and
//! waits behind it. Revisions grow with every round and so do lease ids;
//! they are `FenceToken`s from the store's `FenceCounter` and the numbers
//! of each client's `SessionCounter`, which the liveness checker renumbers
//! so that the graph stays finite. `progress` holds too: each client takes
//! the lock at least once by tick 40.
//!
//! Under gc-pause both hold for `etcd_mutex`, `_fenced` and
//! `_no_session_check` (liveness graphs of 8,719,984, 6,102,556 and
//! 8,719,266 states, 23 to 34 s and 1.0 to 1.5 GB each, past the safety
//! search's limit, so their entries give the graph a limit of its own,
//! `"liveness_states_max"`), and for `_unlock_retry` (8,510,938 states,
//! about 32 s): the paused
//! holder's keep-alives stop, its lease expires and takes its key, the
//! waiter's watch fires and it takes the lock; the stalled client hears on resuming that its lease is gone,
//! opens a new session and queues again. The `progress` violation (86) is
//! that slowness. Under server-restart `etcd_mutex_unlock_retry` is live
//! as well (3,043,869 states, about 13 s): an unlock cut off by the crash
//! is retried until the restarted server answers it, and every lease comes
//! back with a full TTL. Under crowd-atomic (three clients, two rounds, a
//! pause of up to 10 ticks) `etcd_mutex` is live (7,675,806 states, about
//! 40 s; the variants' graphs are not asked, at that cost): a paused
//! holder's lease expires and its key goes, the next key in revision order
//! takes the lock, and the stalled client queues again on a new session.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::models::params::{REQUEST_TIMEOUT_TICKS, RETRY_TICKS, TTL_TICKS};
use crate::node::{
    Ctx, FenceCounter, FenceToken, Instant, LockModel, LockParams, NodeId, Out, Param, RealServer,
    ServerProgram, SessionCounter, Symmetry, TimeVisitors, Transport, Variant,
};
use crate::{rename_nothing, times_nothing, times_variants, visit_fields, visit_variants};

/// A lease, and so a session and its key `prefix/<lease>`: the client that
/// granted it and which of its sessions it is.
pub type LeaseId = crate::node::SessionId;

/// What etcd logs, and so keeps across a restart.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EtcdData {
    /// The store revision: every write takes the next one.
    pub revision: FenceCounter,
    /// Live leases.
    pub leases: BTreeSet<LeaseId>,
    /// The keys under the lock's prefix, `prefix/<lease>`, with their
    /// create revision.
    pub keys: BTreeMap<LeaseId, FenceToken>,
}
visit_fields!(EtcdData {
    revision,
    leases,
    keys
});

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EtcdServer {
    pub data: EtcdData,
    /// When each live lease expires, on the server's monotonic clock.
    pub expires_at: BTreeMap<LeaseId, Instant>,
    /// Watches on the deletion of the key created at a revision, by client.
    pub watches: BTreeSet<(NodeId, FenceToken)>,
}
visit_fields!(EtcdServer {
    data,
    expires_at,
    watches
});

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Msg {
    /// `LeaseGrant` with the session TTL.
    Grant {
        lease: LeaseId,
    },
    /// The lease is granted.
    Granted {
        lease: LeaseId,
    },
    /// `LeaseKeepAlive`.
    KeepAlive {
        lease: LeaseId,
    },
    /// A keep-alive or a put found no such lease (`TTL = 0`, or
    /// `ErrLeaseNotFound`): the session is over.
    LeaseGone {
        lease: LeaseId,
    },
    /// `tryAcquire`'s transaction and the owner lookup.
    Lock {
        lease: LeaseId,
    },
    /// The key's create revision and the owner's (the lowest under the prefix).
    Locked {
        my_rev: FenceToken,
        owner_rev: FenceToken,
    },
    /// `waitDeletes`: the last key created below `my_rev`, watched.
    WaitDeletes {
        lease: LeaseId,
        my_rev: FenceToken,
    },
    /// No key below: whether the client's own key still exists (v3.5's
    /// `get(myKey)`, folded in).
    NoneBefore {
        mine: bool,
    },
    /// The watched key (created at `rev`) is deleted.
    Deleted {
        rev: FenceToken,
    },
    /// `Unlock`: delete `prefix/<lease>`.
    Unlock {
        lease: LeaseId,
    },
    Unlocked,
    /// `Session.Close()`: `LeaseRevoke`; not answered.
    Revoke {
        lease: LeaseId,
    },
}
visit_variants!(Msg {
    Grant { lease },
    Granted { lease },
    KeepAlive { lease },
    LeaseGone { lease },
    Lock { lease },
    Locked { my_rev, owner_rev },
    WaitDeletes { lease, my_rev },
    NoneBefore { mine },
    Deleted { rev },
    Unlock { lease },
    Unlocked,
    Revoke { lease }
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timer {
    /// Send the next keep-alive.
    KeepAlive,
    /// (`etcd_mutex_unlock_retry`) The `Unlock` call's deadline.
    UnlockDeadline,
    /// (`etcd_mutex_unlock_retry`) Retry the unlock that missed its
    /// deadline, by its key's name.
    UnlockRetry,
}
rename_nothing!(Timer);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Step {
    Idle,
    /// `NewSession`: waiting for the grant.
    Granting,
    /// `tryAcquire`.
    Locking,
    /// `waitDeletes`, with the client's key's revision.
    Waiting {
        my_rev: FenceToken,
    },
    Holding {
        my_rev: FenceToken,
    },
    Unlocking,
}
rename_nothing!(Step);
times_variants!(Step {
    Idle,
    Granting,
    Locking,
    Waiting { my_rev },
    Holding { my_rev },
    Unlocking
});

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EtcdClient {
    pub step: Step,
    /// The current session's lease, and whether it is still alive as far
    /// as the client knows (`Session.Done()` not closed).
    pub session: Option<(LeaseId, bool)>,
    /// Where its sessions' numbers come from.
    pub sessions: SessionCounter,
    /// (`etcd_mutex_unlock_retry`) An unlock missed its deadline and is
    /// retried until a delete is answered.
    pub unlock_retrying: bool,
}
visit_fields!(EtcdClient {
    step,
    session,
    sessions,
    unlock_retrying
});

times_nothing!(Timer);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    Fenced,
    Unfenced,
    NoSessionCheck,
    /// One session for every lock the client takes, and an unlock that
    /// missed its deadline retried later by key name.
    UnlockRetry,
}

#[derive(Clone, Debug)]
pub struct EtcdLock {
    pub usage: Use,
    pub ttl_ticks: u32,
    pub keep_alive_ticks: u32,
    /// (`etcd_mutex_unlock_retry`) The `Unlock` call's deadline; absent:
    /// it waits for the answer.
    pub unlock_deadline_ticks: Option<u32>,
    /// (`etcd_mutex_unlock_retry`) How long before the failed unlock is
    /// tried again.
    pub retry_ticks: u32,
}

impl EtcdLock {
    /// Revokes every lease whose time has come, deleting its keys.
    pub fn expire(&self, ctx: &Ctx, st: &mut EtcdServer, out: &mut Out<Self>) {
        let gone: Vec<LeaseId> = st
            .expires_at
            .iter()
            .filter(|(_, at)| at.has_come(ctx.mono()))
            .map(|(l, _)| *l)
            .collect();
        for lease in &gone {
            st.expires_at.remove(lease);
            st.data.leases.remove(lease);
            self.delete_key(st, *lease, out);
        }
    }

    /// Deletes `prefix/<lease>` if it exists, firing the watches on it.
    fn delete_key(&self, st: &mut EtcdServer, lease: LeaseId, out: &mut Out<Self>) {
        let Some(rev) = st.data.keys.remove(&lease) else {
            return;
        };
        st.data.revision.hand_out();
        let fired: Vec<(NodeId, FenceToken)> =
            st.watches.iter().filter(|w| w.1 == rev).copied().collect();
        for w in fired {
            st.watches.remove(&w);
            out.send(w.0, Msg::Deleted { rev });
        }
    }

    fn token(&self, my_rev: FenceToken) -> Option<u64> {
        (self.usage == Use::Fenced).then_some(my_rev.number())
    }

    /// Opens a new session: `LeaseGrant`.
    fn new_session(&self, ctx: &Ctx, c: &mut EtcdClient, out: &mut Out<Self>) {
        let lease = c.sessions.open();
        c.session = Some((lease, true));
        c.step = Step::Granting;
        out.cancel_timer(Timer::KeepAlive);
        out.send(ctx.server(), Msg::Grant { lease });
    }

    /// Sends what the current step waits for (again, after a reconnect).
    fn request(&self, ctx: &Ctx, c: &EtcdClient, out: &mut Out<Self>) {
        let Some((lease, _)) = c.session else { return };
        let msg = match c.step {
            Step::Granting => Msg::Grant { lease },
            Step::Locking => Msg::Lock { lease },
            Step::Waiting { my_rev } => Msg::WaitDeletes { lease, my_rev },
            Step::Unlocking => Msg::Unlock { lease },
            Step::Idle | Step::Holding { .. } => return,
        };
        out.send(ctx.server(), msg);
    }
}

impl LockModel for EtcdLock {
    type Server = EtcdServer;
    type Durable = EtcdData;
    type Client = EtcdClient;
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "etcd_mutex_fenced",
            summary: "etcd concurrency.Mutex (v3.5) with a kept-alive session lease; the resource checks the key's create revision as a fencing token",
        },
        Variant {
            id: "etcd_mutex",
            summary: "etcd concurrency.Mutex (v3.5), unfenced: the holder stops only when it sees its session end",
        },
        Variant {
            id: "etcd_mutex_no_session_check",
            summary: "etcd concurrency.Mutex without the check after the wait (v3.4): a waiter whose lease expired proceeds with no key",
        },
        Variant {
            id: "etcd_mutex_unlock_retry",
            summary: "etcd concurrency.Mutex with one session for every lock, and an Unlock that missed its deadline retried later by key name: it deletes the same session's next lock",
        },
    ];

    const PARAMS: &'static [Param] = &[TTL_TICKS, REQUEST_TIMEOUT_TICKS, RETRY_TICKS];

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        let usage = match variant {
            "etcd_mutex_fenced" => Use::Fenced,
            "etcd_mutex" => Use::Unfenced,
            "etcd_mutex_no_session_check" => Use::NoSessionCheck,
            "etcd_mutex_unlock_retry" => Use::UnlockRetry,
            other => return Err(format!("unknown etcd variant `{other}`")),
        };
        let ttl_ticks = params.require(TTL_TICKS.name)?;
        let retrying = usage == Use::UnlockRetry;
        Ok(EtcdLock {
            usage,
            ttl_ticks,
            keep_alive_ticks: (ttl_ticks / 3).max(1),
            unlock_deadline_ticks: if retrying {
                params.optional(REQUEST_TIMEOUT_TICKS.name)?
            } else {
                None
            },
            retry_ticks: if retrying {
                params.require(RETRY_TICKS.name)?
            } else {
                0
            },
        })
    }

    fn server_name(&self, _index: usize) -> String {
        "etcd".to_string()
    }

    /// The etcd calls `concurrency.Session` and `concurrency.Mutex` make,
    /// with the lock's key `prefix/<lease>`.
    fn describe_msg(&self, msg: &Msg) -> String {
        match msg {
            Msg::Grant { lease } => format!("LeaseGrant {lease} TTL {}", self.ttl_ticks),
            Msg::Granted { lease } => format!("lease {lease} granted"),
            Msg::KeepAlive { lease } => format!("LeaseKeepAlive {lease}"),
            Msg::LeaseGone { lease } => format!("lease {lease} not found"),
            Msg::Lock { lease } => {
                format!("txn: put prefix/{lease} if absent; get the first key under prefix")
            }
            Msg::Locked { my_rev, owner_rev } => {
                format!("my key created at rev {my_rev}, the first at rev {owner_rev}")
            }
            Msg::WaitDeletes { lease, my_rev } => format!(
                "get the last key under prefix before rev {my_rev}, watch its delete  [{lease}]"
            ),
            Msg::NoneBefore { mine } => format!(
                "no key before mine; my key {}",
                if *mine { "exists" } else { "is gone" }
            ),
            Msg::Deleted { rev } => format!("watch: the key of rev {rev} is deleted"),
            Msg::Unlock { lease } => format!("delete prefix/{lease}"),
            Msg::Unlocked => "deleted".to_string(),
            Msg::Revoke { lease } => format!("LeaseRevoke {lease}"),
        }
    }

    /// Everything is replayed, an etcd restart too: the real one reads its
    /// log back and gives every lease a full TTL, as the model's server
    /// does.
    fn real_server(_variant: &str) -> Option<RealServer> {
        Some(RealServer {
            program: ServerProgram::Etcd,
            restart_is_real: true,
        })
    }

    fn transport(&self) -> Transport {
        Transport::Session
    }

    /// Clients run the same code; a lease names its client by node id, and
    /// the line is ordered by revision, never by client.
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    /// The one kept time is a lease's expiry, the server's clock read at
    /// that moment plus the TTL.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        Some(TimeVisitors::by_times())
    }

    /// Revisions are fencing tokens from the store's one counter, and a
    /// client's leases are numbered by its own [`SessionCounter`]: the
    /// harness renumbers both.
    fn rounds_bounded(&self) -> bool {
        true
    }

    /// What Raft commits: leases, keys and the revision (a lease's expiry
    /// time and the watches live in the leader's memory).
    fn durable_part(&self, st: &EtcdServer) -> Option<EtcdData> {
        Some(st.data.clone())
    }

    fn server_init(&self, ctx: &Ctx, durable: Option<&EtcdData>) -> EtcdServer {
        let data = durable.cloned().unwrap_or(EtcdData {
            revision: FenceCounter::new(),
            leases: BTreeSet::new(),
            keys: BTreeMap::new(),
        });
        // A restarted server gives every lease a full TTL again.
        let expires_at = data
            .leases
            .iter()
            .map(|l| (*l, ctx.mono().after(self.ttl_ticks)))
            .collect();
        EtcdServer {
            data,
            expires_at,
            watches: BTreeSet::new(),
        }
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        st: &mut EtcdServer,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        self.expire(ctx, st, out);
        match msg {
            Msg::Grant { lease } => {
                // A grant made again after a broken connection stands for
                // the new session the application opens when `NewSession`
                // fails: its lease starts a full TTL. (The lease of the
                // failed attempt holds no key; it would only expire.)
                st.data.leases.insert(lease);
                st.expires_at
                    .insert(lease, ctx.mono().after(self.ttl_ticks));
                out.send(src, Msg::Granted { lease });
            }
            Msg::KeepAlive { lease } => match st.expires_at.get_mut(&lease) {
                Some(at) => *at = ctx.mono().after(self.ttl_ticks),
                None => out.send(src, Msg::LeaseGone { lease }),
            },
            Msg::Lock { lease } => {
                let my_rev = match st.data.keys.get(&lease) {
                    Some(rev) => *rev,
                    None if st.data.leases.contains(&lease) => {
                        let rev = st.data.revision.hand_out();
                        st.data.keys.insert(lease, rev);
                        rev
                    }
                    None => {
                        out.send(src, Msg::LeaseGone { lease });
                        return;
                    }
                };
                let owner_rev = st.data.keys.values().copied().min().unwrap_or(my_rev);
                out.send(src, Msg::Locked { my_rev, owner_rev });
            }
            Msg::WaitDeletes { lease, my_rev } => {
                let last_before = st.data.keys.values().copied().filter(|r| *r < my_rev).max();
                match last_before {
                    Some(rev) => {
                        st.watches.insert((src, rev));
                    }
                    None => out.send(
                        src,
                        Msg::NoneBefore {
                            mine: st.data.keys.contains_key(&lease),
                        },
                    ),
                }
            }
            Msg::Unlock { lease } => {
                self.delete_key(st, lease, out);
                out.send(src, Msg::Unlocked);
            }
            Msg::Revoke { lease } => {
                if st.data.leases.remove(&lease) {
                    st.expires_at.remove(&lease);
                    self.delete_key(st, lease, out);
                }
            }
            // Only the server sends the others.
            Msg::Granted { .. }
            | Msg::LeaseGone { .. }
            | Msg::Locked { .. }
            | Msg::NoneBefore { .. }
            | Msg::Deleted { .. }
            | Msg::Unlocked => {}
        }
    }

    fn client_init(&self, ctx: &Ctx) -> EtcdClient {
        EtcdClient {
            step: Step::Idle,
            session: None,
            sessions: SessionCounter::new(ctx),
            unlock_retrying: false,
        }
    }

    fn client_acquire(&self, ctx: &Ctx, c: &mut EtcdClient, out: &mut Out<Self>) {
        match c.session {
            Some((lease, true)) => {
                c.step = Step::Locking;
                out.send(ctx.server(), Msg::Lock { lease });
            }
            _ => self.new_session(ctx, c, out),
        }
    }

    fn client_release(&self, ctx: &Ctx, c: &mut EtcdClient, out: &mut Out<Self>) {
        c.step = Step::Unlocking;
        self.request(ctx, c, out);
        if let Some(ticks) = self.unlock_deadline_ticks {
            out.set_timer(Timer::UnlockDeadline, ticks);
        }
    }

    fn client_on_msg(
        &self,
        ctx: &Ctx,
        c: &mut EtcdClient,
        _src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        let current = c.session.map(|(l, _)| l);
        match (msg, c.step) {
            (Msg::Granted { lease }, Step::Granting) if Some(lease) == current => {
                // `KeepAlive` sends the first one at once.
                out.send(ctx.server(), Msg::KeepAlive { lease });
                out.set_timer(Timer::KeepAlive, self.keep_alive_ticks);
                c.step = Step::Locking;
                out.send(ctx.server(), Msg::Lock { lease });
            }
            (Msg::LeaseGone { lease }, step) if Some(lease) == current => {
                // `Session.Done()` closes: no more keep-alives.
                c.session = Some((lease, false));
                out.cancel_timer(Timer::KeepAlive);
                match step {
                    // The put found no lease: `Lock` fails, start over.
                    Step::Locking => self.new_session(ctx, c, out),
                    Step::Holding { .. } => {
                        c.step = Step::Idle;
                        out.lost();
                    }
                    // `Lock` goes on waiting under the caller's context;
                    // an unlock finishes whatever the lease did.
                    _ => {}
                }
            }
            (Msg::Locked { my_rev, owner_rev }, Step::Locking) => {
                if my_rev == owner_rev {
                    c.step = Step::Holding { my_rev };
                    out.acquired(self.token(my_rev));
                } else {
                    c.step = Step::Waiting { my_rev };
                    self.request(ctx, c, out);
                }
            }
            (Msg::Deleted { .. }, Step::Waiting { .. }) => self.request(ctx, c, out),
            (Msg::NoneBefore { mine }, Step::Waiting { my_rev }) => {
                if mine || self.usage == Use::NoSessionCheck {
                    c.step = Step::Holding { my_rev };
                    out.acquired(self.token(my_rev));
                } else {
                    // `ErrSessionExpired`: the application starts over.
                    self.new_session(ctx, c, out);
                }
            }
            (Msg::Unlocked, Step::Unlocking) if self.usage == Use::UnlockRetry => {
                // The session stays open for the next lock.
                out.cancel_timer(Timer::UnlockDeadline);
                c.unlock_retrying = false;
                c.step = Step::Idle;
                out.released();
            }
            (Msg::Unlocked, _) if c.unlock_retrying => {
                // A delete of the key's name was answered: the retry loop
                // ends.
                c.unlock_retrying = false;
                out.cancel_timer(Timer::UnlockRetry);
            }
            (Msg::Unlocked, Step::Unlocking) => {
                // `Session.Close()`.
                if let Some((lease, true)) = c.session {
                    out.send(ctx.server(), Msg::Revoke { lease });
                }
                c.session = None;
                out.cancel_timer(Timer::KeepAlive);
                c.step = Step::Idle;
                out.released();
            }
            _ => {}
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, c: &mut EtcdClient, timer: Timer, out: &mut Out<Self>) {
        match (timer, c.session) {
            (Timer::KeepAlive, Some((lease, true))) => {
                out.send(ctx.server(), Msg::KeepAlive { lease });
                out.set_timer(Timer::KeepAlive, self.keep_alive_ticks);
            }
            (Timer::KeepAlive, _) => {}
            (Timer::UnlockDeadline, _) if c.step == Step::Unlocking => {
                // `Unlock` returns `DeadlineExceeded`; the application
                // goes on, and retries the old mutex's `Unlock` later: a
                // delete of `prefix/<lease>` by name.
                c.step = Step::Idle;
                c.unlock_retrying = true;
                out.set_timer(Timer::UnlockRetry, self.retry_ticks);
                out.released();
            }
            (Timer::UnlockRetry, Some((lease, _))) if c.unlock_retrying => {
                out.send(ctx.server(), Msg::Unlock { lease });
                out.set_timer(Timer::UnlockRetry, self.retry_ticks);
            }
            (Timer::UnlockDeadline | Timer::UnlockRetry, _) => {}
        }
    }

    /// The library reconnects; the request in flight is made again.
    fn client_on_disconnect(
        &self,
        ctx: &Ctx,
        c: &mut EtcdClient,
        _server: NodeId,
        out: &mut Out<Self>,
    ) {
        self.request(ctx, c, out);
    }
}
