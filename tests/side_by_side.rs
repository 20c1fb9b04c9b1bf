//! nsinit beside crun: the same bundle, run by `crun run` and by nsinit
//! under `scripts/run`'s parent, prints the same view from inside after a
//! documented normalisation (CONTRACT.md: "where this page is silent, do
//! what a user of tini, runc or crun would expect").
//!
//! crun 1.8 refuses this machine's hybrid cgroup layout (v1 hierarchies
//! plus cgroup2 at /sys/fs/cgroup/unified), so it runs as
//! `unshare -m --propagation private sh -c 'umount -l /sys/fs/cgroup/unified;
//! crun --cgroup-manager=disabled run -b BUNDLE ID'`: the unmount happens
//! only in that private mount namespace.
//!
//! The known, intended differences, each asserted in its own form before
//! it is normalised away (anything else fails the test):
//!
//! 1. `/sys/fs/cgroup` itself: crun mounts a writable tmpfs (source
//!    `cgroup`, `size=1024k`) and makes only the hierarchies read-only;
//!    nsinit mounts it read-only with `mode=755`, as runc's cgroup v1 mount
//!    is. The line becomes `/sys/fs/cgroup (cgroup tmpfs)`.
//! 2. `/sys/fs/cgroup/unified`: crun does not see it (unmounted above);
//!    nsinit binds it like every other hierarchy. Dropped from nsinit's
//!    table.
//! 3. Masked files get `/dev/null` bound over them, read-only: crun binds
//!    the host's (devtmpfs, `relatime`), nsinit the container's own (on the
//!    /dev tmpfs, `nosuid`; or in the image's /dev when there is no /dev
//!    mount). The line becomes `/null <path> ro (/dev/null)`.
//! 4. Filesystems that are read-only from the start (sysfs, the empty tmpfs
//!    over masked directories): nsinit mounts them with MS_RDONLY, so their
//!    superblock is read-only too (as runc does); crun mounts them writable
//!    and remounts the mount read-only. Both mounts are read-only; the
//!    superblock's `ro`/`rw` is dropped for read-only mounts of those two
//!    types.
//! 5. `/dev/core -> /proc/kcore`: crun makes the link (runc does not; this
//!    kernel has no /proc/kcore). Dropped from crun's /dev.
//! 6. The order of mount lines: the workload sorts them by mount point.
//! 7. With a non-root `process.user`, crun's /dev/null belongs to that user
//!    (crun makes it the workload's stdin and hands the stdio descriptors to
//!    the user); runc (`fixStdioPermissions` skips /dev/null) and nsinit
//!    leave it to root. Crun's owner is set back to `0:0` on that line.
//!
//! Only stdout is compared: nsinit also warns on stderr about the ambient
//! capabilities it skips (the fixture's ambient set is not inheritable),
//! which crun skips silently.

mod common;

use common::*;
use serde_json::json;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the workload prints: the mount table (mountinfo without ids and
/// device numbers, sorted by mount point), names, ids, limits, umask, cwd,
/// environment, capabilities and no_new_privs, /dev.
const VIEW: &str = r#"
echo '== mounts'; cut -d' ' -f4- /proc/self/mountinfo | sort -k2,2
echo '== hostname'; hostname
echo '== id'; id
echo '== limits'; cat /proc/self/limits
echo '== umask'; umask
echo '== pwd'; pwd
echo '== env'; env | sort
echo '== status'; grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status
echo '== oom'; cat /proc/self/oom_score_adj
echo '== dev'; for f in /dev/* /dev/pts/*; do if [ -L $f ]; then echo "$f -> $(readlink $f)"; else stat -c '%n %F %a %u:%g %t:%T' $f; fi; done
echo '== end'
"#;

/// Runs the bundle with crun, in a private mount namespace without the
/// unified hierarchy.
fn crun(b: &Bundle) -> Output {
    static N: AtomicUsize = AtomicUsize::new(0);
    let id = format!("nsinit-it-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    b.write();
    let script = r#"if mountpoint -q /sys/fs/cgroup/unified; then umount -l /sys/fs/cgroup/unified; fi
        exec crun --cgroup-manager=disabled run -b "$1" "$2""#;
    let out = run_command(Command::new("unshare").args(["-m", "--propagation", "private", "sh", "-c", script, "sh"]).arg(b.path()).arg(&id).env_clear().env("PATH", PATH));
    assert!(
        !out.stderr.contains("not found") || which("crun"),
        "crun is not installed: run scripts/setup\n{out:?}"
    );
    out
}

fn which(cmd: &str) -> bool {
    std::env::split_paths(PATH).any(|d| d.join(cmd).is_file())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Crun,
    Nsinit,
}

/// One line of the workload's mount table, normalised (see the module doc).
fn normalise_mount(line: &str, who: Who) -> Option<String> {
    let (head, tail) = line.split_once(" - ").unwrap_or_else(|| panic!("{who:?}: not a mount line: {line:?}"));
    let h: Vec<&str> = head.split(' ').collect();
    let t: Vec<&str> = tail.split(' ').collect();
    let (root, target, opts) = (h[0], h[1], h[2]);
    let (fstype, source, super_opts) = (t[0], t[1], t[2]);
    let ro = opts.split(',').any(|o| o == "ro");
    // 2. The unified hierarchy.
    if target.starts_with("/sys/fs/cgroup/unified") {
        assert_eq!(who, Who::Nsinit, "crun sees the unified hierarchy: {line}");
        return None;
    }
    // 1. The cgroup tmpfs.
    if target == "/sys/fs/cgroup" {
        assert_eq!(fstype, "tmpfs", "{who:?}: {line}");
        match who {
            Who::Crun => assert!(super_opts.contains("size=1024k"), "crun's cgroup tmpfs: {line}"),
            Who::Nsinit => assert!(ro && super_opts.contains("mode=755"), "nsinit's cgroup tmpfs, as runc's: {line}"),
        }
        return Some(format!("{target} (cgroup tmpfs)"));
    }
    // 3. /dev/null over masked files: the container's own is on its /dev
    // tmpfs, or in the image's /dev (no /dev mount).
    let own_null = who == Who::Nsinit && root.ends_with("/rootfs/dev/null");
    if root == "/null" || own_null {
        assert!(ro, "{who:?}: a masked file is not read-only: {line}");
        let want = match who {
            Who::Crun => "devtmpfs",
            Who::Nsinit if own_null => fstype,
            Who::Nsinit => "tmpfs",
        };
        assert_eq!(fstype, want, "{who:?}: which /dev/null: {line}");
        return Some(format!("/null {target} ro (/dev/null)"));
    }
    // 4. The superblock of read-only sysfs and masking tmpfs.
    if ro && (fstype == "sysfs" || (fstype == "tmpfs" && super_opts.contains("size=0k"))) {
        let rest: Vec<&str> = super_opts.split(',').filter(|o| *o != "ro" && *o != "rw").collect();
        return Some(format!("{head} - {fstype} {source} {}", rest.join(",")));
    }
    Some(line.to_string())
}

/// The whole output, normalised; `user` is the process's `uid:gid`.
fn normalise(out: &Output, who: Who, user: &str) -> String {
    let crun_null = format!("/dev/null character special file 666 {user} 1:3");
    let mut text = String::new();
    let mut section = "";
    for line in out.stdout.lines() {
        if let Some(name) = line.strip_prefix("== ") {
            section = name;
            text.push_str(line);
            text.push('\n');
            continue;
        }
        let kept = match section {
            "mounts" => normalise_mount(line, who),
            // 5. crun's /dev/core.
            "dev" if line == "/dev/core -> /proc/kcore" => {
                assert_eq!(who, Who::Crun, "{line}");
                None
            }
            // 7. crun's /dev/null owner.
            "dev" if who == Who::Crun && user != "0:0" && line == crun_null => Some("/dev/null character special file 666 0:0 1:3".into()),
            _ => Some(line.to_string()),
        };
        if let Some(l) = kept {
            text.push_str(&l);
            text.push('\n');
        }
    }
    text
}

/// Runs `b` with crun and with nsinit and compares what they show.
fn compare(b: &mut Bundle) {
    b.sh(VIEW);
    let c = crun(b);
    compare_with(b, c);
}

/// Compares crun's view `c` with nsinit's of `b` (a bundle of its own when
/// crun changes the rootfs on disk; its directory is named alike in both).
fn compare_with(b: &mut Bundle, c: Output) {
    c.assert_code(0);
    assert_eq!(c.stderr, "", "crun complained\n{c:?}");
    b.sh(VIEW);
    let n = b.run();
    n.assert_code(0);
    assert!(n.stderr.lines().all(|l| l.starts_with("nsinit: warning: ")), "nsinit: more than warnings\n{n:?}");
    assert!(c.stdout.ends_with("== end\n") && n.stdout.ends_with("== end\n"), "a view was cut short\n{c:?}\n{n:?}");
    assert!(c.stdout.contains("/dev/core -> /proc/kcore"), "crun no longer makes /dev/core: update difference 5\n{c:?}");
    let user = format!("{}:{}", b.config["process"]["user"]["uid"], b.config["process"]["user"]["gid"]);
    let (cn, nn) = (normalise(&c, Who::Crun, &user), normalise(&n, Who::Nsinit, &user));
    if cn != nn {
        let (cl, nl): (Vec<&str>, Vec<&str>) = (cn.lines().collect(), nn.lines().collect());
        let only_crun: Vec<&&str> = cl.iter().filter(|l| !nl.contains(l)).collect();
        let only_nsinit: Vec<&&str> = nl.iter().filter(|l| !cl.contains(l)).collect();
        panic!("crun and nsinit differ\nonly crun: {only_crun:#?}\nonly nsinit: {only_nsinit:#?}\n--- crun ---\n{cn}--- nsinit ---\n{nn}");
    }
}

/// `runc spec`'s config as it is (terminal off).
#[test]
fn runc_default_config_as_crun() {
    compare(&mut Bundle::new());
}

/// The identity fields, set: a user with groups, umask, cwd, hostname and
/// domainname, rlimits, env, oomScoreAdj, no capabilities but two.
#[test]
fn identity_fields_as_crun() {
    let mut b = Bundle::new();
    b.config["hostname"] = json!("side-by-side");
    b.config["domainname"] = json!("example.org");
    b.config["process"]["user"] = json!({"uid": 1, "gid": 1, "additionalGids": [5, 4242], "umask": 0o027});
    b.config["process"]["cwd"] = json!("/home/work");
    b.config["process"]["env"] = json!(["PATH=/bin:/usr/bin", "LANG=C.UTF-8", "A=b=c"]);
    b.config["process"]["rlimits"] = json!([
        {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 512},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
    ]);
    b.config["process"]["oomScoreAdj"] = json!(100);
    let caps = json!(["CAP_CHOWN", "CAP_NET_BIND_SERVICE"]);
    b.config["process"]["capabilities"] = json!({"bounding": caps, "effective": caps, "permitted": caps, "inheritable": caps, "ambient": caps});
    compare(&mut b);
}

/// A non-root workload can reopen its own stdio (`/dev/stdout`, a pipe
/// its parent made as root): crun and runc (`fixStdioPermissions`) give the
/// stdio descriptors to `process.user`; images rely on it (logs linked to
/// /dev/stdout, `exec > /dev/stderr`).
#[test]
fn non_root_workload_reopens_its_stdio_as_in_crun() {
    let mut b = Bundle::new();
    b.config["process"]["user"] = json!({"uid": 1, "gid": 1});
    b.sh("echo out > /dev/stdout; echo err > /dev/stderr; echo done");
    let c = crun(&b);
    c.assert_code(0);
    assert_eq!((c.stdout.as_str(), c.stderr.as_str()), ("out\ndone\n", "err\n"), "crun\n{c:?}");
    let n = b.run();
    n.assert_code(0);
    assert_eq!(n.stdout, "out\ndone\n", "nsinit\n{n:?}");
    assert!(n.stderr.contains("err\n"), "nsinit\n{n:?}");
}

/// No `/dev` mount: crun (like runc) makes the default devices and links in
/// the image's own /dev; so does nsinit.
#[test]
fn no_dev_mount_as_crun() {
    // Both make them on disk: two bundles alike, one for each.
    let strip = |b: &mut Bundle| {
        b.mounts().retain(|m| m["destination"] != "/dev");
        b.sh(VIEW);
    };
    let (mut for_crun, mut b) = (Bundle::new(), Bundle::new());
    strip(&mut for_crun);
    strip(&mut b);
    let mut c = crun(&for_crun);
    let (from, to) = (for_crun.path().to_str().unwrap(), b.path().to_str().unwrap());
    c.stdout = c.stdout.replace(from, to);
    compare_with(&mut b, c);
}
