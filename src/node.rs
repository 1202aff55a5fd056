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

    /// Whether the client's write to the resource is a compare-and-set on the
    /// version it read (optimistic concurrency): a write that finds the
    /// version changed is refused, and the workload reads again.
    fn conditional_writes(&self) -> bool {
        false
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
    /// otherwise `None`: the model has not declared its time shift (see
    /// [`LockModel::normalize`]), and the liveness verdicts are
    /// `inconclusive`.
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
    /// reaches), and renumbers request ids as the safety search does.
    /// [`LockModel::normalize`] and [`LockModel::time_shift_period`] then
    /// need nothing written by hand.
    ///
    /// Claim it only if every absolute time the model keeps is an
    /// `Instant` (a plain `i64` holding a clock reading is not moved, and
    /// the model behaves differently after the shift), and no handler
    /// aligns to a period. `tests/time_shift.rs` checks the claim on
    /// sampled states. `None`, the default.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        None
    }

    /// Liveness support, written by hand: rewrites the model's part of a
    /// state into a canonical one that behaves the same from now on, so
    /// that the liveness checker's graph is finite (see
    /// `src/check/liveness.rs`). It is called only once faults can no
    /// longer start, with every clock at rate 100%. A model that keeps its
    /// times as [`Instant`]s and claims [`LockModel::times`] needs none:
    /// the harness shifts its times and renumbers its request ids.
    ///
    /// It must subtract `n.shift_ticks` from every absolute clock time the
    /// model keeps, wall or monotonic (in server, durable and client states,
    /// and in messages in flight), and may (which keeps the graph small)
    /// forget times that have passed for good on the clock they were read
    /// from (an expired key is no key) and renumber counters
    /// that are only compared for equality (request ids), or only for order
    /// (sequence numbers, by a bijection that keeps their order and keeps
    /// the next value above the others), consistently across states,
    /// messages and timers. Anything else would make the liveness verdicts
    /// unsound. The default changes nothing.
    fn normalize(&self, _n: &mut Normalize<'_, Self>) {}

    /// Liveness support for clients that never stop (a scenario's
    /// `"rounds": "endless"`): whether every counter of the model that
    /// grows with each round is kept bounded for the liveness checker, so
    /// that its graph stays finite however many rounds the clients run.
    /// For a model that hands its times to the harness
    /// ([`LockModel::times`]): its values unique per acquisition are
    /// [`Nonce`]s, which the harness renumbers, and it keeps no other such
    /// counter (a fencing token, a sequence or session number in a plain
    /// integer). For a model with a hand-written [`LockModel::normalize`]:
    /// that normalize renumbers every such counter. `false`, the default:
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
        Instant(self.wall_ticks)
    }

    /// This node's monotonic clock now, as an [`Instant`]. Keep it on this
    /// node: its origin means nothing elsewhere.
    pub fn mono(&self) -> Instant {
        Instant(self.mono_ticks)
    }

    /// This client's position among the clients, from 0. Meaningless on a
    /// server. Symmetry does not rename a value derived from it: a model
    /// that declares client symmetry names a client by its `id` instead.
    pub fn client_index(&self) -> usize {
        self.id.index().saturating_sub(self.server_count)
    }
}

/// An absolute time read from a node's clock, wall or monotonic, in ticks:
/// what a model keeps or sends when it remembers a point in time (a key's
/// expiry, a row's `expires_at`, a file's mtime, a message's
/// time-to-live), as opposed to a duration (`ttl_ticks`), which is a plain
/// number.
///
/// A model gets one only from its clock ([`Ctx::wall`], [`Ctx::mono`]) or
/// from another one ([`Instant::after`]), and uses it only by comparing it
/// (with a clock reading or with another `Instant`) and by adding a
/// duration to it. There is no arithmetic that yields a plain number: the
/// liveness checker moves every `Instant` of a state by the same amount and
/// merges those that have passed for good (see [`Times`]), and a model
/// that turned one into a number, or computed one from a number, would
/// behave differently after that move. [`Display`](std::fmt::Display)
/// prints the ticks, for timelines.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Instant(i64);

impl Instant {
    /// The instant `ticks` later on the same clock.
    pub fn after(self, ticks: u32) -> Instant {
        Instant(self.0 + ticks as i64)
    }

    /// The instant `ticks` earlier on the same clock.
    pub fn before(self, ticks: u32) -> Instant {
        Instant(self.0 - ticks as i64)
    }

    /// Whether this instant has come on a clock that reads `now` (read
    /// from the same clock): `now >= self`.
    pub fn has_come(self, now: Instant) -> bool {
        now >= self
    }

    /// How long until this instant comes on a clock that reads `now` (read
    /// from the same clock), to set a timer for it; `None` if it has come.
    /// A time that passed for good has come on every clock, merged or not,
    /// so this behaves the same under the liveness checker's shift.
    pub fn ticks_until(self, now: Instant) -> Option<u32> {
        (self.0 > now.0).then(|| u32::try_from(self.0 - now.0).unwrap_or(u32::MAX))
    }

    /// For the harness only (the world and the liveness checker): an
    /// instant from its ticks.
    pub(crate) fn from_ticks(ticks: i64) -> Instant {
        Instant(ticks)
    }

    /// For the harness only: the instant's ticks.
    pub(crate) fn ticks(self) -> i64 {
        self.0
    }
}

impl Debug for Instant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::fmt::Display for Instant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Hands every [`Instant`] a value holds to a [`VisitTimes`], so that the
/// liveness checker can move them all when it shifts time (see
/// [`LockModel::times`]).
///
/// Implementations must reach every `Instant` the value holds. A time kept
/// as a plain integer is not reached and makes the liveness verdicts
/// unsound; `tests/time_shift.rs` catches it on the states it samples.
/// [`times_fields!`](crate::times_fields), [`times_variants!`](crate::times_variants)
/// and [`times_nothing!`](crate::times_nothing) write the usual
/// implementations in one line per type. A collection sorted by value
/// comes out sorted again (`BTreeMap` and `BTreeSet` are rebuilt).
pub trait Times {
    fn visit_times(&mut self, times: &mut dyn VisitTimes);
}

/// What [`Times::visit_times`] hands instants and nonces to: the liveness
/// checker's time shift and nonce renumbering, or a probe that collects
/// them.
pub trait VisitTimes {
    fn instant(&mut self, t: &mut Instant);

    /// A [`Nonce`]. The default leaves it alone (the time shift).
    fn nonce(&mut self, _n: &mut Nonce) {}

    /// A client's [`Nonces`], the source of its nonces. The default leaves
    /// it alone.
    fn nonces(&mut self, _n: &mut Nonces) {}
}

/// A value unique to one acquisition of one client (the random token
/// redis-py writes into its key, a UUID a client stamps on its row), which
/// handlers compare only for equality: with each other, and with the
/// values of the client's later acquisitions.
///
/// A client draws its nonces from its one [`Nonces`], which it keeps in its
/// state, and a nonce names the client that drew it, so that symmetry
/// renames it with the client ([`Rename`]). Nothing turns one into a
/// number a handler could compute with: the liveness checker renumbers
/// them (see `src/world/nonces.rs`), shifting all of a client's nonces and
/// its `Nonces` by the same amount, so that rounds without end leave a
/// finite graph. A value unique per acquisition kept as a plain integer
/// is not renumbered, and grows with every round.
///
/// It reads, and is stored in traces, as the number `owner << 8 | serial`
/// (`257` for the first nonce of node 1), above any plain value below
/// 256 a model may keep beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nonce {
    owner: NodeId,
    serial: u8,
}

impl Nonce {
    /// The number it reads as (see above).
    pub fn number(self) -> u64 {
        ((self.owner.0 as u64) << 8) | self.serial as u64
    }

    /// The nonce that reads as `number`, for reading traces back; `None`
    /// if it reads as no nonce (below 256, or its node beyond 255).
    pub fn from_number(number: u64) -> Option<Nonce> {
        let owner = u8::try_from(number >> 8).ok().filter(|o| *o != 0)?;
        Some(Nonce {
            owner: NodeId(owner),
            serial: number as u8,
        })
    }

    /// The client that drew it.
    pub fn owner(self) -> NodeId {
        self.owner
    }

    /// Which of its owner's draws it was (1 for the first), for timelines:
    /// handlers compare nonces only for equality.
    pub fn serial(self) -> u8 {
        self.serial
    }

    /// For the harness only: moves the serial down by `by`, as the
    /// owner's [`Nonces`] moves.
    pub(crate) fn shift_down(&mut self, by: u8) {
        self.serial = self.serial.wrapping_sub(by);
    }
}

impl std::fmt::Display for Nonce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.number())
    }
}

impl Serialize for Nonce {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.number())
    }
}

impl<'de> Deserialize<'de> for Nonce {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        Nonce::from_number(n).ok_or_else(|| serde::de::Error::custom(format!("{n} is not a nonce")))
    }
}

/// Where a client's [`Nonce`]s come from: the serial of the last one it
/// drew. Serials wrap at 256; the liveness checker shifts them (see
/// [`Nonce`]), and no bounded run draws 256. A client keeps at most one,
/// in its own state; servers keep none.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Nonces(u8);

impl Nonces {
    pub fn new() -> Nonces {
        Nonces(0)
    }

    /// A nonce that no other client drew and this one has not drawn
    /// before (nor will again for 255 draws).
    pub fn fresh(&mut self, ctx: &Ctx) -> Nonce {
        self.0 = self.0.wrapping_add(1);
        Nonce {
            owner: ctx.id,
            serial: self.0,
        }
    }

    /// For the harness only: the serial of the last nonce drawn.
    pub(crate) fn last(self) -> u8 {
        self.0
    }

    /// For the harness only: moves down by `by` with the owner's nonces.
    pub(crate) fn shift_down(&mut self, by: u8) {
        self.0 = self.0.wrapping_sub(by);
    }
}

impl Times for Nonce {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        times.nonce(self);
    }
}

impl Times for Nonces {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        times.nonces(self);
    }
}

impl Rename for Nonce {
    fn rename(&mut self, map: &NodeMap) {
        self.owner.rename(map);
    }

    // A nonce is not a request id: servers store it.
    fn visit_ids(&mut self, _ids: &mut dyn VisitIds) {}
}

impl Times for Instant {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        times.instant(self);
    }
}

/// Implements [`Times`] as a no-op for types that hold no [`Instant`].
#[macro_export]
macro_rules! times_nothing {
    ($($t:ty),* $(,)?) => {
        $(impl $crate::node::Times for $t {
            fn visit_times(&mut self, _times: &mut dyn $crate::node::VisitTimes) {}
        })*
    };
}

/// Implements [`Times`] for a struct by visiting each of its fields; the
/// compiler checks that every field is listed.
/// `times_fields!(Key { value, expires_at });`
#[macro_export]
macro_rules! times_fields {
    ($t:ident { $($f:ident),* $(,)? }) => {
        impl $crate::node::Times for $t {
            fn visit_times(&mut self, times: &mut dyn $crate::node::VisitTimes) {
                let $t { $($f),* } = self;
                $($crate::node::Times::visit_times($f, times);)*
                let _ = times;
            }
        }
    };
}

/// Implements [`Times`] for an enum by visiting the fields of each variant;
/// the compiler checks that every variant and field is listed.
/// `times_variants!(Msg { Req { id, cmd }, Rep { id, reply }, Ping, Token(t) });`
#[macro_export]
macro_rules! times_variants {
    ($t:ident { $($v:ident $({ $($f:ident),* $(,)? })? $(( $($p:ident),* $(,)? ))?),* $(,)? }) => {
        impl $crate::node::Times for $t {
            #[allow(unused_variables)]
            fn visit_times(&mut self, times: &mut dyn $crate::node::VisitTimes) {
                match self {
                    $($t::$v $({ $($f),* })? $(( $($p),* ))? => {
                        $($($crate::node::Times::visit_times($f, times);)*)?
                        $($($crate::node::Times::visit_times($p, times);)*)?
                    })*
                }
            }
        }
    };
}

times_nothing!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    String,
    NodeId,
    NodeSet,
    RequestId
);

impl<T: Times> Times for Option<T> {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        if let Some(x) = self {
            x.visit_times(times);
        }
    }
}

impl<T: Times> Times for Box<T> {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        (**self).visit_times(times);
    }
}

impl<T: Times> Times for Vec<T> {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        for x in self {
            x.visit_times(times);
        }
    }
}

impl<T: Times> Times for std::collections::VecDeque<T> {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        for x in self {
            x.visit_times(times);
        }
    }
}

impl<T: Times, const N: usize> Times for [T; N] {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        for x in self {
            x.visit_times(times);
        }
    }
}

impl<K: Times + Ord, V: Times> Times for std::collections::BTreeMap<K, V> {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        *self = std::mem::take(self)
            .into_iter()
            .map(|(mut k, mut v)| {
                k.visit_times(times);
                v.visit_times(times);
                (k, v)
            })
            .collect();
    }
}

impl<T: Times + Ord> Times for std::collections::BTreeSet<T> {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        *self = std::mem::take(self)
            .into_iter()
            .map(|mut x| {
                x.visit_times(times);
                x
            })
            .collect();
    }
}

macro_rules! times_tuple {
    ($($n:tt $t:ident),*) => {
        impl<$($t: Times),*> Times for ($($t,)*) {
            fn visit_times(&mut self, times: &mut dyn VisitTimes) {
                $(self.$n.visit_times(times);)*
            }
        }
    };
}
times_tuple!(0 A);
times_tuple!(0 A, 1 B);
times_tuple!(0 A, 1 B, 2 C);
times_tuple!(0 A, 1 B, 2 C, 3 D);
times_tuple!(0 A, 1 B, 2 C, 3 D, 4 E);

impl<Q: Times> Times for Requests<Q> {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        if let Some((_, request)) = &mut self.outstanding {
            request.visit_times(times);
        }
    }
}

/// How the liveness checker reaches the [`Instant`]s of a model's state
/// and events: what a model that keeps its times as `Instant`s hands the
/// harness (see [`LockModel::times`]). Build it with
/// [`TimeVisitors::by_times`].
pub struct TimeVisitors<M: LockModel> {
    pub server: fn(&mut M::Server, &mut dyn VisitTimes),
    pub durable: fn(&mut M::Durable, &mut dyn VisitTimes),
    pub client: fn(&mut M::Client, &mut dyn VisitTimes),
    pub msg: fn(&mut M::Msg, &mut dyn VisitTimes),
    pub timer: fn(&mut M::Timer, &mut dyn VisitTimes),
    /// The longest duration a handler adds to an instant it kept (a file's
    /// mtime plus the TTL, compared with the clock later), rather than to
    /// a clock reading it just took: an instant further than this below
    /// every clock has passed for good, and only such instants are merged.
    /// 0 (the default of [`TimeVisitors::by_times`]) when the model adds
    /// durations only to fresh readings (`ctx.wall().after(ttl_ticks)`).
    pub kept_plus_ticks_max: u32,
}

impl<M: LockModel> Clone for TimeVisitors<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M: LockModel> Copy for TimeVisitors<M> {}

impl<M: LockModel> TimeVisitors<M>
where
    M::Server: Times,
    M::Durable: Times,
    M::Client: Times,
    M::Msg: Times,
    M::Timer: Times,
{
    /// Visits through the types' [`Times`] implementations.
    pub fn by_times() -> TimeVisitors<M> {
        TimeVisitors {
            server: |x, v| x.visit_times(v),
            durable: |x, v| x.visit_times(v),
            client: |x, v| x.visit_times(v),
            msg: |x, v| x.visit_times(v),
            timer: |x, v| x.visit_times(v),
            kept_plus_ticks_max: 0,
        }
    }

    /// The same, for a model whose handlers add up to `ticks` to an
    /// instant they kept (see [`TimeVisitors::kept_plus_ticks_max`]).
    pub fn adding_to_kept(self, ticks: u32) -> TimeVisitors<M> {
        TimeVisitors {
            kept_plus_ticks_max: ticks,
            ..self
        }
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
    pub fn save(&mut self, durable: M::Durable) {
        self.commands.push(Command::Save(durable));
    }
}

/// A node's two clocks read at one instant (in [`Normalize`], after the
/// shift).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clocks {
    pub wall_ticks: i64,
    pub mono_ticks: i64,
}

/// A server in [`Normalize`]: its clocks after the shift, its state
/// (`None` while crashed) and what it saved.
pub type NormalizeServer<'a, M> = (
    Clocks,
    Option<&'a mut <M as LockModel>::Server>,
    Option<&'a mut <M as LockModel>::Durable>,
);

/// The model's part of a state, handed to [`LockModel::normalize`].
pub struct Normalize<'a, M: LockModel> {
    /// Subtract this from every absolute clock time, wall or monotonic:
    /// once faults can no longer start, no clock jumps and every clock runs
    /// at 100%, so both of a node's clocks have moved by exactly this much.
    pub shift_ticks: i64,
    /// Per server: its clocks after the shift, its state (`None` while
    /// crashed) and what it saved.
    pub servers: Vec<NormalizeServer<'a, M>>,
    /// Per client: its id, its clocks after the shift and its protocol
    /// state (`None` while crashed).
    pub clients: Vec<(NodeId, Clocks, Option<&'a mut M::Client>)>,
    /// The lock-service messages in flight: source, destination, message.
    pub messages: Vec<(NodeId, NodeId, &'a mut M::Msg)>,
    /// Per server: its pending timers and their deadlines, for a model whose
    /// timer tags carry counters it renumbers (the deadlines are shifted
    /// already). Renumber only in a way that keeps their order.
    pub server_timers: Vec<&'a mut [(M::Timer, i64)]>,
}

/// The id a client gives a request, carried by the request and by its reply
/// so that the client can tell which request a reply answers.
///
/// Ids are only compared for equality. A client numbers its requests with a
/// counter that wraps at 256, so ids grow with requests, never with time,
/// and stay small; no bounded run sends 256 requests from one client, so
/// an id in flight is never taken for another.
///
/// The checker relies on this to renumber ids (see `src/world/request_ids.rs`):
/// a model that uses ids keeps them in one [`Requests`] per client, looks
/// at a reply's id only through [`Requests::answers`] (or
/// [`Requests::answer`]), has its servers only echo ids, never store them,
/// and lists its ids in its [`Rename`] implementations.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub u8);

impl Debug for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Which id a request resent after a timeout carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResendId {
    /// A new id: the client library times out, drops the connection and
    /// sends the request again on a new one, so a late answer to the first
    /// sending is ignored.
    New,
    /// The same id: the library retries the request under its original id,
    /// so an answer to either sending is taken, whichever comes first.
    Same,
}

/// How a client resends a request nobody answers: the model's configuration,
/// not state.
#[derive(Clone, Debug)]
pub struct RequestTimeout<T> {
    /// The timer the client's request timeout runs on.
    pub timer: T,
    /// Resend a request unanswered for this long (on the monotonic clock, as every timer); `None`:
    /// wait for its answer forever.
    pub after_ticks: Option<u32>,
    pub resend: ResendId,
}

/// A client's side of request and reply: the one request it has
/// outstanding, the id it sent it under, and the id its next request gets.
///
/// A reply counts only if it carries the outstanding request's id
/// ([`Requests::answer`]): the answer to a request resent since, a second
/// copy of an answer already taken (the network duplicates messages), and
/// an answer that comes when nothing is outstanding are all ignored, as a
/// client library drops a response it is not waiting for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Requests<Q> {
    /// The request awaiting its answer, with the id of its latest sending.
    outstanding: Option<(RequestId, Q)>,
    /// The id the next request gets.
    next_id: RequestId,
}

impl<Q: Clone> Requests<Q> {
    pub fn new() -> Requests<Q> {
        Requests {
            outstanding: None,
            next_id: RequestId(0),
        }
    }

    /// Sends `request` to `dst` under a new id, built into a message by
    /// `msg`, and starts the request timeout if there is one. It replaces
    /// any request still outstanding, whose answer is then ignored.
    pub fn send<M: LockModel>(
        &mut self,
        out: &mut Out<M>,
        dst: NodeId,
        request: Q,
        timeout: &RequestTimeout<M::Timer>,
        msg: impl FnOnce(RequestId, Q) -> M::Msg,
    ) {
        let id = self.next_id;
        self.next_id = RequestId(id.0.wrapping_add(1));
        self.transmit(out, dst, id, request, timeout, msg);
    }

    /// The request timeout fired: sends the outstanding request again to
    /// `dst`, under a new id or the same one as `timeout.resend` says.
    /// Returns whether there was one to send.
    pub fn resend<M: LockModel>(
        &mut self,
        out: &mut Out<M>,
        dst: NodeId,
        timeout: &RequestTimeout<M::Timer>,
        msg: impl FnOnce(RequestId, Q) -> M::Msg,
    ) -> bool {
        let Some((id, request)) = self.outstanding.clone() else {
            return false;
        };
        match timeout.resend {
            ResendId::New => self.send(out, dst, request, timeout, msg),
            ResendId::Same => self.transmit(out, dst, id, request, timeout, msg),
        }
        true
    }

    fn transmit<M: LockModel>(
        &mut self,
        out: &mut Out<M>,
        dst: NodeId,
        id: RequestId,
        request: Q,
        timeout: &RequestTimeout<M::Timer>,
        msg: impl FnOnce(RequestId, Q) -> M::Msg,
    ) {
        self.outstanding = Some((id, request.clone()));
        out.send(dst, msg(id, request));
        if let Some(ticks) = timeout.after_ticks {
            out.set_timer(timeout.timer.clone(), ticks);
        }
    }

    /// Whether a reply carrying `id` answers the outstanding request.
    pub fn answers(&self, id: RequestId) -> bool {
        self.outstanding.as_ref().is_some_and(|(p, _)| *p == id)
    }

    /// If a reply carrying `id` answers the outstanding request: the
    /// request, which is then no longer outstanding, its timeout cancelled.
    /// `None`: a stale or repeated reply, to be ignored.
    pub fn answer<M: LockModel>(
        &mut self,
        out: &mut Out<M>,
        timeout: &RequestTimeout<M::Timer>,
        id: RequestId,
    ) -> Option<Q> {
        if !self.answers(id) {
            return None;
        }
        if timeout.after_ticks.is_some() {
            out.cancel_timer(timeout.timer.clone());
        }
        self.outstanding.take().map(|(_, request)| request)
    }

    /// The request awaiting its answer.
    pub fn outstanding(&self) -> Option<&Q> {
        self.outstanding.as_ref().map(|(_, request)| request)
    }

    /// The request awaiting its answer, for [`LockModel::normalize`] to
    /// renumber what it holds.
    pub fn outstanding_mut(&mut self) -> Option<&mut Q> {
        self.outstanding.as_mut().map(|(_, request)| request)
    }

    /// Gives up on the outstanding request (its session is gone, say): any
    /// answer to it is ignored. The caller cancels the timeout.
    pub fn abandon(&mut self) {
        self.outstanding = None;
    }

    /// For [`LockModel::normalize`]: renumbers this client's ids so that the
    /// last one it used is 0 and the next one 1. Apply the returned
    /// [`Renumbering`] to every id of this client's in messages in flight.
    pub fn renumber(&mut self) -> Renumbering {
        let by = Renumbering(self.next_id.0.wrapping_sub(1));
        self.next_id = RequestId(1);
        if let Some((id, _)) = &mut self.outstanding {
            by.apply(id);
        }
        by
    }
}

/// How [`Requests::renumber`] moved a client's request ids (they wrap as
/// the client's own counter does).
#[derive(Clone, Copy, Debug)]
pub struct Renumbering(u8);

impl Renumbering {
    pub fn apply(self, id: &mut RequestId) {
        id.0 = id.0.wrapping_sub(self.0);
    }
}

impl Rename for RequestId {
    fn rename(&mut self, _map: &NodeMap) {}

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        ids.id(self);
    }
}

impl<Q: Rename> Rename for Requests<Q> {
    fn rename(&mut self, map: &NodeMap) {
        if let Some((_, request)) = &mut self.outstanding {
            request.rename(map);
        }
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        match &mut self.outstanding {
            Some((id, request)) => {
                request.visit_ids(ids);
                ids.requests(Some(id), &mut self.next_id);
            }
            None => ids.requests(None, &mut self.next_id),
        }
    }
}

/// A set of nodes, as a bitset over their ids: how a model keeps a set of
/// servers or clients (Redlock's votes) so that [`Rename`] can move its
/// members when nodes are permuted. Ids must be below 32; a world has at
/// most 16 lock-service nodes.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeSet(u32);

impl NodeSet {
    pub const EMPTY: NodeSet = NodeSet(0);

    fn bit(node: NodeId) -> u32 {
        assert!(node.index() < 32, "a NodeSet holds node ids below 32");
        1 << node.index()
    }

    pub fn contains(self, node: NodeId) -> bool {
        self.0 & Self::bit(node) != 0
    }

    /// Adds `node`; returns whether it was new.
    pub fn insert(&mut self, node: NodeId) -> bool {
        let new = !self.contains(node);
        self.0 |= Self::bit(node);
        new
    }

    /// Removes `node`; returns whether it was there.
    pub fn remove(&mut self, node: NodeId) -> bool {
        let was = self.contains(node);
        self.0 &= !Self::bit(node);
        was
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: NodeSet) -> NodeSet {
        NodeSet(self.0 | other.0)
    }

    /// The members of both `self` and `other`.
    pub fn intersection(self, other: NodeSet) -> NodeSet {
        NodeSet(self.0 & other.0)
    }

    /// The members of `self` that are not in `other`.
    pub fn difference(self, other: NodeSet) -> NodeSet {
        NodeSet(self.0 & !other.0)
    }

    /// The members, in id order.
    pub fn iter(self) -> impl Iterator<Item = NodeId> {
        // One step per member, not per possible id: symmetry renames
        // these sets for every state it canonicalizes.
        let mut rest = self.0;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let n = rest.trailing_zeros() as u8;
                rest &= rest - 1;
                NodeId(n)
            })
        })
    }
}

impl FromIterator<NodeId> for NodeSet {
    fn from_iter<I: IntoIterator<Item = NodeId>>(nodes: I) -> NodeSet {
        let mut set = NodeSet::EMPTY;
        for n in nodes {
            set.insert(n);
        }
        set
    }
}

impl Debug for NodeSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter().map(|n| n.0)).finish()
    }
}

impl Rename for NodeSet {
    fn rename(&mut self, map: &NodeMap) {
        *self = self.iter().map(|n| map.get(n)).collect();
    }

    fn visit_ids(&mut self, _ids: &mut dyn VisitIds) {}
}

/// Where each node goes under a renaming of nodes (a permutation of the
/// clients and, where they are interchangeable, the servers, for symmetry
/// reduction). Nodes it does not mention stay put.
#[derive(Clone, Debug, Default)]
pub struct NodeMap {
    to: Vec<NodeId>,
}

impl NodeMap {
    /// The identity on `nodes` nodes.
    pub fn identity(nodes: usize) -> NodeMap {
        NodeMap {
            to: (0..nodes).map(|n| NodeId(n as u8)).collect(),
        }
    }

    /// Sends `from` to `to`.
    pub fn set(&mut self, from: NodeId, to: NodeId) {
        if self.to.len() <= from.index() {
            let len = self.to.len();
            self.to
                .extend((len..=from.index()).map(|n| NodeId(n as u8)));
        }
        self.to[from.index()] = to;
    }

    /// Where `node` goes.
    pub fn get(&self, node: NodeId) -> NodeId {
        self.to.get(node.index()).copied().unwrap_or(node)
    }
}

/// Rewrites the identities inside a value: every [`NodeId`] through a
/// [`NodeMap`], what client and server symmetry need from a model's types
/// (see [`LockModel::client_symmetry`] and [`LockModel::server_symmetry`]),
/// and every [`RequestId`], what request-id renumbering needs (see
/// [`Rename::visit_ids`]).
///
/// Implementations must reach every `NodeId` the value holds, and every
/// value derived from one. A collection that the model keeps sorted must
/// come out sorted again: `BTreeMap` and `BTreeSet` are rebuilt, a `Vec`
/// keeps its order (a queue stays a queue), so a model that keeps a `Vec`
/// sorted by node must sort it again in its own implementation.
///
/// [`rename_fields!`](crate::rename_fields), [`rename_variants!`](crate::rename_variants)
/// and [`rename_nothing!`](crate::rename_nothing) write the usual
/// implementations, both methods, in one line per type.
pub trait Rename {
    fn rename(&mut self, map: &NodeMap);

    /// Hands `ids` every [`RequestId`] the value holds, and every
    /// [`Requests`] (which holds a client's outstanding and next ids), so
    /// that the checker can renumber a client's request ids (see
    /// `src/world/request_ids.rs`). It has no default on purpose: an
    /// implementation written by hand must say where its ids are, or that
    /// it holds none. Rebuild sorted collections as [`Rename::rename`] does.
    fn visit_ids(&mut self, ids: &mut dyn VisitIds);
}

/// What [`Rename::visit_ids`] hands request ids to: the checker's
/// renumbering, or a probe that looks for them.
pub trait VisitIds {
    /// A request id, in a message or kept by a client outside its
    /// [`Requests`].
    fn id(&mut self, id: &mut RequestId);

    /// A client's [`Requests`]: the id its outstanding request was last
    /// sent under, if one is outstanding, and the id its next request gets.
    fn requests(&mut self, outstanding: Option<&mut RequestId>, next_id: &mut RequestId);
}

impl Rename for NodeId {
    fn rename(&mut self, map: &NodeMap) {
        *self = map.get(*self);
    }

    fn visit_ids(&mut self, _ids: &mut dyn VisitIds) {}
}

/// Implements [`Rename`] as a no-op for types that hold no [`NodeId`] and
/// no [`RequestId`] (nor a [`Requests`]).
#[macro_export]
macro_rules! rename_nothing {
    ($($t:ty),* $(,)?) => {
        $(impl $crate::node::Rename for $t {
            fn rename(&mut self, _map: &$crate::node::NodeMap) {}
            fn visit_ids(&mut self, _ids: &mut dyn $crate::node::VisitIds) {}
        })*
    };
}

/// Implements [`Rename`] for a struct by renaming (and visiting the request
/// ids of) each of its fields; the compiler checks that every field is
/// listed. `rename_fields!(Key { value, expires_at });`
#[macro_export]
macro_rules! rename_fields {
    ($t:ident { $($f:ident),* $(,)? }) => {
        impl $crate::node::Rename for $t {
            fn rename(&mut self, map: &$crate::node::NodeMap) {
                let $t { $($f),* } = self;
                $($crate::node::Rename::rename($f, map);)*
                let _ = map;
            }

            fn visit_ids(&mut self, ids: &mut dyn $crate::node::VisitIds) {
                let $t { $($f),* } = self;
                $($crate::node::Rename::visit_ids($f, ids);)*
                let _ = ids;
            }
        }
    };
}

/// Implements [`Rename`] for an enum by renaming (and visiting the request
/// ids of) the fields of each variant; the compiler checks that every
/// variant and field is listed.
/// `rename_variants!(Msg { Req { id, cmd }, Rep { id, reply }, Ping, Token(t) });`
#[macro_export]
macro_rules! rename_variants {
    ($t:ident { $($v:ident $({ $($f:ident),* $(,)? })? $(( $($p:ident),* $(,)? ))?),* $(,)? }) => {
        impl $crate::node::Rename for $t {
            #[allow(unused_variables)]
            fn rename(&mut self, map: &$crate::node::NodeMap) {
                match self {
                    $($t::$v $({ $($f),* })? $(( $($p),* ))? => {
                        $($($crate::node::Rename::rename($f, map);)*)?
                        $($($crate::node::Rename::rename($p, map);)*)?
                    })*
                }
            }

            #[allow(unused_variables)]
            fn visit_ids(&mut self, ids: &mut dyn $crate::node::VisitIds) {
                match self {
                    $($t::$v $({ $($f),* })? $(( $($p),* ))? => {
                        $($($crate::node::Rename::visit_ids($f, ids);)*)?
                        $($($crate::node::Rename::visit_ids($p, ids);)*)?
                    })*
                }
            }
        }
    };
}

rename_nothing!(
    (),
    ConnId,
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    String,
    Instant,
    Nonces
);

impl<T: Rename> Rename for Option<T> {
    fn rename(&mut self, map: &NodeMap) {
        if let Some(x) = self {
            x.rename(map);
        }
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        if let Some(x) = self {
            x.visit_ids(ids);
        }
    }
}

impl<T: Rename> Rename for Box<T> {
    fn rename(&mut self, map: &NodeMap) {
        (**self).rename(map);
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        (**self).visit_ids(ids);
    }
}

impl<T: Rename> Rename for Vec<T> {
    fn rename(&mut self, map: &NodeMap) {
        for x in self {
            x.rename(map);
        }
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        for x in self {
            x.visit_ids(ids);
        }
    }
}

impl<T: Rename> Rename for std::collections::VecDeque<T> {
    fn rename(&mut self, map: &NodeMap) {
        for x in self {
            x.rename(map);
        }
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        for x in self {
            x.visit_ids(ids);
        }
    }
}

impl<T: Rename, const N: usize> Rename for [T; N] {
    fn rename(&mut self, map: &NodeMap) {
        for x in self {
            x.rename(map);
        }
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        for x in self {
            x.visit_ids(ids);
        }
    }
}

impl<K: Rename + Ord, V: Rename> Rename for std::collections::BTreeMap<K, V> {
    fn rename(&mut self, map: &NodeMap) {
        *self = std::mem::take(self)
            .into_iter()
            .map(|(mut k, mut v)| {
                k.rename(map);
                v.rename(map);
                (k, v)
            })
            .collect();
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        *self = std::mem::take(self)
            .into_iter()
            .map(|(mut k, mut v)| {
                k.visit_ids(ids);
                v.visit_ids(ids);
                (k, v)
            })
            .collect();
    }
}

impl<T: Rename + Ord> Rename for std::collections::BTreeSet<T> {
    fn rename(&mut self, map: &NodeMap) {
        *self = std::mem::take(self)
            .into_iter()
            .map(|mut x| {
                x.rename(map);
                x
            })
            .collect();
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        *self = std::mem::take(self)
            .into_iter()
            .map(|mut x| {
                x.visit_ids(ids);
                x
            })
            .collect();
    }
}

macro_rules! rename_tuple {
    ($($n:tt $t:ident),*) => {
        impl<$($t: Rename),*> Rename for ($($t,)*) {
            fn rename(&mut self, map: &NodeMap) {
                $(self.$n.rename(map);)*
            }

            fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
                $(self.$n.visit_ids(ids);)*
            }
        }
    };
}
rename_tuple!(0 A);
rename_tuple!(0 A, 1 B);
rename_tuple!(0 A, 1 B, 2 C);
rename_tuple!(0 A, 1 B, 2 C, 3 D);
rename_tuple!(0 A, 1 B, 2 C, 3 D, 4 E);

/// How to rename a model's state and events when nodes are permuted, and
/// how to reach their request ids: what a model that declares client
/// symmetry hands the harness (see [`LockModel::client_symmetry`]). Build
/// it with [`Symmetry::by_rename`].
pub struct Symmetry<M: LockModel> {
    pub server: fn(&mut M::Server, &NodeMap),
    pub durable: fn(&mut M::Durable, &NodeMap),
    pub client: fn(&mut M::Client, &NodeMap),
    pub msg: fn(&mut M::Msg, &NodeMap),
    pub timer: fn(&mut M::Timer, &NodeMap),
    pub server_ids: fn(&mut M::Server, &mut dyn VisitIds),
    pub durable_ids: fn(&mut M::Durable, &mut dyn VisitIds),
    pub client_ids: fn(&mut M::Client, &mut dyn VisitIds),
    pub msg_ids: fn(&mut M::Msg, &mut dyn VisitIds),
    pub timer_ids: fn(&mut M::Timer, &mut dyn VisitIds),
}

impl<M: LockModel> Clone for Symmetry<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M: LockModel> Copy for Symmetry<M> {}

impl<M: LockModel> Symmetry<M>
where
    M::Server: Rename,
    M::Durable: Rename,
    M::Client: Rename,
    M::Msg: Rename,
    M::Timer: Rename,
{
    /// Renames, and visits request ids, through the types' [`Rename`]
    /// implementations.
    pub fn by_rename() -> Symmetry<M> {
        Symmetry {
            server: |x, m| x.rename(m),
            durable: |x, m| x.rename(m),
            client: |x, m| x.rename(m),
            msg: |x, m| x.rename(m),
            timer: |x, m| x.rename(m),
            server_ids: |x, v| x.visit_ids(v),
            durable_ids: |x, v| x.visit_ids(v),
            client_ids: |x, v| x.visit_ids(v),
            msg_ids: |x, v| x.visit_ids(v),
            timer_ids: |x, v| x.visit_ids(v),
        }
    }
}
