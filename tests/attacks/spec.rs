//! The attacker wrote the spec, or left the runtime a trap in it: ids that
//! wrap, paths with `..`, keys that differ in case, hostile JSON, working
//! directories outside the root, and the operator's environment.

use crate::common::*;
use crate::harness::*;
use serde_json::{Value, json};
use std::fs;
use std::os::unix::fs::symlink;
use std::process::Command;

/// The config text of `b` with each placeholder key replaced by a real key
/// (to write keys that serde_json's maps cannot hold: duplicates, keys
/// that differ only in case from one that is there).
fn text_with(v: &Value, keys: &[(&str, &str)]) -> String {
    let mut text = serde_json::to_string_pretty(v).expect("serialise");
    for (placeholder, key) in keys {
        let quoted = format!("\"{placeholder}\"");
        assert_eq!(text.matches(&quoted).count(), 1, "placeholder {placeholder} once");
        text = text.replace(&quoted, &format!("\"{key}\""));
    }
    text
}

/// nsinit refused with 125 and one line; crun refused (non-zero exit,
/// nothing from the workload).
fn refused(rt: Rt, out: &Output) -> bool {
    let one_line = out.stderr.lines().count() == 1 && out.stderr.starts_with("nsinit: ");
    match (rt, out.status) {
        (Rt::Nsinit, Status::Code(125)) => one_line && out.stdout.is_empty(),
        (Rt::Crun, Status::Code(c)) => c != 0 && out.stdout.is_empty(),
        _ => false,
    }
}

/// Ids above 2147483647 (`setresuid(-1)` means "leave unchanged": root),
/// negative, too large for 32 bits, or not integers, in `process.user`
/// and `linux.devices`: a spec error, never a run as root.
pub fn ids_out_of_range(rt: Rt) {
    let device = |uid: Value, gid: Value| {
        json!([{"path": "/dev/attack", "type": "c", "major": 1, "minor": 3, "fileMode": 438, "uid": uid, "gid": gid}])
    };
    let rows: Vec<(&str, &str, Value)> = vec![
        ("uid 4294967295", "/process/user/uid", json!(4294967295u64)),
        ("gid 4294967295", "/process/user/gid", json!(4294967295u64)),
        ("uid 2147483648", "/process/user/uid", json!(2147483648u64)),
        ("additionalGids 4294967295", "/process/user/additionalGids", json!([4294967295u64])),
        ("uid -1", "/process/user/uid", json!(-1)),
        ("uid 4294967296", "/process/user/uid", json!(4294967296u64)),
        ("uid 1000.5", "/process/user/uid", json!(1000.5)),
        ("device uid 4294967295", "/linux/devices", device(json!(4294967295u64), json!(0))),
        ("device gid 4294967295", "/linux/devices", device(json!(0), json!(4294967295u64))),
    ];
    for (row, pointer, value) in rows {
        let mut b = Who::Root.bundle();
        b.sh("echo RAN; id -u; id -g; id -G; ls -ln /dev/attack 2>/dev/null");
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
        b.config.pointer_mut(parent).expect("parent object")[key] = value;
        let out = rt.run(&b);
        if refused(rt, &out) {
            continue;
        }
        assert!(rt == Rt::Crun, "{row}: nsinit must refuse with 125 and one line\n{out:?}");
        // crun ran it: the uid or gid asked must not have become 0 (the
        // config's other id is 0; groups and device owners harm nobody).
        let ids: Vec<&str> = out.stdout.lines().collect();
        let (uid, gid) = (ids.get(1).copied(), ids.get(2).copied());
        assert!(!(row.starts_with("uid") && uid == Some("0")), "{row}: crun ran as root\n{out:?}");
        assert!(!(row.starts_with("gid") && gid == Some("0")), "{row}: crun ran with group 0\n{out:?}");
    }
}

/// A device at `/..` or `/dev/../..` with owner 4242: a runtime that
/// resolves it outside the root chowns the host directory that holds the
/// rootfs (checked by [`Host`]). Refused, or kept inside the root.
pub fn device_dotdot(rt: Rt) {
    for path in ["/..", "/dev/../..", "/dev/../../../..", "/../dev/attack-dotdot"] {
        let mut b = Who::Root.bundle();
        let device = json!({"path": path, "type": "c", "major": 1, "minor": 3, "fileMode": 438, "uid": 4242, "gid": 4242});
        b.config["linux"]["devices"] = json!([device]);
        b.sh("echo RAN");
        let out = rt.run(&b);
        if !refused(rt, &out) {
            out.assert_code(0);
        }
    }
}

/// A profile that blocks mkdir with EPERM and allows the rest.
fn mkdir_profile() -> Value {
    let rule = json!({"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1});
    json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule]})
}

/// The workload tries mkdir and shows its seccomp mode.
const MKDIR: &str = "mkdir /dev/shm/made 2>/dev/null && echo MADE || echo BLOCKED; grep '^Seccomp:' /proc/self/status";

/// `linux.seccomp` spelt `Seccomp` or `SECCOMP`, or the whole `linux`
/// object spelt `Linux`; or both `seccomp` (allowing everything) and
/// `Seccomp` (the real profile), the folded one last. runc decodes with
/// Go's encoding/json, which matches keys case-insensitively and lets the
/// later key win: it applies the profile. nsinit applies it too, or
/// refuses the spec — it never runs the workload without it.
pub fn key_case_seccomp(rt: Rt) {
    let allow = json!({"defaultAction": "SCMP_ACT_ALLOW"});
    let rows: Vec<(&str, Vec<(&str, Value)>, Vec<(&str, &str)>)> = vec![
        // The control: the profile as `seccomp` blocks mkdir.
        ("seccomp", vec![("/linux/K1", mkdir_profile())], vec![("K1", "seccomp")]),
        ("Seccomp", vec![("/linux/K1", mkdir_profile())], vec![("K1", "Seccomp")]),
        ("SECCOMP", vec![("/linux/K1", mkdir_profile())], vec![("K1", "SECCOMP")]),
        ("seccomp, then Seccomp", vec![("/linux/seccomp", allow), ("/linux/K1", mkdir_profile())], vec![("K1", "Seccomp")]),
        ("Linux", vec![("/linux/seccomp", mkdir_profile())], vec![("linux", "Linux")]),
    ];
    for (row, sets, keys) in rows {
        let mut b = Who::Root.bundle();
        b.sh(MKDIR);
        for (pointer, value) in sets {
            let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
            b.config.pointer_mut(parent).expect("parent object")[key] = value;
        }
        // Keys renamed in the text only: the parent still reads the
        // namespaces from the config's "linux".
        let out = rt.run_text(&b, &text_with(&b.config, &keys));
        if refused(rt, &out) {
            continue;
        }
        assert_eq!(
            out.stdout,
            "BLOCKED\nSeccomp:\t2\n",
            "{row}: ran without the profile (exit {:?})\n{out:?}",
            out.status
        );
    }
}

/// `process.noNewPrivileges` spelt `NoNewPrivileges` or `NONEWPRIVILEGES`,
/// or given false and then true as `NoNewPrivileges`: runc sets the flag;
/// nsinit sets it too, or refuses.
pub fn key_case_no_new_privileges(rt: Rt) {
    let rows: Vec<(&str, &str, Vec<(&str, Value)>)> = vec![
        // The control: `noNewPrivileges` sets the flag.
        ("noNewPrivileges", "noNewPrivileges", vec![("K1", json!(true))]),
        ("NoNewPrivileges", "NoNewPrivileges", vec![("K1", json!(true))]),
        ("NONEWPRIVILEGES", "NONEWPRIVILEGES", vec![("K1", json!(true))]),
        (
            "noNewPrivileges false, then NoNewPrivileges true",
            "NoNewPrivileges",
            vec![("noNewPrivileges", json!(false)), ("K1", json!(true))],
        ),
    ];
    for (row, key, sets) in rows {
        let mut b = Who::Root.bundle();
        b.sh("grep '^NoNewPrivs:' /proc/self/status");
        let p = b.config["process"].as_object_mut().expect("process");
        p.remove("noNewPrivileges");
        for (k, v) in sets {
            p.insert(k.to_string(), v);
        }
        let out = rt.run_text(&b, &text_with(&b.config, &[("K1", key)]));
        if refused(rt, &out) {
            continue;
        }
        assert_eq!(out.stdout, "NoNewPrivs:\t1\n", "{row}: ran without no_new_privs\n{out:?}");
    }
}

/// `process.capabilities` spelt `Capabilities`; or Docker's set as
/// `capabilities` and then CAP_KILL alone in all five sets as
/// `Capabilities` (Go: the later wins). nsinit gives exactly the folded
/// key's sets, or refuses — neither skips it (all empty is not what was
/// asked) nor keeps the wider set.
pub fn key_case_capabilities(rt: Rt) {
    let kill_chown = json!(["CAP_CHOWN", "CAP_KILL"]);
    let kill = json!(["CAP_KILL"]);
    let docker = json!(DOCKER_CAPS);
    let sets = json!({"bounding": kill_chown, "effective": kill_chown, "permitted": kill_chown});
    // (row, the key, the lower-case key's value before it, its value, the
    // sets expected)
    let rows: Vec<(&str, &str, Option<Value>, Value, u64)> = vec![
        // The control: given as `capabilities`, the sets are exact.
        ("capabilities", "capabilities", None, sets.clone(), 0x21),
        ("Capabilities", "Capabilities", None, sets, 0x21),
        (
            "capabilities Docker's, then Capabilities CAP_KILL",
            "Capabilities",
            Some(json!({"bounding": docker, "effective": docker, "permitted": docker})),
            json!({"bounding": kill, "effective": kill, "permitted": kill, "inheritable": kill, "ambient": kill}),
            0x20,
        ),
    ];
    for (row, key, lower, folded, want) in rows {
        let mut b = Who::Root.bundle();
        b.sh("grep -E '^Cap(Bnd|Prm|Eff):' /proc/self/status");
        let p = b.config["process"].as_object_mut().expect("process");
        p.remove("capabilities");
        if let Some(l) = lower {
            p.insert("capabilities".into(), l);
        }
        p.insert("K1".into(), folded);
        let out = rt.run_text(&b, &text_with(&b.config, &[("K1", key)]));
        if refused(rt, &out) {
            continue;
        }
        let expect = format!("CapPrm:\t{want:016x}\nCapEff:\t{want:016x}\nCapBnd:\t{want:016x}\n");
        assert_eq!(out.stdout, expect, "{row}: the capabilities asked were not applied\n{out:?}");
    }
}

/// Hostile JSON: deep nesting (valid, and unclosed), huge strings, a
/// document over 1 MiB, raw NUL and invalid UTF-8, escaped NUL and lone
/// surrogates, a byte-order mark, trailing garbage. The runtime never
/// crashes or hangs: it refuses (nsinit: 125 and one line) or runs the
/// workload as the rest of the config says.
pub fn hostile_json(rt: Rt) {
    let mut b = Who::Root.bundle();
    b.sh("echo RAN");
    let valid = b.config_text();
    let body = valid.strip_prefix('{').expect("an object");
    let with_field = |field: &str| format!("{{{field},{body}");
    let deep = |open: &str, close: &str, n: usize| format!("{}{}", open.repeat(n), close.repeat(n));
    let args_with = |arg: &str| valid.replacen("\"echo RAN\"", &format!("\"echo RAN\", {arg}"), 1);
    let rows: Vec<(&str, Vec<u8>)> = vec![
        ("100 000 nested arrays", with_field(&format!("\"deep\": {}", deep("[", "]", 100_000))).into()),
        ("50 000 nested objects", with_field(&format!("\"deep\": {}0{}", "{\"a\":".repeat(50_000), "}".repeat(50_000))).into()),
        ("1 000 000 unclosed arrays", "[".repeat(1_000_000).into()),
        ("a 900 KB string", with_field(&format!("\"big\": \"{}\"", "A".repeat(900_000))).into()),
        ("a 2 MiB document", with_field(&format!("\"big\": \"{}\"", "A".repeat(2 << 20))).into()),
        ("a raw NUL in a string", args_with("\"a\0b\"").into()),
        ("invalid UTF-8 in a string", {
            let mut v = args_with("\"a\u{1}b\"").into_bytes();
            let at = v.windows(3).position(|w| w == b"a\x01b").expect("marker") + 1;
            v[at] = 0xff;
            v
        }),
        ("an escaped NUL in an argument", args_with("\"a\\u0000b\"").into()),
        ("a lone surrogate in an argument", args_with("\"\\ud800\"").into()),
        ("a byte-order mark", format!("\u{feff}{valid}").into()),
        ("trailing garbage", format!("{valid} {{\"process\": {{}}}}").into()),
    ];
    for (row, text) in rows {
        let out = rt.run_text(&b, &text);
        assert!(matches!(out.status, Status::Code(_)), "{row}: {} crashed\n{out:?}", rt.name());
        if !refused(rt, &out) {
            assert_eq!((out.code(), out.stdout.as_str()), (0, "RAN\n"), "{row}: neither refused nor run\n{out:?}");
        }
    }
}

/// Keys given twice, the stricter value last (Go's encoding/json, in runc,
/// keeps the last): `noNewPrivileges` false then true, `seccomp` allowing
/// all then blocking mkdir, `capabilities` Docker's then CAP_KILL alone.
/// Refused, or the later (stricter) value applied.
pub fn duplicate_keys(rt: Rt) {
    // noNewPrivileges
    let mut b = Who::Root.bundle();
    b.sh("grep '^NoNewPrivs:' /proc/self/status");
    b.config["process"]["noNewPrivileges"] = json!(false);
    b.config["process"]["K1"] = json!(true);
    let out = rt.run_text(&b, &text_with(&b.config, &[("K1", "noNewPrivileges")]));
    assert!(refused(rt, &out) || out.stdout == "NoNewPrivs:\t1\n", "noNewPrivileges twice\n{out:?}");
    // seccomp
    let mut b = Who::Root.bundle();
    b.sh(MKDIR);
    b.config["linux"]["seccomp"] = json!({"defaultAction": "SCMP_ACT_ALLOW"});
    b.config["linux"]["K1"] = mkdir_profile();
    let out = rt.run_text(&b, &text_with(&b.config, &[("K1", "seccomp")]));
    assert!(refused(rt, &out) || out.stdout == "BLOCKED\nSeccomp:\t2\n", "seccomp twice\n{out:?}");
    // capabilities
    let mut b = Who::Root.bundle();
    b.sh("grep -E '^CapBnd:' /proc/self/status");
    let docker = json!(DOCKER_CAPS);
    let kill = json!(["CAP_KILL"]);
    b.config["process"]["capabilities"] = json!({"bounding": docker, "effective": docker, "permitted": docker});
    b.config["process"]["K1"] = json!({"bounding": kill, "effective": kill, "permitted": kill});
    let out = rt.run_text(&b, &text_with(&b.config, &[("K1", "capabilities")]));
    assert!(refused(rt, &out) || out.stdout == "CapBnd:\t0000000000000020\n", "capabilities twice\n{out:?}");
}

/// Runs `progs/cwd.c` with `process.cwd` set (or removed, for None) and
/// asserts the run was refused or the workload's cwd lies inside its root.
fn cwd_row(rt: Rt, b: &mut Bundle, cwd: Option<&str>, leak: bool) {
    let prog = install(b, "cwd");
    args(b, &[&prog]);
    match cwd {
        Some(c) => b.config["process"]["cwd"] = json!(c),
        None => {
            if let Some(p) = b.config["process"].as_object_mut() {
                p.remove("cwd");
            }
        }
    }
    let out = if leak {
        let dir = fs::File::open(b.path()).expect("open the bundle dir");
        rt.run_with(b, &[], |r| r.fd(7, dir))
    } else {
        rt.run(b)
    };
    if refused(rt, &out) {
        return;
    }
    out.assert_code(0);
    assert!(out.stdout.starts_with("cwd inside\n"), "cwd {cwd:?}: the workload starts outside its root\n{out:?}");
}

/// `process.cwd` that names something outside the root: absent (the
/// runtime's own cwd is the bundle directory), `/..`, `/../../..`, PID 1's
/// cwd and root through /proc, and image symlinks that lead up or into
/// /proc. Refused, or the workload starts inside its root.
pub fn cwd_outside(rt: Rt) {
    for cwd in [None, Some("/.."), Some("/../../.."), Some("/proc/1/cwd"), Some("/proc/1/root/.."), Some("/proc/self/root/..")] {
        cwd_row(rt, &mut Who::Root.bundle(), cwd, false);
    }
    for target in ["../../..", "/proc/1/cwd", "/proc/self/cwd/.."] {
        let mut b = Who::Root.bundle();
        symlink(target, b.in_rootfs("/work")).expect("plant a symlink");
        cwd_row(rt, &mut b, Some("/work"), false);
    }
}

/// `process.cwd` is `/proc/self/fd/7`, fd 7 a directory the parent leaked
/// (the bundle directory, outside the rootfs) — given in the spec, or
/// through an image symlink. Refused, or the workload starts inside its
/// root.
pub fn cwd_leaked_fd(rt: Rt) {
    cwd_row(rt, &mut Who::Root.bundle(), Some("/proc/self/fd/7"), true);
    let mut b = Who::Root.bundle();
    symlink("/proc/self/fd/7", b.in_rootfs("/work")).expect("plant a symlink");
    cwd_row(rt, &mut b, Some("/work"), true);
}

/// `scripts/run` (nsinit) or `crun run` started from the operator's shell,
/// a secret in its environment, and a spec without `process.env`: the
/// workload's environment holds nothing of the operator's.
pub fn operator_env(rt: Rt) {
    let mut b = Who::Root.bundle();
    // By path: without process.env there is no PATH to look sh up in.
    args(&mut b, &["/bin/sh", "-c", "env"]);
    if let Some(p) = b.config["process"].as_object_mut() {
        p.remove("env");
    }
    const SECRET: &str = "SECRET_TOKEN";
    let out = match rt {
        Rt::Nsinit => {
            b.write();
            let host = Host::take(&b);
            let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/run");
            let mut c = Command::new(script);
            c.arg(b.path()).env_clear().env("PATH", PATH).env(SECRET, "hunter2").env("NSINIT", nsinit());
            let out = run_command(&mut c);
            host.assert_same(rt, &out);
            out
        }
        Rt::Crun => rt.run_with(&b, &[], |r| r.env(SECRET, "hunter2")),
    };
    out.assert_code(0);
    assert!(!out.stdout.contains(SECRET), "the operator's environment reached the workload\n{out:?}");
}

/// `process.cwd` inside a masked directory (`/proc/acpi`, `/sys/firmware`)
/// or below one (`/sys/firmware/acpi`, which the host's sysfs has): the
/// working directory is entered after the masks, never held from before
/// them (a cwd opened early and entered with fchdir would be the hidden
/// directory, its listing the host's). Refused, or the workload starts in
/// an empty directory.
pub fn cwd_masked(rt: Rt) {
    for cwd in ["/proc/acpi", "/sys/firmware", "/sys/firmware/acpi"] {
        let mut b = Who::Root.bundle();
        b.config["process"]["cwd"] = json!(cwd);
        b.sh("echo RAN; ls -A . | wc -l");
        let out = rt.run(&b);
        if refused(rt, &out) {
            continue;
        }
        assert_eq!((out.code(), out.stdout.as_str()), (0, "RAN\n0\n"), "cwd {cwd}: the workload sees under the mask\n{out:?}");
    }
}
