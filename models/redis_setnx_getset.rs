//! Redis `SETNX lock <expiry time>`, with `GETSET` to take over an expired
//! lock: the lease judged by the clients' clocks.
//!
//! Source: the Redis documentation of `SETNX`, "Design pattern: Locking
//! with `SETNX`" and its section "Handling deadlocks" (kept on the page,
//! and discouraged there, "because certain existing implementations link to
//! this page as a reference"; ServiceStack.Redis's `RedisLock` and many
//! older libraries follow it):
//!
//! ```text
//! SETNX lock.foo <current Unix time + lock timeout + 1>
//! # on 0:
//! GET lock.foo               # expired if the timestamp is <= the current Unix time
//! GETSET lock.foo <current Unix time + lock timeout + 1>
//! # acquired if the old value GETSET returns is still an expired timestamp
//! # release: check the timeout didn't expire, then DEL lock.foo
//! ```
//!
//! The key itself never expires: the expiry is a number the clients write
//! and judge, each on its own wall clock. The page warns that this needs the
//! clients' clocks to agree.
//!
//! # Protocol
//! 1. The client sends `SETNX lock <stamp>`, the stamp being its wall clock
//!    plus `ttl_ticks + 1`, as the page writes it. On 1 it holds the lock
//!    until its stamp.
//! 2. On 0 it sends `GET lock`. If the stamp read has come on its own clock
//!    the lock has expired: it sends `GETSET lock <new stamp>`. If not, it
//!    sleeps `retry_ticks` and goes back to 1. A key gone since the `SETNX`
//!    sends it back to 1 at once.
//! 3. `GETSET` answers the value it replaced. If that stamp had come too
//!    (or the key was gone), no other client took the lock over first, and
//!    the client holds it. Otherwise another client's `GETSET` came first;
//!    this one only moved that client's stamp later, and the client sleeps.
//! 4. To release, the client sends `DEL lock` if its own stamp has not come
//!    on its clock; past its stamp it leaves the key alone, since another
//!    client may have taken it over.
//!
//! Clients read their wall clocks; the server's clock plays no part (the key
//! has no timeout). Retries and request timeouts are timers, as in the rest
//! of the family (`models/redis.rs`).
//!
//! # Expected weaknesses
//! - **Clients' clocks.** A client whose clock runs ahead sees the holder's
//!   stamp come early and takes the lock over while the holder still holds
//!   it (`client-clock-skew`).
//! - **A lease like any other.** A holder paused past its stamp, or working
//!   past it, is taken over and still writes.
//! - **The `DEL` after the check.** The release checks the client's clock
//!   and then deletes whatever key is there; the `DEL` can arrive after the
//!   stamp passed and another client took the lock over, and deletes that
//!   client's lock, letting a third in.
//! - **Server restart** forgets the key, as for every Redis lock here.
//! - **What it fixes.** A crashed holder's key is taken over once its stamp
//!   has passed, unlike `redis_setnx`; a lost reply is recovered the same
//!   way. The server's clock is never read, so a server clock jump or drift
//!   changes nothing.
//!
//! # Expected verdicts (`models/redis_setnx_getset.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from redis_setnx_getset.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `redis_setnx_getset` |
//! |---|---|
//! | no-faults | ok (live) |
//! | holder-crash | ok (live) |
//! | gc-pause | mutex ✗, resource ✗ (live) |
//! | clock-jump | ok (live) |
//! | clock-drift | ok |
//! | message-loss | mutex ✗, resource ✗, progress ✗ (live) (liveness graph limit 8M) |
//! | partition | mutex ✗, resource ✗ (live) |
//! | server-restart | mutex ✗, resource ✗ (live) |
//! | async-network | mutex ✗, resource ✗, progress ✗ |
//! | crowd-atomic | mutex ✗, resource ✗ (live) (liveness graph limit 12M) |
//! | duplicates | progress ✗ (live) |
//! | client-clock-skew | mutex ✗, resource ✗ (live) |
//! | crowd-8 | mutex ✗, resource ✗, progress ? |
//! | endless-contention | progress ✗, starvation ✗ |
//! | long-work | mutex ✗, resource ✗ (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/redis_models.rs`)
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | a stamp is written once and read by one clock |
//! | holder-crash | holds | holds | holds | c1 crashes holding; once its stamp has come, c2's `GET` sees it and `GETSET` takes the lock over: the deadlock `redis_setnx` and `redis_setnx_expire` keep forever is gone, and the liveness properties hold |
//! | gc-pause | violated (24) | violated (30) | holds | c1 holds and pauses; at its stamp (tick 9) c2's `GET` sees it come and `GETSET` takes the lock while c1 still believes it holds it |
//! | clock-jump | holds | holds | holds | the jump is on the server's clock, which this lock never reads |
//! | clock-drift | holds | holds | holds | the drift is on the server's clock too; the liveness checker cannot search drift with times in messages, so liveness is not claimed |
//! | message-loss | violated (18) | violated (24) | violated (116) | c1's `DEL` deletes the key and its answer is lost; c2's `SETNX` sets the key, and c1, timing out, sends `DEL` again (its own stamp has not come) and deletes c2's lock: c1 takes the lock anew beside c2. `progress`: each lost answer is recovered by waiting out a whole stamp, and the clients are not done by the horizon (tick 46), a horizon artifact |
//! | partition | violated (23) | violated (29) | holds | c1's `SETNX` is held up by the partition; its stamp was computed when it was sent, so it is nearly spent when the key is set, and c2 takes the lock over at the stamp while c1 has just been told the key is its own |
//! | server-restart | violated (10) | violated (16) | holds | the server forgets the key, as for every Redis lock here |
//! | async-network | violated (15) | violated (21) | violated (14) | c2's `GET` answer arrives at c1's stamp, with c1 still holding, and `GETSET` takes the lock; `progress`: nothing is delivered before the horizon, as for the whole family |
//! | crowd-atomic | violated (39) | violated (44) | holds | c3 holds and pauses; c2, retrying, sees c3's stamp come and takes the lock over |
//! | duplicates | holds | holds | violated (86) | the copy of a `SETNX` that set c2's key answers "busy" first; c2 goes on to `GET`, sees its own unexpired stamp and waits it out: the clients are late, not stuck, and the liveness properties hold |
//! | endless-contention | holds | holds | violated (78) | as `redis_set_px`: one client can lose every race (`starvation_free` violated, lasso 19+64), though someone always gets the lock (`deadlock_free` holds) |
//! | long-work | violated (24) | violated (41) | holds | the holder works past its stamp and c2 takes the lock over, as any lease without renewal |
//! | client-clock-skew | violated (20) | violated (24) | holds | c2's clock runs 4 ticks ahead of c1's and sees c1's stamp come early: the page's own warning about the clients' clocks |
//!
//! Under message-loss the liveness checker confirms that the `progress`
//! violation is slowness: with fairness both `deadlock_free` and
//! `starvation_free` hold (a liveness graph of 6,486,942 states, about
//! 30 s and 0.8 GB, past the 5 million states a search may have by
//! default, so the entry gives it a limit of its own,
//! `"liveness_states_max"`). A client that lost an answer waits out a
//! stamp, which always comes. Under crowd-atomic (three clients, two
//! rounds, a pause of up to 10 ticks) both hold as well (a liveness graph
//! of 10,054,462 states, about 45 s): a paused holder's stamp runs out and
//! the next `GETSET` takes the lock over, so someone always gets in and no
//! waiter waits forever.
//!
//! Under crowd-8 (simulated) mutual exclusion and the resource are violated
//! as under crowd-atomic; whether every client gets the lock in time is
//! out of the search's reach.

use crate::models::redis::{self, Acquire, Flavor, RedisFlavor, RedisLock, Release};
use crate::node::LockParams;
use crate::node::{Param, Variant};

pub struct SetnxGetset;

impl RedisFlavor for SetnxGetset {
    const VARIANTS: &'static [Variant] = &[Variant {
        id: "redis_setnx_getset",
        summary: "Redis SETNX of an expiry time judged by the clients' clocks, GETSET to take over an expired lock, DEL if not yet expired",
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
            Acquire::SetNxStamp { ttl_ticks },
            Release::DelBeforeOwnStamp,
        )
    }
}

pub type RedisSetnxGetset = RedisLock<SetnxGetset>;
