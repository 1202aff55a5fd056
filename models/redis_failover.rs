//! Redis with one replica and automatic failover: the single-instance lock
//! (`SET NX PX`, compare-and-delete) on a master whose writes reach its replica
//! asynchronously, and a replica that takes over when the master goes quiet.
//!
//! Source: the Redis documentation, "Distributed locks with Redis", section
//! "Why failover-based implementations are not enough" ("Client A acquires the
//! lock in the master. The master crashes before the write to the key is
//! transmitted to the replica. The replica gets promoted to master. Client B
//! acquires the lock to the same resource A already holds a lock for. SAFETY
//! VIOLATION!"), and "Redis replication" (asynchronous replication, replicas
//! answering writes with `-READONLY`, the danger of a master without
//! persistence restarting empty). Seed 000 section 2.2 lists failover among the
//! problems a distributed lock faces; it has no snippet for it.
//!
//! # Protocol
//! Two servers, `m` (the configured master) and `r` (its replica), persisting
//! nothing. The names are fixed; the roles move.
//! 1. A master runs commands as the single instance of `models/redis_server.rs` does.
//!    Every tick of its clock it sends its replica the state of the key and
//!    the fencing counter, stamped with its replication position (epoch, run,
//!    offset). That message is also the heartbeat. A write is therefore applied
//!    and acknowledged first and shipped up to a tick later: a master that
//!    crashes in between takes the write with it. The key's expiry travels as
//!    an absolute time on the master's clock (Redis 7 replicates `PX` as
//!    `PXAT`), so the replica judges it by its own clock.
//! 2. A replica applies what it receives in stream order (a later position
//!    only; the network may reorder, TCP would not) and answers clients'
//!    commands with `-READONLY`. When it has heard nothing from a master for
//!    `failover_timeout_ticks` of its own clock, it promotes itself: a new
//!    epoch, the data it has, and heartbeats of its own. There is no Sentinel
//!    quorum: the replica decides alone, as the brief for this model asks.
//! 3. A master that hears a master of a higher epoch steps down and becomes
//!    its replica, replacing its data with the new master's (Redis's
//!    reconfiguration after a partition heals: the old master's writes are
//!    lost). A restarted server comes back in its configured role with no data;
//!    a restarted master that its replica still follows wipes the replica's
//!    copy (its run is new, so the replica resynchronises from it).
//! 4. The client sends `SET lock <token> NX PX ttl_ticks` to the server it
//!    believes is the master (first `m`), sleeps `retry_ticks` when the lock
//!    is busy, and on a request timeout (`request_timeout_ticks`) or a
//!    `-READONLY` answer switches to the other server and sends the command
//!    again, under a new request id (`node::Requests`): it takes only the
//!    answer to its latest sending, and ignores a late answer to an earlier
//!    one and a second copy of an answer it has taken. It releases with
//!    compare-and-delete, the same way.
//!
//! Clocks: the key's expiry is a wall-clock time on whichever server holds
//! it, as in `models/redis_server.rs` (`PXAT` is a Unix time). The heartbeat and
//! the replica's failover watch are timers, on the monotonic clock: the
//! model assumes a failure detector that a jump of the time of day does not
//! trip. A run's number is the monotonic clock's reading at its start, a
//! stand-in for Redis's random run ID that never repeats on a node.
//!
//! The harness gives `server_init` no way to set a timer or send a message,
//! so a server starts its periodic work on its first message instead: a
//! master, on its first client command, sends the replica its initial
//! synchronisation (the data before that command) and starts heartbeating; a
//! replica starts its failover watch on its first message of any kind.
//! Clients start at once, so this delays nothing except when the master dies
//! before serving anyone; the replica then starts watching when the first
//! client, having timed out on `m`, reaches it.
//!
//! Variant `redis_failover_fenced`: the set runs in a script that increments a
//! counter and stores and returns it as the token, as `redis_set_px_fenced`
//! does. The counter is replicated like the key, asynchronously, so a promoted
//! replica may count from a value the old master had already handed out:
//! tokens go backwards (or repeat) across a failover.
//!
//! # Expected weaknesses
//! - **Failover loses the lock**: a key acknowledged by the master but not yet
//!   shipped is gone when the replica takes over; another client gets the lock
//!   while the first still holds it. With fencing, the new master hands out a
//!   token the old one already gave, and the resource cannot tell the two
//!   holders apart.
//! - **Split brain**: a replica that only lost touch (a partition, a slow
//!   network, a slow clock on the master) promotes itself while the master
//!   still serves; when they meet again the old master steps down and its
//!   keys vanish.
//! - Everything that breaks the single instance (a pause or a clock jump past
//!   the TTL) breaks this too.
//!
//! # Search size
//! The heartbeat is a message every two ticks for the whole run, and
//! failovers add behaviours, so the model is larger than `redis_set_px`.
//! Client symmetry halves it; clock-drift (about 2.4 million orbits) and
//! crowd-atomic are searched to the end, and so is server-restart (1.75
//! million orbits). Under message-loss, partition
//! and async-network the standard scenarios give it a state
//! limit of one million (`"states_max"` in `redis_failover.expect.json`), and so does the
//! extra scenario split-partition: its violations there are
//! found within it, with their shortest counterexamples, and `progress` stays
//! inconclusive (`?`) where neither the search nor the seeded simulation that
//! follows it decides it. The cut-down fixtures `tests/scenarios/*-1tick.json`
//! (every message takes exactly one tick, TTL 10) are searched to the end and
//! pinned; they hide several of the races below (one-tick delays keep a
//! promoted replica out of reach until the holder's section is over), which is
//! why they never stand in for a standard scenario.
//!
//! Liveness is decided wherever the world carries no time in a message on
//! a network without a delivery deadline, and the graph ends within its
//! limit. Under server-restart both variants are deadlock- and
//! starvation-free (liveness graphs of 4,752,219 states, 4,911,745 fenced,
//! about 17 s each; the entries give the graph a limit of 6 million): the
//! restarted master comes back empty, the next `SET NX` takes the lock,
//! and every client's attempt is answered or times out and is sent again.
//! Under crowd-atomic and async-network the graph is not used (a time in
//! a message on a network with no delivery deadline), nor under
//! clock-drift (a time sent from one node to another, on clocks that part
//! without bound); under message-loss, partition and split-partition it is
//! not asked, beyond the state limit those entries keep.
//!
//! # Expected verdicts (`models/redis_failover.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from redis_failover.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `redis_failover` | `redis_failover_fenced` |
//! |---|---|---|
//! | no-faults | ok (live) | ok (live) |
//! | holder-crash | ok (live) | ok (live) |
//! | gc-pause | mutex ✗, resource ✗ (live) | mutex ✗ (live) |
//! | clock-jump | mutex ✗, resource ✗ (live) | mutex ✗ (live) |
//! | clock-drift | mutex ✗, resource ✗ | mutex ✗, resource ✗ |
//! | message-loss | mutex ✗, resource ✗, progress ? (state limit 1M) | mutex ✗, resource ?, progress ? (state limit 1M) |
//! | partition | mutex ✗, resource ✗, progress ? (state limit 1M) | mutex ✗, resource ✗, progress ? (state limit 1M) |
//! | server-restart | mutex ✗, resource ✗ (live) (liveness graph limit 6M) | mutex ✗, resource ✗ (live) (liveness graph limit 6M) |
//! | async-network | mutex ✗, resource ✗, progress ✗ (state limit 1M) | mutex ✗, resource ?, progress ✗ (state limit 1M) |
//! | crowd-atomic | mutex ✗, resource ✗ | mutex ✗ |
//! | duplicates | ok (live) | ok (live) |
//! | split-partition | mutex ✗, resource ✗, progress ? (state limit 1M) | mutex ✗, resource ✗, progress ? (state limit 1M) |
//! | failover | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! | long-work | mutex ✗, resource ✗ (live) | mutex ✗ (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/redlock_failover_models.rs`, and gated by
//! `compare --check` on the standard scenarios)
//! `failover_timeout_ticks` is 4 everywhere; "1tick" marks a cut-down fixture.
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | the replica hears from the master at least every 3 ticks, so it never promotes itself |
//! | holder-crash | holds | holds | holds | as `redis_set_px`: the dead holder's key expires |
//! | gc-pause | violated (27) | violated (33); fenced: holds | holds | as `redis_set_px` (the extra steps are heartbeats): the paused holder's key expires |
//! | clock-jump | violated (5) | violated (11); fenced: holds | holds | a jump on `m` expires the key, as in `redis_set_px`; fenced, the resource rejects the stale holder, since `m`'s counter goes on. A jump on `r` changes nothing: its failover watch is a timer, on its monotonic clock (with the watch on the wall clock, the jump fired it at once, `r` promoted itself with fence 0 and handed out token 1 a second time: resource_safe was violated in 22 steps) |
//! | clock-drift | violated (16) | violated (20); fenced: violated (23) | as `redis_set_px`: the master's clock runs 50% fast, so the 6-tick key ends after 4 real ticks while `c1` still holds it, and `c2` gets it. Fenced: a 50% slow replica stops hearing heartbeats in time by its own clock and promotes itself with the fence it had, so the next token goes backwards and the resource accepts the stale holder's write |
//! | message-loss | violated (31) | violated (simulation); fenced: ? | ? | a lost heartbeat silences `m` long enough for `r` to promote itself while `m` still holds a client's key; the resource violation is a longer run the search did not reach within its limit, found by simulation |
//! | partition | violated (15) | violated (19) | ? | `m` grants `c1` the key and is cut off before its next heartbeat ships it; `r` promotes itself at tick 4 (no word from `m`), and `c2`, whose request to `m` timed out, asks `r` and gets the lock `c1` still holds: split brain |
//! | server-restart | violated (12) | violated (18) | holds | as `redis_set_px`: `m` restarts empty and grants the key again. Searched to the end (1.75 million states; fenced 1.57 million): every client is done by the horizon |
//! | async-network | violated (12) | violated (18); fenced: ? | violated (14) | a slow heartbeat lets `r` promote itself while `m` serves; progress: a message may take until the horizon |
//! | crowd-atomic | violated (34) | violated (39); fenced: holds | holds | the GC pause bug of `redis_set_px`, with three clients and two rounds |
//! | split-partition | violated (15) | violated (19), fenced too | ? | split brain, with the nodes split `{m, c1} \| {r, c2}` just after `m` granted `c1` the key and before its next heartbeat ships it: `r` hears nothing, promotes itself at tick 4, and grants `c2` (whose request to `m` timed out) the lock `c1` still holds from the old master; `m` and `r` are both masters, and each has granted it. As long as under partition, which cuts `m` off from `c1` too: a holder needs its master no more until it releases. Fenced: `r`'s counter is 0, so `c2` gets token 1 again and the resource accepts both writes. Searched to one million states (past 40 million the space has not ended) |
//! | failover (new) | violated (14) | violated (18), fenced too | holds | the documented race: `c1`'s key is acknowledged by `m` at tick 0, `m` crashes at tick 1 before its first heartbeat ships it, `r` (last heard at tick 0) promotes itself at tick 4 and grants `c2` the lock `c1` still holds. Fenced: `r`'s counter is 0, so `c2` gets token 1 again and the resource accepts both writes |
//! | clock-drift 1tick | holds | holds | holds | a 50% slow master and a 50% fast replica do make the replica promote itself (from tick 5), but with one-tick delays the new master's first heartbeat reaches `m` only after the first holder's section is over, and the next client reaches `r` after a `-READONLY` bounce |
//! | message-loss 1tick | violated (45) | violated (57); fenced: holds | holds | a lost heartbeat silences `m` for 4 ticks and `r` promotes itself; the heartbeat that would have given it the key arrives too late (a master ignores a lower epoch). `r`'s heartbeat makes `m` step down just after `c1` set the key there in its second round, wiping it; `c2` bounces off `m` and gets the lock from `r`. Fenced: `r` counts from the fence it had at promotion, 0, and hands `c2` token 1 while `c1` holds token 2: the counter went backwards, so the resource rejects `c2` |
//! | partition 1tick | holds | holds | holds | `r` promotes 4 ticks after `m` is cut off, but a client reaches it only after a 3-tick timeout and a `-READONLY` bounce, when the holder's 4-tick section is over |
//! | split-partition 1tick | violated (47) | holds | holds | what cutting one node off cannot do: the split `{m, c2} \| {r, c1}` loses `m`'s `set` to `c1`, so `c1` goes to `r`, which promotes itself at tick 8 and grants it; `m`, still master on its side, keeps `c1`'s stale key and tells `c2` busy until the key expires just after the heal, then grants `c2` too, one step before `r`'s first heartbeat reaches it and makes it step down. The resource is safe: `c1` wrote before `c2` got the lock |
//! | server-restart 1tick | violated (19) | holds | holds | as `redis_set_px`: `m` restarts empty (and its replica, following the new run, forgets too) and grants the key again; the second holder's read comes after the first one's write |
//! | gc-pause 1tick | violated (41) | violated (54); fenced: holds | holds | as gc-pause |
//! | clock-jump 1tick | violated (7) | violated (19); fenced: holds | holds | a jump on `m` expires the key; a jump on `r` moves no timer. One and two steps shorter than when timers ran on the wall clock: the jump no longer makes `m`'s heartbeat due at once, a firing the world had to take before time could pass |
//! | no-faults, holder-crash 1tick | holds | holds | holds | as above |
//!
//! Tokens going backwards, strictly: `tests/suite/redlock_failover_models.rs` finds
//! a run of `failover.json` where `m` hands out tokens 1 and 2, both reach the
//! resource, `m` crashes before shipping the counter, and the promoted `r`
//! holds a counter of 0, so its next token is 1.

use serde::{Deserialize, Serialize};

use crate::models::redis::{self, Cmd, Key, RedisServer, Reply, Value};
use crate::node::LockParams;
use crate::node::{
    Ctx, FenceCounter, FenceToken, Instant, LockModel, NodeId, Nonces, Out, Param, RequestId,
    RequestTimeout, Requests, ResendId, Symmetry, TimeVisitors, Variant,
};
use crate::{rename_nothing, times_fields, times_nothing, visit_fields, visit_variants};

pub const FAILOVER_TIMEOUT_TICKS: Param = Param {
    name: "failover_timeout_ticks",
    meaning: "a replica that has heard nothing from its master for this long (its own clock) promotes itself",
};

/// How often a master ships its state to the replica (and so how often the
/// replica hears from it), on the master's clock. Two ticks: with delays of
/// up to a tick the replica then hears from a healthy master at least every
/// three ticks, so a failover timeout of four never fires without a fault,
/// and the search stays affordable (one tick doubles the state count).
const HEARTBEAT_TICKS: u32 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Role {
    Master,
    Replica,
}

/// A position in a replication stream, ordered: a later epoch (a promotion)
/// wins; within an epoch a later run (Redis's replication ID, which changes
/// when a master restarts; here the master's clock when its stream began);
/// within a run a later offset (one per change of the data).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReplPos {
    pub epoch: u8,
    /// On the monotonic clock of the server whose run it is.
    pub run: Instant,
    pub offset: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FailoverServer {
    pub role: Role,
    /// The key and the fencing counter.
    pub redis: RedisServer,
    /// A master: where its own stream is. A replica: the last position it
    /// applied (`None`: nothing yet).
    pub pos: Option<ReplPos>,
    /// Whether its periodic timer (heartbeat, or failover watch) is running.
    pub ticking: bool,
}

impl FailoverServer {
    fn epoch(&self) -> u8 {
        self.pos.map_or(0, |p| p.epoch)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Msg {
    /// A command, under the client's request id.
    Req { id: RequestId, cmd: Cmd },
    /// Its result, carrying the id of the request it answers.
    Rep { id: RequestId, reply: Reply },
    /// `-READONLY You can't write against a read only replica.`
    Readonly { id: RequestId },
    /// Master to replica: the data as of `pos`; also the heartbeat.
    Replicate {
        pos: ReplPos,
        lock: Option<ShippedKey>,
        fence: FenceCounter,
    },
}

/// The lock key as the replication stream carries it (the shared `Key` is
/// state only, not a message).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ShippedKey {
    pub value: Value,
    /// On the shipping master's clock.
    pub expires_at: Option<Instant>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timer {
    /// (master) Ship the data to the replica.
    Heartbeat,
    /// (replica) The master has been silent for `failover_timeout_ticks`.
    MasterSilent,
    /// (client) Sleep over; ask for the busy lock again.
    Retry,
    /// (client) No answer in time; try the other server.
    Timeout,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Step {
    Idle,
    Acquiring,
    Sleeping,
    Holding,
    Releasing,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FailoverClient {
    pub step: Step,
    /// The key's value: unique per client and acquisition, or the fencing
    /// token once the fenced variant holds the lock.
    pub value: Value,
    /// Where its unique values come from: one per acquisition.
    pub acquisitions: Nonces,
    /// The server this client believes is the master.
    pub master: NodeId,
    /// The command awaiting its answer, and the request ids.
    pub requests: Requests<Cmd>,
}

rename_nothing!(Role, ReplPos, Timer, Step);
visit_fields!(FailoverServer {
    role,
    redis,
    pos,
    ticking
});
visit_variants!(Msg {
    Req { id, cmd },
    Rep { id, reply },
    Readonly { id },
    Replicate { pos, lock, fence },
});
visit_fields!(ShippedKey { value, expires_at });
visit_fields!(FailoverClient {
    step,
    value,
    acquisitions,
    master,
    requests,
});
times_nothing!(Role, Timer, Step);
times_fields!(ReplPos { epoch, run, offset });

pub struct RedisFailover {
    fenced: bool,
    ttl_ticks: u32,
    retry_ticks: u32,
    timeout: RequestTimeout<Timer>,
    failover_timeout_ticks: u32,
}

impl RedisFailover {
    fn other(ctx: &Ctx, node: NodeId) -> NodeId {
        NodeId(((node.index() + 1) % ctx.server_count) as u8)
    }

    fn call(&self, c: &mut FailoverClient, cmd: Cmd, out: &mut Out<Self>) {
        c.requests
            .send(out, c.master, cmd, &self.timeout, |id, cmd| Msg::Req {
                id,
                cmd,
            });
    }

    /// No answer, or the server is a replica: try the other one.
    fn switch_and_resend(&self, ctx: &Ctx, c: &mut FailoverClient, out: &mut Out<Self>) {
        if c.requests.outstanding().is_some() {
            c.master = Self::other(ctx, c.master);
            c.requests
                .resend(out, c.master, &self.timeout, |id, cmd| Msg::Req { id, cmd });
        }
    }

    fn acquire_cmd(&self, c: &FailoverClient) -> Cmd {
        if self.fenced {
            Cmd::SetNxPxFenced {
                ttl_ticks: self.ttl_ticks,
            }
        } else {
            Cmd::SetNxPx {
                value: c.value,
                ttl_ticks: self.ttl_ticks,
            }
        }
    }

    /// The master's state as it ships it. An expired key is dropped first, as
    /// Redis's active expiry deletes it and replicates the `DEL`.
    fn snapshot(ctx: &Ctx, s: &mut FailoverServer) -> Msg {
        Self::expire(ctx, s);
        Msg::Replicate {
            pos: s.pos.expect("a master has a stream position"),
            lock: s.redis.lock.as_ref().map(|k| ShippedKey {
                value: k.value,
                expires_at: k.expires_at,
            }),
            fence: s.redis.fence,
        }
    }

    fn expire(ctx: &Ctx, s: &mut FailoverServer) {
        let expired = s
            .redis
            .lock
            .as_ref()
            .is_some_and(|k| k.expires_at.is_some_and(|at| at.has_come(ctx.wall())));
        if expired {
            s.redis.lock = None;
            Self::advance(s);
        }
    }

    /// The master's data changed: one more entry in its stream.
    fn advance(s: &mut FailoverServer) {
        if let Some(p) = s.pos.as_mut() {
            p.offset = p.offset.wrapping_add(1);
        }
    }

    fn watch_master(&self, s: &mut FailoverServer, out: &mut Out<Self>) {
        s.ticking = true;
        out.set_timer(Timer::MasterSilent, self.failover_timeout_ticks);
    }

    fn apply(s: &mut FailoverServer, pos: ReplPos, lock: Option<ShippedKey>, fence: FenceCounter) {
        s.pos = Some(pos);
        let lock = lock.map(|k| Key {
            value: k.value,
            expires_at: k.expires_at,
        });
        s.redis = RedisServer { lock, fence };
    }
}

impl LockModel for RedisFailover {
    type Server = FailoverServer;
    type Durable = ();
    type Client = FailoverClient;
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "redis_failover",
            summary: "Redis SET NX PX on a master with an asynchronous replica that promotes itself when the master goes quiet",
        },
        Variant {
            id: "redis_failover_fenced",
            summary: "redis_failover whose token is a counter replicated asynchronously (it goes backwards on failover)",
        },
    ];

    const PARAMS: &'static [Param] = &[
        FAILOVER_TIMEOUT_TICKS,
        redis::TTL_TICKS,
        redis::RETRY_TICKS,
        redis::REQUEST_TIMEOUT_TICKS,
    ];

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        Ok(RedisFailover {
            fenced: variant == "redis_failover_fenced",
            ttl_ticks: params.require(redis::TTL_TICKS.name)?,
            retry_ticks: params.require(redis::RETRY_TICKS.name)?,
            timeout: RequestTimeout {
                timer: Timer::Timeout,
                after_ticks: params.optional(redis::REQUEST_TIMEOUT_TICKS.name)?,
                resend: ResendId::New,
            },
            failover_timeout_ticks: params.require(FAILOVER_TIMEOUT_TICKS.name)?,
        })
    }

    /// Key expiries (wall clock, shipped with the key) and run numbers
    /// (monotonic clock) are `Instant`s; a client's value is a nonce.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        Some(TimeVisitors::by_times())
    }

    /// Clients run the same code, and a client's value names the client
    /// (`redis::Value::Unique`).
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    fn server_count(&self) -> usize {
        2
    }

    fn server_name(&self, index: usize) -> String {
        ["m", "r"][index].to_string()
    }

    fn describe_msg(&self, msg: &Msg) -> String {
        match msg {
            Msg::Req { id, cmd } => {
                format!("{cmd}  [req {id}]")
            }
            Msg::Rep { id, reply } => format!("{reply}  [req {id}]"),
            Msg::Readonly { id } => format!("-READONLY  [req {id}]"),
            Msg::Replicate { pos, lock, fence } => {
                let key = match lock {
                    Some(ShippedKey {
                        value,
                        expires_at: Some(at),
                    }) => format!("lock={value} until {at}"),
                    Some(ShippedKey { value, .. }) => format!("lock={value}"),
                    None => "no lock".to_string(),
                };
                format!(
                    "replicate epoch {} run {} offset {}: {key}, fence {}",
                    pos.epoch,
                    pos.run,
                    pos.offset,
                    fence.last()
                )
            }
        }
    }

    fn server_init(&self, ctx: &Ctx, _durable: Option<&()>) -> FailoverServer {
        let master = ctx.id.index() == 0;
        FailoverServer {
            role: if master { Role::Master } else { Role::Replica },
            redis: RedisServer {
                lock: None,
                fence: FenceCounter::new(),
            },
            pos: master.then_some(ReplPos {
                epoch: 0,
                run: ctx.mono(),
                offset: 0,
            }),
            ticking: false,
        }
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        s: &mut FailoverServer,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        match (s.role, msg) {
            (Role::Master, Msg::Req { id, cmd }) => {
                if !s.ticking {
                    // The replica's initial synchronisation, then heartbeats.
                    s.ticking = true;
                    let sync = Self::snapshot(ctx, s);
                    out.send(Self::other(ctx, ctx.id), sync);
                    out.set_timer(Timer::Heartbeat, HEARTBEAT_TICKS);
                }
                let before = s.redis.clone();
                let reply = s.redis.execute(ctx.wall(), cmd);
                if s.redis != before {
                    Self::advance(s);
                }
                out.send(src, Msg::Rep { id, reply });
            }
            (Role::Replica, Msg::Req { id, .. }) => {
                if !s.ticking {
                    self.watch_master(s, out);
                }
                out.send(src, Msg::Readonly { id });
            }
            // A newer master exists: step down and follow it.
            (Role::Master, Msg::Replicate { pos, lock, fence }) if pos.epoch > s.epoch() => {
                s.role = Role::Replica;
                Self::apply(s, pos, lock, fence);
                out.cancel_timer(Timer::Heartbeat);
                self.watch_master(s, out);
            }
            // A master of the current epoch (or a newer one) is alive. An older
            // master's stream (one that has not yet stepped down) is ignored.
            (Role::Replica, Msg::Replicate { pos, lock, fence }) if pos.epoch >= s.epoch() => {
                self.watch_master(s, out);
                if s.pos.is_none_or(|p| pos > p) {
                    Self::apply(s, pos, lock, fence);
                }
            }
            _ => {}
        }
    }

    fn server_on_timer(
        &self,
        ctx: &Ctx,
        s: &mut FailoverServer,
        timer: Timer,
        out: &mut Out<Self>,
    ) {
        match (s.role, timer) {
            (Role::Master, Timer::Heartbeat) => {
                let msg = Self::snapshot(ctx, s);
                out.send(Self::other(ctx, ctx.id), msg);
                out.set_timer(Timer::Heartbeat, HEARTBEAT_TICKS);
            }
            (Role::Replica, Timer::MasterSilent) => {
                s.role = Role::Master;
                s.pos = Some(ReplPos {
                    epoch: s.epoch() + 1,
                    run: ctx.mono(),
                    offset: 0,
                });
                out.set_timer(Timer::Heartbeat, HEARTBEAT_TICKS);
            }
            _ => {}
        }
    }

    fn client_init(&self, _ctx: &Ctx) -> FailoverClient {
        FailoverClient {
            step: Step::Idle,
            value: Value::Num(FenceToken::ZERO),
            acquisitions: Nonces::new(),
            master: NodeId(0),
            requests: Requests::new(),
        }
    }

    fn client_acquire(&self, ctx: &Ctx, c: &mut FailoverClient, out: &mut Out<Self>) {
        c.value = Value::Unique(c.acquisitions.fresh(ctx));
        c.step = Step::Acquiring;
        let cmd = self.acquire_cmd(c);
        self.call(c, cmd, out);
    }

    fn client_release(&self, _ctx: &Ctx, c: &mut FailoverClient, out: &mut Out<Self>) {
        c.step = Step::Releasing;
        let cmd = Cmd::DelIfValue { value: c.value };
        self.call(c, cmd, out);
    }

    fn client_on_msg(
        &self,
        ctx: &Ctx,
        c: &mut FailoverClient,
        _src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        let (id, reply) = match msg {
            Msg::Rep { id, reply } => (id, Some(reply)),
            Msg::Readonly { id } => (id, None),
            _ => return,
        };
        if !c.requests.answers(id) {
            // The answer to a command sent again since, or a second copy of
            // one already taken.
            return;
        }
        let Some(reply) = reply else {
            // Not the master (any more, or yet); the resend restarts the
            // timeout.
            self.switch_and_resend(ctx, c, out);
            return;
        };
        c.requests.answer(out, &self.timeout, id);
        match (&c.step, reply) {
            (Step::Acquiring, Reply::Set(true)) => {
                c.step = Step::Holding;
                out.acquired(None);
            }
            (Step::Acquiring, Reply::Token(Some(token))) => {
                c.step = Step::Holding;
                c.value = Value::Num(token);
                out.acquired(Some(token.number()));
            }
            (Step::Acquiring, Reply::Set(false) | Reply::Token(None)) => {
                c.step = Step::Sleeping;
                out.set_timer(Timer::Retry, self.retry_ticks);
            }
            (Step::Releasing, Reply::Deleted(_)) => {
                c.step = Step::Idle;
                out.released();
            }
            _ => {}
        }
    }

    fn client_on_timer(
        &self,
        ctx: &Ctx,
        c: &mut FailoverClient,
        timer: Timer,
        out: &mut Out<Self>,
    ) {
        match timer {
            Timer::Retry if c.step == Step::Sleeping => {
                c.step = Step::Acquiring;
                let cmd = self.acquire_cmd(c);
                self.call(c, cmd, out);
            }
            Timer::Timeout => self.switch_and_resend(ctx, c, out),
            _ => {}
        }
    }
}
