//! The properties, written once for every model.
//!
//! They read only the world's ghost view: who believes it holds the lock (set
//! by the model through `Out::acquired` and cleared when the workload starts
//! its release), the protected resource, real time, and which clients are up.

use std::fmt;

use serde::{Deserialize, Serialize};
use stateright::Property;

use crate::node::LockModel;
use crate::world::{Phase, World, WorldState};

/// The name of a property, as scenarios and the CLI spell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyName {
    MutualExclusion,
    ResourceSafe,
    LockAcquired,
    Progress,
    DeadlockFree,
    StarvationFree,
}

/// What kind of claim a property makes, which decides what a discovery means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropertyKind {
    /// Holds in every reachable state; a discovery is a counterexample.
    Safety,
    /// Holds in some reachable state; a discovery is an example, and finding
    /// none in a complete search is the failure.
    Reachability,
    /// Liveness cut at the horizon: checked as a safety property on the state
    /// where real time reaches the horizon.
    BoundedLiveness,
    /// Liveness under fairness, decided by the liveness checker
    /// (`src/check/liveness.rs`) on the whole state graph, with real time
    /// unbounded; a discovery is a lasso (a stem, then a cycle repeated
    /// forever).
    Liveness,
}

impl PropertyName {
    pub const ALL: [PropertyName; 4] = [
        PropertyName::MutualExclusion,
        PropertyName::ResourceSafe,
        PropertyName::LockAcquired,
        PropertyName::Progress,
    ];

    /// The liveness properties under fairness. They are not part of
    /// [`PropertyName::ALL`] (the properties the breadth-first search
    /// decides) and are checked only on request: when the model's expectations
    /// name them, or `--property` asks.
    pub const LIVENESS: [PropertyName; 2] =
        [PropertyName::DeadlockFree, PropertyName::StarvationFree];

    /// Every property: the searched ones, then the liveness ones.
    pub fn every() -> impl Iterator<Item = PropertyName> {
        PropertyName::ALL.into_iter().chain(PropertyName::LIVENESS)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PropertyName::MutualExclusion => "mutual_exclusion",
            PropertyName::ResourceSafe => "resource_safe",
            PropertyName::LockAcquired => "lock_acquired",
            PropertyName::Progress => "progress",
            PropertyName::DeadlockFree => "deadlock_free",
            PropertyName::StarvationFree => "starvation_free",
        }
    }

    /// The abbreviation the comparison matrix uses.
    pub fn short(self) -> &'static str {
        match self {
            PropertyName::MutualExclusion => "mutex",
            PropertyName::ResourceSafe => "resource",
            PropertyName::LockAcquired => "acquired",
            PropertyName::Progress => "progress",
            PropertyName::DeadlockFree => "deadlock",
            PropertyName::StarvationFree => "starvation",
        }
    }

    pub fn parse(name: &str) -> Option<PropertyName> {
        PropertyName::every().find(|p| p.as_str() == name)
    }

    pub fn kind(self) -> PropertyKind {
        match self {
            PropertyName::MutualExclusion | PropertyName::ResourceSafe => PropertyKind::Safety,
            PropertyName::LockAcquired => PropertyKind::Reachability,
            PropertyName::Progress => PropertyKind::BoundedLiveness,
            PropertyName::DeadlockFree | PropertyName::StarvationFree => PropertyKind::Liveness,
        }
    }

    /// One line for `lockcheck list` and the README.
    pub fn claim(self) -> &'static str {
        match self {
            PropertyName::MutualExclusion => {
                "always: no two clients believe they hold the lock at the same real time"
            }
            PropertyName::ResourceSafe => {
                "always: the resource loses no update (its value equals the writes it accepted) and never accepts a stale holder's write after a newer holder's"
            }
            PropertyName::LockAcquired => {
                "sometimes: some client acquires the lock (so the safety verdicts are not vacuous)"
            }
            PropertyName::Progress => {
                "bounded liveness: every client that has not crashed for good has finished its rounds (with endless rounds: at least one) when real time reaches the horizon"
            }
            PropertyName::DeadlockFree => {
                "liveness under fairness: whenever a correct client waits for the lock and no correct client holds it, some correct client eventually acquires it (no horizon)"
            }
            PropertyName::StarvationFree => {
                "liveness under fairness: every correct client that asks for the lock eventually gets it (no horizon)"
            }
        }
    }
}

impl fmt::Display for PropertyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The properties in stateright's form, in [`PropertyName::ALL`] order.
pub fn properties<M: LockModel>() -> Vec<Property<World<M>>> {
    vec![
        Property::always(
            PropertyName::MutualExclusion.as_str(),
            mutual_exclusion::<M>,
        ),
        Property::always(PropertyName::ResourceSafe.as_str(), resource_safe::<M>),
        Property::sometimes(PropertyName::LockAcquired.as_str(), lock_acquired::<M>),
        Property::always(PropertyName::Progress.as_str(), progress::<M>),
    ]
}

fn mutual_exclusion<M: LockModel>(_: &World<M>, state: &WorldState<M>) -> bool {
    state.clients.iter().filter(|c| c.work.holds).count() <= 1
}

fn resource_safe<M: LockModel>(_: &World<M>, state: &WorldState<M>) -> bool {
    let r = &state.resource;
    r.value == r.writes_accepted && !r.stale_write_accepted
}

fn lock_acquired<M: LockModel>(_: &World<M>, state: &WorldState<M>) -> bool {
    state.clients.iter().any(|c| c.work.holds)
}

/// States at the horizon have no successors, so this is evaluated on the
/// state where real time first reaches it; a client that is done stays done.
/// With endless rounds no client is ever done, and "finished its rounds"
/// means it has finished at least one.
fn progress<M: LockModel>(world: &World<M>, state: &WorldState<M>) -> bool {
    let endless = world.cfg.rounds.is_endless();
    state.now < world.cfg.horizon_ticks
        || state.clients.iter().all(|c| {
            c.status.is_crashed()
                || c.work.phase == Phase::Done
                || (endless && c.work.rounds_done > 0)
        })
}
