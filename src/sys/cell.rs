//! Static storage handed out once, as `&'static mut`: how nsinit keeps its
//! large buffers (the spec text, the parsed spec, execve's arrays) in .bss,
//! where only the pages really used become resident, instead of on a stack
//! that would be probed page by page.

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, Ordering};

/// Types for which all-zero bytes are a valid (empty) value, so a static of
/// them can start zeroed and live in .bss.
///
/// # Safety
/// Every field must accept all-zero bytes: integers, bools, `Option<Str>`
/// (a transparent `NonNull`: None is guaranteed NULL), `repr(C)`/`repr(u8)`
/// types made of those, heapless vectors (length 0; their storage is never
/// read past the length). `spec::tests::zeroed_spec_is_empty` checks the
/// type that relies on it.
pub unsafe trait Zeroable {}

/// The flag after the value (`repr(C)`): `take` writes it, so a type whose
/// busy part is its end (a program written back to front, counts kept
/// last: seccomp's `Program` and `Compiler`) has that page faulted in
/// writable at once, not mapped as the zero page on a first read and
/// copied again on the first write.
#[repr(C)]
pub struct Once<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    taken: AtomicBool,
}

// SAFETY: the value is only reachable through `take`, which hands out the one
// `&mut` at most once, whatever the thread.
unsafe impl<T: Send> Sync for Once<T> {}

impl<T> Once<T> {
    pub const fn new(value: T) -> Self {
        Once { value: UnsafeCell::new(MaybeUninit::new(value)), taken: AtomicBool::new(false) }
    }

    /// The value, the first time; None after.
    // The one `&mut` made from a shared static is the point of this type;
    // the flag makes it unique.
    #[allow(clippy::mut_from_ref)]
    pub fn take(&'static self) -> Option<&'static mut T> {
        if self.taken.swap(true, Ordering::AcqRel) {
            return None;
        }
        // SAFETY: the flag guarantees this is the only reference ever made,
        // and the value was initialised by `new` or is a valid all-zero
        // `Zeroable` from `zeroed`.
        Some(unsafe { (*self.value.get()).assume_init_mut() })
    }
}

impl<T: Zeroable> Once<T> {
    /// A zeroed value: a heapless vector's uninitialised storage would
    /// otherwise push the whole static into .data, bytes in the binary.
    pub const fn zeroed() -> Self {
        Once { value: UnsafeCell::new(MaybeUninit::zeroed()), taken: AtomicBool::new(false) }
    }
}

// SAFETY: bytes: all-zero is a valid value.
unsafe impl<const N: usize> Zeroable for [u8; N] {}

/// Gives the pages wholly inside `x` back to the kernel
/// (`madvise(MADV_DONTNEED)`): the memory stops being resident, and reads
/// as zeros from then on, a valid value for a `Zeroable` type. Bytes in a
/// page `x` shares with something else are left as they are.
pub fn release<T: Zeroable>(x: &mut T) {
    let start = x as *mut T as usize;
    let end = start + core::mem::size_of::<T>();
    let (first, last) = ((start + 4095) & !4095, end & !4095);
    if last > first {
        // SAFETY: [first, last) lies inside `x`, to which we hold the only
        // reference; zero pages are a valid T (Zeroable). An error leaves
        // the memory as it was, which is fine too.
        let _ = unsafe { super::madvise(first, last - first, libc::MADV_DONTNEED) };
    }
}
