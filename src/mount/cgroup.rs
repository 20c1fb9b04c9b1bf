//! A `type: cgroup` mount, handled as runc does: runc never passes it to
//! mount(2) as is, it gives the container its own cgroup hierarchy.
//!
//! - Unified host (cgroup2 at /sys/fs/cgroup): with a new cgroup namespace a
//!   fresh cgroup2 mount (its root is the container's cgroup), no /proc file
//!   read; without one, the container's own cgroup directory (from
//!   /proc/self/cgroup, below the root of the host's mount in
//!   /proc/self/mountinfo) bound at the destination.
//! - v1 or hybrid host: a tmpfs at the destination, and in it each cgroup
//!   hierarchy of the host (from /proc/self/mountinfo) bound from the
//!   container's own cgroup in that hierarchy (from /proc/self/cgroup) — or,
//!   with a new cgroup namespace, mounted afresh (`mount_fresh`) — with
//!   symlinks for co-mounted controllers (`cpu -> cpu,cpuacct`).
//!
//! Read-only when asked, with the other flags: one recursive mount_setattr
//! on the whole tree at the end.
//! The parsing is pure and unit-tested; the rest is a straight run of mounts.

use super::{AT_RECURSIVE, MOVE_MOUNT_F_EMPTY_PATH, MOVE_MOUNT_T_EMPTY_PATH, OPEN_TREE_CLONE, finish};
use core::ffi::CStr;
use super::options::flags_to_attrs;
use crate::diag::{self, Error, Object, Reason};
use crate::cgroups::{Hierarchy, hierarchies, own_line, own_path, read_proc};
use crate::resolve::{self, Kind, concat, cpath};
use crate::spec::{Mount, Spec};
use crate::sys::{self, Errno, Fd, OwnedFd, cell::Once};
use libc::{MS_BIND, MS_RDONLY, MS_REC};

use crate::cgroups::{CGROUP2_SUPER_MAGIC, HOST_CGROUP};

/// /proc/self/mountinfo and /proc/self/cgroup, read once.
struct ProcFiles {
    mountinfo: [u8; 64 * 1024],
    cgroup: [u8; 8 * 1024],
}
static PROC: Once<ProcFiles> = Once::new(ProcFiles { mountinfo: [0; 64 * 1024], cgroup: [0; 8 * 1024] });

pub fn apply<'a>(root: Fd, spec: &Spec<'a>, m: &Mount<'a>) -> diag::Result<'a, ()> {
    let obj = Object::Typed(m.destination.to_bytes(), b"cgroup");
    let files = PROC.take().ok_or(Error::new("mount", obj, Reason::Text("only one cgroup mount is supported")))?;
    // Every failure below is this mount's: one error, built here.
    mount_tree(root, spec, m, files).map_err(|e| Error::new("mount", obj, Reason::Errno(e)))
}

/// The hierarchy at `m`'s destination (see the module's comment).
fn mount_tree(root: Fd, spec: &Spec, m: &Mount, files: &mut ProcFiles) -> Result<(), Errno> {
    let dest = m.destination.to_bytes();
    let ro = m.options.flags & MS_RDONLY != 0;
    // nosuid, nodev, noexec and the like apply to every mount made here; the
    // tmpfs is mounted writable to be filled, and made read-only at the end.
    let flags = m.options.flags & !(MS_BIND | MS_REC | MS_RDONLY);
    let target = resolve::ensure(root, dest, Kind::Dir)?;
    let host = sys::openat(sys::AT_FDCWD, c"/sys/fs/cgroup", libc::O_PATH | libc::O_DIRECTORY, 0).map(OwnedFd::new);
    let unified = match &host {
        Ok(h) => sys::fstatfs(h.fd())?.fs_type == CGROUP2_SUPER_MAGIC,
        Err(_) => false,
    };
    let cgroupns = spec.linux.new_namespaces & libc::CLONE_NEWCGROUP as u32 != 0;
    // The mount made at the destination, for the flags at the end: the
    // tmpfs holding the v1 hierarchies, or (unified) opened once mounted.
    let made = if unified && cgroupns {
        let f = flags | if ro { MS_RDONLY } else { 0 };
        super::mount_on(Some(c"cgroup2"), &target, Some(c"cgroup2"), f, None)?;
        None
    } else {
        let mountinfo = read_proc(c"/proc/self/mountinfo", &mut files.mountinfo)?;
        let cgroup = read_proc(c"/proc/self/cgroup", &mut files.cgroup)?;
        let made = if unified {
            // Our cgroup (the `0::` line) below the root of the mount at
            // /sys/fs/cgroup, which is not `/` when that is itself a bind
            // of a cgroup (nsinit or systemd-nspawn without a cgroup
            // namespace, one level up): the topmost mount there.
            let own = own_path(cgroup, b"").ok_or(Errno::ENOENT)?;
            let mut top: &[u8] = b"/";
            for h in hierarchies(mountinfo) {
                if h.mount_point == HOST_CGROUP {
                    top = h.root;
                }
            }
            bind_hierarchy(HOST_CGROUP, top, own, target.fd(), c"")?;
            None
        } else {
            super::mount_on(Some(c"tmpfs"), &target, Some(c"tmpfs"), flags, Some(c"mode=755"))?;
            let tmpfs = resolve::open(root, m.destination.get(), Kind::Dir)?;
            for h in hierarchies(mountinfo) {
                let name = h.name();
                let (ctrls, own) = own_line(cgroup, h.controllers()).ok_or(Errno::ENOENT)?;
                let mut nbuf = [0u8; 256];
                let cname = cpath(&mut nbuf, name)?;
                match sys::mkdirat(tmpfs.fd(), cname, 0o755) {
                    Ok(()) | Err(Errno::EEXIST) => {}
                    Err(e) => return Err(e),
                }
                // `cname` is one component (the last of a mount point), looked
                // up in the fresh tmpfs only nsinit has written to; move_mount
                // follows no symlink there (no MOVE_MOUNT_T_SYMLINKS).
                if cgroupns {
                    mount_fresh(&h, ctrls, tmpfs.fd(), cname, flags)?;
                } else {
                    bind_hierarchy(h.mount_point, h.root, own, tmpfs.fd(), cname)?;
                }
                // Co-mounted controllers (`cpu,cpuacct`) get a link per name.
                if name.contains(&b',') {
                    for part in name.split(|&c| c == b',') {
                        let mut lbuf = [0u8; 256];
                        if let Ok(link) = cpath(&mut lbuf, part) {
                            match sys::symlinkat(cname, tmpfs.fd(), link) {
                                Ok(()) | Err(Errno::EEXIST) => {}
                                Err(e) => return Err(e),
                            }
                        }
                    }
                }
            }
            Some(tmpfs)
        };
        crate::sys::cell::release(&mut files.mountinfo);
        crate::sys::cell::release(&mut files.cgroup);
        made
    };
    // The mount flags (nosuid, nodev, noexec, ro, atime) on the whole tree at
    // once: binds ignore them, and one recursive mount_setattr replaces a
    // remount per hierarchy.
    let mounted = match made {
        Some(fd) => fd,
        None => resolve::open(root, m.destination.get(), Kind::Dir)?,
    };
    let (set, clr) = flags_to_attrs(flags | if ro { MS_RDONLY } else { 0 });
    sys::mount_setattr(mounted.fd(), c"", (libc::AT_EMPTY_PATH | libc::AT_RECURSIVE) as u32, set, clr)?;
    finish(&mounted, m.options.propagation, m.options.rec_set, m.options.rec_clr)
}

/// In a new cgroup namespace, hierarchy `h` mounted afresh at `name` in
/// `dir`, as runc does there (mountCgroupV1 with cgroupns): the kernel roots
/// a mount made inside a cgroup namespace at the namespace's own cgroup, so
/// the container sees its cgroup and nothing above or beside it. A bind
/// cannot give that: /proc/self/cgroup then names our cgroup as `/`, and
/// mountinfo the host mount's root as `/..`, so the bind would show the
/// host's whole hierarchy (other containers' cgroups included). The data
/// is the hierarchy's controllers as /proc/self/cgroup lists them
/// (`cpu,cpuacct`, `name=systemd`), which selects the existing hierarchy;
/// its source is `systemd` for that one, `cgroup` otherwise, as runc's.
fn mount_fresh(h: &Hierarchy, ctrls: &[u8], dir: Fd, name: &CStr, flags: u64) -> Result<(), Errno> {
    let target = OwnedFd::new(sys::openat(dir, name, libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC, 0)?);
    if h.is_v2() {
        return super::mount_on(Some(c"cgroup2"), &target, Some(c"cgroup2"), flags, None);
    }
    let mut dbuf = [0u8; 256];
    let data = cpath(&mut dbuf, ctrls)?;
    let source = if ctrls == b"name=systemd" { c"systemd" } else { c"cgroup" };
    super::mount_on(Some(source), &target, Some(c"cgroup"), flags, Some(data))
}

/// Binds `mount_point + (own - root)` of the host at `name` in `dir` (at
/// `dir` itself when `name` is empty), as `mount --rbind` would: a recursive
/// clone of the source (open_tree) attached at the target (move_mount).
/// Two syscalls on descriptors instead of an openat2 of the target and a
/// mount(2) through its /proc/self/fd path: 10 hierarchies in 133 µs
/// instead of 163 (a C loop of both in fresh mount namespaces, medians).
fn bind_hierarchy(mount_point: &[u8], root: &[u8], own: &[u8], dir: Fd, name: &CStr) -> Result<(), Errno> {
    let mut sbuf = [0u8; libc::PATH_MAX as usize];
    // Our cgroup below the mount's root, component by component: `/ab/x`
    // is not below `/a` (that would be a sibling's). A cgroup outside the
    // mount's root cannot be shown by a bind of it.
    let base = root.strip_suffix(b"/").unwrap_or(root);
    let rel = match own.strip_prefix(base) {
        Some(r) if r.is_empty() || r.starts_with(b"/") => r,
        _ => return Err(Errno::ENOENT),
    };
    let src = concat(&mut sbuf, &[mount_point, b"/", rel])?;
    let tree = OwnedFd::new(sys::open_tree(sys::AT_FDCWD, src, OPEN_TREE_CLONE | AT_RECURSIVE)?);
    let to_self = if name.is_empty() { MOVE_MOUNT_T_EMPTY_PATH } else { 0 };
    sys::move_mount(tree.fd(), c"", dir, name, MOVE_MOUNT_F_EMPTY_PATH | to_self)
}
