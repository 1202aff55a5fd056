//! World states packed for the search's frontier.
//!
//! A breadth-first search holds a whole level of states at once, twice over
//! while it expands one level into the next. A world state is a tree of
//! small vectors (clocks, servers, clients, messages), some 0.4 to 1.5 KB
//! in 4 to 7 heap blocks, yet it is made of few distinct parts: a search
//! meets thousands of distinct client slots or messages, not millions. So
//! [`PackedStore`] keeps each distinct part once, in a table per kind, and
//! a state as the numbers of its parts: some 20 to 60 bytes, in one byte
//! buffer per level, with no heap block of its own.
//!
//! A packing is a deterministic function of the state and the tables, and
//! two states pack alike exactly when they are equal, so the search
//! fingerprints the packing rather than the state (it is shorter). The
//! numbers depend on the order in which parts were first met, which with
//! several threads varies between runs; they never leave the process.
//!
//! A successor mostly shares its parts with its parent, so packing one
//! first compares each part with the parent's (cheap) and looks up only the
//! parts that changed.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{RwLock, RwLockReadGuard};

use xxhash_rust::xxh3::xxh3_128;

use super::{
    ClientSlotOf, Clock, Envelope, FaultState, ProcessMemory, Resource, ServerSlotOf, Shared,
    WorldState,
};
use crate::engine::bfs::StateStore;
use crate::node::{LockModel, Nonce};

/// A fast hash for the tables' keys: small values that `derive(Hash)`
/// writes as a few integers. Not for anything an adversary chooses.
#[derive(Default)]
struct PartHasher(u64);

const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

impl PartHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for PartHasher {
    #[inline]
    fn finish(&self) -> u64 {
        // The table takes its control bits from the top: fold the low ones in.
        let h = self.0;
        h ^ (h >> 29) ^ (h << 31)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last) ^ (rest.len() as u64) << 59);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

/// The distinct values of one kind of part, each numbered from 0 in the
/// order first met.
struct Interner<T> {
    table: RwLock<Table<T>>,
}

struct Table<T> {
    ids: HashMap<T, u32, BuildHasherDefault<PartHasher>>,
    values: Vec<T>,
}

impl<T: Clone + Eq + Hash> Interner<T> {
    fn new() -> Interner<T> {
        Interner {
            table: RwLock::new(Table {
                ids: HashMap::default(),
                values: Vec::new(),
            }),
        }
    }

    /// The number of `value`, given it one if it is new.
    fn id(&self, value: &T) -> u32 {
        if let Some(&id) = self.read().ids.get(value) {
            return id;
        }
        let mut table = self.table.write().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = table.ids.get(value) {
            return id;
        }
        let id = u32::try_from(table.values.len()).expect("fewer than 2^32 distinct parts");
        table.values.push(value.clone());
        table.ids.insert(value.clone(), id);
        id
    }

    fn read(&self) -> RwLockReadGuard<'_, Table<T>> {
        self.table.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// The part numbers of the state a worker opened last, for packing its
/// successors.
#[derive(Default)]
struct PartIds {
    clocks: u32,
    servers: Vec<u32>,
    clients: Vec<u32>,
    resource: u32,
    faults: u32,
    /// One per message, in the network's order.
    network: Vec<u32>,
}

/// One worker's working space.
#[derive(Default)]
pub struct PackCursor {
    /// The packing of the state identified last.
    packing: Vec<u8>,
    parent: PartIds,
}

/// A run of packed states: their packings end to end, and where each
/// starts. Packings are self-delimiting.
#[derive(Default)]
pub struct PackedLevel {
    bytes: Vec<u8>,
    starts: Vec<u64>,
}

type Slot<M> = Shared<ServerSlotOf<M>>;
type Client<M> = Shared<ClientSlotOf<M>>;

/// Keeps world states packed (see the module documentation). One store
/// serves one search: its tables grow with the distinct parts it meets.
pub struct PackedStore<M: LockModel> {
    clocks: Interner<Vec<Clock>>,
    servers: Interner<Slot<M>>,
    clients: Interner<Client<M>>,
    resources: Interner<Resource>,
    faults: Interner<FaultState>,
    envelopes: Interner<Envelope<M::Msg>>,
}

impl<M: LockModel> Default for PackedStore<M> {
    fn default() -> Self {
        PackedStore {
            clocks: Interner::new(),
            servers: Interner::new(),
            clients: Interner::new(),
            resources: Interner::new(),
            faults: Interner::new(),
            envelopes: Interner::new(),
        }
    }
}

impl<M: LockModel> PackedStore<M> {
    pub fn new() -> PackedStore<M> {
        PackedStore::default()
    }
}

fn put(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn take(bytes: &[u8], at: &mut usize) -> u64 {
    let mut n = 0u64;
    let mut shift = 0;
    loop {
        let b = bytes[*at];
        *at += 1;
        n |= ((b & 0x7f) as u64) << shift;
        if b < 0x80 {
            return n;
        }
        shift += 7;
    }
}

/// The grant count and the clients' shared memory in one number: the
/// memory above the count's 16 bits, as 0 when empty or 1 plus its
/// nonce's number, so that a state with empty memory packs (and so
/// fingerprints) as it did before the memory existed.
fn pack_grants(grants: u16, process: ProcessMemory) -> u64 {
    let memory = process.nonce.map_or(0, |n| n.number() + 1);
    grants as u64 | memory << 16
}

fn unpack_grants(n: u64) -> (u16, ProcessMemory) {
    let memory = n >> 16;
    let nonce = (memory > 0).then(|| Nonce::from_number(memory - 1).expect("a packed nonce"));
    (n as u16, ProcessMemory { nonce })
}

fn take_id(bytes: &[u8], at: &mut usize) -> usize {
    take(bytes, at) as usize
}

/// The number of `part`: its parent's when equal to it, else the table's.
#[inline]
fn part_id<T: Clone + Eq + Hash>(table: &Interner<T>, part: &T, parent: Option<(&T, u32)>) -> u32 {
    match parent {
        Some((p, id)) if p == part => id,
        _ => table.id(part),
    }
}

impl<M: LockModel> StateStore<WorldState<M>> for PackedStore<M> {
    type Level = PackedLevel;
    type Cursor = PackCursor;

    fn len(&self, level: &PackedLevel) -> usize {
        level.starts.len()
    }

    fn open<'a>(
        &self,
        level: &'a PackedLevel,
        index: usize,
        cursor: &mut PackCursor,
    ) -> std::borrow::Cow<'a, WorldState<M>> {
        let bytes = &level.bytes;
        let mut at = level.starts[index] as usize;
        let ids = &mut cursor.parent;
        let now = take(bytes, &mut at) as u32;
        let (grants, process) = unpack_grants(take(bytes, &mut at));

        ids.clocks = take_id(bytes, &mut at) as u32;
        let clocks = self.clocks.read().values[ids.clocks as usize].clone();

        let servers_table = self.servers.read();
        let count = take_id(bytes, &mut at);
        ids.servers.clear();
        let mut servers = Vec::with_capacity(count);
        for _ in 0..count {
            let id = take_id(bytes, &mut at);
            ids.servers.push(id as u32);
            servers.push(servers_table.values[id].clone());
        }
        drop(servers_table);

        let clients_table = self.clients.read();
        let count = take_id(bytes, &mut at);
        ids.clients.clear();
        let mut clients = Vec::with_capacity(count);
        for _ in 0..count {
            let id = take_id(bytes, &mut at);
            ids.clients.push(id as u32);
            clients.push(clients_table.values[id].clone());
        }
        drop(clients_table);

        ids.resource = take_id(bytes, &mut at) as u32;
        let resource = self.resources.read().values[ids.resource as usize].clone();
        ids.faults = take_id(bytes, &mut at) as u32;
        let faults = self.faults.read().values[ids.faults as usize].clone();

        let envelopes = self.envelopes.read();
        let count = take_id(bytes, &mut at);
        ids.network.clear();
        let mut network = Vec::with_capacity(count);
        for _ in 0..count {
            let id = take_id(bytes, &mut at);
            ids.network.push(id as u32);
            network.push(envelopes.values[id].clone());
        }
        drop(envelopes);

        std::borrow::Cow::Owned(WorldState {
            now,
            clocks,
            servers,
            clients,
            resource,
            network,
            faults,
            grants,
            process,
        })
    }

    fn identify(
        &self,
        s: &WorldState<M>,
        parent: Option<&WorldState<M>>,
        cursor: &mut PackCursor,
    ) -> u128 {
        let out = &mut cursor.packing;
        let ids = &cursor.parent;
        out.clear();
        put(out, s.now as u64);
        put(out, pack_grants(s.grants, s.process));
        let id = part_id(
            &self.clocks,
            &s.clocks,
            parent.map(|p| (&p.clocks, ids.clocks)),
        );
        put(out, id as u64);

        put(out, s.servers.len() as u64);
        for (i, slot) in s.servers.iter().enumerate() {
            let was = parent.and_then(|p| Some((p.servers.get(i)?, ids.servers[i])));
            put(out, part_id(&self.servers, slot, was) as u64);
        }
        put(out, s.clients.len() as u64);
        for (i, slot) in s.clients.iter().enumerate() {
            let was = parent.and_then(|p| Some((p.clients.get(i)?, ids.clients[i])));
            put(out, part_id(&self.clients, slot, was) as u64);
        }
        let id = part_id(
            &self.resources,
            &s.resource,
            parent.map(|p| (&p.resource, ids.resource)),
        );
        put(out, id as u64);
        let id = part_id(
            &self.faults,
            &s.faults,
            parent.map(|p| (&p.faults, ids.faults)),
        );
        put(out, id as u64);

        put(out, s.network.len() as u64);
        // Both networks are sorted and mostly alike: walk them side by side.
        let before: &[Envelope<M::Msg>] = parent.map_or(&[], |p| &p.network);
        let mut j = 0;
        for env in &s.network {
            while j < before.len() && before[j] < *env {
                j += 1;
            }
            let id = match before.get(j) {
                Some(e) if e == env => ids.network[j],
                _ => self.envelopes.id(env),
            };
            put(out, id as u64);
        }
        xxh3_128(out)
    }

    fn push(&self, level: &mut PackedLevel, _state: WorldState<M>, cursor: &mut PackCursor) {
        level.starts.push(level.bytes.len() as u64);
        level.bytes.extend_from_slice(&cursor.packing);
    }

    fn retain(&self, level: &mut PackedLevel, keep: &mut dyn FnMut() -> bool) {
        // The bytes of a dropped state stay until the level is: few are.
        level.starts.retain(|_| keep());
    }

    fn append(&self, level: &mut PackedLevel, other: PackedLevel) {
        if level.starts.is_empty() {
            *level = other;
            return;
        }
        let offset = level.bytes.len() as u64;
        level.bytes.extend_from_slice(&other.bytes);
        level.starts.extend(other.starts.iter().map(|s| s + offset));
    }
}
