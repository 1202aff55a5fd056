//! The database the database locks (`models/db_lock.rs`) talk to: its
//! tables, the statements the locks send it, and how it runs each one. It
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
use crate::{rename_nothing, times_variants, visit_fields, visit_variants};

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

/// Where an expiry comes from and which clock judges it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Expiry {
    /// No expiry column.
    Never,
    /// `expires_at = :expires_at`, and a row is expired if
    /// `expires_at < :client_now`, both computed on the client's clock.
    ClientClock {
        expires_at: Instant,
        client_now: Instant,
    },
    /// `expires_at = NOW() + ttl`, expired if `expires_at < NOW()`, on the
    /// database's clock.
    DbClock { ttl_ticks: u32 },
}

/// The statements the family uses; each runs atomically.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Stmt {
    /// The seed: `INSERT INTO lock (node, expire_time) VALUES (:node, :expire_time)`.
    InsertNode { node: NodeId, expire_time: Instant },
    /// The seed: `SELECT * FROM lock WHERE node = :node`.
    SelectNode { node: NodeId },
    /// The seed: `DELETE FROM lock WHERE node = :node`.
    DeleteNode { node: NodeId },
    /// `INSERT INTO lock (name, owner, expires_at[, version]) VALUES ('lock',
    /// :owner, <expiry>[, nextval('lock_version')]) [RETURNING version]`.
    /// A refused insert still takes its version from the sequence.
    Insert {
        owner: Value,
        expiry: Expiry,
        fenced: bool,
    },
    /// `UPDATE lock SET owner = :owner, expires_at = <expiry>[, version =
    /// nextval('lock_version')] WHERE name = 'lock' AND expires_at < <now>
    /// [RETURNING version]`.
    TakeOver {
        owner: Value,
        expiry: Expiry,
        fenced: bool,
    },
    /// `DELETE FROM lock WHERE name = 'lock' AND owner = :owner`.
    Delete { owner: Value },
    /// `DELETE FROM lock WHERE name = 'lock'`: whoever owns the row.
    DeleteAny,
    /// `SELECT expires_at < <now> FROM lock WHERE name = 'lock'`: whether
    /// the row has expired.
    SelectExpired { expiry: Expiry },
    /// `UPDATE lock SET owner = :owner, expires_at = <expiry> WHERE name =
    /// 'lock'`: whatever the row holds now.
    Update { owner: Value, expiry: Expiry },
    /// `SELECT EXISTS (SELECT 1 FROM lock_claim WHERE name = 'lock' AND
    /// expires_at >= NOW())`: whether any claim is live.
    AnyLive,
    /// `INSERT INTO lock_claim (owner, name, expires_at) VALUES (:owner,
    /// 'lock', NOW() + ttl)`: the key is a serial id, so nothing stops a
    /// second claim on the same lock.
    InsertClaim { owner: Value, ttl_ticks: u32 },
    /// `DELETE FROM lock_claim WHERE owner = :owner`: every row of the owner.
    DeleteClaim { owner: Value },
    /// `SELECT owner, expires_at < <now> FROM lock WHERE name = 'lock'`:
    /// who holds the row, and whether it has expired.
    SelectOwner { expiry: Expiry },
    /// `UPDATE lock SET owner = :owner, expires_at = <expiry> WHERE name =
    /// 'lock' AND owner = :expected`: a compare-and-set on the owner seen.
    UpdateIfOwner {
        expected: Value,
        owner: Value,
        expiry: Expiry,
    },
    /// `BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT owner, expires_at <
    /// <now> FROM lock WHERE name = 'lock'`, on `client`'s connection: the
    /// transaction's snapshot is taken here. It stays open for the
    /// `UPDATE` when the row has expired; otherwise the client rolls it
    /// back at once, which changes nothing and is not a step of its own.
    SelectSnapshot { client: NodeId, expiry: Expiry },
    /// `UPDATE lock SET owner = :owner, expires_at = <expiry> WHERE name =
    /// 'lock'; COMMIT`, in `client`'s open transaction: PostgreSQL refuses
    /// to update a row that another transaction wrote or deleted since the
    /// snapshot (`could not serialize access due to concurrent update`),
    /// and the transaction rolls back.
    UpdateSnapshot {
        client: NodeId,
        owner: Value,
        expiry: Expiry,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Reply {
    /// The statement changed `rows` rows; an `INSERT`/`UPDATE ... RETURNING
    /// version` also returns the row's version.
    Rows {
        rows: u8,
        version: Option<FenceToken>,
    },
    /// `IntegrityError`: the primary key is taken.
    DuplicateKey,
    /// The article's `SELECT`: the row's `expire_time`, if there is a row.
    Selected(Option<Instant>),
    /// `SelectExpired`: whether the row has expired, if there is a row.
    Expired(Option<bool>),
    /// `AnyLive`: whether a live claim exists.
    AnyLive(bool),
    /// `SelectOwner`: the row's owner and whether it has expired, if there
    /// is a row.
    Owner { owner: Option<Value>, expired: bool },
    /// `SelectSnapshot`: the row's owner and whether it has expired, if
    /// there is a row.
    Snapshot { owner: Option<Value>, expired: bool },
    /// SQLSTATE 40001: the row changed since the transaction's snapshot;
    /// the transaction is rolled back. (Also the answer to an `UPDATE` with
    /// no transaction open for it, which the client takes the same way.)
    SerializationFailure,
}

/// The statement as SQL, for timelines.
impl std::fmt::Display for Stmt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stmt = self;
        let text = match stmt {
            Stmt::InsertNode { node, expire_time } => format!(
                "INSERT INTO lock (node, expire_time) VALUES ({}, {expire_time})",
                node.0
            ),
            Stmt::SelectNode { node } => {
                format!("SELECT * FROM lock WHERE node = {}", node.0)
            }
            Stmt::DeleteNode { node } => {
                format!("DELETE FROM lock WHERE node = {}", node.0)
            }
            Stmt::Insert {
                owner,
                expiry,
                fenced,
            } => {
                let owner = owner_name(*owner);
                let (at, _) = describe_expiry(expiry);
                match (expiry, fenced) {
                    (Expiry::Never, _) => {
                        format!("INSERT INTO lock (name, owner) VALUES ('lock', '{owner}')")
                    }
                    (_, false) => format!(
                        "INSERT INTO lock (name, owner, expires_at) VALUES ('lock', '{owner}', {at})"
                    ),
                    (_, true) => format!(
                        "INSERT INTO lock (name, owner, expires_at, version) VALUES ('lock', '{owner}', {at}, nextval) RETURNING version"
                    ),
                }
            }
            Stmt::TakeOver {
                owner,
                expiry,
                fenced,
            } => {
                let owner = owner_name(*owner);
                let (at, now) = describe_expiry(expiry);
                let version = if *fenced { ", version = nextval" } else { "" };
                let returning = if *fenced { " RETURNING version" } else { "" };
                format!(
                    "UPDATE lock SET owner = '{owner}', expires_at = {at}{version} WHERE name = 'lock' AND expires_at < {now}{returning}"
                )
            }
            Stmt::Delete { owner } => format!(
                "DELETE FROM lock WHERE name = 'lock' AND owner = '{}'",
                owner_name(*owner)
            ),
            Stmt::DeleteAny => "DELETE FROM lock WHERE name = 'lock'".to_string(),
            Stmt::SelectExpired { expiry } => {
                let (_, now) = describe_expiry(expiry);
                format!("SELECT expires_at < {now} FROM lock WHERE name = 'lock'")
            }
            Stmt::Update { owner, expiry } => {
                let (at, _) = describe_expiry(expiry);
                format!(
                    "UPDATE lock SET owner = '{}', expires_at = {at} WHERE name = 'lock'",
                    owner_name(*owner)
                )
            }
            Stmt::AnyLive => "SELECT EXISTS (SELECT 1 FROM lock_claim WHERE name = 'lock' AND expires_at >= NOW())"
                .to_string(),
            Stmt::InsertClaim { owner, ttl_ticks } => format!(
                "INSERT INTO lock_claim (owner, name, expires_at) VALUES ('{}', 'lock', NOW()+{ttl_ticks})",
                owner_name(*owner)
            ),
            Stmt::DeleteClaim { owner } => format!(
                "DELETE FROM lock_claim WHERE owner = '{}'",
                owner_name(*owner)
            ),
            Stmt::SelectOwner { expiry } => {
                let (_, now) = describe_expiry(expiry);
                format!("SELECT owner, expires_at < {now} FROM lock WHERE name = 'lock'")
            }
            Stmt::UpdateIfOwner {
                expected,
                owner,
                expiry,
            } => {
                let (at, _) = describe_expiry(expiry);
                format!(
                    "UPDATE lock SET owner = '{}', expires_at = {at} WHERE name = 'lock' AND owner = '{}'",
                    owner_name(*owner),
                    owner_name(*expected)
                )
            }
            Stmt::SelectSnapshot { expiry, .. } => {
                let (_, now) = describe_expiry(expiry);
                format!(
                    "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT owner, expires_at < {now} FROM lock WHERE name = 'lock'"
                )
            }
            Stmt::UpdateSnapshot { owner, expiry, .. } => {
                let (at, _) = describe_expiry(expiry);
                format!(
                    "UPDATE lock SET owner = '{}', expires_at = {at} WHERE name = 'lock'; COMMIT",
                    owner_name(*owner)
                )
            }
        };
        f.write_str(&text)
    }
}

/// The reply as a client library reports it, for timelines.
impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reply = self;
        let text = match reply {
            Reply::Rows {
                rows,
                version: Some(v),
            } => format!("{rows} row, version {v}"),
            Reply::Rows { rows: 1, .. } => "1 row".to_string(),
            Reply::Rows { rows, .. } => format!("{rows} rows"),
            Reply::DuplicateKey => "IntegrityError: duplicate key".to_string(),
            Reply::Selected(Some(at)) => format!("row expire_time={at}"),
            Reply::Selected(None) => "no row".to_string(),
            Reply::Expired(Some(true)) => "expired: true".to_string(),
            Reply::Expired(Some(false)) => "expired: false".to_string(),
            Reply::Expired(None) => "no row".to_string(),
            Reply::AnyLive(any) => format!("exists: {any}"),
            Reply::Owner {
                owner: Some(owner),
                expired,
            } => format!("owner {}, expired: {expired}", owner_name(*owner)),
            Reply::Owner { owner: None, .. } => "no row".to_string(),
            Reply::Snapshot {
                owner: Some(owner),
                expired,
            } => format!("owner {}, expired: {expired}", owner_name(*owner)),
            Reply::Snapshot { owner: None, .. } => "no row".to_string(),
            Reply::SerializationFailure => {
                "could not serialize access due to concurrent update".to_string()
            }
        };
        f.write_str(&text)
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
visit_variants!(Stmt {
    InsertNode { node, expire_time },
    SelectNode { node },
    DeleteNode { node },
    Insert {
        owner,
        expiry,
        fenced
    },
    TakeOver {
        owner,
        expiry,
        fenced
    },
    Delete { owner },
    DeleteAny,
    SelectExpired { expiry },
    Update { owner, expiry },
    AnyLive,
    InsertClaim { owner, ttl_ticks },
    DeleteClaim { owner },
    SelectOwner { expiry },
    UpdateIfOwner {
        expected,
        owner,
        expiry
    },
    SelectSnapshot { client, expiry },
    UpdateSnapshot {
        client,
        owner,
        expiry
    },
});
rename_nothing!(Expiry);
times_variants!(Expiry {
    Never,
    ClientClock {
        expires_at,
        client_now
    },
    DbClock { ttl_ticks },
});
visit_variants!(Reply {
    Rows { rows, version },
    DuplicateKey,
    Selected(at),
    Expired(expired),
    AnyLive(any),
    Owner { owner, expired },
    Snapshot { owner, expired },
    SerializationFailure,
});

/// `c1#2`: client 1's second acquisition (the database is node 0, so
/// client `ck` is node k).
fn owner_name(owner: Value) -> String {
    match owner {
        Value::Unique(nonce) => format!("c{}#{}", nonce.owner().0, nonce.serial()),
        Value::Num(n) => n.to_string(),
        Value::Stamp(at) => format!("@{at}"),
    }
}

fn describe_expiry(expiry: &Expiry) -> (String, String) {
    match expiry {
        Expiry::Never => (String::new(), String::new()),
        Expiry::ClientClock {
            expires_at,
            client_now,
        } => (format!("{expires_at}"), format!("{client_now}")),
        Expiry::DbClock { ttl_ticks } => (format!("NOW()+{ttl_ticks}"), "NOW()".to_string()),
    }
}
