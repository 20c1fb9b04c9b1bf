//! `linux.seccomp` on the real kernel (CONTRACT.md, "The spec":
//! `linux.seccomp`; "Security promises"): nsinit compiles the profile itself
//! and the workload finds every syscall answered as runc with libseccomp
//! would answer it. The workload is mostly the sys tool
//! (`common::kernel`), which makes raw syscalls — native, i386 through
//! `int 0x80`, x32 by number — and prints the errno of each.
//!
//! No rootfs (nsinit under [`PID1`] with a compact spec) except for the
//! side-by-side runs with crun, which need a bundle. Every spec sets
//! RLIMIT_CORE to 0: a SIGSYS kill dumps no core.

mod common;

use common::kernel::*;
use common::*;
use libc::{EACCES, ENOSYS, EPERM};
use libc::{
    SYS_add_key, SYS_clone3, SYS_getpid, SYS_getppid, SYS_getpriority, SYS_getuid, SYS_keyctl, SYS_mount,
    SYS_personality, SYS_socket, SYS_unshare,
};
use serde_json::json;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

const DOCKER: &str = include_str!("fixtures/docker-default-seccomp.json");
const RUNC_CONFIG: &str = include_str!("fixtures/runc-spec-config.json");

/// nsinit's status when the workload dies of SIGSYS.
const SIGSYS_STATUS: i32 = 128 + libc::SIGSYS;

/// `text` with the one occurrence of `from` replaced.
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} should occur once");
    text.replacen(from, to, 1)
}

/// Docker's profile with its `defaultErrnoRet` (1) replaced by `errno`, or
/// removed.
fn docker_default_errno(errno: Option<i32>) -> String {
    match errno {
        Some(e) => replace_once(DOCKER, r#""defaultErrnoRet": 1,"#, &format!(r#""defaultErrnoRet": {e},"#)),
        None => replace_once(DOCKER, r#""defaultErrnoRet": 1,"#, ""),
    }
}

/// A profile: the default action, the architectures (None: the field is
/// absent) and the rules.
fn profile(default: &str, archs: Option<&[&str]>, rules: &[String]) -> String {
    let archs = archs.map_or(String::new(), |a| format!(r#","architectures":{}"#, json_strs(a)));
    format!(r#"{{"defaultAction":{}{archs},"syscalls":[{}]}}"#, json_str(default), rules.join(","))
}

/// A rule: names, action, and any other fields (`"errnoRet":13`, `"args":[...]`).
fn rule(names: &[&str], action: &str, extra: &str) -> String {
    let sep = if extra.is_empty() { "" } else { "," };
    format!(r#"{{"names":{},"action":{}{sep}{extra}}}"#, json_strs(names), json_str(action))
}

/// One argument condition.
fn arg(index: u32, op: &str, value: u64, value_two: u64) -> String {
    format!(r#"{{"index":{index},"value":{value},"valueTwo":{value_two},"op":{}}}"#, json_str(op))
}

const X86_64: &[&str] = &["SCMP_ARCH_X86_64"];
const X86_64_X86: &[&str] = &["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"];
const X86_64_X32: &[&str] = &["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"];

/// A compact spec running `args` under `seccomp` (None: no filter at all).
fn spec(args: &[String], nnp: bool, seccomp: Option<&str>, extra: &str) -> String {
    let linux = seccomp.map_or(String::new(), |s| format!(r#","linux":{{"seccomp":{s}}}"#));
    format!(
        r#"{{"process":{{"args":{},"cwd":"/","noNewPrivileges":{nnp},"rlimits":[{{"type":"RLIMIT_CORE","soft":0,"hard":0}}]{extra}}}{linux}}}"#,
        json_strs(args)
    )
}

/// The sys tool making `calls`, under `seccomp`, with no_new_privs.
fn run_calls(seccomp: Option<&str>, calls: &[String]) -> Output {
    run_tool(seccomp, true, calls)
}

fn run_tool(seccomp: Option<&str>, nnp: bool, calls: &[String]) -> Output {
    let mut args = vec![sys_tool_str()];
    args.extend(calls.iter().cloned());
    Run::new().wrap(PID1).spec(spec(&args, nnp, seccomp, "")).run()
}

/// (call, answer) rows, as [`answers`] reads them.
type Answers = Vec<(String, Answer)>;

fn words(rows: &[(String, Answer)]) -> Vec<String> {
    rows.iter().map(|(w, _)| w.clone()).collect()
}

/// Runs the rows' calls and asserts every answer and a clean exit.
fn assert_calls(name: &str, seccomp: Option<&str>, rows: &[(String, Answer)]) {
    let out = run_calls(seccomp, &words(rows));
    out.assert_code(0).assert_no_stderr();
    assert_eq!(answers(&out.stdout), rows, "{name}\n{out:?}");
}

const OK: Answer = Answer::Ok;

fn errno(e: i32) -> Answer {
    Answer::Errno(e)
}

/// fchmodat2 (Linux 6.6) is above the highest syscall Docker's profile
/// names (futex_waitv, 449), yet this kernel has it.
const SYS_FCHMODAT2: i64 = 452;
/// i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl).
const I386_GETPID: i64 = 20;
const I386_GETPPID: i64 = 64;
const I386_PERSONALITY: i64 = 136;
const I386_UNSHARE: i64 = 310;
const AT_FDCWD: u64 = libc::AT_FDCWD as i64 as u64;

/// The filter is on (`Seccomp: 2`, one filter) whether it loads last (with
/// no_new_privs) or first (without).
#[test]
fn filter_mode_shows_in_status() {
    let small = profile("SCMP_ACT_ALLOW", None, &[rule(&["getppid"], "SCMP_ACT_ERRNO", "")]);
    for (name, p) in [("small", small.as_str()), ("docker", DOCKER)] {
        for nnp in [true, false] {
            let args = ["cat".to_string(), "/proc/self/status".into()];
            let out = Run::new().wrap(PID1).spec(spec(&args, nnp, Some(p), "")).run();
            out.assert_code(0).assert_no_stderr();
            let row = format!("{name}, noNewPrivileges {nnp}");
            assert_eq!(status_field(&out.stdout, "Seccomp"), Some("2"), "{row}\n{out:?}");
            assert_eq!(status_field(&out.stdout, "Seccomp_filters"), Some("1"), "{row}\n{out:?}");
            assert_eq!(status_field(&out.stdout, "NoNewPrivs"), Some(if nnp { "1" } else { "0" }), "{row}\n{out:?}");
        }
    }
}

/// `SCMP_ACT_ERRNO` returns the rule's `errnoRet`, else EPERM; the default
/// action returns `defaultErrnoRet`, else EPERM.
#[test]
fn errno_actions_return_the_errno_asked() {
    let rules = [
        // A name nsinit does not know is skipped, the rest of the rule holds.
        rule(&["nsinit_no_such_syscall", "getppid"], "SCMP_ACT_ERRNO", r#""errnoRet":13"#),
        rule(&["getuid"], "SCMP_ACT_ERRNO", ""),
        rule(&["personality"], "SCMP_ACT_ERRNO", r#""errnoRet":38"#),
    ];
    let p = profile("SCMP_ACT_ALLOW", None, &rules);
    assert_calls(
        "rules",
        Some(&p),
        &[
            (call(SYS_getpid, &[]), OK),
            (call(SYS_getppid, &[]), errno(EACCES)),
            (call(SYS_getuid, &[]), errno(EPERM)),
            (call(SYS_personality, &[0xffff_ffff]), errno(ENOSYS)),
        ],
    );
    // Docker's profile allows a list and denies the rest by default.
    let unshare = call(SYS_unshare, &[0]);
    for (errno_ret, want) in [(Some(13), EACCES), (Some(1), EPERM), (None, EPERM)] {
        let p = docker_default_errno(errno_ret);
        let rows = [(call(SYS_getpid, &[]), OK), (unshare.clone(), errno(want))];
        assert_calls(&format!("docker, defaultErrnoRet {errno_ret:?}"), Some(&p), &rows);
    }
}

/// KILL_PROCESS ends the whole workload (nsinit: 128 + SIGSYS). KILL and
/// KILL_THREAD kill the calling thread only; for a single-threaded process
/// that is the process (the kernel then sends the same coredump SIGSYS:
/// kernel/seccomp.c `__seccomp_filter`, "last remaining thread"): 159 as
/// well. In a second thread, KILL_THREAD ends that thread alone (its own
/// answer is never printed) and the process goes on.
#[test]
fn kill_actions() {
    let getpid = (call(SYS_getpid, &[]), OK);
    let getppid = call(SYS_getppid, &[]);
    let threaded = in_thread(SYS_getppid, &[]);
    for action in ["SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD"] {
        let p = profile("SCMP_ACT_ALLOW", None, &[rule(&["getppid"], action, "")]);
        let out = run_calls(Some(&p), &[getpid.0.clone(), getppid.clone(), getpid.0.clone()]);
        out.assert_code(SIGSYS_STATUS).assert_no_stderr();
        assert_eq!(answers(&out.stdout), std::slice::from_ref(&getpid), "{action}: single thread\n{out:?}");

        let out = run_calls(Some(&p), &[threaded.clone(), getpid.0.clone()]);
        if action == "SCMP_ACT_KILL_PROCESS" {
            out.assert_code(SIGSYS_STATUS).assert_no_stderr();
            assert_eq!(answers(&out.stdout), [], "{action}: second thread\n{out:?}");
        } else {
            out.assert_code(0).assert_no_stderr();
            assert_eq!(answers(&out.stdout), [(threaded.clone(), Answer::Joined), getpid.clone()], "{action}\n{out:?}");
        }
    }
}

/// TRAP sends SIGSYS, whose default action ends the workload (159); LOG
/// lets the call through (and logs it); TRACE with no tracer attached fails
/// the call with ENOSYS (kernel/seccomp.c).
#[test]
fn trap_log_and_trace() {
    let getpid = (call(SYS_getpid, &[]), OK);
    let getppid = call(SYS_getppid, &[]);
    let trap = profile("SCMP_ACT_ALLOW", None, &[rule(&["getppid"], "SCMP_ACT_TRAP", "")]);
    let out = run_calls(Some(&trap), &[getpid.0.clone(), getppid.clone(), getpid.0.clone()]);
    out.assert_code(SIGSYS_STATUS).assert_no_stderr();
    assert_eq!(answers(&out.stdout), std::slice::from_ref(&getpid), "{out:?}");

    let log = profile("SCMP_ACT_ALLOW", None, &[rule(&["getppid"], "SCMP_ACT_LOG", "")]);
    assert_calls("log", Some(&log), &[(getppid.clone(), OK)]);
    // LOG as the default action, with a rule that denies.
    let log_default = profile("SCMP_ACT_LOG", None, &[rule(&["getppid"], "SCMP_ACT_ERRNO", "")]);
    assert_calls("log default", Some(&log_default), &[getpid.clone(), (getppid.clone(), errno(EPERM))]);
    let trace = profile("SCMP_ACT_ALLOW", None, &[rule(&["getppid"], "SCMP_ACT_TRACE", "")]);
    assert_calls("trace", Some(&trace), &[getpid, (getppid, errno(ENOSYS))]);
}

/// Every `flags` entry is accepted by the kernel with the filter.
#[test]
fn filter_flags_are_accepted() {
    for flag in [
        "SECCOMP_FILTER_FLAG_LOG",
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_TSYNC",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    ] {
        let p = format!(
            r#"{{"defaultAction":"SCMP_ACT_ALLOW","flags":[{}],"syscalls":[{}]}}"#,
            json_str(flag),
            rule(&["getppid"], "SCMP_ACT_ERRNO", r#""errnoRet":13"#)
        );
        assert_calls(flag, Some(&p), &[(call(SYS_getpid, &[]), OK), (call(SYS_getppid, &[]), errno(EACCES))]);
    }
}

/// `socket` denied for AF_INET only: AF_UNIX works, AF_INET fails with the
/// rule's errno whatever the type.
#[test]
fn argument_condition_selects_the_call() {
    let inet = arg(0, "SCMP_CMP_EQ", libc::AF_INET as u64, 0);
    let p = profile(
        "SCMP_ACT_ALLOW",
        None,
        &[rule(&["socket"], "SCMP_ACT_ERRNO", &format!(r#""errnoRet":13,"args":[{inet}]"#))],
    );
    let socket = |family: i32, ty: i32| call(SYS_socket, &[family as u64, ty as u64, 0]);
    assert_calls(
        "socket",
        Some(&p),
        &[
            (socket(libc::AF_UNIX, libc::SOCK_STREAM), OK),
            (socket(libc::AF_UNIX, libc::SOCK_DGRAM), OK),
            (socket(libc::AF_INET, libc::SOCK_STREAM), errno(EACCES)),
            (socket(libc::AF_INET, libc::SOCK_DGRAM), errno(EACCES)),
        ],
    );
}

/// Conditions on different arguments AND; several on the same argument OR
/// (runc splits them into rules). getpriority(which, who) with who 0 (self)
/// or 1 (PID 1) is harmless for every which.
#[test]
fn conditions_and_across_arguments_or_on_one() {
    let prio = |which: u64, who: u64| call(SYS_getpriority, &[which, who]);
    let and = rule(
        &["getpriority"],
        "SCMP_ACT_ERRNO",
        &format!(r#""errnoRet":13,"args":[{},{}]"#, arg(0, "SCMP_CMP_EQ", 0, 0), arg(1, "SCMP_CMP_EQ", 0, 0)),
    );
    assert_calls(
        "AND",
        Some(&profile("SCMP_ACT_ALLOW", None, &[and])),
        &[(prio(0, 0), errno(EACCES)), (prio(0, 1), OK), (prio(1, 0), OK)],
    );
    let or = rule(
        &["getpriority"],
        "SCMP_ACT_ERRNO",
        &format!(r#""errnoRet":13,"args":[{},{}]"#, arg(0, "SCMP_CMP_EQ", 0, 0), arg(0, "SCMP_CMP_EQ", 1, 0)),
    );
    assert_calls(
        "OR",
        Some(&profile("SCMP_ACT_ALLOW", None, &[or])),
        &[(prio(0, 0), errno(EACCES)), (prio(1, 0), errno(EACCES)), (prio(2, 0), OK)],
    );
}

/// Values that differ only in the high word of a 64-bit argument:
/// personality(2) takes an unsigned int, so the kernel ignores the high word
/// and each call is the harmless query 0xffffffff; the filter sees all 64
/// bits. A comparison of the low words alone would treat the three alike.
const LOW: u64 = 0x0_ffff_ffff;
const MID: u64 = 0x1_ffff_ffff;
const HIGH: u64 = 0x2_ffff_ffff;

/// (op, value, valueTwo, denied for LOW, MID, HIGH, denied for i386's
/// 0xffffffff): the rule denies personality when `arg0 op value`. On i386
/// arguments are 32 bits and libseccomp compares the low 32 bits of the
/// value (`_db_rule_gen_arg_32`); a MASKED_EQ whose mask is 0 there always
/// holds.
const OPS: [(&str, u64, u64, [bool; 3], bool); 7] = [
    ("SCMP_CMP_EQ", MID, 0, [false, true, false], true),
    ("SCMP_CMP_NE", MID, 0, [true, false, true], false),
    ("SCMP_CMP_LT", MID, 0, [true, false, false], false),
    ("SCMP_CMP_LE", MID, 0, [true, true, false], true),
    ("SCMP_CMP_GT", MID, 0, [false, false, true], false),
    ("SCMP_CMP_GE", MID, 0, [false, true, true], true),
    ("SCMP_CMP_MASKED_EQ", 0x3_0000_0000, 0x1_0000_0000, [false, true, false], true),
];

fn ops_profile(op: &str, value: u64, value_two: u64) -> String {
    let cond = arg(0, op, value, value_two);
    let r = rule(&["personality"], "SCMP_ACT_ERRNO", &format!(r#""errnoRet":13,"args":[{cond}]"#));
    profile("SCMP_ACT_ALLOW", Some(X86_64_X86), &[r])
}

fn ops_calls() -> Vec<String> {
    let mut v: Vec<String> = [LOW, MID, HIGH].iter().map(|&a| call(SYS_personality, &[a])).collect();
    v.push(i386(I386_PERSONALITY, &[0xffff_ffff]));
    v
}

/// Every SCMP_CMP op compares all 64 bits of an argument on x86_64, the
/// low 32 on i386.
#[test]
fn ops_compare_64_bit_arguments() {
    for (op, value, value_two, denied, i386_denied) in OPS {
        let calls = ops_calls();
        let verdicts = denied.iter().chain([&i386_denied]);
        let rows: Vec<(String, Answer)> =
            calls.into_iter().zip(verdicts).map(|(c, &d)| (c, if d { errno(EACCES) } else { OK })).collect();
        assert_calls(op, Some(&ops_profile(op, value, value_two)), &rows);
    }
}

/// The calls Docker's profile decides, with their answer under it and a
/// call that shows, unfiltered, another answer than EPERM (so the EPERM
/// is the filter's): unshare(0) succeeds, mount(NULL...) is EFAULT,
/// keyctl(9999) EOPNOTSUPP.
fn docker_rows() -> Vec<(String, Answer)> {
    vec![
        (call(SYS_getpid, &[]), OK),
        (call(SYS_unshare, &[0]), errno(EPERM)),
        (call(SYS_mount, &[0, 0, 0, 0, 0]), errno(EPERM)),
        (call(SYS_keyctl, &[9999]), errno(EPERM)),
        (call(SYS_add_key, &[0, 0, 0, 0, 0]), errno(EPERM)),
        (call(SYS_socket, &[libc::AF_UNIX as u64, libc::SOCK_STREAM as u64, 0]), OK),
        // AF_VSOCK is the one family Docker denies.
        (call(SYS_socket, &[libc::AF_VSOCK as u64, libc::SOCK_STREAM as u64, 0]), errno(EPERM)),
        (call(SYS_personality, &[0xffff_ffff]), OK),
        (call(SYS_personality, &[0x1_ffff_ffff]), errno(EPERM)),
        // Docker returns ENOSYS for clone3, so that libc falls back to clone.
        (call(SYS_clone3, &[0, 0]), errno(ENOSYS)),
    ]
}

/// Docker's profile: busybox `sh -c` runs normally, with the filter loaded
/// last (noNewPrivileges) or first (without; runc's default capabilities);
/// the calls it denies are denied, `unshare` from busybox too.
#[test]
fn docker_profile_runs_busybox_and_blocks() {
    let rows = docker_rows();
    let calls = words(&rows).join(" ");
    let script = format!(
        "echo hello; ls / >/dev/null && echo listed; unshare -u true 2>/dev/null || echo no-unshare; {} {calls}",
        sys_tool_str()
    );
    let args = ["/bin/busybox".to_string(), "sh".into(), "-c".into(), script];
    let caps = r#","capabilities":{"bounding":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"],"effective":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"],"permitted":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]}"#;
    for nnp in [true, false] {
        let out = Run::new().wrap(PID1).spec(spec(&args, nnp, Some(DOCKER), caps)).run();
        out.assert_code(0).assert_no_stderr();
        assert_eq!(out.stdout_lines()[..3], ["hello", "listed", "no-unshare"], "noNewPrivileges {nnp}\n{out:?}");
        assert_eq!(answers(&out.stdout), rows, "noNewPrivileges {nnp}\n{out:?}");
    }
    // Unfiltered, the same calls answer otherwise.
    let out = run_calls(None, &words(&rows));
    out.assert_code(0);
    for ((word, filtered), (_, unfiltered)) in rows.iter().zip(answers(&out.stdout)) {
        if *filtered == errno(EPERM) {
            assert_ne!(unfiltered, errno(EPERM), "{word}: EPERM without a filter too: the row proves nothing\n{out:?}");
        }
    }
}

/// The filter loads for a workload of another uid too: first, as root,
/// without noNewPrivileges; last, as uid 1000 (allowed by no_new_privs),
/// with it.
#[test]
fn filter_applies_to_another_uid() {
    let script = format!("id -u; {} {} {}", sys_tool_str(), call(SYS_getpid, &[]), call(SYS_unshare, &[0]));
    let args = ["sh".to_string(), "-c".into(), script];
    let user = r#","user":{"uid":1000,"gid":1000},"capabilities":{"bounding":["CAP_KILL"]}"#;
    for nnp in [true, false] {
        let out = Run::new().wrap(PID1).spec(spec(&args, nnp, Some(DOCKER), user)).run();
        out.assert_code(0).assert_no_stderr();
        assert_eq!(out.stdout_lines()[0], "1000", "noNewPrivileges {nnp}\n{out:?}");
        let want = [(call(SYS_getpid, &[]), OK), (call(SYS_unshare, &[0]), errno(EPERM))];
        assert_eq!(answers(&out.stdout), want, "noNewPrivileges {nnp}\n{out:?}");
    }
}

/// Numbers above the highest one the profile names return ENOSYS (runc's
/// stub, so libc falls back from syscalls newer than the profile), even one
/// the kernel has (fchmodat2); an unnamed number below it gets the default
/// errno. A permissive default action has no such stub.
#[test]
fn numbers_above_the_profile_return_enosys() {
    let fchmodat2 = call(SYS_FCHMODAT2, &[AT_FDCWD, 0, 0, 0]);
    let rows = [
        (fchmodat2.clone(), errno(ENOSYS)),
        (call(1000, &[]), errno(ENOSYS)),
        (call(0x3fff_ffff, &[]), errno(ENOSYS)),
        (call(SYS_unshare, &[0]), errno(EPERM)),
    ];
    assert_calls("docker", Some(DOCKER), &rows);
    // A rule naming fchmodat2 raises the limit, even one that is dropped
    // for repeating the default action (runc counts every name).
    let named = replace_once(
        DOCKER,
        r#""syscalls": ["#,
        &format!(r#""syscalls": [{},"#, rule(&["fchmodat2"], "SCMP_ACT_ERRNO", "")),
    );
    assert_calls(
        "docker naming fchmodat2",
        Some(&named),
        &[(fchmodat2.clone(), errno(EPERM)), (call(SYS_FCHMODAT2 + 1, &[]), errno(ENOSYS))],
    );
    // The kernel itself has fchmodat2: without the filter, or under a
    // permissive default, NULL is EFAULT.
    let permissive = profile("SCMP_ACT_ALLOW", None, &[rule(&["getppid"], "SCMP_ACT_ERRNO", "")]);
    for (name, p) in [("no filter", None), ("ALLOW default", Some(permissive.as_str()))] {
        assert_calls(name, p, &[(fchmodat2.clone(), errno(libc::EFAULT)), (call(1000, &[]), errno(ENOSYS))]);
    }
}

/// i386 syscalls (`int 0x80` from the 64-bit workload) are filtered with
/// the i386 numbers when SCMP_ARCH_X86 is listed, and kill the process
/// (159) when it is not: the native filter never judges them.
#[test]
fn i386_syscalls_follow_their_own_table() {
    let deny_getppid = rule(&["getppid"], "SCMP_ACT_ERRNO", r#""errnoRet":13"#);
    let listed = profile("SCMP_ACT_ALLOW", Some(X86_64_X86), std::slice::from_ref(&deny_getppid));
    assert_calls(
        "SCMP_ARCH_X86 listed",
        Some(&listed),
        &[
            (i386(I386_GETPID, &[]), OK),
            (i386(I386_GETPPID, &[]), errno(EACCES)),
            (call(SYS_getppid, &[]), errno(EACCES)),
        ],
    );
    assert_calls(
        "docker",
        Some(DOCKER),
        &[
            (i386(I386_GETPID, &[]), OK),
            (i386(I386_UNSHARE, &[0]), errno(EPERM)),
            (socketcall(libc::AF_UNIX, libc::SOCK_STREAM), OK),
        ],
    );
    for (name, archs) in [("only SCMP_ARCH_X86_64", Some(X86_64)), ("no architectures", None)] {
        let p = profile("SCMP_ACT_ALLOW", archs, std::slice::from_ref(&deny_getppid));
        let out = run_calls(Some(&p), &[call(SYS_getpid, &[]), i386(I386_GETPID, &[]), call(SYS_getpid, &[])]);
        out.assert_code(SIGSYS_STATUS).assert_no_stderr();
        assert_eq!(answers(&out.stdout), [(call(SYS_getpid, &[]), OK)], "{name}\n{out:?}");
    }
}

/// x32 numbers (bit 30 set, on the x86_64 entry) kill the process unless
/// SCMP_ARCH_X32 is listed. Listed, they are judged with the x32 table: a
/// denied one gets the rule's errno; an allowed one reaches the kernel, and
/// this kernel is built without x32 (CONFIG_X86_X32_ABI off), so it answers
/// ENOSYS — the filter runs before the kernel looks at the ABI.
#[test]
fn x32_syscalls_are_killed_unless_listed() {
    let x32_getpid = call(X32 | SYS_getpid, &[]);
    let x32_getppid = call(X32 | SYS_getppid, &[]);
    let deny_getppid = rule(&["getppid"], "SCMP_ACT_ERRNO", r#""errnoRet":13"#);
    // Without a filter: x32 is off in this kernel.
    assert_calls("no filter", None, &[(x32_getpid.clone(), errno(ENOSYS)), (x32_getppid.clone(), errno(ENOSYS))]);
    for (name, archs) in [("only SCMP_ARCH_X86_64", Some(X86_64)), ("SCMP_ARCH_X86", Some(X86_64_X86)), ("none", None)]
    {
        let p = profile("SCMP_ACT_ALLOW", archs, std::slice::from_ref(&deny_getppid));
        let out = run_calls(Some(&p), &[call(SYS_getpid, &[]), x32_getpid.clone(), call(SYS_getpid, &[])]);
        out.assert_code(SIGSYS_STATUS).assert_no_stderr();
        assert_eq!(answers(&out.stdout), [(call(SYS_getpid, &[]), OK)], "{name}\n{out:?}");
    }
    let listed = profile("SCMP_ACT_ALLOW", Some(X86_64_X32), &[deny_getppid]);
    assert_calls(
        "SCMP_ARCH_X32 listed",
        Some(&listed),
        &[(x32_getpid.clone(), errno(ENOSYS)), (x32_getppid, errno(EACCES)), (call(SYS_getpid, &[]), OK)],
    );
    assert_calls("docker", Some(DOCKER), &[(x32_getpid, errno(ENOSYS)), (call(X32 | SYS_unshare, &[0]), errno(EPERM))]);
}

/// runc's default capabilities, so that nsinit calls capset.
const RUNC_CAPS: &str =
    r#","capabilities":{"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"]}"#;

/// Without noNewPrivileges the filter loads early, while CAP_SYS_ADMIN is
/// held (as runc does), and only what any runtime needs after its own early
/// filter to start the workload as asked comes after it (runc:
/// `finalizeNamespace`, then execve): the id switch (setgroups, setresgid,
/// setresuid), chdir when `cwd` is given, capset and the ambient set's
/// prctl, execve. A profile that denies one of those is a spec error — 125
/// and one line naming the call, before anything runs — even when no
/// capabilities object is given (all five sets are emptied, by a capset).
/// Everything else nsinit does — closing descriptors (close_range), the
/// signal mask and dispositions (rt_sigprocmask, rt_sigaction), the futex
/// wait for PID 1, the bounding set and keepcaps (prctl), handing stdio to
/// a non-root user (newfstatat, fchownat) — comes before the filter:
/// a profile may deny it, with an errno or even a kill, and the workload
/// starts as asked (as under runc and crun, which need none of it either).
/// With noNewPrivileges the filter loads last and only the workload meets
/// it: execve is the one nsinit call it can refuse (126).
#[test]
fn early_filter_must_let_nsinit_finish() {
    let deny_capset = profile("SCMP_ACT_ALLOW", None, &[rule(&["capset"], "SCMP_ACT_KILL_PROCESS", "")]);
    let dir = TempDir::new();
    let out = Run::new().wrap(PID1).spec(spec(&touch(&dir.marker()), false, Some(&deny_capset), RUNC_CAPS)).run();
    out.assert_code(125);
    assert!(out.stdout.is_empty(), "{out:?}");
    let lines = out.stderr.lines().collect::<Vec<_>>();
    assert_eq!(lines.len(), 1, "one line\n{out:?}");
    assert!(lines[0].starts_with("nsinit: spec: linux.seccomp: ") && lines[0].contains("capset"), "{out:?}");
    assert_not_ran(&dir.marker());

    let capset = call(libc::SYS_capset, &[0, 0]);
    let getpid = (call(SYS_getpid, &[]), OK);
    // No capabilities object: all five sets are emptied, by a capset
    // before execve too, so the same profile is refused.
    let out = run_tool(Some(&deny_capset), false, &[getpid.0.clone(), capset.clone()]);
    out.assert_code(125);
    assert!(out.stderr.starts_with("nsinit: spec: linux.seccomp: ") && out.stderr.contains("capset"), "{out:?}");
    // noNewPrivileges: nsinit's capset comes before the filter.
    let args = vec![sys_tool_str(), getpid.0.clone(), capset];
    let out = Run::new().wrap(PID1).spec(spec(&args, true, Some(&deny_capset), RUNC_CAPS)).run();
    out.assert_code(SIGSYS_STATUS).assert_no_stderr();
    assert_eq!(answers(&out.stdout), std::slice::from_ref(&getpid), "{out:?}");

    // A non-root user with a supplementary group and an ambient
    // capability: every step runs (the bounding set shrinks, stdio is
    // handed over, keepcaps keeps CAP_KILL across the switch, which
    // becomes ambient and so survives execve). The workload shows it.
    let kill = r#"["CAP_KILL"]"#;
    let caps = format!(r#""bounding":{kill},"effective":{kill},"permitted":{kill},"inheritable":{kill},"ambient":{kill}"#);
    let user = format!(r#","user":{{"uid":1000,"gid":1000,"additionalGids":[1001]}},"capabilities":{{{caps}}}"#);
    // busybox-static: the host's cat is dynamic, and its loader stats.
    let status = ["busybox".to_string(), "cat".into(), "/proc/self/status".into()];
    let want = [
        ("Uid", "1000\t1000\t1000\t1000"),
        ("Groups", "1001"),
        ("CapBnd", "0000000000000020"),
        ("CapEff", "0000000000000020"),
        ("CapPrm", "0000000000000020"),
        ("CapAmb", "0000000000000020"),
        ("Seccomp", "2"),
    ];
    let prctl_op = |op: i32| format!(r#""args":[{}]"#, arg(0, "SCMP_CMP_EQ", op as u64, 0));
    // Refused: each call after an early load, denied in turn.
    let refused = [
        ("setresuid", String::new()),
        ("setresgid", String::new()),
        ("setgroups", String::new()),
        ("chdir", String::new()),
        ("capset", String::new()),
        ("prctl", prctl_op(libc::PR_CAP_AMBIENT)),
        ("execve", String::new()),
    ];
    for (name, extra) in &refused {
        let p = profile("SCMP_ACT_ALLOW", None, &[rule(&[name], "SCMP_ACT_ERRNO", extra)]);
        let out = Run::new().wrap(PID1).spec(spec(&status, false, Some(&p), &user)).run();
        out.assert_code(125);
        assert!(out.stdout.is_empty(), "{name}: the workload ran\n{out:?}");
        let lines = out.stderr.lines().collect::<Vec<_>>();
        assert!(lines.len() == 1 && lines[0].starts_with("nsinit: spec: linux.seccomp: "), "{name}\n{out:?}");
        assert!(lines[0].contains(&format!("\"{name}\"")), "{name}\n{out:?}");
        // With noNewPrivileges the same profile lets the workload start,
        // but for execve: the one call after the filter, denied (126).
        let out = Run::new().wrap(PID1).spec(spec(&status, true, Some(&p), &user)).run();
        if *name == "execve" {
            assert_one_error_line(&out.stderr, "nsinit: exec: busybox: EPERM: operation not permitted");
            out.assert_code(126);
        } else {
            out.assert_code(0).assert_no_stderr();
            assert_eq!(status_field(&out.stdout, "Uid"), Some("1000\t1000\t1000\t1000"), "{name}, noNewPrivileges\n{out:?}");
        }
    }
    // Accepted: nsinit's housekeeping and what root does before the
    // switch, denied with an errno and with a kill. Under a kill the
    // workload is the sys tool, which makes none of these calls (busybox
    // stats its config as a non-root user): still uid 1000 (setresuid to
    // root refused), with CAP_KILL in effect (kill(1, 0) allowed, PID 1
    // being root).
    let sys_calls = [
        (call(SYS_getpid, &[]), OK),
        (call(libc::SYS_kill, &[1, 0]), OK),
        (call(libc::SYS_setresuid, &[0, 0, 0]), errno(EPERM)),
    ];
    let mut sys_args = vec![sys_tool_str()];
    sys_args.extend(words(&sys_calls));
    let accepted = [
        ("close_range", String::new()),
        ("rt_sigaction", String::new()),
        ("rt_sigprocmask", String::new()),
        ("futex", String::new()),
        ("newfstatat", String::new()),
        ("fchownat", String::new()),
        ("prctl", prctl_op(libc::PR_CAPBSET_READ)),
        ("prctl", prctl_op(libc::PR_CAPBSET_DROP)),
        ("prctl", prctl_op(libc::PR_SET_KEEPCAPS)),
    ];
    for (name, extra) in &accepted {
        for nnp in [false, true] {
            let errno_rule = profile("SCMP_ACT_ALLOW", None, &[rule(&[name], "SCMP_ACT_ERRNO", extra)]);
            let out = Run::new().wrap(PID1).spec(spec(&status, nnp, Some(&errno_rule), &user)).run();
            let row = format!("{name} {extra} SCMP_ACT_ERRNO, noNewPrivileges {nnp}");
            assert!(out.status == Status::Code(0) && out.stderr.is_empty(), "{row}\n{out:?}");
            for (field, value) in want {
                assert_eq!(status_field(&out.stdout, field), Some(value), "{row}: {field}\n{out:?}");
            }
            assert_eq!(status_field(&out.stdout, "NoNewPrivs"), Some(if nnp { "1" } else { "0" }), "{row}\n{out:?}");

            let kill_rule = profile("SCMP_ACT_ALLOW", None, &[rule(&[name], "SCMP_ACT_KILL_PROCESS", extra)]);
            let out = Run::new().wrap(PID1).spec(spec(&sys_args, nnp, Some(&kill_rule), &user)).run();
            let row = format!("{name} {extra} SCMP_ACT_KILL_PROCESS, noNewPrivileges {nnp}");
            assert!(out.status == Status::Code(0) && out.stderr.is_empty(), "{row}\n{out:?}");
            assert_eq!(answers(&out.stdout), sys_calls, "{row}\n{out:?}");
        }
    }
}

// Side by side with crun (libseccomp): the same bundle — a busybox rootfs
// with the sys tool, runc's default config, a profile — run by crun and by
// nsinit; the sys tool's answers must agree, row for row.

/// The busybox rootfs (`scripts/mkrootfs`) with the sys tool as /bin/sys,
/// built once per test process.
fn rootfs() -> &'static Path {
    static ROOTFS: OnceLock<PathBuf> = OnceLock::new();
    ROOTFS.get_or_init(|| {
        let dir = build_dir().join("rootfs");
        let mkrootfs = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/mkrootfs");
        let out = Command::new(mkrootfs).arg(&dir).output().expect("run scripts/mkrootfs");
        assert!(out.status.success(), "mkrootfs failed:\n{}", String::from_utf8_lossy(&out.stderr));
        copy_file(sys_tool(), &dir.join("bin/sys"));
        dir
    })
}

/// runc's `config.json` with `args` (no terminal), the rootfs above (its
/// absolute path) and `seccomp` as linux.seccomp.
fn bundle_config(args: &[String], seccomp: &str) -> String {
    let root = rootfs().to_str().expect("utf-8 path");
    let c = replace_once(RUNC_CONFIG, r#""terminal": true"#, r#""terminal": false"#);
    let c = replace_once(&c, "\"args\": [\n\t\t\t\"sh\"\n\t\t]", &format!(r#""args": {}"#, json_strs(args)));
    let c = replace_once(&c, r#""path": "rootfs""#, &format!(r#""path": {}"#, json_str(root)));
    replace_once(&c, r#""linux": {"#, &format!(r#""linux": {{"seccomp": {seccomp},"#))
}

/// The namespaces runc's config lists (pid, network, ipc, uts, mount),
/// made as a runtime would, nsinit as their PID 1.
const BUNDLE_NS: Wrapper =
    Wrapper { argv: &["unshare", "--pid", "--net", "--ipc", "--uts", "--mount", "--fork", "--kill-child"], depth: 1 };

fn run_nsinit_bundle(config: &str) -> Output {
    let dir = TempDir::new();
    Run::new().wrap(BUNDLE_NS).cwd(dir.path()).spec(config).run()
}

/// crun runs the bundle in a private mount namespace without cgroup
/// management; the unified hierarchy of this hybrid host is unmounted there
/// first, or crun would try to use it. `timeout` is the hang guard.
fn run_crun(config: &str) -> Output {
    static N: AtomicUsize = AtomicUsize::new(0);
    let bundle = TempDir::new();
    fs::write(bundle.join("config.json"), config).expect("write config.json");
    let id = format!("nsinit-test-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let script =
        r#"umount -l /sys/fs/cgroup/unified 2>/dev/null; exec crun --cgroup-manager=disabled run -b "$1" "$2""#;
    let secs = HANG_GUARD.as_secs().to_string();
    let out = Command::new("timeout")
        .args(["-k", "5", &secs, "unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"])
        .arg(bundle.path())
        .arg(&id)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run crun");
    Output {
        status: out.status.into(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// runc (libseccomp, with its ENOSYS stub) runs the bundle; `timeout` is
/// the hang guard.
fn run_runc(config: &str) -> Output {
    static N: AtomicUsize = AtomicUsize::new(0);
    let bundle = TempDir::new();
    fs::write(bundle.join("config.json"), config).expect("write config.json");
    let id = format!("nsinit-test-runc-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let secs = HANG_GUARD.as_secs().to_string();
    let out = Command::new("timeout")
        .args(["-k", "5", &secs, "runc", "run", "-b"])
        .arg(bundle.path())
        .arg(&id)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run runc");
    Output {
        status: out.status.into(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The sys tool's answers to `calls` under `seccomp`, from nsinit and from
/// crun (both must exit 0).
fn side_by_side(seccomp: &str, calls: &[String]) -> (Answers, Answers) {
    let mut args = vec!["/bin/sys".to_string()];
    args.extend(calls.iter().cloned());
    let config = bundle_config(&args, seccomp);
    let ours = run_nsinit_bundle(&config);
    ours.assert_code(0);
    let theirs = run_crun(&config);
    theirs.assert_code(0);
    let (a, b) = (answers(&ours.stdout), answers(&theirs.stdout));
    assert_eq!(a.len(), calls.len(), "nsinit answered every call\n{ours:?}");
    assert_eq!(b.len(), calls.len(), "crun answered every call\n{theirs:?}");
    (a, b)
}

/// Docker's profile: every call answered as crun answers it, but those
/// above the highest syscall the profile names (native or i386): nsinit
/// returns ENOSYS there as runc does (its ENOSYS stub; `runc run` gives the
/// same on this machine), crun 1.8.1 the default EPERM.
#[test]
fn docker_profile_answers_as_crun() {
    let mut calls = words(&docker_rows());
    calls.extend([
        call(SYS_getppid, &[]),
        call(libc::SYS_kcmp, &[0, 0, 0, 0, 0]),
        call(libc::SYS_bpf, &[0, 0, 0]),
        call(libc::SYS_perf_event_open, &[0, 0, 0, 0, 0]),
        call(libc::SYS_reboot, &[0, 0, 0, 0]),
        i386(I386_GETPID, &[]),
        i386(I386_UNSHARE, &[0]),
        i386(I386_PERSONALITY, &[0xffff_ffff]),
        i386(I386_PERSONALITY, &[8]),
        socketcall(libc::AF_UNIX, libc::SOCK_STREAM),
        socketcall(libc::AF_VSOCK, libc::SOCK_STREAM),
        call(X32 | SYS_getpid, &[]),
        call(X32 | SYS_unshare, &[0]),
    ]);
    let above = [call(SYS_FCHMODAT2, &[AT_FDCWD, 0, 0, 0]), call(1000, &[]), i386(1000, &[])];
    calls.extend(above.iter().cloned());
    let (ours, theirs) = side_by_side(DOCKER, &calls);
    for (a, b) in ours.iter().zip(&theirs) {
        if above.contains(&a.0) {
            assert_eq!((a.1, b.1), (errno(ENOSYS), errno(EPERM)), "{}: nsinit, crun", a.0);
        } else {
            assert_eq!(a, b, "nsinit, crun");
        }
    }
}

/// Each SCMP_CMP op on a 64-bit argument, and on i386's 32-bit one: the
/// same verdicts as crun's libseccomp.
#[test]
fn ops_answer_as_crun() {
    for (op, value, value_two, _, _) in OPS {
        let (ours, theirs) = side_by_side(&ops_profile(op, value, value_two), &ops_calls());
        assert_eq!(ours, theirs, "{op}: nsinit, crun");
    }
}

/// Socket and IPC calls on i386 in both forms, the direct syscall and the
/// `socketcall` multiplexer: a `socket` rule with a condition on args[0]
/// covers every socketcall(SYS_SOCKET), whose arguments are in memory,
/// where no filter can see them (libseccomp's choice, denying more); a
/// `connect` rule covers socketcall(SYS_CONNECT). i386 and x32 numbers
/// above the highest named one: ENOSYS from the kernel or the stub alike.
#[test]
fn socketcall_and_abi_edges_answer_as_crun() {
    let rules = [
        rule(&["socket"], "SCMP_ACT_ERRNO", &format!(r#""errnoRet":13,"args":[{}]"#, arg(0, "SCMP_CMP_EQ", 2, 0))),
        rule(&["connect"], "SCMP_ACT_ERRNO", r#""errnoRet":14"#),
        rule(&["getppid"], "SCMP_ACT_ERRNO", r#""errnoRet":15"#),
    ];
    let p = profile("SCMP_ACT_ALLOW", Some(&["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]), &rules);
    const I386_SOCKET: i64 = 359;
    const I386_CONNECT: i64 = 362;
    const SYS_SOCKETCALL: i64 = 102;
    let calls = [
        socketcall(libc::AF_UNIX, libc::SOCK_STREAM),
        socketcall(libc::AF_INET, libc::SOCK_STREAM),
        i386(I386_SOCKET, &[1, 1, 0]),
        i386(I386_SOCKET, &[2, 1, 0]),
        call(SYS_socket, &[1, 1, 0]),
        call(SYS_socket, &[2, 1, 0]),
        i386(I386_CONNECT, &[0, 0, 0]),
        i386(SYS_SOCKETCALL, &[3, 0]),
        i386(SYS_SOCKETCALL, &[99, 0]),
        i386(1000, &[]),
        i386(450, &[]),
        call(X32 | 0x200, &[]),
        call(X32 | SYS_getppid, &[]),
    ];
    let (ours, theirs) = side_by_side(&p, &calls);
    assert_eq!(ours, theirs, "nsinit, crun");
    // What both said, spelled out for the rows that matter.
    let want = [
        (socketcall(libc::AF_UNIX, libc::SOCK_STREAM), errno(EACCES)),
        (i386(I386_SOCKET, &[1, 1, 0]), OK),
        (i386(I386_SOCKET, &[2, 1, 0]), errno(EACCES)),
        (i386(SYS_SOCKETCALL, &[3, 0]), errno(libc::EFAULT)),
        (call(X32 | SYS_getppid, &[]), errno(15)),
    ];
    for w in want {
        assert!(ours.contains(&w), "{w:?} in {ours:?}");
    }
}

/// A rule that decides on a pointer argument of a call nsinit makes after
/// an early load (chdir's path, which nsinit always passes: the spec has a
/// cwd) is met by the real call: the workload must never start. nsinit fails
/// closed (125, one line)...
#[test]
fn early_filter_on_pointer_arguments_fails_closed() {
    let path = arg(0, "SCMP_CMP_NE", 0, 0);
    for action in ["SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS"] {
        let p = profile("SCMP_ACT_ALLOW", None, &[rule(&["chdir"], action, &format!(r#""args":[{path}]"#))]);
        let dir = TempDir::new();
        let out = Run::new().wrap(PID1).spec(spec(&touch(&dir.marker()), false, Some(&p), "")).run();
        out.assert_code(125);
        assert_eq!(out.stderr.lines().count(), 1, "{action}\n{out:?}");
        assert!(out.stderr.starts_with("nsinit: "), "{action}\n{out:?}");
        assert_not_ran(&dir.marker());
    }
}

/// ... but only when the call is made, after the root and mounts are set
/// up: the check before any change models pointer arguments as 0
/// (`child::early_filter_path`), so it passes a profile the real call then
/// fails ("nsinit: cwd: /: EPERM" or "nsinit: spawn: killed by
/// signal 31: before execve"), instead of the spec error that changes
/// nothing.
#[test]
fn early_filter_check_sees_pointer_arguments() {
    let path = arg(0, "SCMP_CMP_NE", 0, 0);
    let p = profile("SCMP_ACT_ALLOW", None, &[rule(&["chdir"], "SCMP_ACT_ERRNO", &format!(r#""args":[{path}]"#))]);
    let out = Run::new().wrap(PID1).spec(spec(&["true".to_string()], false, Some(&p), "")).run();
    out.assert_code(125);
    assert!(out.stderr.starts_with("nsinit: spec: linux.seccomp: ") && out.stderr.contains("chdir"), "{out:?}");
}

/// Syscall number -1, which a tracer writes to skip a call and which
/// `syscall(-1)` hands the filter too (seccomp_data.nr 0xffffffff, bit 30
/// set): never killed as an x32 call. libseccomp sends it on to its search
/// where no rule names it (src/gen_bpf.c `_gen_bpf_arch`): the default
/// action, EPERM in Docker's profile. runc's ENOSYS stub answers first
/// where it compares the number with the highest named one: with
/// SCMP_ARCH_X32 listed, and on i386. A permissive default lets the call
/// reach the kernel: ENOSYS. nsinit and runc answer alike, row for row.
#[test]
fn syscall_minus_one_answers_as_runc() {
    const ALL: &str = r#""SCMP_ARCH_X86_64",
  "SCMP_ARCH_X86",
  "SCMP_ARCH_X32""#;
    let docker_archs = |archs: &[&str]| {
        let listed = archs.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(",");
        replace_once(DOCKER, ALL, &listed)
    };
    let (native, x86) = (call(-1, &[]), i386(-1, &[]));
    let getpid = (call(SYS_getpid, &[]), OK);
    let permissive = profile("SCMP_ACT_ALLOW", Some(X86_64), &[rule(&["getppid"], "SCMP_ACT_ERRNO", "")]);
    let rows: Vec<(&str, String, Answers)> = vec![
        ("docker, x86_64 only", docker_archs(X86_64), vec![(native.clone(), errno(EPERM)), getpid.clone()]),
        ("docker, with x32", docker_archs(X86_64_X32), vec![(native.clone(), errno(ENOSYS)), getpid.clone()]),
        (
            "docker, with x86",
            docker_archs(X86_64_X86),
            vec![(native.clone(), errno(EPERM)), (x86.clone(), errno(ENOSYS)), getpid.clone()],
        ),
        ("docker", DOCKER.to_string(), vec![(native.clone(), errno(ENOSYS)), (x86, errno(ENOSYS)), getpid.clone()]),
        ("ALLOW default, x86_64 only", permissive, vec![(native, errno(ENOSYS)), getpid]),
    ];
    for (name, seccomp, want) in rows {
        let mut args = vec!["/bin/sys".to_string()];
        args.extend(words(&want));
        let config = bundle_config(&args, &seccomp);
        let ours = run_nsinit_bundle(&config);
        ours.assert_code(0);
        assert_eq!(answers(&ours.stdout), want, "{name}: nsinit\n{ours:?}");
        let theirs = run_runc(&config);
        theirs.assert_code(0);
        assert_eq!(answers(&theirs.stdout), want, "{name}: runc\n{theirs:?}");
    }
}

/// An errno libseccomp refuses with SCMP_ACT_ERRNO (MAX_ERRNO, 4095, and
/// above; src/system.c `sys_chk_seccomp_action`) is a spec error naming the
/// field, 125 before anything runs, where runc fails to create the filter;
/// 4094 works in both. TRACE takes any 16 bits (no tracer: ENOSYS).
#[test]
fn errno_rets_libseccomp_refuses_are_spec_errors() {
    let getppid = call(SYS_getppid, &[]);
    let deny = |action: &str, errno_ret: u32| {
        profile("SCMP_ACT_ALLOW", None, &[rule(&["getppid"], action, &format!(r#""errnoRet":{errno_ret}"#))])
    };
    let refused = "must be at most 4094 with SCMP_ACT_ERRNO";
    // (name, profile, the error line, or the answer to getppid)
    let rows: Vec<(&str, String, Result<Answer, String>)> = vec![
        ("errnoRet 4094", deny("SCMP_ACT_ERRNO", 4094), Ok(errno(4094))),
        ("errnoRet 4095", deny("SCMP_ACT_ERRNO", 4095), Err(format!("linux.seccomp.syscalls[0].errnoRet: {refused}"))),
        ("errnoRet 65535", deny("SCMP_ACT_ERRNO", 65535), Err(format!("linux.seccomp.syscalls[0].errnoRet: {refused}"))),
        ("TRACE 5000", deny("SCMP_ACT_TRACE", 5000), Ok(errno(ENOSYS))),
        ("defaultErrnoRet 4094", docker_default_errno(Some(4094)), Ok(OK)),
        ("defaultErrnoRet 4095", docker_default_errno(Some(4095)), Err(format!("linux.seccomp.defaultErrnoRet: {refused}"))),
    ];
    for (name, seccomp, want) in rows {
        let out = run_calls(Some(&seccomp), std::slice::from_ref(&getppid));
        let theirs = run_runc(&bundle_config(&["/bin/sys".to_string(), getppid.clone()], &seccomp));
        match want {
            Ok(answer) => {
                out.assert_code(0).assert_no_stderr();
                assert_eq!(answers(&out.stdout), [(getppid.clone(), answer)], "{name}: nsinit\n{out:?}");
                theirs.assert_code(0);
                assert_eq!(answers(&theirs.stdout), [(getppid.clone(), answer)], "{name}: runc\n{theirs:?}");
            }
            Err(line) => {
                out.assert_failed(&format!("nsinit: spec: {line}"));
                assert_ne!(theirs.status, Status::Code(0), "{name}: runc should fail\n{theirs:?}");
                assert_eq!(answers(&theirs.stdout), [], "{name}: runc ran the workload\n{theirs:?}");
            }
        }
    }
}

/// i386's `break` (17, not implemented: ENOSYS unfiltered) is a name
/// libseccomp knows, so a rule for it applies on i386, in nsinit as in crun.
/// (nsinit's syscall table took the `syscalls` crate's raw identifier
/// `r#break` for its name, and skipped the rule as unknown.)
#[test]
fn i386_break_is_filtered() {
    let rules = [rule(&["break"], "SCMP_ACT_ERRNO", r#""errnoRet":13"#)];
    let p = profile("SCMP_ACT_ALLOW", Some(X86_64_X86), &rules);
    // x86_64 17 is pread64: fd -1 is EBADF.
    let calls = [i386(17, &[]), call(17, &[u64::MAX, 0, 0, 0])];
    let want = [(calls[0].clone(), errno(EACCES)), (calls[1].clone(), errno(libc::EBADF))];
    let (ours, theirs) = side_by_side(&p, &calls);
    assert_eq!(ours, want, "nsinit");
    assert_eq!(theirs, want, "crun");
}

/// Two rules for one syscall whose conditions hold together decide in
/// libseccomp's order, not the profile's: libseccomp merges a syscall's
/// rules into a tree whose levels it sorts, the higher argument index
/// first (src/db.c `_db_chain_lt`). getpriority(which, who): a LOG rule on
/// which == 0 and an ERRNO rule on who == 0 both hold for (0, 0), where
/// crun (libseccomp) denies whichever rule comes first in the profile;
/// nsinit let the call through when the LOG rule came first.
#[test]
fn overlapping_rules_answer_as_crun() {
    let log = rule(&["getpriority"], "SCMP_ACT_LOG", &format!(r#""args":[{}]"#, arg(0, "SCMP_CMP_EQ", 0, 0)));
    let deny =
        rule(&["getpriority"], "SCMP_ACT_ERRNO", &format!(r#""errnoRet":13,"args":[{}]"#, arg(1, "SCMP_CMP_EQ", 0, 0)));
    let prio = |which: u64, who: u64| call(SYS_getpriority, &[which, who]);
    let want = [(prio(0, 0), errno(EACCES)), (prio(0, 1), OK), (prio(1, 0), errno(EACCES))];
    for rules in [[log.clone(), deny.clone()], [deny, log]] {
        let p = profile("SCMP_ACT_ALLOW", None, &rules);
        let (ours, theirs) = side_by_side(&p, &words(&want));
        assert_eq!(ours, want, "nsinit\n{p}");
        assert_eq!(theirs, want, "crun\n{p}");
    }
}

/// Numbers with bit 31 alone are no syscalls (the kernel answers ENOSYS)
/// and no x32 calls: runc's stub answers them ENOSYS above the x86_64
/// limit; without the stub (a permissive default) libseccomp's filter
/// kills every number from the x32 bit up unless SCMP_ARCH_X32 is listed.
/// nsinit and runc alike, row for row.
#[test]
fn bit_31_numbers_answer_as_runc() {
    let docker_x86_64 = DOCKER.replace(
        r#""SCMP_ARCH_X86_64",
  "SCMP_ARCH_X86",
  "SCMP_ARCH_X32""#,
        r#""SCMP_ARCH_X86_64""#,
    );
    let permissive = |archs| profile("SCMP_ACT_ALLOW", Some(archs), &[rule(&["getppid"], "SCMP_ACT_ERRNO", "")]);
    let (bit31, getpid) = (call(0x8000_0000, &[]), (call(SYS_getpid, &[]), OK));
    // (name, profile, calls, answers, exit code)
    let rows = [
        ("docker, x86_64 only", docker_x86_64, vec![(bit31.clone(), errno(ENOSYS)), getpid.clone()], 0),
        ("ALLOW default, x86_64 only", permissive(X86_64), vec![getpid.clone(), (bit31.clone(), OK)], SIGSYS_STATUS),
        ("ALLOW default, with x32", permissive(X86_64_X32), vec![(bit31, errno(ENOSYS)), getpid], 0),
    ];
    for (name, seccomp, mut calls, code) in rows {
        let mut args = vec!["/bin/sys".to_string()];
        args.extend(words(&calls));
        if code != 0 {
            // Killed at the last call: it answers nothing.
            calls.pop();
        }
        let config = bundle_config(&args, &seccomp);
        for (who, out) in [("nsinit", run_nsinit_bundle(&config)), ("runc", run_runc(&config))] {
            out.assert_code(code);
            assert_eq!(answers(&out.stdout), calls, "{name}: {who}\n{out:?}");
        }
    }
}

/// A profile that answers exit_group and exit with an errno, and a workload
/// that is not there: the child's execve fails after the filter is loaded,
/// and its exit_group returns. The child must still end — a trap kills it,
/// as Go's runtime faults when its exit returns — and nsinit report the
/// failed execve (127, one line). Before, the child spun in nsinit's memory
/// and nsinit never exited. With and without no_new_privs (the filter loads
/// last, or before the user switch).
#[test]
fn a_denied_exit_still_ends_a_failed_exec() {
    let p = profile("SCMP_ACT_ALLOW", None, &[rule(&["exit_group", "exit"], "SCMP_ACT_ERRNO", "")]);
    for nnp in [true, false] {
        let out = Run::new().wrap(PID1).spec(spec(&["/no/such/program".into()], nnp, Some(&p), "")).timeout(std::time::Duration::from_secs(10)).run();
        out.assert_code(127);
        assert!(out.stderr.starts_with("nsinit: exec: /no/such/program: ENOENT"), "nnp {nnp}\n{out:?}");
        assert_eq!(out.stderr.lines().count(), 1, "nnp {nnp}\n{out:?}");
    }
}

/// An early filter (no no_new_privs) that refuses raising an ambient
/// capability: the raise is skipped with one warning and the workload
/// runs without it, as under runc (a warning in `ApplyCaps`), where nsinit
/// refused the spec before. Compared with runc run of the same bundle.
#[test]
fn a_refused_ambient_raise_is_skipped_as_under_runc() {
    let raise = format!("{},{}", arg(0, "SCMP_CMP_EQ", libc::PR_CAP_AMBIENT as u64, 0), arg(1, "SCMP_CMP_EQ", libc::PR_CAP_AMBIENT_RAISE as u64, 0));
    let p = profile("SCMP_ACT_ALLOW", None, &[rule(&["prctl"], "SCMP_ACT_ERRNO", &format!(r#""args":[{raise}]"#))]);
    let mut b = Bundle::new();
    let caps = json!(["CAP_NET_BIND_SERVICE", "CAP_KILL"]);
    b.config["process"]["capabilities"] = json!({"bounding": caps, "effective": caps, "permitted": caps, "inheritable": caps, "ambient": caps});
    b.config["process"]["noNewPrivileges"] = json!(false);
    b.config["linux"]["seccomp"] = serde_json::from_str(&p).unwrap();
    b.sh("grep -E '^Cap(Inh|Prm|Eff|Amb)' /proc/self/status");
    let ours = b.run();
    ours.assert_code(0);
    let runc = runc_run(&b);
    runc.assert_code(0);
    assert_eq!(ours.stdout, runc.stdout, "{ours:?}\n{runc:?}");
    assert!(ours.stdout.contains("CapAmb:\t0000000000000000"), "{ours:?}");
    assert_eq!(
        ours.stderr,
        "nsinit: warning: capabilities: CAP_KILL: ambient raise refused: skipped\n\
         nsinit: warning: capabilities: CAP_NET_BIND_SERVICE: ambient raise refused: skipped\n",
        "{ours:?}"
    );
    // A raise the filter would kill (or trap) would end the child after the
    // whole container was built: still a spec error, before any change.
    for action in ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP"] {
        let p = profile("SCMP_ACT_ALLOW", None, &[rule(&["prctl"], action, &format!(r#""args":[{raise}]"#))]);
        b.config["linux"]["seccomp"] = serde_json::from_str(&p).unwrap();
        let out = b.run();
        out.assert_code(125);
        assert!(out.stderr.starts_with("nsinit: spec: linux.seccomp: ") && out.stderr.contains("prctl") && out.stderr.lines().count() == 1, "{action}: {out:?}");
    }
}
