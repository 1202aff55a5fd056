//! The database family's engine: a lock row in a relational database, taken
//! and released by one SQL statement at a time. The choices its variants
//! make and the steps they change are `models/db_flavor.rs`; the variants
//! are in their own files, each with its protocol step by step, its
//! expected verdicts and why:
//! - `models/db_lock_seed.rs`: the article's snippet, a row per node polled
//!   until unexpired (`db_lock_seed`);
//! - `models/db_lock_unique.rs`: a row keyed by the lock's name, with no
//!   expiry (`db_lock_unique`);
//! - `models/db_lock_expiry.rs`: expiring rows judged on the client's or on
//!   the database's clock, a fenced variant, and the one-line slips people
//!   ship (a takeover, a release or an acquisition in two statements, a
//!   compare-and-set on the owner, `REPEATABLE READ`) (`db_lock_expiry_*`).
//!
//! Source: article A, section 3.2: insert a unique lock record; if the
//! insert fails, wait and try again; delete the record to release. The
//! database itself and its clock are `models/db_server.rs`, the statements
//! it runs `models/db_sql.rs`.
//!
//! The database is one server (`db`) that runs each statement atomically
//! under a primary-key constraint: an `INSERT` of a taken key fails with
//! `IntegrityError`, and a conditional `UPDATE` or `DELETE` tests its `WHERE`
//! clause and changes the row in one step. A statement is acknowledged only
//! once committed, and committed rows survive a crash. A client sleeps
//! `retry_ticks` where the article's snippet (`db_lock_seed`) sleeps one
//! second; its 10 s expiry is `ttl_ticks`. A statement's parameters are
//! computed when the client builds it, so a statement resent after a
//! timeout (see `DbLock::resend`) carries the clock readings of its first
//! sending.
//!
//! A client sends one statement at a time under a request id its result
//! carries (`node::Requests`), and takes only the result of its outstanding
//! statement: the late result of a statement sent again since and a second
//! copy of a result it has taken are ignored. With
//! `params.request_timeout_ticks`, an unanswered statement is sent again
//! under a new id, as a client library that times out drops the connection
//! and retries on a new one; without it the client waits forever.
//!
//! Every time here is read from the wall clock: the snippet's `time.time()`
//! is the client's time of day, and SQL's `NOW()` the database host's
//! (`CURRENT_TIMESTAMP`, as in MySQL and PostgreSQL). So a jump of either
//! clock moves an expiry judged by it. Only the clients' sleeps and
//! request timeouts are timers, on the monotonic clock.
//!
//! # Liveness
//! Every time this model keeps or sends (a row's `expires_at`, the seed's
//! `expire_time`, a statement's `client_now`) is a `node::Instant`, and
//! durations are added only to a clock just read, so the liveness checker
//! shifts them itself (`LockModel::times`). Each variant's file gives its
//! liveness verdicts.

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use crate::models::redis::{self, Value};
use crate::node::LockParams;
use crate::node::{
    Ctx, FenceToken, LockModel, NodeId, Nonces, Out, Param, RealServer, RequestId, RequestTimeout,
    Requests, ResendId, ServerProgram, Symmetry, TimeVisitors, Variant,
};
use crate::{rename_nothing, times_nothing, visit_fields, visit_variants};

use crate::models::db_server::{DbServer, Reply, Stmt};

/// How a variant takes the lock, with the steps that change.
pub use crate::models::db_flavor::{DbFlavor, Scheme, Slip};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Msg {
    /// A statement, under the client's request id.
    Req { id: RequestId, stmt: Stmt },
    /// Its result, carrying the id of the request it answers.
    Rep { id: RequestId, reply: Reply },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timer {
    /// The sleep between attempts (or between the article's polls) is over.
    Retry,
    /// No reply in time; send the statement again.
    Timeout,
}

/// One database lock: a variant's [`Scheme`] and [`Slip`]
/// (`models/db_flavor.rs`) over the client below.
pub struct DbLock<F> {
    pub(super) scheme: Scheme,
    pub(super) slip: Option<Slip>,
    retry_ticks: u32,
    timeout: RequestTimeout<Timer>,
    _f: PhantomData<fn() -> F>,
}

/// Where the client is in the protocol.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Step {
    Idle,
    Inserting,
    /// The conditional `UPDATE` that takes over an expired row is in flight.
    TakingOver,
    /// The article's `SELECT` of its own row is in flight.
    Polling,
    Sleeping,
    Holding,
    Releasing,
    /// The article's `INSERT` raised `IntegrityError`, which `acquire_lock` does
    /// not catch: this client never gets anywhere.
    Failed,
    /// The `SELECT` that asks whether the row has expired is in flight.
    CheckingExpiry,
    /// The `SELECT` that asks whether any claim is live is in flight.
    CheckingLive,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DbClient {
    pub step: Step,
    /// The owner value of the current acquisition (unique per client and
    /// acquisition, like a UUID).
    pub owner: Value,
    pub acquisitions: Nonces,
    /// The statement awaiting its result, and the request ids.
    pub requests: Requests<Stmt>,
}

visit_variants!(Msg {
    Req { id, stmt },
    Rep { id, reply },
});
visit_fields!(DbClient {
    step,
    owner,
    acquisitions,
    requests
});
rename_nothing!(Timer, Step);
times_nothing!(Timer, Step);

impl<F: DbFlavor> DbLock<F> {
    pub(super) fn call(&self, ctx: &Ctx, c: &mut DbClient, stmt: Stmt, out: &mut Out<Self>) {
        c.requests
            .send(out, ctx.server(), stmt, &self.timeout, |id, stmt| {
                Msg::Req { id, stmt }
            });
    }

    /// The statement timed out: like a client library after a socket
    /// timeout, drop the connection, open a new one and send the statement
    /// again under a new request id, so that a late result of the first
    /// sending is ignored.
    fn resend(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        c.requests
            .resend(out, ctx.server(), &self.timeout, |id, stmt| Msg::Req {
                id,
                stmt,
            });
    }

    pub(super) fn sleep(&self, c: &mut DbClient, out: &mut Out<Self>) {
        c.step = Step::Sleeping;
        out.set_timer(Timer::Retry, self.retry_ticks);
    }

    /// This client's node id as the article's `node` column holds it.
    pub(super) fn node(ctx: &Ctx) -> NodeId {
        ctx.id
    }

    pub(super) fn poll(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        c.step = Step::Polling;
        let stmt = Stmt::SelectNode {
            node: Self::node(ctx),
        };
        self.call(ctx, c, stmt, out);
    }

    pub(super) fn take(&self, c: &mut DbClient, version: Option<FenceToken>, out: &mut Out<Self>) {
        c.step = Step::Holding;
        out.acquired(version.map(FenceToken::number));
    }
}

impl<F: DbFlavor> LockModel for DbLock<F> {
    type Server = DbServer;
    type Durable = DbServer;
    type Client = DbClient;
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = F::VARIANTS;
    const PARAMS: &'static [Param] = F::PARAMS;

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        Ok(DbLock {
            scheme: F::scheme(variant, params)?,
            slip: F::slip(variant),
            retry_ticks: params.require(redis::RETRY_TICKS.name)?,
            timeout: RequestTimeout {
                timer: Timer::Timeout,
                after_ticks: params.optional(redis::REQUEST_TIMEOUT_TICKS.name)?,
                resend: ResendId::New,
            },
            _f: PhantomData,
        })
    }

    fn server_name(&self, _index: usize) -> String {
        "db".to_string()
    }

    fn real_server(_variant: &str) -> Option<RealServer> {
        Some(RealServer {
            program: ServerProgram::Postgres,
            restart_is_real: true,
        })
    }

    /// Clients run the same code, and whatever names a client (the article's
    /// row key, an owner value) carries its node id.
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    /// Every time the database keeps or a statement carries is an
    /// [`Instant`]; durations are added only to a clock read at that moment
    /// (`NOW() + ttl`, `client_now + ttl`), and kept times are only
    /// compared, with a clock or with each other. Except in a `REPEATABLE
    /// READ` transaction, whose `NOW()` is its start: its `UPDATE` adds the
    /// TTL to the instant the transaction kept.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        let visitors = TimeVisitors::by_times();
        Some(match self.scheme {
            Scheme::ExpiryDbClock { ttl_ticks, .. } if self.slip == Some(Slip::RepeatableRead) => {
                visitors.adding_to_kept(ttl_ticks)
            }
            _ => visitors,
        })
    }

    /// Owners are nonces, and a row's `xmin` and the fenced variant's
    /// versions come from [`FenceCounter`](crate::node::FenceCounter)s the
    /// harness renumbers (the sequence's logged-ahead value with them: see
    /// `DbServer::version_logged`).
    fn rounds_bounded(&self) -> bool {
        true
    }

    fn describe_msg(&self, msg: &Msg) -> String {
        match msg {
            Msg::Req { id, stmt } => format!("{stmt}  [req {id}]"),
            Msg::Rep { id, reply } => format!("{reply}  [req {id}]"),
        }
    }

    fn server_init(&self, _ctx: &Ctx, durable: Option<&DbServer>) -> DbServer {
        match durable {
            Some(durable) => durable.recovered(),
            // Only the `REPEATABLE READ` variant reads a row's `xmin`.
            None if self.slip == Some(Slip::RepeatableRead) => DbServer::with_row_versions(),
            None => DbServer::new(),
        }
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        state: &mut DbServer,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        if let Msg::Req { id, stmt } = msg {
            let before = state.clone();
            let reply = state.execute(ctx.wall(), stmt);
            if *state != before {
                // Committed, so durable, before the client hears of it.
                out.save(state.clone());
            }
            out.send(src, Msg::Rep { id, reply });
        }
    }

    fn client_init(&self, _ctx: &Ctx) -> DbClient {
        DbClient {
            step: Step::Idle,
            owner: Value::Num(FenceToken::ZERO),
            acquisitions: Nonces::new(),
            requests: Requests::new(),
        }
    }

    fn client_acquire(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        // The article's rows are keyed by the node and own nothing else.
        // A client that names itself keeps its name from the first round.
        let named = self.slip == Some(Slip::CasOwner) && c.owner != Value::Num(FenceToken::ZERO);
        if !matches!(self.scheme, Scheme::Seed { .. }) && !named {
            c.owner = Value::Unique(c.acquisitions.fresh(ctx));
        }
        self.try_acquire(ctx, c, out);
    }

    fn client_release(&self, ctx: &Ctx, c: &mut DbClient, out: &mut Out<Self>) {
        c.step = Step::Releasing;
        let stmt = self.release_stmt(ctx, c);
        self.call(ctx, c, stmt, out);
    }

    fn client_on_msg(
        &self,
        ctx: &Ctx,
        c: &mut DbClient,
        _src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        let Msg::Rep { id, reply } = msg else {
            return;
        };
        if c.requests.answer(out, &self.timeout, id).is_none() {
            // The result of a statement sent again since, or a second copy
            // of one already taken.
            return;
        }
        let seed = matches!(self.scheme, Scheme::Seed { .. });
        match (&c.step, reply) {
            // The seed ignores what the INSERT did and polls its own row.
            (Step::Inserting, Reply::Rows { .. }) if seed => self.poll(ctx, c, out),
            (Step::Inserting, Reply::DuplicateKey) if seed => c.step = Step::Failed,
            (Step::Polling, Reply::Selected(row)) => {
                // `if row and row.expire_time > time.time()`, on this
                // client's clock; otherwise sleep and poll again, forever.
                if row.is_some_and(|at| at > ctx.wall()) {
                    self.take(c, None, out);
                } else {
                    self.sleep(c, out);
                }
            }
            (Step::Inserting | Step::TakingOver, Reply::Rows { rows: 1, version }) => {
                self.take(c, version, out)
            }
            (Step::Inserting, Reply::DuplicateKey) => self.on_busy(ctx, c, out),
            (Step::CheckingExpiry, reply) => self.on_checked(ctx, c, reply, out),
            // Rolled back: somebody else wrote the row first.
            (Step::TakingOver, Reply::Rows { .. } | Reply::SerializationFailure) => {
                self.sleep(c, out)
            }
            // No live claim: insert one, whatever happened since the check.
            (Step::CheckingLive, Reply::AnyLive(false)) => self.insert(ctx, c, out),
            (Step::CheckingLive, Reply::AnyLive(true)) => self.sleep(c, out),
            (Step::Releasing, Reply::Rows { .. }) => {
                c.step = Step::Idle;
                out.released();
            }
            _ => {}
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, c: &mut DbClient, timer: Timer, out: &mut Out<Self>) {
        match timer {
            Timer::Retry if c.step == Step::Sleeping => {
                if matches!(self.scheme, Scheme::Seed { .. }) {
                    self.poll(ctx, c, out);
                } else {
                    self.try_acquire(ctx, c, out);
                }
            }
            // A timed-out transaction is gone with its connection: start
            // it again from its `SELECT` rather than send its `UPDATE`
            // outside it.
            Timer::Timeout
                if self.slip == Some(Slip::RepeatableRead) && c.step == Step::TakingOver =>
            {
                self.select_snapshot(ctx, c, out)
            }
            Timer::Timeout => self.resend(ctx, c, out),
            _ => {}
        }
    }
}
