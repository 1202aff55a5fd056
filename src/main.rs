//! The `lockcheck` command line.

mod cli;

use lockcheck::check;

// The search allocates and frees a state per transition; mimalloc does that
// several times faster than the system allocator. The wrapper counts what
// each thread holds, for the memory bound (`check::memory`).
#[global_allocator]
static GLOBAL: check::memory::Counting<Mimalloc> = check::memory::Counting(Mimalloc);

/// mimalloc, asked for plain blocks whenever the alignment allows. The
/// `mimalloc` crate asks for aligned blocks every time, and mimalloc's
/// aligned path falls back to a slow generic one whenever the size class has
/// no free block at hand (12% of a world search's instructions went
/// there).
struct Mimalloc;

/// Every mimalloc block is aligned to a word at least.
const MIMALLOC_ALIGN: usize = 8;

// SAFETY: plain blocks are used only when their guaranteed alignment
// suffices; anything else goes to mimalloc's aligned functions, as the
// `mimalloc` crate does. Both kinds are freed by `mi_free`.
unsafe impl std::alloc::GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys::{mi_malloc, mi_malloc_aligned};
        // SAFETY: mimalloc accepts any size.
        unsafe {
            if layout.align() <= MIMALLOC_ALIGN {
                mi_malloc(layout.size()) as *mut u8
            } else {
                mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys::{mi_zalloc, mi_zalloc_aligned};
        // SAFETY: as in `alloc`.
        unsafe {
            if layout.align() <= MIMALLOC_ALIGN {
                mi_zalloc(layout.size()) as *mut u8
            } else {
                mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: `ptr` came from this allocator.
        unsafe { libmimalloc_sys::mi_free(ptr as *mut std::ffi::c_void) }
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        use libmimalloc_sys::{mi_realloc, mi_realloc_aligned};
        let ptr = ptr as *mut std::ffi::c_void;
        // SAFETY: `ptr` came from this allocator with `layout`.
        unsafe {
            if layout.align() <= MIMALLOC_ALIGN {
                mi_realloc(ptr, new_size) as *mut u8
            } else {
                mi_realloc_aligned(ptr, new_size, layout.align()) as *mut u8
            }
        }
    }
}

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(cli::run())
}
