//! redis-py's `Lock` as it is constructed by default: `timeout=None`, so the
//! key it sets never expires.
//!
//! Source: redis-py, `redis/lock.py`. `Lock.__init__(redis, name,
//! timeout=None, sleep=0.1, blocking=True, blocking_timeout=None,
//! thread_local=True)`; `do_acquire(token)` runs `SET name token NX PX
//! timeout` and, when `timeout` is falsy, passes `px=None`, so the command
//! is `SET name token NX` with no expiry. `release()` runs
//! `LUA_RELEASE_SCRIPT`: `GET` the key, and `DEL` it only if it holds the
//! caller's token. The class docstring leaves deadlocks to the user ("It's
//! left to the user to resolve deadlock issues"); `timeout` is the knob
//! meant for it, and its default is off.
//!
//! # Protocol
//! 1. The client sends `SET lock <token> NX` (the same command as
//!    `SETNX lock <token>`), `token` unique to this client and acquisition.
//!    On OK it holds the lock; otherwise it sleeps `retry_ticks` (redis-py's
//!    `sleep`) and asks again, with no deadline (`blocking_timeout=None`).
//! 2. The key has no timeout: it stays until a `DEL` removes it.
//! 3. To release, the client runs compare-and-delete on its token, as
//!    `redis_set_px` does.
//!
//! # Expected weaknesses
//! - **Holder crash: deadlock.** A holder that crashes leaves its key
//!   forever; nobody gets the lock again. This is what a TTL exists for.
//! - **A lost or duplicated answer: deadlock.** A client whose `SET` took
//!   the key but who never learns it (the answer is lost and it asks again,
//!   or a late copy of a refused `SET` lands after the key was freed) leaves
//!   a key with its token that it does not know it holds.
//! - What breaks `redis_set_px` through its TTL (a pause, a server clock
//!   jump or drift past the TTL) cannot break this: there is no TTL. That
//!   is the trade: safety under pauses for liveness under crashes.
//!
//! # Expected verdicts (`models/redis_py_lock_no_timeout.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from redis_py_lock_no_timeout.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `redis_py_lock_no_timeout` |
//! |---|---|
//! | no-faults | ok (live) |
//! | holder-crash | progress ✗, deadlock ✗, starvation ✗ |
//! | gc-pause | ok (live) |
//! | clock-jump | ok (live) |
//! | clock-drift | ok (live) |
//! | message-loss | progress ✗, deadlock ✗, starvation ✗ |
//! | partition | progress ✗, deadlock ✗, starvation ✗ |
//! | server-restart | mutex ✗, resource ✗ (live) |
//! | async-network | progress ✗ (live) |
//! | crowd-atomic | ok (live) |
//! | duplicates | progress ✗, deadlock ✗, starvation ✗ |
//! | endless-contention | progress ✗, starvation ✗ |
//! | long-work | ok (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/redis_models.rs`)
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | |
//! | holder-crash | holds | holds | violated (54) | c1's `SET` takes the key and c1 crashes: the key never expires, and c2 is refused until the horizon. `redis_py_lock`, the same lock with a timeout, holds here |
//! | gc-pause | holds | holds | holds | a paused holder keeps the key however long it sleeps: no TTL runs out under it. `redis_py_lock` is violated (20) |
//! | clock-jump | holds | holds | holds | no expiry to bring forward. `redis_py_lock` is violated (5) |
//! | clock-drift | holds | holds | holds | likewise. `redis_py_lock` is violated (13) |
//! | message-loss | holds | holds | violated (97) | the answer to c1's successful `SET` is lost; c1 times out and sends `SET` again under the same token, and its own key refuses it, forever |
//! | partition | holds | holds | violated (68) | the partition cuts the answer to a successful `SET`, with the same end as under message-loss |
//! | server-restart | violated (10) | violated (16) | holds | a restarted Redis has forgotten the key (no persistence), as for every single-instance lock |
//! | async-network | holds | holds | violated (14) | a horizon artifact, as for `redis_set_px`: both liveness properties hold |
//! | crowd-atomic | holds | holds | holds | |
//! | duplicates | holds | holds | violated (66) | c1's `SET` is duplicated: one copy takes the key, the other is refused, and the refusal reaches c1 first. c1 takes it as the answer and ignores the second: it believes the lock busy while its own key holds it |
//!
//! Liveness under fairness (pinned): under holder-crash `deadlock_free` and
//! `starvation_free` are violated (lasso 24+7: c1 crashes before it learns
//! it holds the lock, and c2 asks and is refused forever); under
//! message-loss (22+27), partition (22+10) and duplicates (24+10) both are
//! violated by the stranded key above, the client that set it among those
//! refused. Under async-network both hold. Under endless-contention
//! (endless rounds, no fault; not pinned, the matrix checks it) `progress`
//! is violated (78) and `starvation_free` (lasso 20+46), as for
//! `redis_set_px`, and `deadlock_free` holds.

use crate::models::redis::{self, Acquire, Flavor, RedisFlavor, RedisLock, Release};
use crate::node::LockParams;
use crate::node::{Param, Variant};

pub struct PyLockNoTimeout;

impl RedisFlavor for PyLockNoTimeout {
    const VARIANTS: &'static [Variant] = &[Variant {
        id: "redis_py_lock_no_timeout",
        summary: "redis-py Lock with its default timeout=None: SET NX with a token and no TTL; compare-and-delete release",
    }];

    const PARAMS: &'static [Param] = &[redis::RETRY_TICKS, redis::REQUEST_TIMEOUT_TICKS];

    fn flavor(_variant: &str, params: &LockParams) -> Result<Flavor, String> {
        redis::common(params, Acquire::SetNxToken, Release::DelIfValue)
    }
}

pub type RedisPyLockNoTimeout = RedisLock<PyLockNoTimeout>;
