//! The DynamoDB and Hazelcast locks' verdicts, pinned: for every (model,
//! scenario) pair the verdict of each property, the length of the shortest
//! counterexample (or of the shortest example, for `lock_acquired`) and the
//! number of unique states as a tripwire. `models/dynamodb_lock.rs` and
//! `models/hazelcast_lock.rs` explain each verdict; the notation is
//! described in `tests/common/mod.rs`. Every pinned counterexample's trace
//! is replayed. Cells whose search stops at the state limit are pinned
//! within that limit, with the shortest counterexamples that lie inside it.

mod common;

// As in the binary: the search allocates a state per transition.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pins! {
    dynamodb_no_faults: "dynamodb_lock", "no-faults", 17535, "holds holds holds:4 violated:65";
    dynamodb_fenced_no_faults: "dynamodb_lock_fenced", "no-faults", 17535, "holds holds holds:4 violated:65";
    dynamodb_holder_crash: "dynamodb_lock", "holder-crash", 41375, "holds holds holds:4 violated:72 holds holds";
    dynamodb_fenced_holder_crash: "dynamodb_lock_fenced", "holder-crash", 41397, "holds holds holds:4 violated:72 holds holds";
    dynamodb_clock_jump: "dynamodb_lock", "clock-jump", 35090, "holds holds holds:4 holds";
    dynamodb_clock_drift: "dynamodb_lock", "clock-drift", 105082, "holds holds holds:4 violated:65";
    dynamodb_duplicates: "dynamodb_lock", "duplicates", 17545, "holds holds holds:4 holds";
    dynamodb_server_restart: "dynamodb_lock", "server-restart", 371204, "holds holds holds:4 violated:112";
    dynamodb_fenced_crowd_atomic: "dynamodb_lock_fenced", "crowd-atomic", 159173, "violated:43 holds holds:2 holds";

    hazelcast_fenced_no_faults: "hazelcast_fenced_lock_fenced", "no-faults", 39535, "holds holds holds:4 holds";
    hazelcast_no_faults: "hazelcast_fenced_lock", "no-faults", 39535, "holds holds holds:4 holds";
    hazelcast_fenced_holder_crash: "hazelcast_fenced_lock_fenced", "holder-crash", 144429, "holds holds holds:4 holds holds holds";
    hazelcast_fenced_duplicates: "hazelcast_fenced_lock_fenced", "duplicates", 39579, "holds holds holds:4 holds";
    hazelcast_fenced_clock_drift: "hazelcast_fenced_lock_fenced", "clock-drift", 287549, "holds holds holds:4 holds";
    hazelcast_fenced_crowd_atomic: "hazelcast_fenced_lock_fenced", "crowd-atomic", 246580, "violated:30 holds holds:2 holds";
}

/// The holder stalls 10 ticks, longer than the 8-tick lease (DynamoDB) or
/// session (Hazelcast): the lock changes hands while it still believes it
/// holds it, and its write lands late. The fenced resources refuse it
/// (not decided within the limit). Searched up to 300,000 states.
mod gc_pause {
    use super::common;

    #[test]
    fn dynamodb() {
        common::pinned_within(
            "dynamodb_lock",
            "gc-pause",
            300_000,
            300_000,
            "violated:28 violated:34 holds:4 inconclusive",
        );
    }

    #[test]
    fn dynamodb_fenced() {
        common::pinned_within(
            "dynamodb_lock_fenced",
            "gc-pause",
            300_000,
            300_000,
            "violated:28 inconclusive holds:4 inconclusive",
        );
    }

    #[test]
    fn hazelcast_fenced() {
        common::pinned_within(
            "hazelcast_fenced_lock_fenced",
            "gc-pause",
            300_000,
            300_000,
            "violated:24 inconclusive holds:4 inconclusive",
        );
    }

    #[test]
    fn hazelcast() {
        common::pinned_within(
            "hazelcast_fenced_lock",
            "gc-pause",
            300_000,
            300_000,
            "violated:24 violated:30 holds:4 inconclusive",
        );
    }
}

/// A jump of the CP leader's wall clock, which judges session expiry,
/// expires the holder's session at once: the lock goes to the other
/// client while the holder still holds it. Searched up to the state limit
/// the expectations use.
mod hazelcast_clock_jump {
    use super::common;

    #[test]
    fn fenced() {
        common::pinned_within(
            "hazelcast_fenced_lock_fenced",
            "clock-jump",
            20_000,
            20_000,
            "violated:9 inconclusive holds:4 inconclusive",
        );
    }

    #[test]
    fn unfenced() {
        common::pinned_within(
            "hazelcast_fenced_lock",
            "clock-jump",
            20_000,
            20_000,
            "violated:9 violated:15 holds:4 inconclusive",
        );
    }
}
