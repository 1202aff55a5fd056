//! Sessions: a client's connection to a server, for models whose transport
//! is `node::Transport::Session`.
//!
//! A connection delivers in order and never duplicates. What the world can
//! do to it is break it:
//! - a lost lock-service message (the `loss` budget: a connection reset);
//! - a partition: a connection with messages in flight across the cut when
//!   it strikes, or one that either end writes to while the cut lasts,
//!   breaks (the retransmission timeout ran out);
//! - a crash of either end.
//!
//! A break loses what is in flight on the connection, both ways, and puts
//! the pair in the client's `sessions_down`: whatever either end sends on it
//! from then on is lost too. Each end notices after
//! `disconnect_detect_ticks_min..=max` ticks (a `Payload::Closed` notice in
//! the network, which no fault touches). When the client notices, its
//! library has connected again: the pair leaves `sessions_down`, and the
//! model hears of it through `client_on_disconnect`. A client cannot
//! reconnect across a partition, so its notice waits for the heal. The
//! server's notice (`server_on_disconnect`) may come before or after the
//! client's: a half-open connection is a late one.
//!
//! Ordering is kept in the envelopes themselves: `lane` counts the messages
//! ahead on the same connection and direction, and only lane 0 may be
//! delivered. Lanes stay `0..k` in sending order, so two states that mean
//! the same thing stay equal.

use crate::node::{NodeId, Transport};

use super::{Env, World};
use crate::node::LockModel;

use super::state::{Envelope, Payload, WorldState};

impl<M: LockModel> World<M> {
    pub(super) fn uses_sessions(&self) -> bool {
        self.model.transport() == Transport::Session
    }

    /// Whether the world numbers each client's connections for the model
    /// (`LockModel::connection_ids`, on sessions only).
    pub(super) fn connection_ids(&self) -> bool {
        self.uses_sessions() && self.model.connection_ids()
    }

    /// The connection `env` travels on, as (client index, server), if it is
    /// lock-service traffic between a client and a server on sessions.
    pub(super) fn session_of(&self, env: &Env<M>) -> Option<(usize, NodeId)> {
        if !self.uses_sessions() || !matches!(env.payload, Payload::Lock(_)) {
            return None;
        }
        let is_server = |n: NodeId| n.index() < self.server_count();
        match (self.client_index(env.src), self.client_index(env.dst)) {
            (Some(ci), None) if is_server(env.dst) => Some((ci, env.dst)),
            (None, Some(ci)) if is_server(env.src) => Some((ci, env.src)),
            _ => None,
        }
    }

    fn on_connection(env: &Env<M>, client: NodeId, server: NodeId) -> bool {
        matches!(env.payload, Payload::Lock(_))
            && ((env.src == client && env.dst == server)
                || (env.src == server && env.dst == client))
    }

    /// Breaks the connection between client `ci` and `server`: what is in
    /// flight on it is lost, it is down until the client notices, and each
    /// end that runs gets a notice.
    pub(super) fn break_session(&self, s: &mut WorldState<M>, ci: usize, server: NodeId) {
        let client = self.client_id(ci);
        s.network
            .retain(|e| !Self::on_connection(e, client, server));
        // Which connection closed, for a model that tells them apart.
        let conn = s.clients[ci]
            .conns
            .get(server.index())
            .copied()
            .unwrap_or(0);
        s.clients[ci].sessions_down.insert(server);
        let notices = [
            (server, client, s.clients[ci].status.is_crashed()),
            (
                client,
                server,
                s.servers[server.index()].status.is_crashed(),
            ),
        ];
        for (src, dst, crashed) in notices {
            if !crashed {
                let notice = Envelope {
                    sent_at: s.now,
                    src,
                    dst,
                    lane: 0,
                    payload: Payload::Closed,
                    conn,
                };
                let at = s.network.partition_point(|e| e <= &notice);
                s.network.insert(at, notice);
            }
        }
    }

    /// Puts a session message on the wire behind those ahead of it on its
    /// connection, or loses it (and breaks the connection) when it cannot
    /// get through. Returns the envelope to insert, if any.
    pub(super) fn onto_session(
        &self,
        s: &mut WorldState<M>,
        mut env: Env<M>,
        (ci, server): (usize, NodeId),
    ) -> Option<Env<M>> {
        if s.clients[ci].sessions_down.contains(server) {
            return None; // written to a dead connection
        }
        if self.status(s, env.dst).is_crashed() || self.cut(s, env.src, env.dst) {
            self.break_session(s, ci, server);
            return None;
        }
        let ahead = s
            .network
            .iter()
            .filter(|e| {
                e.src == env.src && e.dst == env.dst && matches!(e.payload, Payload::Lock(_))
            })
            .count();
        env.lane = ahead as u8;
        Some(env)
    }

    /// After the lane-0 message of a connection was delivered, the others
    /// on it move up.
    pub(super) fn advance_lane(s: &mut WorldState<M>, delivered: &Env<M>) {
        let mut moved = false;
        for e in s.network.iter_mut() {
            if e.src == delivered.src
                && e.dst == delivered.dst
                && e.lane > 0
                && matches!(e.payload, Payload::Lock(_))
            {
                e.lane -= 1;
                moved = true;
            }
        }
        // A lower lane may sort before another envelope between the same
        // nodes (a notice), and the network is kept sorted.
        if moved {
            s.network.sort();
        }
    }

    /// Whether a notice may be delivered now: its earliest moment has come,
    /// its node runs, and a client's is not cut off from the server it
    /// reconnects to.
    pub(super) fn notice_deliverable(&self, s: &WorldState<M>, env: &Env<M>) -> bool {
        s.now >= env.sent_at + self.cfg.network.disconnect_detect_ticks_min
            && self.status(s, env.dst).is_up()
            && !(self.client_index(env.dst).is_some() && self.cut(s, env.src, env.dst))
    }

    pub(super) fn notice_overdue(&self, s: &WorldState<M>, env: &Env<M>) -> bool {
        env.sent_at + self.cfg.network.disconnect_detect_ticks_max <= s.now
    }

    /// A partition struck: every connection with messages in flight across
    /// the cut breaks.
    pub(super) fn break_cut_sessions(&self, s: &mut WorldState<M>) {
        let mut broken = Vec::new();
        for e in &s.network {
            if let Some(pair) = self.session_of(e)
                && self.cut(s, e.src, e.dst)
                && !broken.contains(&pair)
            {
                broken.push(pair);
            }
        }
        for (ci, server) in broken {
            self.break_session(s, ci, server);
        }
    }

    /// `node` crashed: its connections break (those not broken already).
    pub(super) fn break_sessions_of(&self, s: &mut WorldState<M>, node: NodeId) {
        match self.client_index(node) {
            Some(ci) => {
                for server in (0..self.server_count()).map(|n| NodeId(n as u8)) {
                    if !s.clients[ci].sessions_down.contains(server) {
                        self.break_session(s, ci, server);
                    }
                }
            }
            None => {
                for ci in 0..self.cfg.clients {
                    if !s.clients[ci].sessions_down.contains(node) {
                        self.break_session(s, ci, node);
                    }
                }
            }
        }
    }

    /// In atomic mode: whether a reply may be handed to its requester in
    /// the same step, which a session allows only when nothing is ahead of
    /// it on the connection and the connection is up.
    pub(super) fn may_hand_over(&self, s: &WorldState<M>, reply: &Env<M>) -> bool {
        match self.session_of(reply) {
            None => true,
            Some((ci, server)) => {
                !s.clients[ci].sessions_down.contains(server)
                    && !s.network.iter().any(|e| {
                        e.src == reply.src
                            && e.dst == reply.dst
                            && matches!(e.payload, Payload::Lock(_))
                    })
            }
        }
    }
}
