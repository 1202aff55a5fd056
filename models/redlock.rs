//! Redlock: one lock over N independent Redis masters, held by a majority.
//!
//! Source: the Redis documentation, "Distributed locks with Redis", section
//! "The Redlock algorithm" (and its reference client redlock-py); Martin
//! Kleppmann, "How to do distributed locking" (2016), and antirez's reply, "Is
//! Redlock safe?". Neither article does describe Redlock; article A section 4.3 is
//! the single-instance `SETNX` lock that Redlock replaces.
//!
//! # Protocol
//! N masters `m1..mN` (`params.masters`, default 3) share nothing and persist
//! nothing: each is the single Redis instance of `models/redis_server.rs`, and a
//! restarted master has forgotten its keys.
//! 1. The client reads its wall clock, `t1`, and sends
//!    `SET lock <value> NX PX ttl_ticks` to every master at once (the
//!    documentation's multiplexed form of "in all the N instances
//!    sequentially"). `value` is unique to this client and attempt.
//! 2. It collects the replies until every master has answered or the attempt's
//!    deadline passes: `request_timeout_ticks` if the scenario sets it, else
//!    `ttl_ticks` (past that the validity below cannot be positive, so waiting
//!    longer is pointless). A master that has not answered by then counts as a
//!    failure. A reply names its attempt (by its value), and the client counts
//!    one answer per master: a reply to an earlier attempt, or a second copy
//!    of a master's answer (the network duplicates messages), is ignored.
//!    Nothing is sent again within an attempt.
//! 3. With at least `N / 2 + 1` keys set, it computes
//!    `validity = ttl_ticks - (now - t1) - drift` on its own clock, with
//!    `drift = ttl_ticks * drift_factor_percent / 100 + 2`, the fraction
//!    truncated as redlock-py's `int(ttl * 0.01) + 2` truncates it. The `+ 2`
//!    is redlock-py's two milliseconds (Redis's 1 ms expiry precision and a
//!    1 ms minimum drift) taken as two ticks, the model's clock precision; it
//!    already covers small TTLs, so rounding the fraction up would count that
//!    minimum twice. (At 1% the fraction is 0 for any TTL under 100 ticks.)
//!    If `validity > 0` the client holds the lock and sets a timer for
//!    `validity` ticks of its own clock; when it fires while the client still
//!    holds, the client reports the lock lost (`Out::lost`) and asks again. It
//!    leaves the keys to expire: a write of the abandoned critical section may
//!    still be on its way to the resource, and the keys' remaining TTL is what
//!    keeps others out meanwhile.
//! 4. Otherwise (no majority, or no validity left) it unlocks and asks again
//!    after `retry_ticks`.
//! 5. To unlock, it sends compare-and-delete (`DEL lock IF value == <value>`)
//!    and does not wait for the answers (redlock-py ignores them; a lost one
//!    only leaves a key that expires on its own). The documentation unlocks
//!    every master; the model skips those that answered "not set", where this
//!    attempt's value cannot be, and the masters do not answer an unlock at
//!    all, since the client would ignore the answer. Both only spare the
//!    search deliveries that change nothing.
//!
//! Clocks: each master judges its keys on its wall clock, as Redis does (see
//! `models/redis_server.rs`). The client measures the acquisition on its wall
//! clock too, as redlock-py does (`start_time = int(time.time() * 1000)`,
//! and the elapsed time against `time.time()` again); the validity and the
//! attempt's deadline are then timers, on its monotonic clock. A restarted
//! master of `redlock_delayed_restart` waits out its `ttl_ticks` on its
//! monotonic clock, as a delayed start (a sleep, a supervisor's restart
//! delay) would: the documentation asks only that it stay away that long.
//!
//! Redlock has no fencing token: N independent counters do not make one
//! monotonic counter (Kleppmann's main objection), so there is no `_fenced`
//! variant.
//!
//! Variants:
//! - `redlock`: the algorithm as documented.
//! - `redlock_no_validity_check`: a client that treats "a majority answered
//!   OK" as "I hold the lock", whatever the time it took, and never times its
//!   hold out; many hand-rolled Redlock clients do this.
//! - `redlock_delayed_restart`: the documentation's answer to restarts without
//!   persistence: a restarted master stays unavailable for `ttl_ticks` (of its
//!   own clock), so every key it could have held has expired by the time it
//!   answers again. A master that is not back yet answers nothing, like a
//!   process that has not started. To tell a restart from the first start, a
//!   master saves an empty marker once it has served a request (what the
//!   operator knows), and nothing else.
//!
//! # Expected weaknesses
//! - **A server clock jump** expires a key early on one master, which can then
//!   count in a second majority (Kleppmann's first example).
//! - **A GC pause** after the validity check: the keys expire during the
//!   pause, another client takes a majority, and the first wakes believing it
//!   still holds the lock; its validity timer is due, but the reply it was
//!   waiting for can be handled first and its write goes out. Redlock has no
//!   token to fence that stale write (Kleppmann's second example).
//! - **A master restart without persistence** forgets its keys and can count
//!   in a second majority. The delayed restart prevents this.
//! - **Clock drift** beyond what the validity reserve (round trip plus
//!   `drift`) covers lets a fast server expire keys while the client still
//!   counts validity.
//! - Without the validity check a slow acquisition hands the client a lock
//!   whose keys may already be expiring.
//!
//! # Search size
//! Three masters multiply the interleavings: under `no-faults.json` (delays of
//! 0 or 1 tick, each message choosing) the search takes 2.75 million states
//! to reach the horizon, one per orbit under permutations of the clients and
//! of the masters (which are interchangeable: the same code and
//! configuration, and a client keeps the masters it counts as sets), with
//! each client's attempt values renumbered (an attempt's value is a
//! `node::Nonce`: without that, the count of attempts a client has made
//! before the ones still in flight splits every state, 21.4 million in
//! all). Under no-faults the search runs to the end (3 million orbits,
//! about a minute). Every other standard search stops at 250,000 orbits
//! (`"states_max"` in `redlock.expect.json`; beyond 6 million orbits none of
//! them has reached its end, and this keeps `compare` within its time): a
//! violation within reach of it is found with its shortest counterexample
//! (clock-jump, server-restart), and beyond it a
//! seeded simulation of the same scenario looks for one (marked `~` in the
//! matrix: real and replayable, not necessarily the shortest). What neither
//! finds stays inconclusive (`?`), never `ok`:
//!
//! <!-- expectations: generated from redlock.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `redlock` | `redlock_no_validity_check` | `redlock_delayed_restart` |
//! |---|---|---|---|
//! | no-faults | progress ✗ (state limit 3M) | ok (live) (state limit 250k) | progress ✗ (state limit 3M) |
//! | holder-crash | mutex ?, resource ?, progress ? (state limit 250k) | ok (live) (state limit 250k, 1M for the liveness graph) | mutex ?, resource ?, progress ? (state limit 250k) |
//! | gc-pause | mutex ✗, resource ✗, progress ✗ (state limit 250k) | mutex ✗, resource ✗, progress ? (state limit 250k) | mutex ✗, resource ✗, progress ✗ (state limit 250k) |
//! | clock-jump | mutex ✗, resource ✗, progress ? (state limit 250k) | mutex ✗, resource ✗ (live) (state limit 250k, 3M for the liveness graph) | mutex ✗, resource ✗, progress ? (state limit 250k) |
//! | clock-drift | mutex ✗, resource ✗, progress ✗ (state limit 250k) | mutex ✗, resource ✗, progress ? (state limit 250k) | mutex ✗, resource ✗, progress ✗ (state limit 250k) |
//! | message-loss | mutex ?, resource ?, progress ? (state limit 250k) | mutex ?, resource ?, progress ? (state limit 250k) | mutex ?, resource ?, progress ? (state limit 250k) |
//! | partition | mutex ?, resource ?, progress ✗ (state limit 250k) | mutex ?, resource ?, progress ? (state limit 250k) | mutex ?, resource ?, progress ✗ (state limit 250k) |
//! | server-restart | mutex ✗, resource ✗, progress ? (state limit 250k) | mutex ✗, resource ✗ (live) (state limit 250k, 3M for the liveness graph) | mutex ?, resource ?, progress ? (state limit 250k) |
//! | async-network | mutex ?, resource ✗, progress ✗ (state limit 250k) | mutex ✗, resource ✗, progress ✗ (state limit 250k) | mutex ?, resource ✗, progress ✗ (state limit 250k) |
//! | crowd-atomic | mutex ✗, resource ✗, progress ? (state limit 250k) | mutex ✗, resource ✗, progress ? (state limit 250k) | mutex ✗, resource ✗, progress ? (state limit 250k) |
//! | duplicates | mutex ?, resource ?, progress ? (state limit 100k) | mutex ?, resource ?, progress ? (state limit 100k) | mutex ?, resource ?, progress ? (state limit 100k) |
//! | split-partition | mutex ?, resource ?, progress ? (state limit 250k) | mutex ?, resource ?, progress ? (state limit 250k) | mutex ?, resource ?, progress ? (state limit 250k) |
//! | long-work | mutex ?, resource ?, progress ✗ (state limit 250k) | mutex ✗, resource ✗ (live) | mutex ?, resource ?, progress ✗ (state limit 250k) |
//! <!-- /expectations -->
//!
//! The shortest counterexamples the search finds: under clock-jump, 13 steps
//! for mutual exclusion and 19 for the resource; under server-restart, 24 and
//! 30 (not for `redlock_delayed_restart`, which stays `?` there).
//!
//! `redlock_no_validity_check` is searched to the end under no-faults and
//! holder-crash (everything holds: its client does not arm a validity timer,
//! which is most of the other variants' extra states). Under clock-drift a
//! 50% fast master ends the key while the holder still counts validity: the
//! `TTL - drift` reserve of the standard scenario (TTL 8) does not cover it.
//! Progress on no-faults: with a 2-tick acquisition and a 2-tick drift
//! allowance, a TTL of 8 leaves a validity of 4, exactly the 4-tick critical
//! section, so the holder's validity timer can fire in the tick its write is
//! answered and it starts over, every round.
//!
//! Liveness: `redlock_no_validity_check`'s liveness graph is built to the
//! end under no-faults, holder-crash, clock-jump, server-restart and
//! long-work (up to 2.5 million states, `"liveness_states_max"` where that
//! passes the safety search's 250k), and it is deadlock- and
//! starvation-free in all five: a crashed holder's or a restarted master's
//! keys expire, and a client with no validity timer never abandons a
//! majority it won. The other two variants arm that timer, and their
//! graphs pass 12 million states wherever they were tried (`redlock` under
//! no-faults, holder-crash, clock-jump and server-restart,
//! `redlock_delayed_restart` under no-faults and holder-crash), so they
//! carry no liveness expectation; nor does
//! `redlock_no_validity_check` elsewhere (past 12 million under gc-pause,
//! message-loss, partition, split-partition, crowd-atomic and duplicates).
//!
//! Under the extra scenario split-partition (partition's budget, but any
//! division of the three masters and two clients into two sides, fifteen in
//! all) the search stops at 250k states as under partition, and the seeded
//! simulation that follows finds no violation of any property, progress
//! included (under partition it finds progress violated in 110 steps; here
//! none in 5000 runs, so progress stays `?`).
//!
//! The cut-down fixtures `tests/scenarios/*-1tick.json` (every message takes
//! exactly one tick, TTL 10, no initial skew under clock drift) are small
//! enough to search to the end; the pinned tests use them for exact verdicts,
//! shortest lengths and state counts. They never stand in for a standard
//! scenario in the matrix.
//!
//! # Verdicts on the cut-down fixtures (pinned in `tests/suite/redlock_failover_models.rs`)
//! Every row is the `-1tick` fixture of the standard scenario; `masters` is 3,
//! `drift` 2 ticks, so a holder's validity is 10 - 2 - 2 = 6 ticks.
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | validity (6) outlasts the critical section (4) |
//! | holder-crash | holds | holds | holds | the dead holder's keys expire on every master |
//! | gc-pause | violated (49) | violated (66; no_validity_check: 59) | holds | c1 passes the validity check, reads, and pauses for 10 ticks; its keys expire on all three masters and c2 takes them; c1 wakes, handles its read reply before its (due) validity timer, and its write lands after c2's read. The client without the check also breaks when paused while collecting votes, which gives it a shorter resource counterexample |
//! | clock-jump | violated (15) | violated (24) | holds | c1 wins m1 and m2, c2 wins m3; m2's clock jumps 10 ticks before c2's `SET` reaches it, so c1's key there has expired and c2 wins m2 too: two majorities sharing m2, in the same attempt, so both critical sections overlap |
//! | clock-drift | holds | holds | holds | a 50% fast master ends a key set at `t1 + 1` no earlier than `t1 + 8`, the tick in which the holder's validity timer fires (before time may pass), and a competitor's `OK` takes another tick: the reserve (4 of 10 ticks) happens to cover 50%, while the 1% drift factor itself adds nothing |
//! | message-loss | holds | holds | holds | a lost `SET` or vote costs the attempt its deadline (3 ticks; validity 5) or a retry; a lost unlock leaves a key that expires; values are unique per attempt, so no stray delete |
//! | partition | holds | holds | holds | a cut-off master is one vote; a cut-off holder's validity ends before its keys expire |
//! | split-partition | holds | holds | holds | as partition, for any division of the five nodes: only one side can hold two masters, and a holder cut off from masters it locked keeps its keys there until they expire, after its validity has ended |
//! | server-restart | violated (31); delayed_restart: holds | holds | holds | m1 restarts empty while c1 holds it and m2; c2 wins m1 and m3. The crash also drops the `SET`s in flight to m1, so the second majority forms only in c2's next attempt, after c1's write has landed: with one-tick delays both clients retry in step. With the delayed restart, m1 answers nothing for 10 ticks, by which time c1's keys have expired everywhere |
//!
//! `redlock_no_validity_check` gives the same verdicts: with one-tick delays
//! an acquisition takes 2 ticks (3 after a loss), so the validity check never
//! refuses a majority, and the only slow acquisition, a pause while collecting
//! votes, is no worse than a pause after the check.

use serde::{Deserialize, Serialize};

use crate::models::redis::{self, Cmd, RedisServer, Reply, Value};
use crate::node::LockParams;
use crate::node::{
    Ctx, FenceToken, Instant, LockModel, NodeId, NodeSet, Nonce, Nonces, Out, Param, RealServer,
    ServerProgram, Symmetry, TimeVisitors, Variant,
};
use crate::{rename_nothing, times_nothing, visit_fields, visit_variants};

pub const MASTERS: Param = Param {
    name: "masters",
    meaning: "how many independent Redis masters Redlock uses (default 3; 1 to 7)",
};
pub const DRIFT_FACTOR_PERCENT: Param = Param {
    name: "drift_factor_percent",
    meaning: "Redlock's clock drift allowance, in percent of the TTL (plus 2 ticks) (default 1)",
};

/// What a Redlock client does differently per variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    Documented,
    NoValidityCheck,
    DelayedRestart,
}

pub struct Redlock {
    flavor: Flavor,
    masters: usize,
    ttl_ticks: u32,
    retry_ticks: u32,
    /// How long an attempt waits for the masters' answers.
    attempt_deadline_ticks: u32,
    /// The clock drift allowance subtracted from the validity.
    drift_ticks: i64,
}

/// A master: the single Redis instance, and for `redlock_delayed_restart` the
/// time until which a restarted one stays away.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Master {
    pub redis: RedisServer,
    /// On this master's monotonic clock; `None` once it is available.
    pub unavailable_until: Option<Instant>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Step {
    Idle,
    /// `SET` sent to every master at `started_at` (wall clock);
    /// which masters have answered, and which of them set the key.
    Acquiring {
        started_at: Instant,
        answered: NodeSet,
        granted: NodeSet,
    },
    /// The attempt failed; asking again after `retry_ticks`.
    Sleeping,
    /// `keys`: the masters that may hold this attempt's value (those that set
    /// it, and those that never answered).
    Holding {
        keys: NodeSet,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RedlockClient {
    pub step: Step,
    /// Where the attempts' values come from: one per attempt.
    pub attempts: Nonces,
    /// The value of the current attempt, unique per client and attempt
    /// (`Value::Num(FenceToken::ZERO)` before the first). Its nonce also names the
    /// attempt in the messages.
    pub value: Value,
}

/// Redis commands and their results, each under the attempt it belongs
/// to: the nonce of the attempt's value, which the masters echo. (The
/// single-instance locks number requests with a `node::Requests`; an
/// attempt goes to every master at once, so its name is the one thing its
/// requests share.)
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Msg {
    Req { attempt: Nonce, cmd: Cmd },
    Rep { attempt: Nonce, reply: Reply },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timer {
    /// The attempt's deadline: masters that have not answered count as failed.
    Deadline,
    /// Sleep over; try again.
    Retry,
    /// The validity time is over: the lock may have expired on the masters.
    Validity,
}

visit_fields!(Master {
    redis,
    unavailable_until
});
visit_fields!(RedlockClient {
    step,
    attempts,
    value
});
visit_variants!(Msg {
    Req { attempt, cmd },
    Rep { attempt, reply },
});
visit_variants!(Step {
    Idle,
    Acquiring {
        started_at,
        answered,
        granted
    },
    Sleeping,
    Holding { keys },
});
rename_nothing!(Timer);
times_nothing!(Timer);

impl Redlock {
    fn quorum(&self) -> usize {
        self.masters / 2 + 1
    }

    fn start_attempt(&self, ctx: &Ctx, c: &mut RedlockClient, out: &mut Out<Self>) {
        // Unique per client and attempt, like the random value the
        // documentation asks for.
        let attempt = c.attempts.fresh(ctx);
        c.value = Value::Unique(attempt);
        c.step = Step::Acquiring {
            started_at: ctx.wall(),
            answered: NodeSet::EMPTY,
            granted: NodeSet::EMPTY,
        };
        let value = c.value;
        for m in ctx.servers() {
            let cmd = Cmd::SetNxPx {
                value,
                ttl_ticks: self.ttl_ticks,
            };
            out.send(m, Msg::Req { attempt, cmd });
        }
        out.set_timer(Timer::Deadline, self.attempt_deadline_ticks);
    }

    /// Compare-and-delete of this attempt's value on the masters in `keys`.
    fn unlock(&self, c: &RedlockClient, keys: NodeSet, out: &mut Out<Self>) {
        let value = c.value;
        let Value::Unique(attempt) = value else {
            return; // No attempt yet.
        };
        for m in keys.iter() {
            out.send(
                m,
                Msg::Req {
                    attempt,
                    cmd: Cmd::DelIfValue { value },
                },
            );
        }
    }

    /// Every master answered, or the deadline passed: decide.
    fn conclude(&self, ctx: &Ctx, c: &mut RedlockClient, out: &mut Out<Self>) {
        let Step::Acquiring {
            started_at,
            answered,
            granted,
        } = c.step
        else {
            return;
        };
        out.cancel_timer(Timer::Deadline);
        // The documentation unlocks every master. A master that answered "not
        // set" cannot hold this attempt's value, so its compare-and-delete is
        // a no-op, and the model skips it to keep the state space small.
        let unanswered = ctx.servers().collect::<NodeSet>().difference(answered);
        let keys = granted.union(unanswered);
        let majority = granted.len() >= self.quorum();
        // redlock-py's `ttl - (int(time.time() * 1000) - start_time) -
        // drift`, on the wall clock: the validity left is the time until
        // `start_time + ttl - drift`.
        let window_ticks = self.ttl_ticks as i64 - self.drift_ticks;
        let valid_until = match u32::try_from(window_ticks) {
            Ok(ticks) => started_at.after(ticks),
            Err(_) => started_at.before(window_ticks.unsigned_abs() as u32),
        };
        let validity_ticks = valid_until.ticks_until(ctx.wall());
        match (self.flavor, validity_ticks) {
            (Flavor::NoValidityCheck, _) if majority => {
                c.step = Step::Holding { keys };
                out.acquired(None);
            }
            (Flavor::Documented | Flavor::DelayedRestart, Some(validity_ticks)) if majority => {
                c.step = Step::Holding { keys };
                out.set_timer(Timer::Validity, validity_ticks);
                out.acquired(None);
            }
            _ => {
                self.unlock(c, keys, out);
                c.step = Step::Sleeping;
                out.set_timer(Timer::Retry, self.retry_ticks);
            }
        }
    }
}

impl LockModel for Redlock {
    type Server = Master;
    /// Only the marker "this master has served before" (see
    /// `redlock_delayed_restart`); no key is ever persisted.
    type Durable = ();
    type Client = RedlockClient;
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "redlock",
            summary: "Redlock over N independent Redis masters (majority + validity time), masters without persistence",
        },
        Variant {
            id: "redlock_no_validity_check",
            summary: "Redlock whose client takes a majority as the lock, ignoring the time the acquisition took",
        },
        Variant {
            id: "redlock_delayed_restart",
            summary: "Redlock whose restarted masters stay unavailable for a TTL (the documented fix for restarts without persistence)",
        },
    ];

    const PARAMS: &'static [Param] = &[
        MASTERS,
        DRIFT_FACTOR_PERCENT,
        redis::TTL_TICKS,
        redis::RETRY_TICKS,
        redis::REQUEST_TIMEOUT_TICKS,
    ];

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        let flavor = match variant {
            "redlock_no_validity_check" => Flavor::NoValidityCheck,
            "redlock_delayed_restart" => Flavor::DelayedRestart,
            _ => Flavor::Documented,
        };
        let masters = params.optional(MASTERS.name)?.unwrap_or(3);
        if masters > 7 {
            return Err(format!(
                "`params.{}` must be at most 7 (got {masters})",
                MASTERS.name
            ));
        }
        let ttl_ticks = params.require(redis::TTL_TICKS.name)?;
        // Zero is a meaningful drift factor (a client that trusts every
        // clock), so this one is read without `optional`'s "at least 1".
        let drift_factor_percent = params.get(DRIFT_FACTOR_PERCENT.name).unwrap_or(1);
        // Truncated, as redlock-py does (see the module doc).
        let drift_ticks = (ttl_ticks as i64 * drift_factor_percent as i64) / 100 + 2;
        Ok(Redlock {
            flavor,
            masters: masters as usize,
            ttl_ticks,
            retry_ticks: params.require(redis::RETRY_TICKS.name)?,
            attempt_deadline_ticks: params
                .optional(redis::REQUEST_TIMEOUT_TICKS.name)?
                .unwrap_or(ttl_ticks),
            drift_ticks,
        })
    }

    /// Key expiries (wall clock), the start of an attempt (wall clock) and
    /// a restarted master's return (monotonic clock) are `Instant`s; an
    /// attempt's value is a nonce. The client adds up to `ttl_ticks` to
    /// the start of an attempt it kept.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        Some(TimeVisitors::by_times().adding_to_kept(self.ttl_ticks))
    }

    /// An attempt's value and name are nonces, and the masters keep no
    /// counter that grows (their fencing counter stays at 0).
    fn rounds_bounded(&self) -> bool {
        true
    }

    /// Clients run the same code, and a client's value names the client
    /// (`redis::Value::Unique`).
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    /// The masters are alike too: same code, same configuration, no roles,
    /// and a client keeps the masters it counts as [`NodeSet`]s.
    fn server_symmetry(&self) -> bool {
        true
    }

    /// Each master is a plain Redis, except that `redlock_delayed_restart`'s
    /// restarted master ignores requests for a while, which a real one does
    /// not do by itself.
    fn real_server(variant: &str) -> Option<RealServer> {
        Some(RealServer {
            program: ServerProgram::Redis,
            restart_is_real: variant != "redlock_delayed_restart",
        })
    }

    fn server_count(&self) -> usize {
        self.masters
    }

    fn server_name(&self, index: usize) -> String {
        format!("m{}", index + 1)
    }

    fn describe_msg(&self, msg: &Msg) -> String {
        match msg {
            Msg::Req { attempt, cmd } => {
                let text = match cmd {
                    Cmd::SetNxPx { value, ttl_ticks } => {
                        format!("SET lock {value} NX PX {ttl_ticks}")
                    }
                    Cmd::DelIfValue { value } => format!("DEL lock IF value == {value}"),
                    other => format!("{other:?}"),
                };
                format!("{text}  [attempt {}]", attempt.serial())
            }
            Msg::Rep { attempt, reply } => {
                let text = match reply {
                    Reply::Set(true) => "OK".to_string(),
                    Reply::Set(false) => "not set: busy".to_string(),
                    Reply::Deleted(true) => "deleted".to_string(),
                    Reply::Deleted(false) => "not deleted".to_string(),
                    other => format!("{other:?}"),
                };
                format!("{text}  [attempt {}]", attempt.serial())
            }
        }
    }

    fn server_init(&self, ctx: &Ctx, durable: Option<&()>) -> Master {
        let restarted = durable.is_some();
        Master {
            redis: RedisServer {
                lock: None,
                fence: crate::node::FenceCounter::new(),
            },
            unavailable_until: (self.flavor == Flavor::DelayedRestart && restarted)
                .then(|| ctx.mono().after(self.ttl_ticks)),
        }
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        state: &mut Master,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        let Msg::Req { attempt, cmd } = msg else {
            return;
        };
        if let Some(until) = state.unavailable_until {
            if !until.has_come(ctx.mono()) {
                return; // Not back yet: the request goes unanswered.
            }
            state.unavailable_until = None;
        }
        if self.flavor == Flavor::DelayedRestart {
            out.save(());
        }
        let unlock = matches!(cmd, Cmd::DelIfValue { .. });
        let reply = state.redis.execute(ctx.wall(), cmd);
        // The client ignores the answer to an unlock; leaving it out only
        // spares the search its deliveries.
        if !unlock {
            out.send(src, Msg::Rep { attempt, reply });
        }
    }

    fn client_init(&self, _ctx: &Ctx) -> RedlockClient {
        RedlockClient {
            step: Step::Idle,
            attempts: Nonces::new(),
            value: Value::Num(FenceToken::ZERO),
        }
    }

    fn client_acquire(&self, ctx: &Ctx, c: &mut RedlockClient, out: &mut Out<Self>) {
        self.start_attempt(ctx, c, out);
    }

    fn client_release(&self, _ctx: &Ctx, c: &mut RedlockClient, out: &mut Out<Self>) {
        out.cancel_timer(Timer::Validity);
        if let Step::Holding { keys } = c.step {
            self.unlock(c, keys, out);
        }
        c.step = Step::Idle;
        out.released();
    }

    fn client_on_msg(
        &self,
        ctx: &Ctx,
        c: &mut RedlockClient,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        let Msg::Rep { attempt, reply } = msg else {
            return;
        };
        if Value::Unique(attempt) != c.value {
            return; // An answer to an earlier attempt.
        }
        let Step::Acquiring {
            answered, granted, ..
        } = &mut c.step
        else {
            return; // An answer to an unlock, or after the deadline.
        };
        if !answered.insert(src) {
            return;
        }
        if reply == Reply::Set(true) {
            granted.insert(src);
        }
        if answered.len() == self.masters {
            self.conclude(ctx, c, out);
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, c: &mut RedlockClient, timer: Timer, out: &mut Out<Self>) {
        match timer {
            Timer::Deadline => self.conclude(ctx, c, out),
            Timer::Retry if c.step == Step::Sleeping => self.start_attempt(ctx, c, out),
            Timer::Validity => {
                if let Step::Holding { .. } = c.step {
                    // The keys are left to expire: a write of the abandoned
                    // critical section may still be on its way to the
                    // resource, and the keys' remaining TTL (elapsed time
                    // plus drift) is what keeps others out meanwhile.
                    c.step = Step::Idle;
                    out.lost();
                }
            }
            _ => {}
        }
    }
}
