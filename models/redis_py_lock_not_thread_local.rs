//! redis-py's `Lock` shared by threads, built with `thread_local=False`:
//! the token lives in a plain attribute that every thread reads and writes.
//!
//! Source: redis-py, `redis/lock.py`. `Lock.__init__` keeps the token in
//! `self.local = threading.local() if self.thread_local else
//! SimpleNamespace()`. `acquire()` draws a fresh token and, once `SET name
//! token NX PX timeout` succeeds, stores it: `self.local.token = token`.
//! `release()` reads `expected_token = self.local.token`, raises
//! `LockError("Cannot release an unlocked lock")` if it is `None`, sets it
//! to `None`, and runs `LUA_RELEASE_SCRIPT`, compare-and-delete on that
//! token. The `thread_local` docstring gives this very timeline: thread 1
//! takes the lock with token "abc" and outlives its timeout; the key
//! expires; thread 2 takes it through the same object and stores "xyz";
//! thread 1's `release()` then reads "xyz" and deletes thread 2's lock.
//!
//! # Protocol
//! Every client is a thread of one process, and the lock object is shared:
//! the harness gives the clients one cell of memory
//! ([`crate::node::Ctx::process_nonce`]).
//! 1. The client sends `SET lock <token> NX PX ttl_ticks`, `token` fresh
//!    for this client and acquisition. On OK it stores `token` in the
//!    shared cell and holds the lock; otherwise it sleeps `retry_ticks` and
//!    asks again.
//! 2. The key expires `ttl_ticks` after it was set, on the server's wall
//!    clock.
//! 3. To release, the client takes the token from the shared cell, empties
//!    the cell, and sends compare-and-delete on that token, whichever
//!    thread stored it. If the cell is empty it raises, sends nothing, and
//!    its critical section is over: its key, if it still has one, is left
//!    to expire.
//!
//! A pause of a client is a thread blocked (a long call, a lock in the
//! interpreter); a crash is one thread's death, which the shared cell
//! outlives.
//!
//! # Expected weaknesses
//! - Everything that breaks `redis_set_px` (a holder outliving its TTL)
//!   breaks this too.
//! - **Releasing with another thread's token:** once a holder has
//!   outlived its TTL and another thread has taken the key, the first
//!   holder's release deletes the second's key: the comparison passes,
//!   because the token it compares is the second's. A third acquisition
//!   then overlaps the second, even when the first holder has stopped
//!   writing. `redis_set_px`, the same commands with the token kept per
//!   thread, deletes nothing there.
//!
//! # Expected verdicts (`models/redis_py_lock_not_thread_local.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from redis_py_lock_not_thread_local.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `redis_py_lock_not_thread_local` |
//! |---|---|
//! | no-faults | ok (live) |
//! | holder-crash | ok (live) |
//! | gc-pause | mutex ✗, resource ✗ (live) |
//! | clock-jump | mutex ✗, resource ✗ (live) |
//! | clock-drift | mutex ✗, resource ✗ (live) |
//! | message-loss | ok (live) |
//! | partition | ok (live) |
//! | server-restart | mutex ✗, resource ✗ (live) |
//! | async-network | mutex ✗, resource ✗, progress ✗ (live) |
//! | crowd-atomic | mutex ✗, resource ✗ (live) |
//! | duplicates | ok (live) |
//! | crowd-8 | mutex ✗, resource ✗ |
//! | endless-contention | progress ✗, starvation ✗ |
//! | long-work | mutex ✗, resource ✗ (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/redis_models.rs`)
//! Every verdict, and every shortest counterexample's length, is
//! `redis_set_px`'s: the shared token does harm only once a holder has
//! outlived its key, and that overlap is already the shortest way to break
//! mutual exclusion (the late holder still believes it holds when the next
//! one takes the key). What the shared token adds comes after it, so no
//! column of the matrix tells the two forms apart; the test
//! `a_shared_lock_object_releases_with_another_threads_token` shows the
//! difference instead: under gc-pause a release carrying another client's
//! token is reachable here and never for `redis_set_px`.
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | each thread stores its token and the next `SET` waits for the release that clears it: the token read at release is the releaser's own |
//! | holder-crash | holds | holds | holds | the dead thread's key expires; the token it stored stays in the object and the next acquirer's `SET` overwrites it before anyone reads it |
//! | gc-pause | violated (20) | violated (26) | holds | c1 holds and pauses past the TTL; c2 takes the key and stores its token: both hold. After that c1's release deletes c2's key with c2's own token |
//! | clock-jump | violated (5) | violated (11) | holds | as `redis_set_px`: the server's clock jumps past the key's expiry |
//! | clock-drift | violated (13) | violated (17) | holds | as `redis_set_px` |
//! | message-loss | holds | holds | holds | as `redis_set_px`: a lost answer costs retries, and no holder outlives its key |
//! | partition | holds | holds | holds | as `redis_set_px` |
//! | server-restart | violated (10) | violated (16) | holds | a restarted Redis has forgotten the key (no persistence) |
//! | async-network | violated (10) | violated (16) | violated (14) | as `redis_set_px`; `progress` is a horizon artifact, the liveness properties hold |
//! | crowd-atomic | violated (27) | violated (32) | holds | as `redis_set_px`: the pause comes first |
//! | duplicates | holds | holds | holds | a copy of a `SET` that lands later is refused by the key it set |
//! | long-work | violated (20) | violated (39) | holds | the critical section outlasts the TTL with no fault; c2 takes the key while c1 works |
//!
//! Liveness under fairness (pinned): `deadlock_free` and `starvation_free`
//! hold wherever they are checked, but under endless-contention (endless
//! rounds, no fault), where `deadlock_free` holds and `starvation_free` is
//! violated (lasso 20+46) and bounded `progress` too (78), as for
//! `redis_set_px`: a client can lose every race for the key. A release that
//! finds the object's token gone (another thread's release cleared it)
//! raises and sends nothing; its key, if it still has one, expires, so no
//! thread waits forever on it.
//!
//! Under crowd-8 (simulated, seed 0, 1000 runs) `mutual_exclusion` is
//! violated in 10.2% of runs, as for `redis_set_px` (the first overlap is
//! the same one), and `resource_safe` in 6.2% against 5.0%: the deleted
//! key lets one more client in while the late holder's write is still on
//! its way.

use crate::models::redis::{self, Acquire, Flavor, RedisFlavor, RedisLock, Release};
use crate::node::LockParams;
use crate::node::{Param, Variant};

pub struct NotThreadLocal;

impl RedisFlavor for NotThreadLocal {
    const VARIANTS: &'static [Variant] = &[Variant {
        id: "redis_py_lock_not_thread_local",
        summary: "redis-py Lock shared by threads with thread_local=False: release uses the token the last acquirer stored",
    }];

    const PARAMS: &'static [Param] = &[
        redis::TTL_TICKS,
        redis::RETRY_TICKS,
        redis::REQUEST_TIMEOUT_TICKS,
    ];

    fn flavor(_variant: &str, params: &LockParams) -> Result<Flavor, String> {
        let ttl_ticks = params.require(redis::TTL_TICKS.name)?;
        redis::common(
            params,
            Acquire::SetNxPx { ttl_ticks },
            Release::DelIfSharedValue,
        )
    }
}

pub type RedisPyLockNotThreadLocal = RedisLock<NotThreadLocal>;
