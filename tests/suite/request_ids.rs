//! Request-id renumbering's own properties (`tests/suite/reductions.rs`
//! cross-checks its verdicts with the full search's, cell by cell): models
//! without `node::Requests` are left alone, and, on a sample of states, what the
//! soundness argument in `src/world/request_ids.rs` rests on: a state and
//! its renumbered form have the same successors up to renumbering, servers
//! hold no request ids, the canonical form is what it says, and reading a
//! state's ids finds what visiting them does.

use crate::common;

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use lockcheck::models::db_lock;
use lockcheck::models::db_lock_expiry::DbLockExpiring;
use lockcheck::models::db_server;
use lockcheck::models::file_lock::FileLockStaleBreak;
use lockcheck::models::mq_lock_message_ttl::MqMessageTtl;
use lockcheck::models::mq_lock_visibility_timeout::MqVisibilityTimeout;
use lockcheck::models::redis_failover::RedisFailover;
use lockcheck::models::redis_py_lock::RedisPyLock;
use lockcheck::models::zk_lock_ephemeral::ZkLockEphemeral;
use lockcheck::models::zk_lock_sequential::ZkLockSequential;
use lockcheck::node::{LockModel, NodeId, ReadIds, Rename, RequestId, Symmetry, VisitIds};
use lockcheck::registry;
use lockcheck::scenario::Scenario;
use lockcheck::world::{
    Canonical, Envelope, NEXT_ID, OUTSTANDING_ID, Payload, Reductions, STALE_ID, WorldState,
};
use stateright::Model;

#[test]
fn models_without_requests_are_not_renumbered() {
    let (file, scenario) = common::all_scenarios()
        .into_iter()
        .find(|(f, _)| f.ends_with("tests/scenarios/no-faults-1tick.json"))
        .unwrap();
    for model in ["redlock", "occ_cas", "no_lock"] {
        let entry = registry::find(model).unwrap();
        let reductions = Reductions {
            symmetry: true,
            request_ids: true,
            time_merge: false,
        };
        let report =
            common::check_reduced(&entry, &file, &scenario, reductions, 120_000, None).unwrap();
        assert!(!report.stats.request_ids, "{model}");
    }
}

/// Counts the request ids and `Requests` a value holds.
#[derive(Default)]
struct Count(usize);

impl VisitIds for Count {
    fn id(&mut self, _id: &mut RequestId) {
        self.0 += 1;
    }
    fn requests(&mut self, _outstanding: Option<&mut RequestId>, _next_id: &mut RequestId) {
        self.0 += 1;
    }
}

/// Collects the ids a value holds, and its `Requests`' ids.
#[derive(Default)]
struct Collect {
    ids: Vec<RequestId>,
    requests: Vec<(Option<RequestId>, RequestId)>,
}

impl VisitIds for Collect {
    fn id(&mut self, id: &mut RequestId) {
        self.ids.push(*id);
    }
    fn requests(&mut self, outstanding: Option<&mut RequestId>, next_id: &mut RequestId) {
        self.requests.push((outstanding.map(|id| *id), *next_id));
    }
}

impl ReadIds for Collect {
    fn id(&mut self, id: RequestId) {
        self.ids.push(id);
    }
    fn requests(&mut self, outstanding: Option<RequestId>, next_id: RequestId) {
        self.requests.push((outstanding, next_id));
    }
}

/// Whether every part of `s` hands out the same ids, in the same order,
/// read only (`Rename::read_ids`, which the checker uses to leave a slot
/// that renumbering would not change shared) as when visited
/// (`Rename::visit_ids`, which renumbers).
fn reads_agree<M: LockModel>(sym: &Symmetry<M>, s: &WorldState<M>) {
    let (mut visited, mut read) = (Collect::default(), Collect::default());
    let mut copy = s.clone();
    for slot in &mut copy.servers {
        let slot = &mut **slot;
        if let Some(x) = slot.state.as_mut() {
            (sym.server_ids)(x, &mut visited);
        }
        if let Some(x) = slot.durable.as_mut() {
            (sym.durable_ids)(x, &mut visited);
        }
        for (t, _) in &mut slot.timers {
            (sym.timer_ids)(t, &mut visited);
        }
    }
    for slot in &mut copy.clients {
        let slot = &mut **slot;
        if let Some(x) = slot.proto.as_mut() {
            (sym.client_ids)(x, &mut visited);
        }
        for (t, _) in &mut slot.timers {
            (sym.timer_ids)(t, &mut visited);
        }
    }
    for env in &mut copy.network {
        if let Payload::Lock(m) = &mut env.payload {
            (sym.msg_ids)(m, &mut visited);
        }
    }
    for slot in &s.servers {
        if let Some(x) = &slot.state {
            (sym.read_server_ids)(x, &mut read);
        }
        if let Some(x) = &slot.durable {
            (sym.read_durable_ids)(x, &mut read);
        }
        for (t, _) in &slot.timers {
            (sym.read_timer_ids)(t, &mut read);
        }
    }
    for slot in &s.clients {
        if let Some(x) = &slot.proto {
            (sym.read_client_ids)(x, &mut read);
        }
        for (t, _) in &slot.timers {
            (sym.read_timer_ids)(t, &mut read);
        }
    }
    for env in &s.network {
        if let Payload::Lock(m) = &env.payload {
            (sym.read_msg_ids)(m, &mut read);
        }
    }
    assert!(
        visited.ids == read.ids && visited.requests == read.requests,
        "read_ids and visit_ids disagree on {s:?}"
    );
}

fn renumbering<M: LockModel>(model: M, scenario: &Scenario) -> Canonical<M> {
    crate::common::reduced(
        model,
        scenario,
        Reductions {
            symmetry: false,
            request_ids: true,
            time_merge: false,
        },
    )
}

/// The renumbered forms of `s`'s successors.
fn successor_classes<M: LockModel>(c: &Canonical<M>, s: &WorldState<M>) -> HashSet<WorldState<M>> {
    let mut actions = Vec::new();
    c.world.actions(s, &mut actions);
    actions
        .into_iter()
        .filter_map(|a| c.world.next_state(s, a))
        .map(|t| c.representative(&t))
        .collect()
}

/// On the first `states_max` states of `model`'s full search under
/// `scenario`: the renumbered state's successors, renumbered, are the
/// state's successors, renumbered (the kernel of renumbering is a
/// bisimulation); renumbering a renumbered state changes nothing; every
/// id is in the canonical range; servers hold no request ids. Returns how
/// many states it looked at and how many classes they fall into.
fn check_renumbering<M: LockModel>(model: M, scenario: &str, states_max: usize) -> (usize, usize) {
    let scenario = load(scenario);
    let sym = model.client_symmetry().expect("the model's renaming");
    let c = renumbering(model, &scenario);
    let world = &c.world;
    let mut classes = HashSet::new();
    let seen = crate::common::breadth_first(world.init_states(), states_max, |s| {
        reads_agree(&sym, s);
        for slot in &s.servers {
            let mut count = Count::default();
            let mut slot = slot.clone();
            if let Some(x) = slot.state.as_mut() {
                (sym.server_ids)(x, &mut count);
            }
            if let Some(x) = slot.durable.as_mut() {
                (sym.durable_ids)(x, &mut count);
            }
            for (t, _) in &mut slot.timers {
                (sym.timer_ids)(t, &mut count);
            }
            assert_eq!(count.0, 0, "a server holds request ids in {s:?}");
        }
        let r = c.representative(s);
        classes.insert(r.clone());
        assert!(
            c.representative(&r) == r,
            "renumbering is not idempotent on {s:?}"
        );
        let mut r2 = r.clone();
        let mut ids = Collect::default();
        for slot in &mut r2.clients {
            if let Some(x) = slot.proto.as_mut() {
                (sym.client_ids)(x, &mut ids);
            }
        }
        for env in &mut r2.network {
            if let Payload::Lock(m) = &mut env.payload {
                (sym.msg_ids)(m, &mut ids);
            }
        }
        assert!(
            ids.ids
                .iter()
                .all(|&id| id == STALE_ID || id == OUTSTANDING_ID),
            "{r:?}"
        );
        assert!(
            ids.requests
                .iter()
                .all(|&(o, n)| o.is_none_or(|o| o == OUTSTANDING_ID) && n == NEXT_ID),
            "{r:?}"
        );
        assert!(
            successor_classes(&c, &r) == successor_classes(&c, s),
            "renumbering does not commute with the steps from {s:?}"
        );
        crate::common::successors(world, s)
    });
    (seen, classes.len())
}

/// [`check_renumbering`] on `states_max` states; where lost messages
/// leave stale ids behind, some of them must differ only in their ids.
fn assert_renumbering<M: LockModel>(model: M, scenario: &str, states_max: usize) {
    let (seen, classes) = check_renumbering(model, scenario, states_max);
    assert!(seen >= states_max, "{scenario}: only {seen} states");
    if scenario.contains("message-loss") {
        assert!(classes < seen, "{scenario}: renumbering merged no states");
    }
}

#[test]
fn db_and_file_renumbering_commutes_with_steps() {
    // Lost messages leave stale replies; a holder may crash for good.
    for scenario in ["scenarios/message-loss.json", "scenarios/holder-crash.json"] {
        let params = load(scenario).params;
        // Each refused insert takes a version, so the states that differ
        // only in stale ids come later than in the file lock's search.
        let db = DbLockExpiring::new("db_lock_expiry_db_clock_fenced", &params).unwrap();
        assert_renumbering(db, scenario, 8000);
        let file = FileLockStaleBreak::new("file_lock_stale_break", &params).unwrap();
        assert_renumbering(file, scenario, 2000);
    }
}

#[test]
fn redis_and_mq_renumbering_commutes_with_steps() {
    for scenario in ["scenarios/message-loss.json", "scenarios/duplicates.json"] {
        let params = load(scenario).params;
        let py = RedisPyLock::new("redis_py_lock", &params).unwrap();
        assert_renumbering(py, scenario, 20000);
        let mq = MqVisibilityTimeout::new("mq_lock_visibility_timeout", &params).unwrap();
        assert_renumbering(mq, scenario, 20000);
        let ttl = MqMessageTtl::new("mq_lock_message_ttl", &params).unwrap();
        assert_renumbering(ttl, scenario, 20000);
    }
}

#[test]
fn failover_and_zk_renumbering_commutes_with_steps() {
    // Failover sends server-to-server traffic, which carries no ids.
    let scenario = "scenarios/failover.json";
    let failover = RedisFailover::new("redis_failover", &load(scenario).params).unwrap();
    assert_renumbering(failover, scenario, 20000);
    let scenario = "tests/scenarios/message-loss-1tick.json";
    let zk = ZkLockSequential::new("zk_lock_sequential_fenced", &load(scenario).params).unwrap();
    assert_renumbering(zk, scenario, 4000);
    // Wall and monotonic clocks apart on the server after a jump.
    let scenario = "scenarios/clock-jump.json";
    let zk = ZkLockEphemeral::new("zk_lock_ephemeral", &load(scenario).params).unwrap();
    assert_renumbering(zk, scenario, 4000);
}

/// Sets a client's `Requests` to an outstanding id and a next id.
struct SetRequests(Option<RequestId>, RequestId);

impl VisitIds for SetRequests {
    fn id(&mut self, _id: &mut RequestId) {}
    fn requests(&mut self, outstanding: Option<&mut RequestId>, next_id: &mut RequestId) {
        if let (Some(id), Some(to)) = (outstanding, self.0) {
            *id = to;
        }
        *next_id = self.1;
    }
}

#[test]
fn stale_ids_merge_and_the_outstanding_one_stays_apart() {
    let scenario = load("scenarios/message-loss.json");
    let model = DbLockExpiring::new("db_lock_expiry_db_clock", &scenario.params).unwrap();
    let c = renumbering(model, &scenario);
    let init = c.world.init_states().swap_remove(0);
    let client = NodeId(1);
    let db = NodeId(0);
    // Client 1 has sent requests 0..=6; request 6 is outstanding, and
    // its request and a reply carrying `reply_id` are in flight.
    let with_reply = |reply_id: u8| {
        let mut s = init.clone();
        let proto = s.clients[0].proto.as_mut().unwrap();
        proto
            .requests
            .visit_ids(&mut SetRequests(Some(RequestId(6)), RequestId(7)));
        for env in &mut s.network {
            if env.src == client
                && let Payload::Lock(db_lock::Msg::Req { id, .. }) = &mut env.payload
            {
                *id = RequestId(6);
            }
        }
        s.network.push(Envelope {
            sent_at: 0,
            src: db,
            dst: client,
            lane: 0,
            conn: 0,
            payload: Payload::Lock(db_lock::Msg::Rep {
                id: RequestId(reply_id),
                reply: db_server::Reply::DuplicateKey,
            }),
        });
        s.network.sort();
        s
    };
    let stale_3 = with_reply(3);
    let stale_5 = with_reply(5);
    let current = with_reply(6);
    assert!(stale_3 != stale_5);
    assert!(c.representative(&stale_3) == c.representative(&stale_5));
    assert!(c.representative(&stale_3) != c.representative(&current));
    // The canonical form: the outstanding id 1, the stale reply 0, the
    // next id 2.
    let rep = c.representative(&stale_3);
    let ids: BTreeSet<(NodeId, NodeId, RequestId)> = rep
        .network
        .iter()
        .filter_map(|e| match &e.payload {
            Payload::Lock(db_lock::Msg::Req { id, .. } | db_lock::Msg::Rep { id, .. }) => {
                Some((e.src, e.dst, *id))
            }
            _ => None,
        })
        .collect();
    assert!(ids.contains(&(client, db, OUTSTANDING_ID)), "{ids:?}");
    assert!(ids.contains(&(db, client, STALE_ID)), "{ids:?}");
    let mut got = Collect::default();
    rep.clients[0].proto.clone().unwrap().visit_ids(&mut got);
    assert_eq!(got.requests, vec![(Some(OUTSTANDING_ID), NEXT_ID)]);
}

fn load(scenario: &str) -> Scenario {
    Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(scenario))
        .unwrap_or_else(|e| panic!("{e}"))
}
