//! Expiring lock rows in a relational database (`db_lock_expiry_*`): a row
//! keyed by the lock's name whose lease is judged on the client's or on the
//! database's clock, a fenced variant, and the one-line slips people ship
//! (a takeover, a release or an acquisition in two statements, a
//! compare-and-set on the owner, a takeover under `REPEATABLE READ`).
//!
//! Source: article A, section 3.2 (insert a unique lock record; if the
//! insert fails, wait and try again; delete the record to release) with the
//! expiry its section 4.2 snippet writes (`db_lock_seed`), on one key per
//! lock (`db_lock_unique`); each slip cites its own source below.
//!
//! The database, the client's statements and their request ids and
//! timeouts are the family's: `models/db_lock.rs`.
//!
//! # Protocol
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
//! # Expected verdicts (`models/db_lock_expiry.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from db_lock_expiry.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `db_lock_expiry_db_clock` | `db_lock_expiry_db_clock_fenced` | `db_lock_expiry_db_clock_select_then_update` | `db_lock_expiry_db_clock_delete_any` | `db_lock_expiry_db_clock_check_then_insert` | `db_lock_expiry_db_clock_repeatable_read` | `db_lock_expiry_db_clock_cas_owner` | `db_lock_expiry_client_clock` |
//! |---|---|---|---|---|---|---|---|---|
//! | no-faults | ok (live) | ok (live) | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | ok (live) |
//! | holder-crash | ok (live) | ok (live) | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | ok (live) |
//! | gc-pause | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! | clock-jump | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | ok (live) |
//! | clock-drift | mutex ✗ (live) | mutex ✗ (live) | mutex ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗ (live) | ok |
//! | message-loss | progress ✗ (live) | progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗ (live) | progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, progress ✗ (live) |
//! | partition | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! | server-restart | ok (live) | ok (live) | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | mutex ✗, resource ✗ (live) |
//! | async-network | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ |
//! | crowd-atomic | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) (liveness graph limit 10M) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) (liveness graph limit 8M) | mutex ✗, resource ✗ (live) (liveness graph limit 8M) | mutex ✗, resource ✗ (live) |
//! | duplicates | progress ✗ (live) | progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | progress ✗ (live) | mutex ✗, resource ✗ (live) | progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | progress ✗ (live) |
//! | client-clock-skew | ok (live) | ok (live) | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | mutex ✗, resource ✗ (live) |
//! | endless-contention | progress ✗, starvation ✗ | progress ✗, starvation ✗ | progress ✗, starvation ✗ | progress ✗, starvation ✗ | mutex ✗, resource ✗, starvation ✗ | progress ✗, starvation ✗ | progress ✗, starvation ✗ | progress ✗, starvation ✗ |
//! | long-work | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/db_lock_models.rs`)
//! Lengths are the steps of the shortest counterexample; `client-clock-skew`
//! is this family's own scenario.
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
//! crowd-atomic 39 and 44).
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
//! Progress holds where `db_lock_expiry_db_clock`'s is violated
//! (message-loss, partition, duplicates): with no key on the name, an
//! `INSERT` sent again after a lost answer adds a second claim instead of
//! failing on the first, so the client holds the lock at once rather than
//! waiting for its own row to expire; its release deletes both. What makes
//! it unsafe makes it quick. Under async-network a message may take until
//! the horizon.
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
//! # Liveness (`deadlock_free`, `starvation_free`; pinned in `tests/suite/db_lock_models.rs` and `tests/suite/liveness.rs`)
//! Under holder-crash, with fairness and no horizon:
//!
//! | variant | deadlock_free, starvation_free | graph states | why |
//! |---|---|---:|---|
//! | `db_lock_expiry_client_clock` | hold | 21,282 | the dead holder's row expires and the waiter's conditional `UPDATE` takes it over |
//! | `db_lock_expiry_db_clock` (and `_fenced`) | hold | 21,726 (21,728) | the same, judged on the database's clock |
//! | `db_lock_expiry_db_clock_check_then_insert` | hold | 64,472 | the dead holder's claim expires, and the next check finds none live; no statement ever fails |
//!
//! They are live under no-faults, gc-pause, clock-jump and
//! server-restart. Under clock-drift (the database's clock at 50%, 100% or
//! 150%), every `db_lock_expiry_db_clock*` is live (graph 11,340 states
//! for the plain one), `_check_then_insert` included: all their times are
//! the database's own. `db_lock_expiry_client_clock` is `inconclusive`
//! there and carries no expectation: its statements carry a client's clock
//! reading to the database, and the checker cannot shift a time that two
//! drifting clocks compare.
//!
//! They are live under every other scenario they are asked: a stranded row
//! expires and is taken over. That includes message-loss for
//! `db_lock_expiry_db_clock_fenced` (a graph of 1,596,996 states) and
//! `db_lock_expiry_db_clock_check_then_insert` (4,832,962 states, about
//! 20 s): their bounded
//! `progress` violations there are slowness (a lost answer leaves a client
//! waiting for its own timeout), not a cycle. Under crowd-atomic (three
//! clients, a pause of up to 10 ticks) every variant is live. The largest
//! graphs there are `db_lock_expiry_db_clock_check_then_insert`'s
//! (3,479,978 states: a claim expires, and no statement ever fails) and
//! `_select_then_update`, `_repeatable_read` and `_cas_owner` (graphs of
//! 8,498,077, 7,297,834 and 7,298,071 states, 20 to 28 s and 0.7 to 1.3 GB
//! each, past the 5 million states a search may have by default, so their
//! entries give the graph a limit of its own, `"liveness_states_max"`): a
//! paused holder's row expires and the next client's statement takes it
//! over; a statement that loses a race fails or finds the row taken, and
//! its client tries again.
//!
//! Under endless-contention (two clients that ask again as soon as they
//! release, no faults) nobody deadlocks, but a client can starve: the
//! database keeps no line of waiters, and whenever the row is free the
//! other client's `INSERT` (or takeover) may come first, forever, while
//! the lock keeps being handed out. `deadlock_free` holds and
//! `starvation_free` is violated for `db_lock_expiry_client_clock` (lasso
//! 19+42, graph 13,327 states) and the unfenced `db_lock_expiry_db_clock*`
//! that two clients cannot break (19+42, about 7,800 states;
//! `_repeatable_read` 22+42); the bounded `progress` violations (78 steps)
//! are the same race. `_fenced` has the same verdicts with a longer
//! lasso (32+644, graph 214,829 states): its versions are tokens the
//! checker renumbers, but the sequence's value logged ahead keeps its
//! distance from the last version (up to 32, see `DbServer::version_logged`),
//! so the loop closes only once that distance is back where it was, about
//! 33 versions later; each attempt burns one. `_check_then_insert`, which
//! two clients break with no fault, starves the same way (lasso 31+26,
//! graph 25,483 states: the checker forgets the counter's values once an
//! update is lost, see `docs/properties.md`).

use crate::models::db_lock::{DbFlavor, DbLock, Scheme, Slip};
use crate::models::redis;
use crate::node::{LockParams, Param, Variant};

/// The corrected variants with an expiry.
pub struct Expiring;

impl DbFlavor for Expiring {
    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "db_lock_expiry_db_clock",
            summary: "db_lock_unique with an expiry judged by the database's NOW(); a waiter takes over an expired row by conditional UPDATE",
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
        Variant {
            id: "db_lock_expiry_client_clock",
            summary: "db_lock_expiry_db_clock with expires_at written and judged on the clients' clocks",
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

pub type DbLockExpiring = DbLock<Expiring>;
