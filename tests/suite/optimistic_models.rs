//! Optimistic concurrency and the no-lock baseline, pinned (notation in
//! `tests/suite/common.rs`). `mutual_exclusion` is violated by design (there is
//! no lock); the comparison that matters is `resource_safe`.

pins! {
    occ_no_faults: "occ_cas", "no-faults", 355, "violated:0 holds holds:0 holds holds holds";
    occ_holder_crash: "occ_cas", "holder-crash", 1133, "violated:0 holds holds:0 holds holds holds";
    occ_gc_pause: "occ_cas", "gc-pause", 5075, "violated:0 holds holds:0 holds holds holds";
    occ_clock_jump: "occ_cas", "clock-jump", 363, "violated:0 holds holds:0 holds holds holds";
    occ_clock_drift: "occ_cas", "clock-drift", 355, "violated:0 holds holds:0 holds holds holds";
    occ_message_loss: "occ_cas", "message-loss", 3264, "violated:0 holds holds:0 holds holds holds";
    occ_partition: "occ_cas", "partition", 1416, "violated:0 holds holds:0 holds holds holds";
    occ_server_restart: "occ_cas", "server-restart", 371, "violated:0 holds holds:0 holds holds holds";
    occ_async_network: "occ_cas", "async-network", 17507, "violated:0 holds holds:0 violated:14 holds holds";
    occ_crowd_atomic: "occ_cas", "crowd-atomic", 4435, "violated:0 holds holds:0 holds holds holds";
    occ_endless_contention: "occ_cas", "endless-contention", 179180, "violated:0 holds holds:0 violated:78 holds holds";

    no_lock_no_faults: "no_lock", "no-faults", 340, "violated:0 violated:6 holds:0 holds holds holds";
    no_lock_holder_crash: "no_lock", "holder-crash", 1286, "violated:0 violated:6 holds:0 holds holds holds";
    no_lock_gc_pause: "no_lock", "gc-pause", 4343, "violated:0 violated:6 holds:0 holds holds holds";
    no_lock_clock_jump: "no_lock", "clock-jump", 372, "violated:0 violated:6 holds:0 holds holds holds";
    no_lock_clock_drift: "no_lock", "clock-drift", 340, "violated:0 violated:6 holds:0 holds holds holds";
    no_lock_message_loss: "no_lock", "message-loss", 3773, "violated:0 violated:6 holds:0 holds holds holds";
    no_lock_partition: "no_lock", "partition", 1344, "violated:0 violated:6 holds:0 holds holds holds";
    no_lock_server_restart: "no_lock", "server-restart", 404, "violated:0 violated:6 holds:0 holds holds holds";
    no_lock_async_network: "no_lock", "async-network", 6940, "violated:0 violated:6 holds:0 violated:14 holds holds";
    no_lock_crowd_atomic: "no_lock", "crowd-atomic", 19965, "violated:0 violated:4 holds:0 holds holds holds";
    no_lock_endless_contention: "no_lock", "endless-contention", 223780, "violated:0 violated:9 holds:0 holds holds holds";
}
