//! Redis `SETNX` spin lock, released by `DEL`: no expiry, no owner check.
//!
//! Source: article A, section 4.3 (filed under "message queue" there, but the
//! code is Redis):
//!
//! ```python
//! def acquire_lock(lock_key):
//!     while redis.setnx(lock_key, 1) == 0:
//!         sleep(1)
//! def release_lock(lock_key):
//!     redis.delete(lock_key)
//! ```
//!
//! No time is read: the key never expires, and the client's `sleep(1)` is a
//! timer, on its monotonic clock, so clock jumps and skew change nothing.
//!
//! # Protocol
//! 1. The client sends `SETNX lock 1`. On 1 it holds the lock; on 0 it sleeps
//!    `retry_ticks` and asks again.
//! 2. To release it sends `DEL lock`.
//!
//! # Expected weaknesses
//! - **Holder crash: deadlock.** Nothing ever deletes a dead holder's key, so
//!   the others spin until the horizon: `progress` is violated, while
//!   `mutual_exclusion` and `resource_safe` hold (no one else ever gets in).
//! - **Lost reply: deadlock.** If the reply to a successful `SETNX` is lost and
//!   the client asks again, it is told 0 by its own key and spins forever.
//! - **Pauses and clocks cannot break safety:** no lease, so a paused holder
//!   still holds the lock when it wakes. The price is the deadlock above.
//! - **Server restart** without persistence forgets the key and lets a second
//!   client in. A fenced variant would need a token, which `SETNX key 1` does
//!   not have, so there is none.
//!
//! # Expected verdicts (`models/redis_setnx.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from redis_setnx.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `redis_setnx` |
//! |---|---|
//! | no-faults | ok (live) |
//! | holder-crash | progress ✗, deadlock ✗, starvation ✗ |
//! | gc-pause | ok (live) |
//! | clock-jump | ok (live) |
//! | clock-drift | ok (live) |
//! | message-loss | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
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
//! | holder-crash | holds | holds | violated (54) | the dead holder's key never goes away; the other client spins until the horizon |
//! | gc-pause | holds | holds | holds | no lease: a paused holder still holds the lock when it wakes |
//! | clock-jump | holds | holds | holds | no lease, so no clock is consulted |
//! | message-loss | violated (18) | violated (24) | violated (97) | a lost `DEL` reply makes the client `DEL` again, deleting the next holder's key; a lost `SETNX` reply makes a client ask again and be refused by its own key forever |
//! | clock-drift | holds | holds | holds | no lease, so no clock is consulted |
//! | partition | holds | holds | violated (68) | a reply lost to the partition strands the key as above |
//! | server-restart | violated (10) | violated (16) | holds | Redis persists nothing: the restarted server has forgotten the key and grants it again |
//! | async-network | holds | holds | violated (14) | a message may take until the horizon: no lock makes progress over a network that promises nothing |
//! | crowd-atomic | holds | holds | holds | three clients, two rounds, a pause: a paused holder keeps the lock |
//!
//! ## Liveness under fairness (pinned in `tests/suite/redis_models.rs` and `tests/suite/liveness.rs`)
//! | scenario | deadlock_free | starvation_free | why |
//! |---|---|---|---|
//! | holder-crash | violated (lasso 24+7) | violated (lasso 24+7) | c1's `SETNX` sets the key and c1 crashes before the answer arrives; from step 24 on, forever, c2 sends `SETNX`, is refused, sleeps `retry_ticks` and asks again. The bounded `progress` violation is real |
//! | async-network | holds | holds | the bounded `progress` violation (14) is a horizon artifact: under fairness every message is eventually delivered, and with no fault the holder always releases |
//! | endless-contention | holds | violated (lasso 20+46) | endless rounds, no fault: c2 asks while c1 holds the key, sleeps, and asks again just after c1 took it again, forever; someone always acquires, so no deadlock |
//!
//! | partition | violated (lasso 22+10) | violated (22+10) | no crash needed: the answer to c1's successful `SETNX` is lost to the partition; c1 times out, and from then on both clients are refused by c1's key forever (c1 does not know the key is its own). The bounded `progress` violation is this deadlock |
//! | message-loss | violated (lasso 22+27) | violated (22+27) | the same, with the reply lost |
//! | duplicates | violated (lasso 24+10) | violated (24+10) | c1's `SETNX` is duplicated; the copy's refusal (the key is set, by the first copy) arrives first, and c1 takes it for its answer: both clients are refused by c1's key forever |
//!
//! Every other scenario the model runs under is live. The model keeps no
//! time, and the harness renumbers its request ids for the liveness
//! checker (`models/redis.rs`).

use crate::models::redis::{self, Acquire, Flavor, RedisFlavor, RedisLock, Release};
use crate::node::LockParams;
use crate::node::{Param, Variant};

pub struct Setnx;

impl RedisFlavor for Setnx {
    const VARIANTS: &'static [Variant] = &[Variant {
        id: "redis_setnx",
        summary: "Redis SETNX spin lock released by DEL (article A §4.3): no TTL, no owner check",
    }];

    const PARAMS: &'static [Param] = &[redis::RETRY_TICKS, redis::REQUEST_TIMEOUT_TICKS];

    fn flavor(_variant: &str, params: &LockParams) -> Result<Flavor, String> {
        redis::common(params, Acquire::SetNx, Release::Del)
    }
}

pub type RedisSetnx = RedisLock<Setnx>;
