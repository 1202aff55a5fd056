//! The lock algorithms, one file each, and the registry that names them.
//!
//! To add an algorithm: write `models/<name>.rs` implementing
//! [`LockModel`](crate::node::LockModel) (its module doc cites the source and
//! states the weaknesses you expect), declare it below, and add one line to
//! [`all`]. Its expected verdicts go beside it, in
//! `models/<name>.expect.json` (see [`crate::expectations`]). Nothing in
//! `src/` changes.

pub mod db_lock;
pub mod file_lock;
pub mod mq_lock;
pub mod optimistic;
pub mod params;
pub mod redis;
pub mod redis_failover;
pub mod redis_py_lock;
pub mod redis_set_px;
pub mod redis_setnx;
pub mod redlock;
pub mod zk_lock;

use std::path::Path;

use crate::check::simulate::{self, SimOptions, SimReport};
use crate::check::{self, CheckOptions, CheckReport};
use crate::node::{LockModel, Param};
use crate::scenario::Scenario;
use crate::trace::export::{self, ExportFormat};
use crate::trace::replay::{self, ReplayReport};
use crate::trace::{TraceError, TraceFile};

/// One model id as users see it.
#[derive(Clone, Copy)]
pub struct ModelEntry {
    pub id: &'static str,
    /// The file that defines it, `models/<module>.rs`; its expectations are
    /// in `models/<module>.expect.json`.
    pub module: &'static str,
    pub summary: &'static str,
    /// The scenario parameters it reads.
    pub params: &'static [Param],
    /// Checks this model under a scenario.
    pub check: fn(&str, &Scenario, &Path, &CheckOptions) -> Result<CheckReport, String>,
    /// Runs a seeded random simulation of this model under a scenario.
    pub simulate: fn(&str, &Scenario, &Path, &SimOptions) -> Result<SimReport, String>,
    /// Replays a trace of this model.
    pub replay: fn(&Path, &TraceFile, bool) -> Result<ReplayReport, TraceError>,
    /// Serves stateright's Explorer for this model (blocks).
    pub explore: fn(&str, &Scenario, &str) -> Result<(), String>,
    /// The Explorer's action-index path (`0/3/1`) of a trace of this model.
    pub explorer_path: fn(&TraceFile) -> Result<String, TraceError>,
    /// Exports a trace of this model for other tools.
    pub export: fn(&Path, &TraceFile, ExportFormat) -> Result<String, TraceError>,
}

impl ModelEntry {
    pub fn run(
        &self,
        scenario: &Scenario,
        scenario_file: &Path,
        options: &CheckOptions,
    ) -> Result<CheckReport, String> {
        (self.check)(self.id, scenario, scenario_file, options)
    }
}

fn variants<M: LockModel>(registry: &mut Vec<ModelEntry>) {
    // `lockcheck::models::<module>::<Type>`.
    let module = std::any::type_name::<M>()
        .rsplit("::")
        .nth(1)
        .expect("a model type is defined in a module");
    registry.extend(M::VARIANTS.iter().map(|v| ModelEntry {
        id: v.id,
        module,
        summary: v.summary,
        params: M::PARAMS,
        check: check::run::<M>,
        simulate: simulate::run::<M>,
        replay: replay::run::<M>,
        export: export::run::<M>,
        explore: check::explore::<M>,
        explorer_path: replay::explorer_path::<M>,
    }));
}

/// Every model, in the order `lockcheck list` shows them.
pub fn all() -> Vec<ModelEntry> {
    let mut registry = Vec::new();
    variants::<redis_setnx::RedisSetnx>(&mut registry);
    variants::<redis_set_px::RedisSetPx>(&mut registry);
    variants::<redis_py_lock::RedisPyLock>(&mut registry);
    variants::<optimistic::Optimistic>(&mut registry);
    variants::<file_lock::FileLockPlain>(&mut registry);
    variants::<file_lock::FileLockStaleBreak>(&mut registry);
    variants::<db_lock::DbLockSeed>(&mut registry);
    variants::<db_lock::DbLockUnique>(&mut registry);
    variants::<db_lock::DbLockExpiring>(&mut registry);
    variants::<mq_lock::MqAutoAck>(&mut registry);
    variants::<mq_lock::MqVisibilityTimeout>(&mut registry);
    variants::<mq_lock::MqMessageTtl>(&mut registry);
    variants::<redlock::Redlock>(&mut registry);
    variants::<redis_failover::RedisFailover>(&mut registry);
    variants::<zk_lock::ZkLock>(&mut registry);
    registry
}

pub fn find(id: &str) -> Option<ModelEntry> {
    all().into_iter().find(|m| m.id == id)
}

/// [`find`], or the error every command gives for an unknown id.
pub fn lookup(id: &str) -> Result<ModelEntry, String> {
    find(id).ok_or_else(|| {
        let known: Vec<&str> = all().iter().map(|m| m.id).collect();
        format!("unknown model `{id}`; known models: {}", known.join(", "))
    })
}

/// Every parameter name some model declares, sorted, without repeats.
pub fn param_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = all()
        .iter()
        .flat_map(|m| m.params.iter().map(|p| p.name))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}
