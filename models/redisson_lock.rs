//! Redisson's `RLock` taken without a lease time, so that its watchdog keeps
//! the key alive while the holder runs, and `RFencedLock`, the same lock
//! handing out a fencing token.
//!
//! Source: Redisson (`redisson/redisson`), `RedissonLock.java`,
//! `RedissonBaseLock.java` and `RedissonFencedLock.java` (3.x).
//! `lock()` without a lease time runs `tryLockInnerAsync` with
//! `internalLockLeaseTime = lockWatchdogTimeout` (30 s by default): a
//! script that, if the key does not exist, writes the holder's field
//! (`<client uuid>:<thread id>`) and sets `PEXPIRE key leaseTime`. On
//! success `scheduleExpirationRenewal` starts the watchdog:
//! `renewExpiration` schedules a task `internalLockLeaseTime / 3` later
//! that runs `if HEXISTS key <holder> then PEXPIRE key leaseTime; return 1
//! end; return 0`, and reschedules itself when the answer is 1; on 0 it
//! cancels the renewal, and on an error it logs "Can't update lock
//! expiration" and stops. `unlock()` runs the unlock script (delete the key
//! if the holder's field is there) and cancels the renewal. The holder is
//! never told that a renewal failed. `RFencedLock` increments a counter in
//! the same script that takes the key and returns it as the token, which
//! "should be checked ... by the service guarded by this lock".
//!
//! This is the lock that people take when they read that a TTL can run out
//! under a long critical section: the watchdog renews it for as long as the
//! process is alive. It is modeled to show what the watchdog does and does
//! not buy.
//!
//! # Protocol
//! 1. The client sends `SET lock <value> NX PX ttl_ticks` (the acquisition
//!    script), `value` unique to this client and acquisition; the fenced
//!    variant's script also increments the fencing counter and the value is
//!    the counter. On OK it holds the lock; otherwise it sleeps
//!    `retry_ticks` and asks again (Redisson waits on a pub/sub message or
//!    the key's remaining TTL, whichever comes first; a sleep of
//!    `retry_ticks` is the same wait with a fixed bound).
//! 2. While it holds the lock, its watchdog sends `PEXPIRE lock ttl_ticks
//!    IF value == <value>` every `ttl_ticks / 3` ticks (at least 1) after
//!    the previous renewal was answered, on the client's monotonic clock. A
//!    refused renewal stops the watchdog.
//! 3. To release, the client cancels the watchdog and runs
//!    compare-and-delete on its value.
//!
//! Simplified: Redisson's holder field names the client's process and
//! thread and counts re-entries, the same for all of a thread's
//! acquisitions; here the value is unique per acquisition and there is no
//! re-entry. A renewal rides the client's one connection: a release sent
//! while a renewal is on its way replaces it as the outstanding request,
//! and an answer to it is ignored, as a cancelled renewal's is. Redisson
//! gives up on a renewal after its retry attempts; with
//! `params.request_timeout_ticks` this client resends it until it is
//! answered.
//!
//! # Expected weaknesses
//! - **A process pause** stops the watchdog with the rest of the process
//!   (it is a timer thread of the same JVM): a pause past the TTL lets the
//!   key expire under the holder, exactly as for `redis_set_px`. The
//!   watchdog protects a long critical section of a live, connected
//!   process, not a paused one.
//! - **A server clock jump** forward expires the key at once, renewed or
//!   not.
//! - **A renewal that is lost or cut off** by a partition stops the
//!   watchdog (nobody answers it), and the key expires a TTL after the
//!   last renewal.
//! - **Holder crash** is survived: a dead process renews nothing.
//!
//! # Expected verdicts (`models/redisson_lock.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from redisson_lock.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `redisson_lock` | `redisson_fenced_lock` |
//! |---|---|---|
//! | no-faults | ok (live) | ok (live) |
//! | holder-crash | ok (live) | ok (live) |
//! | gc-pause | mutex ✗, resource ✗ (live) | mutex ✗ (live) |
//! | clock-jump | mutex ✗, resource ✗ (live) | mutex ✗ (live) |
//! | clock-drift | mutex ✗, resource ✗ (live) | mutex ✗ (live) |
//! | message-loss | ok (live) | ok (live) |
//! | partition | ok (live) | ok (live) |
//! | server-restart | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! | async-network | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ?, progress ✗ (live) (state limit 1M) |
//! | crowd-atomic | mutex ✗, resource ✗ (live) | mutex ✗ (live) |
//! | duplicates | ok (live) | ok (live) |
//! | crowd-8 | mutex ✗, resource ✗ | mutex ✗ |
//! | endless-contention | progress ✗, starvation ✗ | progress ✗, starvation ✗ |
//! | long-work | ok (live) | ok (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/redis_models.rs`)
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | |
//! | holder-crash | holds | holds | holds | a dead holder renews nothing: its key expires a TTL after the last renewal |
//! | gc-pause | violated (20) | violated (26); fenced: holds | holds | c1 takes the lock and pauses for 10 ticks: its watchdog pauses with it, the key expires after 8, c2 takes it, and c1 wakes holding it too. The same 20 steps as `redis_set_px`: the watchdog does nothing for a paused process |
//! | clock-jump | violated (5) | violated (11); fenced: holds | holds | the server's clock jumps 10 ticks forward and the key expires at once, renewed or not, as for `redis_set_px` |
//! | clock-drift | violated (14) | violated (18); fenced: holds | holds | the server's clock runs 50% fast, so its 6-tick lease lasts 4 real ticks. c1 learns it holds the key a tick after it was set, its watchdog fires 2 ticks later, and the renewal takes a tick to arrive: c2's `SET`, in the same tick, finds the key gone. One step longer than `redis_set_px` (13), not prevented: a renewal every TTL/3 leaves no margin for a fast server clock and a slow network |
//! | message-loss | holds | holds | holds | a lost renewal is sent again after the request timeout (3 ticks), and a critical section of a few ticks ends within the TTL anyway |
//! | partition | holds | holds | holds | likewise for a renewal cut off: the holder's key outlives its critical section |
//! | server-restart | violated (10) | violated (16), fenced too | holds | a restarted Redis has forgotten the key and the fencing counter, as for every single-instance lock |
//! | async-network | violated (10) | violated (16); fenced: inconclusive (the search stops at 1 M states) | violated (14) | the answer to c1's `SET` takes longer than the TTL: the key is gone before c1 knows it has it, so there is nothing for its watchdog to renew. `progress` is a horizon artifact; both liveness properties hold |
//! | crowd-atomic | violated (27) | violated (32); fenced: holds | holds | a pause, as under gc-pause |
//! | duplicates | holds | holds | holds | |
//! | long-work | holds | holds | holds | each holder works 10 ticks, past the 8-tick TTL: the watchdog renews the key every 2 ticks and nobody else gets it. `redis_set_px` is violated here (20 steps), with no fault at all |
//!
//! Liveness under fairness (pinned): `deadlock_free` and
//! `starvation_free` hold under holder-crash and async-network, fenced or
//! not, and under gc-pause (the unfenced graph has 2,662,379 states): a
//! paused holder's key expires, since its
//! watchdog pauses with it, and a waiter takes it. They hold under
//! message-loss as well (graphs of 2,380,614 states, 2,377,892 fenced;
//! about 10 s each; the comparison checks them): a lost request
//! or renewal is sent again after the request timeout, and a key whose
//! holder lost every renewal expires. Under endless-contention (endless rounds, no fault; not pinned, the
//! matrix checks it) `progress` is violated (84) and `starvation_free`
//! too, as for `redis_set_px`, and so for the fenced variant (lasso
//! 32+48, entered at the second grant, see `redis_set_px`).

use crate::models::redis::{self, Acquire, Flavor, RedisFlavor, RedisLock, Release, Watchdog};
use crate::node::LockParams;
use crate::node::{Param, Variant};

pub struct Redisson;

impl RedisFlavor for Redisson {
    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "redisson_lock",
            summary: "Redisson RLock with its watchdog: SET NX PX, renewed every TTL/3 while held; compare-and-delete release",
        },
        Variant {
            id: "redisson_fenced_lock",
            summary: "Redisson RFencedLock: the watchdog lock whose token is a counter the resource fences on",
        },
    ];

    const PARAMS: &'static [Param] = &[
        redis::TTL_TICKS,
        redis::RETRY_TICKS,
        redis::REQUEST_TIMEOUT_TICKS,
    ];

    fn flavor(variant: &str, params: &LockParams) -> Result<Flavor, String> {
        let ttl_ticks: u32 = params.require(redis::TTL_TICKS.name)?;
        let acquire = match variant {
            "redisson_fenced_lock" => Acquire::SetNxPxFenced { ttl_ticks },
            _ => Acquire::SetNxPx { ttl_ticks },
        };
        let mut flavor = redis::common(params, acquire, Release::DelIfValue)?;
        // `internalLockLeaseTime / 3`.
        flavor.watchdog = Some(Watchdog {
            every_ticks: (ttl_ticks / 3).max(1),
            ttl_ticks,
        });
        Ok(flavor)
    }
}

pub type RedissonLock = RedisLock<Redisson>;
