//! The spec as nsinit reads it (CONTRACT.md, "The spec", "Exit status and
//! messages"): a spec error exits 125 with exactly one line naming the field,
//! and the workload never runs (its marker file stays absent); the process
//! fields nsinit applies today (args, env, cwd) do what they say.
//!
//! Specs go through a real pipe (`--spec-fd 3`) unless a row is about
//! `--spec PATH`.

mod common;

use common::*;

/// Runs `spec` with CMD `touch <marker>` (CMD replaces process.args, so the
/// marker shows whether any workload ran) and expects the one error line.
fn refused(spec: &str, line: &str) {
    let dir = TempDir::new();
    let out = Run::new().spec(spec).cmd(touch(&dir.marker())).run();
    assert_eq!(out.code(), 125, "spec {spec}\n{out:?}");
    assert_one_error_line(&out.stderr, line);
    assert!(out.stdout.is_empty(), "{out:?}");
    assert_not_ran(&dir.marker());
}

#[test]
fn spec_errors_name_the_field() {
    let long_host = "h".repeat(65);
    let rows: Vec<(String, &str)> = vec![
        (r#"{"mounts":[{"destination":"/x","options":["nosuidd"]}]}"#.into(), r#"nsinit: spec: mounts[0].options[0]: unknown option "nosuidd""#),
        (
            r#"{"mounts":[{"destination":"/a","options":["ro","nosuid"]},{"destination":"/b","options":["rw","nosuidd"]}]}"#.into(),
            r#"nsinit: spec: mounts[1].options[1]: unknown option "nosuidd""#,
        ),
        (r#"{"mounts":[{"destination":"/a"},{"destination":"b"}]}"#.into(), "nsinit: spec: mounts[1].destination: must be an absolute path"),
        (r#"{"mounts":[{"type":"tmpfs"}]}"#.into(), r#"nsinit: spec: mounts[0]: required field "destination" is missing"#),
        (r#"{"mounts":[{"destination":"/a","uidMappings":[]}]}"#.into(), "nsinit: spec: mounts[0].uidMappings: id-mapped mounts are not supported"),
        (r#"{"process":{"env":["A"]}}"#.into(), "nsinit: spec: process.env[0]: must be KEY=VALUE"),
        (r#"{"process":{"env":["A=1","=x"]}}"#.into(), "nsinit: spec: process.env[1]: empty variable name"),
        (r#"{"process":{"cwd":"rel"}}"#.into(), "nsinit: spec: process.cwd: must be an absolute path"),
        (r#"{"process":{"args":[1]}}"#.into(), "nsinit: spec: process.args[0]: expected a string"),
        (r#"{"process":{"args":[""]}}"#.into(), "nsinit: spec: process.args: the program name (args[0]) is empty"),
        (r#"{"process":{"args":["a\u0000b"]}}"#.into(), "nsinit: spec: process.args[0]: string holds a NUL character"),
        (r#"{"process":{"terminal":"yes"}}"#.into(), "nsinit: spec: process.terminal: expected true or false"),
        (r#"{"process":{"user":{"uid":-1}}}"#.into(), "nsinit: spec: process.user.uid: expected a non-negative integer"),
        (r#"{"process":{"user":{"uid":4294967296}}}"#.into(), "nsinit: spec: process.user.uid: must be at most 2147483647"),
        (r#"{"process":{"user":{"umask":512}}}"#.into(), "nsinit: spec: process.user.umask: must be at most 0777 (511)"),
        (r#"{"process":{"oomScoreAdj":5000}}"#.into(), "nsinit: spec: process.oomScoreAdj: must be between -1000 and 1000"),
        (r#"{"process":{"oomScoreAdj":1.5}}"#.into(), "nsinit: spec: process.oomScoreAdj: expected an integer"),
        (r#"{"process":{"capabilities":{"bounding":"CAP_KILL"}}}"#.into(), "nsinit: spec: process.capabilities.bounding: expected an array"),
        (
            r#"{"process":{"rlimits":[{"type":"RLIMIT_FOO","soft":1,"hard":1}]}}"#.into(),
            r#"nsinit: spec: process.rlimits[0].type: unknown resource "RLIMIT_FOO""#,
        ),
        (
            r#"{"process":{"rlimits":[{"type":"RLIMIT_NOFILE","soft":1,"hard":1},{"type":"RLIMIT_NOFILE","soft":1,"hard":1}]}}"#.into(),
            r#"nsinit: spec: process.rlimits[1].type: duplicate resource "RLIMIT_NOFILE""#,
        ),
        (
            r#"{"process":{"rlimits":[{"type":"RLIMIT_NOFILE","soft":2,"hard":1}]}}"#.into(),
            "nsinit: spec: process.rlimits[0]: soft limit above the hard limit",
        ),
        (r#"{"process":{"apparmorProfile":"x"}}"#.into(), "nsinit: spec: process.apparmorProfile: AppArmor is not supported"),
        (r#"{"process":{"selinuxLabel":"x"}}"#.into(), "nsinit: spec: process.selinuxLabel: SELinux is not supported"),
        (r#"{"process":{"scheduler":{"policy":"SCHED_OTHER"}}}"#.into(), "nsinit: spec: process.scheduler: not supported"),
        (format!(r#"{{"hostname":"{long_host}"}}"#), "nsinit: spec: hostname: longer than 64 bytes"),
        (r#"{"hostname":"a\u0000b"}"#.into(), "nsinit: spec: hostname: string holds a NUL character"),
        (r#"{"root":{}}"#.into(), r#"nsinit: spec: root: required field "path" is missing"#),
        (r#"{"root":{"path":""}}"#.into(), "nsinit: spec: root.path: empty path"),
        (r#"{"linux":{"intelRdt":{"closID":"x"}}}"#.into(), "nsinit: spec: linux.intelRdt: Intel RDT is not supported"),
        (r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_NOTIFY"}}}"#.into(), "nsinit: spec: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY is not supported"),
        (
            r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_NOTIFY"}]}}}"#.into(),
            "nsinit: spec: linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported",
        ),
        (
            r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"/x"}}}"#.into(),
            "nsinit: spec: linux.seccomp.listenerPath: seccomp notify listeners are not supported",
        ),
        (r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_FOO"}}}"#.into(), r#"nsinit: spec: linux.seccomp.defaultAction: unknown action "SCMP_ACT_FOO""#),
        (
            r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}}}"#.into(),
            "nsinit: spec: linux.seccomp.syscalls[0].args[0].index: must be between 0 and 5",
        ),
        (r#"{"linux":{"devices":[{"path":"/dev/x","type":"q","major":1,"minor":1}]}}"#.into(), r#"nsinit: spec: linux.devices[0].type: unknown device type "q""#),
        (r#"{"linux":{"namespaces":[{"type":"foo"}]}}"#.into(), r#"nsinit: spec: linux.namespaces[0].type: unknown namespace type "foo""#),
        (r#"{"linux":{"rootfsPropagation":"weird"}}"#.into(), r#"nsinit: spec: linux.rootfsPropagation: unknown propagation "weird""#),
        (r#"{"linux":{"maskedPaths":["rel"]}}"#.into(), "nsinit: spec: linux.maskedPaths[0]: must be an absolute path"),
        // Capacities: past a limit is an error naming the list, never a cut.
        (
            format!(r#"{{"process":{{"args":[{}]}}}}"#, vec![r#""a""#; 1025].join(",")),
            "nsinit: spec: process.args: more than 1024 entries (nsinit's limit)",
        ),
        (format!(r#"{{"x":{}}}"#, "[".repeat(200)), "nsinit: spec: x: nested deeper than 128 levels"),
        // Not an object, or not JSON.
        ("[]".into(), "nsinit: spec: expected an object"),
        ("null".into(), "nsinit: spec: expected an object"),
        ("".into(), "nsinit: spec: invalid JSON at byte 0: unexpected end of input"),
        (r#"{"process":{"args":["true"]}} x"#.into(), "nsinit: spec: invalid JSON at byte 30: trailing characters after the document"),
        (r#"{"process":{"args":["\ud800"]}}"#.into(), "nsinit: spec: process.args[0]: invalid JSON at byte 21: invalid escape"),
    ];
    for (spec, line) in &rows {
        refused(spec, line);
    }
}

/// Invalid UTF-8 as raw bytes (a Rust string cannot hold it).
#[test]
fn invalid_utf8_is_refused() {
    let dir = TempDir::new();
    let spec: Vec<u8> = [&br#"{"process":{"args":["a"#[..], &[0xff], &br#""]}}"#[..]].concat();
    let out = Run::new().spec(spec).cmd(touch(&dir.marker())).run();
    out.assert_failed("nsinit: spec: process.args[0]: invalid JSON at byte 21: invalid UTF-8 in string");
    assert_not_ran(&dir.marker());
}

/// A spec that touches every kind of JSON value; valid as a whole.
const RICH: &str = r#"{"ociVersion":"1.0.2","process":{"terminal":false,"args":["sh","-c","echo \"hi\tthere\" \u00e9"],"env":["PATH=/bin"],"cwd":"/","oomScoreAdj":null},"hostname":null,"annotations":{"a":[1,2.5,-3e2,true,{}]}}"#;

#[test]
fn rich_spec_is_valid() {
    let out = Run::new().arg("-s").spec(RICH).run();
    out.assert_code(0).assert_no_stderr();
    assert_eq!(out.stdout, "hi\tthere \u{e9}\n");
}

/// Every truncation of a valid spec (a writer that died, a short pipe) is
/// refused as invalid JSON with one line, and nothing runs.
#[test]
fn every_truncated_spec_is_refused() {
    for end in 0..RICH.len() {
        let dir = TempDir::new();
        let out = Run::new().spec(&RICH[..end]).cmd(touch(&dir.marker())).run();
        assert_eq!(out.code(), 125, "prefix {:?}\n{out:?}", &RICH[..end]);
        let line = out.stderr.strip_suffix('\n').unwrap_or_else(|| panic!("{out:?}"));
        assert!(!line.contains('\n') && line.starts_with("nsinit: spec: "), "{out:?}");
        assert!(line.contains("invalid JSON at byte "), "prefix {:?}\n{out:?}", &RICH[..end]);
        assert_not_ran(&dir.marker());
    }
}

/// The field a syntax error names is never empty: `{` alone printed
/// `nsinit: spec: : invalid JSON at byte 1: expected a string key`.
#[test]
fn syntax_errors_never_name_an_empty_field() {
    for end in 0..RICH.len() {
        let out = Run::new().spec(&RICH[..end]).cmd(["true"]).run();
        assert!(!out.stderr.contains("spec: : ") && !out.stderr.contains(".: "), "prefix {:?}\n{out:?}", &RICH[..end]);
    }
}

/// A key given twice must not merge its lists: runc (Go's encoding/json)
/// keeps the last value; refusing the spec would do too. nsinit appends the
/// second `args` to the first and runs a command line nobody wrote.
#[test]
fn duplicate_keys_do_not_merge_lists() {
    let rows = [
        r#"{"process":{"args":["echo","a"],"args":["echo","b"]}}"#,
        r#"{"process":{"args":["echo","a"]},"process":{"args":["echo","b"]}}"#,
    ];
    for spec in rows {
        let out = Run::new().arg("-s").spec(spec).run();
        match out.code() {
            125 => assert!(out.stderr.starts_with("nsinit: spec: ") && out.stdout.is_empty(), "{out:?}"),
            _ => assert_eq!(out.stdout, "b\n", "spec {spec}\n{out:?}"),
        }
    }
}

/// A valid spec of exactly `len` bytes (spaces before the closing brace).
fn padded(len: usize) -> String {
    let head = r#"{"process":{"args":["sh","-c","echo ok"]}"#;
    format!("{head}{}}}", " ".repeat(len - head.len() - 1))
}

/// At most 1 MiB: exactly 1 MiB is read, one byte more is refused, through
/// a pipe and through a file.
#[test]
fn spec_size_limit_is_1_mib() {
    const MIB: usize = 1 << 20;
    let out = Run::new().arg("-s").spec(padded(MIB)).run();
    out.assert_code(0).assert_no_stderr();
    assert_eq!(out.stdout, "ok\n");

    for len in [MIB + 1, 4 * MIB] {
        let dir = TempDir::new();
        let out = Run::new().spec(padded(len)).cmd(touch(&dir.marker())).run();
        out.assert_failed("nsinit: spec: fd 3: larger than 1 MiB");
        assert_not_ran(&dir.marker());
    }

    let dir = TempDir::new();
    let path = dir.join("config.json");
    std::fs::write(&path, padded(MIB + 1)).unwrap();
    let out = Run::new().arg("--spec").arg(&path).cmd(touch(&dir.marker())).run();
    out.assert_failed(&format!("nsinit: spec: {}: larger than 1 MiB", path.display()));
    assert_not_ran(&dir.marker());
}

/// A spec that cannot be read: one line naming the path or fd and the errno.
#[test]
fn unreadable_spec_is_refused() {
    let dir = TempDir::new();
    let marker = dir.marker();
    let missing = dir.join("missing.json");
    let rows: Vec<(Run, String)> = vec![
        (Run::new().arg("--spec").arg(&missing), format!("nsinit: spec: {}: ENOENT: no such file or directory", missing.display())),
        (Run::new().arg("--spec").arg(dir.path()), format!("nsinit: spec: {}: EISDIR: is a directory", dir.path().display())),
        (Run::new().args(["--spec-fd", "9"]), "nsinit: spec: fd 9: EBADF: bad file number".into()),
        (
            Run::new().args(["--spec-fd", "9"]).fd(9, std::fs::OpenOptions::new().write(true).open("/dev/null").unwrap()),
            "nsinit: spec: fd 9: EBADF: bad file number".into(),
        ),
    ];
    for (run, line) in rows {
        let out = run.cmd(touch(&marker)).run();
        out.assert_failed(&line);
        assert_not_ran(&marker);
    }
}

/// Without CMD, process.args is required.
#[test]
fn process_args_missing_without_cmd() {
    for spec in [r#"{}"#, r#"{"process":null}"#, r#"{"process":{}}"#, r#"{"process":{"args":[]}}"#, r#"{"process":{"args":null,"env":["A=1"]}}"#] {
        let out = Run::new().spec(spec).run();
        out.assert_failed(r#"nsinit: spec: process: required field "args" is missing"#);
    }
}

/// A CMD on the command line replaces process.args (with or without `--`).
#[test]
fn cmd_replaces_process_args() {
    let dir = TempDir::new();
    let spec = format!(r#"{{"process":{{"args":{}}}}}"#, json_strs(&touch(&dir.marker())));
    let with_dashdash = Run::new().arg("-s").spec(spec.clone()).sh("echo from cmd");
    let tini_style = Run::new().arg("-s").spec(spec).args(["sh", "-c", "echo from cmd"]);
    for run in [with_dashdash, tini_style] {
        let out = run.run();
        out.assert_code(0).assert_no_stderr();
        assert_eq!(out.stdout, "from cmd\n");
        assert_not_ran(&dir.marker());
    }
}

/// process.env is the workload's whole environment (nothing of nsinit's
/// leaks), and args[0] is looked up in ITS PATH; without PATH, the default
/// one.
#[test]
fn process_env_is_the_whole_environment() {
    let dir = TempDir::new();
    std::fs::create_dir(dir.join("bin")).unwrap();
    // `hello` exists only in <dir>/bin: found through process.env's PATH.
    std::os::unix::fs::symlink("/usr/bin/env", dir.join("bin/hello")).unwrap();
    let bin = dir.join("bin");
    let bin = bin.to_str().unwrap();
    let empty = dir.path().to_str().unwrap();
    // HOME is added when absent, from /etc/passwd (here the host's: no
    // root.path), as runc and crun do; a given HOME stays.
    let rows: Vec<(String, Vec<String>, Vec<String>)> = vec![
        (r#"["hello"]"#.to_string(), vec!["FOO=bar".into(), format!("PATH={bin}")], vec!["HOME=/root".into()]),
        (r#"["env"]"#.to_string(), vec!["ONLY=1".into()], vec!["HOME=/root".into()]),
        (r#"["env"]"#.to_string(), vec![], vec!["HOME=/root".into()]),
        (r#"["env"]"#.to_string(), vec!["HOME=/elsewhere".into()], vec![]),
    ];
    for (args, env, added) in rows {
        let spec = format!(r#"{{"process":{{"args":{args},"env":{}}}}}"#, json_strs(&env));
        let out = Run::new().arg("-s").env("NSINIT_OUTER", "leaked").spec(spec.clone()).run();
        out.assert_code(0).assert_no_stderr();
        let mut got = out.stdout_lines();
        got.sort();
        let mut want: Vec<String> = env.iter().chain(added.iter()).cloned().collect();
        want.sort();
        assert_eq!(got, want, "spec {spec}");
    }
    // `env` is in nsinit's PATH but not in the spec's: not found.
    let spec = format!(r#"{{"process":{{"args":["env"],"env":["PATH={empty}"]}}}}"#);
    let out = Run::new().arg("-s").spec(spec).run();
    assert_eq!(out.code(), 127, "{out:?}");
    assert_one_error_line(&out.stderr, "nsinit: exec: env: ENOENT: no such file or directory");
}

/// process.cwd is the workload's working directory, in place before execve
/// (a relative args[0] resolves there); a cwd that cannot be entered is a
/// setup failure: 125, one line, nothing runs. (A missing cwd is left out:
/// runc creates it, and so may nsinit.)
#[test]
fn process_cwd_is_honoured() {
    let dir = TempDir::new();
    dir.script("here", "#!/bin/sh\npwd\n");
    let d = dir.path().to_str().unwrap();
    let spec = format!(r#"{{"process":{{"args":["./here"],"cwd":{}}}}}"#, json_str(d));
    let out = Run::new().arg("-s").spec(spec).run();
    out.assert_code(0).assert_no_stderr();
    assert_eq!(out.stdout, format!("{d}\n"));

    let file = dir.join("here");
    let spec = format!(r#"{{"process":{{"args":{},"cwd":{}}}}}"#, json_strs(&touch(&dir.marker())), json_str(file.to_str().unwrap()));
    let out = Run::new().arg("-s").spec(spec).run();
    out.assert_failed(&format!("nsinit: cwd: {}: ENOTDIR: not a directory", file.display()));
    assert_not_ran(&dir.marker());
}

/// Confinement nsinit cannot apply is refused, never skipped (fail
/// closed): exactly one line naming the field, in a run and in `--check`,
/// and nothing runs.
#[test]
fn confinement_nsinit_cannot_apply_is_refused() {
    // (field, top-level members, process members, reason)
    let rows: &[(&str, &str, &str, &str)] = &[
        ("process.apparmorProfile", "", r#""apparmorProfile":"docker-default""#, "AppArmor is not supported"),
        ("process.selinuxLabel", "", r#""selinuxLabel":"system_u:system_r:container_t:s0""#, "SELinux is not supported"),
        ("linux.mountLabel", r#""linux":{"mountLabel":"system_u:object_r:container_file_t:s0"}"#, "", "SELinux is not supported"),
        ("linux.intelRdt", r#""linux":{"intelRdt":{"closID":"x"}}"#, "", "Intel RDT is not supported"),
        (
            "linux.seccomp.listenerPath",
            r#""linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"/run/l.sock"}}"#,
            "",
            "seccomp notify listeners are not supported",
        ),
        ("linux.seccomp.defaultAction", r#""linux":{"seccomp":{"defaultAction":"SCMP_ACT_NOTIFY"}}"#, "", "SCMP_ACT_NOTIFY is not supported"),
        (
            "linux.seccomp.syscalls[0].action",
            r#""linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_NOTIFY"}]}}"#,
            "",
            "SCMP_ACT_NOTIFY is not supported",
        ),
    ];
    for (field, top, process, why) in rows {
        let dir = TempDir::new();
        let args = json_strs(&touch(&dir.marker()));
        let sep = |s: &str| if s.is_empty() { String::new() } else { format!(",{s}") };
        let spec = format!(r#"{{"process":{{"args":{args}{}}}{}}}"#, sep(process), sep(top));
        let line = format!("nsinit: spec: {field}: {why}");
        let out = Run::new().spec(spec.clone()).run();
        assert_eq!(out.code(), 125, "{spec}\n{out:?}");
        assert_one_error_line(&out.stderr, &line);
        assert_not_ran(&dir.marker());
        let out = Run::new().arg("--check").spec(spec.clone()).run();
        assert_eq!(out.code(), 125, "--check {spec}\n{out:?}");
        assert_one_error_line(&out.stderr, &line);
        assert!(out.stdout.is_empty(), "{out:?}");
    }
}

/// The parent's fields (id maps, resources, cgroups path, hooks,
/// annotations), joined or non-network namespaces, empty confinement
/// strings and nulls are accepted: the workload runs.
#[test]
fn fields_for_the_parent_and_nulls_are_skipped() {
    let spec = r#"{
        "ociVersion": "1.2.0",
        "process": {"args": ["sh", "-c", "echo ran"], "cwd": null, "env": null, "apparmorProfile": "", "selinuxLabel": "",
                    "consoleSize": {"height": 24, "width": 80}, "user": {"uid": 0, "gid": 0, "umask": null}},
        "root": null, "mounts": null, "hostname": null,
        "linux": {
            "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}, {"type": "cgroup"},
                           {"type": "network", "path": "/proc/1/ns/net"}],
            "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
            "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
            "resources": {"memory": {"limit": 1048576}, "devices": [{"allow": false, "access": "rwm"}]},
            "cgroupsPath": "/nsinit-test",
            "maskedPaths": null, "seccomp": null
        },
        "hooks": {"prestart": [{"path": "/bin/false"}], "poststop": [{"path": "/bin/false"}]},
        "annotations": {"org.example/key": "value"},
        "unknownTopLevelField": {"nested": [1, 2, {"deep": true}]}
    }"#;
    let out = Run::new().arg("-s").spec(spec).run();
    out.assert_code(0).assert_no_stderr();
    assert_eq!(out.stdout, "ran\n");
}
