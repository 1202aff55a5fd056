//! The statements the database locks (`models/db_lock.rs`) send the
//! database (`models/db_server.rs`), its replies, and each as the SQL a
//! timeline shows. Which statement a variant sends is its own file's
//! business; how the database runs one is `DbServer::execute`.

use serde::{Deserialize, Serialize};

use crate::models::redis::Value;
use crate::node::{FenceToken, Instant, NodeId};
use crate::{rename_nothing, times_variants, visit_variants};

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
