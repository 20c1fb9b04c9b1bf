//! The attacker is the workload: root with runc's or Docker's defaults, or
//! uid 1000 ([`Who`]), running a small static program in a real container.

use crate::common::kernel::{Answer, X32, answers, call, i386};
use crate::common::*;
use crate::harness::*;
use serde_json::json;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

/// Runs `progs/pid1.c` with `probes` in each workload and asserts every
/// probe of PID 1 denied (EPERM or EACCES: an access check refused it, not
/// a later error). The control: without a seccomp profile in the way, the
/// same probes of the program's own child are allowed, so each probe can
/// see a hole (except `setns`, which needs CAP_SYS_ADMIN even into one's
/// own namespaces, `map_files`, whose links need CAP_SYS_ADMIN or
/// CAP_CHECKPOINT_RESTORE, and `stack`, which needs CAP_SYS_ADMIN).
fn reach_pid1(rt: Rt, probes: &[&str]) {
    for who in WORKLOADS {
        let out = run_prog(rt, &mut who.bundle(), "pid1", probes);
        let pid1 = lines_with(&out, "pid1 ");
        assert!(!pid1.is_empty(), "{who:?}: no probe ran\n{out:?}");
        for l in &pid1 {
            let denied = l.ends_with(": denied 1") || l.ends_with(": denied 13");
            assert!(denied, "{who:?}: the workload reached into PID 1: {l}\n{out:?}");
        }
        let child = lines_with(&out, "child ");
        assert_eq!(child.len(), pid1.len(), "{who:?}: the control did not run every probe\n{out:?}");
        if who != Who::Docker {
            for l in child {
                let exempt = ["setns:", "map_files:", "stack:"].iter().any(|p| l.starts_with(p));
                assert!(exempt || l.ends_with(": allowed"), "{who:?}: control probe of its own child failed: {l}\n{out:?}");
            }
        }
    }
}

/// `/proc/1/{environ,mem,maps,auxv,syscall,stack,pagemap}` opened and read,
/// `/proc/1/{exe,root,cwd}` read and opened, PID 1's fds reopened through
/// `/proc/1/fd`, `/proc/1/map_files`, every `/proc/1/ns` entry.
pub fn proc1_files(rt: Rt) {
    reach_pid1(rt, &["files", "links", "fd", "map_files", "ns"]);
}

/// PTRACE_ATTACH and PTRACE_SEIZE of PID 1, and PTRACE_ATTACH through the
/// 32-bit ABI (`int 0x80`).
pub fn ptrace_pid1(rt: Rt) {
    reach_pid1(rt, &["ptrace"]);
}

/// process_vm_readv of PID 1's memory.
pub fn vm_read_pid1(rt: Rt) {
    reach_pid1(rt, &["vmread"]);
}

/// pidfd_getfd: PID 1's descriptors copied through a pidfd.
pub fn pidfd_getfd_pid1(rt: Rt) {
    reach_pid1(rt, &["getfd"]);
}

/// kcmp: comparing kernel objects with PID 1's (an address-space oracle).
pub fn kcmp_pid1(rt: Rt) {
    reach_pid1(rt, &["kcmp"]);
}

/// setns into PID 1's namespaces through a pidfd.
pub fn setns_pid1(rt: Rt) {
    reach_pid1(rt, &["setns"]);
}

fn open(path: &Path, flags: i32) -> OwnedFd {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("no NUL in a path");
    // SAFETY: open(2) with a valid C string; the result is checked.
    let fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC) };
    assert!(fd >= 0, "open {}: {}", path.display(), std::io::Error::last_os_error());
    // SAFETY: a fresh descriptor owned by nobody else.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// The parent leaks descriptors into the container: a host file (5), the
/// bundle directory, outside the rootfs (7), and an O_PATH descriptor of
/// the host's `/` (9). The workload starts with none of them: nothing but
/// 0–2 is open, and neither fchdir nor openat(N, "..") can use one.
pub fn leaked_fds(rt: Rt) {
    for who in [Who::Root, Who::User] {
        let mut b = who.bundle();
        let prog = install(&b, "fds");
        args(&mut b, &[&prog, "5", "7", "9"]);
        std::fs::write(b.join("host-secret"), "a host file\n").expect("write a host file");
        let file = File::open(b.join("host-secret")).expect("open a host file");
        let dir = open(b.path(), libc::O_RDONLY | libc::O_DIRECTORY);
        let root = open(Path::new("/"), libc::O_PATH);
        let out = rt.run_with(&b, &[], |r| r.fd(5, file).fd(7, dir).fd(9, root));
        out.assert_code(0);
        assert!(out.stdout.ends_with("scanned\n"), "{who:?}: the scan did not finish\n{out:?}");
        let open = lines_with(&out, "open ");
        assert!(open.is_empty(), "{who:?}: descriptors beyond 0-2 reached the workload: {open:?}\n{out:?}");
        for n in ["5", "7", "9"] {
            for probe in [format!("fchdir {n}: "), format!("openat {n} ..: ")] {
                let got = lines_with(&out, &probe);
                assert_eq!(got, ["errno 9"], "{who:?}: {probe}(EBADF expected)\n{out:?}");
            }
        }
    }
}

/// The syscalls Docker's profile exists to block, made raw: each answers
/// the profile's errno (EPERM; ENOSYS for clone3, so libc falls back), not
/// the kernel's. The control, without the profile: the same root workload
/// can create a user namespace and join a keyring (the calls do reach the
/// kernel; only the filter stands in the way).
pub fn docker_blocked_syscalls(rt: Rt) {
    let clone_newuser = libc::CLONE_NEWUSER as u64;
    let calls = [
        ("mount", call(libc::SYS_mount, &[0, 0, 0, 0, 0])),
        ("unshare", call(libc::SYS_unshare, &[clone_newuser])),
        ("keyctl", call(libc::SYS_keyctl, &[1, 0])),
        ("bpf", call(libc::SYS_bpf, &[0, 0, 0])),
        ("userfaultfd", call(libc::SYS_userfaultfd, &[1])),
        ("perf_event_open", call(libc::SYS_perf_event_open, &[0, 0, u64::MAX, u64::MAX, 0])),
        ("open_by_handle_at", call(libc::SYS_open_by_handle_at, &[0, 0, 0])),
        ("clone3", call(libc::SYS_clone3, &[0, 0])),
        ("setns", call(libc::SYS_setns, &[0, 0])),
        ("umount2", call(libc::SYS_umount2, &[0, 0])),
        ("pivot_root", call(libc::SYS_pivot_root, &[0, 0])),
        ("add_key", call(libc::SYS_add_key, &[0, 0, 0, 0, 0])),
        ("kexec_load", call(libc::SYS_kexec_load, &[0, 0, 0, 0])),
        ("init_module", call(libc::SYS_init_module, &[0, 0, 0])),
        ("fsopen", call(libc::SYS_fsopen, &[0, 0])),
        ("open_tree", call(libc::SYS_open_tree, &[0, 0, 0])),
        ("move_mount", call(libc::SYS_move_mount, &[0, 0, 0, 0, 0])),
    ];
    let words: Vec<&str> = calls.iter().map(|(_, w)| w.as_str()).collect();
    let run = |who: Who| sys_answers(rt, who, &words);
    let (docker, out) = run(Who::Docker);
    for ((name, _), (_, a)) in calls.iter().zip(&docker) {
        let want = if *name == "clone3" { libc::ENOSYS } else { libc::EPERM };
        assert_eq!(*a, Answer::Errno(want), "Docker's profile: {name} was not blocked\n{out:?}");
    }
    let (root, out) = run(Who::Root);
    for (i, name) in [(1, "unshare(CLONE_NEWUSER)"), (2, "keyctl(JOIN_SESSION_KEYRING)")] {
        assert_eq!(root[i].1, Answer::Ok, "control without a profile: {name} should reach the kernel\n{out:?}");
    }
}

/// The sys tool (`progs/`) making `words`' calls in `who`'s container
/// under `rt`: one answer per call (a call killed by a KILL action leaves
/// the rest unanswered), and the output.
fn sys_answers(rt: Rt, who: Who, words: &[&str]) -> (Vec<(String, Answer)>, Output) {
    let out = run_prog(rt, &mut who.bundle(), "sys", words);
    let got = answers(&out.stdout);
    assert_eq!(got.len(), words.len(), "{who:?}: not every call answered (a KILL action?)\n{out:?}");
    (got, out)
}

/// The same blocked calls through the 32-bit ABI (`int 0x80`, i386
/// numbers) and the x32 ABI (bit 30): the filter checks the architecture
/// first and filters each ABI with its own numbers, so none slips past a
/// profile written with x86_64 names. The control without a profile: the
/// i386 unshare(CLONE_NEWUSER) and keyctl succeed.
pub fn compat_abi_syscalls(rt: Rt) {
    let newuser = libc::CLONE_NEWUSER as u64;
    // (name, i386 call, x32 call)
    let calls = [
        ("mount", i386(21, &[0, 0, 0]), call(X32 | 165, &[0, 0, 0, 0, 0])),
        ("unshare", i386(310, &[newuser]), call(X32 | 272, &[newuser])),
        ("keyctl", i386(288, &[1, 0]), call(X32 | 250, &[1, 0])),
        ("bpf", i386(357, &[0, 0, 0]), call(X32 | 321, &[0, 0, 0])),
        ("userfaultfd", i386(374, &[1]), call(X32 | 323, &[1])),
        ("perf_event_open", i386(336, &[0, 0, u32::MAX as u64]), call(X32 | 298, &[0, 0, u64::MAX, u64::MAX, 0])),
        ("open_by_handle_at", i386(342, &[0, 0, 0]), call(X32 | 304, &[0, 0, 0])),
        ("setns", i386(346, &[0, 0]), call(X32 | 308, &[0, 0])),
        ("clone3", i386(435, &[0, 0]), call(X32 | 435, &[0, 0])),
    ];
    let mut words: Vec<&str> = Vec::new();
    for (_, a, b) in &calls {
        words.push(a);
        words.push(b);
    }
    let run = |who: Who| sys_answers(rt, who, &words);
    let (docker, out) = run(Who::Docker);
    for (i, (name, _, _)) in calls.iter().enumerate() {
        let want = Answer::Errno(if *name == "clone3" { libc::ENOSYS } else { libc::EPERM });
        assert_eq!(docker[2 * i].1, want, "Docker's profile: i386 {name} was not blocked\n{out:?}");
        assert_eq!(docker[2 * i + 1].1, want, "Docker's profile: x32 {name} was not blocked\n{out:?}");
    }
    let (root, out) = run(Who::Root);
    for i in [2, 4] {
        assert_eq!(root[i].1, Answer::Ok, "control without a profile: {} should reach the kernel\n{out:?}", root[i].0);
    }
}

/// open_by_handle_at ("shocker"): a forged handle for inode 2 would open
/// the root directory of the host filesystem that holds the rootfs. Every
/// workload is refused, its own /etc's handle as well.
pub fn open_by_handle(rt: Rt) {
    for who in WORKLOADS {
        let out = run_prog(rt, &mut who.bundle(), "handle", &[]);
        assert!(!out.stdout.contains("OPENED"), "{who:?}: a file handle was opened\n{out:?}");
        assert!(out.stdout.contains("forged: denied"), "{who:?}: the forged handle was not tried\n{out:?}");
    }
}

/// Runs `progs/cgroup.c MODE` and asserts that no release_agent was
/// written (the kernel accepted a write: the escape) and no hook opened for
/// writing, and that nothing was mounted but inside a user namespace of
/// the workload's own (a mount there is the kernel's to allow: since
/// cgroup namespaces, a v1 hierarchy the host has mounted can be mounted
/// again in one, and only the write to release_agent is refused).
fn cgroup_attack(rt: Rt, b: &mut Bundle, mode: &str, who: &str) {
    let prog = install(b, "cgroup");
    args(b, &[&prog, mode, "/dev/shm/attack"]);
    let out = rt.run(b);
    out.assert_code(0);
    assert!(!out.stdout.is_empty(), "{who}: the attack did not run\n{out:?}");
    for l in out.stdout.lines() {
        let mounted = l.ends_with(": mounted") && !l.starts_with("userns ");
        let escaped = mounted || l.ends_with(": OPENED") || l.ends_with(": WRITTEN");
        assert!(!escaped, "{who}: {l}\n{out:?}");
    }
}

/// cgroup v1 `release_agent`: mount a hierarchy (a named one, or a free or
/// used controller) and rewrite its release_agent (the same text: a write
/// the kernel accepts is the escape), directly and after unsharing a user
/// namespace (CVE-2022-0492); and the release_agent files of the
/// hierarchies the container sees. As each workload, and as root with no
/// `capabilities` object at all (that was an escape: the workload kept
/// every capability nsinit had).
pub fn release_agent(rt: Rt) {
    for who in WORKLOADS {
        cgroup_attack(rt, &mut who.bundle(), "agent", &format!("{who:?}"));
    }
    let mut b = Who::Root.bundle();
    if let Some(p) = b.config["process"].as_object_mut() {
        p.remove("capabilities");
    }
    cgroup_attack(rt, &mut b, "agent", "no capabilities object");
}

/// The other files whose contents the host kernel runs as root:
/// core_pattern, modprobe, hotplug, uevent_helper, sysrq-trigger,
/// binfmt_misc's register; and a fresh proc or sysfs mounted to get around
/// the read-only ones.
pub fn host_hooks(rt: Rt) {
    for who in WORKLOADS {
        cgroup_attack(rt, &mut who.bundle(), "hooks", &format!("{who:?}"));
    }
    let mut b = Who::Root.bundle();
    if let Some(p) = b.config["process"].as_object_mut() {
        p.remove("capabilities");
    }
    cgroup_attack(rt, &mut b, "hooks", "no capabilities object");
}

/// A pseudo-terminal pair in raw mode (so any byte pushed into its input
/// can be read back at once): (master, slave).
fn pty() -> (OwnedFd, OwnedFd) {
    // SAFETY: posix_openpt/grantpt/unlockpt/ptsname_r on a fresh master,
    // every result checked; tcgetattr/tcsetattr on a fresh slave.
    unsafe {
        let m = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        assert!(m >= 0, "posix_openpt: {}", std::io::Error::last_os_error());
        let master = OwnedFd::from_raw_fd(m);
        assert!(libc::grantpt(m) == 0 && libc::unlockpt(m) == 0, "grantpt/unlockpt: {}", std::io::Error::last_os_error());
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(libc::ptsname_r(m, name.as_mut_ptr(), name.len()), 0, "ptsname_r");
        let s = libc::open(name.as_ptr(), libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        assert!(s >= 0, "open the pty slave: {}", std::io::Error::last_os_error());
        let slave = OwnedFd::from_raw_fd(s);
        let mut t: libc::termios = std::mem::zeroed();
        assert_eq!(libc::tcgetattr(s, &mut t), 0, "tcgetattr");
        libc::cfmakeraw(&mut t);
        assert_eq!(libc::tcsetattr(s, libc::TCSANOW, &t), 0, "tcsetattr");
        (master, slave)
    }
}

/// The bytes waiting in the terminal's input: what the caller's shell
/// would read next (FIONREAD on the slave; raw mode, so every byte counts).
fn pending_input(slave: &OwnedFd) -> i32 {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int.
    let r = unsafe { libc::ioctl(slave.as_raw_fd(), libc::FIONREAD, &mut n) };
    assert_eq!(r, 0, "FIONREAD: {}", std::io::Error::last_os_error());
    n
}

/// The caller's session: a new session whose controlling terminal is the
/// pty slave, passed at fd 9 and made stdin (util-linux `setsid --ctty`
/// takes fd 0 as the terminal).
const CALLER: &[&str] = &["sh", "-c", "exec setsid --ctty --wait \"$@\" <&9 9<&-", "sh"];

/// What the workload types into the caller's shell.
const TYPED: &str = "echo PWNED\n";

/// TIOCSTI into the caller's terminal: started from an interactive shell,
/// with `process.terminal` false or absent, the workload pushes a command
/// into the terminal's input, which the caller's shell runs once the
/// container exits. The workload must not have the caller's terminal as
/// its controlling terminal (a new session, as runc and crun give it), so
/// the kernel refuses TIOCSTI (EPERM) and nothing waits in the input.
/// With `terminal: true` too: the caller's terminal is another session's
/// controlling terminal, which nsinit does not take. The control: the same program run directly in the caller's session does
/// push the command (this kernel has `dev.tty.legacy_tiocsti = 1`).
pub fn tiocsti(rt: Rt) {
    let (_m, slave) = pty();
    let dup = |fd: &OwnedFd| fd.try_clone().expect("dup the pty slave");
    let control = Run::new().wrap_argv(CALLER.iter().copied(), 1).program(prog("tiocsti")).arg(TYPED).fd(9, dup(&slave)).run();
    control.assert_code(0);
    let pushed = pending_input(&slave);
    assert_eq!(pushed, TYPED.len() as i32, "control: the program should push into its own terminal\n{control:?}");
    // Drain what the control pushed.
    let mut buf = [0u8; 64];
    // SAFETY: read(2) into a local buffer.
    let _ = unsafe { libc::read(slave.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    assert_eq!(pending_input(&slave), 0, "the terminal's input should be drained");
    for who in WORKLOADS {
        for terminal in [Some(false), None, Some(true)] {
            let mut b = who.bundle();
            let prog = install(&b, "tiocsti");
            args(&mut b, &[&prog, TYPED]);
            match terminal {
                Some(t) => b.config["process"]["terminal"] = json!(t),
                None => {
                    if let Some(p) = b.config["process"].as_object_mut() {
                        p.remove("terminal");
                    }
                }
            }
            let out = rt.run_with(&b, CALLER, |r| r.fd(9, dup(&slave)));
            let row = format!("{who:?}, terminal {terminal:?}");
            out.assert_code(0);
            assert_eq!(pending_input(&slave), 0, "{row}: the workload typed into the caller's terminal\n{out:?}");
            // With `terminal: true` crun gives the workload a pty of its
            // own, where TIOCSTI works (and harms nobody); nsinit does not
            // take a terminal that is another session's (a warning).
            if terminal != Some(true) || rt == Rt::Nsinit {
                assert!(out.stdout.contains("tiocsti: 0 of"), "{row}: TIOCSTI should fail\n{out:?}");
            }
        }
    }
}

/// PTRACE_TRACEME, then SIGSTOP: the workload asks PID 1 to trace it and
/// stops. A stop is not an exit: PID 1 must let it go on and return its
/// real status (42), not report 255 and tear the container down. The
/// kernel grants PTRACE_TRACEME only to a process whose permitted
/// capabilities are a subset of its parent's: so the workload runs as uid
/// 1000, or as root without capabilities (PID 1 keeps none), and the test
/// checks the request was granted. Under nsinit in both modes: with a
/// spec, and as a plain init (no spec; the workload switched to uid 1000 by
/// setpriv, which execs it).
pub fn traceme_stop(rt: Rt) {
    let mut no_caps = Who::Root.bundle();
    if let Some(p) = no_caps.config["process"].as_object_mut() {
        p.remove("capabilities");
    }
    for (row, mut b) in [("uid 1000", Who::User.bundle()), ("root without capabilities", no_caps)] {
        let prog = install(&b, "traceme");
        args(&mut b, &[&prog]);
        let out = rt.run_with(&b, &[], |r| known_crun_hang(rt, r));
        assert!(out.stdout.starts_with("traceme: ok\n"), "{row}: PTRACE_TRACEME was refused: the attack did not happen\n{out:?}");
        assert_eq!(out.code(), 42, "{row}: the workload's status after a ptrace stop\n{out:?}");
        assert!(out.stdout.contains("resumed"), "{row}: the workload never ran on\n{out:?}");
    }
    if rt == Rt::Nsinit {
        let dir = TempDir::new();
        let exe = dir.join("traceme");
        copy_file(&prog("traceme"), &exe);
        let setpriv = ["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups"];
        let out = Run::new().wrap(PID1).cmd(setpriv.iter().map(|s| s.to_string()).chain([exe.display().to_string()])).run();
        let granted = out.stdout.starts_with("traceme: ok\n");
        assert!(granted, "reaper mode: PTRACE_TRACEME was refused: the attack did not happen\n{out:?}");
        assert_eq!(out.code(), 42, "reaper mode: the workload's status after a ptrace stop\n{out:?}");
        assert!(out.stdout.contains("resumed"), "reaper mode: the workload never ran on\n{out:?}");
    }
}

/// The release_agent attack in a container with a cgroup namespace, whose
/// cgroup mount is not read-only: each v1 hierarchy is mounted afresh there
/// (mount/cgroup.rs, `mount_fresh`), rooted at the container's cgroup —
/// which is the hierarchy's root when the parent made no cgroup of its own
/// (this host: all but memory at `/`), so its release_agent is in view
/// and writable as far as the mount goes. The kernel must refuse the write
/// (CAP_SYS_ADMIN of the initial user namespace, and the initial cgroup
/// namespace). As root with runc's capabilities, Docker's profile, and no
/// capabilities object.
pub fn release_agent_cgroupns(rt: Rt) {
    let cgroupns = |mut b: Bundle| {
        b.config["linux"]["namespaces"].as_array_mut().expect("namespaces").push(json!({"type": "cgroup"}));
        for m in b.mounts().iter_mut().filter(|m| m["type"] == "cgroup") {
            m["options"] = json!(["nosuid", "noexec", "nodev", "relatime"]);
        }
        b
    };
    for who in [Who::Root, Who::Docker] {
        cgroup_attack(rt, &mut cgroupns(who.bundle()), "agent", &format!("{who:?}, cgroupns"));
    }
    let mut b = Who::Root.bundle();
    if let Some(p) = b.config["process"].as_object_mut() {
        p.remove("capabilities");
    }
    cgroup_attack(rt, &mut cgroupns(b), "agent", "no capabilities object, cgroupns");
}

/// The way around the masks a workload has without CAP_SYS_ADMIN: a user
/// namespace of its own (with mount, pid and network namespaces), where it
/// holds every capability, then a fresh proc and sysfs to read what the
/// masks hide (`/proc/timer_list`, `/sys/firmware`), or the masks
/// unmounted (`progs/masks.c`). The kernel allows a fresh proc or sysfs
/// there only when the container's is fully visible, and copies the masks
/// locked to what they cover: the masks (over files as well as
/// directories) must be in place for each refusal. As root with runc's
/// capabilities and as uid 1000 (Docker's profile refuses the unshare).
pub fn masks_from_userns(rt: Rt) {
    for who in [Who::Root, Who::User] {
        let out = run_prog(rt, &mut who.bundle(), "masks", &[]);
        assert!(out.stdout.starts_with("userns: entered\n"), "{who:?}: no user namespace: the attack did not run\n{out:?}");
        for l in out.stdout.lines().skip(1) {
            let held = l.contains(": denied ") || l.ends_with(": 0 bytes") || l.ends_with(": 0 entries");
            assert!(held, "{who:?}: {l}\n{out:?}");
        }
    }
    // The control: without masks and read-only paths the same workload
    // mounts a fresh proc and reads /proc/timer_list: the masks are what
    // the kernel refuses on.
    let mut b = Who::Root.bundle();
    b.config["linux"]["maskedPaths"] = json!([]);
    b.config["linux"]["readonlyPaths"] = json!([]);
    let out = run_prog(rt, &mut b, "masks", &[]);
    assert!(out.stdout.contains("mount proc: MOUNTED\n"), "control without masks: a fresh proc should mount\n{out:?}");
}
