//! The Redis model's server against a real `redis-server`.
//!
//! [`real_command`] is what a model's [`Cmd`] is on a real server: the
//! command, or the Lua script, that a client of the modelled library sends,
//! with the lock in the key `lock` and the fencing counter in `lock:fence`.
//! [`real_reply`] reads the answer back as the model's [`Reply`].
//!
//! [`conformance`] runs seeded random sequences of commands, with time
//! passing between them, against the model's `RedisServer` and against a
//! [`LocalServer`], and compares every reply. A disagreement is shrunk to
//! the shortest sequence that still shows it.
//!
//! **Time.** Tick `t` of a sequence is the fake wall-clock second `t`
//! (past [`CLOCK_START_UNIX_MS`](super::CLOCK_START_UNIX_MS)), so `EXPIRE
//! key ticks` and `PX ticks·1000` mean what the model means. Within a
//! tick, the `i`-th command of the sequence runs at millisecond `i` of
//! its second. The model has no time within a tick; it takes the commands
//! of one tick in the order they run, and so does the real server.
//! Redis keeps a key through the millisecond of its expiry (`now > when`
//! expires it), while the model drops it on the tick of its expiry
//! (`now >= at`); with a key set by the `i`-th command and read by the
//! `j`-th, `j > i`, both say the same at every tick. A sequence is
//! therefore at most 999 commands long.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::Rng;

use super::conformance::{
    self, Agreement, Disagreement, Execute, Op, RealServer, SEQUENCE_LEN_MAX, Timing,
};
use super::{LocalServer, Unavailable};
use crate::models::redis::{Cmd, RedisServer, Reply, Value};
use crate::node::{Instant, Nonce};

/// The key that holds the lock, and the fencing counter's.
pub const LOCK_KEY: &str = "lock";
pub const FENCE_KEY: &str = "lock:fence";

/// The documented compare-and-delete (the Redis `SET` page's "Patterns",
/// redis-py's `Lock.do_release`).
const DEL_IF_VALUE: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/// Redisson's renewal (`RedissonBaseLock.renewExpirationAsync`) on a string
/// key: give the key a new time to live if it still holds the value.
const EXPIRE_IF_VALUE: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/// `SET key <INCR fence> NX PX ttl`, returning the token, as one script.
const SET_NX_PX_FENCED: &str = "if redis.call('exists', KEYS[1]) == 0 then \
     local token = redis.call('incr', KEYS[2]) \
     redis.call('set', KEYS[1], token, 'px', ARGV[1]) \
     return token \
     else return false end";

/// The command a model's `cmd` is on a real server, one tick being a
/// second of the server's (fake) wall clock, so that `EXPIRE key ticks`
/// means what the model means.
pub fn real_command(cmd: &Cmd) -> redis::Cmd {
    let ms = |ticks: u32| ticks as u64 * 1000;
    match cmd {
        Cmd::SetNx { value } => {
            let mut c = redis::cmd("SETNX");
            c.arg(LOCK_KEY).arg(value.number());
            c
        }
        Cmd::SetNxPx { value, ttl_ticks } => {
            let mut c = redis::cmd("SET");
            c.arg(LOCK_KEY)
                .arg(value.number())
                .arg("NX")
                .arg("PX")
                .arg(ms(*ttl_ticks));
            c
        }
        Cmd::SetNxPxFenced { ttl_ticks } => {
            let mut c = script(SET_NX_PX_FENCED, &[LOCK_KEY, FENCE_KEY]);
            c.arg(ms(*ttl_ticks));
            c
        }
        Cmd::Expire { ttl_ticks } => {
            let mut c = redis::cmd("EXPIRE");
            c.arg(LOCK_KEY).arg(*ttl_ticks);
            c
        }
        Cmd::ExpireIfValue { value, ttl_ticks } => {
            let mut c = script(EXPIRE_IF_VALUE, &[LOCK_KEY]);
            c.arg(value.number()).arg(ms(*ttl_ticks));
            c
        }
        Cmd::Get => {
            let mut c = redis::cmd("GET");
            c.arg(LOCK_KEY);
            c
        }
        Cmd::Del => {
            let mut c = redis::cmd("DEL");
            c.arg(LOCK_KEY);
            c
        }
        Cmd::DelIfValue { value } => {
            let mut c = script(DEL_IF_VALUE, &[LOCK_KEY]);
            c.arg(value.number());
            c
        }
    }
}

fn script(source: &str, keys: &[&str]) -> redis::Cmd {
    let mut c = redis::cmd("EVAL");
    c.arg(source).arg(keys.len());
    for key in keys {
        c.arg(*key);
    }
    c
}

/// A real server's answer to `cmd`, read as the model's reply, or why it
/// cannot be read as one.
pub fn real_reply(cmd: &Cmd, answer: &redis::Value) -> Result<Reply, String> {
    use redis::Value as V;
    let bad = || format!("unexpected answer {answer:?} to {cmd}");
    let flag = || match answer {
        V::Int(0) => Ok(false),
        V::Int(1) => Ok(true),
        _ => Err(bad()),
    };
    match cmd {
        Cmd::SetNx { .. } => flag().map(Reply::Set),
        Cmd::SetNxPx { .. } => match answer {
            V::Okay => Ok(Reply::Set(true)),
            V::Nil => Ok(Reply::Set(false)),
            _ => Err(bad()),
        },
        Cmd::SetNxPxFenced { .. } => match answer {
            V::Int(token) if *token > 0 => Ok(Reply::Token(Some(*token as u64))),
            V::Nil => Ok(Reply::Token(None)),
            _ => Err(bad()),
        },
        Cmd::Expire { .. } | Cmd::ExpireIfValue { .. } => flag().map(Reply::TimeoutSet),
        Cmd::Get => match answer {
            V::Nil => Ok(Reply::Got(None)),
            V::BulkString(bytes) => std::str::from_utf8(bytes)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .and_then(value_of)
                .map(|v| Reply::Got(Some(v)))
                .ok_or_else(bad),
            _ => Err(bad()),
        },
        Cmd::Del | Cmd::DelIfValue { .. } => flag().map(Reply::Deleted),
    }
}

/// The lock value that reads as `n` (see [`Value`]).
fn value_of(n: u64) -> Option<Value> {
    if n < 256 {
        Some(Value::Num(n))
    } else {
        Nonce::from_number(n).map(Value::Unique)
    }
}

impl Execute<Cmd, Reply> for RedisServer {
    fn execute(&mut self, now: Instant, cmd: &Cmd) -> Reply {
        RedisServer::execute(self, now, cmd.clone())
    }
}

/// A random sequence of `len` commands of the family, on a few values, with
/// TTLs of 1 to 4 ticks (`EXPIRE` also 0, which deletes the key) and
/// waits of 0 to 3 ticks (none half of the time).
pub fn random_ops(rng: &mut ChaCha8Rng, len: usize) -> Vec<Op<Cmd>> {
    // Two clients' values for two acquisitions each, and SETNX's `1`.
    let values: Vec<Value> = [1u64, 257, 258, 513, 514]
        .into_iter()
        .map(|n| value_of(n).expect("a lock value"))
        .collect();
    let pick = |rng: &mut ChaCha8Rng, n: u64| (rng.next_u64() % n) as u32;
    (0..len)
        .map(|_| {
            let wait_ticks = if pick(rng, 2) == 0 {
                0
            } else {
                pick(rng, 3) + 1
            };
            let value = values[pick(rng, values.len() as u64) as usize];
            let ttl_ticks = pick(rng, 4) + 1;
            let cmd = match pick(rng, 8) {
                0 => Cmd::SetNx { value },
                1 => Cmd::SetNxPx { value, ttl_ticks },
                2 => Cmd::SetNxPxFenced { ttl_ticks },
                3 => Cmd::Expire {
                    ttl_ticks: pick(rng, 5),
                },
                4 => Cmd::ExpireIfValue { value, ttl_ticks },
                5 => Cmd::Get,
                6 => Cmd::Del,
                _ => Cmd::DelIfValue { value },
            };
            Op { wait_ticks, cmd }
        })
        .collect()
}

/// Runs `sequences` random sequences of `len` commands each (seeded by
/// `seed`) against a fresh copy of `model` and against `server` (see
/// [`conformance::run`]).
pub fn conformance<M: Execute<Cmd, Reply>>(
    server: &LocalServer,
    model: &M,
    seed: u64,
    sequences: usize,
    len: usize,
) -> Result<Result<Agreement, Disagreement<Cmd, Reply>>, Unavailable> {
    let mut target = Redis {
        server,
        connection: connect(server)?,
        version: None,
    };
    conformance::run(
        &mut target,
        model,
        Timing::InOrder,
        seed,
        sequences,
        |rng| random_ops(rng, len),
    )
}

/// A local `redis-server` through one connection.
struct Redis<'a> {
    server: &'a LocalServer,
    connection: redis::Connection,
    version: Option<String>,
}

impl RealServer for Redis<'_> {
    type Cmd = Cmd;
    type Reply = Reply;

    fn clear(&mut self, _start_ms: u64) -> Result<(), Unavailable> {
        redis::cmd("FLUSHALL")
            .query::<()>(&mut self.connection)
            .map_err(|e| Unavailable(format!("FLUSHALL failed: {e}")))
    }

    fn clock(&self) -> &super::FakeClock {
        &self.server.clock
    }

    fn run(&mut self, cmd: &Cmd) -> Result<Reply, String> {
        match real_command(cmd).query::<redis::Value>(&mut self.connection) {
            Ok(answer) => real_reply(cmd, &answer),
            Err(e) => Err(format!("error: {e}")),
        }
    }

    fn version(&mut self) -> Result<String, Unavailable> {
        if self.version.is_none() {
            let v = server_version(&mut self.connection)?;
            self.version = Some(format!("redis-server {v}"));
        }
        Ok(self.version.clone().expect("just set"))
    }
}

/// A new connection to a local server.
fn connect(server: &LocalServer) -> Result<redis::Connection, Unavailable> {
    redis::Client::open(format!("redis://127.0.0.1:{}/", server.port))
        .and_then(|c| c.get_connection())
        .map_err(|e| Unavailable(format!("cannot connect to redis-server: {e}")))
}

/// The server's version, as `INFO server` gives it.
fn server_version(connection: &mut redis::Connection) -> Result<String, Unavailable> {
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query(connection)
        .map_err(|e| Unavailable(format!("INFO failed: {e}")))?;
    Ok(info
        .lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .unwrap_or("unknown")
        .trim()
        .to_string())
}

/// A command of a trace, as the model and the real server answered it.
#[derive(Clone, Debug)]
pub struct TraceCommand {
    /// The trace's step that delivers it (from 1).
    pub step: usize,
    /// The server it goes to (`redis`, or a Redlock master `m1`, ...).
    pub server: String,
    /// That server's wall clock at that step, in ticks.
    pub wall: i64,
    pub client: String,
    pub cmd: Cmd,
    pub model: Reply,
    pub real: Result<Reply, String>,
}

/// What a trace did on real servers: every command the trace delivers to
/// a server, up to the first one answered differently, if any.
#[derive(Clone, Debug)]
pub struct TraceOnServer {
    pub server_version: String,
    pub commands: Vec<TraceCommand>,
    /// The trace's server crashes and restarts, by step: the process was
    /// killed, and an empty one started.
    pub server_events: Vec<(usize, String)>,
}

impl TraceOnServer {
    /// The first command a server answered differently from the model.
    pub fn disagreement(&self) -> Option<&TraceCommand> {
        self.commands
            .iter()
            .find(|c| c.real.as_ref() != Ok(&c.model))
    }
}

/// Why a trace cannot be replayed on real Redis servers.
#[derive(Debug)]
pub enum CannotReplay {
    /// The trace is not of a model whose servers are plain Redis instances
    /// (bad input).
    NotRedis(String),
    /// A server could not be started or talked to.
    Unavailable(Unavailable),
}

/// Whether model `id`'s servers are plain Redis instances, each running
/// `RedisServer::execute` on every command it gets: the single-instance
/// locks and Redlock. Redis failover's servers also replicate.
/// (`redlock_delayed_restart`'s restarted master ignores requests for a
/// while, which a real server does not do by itself: its traces replay
/// while no master restarts.)
pub fn runs_on_plain_redis(id: &str) -> bool {
    (id.starts_with("redis_") && !id.starts_with("redis_failover"))
        || id.starts_with("redisson_")
        || id.starts_with("redlock")
}

/// Replays `trace`'s schedule on `redis-server`s started for it, one per
/// server of the trace, each under its own fake wall clock: every command
/// the trace delivers to a server is sent, at the step that delivers it,
/// over its client's own connection to that server, with the server's
/// wall clock set to its reading at that step (tick `t` is second `t`; the
/// `i`-th command runs at millisecond `i` of its second, as in
/// [`conformance`]). A lost request is never sent; a crash of a server
/// kills its process and a restart starts an empty one (the models persist
/// nothing). Everything else the trace does (ticks, pauses, lost replies,
/// partitions, the clients' own clocks) happens in the clients, whose
/// logic is the model's: when every reply is the model's, real clients
/// would do exactly what the trace shows.
///
/// The trace must already have replayed through the model.
pub fn replay_trace(trace: &crate::trace::TraceFile) -> Result<TraceOnServer, CannotReplay> {
    let not_redis = CannotReplay::NotRedis;
    let unavailable = CannotReplay::Unavailable;
    if !runs_on_plain_redis(&trace.model) {
        return Err(not_redis(format!(
            "model `{}` does not run on plain Redis servers; the single-instance Redis \
             locks and Redlock do",
            trace.model
        )));
    }
    if trace.loop_start.is_some() {
        return Err(not_redis(
            "a lasso's states are shifted in time; real servers replay counterexamples of safety and bounded progress".into(),
        ));
    }
    // Nodes are the servers, the clients, then the resource.
    let server_count = trace
        .nodes
        .len()
        .checked_sub(trace.scenario.clients as usize + 1)
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            not_redis(format!(
                "the trace's nodes {:?} hold no server",
                trace.nodes
            ))
        })?;
    let fresh = || RedisServer {
        lock: None,
        fence: 0,
    };
    let mut servers = Vec::new();
    for _ in 0..server_count {
        servers.push(Some(LocalServer::redis().map_err(unavailable)?));
    }
    let mut models = vec![fresh(); server_count];
    let server_version = {
        let first = servers[0].as_ref().expect("started");
        server_version(&mut connect(first).map_err(unavailable)?).map_err(unavailable)?
    };
    // One connection per (server, client), as each client has its own.
    let mut connections: std::collections::BTreeMap<(usize, u64), redis::Connection> =
        Default::default();
    let mut commands = Vec::new();
    let mut server_events = Vec::new();
    // Tick 0 far enough past the clock's start that a clock skewed or
    // jumped back stays after 1970.
    let start_ms = super::CLOCK_START_UNIX_MS as i64 + 1_000_000_000;
    let node_name = |n: usize| {
        trace
            .nodes
            .get(n)
            .cloned()
            .unwrap_or_else(|| format!("node {n}"))
    };
    for (i, action) in trace.actions.iter().enumerate() {
        let step = i + 1;
        let node_of = |key: &str| {
            action
                .get(key)
                .and_then(|n| n.as_u64())
                .map(|n| n as usize)
                .filter(|n| *n < server_count)
        };
        if let Some(n) = node_of("crash") {
            // Killed: its connections die with it.
            servers[n] = None;
            connections.retain(|(server, _), _| *server != n);
            server_events.push((
                step,
                format!("{} killed (the server crashes)", node_name(n)),
            ));
            continue;
        }
        if let Some(n) = node_of("restart") {
            if trace.model == "redlock_delayed_restart" {
                return Err(not_redis(format!(
                    "step {step} restarts {}, and a restarted master of `redlock_delayed_restart` \
                     ignores requests for a while, which a real redis-server does not do",
                    node_name(n)
                )));
            }
            servers[n] = Some(LocalServer::redis().map_err(unavailable)?);
            models[n] = fresh();
            server_events.push((
                step,
                format!("{} started again, empty (no persistence)", node_name(n)),
            ));
            continue;
        }
        let Some(deliver) = action.get("deliver") else {
            continue;
        };
        let Some(n) = deliver
            .get("dst")
            .and_then(|d| d.as_u64())
            .map(|d| d as usize)
            .filter(|d| *d < server_count)
        else {
            continue;
        };
        // A request carries its command as `cmd`, whatever else it holds
        // (a request id, or a Redlock attempt).
        let Some(cmd) = deliver.pointer("/payload/lock/Req/cmd") else {
            continue;
        };
        let cmd: Cmd = serde_json::from_value(cmd.clone()).map_err(|e| {
            not_redis(format!(
                "`actions[{i}]`: a request that is no Redis command: {e}"
            ))
        })?;
        let src = deliver.get("src").and_then(|s| s.as_u64()).unwrap_or(0);
        // `steps[i]` is the state the action is taken in.
        let wall = trace.steps[i].state.clocks[n].wall;
        if commands.len() >= SEQUENCE_LEN_MAX {
            return Err(not_redis(format!(
                "the trace sends more than {SEQUENCE_LEN_MAX} commands to its servers"
            )));
        }
        let Some(live) = servers[n].as_ref() else {
            return Err(not_redis(format!(
                "step {step} delivers a command to {}, which has crashed",
                node_name(n)
            )));
        };
        live.clock
            .set_ms((start_ms + wall * 1000 + commands.len() as i64) as u64)
            .map_err(|e| unavailable(Unavailable(format!("cannot set the fake clock: {e}"))))?;
        let connection = match connections.entry((n, src)) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(connect(live).map_err(unavailable)?)
            }
        };
        let expected = Execute::execute(&mut models[n], Instant::from_ticks(wall), &cmd);
        let real = match real_command(&cmd).query::<redis::Value>(connection) {
            Ok(answer) => real_reply(&cmd, &answer),
            Err(e) => Err(format!("error: {e}")),
        };
        let differs = real.as_ref() != Ok(&expected);
        commands.push(TraceCommand {
            step,
            server: node_name(n),
            wall,
            client: node_name(src as usize),
            cmd,
            model: expected,
            real,
        });
        if differs {
            break;
        }
    }
    Ok(TraceOnServer {
        server_version,
        commands,
        server_events,
    })
}
