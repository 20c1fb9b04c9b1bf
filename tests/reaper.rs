//! PID 1's half of nsinit (CONTRACT.md: "What it is" step 4, "Exit status",
//! "Security promises"): exit statuses, signal forwarding, zombie reaping,
//! exec failures, and what the workload inherits. nsinit runs as PID 1 of a
//! fresh PID namespace ([`PID1`]) unless a row needs it elsewhere.
//!
//! Workloads are small shell scripts. They never sleep to wait: they block
//! reading a pipe the test holds (`read _` on stdin), and a trapped signal
//! interrupts that read, so every step waits on an event.

mod common;

use common::*;
use libc::{SIGHUP, SIGINT, SIGKILL, SIGQUIT, SIGSEGV, SIGTERM, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2};

/// Runs `f` on every item, spread over a few threads (each item is one short
/// nsinit run).
fn par<T: Sync>(items: &[T], f: impl Fn(&T) + Sync) {
    let per = items.len().div_ceil(4).max(1);
    std::thread::scope(|s| {
        for chunk in items.chunks(per) {
            let f = &f;
            s.spawn(move || chunk.iter().for_each(f));
        }
    });
}

/// Every exit status 0–255 of the workload is nsinit's own.
#[test]
fn exit_status_passes_through_pid1() {
    let codes: Vec<i32> = (0..=255).collect();
    par(&codes, |&c| {
        let out = Run::new().wrap(PID1).sh(&format!("exit {c}")).run();
        assert_eq!(out.code(), c, "{out:?}");
        out.assert_no_stderr();
    });
}

/// A workload killed by signal S makes nsinit exit 128 + S (an exit, not a
/// death by signal: PID 1 reports).
#[test]
fn death_by_signal_is_128_plus_signal() {
    let rows = [(SIGTERM, "TERM"), (SIGKILL, "KILL"), (SIGINT, "INT"), (SIGUSR1, "USR1"), (SIGSEGV, "SEGV")];
    for (sig, name) in rows {
        // No core file for SEGV (its core-dump bit must not change the status).
        let out = Run::new().wrap(PID1).sh(&format!("ulimit -c 0; kill -{name} $$")).run();
        assert_eq!(out.status, Status::Code(128 + sig), "SIG{name}\n{out:?}");
        out.assert_no_stderr();
    }
}

/// `-e CODE` turns exactly CODE into 0, for every CODE; other statuses pass.
#[test]
fn expect_status_turns_only_that_code_into_0() {
    let codes: Vec<i32> = (0..=255).collect();
    par(&codes, |&c| {
        let other = (c + 1) % 256;
        let e = c.to_string();
        let out = Run::new().wrap(PID1).args(["-e", &e]).sh(&format!("exit {c}")).run();
        assert_eq!(out.code(), 0, "-e {c}, exit {c}\n{out:?}");
        let out = Run::new().wrap(PID1).args(["-e", &e]).sh(&format!("exit {other}")).run();
        assert_eq!(out.code(), other, "-e {c}, exit {other}\n{out:?}");
    });
}

/// `-e 143` (the JVM's SIGTERM status) also covers a workload killed by
/// SIGTERM, as tini does; `-e` repeats.
#[test]
fn expect_status_covers_death_by_signal() {
    let rows: &[(&[&str], &str, i32)] = &[
        (&["-e", "143"], "kill -TERM $$", 0),
        (&["-e", "143"], "exit 143", 0),
        (&["-e", "143"], "exit 3", 3),
        (&["-e", "143"], "kill -KILL $$", 137),
        (&["-e", "143", "-e", "3"], "exit 3", 0),
        (&["-e", "143", "-e", "3"], "kill -TERM $$", 0),
        (&["-e", "143", "-e", "3"], "exit 4", 4),
    ];
    for (args, script, want) in rows {
        let out = Run::new().wrap(PID1).args(args.iter()).sh(script).run();
        assert_eq!(out.code(), *want, "{args:?} {script}\n{out:?}");
    }
}

/// The workload traps `name`, says "ready" and blocks on stdin; the trap
/// reports and exits 0.
fn trapping(name: &str) -> String {
    format!("trap 'echo got {name}; exit 0' {name}; echo ready; read _")
}

/// Signals sent to nsinit (PID 1, from outside the namespace as `docker
/// stop` does) are forwarded to the workload.
#[test]
fn signals_to_pid1_reach_the_workload() {
    let rows = [
        (SIGHUP, "HUP"),
        (SIGINT, "INT"),
        (SIGQUIT, "QUIT"),
        (SIGUSR1, "USR1"),
        (SIGUSR2, "USR2"),
        (libc::SIGALRM, "ALRM"),
        (SIGTERM, "TERM"),
        (libc::SIGWINCH, "WINCH"),
    ];
    for (sig, name) in rows {
        let mut r = Run::new().wrap(PID1).stdin_pipe().sh(&trapping(name)).spawn();
        r.expect_line("ready");
        kill(r.nsinit_pid(), sig);
        r.expect_line(&format!("got {name}"));
        r.wait().assert_code(0).assert_no_stderr();
    }
}

/// A signal sent to PID 1 from inside its namespace is forwarded too (the
/// kernel queues it because nsinit blocks it, although its disposition is
/// the default).
#[test]
fn signal_from_inside_the_namespace_is_forwarded() {
    let out = Run::new()
        .wrap(PID1)
        .stdin_pipe()
        .sh("trap 'echo got USR1; exit 0' USR1; kill -USR1 1; read _; echo not forwarded")
        .run();
    out.assert_code(0).assert_no_stderr();
    assert_eq!(out.stdout, "got USR1\n");
}

/// SIGTERM to nsinit ends a workload that does not trap it: 128 + 15.
#[test]
fn sigterm_to_pid1_ends_an_untrapping_workload_with_143() {
    let mut r = Run::new().wrap(PID1).stdin_pipe().sh("echo ready; read _").spawn();
    r.expect_line("ready");
    kill(r.nsinit_pid(), SIGTERM);
    let out = r.wait();
    assert_eq!(out.code(), 143, "{out:?}");
}

/// The workload W starts G in the background (same process group: no job
/// control) and waits for it. Both trap USR1; W's trap then stops G with
/// SIGTERM, so G reports USR1 if it got the signal and TERM otherwise. Both
/// say they are ready (traps set, `$g` known) before the test signals.
const GROUP_SCRIPT: &str = r#"
exec 3<&0
sh -c 'trap "echo G-USR1; exit 0" USR1; trap "echo G-TERM; exit 0" TERM; echo G-ready; read _' <&3 &
g=$!
trap 'echo W-USR1; kill -TERM $g 2>/dev/null' USR1
echo W-ready
wait $g
wait $g
"#;

/// `-g` forwards to the workload's whole process group: a grandchild in the
/// group gets the signal; without `-g` only the workload does. (With `-g`,
/// W's SIGTERM may reach G inside its USR1 trap, and dash then runs the TERM
/// trap on its way out: G-TERM may follow G-USR1.)
#[test]
fn group_flag_forwards_to_the_process_group() {
    for group in [true, false] {
        let args: &[&str] = if group { &["-g"] } else { &[] };
        let mut r = Run::new().wrap(PID1).args(args.iter()).stdin_pipe().sh(GROUP_SCRIPT).spawn();
        let mut ready = [r.line(), r.line()];
        ready.sort();
        assert_eq!(ready, ["G-ready", "W-ready"]);
        kill(r.nsinit_pid(), SIGUSR1);
        let out = r.wait();
        out.assert_code(0).assert_no_stderr();
        let lines = out.stdout_lines();
        assert!(lines.contains(&"W-USR1"), "{args:?}\n{out:?}");
        assert_eq!(lines.contains(&"G-USR1"), group, "did G get USR1? {args:?}\n{out:?}");
        if !group {
            assert!(lines.contains(&"G-TERM"), "{args:?}\n{out:?}");
        }
    }
}

/// 200 orphans re-parented to nsinit as PID 1 are all reaped: no zombie is
/// left while the workload still runs.
#[test]
fn orphans_are_reaped_by_pid1() {
    let n = 200;
    let out = Run::new().wrap(PID1).cmd(["sh", "-c", ORPHANS_SCRIPT, "sh", &n.to_string()]).run();
    out.assert_code(0).assert_no_stderr();
    let o = orphans(&out);
    assert_eq!(o.nsinit, 1, "{out:?}");
    let adopted = o.children_of(1);
    assert_eq!(adopted.len(), n, "orphans re-parented to nsinit: {adopted:?}\n{out:?}");
    o.assert_all_reaped(&[], &out);
}

/// Not PID 1, `-s` (or NSINIT_SUBREAPER=1, TINI_SUBREAPER) makes nsinit a child subreaper:
/// orphans come to it, not to PID 1, and it reaps them; no warning.
#[test]
fn subreaper_adopts_and_reaps_orphans_when_not_pid1() {
    let n = 20;
    let cmd = ["sh", "-c", ORPHANS_SCRIPT, "sh", &n.to_string()].map(String::from);
    // tini's TINI_SUBREAPER is on when set at all, even empty.
    let runs = [Run::new().arg("-s"), Run::new().env("NSINIT_SUBREAPER", "1"), Run::new().env("TINI_SUBREAPER", "")];
    for run in runs {
        let out = run.wrap(PID2).cmd(cmd.clone()).run();
        out.assert_code(0).assert_no_stderr();
        let o = orphans(&out);
        assert_ne!(o.nsinit, 1, "{out:?}");
        assert_eq!(o.children_of(o.nsinit).len(), n, "orphans re-parented to nsinit\n{out:?}");
        assert!(o.children_of(1).iter().all(|s| s.pid == o.nsinit), "orphans went to PID 1\n{out:?}");
        // PID 1 of the namespace is the wrapper's shell.
        o.assert_all_reaped(&[1], &out);
    }
}

/// Not PID 1 and not a subreaper: orphans go to the real PID 1, and nsinit
/// says so with one warning line; the workload's status is unchanged.
#[test]
fn without_subreaper_not_pid1_warns() {
    let n = 5;
    let out = Run::new().wrap(PID2).cmd(["sh", "-c", ORPHANS_SCRIPT, "sh", &n.to_string()]).run();
    out.assert_code(0);
    assert_one_error_line(&out.stderr, "nsinit: warning: reaper: not PID 1 and not a subreaper (-s): orphans will not be reaped");
    let o = orphans(&out);
    assert_eq!(o.children_of(o.nsinit).len(), 0, "{out:?}");
    assert_eq!(o.children_of(1).iter().filter(|s| s.pid != o.nsinit).count(), n, "{out:?}");
}

/// nsinit exits with the workload's status as soon as the workload exits,
/// even with background processes still running (the namespace ends them).
#[test]
fn exits_when_the_workload_exits_despite_live_orphans() {
    let out = Run::new().wrap(PID1).sh("sleep 1000 & sleep 1000 & exit 7").run();
    assert_eq!(out.code(), 7, "{out:?}");
}

/// execve failures: 127 when not found, 126 otherwise, each with one
/// `nsinit: exec: ...` line.
#[test]
fn exec_failures_are_126_and_127() {
    let dir = TempDir::new();
    let plain = dir.join("plain");
    std::fs::write(&plain, "#!/bin/sh\necho ran\n").unwrap();
    let garbage = dir.script("garbage", "\x01\x02 not a program\n");
    let no_interp = dir.script("no-interp", "#!/nonexistent/interpreter\n");
    let p = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let rows: Vec<(String, i32, String)> = vec![
        ("/nonexistent/cmd".into(), 127, "ENOENT: no such file or directory".into()),
        ("nsinit-no-such-command".into(), 127, "ENOENT: no such file or directory".into()),
        (p(&no_interp), 127, "ENOENT: no such file or directory".into()),
        (p(&plain), 126, "EACCES: permission denied".into()),
        (p(dir.path()), 126, "EACCES: permission denied".into()),
        (p(&garbage), 126, "ENOEXEC: exec format error".into()),
    ];
    for (cmd, code, why) in rows {
        let out = Run::new().wrap(PID1).cmd([&cmd]).run();
        assert_eq!(out.code(), code, "{cmd}\n{out:?}");
        assert_one_error_line(&out.stderr, &format!("nsinit: exec: {cmd}: {why}"));
        assert!(out.stdout.is_empty(), "{out:?}");
    }
}

/// Lists the workload's own descriptors, then nsinit's (its parent's), one
/// per line. No pipe nor command substitution: the shell would hold a pipe
/// fd while `ls` looks.
const LIST_FDS: &str = "ls /proc/$$/fd; echo --; ls /proc/$PPID/fd";

/// The workload inherits fds 0, 1, 2 only, though nsinit was given 5, 7 and
/// the spec fd (and whatever the test harness leaks, e.g. cargo's jobserver);
/// and nsinit closed the spec fd once read.
#[test]
fn workload_inherits_only_stdio() {
    let null = || std::fs::File::open("/dev/null").unwrap();
    let spec = format!(r#"{{"process":{{"args":["sh","-c",{}]}}}}"#, json_str(LIST_FDS));
    let reaper_mode = Run::new().sh(LIST_FDS).fd(9, null());
    let spec_mode = Run::new().args(["--spec-fd", "9"]).spec_pipe(9, spec);
    for (mode, run) in [("reaper mode", reaper_mode), ("spec", spec_mode)] {
        let out = run.wrap(PID1).fd(5, null()).fd(7, null()).run();
        out.assert_code(0).assert_no_stderr();
        let (own, parent) = out.stdout.split_once("--\n").unwrap_or_else(|| panic!("{out:?}"));
        let own: Vec<&str> = own.lines().collect();
        assert_eq!(own, ["0", "1", "2"], "{mode}: the workload's fds\n{out:?}");
        if mode == "spec" {
            assert!(!parent.lines().any(|fd| fd == "9"), "{mode}: nsinit kept the spec fd\n{out:?}");
        }
    }
}

/// The workload leads a process group of its own, apart from nsinit's.
#[test]
fn workload_runs_in_its_own_process_group() {
    for (wrapper, args) in [(PID1, &[][..]), (PID2, &["-s"])] {
        let out = Run::new().wrap(wrapper).args(args.iter()).sh("cat /proc/$$/stat /proc/$PPID/stat").run();
        out.assert_code(0).assert_no_stderr();
        let [w, nsinit] = &Stat::all(&out.stdout)[..] else { panic!("{out:?}") };
        assert_eq!(w.ppid, nsinit.pid, "{out:?}");
        assert_eq!(w.pgrp, w.pid, "the workload leads its group\n{out:?}");
        assert_ne!(nsinit.pgrp, w.pgrp, "{out:?}");
    }
}

/// SIGTTIN and SIGTTOU sent to nsinit do not stop it: afterwards it still
/// forwards SIGUSR1. Not PID 1 (PID2) is the row that matters: there the
/// default action of both would stop nsinit (a namespace's PID 1 is spared
/// by the kernel anyway).
#[test]
fn sigttin_and_sigttou_do_not_stop_nsinit() {
    for (wrapper, args) in [(PID1, &[][..]), (PID2, &["-s"])] {
        let mut r = Run::new().wrap(wrapper).args(args.iter()).stdin_pipe().sh(&trapping("USR1")).spawn();
        r.expect_line("ready");
        let pid = r.nsinit_pid();
        kill(pid, SIGTTIN);
        kill(pid, SIGTTOU);
        kill(pid, SIGUSR1);
        r.expect_line("got USR1");
        r.wait().assert_code(0).assert_no_stderr();
    }
}

/// `SigBlk` and `SigIgn` of `/proc/self/status`.
fn signal_state(out: &Output) -> (u64, u64) {
    let field = |name: &str| {
        let v = out.stdout.lines().find_map(|l| l.strip_prefix(name)).unwrap_or_else(|| panic!("no {name}\n{out:?}"));
        u64::from_str_radix(v.trim(), 16).unwrap()
    };
    (field("SigBlk:"), field("SigIgn:"))
}

/// nsinit blocks every signal and ignores SIGTTIN/SIGTTOU for itself; the
/// workload gets the mask and ignored set nsinit's parent gave nsinit,
/// exactly what it would have had without nsinit (the control run: `cat`
/// started directly, with the same set-up; the test process may ignore
/// signals of its own, which every child inherits).
#[test]
fn workload_gets_the_signal_state_nsinit_inherited() {
    let rows: [(&[i32], &[i32]); 3] = [
        (&[], &[]),
        (&[SIGUSR2, SIGHUP], &[SIGTTOU, SIGINT]),
        (&[SIGTTIN], &[SIGTTIN, SIGTTOU, SIGQUIT]),
    ];
    for (blocked, ignored) in rows {
        let (b, i) = (blocked.to_vec(), ignored.to_vec());
        let out = Run::new()
            .arg("-s")
            .pre_exec(move || set_signal_state(&b, &i))
            .cmd(["cat", "/proc/self/status"])
            .run();
        out.assert_code(0).assert_no_stderr();
        let (b, i) = (blocked.to_vec(), ignored.to_vec());
        let mut control = std::process::Command::new("cat");
        control.arg("/proc/self/status");
        // SAFETY: the hook makes async-signal-safe calls only.
        unsafe { std::os::unix::process::CommandExt::pre_exec(&mut control, move || set_signal_state(&b, &i)) };
        let control = control.output().unwrap();
        let control = Output { status: control.status.into(), stdout: String::from_utf8(control.stdout).unwrap(), stderr: String::new() };
        let want = signal_state(&control);
        let bits = |sigs: &[i32]| sigs.iter().map(|&s| sigbit(s)).fold(0, |a, b| a | b);
        assert_eq!(want.0 & bits(blocked), bits(blocked), "control run\n{control:?}");
        assert_eq!(want.1 & bits(ignored), bits(ignored), "control run\n{control:?}");
        assert_eq!(signal_state(&out), want, "blocked {blocked:?}, ignored {ignored:?} (SigBlk, SigIgn)");
    }
}

/// In the child before exec: block `blocked`, ignore `ignored`
/// (async-signal-safe calls only).
fn set_signal_state(blocked: &[i32], ignored: &[i32]) -> std::io::Result<()> {
    // SAFETY: sigset operations on a local set, sigprocmask and signal are
    // async-signal-safe and have no memory preconditions.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &s in blocked {
            libc::sigaddset(&mut set, s);
        }
        if libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        for &s in ignored {
            if libc::signal(s, libc::SIG_IGN) == libc::SIG_ERR {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    Ok(())
}

/// `-p SIGKILL`: when nsinit's parent dies, nsinit dies, though its workload
/// still runs (so nsinit did not end on its own).
#[test]
fn parent_death_signal_kills_nsinit() {
    let mut run = Run::new().wrap(CHILD_OF_SH).args(["-p", "SIGKILL"]).stdin_pipe().sh("echo ready; read _").spawn();
    run.expect_line("ready");
    let (parent, nsinit) = (run.descendant(2), run.nsinit_pid());
    let workload = PidFd::open(children(nsinit)[0]);
    let nsinit = PidFd::open(nsinit);
    kill(parent, SIGKILL);
    nsinit.wait_ended();
    assert!(!workload.has_ended(), "the workload should still run");
    run.close_stdin();
    run.wait();
}

/// Without `-p`, nsinit outlives its parent and keeps forwarding signals.
#[test]
fn without_parent_death_signal_nsinit_survives_its_parent() {
    let mut run = Run::new().wrap(CHILD_OF_SH).stdin_pipe().sh(&trapping("USR1")).spawn();
    run.expect_line("ready");
    let (parent, nsinit) = (run.descendant(2), run.nsinit_pid());
    let parent_fd = PidFd::open(parent);
    kill(parent, SIGKILL);
    parent_fd.wait_ended();
    kill(nsinit, SIGUSR1);
    run.expect_line("got USR1");
    PidFd::open(nsinit).wait_ended();
    run.close_stdin();
    run.wait();
}

/// Reaper mode: the workload gets nsinit's own environment, whole.
#[test]
fn reaper_mode_passes_nsinit_environment() {
    let out = Run::new().wrap(PID1).env("NSINIT_TEST_VAR", "a b=c").cmd(["env"]).run();
    out.assert_code(0).assert_no_stderr();
    let mut env = out.stdout_lines();
    env.sort();
    assert_eq!(env, ["NSINIT_TEST_VAR=a b=c".to_string(), format!("PATH={PATH}")]);
}

/// Compiles one small static C program into `dir` (gcc: scripts/setup).
fn cc(dir: &TempDir, name: &str, src: &str) -> std::path::PathBuf {
    let c = dir.join(&format!("{name}.c"));
    std::fs::write(&c, src).unwrap();
    let exe = dir.join(name);
    let out = std::process::Command::new("gcc").args(["-static", "-O2", "-o"]).arg(&exe).arg(&c).output().expect("run gcc");
    assert!(out.status.success(), "gcc {name}.c:\n{}", String::from_utf8_lossy(&out.stderr));
    exe
}

/// A tracee of its parent (PID 1): `PTRACE_TRACEME`, then
/// - no argument: `raise(SIGSTOP)` (what a program that waits for its
///   tracer does), "continued", exit 7;
/// - `block`: "ready", then blocks in pause() until a signal ends it;
/// - `exec CMD...`: execs CMD (a tracee stops with SIGTRAP after execve).
///
/// PTRACE_TRACEME needs the parent to hold every capability the caller
/// has (security/commoncap.c `cap_ptrace_traceme`): PID 1 keeps CAP_KILL
/// at most, so the tracee must run without capabilities (exit 3 if not).
const TRACEME: &str = r#"
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) { perror("PTRACE_TRACEME"); return 3; }
    if (argc > 1 && strcmp(argv[1], "block") == 0) {
        puts("ready"); fflush(stdout);
        for (;;) pause();
    }
    if (argc > 2 && strcmp(argv[1], "exec") == 0) { execvp(argv[2], argv + 2); perror("execvp"); return 4; }
    raise(SIGSTOP);
    puts("continued"); fflush(stdout);
    return 7;
}
"#;

/// The tracee's argv in both modes: reaper mode runs it through setpriv
/// without capabilities (nsinit's own would be handed on); a spec without
/// `process.capabilities` gives it none already.
fn traced_runs(traceme: &std::path::Path, args: &[&str]) -> [(&'static str, Run); 2] {
    let prog = traceme.to_str().unwrap();
    let mut reaper: Vec<&str> = vec!["setpriv", "--inh-caps=-all", "--bounding-set=-all", prog];
    reaper.extend(args);
    let spec_args: Vec<&str> = std::iter::once(prog).chain(args.iter().copied()).collect();
    let spec = format!(r#"{{"process":{{"args":{},"cwd":"/"}}}}"#, json_strs(&spec_args));
    [("reaper mode", Run::new().cmd(reaper)), ("spec mode", Run::new().spec(spec))]
}

/// A workload that made PID 1 its tracer and stops itself is not dead: PID 1
/// detaches it (so the stop ends) and keeps waiting for its real exit. So
/// does a tracee's SIGTRAP after execve. tini 0.19 (`tini -- traceme`, or
/// `tini -s`) takes the stop for an end: "Main child exited for unknown
/// reason", exit 1, the workload left stopped.
#[test]
fn a_traced_workload_that_stops_is_not_taken_for_dead() {
    let dir = TempDir::new();
    let traceme = cc(&dir, "traceme", TRACEME);
    for (mode, run) in traced_runs(&traceme, &[]) {
        let out = run.wrap(PID1).run();
        assert_eq!(out.code(), 7, "{mode}\n{out:?}");
        assert_eq!(out.stdout, "continued\n", "{mode}\n{out:?}");
        out.assert_no_stderr();
    }
    for (mode, run) in traced_runs(&traceme, &["exec", "sh", "-c", "echo execed; exit 9"]) {
        let out = run.wrap(PID1).run();
        assert_eq!(out.code(), 9, "{mode}\n{out:?}");
        assert_eq!(out.stdout, "execed\n", "{mode}\n{out:?}");
        out.assert_no_stderr();
    }
}

/// A traced workload still dies of the SIGTERM PID 1 forwards: its
/// signal-delivery stop is reported to PID 1, which detaches it with that
/// signal, delivered as if untraced (143). Detaching with none would leave
/// it running; taking the stop for an exit, as before, gave 255.
#[test]
fn a_traced_workload_dies_of_the_forwarded_sigterm() {
    let dir = TempDir::new();
    let traceme = cc(&dir, "traceme", TRACEME);
    for (mode, run) in traced_runs(&traceme, &["block"]) {
        let mut r = run.wrap(PID1).spawn();
        r.expect_line("ready");
        kill(r.nsinit_pid(), SIGTERM);
        let out = r.wait();
        assert_eq!(out.code(), 143, "{mode}\n{out:?}");
        out.assert_no_stderr();
    }
}

/// Runs `run` (a workload that says "ready" and blocks on stdin) and sends
/// SIGTERM to PID 1 once it is ready; returns PID 1's /proc status read
/// from outside while the workload ran, and the output.
fn sigterm_when_ready(run: Run) -> (String, Output) {
    let mut r = run.wrap(PID1).stdin_pipe().spawn();
    r.expect_line("ready");
    let pid = r.nsinit_pid();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("PID 1's status");
    kill(pid, SIGTERM);
    (status, r.wait())
}

/// `setpriv`, as gosu and su-exec in the official postgres, redis, mongo …
/// entrypoints: the workload makes itself uid/gid 1000, then says "ready".
const SWITCH_USER: [&str; 9] = ["setpriv", "--reuid", "1000", "--regid", "1000", "--clear-groups", "sh", "-c", "echo ready; read _"];

/// A program owned by uid 1000 with the setuid bit: it makes its effective
/// uid (1000) its real and saved uid too — no capability needed — and execs
/// its arguments.
const BECOME_OWNER: &str = r#"
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
    uid_t e = geteuid();
    if (setreuid(e, e) != 0) { perror("setreuid"); return 3; }
    execvp(argv[1], argv + 1);
    perror("execvp");
    return 4;
}
"#;

/// A workload that switches to another uid after its start still gets the
/// SIGTERM sent to PID 1 (143, no `forward: EPERM` warning): PID 1 keeps
/// CAP_KILL whenever the workload may run as another uid — always in reaper
/// mode, and in spec mode with CAP_SETUID in the bounding set or without
/// no_new_privs (a setuid program of another user) — and nothing else.
/// tini keeps all its capabilities: the reaper-mode row ends the same
/// under tini-static.
#[test]
fn a_workload_that_switches_user_still_gets_sigterm() {
    use common::kernel::{CAP_KILL, CapSets, cap};
    let dir = TempDir::new();
    let owner = cc(&dir, "become-owner", BECOME_OWNER);
    std::os::unix::fs::chown(&owner, Some(1000), None).unwrap();
    std::fs::set_permissions(&owner, std::os::unix::fs::PermissionsExt::from_mode(0o4755)).unwrap();
    let setuid_caps = r#""capabilities":{"bounding":["CAP_SETUID","CAP_SETGID"],"effective":["CAP_SETUID","CAP_SETGID"],"permitted":["CAP_SETUID","CAP_SETGID"]}"#;
    let spec = |args: &[&str], fields: &str| format!(r#"{{"process":{{"args":{},"cwd":"/",{fields}}}}}"#, json_strs(args));
    let owner_sh = [owner.to_str().unwrap(), "sh", "-c", "echo ready; read _"];
    let rows: Vec<(&str, Run)> = vec![
        ("reaper mode, setpriv", Run::new().cmd(SWITCH_USER)),
        ("spec, CAP_SETUID kept, setpriv", Run::new().spec(spec(&SWITCH_USER, &format!(r#"{setuid_caps},"noNewPrivileges":true"#)))),
        ("spec, no capability, no no_new_privs, setuid program", Run::new().spec(spec(&owner_sh, r#""noNewPrivileges":false"#))),
    ];
    let k = cap(CAP_KILL);
    for (name, run) in rows {
        let (status, out) = sigterm_when_ready(run);
        assert_eq!(out.code(), 143, "{name}\n{out:?}");
        out.assert_no_stderr();
        assert_eq!(common::kernel::held_caps(&status), CapSets { bnd: 0, eff: k, prm: k, inh: 0, amb: 0 }, "{name}: PID 1's capabilities");
    }
    let (_, tini) = sigterm_when_ready(Run::new().program("/usr/bin/tini-static").cmd(SWITCH_USER));
    assert_eq!(tini.code(), 143, "tini-static\n{tini:?}");
}

/// PID 1 drops CAP_KILL too when the workload cannot run as another uid: a
/// spec with PID 1's uid, no_new_privs and no CAP_SETUID in the bounding
/// set. SIGTERM still ends it (same uid).
#[test]
fn pid1_drops_cap_kill_when_the_workload_keeps_its_uid() {
    use common::kernel::CapSets;
    let all_but_setuid = r#""capabilities":{"bounding":["CAP_KILL","CAP_SETGID","CAP_NET_BIND_SERVICE"]}"#;
    let spec = format!(r#"{{"process":{{"args":["sh","-c","echo ready; read _"],"cwd":"/",{all_but_setuid},"noNewPrivileges":true}}}}"#);
    let (status, out) = sigterm_when_ready(Run::new().spec(spec));
    assert_eq!(out.code(), 143, "{out:?}");
    out.assert_no_stderr();
    assert_eq!(common::kernel::held_caps(&status), CapSets::all(0), "PID 1's capabilities");
}

/// `sh -c` W starts `sleep` in the background (same process group), ignores
/// SIGTERM, says "ready" and waits; after the wait it says whether the
/// sleep is gone. Only a SIGTERM to the whole group ends the sleep.
const GROUP_TERM: &str = r#"sleep 1000 & s=$!; trap "" TERM; echo ready; wait; kill -0 $s 2>/dev/null && echo alive || echo gone"#;

/// tini's `TINI_KILL_PROCESS_GROUP` (on when set at all, even empty), and
/// `NSINIT_KILL_PROCESS_GROUP=1`, act as `-g` — what `docker run --init`
/// users set, since Docker passes the init no flags: SIGTERM to PID 1 ends
/// the background sleep, the `wait` returns (0: POSIX `wait` without
/// operands) and W exits. tini-static ends the same way. Without the
/// variable the run would hang until the hang guard.
#[test]
fn tini_kill_process_group_variable_signals_the_group() {
    let rows = [
        ("TINI_KILL_PROCESS_GROUP=1", Run::new().env("TINI_KILL_PROCESS_GROUP", "1")),
        ("TINI_KILL_PROCESS_GROUP=", Run::new().env("TINI_KILL_PROCESS_GROUP", "")),
        ("NSINIT_KILL_PROCESS_GROUP=1", Run::new().env("NSINIT_KILL_PROCESS_GROUP", "1")),
        ("tini-static, TINI_KILL_PROCESS_GROUP=1", Run::new().program("/usr/bin/tini-static").env("TINI_KILL_PROCESS_GROUP", "1")),
    ];
    let mut codes = Vec::new();
    for (name, run) in rows {
        let mut r = run.wrap(PID1).sh(GROUP_TERM).spawn();
        r.expect_line("ready");
        kill(r.nsinit_pid(), SIGTERM);
        let out = r.wait();
        assert_eq!(out.stdout, "ready\ngone\n", "{name}\n{out:?}");
        out.assert_no_stderr();
        codes.push((name, out.code()));
    }
    let tini = codes.last().unwrap().1;
    assert_eq!(tini, 0, "{codes:?}");
    assert!(codes.iter().all(|&(_, c)| c == tini), "nsinit and tini-static differ: {codes:?}");
}

/// `-w` (tini's): one warning per reaped zombie that was not the workload,
/// naming its pid — here exactly the orphans; none without `-w`, nor with
/// verbosity 0.
#[test]
fn warn_on_reap_names_every_adopted_zombie() {
    let n = 5;
    let cmd = ["sh", "-c", ORPHANS_SCRIPT, "sh", &n.to_string()].map(String::from);
    let out = Run::new().arg("-w").wrap(PID1).cmd(cmd.clone()).run();
    out.assert_code(0);
    let o = orphans(&out);
    let mut want: Vec<String> = o
        .children_of(1)
        .iter()
        .map(|s| format!("nsinit: warning: reap: pid {}: zombie reaped (not the workload)", s.pid))
        .collect();
    assert_eq!(want.len(), n, "{out:?}");
    let mut got: Vec<&str> = out.stderr.lines().collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "{out:?}");
    let quiet = Run::new().arg("-w").env("TINI_VERBOSITY", "0").wrap(PID1).cmd(cmd).run();
    quiet.assert_code(0).assert_no_stderr();
}

/// Verbosity 0 (`TINI_VERBOSITY=0`, `NSINIT_VERBOSITY=0`) silences nsinit's
/// warnings, as it does tini's; `-v` (any number) only accepts more.
#[test]
fn verbosity_0_silences_warnings() {
    let warning = "nsinit: warning: reaper: not PID 1 and not a subreaper (-s): orphans will not be reaped";
    let rows: [(&str, Run, bool); 5] = [
        ("default", Run::new(), true),
        ("TINI_VERBOSITY=0", Run::new().env("TINI_VERBOSITY", "0"), false),
        ("NSINIT_VERBOSITY=0", Run::new().env("NSINIT_VERBOSITY", "0"), false),
        ("TINI_VERBOSITY=2", Run::new().env("TINI_VERBOSITY", "2"), true),
        ("-vvv", Run::new().arg("-vvv"), true),
    ];
    for (name, run, warns) in rows {
        let out = run.wrap(PID2).cmd(["true"]).run();
        out.assert_code(0);
        let want = if warns { format!("{warning}\n") } else { String::new() };
        assert_eq!(out.stderr, want, "{name}\n{out:?}");
    }
    // tini-static: its own warning with its default verbosity, none with 0.
    let tini = |env: &[(&str, &str)]| {
        let mut run = Run::new().program("/usr/bin/tini-static");
        for (k, v) in env {
            run = run.env(*k, *v);
        }
        run.wrap(PID2).cmd(["true"]).run()
    };
    let loud = tini(&[]);
    assert!(loud.stderr.contains("not running as PID 1"), "{loud:?}");
    tini(&[("TINI_VERBOSITY", "0")]).assert_code(0).assert_no_stderr();
}

/// Makes itself a child subreaper, then execs its arguments: the attribute
/// survives execve (prctl(2)).
const SUBREAPER_EXEC: &str = r#"
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) { perror("PR_SET_CHILD_SUBREAPER"); return 3; }
    execv(argv[1], argv + 1);
    perror("execv");
    return 4;
}
"#;

/// nsinit asks the kernel whether it is a subreaper (as tini does): started
/// already one, without `-s`, it warns of nothing and the orphans come to it
/// and are reaped. tini-static says nothing either.
#[test]
fn an_inherited_subreaper_attribute_is_no_warning() {
    let dir = TempDir::new();
    let helper = cc(&dir, "subreaper-exec", SUBREAPER_EXEC);
    let wrapper: Vec<&str> = PID2.argv.iter().copied().chain([helper.to_str().unwrap()]).collect();
    let n = 5;
    let cmd = ["sh", "-c", ORPHANS_SCRIPT, "sh", &n.to_string()].map(String::from);
    let out = Run::new().wrap_argv(&wrapper, PID2.depth).cmd(cmd).run();
    out.assert_code(0).assert_no_stderr();
    let o = orphans(&out);
    assert_ne!(o.nsinit, 1, "{out:?}");
    assert_eq!(o.children_of(o.nsinit).len(), n, "orphans re-parented to nsinit\n{out:?}");
    o.assert_all_reaped(&[1], &out);
    let tini = Run::new().program("/usr/bin/tini-static").wrap_argv(&wrapper, PID2.depth).cmd(["true"]).run();
    tini.assert_code(0).assert_no_stderr();
}
