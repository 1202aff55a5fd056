//! The SQL session locks' verdicts, pinned: for every (model, scenario) pair
//! the verdict of each property, the length of the shortest counterexample (or
//! of the shortest example, for `lock_acquired`) and the number of unique
//! states as a tripwire. `models/sql_session_lock.rs` explains each verdict;
//! the notation is described in `tests/common/mod.rs`. Every pinned
//! counterexample's trace is replayed.

mod common;

// As in the binary: the search allocates a state per transition.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pins! {
    pg_no_faults: "pg_advisory_lock", "no-faults", 435, "holds holds holds:2 holds";
    pg_holder_crash: "pg_advisory_lock", "holder-crash", 3177, "holds violated:12 holds:2 holds holds holds";
    pg_gc_pause: "pg_advisory_lock", "gc-pause", 7180, "holds holds holds:2 holds";
    pg_message_loss: "pg_advisory_lock", "message-loss", 27907, "holds holds holds:2 holds";
    pg_partition: "pg_advisory_lock", "partition", 13391, "holds holds holds:2 holds";
    pg_server_restart: "pg_advisory_lock", "server-restart", 37164, "violated:7 violated:13 holds:2 holds";
    pg_async_network: "pg_advisory_lock", "async-network", 7199, "holds holds holds:2 violated:14";
    pg_endless_contention: "pg_advisory_lock", "endless-contention", 2799, "holds holds holds:4 holds holds holds";

    // Through PgBouncer in transaction pooling: the second client's lock call
    // lands on the backend that holds the lock and is granted re-entrantly.
    pooled_no_faults: "pg_advisory_lock_pooled", "no-faults", 1848, "violated:4 violated:10 holds:2 holds";
    pooled_holder_crash: "pg_advisory_lock_pooled", "holder-crash", 9898, "violated:4 violated:10 holds:2 holds holds holds";
    pooled_partition: "pg_advisory_lock_pooled", "partition", 78149, "violated:4 violated:10 holds:2 holds";

    mysql_no_faults: "mysql_get_lock", "no-faults", 435, "holds holds holds:2 holds";
    mysql_message_loss: "mysql_get_lock", "message-loss", 27907, "holds holds holds:2 holds";
    mysql_server_restart: "mysql_get_lock", "server-restart", 37164, "violated:7 violated:13 holds:2 holds";

    autoreconnect_no_faults: "mysql_get_lock_autoreconnect", "no-faults", 435, "holds holds holds:2 holds";
    autoreconnect_message_loss: "mysql_get_lock_autoreconnect", "message-loss", 27907, "holds holds holds:2 holds";
    autoreconnect_server_restart: "mysql_get_lock_autoreconnect", "server-restart", 12853, "violated:7 violated:13 holds:2 holds";
}
