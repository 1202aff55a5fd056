//! What the ZooKeeper locks differ in: the choices each variant makes
//! ([`Flavor`]) and the protocol steps those choices change, over the one
//! client and session every variant shares (`models/zk_lock.rs`).
//!
//! The choices:
//! - **[`Recipe`]**: which node a client creates. The single-node lock
//!   (`models/zk_lock_ephemeral.rs`) creates `/my_lock` and, when it is
//!   taken, sleeps or watches it ([`OnBusy`]); the recipe
//!   (`models/zk_lock_sequential.rs`) creates an ephemeral sequential child
//!   of `/lock` and waits behind the next-lower one.
//! - **[`Token`]**: what a holder hands the resource: nothing, its node's
//!   creation zxid, or its node's `dataVersion`.
//! - **[`Slip`]**: the step of the recipe a variant gets wrong, if any.
//!
//! The steps they change: what `create` sends; what each answer leads to
//! (hold, list the line, watch the predecessor, sleep, read the node's
//! `czxid`); what a predecessor's deletion means; what an unanswered
//! request becomes (the recipe's GUID rule); which node a release deletes;
//! and what a waiter does after its connection broke. Everything else,
//! the session, its heartbeats, requests and their ids, the server's side,
//! is the same for every variant and lives in `models/zk_lock.rs`.

use crate::models::zk_lock::{Step, Timer, ZkClient, ZkLock};
use crate::models::zk_server::{Op, OpResult, ZPath};
use crate::node::{Out, Param, Variant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipe {
    /// The seed's snippet: one ephemeral node, `/my_lock`, and what a client
    /// does while another holds it.
    Ephemeral(OnBusy),
    /// Ephemeral sequential nodes in line under `/lock`.
    Sequential,
}

/// What the single-node lock does when `/my_lock` is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnBusy {
    /// Sleep `retry_ticks`, then `create` again (the seed's snippet).
    Sleep,
    /// `exists(/my_lock, watch)`, and `create` again when it is deleted.
    Watch,
}

/// The fencing token a holder hands the resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    /// None: the resource is not fenced.
    Unfenced,
    /// Its node's creation zxid, which grows with every write.
    Czxid,
    /// Its node's `dataVersion` (`Stat.version`): the number of `setData`
    /// calls on the node since its creation. Nobody writes the lock node, so
    /// every holder's is 0.
    DataVersion,
}

/// A recipe as engineers often write it, one step away from the documented
/// one (see the module documentation's "Protocol").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slip {
    /// `exists` on the predecessor answering "no such node" is taken as a
    /// watch set, and the client waits for its event.
    IgnoreNullExists,
    /// The predecessor's deletion (its watch event, or `exists` finding it
    /// gone) is taken as the lock, without listing the children again.
    NoRelist,
    /// A `create` that got no answer is sent again, without first looking
    /// for the node it may have made.
    NoGuid,
}

/// What one variant is made of: the lock, its token, and its slip if any.
#[derive(Clone, Copy, Debug)]
pub struct Flavor {
    pub recipe: Recipe,
    pub token: Token,
    pub slip: Option<Slip>,
}

/// The variants of one file of the family (`models/zk_lock_ephemeral.rs`,
/// `models/zk_lock_sequential.rs`), as choices over the client below.
pub trait ZkFlavor: Send + Sync + 'static {
    const VARIANTS: &'static [Variant];
    const PARAMS: &'static [Param];
    /// The flavour of one of [`ZkFlavor::VARIANTS`]; `None` for any other id.
    fn flavor(variant: &str) -> Option<Flavor>;
}

impl<F: ZkFlavor> ZkLock<F> {
    /// Whether the server numbers its writes: only the fenced variant reads
    /// a zxid (its token is the node's `czxid`).
    pub(super) fn server_counts_zxids(&self) -> bool {
        self.token == Token::Czxid
    }

    pub(super) fn create(&self, c: &mut ZkClient, out: &mut Out<Self>) {
        c.step = Step::Creating;
        let op = match self.recipe {
            Recipe::Ephemeral(_) => Op::Create {
                path: ZPath::MyLock,
            },
            Recipe::Sequential => Op::CreateSequential,
        };
        self.request(c, op, out);
    }

    pub(super) fn list(&self, c: &mut ZkClient, out: &mut Out<Self>) {
        c.step = Step::Listing;
        self.request(c, Op::GetChildren { watch: false }, out);
    }

    pub(super) fn on_result(&self, c: &mut ZkClient, result: OpResult, out: &mut Out<Self>) {
        match (c.step, result) {
            (Step::Creating, OpResult::Created { path, czxid }) => {
                c.node = Some(path);
                // Only the fenced variant has a use for it.
                if self.token == Token::Czxid {
                    c.czxid = Some(czxid);
                }
                match self.recipe {
                    Recipe::Ephemeral(_) => self.hold(c, out),
                    Recipe::Sequential => self.list(c, out),
                }
            }
            (Step::Creating, OpResult::NodeExists) => match self.recipe {
                Recipe::Ephemeral(OnBusy::Sleep) => {
                    c.step = Step::Sleeping;
                    out.set_timer(Timer::Retry, self.retry_ticks);
                }
                Recipe::Ephemeral(OnBusy::Watch) => self.watch(c, ZPath::MyLock, out),
                // The recipe's `create` is sequential and never meets a node.
                Recipe::Sequential => {}
            },
            (Step::Listing, OpResult::Children(children)) => self.check_line(c, &children, out),
            (Step::Watching(_), OpResult::Stat(Some(_))) if !c.fired => {
                if let Step::Watching(pred) = c.step {
                    c.step = Step::Waiting(pred);
                }
            }
            // The slip: "no such node" read as a watch set. The watch
            // `exists` left waits for the node's creation, and a sequential
            // name is never created again.
            (Step::Watching(pred), OpResult::Stat(None))
                if self.slip == Some(Slip::IgnoreNullExists) && !c.fired =>
            {
                c.step = Step::Waiting(pred);
            }
            // The predecessor is gone already (or went while we asked).
            (Step::Watching(_), OpResult::Stat(_)) => self.predecessor_gone(c, out),
            (Step::Statting, OpResult::Stat(Some(czxid))) => {
                c.czxid = Some(czxid);
                self.hold(c, out);
            }
            (Step::Statting, OpResult::Stat(None)) => self.create(c, out),
            (Step::Releasing, OpResult::Deleted | OpResult::NoNode) => self.finish_release(c, out),
            _ => {}
        }
    }

    /// The node this client waited behind is gone. The single-node lock
    /// tries `create` again. The recipe lists the children again, since a
    /// waiter ahead may have left (its session expired) while the holder
    /// still holds. The slip takes the lock.
    pub(super) fn predecessor_gone(&self, c: &mut ZkClient, out: &mut Out<Self>) {
        match (self.recipe, self.slip) {
            (Recipe::Ephemeral(_), _) => self.create(c, out),
            (Recipe::Sequential, Some(Slip::NoRelist)) => self.hold(c, out),
            (Recipe::Sequential, _) => self.list(c, out),
        }
    }

    /// `exists(pred, watch)`: wait for `pred`'s deletion.
    pub(super) fn watch(&self, c: &mut ZkClient, pred: ZPath, out: &mut Out<Self>) {
        c.step = Step::Watching(pred);
        c.fired = false;
        self.request(
            c,
            Op::Exists {
                path: pred,
                watch: true,
            },
            out,
        );
    }

    /// The outstanding request got no answer (its timeout ran out, or the
    /// connection it went on broke: `ConnectionLoss`, which kazoo and
    /// Curator retry).
    pub(super) fn retry_outstanding(&self, c: &mut ZkClient, out: &mut Out<Self>) {
        if let Some(op) = c.requests.outstanding().cloned() {
            if op == Op::CreateSequential && c.session.is_some() && self.slip != Some(Slip::NoGuid)
            {
                // The recipe's rule for a `create` that got no answer:
                // look for a child with our prefix before creating
                // another, which would wait behind the first forever.
                c.node = None;
                self.list(c, out);
            } else {
                // Sent again under a new xid.
                self.request(c, op, out);
            }
        }
    }

    /// The recipe's check: lowest in line holds the lock; otherwise watch the
    /// next-lower node.
    pub(super) fn check_line(&self, c: &mut ZkClient, children: &[ZPath], out: &mut Out<Self>) {
        if c.node.is_none() {
            // Recovering from an unanswered `create`: did it happen?
            c.node = children
                .iter()
                .find(|p| matches!(p, ZPath::Child { prefix, .. } if Some(*prefix) == c.session))
                .copied();
            if c.node.is_none() {
                self.create(c, out);
                return;
            }
        }
        let Some(mine) = c.node.filter(|n| children.contains(n)) else {
            // Its node is gone although its session lives: cannot happen
            // with one client per session, but starting over is safe.
            c.node = None;
            c.czxid = None;
            self.create(c, out);
            return;
        };
        match children.iter().filter(|p| **p < mine).max() {
            None if self.token == Token::Czxid && c.czxid.is_none() => {
                c.step = Step::Statting;
                self.request(
                    c,
                    Op::Exists {
                        path: mine,
                        watch: false,
                    },
                    out,
                );
            }
            None => self.hold(c, out),
            Some(&pred) => self.watch(c, pred, out),
        }
    }

    /// The node a release deletes: the single-node lock's one node, or the
    /// recipe's own node in the line if the client knows it.
    pub(super) fn node_to_delete(&self, c: &ZkClient) -> Option<ZPath> {
        match self.recipe {
            Recipe::Ephemeral(_) => Some(ZPath::MyLock),
            Recipe::Sequential => c.node,
        }
    }

    /// A waiter's connection broke while it waited for `pred`'s deletion,
    /// and the event may have been lost with it.
    pub(super) fn wait_again(&self, c: &mut ZkClient, pred: ZPath, out: &mut Out<Self>) {
        match self.recipe {
            // `SetWatches` re-registers the watch on `/my_lock` and fires it
            // if the node went meanwhile: asking again stands for that.
            Recipe::Ephemeral(_) => self.watch(c, pred, out),
            Recipe::Sequential => self.list(c, out),
        }
    }
}
