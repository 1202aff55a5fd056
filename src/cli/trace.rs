//! `lockcheck replay`, `export` and `explore`: what is done with a trace file.

use std::path::{Path, PathBuf};

use lockcheck::check::{self};
use lockcheck::registry;
use lockcheck::scenario::Scenario;
use lockcheck::trace::replay::ReplayOutcome;

use super::exit;

pub(super) fn export(
    path: &Path,
    format: lockcheck::trace::export::ExportFormat,
    output: Option<&Path>,
) -> u8 {
    let (trace, entry) = match load_trace(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let text = match (entry.export)(path, &trace, format) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: the trace does not fit the model: {e}");
            return exit::BAD_INPUT;
        }
    };
    match output {
        Some(file) => {
            if let Err(e) = lockcheck::files::write_atomically(file, text.as_bytes()) {
                eprintln!("error: cannot write {}: {e}", file.display());
                return exit::BAD_INPUT;
            }
            eprintln!("wrote {}", file.display());
        }
        None => print!("{text}"),
    }
    exit::OK
}

pub(super) fn explore(
    model: Option<String>,
    scenario: Option<PathBuf>,
    trace: Option<PathBuf>,
    port: u16,
) -> u8 {
    let bad = |message: String| {
        eprintln!("error: {message}");
        exit::BAD_INPUT
    };
    let trace = match trace.as_deref().map(lockcheck::trace::read).transpose() {
        Ok(t) => t,
        Err(e) => return bad(e.to_string()),
    };
    let (scenario, scenario_file) = match (scenario, &trace) {
        (Some(file), _) => match Scenario::load(&file) {
            Ok(s) => (s, file),
            Err(e) => return bad(e.to_string()),
        },
        (None, Some(t)) => (t.scenario.clone(), t.scenario_file.clone()),
        (None, None) => return bad("give --scenario or --trace".into()),
    };
    let Some(id) = model.or_else(|| trace.as_ref().map(|t| t.model.clone())) else {
        return bad("give --model or --trace".into());
    };
    let entry = match registry::lookup(&id) {
        Ok(e) => e,
        Err(e) => return bad(e),
    };
    let steps = match &trace {
        Some(t) => match (entry.explorer_path)(t) {
            Ok(p) => Some(p),
            Err(e) => return bad(format!("the trace does not fit the model: {e}")),
        },
        None => None,
    };
    let address = format!("localhost:{port}");
    // The Explorer listens on a private port behind a guard that turns away
    // requests for any host but this one (see `host_guard`).
    let listener = match std::net::TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(e) => return bad(format!("cannot listen on {address}: {e}")),
    };
    let backend_port = match super::host_guard::private_port() {
        Ok(p) => p,
        Err(e) => return bad(format!("cannot find a free loopback port: {e}")),
    };
    std::thread::spawn(move || super::host_guard::serve(listener, backend_port));
    println!(
        "Explorer for {id} under {} at http://{address}/ (Ctrl-C to stop)",
        scenario_file.display()
    );
    if let Some(p) = steps {
        println!("the trace's path: http://{address}/#/steps/{p}");
    }
    match (entry.explore)(&id, &scenario, &format!("127.0.0.1:{backend_port}")) {
        Ok(()) => exit::OK,
        Err(e) => bad(e),
    }
}

/// Reads a trace and finds its model, or says why not (exit code 4).
pub(super) fn load_trace(
    path: &Path,
) -> Result<(lockcheck::trace::TraceFile, registry::ModelEntry), u8> {
    let trace = lockcheck::trace::read(path).map_err(|e| {
        eprintln!("error: {e}");
        exit::BAD_INPUT
    })?;
    match registry::find(&trace.model) {
        Some(entry) => Ok((trace, entry)),
        None => {
            eprintln!(
                "error: {}: the trace is of model `{}`, which this lockcheck does not have",
                path.display(),
                trace.model
            );
            Err(exit::BAD_INPUT)
        }
    }
}

/// Where `replay --against` sends a trace's requests: servers of a program
/// that lockcheck starts, or servers the user runs, at URLs (one per server
/// of the trace).
#[derive(Clone, Debug)]
pub(super) enum Against {
    Program(lockcheck::node::ServerProgram),
    Urls(lockcheck::node::ServerProgram, Vec<String>),
}

/// The URL schemes of the servers a user may run, and their programs
/// (etcd's client URL is plain HTTP: `http://` or `etcd://`).
const URL_SCHEMES: [(&str, lockcheck::node::ServerProgram); 6] = [
    ("redis", lockcheck::node::ServerProgram::Redis),
    ("zk", lockcheck::node::ServerProgram::ZooKeeper),
    ("postgres", lockcheck::node::ServerProgram::Postgres),
    ("postgresql", lockcheck::node::ServerProgram::Postgres),
    ("etcd", lockcheck::node::ServerProgram::Etcd),
    ("http", lockcheck::node::ServerProgram::Etcd),
];

/// `--against`'s value: a program's name, or servers' URLs separated by
/// commas.
pub(super) fn parse_against(value: &str) -> Result<Against, String> {
    use lockcheck::node::ServerProgram;
    if value.contains("://") {
        let schemes: Vec<String> = URL_SCHEMES.iter().map(|(s, _)| format!("{s}://")).collect();
        let mut program = None;
        let mut urls = Vec::new();
        for url in value.split(',') {
            let Some((scheme, rest)) = url.split_once("://") else {
                return Err(format!(
                    "`{url}` is not a URL such as redis://127.0.0.1:6379"
                ));
            };
            match URL_SCHEMES.iter().find(|(s, _)| *s == scheme) {
                Some(_) if rest.is_empty() => return Err(format!("`{url}` names no host")),
                Some((_, p)) if program.is_some_and(|q| q != *p) => {
                    return Err(format!(
                        "`{url}` is not a server of the same kind as the first"
                    ));
                }
                Some((_, p)) => program = Some(*p),
                None => {
                    return Err(format!(
                        "`{scheme}://` is not a server a replay can run on; a server you run \
                         is given as {}",
                        schemes.join(", ")
                    ));
                }
            }
            urls.push(url.to_string());
        }
        let program = program.expect("at least one URL");
        return Ok(Against::Urls(program, urls));
    }
    ServerProgram::named(value)
        .map(Against::Program)
        .ok_or_else(|| {
            let names: Vec<&str> = ServerProgram::ALL.iter().map(|p| p.name()).collect();
            format!(
                "expected one of {} (servers lockcheck starts), or a URL such as \
                 redis://127.0.0.1:6379 (a server you run)",
                names.join(", ")
            )
        })
}

pub(super) fn replay(
    path: &Path,
    detail: bool,
    against: Option<Against>,
    tick_ms: Option<u64>,
    key_prefix: Option<String>,
) -> u8 {
    use lockcheck::node::ServerProgram;
    use lockcheck::real::replay::Remote;
    let (program, remote) = match against.clone() {
        None => (None, None),
        Some(Against::Program(program)) => (Some(program), None),
        Some(Against::Urls(program, urls)) => (
            Some(program),
            Some(Remote {
                urls,
                tick_ms: tick_ms.unwrap_or(1000),
                key_prefix: key_prefix.clone().unwrap_or_else(|| "lockcheck:".into()),
            }),
        ),
    };
    let on_redis = matches!(against, Some(Against::Urls(ServerProgram::Redis, _)));
    let paced = on_redis || matches!(against, Some(Against::Urls(ServerProgram::Postgres, _)));
    if !paced && tick_ms.is_some() {
        eprintln!(
            "error: --tick-ms is for a replay on a Redis or PostgreSQL you run \
             (--against redis://HOST:PORT or postgres://USER@HOST:PORT/DB)"
        );
        return exit::BAD_INPUT;
    }
    if !on_redis && key_prefix.is_some() {
        eprintln!(
            "error: --key-prefix is for a replay on a Redis you run (--against redis://HOST:PORT)"
        );
        return exit::BAD_INPUT;
    }
    let (trace, entry) = match load_trace(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    println!(
        "replaying {}: model={} scenario={} property={} ({} steps, recorded by lockcheck {})",
        path.display(),
        trace.model,
        Scenario::name_of(&trace.scenario_file),
        trace.property,
        trace.actions.len(),
        trace.lockcheck_version
    );
    let report = match (entry.replay)(path, &trace, detail) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: the trace does not fit the model: {e}");
            return exit::BAD_INPUT;
        }
    };
    print!(
        "{}",
        check::render_lasso_rows(&report.rows, report.details.as_deref(), report.loop_start)
    );
    match report.outcome {
        ReplayOutcome::Reproduced => {
            println!(
                "REPRODUCED: {} is violated after step {}, as recorded.",
                report.property, report.steps
            );
            if let Some(program) = program {
                return replay_on_server(
                    path,
                    &trace,
                    &entry,
                    report.property,
                    program,
                    remote.as_ref(),
                );
            }
            exit::OK
        }
        ReplayOutcome::NoLongerViolated { difference } => {
            println!(
                "NOT REPRODUCED: every step replays, but {} now holds after step {}: the bug was fixed.",
                report.property, report.steps
            );
            if let Some(d) = difference {
                println!("  the last step now differs from the recording: {d}");
            }
            exit::UNEXPECTED
        }
    }
}

/// `replay --against SERVER`, once the trace replayed through the model:
/// the same schedule on real servers.
fn replay_on_server(
    path: &Path,
    trace: &lockcheck::trace::TraceFile,
    entry: &registry::ModelEntry,
    property: lockcheck::properties::PropertyName,
    server: lockcheck::node::ServerProgram,
    remote: Option<&lockcheck::real::replay::Remote>,
) -> u8 {
    use lockcheck::node::ServerProgram;
    use lockcheck::real::postgres::PostgresProgram;
    use lockcheck::real::redis::RedisProgram;
    use lockcheck::real::replay::{self, CannotReplay};
    let program = server.name();
    // A lasso's states are shifted in time, and real servers keep real
    // time: they replay its run unrolled, the loop several rounds over.
    let unrolled;
    let (trace, rounds) = match trace.loop_start {
        Some(k) => {
            unrolled = match (entry.unroll)(path, trace, REAL_LOOP_ROUNDS - 1) {
                Ok(unrolled) => unrolled,
                Err(e) => {
                    eprintln!("error: cannot replay on {program}: {e}");
                    return exit::BAD_INPUT;
                }
            };
            let rounds = LoopRounds {
                loop_start: k,
                len: trace.actions.len() - k,
                count: REAL_LOOP_ROUNDS,
            };
            println!();
            println!(
                "unrolled in real time for {program}: the stem (steps 1-{k}), then the loop \
                 (steps {}-{}) {} times over: steps 1-{}",
                k + 1,
                trace.actions.len(),
                rounds.count,
                unrolled.actions.len()
            );
            (&unrolled, Some(rounds))
        }
        None => (trace, None),
    };
    if let Some(why) = replay::refusal(trace, entry.real_server, server) {
        eprintln!("error: cannot replay on {program}: {why}");
        return exit::BAD_INPUT;
    }
    if let Some(remote) = remote {
        let run = if matches!(server, ServerProgram::Etcd | ServerProgram::ZooKeeper) {
            // etcd times the leases itself, and ZooKeeper the sessions: the
            // replay is the same as on one lockcheck starts, with no pacing.
            let [url] = &remote.urls[..] else {
                eprintln!(
                    "error: cannot replay on {}: a trace of {program} has one server; give one URL",
                    remote.shown()
                );
                return exit::BAD_INPUT;
            };
            if server == ServerProgram::Etcd {
                lockcheck::real::etcd::replay_trace_on(trace, Some(url)).map(|run| {
                    let how = "an etcd you run: every lease of the trace a real one, kept alive \
                               until the trace's server finds it expired; then it lapses until \
                               etcd has revoked it; keys under /lockcheck/lock/";
                    (run, how.to_string())
                })
            } else {
                lockcheck::real::zookeeper::replay_trace_on(trace, Some(url)).map(|run| {
                    let how = format!(
                        "a ZooKeeper you run: every session of the trace a real one; an expiry \
                         silences its client until the server has deleted the session's nodes; \
                         nodes under {}",
                        lockcheck::real::zookeeper::REMOTE_CHROOT
                    );
                    (run, how)
                })
            }
        } else if server == ServerProgram::Postgres {
            replay::replay_on::<PostgresProgram>(trace, Some(remote)).map(|run| {
                let how = format!(
                    "a server you run, in real time: a tick lasts {} ms, the statements run in \
                     the trace's order {} ms apart, in the first half of their tick, and a TTL \
                     on the database's clock lasts half a tick more; tables in the schema `{}`",
                    remote.tick_ms,
                    run.gap_ms.unwrap_or(0),
                    lockcheck::real::postgres::REMOTE_SCHEMA
                );
                (run, how)
            })
        } else {
            replay::replay_on::<RedisProgram>(trace, Some(remote)).map(|run| {
                let whose = if remote.urls.len() == 1 {
                    "a server you run"
                } else {
                    "servers you run"
                };
                let how = format!(
                    "{whose}, in real time: a tick lasts {} ms, and the requests run in the \
                     trace's order {} ms apart; keys under `{}`",
                    remote.tick_ms,
                    run.gap_ms.unwrap_or(0),
                    remote.key_prefix
                );
                (run, how)
            })
        };
        return match run {
            Ok((run, how)) => print_run(&run, program, property, &how, rounds),
            Err(CannotReplay::Refused(why)) => {
                eprintln!("error: cannot replay on {}: {why}", remote.shown());
                exit::BAD_INPUT
            }
            Err(CannotReplay::Unavailable(why)) => {
                eprintln!("error: cannot replay on {}: {why}", remote.shown());
                exit::INCONCLUSIVE
            }
        };
    }
    let (run, install) = match server {
        ServerProgram::Postgres => (replay::replay::<PostgresProgram>(trace), "postgresql gcc"),
        ServerProgram::Redis => (replay::replay::<RedisProgram>(trace), "redis-server gcc"),
        ServerProgram::ZooKeeper => (
            lockcheck::real::zookeeper::replay_trace(trace),
            "zookeeper gcc",
        ),
        ServerProgram::Etcd => (
            lockcheck::real::etcd::replay_trace(trace),
            "etcd-server gcc",
        ),
    };
    let run = match run {
        Ok(run) => run,
        Err(CannotReplay::Refused(why)) => {
            eprintln!("error: cannot replay on {program}: {why}");
            return exit::BAD_INPUT;
        }
        Err(CannotReplay::Unavailable(why)) => {
            eprintln!(
                "error: cannot replay on {program}: {why} (Debian: apt-get install {install})"
            );
            return exit::INCONCLUSIVE;
        }
    };
    let how = match server {
        ServerProgram::ZooKeeper => {
            "every session of the trace a real one; an expiry silences its client until the \
             server has expired the session"
        }
        ServerProgram::Etcd => {
            "every lease of the trace a real one, kept alive until the trace's server finds it \
             expired; then it lapses until etcd has revoked it"
        }
        ServerProgram::Redis | ServerProgram::Postgres => {
            "one process per server of the trace, each on the trace's wall clock"
        }
    };
    print_run(&run, program, property, how, rounds)
}

/// How many times a lasso's loop runs on real servers.
const REAL_LOOP_ROUNDS: usize = 3;

/// Where a lasso's loop runs in its unrolled path: steps `loop_start + r *
/// len + 1 ..= loop_start + (r + 1) * len` are round `r` (from 0).
#[derive(Clone, Copy)]
struct LoopRounds {
    loop_start: usize,
    len: usize,
    count: usize,
}

impl LoopRounds {
    /// The round (from 0) that step `step` (from 1) belongs to, if any.
    fn of(&self, step: usize) -> Option<usize> {
        (step > self.loop_start).then(|| (step - self.loop_start - 1) / self.len)
    }
}

/// What a replay on real servers did, request by request, and its verdict.
fn print_run(
    run: &lockcheck::real::replay::TraceOnServer,
    program: &str,
    property: lockcheck::properties::PropertyName,
    how: &str,
    rounds: Option<LoopRounds>,
) -> u8 {
    use lockcheck::real::replay;
    let version = &run.server_version;
    println!();
    println!("on {version} ({how}):");
    let width = |header: &str, of: fn(&replay::TraceCommand) -> &String| {
        run.commands
            .iter()
            .map(|c| of(c).len())
            .chain([header.len()])
            .max()
            .unwrap_or(0)
    };
    let request_width = width("request", |c| &c.cmd);
    let model_width = width("model", |c| &c.model);
    println!(
        "{:>5}  {:<6} {:>4}  {:<6} {:<request_width$}  {:<model_width$}  {program}",
        "step", "server", "wall", "client", "request", "model"
    );
    let mut events = run.server_events.iter().peekable();
    let mut round_shown = None;
    for c in &run.commands {
        while let Some((step, what)) = events.next_if(|(step, _)| *step < c.step) {
            println!("{step:>5}  {what}");
        }
        if let Some(rounds) = rounds
            && let Some(r) = rounds.of(c.step)
            && round_shown != Some(r)
        {
            println!("       -- the loop, round {} of {}", r + 1, rounds.count);
            round_shown = Some(r);
        }
        let real = match &c.real {
            Ok(reply) => reply.clone(),
            Err(why) => why.clone(),
        };
        let mark = if c.agrees { "" } else { "   <- differs" };
        println!(
            "{:>5}  {:<6} {:>4}  {:<6} {:<request_width$}  {:<model_width$}  {real}{mark}",
            c.step, c.server, c.wall, c.client, c.cmd, c.model
        );
    }
    if run.disagreement().is_none() {
        for (step, what) in events {
            println!("{step:>5}  {what}");
        }
    }
    if let Some(counter) = &run.counter {
        let lost = match counter.lost_updates() {
            0 => "no update lost".to_string(),
            1 => "1 update lost".to_string(),
            n => format!("{n} updates lost"),
        };
        println!(
            "the counter on {version}: {} after {} accepted writes, {lost}",
            counter.value, counter.writes
        );
        if (counter.value, counter.writes) != (counter.model_value, counter.model_writes) {
            println!(
                "NOT REPRODUCED on {version}: the trace's counter ends at {} after {} writes. \
                 The model and the server disagree.",
                counter.model_value, counter.model_writes
            );
            return exit::UNEXPECTED;
        }
    }
    match run.disagreement() {
        None if run.commands.is_empty() => {
            println!(
                "REPRODUCED on {version}: the trace delivers no request to the server, \
                 so the violation does not depend on its answers."
            );
            exit::OK
        }
        None => {
            match rounds {
                Some(rounds) => println!(
                    "REPRODUCED on {version}: it answered all {} requests as the model does, \
                     in each of the loop's {} rounds, so real clients following the trace go \
                     round its loop again and again: {property} is violated.",
                    run.commands.len(),
                    rounds.count
                ),
                None => println!(
                    "REPRODUCED on {version}: it answered all {} requests as the model does, so \
                     real clients following the trace do what it shows: {property} is violated.",
                    run.commands.len()
                ),
            }
            exit::OK
        }
        Some(c) => {
            println!(
                "NOT REPRODUCED on {version}: at step {} it answered `{}` with something \
                 other than the model's reply; from there real clients would not follow the trace. \
                 The model and the server disagree.",
                c.step, c.cmd
            );
            exit::UNEXPECTED
        }
    }
}
