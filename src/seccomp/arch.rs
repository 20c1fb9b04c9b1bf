//! Syscall numbers of the three ABIs an x86_64 kernel runs: x86_64 itself,
//! i386 (int 0x80, IA32 emulation) and x32.
//!
//! The names come from the `syscalls` crate (`syscalls::x86_64::Sysno` and
//! `syscalls::x86::Sysno`, generated from the kernel's syscall tables), with
//! i386's `break` unraw'd and the syscalls newer than the crate added
//! (`EXTRA`); a test holds them to libseccomp's table. Its
//! own name lookup is one big `match` per ABI; here the names are read out of
//! the crate at compile time (const evaluation) into one table for all
//! ABIs: the names grouped by length, back to back, in hash buckets, and
//! their numbers. The binary carries each name once (~4.4 KiB), and a lookup
//! hashes the name and compares it with the one or two of its bucket.

use super::bpf::X32_SYSCALL_BIT;
use super::{ARCH_X32, ARCH_X86, ARCH_X86_64};

/// A name of the table, looked up once: its numbers on each ABI and its
/// x86 multiplexed form, as `Names::nrs` packs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Name(u32);

impl Name {
    /// The name, if some ABI knows it.
    pub fn of(name: &[u8]) -> Option<Name> {
        NAMES.find(name).map(Name)
    }

    /// Its numbers on each ABI, by `Abi as usize`, without the x32 bit;
    /// `u32::MAX` where the ABI lacks it (`Abi::number` for one ABI).
    #[inline(always)]
    pub fn numbers(self) -> [u32; 3] {
        let x86_64 = self.0 & NONE;
        let x32 = match self.pair() >> PAIR_X32 {
            _ if x86_64 == NONE => NONE,
            0 => x86_64,
            X32_NONE => NONE,
            twin => X32_TWIN_FIRST - 1 + twin,
        };
        let some = |nr: u32| if nr == NONE { u32::MAX } else { nr };
        [some(x86_64), some(x32), some(self.0 >> NR_BITS & NONE)]
    }

    /// Its `MUX` code and where its x32 number comes from (`Names::pairs`).
    #[inline(always)]
    fn pair(self) -> u32 {
        NAMES.pairs.get((self.0 >> PAIR_SHIFT) as usize & (PAIRS - 1)).map_or(0, |&p| u32::from(p))
    }
}

/// The name of x86_64 syscall `nr`, for messages (a scan of the table).
/// The binary then needs no name table of the `syscalls` crate: its
/// `Sysno::name` costs some 11 KiB.
pub fn x86_64_name(nr: u32) -> Option<&'static [u8]> {
    if nr >= NONE {
        return None;
    }
    (1..=MAX_NAME).find_map(|l| {
        let first = usize::from(*NAMES.starts.get(l)?);
        let mut i = first;
        NAMES.of_len(l).chunks_exact(l).find_map(|name| {
            i += 1;
            (NAMES.entry(i - 1)? & NONE == nr).then_some(name)
        })
    })
}

/// A syscall ABI of an x86_64 kernel, as a filter branch sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abi {
    X86_64,
    X32,
    X86,
}

impl Abi {
    /// The `ARCH_*` bit of `Seccomp::architectures` that enables this ABI.
    pub fn bit(self) -> u8 {
        match self {
            Abi::X86_64 => ARCH_X86_64,
            Abi::X32 => ARCH_X32,
            Abi::X86 => ARCH_X86,
        }
    }

    /// Whether argument comparisons look at the low 32 bits only. libseccomp
    /// builds 32-bit comparisons for every ABI whose `arch_def.size` is
    /// `ARCH_SIZE_32` (src/db.c `_db_rule_gen_arg_32`, which "implicitly
    /// strips off the upper 32 bit" of value and mask), and both
    /// src/arch-x86.c and src/arch-x32.c declare `ARCH_SIZE_32`.
    pub fn args_32bit(self) -> bool {
        self != Abi::X86_64
    }

    /// The syscall number of `name` on this ABI (x32 numbers carry
    /// `X32_SYSCALL_BIT`), or None when the ABI has no such syscall.
    pub fn sysno(self, name: &[u8]) -> Option<u32> {
        self.number(Name::of(name)?)
    }

    /// `sysno` for a name already looked up.
    ///
    /// x32 shares the x86_64 table (arch/x86/entry/syscalls/syscall_64.tbl)
    /// except for the entries whose ABI column is "64": 36 of them have an
    /// x32 twin at 512..=547 (the "x32" entries, `X32_TWINS`), the others are
    /// not x32 syscalls at all (`X86_64_ONLY`: the kernel's x32 table leaves
    /// them out, and libseccomp's src/syscalls.csv has no x32 number for
    /// them). The table keeps which, per name (`X32_SHIFT`).
    pub fn number(self, name: Name) -> Option<u32> {
        let nr = *name.numbers().get(self as usize)?;
        let base = if self == Abi::X32 { X32_SYSCALL_BIT } else { 0 };
        (nr != u32::MAX).then_some(base | nr)
    }
}

/// The multiplexed form of a socket or SysV IPC syscall on x86: the number
/// of `socketcall` (102) or `ipc` (117), and the call number its first
/// argument selects. libseccomp adds a rule for a socket or IPC syscall on
/// x86 twice: for the syscall itself, when x86 has it, and for the
/// multiplexer with `args[0] == call` (src/syscalls.c `abi_rule_add`, with
/// the numbers of src/arch-x86.c). Without it a filter that denies `socket`
/// would let `socketcall(SYS_SOCKET, ...)` through.
#[inline(always)]
pub fn x86_multiplexed(name: Name) -> Option<(u32, u32)> {
    match name.pair() & 0x3F {
        0 => None,
        c if c & IPC != 0 => Some((117, c & !IPC)),
        c => Some((102, c)),
    }
}

/// Marks an ipc call in `MUX`.
const IPC: u32 = 0x20;

/// The multiplexed calls (src/syscalls.c `_abi_syscall_mux`): socketcall's
/// SYS_SOCKET (1) ... SYS_SENDMMSG (20) (include/uapi/linux/net.h), and
/// with `IPC` ipc's SEMOP (1) ... SHMCTL (24) (include/uapi/linux/ipc.h).
const MUX: [(&str, u8); 32] = [
    ("socket", 1),
    ("bind", 2),
    ("connect", 3),
    ("listen", 4),
    ("accept", 5),
    ("getsockname", 6),
    ("getpeername", 7),
    ("socketpair", 8),
    ("send", 9),
    ("recv", 10),
    ("sendto", 11),
    ("recvfrom", 12),
    ("shutdown", 13),
    ("setsockopt", 14),
    ("getsockopt", 15),
    ("sendmsg", 16),
    ("recvmsg", 17),
    ("accept4", 18),
    ("recvmmsg", 19),
    ("sendmmsg", 20),
    ("semop", IPC as u8 | 1),
    ("semget", IPC as u8 | 2),
    ("semctl", IPC as u8 | 3),
    ("semtimedop", IPC as u8 | 4),
    ("msgsnd", IPC as u8 | 11),
    ("msgrcv", IPC as u8 | 12),
    ("msgget", IPC as u8 | 13),
    ("msgctl", IPC as u8 | 14),
    ("shmat", IPC as u8 | 21),
    ("shmdt", IPC as u8 | 22),
    ("shmget", IPC as u8 | 23),
    ("shmctl", IPC as u8 | 24),
];

/// The x86_64 numbers of the "64" entries of syscall_64.tbl whose x32 twins
/// are 512..=547, in that order: rt_sigaction (13) is 512, rt_sigreturn 513,
/// ioctl, readv, writev, recvfrom, sendmsg, recvmsg, execve, ptrace,
/// rt_sigpending, rt_sigtimedwait, rt_sigqueueinfo, sigaltstack,
/// timer_create, mq_notify, kexec_load, waitid, set_robust_list,
/// get_robust_list, vmsplice, move_pages, preadv, pwritev, rt_tgsigqueueinfo,
/// recvmmsg, sendmmsg, process_vm_readv, process_vm_writev, setsockopt,
/// getsockopt, io_setup, io_submit, execveat, preadv2, and pwritev2 (328)
/// is 547.
const X32_TWINS: [u16; 36] = [
    13, 15, 16, 19, 20, 45, 46, 47, 59, 101, 127, 128, 129, 131, 222, 244, 246, 247, 273, 274, 278, 279, 295, 296, 297,
    299, 307, 310, 311, 54, 55, 206, 209, 322, 327, 328,
];

/// The other "64" entries, without an x32 twin: uselib, _sysctl,
/// create_module, get_kernel_syms, query_module, nfsservctl,
/// set_thread_area, get_thread_area, epoll_ctl_old, epoll_wait_old, vserver.
const X86_64_ONLY: [u16; 11] = [134, 156, 174, 177, 178, 180, 205, 211, 214, 215, 236];

/// The longest syscall name the table holds.
const MAX_NAME: usize = 31;

/// Bits of an x86_64 or x86 number in `Names::nrs` (their highest is 471;
/// the x32 twins above 511 come from `Names::pairs`).
const NR_BITS: u32 = 9;
/// The number of a name on an ABI that lacks it.
const NONE: u32 = (1 << NR_BITS) - 1;
/// Where `Names::nrs` keeps the index of the name's pair in `Names::pairs`
/// (6 bits).
const PAIR_SHIFT: u32 = 2 * NR_BITS;
/// `Names::pairs`: the distinct (`MUX` code, x32 source) of the names.
const PAIRS: usize = 1 << (24 - PAIR_SHIFT);
/// Where a pair keeps where the x32 number comes from (6 bits, above the
/// `MUX` code): 0 for the x86_64 number, `X32_NONE` for none, else
/// `X32_TWINS` index + 1.
const PAIR_X32: u32 = 6;
const X32_NONE: u32 = 0x3F;
/// The x32 number of `X32_TWINS[0]`.
const X32_TWIN_FIRST: u32 = 512;
const _: () = assert!(X32_TWINS.len() < X32_NONE as usize && X32_TWIN_FIRST as usize + X32_TWINS.len() - 1 == 547);

/// The syscall names of x86_64 and x86 and the x86 multiplexed calls, each
/// once, grouped by length: the `l`-byte names are `names[offs[l]..offs[l + 1]]`,
/// back to back, and their indexes `starts[l]..starts[l + 1]`.
/// `nrs[3 * i..3 * i + 3]` packs name `i`'s numbers in 24 bits,
/// little-endian: its x86_64 number, its x86 number `<< NR_BITS` (`NONE`
/// for none), and `<< PAIR_SHIFT` the index in `pairs` of its `MUX` code
/// (0 for none) and where its x32 number comes from `<< PAIR_X32`. Most
/// names share the pair (0, 0); the 63 pairs cost less than a fourth byte
/// per name. A byte after the last entry lets `entry` read four.
///
/// Within a length, the names are in `hash` buckets: with `g` names of
/// length `l`, bucket `j < g` holds the names whose `bucket(hash, g)` is
/// `j`, at positions `buckets[k + j]..buckets[k + j + 1]` of the length
/// (`k = starts[l] + l`). A lookup hashes the name once and compares it
/// with the one or two names of its bucket.
pub struct Names<const B: usize, const R: usize, const K: usize> {
    names: [u8; B],
    nrs: [u8; R],
    pairs: [u16; PAIRS],
    buckets: [u8; K],
    starts: [u16; MAX_NAME + 2],
    offs: [u16; MAX_NAME + 2],
}

/// A name's first and last (up to) eight bytes, little-endian: all of a
/// name of up to 16 bytes. (Slice patterns: no calls, even unoptimised.)
#[inline(always)]
const fn words(name: &[u8]) -> (u64, u64) {
    if let ([a, b, c, d, e, f, g, h, ..], [.., i, j, k, l, m, n, o, p]) = (name, name) {
        return (u64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]), u64::from_le_bytes([*i, *j, *k, *l, *m, *n, *o, *p]));
    }
    if let ([a, b, c, d, ..], [.., e, f, g, h]) = (name, name) {
        return (u32::from_le_bytes([*a, *b, *c, *d]) as u64, u32::from_le_bytes([*e, *f, *g, *h]) as u64);
    }
    let (mut a, mut rest, mut shift) = (0u64, name, 0);
    while let [c, r @ ..] = rest {
        a |= (*c as u64) << shift;
        shift += 8;
        rest = r;
    }
    (a, 0)
}

/// The hash of a name's `words`.
const fn hash((a, b): (u64, u64)) -> u32 {
    ((a ^ b.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32
}

/// The bucket of `hash` among `g`.
const fn bucket(hash: u32, g: usize) -> usize {
    ((hash as u64 * g as u64) >> 32) as usize
}

impl<const B: usize, const R: usize, const K: usize> Names<B, R, K> {
    /// The packed numbers of `name`.
    fn find(&self, name: &[u8]) -> Option<u32> {
        let len = name.len();
        let first = usize::from(*self.starts.get(len)?);
        let g = usize::from(*self.starts.get(len + 1)?).checked_sub(first)?;
        let w = words(name);
        let k = first + len + bucket(hash(w), g);
        let (lo, hi) = (*self.buckets.get(k)?, *self.buckets.get(k + 1)?);
        let off = usize::from(*self.offs.get(len)?);
        // The words are the whole name up to 16 bytes; past that, its middle
        // too.
        let middle = name.get(8..len.saturating_sub(8));
        let mut i = usize::from(lo);
        while i < usize::from(hi) {
            let at = self.names.get(off + i * len..off + (i + 1) * len)?;
            if words(at) == w && (len <= 16 || at.get(8..len - 8) == middle) {
                return self.entry(first + i);
            }
            i += 1;
        }
        None
    }

    /// The packed numbers of name `i` (one load).
    #[inline(always)]
    fn entry(&self, i: usize) -> Option<u32> {
        let bytes = self.nrs.get(3 * i..)?.first_chunk::<4>()?;
        Some(u32::from_le_bytes(*bytes) & 0xFF_FFFF)
    }

    /// Reads the table once, front to back, a cache line at a time. In a
    /// fresh process it is not in the CPU's caches: the lookups of a
    /// profile's names would each miss in random places, where a linear
    /// pass lets the hardware prefetcher stream it in.
    pub fn warm(&self) {
        let mut acc = 0u32;
        for b in self.names.iter().step_by(64) {
            acc ^= u32::from(*b);
        }
        for b in self.nrs.iter().step_by(64) {
            acc ^= u32::from(*b);
        }
        for b in self.buckets.iter().step_by(64) {
            acc ^= u32::from(*b);
        }
        core::hint::black_box(acc);
    }

    /// The `l`-byte names, back to back.
    fn of_len(&self, l: usize) -> &[u8] {
        let range = |a: &[u16]| Some(usize::from(*a.get(l)?)..usize::from(*a.get(l + 1)?));
        range(&self.offs).and_then(|r| self.names.get(r)).unwrap_or(&[])
    }

    /// Every name with its x86_64 and x86 numbers, by length and then in
    /// byte order, for tests and tools.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], Option<u32>, Option<u32>)> {
        let nr = |n: u32| (n & NONE != NONE).then_some(n & NONE);
        (1..=MAX_NAME).flat_map(move |l| {
            let (names, first) = (self.of_len(l), self.starts.get(l).map_or(0, |&s| usize::from(s)));
            let mut sorted: [(&[u8], u32); 64] = [(&[], 0); 64];
            let g = names.len() / l;
            for ((slot, name), i) in sorted.iter_mut().zip(names.chunks_exact(l)).zip(first..) {
                *slot = (name, self.entry(i).unwrap_or(0));
            }
            let sorted_g = sorted.get_mut(..g).unwrap_or(&mut []);
            sorted_g.sort_unstable_by_key(|&(name, _)| name);
            sorted.into_iter().take(g).map(move |(name, packed)| (name, nr(packed), nr(packed >> NR_BITS)))
        })
    }
}

/// `NAMES`, built at compile time from the `syscalls` crate.
// Evaluated at compile time only: an index out of bounds fails the build.
#[allow(clippy::indexing_slicing)]
pub static NAMES: Names<{ ALL.b }, { 3 * ALL.n + 1 }, { ALL.n + MAX_NAME + 1 }> = {
    let mut t = Names {
        names: [0; ALL.b],
        nrs: [0; 3 * ALL.n + 1],
        pairs: [0; PAIRS],
        buckets: [0; ALL.n + MAX_NAME + 1],
        starts: ALL.starts,
        offs: ALL.offs,
    };
    let mut i = 0;
    while i < ALL.b {
        t.names[i] = ALL.names[i];
        i += 1;
    }
    let (mut i, mut pairs) = (0, 1);
    while i < ALL.n {
        let [x86_64, x86] = ALL.nrs[i];
        let pair = ALL.mux[i] as u32 | x32(x86_64) << PAIR_X32;
        let mut p = 0;
        while p < pairs && t.pairs[p] as u32 != pair {
            p += 1;
        }
        if p == pairs {
            assert!(pairs < PAIRS, "more (MUX, x32) pairs than PAIRS");
            t.pairs[p] = pair as u16;
            pairs += 1;
        }
        let e = stored(x86_64) | stored(x86) << NR_BITS | (p as u32) << PAIR_SHIFT;
        (t.nrs[3 * i], t.nrs[3 * i + 1], t.nrs[3 * i + 2]) = (e as u8, (e >> 8) as u8, (e >> 16) as u8);
        i += 1;
    }
    let mut i = 0;
    while i < ALL.n + MAX_NAME + 1 {
        t.buckets[i] = ALL.buckets[i];
        i += 1;
    }
    t
};

/// A number of `Build::nrs`, checked to fit `NR_BITS`.
const fn stored(nr: u16) -> u32 {
    assert!(nr as u32 <= NONE, "a syscall number above NR_BITS");
    nr as u32
}

/// Where the x32 number of the syscall with x86_64 number `nr` comes from
/// (`X32_SHIFT`).
// Evaluated at compile time only: an index out of bounds fails the build.
#[allow(clippy::indexing_slicing)]
const fn x32(nr: u16) -> u32 {
    let mut i = 0;
    while i < X32_TWINS.len() {
        if X32_TWINS[i] == nr {
            return i as u32 + 1;
        }
        i += 1;
    }
    let mut i = 0;
    while i < X86_64_ONLY.len() {
        if X86_64_ONLY[i] == nr {
            return X32_NONE;
        }
        i += 1;
    }
    0
}

/// The table in generous arrays, and how much of them it uses: `nrs` are
/// [x86_64, x86] (`NONE` for none), the rest as in `Names`.
struct Build {
    names: [u8; 8192],
    nrs: [[u16; 2]; 1024],
    mux: [u8; 1024],
    buckets: [u8; 1024 + MAX_NAME + 1],
    starts: [u16; MAX_NAME + 2],
    offs: [u16; MAX_NAME + 2],
    n: usize,
    b: usize,
}

/// Syscalls newer than the `syscalls` crate: (name, x86_64 number, x86
/// number), from the kernel's arch/x86/entry/syscalls/syscall_64.tbl
/// ("common", so x32 too) and syscall_32.tbl, as libseccomp v2.6.1's
/// src/syscalls.csv (Linux 7.1) has them. The build fails once the crate
/// knows one of them: drop it here then.
const EXTRA: [(&str, u16, u16); 2] = [("listns", 470, 470), ("rseq_slice_yield", 471, 471)];

/// The name of syscall `id` on x86_64 (`src` 0) or x86 (1), of `MUX[id]`
/// (2), or of `EXTRA[id]` (3).
// Evaluated at compile time only: an index out of bounds fails the build.
#[allow(clippy::indexing_slicing)]
const fn name_of(src: usize, id: usize) -> Option<&'static [u8]> {
    if src == 2 {
        return if id < MUX.len() { Some(MUX[id].0.as_bytes()) } else { None };
    }
    if src == 3 {
        return if id < EXTRA.len() { Some(EXTRA[id].0.as_bytes()) } else { None };
    }
    let name = if src == 0 {
        match syscalls::x86_64::Sysno::new(id) {
            Some(s) => s.name().as_bytes(),
            None => return None,
        }
    } else {
        match syscalls::x86::Sysno::new(id) {
            Some(s) => s.name().as_bytes(),
            None => return None,
        }
    };
    // The crate spells i386's `break` (17) as the raw identifier `r#break`
    // (its names are `stringify!`ed variants); the kernel and libseccomp
    // call it `break`.
    match name {
        [b'r', b'#', rest @ ..] => Some(rest),
        _ => Some(name),
    }
}

// Evaluated at compile time only: an index out of bounds fails the build.
#[allow(clippy::indexing_slicing)]
const ALL: Build = {
    let last = syscalls::x86_64::Sysno::last().id() as usize;
    let last = if syscalls::x86::Sysno::last().id() as usize > last {
        syscalls::x86::Sysno::last().id() as usize
    } else {
        last
    };
    let mut t = Build {
        names: [0; 8192],
        nrs: [[NONE as u16; 2]; 1024],
        mux: [0; 1024],
        buckets: [0; 1024 + MAX_NAME + 1],
        starts: [0; MAX_NAME + 2],
        offs: [0; MAX_NAME + 2],
        n: 0,
        b: 0,
    };
    let (mut n, mut b, mut len) = (0, 0, 0);
    while len <= MAX_NAME {
        t.starts[len] = n as u16;
        t.offs[len] = b as u16;
        let (first, off) = (n, b);
        let mut src = 0;
        while src < 4 {
            let mut id = 0;
            while id <= last {
                if let Some(name) = name_of(src, id) {
                    assert!(name.len() <= MAX_NAME && id < NONE as usize);
                    if name.len() == len {
                        // The same name from the other ABI, or a new one.
                        let mut at = first;
                        while at < n && !same(&t.names, off + (at - first) * len, name) {
                            at += 1;
                        }
                        assert!(src < 3 || at == n, "the syscalls crate has an EXTRA name now: drop it from EXTRA");
                        if at == n {
                            let mut k = 0;
                            while k < len {
                                t.names[b + k] = name[k];
                                k += 1;
                            }
                            b += len;
                            n += 1;
                        }
                        if src < 2 {
                            t.nrs[at][src] = id as u16;
                        } else if src == 2 {
                            t.mux[at] = MUX[id].1;
                        } else {
                            t.nrs[at] = [EXTRA[id].1, EXTRA[id].2];
                        }
                    }
                }
                id += 1;
            }
            src += 1;
        }
        sort_bucket(&mut t, off, first, n, len);
        // Where each bucket starts, counted from the length's first name.
        let g = n - first;
        assert!(g < 256);
        let mut j = 0;
        while j < g {
            let k = bucket(hash(words(at(&t.names, off + j * len, len))), g);
            t.buckets[first + len + k + 1] += 1;
            j += 1;
        }
        let mut k = 0;
        while k < g {
            t.buckets[first + len + k + 1] += t.buckets[first + len + k];
            k += 1;
        }
        len += 1;
    }
    t.starts[MAX_NAME + 1] = n as u16;
    t.offs[MAX_NAME + 1] = b as u16;
    t.n = n;
    t.b = b;
    t
};

/// The `len` bytes at `at`.
const fn at(names: &[u8], at: usize, len: usize) -> &[u8] {
    names.split_at(at).1.split_at(len).0
}

/// Whether the `name.len()` bytes at `at` are `name`.
// Evaluated at compile time only: an index out of bounds fails the build.
#[allow(clippy::indexing_slicing)]
const fn same(names: &[u8], at: usize, name: &[u8]) -> bool {
    let mut k = 0;
    while k < name.len() {
        if names[at + k] != name[k] {
            return false;
        }
        k += 1;
    }
    true
}

/// Sorts the `len`-byte names at `off` and their numbers `nrs[first..end]`
/// by bucket, then in byte order (insertion sort, at compile time).
// Evaluated at compile time only: an index out of bounds fails the build.
#[allow(clippy::indexing_slicing)]
const fn sort_bucket(t: &mut Build, off: usize, first: usize, end: usize, len: usize) {
    let mut i = first + 1;
    while i < end {
        let mut j = i;
        while j > first && name_lt(&t.names, off + (j - first) * len, off + (j - 1 - first) * len, len, end - first) {
            let (a, b) = (off + (j - 1 - first) * len, off + (j - first) * len);
            let mut k = 0;
            while k < len {
                let x = t.names[a + k];
                t.names[a + k] = t.names[b + k];
                t.names[b + k] = x;
                k += 1;
            }
            let x = t.nrs[j - 1];
            t.nrs[j - 1] = t.nrs[j];
            t.nrs[j] = x;
            let x = t.mux[j - 1];
            t.mux[j - 1] = t.mux[j];
            t.mux[j] = x;
            j -= 1;
        }
        i += 1;
    }
}

/// Whether the `len`-byte name at `a` sorts before the one at `b`: by
/// bucket among `g`, then in byte order.
// Evaluated at compile time only: an index out of bounds fails the build.
#[allow(clippy::indexing_slicing)]
const fn name_lt(names: &[u8], a: usize, b: usize, len: usize, g: usize) -> bool {
    let ka = bucket(hash(words(at(names, a, len))), g);
    let kb = bucket(hash(words(at(names, b, len))), g);
    if ka != kb {
        return ka < kb;
    }
    let mut k = 0;
    while k < len {
        if names[a + k] != names[b + k] {
            return names[a + k] < names[b + k];
        }
        k += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    /// The compact table holds exactly what the `syscalls` crate's own
    /// lookups give (`break` as the crate's `r#break`), and `EXTRA`.
    #[test]
    fn table_agrees_with_the_crate() {
        let (mut n64, mut n86) = (0, 0);
        for (name, x86_64, x86) in NAMES.iter() {
            let name = core::str::from_utf8(name).unwrap();
            let (crate_64, crate_86) = match EXTRA.iter().find(|e| e.0 == name) {
                Some(&(_, a, b)) => (Some(u32::from(a)), Some(u32::from(b))),
                None => {
                    let raw = if name == "break" { "r#break" } else { name };
                    let x86_64 = syscalls::x86_64::Sysno::from_str(raw).ok().map(|s| s.id() as u32);
                    (x86_64, syscalls::x86::Sysno::from_str(raw).ok().map(|s| s.id() as u32))
                }
            };
            assert_eq!(crate_64, x86_64, "{name}");
            assert_eq!(crate_86, x86, "{name}");
            assert_eq!(Abi::X86_64.sysno(name.as_bytes()), x86_64, "{name}");
            assert_eq!(Abi::X86.sysno(name.as_bytes()), x86, "{name}");
            let mux = Name::of(name.as_bytes()).and_then(x86_multiplexed);
            assert!(x86_64.is_some() || x86.is_some() || mux.is_some(), "{name}");
            n64 += x86_64.is_some() as usize;
            n86 += x86.is_some() as usize;
        }
        let extra = EXTRA.len();
        assert_eq!((n64, n86), (syscalls::x86_64::Sysno::count() + extra, syscalls::x86::Sysno::count() + extra));
        assert_eq!(Name::of(b"r#break"), None, "no raw identifier");
        // Numbers stay below the compiler's counting sort limit.
        assert!(NAMES.iter().all(|(_, a, b)| a.unwrap_or(0) < 548 && b.unwrap_or(0) < 548));
    }

    #[test]
    fn lookups() {
        let x32 = |n: u32| Some(n | 0x4000_0000);
        type Row = (&'static str, Option<u32>, Option<u32>, Option<u32>);
        let rows: &[Row] = &[
            // name, x86_64, x86, x32
            ("read", Some(0), Some(3), x32(0)),
            ("write", Some(1), Some(4), x32(1)),
            ("rt_sigaction", Some(13), Some(174), x32(512)),
            ("rt_sigreturn", Some(15), Some(173), x32(513)),
            ("readv", Some(19), Some(145), x32(515)),
            ("execve", Some(59), Some(11), x32(520)),
            ("ptrace", Some(101), Some(26), x32(521)),
            ("getsockopt", Some(55), Some(365), x32(542)),
            ("execveat", Some(322), Some(358), x32(545)),
            ("pwritev2", Some(328), Some(379), x32(547)),
            ("clone", Some(56), Some(120), x32(56)),
            ("clone3", Some(435), Some(435), x32(435)),
            ("arch_prctl", Some(158), Some(384), x32(158)),
            ("socketcall", None, Some(102), None),
            ("chown32", None, Some(212), None),
            ("mmap2", None, Some(192), None),
            ("_llseek", None, Some(140), None),
            // The crate's raw identifier, spelt as the kernel does.
            ("break", None, Some(17), None),
            ("r#break", None, None, None),
            // Newer than the crate (`EXTRA`).
            ("listns", Some(470), Some(470), x32(470)),
            ("rseq_slice_yield", Some(471), Some(471), x32(471)),
            // "64"-only entries without an x32 twin are no x32 syscalls.
            ("uselib", Some(134), Some(86), None),
            ("epoll_ctl_old", Some(214), None, None),
            ("get_thread_area", Some(211), Some(244), None),
            ("vserver", Some(236), Some(273), None),
            ("", None, None, None),
            ("no_such_syscall", None, None, None),
            ("read\0", None, None, None),
        ];
        for (name, x86_64, x86, x32) in rows {
            let n = name.as_bytes();
            assert_eq!(Abi::X86_64.sysno(n), *x86_64, "x86_64 {name:?}");
            assert_eq!(Abi::X86.sysno(n), *x86, "x86 {name:?}");
            assert_eq!(Abi::X32.sysno(n), *x32, "x32 {name:?}");
        }
    }

    /// Every name libseccomp knows on x86, x86_64 and x32, with the same
    /// numbers there (the names runc can filter), and no name beyond them
    /// but the multiplexed-only `send` and `recv`.
    #[test]
    fn table_agrees_with_libseccomp() {
        let csv = include_str!("syscalls-x86.csv");
        let mut theirs = std::collections::BTreeSet::new();
        for line in csv.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = line.split(',').collect();
            let nr = |s: &str| s.parse::<u32>().ok();
            let (name, x86, x86_64, x32) = (f[0], nr(f[1]), nr(f[2]), nr(f[3]).map(|n| n | X32_SYSCALL_BIT));
            let n = name.as_bytes();
            assert_eq!(
                (Abi::X86.sysno(n), Abi::X86_64.sysno(n), Abi::X32.sysno(n)),
                (x86, x86_64, x32),
                "{name}: nsinit's x86, x86_64, x32"
            );
            theirs.insert(name);
        }
        assert!(theirs.len() > 450, "{}", theirs.len());
        let ours: Vec<&str> = NAMES.iter().map(|(n, _, _)| core::str::from_utf8(n).unwrap()).collect();
        let extra: Vec<&str> = ours.iter().copied().filter(|n| !theirs.contains(n)).collect();
        assert_eq!(extra, ["recv", "send"]);
    }

    /// Every x86_64 syscall's name, back from its number.
    #[test]
    fn x86_64_names() {
        for id in 0..1024 {
            let extra = EXTRA.iter().find(|e| usize::from(e.1) == id).map(|e| e.0.as_bytes());
            let want = syscalls::x86_64::Sysno::new(id).map(|s| s.name().as_bytes()).or(extra);
            assert_eq!(x86_64_name(id as u32), want, "{id}");
        }
        assert_eq!(x86_64_name(NONE), None);
    }

    /// socketcall and ipc call numbers (include/uapi/linux/net.h, ipc.h).
    #[test]
    fn multiplexed() {
        let rows: &[(&str, Option<(u32, u32)>)] = &[
            ("socket", Some((102, 1))),
            ("accept", Some((102, 5))),
            ("send", Some((102, 9))),
            ("recv", Some((102, 10))),
            ("shutdown", Some((102, 13))),
            ("accept4", Some((102, 18))),
            ("sendmmsg", Some((102, 20))),
            ("semop", Some((117, 1))),
            ("semtimedop", Some((117, 4))),
            ("msgsnd", Some((117, 11))),
            ("msgctl", Some((117, 14))),
            ("shmat", Some((117, 21))),
            ("shmctl", Some((117, 24))),
            ("socketcall", None),
            ("ipc", None),
            ("read", None),
            ("", None),
        ];
        for (name, want) in rows {
            assert_eq!(Name::of(name.as_bytes()).and_then(x86_multiplexed), *want, "{name}");
        }
        assert_eq!(Abi::X86.sysno(b"socketcall"), Some(102));
        assert_eq!(Abi::X86.sysno(b"ipc"), Some(117));
    }

    /// The x32 twins are the kernel's 512..=547, in order
    /// (arch/x86/entry/syscalls/syscall_64.tbl).
    #[test]
    fn x32_twins() {
        let twins = [
            "rt_sigaction",
            "rt_sigreturn",
            "ioctl",
            "readv",
            "writev",
            "recvfrom",
            "sendmsg",
            "recvmsg",
            "execve",
            "ptrace",
            "rt_sigpending",
            "rt_sigtimedwait",
            "rt_sigqueueinfo",
            "sigaltstack",
            "timer_create",
            "mq_notify",
            "kexec_load",
            "waitid",
            "set_robust_list",
            "get_robust_list",
            "vmsplice",
            "move_pages",
            "preadv",
            "pwritev",
            "rt_tgsigqueueinfo",
            "recvmmsg",
            "sendmmsg",
            "process_vm_readv",
            "process_vm_writev",
            "setsockopt",
            "getsockopt",
            "io_setup",
            "io_submit",
            "execveat",
            "preadv2",
            "pwritev2",
        ];
        for (i, name) in twins.iter().enumerate() {
            let nr = Abi::X86_64.sysno(name.as_bytes()).unwrap();
            assert_eq!(X32_TWINS[i] as u32, nr, "{name}");
            assert_eq!(Abi::X32.sysno(name.as_bytes()), Some((512 + i as u32) | 0x4000_0000), "{name}");
        }
        let only = [
            "uselib",
            "_sysctl",
            "create_module",
            "get_kernel_syms",
            "query_module",
            "nfsservctl",
            "set_thread_area",
            "get_thread_area",
            "epoll_ctl_old",
            "epoll_wait_old",
            "vserver",
        ];
        for (i, name) in only.iter().enumerate() {
            assert_eq!(Abi::X86_64.sysno(name.as_bytes()), Some(X86_64_ONLY[i] as u32), "{name}");
            assert_eq!(Abi::X32.sysno(name.as_bytes()), None, "{name}");
        }
    }
}
