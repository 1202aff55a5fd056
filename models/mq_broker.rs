//! The broker of the message-queue locks (`models/mq_lock.rs` has the
//! client and the variants' choices): `mq`, whose queue holds the lock as a
//! message, the operations the clients send it, its replies, and how a
//! timeline shows each.
//!
//! One queue in arrival order, judging every time on its own clock. It is
//! durable (saved on every change, before the reply leaves, as SQS and Azure
//! queues always are and a RabbitMQ durable queue of persistent messages is),
//! except in `mq_lock_message_ttl`, whose source keeps messages in memory.
//! Operations, each atomic: send with a confirm; receive-and-delete; receive
//! with a visibility timeout; make a received message visible again; delete.
//!
//! The broker's times are times of day on its wall clock: Azure Queue
//! Storage reports a hidden message's `TimeNextVisible` and its
//! `ExpirationTime` as UTC dates, so a jump of the broker's clock moves
//! them. The model assumes the same of the article's unnamed broker (step 2
//! of `mq_lock_message_ttl`, `models/mq_lock_message_ttl.rs`).

use serde::{Deserialize, Serialize};

use crate::node::{FenceCounter, FenceToken, Instant, NodeId, RequestId};

use super::mq_lock::Kind;
use crate::{
    rename_nothing, rename_variants, times_nothing, times_variants, visit_fields, visit_variants,
};

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

/// What the clients and the broker send each other.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Msg {
    /// An operation, under the client's request id.
    Req { id: RequestId, op: Op },
    /// Its result, carrying the id of the request it answers.
    Rep { id: RequestId, reply: Reply },
}

impl Msg {
    /// The message as a timeline shows it, in the words of the queue `kind`
    /// stands for.
    pub fn describe(&self, kind: Kind) -> String {
        let body = |b: &Body, seq: FenceToken| match b {
            Body::Token if seq == FenceToken::ZERO => "token".to_string(),
            Body::Token => format!("token #{seq}"),
            // The broker is node 0, so client `ck` is node k.
            Body::Lock { sender } => format!("c{}'s lock message", sender.0),
        };
        match self {
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
                    Reply::Received(None) => match kind {
                        Kind::VisibilityTimeout => "no visible message".to_string(),
                        _ => "queue empty".to_string(),
                    },
                    Reply::Received(Some(d)) => match kind {
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
}

impl Broker {
    /// Deletes every message `gone` picks, and says how many.
    fn delete_where(&mut self, gone: impl Fn(&QueuedMsg) -> bool) -> Reply {
        let before = self.queue.len();
        self.queue.retain(|m| !gone(m));
        Reply::Deleted((before - self.queue.len()) as u8)
    }

    /// Puts `body` at the end of the queue, with a sequence number if
    /// `numbered`.
    pub fn accept(&mut self, body: Body, expires_at: Option<TtlEnd>, numbered: bool) {
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
    pub fn execute(&mut self, now: Instant, op: Op, numbered: bool) -> Reply {
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
visit_variants!(Msg {
    Req { id, op },
    Rep { id, reply },
});
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
rename_nothing!(TtlEnd);
times_nothing!(Body);
times_variants!(TtlEnd { At(t), Passed });

/// The dequeue counts as the liveness checker's fencing numbers, where the
/// token message is never replaced (`mq_lock_visibility_timeout` and its
/// fenced variant): the token stays in the queue, so its dequeue count
/// grows with every receive, and endless rounds would never end without
/// renumbering it. It is a counter ([`QueuedMsg::dequeue_count`] goes up by
/// one at each receive, which hands the new value out), and the copies of
/// it are its numbers: a delivery's, the pop receipt a client keeps and the
/// one in a `MakeVisible` or `Delete` it sends. They are compared with it
/// only for equality, and the fenced variant hands them to the resource,
/// which compares them for order; so they are the [`TokenFamily::Fence`]
/// family, renumbered with the resource's copies.
///
/// The broker's sequence counter is left out: these variants never stamp a
/// sequence number (`MqLock::numbered`), so it stays at 0 and hands nothing
/// out, while as a counter at 0 it would pin the family's lowest counter
/// and stop the renumbering. Where the token is deleted and sent again, its
/// dequeue count starts again from 0 with every new message, and the
/// sequence counter is read: the two would keep a distance that grows, so
/// those variants keep the default visitors, whose graphs end without this.
pub mod receipts {
    use super::{Broker, Msg, Op, Reply};
    use crate::node::{ReadTimes, Times, TokenFamily, VisitTimes};

    fn op_receipt(op: &mut Op) -> Option<&mut u32> {
        match op {
            Op::MakeVisible { pop_receipt } | Op::Delete { pop_receipt, .. } => Some(pop_receipt),
            _ => None,
        }
    }

    fn read_op_receipt(op: &Op) -> Option<u32> {
        match op {
            Op::MakeVisible { pop_receipt } | Op::Delete { pop_receipt, .. } => Some(*pop_receipt),
            _ => None,
        }
    }

    pub fn visit_broker(b: &mut Broker, v: &mut dyn VisitTimes) {
        for m in &mut b.queue {
            m.visit_times(v);
            TokenFamily::Fence.visit_counter(&mut m.dequeue_count, v);
        }
    }

    pub fn read_broker(b: &Broker, v: &mut dyn ReadTimes) {
        for m in &b.queue {
            m.read_times(v);
            TokenFamily::Fence.read_counter(m.dequeue_count, v);
        }
    }

    pub fn visit_msg(msg: &mut Msg, v: &mut dyn VisitTimes) {
        msg.visit_times(v);
        match msg {
            Msg::Req { op, .. } => {
                if let Some(receipt) = op_receipt(op) {
                    TokenFamily::Fence.visit(receipt, v);
                }
            }
            Msg::Rep {
                reply: Reply::Received(Some(d)),
                ..
            } => TokenFamily::Fence.visit(&mut d.dequeue_count, v),
            Msg::Rep { .. } => {}
        }
    }

    pub fn read_msg(msg: &Msg, v: &mut dyn ReadTimes) {
        msg.read_times(v);
        match msg {
            Msg::Req { op, .. } => {
                if let Some(receipt) = read_op_receipt(op) {
                    TokenFamily::Fence.read(receipt, v);
                }
            }
            Msg::Rep {
                reply: Reply::Received(Some(d)),
                ..
            } => TokenFamily::Fence.read(d.dequeue_count, v),
            Msg::Rep { .. } => {}
        }
    }

    /// A client's pop receipt and the one in its request in flight.
    pub fn visit_client(
        pop_receipt: &mut Option<u32>,
        outstanding: Option<&mut Op>,
        v: &mut dyn VisitTimes,
    ) {
        if let Some(receipt) = pop_receipt {
            TokenFamily::Fence.visit(receipt, v);
        }
        if let Some(receipt) = outstanding.and_then(op_receipt) {
            TokenFamily::Fence.visit(receipt, v);
        }
    }

    pub fn read_client(pop_receipt: Option<u32>, outstanding: Option<&Op>, v: &mut dyn ReadTimes) {
        if let Some(receipt) = pop_receipt {
            TokenFamily::Fence.read(receipt, v);
        }
        if let Some(receipt) = outstanding.and_then(read_op_receipt) {
            TokenFamily::Fence.read(receipt, v);
        }
    }
}
