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
use xxhash_rust::xxh3::xxh3_128;

/// Bounds on one search.
#[derive(Clone, Debug)]
pub struct SearchLimits {
    pub states_max: u64,
    pub depth_max: Option<u32>,
    pub time_max: Duration,
}

/// Which bound cut a search short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    States(u64),
    Depth(u32),
    Time(Duration),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::States(n) => write!(f, "the state limit ({n} unique states) was reached"),
            Bound::Depth(d) => write!(f, "the depth limit ({d} steps) was reached"),
            Bound::Time(t) => write!(f, "the time limit ({} s) was reached", t.as_secs()),
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

struct Successor<S> {
    fingerprint: u128,
    state: S,
    parent: u32,
    action_index: u32,
}

/// Searches `model` breadth first. `on_level(depth, unique_states)` is called
/// after each level, for progress display.
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
    let mut frontier: Vec<(u32, M::State)> = Vec::new();
    let mut stop = None;
    for (i, state) in inits.into_iter().enumerate() {
        if visited.insert(fingerprint(&state)) {
            let id = nodes.len() as u32;
            nodes.push(Node {
                parent: ROOT,
                action_index: i as u32,
            });
            check(&state, id, &mut decided_at);
            frontier.push((id, state));
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
            let open = frontier.iter().any(|(_, s)| {
                actions.clear();
                model.actions(s, &mut actions);
                !actions.is_empty()
            });
            break if open {
                Stop::Bound(Bound::Depth(depth))
            } else {
                Stop::Exhausted
            };
        }

        let expand = |chunk: &[(u32, M::State)]| -> Vec<Successor<M::State>> {
            let mut out = Vec::new();
            let mut actions = Vec::new();
            for (n, (id, state)) in chunk.iter().enumerate() {
                if n % 256 == 0 && started.elapsed() > limits.time_max {
                    timed_out.store(true, Ordering::Relaxed);
                }
                if timed_out.load(Ordering::Relaxed) {
                    break;
                }
                actions.clear();
                model.actions(state, &mut actions);
                for (ai, action) in actions.iter().enumerate() {
                    if let Some(next) = model.next_state(state, action.clone()) {
                        out.push(Successor {
                            fingerprint: fingerprint(&next),
                            state: next,
                            parent: *id,
                            action_index: ai as u32,
                        });
                    }
                }
            }
            out
        };
        let batches: Vec<Vec<Successor<M::State>>> = if threads <= 1 || frontier.len() < 64 {
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

        let mut next_frontier = Vec::new();
        'merge: for batch in batches {
            for succ in batch {
                transitions += 1;
                if visited.insert(succ.fingerprint) {
                    let id = nodes.len() as u32;
                    nodes.push(Node {
                        parent: succ.parent,
                        action_index: succ.action_index,
                    });
                    check(&succ.state, id, &mut decided_at);
                    next_frontier.push((id, succ.state));
                    if nodes.len() as u64 >= limits.states_max {
                        stop = Some(Stop::Bound(Bound::States(limits.states_max)));
                        break 'merge;
                    }
                }
            }
        }
        if !next_frontier.is_empty() {
            depth += 1;
        }
        frontier = next_frontier;
    };

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
