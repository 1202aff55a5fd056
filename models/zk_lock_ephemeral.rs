//! ZooKeeper's single ephemeral node: article A's snippet
//! (`zk_lock_ephemeral`), and the same lock waiting on a watch instead of
//! sleeping (`zk_lock_ephemeral_watch`).
//!
//! Source: article A, section 3.4 (create a unique lock node; if it exists,
//! wait for the release and try again; delete it to release) and section 4.4:
//!
//! ```python
//! zoo = ZooClient("127.0.0.1:2181")
//! lock_path = "/my_lock"
//! def acquire_lock():
//!     zoo.create(lock_path, b"", flags=ZooClient.EPHEMERAL)
//! def release_lock():
//!     zoo.delete(lock_path)
//! ```
//!
//! The server, the client's session (pings, its own session timer, one
//! connection, retries after `ConnectionLoss`) and what every ZooKeeper
//! variant shares are the family's: `models/zk_lock.rs`.
//!
//! # Protocol
//! `zk_lock_ephemeral`, article A's snippet:
//! 1. `create /my_lock EPHEMERAL`. Created: it holds the lock.
//! 2. `NodeExists`: sleep `retry_ticks` and go to 1. (The snippet would
//!    raise; section 3.4 says to wait for the release and try again. It sets
//!    no watch, so neither does the model.)
//! 3. Release: `delete /my_lock` with no version: whoever's node it is.
//!
//! `zk_lock_ephemeral_watch`: the snippet as section 3.4 says it ("wait
//! for the release"), written with ZooKeeper's watches rather than a sleep:
//! 2. `NodeExists`: `exists(/my_lock, watch)`. No such node (released
//!    meanwhile): go to 1. Otherwise wait for the `NodeDeleted` event, then
//!    go to 1. (After a reconnect it asks `exists` again, which stands for
//!    the client library's `SetWatches`.)
//!
//! This is the lock ZooKeeper's "Recipes and Solutions" page steers away
//! from: every waiter watches the one node, so each release wakes them all
//! (the herd effect), and all but one go back to waiting.
//!
//! # Expected weaknesses
//! Besides the pause past the session timeout that breaks every ZooKeeper
//! lock (`models/zk_lock.rs`):
//! - **The snippet's plain `delete`** deletes whoever's `/my_lock`: a delete
//!   sent again after its answer was lost deletes the next holder's node.
//! - **Retrying a `create` after `ConnectionLoss`** meets the client's own
//!   node when the lost answer was a success (`NodeExists`): the snippet
//!   then sleeps and retries behind itself for as long as it keeps its
//!   session alive (server-restart, partition, client-partition).
//! - **Waiting on a watch instead of sleeping** (`zk_lock_ephemeral_watch`)
//!   changes when a waiter tries again, not what can go wrong: the same
//!   pause, loss and latency counterexamples as the snippet, a few steps
//!   shorter where the deletion wakes the waiter at once. It meets its own
//!   node as the snippet does, and then waits for that node's deletion
//!   rather than retrying against it: the same deadlock, whose cycle is the
//!   pings alone.
//! - **No order among waiters**: whenever `/my_lock` is free, any client's
//!   `create` may come first, so under endless contention one client may
//!   lose every time (starvation), while the lock keeps being handed out.
//!
//! # Expected verdicts (`models/zk_lock_ephemeral.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from zk_lock_ephemeral.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `zk_lock_ephemeral` | `zk_lock_ephemeral_watch` |
//! |---|---|---|
//! | no-faults | ok (live) | ok (live) |
//! | holder-crash | ok (live) | ok (live) |
//! | gc-pause | mutex ✗, resource ✗, progress ✗ (live) (state limit 1M, 12M for the liveness graph) | mutex ✗, resource ✗, progress ✗ (live) (state limit 1.5M, 4M for the liveness graph) |
//! | clock-jump | ok (live) | ok (live) |
//! | clock-drift | ok (live) | ok (live) |
//! | message-loss | mutex ✗, resource ✗, progress ✗ (state limit 1M) | mutex ✗, resource ✗, progress ✗ (state limit 1M) |
//! | partition | progress ✗, deadlock ✗, starvation ✗ (state limit 1.5M, 6M for the liveness graph) | progress ✗, deadlock ✗, starvation ✗ (state limit 1.5M, 6M for the liveness graph) |
//! | server-restart | progress ✗ | progress ✗ |
//! | async-network | mutex ✗, resource ✗, progress ✗ | mutex ✗, resource ✗, progress ✗ |
//! | crowd-atomic | mutex ✗, resource ✗ | mutex ✗, resource ✗, progress ? (state limit 1M) |
//! | duplicates | ok (live) | ok (live) |
//! | client-partition | progress ✗, deadlock ✗, starvation ✗ | progress ✗, deadlock ✗, starvation ✗ |
//! | endless-contention | progress ✗, starvation ✗ | progress ✗, starvation ✗ |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/zk_models.rs`)
//! `zk_lock_ephemeral`:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | |
//! | holder-crash | holds | holds | holds | the crashed client's session expires 9 to 10 ticks after its last ping and takes `/my_lock` with it; the other client is done well before tick 30 |
//! | gc-pause | violated (34) | violated (35) | violated (simulation) | the holder stalls past its session timeout, its session expires and `/my_lock` is deleted, and the other client acquires while the stalled one still believes it holds the lock (as long-pause shows in full). Every client pings every 2 ticks, so the search stops at its state limit (one million, `"states_max"` in `zk_lock_ephemeral.expect.json`) before it decides progress |
//! | long-pause (a cut-down test fixture, searched to the end) | violated (34) | violated (35) | violated (56) | the holder stalls 9 ticks, its session expires (tick 10), `/my_lock` is deleted and the other client acquires while the stalled one still believes it holds the lock; resource: the stalled holder's write lands after a newer grant (in the shortest run its own abandoned write, after its session timer made it ask again); progress: a client that stalled 10 ticks has no time left to finish by tick 22 |
//! | clock-jump | holds | holds | holds | a 10-tick jump of the server's wall clock changes nothing: sessions expire by the monotonic clock (`Time.currentElapsedTime()`), which does not jump, and nothing else in the model reads the wall clock. (With session expiry on the wall clock, as in ZooKeeper releases that read `System.currentTimeMillis()`, the jump expired every session at once while the holder still believed it held the lock: mutual_exclusion was violated in 6 steps.) Searched to the end |
//! | clock-drift | holds | holds | holds | the server's clock runs up to 50% fast, so its 6-tick timeout passes in 4 real ticks, but pings every 2 ticks arrive at least every 3 |
//! | message-loss | violated (18) | violated (24) | violated (simulation) | a lost message breaks the connection. The snippet retries its `delete` after `ConnectionLoss`, and the retry deletes the next holder's node; progress: the retried `create` meets its own node (as under server-restart). Stopped at the state limit |
//! | partition | holds | holds | violated (103) | the search ends within its limit (1,064,028 states; the limit is raised to 1.5 million) and finds no safety violation: as under client-partition, a cut-off holder's section (at most 4 ticks) ends before its session could expire; progress: the client stuck behind its own node of client-partition |
//! | client-partition (clients only, horizon 26; an extra column of its own) | holds | holds | violated (75) | a cut-off holder's section (at most 4 ticks) ends long before its session could expire, so no one else gets in while it believes it holds the lock. Progress: the `create` succeeds but the partition breaks the connection before the answer arrives, the retried `create` meets the client's own node (`NodeExists`) and it sleeps and retries against itself until the horizon |
//! | server-restart | holds | holds | violated (117) | ZooKeeper persists nodes, sessions and the zxid; a restart costs time, not safety. But the crash breaks the connection after the server logged the `create` and before its answer arrived: the retried `create` meets the client's own node and it waits behind itself |
//! | async-network | violated (15) | violated (21) | violated (14) | the answer that grants the lock (or the holder's pings) takes as long as the session timeout, so the session expires at the server before the holder's own session timer runs out, and the next client gets the lock; progress: a message may take until the horizon |
//! | crowd-atomic | violated (41) | violated (37) | holds | three clients, two rounds: a holder's session expires while it waits for the resource. Searched to the end (3.94 million states, about 45 s): every client is done by the horizon |
//! | duplicates | holds (vacuous) | holds (vacuous) | holds (vacuous) | ZooKeeper's clients talk over one TCP connection, which never delivers a message twice: the fault cannot strike, and the check says the verdict is vacuous |
//!
//! `zk_lock_ephemeral_watch`, where it differs from the snippet:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | gc-pause, long-pause | violated (30) | violated (35) | violated (81; long-pause 57) | as the snippet's, four steps sooner: the expiry of the paused holder's session deletes `/my_lock` and the `NodeDeleted` event wakes the waiter at once, where the snippet's waiter sleeps out its retry |
//! | partition | holds | holds | violated (87) | its search ends at 1,258,020 states (its limit is raised to 1.5 million, `"states_max"` in `zk_lock_ephemeral.expect.json`; the snippet's at 1,064,028) and finds no safety violation, as the snippet's; progress: stuck behind its own node, as under server-restart |
//! | server-restart | holds | holds | violated (96) | the restart breaks the connection after ZooKeeper logged c2's `create`; the retried `create` meets c2's own node, and `exists(watch)` on it waits for a deletion that only the end of c2's own session would bring |
//! | crowd-atomic | violated (34) | violated (37) | ? | as the snippet's (41, 37), the waiters woken by the expiry rather than their retries |
//!
//! ## Liveness under fairness (pinned in `tests/suite/zk_models.rs` where the table does not say otherwise)
//! | scenario | deadlock_free | starvation_free | why |
//! |---|---|---|---|
//! | holder-crash | holds | holds | the crashed holder's session expires and `/my_lock` with it |
//! | client-partition, `zk_lock_ephemeral` | violated (lasso 34+29) | violated (lasso 34+29) | c2's `create` succeeds, its answer is lost to the partition; after the heal the resent `create` meets c2's own `/my_lock` (`NodeExists`), c2 sleeps and retries, and its pings keep the session (and the node) alive: it waits for itself forever. The bounded `progress` violation is real |
//! | endless-contention, `zk_lock_ephemeral` | holds | violated (lasso 28+88) | endless rounds, no fault: whenever `/my_lock` is free, the other client's `create` may come first, forever; the lock keeps being handed out, so no deadlock (pinned in `tests/suite/liveness.rs`) |
//! | client-partition, `zk_lock_ephemeral_watch` | violated (lasso 37+4) | violated (37+4) | c2's resent `create` meets its own `/my_lock`, and it waits on a watch for its own node's deletion; the cycle is its pings, which keep the session and the node alive |
//! | endless-contention, `zk_lock_ephemeral_watch` | holds | violated (lasso 28+142) | as the snippet: each release wakes the waiter, but the releasing client's next `create` may come first, forever |
//! | clock-drift | holds | holds | the server's clock runs at 50 to 150%, which moves its session expiries (a 6-tick session may end after 4 real ticks), but no session is starved of its pings for long and nothing stops; `zk_lock_ephemeral_watch`'s liveness graph has 78,534 states, time shifted by 4 real ticks, whole heartbeat periods on every clock |
//! | partition, `zk_lock_ephemeral` | violated (lasso 31+69) | violated (31+69) | as under client-partition, with the whole service cut off: c1's first `create` makes `/my_lock` and its answer is lost to the partition; after the heal c1's resent `create` meets its own node, and both clients sleep and retry forever while c1's pings keep its session and the node alive. Not pinned: the liveness graph has 4,563,037 states (about 32 s, 1.4 GB), past the 1.5 million states the safety search stops at, so the entry gives it a limit of its own (`"liveness_states_max": 6000000`); `compare --check` decides it |
//! | partition, `zk_lock_ephemeral_watch` | violated (lasso 37+4) | violated (37+4) | c2's `create` makes `/my_lock` and its answer is lost to the partition; after the heal its resent `create` meets its own node, and it waits on a watch for its own node's deletion, pinging. The bounded `progress` violation (87 steps) is this wait (graph of 4,907,532 states, about 35 s, 1.5 GB; pinned with the tests that `--ignored` runs) |
//! | gc-pause, `zk_lock_ephemeral` | holds | holds | the holder's pause ends its session, `/my_lock` goes with it, and the other client's next `create` takes the lock; the paused client wakes to an expired session, opens a new one and retries. The bounded `progress` violation the simulation finds is that slowness. Not pinned: the liveness graph has 9,778,885 states (about 34 s, 1.4 GB), past the million states the safety search stops at, so the entry gives it a limit of its own (`"liveness_states_max": 12000000`); `compare --check` decides it |
//! | gc-pause, `zk_lock_ephemeral_watch` | holds | holds | the holder's pause ends its session and the other client takes the lock; the paused client wakes to an expired session, opens a new one and waits its turn. Not pinned: the liveness graph has 2,833,097 states (about 30 s, 0.9 GB), past the 1.5 million states the safety search stops at, so the entry gives it a limit of its own (`"liveness_states_max": 4000000`); `compare --check` decides it. |

use crate::models::redis::{REQUEST_TIMEOUT_TICKS, RETRY_TICKS, TTL_TICKS};
use crate::models::zk_flavor::{Flavor, OnBusy, Recipe, Token, ZkFlavor};
use crate::models::zk_lock::ZkLock;
use crate::node::{Param, Variant};

pub struct Ephemeral;

impl ZkFlavor for Ephemeral {
    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "zk_lock_ephemeral",
            summary: "ZooKeeper create(/my_lock, EPHEMERAL), retry on NodeExists, release by delete (article A §4.4)",
        },
        Variant {
            id: "zk_lock_ephemeral_watch",
            summary: "zk_lock_ephemeral that waits on exists(/my_lock, watch) for the node's deletion instead of sleeping",
        },
    ];

    const PARAMS: &'static [Param] = &[TTL_TICKS, RETRY_TICKS, REQUEST_TIMEOUT_TICKS];

    fn flavor(variant: &str) -> Option<Flavor> {
        let on_busy = match variant {
            "zk_lock_ephemeral" => OnBusy::Sleep,
            "zk_lock_ephemeral_watch" => OnBusy::Watch,
            _ => return None,
        };
        Some(Flavor {
            recipe: Recipe::Ephemeral(on_busy),
            token: Token::Unfenced,
            slip: None,
        })
    }
}

pub type ZkLockEphemeral = ZkLock<Ephemeral>;
