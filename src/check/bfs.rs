//! Exhaustive breadth-first search over any `stateright::Model`.
//!
//! Why not stateright's own BFS: in 0.31 a later state that matches an
//! `always`/`sometimes` property overwrites the stored discovery, so the path
//! it reports is not the shortest (see `shared/stateright-notes.md`, section
//! 1), and with several threads its order varies between runs. This search is
//! level-synchronous: a level's states are expanded in parallel, then merged
//! into the visited set in frontier order on one thread. The first state that
//! decides a property is therefore at the smallest depth, the same on every
//! run and for any thread count, and a discovery is never replaced.
//!
//! States are identified by a 128-bit fingerprint (XXH3-128), so a
//! collision is not a practical concern; fingerprints never leave the process.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use stateright::{Expectation, Model};

use super::memory::Guard;
pub use super::memory::MemoryLimit;
use xxhash_rust::xxh3::xxh3_128;

/// Bounds on one search.
#[derive(Clone, Debug)]
pub struct SearchLimits {
    pub states_max: u64,
    pub depth_max: Option<u32>,
    pub time_max: Duration,
    /// `None`: no memory bound.
    pub memory: Option<MemoryLimit>,
}

/// Which bound cut a search short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    States(u64),
    Depth(u32),
    Time(Duration),
    /// The memory limit (in MB) was reached with `states` unique states.
    Memory {
        mb: u64,
        states: u64,
    },
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::States(n) => write!(f, "the state limit ({n} unique states) was reached"),
            Bound::Depth(d) => write!(f, "the depth limit ({d} steps) was reached"),
            Bound::Time(t) => write!(f, "the time limit ({} s) was reached", t.as_secs()),
            Bound::Memory { mb, states } => write!(
                f,
                "the memory limit ({mb} MB) was reached after {states} unique states"
            ),
        }
    }
}

/// How a search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Every reachable state (within the model's own horizon) was visited.
    Exhausted,
    /// Every property was decided, so the rest of the space could not change
    /// a verdict.
    AllDecided,
    /// A bound was reached first: properties not yet decided are inconclusive.
    Bound(Bound),
}

/// A path from an initial state to the state that decided a property.
pub struct Discovery<M: Model> {
    /// Which initial state (index into `init_states()`).
    pub init_index: usize,
    pub actions: Vec<M::Action>,
    /// `states[0]` is the initial state; `states[i + 1]` follows `actions[i]`.
    pub states: Vec<M::State>,
}

pub struct SearchOutcome<M: Model> {
    pub unique_states: u64,
    /// Successor states generated, duplicates included.
    pub transitions: u64,
    /// The depth of the deepest state visited.
    pub depth: u32,
    pub init_states: usize,
    pub stop: Stop,
    /// Per property, in `model.properties()` order.
    pub discoveries: Vec<Option<Discovery<M>>>,
}

/// A state's identity: a 128-bit XXH3 hash of everything it contains.
///
/// `derive(Hash)` writes a state as 100-200 tiny pieces; feeding each to a
/// streaming hasher costs more than hashing them once, so the pieces are
/// collected in a buffer kept per thread and hashed in one `xxh3_128` call.
/// The bytes, and so the fingerprint, depend only on the value.
pub fn fingerprint<T: Hash>(value: &T) -> u128 {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> =
            std::cell::RefCell::new(Vec::with_capacity(4096));
    }
    BUFFER.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut bytes) => {
            bytes.clear();
            value.hash(&mut ByteSink(&mut bytes));
            xxh3_128(&bytes)
        }
        // Only if a `Hash` impl fingerprinted something itself.
        Err(_) => {
            let mut bytes = Vec::new();
            value.hash(&mut ByteSink(&mut bytes));
            xxh3_128(&bytes)
        }
    })
}

/// A `Hasher` that only records what is written, for [`fingerprint`].
struct ByteSink<'a>(&'a mut Vec<u8>);

impl Hasher for ByteSink<'_> {
    fn finish(&self) -> u64 {
        unreachable!("fingerprint hashes the collected bytes itself")
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.0.push(i);
    }
}

/// The visited set's keys are fingerprints already: hashing them again would
/// only cost time.
#[derive(Default)]
pub(crate) struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u128` is used; fold anything else in for safety.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ *b as u64;
        }
    }
    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64 ^ (value >> 64) as u64;
    }
}

type Visited = HashSet<u128, BuildHasherDefault<FingerprintHasher>>;

const ROOT: u32 = u32::MAX;

/// One visited state: its parent and the index of the action (in the parent's
/// `actions()` list) that led here; for an initial state, the parent is
/// `ROOT` and the index is the initial state's.
#[derive(Clone, Copy)]
struct Node {
    parent: u32,
    action_index: u32,
}

/// A state waiting to be expanded, or just generated.
struct Pending<S> {
    state: S,
    fingerprint: u128,
    /// Once merged, this state's node id; until then, its parent's.
    node: u32,
    /// The index of the action (in the parent's `actions()`) that led here.
    action_index: u32,
    /// Successors the worker generated just before this one and dropped as
    /// already seen, so that `transitions` counts them where they were.
    skipped: u64,
}

/// One worker's new successors of a level, in frontier order.
struct Batch<S> {
    states: Vec<Pending<S>>,
    /// Successors dropped after the last kept one.
    skipped_after: u64,
}

/// How many states a worker expands between two looks at the clock and at
/// memory.
const CHECK_EVERY: usize = 256;

/// Searches `model` breadth first. `on_level(depth, unique_states)` is called
/// after each level, for progress display.
///
/// Each level is expanded in parallel: a worker keeps a successor only if its
/// fingerprint is neither in the visited set as it stood when the level began
/// (shared, read only) nor among those the worker already produced in this
/// level, so duplicates are dropped as they are generated rather than held
/// until the merge. The merge then runs on one thread in frontier order, as
/// if every successor had been kept: node ids, the first state to decide
/// each property and the paths rebuilt are the same for any thread count.
pub fn search<M>(
    model: &M,
    limits: &SearchLimits,
    threads: usize,
    on_level: &mut dyn FnMut(u32, u64),
) -> SearchOutcome<M>
where
    M: Model + Sync,
    M::State: Hash + Clone + Send + Sync,
    M::Action: Clone + Send,
{
    let started = Instant::now();
    let memory = Guard::new(limits.memory);
    let properties = model.properties();
    let mut decided_at: Vec<Option<u32>> = vec![None; properties.len()];
    let mut nodes: Vec<Node> = Vec::new();
    let mut visited = Visited::default();
    let mut transitions = 0u64;

    let check = |state: &M::State, node: u32, decided_at: &mut Vec<Option<u32>>| {
        for (i, p) in properties.iter().enumerate() {
            if decided_at[i].is_some() {
                continue;
            }
            let holds = (p.condition)(model, state);
            let discovery = match p.expectation {
                Expectation::Always => !holds,
                Expectation::Sometimes => holds,
                // lockcheck does not use stateright's `eventually` (it cannot
                // see cycles); bounded liveness is phrased as `always`.
                Expectation::Eventually => false,
            };
            if discovery {
                decided_at[i] = Some(node);
            }
        }
    };
    let all_decided = |d: &Vec<Option<u32>>| d.iter().all(Option::is_some);

    let inits = model.init_states();
    let init_count = inits.len();
    let mut frontier: Vec<Pending<M::State>> = Vec::new();
    let mut stop = None;
    for (i, state) in inits.into_iter().enumerate() {
        let fingerprint = fingerprint(&state);
        if visited.insert(fingerprint) {
            let id = nodes.len() as u32;
            nodes.push(Node {
                parent: ROOT,
                action_index: i as u32,
            });
            check(&state, id, &mut decided_at);
            frontier.push(Pending {
                state,
                fingerprint,
                node: id,
                action_index: i as u32,
                skipped: 0,
            });
            if nodes.len() as u64 >= limits.states_max {
                stop = Some(Stop::Bound(Bound::States(limits.states_max)));
                break;
            }
        }
    }

    let mut depth = 0u32;
    let timed_out = AtomicBool::new(false);
    let stop = loop {
        if let Some(stop) = stop {
            break stop;
        }
        on_level(depth, nodes.len() as u64);
        if all_decided(&decided_at) {
            break Stop::AllDecided;
        }
        if frontier.is_empty() {
            break Stop::Exhausted;
        }
        if limits.depth_max == Some(depth) {
            let mut actions = Vec::new();
            let open = frontier.iter().any(|p| {
                actions.clear();
                model.actions(&p.state, &mut actions);
                !actions.is_empty()
            });
            break if open {
                Stop::Bound(Bound::Depth(depth))
            } else {
                Stop::Exhausted
            };
        }
        if memory.over() {
            break memory_bound(&memory, nodes.len());
        }

        let seen = &visited;
        let expand = |chunk: &[Pending<M::State>]| -> Batch<M::State> {
            let _worker = memory.worker();
            let mut states = Vec::new();
            let mut mine = Visited::default();
            let mut skipped = 0u64;
            let mut actions = Vec::new();
            for (n, pending) in chunk.iter().enumerate() {
                if n % CHECK_EVERY == 0 {
                    if started.elapsed() > limits.time_max {
                        timed_out.store(true, Ordering::Relaxed);
                    }
                    if n > 0 {
                        memory.over();
                    }
                }
                if timed_out.load(Ordering::Relaxed) || memory.reached().is_some() {
                    break;
                }
                actions.clear();
                model.actions(&pending.state, &mut actions);
                for (ai, action) in actions.iter().enumerate() {
                    if let Some(next) = model.next_state(&pending.state, action.clone()) {
                        let fingerprint = fingerprint(&next);
                        if seen.contains(&fingerprint) || !mine.insert(fingerprint) {
                            skipped += 1;
                            continue;
                        }
                        states.push(Pending {
                            state: next,
                            fingerprint,
                            node: pending.node,
                            action_index: ai as u32,
                            skipped,
                        });
                        skipped = 0;
                    }
                }
            }
            Batch {
                states,
                skipped_after: skipped,
            }
        };
        let mut batches: Vec<Batch<M::State>> = if threads <= 1 || frontier.len() < 64 {
            vec![expand(&frontier)]
        } else {
            let chunk = frontier.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let handles: Vec<_> = frontier
                    .chunks(chunk)
                    .map(|c| scope.spawn(|| expand(c)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a search thread panicked"))
                    .collect()
            })
        };
        if timed_out.load(Ordering::Relaxed) {
            break Stop::Bound(Bound::Time(limits.time_max));
        }
        if memory.reached().is_some() {
            break memory_bound(&memory, nodes.len());
        }
        drop(frontier);

        // The merge: in frontier order, keep what no earlier worker produced
        // (a worker's batch holds no duplicate of its own), and number it.
        for batch in &mut batches {
            batch.states.retain_mut(|succ| {
                if stop.is_some() {
                    return false;
                }
                transitions += succ.skipped + 1;
                if !visited.insert(succ.fingerprint) {
                    return false;
                }
                let id = nodes.len() as u32;
                nodes.push(Node {
                    parent: succ.node,
                    action_index: succ.action_index,
                });
                check(&succ.state, id, &mut decided_at);
                succ.node = id;
                if nodes.len() as u64 >= limits.states_max {
                    stop = Some(Stop::Bound(Bound::States(limits.states_max)));
                }
                true
            });
            if stop.is_none() {
                transitions += batch.skipped_after;
            }
        }
        frontier = if batches.len() == 1 {
            batches.pop().expect("one batch").states
        } else {
            let mut next = Vec::with_capacity(batches.iter().map(|b| b.states.len()).sum());
            for batch in batches {
                next.extend(batch.states);
            }
            next
        };
        if !frontier.is_empty() {
            depth += 1;
        }
    };

    drop(frontier);
    let discoveries = decided_at
        .iter()
        .map(|d| d.map(|node| rebuild(model, &nodes, node)))
        .collect();
    SearchOutcome {
        unique_states: nodes.len() as u64,
        transitions,
        depth,
        init_states: init_count,
        stop,
        discoveries,
    }
}

fn memory_bound(memory: &Guard, states: usize) -> Stop {
    Stop::Bound(Bound::Memory {
        mb: memory.reached().expect("a memory limit was reached"),
        states: states as u64,
    })
}

/// Rebuilds the path to `node` by re-running the model along the recorded
/// action indices.
fn rebuild<M>(model: &M, nodes: &[Node], node: u32) -> Discovery<M>
where
    M: Model,
    M::State: Clone,
    M::Action: Clone,
{
    let mut indices = Vec::new();
    let mut at = node;
    while nodes[at as usize].parent != ROOT {
        indices.push(nodes[at as usize].action_index);
        at = nodes[at as usize].parent;
    }
    indices.reverse();
    let init_index = nodes[at as usize].action_index as usize;
    let mut state = model.init_states().swap_remove(init_index);
    let mut states = vec![state.clone()];
    let mut actions_taken = Vec::new();
    let mut actions = Vec::new();
    for ai in indices {
        actions.clear();
        model.actions(&state, &mut actions);
        let action = actions[ai as usize].clone();
        state = model
            .next_state(&state, action.clone())
            .expect("a recorded step must replay: the model is not deterministic");
        actions_taken.push(action);
        states.push(state.clone());
    }
    Discovery {
        init_index,
        actions: actions_taken,
        states,
    }
}
