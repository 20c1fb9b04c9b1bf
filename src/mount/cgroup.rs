//! A `type: cgroup` mount, handled as runc does: runc never passes it to
//! mount(2) as is, it gives the container its own cgroup hierarchy.
//!
//! - Unified host (cgroup2 at /sys/fs/cgroup): with a new cgroup namespace a
//!   fresh cgroup2 mount (its root is the container's cgroup); without one,
//!   the container's own cgroup directory bound at the destination.
//! - v1 or hybrid host: a tmpfs at the destination, and in it each cgroup
//!   hierarchy of the host (from /proc/self/mountinfo) bound from the
//!   container's own cgroup in that hierarchy (from /proc/self/cgroup), with
//!   symlinks for co-mounted controllers (`cpu -> cpu,cpuacct`).
//!
//! Read-only when asked: each bind and the tmpfs are remounted read-only.
//! The parsing is pure and unit-tested; the rest is a straight run of mounts.

use super::finish;
use super::options::flags_to_attrs;
use crate::diag::{self, Error, Object, Reason};
use crate::resolve::{self, Kind, cpath};
use crate::spec::{Mount, Spec};
use crate::sys::{self, Errno, Fd, OwnedFd, cell::Once};
use libc::{MS_BIND, MS_RDONLY, MS_REC};

const CGROUP2_SUPER_MAGIC: u64 = 0x6367_7270;
const HOST_CGROUP: &[u8] = b"/sys/fs/cgroup";

/// /proc/self/mountinfo and /proc/self/cgroup, read once.
struct ProcFiles {
    mountinfo: [u8; 64 * 1024],
    cgroup: [u8; 8 * 1024],
}
static PROC: Once<ProcFiles> = Once::new(ProcFiles { mountinfo: [0; 64 * 1024], cgroup: [0; 8 * 1024] });

pub fn apply<'a>(root: Fd, spec: &Spec<'a>, m: &Mount<'a>) -> diag::Result<'a, ()> {
    let dest = m.destination.to_bytes();
    let obj = Object::Typed(dest, b"cgroup");
    let at = |e: Errno| Error::new("mount", obj, Reason::Errno(e));
    let files = PROC.take().ok_or(Error::new("mount", obj, Reason::Text("only one cgroup mount is supported")))?;
    let mountinfo = read_proc(c"/proc/self/mountinfo", &mut files.mountinfo).map_err(at)?;
    let cgroup = read_proc(c"/proc/self/cgroup", &mut files.cgroup).map_err(at)?;
    let ro = m.options.flags & MS_RDONLY != 0;
    // nosuid, nodev, noexec and the like apply to every mount made here; the
    // tmpfs is mounted writable to be filled, and made read-only at the end.
    let flags = m.options.flags & !(MS_BIND | MS_REC | MS_RDONLY);
    let target = resolve::ensure(root, dest, Kind::Dir).map_err(at)?;
    let host = sys::openat(sys::AT_FDCWD, c"/sys/fs/cgroup", libc::O_PATH | libc::O_DIRECTORY, 0).map(OwnedFd::new);
    let unified = match &host {
        Ok(h) => sys::fstatfs(h.fd()).map_err(at)?.fs_type == CGROUP2_SUPER_MAGIC,
        Err(_) => false,
    };
    let mut pbuf = [0u8; 32];
    // The mount made at the destination, for the flags at the end: the
    // tmpfs holding the v1 hierarchies, or (unified) opened once mounted.
    let made = if unified {
        if spec.linux.new_namespaces & libc::CLONE_NEWCGROUP as u32 != 0 {
            let f = flags | if ro { MS_RDONLY } else { 0 };
            sys::mount(Some(c"cgroup2"), target.proc_path(&mut pbuf), Some(c"cgroup2"), f, None).map_err(at)?;
        } else {
            let own = own_path(cgroup, b"").ok_or(at(Errno::ENOENT))?;
            bind_hierarchy(HOST_CGROUP, b"/", own, &target).map_err(at)?;
        }
        None
    } else {
        sys::mount(Some(c"tmpfs"), target.proc_path(&mut pbuf), Some(c"tmpfs"), flags, Some(c"mode=755")).map_err(at)?;
        let tmpfs = resolve::open(root, m.destination.get(), Kind::Dir).map_err(at)?;
        for h in hierarchies(mountinfo) {
            let name = h.name();
            let own = own_path(cgroup, h.controllers()).ok_or(at(Errno::ENOENT))?;
            let mut nbuf = [0u8; 256];
            let cname = cpath(&mut nbuf, name).map_err(at)?;
            match sys::mkdirat(tmpfs.fd(), cname, 0o755) {
                Ok(()) | Err(Errno::EEXIST) => {}
                Err(e) => return Err(at(e)),
            }
            // RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: the name stays in the tmpfs.
            let sub = resolve::openat2(tmpfs.fd(), cname, libc::O_PATH | libc::O_DIRECTORY, 0, 0x08 | 0x02).map(OwnedFd::new).map_err(at)?;
            bind_hierarchy(h.mount_point, h.root, own, &sub).map_err(at)?;
            // Co-mounted controllers (`cpu,cpuacct`) get a link per name.
            if name.contains(&b',') {
                for part in name.split(|&c| c == b',') {
                    let mut lbuf = [0u8; 256];
                    if let Ok(link) = cpath(&mut lbuf, part) {
                        match sys::symlinkat(cname, tmpfs.fd(), link) {
                            Ok(()) | Err(Errno::EEXIST) => {}
                            Err(e) => return Err(at(e)),
                        }
                    }
                }
            }
        }
        Some(tmpfs)
    };
    // The mount flags (nosuid, nodev, noexec, ro, atime) on the whole tree at
    // once: binds ignore them, and one recursive mount_setattr replaces a
    // remount per hierarchy.
    crate::sys::cell::release(&mut files.mountinfo);
    crate::sys::cell::release(&mut files.cgroup);
    let mounted = match made {
        Some(fd) => fd,
        None => resolve::open(root, m.destination.get(), Kind::Dir).map_err(at)?,
    };
    let (set, clr) = flags_to_attrs(flags | if ro { MS_RDONLY } else { 0 });
    sys::mount_setattr(mounted.fd(), c"", (libc::AT_EMPTY_PATH | libc::AT_RECURSIVE) as u32, set, clr).map_err(at)?;
    finish(&mounted, m.options.propagation, m.options.rec_set, m.options.rec_clr).map_err(at)
}

/// Binds `mount_point + (own - root)` of the host onto `target`.
fn bind_hierarchy(mount_point: &[u8], root: &[u8], own: &[u8], target: &OwnedFd) -> Result<(), Errno> {
    let mut sbuf = [0u8; libc::PATH_MAX as usize];
    let rel = own.strip_prefix(root.strip_suffix(b"/").unwrap_or(root)).unwrap_or(own);
    let src = concat(&mut sbuf, &[mount_point, b"/", rel])?;
    let mut pbuf = [0u8; 32];
    sys::mount(Some(src), target.proc_path(&mut pbuf), None, MS_BIND | MS_REC, None)
}

/// The parts joined, NUL-terminated in `buf`.
fn concat<'b>(buf: &'b mut [u8], parts: &[&[u8]]) -> Result<&'b core::ffi::CStr, Errno> {
    let mut len = 0;
    for p in parts {
        buf.get_mut(len..len + p.len()).ok_or(Errno::ENAMETOOLONG)?.copy_from_slice(p);
        len += p.len();
    }
    *buf.get_mut(len).ok_or(Errno::ENAMETOOLONG)? = 0;
    core::ffi::CStr::from_bytes_with_nul(buf.get(..=len).unwrap_or(&[])).map_err(|_| Errno::EINVAL)
}

/// Reads a small /proc file whole.
fn read_proc<'b>(path: &core::ffi::CStr, buf: &'b mut [u8]) -> Result<&'b [u8], Errno> {
    let fd = OwnedFd::new(sys::openat(sys::AT_FDCWD, path, libc::O_RDONLY, 0)?);
    let mut len = 0;
    loop {
        let room = buf.get_mut(len..).ok_or(Errno::EFBIG)?;
        if room.is_empty() {
            return Err(Errno::EFBIG);
        }
        match sys::read(fd.fd(), room) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(buf.get(..len).unwrap_or(&[]))
}

/// A cgroup hierarchy mounted on the host under /sys/fs/cgroup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hierarchy<'b> {
    /// Where the host mounts it, e.g. `/sys/fs/cgroup/cpu`.
    pub mount_point: &'b [u8],
    /// The cgroup the mount shows as its root (mountinfo field 4).
    pub root: &'b [u8],
    /// `cgroup` or `cgroup2`.
    pub fstype: &'b [u8],
    /// Super options, e.g. `rw,cpu` or `rw,name=systemd`.
    pub options: &'b [u8],
}

impl<'b> Hierarchy<'b> {
    /// The directory name under the destination: `cpu`, `systemd`, `unified`.
    pub fn name(&self) -> &'b [u8] {
        resolve::split_last(self.mount_point).1
    }

    /// What identifies it in /proc/self/cgroup: the controllers (and
    /// `name=`) of a v1 hierarchy; empty for cgroup2.
    pub fn controllers(&self) -> &'b [u8] {
        if self.fstype == b"cgroup2" { b"" } else { self.options }
    }
}

/// The cgroup mounts directly under /sys/fs/cgroup in a mountinfo text.
pub fn hierarchies(mountinfo: &[u8]) -> impl Iterator<Item = Hierarchy<'_>> {
    mountinfo.split(|&c| c == b'\n').filter_map(|line| {
        let mut f = line.split(|&c| c == b' ');
        let root = f.nth(3)?;
        let mount_point = f.next()?;
        // Optional fields end at "-".
        let mut rest = f.skip_while(|x| *x != b"-");
        rest.next()?;
        let fstype = rest.next()?;
        let _source = rest.next()?;
        let options = rest.next()?;
        let parent = resolve::split_last(mount_point).0;
        let cg = fstype == b"cgroup" || fstype == b"cgroup2";
        (cg && parent == HOST_CGROUP).then_some(Hierarchy { mount_point, root, fstype, options })
    })
}

/// The path of our cgroup in the hierarchy identified by `controllers`
/// (its super options; empty for cgroup2), from /proc/self/cgroup: the line
/// whose controllers are all among the options, the one naming most of them
/// when several do (`cpu` vs `cpu,cpuacct`).
pub fn own_path<'b>(cgroup: &'b [u8], controllers: &[u8]) -> Option<&'b [u8]> {
    let mut best: Option<(usize, &'b [u8])> = None;
    for line in cgroup.split(|&c| c == b'\n') {
        let mut f = line.splitn(3, |&c| c == b':');
        let (Some(_id), Some(ctrls), Some(path)) = (f.next(), f.next(), f.next()) else { continue };
        let n = if ctrls.is_empty() { 0 } else { ctrls.split(|&c| c == b',').count() };
        let matches = if controllers.is_empty() {
            ctrls.is_empty()
        } else {
            n > 0 && ctrls.split(|&c| c == b',').all(|c| controllers.split(|&o| o == b',').any(|o| o == c))
        };
        if matches && best.is_none_or(|(m, _)| n > m) {
            best = Some((n, path));
        }
    }
    best.map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
23 1 0:21 / /sys rw,nosuid - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 /docker /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:5 - cgroup cgroup rw,cpu,cpuacct
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
50 41 0:39 / /sys/fs/cgroup/unified/sub rw - cgroup2 cgroup2 rw
";
    const CGROUP: &str = "\
9:name=systemd:/user.slice
4:memory:/a/b
2:cpu,cpuacct:/docker/c1
1:cpu:/x
0::/unified/path
";

    #[test]
    fn finds_hierarchies() {
        let hs: Vec<_> = hierarchies(MOUNTINFO.as_bytes()).collect();
        let names: Vec<_> = hs.iter().map(|h| std::str::from_utf8(h.name()).unwrap()).collect();
        assert_eq!(names, ["cpu", "cpu,cpuacct", "systemd", "unified"]);
        assert_eq!(hs[1].root, b"/docker");
        assert_eq!(hs[3].controllers(), b"");
    }

    #[test]
    fn finds_own_paths() {
        let c = CGROUP.as_bytes();
        assert_eq!(own_path(c, b"rw,name=systemd"), Some(&b"/user.slice"[..]));
        assert_eq!(own_path(c, b"rw,cpu,cpuacct"), Some(&b"/docker/c1"[..]));
        assert_eq!(own_path(c, b"rw,memory"), Some(&b"/a/b"[..]));
        assert_eq!(own_path(c, b"rw,cpu"), Some(&b"/x"[..]));
        assert_eq!(own_path(c, b""), Some(&b"/unified/path"[..]));
        assert_eq!(own_path(c, b"rw,pids"), None);
    }
}
