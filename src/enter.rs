//! `--enter PID`: joining a running container, as `runc exec` does, for a
//! command that is then confined by the spec's `process` exactly as a
//! container's workload is (`child`).
//!
//! nsinit opens PID's cgroups first, from the host's mount namespace where
//! /sys/fs/cgroup is the host's (the command writes itself into them: only
//! it goes in, as with `runc exec`; `cgroups::join`), then joins every namespace of PID that differs
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

/// The user namespace left for the command to join (`enter::join`).
#[derive(Clone, Copy)]
pub struct Outside {
    /// A pidfd of PID, whose user namespace the child joins
    /// (`child::Plan::userns`; not closed on drop: PID 1's hardening closes
    /// it, and the child its copy).
    pub pidfd: sys::Fd,
    /// The host uid and gid of the namespace's root (or, where it maps no 0,
    /// of the spec's user), as the child becomes them: what nsinit, host
    /// root, makes for the command (its stdio pipes, the pty's slave) is
    /// handed to them, as runc hands its pipes to the container's root
    /// (`InitializeIO`). Owned by host root, unmapped there, the command
    /// could not reopen its own stdio (`/proc/self/fd/1`), nor the child
    /// hand it to the spec's user. None when neither id is mapped (the
    /// child's switch fails then).
    pub owner: Option<(u32, u32)>,
}

/// What the command joins itself, in the child (`child::Plan`).
#[derive(Clone, Copy)]
pub struct Joined {
    /// PID's cgroups (`cgroups::join`): only the command goes in.
    pub cgroups: cgroups::Joins,
    /// PID's user namespace, when it is left for the command.
    pub outside: Option<Outside>,
}

/// Joins PID's namespaces, and moves to the container's root; opens PID's
/// cgroups for the command to join. Returns what the command joins itself
/// (`Joined`); `ids` are the spec's user's uid and gid. Out of line: its
/// path buffers are on the stack only when entering.
#[inline(never)]
pub fn join<'a>(pid: i32, ids: (u32, u32)) -> Result<'a, Joined> {
    // The error line, built once for every step.
    let (object, reason) = match join_steps(pid, ids) {
        Ok(joined) => return Ok(joined),
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

fn join_steps(pid: i32, ids: (u32, u32)) -> core::result::Result<Joined, Failed> {
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
    let cgroups = cgroups::join(pid).map_err(|(path, e)| Failed::Cgroup(path, e))?;
    sys::pidfd_alive(pidfd.fd())?;
    let user = libc::CLONE_NEWUSER as u32;
    let mut deferred = false;
    // Read from the host's /proc, before the mount namespace changes it.
    let owner = if flags & user != 0 { owner_of(pid, ids) } else { None };
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
    Ok(Joined { cgroups, outside: deferred.then(|| Outside { pidfd: pidfd.keep(), owner }) })
}

/// `Outside::owner` from PID's uid_map and gid_map: the host ids of 0, or
/// of `ids` where 0 is not mapped.
fn owner_of(pid: i32, (uid, gid): (u32, u32)) -> Option<(u32, u32)> {
    let host = |name: &[u8], id: u32| -> Option<u32> {
        let mut path = [0u8; 64];
        let p = proc_path(&mut path, pid, b"", name, b"").ok()?;
        let fd = OwnedFd::new(sys::openat(sys::AT_FDCWD, p, libc::O_RDONLY, 0).ok()?);
        host_id(fd.fd(), id)
    };
    Some((host(b"uid_map", uid)?, host(b"gid_map", gid)?))
}

/// The host id of 0 in the map open on `fd`, or else of `id`, from the
/// whole map. The kernel prints up to 340 ranges of 33 bytes each ("%10u
/// %10u %10u\n", user_namespace.c `uid_m_show`), 11 KiB: its first page
/// held 124 of them, and an id further down was not found (the command's
/// stdio stayed host root's). Read a page at a time, whole lines looked
/// up, the rest of a line kept for the next read.
fn host_id(fd: sys::Fd, id: u32) -> Option<u32> {
    let mut buf = [0u8; 4096];
    let (mut kept, mut other) = (0usize, None);
    loop {
        let n = sys::read(fd, buf.get_mut(kept..)?).ok()?;
        let end = kept.checked_add(n)?;
        let text = buf.get(..end)?;
        // At the end (n == 0) what is kept is a last line without "\n".
        let whole = if n == 0 { end } else { text.iter().rposition(|&c| c == b'\n').map_or(0, |p| p.saturating_add(1)) };
        let lines = text.get(..whole)?;
        if let Some(root) = map_id(lines, 0) {
            return Some(root);
        }
        other = other.or_else(|| map_id(lines, id));
        if n == 0 {
            return other;
        }
        buf.copy_within(whole..end, 0);
        kept = end.checked_sub(whole)?;
        // A line as long as the buffer is no map's.
        if kept == buf.len() {
            return None;
        }
    }
}

/// The id outside that `id` inside maps to in a uid_map or gid_map text
/// (lines of "inside outside count"), if any line maps it.
fn map_id(map: &[u8], id: u32) -> Option<u32> {
    map.split(|&c| c == b'\n').find_map(|line| {
        let mut f = line.split(|&c| c == b' ' || c == b'\t').filter(|w| !w.is_empty()).map(crate::text::parse_u32);
        let (inside, outside, count) = (f.next()??, f.next()??, f.next()??);
        let off = id.checked_sub(inside).filter(|&o| o < count)?;
        outside.checked_add(off)
    })
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
    proc_path(buf, pid, b"ns/", name, suffix)
}

/// `/proc/<pid>/<dir><name><suffix>`, or `/proc/self/...` for pid 0.
fn proc_path<'b>(buf: &'b mut [u8; 64], pid: i32, dir: &[u8], name: &[u8], suffix: &[u8]) -> core::result::Result<&'b CStr, Errno> {
    let mut d = [0u8; 20];
    let who: &[u8] = if pid == 0 { b"self" } else { crate::text::decimal(pid as u64, &mut d) };
    crate::resolve::concat(buf, &[b"/proc/", who, b"/", dir, name, suffix])
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
    fn ids_map_as_the_kernel_reads_uid_map() {
        let map = b"         0      41000          1\n      1000     100000      65536\n";
        let rows: &[(&[u8], u32, Option<u32>)] = &[
            (map, 0, Some(41000)),
            (map, 1, None),
            (map, 999, None),
            (map, 1000, Some(100000)),
            (map, 66535, Some(165535)),
            (map, 66536, None),
            (b"0 0 4294967295\n", 4294967294, Some(4294967294)),
            (b"0 4294967295 2\n", 1, None),
            (b"", 0, None),
            (b"0 x 1\n0 7 1", 0, Some(7)),
        ];
        for (m, id, want) in rows {
            assert_eq!(map_id(m, *id), *want, "{:?} {id}", String::from_utf8_lossy(m));
        }
    }

    /// `host_id` over a whole map as the kernel prints it, 340 lines of 33
    /// bytes (a page holds 124; line 125 straddles the first page's end).
    #[test]
    fn ids_are_found_anywhere_in_a_long_map() {
        let text: String = (0..340u32).map(|i| format!("{:>10} {:>10} {:>10}\n", 1000 + i, 200000 + i, 1)).collect();
        let zero_last: String = text.clone() + &format!("{:>10} {:>10} {:>10}", 0, 7, 1);
        let rows: &[(&str, u32, Option<u32>)] =
            &[(&text, 1000, Some(200000)), (&text, 1124, Some(200124)), (&text, 1339, Some(200339)), (&text, 1340, None), (&zero_last, 1339, Some(7))];
        for (map, id, want) in rows {
            let (r, w) = sys::pipe().unwrap();
            assert_eq!(sys::write(w, map.as_bytes()).unwrap(), map.len());
            drop(OwnedFd::new(w));
            let r = OwnedFd::new(r);
            assert_eq!(host_id(r.fd(), *id), *want, "id {id}");
        }
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
