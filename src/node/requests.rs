//! Request ids and the client's outstanding requests: [`RequestId`],
//! [`Requests`] with its timeouts and resends.

use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use super::*;

/// The id a client gives a request, carried by the request and by its reply
/// so that the client can tell which request a reply answers.
///
/// Ids are only compared for equality. A client numbers its requests with a
/// counter that wraps at 256, so ids grow with requests, never with time,
/// and stay small; no bounded run sends 256 requests from one client, so
/// an id in flight is never taken for another.
///
/// The checker relies on this to renumber ids (see `src/world/request_ids.rs`):
/// a model that uses ids keeps them in one [`Requests`] per client, looks
/// at a reply's id only through [`Requests::answers`] (or
/// [`Requests::answer`]), has its servers only echo ids, never store them,
/// and lists its ids in its [`Rename`] implementations.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub u8);

impl Debug for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Which id a request resent after a timeout carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResendId {
    /// A new id: the client library times out, drops the connection and
    /// sends the request again on a new one, so a late answer to the first
    /// sending is ignored.
    New,
    /// The same id: the library retries the request under its original id,
    /// so an answer to either sending is taken, whichever comes first.
    Same,
}

/// How a client resends a request nobody answers: the model's configuration,
/// not state.
#[derive(Clone, Debug)]
pub struct RequestTimeout<T> {
    /// The timer the client's request timeout runs on.
    pub timer: T,
    /// Resend a request unanswered for this long (on the monotonic clock, as every timer); `None`:
    /// wait for its answer forever.
    pub after_ticks: Option<u32>,
    pub resend: ResendId,
}

/// A client's side of request and reply: the one request it has
/// outstanding, the id it sent it under, and the id its next request gets.
///
/// A reply counts only if it carries the outstanding request's id
/// ([`Requests::answer`]): the answer to a request resent since, a second
/// copy of an answer already taken (the network duplicates messages), and
/// an answer that comes when nothing is outstanding are all ignored, as a
/// client library drops a response it is not waiting for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Requests<Q> {
    /// The request awaiting its answer, with the id of its latest sending.
    outstanding: Option<(RequestId, Q)>,
    /// The id the next request gets.
    next_id: RequestId,
}

impl<Q: Clone> Requests<Q> {
    pub fn new() -> Requests<Q> {
        Requests {
            outstanding: None,
            next_id: RequestId(0),
        }
    }

    /// Sends `request` to `dst` under a new id, built into a message by
    /// `msg`, and starts the request timeout if there is one. It replaces
    /// any request still outstanding, whose answer is then ignored.
    pub fn send<M: LockModel>(
        &mut self,
        out: &mut Out<M>,
        dst: NodeId,
        request: Q,
        timeout: &RequestTimeout<M::Timer>,
        msg: impl FnOnce(RequestId, Q) -> M::Msg,
    ) {
        let id = self.next_id;
        self.next_id = RequestId(id.0.wrapping_add(1));
        self.transmit(out, dst, id, request, timeout, msg);
    }

    /// The request timeout fired: sends the outstanding request again to
    /// `dst`, under a new id or the same one as `timeout.resend` says.
    /// Returns whether there was one to send.
    pub fn resend<M: LockModel>(
        &mut self,
        out: &mut Out<M>,
        dst: NodeId,
        timeout: &RequestTimeout<M::Timer>,
        msg: impl FnOnce(RequestId, Q) -> M::Msg,
    ) -> bool {
        let Some((id, request)) = self.outstanding.clone() else {
            return false;
        };
        match timeout.resend {
            ResendId::New => self.send(out, dst, request, timeout, msg),
            ResendId::Same => self.transmit(out, dst, id, request, timeout, msg),
        }
        true
    }

    fn transmit<M: LockModel>(
        &mut self,
        out: &mut Out<M>,
        dst: NodeId,
        id: RequestId,
        request: Q,
        timeout: &RequestTimeout<M::Timer>,
        msg: impl FnOnce(RequestId, Q) -> M::Msg,
    ) {
        self.outstanding = Some((id, request.clone()));
        out.send(dst, msg(id, request));
        if let Some(ticks) = timeout.after_ticks {
            out.set_timer(timeout.timer.clone(), ticks);
        }
    }

    /// Whether a reply carrying `id` answers the outstanding request.
    pub fn answers(&self, id: RequestId) -> bool {
        self.outstanding.as_ref().is_some_and(|(p, _)| *p == id)
    }

    /// If a reply carrying `id` answers the outstanding request: the
    /// request, which is then no longer outstanding, its timeout cancelled.
    /// `None`: a stale or repeated reply, to be ignored.
    pub fn answer<M: LockModel>(
        &mut self,
        out: &mut Out<M>,
        timeout: &RequestTimeout<M::Timer>,
        id: RequestId,
    ) -> Option<Q> {
        if !self.answers(id) {
            return None;
        }
        if timeout.after_ticks.is_some() {
            out.cancel_timer(timeout.timer.clone());
        }
        self.outstanding.take().map(|(_, request)| request)
    }

    /// The request awaiting its answer.
    pub fn outstanding(&self) -> Option<&Q> {
        self.outstanding.as_ref().map(|(_, request)| request)
    }

    /// The request awaiting its answer, for a model's own [`Times`]
    /// visitors (a number in it that the liveness checker renumbers).
    pub fn outstanding_mut(&mut self) -> Option<&mut Q> {
        self.outstanding.as_mut().map(|(_, request)| request)
    }

    /// Gives up on the outstanding request (its session is gone, say): any
    /// answer to it is ignored. The caller cancels the timeout.
    pub fn abandon(&mut self) {
        self.outstanding = None;
    }
}

impl Rename for RequestId {
    fn rename(&mut self, _map: &NodeMap) {}

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        ids.id(self);
    }

    fn read_ids(&self, ids: &mut dyn ReadIds) {
        ids.id(*self);
    }
}

impl<Q: Rename> Rename for Requests<Q> {
    fn rename(&mut self, map: &NodeMap) {
        if let Some((_, request)) = &mut self.outstanding {
            request.rename(map);
        }
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        match &mut self.outstanding {
            Some((id, request)) => {
                request.visit_ids(ids);
                ids.requests(Some(id), &mut self.next_id);
            }
            None => ids.requests(None, &mut self.next_id),
        }
    }

    fn read_ids(&self, ids: &mut dyn ReadIds) {
        match &self.outstanding {
            Some((id, request)) => {
                request.read_ids(ids);
                ids.requests(Some(*id), self.next_id);
            }
            None => ids.requests(None, self.next_id),
        }
    }
}

impl<Q: Times> Times for Requests<Q> {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        if let Some((_, request)) = &mut self.outstanding {
            request.visit_times(times);
        }
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        if let Some((_, request)) = &self.outstanding {
            request.read_times(times);
        }
    }
}
