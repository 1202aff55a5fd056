//! The DynamoDB and Hazelcast locks' verdicts, pinned: for every (model,
//! scenario) pair the verdict of each property, the length of the shortest
//! counterexample (or of the shortest example, for `lock_acquired`) and the
//! number of unique states as a tripwire. `models/dynamodb_lock.rs` and
//! `models/hazelcast_lock.rs` explain each verdict; the notation is
//! described in `tests/suite/common.rs`. Every pinned counterexample's trace
//! is replayed.

pins! {
    dynamodb_no_faults: "dynamodb_lock", "no-faults", 17535, "holds holds holds:4 violated:65 holds holds";
    dynamodb_fenced_no_faults: "dynamodb_lock_fenced", "no-faults", 17535, "holds holds holds:4 violated:65 holds holds";
    dynamodb_holder_crash: "dynamodb_lock", "holder-crash", 41375, "holds holds holds:4 violated:72 holds holds";
    dynamodb_fenced_holder_crash: "dynamodb_lock_fenced", "holder-crash", 41397, "holds holds holds:4 violated:72 holds holds";
    dynamodb_clock_jump: "dynamodb_lock", "clock-jump", 35090, "holds holds holds:4 holds holds holds";
    dynamodb_clock_drift: "dynamodb_lock", "clock-drift", 105082, "holds holds holds:4 violated:65 holds holds";
    dynamodb_duplicates: "dynamodb_lock", "duplicates", 17545, "holds holds holds:4 holds";
    dynamodb_server_restart: "dynamodb_lock", "server-restart", 371204, "holds holds holds:4 violated:112";
    dynamodb_fenced_crowd_atomic: "dynamodb_lock_fenced", "crowd-atomic", 159173, "violated:43 holds holds:2 holds";
    dynamodb_gc_pause: "dynamodb_lock", "gc-pause", 597315, "violated:28 violated:34 holds:4 violated:69";
    dynamodb_fenced_gc_pause: "dynamodb_lock_fenced", "gc-pause", 562564, "violated:28 holds holds:4 violated:69";
    dynamodb_fenced_partition: "dynamodb_lock_fenced", "partition", 865163, "holds holds holds:4 violated:91";

    hazelcast_fenced_no_faults: "hazelcast_fenced_lock_fenced", "no-faults", 39535, "holds holds holds:4 holds holds holds";
    hazelcast_no_faults: "hazelcast_fenced_lock", "no-faults", 39535, "holds holds holds:4 holds holds holds";
    hazelcast_fenced_holder_crash: "hazelcast_fenced_lock_fenced", "holder-crash", 144429, "holds holds holds:4 holds holds holds";
    hazelcast_fenced_duplicates: "hazelcast_fenced_lock_fenced", "duplicates", 39579, "holds holds holds:4 holds";
    hazelcast_fenced_clock_drift: "hazelcast_fenced_lock_fenced", "clock-drift", 287549, "holds holds holds:4 holds holds holds";
    hazelcast_fenced_crowd_atomic: "hazelcast_fenced_lock_fenced", "crowd-atomic", 246580, "violated:30 holds holds:2 holds";
    hazelcast_fenced_gc_pause: "hazelcast_fenced_lock_fenced", "gc-pause", 1429298, "violated:24 holds holds:4 holds";
    hazelcast_clock_jump: "hazelcast_fenced_lock", "clock-jump", 1658784, "violated:9 violated:15 holds:4 holds";
    hazelcast_crowd_atomic: "hazelcast_fenced_lock", "crowd-atomic", 425614, "violated:30 violated:35 holds:2 holds";
}
