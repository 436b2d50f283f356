//! A count of the objects this library holds for the app (its own objects
//! and the app's callbacks it keeps), so the Kotlin tests can show that
//! `close()` releases them and that nothing piles up over many flows.
//! Counted only with feature `testing`; otherwise a zero-sized no-op.

#[cfg(feature = "testing")]
static LIVE: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// Embedded in every object the app can hold; counts while it lives.
#[derive(Debug)]
pub(crate) struct Live(());

impl Live {
    pub(crate) fn new() -> Self {
        #[cfg(feature = "testing")]
        LIVE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Self(())
    }
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        #[cfg(feature = "testing")]
        LIVE.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// How many counted objects are alive now.
#[cfg(feature = "testing")]
pub(crate) fn live_objects() -> i64 {
    LIVE.load(std::sync::atomic::Ordering::Relaxed)
}

/// With feature `testing`, the library's heap is counted: bytes allocated
/// and not yet freed by Rust code in this library (SQLite's own allocations
/// go to libc directly and are not counted). The leak test reads it.
#[cfg(feature = "testing")]
mod heap {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicI64, Ordering};

    pub(super) static BYTES: AtomicI64 = AtomicI64::new(0);

    struct Counting;

    // SAFETY: every call is forwarded to `System` unchanged; only a counter
    // is updated besides.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract is System's.
            let p = unsafe { System.alloc(layout) };
            if !p.is_null() {
                BYTES.fetch_add(layout.size() as i64, Ordering::Relaxed);
            }
            p
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: as above.
            let p = unsafe { System.alloc_zeroed(layout) };
            if !p.is_null() {
                BYTES.fetch_add(layout.size() as i64, Ordering::Relaxed);
            }
            p
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: as above.
            unsafe { System.dealloc(ptr, layout) };
            BYTES.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: as above.
            let p = unsafe { System.realloc(ptr, layout, new_size) };
            if !p.is_null() {
                BYTES.fetch_add(new_size as i64 - layout.size() as i64, Ordering::Relaxed);
            }
            p
        }
    }

    #[global_allocator]
    static COUNTING: Counting = Counting;
}

/// Bytes the library's Rust code holds on the heap now.
#[cfg(feature = "testing")]
pub(crate) fn heap_bytes() -> i64 {
    heap::BYTES.load(std::sync::atomic::Ordering::Relaxed)
}
