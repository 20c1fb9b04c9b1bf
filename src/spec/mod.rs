//! The OCI `config.json` subset nsinit acts on, as borrowed, heap-free
//! structs. Reading (`parse`) turns every string that names something into
//! its type — mount flags, capability bits, rlimit numbers, seccomp actions —
//! so nothing after it parses strings, and every problem is an error naming
//! its JSON path.

mod parse;

pub use parse::parse;

use crate::json::{Path, Seg};
use crate::mount::options::Options as MountOptions;
use crate::seccomp::{Action, ArgCmp};
use heapless::Vec;

/// A string from the spec: unescaped, NUL-terminated, borrowed from the
/// spec buffer (a thin pointer; see `sys::cstr::Str`).
pub use crate::sys::cstr::Str;

/// An optional value whose all-zero form is "absent". `Option<T>` makes no
/// such promise (its `None` may be any spare bit pattern), and the parsed
/// spec lives in a zeroed static (see `sys::cell::Zeroable`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Opt<T> {
    set: bool,
    value: T,
}

impl<T: Copy> Opt<T> {
    pub const fn some(value: T) -> Self {
        Opt { set: true, value }
    }

    pub fn get(&self) -> Option<T> {
        if self.set { Some(self.value) } else { None }
    }

    pub fn is_some(&self) -> bool {
        self.set
    }
}

// Capacities. Each is sized for real configs with room to spare; exceeding
// one is an error that names the field and the limit, never a truncation.
pub const MAX_ARGS: usize = 1024;
pub const MAX_ENV: usize = 1024;
pub const MAX_MOUNTS: usize = 128;
/// Data words (`mode=755`, `newinstance`, …) of all mounts together.
pub const MAX_MOUNT_DATA: usize = 512;
pub const MAX_PATHS: usize = 128;
pub const MAX_DEVICES: usize = 128;
pub const MAX_SYSCTL: usize = 128;
pub const MAX_GIDS: usize = 256;
pub const MAX_RLIMITS: usize = 16;
pub const MAX_SECCOMP_RULES: usize = 512;
/// Syscall names of all rules together (Docker's profile has ~350).
pub const MAX_SECCOMP_NAMES: usize = 4096;
/// Argument conditions of all rules together.
pub const MAX_SECCOMP_ARGS: usize = 1024;
pub const MAX_WARNINGS: usize = 16;
/// HOST_NAME_MAX.
pub const MAX_HOSTNAME: usize = 64;

/// The parsed spec. It starts zeroed (in .bss): every field's all-zero form
/// must mean "absent" or "empty", so there are no `Option`s but of `Str`.
#[derive(Debug, Default)]
pub struct Spec<'a> {
    pub root: Root<'a>,
    pub hostname: Option<Str<'a>>,
    pub domainname: Option<Str<'a>>,
    pub mounts: Vec<Mount<'a>, MAX_MOUNTS>,
    /// The data words of every mount; each mount holds its range.
    pub mount_data: Vec<Str<'a>, MAX_MOUNT_DATA>,
    pub process: Process<'a>,
    pub linux: Linux<'a>,
    /// Things nsinit skips with a warning (unknown capability names).
    pub warnings: Vec<Warning<'a>, MAX_WARNINGS>,
    /// Warnings past the list's capacity: counted, said in one line.
    pub warnings_dropped: u32,
}

// SAFETY: outside its vectors' storage, Spec holds only integers, bools,
// `Option<Str>`, `Opt` (repr(C): zero is "absent"), and a Seccomp of those
// plus a `repr(u8)` Action whose zero is a valid variant
// (`tests::zeroed_spec_is_empty` checks it).
unsafe impl crate::sys::cell::Zeroable for Spec<'_> {}

/// `root`: absent when `path` is None.
#[derive(Debug, Clone, Copy, Default)]
pub struct Root<'a> {
    pub path: Option<Str<'a>>,
    pub readonly: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Mount<'a> {
    pub destination: Str<'a>,
    pub fstype: Option<Str<'a>>,
    pub source: Option<Str<'a>>,
    pub options: MountOptions,
    /// `mount_data[data.0 .. data.0 + data.1]`.
    pub data: (u16, u16),
}

#[derive(Debug, Default)]
pub struct Process<'a> {
    pub terminal: bool,
    pub user: User,
    pub args: Vec<Str<'a>, MAX_ARGS>,
    pub env: Vec<Str<'a>, MAX_ENV>,
    /// `env` was given (even empty): it is the whole environment. Absent
    /// (a compact spec from a runtime that already set the environment),
    /// the workload keeps nsinit's own.
    pub env_given: bool,
    pub cwd: Option<Str<'a>>,
    /// The five sets. An absent (or null) object, or an absent set, is
    /// empty: the workload keeps nothing it was not granted (runc 1.1 and
    /// crun drop everything too).
    pub capabilities: Capabilities,
    pub rlimits: Vec<Rlimit, MAX_RLIMITS>,
    pub no_new_privileges: bool,
    pub oom_score_adj: Opt<i32>,
}

#[derive(Debug, Default)]
pub struct User {
    pub uid: u32,
    pub gid: u32,
    pub umask: Opt<u32>,
    pub additional_gids: Vec<u32, MAX_GIDS>,
    /// `additionalGids` was given (even empty).
    pub gids_given: bool,
}

/// The five capability sets as bit masks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub bounding: u64,
    pub effective: u64,
    pub inheritable: u64,
    pub permitted: u64,
    pub ambient: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rlimit {
    pub resource: u32,
    pub soft: u64,
    pub hard: u64,
}

#[derive(Debug, Default)]
pub struct Linux<'a> {
    /// CLONE_NEW* bits of the namespaces the parent created (no `path`).
    pub new_namespaces: u32,
    /// CLONE_NEW* bits of all namespaces listed, new or joined.
    pub namespaces: u32,
    pub rootfs_propagation: Opt<u64>,
    pub masked_paths: Vec<Str<'a>, MAX_PATHS>,
    pub readonly_paths: Vec<Str<'a>, MAX_PATHS>,
    pub devices: Vec<Device<'a>, MAX_DEVICES>,
    pub sysctl: Vec<(Str<'a>, Str<'a>), MAX_SYSCTL>,
    /// Absent unless `seccomp.present`.
    pub seccomp: Seccomp<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Device<'a> {
    pub path: Str<'a>,
    /// S_IFCHR, S_IFBLK or S_IFIFO.
    pub kind: u32,
    pub major: u64,
    pub minor: u64,
    pub file_mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

#[derive(Debug)]
pub struct Seccomp<'a> {
    /// False: no `linux.seccomp`, no filter.
    pub present: bool,
    pub default_action: Action,
    /// ARCH_* bits of the architectures listed (the native one is always in).
    pub architectures: u8,
    /// SECCOMP_FILTER_FLAG_* to pass to the kernel.
    pub flags: u32,
    pub rules: Vec<Rule, MAX_SECCOMP_RULES>,
    pub names: Vec<Str<'a>, MAX_SECCOMP_NAMES>,
    pub args: Vec<ArgCmp, MAX_SECCOMP_ARGS>,
}

impl Seccomp<'_> {
    pub const fn new() -> Self {
        Seccomp {
            present: false,
            default_action: Action::KillProcess,
            architectures: 0,
            flags: 0,
            rules: Vec::new(),
            names: Vec::new(),
            args: Vec::new(),
        }
    }
}

impl Default for Seccomp<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// One `syscalls[]` entry: its names and argument conditions are ranges of
/// `Seccomp::names` and `Seccomp::args`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub action: Action,
    pub names: (u16, u16),
    pub args: (u16, u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning<'a> {
    /// A capability name nsinit does not know, skipped: it grants less.
    UnknownCapability(Path<'a>, &'a [u8]),
}

impl<'a> Spec<'a> {
    /// The data words of a mount.
    pub fn data_of(&self, m: &Mount<'a>) -> &[Str<'a>] {
        let (start, len) = (m.data.0 as usize, m.data.1 as usize);
        self.mount_data.get(start..start + len).unwrap_or(&[])
    }

    /// The first field that asks for an effect nsinit does not implement yet,
    /// as a spec error: such a spec is refused, never half-applied.
    pub fn first_unsupported(&self) -> Option<crate::json::Error<'a>> {
        // Every field nsinit reads has its effect now; new ones start here.
        None
    }
}

impl<'a> Warning<'a> {
    /// The warning as a spec error line (printed after `warning: `).
    pub fn to_error(&self) -> crate::json::Error<'a> {
        match *self {
            Warning::UnknownCapability(path, name) => {
                crate::json::Error { path, kind: crate::json::Kind::Unknown("skipped unknown capability", name) }
            }
        }
    }
}

/// Warns about ambient capabilities the kernel cannot raise (not also
/// permitted and inheritable): skipped, as runc does.
pub fn warn_unraisable_ambient(spec: &Spec) {
    let c = spec.process.capabilities;
    let skipped = c.ambient & !crate::caps::raisable_ambient(&c);
    for cap in 0..=crate::caps::LAST_CAP {
        if skipped & crate::caps::bit(cap) != 0 {
            crate::diag::warn(&crate::diag::Error::new(
                "capabilities",
                crate::diag::Object::Name(crate::caps::name(cap).as_bytes()),
                crate::diag::Reason::Text("ambient but not inheritable and permitted: skipped"),
            ));
        }
    }
}

/// A spec with no `process.args` and no CMD: nothing to run.
pub fn missing_args() -> crate::json::Error<'static> {
    crate::json::Error { path: Path::of(&[Seg::Key(b"process")]), kind: crate::json::Kind::Missing("args") }
}

#[cfg(test)]
mod tests;
