//! The client side that the single-instance Redis locks share, and their
//! model: [`RedisLock`], over the server of `models/redis_server.rs`.
//!
//! Not a lock algorithm itself: `redis_setnx`, `redis_set_px`,
//! `redis_py_lock`, `redis_py_lock_no_timeout`,
//! `redis_py_lock_not_thread_local`, `redis_setnx_expire`,
//! `redis_setnx_getset`, `redis_get_del_release` and `redisson_lock` each
//! pick the commands their source uses (a [`Flavor`], with Redisson's
//! watchdog where it has one; `models/redis_flavor.rs`) and get a
//! [`RedisLock`] model. The server
//! keeps one lock key, with an optional expiry judged by the server's own
//! wall clock, and a counter for fencing tokens (`models/redis_server.rs`).
//! Clients read no clock, except to write and judge `redis_setnx_getset`'s
//! expiry stamps (their wall clocks); their retries and request timeouts
//! are timers, on the monotonic clock.
//!
//! The client sends one command at a time, under a request id its reply
//! carries (`node::Requests`); it takes only the reply to its outstanding
//! command, and ignores a late reply to one it sent again and a second copy
//! of a reply it has taken. If the scenario sets
//! `params.request_timeout_ticks`, a command unanswered for that long is sent
//! again under a new id (a client library's socket timeout and retry on a
//! new connection, whose late answers on the old one are dropped); without
//! it the client waits forever, as redis-py does with its default
//! `socket_timeout=None`.
//! While the lock is busy it sleeps `params.retry_ticks` and asks again.
//!
//! For the liveness checker: a key's expiry is an `Instant`, and a
//! client's value unique per acquisition a `Nonce` (`LockModel::times`),
//! which the harness shifts and renumbers. The fencing counter is a
//! `FenceCounter` and its tokens `FenceToken`s, which the harness renumbers
//! in order under endless rounds, so the fenced variants' liveness is
//! decided there too.

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use crate::node::LockParams;
use crate::node::{
    Ctx, FenceCheck, FenceCounter, FenceToken, LockModel, NodeId, Nonces, Out, Param, RequestId,
    Requests, Symmetry, TimeVisitors, Variant,
};
use crate::node::{RealServer, ServerProgram};
use crate::{rename_nothing, times_nothing, visit_fields, visit_variants};

pub use super::redis_server::{Cmd, Key, RedisServer, Reply, STAMP_EPOCH, Value};

use super::redis_flavor::stamp;
/// The commands a variant picks, with the steps they change.
pub use super::redis_flavor::{Acquire, Flavor, RedisFlavor, Release, Watchdog, common};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Msg {
    /// A command, under the client's request id.
    Req { id: RequestId, cmd: Cmd },
    /// Its result, carrying the id of the request it answers.
    Rep { id: RequestId, reply: Reply },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timer {
    /// Sleep over; ask for the busy lock again.
    Retry,
    /// No reply in time; send the command again.
    Timeout,
    /// The watchdog's period is over: renew the key's time to live.
    Renew,
}

/// One lock of the family: a [`Flavor`]'s commands (`models/redis_flavor.rs`)
/// over the client below.
pub struct RedisLock<F> {
    pub(super) flavor: Flavor,
    _f: PhantomData<fn() -> F>,
}

/// Where the client is in the protocol.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Step {
    Idle,
    Acquiring,
    /// `SETNX` succeeded; the `EXPIRE` is on its way.
    Expiring,
    Sleeping,
    Holding,
    /// The `GET` before a `DEL` is on its way.
    Checking,
    Releasing,
    /// The lock was busy: the `GET` that reads its stamp is on its way.
    Inspecting,
    /// The stamp had passed: the `GETSET` that takes the lock over is on
    /// its way.
    TakingOver,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RedisClient {
    pub step: Step,
    /// The value this client writes into the key: unique per acquisition.
    pub value: Value,
    /// Where its unique values come from: one per acquisition.
    pub acquisitions: Nonces,
    /// The command awaiting its reply, and the request ids.
    pub requests: Requests<Cmd>,
}

impl<F: RedisFlavor> RedisLock<F> {
    fn call(&self, ctx: &Ctx, c: &mut RedisClient, cmd: Cmd, out: &mut Out<Self>) {
        c.requests
            .send(out, ctx.server(), cmd, &self.flavor.timeout, |id, cmd| {
                Msg::Req { id, cmd }
            });
    }

    /// The lock is the client's: it holds it, and its watchdog, if it has
    /// one, starts.
    fn hold(&self, c: &mut RedisClient, token: Option<u64>, out: &mut Out<Self>) {
        c.step = Step::Holding;
        if let (Release::DelIfSharedValue, Value::Unique(nonce)) = (self.flavor.release, c.value) {
            // `self.local.token = token`, on an object every thread sees.
            out.set_process_nonce(Some(nonce));
        }
        out.acquired(token);
        if let Some(watchdog) = self.flavor.watchdog {
            out.set_timer(Timer::Renew, watchdog.every_ticks);
        }
    }

    /// Sends the acquiring command, with a new stamp if the flavor writes
    /// one.
    fn ask(&self, ctx: &Ctx, c: &mut RedisClient, out: &mut Out<Self>) {
        c.step = Step::Acquiring;
        if let Acquire::SetNxStamp { ttl_ticks } = self.flavor.acquire {
            c.value = Value::Stamp(stamp(ctx, ttl_ticks));
        }
        let cmd = self.acquire_cmd(c);
        self.call(ctx, c, cmd, out);
    }

    /// The lock is busy: sleep, then ask again.
    fn sleep(&self, c: &mut RedisClient, out: &mut Out<Self>) {
        c.step = Step::Sleeping;
        out.set_timer(Timer::Retry, self.flavor.retry_ticks);
    }
}

impl<F: RedisFlavor> LockModel for RedisLock<F> {
    type Server = RedisServer;
    type Durable = ();
    type Client = RedisClient;
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = F::VARIANTS;
    const PARAMS: &'static [Param] = F::PARAMS;

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        Ok(RedisLock {
            flavor: F::flavor(variant, params)?,
            _f: PhantomData,
        })
    }

    fn server_name(&self, _index: usize) -> String {
        "redis".to_string()
    }

    fn fence_check(&self) -> FenceCheck {
        self.flavor.fence
    }

    fn real_server(_variant: &str) -> Option<RealServer> {
        Some(RealServer {
            program: ServerProgram::Redis,
            restart_is_real: true,
        })
    }

    /// Clients run the same code; a client's value names the client
    /// ([`Value::Unique`]), and nothing else depends on which client it is.
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    fn describe_msg(&self, msg: &Msg) -> String {
        match msg {
            Msg::Req { id, cmd } => {
                format!("{cmd}  [req {id}]")
            }
            Msg::Rep { id, reply } => format!("{reply}  [req {id}]"),
        }
    }

    /// Key expiries are `Instant`s on the server's wall clock; clients
    /// keep no time. A unique value is a [`Nonce`], which the harness
    /// renumbers.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        Some(TimeVisitors::by_times())
    }

    /// What grows with every round is a nonce or a fencing token (a
    /// [`FenceToken`] from the server's [`FenceCounter`]), both renumbered
    /// by the harness.
    fn rounds_bounded(&self) -> bool {
        true
    }

    fn server_init(&self, _ctx: &Ctx, _durable: Option<&()>) -> RedisServer {
        RedisServer {
            lock: None,
            fence: FenceCounter::new(),
        }
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        state: &mut RedisServer,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        if let Msg::Req { id, cmd } = msg {
            let reply = state.execute(ctx.wall(), cmd);
            out.send(src, Msg::Rep { id, reply });
        }
    }

    fn client_init(&self, _ctx: &Ctx) -> RedisClient {
        RedisClient {
            step: Step::Idle,
            value: Value::Num(FenceToken::ZERO),
            acquisitions: Nonces::new(),
            requests: Requests::new(),
        }
    }

    fn client_acquire(&self, ctx: &Ctx, c: &mut RedisClient, out: &mut Out<Self>) {
        if !matches!(self.flavor.acquire, Acquire::SetNxStamp { .. }) {
            // A token no other client and no other acquisition uses, like
            // the random value redis-py writes.
            c.value = Value::Unique(c.acquisitions.fresh(ctx));
        }
        self.ask(ctx, c, out);
    }

    fn client_release(&self, ctx: &Ctx, c: &mut RedisClient, out: &mut Out<Self>) {
        let Some((step, cmd)) = self.release_cmd(ctx, c, out) else {
            c.step = Step::Idle;
            out.released();
            return;
        };
        c.step = step;
        if self.flavor.watchdog.is_some() {
            // Unlocking cancels the renewal task; a renewal still on its
            // way is replaced as the outstanding request, so its answer is
            // ignored.
            out.cancel_timer(Timer::Renew);
        }
        self.call(ctx, c, cmd, out);
    }

    fn client_on_msg(
        &self,
        ctx: &Ctx,
        c: &mut RedisClient,
        _src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        let Msg::Rep { id, reply } = msg else { return };
        if c.requests.answer(out, &self.flavor.timeout, id).is_none() {
            // The answer to a command sent again since, or a second copy of
            // one already taken.
            return;
        }
        match (&c.step, reply) {
            (Step::Acquiring, Reply::Set(true)) => {
                if let Acquire::SetNxThenExpire { ttl_ticks } = self.flavor.acquire {
                    // The key is ours but has no timeout yet.
                    c.step = Step::Expiring;
                    self.call(ctx, c, Cmd::Expire { ttl_ticks }, out);
                } else {
                    self.hold(c, None, out);
                }
            }
            (Step::Expiring, Reply::TimeoutSet(_)) => {
                // Whatever the answer: `SETNX` said the key is ours.
                self.hold(c, None, out);
            }
            (Step::Acquiring, Reply::Token(Some(token))) => {
                c.value = Value::Num(token);
                self.hold(c, Some(token.number()), out);
            }
            (Step::Holding, Reply::TimeoutSet(renewed)) => {
                // The watchdog's renewal: the next one a period after this
                // answer. Refused (the key expired, perhaps taken since),
                // the watchdog stops; the client is not told.
                if let (true, Some(watchdog)) = (renewed, self.flavor.watchdog) {
                    out.set_timer(Timer::Renew, watchdog.every_ticks);
                }
            }
            (Step::Acquiring, Reply::Set(false))
                if matches!(self.flavor.acquire, Acquire::SetNxStamp { .. }) =>
            {
                // Busy: read the holder's stamp to see whether it expired.
                c.step = Step::Inspecting;
                self.call(ctx, c, Cmd::Get, out);
            }
            (Step::Inspecting, Reply::Got(value)) => match value {
                // Deleted since the `SETNX`: ask again at once.
                None => self.ask(ctx, c, out),
                Some(Value::Stamp(at)) if at.has_come(ctx.wall()) => {
                    if let Acquire::SetNxStamp { ttl_ticks } = self.flavor.acquire {
                        c.value = Value::Stamp(stamp(ctx, ttl_ticks));
                    }
                    c.step = Step::TakingOver;
                    self.call(ctx, c, Cmd::GetSet { value: c.value }, out);
                }
                Some(_) => self.sleep(c, out),
            },
            (Step::TakingOver, Reply::Got(old)) => match old {
                // The old value had expired too (or was gone): no other
                // client's `GETSET` came first.
                None => self.hold(c, None, out),
                Some(Value::Stamp(at)) if at.has_come(ctx.wall()) => self.hold(c, None, out),
                // Another client took it over first; this `GETSET` only
                // moved its stamp a little later.
                Some(_) => self.sleep(c, out),
            },
            (Step::Acquiring, Reply::Set(false) | Reply::Token(None)) => self.sleep(c, out),
            (Step::Checking, Reply::Got(value)) => {
                if value == Some(c.value) {
                    // Still ours when read; by the time the `DEL` runs it
                    // may not be.
                    c.step = Step::Releasing;
                    self.call(ctx, c, Cmd::Del, out);
                } else {
                    // Expired (and perhaps taken): nothing of ours to delete.
                    c.step = Step::Idle;
                    out.released();
                }
            }
            (Step::Releasing, Reply::Deleted(_)) => {
                c.step = Step::Idle;
                out.released();
            }
            _ => {}
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, c: &mut RedisClient, timer: Timer, out: &mut Out<Self>) {
        match timer {
            Timer::Retry if c.step == Step::Sleeping => self.ask(ctx, c, out),
            Timer::Renew if c.step == Step::Holding => {
                if let Some(watchdog) = self.flavor.watchdog {
                    let cmd = Cmd::ExpireIfValue {
                        value: c.value,
                        ttl_ticks: watchdog.ttl_ticks,
                    };
                    self.call(ctx, c, cmd, out);
                }
            }
            Timer::Timeout => {
                c.requests
                    .resend(out, ctx.server(), &self.flavor.timeout, |id, cmd| {
                        Msg::Req { id, cmd }
                    });
            }
            _ => {}
        }
    }
}

rename_nothing!(Timer, Step);
visit_variants!(Msg {
    Req { id, cmd },
    Rep { id, reply },
});
visit_fields!(RedisClient {
    step,
    value,
    acquisitions,
    requests,
});
times_nothing!(Timer, Step);

// The shared parameters, also reachable as `redis::TTL_TICKS` and so on.
pub use super::params::{REQUEST_TIMEOUT_TICKS, RETRY_TICKS, TTL_TICKS};
