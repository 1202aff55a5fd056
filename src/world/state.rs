//! The world's state: real time, clocks, nodes, the network, fault budgets and
//! the ghost view the properties read.
//!
//! Every collection is a sorted `Vec`, so two states that mean the same thing
//! are equal and hash alike, and successor order never depends on history.

use derive_where::derive_where;
use serde::{Deserialize, Serialize};

pub use super::shared::Shared;
use crate::node::{LockModel, NodeId, NodeMap, NodeSet, Nonce, ReadIds, Rename, VisitIds};

/// One node's two clocks.
///
/// The monotonic clock reads `offset_ticks + now * rate_percent / 100`: it
/// drifts with the node's oscillator and never jumps. Its origin is
/// arbitrary (a node cannot compare it with another node's); the world
/// starts it at the wall clock's initial reading, so the two read alike
/// until the wall clock jumps. The wall clock is the monotonic clock plus
/// `wall_jump_ticks`, the sum of the jumps so far: the same rate, the same
/// initial skew, and every jump. Nodes read them through `Ctx::mono_ticks`
/// and `Ctx::wall_ticks`; timers run on the monotonic clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Clock {
    pub offset_ticks: i64,
    pub rate_percent: u32,
    /// The wall clock's distance from the monotonic clock: every jump so far.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub wall_jump_ticks: i64,
}

fn is_zero(x: &i64) -> bool {
    *x == 0
}

impl Clock {
    pub const PERFECT: Clock = Clock {
        offset_ticks: 0,
        rate_percent: 100,
        wall_jump_ticks: 0,
    };

    /// The monotonic clock at real time `now`.
    pub fn mono(&self, now: u32) -> i64 {
        self.offset_ticks + (now as i64 * self.rate_percent as i64) / 100
    }

    /// The wall clock at real time `now`.
    pub fn wall(&self, now: u32) -> i64 {
        self.mono(now) + self.wall_jump_ticks
    }
}

/// Whether a node runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Up,
    /// Keeps its state, does nothing; `since` is the real tick it stopped.
    Paused {
        since: u32,
    },
    Crashed,
}

impl Status {
    pub fn is_up(self) -> bool {
        self == Status::Up
    }
    pub fn is_crashed(self) -> bool {
        self == Status::Crashed
    }
}

/// A message on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Envelope<Msg> {
    pub sent_at: u32,
    pub src: NodeId,
    pub dst: NodeId,
    /// On a session (see `node::Transport`): how many lock-service messages
    /// on the same connection, in the same direction, are ahead of this one.
    /// Only the message with none ahead may be delivered. Always 0 for
    /// datagrams.
    #[serde(default, skip_serializing_if = "lane_is_zero")]
    pub lane: u8,
    pub payload: Payload<Msg>,
    /// On a close notice, for a model with `LockModel::connection_ids`: the
    /// number of the connection that closed (`node::ConnId`). Always 0
    /// otherwise.
    #[serde(default, skip_serializing_if = "lane_is_zero")]
    pub conn: u8,
}

fn lane_is_zero(n: &u8) -> bool {
    *n == 0
}

/// Lock-service traffic (the model's messages) or the workload's traffic with
/// the protected resource.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payload<Msg> {
    Lock(Msg),
    Resource(ResourceMsg),
    /// On a session: the connection to `src` broke. Not a message on the
    /// wire but the moment `dst` notices; never lost, duplicated or cut.
    Closed,
}

/// The workload's read-modify-write of the protected counter. `epoch` ties a
/// reply to the critical section that asked, so a client ignores replies meant
/// for a section it has abandoned.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceMsg {
    Read {
        token: Option<u64>,
        epoch: u16,
    },
    ReadOk {
        value: u32,
        /// The record's version (how many writes it has accepted), sent only
        /// to models that write conditionally.
        version: Option<u32>,
        epoch: u16,
    },
    Write {
        value: u32,
        token: Option<u64>,
        /// Optimistic concurrency: write only if the version is still this.
        if_version: Option<u32>,
        epoch: u16,
    },
    WriteOk {
        epoch: u16,
    },
    /// A fenced resource saw a higher token already.
    Rejected {
        epoch: u16,
    },
    /// A conditional write found the version changed since the read.
    Conflict {
        epoch: u16,
    },
    // New variants go last: the derived order of messages decides which
    // state of an orbit stands for it, so reordering changes state counts.
    /// A write to a resource that checks the token first and makes the
    /// write as a second step (`FenceCheck::CheckThenWrite`). If the check
    /// passes, the resource sends itself `WriteChecked`.
    WriteCheckFirst {
        value: u32,
        token: Option<u64>,
        epoch: u16,
    },
    /// The second step of `WriteCheckFirst`: the write itself, made without
    /// looking at the token again. It travels from the writer to the
    /// resource (sent by the resource on the writer's behalf), so that the
    /// answer goes back to the writer.
    WriteChecked {
        value: u32,
        token: Option<u64>,
        epoch: u16,
    },
    /// The write to the second resource (`FenceCheck::EachResourceAlone`):
    /// stamps it with the holder's token, fenced by the highest token that
    /// resource has seen itself.
    Stamp {
        token: Option<u64>,
        epoch: u16,
    },
    /// The second resource accepted the stamp. (An answer of its own: a
    /// late duplicate of the first resource's `WriteOk` must not pass for
    /// it.)
    StampOk {
        epoch: u16,
    },
}

impl ResourceMsg {
    /// The fencing token an operation carries, if any.
    pub fn token(&self) -> Option<u64> {
        match self {
            ResourceMsg::Read { token, .. }
            | ResourceMsg::Write { token, .. }
            | ResourceMsg::WriteCheckFirst { token, .. }
            | ResourceMsg::WriteChecked { token, .. }
            | ResourceMsg::Stamp { token, .. } => *token,
            ResourceMsg::ReadOk { .. }
            | ResourceMsg::WriteOk { .. }
            | ResourceMsg::Rejected { .. }
            | ResourceMsg::Conflict { .. }
            | ResourceMsg::StampOk { .. } => None,
        }
    }

    /// [`ResourceMsg::token`], to be rewritten.
    pub fn token_mut(&mut self) -> Option<&mut u64> {
        match self {
            ResourceMsg::Read { token, .. }
            | ResourceMsg::Write { token, .. }
            | ResourceMsg::WriteCheckFirst { token, .. }
            | ResourceMsg::WriteChecked { token, .. }
            | ResourceMsg::Stamp { token, .. } => token.as_mut(),
            ResourceMsg::ReadOk { .. }
            | ResourceMsg::WriteOk { .. }
            | ResourceMsg::Rejected { .. }
            | ResourceMsg::Conflict { .. }
            | ResourceMsg::StampOk { .. } => None,
        }
    }

    /// The grant number every operation and reply carries, to be rewritten.
    pub fn epoch_mut(&mut self) -> &mut u16 {
        match self {
            ResourceMsg::ReadOk { epoch, .. }
            | ResourceMsg::Write { epoch, .. }
            | ResourceMsg::WriteCheckFirst { epoch, .. }
            | ResourceMsg::WriteChecked { epoch, .. }
            | ResourceMsg::Read { epoch, .. }
            | ResourceMsg::Stamp { epoch, .. }
            | ResourceMsg::StampOk { epoch }
            | ResourceMsg::WriteOk { epoch }
            | ResourceMsg::Rejected { epoch }
            | ResourceMsg::Conflict { epoch } => epoch,
        }
    }

    /// The record's version a read's answer carries, or a conditional
    /// write's condition: where conditional writes are on.
    pub fn version_mut(&mut self) -> Option<&mut u32> {
        match self {
            ResourceMsg::ReadOk { version, .. } => version.as_mut(),
            ResourceMsg::Write { if_version, .. } => if_version.as_mut(),
            ResourceMsg::Read { .. }
            | ResourceMsg::WriteCheckFirst { .. }
            | ResourceMsg::WriteChecked { .. }
            | ResourceMsg::Stamp { .. }
            | ResourceMsg::StampOk { .. }
            | ResourceMsg::WriteOk { .. }
            | ResourceMsg::Rejected { .. }
            | ResourceMsg::Conflict { .. } => None,
        }
    }

    /// The counter's value a read answer or a write carries, to be
    /// rewritten.
    pub fn value_mut(&mut self) -> Option<&mut u32> {
        match self {
            ResourceMsg::ReadOk { value, .. }
            | ResourceMsg::Write { value, .. }
            | ResourceMsg::WriteCheckFirst { value, .. }
            | ResourceMsg::WriteChecked { value, .. } => Some(value),
            ResourceMsg::Read { .. }
            | ResourceMsg::Stamp { .. }
            | ResourceMsg::StampOk { .. }
            | ResourceMsg::WriteOk { .. }
            | ResourceMsg::Rejected { .. }
            | ResourceMsg::Conflict { .. } => None,
        }
    }
}

/// The protected resource: a counter behind a server that the world owns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Resource {
    pub value: u32,
    /// The highest fencing token seen; tokens below it are rejected.
    pub highest_token: u64,
    /// How many writes it has accepted: also the record's version, which
    /// conditional writes compare against.
    pub writes_accepted: u32,
    // Ghost fields, for the properties only.
    /// The rank of the newest holder whose write without a fencing token
    /// was accepted: for a conditional write the version it was based on,
    /// else its grant number (`Workload::epoch`).
    pub last_write_rank: u64,
    /// The highest fencing token of an accepted write: with tokens, the
    /// lock's own order says which holder is newer. (Kept apart from
    /// `last_write_rank` because the liveness checker renumbers grant
    /// numbers and tokens each on their own.)
    pub last_write_token: u64,
    /// Set once a write from an older grant is accepted after a newer one's.
    pub stale_write_accepted: bool,
    /// The highest fencing token the second resource has seen
    /// (`FenceCheck::EachResourceAlone`; 0 for every other model): its own
    /// fence, apart from `highest_token`. The second resource keeps only the
    /// token it was stamped with, which is this.
    pub second_highest_token: u64,
}

impl Resource {
    /// Handles one operation and gives the answer (none to a reply, which
    /// never travels to the resource). With `conditional_writes` a read
    /// also gives the record's version. A `WriteCheckFirst` whose check
    /// passed gives the `WriteChecked` the resource then sends itself.
    pub fn handle(&mut self, msg: ResourceMsg, conditional_writes: bool) -> Option<ResourceMsg> {
        let r = self;
        let fenced_out = |token: Option<u64>, highest: u64| token.is_some_and(|t| t < highest);
        let reply = match msg {
            ResourceMsg::Read { token, epoch } => {
                if fenced_out(token, r.highest_token) {
                    ResourceMsg::Rejected { epoch }
                } else {
                    r.highest_token = r.highest_token.max(token.unwrap_or(0));
                    ResourceMsg::ReadOk {
                        value: r.value,
                        version: conditional_writes.then_some(r.writes_accepted),
                        epoch,
                    }
                }
            }
            ResourceMsg::Write {
                value,
                token,
                if_version,
                epoch,
            } => {
                if fenced_out(token, r.highest_token) {
                    ResourceMsg::Rejected { epoch }
                } else if if_version.is_some_and(|v| v != r.writes_accepted) {
                    ResourceMsg::Conflict { epoch }
                } else {
                    r.write(value, token, if_version, epoch)
                }
            }
            ResourceMsg::WriteCheckFirst {
                value,
                token,
                epoch,
            } => {
                if fenced_out(token, r.highest_token) {
                    ResourceMsg::Rejected { epoch }
                } else {
                    ResourceMsg::WriteChecked {
                        value,
                        token,
                        epoch,
                    }
                }
            }
            ResourceMsg::WriteChecked {
                value,
                token,
                epoch,
            } => r.write(value, token, None, epoch),
            ResourceMsg::Stamp { token, epoch } => {
                if fenced_out(token, r.second_highest_token) {
                    ResourceMsg::Rejected { epoch }
                } else {
                    r.second_highest_token = r.second_highest_token.max(token.unwrap_or(0));
                    r.note_write(token, None, epoch);
                    ResourceMsg::StampOk { epoch }
                }
            }
            // Replies never travel to the resource.
            _ => return None,
        };
        Some(reply)
    }

    /// Makes a write that passed its checks.
    fn write(
        &mut self,
        value: u32,
        token: Option<u64>,
        if_version: Option<u32>,
        epoch: u16,
    ) -> ResourceMsg {
        self.highest_token = self.highest_token.max(token.unwrap_or(0));
        self.value = value;
        self.writes_accepted += 1;
        self.note_write(token, if_version, epoch);
        ResourceMsg::WriteOk { epoch }
    }

    /// The properties' ghost: an accepted write, on either resource, from a
    /// holder older than one whose write was accepted before it, makes the
    /// section's effects those of two holders.
    fn note_write(&mut self, token: Option<u64>, if_version: Option<u32>, epoch: u16) {
        // Which holder is newer: the lock's own order (its fencing token)
        // when it has one; for a conditional write, the version it was
        // based on (its place in the record's history); else the order in
        // which clients came to believe they held the lock.
        let (rank, last) = match token {
            Some(t) => (t, &mut self.last_write_token),
            None => (
                if_version.map_or(epoch as u64, |v| v as u64 + 1),
                &mut self.last_write_rank,
            ),
        };
        if rank < *last {
            self.stale_write_accepted = true;
        }
        *last = (*last).max(rank);
    }
}

/// Where a client is in its workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Acquiring,
    /// Holds the lock; the read is in flight.
    Reading,
    /// Holds the lock and has read `value` (at `version`); works
    /// `ticks_left` more ticks of running time before it writes.
    Working {
        ticks_left: u32,
        value: u32,
        version: Option<u32>,
    },
    /// Holds the lock; the write is in flight.
    Writing,
    Releasing,
    Done,
    // New variants go last (see `ResourceMsg`).
    /// Holds the lock; its write to the second resource is in flight
    /// (`FenceCheck::EachResourceAlone`).
    Stamping,
}

/// The world's part of a client: its workload and the ghost belief.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Workload {
    pub phase: Phase,
    pub rounds_done: u8,
    /// Ghost: the client believes it holds the lock.
    pub holds: bool,
    pub token: Option<u64>,
    /// Ghost: the grant number of the current critical section.
    pub epoch: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerSlot<S, D, T> {
    pub status: Status,
    /// `None` while crashed.
    pub state: Option<S>,
    pub durable: Option<D>,
    /// Pending timers and their deadlines on this node's monotonic clock.
    pub timers: Vec<(T, i64)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientSlot<C, T> {
    pub status: Status,
    /// `None` while crashed.
    pub proto: Option<C>,
    pub timers: Vec<(T, i64)>,
    pub work: Workload,
    /// On sessions: the servers whose connection with this client is broken
    /// and not yet replaced; what either end sends on it is lost. Always
    /// empty for datagrams.
    pub sessions_down: NodeSet,
    /// On sessions, for a model with `LockModel::connection_ids`: per
    /// server, the number of this client's current connection to it
    /// (`node::ConnId`). Empty otherwise, so that models which do not ask
    /// keep the states they had.
    pub conns: Vec<u8>,
}

/// What the fault budget has spent, and the faults in force.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FaultState {
    pub crashes: u8,
    pub pauses: u8,
    pub partitions: u8,
    pub jumps: u8,
    pub losses: u8,
    pub duplicates: u8,
    /// The partition in force, if any.
    pub partition: Option<Cut>,
}

/// A partition in force.
///
/// Cutting node `n` off is the split `{n} | the rest`, but it stays a
/// variant of its own: in a world of two lock-service nodes, cutting off
/// either one makes the same split, and scenarios without `split` count
/// those as two states, as they always have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cut {
    /// One node cut off from every other lock-service node.
    Isolated(NodeId),
    /// The lock-service nodes split into two sides.
    Split(Partition),
}

impl Rename for Cut {
    fn rename(&mut self, map: &NodeMap) {
        match self {
            Cut::Isolated(n) => n.rename(map),
            Cut::Split(p) => p.rename(map),
        }
    }

    // A partition names nodes, never a request.
    fn visit_ids(&mut self, _ids: &mut dyn VisitIds) {}

    fn read_ids(&self, _ids: &mut dyn ReadIds) {}
}

/// A split: the lock-service nodes in two sides, every lock-service link
/// from one side to the other cut.
///
/// The side holding the lowest node id comes first, so that a split has one
/// value however it was named (`{a, b} | {c}` and `{c} | {a, b}` are one
/// fault) and equal states stay equal after symmetry renames their nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "[Vec<NodeId>; 2]", try_from = "[Vec<NodeId>; 2]")]
pub struct Partition {
    sides: [NodeSet; 2],
}

impl Partition {
    /// The partition between `a` and `b`, which must be disjoint and
    /// non-empty.
    pub fn new(a: NodeSet, b: NodeSet) -> Partition {
        assert!(
            !a.is_empty() && !b.is_empty() && a.intersection(b).is_empty(),
            "a partition has two disjoint, non-empty sides: {a:?} | {b:?}"
        );
        let lowest = |side: NodeSet| side.iter().next();
        if lowest(a) < lowest(b) {
            Partition { sides: [a, b] }
        } else {
            Partition { sides: [b, a] }
        }
    }

    /// The two sides, the one holding the lowest node id first.
    pub fn sides(self) -> [NodeSet; 2] {
        self.sides
    }

    /// Whether the link `a`–`b` runs between the sides.
    pub fn cuts(self, a: NodeId, b: NodeId) -> bool {
        let [x, y] = self.sides;
        (x.contains(a) && y.contains(b)) || (y.contains(a) && x.contains(b))
    }

    /// The side holding `node`, then the other side.
    pub fn sides_from(self, node: NodeId) -> [NodeSet; 2] {
        let [x, y] = self.sides;
        if y.contains(node) { [y, x] } else { [x, y] }
    }
}

impl Rename for Partition {
    fn rename(&mut self, map: &NodeMap) {
        let [mut a, mut b] = self.sides;
        a.rename(map);
        b.rename(map);
        *self = Partition::new(a, b);
    }

    fn visit_ids(&mut self, _ids: &mut dyn VisitIds) {}

    fn read_ids(&self, _ids: &mut dyn ReadIds) {}
}

impl From<Partition> for [Vec<NodeId>; 2] {
    fn from(p: Partition) -> Self {
        p.sides.map(|side| side.iter().collect())
    }
}

impl TryFrom<[Vec<NodeId>; 2]> for Partition {
    type Error = String;
    fn try_from([a, b]: [Vec<NodeId>; 2]) -> Result<Self, String> {
        if a.iter().chain(&b).any(|n| n.index() >= 32) {
            return Err("a partition's sides hold node ids below 32".into());
        }
        let (a, b): (NodeSet, NodeSet) = (a.into_iter().collect(), b.into_iter().collect());
        if a.is_empty() || b.is_empty() || !a.intersection(b).is_empty() {
            return Err("a partition has two disjoint, non-empty sides".into());
        }
        Ok(Partition::new(a, b))
    }
}

/// A server's slot in a world of model `M`.
pub type ServerSlotOf<M> =
    ServerSlot<<M as LockModel>::Server, <M as LockModel>::Durable, <M as LockModel>::Timer>;
/// A client's slot in a world of model `M`.
pub type ClientSlotOf<M> = ClientSlot<<M as LockModel>::Client, <M as LockModel>::Timer>;

/// The whole simulated world at one instant of real time.
#[derive_where(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WorldState<M: LockModel> {
    /// Real time. No node can read it.
    pub now: u32,
    /// One clock per lock-service node (servers, then clients).
    pub clocks: Vec<Clock>,
    /// Shared with the states it came from until a step writes to it (see
    /// [`Shared`]).
    pub servers: Vec<Shared<ServerSlotOf<M>>>,
    pub clients: Vec<Shared<ClientSlotOf<M>>>,
    pub resource: Resource,
    /// In-flight messages, sorted; equal messages may appear more than once.
    pub network: Vec<Envelope<M::Msg>>,
    pub faults: FaultState,
    /// Ghost: how many grants so far; the next holder gets `grants + 1`.
    pub grants: u16,
    /// The memory the clients share as threads of one process
    /// ([`crate::node::Ctx::process_nonce`]).
    pub process: ProcessMemory,
}

/// The memory the clients share as threads of one process: empty for every
/// model but one whose clients share a lock object
/// ([`crate::node::Out::set_process_nonce`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProcessMemory {
    pub nonce: Option<Nonce>,
}

/// Empty memory hashes as nothing, so that a state of a model that never
/// stores anything there has the fingerprint it had before the memory
/// existed (the search meets its states, and so its equal-length
/// counterexamples, in the same order). Hash stays consistent with
/// equality, and the memory is a state's last field, after parts that each
/// say where they end, so no two states' bytes run together.
impl std::hash::Hash for ProcessMemory {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        if let Some(n) = self.nonce {
            n.hash(h);
        }
    }
}

/// Everything that can happen next. Each action is one source of
/// nondeterminism; traces store them and replay matches them by equality.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action<Msg, Timer> {
    /// Real time advances one tick.
    Tick,
    Deliver(Envelope<Msg>),
    /// The network loses a message (within `loss_max`).
    Drop(Envelope<Msg>),
    /// The network duplicates a message (within `duplicates_max`).
    Duplicate(Envelope<Msg>),
    Fire {
        node: NodeId,
        timer: Timer,
    },
    Crash(NodeId),
    Restart(NodeId),
    /// A holder's work is done: it writes what it computed.
    WorkDone(NodeId),
    Pause(NodeId),
    Resume(NodeId),
    /// Cuts one node off from every other lock-service node.
    Isolate(NodeId),
    /// Splits the lock-service nodes into two sides and cuts every link
    /// between them.
    Split(Partition),
    Heal,
    ClockJump {
        node: NodeId,
        ticks: i32,
    },
}
