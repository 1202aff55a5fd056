//! The ZooKeeper server the ZooKeeper locks (`models/zk_lock*.rs`) talk
//! to: its sessions, znodes and one-shot watches, and how it runs each
//! request (the requests and answers are in `models/zk_wire.rs`). Not a
//! lock algorithm itself. `src/real/zookeeper.rs` checks it against a real
//! ZooKeeper request by request (see `docs/real-servers.md`).

use serde::{Deserialize, Serialize};

use crate::node::{
    Ctx, FenceCounter, FenceToken, LockModel, NodeId, NodeMap, Out, ReadIds, ReadTimes, Rename,
    SessionId, Times, TokenFamily, VisitIds, VisitTimes,
};
use crate::{rename_variants, visit_fields, visit_variants};

// The messages are in `models/zk_wire.rs`; their old paths resolve here.
pub use super::zk_wire::{EventType, Msg, Op, OpResult};

/// A znode this model uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ZPath {
    /// `/my_lock`, the seed's lock node.
    MyLock,
    /// `/lock/x-<session>-<seq>`: the recipe's sequential child. The prefix is
    /// the creator's session id, as in ZooKeeper's own `WriteLock` recipe,
    /// so that a client whose `create` went unanswered can find its node.
    /// Ordered by `seq` first, which is the order of the lock's line.
    Child { seq: u32, prefix: SessionId },
}

impl std::fmt::Display for ZPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZPath::MyLock => write!(f, "/my_lock"),
            ZPath::Child { seq, prefix } => write!(f, "/lock/x-{prefix}-{seq:010}"),
        }
    }
}

/// An ephemeral znode.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Znode {
    pub path: ZPath,
    /// The session whose end deletes it (`ephemeralOwner`).
    pub owner: SessionId,
    /// The zxid of the write that created it.
    pub czxid: FenceToken,
}

/// What a one-shot watch is set on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WatchOn {
    /// `exists(path, watch)`: fires when the node is created or deleted.
    Node(ZPath),
    /// `get_children("/lock", watch)`: fires when a child is added or removed.
    LockChildren,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Watch {
    pub on: WatchOn,
    pub session: SessionId,
}

/// Everything the server keeps; ZooKeeper logs every write to disk before it
/// answers, so all of it survives a restart.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ZkData {
    /// The last zxid handed out; every write (session open and expiry,
    /// create, delete) takes the next one. A creation zxid is the fenced
    /// recipe's token. `None` for a lock that never reads a zxid (every
    /// variant but the fenced one): its server numbers nothing, and every
    /// `czxid` is 0, which keeps states apart only where something could
    /// tell them apart.
    pub zxid: Option<FenceCounter>,
    /// The sequence number the next sequential child of `/lock` gets.
    pub seq_next: u32,
    /// Per client (by client index), how many sessions it has opened.
    pub sessions_opened: Vec<u8>,
    /// Live sessions, sorted.
    pub sessions: Vec<SessionId>,
    /// Sorted by path.
    pub nodes: Vec<Znode>,
    /// Registered watches, sorted, no repeats. Kept with the data, which
    /// stands for the client library re-registering its watches
    /// (`SetWatches`) when it reconnects after a server restart.
    pub watches: Vec<Watch>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ZkServer {
    pub data: ZkData,
    /// Whether every live session has its expiry timer. A restarted server
    /// gets its sessions back from disk, but `server_init` cannot set timers,
    /// so it arms them (each with a full session timeout, as ZooKeeper does
    /// after a restart) on the first message it handles.
    pub expiry_armed: bool,
}

rename_variants!(ZPath {
    MyLock,
    Child { seq, prefix },
});
visit_fields!(Znode { path, owner, czxid });
visit_variants!(WatchOn {
    Node(path),
    LockChildren,
});
visit_fields!(Watch { on, session });
visit_fields!(ZkServer { data, expiry_armed });

/// By hand: `sessions_opened` is indexed by client, and the lists the
/// server searches by binary search must be sorted again (a session sorts
/// by its client first). Children of `/lock` sort by their unique sequence
/// numbers first, so `OpResult::Children` keeps its order.
impl Rename for ZkData {
    fn rename(&mut self, map: &NodeMap) {
        let ZkData {
            zxid: _,
            seq_next: _,
            sessions_opened,
            sessions,
            nodes,
            watches,
        } = self;
        // The server is node 0, so client index `ci` is node `ci + 1`.
        // Where several clients land on one (the symmetry's anonymized
        // keys), the largest count stands for them, whatever their order.
        let mut opened = vec![0; sessions_opened.len()];
        for (ci, &count) in sessions_opened.iter().enumerate() {
            let to = map.get(client_node(ci)).index().wrapping_sub(1);
            if let Some(slot) = opened.get_mut(to) {
                *slot = (*slot).max(count);
            }
        }
        *sessions_opened = opened;
        sessions.rename(map);
        sessions.sort();
        sessions.dedup();
        nodes.rename(map);
        nodes.sort();
        watches.rename(map);
        watches.sort();
        watches.dedup();
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        let ZkData {
            zxid: _,
            seq_next: _,
            sessions_opened: _,
            sessions,
            nodes,
            watches,
        } = self;
        sessions.visit_ids(ids);
        nodes.visit_ids(ids);
        watches.visit_ids(ids);
    }

    fn read_ids(&self, ids: &mut dyn ReadIds) {
        let ZkData {
            zxid: _,
            seq_next: _,
            sessions_opened: _,
            sessions,
            nodes,
            watches,
        } = self;
        sessions.read_ids(ids);
        nodes.read_ids(ids);
        watches.read_ids(ids);
    }
}

/// What grows with every round, for the liveness checker to renumber (see
/// `src/world/tokens.rs`): zxids are fencing tokens ([`FenceCounter`],
/// [`FenceToken`]), sequence numbers the [`TokenFamily::Sequence`] family,
/// and each client's session numbers its own [`TokenFamily::Sessions`]
/// family, counted by `sessions_opened`. Every list the server keeps
/// sorted stays sorted: each renumbering keeps the order within its family.
impl Times for ZPath {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        if let ZPath::Child { seq, prefix } = self {
            TokenFamily::Sequence.visit(seq, times);
            prefix.visit_times(times);
        }
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        if let ZPath::Child { seq, prefix } = self {
            TokenFamily::Sequence.read(*seq, times);
            prefix.read_times(times);
        }
    }
}

/// By hand: `seq_next` is one past the sequence counter, and
/// `sessions_opened` holds each client's session counter by client index.
impl Times for ZkData {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        let ZkData {
            zxid,
            seq_next,
            sessions_opened,
            sessions,
            nodes,
            watches,
        } = self;
        zxid.visit_times(times);
        let mut seq_last = *seq_next - 1;
        TokenFamily::Sequence.visit_counter(&mut seq_last, times);
        *seq_next = seq_last + 1;
        for (ci, opened) in sessions_opened.iter_mut().enumerate() {
            TokenFamily::Sessions(client_node(ci)).visit_counter(opened, times);
        }
        sessions.visit_times(times);
        nodes.visit_times(times);
        watches.visit_times(times);
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        let ZkData {
            zxid,
            seq_next,
            sessions_opened,
            sessions,
            nodes,
            watches,
        } = self;
        zxid.read_times(times);
        TokenFamily::Sequence.read_counter(*seq_next - 1, times);
        for (ci, opened) in sessions_opened.iter().enumerate() {
            TokenFamily::Sessions(client_node(ci)).read_counter(*opened, times);
        }
        sessions.read_times(times);
        nodes.read_times(times);
        watches.read_times(times);
    }
}

/// Client index `ci`'s node: the server is node 0.
fn client_node(ci: usize) -> NodeId {
    NodeId(ci as u8 + 1)
}

impl ZkData {
    /// The zxid of a write (0 where zxids are not counted).
    fn next_zxid(&mut self) -> FenceToken {
        self.zxid
            .as_mut()
            .map_or(FenceToken::ZERO, FenceCounter::hand_out)
    }

    /// Opens a session for client `client` (a transaction: it takes a zxid).
    pub(crate) fn open_session(&mut self, ctx: &Ctx, client: NodeId) -> SessionId {
        let ci = client.index() - ctx.server_count;
        self.sessions_opened[ci] += 1;
        let session = SessionId {
            client,
            n: self.sessions_opened[ci],
        };
        self.next_zxid();
        let at = self.sessions.partition_point(|s| *s < session);
        self.sessions.insert(at, session);
        session
    }

    fn fire<M: LockModel<Msg = Msg>>(&mut self, on: WatchOn, kind: EventType, out: &mut Out<M>) {
        let (fired, kept): (Vec<Watch>, Vec<Watch>) =
            self.watches.drain(..).partition(|w| w.on == on);
        self.watches = kept;
        for w in fired {
            out.send(
                w.session.client,
                Msg::Event {
                    session: w.session,
                    kind,
                    on,
                },
            );
        }
    }

    /// Creates the ephemeral node `path` of `owner` (a write: it takes the
    /// next zxid) and fires the watches on it.
    fn create_node<M: LockModel<Msg = Msg>>(
        &mut self,
        path: ZPath,
        owner: SessionId,
        out: &mut Out<M>,
    ) -> OpResult {
        let czxid = self.next_zxid();
        let at = self.nodes.partition_point(|n| n.path < path);
        self.nodes.insert(at, Znode { path, owner, czxid });
        self.fire(WatchOn::Node(path), EventType::NodeCreated, out);
        if matches!(path, ZPath::Child { .. }) {
            self.fire(WatchOn::LockChildren, EventType::NodeChildrenChanged, out);
        }
        OpResult::Created { path, czxid }
    }

    fn remove_node<M: LockModel<Msg = Msg>>(&mut self, path: ZPath, out: &mut Out<M>) -> bool {
        let Some(at) = self.nodes.iter().position(|n| n.path == path) else {
            return false;
        };
        self.nodes.remove(at);
        self.fire(WatchOn::Node(path), EventType::NodeDeleted, out);
        if matches!(path, ZPath::Child { .. }) {
            self.fire(WatchOn::LockChildren, EventType::NodeChildrenChanged, out);
        }
        true
    }

    /// Ends a session (expiry): one transaction that deletes its
    /// ephemeral nodes, firing the other sessions' watches on them.
    pub(crate) fn close_session<M: LockModel<Msg = Msg>>(
        &mut self,
        s: SessionId,
        out: &mut Out<M>,
    ) {
        let Ok(at) = self.sessions.binary_search(&s) else {
            return;
        };
        self.sessions.remove(at);
        self.watches.retain(|w| w.session != s);
        self.next_zxid();
        let owned: Vec<ZPath> = self
            .nodes
            .iter()
            .filter(|n| n.owner == s)
            .map(|n| n.path)
            .collect();
        for path in owned {
            self.remove_node(path, out);
        }
    }

    fn add_watch(&mut self, on: WatchOn, session: SessionId) {
        let w = Watch { on, session };
        if let Err(at) = self.watches.binary_search(&w) {
            self.watches.insert(at, w);
        }
    }

    pub(crate) fn execute<M: LockModel<Msg = Msg>>(
        &mut self,
        session: SessionId,
        op: Op,
        out: &mut Out<M>,
    ) -> OpResult {
        match op {
            Op::Create { path } => {
                if self.nodes.iter().any(|n| n.path == path) {
                    return OpResult::NodeExists;
                }
                self.create_node(path, session, out)
            }
            Op::CreateSequential => {
                let path = ZPath::Child {
                    seq: self.seq_next,
                    prefix: session,
                };
                self.seq_next += 1;
                self.create_node(path, session, out)
            }
            Op::Delete { path } => {
                if self.nodes.iter().any(|n| n.path == path) {
                    self.next_zxid();
                    self.remove_node(path, out);
                    OpResult::Deleted
                } else {
                    OpResult::NoNode
                }
            }
            Op::Exists { path, watch } => {
                if watch {
                    self.add_watch(WatchOn::Node(path), session);
                }
                OpResult::Stat(self.nodes.iter().find(|n| n.path == path).map(|n| n.czxid))
            }
            Op::GetChildren { watch } => {
                if watch {
                    self.add_watch(WatchOn::LockChildren, session);
                }
                OpResult::Children(
                    self.nodes
                        .iter()
                        .map(|n| n.path)
                        .filter(|p| matches!(p, ZPath::Child { .. }))
                        .collect(),
                )
            }
        }
    }
}
