//! The API a lock algorithm is written against.
//!
//! A model (one file in `models/`) implements [`LockModel`]: the lock servers'
//! handlers and the client's side of the protocol. Handlers never do I/O and
//! never see the world: they read their own state, their own two clocks
//! ([`Ctx::wall_ticks`], [`Ctx::mono_ticks`]) and the message or timer that
//! woke them, and they push commands into [`Out`]. The world decides when
//! messages arrive, when time passes and which faults strike.
//!
//! # Two clocks
//! A node has a wall clock and a monotonic clock, as a real host does
//! (`CLOCK_REALTIME` and `CLOCK_MONOTONIC`; `System.currentTimeMillis` and
//! `System.nanoTime`; Python's `time.time` and `time.monotonic`). Both drift
//! with the node's oscillator. The wall clock may also start skewed and
//! jump (an NTP step, an operator, a VM resumed); the monotonic clock never
//! jumps, and its origin is arbitrary, so its reading means nothing on
//! another node: never send it. Timers ([`Out::set_timer`]) run on the
//! monotonic clock, as timerfd, Java's `ScheduledExecutorService` and Go's
//! `time.Timer` do, so a jump of the wall clock fires no timer early.
//! Each timeout or expiry a model computes reads the clock its real-world
//! source reads, and its module doc says which.
//!
//! The client's workload (acquire, read the resource, write it back, release,
//! repeat) belongs to the world, so every model is exercised the same way. A
//! model only says when its client believes it holds the lock
//! ([`Out::acquired`]), when a release has finished ([`Out::released`]) and,
//! for algorithms whose clients can notice it, when the lock was lost
//! ([`Out::lost`]).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::hash::Hash;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

mod rename;
mod requests;
mod time;

pub use rename::*;
pub use requests::*;
pub use time::*;

/// The lock's parameters, as a scenario's `params` sets them (`ttl_ticks`,
/// `retry_ticks`, ...). Each model declares the names it reads
/// ([`LockModel::PARAMS`]) and reads them here; a model that needs one the
/// scenario does not set refuses to run and says which.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct LockParams(pub BTreeMap<String, u32>);

impl LockParams {
    /// The parameter `name`, if the scenario sets it.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.0.get(name).copied()
    }

    /// The parameter `name`, which must be set and at least 1.
    pub fn require(&self, name: &str) -> Result<u32, String> {
        match self.get(name) {
            Some(v) if v > 0 => Ok(v),
            Some(_) => Err(format!("`params.{name}` must be at least 1")),
            None => Err(format!("this model needs `params.{name}`")),
        }
    }

    /// The parameter `name` if set, which must then be at least 1.
    pub fn optional(&self, name: &str) -> Result<Option<u32>, String> {
        match self.get(name) {
            Some(0) => Err(format!("`params.{name}` must be at least 1")),
            v => Ok(v),
        }
    }
}

/// A node of the simulated system: a lock server, a client or the resource.
///
/// Servers come first (`0..server_count`), then the clients, then the
/// protected resource, which belongs to the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u8);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A client's session with a lock service (a ZooKeeper or Consul session,
/// an etcd lease, a Hazelcast CP session, a Chubby session): the client
/// that opened it and which of that client's sessions it is. Real session
/// ids are opaque numbers; naming the client keeps timelines readable
/// (`c1#2`), lets client symmetry rename a session with its client, and,
/// numbered per client rather than server-wide, keeps two clients that
/// connect in either order from making two states out of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SessionId {
    pub client: NodeId,
    pub n: u8,
}
crate::rename_fields!(SessionId { client, n });

/// `n` is a number of its client's [`TokenFamily::Sessions`], which the
/// liveness checker renumbers in order where the count of that client's
/// sessions is handed over as its counter (a ZooKeeper server's count, or
/// the client's own [`SessionCounter`]); a model that hands over no such
/// counter keeps its numbers as they are.
impl Times for SessionId {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        TokenFamily::Sessions(self.client).visit(&mut self.n, times);
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        TokenFamily::Sessions(self.client).read(self.n, times);
    }
}

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "c{}#{}", self.client.0, self.n)
    }
}

/// Where a client's [`SessionId`]s come from when the client numbers its
/// own sessions (an etcd lease, a Consul, Chubby or Hazelcast session it
/// asks the service to create under a name of its own): the last one it
/// opened, numbered from 1. It is its client's
/// [`TokenFamily::Sessions`] counter, which the liveness checker renumbers
/// with the sessions, so that a client that opens a session every round
/// leaves a finite graph under rounds without end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SessionCounter {
    client: NodeId,
    last: u8,
}
crate::rename_fields!(SessionCounter { client, last });

impl SessionCounter {
    /// The counter of the client `ctx` runs, before its first session.
    pub fn new(ctx: &Ctx) -> SessionCounter {
        SessionCounter {
            client: ctx.id,
            last: 0,
        }
    }

    /// The client's next session: unlike every one it opened before (for
    /// 255 sessions, which no bounded scenario comes near; under rounds
    /// without end the liveness checker keeps the numbers small).
    pub fn open(&mut self) -> SessionId {
        self.last = self.last.wrapping_add(1);
        SessionId {
            client: self.client,
            n: self.last,
        }
    }
}

impl Times for SessionCounter {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        TokenFamily::Sessions(self.client).visit_counter(&mut self.last, times);
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        TokenFamily::Sessions(self.client).read_counter(self.last, times);
    }
}
/// What every piece of model state must offer: cheap cloning, hashing for the
/// visited set, a total order (the world keeps collections sorted so that
/// successor order never depends on insertion history) and serialization for
/// traces.
pub trait StateData: Clone + Debug + Hash + Eq + Ord + Send + Sync + Serialize + 'static {}
impl<T: Clone + Debug + Hash + Eq + Ord + Send + Sync + Serialize + 'static> StateData for T {}

/// Messages and timers also appear in actions, which traces store and replay.
pub trait EventData: StateData + DeserializeOwned {}
impl<T: StateData + DeserializeOwned> EventData for T {}

/// One registered variant of a model: the id users pass to `--model`.
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    /// The model id, e.g. `redis_set_px_fenced`.
    pub id: &'static str,
    /// One line for `lockcheck list`.
    pub summary: &'static str,
}

/// The program a model's servers model, where its traces can be replayed
/// on that program itself (`replay --against`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RealServer {
    pub program: ServerProgram,
    /// Whether restarting the program is what a restart does to the model's
    /// server. Not where the model's restarted server does something the
    /// program would not do by itself (Redlock's delayed restart ignores
    /// requests for a while): its traces replay only while no server
    /// restarts.
    pub restart_is_real: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerProgram {
    /// Each server is a plain `redis-server`, running one command of
    /// `models::redis::Cmd` at a time.
    Redis,
    /// The server is one PostgreSQL database, running one statement of
    /// `models::db_sql::Stmt` at a time; it keeps what it committed over a
    /// crash.
    Postgres,
    /// The server is one standalone ZooKeeper, running the requests of
    /// `models::zk_wire::Op` on sessions that expire.
    ZooKeeper,
    /// The server is a single-member etcd, running the requests of
    /// `models::etcd_lock::Msg` on leases that expire.
    Etcd,
}

impl ServerProgram {
    pub const ALL: [ServerProgram; 4] = [
        ServerProgram::Redis,
        ServerProgram::Postgres,
        ServerProgram::ZooKeeper,
        ServerProgram::Etcd,
    ];

    /// The program `replay --against` calls `name`.
    pub fn named(name: &str) -> Option<ServerProgram> {
        ServerProgram::ALL.into_iter().find(|p| p.name() == name)
    }

    /// As `replay --against` names it.
    pub fn name(self) -> &'static str {
        match self {
            ServerProgram::Redis => "redis-server",
            ServerProgram::Postgres => "postgres",
            ServerProgram::ZooKeeper => "zookeeper",
            ServerProgram::Etcd => "etcd",
        }
    }
}

/// How the protected resource checks fencing tokens: the correct way, or
/// one of the ways resources that "support fencing" get it wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FenceCheck {
    /// Every read and every write is checked against the highest token the
    /// resource has seen, and raises it, in the same atomic step as the
    /// operation: what fencing needs.
    EveryOperation,
    /// Only writes carry the token and are checked. A newer holder's read
    /// does not raise the highest token, so an older holder's write that
    /// lands after it is still accepted, and one of the two updates is lost.
    WritesOnly,
    /// A write's token is checked, and the write is made as a second step
    /// (a storage service that reads the highest token, compares, then
    /// writes, without a transaction around the three): another holder's
    /// operations can come between the check and the write. (Not for a
    /// model with `conditional_writes`: the second step compares no
    /// version.)
    CheckThenWrite,
    /// The section updates two resources (two stores, or two services,
    /// each behind its own fence): it writes the counter as
    /// `EveryOperation` does, then stamps a second resource with its token.
    /// Each checks tokens against the highest token *it* has seen, so a
    /// stale holder's second write is accepted after a newer holder's first
    /// when the newer holder has not reached the second resource yet: the
    /// two resources end up written by different holders. One fence must
    /// cover everything the section touches.
    EachResourceAlone,
}

/// A parameter a model reads from the scenario's `params`.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    /// What it means, for `lockcheck list`.
    pub meaning: &'static str,
}

/// A lock algorithm, as lock servers plus the client's half of the protocol.
pub trait LockModel: Sized + Send + Sync + 'static {
    /// A lock server's state (volatile and durable parts together).
    type Server: StateData;
    /// What a server keeps across a crash (see [`Out::save`]). Use `()` for a
    /// server that persists nothing.
    type Durable: StateData;
    /// The client's protocol state. It is volatile: a crash resets it.
    type Client: StateData;
    /// Messages between clients and lock servers.
    type Msg: EventData;
    /// Timer tags. A node has at most one pending timer per tag.
    type Timer: EventData;

    /// The variants this type implements, each a separate model id.
    const VARIANTS: &'static [Variant];

    /// The parameters this model reads from the scenario's `params`.
    const PARAMS: &'static [Param];

    /// Builds the variant `variant` (one of [`Self::VARIANTS`]) from the
    /// scenario's parameters. An error names what is missing or wrong.
    fn new(variant: &str, params: &LockParams) -> Result<Self, String>;

    /// How many lock servers this variant runs.
    fn server_count(&self) -> usize {
        1
    }

    /// The name of server `index` in timelines (`redis`, `zk`, `m1`...).
    fn server_name(&self, index: usize) -> String {
        format!("s{}", index + 1)
    }

    /// The real program variant `variant`'s servers model, if its traces can
    /// be replayed on it.
    fn real_server(_variant: &str) -> Option<RealServer> {
        None
    }

    /// Whether the client's write to the resource is a compare-and-set on the
    /// version it read (optimistic concurrency): a write that finds the
    /// version changed is refused, and the workload reads again.
    fn conditional_writes(&self) -> bool {
        false
    }

    /// How the protected resource checks the fencing tokens this variant
    /// hands out ([`Out::acquired`]). It matters only to a fenced variant.
    fn fence_check(&self) -> FenceCheck {
        FenceCheck::EveryOperation
    }

    /// How a message reads in timelines. The default is its `Debug` form.
    fn describe_msg(&self, msg: &Self::Msg) -> String {
        format!("{msg:?}")
    }

    /// How a timer reads in timelines. The default is its `Debug` form.
    fn describe_timer(&self, timer: &Self::Timer) -> String {
        format!("{timer:?}")
    }

    /// Liveness support: the granularity, in ticks, of the time shift under
    /// which this model's handlers behave the same (1 when they only compare
    /// and add clock times; a multiple of a period when they align to it, as
    /// heartbeats on multiples of their period do). The default: 1 for a
    /// model that hands its times to the harness ([`LockModel::times`]),
    /// otherwise `None`: the harness cannot shift the model's times, and
    /// the liveness verdicts are `inconclusive`. A model that aligns to a
    /// period overrides it with that period (and still hands over its
    /// times).
    fn time_shift_period(&self) -> Option<u32> {
        self.times().map(|_| 1)
    }

    /// Liveness support: how the harness reaches every absolute time this
    /// model keeps or sends, each an [`Instant`]. `Some` (build it with
    /// [`TimeVisitors::by_times`]) lets the liveness checker shift time for
    /// this model: it moves every `Instant` of a state (in server, durable
    /// and client states, messages in flight and timer tags) with the
    /// clocks, merges those that have passed for good, renumbers its
    /// values unique per acquisition ([`Nonce`]s, which the same visitor
    /// reaches) and the numbers that grow with every grant (fencing tokens,
    /// sequence and session numbers: [`TokenFamily`]), and renumbers
    /// request ids as the safety search does. Nothing is written by hand
    /// but the visitors, which [`times_fields!`](crate::times_fields) and
    /// its siblings write in a line per type.
    ///
    /// Claim it only if every absolute time the model keeps is an
    /// `Instant` (a plain `i64` holding a clock reading is not moved, and
    /// the model behaves differently after the shift), and a handler that
    /// aligns to a period says so in [`LockModel::time_shift_period`].
    /// `tests/suite/time_shift.rs` checks the claim on sampled states.
    /// `None`, the default.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        None
    }

    /// Liveness support for clients that never stop (a scenario's
    /// `"rounds": "endless"`): whether every counter of the model that
    /// grows with each round is kept bounded for the liveness checker, so
    /// that its graph stays finite however many rounds the clients run.
    /// For a model that hands its times to the harness
    /// ([`LockModel::times`]): its values unique per acquisition are
    /// [`Nonce`]s, which the harness renumbers, its fencing tokens are
    /// [`FenceToken`]s from a [`FenceCounter`], which the harness renumbers
    /// in order, as are its sequence and session numbers where it hands
    /// over their counters ([`TokenFamily`]), and it keeps no other such
    /// counter (a token, a sequence or session number in a plain integer
    /// that no visitor reaches). `false`, the default:
    /// under endless rounds the liveness verdicts are `inconclusive`,
    /// never a `holds` read off a graph that is not the whole space.
    fn rounds_bounded(&self) -> bool {
        false
    }

    /// Client symmetry: `Some` when this variant's clients are
    /// interchangeable, so the checker may search one state per orbit under
    /// permutations of the clients (see `src/world/symmetry.rs`). `None`, the
    /// default, searches every state.
    ///
    /// Claim it only if renaming clients maps every behaviour to a behaviour:
    /// the handlers must treat clients alike and use a client's identity only
    /// as a value that [`Rename`] rewrites. A value derived from a client's
    /// id (`ctx.client_index() * k + n`) is not rewritten; carry the
    /// [`NodeId`] itself instead (as `redis::Value` does). Servers stay in
    /// place unless [`LockModel::server_symmetry`] says otherwise.
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        None
    }

    /// Server symmetry: whether this variant's servers are interchangeable
    /// too, so that the checker takes orbits under permutations of servers
    /// and clients together. It renames through the [`Symmetry`] that
    /// [`LockModel::client_symmetry`] returns, so it counts only when that
    /// is `Some`. `false`, the default, keeps every server in place.
    ///
    /// Claim it only if every server runs the same code with the same
    /// configuration, and the handlers use a server's identity only as a
    /// value that [`Rename`] rewrites: a set of servers is a [`NodeSet`],
    /// never a bitmask indexed by `server.index()`, and no server has a role
    /// of its own (`ctx.server()`, "the first server is the master").
    fn server_symmetry(&self) -> bool {
        false
    }

    /// A server's state at start and at restart after a crash, rebuilt from
    /// whatever it last saved.
    fn server_init(&self, ctx: &Ctx, durable: Option<&Self::Durable>) -> Self::Server;

    /// Runs once each time a server starts, at the start of the run and
    /// after every restart, right after [`LockModel::server_init`]: the
    /// place to set the timers a server keeps from the start (a session
    /// sweep, a heartbeat), so that no handler has to set them on the
    /// first message it sees. Nothing by default.
    fn server_start(&self, _ctx: &Ctx, _state: &mut Self::Server, _out: &mut Out<Self>) {}

    /// What of a server's state survives a crash, declared once: where this
    /// returns `Some`, the world saves it after every server handler (and
    /// at start), as a server that commits each change before it answers
    /// does, and the model never calls [`Out::save`]. `None`, the default:
    /// the model saves what it persists, when it persists it, with
    /// [`Out::save`] (a server that loses its last writes in a crash, or
    /// persists nothing at all).
    fn durable_part(&self, _state: &Self::Server) -> Option<Self::Durable> {
        None
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        state: &mut Self::Server,
        src: NodeId,
        msg: Self::Msg,
        out: &mut Out<Self>,
    );

    fn server_on_timer(
        &self,
        _ctx: &Ctx,
        _state: &mut Self::Server,
        _timer: Self::Timer,
        _out: &mut Out<Self>,
    ) {
    }

    /// A client's protocol state at start and after a restart.
    fn client_init(&self, ctx: &Ctx) -> Self::Client;

    /// The workload asks for the lock. Call [`Out::acquired`] once the client
    /// believes it holds it (now or from a later handler).
    fn client_acquire(&self, ctx: &Ctx, state: &mut Self::Client, out: &mut Out<Self>);

    /// The workload is done with its critical section. Call [`Out::released`]
    /// once the release has finished, so the next round may start.
    fn client_release(&self, ctx: &Ctx, state: &mut Self::Client, out: &mut Out<Self>);

    fn client_on_msg(
        &self,
        ctx: &Ctx,
        state: &mut Self::Client,
        src: NodeId,
        msg: Self::Msg,
        out: &mut Out<Self>,
    );

    fn client_on_timer(
        &self,
        ctx: &Ctx,
        state: &mut Self::Client,
        timer: Self::Timer,
        out: &mut Out<Self>,
    );

    /// How this variant's clients talk to its servers: independent
    /// datagrams (the default), or sessions over a connection, as TCP
    /// gives (see [`Transport`]).
    fn transport(&self) -> Transport {
        Transport::Datagram
    }

    /// Sessions only: the client's connection to `server` broke, and the
    /// client library has connected again. Whatever the client had in
    /// flight on the old connection, requests and their answers, is gone,
    /// and so is every message the server sent on it since; what the client
    /// sends from now on travels on the new connection. The default does
    /// nothing.
    fn client_on_disconnect(
        &self,
        _ctx: &Ctx,
        _state: &mut Self::Client,
        _server: NodeId,
        _out: &mut Out<Self>,
    ) {
    }

    /// Sessions only: the server noticed that its connection from `client`
    /// closed (which a half-open connection makes it notice late). What the
    /// server sent on it since it broke was lost. A lock bound to the
    /// connection (a PostgreSQL advisory lock, MySQL `GET_LOCK`) is released
    /// here. The default does nothing.
    fn server_on_disconnect(
        &self,
        _ctx: &Ctx,
        _state: &mut Self::Server,
        _client: NodeId,
        _out: &mut Out<Self>,
    ) {
    }

    /// Sessions only: whether the servers need to tell a client's
    /// connections apart ([`Ctx::conn`]), as a database does, which runs one
    /// backend per connection. A client whose connection broke may connect
    /// again, and send on the new connection, before the server notices
    /// that the old one closed; a lock released "when the connection
    /// closes" must then be released only if it was taken on the connection
    /// that closed. `false`, the default: [`Ctx::conn`] is always `None`,
    /// and the world keeps no connection numbers, so a model that does not
    /// ask has exactly the states it had without them.
    fn connection_ids(&self) -> bool {
        false
    }
}

/// Sessions with [`LockModel::connection_ids`]: which of a client's
/// connections to a server a message or a close notice belongs to. The
/// world numbers a client's connections to each server from 0, in the
/// order the client opens them (after a break, or after its own restart),
/// wrapping at 256. Only a fault opens a new connection, so a bounded fault
/// budget bounds the numbers. Compare them only for equality, and only
/// together with the client's [`NodeId`] (they are per client and per
/// server); symmetry renames the client and leaves the number as it is.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ConnId(pub u8);

impl std::fmt::Display for ConnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "conn {}", self.0)
    }
}

/// How a model's clients and servers exchange messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Each message travels on its own: it may be lost, duplicated, or
    /// overtaken by a later one, within the scenario's fault budgets.
    Datagram,
    /// Each client holds one connection to each server, as a TCP session:
    /// messages arrive in the order they were sent and are never
    /// duplicated. A lost message breaks the connection instead (a
    /// connection reset, a partition that outlasts the retransmission
    /// timeout, a crashed peer): what is in flight on it is lost, and so is
    /// everything either end sends on it until the client hears of the
    /// break and reconnects ([`LockModel::client_on_disconnect`]). Each end
    /// hears of the break within the scenario's
    /// `network.disconnect_detect_ticks_min..=max`; while a partition
    /// separates them, the client cannot reconnect.
    Session,
}

/// What a handler may know about where it runs.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// This node.
    pub id: NodeId,
    /// This node's wall clock (time of day), in ticks. It may be skewed,
    /// drift and jump. Read it where the real system reads the time of day
    /// (`gettimeofday`, `System.currentTimeMillis`, `time.time()`, SQL
    /// `NOW()`), and keep what it gives apart from monotonic readings.
    pub wall_ticks: i64,
    /// This node's monotonic clock, in ticks. It drifts as the wall clock
    /// does but never jumps; its origin is arbitrary, so compare it only
    /// with this node's own earlier readings. Timers run on it.
    pub mono_ticks: i64,
    /// How many lock servers there are; their ids are `0..server_count`.
    pub server_count: usize,
    /// How many clients there are.
    pub client_count: usize,
    /// Sessions with [`LockModel::connection_ids`], on a server: the
    /// client's connection that the message being handled came on
    /// ([`LockModel::server_on_msg`]), or that closed
    /// ([`LockModel::server_on_disconnect`]). `None` in every other handler
    /// and for models that do not ask. What a server sends travels on the
    /// client's current connection; the client's request ids
    /// ([`Requests`]) tell an answer to a request from an older connection
    /// apart, as a socket that has closed would lose it.
    pub conn: Option<ConnId>,
    /// On a client: the memory its process shares with the other clients,
    /// every client being one thread of the same process (a lock object
    /// that threads share, its token kept in a plain attribute rather than
    /// in thread-local storage): the [`Nonce`] last stored there with
    /// [`Out::set_process_nonce`], by this client or another. `None` until
    /// one is stored, on a server, and for every model that stores none.
    /// A crash of a client is one thread's death: the shared memory
    /// outlives it.
    pub process_nonce: Option<Nonce>,
}

impl Ctx {
    /// The lock servers, in id order.
    pub fn servers(&self) -> impl Iterator<Item = NodeId> + use<> {
        (0..self.server_count as u8).map(NodeId)
    }

    /// The first (or only) lock server.
    pub fn server(&self) -> NodeId {
        NodeId(0)
    }

    /// This node's wall clock now, as an [`Instant`]: what a model keeps
    /// or sends when it remembers a time of day (an expiry, a file's
    /// mtime).
    pub fn wall(&self) -> Instant {
        Instant::from_ticks(self.wall_ticks)
    }

    /// This node's monotonic clock now, as an [`Instant`]. Keep it on this
    /// node: its origin means nothing elsewhere.
    pub fn mono(&self) -> Instant {
        Instant::from_ticks(self.mono_ticks)
    }

    /// This client's position among the clients, from 0. Meaningless on a
    /// server. Symmetry does not rename a value derived from it: a model
    /// that declares client symmetry names a client by its `id` instead.
    pub fn client_index(&self) -> usize {
        self.id.index().saturating_sub(self.server_count)
    }
}

/// A command a handler returns to the world.
#[derive(Clone, Debug)]
pub enum Command<M: LockModel> {
    Send(NodeId, M::Msg),
    SendOn(NodeId, ConnId, M::Msg),
    SetTimer(M::Timer, u32),
    CancelTimer(M::Timer),
    Acquired(Option<u64>),
    Released,
    Lost,
    Save(M::Durable),
    SetProcessNonce(Option<Nonce>),
}

/// The buffer a handler writes its commands into.
pub struct Out<M: LockModel> {
    pub(crate) commands: Vec<Command<M>>,
}

impl<M: LockModel> Default for Out<M> {
    fn default() -> Self {
        Out {
            commands: Vec::new(),
        }
    }
}

impl<M: LockModel> Out<M> {
    /// Sends `msg` to `dst` through the simulated network.
    pub fn send(&mut self, dst: NodeId, msg: M::Msg) {
        self.commands.push(Command::Send(dst, msg));
    }

    /// (server, sessions with [`LockModel::connection_ids`]) Sends `msg` to
    /// `client` on its connection `conn`. If the client has connected again
    /// since, that connection is gone and the message is lost, as what a
    /// database backend writes to a closed socket is: an answer to a call
    /// that blocked on the old connection never reaches the new one.
    /// ([`Out::send`] writes to the client's current connection.)
    pub fn send_on(&mut self, client: NodeId, conn: ConnId, msg: M::Msg) {
        self.commands.push(Command::SendOn(client, conn, msg));
    }

    /// Sets (or resets) the timer `timer` to fire when this node's monotonic
    /// clock ([`Ctx::mono_ticks`]) has advanced by `after_ticks`. A jump of
    /// the wall clock neither hastens nor delays it.
    pub fn set_timer(&mut self, timer: M::Timer, after_ticks: u32) {
        self.commands.push(Command::SetTimer(timer, after_ticks));
    }

    pub fn cancel_timer(&mut self, timer: M::Timer) {
        self.commands.push(Command::CancelTimer(timer));
    }

    /// (client) "I have the lock." Call it once the lock algorithm, as the
    /// client runs it, says the lock is granted: the world then counts the
    /// client as a holder (this is what `mutual_exclusion` looks at) and its
    /// workload starts the critical section: read the protected counter,
    /// write it back plus one, then ask the model to release
    /// ([`LockModel::client_release`]).
    ///
    /// `fencing_token` is the token the lock handed out with the grant, if
    /// it hands one out (a fenced variant): the workload sends it with every
    /// resource operation, and the resource refuses a token lower than one it
    /// has already seen. `None` sends no token: an unfenced variant. There is
    /// nothing else to declare; a variant is fenced exactly when it passes
    /// tokens here.
    ///
    /// Outside the workload's "acquiring" phase (a late or repeated grant)
    /// the call is ignored.
    pub fn acquired(&mut self, fencing_token: Option<u64>) {
        self.commands.push(Command::Acquired(fencing_token));
    }

    /// (client) "My release is done." Call it when the release the world
    /// asked for ([`LockModel::client_release`]) has finished as far as the
    /// client can tell (the server confirmed it, or the algorithm does not
    /// wait). The workload then counts the round as done and asks for the
    /// lock again if it has rounds left ([`LockModel::client_acquire`]).
    /// Ignored unless the workload is releasing.
    pub fn released(&mut self) {
        self.commands.push(Command::Released);
    }

    /// (client) "I no longer have the lock, and I know it": an expired lease
    /// noticed, a session lost, a fencing error. The world stops counting the
    /// client as a holder; its workload abandons the critical section (a
    /// write still in flight may land: that is the stale write
    /// `resource_safe` catches) and asks for the lock again. A client that
    /// does not know it lost the lock must not call this: believing it still
    /// holds the lock is exactly the bug the checks find. Ignored when the
    /// client does not hold the lock.
    pub fn lost(&mut self) {
        self.commands.push(Command::Lost);
    }

    /// (server) Persists `durable`; a restart after a crash gets it back.
    /// A model whose server commits every change declares its durable part
    /// instead ([`LockModel::durable_part`]) and never calls this.
    pub fn save(&mut self, durable: M::Durable) {
        self.commands.push(Command::Save(durable));
    }

    /// (client) Stores `nonce` in the memory every client shares
    /// ([`Ctx::process_nonce`]), for any client to read in its next step.
    /// The harness renames and renumbers it as it does every nonce.
    pub fn set_process_nonce(&mut self, nonce: Option<Nonce>) {
        self.commands.push(Command::SetProcessNonce(nonce));
    }
}
