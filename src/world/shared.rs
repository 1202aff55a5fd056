//! A node's slot shared between a state and its successors.
//!
//! A step changes one or two nodes, yet every successor used to copy every
//! node's slot (protocol state, timers, workload: a few heap blocks each),
//! and packing it then compared every slot with its parent's field by
//! field. A [`Shared`] slot is reference-counted: a successor's copy of the
//! state copies pointers, packing a slot the step left alone compares
//! pointers, and the packed store hands out its own copy of a slot when it
//! opens a state rather than a deep one.
//!
//! Writing through a `Shared` (`DerefMut`) copies the slot first when it is
//! shared (`Arc::make_mut`), so a step changes its own state only, and code
//! that writes `s.clients[i].status = ...` reads as it did with plain
//! slots. Reading never copies. Equality, order and hashing are the value's,
//! so states compare, sort and fingerprint exactly as before.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// A value shared by the states that hold it until one writes to it.
pub struct Shared<T>(Arc<T>);

/// Two values at one address are equal without a look inside: what makes
/// comparing a successor's untouched slot with its parent's cheap.
impl<T: Eq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl<T: Eq> Eq for Shared<T> {}

impl<T: Ord> PartialOrd for Shared<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Ord> Ord for Shared<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self.0).cmp(&*other.0)
    }
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared(Arc::new(value))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}

impl<T: Hash> Hash for Shared<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (*self.0).hash(state)
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (*self.0).fmt(f)
    }
}
