//! Syscall numbers of the three ABIs an x86_64 kernel runs: x86_64 itself,
//! i386 (int 0x80, IA32 emulation) and x32.
//!
//! The names come from the `syscalls` crate (`syscalls::x86_64::Sysno` and
//! `syscalls::x86::Sysno`, generated from the kernel's syscall tables). Its
//! own name lookup is one big `match` per ABI; here the names are read out of
//! the crate at compile time (const evaluation) into one table per ABI:
//! the names grouped by length and sorted, back to back, and their numbers.
//! The binary carries each name once (~4 KiB per ABI), and a lookup is a
//! binary search among the names of the same length.

use super::bpf::X32_SYSCALL_BIT;
use super::{ARCH_X32, ARCH_X86, ARCH_X86_64};

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
        let [x86_64, x86] = NAMES.find(name)?;
        let nr = match self {
            Abi::X86_64 | Abi::X32 => x86_64,
            Abi::X86 => x86,
        };
        let nr = (nr != NONE).then_some(u32::from(nr))?;
        if self == Abi::X32 { x32(nr).map(|nr| nr | X32_SYSCALL_BIT) } else { Some(nr) }
    }
}

/// The x32 number (without the x32 bit) of the syscall with x86_64 number
/// `nr`. x32 shares the x86_64 table (arch/x86/entry/syscalls/syscall_64.tbl)
/// except for the entries whose ABI column is "64": 36 of them have an x32
/// twin at 512..=547 (the "x32" entries), the others are not x32 syscalls at
/// all (the kernel's x32 table leaves them out, and libseccomp's
/// src/syscalls.csv has no x32 number for them).
fn x32(nr: u32) -> Option<u32> {
    let n = usize::try_from(nr).ok()?;
    let abi64 = ABI_64.get(n / 64).is_some_and(|w| w & 1 << (n % 64) != 0);
    if !abi64 {
        return Some(nr);
    }
    let i = X32_TWINS.iter().position(|&t| usize::from(t) == n)?;
    Some(512 + i as u32)
}

/// A bit per x86_64 number below 384 whose ABI is "64" (`X32_TWINS` and
/// `X86_64_ONLY`), so that the shared numbers skip both searches.
const ABI_64: [u64; 6] = {
    let mut bits = [0u64; 6];
    let mut i = 0;
    while i < X32_TWINS.len() + X86_64_ONLY.len() {
        let n = if i < X32_TWINS.len() { X32_TWINS[i] } else { X86_64_ONLY[i - X32_TWINS.len()] } as usize;
        bits[n / 64] |= 1 << (n % 64);
        i += 1;
    }
    bits
};

/// The multiplexed form of a socket or SysV IPC syscall on x86: the number
/// of `socketcall` (102) or `ipc` (117), and the call number its first
/// argument selects. libseccomp adds a rule for a socket or IPC syscall on
/// x86 twice: for the syscall itself, when x86 has it, and for the
/// multiplexer with `args[0] == call` (src/syscalls.c `abi_rule_add`, with
/// the numbers of src/arch-x86.c). Without it a filter that denies `socket`
/// would let `socketcall(SYS_SOCKET, ...)` through.
pub fn x86_multiplexed(name: &[u8]) -> Option<(u32, u32)> {
    // SYS_SOCKET (1) ... SYS_SENDMMSG (20), include/uapi/linux/net.h.
    if let Some(i) = MUX_SOCKET.split(|&b| b == 0).position(|n| n == name && !n.is_empty()) {
        return Some((102, i as u32 + 1));
    }
    // SEMOP (1) ... SHMCTL (24), include/uapi/linux/ipc.h: the groups of
    // four start at 1, 11 and 21.
    let i = MUX_IPC.split(|&b| b == 0).position(|n| n == name && !n.is_empty())? as u32;
    Some((117, i / 4 * 10 + i % 4 + 1))
}

const MUX_SOCKET: &[u8] = b"socket\0bind\0connect\0listen\0accept\0getsockname\0getpeername\0socketpair\0send\0recv\0\
sendto\0recvfrom\0shutdown\0setsockopt\0getsockopt\0sendmsg\0recvmsg\0accept4\0recvmmsg\0sendmmsg\0";

const MUX_IPC: &[u8] = b"semop\0semget\0semctl\0semtimedop\0msgsnd\0msgrcv\0msgget\0msgctl\0shmat\0shmdt\0shmget\0shmctl\0";

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
    13, 15, 16, 19, 20, 45, 46, 47, 59, 101, 127, 128, 129, 131, 222, 244, 246, 247, 273, 274, 278, 279, 295, 296,
    297, 299, 307, 310, 311, 54, 55, 206, 209, 322, 327, 328,
];

/// The other "64" entries, without an x32 twin: uselib, _sysctl,
/// create_module, get_kernel_syms, query_module, nfsservctl,
/// set_thread_area, get_thread_area, epoll_ctl_old, epoll_wait_old, vserver.
const X86_64_ONLY: [u16; 11] = [134, 156, 174, 177, 178, 180, 205, 211, 214, 215, 236];

/// The longest syscall name the table holds.
const MAX_NAME: usize = 31;

/// The number of a name on an ABI that lacks it.
const NONE: u16 = u16::MAX;

/// The syscall names of x86_64 and x86, each once: the names of length `l`
/// are `names[offs[l]..offs[l + 1]]`, sorted, back to back, `l` bytes each,
/// and their [x86_64, x86] numbers are `nrs[starts[l]..starts[l + 1]]`.
pub struct Names<const B: usize, const N: usize> {
    names: [u8; B],
    nrs: [[u16; 2]; N],
    starts: [u16; MAX_NAME + 2],
    offs: [u16; MAX_NAME + 2],
}

impl<const B: usize, const N: usize> Names<B, N> {
    /// The [x86_64, x86] numbers of `name` (`NONE` where the ABI lacks it).
    fn find(&self, name: &[u8]) -> Option<[u16; 2]> {
        let len = name.len();
        let (names, nrs) = self.bucket(len)?;
        let (mut lo, mut hi) = (0, nrs.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at = names.get(mid * len..(mid + 1) * len)?;
            // Inline, byte by byte: names differ early, and a call to
            // memcmp costs more than the comparison.
            let order = at.iter().zip(name).find(|(a, b)| a != b).map_or(core::cmp::Ordering::Equal, |(a, b)| a.cmp(b));
            match order {
                core::cmp::Ordering::Less => lo = mid + 1,
                core::cmp::Ordering::Greater => hi = mid,
                core::cmp::Ordering::Equal => return nrs.get(mid).copied(),
            }
        }
        None
    }

    /// The names and numbers of length `len`.
    fn bucket(&self, len: usize) -> Option<(&[u8], &[[u16; 2]])> {
        let range = |a: &[u16]| Some(usize::from(*a.get(len)?)..usize::from(*a.get(len.checked_add(1)?)?));
        let names = self.names.get(range(&self.offs)?)?;
        let nrs = self.nrs.get(range(&self.starts)?)?;
        (len > 0).then_some((names, nrs))
    }

    /// Every name with its x86_64 and x86 numbers, for tests and tools.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], Option<u32>, Option<u32>)> {
        let nr = |n: u16| (n != NONE).then_some(u32::from(n));
        (1..=MAX_NAME).filter_map(|l| self.bucket(l)).flat_map(move |(names, nrs)| {
            let l = if nrs.is_empty() { 1 } else { names.len() / nrs.len() };
            names.chunks_exact(l).zip(nrs).map(move |(n, &[a, b])| (n, nr(a), nr(b)))
        })
    }
}

/// `NAMES`, built at compile time from the `syscalls` crate.
pub static NAMES: Names<{ ALL.b }, { ALL.n }> = {
    let mut t = Names { names: [0; ALL.b], nrs: [[NONE; 2]; ALL.n], starts: ALL.t.starts, offs: ALL.t.offs };
    let mut i = 0;
    while i < ALL.b {
        t.names[i] = ALL.t.names[i];
        i += 1;
    }
    let mut i = 0;
    while i < ALL.n {
        t.nrs[i] = ALL.t.nrs[i];
        i += 1;
    }
    t
};

/// The table in generous arrays, and how much of them it uses.
struct Build {
    t: Names<8192, 1024>,
    n: usize,
    b: usize,
}

/// The name of syscall `id` on x86_64 (`abi` 0) or x86 (1).
const fn name_of(abi: usize, id: usize) -> Option<&'static [u8]> {
    if abi == 0 {
        match syscalls::x86_64::Sysno::new(id) {
            Some(s) => Some(s.name().as_bytes()),
            None => None,
        }
    } else {
        match syscalls::x86::Sysno::new(id) {
            Some(s) => Some(s.name().as_bytes()),
            None => None,
        }
    }
}

const ALL: Build = {
    let last = syscalls::x86_64::Sysno::last().id() as usize;
    let last = if syscalls::x86::Sysno::last().id() as usize > last { syscalls::x86::Sysno::last().id() as usize } else { last };
    let mut t = Names { names: [0; 8192], nrs: [[NONE; 2]; 1024], starts: [0; MAX_NAME + 2], offs: [0; MAX_NAME + 2] };
    let (mut n, mut b, mut len) = (0, 0, 0);
    while len <= MAX_NAME {
        t.starts[len] = n as u16;
        t.offs[len] = b as u16;
        let (first, off) = (n, b);
        let mut abi = 0;
        while abi < 2 {
            let mut id = 0;
            while id <= last {
                if let Some(name) = name_of(abi, id) {
                    assert!(name.len() <= MAX_NAME && id < NONE as usize);
                    if name.len() == len {
                        // The same name from the other ABI, or a new one.
                        let mut at = first;
                        while at < n && !same(&t.names, off + (at - first) * len, name) {
                            at += 1;
                        }
                        if at == n {
                            let mut k = 0;
                            while k < len {
                                t.names[b + k] = name[k];
                                k += 1;
                            }
                            b += len;
                            n += 1;
                        }
                        t.nrs[at][abi] = id as u16;
                    }
                }
                id += 1;
            }
            abi += 1;
        }
        sort_bucket(&mut t, off, first, n, len);
        len += 1;
    }
    t.starts[MAX_NAME + 1] = n as u16;
    t.offs[MAX_NAME + 1] = b as u16;
    Build { t, n, b }
};

/// Whether the `name.len()` bytes at `at` are `name`.
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
/// (insertion sort, at compile time).
const fn sort_bucket(t: &mut Names<8192, 1024>, off: usize, first: usize, end: usize, len: usize) {
    let mut i = first + 1;
    while i < end {
        let mut j = i;
        while j > first && name_lt(&t.names, off + (j - first) * len, off + (j - 1 - first) * len, len) {
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
            j -= 1;
        }
        i += 1;
    }
}

/// Whether the `len`-byte name at `a` sorts before the one at `b`.
const fn name_lt(names: &[u8], a: usize, b: usize, len: usize) -> bool {
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
    /// lookups give.
    #[test]
    fn table_agrees_with_the_crate() {
        let (mut n64, mut n86) = (0, 0);
        for (name, x86_64, x86) in NAMES.iter() {
            let name = core::str::from_utf8(name).unwrap();
            assert_eq!(syscalls::x86_64::Sysno::from_str(name).map(|s| s.id() as u32).ok(), x86_64, "{name}");
            assert_eq!(syscalls::x86::Sysno::from_str(name).map(|s| s.id() as u32).ok(), x86, "{name}");
            assert_eq!(Abi::X86_64.sysno(name.as_bytes()), x86_64, "{name}");
            assert_eq!(Abi::X86.sysno(name.as_bytes()), x86, "{name}");
            assert!(x86_64.is_some() || x86.is_some(), "{name}");
            n64 += x86_64.is_some() as usize;
            n86 += x86.is_some() as usize;
        }
        assert_eq!((n64, n86), (syscalls::x86_64::Sysno::count(), syscalls::x86::Sysno::count()));
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
            assert_eq!(x86_multiplexed(name.as_bytes()), *want, "{name}");
        }
        assert_eq!(Abi::X86.sysno(b"socketcall"), Some(102));
        assert_eq!(Abi::X86.sysno(b"ipc"), Some(117));
    }

    /// The x32 twins are the kernel's 512..=547, in order
    /// (arch/x86/entry/syscalls/syscall_64.tbl).
    #[test]
    fn x32_twins() {
        let twins = [
            "rt_sigaction", "rt_sigreturn", "ioctl", "readv", "writev", "recvfrom", "sendmsg", "recvmsg", "execve",
            "ptrace", "rt_sigpending", "rt_sigtimedwait", "rt_sigqueueinfo", "sigaltstack", "timer_create", "mq_notify",
            "kexec_load", "waitid", "set_robust_list", "get_robust_list", "vmsplice", "move_pages", "preadv", "pwritev",
            "rt_tgsigqueueinfo", "recvmmsg", "sendmmsg", "process_vm_readv", "process_vm_writev", "setsockopt",
            "getsockopt", "io_setup", "io_submit", "execveat", "preadv2", "pwritev2",
        ];
        for (i, name) in twins.iter().enumerate() {
            let nr = Abi::X86_64.sysno(name.as_bytes()).unwrap();
            assert_eq!(X32_TWINS[i] as u32, nr, "{name}");
            assert_eq!(Abi::X32.sysno(name.as_bytes()), Some((512 + i as u32) | 0x4000_0000), "{name}");
        }
        let only = [
            "uselib", "_sysctl", "create_module", "get_kernel_syms", "query_module", "nfsservctl", "set_thread_area",
            "get_thread_area", "epoll_ctl_old", "epoll_wait_old", "vserver",
        ];
        for (i, name) in only.iter().enumerate() {
            assert_eq!(Abi::X86_64.sysno(name.as_bytes()), Some(X86_64_ONLY[i] as u32), "{name}");
            assert_eq!(Abi::X32.sysno(name.as_bytes()), None, "{name}");
        }
    }
}
