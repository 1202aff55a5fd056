//! What the single-instance Redis locks differ in: the commands each
//! variant's source uses to acquire and release ([`Flavor`]), Redisson's
//! watchdog, and the steps those choices pick, over the one client every
//! variant shares (`models/redis.rs`) and the server (`models/redis_server.rs`).
//!
//! - **[`Acquire`]**: `SETNX` with a constant or a token, `SETNX` then
//!   `EXPIRE`, `SET NX PX` (with a counter as the fencing token in the
//!   fenced form), or `SETNX` of an expiry stamp with `GETSET` recovery.
//! - **[`Release`]**: `DEL` whoever holds it, compare-and-delete on the
//!   client's token (or on the token in a lock object threads share),
//!   `GET` then `DEL` as two commands, or `DEL` only before the client's
//!   own stamp has passed.
//! - **[`Watchdog`]**: Redisson's renewal while the lock is held.
//!
//! Each variant's file (`models/redis_set_px.rs` and its siblings) picks
//! one with [`common`] and gives its protocol, sources and verdicts.

use crate::models::params::{REQUEST_TIMEOUT_TICKS, RETRY_TICKS};
use crate::models::redis::{RedisClient, RedisLock, Step, Timer};
use crate::models::redis_server::{Cmd, Value};
use crate::node::{
    Ctx, FenceCheck, FenceToken, Instant, LockParams, Out, Param, RequestTimeout, ResendId, Variant,
};

/// An expiry stamp as the `SETNX` page writes it: "current Unix time +
/// lock timeout + 1", on the client's wall clock. The `+ 1` rounds up the
/// part of a second that the Unix time drops.
pub(super) fn stamp(ctx: &Ctx, ttl_ticks: u32) -> Instant {
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

impl<F: RedisFlavor> RedisLock<F> {
    /// The command that asks for the lock.
    pub(super) fn acquire_cmd(&self, c: &RedisClient) -> Cmd {
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

    /// What a release sends: the step it then waits in and the command, or
    /// `None` where it sends nothing and the release is over.
    pub(super) fn release_cmd(
        &self,
        ctx: &Ctx,
        c: &RedisClient,
        out: &mut Out<Self>,
    ) -> Option<(Step, Cmd)> {
        match self.flavor.release {
            Release::Del => Some((Step::Releasing, Cmd::Del)),
            Release::DelIfValue => Some((Step::Releasing, Cmd::DelIfValue { value: c.value })),
            Release::DelIfSharedValue => match ctx.process_nonce {
                Some(nonce) => {
                    // `expected_token = self.local.token`, whoever stored it.
                    out.set_process_nonce(None);
                    let value = Value::Unique(nonce);
                    Some((Step::Releasing, Cmd::DelIfValue { value }))
                }
                None => {
                    // "Cannot release an unlocked lock": another thread's
                    // release cleared the token. The exception ends the
                    // critical section; nothing reaches Redis.
                    None
                }
            },
            Release::GetThenDel => Some((Step::Checking, Cmd::Get)),
            Release::DelBeforeOwnStamp => match c.value {
                Value::Stamp(at) if !at.has_come(ctx.wall()) => Some((Step::Releasing, Cmd::Del)),
                _ => {
                    // Past its own stamp the key may be another client's:
                    // leave it to expire.
                    None
                }
            },
        }
    }
}

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
