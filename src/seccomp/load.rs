//! The filter's life outside the compiler: compiled while the spec is
//! validated (before anything changes), checked against the syscalls nsinit
//! itself still makes after loading it when it must load early, and loaded.

use super::bpf::{self, AUDIT_ARCH_X86_64, Data};
use super::compile::{CompileError, Compiler, Program};
use super::{SECCOMP_RET_ALLOW, SECCOMP_RET_LOG};
use crate::json::{Error, Kind, Path, Seg};
use crate::spec::Seccomp;
use crate::sys::cell::Once;

static COMPILER: Once<Compiler> = Once::zeroed();
static PROGRAM: Once<Program> = Once::zeroed();

/// Compiles `linux.seccomp` (None when absent); an error names the rule.
pub fn compile<'a>(s: &Seccomp<'a>) -> Result<Option<&'static Program>, Error<'a>> {
    if !s.present {
        return Ok(None);
    }
    let base = [Seg::Key(b"linux"), Seg::Key(b"seccomp")];
    let (compiler, program) = match (COMPILER.take(), PROGRAM.take()) {
        (Some(c), Some(p)) => (c, p),
        _ => return Err(Error { path: Path::of(&base), kind: Kind::Invalid("compiled twice") }),
    };
    super::arch::NAMES.warm();
    let compiled = compiler.compile(s, program);
    // The compiler's scratch is not needed again: give its pages back.
    crate::sys::cell::release(compiler);
    compiled.map_err(|e| {
        // linux.seccomp, then: syscalls[rule].names[name],
        // syscalls[rule].errnoRet, defaultErrnoRet, or nothing more. One
        // path of up to six segments, cut to length (one copy of the code).
        let (rule, name, fifth, len) = match e {
            CompileError::Conflict { rule, name } | CompileError::EmptyName { rule, name } => (rule, name, &b"names"[..], 6),
            CompileError::ErrnoRet { rule } => (rule, 0, &b"errnoRet"[..], 5),
            CompileError::DefaultErrnoRet => (0, 0, &[][..], 3),
            CompileError::TooLong | CompileError::Malformed => (0, 0, &[][..], 2),
        };
        let third: &[u8] = if len == 3 { b"defaultErrnoRet" } else { b"syscalls" };
        let segs = [base[0], base[1], Seg::Key(third), Seg::Index(rule.into()), Seg::Key(fifth), Seg::Index(name.into())];
        Error { path: Path::of(segs.get(..len).unwrap_or(&segs)), kind: Kind::Invalid(e.why()) }
    })?;
    Ok(Some(program))
}

/// The spec error for a filter that must load early (no noNewPrivileges)
/// and would stop `nr`, one of the calls nsinit still makes after it.
pub fn stops_early(nr: syscalls::Sysno) -> Error<'static> {
    let name = super::arch::x86_64_name(nr as u32).unwrap_or(b"?");
    Error {
        path: Path::of(&[Seg::Key(b"linux"), Seg::Key(b"seccomp")]),
        kind: Kind::Unknown("without noNewPrivileges the filter loads before the user switch and must allow it, the capabilities and execve; it stops", name),
    }
}

/// Whether `prog` answers nsinit's own syscall `nr` with `args` (no pointer
/// arguments) and lets the caller go on: ALLOW, LOG, an errno, or TRACE
/// (ENOSYS without a tracer); not KILL or TRAP. For a call whose refusal
/// nsinit only warns about (an ambient raise, as runc), but which must not
/// end the child.
pub fn survives(prog: &[libc::sock_filter], nr: syscalls::Sysno, args: [u64; 6]) -> bool {
    use super::{SECCOMP_RET_ERRNO, SECCOMP_RET_TRACE};
    matches!(action(prog, nr, args), Some(SECCOMP_RET_ALLOW | SECCOMP_RET_LOG | SECCOMP_RET_ERRNO | SECCOMP_RET_TRACE))
}

/// The action (`SECCOMP_RET_ACTION_FULL` bits) `prog` gives nsinit's own
/// x86_64 syscall `nr` with `args`; None for a malformed program.
fn action(prog: &[libc::sock_filter], nr: syscalls::Sysno, args: [u64; 6]) -> Option<u32> {
    bpf::eval(prog, &Data { nr: nr as u32, arch: AUDIT_ARCH_X86_64, args }, |_| {}).map(|r| r & 0xFFFF_0000)
}

/// Whether `prog` lets nsinit's own syscall `nr` with `args` through (ALLOW
/// or LOG). Without no_new_privs the filter loads while CAP_SYS_ADMIN is
/// still held, before nsinit's last steps (as runc does): each of those must
/// pass, or the workload could not start (see `child::early_filter_path`).
///
/// The arguments at the indexes set in `ptrs` are pointers, unknown until
/// the call: the syscall must pass with each of several values there (null,
/// low, typical stack and heap addresses, all ones), so that a rule on a
/// pointer is caught here, before anything changes. A rule comparing a
/// pointer with one exact address could still slip through; the call then
/// fails in the child and nsinit exits 125: closed, never unfiltered.
/// Never inlined into its callers: -37 B, a few calls per start.
#[inline(never)]
pub fn passes(prog: &[libc::sock_filter], nr: syscalls::Sysno, args: [u64; 6], ptrs: u8) -> bool {
    const PROBES: [u64; 6] = [0, 1, 0x1000, 0x0000_7ffc_0000_0000, 0x0000_5555_5555_0000, u64::MAX];
    let probes: &[u64] = if ptrs == 0 { &PROBES[..1] } else { &PROBES };
    probes.iter().all(|&v| {
        let mut a = args;
        for (i, arg) in a.iter_mut().enumerate() {
            if ptrs >> i & 1 == 1 {
                *arg = v;
            }
        }
        matches!(action(prog, nr, a), Some(SECCOMP_RET_ALLOW | SECCOMP_RET_LOG))
    })
}

