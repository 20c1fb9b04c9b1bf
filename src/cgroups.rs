//! The host's cgroup hierarchies and a process's place in them (pure
//! parsing of /proc/self/mountinfo and /proc/PID/cgroup), for the cgroup
//! mount (`mount::cgroup`) and for joining a container's cgroups
//! (`--enter`, as `runc exec` does).

use crate::resolve::{self, concat, piece};
use crate::sys::{self, Errno, OwnedFd};

pub const CGROUP2_SUPER_MAGIC: u64 = 0x6367_7270;
pub const HOST_CGROUP: &[u8] = b"/sys/fs/cgroup";

/// Reads a small /proc file whole.
pub fn read_proc<'b>(path: &core::ffi::CStr, buf: &'b mut [u8]) -> Result<&'b [u8], Errno> {
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
    /// A cgroup2 hierarchy (fstype `cgroup2`, not `cgroup`): a flag, not
    /// the name, keeps the value (moved at every step of the walks) small.
    pub v2: bool,
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
        if self.is_v2() { b"" } else { self.options }
    }

    /// A cgroup2 hierarchy.
    pub fn is_v2(&self) -> bool {
        self.v2
    }
}

/// The cgroup mounts directly under /sys/fs/cgroup in a mountinfo text (and
/// a cgroup2 mount at /sys/fs/cgroup itself: a unified host).
pub fn hierarchies(mountinfo: &[u8]) -> Hierarchies<'_> {
    Hierarchies(Some(mountinfo))
}

/// `hierarchies`: the rest of the text, a line at a time. A plain cursor
/// with one out-of-line `next`, not an adapter chain: its three callers
/// call it instead of each holding an inlined copy of the walk.
pub struct Hierarchies<'b>(Option<&'b [u8]>);

impl<'b> Iterator for Hierarchies<'b> {
    type Item = Hierarchy<'b>;

    #[inline(never)]
    fn next(&mut self) -> Option<Hierarchy<'b>> {
        loop {
            if let Some(h) = parse_line(piece(&mut self.0, b'\n')?) {
                return Some(h);
            }
        }
    }
}

/// One mountinfo line, if it is a hierarchy `hierarchies` lists.
fn parse_line(line: &[u8]) -> Option<Hierarchy<'_>> {
    // `id parent dev root mount_point options [optional...] - fstype source super_options`
    let mut f = Some(line);
    for _ in 0..3 {
        piece(&mut f, b' ')?;
    }
    let root = piece(&mut f, b' ')?;
    let mount_point = piece(&mut f, b' ')?;
    // Optional fields end at "-" (looked for from the options on).
    while piece(&mut f, b' ')? != b"-" {}
    let fstype = piece(&mut f, b' ')?;
    piece(&mut f, b' ')?;
    let options = piece(&mut f, b' ')?;
    let parent = resolve::split_last(mount_point).0;
    let v2 = fstype == b"cgroup2";
    let cg = fstype == b"cgroup" || v2;
    let unified_host = v2 && mount_point == HOST_CGROUP;
    (cg && (parent == HOST_CGROUP || unified_host)).then_some(Hierarchy { mount_point, root, v2, options })
}

/// The path of our cgroup in the hierarchy identified by `controllers`
/// (its super options; empty for cgroup2), from /proc/self/cgroup: the line
/// whose controllers are all among the options, the one naming most of them
/// when several do (`cpu` vs `cpu,cpuacct`).
pub fn own_path<'b>(cgroup: &'b [u8], controllers: &[u8]) -> Option<&'b [u8]> {
    own_line(cgroup, controllers).map(|(_, path)| path)
}

/// The line of /proc/self/cgroup `own_path` picks, as (its controllers
/// field, e.g. `cpu,cpuacct` or `name=systemd`, empty for cgroup2; the path).
pub fn own_line<'b>(cgroup: &'b [u8], controllers: &[u8]) -> Option<(&'b [u8], &'b [u8])> {
    let mut best: Option<(usize, &'b [u8], &'b [u8])> = None;
    let mut lines = Some(cgroup);
    while let Some(line) = piece(&mut lines, b'\n') {
        // `id:controllers:path`; the path may hold colons.
        let mut rest = Some(line);
        piece(&mut rest, b':');
        let Some(ctrls) = piece(&mut rest, b':') else { continue };
        let Some(path) = rest else { continue };
        // How many names the line lists, and whether all are among ours.
        let (mut n, mut all) = (0, true);
        let mut names = Some(ctrls).filter(|c| !c.is_empty());
        while let Some(c) = piece(&mut names, b',') {
            n += 1;
            let mut ours = Some(controllers);
            let mut found = false;
            while let Some(o) = piece(&mut ours, b',') {
                found |= o == c;
            }
            all &= found;
        }
        let matches = if controllers.is_empty() { n == 0 } else { n > 0 && all };
        if matches && best.is_none_or(|(m, _, _)| n > m) {
            best = Some((n, ctrls, path));
        }
    }
    best.map(|(_, c, p)| (c, p))
}

/// /proc/self/mountinfo, /proc/self/cgroup and /proc/PID/cgroup, read once,
/// and the paths a join names (kept here: an error refers to them).
struct JoinFiles {
    mountinfo: [u8; 64 * 1024],
    ours: [u8; 8 * 1024],
    theirs: [u8; 8 * 1024],
    theirs_path: [u8; 32],
    procs_path: [u8; libc::PATH_MAX as usize],
}
static JOIN: sys::cell::Once<JoinFiles> = sys::cell::Once::new(JoinFiles {
    mountinfo: [0; 64 * 1024],
    ours: [0; 8 * 1024],
    theirs: [0; 8 * 1024],
    theirs_path: [0; 32],
    procs_path: [0; libc::PATH_MAX as usize],
});

/// The `cgroup.procs` files of process `pid`'s cgroups (its
/// /proc/PID/cgroup), open for writing, in every hierarchy the host mounts
/// under /sys/fs/cgroup where nsinit is not there already: `0` written to
/// one moves the writer (v1 and v2 alike). Opened from the host's mount
/// namespace by the entering nsinit, written by its child (`Joins::enter`)
/// before anything else, so that only the command goes into the
/// container's cgroups, as `runc exec` puts only the exec'd process there:
/// the entering nsinit stays in its caller's, and what kills everything in
/// the container's cgroups when it ends (runc, scripts/run) does not kill
/// it before it reports the command's status. The descriptors are not
/// closed on drop: PID 1's hardening closes its own, the child its copies.
/// An error names the file.
pub fn join(pid: i32) -> Result<Joins, (&'static [u8], Errno)> {
    let files = JOIN.take().ok_or((&b"cgroups"[..], Errno::EBUSY))?;
    let mut d = [0u8; 20];
    let theirs_path = concat(&mut files.theirs_path, &[b"/proc/", crate::text::decimal(pid.max(0) as u64, &mut d), b"/cgroup"])
        .map_err(|e| (&b"/proc/PID/cgroup"[..], e))?;
    let mountinfo = read_proc(c"/proc/self/mountinfo", &mut files.mountinfo).map_err(|e| (&b"/proc/self/mountinfo"[..], e))?;
    let ours = read_proc(c"/proc/self/cgroup", &mut files.ours).map_err(|e| (&b"/proc/self/cgroup"[..], e))?;
    let theirs = read_proc(theirs_path, &mut files.theirs).map_err(|e| (theirs_path.to_bytes(), e))?;
    let mut joins = Joins::default();
    for h in hierarchies(mountinfo) {
        let c = h.controllers();
        let Some(target) = own_path(theirs, c) else { continue };
        if own_path(ours, c) == Some(target) {
            continue;
        }
        let mut buf = [0u8; libc::PATH_MAX as usize];
        let path = procs_path(&mut buf, h, target).map_err(|e| (h.mount_point, e))?;
        let opened = sys::openat(sys::AT_FDCWD, path, libc::O_WRONLY | libc::O_CLOEXEC, 0).and_then(|fd| joins.push(fd));
        if let Err(e) = opened {
            joins.close();
            // The path outlives this frame in the join's own buffer.
            let kept = files.procs_path.get_mut(..path.to_bytes().len()).map(|d| {
                d.copy_from_slice(path.to_bytes());
                &*d
            });
            return Err((kept.unwrap_or(h.mount_point), e));
        }
    }
    Ok(joins)
}

/// The container's `cgroup.procs` files the command's process writes
/// itself into (`join`). Empty: nothing to join.
#[derive(Clone, Copy, Default)]
pub struct Joins {
    fds: [sys::Fd; 32],
    n: usize,
}

impl Joins {
    /// Moves the calling process into each (the child, first thing).
    pub fn enter(&self) -> Result<(), Errno> {
        self.open().iter().try_for_each(|&fd| sys::write_all(fd, b"0"))
    }

    fn open(&self) -> &[sys::Fd] {
        self.fds.get(..self.n).unwrap_or(&[])
    }

    /// Keeps `fd`; more hierarchies than any host mounts is E2BIG.
    fn push(&mut self, fd: sys::Fd) -> Result<(), Errno> {
        match self.fds.get_mut(self.n) {
            Some(slot) => {
                *slot = fd;
                self.n += 1;
                Ok(())
            }
            None => {
                let _ = sys::close(fd);
                Err(Errno::E2BIG)
            }
        }
    }

    fn close(&self) {
        for &fd in self.open() {
            let _ = sys::close(fd);
        }
    }
}

/// `<mount point>/<target below the mount's root>/cgroup.procs` in `buf`.
pub fn procs_path<'b>(buf: &'b mut [u8], h: Hierarchy, target: &[u8]) -> Result<&'b core::ffi::CStr, Errno> {
    let root = h.root.strip_suffix(b"/").unwrap_or(h.root);
    // A cgroup outside what the host's mount shows (another cgroup
    // namespace's view, `/..`) cannot be joined from here.
    let rel = target.strip_prefix(root).filter(|r| r.is_empty() || r.first() == Some(&b'/')).ok_or(Errno::ENOENT)?;
    let rel = rel.strip_suffix(b"/").unwrap_or(rel);
    let mut comps = Some(rel);
    while let Some(c) = resolve::piece(&mut comps, b'/') {
        if c == b".." {
            return Err(Errno::ENOENT);
        }
    }
    concat(buf, &[h.mount_point, rel, b"/cgroup.procs"])
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
        // Several optional fields; a line cut before the super options is none.
        let mi = "33 31 0:30 /d /sys/fs/cgroup/pids rw shared:5 master:2 - cgroup cgroup rw,pids\n34 31 0:31 / /sys/fs/cgroup/cpu rw - cgroup cgroup\n";
        let hs: Vec<_> = hierarchies(mi.as_bytes()).collect();
        assert_eq!(hs, [Hierarchy { mount_point: b"/sys/fs/cgroup/pids", root: b"/d", v2: false, options: b"rw,pids" }]);
    }

    #[test]
    fn finds_a_unified_host() {
        let mi = "30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n31 30 0:27 / /sys/fs/cgroup/x rw - tmpfs t rw\n";
        let hs: Vec<_> = hierarchies(mi.as_bytes()).collect();
        assert_eq!(hs.len(), 1);
        assert_eq!((hs[0].mount_point, hs[0].controllers()), (&b"/sys/fs/cgroup"[..], &b""[..]));
    }

    #[test]
    fn cgroup_procs_paths() {
        let h = |mount_point: &'static str, root: &'static str| Hierarchy { mount_point: mount_point.as_bytes(), root: root.as_bytes(), v2: false, options: b"rw,cpu" };
        let rows: &[(&str, Hierarchy, &str, Result<&str, Errno>)] = &[
            ("root mount", h("/sys/fs/cgroup/cpu", "/"), "/runc/c1", Ok("/sys/fs/cgroup/cpu/runc/c1/cgroup.procs")),
            ("the root cgroup", h("/sys/fs/cgroup/cpu", "/"), "/", Ok("/sys/fs/cgroup/cpu/cgroup.procs")),
            ("a mount of a subtree", h("/sys/fs/cgroup/cpu", "/docker"), "/docker/c1", Ok("/sys/fs/cgroup/cpu/c1/cgroup.procs")),
            ("outside the subtree", h("/sys/fs/cgroup/cpu", "/docker"), "/other", Err(Errno::ENOENT)),
            ("a sibling with the prefix", h("/sys/fs/cgroup/cpu", "/docker"), "/dockerx/c1", Err(Errno::ENOENT)),
            ("another namespace's view", h("/sys/fs/cgroup/cpu", "/"), "/../x", Err(Errno::ENOENT)),
        ];
        for (name, hier, target, want) in rows {
            let mut buf = [0u8; 256];
            let got = procs_path(&mut buf, *hier, target.as_bytes()).map(|c| c.to_str().unwrap().to_string());
            assert_eq!(got, want.map(String::from), "{name}");
        }
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
        // A path may hold colons; a line of fewer than three fields is skipped.
        assert_eq!(own_path(b"garbage\n3:pids\n0::/a:b\n", b""), Some(&b"/a:b"[..]));
        assert_eq!(own_path(b"3:pids\n5:pids:/p:q\n", b"rw,pids"), Some(&b"/p:q"[..]));
        assert_eq!(own_line(b"2:cpu,cpuacct:/x\n", b"rw,cpu,cpuacct"), Some((&b"cpu,cpuacct"[..], &b"/x"[..])));
    }
}
