//! ZooKeeper locks: the client and server every variant of the family
//! shares, and the choices that make the variants.
//!
//! The variants live in two files, each with its protocol, its sources,
//! its expected verdicts and why:
//! - `models/zk_lock_ephemeral.rs`: article A's single ephemeral node
//!   (`zk_lock_ephemeral`), and the same lock waiting on a watch
//!   (`zk_lock_ephemeral_watch`);
//! - `models/zk_lock_sequential.rs`: ZooKeeper's lock recipe (ephemeral
//!   sequential nodes in line), its two fencing tokens and three slips one
//!   line away from it.
//!
//! They differ in a few choices over one client ([`Flavor`]): which node
//! it creates, what it does while the lock is taken, which token it hands
//! the resource, and which step of the recipe it gets wrong. Those choices
//! and the steps they change are in `models/zk_flavor.rs`; the server's
//! znodes and watches in `models/zk_server.rs`, and the requests and
//! answers in `models/zk_wire.rs`. Everything below is the same for all of
//! them.
//!
//! # The server (`zk`)
//! One ZooKeeper server with sessions and the znodes under the lock path.
//! - **Sessions.** A client's first request opens its session, and the
//!   server sends the new session's id (ZooKeeper's `ConnectResponse`)
//!   ahead of that request's answer on the same connection. This is how
//!   ZooKeeper's Java client starts a connection (`primeConnection` puts
//!   the `ConnectRequest` first and the requests queued meanwhile behind
//!   it), and it saves a round trip per session. A client whose first
//!   answer is lost therefore still knows its session and goes on in it:
//!   the recipe looks for the node its lost `create` may have made
//!   (`models/zk_lock_sequential.rs`, step 5), and a recipe without that
//!   rule creates a second node and waits behind its first. (If the `ConnectResponse` itself is lost, the
//!   connection breaks before the answer too, and the client opens another
//!   session; the first, which nobody pings, expires.) Every message on a
//!   session (a request or a ping) restarts its timeout. The server expires a
//!   session it has heard nothing on for `ttl_ticks` on its own monotonic
//!   clock,
//!   rounded up to its next session-tracker tick (one heartbeat period
//!   apart: ZooKeeper's `roundToNextInterval`; it also keeps arrivals a tick
//!   apart from making different states), so 9 to 10 ticks for a timeout of
//!   8. Expiry deletes the session's ephemeral nodes and fires the watches
//!   set on them. A request or ping on a session the server no longer has is
//!   answered `SessionExpired`. ZooKeeper's session tracker reads
//!   `Time.currentElapsedTime()`, which is `System.nanoTime() / 1000000`
//!   and which, its doc says, does not change when somebody sets the system
//!   clock; so a jump of the server's wall clock expires no session here.
//!   (Older releases read `System.currentTimeMillis()`, the wall clock.)
//! - **zxid.** Every write (open or expire a session, create, delete) takes
//!   the next zxid; a node records the zxid that created it (`czxid`).
//!   Only the fenced variant reads a zxid: the others' server counts none
//!   and answers every `czxid` as 0, so that two states that differ only in
//!   numbers nobody reads are one. Sequential children of `/lock` get the
//!   next value of a counter.
//! - **Watches** (`exists` and `get_children`) are one-shot: the server sends
//!   an event when the watched node is created or deleted, or a child of
//!   `/lock` comes or goes.
//! - **Persistence.** ZooKeeper logs every write before it answers, so a
//!   restarted server has its nodes, sessions and counters back. Watches are
//!   kept with them, which stands for the client library re-registering its
//!   watches (`SetWatches`) when it reconnects. Each session gets a full
//!   timeout again after a restart, counted from the first message the
//!   restarted server handles (`server_init` cannot set timers).
//!
//! # The client's session
//! - **Heartbeats.** While it has a session the client pings every
//!   `ttl_ticks / 3` ticks (ZooKeeper's client pings after a third of the
//!   session timeout without traffic; here it pings on that period
//!   regardless, at multiples of the period on its own monotonic clock). The server
//!   answers a ping only when the session is gone; ZooKeeper answers every
//!   ping, but the answer's only use is the client's own silence timer
//!   below, and answering every ping multiplied the state space about four
//!   times for no verdict.
//! - **Its own timer.** A holder that hears nothing from the server for a
//!   session timeout after the answer that gave it the lock presumes its
//!   session expired. (With pings unanswered, a waiting client would hear
//!   nothing while it waits, so only a holder runs this timer; it learns of
//!   an expiry from the next `SessionExpired` instead.)
//! - **A lost session** (`SessionExpired`, or the timer) makes a holder call
//!   `out.lost()` and ask again, a waiting client start over on a new
//!   session, and a release finish (the node went with the session).
//! - **After its release** the client leaves its session behind without
//!   closing it, as article A's script does when it exits: it stops pinging
//!   and the server expires the session later. A next round opens a new one.
//! - **Requests and replies.** A request carries an `xid` its answer echoes
//!   (`node::Requests`); the client takes only the answer to its outstanding
//!   request and ignores a late answer to one it sent again, and a second
//!   copy of an answer it has taken.
//! - **One connection.** The client talks to the server over one TCP
//!   connection (the world's sessions: in order, never duplicated, broken
//!   as a whole by a lost message, a partition or a crash). When the
//!   client notices a break its library reconnects (the ZooKeeper session
//!   lives on until it expires); the request that failed with
//!   `ConnectionLoss` is sent again under a new xid (kazoo and Curator
//!   retry it), and a waiter lists the children again, which stands for
//!   the library's `SetWatches` after a reconnect and for Curator's lock
//!   loop, which re-runs on every connection event.
//! - **Request timeout.** With `request_timeout_ticks`, an unanswered request
//!   is also sent again when its timeout runs out.
//!
//! # What every variant shares
//! - **Holder crash is survived**: the dead holder's pings stop and its
//!   session, and with it the lock node, expires.
//! - **A pause longer than the session timeout** breaks mutual exclusion: the
//!   stalled holder's session expires, the node goes, another client takes
//!   the lock, and the stalled one still believes it holds it when it wakes.
//!   Its write, read before the pause, then lands after the new holder's.
//!   The recipe's `czxid` fence rejects it (mutual exclusion, a statement
//!   about beliefs, stays violated).
//! - **Heartbeats cover clock drift**: a third of the timeout between pings
//!   leaves room for a server clock 50% fast, where a fixed lease fails.
//! - **A ZooKeeper restart is survived**: it persists nodes, sessions and
//!   the zxid, unlike Redis without persistence.
//! - **One TCP connection never delivers twice**: under `duplicates` the
//!   fault cannot strike, and every variant's verdict there is vacuous.
//!
//! # Liveness
//! For the liveness checker the model keeps no absolute time of its own
//! (session expiry and every client deadline are world timers) and asks
//! for shifts by whole heartbeat periods (pings and session expiry align to
//! them). The harness renumbers its request ids and what grows with every
//! round, so that endless rounds keep the graph finite: zxids are
//! `FenceToken`s from the server's `FenceCounter` (the fenced variant's
//! tokens, renumbered in their order with the world's copies), sequence
//! numbers and each client's session numbers numbers of their own
//! `TokenFamily`, whose counters the server's data hands over.

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use crate::models::redis::{REQUEST_TIMEOUT_TICKS, RETRY_TICKS, TTL_TICKS};
use crate::node::LockParams;
use crate::node::{
    Ctx, FenceCounter, FenceToken, LockModel, NodeId, Out, Param, RealServer, RequestTimeout,
    Requests, ResendId, ServerProgram, SessionId, Symmetry, TimeVisitors, Transport, Variant,
};
use crate::{visit_fields, visit_variants};

use crate::models::zk_server::{EventType, Msg, Op, WatchOn, ZPath, ZkData, ZkServer};

/// The choices a variant makes, with the steps they change.
pub use crate::models::zk_flavor::{Flavor, OnBusy, Recipe, Slip, Token, ZkFlavor};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timer {
    /// (client) Time to send a heartbeat.
    Ping,
    /// (client) Nothing heard from the server for a session timeout.
    SessionTimeout,
    /// (client) The pending request went unanswered; send it again.
    RequestTimeout,
    /// (client, `zk_lock_ephemeral`) Sleep over; try `create` again.
    Retry,
    /// (server) Nothing heard on this session for a session timeout.
    Expire(SessionId),
}

/// Where the client is in the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Step {
    /// No lock wanted; no session.
    Idle,
    /// Waiting for the answer to `create`.
    Creating,
    /// Waiting for the children of `/lock`.
    Listing,
    /// Waiting for `exists(pred, watch)`; `pred` is the next-lower node
    /// (the recipe) or `/my_lock` (`zk_lock_ephemeral_watch`).
    Watching(ZPath),
    /// The watch on `pred` is set; waiting for it to fire.
    Waiting(ZPath),
    /// (`zk_lock_ephemeral`) `/my_lock` was taken; sleeping `retry_ticks`.
    Sleeping,
    /// (fenced) Reading its own node's creation zxid, which a `create` whose
    /// answer was lost did not tell it.
    Statting,
    Holding,
    /// Waiting for the answer to `delete`.
    Releasing,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ZkClient {
    pub step: Step,
    /// The session it believes alive.
    pub session: Option<SessionId>,
    /// (recipe) Its node in the line, once known.
    pub node: Option<ZPath>,
    /// Its node's creation zxid, once known: the fencing token.
    pub czxid: Option<FenceToken>,
    /// The request awaiting its answer, and the request ids (`xid`). Ids
    /// never repeat (across sessions too), so a late answer to an abandoned
    /// request, or a second copy of one taken, is recognised.
    pub requests: Requests<Op>,
    /// The watch on `pred` fired before the answer to `exists` arrived. On
    /// one connection the answer comes first, so this stays false; it is
    /// kept for a transport that may reorder them.
    pub fired: bool,
}

visit_variants!(Timer {
    Ping,
    SessionTimeout,
    RequestTimeout,
    Retry,
    Expire(session),
});
visit_variants!(Step {
    Idle,
    Creating,
    Listing,
    Watching(pred),
    Waiting(pred),
    Sleeping,
    Statting,
    Holding,
    Releasing,
});
visit_fields!(ZkClient {
    step,
    session,
    node,
    czxid,
    requests,
    fired
});

/// One ZooKeeper lock: a [`Flavor`]'s choices (`models/zk_flavor.rs`) over
/// the client and session below.
pub struct ZkLock<F> {
    pub(super) recipe: Recipe,
    pub(super) token: Token,
    pub(super) slip: Option<Slip>,
    ttl_ticks: u32,
    heartbeat_ticks: u32,
    pub(super) retry_ticks: u32,
    timeout: RequestTimeout<Timer>,
    _f: PhantomData<fn() -> F>,
}

impl<F: ZkFlavor> ZkLock<F> {
    fn zk(&self) -> NodeId {
        NodeId(0)
    }

    pub(super) fn request(&self, c: &mut ZkClient, op: Op, out: &mut Out<Self>) {
        let session = c.session;
        c.requests
            .send(out, self.zk(), op, &self.timeout, |xid, op| Msg::Req {
                session,
                xid,
                op,
            });
    }

    pub(super) fn hold(&self, c: &mut ZkClient, out: &mut Out<Self>) {
        c.step = Step::Holding;
        // The answer that gave it the lock is the last it heard from the
        // server; if a session timeout passes without another, the session
        // must be presumed expired.
        out.set_timer(Timer::SessionTimeout, self.ttl_ticks);
        out.acquired(match self.token {
            Token::Unfenced => None,
            Token::Czxid => c.czxid.map(FenceToken::number),
            Token::DataVersion => Some(0),
        });
    }

    /// (server) Ticks from now to when the session expires if nothing more
    /// is heard: a session timeout from now, moved to the next session
    /// tracker tick after it (ZooKeeper's `roundToNextInterval`, with ticks
    /// one heartbeat period apart). Arrivals within one period share a
    /// deadline, so they do not make different states.
    fn expire_after(&self, ctx: &Ctx) -> u32 {
        let period = self.heartbeat_ticks as i64;
        let at = (ctx.mono_ticks + self.ttl_ticks as i64).div_euclid(period) * period + period;
        (at - ctx.mono_ticks) as u32
    }

    /// Ticks to the next multiple of the heartbeat period on the monotonic
    /// clock, which the ping timer runs on:
    /// heartbeats keep a fixed phase whatever the network did.
    fn next_beat_after(&self, ctx: &Ctx) -> u32 {
        let period = self.heartbeat_ticks as i64;
        (period - ctx.mono_ticks.rem_euclid(period)) as u32
    }

    /// The release is done. The client leaves its session behind without
    /// closing it, as the seed's script does when it exits: it stops pinging
    /// and the server expires the session a session timeout later. A next
    /// round opens a new session with its first request.
    pub(super) fn finish_release(&self, c: &mut ZkClient, out: &mut Out<Self>) {
        c.session = None;
        c.step = Step::Idle;
        c.node = None;
        c.czxid = None;
        out.cancel_timer(Timer::Ping);
        out.cancel_timer(Timer::SessionTimeout);
        out.released();
    }

    /// The session is gone (the server said so, or the client's own timer
    /// ran out): its ephemeral node is, or soon will be, deleted.
    fn session_lost(&self, c: &mut ZkClient, out: &mut Out<Self>) {
        let step = c.step;
        c.session = None;
        c.requests.abandon();
        c.node = None;
        c.czxid = None;
        c.fired = false;
        out.cancel_timer(Timer::Ping);
        out.cancel_timer(Timer::SessionTimeout);
        out.cancel_timer(Timer::RequestTimeout);
        out.cancel_timer(Timer::Retry);
        match step {
            Step::Holding => {
                // The workload abandons its section and asks again
                // (`client_acquire`), which opens a new session.
                c.step = Step::Idle;
                out.lost();
            }
            // The node went with the session: the release is done.
            Step::Releasing => {
                c.step = Step::Idle;
                out.released();
            }
            Step::Idle => {}
            // Still acquiring: start over on a new session.
            _ => self.create(c, out),
        }
    }
}

impl<F: ZkFlavor> LockModel for ZkLock<F> {
    type Server = ZkServer;
    type Durable = ZkData;
    type Client = ZkClient;
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = F::VARIANTS;
    const PARAMS: &'static [Param] = F::PARAMS;

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        let ttl_ticks = params.require(TTL_TICKS.name)?;
        let Flavor {
            recipe,
            token,
            slip,
        } = F::flavor(variant)
            .ok_or_else(|| format!("unknown ZooKeeper lock variant `{variant}`"))?;
        // Only the seed's snippet sleeps on a busy lock; the others wait on
        // a watch.
        let retry_ticks = match recipe {
            Recipe::Ephemeral(OnBusy::Sleep) => params.require(RETRY_TICKS.name)?,
            _ => 0,
        };
        // The ZooKeeper client pings after a third of the session timeout
        // without traffic; it pings on that period regardless, which is no
        // less often.
        let heartbeat_ticks = (ttl_ticks / 3).max(1);
        Ok(ZkLock {
            recipe,
            token,
            slip,
            ttl_ticks,
            heartbeat_ticks,
            retry_ticks,
            timeout: RequestTimeout {
                timer: Timer::RequestTimeout,
                after_ticks: params.optional(REQUEST_TIMEOUT_TICKS.name)?,
                resend: ResendId::New,
            },
            _f: PhantomData,
        })
    }

    /// Heartbeats and session expiry align to multiples of the heartbeat
    /// period on the monotonic clock, so states are equivalent under shifts by
    /// whole periods only. The model keeps no absolute time itself: session
    /// expiry and every client deadline are world-owned timers.
    fn time_shift_period(&self) -> Option<u32> {
        Some(self.heartbeat_ticks)
    }

    /// The model keeps no absolute time itself (see `time_shift_period`).
    /// What the harness renumbers: request ids (`xid`), and what grows
    /// with every round (see `models/zk_server.rs`): zxids, the fenced
    /// variant's tokens, in their order with the world's copies; sequence
    /// numbers, which order the line; each client's session numbers.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        Some(TimeVisitors::by_times())
    }

    /// Zxids, sequence numbers and session numbers grow with every round,
    /// and the harness renumbers all of them.
    fn rounds_bounded(&self) -> bool {
        true
    }

    /// Everything is replayed, a ZooKeeper restart too: the real one reads
    /// its log back as the model's server keeps its data.
    fn real_server(_variant: &str) -> Option<RealServer> {
        Some(RealServer {
            program: ServerProgram::ZooKeeper,
            restart_is_real: true,
        })
    }

    fn server_name(&self, _index: usize) -> String {
        "zk".to_string()
    }

    /// Clients run the same code. A session names its client by node id,
    /// and the line of the recipe is ordered by sequence number, never by
    /// client.
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    fn describe_msg(&self, msg: &Msg) -> String {
        msg.describe(self.ttl_ticks, self.server_counts_zxids())
    }

    fn describe_timer(&self, timer: &Timer) -> String {
        match timer {
            Timer::Expire(s) => format!("Expire({s})"),
            t => format!("{t:?}"),
        }
    }

    fn server_init(&self, ctx: &Ctx, durable: Option<&ZkData>) -> ZkServer {
        match durable {
            Some(data) => ZkServer {
                data: data.clone(),
                expiry_armed: data.sessions.is_empty(),
            },
            None => ZkServer {
                data: ZkData {
                    zxid: self.server_counts_zxids().then(FenceCounter::new),
                    seq_next: 1,
                    sessions_opened: vec![0; ctx.client_count],
                    sessions: Vec::new(),
                    nodes: Vec::new(),
                    watches: Vec::new(),
                },
                expiry_armed: true,
            },
        }
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        st: &mut ZkServer,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        if !st.expiry_armed {
            for &s in &st.data.sessions {
                out.set_timer(Timer::Expire(s), self.expire_after(ctx));
            }
            st.expiry_armed = true;
        }
        let before = st.data.clone();
        match msg {
            Msg::Ping { session } => {
                if st.data.sessions.binary_search(&session).is_ok() {
                    out.set_timer(Timer::Expire(session), self.expire_after(ctx));
                } else {
                    out.send(src, Msg::Expired { session });
                }
            }
            Msg::Req { session, xid, op } => {
                // The first request of a client opens its session.
                let session = session.unwrap_or_else(|| {
                    let opened = st.data.open_session(ctx, src);
                    out.send(src, Msg::Connected { session: opened });
                    opened
                });
                if st.data.sessions.binary_search(&session).is_ok() {
                    out.set_timer(Timer::Expire(session), self.expire_after(ctx));
                    let result = st.data.execute(session, op, out);
                    out.send(
                        src,
                        Msg::Rep {
                            session,
                            xid,
                            result,
                        },
                    );
                } else {
                    out.send(src, Msg::Expired { session });
                }
            }
            // Only the server sends the others.
            _ => {}
        }
        if st.data != before {
            out.save(st.data.clone());
        }
    }

    fn server_on_timer(&self, _ctx: &Ctx, st: &mut ZkServer, timer: Timer, out: &mut Out<Self>) {
        if let Timer::Expire(session) = timer
            && st.data.sessions.binary_search(&session).is_ok()
        {
            st.data.close_session(session, out);
            out.save(st.data.clone());
        }
    }

    fn client_init(&self, _ctx: &Ctx) -> ZkClient {
        ZkClient {
            step: Step::Idle,
            session: None,
            node: None,
            czxid: None,
            requests: Requests::new(),
            fired: false,
        }
    }

    fn client_acquire(&self, _ctx: &Ctx, c: &mut ZkClient, out: &mut Out<Self>) {
        c.node = None;
        c.czxid = None;
        c.fired = false;
        self.create(c, out);
    }

    fn client_release(&self, _ctx: &Ctx, c: &mut ZkClient, out: &mut Out<Self>) {
        // Done with the section: from here a lost session only ends the
        // release early.
        out.cancel_timer(Timer::SessionTimeout);
        match (c.session, self.node_to_delete(c)) {
            (Some(_), Some(path)) => {
                c.step = Step::Releasing;
                self.request(c, Op::Delete { path }, out);
            }
            // No session, no node: nothing to delete.
            _ => self.finish_release(c, out),
        }
    }

    fn client_on_msg(
        &self,
        ctx: &Ctx,
        c: &mut ZkClient,
        _src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        match msg {
            Msg::Expired { session } if c.session == Some(session) => self.session_lost(c, out),
            Msg::Connected { session } if c.session.is_none() && c.step != Step::Idle => {
                c.session = Some(session);
                out.set_timer(Timer::Ping, self.next_beat_after(ctx));
            }
            Msg::Rep {
                session,
                xid,
                result,
            } if c.session.is_none_or(|s| s == session) => {
                if !c.requests.answers(xid) {
                    // The answer to a request sent again since, or a second
                    // copy of one already taken.
                    return;
                }
                if c.session.is_none() {
                    // The answer to its first request names its new session.
                    c.session = Some(session);
                    out.set_timer(Timer::Ping, self.next_beat_after(ctx));
                }
                c.requests.answer(out, &self.timeout, xid);
                self.on_result(c, result, out);
            }
            Msg::Event {
                session,
                kind: EventType::NodeDeleted,
                on: WatchOn::Node(path),
            } if c.session == Some(session) => match c.step {
                Step::Waiting(pred) if pred == path => self.predecessor_gone(c, out),
                Step::Watching(pred) if pred == path => c.fired = true,
                _ => {}
            },
            // Late news of a session it has left behind.
            _ => {}
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, c: &mut ZkClient, timer: Timer, out: &mut Out<Self>) {
        match timer {
            Timer::Ping => {
                if let Some(session) = c.session {
                    out.send(self.zk(), Msg::Ping { session });
                    out.set_timer(Timer::Ping, self.next_beat_after(ctx));
                }
            }
            Timer::RequestTimeout => self.retry_outstanding(c, out),
            Timer::Retry => {
                if c.step == Step::Sleeping {
                    self.create(c, out);
                }
            }
            Timer::SessionTimeout => {
                if c.session.is_some() {
                    self.session_lost(c, out);
                }
            }
            Timer::Expire(_) => {}
        }
    }

    /// ZooKeeper's clients talk to the server over one TCP connection.
    fn transport(&self) -> Transport {
        Transport::Session
    }

    /// The connection broke and the client library connected again (the
    /// session lives on if it has not expired meanwhile: the next request
    /// or ping finds out). An unanswered request failed with
    /// `ConnectionLoss` and is retried. A waiter lists the children again:
    /// the watch event it waits for may have been lost with the connection,
    /// and Curator's lock loop re-runs on every connection event too (the
    /// client library's `SetWatches` would deliver it after the reconnect,
    /// which listing again stands for).
    fn client_on_disconnect(
        &self,
        _ctx: &Ctx,
        c: &mut ZkClient,
        _server: NodeId,
        out: &mut Out<Self>,
    ) {
        if c.requests.outstanding().is_some() {
            self.retry_outstanding(c, out);
        } else if let Step::Waiting(pred) = c.step {
            self.wait_again(c, pred, out);
        }
    }
}
