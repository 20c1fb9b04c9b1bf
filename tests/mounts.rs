//! The root filesystem and the mounts (CONTRACT.md "The spec": `root.path`,
//! `root.readonly`, `mounts[]`, `linux.rootfsPropagation`,
//! `linux.maskedPaths`, `linux.readonlyPaths`, `linux.devices`; "Security
//! promises": nothing of the host is reachable after `pivot_root`).
//!
//! Each test runs a bundle (the runc fixture with a few overrides, a fresh
//! busybox rootfs) the way `scripts/run` does, and checks from inside the
//! container: its `/proc/self/mountinfo`, `stat`, and writes that must fail
//! (`probe`, below). A failure row asserts 125, the exact line, and that the
//! workload never ran (it would print).

mod common;

use common::*;
use serde_json::json;
use std::fs;
use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};

const EROFS: &str = "Read-only file system";

/// Shell function for the workloads: `probe LABEL CMD...` prints
/// `LABEL: ok` or `LABEL: <what CMD printed>` when it fails.
const PROBE: &str = r#"probe() { l=$1; shift; if o=$("$@" 2>&1); then echo "$l: ok"; else echo "$l: $o"; fi; }"#;

/// What `probe LABEL ...` printed after `LABEL: `.
fn probed(out: &Output, label: &str) -> String {
    let head = format!("{label}: ");
    let line = out.stdout.lines().find(|l| l.starts_with(&head)).unwrap_or_else(|| panic!("no probe {label}\n{out:?}"));
    line[head.len()..].to_string()
}

/// Asserts the probe failed because the filesystem is read-only.
fn assert_erofs(out: &Output, label: &str) {
    let got = probed(out, label);
    assert!(got.contains(EROFS), "{label}: want {EROFS:?}, got {got:?}\n{out:?}");
}

/// Runs `b` with a workload that defines `probe`, runs `script`, then
/// prints its mountinfo as the last section; expects exit 0.
fn run_inside(b: &mut Bundle, script: &str) -> (Output, Vec<MountInfo>) {
    b.sh(&format!("{PROBE}\n{script}\necho '== mountinfo'; cat /proc/self/mountinfo"));
    let out = b.run();
    out.assert_code(0);
    let mounts = MountInfo::all(&out.section("mountinfo"));
    (out, mounts)
}

/// The cgroup path of this process in the hierarchy mounted as `m`, from
/// /proc/self/cgroup (cgroup v1: the line whose controllers or `name=` are
/// all among `m`'s super options, the one naming most; cgroup2: the `0::`
/// line). The container shares nsinit's cgroup, which is ours.
fn own_cgroup(m: &MountInfo) -> String {
    let text = fs::read_to_string("/proc/self/cgroup").expect("read /proc/self/cgroup");
    let mut best: Option<(usize, String)> = None;
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (_, ctrls, path) = (f.next(), f.next().unwrap_or_default(), f.next().unwrap_or_default());
        let names: Vec<&str> = ctrls.split(',').filter(|c| !c.is_empty()).collect();
        let fits = if m.fstype == "cgroup2" { names.is_empty() } else { !names.is_empty() && names.iter().all(|n| m.has_super(n)) };
        if fits && best.as_ref().is_none_or(|(n, _)| names.len() > *n) {
            best = Some((names.len(), path.to_string()));
        }
    }
    best.unwrap_or_else(|| panic!("no line of /proc/self/cgroup for {m:?}")).1
}

/// The host's cgroup hierarchies mounted directly under /sys/fs/cgroup, and
/// whether /sys/fs/cgroup itself is cgroup2 (a unified host).
fn host_cgroups() -> (bool, Vec<MountInfo>) {
    let host = MountInfo::all(&host_mountinfo());
    let unified = host.iter().rev().find(|m| m.target == "/sys/fs/cgroup").is_some_and(|m| m.fstype == "cgroup2");
    let v1 = host
        .into_iter()
        .filter(|m| (m.fstype == "cgroup" || m.fstype == "cgroup2") && m.target.rsplit_once('/').is_some_and(|(d, _)| d == "/sys/fs/cgroup"))
        .collect();
    (unified, v1)
}

/// Every mount of `runc spec`'s config, as runc makes it.
#[test]
fn runc_default_mounts() {
    let mut b = Bundle::new();
    let (out, mounts) = run_inside(
        &mut b,
        "probe sysfs sh -c 'echo 1500 > /sys/class/net/lo/mtu'
         probe cgroup-tmpfs touch /sys/fs/cgroup/x
         for h in /sys/fs/cgroup/*/; do probe \"cgroup $h\" mkdir \"$h/nsinit-test\"; done
         echo \"== shm\"; stat -c %a /dev/shm",
    );
    // proc: the container's own (a PID namespace: nsinit is 1).
    let proc = mount_at(&mounts, "/proc");
    assert_eq!((proc.fstype.as_str(), proc.source.as_str(), proc.has("rw")), ("proc", "proc", true), "{proc:?}");
    // /dev: tmpfs with its data, nosuid, strictatime (no relatime).
    let dev = mount_at(&mounts, "/dev");
    assert_eq!(dev.fstype, "tmpfs");
    assert!(dev.has("nosuid") && !dev.has("relatime") && !dev.has("noatime"), "{dev:?}");
    assert!(dev.has_super("mode=755") && dev.has_super("size=65536k"), "{dev:?}");
    // devpts: a new instance (not the host's device) with its data words.
    let pts = mount_at(&mounts, "/dev/pts");
    assert_eq!(pts.fstype, "devpts");
    assert!(pts.has("nosuid") && pts.has("noexec"), "{pts:?}");
    for o in ["gid=5", "mode=620", "ptmxmode=666"] {
        assert!(pts.has_super(o), "devpts {o}: {pts:?}");
    }
    let host_pts: Vec<String> = MountInfo::all(&host_mountinfo()).into_iter().filter(|m| m.fstype == "devpts").map(|m| m.dev).collect();
    assert!(!host_pts.contains(&pts.dev), "devpts {} is the host's ({host_pts:?}): not a new instance", pts.dev);
    // shm and mqueue.
    let shm = mount_at(&mounts, "/dev/shm");
    assert_eq!((shm.fstype.as_str(), shm.source.as_str()), ("tmpfs", "shm"));
    assert!(["nosuid", "nodev", "noexec"].iter().all(|o| shm.has(o)) && shm.has_super("size=65536k"), "{shm:?}");
    assert_eq!(out.section("shm"), "1777\n", "mode=1777 of /dev/shm");
    let mq = mount_at(&mounts, "/dev/mqueue");
    assert_eq!(mq.fstype, "mqueue");
    assert!(["nosuid", "nodev", "noexec"].iter().all(|o| mq.has(o)), "{mq:?}");
    // sysfs, read-only.
    let sys = mount_at(&mounts, "/sys");
    assert_eq!(sys.fstype, "sysfs");
    assert!(["ro", "nosuid", "nodev", "noexec"].iter().all(|o| sys.has(o)), "{sys:?}");
    assert_erofs(&out, "sysfs");
    // cgroup: the container's own hierarchy, read-only.
    let (unified, hierarchies) = host_cgroups();
    let cg = mount_at(&mounts, "/sys/fs/cgroup");
    assert!(["ro", "nosuid", "nodev", "noexec"].iter().all(|o| cg.has(o)), "{cg:?}");
    if unified {
        // No cgroup namespace in the config: the own cgroup bound.
        assert_eq!(cg.fstype, "cgroup2", "{cg:?}");
        assert_eq!(cg.root, own_cgroup(&cg), "{cg:?}");
    } else {
        // v1 or hybrid: a tmpfs holding each hierarchy, bound from our own
        // cgroup in it.
        assert_eq!(cg.fstype, "tmpfs", "{cg:?}");
        assert!(cg.has_super("mode=755"), "{cg:?}");
        assert_erofs(&out, "cgroup-tmpfs");
        assert!(!hierarchies.is_empty(), "a v1 host without hierarchies?");
        for h in &hierarchies {
            let inside = mount_at(&mounts, &h.target);
            assert_eq!(inside.fstype, h.fstype, "{inside:?}");
            assert_eq!(inside.dev, h.dev, "{} is not the host's hierarchy", h.target);
            assert_eq!(inside.root, own_cgroup(h), "{} is not our own cgroup", h.target);
            assert!(["ro", "nosuid", "nodev", "noexec"].iter().all(|o| inside.has(o)), "{inside:?}");
            assert_erofs(&out, &format!("cgroup {}/", h.target));
        }
    }
}

/// `root.path` relative to the bundle (the fixture's `rootfs`) or absolute:
/// the same root. The root's mount is the bundle's rootfs.
#[test]
fn root_path_relative_and_absolute() {
    for absolute in [false, true] {
        let mut b = Bundle::new();
        if absolute {
            b.config["root"]["path"] = json!(b.rootfs().to_str().expect("utf-8 path"));
        }
        fs::write(b.in_rootfs("/etc/which-root"), "the bundle's rootfs\n").expect("write marker");
        let (out, mounts) = run_inside(&mut b, "echo '== marker'; cat /etc/which-root");
        assert_eq!(out.section("marker"), "the bundle's rootfs\n", "absolute: {absolute}");
        assert_eq!(mount_at(&mounts, "/").root, b.rootfs().to_str().unwrap(), "absolute: {absolute}");
    }
}

/// A missing rootfs, relative or absolute: 125 naming it, no workload.
#[test]
fn missing_rootfs_is_125() {
    let b0 = Bundle::new();
    let missing_abs = b0.join("no-such-rootfs");
    for path in ["no-such-rootfs", missing_abs.to_str().unwrap()] {
        let mut b = Bundle::new();
        b.config["root"]["path"] = json!(path);
        b.sh("echo ran");
        b.run().assert_failed(&format!("nsinit: root: {path}: ENOENT: no such file or directory"));
    }
}

/// `root.readonly`: writes to `/` fail with EROFS; without it they land in
/// the bundle's rootfs.
#[test]
fn root_readonly() {
    let mut b = Bundle::new();
    let (out, mounts) = run_inside(&mut b, "probe root touch /written");
    assert!(mount_at(&mounts, "/").has("ro"));
    assert_erofs(&out, "root");
    assert!(!b.in_rootfs("/written").exists());

    let mut b = Bundle::new();
    b.config["root"]["readonly"] = json!(false);
    let (out, mounts) = run_inside(&mut b, "probe root touch /written");
    assert!(mount_at(&mounts, "/").has("rw"));
    assert_eq!(probed(&out, "root"), "ok");
    assert!(b.in_rootfs("/written").is_file(), "the write did not land in the bundle's rootfs");
}

/// A `cgroup` mount without `ro` is writable as a whole; a second cgroup
/// mount is refused (one hierarchy per container).
#[test]
fn cgroup_mount_without_ro_and_twice() {
    let mut b = Bundle::new();
    for m in b.mounts() {
        if m["type"] == "cgroup" {
            m["options"] = json!(["nosuid", "noexec", "nodev"]);
        }
    }
    let (_, mounts) = run_inside(&mut b, "");
    let cg = mount_at(&mounts, "/sys/fs/cgroup");
    assert!(cg.has("rw") && cg.has("nosuid"), "{cg:?}");

    let mut b = Bundle::new();
    b.mount("/cgroup2", "cgroup", "cgroup", &[]).sh("echo ran");
    b.run().assert_failed("nsinit: mount: /cgroup2 (cgroup): only one cgroup mount is supported");
}

/// A unified host whose /sys/fs/cgroup is itself a bind of a cgroup (a
/// container of nsinit or systemd-nspawn without a cgroup namespace, one
/// level up): /proc/self/cgroup names our cgroup from the hierarchy's root,
/// the mount shows it as its own root. Without a cgroup namespace the
/// container gets its own cgroup (the mount's root, below nothing), not an
/// ENOENT for the path below the hierarchy's root. Simulated in a private
/// mount namespace: the host's cgroup2 hierarchy bound from a cgroup made
/// for the test onto /sys/fs/cgroup, the parent moved into that cgroup.
#[test]
fn cgroup_mount_on_a_nested_unified_host() {
    let (unified, hierarchies) = host_cgroups();
    let Some(v2) = (if unified { Some("/sys/fs/cgroup".to_string()) } else { hierarchies.iter().find(|h| h.fstype == "cgroup2").map(|h| h.target.clone()) }) else {
        eprintln!("no cgroup2 hierarchy on this host: nothing to nest");
        return;
    };
    let name = format!("nsinit-test-nested-{}", std::process::id());
    let dir = format!("{v2}/{name}");
    fs::create_dir(&dir).expect("mkdir a test cgroup");
    let mut b = Bundle::new();
    b.without_namespace("cgroup");
    b.sh(&format!("{PROBE}\necho '== mountinfo'; cat /proc/self/mountinfo"));
    let setup = format!(
        r#"echo $$ > {dir}/cgroup.procs && exec unshare -m --propagation private sh -c 'mount --bind {dir} /sys/fs/cgroup && exec "$@"' sh "$@""#
    );
    let mut argv: Vec<String> = vec!["sh".into(), "-c".into(), setup, "sh".into()];
    argv.extend(b.parent_argv());
    let out = b.runner().wrap_argv(argv, 1).run();
    let _ = fs::remove_dir(&dir);
    out.assert_code(0);
    let cg = mount_at(&MountInfo::all(&out.section("mountinfo")), "/sys/fs/cgroup");
    assert_eq!((cg.fstype.as_str(), cg.root.as_str()), ("cgroup2", format!("/{name}").as_str()), "{cg:?}\n{out:?}");
    assert!(["ro", "nosuid", "nodev", "noexec"].iter().all(|o| cg.has(o)), "{cg:?}");
}

/// Bind mounts of a host directory and a host file; missing destinations
/// are created inside the rootfs (a directory; a file for a file bind,
/// with its missing parents).
#[test]
fn bind_directory_and_file() {
    let mut b = Bundle::new();
    let data = b.join("data");
    fs::create_dir(&data).unwrap();
    fs::write(data.join("hello"), "from a host directory\n").unwrap();
    let file = b.join("file.txt");
    fs::write(&file, "from a host file\n").unwrap();
    b.mount("/data", "", data.to_str().unwrap(), &["bind"]);
    b.mount("/etc/bound/deeper/file.txt", "", file.to_str().unwrap(), &["rbind"]);
    let (out, mounts) = run_inside(&mut b, "echo '== dir'; cat /data/hello; echo '== file'; cat /etc/bound/deeper/file.txt");
    assert_eq!(out.section("dir"), "from a host directory\n");
    assert_eq!(out.section("file"), "from a host file\n");
    assert_eq!(mount_at(&mounts, "/data").root, data.to_str().unwrap());
    assert_eq!(mount_at(&mounts, "/etc/bound/deeper/file.txt").root, file.to_str().unwrap());
    // The mount points, as the host sees them in the rootfs.
    let dir = fs::metadata(b.in_rootfs("/data")).unwrap();
    assert!(dir.is_dir(), "/data is not a directory");
    assert_eq!(dir.permissions().mode() & 0o7777, 0o755);
    let f = fs::symlink_metadata(b.in_rootfs("/etc/bound/deeper/file.txt")).unwrap();
    assert!(f.is_file() && f.len() == 0, "the file mount point: {f:?}");
    assert!(fs::metadata(b.in_rootfs("/etc/bound/deeper")).unwrap().is_dir());
}

/// A bind mount's flags only take effect by a remount: each row is checked
/// in mountinfo and by what it forbids.
#[test]
fn bind_flags_are_applied() {
    let mut b = Bundle::new();
    let data = b.join("data");
    fs::create_dir(&data).unwrap();
    let script = data.join("run.sh");
    write_executable(&script, "#!/bin/sh\necho executed\n");
    let src = data.to_str().unwrap();
    let rows: &[(&str, &[&str])] = &[
        ("/plain", &["bind"]),
        ("/ro", &["bind", "ro"]),
        ("/nosuid", &["bind", "nosuid", "nodev"]),
        ("/noexec", &["rbind", "noexec"]),
        ("/noatime", &["bind", "noatime", "nodiratime"]),
        ("/nosymfollow", &["bind", "nosymfollow"]),
        ("/ro-then-rw", &["bind", "ro", "rw"]),
    ];
    for (dest, opts) in rows {
        b.mount(dest, "bind", src, opts);
    }
    let (out, mounts) = run_inside(
        &mut b,
        "probe write-plain touch /plain/w
         probe write-ro touch /ro/w
         probe write-ro-then-rw touch /ro-then-rw/w2
         probe exec-plain /plain/run.sh
         probe exec-noexec /noexec/run.sh",
    );
    let has = |dest: &str, opt: &str| mount_at(&mounts, dest).has(opt);
    assert!(has("/plain", "rw") && !has("/plain", "nosuid") && !has("/plain", "noexec"));
    assert!(has("/ro", "ro"));
    assert!(has("/nosuid", "nosuid") && has("/nosuid", "nodev"));
    assert!(has("/noexec", "noexec"));
    assert!(has("/noatime", "noatime") && has("/noatime", "nodiratime"));
    assert!(has("/nosymfollow", "nosymfollow"));
    assert!(has("/ro-then-rw", "rw"), "a later word undoes an earlier one");
    assert_eq!(probed(&out, "write-plain"), "ok");
    assert_erofs(&out, "write-ro");
    assert_eq!(probed(&out, "write-ro-then-rw"), "ok");
    assert_eq!(probed(&out, "exec-plain"), "ok");
    assert!(probed(&out, "exec-noexec").contains("Permission denied"), "{out:?}");
}

/// `bind` takes one mount, `rbind` the submounts too; `ro` is the top mount
/// only, `rro` the whole tree. The source is the host's /dev, which has
/// submounts (devpts, shm).
#[test]
fn rbind_and_recursive_attributes() {
    let host = MountInfo::all(&host_mountinfo());
    let subs: Vec<&MountInfo> = host.iter().filter(|m| m.target.starts_with("/dev/")).collect();
    assert!(!subs.is_empty(), "the host's /dev has no submounts to test rbind with");
    let mut b = Bundle::new();
    b.mount("/bind", "", "/dev", &["bind"]);
    b.mount("/rbind-ro", "", "/dev", &["rbind", "ro"]);
    b.mount("/rbind-rro", "", "/dev", &["rbind", "rro"]);
    b.mount("/rbind-rro-rrw", "", "/dev", &["rbind", "rro", "rrw"]);
    let (_, mounts) = run_inside(&mut b, "");
    assert!(!mounts.iter().any(|m| m.target.starts_with("/bind/")), "bind took submounts: {mounts:#?}");
    assert!(mount_at(&mounts, "/rbind-ro").has("ro") && mount_at(&mounts, "/rbind-rro").has("ro"));
    assert!(mount_at(&mounts, "/rbind-rro-rrw").has("rw"));
    for s in &subs {
        let rel = s.target.trim_start_matches("/dev");
        for top in ["/rbind-ro", "/rbind-rro", "/rbind-rro-rrw"] {
            let m = mount_at(&mounts, &format!("{top}{rel}"));
            let want = if top == "/rbind-rro" { "ro" } else { s.opts[0].as_str() };
            assert!(m.has(want), "{top}{rel}: want {want}: {m:?}");
        }
    }
}

/// Propagation words on a mount: applied after it, seen in mountinfo's
/// optional fields.
#[test]
fn propagation_words() {
    let mut b = Bundle::new();
    let data = b.join("data");
    fs::create_dir(&data).unwrap();
    let src = data.to_str().unwrap();
    for (dest, word) in [("/shared", "shared"), ("/private", "private"), ("/unbindable", "unbindable"), ("/slave", "rslave")] {
        b.mount(dest, "", src, &["bind", word]);
    }
    b.mount("/rshared", "", "/dev", &["rbind", "rshared"]);
    b.mount("/runbindable", "", "/dev", &["rbind", "runbindable"]);
    let (_, mounts) = run_inside(&mut b, "");
    assert!(mount_at(&mounts, "/shared").field("shared:").is_some(), "{mounts:#?}");
    assert!(mount_at(&mounts, "/private").fields.is_empty(), "{mounts:#?}");
    assert_eq!(mount_at(&mounts, "/unbindable").fields, ["unbindable"]);
    // A slave of a private mount has no master: it is private.
    assert!(mount_at(&mounts, "/slave").fields.is_empty(), "{mounts:#?}");
    for m in mounts.iter().filter(|m| m.target == "/rshared" || m.target.starts_with("/rshared/")) {
        assert!(m.field("shared:").is_some(), "rshared: {m:?}");
    }
    for m in mounts.iter().filter(|m| m.target == "/runbindable" || m.target.starts_with("/runbindable/")) {
        assert_eq!(m.fields, ["unbindable"], "runbindable: {m:?}");
    }
    assert!(mounts.iter().filter(|m| m.target.starts_with("/rshared/")).count() > 0);
}

/// `key=value` words and the known bare data words become the mount's
/// data; flags next to them still apply.
#[test]
fn data_options() {
    let mut b = Bundle::new();
    b.mount("/t", "tmpfs", "tmpfs", &["size=1m", "mode=710", "uid=1", "gid=2", "nr_inodes=100", "noexec", "noatime"]);
    b.mount("/pts2", "devpts", "devpts", &["newinstance", "ptmxmode=0600", "mode=0600"]);
    let (out, mounts) = run_inside(&mut b, "echo '== stat'; stat -c '%a %u %g' /t");
    let t = mount_at(&mounts, "/t");
    for o in ["size=1024k", "mode=710", "uid=1", "gid=2", "nr_inodes=100"] {
        assert!(t.has_super(o), "{o}: {t:?}");
    }
    assert!(t.has("noexec") && t.has("noatime"), "{t:?}");
    assert_eq!(out.section("stat"), "710 1 2\n");
    let pts = mount_at(&mounts, "/pts2");
    assert!(pts.has_super("ptmxmode=600") && pts.has_super("mode=600"), "{pts:?}");
    assert_ne!(pts.dev, mount_at(&mounts, "/dev/pts").dev, "newinstance: two devpts instances");
}

/// Destinations missing from the rootfs are created, nested ones too,
/// directories with mode 0755.
#[test]
fn missing_destinations_are_created() {
    let mut b = Bundle::new();
    b.mount("/a/b/c", "tmpfs", "tmpfs", &[]);
    let (_, mounts) = run_inside(&mut b, "");
    assert_eq!(mount_at(&mounts, "/a/b/c").fstype, "tmpfs");
    for d in ["/a", "/a/b", "/a/b/c"] {
        let m = fs::metadata(b.in_rootfs(d)).unwrap_or_else(|e| panic!("{d}: {e}"));
        assert!(m.is_dir() && m.permissions().mode() & 0o7777 == 0o755, "{d}: {m:?}");
    }
}

/// `linux.rootfsPropagation` on the container's `/`: shared and
/// unbindable show in mountinfo. (The parent's mounts are private here, so
/// slave and private look the same; tests/hostile.rs runs the bundle on a
/// shared mount, where they differ.)
#[test]
fn rootfs_propagation() {
    // (value, the optional fields `/` must have).
    let rows: &[(Option<&str>, &[&str])] = &[
        (None, &[]),
        (Some("rslave"), &[]),
        (Some("rprivate"), &[]),
        (Some("shared"), &["shared:"]),
        (Some("rshared"), &["shared:"]),
        (Some("unbindable"), &["unbindable"]),
    ];
    for (value, want) in rows {
        let mut b = Bundle::new();
        if let Some(v) = value {
            b.config["linux"]["rootfsPropagation"] = json!(v);
        }
        let (_, mounts) = run_inside(&mut b, "");
        let root = mount_at(&mounts, "/");
        let got: Vec<&str> = root.fields.iter().map(|f| f.split_once(':').map_or(f.as_str(), |(k, _)| &f[..=k.len()])).collect();
        if value.is_some_and(|v| v == "rshared") {
            assert!(mounts.iter().all(|m| m.field("shared:").is_some()), "rshared: {mounts:#?}");
        }
        assert_eq!(got, *want, "rootfsPropagation {value:?}: {root:?}");
    }
}

/// `linux.maskedPaths`: a file reads empty (it is /dev/null: what is
/// written goes nowhere), a directory is empty and read-only, a missing
/// path is skipped.
#[test]
fn masked_paths() {
    let mut b = Bundle::new();
    fs::write(b.in_rootfs("/etc/secret"), "secret\n").unwrap();
    fs::create_dir_all(b.in_rootfs("/srv/secrets")).unwrap();
    fs::write(b.in_rootfs("/srv/secrets/key"), "key\n").unwrap();
    b.config["linux"]["maskedPaths"] = json!(["/proc/keys", "/proc/acpi", "/etc/secret", "/srv/secrets", "/does/not/exist"]);
    b.config["root"]["readonly"] = json!(false);
    let (out, mounts) = run_inside(
        &mut b,
        "probe write-file sh -c 'echo x > /etc/secret'
         probe write-dir touch /srv/secrets/new
         echo '== secret'; cat /etc/secret; echo '== keys'; cat /proc/keys
         echo '== dir'; ls -A /srv/secrets /proc/acpi",
    );
    assert_eq!(out.section("secret"), "");
    assert_eq!(out.section("keys"), "");
    assert_eq!(out.section("dir"), "/proc/acpi:\n\n/srv/secrets:\n");
    assert_eq!(probed(&out, "write-file"), "ok", "a write to /dev/null");
    assert_erofs(&out, "write-dir");
    for f in ["/proc/keys", "/etc/secret"] {
        let m = mount_at(&mounts, f);
        assert_eq!(m.root, "/null", "{f} is not /dev/null: {m:?}");
        assert!(m.has("ro"), "{m:?}");
    }
    for d in ["/proc/acpi", "/srv/secrets"] {
        let m = mount_at(&mounts, d);
        assert!(m.fstype == "tmpfs" && m.has("ro"), "{m:?}");
    }
    assert!(!mounts.iter().any(|m| m.target.starts_with("/does")), "{mounts:#?}");
    assert_eq!(fs::read_to_string(b.in_rootfs("/etc/secret")).unwrap(), "secret\n", "the file itself is untouched");
}

/// The masks against a root workload with the default capabilities (no
/// CAP_SYS_ADMIN): no write into a masked directory, no remount of one or
/// of a masked file read-write, no unmount, exactly as under runc itself
/// (runc the runtime and its masks, nsinit only its init): each probe
/// fails with the same message under both.
#[test]
fn masked_paths_hold_against_root_as_under_runc() {
    use common::runtime::{Container, Mode, Runtime};
    const ATTACKS: &[(&str, &str)] = &[
        ("write-dir", "touch /proc/acpi/x"),
        ("mkdir", "mkdir /sys/firmware/x"),
        ("remount-dir", "mount -o remount,rw /proc/acpi"),
        ("bind-remount-dir", "mount -o remount,bind,rw /sys/firmware"),
        ("umount-dir", "umount /proc/acpi"),
        ("lazy-umount-dir", "umount -l /sys/firmware"),
        ("over-dir", "mount -t tmpfs tmpfs /proc/acpi"),
        ("remount-file", "mount -o remount,bind,rw /proc/keys"),
        ("umount-file", "umount /proc/keys"),
    ];
    let mut script = format!("{PROBE}\n");
    for (label, cmd) in ATTACKS {
        script.push_str(&format!("probe {label} {cmd}\n"));
    }
    script.push_str("echo '== after'; ls -A /proc/acpi /sys/firmware; grep -E ' /proc/acpi | /sys/firmware ' /proc/self/mountinfo | cut -d' ' -f5,6\n");
    script.push_str("echo '== file'; grep ' /proc/keys ' /proc/self/mountinfo | cut -d' ' -f5,6\n");
    let runc = Container::new(Runtime::Runc, Mode::Reaper).sh(&script).run();
    runc.assert_code(0);
    let mut b = Bundle::new();
    b.sh(&script);
    let ours = b.run();
    ours.assert_code(0);
    for (label, _) in ATTACKS {
        let (r, n) = (probed(&runc, label), probed(&ours, label));
        assert_ne!(n, "ok", "{label}: the workload got through\n{ours:?}");
        assert_eq!(n, r, "{label}: nsinit and runc differ\n{runc:?}\n{ours:?}");
    }
    assert_eq!(ours.section("after"), runc.section("after"), "{runc:?}\n{ours:?}");
    // runc leaves the /dev/null bound over a masked file writable (writes
    // vanish there); nsinit makes it read-only, as crun does.
    assert_eq!((runc.section("file"), ours.section("file")), ("/proc/keys rw,nosuid\n".into(), "/proc/keys ro,nosuid\n".into()));
}

/// `linux.readonlyPaths`: read-only bind remounts, recursive, keeping the
/// flags the mounts had; a missing path is skipped.
#[test]
fn readonly_paths() {
    let mut b = Bundle::new();
    b.config["root"]["readonly"] = json!(false);
    fs::write(b.in_rootfs("/etc/motd"), "hello\n").unwrap();
    b.config["linux"]["readonlyPaths"] = json!(["/proc/sys", "/var", "/etc/motd", "/dev", "/no/such/path"]);
    let (out, mounts) = run_inside(
        &mut b,
        "probe proc-sys sh -c 'echo 1 > /proc/sys/kernel/ns_last_pid'
         probe var touch /var/x
         probe motd sh -c 'echo x >> /etc/motd'
         probe shm touch /dev/shm/x
         probe root touch /x",
    );
    for label in ["proc-sys", "var", "motd", "shm"] {
        assert_erofs(&out, label);
    }
    assert_eq!(probed(&out, "root"), "ok", "only the listed paths are read-only");
    let dev = mount_at(&mounts, "/dev");
    assert!(dev.has("ro") && dev.has("nosuid"), "{dev:?}");
    let shm = mount_at(&mounts, "/dev/shm");
    assert!(["ro", "nosuid", "nodev", "noexec"].iter().all(|o| shm.has(o)), "{shm:?}");
    assert!(mount_at(&mounts, "/etc/motd").has("ro"));
    assert!(!mounts.iter().any(|m| m.target.starts_with("/no/")), "{mounts:#?}");
}

/// `linux.devices`: made with mknod, with the given type, numbers, mode,
/// uid and gid (no umask), parents created.
#[test]
fn devices_are_made_with_mknod() {
    let mut b = Bundle::new();
    b.config["linux"]["devices"] = json!([
        {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 0o640, "uid": 1, "gid": 2},
        {"path": "/dev/sub/dir/loop9", "type": "b", "major": 7, "minor": 9, "fileMode": 0o600},
        {"path": "/dev/fifo", "type": "p"},
        {"path": "/dev/u", "type": "u", "major": 1, "minor": 3},
        {"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o600},
    ]);
    b.config["process"]["user"]["umask"] = json!(0o077);
    let (out, _) = run_inside(
        &mut b,
        "echo '== devices'; for d in /dev/fuse /dev/sub/dir/loop9 /dev/fifo /dev/u /dev/null; do stat -c '%n %F %a %u:%g %t:%T' $d; done",
    );
    assert_eq!(
        out.section("devices"),
        "/dev/fuse character special file 640 1:2 a:e5\n\
         /dev/sub/dir/loop9 block special file 600 0:0 7:9\n\
         /dev/fifo fifo 666 0:0 0:0\n\
         /dev/u character special file 666 0:0 1:3\n\
         /dev/null character special file 600 0:0 1:3\n"
    );
}

/// The default devices and links of runc and crun, in a fresh /dev tmpfs
/// and in the image's own /dev alike (without them a shell workload breaks:
/// `cmd &`, `</dev/null`); a /dev bound from the host is left alone.
#[test]
fn default_devices_unless_dev_is_bound() {
    let list = "echo '== dev'; for d in /dev/*; do if [ -L $d ]; then echo \"$d -> $(readlink $d)\"; else stat -c '%n %F %a %u:%g %t:%T' $d; fi; done";
    let defaults = |extra: &str, mounts: &str| {
        let mut l = vec![
            "/dev/fd -> /proc/self/fd".to_string(),
            "/dev/full character special file 666 0:0 1:7".into(),
            "/dev/null character special file 666 0:0 1:3".into(),
            "/dev/ptmx -> pts/ptmx".into(),
            "/dev/random character special file 666 0:0 1:8".into(),
            "/dev/stderr -> /proc/self/fd/2".into(),
            "/dev/stdin -> /proc/self/fd/0".into(),
            "/dev/stdout -> /proc/self/fd/1".into(),
            "/dev/tty character special file 666 0:0 5:0".into(),
            "/dev/urandom character special file 666 0:0 1:9".into(),
            "/dev/zero character special file 666 0:0 1:5".into(),
        ];
        l.extend(extra.lines().chain(mounts.lines()).map(String::from));
        l.sort();
        l.into_iter().map(|x| x + "\n").collect::<String>()
    };
    let mut b = Bundle::new();
    let (out, _) = run_inside(&mut b, list);
    let mounts = "/dev/mqueue directory 1777 0:0 0:0\n/dev/pts directory 755 0:0 0:0\n/dev/shm directory 1777 0:0 0:0";
    assert_eq!(out.section("dev"), defaults("", mounts), "a fresh /dev");

    // No /dev mount: the same, made in the rootfs's own /dev (as runc and
    // crun do), beside the listed device.
    let mut b = Bundle::new();
    b.unmount("/dev");
    b.config["linux"]["devices"] = json!([{"path": "/dev/loop9", "type": "b", "major": 7, "minor": 9}]);
    let (out, _) = run_inside(&mut b, list);
    assert_eq!(out.section("dev"), defaults("/dev/loop9 block special file 666 0:0 7:9", ""), "no /dev mount");
    assert!(fs::metadata(b.in_rootfs("/dev/null")).unwrap().file_type().is_char_device());

    // Without a root of its own (nsinit injected by a runtime) /dev is the
    // runtime's: nsinit adds nothing but listed devices there.

    // /dev bound from the host (here a directory standing for it): nothing
    // added, not even the listed devices.
    let mut b = Bundle::new();
    let fake = b.join("hostdev");
    fs::create_dir(&fake).unwrap();
    fs::write(fake.join("marker"), "").unwrap();
    b.unmount("/dev");
    b.mount("/dev", "bind", fake.to_str().unwrap(), &["rbind"]);
    b.config["linux"]["maskedPaths"] = json!([]);
    b.config["linux"]["devices"] = json!([{"path": "/dev/zero", "type": "c", "major": 1, "minor": 5}]);
    let (out, _) = run_inside(&mut b, list);
    assert_eq!(out.section("dev"), "/dev/marker regular empty file 644 0:0 0:0\n", "/dev bound");
    let names: Vec<_> = fs::read_dir(&fake).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(names, ["marker"], "the bound directory was changed");
}

/// `process.terminal` with a terminal on stdin: `/dev/console` is that
/// terminal bound over an empty file (runc and crun bind their pty there;
/// the OCI conformance checker looks for it), and it is the workload's
/// controlling terminal. Without a terminal, no /dev/console.
#[test]
fn dev_console_is_the_terminal() {
    let script = "echo '== console'; stat -c '%F %t' /dev/console; grep -c ' /dev/console ' /proc/self/mountinfo; \
                  echo '== ctty'; cut -d' ' -f7 /proc/self/stat; set -- $(stat -L -c '0x%t 0x%T' /proc/self/fd/0 /dev/console); \
                  echo $(($1 * 256 + $2)); echo $(($3 * 256 + $4))";
    let mut b = Bundle::new();
    b.config["process"]["terminal"] = json!(true);
    b.sh(script);
    let (_master, slave) = pty();
    let out = b.runner().stdin_fd(slave).run();
    out.assert_code(0);
    // 136 is 0x88: the major of Unix98 pty slaves.
    assert_eq!(out.section("console"), "character special file 88\n1\n", "{out:?}");
    // The controlling terminal (tty_nr in /proc/self/stat), stdin and
    // /dev/console: one device.
    let nums: Vec<String> = out.section("ctty").lines().map(String::from).collect();
    assert!(nums.len() == 3 && nums[0] == nums[1] && nums[1] == nums[2] && nums[0] != "0", "{nums:?}\n{out:?}");

    let mut b = Bundle::new();
    b.sh("ls /dev/console 2>&1; true");
    let out = b.run();
    assert!(out.stdout.contains("No such file"), "{out:?}");
}

/// With the host's own /dev bound (`rbind`), nsinit makes nothing in it: a
/// listed device would be a node in the host's devtmpfs.
#[test]
fn nothing_is_made_in_a_bound_host_dev() {
    let name = format!("nsinit-it-{}", std::process::id());
    let host_node = std::path::Path::new("/dev").join(&name);
    let before: Vec<_> = fs::read_dir("/dev").unwrap().flatten().map(|e| e.file_name()).collect();
    let mut b = Bundle::new();
    b.unmount("/dev");
    b.mount("/dev", "bind", "/dev", &["rbind", "nosuid", "noexec"]);
    b.config["linux"]["devices"] = json!([{"path": format!("/dev/{name}"), "type": "c", "major": 1, "minor": 3}]);
    let (out, _) = run_inside(&mut b, &format!("echo '== node'; ls /dev/{name} 2>&1"));
    let made = host_node.exists();
    if made {
        let _ = fs::remove_file(&host_node);
    }
    assert!(!made, "nsinit made {} on the host", host_node.display());
    assert!(out.section("node").contains("No such file"), "{out:?}");
    let after: Vec<_> = fs::read_dir("/dev").unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(before.iter().all(|n| after.contains(n)), "an entry of the host's /dev went away");
}

/// After pivot_root nothing of the host is reachable: a file made on the
/// host outside the bundle is not found anywhere in the container, the
/// mount table holds exactly the container's mounts, and the workload's
/// root (`/proc/self/root` inside, `/proc/<pid>/root` from the host) is the
/// bundle's rootfs.
#[test]
fn pivot_root_leaves_nothing_of_the_host() {
    let host_dir = TempDir::new();
    let name = format!("host-marker-{}", std::process::id());
    let marker = host_dir.join(&name);
    fs::write(&marker, "host\n").unwrap();
    let marker_path = marker.to_str().unwrap().to_string();
    let mut b = Bundle::new();
    b.sh(&format!(
        "{PROBE}
         probe by-path cat {marker_path}
         probe by-self-root cat /proc/self/root{marker_path}
         probe by-pid1-root ls /proc/1/root/
         echo '== found'; find / -path /proc -prune -o -path /sys -prune -o -name {name} -print
         echo '== self-root'; readlink /proc/self/root; ls /proc/self/root/ | tr '\\n' ' '; echo
         echo '== root'; ls / | tr '\\n' ' '; echo
         echo '== mountinfo'; cat /proc/self/mountinfo
         echo ready; read _ || true"
    ));
    let mut r = b.runner().stdin_pipe().spawn();
    loop {
        if r.line() == "ready" {
            break;
        }
    }
    // From the host: the workload (unshare → nsinit → sh) has the rootfs as
    // its root.
    let pid = r.descendant(2);
    let from_host = fs::read_to_string(format!("/proc/{pid}/root/etc/hostname")).expect("read the workload's root from the host");
    assert_eq!(from_host, "nsinit-rootfs\n");
    assert!(!std::path::Path::new(&format!("/proc/{pid}/root{marker_path}")).exists());
    r.close_stdin();
    let out = r.wait();
    out.assert_code(0);
    assert_eq!(out.section("found"), "", "the host's file is visible");
    assert!(probed(&out, "by-path").contains("No such file"), "{out:?}");
    assert!(probed(&out, "by-self-root").contains("No such file"), "{out:?}");
    // nsinit (PID 1) is not dumpable: its root is out of the workload's reach.
    assert!(probed(&out, "by-pid1-root").contains("Permission denied"), "{out:?}");
    let self_root = out.section("self-root");
    let root = out.section("root");
    assert_eq!(self_root, format!("/\n{root}"), "/proc/self/root is not the container's /");

    // Exactly the container's mounts: the config's, the cgroup hierarchies,
    // and the read-only and masked paths that exist.
    let mounts = MountInfo::all(&out.section("mountinfo"));
    let mut want: Vec<String> = ["/", "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"].map(String::from).to_vec();
    let (unified, hierarchies) = host_cgroups();
    if !unified {
        want.extend(hierarchies.iter().map(|h| h.target.clone()));
    }
    for p in b.config["linux"]["readonlyPaths"].as_array().unwrap().iter().chain(b.config["linux"]["maskedPaths"].as_array().unwrap()) {
        let p = p.as_str().unwrap();
        if std::path::Path::new(p).exists() {
            want.push(p.to_string());
        }
    }
    let mut got: Vec<String> = mounts.iter().map(|m| m.target.clone()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "the container's mount table");
    let host_root = mount_at(&MountInfo::all(&host_mountinfo()), "/");
    let root = mount_at(&mounts, "/");
    assert_eq!(root.root, b.rootfs().to_str().unwrap(), "the root is not the bundle's rootfs");
    assert!(!mounts.iter().any(|m| m.dev == host_root.dev && m.root == host_root.root), "the host's root is mounted: {mounts:#?}");
}

/// A destination that is a symlink to a missing path is created at the
/// link's target inside the root, as runc 1.1 (securejoin's MkdirAll) and
/// crun 1.8 do: Ubuntu's `/etc/resolv.conf ->
/// ../run/systemd/resolve/stub-resolv.conf`, where Docker binds its own.
#[test]
fn missing_destination_behind_a_symlink_is_created_in_the_root() {
    let mut b = Bundle::new();
    let resolv = b.join("resolv.conf");
    fs::write(&resolv, "nameserver 127.0.0.53\n").unwrap();
    symlink("../run/systemd/resolve/stub-resolv.conf", b.in_rootfs("/etc/resolv.conf")).unwrap();
    b.mount("/etc/resolv.conf", "bind", resolv.to_str().unwrap(), &["rbind", "ro"]);
    let (out, _) = run_inside(&mut b, "echo '== resolv'; cat /etc/resolv.conf");
    assert_eq!(out.section("resolv"), "nameserver 127.0.0.53\n");
    assert!(b.in_rootfs("/run/systemd/resolve/stub-resolv.conf").is_file());
}

/// A mount nsinit cannot make: 125 naming it, no workload.
#[test]
fn failed_mounts_are_125() {
    let rows: &[(&str, &str, &str, &str)] = &[
        ("/x", "nosuchfs", "x", "nsinit: mount: /x (nosuchfs): ENODEV: no such device"),
        ("/x", "", "/nonexistent-source", "nsinit: mount: /nonexistent-source (bind source): ENOENT: no such file or directory"),
        ("/etc/passwd", "tmpfs", "tmpfs", "nsinit: mount: /etc/passwd (tmpfs): ENOTDIR: not a directory"),
        // Not a bind mount without a bind/rbind option (runtime-spec: the
        // type of a bind mount is a no-op); runc 1.1 and crun 1.8 refuse it
        // too, with ENODEV.
        ("/x", "bind", "/tmp", "nsinit: mount: /x (bind): EINVAL: invalid argument"),
    ];
    for (dest, fstype, source, line) in rows {
        let mut b = Bundle::new();
        let opts: &[&str] = if fstype.is_empty() { &["bind"] } else { &[] };
        b.mount(dest, fstype, source, opts).sh("echo ran");
        b.run().assert_failed(line);
    }
}

/// With a cgroup namespace on a v1 or hybrid host, each v1 hierarchy is the
/// container's own cgroup and nothing above or beside it, as under runc
/// (which mounts each afresh there). Before, nsinit bound the hierarchy from
/// a path computed from /proc/self/cgroup (`/` inside the namespace) and
/// mountinfo (`/..` for the host mount's root), which gave the host's whole
/// hierarchy: other containers' cgroups, read-only. Compared with `runc run`
/// of the same bundle: every cgroup mount under /sys/fs/cgroup with its
/// root as the container sees it, and what a listing of each shows.
#[test]
fn cgroup_namespace_shows_only_its_own_cgroups_as_under_runc() {
    let (unified, _) = host_cgroups();
    if unified {
        eprintln!("a unified host: no v1 hierarchies to bind");
        return;
    }
    let mut b = Bundle::new();
    b.config["linux"]["namespaces"].as_array_mut().expect("namespaces").push(json!({"type": "cgroup"}));
    // Per v1 hierarchy: its mountinfo root, and whether a listing shows a
    // cgroup that is not the container's (the host's other cgroups).
    b.sh(
        r#"echo '== cgroups'
        sed -n 's/^[^ ]* [^ ]* [^ ]* \([^ ]*\) \([^ ]*\) .* - \([^ ]*\) .*/\2 \1 \3/p' /proc/self/mountinfo |
        while read -r target root fstype; do
            [ "$fstype" = cgroup ] || continue
            case "$target" in /sys/fs/cgroup/*) ;; *) continue;; esac
            echo "$target $root $(ls -A "$target" | grep -vE '^(cgroup|notify_on_release|release_agent|tasks|[a-z_]+\.[a-z_.]+)$' | tr '\n' ' ')"
        done"#,
    );
    // In fresh cgroups of its own, as runc puts its container: in the test
    // process's, a listing would show whatever other tests' containers
    // made there meanwhile (runc's, under the root cgroups).
    let cg = common::enter::Cgroups::new();
    let ours = b.runner().wrap_argv(cg.wrap(b.parent_argv()), 1).run();
    ours.assert_code(0);
    drop(cg);
    let runc = runc_run(&b);
    runc.assert_code(0);
    let lines = |o: &Output| {
        let mut l: Vec<String> = o.section("cgroups").lines().map(str::to_string).collect();
        l.sort();
        l
    };
    assert!(!lines(&ours).is_empty(), "no v1 hierarchy inside\n{ours:?}");
    assert!(lines(&ours).iter().any(|l| l.starts_with("/sys/fs/cgroup/systemd ")) == host_has_systemd_hierarchy(), "{ours:?}");
    for l in lines(&ours) {
        let root = l.split(' ').nth(1).unwrap_or_default();
        assert_eq!(root, "/", "{l}: not the container's own cgroup\n{ours:?}");
    }
    assert_eq!(lines(&ours), lines(&runc), "nsinit and runc differ\n{ours:?}\n{runc:?}");
}

/// Whether the host mounts the named `systemd` v1 hierarchy.
fn host_has_systemd_hierarchy() -> bool {
    host_cgroups().1.iter().any(|h| h.target == "/sys/fs/cgroup/systemd")
}
