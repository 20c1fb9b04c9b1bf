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
    let at = |rule: u16, name: u16| {
        Path::of(&[base[0], base[1], Seg::Key(b"syscalls"), Seg::Index(rule.into()), Seg::Key(b"names"), Seg::Index(name.into())])
    };
    let (compiler, program) = match (COMPILER.take(), PROGRAM.take()) {
        (Some(c), Some(p)) => (c, p),
        _ => return Err(Error { path: Path::of(&base), kind: Kind::Invalid("compiled twice") }),
    };
    compiler.compile(s, program).map_err(|e| {
        let path = match e {
            CompileError::Conflict { rule, name } | CompileError::EmptyName { rule, name } => at(rule, name),
            CompileError::TooLong | CompileError::Malformed => Path::of(&base),
        };
        Error { path, kind: Kind::Invalid(e.why()) }
    })?;
    Ok(Some(program))
}

/// Whether `prog` lets nsinit's own syscall `nr` with `args` through (ALLOW
/// or LOG). Without no_new_privs the filter loads while CAP_SYS_ADMIN is
/// still held, before nsinit's last steps (as runc does): each of those must
/// pass, or the workload could not start (see `child::early_filter_path`).
pub fn passes(prog: &[libc::sock_filter], nr: syscalls::Sysno, args: [u64; 6]) -> bool {
    let data = Data { nr: nr as u32, arch: AUDIT_ARCH_X86_64, args };
    let ret = bpf::eval(prog, &data, |_| {}).map(|r| r & 0xFFFF_0000);
    ret == Some(SECCOMP_RET_ALLOW) || ret == Some(SECCOMP_RET_LOG)
}
