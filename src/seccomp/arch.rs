//! Syscall numbers of the three ABIs an x86_64 kernel runs: x86_64 itself,
//! i386 (int 0x80, IA32 emulation) and x32.
//!
//! The names come from the `syscalls` crate (`syscalls::x86_64::Sysno` and
//! `syscalls::x86::Sysno`, generated from the kernel's syscall tables). Its
//! own name lookup is one big `match` per ABI; here the names are read out of
//! the crate at compile time (const evaluation) into one NUL-separated byte
//! string and a parallel number array per ABI, so the binary carries the
//! names once (~4 KiB per ABI) and a short linear scan.

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
        if name.is_empty() {
            return None;
        }
        match self {
            Abi::X86_64 => X86_64.find(name),
            Abi::X86 => X86.find(name),
            Abi::X32 => x32(name).map(|nr| nr | X32_SYSCALL_BIT),
        }
    }
}

/// The x32 number of `name`, without the x32 bit. x32 shares the x86_64
/// table (arch/x86/entry/syscalls/syscall_64.tbl) except for the entries
/// whose ABI column is "64": 36 of them have an x32 twin at 512..=547 (the
/// "x32" entries, in the order of `X32_TWINS`), the others are not x32
/// syscalls at all (the kernel's x32 table leaves them out, and libseccomp's
/// src/syscalls.csv has no x32 number for them).
fn x32(name: &[u8]) -> Option<u32> {
    if let Some(i) = position(X32_TWINS, name) {
        return Some(512 + i as u32);
    }
    let nr = X86_64.find(name)?;
    if X86_64_ONLY.contains(&(nr as u16)) { None } else { Some(nr) }
}

/// syscall_64.tbl, numbers 512..=547, "x32" ABI.
const X32_TWINS: &[u8] = b"rt_sigaction\0rt_sigreturn\0ioctl\0readv\0writev\0recvfrom\0sendmsg\0recvmsg\0\
execve\0ptrace\0rt_sigpending\0rt_sigtimedwait\0rt_sigqueueinfo\0sigaltstack\0timer_create\0mq_notify\0\
kexec_load\0waitid\0set_robust_list\0get_robust_list\0vmsplice\0move_pages\0preadv\0pwritev\0\
rt_tgsigqueueinfo\0recvmmsg\0sendmmsg\0process_vm_readv\0process_vm_writev\0setsockopt\0getsockopt\0\
io_setup\0io_submit\0execveat\0preadv2\0pwritev2\0";

/// syscall_64.tbl entries of ABI "64" that have no x32 twin: uselib,
/// _sysctl, create_module, get_kernel_syms, query_module, nfsservctl,
/// set_thread_area, get_thread_area, epoll_ctl_old, epoll_wait_old, vserver.
const X86_64_ONLY: [u16; 11] = [134, 156, 174, 177, 178, 180, 205, 211, 214, 215, 236];

/// The index of `name` among the NUL-separated names of `table`.
fn position(table: &[u8], name: &[u8]) -> Option<usize> {
    table.split(|&b| b == 0).position(|n| n == name && !n.is_empty())
}

/// One ABI's names (NUL-separated, in number order) and numbers.
pub struct Table<const B: usize, const N: usize> {
    names: [u8; B],
    nrs: [u16; N],
}

impl<const B: usize, const N: usize> Table<B, N> {
    fn find(&self, name: &[u8]) -> Option<u32> {
        position(&self.names, name).and_then(|i| self.nrs.get(i)).map(|&nr| u32::from(nr))
    }

    /// Every (name, number) pair, for tests and tools.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u32)> {
        self.names.split(|&b| b == 0).zip(self.nrs.iter()).map(|(n, &nr)| (n, u32::from(nr)))
    }
}

/// Builds a `Table` from a `syscalls` Sysno type at compile time.
macro_rules! table {
    ($name:ident, $Sysno:ty) => {
        pub static $name: Table<{ sizes().1 }, { sizes().0 }> = build();

        /// (number of syscalls, bytes of names with their NULs).
        const fn sizes() -> (usize, usize) {
            let (mut n, mut b, mut id) = (0, 0, <$Sysno>::first().id());
            while id <= <$Sysno>::last().id() {
                if let Some(s) = <$Sysno>::new(id as usize) {
                    n += 1;
                    b += s.name().len() + 1;
                }
                id += 1;
            }
            (n, b)
        }

        const fn build() -> Table<{ sizes().1 }, { sizes().0 }> {
            let mut t = Table { names: [0; sizes().1], nrs: [0; sizes().0] };
            let (mut n, mut b, mut id) = (0, 0, <$Sysno>::first().id());
            while id <= <$Sysno>::last().id() {
                if let Some(s) = <$Sysno>::new(id as usize) {
                    let name = s.name().as_bytes();
                    let mut i = 0;
                    while i < name.len() {
                        t.names[b] = name[i];
                        b += 1;
                        i += 1;
                    }
                    b += 1; // the NUL separator, already zero
                    assert!(id >= 0 && id <= u16::MAX as i32);
                    t.nrs[n] = id as u16;
                    n += 1;
                }
                id += 1;
            }
            t
        }
    };
}

mod x86_64 {
    use super::Table;
    table!(X86_64, syscalls::x86_64::Sysno);
}

mod x86 {
    use super::Table;
    table!(X86, syscalls::x86::Sysno);
}

pub use x86::X86;
pub use x86_64::X86_64;

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    /// The compact tables hold exactly what the `syscalls` crate's own
    /// lookups give.
    #[test]
    fn tables_agree_with_the_crate() {
        let mut n = 0;
        for (name, nr) in X86_64.iter() {
            let name = core::str::from_utf8(name).unwrap();
            assert_eq!(syscalls::x86_64::Sysno::from_str(name).map(|s| s.id() as u32), Ok(nr), "{name}");
            assert_eq!(Abi::X86_64.sysno(name.as_bytes()), Some(nr), "{name}");
            n += 1;
        }
        assert_eq!(n, syscalls::x86_64::Sysno::count());
        let mut n = 0;
        for (name, nr) in X86.iter() {
            let name = core::str::from_utf8(name).unwrap();
            assert_eq!(syscalls::x86::Sysno::from_str(name).map(|s| s.id() as u32), Ok(nr), "{name}");
            assert_eq!(Abi::X86.sysno(name.as_bytes()), Some(nr), "{name}");
            n += 1;
        }
        assert_eq!(n, syscalls::x86::Sysno::count());
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

    /// The x32 twins are the kernel's 512..=547, in order; spot checks
    /// against arch/x86/entry/syscalls/syscall_64.tbl.
    #[test]
    fn x32_twins() {
        let twins: Vec<&[u8]> = X32_TWINS.split(|&b| b == 0).filter(|n| !n.is_empty()).collect();
        assert_eq!(twins.len(), 36);
        let spot: &[(usize, &str)] = &[(512, "rt_sigaction"), (520, "execve"), (529, "waitid"), (539, "process_vm_readv"), (547, "pwritev2")];
        for &(nr, name) in spot {
            assert_eq!(twins[nr - 512], name.as_bytes(), "{nr}");
        }
        // Each twin replaces an x86_64 "64" entry, which the x32 ABI must not
        // reach under its x86_64 number.
        for t in &twins {
            let nr = Abi::X86_64.sysno(t).unwrap();
            assert!(!X86_64_ONLY.contains(&(nr as u16)));
            assert_ne!(Abi::X32.sysno(t), Some(nr | 0x4000_0000));
        }
    }
}
