//! Hazelcast's `FencedLock`: a lock in the CP subsystem, held by a CP
//! session that the client keeps alive with heartbeats; the session's
//! closing releases the lock, and `lockAndGetFence()` returns a monotonic
//! fencing token.
//!
//! Source: Hazelcast 4.x and 5.x, the interface `com.hazelcast.cp.lock.FencedLock`
//! (`lock`, `lockAndGetFence`, `unlock`; its documentation describes the
//! fence and the session), the client's proxy
//! `com.hazelcast.client.cp.internal.datastructures.lock.FencedLockProxy`,
//! which runs
//! `com.hazelcast.cp.internal.datastructures.lock.proxy.AbstractFencedLockProxy`
//! (`lockAndGetFence`: acquire the session, send the lock operation, and on
//! `SessionExpiredException` invalidate the session and try again;
//! `unlock`: throw `LockOwnershipLostException` when the session it locked
//! with is gone or the group says it has expired), the session manager
//! `com.hazelcast.cp.internal.session.AbstractProxySessionManager`
//! (`acquireSession`, `releaseSession`, and the heartbeat task that
//! heartbeats every session in use every `sessionHeartbeatIntervalSeconds`,
//! and invalidates a session the group says has expired), and on the
//! group's side `RaftSessionService` and `RaftSessionRegistry` (sessions
//! expire when no heartbeat came for `sessionTimeToLiveSeconds`, judged by
//! `Clock.currentTimeMillis()`, the leader's wall clock; a closed
//! session's locks are released and its waits cancelled; a new leader
//! shifts every expiry by the heartbeat interval, `onNewTermCommit` and
//! `shiftExpirationTimes`) and `RaftLock` (the owner, the queue of
//! waiters, and the fence: the Raft commit index of the entry that granted
//! the lock). The defaults (`CPSubsystemConfig`): a session TTL of 300 s and
//! a heartbeat interval of 5 s.
//!
//! # The server (`cp`)
//! The CP group (Raft over three or more members) is modelled as one
//! linearizable server: every operation is applied atomically in arrival
//! order, as the Raft log orders them. It keeps the sessions, the lock's
//! owner (a session of a client), its waiters in order and the last fence.
//! - **Sessions** expire `ttl_ticks` after their creation or last heartbeat,
//!   on the leader's wall clock: the registry keeps each expiry as a time
//!   of day (`currentTimeMillis` plus the TTL) and closes the sessions
//!   whose time of day has come. The server notices an expiry when it next
//!   handles a message (every client heartbeats the session it uses every
//!   `ttl_ticks / 4`).
//! - **Lock** by a live session: granted when the lock is free (the fence
//!   grows), answered with the current fence when that session already
//!   holds it (the same invocation again), else the request waits in line.
//!   An unknown session is answered `SessionExpiredException`.
//! - **Unlock** by the owner frees the lock and grants it to the first
//!   waiter, with a new fence.
//! - **A session's closing** (expiry) frees the lock it holds, grants it to
//!   the next waiter, and answers its own waits `SessionExpiredException`.
//! - **Fence.** Hazelcast's fence is the commit index of the Raft entry
//!   that granted the lock; the model counts grants, which orders them the
//!   same way.
//! - **Restart.** The group's state is replicated: the crash and restart of
//!   the server stands for the leader's failure and a new leader taking
//!   over, with the sessions and their expiries, the owner, the waiters and
//!   the fence. The new leader shifts every session's expiry by the
//!   heartbeat interval, so that clients have time to reach it.
//!
//! # The client
//! 1. `lock()`: acquire a session (create one if the client has none, then
//!    heartbeat it every `ttl_ticks / 4` while it is in use), then send
//!    `LockOp` and wait for the answer: the lock, with its fence.
//! 2. `SessionExpiredException` (the lock's answer, or a heartbeat's): the
//!    session is invalidated; if `lock()` is waiting it starts over with a
//!    new session.
//! 3. Holding: the client heartbeats its session. If a heartbeat hears that
//!    the session has expired, the session is invalidated, but nothing
//!    tells the application: it learns it at `unlock()` (below).
//! 4. `unlock()`: with the session it locked with still valid, send
//!    `UnlockOp` and wait for the answer; with the session invalidated,
//!    throw `LockOwnershipLostException` at once. Either way the release is
//!    over, and the session is released (no longer in use: heartbeats
//!    stop). A later `lock()` uses the same session if it is still valid.
//! 5. When its connection breaks, the client sends the operation in flight
//!    again; each carries an invocation id, so the group applies it once.
//!
//! # Variants
//! - `hazelcast_fenced_lock_fenced`: the resource checks the fence that
//!   `lockAndGetFence()` returned, as `FencedLock`'s documentation tells
//!   users to do.
//! - `hazelcast_fenced_lock`: the same lock, and the resource does not
//!   check the fence (`lock()`, as a plain `java.util.concurrent.locks.Lock`).
//!
//! # Simplified
//! - One server for the CP group (above); the client's invocation timeout
//!   and the group's periodic task that closes expired sessions (the model
//!   closes them when it next handles a message) are left out. A session id
//!   is of the client's own making (the group numbers them).
//! - Heartbeats every `ttl_ticks / 4` (2 ticks of 8, 1 of 6): Hazelcast's
//!   defaults send 60 per TTL, which would only make the search larger. The
//!   heartbeat task starts one interval after the session is created, as
//!   Hazelcast schedules it, so a coarser period would let a session
//!   judged by a fast clock expire before its first heartbeat.
//! - One thread per client, so the lock's owner is a session; the lock is
//!   not reentrant in the workload.
//!
//! # Expected weaknesses
//! - **A pause longer than the session TTL** breaks mutual exclusion: the
//!   paused holder's heartbeats stop, its session expires, the lock goes to
//!   the waiter while the paused one still believes it holds it, and its
//!   write lands late. The fence refuses it; without the check the resource
//!   takes it.
//! - **A partition of the holder that outlasts the TTL** does the same.
//! - **A crashed holder** is survived: its session expires and the waiter
//!   gets the lock.
//! - **A jump of the leader's wall clock** expires every session at once:
//!   the lock goes to the next client while its holder holds it. The fence
//!   refuses the old holder's writes.
//! - **A long change of leader** expires sessions too: the new leader gives
//!   them only a heartbeat interval more, and a client that could not
//!   reach the group meanwhile loses its session. With Hazelcast's defaults
//!   (a 300 s TTL) an election of seconds does not; in the model, an outage
//!   of up to 5 ticks against an 8-tick TTL does.
//! - **A drifting clock** changes nothing: heartbeats every quarter of the
//!   TTL leave room for a clock 50% fast.
//!
//! # Expected verdicts (`models/hazelcast_lock.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//!
//! <!-- expectations: generated from hazelcast_lock.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `hazelcast_fenced_lock_fenced` | `hazelcast_fenced_lock` |
//! |---|---|---|
//! | no-faults | ok (live) | ok (live) |
//! | holder-crash | ok (live) | ok (live) |
//! | gc-pause | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | clock-jump | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | clock-drift | ok (live) | ok (live) |
//! | message-loss | mutex ✗, resource ?, progress ? (live) (state limit 3.5M, 10M for the liveness graph) | mutex ✗, resource ✗, progress ? (live) (state limit 3.5M, 10M for the liveness graph) |
//! | partition | mutex ✗, resource ?, progress ? (state limit 2M) | mutex ✗, resource ✗, progress ? (state limit 2M) |
//! | server-restart | mutex ✗ (live) (liveness graph limit 6M) | mutex ✗, resource ✗ (live) (liveness graph limit 6M) |
//! | async-network | mutex ✗, resource ?, progress ✗ (state limit 20k) | mutex ✗, resource ✗, progress ✗ |
//! | crowd-atomic | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | duplicates | ok (live) | ok (live) |
//! | endless-contention | ok (live) | ok (live) |
//! | long-work | ok (live) | ok (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/lease_service_models.rs`)
//! The two variants have the same states wherever nothing is violated, and
//! differ only in what the resource checks. Cells marked with a number of
//! states stop at the limit their expectations give: searched on to 6
//! million states, they stay undecided; a `?` there says only that the
//! search stopped.
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | searched to the end (39,535 states): the second `LockOp` waits in line and is granted at the unlock |
//! | holder-crash | holds | holds | holds | searched to the end (144,429 states): the crashed holder's heartbeats stop, its session expires `ttl_ticks` after the last one, and the lock goes to the waiter with the next fence. `deadlock_free` and `starvation_free` hold |
//! | gc-pause | violated (24) | fenced: holds; unfenced: violated (30) | holds | searched to the end (1,429,298 states fenced, 1,661,608 unfenced). The holder stalls 10 ticks, longer than its 8-tick session; the session expires, the group grants the lock to the waiter, and the stalled holder, which nothing has told, writes late. The fence refuses the write |
//! | clock-jump | violated (9) | fenced: holds; unfenced: violated (15) | holds | searched to the end (1,115,357 states fenced, 1,380,068 unfenced). The leader's wall clock jumps 10 ticks while a client holds the lock: every session's time of day has come, the holder's session closes the next time the group handles a message, and the lock goes to the other client while the holder, which nothing has told, still holds it. The fence refuses its write |
//! | clock-drift | holds | holds | holds | searched to the end (287,549 states): the group's clock runs up to 50% fast, so a 6-tick session ends after 4 real ticks, against heartbeats every tick (`ttl_ticks / 4`, at least 1) |
//! | message-loss | violated (35) | fenced: ? (3.5M); unfenced: violated (41) | ? (3.5M) | c1's `LockOp` waits in line while its heartbeat is lost and its connection closed; it sends the `LockOp` again on a new connection, and its next heartbeat is still in flight when its session's TTL runs out. The group grants c1 the lock at c2's unlock (fence 2, tick 7), closes its session a tick later, and grants c2's next `LockOp` at once (fence 3) while c1 still holds it: `lock()` does not look at how long its session has left, as under partition. The search stops at 3.5 million states, past the shortest violations |
//! | partition | violated (25) | fenced: ? (2M); unfenced: violated (31) | ? (2M) | the group is cut off from both clients while their `LockOp`s wait to be sent; when the partition heals the first client's `LockOp` is granted on a session whose heartbeats were lost, which expires a tick later, and the lock goes to the other client while the first one holds it: `lock()` does not look at how long its session has left. The unfenced resource takes the stale holder's write. The search stops at 2 million states, past the shortest violations |
//! | server-restart | violated (35) | fenced: holds; unfenced: violated (41) | holds | searched to the end (4,187,508 states fenced, 4,600,895 unfenced). The group is down for up to 5 ticks; the new leader keeps the sessions' expiries and adds only the heartbeat interval, so a session whose heartbeats went to the dead leader expires just after the restart, and the lock is granted to the other client while its holder holds it (the holder learns of it only at `unlock()`) |
//! | async-network | violated (14) | fenced: ? (20k); unfenced: violated (20) | violated (14) | heartbeats may take as long as the session: it expires while its holder holds, and the lock goes to the other client. Progress: a message may take until the horizon. Unfenced searched until every property was decided (1.6 million states); the fenced resource is not decided within 6 million, so the comparison stops it at 20,000 |
//! | crowd-atomic | violated (30) | fenced: holds; unfenced: violated (35) | holds | three clients, two rounds, searched to the end (246,580 states fenced, 425,614 unfenced): a holder's pause outlasts its session, and the fence refuses its late write |
//! | duplicates | holds (vacuous) | holds (vacuous) | holds (vacuous) | one connection per client never delivers twice |
//!
//! The liveness checker decides `deadlock_free` and `starvation_free`
//! under holder-crash (the model keeps its one time, a session's expiry,
//! as an `Instant`, which the harness shifts), under gc-pause (graphs of
//! 3,378,541 states unfenced, 2,914,407 fenced, about 13 s each), and
//! under crowd-atomic,
//! where both hold for either variant (liveness graphs of 2,486,870 states
//! unfenced): waiting `LockOp`s are granted in order, as below, and a
//! paused holder's session expires and hands the lock on. Under clock-jump
//! both hold as well (liveness graphs of 2,712,431 states unfenced,
//! 2,186,919 fenced, about 12 s): the jump closes the holder's session
//! early, which breaks mutual exclusion, but the lock still goes to the
//! next waiter. Under endless-contention
//! (two clients that ask again as soon as they release, forever) both hold
//! (a liveness graph of 38,245 states): the CP group keeps waiting
//! `LockOp`s in order and grants the first at each unlock, so a client that
//! releases and asks again waits behind the waiter. The fence and session
//! ids grow with every round; they are `FenceToken`s from the group's
//! `FenceCounter` and the numbers of each client's `SessionCounter`, which
//! the liveness checker renumbers. Under server-restart both hold for
//! either variant (liveness graphs of 5,185,184 states unfenced, 5,111,522
//! fenced, about 24 s and 0.8 GB each, past the 5 million states a search
//! may have by default, so the entries give the graph a limit of its own,
//! `"liveness_states_max"`): the session that expired just after the
//! restart hands the lock to the waiter, and its holder, told at
//! `unlock()`, opens a new session and asks again.
//! Under message-loss both hold for either variant (liveness graphs of
//! 9,910,446 states unfenced, 9,673,974 fenced, about 40 s each): a lost heartbeat or answer breaks the connection, the
//! request is sent again on a new one, and a session that expired for want
//! of heartbeats hands the lock on, as under server-restart.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::models::params::TTL_TICKS;
use crate::node::{
    Ctx, FenceCounter, FenceToken, Instant, LockModel, LockParams, NodeId, Out, Param,
    SessionCounter, SessionId, Symmetry, TimeVisitors, Transport, Variant,
};
use crate::{rename_nothing, times_nothing, visit_fields, visit_variants};

/// What the CP group replicates, and so keeps across a change of leader.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct CpData {
    /// The live sessions, and when each expires on the leader's wall clock
    /// (`Clock.currentTimeMillis()`).
    pub sessions: BTreeMap<SessionId, Instant>,
    /// The lock's owner.
    pub owner: Option<SessionId>,
    /// Where fences come from: the last one handed out.
    pub fence: FenceCounter,
    /// The waiting `LockOp`s, in order.
    pub waiters: Vec<SessionId>,
}
visit_fields!(CpData {
    sessions,
    owner,
    fence,
    waiters
});

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Msg {
    /// `CreateSessionOp`.
    CreateSession {
        session: SessionId,
    },
    SessionCreated {
        session: SessionId,
    },
    /// `HeartbeatSessionOp`; answered only when the session is gone.
    Heartbeat {
        session: SessionId,
    },
    /// `SessionExpiredException`, for a heartbeat or a `LockOp`.
    SessionExpired {
        session: SessionId,
    },
    /// `LockOp`.
    Lock {
        session: SessionId,
    },
    /// The lock is granted, with its fence.
    Locked {
        session: SessionId,
        fence: FenceToken,
    },
    /// `UnlockOp`.
    Unlock {
        session: SessionId,
    },
    /// Unlocked (or `IllegalMonitorStateException`: not the owner).
    Unlocked,
}
visit_variants!(Msg {
    CreateSession { session },
    SessionCreated { session },
    Heartbeat { session },
    SessionExpired { session },
    Lock { session },
    Locked { session, fence },
    Unlock { session },
    Unlocked
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timer {
    /// The session manager's heartbeat task.
    Heartbeat,
}
rename_nothing!(Timer);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Step {
    Idle,
    /// `acquireSession`: creating one.
    Creating,
    /// The `LockOp` in flight (or waiting in line).
    Locking,
    Holding,
    /// The `UnlockOp` in flight.
    Unlocking,
}
rename_nothing!(Step);

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct HzClient {
    pub step: Step,
    /// The client's session, while valid as far as it knows.
    pub session: Option<SessionId>,
    /// The session the lock was taken with (the proxy's
    /// `lockedSessionIds`), from the grant to the unlock.
    pub locked_with: Option<SessionId>,
    /// Whether the heartbeat task is scheduled.
    pub ticking: bool,
    /// Where its sessions' numbers come from.
    pub sessions: SessionCounter,
}
visit_fields!(HzClient {
    step,
    session,
    locked_with,
    ticking,
    sessions
});

times_nothing!(Timer, Step);

#[derive(Clone, Debug)]
pub struct HazelcastLock {
    pub fenced: bool,
    /// `sessionTimeToLiveSeconds`.
    pub ttl_ticks: u32,
    /// `sessionHeartbeatIntervalSeconds`.
    pub heartbeat_ticks: u32,
}

impl HazelcastLock {
    /// Grants the lock to the first waiter, if any.
    fn grant_next(&self, st: &mut CpData, out: &mut Out<Self>) {
        if st.waiters.is_empty() {
            return;
        }
        let next = st.waiters.remove(0);
        st.owner = Some(next);
        let fence = st.fence.hand_out();
        out.send(
            next.client,
            Msg::Locked {
                session: next,
                fence,
            },
        );
    }

    /// Closes every session whose time has come on the leader's wall clock
    /// (`RaftSessionService` compares `Clock.currentTimeMillis()` with each
    /// session's expiry): cancels their waits, then frees the lock if one
    /// of them held it, for the first waiter left. The group closes the
    /// sessions of one check in one Raft operation; taking them all at
    /// once, rather than one by one in the order of their ids, treats
    /// clients alike (which the search's symmetry relies on) and never
    /// grants the lock to a session closed by the same operation.
    fn expire(&self, ctx: &Ctx, st: &mut CpData, out: &mut Out<Self>) -> bool {
        let gone: Vec<SessionId> = st
            .sessions
            .iter()
            .filter(|(_, at)| at.has_come(ctx.wall()))
            .map(|(s, _)| *s)
            .collect();
        for session in &gone {
            st.sessions.remove(session);
            if st.waiters.contains(session) {
                st.waiters.retain(|w| w != session);
                out.send(session.client, Msg::SessionExpired { session: *session });
            }
        }
        if st.owner.is_some_and(|owner| gone.contains(&owner)) {
            st.owner = None;
            self.grant_next(st, out);
        }
        !gone.is_empty()
    }

    /// Sends what the current step waits for (again, after a reconnect).
    fn request(&self, ctx: &Ctx, c: &HzClient, out: &mut Out<Self>) {
        let msg = match (c.step, c.session, c.locked_with) {
            (Step::Creating, Some(session), _) => Msg::CreateSession { session },
            (Step::Locking, Some(session), _) => Msg::Lock { session },
            (Step::Unlocking, _, Some(session)) => Msg::Unlock { session },
            _ => return,
        };
        out.send(ctx.server(), msg);
    }

    /// `lock()`: with the session the client has, or a new one.
    fn lock(&self, ctx: &Ctx, c: &mut HzClient, out: &mut Out<Self>) {
        if c.session.is_some() {
            c.step = Step::Locking;
            // The session is in use again: the heartbeat task resumes if
            // it had stopped.
            self.tick(c, out);
        } else {
            c.session = Some(c.sessions.open());
            c.step = Step::Creating;
        }
        self.request(ctx, c, out);
    }

    /// Schedules the heartbeat task unless it is.
    fn tick(&self, c: &mut HzClient, out: &mut Out<Self>) {
        if !c.ticking {
            c.ticking = true;
            out.set_timer(Timer::Heartbeat, self.heartbeat_ticks);
        }
    }

    fn save_if(&self, wrote: bool, st: &CpData, out: &mut Out<Self>) {
        if wrote {
            out.save(st.clone());
        }
    }
}

impl LockModel for HazelcastLock {
    type Server = CpData;
    type Durable = CpData;
    type Client = HzClient;
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "hazelcast_fenced_lock_fenced",
            summary: "Hazelcast FencedLock (CP subsystem, 4.x/5.x): a CP session kept alive by heartbeats; the resource checks the fence lockAndGetFence() returns",
        },
        Variant {
            id: "hazelcast_fenced_lock",
            summary: "Hazelcast FencedLock (CP subsystem, 4.x/5.x), unfenced: the resource does not check the fence",
        },
    ];

    const PARAMS: &'static [Param] = &[TTL_TICKS];

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        let fenced = match variant {
            "hazelcast_fenced_lock_fenced" => true,
            "hazelcast_fenced_lock" => false,
            other => return Err(format!("unknown Hazelcast variant `{other}`")),
        };
        let ttl_ticks = params.require(TTL_TICKS.name)?;
        Ok(HazelcastLock {
            fenced,
            ttl_ticks,
            heartbeat_ticks: (ttl_ticks / 4).max(1),
        })
    }

    fn server_name(&self, _index: usize) -> String {
        "cp".to_string()
    }

    /// The CP subsystem operations `FencedLock` sends.
    fn describe_msg(&self, msg: &Msg) -> String {
        match msg {
            Msg::CreateSession { session } => format!("CreateSessionOp  [{session}]"),
            Msg::SessionCreated { session } => format!("session {session} created"),
            Msg::Heartbeat { session } => format!("HeartbeatSessionOp {session}"),
            Msg::SessionExpired { session } => format!("SessionExpiredException {session}"),
            Msg::Lock { session } => format!("LockOp  [{session}]"),
            Msg::Locked { session, fence } => format!("locked, fence {fence}  [{session}]"),
            Msg::Unlock { session } => format!("UnlockOp  [{session}]"),
            Msg::Unlocked => "unlocked".to_string(),
        }
    }

    fn transport(&self) -> Transport {
        Transport::Session
    }

    /// Clients run the same code; a session names its client by node id.
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    /// The one kept time is a session's expiry, the group's wall clock read
    /// at a heartbeat plus the TTL; a new leader adds the heartbeat
    /// interval to the expiries it inherits.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        Some(TimeVisitors::by_times().adding_to_kept(self.heartbeat_ticks))
    }

    /// Fences are fencing tokens from one counter, and a client's sessions
    /// are numbered by its own [`SessionCounter`]: the harness renumbers
    /// both.
    fn rounds_bounded(&self) -> bool {
        true
    }

    fn server_init(&self, _ctx: &Ctx, durable: Option<&CpData>) -> CpData {
        let mut data = durable.cloned().unwrap_or(CpData {
            sessions: BTreeMap::new(),
            owner: None,
            fence: FenceCounter::new(),
            waiters: Vec::new(),
        });
        // A new leader (`onNewTermCommit`) shifts every session's expiry
        // by the heartbeat interval, so that clients can reach it.
        for at in data.sessions.values_mut() {
            *at = at.after(self.heartbeat_ticks);
        }
        data
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        st: &mut CpData,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        let mut wrote = self.expire(ctx, st, out);
        match msg {
            Msg::CreateSession { session } => {
                // A create sent again after a broken connection stands for
                // the new session the client creates when the first
                // attempt failed: a full TTL.
                st.sessions
                    .insert(session, ctx.wall().after(self.ttl_ticks));
                wrote = true;
                out.send(src, Msg::SessionCreated { session });
            }
            Msg::Heartbeat { session } => match st.sessions.get_mut(&session) {
                Some(at) => {
                    *at = ctx.wall().after(self.ttl_ticks);
                    wrote = true;
                }
                None => out.send(src, Msg::SessionExpired { session }),
            },
            Msg::Lock { session } => {
                if !st.sessions.contains_key(&session) {
                    out.send(src, Msg::SessionExpired { session });
                } else if st.owner == Some(session) {
                    out.send(
                        src,
                        Msg::Locked {
                            session,
                            fence: st.fence.last(),
                        },
                    );
                } else if st.owner.is_none() {
                    st.owner = Some(session);
                    st.fence.hand_out();
                    wrote = true;
                    out.send(
                        src,
                        Msg::Locked {
                            session,
                            fence: st.fence.last(),
                        },
                    );
                } else if !st.waiters.contains(&session) {
                    st.waiters.push(session);
                    wrote = true;
                }
            }
            Msg::Unlock { session } => {
                if st.owner == Some(session) {
                    st.owner = None;
                    self.grant_next(st, out);
                    wrote = true;
                }
                out.send(src, Msg::Unlocked);
            }
            // Only the server sends the others.
            Msg::SessionCreated { .. }
            | Msg::SessionExpired { .. }
            | Msg::Locked { .. }
            | Msg::Unlocked => {}
        }
        self.save_if(wrote, st, out);
    }

    fn client_init(&self, ctx: &Ctx) -> HzClient {
        HzClient {
            step: Step::Idle,
            session: None,
            locked_with: None,
            ticking: false,
            sessions: SessionCounter::new(ctx),
        }
    }

    fn client_acquire(&self, ctx: &Ctx, c: &mut HzClient, out: &mut Out<Self>) {
        self.lock(ctx, c, out);
    }

    fn client_release(&self, ctx: &Ctx, c: &mut HzClient, out: &mut Out<Self>) {
        if c.session.is_some() && c.session == c.locked_with {
            c.step = Step::Unlocking;
            self.request(ctx, c, out);
        } else {
            // `LockOwnershipLostException`: the session is gone.
            c.locked_with = None;
            c.step = Step::Idle;
            out.released();
        }
    }

    fn client_on_msg(
        &self,
        ctx: &Ctx,
        c: &mut HzClient,
        _src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        match (msg, c.step) {
            (Msg::SessionCreated { session }, Step::Creating) if Some(session) == c.session => {
                c.step = Step::Locking;
                self.tick(c, out);
                self.request(ctx, c, out);
            }
            (Msg::SessionExpired { session }, step) if Some(session) == c.session => {
                // The session manager invalidates the session.
                c.session = None;
                if step == Step::Locking {
                    // `lock()` starts over with a new session.
                    self.lock(ctx, c, out);
                }
            }
            (Msg::Locked { session, fence }, Step::Locking) if Some(session) == c.session => {
                c.step = Step::Holding;
                c.locked_with = Some(session);
                out.acquired(self.fenced.then_some(fence.number()));
            }
            (Msg::Unlocked, Step::Unlocking) => {
                // `releaseSession`: no longer in use, no more heartbeats.
                c.locked_with = None;
                c.step = Step::Idle;
                out.released();
            }
            _ => {}
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, c: &mut HzClient, timer: Timer, out: &mut Out<Self>) {
        // The task heartbeats the session while it is in use, and stops
        // when it is not (the next `lock()` schedules it again).
        match (timer, c.session, c.step) {
            (Timer::Heartbeat, Some(session), Step::Locking | Step::Holding | Step::Unlocking) => {
                out.send(ctx.server(), Msg::Heartbeat { session });
                out.set_timer(Timer::Heartbeat, self.heartbeat_ticks);
            }
            (Timer::Heartbeat, _, _) => c.ticking = false,
        }
    }

    /// The client sends the operation in flight again.
    fn client_on_disconnect(
        &self,
        ctx: &Ctx,
        c: &mut HzClient,
        _server: NodeId,
        out: &mut Out<Self>,
    ) {
        self.request(ctx, c, out);
    }
}
