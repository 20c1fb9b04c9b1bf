//! The container's identity and system fields (CONTRACT.md "The spec":
//! `hostname`, `domainname`, `linux.sysctl`, `linux.namespaces` (loopback),
//! `process.rlimits`, `process.oomScoreAdj`, `process.user`, `process.cwd`,
//! `process.env`, `process.terminal`, capabilities; "Command line":
//! `--trace`), each checked from inside the container: `hostname`, `id`,
//! `/proc/self/status`, `/proc/self/limits`, `/sys/class/net/lo`, a TCP
//! round trip on 127.0.0.1. Failure rows assert 125, the exact line, and an
//! empty stdout (the workload would print).

mod common;

use common::*;
use serde_json::json;
use std::fs;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::{MetadataExt, PermissionsExt};

/// Runs `b` with `script` as the workload and expects exit 0.
fn run_ok(b: &mut Bundle, script: &str) -> Output {
    b.sh(script);
    let out = b.run();
    out.assert_code(0);
    out
}

/// Whether this process has CAP_SYS_RESOURCE in its effective set (raising
/// a hard rlimit and lowering oom_score_adj need it; root in this VM lacks
/// it).
fn have_cap_sys_resource() -> bool {
    let status = fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let eff = status.lines().find_map(|l| l.strip_prefix("CapEff:")).expect("CapEff line");
    let bits = u64::from_str_radix(eff.trim(), 16).expect("CapEff hex");
    const CAP_SYS_RESOURCE: u32 = 24;
    bits & (1 << CAP_SYS_RESOURCE) != 0
}

#[test]
fn hostname_and_domainname() {
    let before = fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let mut b = Bundle::new();
    b.config["hostname"] = json!("nsinit-host");
    b.config["domainname"] = json!("example.org");
    let out = run_ok(&mut b, &sections(&[("hostname", "hostname"), ("domainname", "cat /proc/sys/kernel/domainname")]));
    assert_eq!(out.section("hostname"), "nsinit-host\n");
    assert_eq!(out.section("domainname"), "example.org\n");
    assert_eq!(fs::read_to_string("/proc/sys/kernel/hostname").unwrap(), before, "the host's name changed");
}

/// A hostname or domainname with no `uts` namespace in the spec would
/// rename the host: runc refuses it ("unable to set hostname without a
/// private UTS namespace"), as nsinit refuses such sysctls. (The test's
/// parent still makes a UTS namespace, so the host is safe either way.)
#[test]
fn hostname_without_uts_namespace_is_refused() {
    for field in ["hostname", "domainname"] {
        let mut b = Bundle::new();
        b.without_namespace("uts");
        // The runc config has a hostname: only `field` is set here.
        b.config.as_object_mut().unwrap().remove("hostname");
        b.config[field] = json!("leaked");
        b.sh("echo ran");
        let out = b.run();
        out.assert_code(125);
        assert!(out.stdout.is_empty(), "{out:?}");
        assert!(out.stderr.starts_with(&format!("nsinit: spec: {field}: ")) && out.stderr.lines().count() == 1, "{out:?}");
    }
}

/// Namespaced sysctls are written in the container's namespaces; the
/// host's values do not change. (readonlyPaths without /proc/sys: see the
/// next test.)
#[test]
fn sysctls_are_written() {
    let host_forward = fs::read_to_string("/proc/sys/net/ipv4/ip_forward").unwrap();
    let host_shmmax = fs::read_to_string("/proc/sys/kernel/shmmax").unwrap();
    let mut b = Bundle::new();
    b.config["linux"]["readonlyPaths"] = json!(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sysrq-trigger"]);
    b.config["linux"]["sysctl"] = json!({"net.ipv4.ip_forward": "1", "kernel.shmmax": "123456789", "net/ipv4/tcp_syncookies": "0"});
    let out = run_ok(&mut b, "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/net/ipv4/tcp_syncookies");
    assert_eq!(out.stdout, "1\n123456789\n0\n");
    assert_eq!(fs::read_to_string("/proc/sys/net/ipv4/ip_forward").unwrap(), host_forward);
    assert_eq!(fs::read_to_string("/proc/sys/kernel/shmmax").unwrap(), host_shmmax);
}

/// Sysctls of `lo` beside runc: nsinit brings `lo` up in the child, after
/// PID 1 has written the sysctls, where runc brings it up first; the end
/// state is the same (IPv6 off on lo: no ::1 either way).
#[test]
fn loopback_sysctls_as_under_runc() {
    let mut b = Bundle::new();
    b.config["linux"]["sysctl"] = json!({"net.ipv6.conf.lo.disable_ipv6": "1", "net.ipv4.conf.lo.accept_local": "1"});
    b.sh("echo '== if_inet6'; cat /proc/net/if_inet6; echo '== lo'; cat /sys/class/net/lo/flags /proc/sys/net/ipv6/conf/lo/disable_ipv6 /proc/sys/net/ipv4/conf/lo/accept_local; echo '== route'; cat /proc/net/route");
    let ours = b.run();
    ours.assert_code(0);
    let runc = runc_run(&b);
    runc.assert_code(0);
    assert_eq!(ours.stdout, runc.stdout, "{ours:?}\n{runc:?}");
    assert_eq!(ours.section("if_inet6"), "", "{ours:?}");
    assert_eq!(ours.section("lo"), "0x9\n1\n1\n", "{ours:?}");
}

/// runc writes the sysctls before it makes readonlyPaths read-only, so a
/// sysctl works with `runc spec`'s (and Docker's) default /proc/sys.
#[test]
fn sysctl_with_the_default_readonly_proc_sys() {
    let mut b = Bundle::new();
    b.config["linux"]["sysctl"] = json!({"net.ipv4.ip_forward": "1"});
    let out = run_ok(&mut b, "cat /proc/sys/net/ipv4/ip_forward");
    assert_eq!(out.stdout, "1\n");
}

/// A sysctl that is not namespaced, or whose namespace the spec does not
/// list, is refused before anything changes.
#[test]
fn sysctls_refused_at_spec_time() {
    let rows: &[(&str, Option<&str>, &str)] = &[
        ("vm.swappiness", None, "nsinit: spec: linux.sysctl.vm.swappiness: not namespaced: it would change the host"),
        ("kernel.panic", None, "nsinit: spec: linux.sysctl.kernel.panic: not namespaced: it would change the host"),
        ("net.ipv4.ip_forward", Some("network"), "nsinit: spec: linux.sysctl.net.ipv4.ip_forward: needs a network namespace"),
        ("kernel.shmmax", Some("ipc"), "nsinit: spec: linux.sysctl.kernel.shmmax: needs an ipc namespace"),
    ];
    for (key, drop_ns, line) in rows {
        let mut b = Bundle::new();
        if let Some(ns) = drop_ns {
            b.without_namespace(ns);
        }
        b.config["linux"]["sysctl"] = json!({ *key: "1" });
        b.sh("echo ran");
        b.run().assert_failed(line);
    }
}

/// (soft, hard) of `resource` for this process, which nsinit inherits.
fn getrlimit(resource: libc::c_int) -> (u64, u64) {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one rlimit.
    assert_eq!(unsafe { libc::getrlimit(resource, &mut r) }, 0);
    (r.rlim_cur, r.rlim_max)
}

/// /proc/self/limits shows RLIM_INFINITY as "unlimited".
fn shown(v: u64) -> String {
    if v == libc::RLIM_INFINITY { "unlimited".into() } else { v.to_string() }
}

/// (soft, hard) as the line `name` of /proc/self/limits shows them.
fn limit_line(limits: &str, name: &str) -> (String, String) {
    let line = limits.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name} in\n{limits}"));
    let mut f = line[name.len()..].split_whitespace();
    (f.next().unwrap().to_string(), f.next().unwrap().to_string())
}

/// `process.rlimits`: lowering (soft and hard) always works and shows in
/// the workload's /proc/self/limits; raising a hard limit needs
/// CAP_SYS_RESOURCE, which root lacks here: 125.
#[test]
fn rlimits() {
    let (_, nofile_hard) = getrlimit(libc::RLIMIT_NOFILE);
    let (_, stack_hard) = getrlimit(libc::RLIMIT_STACK);
    let (nproc_soft, nproc_hard) = getrlimit(libc::RLIMIT_NPROC);
    let mut b = Bundle::new();
    b.config["process"]["rlimits"] = json!([
        {"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
        {"type": "RLIMIT_STACK", "soft": 1048576, "hard": stack_hard},
        {"type": "RLIMIT_NPROC", "soft": nproc_soft.min(1000) / 2, "hard": nproc_hard.min(1000)},
    ]);
    let limits = run_ok(&mut b, "cat /proc/self/limits").stdout;
    assert_eq!(limit_line(&limits, "Max open files"), ("100".into(), "200".into()));
    assert_eq!(limit_line(&limits, "Max core file size"), ("0".into(), "0".into()));
    assert_eq!(limit_line(&limits, "Max stack size"), ("1048576".into(), shown(stack_hard)));
    assert_eq!(limit_line(&limits, "Max processes"), ((nproc_soft.min(1000) / 2).to_string(), nproc_hard.min(1000).to_string()));

    // The raise, unless this process may raise (CAP_SYS_RESOURCE).
    if nofile_hard == libc::RLIM_INFINITY || have_cap_sys_resource() {
        eprintln!("skipped: raising the hard RLIMIT_NOFILE is allowed here");
        return;
    }
    let mut b = Bundle::new();
    b.config["process"]["rlimits"] = json!([{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": nofile_hard + 1}]);
    b.sh("echo ran");
    b.run().assert_failed("nsinit: rlimit: RLIMIT_NOFILE: EPERM: operation not permitted");
}

/// `process.oomScoreAdj`: a positive value is the workload's; a negative
/// one needs CAP_SYS_RESOURCE: 125 without it.
#[test]
fn oom_score_adj() {
    let own = fs::read_to_string("/proc/self/oom_score_adj").unwrap();
    let mut b = Bundle::new();
    b.config["process"]["oomScoreAdj"] = json!(500);
    assert_eq!(run_ok(&mut b, "cat /proc/self/oom_score_adj").stdout, "500\n");
    assert_eq!(fs::read_to_string("/proc/self/oom_score_adj").unwrap(), own, "the test's own score changed");

    let mut b = Bundle::new();
    b.config["process"]["oomScoreAdj"] = json!(-500);
    if have_cap_sys_resource() {
        assert_eq!(run_ok(&mut b, "cat /proc/self/oom_score_adj").stdout, "-500\n");
        return;
    }
    b.sh("echo ran");
    b.run().assert_failed("nsinit: oom_score_adj: /proc/self/oom_score_adj: EACCES: permission denied");
}

/// `process.user`: uid, gid and additional gids as `id` and the kernel see
/// them; no additional gids leaves none (not root's).
#[test]
fn user_and_groups() {
    let script = sections(&[("id", "id"), ("status", "grep -E '^(Uid|Gid|Groups):' /proc/self/status")]);
    let mut b = Bundle::new();
    b.config["process"]["user"] = json!({"uid": 1, "gid": 1, "additionalGids": [5, 4242, 65534]});
    let out = run_ok(&mut b, &script);
    assert_eq!(out.section("id"), "uid=1(daemon) gid=1(daemon) groups=5(tty),4242,65534(nogroup)\n");
    assert_eq!(out.section("status"), "Uid:\t1\t1\t1\t1\nGid:\t1\t1\t1\t1\nGroups:\t5 4242 65534 \n");

    let mut b = Bundle::new();
    b.config["process"]["user"] = json!({"uid": 65534, "gid": 65534});
    let out = run_ok(&mut b, &script);
    assert_eq!(out.section("id"), "uid=65534(nobody) gid=65534(nogroup)\n");
    assert_eq!(out.section("status"), "Uid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\nGroups:\t \n");
}

/// `process.user.umask`: 0022 when absent (whatever the parent's is), the
/// given one otherwise; files are created with it.
#[test]
fn umask() {
    for (umask, want, mode) in [(None, "0022", "644"), (Some(0o027), "0027", "640"), (Some(0), "0000", "666")] {
        let mut b = Bundle::new();
        b.config["root"]["readonly"] = json!(false);
        if let Some(u) = umask {
            b.config["process"]["user"]["umask"] = json!(u);
        }
        b.sh("umask; touch /tmp/f; stat -c %a /tmp/f");
        // The parent's umask must not leak through.
        let out = b
            .runner()
            .pre_exec(|| {
                // SAFETY: umask(2) is async-signal-safe and cannot fail.
                unsafe { libc::umask(0o077) };
                Ok(())
            })
            .run();
        out.assert_code(0);
        assert_eq!(out.stdout, format!("{want}\n{mode}\n"), "umask {umask:?}");
    }
}

/// `process.cwd`: created if missing (by root, mode 0755, before the user
/// switch) and entered as the user; one the user may not enter, or a file,
/// is 125.
#[test]
fn cwd() {
    let mut b = Bundle::new();
    b.config["process"]["cwd"] = json!("/work/here");
    b.config["process"]["user"] = json!({"uid": 1, "gid": 1});
    assert_eq!(run_ok(&mut b, "pwd").stdout, "/work/here\n");
    let m = fs::metadata(b.in_rootfs("/work/here")).unwrap();
    assert!(m.is_dir() && m.permissions().mode() & 0o7777 == 0o755 && m.uid() == 0, "{m:?}");

    let mut b = Bundle::new();
    fs::create_dir(b.in_rootfs("/secret")).unwrap();
    fs::set_permissions(b.in_rootfs("/secret"), fs::Permissions::from_mode(0o700)).unwrap();
    b.config["process"]["cwd"] = json!("/secret");
    b.config["process"]["user"] = json!({"uid": 1, "gid": 1});
    b.sh("echo ran");
    b.run().assert_failed("nsinit: cwd: /secret: EACCES: permission denied");

    let mut b = Bundle::new();
    b.config["process"]["cwd"] = json!("/etc/passwd");
    b.sh("echo ran");
    b.run().assert_failed("nsinit: cwd: /etc/passwd: ENOTDIR: not a directory");
}

/// `process.env` is the whole environment, plus HOME from the container's
/// /etc/passwd (or `/`) when absent, as runc and crun do. `env` runs
/// without a shell, so its output is exactly what nsinit passed.
#[test]
fn env_and_home() {
    let rows: &[(u32, &[&str], &str)] = &[
        (0, &["A=1", "PATH=/bin"], "A=1\nPATH=/bin\nHOME=/root\n"),
        (1, &["A=1"], "A=1\nHOME=/\n"),
        (65534, &[], "HOME=/nonexistent\n"),
        (4242, &["B=2"], "B=2\nHOME=/\n"),
        (0, &["HOME=/custom", "C=3"], "HOME=/custom\nC=3\n"),
    ];
    for (uid, env, want) in rows {
        let mut b = Bundle::new();
        b.config["process"]["user"] = json!({"uid": uid, "gid": uid});
        b.config["process"]["env"] = json!(env);
        b.config["process"]["args"] = json!(["/bin/env"]);
        let out = b.run();
        out.assert_code(0);
        assert_eq!(out.stdout, *want, "uid {uid} env {env:?}");
    }
}

/// An image's /etc/passwd of a terabyte (sparse: zeros) does not hold the
/// start while nsinit looks for HOME: it reads at most 16 MiB of it, and
/// the user is taken to have no home there (HOME=/). Before, PID 1 read
/// zeros for minutes (the hang guard ended the run).
#[test]
fn a_huge_passwd_does_not_hold_the_start() {
    let mut b = Bundle::new();
    let passwd = b.in_rootfs("/etc/passwd");
    let _ = fs::remove_file(&passwd);
    fs::File::create(&passwd).unwrap().set_len(1 << 40).unwrap();
    b.config["process"]["env"] = json!(["A=1"]);
    b.config["process"]["args"] = json!(["/bin/env"]);
    let out = b.run();
    out.assert_code(0);
    assert_eq!(out.stdout, "A=1\nHOME=/\n");
}

/// With a new network namespace in the spec, `lo` is up: its flags say
/// IFF_UP, a closed port on 127.0.0.1 refuses (a down `lo` is unreachable),
/// and a TCP round trip through 127.0.0.1 works: the server echoes (`-e
/// cat`) and closes only after the client's end of input. The client
/// retries while the server is not listening yet (no timer; the hang guard
/// bounds it).
#[test]
fn loopback_is_up_in_a_new_network_namespace() {
    let mut b = Bundle::new();
    let out = run_ok(
        &mut b,
        "echo '== flags'; cat /sys/class/net/lo/flags
         echo '== closed'; nc 127.0.0.1 9 </dev/null 2>&1
         nc -l -p 7777 -e cat &
         until echo=$(echo ping | nc 127.0.0.1 7777 2>/dev/null); do :; done
         wait
         echo '== echoed'; echo \"$echo\"",
    );
    assert_eq!(out.section("flags"), "0x9\n", "IFF_UP | IFF_LOOPBACK");
    assert!(out.section("closed").contains("Connection refused"), "{out:?}");
    assert_eq!(out.section("echoed"), "ping\n");
}

/// nsinit brings `lo` up only when the spec says there is a new network
/// namespace: here the parent made one the spec does not list.
#[test]
fn loopback_left_alone_without_network_in_the_spec() {
    let mut b = Bundle::new();
    b.without_namespace("network").unshare_also("--net");
    let out = run_ok(&mut b, "echo '== flags'; cat /sys/class/net/lo/flags; echo '== closed'; nc 127.0.0.1 9 </dev/null 2>&1; true");
    assert_eq!(out.section("flags"), "0x8\n", "IFF_LOOPBACK, not up");
    assert!(out.section("closed").contains("Network is unreachable"), "{out:?}");
}

/// The fixture's capabilities: bounding, effective and permitted cut to
/// the three it lists, inheritable empty; its ambient set is not also
/// inheritable, so it is skipped with one warning per capability (as
/// runc); no_new_privs.
#[test]
fn capabilities_and_no_new_privs() {
    let mut b = Bundle::new();
    let out = run_ok(&mut b, "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status");
    assert_eq!(
        out.stdout,
        "CapInh:\t0000000000000000\nCapPrm:\t0000000020000420\nCapEff:\t0000000020000420\n\
         CapBnd:\t0000000020000420\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\n"
    );
    let warnings: Vec<&str> = out.stderr.lines().collect();
    let mut want = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        .map(|c| format!("nsinit: warning: capabilities: {c}: ambient but not inheritable and permitted: skipped"))
        .to_vec();
    let mut got: Vec<String> = warnings.iter().map(|s| s.to_string()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

/// `--trace` (and NSINIT_TRACE=1): one line per setup step, in the order
/// of the config, with non-decreasing times, before the workload runs.
#[test]
fn trace_prints_one_line_per_step() {
    let mut b = Bundle::new();
    b.sh("echo workload");
    let mut want: Vec<String> = vec!["spec".into(), "propagation /".into()];
    for m in b.config["mounts"].as_array().unwrap() {
        want.push(format!("mount {} ({})", m["destination"].as_str().unwrap(), m["type"].as_str().unwrap()));
    }
    want.extend(["devices /dev".into(), "pivot_root rootfs".into(), "readonly root".into()]);
    // runc's order: the hostname (and sysctls) before the read-only and
    // masked paths, which make /proc/sys read-only.
    want.push("hostname runc".into());
    for p in b.config["linux"]["readonlyPaths"].as_array().unwrap() {
        want.push(format!("readonly path {}", p.as_str().unwrap()));
    }
    for p in b.config["linux"]["maskedPaths"].as_array().unwrap() {
        want.push(format!("masked path {}", p.as_str().unwrap()));
    }
    // PID 1 starts the child; the workload's side; then the exec PID 1 sees.
    want.extend(["spawn".into(), "child".into(), "loopback lo".into(), "rlimits".into(), "user uid 0".into(), "capabilities".into(), "no_new_privs".into()]);
    want.push("exec pid 2".into());
    for how in ["--trace", "NSINIT_TRACE=1"] {
        let run = b.runner();
        let run = if how == "--trace" { run.arg("--trace") } else { run.env("NSINIT_TRACE", "1") };
        let out = run.run();
        out.assert_code(0);
        assert_eq!(out.stdout, "workload\n");
        let mut steps = Vec::new();
        let mut last = 0u64;
        for line in out.stderr.lines().filter(|l| !l.starts_with("nsinit: warning: ")) {
            let rest = line.strip_prefix("nsinit: trace: +").unwrap_or_else(|| panic!("{how}: not a trace line: {line:?}\n{out:?}"));
            let (us, step) = rest.split_once("us ").unwrap_or_else(|| panic!("{how}: {line:?}"));
            let us: u64 = us.parse().unwrap_or_else(|_| panic!("{how}: time in {line:?}"));
            assert!(us >= last, "{how}: time goes back at {line:?}");
            last = us;
            steps.push(step.to_string());
        }
        assert_eq!(steps, want, "{how}");
    }
}

/// `process.terminal` with a terminal on stdin: the workload leads a new
/// session whose controlling terminal is that terminal.
#[test]
fn terminal_becomes_the_controlling_terminal() {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two descriptors; the name, termios and
    // winsize pointers may be null.
    let r = unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
    assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: fresh descriptors owned by nobody else.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let rdev = fs::metadata(format!("/proc/self/fd/{}", slave.as_raw_fd())).unwrap().rdev();
    // /proc/<pid>/stat's tty_nr: the kernel's new_encode_dev.
    let (major, minor) = (libc::major(rdev) as u64, libc::minor(rdev) as u64);
    let tty_nr = (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12);
    let mut b = Bundle::new();
    b.config["process"]["terminal"] = json!(true);
    b.sh("read pid _ < /proc/self/stat; echo $pid; cut -d' ' -f6,7 /proc/self/stat");
    let s = slave.as_raw_fd();
    let out = b
        .runner()
        .pre_exec(move || {
            // SAFETY: dup2 is async-signal-safe; stdin becomes the terminal.
            if unsafe { libc::dup2(s, 0) } < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
        .run();
    drop((master, slave));
    out.assert_code(0);
    let lines = out.stdout_lines();
    let pid = lines[0];
    // `cut` is the shell's child: same session (the shell's pid), same tty.
    assert_eq!(lines[1], format!("{pid} {tty_nr}"), "session and controlling terminal\n{out:?}");
}
