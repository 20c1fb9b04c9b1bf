//! Paths inside the new root, resolved as if it were `/`.
//!
//! Every container path goes through `openat2(root, path, RESOLVE_IN_ROOT)`:
//! a symlink planted in the image (`rootfs/evil -> /`) or a `..` resolves
//! inside the root, never to the host. Missing directories are created one
//! component at a time under a parent opened the same way, and what gets
//! mounted on is the opened descriptor (`/proc/self/fd/N`), so no path is
//! looked up twice.

use crate::sys::{self, Errno, Fd, OwnedFd};
use core::ffi::CStr;

/// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS (linux/openat2.h): `/` and `..`
/// stop at the root, and /proc magic links cannot jump out of it.
pub const IN_ROOT: u64 = 0x10 | 0x02;
const RESOLVE: u64 = IN_ROOT;

/// `openat2`, again while it says EAGAIN: with RESOLVE_IN_ROOT the kernel
/// gives up when a rename or mount anywhere raced the lookup, and asks to
/// retry (openat2(2)). Bounded, in case the races never end.
pub fn openat2(dirfd: Fd, path: &CStr, flags: i32, mode: u32, resolve: u64) -> Result<Fd, Errno> {
    let mut tries = 0;
    loop {
        match sys::openat2(dirfd, path, flags, mode, resolve) {
            Err(Errno::EAGAIN) if tries < 1000 => tries += 1,
            r => return r,
        }
    }
}

/// What a path should be when it has to be created.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Dir,
    File,
}

/// Opens `path` inside `root` with O_PATH (and O_DIRECTORY for `Dir`).
pub fn open(root: Fd, path: &CStr, kind: Kind) -> Result<OwnedFd, Errno> {
    let dir = if kind == Kind::Dir { libc::O_DIRECTORY } else { 0 };
    openat2(root, path, libc::O_PATH | dir, 0, RESOLVE).map(OwnedFd::new)
}

/// Whether reaching `path` inside `root` goes through a symlink (also a
/// dangling one at its end).
pub fn is_symlinked(root: Fd, path: &CStr) -> bool {
    // RESOLVE_NO_SYMLINKS (0x04): ELOOP at the first symlink met.
    openat2(root, path, libc::O_PATH, 0, RESOLVE | 0x04).map(OwnedFd::new).err() == Some(Errno::ELOOP)
}

/// Opens `path` inside `root` for reading or writing (sysctl files).
pub fn open_rw(root: Fd, path: &CStr, flags: i32) -> Result<OwnedFd, Errno> {
    openat2(root, path, flags, 0, RESOLVE).map(OwnedFd::new)
}

/// Opens `path` inside `root`, creating what is missing: directories with
/// mode 0755, and the last component as `kind` (an empty file with mode 0644
/// for a file bind mount). Each prefix is resolved from the root again, so a
/// symlink met on the way (`/usr/lib -> /lib`) means the same as in the
/// container; a component is only ever created in a parent opened that way.
/// A symlink whose target is missing (`/etc/resolv.conf ->
/// ../run/systemd/resolve/stub-resolv.conf`) has its target created inside
/// the root, as runc and crun do.
pub fn ensure(root: Fd, path: &[u8], kind: Kind) -> Result<OwnedFd, Errno> {
    ensure_hops(root, path, kind, 0)
}

/// Dangling symlinks followed at most this many times (then ELOOP).
const MAX_HOPS: u32 = 8;

fn ensure_hops(root: Fd, path: &[u8], kind: Kind, hops: u32) -> Result<OwnedFd, Errno> {
    let mut buf = [0u8; libc::PATH_MAX as usize];
    let full = cpath(&mut buf, path)?;
    match open(root, full, kind) {
        Err(Errno::ENOENT) => {}
        other => return other,
    }
    // Usually only the last component is missing: create it in its parent.
    let (dir, name) = split_last(path);
    if !name.is_empty() {
        let mut dbuf = [0u8; libc::PATH_MAX as usize];
        if let Ok(parent) = open(root, cpath(&mut dbuf, dir)?, Kind::Dir) {
            let mut nbuf = [0u8; 256];
            create(&parent, cpath(&mut nbuf, name)?, kind)?;
            match open(root, full, kind) {
                // A dangling symlink: the walk below follows it.
                Err(Errno::ENOENT) => {}
                other => return other,
            }
        }
    }
    let mut left = Some(path);
    let mut parent = open(root, c"/", Kind::Dir)?;
    let mut prefix_len = 0;
    while let Some(comp) = component(&mut left) {
        // The last component is `kind`, the others directories.
        let mut after = left;
        let want = if component(&mut after).is_none() { kind } else { Kind::Dir };
        // prefix := prefix + "/" + comp, NUL-terminated in buf.
        let dir_len = prefix_len;
        let end = prefix_len + 1 + comp.len();
        let slot = buf.get_mut(prefix_len..end + 1).ok_or(Errno::ENAMETOOLONG)?;
        let (sep, rest) = slot.split_first_mut().ok_or(Errno::ENAMETOOLONG)?;
        *sep = b'/';
        let (name, nul) = rest.split_at_mut(comp.len());
        name.copy_from_slice(comp);
        *nul.first_mut().ok_or(Errno::ENAMETOOLONG)? = 0;
        prefix_len = end;
        let prefix = CStr::from_bytes_with_nul(buf.get(..=end).unwrap_or(&[])).map_err(|_| Errno::EINVAL)?;
        let opened = match open(root, prefix, want) {
            Err(Errno::ENOENT) => {
                let mut nbuf = [0u8; 256];
                let cname = cpath(&mut nbuf, comp)?;
                create(&parent, cname, want)?;
                match open(root, prefix, want) {
                    Err(Errno::ENOENT) => {
                        // `comp` exists and leads nowhere: a dangling
                        // symlink. Go on from its target, inside the root.
                        if hops >= MAX_HOPS {
                            return Err(Errno::ELOOP);
                        }
                        let mut lbuf = [0u8; libc::PATH_MAX as usize];
                        let target = sys::readlinkat(parent.fd(), cname, &mut lbuf).map_err(|_| Errno::ENOENT)?;
                        let base = if target.first() == Some(&b'/') { &[][..] } else { buf.get(..dir_len).unwrap_or(&[]) };
                        let mut next = [0u8; libc::PATH_MAX as usize];
                        let next = rejoin(&mut next, base, target, left)?;
                        return ensure_hops(root, next, kind, hops + 1);
                    }
                    other => other?,
                }
            }
            other => other?,
        };
        parent = opened;
    }
    Ok(parent)
}

/// The next component of a path (`piece`s of it but empty ones and `.`).
fn component<'p>(rest: &mut Option<&'p [u8]>) -> Option<&'p [u8]> {
    loop {
        let c = piece(rest, b'/')?;
        if !c.is_empty() && c != b"." {
            return Some(c);
        }
    }
}

/// `base/target/rest...` in `out`: the path with a symlink replaced by its
/// target (relative to the link's directory `base`, or absolute), and the
/// components still to walk (`component`).
fn rejoin<'o>(out: &'o mut [u8], base: &[u8], target: &[u8], mut rest: Option<&[u8]>) -> Result<&'o [u8], Errno> {
    let mut len = 0;
    let mut put = |part: &[u8]| -> Result<(), Errno> {
        out.get_mut(len..len + part.len()).ok_or(Errno::ENAMETOOLONG)?.copy_from_slice(part);
        len += part.len();
        Ok(())
    };
    put(base)?;
    put(b"/")?;
    put(target)?;
    while let Some(comp) = component(&mut rest) {
        put(b"/")?;
        put(comp)?;
    }
    out.get(..len).ok_or(Errno::ENAMETOOLONG)
}

/// Creates `name` in the directory `parent` (an O_PATH descriptor): mkdirat
/// and mknodat accept O_PATH directory descriptors. Racing creators are fine.
fn create(parent: &OwnedFd, name: &CStr, kind: Kind) -> Result<(), Errno> {
    let r = match kind {
        Kind::Dir => sys::mkdirat(parent.fd(), name, 0o755),
        Kind::File => sys::mknodat(parent.fd(), name, libc::S_IFREG | 0o644, 0),
    };
    match r {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Copies `path` into `buf` NUL-terminated; interior NULs cannot occur (spec
/// strings are C strings) but are refused anyway.
pub fn cpath<'b>(buf: &'b mut [u8], path: &[u8]) -> Result<&'b CStr, Errno> {
    concat(buf, &[path])
}

/// The parts joined, NUL-terminated in `buf` (ENAMETOOLONG when they do not
/// fit, EINVAL for an interior NUL): every path nsinit builds.
pub fn concat<'b>(buf: &'b mut [u8], parts: &[&[u8]]) -> Result<&'b CStr, Errno> {
    let mut len = 0;
    for part in parts {
        buf.get_mut(len..len + part.len()).ok_or(Errno::ENAMETOOLONG)?.copy_from_slice(part);
        len += part.len();
    }
    *buf.get_mut(len).ok_or(Errno::ENAMETOOLONG)? = 0;
    CStr::from_bytes_with_nul(buf.get(..=len).unwrap_or(&[])).map_err(|_| Errno::EINVAL)
}

/// The next piece of `rest` up to `sep`, as `split` gives them (an empty
/// text is one empty piece); None once every piece was given. One cursor,
/// out of line, for the walks of /proc files, /etc/passwd and
/// PATH.
#[inline(never)]
pub fn piece<'b>(rest: &mut Option<&'b [u8]>, sep: u8) -> Option<&'b [u8]> {
    let s = (*rest)?;
    match s.iter().position(|&c| c == sep) {
        Some(i) => {
            *rest = s.get(i + 1..);
            s.get(..i)
        }
        None => {
            *rest = None;
            Some(s)
        }
    }
}

/// Splits `/a/b/c` into (`/a/b`, `c`); the parent of `/c` is `/`.
pub fn split_last(path: &[u8]) -> (&[u8], &[u8]) {
    let trimmed = match path.iter().rposition(|&c| c != b'/') {
        Some(end) => path.get(..=end).unwrap_or(path),
        None => return (b"/", b""),
    };
    match trimmed.iter().rposition(|&c| c == b'/') {
        Some(0) => (b"/", trimmed.get(1..).unwrap_or(&[])),
        Some(i) => (trimmed.get(..i).unwrap_or(&[]), trimmed.get(i + 1..).unwrap_or(&[])),
        None => (b"/", trimmed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_paths() {
        let rows: &[(&str, (&str, &str))] = &[
            ("/dev/null", ("/dev", "null")),
            ("/dev/pts/", ("/dev", "pts")),
            ("/null", ("/", "null")),
            ("/", ("/", "")),
            ("/a/b/c", ("/a/b", "c")),
            ("rel", ("/", "rel")),
        ];
        for (p, (dir, name)) in rows {
            let (d, n) = split_last(p.as_bytes());
            assert_eq!((d, n), (dir.as_bytes(), name.as_bytes()), "{p}");
        }
    }

    #[test]
    fn pieces_are_splits() {
        for text in ["", "a", "a,b", ",", "a,,b,", ",a"] {
            let mut rest = Some(text.as_bytes());
            let mut got = Vec::new();
            while let Some(p) = piece(&mut rest, b',') {
                got.push(p);
            }
            let want: Vec<_> = text.as_bytes().split(|&c| c == b',').collect();
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn components_and_rejoins() {
        let mut left = Some(&b"/a//./b/./c/"[..]);
        let mut got = Vec::new();
        while let Some(c) = component(&mut left) {
            got.push(c);
        }
        assert_eq!(got, [&b"a"[..], b"b", b"c"]);
        let mut left = Some(&b"x/./y//"[..]);
        assert_eq!(component(&mut left), Some(&b"x"[..]));
        let mut out = [0u8; 64];
        assert_eq!(rejoin(&mut out, b"/etc", b"../run/r", left).unwrap(), b"/etc/../run/r/y");
        assert_eq!(rejoin(&mut out, b"", b"/abs", Some(b"")).unwrap(), b"//abs");
        assert_eq!(rejoin(&mut out[..4], b"/etc", b"t", None), Err(Errno::ENAMETOOLONG));
    }

    #[test]
    fn cpaths() {
        let mut b = [0u8; 8];
        assert_eq!(cpath(&mut b, b"/dev").unwrap().to_bytes(), b"/dev");
        assert_eq!(cpath(&mut b, b"/1234567"), Err(Errno::ENAMETOOLONG));
        assert_eq!(cpath(&mut b, b"a\0b"), Err(Errno::EINVAL));
        assert_eq!(concat(&mut b, &[b"/a", b"/", b"bcd"]).unwrap().to_bytes(), b"/a/bcd");
        assert_eq!(concat(&mut b, &[b"/a", b"/", b"bcde"]).unwrap().to_bytes(), b"/a/bcde");
        assert_eq!(concat(&mut b, &[b"/a", b"/", b"bcdef"]), Err(Errno::ENAMETOOLONG));
        assert_eq!(concat(&mut b, &[b"/a", b"\0", b"b"]), Err(Errno::EINVAL));
        assert_eq!(concat(&mut b, &[]).unwrap().to_bytes(), b"");
    }
}
