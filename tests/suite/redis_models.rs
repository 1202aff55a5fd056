//! The Redis family's verdicts, pinned: for every (model, scenario) pair the
//! verdict of each property, the length of the shortest counterexample (or of
//! the shortest example, for `lock_acquired`) and the number of unique states
//! as a tripwire. The models' module docs explain each verdict; the notation
//! is described in `tests/suite/common.rs`. Cells whose liveness graph has
//! millions of states run with `--ignored` (see `pins_long!`).

pins! {
    setnx_no_faults: "redis_setnx", "no-faults", 885, "holds holds holds:2 holds holds holds";
    setnx_holder_crash: "redis_setnx", "holder-crash", 2899, "holds holds holds:2 violated:54 violated:24+7 violated:24+7";
    setnx_gc_pause: "redis_setnx", "gc-pause", 16835, "holds holds holds:2 holds holds holds";
    setnx_clock_jump: "redis_setnx", "clock-jump", 1786, "holds holds holds:2 holds holds holds";
    setnx_clock_drift: "redis_setnx", "clock-drift", 5310, "holds holds holds:2 holds holds holds";
    setnx_message_loss: "redis_setnx", "message-loss", 110115, "violated:18 violated:24 holds:2 violated:97 violated:22+27 violated:22+27";
    setnx_partition: "redis_setnx", "partition", 17024, "holds holds holds:2 violated:68 violated:22+10 violated:22+10";
    setnx_server_restart: "redis_setnx", "server-restart", 10838, "violated:10 violated:16 holds:2 holds holds holds";
    setnx_async_network: "redis_setnx", "async-network", 22741, "holds holds holds:2 violated:14 holds holds";
    setnx_crowd_atomic: "redis_setnx", "crowd-atomic", 21693, "holds holds holds:1 holds holds holds";

    set_px_no_faults: "redis_set_px", "no-faults", 1395, "holds holds holds:2 holds holds holds";
    set_px_holder_crash: "redis_set_px", "holder-crash", 5210, "holds holds holds:2 holds holds holds";
    set_px_gc_pause: "redis_set_px", "gc-pause", 42610, "violated:20 violated:26 holds:2 holds holds holds";
    set_px_clock_jump: "redis_set_px", "clock-jump", 10669, "violated:5 violated:11 holds:2 holds holds holds";
    set_px_clock_drift: "redis_set_px", "clock-drift", 8824, "violated:13 violated:17 holds:2 holds holds holds";
    set_px_message_loss: "redis_set_px", "message-loss", 142543, "holds holds holds:2 holds holds holds";
    set_px_partition: "redis_set_px", "partition", 32936, "holds holds holds:2 holds holds holds";
    set_px_server_restart: "redis_set_px", "server-restart", 14543, "violated:10 violated:16 holds:2 holds holds holds";
    set_px_async_network: "redis_set_px", "async-network", 25713, "violated:10 violated:16 holds:2 violated:14 holds holds";
    set_px_crowd_atomic: "redis_set_px", "crowd-atomic", 34489, "violated:27 violated:32 holds:1 holds holds holds";

    // Fenced: clients can still both believe they hold the lock (mutual_exclusion
    // violated), yet the resource rejects the stale write (resource_safe holds).
    set_px_fenced_no_faults: "redis_set_px_fenced", "no-faults", 1395, "holds holds holds:2 holds holds holds";
    set_px_fenced_holder_crash: "redis_set_px_fenced", "holder-crash", 5233, "holds holds holds:2 holds holds holds";
    set_px_fenced_gc_pause: "redis_set_px_fenced", "gc-pause", 39618, "violated:20 holds holds:2 holds holds holds";
    set_px_fenced_clock_jump: "redis_set_px_fenced", "clock-jump", 8982, "violated:5 holds holds:2 holds holds holds";
    set_px_fenced_clock_drift: "redis_set_px_fenced", "clock-drift", 8548, "violated:13 holds holds:2 holds holds holds";
    set_px_fenced_message_loss: "redis_set_px_fenced", "message-loss", 167377, "holds holds holds:2 holds holds holds";
    set_px_fenced_partition: "redis_set_px_fenced", "partition", 37760, "holds holds holds:2 holds holds holds";
    set_px_fenced_server_restart: "redis_set_px_fenced", "server-restart", 14703, "violated:10 violated:16 holds:2 holds holds holds";
    set_px_fenced_async_network: "redis_set_px_fenced", "async-network", 147376, "violated:10 holds holds:2 violated:14 holds holds";
    set_px_fenced_crowd_atomic: "redis_set_px_fenced", "crowd-atomic", 34166, "violated:27 holds holds:1 holds holds holds";

    // The fence checked on writes only: a newer holder's read does not
    // raise the highest token, so an older holder's write that follows it
    // is accepted and one of the two updates is lost.
    set_px_writes_only_no_faults: "redis_set_px_fenced_writes_only", "no-faults", 1395, "holds holds holds:2 holds holds holds";
    set_px_writes_only_holder_crash: "redis_set_px_fenced_writes_only", "holder-crash", 5233, "holds holds holds:2 holds holds holds";
    set_px_writes_only_gc_pause: "redis_set_px_fenced_writes_only", "gc-pause", 41423, "violated:20 violated:26 holds:2 holds holds holds";
    set_px_writes_only_clock_jump: "redis_set_px_fenced_writes_only", "clock-jump", 10121, "violated:5 violated:11 holds:2 holds holds holds";
    set_px_writes_only_clock_drift: "redis_set_px_fenced_writes_only", "clock-drift", 8824, "violated:13 violated:17 holds:2 holds holds holds";
    set_px_writes_only_message_loss: "redis_set_px_fenced_writes_only", "message-loss", 167377, "holds holds holds:2 holds holds holds";
    set_px_writes_only_partition: "redis_set_px_fenced_writes_only", "partition", 37760, "holds holds holds:2 holds holds holds";
    set_px_writes_only_server_restart: "redis_set_px_fenced_writes_only", "server-restart", 14703, "violated:10 violated:16 holds:2 holds holds holds";
    set_px_writes_only_async_network: "redis_set_px_fenced_writes_only", "async-network", 25711, "violated:10 violated:16 holds:2 violated:14 holds holds";
    set_px_writes_only_crowd_atomic: "redis_set_px_fenced_writes_only", "crowd-atomic", 38376, "violated:27 violated:32 holds:1 holds holds holds";
    set_px_writes_only_duplicates: "redis_set_px_fenced_writes_only", "duplicates", 18692, "holds holds holds:2 holds holds holds";
    set_px_writes_only_endless_contention: "redis_set_px_fenced_writes_only", "endless-contention", 117584, "holds holds holds:4 violated:78 holds violated:32+48";
    set_px_writes_only_long_work: "redis_set_px_fenced_writes_only", "long-work", 3081, "violated:20 violated:39 holds:2 holds holds holds";

    // The fence checked, then the write made as a second step: a newer
    // holder's read can come between an older holder's check and its
    // write, and the older write is accepted after it.
    set_px_check_then_write_no_faults: "redis_set_px_fenced_check_then_write", "no-faults", 1532, "holds holds holds:2 holds holds holds";
    set_px_check_then_write_holder_crash: "redis_set_px_fenced_check_then_write", "holder-crash", 5719, "holds holds holds:2 holds holds holds";
    set_px_check_then_write_gc_pause: "redis_set_px_fenced_check_then_write", "gc-pause", 46697, "violated:20 violated:28 holds:2 holds holds holds";
    set_px_check_then_write_clock_jump: "redis_set_px_fenced_check_then_write", "clock-jump", 12771, "violated:5 violated:13 holds:2 holds holds holds";
    set_px_check_then_write_clock_drift: "redis_set_px_fenced_check_then_write", "clock-drift", 10250, "violated:13 violated:19 holds:2 holds holds holds";
    set_px_check_then_write_message_loss: "redis_set_px_fenced_check_then_write", "message-loss", 182566, "holds holds holds:2 holds holds holds";
    set_px_check_then_write_partition: "redis_set_px_fenced_check_then_write", "partition", 40224, "holds holds holds:2 holds holds holds";
    set_px_check_then_write_server_restart: "redis_set_px_fenced_check_then_write", "server-restart", 16014, "violated:10 violated:18 holds:2 holds holds holds";
    set_px_check_then_write_async_network: "redis_set_px_fenced_check_then_write", "async-network", 44146, "violated:10 violated:18 holds:2 violated:14 holds holds";
    set_px_check_then_write_crowd_atomic: "redis_set_px_fenced_check_then_write", "crowd-atomic", 48620, "violated:27 violated:34 holds:1 holds holds holds";
    set_px_check_then_write_duplicates: "redis_set_px_fenced_check_then_write", "duplicates", 20078, "holds holds holds:2 holds holds holds";
    set_px_check_then_write_endless_contention: "redis_set_px_fenced_check_then_write", "endless-contention", 125970, "holds holds holds:4 violated:80 holds violated:34+50";
    set_px_check_then_write_long_work: "redis_set_px_fenced_check_then_write", "long-work", 3748, "violated:20 violated:43 holds:2 holds holds holds";
    // Two resources, each fenced on its own: a stale holder's stamp of the
    // second resource is accepted after a newer holder's write of the
    // first, so the section's effects are two holders'.
    set_px_two_resources_no_faults: "redis_set_px_fenced_two_resources", "no-faults", 2455, "holds holds holds:2 holds holds holds";
    set_px_two_resources_holder_crash: "redis_set_px_fenced_two_resources", "holder-crash", 9092, "holds holds holds:2 holds holds holds";
    set_px_two_resources_gc_pause: "redis_set_px_fenced_two_resources", "gc-pause", 81517, "violated:20 violated:28 holds:2 holds holds holds";
    set_px_two_resources_clock_jump: "redis_set_px_fenced_two_resources", "clock-jump", 19977, "violated:5 violated:13 holds:2 holds holds holds";
    set_px_two_resources_clock_drift: "redis_set_px_fenced_two_resources", "clock-drift", 18094, "violated:13 violated:19 holds:2 holds holds holds";
    set_px_two_resources_message_loss: "redis_set_px_fenced_two_resources", "message-loss", 288170, "holds holds holds:2 violated:111 holds holds";
    set_px_two_resources_partition: "redis_set_px_fenced_two_resources", "partition", 53786, "holds holds holds:2 holds holds holds";
    set_px_two_resources_server_restart: "redis_set_px_fenced_two_resources", "server-restart", 23722, "violated:10 violated:16 holds:2 holds holds holds";
    set_px_two_resources_async_network: "redis_set_px_fenced_two_resources", "async-network", 51058, "violated:10 violated:18 holds:2 violated:14 holds holds";
    set_px_two_resources_crowd_atomic: "redis_set_px_fenced_two_resources", "crowd-atomic", 46558, "violated:27 violated:33 holds:1 holds holds holds";
    set_px_two_resources_duplicates: "redis_set_px_fenced_two_resources", "duplicates", 27832, "holds holds holds:2 violated:81 holds holds";
    set_px_two_resources_endless_contention: "redis_set_px_fenced_two_resources", "endless-contention", 107128, "holds holds holds:4 violated:79 holds violated:42+52";
    set_px_two_resources_long_work: "redis_set_px_fenced_two_resources", "long-work", 3709, "violated:20 holds holds:2 holds holds holds";

    py_lock_no_faults: "redis_py_lock", "no-faults", 1395, "holds holds holds:2 holds holds holds";
    py_lock_holder_crash: "redis_py_lock", "holder-crash", 5210, "holds holds holds:2 holds holds holds";
    py_lock_gc_pause: "redis_py_lock", "gc-pause", 39827, "violated:20 violated:26 holds:2 holds holds holds";
    py_lock_clock_jump: "redis_py_lock", "clock-jump", 9000, "violated:5 violated:11 holds:2 holds holds holds";
    py_lock_clock_drift: "redis_py_lock", "clock-drift", 9222, "violated:13 violated:17 holds:2 holds holds holds";
    py_lock_message_loss: "redis_py_lock", "message-loss", 213526, "violated:18 violated:24 holds:2 holds holds holds";
    py_lock_partition: "redis_py_lock", "partition", 30597, "holds holds holds:2 holds holds holds";
    py_lock_server_restart: "redis_py_lock", "server-restart", 13972, "violated:10 violated:16 holds:2 holds holds holds";
    py_lock_async_network: "redis_py_lock", "async-network", 25711, "violated:10 violated:16 holds:2 violated:14 holds holds";
    py_lock_crowd_atomic: "redis_py_lock", "crowd-atomic", 37140, "violated:27 violated:32 holds:1 holds holds holds";

    py_lock_fenced_no_faults: "redis_py_lock_fenced", "no-faults", 1395, "holds holds holds:2 holds holds holds";
    py_lock_fenced_holder_crash: "redis_py_lock_fenced", "holder-crash", 5233, "holds holds holds:2 holds holds holds";
    py_lock_fenced_gc_pause: "redis_py_lock_fenced", "gc-pause", 38832, "violated:20 holds holds:2 holds holds holds";
    py_lock_fenced_clock_jump: "redis_py_lock_fenced", "clock-jump", 8574, "violated:5 holds holds:2 holds holds holds";
    py_lock_fenced_clock_drift: "redis_py_lock_fenced", "clock-drift", 8908, "violated:13 holds holds:2 holds holds holds";
    py_lock_fenced_message_loss: "redis_py_lock_fenced", "message-loss", 221749, "violated:18 holds holds:2 holds holds holds";
    py_lock_fenced_partition: "redis_py_lock_fenced", "partition", 36876, "holds holds holds:2 holds holds holds";
    py_lock_fenced_server_restart: "redis_py_lock_fenced", "server-restart", 14703, "violated:10 violated:16 holds:2 holds holds holds";
    py_lock_fenced_async_network: "redis_py_lock_fenced", "async-network", 140503, "violated:10 holds holds:2 violated:14 holds holds";
    py_lock_fenced_crowd_atomic: "redis_py_lock_fenced", "crowd-atomic", 40506, "violated:27 holds holds:1 holds holds holds";

    // No timeout: no pause or clock fault can free the key, and no crash or
    // lost answer can either.
    py_lock_no_timeout_no_faults: "redis_py_lock_no_timeout", "no-faults", 885, "holds holds holds:2 holds holds holds";
    py_lock_no_timeout_holder_crash: "redis_py_lock_no_timeout", "holder-crash", 2899, "holds holds holds:2 violated:54 violated:24+7 violated:24+7";
    py_lock_no_timeout_gc_pause: "redis_py_lock_no_timeout", "gc-pause", 16835, "holds holds holds:2 holds holds holds";
    py_lock_no_timeout_clock_jump: "redis_py_lock_no_timeout", "clock-jump", 1786, "holds holds holds:2 holds holds holds";
    py_lock_no_timeout_clock_drift: "redis_py_lock_no_timeout", "clock-drift", 5310, "holds holds holds:2 holds holds holds";
    py_lock_no_timeout_message_loss: "redis_py_lock_no_timeout", "message-loss", 71489, "holds holds holds:2 violated:97 violated:22+27 violated:22+27";
    py_lock_no_timeout_partition: "redis_py_lock_no_timeout", "partition", 18642, "holds holds holds:2 violated:68 violated:22+10 violated:22+10";
    py_lock_no_timeout_server_restart: "redis_py_lock_no_timeout", "server-restart", 10280, "violated:10 violated:16 holds:2 holds holds holds";
    py_lock_no_timeout_async_network: "redis_py_lock_no_timeout", "async-network", 22741, "holds holds holds:2 violated:14 holds holds";
    py_lock_no_timeout_crowd_atomic: "redis_py_lock_no_timeout", "crowd-atomic", 21693, "holds holds holds:1 holds holds holds";
    py_lock_no_timeout_duplicates: "redis_py_lock_no_timeout", "duplicates", 13820, "holds holds holds:2 violated:66 violated:24+10 violated:24+10";

    // Redisson's watchdog renews the key while its holder runs: it carries a
    // slow critical section (long-work) that breaks every unrenewed lease,
    // and nothing else: a pause stops the watchdog with the process.
    redisson_no_faults: "redisson_lock", "no-faults", 5434, "holds holds holds:2 holds holds holds";
    redisson_holder_crash: "redisson_lock", "holder-crash", 16895, "holds holds holds:2 holds holds holds";
    redisson_gc_pause: "redisson_lock", "gc-pause", 353709, "violated:20 violated:26 holds:2 holds holds holds";
    redisson_clock_jump: "redisson_lock", "clock-jump", 84207, "violated:5 violated:11 holds:2 holds holds holds";
    redisson_clock_drift: "redisson_lock", "clock-drift", 36212, "violated:14 violated:18 holds:2 holds holds holds";
    redisson_partition: "redisson_lock", "partition", 80131, "holds holds holds:2 holds holds holds";
    redisson_server_restart: "redisson_lock", "server-restart", 73489, "violated:10 violated:16 holds:2 holds holds holds";
    redisson_async_network: "redisson_lock", "async-network", 114399, "violated:10 violated:16 holds:2 violated:14 holds holds";
    redisson_crowd_atomic: "redisson_lock", "crowd-atomic", 54289, "violated:27 violated:32 holds:1 holds holds holds";
    redisson_duplicates: "redisson_lock", "duplicates", 75716, "holds holds holds:2 holds holds holds";
    redisson_long_work: "redisson_lock", "long-work", 12567, "holds holds holds:2 holds holds holds";
    redisson_fenced_holder_crash: "redisson_fenced_lock", "holder-crash", 16918, "holds holds holds:2 holds holds holds";
    redisson_fenced_clock_drift: "redisson_fenced_lock", "clock-drift", 35664, "violated:14 holds holds:2 holds holds holds";
    redisson_fenced_server_restart: "redisson_fenced_lock", "server-restart", 79542, "violated:10 violated:16 holds:2 holds holds holds";
    redisson_fenced_long_work: "redisson_fenced_lock", "long-work", 12567, "holds holds holds:2 holds holds holds";
    // The same slow critical section without a watchdog: the lease runs out
    // under a running holder, with no fault at all.
    set_px_long_work: "redis_set_px", "long-work", 3081, "violated:20 violated:39 holds:2 holds holds holds";
    set_px_fenced_long_work: "redis_set_px_fenced", "long-work", 3081, "violated:20 holds holds:2 holds holds holds";

    // SETNX then EXPIRE: the key has no timeout until the second command runs.
    setnx_expire_no_faults: "redis_setnx_expire", "no-faults", 2459, "holds holds holds:4 holds holds holds";
    setnx_expire_holder_crash: "redis_setnx_expire", "holder-crash", 8843, "holds holds holds:4 violated:54 violated:24+7 violated:24+7";
    setnx_expire_gc_pause: "redis_setnx_expire", "gc-pause", 76052, "violated:24 violated:30 holds:4 violated:62 holds holds";
    setnx_expire_clock_jump: "redis_setnx_expire", "clock-jump", 18424, "violated:9 violated:15 holds:4 holds holds holds";
    setnx_expire_clock_drift: "redis_setnx_expire", "clock-drift", 16200, "violated:17 violated:21 holds:4 holds holds holds";
    setnx_expire_message_loss: "redis_setnx_expire", "message-loss", 173238, "holds holds holds:4 violated:101 violated:22+27 violated:22+27";
    setnx_expire_partition: "redis_setnx_expire", "partition", 68404, "violated:26 violated:32 holds:4 violated:70 violated:22+10 violated:22+10";
    setnx_expire_server_restart: "redis_setnx_expire", "server-restart", 52011, "violated:14 violated:20 holds:4 holds holds holds";
    setnx_expire_async_network: "redis_setnx_expire", "async-network", 52581, "violated:14 violated:20 holds:4 violated:14 holds holds";
    setnx_expire_crowd_atomic: "redis_setnx_expire", "crowd-atomic", 43750, "violated:29 violated:34 holds:2 holds holds holds";

    // SETNX with an expiry stamp as the value, GETSET to take over a lapsed
    // stamp: no key is ever left without a way out, but the stamps are read
    // on the clients' clocks.
    setnx_getset_no_faults: "redis_setnx_getset", "no-faults", 2797, "holds holds holds:2 holds holds holds";
    setnx_getset_holder_crash: "redis_setnx_getset", "holder-crash", 9504, "holds holds holds:2 holds holds holds";
    setnx_getset_gc_pause: "redis_setnx_getset", "gc-pause", 69006, "violated:24 violated:30 holds:2 holds holds holds";
    setnx_getset_clock_jump: "redis_setnx_getset", "clock-jump", 5626, "holds holds holds:2 holds holds holds";
    setnx_getset_clock_drift: "redis_setnx_getset", "clock-drift", 17207, "holds holds holds:2 holds";
    setnx_getset_partition: "redis_setnx_getset", "partition", 162707, "violated:23 violated:29 holds:2 holds holds holds";
    setnx_getset_server_restart: "redis_setnx_getset", "server-restart", 53763, "violated:10 violated:16 holds:2 holds holds holds";
    setnx_getset_async_network: "redis_setnx_getset", "async-network", 73870, "violated:15 violated:21 holds:2 violated:14";
    // Safety only: its liveness graph has 10.1 million states (below).
    setnx_getset_crowd_atomic_safety: "redis_setnx_getset", "crowd-atomic", 72687, "violated:39 violated:44 holds:1 holds";
    setnx_getset_duplicates: "redis_setnx_getset", "duplicates", 81852, "holds holds holds:2 violated:86 holds holds";
    setnx_getset_endless_contention: "redis_setnx_getset", "endless-contention", 644764, "holds holds holds:4 violated:78 holds violated:19+64";
    setnx_getset_long_work: "redis_setnx_getset", "long-work", 3689, "violated:24 violated:41 holds:2 holds holds holds";
    setnx_getset_client_clock_skew: "redis_setnx_getset", "client-clock-skew", 71520, "violated:20 violated:24 holds:2 holds holds holds";

    // redis-py's Lock shared by threads (thread_local=False): the release
    // compares the token the last acquirer stored, whichever thread it was.
    not_thread_local_no_faults: "redis_py_lock_not_thread_local", "no-faults", 1395, "holds holds holds:2 holds holds holds";
    not_thread_local_holder_crash: "redis_py_lock_not_thread_local", "holder-crash", 5210, "holds holds holds:2 holds holds holds";
    not_thread_local_gc_pause: "redis_py_lock_not_thread_local", "gc-pause", 42582, "violated:20 violated:26 holds:2 holds holds holds";
    not_thread_local_clock_jump: "redis_py_lock_not_thread_local", "clock-jump", 10191, "violated:5 violated:11 holds:2 holds holds holds";
    not_thread_local_clock_drift: "redis_py_lock_not_thread_local", "clock-drift", 8864, "violated:13 violated:17 holds:2 holds holds holds";
    not_thread_local_message_loss: "redis_py_lock_not_thread_local", "message-loss", 142543, "holds holds holds:2 holds holds holds";
    not_thread_local_partition: "redis_py_lock_not_thread_local", "partition", 32936, "holds holds holds:2 holds holds holds";
    not_thread_local_server_restart: "redis_py_lock_not_thread_local", "server-restart", 14170, "violated:10 violated:16 holds:2 holds holds holds";
    not_thread_local_async_network: "redis_py_lock_not_thread_local", "async-network", 25758, "violated:10 violated:16 holds:2 violated:14 holds holds";
    not_thread_local_crowd_atomic: "redis_py_lock_not_thread_local", "crowd-atomic", 42830, "violated:27 violated:32 holds:1 holds holds holds";
    not_thread_local_duplicates: "redis_py_lock_not_thread_local", "duplicates", 18468, "holds holds holds:2 holds holds holds";
    not_thread_local_endless_contention: "redis_py_lock_not_thread_local", "endless-contention", 117584, "holds holds holds:4 violated:78 holds violated:20+46";
    not_thread_local_long_work: "redis_py_lock_not_thread_local", "long-work", 2857, "violated:20 violated:39 holds:2 holds holds holds";

    // GET, compare in the client, then DEL: the key can change hands between them.
    get_del_no_faults: "redis_get_del_release", "no-faults", 2593, "holds holds holds:2 holds holds holds";
    get_del_holder_crash: "redis_get_del_release", "holder-crash", 9058, "holds holds holds:2 holds holds holds";
    get_del_gc_pause: "redis_get_del_release", "gc-pause", 84883, "violated:20 violated:26 holds:2 holds holds holds";
    get_del_clock_jump: "redis_get_del_release", "clock-jump", 20023, "violated:5 violated:11 holds:2 holds holds holds";
    get_del_clock_drift: "redis_get_del_release", "clock-drift", 15224, "violated:13 violated:17 holds:2 holds holds holds";
    get_del_message_loss: "redis_get_del_release", "message-loss", 698718, "violated:20 violated:26 holds:2 violated:111 holds holds";
    get_del_partition: "redis_get_del_release", "partition", 53238, "holds holds holds:2 holds holds holds";
    get_del_server_restart: "redis_get_del_release", "server-restart", 30659, "violated:10 violated:16 holds:2 holds holds holds";
    get_del_async_network: "redis_get_del_release", "async-network", 27200, "violated:10 violated:16 holds:2 violated:14 holds holds";
    get_del_crowd_atomic: "redis_get_del_release", "crowd-atomic", 44179, "violated:27 violated:32 holds:1 holds holds holds";
    get_del_endless_contention: "redis_get_del_release", "endless-contention", 90529, "violated:43 violated:52 holds:4 violated:79 holds violated:24+52";
}

pins_long! {
    setnx_getset_message_loss: "redis_setnx_getset", "message-loss", 2014747, "violated:18 violated:24 holds:2 violated:116 holds holds";
    setnx_getset_crowd_atomic: "redis_setnx_getset", "crowd-atomic", 72687, "violated:39 violated:44 holds:1 holds holds holds";
}

/// What `thread_local=False` changes, which the matrix cannot show (both
/// forms break under the same faults, in as many steps, through a holder
/// that outlives its key): a client's release carries another client's
/// token, so it deletes the lock another thread took. Under gc-pause that
/// is reachable for the shared lock object and never for `redis_set_px`,
/// whose release carries the client's own token.
#[test]
fn a_shared_lock_object_releases_with_another_threads_token() {
    use lockcheck::models::redis::{Cmd, Msg, RedisFlavor, RedisLock, Value};
    use lockcheck::models::redis_py_lock_not_thread_local::NotThreadLocal;
    use lockcheck::models::redis_set_px::SetPx;
    use lockcheck::node::LockModel;
    use lockcheck::world::{Payload, WorldState};
    use stateright::Model;

    /// Whether a release naming another client's token is ever in flight,
    /// over the whole reduced search (symmetry keeps the question: it asks
    /// about every client alike).
    fn foreign_release<F: RedisFlavor>(variant: &str) -> bool {
        type M<F> = RedisLock<F>;
        let scenario = crate::common::load_scenario("gc-pause");
        let model = M::<F>::new(variant, &scenario.params).expect("a variant");
        let canonical = crate::common::reduced(model, &scenario, crate::common::ALL_REDUCTIONS);
        let mut found = false;
        let seen = crate::common::breadth_first(
            canonical.init_states(),
            1_000_000,
            |s: &WorldState<M<F>>| {
                found |= s.network.iter().any(|e| {
                    matches!(&e.payload, Payload::Lock(Msg::Req {
                        cmd: Cmd::DelIfValue { value: Value::Unique(n) },
                        ..
                    }) if n.owner() != e.src)
                });
                let mut actions = Vec::new();
                canonical.actions(s, &mut actions);
                actions
                    .into_iter()
                    .filter_map(|a| canonical.next_state(s, a))
                    .collect()
            },
        );
        assert!(seen < 1_000_000, "{variant}: the search did not end");
        found
    }
    assert!(foreign_release::<NotThreadLocal>(
        "redis_py_lock_not_thread_local"
    ));
    assert!(!foreign_release::<SetPx>("redis_set_px"));
}
