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

use super::conformance::{self, Agreement, Disagreement, Execute, Op, RealServer, Timing};
use super::{LocalServer, Unavailable, replay};
use crate::models::redis::{Cmd, RedisServer, Reply, STAMP_EPOCH, Value};
use crate::node::{FenceToken, Instant};

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
    real_command_in(cmd, &Keys::local(), 1000)
}

/// The keys a replay's commands use.
#[derive(Clone, Debug)]
pub struct Keys {
    pub lock: String,
    pub fence: String,
    /// The protected counter's hash.
    pub counter: String,
}

impl Keys {
    /// On a server lockcheck starts: [`LOCK_KEY`], [`FENCE_KEY`] and
    /// `lockcheck:counter`.
    pub fn local() -> Keys {
        Keys {
            lock: LOCK_KEY.into(),
            fence: FENCE_KEY.into(),
            counter: "lockcheck:counter".into(),
        }
    }

    /// On a server the user runs: `lock`, `lock:fence` and `counter`, each
    /// after `prefix`.
    pub fn under(prefix: &str) -> Keys {
        Keys {
            lock: format!("{prefix}{LOCK_KEY}"),
            fence: format!("{prefix}{FENCE_KEY}"),
            counter: format!("{prefix}counter"),
        }
    }
}

/// [`real_command`] on `keys`, a tick lasting `ms_per_tick` milliseconds:
/// `EXPIRE key ticks` is `PEXPIRE key ticks·ms_per_tick` where a tick is
/// not a second.
pub fn real_command_in(cmd: &Cmd, keys: &Keys, ms_per_tick: u64) -> redis::Cmd {
    let ms = |ticks: u32| ticks as u64 * ms_per_tick;
    let (lock, fence) = (keys.lock.as_str(), keys.fence.as_str());
    match cmd {
        Cmd::SetNx { value } => {
            let mut c = redis::cmd("SETNX");
            c.arg(lock).arg(value.number());
            c
        }
        Cmd::SetNxPx { value, ttl_ticks } => {
            let mut c = redis::cmd("SET");
            c.arg(lock)
                .arg(value.number())
                .arg("NX")
                .arg("PX")
                .arg(ms(*ttl_ticks));
            c
        }
        Cmd::SetNxPxFenced { ttl_ticks } => {
            let mut c = script(SET_NX_PX_FENCED, &[lock, fence]);
            c.arg(ms(*ttl_ticks));
            c
        }
        Cmd::Expire { ttl_ticks } if ms_per_tick == 1000 => {
            let mut c = redis::cmd("EXPIRE");
            c.arg(lock).arg(*ttl_ticks);
            c
        }
        Cmd::Expire { ttl_ticks } => {
            let mut c = redis::cmd("PEXPIRE");
            c.arg(lock).arg(ms(*ttl_ticks));
            c
        }
        Cmd::ExpireIfValue { value, ttl_ticks } => {
            let mut c = script(EXPIRE_IF_VALUE, &[lock]);
            c.arg(value.number()).arg(ms(*ttl_ticks));
            c
        }
        Cmd::Get => {
            let mut c = redis::cmd("GET");
            c.arg(lock);
            c
        }
        Cmd::Del => {
            let mut c = redis::cmd("DEL");
            c.arg(lock);
            c
        }
        Cmd::DelIfValue { value } => {
            let mut c = script(DEL_IF_VALUE, &[lock]);
            c.arg(value.number());
            c
        }
        Cmd::GetSet { value } => {
            let mut c = redis::cmd("GETSET");
            c.arg(lock).arg(value.number());
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
            V::Int(token) if *token > 0 => {
                Ok(Reply::Token(Some(FenceToken::from_number(*token as u64))))
            }
            V::Nil => Ok(Reply::Token(None)),
            _ => Err(bad()),
        },
        Cmd::Expire { .. } | Cmd::ExpireIfValue { .. } => flag().map(Reply::TimeoutSet),
        Cmd::Get | Cmd::GetSet { .. } => match answer {
            V::Nil => Ok(Reply::Got(None)),
            V::BulkString(bytes) => std::str::from_utf8(bytes)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .and_then(Value::from_number)
                .map(|v| Reply::Got(Some(v)))
                .ok_or_else(bad),
            _ => Err(bad()),
        },
        Cmd::Del | Cmd::DelIfValue { .. } => flag().map(Reply::Deleted),
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
    // Two clients' values for two acquisitions each, SETNX's `1`, and an
    // expiry stamp (which the server only stores).
    let values: Vec<Value> = [1u64, 257, 258, 513, 514, STAMP_EPOCH + 3]
        .into_iter()
        .map(|n| Value::from_number(n).expect("a lock value"))
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
            let cmd = match pick(rng, 9) {
                0 => Cmd::SetNx { value },
                1 => Cmd::SetNxPx { value, ttl_ticks },
                2 => Cmd::SetNxPxFenced { ttl_ticks },
                3 => Cmd::Expire {
                    ttl_ticks: pick(rng, 5),
                },
                4 => Cmd::ExpireIfValue { value, ttl_ticks },
                5 => Cmd::Get,
                6 => Cmd::Del,
                7 => Cmd::DelIfValue { value },
                _ => Cmd::GetSet { value },
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

/// Plain `redis-server`s, for trace replays: one per server of the trace.
pub struct RedisProgram;

/// One client's connection of a replay: the keys it uses and how long a
/// tick lasts on the server's clock.
pub struct RedisConnection {
    connection: redis::Connection,
    keys: Keys,
    ms_per_tick: u64,
}

impl replay::Program for RedisProgram {
    type Cmd = Cmd;
    type Reply = Reply;
    type Model = RedisServer;
    type Connection = RedisConnection;
    const REQUEST: &'static str = "/payload/lock/Req/cmd";
    const TIMING: Timing = Timing::InOrder;
    const DURABLE: bool = false;

    fn model() -> RedisServer {
        RedisServer {
            lock: None,
            fence: crate::node::FenceCounter::new(),
        }
    }

    fn recovered(_model: &RedisServer) -> RedisServer {
        Self::model()
    }

    fn start() -> Result<LocalServer, Unavailable> {
        LocalServer::redis()
    }

    fn connect(server: &LocalServer, _start_ms: u64) -> Result<RedisConnection, Unavailable> {
        Ok(RedisConnection {
            connection: connect(server)?,
            keys: Keys::local(),
            ms_per_tick: 1000,
        })
    }

    fn run(connection: &mut RedisConnection, cmd: &Cmd) -> Result<Reply, String> {
        let real = real_command_in(cmd, &connection.keys, connection.ms_per_tick);
        match real.query::<redis::Value>(&mut connection.connection) {
            Ok(answer) => real_reply(cmd, &answer),
            Err(e) => Err(format!("error: {e}")),
        }
    }

    fn version(connection: &mut RedisConnection) -> Result<String, Unavailable> {
        Ok(format!(
            "redis-server {}",
            server_version(&mut connection.connection)?
        ))
    }

    fn counter_setup(connection: &mut RedisConnection) -> Result<(), Unavailable> {
        redis::cmd("HSET")
            .arg(&connection.keys.counter)
            .arg(&["value", "0", "highest", "0", "writes", "0"][..])
            .query::<()>(&mut connection.connection)
            .map_err(|e| Unavailable(format!("cannot make the counter: {e}")))
    }

    fn counter(
        connection: &mut RedisConnection,
        op: &replay::CounterOp,
    ) -> Result<replay::CounterReply, String> {
        use replay::{CounterOp, CounterReply};
        let (kind, token, value) = match *op {
            CounterOp::Read { token } => ("read", token, 0),
            CounterOp::Write { value, token } => ("write", token, value),
            CounterOp::Check { token } => ("check", token, 0),
            CounterOp::WriteChecked { value, token } => ("apply", token, value),
            CounterOp::Stamp { token } => ("stamp", token, 0),
        };
        let token = token.map_or(String::new(), |t| t.to_string());
        let answer: i64 = redis::cmd("EVAL")
            .arg(COUNTER_SCRIPT)
            .arg(1)
            .arg(&connection.keys.counter)
            .arg(kind)
            .arg(token)
            .arg(value)
            .query(&mut connection.connection)
            .map_err(|e| format!("error: {e}"))?;
        match answer {
            -1 => Ok(CounterReply::Rejected),
            -2 => Ok(CounterReply::Written),
            -3 => Ok(CounterReply::Passed),
            v => u32::try_from(v)
                .map(CounterReply::Value)
                .map_err(|_| format!("the counter script answered {v}")),
        }
    }

    fn connect_remote(remote: &replay::Remote, n: usize) -> Result<RedisConnection, Unavailable> {
        let url = &remote.urls[n];
        let connection = redis::Client::open(url.as_str())
            .and_then(|c| c.get_connection())
            .map_err(|e| {
                let url = replay::redacted(url);
                Unavailable(format!("cannot connect to {url}: {e}"))
            })?;
        Ok(RedisConnection {
            connection,
            keys: Keys::under(&remote.key_prefix),
            ms_per_tick: remote.tick_ms,
        })
    }

    fn clear_remote(connection: &mut RedisConnection) -> Result<(), Unavailable> {
        let keys = &connection.keys;
        redis::cmd("DEL")
            .arg(&keys.lock)
            .arg(&keys.fence)
            .arg(&keys.counter)
            .query::<()>(&mut connection.connection)
            .map_err(|e| Unavailable(format!("DEL of the replay's keys failed: {e}")))
    }
}

/// One operation on the counter, atomically, fenced as the world's
/// resource is. `ARGV`: `read`, `write`, `check` (the token only) or
/// `apply` (a checked write: no comparison), the token (empty for none),
/// the value to write. Answers the value read, -1 rejected, -2 written,
/// -3 passed the check.
const COUNTER_SCRIPT: &str = r#"
local token = tonumber(ARGV[2])
if ARGV[1] == 'stamp' then
  local second = tonumber(redis.call('HGET', KEYS[1], 'second_highest') or '0')
  if token ~= nil and token < second then return -1 end
  if token ~= nil and token > second then redis.call('HSET', KEYS[1], 'second_highest', token) end
  return -2
end
local highest = tonumber(redis.call('HGET', KEYS[1], 'highest') or '0')
if ARGV[1] ~= 'apply' and token ~= nil and token < highest then return -1 end
if ARGV[1] == 'check' then return -3 end
if token ~= nil and token > highest then redis.call('HSET', KEYS[1], 'highest', token) end
if ARGV[1] == 'read' then return tonumber(redis.call('HGET', KEYS[1], 'value') or '0') end
redis.call('HSET', KEYS[1], 'value', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'writes', 1)
return -2
"#;
