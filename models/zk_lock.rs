//! ZooKeeper locks: article A's single ephemeral node, and ZooKeeper's lock
//! recipe (ephemeral sequential nodes in line), with and without fencing.
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
//! The recipe is ZooKeeper's own ("Recipes and Solutions: Locks", and the
//! `WriteLock` recipe it ships, which names nodes `x-<sessionId>-<seq>`).
//!
//! # The server (`zk`)
//! One ZooKeeper server with sessions and the znodes under the lock path.
//! - **Sessions.** A client's first request opens its session, and the
//!   server sends the new session's id (ZooKeeper's `ConnectResponse`)
//!   ahead of that request's answer on the same connection. This is how
//!   ZooKeeper's Java client starts a connection (`primeConnection` puts
//!   the `ConnectRequest` first and the requests queued meanwhile behind
//!   it), and it saves a round trip per session. A client whose first
//!   answer is lost therefore still knows its session and goes on in it:
//!   the recipe looks for the node its lost `create` may have made (step
//!   5 below), and a recipe without that rule creates a second node and
//!   waits behind its first. (If the `ConnectResponse` itself is lost, the
//!   connection breaks before the answer too, and the client opens another
//!   session; the first, which nobody pings, expires.) Every message on a
//!   session (a request or a ping) restarts its timeout. The server expires a
//!   session it has heard nothing on for `ttl_ticks` on its own monotonic
//!   clock,
//!   rounded up to its next session-tracker tick (one heartbeat period
//!   apart: ZooKeeper's `roundToNextInterval`; it also keeps arrivals a tick
//!   apart from making different states), so 9 to 10 ticks for a timeout of
//!   8. Expiry deletes the session's ephemeral nodes and fires the watches
//!   set on them. A request or ping on a session the server no longer has is
//!   answered `SessionExpired`. ZooKeeper's session tracker reads
//!   `Time.currentElapsedTime()`, which is `System.nanoTime() / 1000000`
//!   and which, its doc says, does not change when somebody sets the system
//!   clock; so a jump of the server's wall clock expires no session here.
//!   (Older releases read `System.currentTimeMillis()`, the wall clock.)
//! - **zxid.** Every write (open or expire a session, create, delete) takes
//!   the next zxid; a node records the zxid that created it (`czxid`).
//!   Only the fenced variant reads a zxid: the others' server counts none
//!   and answers every `czxid` as 0, so that two states that differ only in
//!   numbers nobody reads are one. Sequential children of `/lock` get the
//!   next value of a counter.
//! - **Watches** (`exists` and `get_children`) are one-shot: the server sends
//!   an event when the watched node is created or deleted, or a child of
//!   `/lock` comes or goes.
//! - **Persistence.** ZooKeeper logs every write before it answers, so a
//!   restarted server has its nodes, sessions and counters back. Watches are
//!   kept with them, which stands for the client library re-registering its
//!   watches (`SetWatches`) when it reconnects. Each session gets a full
//!   timeout again after a restart, counted from the first message the
//!   restarted server handles (`server_init` cannot set timers).
//!
//! # The client's session
//! - **Heartbeats.** While it has a session the client pings every
//!   `ttl_ticks / 3` ticks (ZooKeeper's client pings after a third of the
//!   session timeout without traffic; here it pings on that period
//!   regardless, at multiples of the period on its own monotonic clock). The server
//!   answers a ping only when the session is gone; ZooKeeper answers every
//!   ping, but the answer's only use is the client's own silence timer
//!   below, and answering every ping multiplied the state space about four
//!   times for no verdict.
//! - **Its own timer.** A holder that hears nothing from the server for a
//!   session timeout after the answer that gave it the lock presumes its
//!   session expired. (With pings unanswered, a waiting client would hear
//!   nothing while it waits, so only a holder runs this timer; it learns of
//!   an expiry from the next `SessionExpired` instead.)
//! - **A lost session** (`SessionExpired`, or the timer) makes a holder call
//!   `out.lost()` and ask again, a waiting client start over on a new
//!   session, and a release finish (the node went with the session).
//! - **After its release** the client leaves its session behind without
//!   closing it, as article A's script does when it exits: it stops pinging
//!   and the server expires the session later. A next round opens a new one.
//! - **Requests and replies.** A request carries an `xid` its answer echoes
//!   (`node::Requests`); the client takes only the answer to its outstanding
//!   request and ignores a late answer to one it sent again, and a second
//!   copy of an answer it has taken.
//! - **One connection.** The client talks to the server over one TCP
//!   connection (the world's sessions: in order, never duplicated, broken
//!   as a whole by a lost message, a partition or a crash). When the
//!   client notices a break its library reconnects (the ZooKeeper session
//!   lives on until it expires); the request that failed with
//!   `ConnectionLoss` is sent again under a new xid (kazoo and Curator
//!   retry it), and a waiter lists the children again, which stands for
//!   the library's `SetWatches` after a reconnect and for Curator's lock
//!   loop, which re-runs on every connection event.
//! - **Request timeout.** With `request_timeout_ticks`, an unanswered request
//!   is also sent again when its timeout runs out.
//!
//! # Protocol
//! `zk_lock_ephemeral`, article A's snippet:
//! 1. `create /my_lock EPHEMERAL`. Created: it holds the lock.
//! 2. `NodeExists`: sleep `retry_ticks` and go to 1. (The snippet would
//!    raise; section 3.4 says to wait for the release and try again. It sets
//!    no watch, so neither does the model.)
//! 3. Release: `delete /my_lock` with no version: whoever's node it is.
//!
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
//! - **Holder crash is survived**: the dead holder's pings stop and its
//!   session, and with it the lock node, expires.
//! - **A pause longer than the session timeout** breaks mutual exclusion: the
//!   stalled holder's session expires, the node goes, another client takes
//!   the lock, and the stalled one still believes it holds it when it wakes.
//!   Its write, read before the pause, then lands after the new holder's.
//!   The `czxid` fence rejects it, so the fenced variant keeps the resource
//!   safe (mutual exclusion, a statement about beliefs, stays violated).
//! - **Heartbeats cover clock drift**: a third of the timeout between pings
//!   leaves room for a server clock 50% fast, where a fixed lease fails.
//! - **A ZooKeeper restart is survived**: it persists nodes, sessions and
//!   the zxid, unlike Redis without persistence.
//! - **The snippet's plain `delete`** deletes whoever's `/my_lock`: a delete
//!   sent again after its answer was lost deletes the next holder's node.
//!   A `create` sent again after its answer was lost meets its own node
//!   (`NodeExists`) and waits for itself until its session ends.
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
//! - **Retrying a `create` after `ConnectionLoss`** meets the client's own
//!   node when the lost answer was a success (`NodeExists`): the snippet
//!   then sleeps and retries behind itself for as long as it keeps its
//!   session alive (server-restart, client-partition). The recipe's prefix
//!   rule finds its own node instead; without it
//!   (`zk_lock_sequential_no_guid`) the client queues behind its own node,
//!   as long as it keeps its session alive.
//! - **Waiting on a watch instead of sleeping** (`zk_lock_ephemeral_watch`)
//!   changes when a waiter tries again, not what can go wrong: the same
//!   pause, loss and latency counterexamples as the snippet, a few steps
//!   shorter where the deletion wakes the waiter at once. It meets its own
//!   node as the snippet does, and then waits for that node's deletion
//!   rather than retrying against it: the same deadlock, whose cycle is the
//!   pings alone.
//! - **A `dataVersion` token fences nothing**: every holder's is 0, the
//!   resource refuses only a lower one, and the stalled holder's write lands
//!   as it does with no token at all, where the `czxid` fence rejects it.
//!
//! # Expected verdicts (`models/zk_lock.expect.json`)
//! Under each shipped scenario, in the comparison matrix's notation: `ok`, or
//! the properties expected not to hold (`✗` violated, `?` out of the search's
//! reach), and `(live)` where the liveness properties are expected to hold.
//! The shortest counterexamples, and why, follow.
//!
//! <!-- expectations: generated from zk_lock.expect.json by `LOCKCHECK_BLESS=1 cargo test --test suite expectations::` -->
//! | scenario | `zk_lock_ephemeral` | `zk_lock_ephemeral_watch` | `zk_lock_sequential` | `zk_lock_sequential_fenced` | `zk_lock_sequential_fenced_data_version` | `zk_lock_sequential_ignore_null_exists` | `zk_lock_sequential_no_relist` | `zk_lock_sequential_no_guid` |
//! |---|---|---|---|---|---|---|---|---|
//! | no-faults | ok (live) | ok (live) | ok (live) | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) |
//! | holder-crash | ok (live) | ok (live) | ok (live) | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) |
//! | gc-pause | mutex ✗, resource ✗, progress ✗ (search stops at 1M states) | mutex ✗, resource ✗, progress ✗ (search stops at 1.5M states) | mutex ✗, resource ✗, progress ? (search stops at 1M states) | mutex ✗, resource ?, progress ? (search stops at 1M states) | mutex ✗, resource ✗, progress ? (search stops at 1M states) | mutex ✗, resource ✗, progress ✗ (search stops at 1M states) | mutex ✗, resource ✗, progress ? (search stops at 1M states) | mutex ✗, resource ✗, progress ? (search stops at 1M states) |
//! | clock-jump | ok (live) | ok (live) | ok (live) | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) |
//! | clock-drift | ok (live) | ok (live) | ok (live) | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) |
//! | message-loss | mutex ✗, resource ✗, progress ✗ (search stops at 1M states) | mutex ✗, resource ✗, progress ✗ (search stops at 1M states) | mutex ?, resource ?, progress ? (search stops at 1M states) | mutex ?, resource ?, progress ? (search stops at 1M states) | mutex ?, resource ?, progress ? (search stops at 1M states) | mutex ?, resource ?, progress ✗ (search stops at 1M states) | mutex ?, resource ?, progress ? (search stops at 1M states) | mutex ?, resource ?, progress ✗ (search stops at 1M states) |
//! | partition | progress ✗ (search stops at 1.5M states) | progress ✗ (search stops at 1.5M states) | mutex ?, resource ?, progress ? (search stops at 1M states) | mutex ?, resource ?, progress ? (search stops at 1M states) | mutex ?, resource ?, progress ? (search stops at 1M states) | mutex ?, resource ?, progress ✗ (search stops at 1M states) | mutex ✗, resource ✗, progress ? (search stops at 1M states) | mutex ?, resource ?, progress ✗ (search stops at 1M states) |
//! | server-restart | progress ✗ | progress ✗ | ok | ok | ok | progress ✗ | ok | progress ✗ |
//! | async-network | mutex ✗, resource ✗, progress ✗ | mutex ✗, resource ✗, progress ✗ | mutex ✗, resource ?, progress ✗ (search stops at 3M states) | mutex ✗, resource ?, progress ✗ (search stops at 3M states) | mutex ✗, resource ?, progress ✗ (search stops at 3M states) | mutex ✗, resource ?, progress ✗ (search stops at 3M states) | mutex ✗, resource ?, progress ✗ (search stops at 3M states) | mutex ✗, resource ?, progress ✗ (search stops at 3M states) |
//! | crowd-atomic | mutex ✗, resource ✗, progress ? (search stops at 1M states) | mutex ✗, resource ✗, progress ? (search stops at 1M states) | mutex ✗, resource ✗, progress ? (search stops at 1M states) | mutex ✗, resource ?, progress ? (search stops at 1M states) | mutex ✗, resource ✗, progress ? (search stops at 1M states) | mutex ✗, resource ✗, progress ✗ (search stops at 1M states) | mutex ✗, resource ✗, progress ? (search stops at 1M states) | mutex ✗, resource ✗, progress ? (search stops at 1M states) |
//! | duplicates | ok (live) | ok (live) | ok (live) | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) |
//! | client-partition | progress ✗, deadlock ✗, starvation ✗ | progress ✗, deadlock ✗, starvation ✗ | progress ✗ | progress ✗ | progress ✗ | progress ✗, deadlock ✗, starvation ✗ | ok (live) | progress ✗, deadlock ✗, starvation ✗ |
//! | endless-contention | progress ✗, starvation ✗ | progress ✗, starvation ✗ | ok (live) | ok (live) | ok (live) | progress ✗, deadlock ✗, starvation ✗ | ok (live) | ok (live) |
//! <!-- /expectations -->
//!
//! # Verdicts (pinned in `tests/suite/zk_models.rs`)
//! | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|
//! | no-faults | holds | holds | holds | |
//! | holder-crash | holds | holds | holds | the crashed client's session expires 9 to 10 ticks after its last ping and takes its node with it; the other client is done well before tick 30 |
//! | gc-pause | violated (34) | violated (35; recipe 40); fenced: ? | ephemeral: violated (simulation); recipe: ? | the holder stalls past its session timeout, its session expires and its node is deleted, and the other client acquires while the stalled one still believes it holds the lock (as long-pause shows in full). Every client pings every 2 ticks, so the search stops at its state limit (one million, `"states_max"` in `zk_lock.expect.json`) before it decides the rest |
//! | long-pause (a cut-down test fixture, searched to the end) | violated (34) | violated (35; recipe 40); fenced: holds | violated (56; recipe 58) | the holder stalls 9 ticks, its session expires (tick 10), the node is deleted and the other client acquires (the recipe's waiter through its watch event) while the stalled one still believes it holds the lock; resource: the stalled holder's write lands after a newer grant (in the shortest run its own abandoned write, after its session timer made it ask again); the fenced resource rejects the stale `czxid`; progress: a client that stalled 10 ticks has no time left to finish by tick 22 |
//! | clock-jump | holds | holds | holds | a 10-tick jump of the server's wall clock changes nothing: sessions expire by the monotonic clock (`Time.currentElapsedTime()`), which does not jump, and nothing else in the model reads the wall clock. (With session expiry on the wall clock, as in ZooKeeper releases that read `System.currentTimeMillis()`, the jump expired every session at once while the holder still believed it held the lock: mutual_exclusion was violated in 6 steps, 10 for the recipe.) Searched to the end |
//! | clock-drift | holds | holds | holds | the server's clock runs up to 50% fast, so its 6-tick timeout passes in 4 real ticks, but pings every 2 ticks arrive at least every 3 |
//! | message-loss | ephemeral: violated (18); recipe: ? | ephemeral: violated (24); recipe: ? | ephemeral: violated (simulation); recipe: ? | a lost message breaks the connection. The snippet retries its `delete` after `ConnectionLoss`, and the retry deletes the next holder's node; progress: the snippet's retried `create` meets its own node (as under server-restart). A lost watch event no longer strands the recipe's waiter: it lists the children again when it reconnects. Stopped at the state limit |
//! | partition | ephemeral: holds; recipe: ? | ephemeral: holds; recipe: ? | ephemeral: violated (103); recipe: ? | the ephemeral lock's search ends within its limit (1,064,028 states; the limit is raised to 1.5 million) and finds no safety violation: as under client-partition, a cut-off holder's section (at most 4 ticks) ends before its session could expire; progress: the client stuck behind its own node of client-partition. The recipe's search still stops at the state limit, and its simulation finds no stranded waiter |
//! | client-partition (clients only, horizon 26; an extra column of its own) | holds | holds | violated (91; ephemeral 75) | a cut-off holder's section (at most 4 ticks) ends long before its session could expire, so no one else gets in while it believes it holds the lock. Progress: the recipe is slow, not stuck: a client cut off while its first `create` was in flight reconnects after the heal with its session expired and queues behind the other, too late for the horizon; the snippet's `create` succeeds but the partition breaks the connection before the answer arrives, the retried `create` meets the client's own node (`NodeExists`) and it sleeps and retries against itself until the horizon |
//! | server-restart | holds | holds | ephemeral: violated (117); recipe: holds | ZooKeeper persists nodes, sessions and the zxid; a restart costs time, not safety. But the crash breaks the connection after the server logged the snippet's `create` and before its answer arrived: the retried `create` meets the client's own node and it waits behind itself |
//! | async-network | violated (15; recipe 22) | ephemeral: violated (21); recipe: ? | violated (14) | the answer that grants the lock (or the holder's pings) takes as long as the session timeout, so the session expires at the server before the holder's own session timer runs out, and the next client gets the lock; progress: a message may take until the horizon. The recipe variants stop at their state limit (raised to 3 million: the recipe's shortest counterexample lies past 2.7 million states) with resource safety undecided |
//! | crowd-atomic | violated (ephemeral 41; recipe 38) | violated (ephemeral 37; recipe 43); fenced: ? | ? | three clients, two rounds: a holder's session expires while it waits for the resource. The searches find these before they stop at their state limit (1M); the recipe's lost update, once found only by the seeded simulation, came within the search's reach when the unfenced server stopped counting zxids |
//! | duplicates | holds (vacuous) | holds (vacuous) | holds (vacuous) | ZooKeeper's clients talk over one TCP connection, which never delivers a message twice: the fault cannot strike, and the check says the verdict is vacuous |
//!
//! The three slips, where they differ from `zk_lock_sequential`:
//!
//! | variant | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|---|
//! | `ignore_null_exists` | no-faults, clock-jump, clock-drift, server-restart, duplicates | holds | holds | violated (63 under no-faults) | c1 holds, c2 lists the children, c1 deletes its node, c2's `exists` finds it gone and c2 waits for a watch that never fires |
//! | `ignore_null_exists` | holder-crash | holds | holds | violated (75) | as under no-faults, with the crash's extra branches |
//! | `ignore_null_exists` | gc-pause, message-loss, partition, crowd-atomic | as the recipe (crowd-atomic: 38) | as the recipe (crowd-atomic: 43) | violated (simulation) | the same wait, found by the seeded simulation after the search stopped at its state limit |
//! | `no_relist` | gc-pause | violated (32) | violated (38) | ? | the pause breaks it as it breaks the recipe, two steps sooner: the waiter skips the second listing |
//! | `no_relist` | partition | violated (simulation, 43) | violated (simulation) | ? | c2's first `create` goes unanswered before the cut, it opens a second session after the heal and queues behind its first node; that session expires, the deletion wakes c2 and it takes the lock while c1 holds it |
//! | `no_relist` | crowd-atomic | violated (37) | violated (42) | ? | as under gc-pause: the paused holder's session expires, and the waiter behind it takes the lock one step sooner than the recipe (38) |
//! | `no_relist` | client-partition | holds | holds | holds | the recipe's slow path (listing again behind the other client after the heal) is skipped; the search finds no violation |
//! | `no_guid` | server-restart | holds | holds | violated (100) | the restart breaks the connection after ZooKeeper logged c2's `create` and before its answer arrived; c2 knows its session, sends the `create` again, gets a second node and watches its first, which its own pings keep alive (the recipe lists the children and finds its node) |
//! | `no_guid` | client-partition | holds | holds | violated (71) | the same, with the partition breaking the connection: c2 waits behind itself until the horizon (the recipe is only slow here, 91) |
//! | `no_guid` | message-loss, partition | as the recipe | as the recipe | violated (simulation: 144; 122) | a lost answer to the `create`, as under server-restart, found by the seeded simulation after the search stopped at its state limit |
//!
//! The two variants that change one line of the snippet or the fenced
//! recipe, where they differ from it (`zk_lock_ephemeral_watch` from
//! `zk_lock_ephemeral`, `zk_lock_sequential_fenced_data_version` from
//! `zk_lock_sequential_fenced`):
//!
//! | variant | scenario | mutual_exclusion | resource_safe | progress | why |
//! |---|---|---|---|---|---|
//! | `ephemeral_watch` | gc-pause, long-pause | violated (30) | violated (35) | violated (81; long-pause 57) | as the snippet's, four steps sooner: the expiry of the paused holder's session deletes `/my_lock` and the `NodeDeleted` event wakes the waiter at once, where the snippet's waiter sleeps out its retry |
//! | `ephemeral_watch` | partition | holds | holds | violated (87) | its search ends at 1,258,020 states (its limit is raised to 1.5 million, `"states_max"` in `zk_lock.expect.json`; the snippet's at 1,064,028) and finds no safety violation, as the snippet's; progress: stuck behind its own node, as under server-restart |
//! | `ephemeral_watch` | server-restart | holds | holds | violated (96) | the restart breaks the connection after ZooKeeper logged c2's `create`; the retried `create` meets c2's own node, and `exists(watch)` on it waits for a deletion that only the end of c2's own session would bring |
//! | `ephemeral_watch` | crowd-atomic | violated (34) | violated (37) | ? | as the snippet's (41, 37), the waiters woken by the expiry rather than their retries |
//! | `fenced_data_version` | gc-pause, long-pause | violated (34) | violated (40) | ? (long-pause 58) | the recipe's: the stalled holder's write, token 0, reaches a resource whose highest token is 0, and is accepted. The `czxid` fence holds under long-pause and is undecided under gc-pause |
//! | `fenced_data_version` | async-network, crowd-atomic | violated (22; 38) | ? ; violated (43) | as the recipe | the recipe's verdicts: the fence refuses nothing. Under crowd-atomic its search reaches the lost update the recipe's only simulation found: with every token 0 the resource's states do not differ by which holder wrote last |
//! | `fenced_data_version` | endless-contention | holds | holds | holds | its token does not grow with every round: both liveness properties hold, as the recipe's (and the `czxid` variant's) do |
//!
//! ## Liveness under fairness (pinned in `tests/suite/zk_models.rs`)
//! | scenario | deadlock_free | starvation_free | why |
//! |---|---|---|---|
//! | holder-crash | holds | holds | `zk_lock_ephemeral`, `zk_lock_sequential`, `zk_lock_sequential_fenced`: the crashed holder's session expires and its node with it |
//! | client-partition, `zk_lock_ephemeral` | violated (lasso 34+29) | violated (lasso 34+29) | c2's `create` succeeds, its answer is lost to the partition; after the heal the resent `create` meets c2's own `/my_lock` (`NodeExists`), c2 sleeps and retries, and its pings keep the session (and the node) alive: it waits for itself forever. The bounded `progress` violation is real |
//! | endless-contention, `zk_lock_ephemeral` | holds | violated (lasso 28+88) | endless rounds, no fault: whenever `/my_lock` is free, the other client's `create` may come first, forever; the lock keeps being handed out, so no deadlock (pinned in `tests/suite/liveness.rs`) |
//! | endless-contention, `zk_lock_sequential` | holds | holds | waiters are served in the order of their sequence numbers (819,547 graph states; pinned in `tests/suite/liveness.rs`) |
//! | endless-contention, `zk_lock_sequential_fenced` | holds | holds | as the recipe; its token is the node's creation zxid, which grows with every round and is renumbered in order with the world's copies (1,156,111 graph states) |
//! | no-faults, holder-crash, clock-jump, endless-contention, `zk_lock_sequential_fenced_data_version` | holds | holds | as the recipe: its token is a constant, so its counters are renumbered as the recipe's are |
//! | client-partition, `zk_lock_ephemeral_watch` | violated (lasso 37+4) | violated (37+4) | c2's resent `create` meets its own `/my_lock`, and it waits on a watch for its own node's deletion; the cycle is its pings, which keep the session and the node alive |
//! | endless-contention, `zk_lock_ephemeral_watch` | holds | violated (lasso 28+142) | as the snippet: each release wakes the waiter, but the releasing client's next `create` may come first, forever |
//! | no-faults, holder-crash, endless-contention, duplicates, client-partition, `zk_lock_sequential_ignore_null_exists` | violated (no-faults and duplicates: lasso 37+4; client-partition: 38+4) | violated (the same) | the waiter that took a null `exists` for a watch waits forever, pinging; nobody holds the lock |
//! | holder-crash, endless-contention, `zk_lock_sequential_no_relist` | holds | holds | as the recipe: with two clients the node below is the holder's |
//! | clock-drift, every variant but `_ignore_null_exists` | holds | holds | the server's clock runs at 50 to 150%, which moves its session expiries (a 6-tick session may end after 4 real ticks), but no session is starved of its pings for long and nothing stops; liveness is decided on graphs of 78,534 (`_ephemeral_watch`) to 185,188 (`_fenced`) states, time shifted by 4 real ticks, whole heartbeat periods on every clock |
//! | client-partition, `zk_lock_sequential_no_guid` | violated (lasso 41+4) | violated (41+4) | c2 waits behind its own first node; the cycle is its pings, which keep its session and both its nodes alive |
//! | clock-drift, `zk_lock_sequential_ignore_null_exists` | violated (lasso 27+16) | violated (27+16) | as with no fault: the waiter that took a null `exists` for a watch waits forever, pinging; the loop spans the 4 real ticks of one shift |
//!
//! For the liveness checker the model keeps no absolute time of its own
//! (session expiry and every client deadline are world timers) and asks
//! for shifts by whole heartbeat periods (pings and session expiry align to
//! them). The harness renumbers its request ids and what grows with every
//! round, so that endless rounds keep the graph finite: zxids are
//! `FenceToken`s from the server's `FenceCounter` (the fenced variant's
//! tokens, renumbered in their order with the world's copies), sequence
//! numbers and each client's session numbers numbers of their own
//! `TokenFamily`, whose counters the server's data hands over.

use serde::{Deserialize, Serialize};

use crate::models::redis::{REQUEST_TIMEOUT_TICKS, RETRY_TICKS, TTL_TICKS};
use crate::node::LockParams;
use crate::node::{
    Ctx, FenceCounter, FenceToken, LockModel, NodeId, Out, Param, RealServer, RequestTimeout,
    Requests, ResendId, ServerProgram, SessionId, Symmetry, TimeVisitors, Transport, Variant,
};
use crate::{visit_fields, visit_variants};

use crate::models::zk_server::{EventType, Msg, Op, OpResult, WatchOn, ZPath, ZkData, ZkServer};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timer {
    /// (client) Time to send a heartbeat.
    Ping,
    /// (client) Nothing heard from the server for a session timeout.
    SessionTimeout,
    /// (client) The pending request went unanswered; send it again.
    RequestTimeout,
    /// (client, `zk_lock_ephemeral`) Sleep over; try `create` again.
    Retry,
    /// (server) Nothing heard on this session for a session timeout.
    Expire(SessionId),
}

/// Where the client is in the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Step {
    /// No lock wanted; no session.
    Idle,
    /// Waiting for the answer to `create`.
    Creating,
    /// Waiting for the children of `/lock`.
    Listing,
    /// Waiting for `exists(pred, watch)`; `pred` is the next-lower node
    /// (the recipe) or `/my_lock` (`zk_lock_ephemeral_watch`).
    Watching(ZPath),
    /// The watch on `pred` is set; waiting for it to fire.
    Waiting(ZPath),
    /// (`zk_lock_ephemeral`) `/my_lock` was taken; sleeping `retry_ticks`.
    Sleeping,
    /// (fenced) Reading its own node's creation zxid, which a `create` whose
    /// answer was lost did not tell it.
    Statting,
    Holding,
    /// Waiting for the answer to `delete`.
    Releasing,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ZkClient {
    pub step: Step,
    /// The session it believes alive.
    pub session: Option<SessionId>,
    /// (recipe) Its node in the line, once known.
    pub node: Option<ZPath>,
    /// Its node's creation zxid, once known: the fencing token.
    pub czxid: Option<FenceToken>,
    /// The request awaiting its answer, and the request ids (`xid`). Ids
    /// never repeat (across sessions too), so a late answer to an abandoned
    /// request, or a second copy of one taken, is recognised.
    pub requests: Requests<Op>,
    /// The watch on `pred` fired before the answer to `exists` arrived. On
    /// one connection the answer comes first, so this stays false; it is
    /// kept for a transport that may reorder them.
    pub fired: bool,
}

visit_variants!(Timer {
    Ping,
    SessionTimeout,
    RequestTimeout,
    Retry,
    Expire(session),
});
visit_variants!(Step {
    Idle,
    Creating,
    Listing,
    Watching(pred),
    Waiting(pred),
    Sleeping,
    Statting,
    Holding,
    Releasing,
});
visit_fields!(ZkClient {
    step,
    session,
    node,
    czxid,
    requests,
    fired
});

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Recipe {
    /// The seed's snippet: one ephemeral node, `/my_lock`, and what a client
    /// does while another holds it.
    Ephemeral(OnBusy),
    /// Ephemeral sequential nodes in line under `/lock`.
    Sequential,
}

/// What the single-node lock does when `/my_lock` is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OnBusy {
    /// Sleep `retry_ticks`, then `create` again (the seed's snippet).
    Sleep,
    /// `exists(/my_lock, watch)`, and `create` again when it is deleted.
    Watch,
}

/// The fencing token a holder hands the resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    /// None: the resource is not fenced.
    Unfenced,
    /// Its node's creation zxid, which grows with every write.
    Czxid,
    /// Its node's `dataVersion` (`Stat.version`): the number of `setData`
    /// calls on the node since its creation. Nobody writes the lock node, so
    /// every holder's is 0.
    DataVersion,
}

/// A recipe as engineers often write it, one step away from the documented
/// one (see the module documentation's "Protocol").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slip {
    /// `exists` on the predecessor answering "no such node" is taken as a
    /// watch set, and the client waits for its event.
    IgnoreNullExists,
    /// The predecessor's deletion (its watch event, or `exists` finding it
    /// gone) is taken as the lock, without listing the children again.
    NoRelist,
    /// A `create` that got no answer is sent again, without first looking
    /// for the node it may have made.
    NoGuid,
}

pub struct ZkLock {
    recipe: Recipe,
    token: Token,
    slip: Option<Slip>,
    ttl_ticks: u32,
    heartbeat_ticks: u32,
    retry_ticks: u32,
    timeout: RequestTimeout<Timer>,
}

impl ZkLock {
    /// Whether the server numbers its writes: only the fenced variant reads
    /// a zxid (its token is the node's `czxid`).
    fn server_counts_zxids(&self) -> bool {
        self.token == Token::Czxid
    }

    fn zk(&self) -> NodeId {
        NodeId(0)
    }

    fn request(&self, c: &mut ZkClient, op: Op, out: &mut Out<Self>) {
        let session = c.session;
        c.requests
            .send(out, self.zk(), op, &self.timeout, |xid, op| Msg::Req {
                session,
                xid,
                op,
            });
    }

    fn create(&self, c: &mut ZkClient, out: &mut Out<Self>) {
        c.step = Step::Creating;
        let op = match self.recipe {
            Recipe::Ephemeral(_) => Op::Create {
                path: ZPath::MyLock,
            },
            Recipe::Sequential => Op::CreateSequential,
        };
        self.request(c, op, out);
    }

    fn list(&self, c: &mut ZkClient, out: &mut Out<Self>) {
        c.step = Step::Listing;
        self.request(c, Op::GetChildren { watch: false }, out);
    }

    fn hold(&self, c: &mut ZkClient, out: &mut Out<Self>) {
        c.step = Step::Holding;
        // The answer that gave it the lock is the last it heard from the
        // server; if a session timeout passes without another, the session
        // must be presumed expired.
        out.set_timer(Timer::SessionTimeout, self.ttl_ticks);
        out.acquired(match self.token {
            Token::Unfenced => None,
            Token::Czxid => c.czxid.map(FenceToken::number),
            Token::DataVersion => Some(0),
        });
    }

    /// (server) Ticks from now to when the session expires if nothing more
    /// is heard: a session timeout from now, moved to the next session
    /// tracker tick after it (ZooKeeper's `roundToNextInterval`, with ticks
    /// one heartbeat period apart). Arrivals within one period share a
    /// deadline, so they do not make different states.
    fn expire_after(&self, ctx: &Ctx) -> u32 {
        let period = self.heartbeat_ticks as i64;
        let at = (ctx.mono_ticks + self.ttl_ticks as i64).div_euclid(period) * period + period;
        (at - ctx.mono_ticks) as u32
    }

    /// Ticks to the next multiple of the heartbeat period on the monotonic
    /// clock, which the ping timer runs on:
    /// heartbeats keep a fixed phase whatever the network did.
    fn next_beat_after(&self, ctx: &Ctx) -> u32 {
        let period = self.heartbeat_ticks as i64;
        (period - ctx.mono_ticks.rem_euclid(period)) as u32
    }

    /// The release is done. The client leaves its session behind without
    /// closing it, as the seed's script does when it exits: it stops pinging
    /// and the server expires the session a session timeout later. A next
    /// round opens a new session with its first request.
    fn finish_release(&self, c: &mut ZkClient, out: &mut Out<Self>) {
        c.session = None;
        c.step = Step::Idle;
        c.node = None;
        c.czxid = None;
        out.cancel_timer(Timer::Ping);
        out.cancel_timer(Timer::SessionTimeout);
        out.released();
    }

    /// The session is gone (the server said so, or the client's own timer
    /// ran out): its ephemeral node is, or soon will be, deleted.
    fn session_lost(&self, c: &mut ZkClient, out: &mut Out<Self>) {
        let step = c.step;
        c.session = None;
        c.requests.abandon();
        c.node = None;
        c.czxid = None;
        c.fired = false;
        out.cancel_timer(Timer::Ping);
        out.cancel_timer(Timer::SessionTimeout);
        out.cancel_timer(Timer::RequestTimeout);
        out.cancel_timer(Timer::Retry);
        match step {
            Step::Holding => {
                // The workload abandons its section and asks again
                // (`client_acquire`), which opens a new session.
                c.step = Step::Idle;
                out.lost();
            }
            // The node went with the session: the release is done.
            Step::Releasing => {
                c.step = Step::Idle;
                out.released();
            }
            Step::Idle => {}
            // Still acquiring: start over on a new session.
            _ => self.create(c, out),
        }
    }

    fn on_result(&self, c: &mut ZkClient, result: OpResult, out: &mut Out<Self>) {
        match (c.step, result) {
            (Step::Creating, OpResult::Created { path, czxid }) => {
                c.node = Some(path);
                // Only the fenced variant has a use for it.
                if self.token == Token::Czxid {
                    c.czxid = Some(czxid);
                }
                match self.recipe {
                    Recipe::Ephemeral(_) => self.hold(c, out),
                    Recipe::Sequential => self.list(c, out),
                }
            }
            (Step::Creating, OpResult::NodeExists) => match self.recipe {
                Recipe::Ephemeral(OnBusy::Sleep) => {
                    c.step = Step::Sleeping;
                    out.set_timer(Timer::Retry, self.retry_ticks);
                }
                Recipe::Ephemeral(OnBusy::Watch) => self.watch(c, ZPath::MyLock, out),
                // The recipe's `create` is sequential and never meets a node.
                Recipe::Sequential => {}
            },
            (Step::Listing, OpResult::Children(children)) => self.check_line(c, &children, out),
            (Step::Watching(_), OpResult::Stat(Some(_))) if !c.fired => {
                if let Step::Watching(pred) = c.step {
                    c.step = Step::Waiting(pred);
                }
            }
            // The slip: "no such node" read as a watch set. The watch
            // `exists` left waits for the node's creation, and a sequential
            // name is never created again.
            (Step::Watching(pred), OpResult::Stat(None))
                if self.slip == Some(Slip::IgnoreNullExists) && !c.fired =>
            {
                c.step = Step::Waiting(pred);
            }
            // The predecessor is gone already (or went while we asked).
            (Step::Watching(_), OpResult::Stat(_)) => self.predecessor_gone(c, out),
            (Step::Statting, OpResult::Stat(Some(czxid))) => {
                c.czxid = Some(czxid);
                self.hold(c, out);
            }
            (Step::Statting, OpResult::Stat(None)) => self.create(c, out),
            (Step::Releasing, OpResult::Deleted | OpResult::NoNode) => self.finish_release(c, out),
            _ => {}
        }
    }

    /// The node this client waited behind is gone. The single-node lock
    /// tries `create` again. The recipe lists the children again, since a
    /// waiter ahead may have left (its session expired) while the holder
    /// still holds. The slip takes the lock.
    fn predecessor_gone(&self, c: &mut ZkClient, out: &mut Out<Self>) {
        match (self.recipe, self.slip) {
            (Recipe::Ephemeral(_), _) => self.create(c, out),
            (Recipe::Sequential, Some(Slip::NoRelist)) => self.hold(c, out),
            (Recipe::Sequential, _) => self.list(c, out),
        }
    }

    /// `exists(pred, watch)`: wait for `pred`'s deletion.
    fn watch(&self, c: &mut ZkClient, pred: ZPath, out: &mut Out<Self>) {
        c.step = Step::Watching(pred);
        c.fired = false;
        self.request(
            c,
            Op::Exists {
                path: pred,
                watch: true,
            },
            out,
        );
    }

    /// The outstanding request got no answer (its timeout ran out, or the
    /// connection it went on broke: `ConnectionLoss`, which kazoo and
    /// Curator retry).
    fn retry_outstanding(&self, c: &mut ZkClient, out: &mut Out<Self>) {
        if let Some(op) = c.requests.outstanding().cloned() {
            if op == Op::CreateSequential && c.session.is_some() && self.slip != Some(Slip::NoGuid)
            {
                // The recipe's rule for a `create` that got no answer:
                // look for a child with our prefix before creating
                // another, which would wait behind the first forever.
                c.node = None;
                self.list(c, out);
            } else {
                // Sent again under a new xid.
                self.request(c, op, out);
            }
        }
    }

    /// The recipe's check: lowest in line holds the lock; otherwise watch the
    /// next-lower node.
    fn check_line(&self, c: &mut ZkClient, children: &[ZPath], out: &mut Out<Self>) {
        if c.node.is_none() {
            // Recovering from an unanswered `create`: did it happen?
            c.node = children
                .iter()
                .find(|p| matches!(p, ZPath::Child { prefix, .. } if Some(*prefix) == c.session))
                .copied();
            if c.node.is_none() {
                self.create(c, out);
                return;
            }
        }
        let Some(mine) = c.node.filter(|n| children.contains(n)) else {
            // Its node is gone although its session lives: cannot happen
            // with one client per session, but starting over is safe.
            c.node = None;
            c.czxid = None;
            self.create(c, out);
            return;
        };
        match children.iter().filter(|p| **p < mine).max() {
            None if self.token == Token::Czxid && c.czxid.is_none() => {
                c.step = Step::Statting;
                self.request(
                    c,
                    Op::Exists {
                        path: mine,
                        watch: false,
                    },
                    out,
                );
            }
            None => self.hold(c, out),
            Some(&pred) => self.watch(c, pred, out),
        }
    }
}

impl LockModel for ZkLock {
    type Server = ZkServer;
    type Durable = ZkData;
    type Client = ZkClient;
    type Msg = Msg;
    type Timer = Timer;

    const VARIANTS: &'static [Variant] = &[
        Variant {
            id: "zk_lock_ephemeral",
            summary: "ZooKeeper create(/my_lock, EPHEMERAL), retry on NodeExists, release by delete (article A §4.4)",
        },
        Variant {
            id: "zk_lock_ephemeral_watch",
            summary: "zk_lock_ephemeral that waits on exists(/my_lock, watch) for the node's deletion instead of sleeping",
        },
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

    const PARAMS: &'static [Param] = &[TTL_TICKS, RETRY_TICKS, REQUEST_TIMEOUT_TICKS];

    fn new(variant: &str, params: &LockParams) -> Result<Self, String> {
        let ttl_ticks = params.require(TTL_TICKS.name)?;
        let (recipe, token, slip) = match variant {
            "zk_lock_ephemeral" => (Recipe::Ephemeral(OnBusy::Sleep), Token::Unfenced, None),
            "zk_lock_ephemeral_watch" => (Recipe::Ephemeral(OnBusy::Watch), Token::Unfenced, None),
            "zk_lock_sequential" => (Recipe::Sequential, Token::Unfenced, None),
            "zk_lock_sequential_fenced" => (Recipe::Sequential, Token::Czxid, None),
            "zk_lock_sequential_fenced_data_version" => {
                (Recipe::Sequential, Token::DataVersion, None)
            }
            "zk_lock_sequential_ignore_null_exists" => (
                Recipe::Sequential,
                Token::Unfenced,
                Some(Slip::IgnoreNullExists),
            ),
            "zk_lock_sequential_no_relist" => {
                (Recipe::Sequential, Token::Unfenced, Some(Slip::NoRelist))
            }
            "zk_lock_sequential_no_guid" => {
                (Recipe::Sequential, Token::Unfenced, Some(Slip::NoGuid))
            }
            other => return Err(format!("unknown ZooKeeper lock variant `{other}`")),
        };
        // Only the seed's snippet sleeps on a busy lock; the others wait on
        // a watch.
        let retry_ticks = match recipe {
            Recipe::Ephemeral(OnBusy::Sleep) => params.require(RETRY_TICKS.name)?,
            _ => 0,
        };
        // The ZooKeeper client pings after a third of the session timeout
        // without traffic; it pings on that period regardless, which is no
        // less often.
        let heartbeat_ticks = (ttl_ticks / 3).max(1);
        Ok(ZkLock {
            recipe,
            token,
            slip,
            ttl_ticks,
            heartbeat_ticks,
            retry_ticks,
            timeout: RequestTimeout {
                timer: Timer::RequestTimeout,
                after_ticks: params.optional(REQUEST_TIMEOUT_TICKS.name)?,
                resend: ResendId::New,
            },
        })
    }

    /// Heartbeats and session expiry align to multiples of the heartbeat
    /// period on the monotonic clock, so states are equivalent under shifts by
    /// whole periods only. The model keeps no absolute time itself: session
    /// expiry and every client deadline are world-owned timers.
    fn time_shift_period(&self) -> Option<u32> {
        Some(self.heartbeat_ticks)
    }

    /// The model keeps no absolute time itself (see `time_shift_period`).
    /// What the harness renumbers: request ids (`xid`), and what grows
    /// with every round (see `models/zk_server.rs`): zxids, the fenced
    /// variant's tokens, in their order with the world's copies; sequence
    /// numbers, which order the line; each client's session numbers.
    fn times(&self) -> Option<TimeVisitors<Self>> {
        Some(TimeVisitors::by_times())
    }

    /// Zxids, sequence numbers and session numbers grow with every round,
    /// and the harness renumbers all of them.
    fn rounds_bounded(&self) -> bool {
        true
    }

    /// A ZooKeeper restart is not replayed (the replay refuses a trace with
    /// one); everything else is.
    fn real_server(_variant: &str) -> Option<RealServer> {
        Some(RealServer {
            program: ServerProgram::ZooKeeper,
            restart_is_real: true,
        })
    }

    fn server_name(&self, _index: usize) -> String {
        "zk".to_string()
    }

    /// Clients run the same code. A session names its client by node id,
    /// and the line of the recipe is ordered by sequence number, never by
    /// client.
    fn client_symmetry(&self) -> Option<Symmetry<Self>> {
        Some(Symmetry::by_rename())
    }

    fn describe_msg(&self, msg: &Msg) -> String {
        match msg {
            Msg::Req { session, xid, op } => {
                let text = match op {
                    Op::Create { path } => format!("create {path} EPHEMERAL"),
                    Op::CreateSequential => match session {
                        Some(s) => format!("create /lock/x-{s}- EPHEMERAL_SEQUENTIAL"),
                        None => "create /lock/x-<session>- EPHEMERAL_SEQUENTIAL".to_string(),
                    },
                    Op::Delete { path } => format!("delete {path}"),
                    Op::Exists { path, watch } => {
                        format!("exists {path}{}", if *watch { " watch" } else { "" })
                    }
                    Op::GetChildren { watch } => {
                        format!("get_children /lock{}", if *watch { " watch" } else { "" })
                    }
                };
                match session {
                    Some(s) => format!("{text}  [{s} xid {xid}]"),
                    None => format!(
                        "{text}  [new session, timeout {} | xid {xid}]",
                        self.ttl_ticks
                    ),
                }
            }
            Msg::Rep {
                session,
                xid,
                result,
            } => {
                // Elsewhere every czxid is a placeholder 0, which a
                // timeline would show as if it were one.
                let counts_zxids = self.server_counts_zxids();
                let text = match result {
                    OpResult::Created { path, czxid } if counts_zxids => {
                        format!("created {path}, czxid {czxid}")
                    }
                    OpResult::Created { path, .. } => format!("created {path}"),
                    OpResult::NodeExists => "NodeExists".to_string(),
                    OpResult::Deleted => "deleted".to_string(),
                    OpResult::NoNode => "NoNode".to_string(),
                    OpResult::Stat(Some(czxid)) if counts_zxids => format!("exists, czxid {czxid}"),
                    OpResult::Stat(Some(_)) => "exists".to_string(),
                    OpResult::Stat(None) => "does not exist".to_string(),
                    OpResult::Children(children) => {
                        let names: Vec<String> = children
                            .iter()
                            .map(|p| match p {
                                ZPath::Child { seq, prefix } => format!("x-{prefix}-{seq:010}"),
                                ZPath::MyLock => p.to_string(),
                            })
                            .collect();
                        format!("children [{}]", names.join(", "))
                    }
                };
                format!("{text}  [{session} xid {xid}]")
            }
            Msg::Ping { session } => format!("ping  [{session}]"),
            Msg::Expired { session } => format!("SessionExpired  [{session}]"),
            Msg::Connected { session } => format!("connected  [{session}]"),
            Msg::Event { session, kind, on } => {
                let path = match on {
                    WatchOn::Node(p) => p.to_string(),
                    WatchOn::LockChildren => "/lock".to_string(),
                };
                format!("watch event {kind:?} {path}  [{session}]")
            }
        }
    }

    fn describe_timer(&self, timer: &Timer) -> String {
        match timer {
            Timer::Expire(s) => format!("Expire({s})"),
            t => format!("{t:?}"),
        }
    }

    fn server_init(&self, ctx: &Ctx, durable: Option<&ZkData>) -> ZkServer {
        match durable {
            Some(data) => ZkServer {
                data: data.clone(),
                expiry_armed: data.sessions.is_empty(),
            },
            None => ZkServer {
                data: ZkData {
                    zxid: self.server_counts_zxids().then(FenceCounter::new),
                    seq_next: 1,
                    sessions_opened: vec![0; ctx.client_count],
                    sessions: Vec::new(),
                    nodes: Vec::new(),
                    watches: Vec::new(),
                },
                expiry_armed: true,
            },
        }
    }

    fn server_on_msg(
        &self,
        ctx: &Ctx,
        st: &mut ZkServer,
        src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        if !st.expiry_armed {
            for &s in &st.data.sessions {
                out.set_timer(Timer::Expire(s), self.expire_after(ctx));
            }
            st.expiry_armed = true;
        }
        let before = st.data.clone();
        match msg {
            Msg::Ping { session } => {
                if st.data.sessions.binary_search(&session).is_ok() {
                    out.set_timer(Timer::Expire(session), self.expire_after(ctx));
                } else {
                    out.send(src, Msg::Expired { session });
                }
            }
            Msg::Req { session, xid, op } => {
                // The first request of a client opens its session.
                let session = session.unwrap_or_else(|| {
                    let opened = st.data.open_session(ctx, src);
                    out.send(src, Msg::Connected { session: opened });
                    opened
                });
                if st.data.sessions.binary_search(&session).is_ok() {
                    out.set_timer(Timer::Expire(session), self.expire_after(ctx));
                    let result = st.data.execute(session, op, out);
                    out.send(
                        src,
                        Msg::Rep {
                            session,
                            xid,
                            result,
                        },
                    );
                } else {
                    out.send(src, Msg::Expired { session });
                }
            }
            // Only the server sends the others.
            _ => {}
        }
        if st.data != before {
            out.save(st.data.clone());
        }
    }

    fn server_on_timer(&self, _ctx: &Ctx, st: &mut ZkServer, timer: Timer, out: &mut Out<Self>) {
        if let Timer::Expire(session) = timer
            && st.data.sessions.binary_search(&session).is_ok()
        {
            st.data.close_session(session, out);
            out.save(st.data.clone());
        }
    }

    fn client_init(&self, _ctx: &Ctx) -> ZkClient {
        ZkClient {
            step: Step::Idle,
            session: None,
            node: None,
            czxid: None,
            requests: Requests::new(),
            fired: false,
        }
    }

    fn client_acquire(&self, _ctx: &Ctx, c: &mut ZkClient, out: &mut Out<Self>) {
        c.node = None;
        c.czxid = None;
        c.fired = false;
        self.create(c, out);
    }

    fn client_release(&self, _ctx: &Ctx, c: &mut ZkClient, out: &mut Out<Self>) {
        // Done with the section: from here a lost session only ends the
        // release early.
        out.cancel_timer(Timer::SessionTimeout);
        let path = match self.recipe {
            Recipe::Ephemeral(_) => Some(ZPath::MyLock),
            Recipe::Sequential => c.node,
        };
        match (c.session, path) {
            (Some(_), Some(path)) => {
                c.step = Step::Releasing;
                self.request(c, Op::Delete { path }, out);
            }
            // No session, no node: nothing to delete.
            _ => self.finish_release(c, out),
        }
    }

    fn client_on_msg(
        &self,
        ctx: &Ctx,
        c: &mut ZkClient,
        _src: NodeId,
        msg: Msg,
        out: &mut Out<Self>,
    ) {
        match msg {
            Msg::Expired { session } if c.session == Some(session) => self.session_lost(c, out),
            Msg::Connected { session } if c.session.is_none() && c.step != Step::Idle => {
                c.session = Some(session);
                out.set_timer(Timer::Ping, self.next_beat_after(ctx));
            }
            Msg::Rep {
                session,
                xid,
                result,
            } if c.session.is_none_or(|s| s == session) => {
                if !c.requests.answers(xid) {
                    // The answer to a request sent again since, or a second
                    // copy of one already taken.
                    return;
                }
                if c.session.is_none() {
                    // The answer to its first request names its new session.
                    c.session = Some(session);
                    out.set_timer(Timer::Ping, self.next_beat_after(ctx));
                }
                c.requests.answer(out, &self.timeout, xid);
                self.on_result(c, result, out);
            }
            Msg::Event {
                session,
                kind: EventType::NodeDeleted,
                on: WatchOn::Node(path),
            } if c.session == Some(session) => match c.step {
                Step::Waiting(pred) if pred == path => self.predecessor_gone(c, out),
                Step::Watching(pred) if pred == path => c.fired = true,
                _ => {}
            },
            // Late news of a session it has left behind.
            _ => {}
        }
    }

    fn client_on_timer(&self, ctx: &Ctx, c: &mut ZkClient, timer: Timer, out: &mut Out<Self>) {
        match timer {
            Timer::Ping => {
                if let Some(session) = c.session {
                    out.send(self.zk(), Msg::Ping { session });
                    out.set_timer(Timer::Ping, self.next_beat_after(ctx));
                }
            }
            Timer::RequestTimeout => self.retry_outstanding(c, out),
            Timer::Retry => {
                if c.step == Step::Sleeping {
                    self.create(c, out);
                }
            }
            Timer::SessionTimeout => {
                if c.session.is_some() {
                    self.session_lost(c, out);
                }
            }
            Timer::Expire(_) => {}
        }
    }

    /// ZooKeeper's clients talk to the server over one TCP connection.
    fn transport(&self) -> Transport {
        Transport::Session
    }

    /// The connection broke and the client library connected again (the
    /// session lives on if it has not expired meanwhile: the next request
    /// or ping finds out). An unanswered request failed with
    /// `ConnectionLoss` and is retried. A waiter lists the children again:
    /// the watch event it waits for may have been lost with the connection,
    /// and Curator's lock loop re-runs on every connection event too (the
    /// client library's `SetWatches` would deliver it after the reconnect,
    /// which listing again stands for).
    fn client_on_disconnect(
        &self,
        _ctx: &Ctx,
        c: &mut ZkClient,
        _server: NodeId,
        out: &mut Out<Self>,
    ) {
        if c.requests.outstanding().is_some() {
            self.retry_outstanding(c, out);
        } else if let Step::Waiting(pred) = c.step {
            match self.recipe {
                // `SetWatches` re-registers the watch on `/my_lock` and
                // fires it if the node went meanwhile: asking again stands
                // for that.
                Recipe::Ephemeral(_) => self.watch(c, pred, out),
                Recipe::Sequential => self.list(c, out),
            }
        }
    }
}
