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
//! States are identified by a 128-bit fingerprint (XXH3-128 of the state, or
//! of its packing when the [`StateStore`] packs states), so a collision is not
//! a practical concern; fingerprints never leave the process.

use std::borrow::Cow;
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
    /// The run was interrupted (Ctrl-C) after `states` unique states.
    Interrupted {
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
            Bound::Interrupted { states } => {
                write!(f, "the run was interrupted after {states} unique states")
            }
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

/// How a search holds the states of a level between generating and
/// expanding them.
///
/// [`Plain`] keeps them as they are. A model whose states are large can
/// keep them packed instead (the world does: `world::PackedStore`), which is
/// what bounds the memory of a wide search: a level is held twice over at
/// the end of its expansion, once as the frontier and once as the next.
///
/// A store also fingerprints the states it is offered, so a packed store
/// can hash its packing. Whatever it hashes, two states must have the same
/// fingerprint exactly when they are equal.
pub trait StateStore<S: Clone>: Sync {
    /// A run of states, in order.
    type Level: Default + Send + Sync;
    /// One worker's working space: the state it opened last and the state
    /// it identified last, as far as the store needs them.
    type Cursor: Default;

    fn len(&self, level: &Self::Level) -> usize;

    /// The state at `index`, to expand it; `cursor` remembers it as the
    /// parent of the successors identified next.
    fn open<'a>(
        &self,
        level: &'a Self::Level,
        index: usize,
        cursor: &mut Self::Cursor,
    ) -> Cow<'a, S>;

    /// The fingerprint of `state`: a successor of `parent`, the state last
    /// opened with `cursor`, or an initial state.
    fn identify(&self, state: &S, parent: Option<&S>, cursor: &mut Self::Cursor) -> u128;

    /// Appends `state`, which must be the state last identified with
    /// `cursor`.
    fn push(&self, level: &mut Self::Level, state: S, cursor: &mut Self::Cursor);

    /// Keeps the states for which `keep`, called once per state in order,
    /// says so.
    fn retain(&self, level: &mut Self::Level, keep: &mut dyn FnMut() -> bool);

    /// Appends the states of `other`.
    fn append(&self, level: &mut Self::Level, other: Self::Level);
}

/// Keeps states as they are.
pub struct Plain;

impl<S: Hash + Clone + Send + Sync> StateStore<S> for Plain {
    type Level = Vec<S>;
    type Cursor = ();

    fn len(&self, level: &Vec<S>) -> usize {
        level.len()
    }
    fn open<'a>(&self, level: &'a Vec<S>, index: usize, _: &mut ()) -> Cow<'a, S> {
        Cow::Borrowed(&level[index])
    }
    fn identify(&self, state: &S, _: Option<&S>, _: &mut ()) -> u128 {
        fingerprint(state)
    }
    fn push(&self, level: &mut Vec<S>, state: S, _: &mut ()) {
        level.push(state);
    }
    fn retain(&self, level: &mut Vec<S>, keep: &mut dyn FnMut() -> bool) {
        level.retain(|_| keep());
    }
    fn append(&self, level: &mut Vec<S>, mut other: Vec<S>) {
        if level.is_empty() {
            *level = other;
        } else {
            level.append(&mut other);
        }
    }
}

/// The states waiting to be expanded, and their node ids.
struct Frontier<L> {
    states: L,
    nodes: Vec<u32>,
}

/// A successor a worker kept: everything the merge needs but the state.
#[derive(Clone, Copy)]
struct Found {
    /// The fingerprint, as two halves so that this packs on 8 bytes.
    fingerprint: [u64; 2],
    parent: u32,
    /// The index of the action (in the parent's `actions()`) that led here.
    action_index: u32,
    /// Successors the worker generated just before this one and dropped as
    /// already seen, so that `transitions` counts them where they were.
    skipped: u32,
    /// Bit `i`: this state decides property `i` (a counterexample to an
    /// `always`, an example of a `sometimes`); only properties undecided
    /// when the level began are evaluated.
    decides: u32,
}

impl Found {
    fn fingerprint(&self) -> u128 {
        (self.fingerprint[1] as u128) << 64 | self.fingerprint[0] as u128
    }
}

/// One worker's new successors of a level, in frontier order.
struct Batch<L> {
    states: L,
    found: Vec<Found>,
    /// Successors dropped after the last kept one.
    skipped_after: u64,
}

/// How many states a worker expands between two looks at the clock and at
/// memory.
const CHECK_EVERY: usize = 256;

/// The most properties a search can decide (one bit each in [`Found`]).
const PROPERTIES_MAX: usize = 32;

/// Searches `model` breadth first, holding states as they are. `on_level(depth,
/// unique_states)` is called after each level, for progress display.
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
    search_with(model, &Plain, limits, threads, on_level)
}

/// Searches `model` breadth first, holding the states between levels in
/// `store`.
///
/// Each level is expanded in parallel: a worker keeps a successor only if its
/// fingerprint is neither in the visited set as it stood when the level began
/// (shared, read only) nor among those the worker already produced in this
/// level, so duplicates are dropped as they are generated rather than held
/// until the merge. The worker also evaluates the properties still undecided
/// on what it keeps. The merge then runs on one thread in frontier order, as
/// if every successor had been kept: node ids, the first state to decide
/// each property and the paths rebuilt are the same for any thread count.
pub fn search_with<M, St>(
    model: &M,
    store: &St,
    limits: &SearchLimits,
    threads: usize,
    on_level: &mut dyn FnMut(u32, u64),
) -> SearchOutcome<M>
where
    M: Model + Sync,
    M::State: Hash + Clone + Send + Sync,
    M::Action: Clone + Send,
    St: StateStore<M::State>,
{
    search_deciding(model, store, limits, threads, u32::MAX, on_level)
}

/// [`search_with`], deciding only the properties whose bit is set in
/// `wanted` (bit `i`: the model's `i`-th property). The others are never
/// evaluated and get no discovery, and the search stops as soon as the wanted
/// ones are decided: asking about one property does not pay for the rest.
pub fn search_deciding<M, St>(
    model: &M,
    store: &St,
    limits: &SearchLimits,
    threads: usize,
    wanted: u32,
    on_level: &mut dyn FnMut(u32, u64),
) -> SearchOutcome<M>
where
    M: Model + Sync,
    M::State: Hash + Clone + Send + Sync,
    M::Action: Clone + Send,
    St: StateStore<M::State>,
{
    let started = Instant::now();
    let memory = Guard::new(limits.memory);
    let properties = model.properties();
    assert!(
        properties.len() <= PROPERTIES_MAX,
        "a search decides at most {PROPERTIES_MAX} properties"
    );
    let mut decided_at: Vec<Option<u32>> = vec![None; properties.len()];
    let mut nodes: Vec<Node> = Vec::new();
    let mut visited = Visited::default();
    let mut transitions = 0u64;

    // The properties among `undecided` that `state` decides, as a bit set.
    let decides = |state: &M::State, undecided: u32| -> u32 {
        let mut bits = 0;
        for (i, p) in properties.iter().enumerate() {
            if undecided & (1 << i) == 0 {
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
                bits |= 1 << i;
            }
        }
        bits
    };
    let undecided = |d: &[Option<u32>]| -> u32 {
        d.iter()
            .enumerate()
            .filter(|(_, d)| d.is_none())
            .fold(0, |bits, (i, _)| bits | 1 << i)
            & wanted
    };
    let record = |bits: u32, node: u32, decided_at: &mut [Option<u32>]| {
        for (i, d) in decided_at.iter_mut().enumerate() {
            if bits & (1 << i) != 0 && d.is_none() {
                *d = Some(node);
            }
        }
    };

    let inits = model.init_states();
    let init_count = inits.len();
    let mut frontier = Frontier {
        states: St::Level::default(),
        nodes: Vec::new(),
    };
    let mut stop = None;
    let mut cursor = St::Cursor::default();
    for (i, state) in inits.into_iter().enumerate() {
        let fingerprint = store.identify(&state, None, &mut cursor);
        if visited.insert(fingerprint) {
            let id = nodes.len() as u32;
            nodes.push(Node {
                parent: ROOT,
                action_index: i as u32,
            });
            let bits = decides(&state, undecided(&decided_at));
            record(bits, id, &mut decided_at);
            store.push(&mut frontier.states, state, &mut cursor);
            frontier.nodes.push(id);
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
        if undecided(&decided_at) == 0 {
            break Stop::AllDecided;
        }
        let width = frontier.nodes.len();
        if width == 0 {
            break Stop::Exhausted;
        }
        if limits.depth_max == Some(depth) {
            let mut actions = Vec::new();
            let mut cursor = St::Cursor::default();
            let open = (0..width).any(|i| {
                actions.clear();
                model.actions(&store.open(&frontier.states, i, &mut cursor), &mut actions);
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
        let level = &frontier;
        let undecided = undecided(&decided_at);
        let expand = |range: std::ops::Range<usize>| -> Batch<St::Level> {
            let _worker = memory.worker();
            let mut states = St::Level::default();
            let mut found = Vec::new();
            let mut mine = Visited::default();
            let mut skipped = 0u32;
            let mut actions = Vec::new();
            let mut cursor = St::Cursor::default();
            for (n, i) in range.enumerate() {
                if n % CHECK_EVERY == 0 {
                    if started.elapsed() > limits.time_max {
                        timed_out.store(true, Ordering::Relaxed);
                    }
                    if n > 0 {
                        memory.over();
                    }
                }
                if timed_out.load(Ordering::Relaxed)
                    || memory.reached().is_some()
                    || super::interrupt::requested()
                {
                    break;
                }
                let state = store.open(&level.states, i, &mut cursor);
                model.actions(&state, &mut actions);
                // Each action is used once: handed over, not cloned.
                for (ai, action) in actions.drain(..).enumerate() {
                    if let Some(next) = model.next_state(&state, action) {
                        let fingerprint = store.identify(&next, Some(&state), &mut cursor);
                        if seen.contains(&fingerprint) || !mine.insert(fingerprint) {
                            skipped += 1;
                            continue;
                        }
                        found.push(Found {
                            fingerprint: [fingerprint as u64, (fingerprint >> 64) as u64],
                            parent: level.nodes[i],
                            action_index: ai as u32,
                            skipped,
                            decides: decides(&next, undecided),
                        });
                        store.push(&mut states, next, &mut cursor);
                        skipped = 0;
                    }
                }
            }
            Batch {
                states,
                found,
                skipped_after: skipped as u64,
            }
        };
        let mut batches: Vec<Batch<St::Level>> = if threads <= 1 || width < 64 {
            vec![expand(0..width)]
        } else {
            let chunk = width.div_ceil(threads);
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..width)
                    .step_by(chunk)
                    .map(|start| {
                        let expand = &expand;
                        scope.spawn(move || expand(start..(start + chunk).min(width)))
                    })
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
        if super::interrupt::requested() {
            break Stop::Bound(Bound::Interrupted {
                states: nodes.len() as u64,
            });
        }
        drop(frontier);

        // The merge: in frontier order, keep what no earlier worker produced
        // (a worker's batch holds no duplicate of its own), and number it.
        let mut next = Frontier {
            states: St::Level::default(),
            nodes: Vec::new(),
        };
        for batch in &mut batches {
            let mut found = batch.found.iter();
            store.retain(&mut batch.states, &mut || {
                let succ = found.next().expect("one record per state");
                if stop.is_some() {
                    return false;
                }
                transitions += succ.skipped as u64 + 1;
                if !visited.insert(succ.fingerprint()) {
                    return false;
                }
                let id = nodes.len() as u32;
                nodes.push(Node {
                    parent: succ.parent,
                    action_index: succ.action_index,
                });
                record(succ.decides, id, &mut decided_at);
                next.nodes.push(id);
                if nodes.len() as u64 >= limits.states_max {
                    stop = Some(Stop::Bound(Bound::States(limits.states_max)));
                }
                true
            });
            if stop.is_none() {
                transitions += batch.skipped_after;
            }
            batch.found = Vec::new();
        }
        for batch in batches {
            store.append(&mut next.states, batch.states);
        }
        frontier = next;
        if !frontier.nodes.is_empty() {
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
