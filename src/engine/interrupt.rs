//! A request to stop every search early (Ctrl-C), so that a long run ends
//! with what it has decided instead of losing it. Searches poll it where
//! they poll their time limit, and end `inconclusive` with
//! [`super::bfs::Bound::Interrupted`].

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Asks every search in this process to stop at its next poll.
pub fn request() {
    REQUESTED.store(true, Ordering::Relaxed);
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}
