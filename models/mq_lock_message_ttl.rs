//! Article A's section 3.3 read literally (`mq_lock_message_ttl`): every
//! acquirer sends a lock message with a TTL and then takes one; a valid one
//! means it holds the lock.
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
//! `mq_lock_message_ttl`: article A section 3.3, read literally. The
//! section's six steps, how each is read, and where the text is ambiguous:
//! 1. "When a node needs the shared resource it sends a lock message to the
//!    queue." Every acquirer does this. The model waits for the broker's
//!    confirm before step 3, as one connection's requests stay in order.
//! 2. "The queue stores the lock message in memory and gives it a limited
//!    time to live." The broker stamps `expires_at = now + ttl_ticks` on its
//!    own clock. "In memory": this broker persists nothing, so a restart
//!    empties the queue.
//! 3. "When *another* node tries to access the resource it takes the lock
//!    message out of the queue." *Ambiguous:* the text has a sender (step 1)
//!    and a taker (step 3) but never says who is which; every node needs the
//!    resource, so every node does both, in the order of the steps. "Takes
//!    out" (取出) is read as receive-and-delete of the first message, whoever
//!    sent it.
//! 4. "If the message taken is still valid, that node has the lock."
//!    *Ambiguous:* valid by whose clock; the broker's, as it set the TTL.
//! 5. "If it has expired, some other node has the lock; wait for the release
//!    and try again." The client sleeps `retry_ticks` and takes again (step
//!    3, not step 1: its own message is already sent). *Ambiguous:* what a
//!    retry repeats, and how a waiter would see a release (nothing announces
//!    one). No real broker hands out an expired message (RabbitMQ drops it at
//!    the head of the queue, SQS and Azure delete it), so here the broker
//!    hands it out marked expired, which is what the text describes. An empty
//!    queue, which the text does not mention, is treated the same way.
//! 6. "When done, the node deletes the lock message from the queue."
//!    *Ambiguous:* the message it took is already out of the queue, so the
//!    only lock message this can mean is the one it sent in step 1, if it is
//!    still there. Each lock message names its sender in its body, and the
//!    release deletes the messages that name this client (ActiveMQ's
//!    `removeMatchingMessages(selector)`; SQS and Azure cannot delete by
//!    content).
//!
//! Other readings, modeled beside this one: take = receive and hide,
//! delete = acknowledge, is `mq_lock_visibility_timeout` (its timeout in the
//! role of the TTL); only the first node sends, and the message is a token,
//! is `mq_lock_auto_ack`.
//!
//! # Expected weaknesses
//! Every acquirer creates its own lock message, so the "lock" is granted to
//! everyone who asks: `mutual_exclusion` is violated without any
//! fault. When a client takes someone else's message and its release deletes
//! its own, the other client is left an empty queue and polls until the
//! horizon; an expired message (its sender was slow) strands its taker the
//! same way. Step 5's reading of expiry is backwards: an expired message
//! means nobody took it in time, not that someone holds the lock. No fenced
//! variant: nothing in this protocol orders the holders.
//!
//! # Expected verdicts (`models/mq_lock_message_ttl.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from mq_lock_message_ttl.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `mq_lock_message_ttl` |
//! |---|---|
//! | no-faults | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | holder-crash | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | gc-pause | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | clock-jump | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | clock-drift | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | message-loss | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | partition | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | server-restart | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | async-network | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | crowd-atomic | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | duplicates | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | endless-contention | mutex ✗, resource ✗ (live) |
//! | long-work | mutex ✗, resource ✗ (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/mq_models.rs`)
//! Lengths in steps are of the shortest counterexample; `lock_acquired` holds
//! everywhere.
//!
//! `mq_lock_message_ttl`:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | violated (8) | violated (14) | violated (52) | c1 sends and takes its own valid message, c2 sends and takes its own: both hold, and both write 1. Progress: c2 takes c1's message, and c2's release deletes c2's own, still queued: c1 finds the queue empty until the horizon |
//! | holder-crash | violated (8) | violated (14) | violated (62) | as no-faults: no crash is needed |
//! | gc-pause | violated (8) | violated (14) | violated (60) | safety as no-faults. Progress: c2 pauses between sending and taking; its message expires, c2 takes it expired ("someone else holds it"), waits, and polls an empty queue |
//! | clock-jump | violated (8) | violated (14) | violated (66) | as no-faults |
//! | clock-drift | violated (8) | violated (14) | violated (52) | as no-faults |
//! | message-loss | violated (8) | violated (14) | violated (100) | as no-faults, in c1's second round: c1 takes c2's message and deletes its own |
//! | partition | violated (8) | violated (14) | violated (71) | safety as no-faults. Progress: the broker is cut off until tick 10, so c2's take arrives after its own message's 8-tick TTL: it takes it expired, waits, and polls an empty queue |
//! | server-restart | violated (8) | violated (14) | violated (78) | safety as no-faults. Progress: the broker crashes with c2's lock message in its memory-only queue and restarts empty; c2 polls until the horizon |
//! | async-network | violated (8) | violated (14) | violated (14) | safety as no-faults; progress as every model: messages may take until the horizon |
//! | crowd-atomic | violated (4) | violated (8) | violated (92) | as no-faults, with three clients: c2 takes c3's message and deletes its own |
//!
//! # Liveness (`deadlock_free`, `starvation_free`; pinned in `tests/suite/mq_models.rs` and `tests/suite/liveness.rs`)
//! Under holder-crash, with fairness and no horizon:
//!
//! | variant | deadlock_free, starvation_free | graph states | why |
//! |---|---|---:|---|
//! | `mq_lock_message_ttl` | violated (lasso 33+5) | 17,788 | no crash needed, as in no-faults: c2 takes c1's message and its release deletes c2's own; c1 then receives from an empty queue forever |
//!
//! Under no-faults, gc-pause, clock-jump, server-restart and clock-drift,
//! where every other queue variant is live, `mq_lock_message_ttl` deadlocks in
//! each (lassos 13+6, 43+6, 33+5, 19+9 and 13+12): the no-faults loop (c2
//! takes c1's message and its release deletes its own), or a message that
//! expires while its sender pauses, as in the progress column above; the
//! bounded `progress` violations are these deadlocks.
//!
//! Lost and repeated messages deadlock the variants that have nothing to
//! bring a token back (`models/mq_lock_auto_ack.rs`, and the delete-then-send
//! release of `models/mq_lock_visibility_timeout.rs`). `mq_lock_message_ttl`
//! deadlocks under every one of them, as with no fault (partition 25+9,
//! message-loss 31+9, duplicates 26+5, async-network 13+6, crowd-atomic
//! 56+4).
//!
//! Under endless-contention (two clients that ask again as soon as they
//! release, no faults) it is live: a client left polling an empty queue
//! finds the message the other sends for its next round, and the checker
//! finds no fair run in which it always comes too late (graph 7,641
//! states). Nobody waits because everybody gets the lock:
//! `mutual_exclusion` is violated in 12 steps. Its graph ends because the
//! checker forgets the counter's values once an update is lost (see
//! `docs/properties.md`).

use crate::models::mq_lock::{Kind, MqKind, MqLock};
use crate::models::redis;
use crate::node::{Param, Variant};

pub struct MessageTtl;

impl MqKind for MessageTtl {
    const KIND: Kind = Kind::MessageTtl;
    const VARIANTS: &'static [Variant] = &[Variant {
        id: "mq_lock_message_ttl",
        summary: "article A §3.3 read literally: send a lock message with a TTL, take one; valid = locked",
    }];
    const PARAMS: &'static [Param] = &[
        redis::TTL_TICKS,
        redis::RETRY_TICKS,
        redis::REQUEST_TIMEOUT_TICKS,
    ];
}

pub type MqMessageTtl = MqLock<MessageTtl>;
