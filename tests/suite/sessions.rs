//! Sessions (`node::Transport::Session`, `src/world/sessions.rs`), checked at
//! every step of random walks of the ZooKeeper models through the shipped
//! scenarios that lose messages, partition, crash and restart:
//! - order: on each connection and direction the messages in flight carry
//!   lanes `0..k` in the order they were sent, and only lane 0 is offered
//!   for delivery;
//! - no duplicates: the network never offers to copy a session message;
//! - a break: losing a session message loses everything in flight on that
//!   connection both ways, marks it down, and gives each running end a
//!   notice; nothing is in flight on a connection that is down;
//! - reconnection: delivering the client's notice brings its connection up
//!   (unless what it sends at once breaks it again, with a new notice).

use std::path::Path;

use proptest::prelude::*;
use stateright::Model;

use lockcheck::models::zk_lock::{Timer, ZkFlavor, ZkLock};
use lockcheck::models::zk_lock_ephemeral::Ephemeral;
use lockcheck::models::zk_lock_sequential::Sequential;
use lockcheck::models::zk_server::Msg;
use lockcheck::node::{LockModel, NodeId};
use lockcheck::scenario::Scenario;
use lockcheck::world::{Action, Envelope, Payload, World, WorldConfig, WorldState};

fn world<F: ZkFlavor>(variant: &str, scenario: &str) -> World<ZkLock<F>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{scenario}.json"));
    let scenario = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let model = ZkLock::<F>::new(variant, &scenario.params).unwrap();
    World::new(
        model,
        WorldConfig::from_scenario(&scenario),
        lockcheck::properties::properties::<ZkLock<F>>,
    )
}

fn is_lock(e: &Envelope<Msg>) -> bool {
    matches!(e.payload, Payload::Lock(_))
}

/// The client index and server of a client–server lock message.
fn connection<F: ZkFlavor>(w: &World<ZkLock<F>>, e: &Envelope<Msg>) -> Option<(usize, NodeId)> {
    if !is_lock(e) {
        return None;
    }
    match (w.client_index(e.src), w.client_index(e.dst)) {
        (Some(ci), None) if e.dst.index() < w.server_count() => Some((ci, e.dst)),
        (None, Some(ci)) if e.src.index() < w.server_count() => Some((ci, e.src)),
        _ => None,
    }
}

fn check_state<F: ZkFlavor>(w: &World<ZkLock<F>>, s: &WorldState<ZkLock<F>>) -> Result<(), String> {
    for e in &s.network {
        let Some((ci, server)) = connection(w, e) else {
            continue;
        };
        if s.clients[ci].sessions_down.contains(server) {
            return Err(format!("in flight on a connection that is down: {e:?}"));
        }
        // Lanes of this direction: 0..k, in sending order.
        let mut same: Vec<&Envelope<Msg>> = s
            .network
            .iter()
            .filter(|x| x.src == e.src && x.dst == e.dst && is_lock(x))
            .collect();
        same.sort_by_key(|x| x.lane);
        for (i, x) in same.iter().enumerate() {
            if x.lane as usize != i {
                return Err(format!("lanes are not 0..k: {same:?}"));
            }
            if i > 0 && x.sent_at < same[i - 1].sent_at {
                return Err(format!("a later lane was sent earlier: {same:?}"));
            }
        }
    }
    Ok(())
}

fn check_step<F: ZkFlavor>(
    w: &World<ZkLock<F>>,
    before: &WorldState<ZkLock<F>>,
    offered: &[Action<Msg, Timer>],
    action: &Action<Msg, Timer>,
    after: &WorldState<ZkLock<F>>,
) -> Result<(), String> {
    for a in offered {
        match a {
            Action::Duplicate(e) if connection(w, e).is_some() => {
                return Err(format!("a session message offered for duplication: {e:?}"));
            }
            Action::Deliver(e) if connection(w, e).is_some() && e.lane != 0 => {
                return Err(format!("delivery offered behind another message: {e:?}"));
            }
            _ => {}
        }
    }
    match action {
        Action::Drop(e) => {
            let (ci, server) = connection(w, e).expect("only lock traffic is lost");
            let client = w.client_id(ci);
            if !after.clients[ci].sessions_down.contains(server) {
                return Err("a lost session message left the connection up".into());
            }
            if after
                .network
                .iter()
                .any(|x| connection(w, x) == Some((ci, server)))
            {
                return Err("a break left messages in flight on the connection".into());
            }
            for (src, dst) in [(server, client), (client, server)] {
                let notices = |s: &WorldState<ZkLock<F>>| {
                    s.network
                        .iter()
                        .filter(|x| x.payload == Payload::Closed && x.src == src && x.dst == dst)
                        .count()
                };
                if notices(after) != notices(before) + 1 {
                    return Err(format!("{dst:?} got no notice of the break"));
                }
            }
        }
        Action::Deliver(e) if e.payload == Payload::Closed => {
            // Up again, unless what the client sent at once on the new
            // connection broke it again (its server is down or cut off),
            // which gives a new notice.
            let notices = |s: &WorldState<ZkLock<F>>| {
                s.network
                    .iter()
                    .filter(|x| x.payload == Payload::Closed && x.src == e.src && x.dst == e.dst)
                    .count()
            };
            if let Some(ci) = w.client_index(e.dst)
                && after.clients[ci].sessions_down.contains(e.src)
                && notices(after) < notices(before)
            {
                return Err("the client's notice did not bring its connection up".into());
            }
        }
        _ => {}
    }
    Ok(())
}

fn walk<F: ZkFlavor>(variant: &str, scenario: &str, choices: &[u16]) -> Result<usize, String> {
    let w = world::<F>(variant, scenario);
    let mut s = w.init_states().remove(0);
    let mut breaks = 0;
    for &c in choices {
        check_state(&w, &s)?;
        let mut offered = Vec::new();
        w.actions(&s, &mut offered);
        if offered.is_empty() {
            break;
        }
        let action = offered[c as usize % offered.len()].clone();
        let Some(next) = w.next_state(&s, action.clone()) else {
            return Err(format!("no successor for {action:?}"));
        };
        check_step(&w, &s, &offered, &action, &next)
            .map_err(|e| format!("{e}\n  after {action:?}\n  in {s:?}"))?;
        if next
            .clients
            .iter()
            .zip(&s.clients)
            .any(|(a, b)| a.sessions_down.len() > b.sessions_down.len())
        {
            breaks += 1;
        }
        s = next;
    }
    Ok(breaks)
}

const SCENARIOS: [&str; 5] = [
    "message-loss",
    "partition",
    "server-restart",
    "holder-crash",
    "async-network",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn sessions_keep_order_and_break_whole(
        variant in prop::sample::select(vec!["zk_lock_ephemeral", "zk_lock_sequential"]),
        scenario in prop::sample::select(SCENARIOS.to_vec()),
        choices in prop::collection::vec(any::<u16>(), 1..250),
    ) {
        let walked = match variant {
            "zk_lock_ephemeral" => walk::<Ephemeral>(variant, scenario, &choices),
            _ => walk::<Sequential>(variant, scenario, &choices),
        };
        walked.map_err(TestCaseError::fail)?;
    }
}

/// The walks above do break connections (so the rules on a break are
/// exercised): a fixed walk that loses the first message it can.
#[test]
fn a_lost_message_breaks_the_connection_and_the_client_reconnects() {
    let w = world::<Sequential>("zk_lock_sequential", "message-loss");
    let mut s = w.init_states().remove(0);
    let mut offered = Vec::new();
    w.actions(&s, &mut offered);
    let drop = offered
        .iter()
        .find(|a| matches!(a, Action::Drop(_)))
        .expect("the first request may be lost")
        .clone();
    let before = s.clone();
    s = w.next_state(&s, drop.clone()).unwrap();
    check_step(&w, &before, &offered, &drop, &s).unwrap();
    assert!(s.clients[0].sessions_down.contains(NodeId(0)));
    // The client's notice comes within the detection window, and it
    // brings the connection up; the client then sends its request again.
    let notice = s
        .network
        .iter()
        .find(|e| e.payload == Payload::Closed && e.dst == w.client_id(0))
        .expect("a notice for the client")
        .clone();
    let after = w.next_state(&s, Action::Deliver(notice)).unwrap();
    assert!(!after.clients[0].sessions_down.contains(NodeId(0)));
    assert!(
        after
            .network
            .iter()
            .any(|e| e.src == w.client_id(0) && is_lock(e)),
        "the client retries on the new connection: {:?}",
        after.network
    );
}

fn check_output(model: &str, scenario: &str) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sessions-{model}-{scenario}"));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_lockcheck"))
        .args([
            "check",
            "--model",
            model,
            "--scenario",
            &format!("scenarios/{scenario}.json"),
            "--simulation-runs",
            "0",
            "--report-dir",
            dir.to_str().unwrap(),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A session never duplicates, so the duplicates scenario cannot strike the
/// ZooKeeper lock: its `holds` is reported as vacuous. On datagrams the same
/// scenario does strike (and finds the self-lockout of `redis_setnx`).
#[test]
fn a_fault_that_can_never_strike_a_holder_makes_holds_vacuous() {
    let zk = check_output("zk_lock_ephemeral", "duplicates");
    assert!(
        zk.contains("vacuous: no fault of this scenario can strike while a client holds the lock"),
        "{zk}"
    );
    let redis = check_output("redis_set_px", "duplicates");
    assert!(redis.contains("complete"), "{redis}");
    assert!(!redis.contains("vacuous"), "{redis}");
}
