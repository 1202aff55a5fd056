//! The simulated world: real time and clocks, the network, faults, the shared
//! client workload and the protected resource, as one `stateright::Model`.
//!
//! Rules of the world, in one place:
//! - Real time advances by `Tick`. A message must be delivered inside its
//!   window (`sent_at + delay_ticks_min ..= sent_at + delay_ticks_max`), and a
//!   timer that is due on a running node fires, before time may pass; a paused
//!   node holds neither back. In `asynchronous` mode messages have no deadline.
//! - In `atomic` mode a delivered request's replies to its sender are delivered
//!   in the same step.
//! - Messages to a crashed node, and lock-service messages across a partition,
//!   are lost (when they are sent, or when the fault strikes). A partition
//!   cuts one node off from the rest of the lock service or, in a scenario
//!   with `split`, the lock-service nodes into two sides. The link to the
//!   resource is reliable but delayed like any other. A resource that
//!   checks a write's fencing token before making the write makes it as a
//!   step of its own, before time passes (`FenceCheck::CheckThenWrite`).
//! - Faults start only before `faults_until_ticks`. By then partitions must
//!   have healed and, if the scenario restarts crashed nodes, they must be up.
//! - States at the horizon have no successors.

mod describe;
mod diagram;
mod nonces;
mod packed;
mod request_ids;
mod sessions;
mod shared;
mod state;
mod svg;
mod symmetry;
mod times;
mod tokens;

pub use describe::{
    CLOSED_TEXT, ClientView, ClockView, ResourceView, StepView, describe_action, state_detail,
    step_view,
};
pub use diagram::{
    Diagram, DiagramEvent, EventKind, Fate, FaultEvent, clock_shifts, diagram, mermaid_text,
};
pub use packed::PackedStore;
pub use request_ids::{NEXT_ID, OUTSTANDING_ID, STALE_ID};
pub use state::*;
pub use symmetry::{Canonical, Orbits, Reductions};

use stateright::{Model, Property};

use crate::node::{Command, ConnId, Ctx, FenceCheck, LockModel, NodeId, NodeSet, Out};
use crate::scenario::{FaultSpec, NetworkMode, NetworkSpec, Rounds, Scenario, Targets};

/// The world's fixed configuration, taken from a scenario.
#[derive(Clone, Debug)]
pub struct WorldConfig {
    pub clients: usize,
    pub rounds: Rounds,
    pub horizon_ticks: u32,
    pub faults_until_ticks: u32,
    /// A holder's work between its read and its write (`Scenario::work_ticks`).
    pub work_ticks: u32,
    pub network: NetworkSpec,
    pub faults: FaultSpec,
}

impl WorldConfig {
    pub fn from_scenario(scenario: &Scenario) -> WorldConfig {
        WorldConfig {
            clients: scenario.clients as usize,
            rounds: scenario.rounds,
            horizon_ticks: scenario.horizon_ticks,
            faults_until_ticks: scenario.faults_until_ticks,
            work_ticks: scenario.work_ticks,
            network: scenario.network.clone(),
            faults: scenario.faults.clone(),
        }
    }
}

/// A lock model placed in the world.
pub struct World<M: LockModel> {
    pub model: M,
    pub cfg: WorldConfig,
    names: Vec<String>,
    /// What the search checks of every state. They are defined above the
    /// world, over its state (`crate::properties`), and handed in here
    /// because stateright asks the model for them.
    properties: fn() -> Vec<Property<World<M>>>,
    /// Set once a fault could strike (was offered) in a state where some
    /// client held the lock: what makes a scenario's `holds` say something
    /// about its faults (see [`World::fault_met_holder`]).
    fault_met_holder: std::sync::atomic::AtomicBool,
}

/// A handler call on a client.
enum ClientCall<M: LockModel> {
    Acquire,
    Release,
    Msg(NodeId, M::Msg),
    Timer(M::Timer),
    /// Sessions: the connection to this server broke and was replaced.
    Disconnected(NodeId),
}

type Env<M> = Envelope<<M as LockModel>::Msg>;

impl<M: LockModel> World<M> {
    pub fn new(
        model: M,
        cfg: WorldConfig,
        properties: fn() -> Vec<Property<World<M>>>,
    ) -> World<M> {
        let servers = model.server_count();
        let mut names: Vec<String> = (0..servers).map(|i| model.server_name(i)).collect();
        names.extend((0..cfg.clients).map(|i| format!("c{}", i + 1)));
        names.push("res".to_string());
        World {
            model,
            cfg,
            names,
            properties,
            fault_met_holder: Default::default(),
        }
    }

    pub fn server_count(&self) -> usize {
        self.model.server_count()
    }

    /// Whether any state this world was asked for the actions of offered a
    /// fault that strikes (a loss, a duplicate, a crash, a pause, a
    /// partition or a clock jump) while some client held the lock. After a
    /// complete search, `false` means the scenario's faults never met a
    /// holder, and a `holds` says nothing about them.
    pub fn fault_met_holder(&self) -> bool {
        self.fault_met_holder
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether the scenario has faults that strike during a run (rather
    /// than clocks skewed or drifting from the start, which always act).
    pub fn has_striking_faults_only(&self) -> bool {
        let f = &self.cfg.faults;
        let striking = f.crash.is_some()
            || f.pause.is_some()
            || f.partition.is_some()
            || f.clock.jump.is_some()
            || self.cfg.network.loss_max > 0
            || self.cfg.network.duplicates_max > 0;
        striking && f.clock.skew_ticks_max == 0 && f.clock.drift_percent_max == 0
    }

    /// Lock-service nodes: servers and clients (not the resource).
    pub fn service_node_count(&self) -> usize {
        self.server_count() + self.cfg.clients
    }

    pub fn resource_id(&self) -> NodeId {
        NodeId(self.service_node_count() as u8)
    }

    pub fn client_id(&self, index: usize) -> NodeId {
        NodeId((self.server_count() + index) as u8)
    }

    /// The client index of `node`, if it is a client.
    pub fn client_index(&self, node: NodeId) -> Option<usize> {
        let i = node.index();
        (i >= self.server_count() && i < self.service_node_count()).then(|| i - self.server_count())
    }

    pub fn node_name(&self, node: NodeId) -> &str {
        &self.names[node.index()]
    }

    pub fn node_names(&self) -> &[String] {
        &self.names
    }

    fn targets(&self, targets: Targets) -> std::ops::Range<usize> {
        match targets {
            Targets::Servers => 0..self.server_count(),
            Targets::Clients => self.server_count()..self.service_node_count(),
            Targets::All => 0..self.service_node_count(),
        }
    }

    fn ctx(&self, s: &WorldState<M>, node: NodeId) -> Ctx {
        Ctx {
            id: node,
            wall_ticks: s.clocks[node.index()].wall(s.now),
            mono_ticks: s.clocks[node.index()].mono(s.now),
            server_count: self.server_count(),
            client_count: self.cfg.clients,
            conn: None,
            // Only the clients are threads of the process that shares it.
            process_nonce: self.client_index(node).and(s.process.nonce),
        }
    }

    fn status(&self, s: &WorldState<M>, node: NodeId) -> Status {
        match self.client_index(node) {
            Some(ci) => s.clients[ci].status,
            None if node.index() < self.server_count() => s.servers[node.index()].status,
            None => Status::Up, // the resource never fails
        }
    }

    fn timers_mut<'a>(
        &self,
        s: &'a mut WorldState<M>,
        node: NodeId,
    ) -> &'a mut Vec<(M::Timer, i64)> {
        match self.client_index(node) {
            Some(ci) => &mut s.clients[ci].timers,
            None => &mut s.servers[node.index()].timers,
        }
    }

    fn delay_ticks_max(&self) -> Option<u32> {
        match self.cfg.network.mode {
            NetworkMode::Bounded => self.cfg.network.delay_ticks_max,
            NetworkMode::Asynchronous => None,
            NetworkMode::Atomic => Some(0),
        }
    }

    fn is_lock_traffic(env: &Env<M>) -> bool {
        matches!(env.payload, Payload::Lock(_))
    }

    /// Whether a partition cuts the link `a`–`b` (never the resource link:
    /// the resource is on neither side).
    fn cut(&self, s: &WorldState<M>, a: NodeId, b: NodeId) -> bool {
        s.faults.partition.is_some_and(|c| self.cuts(c, a, b))
    }

    /// Whether `cut` cuts the link `a`–`b`.
    fn cuts(&self, cut: Cut, a: NodeId, b: NodeId) -> bool {
        match cut {
            Cut::Isolated(n) => {
                (a == n || b == n) && a != b && a != self.resource_id() && b != self.resource_id()
            }
            Cut::Split(p) => p.cuts(a, b),
        }
    }

    /// The splits a partition may make: every division of the lock-service
    /// nodes into two sides that each hold a node of `targets`, once (the
    /// side without node 0 counts up through the subsets of the others).
    fn splits(&self, targets: Targets) -> impl Iterator<Item = Partition> + use<'_, M> {
        let all: NodeSet = (0..self.service_node_count())
            .map(|n| NodeId(n as u8))
            .collect();
        let targeted: NodeSet = self.targets(targets).map(|n| NodeId(n as u8)).collect();
        let others = self.service_node_count().saturating_sub(1);
        (1..1u32 << others).filter_map(move |bits| {
            let side: NodeSet = (0..others)
                .filter(|i| bits & (1 << i) != 0)
                .map(|i| NodeId(i as u8 + 1))
                .collect();
            let rest = all.difference(side);
            let both_targeted =
                !side.intersection(targeted).is_empty() && !rest.intersection(targeted).is_empty();
            both_targeted.then(|| Partition::new(rest, side))
        })
    }

    /// The second step of a write the resource checked first: not a
    /// message but the resource's own next step, taken at once or after
    /// other operations of the same instant, before time passes.
    pub(super) fn is_resource_step(env: &Env<M>) -> bool {
        matches!(
            env.payload,
            Payload::Resource(ResourceMsg::WriteChecked { .. })
        )
    }

    fn deliverable(&self, s: &WorldState<M>, env: &Env<M>) -> bool {
        if env.payload == Payload::Closed {
            return self.notice_deliverable(s, env);
        }
        if Self::is_resource_step(env) {
            return true;
        }
        // A session message waits for those ahead of it (`lane`).
        env.lane == 0
            && s.now >= env.sent_at + self.cfg.network.delay_ticks_min
            && self.status(s, env.dst).is_up()
    }

    fn overdue(&self, s: &WorldState<M>, env: &Env<M>) -> bool {
        if env.payload == Payload::Closed {
            return self.notice_overdue(s, env);
        }
        if Self::is_resource_step(env) {
            return true;
        }
        self.delay_ticks_max()
            .is_some_and(|max| env.sent_at + max <= s.now)
    }

    /// The timers of `node` that are due, in the order it keeps them.
    fn due_timers<'a>(
        &self,
        s: &'a WorldState<M>,
        node: NodeId,
    ) -> impl Iterator<Item = &'a M::Timer> + use<'a, M> {
        let up = self.status(s, node).is_up();
        let mono = s.clocks[node.index()].mono(s.now);
        let timers: &[(M::Timer, i64)] = match (up, self.client_index(node)) {
            (false, _) => &[],
            (true, Some(ci)) => &s.clients[ci].timers,
            (true, None) => &s.servers[node.index()].timers,
        };
        timers
            .iter()
            .filter(move |(_, deadline)| mono >= *deadline)
            .map(|(t, _)| t)
    }

    fn can_tick(&self, s: &WorldState<M>) -> bool {
        if s.now >= self.cfg.horizon_ticks {
            return false;
        }
        if s.network
            .iter()
            .any(|e| self.deliverable(s, e) && self.overdue(s, e))
        {
            return false;
        }
        if (0..self.service_node_count())
            .any(|n| self.due_timers(s, NodeId(n as u8)).next().is_some())
        {
            return false;
        }
        // Finished work is written at once, as a due timer fires.
        if self.work_done(s).next().is_some() {
            return false;
        }
        let pause_ticks_max = self.cfg.faults.pause.as_ref().map_or(0, |p| p.ticks_max);
        let must_resume = |status: Status| match status {
            Status::Paused { since } => since + pause_ticks_max <= s.now,
            _ => false,
        };
        if s.servers.iter().any(|n| must_resume(n.status))
            || s.clients.iter().any(|n| must_resume(n.status))
        {
            return false;
        }
        if s.now >= self.cfg.faults_until_ticks {
            if s.faults.partition.is_some() {
                return false;
            }
            let restart = self.cfg.faults.crash.as_ref().is_some_and(|c| c.restart);
            if restart
                && (s.servers.iter().any(|n| n.status.is_crashed())
                    || s.clients.iter().any(|n| n.status.is_crashed()))
            {
                return false;
            }
        }
        true
    }

    /// Puts messages on the wire, losing those whose destination is down or
    /// cut off; leaves `envs` empty.
    fn flush(&self, s: &mut WorldState<M>, envs: &mut Vec<Env<M>>) {
        for env in envs.drain(..) {
            self.put_on_wire(s, env);
        }
    }

    fn put_on_wire(&self, s: &mut WorldState<M>, env: Env<M>) {
        let env = match self.session_of(&env) {
            Some(pair) => match self.onto_session(s, env, pair) {
                Some(env) => env,
                None => return,
            },
            None if self.status(s, env.dst).is_crashed() || self.cut(s, env.src, env.dst) => {
                return;
            }
            None => env,
        };
        let at = s.network.partition_point(|e| e <= &env);
        s.network.insert(at, env);
    }

    fn remove_envelope(s: &mut WorldState<M>, env: &Env<M>) -> bool {
        match s.network.binary_search(env) {
            Ok(at) => {
                s.network.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    fn set_timer(&self, s: &mut WorldState<M>, node: NodeId, timer: M::Timer, after_ticks: u32) {
        // Timers run on the monotonic clock, as real timer facilities do.
        let deadline = s.clocks[node.index()].mono(s.now) + after_ticks as i64;
        let timers = self.timers_mut(s, node);
        timers.retain(|(t, _)| *t != timer);
        let entry = (timer, deadline);
        let at = timers.partition_point(|e| *e <= entry);
        timers.insert(at, entry);
    }

    fn envelope(
        &self,
        s: &WorldState<M>,
        src: NodeId,
        dst: NodeId,
        payload: Payload<M::Msg>,
    ) -> Env<M> {
        Envelope {
            sent_at: s.now,
            src,
            dst,
            lane: 0,
            payload,
            conn: 0,
        }
    }

    /// Runs a handler on server `si` and applies its commands; appends what
    /// it sent to `sent`.
    fn server_call(
        &self,
        s: &mut WorldState<M>,
        si: usize,
        call: impl FnOnce(&M, &Ctx, &mut M::Server, &mut Out<M>),
        conn: Option<ConnId>,
        sent: &mut Vec<Env<M>>,
    ) {
        let node = NodeId(si as u8);
        let mut ctx = self.ctx(s, node);
        ctx.conn = conn;
        let mut out = Out::default();
        let Some(state) = s.servers[si].state.as_mut() else {
            return;
        };
        call(&self.model, &ctx, state, &mut out);
        for command in out.commands {
            match command {
                Command::Send(dst, msg) => {
                    sent.push(self.envelope(s, node, dst, Payload::Lock(msg)))
                }
                Command::SendOn(dst, conn, msg) => {
                    // A connection the client has replaced is gone, and so
                    // is what is written to it.
                    let current = self
                        .client_index(dst)
                        .and_then(|ci| s.clients[ci].conns.get(si))
                        .is_none_or(|&n| n == conn.0);
                    if current {
                        sent.push(self.envelope(s, node, dst, Payload::Lock(msg)))
                    }
                }
                Command::SetTimer(t, after) => self.set_timer(s, node, t, after),
                Command::CancelTimer(t) => s.servers[si].timers.retain(|(x, _)| *x != t),
                Command::Save(d) => s.servers[si].durable = Some(d),
                // Client-only commands mean nothing on a server: a server
                // is no thread of the clients' process.
                Command::Acquired(_)
                | Command::Released
                | Command::Lost
                | Command::SetProcessNonce(_) => {}
            }
        }
        // A model that declares its durable part has it saved after every
        // handler, as a server that commits before it answers does.
        let slot = &mut s.servers[si];
        if let Some(d) = slot
            .state
            .as_ref()
            .and_then(|st| self.model.durable_part(st))
            && slot.durable.as_ref() != Some(&d)
        {
            slot.durable = Some(d);
        }
    }

    /// Runs a handler on client `ci`, applies its commands, and drives the
    /// workload through whatever they start; appends what was sent to `sent`.
    fn client_call(
        &self,
        s: &mut WorldState<M>,
        ci: usize,
        first: ClientCall<M>,
        sent: &mut Vec<Env<M>>,
    ) {
        let node = self.client_id(ci);
        // Calls still to run, the next last; most handlers start none.
        let mut queue = Vec::new();
        let mut next = Some(first);
        while let Some(call) = next.take().or_else(|| queue.pop()) {
            let ctx = self.ctx(s, node);
            let mut out = Out::default();
            let Some(proto) = s.clients[ci].proto.as_mut() else {
                return;
            };
            match call {
                ClientCall::Acquire => self.model.client_acquire(&ctx, proto, &mut out),
                ClientCall::Release => self.model.client_release(&ctx, proto, &mut out),
                ClientCall::Msg(src, msg) => {
                    self.model.client_on_msg(&ctx, proto, src, msg, &mut out)
                }
                ClientCall::Timer(t) => self.model.client_on_timer(&ctx, proto, t, &mut out),
                ClientCall::Disconnected(server) => self
                    .model
                    .client_on_disconnect(&ctx, proto, server, &mut out),
            }
            let mut follow_ups = Vec::new();
            for command in out.commands {
                match command {
                    // A client has one connection to each server.
                    Command::Send(dst, msg) | Command::SendOn(dst, _, msg) => {
                        sent.push(self.envelope(s, node, dst, Payload::Lock(msg)))
                    }
                    Command::SetTimer(t, after) => self.set_timer(s, node, t, after),
                    Command::CancelTimer(t) => s.clients[ci].timers.retain(|(x, _)| *x != t),
                    Command::Acquired(token) => {
                        // Only meaningful while the workload asks for the lock.
                        if s.clients[ci].work.phase == Phase::Acquiring {
                            // Wraps only after 65536 grants (endless rounds
                            // in a long simulation); an epoch is only
                            // compared for equality with recent ones.
                            s.grants = s.grants.wrapping_add(1);
                            let work = &mut s.clients[ci].work;
                            work.holds = true;
                            work.token = token;
                            work.epoch = s.grants;
                            work.phase = Phase::Reading;
                            let read = ResourceMsg::Read {
                                token: self.read_token(token),
                                epoch: s.grants,
                            };
                            sent.push(self.envelope(
                                s,
                                node,
                                self.resource_id(),
                                Payload::Resource(read),
                            ));
                        }
                    }
                    Command::Released => {
                        let work = &mut s.clients[ci].work;
                        if work.phase == Phase::Releasing {
                            work.rounds_done = self.cfg.rounds.count(work.rounds_done);
                            if self.cfg.rounds.more_after(work.rounds_done) {
                                work.phase = Phase::Acquiring;
                                follow_ups.push(ClientCall::Acquire);
                            } else {
                                work.phase = Phase::Done;
                            }
                        }
                    }
                    Command::Lost => {
                        let work = &mut s.clients[ci].work;
                        if work.holds {
                            work.holds = false;
                            work.token = None;
                            work.phase = Phase::Acquiring;
                            follow_ups.push(ClientCall::Acquire);
                        }
                    }
                    // Clients keep nothing across a crash.
                    Command::Save(_) => {}
                    Command::SetProcessNonce(nonce) => s.process.nonce = nonce,
                }
            }
            // Calls run in the order they were started.
            follow_ups.reverse();
            queue.extend(follow_ups);
        }
    }

    /// The client's workload receives a reply from the resource.
    fn client_on_resource(
        &self,
        s: &mut WorldState<M>,
        ci: usize,
        reply: ResourceMsg,
        sent: &mut Vec<Env<M>>,
    ) {
        let node = self.client_id(ci);
        let work = &s.clients[ci].work;
        match reply {
            ResourceMsg::ReadOk {
                value,
                version,
                epoch,
            } if epoch == work.epoch && work.phase == Phase::Reading => {
                if self.cfg.work_ticks > 0 {
                    s.clients[ci].work.phase = Phase::Working {
                        ticks_left: self.cfg.work_ticks,
                        value,
                        version,
                    };
                } else {
                    self.write_back(s, ci, value, version, sent)
                }
            }
            // With two resources each fenced alone, the section then stamps
            // the second one.
            ResourceMsg::WriteOk { epoch }
                if epoch == work.epoch
                    && work.phase == Phase::Writing
                    && self.model.fence_check() == FenceCheck::EachResourceAlone =>
            {
                let write = ResourceMsg::Stamp {
                    token: work.token,
                    epoch,
                };
                s.clients[ci].work.phase = Phase::Stamping;
                sent.push(self.envelope(s, node, self.resource_id(), Payload::Resource(write)))
            }
            ResourceMsg::WriteOk { epoch }
                if epoch == work.epoch && work.phase == Phase::Writing =>
            {
                self.begin_release(s, ci, sent)
            }
            ResourceMsg::StampOk { epoch }
                if epoch == work.epoch && work.phase == Phase::Stamping =>
            {
                self.begin_release(s, ci, sent)
            }
            ResourceMsg::Rejected { epoch }
                if epoch == work.epoch
                    && matches!(
                        work.phase,
                        Phase::Reading | Phase::Writing | Phase::Stamping
                    ) =>
            {
                self.begin_release(s, ci, sent)
            }
            // Optimistic concurrency: someone wrote since the read; read again.
            ResourceMsg::Conflict { epoch }
                if epoch == work.epoch && work.phase == Phase::Writing =>
            {
                let read = ResourceMsg::Read {
                    token: self.read_token(work.token),
                    epoch,
                };
                s.clients[ci].work.phase = Phase::Reading;
                sent.push(self.envelope(s, node, self.resource_id(), Payload::Resource(read)))
            }
            // A reply for a section this client has abandoned.
            _ => {}
        }
    }

    /// The holder writes back what it computed from the `value` it read
    /// (at `version`).
    fn write_back(
        &self,
        s: &mut WorldState<M>,
        ci: usize,
        value: u32,
        version: Option<u32>,
        sent: &mut Vec<Env<M>>,
    ) {
        let node = self.client_id(ci);
        let work = &mut s.clients[ci].work;
        let write = match self.model.fence_check() {
            FenceCheck::CheckThenWrite => ResourceMsg::WriteCheckFirst {
                value: value + 1,
                token: work.token,
                epoch: work.epoch,
            },
            FenceCheck::EveryOperation | FenceCheck::WritesOnly | FenceCheck::EachResourceAlone => {
                ResourceMsg::Write {
                    value: value + 1,
                    token: work.token,
                    if_version: version,
                    epoch: work.epoch,
                }
            }
        };
        work.phase = Phase::Writing;
        sent.push(self.envelope(s, node, self.resource_id(), Payload::Resource(write)))
    }

    /// The token a holder sends with its read: none where the resource
    /// fences writes only.
    fn read_token(&self, token: Option<u64>) -> Option<u64> {
        match self.model.fence_check() {
            FenceCheck::WritesOnly => None,
            FenceCheck::EveryOperation
            | FenceCheck::CheckThenWrite
            | FenceCheck::EachResourceAlone => token,
        }
    }

    /// Clients whose work is done, and which run, so that they write now.
    fn work_done(&self, s: &WorldState<M>) -> impl Iterator<Item = usize> {
        s.clients.iter().enumerate().filter_map(|(ci, c)| {
            (matches!(c.work.phase, Phase::Working { ticks_left: 0, .. }) && c.status == Status::Up)
                .then_some(ci)
        })
    }

    fn begin_release(&self, s: &mut WorldState<M>, ci: usize, sent: &mut Vec<Env<M>>) {
        let work = &mut s.clients[ci].work;
        work.holds = false;
        work.token = None;
        work.phase = Phase::Releasing;
        self.client_call(s, ci, ClientCall::Release, sent)
    }

    /// The resource server handles one operation and answers.
    fn resource_on_msg(
        &self,
        s: &mut WorldState<M>,
        src: NodeId,
        msg: ResourceMsg,
        sent: &mut Vec<Env<M>>,
    ) {
        let Some(reply) = s.resource.handle(msg, self.model.conditional_writes()) else {
            return;
        };
        // A write whose check passed is made as a later step of its own,
        // which other operations may overtake: it is in flight from the
        // writer to the resource, like the write it completes.
        let (from, to) = match reply {
            ResourceMsg::WriteChecked { .. } => (src, self.resource_id()),
            _ => (self.resource_id(), src),
        };
        sent.push(self.envelope(s, from, to, Payload::Resource(reply)))
    }

    /// Delivers one message to its destination; appends what the handler
    /// sent to `sent`.
    fn deliver(&self, s: &mut WorldState<M>, env: Env<M>, sent: &mut Vec<Env<M>>) {
        let dst = env.dst;
        match (env.payload, self.client_index(dst)) {
            (Payload::Lock(msg), Some(ci)) => {
                self.client_call(s, ci, ClientCall::Msg(env.src, msg), sent)
            }
            (Payload::Lock(msg), None) if dst.index() < self.server_count() => {
                // A client's message on a session travels on its current
                // connection: a break loses what was in flight on the old one.
                let conn = self
                    .client_index(env.src)
                    .and_then(|ci| s.clients[ci].conns.get(dst.index()))
                    .map(|&n| ConnId(n));
                self.server_call(
                    s,
                    dst.index(),
                    |m, ctx, st, out| m.server_on_msg(ctx, st, env.src, msg, out),
                    conn,
                    sent,
                )
            }
            (Payload::Resource(msg), Some(ci)) => self.client_on_resource(s, ci, msg, sent),
            (Payload::Resource(msg), None) if dst == self.resource_id() => {
                self.resource_on_msg(s, env.src, msg, sent)
            }
            // Sessions: the client's library has connected again.
            (Payload::Closed, Some(ci)) => {
                s.clients[ci].sessions_down.remove(env.src);
                // The new connection gets the next number, unless the
                // server is down: then it remembers no connection at all.
                let server_down = s.servers[env.src.index()].status.is_crashed();
                if let Some(n) = s.clients[ci].conns.get_mut(env.src.index())
                    && !server_down
                {
                    *n = n.wrapping_add(1);
                }
                self.client_call(s, ci, ClientCall::Disconnected(env.src), sent)
            }
            (Payload::Closed, None) if dst.index() < self.server_count() => self.server_call(
                s,
                dst.index(),
                |m, ctx, st, out| m.server_on_disconnect(ctx, st, env.src, out),
                self.connection_ids().then_some(ConnId(env.conn)),
                sent,
            ),
            // Misaddressed traffic (a model sent a lock message to the
            // resource, or to a node that does not exist) is lost.
            _ => {}
        }
    }

    fn start_client(&self, s: &mut WorldState<M>, ci: usize, sent: &mut Vec<Env<M>>) {
        let ctx = self.ctx(s, self.client_id(ci));
        s.clients[ci].proto = Some(self.model.client_init(&ctx));
        self.resume_nonces(s, ci);
        // A restarted client opens new connections.
        s.clients[ci].sessions_down = NodeSet::default();
        s.clients[ci].status = Status::Up;
        if self.cfg.rounds.more_after(s.clients[ci].work.rounds_done) {
            s.clients[ci].work.phase = Phase::Acquiring;
            self.client_call(s, ci, ClientCall::Acquire, sent)
        } else {
            s.clients[ci].work.phase = Phase::Done;
        }
    }

    /// Starts server `si` (at the start, or restarted after a crash) from
    /// what it saved, and runs its start handler; appends what that sent to
    /// `sent`.
    fn start_server(&self, s: &mut WorldState<M>, si: usize, sent: &mut Vec<Env<M>>) {
        let ctx = self.ctx(s, NodeId(si as u8));
        let state = self.model.server_init(&ctx, s.servers[si].durable.as_ref());
        s.servers[si].state = Some(state);
        s.servers[si].status = Status::Up;
        self.server_call(
            s,
            si,
            |m, ctx, st, out| m.server_start(ctx, st, out),
            None,
            sent,
        );
    }

    fn initial_clocks(&self) -> Vec<Vec<Clock>> {
        let spec = &self.cfg.faults.clock;
        let targeted = self.targets(spec.targets);
        let mut rates = vec![
            100 - spec.drift_percent_max,
            100,
            100 + spec.drift_percent_max,
        ];
        rates.dedup();
        let mut choices_per_node = Vec::new();
        for n in 0..self.service_node_count() {
            if targeted.contains(&n) {
                let mut choices = Vec::new();
                for offset in 0..=spec.skew_ticks_max as i64 {
                    for &rate in &rates {
                        choices.push(Clock {
                            offset_ticks: offset,
                            rate_percent: rate,
                            wall_jump_ticks: 0,
                        });
                    }
                }
                choices_per_node.push(choices);
            } else {
                choices_per_node.push(vec![Clock::PERFECT]);
            }
        }
        // The cartesian product, first node varying slowest.
        let mut all = vec![Vec::new()];
        for choices in choices_per_node {
            let mut next = Vec::with_capacity(all.len() * choices.len());
            for prefix in &all {
                for c in &choices {
                    let mut v = prefix.clone();
                    v.push(*c);
                    next.push(v);
                }
            }
            all = next;
        }
        all
    }

    fn initial_state(&self, clocks: Vec<Clock>) -> WorldState<M> {
        let mut s = WorldState {
            now: 0,
            clocks,
            servers: (0..self.server_count())
                .map(|_| {
                    Shared::new(ServerSlot {
                        status: Status::Up,
                        state: None,
                        durable: None,
                        timers: Vec::new(),
                    })
                })
                .collect(),
            clients: (0..self.cfg.clients)
                .map(|_| ClientSlot {
                    status: Status::Up,
                    proto: None,
                    timers: Vec::new(),
                    work: Workload {
                        phase: Phase::Acquiring,
                        rounds_done: 0,
                        holds: false,
                        token: None,
                        epoch: 0,
                    },
                    sessions_down: NodeSet::default(),
                    conns: if self.connection_ids() {
                        vec![0; self.server_count()]
                    } else {
                        Vec::new()
                    },
                })
                .map(Shared::new)
                .collect(),
            resource: Resource::default(),
            network: Vec::new(),
            faults: FaultState::default(),
            grants: 0,
            process: ProcessMemory::default(),
        };
        let mut sent = Vec::new();
        for si in 0..self.server_count() {
            self.start_server(&mut s, si, &mut sent);
        }
        self.flush(&mut s, &mut sent);
        for ci in 0..self.cfg.clients {
            self.start_client(&mut s, ci, &mut sent);
            self.flush(&mut s, &mut sent);
        }
        s
    }

    /// Puts `cut` in force; lock-service messages in flight across it are
    /// lost.
    fn partition(&self, s: &mut WorldState<M>, cut: Cut) {
        s.faults.partition = Some(cut);
        s.faults.partitions += 1;
        if self.uses_sessions() {
            self.break_cut_sessions(s);
        }
        s.network
            .retain(|e| e.payload == Payload::Closed || !self.cuts(cut, e.src, e.dst));
    }

    fn crash(&self, s: &mut WorldState<M>, node: NodeId) {
        match self.client_index(node) {
            Some(ci) => {
                let c = &mut s.clients[ci];
                c.status = Status::Crashed;
                c.proto = None;
                c.timers.clear();
                c.work.holds = false;
                c.work.token = None;
            }
            None => {
                let sv = &mut s.servers[node.index()];
                sv.status = Status::Crashed;
                sv.state = None;
                sv.timers.clear();
            }
        }
        if self.uses_sessions() {
            self.break_sessions_of(s, node);
        }
        s.network.retain(|e| e.dst != node);
        // A crashed server remembers no connection and no close notice for
        // it is left, so its connection numbers start again at 0 (and stay
        // there while it is down, however often a client reconnects in
        // vain), which keeps them bounded.
        if self.client_index(node).is_none() {
            for c in &mut s.clients {
                if let Some(n) = c.conns.get_mut(node.index()) {
                    *n = 0;
                }
            }
        }
    }
}

impl<M: LockModel> Model for World<M> {
    type State = WorldState<M>;
    type Action = Action<M::Msg, M::Timer>;

    fn init_states(&self) -> Vec<Self::State> {
        self.initial_clocks()
            .into_iter()
            .map(|clocks| self.initial_state(clocks))
            .collect()
    }

    fn actions(&self, s: &Self::State, actions: &mut Vec<Self::Action>) {
        if s.now >= self.cfg.horizon_ticks {
            return; // The horizon: the bounded space ends here.
        }
        // Deliveries, one per distinct message.
        for (i, env) in s.network.iter().enumerate() {
            if i > 0 && s.network[i - 1] == *env {
                continue;
            }
            if self.deliverable(s, env) {
                actions.push(Action::Deliver(env.clone()));
            }
        }
        // Due timers.
        for n in 0..self.service_node_count() {
            let node = NodeId(n as u8);
            for timer in self.due_timers(s, node) {
                actions.push(Action::Fire {
                    node,
                    timer: timer.clone(),
                });
            }
        }
        for ci in self.work_done(s) {
            actions.push(Action::WorkDone(self.client_id(ci)));
        }
        if self.can_tick(s) {
            actions.push(Action::Tick);
        }
        let before = actions.len();
        self.fault_actions(s, actions);
        if !self.fault_met_holder()
            && s.clients.iter().any(|c| c.work.holds)
            && actions[before..].iter().any(|a| {
                !matches!(
                    a,
                    Action::Restart(_) | Action::Resume(_) | Action::Heal | Action::Tick
                )
            })
        {
            self.fault_met_holder
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    fn next_state(&self, last: &Self::State, action: Self::Action) -> Option<Self::State> {
        let mut s = last.clone();
        match action {
            Action::Tick => {
                s.now += 1;
                // Running holders work on; a paused one does not.
                for slot in s.clients.iter_mut() {
                    // Read first: writing through the slot copies it if shared.
                    if slot.status == Status::Up
                        && matches!(slot.work.phase, Phase::Working { ticks_left, .. } if ticks_left > 0)
                        && let Phase::Working { ticks_left, .. } = &mut slot.work.phase
                    {
                        *ticks_left -= 1;
                    }
                }
            }
            Action::WorkDone(node) => {
                let ci = self.client_index(node)?;
                let Phase::Working { value, version, .. } = s.clients[ci].work.phase else {
                    return None;
                };
                let mut sent = Vec::new();
                self.write_back(&mut s, ci, value, version, &mut sent);
                self.flush(&mut s, &mut sent);
            }
            Action::Deliver(env) => {
                if !Self::remove_envelope(&mut s, &env) {
                    return None;
                }
                if self.session_of(&env).is_some() {
                    Self::advance_lane(&mut s, &env);
                }
                let requester = env.src;
                let atomic = self.cfg.network.mode == NetworkMode::Atomic
                    && self.client_index(env.dst).is_none();
                let mut sent = Vec::new();
                self.deliver(&mut s, env, &mut sent);
                if atomic {
                    // The call and its answer in one step: what the call
                    // sends elsewhere goes on the wire first.
                    let mut replies = Vec::new();
                    for e in sent.drain(..) {
                        if e.dst == requester {
                            replies.push(e);
                        } else {
                            self.put_on_wire(&mut s, e);
                        }
                    }
                    for reply in replies {
                        if self.status(&s, requester).is_up()
                            && !self.cut(&s, reply.src, requester)
                            && self.may_hand_over(&s, &reply)
                        {
                            self.deliver(&mut s, reply, &mut sent);
                            self.flush(&mut s, &mut sent);
                        } else {
                            // A paused requester gets it later; a crashed or
                            // cut-off one loses it.
                            self.put_on_wire(&mut s, reply);
                        }
                    }
                } else {
                    self.flush(&mut s, &mut sent);
                }
            }
            Action::Drop(env) => {
                if !Self::remove_envelope(&mut s, &env) {
                    return None;
                }
                // On a session, a lost message is a broken connection.
                if let Some((ci, server)) = self.session_of(&env) {
                    self.break_session(&mut s, ci, server);
                }
                s.faults.losses += 1;
            }
            Action::Duplicate(env) => {
                let at = s.network.partition_point(|e| e <= &env);
                s.network.insert(at, env);
                s.faults.duplicates += 1;
            }
            Action::Fire { node, timer } => {
                self.timers_mut(&mut s, node).retain(|(t, _)| *t != timer);
                let mut sent = Vec::new();
                match self.client_index(node) {
                    Some(ci) => self.client_call(&mut s, ci, ClientCall::Timer(timer), &mut sent),
                    None => self.server_call(
                        &mut s,
                        node.index(),
                        |m, ctx, st, out| m.server_on_timer(ctx, st, timer, out),
                        None,
                        &mut sent,
                    ),
                };
                self.flush(&mut s, &mut sent);
            }
            Action::Crash(node) => {
                self.crash(&mut s, node);
                s.faults.crashes += 1;
            }
            Action::Restart(node) => match self.client_index(node) {
                Some(ci) => {
                    // Its new connections get the next numbers (a crashed
                    // server's stay at 0: it remembers none).
                    for (si, n) in s.clients[ci].conns.iter_mut().enumerate() {
                        if !s.servers[si].status.is_crashed() {
                            *n = n.wrapping_add(1);
                        }
                    }
                    let mut sent = Vec::new();
                    self.start_client(&mut s, ci, &mut sent);
                    self.flush(&mut s, &mut sent);
                }
                None => {
                    let mut sent = Vec::new();
                    self.start_server(&mut s, node.index(), &mut sent);
                    self.flush(&mut s, &mut sent);
                }
            },
            Action::Pause(node) => {
                let since = s.now;
                match self.client_index(node) {
                    Some(ci) => s.clients[ci].status = Status::Paused { since },
                    None => s.servers[node.index()].status = Status::Paused { since },
                }
                s.faults.pauses += 1;
            }
            Action::Resume(node) => match self.client_index(node) {
                Some(ci) => s.clients[ci].status = Status::Up,
                None => s.servers[node.index()].status = Status::Up,
            },
            Action::Isolate(node) => self.partition(&mut s, Cut::Isolated(node)),
            Action::Split(p) => self.partition(&mut s, Cut::Split(p)),
            Action::Heal => s.faults.partition = None,
            Action::ClockJump { node, ticks } => {
                // The wall clock jumps; the monotonic clock, and so every
                // timer, runs on undisturbed.
                s.clocks[node.index()].wall_jump_ticks += ticks as i64;
                s.faults.jumps += 1;
            }
        }
        Some(s)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        (self.properties)()
    }

    fn format_action(&self, action: &Self::Action) -> String {
        // The Explorer gives no state here, so clocks are not shown.
        let name = |n: NodeId| self.node_name(n).to_string();
        let message = |env: &Env<M>| {
            let body = match &env.payload {
                Payload::Lock(m) => self.model.describe_msg(m),
                Payload::Resource(r) => format!("{r:?}"),
                Payload::Closed => "connection closed".to_string(),
            };
            format!("{} -> {}: {body}", name(env.src), name(env.dst))
        };
        match action {
            Action::Tick => "time passes one tick".into(),
            Action::Deliver(env) => format!("deliver {}", message(env)),
            Action::Drop(env) => format!("LOSE {}", message(env)),
            Action::Duplicate(env) => format!("DUPLICATE {}", message(env)),
            Action::Fire { node, timer } => {
                format!(
                    "{}: timer {} fires",
                    name(*node),
                    self.model.describe_timer(timer)
                )
            }
            Action::Crash(n) => format!("{} CRASHES", name(*n)),
            Action::Restart(n) => format!("{} restarts", name(*n)),
            Action::WorkDone(n) => format!("{} is done working", name(*n)),
            Action::Pause(n) => format!("{} PAUSES", name(*n)),
            Action::Resume(n) => format!("{} resumes", name(*n)),
            Action::Isolate(n) => format!("{} is PARTITIONED", name(*n)),
            Action::Split(p) => format!("PARTITION {}", describe::sides_text(self, *p)),
            Action::Heal => "the partition heals".into(),
            Action::ClockJump { node, ticks } => {
                format!("{}: WALL CLOCK JUMPS {ticks:+}", name(*node))
            }
        }
    }

    fn format_step(&self, last: &Self::State, action: Self::Action) -> Option<String> {
        let (actor, event) = describe_action(self, last, &action);
        let next = self.next_state(last, action)?;
        let mut text = format!("{actor}: {event}\n\n");
        for line in state_detail(self, &next) {
            text.push_str(&line);
            text.push('\n');
        }
        Some(text)
    }

    fn as_svg(&self, path: stateright::Path<Self::State, Self::Action>) -> Option<String> {
        let states = path.clone().into_states();
        let actions = path.into_actions();
        Some(svg::path_svg(self, &states, &actions))
    }
}

impl<M: LockModel> World<M> {
    fn fault_actions(&self, s: &WorldState<M>, actions: &mut Vec<Action<M::Msg, M::Timer>>) {
        let faults = &self.cfg.faults;
        let may_start = s.now < self.cfg.faults_until_ticks;
        let status_of = |n: usize| self.status(s, NodeId(n as u8));

        // Recoveries are always allowed: they end faults.
        for n in 0..self.service_node_count() {
            let node = NodeId(n as u8);
            match status_of(n) {
                Status::Crashed if faults.crash.as_ref().is_some_and(|c| c.restart) => {
                    actions.push(Action::Restart(node))
                }
                // A pause lasts at least one tick.
                Status::Paused { since } if s.now > since => actions.push(Action::Resume(node)),
                _ => {}
            }
        }
        if s.faults.partition.is_some() {
            actions.push(Action::Heal);
        }
        if !may_start {
            return;
        }
        if let Some(crash) = &faults.crash
            && s.faults.crashes < crash.max
        {
            for n in self.targets(crash.targets) {
                if !status_of(n).is_crashed() {
                    actions.push(Action::Crash(NodeId(n as u8)));
                }
            }
        }
        if let Some(pause) = &faults.pause
            && s.faults.pauses < pause.max
        {
            for n in self.targets(pause.targets) {
                if status_of(n).is_up() {
                    actions.push(Action::Pause(NodeId(n as u8)));
                }
            }
        }
        if let Some(partition) = &faults.partition
            && s.faults.partitions < partition.max
            && s.faults.partition.is_none()
        {
            if partition.split {
                actions.extend(self.splits(partition.targets).map(Action::Split));
            } else {
                for n in self.targets(partition.targets) {
                    actions.push(Action::Isolate(NodeId(n as u8)));
                }
            }
        }
        if let Some(jump) = &faults.clock.jump
            && s.faults.jumps < jump.max
        {
            for n in self.targets(jump.targets) {
                if !status_of(n).is_crashed() {
                    for &ticks in &jump.ticks {
                        actions.push(Action::ClockJump {
                            node: NodeId(n as u8),
                            ticks,
                        });
                    }
                }
            }
        }
        let lossy = s.faults.losses < self.cfg.network.loss_max;
        let duplicating = s.faults.duplicates < self.cfg.network.duplicates_max;
        if lossy || duplicating {
            for (i, env) in s.network.iter().enumerate() {
                if (i > 0 && s.network[i - 1] == *env) || !Self::is_lock_traffic(env) {
                    continue;
                }
                if lossy {
                    actions.push(Action::Drop(env.clone()));
                }
                // A session never delivers a message twice.
                if duplicating && self.session_of(env).is_none() {
                    actions.push(Action::Duplicate(env.clone()));
                }
            }
        }
    }
}
