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
    auto_ack_no_faults: "mq_lock_auto_ack", "no-faults", 3100, "holds holds holds:2 holds";
    auto_ack_holder_crash: "mq_lock_auto_ack", "holder-crash", 13396, "holds holds holds:2 violated:54";
    auto_ack_gc_pause: "mq_lock_auto_ack", "gc-pause", 74545, "holds holds holds:2 holds";
    auto_ack_clock_jump: "mq_lock_auto_ack", "clock-jump", 6360, "holds holds holds:2 holds";
    auto_ack_clock_drift: "mq_lock_auto_ack", "clock-drift", 18600, "holds holds holds:2 holds";
    auto_ack_message_loss: "mq_lock_auto_ack", "message-loss", 1407904, "violated:18 violated:24 holds:2 violated:97";
    auto_ack_partition: "mq_lock_auto_ack", "partition", 191610, "holds holds holds:2 violated:68";
    auto_ack_server_restart: "mq_lock_auto_ack", "server-restart", 34827, "holds holds holds:2 holds";
    auto_ack_async_network: "mq_lock_auto_ack", "async-network", 141623, "holds holds holds:2 violated:14";
    auto_ack_crowd_atomic: "mq_lock_auto_ack", "crowd-atomic", 277060, "holds holds holds:1 holds";

    auto_ack_fenced_no_faults: "mq_lock_auto_ack_fenced", "no-faults", 3100, "holds holds holds:2 holds";
    auto_ack_fenced_holder_crash: "mq_lock_auto_ack_fenced", "holder-crash", 13396, "holds holds holds:2 violated:54";
    auto_ack_fenced_gc_pause: "mq_lock_auto_ack_fenced", "gc-pause", 74545, "holds holds holds:2 holds";
    auto_ack_fenced_clock_jump: "mq_lock_auto_ack_fenced", "clock-jump", 6360, "holds holds holds:2 holds";
    auto_ack_fenced_clock_drift: "mq_lock_auto_ack_fenced", "clock-drift", 18600, "holds holds holds:2 holds";
    auto_ack_fenced_message_loss: "mq_lock_auto_ack_fenced", "message-loss", 2261236, "violated:18 holds holds:2 violated:97";
    auto_ack_fenced_partition: "mq_lock_auto_ack_fenced", "partition", 208864, "holds holds holds:2 violated:68";
    auto_ack_fenced_server_restart: "mq_lock_auto_ack_fenced", "server-restart", 34827, "holds holds holds:2 holds";
    auto_ack_fenced_async_network: "mq_lock_auto_ack_fenced", "async-network", 141623, "holds holds holds:2 violated:14";
    auto_ack_fenced_crowd_atomic: "mq_lock_auto_ack_fenced", "crowd-atomic", 277060, "holds holds holds:1 holds";

    visibility_no_faults: "mq_lock_visibility_timeout", "no-faults", 4518, "holds holds holds:2 holds";
    visibility_holder_crash: "mq_lock_visibility_timeout", "holder-crash", 18948, "holds holds holds:2 holds";
    visibility_gc_pause: "mq_lock_visibility_timeout", "gc-pause", 182233, "violated:20 violated:26 holds:2 holds";
    visibility_clock_jump: "mq_lock_visibility_timeout", "clock-jump", 28328, "violated:5 violated:11 holds:2 holds";
    visibility_clock_drift: "mq_lock_visibility_timeout", "clock-drift", 27072, "violated:13 violated:17 holds:2 holds";
    visibility_message_loss: "mq_lock_visibility_timeout", "message-loss", 3026116, "holds holds holds:2 holds";
    visibility_partition: "mq_lock_visibility_timeout", "partition", 237430, "holds holds holds:2 holds";
    visibility_server_restart: "mq_lock_visibility_timeout", "server-restart", 55161, "holds holds holds:2 holds";
    visibility_async_network: "mq_lock_visibility_timeout", "async-network", 74175, "violated:10 violated:16 holds:2 violated:14";
    visibility_crowd_atomic: "mq_lock_visibility_timeout", "crowd-atomic", 465787, "violated:27 violated:32 holds:1 holds";

    visibility_fenced_no_faults: "mq_lock_visibility_timeout_fenced", "no-faults", 4518, "holds holds holds:2 holds";
    visibility_fenced_holder_crash: "mq_lock_visibility_timeout_fenced", "holder-crash", 18948, "holds holds holds:2 holds";
    visibility_fenced_gc_pause: "mq_lock_visibility_timeout_fenced", "gc-pause", 166173, "violated:20 holds holds:2 holds";
    visibility_fenced_clock_jump: "mq_lock_visibility_timeout_fenced", "clock-jump", 23926, "violated:5 holds holds:2 holds";
    visibility_fenced_clock_drift: "mq_lock_visibility_timeout_fenced", "clock-drift", 25968, "violated:13 holds holds:2 holds";
    visibility_fenced_message_loss: "mq_lock_visibility_timeout_fenced", "message-loss", 3253924, "holds holds holds:2 holds";
    visibility_fenced_partition: "mq_lock_visibility_timeout_fenced", "partition", 239912, "holds holds holds:2 holds";
    visibility_fenced_server_restart: "mq_lock_visibility_timeout_fenced", "server-restart", 55161, "holds holds holds:2 holds";
    visibility_fenced_async_network: "mq_lock_visibility_timeout_fenced", "async-network", 1154907, "violated:10 holds holds:2 violated:14";
    visibility_fenced_crowd_atomic: "mq_lock_visibility_timeout_fenced", "crowd-atomic", 350233, "violated:27 holds holds:1 holds";

    message_ttl_no_faults: "mq_lock_message_ttl", "no-faults", 7082, "violated:8 violated:14 holds:4 violated:52";
    message_ttl_holder_crash: "mq_lock_message_ttl", "holder-crash", 21684, "violated:8 violated:14 holds:4 violated:62";
    message_ttl_gc_pause: "mq_lock_message_ttl", "gc-pause", 93237, "violated:8 violated:14 holds:4 violated:60";
    message_ttl_clock_jump: "mq_lock_message_ttl", "clock-jump", 34764, "violated:8 violated:14 holds:4 violated:66";
    message_ttl_clock_drift: "mq_lock_message_ttl", "clock-drift", 42212, "violated:8 violated:14 holds:4 violated:52";
    message_ttl_message_loss: "mq_lock_message_ttl", "message-loss", 3287120, "violated:8 violated:14 holds:4 violated:100";
    message_ttl_partition: "mq_lock_message_ttl", "partition", 561922, "violated:8 violated:14 holds:4 violated:71";
    message_ttl_server_restart: "mq_lock_message_ttl", "server-restart", 191475, "violated:8 violated:14 holds:4 violated:78";
    message_ttl_async_network: "mq_lock_message_ttl", "async-network", 57588, "violated:8 violated:14 holds:4 violated:14";
    message_ttl_crowd_atomic: "mq_lock_message_ttl", "crowd-atomic", 3499762, "violated:4 violated:8 holds:2 violated:92";
}
