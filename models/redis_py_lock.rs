//! A redis-py style lock (`r.lock(key, ...)`: token and timeout), released as
//! article B's own release function does it: without checking ownership.
//!
//! Source: article B, section 4. `get_shared_resource` takes the lock with
//! `r.lock(lock_key, ...)`, which sets the key with a random token and an
//! expiry (`SET key token NX PX timeout`). Article B's `release_lock(lock_key)`
//! calls `r.lock_release(lock_key)`, which redis-py does not have; what such a
//! helper can do with only the key's name is `DEL key`, so that is what is
//! modeled: the token is written and never checked.
//!
//! # Protocol
//! 1. The client sends `SET lock <token> NX PX ttl_ticks`; on OK it holds the
//!    lock, otherwise it sleeps `retry_ticks` and asks again.
//! 2. The key expires `ttl_ticks` after it was set, on the server's wall
//!    clock (Redis's expiry, see `models/redis_server.rs`). The client reads no
//!    clock: redis-py times its blocking wait with `time.monotonic()`, and
//!    its sleeps here are timers, on the monotonic clock.
//! 3. To release, the client sends `DEL lock`, whoever holds it now.
//!
//! Variant `redis_py_lock_fenced`: as in `redis_set_px_fenced`, the token is a
//! counter sent to the resource, which rejects stale tokens.
//!
//! # Expected weaknesses
//! - Everything that breaks `redis_set_px` (a pause or a server clock jump
//!   past the TTL) breaks this too.
//! - **Deleting someone else's lock:** a release that arrives after the key
//!   expired and another client took it deletes the new holder's key, so a
//!   third acquisition overlaps the second. Compare-and-delete in
//!   `redis_set_px` exists to prevent exactly this.
//!
//! # Expected verdicts (`models/redis_py_lock.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from redis_py_lock.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `redis_py_lock` | `redis_py_lock_fenced` |
//! |---|---|---|
//! | no-faults | ok (live) | ok (live) |
//! | holder-crash | ok (live) | ok (live) |
//! | gc-pause | mutex ✗, resource ✗ (live) | mutex ✗ (live) |
//! | clock-jump | mutex ✗, resource ✗ (live) | mutex ✗ (live) |
//! | clock-drift | mutex ✗, resource ✗ (live) | mutex ✗ (live) |
//! | message-loss | mutex ✗, resource ✗ (live) | mutex ✗ (live) |
//! | partition | ok (live) | ok (live) |
//! | server-restart | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! | async-network | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, progress ✗ (live) |
//! | crowd-atomic | mutex ✗, resource ✗ (live) | mutex ✗ (live) |
//! | duplicates | ok (live) | ok (live) |
//! | crowd-8 | mutex ✗, resource ✗ | mutex ✗ |
//! | endless-contention | progress ✗, starvation ✗ | progress ✗, starvation ✗ |
//! | long-work | mutex ✗, resource ✗ (live) | mutex ✗ (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/redis_models.rs`)
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | |
//! | holder-crash | holds | holds | holds | the dead holder's key expires |
//! | gc-pause | violated (20) | violated (26); fenced: holds | holds | as `redis_set_px` |
//! | clock-jump | violated (5) | violated (11); fenced: holds | holds | as `redis_set_px` |
//! | clock-drift | violated (13) | violated (17); fenced: holds | holds | as `redis_set_px` |
//! | message-loss | violated (18) | violated (24); fenced: holds | holds | the reply to `DEL` is lost, the client sends `DEL` again and deletes the key another client took meanwhile, then takes the lock itself. `redis_set_px` holds here: this is the bug compare-and-delete prevents |
//! | partition | holds | holds | holds | one round each, so no second acquisition for a stray `DEL` to enable |
//! | server-restart | violated (10) | violated (16), fenced too | holds | as `redis_set_px` |
//! | async-network | violated (10) | violated (16); fenced: holds | violated (14) | as `redis_set_px` |
//! | crowd-atomic | violated (27) | violated (32); fenced: holds | holds | as `redis_set_px` |
//!
//! Liveness under fairness (pinned): `deadlock_free` and `starvation_free`
//! hold under holder-crash (the dead holder's key expires) and async-network
//! (the bounded `progress` violation there is a horizon artifact), fenced or
//! not. Under endless-contention (endless rounds, no fault) `deadlock_free`
//! holds and `starvation_free` is violated (lasso 20+46), as for
//! `redis_set_px`; the fenced variant's too (lasso 32+48, entered at the
//! second grant, see `redis_set_px`).

use crate::models::redis::{self, Acquire, Flavor, RedisFlavor, RedisLock, Release};
use crate::node::LockParams;
use crate::node::{Param, Variant};

pub struct PyLock;

impl RedisFlavor for PyLock {
    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "redis_py_lock",
            summary: "redis-py lock (token + timeout) released by plain DEL as article B §4 does",
        },
        Variant {
            id: "redis_py_lock_fenced",
            summary: "redis_py_lock whose token is a counter the resource fences on",
        },
    ];

    const PARAMS: &'static [Param] = &[
        redis::TTL_TICKS,
        redis::RETRY_TICKS,
        redis::REQUEST_TIMEOUT_TICKS,
    ];

    fn flavor(variant: &str, params: &LockParams) -> Result<Flavor, String> {
        let ttl_ticks = params.require(redis::TTL_TICKS.name)?;
        let acquire = match variant {
            "redis_py_lock_fenced" => Acquire::SetNxPxFenced { ttl_ticks },
            _ => Acquire::SetNxPx { ttl_ticks },
        };
        redis::common(params, acquire, Release::Del)
    }
}

pub type RedisPyLock = RedisLock<PyLock>;
