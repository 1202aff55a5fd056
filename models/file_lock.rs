//! A lock file on a shared file system: article A's check-then-create, an
//! atomic exclusive create, and exclusive create with stale-lock breaking.
//!
//! Source: article A, section 3.1 (create a unique lock file; if it exists,
//! wait and try again; delete it to release) and section 4.1:
//!
//! ```python
//! def acquire_lock(lock_path):
//!     lock_file = f"{lock_path}/lock"
//!     while os.path.exists(lock_file):
//!         time.sleep(1)
//!     with open(lock_file, "w") as f:
//!         f.write("")
//!
//! def release_lock(lock_path):
//!     lock_file = f"{lock_path}/lock"
//!     os.remove(lock_file)
//! ```
//!
//! The shared file system is one file server (`fs`) that runs each operation
//! atomically: `exists(lock)`; `open(lock, "w")`, which creates or truncates
//! the file and never fails; `open(lock, O_CREAT|O_EXCL)`, which fails with
//! `EEXIST` if the file exists; `remove(lock)`; and `stat(lock).st_mtime`,
//! the time of the last create on the server's clock. Files survive a crash
//! of the server. A client sleeps `retry_ticks` where the snippet sleeps one
//! second.
//!
//! A client sends one operation at a time under a request id its result
//! carries (`node::Requests`), and takes only the result of its outstanding
//! operation: the late result of an operation sent again since and a second
//! copy of a result it has taken are ignored. With
//! `params.request_timeout_ticks`, an unanswered operation is sent again
//! under a new id (see `FileLock::resend`); without it the client waits
//! forever.
//!
//! # Protocol
//! `file_lock_check_then_create`, the snippet as written:
//! 1. Ask `exists(lock)`; while the answer is yes, sleep and ask again.
//! 2. `open(lock, "w")`. It cannot fail, so the client now holds the lock.
//! 3. Release: `remove(lock)`. If the file is already gone, `os.remove`
//!    raises `FileNotFoundError`; the caller is done with the lock either
//!    way, so the release counts as finished.
//!
//! `file_lock_exclusive`, the atomic version of section 3.1:
//! 1. `open(lock, O_CREAT|O_EXCL)`. Created: the client holds the lock.
//!    `EEXIST`: sleep and try again.
//! 2. Release: `remove(lock)`.
//!
//! `file_lock_stale_break`, the usual cure for lock files left behind by
//! dead processes:
//! 1. `open(lock, O_CREAT|O_EXCL)`. Created: the client holds the lock.
//! 2. On `EEXIST`, `stat` the file. If the client's own clock reads at least
//!    `mtime + ttl_ticks` (the file has lived its TTL, as a Redis key with
//!    the same TTL would have), the lock is judged stale: `remove` it and go
//!    back to 1 at once. Otherwise sleep and go back to 1. If the file is
//!    gone by the time of the `stat`, go back to 1 at once.
//! 3. Release: `remove(lock)`.
//!
//! Both clocks in the staleness test are wall clocks: `st_mtime` is the
//! file server's time of day at the create, and the client compares it with
//! its own (`time.time()`), the only clock two hosts can hope to share. A
//! jump of either moves the judgement; the sleeps and request timeouts are
//! timers, on the monotonic clock.
//!
//! No variant is fenced: a lock file carries nothing that grows with each
//! acquisition (an mtime is a clock reading, shared by two creates in the
//! same tick and moved by the server's clock).
//!
//! # Expected weaknesses
//! - **Check-then-act** (`file_lock_check_then_create`): `exists` and the
//!   create are two operations. Both clients can hear "no file" before
//!   either creates it, and both creates succeed: `mutual_exclusion` is
//!   violated with no fault at all. A dead holder's file is never removed:
//!   `progress` is violated too.
//! - **Dead holder** (`file_lock_exclusive`): the exclusive create is atomic,
//!   but nothing removes the file of a client that died holding it, so the
//!   others wait forever. A lost answer to a successful create does the
//!   same: the creator asks again and is refused by its own file. A lost
//!   answer to `remove` makes the client remove again, deleting whatever
//!   file is there, possibly the next holder's (no owner check). This is
//!   `redis_setnx` on a file system, except that a file system remembers
//!   the lock across a restart.
//! - **Stale-lock breaking** (`file_lock_stale_break`) trades the deadlock
//!   for safety. A holder that pauses, or whose critical section is slowed
//!   by the network, past `ttl_ticks` loses the lock while it still believes
//!   it holds it. Staleness is judged by the client's clock against the
//!   server's mtime, two clocks that need not agree: a server clock running
//!   slow, or a waiter's clock running ahead, makes a live lock look stale.
//!   And the break is itself a check-then-act: two waiters can both judge
//!   the same file stale; one removes it and creates its own, then the
//!   other's `remove` deletes that fresh file and it creates its own (the
//!   break-delete race; the partition scenario shows it).
//!
//! # Expected verdicts (`models/file_lock.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from file_lock.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `file_lock_exclusive` | `file_lock_check_then_create` | `file_lock_stale_break` |
//! |---|---|---|---|
//! | no-faults | ok (live) | mutex ✗, resource ✗ (live) | ok (live) |
//! | holder-crash | progress ✗, deadlock ✗, starvation ✗ | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ | ok (live) |
//! | gc-pause | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! | clock-jump | ok (live) | mutex ✗, resource ✗ (live) | ok (live) |
//! | clock-drift | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗ |
//! | message-loss | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) |
//! | partition | progress ✗, deadlock ✗, starvation ✗ | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) |
//! | server-restart | ok (live) | mutex ✗, resource ✗ (live) | ok (live) |
//! | async-network | progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ |
//! | crowd-atomic | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ |
//! | duplicates | progress ✗, deadlock ✗, starvation ✗ | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ | mutex ✗, resource ✗, progress ✗ (live) |
//! | client-clock-skew | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! | endless-contention | progress ✗, starvation ✗ | mutex ✗, resource ✗, starvation ✗ | progress ✗, starvation ✗ |
//! | long-work | ok (live) | mutex ✗, resource ✗ (live) | mutex ✗, resource ✗ (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/file_lock_models.rs`)
//! Lengths are the steps of the shortest counterexample; `client-clock-skew`
//! is this family's own scenario.
//!
//! `file_lock_check_then_create`:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | violated (8) | violated (14) | holds | c1 and c2 both hear `false` from `exists` before either creates the file; both creates succeed, both hold (8 steps, all at tick 0); both read 0 and write 1 (14) |
//! | holder-crash | violated (8) | violated (14) | violated (56) | the race as in no-faults; and c1 crashes after its create reached the server, so the file stays and c2 polls `exists` until the horizon |
//! | gc-pause | violated (8) | violated (14) | holds | the race needs no fault; without a lease a pause only slows the holder |
//! | clock-jump | violated (8) | violated (14) | holds | the race; no clock is read |
//! | clock-drift | violated (8) | violated (14) | holds | the race; no clock is read |
//! | message-loss | violated (8) | violated (14) | holds | the race; no client gets stuck, because every operation can be resent: a second `open(lock, "w")` succeeds again and a second `remove` ends the release whatever it finds |
//! | partition | violated (8) | violated (14) | holds | the race; answers cut off by the partition are resent as in message-loss |
//! | server-restart | violated (8) | violated (14) | holds | the race; the file survives the restart and requests lost in the crash are resent |
//! | async-network | violated (8) | violated (14) | violated (14) | the race; and a message may take until the horizon |
//! | crowd-atomic | violated (4) | violated (8) | holds | the race with each call answered in the same step: two `exists`, two creates |
//! | client-clock-skew | violated (8) | violated (14) | holds | the race; no clock is read |
//! | duplicates | violated (8) | violated (14) | violated (68) | the race; and a second copy of c1's `open(lock, "w")` arrives after its `remove` and creates the file again, for nobody: c2 polls `exists` until the horizon |
//!
//! `file_lock_exclusive`:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | the exclusive create is atomic |
//! | holder-crash | holds | holds | violated (54) | c1 crashes after its create reached the server; nothing removes the file and c2 gets `EEXIST` until the horizon |
//! | gc-pause | holds | holds | holds | no lease: a paused holder still holds the lock when it wakes |
//! | clock-jump | holds | holds | holds | no clock is read |
//! | clock-drift | holds | holds | holds | no clock is read |
//! | message-loss | violated (18) | violated (24) | violated (97) | the answer to c1's `remove` is lost; c2 creates the file; c1 times out, removes again (c2's file) and creates its own: both hold. Progress: the answer to c2's successful create is lost; its resend gets `EEXIST` from its own file, forever |
//! | partition | holds | holds | violated (68) | the server is cut off just after creating c2's file; c2 never hears it, and its resends get `EEXIST` from its own file |
//! | server-restart | holds | holds | holds | the file survives the restart (`redis_setnx` loses its key here); a request lost in the crash had not run, and an answer already sent is still delivered |
//! | async-network | holds | holds | violated (14) | a message may take until the horizon |
//! | crowd-atomic | holds | holds | holds | a paused holder keeps the lock; nobody waits past the horizon |
//! | client-clock-skew | holds | holds | holds | no clock is read |
//! | duplicates | holds | holds | violated (66) | c2's exclusive create is duplicated and runs twice; the second copy's `EEXIST` arrives first, so c2 sleeps and gets `EEXIST` from its own file forever. Matched by connection, c2 had taken that repeated answer for its `remove`'s and never finished releasing |
//!
//! `file_lock_stale_break`:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | a holder's file is removed at most 6 ticks after its create (answer, read, write, `remove`, at most a tick each way), before it is 8 ticks old |
//! | holder-crash | holds | holds | holds | the dead holder's file turns stale after 8 ticks and c2 breaks it |
//! | gc-pause | violated (25) | violated (31) | holds | c1 pauses holding the lock; at tick 8 c2 finds the file (mtime 0) stale, removes it and creates its own; c1 wakes still believing it holds the lock |
//! | clock-jump | holds | holds | holds | the server's clock only jumps forward: files created later look younger to the clients, never older |
//! | clock-drift | violated (24) | holds | holds | the server's clock runs at half speed: the file c1 created at tick 1 gets mtime 0 and looks 6 ticks old (the TTL here) at tick 6; c2 breaks it while c1 still holds. c1's write has landed by tick 5 at the latest, so c2 reads it and no update is lost |
//! | message-loss | violated (18) | violated (24) | violated (115) | a repeated `remove` deletes the next holder's file, as in `file_lock_exclusive`. Progress: slow, not stuck. A lost answer to c1's create leaves c1 waiting for its own file to turn stale before it breaks it, and at the horizon (46) c2 is still releasing its second round; with a 60-tick horizon progress holds. Request ids tell apart clients that polled a different number of times: the search decides every property after 0.59 million states with them renumbered, and needed 26 million without |
//! | partition | violated (31) | violated (37) | violated (83) | the break-delete race: the server is cut off just after creating c1's file, so nobody holds it; after the heal both clients read mtime 0 and judge it stale at tick 8; c1 removes it and creates its own, then c2's `remove` deletes c1's fresh file and c2 creates its own. Progress: slow, not stuck, as in message-loss; with a 50-tick horizon it holds |
//! | server-restart | holds | holds | holds | the file survives the restart; requests lost in the crash are resent |
//! | async-network | violated (16) | violated (22) | violated (14) | c1's reads and writes are delayed; at tick 6 c2 finds c1's file 6 ticks old (the TTL here) and breaks it |
//! | crowd-atomic | violated (35) | violated (40) | holds | c2 pauses holding the lock; at tick 8 c3 breaks its file |
//! | client-clock-skew | violated (16) | violated (20) | holds | c2's clock is 4 ticks ahead: c1's file (mtime 0) looks 8 ticks old to c2 at real tick 4, while c1 is still reading; c2 breaks it and reads 0 before c1's write lands |
//! | duplicates | violated (37) | violated (43) | violated (89) | c1's exclusive create is duplicated and the second copy's `EEXIST` arrives first: the file is nobody's. At tick 8 both clients judge it stale and the break-delete race follows, as under partition. Progress: slow, not stuck: at the horizon (32) c1 is still releasing |
//!
//! # Liveness (`deadlock_free`, `starvation_free`; pinned in `tests/suite/file_lock_models.rs` and `tests/suite/liveness.rs`)
//! The file's mtime is a `node::Instant`, so the liveness checker shifts
//! it itself (`LockModel::times`); the stale-breaking client adds its TTL
//! to an mtime it was sent, which it declares
//! (`TimeVisitors::adding_to_kept`). Under holder-crash, with fairness and
//! no horizon:
//!
//! | variant | deadlock_free, starvation_free | graph states | why |
//! |---|---|---:|---|
//! | `file_lock_check_then_create` | violated (lasso 26+7) | 23,758 | c1's create lands and c1 crashes; the loop is c2's `exists`, its answer and the retry sleep, forever |
//! | `file_lock_exclusive` | violated (lasso 24+7) | 7,960 | c1's exclusive create lands and c1 crashes; the loop is c2's create, `EEXIST` and the retry sleep, forever |
//! | `file_lock_stale_break` | hold | 26,078 | the dead holder's file turns stale and c2 breaks it |
//!
//! Without a crash, `file_lock_exclusive` deadlocks too wherever an answer
//! to its exclusive create can go astray: under partition (lasso 22+10)
//! and message-loss (22+27) the answer to c1's create is lost, and its
//! resent create meets its own file (`EEXIST`) forever, with c2's; under
//! duplicates (24+10) the duplicate's `EEXIST` overtakes the answer.
//! `file_lock_check_then_create` deadlocks under duplicates (lasso 28+7):
//! c1's `open(lock, "w")` is duplicated, and the copy lands after c1's
//! release removed the file, leaving a lock file nobody holds; c2's
//! `exists` finds it forever. `file_lock_stale_break` is live everywhere it
//! is asked: every stranded file turns stale.
//!
//! Under endless-contention (two clients that ask again as soon as they
//! release, no faults), `file_lock_exclusive` and `file_lock_stale_break`
//! never deadlock but can starve: whenever the file is gone, the other
//! client's create may come first, forever, while the lock keeps being
//! handed out (`starvation_free` violated, lasso 20+46 and 19+42, graphs
//! of 1,771 and 8,181 states; the bounded `progress` violations, 78 steps,
//! are the same race). `file_lock_check_then_create`, which two clients
//! break with no fault, starves the same way (lasso 31+26, graph 7,879
//! states: the checker forgets the counter's values once an update is lost,
//! see `docs/properties.md`). Under crowd-atomic (three clients, two rounds
//! each, a pause of up to 10 ticks, every call answered in the step it is
//! made) it is live (a graph of 3,809,066 states): nobody crashes, so every
//! lock file is removed by a client that created it, and a waiter's next
//! `exists` finds it gone.

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use crate::models::redis;
use crate::node::LockParams;
use crate::node::{
    Ctx, Instant, LockModel, NodeId, Out, Param, RequestId, RequestTimeout, Requests, ResendId,
    Symmetry, TimeVisitors, Variant,
};
use crate::{
    rename_nothing, times_fields, times_nothing, times_variants, visit_fields, visit_variants,
};

/// The lock file, if it exists.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct LockFile {
    /// When it was last created or truncated, on the file server's clock
    /// (`None` in the variants that never `stat` it).
    pub mtime: Option<Instant>,
}

/// The file server. A file system keeps its files across a crash, so the
/// whole state is durable.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileServer {
    pub lock: Option<LockFile>,
}

/// The file operations the family uses, each atomic on the server.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Op {
    /// `os.path.exists(lock)`
    Exists,
    /// `open(lock, "w")`: creates the file or truncates it; never fails.
    Create,
    /// `os.open(lock, O_CREAT | O_EXCL | O_WRONLY)`: fails if the file exists.
    CreateExclusive,
    /// `os.remove(lock)`, whoever created the file.
    Delete,
    /// `os.stat(lock).st_mtime`
    Mtime,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Reply {
    Exists(bool),
    Created,
    /// Whether the exclusive create made the file (`false`: `EEXIST`).
    CreatedExclusive(bool),
    /// Whether there was a file to delete (`false`: `ENOENT`).
    Deleted(bool),
    /// The file's mtime, or `None` if it is gone (`ENOENT`).
    Mtime(Option<Instant>),
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
    /// `time.sleep(retry)` is over; look at the lock again.
    Retry,
    /// No reply in time; send the operation again.
    Timeout,
}

impl FileServer {
    /// Runs one operation at the server's wall-clock time `now`.
    pub fn execute(&mut self, now: Option<Instant>, op: Op) -> Reply {
        match op {
            Op::Exists => Reply::Exists(self.lock.is_some()),
            Op::Create => {
                self.lock = Some(LockFile { mtime: now });
                Reply::Created
            }
            Op::CreateExclusive => {
                let free = self.lock.is_none();
                if free {
                    self.lock = Some(LockFile { mtime: now });
                }
                Reply::CreatedExclusive(free)
            }
            Op::Delete => Reply::Deleted(self.lock.take().is_some()),
            Op::Mtime => Reply::Mtime(self.lock.as_ref().and_then(|f| f.mtime)),
        }
    }
}

/// How a variant takes the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acquire {
    /// `while exists(lock): sleep(retry)`, then `open(lock, "w")`.
    CheckThenCreate,
    /// Exclusive create, retried after `retry_ticks` while it fails.
    Exclusive,
    /// Exclusive create; on `EEXIST` read the mtime and, if the client's clock
    /// says the file is `ttl_ticks` old, delete it and try again at once.
    StaleBreak { ttl_ticks: u32 },
}

/// The variants of one parameter set (a type per set, so that each model id
/// declares exactly the parameters it reads).
pub trait FileFlavor: Send + Sync + 'static {
    const VARIANTS: &'static [Variant];
    const PARAMS: &'static [Param];
    fn acquire(variant: &str, params: &LockParams) -> Result<Acquire, String>;
}

pub struct FileLock<F> {
    acquire: Acquire,
    retry_ticks: u32,
    timeout: RequestTimeout<Timer>,
    _f: PhantomData<fn() -> F>,
}

/// Where the client is in the protocol.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Step {
    Idle,
    /// An `exists`, an exclusive create or a `stat` is in flight.
    Acquiring,
    /// `exists` said no: the unconditional create is in flight.
    Creating,
    /// Deleting a lock file it judged stale.
    Breaking,
    Sleeping,
    Holding,
    Releasing,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileClient {
    pub step: Step,
    /// The operation awaiting its result, and the request ids.
    pub requests: Requests<Op>,
}

// A lock file does not record who created it: nothing here names a
// client. The messages and the client hold request ids, which the checker
// renumbers, so they list their fields.
rename_nothing!(LockFile, FileServer, Op, Reply, Timer, Step);
times_nothing!(Op, Timer, Step);
times_fields!(LockFile { mtime });
times_fields!(FileServer { lock });
times_variants!(Reply {
    Exists(b),
    Created,
    CreatedExclusive(b),
    Deleted(b),
    Mtime(at),
});
visit_variants!(Msg {
    Req { id, op },
    Rep { id, reply },
});
visit_fields!(FileClient { step, requests });

impl<F: FileFlavor> FileLock<F> {
    fn call(&self, ctx: &Ctx, c: &mut FileClient, op: Op, out: &mut Out<Self>) {
        c.requests
            .send(out, ctx.server(), op, &self.timeout, |id, op| Msg::Req {
                id,
                op,
            });
    }

    /// The operation timed out: like a client library after a socket
    /// timeout, drop the connection, open a new one and send the operation
    /// again under a new request id, so that a late result of the first
    /// sending is ignored.
    fn resend(&self, ctx: &Ctx, c: &mut FileClient, out: &mut Out<Self>) {
        c.requests
            .resend(out, ctx.server(), &self.timeout, |id, op| Msg::Req {
                id,
                op,
            });
    }

    /// The first operation of an attempt to take the lock.
    fn attempt(&self, ctx: &Ctx, c: &mut FileClient, out: &mut Out<Self>) {
        c.step = Step::Acquiring;
        let op = match self.acquire {
            Acquire::CheckThenCreate => Op::Exists,
            Acquire::Exclusive | Acquire::StaleBreak { .. } => Op::CreateExclusive,
        };
        self.call(ctx, c, op, out);
    }

    fn sleep(&self, c: &mut FileClient, out: &mut Out<Self>) {
        c.step = Step::Sleeping;
        out.set_timer(Timer::Retry, self.retry_ticks);
    }
}

impl<F: FileFlavor> LockModel for FileLock<F> {
    type Server = FileServer;
    type Durable = FileServer;
    type Client = FileClient;
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = F::VARIANTS;
    const PARAMS: &'static [Param] = F::PARAMS;

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        Ok(FileLock {
            acquire: F::acquire(variant, params)?,
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
        "fs".to_string()
    }

    /// Clients run the same code, and the file server answers whoever asks.
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    /// The file's mtime is an [`Instant`], the only time kept or sent; the
    /// stale-breaking client adds its TTL to an mtime it was sent and
    /// compares the sum with its own clock, so an mtime merges with other
    /// passed instants only once it is a TTL below every clock.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        let added = match self.acquire {
            Acquire::StaleBreak { ttl_ticks } => ttl_ticks,
            _ => 0,
        };
        Some(TimeVisitors::by_times().adding_to_kept(added))
    }

    /// Nothing grows with rounds: the file holds only its mtime, an
    /// [`Instant`], and the request ids are the harness's to renumber.
    fn rounds_bounded(&self) -> bool {
        true
    }

    fn describe_msg(&self, msg: &Msg) -> String {
        match msg {
            Msg::Req { id, op } => {
                let text = match op {
                    Op::Exists => "exists(lock)",
                    Op::Create => "open(lock, \"w\")",
                    Op::CreateExclusive => "open(lock, O_CREAT|O_EXCL)",
                    Op::Delete => "remove(lock)",
                    Op::Mtime => "stat(lock).st_mtime",
                };
                format!("{text}  [req {id}]")
            }
            Msg::Rep { id, reply } => {
                let text = match reply {
                    Reply::Exists(e) => format!("{e}"),
                    Reply::Created | Reply::CreatedExclusive(true) => "created".to_string(),
                    Reply::CreatedExclusive(false) => "EEXIST".to_string(),
                    Reply::Deleted(true) => "removed".to_string(),
                    Reply::Deleted(false) | Reply::Mtime(None) => "ENOENT".to_string(),
                    Reply::Mtime(Some(m)) => format!("mtime {m}"),
                };
                format!("{text}  [req {id}]")
            }
        }
    }

    fn server_init(&self, _ctx: &Ctx, durable: Option<&FileServer>) -> FileServer {
        durable.cloned().unwrap_or(FileServer { lock: None })
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        state: &mut FileServer,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        if let Msg::Req { id, op } = msg {
            // Only the stale-breaking variant ever reads an mtime; the others
            // record none, so that states differing only in a value nobody
            // reads are not told apart.
            let now = match self.acquire {
                Acquire::StaleBreak { .. } => Some(ctx.wall()),
                _ => None,
            };
            let before = state.lock.clone();
            let reply = state.execute(now, op);
            if state.lock != before {
                // The file system persists the change before it answers.
                out.save(state.clone());
            }
            out.send(src, Msg::Rep { id, reply });
        }
    }

    fn client_init(&self, _ctx: &Ctx) -> FileClient {
        FileClient {
            step: Step::Idle,
            requests: Requests::new(),
        }
    }

    fn client_acquire(&self, ctx: &Ctx, c: &mut FileClient, out: &mut Out<Self>) {
        self.attempt(ctx, c, out);
    }

    fn client_release(&self, ctx: &Ctx, c: &mut FileClient, out: &mut Out<Self>) {
        c.step = Step::Releasing;
        self.call(ctx, c, Op::Delete, out);
    }

    fn client_on_msg(
        &self,
        ctx: &Ctx,
        c: &mut FileClient,
        _src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        let Msg::Rep { id, reply } = msg else {
            return;
        };
        if c.requests.answer(out, &self.timeout, id).is_none() {
            // The result of an operation sent again since, or a second copy
            // of one already taken.
            return;
        }
        match (&c.step, reply) {
            (Step::Acquiring, Reply::Exists(true)) => self.sleep(c, out),
            (Step::Acquiring, Reply::Exists(false)) => {
                // The check-then-act gap: another client may create the file
                // between this answer and the create below.
                c.step = Step::Creating;
                self.call(ctx, c, Op::Create, out);
            }
            (Step::Creating, Reply::Created) | (Step::Acquiring, Reply::CreatedExclusive(true)) => {
                c.step = Step::Holding;
                out.acquired(None);
            }
            (Step::Acquiring, Reply::CreatedExclusive(false)) => match self.acquire {
                Acquire::StaleBreak { .. } => self.call(ctx, c, Op::Mtime, out),
                _ => self.sleep(c, out),
            },
            (Step::Acquiring, Reply::Mtime(Some(mtime))) => {
                let Acquire::StaleBreak { ttl_ticks } = self.acquire else {
                    return;
                };
                // The file's age as this client sees it: its own clock against
                // the server's mtime, two clocks that need not agree.
                if mtime.after(ttl_ticks).has_come(ctx.wall()) {
                    c.step = Step::Breaking;
                    self.call(ctx, c, Op::Delete, out);
                } else {
                    self.sleep(c, out);
                }
            }
            // The file went away between the create and the stat.
            (Step::Acquiring, Reply::Mtime(None)) => self.attempt(ctx, c, out),
            (Step::Breaking, Reply::Deleted(_)) => self.attempt(ctx, c, out),
            // `os.remove` of a missing file raises, but the caller is done
            // with the lock either way.
            (Step::Releasing, Reply::Deleted(_)) => {
                c.step = Step::Idle;
                out.released();
            }
            _ => {}
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, c: &mut FileClient, timer: Timer, out: &mut Out<Self>) {
        match timer {
            Timer::Retry if c.step == Step::Sleeping => self.attempt(ctx, c, out),
            Timer::Timeout => self.resend(ctx, c, out),
            _ => {}
        }
    }
}

/// `file_lock_check_then_create` and `file_lock_exclusive`: no TTL.
pub struct Plain;

impl FileFlavor for Plain {
    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "file_lock_exclusive",
            summary: "lock file created with O_CREAT|O_EXCL, retried while it exists; release by remove",
        },
        Variant {
            id: "file_lock_check_then_create",
            summary: "lock file: while exists(lock): sleep; open(lock, \"w\"); release by remove (article A §4.1)",
        },
    ];

    const PARAMS: &'static [Param] = &[redis::RETRY_TICKS, redis::REQUEST_TIMEOUT_TICKS];

    fn acquire(variant: &str, _params: &LockParams) -> Result<Acquire, String> {
        Ok(match variant {
            "file_lock_check_then_create" => Acquire::CheckThenCreate,
            _ => Acquire::Exclusive,
        })
    }
}

/// `file_lock_stale_break`: reads `ttl_ticks` too.
pub struct StaleBreak;

impl FileFlavor for StaleBreak {
    const VARIANTS: &'static [Variant] = &[Variant {
        id: "file_lock_stale_break",
        summary: "file_lock_exclusive that deletes a lock file its own clock says is ttl_ticks old",
    }];

    const PARAMS: &'static [Param] = &[
        redis::TTL_TICKS,
        redis::RETRY_TICKS,
        redis::REQUEST_TIMEOUT_TICKS,
    ];

    fn acquire(_variant: &str, params: &LockParams) -> Result<Acquire, String> {
        Ok(Acquire::StaleBreak {
            ttl_ticks: params.require(redis::TTL_TICKS.name)?,
        })
    }
}

pub type FileLockPlain = FileLock<Plain>;
pub type FileLockStaleBreak = FileLock<StaleBreak>;
