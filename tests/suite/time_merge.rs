//! The merge of passed times' own properties (`tests/suite/reductions.rs`
//! cross-checks its verdicts with the full search's, cell by cell): on a
//! sample of states under clock jumps, drift and pauses, what the
//! soundness argument in
//! `src/world/times.rs` rests on: a state and its merged form have the same
//! successors up to the merge, and the merge is idempotent.

use std::collections::HashSet;
use std::path::Path;

use lockcheck::models::db_lock_expiry::DbLockExpiring;
use lockcheck::models::file_lock::FileLockStaleBreak;
use lockcheck::models::mq_lock_visibility_timeout::MqVisibilityTimeout;
use lockcheck::models::redis_set_px::RedisSetPx;
use lockcheck::models::redlock::Redlock;
use lockcheck::models::sql_session_lock::SqlSessionLock;
use lockcheck::node::LockModel;
use lockcheck::scenario::Scenario;
use lockcheck::world::{Canonical, Reductions, World, WorldConfig, WorldState};
use stateright::Model;

const NONE: Reductions = Reductions {
    symmetry: false,
    request_ids: false,
    time_merge: false,
};

fn load(file: &str) -> Scenario {
    Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn merging<M: LockModel>(model: M, scenario: &Scenario) -> Canonical<M> {
    crate::common::reduced(
        model,
        scenario,
        Reductions {
            time_merge: true,
            ..NONE
        },
    )
}

/// The merged forms of `s`'s successors.
fn successor_classes<M: LockModel>(c: &Canonical<M>, s: &WorldState<M>) -> HashSet<WorldState<M>> {
    let mut actions = Vec::new();
    c.world.actions(s, &mut actions);
    actions
        .into_iter()
        .filter_map(|a| c.world.next_state(s, a))
        .map(|t| c.representative(&t))
        .collect()
}

/// On the first `states_max` states of `model`'s full search under
/// `scenario`: the merged state's successors, merged, are the state's
/// successors, merged (the kernel of the merge is a bisimulation), and
/// merging a merged state changes nothing. Returns how many states it
/// looked at and how many classes they fall into.
fn check_merge<M: LockModel>(model: M, scenario: &str, states_max: usize) -> (usize, usize) {
    let scenario = load(scenario);
    let c = merging(model, &scenario);
    let world = &c.world;
    let mut classes = HashSet::new();
    let seen = crate::common::breadth_first(world.init_states(), states_max, |s| {
        let r = c.representative(s);
        classes.insert(r.clone());
        assert!(
            c.representative(&r) == r,
            "the merge is not idempotent on {s:?}"
        );
        assert!(
            successor_classes(&c, &r) == successor_classes(&c, s),
            "the merge does not commute with the steps from {s:?}"
        );
        crate::common::successors(world, s)
    });
    (seen, classes.len())
}

#[test]
fn the_merge_commutes_with_steps_under_jumps_drift_and_pauses() {
    // Backward jumps of the wall clock may take a passed time back, while
    // the jump budget lasts; drift slows a clock without stopping it.
    let mut merged_some = false;
    for scenario in [
        "scenarios/clock-jump.json",
        "scenarios/clock-drift.json",
        "scenarios/gc-pause.json",
    ] {
        let params = load(scenario).params;
        let db = DbLockExpiring::new("db_lock_expiry_db_clock_fenced", &params).unwrap();
        let (seen, classes) = check_merge(db, scenario, 150_000);
        merged_some |= classes < seen;
        let file = FileLockStaleBreak::new("file_lock_stale_break", &params).unwrap();
        let (seen, classes) = check_merge(file, scenario, 150_000);
        merged_some |= classes < seen;
        let mq = MqVisibilityTimeout::new("mq_lock_visibility_timeout", &params).unwrap();
        let (seen, classes) = check_merge(mq, scenario, 150_000);
        merged_some |= classes < seen;
    }
    assert!(
        merged_some,
        "the merge merged no states: the test checks nothing"
    );
}

/// Nonces renumbered with the merge: Redlock draws one per attempt, and
/// its attempts repeat within a round; the Redis lock draws one per
/// acquisition.
#[test]
fn nonce_renumbering_commutes_with_steps() {
    let mut merged_some = false;
    for scenario in [
        "scenarios/gc-pause.json",
        "scenarios/clock-jump.json",
        "scenarios/message-loss.json",
    ] {
        let params = load(scenario).params;
        let redlock = Redlock::new("redlock", &params).unwrap();
        let (seen, classes) = check_merge(redlock, scenario, 40_000);
        merged_some |= classes < seen;
        let redis = RedisSetPx::new("redis_set_px", &params).unwrap();
        let (seen, classes) = check_merge(redis, scenario, 40_000);
        merged_some |= classes < seen;
    }
    assert!(
        merged_some,
        "nothing was renumbered or merged: the test checks nothing"
    );
}

/// The liveness checker's renumbering of fencing tokens under endless
/// rounds (`src/world/tokens.rs`), on the first `states_max` states of the
/// unreduced search of `model` under `scenario` with endless rounds: the
/// renumbered state's successors, renumbered, are the state's successors,
/// renumbered; renumbering twice changes nothing; and every property reads
/// the same on a state and its renumbered form. Returns how many states it
/// looked at and how many it changed.
fn check_token_renumbering<M: LockModel>(
    model: M,
    scenario: &str,
    states_max: usize,
) -> (usize, usize) {
    let mut scenario = load(scenario);
    scenario.rounds = lockcheck::scenario::Rounds::Endless;
    let world = World::new(
        model,
        WorldConfig::from_scenario(&scenario),
        lockcheck::properties::properties::<M>,
    );
    let tv = world.model.times().expect("the model hands its times over");
    let renumbered = |s: &WorldState<M>| {
        let mut r = s.clone();
        world.renumber_tokens(&tv, &mut r);
        r
    };
    let successors = |s: &WorldState<M>| crate::common::mapped_successors(&world, s, &renumbered);
    let labels = |s: &WorldState<M>| crate::common::labels(&world, s);
    let mut changed = 0;
    let seen = crate::common::breadth_first(world.init_states(), states_max, |s| {
        let r = renumbered(s);
        if r != *s {
            changed += 1;
        }
        assert!(
            renumbered(&r) == r,
            "renumbering is not idempotent on {s:?}"
        );
        assert!(
            labels(&r) == labels(s),
            "renumbering changes a property's reading of {s:?}"
        );
        assert!(
            successors(&r) == successors(s),
            "renumbering does not commute with the steps from {s:?}"
        );
        crate::common::successors(&world, s)
    });
    (seen, changed)
}

/// Fencing tokens from the Redis counter, with the resource fenced
/// correctly and in two steps (which keeps a token in flight between the
/// check and the write), and PostgreSQL transaction ids, under endless
/// rounds; and under server restarts, where Redis without persistence
/// starts its counter again from 0 and nothing may be renumbered while a
/// restart may still come.
#[test]
fn fencing_token_renumbering_commutes_with_steps() {
    let mut changed_some = false;
    for (scenario, states_max) in [
        ("scenarios/endless-contention.json", 60_000),
        ("scenarios/message-loss.json", 40_000),
        ("scenarios/server-restart.json", 40_000),
    ] {
        let params = load(scenario).params;
        for variant in [
            "redis_set_px_fenced",
            "redis_set_px_fenced_check_then_write",
            "redis_set_px_fenced_two_resources",
        ] {
            let redis = RedisSetPx::new(variant, &params).unwrap();
            let (_, changed) = check_token_renumbering(redis, scenario, states_max);
            changed_some |= changed > 0;
        }
        // Transaction ids, which a server saves and restarts with.
        let pg = SqlSessionLock::new("pg_select_for_update", &params).unwrap();
        let (_, changed) = check_token_renumbering(pg, scenario, states_max);
        changed_some |= changed > 0;
    }
    assert!(
        changed_some,
        "no token was renumbered: the test checks nothing"
    );
}
