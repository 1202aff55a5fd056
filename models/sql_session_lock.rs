//! Session-bound SQL locks: PostgreSQL advisory locks, directly and through
//! a transaction-pooling PgBouncer, MySQL `GET_LOCK`, with and without
//! the client library's automatic reconnection, and PostgreSQL's row lock
//! (`SELECT ... FOR UPDATE`) held by an open transaction, with the
//! protected write in that transaction or outside the database.
//!
//! Sources:
//! - PostgreSQL 15 documentation, section 13.3.5 "Advisory Locks" and the
//!   table "Advisory Lock Functions" (section 9.27): `pg_advisory_lock(key)` "obtains
//!   an exclusive session-level advisory lock, waiting if necessary";
//!   "if a session already holds a given advisory lock, additional requests
//!   by it will always succeed", and it takes as many releases as requests;
//!   a session-level lock "is held until explicitly released or the session
//!   ends"; `pg_advisory_unlock(key)` returns false, with a warning, when the
//!   session did not hold the lock.
//! - PgBouncer documentation ("Features", the table of SQL features per
//!   pool mode: session-level advisory locks are not supported in
//!   transaction pooling), `pool_mode = transaction` ("a server connection
//!   is assigned to a client only during a transaction") and
//!   `server_round_robin` ("by default, PgBouncer reuses server connections
//!   in LIFO (last-in, first-out) manner").
//! - MySQL 8.0 Reference Manual, "Locking Functions": `GET_LOCK(str,
//!   timeout)` takes a named lock that is "exclusive"; it "is released
//!   explicitly by executing RELEASE_LOCK() or implicitly when your session
//!   terminates (either normally or abnormally)"; a session may take the
//!   same name more than once and must release it as many times; a
//!   negative timeout waits forever.
//! - MySQL 8.0 C API documentation, "Automatic Reconnection Control": with
//!   `MYSQL_OPT_RECONNECT` the library reconnects when it finds the
//!   connection gone, and the new session has lost, among the rest of the
//!   session's state, the locks taken with `GET_LOCK()`; the application is
//!   not notified. Connector/J's
//!   `autoReconnect=true` does the same (its documentation advises against
//!   it for this reason).
//! - PostgreSQL 15 documentation, section 13.3.2 "Row-Level Locks": `FOR
//!   UPDATE` locks the rows a `SELECT` returns "as though for update",
//!   blocking other transactions that try to lock them "until the current
//!   transaction ends"; and section 20.11, `idle_in_transaction_session_timeout`:
//!   "terminate any session that has been idle (that is, waiting for a
//!   client query) within an open transaction for longer than the specified
//!   amount of time" (0, the default, disables it; operators and managed
//!   services set it so that a forgotten transaction does not hold its
//!   locks and block vacuum forever).
//!
//! # The server (`db`)
//! One database server, no standby. Every client talks to it over one
//! connection (the world's sessions: in order, never duplicated, broken by
//! a lost message, a partition or a crash), and the server runs one backend
//! per connection: it tells a client's connections apart
//! (`LockModel::connection_ids`), so a close it notices late releases the
//! lock of the connection that closed, never that of the client's newer
//! one. Advisory locks live in shared memory: a server restart loses them.
//! - **Lock.** Free: the connection gets it. Held by the same connection:
//!   granted again, counted. Held by another: the call blocks in line.
//! - **Unlock.** By the holding connection: the count drops, and at 0 the
//!   first in line gets the lock. By another: `false`.
//! - **Close.** When the server notices that a connection closed, that
//!   connection's lock is released (whatever its count) and its blocked call
//!   is dropped. An answer for a connection that has closed is lost with it
//!   (`Out::send_on`).
//!
//! - **`FOR UPDATE`** (the two `pg_select_for_update` variants): the lock
//!   is the row lock of the transaction the call opened (`BEGIN; SELECT *
//!   FROM locks WHERE name = 'lock' FOR UPDATE`), released by `COMMIT`, and,
//!   like an advisory lock, when the connection closes (its transaction
//!   aborts). The server also runs `idle_in_transaction_session_timeout`,
//!   set to the scenario's `ttl_ticks` on its monotonic clock, from the
//!   grant: the holder sends no statement until its `COMMIT`, so its
//!   transaction is idle all along its critical section. When the timeout
//!   runs out the server terminates the session, and the row lock goes to
//!   the next in line. The holder is not reading its connection while it
//!   works, so it hears of this only when its `COMMIT` fails (the model
//!   answers it `held: false`): until then it believes it holds the lock.
//!   Without the timeout the row lock behaves as `pg_advisory_lock` does.
//!
//! MySQL's `GET_LOCK` is called with timeout `-1`, so it blocks as
//! `pg_advisory_lock` does and the two behave alike on one server; `mysql_get_lock` is
//! here for the record and as the baseline of its auto-reconnect flavour.
//! No variant reads a clock: there is no lease, the connection is the lease.
//!
//! # Through PgBouncer (`pg_advisory_lock_pooled`)
//! The clients connect to PgBouncer in `pool_mode = transaction`; each
//! statement (autocommit: a transaction of its own) runs on a backend the
//! pooler picks, and the lock belongs to that backend, not to the client.
//! The pooler opens a backend when none is idle (PgBouncer opens server
//! connections on demand, up to a pool size no run here reaches). The
//! pick is PgBouncer's default, LIFO: the idle backend returned last, which
//! makes the choice a function of the state (handlers must be
//! deterministic) and is what a real pooler with an idle pool does. A
//! backend blocked in `pg_advisory_lock` stays assigned until it is granted.
//! A backend that was granted the lock goes back to the pool holding it: the
//! next client's `pg_advisory_lock` lands on it and is granted re-entrantly,
//! and an unlock that lands on another backend returns `false` and leaves
//! the lock held. A client whose connection to PgBouncer closes while its
//! call blocks takes the backend with it (PgBouncer closes a server
//! connection left in a transaction); an idle backend keeps its lock.
//!
//! # The client
//! 1. Lock (blocks until granted), then it holds the lock.
//! 2. Release: unlock, and the release is done when the answer comes,
//!    whatever it says (applications ignore `pg_advisory_unlock`'s `false`
//!    and `RELEASE_LOCK`'s `NULL`).
//! 3. When its library reports the connection broken (and a new one is
//!    open): a pending lock call is made again on the new connection, and
//!    a release is done (the session, and its lock, went with the old
//!    connection). A holder knows its lock went with the session and asks
//!    again (`out.lost()`), except with automatic reconnection
//!    (`mysql_get_lock_autoreconnect`), where the library hides the break
//!    and the application goes on as if it held the lock.
//!
//! # The transaction as the fence (`pg_select_for_update`)
//! With the protected write in the holder's transaction (an `UPDATE` of a
//! table in the same database), a transaction the server terminated or
//! that aborted takes its write with it: PostgreSQL never commits a write
//! of a transaction that no longer holds the row lock. The world's
//! resource is not a table of the server, so the model gives the write
//! that fate by the mechanism the world has: each grant hands the holder
//! its transaction's id (counted by the server, saved across a restart, as
//! PostgreSQL's transaction ids are), the workload sends it with every
//! read and write, and the resource refuses a write from a transaction
//! older than one that has touched it. This refuses less than PostgreSQL
//! does: a terminated transaction's write is refused only once the next
//! holder has read the resource, where PostgreSQL refuses it at once. The
//! write it lets through comes before the next holder's read, so the next
//! holder builds on it and no update is lost either way: `resource_safe`
//! has the same verdict. The transaction ids grow with every grant; they
//! are `FenceToken`s from the server's `FenceCounter`, which the harness
//! renumbers under endless rounds, so the liveness verdicts are decided
//! there too.
//!
//! `pg_select_for_update_external` is the same row lock guarding a
//! resource outside the database (a file, a call to another service): its
//! writes carry nothing the resource could check.
//!
//! # Expected weaknesses
//! - No fencing: the lock guards the resource only while the holder's
//!   connection lives. A server restart, or a crashed holder whose write is
//!   still in flight, lets the lock go to the next client while the old
//!   holder's write can still land. A partition that broke an idle
//!   holder's connection would do the same; in this world a connection
//!   breaks only with traffic on it, and a holder sends none (see the
//!   verdicts).
//! - A process pause breaks nothing: the holder's TCP connection lives on
//!   in its kernel, and the server waits for it however long it stalls.
//! - Automatic reconnection loses the lock silently on every break.
//! - Transaction pooling hands the lock to whoever's statement lands on
//!   the holding backend, with no fault at all.
//! - `FOR UPDATE` under `idle_in_transaction_session_timeout` is a lease
//!   with no renewal: a holder that pauses, works longer than the timeout,
//!   or hears of its grant late (async network), or a server clock that
//!   runs fast, ends the transaction while its client still believes it
//!   holds the lock. With the write in the transaction that costs no
//!   update; with an external resource it loses one.
//!
//! # Expected verdicts (`models/sql_session_lock.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//!
//! <!-- expectations: generated from sql_session_lock.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `pg_advisory_lock` | `pg_advisory_lock_pooled` | `mysql_get_lock` | `mysql_get_lock_autoreconnect` | `pg_select_for_update` | `pg_select_for_update_external` |
//! |---|---|---|---|---|---|---|
//! | no-faults | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | ok (live) | ok (live) |
//! | holder-crash | resource ✗ (live) | mutex ✗, resource ✗ (live) | resource ✗ (live) | resource ✗ (live) | ok (live) | resource ✗ (live) |
//! | gc-pause | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | clock-jump | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | ok (live) | ok (live) |
//! | clock-drift | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | message-loss | ok (live) | mutex ✗, resource ✗, progress ? (live) (state limit 200k, 1M for the liveness graph) | ok (live) | ok (live) | ok (live) | ok (live) |
//! | partition | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | ok (live) | ok (live) |
//! | server-restart | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗, progress ? (live) (state limit 200k, 2M for the liveness graph) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | async-network | progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | progress ✗ (live) | progress ✗ (live) | mutex ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) |
//! | crowd-atomic | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! | duplicates | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | ok (live) | ok (live) |
//! | endless-contention | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | ok (live) | ok (live) |
//! | long-work | ok (live) | mutex ✗, resource ✗ (live) | ok (live) | ok (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/sql_session_lock_models.rs`)
//! `mysql_get_lock` has the states and verdicts of `pg_advisory_lock` in
//! every scenario (on one server they are the same lock).
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults, direct | holds | holds | holds | the second client's call blocks until the holder's unlock, which hands the lock on |
//! | no-faults, pooled | violated (4) | violated (10) | holds | c1's `pg_advisory_lock` runs on backend 0, which goes back to the pool holding the lock; c2's call is the next statement and lands on backend 0 (LIFO), which already holds the lock: granted again, counted, and both clients hold it. The same 4 steps violate every scenario, faults or not |
//! | holder-crash | holds | violated (12) | holds | the crashed holder's connection closes, the server releases its lock and the other client gets it; the crashed client's write, already in flight, lands after the new holder's read: the lock does not fence. `deadlock_free` and `starvation_free` hold |
//! | gc-pause | holds | holds | holds | a paused process keeps its TCP connection (its kernel still answers), so the server keeps its lock however long it stalls; nothing here expires a lock by time. (A server-side idle timeout, MySQL's `wait_timeout` or PostgreSQL's `idle_session_timeout`, would end such a session; it is not modelled) |
//! | message-loss, partition | holds | holds | holds | a connection breaks only when a message in flight is lost or cut, and a holder sends nothing on its connection during its section: a break can only strike a pending lock call (made again on the new connection; the lock it may have been granted is released when the server notices the close) or a release. An idle holder's connection, broken with no traffic (by a keepalive timeout or a middlebox), is outside this world; `mysql_get_lock_autoreconnect` would lose its lock silently there |
//! | server-restart | violated (7) | violated (13) | holds | advisory and named locks live in memory: the restarted server has forgotten the lock, the other client reconnects and gets it before the holder hears its connection broke. The auto-reconnect client never hears of it at all; with the others the race is enough |
//! | async-network | holds | holds | violated (14) | a message may take until the horizon |
//! | endless-contention | holds | holds | holds | blocked calls are served in arrival order, so neither client starves (`deadlock_free`, `starvation_free` hold). The pooled variant is live there too (graph 4,095 states), both clients holding at once, with the counter's values forgotten once an update is lost (see `docs/properties.md`) |
//!
//! The pooled variant's `progress` under message-loss and server-restart is
//! left undecided by a state limit (200,000) that keeps those cells fast;
//! its safety verdicts are the 4-step ones above. Its liveness graphs there
//! are complete under a limit of their own (`"liveness_states_max"`:
//! 672,990 states under message-loss, 1,619,143 under server-restart,
//! about 3 and 8 s; not pinned, `compare --check` decides them), and both
//! properties hold: a broken connection or a restarted server frees the
//! lock, and the pool opens a new connection, so nobody waits forever.
//!
//! The two `FOR UPDATE` variants, where they differ from `pg_advisory_lock`
//! (`tx`: `pg_select_for_update`, the write in the transaction; `ext`:
//! `pg_select_for_update_external`):
//!
//! | scenario | mutual_exclusion | resource_safe | why |
//! |---|---|---|---|
//! | holder-crash | holds | tx holds, ext violated (12) | the crashed holder's write still in flight lands after the next holder's read, as with the advisory lock; in the transaction, its id is older than the one the next holder's read showed the resource, and it is refused (PostgreSQL would have rolled it back with the aborted transaction) |
//! | gc-pause, crowd-atomic | violated (15) | tx holds, ext violated (21; 20) | the holder stalls in its critical section, the timeout ends its idle transaction after the TTL, the next client is granted the row and writes, and the holder wakes still believing it holds the lock; its external write is a stale one, its write in the old transaction is refused |
//! | long-work | violated (15) | tx holds, ext violated (35) | the same with no fault: a 10-tick critical section outlasts the 8-tick timeout |
//! | clock-drift | violated (11) | tx holds, ext violated (15) | the server's clock runs 50% fast, and the 6-tick timeout ends a transaction after 4 real ticks, inside an ordinary critical section |
//! | async-network | violated (11) | tx holds, ext violated (17) | the timeout starts when the server grants the row, and the grant may take longer than that to arrive: the holder starts its critical section in a transaction that has already ended |
//! | server-restart | violated (7) | tx holds, ext violated (13) | row locks live in memory, as advisory locks do; the transaction ids do not go back after the restart, so the old holder's write is refused once the new holder has read |
//! | endless-contention | holds | holds | blocked calls are served in order, so both are live (`deadlock_free`, `starvation_free` hold); `tx`'s transaction ids grow with every round and are renumbered, and its liveness graph is the same size as `ext`'s (529 states) |
//!
//! The other standard scenarios (clock-jump: the timeout runs on the
//! monotonic clock; message-loss, partition: a connection breaks only with
//! traffic on it, and an idle holder sends none; duplicates) break neither
//! variant.

use serde::{Deserialize, Serialize};

use crate::node::{
    ConnId, Ctx, FenceCounter, FenceToken, LockModel, LockParams, NodeId, Out, Param, Symmetry,
    TimeVisitors, Transport, Variant,
};
use crate::{rename_fields, rename_variants};

// The model keeps no time (see `LockModel::times` below).
crate::times_nothing!(Holder, Waiter, Step);
crate::times_fields!(SqlServer {
    holder,
    line,
    idle,
    opened,
    last_txid
});
crate::times_variants!(Msg {
    Lock,
    Unlock,
    Granted,
    Unlocked { held },
    GrantedTx { txid }
});

/// Which lock, as which client drives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// `pg_advisory_lock` on the client's own connection.
    Postgres,
    /// `pg_advisory_lock` through PgBouncer in transaction pooling.
    PostgresPooled,
    /// MySQL `GET_LOCK(name, -1)`.
    Mysql,
    /// MySQL `GET_LOCK` with a client library that reconnects by itself.
    MysqlAutoReconnect,
    /// `SELECT ... FOR UPDATE` in an open transaction, under
    /// `idle_in_transaction_session_timeout`; `write_in_transaction`: the
    /// protected write is in that transaction, so its fate is the lock's.
    ForUpdate { write_in_transaction: bool },
}

/// The model: one type, six flavours.
#[derive(Clone, Debug)]
pub struct SqlSessionLock {
    pub flavour: Flavour,
    /// `idle_in_transaction_session_timeout`, for the `FOR UPDATE`
    /// flavours (the scenario's `ttl_ticks`); 0 for the others.
    pub idle_timeout_ticks: u32,
}

/// Who holds the lock: a connection's backend (`client`'s connection
/// `conn`), or, through the pooler, a backend whatever client it serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Holder {
    Session { client: NodeId, conn: ConnId },
    Backend(u8),
}
rename_variants!(Holder { Session { client, conn }, Backend(b) });

/// A lock call blocked in line: the connection to answer on, and the
/// backend that runs it (the connection's own, or the pooler's pick).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Waiter {
    pub client: NodeId,
    pub conn: ConnId,
    pub backend: u8,
}
rename_fields!(Waiter {
    client,
    conn,
    backend
});

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SqlServer {
    /// The lock's holder and how many times it took the lock.
    pub holder: Option<(Holder, u8)>,
    /// Blocked lock calls, first come first.
    pub line: Vec<Waiter>,
    /// Through the pooler: the idle backends, the one returned last at the
    /// end (LIFO). Empty for the other flavours.
    pub idle: Vec<u8>,
    /// Through the pooler: how many backends it has opened (their ids are
    /// `0..opened`). It opens one when none is idle; a backend it closes is
    /// not reused, so a new id stands for a fresh backend. Only faults
    /// close backends, so the count is bounded by the fault budget.
    pub opened: u8,
    /// `pg_select_for_update`: the id of the last transaction granted the
    /// row lock (0 before the first), handed to its holder as the token of
    /// its writes. Saved on every grant: PostgreSQL's transaction ids
    /// survive a restart. 0 for the other flavours.
    pub last_txid: FenceCounter,
}
rename_fields!(SqlServer {
    holder,
    line,
    idle,
    opened,
    last_txid
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Step {
    Idle,
    Locking,
    Holding,
    Unlocking,
}
crate::rename_nothing!(Step);

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Msg {
    /// `SELECT pg_advisory_lock(42)` / `SELECT GET_LOCK('lock', -1)`.
    Lock,
    /// `SELECT pg_advisory_unlock(42)` / `SELECT RELEASE_LOCK('lock')`.
    Unlock,
    /// The lock call returned: granted.
    Granted,
    /// The unlock returned: whether this session (or backend) held the lock.
    Unlocked { held: bool },
    /// `pg_select_for_update`: the row lock is granted to the transaction
    /// `txid`, whose writes carry it.
    GrantedTx { txid: FenceToken },
}
rename_variants!(Msg {
    Lock,
    Unlock,
    Granted,
    Unlocked { held },
    GrantedTx { txid }
});

impl SqlSessionLock {
    fn pooled(&self) -> bool {
        self.flavour == Flavour::PostgresPooled
    }

    fn mysql(&self) -> bool {
        matches!(self.flavour, Flavour::Mysql | Flavour::MysqlAutoReconnect)
    }

    fn for_update(&self) -> bool {
        matches!(self.flavour, Flavour::ForUpdate { .. })
    }

    /// `pg_select_for_update`: the protected write is in the transaction
    /// that holds the row, whose id is its token.
    fn write_in_transaction(&self) -> bool {
        matches!(
            self.flavour,
            Flavour::ForUpdate {
                write_in_transaction: true
            }
        )
    }

    /// The answer to a lock call that is granted: where the write is in
    /// the holder's transaction, that transaction's id as its token, a new
    /// one unless the transaction already held the row (`again`).
    fn grant(&self, st: &mut SqlServer, again: bool, out: &mut Out<Self>) -> Msg {
        if !self.write_in_transaction() {
            return Msg::Granted;
        }
        let txid = if again {
            st.last_txid.last()
        } else {
            let txid = st.last_txid.hand_out();
            out.save(st.last_txid);
            txid
        };
        Msg::GrantedTx { txid }
    }

    /// `idle_in_transaction_session_timeout`: the server's one timer runs
    /// from the moment a transaction is granted the row lock (it is then
    /// idle: its holder sends nothing until `COMMIT`) until it gives the
    /// lock up. Called after every server step with the holder it started
    /// with.
    fn time_holder(&self, before: Option<(Holder, u8)>, st: &SqlServer, out: &mut Out<Self>) {
        if !self.for_update() || st.holder == before {
            return;
        }
        match st.holder {
            Some(_) => out.set_timer((), self.idle_timeout_ticks),
            None => out.cancel_timer(()),
        }
    }

    /// The backend a statement from `client` on `conn` runs on, taken from
    /// the pool (the pooler), or the connection's own.
    fn assign(&self, st: &mut SqlServer, client: NodeId, conn: ConnId) -> (Holder, u8) {
        if self.pooled() {
            // PgBouncer opens a server connection when none is idle.
            let b = st.idle.pop().unwrap_or_else(|| {
                st.opened += 1;
                st.opened - 1
            });
            (Holder::Backend(b), b)
        } else {
            (Holder::Session { client, conn }, 0)
        }
    }

    /// The statement on `backend` is over: the pooler takes it back.
    fn give_back(&self, st: &mut SqlServer, backend: u8) {
        if self.pooled() {
            st.idle.push(backend);
        }
    }

    /// A statement from `src` on its connection `conn`.
    fn on_statement(
        &self,
        st: &mut SqlServer,
        src: NodeId,
        conn: ConnId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        match msg {
            Msg::Lock => {
                let (who, backend) = self.assign(st, src, conn);
                let again = st.holder.is_some_and(|(h, _)| h == who);
                match st.holder {
                    None => st.holder = Some((who, 1)),
                    // Re-entrant: the same session (or backend) again.
                    Some((h, count)) if h == who => {
                        st.holder = Some((h, count.saturating_add(1)));
                    }
                    Some(_) => {
                        st.line.push(Waiter {
                            client: src,
                            conn,
                            backend,
                        });
                        return;
                    }
                }
                self.give_back(st, backend);
                let granted = self.grant(st, again, out);
                out.send_on(src, conn, granted);
            }
            Msg::Unlock => {
                let (who, backend) = self.assign(st, src, conn);
                let held = match st.holder {
                    Some((h, count)) if h == who => {
                        st.holder = (count > 1).then_some((h, count - 1));
                        true
                    }
                    _ => false,
                };
                self.give_back(st, backend);
                out.send_on(src, conn, Msg::Unlocked { held });
                self.hand_on(st, out);
            }
            // Only the server sends the others.
            Msg::Granted | Msg::Unlocked { .. } | Msg::GrantedTx { .. } => {}
        }
    }

    /// The lock is free: the first blocked call gets it.
    fn hand_on(&self, st: &mut SqlServer, out: &mut Out<Self>) {
        if st.holder.is_some() || st.line.is_empty() {
            return;
        }
        let w = st.line.remove(0);
        let granted = self.grant(st, false, out);
        st.holder = Some((
            if self.pooled() {
                Holder::Backend(w.backend)
            } else {
                Holder::Session {
                    client: w.client,
                    conn: w.conn,
                }
            },
            1,
        ));
        self.give_back(st, w.backend);
        out.send_on(w.client, w.conn, granted);
    }
}

impl LockModel for SqlSessionLock {
    type Server = SqlServer;
    /// `pg_select_for_update`'s last transaction id.
    type Durable = FenceCounter;
    type Client = Step;
    type Msg = Msg;
    type Timer = ();

    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "pg_advisory_lock",
            summary: "PostgreSQL pg_advisory_lock: held by the connection's backend, released by pg_advisory_unlock or when the server notices the connection closed",
        },
        Variant {
            id: "pg_advisory_lock_pooled",
            summary: "pg_advisory_lock through PgBouncer in transaction pooling: the lock belongs to whichever backend ran the statement",
        },
        Variant {
            id: "mysql_get_lock",
            summary: "MySQL GET_LOCK(name, -1): released by RELEASE_LOCK or when the session ends",
        },
        Variant {
            id: "mysql_get_lock_autoreconnect",
            summary: "mysql_get_lock with a client library that reconnects by itself and goes on as if it still held the lock",
        },
        Variant {
            id: "pg_select_for_update",
            summary: "PostgreSQL SELECT ... FOR UPDATE with the protected write in the same transaction: a transaction the server ends takes its write with it",
        },
        Variant {
            id: "pg_select_for_update_external",
            summary: "the same row lock guarding a resource outside the database: the server's idle-in-transaction timeout ends the lock while the holder works on",
        },
    ];

    /// `ttl_ticks`: `idle_in_transaction_session_timeout`, for the
    /// `FOR UPDATE` variants only.
    const PARAMS: &'static [Param] = &[crate::models::params::TTL_TICKS];

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        let flavour = match variant {
            "pg_advisory_lock" => Flavour::Postgres,
            "pg_advisory_lock_pooled" => Flavour::PostgresPooled,
            "mysql_get_lock" => Flavour::Mysql,
            "mysql_get_lock_autoreconnect" => Flavour::MysqlAutoReconnect,
            "pg_select_for_update" => Flavour::ForUpdate {
                write_in_transaction: true,
            },
            "pg_select_for_update_external" => Flavour::ForUpdate {
                write_in_transaction: false,
            },
            other => return Err(format!("unknown SQL session lock variant `{other}`")),
        };
        let idle_timeout_ticks = match flavour {
            Flavour::ForUpdate { .. } => params.require(crate::models::params::TTL_TICKS.name)?,
            _ => 0,
        };
        Ok(SqlSessionLock {
            flavour,
            idle_timeout_ticks,
        })
    }

    fn server_name(&self, _index: usize) -> String {
        "db".to_string()
    }

    /// The model reads no clock and sets no timer, so it keeps no time: the
    /// harness's shift has nothing of the model's to move, and every
    /// behaviour is the same under it.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        Some(TimeVisitors::by_times())
    }

    /// Nothing in the model grows with rounds (the world's connection
    /// numbers grow only with faults, which end), except the transaction
    /// ids of `pg_select_for_update`, its tokens, which are [`FenceToken`]s
    /// the harness renumbers.
    fn rounds_bounded(&self) -> bool {
        true
    }

    /// Clients run the same code; the server names them only by node id,
    /// and the pooler picks backends without looking at the client.
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    fn describe_msg(&self, msg: &Msg) -> String {
        if self.for_update() {
            return match msg {
                Msg::Lock => {
                    "BEGIN; SELECT * FROM locks WHERE name = 'lock' FOR UPDATE".to_string()
                }
                Msg::Unlock => "COMMIT".to_string(),
                Msg::Granted => "row locked".to_string(),
                Msg::GrantedTx { txid } => format!("row locked by transaction {txid}"),
                Msg::Unlocked { held: true } => "COMMIT ok".to_string(),
                Msg::Unlocked { held: false } => {
                    "COMMIT failed: the session was terminated (idle in transaction)".to_string()
                }
            };
        }
        match (msg, self.mysql()) {
            (Msg::Lock, false) => "SELECT pg_advisory_lock(42)".to_string(),
            (Msg::Lock, true) => "SELECT GET_LOCK('lock', -1)".to_string(),
            (Msg::Unlock, false) => "SELECT pg_advisory_unlock(42)".to_string(),
            (Msg::Unlock, true) => "SELECT RELEASE_LOCK('lock')".to_string(),
            (Msg::Granted, _) => "lock granted".to_string(),
            (Msg::Unlocked { held }, false) => format!("unlock returned {held}"),
            (Msg::Unlocked { held: true }, true) => "RELEASE_LOCK returned 1".to_string(),
            (Msg::Unlocked { held: false }, true) => "RELEASE_LOCK returned 0/NULL".to_string(),
            (Msg::GrantedTx { txid }, _) => format!("lock granted ({txid})"),
        }
    }

    fn describe_timer(&self, _timer: &()) -> String {
        "idle_in_transaction_session_timeout: the holder's session is terminated".to_string()
    }

    fn server_init(&self, _ctx: &Ctx, durable: Option<&FenceCounter>) -> SqlServer {
        SqlServer {
            holder: None,
            line: Vec::new(),
            idle: Vec::new(),
            opened: 0,
            last_txid: durable.copied().unwrap_or_default(),
        }
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        st: &mut SqlServer,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        let conn = ctx.conn.unwrap_or_default();
        let before = st.holder;
        self.on_statement(st, src, conn, msg, out);
        self.time_holder(before, st, out);
    }

    /// `idle_in_transaction_session_timeout` ran out for the holder's
    /// transaction: the server terminates its session, and the row lock
    /// goes to the next in line. The holder hears of it only when its
    /// `COMMIT` fails: it is not reading its connection while it works.
    fn server_on_timer(&self, _ctx: &Ctx, st: &mut SqlServer, _timer: (), out: &mut Out<Self>) {
        let before = st.holder;
        st.holder = None;
        self.hand_on(st, out);
        self.time_holder(before, st, out);
    }

    /// The server noticed that `client`'s connection `ctx.conn` closed: its
    /// backend ends, and with it the session's lock and its blocked call.
    /// Through the pooler, only a backend blocked for that client goes (an
    /// idle one keeps its lock).
    fn server_on_disconnect(
        &self,
        ctx: &Ctx,
        st: &mut SqlServer,
        client: NodeId,
        out: &mut Out<Self>,
    ) {
        let conn = ctx.conn.unwrap_or_default();
        let before = st.holder;
        let mine = |w: &Waiter| w.client == client && w.conn == conn;
        // Through the pooler, the closed backend leaves the pool for good.
        st.line.retain(|w| !mine(w));
        if st
            .holder
            .is_some_and(|(h, _)| h == Holder::Session { client, conn })
        {
            st.holder = None;
        }
        self.hand_on(st, out);
        self.time_holder(before, st, out);
    }

    fn client_init(&self, _ctx: &Ctx) -> Step {
        Step::Idle
    }

    fn client_acquire(&self, ctx: &Ctx, c: &mut Step, out: &mut Out<Self>) {
        *c = Step::Locking;
        out.send(ctx.server(), Msg::Lock);
    }

    fn client_release(&self, ctx: &Ctx, c: &mut Step, out: &mut Out<Self>) {
        *c = Step::Unlocking;
        out.send(ctx.server(), Msg::Unlock);
    }

    fn client_on_msg(&self, _ctx: &Ctx, c: &mut Step, _src: NodeId, msg: Msg, out: &mut Out<Self>) {
        match (msg, *c) {
            (Msg::Granted, Step::Locking) => {
                *c = Step::Holding;
                out.acquired(None);
            }
            // The protected write is in the transaction that holds the row
            // lock: the resource refuses it once a later transaction has
            // touched it (see the module documentation).
            (Msg::GrantedTx { txid }, Step::Locking) => {
                *c = Step::Holding;
                out.acquired(Some(txid.number()));
            }
            (Msg::Unlocked { .. }, Step::Unlocking) => {
                *c = Step::Idle;
                out.released();
            }
            // Nothing else comes in order on one connection.
            _ => {}
        }
    }

    fn client_on_timer(&self, _ctx: &Ctx, _c: &mut Step, _timer: (), _out: &mut Out<Self>) {}

    fn transport(&self) -> Transport {
        Transport::Session
    }

    /// One backend per connection: the server must know which closed.
    fn connection_ids(&self) -> bool {
        true
    }

    /// The library reports the broken connection, and a new one is open.
    fn client_on_disconnect(&self, _ctx: &Ctx, c: &mut Step, server: NodeId, out: &mut Out<Self>) {
        match *c {
            // The blocked call failed with the connection: call again.
            Step::Locking => out.send(server, Msg::Lock),
            // The session, and its lock, are gone with the connection.
            Step::Unlocking => {
                *c = Step::Idle;
                out.released();
            }
            // A holder knows its session lock ended with the session, and
            // asks again; with automatic reconnection the library says
            // nothing and the application goes on as if it held the lock.
            Step::Holding if self.flavour != Flavour::MysqlAutoReconnect => {
                *c = Step::Idle;
                out.lost();
            }
            Step::Holding | Step::Idle => {}
        }
    }
}
