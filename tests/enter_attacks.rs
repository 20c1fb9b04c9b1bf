//! Attacks on `nsinit --enter PID` and `scripts/exec` from the container
//! being entered (CONTRACT.md, "Entering a running container"): its
//! workload is root with runc's default capabilities, or it is the init
//! (a runc or crun container's init is its workload). Each test runs the
//! attack against nsinit and, where they are safe against it, against
//! `runc exec` and `crun exec` on the same bundle.
//!
//! The container's side waits on FIFOs in its rootfs (`/go*`) that the
//! test writes when it is time, and reports through FIFOs (`/out*`) that
//! the test reads: every step waits for the other side, never for a timer.

mod common;

use common::enter::*;
use common::*;
use std::fs;
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// The runc fixture without its ambient set (skipped with a warning each).
fn quiet_bundle() -> Bundle {
    let mut b = Bundle::new();
    b.config["process"]["capabilities"].as_object_mut().unwrap().remove("ambient");
    b
}

/// FIFOs `names` in the rootfs, for the container's side of the steps.
fn fifos(b: &Bundle, names: &[&str]) {
    for n in names {
        let p = std::ffi::CString::new(b.in_rootfs(n).to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads one NUL-terminated path.
        let r = unsafe { libc::mkfifo(p.as_ptr(), 0o600) };
        assert_eq!(r, 0, "mkfifo {n}: {}", std::io::Error::last_os_error());
    }
}

/// Lets the container's side go on: a line into FIFO `name` (blocks until
/// it opens it).
fn go(b: &Bundle, name: &str) {
    fs::write(b.in_rootfs(name), "\n").unwrap_or_else(|e| panic!("write {name}: {e}"));
}

/// What the container's side reports in FIFO `name` (blocks until it has
/// written and closed it).
fn report(b: &Bundle, name: &str) -> String {
    fs::read_to_string(b.in_rootfs(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

/// Whatever the master side of a pty has to read now, without waiting.
/// What the pty master shows until `want` is among it (or the hang guard
/// runs out, and what there is comes back).
fn until_seen(master: &OwnedFd, want: &str) -> String {
    let deadline = std::time::Instant::now() + HANG_GUARD;
    let mut seen = String::new();
    while !seen.contains(want) && std::time::Instant::now() < deadline {
        let mut p = libc::pollfd { fd: master.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: poll on one pollfd we own.
        unsafe { libc::poll(&mut p, 1, 100) };
        seen += &pending(master);
    }
    seen
}

fn pending(master: &OwnedFd) -> String {
    let mut f = fs::File::from(master.try_clone().unwrap());
    // SAFETY: fcntl on a descriptor we own.
    unsafe { libc::fcntl(master.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) };
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => text.extend_from_slice(&buf[..n]),
            Err(_) => break, // EAGAIN: nothing more now
        }
    }
    String::from_utf8_lossy(&text).into_owned()
}

fn scripts(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts").join(name)
}

/// The attacker, a process of the container (its workload, in the
/// background): once told (`/go1`), it finds the entered command (its argv
/// holds `entered-marker`), opens its stdin through /proc (a root process
/// of the container may: the command is its uid, dumpable, with no
/// capability the attacker lacks), reports (`/out1`); once the enter has
/// ended (`/go2`), it says whether what it holds is a terminal and writes
/// to it (`/out2`).
const GRAB_STDIN: &str = r#"
attack() {
    read _ < /go1
    m=entered; m=$m-marker; c=
    for p in /proc/[0-9]*; do
        case "$(tr '\0' ' ' < $p/cmdline 2>/dev/null)" in *"$m"*) c=${p#/proc/};; esac
    done
    if [ -n "$c" ] && (exec 5<>/proc/$c/fd/0) 2>/dev/null; then exec 5<>/proc/$c/fd/0; echo grabbed > /out1; else echo "refused $c" > /out1; fi
    read _ < /go2
    if [ -t 5 ]; then r=terminal; else r=not-a-terminal; fi
    echo INJECTED >&5
    echo "$r" > /out2
}
attack 2>/dev/null &
"#;

/// The entered command: says `started`, reads a line from its stdin (the
/// operator's terminal), ends.
const COMMAND: [&str; 4] = ["sh", "-c", "echo started; read x; echo \"got $x\"", "entered-marker"];

/// Who enters the container in [`the_operator_s_terminal_does_not_stay_in_the_container`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    /// `nsinit --enter PID` on a runc container's init, run directly.
    Nsinit,
    RuncExec,
    CrunExec,
    /// `scripts/exec` on what `scripts/run` started.
    ScriptsExec,
}

/// The operator enters with a terminal as stdin (their shell's pty); the
/// command reads a line from it and ends. A process of the container
/// opens the command's stdin through /proc/PID/fd/0 while it runs, and
/// keeps it. After the enter has ended, what it holds must not be the
/// operator's terminal: with it, the container reads what the operator
/// types to their host shell next, and writes to their screen (here
/// `INJECTED` arrives at the pty's master, the operator's side).
/// `runc exec` gives the command pipes of its own and copies the caller's
/// stdio through them (utils_linux.go setupProcessPipes): the container
/// holds a pipe, and writes into nothing. So does `nsinit --enter` now
/// (`pump`: it passed its stdio through before, as `crun exec` does, and
/// this row failed), and `scripts/exec`, which adds pipes of its own.
///
/// With `process.terminal` (`runc exec -t`, `crun exec -t`): runc gives
/// the command a pty of the container's and copies between its master and
/// the caller's terminal; the container holds that pty's slave, hung up
/// once the master closed (no terminal any more: `[ -t ]` fails), and its
/// write reaches nobody. So does nsinit now (`Pipes::pty`); before, it
/// gave the command the operator's terminal itself, and this row failed.
#[test]
fn the_operator_s_terminal_does_not_stay_in_the_container() {
    // (who, process.terminal, what the container holds after the enter,
    // whether its write reaches the operator's terminal)
    let rows = [
        (Who::RuncExec, false, "not-a-terminal", false),
        (Who::CrunExec, false, "terminal", true),
        (Who::Nsinit, false, "not-a-terminal", false),
        (Who::ScriptsExec, false, "not-a-terminal", false),
        (Who::RuncExec, true, "not-a-terminal", false),
        (Who::Nsinit, true, "not-a-terminal", false),
    ];
    for (who, terminal, held_want, injected) in rows {
        let mut b = quiet_bundle();
        fifos(&b, &["/go1", "/go2", "/out1", "/out2"]);
        let (master, slave) = pty();
        // The container: runc/crun detached, or scripts/run.
        let mut detached = None;
        let mut scripted = None;
        match who {
            Who::Nsinit | Who::RuncExec => detached = Some(Detached::start(Oci::Runc, &mut b, GRAB_STDIN)),
            Who::CrunExec => detached = Some(Detached::start(Oci::Crun, &mut b, GRAB_STDIN)),
            Who::ScriptsExec => {
                b.sh(&then_block(GRAB_STDIN));
                b.write();
                let mut r = Run::new().program(scripts("run")).arg(b.path()).env("NSINIT", nsinit()).stdin_pipe().spawn();
                r.expect_line("ready");
                scripted = Some(r);
            }
        }
        // The container starts without a terminal; the entered command
        // asks for one (runc's -t, the spec nsinit is given).
        b.config["process"]["terminal"] = serde_json::json!(terminal);
        let run = match who {
            Who::Nsinit => enter(detached.as_ref().unwrap().init_pid(), b.config_text()).cmd(COMMAND),
            Who::RuncExec => Run::new().program("/usr/sbin/runc").arg("exec").args(terminal.then_some("-t")).arg(&detached.as_ref().unwrap().id).args(COMMAND),
            Who::CrunExec => Run::new().program("/usr/bin/crun").arg("exec").args(terminal.then_some("-t")).arg(&detached.as_ref().unwrap().id).args(COMMAND),
            Who::ScriptsExec => Run::new().program(scripts("exec")).arg(b.path()).env("NSINIT", nsinit()).cmd(COMMAND),
        };
        let mut r = run.stdin_fd(slave.try_clone().unwrap()).spawn();
        // runc clears its pty's ONLCR from its parent once it has the
        // master, racing the command's first lines: "\r\n" there at times.
        let racy = |text: String| if who == Who::RuncExec { text.replace('\r', "") } else { text };
        assert_eq!(racy(r.line()), "started", "{who:?}, terminal {terminal}");
        go(&b, "/go1");
        assert_eq!(report(&b, "/out1"), "grabbed\n", "{who:?}: the container could not open the command's stdin");
        // The operator answers the command, which ends; so does the enter.
        std::io::Write::write_all(&mut fs::File::from(master.try_clone().unwrap()), b"go\n").unwrap();
        let out = r.wait();
        out.assert_code(0);
        // The pty echoes what the command reads (without "\r": runc and
        // nsinit clear its ONLCR).
        let want_out = if terminal { "started\ngo\ngot go\n" } else { "started\ngot go\n" };
        assert_eq!(racy(out.stdout.clone()), want_out, "{who:?}, terminal {terminal}\n{out:?}");
        let _ = pending(&master); // the echo of "go"
        go(&b, "/go2");
        let held = report(&b, "/out2");
        // A pty's output reaches the master through the kernel's flip
        // buffer, later: when the write is expected, wait for it (the hang
        // guard bounds the wait); when not, the container held no terminal
        // to write to, as `held` says.
        let screen = if injected { until_seen(&master, "INJECTED") } else { pending(&master) };
        let got = (held.trim_end(), screen.contains("INJECTED"));
        assert_eq!(
            got,
            (held_want, injected),
            "{who:?}, terminal {terminal}: (what the container holds after the enter, whether its write reached the operator's terminal)"
        );
        if let Some(mut s) = scripted {
            s.close_stdin();
            s.wait().assert_code(0);
        }
        drop(detached);
    }
}

/// What the entered command shows of where it is: its user namespace's
/// map, its uid, whether it sees the attacker's mount.
const WHERE: &str = "echo map $(cat /proc/self/uid_map); echo \"uid $(id -u)\"; test -e /planted/by-attacker && echo attacker-mounts || echo container-mounts";

/// A container whose workload (its init: runc and crun run it as the
/// container's init) runs as uid 1000, with no capability, and moves
/// itself, keeping its pid, into a user namespace of its own (where it is
/// root, mapped to its uid 1000) and a mount namespace of its own, where
/// it mounts what it likes (here a tmpfs with a file on /planted: it could
/// as well cover /bin). Then the operator enters it as root (uid 0, the
/// container's capabilities).
///
/// nsinit joins the init's namespaces as they are, the user namespace
/// first: the command's uid 0 is the attacker's uid 1000 on the host, its
/// capabilities are in the attacker's namespace only — no more than the
/// attacker has, in the mounts it built. `runc exec` joins only the
/// namespace types of the config (no user namespace) but each as the init
/// has it now: the command is real root, with the container's
/// capabilities, in a mount namespace a uid-1000 process built (runc
/// would run a /bin/sh of the attacker's as root). `crun exec` joins the
/// user namespace and then cannot join the rest (net, owned by the host's): refused.
#[test]
fn an_init_in_namespaces_of_its_own() {
    for oci in [Oci::Runc, Oci::Crun] {
        let mut b = quiet_bundle();
        b.config["root"]["readonly"] = serde_json::json!(false);
        b.config["process"]["user"] = serde_json::json!({"uid": 1000, "gid": 1000});
        fs::create_dir(b.in_rootfs("/planted")).unwrap();
        std::os::unix::fs::chown(b.in_rootfs("/planted"), Some(1000), Some(1000)).unwrap();
        let inner = "mount -t tmpfs t /planted && touch /planted/by-attacker && echo ready; read _";
        // unshare execs: the init's pid stays, its namespaces change.
        let d = Detached::start_with(oci, &mut b, &format!("exec unshare -r -m sh -c {}", shell_quote(inner)), &[]);
        let pid = d.init_pid();
        let x = oci.ctl(&["exec", "--user", "0:0", &d.id, "sh", "-c", WHERE]);
        let mut root = b.config.clone();
        root["process"]["user"] = serde_json::json!({"uid": 0, "gid": 0});
        let n = enter(pid, serde_json::to_string(&root).unwrap()).sh(WHERE).run();
        n.assert_code(0);
        assert_eq!(n.stdout, "map 0 1000 1\nuid 0\nattacker-mounts\n", "{}: nsinit --enter\n{n:?}", oci.name());
        match oci {
            Oci::Runc => {
                x.assert_code(0);
                assert_eq!(x.stdout, "map 0 0 4294967295\nuid 0\nattacker-mounts\n", "runc exec: real root in the attacker's mounts\n{x:?}");
            }
            Oci::Crun => {
                x.assert_code(1);
                // (It joined the user namespace; then one it does not own.)
                assert!(x.stderr.contains("setns `") && x.stderr.contains("`: Operation not permitted"), "crun exec\n{x:?}");
            }
        }
        d.stop();
    }
}

/// A virtual console of the host's that is not allocated now (its
/// /sys/class/vc/vcsN appears once something opens /dev/ttyN, and stays
/// until VT_DISALLOCATE), or None on a kernel without virtual consoles.
fn free_console() -> Option<u32> {
    if !Path::new("/sys/class/vc").is_dir() {
        return None;
    }
    (2..64).rev().find(|n| !Path::new(&format!("/sys/class/vc/vcs{n}")).exists())
}

/// Gives virtual console `n` back (VT_DISALLOCATE on /dev/tty0), so a
/// failed run leaves the host as it found it.
fn release_console(n: u32) {
    if let Ok(tty0) = fs::OpenOptions::new().read(true).write(true).open("/dev/tty0") {
        // SAFETY: VT_DISALLOCATE takes an integer argument.
        unsafe { libc::ioctl(tty0.as_raw_fd(), 0x5608, n as libc::c_ulong) };
    }
}

/// The container's root, with CAP_MKNOD (in Docker's default set), puts a
/// device of its choosing at /dev/ptmx (here virtual console N, 4:N, whose
/// open allocates it on the host: it stays, seen in /sys/class/vc); the
/// operator enters with `process.terminal`. nsinit, host root in the
/// container's namespaces, must not open it: it checked the device only
/// after its open, whose side effects (a console allocated, a watchdog
/// started, a tape rewound, a modem's lines raised) had happened by then.
/// It now takes the pty multiplexer of the container's devpts,
/// /dev/pts/ptmx, whose mount is checked before anything is opened in it
/// (as runc does since CVE-2025-52565: safeAllocPty, checkPtmxHandle).
/// runc's own containers have a device cgroup that refuses such an open
/// to whatever joins them; `scripts/run`'s have none.
#[test]
fn a_device_planted_at_dev_ptmx_is_not_opened() {
    let Some(vt) = free_console() else {
        eprintln!("no virtual consoles on this kernel: nothing to observe");
        return;
    };
    let mut b = quiet_bundle();
    for set in ["bounding", "effective", "permitted"] {
        b.config["process"]["capabilities"][set].as_array_mut().unwrap().push(serde_json::json!("CAP_MKNOD"));
    }
    let t = Target::start_with(&mut b, None, &format!("rm -f /dev/ptmx && mknod /dev/ptmx c 4 {vt} && ls -l /dev/ptmx"));
    assert!(t.view.starts_with('c'), "the container could not plant its device\n{}", t.view);
    b.config["process"]["terminal"] = serde_json::json!(true);
    let (_master, slave) = pty();
    let out = enter(t.init(), b.config_text()).cmd(["sh", "-c", "tty"]).stdin_fd(slave).run();
    let allocated = Path::new(&format!("/sys/class/vc/vcs{vt}")).exists();
    if allocated {
        release_console(vt);
    }
    assert!(!allocated, "nsinit opened the container's /dev/ptmx (virtual console {vt}) as host root\n{out:?}");
    out.assert_code(0);
    assert!(out.stdout.starts_with("/dev/pts/"), "not a pty of the container's devpts\n{out:?}");
    t.stop();
}

/// Root entering a rootless container: the user who started it owns the
/// container's user namespace, so it holds CAP_KILL over every process in
/// it. nsinit once joined that namespace itself, and the user could then
/// SIGSTOP root's nsinit (holding the operator's terminal raw and the
/// command's output) or SIGKILL it. It stays in the host's now and only
/// the command joins (src/enter.rs), as `runc exec` stays on the host and
/// only its `runc init` joins. The control: the same user signals the
/// command, its container's process.
#[test]
fn the_rootless_user_cannot_signal_root_s_nsinit() {
    let mut b = Bundle::rootless();
    let t = Target::start_with(&mut b, None, "true");
    let mut r = enter(t.init(), b.config_text()).stdin_pipe().sh("echo ready; read _; true").spawn();
    r.expect_line("ready");
    let (nsinit, cmd) = (r.nsinit_pid(), r.descendant(1));
    let uid = rootless_uid();
    let kill_as_user = |sig: &str, pid: i32| {
        let ids = [format!("--reuid={uid}"), format!("--regid={uid}"), "--clear-groups".into()];
        run_command(std::process::Command::new("setpriv").args(ids).args(["kill", &format!("-{sig}"), &pid.to_string()]))
    };
    for sig in ["STOP", "KILL"] {
        let k = kill_as_user(sig, nsinit);
        assert_ne!(k.code(), 0, "the rootless user sent SIG{sig} to root's entering nsinit\n{k:?}");
        assert!(k.stderr.contains("not permitted"), "{k:?}");
    }
    let control = kill_as_user("CONT", cmd);
    assert_eq!(control.code(), 0, "the rootless user signals its container's command (the control)\n{control:?}");
    r.close_stdin();
    let out = r.wait();
    out.assert_code(0);
    t.stop();
}

/// HOME comes from the container's /etc/passwd read with the container's
/// credentials (the child looks it up, after joining the user namespace):
/// root entering a rootless container stays outside its user namespace
/// (above) and could read what the container cannot. Here /etc/passwd
/// becomes host root's, mode 0600, once the container runs: a uid its user
/// namespace does not map, so the command cannot read it (the control), and
/// gets `HOME=/` from it as from no file, not the home its line names.
#[test]
fn home_is_read_as_the_container_reads_it() {
    use std::os::unix::fs::PermissionsExt;
    let mut b = Bundle::rootless();
    let env = b.config["process"]["env"].as_array().unwrap();
    assert!(!env.iter().any(|e| e.as_str().unwrap().starts_with("HOME=")), "the fixture gives no HOME");
    let t = Target::start_with(&mut b, None, "true");
    // After the start: the bundle is the rootless user's until then.
    let passwd = b.in_rootfs("/etc/passwd");
    fs::write(&passwd, "root:x:0:0:root:/root-only-home:/bin/sh\n").unwrap();
    std::os::unix::fs::lchown(&passwd, Some(0), Some(0)).unwrap();
    fs::set_permissions(&passwd, fs::Permissions::from_mode(0o600)).unwrap();
    let out = enter(t.init(), b.config_text()).sh("cat /etc/passwd >/dev/null 2>&1 || echo unreadable; echo \"home=$HOME\"").run();
    out.assert_code(0);
    assert_eq!(out.stdout, "unreadable\nhome=/\n", "the entered command's HOME\n{out:?}");
    t.stop();
}

/// A target of `--enter` made by hand: a mount and a PID namespace made by
/// host root, where `/etc/passwd` is `passwd` (bound over it), and in them
/// a shell of the rootless user's in a user namespace of its own with the
/// map `map` (unshare's flags). Returns the running tree and the shell's
/// host pid; the shell blocks until its stdin closes.
fn own_userns_target(passwd: &Path, map: &str) -> (std::process::Child, i32) {
    let uid = rootless_uid();
    let inner = format!("exec setpriv --reuid={uid} --regid={uid} --clear-groups unshare --user {map} sh -c 'echo ready; read _'");
    target_by_hand(&format!("mount --bind {} /etc/passwd && {inner}", shell_quote(passwd.to_str().unwrap())))
}

/// `script` run by sh in a mount and a PID namespace made by host root
/// (`unshare --fork`, so sh is that namespace's first process), once it
/// has said `ready`: the running tree and sh's host pid (after an `exec`,
/// the target's).
fn target_by_hand(script: &str) -> (std::process::Child, i32) {
    use std::io::BufRead;
    let mut c = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "sh", "-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(c.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n", "the target did not start");
    let pid = children(c.id() as i32)[0];
    (c, pid)
}

/// HOME is read as the container reads it (above) also when the
/// container's user namespace maps no uid 0 (a rootless user may map only
/// its own uid, here as 1000; setgroups is denied then): the child's
/// `setresuid(0)` fails there (EINVAL), and it went on with host root's
/// uid, which owns a file of host root's — mode 0600, bound over the
/// container's /etc/passwd — and read the home it names, which the
/// command itself cannot read (the control). It now becomes the spec's
/// user there instead (runc refuses such a namespace: "failed to become
/// root in user namespace"). The row that maps 0 is the case
/// `home_is_read_as_the_container_reads_it` covers; both keep the spec's
/// ids, no supplementary group of host root's, and the capabilities
/// execve gives them.
#[test]
fn home_is_not_read_as_host_root_where_0_is_unmapped() {
    const WHO_AND_HOME: &str = "echo \"uid $(id -u) gid $(id -g) groups $(id -G)\"; echo \"caps $(sed -n 's/^CapEff:\t//p' /proc/self/status)\"; cat /etc/passwd >/dev/null 2>&1 || echo unreadable; echo \"home=$HOME\"";
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new();
    let passwd = dir.join("passwd");
    fs::write(&passwd, "a:x:0:0::/host-root-only-0:/bin/sh\nb:x:1000:1000::/host-root-only-1000:/bin/sh\n").unwrap();
    fs::set_permissions(&passwd, fs::Permissions::from_mode(0o600)).unwrap();
    // The rootless user must reach the file's directory to be refused by its mode.
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    // (unshare's map, the spec's uid and gid, the command's CapEff: runc's
    // rootless set for root; none for uid 1000 without ambient ones, as
    // execve gives a non-root user)
    for (map, uid, caps) in [("--map-root-user", 0, "0000000020000420"), ("--map-user=1000 --map-group=1000", 1000, "0000000000000000")] {
        let (mut target, pid) = own_userns_target(&passwd, map);
        let mut spec = fixture("runc-spec-rootless-config.json");
        spec["process"]["terminal"] = serde_json::json!(false);
        spec["process"]["user"] = serde_json::json!({"uid": uid, "gid": uid});
        spec["process"]["capabilities"].as_object_mut().unwrap().remove("ambient");
        let out = enter(pid, spec.to_string()).sh(WHO_AND_HOME).run();
        drop(target.stdin.take());
        let _ = target.wait();
        out.assert_code(0);
        let want = format!("uid {uid} gid {uid} groups {uid}\ncaps {caps}\nunreadable\nhome=/\n");
        assert_eq!(out.stdout, want, "{map}: the entered command\n{out:?}");
    }
}

/// Root entering a rootless container: the command's stdio — the pipes
/// nsinit copies through, or with `process.terminal` the pty's slave —
/// should be the command's user's (here the container's root), as with
/// `runc exec` and `runc exec -t` by root on a rootless runc container
/// (checked by hand: "owner 0", the reopen works, both ways): runc hands
/// its pipes to the container's root from the host (process.go
/// `InitializeIO`, fchown to the root's host uid) and makes the pty in the
/// container, as its root. nsinit, host root, makes both owned by host
/// root's uid (65534 inside: unmapped), and the child, once the
/// namespace's root, cannot chown what its namespace does not map
/// (`hand_stdio_to`'s fchown is refused, silently): the command cannot
/// reopen its own stdout (`/dev/stdout`, `/proc/self/fd/1`: EACCES) nor
/// its tty by name; `/dev/tty` itself works. The same before 921f8d7.
/// Now PID 1 hands the command's ends to the ids the child becomes, read
/// from /proc/PID/uid_map and gid_map before the join (src/enter.rs
/// `Outside::owner`).
#[test]
fn root_entering_a_rootless_container_hands_the_command_its_stdio() {
    const STDIO: &str = "echo \"owner $(stat -L -c %u /proc/$$/fd/1)\"; (echo reopened > /proc/self/fd/1) 2>/dev/null || echo refused; (: > /dev/tty) 2>/dev/null && echo dev-tty || echo no-dev-tty";
    let mut b = Bundle::rootless();
    let t = Target::start_with(&mut b, None, "true");
    let mut got = Vec::new();
    for terminal in [false, true] {
        b.config["process"]["terminal"] = serde_json::json!(terminal);
        let (_master, slave) = pty();
        let out = enter(t.init(), b.config_text()).sh(STDIO).stdin_fd(slave).run();
        out.assert_code(0);
        got.push((terminal, out.stdout.replace('\r', "")));
    }
    t.stop();
    // /dev/tty works either way (its open checks /dev/tty's mode, not the
    // slave's): only with a terminal is there one.
    let want = [(false, "owner 0\nreopened\nno-dev-tty\n".to_string()), (true, "owner 0\nreopened\ndev-tty\n".to_string())];
    assert_eq!(got, want, "(process.terminal, what the command says of its stdout)");
}

/// The owner of the command's stdio (`Outside::owner`) comes from the whole
/// of PID's uid_map and gid_map, however long: the kernel prints each of up
/// to 340 ranges as 33 bytes ("%10u %10u %10u\n", 11 KiB in all, sorted by
/// the inside id), and nsinit read the first 4 KiB of them — 124 lines.
/// Here host root maps 200 single ids (1000-1199 inside, 0 not mapped) and
/// the spec's user is 1190, on line 191: nsinit found no id, left the
/// pipes host root's, and the command could not reopen its own stdout
/// (`owner 65534`, refused), the case 9555754 fixed for a short map.
#[test]
fn the_stdio_owner_is_read_from_a_long_map() {
    let (mut c, pid) = target_by_hand("exec unshare --user sh -c 'echo ready; read _'");
    let map: String = (0..200).map(|i| format!("{} {} 1\n", 1000 + i, 200000 + i)).collect();
    for f in ["uid_map", "gid_map"] {
        fs::write(format!("/proc/{pid}/{f}"), &map).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
    assert!(fs::read_to_string(format!("/proc/{pid}/uid_map")).unwrap().len() > 4096, "the map as the kernel prints it");
    let mut spec = fixture("runc-spec-rootless-config.json");
    spec["process"]["terminal"] = serde_json::json!(false);
    spec["process"]["user"] = serde_json::json!({"uid": 1190, "gid": 1190});
    spec["process"]["capabilities"].as_object_mut().unwrap().remove("ambient");
    let out = enter(pid, spec.to_string())
        .sh("exec 3>&1; echo \"owner $(stat -L -c %u /proc/self/fd/3 2>&1)\"; (echo reopened > /proc/self/fd/1) 2>/dev/null || echo refused")
        .run();
    drop(c.stdin.take());
    let _ = c.wait();
    out.assert_code(0);
    assert_eq!(out.stdout, "owner 1190\nreopened\n", "the entered command's stdout\n{out:?}");
}

/// With `process.terminal`, the pty's slave keeps the group its devpts
/// gives it (`gid=5`, tty, in `runc spec`'s mount), as under `runc exec -t`,
/// whose init opens the pty in the container: only the owner is the
/// namespace's root. Root entering a container with a user namespace of
/// its own (here runc's, 65,536 ids from 100000) hands the command's ends
/// to the ids the child becomes (`Pipes::hand_to`); the slave's group became
/// root's, and the terminal was no longer the tty group's.
#[test]
fn the_pty_slave_keeps_its_devpts_group() {
    const OWNER: &str = "stat -L -c '%u %g %a' /proc/self/fd/0";
    let mut b = Bundle::new();
    let map = serde_json::json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
    b.config["linux"]["uidMappings"] = map.clone();
    b.config["linux"]["gidMappings"] = map;
    b.config["linux"]["namespaces"].as_array_mut().unwrap().push(serde_json::json!({"type": "user"}));
    let devpts = b.mounts().iter().find(|m| m["type"] == "devpts").expect("a devpts mount").clone();
    assert!(devpts["options"].as_array().unwrap().iter().any(|o| o == "gid=5"), "{devpts}");
    b.config["process"]["capabilities"].as_object_mut().unwrap().remove("ambient");
    let d = Detached::start(Oci::Runc, &mut b, "true");
    let runc = run_command(std::process::Command::new("script").args(["-qec", &format!("runc exec -t {} sh -c \"{OWNER}\"", d.id), "/dev/null"]).env_clear().env("PATH", PATH));
    runc.assert_code(0);
    let mut spec = b.config.clone();
    spec["process"]["terminal"] = serde_json::json!(true);
    let (_master, slave) = pty();
    let ours = enter(d.init_pid(), spec.to_string()).sh(OWNER).stdin_fd(slave).run();
    d.stop();
    ours.assert_code(0);
    // script(1) echoes a NUL it sends ("^@") before the output.
    let runc_says = runc.stdout.replace('\r', "").trim_start_matches("^@").to_string();
    assert_eq!(runc_says, "0 5 620\n", "runc exec -t\n{runc:?}");
    assert_eq!(ours.stdout.replace('\r', ""), runc_says, "nsinit --enter with a terminal, beside runc exec -t\n{ours:?}");
}
