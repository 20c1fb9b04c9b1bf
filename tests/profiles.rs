//! Seccomp profiles written for runc, without noNewPrivileges: the filter
//! loads early (while CAP_SYS_ADMIN is held, as runc does), and a profile
//! that lists only what runc's last steps make must start the workload
//! under nsinit as it does under crun and runc.
//!
//! The profile is the one `oci-runtime-tool generate` writes
//! (tests/fixtures/runtime-tools-generate-config.json): an errno for every
//! syscall it does not list — `close_range` among them, which nsinit once
//! needed after the filter. The fixture runs as it is; then the same
//! profile in `runc spec`'s bundle (its capabilities, rlimits, cwd, uid 0),
//! and as a non-root user with supplementary groups — each beside crun and
//! runc, which must show the workload the same ids, capabilities,
//! no_new_privs and seccomp mode.

mod common;

use common::*;
use serde_json::{Value, json};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

const GENERATE: &str = "runtime-tools-generate-config.json";

/// What the workload prints: its ids, capabilities, no_new_privs and
/// seccomp lines of /proc/self/status.
const VIEW: &str = "grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):' /proc/self/status";

/// A bundle with `config` instead of `runc spec`'s (the rootfs is the
/// same busybox copy; `root.path` is `rootfs` in every fixture).
fn bundle(config: Value) -> Bundle {
    let mut b = Bundle::new();
    assert_eq!(config["root"]["path"], "rootfs", "the bundle's rootfs is at rootfs/");
    b.config = config;
    b
}

fn unique_id(runtime: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("nsinit-profiles-{runtime}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// `crun run` of the bundle, in a private mount namespace without the
/// unified cgroup hierarchy (crun refuses this hybrid layout; see
/// tests/side_by_side.rs).
fn crun(b: &Bundle) -> Output {
    b.write();
    let script = r#"if mountpoint -q /sys/fs/cgroup/unified; then umount -l /sys/fs/cgroup/unified; fi
        exec crun --cgroup-manager=disabled run -b "$1" "$2""#;
    let mut c = Command::new("unshare");
    c.args(["-m", "--propagation", "private", "sh", "-c", script, "sh"]).arg(b.path()).arg(unique_id("crun"));
    run_command(c.env_clear().env("PATH", PATH))
}

/// The bundle under nsinit, crun and runc: all three start it, and the
/// workload ([`VIEW`]) sees the same. Returns nsinit's view.
fn same_view(name: &str, b: &mut Bundle) -> String {
    b.sh(VIEW);
    let ours = b.run();
    ours.assert_code(0);
    assert!(ours.stdout.contains("Seccomp:\t2"), "{name}: nsinit: no filter\n{ours:?}");
    for (runtime, theirs) in [("crun", crun(b)), ("runc", runc_run(b))] {
        theirs.assert_code(0);
        assert_eq!(ours.stdout, theirs.stdout, "{name}: nsinit, {runtime}\n{ours:?}\n{theirs:?}");
    }
    ours.stdout
}

/// The fixture as it is (only `terminal`, which the Bundle sets false, and
/// it is false already): the workload runs and prints `ok`.
#[test]
fn runtime_tools_default_config_runs_as_is() {
    let b = bundle(fixture(GENERATE));
    assert_eq!(b.config, fixture(GENERATE), "unchanged");
    let out = b.run();
    out.assert_code(0).assert_no_stderr();
    assert_eq!(out.stdout, "ok\n");
    assert_eq!(crun(&b).stdout, "ok\n");
}

/// The fixture beside crun and runc: root with the fixture's fourteen
/// capabilities in every set (ambient too), no no_new_privs, the filter on.
#[test]
fn runtime_tools_default_config_as_crun_and_runc() {
    let mut b = bundle(fixture(GENERATE));
    let view = same_view("generate", &mut b);
    for line in ["Uid:\t0\t0\t0\t0", "NoNewPrivs:\t0", "Seccomp:\t2", "CapAmb:\t00000000a80425fb"] {
        assert!(view.lines().any(|l| l == line), "{line:?} in\n{view}");
    }
}

/// The same profile in `runc spec`'s bundle (runc's capabilities, rlimits,
/// cwd, uid 0), with and without noNewPrivileges, and as a non-root user
/// with supplementary groups, without noNewPrivileges (the early load and
/// the id switch after it).
#[test]
fn runtime_tools_profile_in_other_bundles() {
    let seccomp = fixture(GENERATE)["linux"]["seccomp"].clone();
    for nnp in [false, true] {
        let mut b = Bundle::new();
        b.config["linux"]["seccomp"] = seccomp.clone();
        b.config["process"]["noNewPrivileges"] = json!(nnp);
        let view = same_view(&format!("runc spec, noNewPrivileges {nnp}"), &mut b);
        let want = format!("NoNewPrivs:\t{}", u8::from(nnp));
        assert!(view.lines().any(|l| l == want), "{want:?} in\n{view}");
    }
    let mut b = Bundle::new();
    b.config["linux"]["seccomp"] = seccomp;
    b.config["process"]["noNewPrivileges"] = json!(false);
    b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000, "additionalGids": [1001, 1002]});
    let view = same_view("runc spec, uid 1000", &mut b);
    for line in ["Uid:\t1000\t1000\t1000\t1000", "Gid:\t1000\t1000\t1000\t1000", "Groups:\t1001 1002 ", "NoNewPrivs:\t0"] {
        assert!(view.lines().any(|l| l == line), "{line:?} in\n{view}");
    }
}
