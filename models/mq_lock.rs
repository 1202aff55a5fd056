//! Locks built on a message queue: a broker `mq` whose queue holds the lock as
//! a message. This file holds the client every variant of the family
//! shares, and the choices that make the variants; the broker and the
//! messages it takes and sends are in `models/mq_broker.rs`.
//!
//! The variants live in three files, each with its protocol, its sources,
//! its expected verdicts and why:
//! - `models/mq_lock_auto_ack.rs`: one token taken by receive-and-delete and
//!   sent back (`mq_lock_auto_ack`), and the same fenced by the token
//!   message's sequence number (`mq_lock_auto_ack_fenced`);
//! - `models/mq_lock_visibility_timeout.rs`: one token hidden by each receive
//!   for a visibility timeout and made visible again
//!   (`mq_lock_visibility_timeout`), fenced by its dequeue count, and released
//!   in two calls, delete then send, on Azure and on SQS;
//! - `models/mq_lock_message_ttl.rs`: article A section 3.3 read literally
//!   (`mq_lock_message_ttl`).
//!
//! They differ in a few choices over one broker and one client ([`Kind`], and
//! flags the variant id sets: `_fenced`, `_delete_send`, `_sqs_delete_send`):
//! which operation takes the lock, what gives it back, whether messages
//! expire, and which number, if any, fences the resource. Everything below is
//! the same for all of them.
//!
//! # The client
//! A client sends one request at a time, under a request id its answer
//! carries (`node::Requests`), and takes only the answer to its outstanding
//! request: a late answer to a request it sent again and a second copy of an
//! answer it has taken are dropped, with whatever message they carried.
//! With `request_timeout_ticks` it sends an unanswered request again under
//! a new id (a client library that times out and retries on a new
//! connection). On an empty queue it polls again after `retry_ticks`.
//! Clients keep no absolute time; their polls and request timeouts are
//! timers, on the monotonic clock. The broker, its operations and its
//! clock are described in `models/mq_broker.rs`.
//!
//! # Liveness
//! A message's time-to-live end and its visibility timeout are
//! `node::Instant`s on the broker's clock, so the liveness checker shifts
//! them itself (`LockModel::times`). Under clock-drift (the broker's clock at
//! 50%, 100% or 150%) drift only moves when a token reappears or a message
//! expires, and every such time is the broker's own.

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use crate::models::redis;
use crate::node::{
    Ctx, LockModel, NodeId, Out, Param, RequestTimeout, Requests, ResendId, Symmetry, TimeVisitors,
    Times, Variant,
};
use crate::node::{FenceCounter, FenceToken, LockParams};
use crate::{rename_nothing, times_nothing, visit_fields};

pub use super::mq_broker::{Body, Broker, Delivery, Msg, Op, QueuedMsg, Reply, TtlEnd};

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
/// type per kind, so that each declares only the parameters it reads. Each
/// is in a file of its own (`models/mq_lock_auto_ack.rs`,
/// `models/mq_lock_visibility_timeout.rs`, `models/mq_lock_message_ttl.rs`).
pub trait MqKind: Send + Sync + 'static {
    const KIND: Kind;
    const VARIANTS: &'static [Variant];
    const PARAMS: &'static [Param];
}

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

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timer {
    /// Sleep over; receive again.
    Retry,
    /// No reply in time; send the request again.
    Timeout,
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

visit_fields!(MqClient {
    step,
    requests,
    pop_receipt,
    message
});
rename_nothing!(Step, Timer);
times_nothing!(Step, Timer);

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
    ///
    /// Where the token is never replaced, its dequeue count and the pop
    /// receipts that copy it are renumbered as fencing numbers too
    /// ([`super::mq_broker::receipts`]).
    fn times(&self) -> Option<TimeVisitors<Self>> {
        use super::mq_broker::receipts;
        let by_times = TimeVisitors::by_times();
        // The receipts visitors leave the broker's sequence counter out, so
        // they are only for variants whose broker never stamps a number
        // (which rules out delete-then-send, whose token is replaced).
        if self.kind != Kind::VisibilityTimeout || self.numbered() {
            return Some(by_times);
        }
        Some(TimeVisitors {
            server: receipts::visit_broker,
            durable: receipts::visit_broker,
            client: |c, v| {
                c.visit_times(v);
                receipts::visit_client(&mut c.pop_receipt, c.requests.outstanding_mut(), v);
            },
            msg: receipts::visit_msg,
            read_server: receipts::read_broker,
            read_durable: receipts::read_broker,
            read_client: |c, v| {
                c.read_times(v);
                receipts::read_client(c.pop_receipt, c.requests.outstanding(), v);
            },
            read_msg: receipts::read_msg,
            ..by_times
        })
    }

    /// Under endless rounds the queues whose release replaces the token
    /// (auto-ack, and the visibility-timeout variants that delete it and
    /// send a new one) keep nothing that grows with a round but request
    /// ids and sequence numbers (a `FenceCounter`), both renumbered: a
    /// new token starts with a dequeue count of 0. A token made visible
    /// again stays in the queue and its dequeue count, which is also its
    /// fence and names its pop receipt, grows with every receive; it is
    /// renumbered as a fencing counter ([`LockModel::times`] above). The
    /// message-TTL queue numbers nothing: each client sends a new message
    /// per round, and the lost updates that made its graph endless are
    /// forgotten by the checker (its graph has 7,641 states).
    fn rounds_bounded(&self) -> bool {
        true
    }

    fn describe_msg(&self, msg: &Msg) -> String {
        msg.describe(self.kind)
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
