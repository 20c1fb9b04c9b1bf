//! `nsinit --enter PID (--spec-fd N | --spec PATH) [-- CMD...]`
//! (CONTRACT.md, "Entering a running container"): a command started inside
//! a running container, confined by the spec's `process` exactly as the
//! container's workload is, with nsinit staying outside as its parent.
//!
//! The containers are real: a [`Bundle`] started by nsinit the way
//! `scripts/run` starts it (in fresh cgroups of its own where the row says
//! so, so that joining them is a real move), or the same bundle run by runc
//! and crun. The workload prints its [`VIEW`] and blocks on stdin; the
//! entered command prints the same view, and the two are compared section
//! by section, and from the host (`/proc/PID/ns/*`, cgroups, root).
//! Nothing waits on a timer: every step waits for a line, an exit, or a
//! pidfd.

mod common;

use common::enter::*;
use common::kernel::*;
use common::*;
use serde_json::json;
use std::fs;
use std::process::Command;
use std::os::unix::fs::MetadataExt;

/// Who runs `nsinit --enter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Enterer {
    Root,
    /// The rootless bundle's own unprivileged user.
    User(u32),
}

/// The capability sets nsinit keeps for itself while the command runs
/// (src/reaper.rs `keeps_kill`): CAP_KILL alone in every set but the
/// inheritable and ambient ones, or nothing.
fn nsinit_caps(keeps_kill: bool) -> CapSets {
    let k = cap(CAP_KILL);
    if keeps_kill { CapSets { bnd: k, eff: k, prm: k, inh: 0, amb: 0 } } else { CapSets::all(0) }
}

/// (dev, ino) of a path as the host sees it.
fn dev_ino(path: &str) -> (u64, u64) {
    let m = fs::metadata(path).unwrap_or_else(|e| panic!("stat {path}: {e}"));
    (m.dev(), m.ino())
}

/// What one entering run showed, the command still blocked.
struct Entered {
    run: Running,
    /// The command's view.
    view: String,
    /// The entering nsinit's host pid, and the command's.
    nsinit: i32,
    cmd: i32,
}

impl Entered {
    /// Spawns `run` (its command prints `script`'s output, says `ready`
    /// and blocks on stdin) and waits for `ready`.
    fn spawn(run: Run, script: &str) -> Entered {
        let mut r = run.stdin_pipe().sh(&then_block(script)).spawn();
        let view = until_ready(&mut r);
        let nsinit = r.nsinit_pid();
        let cmd = r.descendant(1);
        Entered { run: r, view, nsinit, cmd }
    }

    /// Ends the command; the entering nsinit exits 0 with at most warnings.
    fn finish(mut self) -> Output {
        self.run.close_stdin();
        let out = self.run.wait();
        out.assert_code(0);
        assert_only_warnings(&out);
        out
    }
}

/// Starts `b` (in fresh cgroups when `cgroups`), enters it as `who`, and
/// compares the entered command with the workload: every section of the
/// view from inside, and from the host the namespaces, cgroups and root of
/// both, the namespaces nsinit itself joined (all the container's but its
/// PID namespace, which only its children enter), and what nsinit keeps
/// while the command runs: `keeps_kill`'s capabilities and no descriptor
/// but 0-2 and its signalfd.
fn entered_as_workload(name: &str, mut b: Bundle, cgroups: bool, who: Enterer, keeps_kill: bool) {
    let cg = cgroups.then(Cgroups::new);
    let t = Target::start(&mut b, cg.as_ref());
    if let Some(cg) = &cg {
        assert!(cg.holds(t.init()) && cg.holds(t.workload), "{name}: the container is not in its cgroups");
    }
    let mut run = enter(t.init(), b.config_text());
    if let Enterer::User(uid) = who {
        run = as_user(run, &b, uid);
    }
    let e = Entered::spawn(run, VIEW);

    // From the host: the command's namespaces, cgroups and root are the
    // workload's.
    assert_eq!(ns_links(e.cmd), ns_links(t.workload), "{name}: the command's namespaces");
    let cgroup = |pid: i32| fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    assert_eq!(cgroup(e.cmd), cgroup(t.workload), "{name}: the command's cgroups");
    if let Some(cg) = &cg {
        assert!(cg.holds(e.cmd) && cg.holds(e.nsinit), "{name}: the command and nsinit are in the container's cgroups");
    }
    assert_eq!(dev_ino(&format!("/proc/{}/root/", e.cmd)), dev_ino(&format!("/proc/{}/root/", t.workload)), "{name}: root");
    assert_eq!(dev_ino(&format!("/proc/{}/cwd/", e.cmd)), dev_ino(&format!("/proc/{}/cwd/", t.workload)), "{name}: cwd");
    // nsinit itself: in every namespace of the container but its PID
    // namespace, where only its children go.
    let (mine, theirs) = (ns_links(e.nsinit), ns_links(t.init()));
    for ((n, m), (_, c)) in mine.iter().zip(&theirs) {
        match n.as_str() {
            "pid" => assert_ne!(m, c, "{name}: nsinit joined the container's PID namespace itself"),
            "pid_for_children" => assert_eq!(m, &ns(&theirs, "pid"), "{name}: nsinit's children's PID namespace"),
            _ => assert_eq!(m, c, "{name}: nsinit's {n} namespace"),
        }
    }
    let status = status_of(e.nsinit);
    assert_eq!(CapSets::parse(&status).unwrap(), nsinit_caps(keeps_kill), "{name}: nsinit's capabilities while the command runs\n{status}");
    let fds = fd_links(e.nsinit);
    let names: Vec<&str> = fds.iter().map(|(fd, _)| fd.as_str()).collect();
    assert_eq!(names[..3], ["0", "1", "2"], "{name}: nsinit's fds {fds:?}");
    assert_eq!((fds.len(), fds[3].1.as_str()), (4, "anon_inode:[signalfd]"), "{name}: nsinit's fds {fds:?}");

    // From inside: the same view, section by section.
    assert_same_view(&format!("{name}: workload"), &t.view, &format!("{name}: entered"), &e.view, &[]);
    e.finish();
    t.stop();
}

/// The link of namespace `name` in an [`ns_links`] list.
fn ns(links: &[(String, String)], name: &str) -> String {
    links.iter().find(|(n, _)| n == name).map(|(_, l)| l.clone()).unwrap_or_else(|| panic!("no {name} in {links:?}"))
}

/// `runc spec`'s config as it is: root, runc's three capabilities (the
/// ambient ones skipped, not inheritable), no_new_privs, RLIMIT_NOFILE.
#[test]
fn runc_default_config_as_the_workload() {
    entered_as_workload("runc default", Bundle::new(), true, Enterer::Root, false);
}

/// Every namespace a container can have, cgroup and time included.
#[test]
fn every_namespace_as_the_workload() {
    let mut b = Bundle::new();
    let ns = b.config["linux"]["namespaces"].as_array_mut().unwrap();
    ns.push(json!({"type": "cgroup"}));
    ns.push(json!({"type": "time"}));
    entered_as_workload("every namespace", b, true, Enterer::Root, false);
}

/// A non-root user with additional groups, umask, cwd, environment,
/// rlimits, oomScoreAdj and all five capability sets given.
#[test]
fn identity_fields_as_the_workload() {
    let mut b = Bundle::new();
    b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000, "additionalGids": [5, 4242], "umask": 0o027});
    b.config["process"]["cwd"] = json!("/tmp");
    b.config["process"]["env"] = json!(["PATH=/bin:/usr/bin", "LANG=C.UTF-8", "A=b=c"]);
    b.config["process"]["rlimits"] = json!([
        {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 512},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
        {"type": "RLIMIT_NPROC", "soft": 900, "hard": 1000},
    ]);
    b.config["process"]["oomScoreAdj"] = json!(100);
    let caps = json!(["CAP_CHOWN", "CAP_NET_BIND_SERVICE"]);
    b.config["process"]["capabilities"] = json!({"bounding": caps, "effective": caps, "permitted": caps, "inheritable": caps, "ambient": caps});
    entered_as_workload("uid 1000", b, true, Enterer::Root, true);
}

/// Docker's seccomp profile, with no_new_privs (the filter loads last) and
/// without (it loads first, while nsinit still holds CAP_SYS_ADMIN).
#[test]
fn docker_seccomp_as_the_workload() {
    for nnp in [true, false] {
        let mut b = Bundle::new();
        b.config["linux"]["seccomp"] = serde_json::from_str(runtime::docker_seccomp()).unwrap();
        b.config["process"]["noNewPrivileges"] = json!(nnp);
        // Without no_new_privs a setuid program could change the uid: nsinit keeps CAP_KILL.
        entered_as_workload(&format!("docker seccomp, noNewPrivileges {nnp}"), b, true, Enterer::Root, !nnp);
    }
}

/// A rootless container (its own user namespace, `runc spec --rootless`),
/// entered by the user who started it — the one who would: a rootless user
/// has no root to enter with. It owns the container's user namespace, so it
/// may join it and, through it, every other namespace of the container;
/// the container runs in that user's cgroups (a rootless runtime has
/// nothing to put it in), so there is no cgroup to move to.
#[test]
fn rootless_entered_by_its_user() {
    entered_as_workload("rootless, by its user", Bundle::rootless(), false, Enterer::User(rootless_uid()), false);
}

/// The same container entered by root, who may join any namespace: the
/// command is the container's root (the rootless user on the host), and
/// nsinit, whose uid the container's user namespace does not map (it sees
/// itself as the overflow uid), keeps CAP_KILL to signal it.
#[test]
fn rootless_entered_by_root() {
    entered_as_workload("rootless, by root", Bundle::rootless(), false, Enterer::Root, true);
}

/// The runc fixture without its ambient set (which nsinit skips with a
/// warning each): a row's stderr is then nothing or exactly one line.
fn quiet_bundle() -> Bundle {
    let mut b = Bundle::new();
    b.config["process"]["capabilities"].as_object_mut().unwrap().remove("ambient");
    b
}

/// The spec text of `b`'s config with `edit` applied.
fn spec_with(b: &Bundle, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut c = b.config.clone();
    edit(&mut c);
    serde_json::to_string(&c).unwrap()
}

/// Nothing of the host reaches the command: nsinit is started in a host
/// directory holding a marker file, with a file (fd 7) and that directory
/// (fd 8) leaked to it. The command does not find the marker, reads the
/// container's /etc, has the container's root as its root and cwd (also
/// when the spec gives no cwd: then nsinit's own, which is the container's
/// root, never the host directory it started in), and holds no descriptor
/// but 0-2; nsinit holds only 0-2 and its signalfd, and its own cwd is the
/// container's root too.
#[test]
fn nothing_of_the_host_reaches_the_command() {
    let host = TempDir::new();
    let marker = host.join("host-marker");
    fs::write(&marker, "host\n").unwrap();
    let mut b = quiet_bundle();
    let t = Target::start_with(&mut b, None, "true");
    let root = dev_ino(&format!("/proc/{}/root/", t.workload));
    assert_ne!(root, dev_ino(host.path().to_str().unwrap()));
    let script = sections(&[
        ("marker", &format!("cat {} 2>&1", marker.display())),
        ("hostname file", "cat /etc/hostname"),
        ("cwd", "pwd; readlink /proc/self/cwd"),
        ("fds", "ls /proc/$$/fd"),
        ("fd 7", "cat /proc/self/fd/7 2>&1"),
        ("fd 8", "ls /proc/self/fd/8/ 2>&1"),
    ]);
    for cwd_given in [true, false] {
        let name = if cwd_given { "process.cwd /" } else { "no process.cwd" };
        let spec = spec_with(&b, |c| {
            if !cwd_given {
                c["process"].as_object_mut().unwrap().remove("cwd");
            }
        });
        let run = enter(t.init(), spec)
            .cwd(host.path())
            .fd(7, fs::File::open(&marker).unwrap())
            .fd(8, fs::File::open(host.path()).unwrap());
        let e = Entered::spawn(run, &script);
        assert_eq!(dev_ino(&format!("/proc/{}/root/", e.cmd)), root, "{name}: the command's root");
        assert_eq!(dev_ino(&format!("/proc/{}/cwd/", e.cmd)), root, "{name}: the command's cwd");
        assert_eq!(dev_ino(&format!("/proc/{}/cwd/", e.nsinit)), root, "{name}: nsinit's own cwd");
        let cmd_fds: Vec<String> = fd_links(e.cmd).into_iter().map(|(fd, _)| fd).collect();
        assert_eq!(cmd_fds, ["0", "1", "2"], "{name}: the command's fds");
        let fds = fd_links(e.nsinit);
        let fd_names: Vec<&str> = fds.iter().map(|(fd, _)| fd.as_str()).collect();
        assert_eq!(fd_names, ["0", "1", "2", "3"], "{name}: nsinit's fds {fds:?}");
        assert_eq!(fds[3].1, "anon_inode:[signalfd]", "{name}: nsinit's fds {fds:?}");
        let rows = [
            ("marker", format!("cat: can't open '{}': No such file or directory\n", marker.display())),
            ("hostname file", "nsinit-rootfs\n".into()),
            ("cwd", "/\n/\n".into()),
            ("fds", "0\n1\n2\n".into()),
            ("fd 7", "cat: can't open '/proc/self/fd/7': No such file or directory\n".into()),
            ("fd 8", "ls: /proc/self/fd/8/: No such file or directory\n".into()),
        ];
        for (section, want) in rows {
            assert_eq!(section_of(&e.view, section), want, "{name}: {section}\n{}", e.view);
        }
        e.finish().assert_no_stderr();
    }
    t.stop();
}

/// runc's CVE-2024-21626: a `process.cwd` through a descriptor the caller
/// leaked (`/proc/self/fd/8`, a host directory) would leave the command in
/// the host's filesystem. nsinit closed every inherited descriptor before
/// joining: the path does not exist, one line, 125, nothing ran. A missing
/// cwd is the same error (runc exec refuses it too); a `..` in it is a spec
/// error already.
#[test]
fn a_leaked_directory_is_no_cwd() {
    let host = TempDir::new();
    let mut b = quiet_bundle();
    let t = Target::start_with(&mut b, None, "true");
    let enoent = |cwd: &str| format!("nsinit: cwd: {cwd}: ENOENT: no such file or directory");
    let rows = [
        ("/proc/self/fd/8", enoent("/proc/self/fd/8")),
        ("/proc/self/fd/8/x", enoent("/proc/self/fd/8/x")),
        ("/nonexistent", enoent("/nonexistent")),
        ("/proc/self/fd/8/..", r#"nsinit: spec: process.cwd: must not have ".." components"#.to_string()),
    ];
    for (cwd, line) in rows {
        let spec = spec_with(&b, |c| c["process"]["cwd"] = json!(cwd));
        let out = enter(t.init(), spec).cwd(host.path()).fd(8, fs::File::open(host.path()).unwrap()).sh("echo ran; pwd").run();
        out.assert_failed(&line);
    }
    t.stop();
}

/// The command's status is nsinit's: N, 128+S when a signal killed it,
/// 127 when it is not found, 126 when it cannot be executed, and no CMD
/// runs `process.args`. 125 is nsinit's own failure, before anything runs,
/// with exactly one line: a bad or unsupported spec, a pid that is not
/// running.
#[test]
fn exit_status_comes_back() {
    let mut b = quiet_bundle();
    let t = Target::start_with(&mut b, None, "true");
    let spec = b.config_text();
    // b.sh set process.args: the container's own workload script, which
    // says `ready` and reads stdin (here /dev/null: exit 0).
    let rows: &[(&[&str], i32, &str, &str)] = &[
        (&["sh", "-c", "exit 0"], 0, "", ""),
        (&["sh", "-c", "echo out; exit 3"], 3, "out\n", ""),
        (&["sh", "-c", "exit 255"], 255, "", ""),
        (&["sh", "-c", "kill -TERM $$"], 143, "", ""),
        (&["sh", "-c", "kill -KILL $$"], 137, "", ""),
        (&["nsinit-no-such-command"], 127, "", "nsinit: exec: nsinit-no-such-command: ENOENT: no such file or directory\n"),
        (&["/etc/passwd"], 126, "", "nsinit: exec: /etc/passwd: EACCES: permission denied\n"),
        (&[], 0, "ready\n", ""),
    ];
    for (cmd, code, stdout, stderr) in rows {
        let mut run = enter(t.init(), spec.clone());
        if !cmd.is_empty() {
            run = run.cmd(cmd.iter());
        }
        let out = run.run();
        assert_eq!((out.code(), out.stdout.as_str(), out.stderr.as_str()), (*code, *stdout, *stderr), "{cmd:?}\n{out:?}");
    }
    // nsinit's own failures.
    let mut aa = b.config.clone();
    aa["process"]["apparmorProfile"] = json!("docker-default");
    let aa = serde_json::to_string(&aa).unwrap();
    enter(t.init(), aa).sh("echo ran").run().assert_failed("nsinit: spec: process.apparmorProfile: AppArmor is not supported");
    enter(t.init(), "{\"process\":").sh("echo ran").run().assert_failed("nsinit: spec: process: invalid JSON at byte 11: unexpected end of input");
    // A pid that ran and is gone.
    let mut gone = Command::new("true").spawn().unwrap();
    let pid = gone.id() as i32;
    gone.wait().unwrap();
    enter(pid, spec.clone()).sh("echo ran").run().assert_failed(&format!("nsinit: enter: pid {pid}: ESRCH: no such process"));
    t.stop();
}

/// A pid that has exited but is not reaped yet (a zombie: what a
/// container's init is between its end and its parent's wait) is not
/// running either. Its /proc/PID/ns/* links are gone (all but user and
/// pid) and its /proc/PID/cgroup shows the root cgroups: entering it must
/// fail, not run the command in whatever namespaces are left — here the
/// host's, moved into the host's root cgroups.
#[test]
fn a_zombie_is_not_running() {
    let b = quiet_bundle();
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id() as i32;
    // Wait until it has exited, without reaping it.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: waitid writes one siginfo_t.
    let r = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOWAIT) };
    assert_eq!(r, 0, "waitid: {}", std::io::Error::last_os_error());
    assert!(Stat::parse(&fs::read_to_string(format!("/proc/{pid}/stat")).unwrap()).is_some_and(|s| s.state == 'Z'));
    let out = enter(pid, b.config_text()).sh("echo ran; cat /proc/self/cgroup").run();
    child.wait().unwrap();
    out.assert_failed(&format!("nsinit: enter: pid {pid}: ESRCH: no such process"));
}

/// A signal sent to the entering nsinit reaches the command: SIGTERM ends
/// one that does not trap it (143) and runs the trap of one that does.
#[test]
fn signals_reach_the_command() {
    let mut b = quiet_bundle();
    let t = Target::start_with(&mut b, None, "true");
    let rows: &[(&str, &str, i32)] = &[
        ("echo ready; read _", "ready\n", 143),
        ("trap 'echo got TERM; exit 7' TERM; echo ready; exec 3<&0; cat <&3 >/dev/null & wait $!", "ready\ngot TERM\n", 7),
    ];
    for (script, stdout, code) in rows {
        let mut r = enter(t.init(), b.config_text()).stdin_pipe().sh(script).spawn();
        r.expect_line("ready");
        r.signal(libc::SIGTERM);
        let out = r.wait();
        assert_eq!((out.code(), &out.stdout[..]), (*code, *stdout), "{script}\n{out:?}");
        out.assert_no_stderr();
    }
    t.stop();
}

/// W starts S, a subshell, which runs G and reports how G ended; all three
/// share W's process group. W's TERM trap sends USR1 to the whole group,
/// which W and S trap as no-ops: G dies of TERM (143) if nsinit sent TERM
/// to the group, of USR1 (138) if only W got it (tests/runtimes.rs).
const GROUP_SCRIPT: &str = r#"
exec 3<&0
( trap : TERM USR1; sh -c 'echo G-ready; exec cat <&3 >/dev/null'; echo "G: $?" ) 2>/dev/null &
s=$!
trap : USR1
trap 'echo W-TERM; kill -USR1 0' TERM
echo W-ready
wait $s
wait $s
exit 0
"#;

/// `-g`: SIGTERM to the entering nsinit reaches the command's whole
/// process group (a grandchild included); without it, the command alone.
#[test]
fn group_flag_reaches_the_command_s_group() {
    let mut b = quiet_bundle();
    let t = Target::start_with(&mut b, None, "true");
    for group in [true, false] {
        let mut run = enter(t.init(), b.config_text()).stdin_pipe().sh(GROUP_SCRIPT);
        if group {
            run = run.arg("-g");
        }
        let mut r = run.spawn();
        let mut ready = [r.line(), r.line()];
        ready.sort();
        assert_eq!(ready, ["G-ready", "W-ready"], "-g {group}");
        r.signal(libc::SIGTERM);
        let out = r.wait();
        out.assert_code(0).assert_no_stderr();
        let g = if group { "G: 143" } else { "G: 138" };
        assert!(out.stdout_lines().contains(&"W-TERM") && out.stdout_lines().contains(&g), "-g {group}: G should end with {g}\n{out:?}");
    }
    t.stop();
}

/// The command's orphans are the container's: re-parented to its init
/// (the entering nsinit is in no PID namespace of the container, so never
/// their reaper), which reaps them. The orphan, left by a command that has
/// exited, is killed; once its pidfd says it ended, SIGWINCH goes to the
/// container's init, which reads SIGCHLD first (a signalfd hands out the
/// lowest signal first) and so has reaped the orphan before it forwards
/// SIGWINCH to the workload, which says so: then the orphan must be gone,
/// no zombie, and the init's only child is the workload again.
#[test]
fn the_command_s_orphans_are_reaped_by_the_container_s_init() {
    let mut b = quiet_bundle();
    let wait_winch = "trap 'echo winch' WINCH; exec 3<&0; cat <&3 >/dev/null & c=$!; echo ready; while kill -0 $c 2>/dev/null; do wait $c; done; exit 0";
    b.sh(wait_winch);
    let mut run = b.runner().stdin_pipe().spawn();
    run.expect_line("ready");
    let init = run.nsinit_pid();
    let workload = run.descendant(2);
    let out = enter(init, b.config_text()).sh("sleep 1000 </dev/null >/dev/null 2>&1 & echo $!").run();
    out.assert_code(0).assert_no_stderr();
    let mut kids = children(init);
    kids.sort();
    let orphan = *kids.iter().find(|&&p| p != workload).unwrap_or_else(|| panic!("no orphan under the container's init: {kids:?}"));
    assert_eq!(kids.len(), 2, "the init's children: {kids:?}");
    let st = Stat::parse(&fs::read_to_string(format!("/proc/{orphan}/stat")).unwrap()).unwrap();
    // (It may not have exec'd sleep yet: its comm is not checked.)
    assert_eq!(st.ppid, init, "the orphan's parent is the container's init");
    let in_ns = status_field(&status_of(orphan), "NSpid").unwrap().split_whitespace().nth(1).unwrap().to_string();
    assert_eq!(out.stdout.trim(), in_ns, "the orphan is the command's child, in the container's PID namespace");
    let fd = PidFd::open(orphan);
    kill(orphan, libc::SIGKILL);
    fd.wait_ended();
    kill(init, libc::SIGWINCH);
    run.expect_line("winch");
    assert!(!std::path::Path::new(&format!("/proc/{orphan}")).exists(), "the orphan was not reaped");
    assert_eq!(children(init), [workload], "the init's children after the orphan died");
    run.close_stdin();
    run.wait().assert_code(0);
}

/// The container ends while a command is in it: its PID namespace dies
/// with its init, and the kernel kills the command (SIGKILL): nsinit
/// reports 137.
#[test]
fn the_command_dies_with_the_container() {
    let mut b = quiet_bundle();
    let t = Target::start_with(&mut b, None, "true");
    let mut r = enter(t.init(), b.config_text()).stdin_pipe().sh("echo ready; read _").spawn();
    r.expect_line("ready");
    kill(t.init(), libc::SIGKILL);
    let out = r.wait();
    out.assert_code(137).assert_no_stderr();
    let mut run = t.run;
    run.close_stdin();
    let _ = run.wait();
}
