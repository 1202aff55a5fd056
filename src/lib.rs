//! lockcheck: is this distributed lock safe?
//!
//! Lock algorithms (`models/`) run as actors in a deterministic simulated world
//! (`world`) with explicit time, clocks, a network and faults; the checker
//! (`check`) searches every behaviour up to a horizon for violations of the
//! shared properties (`properties`). Scenarios (`scenario`) are data files.
//! `frontier` sweeps a lease-based lock's numbers (TTL, pause, drift, delay)
//! over a grid of such checks and reports where safety stops holding.

pub mod bench;
pub mod check;
pub mod compare;
pub mod engine;
pub mod expectations;
pub mod files;
pub mod frontier;
#[path = "../models/mod.rs"]
pub mod models;
pub mod node;
pub mod properties;
pub mod real;
pub mod registry;
pub mod scenario;
pub mod trace;
pub mod world;
