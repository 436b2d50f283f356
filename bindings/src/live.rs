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
/// go to libc directly and are not counted). The leak test reads it. The
/// counting allocator is the `cap` crate's, wrapping the system allocator
/// unchanged (no limit), so this crate holds no `unsafe` of its own.
#[cfg(feature = "testing")]
#[global_allocator]
static HEAP: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

/// Bytes the library's Rust code holds on the heap now.
#[cfg(feature = "testing")]
pub(crate) fn heap_bytes() -> i64 {
    i64::try_from(HEAP.allocated()).unwrap_or(i64::MAX)
}
