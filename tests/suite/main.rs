//! The integration tests, in one crate, a module per subject: the library
//! is linked into one test binary rather than one per file, and all the
//! tests share the threads of one harness rather than running file after
//! file.
//!
//! `cargo test --release --test suite <module>::` runs one module's tests.
//! `tests/real_servers.rs` stays a crate of its own: it starts real servers
//! whose sessions expire in real time, so it does not share the cores with
//! these searches.
//!
//! Tests in one process must not step on each other: none changes the
//! environment or the working directory, and no two modules write to the
//! same path (each names its own directories under `CARGO_TARGET_TMPDIR`).
//! Proptest finds a module's saved failures in
//! `tests/proptest-regressions/<module>.txt` (beside the nearest folder with
//! a `main.rs`, which is this one).

// First, so that its `pins!` macros are in scope in the modules below.
#[macro_use]
mod common;

mod bench;
mod checker;
mod cli;
mod clock_jump;
mod compare;
mod coverage;
mod db_lock_models;
mod doc_examples;
mod etcd_consul_models;
mod expectations;
mod explore;
mod export;
mod file_lock_models;
mod frontier;
mod fuzz;
mod hardening;
mod layers;
mod lease_service_models;
mod liveness;
mod liveness_brute_force;
mod liveness_orbits;
mod model_kit;
mod mq_models;
mod optimistic_models;
mod redis_models;
mod redlock_failover_models;
mod reductions;
mod replay;
mod request_ids;
mod scenario_errors;
mod sessions;
mod simulate;
mod sql_session_lock_models;
mod symmetry;
mod time_merge;
mod time_shift;
mod world_rules;
mod zk_models;

// As in the binary: the search allocates a state per transition.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
