//! A global allocator that counts live heap bytes, so `pacta bench` can report
//! memory per position exactly rather than from the process's resident size
//! (which freed memory never shrinks).
//!
//! Underneath is mimalloc rather than the system's allocator: the engine makes
//! many small allocations (events, their words, map nodes), and with a million
//! open escrows in memory mimalloc's size-segregated pages keep each one's
//! allocations closer together (the sweep over a million: 3.2 s instead of 4.3 s
//! in the fourth session's runs).

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

pub struct Counting;

/// Off unless `pacta bench` turns it on: every other command (the server above
/// all) pays one shared load per allocation, not a shared counter's contention.
static COUNTING: AtomicBool = AtomicBool::new(false);

/// Signed: memory allocated before counting began may be freed after it.
static LIVE: AtomicI64 = AtomicI64::new(0);

/// Counts every allocation from now on (`pacta bench` calls it first thing).
pub fn start_counting() {
    COUNTING.store(true, Ordering::Relaxed);
}

fn count(bytes: usize, sign: i64) {
    if COUNTING.load(Ordering::Relaxed) {
        LIVE.fetch_add(sign * bytes as i64, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to mimalloc.
        let p = unsafe { mimalloc::MiMalloc.alloc(layout) };
        if !p.is_null() {
            count(layout.size(), 1);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to mimalloc.
        let p = unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size(), 1);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) };
        count(layout.size(), -1);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged to mimalloc.
        let p = unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size, 1);
            count(layout.size(), -1);
        }
        p
    }
}

/// Heap bytes allocated and not yet freed since counting began.
pub fn live_bytes() -> i64 {
    LIVE.load(Ordering::Relaxed)
}
