//! Locks built on a message queue: a broker `mq` whose queue holds the lock as
//! a message.
//!
//! Source: article A, section 3.3 ("基于消息队列的分布式锁", the message-queue
//! lock; its snippet in section 4.3 is Redis `SETNX` and is modeled as
//! `redis_setnx`), and the queue operations of real brokers named below.
//!
//! # The broker
//! One queue in arrival order, judging every time on its own clock. It is
//! durable (saved on every change, before the reply leaves, as SQS and Azure
//! queues always are and a RabbitMQ durable queue of persistent messages is),
//! except in `mq_lock_message_ttl`, whose source keeps messages in memory.
//! Operations, each atomic: send with a confirm; receive-and-delete; receive
//! with a visibility timeout; make a received message visible again; delete.
//! A client sends one request at a time, under a request id its answer
//! carries (`node::Requests`), and takes only the answer to its outstanding
//! request: a late answer to a request it sent again and a second copy of an
//! answer it has taken are dropped, with whatever message they carried.
//! With `request_timeout_ticks` it sends an unanswered request again under
//! a new id (a client library that times out and retries on a new
//! connection). On an empty queue it polls again after `retry_ticks`.
//!
//! The broker's times are times of day on its wall clock: Azure Queue
//! Storage reports a hidden message's `TimeNextVisible` and its
//! `ExpirationTime` as UTC dates, so a jump of the broker's clock moves
//! them. The model assumes the same of the article's unnamed broker (step 2
//! of `mq_lock_message_ttl`). Clients keep no absolute time; their polls and
//! request timeouts are timers, on the monotonic clock.
//!
//! # `mq_lock_auto_ack`: one token, receive-and-delete
//! The queue starts with exactly one token message; holding it is holding the
//! lock.
//! 1. Acquire: receive-and-delete (Azure Service Bus `ReceiveAndDelete`
//!    mode, RabbitMQ `basic.get` with auto-ack): the broker deletes the token
//!    as it hands it out. Empty queue: sleep `retry_ticks`, receive again.
//! 2. Release: send the token back and wait for the broker's confirm.
//!
//! Expected: no lease and no clock, so pauses and clocks cannot break safety;
//! but the token exists only in the message carrying it. A holder that
//! crashes, or a delivery lost on the way, takes the lock with it forever:
//! `progress` violated (a deadlock). A release whose confirm is lost is sent
//! again: two tokens, two holders.
//!
//! `mq_lock_auto_ack_fenced`: Service Bus stamps every accepted message with
//! a `SequenceNumber` ("monotonically increasing", gap-free, assigned by the
//! broker), and the release is a new message, so each holder receives a
//! higher number than the one before; the client fences on it. (RabbitMQ's
//! delivery tag is per channel, so RabbitMQ offers no such number.)
//!
//! # `mq_lock_visibility_timeout`: one token, receive and hide
//! Azure Queue Storage's API (SQS's is the same shape):
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
//! Expected: a holder crash is survived (the token comes back after the
//! timeout), and so is a lost delivery; but it is a lease, so a holder paused
//! past the timeout, a slow network, or a broker clock that runs fast or
//! jumps forward lets a second client in while the first still believes it
//! holds the lock: `mutual_exclusion` and `resource_safe` violated.
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
//! Expected: everything the base variant does wrong, and three ways to lose
//! or double the token that it cannot: a crash between the two calls (the
//! token is gone for good: a deadlock), a delete sent again after its
//! answer was lost (refused, so no new token is sent), and a send sent
//! again after its confirm was lost (two tokens, two holders).
//!
//! # `mq_lock_message_ttl`: article A section 3.3, read literally
//! The section's six steps, how each is read, and where the text is
//! ambiguous:
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
//! Expected: every acquirer creates its own lock message, so the "lock" is
//! granted to everyone who asks: `mutual_exclusion` is violated without any
//! fault. When a client takes someone else's message and its release deletes
//! its own, the other client is left an empty queue and polls until the
//! horizon; an expired message (its sender was slow) strands its taker the
//! same way. Step 5's reading of expiry is backwards: an expired message
//! means nobody took it in time, not that someone holds the lock. No fenced
//! variant: nothing in this protocol orders the holders.
//!
//! # Expected verdicts (`models/mq_lock.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from mq_lock.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `mq_lock_auto_ack` | `mq_lock_auto_ack_fenced` | `mq_lock_visibility_timeout` | `mq_lock_visibility_timeout_fenced` | `mq_lock_visibility_timeout_delete_send` | `mq_lock_visibility_timeout_sqs_delete_send` | `mq_lock_message_ttl` |
//! |---|---|---|---|---|---|---|---|
//! | no-faults | ok (live) | ok (live) | ok (live) | ok (live) | ok (live) | ok (live) | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | holder-crash | progress ✗, deadlock ✗, starvation ✗ | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | progress ✗, deadlock ✗, starvation ✗ | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | gc-pause | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | clock-jump | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | clock-drift | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | message-loss | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ | mutex ✗, progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | partition | progress ✗, deadlock ✗, starvation ✗ | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | server-restart | ok (live) | ok (live) | ok (live) | ok (live) | ok (live) | ok (live) | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | async-network | progress ✗ (live) | progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | crowd-atomic | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | duplicates | progress ✗, deadlock ✗, starvation ✗ | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | progress ✗ (live) | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ |
//! | endless-contention | progress ✗, starvation ✗ | progress ✗, starvation ✗ | n/a | n/a | progress ✗, starvation ✗ | progress ✗, starvation ✗ | n/a |
//! | long-work | ok (live) | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
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
//! A message's time-to-live end and its visibility timeout are
//! `node::Instant`s on the broker's clock, so the liveness checker shifts
//! them itself (`LockModel::times`). Under holder-crash, with fairness and
//! no horizon:
//!
//! | variant | deadlock_free, starvation_free | graph states | why |
//! |---|---|---:|---|
//! | `mq_lock_auto_ack` (and `_fenced`) | violated (lasso 24+7) | 7,960 | c1's receive deletes the only token and c1 crashes before the reply reaches it; the loop is c2's receive on the empty queue, "queue empty" and the retry sleep, forever |
//! | `mq_lock_visibility_timeout` (and `_fenced`) | hold | 14,868 | the dead holder's token becomes visible again after its timeout and goes to c2 |
//! | `mq_lock_message_ttl` | violated (lasso 33+5) | 17,788 | no crash needed, as in no-faults: c2 takes c1's message and its release deletes c2's own; c1 then receives from an empty queue forever |
//!
//! Under no-faults, gc-pause, clock-jump, server-restart and clock-drift
//! every variant is live except `mq_lock_message_ttl`, which deadlocks in
//! each (lassos 13+6, 43+6, 33+5, 19+9 and 13+12): the no-faults loop (c2
//! takes c1's message and its release deletes its own), or a message that
//! expires while its sender pauses, as in the progress column above; the
//! bounded `progress` violations are these deadlocks. Under clock-drift (the
//! broker's clock at 50%, 100% or 150%) drift only moves when a token
//! reappears or a message expires, and every such time is the broker's own.
//!
//! Lost and repeated messages deadlock the variants that have nothing to
//! bring a token back:
//! - `mq_lock_auto_ack` (and `_fenced`): under partition (lasso 22+10) and
//!   message-loss (22+27) the reply carrying the token is lost, and the
//!   receive already deleted it; under duplicates (24+10) the duplicated
//!   receive's "queue empty" overtakes the reply that carried the token.
//!   Either way the queue is empty forever.
//! - `mq_lock_visibility_timeout_delete_send`: c1's `DELETE` lands but its
//!   answer is lost (partition, lasso 28+7; message-loss, 26+19), or its
//!   duplicate answers first (duplicates, 26+7); the resent `DELETE` gets
//!   `PopReceiptMismatch`, which c1 takes as the end of its release, and
//!   the new token is never sent.
//! - `mq_lock_message_ttl` deadlocks under every one of them, as with no
//!   fault (partition 25+9, message-loss 31+9, duplicates 26+5,
//!   async-network 13+6, crowd-atomic 56+4).
//!
//! The visibility-timeout variants that send the new token before they
//! delete the old one are live under all three: a token left behind
//! reappears after its timeout. So is
//! `mq_lock_visibility_timeout_sqs_delete_send`: SQS answers the resent
//! delete with success, and the new token is sent.

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use crate::models::redis;
use crate::node::{
    Ctx, Instant, LockModel, NodeId, Out, Param, RequestId, RequestTimeout, Requests, ResendId,
    Symmetry, TimeVisitors, Variant,
};
use crate::node::{FenceCounter, FenceToken, LockParams};
use crate::{
    rename_nothing, rename_variants, times_nothing, times_variants, visit_fields, visit_variants,
};

/// Which way of using the queue as a lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One token message; receive-and-delete takes it, a send puts it back.
    AutoAck,
    /// One token message; a receive hides it for `ttl_ticks`, a visibility
    /// update to 0 puts it back.
    VisibilityTimeout,
    /// Article A's section 3.3, read literally: every acquirer sends a lock
    /// message with a TTL and then takes one.
    MessageTtl,
}

/// One way of using the queue, with the ids and parameters it registers: a
/// type per kind, so that each declares only the parameters it reads.
pub trait MqKind: Send + Sync + 'static {
    const KIND: Kind;
    const VARIANTS: &'static [Variant];
    const PARAMS: &'static [Param];
}

pub struct AutoAck;
pub struct VisibilityTimeout;
pub struct MessageTtl;

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

pub type MqAutoAck = MqLock<AutoAck>;
pub type MqVisibilityTimeout = MqLock<VisibilityTimeout>;
pub type MqMessageTtl = MqLock<MessageTtl>;

pub struct MqLock<K> {
    kind: Kind,
    fenced: bool,
    /// `VisibilityTimeout`: release by deleting the token and sending a new
    /// one, two calls, instead of making it visible again.
    delete_send: bool,
    /// `delete_send` on SQS: the delete names the message by a receipt
    /// handle, and a stale handle is honoured.
    sqs: bool,
    /// The visibility timeout (`VisibilityTimeout`) or the message's time to
    /// live (`MessageTtl`); unused by `AutoAck`.
    ttl_ticks: u32,
    retry_ticks: u32,
    timeout: RequestTimeout<Timer>,
    _kind: PhantomData<fn() -> K>,
}

/// What a message says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Body {
    /// The lock itself (`AutoAck`, `VisibilityTimeout`).
    Token,
    /// The seed's lock message, naming the client that sent it
    /// (`MessageTtl`).
    Lock { sender: NodeId },
}

/// A message in the queue.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct QueuedMsg {
    pub body: Body,
    /// The sequence number the broker stamped on it when it accepted it
    /// (Azure Service Bus `SequenceNumber`: increasing, gap-free). Kept only
    /// where a client reads it: the fenced auto-ack variant, and the
    /// delete-then-send variant, whose delete names the message by it (as
    /// Azure's by its message id); elsewhere 0, as a number nobody reads
    /// would only split states.
    pub seq: FenceToken,
    /// The end of the message's time to live on the broker's clock
    /// (`MessageTtl` only). Once it has passed, the broker forgets when:
    /// [`TtlEnd::Passed`].
    pub expires_at: Option<TtlEnd>,
    /// Hidden from receivers until this time on the broker's clock
    /// (`VisibilityTimeout` only); `None` is visible.
    pub hidden_until: Option<Instant>,
    /// How many times a receive has returned this message (Azure Queue
    /// Storage `DequeueCount`).
    pub dequeue_count: u32,
    /// Whether the pop receipt of the latest receive is still current. A
    /// receive issues a new receipt and so does a visibility update, each
    /// invalidating the one before; the receipt an update returns is never
    /// used (the releasing client drops it), so the model names a receipt by
    /// the dequeue count it came with and only remembers whether it is live.
    pub receipt_live: bool,
}

/// The end of a message's time to live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum TtlEnd {
    /// On the broker's wall clock.
    At(Instant),
    /// It has passed: the broker only remembers that the message expired.
    Passed,
}

/// The broker: one queue, saved on every change (a durable queue of
/// persistent messages, as Azure and SQS queues always are and RabbitMQ's
/// are when declared so), except the seed's, which keeps its lock messages
/// in memory.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Broker {
    /// In arrival order; receives look from the front.
    pub queue: Vec<QueuedMsg>,
    /// Where sequence numbers come from: the last one stamped (where
    /// kept).
    pub seq: FenceCounter,
}

/// The broker operations the variants use.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Op {
    /// Send a message and wait for the broker's confirm (RabbitMQ publisher
    /// confirms; Azure and SQS answer every send); `ttl_ticks` is a
    /// per-message time to live.
    Send { body: Body, ttl_ticks: Option<u32> },
    /// Receive the first message and delete it in the same operation
    /// (Service Bus `ReceiveAndDelete`, RabbitMQ `basic.get` with auto-ack).
    ReceiveAndDelete,
    /// Receive the first visible message and hide it for `visibility_ticks`
    /// (Azure Queue Storage `Get Messages`, SQS `ReceiveMessage`).
    Receive { visibility_ticks: u32 },
    /// Make the token visible at once if `pop_receipt` is still current
    /// (Azure Queue Storage `Update Message` with `visibilitytimeout=0`).
    MakeVisible { pop_receipt: u32 },
    /// Delete message `message` (its sequence number, standing for Azure's
    /// message id) if `pop_receipt` is still current (Azure Queue Storage
    /// `Delete Message`, which takes both). A stale receipt is refused, and
    /// so is a message already gone (Azure answers 404).
    Delete {
        message: FenceToken,
        pop_receipt: u32,
    },
    /// Delete every lock message whose body names `sender` (the seed's
    /// step 6; ActiveMQ's `removeMatchingMessages(selector)` does this).
    DeleteFrom { sender: NodeId },
    /// SQS `DeleteMessage` with a receipt handle of message `message`: it
    /// succeeds whether or not the handle is the latest one, and deletes
    /// the message "even if a visibility timeout setting causes the message
    /// to be locked by another consumer"; a message already gone is
    /// answered as deleted too. (Declared last: the derived order of
    /// messages decides which state of an orbit symmetry keeps.)
    DeleteByHandle { message: FenceToken },
}

/// A received message as the receiver sees it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Delivery {
    pub body: Body,
    pub seq: FenceToken,
    /// Its time to live had passed when it was taken (`MessageTtl` only).
    pub expired: bool,
    /// The dequeue count, which also names the pop receipt this receive
    /// issued (see [`QueuedMsg::receipt_live`]).
    pub dequeue_count: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Reply {
    /// The message was accepted (the publisher confirm).
    Sent,
    /// `None`: no (visible) message.
    Received(Option<Delivery>),
    MadeVisible,
    /// The pop receipt is not the token's current one: someone received it
    /// since (Azure `PopReceiptMismatch`).
    PopReceiptMismatch,
    /// How many messages were deleted.
    Deleted(u8),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Msg {
    /// An operation, under the client's request id.
    Req { id: RequestId, op: Op },
    /// Its result, carrying the id of the request it answers.
    Rep { id: RequestId, reply: Reply },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timer {
    /// Sleep over; receive again.
    Retry,
    /// No reply in time; send the request again.
    Timeout,
}

impl Broker {
    /// Deletes every message `gone` picks, and says how many.
    fn delete_where(&mut self, gone: impl Fn(&QueuedMsg) -> bool) -> Reply {
        let before = self.queue.len();
        self.queue.retain(|m| !gone(m));
        Reply::Deleted((before - self.queue.len()) as u8)
    }

    fn accept(&mut self, body: Body, expires_at: Option<TtlEnd>, numbered: bool) {
        let seq = if numbered {
            self.seq.hand_out()
        } else {
            FenceToken::ZERO
        };
        self.queue.push(QueuedMsg {
            body,
            seq,
            expires_at,
            hidden_until: None,
            dequeue_count: 0,
            receipt_live: false,
        });
    }

    /// Runs one operation atomically at the broker's wall-clock time `now`;
    /// `numbered` says whether it stamps sequence numbers.
    fn execute(&mut self, now: Instant, op: Op, numbered: bool) -> Reply {
        for m in &mut self.queue {
            // A message whose visibility timeout has passed is visible
            // again, whether or not the broker has looked at it since.
            if m.hidden_until.is_some_and(|t| now >= t) {
                m.hidden_until = None;
            }
            if matches!(m.expires_at, Some(TtlEnd::At(t)) if now >= t) {
                m.expires_at = Some(TtlEnd::Passed);
            }
        }
        match op {
            Op::Send { body, ttl_ticks } => {
                self.accept(body, ttl_ticks.map(|t| TtlEnd::At(now.after(t))), numbered);
                Reply::Sent
            }
            Op::ReceiveAndDelete => {
                if self.queue.is_empty() {
                    return Reply::Received(None);
                }
                let m = self.queue.remove(0);
                Reply::Received(Some(Delivery {
                    body: m.body,
                    seq: m.seq,
                    expired: m.expires_at == Some(TtlEnd::Passed),
                    dequeue_count: m.dequeue_count + 1,
                }))
            }
            Op::Receive { visibility_ticks } => {
                let Some(m) = self.queue.iter_mut().find(|m| m.hidden_until.is_none()) else {
                    return Reply::Received(None);
                };
                m.hidden_until = Some(now.after(visibility_ticks));
                m.dequeue_count += 1;
                m.receipt_live = true;
                Reply::Received(Some(Delivery {
                    body: m.body,
                    seq: m.seq,
                    expired: false,
                    dequeue_count: m.dequeue_count,
                }))
            }
            Op::MakeVisible { pop_receipt } => match self.queue.first_mut() {
                Some(m) if m.receipt_live && m.dequeue_count == pop_receipt => {
                    m.hidden_until = None;
                    m.receipt_live = false;
                    Reply::MadeVisible
                }
                _ => Reply::PopReceiptMismatch,
            },
            Op::Delete {
                message,
                pop_receipt,
            } => {
                // By id, wherever it is: a send retried after a lost confirm
                // leaves two tokens in the queue.
                let at = self.queue.iter().position(|m| {
                    m.seq == message && m.receipt_live && m.dequeue_count == pop_receipt
                });
                match at {
                    Some(at) => {
                        self.queue.remove(at);
                        Reply::Deleted(1)
                    }
                    None => Reply::PopReceiptMismatch,
                }
            }
            Op::DeleteFrom { sender } => self.delete_where(|m| m.body == Body::Lock { sender }),
            Op::DeleteByHandle { message } => self.delete_where(|m| m.seq == message),
        }
    }
}

/// Where the client is in the protocol.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Step {
    Idle,
    /// `MessageTtl` step 1: sending its lock message.
    Sending,
    Receiving,
    Sleeping,
    Holding,
    Releasing,
    /// `delete_send`: the token is deleted; sending its replacement.
    Republishing,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct MqClient {
    pub step: Step,
    /// The request awaiting its reply, and the request ids.
    pub requests: Requests<Op>,
    /// `VisibilityTimeout`: the pop receipt this client received the token
    /// with, while it holds or releases the lock.
    pub pop_receipt: Option<u32>,
    /// `delete_send`: the sequence number of the token message it holds,
    /// for the delete (a replacement token is a new message).
    pub message: Option<FenceToken>,
}

rename_variants!(Body { Token, Lock { sender } });
visit_fields!(QueuedMsg {
    body,
    seq,
    expires_at,
    hidden_until,
    dequeue_count,
    receipt_live
});
visit_fields!(Broker { queue, seq });
visit_variants!(Op {
    Send { body, ttl_ticks },
    ReceiveAndDelete,
    Receive { visibility_ticks },
    MakeVisible { pop_receipt },
    Delete {
        message,
        pop_receipt
    },
    DeleteFrom { sender },
    DeleteByHandle { message },
});
visit_fields!(Delivery {
    body,
    seq,
    expired,
    dequeue_count
});
visit_variants!(Reply {
    Sent,
    Received(delivery),
    MadeVisible,
    PopReceiptMismatch,
    Deleted(count),
});
visit_variants!(Msg {
    Req { id, op },
    Rep { id, reply },
});
visit_fields!(MqClient {
    step,
    requests,
    pop_receipt,
    message
});
rename_nothing!(Step, Timer, TtlEnd);
times_nothing!(Body, Step, Timer);
times_variants!(TtlEnd { At(t), Passed });

impl<K: MqKind> MqLock<K> {
    fn call(&self, ctx: &Ctx, c: &mut MqClient, op: Op, out: &mut Out<Self>) {
        c.requests
            .send(out, ctx.server(), op, &self.timeout, |id, op| Msg::Req {
                id,
                op,
            });
    }

    fn receive(&self, ctx: &Ctx, c: &mut MqClient, out: &mut Out<Self>) {
        c.step = Step::Receiving;
        let op = match self.kind {
            Kind::AutoAck | Kind::MessageTtl => Op::ReceiveAndDelete,
            Kind::VisibilityTimeout => Op::Receive {
                visibility_ticks: self.ttl_ticks,
            },
        };
        self.call(ctx, c, op, out);
    }

    /// Whether the broker stamps sequence numbers: only where a client reads
    /// them.
    fn numbered(&self) -> bool {
        (self.fenced && self.kind == Kind::AutoAck) || self.delete_send
    }

    /// The fencing token a delivery carries, in the fenced variants.
    fn token(&self, d: &Delivery) -> Option<u64> {
        if !self.fenced {
            return None;
        }
        match self.kind {
            // The token message is sent again at every release, so each
            // holder receives a newer message with a higher number.
            Kind::AutoAck => Some(d.seq.number()),
            // The token is never sent again; its dequeue count grows.
            Kind::VisibilityTimeout => Some(d.dequeue_count as u64),
            Kind::MessageTtl => None,
        }
    }
}

impl<K: MqKind> LockModel for MqLock<K> {
    type Server = Broker;
    type Durable = Broker;
    type Client = MqClient;
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = K::VARIANTS;
    const PARAMS: &'static [Param] = K::PARAMS;

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        let ttl_ticks = match K::KIND {
            // Nothing expires in the auto-ack lock.
            Kind::AutoAck => 0,
            _ => params.require(redis::TTL_TICKS.name)?,
        };
        Ok(MqLock {
            kind: K::KIND,
            fenced: variant.ends_with("_fenced"),
            delete_send: variant.ends_with("_delete_send"),
            sqs: variant.ends_with("_sqs_delete_send"),
            ttl_ticks,
            retry_ticks: params.require(redis::RETRY_TICKS.name)?,
            timeout: RequestTimeout {
                timer: Timer::Timeout,
                after_ticks: params.optional(redis::REQUEST_TIMEOUT_TICKS.name)?,
                resend: ResendId::New,
            },
            _kind: PhantomData,
        })
    }

    fn server_name(&self, _index: usize) -> String {
        "mq".to_string()
    }

    /// Clients run the same code; the queue is in arrival order, and a lock
    /// message names its sender by node id.
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    /// A message's time-to-live end and its visibility timeout are the
    /// only times, both [`Instant`]s on the broker's clock, computed from
    /// a fresh reading and only compared with the clock.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        Some(TimeVisitors::by_times())
    }

    /// Under endless rounds the queues whose release replaces the token
    /// (auto-ack, and the visibility-timeout variants that delete it and
    /// send a new one) keep nothing that grows with a round but request
    /// ids and sequence numbers (a `FenceCounter`), both renumbered: a
    /// new token starts with a dequeue count of 0. A token made visible
    /// again stays in the queue and its dequeue count, which is also its
    /// fence and names its pop receipt, grows with every receive; the
    /// harness does not renumber it. The message-TTL queue's graph has not
    /// been found finite within 5 million states. Their liveness under
    /// endless rounds is left `inconclusive`.
    fn rounds_bounded(&self) -> bool {
        self.kind == Kind::AutoAck || self.delete_send
    }

    fn describe_msg(&self, msg: &Msg) -> String {
        let body = |b: &Body, seq: FenceToken| match b {
            Body::Token if seq == FenceToken::ZERO => "token".to_string(),
            Body::Token => format!("token #{seq}"),
            // The broker is node 0, so client `ck` is node k.
            Body::Lock { sender } => format!("c{}'s lock message", sender.0),
        };
        match msg {
            Msg::Req { id, op } => {
                let text = match op {
                    Op::Send { body: b, ttl_ticks } => match ttl_ticks {
                        Some(t) => format!("SEND {} TTL {t}", body(b, FenceToken::ZERO)),
                        None => format!("SEND {}", body(b, FenceToken::ZERO)),
                    },
                    Op::ReceiveAndDelete => "RECEIVE-AND-DELETE".to_string(),
                    Op::Receive { visibility_ticks } => {
                        format!("RECEIVE visibilitytimeout={visibility_ticks}")
                    }
                    Op::MakeVisible { pop_receipt } => {
                        format!("UPDATE token popreceipt={pop_receipt} visibilitytimeout=0")
                    }
                    Op::Delete {
                        message,
                        pop_receipt,
                    } => format!(
                        "DELETE {} popreceipt={pop_receipt}",
                        body(&Body::Token, *message)
                    ),
                    Op::DeleteFrom { sender } => {
                        format!(
                            "DELETE {}",
                            body(&Body::Lock { sender: *sender }, FenceToken::ZERO)
                        )
                    }
                    Op::DeleteByHandle { message } => format!(
                        "DeleteMessage {} (a receipt handle of it, the latest or not)",
                        body(&Body::Token, *message)
                    ),
                };
                format!("{text}  [req {id}]")
            }
            Msg::Rep { id, reply } => {
                let text = match reply {
                    Reply::Sent => "sent".to_string(),
                    Reply::Received(None) => match self.kind {
                        Kind::VisibilityTimeout => "no visible message".to_string(),
                        _ => "queue empty".to_string(),
                    },
                    Reply::Received(Some(d)) => match self.kind {
                        Kind::AutoAck => {
                            format!("{} (deleted from the queue)", body(&d.body, d.seq))
                        }
                        Kind::MessageTtl if d.expired => {
                            format!("{}, TTL expired", body(&d.body, FenceToken::ZERO))
                        }
                        Kind::MessageTtl => {
                            format!("{}, still valid", body(&d.body, FenceToken::ZERO))
                        }
                        Kind::VisibilityTimeout => format!(
                            "{}, dequeuecount={n} popreceipt={n}",
                            body(&d.body, d.seq),
                            n = d.dequeue_count
                        ),
                    },
                    Reply::MadeVisible => "visible again".to_string(),
                    Reply::PopReceiptMismatch => "PopReceiptMismatch".to_string(),
                    Reply::Deleted(n) => format!("deleted {n}"),
                };
                format!("{text}  [req {id}]")
            }
        }
    }

    fn server_init(&self, _ctx: &Ctx, durable: Option<&Broker>) -> Broker {
        if let Some(saved) = durable {
            return saved.clone();
        }
        let mut broker = Broker {
            queue: Vec::new(),
            seq: FenceCounter::new(),
        };
        // The queue is provisioned with the one token message; the seed's
        // queue starts empty (its step 1 creates the messages).
        if self.kind != Kind::MessageTtl {
            broker.accept(Body::Token, None, self.numbered());
        }
        broker
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        state: &mut Broker,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        if let Msg::Req { id, op } = msg {
            let reply = state.execute(ctx.wall(), op, self.numbered());
            // Stored before the reply leaves: a durable broker confirms only
            // what it has persisted. The seed's queue keeps its lock
            // messages "in memory" (step 2), so a restart forgets them.
            if self.kind != Kind::MessageTtl {
                out.save(state.clone());
            }
            out.send(src, Msg::Rep { id, reply });
        }
    }

    fn client_init(&self, _ctx: &Ctx) -> MqClient {
        MqClient {
            step: Step::Idle,
            requests: Requests::new(),
            pop_receipt: None,
            message: None,
        }
    }

    fn client_acquire(&self, ctx: &Ctx, c: &mut MqClient, out: &mut Out<Self>) {
        match self.kind {
            Kind::MessageTtl => {
                // Step 1: send a lock message; the broker gives it its time
                // to live (step 2).
                c.step = Step::Sending;
                let op = Op::Send {
                    body: Body::Lock { sender: ctx.id },
                    ttl_ticks: Some(self.ttl_ticks),
                };
                self.call(ctx, c, op, out);
            }
            _ => self.receive(ctx, c, out),
        }
    }

    fn client_release(&self, ctx: &Ctx, c: &mut MqClient, out: &mut Out<Self>) {
        c.step = Step::Releasing;
        let op = match self.kind {
            Kind::AutoAck => Op::Send {
                body: Body::Token,
                ttl_ticks: None,
            },
            Kind::VisibilityTimeout if self.sqs => Op::DeleteByHandle {
                message: c.message.unwrap_or_default(),
            },
            Kind::VisibilityTimeout if self.delete_send => Op::Delete {
                message: c.message.unwrap_or_default(),
                pop_receipt: c.pop_receipt.unwrap_or_default(),
            },
            Kind::VisibilityTimeout => Op::MakeVisible {
                pop_receipt: c.pop_receipt.unwrap_or_default(),
            },
            // Step 6: delete the lock message this client sent in step 1.
            Kind::MessageTtl => Op::DeleteFrom { sender: ctx.id },
        };
        self.call(ctx, c, op, out);
    }

    fn client_on_msg(
        &self,
        ctx: &Ctx,
        c: &mut MqClient,
        _src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        let Msg::Rep { id, reply } = msg else { return };
        if c.requests.answer(out, &self.timeout, id).is_none() {
            // The answer to a request sent again since, or a second copy of
            // one already taken. A message it carries is lost with it, as a
            // client library drops a response it is not waiting for.
            return;
        }
        match (&c.step, reply) {
            // Step 3: take a lock message from the queue.
            (Step::Sending, Reply::Sent) => self.receive(ctx, c, out),
            (Step::Receiving, Reply::Received(Some(d))) if !d.expired => {
                // The token; or, for `MessageTtl`, step 4: a valid lock
                // message means the lock is ours, whoever sent it.
                c.step = Step::Holding;
                if self.kind == Kind::VisibilityTimeout {
                    c.pop_receipt = Some(d.dequeue_count);
                    c.message = self.delete_send.then_some(d.seq);
                }
                out.acquired(self.token(&d));
            }
            (Step::Receiving, Reply::Received(_)) => {
                // An empty queue, or (step 5) an expired lock message, which
                // the seed reads as "someone else holds the lock": wait and
                // take again.
                c.step = Step::Sleeping;
                out.set_timer(Timer::Retry, self.retry_ticks);
            }
            (Step::Releasing, Reply::Deleted(_)) if self.delete_send => {
                // The token is gone; a crash from here to the broker's
                // confirm of the new one takes the lock with it.
                c.step = Step::Republishing;
                c.pop_receipt = None;
                c.message = None;
                let op = Op::Send {
                    body: Body::Token,
                    ttl_ticks: None,
                };
                self.call(ctx, c, op, out);
            }
            (Step::Republishing, Reply::Sent) => {
                c.step = Step::Idle;
                out.released();
            }
            (
                Step::Releasing,
                Reply::Sent | Reply::MadeVisible | Reply::PopReceiptMismatch | Reply::Deleted(_),
            ) => {
                // A mismatch means someone else has received the token since:
                // there is nothing left to give back.
                c.step = Step::Idle;
                c.pop_receipt = None;
                c.message = None;
                out.released();
            }
            _ => {}
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, c: &mut MqClient, timer: Timer, out: &mut Out<Self>) {
        match timer {
            Timer::Retry if c.step == Step::Sleeping => self.receive(ctx, c, out),
            Timer::Timeout => {
                c.requests
                    .resend(out, ctx.server(), &self.timeout, |id, op| Msg::Req {
                        id,
                        op,
                    });
            }
            _ => {}
        }
    }
}
