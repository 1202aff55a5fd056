//! The ZooKeeper family's verdicts, pinned: for every (model, scenario) pair
//! the verdict of each property, the length of the shortest counterexample (or
//! of the shortest example, for `lock_acquired`) and the number of unique
//! states as a tripwire. `models/zk_lock.rs` explains each verdict, and why
//! gc-pause, message-loss, partition and crowd-atomic (and
//! async-network for the recipe) are too large to pin (long-pause and
//! client-partition are cut-down versions of two of them); the notation is
//! described in `tests/suite/common.rs`.

pins! {
    ephemeral_no_faults: "zk_lock_ephemeral", "no-faults", 9296, "holds holds holds:2 holds holds holds";
    ephemeral_holder_crash: "zk_lock_ephemeral", "holder-crash", 39959, "holds holds holds:2 holds holds holds";
    ephemeral_clock_jump: "zk_lock_ephemeral", "clock-jump", 18620, "holds holds holds:2 holds holds holds";
    ephemeral_clock_drift: "zk_lock_ephemeral", "clock-drift", 62852, "holds holds holds:2 holds holds holds";
    ephemeral_server_restart: "zk_lock_ephemeral", "server-restart", 451362, "holds holds holds:2 violated:115";
    ephemeral_long_pause: "zk_lock_ephemeral", "long-pause", 276318, "violated:32 violated:32 holds:2 violated:53";
    ephemeral_client_partition: "zk_lock_ephemeral", "client-partition", 397522, "holds holds holds:2 violated:73 violated:34+29 violated:34+29";
    ephemeral_async_network: "zk_lock_ephemeral", "async-network", 523903, "violated:13 violated:19 holds:2 violated:14";

    // Woken by a watch on `/my_lock` instead of a sleep: safe where the
    // snippet is, and stuck behind its own node where the snippet is, with
    // no sleep between tries.
    ephemeral_watch_no_faults: "zk_lock_ephemeral_watch", "no-faults", 7236, "holds holds holds:2 holds holds holds";
    ephemeral_watch_holder_crash: "zk_lock_ephemeral_watch", "holder-crash", 32198, "holds holds holds:2 holds holds holds";
    ephemeral_watch_clock_jump: "zk_lock_ephemeral_watch", "clock-jump", 14492, "holds holds holds:2 holds holds holds";
    ephemeral_watch_clock_drift: "zk_lock_ephemeral_watch", "clock-drift", 48366, "holds holds holds:2 holds holds holds";
    ephemeral_watch_server_restart: "zk_lock_ephemeral_watch", "server-restart", 390184, "holds holds holds:2 violated:96";
    ephemeral_watch_long_pause: "zk_lock_ephemeral_watch", "long-pause", 334051, "violated:28 violated:32 holds:2 violated:54";
    ephemeral_watch_client_partition: "zk_lock_ephemeral_watch", "client-partition", 369793, "holds holds holds:2 violated:67 violated:38+4 violated:38+4";
    ephemeral_watch_partition: "zk_lock_ephemeral_watch", "partition", 1028064, "holds holds holds:2 violated:87";
    ephemeral_watch_async_network: "zk_lock_ephemeral_watch", "async-network", 567063, "violated:13 violated:19 holds:2 violated:14";

    sequential_no_faults: "zk_lock_sequential", "no-faults", 16656, "holds holds holds:4 holds holds holds";
    sequential_holder_crash: "zk_lock_sequential", "holder-crash", 62699, "holds holds holds:4 holds holds holds";
    sequential_clock_jump: "zk_lock_sequential", "clock-jump", 33340, "holds holds holds:4 holds holds holds";
    sequential_clock_drift: "zk_lock_sequential", "clock-drift", 112557, "holds holds holds:4 holds holds holds";
    sequential_server_restart: "zk_lock_sequential", "server-restart", 610281, "holds holds holds:4 holds";
    sequential_long_pause: "zk_lock_sequential", "long-pause", 426641, "violated:32 violated:38 holds:4 violated:55";
    sequential_client_partition: "zk_lock_sequential", "client-partition", 715733, "holds holds holds:4 violated:89";

    // Fenced by the node's czxid: both clients can still believe they hold the
    // lock, but the resource rejects the stalled holder's write.
    sequential_fenced_no_faults: "zk_lock_sequential_fenced", "no-faults", 17895, "holds holds holds:4 holds holds holds";
    sequential_fenced_holder_crash: "zk_lock_sequential_fenced", "holder-crash", 69433, "holds holds holds:4 holds holds holds";
    sequential_fenced_clock_jump: "zk_lock_sequential_fenced", "clock-jump", 35834, "holds holds holds:4 holds holds holds";
    sequential_fenced_clock_drift: "zk_lock_sequential_fenced", "clock-drift", 121003, "holds holds holds:4 holds holds holds";
    sequential_fenced_server_restart: "zk_lock_sequential_fenced", "server-restart", 666526, "holds holds holds:4 holds";
    sequential_fenced_long_pause: "zk_lock_sequential_fenced", "long-pause", 529607, "violated:32 holds holds:4 violated:55";
    sequential_fenced_client_partition: "zk_lock_sequential_fenced", "client-partition", 807268, "holds holds holds:4 violated:89";
    sequential_fenced_endless_contention: "zk_lock_sequential_fenced", "endless-contention", 963455, "holds holds holds:9 holds holds holds";

    // Fenced by the node's dataVersion, 0 for every holder: the resource
    // refuses nothing, and the stalled holder's write lands as in the
    // unfenced recipe.
    sequential_data_version_no_faults: "zk_lock_sequential_fenced_data_version", "no-faults", 16656, "holds holds holds:4 holds holds holds";
    sequential_data_version_holder_crash: "zk_lock_sequential_fenced_data_version", "holder-crash", 62699, "holds holds holds:4 holds holds holds";
    sequential_data_version_long_pause: "zk_lock_sequential_fenced_data_version", "long-pause", 383683, "violated:32 violated:38 holds:4 violated:55";

    // `exists` finding the predecessor gone, taken as a watch set: the
    // waiter waits for a creation that never comes, with no fault at all.
    ignore_null_exists_no_faults: "zk_lock_sequential_ignore_null_exists", "no-faults", 12937, "holds holds holds:4 violated:61 violated:35+4 violated:35+4";
    ignore_null_exists_holder_crash: "zk_lock_sequential_ignore_null_exists", "holder-crash", 46326, "holds holds holds:4 violated:73 violated:39+4 violated:39+4";
    ignore_null_exists_clock_jump: "zk_lock_sequential_ignore_null_exists", "clock-jump", 25942, "holds holds holds:4 violated:77 violated:39+4 violated:39+4";
    ignore_null_exists_clock_drift: "zk_lock_sequential_ignore_null_exists", "clock-drift", 88337, "holds holds holds:4 violated:61 violated:25+16 violated:25+16";
    ignore_null_exists_long_pause: "zk_lock_sequential_ignore_null_exists", "long-pause", 350579, "violated:32 violated:38 holds:4 violated:53";

    // The predecessor's deletion taken as the lock: safe while the node
    // ahead is the holder's, broken when it is a waiter's that left
    // (partition, crowd-atomic; found there by simulation or at the state
    // limit). Shorter than the recipe under a pause: no second listing.
    no_relist_no_faults: "zk_lock_sequential_no_relist", "no-faults", 13962, "holds holds holds:4 holds holds holds";
    no_relist_holder_crash: "zk_lock_sequential_no_relist", "holder-crash", 51894, "holds holds holds:4 holds holds holds";
    no_relist_long_pause: "zk_lock_sequential_no_relist", "long-pause", 413515, "violated:30 violated:36 holds:4 violated:55";
}
