//! PID 1's part: signals and zombies.
//!
//! Every signal but the faults our own bugs would raise is blocked and read
//! from a signalfd (a PID 1 with no handler would otherwise never see them).
//! SIGCHLD reaps every zombie at once — one SIGCHLD may stand for many exits
//! — and everything else is forwarded to the workload (or its process group
//! with `-g`). SIGTTIN and SIGTTOU are ignored, so a TOSTOP terminal cannot
//! stop nsinit. Once the loop runs nothing may end PID 1 early: errors become
//! warnings.
//!
//! A wait status is an end only when it says exit or death by signal. A
//! child that made PID 1 its tracer (`PTRACE_TRACEME`, its parent being
//! PID 1) reports its stops to PID 1 even without WUNTRACED (wait(2)): PID 1
//! detaches, so it goes on as if untraced, and keeps waiting.

use crate::diag::{self, At, Error, Object, Reason, Result};
use crate::spec::Process;
use crate::pump::{Copier, Pipes};
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

/// PID 1's last step: `run`, then exit with the workload's status
/// (`exit_code`). Never returns to the setup code, whose pages are released
/// by then: returning would fault one of them back in just to exit.
#[inline(never)]
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn run_to_exit(sfd: sys::Fd, child: i32, group: bool, warn_reap: bool, pipes: Option<Pipes>, expects: impl Fn(u8) -> bool) -> ! {
    sys::exit_group(exit_code(run(sfd, child, group, warn_reap, pipes), expects))
}

/// Runs PID 1's loop until the workload `child` has exited; returns its wait
/// status. Signals go to `child`, or to its process group when `group`;
/// `warn_reap` (tini's `-w`) warns for every other child reaped. With
/// `pipes` (`--enter`), the command's stdio is copied meanwhile (`pump`).
/// In its own section, after all other code (linker/nsinit.ld): once setup
/// is over and its pages are released, PID 1 runs from these pages alone.
#[inline(never)]
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn run(sfd: sys::Fd, child: i32, group: bool, warn_reap: bool, pipes: Option<Pipes>) -> i32 {
    // From here on only this section's code runs (until the exit): the
    // rest of nsinit's code need not stay resident.
    sys::release_code();
    let target = if group { -child } else { child };
    let mut sigs = [0i32; 16];
    let mut copier = pipes.and_then(Copier::new);
    loop {
        // poll failing loses the output, not the signals.
        if copier.as_mut().is_some_and(|c| !c.until_signal(sfd)) {
            copier = None;
        }
        match sys::read_signals(sfd, &mut sigs) {
            Ok(n) => {
                // In arrival order: a signal sent before the workload died
                // is still forwarded before its death ends the loop.
                let mut status = None;
                for &sig in sigs.get(..n).unwrap_or(&[]) {
                    if sig == libc::SIGCHLD {
                        status = status.or(reap(child, warn_reap));
                    } else if sig == libc::SIGPIPE && copier.as_mut().is_some_and(|c| c.own_sigpipe()) {
                        // nsinit's own, from the command's closed stdin (`pump`).
                    } else if sig == libc::SIGWINCH && copier.as_ref().is_some_and(|c| c.resized()) {
                        // The caller's terminal's new size, given to the
                        // command's pty (`pump`).
                    } else if status.is_none() {
                        forward(target, sig);
                    }
                }
                if let Some(status) = status {
                    if let Some(c) = copier.as_mut() {
                        c.drain(sfd);
                    }
                    return status;
                }
            }
            Err(Errno::EINTR | Errno::EAGAIN) => {}
            Err(e) => {
                // No signals any more: keep reaping, blocking, until the
                // workload is gone, rather than leave it without an init.
                diag::warn(&Error::new("signals", Object::Name(b"read signalfd"), Reason::Errno(e)));
                // Nothing is copied any more: the caller's terminal is
                // given back as it was.
                if let Some(c) = copier.as_mut() {
                    c.restore();
                }
                return wait_blocking(child, warn_reap);
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
/// Stopped tracees are let go.
#[unsafe(link_section = ".text.nsinit_pid1")]
fn reap(child: i32, warn_reap: bool) -> Option<i32> {
    let mut workload = None;
    loop {
        match sys::wait4(-1, libc::WNOHANG) {
            Ok(Some((pid, status))) => {
                if waited(pid, status, child, warn_reap) {
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
fn wait_blocking(child: i32, warn_reap: bool) -> i32 {
    loop {
        match sys::wait4(-1, 0) {
            Ok(Some((pid, status))) => {
                if waited(pid, status, child, warn_reap) {
                    return status;
                }
            }
            Ok(None) | Err(Errno::EINTR) => {}
            // No child left at all: the workload is gone without a status.
            Err(_) => return 0xff << 8,
        }
    }
}

/// Acts on one wait status of `pid`; true when it is the end of `child`.
#[unsafe(link_section = ".text.nsinit_pid1")]
fn waited(pid: i32, status: i32, child: i32, warn_reap: bool) -> bool {
    match classify(status) {
        Waited::Ended if pid == child => return true,
        Waited::Ended if warn_reap => {
            diag::warn(&Error::new("reap", Object::Num("pid ", pid as u64), Reason::Text("zombie reaped (not the workload)")));
        }
        Waited::Ended | Waited::Continued => {}
        Waited::Stopped(sig) => match sys::ptrace_detach(pid, sig) {
            // ESRCH: killed meanwhile (SIGKILL ends even a stopped tracee).
            Ok(()) | Err(Errno::ESRCH) => {}
            Err(e) => diag::warn(&Error::new("detach", Object::Num("pid ", pid as u64), Reason::Errno(e))),
        },
    }
    false
}

/// What a wait status says (the W* macros of <sys/wait.h>).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waited {
    /// Exited or killed by a signal: the status is final.
    Ended,
    /// In a ptrace-stop, PID 1 being the tracer: detach, delivering this
    /// signal (0: none).
    Stopped(i32),
    /// Resumed by SIGCONT (reported only with WCONTINUED): nothing to do.
    Continued,
}

/// Classifies a wait status. For a stop, the signal to detach with: none
/// for a ptrace-event or syscall stop (`status >> 16`, bit 0x80, set only
/// by a tracer's options, which PID 1 never sets) and for SIGSTOP and
/// SIGTRAP, the handshake a tracee has with its tracer (`raise(SIGSTOP)`
/// after PTRACE_TRACEME, the SIGTRAP after each execve of a tracee:
/// ptrace(2)); any other signal is passed on, so it acts as if untraced — a
/// traced workload still dies of the SIGTERM PID 1 forwards.
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn classify(status: i32) -> Waited {
    if status == 0xffff {
        return Waited::Continued;
    }
    if status & 0xff != 0x7f {
        return Waited::Ended;
    }
    let sig = (status >> 8) & 0xff;
    let handshake = status >> 16 != 0 || sig & 0x80 != 0 || sig == libc::SIGSTOP || sig == libc::SIGTRAP;
    Waited::Stopped(if handshake { 0 } else { sig })
}

/// CAP_SETUID (linux/capability.h; checked against caps::NAMES in the tests).
const CAP_SETUID: u32 = 7;

/// Whether PID 1 keeps CAP_KILL (its only capability): a signal to a process
/// of another uid needs it (kill(2): the sender's real or effective uid must
/// match the target's real or saved uid). Keep it whenever the workload may
/// run as another uid: in reaper mode (`process` None: nothing is known;
/// gosu/su-exec entrypoints switch) always; in spec mode when its uid is not
/// PID 1's, when the bounding set holds CAP_SETUID (the workload can switch
/// itself, or gain it from a file capability or setuid-root program), or
/// without no_new_privs: a setuid program owned by another user makes that
/// user its effective uid with no capability at all, and `setreuid(e, e)`
/// then needs none to make it the real and saved uid too.
pub fn keeps_kill(process: Option<&Process>, pid1_uid: u32) -> bool {
    process.is_none_or(|p| {
        p.user.uid != pid1_uid || !p.no_new_privileges || p.capabilities.bounding & crate::caps::bit(CAP_SETUID) != 0
    })
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

    /// Every 16-bit wait status, against libc's W* macros.
    #[test]
    fn classify_agrees_with_the_wait_macros() {
        for status in 0..=0xffff {
            let want = if libc::WIFCONTINUED(status) {
                Waited::Continued
            } else if libc::WIFSTOPPED(status) {
                Waited::Stopped(match libc::WSTOPSIG(status) {
                    libc::SIGSTOP | libc::SIGTRAP => 0,
                    s if s & 0x80 != 0 => 0,
                    s => s,
                })
            } else {
                // Low byte 0xff is no status the kernel makes (none of
                // the macros holds): an end, as anything not a stop.
                assert!(libc::WIFEXITED(status) || libc::WIFSIGNALED(status) || status & 0xff == 0xff, "{status:#x}");
                Waited::Ended
            };
            assert_eq!(classify(status), want, "{status:#x}");
        }
    }

    #[test]
    fn classify_rows() {
        let stop = |sig: i32| sig << 8 | 0x7f;
        let rows: &[(&str, i32, Waited)] = &[
            ("exit 0", 0, Waited::Ended),
            ("exit 7", 7 << 8, Waited::Ended),
            ("exit 255", 255 << 8, Waited::Ended),
            ("killed by SIGTERM", libc::SIGTERM, Waited::Ended),
            ("SIGSEGV, core dumped", libc::SIGSEGV | 0x80, Waited::Ended),
            ("raise(SIGSTOP) after PTRACE_TRACEME", stop(libc::SIGSTOP), Waited::Stopped(0)),
            ("SIGTRAP after a tracee's execve", stop(libc::SIGTRAP), Waited::Stopped(0)),
            ("SIGTERM forwarded to a tracee", stop(libc::SIGTERM), Waited::Stopped(libc::SIGTERM)),
            ("SIGUSR1 to a tracee", stop(libc::SIGUSR1), Waited::Stopped(libc::SIGUSR1)),
            ("SIGTSTP to a tracee: stops it untraced", stop(libc::SIGTSTP), Waited::Stopped(libc::SIGTSTP)),
            ("PTRACE_EVENT_EXEC stop", stop(libc::SIGTRAP | libc::PTRACE_EVENT_EXEC << 8), Waited::Stopped(0)),
            ("PTRACE_EVENT_STOP group-stop", stop(libc::SIGSTOP | libc::PTRACE_EVENT_STOP << 8), Waited::Stopped(0)),
            ("syscall-stop (TRACESYSGOOD)", stop(libc::SIGTRAP | 0x80), Waited::Stopped(0)),
            ("continued", 0xffff, Waited::Continued),
        ];
        for (name, status, want) in rows {
            assert_eq!(classify(*status), *want, "{name}");
        }
    }

    #[test]
    fn keeps_kill_when_the_workload_may_run_as_another_uid() {
        assert_eq!(crate::caps::from_name(b"CAP_SETUID"), Some(CAP_SETUID));
        let setuid = crate::caps::bit(CAP_SETUID);
        let all = crate::caps::mask_upto(40);
        // (name, spec uid, bounding, no_new_privs, PID 1's uid, keep CAP_KILL)
        let rows: &[(&str, u32, u64, bool, u32, bool)] = &[
            ("same uid, no CAP_SETUID, nnp", 0, 0, true, 0, false),
            ("same uid, other caps, nnp", 0, all & !setuid, true, 0, false),
            ("same non-root uid, nnp", 1000, 0, true, 1000, false),
            ("other uid", 1000, 0, true, 0, true),
            ("root under a non-root PID 1", 0, 0, true, 1000, true),
            ("CAP_SETUID in the bounding set", 0, setuid, true, 0, true),
            ("all capabilities", 0, all, true, 0, true),
            ("no no_new_privs: setuid programs", 0, 0, false, 0, true),
        ];
        for &(name, uid, bounding, nnp, pid1, want) in rows {
            let mut p = Process::default();
            p.user.uid = uid;
            p.capabilities.bounding = bounding;
            p.no_new_privileges = nnp;
            assert_eq!(keeps_kill(Some(&p), pid1), want, "{name}");
        }
        assert!(keeps_kill(None, 0), "reaper mode");
        assert!(keeps_kill(None, 1000), "reaper mode");
    }

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
