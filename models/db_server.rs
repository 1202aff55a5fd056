//! The database the database locks (`models/db_lock.rs`) talk to: its
//! tables and how it runs each statement the locks send it (the statements
//! and replies themselves are `models/db_sql.rs`). It
//! follows PostgreSQL, and `src/real/postgres.rs` checks it against a real
//! one statement by statement (see `docs/real-servers.md`).
//!
//! The tables:
//! - the seed's `lock (node PRIMARY KEY, expire_time)`, a row per node
//!   (`lock_node` on the real server);
//! - `lock (name PRIMARY KEY, owner, expires_at, version)`, one row per lock,
//!   `version` from the sequence `lock_version` for the fenced variant;
//! - `lock_claim (id bigserial PRIMARY KEY, owner, name, expires_at)`, with
//!   no key on the lock's name, for the check-then-insert variant.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::models::redis::Value;
use crate::node::{FenceCounter, FenceToken, Instant, NodeId};
use crate::{visit_fields, visit_variants};

/// The statements and replies, with their SQL (in their own file).
pub use crate::models::db_sql::{Expiry, Reply, Stmt};

/// A row's primary key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RowKey {
    /// The article's table: one row per node, keyed by the node's id.
    Node(NodeId),
    /// The corrected tables: one row, keyed by the lock's name.
    Lock,
    /// The check-then-insert table, which has no key on the lock's name:
    /// a claim by its owner, and how many rows of that owner were there
    /// when it was inserted (a resent `INSERT` adds a second row).
    Claim(Value, u8),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Row {
    /// Who holds it: a value unique to one client's acquisition, naming the
    /// client (so that renaming clients renames it). The article's rows are
    /// owned by the node their key names and leave it `0`.
    pub owner: Value,
    /// `expire_time` / `expires_at`, on whichever clock wrote it; `None` for
    /// a row that never expires.
    pub expires_at: Option<Instant>,
    /// The fencing token, from the `lock_version` sequence; 0 if unfenced.
    pub version: FenceToken,
    /// PostgreSQL's `xmin`: the transaction that wrote this version of the
    /// row, for the one variant that reads it (a `REPEATABLE READ`
    /// transaction fails to update a row written since its snapshot); 0
    /// where the server counts no transactions.
    pub xmin: FenceToken,
}

/// The database. Committed rows and the sequence survive a crash (a write is
/// acknowledged only once it is durable), so the whole state is durable.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DbServer {
    pub rows: BTreeMap<RowKey, Row>,
    /// The `lock_version` sequence: it lives outside the row, so it keeps
    /// counting when a release deletes the row.
    /// `None` on a server that hands out no versions (every variant but
    /// the fenced one), so that a counter that never moves does not sit in
    /// the family of the `xmin`s' counter (the liveness checker keeps the
    /// distance between two counters of one family).
    pub version_seq: Option<FenceCounter>,
    /// The value the sequence last wrote ahead to its log. PostgreSQL logs
    /// a sequence [`SEQUENCE_LOG_AHEAD`] values ahead of the one it hands
    /// out, and after a crash goes on from the logged value: versions skip,
    /// though never go back (`tests/real_servers.rs` checks it on a real
    /// PostgreSQL). It is a token of the versions' family, computed from
    /// one: the liveness checker moves every version at or above the
    /// sequence's counter down by the same amount, which keeps it 32
    /// ahead (see `src/world/tokens.rs`).
    pub version_logged: FenceToken,
    /// The last transaction id handed to a write of a row, for the
    /// `REPEATABLE READ` variant; `None` for the others, whose server
    /// numbers nothing (every `xmin` is 0, which keeps states apart only
    /// where something could tell them apart). Transaction ids survive a
    /// crash, as PostgreSQL's do.
    pub xid: Option<FenceCounter>,
    /// The open `REPEATABLE READ` transactions, by client. The server
    /// keeps the snapshot, as PostgreSQL does, so no version travels in a
    /// message. Lost in a crash, which aborts every open transaction.
    pub snapshots: BTreeMap<NodeId, OpenTransaction>,
}

/// A `REPEATABLE READ` transaction waiting for its `UPDATE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct OpenTransaction {
    /// The `xmin` of the row version its snapshot saw.
    pub seen: FenceToken,
    /// When it started, on the database's clock: its `NOW()` for every
    /// statement in it (PostgreSQL's `now()` is the transaction's start).
    pub started: Instant,
}

/// How far ahead of `nextval` PostgreSQL logs a sequence (`SEQ_LOG_VALS`).
pub const SEQUENCE_LOG_AHEAD: u64 = 32;

impl DbServer {
    /// An empty database with a fresh sequence.
    pub fn new() -> DbServer {
        DbServer {
            rows: BTreeMap::new(),
            version_seq: None,
            version_logged: FenceToken::ZERO,
            xid: None,
            snapshots: BTreeMap::new(),
        }
    }

    /// An empty database that stamps every row it writes with the id of
    /// the writing transaction (`xmin`), which a `REPEATABLE READ`
    /// transaction compares with the one it saw.
    pub fn with_row_versions() -> DbServer {
        DbServer {
            xid: Some(FenceCounter::new()),
            ..DbServer::new()
        }
    }

    /// The database as it starts again after a crash: its committed rows,
    /// and its sequence at the value it had logged.
    pub fn recovered(&self) -> DbServer {
        DbServer {
            rows: self.rows.clone(),
            version_seq: self
                .version_seq
                .map(|_| FenceCounter::from_last(self.version_logged.number())),
            version_logged: self.version_logged,
            xid: self.xid,
            snapshots: BTreeMap::new(),
        }
    }
}

impl Default for DbServer {
    fn default() -> Self {
        DbServer::new()
    }
}

impl DbServer {
    /// Runs one statement at the database's wall-clock time `now`.
    pub fn execute(&mut self, now: Instant, stmt: Stmt) -> Reply {
        let expires_at = |expiry: Expiry| match expiry {
            Expiry::Never => None,
            Expiry::ClientClock { expires_at, .. } => Some(expires_at),
            Expiry::DbClock { ttl_ticks } => Some(now.after(ttl_ticks)),
        };
        match stmt {
            Stmt::InsertNode { node, expire_time } => {
                let xmin = self.next_xmin();
                self.insert(
                    RowKey::Node(node),
                    Row {
                        owner: Value::Num(FenceToken::ZERO),
                        expires_at: Some(expire_time),
                        version: FenceToken::ZERO,
                        xmin,
                    },
                )
            }
            Stmt::SelectNode { node } => Reply::Selected(
                self.rows
                    .get(&RowKey::Node(node))
                    .and_then(|r| r.expires_at),
            ),
            Stmt::DeleteNode { node } => Reply::Rows {
                rows: self.rows.remove(&RowKey::Node(node)).is_some() as u8,
                version: None,
            },
            Stmt::Insert {
                owner,
                expiry,
                fenced,
            } => {
                // `nextval` runs before the key is checked, and a sequence
                // is not rolled back: a refused insert burns a version, as
                // PostgreSQL's does (`tests/real_servers.rs` compares them).
                let version = self.next_version(fenced);
                if self.rows.contains_key(&RowKey::Lock) {
                    return Reply::DuplicateKey;
                }
                let xmin = self.next_xmin();
                self.insert(
                    RowKey::Lock,
                    Row {
                        owner,
                        expires_at: expires_at(expiry),
                        version,
                        xmin,
                    },
                )
            }
            Stmt::TakeOver {
                owner,
                expiry,
                fenced,
            } => {
                if self.expired(now, &expiry) != Some(true) {
                    return Reply::Rows {
                        rows: 0,
                        version: None,
                    };
                }
                let version = self.next_version(fenced);
                let xmin = self.next_xmin();
                self.rows.insert(
                    RowKey::Lock,
                    Row {
                        owner,
                        expires_at: expires_at(expiry),
                        version,
                        xmin,
                    },
                );
                Reply::Rows {
                    rows: 1,
                    version: fenced.then_some(version),
                }
            }
            Stmt::Delete { owner } => {
                let mine = self
                    .rows
                    .get(&RowKey::Lock)
                    .is_some_and(|r| r.owner == owner);
                if mine {
                    self.rows.remove(&RowKey::Lock);
                }
                Reply::Rows {
                    rows: mine as u8,
                    version: None,
                }
            }
            Stmt::DeleteAny => Reply::Rows {
                rows: self.rows.remove(&RowKey::Lock).is_some() as u8,
                version: None,
            },
            Stmt::SelectExpired { expiry } => Reply::Expired(self.expired(now, &expiry)),
            Stmt::Update { owner, expiry } => self.update(None, owner, expires_at(expiry)),
            Stmt::AnyLive => Reply::AnyLive(self.rows.iter().any(|(key, row)| {
                matches!(key, RowKey::Claim(..)) && row.expires_at.is_some_and(|at| at >= now)
            })),
            Stmt::InsertClaim { owner, ttl_ticks } => {
                let mine = self.claims_of(owner);
                let xmin = self.next_xmin();
                self.insert(
                    RowKey::Claim(owner, mine),
                    Row {
                        owner,
                        expires_at: Some(now.after(ttl_ticks)),
                        version: FenceToken::ZERO,
                        xmin,
                    },
                )
            }
            Stmt::SelectOwner { expiry } => Reply::Owner {
                owner: self.rows.get(&RowKey::Lock).map(|r| r.owner),
                expired: self.expired(now, &expiry) == Some(true),
            },
            Stmt::UpdateIfOwner {
                expected,
                owner,
                expiry,
            } => self.update(Some(expected), owner, expires_at(expiry)),
            Stmt::SelectSnapshot { client, expiry } => {
                let row = self.rows.get(&RowKey::Lock);
                let owner = row.map(|r| r.owner);
                let expired = self.expired(now, &expiry) == Some(true);
                // A new transaction ends the client's earlier one.
                self.snapshots.remove(&client);
                if let (Some(row), true) = (row, expired) {
                    let open = OpenTransaction {
                        seen: row.xmin,
                        started: now,
                    };
                    self.snapshots.insert(client, open);
                }
                Reply::Snapshot { owner, expired }
            }
            Stmt::UpdateSnapshot {
                client,
                owner,
                expiry,
            } => {
                // First updater wins: a row written (or deleted) since the
                // snapshot cannot be updated in it.
                let Some(open) = self.snapshots.remove(&client) else {
                    return Reply::SerializationFailure;
                };
                if self.rows.get(&RowKey::Lock).map(|r| r.xmin) != Some(open.seen) {
                    return Reply::SerializationFailure;
                }
                // `NOW() + ttl` in the transaction: from its start.
                let expires_at = match expiry {
                    Expiry::DbClock { ttl_ticks } => Some(open.started.after(ttl_ticks)),
                    other => expires_at(other),
                };
                self.update(None, owner, expires_at)
            }
            Stmt::DeleteClaim { owner } => {
                let mine = self.claims_of(owner);
                self.rows
                    .retain(|key, _| !matches!(key, RowKey::Claim(o, _) if *o == owner));
                Reply::Rows {
                    rows: mine,
                    version: None,
                }
            }
        }
    }

    /// Whether the lock row has expired at `now` (the database's clock) or
    /// at the client's time the expiry carries; `None` without a row.
    /// `expires_at < <now>`: the row is still valid at its expiry instant
    /// and expired one tick later. A row without expiry never expires.
    fn expired(&self, now: Instant, expiry: &Expiry) -> Option<bool> {
        let judge_now = match *expiry {
            Expiry::Never => None,
            Expiry::ClientClock { client_now, .. } => Some(client_now),
            Expiry::DbClock { .. } => Some(now),
        };
        let row = self.rows.get(&RowKey::Lock)?;
        Some(match (judge_now, row.expires_at) {
            (Some(judge_now), Some(at)) => at < judge_now,
            _ => false,
        })
    }

    /// `UPDATE lock SET owner, expires_at WHERE name = 'lock' [AND owner =
    /// :expected]`, without the expiry condition.
    fn update(
        &mut self,
        expected: Option<Value>,
        owner: Value,
        expires_at: Option<Instant>,
    ) -> Reply {
        let matches = self
            .rows
            .get(&RowKey::Lock)
            .is_some_and(|r| expected.is_none_or(|e| r.owner == e));
        if matches {
            let xmin = self.next_xmin();
            if let Some(row) = self.rows.get_mut(&RowKey::Lock) {
                row.owner = owner;
                row.expires_at = expires_at;
                row.xmin = xmin;
            }
        }
        let found = matches;
        Reply::Rows {
            rows: found as u8,
            version: None,
        }
    }

    /// How many claim rows `owner` has.
    fn claims_of(&self, owner: Value) -> u8 {
        self.rows
            .keys()
            .filter(|key| matches!(key, RowKey::Claim(o, _) if *o == owner))
            .count() as u8
    }

    /// The id of the transaction writing a row now, if the server counts
    /// them.
    fn next_xmin(&mut self) -> FenceToken {
        self.xid
            .as_mut()
            .map_or(FenceToken::ZERO, FenceCounter::hand_out)
    }

    fn next_version(&mut self, fenced: bool) -> FenceToken {
        if !fenced {
            return FenceToken::ZERO;
        }
        let version = self
            .version_seq
            .get_or_insert_with(FenceCounter::new)
            .hand_out();
        if version > self.version_logged {
            self.version_logged = FenceToken::from_number(version.number() + SEQUENCE_LOG_AHEAD);
        }
        version
    }

    fn insert(&mut self, key: RowKey, row: Row) -> Reply {
        if self.rows.contains_key(&key) {
            return Reply::DuplicateKey;
        }
        let version = (row.version > FenceToken::ZERO).then_some(row.version);
        self.rows.insert(key, row);
        Reply::Rows { rows: 1, version }
    }
}

// A claim's key holds its owner's nonce, renamed and renumbered with the
// row's owner.
visit_variants!(RowKey {
    Node(node),
    Lock,
    Claim(owner, count)
});
visit_fields!(OpenTransaction { seen, started });
visit_fields!(Row {
    owner,
    expires_at,
    version,
    xmin
});
visit_fields!(DbServer {
    rows,
    version_seq,
    version_logged,
    xid,
    snapshots
});
