//! C string arrays: the process's argv and envp as the C runtime passes them,
//! and the NULL-terminated pointer arrays execve wants.

use core::ffi::{CStr, c_char};
use core::marker::PhantomData;
use core::ptr::NonNull;

/// A NULL-terminated array of C strings from the C runtime (argv, envp).
#[derive(Clone, Copy)]
pub struct RawArray {
    ptr: *const *const c_char,
}

impl RawArray {
    /// # Safety
    /// `ptr` must be NULL or point to a NULL-terminated array of pointers to
    /// NUL-terminated strings that live for the rest of the process (as the
    /// argv and envp given to `main` do).
    pub unsafe fn from_raw(ptr: *const *const c_char) -> Self {
        RawArray { ptr }
    }

    pub fn iter(self) -> RawIter {
        RawIter { ptr: self.ptr, i: 0 }
    }
}

/// The strings of a `RawArray`, in order. A named iterator with its `next`
/// out of line: argv and envp are walked some six times (options, CMD,
/// environment, LISTEN_*), and each walk inlined the NULL checks and the
/// `strlen` apart.
#[derive(Clone, Copy)]
pub struct RawIter {
    ptr: *const *const c_char,
    i: usize,
}

impl Iterator for RawIter {
    type Item = &'static CStr;

    #[inline(never)]
    fn next(&mut self) -> Option<&'static CStr> {
        if self.ptr.is_null() {
            return None;
        }
        // SAFETY: from_raw's contract: entries up to the NULL are valid, and
        // `i` never passes the NULL (it stops moving there).
        let s = unsafe { *self.ptr.add(self.i) };
        if s.is_null() {
            return None;
        }
        self.i += 1;
        // SAFETY: a non-NULL entry is a NUL-terminated static string.
        Some(unsafe { CStr::from_ptr(s) })
    }
}

/// A NULL-terminated array of up to N-1 string pointers for execve, each
/// borrowed for 'a.
/// The length first (`repr(C)`): beside the first pointers, in the page a
/// short array touches anyway.
#[repr(C)]
pub struct CArray<'a, const N: usize> {
    len: usize,
    ptrs: [*const c_char; N],
    _life: PhantomData<&'a CStr>,
}

// SAFETY: the pointers refer to strings borrowed for 'a (see `push`).
unsafe impl<const N: usize> Send for CArray<'_, N> {}

impl<'a, const N: usize> Default for CArray<'a, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a, const N: usize> CArray<'a, N> {
    pub const fn new() -> Self {
        CArray { len: 0, ptrs: [core::ptr::null(); N], _life: PhantomData }
    }

    /// Appends a string; Err when full (one slot stays for the NULL).
    pub fn push(&mut self, s: &'a CStr) -> Result<(), ()> {
        if self.len + 1 >= N {
            return Err(());
        }
        if let Some(slot) = self.ptrs.get_mut(self.len) {
            *slot = s.as_ptr();
        }
        self.len += 1;
        // The slot after the last string stays NULL: the array's end.
        if let Some(end) = self.ptrs.get_mut(self.len) {
            *end = core::ptr::null();
        }
        Ok(())
    }

    /// Empties the array. Being a write, it is a cheap first touch of an
    /// array in untouched zero-filled memory: its page is faulted in
    /// writable at once, where `push`'s first read would map the zero page
    /// and its write then fault again to copy it.
    pub fn clear(&mut self) {
        self.len = 0;
        if let Some(first) = self.ptrs.first_mut() {
            *first = core::ptr::null();
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The NULL-terminated array.
    pub(crate) fn as_ptr(&self) -> *const *const c_char {
        self.ptrs.as_ptr()
    }

    pub fn get(&self, i: usize) -> Option<&'a CStr> {
        let p = *self.ptrs.get(i).filter(|_| i < self.len)?;
        // SAFETY: entries below len were pushed as &'a CStr.
        Some(unsafe { CStr::from_ptr(p) })
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a CStr> + '_ {
        (0..self.len).filter_map(|i| self.get(i))
    }
}

/// A borrowed C string as one thin pointer: half the size of `&CStr` in the
/// spec's tables, and `Option<Str>` is guaranteed to be NULL when None (a
/// transparent `NonNull`), which lets a zeroed spec start out empty.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct Str<'a> {
    ptr: NonNull<c_char>,
    _life: PhantomData<&'a CStr>,
}

// SAFETY: a Str is a shared reference to immutable bytes.
unsafe impl Send for Str<'_> {}
// SAFETY: as above.
unsafe impl Sync for Str<'_> {}

impl<'a> Str<'a> {
    pub fn new(s: &'a CStr) -> Self {
        Str { ptr: NonNull::from(s).cast(), _life: PhantomData }
    }

    /// A Str of `bytes`, which must end with their only NUL (None when
    /// the last byte is not one). Only the end is checked: a C string ends
    /// at its first NUL, so an interior one could only shorten it, never
    /// lead a read past `bytes`; callers that must refuse interior NULs
    /// (the JSON parser) know there are none.
    pub fn from_nul_terminated(bytes: &'a [u8]) -> Option<Self> {
        if bytes.last() != Some(&0) {
            return None;
        }
        let ptr = NonNull::new(bytes.as_ptr() as *mut c_char)?;
        Some(Str { ptr, _life: PhantomData })
    }

    pub fn get(self) -> &'a CStr {
        // SAFETY: built from a &'a CStr, whose bytes stay valid and
        // NUL-terminated for 'a.
        unsafe { CStr::from_ptr(self.ptr.as_ptr()) }
    }

    pub fn to_bytes(self) -> &'a [u8] {
        self.get().to_bytes()
    }

    pub fn is_empty(self) -> bool {
        self.to_bytes().is_empty()
    }
}

impl core::fmt::Debug for Str<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.get().fmt(f)
    }
}

impl PartialEq for Str<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.to_bytes() == other.to_bytes()
    }
}

impl Eq for Str<'_> {}
