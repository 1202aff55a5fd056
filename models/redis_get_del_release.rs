//! Redis `SET NX PX`, released by `GET`, a comparison in the client, and
//! `DEL`: compare-and-delete as two commands.
//!
//! Source: the Redis documentation's distributed-locks page ("Distributed
//! Locks with Redis", the single-instance section): the lock is released by
//! a Lua script that deletes the key only if its value is the client's, so
//! that a client whose lease ran out cannot remove the lock another client
//! has taken since; plain `DEL` is called unsafe there. The obvious code
//! without a script is
//!
//! ```python
//! if r.get(key) == token:
//!     r.delete(key)
//! ```
//!
//! two commands, between which the key can expire and be taken by another
//! client; the `DEL` then removes that client's lock.
//! The same release in a shipped library, with this interleaving spelled
//! out: <https://github.com/spring-projects/spring-integration/issues/8699>
//! (Spring Integration's `RedisLock.unlock()`: `GET`, then `UNLINK`).
//!
//! # Protocol
//! 1. Acquire as `redis_set_px`: `SET lock <token> NX PX ttl_ticks`; on OK
//!    the client holds the lock, otherwise it sleeps `retry_ticks` and asks
//!    again. The key expires on the server's wall clock.
//! 2. To release, the client sends `GET lock`. If the value is not its
//!    token (the key expired, perhaps was taken), it has released.
//! 3. If it is, it sends `DEL lock`, which deletes whatever key is there by
//!    then, and has released when the answer comes.
//!
//! # Expected weaknesses
//! - Everything that breaks `redis_set_px` (a pause or a server clock jump
//!   past the TTL) breaks this too.
//! - **Deleting someone else's lock:** the key can expire between the `GET`
//!   and the `DEL`; another client takes it, the `DEL` deletes it, and a
//!   third acquisition (another client's, or the releasing client's own
//!   next one) overlaps the second. No fault is needed: ordinary delays that
//!   bring a release close to the end of the lease suffice.
//! - A `DEL` sent again after its answer was lost deletes the next holder's
//!   key, as in `redis_py_lock`: the check was made once, before the first
//!   sending.
//!
//! # Expected verdicts (`models/redis_get_del_release.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from redis_get_del_release.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `redis_get_del_release` |
//! |---|---|
//! | no-faults | ok (live) |
//! | holder-crash | ok (live) |
//! | gc-pause | mutex ✗, resource ✗ (live) |
//! | clock-jump | mutex ✗, resource ✗ (live) |
//! | clock-drift | mutex ✗, resource ✗ (live) |
//! | message-loss | mutex ✗, resource ✗, progress ✗ (live) |
//! | partition | ok (live) |
//! | server-restart | mutex ✗, resource ✗ (live) |
//! | async-network | mutex ✗, resource ✗, progress ✗ (live) |
//! | crowd-atomic | mutex ✗, resource ✗ (live) |
//! | duplicates | progress ✗ (live) |
//! | crowd-8 | mutex ✗, resource ✗ |
//! | endless-contention | mutex ✗, resource ✗, progress ✗, starvation ✗ |
//! | long-work | mutex ✗, resource ✗ (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/redis_models.rs`)
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | |
//! | holder-crash | holds | holds | holds | the dead holder's key expires |
//! | gc-pause | violated (20) | violated (26) | holds | as `redis_set_px`: a pause while holding, past the TTL, is shorter than one between `GET` and `DEL` |
//! | clock-jump | violated (5) | violated (11) | holds | as `redis_set_px` |
//! | clock-drift | violated (13) | violated (17) | holds | as `redis_set_px` |
//! | message-loss | violated (20) | violated (26) | violated (111) | c1's `GET` finds its token, its `DEL` deletes the key and the answer is lost; c2 takes the lock; c1 sends `DEL` again, deletes c2's key and takes the lock for its second round while c2 holds it. `redis_set_px` holds here. `progress`: a horizon artifact of the extra round trips and resends |
//! | partition | holds | holds | holds | one round each, so no second acquisition for a stray `DEL` to enable |
//! | server-restart | violated (10) | violated (16) | holds | as `redis_set_px` |
//! | async-network | violated (10) | violated (16) | violated (14) | as `redis_set_px` |
//! | crowd-atomic | violated (27) | violated (32) | holds | as `redis_set_px`: the pause comes first |
//!
//! ## Endless contention: the race between `GET` and `DEL`, with no fault
//! Under endless-contention (endless rounds, delays of 1 or 2 ticks, TTL
//! 16, no fault) `mutual_exclusion` is violated (43) and `resource_safe`
//! (52), where `redis_set_px` holds: c1's key is set at tick 1 and expires
//! at 17; its critical section and the slow network bring its `GET` to
//! tick 13, which reads c1's token; at tick 17 the key expires, c2's `SET`
//! takes it, and c1's `DEL`, run just after, deletes c2's key; c1 starts
//! its next round and its `SET` succeeds at tick 19 while c2 holds the lock.
//! The script in the Redis documentation makes the check and the delete
//! one step, so the `DEL` cannot land on another client's key.
//! `progress` is violated (79), as for `redis_set_px`. `deadlock_free`
//! holds and `starvation_free` is violated (lasso 24+52, graph 20,543
//! states), as for `redis_set_px`: a client retrying after a refused `SET`
//! may find the key taken again every time. Each lost update would widen
//! the gap between the counter's value and its write count forever; the
//! checker forgets both once an update is lost (see `docs/properties.md`),
//! so the graph ends.
//!
//! Not pinned (the matrix checks it): under duplicates `progress` is
//! violated (81), a horizon artifact: a copy of c1's `SET` takes the key
//! while c1 heeds the "busy" answer to the other, so both wait for it to
//! expire, and the extra `GET` round trip leaves c2's release unfinished at
//! the horizon.
//!
//! Under crowd-8 (simulated, seed 0, 1000 runs) about 21% of runs violate
//! `mutual_exclusion`, against about 10% for `redis_set_px`.
//!
//! Liveness under fairness (pinned): `deadlock_free` and `starvation_free`
//! hold under holder-crash and async-network.

use crate::models::redis::{self, Acquire, Flavor, RedisFlavor, RedisLock, Release};
use crate::node::LockParams;
use crate::node::{Param, Variant};

pub struct GetDelRelease;

impl RedisFlavor for GetDelRelease {
    const VARIANTS: &'static [Variant] = &[Variant {
        id: "redis_get_del_release",
        summary: "redis_set_px released by GET, compare in the client, then DEL: two commands",
    }];

    const PARAMS: &'static [Param] = &[
        redis::TTL_TICKS,
        redis::RETRY_TICKS,
        redis::REQUEST_TIMEOUT_TICKS,
    ];

    fn flavor(_variant: &str, params: &LockParams) -> Result<Flavor, String> {
        let ttl_ticks = params.require(redis::TTL_TICKS.name)?;
        redis::common(params, Acquire::SetNxPx { ttl_ticks }, Release::GetThenDel)
    }
}

pub type RedisGetDelRelease = RedisLock<GetDelRelease>;
