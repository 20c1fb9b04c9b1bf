//! The root filesystem, in runc's order: propagation of `/`, the new root
//! bound onto itself, `mounts[]`, devices, `pivot_root` with the old root
//! detached, the root read-only (`enter`); later, once hostname and sysctls
//! are written, read-only and masked paths (`paths`).
//!
//! Without `root.path` nsinit is already inside its container (injected by
//! a runtime): the mounts and paths apply to the current `/`, and nothing
//! is pivoted.

mod devices;

use crate::diag::{self, At, Error, Object, Reason, Result};
use crate::mount::{self, options::MOUNT_ATTR_RDONLY};
use crate::resolve::{self, Kind};
use crate::spec::Spec;
use crate::sys::{self, Errno, OwnedFd};
use core::ffi::CStr;
use libc::{MS_BIND, MS_REC, MS_SHARED, MS_SLAVE, MS_UNBINDABLE};

/// The host's old root, still stacked over the container's `/` after
/// `pivot_root` until `detach`: out of every path nsinit and the workload
/// resolve (they start at the new root), and detached before the workload
/// runs (main.rs does it while the child sets itself up).
pub struct OldRoot(OwnedFd);

impl OldRoot {
    /// Detaches the old root: its unmount cannot reach the host, as every
    /// mount of it was made a slave (or private) before anything
    /// (`enter`), and a slave does not propagate back to its master.
    pub fn detach(self) -> core::result::Result<(), Errno> {
        sys::fchdir(self.0.fd())?;
        sys::umount2(c".", libc::MNT_DETACH)?;
        sys::chdir(c"/")
    }
}

/// Builds the container's filesystem and enters it. Returns the old root
/// when it is still to be detached.
pub fn enter<'a>(spec: &Spec<'a>) -> Result<'a, Option<OldRoot>> {
    let Some(path) = spec.root.path else {
        return build(spec, c"/").map(|()| None);
    };
    let root = path.get();
    let obj = Object::Name(root.to_bytes());
    // Nothing of what follows may propagate back to the host: `/` becomes a
    // slave (or what rootfsPropagation asks, if that is private or slave)
    // before anything is mounted. Shared propagation is set on the new root
    // after pivot_root, which needs non-shared mounts.
    // Everything becomes a slave first, whatever is asked: a non-recursive
    // `private` on `/` alone would leave a shared mount holding the rootfs
    // (a systemd host) passing the container's mounts back to the parent.
    let asked = spec.linux.rootfs_propagation.get();
    diag::trace("propagation", Object::Name(b"/"));
    mount::mount(None, c"/", None, MS_SLAVE | MS_REC, None).at("rootfs propagation", Object::Name(b"/"))?;
    let before = match asked {
        Some(p) if p & (MS_SHARED | MS_UNBINDABLE) == 0 => {
            if p != MS_SLAVE | MS_REC {
                mount::mount(None, c"/", None, p, None).at("rootfs propagation", Object::Name(b"/"))?;
            }
            p
        }
        _ => MS_SLAVE | MS_REC,
    };
    // pivot_root needs the new root to be a mount point.
    mount::mount(Some(root), root, None, MS_BIND | MS_REC, None).at("root", obj)?;
    build(spec, root)?;
    diag::trace("pivot_root", obj);
    let mut old = pivot(root).map_err(|e| Error::new("pivot_root", obj, Reason::Errno(e)))?;
    if let Some(p) = asked.filter(|&p| p != before) {
        // Shared propagation of the new root: with the old root gone first,
        // nothing of it could ever be a peer.
        if let Some(o) = old.take() {
            o.detach().map_err(|e| Error::new("pivot_root", obj, Reason::Errno(e)))?;
        }
        mount::mount(None, c"/", None, p, None).at("rootfs propagation", Object::Name(b"/"))?;
    }
    if spec.root.readonly {
        diag::trace("readonly root", Object::None);
        sys::mount_setattr(sys::AT_FDCWD, c"/", 0, MOUNT_ATTR_RDONLY, 0).at("readonly root", Object::Name(b"/"))?;
    }
    Ok(old)
}

// After pivot_root the process's root is the container's, so paths cannot
// lead out of it, and the container may have no /proc: these steps use the
// fd-based mount API (open_tree, mount_setattr, move_mount) and plain paths,
// never /proc/self/fd.
use crate::mount::{AT_EMPTY_PATH, AT_RECURSIVE, MOVE_MOUNT_F_EMPTY_PATH, OPEN_TREE_CLONE};

/// Mounts, devices and the working directory, inside `root`.
fn build<'a>(spec: &Spec<'a>, root: &'a CStr) -> Result<'a, ()> {
    let rfd = mount::open_root(root).at("root", Object::Name(root.to_bytes()))?;
    for m in &spec.mounts {
        mount::apply(rfd.fd(), spec, m)?;
    }
    devices::create(rfd.fd(), spec)?;
    // The working directory is created if missing, as runc does, before the
    // user switch (it belongs to root, mode 0755).
    if let Some(cwd) = spec.process.cwd {
        resolve::ensure(rfd.fd(), cwd.to_bytes(), Kind::Dir).at("cwd", Object::Name(cwd.to_bytes()))?;
    }
    Ok(())
}

/// `pivot_root(".", ".")` in the new root: the old root ends up stacked on
/// top of it, to be detached (`OldRoot::detach`).
/// When the current root cannot be pivoted (initramfs: EINVAL), the new
/// root is moved onto `/` and chrooted into, as runc's --no-pivot does:
/// there is no old root to detach then.
fn pivot(root: &CStr) -> core::result::Result<Option<OldRoot>, Errno> {
    let old = OwnedFd::new(sys::openat(sys::AT_FDCWD, c"/", libc::O_DIRECTORY | libc::O_RDONLY, 0)?);
    let new = OwnedFd::new(sys::openat(sys::AT_FDCWD, root, libc::O_DIRECTORY | libc::O_RDONLY, 0)?);
    sys::fchdir(new.fd())?;
    match sys::pivot_root(c".", c".") {
        Ok(()) => {}
        Err(Errno::EINVAL) => {
            mount::mount(Some(c"."), c"/", None, libc::MS_MOVE, None)?;
            sys::chroot(c".")?;
            return sys::chdir(c"/").map(|()| None);
        }
        Err(e) => return Err(e),
    }
    sys::chdir(c"/")?;
    Ok(Some(OldRoot(old)))
}

/// `linux.readonlyPaths`, then `linux.maskedPaths` (runc's order, after the
/// sysctls, which write under /proc/sys), inside the container's `/`. A
/// path that does not exist is skipped, as runc does.
pub fn paths<'a>(spec: &Spec<'a>) -> Result<'a, ()> {
    let l = &spec.linux;
    for p in &l.readonly_paths {
        diag::trace("readonly path", Object::Name(p.to_bytes()));
        readonly_path(p.get()).at("readonly path", Object::Name(p.to_bytes()))?;
    }
    for p in &l.masked_paths {
        let obj = Object::Name(p.to_bytes());
        diag::trace("masked path", obj);
        mask_path(p.get()).map_err(|r| Error::new("masked path", obj, r))?;
    }
    Ok(())
}

/// Bound onto itself read-only (runc's readonlyPath): a recursive copy of
/// the mount tree at the path, made read-only as a whole (its other flags
/// stay), attached over the path.
fn readonly_path(p: &CStr) -> core::result::Result<(), Errno> {
    let tree = match sys::open_tree(sys::AT_FDCWD, p, OPEN_TREE_CLONE | AT_RECURSIVE) {
        Err(Errno::ENOENT) => return Ok(()),
        r => OwnedFd::new(r?),
    };
    sys::mount_setattr(tree.fd(), c"", AT_EMPTY_PATH | AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0)?;
    sys::move_mount(tree.fd(), c"", sys::AT_FDCWD, p, MOVE_MOUNT_F_EMPTY_PATH)
}

/// /dev/null bound over a file, an empty read-only tmpfs over a directory
/// (runc's maskPath), both read-only and empty as crun makes them: the bind
/// read-only, the tmpfs of size 0.
///
/// What is bound must be the null device itself, checked on the very mount
/// that gets attached: without a `/dev` tmpfs in `mounts[]` the image's
/// `/dev/null` is used, and a symlink there (`/dev/null ->
/// /proc/timer_list`) would bind its target over the masked file — over
/// itself, the mask undone. runc 1.1 followed it too, read-write
/// (CVE-2025-31133: `-> /proc/sys/kernel/core_pattern` made the host's
/// writable); runc since 1.2.8 refuses a /dev/null that is not 1:3, as here.
fn mask_path(p: &CStr) -> core::result::Result<(), Reason> {
    let st = match sys::fstatat(sys::AT_FDCWD, p, 0) {
        Err(Errno::ENOENT) => return Ok(()),
        r => r.map_err(Reason::Errno)?,
    };
    if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
        return mount::mount(Some(c"tmpfs"), p, Some(c"tmpfs"), libc::MS_RDONLY, Some(c"size=0k")).map_err(Reason::Errno);
    }
    let nofollow = libc::AT_SYMLINK_NOFOLLOW as u32;
    let null = OwnedFd::new(sys::open_tree(sys::AT_FDCWD, c"/dev/null", OPEN_TREE_CLONE | nofollow).map_err(Reason::Errno)?);
    let st = sys::fstat(null.fd()).map_err(Reason::Errno)?;
    if !devices::is_node(&st, libc::S_IFCHR, 1, 3) {
        return Err(Reason::Text("/dev/null is not the null device (1:3): nothing to mask with"));
    }
    sys::mount_setattr(null.fd(), c"", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0).map_err(Reason::Errno)?;
    sys::move_mount(null.fd(), c"", sys::AT_FDCWD, p, MOVE_MOUNT_F_EMPTY_PATH).map_err(Reason::Errno)
}
