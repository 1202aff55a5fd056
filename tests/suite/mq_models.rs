//! The message-queue family's verdicts, pinned: for every (model, scenario)
//! pair the verdict of each property, the length of the shortest
//! counterexample (or of the shortest example, for `lock_acquired`) and the
//! number of unique states as a tripwire. `models/mq_lock_auto_ack.rs`,
//! `models/mq_lock_visibility_timeout.rs` and `models/mq_lock_message_ttl.rs`
//! explain each verdict; the notation is described in `tests/suite/common.rs`.

pins! {
    auto_ack_no_faults: "mq_lock_auto_ack", "no-faults", 885, "holds holds holds:2 holds holds holds";
    auto_ack_holder_crash: "mq_lock_auto_ack", "holder-crash", 2899, "holds holds holds:2 violated:54 violated:24+7 violated:24+7";
    auto_ack_gc_pause: "mq_lock_auto_ack", "gc-pause", 16835, "holds holds holds:2 holds holds holds";
    auto_ack_clock_jump: "mq_lock_auto_ack", "clock-jump", 1786, "holds holds holds:2 holds holds holds";
    auto_ack_clock_drift: "mq_lock_auto_ack", "clock-drift", 5310, "holds holds holds:2 holds holds holds";
    auto_ack_message_loss: "mq_lock_auto_ack", "message-loss", 98932, "violated:18 violated:24 holds:2 violated:97 violated:22+27 violated:22+27";
    auto_ack_partition: "mq_lock_auto_ack", "partition", 16825, "holds holds holds:2 violated:68 violated:22+10 violated:22+10";
    auto_ack_server_restart: "mq_lock_auto_ack", "server-restart", 6392, "holds holds holds:2 holds holds holds";
    auto_ack_async_network: "mq_lock_auto_ack", "async-network", 22741, "holds holds holds:2 violated:14 holds holds";
    auto_ack_crowd_atomic: "mq_lock_auto_ack", "crowd-atomic", 21693, "holds holds holds:1 holds holds holds";
    auto_ack_endless_contention: "mq_lock_auto_ack", "endless-contention", 47548, "holds holds holds:4 violated:78 holds violated:20+46";

    auto_ack_fenced_no_faults: "mq_lock_auto_ack_fenced", "no-faults", 885, "holds holds holds:2 holds holds holds";
    auto_ack_fenced_holder_crash: "mq_lock_auto_ack_fenced", "holder-crash", 2899, "holds holds holds:2 violated:54 violated:24+7 violated:24+7";
    auto_ack_fenced_gc_pause: "mq_lock_auto_ack_fenced", "gc-pause", 16835, "holds holds holds:2 holds holds holds";
    auto_ack_fenced_clock_jump: "mq_lock_auto_ack_fenced", "clock-jump", 1786, "holds holds holds:2 holds holds holds";
    auto_ack_fenced_clock_drift: "mq_lock_auto_ack_fenced", "clock-drift", 5310, "holds holds holds:2 holds holds holds";
    auto_ack_fenced_message_loss: "mq_lock_auto_ack_fenced", "message-loss", 104870, "violated:18 holds holds:2 violated:97 violated:22+27 violated:22+27";
    auto_ack_fenced_partition: "mq_lock_auto_ack_fenced", "partition", 19052, "holds holds holds:2 violated:68 violated:22+10 violated:22+10";
    auto_ack_fenced_server_restart: "mq_lock_auto_ack_fenced", "server-restart", 6392, "holds holds holds:2 holds holds holds";
    auto_ack_fenced_async_network: "mq_lock_auto_ack_fenced", "async-network", 22741, "holds holds holds:2 violated:14 holds holds";
    auto_ack_fenced_crowd_atomic: "mq_lock_auto_ack_fenced", "crowd-atomic", 21693, "holds holds holds:1 holds holds holds";
    auto_ack_fenced_endless_contention: "mq_lock_auto_ack_fenced", "endless-contention", 47548, "holds holds holds:4 violated:78 holds violated:32+46";

    visibility_no_faults: "mq_lock_visibility_timeout", "no-faults", 1395, "holds holds holds:2 holds holds holds";
    visibility_holder_crash: "mq_lock_visibility_timeout", "holder-crash", 5233, "holds holds holds:2 holds holds holds";
    visibility_gc_pause: "mq_lock_visibility_timeout", "gc-pause", 42666, "violated:20 violated:26 holds:2 holds holds holds";
    visibility_clock_jump: "mq_lock_visibility_timeout", "clock-jump", 10513, "violated:5 violated:11 holds:2 holds holds holds";
    visibility_clock_drift: "mq_lock_visibility_timeout", "clock-drift", 8860, "violated:13 violated:17 holds:2 holds holds holds";
    visibility_message_loss: "mq_lock_visibility_timeout", "message-loss", 157480, "holds holds holds:2 holds holds holds";
    visibility_partition: "mq_lock_visibility_timeout", "partition", 37187, "holds holds holds:2 holds holds holds";
    visibility_server_restart: "mq_lock_visibility_timeout", "server-restart", 10871, "holds holds holds:2 holds holds holds";
    visibility_async_network: "mq_lock_visibility_timeout", "async-network", 25655, "violated:10 violated:16 holds:2 violated:14 holds holds";
    visibility_crowd_atomic: "mq_lock_visibility_timeout", "crowd-atomic", 39267, "violated:27 violated:32 holds:1 holds holds holds";
    visibility_endless_contention: "mq_lock_visibility_timeout", "endless-contention", 117584, "holds holds holds:4 violated:78 holds violated:22+45";

    visibility_fenced_no_faults: "mq_lock_visibility_timeout_fenced", "no-faults", 1395, "holds holds holds:2 holds holds holds";
    visibility_fenced_holder_crash: "mq_lock_visibility_timeout_fenced", "holder-crash", 5233, "holds holds holds:2 holds holds holds";
    visibility_fenced_gc_pause: "mq_lock_visibility_timeout_fenced", "gc-pause", 39602, "violated:20 holds holds:2 holds holds holds";
    visibility_fenced_clock_jump: "mq_lock_visibility_timeout_fenced", "clock-jump", 8714, "violated:5 holds holds:2 holds holds holds";
    visibility_fenced_clock_drift: "mq_lock_visibility_timeout_fenced", "clock-drift", 8584, "violated:13 holds holds:2 holds holds holds";
    visibility_fenced_message_loss: "mq_lock_visibility_timeout_fenced", "message-loss", 165690, "holds holds holds:2 holds holds holds";
    visibility_fenced_partition: "mq_lock_visibility_timeout_fenced", "partition", 37471, "holds holds holds:2 holds holds holds";
    visibility_fenced_server_restart: "mq_lock_visibility_timeout_fenced", "server-restart", 10871, "holds holds holds:2 holds holds holds";
    visibility_fenced_async_network: "mq_lock_visibility_timeout_fenced", "async-network", 144091, "violated:10 holds holds:2 violated:14 holds holds";
    visibility_fenced_crowd_atomic: "mq_lock_visibility_timeout_fenced", "crowd-atomic", 31625, "violated:27 holds holds:1 holds holds holds";
    visibility_fenced_endless_contention: "mq_lock_visibility_timeout_fenced", "endless-contention", 117584, "holds holds holds:4 violated:78 holds violated:32+48";

    // Released by delete, then a new token sent: two calls where the base
    // variant makes one. A crash between them, a delete retried after its
    // answer was lost (refused: the token is gone) and a send retried after
    // its confirm was lost (two tokens) are each visible.
    delete_send_endless_contention: "mq_lock_visibility_timeout_delete_send", "endless-contention", 80058, "holds holds holds:4 violated:79 holds violated:24+52";
    sqs_delete_send_endless_contention: "mq_lock_visibility_timeout_sqs_delete_send", "endless-contention", 80058, "holds holds holds:4 violated:79 holds violated:24+52";
    delete_send_no_faults: "mq_lock_visibility_timeout_delete_send", "no-faults", 1943, "holds holds holds:2 holds holds holds";
    delete_send_holder_crash: "mq_lock_visibility_timeout_delete_send", "holder-crash", 6871, "holds holds holds:2 violated:60 violated:30+7 violated:30+7";
    delete_send_gc_pause: "mq_lock_visibility_timeout_delete_send", "gc-pause", 56993, "violated:20 violated:26 holds:2 violated:62 holds holds";
    delete_send_clock_jump: "mq_lock_visibility_timeout_delete_send", "clock-jump", 13884, "violated:5 violated:11 holds:2 holds holds holds";
    delete_send_message_loss: "mq_lock_visibility_timeout_delete_send", "message-loss", 708985, "violated:20 violated:26 holds:2 violated:101 violated:26+19 violated:26+19";
    delete_send_partition: "mq_lock_visibility_timeout_delete_send", "partition", 58863, "holds holds holds:2 violated:71 violated:28+7 violated:28+7";
    delete_send_server_restart: "mq_lock_visibility_timeout_delete_send", "server-restart", 15232, "holds holds holds:2 holds holds holds";
    delete_send_duplicates: "mq_lock_visibility_timeout_delete_send", "duplicates", 32160, "holds holds holds:2 violated:66 violated:26+7 violated:26+7";

    // The same on SQS: a delete with a stale receipt handle is honoured,
    // and so is one of a message already gone. The retried delete after a
    // partition then succeeds and a new token is sent: progress holds.
    sqs_delete_send_gc_pause: "mq_lock_visibility_timeout_sqs_delete_send", "gc-pause", 59150, "violated:20 violated:26 holds:2 violated:62 holds holds";
    sqs_delete_send_message_loss: "mq_lock_visibility_timeout_sqs_delete_send", "message-loss", 849414, "violated:20 violated:26 holds:2 violated:110 holds holds";
    sqs_delete_send_partition: "mq_lock_visibility_timeout_sqs_delete_send", "partition", 59154, "holds holds holds:2 holds holds holds";
    sqs_delete_send_duplicates: "mq_lock_visibility_timeout_sqs_delete_send", "duplicates", 31648, "holds holds holds:2 violated:80 holds holds";

    message_ttl_no_faults: "mq_lock_message_ttl", "no-faults", 3241, "violated:8 violated:14 holds:4 violated:52 violated:13+6 violated:13+6";
    message_ttl_holder_crash: "mq_lock_message_ttl", "holder-crash", 9358, "violated:8 violated:14 holds:4 violated:62 violated:33+5 violated:33+5";
    message_ttl_gc_pause: "mq_lock_message_ttl", "gc-pause", 40489, "violated:8 violated:14 holds:4 violated:60 violated:43+6 violated:43+6";
    message_ttl_clock_jump: "mq_lock_message_ttl", "clock-jump", 8802, "violated:8 violated:14 holds:4 violated:66 violated:33+5 violated:33+5";
    message_ttl_clock_drift: "mq_lock_message_ttl", "clock-drift", 19306, "violated:8 violated:14 holds:4 violated:52 violated:13+12 violated:13+12";
    message_ttl_message_loss: "mq_lock_message_ttl", "message-loss", 728801, "violated:8 violated:14 holds:4 violated:100 violated:31+9 violated:31+9";
    message_ttl_partition: "mq_lock_message_ttl", "partition", 129861, "violated:8 violated:14 holds:4 violated:71 violated:25+9 violated:25+9";
    message_ttl_server_restart: "mq_lock_message_ttl", "server-restart", 30731, "violated:8 violated:14 holds:4 violated:78 violated:19+9 violated:19+9";
    message_ttl_async_network: "mq_lock_message_ttl", "async-network", 25693, "violated:8 violated:14 holds:4 violated:14 violated:13+6 violated:13+6";
    message_ttl_crowd_atomic: "mq_lock_message_ttl", "crowd-atomic", 468565, "violated:4 violated:8 holds:2 violated:92 violated:56+4 violated:56+4";
    message_ttl_endless_contention: "mq_lock_message_ttl", "endless-contention", 186700, "violated:12 violated:21 holds:9 holds holds holds";
}
