//! A lock row keyed by the lock's name in a relational database, with no
//! expiry (`db_lock_unique`): an `INSERT` wins, a duplicate key means busy,
//! and the owner's `DELETE` releases.
//!
//! Source: article A, section 3.2 (insert a unique lock record; if the
//! insert fails, wait and try again; delete the record to release), with
//! one key per lock rather than the section 4.2 snippet's one per node
//! (`db_lock_seed`).
//!
//! The database, the client's statements and their request ids and
//! timeouts are the family's: `models/db_lock.rs`.
//!
//! # Protocol
//! `db_lock_unique`, section 3.2 with one key per lock:
//! 1. `INSERT INTO lock (name, owner) VALUES ('lock', :me)`, with `me`
//!    unique to this client and acquisition (`c1#2`). Inserted: the client
//!    holds the lock. `IntegrityError`: busy; sleep and try again.
//! 2. Release: `DELETE FROM lock WHERE name = 'lock' AND owner = :me`, only
//!    its own row, as the article's release deletes only `WHERE node = :me`.
//!
//! # Expected weaknesses
//! - **No expiry** (`db_lock_unique`): the primary key excludes correctly and
//!   the owner-checked `DELETE` makes a repeated release harmless, but a dead
//!   holder's row stays forever, and so does a row whose `INSERT` answer was
//!   lost (the resend is refused by the client's own row).
//!
//! # Expected verdicts (`models/db_lock_unique.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from db_lock_unique.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `db_lock_unique` |
//! |---|---|
//! | no-faults | ok (live) |
//! | holder-crash | progress ✗, deadlock ✗, starvation ✗ |
//! | gc-pause | ok (live) |
//! | clock-jump | ok (live) |
//! | clock-drift | ok (live) |
//! | message-loss | progress ✗, deadlock ✗, starvation ✗ |
//! | partition | progress ✗, deadlock ✗, starvation ✗ |
//! | server-restart | ok (live) |
//! | async-network | progress ✗ (live) |
//! | crowd-atomic | ok (live) |
//! | duplicates | progress ✗, deadlock ✗, starvation ✗ |
//! | client-clock-skew | ok (live) |
//! | endless-contention | progress ✗, starvation ✗ |
//! | long-work | ok (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/db_lock_models.rs`)
//! Lengths are the steps of the shortest counterexample; `client-clock-skew`
//! is this family's own scenario.
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | the primary key admits one `INSERT` |
//! | holder-crash | holds | holds | violated (54) | c1 crashes after its `INSERT` committed; nothing deletes the row and c2 is refused until the horizon |
//! | gc-pause | holds | holds | holds | no expiry: a paused holder still holds the lock when it wakes |
//! | clock-jump | holds | holds | holds | no clock is read |
//! | clock-drift | holds | holds | holds | no clock is read |
//! | message-loss | holds | holds | violated (97) | the answer to c2's successful `INSERT` is lost; the resend is refused by c2's own row, forever. A repeated `DELETE` is harmless: it names its owner (`file_lock_exclusive` breaks here) |
//! | partition | holds | holds | violated (68) | the database is cut off just after committing c2's `INSERT`; c2's resends are refused by its own row |
//! | server-restart | holds | holds | holds | committed rows survive; a statement lost in the crash had not run, and an answer already sent is still delivered |
//! | async-network | holds | holds | violated (14) | a message may take until the horizon |
//! | crowd-atomic | holds | holds | holds | a paused holder keeps the lock; nobody waits past the horizon |
//! | client-clock-skew | holds | holds | holds | no clock is read |
//! | duplicates | holds | holds | violated (66) | c2's `INSERT` is duplicated and runs twice; the second copy's `IntegrityError` arrives first, so c2 sleeps and is refused by its own row forever. Matched by connection, c2 had taken that repeated answer for its `DELETE`'s result and never finished releasing |
//!
//! # Liveness (`deadlock_free`, `starvation_free`; pinned in `tests/suite/db_lock_models.rs` and `tests/suite/liveness.rs`)
//! Under holder-crash, with fairness and no horizon, `deadlock_free` and
//! `starvation_free` are violated (lasso 24+7, a liveness graph of 7,960
//! states): c1's `INSERT` commits and c1 crashes. The loop: c2's `INSERT`,
//! its `IntegrityError`, the retry sleep, time passing, forever. The bounded
//! `progress` violation is a real deadlock, not a horizon that came too
//! soon.
//!
//! Without a crash, it deadlocks wherever the answer to a committed
//! `INSERT` can go astray: under partition (lasso 22+10) and message-loss
//! (22+27) it is lost, and under duplicates (24+10) the duplicate's
//! `IntegrityError` overtakes it; the client's own row then refuses it and
//! the other client forever (the bounded `progress` violations of those
//! columns are this deadlock). Under every other scenario it is asked it
//! is live, clock-drift included: it reads no clock.
//!
//! Under endless-contention (two clients that ask again as soon as they
//! release, no faults) nobody deadlocks, but a client can starve: the
//! database keeps no line of waiters, and whenever the row is free the
//! other client's `INSERT` may come first, forever, while the lock keeps
//! being handed out. `deadlock_free` holds and `starvation_free` is
//! violated (lasso 20+46, graph 1,771 states); the bounded `progress`
//! violation (78 steps) is the same race.

use crate::models::db_lock::{DbFlavor, DbLock, Scheme};
use crate::models::redis;
use crate::node::{LockParams, Param, Variant};

/// `db_lock_unique`: no expiry, so no TTL.
pub struct Unique;

impl DbFlavor for Unique {
    const VARIANTS: &'static [Variant] = &[Variant {
        id: "db_lock_unique",
        summary: "database row keyed by the lock name: INSERT wins, duplicate key = busy; release DELETE; no expiry",
    }];

    const PARAMS: &'static [Param] = &[redis::RETRY_TICKS, redis::REQUEST_TIMEOUT_TICKS];

    fn scheme(_variant: &str, _params: &LockParams) -> Result<Scheme, String> {
        Ok(Scheme::Unique)
    }
}

pub type DbLockUnique = DbLock<Unique>;
