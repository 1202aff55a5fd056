//! Every reduction of the safety search cross-checked against the full
//! search: for every (model, scenario) cell small enough to search without
//! any reduction, each reduction that applies to the model (symmetry,
//! request-id renumbering, the merge of passed times with nonce
//! renumbering), alone and all together, must give the same verdict on
//! every property, the same shortest counterexample length, no more states,
//! and counterexamples that replay.
//!
//! The unreduced search of a cell is the expensive part, so it runs once
//! per cell and each reduced search is compared with it. The searches'
//! reports say which reductions applied; the reductions' own properties
//! (that they commute with the steps, that symmetry shrinks a 3-client
//! cell at least five-fold) are tested in `tests/suite/symmetry.rs`,
//! `tests/suite/request_ids.rs` and `tests/suite/time_merge.rs`.

use crate::common;

use std::path::Path;

use lockcheck::registry;
use lockcheck::scenario::Scenario;
use lockcheck::world::Reductions;

/// Cells whose full search passes this many unique states are skipped.
const STATES_MAX: u64 = 80_000;

/// Scenarios of more clients are skipped without a search: with a crowd,
/// every model's full search passes `STATES_MAX`, and finding that out
/// was a fifth of this file's time.
const CLIENTS_MAX: u8 = 3;

const NONE: Reductions = Reductions {
    symmetry: false,
    request_ids: false,
    time_merge: false,
};

const ALL: Reductions = Reductions {
    symmetry: true,
    request_ids: true,
    time_merge: true,
};

/// Which reductions a report says its search used.
fn used(report: &lockcheck::check::CheckReport) -> Reductions {
    Reductions {
        symmetry: report.stats.symmetry,
        request_ids: report.stats.request_ids,
        time_merge: report.stats.time_merge,
    }
}

fn label(r: Reductions) -> String {
    let names: Vec<&str> = [
        (r.symmetry, "symmetry"),
        (r.request_ids, "request ids"),
        (r.time_merge, "time merge"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, n)| *n)
    .collect();
    names.join(" + ")
}

/// Cross-checks every small cell of `model`; returns how many cells it
/// compared and which reductions it saw applied.
fn cross_check(model: &str) -> (usize, Reductions) {
    let entry = registry::find(model).expect("registered model");
    let mut compared = 0;
    let mut seen = NONE;
    for (file, scenario) in common::all_scenarios() {
        let name = Scenario::name_of(&file);
        if scenario.clients > CLIENTS_MAX {
            continue;
        }
        let Some(full) = common::check_reduced(&entry, &file, &scenario, NONE, STATES_MAX, None)
        else {
            continue;
        };
        if !full.stats.complete {
            continue;
        }
        let dir = |what: &str| {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("reductions-{model}-{name}-{what}"));
            let _ = std::fs::remove_dir_all(&dir);
            Some(dir)
        };
        let all = common::check_reduced(&entry, &file, &scenario, ALL, STATES_MAX, dir("all"))
            .expect("check runs");
        let applied = used(&all);
        let cell = format!("{model} under {name}");
        common::assert_reduction_agrees(&cell, &label(applied), &entry, &all, &full);
        let singles = [
            (applied.symmetry, "symmetry"),
            (applied.request_ids, "ids"),
            (applied.time_merge, "merge"),
        ];
        let count = singles.iter().filter(|(on, _)| *on).count();
        if count > 1 {
            for (i, (on, what)) in singles.iter().enumerate() {
                if !on {
                    continue;
                }
                let alone = Reductions {
                    symmetry: i == 0,
                    request_ids: i == 1,
                    time_merge: i == 2,
                };
                let reduced =
                    common::check_reduced(&entry, &file, &scenario, alone, STATES_MAX, dir(what))
                        .expect("check runs");
                assert_eq!(label(used(&reduced)), label(alone), "{cell}: {what} alone");
                common::assert_reduction_agrees(&cell, &label(alone), &entry, &reduced, &full);
            }
        }
        seen.symmetry |= applied.symmetry;
        seen.request_ids |= applied.request_ids;
        seen.time_merge |= applied.time_merge;
        compared += 1;
    }
    (compared, seen)
}

macro_rules! cross_checks {
    ($($test:ident: $model:literal;)*) => {
        /// The models the cross-checks cover.
        const CROSS_CHECKED: &[&str] = &[$($model),*];
        $(
            #[test]
            fn $test() {
                let (n, seen) = cross_check($model);
                assert!(n > 0, "no cell of {} was small enough", $model);
                eprintln!("{}: {n} cells cross-checked ({})", $model, label(seen));
            }
        )*
    };
}

cross_checks! {
    redis_set_px: "redis_set_px";
    redis_set_px_fenced: "redis_set_px_fenced";
    redis_set_px_fenced_writes_only: "redis_set_px_fenced_writes_only";
    redis_set_px_fenced_check_then_write: "redis_set_px_fenced_check_then_write";
    redis_set_px_fenced_two_resources: "redis_set_px_fenced_two_resources";
    redisson_lock: "redisson_lock";
    redisson_fenced_lock: "redisson_fenced_lock";
    redis_get_del_release: "redis_get_del_release";
    redis_setnx_expire: "redis_setnx_expire";
    redis_py_lock_no_timeout: "redis_py_lock_no_timeout";
    redis_py_lock_not_thread_local: "redis_py_lock_not_thread_local";
    redis_py_lock: "redis_py_lock";
    redis_py_lock_fenced: "redis_py_lock_fenced";
    redis_setnx_getset: "redis_setnx_getset";
    redis_setnx: "redis_setnx";
    occ_cas: "occ_cas";
    no_lock: "no_lock";
    file_lock_exclusive: "file_lock_exclusive";
    file_lock_check_then_create: "file_lock_check_then_create";
    file_lock_stale_break: "file_lock_stale_break";
    db_lock_expiry_db_clock: "db_lock_expiry_db_clock";
    db_lock_expiry_db_clock_fenced: "db_lock_expiry_db_clock_fenced";
    db_lock_expiry_db_clock_select_then_update: "db_lock_expiry_db_clock_select_then_update";
    db_lock_expiry_db_clock_delete_any: "db_lock_expiry_db_clock_delete_any";
    db_lock_expiry_db_clock_check_then_insert: "db_lock_expiry_db_clock_check_then_insert";
    db_lock_expiry_db_clock_repeatable_read: "db_lock_expiry_db_clock_repeatable_read";
    db_lock_expiry_db_clock_cas_owner: "db_lock_expiry_db_clock_cas_owner";
    db_lock_expiry_client_clock: "db_lock_expiry_client_clock";
    db_lock_unique: "db_lock_unique";
    db_lock_seed: "db_lock_seed";
    mq_lock_visibility_timeout: "mq_lock_visibility_timeout";
    mq_lock_visibility_timeout_fenced: "mq_lock_visibility_timeout_fenced";
    mq_lock_visibility_timeout_delete_send: "mq_lock_visibility_timeout_delete_send";
    mq_lock_visibility_timeout_sqs_delete_send: "mq_lock_visibility_timeout_sqs_delete_send";
    mq_lock_auto_ack: "mq_lock_auto_ack";
    mq_lock_auto_ack_fenced: "mq_lock_auto_ack_fenced";
    mq_lock_message_ttl: "mq_lock_message_ttl";
    redlock: "redlock";
    redlock_no_validity_check: "redlock_no_validity_check";
    redlock_delayed_restart: "redlock_delayed_restart";
    redis_failover: "redis_failover";
    redis_failover_fenced: "redis_failover_fenced";
    zk_lock_sequential: "zk_lock_sequential";
    zk_lock_sequential_fenced: "zk_lock_sequential_fenced";
    zk_lock_sequential_fenced_data_version: "zk_lock_sequential_fenced_data_version";
    zk_lock_sequential_ignore_null_exists: "zk_lock_sequential_ignore_null_exists";
    zk_lock_sequential_no_relist: "zk_lock_sequential_no_relist";
    zk_lock_sequential_no_guid: "zk_lock_sequential_no_guid";
    zk_lock_ephemeral: "zk_lock_ephemeral";
    zk_lock_ephemeral_watch: "zk_lock_ephemeral_watch";
    pg_advisory_lock: "pg_advisory_lock";
    pg_advisory_lock_pooled: "pg_advisory_lock_pooled";
    mysql_get_lock: "mysql_get_lock";
    mysql_get_lock_autoreconnect: "mysql_get_lock_autoreconnect";
    pg_select_for_update: "pg_select_for_update";
    pg_select_for_update_external: "pg_select_for_update_external";
    etcd_mutex_fenced: "etcd_mutex_fenced";
    etcd_mutex: "etcd_mutex";
    etcd_mutex_no_session_check: "etcd_mutex_no_session_check";
    etcd_mutex_unlock_retry: "etcd_mutex_unlock_retry";
    consul_lock_fenced: "consul_lock_fenced";
    consul_lock: "consul_lock";
    dynamodb_lock: "dynamodb_lock";
    dynamodb_lock_fenced: "dynamodb_lock_fenced";
    hazelcast_fenced_lock_fenced: "hazelcast_fenced_lock_fenced";
    hazelcast_fenced_lock: "hazelcast_fenced_lock";
    chubby_lock_sequencer: "chubby_lock_sequencer";
    chubby_lock_delay: "chubby_lock_delay";
}

/// A model missing from the list would have its reductions unchecked.
#[test]
fn every_model_is_cross_checked() {
    let ids: Vec<&str> = registry::all().iter().map(|e| e.id).collect();
    assert_eq!(ids, CROSS_CHECKED, "the list follows `lockcheck list`");
}

/// The reductions a model's searches use are the ones its type declares:
/// a model with request ids renumbers them, one that keeps times merges
/// them, and a reduction that does not apply is reported as not used.
#[test]
fn reports_say_which_reductions_applied() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/no-faults-1tick.json");
    let scenario = Scenario::load(&file).unwrap();
    for (model, expected) in [
        ("redis_set_px", ALL),
        (
            "redlock",
            Reductions {
                request_ids: false,
                ..ALL
            },
        ),
        // It keeps no state, and so no times: the merge applies, trivially.
        (
            "occ_cas",
            Reductions {
                request_ids: false,
                ..ALL
            },
        ),
    ] {
        let entry = registry::find(model).unwrap();
        let report = common::check_reduced(&entry, &file, &scenario, ALL, 10_000, None).unwrap();
        let u = used(&report);
        assert_eq!(
            (u.symmetry, u.request_ids, u.time_merge),
            (expected.symmetry, expected.request_ids, expected.time_merge),
            "{model}"
        );
    }
}
