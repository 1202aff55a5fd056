//! Every model id with what each command does with it: the checker, the
//! simulator, replay and export instantiated for each model type of
//! [`crate::models::each`].

use std::path::Path;

use crate::check::simulate::{self, SimOptions, SimReport};
use crate::check::{self, CheckOptions, CheckReport};
use crate::expectations::Entry;
use crate::models::{EachModel, ModelInfo};
use crate::node::{LockModel, Param, RealServer};
use crate::scenario::Scenario;
use crate::trace::export::{self, ExportFormat};
use crate::trace::replay::{self, ReplayReport};
use crate::trace::{TraceError, TraceFile};

/// One model id as users see it, and what the commands do with it.
#[derive(Clone, Copy)]
pub struct ModelEntry {
    pub id: &'static str,
    /// The file that defines it, `models/<module>.rs`; its expectations are
    /// in `models/<module>.expect.json`.
    pub module: &'static str,
    pub summary: &'static str,
    /// The scenario parameters it reads.
    pub params: &'static [Param],
    /// The real program its servers model, if its traces replay on it.
    pub real_server: Option<RealServer>,
    /// Checks this model under a scenario, against what it is expected to do
    /// there (`Entry::default()`: nothing; every verdict is observed).
    pub check: fn(&str, &Scenario, &Path, &Entry, &CheckOptions) -> Result<CheckReport, String>,
    /// Runs a seeded random simulation of this model under a scenario.
    pub simulate: fn(&str, &Scenario, &Path, &Entry, &SimOptions) -> Result<SimReport, String>,
    /// Replays a trace of this model.
    pub replay: fn(&Path, &TraceFile, bool) -> Result<ReplayReport, TraceError>,
    /// A lasso of this model as the path of its stem and its loop run
    /// `1 + repeats` times in real time (see [`replay::unrolled`]).
    pub unroll: fn(&Path, &TraceFile, usize) -> Result<TraceFile, TraceError>,
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
        expected: &Entry,
        options: &CheckOptions,
    ) -> Result<CheckReport, String> {
        (self.check)(self.id, scenario, scenario_file, expected, options)
    }

    pub fn info(&self) -> ModelInfo {
        ModelInfo {
            id: self.id,
            module: self.module,
            summary: self.summary,
            params: self.params,
            real_server: self.real_server,
        }
    }
}

/// Every model, in the order `lockcheck list` shows them.
pub fn all() -> Vec<ModelEntry> {
    struct Entries(Vec<ModelEntry>);
    impl EachModel for Entries {
        fn model<M: LockModel>(&mut self) {
            self.0
                .extend(crate::models::infos_of::<M>().map(|info| ModelEntry {
                    id: info.id,
                    module: info.module,
                    summary: info.summary,
                    params: info.params,
                    real_server: info.real_server,
                    check: check::run::<M>,
                    simulate: simulate::run::<M>,
                    replay: replay::run::<M>,
                    unroll: replay::unrolled::<M>,
                    export: export::run::<M>,
                    explore: check::explore::<M>,
                    explorer_path: replay::explorer_path::<M>,
                }));
        }
    }
    let mut entries = Entries(Vec::new());
    crate::models::each(&mut entries);
    entries.0
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
