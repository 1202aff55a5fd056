//! Consul's session lock: `api.Lock` over a session with a TTL, `acquire`
//! on a key, lock-delay after a session is invalidated, and `LockIndex` as
//! a fencing token.
//!
//! Source: the Go client `github.com/hashicorp/consul/api`, v1.x, files
//! `lock.go` (`Lock.Lock`, `monitorLock`, `Lock.Unlock`; the defaults
//! `DefaultLockSessionTTL = "15s"` and `DefaultLockRetryTime = 5s`) and
//! `session.go` (`RenewPeriodic`: renew every `TTL / 2`, destroy the
//! session when told to stop). Server behaviour from Consul's documentation
//! of sessions and the KV `acquire`/`release` parameters: a session's TTL
//! is enforced with a multiplier of 2 (a session lives up to twice its TTL
//! without a renewal), invalidation releases the locks the session holds
//! (behaviour `release`) and starts the key's lock-delay (default 15 s),
//! during which no session may acquire it; `LockIndex` counts the
//! acquisitions of the key.
//!
//! # The server (`consul`)
//! The Consul servers are modelled as one linearizable server: every request
//! is applied atomically in arrival order, as the Raft log orders them (the
//! client's default consistency mode reads from the leader). It keeps the
//! live sessions, the lock key (its holding session and `LockIndex`) and
//! the key's lock-delay.
//! - **Sessions** expire `2 × ttl_ticks` after their creation or last
//!   renewal, on the server's monotonic clock (Consul's session timers are
//!   Go `time.AfterFunc` timers). The server notices an expiry when it next
//!   handles a message; every live client renews every `ttl_ticks / 2`.
//! - **Acquire** by session S succeeds when S is live and the key is free
//!   and not in lock-delay, or S holds it already; a new holder increments
//!   `LockIndex`. **Release** by the holder frees the key.
//! - **Invalidation** (expiry or destroy) of the holding session frees the
//!   key and starts its lock-delay of `ttl_ticks` (Consul's defaults make
//!   the lock-delay and the TTL both 15 s).
//! - **Blocking queries** on the key are answered when the key's holder is
//!   no longer the one the client last saw (Consul compares the key's
//!   `ModifyIndex` with the client's `WaitIndex`; the model compares the
//!   holder, which the lock loop looks at, and skips wake-ups that change
//!   nothing it reads).
//! - **Persistence.** Consul servers log every write before answering; a
//!   restarted server has its sessions and the key back, each session with
//!   a full TTL again (the new leader resets session timers). Blocking
//!   queries go with the connection; the client makes them again.
//!
//! # The client (`lock.go`)
//! 1. `Lock`: create a session (TTL `ttl_ticks`, lock-delay) and renew it
//!    every `ttl_ticks / 2` on the client's monotonic clock. The server
//!    answers a renewal only when the session is gone; the renewal loop then
//!    stops.
//! 2. `WAIT`: read the key. Held by this session: go to 4. Held by another:
//!    blocking read until that changes, then 2. Free: acquire.
//! 3. Acquire. Granted: go to 4. Refused: read the key again (folded into
//!    the answer); held: blocking read, then 2; free (lock-delay): sleep
//!    `retry_ticks` (`DefaultLockRetryTime`, 5 s against the TTL's 15 s),
//!    then 2. Refused because the session is gone: `Lock` fails, and the
//!    application calls it again (a new session).
//! 4. Held. `monitorLock` makes a blocking read of the key; when it no
//!    longer names this session it closes the lock's channel and the
//!    application stops (`out.lost()`). The fenced variant reads the key's
//!    `LockIndex` right after `Lock` returns (folded into the answer) and
//!    sends it with every write.
//! 5. `Unlock`: release the key; then the renewal loop is stopped and
//!    destroys the session (not waited for).
//! 6. When its connection breaks, the client makes the request in flight
//!    again (`acquire` and `release` are idempotent for their session). A
//!    session create whose answer was lost fails `Lock`, and the
//!    application calls it again with a new session: the model sends the
//!    create again under the same session id, and the server gives it a
//!    full TTL, as it would a new session (the lost one holds nothing and
//!    only expires).
//!
//! # Variants
//! - `consul_lock_fenced`: `api.Lock` used correctly, and the resource
//!   checks `LockIndex` as a fencing token.
//! - `consul_lock`: the same, with no fence.
//!
//! # Simplified
//! - One server for the cluster (above); the blocking queries' wait time (5
//!   minutes by default) and `MonitorRetries` are left out.
//! - The lock-delay equals the TTL, both scaled from 15 s.
//! - Health checks are left out: a session here has its TTL only. The
//!   session API gives a session the node's `serfHealth` check when it
//!   names none, as `api.Lock` does, so a real session also ends when
//!   gossip finds the client's agent dead or unreachable: a crashed
//!   holder's lock is freed sooner than its TTL allows here, and a cut-off
//!   holder may lose its session while its renewals would still arrive.
//!
//! # Expected weaknesses
//! - **Slow recovery from a crashed holder**: its session lives up to twice
//!   the TTL after its last renewal, and then the lock-delay holds the key
//!   for as long again. With Consul's defaults that is up to 45 s.
//! - **A pause longer than twice the TTL** breaks mutual exclusion (the
//!   session expires while its holder stalls, and `monitorLock` cannot run
//!   in a stalled process); `LockIndex` fences the stale write. The margin of
//!   twice the TTL absorbs the standard 10-tick pause, so this shows only
//!   with a shorter TTL (the `long-pause-short-ttl` test fixture).
//! - **A waiter that stalls** just before a renewal can lose its session
//!   (the renewal sent when it resumes arrives a tick late): its next
//!   `acquire` fails, and `Lock` starts over with a new session. Slow, not
//!   unsafe.
//! - **Clock faults** change nothing: sessions expire by the server's
//!   monotonic timers, with a wide margin over the renewal period.
//!
//! # Expected verdicts (`models/consul_lock.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//!
//! <!-- expectations: generated from consul_lock.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `consul_lock_fenced` | `consul_lock` |
//! |---|---|---|
//! | no-faults | ok (live) | ok (live) |
//! | holder-crash | progress ✗ (live) | progress ✗ (live) |
//! | gc-pause | progress ✗ (live) (liveness graph limit 8M) | progress ✗ (live) (liveness graph limit 8M) |
//! | clock-jump | ok (live) | ok (live) |
//! | clock-drift | ok (live) | ok (live) |
//! | message-loss | mutex ?, resource ?, progress ? (state limit 1M) | mutex ?, resource ?, progress ? (state limit 1M) |
//! | partition | mutex ?, resource ?, progress ? (state limit 1M) | mutex ?, resource ?, progress ? (state limit 1M) |
//! | server-restart | ok (live) | ok (live) |
//! | async-network | mutex ?, resource ?, progress ✗ (state limit 1M) | mutex ?, resource ?, progress ✗ (state limit 1M) |
//! | crowd-atomic | ok (live) | ok (live) |
//! | duplicates | ok (live) | ok (live) |
//! | endless-contention | progress ✗ (live) | progress ✗ (live) |
//! | long-work | ok (live) | ok (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/etcd_consul_models.rs`)
//! The two variants have the same states wherever nothing is violated.
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | the second client's blocking read returns when the key is released |
//! | holder-crash | holds | holds | violated (61) | the crashed holder's session expires `2 × ttl_ticks` (16) after its last renewal, and the lock-delay keeps the key for 8 more: the waiter cannot finish by tick 30. Slow, not stuck: `deadlock_free` and `starvation_free` hold |
//! | gc-pause | holds | holds | violated (78) | searched to the end (4.6 million states). A 10-tick pause of the holder is shorter than its session (16 ticks after a renewal at most 4 ticks old), so mutual exclusion holds. A pause of the waiter is not harmless: its session, created at tick 1, is due for its first renewal at tick 6, when the waiter stalls until tick 16; the session expires at tick 17, before the renewal sent on resuming arrives, the next `acquire` finds it gone (`Lock` fails), and the new session takes the lock too late to finish by tick 32. Slow, not stuck |
//! | clock-jump | holds | holds | holds | nothing reads the wall clock |
//! | clock-drift | holds | holds | holds | the server's clock runs up to 50% fast: a session of 12 server ticks lasts 8 real ticks, against renewals every 3 |
//! | message-loss | ? | ? | ? | the search stops at its limit (1M states), and the simulation finds nothing. Two rounds, renewals, blocking reads and requests made again after a lost message make the space too large: at 30 million states the search had not ended (depth 63) |
//! | partition | ? | ? | ? | the search stops at its limit (1M states), and the simulation finds nothing. Searched to the end (7.2 million states, `--states-max 8000000`), all three hold: a partition heals by tick 10, well within a session, and a create whose answer was lost is made again with a full TTL |
//! | server-restart | holds | holds | holds | searched to the end (2.0 million states): Consul logs every write; the restarted server gives every session a full TTL, and clients make their request again on a new connection |
//! | async-network | ? | ? | violated (14) | a message may take until the horizon |
//! | crowd-atomic | holds | holds | holds | three clients, two rounds, a pause of up to 10 ticks: shorter than a session, searched to the end |
//! | duplicates | holds (vacuous) | holds (vacuous) | holds (vacuous) | one connection per client never delivers twice |
//! | long-pause-short-ttl (test fixture: TTL 4) | violated (42) | fenced: ? (search stops at 2M states); unfenced: violated (48) | (not the question) | the holder stalls 10 ticks, longer than its 8-tick session; the session expires, the lock-delay passes, the waiter acquires while the stalled one still believes it holds the lock, and its write lands late |
//!
//! The liveness checker decides `deadlock_free` and `starvation_free`
//! under holder-crash (session expiries and the lock-delay are `Instant`s,
//! which the harness shifts), and under crowd-atomic (three clients, two
//! rounds each, a pause of up to 10 ticks), where both hold (a liveness
//! graph of 1,612,086 states, either variant): a paused holder's session
//! outlives the pause, and each release answers a waiter's blocking read.
//! Under server-restart both hold as well (liveness graphs of 2,591,216
//! states, either variant, about 16 s): the restarted server has every
//! session back with a full TTL, and clients ask again on a new connection.
//! Under endless-contention (two clients that
//! ask again as soon as they release, forever) both hold as well (liveness
//! graphs of 304,381 states, 339,607 fenced), although Consul keeps no
//! line of waiters. The release answers the waiter's blocking read at once,
//! and its acquire is two messages away (4 ticks at most), while the
//! releaser first hears its release answered, destroys its session,
//! creates a new one and reads the key again before it can acquire: five
//! messages, 5 ticks at least. So the waiter always wins the race here.
//! That is timing, not a promise: with a wider spread of delays the
//! releaser could win, as it does for the polling locks. `progress` is
//! violated (90): a round takes about 16 ticks (a new session for each
//! lock), so the second client is still releasing its first lock at tick
//! 40. Session ids and `LockIndex` grow with every round; they are the
//! numbers of each client's `SessionCounter` and `FenceToken`s from the
//! key's `FenceCounter`, which the liveness checker renumbers.
//!
//! Under gc-pause both hold for either variant (liveness graphs of
//! 6,616,765 states, about 25 s and 1 GB each; the entries give the graph a
//! limit of its own, `"liveness_states_max"`, past the safety search's):
//! the waiter whose session expired during its pause (above) finds its
//! `acquire` refused, creates a new session and takes the lock in the
//! next round of its loop. The `progress` violation (78) is that
//! slowness.
//!
//! # Not modelled
//! A TTL session under clock drift between client and server is not a
//! variant of its own: the shipped clock scenarios drift the servers'
//! clocks, and the client renews every `ttl_ticks / 2` against a server
//! timeout of `2 × ttl_ticks`, a margin of four times.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::models::params::{RETRY_TICKS, TTL_TICKS};
use crate::node::{
    Ctx, FenceCounter, FenceToken, Instant, LockModel, LockParams, NodeId, Out, Param,
    SessionCounter, SessionId, Symmetry, TimeVisitors, Transport, Variant,
};
use crate::{rename_nothing, times_nothing, visit_fields, visit_variants};

/// What Consul logs, and so keeps across a restart.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ConsulData {
    pub sessions: BTreeSet<SessionId>,
    /// The lock key's `Session`.
    pub holder: Option<SessionId>,
    /// The lock key's `LockIndex`: every acquisition takes the next one.
    pub lock_index: FenceCounter,
}
visit_fields!(ConsulData {
    sessions,
    holder,
    lock_index
});

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ConsulServer {
    pub data: ConsulData,
    /// When each live session expires (twice its TTL after its last
    /// renewal), on the server's monotonic clock.
    pub expires_at: BTreeMap<SessionId, Instant>,
    /// Until when the key is in lock-delay, on the same clock.
    pub lock_delay_until: Option<Instant>,
    /// Blocking reads of the key: the client, and the holder it last saw.
    pub queries: BTreeSet<(NodeId, Option<SessionId>)>,
}
visit_fields!(ConsulServer {
    data,
    expires_at,
    lock_delay_until,
    queries
});

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Msg {
    /// `PUT /v1/session/create` with the TTL and lock-delay.
    Create {
        session: SessionId,
    },
    Created {
        session: SessionId,
    },
    /// `PUT /v1/session/renew/<id>`.
    Renew {
        session: SessionId,
    },
    /// A renewal found no such session (404).
    SessionGone {
        session: SessionId,
    },
    /// `PUT /v1/session/destroy/<id>`; not answered.
    Destroy {
        session: SessionId,
    },
    /// `GET /v1/kv/lock`, blocking while the key's holder is `seen` when
    /// `block` is set.
    Get {
        block: bool,
        seen: Option<SessionId>,
    },
    /// The key's holder and `LockIndex`.
    Value {
        holder: Option<SessionId>,
        lock_index: FenceToken,
    },
    /// `PUT /v1/kv/lock?acquire=<session>`.
    Acquire {
        session: SessionId,
    },
    /// Whether it was acquired; the key's holder and `LockIndex` after.
    AcquireResult {
        ok: bool,
        holder: Option<SessionId>,
        lock_index: FenceToken,
    },
    /// The acquire named a session the server does not have (an error:
    /// `Lock` fails).
    InvalidSession,
    /// `PUT /v1/kv/lock?release=<session>`.
    Release {
        session: SessionId,
    },
    Released,
}
visit_variants!(Msg {
    Create { session },
    Created { session },
    Renew { session },
    SessionGone { session },
    Destroy { session },
    Get { block, seen },
    Value { holder, lock_index },
    Acquire { session },
    AcquireResult {
        ok,
        holder,
        lock_index
    },
    InvalidSession,
    Release { session },
    Released
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timer {
    /// `RenewPeriodic`'s next renewal.
    Renew,
    /// The sleep after an acquire refused during lock-delay.
    Retry,
}
rename_nothing!(Timer);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Step {
    Idle,
    Creating,
    /// A read of the key: blocking while its holder is `seen` if `block`.
    Reading {
        block: bool,
        seen: Option<SessionId>,
    },
    Acquiring,
    /// Asleep after a refusal during lock-delay.
    Sleeping,
    /// Holding, with `monitorLock`'s blocking read outstanding.
    Holding,
    Releasing,
}
visit_variants!(Step {
    Idle,
    Creating,
    Reading { block, seen },
    Acquiring,
    Sleeping,
    Holding,
    Releasing
});

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ConsulClient {
    pub step: Step,
    /// The lock's session, while `Lock` or the hold runs.
    pub session: Option<SessionId>,
    /// Whether the renewal loop runs.
    pub renewing: bool,
    /// Where its sessions' numbers come from.
    pub sessions: SessionCounter,
}
visit_fields!(ConsulClient {
    step,
    session,
    renewing,
    sessions
});

times_nothing!(Timer);

#[derive(Clone, Debug)]
pub struct ConsulLock {
    pub fenced: bool,
    pub ttl_ticks: u32,
    pub retry_ticks: u32,
}

impl ConsulLock {
    /// Consul's `SessionTTLMultiplier`.
    const TTL_MULTIPLIER: u32 = 2;

    fn session_ticks(&self) -> u32 {
        self.ttl_ticks * Self::TTL_MULTIPLIER
    }

    fn lock_delay_ticks(&self) -> u32 {
        self.ttl_ticks
    }

    fn renew_ticks(&self) -> u32 {
        (self.ttl_ticks / 2).max(1)
    }

    /// Invalidates `session`: the key it holds is freed and goes into
    /// lock-delay.
    fn invalidate(
        &self,
        ctx: &Ctx,
        st: &mut ConsulServer,
        session: SessionId,
        out: &mut Out<Self>,
    ) {
        st.expires_at.remove(&session);
        st.data.sessions.remove(&session);
        if st.data.holder == Some(session) {
            st.data.holder = None;
            st.lock_delay_until = Some(ctx.mono().after(self.lock_delay_ticks()));
            self.wake(st, out);
        }
    }

    /// Answers the blocking reads whose holder changed.
    fn wake(&self, st: &mut ConsulServer, out: &mut Out<Self>) {
        let (holder, lock_index) = (st.data.holder, st.data.lock_index.last());
        let woken: Vec<_> = st
            .queries
            .iter()
            .filter(|q| q.1 != holder)
            .copied()
            .collect();
        for q in woken {
            st.queries.remove(&q);
            out.send(q.0, Msg::Value { holder, lock_index });
        }
    }

    fn expire(&self, ctx: &Ctx, st: &mut ConsulServer, out: &mut Out<Self>) {
        let gone: Vec<SessionId> = st
            .expires_at
            .iter()
            .filter(|(_, at)| at.has_come(ctx.mono()))
            .map(|(s, _)| *s)
            .collect();
        for s in &gone {
            self.invalidate(ctx, st, *s, out);
        }
        if st.lock_delay_until.is_some_and(|t| t.has_come(ctx.mono())) {
            st.lock_delay_until = None;
        }
    }

    /// Sends what the current step waits for (again, after a reconnect).
    fn request(&self, ctx: &Ctx, c: &ConsulClient, out: &mut Out<Self>) {
        let Some(session) = c.session else { return };
        let msg = match c.step {
            Step::Creating => Msg::Create { session },
            Step::Reading { block, seen } => Msg::Get { block, seen },
            Step::Acquiring => Msg::Acquire { session },
            Step::Holding => Msg::Get {
                block: true,
                seen: Some(session),
            },
            Step::Releasing => Msg::Release { session },
            Step::Idle | Step::Sleeping => return,
        };
        out.send(ctx.server(), msg);
    }

    fn go(&self, ctx: &Ctx, c: &mut ConsulClient, step: Step, out: &mut Out<Self>) {
        c.step = step;
        self.request(ctx, c, out);
    }

    /// `Lock`: a new session, then the loop.
    fn lock(&self, ctx: &Ctx, c: &mut ConsulClient, out: &mut Out<Self>) {
        c.session = Some(c.sessions.open());
        c.renewing = false;
        out.cancel_timer(Timer::Renew);
        self.go(ctx, c, Step::Creating, out);
    }

    /// The loop's `WAIT`: what the key's holder says to do next.
    fn after_read(
        &self,
        ctx: &Ctx,
        c: &mut ConsulClient,
        holder: Option<SessionId>,
        lock_index: FenceToken,
        out: &mut Out<Self>,
    ) {
        match holder {
            Some(h) if Some(h) == c.session => {
                self.go(ctx, c, Step::Holding, out);
                out.acquired(self.fenced.then_some(lock_index.number()));
            }
            Some(h) => self.go(
                ctx,
                c,
                Step::Reading {
                    block: true,
                    seen: Some(h),
                },
                out,
            ),
            None => self.go(ctx, c, Step::Acquiring, out),
        }
    }
}

impl LockModel for ConsulLock {
    type Server = ConsulServer;
    type Durable = ConsulData;
    type Client = ConsulClient;
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "consul_lock_fenced",
            summary: "Consul api.Lock (v1.x): a TTL session renewed every TTL/2, acquire on a key, lock-delay; the resource checks LockIndex as a fencing token",
        },
        Variant {
            id: "consul_lock",
            summary: "Consul api.Lock (v1.x), unfenced: the holder stops only when monitorLock sees the key change hands",
        },
    ];

    const PARAMS: &'static [Param] = &[TTL_TICKS, RETRY_TICKS];

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        let fenced = match variant {
            "consul_lock_fenced" => true,
            "consul_lock" => false,
            other => return Err(format!("unknown Consul variant `{other}`")),
        };
        Ok(ConsulLock {
            fenced,
            ttl_ticks: params.require(TTL_TICKS.name)?,
            retry_ticks: params.require(RETRY_TICKS.name)?,
        })
    }

    fn server_name(&self, _index: usize) -> String {
        "consul".to_string()
    }

    /// The HTTP calls Consul's `api.Lock` makes.
    fn describe_msg(&self, msg: &Msg) -> String {
        let holder = |h: &Option<SessionId>| match h {
            Some(s) => format!("held by {s}"),
            None => "free".to_string(),
        };
        match msg {
            Msg::Create { session } => format!("PUT /v1/session/create  [{session}]"),
            Msg::Created { session } => format!("session {session} created"),
            Msg::Renew { session } => format!("PUT /v1/session/renew/{session}"),
            Msg::SessionGone { session } => format!("404: no session {session}"),
            Msg::Destroy { session } => format!("PUT /v1/session/destroy/{session}"),
            Msg::Get { block: false, .. } => "GET /v1/kv/lock".to_string(),
            Msg::Get { block: true, seen } => {
                format!("GET /v1/kv/lock, blocking while {}", holder(seen))
            }
            Msg::Value {
                holder: h,
                lock_index,
            } => {
                format!("lock {}, LockIndex {lock_index}", holder(h))
            }
            Msg::Acquire { session } => format!("PUT /v1/kv/lock?acquire={session}"),
            Msg::AcquireResult {
                ok,
                holder: h,
                lock_index,
            } => format!("{ok}: lock {}, LockIndex {lock_index}", holder(h)),
            Msg::InvalidSession => "500: invalid session".to_string(),
            Msg::Release { session } => format!("PUT /v1/kv/lock?release={session}"),
            Msg::Released => "true".to_string(),
        }
    }

    fn transport(&self) -> Transport {
        Transport::Session
    }

    /// Clients run the same code; a session names its client by node id.
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    /// The kept times are a session's expiry and the key's lock-delay, each
    /// the server's clock read at that moment plus a duration.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        Some(TimeVisitors::by_times())
    }

    /// `LockIndex` values are fencing tokens from the key's one counter,
    /// and a client's sessions are numbered by its own [`SessionCounter`]:
    /// the harness renumbers both.
    fn rounds_bounded(&self) -> bool {
        true
    }

    /// What Raft commits: sessions, the holder and the lock index (a
    /// session's TTL timer, the lock delay and blocking queries live in
    /// the leader's memory).
    fn durable_part(&self, st: &ConsulServer) -> Option<ConsulData> {
        Some(st.data.clone())
    }

    fn server_init(&self, ctx: &Ctx, durable: Option<&ConsulData>) -> ConsulServer {
        let data = durable.cloned().unwrap_or(ConsulData {
            sessions: BTreeSet::new(),
            holder: None,
            lock_index: FenceCounter::new(),
        });
        // A new leader gives every session a full TTL again.
        let expires_at = data
            .sessions
            .iter()
            .map(|s| (*s, ctx.mono().after(self.session_ticks())))
            .collect();
        ConsulServer {
            data,
            expires_at,
            lock_delay_until: None,
            queries: BTreeSet::new(),
        }
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        st: &mut ConsulServer,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        self.expire(ctx, st, out);
        match msg {
            Msg::Create { session } => {
                // A create made again after a broken connection stands for
                // the new session the application creates when `Lock`
                // fails: a full TTL. (The session of the failed attempt
                // holds nothing; it would only expire.)
                st.data.sessions.insert(session);
                st.expires_at
                    .insert(session, ctx.mono().after(self.session_ticks()));
                out.send(src, Msg::Created { session });
            }
            Msg::Renew { session } => match st.expires_at.get_mut(&session) {
                Some(at) => *at = ctx.mono().after(self.session_ticks()),
                None => out.send(src, Msg::SessionGone { session }),
            },
            Msg::Destroy { session } => {
                if st.data.sessions.contains(&session) {
                    self.invalidate(ctx, st, session, out);
                }
            }
            Msg::Get { block, seen } => {
                if block && st.data.holder == seen {
                    st.queries.insert((src, seen));
                } else {
                    let (holder, lock_index) = (st.data.holder, st.data.lock_index.last());
                    out.send(src, Msg::Value { holder, lock_index });
                }
            }
            Msg::Acquire { session } => {
                if !st.data.sessions.contains(&session) {
                    out.send(src, Msg::InvalidSession);
                    return;
                }
                let free = st.data.holder.is_none() && st.lock_delay_until.is_none();
                let ok = free || st.data.holder == Some(session);
                if ok && st.data.holder != Some(session) {
                    st.data.holder = Some(session);
                    st.data.lock_index.hand_out();
                    self.wake(st, out);
                }
                out.send(
                    src,
                    Msg::AcquireResult {
                        ok,
                        holder: st.data.holder,
                        lock_index: st.data.lock_index.last(),
                    },
                );
            }
            Msg::Release { session } => {
                if st.data.holder == Some(session) {
                    st.data.holder = None;
                    self.wake(st, out);
                }
                out.send(src, Msg::Released);
            }
            // Only the server sends the others.
            Msg::Created { .. }
            | Msg::SessionGone { .. }
            | Msg::Value { .. }
            | Msg::AcquireResult { .. }
            | Msg::InvalidSession
            | Msg::Released => {}
        }
    }

    fn client_init(&self, ctx: &Ctx) -> ConsulClient {
        ConsulClient {
            step: Step::Idle,
            session: None,
            renewing: false,
            sessions: SessionCounter::new(ctx),
        }
    }

    fn client_acquire(&self, ctx: &Ctx, c: &mut ConsulClient, out: &mut Out<Self>) {
        self.lock(ctx, c, out);
    }

    fn client_release(&self, ctx: &Ctx, c: &mut ConsulClient, out: &mut Out<Self>) {
        self.go(ctx, c, Step::Releasing, out);
    }

    fn client_on_msg(
        &self,
        ctx: &Ctx,
        c: &mut ConsulClient,
        _src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        match (msg, c.step) {
            (Msg::Created { session }, Step::Creating) if Some(session) == c.session => {
                c.renewing = true;
                out.set_timer(Timer::Renew, self.renew_ticks());
                self.go(
                    ctx,
                    c,
                    Step::Reading {
                        block: false,
                        seen: None,
                    },
                    out,
                );
            }
            (Msg::SessionGone { session }, _) if Some(session) == c.session => {
                // `RenewPeriodic` returns `ErrSessionExpired`; the lock
                // learns of it through the key (`monitorLock`).
                c.renewing = false;
                out.cancel_timer(Timer::Renew);
            }
            (Msg::Value { holder, lock_index }, Step::Reading { .. }) => {
                self.after_read(ctx, c, holder, lock_index, out)
            }
            (Msg::Value { holder, .. }, Step::Holding) if holder != c.session => {
                // `monitorLock` closes the lock's channel.
                c.step = Step::Idle;
                out.lost();
            }
            (
                Msg::AcquireResult {
                    ok,
                    holder,
                    lock_index,
                },
                Step::Acquiring,
            ) => {
                if ok {
                    self.after_read(ctx, c, holder, lock_index, out);
                } else if holder.is_none() {
                    // Lock-delay: a timed wait.
                    c.step = Step::Sleeping;
                    out.set_timer(Timer::Retry, self.retry_ticks);
                } else {
                    self.after_read(ctx, c, holder, lock_index, out);
                }
            }
            // `Lock` fails; the application calls it again.
            (Msg::InvalidSession, Step::Acquiring) => self.lock(ctx, c, out),
            (Msg::Released, Step::Releasing) => {
                // `Unlock` stops the renewal loop, which destroys the session.
                if let Some(session) = c.session.take() {
                    out.send(ctx.server(), Msg::Destroy { session });
                }
                c.renewing = false;
                out.cancel_timer(Timer::Renew);
                c.step = Step::Idle;
                out.released();
            }
            _ => {}
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, c: &mut ConsulClient, timer: Timer, out: &mut Out<Self>) {
        match timer {
            Timer::Renew => {
                if let (Some(session), true) = (c.session, c.renewing) {
                    out.send(ctx.server(), Msg::Renew { session });
                    out.set_timer(Timer::Renew, self.renew_ticks());
                }
            }
            Timer::Retry => {
                if c.step == Step::Sleeping {
                    self.go(
                        ctx,
                        c,
                        Step::Reading {
                            block: false,
                            seen: None,
                        },
                        out,
                    );
                }
            }
        }
    }

    /// The client makes the request in flight again.
    fn client_on_disconnect(
        &self,
        ctx: &Ctx,
        c: &mut ConsulClient,
        _server: NodeId,
        out: &mut Out<Self>,
    ) {
        self.request(ctx, c, out);
    }
}
