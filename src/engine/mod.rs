//! The search engine: a breadth-first search over any `stateright::Model`,
//! and the memory accounting that bounds it. It knows nothing of locks, the
//! world or the scenarios; the world plugs its packed state store and its
//! symmetry into it, and the checker drives it.

pub mod bfs;
pub mod interrupt;
pub mod memory;
