//! The ZooKeeper family's verdicts, pinned: for every (model, scenario) pair
//! the verdict of each property, the length of the shortest counterexample (or
//! of the shortest example, for `lock_acquired`) and the number of unique
//! states as a tripwire. `models/zk_lock.rs` explains each verdict, and why
//! gc-pause, clock-jump, message-loss, partition and crowd-atomic (and
//! async-network for the recipe) are too large to pin (long-pause and
//! client-partition are cut-down versions of two of them); the notation is
//! described in `tests/common/mod.rs`.

mod common;

// As in the binary: the search allocates a state per transition.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pins! {
    ephemeral_no_faults: "zk_lock_ephemeral", "no-faults", 28924, "holds holds holds:2 holds";
    ephemeral_holder_crash: "zk_lock_ephemeral", "holder-crash", 109386, "holds holds holds:2 holds holds holds";
    ephemeral_clock_drift: "zk_lock_ephemeral", "clock-drift", 199568, "holds holds holds:2 holds";
    ephemeral_server_restart: "zk_lock_ephemeral", "server-restart", 328199, "holds holds holds:2 holds";
    ephemeral_long_pause: "zk_lock_ephemeral", "long-pause", 1752283, "violated:32 violated:32 holds:2 violated:53";
    ephemeral_client_partition: "zk_lock_ephemeral", "client-partition", 2298964, "holds holds holds:2 violated:71 violated:33+29 violated:33+29";
    ephemeral_async_network: "zk_lock_ephemeral", "async-network", 1737409, "violated:13 violated:19 holds:2 violated:14";

    sequential_no_faults: "zk_lock_sequential", "no-faults", 46258, "holds holds holds:4 holds";
    sequential_holder_crash: "zk_lock_sequential", "holder-crash", 132818, "holds holds holds:4 holds holds holds";
    sequential_clock_drift: "zk_lock_sequential", "clock-drift", 311780, "holds holds holds:4 holds";
    sequential_server_restart: "zk_lock_sequential", "server-restart", 1017945, "holds holds holds:4 holds";
    sequential_long_pause: "zk_lock_sequential", "long-pause", 2028577, "violated:32 violated:38 holds:4 violated:55";
    sequential_client_partition: "zk_lock_sequential", "client-partition", 2260350, "holds holds holds:4 violated:63";

    // Fenced by the node's czxid: both clients can still believe they hold the
    // lock, but the resource rejects the stalled holder's write.
    sequential_fenced_no_faults: "zk_lock_sequential_fenced", "no-faults", 46648, "holds holds holds:4 holds";
    sequential_fenced_holder_crash: "zk_lock_sequential_fenced", "holder-crash", 134868, "holds holds holds:4 holds holds holds";
    sequential_fenced_clock_drift: "zk_lock_sequential_fenced", "clock-drift", 313916, "holds holds holds:4 holds";
    sequential_fenced_server_restart: "zk_lock_sequential_fenced", "server-restart", 1024341, "holds holds holds:4 holds";
    sequential_fenced_long_pause: "zk_lock_sequential_fenced", "long-pause", 2328831, "violated:32 holds holds:4 violated:55";
    sequential_fenced_client_partition: "zk_lock_sequential_fenced", "client-partition", 2287160, "holds holds holds:4 violated:63";
}
