//! The ZooKeeper family's verdicts, pinned: for every (model, scenario) pair
//! the verdict of each property, the length of the shortest counterexample (or
//! of the shortest example, for `lock_acquired`) and the number of unique
//! states as a tripwire. `models/zk_lock_ephemeral.rs` and
//! `models/zk_lock_sequential.rs` explain each verdict, and why
//! gc-pause, message-loss, partition and crowd-atomic (and
//! async-network for the recipe) are too large to pin (long-pause and
//! client-partition are cut-down versions of two of them); the notation is
//! described in `tests/suite/common.rs`.

pins! {
    ephemeral_no_faults: "zk_lock_ephemeral", "no-faults", 10638, "holds holds holds:3 holds holds holds";
    ephemeral_holder_crash: "zk_lock_ephemeral", "holder-crash", 42991, "holds holds holds:3 holds holds holds";
    ephemeral_clock_jump: "zk_lock_ephemeral", "clock-jump", 21304, "holds holds holds:3 holds holds holds";
    ephemeral_clock_drift: "zk_lock_ephemeral", "clock-drift", 70706, "holds holds holds:3 holds holds holds";
    ephemeral_server_restart: "zk_lock_ephemeral", "server-restart", 568267, "holds holds holds:3 violated:117";
    ephemeral_long_pause: "zk_lock_ephemeral", "long-pause", 428971, "violated:34 violated:35 holds:3 violated:56";
    ephemeral_client_partition: "zk_lock_ephemeral", "client-partition", 465876, "holds holds holds:3 violated:75 violated:34+29 violated:34+29";
    ephemeral_async_network: "zk_lock_ephemeral", "async-network", 2502446, "violated:15 violated:21 holds:3 violated:14";

    // Woken by a watch on `/my_lock` instead of a sleep: safe where the
    // snippet is, and stuck behind its own node where the snippet is, with
    // no sleep between tries.
    ephemeral_watch_no_faults: "zk_lock_ephemeral_watch", "no-faults", 8516, "holds holds holds:3 holds holds holds";
    ephemeral_watch_holder_crash: "zk_lock_ephemeral_watch", "holder-crash", 35308, "holds holds holds:3 holds holds holds";
    ephemeral_watch_clock_jump: "zk_lock_ephemeral_watch", "clock-jump", 17052, "holds holds holds:3 holds holds holds";
    ephemeral_watch_clock_drift: "zk_lock_ephemeral_watch", "clock-drift", 56175, "holds holds holds:3 holds holds holds";
    ephemeral_watch_server_restart: "zk_lock_ephemeral_watch", "server-restart", 477069, "holds holds holds:3 violated:96";
    ephemeral_watch_long_pause: "zk_lock_ephemeral_watch", "long-pause", 494028, "violated:30 violated:35 holds:3 violated:57";
    ephemeral_watch_client_partition: "zk_lock_ephemeral_watch", "client-partition", 426396, "holds holds holds:3 violated:67 violated:37+4 violated:37+4";
    ephemeral_watch_async_network: "zk_lock_ephemeral_watch", "async-network", 2753745, "violated:15 violated:21 holds:3 violated:14";

    sequential_no_faults: "zk_lock_sequential", "no-faults", 18048, "holds holds holds:5 holds holds holds";
    sequential_holder_crash: "zk_lock_sequential", "holder-crash", 64849, "holds holds holds:5 holds holds holds";
    sequential_clock_jump: "zk_lock_sequential", "clock-jump", 36124, "holds holds holds:5 holds holds holds";
    sequential_clock_drift: "zk_lock_sequential", "clock-drift", 121249, "holds holds holds:5 holds holds holds";
    sequential_server_restart: "zk_lock_sequential", "server-restart", 752449, "holds holds holds:5 holds";
    sequential_long_pause: "zk_lock_sequential", "long-pause", 484694, "violated:34 violated:40 holds:5 violated:58";
    sequential_client_partition: "zk_lock_sequential", "client-partition", 784732, "holds holds holds:5 violated:91 holds holds";

    // Fenced by the node's czxid: both clients can still believe they hold the
    // lock, but the resource rejects the stalled holder's write.
    sequential_fenced_no_faults: "zk_lock_sequential_fenced", "no-faults", 19353, "holds holds holds:5 holds holds holds";
    sequential_fenced_holder_crash: "zk_lock_sequential_fenced", "holder-crash", 71783, "holds holds holds:5 holds holds holds";
    sequential_fenced_clock_jump: "zk_lock_sequential_fenced", "clock-jump", 38750, "holds holds holds:5 holds holds holds";
    sequential_fenced_clock_drift: "zk_lock_sequential_fenced", "clock-drift", 130092, "holds holds holds:5 holds holds holds";
    sequential_fenced_server_restart: "zk_lock_sequential_fenced", "server-restart", 956750, "holds holds holds:5 holds";
    sequential_fenced_long_pause: "zk_lock_sequential_fenced", "long-pause", 584046, "violated:34 holds holds:5 violated:58";
    sequential_fenced_client_partition: "zk_lock_sequential_fenced", "client-partition", 913481, "holds holds holds:5 violated:91 holds holds";
    sequential_fenced_endless_contention: "zk_lock_sequential_fenced", "endless-contention", 1072146, "holds holds holds:10 holds holds holds";

    // Fenced by the node's dataVersion, 0 for every holder: the resource
    // refuses nothing, and the stalled holder's write lands as in the
    // unfenced recipe.
    sequential_data_version_no_faults: "zk_lock_sequential_fenced_data_version", "no-faults", 18048, "holds holds holds:5 holds holds holds";
    sequential_data_version_holder_crash: "zk_lock_sequential_fenced_data_version", "holder-crash", 64849, "holds holds holds:5 holds holds holds";
    sequential_data_version_long_pause: "zk_lock_sequential_fenced_data_version", "long-pause", 436991, "violated:34 violated:40 holds:5 violated:58";

    // `exists` finding the predecessor gone, taken as a watch set: the
    // waiter waits for a creation that never comes, with no fault at all.
    ignore_null_exists_no_faults: "zk_lock_sequential_ignore_null_exists", "no-faults", 14329, "holds holds holds:5 violated:63 violated:37+4 violated:37+4";
    ignore_null_exists_holder_crash: "zk_lock_sequential_ignore_null_exists", "holder-crash", 48476, "holds holds holds:5 violated:75 violated:41+4 violated:41+4";
    ignore_null_exists_clock_jump: "zk_lock_sequential_ignore_null_exists", "clock-jump", 28726, "holds holds holds:5 violated:79 violated:41+4 violated:41+4";
    ignore_null_exists_clock_drift: "zk_lock_sequential_ignore_null_exists", "clock-drift", 97029, "holds holds holds:5 violated:63 violated:27+16 violated:27+16";
    ignore_null_exists_long_pause: "zk_lock_sequential_ignore_null_exists", "long-pause", 388934, "violated:34 violated:40 holds:5 violated:55";

    // The predecessor's deletion taken as the lock: safe while the node
    // ahead is the holder's, broken when it is a waiter's that left
    // (partition, crowd-atomic; found there by simulation or at the state
    // limit). Shorter than the recipe under a pause: no second listing.
    no_relist_no_faults: "zk_lock_sequential_no_relist", "no-faults", 15408, "holds holds holds:5 holds holds holds";
    no_relist_holder_crash: "zk_lock_sequential_no_relist", "holder-crash", 54182, "holds holds holds:5 holds holds holds";
    no_relist_long_pause: "zk_lock_sequential_no_relist", "long-pause", 467688, "violated:32 violated:38 holds:5 violated:58";

    // No GUID in the node's name: a create whose answer was lost is sent
    // again, and the client queues behind its own first node for as long
    // as it keeps its session alive.
    no_guid_no_faults: "zk_lock_sequential_no_guid", "no-faults", 18048, "holds holds holds:5 holds holds holds";
    no_guid_client_partition: "zk_lock_sequential_no_guid", "client-partition", 831784, "holds holds holds:5 violated:71 violated:41+4 violated:41+4";
    no_guid_server_restart: "zk_lock_sequential_no_guid", "server-restart", 1067219, "holds holds holds:5 violated:100";
}

pins_long! {
    // A create whose answer the partition lost made c2's own node; after
    // the heal it waits on a watch for that node's deletion, forever.
    ephemeral_watch_partition: "zk_lock_ephemeral_watch", "partition", 1258020, "holds holds holds:3 violated:87 violated:37+4 violated:37+4";
}
