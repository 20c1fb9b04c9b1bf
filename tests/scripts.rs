//! `scripts/run`, the small parent that starts nsinit under util-linux
//! `unshare` for any OCI bundle: it must give the container what the spec
//! asks — the user namespace's id mappings — and nothing of the caller's —
//! its environment. What it cannot honour it refuses: one `run:` line, 125.
//! Its `--rootless` mode is tested in tests/rootless.rs.

mod common;

use common::*;
use serde_json::{Value, json};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/run")
}

/// `scripts/run [ARGS] BUNDLE` with the binary the tests built, from a
/// clean environment but for `env`.
fn run_script(b: &Bundle, args: &[&str], env: &[(&str, &str)]) -> Output {
    b.write();
    let mut c = Command::new(script());
    c.args(args).arg(b.path()).env_clear().env("PATH", PATH).env("NSINIT", nsinit());
    for (k, v) in env {
        c.env(k, v);
    }
    run_command(&mut c)
}

/// `runc spec --rootless`'s namespaces (a user namespace, no network) with
/// 65,536 ids from 100000 mapped from 0, as a rootful engine maps a
/// container (podman's `--userns=auto`), and devpts with `gid=5`, as in
/// `runc spec`: gid 5 exists in the namespace only when the spec's
/// mapping is applied.
fn range_bundle() -> Bundle {
    let mut b = Bundle::new();
    b.config = fixture("runc-spec-rootless-config.json");
    b.config["process"]["terminal"] = json!(false);
    let map = json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
    b.config["linux"]["uidMappings"] = map.clone();
    b.config["linux"]["gidMappings"] = map;
    let devpts = b.mounts().iter_mut().find(|m| m["type"] == "devpts").expect("a devpts mount");
    devpts["options"].as_array_mut().expect("devpts options").push(json!("gid=5"));
    b
}

fn unique_id(runtime: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("nsinit-scripts-{runtime}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// crun (in a private mount namespace without the unified cgroup
/// hierarchy, which it refuses; see tests/side_by_side.rs) and runc on the
/// same bundle.
fn peers(b: &Bundle) -> [(&'static str, Output); 2] {
    b.write();
    let script = r#"if mountpoint -q /sys/fs/cgroup/unified; then umount -l /sys/fs/cgroup/unified; fi
        exec crun --cgroup-manager=disabled run -b "$1" "$2""#;
    let mut crun = Command::new("unshare");
    crun.args(["-m", "--propagation", "private", "sh", "-c", script, "sh"]).arg(b.path()).arg(unique_id("crun"));
    let mut runc = Command::new("runc");
    runc.args(["run", "-b"]).arg(b.path()).arg(unique_id("runc"));
    [("crun", run_command(crun.env_clear().env("PATH", PATH))), ("runc", run_command(runc.env_clear().env("PATH", PATH)))]
}

/// `scripts/run BUNDLE` running `b` (whose workload says `ready` and then
/// blocks reading its stdin), once it has said `ready`; its stdout stays
/// open with it, its stdin ends the container.
fn start_ready(b: &mut Bundle) -> (std::process::Child, std::io::BufReader<std::process::ChildStdout>) {
    b.sh("echo ready; read _; true");
    b.write();
    let mut c = Command::new(script());
    c.arg(b.path()).env_clear().env("PATH", PATH).env("NSINIT", nsinit());
    c.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null());
    let mut run = c.spawn().expect("spawn scripts/run");
    let mut stdout = std::io::BufReader::new(run.stdout.take().expect("stdout"));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).expect("read ready");
    assert_eq!(line, "ready\n");
    (run, stdout)
}

/// `scripts/exec BUNDLE -- CMD`, with the binary the tests built.
fn exec_script(b: &Bundle, cmd: &[&str]) -> Output {
    let mut c = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/exec"));
    c.arg(b.path()).arg("--").args(cmd).env_clear().env("PATH", PATH).env("NSINIT", nsinit());
    run_command(&mut c)
}

/// Whether the host has a v1 devices hierarchy, where scripts/run writes
/// device rules (said on stderr when not: the caller has nothing to check).
fn v1_devices() -> bool {
    let there = Path::new("/sys/fs/cgroup/devices/devices.list").exists();
    if !there {
        eprintln!("no v1 devices hierarchy: scripts/run sets no device rule there");
    }
    there
}

/// The runc fixture with Docker's capabilities (CAP_MKNOD among them) and a
/// writable root: its workload makes device nodes in /tmp.
fn mknod_bundle() -> Bundle {
    let mut b = Bundle::new();
    b.config["process"]["capabilities"] = json!({
        "bounding": DOCKER_CAPS, "effective": DOCKER_CAPS, "permitted": DOCKER_CAPS,
    });
    b.config["root"]["readonly"] = json!(false);
    b
}

/// A node of /dev/fuse's (10:229, in no device list of runc's) made in
/// /tmp and opened: `opened` or `refused`.
const FUSE_OPEN: &str = "rm -f /tmp/f; mknod /tmp/f c 10 229 && (exec 3<>/tmp/f) 2>/dev/null && echo opened || echo refused";

/// The spec's 65,536-id mapping is the one the workload lives in, devpts
/// gets its `gid=5` (host gid 100005), and the workload is root of the
/// namespace: the same
/// view as under crun and runc. (It used to map only the caller to root,
/// and devpts failed with EINVAL.)
#[test]
fn user_namespace_gets_the_spec_mappings() {
    let mut b = range_bundle();
    // mountinfo shows devpts' gid as the host sees it: 5 is 100005.
    b.sh("cat /proc/self/uid_map /proc/self/gid_map | tr -s ' '; id; awk '$5 == \"/dev/pts\"' /proc/self/mountinfo | grep -o 'gid=[0-9]*'");
    let out = run_script(&b, &[], &[]);
    out.assert_code(0);
    // The fixture's ambient capabilities are not inheritable: skipped
    // with a warning (as runc and crun skip them silently).
    assert!(out.stderr.lines().all(|l| l.starts_with("nsinit: warning: capabilities: ")), "{out:?}");
    assert_eq!(out.stdout, " 0 100000 65536\n 0 100000 65536\nuid=0(root) gid=0(root)\ngid=100005\n", "{out:?}");
    for (name, theirs) in peers(&b) {
        theirs.assert_code(0);
        assert_eq!(out.stdout, theirs.stdout, "nsinit, {name}");
    }
}

/// A spec without `process.env`: nsinit's environment reaches the
/// workload, so it must not be the caller's — a token in it stays out.
/// NSINIT_TRACE alone passes (scripts/demo traces). The workload is env
/// itself, so what it prints is exactly the environment it was given.
#[test]
fn callers_environment_stays_out() {
    let mut b = Bundle::new();
    b.config["process"].as_object_mut().expect("process").remove("env");
    b.config["process"]["args"] = json!(["env"]);
    let out = run_script(&b, &[], &[("SECRET_TOKEN", "x"), ("HOME", "/root"), ("SSH_AUTH_SOCK", "/tmp/agent")]);
    out.assert_code(0);
    assert_eq!(out.stdout, "", "the workload's environment is empty\n{out:?}");
    let traced = run_script(&b, &[], &[("SECRET_TOKEN", "x"), ("NSINIT_TRACE", "1")]);
    traced.assert_code(0);
    assert_eq!(traced.stdout, "NSINIT_TRACE=1\n", "{traced:?}");
    assert!(traced.stderr.lines().any(|l| l.starts_with("nsinit: trace: ")), "nsinit traced\n{traced:?}");
    // A spec that gives the environment gets exactly it.
    b.config["process"]["env"] = json!(["A=1"]);
    let given = run_script(&b, &[], &[("SECRET_TOKEN", "x")]);
    given.assert_code(0);
    assert_eq!(given.stdout, "A=1\nHOME=/root\n", "{given:?}");
}

/// Mappings `unshare` cannot express, or that do not say what nsinit
/// needs, are refused before anything runs: one `run:` line, 125. Never
/// run with other ids than the spec's, nor in a namespace other than the
/// spec's.
#[test]
fn unexpressible_mappings_are_refused() {
    type Edit = fn(&mut Value);
    let rows: [(&str, &[&str], Edit, &str); 9] = [
        ("two uid ranges", &[], |c| {
            c["linux"]["uidMappings"].as_array_mut().unwrap().push(json!({"containerID": 65536, "hostID": 300000, "size": 10}));
        }, "run: linux.uidMappings: 2 ranges: unshare maps one (--map-users/--map-groups)"),
        ("gid mappings missing", &[], |c| {
            c["linux"].as_object_mut().unwrap().remove("gidMappings");
        }, "run: linux.gidMappings: missing, linux.uidMappings is given"),
        ("id 0 not mapped", &[], |c| {
            c["linux"]["uidMappings"] = json!([{"containerID": 1000, "hostID": 100000, "size": 1}]);
        }, "run: linux.uidMappings: id 0 is not mapped (nsinit sets the container up as root)"),
        ("a range beyond 2^32", &[], |c| {
            c["linux"]["gidMappings"] = json!([{"containerID": 0, "hostID": 4294967295u64, "size": 2}]);
        }, "run: linux.gidMappings[0]: size 2 does not fit from 0 and 4294967295"),
        ("no user namespace", &[], |c| {
            c["linux"]["namespaces"].as_array_mut().unwrap().retain(|n| n["type"] != "user");
        }, "run: linux.uidMappings/gidMappings: given without a user namespace in linux.namespaces"),
        // Not about mappings, refused the same way: it once printed this
        // line and went on, in the host's network namespace.
        ("a namespace by path", &[], |c| {
            c["linux"]["namespaces"].as_array_mut().unwrap().push(json!({"type": "network", "path": "/proc/1/ns/net"}));
        }, "run: namespace network: joining by path is not supported here"),
        ("--rootless and a range", &["--rootless"], |_| {},
            "run: linux.uidMappings: --rootless maps only the caller to root; the spec maps 65536 from 0"),
        // Device rules are written into the devices cgroup as text: a
        // string where a number goes would write a rule of its own.
        ("a device rule's major as text", &[], |c| {
            c["linux"]["resources"] = json!({"devices": [{"allow": true, "type": "c", "major": "*:* rwm", "access": "rwm"}]});
        }, "run: linux.resources.devices[0]: not a device rule: {'allow': True, 'type': 'c', 'major': '*:* rwm', 'access': 'rwm'}"),
        ("a device rule's access beyond rwm", &[], |c| {
            c["linux"]["resources"] = json!({"devices": [{"allow": true, "access": "rwm\na *:* rwm"}]});
        }, "run: linux.resources.devices[0]: not a device rule: {'allow': True, 'access': 'rwm\\na *:* rwm'}"),
    ];
    for (name, args, edit, line) in rows {
        let mut b = range_bundle();
        b.sh("echo ran");
        edit(&mut b.config);
        let out = run_script(&b, args, &[]);
        assert_eq!(out.code(), 125, "{name}\n{out:?}");
        assert_eq!(out.stderr, format!("{line}\n"), "{name}: one line");
        assert!(out.stdout.is_empty(), "{name}: the workload ran\n{out:?}");
    }
}

/// `scripts/exec BUNDLE -- CMD` enters what `scripts/run BUNDLE` started
/// (nsinit --enter on the init scripts/run recorded): the command runs in
/// the container (its PID namespace, its hostname) with the config's
/// process confinement, and its status comes back. Once the container has
/// ended, scripts/exec refuses it (one `exec:` line, 125) and no state is
/// left behind.
#[test]
fn scripts_exec_enters_what_scripts_run_started() {
    let mut b = Bundle::new();
    b.config["hostname"] = json!("entered");
    let (mut run, _stdout) = start_ready(&mut b);
    let exec = |cmd: &[&str]| exec_script(&b, cmd);
    let out = exec(&["sh", "-c", "hostname; cat /proc/1/comm; grep -E '^(CapEff|NoNewPrivs):' /proc/self/status; exit 7"]);
    out.assert_code(7);
    assert_eq!(
        out.stdout_lines(),
        ["entered", "nsinit", "CapEff:\t0000000020000420", "NoNewPrivs:\t1"],
        "{out:?}"
    );
    // The container ends: scripts/exec refuses it.
    drop(run.stdin.take());
    let status = run.wait().expect("wait scripts/run");
    assert!(status.success(), "{status:?}");
    // (The state is removed by a watcher within a moment of the end; until
    // then the check on the recorded process refuses it all the same.)
    let refused = exec(&["true"]);
    refused.assert_code(125);
    assert_eq!(refused.stderr.lines().count(), 1, "{refused:?}");
    assert!(refused.stderr.starts_with(&format!("exec: {}: not running", b.path().display())), "{refused:?}");
}

/// `scripts/run` gives the container cgroups of its own, as runc does: a
/// new cgroup in every hierarchy, with runc's device rules in the devices
/// one (every device denied, then the spec's rules, then runc's defaults).
/// A workload with Docker's capabilities, CAP_MKNOD among them, makes
/// device nodes; it opens /dev/null's (allowed) but not /dev/fuse's (10:229,
/// not in the list). Before, the container ran in the caller's cgroups
/// without any device rule, and the second open worked. Compared with
/// `runc run` of the same bundle: the same device list and the same
/// outcomes. The cgroups go when the container has ended.
#[test]
fn scripts_run_gives_its_own_cgroups_with_runc_s_device_rules() {
    if !v1_devices() {
        return;
    }
    let mut b = mknod_bundle();
    b.sh(&sections(&[
        ("devices", "cat /sys/fs/cgroup/devices/devices.list"),
        ("null", "rm -f /tmp/n; mknod /tmp/n c 1 3 && (echo x > /tmp/n) && echo opened || echo refused"),
        ("fuse", FUSE_OPEN),
        ("cgroup", "grep -c ':/nsinit-[0-9]*$' /proc/self/cgroup; wc -l < /proc/self/cgroup"),
    ]));
    let ours = run_script(&b, &[], &[]);
    ours.assert_code(0);
    assert_eq!(ours.section("null"), "opened\n", "{ours:?}");
    assert_eq!(ours.section("fuse"), "refused\n", "{ours:?}");
    // Every hierarchy's cgroup is the new one (the memory one sits below
    // the caller's, which is not the root here: the count allows for it).
    let counts: Vec<usize> = ours.section("cgroup").lines().map(|l| l.trim().parse().unwrap()).collect();
    let other = fs::read_to_string("/proc/self/cgroup").unwrap().lines().filter(|l| !l.ends_with(":/")).count();
    assert!(counts[0] + other >= counts[1] && counts[0] > 0, "not in cgroups of its own: {ours:?}");
    let [_, (_, runc)] = peers(&b);
    runc.assert_code(0);
    for s in ["devices", "null", "fuse"] {
        assert_eq!(ours.section(s), runc.section(s), "{s}: nsinit under scripts/run and runc differ\n{ours:?}\n{runc:?}");
    }
    // The watcher removes them once the container's processes are gone.
    let left = || fs::read_dir("/sys/fs/cgroup/devices").unwrap().flatten().filter(|e| e.file_name().to_string_lossy().starts_with("nsinit-")).count();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while left() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(left(), 0, "scripts/run's cgroups outlived the container");
}

/// Spec device rules that runc refuses, or that the kernel's v1 list keeps
/// wider than they read, are not written as they come: runc applies the
/// rules to an emulation of the v1 list first and refuses a deny that
/// would have to punch a hole into a wildcard allow (emulator.go
/// `rmRule`: "cannot punch hole in existing wildcard rule"), since the
/// kernel removes only an exact exception and so leaves the device allowed;
/// it refuses a rule with no access ("device access at 0 field cannot be
/// empty"). scripts/run wrote them to devices.allow/deny in order: with
/// `allow c *:* rwm` then `deny c 10:229 rwm` a workload with CAP_MKNOD
/// opened /dev/fuse's node, where runc does not start the container at
/// all; a rule without access was written as `rwm`. Each row: what runc
/// does with the bundle; scripts/run must refuse (one `run:` line, 125)
/// where runc refuses, and give the same device list and outcome where it
/// runs it.
#[test]
fn device_rules_runc_refuses_are_refused() {
    if !v1_devices() {
        return;
    }
    let deny_all = json!({"allow": false, "access": "rwm"});
    let rows: &[(&str, Value)] = &[
        ("all chars but fuse", json!([deny_all, {"allow": true, "type": "c", "access": "rwm"}, {"allow": false, "type": "c", "major": 10, "minor": 229, "access": "rwm"}])),
        ("major 10 but fuse", json!([deny_all, {"allow": true, "type": "c", "major": 10, "access": "rwm"}, {"allow": false, "type": "c", "major": 10, "minor": 229, "access": "rw"}])),
        ("fuse, no access", json!([deny_all, {"allow": true, "type": "c", "major": 10, "minor": 229}])),
        ("fuse, empty access", json!([deny_all, {"allow": true, "type": "c", "major": 10, "minor": 229, "access": ""}])),
        // Controls runc runs: an exact deny of an exact allow; everything
        // but fuse from an allow-all list.
        ("fuse allowed then denied", json!([deny_all, {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwm"}, {"allow": false, "type": "c", "major": 10, "minor": 229, "access": "rwm"}])),
        ("allow all but fuse", json!([{"allow": true, "access": "rwm"}, {"allow": false, "type": "c", "major": 10, "minor": 229, "access": "rwm"}])),
        // runc's defaults go through its emulation too: `allow c 1:3 rwm`
        // cannot punch a hole in the spec's `deny c *:* rwm` (refused).
        ("allow all, deny chars", json!([{"allow": true, "access": "rwm"}, {"allow": false, "type": "c", "access": "rwm"}])),
    ];
    let mut got = Vec::new();
    for (name, rules) in rows {
        let mut b = mknod_bundle();
        b.config["linux"]["resources"]["devices"] = rules.clone();
        b.sh(&sections(&[
            ("devices", "cat /sys/fs/cgroup/devices/devices.list"),
            ("fuse", FUSE_OPEN),
        ]));
        let ours = run_script(&b, &[], &[]);
        let [_, (_, runc)] = peers(&b);
        let runc_ran = runc.code() == 0;
        let ours_ran = ours.code() == 0;
        if !runc_ran {
            assert!(runc.stderr.contains("device") || runc.stdout.contains("device"), "{name}: runc failed, not on the device rule\n{runc:?}");
        }
        let same = if runc_ran && ours_ran {
            ["devices", "fuse"].iter().all(|s| ours.section(s) == runc.section(s))
        } else {
            !ours_ran && ours.code() == 125 && ours.stderr.lines().count() == 1 && ours.stderr.starts_with("run: ")
        };
        if !same {
            got.push(format!("{name}: runc ran: {runc_ran}\n  ours: {ours:?}\n  runc: {runc:?}"));
        }
    }
    assert!(got.is_empty(), "scripts/run and runc differ:\n{}", got.join("\n"));
}

/// A device rule the kernel refuses (here the caller's own devices cgroup
/// allows only /dev/null, so the container's cannot allow more: EPERM)
/// ends scripts/run with its one line, 125 — and takes the cgroups it made
/// with it, in every hierarchy, as runc removes its own when its start
/// fails. The watcher that removes them is not running yet at that point:
/// they were left behind, one `nsinit-PID` per hierarchy for each such run.
#[test]
fn a_refused_device_rule_leaves_no_cgroup_behind() {
    if !v1_devices() {
        return;
    }
    let b = Bundle::new();
    b.write();
    let parent = PathBuf::from(format!("/sys/fs/cgroup/devices/nsinit-test-caller-{}", std::process::id()));
    fs::create_dir(&parent).unwrap();
    fs::write(parent.join("devices.deny"), "a").unwrap();
    fs::write(parent.join("devices.allow"), "c 1:3 rwm").unwrap();
    let mut c = Command::new("sh");
    c.args(["-c", "echo $$ > \"$1/cgroup.procs\" && echo $$ && exec \"$2\" \"$3\"", "sh"])
        .arg(&parent)
        .arg(script())
        .arg(b.path())
        .env_clear()
        .env("PATH", PATH)
        .env("NSINIT", nsinit());
    let out = run_command(&mut c);
    let pid = out.stdout.lines().next().unwrap_or_default().to_string();
    let name = format!("nsinit-{pid}");
    let found = Command::new("find").args(["/sys/fs/cgroup", "-maxdepth", "4", "-type", "d", "-name", &name]).output().unwrap();
    let left = String::from_utf8_lossy(&found.stdout).into_owned();
    for d in left.lines() {
        let _ = fs::remove_dir(d);
    }
    let _ = fs::remove_dir(&parent);
    out.assert_code(125);
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
    assert!(out.stderr.starts_with("run: cgroup: "), "{out:?}");
    assert_eq!(left, "", "scripts/run left its cgroups behind\n{out:?}");
}

/// A cgroup of scripts/run's name that exists already (`nsinit-PID`, left
/// by an earlier run of the same pid whose watcher gave up on it while a
/// process was still in it) is refused, one line, 125: it is not the new
/// container's. scripts/run took the failed mkdir for a host whose cgroups
/// it cannot write, warned, and ran the container in the caller's cgroups —
/// with no device rule, /dev/fuse's node opened by a CAP_MKNOD workload.
#[test]
fn a_cgroup_of_the_same_name_is_not_a_reason_to_run_without_device_rules() {
    if !v1_devices() {
        return;
    }
    let mut b = mknod_bundle();
    b.sh(FUSE_OPEN);
    b.write();
    let mut c = Command::new("sh");
    c.args(["-c", "mkdir /sys/fs/cgroup/devices/nsinit-$$ && echo $$ && exec \"$1\" \"$2\"", "sh"])
        .arg(script())
        .arg(b.path())
        .env_clear()
        .env("PATH", PATH)
        .env("NSINIT", nsinit());
    let out = run_command(&mut c);
    let pid = out.stdout.lines().next().unwrap_or_default().to_string();
    let stale = format!("/sys/fs/cgroup/devices/nsinit-{pid}");
    let _ = fs::remove_dir(&stale);
    out.assert_code(125);
    assert_eq!(out.stderr, format!("run: cgroup: {stale}: exists already\n"), "{out:?}");
    let found = Command::new("find").args(["/sys/fs/cgroup", "-maxdepth", "4", "-type", "d", "-name", &format!("nsinit-{pid}")]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&found.stdout), "", "cgroups left behind");
}

/// linux.devices makes the node; it allows nothing in the devices cgroup:
/// runc (1.1, as here) adds its defaults after the spec's
/// linux.resources.devices and no rule for linux.devices — a spec that
/// wants the device opened says so in resources.devices, as Docker's
/// `--device` writes both. scripts/run added `c 10:229 rwm` for a /dev/fuse
/// in linux.devices: the workload opened what runc's could not. The same
/// device list and outcome as runc now.
#[test]
fn linux_devices_allow_no_more_than_under_runc() {
    if !v1_devices() {
        return;
    }
    let mut b = Bundle::new();
    b.config["process"]["capabilities"] = json!({
        "bounding": DOCKER_CAPS, "effective": DOCKER_CAPS, "permitted": DOCKER_CAPS,
    });
    b.config["linux"]["devices"] = json!([{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438}]);
    b.sh(&sections(&[
        ("devices", "cat /sys/fs/cgroup/devices/devices.list"),
        ("fuse", "ls -l /dev/fuse | cut -c1; (exec 3<>/dev/fuse) 2>/dev/null && echo opened || echo refused"),
    ]));
    let ours = run_script(&b, &[], &[]);
    ours.assert_code(0);
    let [_, (_, runc)] = peers(&b);
    runc.assert_code(0);
    assert_eq!(runc.section("fuse"), "c\nrefused\n", "{runc:?}");
    for s in ["devices", "fuse"] {
        assert_eq!(ours.section(s), runc.section(s), "{s}: nsinit under scripts/run and runc differ\n{ours:?}\n{runc:?}");
    }
}

/// A container without a PID namespace of its own: an orphan of its
/// workload outlives the container's init. scripts/run's watcher kills
/// what is still in the container's cgroups once it has ended, as runc
/// kills a container's processes when its init exits (the same bundle
/// under `runc run`: its orphan is gone too). Before, the orphan ran on
/// (and the cgroups it held stayed).
#[test]
fn what_outlives_a_container_without_its_own_pid_namespace_is_killed() {
    let mut b = Bundle::new();
    b.config["linux"]["namespaces"].as_array_mut().unwrap().retain(|n| n["type"] != "pid");
    b.sh("sleep 1000 </dev/null >/dev/null 2>&1 & echo $!");
    let gone = |pid: i32| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while Path::new(&format!("/proc/{pid}")).exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Gone, or a zombie whose parent has not reaped it yet.
        stat.is_empty() || stat.rsplit(") ").next().is_some_and(|s| s.starts_with('Z'))
    };
    let ours = run_script(&b, &[], &[]);
    ours.assert_code(0);
    let orphan: i32 = ours.stdout.trim().parse().unwrap_or_else(|_| panic!("{ours:?}"));
    if ours.stderr.contains("run: warning: cgroup: ") {
        // SAFETY: kill(2) on the orphan this test made.
        unsafe { libc::kill(orphan, libc::SIGKILL) };
        eprintln!("scripts/run could make no cgroup on this host: nothing to kill the orphan by\n{ours:?}");
        return;
    }
    let survived = !gone(orphan);
    if survived {
        // SAFETY: kill(2) on the orphan this test made.
        unsafe { libc::kill(orphan, libc::SIGKILL) };
    }
    assert!(!survived, "the orphan {orphan} outlived the container under scripts/run");
    // runc alone: crun without a cgroup manager (as the peers run it here)
    // leaves the orphan and waits for it.
    let mut c = Command::new("runc");
    c.args(["run", "-b"]).arg(b.path()).arg(unique_id("runc")).env_clear().env("PATH", PATH);
    let runc = run_command(&mut c);
    runc.assert_code(0);
    let orphan: i32 = runc.stdout.trim().parse().unwrap_or_else(|_| panic!("{runc:?}"));
    assert!(gone(orphan), "runc's orphan {orphan} outlived its container (the comparison's premise)");
}

/// One container per bundle at a time, as runc refuses a second container
/// of one id: a second scripts/run of a running bundle is one line and 125,
/// and the first runs on (scripts/exec still enters it). Before, the second
/// took the bundle's state over and the first's watcher then removed it.
#[test]
fn a_second_run_of_a_running_bundle_is_refused() {
    let mut b = Bundle::new();
    let (mut first, _stdout) = start_ready(&mut b);
    let second = run_script(&b, &[], &[]);
    second.assert_code(125);
    assert!(second.stdout.is_empty(), "{second:?}");
    assert_eq!(second.stderr.lines().count(), 1, "{second:?}");
    assert!(second.stderr.starts_with(&format!("run: {}: already running (pid {})", b.path().display(), first.id())), "{second:?}");
    exec_script(&b, &["true"]).assert_code(0);
    drop(first.stdin.take());
    assert!(first.wait().expect("wait scripts/run").success());
}

/// A container without a PID namespace ends while `nsinit --enter` runs a
/// command in it: scripts/run's watcher kills what is left in the
/// container's cgroups, the command among them, and the entering nsinit
/// reports its status (137: SIGKILL), as runc exec does when runc kills a
/// container's processes. It once went into the container's cgroups
/// itself and was killed with them (a SIGKILL, no status, a terminal left
/// raw); only the command goes in now (src/cgroups.rs `join`).
#[test]
fn the_entering_nsinit_outlives_the_container_s_cgroups() {
    let mut b = Bundle::new();
    b.config["linux"]["namespaces"].as_array_mut().unwrap().retain(|n| n["type"] != "pid");
    let (mut run, _stdout) = start_ready(&mut b);
    // scripts/run execs unshare, whose children are the container's
    // nsinit and scripts/run's watcher.
    let children = fs::read_to_string(format!("/proc/{0}/task/{0}/children", run.id())).unwrap();
    let init: i32 = children
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .find(|p: &i32| fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "nsinit"))
        .unwrap_or_else(|| panic!("no nsinit among {children:?}"));
    let mut entered = common::enter::enter(init, b.config_text()).stdin_pipe().sh("echo in; exec sleep 100").spawn();
    entered.expect_line("in");
    drop(run.stdin.take());
    assert!(run.wait().expect("wait scripts/run").success());
    let out = entered.wait();
    out.assert_code(137);
}
