//! Symmetry's own properties (`tests/suite/reductions.rs` cross-checks its
//! verdicts with the full search's, cell by cell): it shrinks three
//! clients, and Redlock's masters, at least five-fold, and, on a sample of
//! states, what the soundness argument rests on: every
//! permutation of interchangeable nodes maps a state's successors onto the
//! permuted state's successors, and all the states of an orbit have one
//! representative.

use crate::common;

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use lockcheck::check::CheckOptions;
use lockcheck::check::bfs::SearchLimits;
use lockcheck::expectations::Entry;
use lockcheck::models::db_lock_expiry::DbLockExpiring;
use lockcheck::models::file_lock::FileLockStaleBreak;
use lockcheck::models::mq_lock_message_ttl::MqMessageTtl;
use lockcheck::models::redis_failover::RedisFailover;
use lockcheck::models::redlock::Redlock;
use lockcheck::models::zk_lock_sequential::ZkLockSequential;
use lockcheck::node::LockModel;
use lockcheck::registry;
use lockcheck::scenario::Scenario;
use lockcheck::world::{Canonical, Reductions, World, WorldState};
use stateright::Model;

/// A pinned reduction: three clients under `crowd-atomic`.
#[test]
fn three_clients_shrink_at_least_five_fold() {
    let entry = registry::find("redis_set_px").unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/crowd-atomic.json");
    let scenario = Scenario::load(&file).unwrap();
    let run = |symmetry| {
        let options = CheckOptions {
            limits: SearchLimits {
                states_max: 1_000_000,
                depth_max: None,
                time_max: Duration::from_secs(600),
                memory: None,
            },
            threads: 1,
            report_dir: None,
            progress: false,
            reproduce_flags: Vec::new(),
            liveness: Vec::new(),
            simulation_runs: Some(0),
            symmetry,
            only: Vec::new(),
            request_ids: false,
            time_merge: false,
            liveness_orbits: false,
            liveness_states_max: None,
        };
        entry
            .run(&scenario, &file, &Entry::default(), &options)
            .unwrap()
    };
    let full = run(false);
    let reduced = run(true);
    assert!(!full.stats.symmetry);
    assert!(reduced.stats.symmetry);
    assert_eq!(full.stats.unique_states, 441_697);
    assert_eq!(reduced.stats.unique_states, 73_829);
    assert!(full.stats.unique_states >= 5 * reduced.stats.unique_states);
    for (r, f) in reduced.properties.iter().zip(&full.properties) {
        assert_eq!(r.verdict, f.verdict, "{}", r.property);
    }
}

/// A pinned reduction: Redlock's three masters and two clients under
/// `gc-pause-1tick`, a group of 3! * 2! = 12 permutations.
#[test]
fn redlock_masters_and_clients_shrink_at_least_five_fold() {
    let entry = registry::find("redlock").unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/gc-pause-1tick.json");
    let scenario = Scenario::load(&file).unwrap();
    let run = |symmetry| {
        let reductions = Reductions {
            symmetry,
            request_ids: false,
            time_merge: false,
        };
        common::check_reduced(&entry, &file, &scenario, reductions, 120_000, None).unwrap()
    };
    let full = run(false);
    let reduced = run(true);
    assert_eq!(full.stats.unique_states, 64_177);
    assert_eq!(reduced.stats.unique_states, 10_515);
    assert!(full.stats.unique_states >= 5 * reduced.stats.unique_states);
    for (r, f) in reduced.properties.iter().zip(&full.properties) {
        assert_eq!(r.verdict, f.verdict, "{}", r.property);
    }
}

/// Every permutation of `n` items, as `perm[i]` = where item `i` goes.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut all = Vec::new();
    for smaller in permutations(n - 1) {
        for at in 0..n {
            let mut p: Vec<usize> = smaller.iter().map(|&x| x + (x >= at) as usize).collect();
            p.push(at);
            all.push(p);
        }
    }
    all
}

fn successors<M: LockModel>(world: &World<M>, s: &WorldState<M>) -> HashSet<WorldState<M>> {
    crate::common::successors(world, s).into_iter().collect()
}

/// The quotient `check_orbits` checks `model` against under `scenario`,
/// with every reduction the search uses, and every permutation of the
/// nodes the model calls interchangeable.
fn quotient<M: LockModel>(model: M, scenario: &Scenario) -> (Canonical<M>, Vec<Vec<usize>>) {
    let servers = model.server_count();
    let server_perms = if model.server_symmetry() {
        permutations(servers)
    } else {
        vec![(0..servers).collect()]
    };
    let client_perms = permutations(scenario.clients as usize);
    let perms = server_perms
        .iter()
        .flat_map(|sp| {
            client_perms.iter().map(move |cp| {
                sp.iter()
                    .copied()
                    .chain(cp.iter().map(|&c| servers + c))
                    .collect()
            })
        })
        .collect();
    // With request ids renumbered and passed instants merged too, as the
    // search does: the representatives below then also check that these
    // commute with every permutation.
    let canonical = crate::common::reduced(model, scenario, crate::common::ALL_REDUCTIONS);
    (canonical, perms)
}

/// What the soundness argument rests on, at state `s`, for every
/// permutation in `perms`: the permuted state's successors are the
/// permuted successors, and the permuted state has the same
/// representative (computed either way). `Err` says what broke.
fn check_orbit_at<M: LockModel>(
    canonical: &Canonical<M>,
    perms: &[Vec<usize>],
    s: &WorldState<M>,
) -> Result<(), String> {
    let world = &canonical.world;
    let sym = world.model.client_symmetry().expect("a symmetric model");
    let next = successors(world, s);
    let mut actions = Vec::new();
    world.actions(s, &mut actions);
    for a in actions {
        let t = world.next_state(s, a.clone());
        if canonical.next_state(s, a) != t.map(|t| canonical.representative_by_definition(&t)) {
            return Err(format!(
                "a successor's representative is not the one the definition gives, from {s:?}"
            ));
        }
    }
    let rep = canonical.representative(s);
    if rep != canonical.representative_by_definition(s) {
        return Err(format!(
            "the representative of {s:?} is not the one the definition gives"
        ));
    }
    for perm in perms {
        let moved = world.permute(&sym, s, perm);
        if canonical.representative_by_definition(&moved) != rep {
            return Err(format!(
                "{perm:?} changes the representative by definition of {s:?}"
            ));
        }
        if canonical.representative(&moved) != rep {
            return Err(format!("{perm:?} changes the representative of {s:?}"));
        }
        let expected: HashSet<_> = next.iter().map(|t| world.permute(&sym, t, perm)).collect();
        let got = successors(world, &moved);
        if got != expected {
            let extra: Vec<_> = got.difference(&expected).collect();
            let missing: Vec<_> = expected.difference(&got).collect();
            return Err(format!(
                "{perm:?} does not commute with the steps from {s:?}\n\nonly after moving: {extra:?}\n\nonly before: {missing:?}"
            ));
        }
    }
    Ok(())
}

/// On the first `states_max` states of `model`'s full search under the
/// fixture `scenario`, [`check_orbit_at`]. Returns how many states it
/// looked at.
fn check_orbits<M: LockModel>(model: M, scenario: &str, states_max: usize) -> usize {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(scenario);
    let scenario = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
    let (canonical, perms) = quotient(model, &scenario);
    let world = &canonical.world;
    crate::common::breadth_first(world.init_states(), states_max, |s| {
        if let Err(e) = check_orbit_at(&canonical, &perms, s) {
            panic!("{e}");
        }
        crate::common::successors(world, s)
    })
}

/// Every symmetric model, every variant, under every shipped scenario of
/// at most three clients: [`check_orbit_at`] on the first states of the
/// full search and on the states of the seeded random walks the time-shift
/// checks take, where the faults have struck (a crash, a jump or expiries
/// at one instant). A model whose handlers treat clients by their ids
/// (say, expiring sessions in id order) breaks the symmetry the search
/// relies on, and fails here.
#[test]
fn every_symmetric_model_commutes_with_permutations() {
    use lockcheck::models::{EachModel, each, infos_of};
    struct Cells {
        scenarios: Vec<(std::path::PathBuf, Scenario)>,
        failures: Vec<String>,
        checked: usize,
    }
    impl EachModel for Cells {
        fn model<M: LockModel>(&mut self) {
            for info in infos_of::<M>() {
                for (file, scenario) in &self.scenarios {
                    let Ok(model) = M::new(info.id, &scenario.params) else {
                        continue;
                    };
                    if model.client_symmetry().is_none() {
                        continue;
                    }
                    let (canonical, perms) = quotient(model, scenario);
                    let world = &canonical.world;
                    let cell = format!("{} under {}", info.id, file.display());
                    let mut checked = 0;
                    let mut check = |s: &WorldState<M>| {
                        checked += 1;
                        check_orbit_at(&canonical, &perms, s)
                    };
                    let mut first_error = None;
                    crate::common::breadth_first(world.init_states(), 100, |s| match check(s) {
                        Ok(()) => crate::common::successors(world, s),
                        Err(e) => {
                            first_error.get_or_insert(e);
                            Vec::new()
                        }
                    });
                    let walked = match first_error {
                        Some(e) => Err(e),
                        None => {
                            crate::time_shift::walk_states(world, &world.init_states(), |_, s| {
                                check(s)
                            })
                        }
                    };
                    self.checked += checked;
                    if let Err(e) = walked {
                        let e: String = e.chars().take(6000).collect();
                        self.failures.push(format!("{cell}: {e}"));
                    }
                }
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut cells = Cells {
        scenarios: crate::common::all_scenarios()
            .into_iter()
            .filter(|(file, s)| file.starts_with(&root) && s.clients <= 3)
            .collect(),
        failures: Vec::new(),
        checked: 0,
    };
    each(&mut cells);
    assert!(cells.checked > 10_000, "only {} states", cells.checked);
    assert!(
        cells.failures.is_empty(),
        "{} cells break symmetry:\n{}",
        cells.failures.len(),
        cells.failures.join("\n\n")
    );
}

#[test]
fn redlock_permutations_commute_with_steps() {
    // Clock jumps, restarts and partitions single out one master; a split
    // puts masters on both sides.
    for scenario in [
        "tests/scenarios/clock-jump-1tick.json",
        "tests/scenarios/server-restart-1tick.json",
        "tests/scenarios/partition-1tick.json",
        "tests/scenarios/split-partition-1tick.json",
    ] {
        let model = Redlock::new("redlock_delayed_restart", &load(scenario).params).unwrap();
        assert!(check_orbits(model, scenario, 1500) >= 1500);
    }
}

#[test]
fn zk_lock_permutations_commute_with_steps() {
    let scenario = "tests/scenarios/message-loss-1tick.json";
    let model = ZkLockSequential::new("zk_lock_sequential_fenced", &load(scenario).params).unwrap();
    assert!(check_orbits(model, scenario, 3000) >= 3000);
    // A jump sets the server's wall clock apart from its monotonic clock,
    // which its session timers run on.
    let scenario = "scenarios/clock-jump.json";
    let model = ZkLockSequential::new("zk_lock_sequential", &load(scenario).params).unwrap();
    assert!(check_orbits(model, scenario, 3000) >= 3000);
}

#[test]
fn db_mq_and_file_permutations_commute_with_steps() {
    // A partition isolates one client or the server.
    let scenario = "scenarios/partition.json";
    let params = load(scenario).params;
    let db = DbLockExpiring::new("db_lock_expiry_client_clock", &params).unwrap();
    assert!(check_orbits(db, scenario, 2000) >= 2000);
    let mq = MqMessageTtl::new("mq_lock_message_ttl", &params).unwrap();
    assert!(check_orbits(mq, scenario, 2000) >= 2000);
    let file = FileLockStaleBreak::new("file_lock_stale_break", &params).unwrap();
    assert!(check_orbits(file, scenario, 2000) >= 2000);
}

#[test]
fn redis_failover_permutations_commute_with_steps() {
    // A failover and lost messages single out a client's requests; a split
    // puts a client with each server, or both with one.
    for scenario in [
        "scenarios/message-loss.json",
        "scenarios/split-partition.json",
    ] {
        let model = RedisFailover::new("redis_failover", &load(scenario).params).unwrap();
        assert!(check_orbits(model, scenario, 2000) >= 2000);
    }
}

#[test]
fn hazelcast_permutations_commute_with_steps() {
    use lockcheck::models::hazelcast_lock::HazelcastLock;
    let scenario = "scenarios/clock-jump.json";
    let model = HazelcastLock::new("hazelcast_fenced_lock", &load(scenario).params).unwrap();
    assert!(check_orbits(model, scenario, 20000) >= 20000);
}

fn load(scenario: &str) -> Scenario {
    Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(scenario))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A path of the quotient is turned back into a real path step by step; a
/// path with a step no real step stands for (what a model that is not
/// symmetric, or reads its request ids, would produce) gives `None`, so
/// that the search falls back to the real world instead of panicking or
/// reporting a path that does not replay.
#[test]
fn a_quotient_path_with_no_real_path_behind_it_is_refused() {
    use lockcheck::engine::bfs::Discovery;
    use lockcheck::models::redis_set_px::RedisSetPx;
    let scenario = load("scenarios/no-faults.json");
    let model = RedisSetPx::new("redis_set_px", &scenario.params).unwrap();
    let canonical = crate::common::reduced(model, &scenario, crate::common::ALL_REDUCTIONS);
    // A real path of three steps, taken in the quotient from its first
    // initial state.
    let mut states = vec![canonical.init_states().swap_remove(0)];
    let mut actions = Vec::new();
    for _ in 0..3 {
        let s = states.last().unwrap().clone();
        let mut offered = Vec::new();
        canonical.actions(&s, &mut offered);
        let (a, t) = offered
            .into_iter()
            .find_map(|a| canonical.next_state(&s, a.clone()).map(|t| (a, t)))
            .expect("a step");
        actions.push(a);
        states.push(t);
    }
    let path = Discovery {
        init_index: 0,
        actions: actions.clone(),
        states: states.clone(),
    };
    let real = canonical
        .realize(&path)
        .expect("a real path stands behind it");
    assert_eq!(real.states.len(), 4);
    // The same path with its third state left out: the second state cannot
    // reach the fourth in one step.
    let broken = Discovery {
        init_index: 0,
        actions: vec![actions[0].clone(), actions[2].clone()],
        states: vec![states[0].clone(), states[1].clone(), states[3].clone()],
    };
    assert!(canonical.realize(&broken).is_none());
}
