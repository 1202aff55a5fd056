//! Redis `SETNX` then `EXPIRE`: the lease set by a second command.
//!
//! Source: the Redis documentation. The distributed-locks page ("Distributed
//! Locks with Redis") takes the lock with one command, `SET resource value
//! NX PX ttl`; the `NX` and `PX` options of `SET` date from Redis 2.6.12,
//! and the `SET` page says they can replace `SETNX` (whose own page keeps
//! a lock pattern, "Locking with `SETNX`", now discouraged in favour of
//! Redlock). Before them the lock was `SETNX` and a separate `EXPIRE`:
//!
//! ```python
//! if r.setnx(key, token):
//!     r.expire(key, ttl)
//!     return True
//! ```
//!
//! A client that dies, or whose `EXPIRE` never arrives, between the two
//! leaves a key without a timeout, which nothing ever removes.
//!
//! # Protocol
//! 1. The client sends `SETNX lock <token>`, `token` unique to this client
//!    and acquisition. On 0 it sleeps `retry_ticks` and asks again.
//! 2. On 1 it sends `EXPIRE lock ttl_ticks`, and on its answer (whatever it
//!    says: `SETNX` said the key is the client's) it holds the lock.
//!    `EXPIRE` gives a timeout to whatever key is there, whoever set it.
//! 3. The key expires `ttl_ticks` after the `EXPIRE` ran, on the server's
//!    wall clock (see `models/redis_server.rs`); until it runs, never.
//! 4. To release, the client runs compare-and-delete, as `redis_set_px`.
//!
//! # Expected weaknesses
//! - **Holder crash: deadlock.** A client that crashes after its `SETNX`
//!   and before its `EXPIRE` leaves a key with no timeout: as in
//!   `redis_setnx`, nobody ever gets the lock again. Safety holds there.
//! - Everything that breaks `redis_set_px` (a pause or a server clock jump
//!   past the TTL) breaks this too, a round trip later.
//! - **The lease runs before the client knows it holds the lock.** The
//!   timeout starts when `EXPIRE` runs; a client whose answer is lost and
//!   who sends `EXPIRE` again may learn that it holds the lock after the
//!   key has already expired and gone to another client, and its second
//!   `EXPIRE` then sets the other client's timeout.
//!
//! # Expected verdicts (`models/redis_setnx_expire.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from redis_setnx_expire.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `redis_setnx_expire` |
//! |---|---|
//! | no-faults | ok (live) |
//! | holder-crash | progress ✗, deadlock ✗, starvation ✗ |
//! | gc-pause | mutex ✗, resource ✗, progress ✗ (live) |
//! | clock-jump | mutex ✗, resource ✗ (live) |
//! | clock-drift | mutex ✗, resource ✗ (live) |
//! | message-loss | progress ✗, deadlock ✗, starvation ✗ |
//! | partition | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | server-restart | mutex ✗, resource ✗ (live) |
//! | async-network | mutex ✗, resource ✗, progress ✗ (live) |
//! | crowd-atomic | mutex ✗, resource ✗ (live) |
//! | duplicates | progress ✗, deadlock ✗, starvation ✗ |
//! | crowd-8 | mutex ✗, resource ✗, progress ✗ |
//! | endless-contention | progress ✗, starvation ✗ |
//! | long-work | mutex ✗, resource ✗ (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/redis_models.rs`)
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | the shortest acquisition takes 4 steps (`SETNX`, its answer, `EXPIRE`, its answer) |
//! | holder-crash | holds | holds | violated (54) | c1's `SETNX` sets the key and c1 crashes before it sends `EXPIRE`: the key never expires, and c2 is refused until the horizon |
//! | gc-pause | violated (24) | violated (30) | violated (62) | as `redis_set_px`, a round trip later; `progress`: c2 pauses 10 ticks while acquiring, and the extra `EXPIRE` round trip leaves its release unfinished at the horizon (32), a horizon artifact |
//! | clock-jump | violated (9) | violated (15) | holds | as `redis_set_px`: the server's clock jumps past the timeout |
//! | clock-drift | violated (17) | violated (21) | holds | as `redis_set_px` |
//! | message-loss | holds | holds | violated (101) | the answer to c2's successful `SETNX` is lost; c2 sends it again and is refused by its own key, so it never sends `EXPIRE`, and its key never expires: both spin until the horizon, as in `redis_setnx` |
//! | partition | violated (26) | violated (32) | violated (70) | c1's `EXPIRE` runs at tick 1 and its answer is lost to the partition; c1 sends `EXPIRE` again until the partition heals at tick 9, by when its key has expired and c2 has taken the lock; c1's late `EXPIRE` succeeds on c2's key and c1, told by its `SETNX` long ago that the key was its own, holds the lock beside c2. `progress`: a stranded key as under message-loss |
//! | server-restart | violated (14) | violated (20) | holds | as `redis_set_px` |
//! | async-network | violated (14) | violated (20) | violated (14) | as `redis_set_px` |
//! | crowd-atomic | violated (29) | violated (34) | holds | as `redis_set_px` |
//!
//! Not pinned (the matrix checks them): under duplicates `progress` is
//! violated (68): a copy of c2's refused `SETNX` arrives after c1 released
//! and sets c2's token with no timeout; c2 took the first answer ("busy")
//! and ignores the second, so the key stays forever, the bug `redis_setnx`
//! has with a lost reply. Under endless-contention `progress` is violated
//! (79) and `starvation_free` (lasso 24+52) as for `redis_set_px`.
//! Under crowd-8 (simulated, seed 0, 1000 runs) `progress` is violated
//! in about 10% of runs, by keys stranded without a timeout as above;
//! `redis_set_px` makes progress in every run.
//!
//! Liveness under fairness (pinned): under holder-crash `deadlock_free` and
//! `starvation_free` are violated (lasso 24+7): c1 crashes between `SETNX`
//! and `EXPIRE`, and from step 24 on, forever, c2 asks and is refused.
//! Under async-network both hold (the bounded `progress` violation is a
//! horizon artifact). Under partition (lasso 22+10), message-loss (22+27)
//! and duplicates (24+10) both are violated without a crash, as for
//! `redis_setnx`: the answer to c1's `SETNX` is lost (or overtaken by its
//! duplicate's refusal), so c1 never sends its `EXPIRE`, and the key it
//! does not know it owns refuses both clients forever.

use crate::models::redis::{self, Acquire, Flavor, RedisFlavor, RedisLock, Release};
use crate::node::LockParams;
use crate::node::{Param, Variant};

pub struct SetnxExpire;

impl RedisFlavor for SetnxExpire {
    const VARIANTS: &'static [Variant] = &[Variant {
        id: "redis_setnx_expire",
        summary: "Redis SETNX with a token, then EXPIRE as a second command; compare-and-delete release",
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
            Acquire::SetNxThenExpire { ttl_ticks },
            Release::DelIfValue,
        )
    }
}

pub type RedisSetnxExpire = RedisLock<SetnxExpire>;
