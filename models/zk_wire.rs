//! The messages between a ZooKeeper lock's clients and its server
//! (`models/zk_server.rs`): the requests the locks send, the server's
//! answers, its session notices and watch events, and how a timeline shows
//! each. `src/real/zookeeper.rs` sends the same requests to a real
//! ZooKeeper (see `docs/real-servers.md`).

use serde::{Deserialize, Serialize};

use crate::node::{FenceToken, RequestId, SessionId};
use crate::{rename_nothing, times_nothing, visit_variants};

use super::zk_server::{WatchOn, ZPath};

/// The requests the lock uses.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Op {
    /// `create(path, EPHEMERAL)`.
    Create { path: ZPath },
    /// `create("/lock/x-<session>-", EPHEMERAL_SEQUENTIAL)`: the server
    /// appends the next sequence number.
    CreateSequential,
    /// `delete(path, version=-1)`: whoever's node it is.
    Delete { path: ZPath },
    /// `exists(path, watch)`.
    Exists { path: ZPath, watch: bool },
    /// `get_children("/lock", watch)`.
    GetChildren { watch: bool },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OpResult {
    Created {
        path: ZPath,
        czxid: FenceToken,
    },
    NodeExists,
    Deleted,
    NoNode,
    /// `exists`: the node's creation zxid if it exists.
    Stat(Option<FenceToken>),
    /// The children of `/lock`, sorted by sequence number.
    Children(Vec<ZPath>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventType {
    NodeCreated,
    NodeDeleted,
    NodeChildrenChanged,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Msg {
    /// A request on a session; `None` opens a new one (with the session
    /// timeout `ttl_ticks`) to run it in.
    Req {
        session: Option<SessionId>,
        xid: RequestId,
        op: Op,
    },
    Rep {
        session: SessionId,
        xid: RequestId,
        result: OpResult,
    },
    /// A heartbeat. The server answers only if the session is gone.
    Ping { session: SessionId },
    /// The answer to anything sent on a session the server no longer has.
    Expired { session: SessionId },
    /// The session a request without one opened (ZooKeeper's
    /// `ConnectResponse`), sent ahead of that request's answer.
    Connected { session: SessionId },
    /// A one-shot watch fired.
    Event {
        session: SessionId,
        kind: EventType,
        on: WatchOn,
    },
}

impl Msg {
    /// The message as a timeline shows it. `session_timeout_ticks` is what
    /// a request opening a session asks for; `counts_zxids` says whether the
    /// server numbers its writes (elsewhere every czxid is a placeholder 0,
    /// which a timeline would show as if it were one).
    pub fn describe(&self, session_timeout_ticks: u32, counts_zxids: bool) -> String {
        match self {
            Msg::Req { session, xid, op } => {
                let text = match op {
                    Op::Create { path } => format!("create {path} EPHEMERAL"),
                    Op::CreateSequential => match session {
                        Some(s) => format!("create /lock/x-{s}- EPHEMERAL_SEQUENTIAL"),
                        None => "create /lock/x-<session>- EPHEMERAL_SEQUENTIAL".to_string(),
                    },
                    Op::Delete { path } => format!("delete {path}"),
                    Op::Exists { path, watch } => {
                        format!("exists {path}{}", if *watch { " watch" } else { "" })
                    }
                    Op::GetChildren { watch } => {
                        format!("get_children /lock{}", if *watch { " watch" } else { "" })
                    }
                };
                match session {
                    Some(s) => format!("{text}  [{s} xid {xid}]"),
                    None => format!(
                        "{text}  [new session, timeout {} | xid {xid}]",
                        session_timeout_ticks
                    ),
                }
            }
            Msg::Rep {
                session,
                xid,
                result,
            } => {
                let text = match result {
                    OpResult::Created { path, czxid } if counts_zxids => {
                        format!("created {path}, czxid {czxid}")
                    }
                    OpResult::Created { path, .. } => format!("created {path}"),
                    OpResult::NodeExists => "NodeExists".to_string(),
                    OpResult::Deleted => "deleted".to_string(),
                    OpResult::NoNode => "NoNode".to_string(),
                    OpResult::Stat(Some(czxid)) if counts_zxids => format!("exists, czxid {czxid}"),
                    OpResult::Stat(Some(_)) => "exists".to_string(),
                    OpResult::Stat(None) => "does not exist".to_string(),
                    OpResult::Children(children) => {
                        let names: Vec<String> = children
                            .iter()
                            .map(|p| match p {
                                ZPath::Child { seq, prefix } => format!("x-{prefix}-{seq:010}"),
                                ZPath::MyLock => p.to_string(),
                            })
                            .collect();
                        format!("children [{}]", names.join(", "))
                    }
                };
                format!("{text}  [{session} xid {xid}]")
            }
            Msg::Ping { session } => format!("ping  [{session}]"),
            Msg::Expired { session } => format!("SessionExpired  [{session}]"),
            Msg::Connected { session } => format!("connected  [{session}]"),
            Msg::Event { session, kind, on } => {
                let path = match on {
                    WatchOn::Node(p) => p.to_string(),
                    WatchOn::LockChildren => "/lock".to_string(),
                };
                format!("watch event {kind:?} {path}  [{session}]")
            }
        }
    }
}

visit_variants!(Op {
    Create { path },
    CreateSequential,
    Delete { path },
    Exists { path, watch },
    GetChildren { watch },
});
visit_variants!(OpResult {
    Created { path, czxid },
    NodeExists,
    Deleted,
    NoNode,
    Stat(czxid),
    Children(children),
});
visit_variants!(Msg {
    Req { session, xid, op },
    Rep {
        session,
        xid,
        result
    },
    Ping { session },
    Expired { session },
    Connected { session },
    Event { session, kind, on },
});

rename_nothing!(EventType);
times_nothing!(EventType);
