//! A hostile rootfs cannot lead nsinit's setup outside it (CONTRACT.md "The
//! spec", `mounts[]`: "a symlink in the rootfs never leads a mount outside
//! it"; "Security promises").
//!
//! Each row plants symlinks (absolute, relative, dangling, looping) or `..`
//! in a fresh rootfs and names a destination through them. After each run:
//! the host is untouched — a canary tree outside the bundle (where an
//! escaped mkdir, mknod or file creation would land) is exactly as before,
//! and this process's mount table has not changed — and the mount, when it
//! succeeded, landed inside the rootfs: at the in-root path in the
//! container's mountinfo, and under `<bundle>/rootfs` on the host.
//!
//! A mount that escaped would only live in the container's private mount
//! namespace; what would show on the host is what an escaped lookup
//! creates. So every row's destination ends in a name missing everywhere.

mod common;

use common::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{FileTypeExt, symlink};
use std::path::{Path, PathBuf};

/// Everything under `dir`: path → what it is (file contents, link target,
/// "dir").
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display())).flatten() {
            let p = e.path();
            let ft = e.file_type().unwrap();
            let what = if ft.is_symlink() {
                format!("link {}", fs::read_link(&p).unwrap().display())
            } else if ft.is_dir() {
                todo.push(p.clone());
                "dir".into()
            } else if ft.is_file() {
                format!("file {}", fs::read_to_string(&p).unwrap_or_default())
            } else {
                format!("{ft:?}")
            };
            out.insert(p, what);
        }
    }
    out
}

/// The host side of a row: a canary tree (a file and a directory) and the
/// host's mount table, to compare after the run.
struct Host {
    canary: TempDir,
    mounts: String,
    tree: BTreeMap<PathBuf, String>,
}

impl Host {
    fn new() -> Host {
        let canary = TempDir::new();
        fs::write(canary.join("file"), "canary\n").unwrap();
        fs::create_dir(canary.join("dir")).unwrap();
        let tree = snapshot(canary.path());
        Host { canary, mounts: host_mountinfo(), tree }
    }

    /// The canary directory's absolute path.
    fn path(&self) -> &str {
        self.canary.path().to_str().expect("utf-8 temp path")
    }

    fn assert_untouched(&self, row: &str) {
        assert_eq!(snapshot(self.canary.path()), self.tree, "{row}: the host's canary tree changed");
        assert_eq!(host_mountinfo(), self.mounts, "{row}: the host's mount table changed");
    }
}

/// What a row must end in.
enum Want {
    /// Exit 0, the mount at this in-root path.
    Lands(String),
    /// 125 with exactly this line.
    Refused(String),
    /// Either (both keep the host safe): the destination is a symlink to a
    /// path missing in the rootfs, which runc creates inside the root and
    /// nsinit refuses today (tests/mounts.rs pins runc's behaviour as a bug).
    LandsOrRefused(String, String),
}

struct Row {
    name: &'static str,
    /// (link path in the rootfs, target), planted before the run.
    links: Vec<(&'static str, String)>,
    /// Directories made in the rootfs before the run.
    dirs: Vec<String>,
    destination: String,
    want: Want,
}

/// Runs one row: a tmpfs at the row's destination.
fn check(row: Row, host: &Host) {
    let mut b = Bundle::new();
    for d in &row.dirs {
        fs::create_dir_all(b.in_rootfs(d)).unwrap();
    }
    for (link, target) in &row.links {
        let at = b.in_rootfs(link);
        fs::create_dir_all(at.parent().unwrap()).unwrap();
        symlink(target, &at).unwrap_or_else(|e| panic!("{}: plant {link}: {e}", row.name));
    }
    b.mount(&row.destination, "tmpfs", "tmpfs", &["size=1m"]);
    b.sh("echo ran; cat /proc/self/mountinfo");
    let out = b.run();
    let landed = |path: &str| {
        out.assert_code(0);
        let mounts = MountInfo::all(&out.stdout);
        let m = mount_at(&mounts, path);
        assert!(m.fstype == "tmpfs" && m.has_super("size=1024k"), "{}: {m:?}", row.name);
        assert!(b.in_rootfs(path).is_dir(), "{}: {path} was not made in the rootfs", row.name);
    };
    match &row.want {
        Want::Lands(path) => landed(path),
        Want::Refused(line) => {
            out.assert_failed(line);
        }
        Want::LandsOrRefused(path, line) => match out.code() {
            0 => landed(path),
            _ => {
                out.assert_failed(line);
            }
        },
    }
    host.assert_untouched(row.name);
}

#[test]
fn symlinks_and_dotdot_stay_in_the_root() {
    let host = Host::new();
    let c = host.path().to_string();
    let enoent = |d: &str| format!("nsinit: mount: {d} (tmpfs): ENOENT: no such file or directory");
    let rows = vec![
        Row { name: "symlink to /", links: vec![("/evil", "/".into())], dirs: vec![], destination: format!("/evil{c}/n1"), want: Want::Lands(format!("{c}/n1")) },
        Row {
            name: "symlink to /etc",
            links: vec![("/etc2", "/etc".into())],
            dirs: vec![],
            destination: format!("/etc2/nsinit-hostile-{}", std::process::id()),
            want: Want::Lands(format!("/etc/nsinit-hostile-{}", std::process::id())),
        },
        Row {
            name: "relative ../../.. symlink",
            links: vec![("/usr/lib/up", "../../../../../../../../..".into())],
            dirs: vec![],
            destination: format!("/usr/lib/up{c}/n2"),
            want: Want::Lands(format!("{c}/n2")),
        },
        // ".." in a spec path is refused outright (a device "/.." once
        // chowned the host directory holding the root).
        Row {
            name: "leading ..",
            links: vec![],
            dirs: vec![],
            destination: format!("/../../..{c}/n3"),
            want: Want::Refused(r#"nsinit: spec: mounts[7].destination: must not have ".." components"#.into()),
        },
        Row {
            name: "inner ..",
            links: vec![],
            dirs: vec![],
            destination: format!("/tmp/../../../..{c}/n4"),
            want: Want::Refused(r#"nsinit: spec: mounts[7].destination: must not have ".." components"#.into()),
        },
        Row {
            name: "parent symlink to the host's path (present in the rootfs)",
            links: vec![("/out", c.clone())],
            dirs: vec![c.clone()],
            destination: "/out/n5".into(),
            want: Want::Lands(format!("{c}/n5")),
        },
        Row {
            name: "parent symlink to the host's path (missing in the rootfs)",
            links: vec![("/out", c.clone())],
            dirs: vec![],
            destination: "/out/n6".into(),
            want: Want::LandsOrRefused(format!("{c}/n6"), enoent("/out/n6")),
        },
        Row {
            name: "dangling symlink",
            links: vec![("/dangling", format!("{c}/never"))],
            dirs: vec![],
            destination: "/dangling".into(),
            want: Want::LandsOrRefused(format!("{c}/never"), enoent("/dangling")),
        },
        Row {
            name: "relative dangling symlink",
            links: vec![("/var/dangling", format!("../../../..{c}/never"))],
            dirs: vec![],
            destination: "/var/dangling".into(),
            want: Want::LandsOrRefused(format!("{c}/never"), enoent("/var/dangling")),
        },
        Row {
            name: "a file where a directory is needed",
            links: vec![],
            dirs: vec![],
            destination: "/etc/passwd/x".into(),
            want: Want::Refused("nsinit: mount: /etc/passwd/x (tmpfs): ENOTDIR: not a directory".into()),
        },
        Row {
            name: "symlink to a file where a directory is needed",
            links: vec![("/f", "/etc/passwd".into())],
            dirs: vec![],
            destination: "/f".into(),
            want: Want::Refused("nsinit: mount: /f (tmpfs): ENOTDIR: not a directory".into()),
        },
        Row {
            name: "symlink loop",
            links: vec![("/loop1", "loop2".into()), ("/loop2", "/loop1".into())],
            dirs: vec![],
            destination: "/loop1/x".into(),
            want: Want::Refused("nsinit: mount: /loop1/x (tmpfs): ELOOP: too many symbolic links encountered".into()),
        },
    ];
    for row in rows {
        check(row, &host);
    }
    assert!(!Path::new(&format!("/etc/nsinit-hostile-{}", std::process::id())).exists(), "created in the host's /etc");
}

/// A file bind whose destination is a symlink to a host file: the host
/// file is neither replaced nor created (a bind over a file in the rootfs
/// is fine; one through a link to a path missing in the rootfs is refused
/// or made inside it).
#[test]
fn file_bind_through_symlinks() {
    let host = Host::new();
    let c = host.path().to_string();
    // To a path the rootfs has: lands on the rootfs's /etc/hostname.
    let mut b = Bundle::new();
    let src = b.join("bound");
    fs::write(&src, "bound\n").unwrap();
    symlink("/etc/hostname", b.in_rootfs("/etc/hostname2")).unwrap();
    b.mount("/etc/hostname2", "bind", src.to_str().unwrap(), &["bind", "ro"]);
    b.sh("cat /etc/hostname; cat /proc/self/mountinfo");
    let out = b.run();
    out.assert_code(0);
    assert!(out.stdout.starts_with("bound\n"), "{out:?}");
    assert_eq!(mount_at(&MountInfo::all(&out.stdout), "/etc/hostname").root, src.to_str().unwrap());
    assert_eq!(fs::read_to_string(b.in_rootfs("/etc/hostname")).unwrap(), "nsinit-rootfs\n", "the rootfs file itself");
    host.assert_untouched("file bind to /etc/hostname");

    // To a host file the rootfs lacks.
    let mut b = Bundle::new();
    symlink(format!("{c}/file"), b.in_rootfs("/etc/evil")).unwrap();
    b.mount("/etc/evil", "bind", src.to_str().unwrap(), &["bind"]);
    b.sh("echo ran; cat /proc/self/mountinfo");
    let out = b.run();
    if out.code() == 0 {
        let mounts = MountInfo::all(&out.stdout);
        let m = mount_at(&mounts, &format!("{c}/file"));
        assert_eq!(m.root, src.to_str().unwrap());
        assert!(b.in_rootfs(&format!("{c}/file")).is_file());
    } else {
        out.assert_failed("nsinit: mount: /etc/evil (bind): ENOENT: no such file or directory");
    }
    host.assert_untouched("file bind through a link to a host file");
}

/// A destination that is a symlink to `/` puts the mount on the
/// container's root (here a bind of another root, which the workload then
/// runs in), never on the host's.
#[test]
fn symlink_to_slash_as_the_destination() {
    let host = Host::new();
    let mut b = Bundle::new();
    let alt = b.join("alt");
    fs::create_dir_all(alt.join("bin")).unwrap();
    copy_file(&b.in_rootfs("/bin/busybox"), &alt.join("bin/busybox"));
    symlink("busybox", alt.join("bin/sh")).unwrap();
    symlink("busybox", alt.join("bin/cat")).unwrap();
    fs::write(alt.join("which-root"), "alt\n").unwrap();
    symlink("/", b.in_rootfs("/evil")).unwrap();
    b.mount("/evil", "bind", alt.to_str().unwrap(), &["rbind"]);
    b.sh("cat /which-root");
    let out = b.run();
    out.assert_code(0);
    assert_eq!(out.stdout, "alt\n");
    host.assert_untouched("symlink to /");
}

/// `linux.devices` and `process.cwd` go through the same in-root
/// resolution: a device or a working directory named through a symlink to
/// `/` is made inside the rootfs.
#[test]
fn devices_and_cwd_through_symlinks() {
    let host = Host::new();
    let c = host.path().to_string();
    let mut b = Bundle::new();
    symlink("/", b.in_rootfs("/evil")).unwrap();
    b.config["linux"]["devices"] = json!([{"path": format!("/evil{c}/dev0"), "type": "c", "major": 1, "minor": 3}]);
    b.config["process"]["cwd"] = json!(format!("/evil{c}/cwd"));
    b.sh("pwd; stat -c %t:%T ../dev0");
    let out = b.run();
    out.assert_code(0);
    assert_eq!(out.stdout, format!("{c}/cwd\n1:3\n"));
    assert!(fs::metadata(b.in_rootfs(&format!("{c}/dev0"))).unwrap().file_type().is_char_device());
    assert!(b.in_rootfs(&format!("{c}/cwd")).is_dir());
    host.assert_untouched("devices and cwd");
}

/// The parent's mounts are shared with a namespace above it (a systemd
/// host: every mount shared; a runtime that keeps the propagation it
/// inherits): the bundle lives on a shared tmpfs made in an outer mount
/// namespace of the test's own, and nsinit's parent is `unshare -m
/// --propagation unchanged`. After the run the outer namespace must hold no
/// mount of the container, and the container's `/` is a slave of the
/// parent's (for the slave values) as runc makes it.
fn propagation_run(value: Option<&str>) -> (Output, Vec<MountInfo>) {
    let mut b = Bundle::new();
    let shared = b.join("shared");
    fs::create_dir(&shared).unwrap();
    let shared = shared.to_str().unwrap().to_string();
    b.config["root"]["path"] = json!(format!("{shared}/rootfs"));
    if let Some(v) = value {
        b.config["linux"]["rootfsPropagation"] = json!(v);
    }
    b.sh("awk '$5 == \"/\"' /proc/self/mountinfo");
    b.write();
    let script = r#"
        mount -t tmpfs shared "$SHARED" && mount --make-shared "$SHARED" && cp -a "$ROOTFS" "$SHARED/rootfs" || exit 99
        unshare --mount --propagation unchanged --pid --net --ipc --uts --fork --kill-child "$@"
        rc=$?
        echo '== outer'; cat /proc/self/mountinfo
        exit $rc
    "#;
    let out = Run::new()
        .wrap_argv(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"], 3)
        .spec(b.config_text())
        .cwd(b.path())
        .env("SHARED", &shared)
        .env("ROOTFS", b.rootfs())
        .run();
    let outer = MountInfo::all(&out.section("outer"));
    let leaked: Vec<MountInfo> = outer.into_iter().filter(|m| m.target.starts_with(&format!("{shared}/rootfs"))).collect();
    (out, leaked)
}

#[test]
fn no_mount_reaches_a_shared_parent() {
    // (rootfsPropagation, the optional fields of the container's `/`).
    let rows: &[(Option<&str>, &[&str])] = &[
        (None, &["master"]),
        (Some("rslave"), &["master"]),
        (Some("rprivate"), &[]),
        (Some("shared"), &["shared", "master"]),
        (Some("rshared"), &["shared", "master"]),
        (Some("unbindable"), &["unbindable"]),
    ];
    for (value, want) in rows {
        let (out, leaked) = propagation_run(*value);
        out.assert_code(0);
        assert!(leaked.is_empty(), "rootfsPropagation {value:?}: container mounts in the parent's namespace: {leaked:#?}");
        let root = MountInfo::parse(out.stdout.lines().next().unwrap()).unwrap();
        let got: Vec<&str> = root.fields.iter().map(|f| f.split(':').next().unwrap()).collect();
        assert_eq!(got, *want, "rootfsPropagation {value:?}: {root:?}");
    }
}

/// runc makes the rootfs's parent mount private before binding the rootfs
/// (rootfsParentMountPrivate), whatever rootfsPropagation says; runc 1.1
/// runs this bundle with "private" and leaks nothing.
#[test]
fn no_mount_reaches_a_shared_parent_with_private_or_slave() {
    for value in ["private", "slave"] {
        let (out, leaked) = propagation_run(Some(value));
        assert!(leaked.is_empty(), "rootfsPropagation {value}: container mounts in the parent's namespace: {leaked:#?}\n{out:?}");
        out.assert_code(0);
    }
}

/// A destination whose parent is swapped, while nsinit sets up, between a
/// directory of the rootfs and a symlink to a host directory (renameat2
/// RENAME_EXCHANGE from another thread, as fast as it goes): whatever
/// nsinit sees, every lookup stays in the root. Each run may land or fail;
/// the host's canary never changes and no mount reaches the host.
#[test]
fn symlink_swaps_during_setup_stay_in_the_root() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let host = Host::new();
    fs::create_dir(host.canary.join("dir/x")).unwrap();
    let host = Host { tree: snapshot(host.canary.path()), ..host };
    let (mut landed, mut refused) = (0, 0);
    for round in 0..30 {
        let mut b = Bundle::new();
        fs::create_dir_all(b.in_rootfs("swap/x")).unwrap();
        symlink(host.canary.join("dir"), b.in_rootfs("other")).unwrap();
        b.mount("/swap/x/new", "tmpfs", "tmpfs", &["size=1m"]);
        b.sh("true");
        let stop = Arc::new(AtomicBool::new(false));
        let (a, c) = (std::ffi::CString::new(b.in_rootfs("swap").to_str().unwrap()).unwrap(), std::ffi::CString::new(b.in_rootfs("other").to_str().unwrap()).unwrap());
        let flag = stop.clone();
        let swapper = std::thread::spawn(move || {
            const RENAME_EXCHANGE: libc::c_uint = 2;
            while !flag.load(Ordering::Relaxed) {
                // SAFETY: two NUL-terminated paths; renameat2 reads them only.
                unsafe { libc::syscall(libc::SYS_renameat2, libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, c.as_ptr(), RENAME_EXCHANGE) };
            }
        });
        let out = b.run();
        stop.store(true, Ordering::Relaxed);
        swapper.join().unwrap();
        match out.code() {
            0 => landed += 1,
            125 => refused += 1,
            _ => panic!("round {round}: {out:?}"),
        }
        host.assert_untouched(&format!("round {round}"));
    }
    eprintln!("symlink swaps: {landed} runs landed, {refused} refused, host untouched");
}

/// A rootfs whose `/proc` is a symlink (to `/`, to `/etc`, to a host path):
/// refused as runc refuses it (proc on a symlink would cover what the link
/// leads to), with one line, and the host is untouched.
#[test]
fn a_rootfs_whose_proc_is_a_symlink() {
    let host = Host::new();
    for target in ["/", "/etc", "../../..", host.path()] {
        let mut b = Bundle::new();
        let proc_dir = b.in_rootfs("proc");
        let _ = fs::remove_dir(&proc_dir);
        symlink(target, &proc_dir).unwrap();
        b.sh("cat /proc/self/mountinfo | grep -c ' proc ' >/dev/null && echo ran");
        let out = b.run();
        out.assert_failed("nsinit: mount: /proc (proc): a symlink in the rootfs: proc and sysfs are never mounted through one");
        host.assert_untouched(&format!("/proc -> {target}"));
    }
}
