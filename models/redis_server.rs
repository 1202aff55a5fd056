//! The single Redis instance that the Redis lock family shares
//! (`models/redis.rs` has the clients): one lock key, with an optional
//! expiry, and a counter for fencing tokens. It persists nothing (Redis
//! without AOF), so a restart forgets the lock.
//!
//! The expiry is judged on the server's wall clock, as Redis judges it: a
//! key's expiry is an absolute Unix time (`PEXPIRETIME` returns it), set
//! and compared with the server's time of day (`mstime()`, from
//! `gettimeofday`; since Redis 7 through the per-command snapshot
//! `commandTimeSnapshot()`, taken from the same clock). The EXPIRE
//! documentation's section on expires and persistence warns of exactly
//! this: a running server checks the computer clock, so setting it forward
//! expires keys at once.
//!
//! For the liveness checker: a key's expiry is an `Instant`, and a
//! client's value unique per acquisition a `Nonce`, which the harness
//! shifts and renumbers. The fencing counter is a `FenceCounter` and its
//! tokens `FenceToken`s, which the harness renumbers in order under endless
//! rounds.

use serde::{Deserialize, Serialize};

use crate::node::{FenceCounter, FenceToken, Instant, Nonce};
use crate::{visit_fields, visit_variants};

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
