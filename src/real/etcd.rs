//! The etcd locks' server against a real etcd.
//!
//! [`Etcd`] runs the requests of `models::etcd_lock` ([`Msg`]) on a
//! single-member etcd, as `concurrency.Mutex` and `concurrency.Session`
//! make them, through etcd's JSON gateway (`/v3/...`), one client per
//! model client. [`EtcdModel`] runs the same requests on the model's
//! server ([`EtcdServer`]).
//!
//! **Each request, as the Go client makes it.**
//! - `Grant`: `LeaseGrant` with the lease id the model names (etcd lets a
//!   client choose it). Every lease the sequence grants is kept alive in
//!   the background (as the client library does) until it is revoked or
//!   the sequence expires it.
//! - `KeepAlive`: one `LeaseKeepAlive`; the model answers only a lease
//!   that is gone (`TTL` 0).
//! - `Lock`: `tryAcquire`'s transaction, `if create_revision(myKey) == 0
//!   then put(myKey, lease), get(prefix, first created) else get(myKey),
//!   get(prefix, first created)`; a put on a lease that is gone fails
//!   (`requested lease not found`).
//! - `WaitDeletes`: `get(prefix, last created, max create revision =
//!   my_rev - 1)`, and a watch on the deletion of the key it finds, from
//!   the revision of that read; none found: `get(myKey)`.
//! - `Unlock`: `delete(myKey)`. `Revoke`: `LeaseRevoke`.
//!
//! **What is compared.** Every answer, and the watch events a command
//! fires (which client learns that which key was deleted). After each
//! command every open watch is settled: its key is read, and a watch whose
//! key is gone must have delivered its event.
//!
//! **Revisions renumbered.** etcd's store revision starts at 1 and goes on
//! across sequences; the model's starts at 0. Both sides number the
//! revisions they answer with in the order first seen (from 1), and a side
//! whose new revision is not above every earlier one answers an error. A
//! command names a revision by that number (one not seen yet stands for
//! a revision above all).
//!
//! **Time.** No request reads a clock; only lease expiry does, on etcd's
//! monotonic clock, in real time. [`EtcdCmd::Expire`] stops keeping the
//! lease alive and waits until etcd has revoked it (a lease lives at least
//! [`LEASE_TTL_S`]); the model revokes it at once.
//!
//! **Not compared.** A grant of a lease id that is already taken (the
//! model's client sends its grant again under the same id after a lost
//! answer, and the model takes it as a new lease; etcd refuses it). The
//! sequences grant every id once.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::Rng;
use serde_json::{Value, json};

use super::conformance::{self, Agreement, Disagreement, Execute, RealServer, Timing};
use super::{FakeClock, LocalServer, Unavailable};
use crate::models::etcd_lock::{EtcdLock, EtcdServer, LeaseId, Msg, Use};
use crate::node::{Command, Ctx, FenceToken, Instant, LockModel, NodeId, Out};

/// A revision number that stands for a revision above every one seen (a
/// command that names one not seen yet).
const ABOVE_ALL: FenceToken = FenceToken::from_number(u32::MAX as u64);

/// The clients of a sequence: the model's client nodes 1, 2, 3 (`c1`,
/// `c2`, `c3`); node 0 is the server.
pub const CLIENTS: u8 = 3;

/// The TTL of every real lease of a conformance sequence, in seconds:
/// etcd's least (with the election timeout [`LocalServer::etcd`] sets), so
/// that waiting for an expiry costs about a second.
pub const LEASE_TTL_S: u64 = 1;

/// The TTL of every real lease of a replayed trace, in seconds: the
/// trace's own `ttl_ticks` does not matter (the trace decides when a lease
/// expires, and the replay lets it lapse until etcd has revoked it), and
/// two seconds leave room for four replays at once on a loaded machine.
pub const REPLAY_LEASE_TTL_S: u64 = 2;

/// How often the background keeper sends a keep-alive for every live
/// lease: five times per TTL, so a loaded machine does not let one lapse.
const KEEP_ALIVE_EVERY: Duration = Duration::from_millis(200);

/// The lock's prefix; a client's key is the prefix and its lease id in
/// hexadecimal, as `concurrency.Mutex` names it.
const PREFIX: &str = "/lockcheck/lock/";

/// How long a deleted key's watch event may take to arrive.
const EVENT_WAIT: Duration = Duration::from_secs(10);

/// One step of a sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EtcdCmd {
    /// Client `client` sends the request `msg`, whose revisions are
    /// numbered as the sequence numbers them.
    Request { client: u8, msg: Msg },
    /// The lease is no longer kept alive, until the server revokes it.
    Expire { lease: LeaseId },
}

fn lease_name(lease: LeaseId) -> String {
    format!("c{}.{}", lease.client.0, lease.n)
}

impl std::fmt::Display for EtcdCmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EtcdCmd::Request { client, msg } => {
                write!(f, "c{client}: ")?;
                match msg {
                    Msg::Grant { lease } => write!(f, "LeaseGrant {}", lease_name(*lease)),
                    Msg::KeepAlive { lease } => write!(f, "LeaseKeepAlive {}", lease_name(*lease)),
                    Msg::Lock { lease } => write!(f, "Lock with {}", lease_name(*lease)),
                    Msg::WaitDeletes { lease, my_rev } => write!(
                        f,
                        "WaitDeletes with {} below rev#{my_rev}",
                        lease_name(*lease)
                    ),
                    Msg::Unlock { lease } => write!(f, "Unlock with {}", lease_name(*lease)),
                    Msg::Revoke { lease } => write!(f, "LeaseRevoke {}", lease_name(*lease)),
                    other => write!(f, "{other:?}"),
                }
            }
            EtcdCmd::Expire { lease } => {
                write!(f, "lease {} lapses until it expires", lease_name(*lease))
            }
        }
    }
}

/// A command's answer to its client (none for a keep-alive of a live
/// lease, a watch set, a revoke or an expiry), and the watch events it
/// fired: the client told, and the numbered create revision of the
/// deleted key, sorted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtcdReply {
    pub answer: Option<Msg>,
    pub events: Vec<(u8, FenceToken)>,
}

impl std::fmt::Display for EtcdReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.answer {
            None => f.write_str("no answer")?,
            Some(Msg::Locked { my_rev, owner_rev }) => {
                write!(f, "locked: mine rev#{my_rev}, owner rev#{owner_rev}")?
            }
            Some(Msg::Granted { lease }) => write!(f, "granted {}", lease_name(*lease))?,
            Some(Msg::LeaseGone { lease }) => write!(f, "lease {} not found", lease_name(*lease))?,
            Some(Msg::NoneBefore { mine: true }) => f.write_str("none before; mine is there")?,
            Some(Msg::NoneBefore { mine: false }) => f.write_str("none before; mine is gone")?,
            Some(Msg::Unlocked) => f.write_str("deleted")?,
            Some(other) => write!(f, "{other:?}")?,
        }
        for (client, rev) in &self.events {
            write!(f, "; c{client} told rev#{rev} is deleted")?;
        }
        Ok(())
    }
}

/// Revisions numbered in the order first seen, from 1.
#[derive(Clone, Debug, Default)]
struct Revisions {
    seen: Vec<i64>,
}

impl Revisions {
    /// The number of revision `own`; a new one must be above every
    /// revision seen before.
    fn number(&mut self, own: i64) -> Result<FenceToken, String> {
        if let Some(i) = self.seen.iter().position(|r| *r == own) {
            return Ok(FenceToken::from_number(i as u64 + 1));
        }
        if let Some(above) = self.seen.iter().find(|r| **r > own) {
            return Err(format!(
                "revision {own} is new, yet below revision {above} seen before"
            ));
        }
        self.seen.push(own);
        Ok(FenceToken::from_number(self.seen.len() as u64))
    }

    /// The revision numbered `number`, if seen.
    fn own(&self, number: FenceToken) -> Option<i64> {
        self.seen
            .get((number.number() as usize).wrapping_sub(1))
            .copied()
    }
}

/// The server's context: one server, [`CLIENTS`] clients, both clocks
/// reading `mono_ticks`.
fn server_ctx(mono_ticks: i64) -> Ctx {
    Ctx {
        id: NodeId(0),
        wall_ticks: mono_ticks,
        mono_ticks,
        server_count: 1,
        client_count: CLIENTS as usize,
        conn: None,
        process_nonce: None,
    }
}

/// The model's server: `EtcdLock::server_on_msg` on an [`EtcdServer`].
///
/// Its clock reads the instant each command runs at: 0 for good in a
/// conformance sequence (whose commands do not wait), where a lease
/// expires only by [`EtcdCmd::Expire`]; the trace's reading in a replay,
/// where leases expire as in the trace.
#[derive(Clone, Debug)]
pub struct EtcdModel {
    pub lock: EtcdLock,
    pub server: EtcdServer,
    revisions: Revisions,
}

impl Default for EtcdModel {
    fn default() -> Self {
        EtcdModel::new()
    }
}

impl EtcdModel {
    /// A fresh server, as `server_init` makes one.
    pub fn new() -> EtcdModel {
        EtcdModel::of(EtcdLock {
            usage: Use::Fenced,
            ttl_ticks: 6,
            keep_alive_ticks: 2,
            unlock_deadline_ticks: None,
            retry_ticks: 0,
        })
    }

    /// A fresh server of `lock`'s, its clock at 0.
    pub fn of(lock: EtcdLock) -> EtcdModel {
        let server = lock.server_init(&server_ctx(0), None);
        EtcdModel {
            lock,
            server,
            revisions: Revisions::default(),
        }
    }

    /// The server restarted at `mono_ticks` on its monotonic clock, as
    /// `server_init` brings it back: its data, every lease with a full TTL,
    /// no watches.
    pub fn restart(&mut self, mono_ticks: i64) {
        self.server = self
            .lock
            .server_init(&server_ctx(mono_ticks), Some(&self.server.data));
    }

    /// The leases whose time has come at `now`: the server revokes them
    /// when it next handles a request.
    pub fn due(&self, now: Instant) -> Vec<LeaseId> {
        self.server
            .expires_at
            .iter()
            .filter(|(_, at)| at.has_come(now))
            .map(|(lease, _)| *lease)
            .collect()
    }

    /// A request of the model's own (a trace's, whose revisions are this
    /// model's when it runs the same requests) as a command names it.
    pub fn numbered(&self, msg: Msg) -> Msg {
        match msg {
            Msg::WaitDeletes { lease, my_rev } => Msg::WaitDeletes {
                lease,
                my_rev: self
                    .revisions
                    .seen
                    .iter()
                    .position(|r| *r == my_rev.number() as i64)
                    .map_or(ABOVE_ALL, |i| FenceToken::from_number(i as u64 + 1)),
            },
            other => other,
        }
    }

    /// A command's request with the model's own revisions.
    fn own_msg(&self, msg: &Msg) -> Msg {
        match *msg {
            Msg::WaitDeletes { lease, my_rev } => Msg::WaitDeletes {
                lease,
                my_rev: self
                    .revisions
                    .own(my_rev)
                    .map_or(ABOVE_ALL, |r| FenceToken::from_number(r as u64)),
            },
            ref other => other.clone(),
        }
    }

    fn number(&mut self, rev: FenceToken) -> FenceToken {
        // A model that numbers out of order answers with revision 0,
        // which no real answer has.
        self.revisions
            .number(rev.number() as i64)
            .unwrap_or(FenceToken::ZERO)
    }

    fn reply(&mut self, out: Out<EtcdLock>, requester: Option<u8>) -> EtcdReply {
        let mut answer = None;
        let mut events = Vec::new();
        for command in out.commands {
            let Command::Send(dst, msg) = command else {
                continue;
            };
            match msg {
                Msg::Deleted { rev } => events.push((dst.0, self.number(rev))),
                Msg::Locked { my_rev, owner_rev } if Some(dst.0) == requester => {
                    let owner_rev = self.number(owner_rev);
                    let my_rev = self.number(my_rev);
                    answer = Some(Msg::Locked { my_rev, owner_rev });
                }
                other if Some(dst.0) == requester => answer = Some(other),
                _ => {}
            }
        }
        events.sort_unstable();
        EtcdReply { answer, events }
    }
}

impl Execute<EtcdCmd, EtcdReply> for EtcdModel {
    fn execute(&mut self, now: Instant, cmd: &EtcdCmd) -> EtcdReply {
        let mut out = Out::default();
        let ctx = server_ctx(now.ticks());
        let requester = match cmd {
            EtcdCmd::Request { client, msg } => {
                let msg = self.own_msg(msg);
                self.lock
                    .server_on_msg(&ctx, &mut self.server, NodeId(*client), msg, &mut out);
                Some(*client)
            }
            EtcdCmd::Expire { lease } => {
                if let Some(at) = self.server.expires_at.get_mut(lease) {
                    *at = ctx.mono();
                }
                self.lock.expire(&ctx, &mut self.server, &mut out);
                None
            }
        };
        self.reply(out, requester)
    }
}

/// Sends a keep-alive for every lease in `live` every
/// [`KEEP_ALIVE_EVERY`], until dropped.
struct Keeper {
    live: Arc<Mutex<BTreeSet<i64>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Keeper {
    fn start(agent: ureq::Agent, base: String) -> Keeper {
        let live: Arc<Mutex<BTreeSet<i64>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (live, stop) = (Arc::clone(&live), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let ids: Vec<i64> = live
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .iter()
                        .copied()
                        .collect();
                    for id in ids {
                        let _ = call(&agent, &base, "/v3/lease/keepalive", json!({ "ID": id }));
                    }
                    std::thread::sleep(KEEP_ALIVE_EVERY);
                }
            })
        };
        Keeper {
            live,
            stop,
            thread: Some(thread),
        }
    }

    fn set(&self) -> std::sync::MutexGuard<'_, BTreeSet<i64>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An answer of etcd's: its JSON, or its error (gRPC code and message).
type Answer = Result<Value, (i64, String)>;

/// POSTs `body` to the gateway's `path`.
fn call(agent: &ureq::Agent, base: &str, path: &str, body: Value) -> Result<Answer, String> {
    let mut response = agent
        .post(format!("{base}{path}"))
        .send_json(body)
        .map_err(|e| format!("{path}: {e}"))?;
    let value: Value = response
        .body_mut()
        .read_json()
        .map_err(|e| format!("{path}: not JSON: {e}"))?;
    Ok(match value.get("error") {
        Some(error) => Err((
            value.get("code").and_then(Value::as_i64).unwrap_or(-1),
            error.as_str().unwrap_or("?").to_string(),
        )),
        None => Ok(value),
    })
}

/// Waits until the etcd at `base` has a leader and serves (its `/health`
/// says so), for at most ten seconds.
fn healthy(agent: &ureq::Agent, base: &str) -> Result<(), String> {
    let mut last = String::new();
    for _ in 0..200 {
        match agent.get(format!("{base}/health")).call() {
            Ok(mut response) => {
                let text = response.body_mut().read_to_string().unwrap_or_default();
                if text.contains("\"true\"") {
                    return Ok(());
                }
                last = text;
            }
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!(
        "etcd at {} did not become healthy within 10 s: {last}",
        super::remote::redacted(base)
    ))
}

/// An int64 of the gateway's JSON (a string; absent when 0).
fn int(value: &Value) -> i64 {
    match value {
        Value::String(s) => s.parse().unwrap_or(0),
        Value::Number(n) => n.as_i64().unwrap_or(0),
        _ => 0,
    }
}

fn base64(s: &str) -> String {
    BASE64.encode(s.as_bytes())
}

/// The end of the range of keys under `prefix`.
fn prefix_end(prefix: &str) -> String {
    let mut bytes = prefix.as_bytes().to_vec();
    let last = bytes.last_mut().expect("a prefix");
    *last += 1;
    String::from_utf8(bytes).expect("ASCII")
}

/// A watch that one client has set on the deletion of one key.
struct Watch {
    client: u8,
    key: String,
    create_rev: i64,
    deleted: Receiver<()>,
}

/// A real etcd, with one client per model client.
pub struct Etcd<'a> {
    /// The etcd lockcheck started, or none for one the user runs.
    server: Option<&'a LocalServer>,
    base: String,
    agent: ureq::Agent,
    revisions: Revisions,
    /// The sequence's serial: the lease ids of two sequences never meet.
    sequence: i64,
    lease_ttl_s: u64,
    /// The real lease of each model lease granted again (see
    /// [`Etcd::request`]'s `Grant`); the others' ids are
    /// [`Etcd::first_id`].
    regranted: BTreeMap<LeaseId, i64>,
    keeper: Keeper,
    /// Every lease the sequence granted.
    granted: Vec<i64>,
    watches: Vec<Watch>,
    version: Option<String>,
}

impl<'a> Etcd<'a> {
    /// Waits until the server has a leader and serves. Leases are granted
    /// for `lease_ttl_s` seconds.
    pub fn connect(server: &'a LocalServer, lease_ttl_s: u64) -> Result<Etcd<'a>, Unavailable> {
        let base = format!("http://127.0.0.1:{}", server.port);
        Etcd::connect_to(Some(server), base, lease_ttl_s)
    }

    /// [`Etcd::connect`] to an etcd the user runs, whose client URL is
    /// `base` (`http://host:port`).
    ///
    /// Its lease ids start from a serial taken from the machine's clock,
    /// so that they do not meet those of an earlier replay on the same
    /// etcd, which may still be alive (a lease outlives its client by its
    /// TTL). They never show: a replay names leases as the model does.
    pub fn connect_url(base: &str, lease_ttl_s: u64) -> Result<Etcd<'static>, Unavailable> {
        let mut etcd = Etcd::connect_to(None, base.trim_end_matches('/').to_string(), lease_ttl_s)?;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        // 40 bits of milliseconds, shifted by 20 in an id: below 2^60.
        etcd.sequence = (now_ms & ((1 << 40) - 1)) as i64;
        Ok(etcd)
    }

    fn connect_to(
        server: Option<&'a LocalServer>,
        base: String,
        lease_ttl_s: u64,
    ) -> Result<Etcd<'a>, Unavailable> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .build()
            .into();
        healthy(&agent, &base).map_err(Unavailable)?;
        let keeper = Keeper::start(agent.clone(), base.clone());
        Ok(Etcd {
            server,
            base,
            agent,
            revisions: Revisions::default(),
            sequence: 1,
            lease_ttl_s,
            regranted: BTreeMap::new(),
            keeper,
            granted: Vec::new(),
            watches: Vec::new(),
            version: None,
        })
    }

    /// Kills the etcd lockcheck started, as a crash would. Its watch
    /// streams break with it (their threads end), as the model's server
    /// forgets its watches; the lease keeper keeps trying.
    fn crash_server(&mut self) -> Result<(), String> {
        let server = self
            .server
            .ok_or("an etcd the user runs is not crashed by a replay")?;
        server.crash();
        self.watches.clear();
        Ok(())
    }

    /// Starts the crashed etcd again, which reads its keys, leases and
    /// revision back from its log and gives every lease a full TTL, and
    /// waits until it serves.
    fn restart_server(&self) -> Result<(), String> {
        let server = self
            .server
            .ok_or("an etcd the user runs is not restarted by a replay")?;
        server.restart().map_err(|e| e.0)?;
        healthy(&self.agent, &self.base)
    }

    fn call(&self, path: &str, body: Value) -> Result<Answer, String> {
        call(&self.agent, &self.base, path, body)
    }

    /// The real id of `lease`.
    fn id(&self, lease: LeaseId) -> i64 {
        match self.regranted.get(&lease) {
            Some(id) => *id,
            None => self.first_id(lease),
        }
    }

    /// The id `lease` is first granted under.
    fn first_id(&self, lease: LeaseId) -> i64 {
        (self.sequence << 20) | ((lease.client.0 as i64) << 10) | (lease.n as i64 + 1)
    }

    fn key(&self, lease: LeaseId) -> String {
        format!("{PREFIX}{:x}", self.id(lease))
    }

    fn number(&mut self, rev: i64) -> Result<FenceToken, String> {
        self.revisions.number(rev)
    }

    /// A range request for one key under the prefix: the first by create
    /// revision in `order` (`ASCEND`: `WithFirstCreate`, `DESCEND`:
    /// `WithLastCreate`), among those created at or below
    /// `max_create_rev`.
    fn first_under_prefix(&self, order: &str, max_create_rev: Option<i64>) -> Value {
        let mut range = json!({
            "key": base64(PREFIX),
            "range_end": base64(&prefix_end(PREFIX)),
            "sort_order": order,
            "sort_target": "CREATE",
            "limit": "1",
        });
        if let Some(max) = max_create_rev {
            range["max_create_revision"] = json!(max.to_string());
        }
        range
    }

    fn request(&mut self, client: u8, msg: &Msg) -> Result<Option<Msg>, String> {
        let ok = |answer: Answer, what: &str| {
            answer.map_err(|(code, message)| format!("{what}: error {code}: {message}"))
        };
        Ok(match *msg {
            Msg::Grant { lease } => {
                let first = self.first_id(lease);
                let id = if self.granted.contains(&self.id(lease)) {
                    // Granted before, and its answer lost: the model's
                    // client asks again under the same id, which stands
                    // for the new session the application opens. The real
                    // one gets a new lease, and the first lapses: its
                    // client never learnt of it (it holds no key).
                    self.keeper.set().remove(&self.id(lease));
                    let id = first + ((self.granted.len() as i64) << 40);
                    self.regranted.insert(lease, id);
                    id
                } else {
                    first
                };
                let body = json!({ "TTL": self.lease_ttl_s, "ID": id });
                ok(self.call("/v3/lease/grant", body)?, "LeaseGrant")?;
                self.granted.push(id);
                self.keeper.set().insert(id);
                Some(Msg::Granted { lease })
            }
            Msg::KeepAlive { lease } => {
                let answer = ok(
                    self.call("/v3/lease/keepalive", json!({ "ID": self.id(lease) }))?,
                    "LeaseKeepAlive",
                )?;
                (int(&answer["result"]["TTL"]) <= 0).then_some(Msg::LeaseGone { lease })
            }
            Msg::Lock { lease } => {
                let key = base64(&self.key(lease));
                let owner = self.first_under_prefix("ASCEND", None);
                let body = json!({
                    "compare": [{
                        "target": "CREATE", "key": key,
                        "create_revision": "0", "result": "EQUAL",
                    }],
                    "success": [
                        { "request_put": { "key": key, "value": "", "lease": self.id(lease) } },
                        { "request_range": owner },
                    ],
                    "failure": [
                        { "request_range": { "key": key } },
                        { "request_range": owner },
                    ],
                });
                let answer = match self.call("/v3/kv/txn", body)? {
                    Ok(answer) => answer,
                    // `requested lease not found`.
                    Err((5, _)) => return Ok(Some(Msg::LeaseGone { lease })),
                    Err((code, message)) => return Err(format!("Txn: error {code}: {message}")),
                };
                let responses = &answer["responses"];
                let my_rev = if answer["succeeded"].as_bool() == Some(true) {
                    int(&answer["header"]["revision"])
                } else {
                    int(&responses[0]["response_range"]["kvs"][0]["create_revision"])
                };
                let owner_rev = match &responses[1]["response_range"]["kvs"][0] {
                    Value::Null => my_rev,
                    kv => int(&kv["create_revision"]),
                };
                let owner_rev = self.number(owner_rev)?;
                let my_rev = self.number(my_rev)?;
                Some(Msg::Locked { my_rev, owner_rev })
            }
            Msg::WaitDeletes { lease, my_rev } => {
                let below = self.revisions.own(my_rev).unwrap_or(i64::MAX);
                let range = self.first_under_prefix("DESCEND", Some(below - 1));
                let answer = ok(self.call("/v3/kv/range", range)?, "Range")?;
                let kv = &answer["kvs"][0];
                if kv.is_null() {
                    let mine = ok(
                        self.call("/v3/kv/range", json!({ "key": base64(&self.key(lease)) }))?,
                        "Range",
                    )?;
                    return Ok(Some(Msg::NoneBefore {
                        mine: !mine["kvs"][0].is_null(),
                    }));
                }
                let key = BASE64
                    .decode(kv["key"].as_str().unwrap_or_default())
                    .ok()
                    .and_then(|k| String::from_utf8(k).ok())
                    .ok_or("Range: a key that is not base64 of UTF-8")?;
                let create_rev = int(&kv["create_revision"]);
                // A client waits on one key at a time; the model keeps one
                // watch per client and key.
                if !self
                    .watches
                    .iter()
                    .any(|w| w.client == client && w.create_rev == create_rev)
                {
                    let from = int(&answer["header"]["revision"]) + 1;
                    let deleted = self.watch(&key, from);
                    self.watches.push(Watch {
                        client,
                        key,
                        create_rev,
                        deleted,
                    });
                }
                None
            }
            Msg::Unlock { lease } => {
                let body = json!({ "key": base64(&self.key(lease)) });
                ok(self.call("/v3/kv/deleterange", body)?, "DeleteRange")?;
                Some(Msg::Unlocked)
            }
            Msg::Revoke { lease } => {
                let id = self.id(lease);
                self.keeper.set().remove(&id);
                match self.call("/v3/lease/revoke", json!({ "ID": id }))? {
                    Ok(_) | Err((5, _)) => None,
                    Err((code, message)) => {
                        return Err(format!("LeaseRevoke: error {code}: {message}"));
                    }
                }
            }
            ref other => return Err(format!("{other:?} is not a request")),
        })
    }

    /// A watch on the deletion of `key` from revision `from`: the receiver
    /// hears once when it is deleted. Its thread ends then, or when its
    /// stream times out.
    fn watch(&self, key: &str, from: i64) -> Receiver<()> {
        let (tx, rx) = std::sync::mpsc::channel();
        let request = self
            .agent
            .post(format!("{}/v3/watch", self.base))
            .config()
            .timeout_global(Some(Duration::from_secs(120)))
            .build();
        let body = json!({ "create_request": {
            "key": base64(key),
            "start_revision": from.to_string(),
            "filters": ["NOPUT"],
        }});
        std::thread::spawn(move || {
            let Ok(response) = request.send_json(body) else {
                return;
            };
            let lines = std::io::BufReader::new(response.into_body().into_reader()).lines();
            for line in lines {
                let Ok(line) = line else { return };
                let Ok(value) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                let deleted = value["result"]["events"]
                    .as_array()
                    .is_some_and(|events| events.iter().any(|e| e["type"] == "DELETE"));
                if deleted {
                    let _ = tx.send(());
                    return;
                }
            }
        });
        rx
    }

    /// Stops keeping `lease` alive and waits until etcd has revoked it.
    fn expire(&mut self, lease: LeaseId) -> Result<(), String> {
        let id = self.id(lease);
        if !self.keeper.set().remove(&id) {
            // Never granted, revoked, or expired already.
            return Ok(());
        }
        for _ in 0..400 {
            let answer = self.call("/v3/lease/timetolive", json!({ "ID": id }))?;
            match answer {
                Ok(answer) if int(&answer["TTL"]) < 0 => return Ok(()),
                Ok(_) => std::thread::sleep(Duration::from_millis(50)),
                Err((code, message)) => {
                    return Err(format!("LeaseTimeToLive: error {code}: {message}"));
                }
            }
        }
        Err(format!(
            "lease {} did not expire within 20 s",
            lease_name(lease)
        ))
    }

    /// The events of the open watches whose keys are gone; each must have
    /// arrived. A watch whose key is still there stays open.
    fn events(&mut self) -> Result<Vec<(u8, FenceToken)>, String> {
        let mut events = Vec::new();
        for watch in std::mem::take(&mut self.watches) {
            let answer = self
                .call("/v3/kv/range", json!({ "key": base64(&watch.key) }))?
                .map_err(|(code, message)| format!("Range: error {code}: {message}"))?;
            let there = int(&answer["kvs"][0]["create_revision"]) == watch.create_rev;
            // An event heard while the key is there is compared too.
            let heard = watch.deleted.try_recv().is_ok();
            if there && !heard {
                self.watches.push(watch);
                continue;
            }
            if !heard {
                match watch.deleted.recv_timeout(EVENT_WAIT) {
                    Ok(()) => {}
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                        return Err(format!(
                            "c{}'s watch on {} heard no deletion within {} s",
                            watch.client,
                            watch.key,
                            EVENT_WAIT.as_secs()
                        ));
                    }
                }
            }
            events.push((watch.client, self.number(watch.create_rev)?));
        }
        events.sort_unstable();
        Ok(events)
    }
}

impl RealServer for Etcd<'_> {
    type Cmd = EtcdCmd;
    type Reply = EtcdReply;

    /// Revokes the sequence's leases, deletes the keys left under the
    /// prefix and drops the watches.
    fn clear(&mut self, _start_ms: u64) -> Result<(), Unavailable> {
        let fail = |e: String| Unavailable(format!("cannot empty etcd: {e}"));
        self.keeper.set().clear();
        for id in std::mem::take(&mut self.granted) {
            match self
                .call("/v3/lease/revoke", json!({ "ID": id }))
                .map_err(fail)?
            {
                Ok(_) | Err((5, _)) => {}
                Err((code, message)) => return Err(fail(format!("error {code}: {message}"))),
            }
        }
        let everything = json!({
            "key": base64(PREFIX),
            "range_end": base64(&prefix_end(PREFIX)),
        });
        if let Err((code, message)) = self.call("/v3/kv/deleterange", everything).map_err(fail)? {
            return Err(fail(format!("error {code}: {message}")));
        }
        self.watches.clear();
        self.regranted.clear();
        self.revisions = Revisions::default();
        self.sequence += 1;
        Ok(())
    }

    fn clock(&self) -> &FakeClock {
        &self
            .server
            .expect("conformance runs on an etcd lockcheck started")
            .clock
    }

    fn run(&mut self, cmd: &EtcdCmd) -> Result<EtcdReply, String> {
        let answer = match cmd {
            EtcdCmd::Request { client, msg } => self.request(*client, msg)?,
            EtcdCmd::Expire { lease } => {
                self.expire(*lease)?;
                None
            }
        };
        let events = self.events()?;
        Ok(EtcdReply { answer, events })
    }

    fn version(&mut self) -> Result<String, Unavailable> {
        if let Some(version) = &self.version {
            return Ok(version.clone());
        }
        let fail = |e: String| Unavailable(format!("cannot read etcd's version: {e}"));
        let mut response = self
            .agent
            .get(format!("{}/version", self.base))
            .call()
            .map_err(|e| fail(e.to_string()))?;
        let value: Value = response
            .body_mut()
            .read_json()
            .map_err(|e| fail(e.to_string()))?;
        let version = format!("etcd {}", value["etcdserver"].as_str().unwrap_or("?"));
        self.version = Some(version.clone());
        Ok(version)
    }
}

/// A random sequence of `len` commands of [`CLIENTS`] clients, each
/// granting its leases one after another; with `expiries`, about one in
/// fifty lets a lease expire.
pub fn random_cmds(
    rng: &mut ChaCha8Rng,
    len: usize,
    expiries: bool,
) -> Vec<conformance::Op<EtcdCmd>> {
    let pick = |rng: &mut ChaCha8Rng, n: u64| rng.next_u64() % n;
    let mut granted = [0u8; CLIENTS as usize];
    (0..len)
        .map(|_| {
            let client = pick(rng, CLIENTS as u64) as u8 + 1;
            let ci = client as usize - 1;
            // Mostly its last lease (the current session), sometimes an
            // earlier one or, before any, one never granted.
            let n = match granted[ci] {
                0 => 0,
                g if pick(rng, 4) == 0 => pick(rng, g as u64) as u8,
                g => g - 1,
            };
            let lease = LeaseId {
                client: NodeId(client),
                n,
            };
            let request = |msg| EtcdCmd::Request { client, msg };
            let cmd = match pick(rng, if expiries { 100 } else { 98 }) {
                0..=14 => {
                    let lease = LeaseId {
                        client: NodeId(client),
                        n: granted[ci],
                    };
                    granted[ci] = granted[ci].wrapping_add(1);
                    request(Msg::Grant { lease })
                }
                15..=24 => request(Msg::KeepAlive { lease }),
                25..=54 => request(Msg::Lock { lease }),
                55..=77 => request(Msg::WaitDeletes {
                    lease,
                    my_rev: FenceToken::from_number(pick(rng, 8) + 1),
                }),
                78..=92 => request(Msg::Unlock { lease }),
                93..=97 => request(Msg::Revoke { lease }),
                _ => EtcdCmd::Expire { lease },
            };
            conformance::Op { wait_ticks: 0, cmd }
        })
        .collect()
}

/// Runs `sequences` random sequences of `len` commands (seeded by `seed`)
/// against `model` and against etcd `server`.
pub fn conformance<M: Execute<EtcdCmd, EtcdReply>>(
    server: &LocalServer,
    model: &M,
    expiries: bool,
    seed: u64,
    sequences: usize,
    len: usize,
) -> Result<Result<Agreement, Disagreement<EtcdCmd, EtcdReply>>, Unavailable> {
    let mut target = Etcd::connect(server, LEASE_TTL_S)?;
    conformance::run(
        &mut target,
        model,
        Timing::SameInstant,
        seed,
        sequences,
        |rng| random_cmds(rng, len, expiries),
    )
}

/// `replay TRACE --against etcd`: the requests of an etcd lock's trace on
/// an etcd started for it.
///
/// Every request the trace delivers to its server runs, at the step that
/// delivers it, from that client on the real etcd, and every answer and
/// watch event is compared with the model's server's (through
/// [`EtcdModel`], whose clock reads the trace's, and revisions renumbered
/// as the conformance test renumbers them). Every lease lives on (kept
/// alive in the background, as the client library keeps it) until the
/// trace's server finds it expired, at the next request it handles; the
/// replay then lets it lapse and waits until the real etcd has revoked it,
/// before it sends that request. A grant the trace's client sends again
/// after a lost answer gets a new real lease (see [`Etcd`]). A crash kills
/// the real etcd and a restart starts it again on its own log, which gives
/// it its keys, leases and revision back and every lease a full TTL, as
/// the model's server does. Refused (bad input): more than [`CLIENTS`]
/// clients.
pub fn replay_trace(
    trace: &crate::trace::TraceFile,
) -> Result<super::replay::TraceOnServer, super::replay::CannotReplay> {
    replay_trace_on(trace, None)
}

/// [`replay_trace`] on the etcd the user runs at `url` (`http://host:port`
/// or `etcd://host:port`), or on one started for it. Nothing in it depends
/// on the trace's clocks but the leases' expiry, which the real etcd times
/// itself, so the replay is the same; it uses only keys under
/// `/lockcheck/lock/`, which it deletes first, and the leases it grants.
pub fn replay_trace_on(
    trace: &crate::trace::TraceFile,
    url: Option<&str>,
) -> Result<super::replay::TraceOnServer, super::replay::CannotReplay> {
    use super::replay::{self, CannotReplay, TraceCommand, TraceOnServer};
    let refused = CannotReplay::Refused;
    let unavailable = CannotReplay::Unavailable;
    let clients = replay::one_server_clients(trace, "etcd", CLIENTS)?;
    if let Some(why) = url.and_then(|_| super::remote::crashes_a_server(trace, 1)) {
        return Err(refused(why));
    }
    let lock = EtcdLock::new(&trace.model, &trace.scenario.params).map_err(refused)?;
    let server;
    let mut real = match url {
        Some(url) => {
            let base = match url.split_once("://") {
                Some(("etcd", rest)) => format!("http://{rest}"),
                _ => url.to_string(),
            };
            Etcd::connect_url(&base, REPLAY_LEASE_TTL_S).map_err(unavailable)?
        }
        None => {
            server = LocalServer::etcd().map_err(unavailable)?;
            Etcd::connect(&server, REPLAY_LEASE_TTL_S).map_err(unavailable)?
        }
    };
    real.clear(0).map_err(unavailable)?;
    let server_version = super::remote::version_at(real.version().map_err(unavailable)?, url);
    let mut model = EtcdModel::of(lock);
    let node_name = |n: usize| replay::node_name(trace, n);
    let mut commands: Vec<TraceCommand> = Vec::new();
    let mut server_events = Vec::new();
    for (i, action) in trace.actions.iter().enumerate() {
        let on_server = |key: &str| action.get(key).and_then(|n| n.as_u64()) == Some(0);
        if on_server("crash") {
            real.crash_server()
                .map_err(|e| unavailable(Unavailable(e)))?;
            server_events.push((
                i + 1,
                format!("{} killed (the server crashes)", node_name(0)),
            ));
            continue;
        }
        if on_server("restart") {
            real.restart_server()
                .map_err(|e| unavailable(Unavailable(e)))?;
            model.restart(trace.steps[i].state.clocks[0].mono);
            server_events.push((
                i + 1,
                format!(
                    "{} started again, with what it logged; every lease given a full TTL",
                    node_name(0)
                ),
            ));
            continue;
        }
        let Some((client, msg)) = replay::delivered_to_server::<Msg>(action, i, clients, "etcd")?
        else {
            continue;
        };
        let clock = trace.steps[i].state.clocks[0];
        let now = Instant::from_ticks(clock.mono);
        // Leases the trace's server finds expired as it takes this request.
        let due = model.due(now);
        let cmd = EtcdCmd::Request {
            client,
            msg: model.numbered(msg),
        };
        let mut shown = cmd.to_string();
        for lease in due.iter().rev() {
            shown = format!("lease {} expires; {shown}", lease_name(*lease));
        }
        let expected = model.execute(now, &cmd);
        let mut answer = Ok(());
        for lease in &due {
            answer = answer.and_then(|()| real.expire(*lease));
        }
        let answer = answer.and_then(|()| real.run(&cmd));
        let at = (node_name(0), clock.wall, node_name(client as usize));
        commands.push(TraceCommand::compared(i + 1, at, shown, &expected, answer));
        if !commands.last().expect("just pushed").agrees {
            break;
        }
    }
    if url.is_some() {
        // Leave the user's etcd as it was: the replay's leases revoked and
        // its keys deleted. The verdict stands whatever this answers.
        let _ = real.clear(0);
    }
    Ok(TraceOnServer {
        server_version,
        commands,
        server_events,
        // The protected resource stays the world's.
        counter: None,
        gap_ms: None,
    })
}
