//! Mounts: option parsing (pure, `options`), the container's cgroup
//! hierarchy (`cgroup`), and one spec mount applied inside the new root.

pub mod cgroup;
pub mod options;

use crate::diag::{self, Error, Object, Reason};
use crate::resolve::{self, Kind};
use crate::spec::{Mount, Spec, Str};
use crate::sys::{self, Errno, Fd, OwnedFd};
use core::ffi::CStr;
use libc::{MS_BIND, MS_REC, MS_REMOUNT};

/// Mount flags a bind remount keeps from the mount it changes when the
/// kernel has locked them (a user namespace cannot clear them): the ST_*
/// bits of statfs equal these MS_* bits.
const LOCKED: u64 = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC | libc::MS_NOATIME | libc::MS_NODIRATIME | libc::MS_RELATIME | libc::MS_RDONLY;

// The new mount API's flags (linux/mount.h, linux/fcntl.h).
pub const OPEN_TREE_CLONE: u32 = 1;
pub const AT_RECURSIVE: u32 = libc::AT_RECURSIVE as u32;
pub const AT_EMPTY_PATH: u32 = libc::AT_EMPTY_PATH as u32;
pub const MOVE_MOUNT_F_EMPTY_PATH: u32 = 0x04;
pub const MOVE_MOUNT_T_EMPTY_PATH: u32 = 0x40;

/// Applies one entry of `mounts[]` inside `root`.
pub fn apply<'a>(root: Fd, spec: &Spec<'a>, m: &Mount<'a>) -> diag::Result<'a, ()> {
    let fstype = m.fstype.map_or(&b""[..], Str::to_bytes);
    let dest = m.destination.to_bytes();
    let bind = m.options.is_bind() || fstype == b"bind";
    let obj = Object::Typed(dest, if fstype.is_empty() { b"bind" } else { fstype });
    diag::trace("mount", obj);
    if fstype == b"cgroup" && !bind {
        return cgroup::apply(root, spec, m);
    }
    // A file bind mount needs a file to mount on.
    let kind = match (bind, m.source) {
        (true, Some(src)) => match sys::fstatat(sys::AT_FDCWD, src.get(), 0) {
            Ok(st) if st.st_mode & libc::S_IFMT != libc::S_IFDIR => Kind::File,
            Ok(_) => Kind::Dir,
            Err(e) => return Err(Error::new("mount", Object::Typed(src.to_bytes(), b"bind source"), Reason::Errno(e))),
        },
        (true, None) => return Err(Error::new("mount", obj, Reason::Text("a bind mount needs a source"))),
        (false, _) => Kind::Dir,
    };
    // Every later failure is this mount's: one error, built here.
    mount_at(root, spec, m, fstype, bind, kind).map_err(|r| Error::new("mount", obj, r))
}

/// `apply` once the mount's kind is known.
fn mount_at(root: Fd, spec: &Spec, m: &Mount, fstype: &[u8], bind: bool, kind: Kind) -> Result<(), Reason> {
    let dest = m.destination.to_bytes();
    let at = Reason::Errno;
    // runc refuses proc and sysfs on a symlink (CVE-2019-19921 and its
    // kin): a planted `/proc -> /` would cover the container's root.
    // Usually the directory is there: one open without symlinks both
    // checks and opens it (RESOLVE_NO_SYMLINKS: ELOOP at the first one).
    let kernfs = matches!(fstype, b"proc" | b"sysfs") && !bind;
    let plain = if kernfs { resolve::openat2(root, m.destination.get(), libc::O_PATH | libc::O_DIRECTORY, 0, resolve::IN_ROOT | 0x04) } else { Err(Errno::ENOENT) };
    if plain == Err(Errno::ELOOP) || (plain.is_err() && kernfs && resolve::is_symlinked(root, m.destination.get())) {
        return Err(Reason::Text("a symlink in the rootfs: proc and sysfs are never mounted through one"));
    }
    let target = match plain {
        Ok(fd) => OwnedFd::new(fd),
        Err(_) => resolve::ensure(root, dest, kind).map_err(at)?,
    };
    let flags = m.options.flags;
    if bind {
        let src = m.source.map(Str::get);
        mount_on(src, &target, None, flags & (MS_BIND | MS_REC), None).map_err(at)?;
    } else {
        let mut dbuf = [0u8; 4096];
        let data = join_data(spec.data_of(m), &mut dbuf).map_err(at)?;
        let source = m.source.or(m.fstype).map(Str::get);
        let fs = m.fstype.map(Str::get);
        mount_on(source, &target, fs, flags & !(MS_BIND | MS_REC), data).map_err(at)?;
    }
    let remount_flags = bind && flags & !(MS_BIND | MS_REC) != 0;
    let o = &m.options;
    if !remount_flags && o.propagation == 0 && o.rec_set | o.rec_clr == 0 {
        return Ok(());
    }
    // From here on, act on the new mount: reopen the path, which now leads
    // to its root, not to the directory under it.
    let mounted = resolve::open(root, m.destination.get(), kind).map_err(at)?;
    if remount_flags {
        remount(&mounted, flags).map_err(at)?;
    }
    finish(&mounted, o.propagation, o.rec_set, o.rec_clr).map_err(at)
}

/// `mount(NULL, fd, NULL, MS_BIND | MS_REMOUNT | flags)`: a bind mount's
/// own flags (ro, nosuid, ...) only take effect on a remount. Where the
/// kernel refuses to clear a locked flag, the flags the mount already has
/// are kept, as runc does.
pub fn remount(mounted: &OwnedFd, flags: u64) -> Result<(), Errno> {
    let mut pbuf = [0u8; 32];
    let target = mounted.proc_path(&mut pbuf);
    let want = (flags & !MS_REC) | MS_BIND | MS_REMOUNT;
    match mount(None, target, None, want, None) {
        Err(Errno::EPERM) => {
            let locked = sys::fstatfs(mounted.fd())?.flags & LOCKED;
            mount(None, target, None, want | locked, None)
        }
        r => r,
    }
}

/// Propagation and recursive attributes of a fresh mount.
pub fn finish(mounted: &OwnedFd, propagation: u64, rec_set: u64, rec_clr: u64) -> Result<(), Errno> {
    if propagation != 0 {
        mount_on(None, mounted, None, propagation, None)?;
    }
    if rec_set | rec_clr != 0 {
        sys::mount_setattr(mounted.fd(), c"", (libc::AT_EMPTY_PATH | libc::AT_RECURSIVE) as u32, rec_set, rec_clr)?;
    }
    Ok(())
}

/// The data words joined with commas, NUL-terminated in `buf` (None when
/// there are none). Mount data is at most one page.
pub fn join_data<'b>(words: &[Str], buf: &'b mut [u8]) -> Result<Option<&'b CStr>, Errno> {
    if words.is_empty() {
        return Ok(None);
    }
    let mut len = 0;
    for (i, w) in words.iter().enumerate() {
        let w = w.to_bytes();
        let sep = usize::from(i > 0);
        let dst = buf.get_mut(len..len + sep + w.len()).ok_or(Errno::E2BIG)?;
        let (s, rest) = dst.split_at_mut(sep);
        if let Some(c) = s.first_mut() {
            *c = b',';
        }
        rest.copy_from_slice(w);
        len += sep + w.len();
    }
    *buf.get_mut(len).ok_or(Errno::E2BIG)? = 0;
    CStr::from_bytes_with_nul(buf.get(..=len).unwrap_or(&[])).map(Some).map_err(|_| Errno::EINVAL)
}

/// The `/` of the container as a directory descriptor.
pub fn open_root(path: &CStr) -> Result<OwnedFd, Errno> {
    sys::openat(sys::AT_FDCWD, path, libc::O_PATH | libc::O_DIRECTORY, 0).map(OwnedFd::new)
}

/// `mount(2)`, out of line: one copy of the call for the mounts made here.
#[inline(never)]
pub fn mount(source: Option<&CStr>, target: &CStr, fstype: Option<&CStr>, flags: u64, data: Option<&CStr>) -> Result<(), Errno> {
    sys::mount(source, target, fstype, flags, data)
}

/// `mount(2)` on a descriptor's `/proc/self/fd/N`.
#[inline(never)]
pub fn mount_on(source: Option<&CStr>, target: &OwnedFd, fstype: Option<&CStr>, flags: u64, data: Option<&CStr>) -> Result<(), Errno> {
    let mut pbuf = [0u8; 32];
    mount(source, target.proc_path(&mut pbuf), fstype, flags, data)
}

/// `mount(src, dst, NULL, MS_BIND)` for paths already resolved to fds.
pub fn bind_fd(src: &CStr, target: &OwnedFd, flags: u64) -> Result<(), Errno> {
    mount_on(Some(src), target, None, MS_BIND | (flags & MS_REC), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_data_words() {
        let words = [Str::new(c"mode=755"), Str::new(c"size=65536k")];
        let mut buf = [0u8; 64];
        assert_eq!(join_data(&words, &mut buf).unwrap().unwrap().to_bytes(), b"mode=755,size=65536k");
        assert_eq!(join_data(&[], &mut buf).unwrap(), None);
        let mut small = [0u8; 8];
        assert_eq!(join_data(&words, &mut small), Err(Errno::E2BIG));
        let mut exact = [0u8; 9];
        assert_eq!(join_data(&words[..1], &mut exact).unwrap().unwrap().to_bytes(), b"mode=755");
    }
}
