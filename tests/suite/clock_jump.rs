//! A wall-clock jump breaks a lease timed on the wall clock, and the same
//! lease timed on the monotonic clock survives it.
//!
//! The fixture is one lease server, `SET NX PX` in miniature: a client asks
//! for the lock, the server grants it for `ttl_ticks` unless an unexpired
//! lease is there, and the holder releases it (only its own lease). The two
//! variants differ only in which of the server's clocks the lease's expiry
//! is set and judged on: the wall clock, as Redis judges a key's expiry
//! (`models/redis_server.rs`), or the monotonic clock, as ZooKeeper's session
//! tracker does (`models/zk_lock.rs`). Under `scenarios/clock-jump.json`
//! (the server's wall clock may jump 10 ticks forward, the TTL is 8), the
//! jump expires the wall-timed lease at once and a second client takes the
//! lock its holder still uses; the monotonic clock does not see the jump.

use std::path::Path;

use serde::{Deserialize, Serialize};

use lockcheck::check::{self, CheckOptions, Verdict, bfs::SearchLimits};
use lockcheck::expectations::Entry;
use lockcheck::node::{Ctx, LockModel, LockParams, NodeId, Out, Param, Variant};
use lockcheck::properties::PropertyName;
use lockcheck::scenario::Scenario;
use lockcheck::trace::replay::{self, ReplayOutcome};

/// Which clock the server's lease expiry reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ExpiryClock {
    Wall,
    Mono,
}

struct LeaseLock {
    clock: ExpiryClock,
    ttl_ticks: u32,
    retry_ticks: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
struct Lease {
    holder: NodeId,
    /// On the clock `LeaseLock::clock` names.
    expires_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
enum Msg {
    Acquire,
    Granted,
    Busy,
    Release,
    Released,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
enum Timer {
    Retry,
}

impl LeaseLock {
    fn now(&self, ctx: &Ctx) -> i64 {
        match self.clock {
            ExpiryClock::Wall => ctx.wall_ticks,
            ExpiryClock::Mono => ctx.mono_ticks,
        }
    }
}

impl LockModel for LeaseLock {
    type Server = Option<Lease>;
    type Durable = ();
    type Client = ();
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "lease_wall_expiry",
            summary: "a TTL lease whose server judges expiry on its wall clock",
        },
        Variant {
            id: "lease_mono_expiry",
            summary: "a TTL lease whose server judges expiry on its monotonic clock",
        },
    ];

    const PARAMS: &'static [Param] = &[
        Param {
            name: "ttl_ticks",
            meaning: "lease length",
        },
        Param {
            name: "retry_ticks",
            meaning: "sleep before asking again",
        },
    ];

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        let clock = match variant {
            "lease_wall_expiry" => ExpiryClock::Wall,
            "lease_mono_expiry" => ExpiryClock::Mono,
            other => return Err(format!("unknown variant {other}")),
        };
        Ok(LeaseLock {
            clock,
            ttl_ticks: params.require("ttl_ticks")?,
            retry_ticks: params.require("retry_ticks")?,
        })
    }

    fn server_name(&self, _index: usize) -> String {
        "lease".to_string()
    }

    fn server_init(&self, _ctx: &Ctx, _durable: Option<&()>) -> Option<Lease> {
        None
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        lease: &mut Option<Lease>,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        let now = self.now(ctx);
        if lease.as_ref().is_some_and(|l| now >= l.expires_at) {
            *lease = None;
        }
        match msg {
            Msg::Acquire if lease.is_none() => {
                *lease = Some(Lease {
                    holder: src,
                    expires_at: now + self.ttl_ticks as i64,
                });
                out.send(src, Msg::Granted);
            }
            Msg::Acquire => out.send(src, Msg::Busy),
            Msg::Release => {
                if lease.as_ref().is_some_and(|l| l.holder == src) {
                    *lease = None;
                }
                out.send(src, Msg::Released);
            }
            _ => {}
        }
    }

    fn client_init(&self, _ctx: &Ctx) {}

    fn client_acquire(&self, ctx: &Ctx, _state: &mut (), out: &mut Out<Self>) {
        out.send(ctx.server(), Msg::Acquire);
    }

    fn client_release(&self, ctx: &Ctx, _state: &mut (), out: &mut Out<Self>) {
        out.send(ctx.server(), Msg::Release);
    }

    fn client_on_msg(
        &self,
        _ctx: &Ctx,
        _state: &mut (),
        _src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        match msg {
            Msg::Granted => out.acquired(None),
            Msg::Busy => out.set_timer(Timer::Retry, self.retry_ticks),
            Msg::Released => out.released(),
            _ => {}
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, _state: &mut (), _timer: Timer, out: &mut Out<Self>) {
        out.send(ctx.server(), Msg::Acquire);
    }
}

/// Checks `variant` for `mutual_exclusion` under `scenarios/clock-jump.json`,
/// writing any counterexample's trace under a directory of its own.
fn mutual_exclusion(variant: &str) -> check::CheckReport {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/clock-jump.json");
    let scenario = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
    let report_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("clock-jump-{variant}"));
    let _ = std::fs::remove_dir_all(&report_dir);
    let options = CheckOptions {
        limits: SearchLimits {
            states_max: 1_000_000,
            depth_max: None,
            time_max: std::time::Duration::from_secs(600),
            memory: None,
        },
        threads: 1,
        report_dir: Some(report_dir),
        progress: false,
        reproduce_flags: Vec::new(),
        liveness: Vec::new(),
        simulation_runs: Some(0),
        symmetry: false,
        only: vec![PropertyName::MutualExclusion],
        request_ids: false,
        time_merge: true,
        liveness_orbits: false,
        liveness_states_max: None,
    };
    check::run::<LeaseLock>(variant, &scenario, &file, &Entry::default(), &options)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn verdict(report: &check::CheckReport) -> &check::PropertyReport {
    report
        .properties
        .iter()
        .find(|p| p.property == PropertyName::MutualExclusion)
        .expect("mutual_exclusion is checked")
}

#[test]
fn a_wall_clock_jump_breaks_a_lease_timed_on_the_wall_clock() {
    let report = mutual_exclusion("lease_wall_expiry");
    let p = verdict(&report);
    // Granted at tick 0, the wall clock jumps past the expiry, and the
    // second client is granted the lock the first still holds.
    assert_eq!(
        p.verdict,
        Verdict::Violated { steps: Some(5) },
        "{:?}",
        p.verdict
    );
    let path = p.path.as_ref().expect("a counterexample");
    assert!(
        path.rows
            .iter()
            .any(|r| r.event.starts_with("WALL CLOCK JUMPS +10 ticks")),
        "the counterexample has the jump"
    );
    let file = path.trace_file.as_ref().expect("a trace is written");
    let trace = lockcheck::trace::read(file).unwrap_or_else(|e| panic!("{e}"));
    let replayed = replay::run::<LeaseLock>(file, &trace, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(replayed.outcome, ReplayOutcome::Reproduced);
    assert_eq!(replayed.steps, 5);
    // The recorded state after the jump shows the two clocks apart.
    let after = &trace.steps.last().expect("steps").state.clocks[0];
    assert_eq!(after.wall - after.mono, 10, "{after:?}");
}

#[test]
fn the_same_lease_timed_on_the_monotonic_clock_survives_the_jump() {
    let report = mutual_exclusion("lease_mono_expiry");
    assert!(report.stats.complete, "the search ends");
    assert_eq!(verdict(&report).verdict, Verdict::Holds { steps: None });
}
