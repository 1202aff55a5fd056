//! The file_lock family's verdicts, pinned: for every (model, scenario) pair the
//! verdict of each property, the length of the shortest counterexample (or of
//! the shortest example, for `lock_acquired`) and the number of unique states
//! as a tripwire. `models/file_lock.rs` explains each verdict; the notation is
//! described in `tests/suite/common.rs`.

pins! {
    check_then_create_no_faults: "file_lock_check_then_create", "no-faults", 3861, "violated:8 violated:14 holds:4 holds holds holds";
    check_then_create_holder_crash: "file_lock_check_then_create", "holder-crash", 10804, "violated:8 violated:14 holds:4 violated:56 violated:26+7 violated:26+7";
    check_then_create_gc_pause: "file_lock_check_then_create", "gc-pause", 54600, "violated:8 violated:14 holds:4 holds holds holds";
    check_then_create_clock_jump: "file_lock_check_then_create", "clock-jump", 7786, "violated:8 violated:14 holds:4 holds holds holds";
    check_then_create_clock_drift: "file_lock_check_then_create", "clock-drift", 23166, "violated:8 violated:14 holds:4 holds holds holds";
    check_then_create_message_loss: "file_lock_check_then_create", "message-loss", 475879, "violated:8 violated:14 holds:4 holds holds holds";
    check_then_create_partition: "file_lock_check_then_create", "partition", 52823, "violated:8 violated:14 holds:4 holds holds holds";
    check_then_create_server_restart: "file_lock_check_then_create", "server-restart", 30741, "violated:8 violated:14 holds:4 holds holds holds";
    check_then_create_async_network: "file_lock_check_then_create", "async-network", 7879, "violated:8 violated:14 holds:4 violated:14 holds holds";
    check_then_create_crowd_atomic: "file_lock_check_then_create", "crowd-atomic", 461062, "violated:4 violated:8 holds:2 holds holds holds";
    check_then_create_client_clock_skew: "file_lock_check_then_create", "client-clock-skew", 96325, "violated:8 violated:14 holds:4 holds holds holds";
    check_then_create_duplicates: "file_lock_check_then_create", "duplicates", 62866, "violated:8 violated:14 holds:4 violated:68 violated:28+7 violated:28+7";
    check_then_create_endless_contention: "file_lock_check_then_create", "endless-contention", 260250, "violated:12 violated:21 holds:9 holds holds violated:31+26";

    exclusive_no_faults: "file_lock_exclusive", "no-faults", 885, "holds holds holds:2 holds holds holds";
    exclusive_holder_crash: "file_lock_exclusive", "holder-crash", 2899, "holds holds holds:2 violated:54 violated:24+7 violated:24+7";
    exclusive_gc_pause: "file_lock_exclusive", "gc-pause", 16835, "holds holds holds:2 holds holds holds";
    exclusive_clock_jump: "file_lock_exclusive", "clock-jump", 1786, "holds holds holds:2 holds holds holds";
    exclusive_clock_drift: "file_lock_exclusive", "clock-drift", 5310, "holds holds holds:2 holds holds holds";
    exclusive_message_loss: "file_lock_exclusive", "message-loss", 110115, "violated:18 violated:24 holds:2 violated:97 violated:22+27 violated:22+27";
    exclusive_partition: "file_lock_exclusive", "partition", 17024, "holds holds holds:2 violated:68 violated:22+10 violated:22+10";
    exclusive_server_restart: "file_lock_exclusive", "server-restart", 6392, "holds holds holds:2 holds holds holds";
    exclusive_async_network: "file_lock_exclusive", "async-network", 22741, "holds holds holds:2 violated:14 holds holds";
    exclusive_crowd_atomic: "file_lock_exclusive", "crowd-atomic", 21693, "holds holds holds:1 holds holds holds";
    exclusive_client_clock_skew: "file_lock_exclusive", "client-clock-skew", 22105, "holds holds holds:2 holds holds holds";
    exclusive_duplicates: "file_lock_exclusive", "duplicates", 13192, "holds holds holds:2 violated:66 violated:24+10 violated:24+10";
    exclusive_endless_contention: "file_lock_exclusive", "endless-contention", 47548, "holds holds holds:4 violated:78 holds violated:20+46";

    stale_break_no_faults: "file_lock_stale_break", "no-faults", 1873, "holds holds holds:2 holds holds holds";
    stale_break_holder_crash: "file_lock_stale_break", "holder-crash", 7291, "holds holds holds:2 holds holds holds";
    stale_break_gc_pause: "file_lock_stale_break", "gc-pause", 48061, "violated:25 violated:31 holds:2 holds holds holds";
    stale_break_clock_jump: "file_lock_stale_break", "clock-jump", 5277, "holds holds holds:2 holds holds holds";
    stale_break_clock_drift: "file_lock_stale_break", "clock-drift", 11109, "violated:24 holds holds:2 holds";
    stale_break_message_loss: "file_lock_stale_break", "message-loss", 579973, "violated:18 violated:24 holds:2 violated:115 holds holds";
    stale_break_partition: "file_lock_stale_break", "partition", 66907, "violated:31 violated:37 holds:2 violated:83 holds holds";
    stale_break_server_restart: "file_lock_stale_break", "server-restart", 17523, "holds holds holds:2 holds holds holds";
    stale_break_async_network: "file_lock_stale_break", "async-network", 79031, "violated:16 violated:22 holds:2 violated:14";
    stale_break_crowd_atomic: "file_lock_stale_break", "crowd-atomic", 73773, "violated:35 violated:40 holds:1 holds";
    stale_break_client_clock_skew: "file_lock_stale_break", "client-clock-skew", 55015, "violated:16 violated:20 holds:2 holds holds holds";
    stale_break_duplicates: "file_lock_stale_break", "duplicates", 56064, "violated:37 violated:43 holds:2 violated:89 holds holds";
    stale_break_endless_contention: "file_lock_stale_break", "endless-contention", 172719, "holds holds holds:4 violated:78 holds violated:19+42";
}
