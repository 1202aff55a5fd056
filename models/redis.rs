//! The single Redis instance that the Redis lock family shares, and the
//! client side they have in common.
//!
//! Not a lock algorithm itself: `redis_setnx`, `redis_set_px`,
//! `redis_py_lock`, `redis_py_lock_no_timeout`, `redis_setnx_expire`,
//! `redis_setnx_getset`, `redis_get_del_release` and `redisson_lock` each pick the commands their
//! source uses (a [`Flavor`], with Redisson's watchdog where it has one) and
//! get a [`RedisLock`] model. The server keeps one lock key, with an optional
//! expiry judged by the server's own clock, and a counter for fencing tokens.
//! It persists nothing (Redis without AOF), so a restart forgets the lock.
//!
//! The expiry is judged on the server's wall clock, as Redis judges it: a
//! key's expiry is an absolute Unix time (`PEXPIRETIME` returns it), set
//! and compared with the server's time of day (`mstime()`, from
//! `gettimeofday`; since Redis 7 through the per-command snapshot
//! `commandTimeSnapshot()`, taken from the same clock). The EXPIRE
//! documentation's section on expires and persistence warns of exactly
//! this: a running server checks the computer clock, so setting it forward
//! expires keys at once. Clients read no clock, except to write and judge
//! `redis_setnx_getset`'s expiry stamps (their wall clocks); their retries
//! and request timeouts are timers, on the monotonic clock.
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
    Ctx, FenceCheck, FenceCounter, FenceToken, Instant, LockModel, NodeId, Nonce, Nonces, Out,
    Param, RequestId, RequestTimeout, Requests, ResendId, Symmetry, TimeVisitors, Variant,
};
use crate::node::{RealServer, ServerProgram};
use crate::{rename_nothing, times_nothing, visit_fields, visit_variants};

/// A value in the lock key.
///
/// A client's unique value is a [`Nonce`]: it names the client itself (not
/// a number derived from its index), so that renaming clients renames it
/// too (client symmetry), and the liveness checker renumbers it, so that
/// endless rounds stay finite. It reads, and is stored in traces, as the
/// number `node << 8 | acquisition` (`257` for the first client's first
/// acquisition, with one server); fencing tokens and `SETNX`'s `1` stay
/// below 256 in any bounded run, so the two never meet.
///
/// An expiry stamp (the old `SETNX lock <expiry time>` pattern) is an
/// [`Instant`] on the client's wall clock, which the liveness checker
/// shifts with every other time. It is stored, as the pattern stores a Unix
/// time, as the number [`STAMP_EPOCH`] plus its ticks, far above any
/// nonce, and a timeline shows it as `@ticks`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// A plain number: `SETNX`'s `1`, or a fencing token (renumbered with
    /// the tokens under endless rounds, which keeps 0 and 1 as they are).
    Num(FenceToken),
    /// Unique per client and acquisition.
    Unique(Nonce),
    /// The time at which the lock expires, read from the client's wall
    /// clock when it wrote it.
    Stamp(Instant),
}

/// The number an expiry stamp of tick 0 reads as: a Unix time (Nov 2023),
/// so that the value on a real server looks like the pattern's.
pub const STAMP_EPOCH: u64 = 1_700_000_000;

/// Stamps read as numbers from `STAMP_EPOCH - STAMP_SPAN` up: a clock set
/// back by a scenario reads below tick 0.
const STAMP_SPAN: u64 = 1 << 20;

impl Value {
    /// The number it reads as, in traces and on a real server.
    pub fn number(self) -> u64 {
        match self {
            Value::Num(n) => n.number(),
            Value::Unique(nonce) => nonce.number(),
            // Serialization only: handlers compare stamps as instants.
            Value::Stamp(at) => STAMP_EPOCH.saturating_add_signed(at.ticks()),
        }
    }

    /// The value that reads as `n`, for reading traces and real servers
    /// back; `None` if none does.
    pub fn from_number(n: u64) -> Option<Value> {
        if n < 256 {
            Some(Value::Num(FenceToken::from_number(n)))
        } else if n >= STAMP_EPOCH - STAMP_SPAN {
            Some(Value::Stamp(Instant::from_ticks(
                n as i64 - STAMP_EPOCH as i64,
            )))
        } else {
            Nonce::from_number(n).map(Value::Unique)
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Stamp(at) => write!(f, "@{at}"),
            _ => write!(f, "{}", self.number()),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.number())
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        Value::from_number(n)
            .ok_or_else(|| serde::de::Error::custom(format!("{n} is no lock value")))
    }
}

// Under endless rounds the liveness checker renumbers fencing tokens (in
// order) and nonces (per owner).
visit_variants!(Value { Num(n), Unique(nonce), Stamp(at) });

/// The lock key, if set.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Key {
    pub value: Value,
    /// On the server's wall clock; `None` never expires.
    pub expires_at: Option<Instant>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RedisServer {
    pub lock: Option<Key>,
    /// The counter behind fencing tokens (`INCR lock:fence`).
    pub fence: FenceCounter,
}

/// The Redis commands the family uses.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Cmd {
    /// `SETNX key value`
    SetNx { value: Value },
    /// `SET key value NX PX ttl`
    SetNxPx { value: Value, ttl_ticks: u32 },
    /// A script: `if SET key <INCR fence> NX PX ttl then return the counter`.
    SetNxPxFenced { ttl_ticks: u32 },
    /// `EXPIRE key seconds`: gives an existing key, whoever set it, a
    /// time to live.
    Expire { ttl_ticks: u32 },
    /// Redisson's renewal script: `if HEXISTS key <holder> then PEXPIRE
    /// key ttl`, that is, give the key a new time to live if it still holds
    /// `value`.
    ExpireIfValue { value: Value, ttl_ticks: u32 },
    /// `GET key`
    Get,
    /// `DEL key`
    Del,
    /// The documented compare-and-delete script:
    /// `if GET key == value then DEL key`.
    DelIfValue { value: Value },
    /// `GETSET key value`: sets the key, with no timeout, and answers the
    /// value it held before (`Got`).
    GetSet { value: Value },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Reply {
    /// Whether the key was set.
    Set(bool),
    /// The fencing token if the key was set.
    Token(Option<FenceToken>),
    /// Whether a key was deleted.
    Deleted(bool),
    /// `EXPIRE`'s answer: whether the key existed and now has a timeout.
    TimeoutSet(bool),
    /// `GET`'s answer: the key's value, if it is set; `GETSET`'s: the value
    /// it held before.
    Got(Option<Value>),
}

/// As a timeline shows a command (the Redis failover model sends these too).
impl std::fmt::Display for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cmd::SetNx { value } => write!(f, "SETNX lock {value}"),
            Cmd::SetNxPx { value, ttl_ticks } => write!(f, "SET lock {value} NX PX {ttl_ticks}"),
            Cmd::SetNxPxFenced { ttl_ticks } => {
                write!(f, "SET lock <INCR fence> NX PX {ttl_ticks}")
            }
            Cmd::Expire { ttl_ticks } => write!(f, "EXPIRE lock {ttl_ticks}"),
            Cmd::ExpireIfValue { value, ttl_ticks } => {
                write!(f, "PEXPIRE lock {ttl_ticks} IF value == {value}")
            }
            Cmd::Get => write!(f, "GET lock"),
            Cmd::Del => write!(f, "DEL lock"),
            Cmd::DelIfValue { value } => write!(f, "DEL lock IF value == {value}"),
            Cmd::GetSet { value } => write!(f, "GETSET lock {value}"),
        }
    }
}

/// As a timeline shows a reply.
impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reply::Set(true) => write!(f, "set"),
            Reply::Set(false) | Reply::Token(None) => write!(f, "not set: busy"),
            Reply::Token(Some(t)) => write!(f, "set, token {t}"),
            Reply::Deleted(true) => write!(f, "deleted"),
            Reply::Deleted(false) => write!(f, "not deleted"),
            Reply::TimeoutSet(true) => write!(f, "timeout set"),
            Reply::TimeoutSet(false) => write!(f, "no such key"),
            Reply::Got(Some(v)) => write!(f, "value {v}"),
            Reply::Got(None) => write!(f, "nil"),
        }
    }
}

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

impl RedisServer {
    /// Runs one command atomically at the server's wall-clock time `now`.
    pub fn execute(&mut self, now: Instant, cmd: Cmd) -> Reply {
        // An expired key is gone, whether or not Redis has evicted it yet.
        if self
            .lock
            .as_ref()
            .is_some_and(|k| k.expires_at.is_some_and(|at| at.has_come(now)))
        {
            self.lock = None;
        }
        let free = self.lock.is_none();
        match cmd {
            Cmd::SetNx { value } => {
                if free {
                    self.lock = Some(Key {
                        value,
                        expires_at: None,
                    });
                }
                Reply::Set(free)
            }
            Cmd::SetNxPx { value, ttl_ticks } => {
                if free {
                    self.lock = Some(Key {
                        value,
                        expires_at: Some(now.after(ttl_ticks)),
                    });
                }
                Reply::Set(free)
            }
            Cmd::SetNxPxFenced { ttl_ticks } => {
                if free {
                    let token = self.fence.hand_out();
                    self.lock = Some(Key {
                        value: Value::Num(token),
                        expires_at: Some(now.after(ttl_ticks)),
                    });
                    Reply::Token(Some(token))
                } else {
                    Reply::Token(None)
                }
            }
            Cmd::Expire { ttl_ticks } => match self.lock.as_mut() {
                Some(key) => {
                    key.expires_at = Some(now.after(ttl_ticks));
                    Reply::TimeoutSet(true)
                }
                None => Reply::TimeoutSet(false),
            },
            Cmd::ExpireIfValue { value, ttl_ticks } => match self.lock.as_mut() {
                Some(key) if key.value == value => {
                    key.expires_at = Some(now.after(ttl_ticks));
                    Reply::TimeoutSet(true)
                }
                _ => Reply::TimeoutSet(false),
            },
            Cmd::Get => Reply::Got(self.lock.as_ref().map(|k| k.value)),
            Cmd::Del => Reply::Deleted(self.lock.take().is_some()),
            Cmd::DelIfValue { value } => {
                if self.lock.as_ref().is_some_and(|k| k.value == value) {
                    self.lock = None;
                    Reply::Deleted(true)
                } else {
                    Reply::Deleted(false)
                }
            }
            Cmd::GetSet { value } => {
                // A plain `SET`: whatever timeout the key had is gone.
                let old = self.lock.replace(Key {
                    value,
                    expires_at: None,
                });
                Reply::Got(old.map(|k| k.value))
            }
        }
    }
}

/// An expiry stamp as the `SETNX` page writes it: "current Unix time +
/// lock timeout + 1", on the client's wall clock. The `+ 1` rounds up the
/// part of a second that the Unix time drops.
fn stamp(ctx: &Ctx, ttl_ticks: u32) -> Instant {
    ctx.wall().after(ttl_ticks + 1)
}

/// How a lock of the family acquires and releases.
#[derive(Clone, Debug)]
pub struct Flavor {
    pub acquire: Acquire,
    pub release: Release,
    pub retry_ticks: u32,
    pub timeout: RequestTimeout<Timer>,
    /// A watchdog that renews the key every so many ticks while the client
    /// holds it (Redisson's), with the TTL of the acquisition.
    pub watchdog: Option<Watchdog>,
    /// How the resource checks the fencing token (fenced variants only).
    pub fence: FenceCheck,
}

/// Redisson's lock watchdog: while the lock is held, every `every_ticks`
/// after the previous renewal was answered, `PEXPIRE` the key to
/// `ttl_ticks` if it still holds the client's value. A refused renewal (the
/// key is gone or someone else's) stops it, and so does the release.
#[derive(Clone, Copy, Debug)]
pub struct Watchdog {
    pub every_ticks: u32,
    pub ttl_ticks: u32,
}

#[derive(Clone, Copy, Debug)]
pub enum Acquire {
    /// `SETNX key 1`
    SetNx,
    /// `SET key <unique token> NX`, with no timeout: the same command as
    /// `SETNX key <token>`.
    SetNxToken,
    /// `SETNX key <unique token>`, then, once that succeeded, `EXPIRE key
    /// ttl` as a second command.
    SetNxThenExpire { ttl_ticks: u32 },
    /// `SET key <unique token> NX PX ttl`
    SetNxPx { ttl_ticks: u32 },
    /// Like `SetNxPx`, the token being a counter that the client sends to the
    /// resource.
    SetNxPxFenced { ttl_ticks: u32 },
    /// `SETNX key <expiry stamp>`, the stamp being the client's wall clock
    /// plus `ttl_ticks`, with no timeout on the key. On a busy key, `GET`
    /// it; if its stamp has passed on the client's clock, `GETSET key <new
    /// stamp>`, and the lock is the client's if the old value it answers
    /// had passed too (or the key was gone).
    SetNxStamp { ttl_ticks: u32 },
}

#[derive(Clone, Copy, Debug)]
pub enum Release {
    /// `DEL key`, whoever holds it.
    Del,
    /// Compare-and-delete on the client's token.
    DelIfValue,
    /// `GET key`, compared with the client's token in the client, then
    /// `DEL key` if it matched: two commands.
    GetThenDel,
    /// `DEL key` if the client's own stamp has not passed on its clock;
    /// past it, nothing (the key may be someone else's by now).
    DelBeforeOwnStamp,
    /// Compare-and-delete on the token in the lock object that every
    /// client (a thread of one process) shares: the token of whichever
    /// client's `SET` succeeded last ([`crate::node::Ctx::process_nonce`]),
    /// which the release clears. With none there, the release raises and
    /// sends nothing.
    DelIfSharedValue,
}

impl Flavor {
    pub fn fenced(&self) -> bool {
        matches!(self.acquire, Acquire::SetNxPxFenced { .. })
    }
}

/// A model of the family: which commands is fixed by `F`.
pub trait RedisFlavor: Send + Sync + 'static {
    const VARIANTS: &'static [Variant];
    const PARAMS: &'static [Param];
    fn flavor(variant: &str, params: &LockParams) -> Result<Flavor, String>;
}

pub struct RedisLock<F> {
    flavor: Flavor,
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

    fn acquire_cmd(&self, c: &RedisClient) -> Cmd {
        match self.flavor.acquire {
            Acquire::SetNx => Cmd::SetNx {
                value: Value::Num(FenceToken::from_number(1)),
            },
            Acquire::SetNxToken | Acquire::SetNxThenExpire { .. } | Acquire::SetNxStamp { .. } => {
                Cmd::SetNx { value: c.value }
            }
            Acquire::SetNxPx { ttl_ticks } => Cmd::SetNxPx {
                value: c.value,
                ttl_ticks,
            },
            Acquire::SetNxPxFenced { ttl_ticks } => Cmd::SetNxPxFenced { ttl_ticks },
        }
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
        let (step, cmd) = match self.flavor.release {
            Release::Del => (Step::Releasing, Cmd::Del),
            Release::DelIfValue => (Step::Releasing, Cmd::DelIfValue { value: c.value }),
            Release::DelIfSharedValue => match ctx.process_nonce {
                Some(nonce) => {
                    // `expected_token = self.local.token`, whoever stored it.
                    out.set_process_nonce(None);
                    let value = Value::Unique(nonce);
                    (Step::Releasing, Cmd::DelIfValue { value })
                }
                None => {
                    // "Cannot release an unlocked lock": another thread's
                    // release cleared the token. The exception ends the
                    // critical section; nothing reaches Redis.
                    c.step = Step::Idle;
                    out.released();
                    return;
                }
            },
            Release::GetThenDel => (Step::Checking, Cmd::Get),
            Release::DelBeforeOwnStamp => match c.value {
                Value::Stamp(at) if !at.has_come(ctx.wall()) => (Step::Releasing, Cmd::Del),
                _ => {
                    // Past its own stamp the key may be another client's:
                    // leave it to expire.
                    c.step = Step::Idle;
                    out.released();
                    return;
                }
            },
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

visit_fields!(Key { value, expires_at });
visit_fields!(RedisServer { lock, fence });
visit_variants!(Cmd {
    SetNx { value },
    SetNxPx { value, ttl_ticks },
    SetNxPxFenced { ttl_ticks },
    Expire { ttl_ticks },
    ExpireIfValue { value, ttl_ticks },
    Get,
    Del,
    DelIfValue { value },
    GetSet { value },
});
visit_variants!(Reply {
    Set(set),
    Token(token),
    Deleted(deleted),
    TimeoutSet(set),
    Got(value),
});
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

/// Reads the parameters every member of the family uses.
pub fn common(params: &LockParams, acquire: Acquire, release: Release) -> Result<Flavor, String> {
    Ok(Flavor {
        acquire,
        release,
        retry_ticks: params.require(RETRY_TICKS.name)?,
        timeout: RequestTimeout {
            timer: Timer::Timeout,
            after_ticks: params.optional(REQUEST_TIMEOUT_TICKS.name)?,
            resend: ResendId::New,
        },
        watchdog: None,
        fence: FenceCheck::EveryOperation,
    })
}
