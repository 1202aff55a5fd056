//! The article's own-row lock in a relational database (`db_lock_seed`):
//! each node inserts a row keyed by its own id, polls it until it is
//! unexpired, and proceeds.
//!
//! Source: article A, section 3.2 (insert a unique lock record; if the insert
//! fails, wait and try again; delete the record to release) and section 4.2:
//!
//! ```python
//! lock_table = Table("lock", metadata,
//!                    Column("node", String, primary_key=True),
//!                    Column("expire_time", Integer))
//!
//! def acquire_lock(node_id):
//!     expire_time = int(time.time() + 10)
//!     with engine.connect() as conn:
//!         conn.execute(lock_table.insert().values(node_id=node_id, expire_time=expire_time))
//!     while True:
//!         with engine.connect() as conn:
//!             row = conn.execute(lock_table.select().where(lock_table.c.node == node_id)).fetchone()
//!         if row and row.expire_time > time.time():
//!             return True
//!         time.sleep(1)
//!
//! def release_lock(node_id):
//!     with engine.connect() as conn:
//!         conn.execute(lock_table.delete().where(lock_table.c.node == node_id))
//! ```
//!
//! The database, the client's statements and their request ids and
//! timeouts are the family's: `models/db_lock.rs`.
//!
//! # Protocol
//! `db_lock_seed`, the snippet as written:
//! 1. `INSERT INTO lock (node, expire_time) VALUES (:me, client_now +
//!    ttl_ticks)`. The key is the client's own node id.
//! 2. Poll `SELECT * FROM lock WHERE node = :me`: if the row is there and
//!    `expire_time > client_now`, proceed as the holder; otherwise sleep and
//!    poll again, forever.
//! 3. Release: `DELETE FROM lock WHERE node = :me`.
//!
//! Where the snippet cannot run as written, the model follows its evident
//! intent: it passes `node_id=` for a column named `node` (SQLAlchemy would
//! reject the unknown column), modeled as `node = node_id`; its
//! `sqlite:///my_lock.db` is a file local to each machine, modeled as one
//! database all nodes share; and its statements are taken to commit
//! (SQLAlchemy 1.x autocommit; under 2.0, without `conn.commit()`, the insert
//! would be rolled back and the poll would never find the row). The snippet
//! does not catch the `IntegrityError` of its `INSERT`. Since every node has
//! its own key, that error can only come from a resent `INSERT` whose first
//! copy committed; `acquire_lock` then raises and the client never enters.
//!
//! # Expected weaknesses
//! - **The article's snippet excludes nobody**: each node inserts and polls its own row,
//!   so every client proceeds at once: `mutual_exclusion` is violated with no
//!   fault. Its poll loop never inserts again: a client whose own row has
//!   expired by the time it first looks (a pause, a slow answer) polls
//!   forever, and a resent `INSERT` raises an `IntegrityError` nobody
//!   catches: `progress` is violated too.
//!
//! # Expected verdicts (`models/db_lock_seed.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from db_lock_seed.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `db_lock_seed` |
//! |---|---|
//! | no-faults | mutex ✗, resource ✗ (live) |
//! | holder-crash | mutex ✗, resource ✗ (live) |
//! | gc-pause | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | clock-jump | mutex ✗, resource ✗ (live) |
//! | clock-drift | mutex ✗, resource ✗ |
//! | message-loss | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | partition | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | server-restart | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | async-network | mutex ✗, resource ✗, progress ✗ |
//! | crowd-atomic | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | duplicates | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | client-clock-skew | mutex ✗, resource ✗ (live) |
//! | endless-contention | mutex ✗, resource ✗ (live) |
//! | long-work | mutex ✗, resource ✗ (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/db_lock_models.rs`)
//! Lengths are the steps of the shortest counterexample; `client-clock-skew`
//! is this family's own scenario.
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | violated (8) | violated (14) | holds | c1 and c2 each insert their own row, find it unexpired and proceed: both hold at tick 0; both read 0 and write 1 |
//! | holder-crash | violated (8) | violated (14) | holds | nobody waits for anybody, so a crash strands no one |
//! | gc-pause | violated (8) | violated (14) | violated (60) | c2 pauses for 10 ticks between its `INSERT` and the answer to its `SELECT`; its row (`expire_time` 8) has expired when it looks, and the loop polls it forever |
//! | clock-jump | violated (8) | violated (14) | holds | only the database's clock jumps, and the article's snippet reads only client clocks |
//! | clock-drift | violated (8) | violated (14) | holds | only the database's clock drifts |
//! | message-loss | violated (8) | violated (14) | violated (71) | the answer to c2's `INSERT` is lost; the resent `INSERT` finds c2's own row and raises `IntegrityError`, which `acquire_lock` does not catch |
//! | partition | violated (8) | violated (14) | violated (46) | the database is cut off after committing both `INSERT`s; both resends raise `IntegrityError` |
//! | server-restart | violated (8) | violated (14) | violated (78) | c2's `SELECT` is lost in the crash and resent until the database is back; the answer comes at tick 13, after its row expired at 8, and c2 polls forever |
//! | async-network | violated (8) | violated (14) | violated (14) | a message may take until the horizon |
//! | crowd-atomic | violated (4) | violated (8) | violated (93) | c3 pauses 10 ticks between its `INSERT` and its `SELECT` and finds its row expired, as in gc-pause |
//! | client-clock-skew | violated (8) | violated (14) | holds | each client writes and reads its own row on its own clock, so skew between clients changes nothing |
//! | duplicates | violated (8) | violated (14) | violated (47) | c2's `INSERT` is duplicated and runs twice; the second copy's `IntegrityError` arrives before the first copy's result and `acquire_lock` raises, as under message-loss |
//!
//! # Liveness (`deadlock_free`, `starvation_free`; pinned in `tests/suite/db_lock_models.rs` and `tests/suite/liveness.rs`)
//! Under holder-crash, with fairness and no horizon, `deadlock_free` and
//! `starvation_free` hold (a liveness graph of 14,096 states): each node
//! inserts and polls its own row, so a crash strands nobody else. Under
//! no-faults, clock-jump, client-clock-skew and long-work it is live too.
//!
//! It deadlocks whenever a client's own row expires before it reads it
//! back: under gc-pause (lasso 43+6) c2 pauses between its `INSERT` and
//! the answer to its `SELECT`, and under server-restart (19+9) the
//! database's restart holds both answers that long. The article's loop
//! then polls the expired row forever (the bounded `progress` violations
//! of those columns are this deadlock). It deadlocks under partition
//! (21+1), message-loss (34+1), duplicates (24+1) and crowd-atomic (57+4)
//! as well: `acquire_lock` raises on the `IntegrityError` of a resent or
//! duplicated `INSERT` (or polls a row that expired while it paused), and
//! the client waits, doing nothing, forever.
//!
//! Under clock-drift its liveness is `inconclusive` and carries no
//! expectation: its statements carry a client's clock reading to the
//! database, and the checker cannot shift a time that two drifting clocks
//! compare. Under endless-contention (two clients that ask again as soon
//! as they release) two clients break it with no fault, and it is live:
//! every client that asks gets the lock, as both can hold it at once
//! (graph 80,552 states; the checker forgets the counter's values once an
//! update is lost, see `docs/properties.md`).

use crate::models::db_lock::{DbFlavor, DbLock, Scheme};
use crate::models::redis;
use crate::node::{LockParams, Param, Variant};

/// `db_lock_seed`: the article's snippet.
pub struct Seed;

impl DbFlavor for Seed {
    const VARIANTS: &'static [Variant] = &[Variant {
        id: "db_lock_seed",
        summary: "article A §4.2: each node inserts a row keyed by its own id, polls it until unexpired, proceeds",
    }];

    const PARAMS: &'static [Param] = &[
        redis::TTL_TICKS,
        redis::RETRY_TICKS,
        redis::REQUEST_TIMEOUT_TICKS,
    ];

    fn scheme(_variant: &str, params: &LockParams) -> Result<Scheme, String> {
        Ok(Scheme::Seed {
            ttl_ticks: params.require(redis::TTL_TICKS.name)?,
        })
    }
}

pub type DbLockSeed = DbLock<Seed>;
