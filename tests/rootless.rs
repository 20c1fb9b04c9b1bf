//! Rootless containers (`scripts/run --rootless`): an unprivileged user
//! ([`rootless_uid`], via setpriv) starts nsinit in a new user namespace
//! with itself mapped to root (util-linux `unshare --user --map-root-user`),
//! with `runc spec --rootless`'s config. What a user namespace allows works
//! (proc with a PID namespace, tmpfs, devpts, binds with their locked flags
//! kept, sysfs by rbind, devices bound from the host where mknod is
//! refused); what it does not allow is a clear 125 line.

mod common;

use common::*;
use serde_json::json;
use std::fs;
use std::process::Command;

/// Runs the rootless bundle with `script`; expects exit 0.
fn run_ok(b: &mut Bundle, script: &str) -> Output {
    b.sh(script);
    let out = b.run();
    out.assert_code(0);
    out
}

/// The rootless fixture as it is, seen from inside.
#[test]
fn rootless_fixture_from_inside() {
    let uid = rootless_uid();
    let mut b = Bundle::rootless();
    let out = run_ok(
        &mut b,
        &sections(&[
            ("id", "id"),
            ("uid_map", "cat /proc/self/uid_map | tr -s ' '"),
            ("pid1", "cat /proc/1/comm"),
            ("hostname", "hostname"),
            ("root", "touch /x 2>&1"),
            ("links", "for l in fd stdin stdout stderr ptmx; do echo \"$l -> $(readlink /dev/$l)\"; done"),
            ("mountinfo", "cat /proc/self/mountinfo"),
        ]),
    );
    assert_eq!(out.section("id"), "uid=0(root) gid=0(root)\n");
    assert_eq!(out.section("uid_map"), format!(" 0 {uid} 1\n"));
    assert_eq!(out.section("pid1"), "nsinit\n");
    assert_eq!(out.section("hostname"), "runc\n");
    assert!(out.section("root").contains("Read-only file system"), "{out:?}");
    assert_eq!(
        out.section("links"),
        "fd -> /proc/self/fd\nstdin -> /proc/self/fd/0\nstdout -> /proc/self/fd/1\nstderr -> /proc/self/fd/2\nptmx -> pts/ptmx\n"
    );
    let mounts = MountInfo::all(&out.section("mountinfo"));
    assert!(mount_at(&mounts, "/").has("ro"));
    assert_eq!(mount_at(&mounts, "/proc").fstype, "proc");
    let dev = mount_at(&mounts, "/dev");
    assert!(dev.fstype == "tmpfs" && dev.has_super("size=65536k") && dev.has_super("mode=755"), "{dev:?}");
    assert_eq!(mount_at(&mounts, "/dev/pts").fstype, "devpts");
    assert_eq!(mount_at(&mounts, "/dev/shm").fstype, "tmpfs");
    assert_eq!(mount_at(&mounts, "/dev/mqueue").fstype, "mqueue");
    // sysfs by rbind: the host's, read-only on top.
    let sys = mount_at(&mounts, "/sys");
    assert!(sys.fstype == "sysfs" && sys.has("ro") && sys.has("nosuid"), "{sys:?}");
    assert!(mount_at(&mounts, "/sys/fs/cgroup").has("ro"));
    // The default devices: mknod is refused, so the host's are bound.
    for name in ["null", "zero", "full", "random", "urandom", "tty"] {
        let m = mount_at(&mounts, &format!("/dev/{name}"));
        assert_eq!((m.root.as_str(), m.fstype.as_str()), (format!("/{name}").as_str(), "devtmpfs"), "{m:?}");
    }
    // Masked files get the bound /dev/null, read-only.
    let keys = mount_at(&mounts, "/proc/keys");
    assert!(keys.root == "/null" && keys.has("ro"), "{keys:?}");
}

/// A fresh sysfs works in a user namespace that owns a network namespace.
#[test]
fn fresh_sysfs_with_a_network_namespace() {
    let mut b = Bundle::rootless();
    for m in b.mounts() {
        if m["destination"] == "/sys" {
            *m = json!({"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]});
        }
    }
    b.config["linux"]["namespaces"].as_array_mut().unwrap().push(json!({"type": "network"}));
    let out = run_ok(&mut b, "cat /sys/class/net/lo/flags; cat /proc/self/mountinfo");
    assert!(out.stdout.starts_with("0x9\n"), "lo is up\n{out:?}");
    let sys = mount_at(&MountInfo::all(&out.stdout), "/sys");
    assert!(sys.fstype == "sysfs" && sys.has("ro"), "{sys:?}");
}

/// Binds of the user's own directory and of host files; flags the kernel
/// locked (relatime from the parent's mount) are kept when `ro` is added.
#[test]
fn binds_keep_locked_flags() {
    let mut b = Bundle::rootless();
    let data = b.join("data");
    fs::create_dir(&data).unwrap();
    fs::write(data.join("hello"), "hello\n").unwrap();
    b.mount("/data", "", data.to_str().unwrap(), &["rbind", "ro"]);
    b.mount("/data-nosuid", "", data.to_str().unwrap(), &["bind", "nosuid", "nodev", "noexec"]);
    b.mount("/etc/host-os-release", "", "/etc/os-release", &["bind", "ro"]);
    let out = run_ok(&mut b, "cat /data/hello; touch /data/x 2>&1; head -c0 /etc/host-os-release; cat /proc/self/mountinfo");
    assert!(out.stdout.starts_with("hello\ntouch: /data/x: Read-only file system\n"), "{out:?}");
    let mounts = MountInfo::all(&out.stdout);
    let d = mount_at(&mounts, "/data");
    assert!(d.has("ro") && d.has("relatime"), "{d:?}");
    let n = mount_at(&mounts, "/data-nosuid");
    assert!(["nosuid", "nodev", "noexec", "relatime"].iter().all(|o| n.has(o)), "{n:?}");
    assert!(mount_at(&mounts, "/etc/host-os-release").has("ro"));
}

/// `linux.devices` in a user namespace: mknod is refused, the host's
/// device at the same path is bound instead; a device the host lacks is a
/// clear 125.
#[test]
fn devices_are_bound_from_the_host() {
    let mut b = Bundle::rootless();
    b.config["linux"]["devices"] = json!([{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 0o600}]);
    let out = run_ok(&mut b, "stat -c '%F %t:%T' /dev/kmsg; cat /proc/self/mountinfo");
    assert!(out.stdout.starts_with("character special file 1:b\n"), "{out:?}");
    let m = mount_at(&MountInfo::all(&out.stdout), "/dev/kmsg");
    assert_eq!((m.root.as_str(), m.fstype.as_str()), ("/kmsg", "devtmpfs"), "{m:?}");

    let mut b = Bundle::rootless();
    b.config["linux"]["devices"] = json!([{"path": "/dev/nsinit-nope", "type": "c", "major": 1, "minor": 3}]);
    b.sh("echo ran");
    b.run().assert_failed("nsinit: device: /dev/nsinit-nope: ENOENT: no such file or directory");
}

/// The spec writer names a host file as a device (any absolute path is a
/// device path): where mknod is refused, nsinit binds the host's node at
/// that path only if it is the device the spec names. Before, the host's
/// file was bound into the container whatever it was (as runc 1.1 does):
/// a world-readable host file, a device with other numbers, a symlink.
#[test]
fn a_host_file_is_no_device() {
    let dir = std::env::temp_dir().join(format!("nsinit-test-dev-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let secret = dir.join("secret");
    fs::write(&secret, "host secret\n").unwrap();
    fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let link = dir.join("null-link");
    let _ = fs::remove_file(&link);
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let rows = [
        (secret.to_str().unwrap().to_string(), 1, 3),
        // The host's /dev/zero is 1:5, not the 1:3 the spec names.
        ("/dev/zero".to_string(), 1, 3),
        (link.to_str().unwrap().to_string(), 1, 3),
    ];
    for (path, major, minor) in rows {
        let mut b = Bundle::rootless();
        b.config["linux"]["devices"] = json!([{"path": path, "type": "c", "major": major, "minor": minor}]);
        b.sh(&format!("cat {path}"));
        b.run().assert_failed(&format!("nsinit: device: {path}: ENODEV: no such device"));
    }
    let _ = fs::remove_dir_all(&dir);
}

/// What a user namespace does not allow: 125, one line naming the step.
#[test]
fn what_a_user_namespace_refuses() {
    let (_, nofile_hard) = {
        let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes one rlimit.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) }, 0);
        (r.rlim_cur, r.rlim_max)
    };
    type Edit = fn(&mut Bundle);
    let mut rows: Vec<(&str, Edit, String)> = vec![
        (
            "a fresh sysfs without a network namespace",
            |b| {
                for m in b.mounts() {
                    if m["destination"] == "/sys" {
                        *m = json!({"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]});
                    }
                }
            },
            "nsinit: mount: /sys (sysfs): EPERM: operation not permitted".into(),
        ),
        ("proc without a PID namespace", |b| {
            b.without_namespace("pid");
        }, "nsinit: mount: /proc (proc): EPERM: operation not permitted".into()),
        (
            "additional gids (setgroups is denied)",
            |b| b.config["process"]["user"]["additionalGids"] = json!([0]),
            "nsinit: user: additional gids: 1: EPERM: operation not permitted".into(),
        ),
        ("an unmapped gid", |b| b.config["process"]["user"] = json!({"uid": 0, "gid": 1}), "nsinit: user: gid 1: EINVAL: invalid argument".into()),
        ("an unmapped uid", |b| b.config["process"]["user"] = json!({"uid": 1, "gid": 0}), "nsinit: user: uid 1: EINVAL: invalid argument".into()),
        (
            "a negative oomScoreAdj",
            |b| b.config["process"]["oomScoreAdj"] = json!(-1),
            "nsinit: oom_score_adj: /proc/self/oom_score_adj: EACCES: permission denied".into(),
        ),
        (
            "a net sysctl without a network namespace",
            |b| b.config["linux"]["sysctl"] = json!({"net.ipv4.ip_forward": "1"}),
            "nsinit: spec: linux.sysctl.net.ipv4.ip_forward: needs a network namespace".into(),
        ),
    ];
    if nofile_hard != libc::RLIM_INFINITY {
        // Raising a hard limit needs CAP_SYS_RESOURCE in the initial user
        // namespace, which a user namespace's root never has.
        let edit: Edit = |b| {
            let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            // SAFETY: getrlimit writes one rlimit.
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) };
            b.config["process"]["rlimits"] = json!([{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": r.rlim_max + 1}]);
        };
        rows.push(("raising a hard rlimit", edit, "nsinit: rlimit: RLIMIT_NOFILE: EPERM: operation not permitted".into()));
    }
    for (name, edit, line) in rows {
        let mut b = Bundle::rootless();
        edit(&mut b);
        b.sh("echo ran");
        let out = b.run();
        assert_eq!(out.code(), 125, "{name}\n{out:?}");
        assert_one_error_line(&out.stderr, &line);
        assert!(out.stdout.is_empty(), "{name}: the workload ran\n{out:?}");
    }
}

/// `scripts/run --rootless` itself, run by the unprivileged user, with
/// the binary the test built (NSINIT).
#[test]
fn scripts_run_rootless() {
    let uid = rootless_uid();
    let mut b = Bundle::rootless();
    b.sh("id; cat /proc/self/uid_map | tr -s ' '");
    // Writes config.json, chowns the bundle, copies nsinit into it.
    let _ = b.runner();
    // The user may not reach the worktree: a copy of the scripts, too.
    let scripts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
    std::fs::create_dir_all(b.join("scripts")).expect("mkdir scripts");
    for name in ["run", "state.sh"] {
        copy_file(&scripts.join(name), &b.join("scripts").join(name));
    }
    let copy = b.join("scripts/run");
    let out = run_command(
        Command::new("setpriv")
            .args([format!("--reuid={uid}"), format!("--regid={uid}"), "--clear-groups".into()])
            .arg(&copy)
            .arg("--rootless")
            .arg(b.path())
            .env_clear()
            .env("PATH", PATH)
            .env("NSINIT", b.join("nsinit")),
    );
    out.assert_code(0);
    assert_eq!(out.stdout, format!("uid=0(root) gid=0(root)\n 0 {uid} 1\n"));
}
