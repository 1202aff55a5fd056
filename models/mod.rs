//! The lock algorithms, one file each, and the registry that names them.
//!
//! To add an algorithm: write `models/<name>.rs` implementing
//! [`LockModel`](crate::node::LockModel) (its module doc cites the source and
//! states the weaknesses you expect), declare it below, and add one line to
//! [`each`]. Its expected verdicts go beside it, in
//! `models/<name>.expect.json` (see [`crate::expectations`]). Nothing in
//! `src/` changes.

pub mod chubby_lock;
pub mod consul_lock;
pub mod db_flavor;
pub mod db_lock;
pub mod db_lock_expiry;
pub mod db_lock_seed;
pub mod db_lock_unique;
pub mod db_server;
pub mod db_sql;
pub mod dynamodb_lock;
pub mod etcd_lock;
pub mod file_lock;
pub mod hazelcast_lock;
pub mod mq_broker;
pub mod mq_lock;
pub mod mq_lock_auto_ack;
pub mod mq_lock_message_ttl;
pub mod mq_lock_visibility_timeout;
pub mod optimistic;
pub mod params;
pub mod redis;
pub mod redis_failover;
pub mod redis_flavor;
pub mod redis_get_del_release;
pub mod redis_py_lock;
pub mod redis_py_lock_no_timeout;
pub mod redis_py_lock_not_thread_local;
pub mod redis_server;
pub mod redis_set_px;
pub mod redis_setnx;
pub mod redis_setnx_expire;
pub mod redis_setnx_getset;
pub mod redisson_lock;
pub mod redlock;
pub mod sql_session_lock;
pub mod zk_flavor;
pub mod zk_lock;
pub mod zk_lock_ephemeral;
pub mod zk_lock_sequential;
pub mod zk_server;
pub mod zk_wire;

use crate::node::{LockModel, Param, RealServer};

/// Something to do with every model type: [`each`] calls it once per type,
/// so that code above the models (the checker, the command line) can
/// instantiate itself for each of them without the models knowing it.
pub trait EachModel {
    fn model<M: LockModel>(&mut self);
}

/// Every model type, in the order `lockcheck list` shows their variants:
/// grouped by family, each family's correct form first, so that a
/// variant's row sits below the form it departs from.
/// This is the registry: one line per model type.
pub fn each(visitor: &mut impl EachModel) {
    visitor.model::<redis_set_px::RedisSetPx>();
    visitor.model::<redisson_lock::RedissonLock>();
    visitor.model::<redis_get_del_release::RedisGetDelRelease>();
    visitor.model::<redis_setnx_expire::RedisSetnxExpire>();
    visitor.model::<redis_py_lock_no_timeout::RedisPyLockNoTimeout>();
    visitor.model::<redis_py_lock_not_thread_local::RedisPyLockNotThreadLocal>();
    visitor.model::<redis_py_lock::RedisPyLock>();
    visitor.model::<redis_setnx_getset::RedisSetnxGetset>();
    visitor.model::<redis_setnx::RedisSetnx>();
    visitor.model::<optimistic::Optimistic>();
    visitor.model::<file_lock::FileLockPlain>();
    visitor.model::<file_lock::FileLockStaleBreak>();
    visitor.model::<db_lock_expiry::DbLockExpiring>();
    visitor.model::<db_lock_unique::DbLockUnique>();
    visitor.model::<db_lock_seed::DbLockSeed>();
    visitor.model::<mq_lock_visibility_timeout::MqVisibilityTimeout>();
    visitor.model::<mq_lock_auto_ack::MqAutoAck>();
    visitor.model::<mq_lock_message_ttl::MqMessageTtl>();
    visitor.model::<redlock::Redlock>();
    visitor.model::<redis_failover::RedisFailover>();
    visitor.model::<zk_lock_sequential::ZkLockSequential>();
    visitor.model::<zk_lock_ephemeral::ZkLockEphemeral>();
    visitor.model::<sql_session_lock::SqlSessionLock>();
    visitor.model::<etcd_lock::EtcdLock>();
    visitor.model::<consul_lock::ConsulLock>();
    visitor.model::<dynamodb_lock::DynamoDbLock>();
    visitor.model::<hazelcast_lock::HazelcastLock>();
    visitor.model::<chubby_lock::ChubbyLock>();
}

/// One model id as users see it.
#[derive(Clone, Copy, Debug)]
pub struct ModelInfo {
    pub id: &'static str,
    /// The file that defines it, `models/<module>.rs`; its expectations are
    /// in `models/<module>.expect.json`.
    pub module: &'static str,
    pub summary: &'static str,
    /// The scenario parameters it reads.
    pub params: &'static [Param],
    /// The real program its servers model, if its traces replay on it.
    pub real_server: Option<RealServer>,
}

/// The module that defines model type `M`: `lockcheck::models::<module>::<Type>`.
/// A family's engine generic over its flavours (`ZkLock<F>`, `DbLock<F>`,
/// `MqLock<K>`) has its variants, and so its expectations, in the
/// flavour's module: the type's name then ends
/// `...::<engine>::Engine<...::<module>::Flavour>`, whose last module is
/// the flavour's.
pub fn module_of<M: LockModel>() -> &'static str {
    std::any::type_name::<M>()
        .rsplit("::")
        .nth(1)
        .expect("a model type is defined in a module")
}

/// The variants of model type `M`, as users see them.
pub fn infos_of<M: LockModel>() -> impl Iterator<Item = ModelInfo> {
    M::VARIANTS.iter().map(|v| ModelInfo {
        id: v.id,
        module: module_of::<M>(),
        summary: v.summary,
        params: M::PARAMS,
        real_server: M::real_server(v.id),
    })
}

/// Every model id, in the order `lockcheck list` shows them.
pub fn catalog() -> Vec<ModelInfo> {
    struct Collect(Vec<ModelInfo>);
    impl EachModel for Collect {
        fn model<M: LockModel>(&mut self) {
            self.0.extend(infos_of::<M>());
        }
    }
    let mut collect = Collect(Vec::new());
    each(&mut collect);
    collect.0
}

/// The model with id `id`.
pub fn info(id: &str) -> Option<ModelInfo> {
    catalog().into_iter().find(|m| m.id == id)
}

/// Every parameter name some model declares, sorted, without repeats.
pub fn param_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = catalog()
        .iter()
        .flat_map(|m| m.params.iter().map(|p| p.name))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}
