//! The Redis family's verdicts, pinned: for every (model, scenario) pair the
//! verdict of each property, the length of the shortest counterexample (or of
//! the shortest example, for `lock_acquired`) and the number of unique states
//! as a tripwire. The models' module docs explain each verdict; the notation
//! is described in `tests/common/mod.rs`.

mod common;

// As in the binary: the search allocates a state per transition.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pins! {
    setnx_no_faults: "redis_setnx", "no-faults", 3100, "holds holds holds:2 holds";
    setnx_holder_crash: "redis_setnx", "holder-crash", 13396, "holds holds holds:2 violated:54 violated:24+7 violated:24+7";
    setnx_gc_pause: "redis_setnx", "gc-pause", 74545, "holds holds holds:2 holds";
    setnx_clock_jump: "redis_setnx", "clock-jump", 6360, "holds holds holds:2 holds";
    setnx_clock_drift: "redis_setnx", "clock-drift", 18600, "holds holds holds:2 holds";
    setnx_message_loss: "redis_setnx", "message-loss", 1499420, "violated:18 violated:24 holds:2 violated:97";
    setnx_partition: "redis_setnx", "partition", 191686, "holds holds holds:2 violated:68";
    setnx_server_restart: "redis_setnx", "server-restart", 56617, "violated:10 violated:16 holds:2 holds";
    setnx_async_network: "redis_setnx", "async-network", 141623, "holds holds holds:2 violated:14 holds holds";
    setnx_crowd_atomic: "redis_setnx", "crowd-atomic", 277060, "holds holds holds:1 holds";

    set_px_no_faults: "redis_set_px", "no-faults", 4518, "holds holds holds:2 holds";
    set_px_holder_crash: "redis_set_px", "holder-crash", 18948, "holds holds holds:2 holds holds holds";
    set_px_gc_pause: "redis_set_px", "gc-pause", 182077, "violated:20 violated:26 holds:2 holds";
    set_px_clock_jump: "redis_set_px", "clock-jump", 29014, "violated:5 violated:11 holds:2 holds";
    set_px_clock_drift: "redis_set_px", "clock-drift", 26768, "violated:13 violated:17 holds:2 holds";
    set_px_message_loss: "redis_set_px", "message-loss", 2823946, "holds holds holds:2 holds";
    set_px_partition: "redis_set_px", "partition", 211062, "holds holds holds:2 holds";
    set_px_server_restart: "redis_set_px", "server-restart", 70297, "violated:10 violated:16 holds:2 holds";
    set_px_async_network: "redis_set_px", "async-network", 74291, "violated:10 violated:16 holds:2 violated:14 holds holds";
    set_px_crowd_atomic: "redis_set_px", "crowd-atomic", 441697, "violated:27 violated:32 holds:1 holds";

    // Fenced: clients can still both believe they hold the lock (mutual_exclusion
    // violated), yet the resource rejects the stale write (resource_safe holds).
    set_px_fenced_no_faults: "redis_set_px_fenced", "no-faults", 4518, "holds holds holds:2 holds";
    set_px_fenced_holder_crash: "redis_set_px_fenced", "holder-crash", 18948, "holds holds holds:2 holds holds holds";
    set_px_fenced_gc_pause: "redis_set_px_fenced", "gc-pause", 166017, "violated:20 holds holds:2 holds";
    set_px_fenced_clock_jump: "redis_set_px_fenced", "clock-jump", 24796, "violated:5 holds holds:2 holds";
    set_px_fenced_clock_drift: "redis_set_px_fenced", "clock-drift", 25664, "violated:13 holds holds:2 holds";
    set_px_fenced_message_loss: "redis_set_px_fenced", "message-loss", 3256992, "holds holds holds:2 holds";
    set_px_fenced_partition: "redis_set_px_fenced", "partition", 243044, "holds holds holds:2 holds";
    set_px_fenced_server_restart: "redis_set_px_fenced", "server-restart", 74777, "violated:10 violated:16 holds:2 holds";
    set_px_fenced_async_network: "redis_set_px_fenced", "async-network", 1176299, "violated:10 holds holds:2 violated:14 holds holds";
    set_px_fenced_crowd_atomic: "redis_set_px_fenced", "crowd-atomic", 368869, "violated:27 holds holds:1 holds";

    py_lock_no_faults: "redis_py_lock", "no-faults", 4518, "holds holds holds:2 holds";
    py_lock_holder_crash: "redis_py_lock", "holder-crash", 18948, "holds holds holds:2 holds holds holds";
    py_lock_gc_pause: "redis_py_lock", "gc-pause", 177149, "violated:20 violated:26 holds:2 holds";
    py_lock_clock_jump: "redis_py_lock", "clock-jump", 26668, "violated:5 violated:11 holds:2 holds";
    py_lock_clock_drift: "redis_py_lock", "clock-drift", 28432, "violated:13 violated:17 holds:2 holds";
    py_lock_message_loss: "redis_py_lock", "message-loss", 3476212, "violated:18 violated:24 holds:2 holds";
    py_lock_partition: "redis_py_lock", "partition", 197090, "holds holds holds:2 holds";
    py_lock_server_restart: "redis_py_lock", "server-restart", 70287, "violated:10 violated:16 holds:2 holds";
    py_lock_async_network: "redis_py_lock", "async-network", 74287, "violated:10 violated:16 holds:2 violated:14 holds holds";
    py_lock_crowd_atomic: "redis_py_lock", "crowd-atomic", 513319, "violated:27 violated:32 holds:1 holds";

    py_lock_fenced_no_faults: "redis_py_lock_fenced", "no-faults", 4518, "holds holds holds:2 holds";
    py_lock_fenced_holder_crash: "redis_py_lock_fenced", "holder-crash", 18948, "holds holds holds:2 holds holds holds";
    py_lock_fenced_gc_pause: "redis_py_lock_fenced", "gc-pause", 162865, "violated:20 holds holds:2 holds";
    py_lock_fenced_clock_jump: "redis_py_lock_fenced", "clock-jump", 24702, "violated:5 holds holds:2 holds";
    py_lock_fenced_clock_drift: "redis_py_lock_fenced", "clock-drift", 27176, "violated:13 holds holds:2 holds";
    py_lock_fenced_message_loss: "redis_py_lock_fenced", "message-loss", 3777870, "violated:18 holds holds:2 holds";
    py_lock_fenced_partition: "redis_py_lock_fenced", "partition", 235390, "holds holds holds:2 holds";
    py_lock_fenced_server_restart: "redis_py_lock_fenced", "server-restart", 74777, "violated:10 violated:16 holds:2 holds";
    py_lock_fenced_async_network: "redis_py_lock_fenced", "async-network", 1116275, "violated:10 holds holds:2 violated:14 holds holds";
    py_lock_fenced_crowd_atomic: "redis_py_lock_fenced", "crowd-atomic", 437053, "violated:27 holds holds:1 holds";
}
