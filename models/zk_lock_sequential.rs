//! ZooKeeper's lock recipe: ephemeral sequential nodes in line, each
//! client watching the node just below its own (`zk_lock_sequential`,
//! which is also Curator's `InterProcessMutex`); its two fencing tokens;
//! and three slips one line away from it.
//!
//! Source: ZooKeeper's "Recipes and Solutions: Locks", and the `WriteLock`
//! recipe it ships, which names nodes `x-<sessionId>-<seq>`.
//!
//! The server, the client's session (pings, its own session timer, one
//! connection, retries after `ConnectionLoss`) and what every ZooKeeper
//! variant shares are the family's: `models/zk_lock.rs`.
//!
//! # Protocol
//! `zk_lock_sequential`, the recipe:
//! 1. `create /lock/x-<session>- EPHEMERAL_SEQUENTIAL`; the server appends
//!    the sequence number.
//! 2. `get_children /lock`. If its node has the lowest number it holds the
//!    lock.
//! 3. Otherwise `exists(next-lower node, watch)`: gone already, go to 2;
//!    else wait for the watch to fire, then go to 2.
//! 4. Release: delete its own node.
//! 5. A `create` with no answer: `get_children` and look for a child with its
//!    session in the name before creating another (the recipe's GUID rule;
//!    another node would wait forever behind the first).
//!
//! `zk_lock_sequential_fenced`: the recipe, the fencing token being the
//! holder's node's `czxid` (read with `exists` when step 5 found the node).
//!
//! `zk_lock_sequential_fenced_data_version`: the recipe, the fencing token
//! being the holder's node's `dataVersion` (`Stat.version`), as Martin
//! Kleppmann's "How to do distributed locking" (2016) allows: "you can use
//! the zxid or the znode version number as fencing token". A znode's version
//! counts the `setData` calls on that node since it was created; the lock's
//! nodes are created fresh for every holder and never written, so every
//! holder's token is 0. The token is not monotonic across holders, and the
//! resource (which refuses only a token lower than one it has seen)
//! refuses nothing: the fence is a no-op. The version of one long-lived node
//! would grow, but a lock node that lives across holders is not an
//! ephemeral one.
//!
//! Two slips one line away from the recipe, each breaking one of its steps
//! (the recipe as ZooKeeper's "Recipes and Solutions" page gives it: "if
//! `exists()` returns null, go to step 2", and after the watch fires, "go
//! to step 2", that is, list the children again):
//! - `zk_lock_sequential_ignore_null_exists`: step 3 treats `exists`
//!   answering "no such node" as a watch set, and waits for its event.
//!   `exists` does leave a watch on a missing path, but for its creation,
//!   and a sequential name is never created again.
//! - `zk_lock_sequential_no_relist`: a waiter takes the deletion of the
//!   node just below its own (the watch event, or `exists` finding it gone)
//!   as the lock, without step 2. The node below is not always the
//!   holder's: it may be a waiter's that left, its session expired. Curator's
//!   `LockInternals` lists the children again on every wake-up for this
//!   reason.
//!
//! One slip in the names the recipe gives its nodes:
//! - `zk_lock_sequential_no_guid`: the node's name carries nothing the
//!   client could know it by, so a `create` with no answer (its
//!   `ConnectionLoss`) is simply sent again. When the lost answer was a
//!   success the client now has two nodes; it watches the first, which is
//!   its own and lives as long as its session, and waits behind itself.
//!   The recipe's page: "if a recoverable error occurs calling `create()`
//!   the client should call `getChildren()` and check for a node
//!   containing the guid used in the path name"; Curator's
//!   `CreateBuilder.withProtection()` exists for this, and its
//!   `InterProcessMutex` always creates its nodes that way, so
//!   `zk_lock_sequential` is also Curator's mutex.
//!
//! # Expected weaknesses
//! Besides the pause past the session timeout that breaks every ZooKeeper
//! lock (`models/zk_lock.rs`; the `czxid` fence keeps the resource safe
//! through it):
//! - **Waiters are served in order**: no starvation under endless
//!   contention, and a `create` whose answer was lost is found again by
//!   the GUID rule, so a ZooKeeper restart costs time only.
//! - **Ignoring a null `exists`** deadlocks with no fault at all: the holder
//!   releases between the waiter's `get_children` and its `exists`, and the
//!   waiter waits for a watch that never fires, pinging its session alive
//!   forever. `progress` is violated under every scenario, and
//!   `deadlock_free` and `starvation_free` with it.
//! - **Not listing again** is safe while the node below is the holder's.
//!   Under partition a client whose first `create` went unanswered opens a
//!   second session and queues behind its own first node; when that
//!   session expires, the deletion wakes it while the other client holds
//!   the lock (found by simulation, 43 steps; the recipe's search finds no
//!   violation there).
//! - **Without the GUID rule** (`zk_lock_sequential_no_guid`) a `create`
//!   sent again after its successful answer was lost makes a second node,
//!   and the client queues behind its own first node for as long as it
//!   keeps its session alive (server-restart, client-partition).
//! - **A `dataVersion` token fences nothing**: every holder's is 0, the
//!   resource refuses only a lower one, and the stalled holder's write lands
//!   as it does with no token at all, where the `czxid` fence rejects it.
//!
//! # Expected verdicts (`models/zk_lock_sequential.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from zk_lock_sequential.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `zk_lock_sequential` | `zk_lock_sequential_fenced` | `zk_lock_sequential_fenced_data_version` | `zk_lock_sequential_ignore_null_exists` | `zk_lock_sequential_no_relist` | `zk_lock_sequential_no_guid` |
//! |---|---|---|---|---|---|---|
//! | no-faults | ok (live) | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) |
//! | holder-crash | ok (live) | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) |
//! | gc-pause | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗, deadlock ✗, starvation ✗ (state limit 1M, 4M for the liveness graph) | mutex ✗, resource ✗, progress ✗ (live) | mutex ✗, resource ✗, progress ✗ (live) |
//! | clock-jump | ok (live) | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) |
//! | clock-drift | ok (live) | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) |
//! | message-loss | mutex ?, resource ?, progress ? (state limit 1M) | mutex ?, resource ?, progress ? (state limit 1M) | mutex ?, resource ?, progress ? (state limit 1M) | mutex ?, resource ?, progress ✗ (state limit 1M) | mutex ?, resource ?, progress ? (state limit 1M) | mutex ?, resource ?, progress ✗ (state limit 1M) |
//! | partition | ok (live) (liveness graph limit 12M) | ok (live) (liveness graph limit 12M) | ok (live) (liveness graph limit 12M) | progress ✗, deadlock ✗, starvation ✗ (liveness graph limit 12M) | mutex ✗, resource ✗ (live) (liveness graph limit 12M) | progress ✗, deadlock ✗, starvation ✗ (liveness graph limit 12M) |
//! | server-restart | ok | ok | ok | progress ✗ | ok | progress ✗ |
//! | async-network | mutex ✗, resource ?, progress ✗ (state limit 3M) | mutex ✗, resource ?, progress ✗ (state limit 3M) | mutex ✗, resource ?, progress ✗ (state limit 3M) | mutex ✗, resource ?, progress ✗ (state limit 3M) | mutex ✗, resource ?, progress ✗ (state limit 3M) | mutex ✗, resource ?, progress ✗ (state limit 3M) |
//! | crowd-atomic | mutex ✗, resource ✗, progress ? (state limit 1M) | mutex ✗, resource ?, progress ? (state limit 1M) | mutex ✗, resource ✗, progress ? (state limit 1M) | mutex ✗, resource ✗, progress ✗ (state limit 1M) | mutex ✗, resource ✗, progress ? (state limit 1M) | mutex ✗, resource ✗, progress ? (state limit 1M) |
//! | duplicates | ok (live) | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) |
//! | client-partition | progress ✗ (live) | progress ✗ (live) | progress ✗ (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | progress ✗, deadlock ✗, starvation ✗ |
//! | endless-contention | ok (live) | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/zk_models.rs`)
//! `zk_lock_sequential` and `zk_lock_sequential_fenced`:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | |
//! | holder-crash | holds | holds | holds | the crashed client's session expires 9 to 10 ticks after its last ping and takes its node with it; the other client is done well before tick 30 |
//! | gc-pause | violated (34) | violated (40); fenced: holds | violated (85) | the holder stalls past its session timeout, its session expires and its node is deleted, and the other client acquires while the stalled one still believes it holds the lock (as long-pause shows in full). The fenced resource refuses the stalled holder's `czxid`: its search ends at 1.47 million states; the unfenced one stops at 1.51 million, once every property is decided. Progress: the stalled client wakes to an expired session, opens a new one and queues again, too late for the horizon; slow, not stuck (`deadlock_free` holds, below) |
//! | long-pause (a cut-down test fixture, searched to the end) | violated (34) | violated (40); fenced: holds | violated (58) | the holder stalls 9 ticks, its session expires (tick 10), its node is deleted and the waiter, woken by its watch event, acquires while the stalled one still believes it holds the lock; resource: the stalled holder's write lands after a newer grant; the fenced resource rejects the stale `czxid`; progress: a client that stalled 10 ticks has no time left to finish by tick 22 |
//! | clock-jump | holds | holds | holds | a 10-tick jump of the server's wall clock changes nothing: sessions expire by the monotonic clock (`Time.currentElapsedTime()`), which does not jump, and nothing else in the model reads the wall clock. (With session expiry on the wall clock, as in ZooKeeper releases that read `System.currentTimeMillis()`, the jump expired every session at once while the holder still believed it held the lock: mutual_exclusion was violated in 10 steps.) Searched to the end |
//! | clock-drift | holds | holds | holds | the server's clock runs up to 50% fast, so its 6-tick timeout passes in 4 real ticks, but pings every 2 ticks arrive at least every 3 |
//! | message-loss | ? | ? | ? | a lost message breaks the connection; a lost watch event does not strand a waiter, which lists the children again when it reconnects. Stopped at the state limit |
//! | partition | holds | holds | holds | searched to the end (2.66 million states; fenced: 3.95 million). As under client-partition, a cut-off holder's section ends long before its session could expire, so no one else gets in while it believes it holds the lock; a client whose session expired in the cut opens a new one after the heal and queues again, and every client is done by the horizon |
//! | client-partition (clients only, horizon 26; an extra column of its own) | holds | holds | violated (91) | a cut-off holder's section (at most 4 ticks) ends long before its session could expire, so no one else gets in while it believes it holds the lock. Progress: the recipe is slow, not stuck: a client cut off while its first `create` was in flight reconnects after the heal with its session expired and queues behind the other, too late for the horizon |
//! | server-restart | holds | holds | holds | ZooKeeper persists nodes, sessions and the zxid; a restart costs time, not safety. A `create` whose answer the restart lost is found again by the GUID rule |
//! | async-network | violated (22) | ? | violated (14) | the answer that grants the lock (or the holder's pings) takes as long as the session timeout, so the session expires at the server before the holder's own session timer runs out, and the next client gets the lock; progress: a message may take until the horizon. The search stops at its state limit (raised to 3 million: the shortest counterexample lies past 2.7 million states) with resource safety undecided |
//! | crowd-atomic | violated (38) | violated (43); fenced: ? | ? | three clients, two rounds: a holder's session expires while it waits for the resource. The search finds these before it stops at its state limit (1M); the lost update, once found only by the seeded simulation, came within the search's reach when the unfenced server stopped counting zxids |
//! | duplicates | holds (vacuous) | holds (vacuous) | holds (vacuous) | ZooKeeper's clients talk over one TCP connection, which never delivers a message twice: the fault cannot strike, and the check says the verdict is vacuous |
//!
//! The three slips, where they differ from `zk_lock_sequential`:
//!
//! | variant | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|---|
//! | `ignore_null_exists` | no-faults, clock-jump, clock-drift, server-restart, duplicates | holds | holds | violated (63 under no-faults) | c1 holds, c2 lists the children, c1 deletes its node, c2's `exists` finds it gone and c2 waits for a watch that never fires |
//! | `ignore_null_exists` | holder-crash | holds | holds | violated (75) | as under no-faults, with the crash's extra branches |
//! | `ignore_null_exists` | gc-pause, message-loss, crowd-atomic | as the recipe (crowd-atomic: 38) | as the recipe (crowd-atomic: 43) | violated (simulation) | the same wait, found by the seeded simulation after the search stopped at its state limit |
//! | `ignore_null_exists` | partition | holds | holds | violated (87) | the same wait; searched to the end (1.98 million states) |
//! | `no_relist` | gc-pause | violated (32) | violated (38) | violated (85) | the pause breaks it as it breaks the recipe, two steps sooner: the waiter skips the second listing |
//! | `no_relist` | partition | violated (36) | violated (41) | holds | searched to the end (2.46 million states). c2's first `create` goes unanswered before the cut, it opens a second session after the heal and queues behind its first node; that session expires, the deletion wakes c2 and it takes the lock while c1 holds it |
//! | `no_relist` | crowd-atomic | violated (37) | violated (42) | ? | as under gc-pause: the paused holder's session expires, and the waiter behind it takes the lock one step sooner than the recipe (38) |
//! | `no_relist` | client-partition | holds | holds | holds | the recipe's slow path (listing again behind the other client after the heal) is skipped; the search finds no violation |
//! | `no_guid` | server-restart | holds | holds | violated (100) | the restart breaks the connection after ZooKeeper logged c2's `create` and before its answer arrived; c2 knows its session, sends the `create` again, gets a second node and watches its first, which its own pings keep alive (the recipe lists the children and finds its node) |
//! | `no_guid` | client-partition | holds | holds | violated (71) | the same, with the partition breaking the connection: c2 waits behind itself until the horizon (the recipe is only slow here, 91) |
//! | `no_guid` | message-loss | as the recipe | as the recipe | violated (simulation: 144) | a lost answer to the `create`, as under server-restart, found by the seeded simulation after the search stopped at its state limit |
//! | `no_guid` | partition | holds | holds | violated (91) | the same, with the partition breaking the connection; searched to the end (3.13 million states). Under fairness it is a deadlock (below), where the recipe is live |
//!
//! `zk_lock_sequential_fenced_data_version`, where it differs from
//! `zk_lock_sequential_fenced`:
//!
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | gc-pause, long-pause | violated (34) | violated (40) | violated (85; long-pause 58) | the recipe's: the stalled holder's write, token 0, reaches a resource whose highest token is 0, and is accepted. The `czxid` fence holds under both |
//! | async-network, crowd-atomic | violated (22; 38) | ? ; violated (43) | as the recipe | the recipe's verdicts: the fence refuses nothing. Under crowd-atomic its search reaches the lost update the recipe's only simulation found: with every token 0 the resource's states do not differ by which holder wrote last |
//! | endless-contention | holds | holds | holds | its token does not grow with every round: both liveness properties hold, as the recipe's (and the `czxid` variant's) do |
//!
//! ## Liveness under fairness (pinned in `tests/suite/zk_models.rs` where the table does not say otherwise)
//! | scenario | deadlock_free | starvation_free | why |
//! |---|---|---|---|
//! | holder-crash | holds | holds | `zk_lock_sequential`, `zk_lock_sequential_fenced`: the crashed holder's session expires and its node with it |
//! | endless-contention, `zk_lock_sequential` | holds | holds | waiters are served in the order of their sequence numbers (819,547 graph states; pinned in `tests/suite/liveness.rs`) |
//! | endless-contention, `zk_lock_sequential_fenced` | holds | holds | as the recipe; its token is the node's creation zxid, which grows with every round and is renumbered in order with the world's copies (1,156,111 graph states) |
//! | no-faults, holder-crash, clock-jump, endless-contention, `zk_lock_sequential_fenced_data_version` | holds | holds | as the recipe: its token is a constant, so its counters are renumbered as the recipe's are |
//! | no-faults, holder-crash, endless-contention, duplicates, client-partition, `zk_lock_sequential_ignore_null_exists` | violated (no-faults and duplicates: lasso 37+4; client-partition: 38+4) | violated (the same) | the waiter that took a null `exists` for a watch waits forever, pinging; nobody holds the lock |
//! | holder-crash, endless-contention, `zk_lock_sequential_no_relist` | holds | holds | as the recipe: with two clients the node below is the holder's |
//! | clock-drift, every variant but `_ignore_null_exists` | holds | holds | the server's clock runs at 50 to 150%, which moves its session expiries (a 6-tick session may end after 4 real ticks), but no session is starved of its pings for long and nothing stops; liveness is decided on graphs of up to 185,188 states (`zk_lock_sequential_fenced`), time shifted by 4 real ticks, whole heartbeat periods on every clock |
//! | client-partition, `zk_lock_sequential_no_guid` | violated (lasso 41+4) | violated (41+4) | c2 waits behind its own first node; the cycle is its pings, which keep its session and both its nodes alive |
//! | client-partition, the recipe, `_fenced`, `_fenced_data_version` | holds | holds | the bounded `progress` violation there is slowness: the client cut off with its `create` in flight finds its session expired after the heal, opens a new one and queues behind the other, which releases (liveness graphs of 2,170,304 states, 2,404,920 fenced, about 13 s each) |
//! | clock-drift, `zk_lock_sequential_ignore_null_exists` | violated (lasso 27+16) | violated (27+16) | as with no fault: the waiter that took a null `exists` for a watch waits forever, pinging; the loop spans the 4 real ticks of one shift |
//! | gc-pause, every variant but `_ignore_null_exists` | holds | holds | the holder's pause ends its session; the expiry deletes its node, the waiter behind it takes the lock, and the paused client wakes to an expired session, opens a new one and queues again. Not pinned: the liveness graphs have 2,985,019 (`_no_relist`) to 3,493,285 states (the recipe and `_no_guid`), about 15 s and 0.6 GB each; `compare --check` decides them |
//! | gc-pause, `zk_lock_sequential_ignore_null_exists` | violated (lasso 51+4) | violated (51+4) | as with no fault: c2's `exists` on the released node answers null and c2 waits for a watch that never fires. The shortest lasso has the pause strike c2 right after that answer (time is shifted only from tick 22, after the faults' window); c2 resumes and pings forever (graph of 2,956,631 states, not pinned, as above) |
//! | partition, the recipe, `_fenced`, `_fenced_data_version`, `_no_relist` | holds | holds | the whole service is cut off: a session whose pings were lost expires, its node goes with it and wakes the client behind it, and its client opens a new session and queues again in sequence order; a `create` whose answer was lost is found again by its GUID, so no client waits behind its own node (as `_no_guid` does under server-restart). `_no_relist` is unsafe here, but not stuck: the client it lets in early finishes and releases. Not pinned: the liveness graphs have 9,021,304 (`_no_relist`) to 11,644,832 states (`_fenced`), 50 to 60 s and up to 2.0 GB each, past the million states the safety search stops at, so the entries give them a limit of their own (`"liveness_states_max": 12000000`); `compare --check` decides them |
//! | partition, `zk_lock_sequential_no_guid` | violated (lasso 41+4) | violated (41+4) | the wait behind its own first node, as under client-partition: the answer to c2's first `create` is lost in the cut, its retry makes a second node, and it waits for the first, which its own pings keep alive. Under a partition of the whole service as well as of the clients, the GUID is what keeps the recipe live (graph of 11,592,554 states, about 55 s; decided by `compare --check`) |
//! | partition, `zk_lock_sequential_ignore_null_exists` | violated (lasso 37+6) | violated (37+6) | the waiter that took a null `exists` for a watch waits forever, as everywhere (graph of 8,298,738 states, about 40 s) |

use crate::models::redis::{REQUEST_TIMEOUT_TICKS, TTL_TICKS};
use crate::models::zk_flavor::{Flavor, Recipe, Slip, Token, ZkFlavor};
use crate::models::zk_lock::ZkLock;
use crate::node::{Param, Variant};

pub struct Sequential;

impl ZkFlavor for Sequential {
    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "zk_lock_sequential",
            summary: "ZooKeeper lock recipe: ephemeral sequential nodes in line, watch the next-lower node",
        },
        Variant {
            id: "zk_lock_sequential_fenced",
            summary: "zk_lock_sequential with the node's creation zxid as the fencing token",
        },
        Variant {
            id: "zk_lock_sequential_fenced_data_version",
            summary: "zk_lock_sequential with the node's dataVersion as the fencing token, which is 0 for every holder",
        },
        Variant {
            id: "zk_lock_sequential_ignore_null_exists",
            summary: "zk_lock_sequential that waits for a watch when exists() finds its predecessor already gone",
        },
        Variant {
            id: "zk_lock_sequential_no_relist",
            summary: "zk_lock_sequential that takes its predecessor's deletion as the lock, without listing the children again",
        },
        Variant {
            id: "zk_lock_sequential_no_guid",
            summary: "zk_lock_sequential without the GUID in the node name (Curator without protection mode): a create with no answer is sent again",
        },
    ];

    /// The recipe never sleeps: a waiter waits on a watch.
    const PARAMS: &'static [Param] = &[TTL_TICKS, REQUEST_TIMEOUT_TICKS];

    fn flavor(variant: &str) -> Option<Flavor> {
        let (token, slip) = match variant {
            "zk_lock_sequential" => (Token::Unfenced, None),
            "zk_lock_sequential_fenced" => (Token::Czxid, None),
            "zk_lock_sequential_fenced_data_version" => (Token::DataVersion, None),
            "zk_lock_sequential_ignore_null_exists" => {
                (Token::Unfenced, Some(Slip::IgnoreNullExists))
            }
            "zk_lock_sequential_no_relist" => (Token::Unfenced, Some(Slip::NoRelist)),
            "zk_lock_sequential_no_guid" => (Token::Unfenced, Some(Slip::NoGuid)),
            _ => return None,
        };
        Some(Flavor {
            recipe: Recipe::Sequential,
            token,
            slip,
        })
    }
}

pub type ZkLockSequential = ZkLock<Sequential>;
