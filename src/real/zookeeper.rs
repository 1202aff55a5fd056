//! The ZooKeeper locks' server against a real ZooKeeper.
//!
//! [`ZooKeeper`] runs the requests of `models::zk_lock` ([`Op`]) on a
//! standalone ZooKeeper, each on one of up to [`SESSIONS`] sessions (one
//! client connection each, `zookeeper-client`), and reads the answers as
//! the model's [`OpResult`]s. [`ZkModel`] runs the same requests on the
//! model's server data ([`ZkData`]), with one session per slot opened
//! before the sequence starts.
//!
//! **What is compared.** Every request's result, and the watch events the
//! request fires, on any session (who gets which event about which node).
//! After each request every session makes one round trip to the server,
//! which delivers the events the request fired before its answer, so the
//! events a request fires are known before the next request runs.
//!
//! **Numbers renumbered.** The model and ZooKeeper number differently, in
//! ways the locks do not rely on, so both sides' numbers are renumbered
//! before they are compared:
//! - A sequential child's number is, in ZooKeeper, the parent's `cversion`
//!   (which every create of a child of `/lock` advances, sequential or
//!   not, from 0; a delete does not); in the model, a counter of
//!   sequential creates (from 1). Both
//!   sides name the `k`-th sequential child a sequence created
//!   `/lock/x-<session>-k` (from 1), and a side whose numbers do not grow
//!   with every create answers an error. A listing of `/lock` comes sorted
//!   by each side's own numbers, so a different order still shows.
//! - A `czxid` is, in ZooKeeper, a zxid, which every write takes, a failed
//!   one too (a `create` answered `NodeExists` or a `delete` answered
//!   `NoNode` is logged as an error transaction), and every session open
//!   and close, with the epoch in its high 32 bits; in the model, a
//!   counter of the successful writes and session opens and closes. Both
//!   sides number the nodes' `czxid`s in the order they are first seen
//!   (from 1), and a side whose new node's `czxid` is not above every
//!   earlier one answers an error. What a fencing token needs (a later
//!   holder's is larger) is checked; the values are not.
//!
//! A command names a sequential child by that renumbering: the `k`-th the
//! sequence created (a child not created yet, or any more after
//! shrinking, names a node that exists on neither side).
//!
//! **Time.** A request does not read the clock; only session expiry does,
//! on ZooKeeper's monotonic clock, which the fake clock does not fake.
//! [`ZkCmd::Expire`] therefore waits in real time: the session's client
//! goes silent (its connection closed, its session not), and the command
//! returns once the server has expired the session (its four-letter word
//! `dump` no longer lists it), about a session timeout later; a fresh
//! session takes its slot.

use std::future::Future;
use std::io::{Read, Write};
use std::pin::Pin;
use std::time::Duration;

use futures::FutureExt;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::Rng;
use zookeeper_client as zk;

use super::conformance::{self, Agreement, Disagreement, Execute, RealServer, Timing};
use super::{FakeClock, LocalServer, Unavailable};
// The server program answers alike for every variant of the family; the
// recipe's type stands for all of them where one is needed.
use crate::models::zk_lock_sequential::ZkLockSequential;
use crate::models::zk_server::{EventType, Msg, Op, OpResult, WatchOn, ZPath, ZkData};
use crate::node::{Command, FenceCounter, FenceToken, Instant, NodeId, Out, SessionId};

/// The sessions a sequence has at a time: slots 0, 1, 2, named by the
/// model's client nodes 1, 2, 3 (`c1`, `c2`, `c3`).
pub const SESSIONS: u8 = 3;

/// One step of a sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZkCmd {
    /// The request `op` on the session in slot `client - 1`.
    Request { client: u8, op: Op },
    /// The session in slot `client - 1` falls silent (its client goes
    /// away without closing it) until the server expires it; a fresh
    /// session takes the slot.
    Expire { client: u8 },
}

impl std::fmt::Display for ZkCmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZkCmd::Request { client, op } => {
                write!(f, "c{client}: ")?;
                match op {
                    Op::Create { path } => write!(f, "create {path} EPHEMERAL"),
                    Op::CreateSequential => write!(f, "create /lock/x-c{client}#n- EPH_SEQ"),
                    Op::Delete { path } => write!(f, "delete {path}"),
                    Op::Exists { path, watch } => {
                        write!(f, "exists {path}{}", if *watch { " watch" } else { "" })
                    }
                    Op::GetChildren { watch } => {
                        write!(
                            f,
                            "get_children /lock{}",
                            if *watch { " watch" } else { "" }
                        )
                    }
                }
            }
            ZkCmd::Expire { client } => write!(f, "c{client}: silent until its session expires"),
        }
    }
}

/// A watch event, as the model names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Event {
    pub session: SessionId,
    pub kind: EventType,
    pub on: WatchOn,
}

/// A command's answer (none for [`ZkCmd::Expire`]) and the watch events it
/// fired, sorted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkReply {
    pub result: Option<OpResult>,
    pub events: Vec<Event>,
}

impl std::fmt::Display for ZkReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.result {
            None => write!(f, "expired")?,
            Some(OpResult::Created { path, czxid }) => write!(f, "created {path} czxid#{czxid}")?,
            Some(OpResult::Stat(Some(czxid))) => write!(f, "stat czxid#{czxid}")?,
            Some(OpResult::Stat(None)) => write!(f, "no stat")?,
            Some(OpResult::Children(children)) => {
                let names: Vec<String> = children.iter().map(|c| c.to_string()).collect();
                write!(f, "[{}]", names.join(", "))?
            }
            Some(other) => write!(f, "{other:?}")?,
        }
        for e in &self.events {
            let on = match e.on {
                WatchOn::Node(path) => path.to_string(),
                WatchOn::LockChildren => "/lock children".into(),
            };
            write!(f, "; {} gets {:?} {on}", e.session, e.kind)?;
        }
        Ok(())
    }
}

/// One side's renumbering: its sequential children (its own name for each,
/// and its creator) and its `czxid`s, in the order first seen.
#[derive(Clone, Debug)]
struct Numbering<P> {
    children: Vec<(P, SessionId)>,
    czxids: Vec<i64>,
}

impl<P: PartialEq> Numbering<P> {
    fn new() -> Self {
        Numbering {
            children: Vec::new(),
            czxids: Vec::new(),
        }
    }

    /// The `k`-th child (from 1), by this side's name.
    fn child(&self, k: u32) -> Option<&P> {
        let i = (k as usize).checked_sub(1)?;
        self.children.get(i).map(|(p, _)| p)
    }

    /// A new child's renumbered path.
    fn add_child(&mut self, own: P, creator: SessionId) -> ZPath {
        self.children.push((own, creator));
        ZPath::Child {
            seq: self.children.len() as u32,
            prefix: creator,
        }
    }

    /// A known child's renumbered path.
    fn renumbered(&self, own: &P) -> Option<ZPath> {
        let i = self.children.iter().position(|(p, _)| p == own)?;
        Some(ZPath::Child {
            seq: i as u32 + 1,
            prefix: self.children[i].1,
        })
    }

    /// A `czxid`'s renumbering: its place among the `czxid`s seen, a new
    /// one above all of them.
    fn czxid(&mut self, raw: i64) -> Result<FenceToken, String> {
        if let Some(i) = self.czxids.iter().position(|&z| z == raw) {
            return Ok(FenceToken::from_number(i as u64 + 1));
        }
        if let Some(&last) = self.czxids.last()
            && raw <= last
        {
            return Err(format!(
                "czxid {raw:#x} of a new node is not above an earlier node's ({last:#x})"
            ));
        }
        self.czxids.push(raw);
        Ok(FenceToken::from_number(self.czxids.len() as u64))
    }
}

/// The session a fresh sequence's slot `slot` has, or its next one.
fn session_id(slot: u8, n: u8) -> SessionId {
    SessionId {
        client: NodeId(slot + 1),
        n,
    }
}

/// The model's server: [`ZkData`], [`SESSIONS`] sessions open, each
/// request run as the model's server runs a request on a live session.
#[derive(Clone, Debug)]
pub struct ZkModel {
    pub data: ZkData,
    numbering: Numbering<ZPath>,
}

impl Default for ZkModel {
    fn default() -> Self {
        ZkModel::new()
    }
}

impl ZkModel {
    /// A fresh server (as `server_init` makes one) on which each slot's
    /// client has opened its first session.
    pub fn new() -> ZkModel {
        let sessions: Vec<SessionId> = (0..SESSIONS).map(|slot| session_id(slot, 1)).collect();
        ZkModel {
            data: ZkData {
                // One write per session opened.
                zxid: Some(FenceCounter::from_last(SESSIONS as u64)),
                seq_next: 1,
                sessions_opened: vec![1; SESSIONS as usize],
                sessions,
                nodes: Vec::new(),
                watches: Vec::new(),
            },
            numbering: Numbering::new(),
        }
    }

    /// The live session of `client`'s slot.
    pub fn session(&self, client: u8) -> SessionId {
        session_id(client - 1, self.data.sessions_opened[client as usize - 1])
    }

    /// A command's path as the model names it.
    fn own_path(&self, path: ZPath) -> ZPath {
        match path {
            ZPath::MyLock => ZPath::MyLock,
            ZPath::Child { seq, prefix } => match self.numbering.child(seq) {
                Some(own) => *own,
                // No sequence gets near this number.
                None => ZPath::Child {
                    seq: u32::MAX - seq,
                    prefix,
                },
            },
        }
    }

    /// A model path renumbered.
    fn renumbered(&self, own: ZPath) -> ZPath {
        match own {
            ZPath::MyLock => ZPath::MyLock,
            ZPath::Child { seq, prefix } => {
                self.numbering.renumbered(&own).unwrap_or(ZPath::Child {
                    seq: u32::MAX - seq,
                    prefix,
                })
            }
        }
    }

    /// A request of the model's own (a trace's, whose sessions and
    /// sequence numbers are this model's when it runs the same requests)
    /// as a command names it.
    fn renumbered_op(&self, op: Op) -> Op {
        match op {
            Op::Create { path } => Op::Create {
                path: self.renumbered(path),
            },
            Op::Delete { path } => Op::Delete {
                path: self.renumbered(path),
            },
            Op::Exists { path, watch } => Op::Exists {
                path: self.renumbered(path),
                watch,
            },
            other => other,
        }
    }

    fn renumber(&mut self, result: OpResult, session: SessionId) -> OpResult {
        match result {
            OpResult::Created { path, czxid } => {
                let czxid = self_czxid(&mut self.numbering, czxid);
                let path = match path {
                    ZPath::MyLock => ZPath::MyLock,
                    own => self.numbering.add_child(own, session),
                };
                OpResult::Created { path, czxid }
            }
            OpResult::Stat(Some(z)) => OpResult::Stat(Some(self_czxid(&mut self.numbering, z))),
            OpResult::Children(children) => {
                OpResult::Children(children.into_iter().map(|p| self.renumbered(p)).collect())
            }
            other => other,
        }
    }

    fn events(&self, out: Out<ZkLockSequential>) -> Vec<Event> {
        let mut events: Vec<Event> = out
            .commands
            .into_iter()
            .filter_map(|c| match c {
                Command::Send(
                    _,
                    Msg::Event {
                        session, kind, on, ..
                    },
                ) => Some(Event {
                    session,
                    kind,
                    on: match on {
                        WatchOn::Node(path) => WatchOn::Node(self.renumbered(path)),
                        WatchOn::LockChildren => WatchOn::LockChildren,
                    },
                }),
                _ => None,
            })
            .collect();
        events.sort();
        events.dedup();
        events
    }
}

/// The model's `czxid`s grow with every node, so the renumbering cannot
/// fail.
fn self_czxid(numbering: &mut Numbering<ZPath>, z: FenceToken) -> FenceToken {
    numbering
        .czxid(z.number() as i64)
        .expect("the model's czxids grow with every node")
}

impl Execute<ZkCmd, ZkReply> for ZkModel {
    fn execute(&mut self, _now: Instant, cmd: &ZkCmd) -> ZkReply {
        self.run(cmd)
    }
}

impl ZkModel {
    /// Runs `cmd` (the server's requests read no clock).
    pub fn run(&mut self, cmd: &ZkCmd) -> ZkReply {
        match cmd {
            ZkCmd::Request { client, op } => self.request_on(self.session(*client), op),
            ZkCmd::Expire { client } => {
                let reply = self.expire(self.session(*client));
                self.open(*client);
                reply
            }
        }
    }

    /// Runs request `op` (paths as a command names them) on `session`.
    fn request_on(&mut self, session: SessionId, op: &Op) -> ZkReply {
        let mut out = Out::<ZkLockSequential>::default();
        let result = {
            let op = match op {
                Op::Create { path } => Op::Create {
                    path: self.own_path(*path),
                },
                Op::Delete { path } => Op::Delete {
                    path: self.own_path(*path),
                },
                Op::Exists { path, watch } => Op::Exists {
                    path: self.own_path(*path),
                    watch: *watch,
                },
                other => other.clone(),
            };
            let result = self.data.execute(session, op, &mut out);
            Some(self.renumber(result, session))
        };
        ZkReply {
            result,
            events: self.events(out),
        }
    }

    /// Expires `session`: its ephemeral nodes go, and the watches on them
    /// fire.
    fn expire(&mut self, session: SessionId) -> ZkReply {
        let mut out = Out::<ZkLockSequential>::default();
        self.data.close_session(session, &mut out);
        ZkReply {
            result: None,
            events: self.events(out),
        }
    }

    /// Opens `client`'s next session (a write), which becomes its slot's.
    fn open(&mut self, client: u8) {
        let slot = client as usize - 1;
        self.data.sessions_opened[slot] += 1;
        if let Some(z) = &mut self.data.zxid {
            z.hand_out();
        }
        let fresh = self.session(client);
        let at = self.data.sessions.partition_point(|s| *s < fresh);
        self.data.sessions.insert(at, fresh);
    }
}

type Watcher = Pin<Box<dyn Future<Output = zk::WatchedEvent> + Send>>;

/// One session on the real server: its client, and the watches it set
/// that have not fired (what each is on, renumbered).
struct RealSession {
    id: SessionId,
    client: zk::Client,
    watches: Vec<(WatchOn, Watcher)>,
}

/// A ZooKeeper through [`SESSIONS`] sessions: a local one lockcheck
/// started, or one the user runs ([`ZooKeeper::connect_remote`]).
pub struct ZooKeeper<'a> {
    /// The local server, if lockcheck started it.
    server: Option<&'a LocalServer>,
    /// Its address, `host:port`.
    address: String,
    /// The connection string every session uses: the address, and on a
    /// server the user runs the [`REMOTE_CHROOT`] the replay's nodes live
    /// under.
    cluster: String,
    runtime: tokio::runtime::Runtime,
    session_timeout: Duration,
    /// The session that empties the server between sequences.
    admin: zk::Client,
    sessions: Vec<RealSession>,
    numbering: Numbering<String>,
    version: Option<String>,
}

/// Where a replay on a ZooKeeper the user runs keeps its nodes (`/lock`
/// and `/my_lock` under it); it touches nothing else.
pub const REMOTE_CHROOT: &str = "/lockcheck";

impl<'a> ZooKeeper<'a> {
    /// Waits until the server serves (its port opens earlier), then
    /// connects and creates `/lock`. Sessions ask for `session_timeout`.
    pub fn connect(
        server: &'a LocalServer,
        session_timeout: Duration,
    ) -> Result<ZooKeeper<'a>, Unavailable> {
        let address = format!("127.0.0.1:{}", server.port);
        let mut tries = 0;
        loop {
            match four_letter_word(&address, "srvr") {
                Ok(text) if text.starts_with("Zookeeper version") => break,
                _ if tries < 1000 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(10));
                }
                Ok(text) => {
                    return Err(Unavailable(format!(
                        "ZooKeeper does not serve within 10 s: {}",
                        text.trim()
                    )));
                }
                Err(e) => return Err(Unavailable(format!("ZooKeeper does not answer: {e}"))),
            }
        }
        ZooKeeper::open_admin(Some(server), address.clone(), address, session_timeout)
    }

    /// Connects to a ZooKeeper the user runs, at `zk://host:port`, under
    /// [`REMOTE_CHROOT`] (made if it is missing), and creates `/lock` there.
    pub fn connect_remote(
        url: &str,
        session_timeout: Duration,
    ) -> Result<ZooKeeper<'static>, Unavailable> {
        let address = url
            .strip_prefix("zk://")
            .unwrap_or(url)
            .trim_end_matches('/');
        if address.is_empty() || address.contains(['/', ',']) {
            return Err(Unavailable(format!(
                "{url}: give one server as zk://HOST:PORT (no path: the replay works under {REMOTE_CHROOT})"
            )));
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Unavailable(format!("cannot start a tokio runtime: {e}")))?;
        // The chroot must exist before a session can use it.
        runtime
            .block_on(async {
                let root = zk::Client::connector()
                    .with_session_timeout(session_timeout)
                    .with_fail_eagerly()
                    .connect(address)
                    .await?;
                match root
                    .create(
                        REMOTE_CHROOT,
                        b"",
                        &zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all()),
                    )
                    .await
                {
                    Ok(_) | Err(zk::Error::NodeExists) => Ok(()),
                    Err(e) => Err(e),
                }
            })
            .map_err(|e| Unavailable(format!("cannot connect to {url}: {e}")))?;
        ZooKeeper::open_admin(
            None,
            address.to_string(),
            format!("{address}{REMOTE_CHROOT}"),
            session_timeout,
        )
    }

    fn open_admin(
        server: Option<&'a LocalServer>,
        address: String,
        cluster: String,
        session_timeout: Duration,
    ) -> Result<ZooKeeper<'a>, Unavailable> {
        // The clients' connections are served on one worker thread, which
        // also sends their pings while the test thread waits between
        // requests.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| Unavailable(format!("cannot start a tokio runtime: {e}")))?;
        let connector = zk::Client::connector().with_session_timeout(session_timeout);
        // A server the user runs is up or not: no waiting for it.
        let connector = match server {
            Some(_) => connector,
            None => connector.with_fail_eagerly(),
        };
        let admin = runtime
            .block_on(connector.connect(&cluster))
            .map_err(|e| Unavailable(format!("cannot connect to ZooKeeper at {cluster}: {e}")))?;
        match runtime.block_on(admin.create(
            "/lock",
            b"",
            &zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all()),
        )) {
            Ok(_) | Err(zk::Error::NodeExists) => {}
            Err(e) => return Err(Unavailable(format!("cannot create /lock: {e}"))),
        }
        Ok(ZooKeeper {
            server,
            address,
            cluster,
            runtime,
            session_timeout,
            admin,
            sessions: Vec::new(),
            numbering: Numbering::new(),
            version: None,
        })
    }

    /// Opens session `id`. Its client does not close it when dropped: a
    /// session whose client goes away expires, as a crashed client's does.
    fn open(&self, id: SessionId) -> Result<RealSession, String> {
        let client = self
            .runtime
            .block_on(
                zk::Client::connector()
                    .with_session_timeout(self.session_timeout)
                    .with_detached()
                    .connect(&self.cluster),
            )
            .map_err(|e| format!("cannot open a session: {e}"))?;
        Ok(RealSession {
            id,
            client,
            watches: Vec::new(),
        })
    }

    /// A command's path as this server names it.
    fn own_path(&self, path: ZPath) -> String {
        match path {
            ZPath::MyLock => "/my_lock".into(),
            ZPath::Child { seq, prefix } => match self.numbering.child(seq) {
                Some(own) => own.clone(),
                None => format!("/lock/x-{prefix}-never-{seq}"),
            },
        }
    }

    /// A child's renumbered path from its name under `/lock`.
    fn renumbered_child(&self, name: &str) -> Result<ZPath, String> {
        self.numbering
            .renumbered(&format!("/lock/{name}"))
            .ok_or_else(|| format!("a child /lock/{name} no request created"))
    }

    /// Where session `id` is in `sessions`.
    fn index(&self, id: SessionId) -> Result<usize, String> {
        self.sessions
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| format!("no session {id}"))
    }

    /// The last session `client` opened.
    fn current(&self, client: u8) -> Result<SessionId, String> {
        self.sessions
            .iter()
            .filter(|s| s.id.client == NodeId(client))
            .map(|s| s.id)
            .max()
            .ok_or_else(|| format!("c{client} has no session"))
    }

    fn request(&mut self, id: SessionId, op: &Op) -> Result<OpResult, String> {
        let ephemeral = zk::CreateMode::Ephemeral.with_acls(zk::Acls::anyone_all());
        let sequential = zk::CreateMode::EphemeralSequential.with_acls(zk::Acls::anyone_all());
        let slot = self.index(id)?;
        let session = &self.sessions[slot];
        let id = session.id;
        let client = session.client.clone();
        let rt = &self.runtime;
        let fail = |what: &str, e: zk::Error| format!("{what}: {e}");
        match op {
            Op::Create { path } => {
                let own = self.own_path(*path);
                match rt.block_on(client.create(&own, b"", &ephemeral)) {
                    Ok((stat, _)) => {
                        let czxid = self.numbering.czxid(stat.czxid)?;
                        let path = match path {
                            ZPath::MyLock => ZPath::MyLock,
                            _ => self.numbering.add_child(own, id),
                        };
                        Ok(OpResult::Created { path, czxid })
                    }
                    Err(zk::Error::NodeExists) => Ok(OpResult::NodeExists),
                    Err(e) => Err(fail("create", e)),
                }
            }
            Op::CreateSequential => {
                let prefix = format!("/lock/x-{id}-");
                match rt.block_on(client.create(&prefix, b"", &sequential)) {
                    Ok((stat, seq)) => {
                        let seq = seq.into_i64();
                        if let Some((last, _)) = self.numbering.children.last() {
                            let last_seq = sequence_number(last).unwrap_or(-1);
                            if seq <= last_seq {
                                return Err(format!(
                                    "sequence number {seq} is not above the last one ({last_seq})"
                                ));
                            }
                        }
                        let czxid = self.numbering.czxid(stat.czxid)?;
                        let own = format!("{prefix}{}", format_sequence(seq));
                        let path = self.numbering.add_child(own, id);
                        Ok(OpResult::Created { path, czxid })
                    }
                    Err(e) => Err(fail("create sequential", e)),
                }
            }
            Op::Delete { path } => {
                let own = self.own_path(*path);
                match rt.block_on(client.delete(&own, None)) {
                    Ok(()) => Ok(OpResult::Deleted),
                    Err(zk::Error::NoNode) => Ok(OpResult::NoNode),
                    Err(e) => Err(fail("delete", e)),
                }
            }
            Op::Exists { path, watch } => {
                let own = self.own_path(*path);
                let stat = if *watch {
                    let (stat, watcher) = rt
                        .block_on(client.check_and_watch_stat(&own))
                        .map_err(|e| fail("exists", e))?;
                    self.sessions[slot]
                        .watches
                        .push((WatchOn::Node(*path), Box::pin(watcher.changed())));
                    stat
                } else {
                    rt.block_on(client.check_stat(&own))
                        .map_err(|e| fail("exists", e))?
                };
                match stat {
                    Some(stat) => Ok(OpResult::Stat(Some(self.numbering.czxid(stat.czxid)?))),
                    None => Ok(OpResult::Stat(None)),
                }
            }
            Op::GetChildren { watch } => {
                let mut names = if *watch {
                    let (names, watcher) = rt
                        .block_on(client.list_and_watch_children("/lock"))
                        .map_err(|e| fail("get_children", e))?;
                    self.sessions[slot]
                        .watches
                        .push((WatchOn::LockChildren, Box::pin(watcher.changed())));
                    names
                } else {
                    rt.block_on(client.list_children("/lock"))
                        .map_err(|e| fail("get_children", e))?
                };
                // In line: by sequence number, as the recipe sorts them.
                names.sort_by_key(|name| (sequence_number(name), name.clone()));
                let children = names
                    .iter()
                    .map(|name| self.renumbered_child(name))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(OpResult::Children(children))
            }
        }
    }

    /// The events the last command fired: each session makes a round trip
    /// (its events come before the answer), then its fired watches are
    /// taken.
    fn events(&mut self) -> Result<Vec<Event>, String> {
        let mut events = Vec::new();
        for session in &mut self.sessions {
            self.runtime
                .block_on(session.client.check_stat("/"))
                .map_err(|e| format!("a round trip on {}: {e}", session.id))?;
            let mut kept = Vec::new();
            for (on, mut watcher) in session.watches.drain(..) {
                match (&mut watcher).now_or_never() {
                    None => kept.push((on, watcher)),
                    Some(event) => {
                        let kind = match event.event_type {
                            zk::EventType::NodeCreated => EventType::NodeCreated,
                            zk::EventType::NodeDeleted => EventType::NodeDeleted,
                            zk::EventType::NodeChildrenChanged => EventType::NodeChildrenChanged,
                            other => {
                                return Err(format!(
                                    "{} got {other:?} ({:?}) on {:?}",
                                    session.id, event.session_state, on
                                ));
                            }
                        };
                        events.push(Event {
                            session: session.id,
                            kind,
                            on,
                        });
                    }
                }
            }
            session.watches = kept;
        }
        events.sort();
        events.dedup();
        Ok(events)
    }

    /// A request's result with the watch events it fired.
    fn reply(&mut self, result: Option<OpResult>) -> Result<ZkReply, String> {
        Ok(ZkReply {
            result,
            events: self.events()?,
        })
    }

    /// Opens session `id` beside the others.
    fn open_beside(&mut self, id: SessionId) -> Result<(), String> {
        let fresh = self.open(id)?;
        self.sessions.push(fresh);
        Ok(())
    }

    /// Lets session `id` go silent and waits until the server has expired
    /// it.
    fn expire(&mut self, id: SessionId) -> Result<(), String> {
        let old = self.sessions.remove(self.index(id)?);
        let hex = format!("{:#x}", old.client.session_id().0);
        let owner = old.client.session_id().0;
        // Dropping the client and its watchers closes the connection and
        // leaves the session open (the clients are detached).
        drop(old);
        let deadline =
            std::time::Instant::now() + 3 * self.session_timeout + Duration::from_secs(5);
        loop {
            // A server lockcheck started lists its sessions (`dump`); on one
            // the user runs, which may not answer that, the session is gone
            // for the replay's purposes once it owns no node here: its
            // nodes, and the watch events their deletion fires, are all an
            // expiry changes that later requests can see.
            let left = match self.server {
                Some(_) => {
                    let dump = four_letter_word(&self.address, "dump")
                        .map_err(|e| format!("dump: {e}"))?;
                    dump.lines()
                        .any(|l| l.trim().trim_end_matches(':') == hex)
                        .then(|| dump.trim().to_string())
                }
                None => {
                    let owned = self.nodes_owned_by(owner)?;
                    (!owned.is_empty()).then(|| format!("it still owns {}", owned.join(", ")))
                }
            };
            let Some(left) = left else {
                return Ok(());
            };
            if std::time::Instant::now() > deadline {
                return Err(format!("session {hex} did not expire: {left}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the ZooKeeper lockcheck started, as a crash would, and waits
    /// until every client has seen its connection close: each then tries
    /// to reconnect, with its session, until the server answers again.
    fn crash_server(&self) -> Result<(), String> {
        let server = self
            .server
            .ok_or("a ZooKeeper the user runs is not crashed by a replay")?;
        server.crash();
        self.await_clients("see the crash", |state| {
            state != zk::SessionState::SyncConnected
        })
    }

    /// Starts the crashed ZooKeeper again, which reads its nodes, sessions
    /// and zxid back from its log and gives every session a full timeout,
    /// then waits until every client has reconnected with its own session
    /// (re-registering its watches), so that the next request runs on it.
    fn restart_server(&self) -> Result<(), String> {
        let server = self
            .server
            .ok_or("a ZooKeeper the user runs is not restarted by a replay")?;
        server.restart().map_err(|e| e.0)?;
        self.await_clients("reconnect after the restart", |state| {
            state == zk::SessionState::SyncConnected
        })
    }

    /// Waits until every client's state (the admin's and each session's)
    /// passes `done`, for at most two session timeouts; a session that
    /// ends (expired or closed) on the way fails.
    fn await_clients(
        &self,
        doing: &str,
        done: impl Fn(zk::SessionState) -> bool,
    ) -> Result<(), String> {
        let within = 2 * self.session_timeout;
        let deadline = std::time::Instant::now() + within;
        let clients = std::iter::once(("the admin session".to_string(), &self.admin)).chain(
            self.sessions
                .iter()
                .map(|s| (format!("session {}", s.id), &s.client)),
        );
        for (name, client) in clients {
            let mut watcher = client.state_watcher();
            loop {
                let state = watcher.state();
                if done(state) {
                    break;
                }
                if state.is_terminated() {
                    return Err(format!("{name} ended ({state}) instead of to {doing}"));
                }
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    return Err(format!(
                        "{name} did not {doing} within {} ms (it is {state})",
                        within.as_millis()
                    ));
                }
                let _ = self
                    .runtime
                    .block_on(async { tokio::time::timeout(left, watcher.changed()).await });
            }
        }
        Ok(())
    }

    /// The replay's nodes (`/my_lock`, the children of `/lock`) that
    /// session `owner` owns.
    fn nodes_owned_by(&self, owner: i64) -> Result<Vec<String>, String> {
        let rt = &self.runtime;
        let mut paths = vec!["/my_lock".to_string()];
        let children = rt
            .block_on(self.admin.list_children("/lock"))
            .map_err(|e| format!("list /lock: {e}"))?;
        paths.extend(children.into_iter().map(|c| format!("/lock/{c}")));
        let mut owned = Vec::new();
        for path in paths {
            match rt.block_on(self.admin.check_stat(&path)) {
                Ok(Some(stat)) if stat.ephemeral_owner == owner => owned.push(path),
                Ok(_) => {}
                Err(e) => return Err(format!("stat {path}: {e}")),
            }
        }
        Ok(owned)
    }
}

/// The number a sequential node's name ends in.
fn sequence_number(name: &str) -> Option<i64> {
    let digits = name.rsplit('-').next()?;
    digits.parse().ok()
}

fn format_sequence(seq: i64) -> String {
    if seq <= i32::MAX as i64 {
        format!("{seq:010}")
    } else {
        format!("{seq:019}")
    }
}

/// A four-letter word's answer (`srvr`, `dump`).
fn four_letter_word(address: &str, word: &str) -> std::io::Result<String> {
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(word.as_bytes())?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    Ok(text)
}

impl RealServer for ZooKeeper<'_> {
    type Cmd = ZkCmd;
    type Reply = ZkReply;

    /// Drops the sessions (each expires in its own time; their nodes are
    /// deleted here at once), deletes what is left under `/my_lock` and
    /// `/lock`, and opens a session per slot.
    fn clear(&mut self, _start_ms: u64) -> Result<(), Unavailable> {
        self.sessions.clear();
        self.numbering = Numbering::new();
        let fail =
            |what: &str, e: zk::Error| Unavailable(format!("cannot empty ZooKeeper: {what}: {e}"));
        let rt = &self.runtime;
        match rt.block_on(self.admin.delete("/my_lock", None)) {
            Ok(()) | Err(zk::Error::NoNode) => {}
            Err(e) => return Err(fail("delete /my_lock", e)),
        }
        let children = rt
            .block_on(self.admin.list_children("/lock"))
            .map_err(|e| fail("list /lock", e))?;
        for name in children {
            match rt.block_on(self.admin.delete(&format!("/lock/{name}"), None)) {
                Ok(()) | Err(zk::Error::NoNode) => {}
                Err(e) => return Err(fail("delete a child of /lock", e)),
            }
        }
        for slot in 0..SESSIONS {
            let session = self.open(session_id(slot, 1)).map_err(Unavailable)?;
            self.sessions.push(session);
        }
        Ok(())
    }

    fn clock(&self) -> &FakeClock {
        &self
            .server
            .expect("a conformance test runs on a ZooKeeper lockcheck started")
            .clock
    }

    fn run(&mut self, cmd: &ZkCmd) -> Result<ZkReply, String> {
        let result = match cmd {
            ZkCmd::Request { client, op } => Some(self.request(self.current(*client)?, op)?),
            ZkCmd::Expire { client } => {
                // A fresh session takes the slot.
                let old = self.current(*client)?;
                self.open_beside(SessionId {
                    n: old.n + 1,
                    ..old
                })?;
                self.expire(old)?;
                None
            }
        };
        self.reply(result)
    }

    fn version(&mut self) -> Result<String, Unavailable> {
        if self.version.is_none() {
            // A server the user runs may not answer `srvr` (its
            // `4lw.commands.whitelist`), which is no reason not to replay.
            let text = match four_letter_word(&self.address, "srvr") {
                Ok(text) => text,
                Err(_) if self.server.is_none() => String::new(),
                Err(e) => return Err(Unavailable(format!("srvr: {e}"))),
            };
            // "Zookeeper version: 3.8.0-<commit>, built on ..."
            let v = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("Zookeeper version: "))
                .and_then(|v| v.split(['-', ',']).next())
                .unwrap_or("unknown");
            self.version = Some(format!("ZooKeeper {v}"));
        }
        Ok(self.version.clone().expect("just set"))
    }
}

/// A random sequence of `len` commands on [`SESSIONS`] sessions: creates
/// of `/my_lock` and sequential children, deletes, `exists` (with and
/// without a watch) of `/my_lock` and of children created so far (now and
/// then of one not created yet), listings of `/lock`; with `expiries`, one
/// command in eleven a session that falls silent until it expires.
pub fn random_cmds(
    rng: &mut ChaCha8Rng,
    len: usize,
    expiries: bool,
) -> Vec<conformance::Op<ZkCmd>> {
    let pick = |rng: &mut ChaCha8Rng, n: u64| rng.next_u64() % n;
    let mut generation = [1u8; SESSIONS as usize];
    let mut created: Vec<SessionId> = Vec::new();
    (0..len)
        .map(|_| {
            let slot = pick(rng, SESSIONS as u64) as u8;
            let client = slot + 1;
            let me = session_id(slot, generation[slot as usize]);
            let target = |rng: &mut ChaCha8Rng, created: &[SessionId]| {
                let k = pick(rng, created.len() as u64 + 2);
                if k == 0 {
                    ZPath::MyLock
                } else {
                    ZPath::Child {
                        seq: k as u32,
                        prefix: created.get(k as usize - 1).copied().unwrap_or(me),
                    }
                }
            };
            let watch = pick(rng, 2) == 0;
            let cmd = match pick(rng, if expiries { 44 } else { 40 }) {
                0..=7 => ZkCmd::Request {
                    client,
                    op: Op::Create {
                        path: ZPath::MyLock,
                    },
                },
                8..=15 => {
                    created.push(me);
                    ZkCmd::Request {
                        client,
                        op: Op::CreateSequential,
                    }
                }
                16..=23 => ZkCmd::Request {
                    client,
                    op: Op::Delete {
                        path: target(rng, &created),
                    },
                },
                24..=33 => ZkCmd::Request {
                    client,
                    op: Op::Exists {
                        path: target(rng, &created),
                        watch,
                    },
                },
                34..=39 => ZkCmd::Request {
                    client,
                    op: Op::GetChildren { watch },
                },
                _ => {
                    generation[slot as usize] += 1;
                    ZkCmd::Expire { client }
                }
            };
            conformance::Op { wait_ticks: 0, cmd }
        })
        .collect()
}

/// Runs `sequences` random sequences of `len` commands (seeded by `seed`;
/// with `expiries`, some sessions expire) against a fresh copy of `model`
/// and against the ZooKeeper `server`, sessions asking for
/// `session_timeout` (see [`conformance::run`]).
pub fn conformance<M: Execute<ZkCmd, ZkReply>>(
    server: &LocalServer,
    model: &M,
    session_timeout: Duration,
    expiries: bool,
    seed: u64,
    sequences: usize,
    len: usize,
) -> Result<Result<Agreement, Disagreement<ZkCmd, ZkReply>>, Unavailable> {
    let mut target = ZooKeeper::connect(server, session_timeout)?;
    conformance::run(
        &mut target,
        model,
        Timing::InOrder,
        seed,
        sequences,
        |rng| random_cmds(rng, len, expiries),
    )
}

/// The session timeout the real sessions of a replayed trace ask for: long
/// enough that a live session's pings keep it alive on a loaded machine,
/// short enough that waiting for an expiry costs about a second. The
/// trace's own `ttl_ticks` does not matter: the trace decides when a
/// session expires, and the replay makes its client silent until the
/// server has expired it.
pub const REPLAY_SESSION_TIMEOUT: Duration = Duration::from_millis(1000);

/// The session timeout of a trace that restarts ZooKeeper: its clients
/// must keep trying their sessions while a fresh JVM starts and reads its
/// log (about a second here; a loaded machine takes longer), at the cost
/// of a longer wait for each expiry.
pub const REPLAY_RESTART_SESSION_TIMEOUT: Duration = Duration::from_millis(4000);

/// `replay TRACE --against zookeeper`: the requests of a ZooKeeper lock's
/// trace on a ZooKeeper started for it.
///
/// Each session of the trace is a real session: a client's `k`-th in the
/// trace is its `k`-th on the real server, and one it has left behind
/// lives on (its client library pinging) until the trace expires it. Every request the trace delivers on a live session runs
/// on that client's real session at the step that delivers it, and every
/// answer and watch event is compared with the model's server's (through
/// [`ZkModel`], numbers renumbered as the conformance test renumbers
/// them). When the trace's server expires a session (its client having
/// been silent for a session timeout: paused, cut off, or gone), the
/// replay makes the real session's client silent and waits until the real
/// ZooKeeper has expired it, and compares the watch events the expiry
/// fires. Pings are left to the real client library, which keeps a
/// session alive until the trace lets it expire. A request on a session
/// the trace's server no longer has is answered `SessionExpired` there
/// and is not sent: its real session has expired too.
///
/// A server crash kills the real ZooKeeper, and its restart starts it
/// again on its own log: ZooKeeper gets its nodes, sessions and watches
/// back (the clients re-register theirs) and gives each session a full
/// timeout, as the model's server does, and the replay goes on once every
/// client has reconnected with its session.
///
/// Refused: more clients than [`SESSIONS`].
pub fn replay_trace(
    trace: &crate::trace::TraceFile,
) -> Result<super::replay::TraceOnServer, super::replay::CannotReplay> {
    replay_trace_on(trace, None)
}

/// [`replay_trace`] on a ZooKeeper started for it, or with `url`
/// (`zk://host:port`) on one the user runs, under [`REMOTE_CHROOT`]: the
/// same replay, since ZooKeeper times the sessions itself (a session the
/// trace expires is gone once the nodes it owned are).
pub fn replay_trace_on(
    trace: &crate::trace::TraceFile,
    url: Option<&str>,
) -> Result<super::replay::TraceOnServer, super::replay::CannotReplay> {
    use super::replay::{self, CannotReplay, TraceCommand, TraceOnServer};
    use crate::models::zk_lock::Timer;
    use std::collections::BTreeSet;
    let refused = CannotReplay::Refused;
    let unavailable = CannotReplay::Unavailable;
    let clients = replay::one_server_clients(trace, "ZooKeeper", SESSIONS)? as usize;
    if let Some(why) = url.and_then(|_| super::remote::crashes_a_server(trace, 1)) {
        return Err(refused(why));
    }
    // A restart must not outlast the clients' patience: each gives up on
    // its session 1.4 session timeouts after it last heard the server.
    let restarts = trace
        .actions
        .iter()
        .any(|a| a.get("restart").and_then(|n| n.as_u64()) == Some(0));
    let session_timeout = if restarts {
        REPLAY_RESTART_SESSION_TIMEOUT
    } else {
        REPLAY_SESSION_TIMEOUT
    };
    let server;
    let mut real = match url {
        Some(url) => ZooKeeper::connect_remote(url, session_timeout).map_err(unavailable)?,
        None => {
            server = LocalServer::zookeeper().map_err(unavailable)?;
            ZooKeeper::connect(&server, session_timeout).map_err(unavailable)?
        }
    };
    let mut server_events = Vec::new();
    real.clear(0).map_err(unavailable)?;
    let server_version = super::remote::version_at(real.version().map_err(unavailable)?, url);
    let mut model = ZkModel::new();
    let node_name = |n: usize| replay::node_name(trace, n);
    // The trace's sessions: how many each client has opened, and which
    // the trace's server still has.
    let mut opened = vec![0u8; clients + 1];
    let mut live: BTreeSet<SessionId> = BTreeSet::new();
    let mut commands: Vec<TraceCommand> = Vec::new();
    for (i, action) in trace.actions.iter().enumerate() {
        let step = i + 1;
        let on_server = |key: &str| action.get(key).and_then(|n| n.as_u64()) == Some(0);
        if on_server("crash") {
            real.crash_server()
                .map_err(|e| unavailable(Unavailable(e)))?;
            server_events.push((
                step,
                format!("{} killed (the server crashes)", node_name(0)),
            ));
            continue;
        }
        if on_server("restart") {
            real.restart_server()
                .map_err(|e| unavailable(Unavailable(e)))?;
            server_events.push((
                step,
                format!(
                    "{} started again, with what it logged; every client reconnected with its session",
                    node_name(0)
                ),
            ));
            continue;
        }
        let (client, session, op) = if let Some(fire) = action.get("fire") {
            if fire.get("node").and_then(|n| n.as_u64()) != Some(0) {
                continue;
            }
            let timer: Timer = serde_json::from_value(fire["timer"].clone()).map_err(|e| {
                refused(format!(
                    "`actions[{i}].fire.timer`: not one of the server's timers: {e}"
                ))
            })?;
            let Timer::Expire(session) = timer else {
                continue;
            };
            if !live.remove(&session) {
                continue;
            }
            (session.client.0, session, None)
        } else if let Some((client, msg)) =
            replay::delivered_to_server::<Msg>(action, i, clients as u8, "ZooKeeper")?
        {
            let Msg::Req { session, op, .. } = msg else {
                // Pings: the real client library sends its own.
                continue;
            };
            let session = match session {
                Some(session) => session,
                None => {
                    // The server opens the client's next session for it:
                    // on both sides, unless it is the first, which they
                    // opened before the trace began.
                    opened[client as usize] += 1;
                    let session = SessionId {
                        client: NodeId(client),
                        n: opened[client as usize],
                    };
                    if model.session(client) != session {
                        model.open(client);
                        real.open_beside(model.session(client))
                            .map_err(|e| unavailable(Unavailable(e)))?;
                    }
                    if model.session(client) != session {
                        return Err(refused(format!(
                            "step {step} opens session {session}, out of order"
                        )));
                    }
                    live.insert(session);
                    session
                }
            };
            if !live.contains(&session) {
                // Answered `SessionExpired`; the real session is gone.
                continue;
            }
            (client, session, Some(op))
        } else {
            continue;
        };
        if commands.len() >= conformance::SEQUENCE_LEN_MAX {
            return Err(refused(format!(
                "the trace sends more than {} requests to its server",
                conformance::SEQUENCE_LEN_MAX
            )));
        }
        let (shown, expected, answer) = match op {
            Some(op) => {
                let op = model.renumbered_op(op);
                let shown = ZkCmd::Request {
                    client,
                    op: op.clone(),
                }
                .to_string();
                let expected = model.request_on(session, &op);
                let answer = real
                    .request(session, &op)
                    .and_then(|result| real.reply(Some(result)));
                (shown, expected, answer)
            }
            None => {
                let shown = ZkCmd::Expire { client }.to_string();
                let expected = model.expire(session);
                let answer = real.expire(session).and_then(|()| real.reply(None));
                (shown, expected, answer)
            }
        };
        let shown = match shown.strip_prefix(&format!("c{client}: ")) {
            Some(rest) => format!("{session}: {rest}"),
            None => shown,
        };
        let at = (
            node_name(0),
            trace.steps[i].state.clocks[0].wall,
            node_name(client as usize),
        );
        commands.push(TraceCommand::compared(step, at, shown, &expected, answer));
        if !commands.last().expect("just pushed").agrees {
            break;
        }
    }
    Ok(TraceOnServer {
        server_version,
        commands,
        server_events,
        // The protected resource stays the world's.
        counter: None,
        gap_ms: None,
    })
}
