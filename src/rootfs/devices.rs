//! `/dev`: the spec's `linux.devices`, and — unless `/dev` is bound from the
//! host — the devices every runtime provides (null, zero, full, random,
//! urandom, tty), the usual symlinks (fd, stdin, stdout, stderr, ptmx) and,
//! with `process.terminal`, `/dev/console`: runc and crun make them whether
//! `/dev` is a fresh tmpfs or the image's own directory. A `/dev` bound
//! from the host is left alone (runc: no device setup then).
//!
//! A device is made with mknod; where that is not permitted (a user
//! namespace) the host's device at the same path is bound over an empty
//! file instead. Every node is made in a directory that in-root resolution
//! opened, and only a node made here is chowned, through a descriptor of
//! that very node: nothing the image or the spec names can lead a chown
//! outside the root (a device `/..` once chowned the host directory
//! holding it).

use crate::resolve::{self, Kind, cpath, split_last};
use super::{MOVE_MOUNT_F_EMPTY_PATH, OPEN_TREE_CLONE};
use crate::diag::{self, Error, Object, Reason, Result};
use crate::spec::{Device, Spec, Str};
use crate::sys::{self, Errno, Fd, OwnedFd};
use core::ffi::CStr;

/// The default devices (runc's `DefaultSimpleDevices` plus tty).
const DEFAULTS: [(&CStr, u32, u32); 6] =
    [(c"/dev/null", 1, 3), (c"/dev/zero", 1, 5), (c"/dev/full", 1, 7), (c"/dev/random", 1, 8), (c"/dev/urandom", 1, 9), (c"/dev/tty", 5, 0)];

/// Links in /dev: (name, target).
const LINKS: [(&CStr, &CStr); 5] = [
    (c"fd", c"/proc/self/fd"),
    (c"stdin", c"/proc/self/fd/0"),
    (c"stdout", c"/proc/self/fd/1"),
    (c"stderr", c"/proc/self/fd/2"),
    (c"ptmx", c"pts/ptmx"),
];

pub fn create<'a>(root: Fd, spec: &Spec<'a>) -> Result<'a, ()> {
    let dev = spec.mounts.iter().rev().find(|m| m.destination.to_bytes() == b"/dev");
    let bound = dev.is_some_and(|m| m.options.is_bind() || m.fstype.is_some_and(|t| t.to_bytes() == b"bind"));
    if bound {
        return Ok(());
    }
    // Without a root of its own nsinit was injected into a container its
    // runtime set up: its /dev is the runtime's business.
    let defaults = spec.root.path.is_some();
    if spec.linux.devices.is_empty() && !defaults {
        return Ok(());
    }
    // At the start, as every step's trace line: the time until the next
    // line is this step's.
    diag::trace("devices", Object::Name(b"/dev"));
    // Modes are exactly as asked: no umask on device nodes (runc: umask 0).
    let old = sys::umask_get_set(0);
    // What is being made, for the error line: the step and the path or name.
    let mut what: (&'static str, &'a [u8]) = ("device", b"");
    let r = make_all(root, spec, defaults, &mut what);
    sys::umask(old);
    // One error line, built here: `device: PATH: ERRNO` or `dev symlink: NAME: ERRNO`.
    r.map_err(|e| Error::new(what.0, Object::Name(what.1), Reason::Errno(e)))
}

fn make_all<'a>(root: Fd, spec: &Spec<'a>, defaults: bool, what: &mut (&'static str, &'a [u8])) -> core::result::Result<(), Errno> {
    for d in &spec.linux.devices {
        what.1 = d.path.to_bytes();
        make(root, d)?;
    }
    if !defaults {
        return Ok(());
    }
    what.1 = b"/dev";
    let dev = resolve::ensure(root, b"/dev", Kind::Dir)?;
    for &(path, major, minor) in &DEFAULTS {
        let path_bytes = path.to_bytes();
        if spec.linux.devices.iter().any(|d| d.path.to_bytes() == path_bytes) {
            continue;
        }
        what.1 = path_bytes;
        let d = Device { path: Str::new(path), kind: libc::S_IFCHR, major: major.into(), minor: minor.into(), file_mode: Some(0o666), uid: None, gid: None };
        make_in(root, &dev, split_last(path_bytes).1, &d)?;
    }
    for &(n, t) in &LINKS {
        *what = ("dev symlink", n.to_bytes());
        if n.to_bytes() == b"ptmx" {
            // A ptmx node from the image would bypass the devpts instance.
            match sys::unlinkat(dev.fd(), n, 0) {
                Ok(()) | Err(Errno::ENOENT) => {}
                Err(e) => return Err(e),
            }
        }
        match sys::symlinkat(t, dev.fd(), n) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(e),
        }
    }
    if spec.process.terminal && sys::isatty(0) {
        *what = ("device", b"/dev/console");
        console(root)?;
    }
    Ok(())
}

/// `/dev/console`: the terminal nsinit was given on stdin, bound over an
/// empty file, as runc and crun bind the container's pty there. The bind is
/// made from the terminal's path (`/proc/self/fd/0`'s target, checked to be
/// the same device): stdin itself was opened in the parent's mount
/// namespace, whose mounts the kernel will not clone into this one.
fn console(root: Fd) -> core::result::Result<(), Errno> {
    let mut buf = [0u8; 256];
    let name = sys::readlinkat(sys::AT_FDCWD, c"/proc/self/fd/0", &mut buf)?;
    let mut pbuf = [0u8; 258];
    let path = cpath(&mut pbuf, name)?;
    let tty = OwnedFd::new(sys::open_tree(sys::AT_FDCWD, path, OPEN_TREE_CLONE)?);
    if sys::fstat(tty.fd())?.st_rdev != sys::fstat(0)?.st_rdev {
        return Err(Errno::ENXIO);
    }
    let target = resolve::ensure(root, b"/dev/console", Kind::File)?;
    sys::move_mount(tty.fd(), c"", target.fd(), c"", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
}

/// move_mount(2): the target is `to_dirfd` itself.
const MOVE_MOUNT_T_EMPTY_PATH: u32 = 0x40;

/// makedev(3) for Linux's 32-bit major and minor.
pub fn makedev(major: u64, minor: u64) -> u64 {
    ((major & 0xffff_f000) << 32) | ((major & 0xfff) << 8) | ((minor & 0xffff_ff00) << 12) | (minor & 0xff)
}

/// Whether `st` is a node of type `kind` (S_IFCHR, S_IFBLK…) with these
/// numbers: the device named, not a file, a link or another device there.
pub fn is_node(st: &libc::stat, kind: u32, major: u64, minor: u64) -> bool {
    st.st_mode & libc::S_IFMT == kind && st.st_rdev == makedev(major, minor)
}

fn make(root: Fd, d: &Device) -> core::result::Result<(), Errno> {
    let (dir, name) = split_last(d.path.to_bytes());
    let parent = resolve::ensure(root, dir, Kind::Dir)?;
    make_in(root, &parent, name, d)
}

/// Makes `d` as `name` in the directory `parent`. `name` is one component
/// (the spec refuses `..`). A name that exists already is left as it is,
/// as runc does; only a node made here is chowned, through a descriptor of
/// that node (O_PATH, not following a symlink), checked to be what was made.
fn make_in(root: Fd, parent: &OwnedFd, name: &[u8], d: &Device) -> core::result::Result<(), Errno> {
    let mut nbuf = [0u8; 256];
    let cname = cpath(&mut nbuf, name)?;
    let mode = d.kind | d.file_mode.unwrap_or(0o666);
    match sys::mknodat(parent.fd(), cname, mode, makedev(d.major, d.minor)) {
        Ok(()) => {}
        Err(Errno::EEXIST) => return Ok(()),
        Err(Errno::EPERM) => {
            // No mknod here (user namespace): bind the host's device at
            // that path — only if it is that device. Any absolute path is a
            // device path in a spec, and a bind takes whatever is there
            // (runc 1.1 binds `/etc/...` of the host as well): checked on a
            // descriptor that does not follow a final symlink, and that
            // descriptor is what is bound.
            let host = OwnedFd::new(sys::openat(sys::AT_FDCWD, d.path.get(), libc::O_PATH | libc::O_NOFOLLOW, 0)?);
            let st = sys::fstat(host.fd())?;
            if !is_node(&st, d.kind, d.major, d.minor) {
                return Err(Errno::ENODEV);
            }
            let target = resolve::ensure(root, d.path.to_bytes(), Kind::File)?;
            let mut pbuf = [0u8; 32];
            crate::mount::bind_fd(host.proc_path(&mut pbuf), &target, 0)?;
            return Ok(());
        }
        Err(e) => return Err(e),
    }
    // A fresh node belongs to whoever made it: chown only to someone else.
    let (uid, gid) = (d.uid.unwrap_or(0), d.gid.unwrap_or(0));
    if (uid, gid) == (0, 0) && sys::geteuid() == 0 && sys::getegid() == 0 {
        return Ok(());
    }
    let node = OwnedFd::new(sys::openat(parent.fd(), cname, libc::O_PATH | libc::O_NOFOLLOW, 0)?);
    let st = sys::fstat(node.fd())?;
    if !is_node(&st, d.kind, d.major, d.minor) {
        return Err(Errno::EEXIST);
    }
    sys::fchownat(node.fd(), c"", uid, gid, libc::AT_EMPTY_PATH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makedev_matches_glibc() {
        assert_eq!(makedev(1, 3), 0x103);
        assert_eq!(makedev(5, 0), 0x500);
        assert_eq!(makedev(0x1234, 0x56789), 0x1000_5672_3489);
        assert_eq!(makedev(259, 0), (259 & 0xfff) << 8);
        assert_eq!(makedev(4096, 256), (1u64 << 44) | (1u64 << 20));
    }
}
