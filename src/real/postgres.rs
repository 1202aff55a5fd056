//! The database locks' server against a real PostgreSQL.
//!
//! [`Postgres`] runs a model's [`Stmt`] as the SQL the model's doc gives,
//! on three tables: `lock_node` (the article's table, one row per node),
//! `lock` (one row per lock name) and `lock_claim` (claims keyed by a
//! serial id, nothing unique about them), and the sequence `lock_version`. A time
//! the client computed (an `expires_at` or a `now` on the client's clock)
//! is sent as a timestamp: tick `t` is the second `t` past the sequence's
//! start, on the same scale as the server's fake wall clock, which `NOW()`
//! reads.

use std::collections::BTreeMap;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::Rng;

use super::conformance::{self, Agreement, Disagreement, Execute, Op, RealServer, Timing};
use super::{FakeClock, LocalServer, Unavailable, replay};
use crate::models::db_server::{DbServer, Expiry, Reply, Stmt};
use crate::models::redis::Value;
use crate::node::{FenceToken, Instant, NodeId, Nonce};

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS lock_node (node integer PRIMARY KEY, expire_time timestamptz NOT NULL);
    CREATE TABLE IF NOT EXISTS lock (name text PRIMARY KEY, owner bigint NOT NULL,
                       expires_at timestamptz, version bigint NOT NULL);
    CREATE TABLE IF NOT EXISTS lock_claim (id bigserial PRIMARY KEY, owner bigint NOT NULL,
                       name text NOT NULL, expires_at timestamptz NOT NULL);
    CREATE SEQUENCE IF NOT EXISTS lock_version;";

/// Touches every table and function the statements use, without changing
/// anything.
const WARM_UP: &str = "
    SELECT FROM lock_node LIMIT 0; SELECT FROM lock LIMIT 0; SELECT FROM lock_claim LIMIT 0;
    SELECT last_value FROM lock_version;
    SELECT now(), to_timestamp(0), make_interval(secs => 0);";

impl Execute<Stmt, Reply> for DbServer {
    fn execute(&mut self, now: Instant, stmt: &Stmt) -> Reply {
        DbServer::execute(self, now, stmt.clone())
    }
}

/// A local PostgreSQL through one connection.
pub struct Postgres<'a> {
    server: &'a LocalServer,
    session: Session,
    version: Option<String>,
}

impl<'a> Postgres<'a> {
    pub fn connect(server: &'a LocalServer) -> Result<Postgres<'a>, Unavailable> {
        Ok(Postgres {
            server,
            session: Session::connect(server, 0)?,
            version: None,
        })
    }
}

/// One connection to a PostgreSQL, for a sequence or a trace whose tick 0
/// is a given Unix second: a local one lockcheck started, on a fake clock
/// where a tick is a second, or one the user runs ([`Session::connect_remote`]),
/// where a tick lasts what the replay says.
pub struct Session {
    client: postgres::Client,
    /// The Unix second of tick 0.
    start_s: f64,
    /// How long a tick lasts, in seconds.
    tick_s: f64,
    /// What a TTL on the database's clock gets on top of its ticks, in
    /// seconds: half a tick on a server the user runs, where a tick's
    /// statements run within its first half (see [`Session::connect_remote`]).
    ttl_pad_s: f64,
    /// How to connect again, for a transaction of its own.
    config: postgres::Config,
    /// The schema the tables are in, on a server the user runs.
    schema: Option<&'static str>,
    /// Each client's open `REPEATABLE READ` transaction, on a connection
    /// of its own, between its `SELECT` and its `UPDATE`.
    snapshots: BTreeMap<NodeId, postgres::Client>,
}

/// The schema a replay on a PostgreSQL the user runs keeps its tables in;
/// it touches nothing outside it.
pub const REMOTE_SCHEMA: &str = "lockcheck";

impl Session {
    /// Connects as `postgres` and creates the tables (if they are not there
    /// yet), for a sequence whose tick 0 is the Unix millisecond `start_ms`.
    pub fn connect(server: &LocalServer, start_ms: u64) -> Result<Session, Unavailable> {
        // The port opens before the database accepts sessions ("the
        // database system is starting up"): retry for ten seconds.
        let mut config = postgres::Config::new();
        config
            .host("127.0.0.1")
            .port(server.port)
            .user("postgres")
            .dbname("postgres");
        let mut tries = 0;
        let client = loop {
            match config.connect(postgres::NoTls) {
                Ok(client) => break client,
                Err(_) if tries < 1000 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => {
                    return Err(Unavailable(format!(
                        "cannot connect to PostgreSQL: {}",
                        message(&e)
                    )));
                }
            }
        };
        Session::with_tables(client, config, None, start_ms as f64 / 1000.0, 1.0, 0.0)
    }

    /// Connects to a PostgreSQL the user runs, at a `postgres://` URL
    /// (without TLS), and creates the tables in [`REMOTE_SCHEMA`] (if they
    /// are not there yet), for a replay in real time where a tick lasts
    /// `tick_ms` milliseconds. The model judges `NOW()` to the tick: every
    /// statement of a tick at one instant. Here they run in the trace's
    /// order within the first half of their tick, and a TTL on the
    /// database's clock lasts half a tick more than its ticks, so that a
    /// row written in tick `t` for `k` ticks is live for every statement of
    /// tick `t + k` and expired for every one of tick `t + k + 1`, as in
    /// the model. A time a client computes is sent on a fixed scale (tick 0
    /// at [`super::CLOCK_START_UNIX_MS`]): the database only ever compares
    /// such times with one another, never with its `NOW()`.
    pub fn connect_remote(url: &str, tick_ms: u64) -> Result<Session, Unavailable> {
        let shown = replay::redacted(url);
        let config: postgres::Config = url
            .parse()
            .map_err(|e| Unavailable(format!("{shown} is not a PostgreSQL URL: {e}")))?;
        let client = config
            .connect(postgres::NoTls)
            .map_err(|e| Unavailable(format!("cannot connect to {shown}: {}", message(&e))))?;
        let tick_s = tick_ms as f64 / 1000.0;
        Session::with_tables(
            client,
            config,
            Some(REMOTE_SCHEMA),
            super::CLOCK_START_UNIX_MS as f64 / 1000.0,
            tick_s,
            tick_s / 2.0,
        )
    }

    fn with_tables(
        mut client: postgres::Client,
        config: postgres::Config,
        schema: Option<&'static str>,
        start_s: f64,
        tick_s: f64,
        ttl_pad_s: f64,
    ) -> Result<Session, Unavailable> {
        if let Some(schema) = schema {
            client
                .batch_execute(&format!(
                    "CREATE SCHEMA IF NOT EXISTS {schema}; SET search_path TO {schema}"
                ))
                .map_err(|e| {
                    Unavailable(format!("cannot make the schema {schema}: {}", message(&e)))
                })?;
        }
        client
            .batch_execute(SCHEMA)
            .map_err(|e| Unavailable(format!("cannot create the tables: {}", message(&e))))?;
        // A session's first statement on a table loads it into the
        // session's caches, which can take tens of milliseconds on a busy
        // machine: paid here, before a replay's real-time schedule starts,
        // and not by its first request.
        client
            .batch_execute(WARM_UP)
            .map_err(|e| Unavailable(format!("cannot read the tables: {}", message(&e))))?;
        Ok(Session {
            client,
            start_s,
            tick_s,
            ttl_pad_s,
            config,
            schema,
            snapshots: BTreeMap::new(),
        })
    }

    /// Removes what an earlier replay left in [`REMOTE_SCHEMA`]: its rows,
    /// its sequence's progress and its counter.
    pub fn clear_remote(&mut self) -> Result<(), Unavailable> {
        self.client
            .batch_execute(
                "TRUNCATE lock, lock_node, lock_claim; ALTER SEQUENCE lock_version RESTART;                  DROP TABLE IF EXISTS counter",
            )
            .map_err(|e| Unavailable(format!("cannot empty the replay's tables: {}", message(&e))))
    }

    /// A TTL on the database's clock, in seconds.
    fn ttl_seconds(&self, ttl_ticks: u32) -> f64 {
        ttl_ticks as f64 * self.tick_s + self.ttl_pad_s
    }

    /// A client-side instant as the timestamp a client sends.
    fn seconds(&self, at: Instant) -> f64 {
        self.start_s + at.ticks() as f64 * self.tick_s
    }

    /// Runs `stmt`: its result as the model's reply (a duplicate key is
    /// [`Reply::DuplicateKey`]), or the server's error.
    pub fn run(&mut self, stmt: &Stmt) -> Result<Reply, String> {
        match stmt {
            Stmt::SelectSnapshot { client, .. } => {
                return self
                    .select_snapshot(*client)
                    .map_err(|e| format!("error: {}", message(&e)));
            }
            Stmt::UpdateSnapshot {
                client,
                owner: who,
                expiry,
            } => return self.update_snapshot(*client, who, expiry),
            _ => {}
        }
        match self.execute(stmt) {
            Ok(reply) => Ok(reply),
            Err(e) if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => {
                Ok(Reply::DuplicateKey)
            }
            Err(e) => Err(format!("error: {}", message(&e))),
        }
    }

    /// `BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT owner, expires_at <
    /// now() ...` on a connection of its own, which stays open in the
    /// transaction when the row has expired (the client's earlier
    /// transaction, if any, ends: its connection closes).
    fn select_snapshot(&mut self, client: NodeId) -> Result<Reply, postgres::Error> {
        self.snapshots.remove(&client);
        let mut tx = self.config.connect(postgres::NoTls)?;
        if let Some(schema) = self.schema {
            tx.batch_execute(&format!("SET search_path TO {schema}"))?;
        }
        tx.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ")?;
        let found = tx.query_opt(
            "SELECT owner, COALESCE(expires_at < now(), false) FROM lock WHERE name = 'lock'",
            &[],
        )?;
        let (owner, expired) = match found {
            Some(row) => (Some(owner_value(row.get::<_, i64>(0))), row.get(1)),
            None => (None, false),
        };
        if owner.is_some() && expired {
            self.snapshots.insert(client, tx);
        } else {
            tx.batch_execute("ROLLBACK")?;
        }
        Ok(Reply::Snapshot { owner, expired })
    }

    /// `UPDATE lock SET ... WHERE name = 'lock'; COMMIT` in the open
    /// transaction; SQLSTATE 40001 is [`Reply::SerializationFailure`], as
    /// is an `UPDATE` with no transaction open for it (the model's answer).
    fn update_snapshot(
        &mut self,
        client: NodeId,
        who: &Value,
        expiry: &Expiry,
    ) -> Result<Reply, String> {
        let Some(mut tx) = self.snapshots.remove(&client) else {
            return Ok(Reply::SerializationFailure);
        };
        let Expiry::DbClock { ttl_ticks } = expiry else {
            return Err("a REPEATABLE READ takeover on the client's clock is not modelled".into());
        };
        let updated = tx.execute(
            "UPDATE lock SET owner = $1, expires_at = now() + make_interval(secs => $2) \
             WHERE name = 'lock'",
            &[&(who.number() as i64), &self.ttl_seconds(*ttl_ticks)],
        );
        match updated {
            Ok(n) => {
                tx.batch_execute("COMMIT")
                    .map_err(|e| format!("error: {}", message(&e)))?;
                Ok(Reply::Rows {
                    rows: n as u8,
                    version: None,
                })
            }
            Err(e) if e.code() == Some(&postgres::error::SqlState::T_R_SERIALIZATION_FAILURE) => {
                Ok(Reply::SerializationFailure)
            }
            Err(e) => Err(format!("error: {}", message(&e))),
        }
    }

    /// `PostgreSQL 15.x`.
    pub fn version(&mut self) -> Result<String, Unavailable> {
        let row = self
            .client
            .query_one("SHOW server_version", &[])
            .map_err(|e| Unavailable(format!("SHOW server_version failed: {}", message(&e))))?;
        let v: String = row.get(0);
        let v = v.split_whitespace().next().unwrap_or("unknown").to_string();
        Ok(format!("PostgreSQL {v}"))
    }

    fn execute(&mut self, stmt: &Stmt) -> Result<Reply, postgres::Error> {
        let owner = |v: &Value| v.number() as i64;
        let expiry = |e: &Expiry| match e {
            Expiry::Never => ("NULL".to_string(), None),
            Expiry::ClientClock { expires_at, .. } => (
                "to_timestamp($2)".to_string(),
                Some(self.seconds(*expires_at)),
            ),
            Expiry::DbClock { ttl_ticks } => (
                "now() + make_interval(secs => $2)".to_string(),
                Some(self.ttl_seconds(*ttl_ticks)),
            ),
        };
        let version = |fenced: bool| {
            if fenced {
                "nextval('lock_version')"
            } else {
                "0"
            }
        };
        let rows = |rows: u64, version: Option<i64>| Reply::Rows {
            rows: rows as u8,
            version: version.map(|v| FenceToken::from_number(v as u64)),
        };
        match stmt {
            // `Session::run` answers these on the transaction's own
            // connection and never passes them here.
            Stmt::SelectSnapshot { .. } | Stmt::UpdateSnapshot { .. } => {
                unreachable!("a REPEATABLE READ statement reached the shared connection")
            }
            Stmt::InsertNode { node, expire_time } => {
                let n = self.client.execute(
                    "INSERT INTO lock_node (node, expire_time) VALUES ($1, to_timestamp($2))",
                    &[&(node.0 as i32), &self.seconds(*expire_time)],
                )?;
                Ok(rows(n, None))
            }
            Stmt::SelectNode { node } => {
                let found = self.client.query_opt(
                    "SELECT extract(epoch FROM expire_time)::float8 FROM lock_node WHERE node = $1",
                    &[&(node.0 as i32)],
                )?;
                Ok(Reply::Selected(found.map(|row| {
                    let s: f64 = row.get(0);
                    Instant::from_ticks(((s - self.start_s) / self.tick_s).round() as i64)
                })))
            }
            Stmt::DeleteNode { node } => {
                let n = self
                    .client
                    .execute("DELETE FROM lock_node WHERE node = $1", &[&(node.0 as i32)])?;
                Ok(rows(n, None))
            }
            Stmt::Insert {
                owner: who,
                expiry: e,
                fenced,
            } => {
                let (at, arg) = expiry(e);
                let sql = format!(
                    "INSERT INTO lock (name, owner, expires_at, version) VALUES ('lock', $1, {at}, {}) RETURNING version",
                    version(*fenced)
                );
                let found = match arg {
                    Some(arg) => self.client.query(&sql, &[&owner(who), &arg])?,
                    None => self.client.query(&sql, &[&owner(who)])?,
                };
                let v: i64 = found.first().map_or(0, |r| r.get(0));
                Ok(rows(found.len() as u64, (*fenced).then_some(v)))
            }
            Stmt::TakeOver {
                owner: who,
                expiry: e,
                fenced,
            } => {
                let (at, arg) = expiry(e);
                let (now, now_arg) = match e {
                    Expiry::ClientClock { client_now, .. } => {
                        ("to_timestamp($3)", Some(self.seconds(*client_now)))
                    }
                    _ => ("now()", None),
                };
                let sql = format!(
                    "UPDATE lock SET owner = $1, expires_at = {at}, version = {} \
                     WHERE name = 'lock' AND expires_at < {now} RETURNING version",
                    version(*fenced)
                );
                let arg = arg.unwrap_or(0.0);
                let found = match now_arg {
                    Some(now_arg) => self.client.query(&sql, &[&owner(who), &arg, &now_arg])?,
                    None => self.client.query(&sql, &[&owner(who), &arg])?,
                };
                let v: i64 = found.first().map_or(0, |r| r.get(0));
                let n = found.len() as u64;
                Ok(rows(n, (*fenced && n > 0).then_some(v)))
            }
            Stmt::Delete { owner: who } => {
                let n = self.client.execute(
                    "DELETE FROM lock WHERE name = 'lock' AND owner = $1",
                    &[&owner(who)],
                )?;
                Ok(rows(n, None))
            }
            Stmt::DeleteAny => {
                let n = self
                    .client
                    .execute("DELETE FROM lock WHERE name = 'lock'", &[])?;
                Ok(rows(n, None))
            }
            Stmt::SelectExpired { expiry: e } => {
                let found = match e {
                    Expiry::ClientClock { client_now, .. } => self.client.query_opt(
                        "SELECT COALESCE(expires_at < to_timestamp($1), false) FROM lock \
                         WHERE name = 'lock'",
                        &[&self.seconds(*client_now)],
                    )?,
                    _ => self.client.query_opt(
                        "SELECT COALESCE(expires_at < now(), false) FROM lock WHERE name = 'lock'",
                        &[],
                    )?,
                };
                Ok(Reply::Expired(found.map(|row| row.get(0))))
            }
            Stmt::Update {
                owner: who,
                expiry: e,
            } => {
                let (at, arg) = expiry(e);
                let sql =
                    format!("UPDATE lock SET owner = $1, expires_at = {at} WHERE name = 'lock'");
                let n = match arg {
                    Some(arg) => self.client.execute(&sql, &[&owner(who), &arg])?,
                    None => self.client.execute(&sql, &[&owner(who)])?,
                };
                Ok(rows(n, None))
            }
            Stmt::AnyLive => {
                let row = self.client.query_one(
                    "SELECT EXISTS (SELECT 1 FROM lock_claim \
                     WHERE name = 'lock' AND expires_at >= now())",
                    &[],
                )?;
                Ok(Reply::AnyLive(row.get(0)))
            }
            Stmt::InsertClaim {
                owner: who,
                ttl_ticks,
            } => {
                let n = self.client.execute(
                    "INSERT INTO lock_claim (owner, name, expires_at) \
                     VALUES ($1, 'lock', now() + make_interval(secs => $2))",
                    &[&owner(who), &self.ttl_seconds(*ttl_ticks)],
                )?;
                Ok(rows(n, None))
            }
            Stmt::SelectOwner { expiry: e } => {
                let found = match e {
                    Expiry::ClientClock { client_now, .. } => self.client.query_opt(
                        "SELECT owner, COALESCE(expires_at < to_timestamp($1), false) FROM lock \
                         WHERE name = 'lock'",
                        &[&self.seconds(*client_now)],
                    )?,
                    _ => self.client.query_opt(
                        "SELECT owner, COALESCE(expires_at < now(), false) FROM lock \
                         WHERE name = 'lock'",
                        &[],
                    )?,
                };
                Ok(match found {
                    Some(row) => Reply::Owner {
                        owner: Some(owner_value(row.get::<_, i64>(0))),
                        expired: row.get(1),
                    },
                    None => Reply::Owner {
                        owner: None,
                        expired: false,
                    },
                })
            }
            Stmt::UpdateIfOwner {
                expected,
                owner: who,
                expiry: e,
            } => {
                let (at, arg) = expiry(e);
                let sql = format!(
                    "UPDATE lock SET owner = $1, expires_at = {at} \
                     WHERE name = 'lock' AND owner = ${}",
                    if arg.is_some() { 3 } else { 2 }
                );
                let n = match arg {
                    Some(arg) => self
                        .client
                        .execute(&sql, &[&owner(who), &arg, &owner(expected)])?,
                    None => self
                        .client
                        .execute(&sql, &[&owner(who), &owner(expected)])?,
                };
                Ok(rows(n, None))
            }
            Stmt::DeleteClaim { owner: who } => {
                let n = self
                    .client
                    .execute("DELETE FROM lock_claim WHERE owner = $1", &[&owner(who)])?;
                Ok(rows(n, None))
            }
        }
    }
}

impl RealServer for Postgres<'_> {
    type Cmd = Stmt;
    type Reply = Reply;

    fn clear(&mut self, start_ms: u64) -> Result<(), Unavailable> {
        self.session.start_s = start_ms as f64 / 1000.0;
        // An open transaction's lock on the table would hold up the
        // TRUNCATE; closing its connection rolls it back.
        self.session.snapshots.clear();
        self.session
            .client
            .batch_execute(
                "TRUNCATE lock, lock_node, lock_claim; ALTER SEQUENCE lock_version RESTART",
            )
            .map_err(|e| Unavailable(format!("cannot empty the tables: {}", message(&e))))
    }

    fn clock(&self) -> &FakeClock {
        &self.server.clock
    }

    fn run(&mut self, stmt: &Stmt) -> Result<Reply, String> {
        self.session.run(stmt)
    }

    fn version(&mut self) -> Result<String, Unavailable> {
        if self.version.is_none() {
            self.version = Some(self.session.version()?);
        }
        Ok(self.version.clone().expect("just set"))
    }
}

/// PostgreSQL, for trace replays of the database locks. Every statement of
/// a tick runs at the tick's first millisecond ([`Timing::SameInstant`]):
/// the model judges `NOW()` to the tick (see `docs/real-servers.md`).
pub struct PostgresProgram;

impl replay::Program for PostgresProgram {
    type Cmd = Stmt;
    type Reply = Reply;
    type Model = DbServer;
    type Connection = Session;
    const REQUEST: &'static str = "/payload/lock/Req/stmt";
    const TIMING: Timing = Timing::SameInstant;
    const DURABLE: bool = true;

    fn model() -> DbServer {
        // Rows stamped with their writer's transaction, which only a
        // `REPEATABLE READ` transaction reads; no reply shows it.
        DbServer::with_row_versions()
    }

    fn recovered(model: &DbServer) -> DbServer {
        model.recovered()
    }

    fn start() -> Result<LocalServer, Unavailable> {
        LocalServer::postgres()
    }

    fn connect(server: &LocalServer, start_ms: u64) -> Result<Session, Unavailable> {
        Session::connect(server, start_ms)
    }

    fn run(session: &mut Session, stmt: &Stmt) -> Result<Reply, String> {
        session.run(stmt)
    }

    fn version(session: &mut Session) -> Result<String, Unavailable> {
        session.version()
    }

    fn connect_remote(remote: &replay::Remote, n: usize) -> Result<Session, Unavailable> {
        Session::connect_remote(&remote.urls[n], remote.tick_ms)
    }

    fn clear_remote(session: &mut Session) -> Result<(), Unavailable> {
        session.clear_remote()
    }

    fn counter_setup(session: &mut Session) -> Result<(), Unavailable> {
        session
            .client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS counter (id int PRIMARY KEY, value bigint NOT NULL, \
                 highest bigint NOT NULL, writes bigint NOT NULL); \
                 INSERT INTO counter VALUES (1, 0, 0, 0), (2, 0, 0, 0) ON CONFLICT (id) DO NOTHING",
            )
            .map_err(|e| Unavailable(format!("cannot make the counter: {}", message(&e))))
    }

    /// A conditional `UPDATE`: the fence is its `WHERE`, so a rejected
    /// operation changes no row.
    fn counter(
        session: &mut Session,
        op: &replay::CounterOp,
    ) -> Result<replay::CounterReply, String> {
        use replay::{CounterOp, CounterReply};
        let fail = |e: postgres::Error| format!("error: {}", message(&e));
        let (token, write) = match *op {
            CounterOp::Read { token } => (token, None),
            CounterOp::Write { value, token } => (token, Some(value)),
            CounterOp::Check { token } => {
                let token = token.map(|t| t as i64);
                let rows = session
                    .client
                    .query(
                        "SELECT value FROM counter \
                         WHERE id = 1 AND ($1::bigint IS NULL OR highest <= $1)",
                        &[&token],
                    )
                    .map_err(fail)?;
                return Ok(match rows.first() {
                    Some(_) => CounterReply::Passed,
                    None => CounterReply::Rejected,
                });
            }
            // The second resource is a row of its own, with its own fence.
            CounterOp::Stamp { token } => {
                let token = token.map(|t| t as i64);
                let rows = session
                    .client
                    .query(
                        "UPDATE counter SET highest = GREATEST(highest, COALESCE($1, 0)), \
                         writes = writes + 1 \
                         WHERE id = 2 AND ($1::bigint IS NULL OR highest <= $1) RETURNING id",
                        &[&token],
                    )
                    .map_err(fail)?;
                return Ok(match rows.first() {
                    Some(_) => CounterReply::Written,
                    None => CounterReply::Rejected,
                });
            }
            CounterOp::WriteChecked { value, token } => {
                let token = token.map(|t| t as i64);
                session
                    .client
                    .execute(
                        "UPDATE counter SET value = $2, writes = writes + 1, \
                         highest = GREATEST(highest, COALESCE($1::bigint, 0)) WHERE id = 1",
                        &[&token, &(value as i64)],
                    )
                    .map_err(fail)?;
                return Ok(CounterReply::Written);
            }
        };
        let token = token.map(|t| t as i64);
        let rows = match write {
            None => session
                .client
                .query(
                    "UPDATE counter SET highest = GREATEST(highest, COALESCE($1, 0)) \
                     WHERE id = 1 AND ($1::bigint IS NULL OR highest <= $1) RETURNING value",
                    &[&token],
                )
                .map_err(fail)?,
            Some(value) => session
                .client
                .query(
                    "UPDATE counter SET value = $2, writes = writes + 1, \
                     highest = GREATEST(highest, COALESCE($1, 0)) \
                     WHERE id = 1 AND ($1::bigint IS NULL OR highest <= $1) RETURNING value",
                    &[&token, &(value as i64)],
                )
                .map_err(fail)?,
        };
        match (rows.first(), write) {
            (None, _) => Ok(CounterReply::Rejected),
            (Some(_), Some(_)) => Ok(CounterReply::Written),
            (Some(row), None) => {
                let value: i64 = row.get(0);
                u32::try_from(value)
                    .map(CounterReply::Value)
                    .map_err(|_| format!("the counter reads {value}"))
            }
        }
    }
}

/// The server's message for a database error (the driver's own says only
/// "db error").
/// An `owner` column as the model's value. A number no model value reads
/// as stays a number, and disagrees with any model's reply.
fn owner_value(n: i64) -> Value {
    let n = n as u64;
    Value::from_number(n).unwrap_or(Value::Num(FenceToken::from_number(n)))
}

fn message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => d.message().to_string(),
        // "error connecting to server", and then why: its sources.
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            text
        }
    }
}

/// How a sequence's statements judge expiry: as one database lock variant
/// does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// The article's table: insert, select and delete one's own row.
    Seed,
    /// The lock row with no expiry.
    Unique,
    /// The lock row expiring on the client's clock.
    ClientClock,
    /// The lock row expiring on the database's clock, fenced or not.
    DbClock { fenced: bool },
    /// Claims expiring on the database's clock, and the question whether
    /// any is live that comes before an insert.
    CheckThenInsert,
    /// The lock row expiring on the database's clock, taken over by a
    /// compare-and-set on the owner seen.
    CasOwner,
    /// The lock row expiring on the database's clock, taken over in a
    /// `REPEATABLE READ` transaction: a `SELECT` that opens it, and an
    /// `UPDATE` that commits it or fails to serialize.
    RepeatableRead,
}

/// A random sequence of `len` statements of one variant's kind, for two
/// clients (two acquisitions each), with TTLs of 1 to 4 ticks and waits of
/// 0 to 3 ticks (none half of the time). A client's `now` is the tick, give
/// or take a tick of skew.
pub fn random_stmts(rng: &mut ChaCha8Rng, family: Family, len: usize) -> Vec<Op<Stmt>> {
    let pick = |rng: &mut ChaCha8Rng, n: u64| (rng.next_u64() % n) as u32;
    let owners: Vec<Value> = [257u64, 258, 513, 514]
        .into_iter()
        .map(|n| Value::Unique(Nonce::from_number(n).expect("a nonce")))
        .collect();
    let mut tick = 0i64;
    (0..len)
        .map(|_| {
            let wait_ticks = if pick(rng, 2) == 0 {
                0
            } else {
                pick(rng, 3) + 1
            };
            tick += wait_ticks as i64;
            let ttl_ticks = pick(rng, 4) + 1;
            let owner = owners[pick(rng, owners.len() as u64) as usize];
            let client_now = Instant::from_ticks(tick + pick(rng, 3) as i64 - 1);
            let expiry = match family {
                Family::Seed | Family::Unique => Expiry::Never,
                Family::ClientClock => Expiry::ClientClock {
                    expires_at: client_now.after(ttl_ticks),
                    client_now,
                },
                Family::DbClock { .. }
                | Family::CheckThenInsert
                | Family::CasOwner
                | Family::RepeatableRead => Expiry::DbClock { ttl_ticks },
            };
            let fenced = matches!(family, Family::DbClock { fenced: true });
            let node = NodeId(pick(rng, 2) as u8 + 1);
            let cmd = match (family, pick(rng, 6)) {
                (Family::Seed, 0) => Stmt::InsertNode {
                    node,
                    expire_time: client_now.after(ttl_ticks),
                },
                (Family::Seed, 1) => Stmt::SelectNode { node },
                (Family::Seed, _) => Stmt::DeleteNode { node },
                (Family::CheckThenInsert, 0 | 1) => Stmt::InsertClaim { owner, ttl_ticks },
                (Family::CheckThenInsert, 2 | 3) => Stmt::AnyLive,
                (Family::CheckThenInsert, _) => Stmt::DeleteClaim { owner },
                (Family::CasOwner, 0 | 1) => Stmt::Insert {
                    owner,
                    expiry,
                    fenced,
                },
                (Family::CasOwner, 2) => Stmt::Delete { owner },
                (Family::CasOwner, 3) => Stmt::SelectOwner { expiry },
                (Family::RepeatableRead, 0) => Stmt::Insert {
                    owner,
                    expiry,
                    fenced,
                },
                (Family::RepeatableRead, 1) => Stmt::Delete { owner },
                (Family::RepeatableRead, 2 | 3) => Stmt::SelectSnapshot {
                    client: node,
                    expiry,
                },
                (Family::RepeatableRead, _) => Stmt::UpdateSnapshot {
                    client: node,
                    owner,
                    expiry,
                },
                (Family::CasOwner, _) => Stmt::UpdateIfOwner {
                    expected: owners[pick(rng, owners.len() as u64) as usize],
                    owner,
                    expiry,
                },
                (_, 0) => Stmt::Insert {
                    owner,
                    expiry,
                    fenced,
                },
                (Family::Unique, 1) | (_, 2) => Stmt::Delete { owner },
                (_, 3) => Stmt::DeleteAny,
                (_, 4) => Stmt::SelectExpired { expiry },
                (_, 5) => Stmt::Update { owner, expiry },
                (_, _) => Stmt::TakeOver {
                    owner,
                    expiry,
                    fenced,
                },
            };
            Op { wait_ticks, cmd }
        })
        .collect()
}

/// Runs `sequences` random sequences of `len` statements of `family`'s
/// kind (seeded by `seed`) against a fresh copy of `model` and against the
/// PostgreSQL `server` (see [`conformance::run`]).
pub fn conformance<M: Execute<Stmt, Reply>>(
    server: &LocalServer,
    model: &M,
    family: Family,
    timing: Timing,
    seed: u64,
    sequences: usize,
    len: usize,
) -> Result<Result<Agreement, Disagreement<Stmt, Reply>>, Unavailable> {
    let mut target = Postgres::connect(server)?;
    conformance::run(&mut target, model, timing, seed, sequences, |rng| {
        random_stmts(rng, family, len)
    })
}
