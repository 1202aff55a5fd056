//! The DynamoDB, Hazelcast and Chubby locks' verdicts, pinned: for every
//! (model, scenario) pair the verdict of each property, the length of the
//! shortest counterexample (or of the shortest example, for
//! `lock_acquired`) and the number of unique states as a tripwire.
//! `models/dynamodb_lock.rs`, `models/hazelcast_lock.rs` and
//! `models/chubby_lock.rs` explain each verdict; the notation is described
//! in `tests/suite/common.rs`. Every pinned counterexample's trace is
//! replayed. The standard cells of millions of states run with `--ignored`
//! (see `pins_long!`).

pins! {
    dynamodb_no_faults: "dynamodb_lock", "no-faults", 17535, "holds holds holds:4 violated:65 holds holds";
    dynamodb_fenced_no_faults: "dynamodb_lock_fenced", "no-faults", 17535, "holds holds holds:4 violated:65 holds holds";
    dynamodb_holder_crash: "dynamodb_lock", "holder-crash", 41375, "holds holds holds:4 violated:72 holds holds";
    dynamodb_fenced_holder_crash: "dynamodb_lock_fenced", "holder-crash", 41397, "holds holds holds:4 violated:72 holds holds";
    dynamodb_clock_jump: "dynamodb_lock", "clock-jump", 35090, "holds holds holds:4 holds holds holds";
    dynamodb_clock_drift: "dynamodb_lock", "clock-drift", 105082, "holds holds holds:4 violated:65 holds holds";
    dynamodb_duplicates: "dynamodb_lock", "duplicates", 17545, "holds holds holds:4 holds holds holds";
    dynamodb_server_restart: "dynamodb_lock", "server-restart", 371204, "holds holds holds:4 violated:112 holds holds";
    dynamodb_fenced_crowd_atomic: "dynamodb_lock_fenced", "crowd-atomic", 159173, "violated:43 holds holds:2 holds";
    dynamodb_gc_pause: "dynamodb_lock", "gc-pause", 597315, "violated:28 violated:34 holds:4 violated:69 holds holds";
    dynamodb_endless_contention: "dynamodb_lock", "endless-contention", 541554, "holds holds holds:9 violated:84 holds violated:24+78";
    dynamodb_fenced_endless_contention: "dynamodb_lock_fenced", "endless-contention", 541554, "holds holds holds:9 violated:84 holds violated:42+54";
    dynamodb_fenced_gc_pause: "dynamodb_lock_fenced", "gc-pause", 562564, "violated:28 holds holds:4 violated:69 holds holds";
    dynamodb_fenced_partition: "dynamodb_lock_fenced", "partition", 865163, "holds holds holds:4 violated:91 holds holds";

    hazelcast_fenced_no_faults: "hazelcast_fenced_lock_fenced", "no-faults", 39535, "holds holds holds:4 holds holds holds";
    hazelcast_no_faults: "hazelcast_fenced_lock", "no-faults", 39535, "holds holds holds:4 holds holds holds";
    hazelcast_fenced_holder_crash: "hazelcast_fenced_lock_fenced", "holder-crash", 144429, "holds holds holds:4 holds holds holds";
    hazelcast_fenced_duplicates: "hazelcast_fenced_lock_fenced", "duplicates", 39579, "holds holds holds:4 holds holds holds";
    hazelcast_fenced_clock_drift: "hazelcast_fenced_lock_fenced", "clock-drift", 287549, "holds holds holds:4 holds holds holds";
    hazelcast_fenced_crowd_atomic: "hazelcast_fenced_lock_fenced", "crowd-atomic", 246580, "violated:30 holds holds:2 holds holds holds";
    hazelcast_fenced_gc_pause: "hazelcast_fenced_lock_fenced", "gc-pause", 1429298, "violated:24 holds holds:4 holds holds holds";
    hazelcast_clock_jump: "hazelcast_fenced_lock", "clock-jump", 1380068, "violated:9 violated:15 holds:4 holds holds holds";
    hazelcast_crowd_atomic: "hazelcast_fenced_lock", "crowd-atomic", 425614, "violated:30 violated:35 holds:2 holds holds holds";
    hazelcast_endless_contention: "hazelcast_fenced_lock", "endless-contention", 206525, "holds holds holds:9 holds holds holds";

    chubby_sequencer_no_faults: "chubby_lock_sequencer", "no-faults", 12455, "holds holds holds:4 holds holds holds";
    chubby_sequencer_holder_crash: "chubby_lock_sequencer", "holder-crash", 51431, "holds holds holds:4 violated:74 holds holds";
    chubby_sequencer_clock_jump: "chubby_lock_sequencer", "clock-jump", 24926, "holds holds holds:4 holds holds holds";
    chubby_sequencer_crowd_atomic: "chubby_lock_sequencer", "crowd-atomic", 327870, "holds holds holds:2 holds holds holds";
    chubby_sequencer_duplicates: "chubby_lock_sequencer", "duplicates", 12463, "holds holds holds:4 holds holds holds";
    chubby_sequencer_endless_contention: "chubby_lock_sequencer", "endless-contention", 592855, "holds holds holds:9 holds holds holds";
    chubby_sequencer_long_work: "chubby_lock_sequencer", "long-work", 10493, "holds holds holds:4 holds holds holds";
    chubby_sequencer_gc_pause: "chubby_lock_sequencer", "gc-pause", 659172, "holds holds holds:4 violated:75 holds holds";
    chubby_delay_no_faults: "chubby_lock_delay", "no-faults", 12455, "holds holds holds:4 holds holds holds";
    chubby_delay_holder_crash: "chubby_lock_delay", "holder-crash", 51416, "holds holds holds:4 violated:74 holds holds";
    chubby_delay_gc_pause: "chubby_lock_delay", "gc-pause", 657613, "holds holds holds:4 violated:75 holds holds";
    // A pause longer than the lease and the lock-delay together: the
    // sequencer keeps the stale write out, lock-delay alone does not.
    chubby_sequencer_long_pause: "chubby_lock_sequencer", "long-pause-20", 626506, "violated:37 holds holds:4 violated:47";
    chubby_delay_long_pause: "chubby_lock_delay", "long-pause-20", 245621, "violated:37 violated:43 holds:4 violated:47";
}

pins_long! {
    chubby_delay_server_restart: "chubby_lock_delay", "server-restart", 1629070, "holds holds holds:4 violated:124 holds holds";
    chubby_delay_partition: "chubby_lock_delay", "partition", 3353798, "holds holds holds:4 violated:89 holds holds";
}
