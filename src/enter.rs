//! `--enter PID`: joining a running container, as `runc exec` does, for a
//! command that is then confined by the spec's `process` exactly as a
//! container's workload is (`child`).
//!
//! nsinit joins PID's cgroups first, from the host's mount namespace where
//! /sys/fs/cgroup is the host's, then every namespace of PID that differs
//! from its own, in one `setns` on a pidfd (the kernel joins the user
//! namespace first and all or nothing); on a kernel without that, each
//! /proc/PID/ns/* descriptor in turn, user first, all opened before the
//! first join. The pid and time namespaces apply to the children, so the
//! command (nsinit's child) runs in the container's; nsinit stays outside
//! as its parent. A namespace or cgroup that cannot be joined is one error
//! line, before anything of the container runs.
//!
//! A caller privileged over the container's namespaces from outside them
//! (root entering a rootless container) leaves the user namespace to the
//! command: nsinit joins the others and the command joins the user
//! namespace first thing in the child (`child`), as `runc exec` keeps its
//! own process on the host and only its `runc init` joins. A process in the
//! container's user namespace can be signalled by whoever owns that
//! namespace (kill(2) needs CAP_KILL in the target's user namespace): the
//! rootless user could SIGSTOP or SIGKILL root's nsinit while it held the
//! operator's terminal raw. A caller without that privilege (the rootless
//! user entering its own container) joins the user namespace itself first,
//! as before; its own processes are its to signal anyway.
//!
//! Nothing of the host reaches the command: nsinit holds no descriptor but
//! 0-2 (closed before the join), and its working directory becomes the
//! container's root (CVE-2024-21626 was a runc exec whose cwd stayed on
//! the host through a leaked descriptor).

use crate::cgroups;
use crate::diag::{Error, Object, Reason, Result};
use crate::sys::{self, Errno, OwnedFd};
use core::ffi::CStr;

/// CLONE_NEWTIME (linux/sched.h), not in every libc.
const CLONE_NEWTIME: i32 = 0x80;

/// The namespaces, user first: (name in /proc/PID/ns, CLONE_NEW* flag). pid and time are joined for the children: the one of
/// ours each replaces is `pid_for_children`, `time_for_children`
/// (`FOR_CHILDREN`).
const NAMESPACES: [(&str, i32); 8] = [
    ("user", libc::CLONE_NEWUSER),
    ("mnt", libc::CLONE_NEWNS),
    ("pid", libc::CLONE_NEWPID),
    ("net", libc::CLONE_NEWNET),
    ("ipc", libc::CLONE_NEWIPC),
    ("uts", libc::CLONE_NEWUTS),
    ("cgroup", libc::CLONE_NEWCGROUP),
    ("time", CLONE_NEWTIME),
];
const FOR_CHILDREN: i32 = libc::CLONE_NEWPID | CLONE_NEWTIME;

/// Closes every descriptor but 0-2: whatever the caller leaked must not
/// follow nsinit into the container.
pub fn close_inherited<'a>() -> Result<'a, ()> {
    sys::close_range(3, u32::MAX, 0).map_err(|e| Error::new("enter", Object::Name(b"close fds"), Reason::Errno(e)))
}

/// Joins PID's cgroups and namespaces, and moves to the container's root.
/// Returns a pidfd of PID when its user namespace is left for the command
/// to join (`child::Plan::userns`; not closed on drop: PID 1's hardening
/// closes it, and the child its copy). Out of line: its path buffers are on
/// the stack only when entering.
#[inline(never)]
pub fn join<'a>(pid: i32) -> Result<'a, Option<sys::Fd>> {
    // The error line, built once for every step.
    let (object, reason) = match join_steps(pid) {
        Ok(userns) => return Ok(userns),
        Err(Failed::Pid(e)) => (Object::Num("pid ", pid as u64), Reason::Errno(e)),
        Err(Failed::Host) => (Object::Num("pid ", pid as u64), Reason::Text("not in a container: its mount and pid namespaces are nsinit's own")),
        Err(Failed::Cgroup(path, e)) => (Object::Typed(path, b"cgroup"), Reason::Errno(e)),
        Err(Failed::Root(e)) => (Object::Name(b"/"), Reason::Errno(e)),
    };
    Err(Error::new("enter", object, reason))
}

/// What failed in `join_steps`.
enum Failed {
    /// A step on PID (`enter: pid N: ERRNO`).
    Pid(Errno),
    /// PID is not in a container.
    Host,
    /// Joining a cgroup: the file named.
    Cgroup(&'static [u8], Errno),
    /// The move to the container's `/`.
    Root(Errno),
}

impl From<Errno> for Failed {
    fn from(e: Errno) -> Failed {
        Failed::Pid(e)
    }
}

fn join_steps(pid: i32) -> core::result::Result<Option<sys::Fd>, Failed> {
    if pid <= 0 {
        return Err(Failed::Pid(Errno::ESRCH));
    }
    // The pidfd first: whatever is read from /proc/PID afterwards is
    // checked to be still that process's before it counts (running, not a
    // zombie: a zombie's /proc/PID/cgroup shows the root cgroups).
    let pidfd = OwnedFd::new(sys::pidfd_open(pid)?);
    let flags = differing(pid)?;
    // A PID in both nsinit's mount and pid namespaces is a host process —
    // say the number of an init that has ended, reused: "entering" it would
    // run the command on the host, its cwd the host's root. A container has
    // a mount or a pid namespace of its own (scripts/run, runc and crun
    // give it both; runc accepts a config without the mount one).
    if flags & (libc::CLONE_NEWNS | libc::CLONE_NEWPID) as u32 == 0 {
        return Err(Failed::Host);
    }
    cgroups::join(pid).map_err(|(path, e)| Failed::Cgroup(path, e))?;
    sys::pidfd_alive(pidfd.fd())?;
    let user = libc::CLONE_NEWUSER as u32;
    let mut deferred = false;
    if flags & user != 0 {
        // All but the user namespace, from outside it (see the module doc).
        // EPERM: not privileged over them from here, so the user namespace
        // is joined first, below; EINVAL: a kernel without setns on a pidfd,
        // one at a time below. Either way nothing was joined (all or nothing).
        match sys::setns(pidfd.fd(), flags & !user) {
            Ok(()) => deferred = true,
            Err(Errno::EPERM | Errno::EINVAL) => {}
            Err(e) => return Err(Failed::Pid(e)),
        }
    }
    if flags != 0 && !deferred {
        match sys::setns(pidfd.fd(), flags) {
            Ok(()) => {}
            // Before Linux 5.8 setns takes no pidfd: one namespace at a time.
            Err(Errno::EINVAL) => one_by_one(pid, pidfd.fd(), flags)?,
            Err(e) => return Err(Failed::Pid(e)),
        }
    }
    // The container's root (setns into a mount namespace moves there too;
    // without one, nsinit's own root): never a host directory.
    sys::chdir(c"/").map_err(Failed::Root)?;
    Ok(deferred.then(|| pidfd.keep()))
}

/// The CLONE_NEW* flags of PID's namespaces that are not nsinit's own
/// (nsfs inodes compared). A namespace this kernel lacks (we have no link
/// for it either) is skipped; PID's link missing where ours exists means
/// PID has exited: a zombie keeps only its user and pid links, and
/// entering what is left of it would run the command outside (ESRCH).
fn differing(pid: i32) -> core::result::Result<u32, Errno> {
    let mut flags = 0u32;
    for (name, flag) in NAMESPACES {
        let name = name.as_bytes();
        let (mut tb, mut ob) = ([0u8; 64], [0u8; 64]);
        let ours: &[u8] = if flag & FOR_CHILDREN != 0 { b"_for_children" } else { b"" };
        let o = match sys::fstatat(sys::AT_FDCWD, ns_path(&mut ob, 0, name, ours)?, 0) {
            Err(Errno::ENOENT) => continue,
            r => r?,
        };
        let t = match sys::fstatat(sys::AT_FDCWD, ns_path(&mut tb, pid, name, b"")?, 0) {
            Err(Errno::ENOENT) => return Err(Errno::ESRCH),
            r => r?,
        };
        if (t.st_dev, t.st_ino) != (o.st_dev, o.st_ino) {
            flags |= flag as u32;
        }
    }
    Ok(flags)
}

/// setns with /proc/PID/ns/* descriptors, all opened before the first join
/// (after joining the mount namespace, /proc is the container's), and
/// opened while PID still ran (the pid number is reused once it is reaped).
fn one_by_one(pid: i32, pidfd: sys::Fd, flags: u32) -> core::result::Result<(), Errno> {
    let mut fds: [Option<OwnedFd>; 8] = Default::default();
    for (slot, (name, flag)) in fds.iter_mut().zip(NAMESPACES) {
        if flags & flag as u32 != 0 {
            let mut b = [0u8; 64];
            *slot = Some(OwnedFd::new(sys::openat(sys::AT_FDCWD, ns_path(&mut b, pid, name.as_bytes(), b"")?, libc::O_RDONLY, 0)?));
        }
    }
    sys::pidfd_alive(pidfd)?;
    for (fd, (_, flag)) in fds.iter().zip(NAMESPACES) {
        if let Some(fd) = fd {
            sys::setns(fd.fd(), flag as u32)?;
        }
    }
    Ok(())
}

/// `/proc/<pid>/ns/<name><suffix>`, or `/proc/self/ns/...` for pid 0.
fn ns_path<'b>(buf: &'b mut [u8; 64], pid: i32, name: &[u8], suffix: &[u8]) -> core::result::Result<&'b CStr, Errno> {
    let mut d = [0u8; 20];
    let who: &[u8] = if pid == 0 { b"self" } else { crate::text::decimal(pid as u64, &mut d) };
    crate::resolve::concat(buf, &[b"/proc/", who, b"/ns/", name, suffix])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_paths() {
        let mut b = [0u8; 64];
        assert_eq!(ns_path(&mut b, 42, b"user", b"").unwrap().to_bytes(), b"/proc/42/ns/user");
        assert_eq!(ns_path(&mut b, 0, b"pid", b"_for_children").unwrap().to_bytes(), b"/proc/self/ns/pid_for_children");
        assert_eq!(ns_path(&mut b, 2147483647, b"mnt", b"").unwrap().to_bytes(), b"/proc/2147483647/ns/mnt");
    }

    #[test]
    fn the_user_namespace_comes_first() {
        let ns: Vec<_> = NAMESPACES.iter().map(|&(n, f)| (n.as_bytes(), f)).collect();
        assert_eq!(ns[0], (&b"user"[..], libc::CLONE_NEWUSER));
        assert_eq!(ns[2], (&b"pid"[..], libc::CLONE_NEWPID));
        assert_eq!(ns[7], (&b"time"[..], CLONE_NEWTIME));
        let all = ns.iter().fold(0, |a, n| a | n.1);
        assert_eq!(all.count_ones(), 8);
        // Only pid and time are joined for the children.
        let later: Vec<_> = ns.iter().filter(|n| n.1 & FOR_CHILDREN != 0).map(|n| n.0).collect();
        assert_eq!(later, [&b"pid"[..], b"time"]);
    }
}
