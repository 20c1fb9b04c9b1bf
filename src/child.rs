//! The workload's side, from clone to execve.
//!
//! The child shares nsinit's memory until it execs (see `sys::clone`), so it
//! builds nothing: everything it needs was prepared by the parent, and a
//! failure is handed back through `Report` before the child exits. The steps:
//! the container's cgroups (`--enter`), the user namespace and its root (`--enter` from outside it), HOME from
//! the container's /etc/passwd, stdio pipes (`--enter`), `lo` up (a new container), session and
//! terminal, rlimits, umask, the bounding set, keepcaps, stdio handed to
//! the user, descriptors, signals, the wait for PID 1; then groups
//! and ids, the working directory as the user, the capability sets,
//! no_new_privs, and execve. The seccomp filter loads last when
//! no_new_privs is set; without it, before the id switch, while
//! CAP_SYS_ADMIN is still held (as runc does) — see `steps` for why all
//! else comes before it.

use crate::caps;
use crate::diag::{self, At, Error, Object, Reason};
use crate::exec::{self, Command};
use crate::reaper::{self, Saved};
use crate::rlimits;
use crate::spec::{Process, Spec};
use crate::sys::{self, Errno};
use core::convert::Infallible;
use syscalls::Sysno;

/// A compiled seccomp filter and its flags.
#[derive(Clone, Copy)]
pub struct Filter<'a> {
    pub program: &'a [libc::sock_filter],
    pub flags: u32,
}

/// What the child needs, prepared by the parent.
pub struct Plan<'a> {
    /// Mutable for `HOME`, which the child looks up (`exec::add_home`).
    pub command: &'a mut Command,
    pub spec: Option<&'a Spec<'static>>,
    pub signals: Saved,
    pub filter: Option<Filter<'a>>,
    /// The kernel's highest capability number.
    pub last_cap: u32,
    /// `process.terminal` asked and stdin is a terminal.
    pub terminal: bool,
    /// A new container (not `--enter`): `lo` comes up in its new network
    /// namespace, here in the child, while PID 1 detaches the old root.
    pub loopback: bool,
    /// `--enter`: pipes that become the command's 0-2 (`pump`).
    pub pipes: Option<crate::pump::Pipes>,
    /// `--enter` by a caller privileged from outside: a pidfd of the
    /// container's init whose user namespace the child joins first
    /// (`enter::join`).
    pub userns: Option<sys::Fd>,
    /// `--enter`: the container's cgroups, which the child writes itself
    /// into before anything else (`cgroups::join`); empty otherwise.
    pub cgroups: crate::cgroups::Joins,
}

/// What the child hands back: a failure before or at execve, and whether it
/// got as far as calling execve.
#[derive(Default)]
pub struct Report {
    pub failure: Option<(Error<'static>, i32)>,
    pub reached_exec: bool,
    /// Ambient capabilities whose raise was refused and skipped (warned
    /// about by PID 1 once the workload runs).
    pub ambient_skipped: u64,
}

/// Starts the workload, running `meanwhile(pid)` in PID 1 while the child
/// sets itself up (false: PID 1 could not get ready, and the child is
/// killed before its execve). Returns the workload's pid once it has
/// exec'd or ended.
pub fn start(plan: &mut Plan, report: &mut Report, meanwhile: impl FnOnce(i32) -> bool) -> diag::Result<'static, i32> {
    let mut body = |gate: &sys::clone::Gate| -> Infallible {
        let Err((e, code)) = steps(plan, &mut report.reached_exec, &mut report.ambient_skipped, gate);
        report.failure = Some((e, code));
        sys::exit_group(code)
    };
    sys::clone::spawn(&mut body, meanwhile).at("spawn", Object::Name(b"workload"))
}

type Failure = (Error<'static>, i32);

fn setup(e: Error<'static>) -> Failure {
    (e, 125)
}

/// The child's steps; returns only on failure.
/// `gate` opens once PID 1 has hardened itself: the workload starts after.
///
/// Without no_new_privs the filter loads while CAP_SYS_ADMIN is still held,
/// before the id switch (as runc does), so every call after it must pass a
/// profile written for runc — say one that returns an errno for all it does
/// not list, as `oci-runtime-tool generate` writes. So all that does not
/// need the switch comes first, whatever the case: nsinit's own
/// housekeeping (descriptors, signal mask and dispositions, the gate) and
/// what root does before switching (the bounding set, keepcaps, stdio
/// handed to the user). After the early filter only what runc itself makes
/// after its own remains (`finalizeNamespace` in runc's init_linux.go: the
/// id switch, the working directory, the capability sets; then execve),
/// listed by `early_filter_path`. With no_new_privs the filter loads last,
/// right before execve.
fn steps(plan: &mut Plan, reached_exec: &mut bool, ambient_skipped: &mut u64, gate: &sys::clone::Gate) -> Result<Infallible, Failure> {
    diag::trace("child", Object::None);
    // Before the user namespace: cgroup2 checks the writer's credentials.
    plan.cgroups.enter().at("enter", Object::Typed(b"cgroup.procs", b"cgroup")).map_err(setup)?;
    if let Some(pidfd) = plan.userns {
        // (Always with a spec: `--enter` needs one. Without, 0 is tried
        // twice and its EINVAL is the error.)
        let ids = plan.spec.map_or((0, 0), |s| (s.process.user.uid, s.process.user.gid));
        join_user_namespace(pidfd, ids).map_err(setup)?;
    }
    // HOME as runc sets it, when the spec gave the environment without it:
    // read here, with the container's credentials (a caller that stayed
    // outside its user namespace could read what the container cannot).
    if let Some(s) = plan.spec.filter(|s| s.process.env_given) {
        exec::add_home(plan.command, s.process.user.uid).map_err(setup)?;
    }
    let plan = &*plan;
    if let Some(p) = plan.pipes {
        p.attach().at("stdio", Object::Name(b"pipes")).map_err(setup)?;
    }
    if let Some(spec) = plan.spec.filter(|_| plan.loopback) {
        crate::system::loopback_up(spec).map_err(setup)?;
    }
    session(plan).map_err(setup)?;
    let process = plan.spec.map(|s| &s.process);
    let nnp = process.is_some_and(|p| p.no_new_privileges);
    if let Some(p) = process {
        if !p.rlimits.is_empty() {
            diag::trace("rlimits", Object::None);
        }
        rlimits::apply(&p.rlimits)
            .map_err(|(r, e)| setup(Error::new("rlimit", Object::Name(rlimits::name(r).as_bytes()), Reason::Errno(e))))?;
        sys::umask(p.user.umask.get().unwrap_or(0o022));
        before_switch(p, plan.last_cap, plan.pipes.is_some_and(|p| p.pty)).map_err(setup)?;
    }
    housekeeping(plan, gate).map_err(setup)?;
    if let Some(p) = process {
        if !nnp {
            load_filter(plan).map_err(setup)?;
        }
        *ambient_skipped = identity(p, plan.last_cap).map_err(setup)?;
        if nnp {
            diag::trace("no_new_privs", Object::None);
            sys::set_no_new_privs().at("no_new_privs", Object::None).map_err(setup)?;
            load_filter(plan).map_err(setup)?;
        }
    }
    *reached_exec = true;
    Err(exec::failure(plan.command, exec::execvp(plan.command)))
}

/// `--enter` from outside the container's user namespace (`enter::join`):
/// the host root's supplementary groups go while they still can (a
/// rootless namespace denies setgroups), then the namespace is joined and
/// its root become, as runc's nsexec does ("become root in the namespace
/// proper"). The child then reads what it reads before the switch to the
/// spec's user (the HOME lookup) with the container's credentials, not as
/// the host's root, who owns files the container cannot read. A namespace
/// that maps no uid or gid 0 (EINVAL; runc's nsexec refuses it: "failed
/// to become root in user namespace") gets the spec's uid or gid there
/// instead, the one the command runs as: host root's id, unmapped, would
/// still own host root's files (a 0600 one bound over /etc/passwd named
/// the command's HOME). The capabilities the join gave stay: no uid 0
/// there, no switch away from it (capabilities(7), "Effect of user ID
/// changes"). An id the namespace does not map either is the same error
/// the switch would give.
fn join_user_namespace(pidfd: sys::Fd, (uid, gid): (u32, u32)) -> diag::Result<'static, ()> {
    let become_ = |set: fn(u32) -> sys::Result<()>, spec: u32, what: &'static str| match set(0) {
        Err(Errno::EINVAL) => set(spec).at("user", Object::Num(what, spec as u64)),
        r => r.at("enter", Object::Num(what, 0)),
    };
    sys::setgroups(&[]).at("enter", Object::Name(b"groups"))?;
    sys::setns(pidfd, libc::CLONE_NEWUSER as u32).at("enter", Object::Name(b"user namespace"))?;
    become_(sys::setresgid, gid, "gid ")?;
    become_(sys::setresuid, uid, "uid ")
}

/// nsinit's own housekeeping, before any filter can refuse it: every
/// descriptor above 2 closes — the spec fd, the signalfd, and whatever the
/// parent leaked (runc's CVE-2024-21626 was a leaked fd) — but those the
/// parent passed for socket activation; the signal mask and dispositions
/// nsinit found; and the wait for PID 1 to have hardened itself.
fn housekeeping(plan: &Plan, gate: &sys::clone::Gate) -> diag::Result<'static, ()> {
    let first = 3u32.saturating_add(plan.command.listen_fds);
    sys::close_range(first, u32::MAX, 0).at("close fds", Object::Num("from ", first as u64))?;
    reaper::restore(&plan.signals).at("signals", Object::Name(b"restore"))?;
    gate.wait();
    Ok(())
}

/// In spec mode a new session, as runc and crun start every container
/// process: the workload must not keep its caller's controlling terminal,
/// where `ioctl(TIOCSTI)` would push keystrokes into the caller's shell.
/// With `process.terminal`, stdin becomes the new session's controlling
/// terminal. In reaper mode (tini's role, the runtime made the session):
/// own process group and the terminal's foreground, as tini does, from the
/// child, so that nsinit running nsinit cannot race.
fn session(plan: &Plan) -> diag::Result<'static, ()> {
    if plan.spec.is_some() {
        sys::setsid().at("session", Object::Name(b"setsid"))?;
        if !plan.terminal {
            return Ok(());
        }
        return match sys::set_ctty(0) {
            Ok(()) => Ok(()),
            // stdin is the controlling terminal of another session (nsinit
            // was started from a shell): the workload cannot take it without
            // stealing it; it runs in its own session without one.
            Err(Errno::EPERM) => {
                diag::warn(&Error::new(
                    "terminal",
                    Object::Name(b"stdin"),
                    Reason::Text("the controlling terminal of another session: not taken"),
                ));
                Ok(())
            }
            Err(e) => Err(e).at("terminal", Object::Name(b"stdin")),
        };
    }
    sys::setpgid(0, 0).at("process group", Object::None)?;
    // SIGTTOU is blocked here, so tcsetpgrp from a background group works.
    match sys::tcsetpgrp(0, sys::getpid()) {
        Ok(()) | Err(Errno::ENOTTY | Errno::ENXIO | Errno::EBADF) => Ok(()),
        Err(e) => Err(e).at("terminal", Object::Name(b"stdin")),
    }
}

fn cap_err((cap, e): (u32, Errno)) -> Error<'static> {
    Error::new("capabilities", Object::Name(caps::name(cap).as_bytes()), Reason::Errno(e))
}

/// What root does before the id switch, needing its capabilities but not
/// the switch: the bounding set cut (needs CAP_SETPCAP, which capset may
/// take away later), capabilities kept across the switch, and stdio handed
/// to the user (runc's fixStdioPermissions, also before its setgroups).
fn before_switch(p: &Process<'static>, last: u32, pty: bool) -> diag::Result<'static, ()> {
    caps::drop_bounding(p.capabilities.bounding, last).map_err(cap_err)?;
    sys::set_keepcaps(true).at("user", Object::Name(b"keepcaps"))?;
    hand_stdio_to(p.user.uid, pty);
    Ok(())
}

/// Groups and ids (capabilities kept across the switch by `before_switch`),
/// the working directory as the user, then the capability sets. Keepcaps
/// is left set: execve resets it (prctl(2), PR_SET_KEEPCAPS) and no id
/// changes before, so clearing it would only be one more call after an
/// early filter. Returns the ambient capabilities whose raise was refused.
fn identity(p: &Process<'static>, last: u32) -> diag::Result<'static, u64> {
    let u = &p.user;
    diag::trace("user", Object::Num("uid ", u.uid as u64));
    match sys::setgroups(&u.additional_gids) {
        // setgroups is denied in a user namespace without a full gid map;
        // with nothing to add, there is nothing lost.
        Err(Errno::EPERM) if u.additional_gids.is_empty() => {}
        r => r.at("user", Object::Num("additional gids: ", u.additional_gids.len() as u64))?,
    }
    sys::setresgid(u.gid).at("user", Object::Num("gid ", u.gid as u64))?;
    sys::setresuid(u.uid).at("user", Object::Num("uid ", u.uid as u64))?;
    if let Some(cwd) = p.cwd {
        sys::chdir(cwd.get()).at("cwd", Object::Name(cwd.to_bytes()))?;
    }
    diag::trace("capabilities", Object::None);
    caps::apply_sets(&p.capabilities, last).map_err(cap_err)
}

/// Every syscall the child makes after loading the filter early (without
/// no_new_privs), with the arguments that decide, in order, until `f` says
/// stop; each must be allowed. Only what any runtime needs after its own
/// early filter to start the workload as asked (runc: `finalizeNamespace`,
/// then execve): the id switch (setgroups, setresgid, setresuid), chdir
/// when `cwd` is given, capset and clearing the ambient set, LISTEN_PID's
/// getpid with socket activation, and execve. All else comes before the
/// filter (see `steps`), so a profile's verdict on it does not matter. The
/// ambient raises are listed as skippable (`true`): runc too only warns
/// when one is refused, and `caps::apply_sets` skips it; they must only not
/// end the child (a KILL or TRAP answer). Pointer arguments cannot be known
/// in advance: their indexes are given as a bit mask, for the check to try
/// them with many values. Kept next to `identity` and `steps`, which make
/// these calls.
pub fn early_filter_path(p: &Process, last: u32, listen_fds: u32, mut f: impl FnMut(Sysno, [u64; 6], u8, bool) -> bool) {
    // One call of `f` (the caller's check, inlined once), fed by a cursor
    // over the list rather than a chain of iterators, each inlined apart.
    let mut step = 0;
    while let Some((nr, args, ptrs, skippable)) = early_call(p, last, listen_fds, &mut step) {
        if !f(nr, args, ptrs, skippable) {
            return;
        }
    }
}

/// The call at `*step` of `early_filter_path`'s list, the cursor moved past
/// it (and past those that do not apply): setgroups, setresgid, setresuid,
/// chdir with a `cwd`, capset, clearing the ambient set, one raise per
/// raisable capability up to `last` (skippable), getpid with socket
/// activation, execve; then None.
fn early_call(p: &Process, last: u32, listen_fds: u32, step: &mut u32) -> Option<(Sysno, [u64; 6], u8, bool)> {
    let (u, g) = (p.user.uid as u64, p.user.gid as u64);
    let ambient = |op: i32, a: u64| [libc::PR_CAP_AMBIENT as u64, op as u64, a, 0, 0, 0];
    loop {
        let s = *step;
        *step += 1;
        // The raises are steps 6 ..= 6 + last; getpid and execve follow.
        let (nr, args, ptrs) = match s {
            0 => (Sysno::setgroups, [p.user.additional_gids.len() as u64, 0, 0, 0, 0, 0], 0b10),
            1 => (Sysno::setresgid, [g, g, g, 0, 0, 0], 0),
            2 => (Sysno::setresuid, [u, u, u, 0, 0, 0], 0),
            3 if p.cwd.is_some() => (Sysno::chdir, [0; 6], 0b1),
            4 => (Sysno::capset, [0; 6], 0b11),
            5 => (Sysno::prctl, ambient(libc::PR_CAP_AMBIENT_CLEAR_ALL, 0), 0),
            _ if s >= 6 && s - 6 <= last => {
                let cap = s - 6;
                if caps::raisable_ambient(&p.capabilities) & caps::bit(cap) != 0 {
                    return Some((Sysno::prctl, ambient(libc::PR_CAP_AMBIENT_RAISE, cap.into()), 0, true));
                }
                continue;
            }
            // getpid only serves socket activation (LISTEN_PID).
            _ if s == last + 7 && listen_fds > 0 => (Sysno::getpid, [0; 6], 0),
            _ if s == last + 8 => (Sysno::execve, [0; 6], 0b111),
            _ if s > last + 8 => return None,
            _ => continue,
        };
        return Some((nr, args, ptrs, false));
    }
}

/// pipefs and sockfs (linux/magic.h): anonymous pipes and sockets, which
/// have no path anyone else uses.
const PIPEFS_MAGIC: u64 = 0x5049_5045;
const SOCKFS_MAGIC: u64 = 0x534f_434b;

/// The workload's stdio becomes its user's, so that it can reopen
/// /dev/stdout (runc's fixStdioPermissions) — but only anonymous pipes and
/// sockets, the stdio a runtime makes for its container, and the pty
/// nsinit made in the container for `--enter` (`pty`: 0-2 are its slave,
/// which the command needs for /dev/tty, as after `runc exec -t`). A file
/// or a terminal is the caller's (`scripts/run >> /root/log`, an
/// operator's pty): handing it to the container's user would change the
/// host. Only the owner changes; where the kernel refuses (an unmapped id)
/// stdio is left as it is rather than failing the start.
fn hand_stdio_to(uid: u32, pty: bool) {
    for fd in 0..3 {
        let Ok(st) = sys::fstat(fd) else { continue };
        let kind = st.st_mode & libc::S_IFMT;
        if st.st_uid == uid || (!pty && kind != libc::S_IFIFO && kind != libc::S_IFSOCK) {
            continue;
        }
        if !pty && !sys::fstatfs(fd).is_ok_and(|f| f.fs_type == PIPEFS_MAGIC || f.fs_type == SOCKFS_MAGIC) {
            continue;
        }
        // Errors ignored on purpose, as runc does (see above).
        let _ = sys::fchownat(fd, c"", uid, st.st_gid, libc::AT_EMPTY_PATH);
    }
}

fn load_filter(plan: &Plan) -> diag::Result<'static, ()> {
    match plan.filter {
        Some(f) => {
            diag::trace("seccomp", Object::Name(b"load"));
            sys::seccomp_set_filter(f.flags, f.program).at("seccomp", Object::Name(b"load filter"))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Str;

    type Call = (Sysno, [u64; 6], u8, bool);

    /// The list as it was written before the cursor: the reference.
    fn reference(p: &Process, last: u32, listen_fds: u32) -> Vec<Call> {
        let (u, g) = (p.user.uid as u64, p.user.gid as u64);
        let ambient = |op: i32, a: u64| (Sysno::prctl, [libc::PR_CAP_AMBIENT as u64, op as u64, a, 0, 0, 0], 0, false);
        let mut v = vec![
            (Sysno::setgroups, [p.user.additional_gids.len() as u64, 0, 0, 0, 0, 0], 0b10, false),
            (Sysno::setresgid, [g, g, g, 0, 0, 0], 0, false),
            (Sysno::setresuid, [u, u, u, 0, 0, 0], 0, false),
        ];
        if p.cwd.is_some() {
            v.push((Sysno::chdir, [0; 6], 0b1, false));
        }
        v.push((Sysno::capset, [0; 6], 0b11, false));
        v.push(ambient(libc::PR_CAP_AMBIENT_CLEAR_ALL, 0));
        for cap in (0..=last).filter(|&cap| caps::raisable_ambient(&p.capabilities) & caps::bit(cap) != 0) {
            let (nr, args, ptrs, _) = ambient(libc::PR_CAP_AMBIENT_RAISE, cap.into());
            v.push((nr, args, ptrs, true));
        }
        if listen_fds > 0 {
            v.push((Sysno::getpid, [0; 6], 0, false));
        }
        v.push((Sysno::execve, [0; 6], 0b111, false));
        v
    }

    #[test]
    fn early_filter_path_lists_runcs_calls_in_order() {
        let all = crate::caps::mask_upto(40);
        let caps = [(0, 0, 0), (all, all, all), (0b1011 | 1 << 40, all, all), (1 << 21 | 1 << 5, 1 << 21, all)];
        for cwd in [None, Some(Str::new(c"/w"))] {
            for (ambient, permitted, inheritable) in caps {
                for (last, listen) in [(40, 0), (40, 2), (5, 0), (0, 1)] {
                    let mut p = Process { cwd, ..Default::default() };
                    p.user.uid = 1000;
                    p.user.gid = 100;
                    let _ = p.user.additional_gids.push(7);
                    p.capabilities.ambient = ambient;
                    p.capabilities.permitted = permitted;
                    p.capabilities.inheritable = inheritable;
                    let want = reference(&p, last, listen);
                    let mut got = Vec::new();
                    early_filter_path(&p, last, listen, |nr, args, ptrs, s| {
                        got.push((nr, args, ptrs, s));
                        true
                    });
                    assert_eq!(got, want, "cwd {cwd:?} ambient {ambient:x} last {last} listen {listen}");
                    // `f` saying stop ends the list there.
                    for stop in 0..want.len() {
                        let mut seen = 0;
                        early_filter_path(&p, last, listen, |_, _, _, _| {
                            seen += 1;
                            seen <= stop
                        });
                        assert_eq!(seen, stop + 1);
                    }
                }
            }
        }
    }
}
