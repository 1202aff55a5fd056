//! The memory bound of a search.
//!
//! Two measures, both cheap enough to take every few hundred states:
//!
//! - what the search itself holds: the bytes allocated minus the bytes freed
//!   by the threads working on it, counted by [`Counting`], the allocator
//!   wrapper that the `lockcheck` binary installs. Several searches can run
//!   in one process (`compare`, `frontier`), and each is held to its own
//!   share. Without the wrapper (a library user, the tests), the process's
//!   resident memory stands in for it;
//! - the process's resident memory (`/proc/self/statm`), against the whole
//!   budget, which catches what the count misses (allocator overhead, memory
//!   that is not the search's).
//!
//! Reaching either stops the search with [`Bound::Memory`](super::bfs::Bound)
//! before the operating system has to kill the process. Like the time limit,
//! where exactly a search stops depends on the machine; a search cut short is
//! inconclusive, never `holds`.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

pub const MB: u64 = 1 << 20;

/// The share of the machine's available memory (`MemAvailable`) a run may use
/// by default.
pub const DEFAULT_PERCENT_OF_AVAILABLE: u64 = 80;

/// A memory bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryLimit {
    /// What this search may hold, in MB.
    pub search_mb: u64,
    /// What the whole process may hold resident, in MB: more than
    /// `search_mb` when several searches share the process.
    pub process_mb: u64,
}

impl MemoryLimit {
    /// The bound of one of `concurrent` searches running at once in this
    /// process. `command_line` (`--memory-max`) is the budget of the whole
    /// run; `scenario` (`limits.memory_mb`) can only lower a search's share.
    /// Without either, the budget is [`default_budget_mb`]. `None` when no
    /// budget can be found (no `/proc/meminfo` and nothing given).
    pub fn resolve(
        command_line: Option<u64>,
        scenario: Option<u64>,
        concurrent: usize,
    ) -> Option<MemoryLimit> {
        let n = concurrent.max(1) as u64;
        let budget = command_line.or_else(default_budget_mb);
        let share = budget.map(|b| (b / n).max(1));
        let search_mb = match (command_line, scenario, share) {
            (None, Some(s), Some(share)) => s.min(share),
            (None, Some(s), None) => s,
            (_, _, share) => share?,
        };
        Some(MemoryLimit {
            search_mb,
            process_mb: budget.unwrap_or(search_mb.saturating_mul(n)).max(search_mb),
        })
    }
}

/// The default budget of a run: [`DEFAULT_PERCENT_OF_AVAILABLE`] percent of
/// the memory the machine has available now, in MB.
pub fn default_budget_mb() -> Option<u64> {
    available_mb().map(|mb| (mb * DEFAULT_PERCENT_OF_AVAILABLE / 100).max(1))
}

/// `MemAvailable` from `/proc/meminfo`, in MB.
pub fn available_mb() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line
        .trim_start_matches("MemAvailable:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024)
}

/// The process's resident memory in bytes (`/proc/self/statm`), or 0 where
/// it cannot be read.
pub fn resident_bytes() -> u64 {
    use std::io::Read;
    let mut buf = [0u8; 128];
    let Ok(mut f) = std::fs::File::open("/proc/self/statm") else {
        return 0;
    };
    let Ok(n) = f.read(&mut buf) else {
        return 0;
    };
    let pages = std::str::from_utf8(&buf[..n])
        .ok()
        .and_then(|s| s.split_whitespace().nth(1))
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(0);
    // SAFETY: sysconf only reads a configuration value.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * if page > 0 { page as u64 } else { 4096 }
}

thread_local! {
    /// Bytes allocated minus bytes freed by this thread since it last
    /// reported to a [`Guard`]. No destructor, so usable while a thread ends.
    static UNREPORTED: Cell<i64> = const { Cell::new(0) };
}

static COUNTING: AtomicBool = AtomicBool::new(false);

#[inline]
fn count(bytes: i64) {
    let _ = UNREPORTED.try_with(|c| c.set(c.get().wrapping_add(bytes)));
}

/// A global allocator that counts, per thread, the bytes it hands out and
/// takes back, so that a search can tell what it holds.
pub struct Counting<A>(pub A);

// SAFETY: every call is forwarded to the wrapped allocator unchanged; the
// counting touches only a thread-local integer and never allocates.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { self.0.alloc(layout) };
        if !p.is_null() {
            if !COUNTING.load(Ordering::Relaxed) {
                COUNTING.store(true, Ordering::Relaxed);
            }
            count(layout.size() as i64);
        }
        p
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { self.0.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as i64);
        }
        p
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { self.0.dealloc(ptr, layout) };
        count(-(layout.size() as i64));
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

/// Watches one search's memory. Created on the search's thread; every other
/// thread working for the search holds a [`Worker`] while it does.
pub struct Guard {
    limit: Option<MemoryLimit>,
    /// Bytes the search's threads have reported.
    held: AtomicI64,
    /// The limit reached, in MB, or 0.
    reached: AtomicU64,
}

impl Guard {
    /// Starts counting on the calling thread: what it allocated or freed
    /// before is not the search's.
    pub fn new(limit: Option<MemoryLimit>) -> Guard {
        UNREPORTED.with(|c| c.set(0));
        Guard {
            limit,
            held: AtomicI64::new(0),
            reached: AtomicU64::new(0),
        }
    }

    /// For a thread that works for the search until the returned value is
    /// dropped.
    pub fn worker(&self) -> Worker<'_> {
        self.report();
        Worker(self)
    }

    fn report(&self) -> i64 {
        let mine = UNREPORTED.with(|c| c.replace(0));
        self.held.fetch_add(mine, Ordering::Relaxed) + mine
    }

    /// Measures, and says whether a limit has been reached (by this or any
    /// earlier measurement, on any thread).
    pub fn over(&self) -> bool {
        let held = self.report();
        let Some(limit) = self.limit else {
            return false;
        };
        if self.reached.load(Ordering::Relaxed) != 0 {
            return true;
        }
        let resident = resident_bytes();
        let searched = if COUNTING.load(Ordering::Relaxed) {
            held.max(0) as u64
        } else {
            resident
        };
        let reached = if searched > limit.search_mb * MB {
            limit.search_mb
        } else if resident > limit.process_mb * MB {
            limit.process_mb
        } else {
            return false;
        };
        let _ = self
            .reached
            .compare_exchange(0, reached, Ordering::Relaxed, Ordering::Relaxed);
        true
    }

    /// The limit that was reached, in MB.
    pub fn reached(&self) -> Option<u64> {
        match self.reached.load(Ordering::Relaxed) {
            0 => None,
            mb => Some(mb),
        }
    }
}

/// Reports a worker thread's allocations to its search when dropped.
pub struct Worker<'a>(&'a Guard);

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        self.0.report();
    }
}
