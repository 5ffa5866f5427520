//! The binary's memory allocator: small blocks from mimalloc, large ones from the system's.
//!
//! A run makes hundreds of thousands of small allocations (a rules file's strings and tables at
//! start-up, a block's lines and edits as it goes), which glibc's malloc serves at twice
//! mimalloc's instructions, and from fresh pages that fault one 4 KiB page at a time: with 5,000
//! user rules, start-up took 61 ms of CPU with glibc, 36 ms with mimalloc. Large buffers stay with
//! the system allocator, whose `realloc` grows a mapped block in place (`mremap`): one huge line
//! read into a growing buffer costs no copy of itself, where mimalloc alone copied it at each
//! doubling (a 50 MiB line: peak memory 115 -> 173 MiB, 1.4 -> 3.1 s; with the split, 129 MiB).

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::c_void;

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc, mi_zalloc_aligned,
};

/// From this size on (bytes), a block is the system allocator's. Below it, a large rule set's
/// tables (a few MB each) come from mimalloc's huge pages: with 256 KiB here, 5,000 rules' start-up
/// faulted 3,607 pages (42 ms of CPU), with 4 MiB 1,255 (35 ms), with 16 MiB 351 (33 ms), but one
/// 50 MiB line then peaked at 143 MiB (129 MiB with 4 MiB), the doublings of its buffer up to 16 MiB
/// copied and kept by mimalloc.
const LARGE: usize = 4 << 20;

/// Small blocks from mimalloc, blocks of `LARGE` bytes or more from the system allocator. Every
/// block is freed by the allocator that made it: which one is told by its size, and Rust passes
/// the size a block was allocated (or last reallocated) with to `dealloc` and `realloc`.
pub struct SplitAlloc;

fn is_large(size: usize) -> bool {
    size >= LARGE
}

/// The alignment every mimalloc block has (a machine word): a layout asking no more is served by
/// the plain calls, whose fast path is a third of the aligned ones' (which the `mimalloc` crate
/// makes for every layout: 0.1 instructions a byte of a run, 5% of a large rule set's start-up).
const WORD: usize = std::mem::size_of::<usize>();

/// mimalloc's side of `SplitAlloc`.
struct Mi;

impl Mi {
    unsafe fn alloc(layout: Layout) -> *mut u8 {
        match layout.align() <= WORD {
            true => unsafe { mi_malloc(layout.size()) as *mut u8 },
            false => unsafe { mi_malloc_aligned(layout.size(), layout.align()) as *mut u8 },
        }
    }

    unsafe fn alloc_zeroed(layout: Layout) -> *mut u8 {
        match layout.align() <= WORD {
            true => unsafe { mi_zalloc(layout.size()) as *mut u8 },
            false => unsafe { mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8 },
        }
    }

    unsafe fn dealloc(ptr: *mut u8) {
        unsafe { mi_free(ptr as *mut c_void) }
    }

    unsafe fn realloc(ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match layout.align() <= WORD {
            true => unsafe { mi_realloc(ptr as *mut c_void, new_size) as *mut u8 },
            false => unsafe { mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8 },
        }
    }
}

// SAFETY: each method forwards to an allocator chosen by the layout's size; a block keeps that
// size's side until it is freed or reallocated, and a reallocation across `LARGE` moves the
// block to the other side by allocating there, copying, and freeing here.
unsafe impl GlobalAlloc for SplitAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match is_large(layout.size()) {
            true => unsafe { System.alloc(layout) },
            false => unsafe { Mi::alloc(layout) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match is_large(layout.size()) {
            true => unsafe { System.alloc_zeroed(layout) },
            false => unsafe { Mi::alloc_zeroed(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match is_large(layout.size()) {
            true => unsafe { System.dealloc(ptr, layout) },
            false => unsafe { Mi::dealloc(ptr) },
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match (is_large(layout.size()), is_large(new_size)) {
            (true, true) => unsafe { System.realloc(ptr, layout, new_size) },
            (false, false) => unsafe { Mi::realloc(ptr, layout, new_size) },
            _ => {
                // SAFETY: the caller guarantees `new_size` with the old alignment is a valid layout.
                let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
                let moved = unsafe { self.alloc(new_layout) };
                if !moved.is_null() {
                    // SAFETY: both blocks hold at least the smaller size, and two live blocks do
                    // not overlap.
                    unsafe {
                        std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                moved
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Grows a block from a few bytes past `LARGE` and back down, through both sides and across
    /// the boundary each way, checking its contents survive every move.
    #[test]
    fn a_block_keeps_its_bytes_across_the_boundary_both_ways() {
        let sizes = [16, 4096, LARGE - 1, LARGE, 3 * LARGE, LARGE + 1, LARGE - 1, 100, 8];
        for align in [1, 2, 8, 16, 64, 4096] {
            let layout = Layout::from_size_align(sizes[0], align).unwrap();
            let mut ptr = unsafe { SplitAlloc.alloc(layout) };
            assert!(!ptr.is_null());
            let mut size = sizes[0];
            let fill = |ptr: *mut u8, size: usize| (0..size).for_each(|i| unsafe { *ptr.add(i) = (i % 251) as u8 });
            fill(ptr, size);
            for &next in &sizes[1..] {
                let old = Layout::from_size_align(size, align).unwrap();
                ptr = unsafe { SplitAlloc.realloc(ptr, old, next) };
                assert!(!ptr.is_null());
                assert_eq!(ptr as usize % align, 0, "alignment {align} kept at {next} bytes");
                let kept = size.min(next);
                assert!((0..kept).all(|i| unsafe { *ptr.add(i) } == (i % 251) as u8), "{size} -> {next} bytes");
                size = next;
                fill(ptr, size);
            }
            unsafe { SplitAlloc.dealloc(ptr, Layout::from_size_align(size, align).unwrap()) };
        }
    }

    #[test]
    fn zeroed_blocks_are_zero_on_both_sides() {
        for size in [64, 3 * LARGE] {
            let layout = Layout::from_size_align(size, 16).unwrap();
            let ptr = unsafe { SplitAlloc.alloc_zeroed(layout) };
            assert!(!ptr.is_null());
            assert!((0..size).all(|i| unsafe { *ptr.add(i) } == 0));
            unsafe { SplitAlloc.dealloc(ptr, layout) };
        }
    }
}
