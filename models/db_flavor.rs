//! What the database locks differ in: how a variant takes the lock (its
//! [`Scheme`]: the seed's row per node, a row per lock with no expiry, or an
//! expiry judged on the client's or on the database's clock), the statement
//! it gets wrong if it is one of the slips ([`Slip`]), and the steps those
//! choices change: the statement that asks for the lock, what a taken row
//! leads to, and the statement that releases it. The client every variant
//! shares is `models/db_lock.rs`; the statements `models/db_sql.rs`.

use crate::models::db_lock::{DbClient, DbLock, Step};
use crate::models::db_sql::{Expiry, Reply, Stmt};
use crate::node::{Ctx, LockParams, Out, Param, Variant};

/// How a variant takes the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// The seed: insert my own row, poll it until it is unexpired, proceed.
    Seed { ttl_ticks: u32 },
    /// One row per lock; a duplicate key means busy.
    Unique,
    /// One row per lock with an expiry judged by the client's clock.
    ExpiryClientClock { ttl_ticks: u32 },
    /// One row per lock with an expiry judged by the database's clock,
    /// optionally with a version returned as the fencing token.
    ExpiryDbClock { ttl_ticks: u32, fenced: bool },
}

/// The variants of one parameter set (a type per set, so that each model id
/// declares exactly the parameters it reads).
pub trait DbFlavor: Send + Sync + 'static {
    const VARIANTS: &'static [Variant];
    const PARAMS: &'static [Param];
    fn scheme(variant: &str, params: &LockParams) -> Result<Scheme, String>;
    /// The statement `variant` gets wrong, if it is one of the slips.
    fn slip(_variant: &str) -> Option<Slip> {
        None
    }
}

/// A slip one statement away from the expiring lock (see
/// `models/db_lock_expiry.rs`, "Protocol").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slip {
    /// The release deletes the row whoever owns it (`DELETE WHERE name =
    /// 'lock'`).
    DeleteAny,
    /// An expired row is taken over by a `SELECT` and then an unconditional
    /// `UPDATE`, not by one conditional `UPDATE`.
    SelectThenUpdate,
    /// The lock is a claim row inserted after asking whether any live claim
    /// exists, with no key on the lock's name.
    CheckThenInsert,
    /// The owner is the client's own name, the same every round, and an
    /// expired row is taken over by a `SELECT` of its owner and then an
    /// `UPDATE` conditional on that owner.
    CasOwner,
    /// The `SELECT` and the unconditional `UPDATE` of `SelectThenUpdate`
    /// in one PostgreSQL `REPEATABLE READ` transaction.
    RepeatableRead,
}

impl<F: DbFlavor> DbLock<F> {
    /// The expiry a new or taken-over row gets, computed now.
    pub(super) fn expiry(&self, ctx: &Ctx) -> Expiry {
        match self.scheme {
            Scheme::Seed { .. } | Scheme::Unique => Expiry::Never,
            Scheme::ExpiryClientClock { ttl_ticks } => Expiry::ClientClock {
                expires_at: ctx.wall().after(ttl_ticks),
                client_now: ctx.wall(),
            },
            Scheme::ExpiryDbClock { ttl_ticks, .. } => Expiry::DbClock { ttl_ticks },
        }
    }

    pub(super) fn fenced_scheme(&self) -> bool {
        matches!(self.scheme, Scheme::ExpiryDbClock { fenced: true, .. })
    }

    /// An attempt: the insert, or first the check for a live claim.
    pub(super) fn try_acquire(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        if self.slip == Some(Slip::CheckThenInsert) {
            c.step = Step::CheckingLive;
            self.call(ctx, c, Stmt::AnyLive, out);
        } else {
            self.insert(ctx, c, out);
        }
    }

    pub(super) fn insert(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        c.step = Step::Inserting;
        let stmt = match self.scheme {
            Scheme::Seed { ttl_ticks } => Stmt::InsertNode {
                node: Self::node(ctx),
                expire_time: ctx.wall().after(ttl_ticks),
            },
            Scheme::ExpiryDbClock { ttl_ticks, .. } if self.slip == Some(Slip::CheckThenInsert) => {
                Stmt::InsertClaim {
                    owner: c.owner,
                    ttl_ticks,
                }
            }
            _ => Stmt::Insert {
                owner: c.owner,
                expiry: self.expiry(ctx),
                fenced: self.fenced_scheme(),
            },
        };
        self.call(ctx, c, stmt, out);
    }

    /// `BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT ...`: is the row
    /// there, and has it expired, in a new snapshot?
    pub(super) fn select_snapshot(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        c.step = Step::CheckingExpiry;
        let stmt = Stmt::SelectSnapshot {
            client: Self::node(ctx),
            expiry: self.expiry(ctx),
        };
        self.call(ctx, c, stmt, out);
    }

    /// The statement that releases the lock.
    pub(super) fn release_stmt(&self, ctx: &Ctx, c: &DbClient) -> Stmt {
        match self.scheme {
            Scheme::Seed { .. } => Stmt::DeleteNode {
                node: Self::node(ctx),
            },
            _ if self.slip == Some(Slip::CheckThenInsert) => Stmt::DeleteClaim { owner: c.owner },
            _ if self.slip != Some(Slip::DeleteAny) => Stmt::Delete { owner: c.owner },
            _ => Stmt::DeleteAny,
        }
    }

    /// The row is taken (`IntegrityError` on the `INSERT`): what the
    /// variant does about a holder that may have expired.
    pub(super) fn on_busy(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        match self.scheme {
            Scheme::Unique | Scheme::Seed { .. } => self.sleep(c, out),
            _ if self.slip == Some(Slip::CasOwner) => {
                // Busy; see who holds it and whether it has expired.
                c.step = Step::CheckingExpiry;
                let stmt = Stmt::SelectOwner {
                    expiry: self.expiry(ctx),
                };
                self.call(ctx, c, stmt, out);
            }
            // Busy; open a transaction and see whether the row has
            // expired in its snapshot.
            _ if self.slip == Some(Slip::RepeatableRead) => self.select_snapshot(ctx, c, out),
            _ if self.slip != Some(Slip::SelectThenUpdate) => {
                // Busy; take it over if it has expired.
                c.step = Step::TakingOver;
                let stmt = Stmt::TakeOver {
                    owner: c.owner,
                    expiry: self.expiry(ctx),
                    fenced: self.fenced_scheme(),
                };
                self.call(ctx, c, stmt, out);
            }
            _ => {
                // Busy; ask whether it has expired.
                c.step = Step::CheckingExpiry;
                let stmt = Stmt::SelectExpired {
                    expiry: self.expiry(ctx),
                };
                self.call(ctx, c, stmt, out);
            }
        }
    }

    /// The answer to the variant's look at a taken row: take it over,
    /// insert again or sleep.
    pub(super) fn on_checked(
        &self,
        ctx: &Ctx,
        c: &mut DbClient,
        reply: Reply,
        out: &mut Out<Self>,
    ) {
        match reply {
            Reply::Expired(expired) => match expired {
                // Expired: take it, whatever happened since the `SELECT`.
                Some(true) => {
                    c.step = Step::TakingOver;
                    let stmt = Stmt::Update {
                        owner: c.owner,
                        expiry: self.expiry(ctx),
                    };
                    self.call(ctx, c, stmt, out);
                }
                // Released meanwhile: insert again at once.
                None => self.insert(ctx, c, out),
                Some(false) => self.sleep(c, out),
            },
            Reply::Owner { owner, expired } => match owner {
                // Expired: take it if its owner is still the one seen.
                Some(expected) if expired => {
                    c.step = Step::TakingOver;
                    let stmt = Stmt::UpdateIfOwner {
                        expected,
                        owner: c.owner,
                        expiry: self.expiry(ctx),
                    };
                    self.call(ctx, c, stmt, out);
                }
                Some(_) => self.sleep(c, out),
                None => self.insert(ctx, c, out),
            },
            Reply::Snapshot { owner, expired } => match owner {
                // Expired in the snapshot: update it in the same
                // transaction, which fails if the row changed since.
                Some(_) if expired => {
                    c.step = Step::TakingOver;
                    let stmt = Stmt::UpdateSnapshot {
                        client: Self::node(ctx),
                        owner: c.owner,
                        expiry: self.expiry(ctx),
                    };
                    self.call(ctx, c, stmt, out);
                }
                Some(_) => self.sleep(c, out),
                None => self.insert(ctx, c, out),
            },
            _ => {}
        }
    }
}
