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
use std::os::fd::{AsRawFd, RawFd};
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
    if keeps_kill { CapSets { bnd: 0, eff: k, prm: k, inh: 0, amb: 0 } } else { CapSets::all(0) }
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
        // Only the command, as with runc exec: nsinit stays in its
        // caller's (src/cgroups.rs `join`), so that what kills everything
        // in the container's cgroups at its end does not kill nsinit.
        assert!(cg.holds(e.cmd), "{name}: the command is in the container's cgroups");
        assert!(!cg.holds(e.nsinit), "{name}: nsinit itself went into the container's cgroups");
    }
    assert_eq!(dev_ino(&format!("/proc/{}/root/", e.cmd)), dev_ino(&format!("/proc/{}/root/", t.workload)), "{name}: root");
    assert_eq!(dev_ino(&format!("/proc/{}/cwd/", e.cmd)), dev_ino(&format!("/proc/{}/cwd/", t.workload)), "{name}: cwd");
    // nsinit itself: in every namespace of the container but its PID
    // namespace, where only its children go, and, entered by root, its
    // user namespace, which only the command joins (src/enter.rs): there
    // whoever owns it could signal nsinit.
    let (mine, theirs) = (ns_links(e.nsinit), ns_links(t.init()));
    let hosts_user = ns(&ns_links(std::process::id() as i32), "user");
    for ((n, m), (_, c)) in mine.iter().zip(&theirs) {
        match n.as_str() {
            "pid" => assert_ne!(m, c, "{name}: nsinit joined the container's PID namespace itself"),
            "pid_for_children" => assert_eq!(m, &ns(&theirs, "pid"), "{name}: nsinit's children's PID namespace"),
            "user" if who == Enterer::Root => assert_eq!(m, &hosts_user, "{name}: root's nsinit left the host's user namespace"),
            _ => assert_eq!(m, c, "{name}: nsinit's {n} namespace"),
        }
    }
    let status = status_of(e.nsinit);
    assert_eq!(held_caps(&status), nsinit_caps(keeps_kill), "{name}: nsinit's capabilities while the command runs\n{status}");
    let fds = fd_links(e.nsinit);
    let names: Vec<&str> = fds.iter().map(|(fd, _)| fd.as_str()).collect();
    assert_eq!(names[..3], ["0", "1", "2"], "{name}: nsinit's fds {fds:?}");
    assert_nsinit_keeps_only_its_own(name, &fds);

    // From inside: the same view, section by section.
    assert_same_view(&format!("{name}: workload"), &t.view, &format!("{name}: entered"), &e.view, &[]);
    e.finish();
    t.stop();
}

/// The entering nsinit holds, beside the caller's 0-2, its own
/// description of the caller's stdin when that is a pipe or a terminal
/// (`pump::own_stdin`: the same object as 0), its signalfd and its three
/// ends of the command's stdio pipes (`pump`), nothing else.
fn assert_nsinit_keeps_only_its_own(name: &str, fds: &[(String, String)]) {
    let stdin = &fds[0].1;
    let own_stdin = (stdin.starts_with("pipe:") || stdin.starts_with("/dev/")) && fds[3].1 == *stdin;
    let rest = &fds[if own_stdin { 4 } else { 3 }..];
    assert_eq!(rest.len(), 4, "{name}: nsinit's fds {fds:?}");
    assert_eq!(rest[0].1, "anon_inode:[signalfd]", "{name}: nsinit's fds {fds:?}");
    assert!(rest[1..].iter().all(|(_, l)| l.starts_with("pipe:")), "{name}: nsinit's fds {fds:?}");
}

/// The link of namespace `name` in an [`ns_links`] list.
fn ns(links: &[(String, String)], name: &str) -> String {
    links.iter().find(|(n, _)| n == name).map(|(_, l)| l.clone()).unwrap_or_else(|| panic!("no {name} in {links:?}"))
}

/// The runc fixture with every identity field set: a non-root user with
/// additional groups, umask, cwd, environment, three rlimits, oomScoreAdj,
/// two capabilities in all five sets.
fn identity_bundle() -> Bundle {
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
    b
}

/// The runc fixture with Docker's seccomp profile.
fn seccomp_bundle(nnp: bool) -> Bundle {
    let mut b = Bundle::new();
    b.config["linux"]["seccomp"] = serde_json::from_str(runtime::docker_seccomp()).unwrap();
    b.config["process"]["noNewPrivileges"] = json!(nnp);
    b
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
    entered_as_workload("uid 1000", identity_bundle(), true, Enterer::Root, true);
}

/// Docker's seccomp profile, with no_new_privs (the filter loads last) and
/// without (it loads first, while nsinit still holds CAP_SYS_ADMIN).
/// Without no_new_privs a setuid program could change the uid: nsinit
/// keeps CAP_KILL.
#[test]
fn docker_seccomp_as_the_workload() {
    for nnp in [true, false] {
        entered_as_workload(&format!("docker seccomp, noNewPrivileges {nnp}"), seccomp_bundle(nnp), true, Enterer::Root, !nnp);
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
        let cmd = fd_links(e.cmd);
        let cmd_fds: Vec<&str> = cmd.iter().map(|(fd, _)| fd.as_str()).collect();
        assert_eq!(cmd_fds, ["0", "1", "2"], "{name}: the command's fds");
        let fds = fd_links(e.nsinit);
        let fd_names: Vec<&str> = fds.iter().map(|(fd, _)| fd.as_str()).collect();
        assert_eq!(fd_names[..4], ["0", "1", "2", "3"], "{name}: nsinit's fds {fds:?}");
        assert_nsinit_keeps_only_its_own(name, &fds);
        // The command's stdio are nsinit's pipes, not the caller's 0-2.
        for ((fd, theirs), (_, callers)) in cmd.iter().zip(&fds) {
            assert!(theirs.starts_with("pipe:") && theirs != callers, "{name}: the command's fd {fd} is {theirs}, the caller's {callers}");
        }
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

/// The command's stdio go through nsinit's pipes (`pump`): the caller's
/// input reaches it and its end is the command's end of input; its stdout
/// and stderr come back apart and whole (2 MiB here); a command that stops
/// reading its input early is no trouble; an orphan that keeps the
/// command's stdout open does not hold nsinit's exit (what the pipes hold
/// when the command ends goes out, no more).
#[test]
fn the_command_s_stdio_are_copied_through_pipes() {
    let mut b = quiet_bundle();
    let t = Target::start_with(&mut b, None, "true");
    let spec = b.config_text();
    let out = enter(t.init(), spec.clone()).cmd(["sh", "-c", "cat; echo err >&2"]).stdin("a\nb\n").run();
    assert_eq!((out.code(), out.stdout.as_str(), out.stderr.as_str()), (0, "a\nb\n", "err\n"), "{out:?}");
    let out = enter(t.init(), spec.clone()).cmd(["sh", "-c", "dd if=/dev/zero bs=65536 count=32 2>/dev/null | tr '\\0' x"]).run();
    assert_eq!((out.code(), out.stdout.len(), out.stdout.bytes().all(|c| c == b'x')), (0, 2 << 20, true), "{}", out.stderr);
    let big = "y\n".repeat(1 << 20);
    let out = enter(t.init(), spec.clone()).cmd(["head", "-n", "1"]).stdin(big).run();
    assert_eq!((out.code(), out.stdout.as_str()), (0, "y\n"), "{out:?}");
    let out = enter(t.init(), spec.clone()).cmd(["sh", "-c", "sleep 60 & echo done"]).run();
    assert_eq!((out.code(), out.stdout.as_str()), (0, "done\n"), "{out:?}");
    // Orphans that never stop writing to the command's stdout: the drain
    // after the command's end takes what the pipe held then, no more.
    let out = enter(t.init(), spec).cmd(["sh", "-c", "yes & yes & yes & yes & echo done"]).run();
    assert_eq!(out.code(), 0, "{}", out.stderr);
    t.stop();
}

/// Who runs the command in the stdio tests below, on the same runc
/// container: `nsinit --enter` on its init, or `runc exec`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    Nsinit,
    Runc,
}

impl Via {
    fn run(self, d: &Detached, b: &Bundle, cmd: &[&str]) -> Run {
        match self {
            Via::Nsinit => enter(d.init_pid(), b.config_text()).cmd(cmd),
            Via::Runc => Run::new().program("/usr/sbin/runc").args(["exec", &d.id]).args(cmd),
        }
    }
}

/// Before exec: `fd` becomes `to` (0-2; `Run::fd` places only 3 and up),
/// or `to` is closed (`fd` None).
fn place_stdio(run: Run, to: RawFd, fd: Option<RawFd>) -> Run {
    // SAFETY: dup2 and close are async-signal-safe, on descriptors of the
    // child about to exec.
    run.pre_exec(move || {
        let r = match fd {
            Some(fd) => unsafe { libc::dup2(fd, to) },
            None => unsafe { libc::close(to) },
        };
        if r < 0 { Err(std::io::Error::last_os_error()) } else { Ok(()) }
    })
}

/// The pid of the process whose argv is `argv` (a marker), as the host sees it.
fn pid_by_argv(argv: &[&str]) -> i32 {
    let want: Vec<u8> = argv.iter().flat_map(|a| a.bytes().chain([0])).collect();
    let deadline = std::time::Instant::now() + HANG_GUARD;
    loop {
        for e in fs::read_dir("/proc").unwrap().flatten() {
            if fs::read(e.path().join("cmdline")).is_ok_and(|c| c == want) {
                if let Ok(pid) = e.file_name().to_string_lossy().parse() {
                    return pid;
                }
            }
        }
        assert!(std::time::Instant::now() < deadline, "hang guard: no process {argv:?}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// The settings of the terminal `fd`.
fn termios(fd: &std::os::fd::OwnedFd) -> libc::termios {
    // SAFETY: tcgetattr writes one termios, which all zero is a valid value of.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        assert_eq!(libc::tcgetattr(fd.as_raw_fd(), &mut t), 0);
        t
    }
}

/// Whether the pipe whose read end is `r` holds as much as it can take.
fn pipe_is_full(r: &std::os::fd::OwnedFd) -> bool {
    // SAFETY: FIONREAD writes one int; F_GETPIPE_SZ takes none.
    unsafe {
        let mut n: libc::c_int = 0;
        libc::ioctl(r.as_raw_fd(), libc::FIONREAD, &mut n) >= 0 && n >= libc::fcntl(r.as_raw_fd(), libc::F_GETPIPE_SZ)
    }
}

/// Waits (bounded by the hang guard) until `what` holds.
fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + HANG_GUARD;
    while !f() {
        assert!(std::time::Instant::now() < deadline, "hang guard: {what}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// The caller's stdio as it may come: closed, with NUL bytes and a 3 MiB
/// line without a newline, 1 MiB each on stdout and stderr in flight when
/// the command exits. nsinit as runc exec, but with stdout closed: runc's
/// own descriptors take fd 1 and its copy of the command's output meets
/// EPIPE there, whose SIGPIPE it forwards: the command's status (4) and its
/// stderr are lost, runc exits 141; nsinit gives them.
///
/// Stdin closed failed before: the signalfd took fd 0, which nsinit then
/// copied from as the caller's stdin — the signal records went into the
/// command's input, SIGCHLD with them, and nsinit never saw the command
/// end, nor a SIGTERM sent to it: it hung (`pump::fill_closed_stdio`).
#[test]
fn odd_stdio_of_the_caller() {
    let mut b = quiet_bundle();
    let d = Detached::start(Oci::Runc, &mut b, "true");
    let line: String = (0..3 << 20).map(|i| if i % 7 == 0 { '\0' } else { 'z' }).collect();
    let flood = "head -c 1048576 /dev/zero | tr '\\0' o; head -c 1048576 /dev/zero | tr '\\0' e >&2; exit 9";
    for via in [Via::Nsinit, Via::Runc] {
        // (name, command, stdin, which of 0-2 closed, code, stdout, stderr,
        // runc exec's code where it differs: its output is not compared)
        let rows: &[(&str, &[&str], Option<&str>, Option<RawFd>, i32, String, String, Option<i32>)] = &[
            ("stdin closed", &["sh", "-c", "echo hi; cat; echo end"], None, Some(0), 0, "hi\nend\n".into(), "".into(), None),
            ("stdout closed", &["sh", "-c", "echo out; echo err >&2; exit 4"], None, Some(1), 4, "".into(), "err\n".into(), Some(141)),
            ("NUL bytes, a long line", &["cat"], Some(&line), None, 0, line.clone(), "".into(), None),
            ("output in flight at exit", &["sh", "-c", flood], None, None, 9, "o".repeat(1 << 20), "e".repeat(1 << 20), None),
        ];
        for (name, cmd, input, closed, code, stdout, stderr, runc) in rows {
            let mut run = via.run(&d, &b, cmd);
            if let Some(i) = input {
                run = run.stdin(i.to_string());
            }
            if let Some(fd) = closed {
                run = place_stdio(run, *fd, None);
            }
            let out = run.run();
            if let (Via::Runc, Some(c)) = (via, runc) {
                assert_eq!(out.code(), *c, "{via:?}: {name}\n{out:?}");
                continue;
            }
            let got = (out.code(), out.stdout == *stdout, out.stdout.len(), out.stderr == *stderr);
            assert_eq!(got, (*code, true, stdout.len(), true), "{via:?}: {name}\n{}", out.stderr);
        }
    }
    d.stop();
}

/// A caller that stops reading the command's stdout (its pipe full, here
/// one the test holds and does not read) must not stop the signals: a
/// SIGTERM sent to nsinit still ends the command. runc exec copies in
/// goroutines, apart from its signal loop. nsinit failed before: PID 1's
/// loop blocked in write(1) and read no signal any more; the command went
/// on (`pump::Stream`: the caller's side is written only once poll says it
/// takes a page). Once the test reads again, what was left comes out and
/// the status is the command's.
#[test]
fn a_caller_that_stops_reading_does_not_stop_signals() {
    let mut b = quiet_bundle();
    let d = Detached::start(Oci::Runc, &mut b, "true");
    for via in [Via::Nsinit, Via::Runc] {
        let marker = format!("stalled-{via:?}");
        let (r_end, w_end) = pipe();
        let run = via.run(&d, &b, &["yes", &marker]).fd(50, w_end);
        let r = place_stdio(run, 1, Some(50)).spawn();
        wait_until("the caller's stdout pipe to fill", || pipe_is_full(&r_end));
        let cmd = PidFd::open(pid_by_argv(&["yes", &marker]));
        r.signal(libc::SIGTERM);
        if !cmd.ended_by(std::time::Instant::now() + HANG_GUARD) {
            drop(r); // kills the run
            panic!("{via:?}: the command still runs after SIGTERM to its caller, whose stdout is full");
        }
        // Now read: what the command left comes out, the run ends.
        let reader = std::thread::spawn(move || std::io::copy(&mut fs::File::from(r_end), &mut std::io::sink()));
        let out = r.wait();
        let _ = reader.join();
        out.assert_code(143);
    }
    d.stop();
}

/// The command has ended with its output still in the pipes, and the
/// caller does not read (its stdout a full pipe the test holds): nsinit
/// waits for the caller to take the rest, but a SIGTERM sent to it ends the
/// wait: what is left is dropped and the status is the command's (3).
/// Failed before: every signal stayed blocked while nsinit waited on the
/// caller, and only SIGKILL ended it. (runc exec forwards the SIGTERM to
/// its process, which is gone, and keeps waiting for its copy.)
#[test]
fn a_signal_ends_the_wait_for_a_caller_that_does_not_read() {
    let mut b = quiet_bundle();
    let d = Detached::start(Oci::Runc, &mut b, "true");
    let (r_end, w_end) = pipe();
    // 96 KiB: more than the caller's pipe takes (64 KiB), less than it,
    // nsinit's page and the command's own pipe do: the command ends.
    let run = enter(d.init_pid(), b.config_text()).cmd(["sh", "-c", "head -c 98304 /dev/zero; exit 3"]).fd(50, w_end);
    let mut r = place_stdio(run, 1, Some(50)).spawn();
    let nsinit = r.nsinit_pid();
    wait_until("the caller's stdout pipe to fill", || pipe_is_full(&r_end));
    wait_until("the command to end", || children(nsinit).is_empty());
    // Until nsinit is a zombie: a SIGTERM read with the command's SIGCHLD,
    // before the wait for the caller began, is not the one that ends it.
    let zombie = || fs::read_to_string(format!("/proc/{nsinit}/stat")).is_ok_and(|s| s.rsplit(')').next().is_some_and(|t| t.trim_start().starts_with('Z')));
    wait_until("nsinit to end on SIGTERM while the caller does not read", || {
        r.signal(libc::SIGTERM);
        zombie()
    });
    let status = r.wait_status();
    drop(r_end);
    assert!(matches!(status, Status::Code(3)), "{status:?}");
    d.stop();
}

/// `process.terminal` with a terminal on stdin: the command gets a pty of
/// the container's (its devpts, its controlling terminal, handed to the
/// command's user so that it can open /dev/tty), of the caller's
/// terminal's size, resized on SIGWINCH; the caller's terminal is raw
/// meanwhile, so that ^C reaches the pty, whose line discipline signals
/// the command, and it is as it was afterwards. As `runc exec -t` does
/// (compared on the same container). Before, the command got the caller's
/// terminal itself (`tests/enter_attacks.rs` has the attack).
#[test]
fn a_terminal_is_a_pty_of_the_container_s() {
    use std::io::Write;
    let mut b = quiet_bundle();
    b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000});
    let d = Detached::start(Oci::Runc, &mut b, "true");
    b.config["process"]["terminal"] = json!(true);
    let script = "tty; stat -c '%u %t' $(tty); [ -w /dev/tty ] && echo tty-writable; echo ready; read x; stty size; echo ready; read x; stty size; echo ready; sleep 100";
    let size = |fd: &std::os::fd::OwnedFd, rows: u16, cols: u16| {
        let ws = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
        // SAFETY: TIOCSWINSZ reads one winsize.
        assert_eq!(unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &ws) }, 0);
    };
    let settings = |fd: &std::os::fd::OwnedFd| {
        let t = termios(fd);
        (t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag)
    };
    for via in [Via::Nsinit, Via::Runc] {
        let (master, slave) = pty();
        size(&master, 33, 101);
        let before = settings(&slave);
        let run = match via {
            Via::Nsinit => enter(d.init_pid(), b.config_text()).cmd(["sh", "-c", script]),
            Via::Runc => Run::new().program("/usr/sbin/runc").args(["exec", "-t", "-u", "1000:1000", &d.id, "sh", "-c", script]),
        };
        let mut r = run.stdin_fd(slave.try_clone().unwrap()).spawn();
        // runc clears the pty's ONLCR from its parent once it has the
        // master, racing the command's first lines: "\r\n" there at times.
        let line = |r: &mut Running| {
            let l = r.line();
            if via == Via::Runc { l.trim_end_matches('\r').to_string() } else { l }
        };
        let expect = |r: &mut Running, want: &str| assert_eq!(line(r), want, "{via:?}");
        let tty = line(&mut r);
        assert!(tty.starts_with("/dev/pts/") && !tty.ends_with('\r'), "{via:?}: {tty:?}");
        // Its user's (1000), on the pty driver's slave major (136 = 0x88).
        expect(&mut r, "1000 88");
        expect(&mut r, "tty-writable");
        expect(&mut r, "ready");
        // Wait until the caller's terminal is raw (no echo), then answer
        // (runc sets the pty's size only once it runs: asked after this).
        wait_until("the caller's terminal to be raw", || settings(&slave).3 & libc::ECHO == 0);
        fs::File::from(master.try_clone().unwrap()).write_all(b"a\n").unwrap();
        expect(&mut r, "a"); // the pty's echo
        expect(&mut r, "33 101");
        expect(&mut r, "ready");
        size(&master, 40, 120);
        // The test's pty is nobody's controlling terminal: SIGWINCH by hand,
        // then the wait until the command's pty has the size (runc resizes
        // in a goroutine; nsinit may copy the answer below before it reads
        // the signal).
        r.signal(libc::SIGWINCH);
        let cmd_tty = fs::File::open(format!("/proc/{}/fd/0", pid_by_argv(&["sh", "-c", script]))).unwrap();
        wait_until("the command's pty to take the new size", || {
            let mut ws = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
            // SAFETY: TIOCGWINSZ writes one winsize.
            unsafe { libc::ioctl(cmd_tty.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) };
            (ws.ws_row, ws.ws_col) == (40, 120)
        });
        drop(cmd_tty);
        fs::File::from(master.try_clone().unwrap()).write_all(b"x\n").unwrap();
        expect(&mut r, "x"); // the pty's echo
        expect(&mut r, "40 120");
        expect(&mut r, "ready");
        // ^C: the pty's line discipline sends SIGINT to the command's group.
        fs::File::from(master.try_clone().unwrap()).write_all(b"\x03").unwrap();
        let out = r.wait();
        out.assert_code(130);
        assert_eq!(settings(&slave), before, "{via:?}: the caller's terminal settings after the enter");
    }
    d.stop();
}

/// An enter with a terminal started in the background of a job-control
/// shell (`nsinit --enter ... &`) leaves the terminal alone: it is the
/// foreground job's (the shell's line editing, the next command's ^C).
/// nsinit ignores SIGTTOU, so the kernel let it make the terminal raw from
/// the background, under the shell, and set back at its end whatever it
/// had found — another enter's raw settings among them, left after both
/// had ended (this test failed so). A program that is stopped for it
/// (`stty raw &`) would not have changed it either, nor does `runc exec -t`
/// started so (checked with this test pointed at it). In the background its
/// input gives EIO (SIGTTIN ignored) and is no more copied; the output
/// still comes out.
#[test]
fn a_terminal_in_the_background_is_left_alone() {
    let mut b = quiet_bundle();
    let d = Detached::start(Oci::Runc, &mut b, "true");
    b.config["process"]["terminal"] = json!(true);
    let script = "echo ready; read x";
    let lflag = |fd: &std::os::fd::OwnedFd| termios(fd).c_lflag;
    let (_master, slave) = pty();
    let before = lflag(&slave);
    assert_ne!(before & libc::ICANON, 0, "the test's pty starts cooked");
    // A session whose controlling terminal is the pty, its shell in the
    // foreground, the enter a background job of its own group.
    let shell = ["setsid", "-c", "sh", "-c", "set -m; \"$@\" & wait $!; echo status $?", "sh"];
    let mut r = enter(d.init_pid(), b.config_text()).cmd(["sh", "-c", script]).wrap_argv(shell, 1).stdin_fd(slave.try_clone().unwrap()).spawn();
    // Out through the copying, which starts once the terminal is set up.
    assert_eq!(r.line(), "ready");
    assert_eq!(lflag(&slave), before, "a background enter changed the foreground's terminal");
    kill(pid_by_argv(&["sh", "-c", script]), libc::SIGTERM);
    // The job's status, as the shell's `wait` saw it.
    assert_eq!(r.line(), "status 143");
    r.wait().assert_code(0);
    assert_eq!(lflag(&slave), before);
    d.stop();
}

/// With a pty, all the command wrote comes out, though an orphan keeps
/// the pty open (so its master never says EIO) and the last of the output
/// is still in the kernel's flip buffer when the command has ended (the
/// drain reads the master until it has nothing; FIONREAD, as for pipes,
/// lost that part: "got go" in `enter_attacks.rs` went missing at times).
#[test]
fn all_of_a_pty_s_output_comes_out() {
    let mut b = quiet_bundle();
    let d = Detached::start(Oci::Runc, &mut b, "true");
    b.config["process"]["terminal"] = json!(true);
    for _ in 0..5 {
        let (_master, slave) = pty();
        let script = "sleep 100 & head -c 60000 /dev/zero | tr '\\0' o; echo; echo last; exit 5";
        let out = enter(d.init_pid(), b.config_text()).cmd(["sh", "-c", script]).stdin_fd(slave).run();
        out.assert_code(5);
        assert_eq!(out.stdout, format!("{}\nlast\n", "o".repeat(60000)), "{} bytes", out.stdout.len());
    }
    d.stop();
}

/// Socket activation meant for the entering nsinit (LISTEN_PID its pid)
/// is not passed on: `--enter` closed every descriptor but 0-2 at its
/// start, so the command has no socket at 3 and must not be told so.
/// Failed before: the command got LISTEN_FDS=2 and its own LISTEN_PID.
#[test]
fn socket_activation_is_not_passed_to_an_entered_command() {
    let mut b = quiet_bundle();
    let d = Detached::start(Oci::Runc, &mut b, "true");
    let out = enter(d.init_pid(), b.config_text())
        .wrap_argv(["sh", "-c", "LISTEN_PID=$$ LISTEN_FDS=2 exec \"$@\"", "sh"], 0)
        .cmd(["sh", "-c", "echo \"[$LISTEN_FDS][$LISTEN_PID]\""])
        .run();
    out.assert_code(0);
    assert_eq!(out.stdout, "[][]\n", "{out:?}");
    d.stop();
}

/// Another reader of the caller's stdin (here a `cat` on the same pipe)
/// takes the input between nsinit's `poll` and its `read`: nsinit must not
/// then block in `read(0)`, where no signal is forwarded until more input
/// comes. It reads a description of its own, non-blocking (`own_stdin`).
/// Failed before: once the rival had won a byte, nsinit sat in read(0)
/// (seen in /proc/PID/syscall), and a SIGTERM to it never reached the
/// command.
#[test]
fn a_second_reader_of_the_caller_s_stdin_does_not_stop_signals() {
    use std::io::Write;
    let mut b = quiet_bundle();
    let d = Detached::start(Oci::Runc, &mut b, "true");
    let (r_end, w_end) = pipe();
    let mut rival = Command::new("cat").stdin(r_end.try_clone().unwrap()).stdout(std::process::Stdio::null()).spawn().unwrap();
    let marker = "second-reader";
    let r = enter(d.init_pid(), b.config_text()).cmd(["sh", "-c", "sleep 1000; :", marker]).stdin_fd(r_end).spawn();
    let cmd = PidFd::open(pid_by_argv(&["sh", "-c", "sleep 1000; :", marker]));
    let nsinit = r.nsinit_pid();
    let in_read = || fs::read_to_string(format!("/proc/{nsinit}/syscall")).is_ok_and(|s| s.split(' ').next() == Some("0"));
    let mut w = fs::File::from(w_end);
    for _ in 0..100 {
        w.write_all(b"x").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        if in_read() {
            break;
        }
    }
    r.signal(libc::SIGTERM);
    let ended = cmd.ended_by(std::time::Instant::now() + HANG_GUARD);
    let _ = rival.kill();
    let _ = rival.wait();
    drop(w);
    assert!(ended, "the command still runs after SIGTERM to nsinit, which was in read(0): {}", in_read());
    r.wait().assert_code(143);
    d.stop();
}

/// The caller's stdout is a pipe nobody reads any more (`| head -1` has
/// ended): nsinit does not die of SIGPIPE, and the command's status comes
/// back. The SIGPIPE its write raised goes on to the command, which ends as
/// in a pipeline (141): as with runc exec, whose Go runtime catches and
/// forwards it too. Pinned: both were so before.
#[test]
fn a_caller_s_stdout_gone_ends_the_command_as_a_pipeline_would() {
    let mut b = quiet_bundle();
    let d = Detached::start(Oci::Runc, &mut b, "true");
    for via in [Via::Nsinit, Via::Runc] {
        let (r_end, w_end) = pipe();
        drop(r_end);
        let out = place_stdio(via.run(&d, &b, &["yes"]).fd(50, w_end), 1, Some(50)).run();
        out.assert_code(141);
        assert!(!out.stderr.contains("nsinit: ") || out.stderr.lines().all(|l| l.starts_with("nsinit: warning: ")), "{via:?}\n{out:?}");
    }
    d.stop();
}

/// The command closes its stdin while the caller still sends (1 MiB here):
/// the copy into it meets EPIPE and stops; the command goes on, as it does
/// with the caller's stdin passed through (crun exec) or in a shell
/// pipeline. runc exec forwards the SIGPIPE its own write raised (its Go
/// runtime catches every signal), which kills the command (141). nsinit
/// did the same before (the signalfd reads the SIGPIPE the kernel sends
/// with EPIPE): now it keeps that one (`Copier::own_sigpipe`). The command
/// waits on a FIFO until nsinit has closed its end of the stdin pipe.
#[test]
fn a_command_that_closes_its_stdin_is_not_killed_for_it() {
    let mut b = quiet_bundle();
    let go = b.in_rootfs("/go");
    let p = std::ffi::CString::new(go.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo reads one NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(p.as_ptr(), 0o600) }, 0, "mkfifo: {}", std::io::Error::last_os_error());
    let d = Detached::start(Oci::Runc, &mut b, "true");
    let cmd = ["sh", "-c", "exec 0</dev/null; echo closed; read _ < /go; echo alive"];
    let input = "x".repeat(1 << 20);
    // runc exec: killed by the SIGPIPE runc forwards, before any go (and
    // maybe before its `closed`: runc's write can come first).
    let out = Via::Runc.run(&d, &b, &cmd).stdin(input.clone()).run();
    assert!(out.code() == 141 && ["", "closed\n"].contains(&out.stdout.as_str()), "runc exec\n{out:?}");
    // nsinit: once the command has closed its stdin and nsinit its end of
    // it (it then holds 0-2, its own description of the caller's stdin
    // pipe, the signalfd and the two output pipes), go.
    let mut r = Via::Nsinit.run(&d, &b, &cmd).stdin(input).spawn();
    r.expect_line("closed");
    let nsinit = r.nsinit_pid();
    wait_until("nsinit to close the command's stdin", || {
        let fds = fd_links(nsinit);
        let own_stdin = fds.iter().skip(3).any(|(_, l)| fds.first().is_some_and(|(_, l0)| l0 == l));
        fds.len() == 6 + usize::from(own_stdin)
    });
    // Read-write: the open does not wait for the reader, and the line
    // stays in the FIFO until the command has read it (or is gone).
    let mut fifo = fs::OpenOptions::new().read(true).write(true).open(&go).unwrap();
    std::io::Write::write_all(&mut fifo, b"\n").unwrap();
    let out = r.wait();
    assert_eq!((out.code(), out.stdout.as_str()), (0, "closed\nalive\n"), "nsinit --enter\n{out:?}");
    drop(fifo);
    d.stop();
}

/// What cannot be joined is one 125 line before anything runs, never a
/// command half outside: an unprivileged user entering root's container
/// (its namespaces are not the user's to join: even their /proc links are
/// closed to it), and the rootless user entering its own container that
/// root has put in cgroups the user may not write.
#[test]
fn what_cannot_be_joined_is_one_line() {
    let uid = rootless_uid();
    let mut b = quiet_bundle();
    let t = Target::start_with(&mut b, None, "true");
    let rootless = Bundle::rootless();
    let out = as_user(enter(t.init(), b.config_text()), &rootless, uid).sh("echo ran").run();
    out.assert_failed(&format!("nsinit: enter: pid {}: EACCES: permission denied", t.init()));
    t.stop();

    let cg = Cgroups::new();
    let mut b = Bundle::rootless();
    let t = Target::start_with(&mut b, Some(&cg), "true");
    let out = as_user(enter(t.init(), b.config_text()), &b, uid).sh("echo ran").run();
    let procs = cg.dirs[0].join("cgroup.procs");
    out.assert_failed(&format!("nsinit: enter: {} (cgroup): EACCES: permission denied", procs.display()));
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

/// A pid in nsinit's own mount and pid namespaces is a host process, not
/// a container (say an init's number, reused after it ended): refused,
/// where nsinit would otherwise join nothing and run the command on the
/// host.
#[test]
fn a_host_process_is_not_a_container() {
    let b = quiet_bundle();
    let mut host = Command::new("sleep").arg("30").spawn().unwrap();
    let out = enter(host.id() as i32, b.config_text()).sh("echo ran; hostname").run();
    let _ = host.kill();
    host.wait().unwrap();
    out.assert_failed(&format!("nsinit: enter: pid {}: not in a container: its mount and pid namespaces are nsinit's own", host.id()));
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

/// How another process's view differs from the entered command's in one
/// section: theirs is `f` of nsinit's.
type Diff = (&'static str, fn(&str) -> String);

/// `a`'s view is `b`'s, but for `diffs`: each of those sections of `a` is
/// its function of `b`'s, and does differ (a difference that went away
/// must leave this list).
fn assert_view_as(a_name: &str, a: &str, b_name: &str, b: &str, diffs: &[Diff]) {
    let names: Vec<&str> = diffs.iter().map(|(n, _)| *n).collect();
    assert_same_view(a_name, a, b_name, b, &names);
    for (section, f) in diffs {
        let (x, y) = (section_of(a, section), section_of(b, section));
        assert_eq!(x, f(&y), "{a_name} vs {b_name}: {section}\n--- {a_name} ---\n{a}\n--- {b_name} ---\n{b}");
        assert_ne!(x, y, "{a_name} vs {b_name}: {section} no longer differs: update the list");
    }
}

/// runc exec leaves the command its own umask (runc's, 0022), not
/// `process.user.umask`, which runc's own init applies to the workload.
fn runc_exec_umask() -> Vec<Diff> {
    vec![("umask", |_| "0022\n".into()), ("status", |s| s.replace("Umask:\t0027", "Umask:\t0022"))]
}

/// crun gives no HOME when the user has no /etc/passwd entry; runc (its
/// user lookup's default) and nsinit give `HOME=/`.
fn crun_no_home() -> Diff {
    ("env", |s| s.lines().filter(|l| !l.starts_with("HOME=")).map(|l| format!("{l}\n")).collect())
}

/// crun exec leaves the command crun's own oom_score_adj (0), not
/// `process.oomScoreAdj`.
fn crun_exec_oom() -> Diff {
    ("oom", |_| "0\n".into())
}

/// The views of one bundle run detached by runc or crun: its workload's,
/// `exec`'s and `nsinit --enter`'s on its init.
struct Views {
    workload: String,
    exec: String,
    enter: String,
}

/// Runs `b` detached with `oci`, then `exec` (runc: `runc exec ID CMD`,
/// which takes the container's `process` with CMD as args; crun: `crun exec
/// --process FILE ID`, the same `process` with CMD as args, since without
/// `--process` crun exec ignores most of it — see
/// plain_crun_exec_ignores_the_spec_s_process) and `nsinit --enter` on its
/// init pid with the bundle's config.json (`--spec PATH`).
fn exec_and_enter(oci: Oci, b: &mut Bundle, run_opts: &[&str]) -> Views {
    let d = Detached::start_with(oci, b, VIEW, run_opts);
    let pid = d.init_pid();
    let x = match oci {
        Oci::Runc => d.exec(VIEW),
        Oci::Crun => {
            let mut process = b.config["process"].clone();
            process["args"] = json!(["sh", "-c", VIEW]);
            let file = b.join("process.json");
            fs::write(&file, process.to_string()).unwrap();
            oci.ctl(&["exec", "--process", file.to_str().unwrap(), &d.id])
        }
    };
    x.assert_code(0);
    let spec = b.join("config.json").display().to_string();
    let n = Run::new().args(["--enter".to_string(), pid.to_string(), "--spec".into(), spec]).sh(VIEW).run();
    n.assert_code(0);
    assert_only_warnings(&n);
    let workload = d.view.clone();
    d.stop();
    Views { workload, exec: x.stdout, enter: n.stdout }
}

/// nsinit --enter beside `runc exec` and `crun exec` on the same running
/// container (started by runc or crun; nsinit enters it by its init's pid):
/// the same view, section by section — namespaces, cgroups (runc's own
/// cgroups, joined), ids, capability sets, no_new_privs, seccomp, cwd,
/// rlimits, env, fds, mounts — but for the differences listed, each
/// asserted in its own form; and the same view as the runtime's own
/// workload.
#[test]
fn side_by_side_with_runc_and_crun_exec() {
    type Row = (&'static str, fn() -> Bundle, fn(Oci) -> Vec<Diff>, fn(Oci) -> Vec<Diff>);
    let none = |_: Oci| Vec::new();
    let rows: &[Row] = &[
        ("runc default", Bundle::new, none, none),
        (
            "identity fields",
            identity_bundle,
            |oci| match oci {
                Oci::Runc => runc_exec_umask(),
                Oci::Crun => vec![crun_no_home(), crun_exec_oom()],
            },
            |oci| match oci {
                Oci::Runc => Vec::new(),
                Oci::Crun => vec![crun_no_home()],
            },
        ),
        ("docker seccomp, noNewPrivileges", || seccomp_bundle(true), none, none),
        ("docker seccomp, no noNewPrivileges", || seccomp_bundle(false), none, none),
    ];
    for oci in [Oci::Runc, Oci::Crun] {
        for (name, bundle, exec_diffs, workload_diffs) in rows {
            let v = exec_and_enter(oci, &mut bundle(), &[]);
            let who = |what: &str| format!("{name}: {} {what}", oci.name());
            assert_view_as(&who("exec"), &v.exec, &format!("{name}: nsinit --enter"), &v.enter, &exec_diffs(oci));
            assert_view_as(&who("workload"), &v.workload, &format!("{name}: nsinit --enter"), &v.enter, &workload_diffs(oci));
        }
    }
}

/// A container whose root is not pivoted to (`run --no-pivot`: the rootfs
/// moved over `/` and chroot'ed into, as on a ramdisk root): the mount
/// namespace's root is the rootfs only through the mount on top of it, and
/// setns lands there (mntns_install looks `/` up with LOOKUP_DOWN): nsinit
/// --enter sees the container's root and mounts, as runc exec and crun exec
/// do.
#[test]
fn a_container_without_pivot_root() {
    for oci in [Oci::Runc, Oci::Crun] {
        let v = exec_and_enter(oci, &mut Bundle::new(), &["--no-pivot"]);
        let name = format!("--no-pivot: {}", oci.name());
        assert_same_view(&format!("{name} exec"), &v.exec, &format!("{name}: nsinit --enter"), &v.enter, &[]);
        assert_same_view(&format!("{name} workload"), &v.workload, &format!("{name}: nsinit --enter"), &v.enter, &[]);
    }
}

/// `crun exec ID CMD` without `--process` takes the container's args, env
/// and capabilities from its config, but not its user, umask, cwd,
/// no_new_privs, rlimits or oomScoreAdj: it runs as root in `/` with crun's
/// own limits (nsinit --enter, like runc exec, applies the whole
/// `process`). Pinned here, so that a crun that changes shows.
#[test]
fn plain_crun_exec_ignores_the_spec_s_process() {
    let mut b = identity_bundle();
    let d = Detached::start(Oci::Crun, &mut b, VIEW);
    let pid = d.init_pid();
    let x = d.exec(VIEW);
    x.assert_code(0);
    let spec = b.join("config.json").display().to_string();
    let n = Run::new().args(["--enter".to_string(), pid.to_string(), "--spec".into(), spec]).sh(VIEW).run();
    n.assert_code(0);
    let differ = ["id", "status", "umask", "cwd", "env", "oom", "limits"];
    assert_same_view("crun exec", &x.stdout, "nsinit --enter", &n.stdout, &differ);
    let (status, limits) = (section_of(&x.stdout, "status"), section_of(&x.stdout, "limits"));
    assert_eq!(section_of(&x.stdout, "id"), "uid=0(root) gid=0(root)\n", "{}", x.stdout);
    assert!(status.contains("Uid:\t0\t0\t0\t0\n") && status.contains("NoNewPrivs:\t0\n") && status.contains("Umask:\t0022\n"), "{status}");
    assert!(status.contains("CapEff:\t0000000000000401\n"), "the capabilities are the config's: {status}");
    assert_eq!(section_of(&x.stdout, "cwd"), "/\n/\n");
    assert_eq!(section_of(&x.stdout, "oom"), "0\n");
    assert!(section_of(&x.stdout, "env").contains("A=b=c\n"), "the env is the config's");
    assert!(!limits.contains(" 512 ") && !limits.contains(" 900 "), "crun exec applied the rlimits: {limits}");
    d.stop();
}

/// `cat /proc/PID/environ` and `ptrace(PTRACE_SEIZE, PID)` (the sys tool,
/// from `tool`) run by `reader` (setpriv's argv); true for each that worked.
fn reach(reader: &[String], tool: &std::path::Path, pid: i32) -> (bool, bool) {
    let environ = run_command(Command::new(&reader[0]).args(&reader[1..]).args(["cat", &format!("/proc/{pid}/environ")]));
    let seize = call(libc::SYS_ptrace, &[libc::PTRACE_SEIZE as u64, pid as u64]);
    let traced = run_command(Command::new(&reader[0]).args(&reader[1..]).arg(tool).arg(&seize));
    traced.assert_code(0);
    let seized = answers(&traced.stdout);
    assert_eq!(seized.len(), 1, "{traced:?}");
    (environ.code() == 0 && environ.stdout.contains("PATH="), seized[0].1 == Answer::Ok)
}

/// The entering nsinit is not dumpable, from its first instruction to its
/// end (CVE-2016-9962: a container process read or traced the runtime that
/// entered it). A process of its own uid without capabilities can neither
/// read its /proc/PID/environ nor ptrace it; the same process can both on
/// the entered command (its uid, no capabilities, dumpable): the control.
/// Root entering a root container (the reader is root without any
/// capability), and a rootless user entering its container (the reader is
/// that user: it owns the container's user namespace, yet nsinit's memory
/// belongs to the host's).
#[test]
fn the_entering_nsinit_is_not_dumpable() {
    let tool_dir = TempDir::new();
    for who in [Enterer::Root, Enterer::User(rootless_uid())] {
        let mut b = match who {
            Enterer::Root => quiet_bundle(),
            Enterer::User(_) => Bundle::rootless(),
        };
        // No capability in the command: the reader needs none to reach it.
        b.config["process"]["capabilities"] = json!({});
        let t = Target::start_with(&mut b, None, "true");
        let (run, reader) = match who {
            Enterer::Root => (enter(t.init(), b.config_text()), vec!["setpriv".to_string(), "--bounding-set=-all".into(), "--inh-caps=-all".into(), "--ambient-caps=-all".into()]),
            Enterer::User(uid) => (
                as_user(enter(t.init(), b.config_text()), &b, uid),
                vec!["setpriv".to_string(), format!("--reuid={uid}"), format!("--regid={uid}"), "--clear-groups".into()],
            ),
        };
        // Where the unprivileged user can run it.
        let tool = tool_dir.join(&format!("sys-{:?}", who));
        copy_file(sys_tool(), &tool);
        std::os::unix::fs::chown(tool_dir.path(), Some(0), Some(0)).unwrap();
        fs::set_permissions(tool_dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let e = Entered::spawn(run, "true");
        assert_eq!(held_caps(&status_of(e.nsinit)), CapSets::all(0), "{who:?}: nsinit keeps no capability here");
        assert_eq!(reach(&reader, &tool, e.cmd), (true, true), "{who:?}: the reader reaches the command (control)");
        assert_eq!(reach(&reader, &tool, e.nsinit), (false, false), "{who:?}: the reader reaches nsinit");
        e.finish();
        t.stop();
    }
}



/// The confinement suite's attacks from the entered command (root with
/// runc's default capabilities): the container's init (nsinit, PID 1) is
/// not readable (root, environ, mem, exe) nor traceable, while the
/// container's workload is (the control); the entering nsinit is in no PID
/// namespace the container sees: the command's parent is pid 0 to it, no
/// process in the container's /proc is it (no `--enter` command line), and
/// its host pid names nothing there (ESRCH).
#[test]
fn the_command_cannot_reach_either_nsinit() {
    let mut b = quiet_bundle();
    copy_file(sys_tool(), &b.in_rootfs("/sys-tool"));
    let t = Target::start_with(&mut b, None, "true");
    let workload_in_ns = status_field(&status_of(t.workload), "NSpid").unwrap().split_whitespace().nth(1).unwrap().to_string();
    let attach = |pid: i32| call(libc::SYS_ptrace, &[libc::PTRACE_ATTACH as u64, pid as u64]);
    let seize = |pid: i32| call(libc::SYS_ptrace, &[libc::PTRACE_SEIZE as u64, pid as u64]);
    let probe = format!("sh -c {} sh", shell_quote(PROBES));
    // The entering nsinit's host pid is only known once it runs: the test
    // writes it into the rootfs, then lets the command go on.
    let script = format!(
        "echo ready; read _; nsinit=$(cat /nsinit-pid)
        echo '== pid 1'; {probe} 1
        echo '== workload'; {probe} {workload_in_ns}
        echo '== ppid'; grep PPid /proc/$$/status
        echo '== cmdlines'; for p in /proc/[0-9]*; do echo \"${{p#/proc/}}: $(tr '\\0' ' ' < $p/cmdline)\"; done
        echo '== kill'; kill -0 $nsinit 2>&1 || echo denied
        echo '== ptrace'; /sys-tool {} {} {} {:#x},{:#x},$nsinit",
        attach(1),
        seize(1),
        seize(2147483647),
        libc::SYS_ptrace,
        libc::PTRACE_SEIZE,
    );
    let mut r = enter(t.init(), b.config_text()).stdin_pipe().sh(&script).spawn();
    r.expect_line("ready");
    let nsinit = r.nsinit_pid();
    assert_eq!(status_field(&status_of(nsinit), "NSpid").unwrap().split_whitespace().count(), 1, "nsinit is in the host's PID namespace alone");
    fs::write(b.in_rootfs("/nsinit-pid"), format!("{nsinit}\n")).unwrap();
    r.close_stdin();
    let out = r.wait();
    out.assert_code(0).assert_no_stderr();
    let names = ["root", "environ", "mem", "exe-link", "exe-write", "exe-open-write"];
    let lines = |verdict: &str| -> Vec<String> { names.iter().map(|n| format!("{n}: {verdict}")).collect() };
    assert_eq!(out.section("pid 1").lines().collect::<Vec<_>>(), lines("denied"), "{out:?}");
    // The workload: everything but writing a running binary (ETXTBSY).
    let workload = out.section("workload");
    assert_eq!(workload.lines().collect::<Vec<_>>()[..4], lines("allowed")[..4], "{out:?}");
    assert_eq!(out.section("ppid"), "PPid:\t0\n", "{out:?}");
    let cmdlines = out.section("cmdlines");
    assert!(cmdlines.lines().count() >= 3, "{out:?}");
    let seen: Vec<&str> = cmdlines.lines().filter(|l| l.contains(&format!("--enter {}", t.init()))).collect();
    assert!(seen.is_empty(), "a process of the container is nsinit --enter: {seen:?}\n{out:?}");
    assert!(out.section("kill").ends_with("denied\n"), "{out:?}");
    let got: Vec<Answer> = answers(&out.section("ptrace")).into_iter().map(|(_, a)| a).collect();
    let (eperm, esrch) = (Answer::Errno(libc::EPERM), Answer::Errno(libc::ESRCH));
    assert_eq!(got, [eperm, eperm, esrch, esrch], "ptrace PID 1 (attach, seize), a pid that is nobody, nsinit's host pid\n{out:?}");
    t.stop();
}

/// The caller's own files stay the caller's: a root-only host file and the
/// caller's terminal, given as the command's stdin, keep their owner after
/// a command that runs as uid 1000. `runc exec` leaves them (its command's
/// stdio are pipes of its own, which it hands over instead); nsinit hands
/// only anonymous pipes and sockets to `process.user` (src/child.rs
/// `hand_stdio_to`), never the caller's file or terminal. (It once handed
/// them over as runc's fixStdioPermissions does a workload's: root's 0600
/// file, or root's terminal, then belonged to uid 1000 on the host.)
#[test]
fn the_caller_s_file_and_terminal_stay_the_caller_s() {
    use std::os::unix::fs::PermissionsExt;
    let mut b = quiet_bundle();
    b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000});
    let d = Detached::start(Oci::Runc, &mut b, "true");
    let pid = d.init_pid();
    let host = TempDir::new();
    let file = host.join("root-only");
    fs::write(&file, "root's\n").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    let owner = |p: &std::path::Path| fs::metadata(p).unwrap().uid();
    let (_master, slave) = pty();
    let tty = fs::read_link(format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&slave))).unwrap();
    let stdin_of = |which: &str| -> std::os::fd::OwnedFd {
        match which {
            "file" => fs::File::open(&file).unwrap().into(),
            _ => slave.try_clone().unwrap(),
        }
    };
    for (which, path) in [("file", file.clone()), ("terminal", tty.clone())] {
        assert_eq!(owner(&path), 0, "{which}");
        let runc = Command::new("runc").args(["exec", &d.id, "true"]).stdin(std::process::Stdio::from(stdin_of(which))).status().unwrap();
        assert!(runc.success());
        assert_eq!(owner(&path), 0, "runc exec handed the caller's {which} to uid 1000");
        let out = enter(pid, b.config_text()).stdin_fd(stdin_of(which)).cmd(["true"]).run();
        out.assert_code(0);
        assert_eq!(owner(&path), 0, "nsinit --enter handed the caller's {which} ({}) to uid 1000", path.display());
    }
    d.stop();
}
