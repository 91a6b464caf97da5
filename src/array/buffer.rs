//! Large buffers for blocks and results: allocated without zero-filling, and on Linux
//! advised to use transparent huge pages, so that the first write to a gigabyte of fresh
//! memory costs hundreds of page faults instead of hundreds of thousands.

use std::mem::MaybeUninit;

/// Buffers smaller than this are left to the allocator as they are.
const HUGE: usize = 4 << 20;

/// An empty `Vec` with room for `len` elements, its memory advised as above.
pub(crate) fn with_capacity<T>(len: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(len);
    advise(v.as_ptr().cast(), v.capacity() * size_of::<T>());
    v
}

/// `len` uninitialised elements, to be written exactly once each before use.
pub(crate) fn uninit<T>(len: usize) -> Vec<MaybeUninit<T>> {
    let mut v = with_capacity(len);
    // SAFETY: `MaybeUninit<T>` needs no initialisation, and the capacity is `len`.
    unsafe { v.set_len(len) };
    v
}

/// Asks the kernel to back the whole pages of `[start, start + bytes)` with huge pages; a
/// hint only, so a refusal is ignored.
#[cfg(target_os = "linux")]
fn advise(start: *const u8, bytes: usize) {
    if bytes < HUGE {
        return;
    }
    const PAGE: usize = 4096;
    let begin = (start as usize).next_multiple_of(PAGE);
    let end = (start as usize + bytes) / PAGE * PAGE;
    if end > begin {
        // SAFETY: the range lies inside one live allocation of ours; MADV_HUGEPAGE changes
        // how it is backed, never its contents.
        unsafe { libc::madvise(begin as *mut libc::c_void, end - begin, libc::MADV_HUGEPAGE) };
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_start: *const u8, _bytes: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_have_the_room_asked_for() {
        let mut v: Vec<f32> = with_capacity(3 << 20);
        assert!(v.capacity() >= 3 << 20 && v.is_empty());
        v.extend((0..3 << 20).map(|i| i as f32));
        assert_eq!(v[12345], 12345.0);
        let u = uninit::<u64>(10);
        assert_eq!(u.len(), 10);
    }
}
