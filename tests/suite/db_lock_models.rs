//! The db_lock family's verdicts, pinned: for every (model, scenario) pair the
//! verdict of each property, the length of the shortest counterexample (or of
//! the shortest example, for `lock_acquired`) and the number of unique states
//! as a tripwire. `models/db_lock_seed.rs`, `models/db_lock_unique.rs` and
//! `models/db_lock_expiry.rs` explain each verdict; the notation is described
//! in `tests/suite/common.rs`. Cells whose liveness graph has millions of
//! states run with `--ignored` (see `pins_long!`).

pins! {
    seed_no_faults: "db_lock_seed", "no-faults", 2748, "violated:8 violated:14 holds:4 holds holds holds";
    seed_holder_crash: "db_lock_seed", "holder-crash", 7585, "violated:8 violated:14 holds:4 holds holds holds";
    seed_gc_pause: "db_lock_seed", "gc-pause", 33273, "violated:8 violated:14 holds:4 violated:60 violated:43+6 violated:43+6";
    seed_clock_jump: "db_lock_seed", "clock-jump", 5560, "violated:8 violated:14 holds:4 holds holds holds";
    seed_clock_drift: "db_lock_seed", "clock-drift", 16488, "violated:8 violated:14 holds:4 holds";
    seed_message_loss: "db_lock_seed", "message-loss", 1747353, "violated:8 violated:14 holds:4 violated:71 violated:34+1 violated:34+1";
    seed_partition: "db_lock_seed", "partition", 47802, "violated:8 violated:14 holds:4 violated:46 violated:21+1 violated:21+1";
    seed_server_restart: "db_lock_seed", "server-restart", 21094, "violated:8 violated:14 holds:4 violated:78 violated:19+9 violated:19+9";
    seed_async_network: "db_lock_seed", "async-network", 6120, "violated:8 violated:14 holds:4 violated:14";
    seed_crowd_atomic: "db_lock_seed", "crowd-atomic", 191366, "violated:4 violated:8 holds:2 violated:93 violated:57+4 violated:57+4";
    seed_client_clock_skew: "db_lock_seed", "client-clock-skew", 68500, "violated:8 violated:14 holds:4 holds holds holds";
    seed_duplicates: "db_lock_seed", "duplicates", 42759, "violated:8 violated:14 holds:4 violated:47 violated:24+1 violated:24+1";
    seed_endless_contention: "db_lock_seed", "endless-contention", 1420937, "violated:12 violated:21 holds:9 holds holds holds";

    unique_no_faults: "db_lock_unique", "no-faults", 885, "holds holds holds:2 holds holds holds";
    unique_holder_crash: "db_lock_unique", "holder-crash", 2899, "holds holds holds:2 violated:54 violated:24+7 violated:24+7";
    unique_gc_pause: "db_lock_unique", "gc-pause", 16835, "holds holds holds:2 holds holds holds";
    unique_clock_jump: "db_lock_unique", "clock-jump", 1786, "holds holds holds:2 holds holds holds";
    unique_clock_drift: "db_lock_unique", "clock-drift", 5310, "holds holds holds:2 holds holds holds";
    unique_message_loss: "db_lock_unique", "message-loss", 71489, "holds holds holds:2 violated:97 violated:22+27 violated:22+27";
    unique_partition: "db_lock_unique", "partition", 18642, "holds holds holds:2 violated:68 violated:22+10 violated:22+10";
    unique_server_restart: "db_lock_unique", "server-restart", 6392, "holds holds holds:2 holds holds holds";
    unique_async_network: "db_lock_unique", "async-network", 22741, "holds holds holds:2 violated:14 holds holds";
    unique_crowd_atomic: "db_lock_unique", "crowd-atomic", 21693, "holds holds holds:1 holds holds holds";
    unique_client_clock_skew: "db_lock_unique", "client-clock-skew", 22105, "holds holds holds:2 holds holds holds";
    unique_duplicates: "db_lock_unique", "duplicates", 13703, "holds holds holds:2 violated:66 violated:24+10 violated:24+10";
    unique_endless_contention: "db_lock_unique", "endless-contention", 47548, "holds holds holds:4 violated:78 holds violated:20+46";

    client_clock_no_faults: "db_lock_expiry_client_clock", "no-faults", 1987, "holds holds holds:2 holds holds holds";
    client_clock_holder_crash: "db_lock_expiry_client_clock", "holder-crash", 7004, "holds holds holds:2 holds holds holds";
    client_clock_gc_pause: "db_lock_expiry_client_clock", "gc-pause", 55740, "violated:27 violated:33 holds:2 holds holds holds";
    client_clock_clock_jump: "db_lock_expiry_client_clock", "clock-jump", 3990, "holds holds holds:2 holds holds holds";
    client_clock_clock_drift: "db_lock_expiry_client_clock", "clock-drift", 12108, "holds holds holds:2 holds";
    client_clock_message_loss: "db_lock_expiry_client_clock", "message-loss", 310368, "violated:33 holds holds:2 violated:112 holds holds";
    client_clock_partition: "db_lock_expiry_client_clock", "partition", 73010, "violated:22 violated:28 holds:2 holds holds holds";
    client_clock_server_restart: "db_lock_expiry_client_clock", "server-restart", 23632, "violated:22 violated:28 holds:2 holds holds holds";
    client_clock_async_network: "db_lock_expiry_client_clock", "async-network", 56630, "violated:13 violated:19 holds:2 violated:14";
    client_clock_crowd_atomic: "db_lock_expiry_client_clock", "crowd-atomic", 46184, "violated:38 violated:43 holds:1 holds holds holds";
    client_clock_client_clock_skew: "db_lock_expiry_client_clock", "client-clock-skew", 50465, "violated:18 violated:22 holds:2 holds holds holds";
    client_clock_duplicates: "db_lock_expiry_client_clock", "duplicates", 30763, "holds holds holds:2 violated:82 holds holds";
    client_clock_endless_contention: "db_lock_expiry_client_clock", "endless-contention", 276089, "holds holds holds:4 violated:78 holds violated:19+42";

    db_clock_no_faults: "db_lock_expiry_db_clock", "no-faults", 1905, "holds holds holds:2 holds holds holds";
    db_clock_holder_crash: "db_lock_expiry_db_clock", "holder-crash", 6956, "holds holds holds:2 holds holds holds";
    db_clock_gc_pause: "db_lock_expiry_db_clock", "gc-pause", 51514, "violated:22 violated:28 holds:2 holds holds holds";
    db_clock_clock_jump: "db_lock_expiry_db_clock", "clock-jump", 12587, "violated:7 violated:13 holds:2 holds holds holds";
    db_clock_clock_drift: "db_lock_expiry_db_clock", "clock-drift", 10832, "violated:19 holds holds:2 holds holds holds";
    db_clock_message_loss: "db_lock_expiry_db_clock", "message-loss", 252506, "holds holds holds:2 violated:112 holds holds";
    db_clock_partition: "db_lock_expiry_db_clock", "partition", 48918, "holds holds holds:2 holds holds holds";
    db_clock_server_restart: "db_lock_expiry_db_clock", "server-restart", 15687, "holds holds holds:2 holds holds holds";
    db_clock_async_network: "db_lock_expiry_db_clock", "async-network", 57208, "violated:13 violated:19 holds:2 violated:14 holds holds";
    db_clock_crowd_atomic: "db_lock_expiry_db_clock", "crowd-atomic", 46184, "violated:38 violated:43 holds:1 holds holds holds";
    db_clock_client_clock_skew: "db_lock_expiry_db_clock", "client-clock-skew", 47605, "holds holds holds:2 holds holds holds";
    db_clock_duplicates: "db_lock_expiry_db_clock", "duplicates", 32154, "holds holds holds:2 violated:82 holds holds";
    db_clock_endless_contention: "db_lock_expiry_db_clock", "endless-contention", 164396, "holds holds holds:4 violated:78 holds violated:19+42";

    // Fenced: clients can still both believe they hold the lock, yet the
    // resource rejects the older token (resource_safe holds).
    db_clock_fenced_no_faults: "db_lock_expiry_db_clock_fenced", "no-faults", 3545, "holds holds holds:2 holds holds holds";
    db_clock_fenced_holder_crash: "db_lock_expiry_db_clock_fenced", "holder-crash", 16572, "holds holds holds:2 holds holds holds";
    db_clock_fenced_gc_pause: "db_lock_expiry_db_clock_fenced", "gc-pause", 127426, "violated:22 holds holds:2 holds holds holds";
    db_clock_fenced_clock_jump: "db_lock_expiry_db_clock_fenced", "clock-jump", 17215, "violated:7 holds holds:2 holds holds holds";
    db_clock_fenced_clock_drift: "db_lock_expiry_db_clock_fenced", "clock-drift", 20720, "violated:19 holds holds:2 holds holds holds";
    db_clock_fenced_message_loss: "db_lock_expiry_db_clock_fenced", "message-loss", 4031753, "holds holds holds:2 violated:112 holds holds";
    db_clock_fenced_partition: "db_lock_expiry_db_clock_fenced", "partition", 242513, "holds holds holds:2 holds holds holds";
    db_clock_fenced_server_restart: "db_lock_expiry_db_clock_fenced", "server-restart", 39916, "holds holds holds:2 holds holds holds";
    db_clock_fenced_async_network: "db_lock_expiry_db_clock_fenced", "async-network", 525441, "violated:13 holds holds:2 violated:14 holds holds";
    db_clock_fenced_crowd_atomic: "db_lock_expiry_db_clock_fenced", "crowd-atomic", 108997, "violated:38 holds holds:1 holds holds holds";
    db_clock_fenced_client_clock_skew: "db_lock_expiry_db_clock_fenced", "client-clock-skew", 88605, "holds holds holds:2 holds holds holds";
    db_clock_fenced_duplicates: "db_lock_expiry_db_clock_fenced", "duplicates", 157380, "holds holds holds:2 violated:82 holds holds";
    db_clock_fenced_endless_contention: "db_lock_expiry_db_clock_fenced", "endless-contention", 504045, "holds holds holds:4 violated:78 holds violated:32+644";

    // An expired row taken over by SELECT, then an UPDATE without the
    // expiry condition: two waiters that both saw it expired both take it.
    db_clock_select_update_no_faults: "db_lock_expiry_db_clock_select_then_update", "no-faults", 1844, "holds holds holds:2 holds holds holds";
    db_clock_select_update_holder_crash: "db_lock_expiry_db_clock_select_then_update", "holder-crash", 7083, "holds holds holds:2 holds holds holds";
    db_clock_select_update_gc_pause: "db_lock_expiry_db_clock_select_then_update", "gc-pause", 49011, "violated:24 violated:30 holds:2 holds holds holds";
    db_clock_select_update_clock_jump: "db_lock_expiry_db_clock_select_then_update", "clock-jump", 13007, "violated:9 violated:15 holds:2 holds holds holds";
    db_clock_select_update_clock_drift: "db_lock_expiry_db_clock_select_then_update", "clock-drift", 10850, "violated:21 holds holds:2 holds holds holds";
    db_clock_select_update_message_loss: "db_lock_expiry_db_clock_select_then_update", "message-loss", 659545, "violated:32 violated:38 holds:2 violated:114 holds holds";
    db_clock_select_update_partition: "db_lock_expiry_db_clock_select_then_update", "partition", 76488, "violated:28 violated:34 holds:2 holds holds holds";
    db_clock_select_update_server_restart: "db_lock_expiry_db_clock_select_then_update", "server-restart", 16098, "holds holds holds:2 holds holds holds";
    db_clock_select_update_async_network: "db_lock_expiry_db_clock_select_then_update", "async-network", 72792, "violated:15 violated:21 holds:2 violated:14 holds holds";
    db_clock_select_update_duplicates: "db_lock_expiry_db_clock_select_then_update", "duplicates", 62536, "violated:39 violated:45 holds:2 violated:84 holds holds";
    db_clock_select_update_client_clock_skew: "db_lock_expiry_db_clock_select_then_update", "client-clock-skew", 46080, "holds holds holds:2 holds holds holds";
    db_clock_select_update_long_work: "db_lock_expiry_db_clock_select_then_update", "long-work", 4937, "violated:24 violated:43 holds:2 holds holds holds";
    db_clock_select_update_endless_contention: "db_lock_expiry_db_clock_select_then_update", "endless-contention", 166271, "holds holds holds:4 violated:78 holds violated:19+42";

    // The same two statements in one PostgreSQL REPEATABLE READ
    // transaction: the second updater's transaction fails, so the takeover
    // is as safe as the one conditional UPDATE (message loss, partition,
    // duplicates), and a lease still ends under a pause.
    db_clock_repeatable_read_no_faults: "db_lock_expiry_db_clock_repeatable_read", "no-faults", 1844, "holds holds holds:2 holds holds holds";
    db_clock_repeatable_read_gc_pause: "db_lock_expiry_db_clock_repeatable_read", "gc-pause", 54174, "violated:24 violated:30 holds:2 holds holds holds";
    db_clock_repeatable_read_message_loss: "db_lock_expiry_db_clock_repeatable_read", "message-loss", 401424, "holds holds holds:2 violated:114 holds holds";
    db_clock_repeatable_read_partition: "db_lock_expiry_db_clock_repeatable_read", "partition", 69012, "holds holds holds:2 holds holds holds";
    db_clock_repeatable_read_duplicates: "db_lock_expiry_db_clock_repeatable_read", "duplicates", 47911, "holds holds holds:2 violated:84 holds holds";
    db_clock_repeatable_read_endless_contention: "db_lock_expiry_db_clock_repeatable_read", "endless-contention", 166271, "holds holds holds:4 violated:78 holds violated:22+42";

    // Released by DELETE without the owner condition: a release sent again
    // after its answer was lost deletes the next holder's row.
    db_clock_delete_any_no_faults: "db_lock_expiry_db_clock_delete_any", "no-faults", 1905, "holds holds holds:2 holds holds holds";
    db_clock_delete_any_holder_crash: "db_lock_expiry_db_clock_delete_any", "holder-crash", 6956, "holds holds holds:2 holds holds holds";
    db_clock_delete_any_gc_pause: "db_lock_expiry_db_clock_delete_any", "gc-pause", 48848, "violated:22 violated:28 holds:2 holds holds holds";
    db_clock_delete_any_clock_jump: "db_lock_expiry_db_clock_delete_any", "clock-jump", 10525, "violated:7 violated:13 holds:2 holds holds holds";
    db_clock_delete_any_clock_drift: "db_lock_expiry_db_clock_delete_any", "clock-drift", 10944, "violated:19 holds holds:2 holds holds holds";
    db_clock_delete_any_message_loss: "db_lock_expiry_db_clock_delete_any", "message-loss", 323277, "violated:18 violated:24 holds:2 violated:112 holds holds";
    db_clock_delete_any_partition: "db_lock_expiry_db_clock_delete_any", "partition", 45120, "holds holds holds:2 holds holds holds";
    db_clock_delete_any_server_restart: "db_lock_expiry_db_clock_delete_any", "server-restart", 15687, "holds holds holds:2 holds holds holds";
    db_clock_delete_any_async_network: "db_lock_expiry_db_clock_delete_any", "async-network", 57192, "violated:13 violated:19 holds:2 violated:14 holds holds";
    db_clock_delete_any_crowd_atomic: "db_lock_expiry_db_clock_delete_any", "crowd-atomic", 48720, "violated:38 violated:43 holds:1 holds holds holds";
    db_clock_delete_any_duplicates: "db_lock_expiry_db_clock_delete_any", "duplicates", 32793, "holds holds holds:2 violated:82 holds holds";
    db_clock_delete_any_client_clock_skew: "db_lock_expiry_db_clock_delete_any", "client-clock-skew", 47605, "holds holds holds:2 holds holds holds";
    db_clock_delete_any_long_work: "db_lock_expiry_db_clock_delete_any", "long-work", 4049, "violated:22 violated:41 holds:2 holds holds holds";
    db_clock_delete_any_endless_contention: "db_lock_expiry_db_clock_delete_any", "endless-contention", 164396, "holds holds holds:4 violated:78 holds violated:19+42";

    // No key on the lock's name: the check for a live claim and the insert
    // are two statements, and two clients that both found none both insert.
    db_clock_check_insert_no_faults: "db_lock_expiry_db_clock_check_then_insert", "no-faults", 9762, "violated:8 violated:14 holds:4 holds holds holds";
    db_clock_check_insert_holder_crash: "db_lock_expiry_db_clock_check_then_insert", "holder-crash", 29113, "violated:8 violated:14 holds:4 holds holds holds";
    db_clock_check_insert_gc_pause: "db_lock_expiry_db_clock_check_then_insert", "gc-pause", 131011, "violated:8 violated:14 holds:4 holds holds holds";
    db_clock_check_insert_clock_jump: "db_lock_expiry_db_clock_check_then_insert", "clock-jump", 37288, "violated:8 violated:14 holds:4 holds holds holds";
    db_clock_check_insert_clock_drift: "db_lock_expiry_db_clock_check_then_insert", "clock-drift", 49884, "violated:8 violated:14 holds:4 holds holds holds";
    db_clock_check_insert_message_loss: "db_lock_expiry_db_clock_check_then_insert", "message-loss", 1447552, "violated:8 violated:14 holds:4 holds holds holds";
    db_clock_check_insert_partition: "db_lock_expiry_db_clock_check_then_insert", "partition", 481044, "violated:8 violated:14 holds:4 holds holds holds";
    db_clock_check_insert_server_restart: "db_lock_expiry_db_clock_check_then_insert", "server-restart", 97695, "violated:8 violated:14 holds:4 holds holds holds";
    db_clock_check_insert_async_network: "db_lock_expiry_db_clock_check_then_insert", "async-network", 18795, "violated:8 violated:14 holds:4 violated:14 holds holds";
    db_clock_check_insert_crowd_atomic: "db_lock_expiry_db_clock_check_then_insert", "crowd-atomic", 366811, "violated:4 violated:8 holds:2 holds holds holds";
    db_clock_check_insert_client_clock_skew: "db_lock_expiry_db_clock_check_then_insert", "client-clock-skew", 243850, "violated:8 violated:14 holds:4 holds holds holds";
    db_clock_check_insert_duplicates: "db_lock_expiry_db_clock_check_then_insert", "duplicates", 138573, "violated:8 violated:14 holds:4 holds holds holds";
    db_clock_check_insert_long_work: "db_lock_expiry_db_clock_check_then_insert", "long-work", 8310, "violated:8 violated:26 holds:4 holds holds holds";
    db_clock_check_insert_endless_contention: "db_lock_expiry_db_clock_check_then_insert", "endless-contention", 678791, "violated:12 violated:21 holds:9 holds holds violated:31+26";

    // A compare-and-set on the owner seen: two waiters both see the row
    // expired under one owner; the first takes it over, and if the owner it
    // writes is the one the second expects, the second's update matches too.
    db_clock_cas_owner_no_faults: "db_lock_expiry_db_clock_cas_owner", "no-faults", 1844, "holds holds holds:2 holds holds holds";
    db_clock_cas_owner_holder_crash: "db_lock_expiry_db_clock_cas_owner", "holder-crash", 7083, "holds holds holds:2 holds holds holds";
    db_clock_cas_owner_gc_pause: "db_lock_expiry_db_clock_cas_owner", "gc-pause", 49011, "violated:24 violated:30 holds:2 holds holds holds";
    db_clock_cas_owner_clock_jump: "db_lock_expiry_db_clock_cas_owner", "clock-jump", 13007, "violated:9 violated:15 holds:2 holds holds holds";
    db_clock_cas_owner_clock_drift: "db_lock_expiry_db_clock_cas_owner", "clock-drift", 10850, "violated:21 holds holds:2 holds holds holds";
    db_clock_cas_owner_message_loss: "db_lock_expiry_db_clock_cas_owner", "message-loss", 685419, "violated:32 violated:38 holds:2 violated:114 holds holds";
    db_clock_cas_owner_partition: "db_lock_expiry_db_clock_cas_owner", "partition", 79134, "violated:28 violated:34 holds:2 holds holds holds";
    db_clock_cas_owner_server_restart: "db_lock_expiry_db_clock_cas_owner", "server-restart", 16098, "holds holds holds:2 holds holds holds";
    db_clock_cas_owner_async_network: "db_lock_expiry_db_clock_cas_owner", "async-network", 72792, "violated:15 violated:21 holds:2 violated:14 holds holds";
    db_clock_cas_owner_client_clock_skew: "db_lock_expiry_db_clock_cas_owner", "client-clock-skew", 46080, "holds holds holds:2 holds holds holds";
    db_clock_cas_owner_duplicates: "db_lock_expiry_db_clock_cas_owner", "duplicates", 66242, "violated:39 violated:45 holds:2 violated:84 holds holds";
    db_clock_cas_owner_long_work: "db_lock_expiry_db_clock_cas_owner", "long-work", 4937, "violated:24 violated:43 holds:2 holds holds holds";
    db_clock_cas_owner_endless_contention: "db_lock_expiry_db_clock_cas_owner", "endless-contention", 166271, "holds holds holds:4 violated:78 holds violated:19+42";
    // Safety only: their liveness graphs run to millions of states (below).
    db_clock_select_update_crowd_atomic_safety: "db_lock_expiry_db_clock_select_then_update", "crowd-atomic", 69994, "violated:39 violated:44 holds:1 holds";
    db_clock_cas_owner_crowd_atomic_safety: "db_lock_expiry_db_clock_cas_owner", "crowd-atomic", 51867, "violated:39 violated:44 holds:1 holds";
}

pins_long! {
    db_clock_select_update_crowd_atomic: "db_lock_expiry_db_clock_select_then_update", "crowd-atomic", 69994, "violated:39 violated:44 holds:1 holds holds holds";
    db_clock_cas_owner_crowd_atomic: "db_lock_expiry_db_clock_cas_owner", "crowd-atomic", 51867, "violated:39 violated:44 holds:1 holds holds holds";
}

/// The request/reply helper every single-request client uses: a reply counts
/// only if it answers the outstanding request. Matching by connection took a
/// second copy of an earlier answer for the answer to a later request on the
/// same connection (under `duplicates`, a `db_lock_unique` client stuck in its
/// release after taking its `INSERT`'s repeated `IntegrityError` for the
/// `DELETE`'s result).
#[test]
fn a_stale_or_repeated_reply_is_ignored() {
    use lockcheck::models::db_lock::{Msg, Timer};
    use lockcheck::models::db_lock_unique::DbLockUnique;
    use lockcheck::models::db_server::Stmt;
    use lockcheck::models::redis::Value;
    use lockcheck::node::{NodeId, Out, RequestId, RequestTimeout, Requests, ResendId};

    let stmt = Stmt::Delete {
        owner: Value::Num(lockcheck::node::FenceToken::from_number(1)),
    };
    for resend in [ResendId::New, ResendId::Same] {
        let timeout = RequestTimeout {
            timer: Timer::Timeout,
            after_ticks: Some(3),
            resend,
        };
        let mut out = Out::<DbLockUnique>::default();
        let mut requests = Requests::new();
        // The ids of the requests sent, in order.
        let ids = std::cell::RefCell::new(Vec::new());
        let msg = |id: RequestId, stmt: Stmt| {
            ids.borrow_mut().push(id);
            Msg::Req { id, stmt }
        };
        let sent = |i: usize| ids.borrow()[i];
        requests.send(&mut out, NodeId(0), stmt.clone(), &timeout, &msg);
        assert!(requests.answer(&mut out, &timeout, sent(0)).is_some());
        // A second copy of the same answer, now that nothing is outstanding.
        assert!(requests.answer(&mut out, &timeout, sent(0)).is_none());
        // A next request: the first one's answer does not answer it.
        requests.send(&mut out, NodeId(0), stmt.clone(), &timeout, &msg);
        assert_ne!(sent(1), sent(0));
        assert!(!requests.answers(sent(0)));
        // Sent again after a timeout: under a new id, only the new sending's
        // answer counts; under the same id, either does.
        assert!(requests.resend(&mut out, NodeId(0), &timeout, &msg));
        match resend {
            ResendId::New => {
                assert!(sent(2) != sent(1) && sent(2) != sent(0));
                assert!(!requests.answers(sent(1)));
            }
            ResendId::Same => assert_eq!(sent(2), sent(1)),
        }
        assert_eq!(
            requests.answer(&mut out, &timeout, sent(2)),
            Some(stmt.clone())
        );
        assert!(requests.outstanding().is_none());
        assert!(!requests.resend(&mut out, NodeId(0), &timeout, &msg));
    }
}
