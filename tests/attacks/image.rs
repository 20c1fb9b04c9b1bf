//! The attacker wrote the image: symlinks, FIFOs and huge files planted in
//! the rootfs, which the runtime reads or resolves while it sets up.

use crate::common::*;
use crate::harness::*;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

/// A host directory outside the bundle, with a file in it: where a lookup
/// that left the root would create or mount something.
struct Canary {
    dir: TempDir,
}

impl Canary {
    fn new() -> Canary {
        let dir = TempDir::new();
        fs::write(dir.join("canary"), "untouched\n").expect("write the canary");
        Canary { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn listing(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let entries = fs::read_dir(self.path()).expect("read the canary dir").flatten();
        entries.map(|e| (e.path(), fs::read(e.path()).unwrap_or_default())).collect()
    }

    fn assert_untouched(&self, row: &str, out: &Output) {
        let want: BTreeMap<PathBuf, Vec<u8>> = [(self.dir.join("canary"), b"untouched\n".to_vec())].into();
        assert_eq!(self.listing(), want, "{row}: the host directory {} changed\n{out:?}", self.path().display());
    }
}

/// Replaces `path` in the rootfs (a directory) by a symlink to `target`.
fn plant_symlink(b: &Bundle, path: &str, target: &str) {
    let p = b.in_rootfs(path);
    if p.is_dir() && !p.is_symlink() {
        fs::remove_dir_all(&p).expect("remove a rootfs dir");
    } else {
        let _ = fs::remove_file(&p);
    }
    symlink(target, &p).expect("plant a symlink");
}

/// nsinit refuses (125, one line); crun refuses too (non-zero, the
/// workload never ran).
fn assert_refused_by(rt: Rt, out: &Output, row: &str) {
    match rt {
        Rt::Nsinit => assert_refused(out, 125, row),
        Rt::Crun => {
            assert_ne!(out.code(), 0, "{row}: crun should refuse\n{out:?}");
            assert!(!out.stdout.contains("RAN"), "{row}: the workload ran\n{out:?}");
        }
    }
}

/// The image's `/proc` is a symlink — to `/`, up with `..`, into `/dev`,
/// or to a host directory by its absolute path. proc is never mounted on
/// a symlink (runc refuses it too: the masked and read-only paths under
/// /proc would follow it); nothing is created on the host.
pub fn proc_symlink(rt: Rt) {
    let canary = Canary::new();
    let host = canary.path().to_str().expect("utf-8 path").to_string();
    for target in ["/", "..", "../../../..", "/dev/shm", host.as_str()] {
        let mut b = Who::Root.bundle();
        plant_symlink(&b, "/proc", target);
        b.sh("echo RAN");
        let row = format!("/proc -> {target}");
        let out = rt.run(&b);
        canary.assert_untouched(&row, &out);
        assert_refused_by(rt, &out, &row);
    }
}

/// The image's `/dev` is a symlink — up with `..`, to a host directory by
/// its absolute path, to another rootfs directory, or through /proc. The
/// /dev tmpfs, the devices and the `/dev` links land inside the root, or
/// the run fails; nothing appears on the host.
pub fn dev_symlink(rt: Rt) {
    let canary = Canary::new();
    let host = canary.path().to_str().expect("utf-8 path").to_string();
    for target in ["../../..", host.as_str(), "/tmp", "/proc/self/cwd"] {
        let mut b = Who::Root.bundle();
        plant_symlink(&b, "/dev", target);
        b.sh("echo RAN; test -c /dev/null && echo devnull");
        let row = format!("/dev -> {target}");
        let out = rt.run(&b);
        canary.assert_untouched(&row, &out);
        // The run may fail any way (a /dev tmpfs over the whole root hides
        // the workload: exec fails with 127) as long as nothing landed
        // outside the root; when the workload runs, it has a /dev/null.
        if out.code() == 0 {
            assert!(out.stdout.contains("RAN\ndevnull\n"), "{row}: ran without a /dev/null\n{out:?}");
        } else {
            assert!(!out.stdout.contains("RAN"), "{row}: the workload ran, then failed\n{out:?}");
        }
    }
}

/// A workload as uid 1000 with no HOME in its environment: the runtime
/// looks HOME up in the image's /etc/passwd, as runc does.
fn home_bundle() -> Bundle {
    let mut b = Who::User.bundle();
    b.sh("echo HOME=$HOME; cat");
    b
}

/// HOME for a user /etc/passwd does not name: `/` as runc gives it, or
/// unset (empty here) as crun leaves it — a difference, not a hole.
fn no_home(rt: Rt) -> &'static str {
    match rt {
        Rt::Nsinit => "/",
        Rt::Crun => "",
    }
}

/// The `HOME=` line the workload printed.
fn home(out: &Output) -> String {
    lines_with(out, "HOME=").first().map(|s| s.to_string()).unwrap_or_else(|| panic!("no HOME= line\n{out:?}"))
}

/// /etc/passwd is a FIFO: a runtime that opens it to find HOME blocks
/// forever (no writer), and PID 1 with it. The run goes on without that
/// user's entry (HOME=/).
pub fn passwd_fifo(rt: Rt) {
    let b = home_bundle();
    let p = b.in_rootfs("/etc/passwd");
    fs::remove_file(&p).expect("remove passwd");
    let c = std::ffi::CString::new(p.to_str().expect("utf-8 path")).expect("no NUL");
    // SAFETY: mkfifo(3) with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo: {}", std::io::Error::last_os_error());
    let out = rt.run_with(&b, &[], |r| known_crun_hang(rt, r));
    out.assert_code(0);
    assert_eq!(home(&out), no_home(rt), "{out:?}");
}

/// /etc/passwd is a symlink to `/proc/self/fd/0`: a runtime that reads it
/// reads (and swallows) the container's stdin. The workload gets all of
/// its stdin, and HOME=/.
/// The control: with the image's own /etc/passwd (no uid 1000), the same.
pub fn passwd_stdin(rt: Rt) {
    for plant in [false, true] {
        let b = home_bundle();
        if plant {
            plant_symlink(&b, "/etc/passwd", "/proc/self/fd/0");
        }
        let input = "first line of stdin\nsecond line of stdin\n";
        let out = rt.run_with(&b, &[], |r| r.stdin(input));
        let row = if plant { "/etc/passwd -> /proc/self/fd/0" } else { "control" };
        out.assert_code(0);
        assert!(out.stdout.ends_with(input), "{row}: the workload's stdin was swallowed\n{out:?}");
        assert_eq!(home(&out), no_home(rt), "{row}\n{out:?}");
    }
}

/// /etc/passwd is over 4 KiB, the user's line last: HOME is the user's
/// home, however large the file.
pub fn passwd_large(rt: Rt) {
    let b = home_bundle();
    let mut text = String::from("root:x:0:0:root:/root:/bin/sh\n");
    for i in 0..200 {
        text.push_str(&format!("filler{i}:x:{}:{}:a filler account:/nonexistent:/bin/false\n", 2000 + i, 2000 + i));
    }
    text.push_str("u1000:x:1000:1000::/home/u1000:/bin/sh\n");
    assert!(text.len() > 8192, "the file should be well over 4 KiB");
    fs::write(b.in_rootfs("/etc/passwd"), text).expect("write passwd");
    let out = rt.run(&b);
    out.assert_code(0);
    assert_eq!(home(&out), "/home/u1000", "{out:?}");
}

/// /etc/passwd is a symlink into a directory descriptor the parent leaked
/// (`/proc/self/fd/7/passwd`, fd 7 the bundle directory): a runtime that
/// follows it reads a host file into HOME. HOME is `/`.
pub fn passwd_leaked_dir(rt: Rt) {
    let b = home_bundle();
    fs::write(b.join("passwd"), "evil:x:1000:1000::/HOST-SECRET:/bin/sh\n").expect("write the host passwd");
    plant_symlink(&b, "/etc/passwd", "/proc/self/fd/7/passwd");
    let dir = fs::File::open(b.path()).expect("open the bundle dir");
    let out = rt.run_with(&b, &[], |r| r.fd(7, dir));
    out.assert_code(0);
    assert_eq!(home(&out), no_home(rt), "a host file was read for HOME\n{out:?}");
}

/// The image links a program to `/proc/self/exe` and names it as the
/// workload: the runtime's own child execs it while `/proc/self/exe` is
/// still the runtime's binary, so the host's nsinit would run as the
/// workload (the CVE-2019-5736 shape). nsinit refuses: 126 and one line.
pub fn exec_self(rt: Rt) {
    let mut b = Who::Root.bundle();
    symlink("/proc/self/exe", b.in_rootfs("/bin/evil")).expect("plant the link");
    args(&mut b, &["/bin/evil", "--version"]);
    let out = rt.run(&b);
    match rt {
        Rt::Nsinit => assert_refused(&out, 126, "exec of /proc/self/exe"),
        // crun re-executes itself from a sealed copy and refuses the exec
        // ("No such file or directory"): non-zero, nothing run.
        Rt::Crun => assert_refused_by(rt, &out, "exec of /proc/self/exe"),
    }
}

/// nsinit's binary, bound read-only into the container (as Docker binds
/// `docker-init`), is started by the workload and blocks reading a spec
/// from a FIFO. Another process of the container must not be able to open
/// `/proc/N/exe` (the host binary) or read its link (the host path): nsinit
/// is not dumpable from its first instruction.
pub fn blocked_nsinit_exe(rt: Rt) {
    let mut b = Who::Root.bundle();
    fs::write(b.in_rootfs("/nsinit"), "").expect("create the mount point");
    let bin = nsinit().to_str().expect("utf-8 path").to_string();
    b.mount("/nsinit", "bind", &bin, &["bind", "ro"]);
    b.sh(
        r#"mkfifo /dev/shm/spec
/nsinit --spec /dev/shm/spec & p=$!
# Until it blocks in its open of the FIFO: sleeping, and nsinit by its
# command line (before its exec it is this shell).
while :; do
  [ -e /proc/$p/stat ] || { echo "nsinit exited"; exit 1; }
  s=$(cut -d' ' -f3 /proc/$p/stat)
  c=$(tr '\0' ' ' < /proc/$p/cmdline)
  [ "$s" = S ] && [ "$c" = "/nsinit --spec /dev/shm/spec " ] && break
done
echo blocked
readlink /proc/$p/exe >/dev/null 2>&1 && echo "LEAK: the link of /proc/$p/exe"
cat /proc/$p/exe >/dev/null 2>&1 && echo "LEAK: the binary through /proc/$p/exe"
readlink /proc/$p/fd/0 >/dev/null 2>&1 && echo "LEAK: its descriptors"
kill -9 $p
echo done"#,
    );
    let out = rt.run(&b);
    out.assert_code(0);
    assert!(out.stdout.starts_with("blocked\n") && out.stdout.ends_with("done\n"), "the attack did not run\n{out:?}");
    assert!(!out.stdout.contains("LEAK"), "a blocked nsinit was readable\n{out:?}");
}

/// The spec leaves `/dev` to the image (no `/dev` tmpfs in `mounts[]`), and
/// the image's `/dev/null` is a symlink: to a masked file, or to the host's
/// `core_pattern` through the container's proc. A masked file is covered
/// with `/dev/null` (runc's maskPath): a runtime that follows the link
/// binds the link's target instead — the masked `/proc/timer_list` over
/// itself (the mask undone: its contents readable), or `core_pattern` over
/// `/proc/keys`, writable under runc 1.1.5 (CVE-2025-31133: a write there
/// is the host's core_pattern). Refused, or every masked file reads empty
/// and takes no write.
pub fn dev_null_symlink(rt: Rt) {
    for target in ["/proc/timer_list", "/proc/sys/kernel/core_pattern", "/etc/hostname"] {
        let mut b = Who::Root.bundle();
        b.unmount("/dev");
        fs::create_dir_all(b.in_rootfs("/dev")).expect("mkdir /dev");
        plant_symlink(&b, "/dev/null", target);
        // The same text written back: a write the kernel accepts is the
        // escape, and the host's file does not change.
        b.sh(
            r#"echo RAN
for f in /proc/keys /proc/timer_list; do
  [ -e $f ] || continue
  echo "$f: $(cat $f 2>&1 | wc -c) bytes"
  t=$(cat $f 2>&1); [ -n "$t" ] && (printf '%s\n' "$t" > $f) 2>&1 && echo "$f: WRITTEN"
done
exit 0"#,
        );
        let row = format!("/dev/null -> {target}");
        let out = rt.run(&b);
        if out.code() != 0 {
            assert_refused_by(rt, &out, &row);
            continue;
        }
        assert!(out.stdout.starts_with("RAN\n"), "{row}: the workload did not run\n{out:?}");
        for l in out.stdout.lines().skip(1) {
            assert!(l.ends_with(": 0 bytes"), "{row}: a masked file is not empty: {l}\n{out:?}");
        }
    }
}

/// The image's `/proc` or `/sys` is not a directory: a regular file, a FIFO
/// (an open without O_PATH would block PID 1 forever), a device node (the
/// memory device, 1:1), or a symlink — to `/`, or to a host directory by
/// its absolute path (only `/proc` symlinks are in `proc_symlink`). proc
/// and sysfs are mounted on a directory the lookup opened without following
/// anything, or the run is refused; nothing lands on the host, and a
/// workload that runs has the real filesystems there.
pub fn kernfs_not_dir(rt: Rt) {
    let canary = Canary::new();
    let host = canary.path().to_str().expect("utf-8 path").to_string();
    for dest in ["/proc", "/sys"] {
        for kind in ["file", "fifo", "device", "symlink /", "symlink host"] {
            let mut b = Who::Root.bundle();
            let p = b.in_rootfs(dest);
            fs::remove_dir_all(&p).expect("remove a rootfs dir");
            let c = std::ffi::CString::new(p.to_str().expect("utf-8 path")).expect("no NUL");
            match kind {
                "file" => fs::write(&p, "not a directory\n").expect("write a file"),
                // SAFETY: mkfifo(3) and mknod(2) with a valid C string.
                "fifo" => assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo"),
                "device" => assert_eq!(unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(1, 1)) }, 0, "mknod"),
                "symlink /" => symlink("/", &p).expect("plant a symlink"),
                _ => symlink(&host, &p).expect("plant a symlink"),
            }
            b.sh("echo RAN; test -r /proc/self/stat && echo proc; test -d /sys/kernel && echo sysfs");
            let row = format!("{dest} as a {kind}");
            let out = rt.run_with(&b, &[], |r| known_crun_hang(rt, r));
            canary.assert_untouched(&row, &out);
            if out.code() == 0 {
                assert_eq!(out.stdout, "RAN\nproc\nsysfs\n", "{row}: ran without the real proc and sysfs\n{out:?}");
            } else {
                assert_refused_by(rt, &out, &row);
            }
        }
    }
}
