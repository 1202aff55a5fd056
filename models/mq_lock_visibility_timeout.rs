//! One token message in a queue, hidden by each receive for a visibility
//! timeout and made visible again on release (`mq_lock_visibility_timeout`,
//! Azure Queue Storage); the same fenced by the token's dequeue count; and
//! the release done in two calls, delete then send, on Azure and on SQS.
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
//! `mq_lock_visibility_timeout`: one token, receive and hide. Azure Queue
//! Storage's API (SQS's is the same shape):
//! 1. Acquire: `Get Messages` with `visibilitytimeout = ttl_ticks`: the
//!    broker hands out the token, hides it for `ttl_ticks` on its clock and
//!    issues a new pop receipt. Nothing visible: sleep, receive again.
//! 2. A token not given back by the end of the timeout is visible again and
//!    goes to the next receiver: a lease, never renewed here.
//! 3. Release: `Update Message` with the pop receipt and
//!    `visibilitytimeout=0`, which makes the token visible at once. A receipt
//!    that is no longer current (someone received the token since) is
//!    refused with `PopReceiptMismatch`, and the client takes that as
//!    released: there is nothing left to give back.
//!
//! Release by visibility 0 rather than delete + send again: one atomic call,
//! where delete-then-send loses the token to a crash between the two (as
//! `mq_lock_auto_ack` does) and duplicates it when the send is retried. Azure
//! rather than SQS because Azure documents the stale-receipt case exactly
//! (`PopReceiptMismatch`); SQS leaves `ChangeMessageVisibility` with an old
//! receipt handle unsaid. If a stale release were honoured, a late release
//! would expose a token someone else holds. (For `DeleteMessage` SQS does
//! say what a stale handle does: see `mq_lock_visibility_timeout_sqs_delete_send`.)
//!
//! `mq_lock_visibility_timeout_fenced`: the token's `DequeueCount` ("the
//! number of times the message has been dequeued", kept by the broker and
//! durable) goes up by one at every receive, so it is a fencing token: the
//! stale holder's writes are rejected. (SQS's `ApproximateReceiveCount` is,
//! by its name, approximate, and no fencing token.)
//!
//! `mq_lock_visibility_timeout_delete_send`: the release done the way the
//! paragraph above warns against, as acknowledge-then-publish code does it
//! (the token consumed as a finished job, then a fresh one queued):
//! `Delete Message` with the message id and the pop receipt, then `Put
//! Message` of a new token, two calls. The broker deletes only the
//! message the id names, and only with its current receipt; otherwise it
//! refuses (a stale receipt, or a message already deleted: Azure answers
//! 404). The client takes a refusal as the end of its release, with no new
//! token: the delete raised, and nothing after it ran. Its send of the new
//! token, like every request, is sent again when unanswered.
//!
//! `mq_lock_visibility_timeout_sqs_delete_send`: the same two calls on SQS,
//! whose `DeleteMessage` takes only a receipt handle. The SQS API reference
//! (`DeleteMessage`): "Amazon SQS can delete a message from a queue even if
//! a visibility timeout setting causes the message to be locked by another
//! consumer", and "if you use an old ReceiptHandle, the request will
//! succeed, but the message might not be deleted". The model takes the
//! documented worst case: the delete always succeeds and deletes the
//! message its handle names, held by someone else or not; a message
//! already gone is answered as deleted too (the broker's timeline says how
//! many it deleted; the client cannot tell). The client then sends its new
//! token.
//!
//! # Expected weaknesses
//! A holder crash is survived (the token comes back after the timeout), and
//! so is a lost delivery; but it is a lease, so a holder paused
//! past the timeout, a slow network, or a broker clock that runs fast or
//! jumps forward lets a second client in while the first still believes it
//! holds the lock: `mutual_exclusion` and `resource_safe` violated.
//!
//! The two-call releases (`_delete_send`, `_sqs_delete_send`): everything the
//! base variant does wrong, and three ways to lose or double the token that
//! it cannot: a crash between the two calls (the token is gone for good: a
//! deadlock), a delete sent again after its answer was lost (refused, so no
//! new token is sent), and a send sent again after its confirm was lost (two
//! tokens, two holders).
//!
//! # Expected verdicts (`models/mq_lock_visibility_timeout.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from mq_lock_visibility_timeout.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `mq_lock_visibility_timeout` | `mq_lock_visibility_timeout_fenced` | `mq_lock_visibility_timeout_delete_send` | `mq_lock_visibility_timeout_sqs_delete_send` |
//! |---|---|---|---|---|
//! | no-faults | ok (live) | ok (live) | ok (live) | ok (live) |
//! | holder-crash | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | progress ✗, deadlock ✗, starvation ✗ |
//! | gc-pause | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) |
//! | clock-jump | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! | clock-drift | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! | message-loss | ok (live) | ok (live) | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ | mutex ✗, resource ✗, progress ✗ (live) |
//! | partition | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) |
//! | server-restart | ok (live) | ok (live) | ok (live) | ok (live) |
//! | async-network | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) |
//! | crowd-atomic | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! | duplicates | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | progress ✗ (live) |
//! | endless-contention | progress ✗, starvation ✗ | progress ✗, starvation ✗ | progress ✗, starvation ✗ | progress ✗, starvation ✗ |
//! | long-work | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/mq_models.rs`)
//! Lengths in steps are of the shortest counterexample; `lock_acquired` holds
//! everywhere.
//!
//! `mq_lock_visibility_timeout` and `mq_lock_visibility_timeout_fenced`:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | the 8-tick visibility timeout outlasts a critical section |
//! | holder-crash | holds | holds | holds | the dead holder's token becomes visible again after the timeout and goes to the other client |
//! | gc-pause | violated (20) | violated (26); fenced: holds | holds | c1 pauses 10 ticks holding a token hidden for 8; c2 receives it (dequeue count 2) while c1 still believes; fenced, c1's write with count 1 is rejected |
//! | clock-jump | violated (5) | violated (11); fenced: holds | holds | the broker's clock jumps 10 ticks and the token is visible at once |
//! | clock-drift | violated (13) | violated (17); fenced: holds | holds | the broker's clock runs 50% fast, so a 6-tick timeout ends after 4 real ticks, inside a critical section |
//! | message-loss | holds | holds | holds | a lost delivery only hides the token until the timeout; a release sent again, or late, carries a dead pop receipt and is refused, so it cannot expose a token someone else holds |
//! | partition | holds | holds | holds | a cut-off holder's token is redelivered after the timeout; its late release is refused |
//! | server-restart | holds | holds | holds | the token, its hiding deadline and its dequeue count are durable |
//! | async-network | violated (10) | violated (16); fenced: holds | violated (14) | a delayed read or write outlasts the lease; without a bound on delay a lease proves nothing, but fencing still protects the resource |
//! | crowd-atomic | violated (27) | violated (32); fenced: holds | holds | the GC pause bug at three clients and two rounds |
//! | endless-contention | holds | holds | violated (78) | deadlock-free, not starvation-free (lasso 22+45, liveness graph 5,143 states; fenced 32+48, 5,713): a released token goes to whichever client receives first, with no line of waiters, so one client can take it at every turn. `progress` is the same race, bounded. The token's dequeue count grows with every receive; the liveness checker renumbers it, and the pop receipts that copy it, as fencing numbers |
//!
//! `mq_lock_visibility_timeout_delete_send`, where it differs from
//! `mq_lock_visibility_timeout`:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | holder-crash | holds | holds | violated (60) | c1 deletes the token and crashes before its new one is sent: the queue is empty for good (`deadlock_free` and `starvation_free` violated, a lasso of 30+7) |
//! | gc-pause | violated (20) | violated (26) | violated (62) | safety as the base variant. Progress: slow, not stuck: the two-call release and a 10-tick pause of the waiter leave c2 sending its new token at the horizon |
//! | message-loss | violated (20) | violated (26) | violated (101) | the confirm of c1's new token is lost; c2 receives it, c1 sends another and receives that one: two tokens, two holders. Progress: the answer to c1's delete is lost, the resent delete finds no token and is refused, so c1 sends none, and c2 polls an empty queue |
//! | partition | holds | holds | violated (71) | the broker is cut off with the answer to c1's delete in flight; after the heal the resent delete is refused and no token is sent |
//! | duplicates | holds | holds | violated (66) | c1's delete is delivered twice; the refusal of the second copy reaches c1 first, and c1 ends its release without a new token |
//! | endless-contention | holds | holds | violated (79) | deadlock-free, not starvation-free (lasso 24+52, liveness graph 5,535 states; the SQS variant the same): the new token goes to whichever client receives first, with no line of waiters. `progress` is the same race, bounded |
//!
//! `mq_lock_visibility_timeout_sqs_delete_send`, where it differs from
//! `mq_lock_visibility_timeout_delete_send`: the honoured stale delete
//! changes no safety verdict of the standard scenarios. It strikes only
//! after a holder's visibility timeout ran out while the token was in its
//! hands, and under every scenario where that happens (gc-pause,
//! clock-jump, clock-drift, async-network, crowd-atomic, long-work) mutual
//! exclusion is already violated by the lease itself, in as few steps. The
//! refusals it removes were what stranded the Azure release:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | partition | holds | holds | holds | the delete resent after the heal finds the token gone, is answered as done, and c1 sends the new token |
//! | message-loss | violated (20) | violated (26) | violated (110) | safety as the Azure release (the lost confirm of a new token). Progress: no longer stranded by a refused delete; a lost delivery of the token hides it until its timeout, and the second client's last round runs past the horizon |
//! | duplicates | holds | holds | violated (80) | a duplicated receive hides the token for its timeout: slow, not stranded |
//!
//! # Liveness (`deadlock_free`, `starvation_free`; pinned in `tests/suite/mq_models.rs` and `tests/suite/liveness.rs`)
//! Under holder-crash, with fairness and no horizon:
//!
//! | variant | deadlock_free, starvation_free | graph states | why |
//! |---|---|---:|---|
//! | `mq_lock_visibility_timeout` (and `_fenced`) | hold | 14,868 | the dead holder's token becomes visible again after its timeout and goes to c2 |
//!
//! Under no-faults, gc-pause, clock-jump, server-restart and clock-drift
//! every variant is live.
//!
//! Lost and repeated messages deadlock the variants that have nothing to
//! bring a token back:
//! - `mq_lock_visibility_timeout_delete_send`: c1's `DELETE` lands but its
//!   answer is lost (partition, lasso 28+7; message-loss, 26+19), or its
//!   duplicate answers first (duplicates, 26+7); the resent `DELETE` gets
//!   `PopReceiptMismatch`, which c1 takes as the end of its release, and
//!   the new token is never sent.
//!
//! The visibility-timeout variants that send the new token before they
//! delete the old one are live under all three: a token left behind
//! reappears after its timeout. So is
//! `mq_lock_visibility_timeout_sqs_delete_send`: SQS answers the resent
//! delete with success, and the new token is sent.

use crate::models::mq_lock::{Kind, MqKind, MqLock};
use crate::models::redis;
use crate::node::{Param, Variant};

pub struct VisibilityTimeout;

impl MqKind for VisibilityTimeout {
    const KIND: Kind = Kind::VisibilityTimeout;
    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "mq_lock_visibility_timeout",
            summary: "one token message, hidden for ttl by each receive, made visible again on release (Azure Queue Storage)",
        },
        Variant {
            id: "mq_lock_visibility_timeout_fenced",
            summary: "mq_lock_visibility_timeout fenced by the token's dequeue count (Azure DequeueCount)",
        },
        Variant {
            id: "mq_lock_visibility_timeout_delete_send",
            summary: "mq_lock_visibility_timeout released in two steps: delete the token, then send a new one",
        },
        Variant {
            id: "mq_lock_visibility_timeout_sqs_delete_send",
            summary: "the two-step release on SQS, whose DeleteMessage succeeds with a stale receipt handle and may delete a token another consumer holds",
        },
    ];
    const PARAMS: &'static [Param] = &[
        redis::TTL_TICKS,
        redis::RETRY_TICKS,
        redis::REQUEST_TIMEOUT_TICKS,
    ];
}

pub type MqVisibilityTimeout = MqLock<VisibilityTimeout>;
