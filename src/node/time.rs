//! Time, values unique per acquisition and fencing tokens as models keep
//! them: [`Instant`], [`Nonce`] and [`Nonces`], [`FenceToken`] and
//! [`FenceCounter`], and the [`Times`] visitor through which the harness
//! reaches them (to merge passed times and renumber nonces and tokens).

use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use super::*;

/// An absolute time read from a node's clock, wall or monotonic, in ticks:
/// what a model keeps or sends when it remembers a point in time (a key's
/// expiry, a row's `expires_at`, a file's mtime, a message's
/// time-to-live), as opposed to a duration (`ttl_ticks`), which is a plain
/// number.
///
/// A model gets one only from its clock ([`Ctx::wall`], [`Ctx::mono`]) or
/// from another one ([`Instant::after`]), and uses it only by comparing it
/// (with a clock reading or with another `Instant`) and by adding a
/// duration to it. There is no arithmetic that yields a plain number: the
/// liveness checker moves every `Instant` of a state by the same amount and
/// merges those that have passed for good (see [`Times`]), and a model
/// that turned one into a number, or computed one from a number, would
/// behave differently after that move. [`Display`](std::fmt::Display)
/// prints the ticks, for timelines.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Instant(i64);

impl Instant {
    /// The instant `ticks` later on the same clock.
    pub fn after(self, ticks: u32) -> Instant {
        Instant(self.0 + ticks as i64)
    }

    /// The instant `ticks` earlier on the same clock.
    pub fn before(self, ticks: u32) -> Instant {
        Instant(self.0 - ticks as i64)
    }

    /// Whether this instant has come on a clock that reads `now` (read
    /// from the same clock): `now >= self`.
    pub fn has_come(self, now: Instant) -> bool {
        now >= self
    }

    /// How long until this instant comes on a clock that reads `now` (read
    /// from the same clock), to set a timer for it; `None` if it has come.
    /// A time that passed for good has come on every clock, merged or not,
    /// so this behaves the same under the liveness checker's shift.
    pub fn ticks_until(self, now: Instant) -> Option<u32> {
        (self.0 > now.0).then(|| u32::try_from(self.0 - now.0).unwrap_or(u32::MAX))
    }

    /// For the harness only (the world and the liveness checker): an
    /// instant from its ticks.
    pub(crate) fn from_ticks(ticks: i64) -> Instant {
        Instant(ticks)
    }

    /// For the harness only: the instant's ticks.
    pub(crate) fn ticks(self) -> i64 {
        self.0
    }
}

impl Debug for Instant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::fmt::Display for Instant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Hands every [`Instant`] a value holds to a [`VisitTimes`], so that the
/// liveness checker can move them all when it shifts time (see
/// [`LockModel::times`]).
///
/// Implementations must reach every `Instant` the value holds. A time kept
/// as a plain integer is not reached and makes the liveness verdicts
/// unsound; `tests/suite/time_shift.rs` catches it on the states it samples.
/// [`times_fields!`](crate::times_fields), [`times_variants!`](crate::times_variants)
/// and [`times_nothing!`](crate::times_nothing) write the usual
/// implementations in one line per type. A collection sorted by value
/// comes out sorted again (`BTreeMap` and `BTreeSet` are rebuilt).
pub trait Times {
    fn visit_times(&mut self, times: &mut dyn VisitTimes);

    /// Hands `times` the same instants and nonces as
    /// [`Times::visit_times`], in the same order, without changing
    /// anything: how the checker learns what merging or renumbering would
    /// do to a node's state before it copies the state (a state shares its
    /// nodes' slots with the states it came from).
    fn read_times(&self, times: &mut dyn ReadTimes);
}

/// What [`Times::read_times`] hands instants and nonces to:
/// [`VisitTimes`], read only.
pub trait ReadTimes {
    fn instant(&mut self, t: Instant);

    fn nonce(&mut self, _n: Nonce) {}

    fn nonces(&mut self, _n: Nonces) {}

    /// A number of `family` ([`TokenFamily`]): a [`FenceToken`], a
    /// sequence or session number.
    fn token(&mut self, _family: TokenFamily, _number: u64) {}

    /// The last number a counter of `family` handed out: a
    /// [`FenceCounter`], a server's count of sequence or sessions numbers.
    fn counter(&mut self, _family: TokenFamily, _last: u64) {}
}

/// What [`Times::visit_times`] hands instants and nonces to: the liveness
/// checker's time shift and nonce renumbering, or a probe that collects
/// them.
pub trait VisitTimes {
    fn instant(&mut self, t: &mut Instant);

    /// A [`Nonce`]. The default leaves it alone (the time shift).
    fn nonce(&mut self, _n: &mut Nonce) {}

    /// A client's [`Nonces`], the source of its nonces. The default leaves
    /// it alone.
    fn nonces(&mut self, _n: &mut Nonces) {}

    /// A number of `family` ([`TokenFamily`]): a [`FenceToken`], a
    /// sequence or session number. The default leaves it alone.
    fn token(&mut self, _family: TokenFamily, _number: &mut u64) {}

    /// The last number a counter of `family` handed out: a server's
    /// [`FenceCounter`], its count of sequence or session numbers. The
    /// default leaves it alone.
    fn counter(&mut self, _family: TokenFamily, _last: &mut u64) {}
}

/// Which counter a number that grows with every grant comes from. The
/// liveness checker renumbers each family on its own, in order, from its
/// own counters (see `src/world/tokens.rs`): numbers of two families are
/// never compared with each other, and two counters that grow at
/// different rates in one family would keep their distance growing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenFamily {
    /// Fencing tokens ([`FenceToken`] from a [`FenceCounter`]), the ones a
    /// model hands to [`Out::acquired`] and the resource compares.
    Fence,
    /// A server's sequence numbers (a ZooKeeper sequential node's), which
    /// order a line.
    Sequence,
    /// One client's session numbers ([`SessionId::n`]), counted per client
    /// by the server that opens them.
    Sessions(NodeId),
}

impl TokenFamily {
    /// Whether a handler may read this family's counter as a number
    /// ([`FenceCounter::last`]) rather than only hand out the next one. A
    /// sequence or session count is only handed out from, which lets the
    /// renumbering forget whether the last number handed out is still
    /// held (see `src/world/tokens.rs`).
    pub fn counter_read(self) -> bool {
        matches!(self, TokenFamily::Fence)
    }

    /// The constants a handler may compare this family's numbers with,
    /// which the renumbering keeps: 0 (none yet) and, for fencing tokens,
    /// 1 (`SETNX`'s value). Sequence and session numbers start from 1 and
    /// are compared only with each other.
    pub fn constants(self) -> &'static [u64] {
        match self {
            TokenFamily::Fence => &[0, 1],
            TokenFamily::Sequence | TokenFamily::Sessions(_) => &[0],
        }
    }

    /// Hands `number`, a number of this family kept in any unsigned
    /// integer, to `times`. The renumbering only ever lowers a number.
    pub fn visit<T: Copy + Into<u64> + TryFrom<u64>>(
        self,
        number: &mut T,
        times: &mut dyn VisitTimes,
    ) {
        let mut n: u64 = (*number).into();
        times.token(self, &mut n);
        *number = lowered(n);
    }

    /// [`TokenFamily::visit`], read only.
    pub fn read<T: Copy + Into<u64>>(self, number: T, times: &mut dyn ReadTimes) {
        times.token(self, number.into());
    }

    /// Hands `last`, the last number a counter of this family handed out,
    /// to `times`.
    pub fn visit_counter<T: Copy + Into<u64> + TryFrom<u64>>(
        self,
        last: &mut T,
        times: &mut dyn VisitTimes,
    ) {
        let mut n: u64 = (*last).into();
        times.counter(self, &mut n);
        *last = lowered(n);
    }

    /// [`TokenFamily::visit_counter`], read only.
    pub fn read_counter<T: Copy + Into<u64>>(self, last: T, times: &mut dyn ReadTimes) {
        times.counter(self, last.into());
    }
}

/// A renumbered value back in its own type: the renumbering maps every
/// value to one no larger, so it fits.
fn lowered<T: TryFrom<u64>>(n: u64) -> T {
    T::try_from(n).unwrap_or_else(|_| unreachable!("a renumbered value is no larger than before"))
}

/// A value unique to one acquisition of one client (the random token
/// redis-py writes into its key, a UUID a client stamps on its row), which
/// handlers compare only for equality: with each other, and with the
/// values of the client's later acquisitions.
///
/// A client draws its nonces from its one [`Nonces`], which it keeps in its
/// state, and a nonce names the client that drew it, so that symmetry
/// renames it with the client ([`Rename`]). Nothing turns one into a
/// number a handler could compute with: the liveness checker renumbers
/// them (see `src/world/nonces.rs`), shifting all of a client's nonces and
/// its `Nonces` by the same amount, so that rounds without end leave a
/// finite graph. A value unique per acquisition kept as a plain integer
/// is not renumbered, and grows with every round.
///
/// It reads, and is stored in traces, as the number `owner << 8 | serial`
/// (`257` for the first nonce of node 1), above any plain value below
/// 256 a model may keep beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nonce {
    owner: NodeId,
    serial: u8,
}

impl Nonce {
    /// The number it reads as (see above).
    pub fn number(self) -> u64 {
        ((self.owner.0 as u64) << 8) | self.serial as u64
    }

    /// The nonce that reads as `number`, for reading traces back; `None`
    /// if it reads as no nonce (below 256, or its node beyond 255).
    pub fn from_number(number: u64) -> Option<Nonce> {
        let owner = u8::try_from(number >> 8).ok().filter(|o| *o != 0)?;
        Some(Nonce {
            owner: NodeId(owner),
            serial: number as u8,
        })
    }

    /// The client that drew it.
    pub fn owner(self) -> NodeId {
        self.owner
    }

    /// Which of its owner's draws it was (1 for the first), for timelines:
    /// handlers compare nonces only for equality.
    pub fn serial(self) -> u8 {
        self.serial
    }

    /// For the harness only: moves the serial down by `by`, as the
    /// owner's [`Nonces`] moves.
    pub(crate) fn shift_down(&mut self, by: u8) {
        self.serial = self.serial.wrapping_sub(by);
    }
}

impl std::fmt::Display for Nonce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.number())
    }
}

impl Serialize for Nonce {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.number())
    }
}

impl<'de> Deserialize<'de> for Nonce {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        Nonce::from_number(n).ok_or_else(|| serde::de::Error::custom(format!("{n} is not a nonce")))
    }
}

/// Where a client's [`Nonce`]s come from: the serial of the last one it
/// drew. Serials wrap at 256; the liveness checker shifts them (see
/// [`Nonce`]), and no bounded run draws 256. A client keeps at most one,
/// in its own state; servers keep none.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Nonces(u8);

impl Nonces {
    pub fn new() -> Nonces {
        Nonces(0)
    }

    /// A nonce that no other client drew and this one has not drawn
    /// before (nor will again for 255 draws).
    pub fn fresh(&mut self, ctx: &Ctx) -> Nonce {
        self.0 = self.0.wrapping_add(1);
        Nonce {
            owner: ctx.id,
            serial: self.0,
        }
    }

    /// For the harness only: the serial of the last nonce drawn.
    pub(crate) fn last(self) -> u8 {
        self.0
    }

    /// For the harness only: moves down by `by` with the owner's nonces.
    pub(crate) fn shift_down(&mut self, by: u8) {
        self.0 = self.0.wrapping_sub(by);
    }
}

impl Times for Nonce {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        times.nonce(self);
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        times.nonce(*self);
    }
}

impl Times for Nonces {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        times.nonces(self);
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        times.nonces(*self);
    }
}

impl Rename for Nonce {
    fn rename(&mut self, map: &NodeMap) {
        self.owner.rename(map);
    }

    // A nonce is not a request id: servers store it.
    fn visit_ids(&mut self, _ids: &mut dyn VisitIds) {}

    fn read_ids(&self, _ids: &mut dyn ReadIds) {}
}

/// A number that grows with every grant (a fencing token a lock server
/// hands out, `INCR lock:fence`), which handlers compare only for order
/// and equality: with each other, with the constants 0 and 1, and with the
/// tokens the server hands out later, which come only from its
/// [`FenceCounter`].
///
/// Nothing computes with one: under rounds without end, the liveness
/// checker renumbers every token a state holds, in order, so that the
/// graph stays finite (see `src/world/tokens.rs`). A token kept as a plain
/// integer is not renumbered, and grows with every round.
///
/// It reads, and is stored in traces and on real servers, as its number.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct FenceToken(u64);

impl FenceToken {
    /// Before any grant.
    pub const ZERO: FenceToken = FenceToken(0);

    /// The token that reads as `number`: a constant (0 before any grant,
    /// `SETNX`'s 1), a token read back from a trace or a real server, or
    /// one a server derives from a counter it replicates.
    pub const fn from_number(number: u64) -> FenceToken {
        FenceToken(number)
    }

    /// The number it reads as: for timelines, real servers and
    /// [`Out::acquired`].
    pub fn number(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for FenceToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a server's [`FenceToken`]s come from: the last one it handed out
/// (0 before the first). The liveness checker renumbers it with the tokens,
/// so the next one stays above every token handed out before.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct FenceCounter(u64);

impl FenceCounter {
    pub fn new() -> FenceCounter {
        FenceCounter(0)
    }

    /// The counter whose last token was `last`: one a server restores, or
    /// a fixture that starts mid-history.
    pub const fn from_last(last: u64) -> FenceCounter {
        FenceCounter(last)
    }

    /// The next token: above every one this counter handed out before.
    pub fn hand_out(&mut self) -> FenceToken {
        self.0 += 1;
        FenceToken(self.0)
    }

    /// The last token handed out (0 before the first).
    pub fn last(self) -> FenceToken {
        FenceToken(self.0)
    }
}

impl Times for FenceToken {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        TokenFamily::Fence.visit(&mut self.0, times);
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        TokenFamily::Fence.read(self.0, times);
    }
}

impl Times for FenceCounter {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        TokenFamily::Fence.visit_counter(&mut self.0, times);
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        TokenFamily::Fence.read_counter(self.0, times);
    }
}

crate::rename_nothing!(FenceToken, FenceCounter);

impl Times for Instant {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        times.instant(self);
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        times.instant(*self);
    }
}

/// Implements [`Times`] as a no-op for types that hold no [`Instant`].
#[macro_export]
macro_rules! times_nothing {
    ($($t:ty),* $(,)?) => {
        $(impl $crate::node::Times for $t {
            fn visit_times(&mut self, _times: &mut dyn $crate::node::VisitTimes) {}
            fn read_times(&self, _times: &mut dyn $crate::node::ReadTimes) {}
        })*
    };
}

/// Implements [`Times`] for a struct by visiting each of its fields; the
/// compiler checks that every field is listed.
/// `times_fields!(Key { value, expires_at });`
#[macro_export]
macro_rules! times_fields {
    ($t:ident { $($f:ident),* $(,)? }) => {
        impl $crate::node::Times for $t {
            fn visit_times(&mut self, times: &mut dyn $crate::node::VisitTimes) {
                let $t { $($f),* } = self;
                $($crate::node::Times::visit_times($f, times);)*
                let _ = times;
            }

            fn read_times(&self, times: &mut dyn $crate::node::ReadTimes) {
                let $t { $($f),* } = self;
                $($crate::node::Times::read_times($f, times);)*
                let _ = times;
            }
        }
    };
}

/// Implements [`Times`] for an enum by visiting the fields of each variant;
/// the compiler checks that every variant and field is listed.
/// `times_variants!(Msg { Req { id, cmd }, Rep { id, reply }, Ping, Token(t) });`
#[macro_export]
macro_rules! times_variants {
    ($t:ident { $($v:ident $({ $($f:ident),* $(,)? })? $(( $($p:ident),* $(,)? ))?),* $(,)? }) => {
        impl $crate::node::Times for $t {
            #[allow(unused_variables)]
            fn visit_times(&mut self, times: &mut dyn $crate::node::VisitTimes) {
                match self {
                    $($t::$v $({ $($f),* })? $(( $($p),* ))? => {
                        $($($crate::node::Times::visit_times($f, times);)*)?
                        $($($crate::node::Times::visit_times($p, times);)*)?
                    })*
                }
            }

            #[allow(unused_variables)]
            fn read_times(&self, times: &mut dyn $crate::node::ReadTimes) {
                match self {
                    $($t::$v $({ $($f),* })? $(( $($p),* ))? => {
                        $($($crate::node::Times::read_times($f, times);)*)?
                        $($($crate::node::Times::read_times($p, times);)*)?
                    })*
                }
            }
        }
    };
}

times_nothing!(
    (),
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
    NodeId,
    NodeSet,
    RequestId
);

impl<T: Times> Times for Option<T> {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        if let Some(x) = self {
            x.visit_times(times);
        }
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        if let Some(x) = self {
            x.read_times(times);
        }
    }
}

impl<T: Times> Times for Box<T> {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        (**self).visit_times(times);
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        (**self).read_times(times);
    }
}

impl<T: Times> Times for Vec<T> {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        for x in self {
            x.visit_times(times);
        }
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        for x in self {
            x.read_times(times);
        }
    }
}

impl<T: Times> Times for std::collections::VecDeque<T> {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        for x in self {
            x.visit_times(times);
        }
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        for x in self {
            x.read_times(times);
        }
    }
}

impl<T: Times, const N: usize> Times for [T; N] {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        for x in self {
            x.visit_times(times);
        }
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        for x in self {
            x.read_times(times);
        }
    }
}

impl<K: Times + Ord, V: Times> Times for std::collections::BTreeMap<K, V> {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        *self = std::mem::take(self)
            .into_iter()
            .map(|(mut k, mut v)| {
                k.visit_times(times);
                v.visit_times(times);
                (k, v)
            })
            .collect();
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        for (k, v) in self {
            k.read_times(times);
            v.read_times(times);
        }
    }
}

impl<T: Times + Ord> Times for std::collections::BTreeSet<T> {
    fn visit_times(&mut self, times: &mut dyn VisitTimes) {
        *self = std::mem::take(self)
            .into_iter()
            .map(|mut x| {
                x.visit_times(times);
                x
            })
            .collect();
    }

    fn read_times(&self, times: &mut dyn ReadTimes) {
        for x in self {
            x.read_times(times);
        }
    }
}

macro_rules! times_tuple {
    ($($n:tt $t:ident),*) => {
        impl<$($t: Times),*> Times for ($($t,)*) {
            fn visit_times(&mut self, times: &mut dyn VisitTimes) {
                $(self.$n.visit_times(times);)*
            }

            fn read_times(&self, times: &mut dyn ReadTimes) {
                $(self.$n.read_times(times);)*
            }
        }
    };
}
times_tuple!(0 A);
times_tuple!(0 A, 1 B);
times_tuple!(0 A, 1 B, 2 C);
times_tuple!(0 A, 1 B, 2 C, 3 D);
times_tuple!(0 A, 1 B, 2 C, 3 D, 4 E);

/// How the liveness checker reaches the [`Instant`]s of a model's state
/// and events: what a model that keeps its times as `Instant`s hands the
/// harness (see [`LockModel::times`]). Build it with
/// [`TimeVisitors::by_times`].
pub struct TimeVisitors<M: LockModel> {
    pub server: fn(&mut M::Server, &mut dyn VisitTimes),
    pub durable: fn(&mut M::Durable, &mut dyn VisitTimes),
    pub client: fn(&mut M::Client, &mut dyn VisitTimes),
    pub msg: fn(&mut M::Msg, &mut dyn VisitTimes),
    pub timer: fn(&mut M::Timer, &mut dyn VisitTimes),
    pub read_server: fn(&M::Server, &mut dyn ReadTimes),
    pub read_durable: fn(&M::Durable, &mut dyn ReadTimes),
    pub read_client: fn(&M::Client, &mut dyn ReadTimes),
    pub read_msg: fn(&M::Msg, &mut dyn ReadTimes),
    pub read_timer: fn(&M::Timer, &mut dyn ReadTimes),
    /// The longest duration a handler adds to an instant it kept (a file's
    /// mtime plus the TTL, compared with the clock later), rather than to
    /// a clock reading it just took: an instant further than this below
    /// every clock has passed for good, and only such instants are merged.
    /// 0 (the default of [`TimeVisitors::by_times`]) when the model adds
    /// durations only to fresh readings (`ctx.wall().after(ttl_ticks)`).
    pub kept_plus_ticks_max: u32,
}

impl<M: LockModel> Clone for TimeVisitors<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M: LockModel> Copy for TimeVisitors<M> {}

impl<M: LockModel> TimeVisitors<M>
where
    M::Server: Times,
    M::Durable: Times,
    M::Client: Times,
    M::Msg: Times,
    M::Timer: Times,
{
    /// Visits through the types' [`Times`] implementations.
    pub fn by_times() -> TimeVisitors<M> {
        TimeVisitors {
            server: |x, v| x.visit_times(v),
            durable: |x, v| x.visit_times(v),
            client: |x, v| x.visit_times(v),
            msg: |x, v| x.visit_times(v),
            timer: |x, v| x.visit_times(v),
            read_server: |x, v| x.read_times(v),
            read_durable: |x, v| x.read_times(v),
            read_client: |x, v| x.read_times(v),
            read_msg: |x, v| x.read_times(v),
            read_timer: |x, v| x.read_times(v),
            kept_plus_ticks_max: 0,
        }
    }

    /// The same, for a model whose handlers add up to `ticks` to an
    /// instant they kept (see [`TimeVisitors::kept_plus_ticks_max`]).
    pub fn adding_to_kept(self, ticks: u32) -> TimeVisitors<M> {
        TimeVisitors {
            kept_plus_ticks_max: ticks,
            ..self
        }
    }
}
