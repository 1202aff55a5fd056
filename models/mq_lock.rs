//! Locks built on a message queue: a broker `mq` whose queue holds the lock as
//! a message. This file holds the broker and the client every variant of the
//! family shares, and the choices that make the variants.
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
//! of `mq_lock_message_ttl`, `models/mq_lock_message_ttl.rs`). Clients keep
//! no absolute time; their polls and request timeouts are timers, on the
//! monotonic clock.
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
