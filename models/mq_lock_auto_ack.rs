//! One token message in a queue, taken by receive-and-delete and sent back on
//! release (`mq_lock_auto_ack`), and the same lock fenced by the token
//! message's sequence number (`mq_lock_auto_ack_fenced`).
//!
//! Source: article A, section 3.3 ("基于消息队列的分布式锁", the message-queue
//! lock; its snippet in section 4.3 is Redis `SETNX` and is modeled as
//! `redis_setnx`), and the queue operations of real brokers named below.
//!
//! The broker (one queue, durable or not, its operations, its clock), the
//! client's requests (request ids, retries after a timeout, polling an empty
//! queue) and what every queue variant shares are the family's:
//! `models/mq_broker.rs` and `models/mq_lock.rs`.
//!
//! # Protocol
//! `mq_lock_auto_ack`: one token, receive-and-delete. The queue starts with
//! exactly one token message; holding it is holding the lock.
//! 1. Acquire: receive-and-delete (Azure Service Bus `ReceiveAndDelete`
//!    mode, RabbitMQ `basic.get` with auto-ack): the broker deletes the token
//!    as it hands it out. Empty queue: sleep `retry_ticks`, receive again.
//! 2. Release: send the token back and wait for the broker's confirm.
//!
//! `mq_lock_auto_ack_fenced`: Service Bus stamps every accepted message with
//! a `SequenceNumber` ("monotonically increasing", gap-free, assigned by the
//! broker), and the release is a new message, so each holder receives a
//! higher number than the one before; the client fences on it. (RabbitMQ's
//! delivery tag is per channel, so RabbitMQ offers no such number.)
//!
//! # Expected weaknesses
//! No lease and no clock, so pauses and clocks cannot break safety; but the
//! token exists only in the message carrying it. A holder that crashes, or a
//! delivery lost on the way, takes the lock with it forever:
//! `progress` violated (a deadlock). A release whose confirm is lost is sent
//! again: two tokens, two holders.
//!
//! # Expected verdicts (`models/mq_lock_auto_ack.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from mq_lock_auto_ack.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `mq_lock_auto_ack` | `mq_lock_auto_ack_fenced` |
//! |---|---|---|
//! | no-faults | ok (live) | ok (live) |
//! | holder-crash | progress ✗, deadlock ✗, starvation ✗ | progress ✗, deadlock ✗, starvation ✗ |
//! | gc-pause | ok (live) | ok (live) |
//! | clock-jump | ok (live) | ok (live) |
//! | clock-drift | ok (live) | ok (live) |
//! | message-loss | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ | mutex ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | partition | progress ✗, deadlock ✗, starvation ✗ | progress ✗, deadlock ✗, starvation ✗ |
//! | server-restart | ok (live) | ok (live) |
//! | async-network | progress ✗ (live) | progress ✗ (live) |
//! | crowd-atomic | ok (live) | ok (live) |
//! | duplicates | progress ✗, deadlock ✗, starvation ✗ | progress ✗, deadlock ✗, starvation ✗ |
//! | endless-contention | progress ✗, starvation ✗ | progress ✗, starvation ✗ |
//! | long-work | ok (live) | ok (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/mq_models.rs`)
//! Lengths in steps are of the shortest counterexample; `lock_acquired` holds
//! everywhere.
//!
//! `mq_lock_auto_ack` and `mq_lock_auto_ack_fenced`:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | |
//! | holder-crash | holds | holds | violated (54) | c1's receive deletes the token and c1 crashes before the reply reaches it: the token is gone and c2 polls an empty queue until the horizon |
//! | gc-pause | holds | holds | holds | no lease: a paused holder keeps the token and the others wait |
//! | clock-jump | holds | holds | holds | no clock is consulted |
//! | clock-drift | holds | holds | holds | no clock is consulted |
//! | message-loss | violated (18) | violated (24); fenced: holds | violated (97) | the confirm of c1's release is lost, c1 sends the token again, and two tokens let c1 (second round) and c2 hold at once; fenced, c1's second token has the higher sequence number and c2's write after it is rejected. Progress: the reply carrying the token to c2 is lost; the broker has already deleted the token, so c2 polls an empty queue until the horizon |
//! | partition | holds | holds | violated (68) | the broker is cut off while the reply carrying the token to c2 is in flight: the token is lost |
//! | server-restart | holds | holds | holds | the queue is durable: the token survives the restart, and requests lost to the crash are sent again |
//! | async-network | holds | holds | violated (14) | a message may take until the horizon: no lock makes progress over a network that promises nothing |
//! | crowd-atomic | holds | holds | holds | three clients, two rounds, a pause: a paused holder keeps the token |
//! | endless-contention | holds | holds | violated (78) | deadlock-free: the releaser's new token is always sent, and a poll finds it. Not starvation-free (lasso 20+46 unfenced, liveness graph 1,771 states; 32+46 fenced, 2,059 states): the queue keeps no line of waiters, and whenever the token is back the client that polls first takes it, so one client may win every round. `progress` is the same race, bounded |
//!
//! # Liveness (`deadlock_free`, `starvation_free`; pinned in `tests/suite/mq_models.rs` and `tests/suite/liveness.rs`)
//! Under holder-crash, with fairness and no horizon:
//!
//! | variant | deadlock_free, starvation_free | graph states | why |
//! |---|---|---:|---|
//! | `mq_lock_auto_ack` (and `_fenced`) | violated (lasso 24+7) | 7,960 | c1's receive deletes the only token and c1 crashes before the reply reaches it; the loop is c2's receive on the empty queue, "queue empty" and the retry sleep, forever |
//!
//! Under no-faults, gc-pause, clock-jump, server-restart and clock-drift
//! both variants are live.
//!
//! Lost and repeated messages deadlock the variants that have nothing to
//! bring a token back:
//! - `mq_lock_auto_ack` (and `_fenced`): under partition (lasso 22+10) and
//!   message-loss (22+27) the reply carrying the token is lost, and the
//!   receive already deleted it; under duplicates (24+10) the duplicated
//!   receive's "queue empty" overtakes the reply that carried the token.
//!   Either way the queue is empty forever.

use crate::models::mq_lock::{Kind, MqKind, MqLock};
use crate::models::redis;
use crate::node::{Param, Variant};

pub struct AutoAck;

impl MqKind for AutoAck {
    const KIND: Kind = Kind::AutoAck;
    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "mq_lock_auto_ack",
            summary: "one token message in a queue, taken by receive-and-delete, sent back on release",
        },
        Variant {
            id: "mq_lock_auto_ack_fenced",
            summary: "mq_lock_auto_ack fenced by the token message's sequence number (Service Bus SequenceNumber)",
        },
    ];
    // Nothing expires in the auto-ack lock: no `ttl_ticks`.
    const PARAMS: &'static [Param] = &[redis::RETRY_TICKS, redis::REQUEST_TIMEOUT_TICKS];
}

pub type MqAutoAck = MqLock<AutoAck>;
