//! The server models against the real servers they model: seeded random
//! command sequences give the same replies from the model's state machine
//! and from a real server started for the test (under a fake wall clock),
//! and a model broken on purpose is caught with a shrunk sequence.
//!
//! The servers come from Debian packages (`apt-get install redis-server
//! postgresql zookeeper etcd-server gcc`; `gcc` builds the fake clock). Where one is
//! missing the tests say so and pass, unless
//! `LOCKCHECK_REAL_SERVERS=required` (as `.ci/run` sets), which makes a
//! missing server a failure.

use lockcheck::models::db_server::{DbServer, Expiry, Reply as DbReply, Stmt};
use lockcheck::models::etcd_lock::Msg as EtcdMsg;
use lockcheck::models::redis::{Cmd, RedisServer, Reply};
use lockcheck::models::zk_server::{Op, OpResult, ZPath};
use lockcheck::node::{Instant, ServerProgram};
use lockcheck::real::LocalServer;
use lockcheck::real::conformance::Timing;
use lockcheck::real::conformance::{Disagreement, Execute};
use lockcheck::real::etcd::{EtcdCmd, EtcdModel, EtcdReply, conformance as etcd_conformance};
use lockcheck::real::postgres::{Family, conformance as pg_conformance};
use lockcheck::real::postgres::{PostgresProgram, Session};
use lockcheck::real::redis::{RedisProgram, conformance};
use lockcheck::real::replay::{self, Program, TraceOnServer};
use lockcheck::real::zookeeper::{
    ZkCmd, ZkModel, ZkReply, conformance as zk_conformance, random_cmds,
};
use lockcheck::trace::TraceFile;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

/// A server `start` starts, or `None` with a note where it cannot be
/// started and real servers are not required.
fn server_or_skip(
    test: &str,
    start: fn() -> Result<LocalServer, lockcheck::real::Unavailable>,
    packages: &str,
) -> Option<LocalServer> {
    match start() {
        Ok(server) => Some(server),
        Err(why) if std::env::var("LOCKCHECK_REAL_SERVERS").as_deref() == Ok("required") => {
            panic!("{test}: a real server is required and could not be started: {why}")
        }
        Err(why) => {
            println!("note: {test} skipped: {why} (apt-get install {packages})");
            None
        }
    }
}

fn redis_or_skip(test: &str) -> Option<LocalServer> {
    server_or_skip(test, LocalServer::redis, "redis-server gcc")
}

fn postgres_or_skip(test: &str) -> Option<LocalServer> {
    server_or_skip(test, LocalServer::postgres, "postgresql gcc")
}

fn zookeeper_or_skip(test: &str) -> Option<LocalServer> {
    server_or_skip(test, LocalServer::zookeeper, "zookeeper gcc")
}

fn etcd_or_skip(test: &str) -> Option<LocalServer> {
    server_or_skip(test, LocalServer::etcd, "etcd-server gcc")
}

fn model() -> RedisServer {
    RedisServer {
        lock: None,
        fence: lockcheck::node::FenceCounter::new(),
    }
}

#[test]
fn redis_model_answers_as_redis_server_does_on_two_thousand_random_commands() {
    let Some(server) = redis_or_skip("redis conformance") else {
        return;
    };
    for seed in [1, 2] {
        match conformance(&server, &model(), seed, 25, 40).expect("redis-server answers") {
            Ok(agreement) => {
                assert_eq!(agreement.commands, 1_000);
                assert!(
                    agreement.server.starts_with("redis-server 7."),
                    "{agreement:?}"
                );
                println!(
                    "seed {seed}: {} answered {} commands in {} sequences as the model does",
                    agreement.server, agreement.commands, agreement.sequences
                );
            }
            Err(disagreement) => panic!("seed {seed}: {disagreement}"),
        }
    }
}

/// The model with the release bug the documented script exists to avoid:
/// compare-and-delete deletes whoever holds the key.
#[derive(Clone)]
struct DeletesAnyValue(RedisServer);

impl Execute<Cmd, Reply> for DeletesAnyValue {
    fn execute(&mut self, now: Instant, cmd: &Cmd) -> Reply {
        let cmd = match cmd {
            Cmd::DelIfValue { .. } => Cmd::Del,
            other => other.clone(),
        };
        Execute::execute(&mut self.0, now, &cmd)
    }
}

/// The model with a key that never expires for `GET`.
#[derive(Clone)]
struct GetIgnoresExpiry(RedisServer);

impl Execute<Cmd, Reply> for GetIgnoresExpiry {
    fn execute(&mut self, now: Instant, cmd: &Cmd) -> Reply {
        match cmd {
            Cmd::Get => Reply::Got(self.0.lock.as_ref().map(|key| key.value)),
            other => Execute::execute(&mut self.0, now, other),
        }
    }
}

fn caught<M: Execute<Cmd, Reply>>(server: &LocalServer, broken: &M) -> Disagreement<Cmd, Reply> {
    match conformance(server, broken, 1, 25, 40).expect("redis-server answers") {
        Ok(agreement) => panic!("a broken model passed: {agreement:?}"),
        Err(disagreement) => disagreement,
    }
}

#[test]
fn a_compare_and_delete_that_deletes_any_value_is_caught_in_two_commands() {
    let Some(server) = redis_or_skip("redis broken-model check") else {
        return;
    };
    let found = caught(&server, &DeletesAnyValue(model()));
    let text = found.to_string();
    println!("{text}");
    // Shrunk to: someone sets the key; a compare-and-delete with another
    // value deletes it in the model and not in Redis.
    assert_eq!(found.ops.len(), 2, "{text}");
    assert!(matches!(found.ops[1].cmd, Cmd::DelIfValue { .. }), "{text}");
    assert_eq!(found.model, Reply::Deleted(true), "{text}");
    assert_eq!(found.real, Ok(Reply::Deleted(false)), "{text}");
    assert!(text.contains("real: not deleted"), "{text}");
}

#[test]
fn a_get_that_ignores_expiry_is_caught_at_the_tick_the_key_expires() {
    let Some(server) = redis_or_skip("redis broken-model check") else {
        return;
    };
    let found = caught(&server, &GetIgnoresExpiry(model()));
    let text = found.to_string();
    println!("{text}");
    // Shrunk to a key set with a time to live and read exactly when it
    // runs out: no wait can be shorter and still show it.
    assert_eq!(found.ops.len(), 2, "{text}");
    assert!(matches!(found.ops[1].cmd, Cmd::Get), "{text}");
    assert!(matches!(found.model, Reply::Got(Some(_))), "{text}");
    assert_eq!(found.real, Ok(Reply::Got(None)), "{text}");
    let ttl = match found.ops[0].cmd {
        Cmd::SetNxPx { ttl_ticks, .. } | Cmd::SetNxPxFenced { ttl_ticks } => ttl_ticks,
        Cmd::Expire { ttl_ticks } | Cmd::ExpireIfValue { ttl_ticks, .. } => ttl_ticks,
        ref other => panic!("no time to live set by {other}: {text}"),
    };
    assert_eq!(found.ops[1].wait_ticks, ttl, "{text}");
}

fn lockcheck(args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lockcheck"))
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .expect("lockcheck runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// Counterexamples to replay, written for this test into a scratch
/// directory by `check` (and one by `simulate`): what a real Redis must
/// show. A lock lost to message loss, to a pause, to a restart without
/// persistence and to a clock jump; a crashed holder's lock never freed;
/// Redlock on three masters when one's wall clock jumps, and when their
/// clocks drift; the crashed holder's lasso, unrolled. Also a trace of
/// another model, which a real Redis does not replay.
struct Traces {
    dir: std::path::PathBuf,
}

impl Traces {
    const CHECKS: &[(&str, &str, &str)] = &[
        ("redis_py_lock", "message-loss", "mutual_exclusion"),
        ("redis_set_px", "gc-pause", "mutual_exclusion"),
        ("redis_set_px", "gc-pause", "resource_safe"),
        ("redis_set_px", "server-restart", "mutual_exclusion"),
        ("redis_set_px", "clock-jump", "mutual_exclusion"),
        ("redis_setnx", "holder-crash", "progress"),
        // Stamps written by SETNX and swapped by GETSET, judged on the
        // clients' skewed clocks.
        (
            "redis_setnx_getset",
            "client-clock-skew",
            "mutual_exclusion",
        ),
        ("redlock", "clock-jump", "mutual_exclusion"),
        ("redis_setnx", "holder-crash", "deadlock_free"),
        ("db_lock_seed", "clock-jump", "mutual_exclusion"),
    ];

    /// The database locks': a lease on a skewed client clock, a restart of
    /// the database (which keeps what it committed), the fenced lock when
    /// the database's own clock jumps, two clients that both found no live
    /// claim before they inserted one, and two that both took over the
    /// same expired row by a compare-and-set on its owner.
    const DB_CHECKS: &[(&str, &str, &str)] = &[
        (
            "db_lock_expiry_client_clock",
            "client-clock-skew",
            "mutual_exclusion",
        ),
        (
            "db_lock_expiry_client_clock",
            "server-restart",
            "mutual_exclusion",
        ),
        (
            "db_lock_expiry_client_clock",
            "server-restart",
            "resource_safe",
        ),
        (
            "db_lock_expiry_db_clock_fenced",
            "clock-jump",
            "mutual_exclusion",
        ),
        (
            "db_lock_expiry_db_clock_check_then_insert",
            "no-faults",
            "resource_safe",
        ),
        (
            "db_lock_expiry_db_clock_cas_owner",
            "partition",
            "mutual_exclusion",
        ),
        ("redis_set_px", "gc-pause", "mutual_exclusion"),
    ];

    /// The database locks' for a PostgreSQL the user runs: a paused holder
    /// whose row expired on the database's clock, two claims that both
    /// found none live, a lease on a skewed client clock, and a restart of
    /// the database, which a server the user runs cannot do.
    const REMOTE_DB_CHECKS: &[(&str, &str, &str)] = &[
        ("db_lock_expiry_db_clock", "gc-pause", "resource_safe"),
        (
            "db_lock_expiry_db_clock_check_then_insert",
            "no-faults",
            "resource_safe",
        ),
        (
            "db_lock_expiry_client_clock",
            "client-clock-skew",
            "mutual_exclusion",
        ),
        (
            "db_lock_expiry_client_clock",
            "server-restart",
            "mutual_exclusion",
        ),
    ];

    /// The ZooKeeper locks' under a long pause (the dataVersion-fenced
    /// recipe's lost update among them), and article A's node under a
    /// restart of ZooKeeper.
    const ZK_CHECKS: &[(&str, &str, &str)] = &[
        ("zk_lock_ephemeral", "gc-pause", "mutual_exclusion"),
        ("zk_lock_sequential", "gc-pause", "mutual_exclusion"),
        ("zk_lock_sequential_fenced", "gc-pause", "mutual_exclusion"),
        ("zk_lock_ephemeral", "message-loss", "mutual_exclusion"),
        ("zk_lock_ephemeral", "server-restart", "progress"),
        ("zk_lock_ephemeral_watch", "gc-pause", "mutual_exclusion"),
        (
            "zk_lock_sequential_fenced_data_version",
            "gc-pause",
            "resource_safe",
        ),
        ("redis_set_px", "gc-pause", "mutual_exclusion"),
    ];

    /// For a replay on Redis servers the user runs: a lost update under a
    /// pause, a lock lost to a server clock that runs fast, and Redlock's
    /// three masters when one's clock jumps, which replay; a restart of the
    /// server, which does not.
    const REMOTE_CHECKS: &[(&str, &str, &str)] = &[
        ("redis_set_px", "gc-pause", "resource_safe"),
        ("redis_set_px", "clock-drift", "resource_safe"),
        ("redis_set_px", "server-restart", "mutual_exclusion"),
        ("redis_setnx", "holder-crash", "progress"),
        ("redlock", "clock-jump", "mutual_exclusion"),
    ];

    const ETCD_CHECKS: &[(&str, &str, &str)] = &[
        ("etcd_mutex", "gc-pause", "mutual_exclusion"),
        ("etcd_mutex_fenced", "gc-pause", "mutual_exclusion"),
        ("etcd_mutex_no_session_check", "gc-pause", "resource_safe"),
        ("redis_set_px", "gc-pause", "mutual_exclusion"),
    ];

    /// `checks`' traces, and with `redlock_drift` Redlock's under clock
    /// drift found by simulation, in a directory of their own (`label`).
    fn write(label: &str, checks: &[(&str, &str, &str)], redlock_drift: bool) -> Traces {
        let dir = std::env::temp_dir().join(format!(
            "lockcheck-real-traces-{}-{label}",
            std::process::id()
        ));
        let report_dir = dir.to_str().expect("a UTF-8 path");
        for (model, scenario, property) in checks {
            let scenario = format!("scenarios/{scenario}.json");
            let (code, text) = lockcheck(
                &[
                    "check",
                    "--model",
                    model,
                    "--scenario",
                    &scenario,
                    "--property",
                    property,
                    "--simulation-runs",
                    "0",
                    "--report-dir",
                    report_dir,
                ],
                &[],
            );
            // 0 or 1: as the model expects or not; the trace is written
            // either way.
            assert!(code <= 1, "{model} under {scenario}: {text}");
        }
        if redlock_drift {
            // Run 1333 of seed 1 breaks Redlock under drift (26 steps).
            let (code, text) = lockcheck(
                &[
                    "simulate",
                    "--model",
                    "redlock",
                    "--scenario",
                    "scenarios/clock-drift.json",
                    "--seed",
                    "1",
                    "--runs",
                    "1400",
                    "--report-dir",
                    report_dir,
                ],
                &[],
            );
            assert!(code <= 1, "{text}");
        }
        Traces { dir }
    }

    fn path(&self, name: &str) -> String {
        let path = self.dir.join("traces").join(name);
        assert!(path.exists(), "{} was not written", path.display());
        path.to_str().expect("a UTF-8 path").to_string()
    }
}

impl Drop for Traces {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A replay on real servers, e.g. `replay::replay::<RedisProgram>`.
type ReplayOnServer = fn(&TraceFile) -> Result<TraceOnServer, replay::CannotReplay>;

/// Replays each of `names` through its model and then (`run`) on
/// `program`'s real servers, and requires every request answered as the
/// model does; what each trace did on them.
fn replay_on(
    traces: &Traces,
    program: ServerProgram,
    run: ReplayOnServer,
    names: &[&str],
) -> Vec<TraceOnServer> {
    let mut runs = Vec::new();
    for name in names {
        let path = std::path::PathBuf::from(traces.path(name));
        let trace = lockcheck::trace::read(&path).expect("the trace reads");
        let entry = lockcheck::registry::find(&trace.model).expect("a known model");
        assert_eq!(
            replay::refusal(&trace, entry.real_server, program),
            None,
            "{name}"
        );
        let report = (entry.replay)(&path, &trace, false).expect("the trace fits its model");
        assert_eq!(
            report.outcome,
            lockcheck::trace::replay::ReplayOutcome::Reproduced,
            "{name}"
        );
        let run = run(&trace).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(
            !run.commands.is_empty(),
            "{name}: no request reached a server"
        );
        if let Some(c) = run.disagreement() {
            panic!(
                "{name}: step {}: `{}` got {:?} from {}, the model answers {}",
                c.step, c.cmd, c.real, run.server_version, c.model
            );
        }
        // The real counter ends where the trace's resource does.
        if let Some(c) = run.counter {
            assert_eq!(
                (c.value, c.writes),
                (c.model_value, c.model_writes),
                "{name}"
            );
        }
        runs.push(run);
    }
    runs
}

/// How many updates the real counter lost in `runs[i]`.
fn lost_updates(runs: &[TraceOnServer], i: usize) -> u32 {
    runs[i]
        .counter
        .expect("the trace reaches the counter")
        .lost_updates()
}

/// How many server crashes and restarts `runs` went through.
fn restarts(runs: &[TraceOnServer]) -> usize {
    runs.iter().map(|r| r.server_events.len()).sum()
}

#[test]
fn counterexamples_of_the_redis_locks_and_redlock_happen_on_redis_server() {
    if redis_or_skip("replays on redis-server").is_none() {
        return;
    }
    let traces = Traces::write("redis", Traces::CHECKS, true);
    let runs = replay_on(
        &traces,
        ServerProgram::Redis,
        replay::replay::<RedisProgram>,
        &[
            "redis_py_lock.message-loss.mutual_exclusion.json",
            "redis_set_px.gc-pause.mutual_exclusion.json",
            "redis_set_px.server-restart.mutual_exclusion.json",
            "redis_set_px.gc-pause.resource_safe.json",
            "redis_set_px.clock-jump.mutual_exclusion.json",
            "redis_setnx.holder-crash.progress.json",
            "redis_setnx_getset.client-clock-skew.mutual_exclusion.json",
            "redlock.clock-jump.mutual_exclusion.json",
            "redlock.clock-drift.mutual_exclusion.seed-1.json",
        ],
    );
    assert!(restarts(&runs) > 0, "no trace restarted the server");
    // The paused holder's write lands after the next holder's on the real
    // counter too.
    assert_eq!(lost_updates(&runs, 3), 1);

    // The command line, on the clock jump: the second SET comes after the
    // server's wall clock jumped 10 ticks, and the first key has expired
    // on the real server too.
    let (code, text) = lockcheck(
        &[
            "replay",
            &traces.path("redis_set_px.clock-jump.mutual_exclusion.json"),
            "--against",
            "redis-server",
        ],
        &[],
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("    4  redis    10  c2     SET lock 513 NX PX 8  set    set"),
        "{text}"
    );
    assert!(
        text.contains("REPRODUCED on redis-server 7.")
            && text.contains("mutual_exclusion is violated"),
        "{text}"
    );

    // A redis-server without SETNX: the model's `SETNX lock 1` gets an
    // error, and the replay stops there.
    let wrapper = traces.dir.join("redis-server-without-setnx");
    std::fs::write(
        &wrapper,
        "#!/bin/sh\nexec redis-server \"$@\" --rename-command SETNX \"\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    for name in [
        "redis_setnx.holder-crash.progress.json",
        "redis_setnx.holder-crash.deadlock_free.json",
    ] {
        let (code, text) = lockcheck(
            &["replay", &traces.path(name), "--against", "redis-server"],
            &[("LOCKCHECK_REDIS_SERVER", wrapper.to_str().unwrap())],
        );
        assert_eq!(code, 1, "{name}: {text}");
        assert!(text.contains("<- differs"), "{name}: {text}");
        assert!(
            text.contains("NOT REPRODUCED on redis-server"),
            "{name}: {text}"
        );
    }

    // The crashed holder's lasso: its stem and its loop (c2's SETNX, busy,
    // and its retry timer: 7 steps) run three times over in real time, the
    // loop's request sent once per round at the real wall clock (13, 17,
    // 21: each round 4 ticks later), and answered busy each time.
    let (code, text) = lockcheck(
        &[
            "replay",
            &traces.path("redis_setnx.holder-crash.deadlock_free.json"),
            "--against",
            "redis-server",
        ],
        &[],
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "the stem (steps 1-24), then the loop (steps 25-31) 3 times over: steps 1-45"
        ),
        "{text}"
    );
    let rounds: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("-- the loop, round 1 of 3"))
        .collect();
    for (round, step, wall) in [(1, 25, 13), (2, 32, 17), (3, 39, 21)] {
        let marker = format!("       -- the loop, round {round} of 3");
        let i = rounds.iter().position(|l| *l == marker).expect(&marker);
        let request = format!(
            "{step:>5}  redis {wall:>5}  c2     SETNX lock 1  not set: busy  not set: busy"
        );
        assert_eq!(rounds[i + 1], request, "{text}");
    }
    assert!(
        text.contains("in each of the loop's 3 rounds")
            && text.contains("deadlock_free is violated"),
        "{text}"
    );

    // Another model's trace is not for a real Redis.
    let (code, text) = lockcheck(
        &[
            "replay",
            &traces.path("db_lock_seed.clock-jump.mutual_exclusion.json"),
            "--against",
            "redis-server",
        ],
        &[],
    );
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("model `db_lock_seed`'s servers model postgres, not redis-server"),
        "{text}"
    );
}

/// A Redis the user runs, played here by a local `redis-server` on the
/// machine's own wall clock: `--against redis://...` sends the trace's
/// requests in real time, on keys under its prefix, and a key the trace
/// lets expire has expired on it when the next request comes.
#[test]
fn counterexamples_replay_in_real_time_on_a_redis_you_run() {
    let Some(server) = redis_or_skip("replays on a Redis you run") else {
        return;
    };
    server.clock.release().expect("the fake clock's file goes");
    let url = format!("redis://127.0.0.1:{}", server.port);
    let mut admin = redis::Client::open(url.as_str())
        .and_then(|c| c.get_connection())
        .expect("connects");
    // The user's own data, which a replay leaves alone.
    redis::cmd("SET")
        .arg("lock")
        .arg("the user's")
        .query::<()>(&mut admin)
        .unwrap();
    let traces = Traces::write("remote", Traces::REMOTE_CHECKS, false);
    let replay = |name: &str, url: &str| {
        lockcheck(
            &[
                "replay",
                &traces.path(name),
                "--against",
                url,
                "--tick-ms",
                "400",
                "--key-prefix",
                "test:",
            ],
            &[],
        )
    };

    // The server's clock runs fast: at its tick 6 the first holder's key,
    // set at its tick 0 for 6 ticks, has expired, so the second SET takes
    // the lock. Sent without waiting for the key's expiry, it would not.
    let (code, text) = replay("redis_set_px.clock-drift.resource_safe.json", &url);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "a tick lasts 400 ms, and the requests run in the trace's order 100 ms apart"
        ),
        "{text}"
    );
    assert!(
        text.contains("   12  redis     6  c2     SET lock 513 NX PX 6  set            set"),
        "{text}"
    );
    assert!(
        text.contains("1 after 2 accepted writes, 1 update lost")
            && text.contains("REPRODUCED on redis-server 7.")
            && text.contains(&format!("at {url}")),
        "{text}"
    );
    let (code, text) = replay("redis_set_px.gc-pause.resource_safe.json", &url);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("1 update lost"), "{text}");
    // Its keys are under the prefix; the user's `lock` is as it was.
    let lock: String = redis::cmd("GET").arg("lock").query(&mut admin).unwrap();
    assert_eq!(lock, "the user's");
    let writes: u32 = redis::cmd("HGET")
        .arg("test:counter")
        .arg("writes")
        .query(&mut admin)
        .unwrap();
    assert_eq!(writes, 2);

    // A server that refuses SETNX to the replay's user: the model's
    // `SETNX lock 1` gets an error, and the replay stops there.
    redis::cmd("ACL")
        .arg(
            &[
                "SETUSER", "nosetnx", "on", ">pw", "~*", "&*", "+@all", "-setnx",
            ][..],
        )
        .query::<()>(&mut admin)
        .unwrap();
    let limited = format!("redis://nosetnx:pw@127.0.0.1:{}", server.port);
    let (code, text) = replay("redis_setnx.holder-crash.progress.json", &limited);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("<- differs") && text.contains("NOT REPRODUCED on redis-server"),
        "{text}"
    );
    // The password is not printed.
    assert!(
        text.contains("redis://nosetnx:***@127.0.0.1") && !text.contains(":pw@"),
        "{text}"
    );

    // Redlock on three masters you run: c1's SET to m3 comes after m3's
    // clock jumped 10 ticks, when c2's key, set for 8, has expired there.
    let masters: Vec<LocalServer> = (0..2)
        .map(|_| LocalServer::redis().expect("a second and third redis-server start"))
        .collect();
    let mut urls = vec![url.clone()];
    for master in &masters {
        master.clock.release().expect("the fake clock's file goes");
        urls.push(format!("redis://127.0.0.1:{}", master.port));
    }
    let (code, text) = replay("redlock.clock-jump.mutual_exclusion.json", &urls.join(","));
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("(servers you run, in real time: a tick lasts 400 ms")
            && text.contains("REPRODUCED on redis-server 7.")
            && text.contains("mutual_exclusion is violated"),
        "{text}"
    );

    // What servers the user runs cannot do: crash and restart, or stand
    // for three masters with one URL.
    for (name, says) in [
        (
            "redis_set_px.server-restart.mutual_exclusion.json",
            "crashes or restarts a server, which a replay cannot do to a server you run",
        ),
        (
            "redlock.clock-jump.mutual_exclusion.json",
            "the trace has 3 server(s) (m1, m2, m3), and 1 URL(s) were given",
        ),
    ] {
        let (code, text) = replay(name, &url);
        assert_eq!(code, 4, "{name}: {text}");
        assert!(text.contains(says), "{name}: {text}");
    }
    // A tick too short for the trace's requests to run 5 ms apart.
    let (code, text) = lockcheck(
        &[
            "replay",
            &traces.path("redis_set_px.gc-pause.resource_safe.json"),
            "--against",
            &url,
            "--tick-ms",
            "10",
        ],
        &[],
    );
    assert_eq!(code, 4, "{text}");
    assert!(text.contains("--tick-ms 10 leaves"), "{text}");
    // Nothing listens there: inconclusive.
    let (code, text) = replay(
        "redis_set_px.gc-pause.resource_safe.json",
        "redis://127.0.0.1:1",
    );
    assert_eq!(code, 3, "{text}");
    assert!(
        text.contains("cannot connect to redis://127.0.0.1:1"),
        "{text}"
    );
    // --tick-ms without a URL, and a server lockcheck cannot run on.
    let (code, text) = lockcheck(
        &[
            "replay",
            &traces.path("redis_set_px.gc-pause.resource_safe.json"),
            "--tick-ms",
            "100",
        ],
        &[],
    );
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("--tick-ms is for a replay on a Redis or PostgreSQL you run"),
        "{text}"
    );
    let (code, text) = replay("redis_set_px.gc-pause.resource_safe.json", "mysql://db");
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("`mysql://` is not a server a replay can run on"),
        "{text}"
    );
}

/// The shrunk disagreement of `model` with PostgreSQL, which must come.
fn pg_caught<M: Execute<Stmt, DbReply>>(
    server: &LocalServer,
    model: &M,
    family: Family,
    timing: Timing,
) -> Disagreement<Stmt, DbReply> {
    match pg_conformance(server, model, family, timing, 1, 25, 40).expect("PostgreSQL answers") {
        Ok(agreement) => panic!("{family:?}: no disagreement: {agreement:?}"),
        Err(disagreement) => disagreement,
    }
}

fn database() -> DbServer {
    DbServer::new()
}

#[test]
fn database_models_answer_as_postgresql_does_on_eight_thousand_random_statements() {
    let Some(server) = postgres_or_skip("postgres conformance") else {
        return;
    };
    // The expiry on the database's clock runs with a tick's statements at
    // one instant: see the next test for why.
    for (family, timing) in [
        (Family::Seed, Timing::InOrder),
        (Family::Unique, Timing::InOrder),
        (Family::ClientClock, Timing::InOrder),
        (Family::DbClock { fenced: false }, Timing::SameInstant),
        (Family::DbClock { fenced: true }, Timing::SameInstant),
        (Family::CheckThenInsert, Timing::SameInstant),
        (Family::CasOwner, Timing::SameInstant),
        (Family::RepeatableRead, Timing::SameInstant),
    ] {
        // Only a REPEATABLE READ transaction reads the row's writer.
        let model = match family {
            Family::RepeatableRead => DbServer::with_row_versions(),
            _ => database(),
        };
        match pg_conformance(&server, &model, family, timing, 1, 25, 40)
            .expect("PostgreSQL answers")
        {
            Ok(agreement) => {
                assert_eq!(agreement.commands, 1_000);
                assert!(
                    agreement.server.starts_with("PostgreSQL 1"),
                    "{agreement:?}"
                );
                println!(
                    "{family:?}: {} answered {} statements as the model does",
                    agreement.server, agreement.commands
                );
            }
            Err(disagreement) => panic!("{family:?}: {disagreement}"),
        }
    }
}

/// A known simplification, pinned: PostgreSQL, running each statement a
/// millisecond after the one before, finds a row expired on the tick its
/// `expires_at` names, for a statement after the one that wrote it; the
/// model judges `expires_at < NOW()` on whole ticks and keeps the row one
/// tick longer. The shortest disagreement asks at that tick, by the
/// conditional takeover or by the `SELECT` of whether the row expired.
#[test]
fn postgresql_expires_a_row_on_its_expiry_tick_where_the_model_waits_one_more() {
    let Some(server) = postgres_or_skip("postgres expiry tick") else {
        return;
    };
    let found = pg_caught(
        &server,
        &database(),
        Family::DbClock { fenced: false },
        Timing::InOrder,
    );
    let text = found.to_string();
    println!("{text}");
    assert_eq!(found.ops.len(), 2, "{text}");
    let ttl = match &found.ops[0].cmd {
        Stmt::Insert {
            expiry: Expiry::DbClock { ttl_ticks },
            ..
        } => *ttl_ticks,
        other => panic!("not an insert: {other}: {text}"),
    };
    assert_eq!(found.ops[1].wait_ticks, ttl, "{text}");
    let kept = DbReply::Rows {
        rows: 0,
        version: None,
    };
    let taken = DbReply::Rows {
        rows: 1,
        version: None,
    };
    match (&found.ops[1].cmd, &found.model, &found.real) {
        (Stmt::TakeOver { .. }, model, Ok(real)) if *model == kept && *real == taken => {}
        (
            Stmt::SelectExpired { .. },
            DbReply::Expired(Some(false)),
            Ok(DbReply::Expired(Some(true))),
        ) => {}
        _ => panic!("not the expiry tick: {text}"),
    }
}

/// The database model as it was before PostgreSQL showed otherwise: a
/// refused fenced insert took no version from the sequence.
#[derive(Clone)]
struct InsertBurnsNoVersion(DbServer);

impl Execute<Stmt, DbReply> for InsertBurnsNoVersion {
    fn execute(&mut self, now: Instant, stmt: &Stmt) -> DbReply {
        if matches!(stmt, Stmt::Insert { fenced: true, .. }) && !self.0.rows.is_empty() {
            return DbReply::DuplicateKey;
        }
        Execute::execute(&mut self.0, now, stmt)
    }
}

#[test]
fn a_refused_insert_that_burns_no_version_is_caught() {
    let Some(server) = postgres_or_skip("postgres broken-model check") else {
        return;
    };
    let found = pg_caught(
        &server,
        &InsertBurnsNoVersion(database()),
        Family::DbClock { fenced: true },
        Timing::SameInstant,
    );
    let text = found.to_string();
    println!("{text}");
    // An insert, a refused insert, and a later acquisition whose version
    // PostgreSQL gives one higher than the broken model.
    assert!(found.ops.len() <= 4, "{text}");
    match (&found.model, &found.real) {
        (
            DbReply::Rows {
                version: Some(model),
                ..
            },
            Ok(DbReply::Rows {
                version: Some(real),
                ..
            }),
        ) => assert_eq!(real.number(), model.number() + 1, "{text}"),
        _ => panic!("not a version difference: {text}"),
    }
}

#[test]
fn counterexamples_of_the_database_locks_happen_on_postgresql() {
    if postgres_or_skip("replays on postgres").is_none() {
        return;
    }
    let traces = Traces::write("postgres", Traces::DB_CHECKS, false);
    let runs = replay_on(
        &traces,
        ServerProgram::Postgres,
        replay::replay::<PostgresProgram>,
        &[
            "db_lock_expiry_client_clock.client-clock-skew.mutual_exclusion.json",
            "db_lock_expiry_client_clock.server-restart.mutual_exclusion.json",
            "db_lock_expiry_db_clock_fenced.clock-jump.mutual_exclusion.json",
            "db_lock_expiry_client_clock.server-restart.resource_safe.json",
            "db_lock_expiry_db_clock_check_then_insert.no-faults.resource_safe.json",
            "db_lock_expiry_db_clock_cas_owner.partition.mutual_exclusion.json",
        ],
    );
    assert_eq!(lost_updates(&runs, 3), 1);
    // Both found no live claim, both inserted one, both wrote 1.
    assert_eq!(lost_updates(&runs, 4), 1);
    assert!(restarts(&runs) > 0, "no trace restarted the database");

    // The command line, on the skewed clock: c2's clock runs ahead, so the
    // `now` it sends finds c1's row expired while c1 still holds it.
    let (code, text) = lockcheck(
        &[
            "replay",
            &traces.path("db_lock_expiry_client_clock.client-clock-skew.mutual_exclusion.json"),
            "--against",
            "postgres",
        ],
        &[],
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(SKEWED_TAKEOVER), "{text}");
    assert!(
        text.contains("REPRODUCED on PostgreSQL 1")
            && text.contains("mutual_exclusion is violated"),
        "{text}"
    );

    // A Redis lock's trace is not for PostgreSQL.
    let (code, text) = lockcheck(
        &[
            "replay",
            &traces.path("redis_set_px.gc-pause.mutual_exclusion.json"),
            "--against",
            "postgres",
        ],
        &[],
    );
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("model `redis_set_px`'s servers model redis-server, not postgres"),
        "{text}"
    );
}

/// A PostgreSQL the user runs, played here by a local `postgres` on the
/// machine's own wall clock: `--against postgres://...` runs the trace's
/// statements in real time, in tables of the schema `lockcheck`, and a row
/// the trace lets expire on the database's clock has expired when the next
/// statement comes, and not before.
#[test]
fn counterexamples_replay_in_real_time_on_a_postgresql_you_run() {
    let Some(server) = postgres_or_skip("replays on a PostgreSQL you run") else {
        return;
    };
    server.clock.release().expect("the fake clock's file goes");
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", server.port);
    // Its port opens before it accepts sessions.
    let mut admin = (0..3000)
        .find_map(|_| {
            let client = postgres::Client::connect(&url, postgres::NoTls).ok();
            if client.is_none() {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            client
        })
        .expect("PostgreSQL accepts a session within 30 s");
    // The user's own table of the same name, which a replay leaves alone.
    admin
        .batch_execute("CREATE TABLE lock (note text); INSERT INTO lock VALUES ('the user''s')")
        .unwrap();
    let traces = Traces::write("postgres-remote", Traces::REMOTE_DB_CHECKS, false);
    let replay = |name: &str, url: &str| {
        lockcheck(
            &[
                "replay",
                &traces.path(name),
                "--against",
                url,
                "--tick-ms",
                "600",
            ],
            &[],
        )
    };

    // c1's row, written at tick 0 for 8 ticks on the database's clock, is
    // still there at tick 3 and gone at tick 9, when c2 takes it over while
    // the paused c1 still holds the lock. Twice: the second replay starts
    // from empty tables and a new counter.
    for _ in 0..2 {
        let (code, text) = replay("db_lock_expiry_db_clock.gc-pause.resource_safe.json", &url);
        assert_eq!(code, 0, "{text}");
        assert!(
            text.contains(
                "a tick lasts 600 ms, the statements run in the trace's order 50 ms apart, in the \
                 first half of their tick, and a TTL on the database's clock lasts half a tick \
                 more; tables in the schema `lockcheck`"
            ),
            "{text}"
        );
        for line in [
            "   10  db        3  c2     UPDATE lock SET owner = 'c2#1', expires_at = NOW()+8 \
             WHERE name = 'lock' AND expires_at < NOW()  0 rows                         0 rows",
            "   21  db        9  c2     UPDATE lock SET owner = 'c2#1', expires_at = NOW()+8 \
             WHERE name = 'lock' AND expires_at < NOW()  1 row                          1 row",
        ] {
            assert!(text.contains(line), "{line}\n{text}");
        }
        assert!(
            text.contains("1 after 2 accepted writes, 1 update lost")
                && text.contains("REPRODUCED on PostgreSQL 1")
                && text.contains(&format!("at {url}")),
            "{text}"
        );
    }
    let (code, text) = replay(
        "db_lock_expiry_db_clock_check_then_insert.no-faults.resource_safe.json",
        &url,
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("1 update lost"), "{text}");
    let writes: i64 = admin
        .query_one("SELECT writes FROM lockcheck.counter WHERE id = 1", &[])
        .unwrap()
        .get(0);
    assert_eq!(writes, 2);
    // A client's clock is its own: c2's, running ahead, finds c1's row
    // expired while c1 still holds it, as on a server lockcheck starts.
    let (code, text) = replay(
        "db_lock_expiry_client_clock.client-clock-skew.mutual_exclusion.json",
        &url,
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(SKEWED_TAKEOVER), "{text}");
    // The user's table is as it was.
    let note: String = admin
        .query_one("SELECT note FROM public.lock", &[])
        .unwrap()
        .get(0);
    assert_eq!(note, "the user's");

    // What a server the user runs cannot do, a prefix that is Redis's,
    // and a URL where nothing listens.
    let (code, text) = replay(
        "db_lock_expiry_client_clock.server-restart.mutual_exclusion.json",
        &url,
    );
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("crashes or restarts a server, which a replay cannot do to a server you run"),
        "{text}"
    );
    let gc_pause = traces.path("db_lock_expiry_db_clock.gc-pause.resource_safe.json");
    let (code, text) = lockcheck(
        &["replay", &gc_pause, "--against", &url, "--key-prefix", "x:"],
        &[],
    );
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("--key-prefix is for a replay on a Redis you run"),
        "{text}"
    );
    let (code, text) = replay(
        "db_lock_expiry_db_clock.gc-pause.resource_safe.json",
        "postgresql://postgres:secret@127.0.0.1:1/postgres",
    );
    assert_eq!(code, 3, "{text}");
    assert!(
        text.contains("cannot connect to postgresql://postgres:***@127.0.0.1:1/postgres")
            && text.contains("Connection refused")
            && !text.contains("secret"),
        "{text}"
    );
}

/// A ZooKeeper lock under a long pause: the holder's session expires while
/// it is paused, its node goes with it, and the next client takes the lock
/// that the paused one still believes it holds; on a real ZooKeeper, whose
/// session the replay lets expire as the trace's server does. Article A's
/// single node, the recipe, and the recipe fenced by `czxid` (mutual
/// exclusion, a statement about beliefs, breaks in all three).
#[test]
fn counterexamples_of_the_zookeeper_locks_happen_on_zookeeper() {
    if zookeeper_or_skip("replays on zookeeper").is_none() {
        return;
    }
    let traces = Traces::write("zookeeper", Traces::ZK_CHECKS, false);
    let runs = replay_on(
        &traces,
        ServerProgram::ZooKeeper,
        lockcheck::real::zookeeper::replay_trace,
        &[
            "zk_lock_ephemeral.gc-pause.mutual_exclusion.json",
            "zk_lock_sequential.gc-pause.mutual_exclusion.json",
            "zk_lock_sequential_fenced.gc-pause.mutual_exclusion.json",
            "zk_lock_ephemeral.message-loss.mutual_exclusion.json",
            // Woken by its watch on `/my_lock` after the paused holder's
            // session expired.
            "zk_lock_ephemeral_watch.gc-pause.mutual_exclusion.json",
            // Every holder's token is its node's dataVersion, 0: the
            // stalled holder's write is not refused.
            "zk_lock_sequential_fenced_data_version.gc-pause.resource_safe.json",
            // ZooKeeper killed after it logged c2's `create` and before
            // its answer arrived: started again, it has c2's node and
            // session back, and the retried `create` meets c2's own node.
            "zk_lock_ephemeral.server-restart.progress.json",
        ],
    );
    let restart = &runs[6];
    let events: Vec<&str> = restart
        .server_events
        .iter()
        .map(|(_, e)| e.as_str())
        .collect();
    assert_eq!(
        events,
        [
            "zk killed (the server crashes)",
            "zk started again, with what it logged; every client reconnected with its session"
        ],
        "{:?}",
        restart.server_events
    );
    let after_restart = restart.server_events[1].0;
    let retried = restart
        .commands
        .iter()
        .find(|c| c.step > after_restart)
        .expect("a request after the restart");
    assert!(
        retried.cmd == "c2#1: create /my_lock EPHEMERAL" && retried.real == Ok("NodeExists".into()),
        "{retried:?}"
    );
    // Under message loss a client opens a second session while its first
    // lives on, left behind; both are real sessions.
    assert!(
        runs[3].commands.iter().any(|c| c.cmd.starts_with("c1#2:")),
        "{:?}",
        runs[3].commands
    );
    for run in &runs[..3] {
        let expiries = run
            .commands
            .iter()
            .filter(|c| c.cmd.ends_with("silent until its session expires"))
            .count();
        assert!(expiries > 0, "no session expired: {:?}", run.commands);
    }

    // The command line, on article A's node: the paused holder's session
    // expires, and its node with it, on ZooKeeper too; then c2 creates it.
    let (code, text) = lockcheck(
        &[
            "replay",
            &traces.path("zk_lock_ephemeral.gc-pause.mutual_exclusion.json"),
            "--against",
            "zookeeper",
        ],
        &[],
    );
    assert_eq!(code, 0, "{text}");
    for line in ZK_PAUSED_HOLDER_EXPIRES {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert!(
        text.contains("REPRODUCED on ZooKeeper 3.")
            && text.contains("mutual_exclusion is violated"),
        "{text}"
    );

    // A Redis lock's trace is refused.
    let (code, text) = lockcheck(
        &[
            "replay",
            &traces.path("redis_set_px.gc-pause.mutual_exclusion.json"),
            "--against",
            "zookeeper",
        ],
        &[],
    );
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("model `redis_set_px`'s servers model redis-server, not zookeeper"),
        "{text}"
    );
}

/// A ZooKeeper the user runs, played here by a local one: `--against
/// zk://HOST:PORT` is the same replay as on a ZooKeeper lockcheck starts,
/// under `/lockcheck`; a session the trace expires is gone once the nodes
/// it owned are, without the `dump` command a ZooKeeper may not answer.
#[test]
fn counterexamples_replay_on_a_zookeeper_you_run() {
    use zookeeper_client as zk;
    let Some(server) = zookeeper_or_skip("replays on a ZooKeeper you run") else {
        return;
    };
    server.clock.release().expect("the fake clock's file goes");
    let url = format!("zk://127.0.0.1:{}", server.port);
    let traces = Traces::write("zookeeper-remote", Traces::ZK_CHECKS, false);
    // The user's own `/lock`, which a replay leaves alone.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cluster = format!("127.0.0.1:{}", server.port);
    let admin = runtime.block_on(async {
        let mut tries = 0;
        loop {
            match zk::Client::connect(&cluster).await {
                Ok(client) => break client,
                Err(_) if tries < 100 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("ZooKeeper does not serve: {e}"),
            }
        }
    });
    let persistent = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
    runtime
        .block_on(admin.create("/lock", b"the user's", &persistent))
        .expect("the user's node is made");
    runtime
        .block_on(admin.create("/lock/theirs", b"", &persistent))
        .expect("the user's child is made");

    for name in [
        "zk_lock_ephemeral.gc-pause.mutual_exclusion.json",
        "zk_lock_sequential_fenced.gc-pause.mutual_exclusion.json",
    ] {
        let (code, text) = lockcheck(&["replay", &traces.path(name), "--against", &url], &[]);
        assert_eq!(code, 0, "{name}: {text}");
        assert!(
            text.contains("(a ZooKeeper you run: every session of the trace a real one")
                && text.contains(&format!("REPRODUCED on ZooKeeper 3.8.0 at {url}"))
                && text.contains("silent until its session expires")
                && text.contains("mutual_exclusion is violated"),
            "{name}: {text}"
        );
        if name.starts_with("zk_lock_ephemeral.") {
            for line in ZK_PAUSED_HOLDER_EXPIRES {
                assert!(text.contains(line), "{line}\n{text}");
            }
        }
    }
    let (data, _) = runtime.block_on(admin.get_data("/lock")).unwrap();
    assert_eq!(data, b"the user's");
    let children = runtime.block_on(admin.list_children("/lock")).unwrap();
    assert_eq!(children, vec!["theirs".to_string()]);
    assert!(
        runtime
            .block_on(admin.check_stat("/lockcheck/lock"))
            .unwrap()
            .is_some()
    );

    // A restart it cannot do; a path, which it does not take; and a server
    // that is not there.
    for (target, name, code_expected, says) in [
        (
            url.as_str(),
            "zk_lock_ephemeral.server-restart.progress.json",
            4,
            "step 14 crashes or restarts a server, which a replay cannot do to a server you run",
        ),
        (
            &*format!("{url}/elsewhere"),
            "zk_lock_ephemeral.gc-pause.mutual_exclusion.json",
            3,
            "give one server as zk://HOST:PORT",
        ),
        (
            "zk://127.0.0.1:1",
            "zk_lock_ephemeral.gc-pause.mutual_exclusion.json",
            3,
            "cannot connect to zk://127.0.0.1:1",
        ),
    ] {
        let (code, text) = lockcheck(&["replay", &traces.path(name), "--against", target], &[]);
        assert_eq!(code, code_expected, "{target} {name}: {text}");
        assert!(text.contains(says), "{target} {name}: {text}");
    }
}

/// Counterexamples of the etcd locks on a real etcd, whose leases the
/// replay lets expire as the trace's server expires them: the holder of
/// `concurrency.Mutex` is paused past its lease, its key goes with the
/// lease, and the waiter's watch fires on etcd as in the model; the
/// fenced variant's mutual exclusion breaks the same way, and the variant
/// without the check after the wait loses an update.
#[test]
fn counterexamples_of_the_etcd_locks_happen_on_etcd() {
    let Some(yours) = etcd_or_skip("replays on etcd") else {
        return;
    };
    let traces = Traces::write("etcd", Traces::ETCD_CHECKS, false);
    let runs = replay_on(
        &traces,
        ServerProgram::Etcd,
        lockcheck::real::etcd::replay_trace,
        &[
            "etcd_mutex.gc-pause.mutual_exclusion.json",
            "etcd_mutex_fenced.gc-pause.mutual_exclusion.json",
            "etcd_mutex_no_session_check.gc-pause.resource_safe.json",
        ],
    );
    for run in &runs {
        let expiries = run
            .commands
            .iter()
            .filter(|c| c.cmd.contains(" expires; "))
            .count();
        assert!(expiries > 0, "no lease expired: {:?}", run.commands);
    }

    // The command line: the paused holder's lease expires on etcd too,
    // and the waiter hears that the holder's key is gone.
    let gc_pause = traces.path("etcd_mutex.gc-pause.mutual_exclusion.json");
    let (code, text) = lockcheck(&["replay", &gc_pause, "--against", "etcd"], &[]);
    assert_eq!(code, 0, "{text}");
    for line in ETCD_PAUSED_HOLDER_EXPIRES {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert!(
        text.contains("REPRODUCED on etcd 3.") && text.contains("mutual_exclusion is violated"),
        "{text}"
    );

    // The same on an etcd you run (played by one started here), which
    // keeps what is not under /lockcheck/lock/.
    let base = format!("http://127.0.0.1:{}", yours.port);
    let agent = ureq::agent();
    let put = serde_json::json!({ "key": "L2FwcC9jb25maWc=", "value": "dXNlcg==" });
    agent
        .post(format!("{base}/v3/kv/put"))
        .send_json(&put)
        .expect("a key of the user's");
    let url = format!("etcd://127.0.0.1:{}", yours.port);
    let (code, text) = lockcheck(&["replay", &gc_pause, "--against", &url], &[]);
    assert_eq!(code, 0, "{text}");
    for line in ETCD_PAUSED_HOLDER_EXPIRES {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert!(
        text.contains("REPRODUCED on etcd 3.")
            && text.contains(&format!(" at {url}: it answered all"))
            && text.contains("(an etcd you run: "),
        "{text}"
    );
    let mut kept = agent
        .post(format!("{base}/v3/kv/range"))
        .send_json(serde_json::json!({ "key": "L2FwcC9jb25maWc=" }))
        .expect("the user's key reads");
    let kept: serde_json::Value = kept.body_mut().read_json().unwrap();
    assert_eq!(kept["count"], "1", "{kept}");
    // Pacing is Redis's: etcd times its leases itself.
    let (code, text) = lockcheck(
        &["replay", &gc_pause, "--against", &url, "--tick-ms", "200"],
        &[],
    );
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("--tick-ms is for a replay on a Redis or PostgreSQL you run"),
        "{text}"
    );

    // A Redis lock's trace is refused.
    let (code, text) = lockcheck(
        &[
            "replay",
            &traces.path("redis_set_px.gc-pause.mutual_exclusion.json"),
            "--against",
            "etcd",
        ],
        &[],
    );
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("model `redis_set_px`'s servers model redis-server, not etcd"),
        "{text}"
    );

    // etcd killed and started again: it has its keys and leases back from
    // its log and gives every lease a full TTL, as the model's server
    // does; the paused holder's lease then expires on etcd too. Found by
    // simulation under a pause and a restart (seed 13: killed at step 3,
    // started at 15).
    let scenario = traces.dir.join("pause-restart.json");
    let mut pause_restart: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("scenarios/gc-pause.json").expect("the scenario reads"),
    )
    .expect("JSON");
    pause_restart["description"] = "gc-pause, and etcd may crash once and restart".into();
    pause_restart["faults"]["crash"] =
        serde_json::json!({ "max": 1, "targets": "servers", "restart": true });
    pause_restart["params"]["request_timeout_ticks"] = 3.into();
    std::fs::write(&scenario, pause_restart.to_string()).expect("the scenario is written");
    let (code, text) = lockcheck(
        &[
            "simulate",
            "--model",
            "etcd_mutex",
            "--scenario",
            scenario.to_str().expect("a UTF-8 path"),
            "--seed",
            "13",
            "--runs",
            "300",
            "--report-dir",
            traces.dir.to_str().expect("a UTF-8 path"),
        ],
        &[],
    );
    // Run 280 breaks mutual exclusion.
    assert!(code <= 1, "{text}");
    let restarted = traces.path("etcd_mutex.pause-restart.mutual_exclusion.seed-13.json");
    let (code, text) = lockcheck(&["replay", &restarted, "--against", "etcd"], &[]);
    assert_eq!(code, 0, "{text}");
    for line in [
        "    3  etcd killed (the server crashes)",
        "   15  etcd started again, with what it logged; every lease given a full TTL",
        "   18  etcd      4  c2     c2: Lock with c2.1                           locked: mine rev#1, owner rev#1      locked: mine rev#1, owner rev#1",
        "lease c2.1 expires; c1: LeaseKeepAlive c1.1  no answer; c1 told rev#1 is deleted  no answer; c1 told rev#1 is deleted",
        "REPRODUCED on etcd 3.",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    // Not on an etcd you run, which a replay does not crash.
    let (code, text) = lockcheck(&["replay", &restarted, "--against", &url], &[]);
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("step 3 crashes or restarts a server, which a replay cannot do"),
        "{text}"
    );
}

/// The paused holder's lease expiring in `etcd_mutex`'s gc-pause trace, as
/// `replay --against etcd` prints it.
const ETCD_PAUSED_HOLDER_EXPIRES: &[&str] = &[
    "lease c1.1 expires; c2: LeaseKeepAlive c2.1  no answer; c2 told rev#1 is deleted",
    "c2: WaitDeletes with c2.1 below rev#2        none before; mine is there",
];

/// The expiry in article A's lock's gc-pause trace, and the takeover, as
/// `replay --against zookeeper` prints them.
const ZK_PAUSED_HOLDER_EXPIRES: &[&str] = &[
    "   32  zk       10  c1     c1#1: silent until its session expires  expired                   expired",
    "   33  zk       10  c2     c2#1: create /my_lock EPHEMERAL         created /my_lock czxid#2  created /my_lock czxid#2",
];

/// The protected counter that replays run on each server fences as the
/// world's resource does: a token below the highest seen is rejected, a
/// read raises the highest, an operation without a token is never fenced.
#[path = "support/doc_examples.rs"]
mod doc_examples;

/// The replays `docs/real-servers.md` shows (`$ lockcheck replay
/// reports/traces/TRACE --against SERVER`) print what it shows. Each trace
/// is first written as the doc says a user writes it alone, in a fresh
/// directory (`check --property P --report-dir reports`, or `simulate
/// --seed 1` for one a simulation found), the file `compare
/// --update-reports` writes too. The one on a Redis you run (`redis://`)
/// is left to the test of such replays above, which starts that Redis.
#[test]
fn the_real_server_examples_print_what_they_show() {
    let starts = [
        redis_or_skip("the real-server examples"),
        postgres_or_skip("the real-server examples"),
        zookeeper_or_skip("the real-server examples"),
        etcd_or_skip("the real-server examples"),
    ];
    if starts.iter().any(Option::is_none) {
        return;
    }
    drop(starts);
    let file = "docs/real-servers.md";
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(file)).unwrap();
    let found: Vec<_> = doc_examples::examples(&text, "$ lockcheck ")
        .into_iter()
        .filter(|e| !e.args.iter().any(|a| a.contains("://")))
        .collect();
    // Two on Redis, two on PostgreSQL, two on ZooKeeper (a pause, a
    // restart), one on etcd, and a lasso on PostgreSQL.
    assert_eq!(found.len(), 8);
    let cwd = doc_examples::user_dir("real-server-examples");
    for example in &found {
        // reports/traces/<model>.<scenario>.<property>[.seed-1].json
        let trace = &example.args[1];
        let name = trace.strip_prefix("reports/traces/").expect(trace);
        let parts: Vec<&str> = name.trim_end_matches(".json").split('.').collect();
        let scenario = format!("scenarios/{}.json", parts[1]);
        let write: Vec<&str> = match parts[..] {
            [model, _, _, "seed-1"] => vec!["simulate", "--model", model, "--seed", "1"],
            [model, _, property] => vec!["check", "--model", model, "--property", property],
            _ => panic!("{file}:{}: an unexpected trace name {trace}", example.line),
        };
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_lockcheck"))
            .args(&write)
            .args(["--scenario", &scenario, "--report-dir", "reports"])
            .current_dir(&cwd)
            .output()
            .unwrap();
        assert!(
            cwd.join(trace).is_file(),
            "{write:?} wrote no {trace}: {out:?}"
        );
        doc_examples::run(file, example, &cwd);
    }
}

#[test]
fn the_counter_on_each_server_fences_as_the_world_resource_does() {
    use lockcheck::real::replay::{CounterOp, CounterReply};
    use lockcheck::world::Resource;
    fn check<P: Program>(server: &LocalServer) {
        let mut connection = P::connect(server, 0).expect("connects");
        P::counter_setup(&mut connection).expect("the counter is made");
        let mut world = Resource::default();
        let ops = [
            CounterOp::Read { token: Some(2) },
            CounterOp::Write {
                value: 1,
                token: Some(1),
            },
            CounterOp::Write {
                value: 1,
                token: Some(2),
            },
            CounterOp::Read { token: Some(5) },
            CounterOp::Write {
                value: 2,
                token: Some(3),
            },
            CounterOp::Read { token: None },
            CounterOp::Write {
                value: 7,
                token: None,
            },
            CounterOp::Read { token: Some(4) },
            CounterOp::Read { token: None },
            // A check, then a write that does not look again.
            CounterOp::Check { token: Some(4) },
            CounterOp::Check { token: Some(5) },
            CounterOp::WriteChecked {
                value: 9,
                token: Some(1),
            },
            CounterOp::Read { token: Some(5) },
            // The second resource fences on its own: a token below the
            // counter's highest is accepted there, until it saw a higher.
            CounterOp::Stamp { token: Some(3) },
            CounterOp::Stamp { token: Some(6) },
            CounterOp::Stamp { token: Some(4) },
            CounterOp::Read { token: Some(5) },
        ];
        let mut replies = Vec::new();
        for op in ops {
            let expected = op.on_world(&mut world);
            let real = P::counter(&mut connection, &op).expect("the server answers");
            assert_eq!(real, expected, "{op}");
            replies.push(real);
        }
        // Fenced out twice, and an unfenced write accepted after a fence;
        // a check that fails and one that passes, after which a write
        // with a low token is made all the same.
        use CounterReply::{Passed, Rejected, Value, Written};
        assert_eq!(
            replies,
            [
                Value(0),
                Rejected,
                Written,
                Value(1),
                Rejected,
                Value(1),
                Written,
                Rejected,
                Value(7),
                Rejected,
                Passed,
                Written,
                Value(9),
                Written,
                Written,
                Rejected,
                Value(9)
            ]
        );
    }
    if let Some(server) = redis_or_skip("redis counter") {
        check::<RedisProgram>(&server);
    }
    if let Some(server) = postgres_or_skip("postgres counter") {
        check::<PostgresProgram>(&server);
    }
}

/// The takeover in the skewed-clock trace, as `replay --against postgres`
/// prints it.
const SKEWED_TAKEOVER: &str = "   17  db        5  c2     UPDATE lock SET owner = 'c2#1', expires_at = 17 \
     WHERE name = 'lock' AND expires_at < 9  1 row                          1 row";

/// Two `REPEATABLE READ` transactions that both found the row expired
/// both try to take it over: the first to update wins, and PostgreSQL
/// refuses the second (SQLSTATE 40001), as the model's server does. A new
/// transaction, after the winner committed, sees the winner's row.
#[test]
fn the_second_repeatable_read_takeover_fails_on_postgresql_as_in_the_model() {
    let Some(server) = postgres_or_skip("postgres repeatable read") else {
        return;
    };
    use lockcheck::models::redis::Value;
    use lockcheck::node::{FenceToken, NodeId};
    let owner = |n: u64| Value::Num(FenceToken::from_number(n));
    let tick: Instant = serde_json::from_str("5").expect("an instant");
    let long_ago: Instant = serde_json::from_str("0").expect("an instant");
    let ttl = Expiry::DbClock { ttl_ticks: 8 };
    let mut model = DbServer::with_row_versions();
    let mut both = |session: &mut Session, stmt: Stmt| {
        let expected = Execute::execute(&mut model, tick, &stmt);
        assert_eq!(session.run(&stmt), Ok(expected.clone()), "{stmt}");
        expected
    };
    // Tick 0 of the sessions is the Unix epoch: a row that expired then
    // has expired for the model at tick 5 and for PostgreSQL now.
    let mut c1 = Session::connect(&server, 0).expect("connects");
    let mut c2 = Session::connect(&server, 0).expect("connects");
    let mut c3 = Session::connect(&server, 0).expect("connects");
    let expired_row = Stmt::Insert {
        owner: owner(1),
        expiry: Expiry::ClientClock {
            expires_at: long_ago,
            client_now: long_ago,
        },
        fenced: false,
    };
    both(&mut c1, expired_row);
    let select = |client: u8| Stmt::SelectSnapshot {
        client: NodeId(client),
        expiry: ttl,
    };
    let update = |client: u8| Stmt::UpdateSnapshot {
        client: NodeId(client),
        owner: owner(client as u64),
        expiry: ttl,
    };
    let seen = DbReply::Snapshot {
        owner: Some(owner(1)),
        expired: true,
    };
    assert_eq!(both(&mut c2, select(2)), seen);
    assert_eq!(both(&mut c3, select(3)), seen);
    assert_eq!(
        both(&mut c2, update(2)),
        DbReply::Rows {
            rows: 1,
            version: None
        }
    );
    assert_eq!(both(&mut c3, update(3)), DbReply::SerializationFailure);
    assert_eq!(
        both(&mut c3, select(3)),
        DbReply::Snapshot {
            owner: Some(owner(2)),
            expired: false
        }
    );
    // No transaction open: the model's answer, and the real session's.
    assert_eq!(both(&mut c3, update(3)), DbReply::SerializationFailure);
}

/// What a crash does to each server: a database keeps what it committed,
/// and its sequence goes on from the value it had logged ahead, as the model
/// says; a Redis without persistence comes back empty. The trace replays
/// rely on it.
#[test]
fn a_crashed_database_keeps_its_rows_and_skips_versions_and_a_crashed_redis_comes_back_empty() {
    if let Some(server) = postgres_or_skip("postgres crash") {
        let owner = |n: u64| {
            lockcheck::models::redis::Value::Num(lockcheck::node::FenceToken::from_number(n))
        };
        let insert = |n: u64| Stmt::Insert {
            owner: owner(n),
            expiry: Expiry::Never,
            fenced: true,
        };
        let mut model = database();
        // No statement here reads a clock.
        let tick_0: Instant = serde_json::from_str("0").expect("an instant");
        let both = |session: &mut Session, model: &mut DbServer, stmt: Stmt| {
            let expected = Execute::execute(model, tick_0, &stmt);
            assert_eq!(session.run(&stmt), Ok(expected.clone()), "{stmt}");
            expected
        };
        let mut session = Session::connect(&server, 0).expect("connects");
        let first = both(&mut session, &mut model, insert(1));
        assert_eq!(
            first,
            DbReply::Rows {
                rows: 1,
                version: Some(lockcheck::node::FenceToken::from_number(1))
            }
        );
        drop(session);
        server.crash();
        server.restart().expect("starts again");
        let mut model = model.recovered();
        let mut session = Session::connect(&server, 0).expect("connects");
        // The row survived; the refused insert burns a version, the first
        // after the crash: the one after the 32 logged ahead.
        assert_eq!(
            both(&mut session, &mut model, insert(2)),
            DbReply::DuplicateKey
        );
        both(&mut session, &mut model, Stmt::Delete { owner: owner(1) });
        assert_eq!(
            both(&mut session, &mut model, insert(2)),
            DbReply::Rows {
                rows: 1,
                version: Some(lockcheck::node::FenceToken::from_number(35))
            }
        );
    }
    if let Some(server) = redis_or_skip("redis crash") {
        let set = Cmd::SetNx {
            value: lockcheck::models::redis::Value::Num(lockcheck::node::FenceToken::from_number(
                1,
            )),
        };
        let mut connection = RedisProgram::connect(&server, 0).expect("connects");
        assert_eq!(
            RedisProgram::run(&mut connection, &set),
            Ok(Reply::Set(true))
        );
        drop(connection);
        server.crash();
        server.restart().expect("starts again");
        let mut connection = RedisProgram::connect(&server, 0).expect("connects");
        assert_eq!(
            RedisProgram::run(&mut connection, &set),
            Ok(Reply::Set(true))
        );
    }
}

/// Sessions that are not meant to expire: far longer than a sequence.
const ZK_LONG_SESSION: std::time::Duration = std::time::Duration::from_secs(20);

/// Sessions meant to expire: long enough that a client on a loaded
/// machine keeps its session alive by pinging (every third of it), short
/// enough that waiting for an expiry costs about a second.
const ZK_SHORT_SESSION: std::time::Duration = std::time::Duration::from_millis(1000);

#[test]
fn zookeeper_model_answers_as_zookeeper_does_on_a_thousand_random_requests() {
    let Some(server) = zookeeper_or_skip("zookeeper conformance") else {
        return;
    };
    for seed in [1, 2] {
        match zk_conformance(
            &server,
            &ZkModel::new(),
            ZK_LONG_SESSION,
            false,
            seed,
            20,
            25,
        )
        .expect("ZooKeeper answers")
        {
            Ok(agreement) => {
                assert_eq!(agreement.commands, 500);
                assert!(
                    agreement.server.starts_with("ZooKeeper 3."),
                    "{agreement:?}"
                );
                println!(
                    "seed {seed}: {} answered {} requests in {} sequences as the model does",
                    agreement.server, agreement.commands, agreement.sequences
                );
            }
            Err(disagreement) => panic!("seed {seed}: {disagreement}"),
        }
    }
}

#[test]
fn zookeeper_model_expires_sessions_as_zookeeper_does() {
    let Some(server) = zookeeper_or_skip("zookeeper expiry conformance") else {
        return;
    };
    // The sequences the run draws, to count their expiries.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let expiries: usize = (0..6)
        .map(|_| {
            let cmds = random_cmds(&mut rng, 30, true);
            cmds.iter()
                .filter(|op| matches!(op.cmd, ZkCmd::Expire { .. }))
                .count()
        })
        .sum();
    assert!(expiries >= 10, "only {expiries} expiries");
    match zk_conformance(&server, &ZkModel::new(), ZK_SHORT_SESSION, true, 3, 6, 30)
        .expect("ZooKeeper answers")
    {
        Ok(agreement) => {
            assert_eq!(agreement.commands, 180);
            println!(
                "{} answered {} commands in {} sequences, {expiries} of them expiries, as the model does",
                agreement.server, agreement.commands, agreement.sequences
            );
        }
        Err(disagreement) => panic!("{disagreement}"),
    }
}

/// The model with a `create` that takes its own session's node for a
/// success, as if a retried `create` were idempotent.
#[derive(Clone)]
struct CreateOwnNodeSucceeds(ZkModel);

impl Execute<ZkCmd, ZkReply> for CreateOwnNodeSucceeds {
    fn execute(&mut self, now: Instant, cmd: &ZkCmd) -> ZkReply {
        if let ZkCmd::Request {
            client,
            op: Op::Create { path },
        } = cmd
        {
            let session = self.0.session(*client);
            if let Some(node) = self.0.data.nodes.iter().find(|n| n.path == *path)
                && node.owner == session
            {
                // Its czxid renumbered: the first node's is 1, and so on.
                let mut fresh = self.0.clone();
                let reply = fresh.execute(
                    now,
                    &ZkCmd::Request {
                        client: *client,
                        op: Op::Exists {
                            path: *path,
                            watch: false,
                        },
                    },
                );
                let Some(OpResult::Stat(Some(czxid))) = reply.result else {
                    unreachable!("the node is there")
                };
                return ZkReply {
                    result: Some(OpResult::Created { path: *path, czxid }),
                    events: Vec::new(),
                };
            }
        }
        self.0.execute(now, cmd)
    }
}

/// The model with a session expiry that leaves the session's ephemeral
/// nodes behind.
#[derive(Clone)]
struct ExpiryKeepsNodes(ZkModel);

impl Execute<ZkCmd, ZkReply> for ExpiryKeepsNodes {
    fn execute(&mut self, now: Instant, cmd: &ZkCmd) -> ZkReply {
        let nodes = self.0.data.nodes.clone();
        let reply = self.0.execute(now, cmd);
        if let ZkCmd::Expire { .. } = cmd {
            self.0.data.nodes = nodes;
            return ZkReply {
                result: None,
                events: Vec::new(),
            };
        }
        reply
    }
}

#[test]
fn a_create_that_takes_its_own_node_for_a_success_is_caught_in_two_requests() {
    let Some(server) = zookeeper_or_skip("zookeeper broken-model check") else {
        return;
    };
    let broken = CreateOwnNodeSucceeds(ZkModel::new());
    let found = match zk_conformance(&server, &broken, ZK_LONG_SESSION, false, 1, 20, 30)
        .expect("ZooKeeper answers")
    {
        Ok(agreement) => panic!("a broken model passed: {agreement:?}"),
        Err(disagreement) => disagreement,
    };
    let text = found.to_string();
    println!("{text}");
    // Shrunk to: a session creates /my_lock, and creates it again.
    assert_eq!(found.ops.len(), 2, "{text}");
    assert_eq!(found.ops[0].cmd, found.ops[1].cmd, "{text}");
    assert!(
        matches!(
            found.ops[1].cmd,
            ZkCmd::Request {
                op: Op::Create {
                    path: ZPath::MyLock
                },
                ..
            }
        ),
        "{text}"
    );
    assert!(
        matches!(found.model.result, Some(OpResult::Created { .. })),
        "{text}"
    );
    assert_eq!(
        found.real.as_ref().map(|r| r.result.clone()),
        Ok(Some(OpResult::NodeExists)),
        "{text}"
    );
}

#[test]
fn an_expiry_that_keeps_ephemeral_nodes_is_caught_in_three_commands() {
    let Some(server) = zookeeper_or_skip("zookeeper broken-model check") else {
        return;
    };
    let broken = ExpiryKeepsNodes(ZkModel::new());
    // Shrinking runs the expiries again and again: half a second each.
    let brief = std::time::Duration::from_millis(500);
    let found =
        match zk_conformance(&server, &broken, brief, true, 3, 8, 12).expect("ZooKeeper answers") {
            Ok(agreement) => panic!("a broken model passed: {agreement:?}"),
            Err(disagreement) => disagreement,
        };
    let text = found.to_string();
    println!("{text}");
    // Shrunk to: a session creates a node, falls silent until it expires,
    // and a request finds the node still there in the model only (or a
    // watch on it fires in ZooKeeper only).
    assert!(found.ops.len() <= 3, "{text}");
    assert!(
        found
            .ops
            .iter()
            .any(|op| matches!(op.cmd, ZkCmd::Expire { .. })),
        "{text}"
    );
}

/// The model with watches that never fire.
#[derive(Clone)]
struct WatchesNeverFire(ZkModel);

impl Execute<ZkCmd, ZkReply> for WatchesNeverFire {
    fn execute(&mut self, now: Instant, cmd: &ZkCmd) -> ZkReply {
        let mut reply = self.0.execute(now, cmd);
        reply.events.clear();
        reply
    }
}

#[test]
fn a_model_whose_watches_never_fire_is_caught() {
    let Some(server) = zookeeper_or_skip("zookeeper broken-model check") else {
        return;
    };
    let broken = WatchesNeverFire(ZkModel::new());
    let found = match zk_conformance(&server, &broken, ZK_LONG_SESSION, false, 1, 20, 25)
        .expect("ZooKeeper answers")
    {
        Ok(agreement) => panic!("a broken model passed: {agreement:?}"),
        Err(disagreement) => disagreement,
    };
    let text = found.to_string();
    println!("{text}");
    // Shrunk to: a watch is set, and a write fires it.
    assert_eq!(found.ops.len(), 2, "{text}");
    assert_eq!(
        found.model.result,
        found.real.as_ref().expect("an answer").result,
        "{text}"
    );
    assert!(found.model.events.is_empty(), "{text}");
    assert_eq!(
        found.real.as_ref().expect("an answer").events.len(),
        1,
        "{text}"
    );
}

/// Why the comparison renumbers: ZooKeeper spends a zxid on a write that
/// fails (an error transaction) and numbers the first sequential child 0;
/// the model spends none and starts at 1. Neither matters to a lock: a
/// later node's czxid and number are still the larger.
#[test]
fn zookeeper_spends_zxids_on_failed_writes_and_numbers_children_from_zero_unlike_the_model() {
    use zookeeper_client as zk;
    let Some(server) = zookeeper_or_skip("zookeeper numbering") else {
        return;
    };
    // Waits until the server serves, and creates /lock.
    drop(
        lockcheck::real::zookeeper::ZooKeeper::connect(&server, ZK_LONG_SESSION)
            .expect("ZooKeeper"),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let client = rt
        .block_on(
            zk::Client::connector()
                .with_session_timeout(ZK_LONG_SESSION)
                .connect(&format!("127.0.0.1:{}", server.port)),
        )
        .expect("a session");
    let ephemeral = zk::CreateMode::Ephemeral.with_acls(zk::Acls::anyone_all());
    let sequential = zk::CreateMode::EphemeralSequential.with_acls(zk::Acls::anyone_all());
    let (first, _) = rt
        .block_on(client.create("/my_lock", b"", &ephemeral))
        .expect("created");
    assert!(matches!(
        rt.block_on(client.create("/my_lock", b"", &ephemeral)),
        Err(zk::Error::NodeExists)
    ));
    assert!(matches!(
        rt.block_on(client.delete("/nope", None)),
        Err(zk::Error::NoNode)
    ));
    let (second, seq) = rt
        .block_on(client.create("/lock/x-", b"", &sequential))
        .expect("created");
    assert_eq!(second.czxid - first.czxid, 3, "two failed writes between");
    assert_eq!(seq.into_i64(), 0);

    let mut model = ZkModel::new();
    let request = |op| ZkCmd::Request { client: 1, op };
    let never = ZPath::Child {
        seq: 99,
        prefix: model.session(1),
    };
    for op in [
        Op::Create {
            path: ZPath::MyLock,
        },
        Op::Create {
            path: ZPath::MyLock,
        },
        Op::Delete { path: never },
        Op::CreateSequential,
    ] {
        model.run(&request(op));
    }
    let czxid = |pick: fn(&ZPath) -> bool| {
        let node = model.data.nodes.iter().find(|n| pick(&n.path));
        node.expect("the node").czxid
    };
    let first = czxid(|p| *p == ZPath::MyLock);
    let second = czxid(|p| matches!(p, ZPath::Child { .. }));
    assert_eq!(
        second.number() - first.number(),
        1,
        "no zxid for a failed write"
    );
    assert!(
        model
            .data
            .nodes
            .iter()
            .any(|n| matches!(n.path, ZPath::Child { seq: 1, .. })),
        "{:?}",
        model.data.nodes
    );
}

#[test]
fn etcd_model_answers_as_etcd_does_on_a_thousand_random_requests() {
    let Some(server) = etcd_or_skip("etcd conformance") else {
        return;
    };
    // The sequences the run draws, to count their expiries.
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let expiries: usize = (0..40)
        .map(|_| {
            let cmds = lockcheck::real::etcd::random_cmds(&mut rng, 25, true);
            cmds.iter()
                .filter(|op| matches!(op.cmd, EtcdCmd::Expire { .. }))
                .count()
        })
        .sum();
    assert!(expiries >= 10, "only {expiries} expiries");
    match etcd_conformance(&server, &EtcdModel::new(), true, 1, 40, 25).expect("etcd answers") {
        Ok(agreement) => {
            assert_eq!(agreement.commands, 1000);
            assert!(agreement.server.starts_with("etcd 3."), "{agreement:?}");
            println!(
                "{} answered {} commands in {} sequences, {expiries} of them expiries, as the model does",
                agreement.server, agreement.commands, agreement.sequences
            );
        }
        Err(disagreement) => panic!("{disagreement}"),
    }
}

/// The etcd model with watches that never fire.
#[derive(Clone)]
struct EtcdWatchesNeverFire(EtcdModel);

impl Execute<EtcdCmd, EtcdReply> for EtcdWatchesNeverFire {
    fn execute(&mut self, now: Instant, cmd: &EtcdCmd) -> EtcdReply {
        let mut reply = self.0.execute(now, cmd);
        reply.events.clear();
        reply
    }
}

/// The etcd model with leases that never expire.
#[derive(Clone)]
struct EtcdLeasesNeverExpire(EtcdModel);

impl Execute<EtcdCmd, EtcdReply> for EtcdLeasesNeverExpire {
    fn execute(&mut self, now: Instant, cmd: &EtcdCmd) -> EtcdReply {
        match cmd {
            EtcdCmd::Expire { .. } => EtcdReply {
                answer: None,
                events: Vec::new(),
            },
            _ => self.0.execute(now, cmd),
        }
    }
}

#[test]
fn an_etcd_model_whose_watches_never_fire_is_caught() {
    let Some(server) = etcd_or_skip("etcd broken-model check") else {
        return;
    };
    let broken = EtcdWatchesNeverFire(EtcdModel::new());
    let found = match etcd_conformance(&server, &broken, false, 1, 20, 25).expect("etcd answers") {
        Ok(agreement) => panic!("a broken model passed: {agreement:?}"),
        Err(disagreement) => disagreement,
    };
    let text = found.to_string();
    println!("{text}");
    // Shrunk to: two clients take keys, the second watches the first's,
    // and the first's key goes.
    assert!(found.ops.len() <= 6, "{text}");
    assert!(found.model.events.is_empty(), "{text}");
    assert!(
        found.real.as_ref().is_ok_and(|r| !r.events.is_empty()),
        "{text}"
    );
}

#[test]
fn an_etcd_model_whose_leases_never_expire_is_caught_in_four_commands() {
    let Some(server) = etcd_or_skip("etcd broken-model check") else {
        return;
    };
    let broken = EtcdLeasesNeverExpire(EtcdModel::new());
    let found = match etcd_conformance(&server, &broken, true, 1, 40, 25).expect("etcd answers") {
        Ok(agreement) => panic!("a broken model passed: {agreement:?}"),
        Err(disagreement) => disagreement,
    };
    let text = found.to_string();
    println!("{text}");
    // Shrunk to: a client is granted a lease (and takes a key with it),
    // lets it lapse, and a request finds it alive in the model only.
    assert!(found.ops.len() <= 4, "{text}");
    assert!(
        found
            .ops
            .iter()
            .any(|op| matches!(op.cmd, EtcdCmd::Expire { .. })),
        "{text}"
    );
    assert!(
        matches!(
            found.ops[0].cmd,
            EtcdCmd::Request {
                msg: EtcdMsg::Grant { .. },
                ..
            }
        ),
        "{text}"
    );
}
