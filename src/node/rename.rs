//! Node renaming for symmetry: [`NodeSet`], [`NodeMap`], the [`Rename`]
//! visitor (which also reaches request ids) and a model's [`Symmetry`].

use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use super::*;

/// A set of nodes, as a bitset over their ids: how a model keeps a set of
/// servers or clients (Redlock's votes) so that [`Rename`] can move its
/// members when nodes are permuted. Ids must be below 32; a world has at
/// most 16 lock-service nodes.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeSet(u32);

impl NodeSet {
    pub const EMPTY: NodeSet = NodeSet(0);

    fn bit(node: NodeId) -> u32 {
        assert!(node.index() < 32, "a NodeSet holds node ids below 32");
        1 << node.index()
    }

    pub fn contains(self, node: NodeId) -> bool {
        self.0 & Self::bit(node) != 0
    }

    /// Adds `node`; returns whether it was new.
    pub fn insert(&mut self, node: NodeId) -> bool {
        let new = !self.contains(node);
        self.0 |= Self::bit(node);
        new
    }

    /// Removes `node`; returns whether it was there.
    pub fn remove(&mut self, node: NodeId) -> bool {
        let was = self.contains(node);
        self.0 &= !Self::bit(node);
        was
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: NodeSet) -> NodeSet {
        NodeSet(self.0 | other.0)
    }

    /// The members of both `self` and `other`.
    pub fn intersection(self, other: NodeSet) -> NodeSet {
        NodeSet(self.0 & other.0)
    }

    /// The members of `self` that are not in `other`.
    pub fn difference(self, other: NodeSet) -> NodeSet {
        NodeSet(self.0 & !other.0)
    }

    /// The members, in id order.
    pub fn iter(self) -> impl Iterator<Item = NodeId> {
        // One step per member, not per possible id: symmetry renames
        // these sets for every state it canonicalizes.
        let mut rest = self.0;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let n = rest.trailing_zeros() as u8;
                rest &= rest - 1;
                NodeId(n)
            })
        })
    }
}

impl FromIterator<NodeId> for NodeSet {
    fn from_iter<I: IntoIterator<Item = NodeId>>(nodes: I) -> NodeSet {
        let mut set = NodeSet::EMPTY;
        for n in nodes {
            set.insert(n);
        }
        set
    }
}

impl Debug for NodeSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter().map(|n| n.0)).finish()
    }
}

impl Rename for NodeSet {
    fn rename(&mut self, map: &NodeMap) {
        *self = self.iter().map(|n| map.get(n)).collect();
    }

    fn visit_ids(&mut self, _ids: &mut dyn VisitIds) {}

    fn read_ids(&self, _ids: &mut dyn ReadIds) {}
}

/// Where each node goes under a renaming of nodes (a permutation of the
/// clients and, where they are interchangeable, the servers, for symmetry
/// reduction). Nodes it does not mention stay put.
#[derive(Clone, Debug, Default)]
pub struct NodeMap {
    to: Vec<NodeId>,
}

impl NodeMap {
    /// The identity on `nodes` nodes.
    pub fn identity(nodes: usize) -> NodeMap {
        NodeMap {
            to: (0..nodes).map(|n| NodeId(n as u8)).collect(),
        }
    }

    /// Sends `from` to `to`.
    pub fn set(&mut self, from: NodeId, to: NodeId) {
        if self.to.len() <= from.index() {
            let len = self.to.len();
            self.to
                .extend((len..=from.index()).map(|n| NodeId(n as u8)));
        }
        self.to[from.index()] = to;
    }

    /// Where `node` goes.
    pub fn get(&self, node: NodeId) -> NodeId {
        self.to.get(node.index()).copied().unwrap_or(node)
    }
}

/// Rewrites the identities inside a value: every [`NodeId`] through a
/// [`NodeMap`], what client and server symmetry need from a model's types
/// (see [`LockModel::client_symmetry`] and [`LockModel::server_symmetry`]),
/// and every [`RequestId`], what request-id renumbering needs (see
/// [`Rename::visit_ids`]).
///
/// Implementations must reach every `NodeId` the value holds, and every
/// value derived from one. A collection that the model keeps sorted must
/// come out sorted again: `BTreeMap` and `BTreeSet` are rebuilt, a `Vec`
/// keeps its order (a queue stays a queue), so a model that keeps a `Vec`
/// sorted by node must sort it again in its own implementation.
///
/// [`rename_fields!`](crate::rename_fields), [`rename_variants!`](crate::rename_variants)
/// and [`rename_nothing!`](crate::rename_nothing) write the usual
/// implementations, both methods, in one line per type.
pub trait Rename {
    fn rename(&mut self, map: &NodeMap);

    /// Hands `ids` every [`RequestId`] the value holds, and every
    /// [`Requests`] (which holds a client's outstanding and next ids), so
    /// that the checker can renumber a client's request ids (see
    /// `src/world/request_ids.rs`). It has no default on purpose: an
    /// implementation written by hand must say where its ids are, or that
    /// it holds none. Rebuild sorted collections as [`Rename::rename`] does.
    fn visit_ids(&mut self, ids: &mut dyn VisitIds);

    /// Hands `ids` the same ids as [`Rename::visit_ids`], in the same
    /// order, without changing anything: how the checker learns what
    /// renumbering would do to a node's state before it copies the state
    /// (a state shares its nodes' slots with the states it came from).
    fn read_ids(&self, ids: &mut dyn ReadIds);
}

/// What [`Rename::visit_ids`] hands request ids to: the checker's
/// renumbering, or a probe that looks for them.
pub trait VisitIds {
    /// A request id, in a message or kept by a client outside its
    /// [`Requests`].
    fn id(&mut self, id: &mut RequestId);

    /// A client's [`Requests`]: the id its outstanding request was last
    /// sent under, if one is outstanding, and the id its next request gets.
    fn requests(&mut self, outstanding: Option<&mut RequestId>, next_id: &mut RequestId);
}

/// What [`Rename::read_ids`] hands request ids to: [`VisitIds`], read only.
pub trait ReadIds {
    fn id(&mut self, id: RequestId);

    fn requests(&mut self, outstanding: Option<RequestId>, next_id: RequestId);
}

impl Rename for NodeId {
    fn rename(&mut self, map: &NodeMap) {
        *self = map.get(*self);
    }

    fn visit_ids(&mut self, _ids: &mut dyn VisitIds) {}

    fn read_ids(&self, _ids: &mut dyn ReadIds) {}
}

/// Implements [`Rename`] as a no-op for types that hold no [`NodeId`] and
/// no [`RequestId`] (nor a [`Requests`]).
#[macro_export]
macro_rules! rename_nothing {
    ($($t:ty),* $(,)?) => {
        $(impl $crate::node::Rename for $t {
            fn rename(&mut self, _map: &$crate::node::NodeMap) {}
            fn visit_ids(&mut self, _ids: &mut dyn $crate::node::VisitIds) {}
            fn read_ids(&self, _ids: &mut dyn $crate::node::ReadIds) {}
        })*
    };
}

/// Implements [`Rename`] for a struct by renaming (and visiting the request
/// ids of) each of its fields; the compiler checks that every field is
/// listed. `rename_fields!(Key { value, expires_at });`
#[macro_export]
macro_rules! rename_fields {
    ($t:ident { $($f:ident),* $(,)? }) => {
        impl $crate::node::Rename for $t {
            fn rename(&mut self, map: &$crate::node::NodeMap) {
                let $t { $($f),* } = self;
                $($crate::node::Rename::rename($f, map);)*
                let _ = map;
            }

            fn visit_ids(&mut self, ids: &mut dyn $crate::node::VisitIds) {
                let $t { $($f),* } = self;
                $($crate::node::Rename::visit_ids($f, ids);)*
                let _ = ids;
            }

            fn read_ids(&self, ids: &mut dyn $crate::node::ReadIds) {
                let $t { $($f),* } = self;
                $($crate::node::Rename::read_ids($f, ids);)*
                let _ = ids;
            }
        }
    };
}

/// Implements [`Rename`] for an enum by renaming (and visiting the request
/// ids of) the fields of each variant; the compiler checks that every
/// variant and field is listed.
/// `rename_variants!(Msg { Req { id, cmd }, Rep { id, reply }, Ping, Token(t) });`
#[macro_export]
macro_rules! rename_variants {
    ($t:ident { $($v:ident $({ $($f:ident),* $(,)? })? $(( $($p:ident),* $(,)? ))?),* $(,)? }) => {
        impl $crate::node::Rename for $t {
            #[allow(unused_variables)]
            fn rename(&mut self, map: &$crate::node::NodeMap) {
                match self {
                    $($t::$v $({ $($f),* })? $(( $($p),* ))? => {
                        $($($crate::node::Rename::rename($f, map);)*)?
                        $($($crate::node::Rename::rename($p, map);)*)?
                    })*
                }
            }

            #[allow(unused_variables)]
            fn visit_ids(&mut self, ids: &mut dyn $crate::node::VisitIds) {
                match self {
                    $($t::$v $({ $($f),* })? $(( $($p),* ))? => {
                        $($($crate::node::Rename::visit_ids($f, ids);)*)?
                        $($($crate::node::Rename::visit_ids($p, ids);)*)?
                    })*
                }
            }

            #[allow(unused_variables)]
            fn read_ids(&self, ids: &mut dyn $crate::node::ReadIds) {
                match self {
                    $($t::$v $({ $($f),* })? $(( $($p),* ))? => {
                        $($($crate::node::Rename::read_ids($f, ids);)*)?
                        $($($crate::node::Rename::read_ids($p, ids);)*)?
                    })*
                }
            }
        }
    };
}

rename_nothing!(
    (),
    ConnId,
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    String,
    Instant,
    Nonces
);

impl<T: Rename> Rename for Option<T> {
    fn rename(&mut self, map: &NodeMap) {
        if let Some(x) = self {
            x.rename(map);
        }
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        if let Some(x) = self {
            x.visit_ids(ids);
        }
    }

    fn read_ids(&self, ids: &mut dyn ReadIds) {
        if let Some(x) = self {
            x.read_ids(ids);
        }
    }
}

impl<T: Rename> Rename for Box<T> {
    fn rename(&mut self, map: &NodeMap) {
        (**self).rename(map);
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        (**self).visit_ids(ids);
    }

    fn read_ids(&self, ids: &mut dyn ReadIds) {
        (**self).read_ids(ids);
    }
}

impl<T: Rename> Rename for Vec<T> {
    fn rename(&mut self, map: &NodeMap) {
        for x in self {
            x.rename(map);
        }
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        for x in self {
            x.visit_ids(ids);
        }
    }

    fn read_ids(&self, ids: &mut dyn ReadIds) {
        for x in self {
            x.read_ids(ids);
        }
    }
}

impl<T: Rename> Rename for std::collections::VecDeque<T> {
    fn rename(&mut self, map: &NodeMap) {
        for x in self {
            x.rename(map);
        }
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        for x in self {
            x.visit_ids(ids);
        }
    }

    fn read_ids(&self, ids: &mut dyn ReadIds) {
        for x in self {
            x.read_ids(ids);
        }
    }
}

impl<T: Rename, const N: usize> Rename for [T; N] {
    fn rename(&mut self, map: &NodeMap) {
        for x in self {
            x.rename(map);
        }
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        for x in self {
            x.visit_ids(ids);
        }
    }

    fn read_ids(&self, ids: &mut dyn ReadIds) {
        for x in self {
            x.read_ids(ids);
        }
    }
}

impl<K: Rename + Ord, V: Rename> Rename for std::collections::BTreeMap<K, V> {
    fn rename(&mut self, map: &NodeMap) {
        *self = std::mem::take(self)
            .into_iter()
            .map(|(mut k, mut v)| {
                k.rename(map);
                v.rename(map);
                (k, v)
            })
            .collect();
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        *self = std::mem::take(self)
            .into_iter()
            .map(|(mut k, mut v)| {
                k.visit_ids(ids);
                v.visit_ids(ids);
                (k, v)
            })
            .collect();
    }

    fn read_ids(&self, ids: &mut dyn ReadIds) {
        for (k, v) in self {
            k.read_ids(ids);
            v.read_ids(ids);
        }
    }
}

impl<T: Rename + Ord> Rename for std::collections::BTreeSet<T> {
    fn rename(&mut self, map: &NodeMap) {
        *self = std::mem::take(self)
            .into_iter()
            .map(|mut x| {
                x.rename(map);
                x
            })
            .collect();
    }

    fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
        *self = std::mem::take(self)
            .into_iter()
            .map(|mut x| {
                x.visit_ids(ids);
                x
            })
            .collect();
    }

    fn read_ids(&self, ids: &mut dyn ReadIds) {
        for x in self {
            x.read_ids(ids);
        }
    }
}

macro_rules! rename_tuple {
    ($($n:tt $t:ident),*) => {
        impl<$($t: Rename),*> Rename for ($($t,)*) {
            fn rename(&mut self, map: &NodeMap) {
                $(self.$n.rename(map);)*
            }

            fn visit_ids(&mut self, ids: &mut dyn VisitIds) {
                $(self.$n.visit_ids(ids);)*
            }

            fn read_ids(&self, ids: &mut dyn ReadIds) {
                $(self.$n.read_ids(ids);)*
            }
        }
    };
}
rename_tuple!(0 A);
rename_tuple!(0 A, 1 B);
rename_tuple!(0 A, 1 B, 2 C);
rename_tuple!(0 A, 1 B, 2 C, 3 D);
rename_tuple!(0 A, 1 B, 2 C, 3 D, 4 E);

/// How to rename a model's state and events when nodes are permuted, and
/// how to reach their request ids: what a model that declares client
/// symmetry hands the harness (see [`LockModel::client_symmetry`]). Build
/// it with [`Symmetry::by_rename`].
pub struct Symmetry<M: LockModel> {
    pub server: fn(&mut M::Server, &NodeMap),
    pub durable: fn(&mut M::Durable, &NodeMap),
    pub client: fn(&mut M::Client, &NodeMap),
    pub msg: fn(&mut M::Msg, &NodeMap),
    pub timer: fn(&mut M::Timer, &NodeMap),
    pub server_ids: fn(&mut M::Server, &mut dyn VisitIds),
    pub durable_ids: fn(&mut M::Durable, &mut dyn VisitIds),
    pub client_ids: fn(&mut M::Client, &mut dyn VisitIds),
    pub msg_ids: fn(&mut M::Msg, &mut dyn VisitIds),
    pub timer_ids: fn(&mut M::Timer, &mut dyn VisitIds),
    pub read_server_ids: fn(&M::Server, &mut dyn ReadIds),
    pub read_durable_ids: fn(&M::Durable, &mut dyn ReadIds),
    pub read_client_ids: fn(&M::Client, &mut dyn ReadIds),
    pub read_msg_ids: fn(&M::Msg, &mut dyn ReadIds),
    pub read_timer_ids: fn(&M::Timer, &mut dyn ReadIds),
}

impl<M: LockModel> Clone for Symmetry<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M: LockModel> Copy for Symmetry<M> {}

impl<M: LockModel> Symmetry<M>
where
    M::Server: Rename,
    M::Durable: Rename,
    M::Client: Rename,
    M::Msg: Rename,
    M::Timer: Rename,
{
    /// Renames, and visits request ids, through the types' [`Rename`]
    /// implementations.
    pub fn by_rename() -> Symmetry<M> {
        Symmetry {
            server: |x, m| x.rename(m),
            durable: |x, m| x.rename(m),
            client: |x, m| x.rename(m),
            msg: |x, m| x.rename(m),
            timer: |x, m| x.rename(m),
            server_ids: |x, v| x.visit_ids(v),
            durable_ids: |x, v| x.visit_ids(v),
            client_ids: |x, v| x.visit_ids(v),
            msg_ids: |x, v| x.visit_ids(v),
            timer_ids: |x, v| x.visit_ids(v),
            read_server_ids: |x, v| x.read_ids(v),
            read_durable_ids: |x, v| x.read_ids(v),
            read_client_ids: |x, v| x.read_ids(v),
            read_msg_ids: |x, v| x.read_ids(v),
            read_timer_ids: |x, v| x.read_ids(v),
        }
    }
}

/// [`rename_fields!`] and [`times_fields!`](crate::times_fields) at once,
/// for a struct whose fields hold both node ids and instants (or either,
/// where the other trait is implemented for every field's type):
/// `visit_fields!(Item { owner, rvn });`
#[macro_export]
macro_rules! visit_fields {
    ($($body:tt)*) => {
        $crate::rename_fields!($($body)*);
        $crate::times_fields!($($body)*);
    };
}

/// [`rename_variants!`] and [`times_variants!`](crate::times_variants) at
/// once: `visit_variants!(Msg { Req { id, cmd }, Rep { id, reply } });`
#[macro_export]
macro_rules! visit_variants {
    ($($body:tt)*) => {
        $crate::rename_variants!($($body)*);
        $crate::times_variants!($($body)*);
    };
}
