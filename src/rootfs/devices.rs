//! `/dev`: the spec's `linux.devices`, and — when `/dev` is a fresh tmpfs —
//! the devices every runtime provides (null, zero, full, random, urandom,
//! tty) and the usual symlinks (fd, stdin, stdout, stderr, ptmx), as runc and
//! crun do. A `/dev` bound from the host is left alone.
//!
//! A device is made with mknod; where that is not permitted (a user
//! namespace) the host's device at the same path is bound over an empty
//! file instead.

use super::resolve::{self, Kind, cpath, split_last};
use crate::diag::{self, Error, Object, Reason, Result};
use crate::spec::{Device, Spec, Str};
use crate::sys::{self, Errno, Fd};

/// The default devices (runc's `DefaultSimpleDevices` plus tty).
const DEFAULTS: [(&str, u64, u64); 6] =
    [("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7), ("/dev/random", 1, 8), ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0)];

/// Links in a fresh /dev: (name, target).
const LINKS: [(&str, &str); 5] = [
    ("fd", "/proc/self/fd"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"),
    ("ptmx", "pts/ptmx"),
];

pub fn create<'a>(root: Fd, spec: &Spec<'a>) -> Result<'a, ()> {
    let dev = spec.mounts.iter().rev().find(|m| m.destination.to_bytes() == b"/dev");
    let bound = dev.is_some_and(|m| m.options.is_bind() || m.fstype.is_some_and(|t| t.to_bytes() == b"bind"));
    if bound {
        return Ok(());
    }
    let fresh = dev.is_some_and(|m| m.fstype.is_some_and(|t| t.to_bytes() == b"tmpfs"));
    if spec.linux.devices.is_empty() && !fresh {
        return Ok(());
    }
    // Modes are exactly as asked: no umask on device nodes (runc: umask 0).
    let old = sys::umask_get_set(0);
    let r = make_all(root, spec, fresh);
    sys::umask(old);
    r
}

fn make_all<'a>(root: Fd, spec: &Spec<'a>, fresh: bool) -> Result<'a, ()> {
    for d in &spec.linux.devices {
        make(root, d).map_err(|e| Error::new("device", Object::Name(d.path.to_bytes()), Reason::Errno(e)))?;
    }
    if !fresh {
        return Ok(());
    }
    let dev = resolve::ensure(root, b"/dev", Kind::Dir).map_err(|e| Error::new("device", Object::Name(b"/dev"), Reason::Errno(e)))?;
    for (path, major, minor) in DEFAULTS {
        if spec.linux.devices.iter().any(|d| d.path.to_bytes() == path.as_bytes()) {
            continue;
        }
        let err = |e| Error::new("device", Object::Name(path.as_bytes()), Reason::Errno(e));
        let mut buf = [0u8; 32];
        let p = cpath(&mut buf, path.as_bytes()).map_err(err)?;
        let d = Device { path: Str::new(p), kind: libc::S_IFCHR, major, minor, file_mode: Some(0o666), uid: None, gid: None };
        make_in(root, &dev, split_last(path.as_bytes()).1, &d).map_err(err)?;
    }
    for (name, target) in LINKS {
        let (mut nb, mut tb) = ([0u8; 16], [0u8; 32]);
        let obj = Object::Name(name.as_bytes());
        let err = |e| Error::new("dev symlink", obj, Reason::Errno(e));
        let (n, t) = (cpath(&mut nb, name.as_bytes()).map_err(err)?, cpath(&mut tb, target.as_bytes()).map_err(err)?);
        if name == "ptmx" {
            // A ptmx node from the image would bypass the devpts instance.
            match sys::unlinkat(dev.fd(), n, 0) {
                Ok(()) | Err(Errno::ENOENT) => {}
                Err(e) => return Err(err(e)),
            }
        }
        match sys::symlinkat(t, dev.fd(), n) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(err(e)),
        }
    }
    diag::trace("devices", Object::Name(b"/dev"));
    Ok(())
}

/// makedev(3) for Linux's 32-bit major and minor.
pub fn makedev(major: u64, minor: u64) -> u64 {
    ((major & 0xffff_f000) << 32) | ((major & 0xfff) << 8) | ((minor & 0xffff_ff00) << 12) | (minor & 0xff)
}

fn make(root: Fd, d: &Device) -> core::result::Result<(), Errno> {
    let (dir, name) = split_last(d.path.to_bytes());
    let parent = resolve::ensure(root, dir, Kind::Dir)?;
    make_in(root, &parent, name, d)
}

/// Makes `d` as `name` in the directory `parent`.
fn make_in(root: Fd, parent: &sys::OwnedFd, name: &[u8], d: &Device) -> core::result::Result<(), Errno> {
    let mut nbuf = [0u8; 256];
    let cname = cpath(&mut nbuf, name)?;
    let mode = d.kind | d.file_mode.unwrap_or(0o666);
    match sys::mknodat(parent.fd(), cname, mode, makedev(d.major, d.minor)) {
        Ok(()) | Err(Errno::EEXIST) => {}
        Err(Errno::EPERM) => {
            // No mknod here (user namespace): bind the host's device.
            let target = resolve::ensure(root, d.path.to_bytes(), Kind::File)?;
            crate::mount::bind_fd(d.path.get(), &target, 0)?;
            return Ok(());
        }
        Err(e) => return Err(e),
    }
    // A fresh node belongs to whoever made it: chown only to someone else.
    let (uid, gid) = (d.uid.unwrap_or(0), d.gid.unwrap_or(0));
    if (uid, gid) == (0, 0) && sys::geteuid() == 0 && sys::getegid() == 0 {
        return Ok(());
    }
    sys::fchownat(parent.fd(), cname, uid, gid, libc::AT_SYMLINK_NOFOLLOW)
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
