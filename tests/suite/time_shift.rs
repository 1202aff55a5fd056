//! The liveness checker's time shift, checked where its soundness rests:
//! for every model that hands its times to the harness
//! (`LockModel::times`), on states sampled by seeded random walks past the
//! point where faults have ended, canonicalizing commutes with stepping
//! (the successors of the canonical state, canonicalized, are the
//! canonical forms of the state's successors, as sets) and keeps every
//! property's value, and reading a state's instants and nonces finds what
//! visiting them does. A deliberately broken model, which keeps its lease
//! expiry in a plain integer the shift cannot reach, fails the check.

use std::collections::HashSet;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use stateright::Model;

use lockcheck::check::liveness::{Abstraction, Label, unbounded_world};
use lockcheck::models::chubby_lock::ChubbyLock;
use lockcheck::models::consul_lock::ConsulLock;
use lockcheck::models::db_lock_expiry::DbLockExpiring;
use lockcheck::models::db_lock_seed::DbLockSeed;
use lockcheck::models::db_lock_unique::DbLockUnique;
use lockcheck::models::dynamodb_lock::DynamoDbLock;
use lockcheck::models::etcd_lock::EtcdLock;
use lockcheck::models::file_lock::{FileLockPlain, FileLockStaleBreak};
use lockcheck::models::hazelcast_lock::HazelcastLock;
use lockcheck::models::mq_lock_auto_ack::MqAutoAck;
use lockcheck::models::mq_lock_message_ttl::MqMessageTtl;
use lockcheck::models::mq_lock_visibility_timeout::MqVisibilityTimeout;
use lockcheck::models::redis_failover::RedisFailover;
use lockcheck::models::redis_get_del_release::RedisGetDelRelease;
use lockcheck::models::redis_py_lock::RedisPyLock;
use lockcheck::models::redis_py_lock_no_timeout::RedisPyLockNoTimeout;
use lockcheck::models::redis_py_lock_not_thread_local::RedisPyLockNotThreadLocal;
use lockcheck::models::redis_set_px::RedisSetPx;
use lockcheck::models::redis_setnx::RedisSetnx;
use lockcheck::models::redis_setnx_expire::RedisSetnxExpire;
use lockcheck::models::redis_setnx_getset::RedisSetnxGetset;
use lockcheck::models::redisson_lock::RedissonLock;
use lockcheck::models::redlock::Redlock;
use lockcheck::models::sql_session_lock::SqlSessionLock;
use lockcheck::models::zk_lock_ephemeral::ZkLockEphemeral;
use lockcheck::models::zk_lock_sequential::ZkLockSequential;
use lockcheck::node::{
    Ctx, Instant, LockModel, LockParams, NodeId, Nonce, Nonces, Out, Param, ReadTimes,
    TimeVisitors, Variant, VisitTimes,
};
use lockcheck::world::{Payload, World, WorldConfig, WorldState};

/// Scenarios whose faults end (so the shift applies) on a bounded network.
pub(crate) const SCENARIOS: &[&str] = &[
    "holder-crash",
    "gc-pause",
    "message-loss",
    "partition",
    "server-restart",
    "clock-jump",
    "duplicates",
    "client-clock-skew",
    "failover",
    "endless-contention",
    "clock-drift",
];
const WALKS: u64 = 12;
const STEPS: usize = 90;

fn successors<M: LockModel>(
    world: &World<M>,
    abs: &Abstraction,
    s: &WorldState<M>,
) -> HashSet<WorldState<M>> {
    let mut actions = Vec::new();
    world.actions(s, &mut actions);
    actions
        .into_iter()
        .filter_map(|a| world.next_state(s, a))
        .map(|mut t| {
            abs.canonicalize(world, &mut t);
            t
        })
        .collect()
}

/// An instant, nonce or nonce source, as a visitor is handed it.
#[derive(Debug, PartialEq)]
enum Seen {
    Instant(Instant),
    Nonce(Nonce),
    Nonces(Nonces),
}

#[derive(Default)]
struct Record(Vec<Seen>);

impl VisitTimes for Record {
    fn instant(&mut self, t: &mut Instant) {
        self.0.push(Seen::Instant(*t));
    }
    fn nonce(&mut self, n: &mut Nonce) {
        self.0.push(Seen::Nonce(*n));
    }
    fn nonces(&mut self, n: &mut Nonces) {
        self.0.push(Seen::Nonces(*n));
    }
}

impl ReadTimes for Record {
    fn instant(&mut self, t: Instant) {
        self.0.push(Seen::Instant(t));
    }
    fn nonce(&mut self, n: Nonce) {
        self.0.push(Seen::Nonce(n));
    }
    fn nonces(&mut self, n: Nonces) {
        self.0.push(Seen::Nonces(n));
    }
}

/// Whether every part of `s` hands out the same instants and nonces, in
/// the same order, read only (`Times::read_times`, which the checker uses
/// to leave a slot that merging or renumbering would not change shared) as
/// when visited (`Times::visit_times`, which moves them).
fn reads_agree<M: LockModel>(tv: &TimeVisitors<M>, s: &WorldState<M>) -> Result<(), String> {
    let (mut visited, mut read) = (Record::default(), Record::default());
    let mut copy = s.clone();
    for slot in &mut copy.servers {
        let slot = &mut **slot;
        if let Some(x) = slot.state.as_mut() {
            (tv.server)(x, &mut visited);
        }
        if let Some(x) = slot.durable.as_mut() {
            (tv.durable)(x, &mut visited);
        }
        for (t, _) in &mut slot.timers {
            (tv.timer)(t, &mut visited);
        }
    }
    for slot in &mut copy.clients {
        let slot = &mut **slot;
        if let Some(x) = slot.proto.as_mut() {
            (tv.client)(x, &mut visited);
        }
        for (t, _) in &mut slot.timers {
            (tv.timer)(t, &mut visited);
        }
    }
    for env in &mut copy.network {
        if let Payload::Lock(m) = &mut env.payload {
            (tv.msg)(m, &mut visited);
        }
    }
    for slot in &s.servers {
        if let Some(x) = &slot.state {
            (tv.read_server)(x, &mut read);
        }
        if let Some(x) = &slot.durable {
            (tv.read_durable)(x, &mut read);
        }
        for (t, _) in &slot.timers {
            (tv.read_timer)(t, &mut read);
        }
    }
    for slot in &s.clients {
        if let Some(x) = &slot.proto {
            (tv.read_client)(x, &mut read);
        }
        for (t, _) in &slot.timers {
            (tv.read_timer)(t, &mut read);
        }
    }
    for env in &s.network {
        if let Payload::Lock(m) = &env.payload {
            (tv.read_msg)(m, &mut read);
        }
    }
    if visited.0 != read.0 {
        return Err(format!("read_times and visit_times disagree on {s:?}"));
    }
    Ok(())
}

/// Whether canonicalizing `s` commutes with stepping and keeps every
/// property's value; the difference if not.
fn commutes<M: LockModel>(
    world: &World<M>,
    abs: &Abstraction,
    s: &WorldState<M>,
) -> Result<(), String> {
    let mut c = s.clone();
    abs.canonicalize(world, &mut c);
    let (ls, lc) = (Label::of(s), Label::of(&c));
    if (ls.waiting, ls.live_holder) != (lc.waiting, lc.live_holder) {
        return Err(format!("labels differ: {ls:?} and {lc:?}"));
    }
    for p in world.properties() {
        if (p.condition)(world, s) != (p.condition)(world, &c) {
            return Err(format!("`{}` differs", p.name));
        }
    }
    let of_state = successors(world, abs, s);
    let of_canonical = successors(world, abs, &c);
    if of_state != of_canonical {
        let only = |a: &HashSet<WorldState<M>>, b: &HashSet<WorldState<M>>| {
            a.difference(b)
                .map(|t| format!("{t:?}"))
                .collect::<Vec<_>>()
        };
        return Err(format!(
            "successors differ at real tick {}\n  state: {s:?}\n  canonical: {c:?}\n  only from the state: {:?}\n  only from the canonical state: {:?}",
            s.now,
            only(&of_state, &of_canonical),
            only(&of_canonical, &of_state),
        ));
    }
    Ok(())
}

/// Walks `WALKS` seeded random runs of `STEPS` steps through `model`'s
/// world under `scenario` and checks every state past the abstraction's
/// base. Returns how many states it checked, or `None` when the shift does
/// not apply to this cell, or the first difference it found.
fn check_cell<M: LockModel>(model: M, scenario: &str) -> Result<Option<usize>, String> {
    let world = unbounded_world(
        model,
        &WorldConfig::from_scenario(&crate::common::load_scenario(scenario)),
    );
    if world.model.times().is_none() {
        return Err("the model does not hand its times to the harness".into());
    }
    let Ok(abs) = Abstraction::new(&world) else {
        return Ok(None);
    };
    let inits = world.init_states();
    // Under drift the checker shifts each node's instants with its own
    // clock, and uses the graph only where no message carries an instant
    // (`Abstraction::message_times_seen`); a cell whose walks meet one is
    // one the checker leaves inconclusive.
    if world.cfg.faults.clock.drift_percent_max != 0 && walks_send_times(&world, &inits) {
        return Ok(None);
    }
    let tv = world.model.times().expect("checked above");
    let mut checked = 0;
    walk_states(&world, &inits, |walk, s| {
        reads_agree(&tv, s).map_err(|e| format!("walk {walk}: {e}"))?;
        if s.now >= abs.base {
            commutes(&world, &abs, s).map_err(|e| format!("walk {walk}: {e}"))?;
            checked += 1;
        }
        Ok(())
    })?;
    Ok(Some(checked))
}

/// Takes `WALKS` seeded random runs of up to `STEPS` steps through
/// `world` and hands `visit` every state they reach after a step.
pub(crate) fn walk_states<M: LockModel>(
    world: &World<M>,
    inits: &[WorldState<M>],
    mut visit: impl FnMut(u64, &WorldState<M>) -> Result<(), String>,
) -> Result<(), String> {
    for walk in 0..WALKS {
        let mut rng = ChaCha8Rng::seed_from_u64(walk);
        let mut s = inits[(rng.next_u64() % inits.len() as u64) as usize].clone();
        let mut actions = Vec::new();
        for _ in 0..STEPS {
            actions.clear();
            world.actions(&s, &mut actions);
            if actions.is_empty() {
                break;
            }
            let a = actions[(rng.next_u64() % actions.len() as u64) as usize].clone();
            let Some(t) = world.next_state(&s, a) else {
                break;
            };
            s = t;
            visit(walk, &s)?;
        }
    }
    Ok(())
}

/// Whether a message in flight carries an instant on any state of the
/// walks [`check_cell`] takes.
fn walks_send_times<M: LockModel>(world: &World<M>, inits: &[WorldState<M>]) -> bool {
    let tv = world.model.times().expect("checked by the caller");
    let mut sent = false;
    walk_states(world, inits, |_, s| {
        sent |= world.message_times(&tv, s);
        Ok(())
    })
    .expect("the visit never fails");
    sent
}

/// Checks every scenario of [`SCENARIOS`] for the variant `variant` of `M`.
fn check_model<M: LockModel>(variant: &str) {
    let mut checked = 0;
    for scenario in SCENARIOS {
        let Ok(model) = M::new(variant, &crate::common::load_scenario(scenario).params) else {
            continue;
        };
        match check_cell(model, scenario) {
            Ok(n) => checked += n.unwrap_or(0),
            Err(e) => panic!("{variant} under {scenario}: {e}"),
        }
    }
    assert!(checked > 100, "{variant}: only {checked} states checked");
}

macro_rules! sound {
    ($($test:ident: $model:ty, $variant:literal;)*) => {
        $(
            #[test]
            fn $test() {
                check_model::<$model>($variant);
            }
        )*
    };
}

sound! {
    db_lock_seed: DbLockSeed, "db_lock_seed";
    db_lock_unique: DbLockUnique, "db_lock_unique";
    db_lock_expiry_client_clock: DbLockExpiring, "db_lock_expiry_client_clock";
    db_lock_expiry_db_clock: DbLockExpiring, "db_lock_expiry_db_clock";
    db_lock_expiry_db_clock_fenced: DbLockExpiring, "db_lock_expiry_db_clock_fenced";
    db_lock_expiry_db_clock_select_then_update: DbLockExpiring, "db_lock_expiry_db_clock_select_then_update";
    db_lock_expiry_db_clock_delete_any: DbLockExpiring, "db_lock_expiry_db_clock_delete_any";
    db_lock_expiry_db_clock_check_then_insert: DbLockExpiring, "db_lock_expiry_db_clock_check_then_insert";
    db_lock_expiry_db_clock_repeatable_read: DbLockExpiring, "db_lock_expiry_db_clock_repeatable_read";
    db_lock_expiry_db_clock_cas_owner: DbLockExpiring, "db_lock_expiry_db_clock_cas_owner";
    file_lock_check_then_create: FileLockPlain, "file_lock_check_then_create";
    file_lock_exclusive: FileLockPlain, "file_lock_exclusive";
    file_lock_stale_break: FileLockStaleBreak, "file_lock_stale_break";
    mq_lock_auto_ack: MqAutoAck, "mq_lock_auto_ack";
    mq_lock_auto_ack_fenced: MqAutoAck, "mq_lock_auto_ack_fenced";
    mq_lock_visibility_timeout: MqVisibilityTimeout, "mq_lock_visibility_timeout";
    mq_lock_visibility_timeout_fenced: MqVisibilityTimeout, "mq_lock_visibility_timeout_fenced";
    mq_lock_message_ttl: MqMessageTtl, "mq_lock_message_ttl";
    redis_setnx: RedisSetnx, "redis_setnx";
    redis_set_px: RedisSetPx, "redis_set_px";
    redis_set_px_fenced: RedisSetPx, "redis_set_px_fenced";
    redis_set_px_fenced_writes_only: RedisSetPx, "redis_set_px_fenced_writes_only";
    redis_set_px_fenced_check_then_write: RedisSetPx, "redis_set_px_fenced_check_then_write";
    redis_set_px_fenced_two_resources: RedisSetPx, "redis_set_px_fenced_two_resources";
    redis_py_lock: RedisPyLock, "redis_py_lock";
    redis_py_lock_fenced: RedisPyLock, "redis_py_lock_fenced";
    redis_py_lock_no_timeout: RedisPyLockNoTimeout, "redis_py_lock_no_timeout";
    redis_py_lock_not_thread_local: RedisPyLockNotThreadLocal, "redis_py_lock_not_thread_local";
    redis_setnx_expire: RedisSetnxExpire, "redis_setnx_expire";
    redis_setnx_getset: RedisSetnxGetset, "redis_setnx_getset";
    redis_get_del_release: RedisGetDelRelease, "redis_get_del_release";
    redisson_lock: RedissonLock, "redisson_lock";
    redisson_fenced_lock: RedissonLock, "redisson_fenced_lock";
    redlock: Redlock, "redlock";
    redlock_no_validity_check: Redlock, "redlock_no_validity_check";
    redlock_delayed_restart: Redlock, "redlock_delayed_restart";
    redis_failover: RedisFailover, "redis_failover";
    redis_failover_fenced: RedisFailover, "redis_failover_fenced";
    pg_advisory_lock: SqlSessionLock, "pg_advisory_lock";
    pg_advisory_lock_pooled: SqlSessionLock, "pg_advisory_lock_pooled";
    mysql_get_lock: SqlSessionLock, "mysql_get_lock";
    mysql_get_lock_autoreconnect: SqlSessionLock, "mysql_get_lock_autoreconnect";
    pg_select_for_update: SqlSessionLock, "pg_select_for_update";
    pg_select_for_update_external: SqlSessionLock, "pg_select_for_update_external";
    etcd_mutex_fenced: EtcdLock, "etcd_mutex_fenced";
    etcd_mutex: EtcdLock, "etcd_mutex";
    etcd_mutex_no_session_check: EtcdLock, "etcd_mutex_no_session_check";
    etcd_mutex_unlock_retry: EtcdLock, "etcd_mutex_unlock_retry";
    consul_lock_fenced: ConsulLock, "consul_lock_fenced";
    consul_lock: ConsulLock, "consul_lock";
    dynamodb_lock: DynamoDbLock, "dynamodb_lock";
    dynamodb_lock_fenced: DynamoDbLock, "dynamodb_lock_fenced";
    hazelcast_fenced_lock_fenced: HazelcastLock, "hazelcast_fenced_lock_fenced";
    hazelcast_fenced_lock: HazelcastLock, "hazelcast_fenced_lock";
    chubby_lock_sequencer: ChubbyLock, "chubby_lock_sequencer";
    chubby_lock_delay: ChubbyLock, "chubby_lock_delay";
    zk_lock_ephemeral: ZkLockEphemeral, "zk_lock_ephemeral";
    zk_lock_ephemeral_watch: ZkLockEphemeral, "zk_lock_ephemeral_watch";
    zk_lock_sequential: ZkLockSequential, "zk_lock_sequential";
    zk_lock_sequential_fenced: ZkLockSequential, "zk_lock_sequential_fenced";
    zk_lock_sequential_fenced_data_version: ZkLockSequential, "zk_lock_sequential_fenced_data_version";
    zk_lock_sequential_ignore_null_exists: ZkLockSequential, "zk_lock_sequential_ignore_null_exists";
    zk_lock_sequential_no_relist: ZkLockSequential, "zk_lock_sequential_no_relist";
    zk_lock_sequential_no_guid: ZkLockSequential, "zk_lock_sequential_no_guid";
}

// A lease server in miniature (as in `tests/suite/clock_jump.rs`), in two
// variants that differ only in where the lease's expiry is kept: as an
// `Instant`, which the shift moves, or as a plain integer, which it does
// not. Both claim `times`; only the first is right to.

pub(crate) struct Lease {
    plain: bool,
    ttl_ticks: u32,
    retry_ticks: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub(crate) struct Held {
    holder: NodeId,
    /// The expiry, in the sound variant.
    expires_at: Instant,
    /// The expiry as a wall-clock reading in ticks, in the broken variant
    /// (0 in the sound one).
    expires_at_ticks: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum Msg {
    Acquire,
    Granted,
    Busy,
    Release,
    Released,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum Timer {
    Retry,
}

lockcheck::times_fields!(Held {
    holder,
    expires_at,
    expires_at_ticks
});
lockcheck::times_nothing!(Msg, Timer);

impl LockModel for Lease {
    type Server = Option<Held>;
    type Durable = ();
    type Client = ();
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "lease_instant",
            summary: "a TTL lease whose expiry is an Instant",
        },
        Variant {
            id: "lease_plain_ticks",
            summary: "a TTL lease whose expiry is a plain i64 (unsound under the shift)",
        },
    ];

    const PARAMS: &'static [Param] = &[
        Param {
            name: "ttl_ticks",
            meaning: "lease length",
        },
        Param {
            name: "retry_ticks",
            meaning: "sleep before asking again",
        },
    ];

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        Ok(Lease {
            plain: variant == "lease_plain_ticks",
            ttl_ticks: params.require("ttl_ticks")?,
            retry_ticks: params.require("retry_ticks")?,
        })
    }

    fn times(&self) -> Option<TimeVisitors<Self>> {
        Some(TimeVisitors::by_times())
    }

    fn server_init(&self, _ctx: &Ctx, _durable: Option<&()>) -> Option<Held> {
        None
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        lease: &mut Option<Held>,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        let expired = lease.as_ref().is_some_and(|l| {
            if self.plain {
                ctx.wall_ticks >= l.expires_at_ticks
            } else {
                l.expires_at.has_come(ctx.wall())
            }
        });
        if expired {
            *lease = None;
        }
        match msg {
            Msg::Acquire if lease.is_none() => {
                *lease = Some(Held {
                    holder: src,
                    expires_at: ctx.wall().after(self.ttl_ticks),
                    expires_at_ticks: if self.plain {
                        ctx.wall_ticks + self.ttl_ticks as i64
                    } else {
                        0
                    },
                });
                out.send(src, Msg::Granted);
            }
            Msg::Acquire => out.send(src, Msg::Busy),
            Msg::Release => {
                if lease.as_ref().is_some_and(|l| l.holder == src) {
                    *lease = None;
                }
                out.send(src, Msg::Released);
            }
            _ => {}
        }
    }

    fn client_init(&self, _ctx: &Ctx) {}

    fn client_acquire(&self, ctx: &Ctx, _state: &mut (), out: &mut Out<Self>) {
        out.send(ctx.server(), Msg::Acquire);
    }

    fn client_release(&self, ctx: &Ctx, _state: &mut (), out: &mut Out<Self>) {
        out.send(ctx.server(), Msg::Release);
    }

    fn client_on_msg(
        &self,
        _ctx: &Ctx,
        _state: &mut (),
        _src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        match msg {
            Msg::Granted => out.acquired(None),
            Msg::Busy => out.set_timer(Timer::Retry, self.retry_ticks),
            Msg::Released => out.released(),
            _ => {}
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, _state: &mut (), _timer: Timer, out: &mut Out<Self>) {
        out.send(ctx.server(), Msg::Acquire);
    }
}

/// A lease long enough to outlive a crashed holder past the point where
/// the shift starts (tick 13 under holder-crash), so that the waiter meets
/// its expiry in the shifted part of the run.
pub(crate) fn long_lease(variant: &str) -> Lease {
    let mut params = crate::common::load_scenario("holder-crash").params;
    params.0.insert("ttl_ticks".into(), 20);
    Lease::new(variant, &params).unwrap()
}

#[test]
fn a_lease_kept_as_an_instant_shifts_soundly() {
    check_model::<Lease>("lease_instant");
    let checked =
        check_cell(long_lease("lease_instant"), "holder-crash").unwrap_or_else(|e| panic!("{e}"));
    assert!(checked.is_some_and(|n| n > 100), "{checked:?}");
}

/// The check can fail: an expiry kept in a plain integer stays put while
/// the server's clock moves back, so the canonical state refuses a request
/// that the real one grants once the lease has expired.
#[test]
fn a_lease_kept_in_a_plain_integer_is_caught() {
    let err = check_cell(long_lease("lease_plain_ticks"), "holder-crash")
        .expect_err("the broken model is caught");
    assert!(err.contains("successors differ"), "{err}");
}

/// Under drift too: the server's clock runs at 50% or 150%, so the shift
/// moves its clock by 1 or 3 ticks per 2 real ticks, and an expiry kept in
/// a plain integer does not follow.
#[test]
fn a_lease_kept_in_a_plain_integer_is_caught_under_drift() {
    let lease = Lease::new(
        "lease_plain_ticks",
        &crate::common::load_scenario("clock-drift").params,
    )
    .unwrap();
    let err = check_cell(lease, "clock-drift").expect_err("the broken model is caught");
    assert!(err.contains("successors differ"), "{err}");
}

/// The liveness checker's own guard against a shift that does not
/// commute: a lasso must also unroll in the world without the shift. With
/// the lease in a plain integer, the shift keeps moving the server's clock
/// back while the expiry stays put, so in the shifted graph the crashed
/// holder's lease never ends and the waiter seems to wait forever: a
/// deadlock lasso that is not a real run. Unrolled without the shift, the
/// lease expires and the loop cannot repeat; with the lease as an
/// `Instant` there is no lasso at all.
#[test]
fn a_lasso_the_shift_made_up_does_not_unroll() {
    use lockcheck::check::bfs::SearchLimits;
    use lockcheck::check::liveness::{
        Label, explore, first_fair_component, lasso, why_not_unrolled,
    };
    let limits = SearchLimits {
        states_max: 1_000_000,
        depth_max: None,
        time_max: std::time::Duration::from_secs(300),
        memory: None,
    };
    let cfg = WorldConfig::from_scenario(&crate::common::load_scenario("holder-crash"));
    let deadlock = |l: Label| l.waiting != 0 && !l.live_holder;
    for (variant, spurious) in [("lease_plain_ticks", true), ("lease_instant", false)] {
        let world = unbounded_world(long_lease(variant), &cfg);
        let abs = Abstraction::new(&world).expect("the shift applies");
        let explored = explore(&world, &abs, None, &limits, 1).expect("the graph is built");
        let comp =
            first_fair_component(&explored.graph, &|v| deadlock(explored.labels[v as usize]));
        assert_eq!(comp.is_some(), spurious, "{variant}");
        if let Some(comp) = comp {
            let l = lasso(&world, &abs, &explored.graph, &comp, None);
            let init = world.init_states().swap_remove(l.init_index);
            let why = why_not_unrolled(&world, &abs, init, &l.states, l.loop_start, 3)
                .expect("the made-up lasso does not unroll");
            assert!(why.contains("does not repeat in real time"), "{why}");
        }
    }
}
