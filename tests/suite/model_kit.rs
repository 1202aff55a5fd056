//! The model author's kit, as the world honours it: a server's start
//! handler (`LockModel::server_start`) runs at the start and after every
//! restart, and a declared durable part (`LockModel::durable_part`) is
//! saved after every server handler, so that a restart gets back exactly
//! what the server last held.
//!
//! The fixture is a lock server that sweeps on a timer of its own, set at
//! start (never by a message), and counts the grants it has made in what
//! it persists; under `scenarios/server-restart.json` the search meets
//! crashes and restarts at every point.

use std::collections::{HashSet, VecDeque};

use serde::{Deserialize, Serialize};
use stateright::Model;

use lockcheck::node::{Ctx, LockModel, LockParams, NodeId, Out, Param, Variant};
use lockcheck::world::{World, WorldConfig, WorldState};

const SWEEP_TICKS: u32 = 3;

struct SweepLock;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
struct SweepServer {
    holder: Option<NodeId>,
    /// Persisted: every grant this server has made, across restarts.
    grants: u32,
    /// Volatile: how often this server has started (0 at the first start).
    starts_seen: u32,
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
    Sweep,
    Retry,
}

impl LockModel for SweepLock {
    type Server = SweepServer;
    type Durable = u32;
    type Client = ();
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = &[Variant {
        id: "sweep_lock",
        summary: "a lock server with a sweep timer from its start and a persisted grant count",
    }];

    const PARAMS: &'static [Param] = &[];

    fn new(_variant: &str, _params: &LockParams) -> Result<Self, String> {
        Ok(SweepLock)
    }

    fn server_init(&self, _ctx: &Ctx, durable: Option<&u32>) -> SweepServer {
        SweepServer {
            holder: None,
            grants: durable.copied().unwrap_or(0),
            starts_seen: 0,
        }
    }

    fn server_start(&self, _ctx: &Ctx, st: &mut SweepServer, out: &mut Out<Self>) {
        st.starts_seen += 1;
        out.set_timer(Timer::Sweep, SWEEP_TICKS);
    }

    fn durable_part(&self, st: &SweepServer) -> Option<u32> {
        Some(st.grants)
    }

    fn server_on_msg(
        &self,
        _ctx: &Ctx,
        st: &mut SweepServer,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        match msg {
            Msg::Acquire if st.holder.is_none() => {
                st.holder = Some(src);
                st.grants += 1;
                out.send(src, Msg::Granted);
            }
            Msg::Acquire => out.send(src, Msg::Busy),
            Msg::Release => {
                if st.holder == Some(src) {
                    st.holder = None;
                }
                out.send(src, Msg::Released);
            }
            _ => {}
        }
    }

    fn server_on_timer(&self, _ctx: &Ctx, _st: &mut SweepServer, _t: Timer, out: &mut Out<Self>) {
        out.set_timer(Timer::Sweep, SWEEP_TICKS);
    }

    fn client_init(&self, _ctx: &Ctx) {}

    fn client_acquire(&self, ctx: &Ctx, _state: &mut (), out: &mut Out<Self>) {
        out.send(ctx.server(), Msg::Acquire);
    }

    fn client_release(&self, ctx: &Ctx, _state: &mut (), out: &mut Out<Self>) {
        out.send(ctx.server(), Msg::Release);
    }

    fn client_on_msg(&self, _ctx: &Ctx, _s: &mut (), _src: NodeId, msg: Msg, out: &mut Out<Self>) {
        match msg {
            Msg::Granted => out.acquired(None),
            Msg::Busy => out.set_timer(Timer::Retry, 1),
            Msg::Released => out.released(),
            _ => {}
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, _state: &mut (), _timer: Timer, out: &mut Out<Self>) {
        out.send(ctx.server(), Msg::Acquire);
    }
}

fn world() -> World<SweepLock> {
    let scenario = crate::common::load_scenario("server-restart");
    World::new(
        SweepLock,
        WorldConfig::from_scenario(&scenario),
        lockcheck::properties::properties::<SweepLock>,
    )
}

/// Every state a breadth-first walk from the initial states reaches.
fn reachable(world: &World<SweepLock>) -> Vec<WorldState<SweepLock>> {
    let mut seen = HashSet::new();
    let mut queue: VecDeque<_> = world.init_states().into();
    let mut all = Vec::new();
    while let Some(s) = queue.pop_front() {
        if !seen.insert(s.clone()) {
            continue;
        }
        let mut actions = Vec::new();
        world.actions(&s, &mut actions);
        queue.extend(actions.into_iter().filter_map(|a| world.next_state(&s, a)));
        all.push(s);
    }
    all
}

#[test]
fn a_server_keeps_the_timers_its_start_set_and_a_restart_gets_back_its_declared_durable_part() {
    let world = world();
    let states = reachable(&world);
    let mut restarted = 0;
    let mut granted_before_a_crash = 0;
    for s in &states {
        let slot = &s.servers[0];
        match &slot.state {
            Some(st) => {
                // The start handler ran (a timer no message set), and the
                // sweep is always pending: it sets itself again.
                assert!(st.starts_seen >= 1, "{s:?}");
                assert!(
                    slot.timers.iter().any(|(t, _)| *t == Timer::Sweep),
                    "the sweep timer set at start is pending: {s:?}"
                );
                // What a restart would get back is what the server holds.
                assert_eq!(slot.durable, Some(st.grants), "{s:?}");
                if s.faults.crashes > 0 {
                    restarted += 1;
                }
            }
            None => {
                if slot.durable.is_some_and(|g| g > 0) {
                    granted_before_a_crash += 1;
                }
            }
        }
    }
    // The walk met restarts, and crashes of a server that had granted.
    assert!(
        restarted > 0 && granted_before_a_crash > 0,
        "{} states",
        states.len()
    );
}
