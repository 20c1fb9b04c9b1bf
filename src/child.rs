//! The workload's side, from clone to execve.
//!
//! The child shares nsinit's memory until it execs (see `sys::clone`), so it
//! builds nothing: everything it needs was prepared by the parent, and a
//! failure is handed back through `Report` before the child exits. The steps
//! run in the contract's order; the last one is execve.

use crate::diag::{At, Error, Object};
use crate::exec::{self, Command};
use crate::reaper::{self, Saved};
use crate::spec::Spec;
use crate::sys::{self, Errno};
use core::convert::Infallible;

/// What the child needs, prepared by the parent.
pub struct Plan<'a> {
    pub command: &'a Command,
    pub spec: Option<&'a Spec<'static>>,
    pub signals: Saved,
}

/// A child that failed before or at execve: the error and its exit status.
pub type Report = Option<(Error<'static>, i32)>;

/// Starts the workload. Returns its pid once it has exec'd (or failed, in
/// which case `report` says how).
pub fn start(plan: &Plan, report: &mut Report) -> crate::diag::Result<'static, i32> {
    let mut body = || -> Infallible {
        let (e, code) = match steps(plan) {
            Err(failure) => failure,
        };
        *report = Some((e, code));
        sys::exit_group(code)
    };
    sys::clone::spawn(&mut body).at("spawn", Object::Name(b"workload"))
}

/// The child's steps; returns only on failure.
fn steps(plan: &Plan) -> Result<Infallible, (Error<'static>, i32)> {
    let setup = |e: Error<'static>| (e, 125);
    isolate(plan).map_err(setup)?;
    // Every descriptor above 2 closes: the spec fd, the signalfd, and
    // whatever the parent leaked (runc's CVE-2024-21626 was a leaked fd).
    sys::close_range(3, u32::MAX, 0).at("close fds", Object::Name(b"3..")).map_err(setup)?;
    if let Some(cwd) = plan.spec.and_then(|s| s.process.cwd) {
        sys::chdir(cwd.get()).at("cwd", Object::Name(cwd.to_bytes())).map_err(setup)?;
    }
    reaper::restore(&plan.signals).at("signals", Object::Name(b"restore")).map_err(setup)?;
    let e = exec::execvp(plan.command);
    let name = plan.command.argv.get(0).map_or(&b""[..], |a| a.to_bytes());
    Err((Error::new("exec", Object::Name(name), crate::diag::Reason::Errno(e)), exec::failure_status(e)))
}

/// Own process group, and the terminal's foreground when stdin is one (as
/// tini does, from the child, so that nsinit running nsinit cannot race).
fn isolate(_plan: &Plan) -> crate::diag::Result<'static, ()> {
    sys::setpgid(0, 0).at("process group", Object::None)?;
    // SIGTTOU is blocked here, so tcsetpgrp from a background group works.
    match sys::tcsetpgrp(0, sys::getpid()) {
        Ok(()) | Err(Errno::ENOTTY | Errno::ENXIO | Errno::EBADF | Errno::EINVAL | Errno::EPERM) => Ok(()),
        Err(e) => Err(e).at("terminal", Object::Name(b"stdin")),
    }
}
