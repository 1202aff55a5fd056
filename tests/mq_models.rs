//! The message-queue family's verdicts, pinned: for every (model, scenario)
//! pair the verdict of each property, the length of the shortest
//! counterexample (or of the shortest example, for `lock_acquired`) and the
//! number of unique states as a tripwire. `models/mq_lock.rs` explains each
//! verdict; the notation is described in `tests/common/mod.rs`.

mod common;

// As in the binary: the search allocates a state per transition.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pins! {
    auto_ack_no_faults: "mq_lock_auto_ack", "no-faults", 1551, "holds holds holds:2 holds";
    auto_ack_holder_crash: "mq_lock_auto_ack", "holder-crash", 6699, "holds holds holds:2 violated:54";
    auto_ack_gc_pause: "mq_lock_auto_ack", "gc-pause", 37274, "holds holds holds:2 holds";
    auto_ack_clock_jump: "mq_lock_auto_ack", "clock-jump", 3182, "holds holds holds:2 holds";
    auto_ack_clock_drift: "mq_lock_auto_ack", "clock-drift", 9306, "holds holds holds:2 holds";
    auto_ack_message_loss: "mq_lock_auto_ack", "message-loss", 704434, "violated:18 violated:24 holds:2 violated:97";
    auto_ack_partition: "mq_lock_auto_ack", "partition", 96503, "holds holds holds:2 violated:68";
    auto_ack_server_restart: "mq_lock_auto_ack", "server-restart", 17429, "holds holds holds:2 holds";
    auto_ack_async_network: "mq_lock_auto_ack", "async-network", 70819, "holds holds holds:2 violated:14";
    auto_ack_crowd_atomic: "mq_lock_auto_ack", "crowd-atomic", 46415, "holds holds holds:1 holds";

    auto_ack_fenced_no_faults: "mq_lock_auto_ack_fenced", "no-faults", 1551, "holds holds holds:2 holds";
    auto_ack_fenced_holder_crash: "mq_lock_auto_ack_fenced", "holder-crash", 6699, "holds holds holds:2 violated:54";
    auto_ack_fenced_gc_pause: "mq_lock_auto_ack_fenced", "gc-pause", 37274, "holds holds holds:2 holds";
    auto_ack_fenced_clock_jump: "mq_lock_auto_ack_fenced", "clock-jump", 3182, "holds holds holds:2 holds";
    auto_ack_fenced_clock_drift: "mq_lock_auto_ack_fenced", "clock-drift", 9306, "holds holds holds:2 holds";
    auto_ack_fenced_message_loss: "mq_lock_auto_ack_fenced", "message-loss", 1131724, "violated:18 holds holds:2 violated:97";
    auto_ack_fenced_partition: "mq_lock_auto_ack_fenced", "partition", 105130, "holds holds holds:2 violated:68";
    auto_ack_fenced_server_restart: "mq_lock_auto_ack_fenced", "server-restart", 17429, "holds holds holds:2 holds";
    auto_ack_fenced_async_network: "mq_lock_auto_ack_fenced", "async-network", 70819, "holds holds holds:2 violated:14";
    auto_ack_fenced_crowd_atomic: "mq_lock_auto_ack_fenced", "crowd-atomic", 46415, "holds holds holds:1 holds";

    visibility_no_faults: "mq_lock_visibility_timeout", "no-faults", 2260, "holds holds holds:2 holds";
    visibility_holder_crash: "mq_lock_visibility_timeout", "holder-crash", 9475, "holds holds holds:2 holds";
    visibility_gc_pause: "mq_lock_visibility_timeout", "gc-pause", 91118, "violated:20 violated:26 holds:2 holds";
    visibility_clock_jump: "mq_lock_visibility_timeout", "clock-jump", 14166, "violated:5 violated:11 holds:2 holds";
    visibility_clock_drift: "mq_lock_visibility_timeout", "clock-drift", 13542, "violated:13 violated:17 holds:2 holds";
    visibility_message_loss: "mq_lock_visibility_timeout", "message-loss", 1513130, "holds holds holds:2 holds";
    visibility_partition: "mq_lock_visibility_timeout", "partition", 118837, "holds holds holds:2 holds";
    visibility_server_restart: "mq_lock_visibility_timeout", "server-restart", 27596, "holds holds holds:2 holds";
    visibility_async_network: "mq_lock_visibility_timeout", "async-network", 37095, "violated:10 violated:16 holds:2 violated:14";
    visibility_crowd_atomic: "mq_lock_visibility_timeout", "crowd-atomic", 77844, "violated:27 violated:32 holds:1 holds";

    visibility_fenced_no_faults: "mq_lock_visibility_timeout_fenced", "no-faults", 2260, "holds holds holds:2 holds";
    visibility_fenced_holder_crash: "mq_lock_visibility_timeout_fenced", "holder-crash", 9475, "holds holds holds:2 holds";
    visibility_fenced_gc_pause: "mq_lock_visibility_timeout_fenced", "gc-pause", 83088, "violated:20 holds holds:2 holds";
    visibility_fenced_clock_jump: "mq_lock_visibility_timeout_fenced", "clock-jump", 11965, "violated:5 holds holds:2 holds";
    visibility_fenced_clock_drift: "mq_lock_visibility_timeout_fenced", "clock-drift", 12990, "violated:13 holds holds:2 holds";
    visibility_fenced_message_loss: "mq_lock_visibility_timeout_fenced", "message-loss", 1627034, "holds holds holds:2 holds";
    visibility_fenced_partition: "mq_lock_visibility_timeout_fenced", "partition", 120078, "holds holds holds:2 holds";
    visibility_fenced_server_restart: "mq_lock_visibility_timeout_fenced", "server-restart", 27596, "holds holds holds:2 holds";
    visibility_fenced_async_network: "mq_lock_visibility_timeout_fenced", "async-network", 577461, "violated:10 holds holds:2 violated:14";
    visibility_fenced_crowd_atomic: "mq_lock_visibility_timeout_fenced", "crowd-atomic", 58585, "violated:27 holds holds:1 holds";

    message_ttl_no_faults: "mq_lock_message_ttl", "no-faults", 3550, "violated:8 violated:14 holds:4 violated:52";
    message_ttl_holder_crash: "mq_lock_message_ttl", "holder-crash", 10851, "violated:8 violated:14 holds:4 violated:62";
    message_ttl_gc_pause: "mq_lock_message_ttl", "gc-pause", 46635, "violated:8 violated:14 holds:4 violated:60";
    message_ttl_clock_jump: "mq_lock_message_ttl", "clock-jump", 17642, "violated:8 violated:14 holds:4 violated:66";
    message_ttl_clock_drift: "mq_lock_message_ttl", "clock-drift", 21160, "violated:8 violated:14 holds:4 violated:52";
    message_ttl_message_loss: "mq_lock_message_ttl", "message-loss", 1643573, "violated:8 violated:14 holds:4 violated:100";
    message_ttl_partition: "mq_lock_message_ttl", "partition", 281503, "violated:8 violated:14 holds:4 violated:71";
    message_ttl_server_restart: "mq_lock_message_ttl", "server-restart", 96353, "violated:8 violated:14 holds:4 violated:78";
    message_ttl_async_network: "mq_lock_message_ttl", "async-network", 28853, "violated:8 violated:14 holds:4 violated:14";
    message_ttl_crowd_atomic: "mq_lock_message_ttl", "crowd-atomic", 583519, "violated:4 violated:8 holds:2 violated:92";
}
