//! The Amazon DynamoDB Lock Client: a lock item with an owner, a lease
//! duration and a record version number (RVN) that the holder changes with
//! every heartbeat; a waiter takes the lock over when the RVN has not
//! changed for a lease duration on its own clock.
//!
//! Source: the Java library `com.amazonaws:dynamodb-lock-client`, v1.2.x,
//! class `com.amazonaws.services.dynamodbv2.AmazonDynamoDBLockClient`:
//! `acquireLock` (the loop that reads the item with `getLockFromDynamoDB`,
//! keeps the first item it saw as `lockTryingToBeAcquired`, and calls
//! `upsertAndMonitorNewLock` when there is no item or
//! `upsertAndMonitorExpiredLock` when the RVN it saw has not changed and
//! `LockItem.isExpired()`), `sendHeartbeat` (a conditional `UpdateItem` on
//! the owner and the RVN that writes a fresh RVN), the heartbeat background
//! thread (`run`, every `heartbeatPeriod`) and `releaseLock` (a conditional
//! `DeleteItem` on the owner and the RVN). `LockItem.isExpired()` compares
//! `LockClientUtils.millisecondTime()` (`System.nanoTime`) with the time the
//! item was read or last heartbeated: the client's monotonic clock. The
//! defaults (`AmazonDynamoDBLockClientOptions`): `leaseDuration` 20 s,
//! `heartbeatPeriod` 5 s; `AcquireLockOptions.refreshPeriod` 1 s.
//!
//! # The server (`dynamodb`)
//! DynamoDB is modelled as one linearizable server: every request (the
//! client reads with `ConsistentRead`) is applied atomically in arrival
//! order. It keeps the lock item (its owner and RVN) and, for the fenced
//! variant, a counter in the item. It keeps no time: nothing on the server
//! expires (the item carries its lease duration, which only clients read),
//! and DynamoDB's TTL attribute is not used. DynamoDB makes every write
//! durable before it answers: a restarted server has the item back.
//! - **GetItem** returns the item.
//! - **PutItem** with `attribute_not_exists(key)` (a new lock), or with
//!   `recordVersionNumber = :rvn` (a takeover), writes the item with the
//!   client as owner and a new RVN.
//! - **UpdateItem** (heartbeat) with `ownerName = :me AND
//!   recordVersionNumber = :rvn` writes a new RVN.
//! - **DeleteItem** (release) with the same condition deletes the item.
//!
//! # The client
//! 1. `acquireLock`: read the item. None: put it (`attribute_not_exists`);
//!    granted: hold the lock. Refused (someone was first): the call throws
//!    `LockNotGrantedException`, and the application calls it again.
//! 2. An item held by someone: if its RVN is not the one the client saw
//!    before, remember this RVN and the time of the read (the
//!    `lookupTime`, on the client's monotonic clock); if it is the same and
//!    more than `ttl_ticks` have passed since (`isExpired`), put the item
//!    on the condition that the RVN is still that one, as in 1. Otherwise
//!    sleep `refreshPeriod` and read again.
//! 3. Holding: the heartbeat thread, every `heartbeatPeriod`, sends a
//!    heartbeat with a fresh RVN on the condition that the RVN is still its
//!    own, and on success keeps the new RVN and the time it sent it. If the lock has expired on the client's
//!    own clock (a heartbeat late by more than the lease), or a heartbeat is
//!    refused, the thread drops the lock from its list and stops
//!    (`LockNotGrantedException`, logged in the background thread). The
//!    application is not told: it learns only if it asks the item
//!    (`LockItem.isExpired()`), which the critical section does not.
//! 4. `releaseLock`: drop the lock from the heartbeat list and delete the
//!    item on the owner and the RVN it last heartbeated with (a heartbeat
//!    in flight finishes first: both synchronize on the `LockItem`). A
//!    refused delete returns `false`; the release is over either way.
//! 5. When its connection breaks, the AWS SDK retries the request in flight
//!    on a new one. A conditional write whose first copy was applied is
//!    refused the second time (its condition no longer holds): an acquire
//!    then throws and the application calls `acquireLock` again, meets its
//!    own item, and waits a lease for it; a heartbeat fails and stops, and
//!    the release that follows is refused, so the item stays until a
//!    waiter takes it over. Slow, not unsafe.
//!
//! # Variants
//! - `dynamodb_lock`: the client as shipped, with its default heartbeat
//!   thread. The resource is not fenced: the library hands out no token.
//! - `dynamodb_lock_fenced`: the same lock, and the resource checks a
//!   counter kept in the lock item. **The library offers no fencing
//!   token**; this is what a user can add: right after `acquireLock`
//!   returns, an `UpdateItem` that adds 1 to a counter attribute on the
//!   condition that the RVN is still the one `acquireLock` wrote, returning
//!   the new value, which the holder sends with every write to the
//!   resource; and releases with `withDeleteLock(false)` (`releaseLock` then
//!   marks the item released instead of deleting it, so the counter
//!   outlives the release). The model folds the increment into the
//!   acquiring put, which is conditional on the same item. The RVN itself
//!   is a random UUID: no order, no fence.
//!
//! # Simplified
//! - One server for DynamoDB (above); requests have no timeout (the SDK's
//!   socket timeouts are left out: a request waits until its connection
//!   breaks).
//! - Durations scaled from the defaults: `leaseDuration` is `ttl_ticks`,
//!   `heartbeatPeriod` a quarter of it rounded to the nearest tick (2 ticks
//!   for leases of 6 and 8, as 5 s is to 20 s), and `refreshPeriod` 1 tick
//!   (the default 1 s is a twentieth of the lease; a tick is the shortest
//!   sleep the model has). A thread that waits for an answer (the heartbeat
//!   thread, a release behind it) waits whole ticks, where DynamoDB answers
//!   in milliseconds.
//! - `acquireLock` gives up after the lease plus
//!   `additionalTimeToWaitForLock` and throws, and the application calls it
//!   again. The model's waiter goes on polling with the RVN it saw and the
//!   time it first saw it: a new call would forget them and wait a full
//!   lease from its first read, which takes over later, never earlier.
//! - A released item kept with `withDeleteLock(false)` (fenced variant) is
//!   shown as no item: an acquire takes it at once, as the library does
//!   (`isReleased`), with the RVN condition in place of
//!   `attribute_not_exists`.
//! - The session monitor (`SessionMonitor`, a callback when the lease is
//!   about to run out) is not configured, as by default.
//!
//! # Expected weaknesses
//! - **A pause longer than the lease** breaks mutual exclusion: the paused
//!   holder's heartbeats stop, the waiter sees the RVN unchanged for a lease
//!   and takes the item over, while the holder still believes it holds the
//!   lock (nothing tells it). Its write, read before the pause, lands later;
//!   the fenced resource refuses it, the unfenced one takes it.
//! - **A partition of the holder that outlasts the lease** does the same,
//!   with no pause: its heartbeats do not arrive.
//! - **A crashed holder** is survived: its RVN stops changing and a waiter
//!   takes the item over a lease later.
//! - **Server restarts and clock faults** change nothing: DynamoDB keeps
//!   the item and no time; the standard clock faults hit servers, and the
//!   lease is judged only on clients' monotonic clocks.
//! - **A waiter whose clock runs fast** (not a standard scenario: the
//!   clock scenarios drift servers) ends a stalled holder's lease early: the
//!   lease is measured on the waiter's clock, the holder's heartbeats on
//!   the holder's.
//! - **Slow hand-overs**: a waiter polls, and a released lock is taken only
//!   at its next read; the bounded `progress` fails where the horizon is
//!   short (below).
//!
//! # Expected verdicts (`models/dynamodb_lock.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//!
//! <!-- expectations: generated from dynamodb_lock.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `dynamodb_lock` | `dynamodb_lock_fenced` |
//! |---|---|---|
//! | no-faults | progress ✗ (live) | progress ✗ (live) |
//! | holder-crash | progress ✗ (live) | progress ✗ (live) |
//! | gc-pause | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, progress ✗ (live) |
//! | clock-jump | ok (live) | ok (live) |
//! | clock-drift | progress ✗ (live) | progress ✗ (live) |
//! | message-loss | progress ✗ | progress ✗ |
//! | partition | progress ✗ (live) | progress ✗ (live) |
//! | server-restart | progress ✗ (live) | progress ✗ (live) |
//! | async-network | mutex ✗, resource ✗, progress ✗ | mutex ✗, resource ?, progress ✗ (state limit 20k) |
//! | crowd-atomic | mutex ✗, resource ✗ | mutex ✗ |
//! | duplicates | ok (live) | ok (live) |
//! | endless-contention | progress ✗, starvation ✗ | progress ✗, starvation ✗ |
//! | long-work | ok (live) | ok (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/lease_service_models.rs`)
//! The two variants have the same states until an acquisition (the fenced
//! one counts acquisitions in the item), and differ only in what the
//! resource checks. The one cell marked "(20k)" stops at the 20,000 states
//! its expectations allow: searched further, it passes 6 million states in
//! a minute without deciding; a `?` there says only that the search
//! stopped.
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | violated (65) | searched to the end (17,535 states). Slow, not stuck: the waiter polls (`refreshPeriod`, 1 tick), a poll that just misses the delete costs a round trip and a sleep, and a release waits for a heartbeat in flight (both lock the `LockItem`); the second client is still releasing at tick 24. A tick is about 2.5 s at the default lease, so the delays are far coarser than DynamoDB's |
//! | holder-crash | holds | holds | violated (72) | the crashed holder's RVN stops changing; the waiter takes the item over a lease after it first saw that RVN, too late to finish by tick 30. Slow, not stuck: `deadlock_free` and `starvation_free` hold |
//! | gc-pause | violated (28) | fenced: holds (searched to the end, 562,564 states); unfenced: violated (34) | violated (69) | the holder stalls 10 ticks, longer than the 8-tick lease; the waiter sees its RVN unchanged for more than a lease and takes the item over while the stalled holder still believes it holds the lock (nothing tells it), and its write lands late. The fenced resource refuses the stale counter. Progress: slow, not stuck: the second client is still releasing at the horizon (tick 32) |
//! | clock-jump | holds | holds | holds | searched to the end (35,090 states): DynamoDB keeps no time, and the clients' monotonic clocks do not jump |
//! | clock-drift | holds | holds | violated (65) | searched to the end (105,082 states): the drifting clock is the server's, which reads none. Progress: as under no-faults (the same horizon of 24) |
//! | message-loss | holds | holds | violated (125) | searched to the end (3,041,558 states unfenced, 3,667,531 fenced; about a minute). A lost message breaks the connection and the SDK retries the request; a conditional write applied the first time is refused the second (above). Progress: slow, not stuck: the retries push the second client's release past the horizon (tick 46) |
//! | partition | holds | holds | violated (91) | searched to the end (844,014 states unfenced, 865,163 fenced). A holder cut off until tick 10 stops heartbeating, and a waiter may take the item over a lease after it saw the RVN last change; the holder's section is short, and it ends before the lease does. Progress: slow, not stuck: the first client is still releasing at the horizon (tick 36) |
//! | server-restart | holds | holds | violated (112) | searched to the end (371,204 states unfenced, 389,118 fenced): DynamoDB keeps the item across the restart, and clients retry on a new connection. Progress: the retries after the outage push the second round past the horizon |
//! | async-network | violated (18) | unfenced: violated (24, 3.3 million states); fenced: ? (20k) | violated (14) | a heartbeat may take longer than the lease: the waiter sees the RVN unchanged and takes over while the holder holds. Progress: a message may take until the horizon. The fenced cell's resource is not decided within 6 million states; the comparison stops it at 20,000 and runs the simulation |
//! | crowd-atomic | violated (43) | fenced: holds; unfenced: violated (48) | holds | three clients, two rounds, one pause of up to 10 ticks, longer than the lease; searched to the end (172,620 states unfenced, 159,173 fenced). The fence refuses the paused holder's late write |
//! | duplicates | holds (vacuous) | holds (vacuous) | holds (vacuous) | one connection per client never delivers twice |
//!
//! The liveness checker decides `deadlock_free` and `starvation_free`
//! under holder-crash, and under gc-pause, where both hold for either
//! variant (3,010,771 states unfenced): a stalled holder's heartbeats stop,
//! and the waiter takes the item over once its RVN has stood still for a
//! lease. Under partition both hold too (graphs of 3,024,822 states
//! unfenced, 3,033,434 fenced; about 14 s each): the bounded `progress` violation there is slowness, since
//! a cut-off holder's item is taken over a lease after its RVN last
//! changed. Under message-loss the graphs pass 5 million states, so it is
//! not asked. The model's times (a waiter's `lookupTime`, a
//! holder's last heartbeat) are `Instant`s and its RVNs nonces, which the
//! harness shifts and renumbers, as it renumbers the fenced variant's
//! counter (a `FenceCounter`), so nothing grows with the rounds unchecked
//! (`rounds_bounded`).
//!
//! Under endless-contention (two clients that ask again as soon as they
//! release, no faults) neither variant deadlocks, but a client can
//! starve: waiters poll, and whenever the item is free the other client's
//! conditional put may come first, forever (`starvation_free` violated,
//! lasso 24+78 unfenced, graph 40,766 states; 42+54 fenced, graph 44,136
//! states; the bounded `progress` violation, 84 steps, is the same race).

use serde::{Deserialize, Serialize};

use crate::models::params::TTL_TICKS;
use crate::node::{
    Ctx, FenceCounter, FenceToken, Instant, LockModel, LockParams, NodeId, Nonce, Nonces, Out,
    Param, Symmetry, TimeVisitors, Transport, Variant,
};
use crate::{rename_nothing, times_nothing, visit_fields, visit_variants};

/// The lock item: its owner and record version number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Item {
    pub owner: NodeId,
    pub rvn: Nonce,
}
visit_fields!(Item { owner, rvn });

/// The table, as DynamoDB keeps it (durably).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DynamoTable {
    /// The lock item; `None` when deleted (or marked released).
    pub item: Option<Item>,
    /// The counter a fenced user keeps in the item (never handed out
    /// unfenced).
    pub fence: FenceCounter,
}
visit_fields!(DynamoTable { item, fence });

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Msg {
    /// `GetItem` with `ConsistentRead`.
    Get,
    Item {
        item: Option<Item>,
    },
    /// `PutItem`: a new owner with RVN `rvn`, on the condition that there is
    /// no item (`expected: None`) or that its RVN is `expected`.
    Put {
        expected: Option<Nonce>,
        rvn: Nonce,
    },
    /// Whether the put was applied; the fence counter's last token after
    /// it.
    PutResult {
        ok: bool,
        fence: FenceToken,
    },
    /// `sendHeartbeat`: `UpdateItem` setting RVN `new_rvn` if the owner is
    /// the sender and the RVN is `rvn`.
    Heartbeat {
        rvn: Nonce,
        new_rvn: Nonce,
    },
    HeartbeatResult {
        ok: bool,
    },
    /// `releaseLock`: `DeleteItem` if the owner is the sender and the RVN is
    /// `rvn`.
    Delete {
        rvn: Nonce,
    },
    Deleted {
        ok: bool,
    },
}
visit_variants!(Msg {
    Get,
    Item { item },
    Put { expected, rvn },
    PutResult { ok, fence },
    Heartbeat { rvn, new_rvn },
    HeartbeatResult { ok },
    Delete { rvn },
    Deleted { ok }
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timer {
    /// The heartbeat thread's next round.
    Heartbeat,
    /// The end of `refreshPeriod`'s sleep.
    Refresh,
}
rename_nothing!(Timer);
times_nothing!(Timer);

/// The RVN a waiter saw, and when it first saw it (`lookupTime`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Seen {
    pub rvn: Nonce,
    pub at: Instant,
}
visit_fields!(Seen { rvn, at });

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Step {
    Idle,
    /// `acquireLock`: the read in flight.
    Reading {
        seen: Option<Seen>,
    },
    /// Asleep for `refreshPeriod`.
    Sleeping {
        seen: Option<Seen>,
    },
    /// The conditional put in flight.
    Putting {
        expected: Option<Nonce>,
        rvn: Nonce,
    },
    Holding,
    /// `releaseLock`: waiting for a heartbeat in flight, then the delete.
    Releasing {
        sent: bool,
    },
}
visit_variants!(Step {
    Idle,
    Reading { seen },
    Sleeping { seen },
    Putting { expected, rvn },
    Holding,
    Releasing { sent }
});

/// The `LockItem` the application holds: its RVN and when it was read or
/// last heartbeated (its `lookupTime`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Held {
    pub rvn: Nonce,
    pub since: Instant,
}
visit_fields!(Held { rvn, since });

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DynamoClient {
    pub step: Step,
    /// The lock item the application holds, from the grant to the release.
    pub held: Option<Held>,
    /// Whether the heartbeat thread still has the lock in its list.
    pub heartbeating: bool,
    /// A heartbeat in flight: the new RVN and when it was sent.
    pub heartbeat: Option<Held>,
    /// Where RVNs come from (a fresh UUID each).
    pub rvns: Nonces,
}
visit_fields!(DynamoClient {
    step,
    held,
    heartbeating,
    heartbeat,
    rvns
});

#[derive(Clone, Debug)]
pub struct DynamoDbLock {
    pub fenced: bool,
    /// `leaseDuration`.
    pub lease_ticks: u32,
    /// `heartbeatPeriod`.
    pub heartbeat_ticks: u32,
    /// `refreshPeriod`.
    pub refresh_ticks: u32,
}

impl DynamoDbLock {
    /// `LockItem.isExpired()`: more than the lease has passed since `since`
    /// on the client's monotonic clock.
    fn expired(&self, ctx: &Ctx, since: Instant) -> bool {
        since.after(self.lease_ticks) < ctx.mono()
    }

    /// Sends what the current step waits for (again, after a reconnect).
    fn request(&self, ctx: &Ctx, c: &DynamoClient, out: &mut Out<Self>) {
        let msg = match c.step {
            Step::Reading { .. } => Msg::Get,
            Step::Putting { expected, rvn } => Msg::Put { expected, rvn },
            Step::Releasing { sent: true } => match c.held {
                Some(h) => Msg::Delete { rvn: h.rvn },
                None => return,
            },
            Step::Idle
            | Step::Sleeping { .. }
            | Step::Holding
            | Step::Releasing { sent: false } => {
                return;
            }
        };
        out.send(ctx.server(), msg);
    }

    fn read(&self, ctx: &Ctx, c: &mut DynamoClient, seen: Option<Seen>, out: &mut Out<Self>) {
        c.step = Step::Reading { seen };
        self.request(ctx, c, out);
    }

    fn put(&self, ctx: &Ctx, c: &mut DynamoClient, expected: Option<Nonce>, out: &mut Out<Self>) {
        let rvn = c.rvns.fresh(ctx);
        c.step = Step::Putting { expected, rvn };
        self.request(ctx, c, out);
    }

    /// A round of the heartbeat thread: `sendHeartbeat`, unless the lock
    /// has expired on the client's clock. The next round is set when the
    /// answer comes (the thread waits for it).
    fn heartbeat(&self, ctx: &Ctx, c: &mut DynamoClient, out: &mut Out<Self>) {
        let Some(held) = c.held else { return };
        if self.expired(ctx, held.since) {
            // `sendHeartbeat` refuses an expired lock: it leaves the list,
            // and the exception is logged.
            c.heartbeating = false;
            return;
        }
        let sent = Held {
            rvn: c.rvns.fresh(ctx),
            since: ctx.mono(),
        };
        c.heartbeat = Some(sent);
        out.send(
            ctx.server(),
            Msg::Heartbeat {
                rvn: held.rvn,
                new_rvn: sent.rvn,
            },
        );
    }

    /// `releaseLock`'s delete, once no heartbeat is in flight.
    fn delete(&self, ctx: &Ctx, c: &mut DynamoClient, out: &mut Out<Self>) {
        c.step = Step::Releasing { sent: true };
        self.request(ctx, c, out);
    }
}

impl LockModel for DynamoDbLock {
    type Server = DynamoTable;
    type Durable = DynamoTable;
    type Client = DynamoClient;
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "dynamodb_lock",
            summary: "Amazon DynamoDB Lock Client (v1.2): heartbeats change the item's RVN; a waiter takes over an RVN unchanged for a lease on its own clock; unfenced",
        },
        Variant {
            id: "dynamodb_lock_fenced",
            summary: "Amazon DynamoDB Lock Client (v1.2) with a counter the user adds to the item, incremented by every acquire and checked by the resource",
        },
    ];

    const PARAMS: &'static [Param] = &[TTL_TICKS];

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        let fenced = match variant {
            "dynamodb_lock_fenced" => true,
            "dynamodb_lock" => false,
            other => return Err(format!("unknown DynamoDB lock variant `{other}`")),
        };
        let lease_ticks = params.require(TTL_TICKS.name)?;
        Ok(DynamoDbLock {
            fenced,
            lease_ticks,
            // The defaults' ratio, 5 s to 20 s, rounded to the nearest tick.
            heartbeat_ticks: ((lease_ticks + 2) / 4).max(1),
            // The default 1 s is a twentieth of the lease: the shortest
            // sleep the model has.
            refresh_ticks: 1,
        })
    }

    fn server_name(&self, _index: usize) -> String {
        "dynamodb".to_string()
    }

    /// The DynamoDB calls the lock client makes; `rvn` is the record
    /// version number.
    fn describe_msg(&self, msg: &Msg) -> String {
        // An RVN is a UUID the client draws: `c1#2` is client 1's second.
        let rvn_name = |n: &Nonce| format!("c{}#{}", n.owner().0, n.serial());
        match msg {
            Msg::Get => "GetItem lock (ConsistentRead)".to_string(),
            Msg::Item { item: None } => "no item".to_string(),
            Msg::Item {
                item: Some(Item { owner, rvn }),
            } => format!("item: owner c{}, rvn {}", owner.0, rvn_name(rvn)),
            Msg::Put {
                expected: None,
                rvn,
            } => format!("PutItem rvn {} if no item", rvn_name(rvn)),
            Msg::Put {
                expected: Some(seen),
                rvn,
            } => format!("PutItem rvn {} if rvn = {}", rvn_name(rvn), rvn_name(seen)),
            Msg::PutResult { ok: true, fence } => format!("put, fence {fence}"),
            Msg::PutResult { ok: false, .. } => "ConditionalCheckFailed".to_string(),
            Msg::Heartbeat { rvn, new_rvn } => {
                format!(
                    "UpdateItem rvn = {} if mine and rvn = {}",
                    rvn_name(new_rvn),
                    rvn_name(rvn)
                )
            }
            Msg::HeartbeatResult { ok: true } => "updated".to_string(),
            Msg::HeartbeatResult { ok: false } => "ConditionalCheckFailed".to_string(),
            Msg::Delete { rvn } => format!("DeleteItem if mine and rvn = {}", rvn_name(rvn)),
            Msg::Deleted { ok: true } => "deleted".to_string(),
            Msg::Deleted { ok: false } => "ConditionalCheckFailed".to_string(),
        }
    }

    fn transport(&self) -> Transport {
        Transport::Session
    }

    /// Clients run the same code; an item names its owner by node id, and
    /// an RVN is a nonce, which names the client that drew it.
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    /// The kept times are a waiter's `lookupTime` and a holder's last
    /// heartbeat, both on the client's monotonic clock, to which it adds
    /// the lease. RVNs are nonces.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        Some(TimeVisitors::by_times().adding_to_kept(self.lease_ticks))
    }

    /// The only values that grow with the rounds are RVNs (nonces) and
    /// the fenced variant's counter (a `FenceCounter`), both renumbered.
    fn rounds_bounded(&self) -> bool {
        true
    }

    fn server_init(&self, _ctx: &Ctx, durable: Option<&DynamoTable>) -> DynamoTable {
        durable.cloned().unwrap_or(DynamoTable {
            item: None,
            fence: FenceCounter::new(),
        })
    }

    fn server_on_msg(
        &self,
        _ctx: &Ctx,
        st: &mut DynamoTable,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        match msg {
            Msg::Get => out.send(src, Msg::Item { item: st.item }),
            Msg::Put { expected, rvn } => {
                let ok = st.item.map(|i| i.rvn) == expected;
                if ok {
                    st.item = Some(Item { owner: src, rvn });
                    if self.fenced {
                        st.fence.hand_out();
                    }
                    out.save(st.clone());
                }
                out.send(
                    src,
                    Msg::PutResult {
                        ok,
                        fence: st.fence.last(),
                    },
                );
            }
            Msg::Heartbeat { rvn, new_rvn } => {
                let ok = st.item == Some(Item { owner: src, rvn });
                if ok {
                    st.item = Some(Item {
                        owner: src,
                        rvn: new_rvn,
                    });
                    out.save(st.clone());
                }
                out.send(src, Msg::HeartbeatResult { ok });
            }
            Msg::Delete { rvn } => {
                let ok = st.item == Some(Item { owner: src, rvn });
                if ok {
                    st.item = None;
                    out.save(st.clone());
                }
                out.send(src, Msg::Deleted { ok });
            }
            // Only the server sends the others.
            Msg::Item { .. }
            | Msg::PutResult { .. }
            | Msg::HeartbeatResult { .. }
            | Msg::Deleted { .. } => {}
        }
    }

    fn client_init(&self, _ctx: &Ctx) -> DynamoClient {
        DynamoClient {
            step: Step::Idle,
            held: None,
            heartbeating: false,
            heartbeat: None,
            rvns: Nonces::new(),
        }
    }

    fn client_acquire(&self, ctx: &Ctx, c: &mut DynamoClient, out: &mut Out<Self>) {
        self.read(ctx, c, None, out);
    }

    fn client_release(&self, ctx: &Ctx, c: &mut DynamoClient, out: &mut Out<Self>) {
        // The heartbeat thread forgets the lock at once.
        c.heartbeating = false;
        out.cancel_timer(Timer::Heartbeat);
        if c.heartbeat.is_some() {
            c.step = Step::Releasing { sent: false };
        } else {
            self.delete(ctx, c, out);
        }
    }

    fn client_on_msg(
        &self,
        ctx: &Ctx,
        c: &mut DynamoClient,
        _src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        match (msg, c.step) {
            (Msg::Item { item }, Step::Reading { seen }) => match item {
                None => self.put(ctx, c, None, out),
                Some(item) => match seen {
                    Some(s) if s.rvn == item.rvn && self.expired(ctx, s.at) => {
                        self.put(ctx, c, Some(item.rvn), out)
                    }
                    _ => {
                        let seen = match seen {
                            Some(s) if s.rvn == item.rvn => s,
                            _ => Seen {
                                rvn: item.rvn,
                                at: ctx.mono(),
                            },
                        };
                        c.step = Step::Sleeping { seen: Some(seen) };
                        out.set_timer(Timer::Refresh, self.refresh_ticks);
                    }
                },
            },
            (Msg::PutResult { ok, fence }, Step::Putting { rvn, .. }) => {
                if ok {
                    c.step = Step::Holding;
                    c.held = Some(Held {
                        rvn,
                        since: ctx.mono(),
                    });
                    c.heartbeating = true;
                    out.set_timer(Timer::Heartbeat, self.heartbeat_ticks);
                    out.acquired(self.fenced.then_some(fence.number()));
                } else {
                    // `LockNotGrantedException`: the application calls
                    // `acquireLock` again.
                    self.read(ctx, c, None, out);
                }
            }
            (Msg::HeartbeatResult { ok }, _) => {
                let Some(sent) = c.heartbeat.take() else {
                    return;
                };
                if ok {
                    c.held = Some(sent);
                } else {
                    // `LockNotGrantedException` in the heartbeat thread,
                    // logged; the lock leaves its list.
                    c.heartbeating = false;
                }
                if c.step == (Step::Releasing { sent: false }) {
                    self.delete(ctx, c, out);
                } else if c.heartbeating {
                    // The thread sleeps what is left of the period since
                    // the round began, if anything.
                    match sent
                        .since
                        .after(self.heartbeat_ticks)
                        .ticks_until(ctx.mono())
                    {
                        Some(ticks) => out.set_timer(Timer::Heartbeat, ticks),
                        None => self.heartbeat(ctx, c, out),
                    }
                }
            }
            (Msg::Deleted { .. }, Step::Releasing { sent: true }) => {
                c.held = None;
                c.step = Step::Idle;
                out.released();
            }
            _ => {}
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, c: &mut DynamoClient, timer: Timer, out: &mut Out<Self>) {
        match timer {
            Timer::Heartbeat => {
                if c.heartbeating && c.heartbeat.is_none() {
                    self.heartbeat(ctx, c, out);
                }
            }
            Timer::Refresh => {
                if let Step::Sleeping { seen } = c.step {
                    self.read(ctx, c, seen, out);
                }
            }
        }
    }

    /// The SDK retries the request in flight on a new connection.
    fn client_on_disconnect(
        &self,
        ctx: &Ctx,
        c: &mut DynamoClient,
        _server: NodeId,
        out: &mut Out<Self>,
    ) {
        if let (Some(held), Some(sent)) = (c.held, c.heartbeat) {
            out.send(
                ctx.server(),
                Msg::Heartbeat {
                    rvn: held.rvn,
                    new_rvn: sent.rvn,
                },
            );
        }
        self.request(ctx, c, out);
    }
}
