//! A lock row in a relational database: the article's own-row snippet, a row
//! keyed by the lock's name, and expiring rows judged on the client's or on
//! the database's clock, with a fenced variant and the one-line slips people
//! ship (a takeover, a release or an acquisition in two statements).
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
//! The database is one server (`db`) that runs each statement atomically
//! under a primary-key constraint: an `INSERT` of a taken key fails with
//! `IntegrityError`, and a conditional `UPDATE` or `DELETE` tests its `WHERE`
//! clause and changes the row in one step. A statement is acknowledged only
//! once committed, and committed rows survive a crash. A client sleeps
//! `retry_ticks` where the snippet sleeps one second; the snippet's 10 s
//! expiry is `ttl_ticks`. A statement's parameters are computed when the
//! client builds it, so a statement resent after a timeout (see
//! `DbLock::resend`) carries the clock readings of its first sending.
//!
//! A client sends one statement at a time under a request id its result
//! carries (`node::Requests`), and takes only the result of its outstanding
//! statement: the late result of a statement sent again since and a second
//! copy of a result it has taken are ignored. With
//! `params.request_timeout_ticks`, an unanswered statement is sent again
//! under a new id, as a client library that times out drops the connection
//! and retries on a new one; without it the client waits forever.
//!
//! Every time here is read from the wall clock: the snippet's `time.time()`
//! is the client's time of day, and SQL's `NOW()` the database host's
//! (`CURRENT_TIMESTAMP`, as in MySQL and PostgreSQL). So a jump of either
//! clock moves an expiry judged by it. Only the clients' sleeps and
//! request timeouts are timers, on the monotonic clock.
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
//! `db_lock_unique`, section 3.2 with one key per lock:
//! 1. `INSERT INTO lock (name, owner) VALUES ('lock', :me)`, with `me`
//!    unique to this client and acquisition (`c1#2`). Inserted: the client
//!    holds the lock. `IntegrityError`: busy; sleep and try again.
//! 2. Release: `DELETE FROM lock WHERE name = 'lock' AND owner = :me`, only
//!    its own row, as the article's release deletes only `WHERE node = :me`.
//!
//! `db_lock_expiry_client_clock`, a lease written on the client's clock:
//! 1. `INSERT INTO lock (name, owner, expires_at) VALUES ('lock', :me,
//!    :client_now + ttl_ticks)`. Inserted: the client holds the lock.
//! 2. On `IntegrityError`, take the row over if it has expired by this
//!    client's clock: `UPDATE lock SET owner = :me, expires_at =
//!    :client_now + ttl_ticks WHERE name = 'lock' AND expires_at <
//!    :client_now`. One row: the client holds the lock. None: busy; sleep
//!    and go back to 1.
//! 3. Release: `DELETE FROM lock WHERE name = 'lock' AND owner = :me`.
//!
//! `db_lock_expiry_db_clock`: the same, with `NOW() + ttl_ticks` and
//! `expires_at < NOW()` evaluated by the database on its own clock when the
//! statement runs.
//!
//! `db_lock_expiry_db_clock_fenced`: the same, and the `INSERT` and the
//! takeover also set `version = nextval('lock_version')` and return it
//! (`RETURNING version`); the client hands it to the resource as its fencing
//! token. The counter is a sequence rather than a column incremented in
//! place because the release deletes the row, and a counter kept in the
//! row would start again from 1 with the next `INSERT`.
//!
//! `db_lock_expiry_db_clock_select_then_update`: `db_lock_expiry_db_clock`
//! whose waiter, on `IntegrityError`, first asks `SELECT expires_at < NOW()
//! FROM lock WHERE name = 'lock'` and, if the row has expired, takes it with
//! `UPDATE lock SET owner = :me, expires_at = NOW() + ttl_ticks WHERE name
//! = 'lock'`: the check and the write as two statements, the `WHERE` of the
//! write no longer repeating the check. (No row: it inserts again at once;
//! not expired: it sleeps.) ShedLock's JDBC provider, for one, takes an
//! expired lock in a single conditional statement, `UPDATE shedlock SET
//! lock_until = ?, ... WHERE name = ? AND lock_until <= ?`, as
//! `db_lock_expiry_db_clock` does.
//!
//! `db_lock_expiry_db_clock_delete_any`: `db_lock_expiry_db_clock` released
//! by `DELETE FROM lock WHERE name = 'lock'`, without `AND owner = :me`:
//! section 3.2's step 4 ("delete the lock record to release the lock") read
//! literally, the database form of `redis_py_lock`'s plain `DEL`.
//!
//! `db_lock_expiry_db_clock_check_then_insert`: a lock whose table has no
//! unique key on the lock's name, `lock_claim (id bigserial PRIMARY KEY,
//! owner, name, expires_at)`, so the client asks first whether the lock is
//! taken:
//! 1. `SELECT EXISTS (SELECT 1 FROM lock_claim WHERE name = 'lock' AND
//!    expires_at >= NOW())`. True: busy; sleep and ask again.
//! 2. False: `INSERT INTO lock_claim (owner, name, expires_at) VALUES
//!    (:me, 'lock', NOW() + ttl_ticks)`. Inserted (it always is): the client
//!    holds the lock.
//! 3. Release: `DELETE FROM lock_claim WHERE owner = :me`.
//!
//! This is the check-then-act that Kleppmann's *Designing Data-Intensive
//! Applications* (chapter 7, "Write Skew and Phantoms") shows with its
//! meeting-room booking: `SELECT COUNT(*)` of the overlapping bookings, and
//! an `INSERT` if there are none. The model runs the two statements as two
//! autocommitted statements. Wrapping them in one transaction changes
//! nothing under PostgreSQL's `READ COMMITTED` or `REPEATABLE READ`: the
//! `SELECT` locks no row that does not exist yet, and the two inserts write
//! different rows. Only `SERIALIZABLE`, which aborts one of the two, or a
//! constraint on the name (`db_lock_expiry_db_clock`'s primary key) closes
//! the gap.
//!
//! `db_lock_expiry_db_clock_cas_owner`: `db_lock_expiry_db_clock` whose
//! owner is the client's own name (a host or worker id, the same every
//! round, shown as the client's first `c1#1`), and whose waiter, on
//! `IntegrityError`, takes an expired row over by an optimistic
//! compare-and-set on the value it read rather than on a version:
//! 1. `SELECT owner, expires_at < NOW() FROM lock WHERE name = 'lock'`.
//!    Expired: go to 2. Not expired: sleep. No row: insert again at once.
//! 2. `UPDATE lock SET owner = :me, expires_at = NOW() + ttl_ticks WHERE
//!    name = 'lock' AND owner = :seen`. One row: the client holds the lock.
//!    None: sleep.
//!
//! The condition is the optimistic-locking idiom with the row's value as
//! the thing compared; the ABA problem it runs into is the textbook one
//! (the value read is back, or was never gone, when the write compares
//! it). A version column bumped by every write, `... AND version =
//! :seen_version`, or the one conditional `UPDATE ... WHERE expires_at <
//! NOW()` of `db_lock_expiry_db_clock`, does not.
//!
//! `db_lock_expiry_db_clock_repeatable_read`: the two statements of
//! `db_lock_expiry_db_clock_select_then_update` in one transaction at
//! PostgreSQL's `REPEATABLE READ`, the isolation level a read-modify-write
//! without `FOR UPDATE` is often trusted to:
//! 1. `BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT owner, expires_at <
//!    NOW() FROM lock WHERE name = 'lock'`. Expired: go to 2. Not expired:
//!    roll back and sleep. No row: roll back and insert again at once.
//! 2. `UPDATE lock SET owner = :me, expires_at = NOW() + ttl_ticks WHERE
//!    name = 'lock'; COMMIT`. One row: the client holds the lock. SQLSTATE
//!    40001 (`could not serialize access due to concurrent update`): the
//!    transaction rolls back; sleep.
//!
//! PostgreSQL 15 manual, section 13.2.2 "Repeatable Read Isolation Level":
//! an `UPDATE` of a row that "might have already been updated (or deleted or
//! locked) by another concurrent transaction" since the transaction
//! started "will be rolled back with the message ERROR: could not serialize
//! access due to concurrent update". The server keeps each client's open
//! transaction: the version (`xmin`, the writing transaction's id, counted
//! by the server) of the row its snapshot saw, and its start, which is its
//! `NOW()` for both statements (`now()` is the transaction's start time,
//! section 9.9.5), so the lease the `UPDATE` writes starts at the `SELECT`.
//! A transaction whose statement timed out went with its connection: the
//! client starts it again from the `SELECT`. MySQL's InnoDB differs: at
//! its `REPEATABLE READ` an `UPDATE` is a locking read of the latest
//! committed row ("Consistent Nonlocking Reads": a DML statement sees
//! changes committed after the snapshot), so the same transaction goes
//! through and has the verdicts of `db_lock_expiry_db_clock_select_then_update`.
//!
//! # Expected weaknesses
//! - **The article's snippet excludes nobody**: each node inserts and polls its own row,
//!   so every client proceeds at once: `mutual_exclusion` is violated with no
//!   fault. Its poll loop never inserts again: a client whose own row has
//!   expired by the time it first looks (a pause, a slow answer) polls
//!   forever, and a resent `INSERT` raises an `IntegrityError` nobody
//!   catches: `progress` is violated too.
//! - **No expiry** (`db_lock_unique`): the primary key excludes correctly and
//!   the owner-checked `DELETE` makes a repeated release harmless, but a dead
//!   holder's row stays forever, and so does a row whose `INSERT` answer was
//!   lost (the resend is refused by the client's own row).
//! - **Leases** (`db_lock_expiry_*`): a holder paused, or slowed by the
//!   network, past its lease is taken over while it still believes it holds
//!   the lock. The atomic `UPDATE ... WHERE expires_at < now` lets only one
//!   waiter take an expired row over, so there is no break-delete race as
//!   with lock files.
//! - **Client clocks** (`db_lock_expiry_client_clock`): the lease is written
//!   by the holder's clock and judged by the waiter's, so skew between
//!   clients shortens it, and it starts when the statement is built, not
//!   when it commits: an `INSERT` resent after a timeout commits a lease that
//!   is partly or almost wholly spent.
//! - **The database's clock** (`db_lock_expiry_db_clock`) is immune to both,
//!   but a jump or a fast drift of that one clock expires every lease early.
//! - **A takeover in two statements**
//!   (`db_lock_expiry_db_clock_select_then_update`): two waiters that both
//!   found the row expired both update it, and each holds the lock.
//! - **A release without the owner condition**
//!   (`db_lock_expiry_db_clock_delete_any`) deletes whatever row is there.
//!   A `DELETE` whose answer is lost is sent again, and if another client
//!   inserted its row in between, the second copy deletes it, and the first
//!   client's next round takes the lock beside it.
//! - **An acquisition in two statements**
//!   (`db_lock_expiry_db_clock_check_then_insert`): two clients that both
//!   found no live claim both insert one, and each holds the lock. It takes
//!   no fault, only two clients asking at once.
//! - **A compare-and-set on the value** (`db_lock_expiry_db_clock_cas_owner`):
//!   two waiters both read the expired row under owner A; the first takes
//!   it over, and when what it writes leaves the owner A (it was its own
//!   row, or its name is A), the second's `WHERE owner = A` matches too.
//! - **`REPEATABLE READ` closes the two-statement gap on PostgreSQL**
//!   (`db_lock_expiry_db_clock_repeatable_read`): of two waiters that both
//!   found the row expired, the second to update is rolled back, so the
//!   takeover is as safe as the one conditional `UPDATE`; the lease still
//!   ends under a pause, as every lease does. Not on MySQL (see above).
//! - **Fencing** (`db_lock_expiry_db_clock_fenced`): clients may still both
//!   believe they hold the lock, but the resource rejects the older token, so
//!   no update is lost. The sequence is durable, so a database restart
//!   cannot hand out an old token again (as Redis without persistence does).
//!
//! # Expected verdicts (`models/db_lock.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from db_lock.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `db_lock_seed` | `db_lock_unique` | `db_lock_expiry_client_clock` | `db_lock_expiry_db_clock` | `db_lock_expiry_db_clock_fenced` | `db_lock_expiry_db_clock_select_then_update` | `db_lock_expiry_db_clock_delete_any` | `db_lock_expiry_db_clock_check_then_insert` | `db_lock_expiry_db_clock_repeatable_read` | `db_lock_expiry_db_clock_cas_owner` |
//! |---|---|---|---|---|---|---|---|---|---|---|
//! | no-faults | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | ok (live) | ok (live) | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) |
//! | holder-crash | mutex ✗, resource ✗ (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) | ok (live) | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) |
//! | gc-pause | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! | clock-jump | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! | clock-drift | mutex ✗, resource ✗ | ok (live) | ok | mutex ✗ (live) | mutex ✗ (live) | mutex ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗ (live) |
//! | message-loss | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ | progress ✗, deadlock ✗, starvation ✗ | mutex ✗, progress ✗ (live) | progress ✗ (live) | progress ✗ | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗ | progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) |
//! | partition | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ | progress ✗, deadlock ✗, starvation ✗ | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | mutex ✗, resource ✗ (live) |
//! | server-restart | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) |
//! | async-network | mutex ✗, resource ✗, progress ✗ | progress ✗ (live) | mutex ✗, resource ✗, progress ✗ | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) |
//! | crowd-atomic | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ | mutex ✗, resource ✗ |
//! | duplicates | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ | progress ✗, deadlock ✗, starvation ✗ | progress ✗ (live) | progress ✗ (live) | progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | progress ✗ (live) | mutex ✗, resource ✗ (live) | progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) |
//! | client-clock-skew | mutex ✗, resource ✗ (live) | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) |
//! | endless-contention | n/a | progress ✗, starvation ✗ | progress ✗, starvation ✗ | progress ✗, starvation ✗ | n/a | progress ✗, starvation ✗ | progress ✗, starvation ✗ | n/a | progress ✗, starvation ✗ | progress ✗, starvation ✗ |
//! | long-work | mutex ✗, resource ✗ (live) | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/db_lock_models.rs`)
//! Lengths are the steps of the shortest counterexample; `client-clock-skew`
//! is this family's own scenario.
//!
//! `db_lock_seed`:
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
//! `db_lock_unique`:
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
//! `db_lock_expiry_client_clock`:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | an 8-tick lease outlasts a critical section (at most 6 ticks from building the `INSERT` to the write's answer), and the clients' clocks agree |
//! | holder-crash | holds | holds | holds | the dead holder's row expires and c2 takes it over |
//! | gc-pause | violated (27) | violated (33) | holds | c1 pauses holding the lock; its row (`expires_at` 8) has expired by c2's clock at tick 9 and c2 takes it over |
//! | clock-jump | holds | holds | holds | only the database's clock jumps, and this variant never reads it |
//! | clock-drift | holds | holds | holds | only the database's clock drifts |
//! | message-loss | violated (33) | holds | violated (112) | c2's `INSERT` (`expires_at` 8, built at tick 0) is lost and resent at tick 3, so c2 holds from tick 5 a lease that ends at 8; c1 takes it over at tick 9. c2's write lands by tick 8, one tick before c1 can read, so no update is lost. Progress: slow, not stuck: a lost answer leaves a client waiting for its own row to expire, and at the horizon (46) c2 is still releasing its second round; with a 60-tick horizon progress holds. Request ids tell apart clients that polled a different number of times; with them renumbered the search takes 0.32 million states (7.7 million without) |
//! | partition | violated (22) | violated (28) | holds | the database is cut off at tick 1 and both clients resend their `INSERT`s built at tick 0; c2's commits at tick 7 with `expires_at` 8, and c1's resend at tick 9 finds it expired and takes it over while c2 is reading |
//! | server-restart | violated (22) | violated (28) | holds | the same, with the first `INSERT`s lost in the crash |
//! | async-network | violated (13) | violated (19) | violated (14) | c1's reads and writes are delayed; at tick 7 c2's clock says c1's row (`expires_at` 6, the TTL here) has expired. A message may also take until the horizon |
//! | crowd-atomic | violated (38) | violated (43) | holds | c2 pauses holding the lock and c3 takes its row over at tick 10 |
//! | client-clock-skew | violated (18) | violated (22) | holds | c2's clock is 4 ticks ahead: c1's row (`expires_at` 8 on c1's clock) has expired by c2's clock at real tick 5, while c1 is still reading; c2 takes it over and reads 0 before c1's write lands |
//! | duplicates | holds | holds | violated (82) | c1's `INSERT` is duplicated and the second copy's `IntegrityError` arrives first: nobody holds the lock while c1's own row keeps both clients out until it expires at 9. Slow, not stuck: at the horizon (32) the second client to get the lock is still releasing |
//!
//! `db_lock_expiry_db_clock` (and `_fenced`, where its `resource_safe` differs):
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | the lease outlasts a critical section |
//! | holder-crash | holds | holds | holds | the dead holder's row expires and c2 takes it over |
//! | gc-pause | violated (22) | violated (28); fenced: holds | holds | c1 pauses holding the lock; at tick 9 the database finds its row expired and c2's `UPDATE` takes it over. Fenced: c1's late write carries the older token and is rejected |
//! | clock-jump | violated (7) | violated (13); fenced: holds | holds | the database's clock jumps 10 ticks and c1's row is expired at once |
//! | clock-drift | violated (19) | holds | holds | the database's clock runs 50% fast: c1's 6-tick lease from tick 0 has expired at tick 5 and c2 takes it over. A takeover comes at least 5 real ticks after the `INSERT` ran and the holder's write lands within 4 (answer, read and its answer, write), so c2 reads it and no update is lost. `redis_set_px` loses one here: Redis expires a key at its deadline, this `UPDATE` a tick later (`expires_at < NOW()`) |
//! | message-loss | holds | holds | violated (112) | `NOW()` is read when the statement runs, so a resent `INSERT` still gets a whole lease. Progress: slow, not stuck, as in `db_lock_expiry_client_clock`; with a 60-tick horizon it holds. 0.26 million states with request ids renumbered (fenced: 0.30 million; without: 7.0 and 7.7 million) |
//! | partition | holds | holds | holds | as message-loss: resent statements get whole leases |
//! | server-restart | holds | holds | holds | rows and the sequence survive; resent statements get whole leases |
//! | async-network | violated (13) | violated (19); fenced: holds | violated (14) | c1's reads and writes are delayed past its 6-tick lease and c2 takes it over at tick 7; a message may take until the horizon |
//! | crowd-atomic | violated (38) | violated (43); fenced: holds | holds | c2 pauses holding the lock and c3 takes its row over |
//! | client-clock-skew | holds | holds | holds | expiry never reads a client's clock |
//! | duplicates | holds | holds | violated (82) | as `db_lock_expiry_client_clock` |
//!
//! `db_lock_expiry_db_clock_select_then_update` has the verdicts of
//! `db_lock_expiry_db_clock`, each counterexample up to two steps longer
//! (the extra `SELECT`), and three more:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | partition | violated (28) | violated (34) | holds | the database is cut off just after c1's first `INSERT` committed; both clients resend their `INSERT`s after it heals, both get `IntegrityError` from c1's first row, both `SELECT` it at tick 9, when it has expired, and both `UPDATE` it: each holds |
//! | message-loss | violated (32) | violated (38) | violated (114) | the same race, from a lost answer to c1's first `INSERT` |
//! | duplicates | violated (39) | violated (45) | violated (84) | the same race, from a duplicated `INSERT` whose second copy's `IntegrityError` c1 takes |
//!
//! `db_lock_expiry_db_clock_repeatable_read` has every verdict of
//! `db_lock_expiry_db_clock`: under partition, message-loss and duplicates
//! the second `UPDATE` of the race above fails with SQLSTATE 40001
//! (`tests/real_servers.rs` runs that race on PostgreSQL), and its other
//! counterexamples are `_select_then_update`'s (gc-pause 24 and 30,
//! clock-jump 9 and 15, clock-drift 21, async-network 15, 21 and 14,
//! crowd-atomic 39 and 44). Its liveness under crowd-atomic is not asked:
//! the open transactions and the rows' versions take that graph past 5
//! million states.
//!
//! `db_lock_expiry_db_clock_delete_any` has the verdicts of
//! `db_lock_expiry_db_clock` everywhere but one:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | message-loss | violated (18) | violated (24) | violated (112) | the answer to c1's `DELETE` is lost; c2 inserts its row; c1's timeout sends the `DELETE` again, which deletes c2's row; c1's second round inserts, and both hold. `resource_safe`: both read the same value |
//!
//! Under partition, server-restart and duplicates (a `DELETE` delivered
//! twice) the same stray `DELETE` can happen, but each client does only one
//! round there: nobody asks for the lock again, so deleting the holder's
//! row harms no one.
//!
//! `db_lock_expiry_db_clock_check_then_insert`:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | every scenario but crowd-atomic | violated (8) | violated (14; long-work: 26) | holds (async-network: violated (14)) | at tick 0 c1 and c2 each ask whether a live claim exists, each is told no, and each inserts one: both hold with no fault at all; both read 0 and write 1 (under long-work the first write comes later). `tests/real_servers.rs` replays the no-faults counterexample on PostgreSQL, which answers as the model does and loses the update |
//! | crowd-atomic | violated (4) | violated (8) | holds | the same race among three clients, in this scenario's one-step requests |
//!
//! `db_lock_expiry_db_clock_cas_owner` has every verdict and every
//! shortest counterexample of `db_lock_expiry_db_clock_select_then_update`:
//! each of that variant's races is an ABA here. Under partition (28
//! steps): c1's first `INSERT` commits as the database is cut off, so both
//! clients' resends get `IntegrityError` from c1's row; at tick 9 both read
//! it as `owner c1#1, expired`; c1 takes it over with `... WHERE owner =
//! 'c1#1'`, writing its own name again, and c2's `... WHERE owner = 'c1#1'`
//! then matches the row c1 has just renewed: each holds. Message-loss (32)
//! and duplicates (39) give the same race from a lost or a repeated answer
//! to c1's first `INSERT`. The condition does turn away a waiter whose row
//! another client has taken over in between, but that was never the
//! shortest way in. The partition counterexample replays on PostgreSQL.
//!
//! Progress holds where `db_lock_expiry_db_clock`'s is violated
//! (message-loss, partition, duplicates): with no key on the name, an
//! `INSERT` sent again after a lost answer adds a second claim instead of
//! failing on the first, so the client holds the lock at once rather than
//! waiting for its own row to expire; its release deletes both. What makes
//! it unsafe makes it quick. Under async-network a message may take until
//! the horizon.
//!
//! # Liveness (`deadlock_free`, `starvation_free`; pinned in `tests/suite/db_lock_models.rs` and `tests/suite/liveness.rs`)
//! Every time this model keeps or sends (a row's `expires_at`, the seed's
//! `expire_time`, a statement's `client_now`) is a `node::Instant`, and
//! durations are added only to a clock just read, so the liveness checker
//! shifts them itself (`LockModel::times`). Under holder-crash, with
//! fairness and no horizon:
//!
//! | variant | deadlock_free, starvation_free | graph states | why |
//! |---|---|---:|---|
//! | `db_lock_seed` | hold | 14,096 | each node inserts and polls its own row, so a crash strands nobody else |
//! | `db_lock_unique` | violated (lasso 24+7) | 7,960 | c1's `INSERT` commits and c1 crashes. The loop: c2's `INSERT`, its `IntegrityError`, the retry sleep, time passing, forever. The bounded `progress` violation is a real deadlock, not a horizon that came too soon |
//! | `db_lock_expiry_client_clock` | hold | 21,282 | the dead holder's row expires and the waiter's conditional `UPDATE` takes it over |
//! | `db_lock_expiry_db_clock` (and `_fenced`) | hold | 21,726 (21,728) | the same, judged on the database's clock |
//! | `db_lock_expiry_db_clock_check_then_insert` | hold | 64,472 | the dead holder's claim expires, and the next check finds none live; no statement ever fails |
//!
//! Under no-faults, gc-pause, clock-jump and server-restart every variant
//! is live but `db_lock_seed`, which deadlocks whenever a client's own row
//! expires before it reads it back: under gc-pause (lasso 43+6) c2 pauses
//! between its `INSERT` and the answer to its `SELECT`, and under
//! server-restart (19+9) the database's restart holds both answers that
//! long. The article's loop then polls the expired row forever (the
//! bounded `progress` violations of those columns are this deadlock).
//!
//! Under clock-drift (the database's clock at 50%, 100% or 150%), the
//! variants whose times are all the database's own are live:
//! `db_lock_unique` (no time at all, no crash) and every
//! `db_lock_expiry_db_clock*` (graph 11,340 states for the plain one),
//! `_check_then_insert` included. The
//! seed and `db_lock_expiry_client_clock` are `inconclusive` and carry no
//! expectation there: their statements carry a client's clock reading to
//! the database, and the checker cannot shift a time that two drifting
//! clocks compare.
//!
//! Without a crash, `db_lock_unique` deadlocks wherever the answer to a
//! committed `INSERT` can go astray: under partition (lasso 22+10) and
//! message-loss (22+27) it is lost, and under duplicates (24+10) the
//! duplicate's `IntegrityError` overtakes it; the client's own row then
//! refuses it and the other client forever (the bounded `progress`
//! violations of those columns are this deadlock). `db_lock_seed`
//! deadlocks under partition (21+1), message-loss (34+1), duplicates (24+1)
//! and crowd-atomic (57+4): `acquire_lock` raises on the `IntegrityError`
//! of a resent or duplicated `INSERT` (or polls a row that expired while
//! it paused), and the client waits, doing nothing, forever. The
//! expiring variants are live under every scenario they are asked:
//! a stranded row expires and is taken over. Under crowd-atomic that is
//! `db_lock_expiry_db_clock_check_then_insert` alone (a graph of 3,479,978
//! states: a claim expires, and no statement ever fails); the other
//! expiring variants' crowd-atomic graphs pass 5 million states, so their
//! liveness there is not asked.
//!
//! Under endless-contention (two clients that ask again as soon as they
//! release, no faults) nobody deadlocks, but a client can starve: the
//! database keeps no line of waiters, and whenever the row is free the
//! other client's `INSERT` (or takeover) may come first, forever, while
//! the lock keeps being handed out. `deadlock_free` holds and
//! `starvation_free` is violated for `db_lock_unique` (lasso 20+46, graph
//! 1,771 states), `db_lock_expiry_client_clock` (19+42, 13,327) and the
//! unfenced `db_lock_expiry_db_clock*` that two clients cannot break
//! (19+42, about 7,800 states; `_repeatable_read` 22+42); the bounded
//! `progress` violations (78 steps) are the same race. Not asked there:
//! `db_lock_seed` and `_check_then_insert`, which two clients break with
//! no fault and whose liveness graphs pass 5 million states, and
//! `_fenced`, whose version sequence grows with every acquisition.

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use crate::models::redis::{self, Value};
use crate::node::LockParams;
use crate::node::{
    Ctx, FenceToken, LockModel, NodeId, Nonces, Out, Param, RealServer, RequestId, RequestTimeout,
    Requests, ResendId, ServerProgram, Symmetry, TimeVisitors, Variant,
};
use crate::{rename_nothing, times_nothing, visit_fields, visit_variants};

use crate::models::db_server::{DbServer, Expiry, Reply, Stmt};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Msg {
    /// A statement, under the client's request id.
    Req { id: RequestId, stmt: Stmt },
    /// Its result, carrying the id of the request it answers.
    Rep { id: RequestId, reply: Reply },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timer {
    /// The sleep between attempts (or between the article's polls) is over.
    Retry,
    /// No reply in time; send the statement again.
    Timeout,
}

/// How a variant takes the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// The seed: insert my own row, poll it until it is unexpired, proceed.
    Seed { ttl_ticks: u32 },
    /// One row per lock; a duplicate key means busy.
    Unique,
    /// One row per lock with an expiry judged by the client's clock.
    ExpiryClientClock { ttl_ticks: u32 },
    /// One row per lock with an expiry judged by the database's clock,
    /// optionally with a version returned as the fencing token.
    ExpiryDbClock { ttl_ticks: u32, fenced: bool },
}

/// The variants of one parameter set (a type per set, so that each model id
/// declares exactly the parameters it reads).
pub trait DbFlavor: Send + Sync + 'static {
    const VARIANTS: &'static [Variant];
    const PARAMS: &'static [Param];
    fn scheme(variant: &str, params: &LockParams) -> Result<Scheme, String>;
    /// The statement `variant` gets wrong, if it is one of the slips.
    fn slip(_variant: &str) -> Option<Slip> {
        None
    }
}

/// A slip one statement away from the expiring lock (see the module
/// documentation's "Protocol").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slip {
    /// The release deletes the row whoever owns it (`DELETE WHERE name =
    /// 'lock'`).
    DeleteAny,
    /// An expired row is taken over by a `SELECT` and then an unconditional
    /// `UPDATE`, not by one conditional `UPDATE`.
    SelectThenUpdate,
    /// The lock is a claim row inserted after asking whether any live claim
    /// exists, with no key on the lock's name.
    CheckThenInsert,
    /// The owner is the client's own name, the same every round, and an
    /// expired row is taken over by a `SELECT` of its owner and then an
    /// `UPDATE` conditional on that owner.
    CasOwner,
    /// The `SELECT` and the unconditional `UPDATE` of `SelectThenUpdate`
    /// in one PostgreSQL `REPEATABLE READ` transaction.
    RepeatableRead,
}

pub struct DbLock<F> {
    scheme: Scheme,
    slip: Option<Slip>,
    retry_ticks: u32,
    timeout: RequestTimeout<Timer>,
    _f: PhantomData<fn() -> F>,
}

/// Where the client is in the protocol.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Step {
    Idle,
    Inserting,
    /// The conditional `UPDATE` that takes over an expired row is in flight.
    TakingOver,
    /// The article's `SELECT` of its own row is in flight.
    Polling,
    Sleeping,
    Holding,
    Releasing,
    /// The article's `INSERT` raised `IntegrityError`, which `acquire_lock` does
    /// not catch: this client never gets anywhere.
    Failed,
    /// The `SELECT` that asks whether the row has expired is in flight.
    CheckingExpiry,
    /// The `SELECT` that asks whether any claim is live is in flight.
    CheckingLive,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DbClient {
    pub step: Step,
    /// The owner value of the current acquisition (unique per client and
    /// acquisition, like a UUID).
    pub owner: Value,
    pub acquisitions: Nonces,
    /// The statement awaiting its result, and the request ids.
    pub requests: Requests<Stmt>,
}

visit_variants!(Msg {
    Req { id, stmt },
    Rep { id, reply },
});
visit_fields!(DbClient {
    step,
    owner,
    acquisitions,
    requests
});
rename_nothing!(Timer, Step);
times_nothing!(Timer, Step);

impl<F: DbFlavor> DbLock<F> {
    fn call(&self, ctx: &Ctx, c: &mut DbClient, stmt: Stmt, out: &mut Out<Self>) {
        c.requests
            .send(out, ctx.server(), stmt, &self.timeout, |id, stmt| {
                Msg::Req { id, stmt }
            });
    }

    /// The statement timed out: like a client library after a socket
    /// timeout, drop the connection, open a new one and send the statement
    /// again under a new request id, so that a late result of the first
    /// sending is ignored.
    fn resend(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        c.requests
            .resend(out, ctx.server(), &self.timeout, |id, stmt| Msg::Req {
                id,
                stmt,
            });
    }

    /// `BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT ...`: is the row
    /// there, and has it expired, in a new snapshot?
    fn select_snapshot(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        c.step = Step::CheckingExpiry;
        let stmt = Stmt::SelectSnapshot {
            client: Self::node(ctx),
            expiry: self.expiry(ctx),
        };
        self.call(ctx, c, stmt, out);
    }

    fn sleep(&self, c: &mut DbClient, out: &mut Out<Self>) {
        c.step = Step::Sleeping;
        out.set_timer(Timer::Retry, self.retry_ticks);
    }

    /// This client's node id as the article's `node` column holds it.
    fn node(ctx: &Ctx) -> NodeId {
        ctx.id
    }

    /// The expiry a new or taken-over row gets, computed now.
    fn expiry(&self, ctx: &Ctx) -> Expiry {
        match self.scheme {
            Scheme::Seed { .. } | Scheme::Unique => Expiry::Never,
            Scheme::ExpiryClientClock { ttl_ticks } => Expiry::ClientClock {
                expires_at: ctx.wall().after(ttl_ticks),
                client_now: ctx.wall(),
            },
            Scheme::ExpiryDbClock { ttl_ticks, .. } => Expiry::DbClock { ttl_ticks },
        }
    }

    fn fenced_scheme(&self) -> bool {
        matches!(self.scheme, Scheme::ExpiryDbClock { fenced: true, .. })
    }

    /// An attempt: the insert, or first the check for a live claim.
    fn try_acquire(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        if self.slip == Some(Slip::CheckThenInsert) {
            c.step = Step::CheckingLive;
            self.call(ctx, c, Stmt::AnyLive, out);
        } else {
            self.insert(ctx, c, out);
        }
    }

    fn insert(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        c.step = Step::Inserting;
        let stmt = match self.scheme {
            Scheme::Seed { ttl_ticks } => Stmt::InsertNode {
                node: Self::node(ctx),
                expire_time: ctx.wall().after(ttl_ticks),
            },
            Scheme::ExpiryDbClock { ttl_ticks, .. } if self.slip == Some(Slip::CheckThenInsert) => {
                Stmt::InsertClaim {
                    owner: c.owner,
                    ttl_ticks,
                }
            }
            _ => Stmt::Insert {
                owner: c.owner,
                expiry: self.expiry(ctx),
                fenced: self.fenced_scheme(),
            },
        };
        self.call(ctx, c, stmt, out);
    }

    fn poll(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        c.step = Step::Polling;
        let stmt = Stmt::SelectNode {
            node: Self::node(ctx),
        };
        self.call(ctx, c, stmt, out);
    }

    fn take(&self, c: &mut DbClient, version: Option<u64>, out: &mut Out<Self>) {
        c.step = Step::Holding;
        out.acquired(version);
    }
}

impl<F: DbFlavor> LockModel for DbLock<F> {
    type Server = DbServer;
    type Durable = DbServer;
    type Client = DbClient;
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = F::VARIANTS;
    const PARAMS: &'static [Param] = F::PARAMS;

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        Ok(DbLock {
            scheme: F::scheme(variant, params)?,
            slip: F::slip(variant),
            retry_ticks: params.require(redis::RETRY_TICKS.name)?,
            timeout: RequestTimeout {
                timer: Timer::Timeout,
                after_ticks: params.optional(redis::REQUEST_TIMEOUT_TICKS.name)?,
                resend: ResendId::New,
            },
            _f: PhantomData,
        })
    }

    fn server_name(&self, _index: usize) -> String {
        "db".to_string()
    }

    fn real_server(_variant: &str) -> Option<RealServer> {
        Some(RealServer {
            program: ServerProgram::Postgres,
            restart_is_real: true,
        })
    }

    /// Clients run the same code, and whatever names a client (the article's
    /// row key, an owner value) carries its node id.
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    /// Every time the database keeps or a statement carries is an
    /// [`Instant`]; durations are added only to a clock read at that moment
    /// (`NOW() + ttl`, `client_now + ttl`), and kept times are only
    /// compared, with a clock or with each other. Except in a `REPEATABLE
    /// READ` transaction, whose `NOW()` is its start: its `UPDATE` adds the
    /// TTL to the instant the transaction kept.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        let visitors = TimeVisitors::by_times();
        Some(match self.scheme {
            Scheme::ExpiryDbClock { ttl_ticks, .. } if self.slip == Some(Slip::RepeatableRead) => {
                visitors.adding_to_kept(ttl_ticks)
            }
            _ => visitors,
        })
    }

    /// Owners are nonces, and a row's `xmin` comes from a
    /// [`FenceCounter`](crate::node::FenceCounter) the harness renumbers.
    /// The fenced variant's version sequence is a plain counter that grows
    /// with every acquisition (and is logged ahead), so it is not bounded.
    fn rounds_bounded(&self) -> bool {
        !self.fenced_scheme()
    }

    fn describe_msg(&self, msg: &Msg) -> String {
        match msg {
            Msg::Req { id, stmt } => format!("{stmt}  [req {id}]"),
            Msg::Rep { id, reply } => format!("{reply}  [req {id}]"),
        }
    }

    fn server_init(&self, _ctx: &Ctx, durable: Option<&DbServer>) -> DbServer {
        match durable {
            Some(durable) => durable.recovered(),
            // Only the `REPEATABLE READ` variant reads a row's `xmin`.
            None if self.slip == Some(Slip::RepeatableRead) => DbServer::with_row_versions(),
            None => DbServer::new(),
        }
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        state: &mut DbServer,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        if let Msg::Req { id, stmt } = msg {
            let before = state.clone();
            let reply = state.execute(ctx.wall(), stmt);
            if *state != before {
                // Committed, so durable, before the client hears of it.
                out.save(state.clone());
            }
            out.send(src, Msg::Rep { id, reply });
        }
    }

    fn client_init(&self, _ctx: &Ctx) -> DbClient {
        DbClient {
            step: Step::Idle,
            owner: Value::Num(FenceToken::ZERO),
            acquisitions: Nonces::new(),
            requests: Requests::new(),
        }
    }

    fn client_acquire(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        // The article's rows are keyed by the node and own nothing else.
        // A client that names itself keeps its name from the first round.
        let named = self.slip == Some(Slip::CasOwner) && c.owner != Value::Num(FenceToken::ZERO);
        if !matches!(self.scheme, Scheme::Seed { .. }) && !named {
            c.owner = Value::Unique(c.acquisitions.fresh(ctx));
        }
        self.try_acquire(ctx, c, out);
    }

    fn client_release(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        c.step = Step::Releasing;
        let stmt = match self.scheme {
            Scheme::Seed { .. } => Stmt::DeleteNode {
                node: Self::node(ctx),
            },
            _ if self.slip == Some(Slip::CheckThenInsert) => Stmt::DeleteClaim { owner: c.owner },
            _ if self.slip != Some(Slip::DeleteAny) => Stmt::Delete { owner: c.owner },
            _ => Stmt::DeleteAny,
        };
        self.call(ctx, c, stmt, out);
    }

    fn client_on_msg(
        &self,
        ctx: &Ctx,
        c: &mut DbClient,
        _src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        let Msg::Rep { id, reply } = msg else {
            return;
        };
        if c.requests.answer(out, &self.timeout, id).is_none() {
            // The result of a statement sent again since, or a second copy
            // of one already taken.
            return;
        }
        let seed = matches!(self.scheme, Scheme::Seed { .. });
        match (&c.step, reply) {
            // The seed ignores what the INSERT did and polls its own row.
            (Step::Inserting, Reply::Rows { .. }) if seed => self.poll(ctx, c, out),
            (Step::Inserting, Reply::DuplicateKey) if seed => c.step = Step::Failed,
            (Step::Polling, Reply::Selected(row)) => {
                // `if row and row.expire_time > time.time()`, on this
                // client's clock; otherwise sleep and poll again, forever.
                if row.is_some_and(|at| at > ctx.wall()) {
                    self.take(c, None, out);
                } else {
                    self.sleep(c, out);
                }
            }
            (Step::Inserting | Step::TakingOver, Reply::Rows { rows: 1, version }) => {
                self.take(c, version, out)
            }
            (Step::Inserting, Reply::DuplicateKey) => match self.scheme {
                Scheme::Unique | Scheme::Seed { .. } => self.sleep(c, out),
                _ if self.slip == Some(Slip::CasOwner) => {
                    // Busy; see who holds it and whether it has expired.
                    c.step = Step::CheckingExpiry;
                    let stmt = Stmt::SelectOwner {
                        expiry: self.expiry(ctx),
                    };
                    self.call(ctx, c, stmt, out);
                }
                // Busy; open a transaction and see whether the row has
                // expired in its snapshot.
                _ if self.slip == Some(Slip::RepeatableRead) => self.select_snapshot(ctx, c, out),
                _ if self.slip != Some(Slip::SelectThenUpdate) => {
                    // Busy; take it over if it has expired.
                    c.step = Step::TakingOver;
                    let stmt = Stmt::TakeOver {
                        owner: c.owner,
                        expiry: self.expiry(ctx),
                        fenced: self.fenced_scheme(),
                    };
                    self.call(ctx, c, stmt, out);
                }
                _ => {
                    // Busy; ask whether it has expired.
                    c.step = Step::CheckingExpiry;
                    let stmt = Stmt::SelectExpired {
                        expiry: self.expiry(ctx),
                    };
                    self.call(ctx, c, stmt, out);
                }
            },
            (Step::CheckingExpiry, Reply::Expired(expired)) => match expired {
                // Expired: take it, whatever happened since the `SELECT`.
                Some(true) => {
                    c.step = Step::TakingOver;
                    let stmt = Stmt::Update {
                        owner: c.owner,
                        expiry: self.expiry(ctx),
                    };
                    self.call(ctx, c, stmt, out);
                }
                // Released meanwhile: insert again at once.
                None => self.insert(ctx, c, out),
                Some(false) => self.sleep(c, out),
            },
            (Step::CheckingExpiry, Reply::Owner { owner, expired }) => match owner {
                // Expired: take it if its owner is still the one seen.
                Some(expected) if expired => {
                    c.step = Step::TakingOver;
                    let stmt = Stmt::UpdateIfOwner {
                        expected,
                        owner: c.owner,
                        expiry: self.expiry(ctx),
                    };
                    self.call(ctx, c, stmt, out);
                }
                Some(_) => self.sleep(c, out),
                None => self.insert(ctx, c, out),
            },
            (Step::CheckingExpiry, Reply::Snapshot { owner, expired }) => match owner {
                // Expired in the snapshot: update it in the same
                // transaction, which fails if the row changed since.
                Some(_) if expired => {
                    c.step = Step::TakingOver;
                    let stmt = Stmt::UpdateSnapshot {
                        client: Self::node(ctx),
                        owner: c.owner,
                        expiry: self.expiry(ctx),
                    };
                    self.call(ctx, c, stmt, out);
                }
                Some(_) => self.sleep(c, out),
                None => self.insert(ctx, c, out),
            },
            // Rolled back: somebody else wrote the row first.
            (Step::TakingOver, Reply::Rows { .. } | Reply::SerializationFailure) => {
                self.sleep(c, out)
            }
            // No live claim: insert one, whatever happened since the check.
            (Step::CheckingLive, Reply::AnyLive(false)) => self.insert(ctx, c, out),
            (Step::CheckingLive, Reply::AnyLive(true)) => self.sleep(c, out),
            (Step::Releasing, Reply::Rows { .. }) => {
                c.step = Step::Idle;
                out.released();
            }
            _ => {}
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, c: &mut DbClient, timer: Timer, out: &mut Out<Self>) {
        match timer {
            Timer::Retry if c.step == Step::Sleeping => {
                if matches!(self.scheme, Scheme::Seed { .. }) {
                    self.poll(ctx, c, out);
                } else {
                    self.try_acquire(ctx, c, out);
                }
            }
            // A timed-out transaction is gone with its connection: start
            // it again from its `SELECT` rather than send its `UPDATE`
            // outside it.
            Timer::Timeout
                if self.slip == Some(Slip::RepeatableRead) && c.step == Step::TakingOver =>
            {
                self.select_snapshot(ctx, c, out)
            }
            Timer::Timeout => self.resend(ctx, c, out),
            _ => {}
        }
    }
}

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

/// The corrected variants with an expiry.
pub struct Expiring;

impl DbFlavor for Expiring {
    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "db_lock_expiry_client_clock",
            summary: "db_lock_unique with expires_at from the client's clock; a waiter takes over an expired row by conditional UPDATE",
        },
        Variant {
            id: "db_lock_expiry_db_clock",
            summary: "db_lock_expiry_client_clock with expiry judged by the database's NOW()",
        },
        Variant {
            id: "db_lock_expiry_db_clock_fenced",
            summary: "db_lock_expiry_db_clock whose row version (a sequence) is the fencing token",
        },
        Variant {
            id: "db_lock_expiry_db_clock_select_then_update",
            summary: "db_lock_expiry_db_clock taking over an expired row by SELECT, then an UPDATE without the expiry condition",
        },
        Variant {
            id: "db_lock_expiry_db_clock_delete_any",
            summary: "db_lock_expiry_db_clock released by DELETE WHERE name = 'lock', without the owner condition",
        },
        Variant {
            id: "db_lock_expiry_db_clock_check_then_insert",
            summary: "expiring claims with no key on the lock's name: SELECT whether any claim is live, INSERT one if none",
        },
        Variant {
            id: "db_lock_expiry_db_clock_repeatable_read",
            summary: "db_lock_expiry_db_clock_select_then_update with the SELECT and the UPDATE in one PostgreSQL REPEATABLE READ transaction: the second updater's transaction fails",
        },
        Variant {
            id: "db_lock_expiry_db_clock_cas_owner",
            summary: "db_lock_expiry_db_clock whose owner is the client's name, taking over an expired row by UPDATE ... WHERE owner = the owner it saw",
        },
    ];

    const PARAMS: &'static [Param] = &[
        redis::TTL_TICKS,
        redis::RETRY_TICKS,
        redis::REQUEST_TIMEOUT_TICKS,
    ];

    fn scheme(variant: &str, params: &LockParams) -> Result<Scheme, String> {
        let ttl_ticks = params.require(redis::TTL_TICKS.name)?;
        Ok(match variant {
            "db_lock_expiry_client_clock" => Scheme::ExpiryClientClock { ttl_ticks },
            _ => Scheme::ExpiryDbClock {
                ttl_ticks,
                fenced: variant == "db_lock_expiry_db_clock_fenced",
            },
        })
    }

    fn slip(variant: &str) -> Option<Slip> {
        match variant {
            "db_lock_expiry_db_clock_delete_any" => Some(Slip::DeleteAny),
            "db_lock_expiry_db_clock_select_then_update" => Some(Slip::SelectThenUpdate),
            "db_lock_expiry_db_clock_check_then_insert" => Some(Slip::CheckThenInsert),
            "db_lock_expiry_db_clock_cas_owner" => Some(Slip::CasOwner),
            "db_lock_expiry_db_clock_repeatable_read" => Some(Slip::RepeatableRead),
            _ => None,
        }
    }
}

pub type DbLockSeed = DbLock<Seed>;
pub type DbLockUnique = DbLock<Unique>;
pub type DbLockExpiring = DbLock<Expiring>;
