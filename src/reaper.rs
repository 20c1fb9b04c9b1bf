//! PID 1's part: signals and zombies.
//!
//! Every signal but the faults our own bugs would raise is blocked and read
//! from a signalfd (a PID 1 with no handler would otherwise never see them).
//! SIGCHLD reaps every zombie at once — one SIGCHLD may stand for many exits
//! — and everything else is forwarded to the workload (or its process group
//! with `-g`). SIGTTIN and SIGTTOU are ignored, so a TOSTOP terminal cannot
//! stop nsinit. Once the loop runs nothing may end PID 1 early: errors become
//! warnings.

use crate::diag::{self, At, Error, Object, Reason, Result};
use crate::sys::{self, Errno, SigSet, sigbit};

/// Signals raised synchronously by faults in nsinit itself: never blocked,
/// so a bug kills nsinit loudly instead of hanging it.
const FAULTS: [i32; 7] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE, libc::SIGABRT, libc::SIGTRAP, libc::SIGSYS];
/// Job-control signals PID 1 ignores.
const IGNORED: [i32; 2] = [libc::SIGTTIN, libc::SIGTTOU];

/// What the child needs to undo nsinit's signal set-up before execve.
#[derive(Clone, Copy, Debug)]
pub struct Saved {
    pub mask: SigSet,
    /// IGNORED[i] was already ignored when nsinit started.
    pub was_ignored: [bool; 2],
}

pub struct Signals {
    pub fd: sys::Fd,
    pub saved: Saved,
}

/// Blocks all signals but the faults, ignores SIGTTIN/SIGTTOU, and opens a
/// signalfd for the blocked ones.
pub fn block() -> Result<'static, Signals> {
    let mut set: SigSet = !0;
    for s in FAULTS.iter().chain(IGNORED.iter()) {
        set &= !sigbit(*s);
    }
    let mask = sys::sigprocmask(libc::SIG_BLOCK, set).at("signals", Object::Name(b"block"))?;
    let mut was_ignored = [false; 2];
    for (ignored, s) in was_ignored.iter_mut().zip(IGNORED) {
        *ignored = sys::is_ignored(s).unwrap_or(false);
        sys::set_disposition(s, true).at("signals", Object::Name(b"ignore SIGTTIN/SIGTTOU"))?;
    }
    let fd = sys::signalfd(set).at("signals", Object::Name(b"signalfd"))?;
    Ok(Signals { fd, saved: Saved { mask, was_ignored } })
}

/// In the child: dispositions and mask as they were when nsinit started.
pub fn restore(saved: &Saved) -> core::result::Result<(), Errno> {
    for (s, ignored) in IGNORED.into_iter().zip(saved.was_ignored) {
        sys::set_disposition(s, ignored)?;
    }
    sys::sigprocmask(libc::SIG_SETMASK, saved.mask).map(drop)
}

/// Runs PID 1's loop until the workload `child` has exited; returns its wait
/// status. Signals go to `child`, or to its process group when `group`.
/// In its own section, after all other code (linker/nsinit.ld): once setup
/// is over and its pages are released, PID 1 runs from these pages alone.
#[inline(never)]
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn run(sfd: sys::Fd, child: i32, group: bool) -> i32 {
    // From here on only this section's code runs (until the exit): the
    // rest of nsinit's code need not stay resident.
    sys::release_code();
    let target = if group { -child } else { child };
    let mut sigs = [0i32; 16];
    loop {
        match sys::read_signals(sfd, &mut sigs) {
            Ok(n) => {
                // In arrival order: a signal sent before the workload died
                // is still forwarded before its death ends the loop.
                let mut status = None;
                for &sig in sigs.get(..n).unwrap_or(&[]) {
                    if sig == libc::SIGCHLD {
                        status = status.or(reap(child));
                    } else if status.is_none() {
                        forward(target, sig);
                    }
                }
                if let Some(status) = status {
                    return status;
                }
            }
            Err(Errno::EINTR | Errno::EAGAIN) => {}
            Err(e) => {
                // No signals any more: keep reaping, blocking, until the
                // workload is gone, rather than leave it without an init.
                diag::warn(&Error::new("signals", Object::Name(b"read signalfd"), Reason::Errno(e)));
                return wait_blocking(child);
            }
        }
    }
}

/// Sends `sig` on; a workload already gone (ESRCH) is not an error.
#[unsafe(link_section = ".text.nsinit_pid1")]
fn forward(target: i32, sig: i32) {
    match sys::kill(target, sig) {
        Ok(()) | Err(Errno::ESRCH) => {}
        Err(e) => diag::warn(&Error::new("forward", Object::Num("signal ", sig as u64), Reason::Errno(e))),
    }
}

/// Reaps every zombie there is; Some(status) if one was the workload.
#[unsafe(link_section = ".text.nsinit_pid1")]
fn reap(child: i32) -> Option<i32> {
    let mut workload = None;
    loop {
        match sys::wait4(-1, libc::WNOHANG) {
            Ok(Some((pid, status))) => {
                if pid == child {
                    workload = Some(status);
                }
            }
            Ok(None) | Err(Errno::ECHILD) => return workload,
            Err(Errno::EINTR) => {}
            Err(e) => {
                diag::warn(&Error::new("reap", Object::None, Reason::Errno(e)));
                return workload;
            }
        }
    }
}

#[unsafe(link_section = ".text.nsinit_pid1")]
fn wait_blocking(child: i32) -> i32 {
    loop {
        match sys::wait4(-1, 0) {
            Ok(Some((pid, status))) if pid == child => return status,
            Ok(_) | Err(Errno::EINTR) => {}
            // No child left at all: the workload is gone without a status.
            Err(_) => return 0xff << 8,
        }
    }
}

/// nsinit's exit status for a wait status: N for exit(N), 128+S for death
/// by signal S, 0 for a status named by `-e`.
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn exit_code(status: i32, expects: impl Fn(u8) -> bool) -> i32 {
    let sig = status & 0x7f;
    let code = if sig == 0 { (status >> 8) & 0xff } else { 128 + sig };
    match u8::try_from(code) {
        Ok(c) if expects(c) => 0,
        _ => code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        let none = |_| false;
        assert_eq!(exit_code(0, none), 0);
        assert_eq!(exit_code(3 << 8, none), 3);
        assert_eq!(exit_code(255 << 8, none), 255);
        assert_eq!(exit_code(libc::SIGTERM, none), 143);
        assert_eq!(exit_code(libc::SIGKILL, none), 137);
        // Core-dumped flag (0x80) does not change the signal.
        assert_eq!(exit_code(libc::SIGSEGV | 0x80, none), 139);
        assert_eq!(exit_code(143 << 8, |c| c == 143), 0);
        assert_eq!(exit_code(libc::SIGTERM, |c| c == 143), 0);
        assert_eq!(exit_code(3 << 8, |c| c == 143), 3);
        for n in 0..=255 {
            assert_eq!(exit_code(n << 8, none), n);
            assert_eq!(exit_code(n << 8, |c| c as i32 == n), 0);
        }
    }
}
