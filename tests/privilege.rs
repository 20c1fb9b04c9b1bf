//! The workload's privileges (CONTRACT.md, "The spec": `process.user`,
//! `process.capabilities`, `process.noNewPrivileges`; "Security promises"):
//! the five capability sets, ids and groups, no_new_privs and umask, read by
//! the workload itself from `/proc/self/status`; and PID 1's own hardening,
//! tried from inside by a root workload and read from outside.
//!
//! The values after `execve` are the kernel's (security/commoncap.c
//! `cap_bprm_creds_from_file`), for a program without file capabilities:
//! - root: `pP' = bounding | pI | pA'` and `pE' = pP'`, ambient kept; so
//!   for root the permitted set follows the bounding set, as with runc;
//! - any other uid: `pP' = pE' = pA'` (only ambient survives execve).
//!
//! No rootfs: nsinit runs with a compact spec under [`PID1`] and the
//! workload sees the host's files.

mod common;

use common::kernel::*;
use common::*;

/// `sh -c script` in `/`, no env (nsinit gives Docker's PATH); the rest of
/// `process` is the row's.
fn spec(fields: &str, script: &str) -> String {
    let sep = if fields.is_empty() { "" } else { "," };
    format!(r#"{{"process":{{"args":["sh","-c",{}],"cwd":"/"{sep}{fields}}}}}"#, json_str(script))
}

/// `"capabilities":{...}` with each set given (absent sets are empty).
fn caps_json(
    bounding: &[&str],
    effective: &[&str],
    permitted: &[&str],
    inheritable: &[&str],
    ambient: &[&str],
) -> String {
    format!(
        r#""capabilities":{{"bounding":{},"effective":{},"permitted":{},"inheritable":{},"ambient":{}}}"#,
        json_strs(bounding),
        json_strs(effective),
        json_strs(permitted),
        json_strs(inheritable),
        json_strs(ambient)
    )
}

/// The text of the JSON object that is the value of the first `"key"` in
/// `doc` (balanced braces; the fixtures hold no braces inside strings).
fn object_of<'a>(doc: &'a str, key: &str) -> &'a str {
    let at = doc.find(&format!("\"{key}\"")).unwrap_or_else(|| panic!("no {key:?}"));
    let start = at + doc[at..].find('{').expect("an object");
    let mut depth = 0;
    for (i, c) in doc[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &doc[start..=start + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced {key:?}")
}

/// `runc spec`'s process.capabilities: three capabilities in bounding,
/// effective, permitted and ambient, none inheritable.
fn runc_default_caps() -> String {
    let doc = include_str!("fixtures/runc-spec-config.json");
    format!(r#""capabilities":{}"#, object_of(doc, "capabilities"))
}

const RUNC_DEFAULT: u64 = cap(CAP_AUDIT_WRITE) | cap(CAP_KILL) | cap(CAP_NET_BIND_SERVICE);

/// runc's default ambient set cannot be raised (not inheritable): one
/// warning per capability, as runc does.
fn runc_ambient_warnings() -> Vec<String> {
    ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        .map(|c| format!("nsinit: warning: capabilities: {c}: ambient but not inheritable and permitted: skipped"))
        .to_vec()
}

/// stderr's lines, sorted: the order of warnings is not part of the contract.
fn sorted_lines(stderr: &str) -> Vec<String> {
    let mut v: Vec<String> = stderr.lines().map(String::from).collect();
    v.sort();
    v
}

/// The workload's own status, read by itself.
const SELF_STATUS: &str = "cat /proc/self/status";

fn run_status(fields: &str) -> Output {
    Run::new().wrap(PID1).spec(spec(fields, SELF_STATUS)).run()
}

fn caps_of(out: &Output) -> CapSets {
    CapSets::parse(&out.stdout).unwrap_or_else(|| panic!("no capability lines\n{out:?}"))
}

/// Each row's five sets, exactly, in a root workload; unknown names and
/// unraisable ambient capabilities are skipped with one warning each.
#[test]
fn capability_sets_are_exact_for_root() {
    let (kill, nbs) = (cap(CAP_KILL), cap(CAP_NET_BIND_SERVICE));
    let both = ["CAP_KILL", "CAP_NET_BIND_SERVICE"];
    let rows: Vec<(&str, String, CapSets, Vec<String>)> = vec![
        ("an empty object empties every set", r#""capabilities":{}"#.into(), CapSets::all(0), vec![]),
        (
            "runc's default: ambient skipped, three warnings",
            runc_default_caps(),
            CapSets { bnd: RUNC_DEFAULT, eff: RUNC_DEFAULT, prm: RUNC_DEFAULT, inh: 0, amb: 0 },
            runc_ambient_warnings(),
        ),
        ("inheritable and permitted: ambient raised", caps_json(&both, &both, &both, &both, &both), CapSets::all(kill | nbs), vec![]),
        (
            "an unknown name: one warning, no bit",
            caps_json(&["CAP_KILL", "CAP_NSINIT_BOGUS"], &["CAP_KILL"], &["CAP_KILL"], &[], &[]),
            CapSets { bnd: kill, eff: kill, prm: kill, inh: 0, amb: 0 },
            vec![r#"nsinit: warning: spec: process.capabilities.bounding[1]: skipped unknown capability "CAP_NSINIT_BOGUS""#.into()],
        ),
        (
            // The kernel gives root the whole bounding set again at execve
            // (pP' = bounding | pI): what nsinit set shows in the
            // inheritable set, which root keeps as given.
            "root's permitted set follows the bounding set at execve",
            caps_json(&both, &["CAP_KILL"], &["CAP_KILL"], &["CAP_KILL"], &[]),
            CapSets { bnd: kill | nbs, eff: kill | nbs, prm: kill | nbs, inh: kill, amb: 0 },
            vec![],
        ),
        (
            "ambient without inheritable: skipped with a warning",
            caps_json(&both, &both, &both, &["CAP_KILL"], &both),
            CapSets { bnd: kill | nbs, eff: kill | nbs, prm: kill | nbs, inh: kill, amb: kill },
            vec!["nsinit: warning: capabilities: CAP_NET_BIND_SERVICE: ambient but not inheritable and permitted: skipped".into()],
        ),
    ];
    for (name, caps, want, warnings) in rows {
        let out = run_status(&caps);
        out.assert_code(0);
        assert_eq!(caps_of(&out), want, "{name}\n{out:?}");
        let mut warnings = warnings;
        warnings.sort();
        assert_eq!(sorted_lines(&out.stderr), warnings, "{name}: stderr\n{out:?}");
    }
}

/// No `capabilities` object (or null): all five sets empty, bounding
/// included, as runc 1.1 and crun do — keeping nsinit's own set was a host
/// escape (a cgroup v1 `release_agent`, run by the host as root).
#[test]
fn absent_capabilities_are_all_empty() {
    let empty = CapSets { bnd: 0, eff: 0, prm: 0, inh: 0, amb: 0 };
    for fields in ["", r#""capabilities":null"#, r#""capabilities":{}"#] {
        let out = run_status(fields);
        out.assert_code(0).assert_no_stderr();
        assert_eq!(caps_of(&out), empty, "{fields}\n{out:?}");
    }
}

/// Sets the kernel refuses (effective beyond permitted; inheritable beyond
/// the bounding set) stop nsinit with 125 and one `capabilities` line: the
/// workload never runs with other sets than asked.
#[test]
fn impossible_capability_sets_fail_closed() {
    let rows = [
        ("effective beyond permitted", caps_json(&["CAP_KILL"], &["CAP_KILL"], &[], &[], &[])),
        ("inheritable beyond bounding", caps_json(&[], &[], &[], &["CAP_KILL"], &[])),
    ];
    for (name, caps) in rows {
        let dir = TempDir::new();
        let marker = dir.marker();
        let spec = format!(r#"{{"process":{{"args":{},"cwd":"/",{caps}}}}}"#, json_strs(&touch(&marker)));
        let out = Run::new().wrap(PID1).spec(spec).run();
        out.assert_code(125);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert!(
            lines.len() == 1
                && lines[0].starts_with("nsinit: capabilities: ")
                && lines[0].ends_with("EPERM: operation not permitted"),
            "{name}\n{out:?}"
        );
        assert_not_ran(&marker);
    }
}

/// `unshare` as [`PID1`] plus a network namespace of its own, so that a
/// workload can bind port 80 without touching the host's ports.
const PID1_NET: Wrapper =
    Wrapper { argv: &["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "--net"], depth: 1 };

/// uid 1000, gid 1000 and groups 10 and 20, as `id` and the status see
/// them; the capabilities the sets give survive the switch (ambient makes
/// CAP_NET_BIND_SERVICE effective after execve: port 80 binds), and without
/// ambient a non-root workload has none left (EACCES on port 80).
#[test]
fn user_switch_keeps_capabilities_as_the_sets_say() {
    let user = r#""user":{"uid":1000,"gid":1000,"additionalGids":[10,20]}"#;
    let nbs = ["CAP_NET_BIND_SERVICE"];
    let script = format!("{SELF_STATUS}; echo; id -u; id -g; id -G; {} {}", sys_tool_str(), bind(80));
    let rows: Vec<(&str, String, CapSets, Answer, Vec<String>)> = vec![
        (
            "every set CAP_NET_BIND_SERVICE",
            caps_json(&nbs, &nbs, &nbs, &nbs, &nbs),
            CapSets::all(cap(CAP_NET_BIND_SERVICE)),
            Answer::Ok,
            vec![],
        ),
        (
            "runc's default: nothing survives execve but the bounding set",
            runc_default_caps(),
            CapSets { bnd: RUNC_DEFAULT, eff: 0, prm: 0, inh: 0, amb: 0 },
            Answer::Errno(libc::EACCES),
            runc_ambient_warnings(),
        ),
        (
            "inheritable without ambient: kept, but not effective",
            caps_json(&nbs, &nbs, &nbs, &nbs, &[]),
            CapSets { bnd: cap(CAP_NET_BIND_SERVICE), eff: 0, prm: 0, inh: cap(CAP_NET_BIND_SERVICE), amb: 0 },
            Answer::Errno(libc::EACCES),
            vec![],
        ),
    ];
    for (name, caps, want, bound, mut warnings) in rows {
        let out = Run::new().wrap(PID1_NET).spec(spec(&format!("{user},{caps}"), &script)).run();
        out.assert_code(0);
        warnings.sort();
        assert_eq!(sorted_lines(&out.stderr), warnings, "{name}: stderr\n{out:?}");
        assert_eq!(caps_of(&out), want, "{name}\n{out:?}");
        let (status, ids) = out.stdout.split_once("\n\n").unwrap_or_else(|| panic!("{out:?}"));
        assert_eq!(status_field(status, "Uid"), Some("1000\t1000\t1000\t1000"), "{name}\n{out:?}");
        assert_eq!(status_field(status, "Gid"), Some("1000\t1000\t1000\t1000"), "{name}\n{out:?}");
        assert_eq!(status_field(status, "Groups"), Some("10 20"), "{name}\n{out:?}");
        let ids: Vec<&str> = ids.lines().take(3).collect();
        assert_eq!(ids, ["1000", "1000", "1000 10 20"], "{name}: id -u, -g, -G\n{out:?}");
        assert_eq!(answers(&out.stdout), [(bind(80), bound)], "{name}: bind port 80\n{out:?}");
    }
}

/// `process.user` without additionalGids: the supplementary groups are
/// cleared; those nsinit was started with (10 and 20 here) do not leak in.
#[test]
fn user_switch_without_additional_gids_clears_groups() {
    let out = Run::new()
        .wrap(PID1)
        .pre_exec(|| {
            let groups: [libc::gid_t; 2] = [10, 20];
            // SAFETY: a raw setgroups(2) on a local array, async-signal-safe.
            match unsafe { libc::syscall(libc::SYS_setgroups, 2, groups.as_ptr()) } {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        })
        .spec(spec(r#""user":{"uid":1000,"gid":1000}"#, &format!("{SELF_STATUS}; echo; cat /proc/$PPID/status")))
        .run();
    out.assert_code(0).assert_no_stderr();
    let (own, pid1) = out.stdout.split_once("\n\n").unwrap_or_else(|| panic!("{out:?}"));
    assert_eq!(status_field(pid1, "Groups"), Some("10 20"), "nsinit's own groups\n{out:?}");
    assert_eq!(status_field(own, "Groups"), Some(""), "{out:?}");
    assert_eq!(status_field(own, "Uid"), Some("1000\t1000\t1000\t1000"), "{out:?}");
}

#[test]
fn no_new_privileges_sets_the_flag() {
    let rows = [(r#""noNewPrivileges":true"#, "1"), (r#""noNewPrivileges":false"#, "0"), ("", "0")];
    for (field, want) in rows {
        let out = run_status(field);
        out.assert_code(0).assert_no_stderr();
        assert_eq!(status_field(&out.stdout, "NoNewPrivs"), Some(want), "{field:?}\n{out:?}");
    }
}

/// `process.user.umask`, 0022 when absent (runc's default), also for
/// another uid.
#[test]
fn umask_is_the_spec_s() {
    let rows = [
        ("", "0022"),
        (r#""user":{"uid":0,"gid":0}"#, "0022"),
        (r#""user":{"uid":0,"gid":0,"umask":63}"#, "0077"),
        (r#""user":{"uid":0,"gid":0,"umask":0}"#, "0000"),
        (r#""user":{"uid":1000,"gid":1000,"umask":18}"#, "0022"),
        (r#""user":{"uid":1000,"gid":1000,"umask":511}"#, "0777"),
    ];
    for (field, want) in rows {
        let out = run_status(field);
        out.assert_code(0).assert_no_stderr();
        assert_eq!(status_field(&out.stdout, "Umask"), Some(want), "{field:?}\n{out:?}");
    }
}


/// A root workload with runc's default capabilities cannot reach into PID 1
/// (not dumpable, so only CAP_SYS_PTRACE would let it): no /proc/1/root,
/// environ, mem or exe, no ptrace attach or seize. The same probes on its
/// own shell show they can succeed. The probes run at once, so they also
/// cover the moment before PID 1 drops its capabilities.
#[test]
fn workload_cannot_reach_into_pid1() {
    let tool = sys_tool_str();
    let attach = call(libc::SYS_ptrace, &[libc::PTRACE_ATTACH as u64, 1]);
    let seize = call(libc::SYS_ptrace, &[libc::PTRACE_SEIZE as u64, 1]);
    let script = format!(
        "probe() {{ sh -c {} sh \"$1\"; }}; probe 1; echo --; probe $$; echo --; {tool} {attach} {seize}",
        shell_quote(PROBES)
    );
    let fields = format!(r#"{},"noNewPrivileges":true"#, runc_default_caps());
    let out = Run::new().wrap(PID1).spec(spec(&fields, &script)).run();
    out.assert_code(0);
    let parts: Vec<&str> = out.stdout.split("--\n").collect();
    let [pid1, own, _] = parts[..] else { panic!("{out:?}") };
    let names = ["root", "environ", "mem", "exe-link", "exe-write", "exe-open-write"];
    let lines = |verdict: &str| -> Vec<String> { names.iter().map(|n| format!("{n}: {verdict}")).collect() };
    assert_eq!(pid1.lines().collect::<Vec<_>>(), lines("denied"), "probes of PID 1\n{out:?}");
    // Its own shell: everything but writing a running binary (ETXTBSY).
    let own: Vec<&str> = own.lines().collect();
    assert_eq!(own[..4], lines("allowed")[..4], "probes of the workload's own shell\n{out:?}");
    let eperm = Answer::Errno(libc::EPERM);
    assert_eq!(answers(&out.stdout), [(attach, eperm), (seize, eperm)], "ptrace PID 1\n{out:?}");
}


/// The workload traps SIGUSR1, says "ready" and blocks on stdin; the trap
/// says "synced" and blocks again until the test closes stdin. The test
/// sends SIGUSR1 to nsinit, which forwards it from its reaper loop: once the
/// workload has it, PID 1 has finished hardening itself (the loop starts
/// after the drop). Works for any uid: the forwarding is PID 1's.
const SYNCED: &str = "trap 'echo synced; read _; exit 0' USR1; echo ready; read _; exit 1";

/// PID 1 while the workload runs: no capability in any set (but the
/// bounding set, moot under its no_new_privs), or only CAP_KILL when the
/// workload may run as another uid (to forward signals:
/// reaper mode, another uid, CAP_SETUID or no no_new_privs; tests/reaper.rs);
/// and no descriptor but 0, 1, 2 and its signalfd, though the test left it
/// two more (the spec pipe is closed too).
#[test]
fn pid1_keeps_no_capability_and_only_its_signalfd() {
    let k = cap(CAP_KILL);
    let uid_1000 = format!(r#"{},"user":{{"uid":1000,"gid":1000}}"#, runc_default_caps());
    let root = format!(r#"{},"noNewPrivileges":true"#, runc_default_caps());
    // The bounding set is left as it was: no_new_privs (held_caps checks
    // it) makes it moot, PID 1 never executes anything again.
    let kill_only = CapSets { bnd: 0, eff: k, prm: k, inh: 0, amb: 0 };
    let rows: Vec<(&str, Option<String>, CapSets)> = vec![
        ("reaper mode", None, kill_only),
        ("root workload", Some(root), CapSets::all(0)),
        ("uid 1000 workload", Some(uid_1000), kill_only),
    ];
    let null = || std::fs::File::open("/dev/null").expect("open /dev/null");
    for (name, fields, want) in rows {
        let run = Run::new().wrap(PID1).stdin_pipe().fd(5, null()).fd(7, null());
        let run = match &fields {
            Some(f) => run.spec(spec(f, SYNCED)),
            None => run.sh(SYNCED),
        };
        let mut r = run.spawn();
        r.expect_line("ready");
        let pid = r.nsinit_pid();
        kill(pid, libc::SIGUSR1);
        r.expect_line("synced");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("PID 1's status");
        let fds = fd_links(pid);
        r.close_stdin();
        let out = r.wait();
        out.assert_code(0);
        assert_eq!(held_caps(&status), want, "{name}: PID 1's capabilities\n{status}");
        let fd_names: Vec<&str> = fds.iter().map(|(fd, _)| fd.as_str()).collect();
        assert_eq!(fd_names[..3], ["0", "1", "2"], "{name}: PID 1's fds {fds:?}");
        assert_eq!(fds.len(), 4, "{name}: PID 1's fds {fds:?}");
        assert_eq!(fds[3].1, "anon_inode:[signalfd]", "{name}: PID 1's fds {fds:?}");
    }
}

/// (fd, link target) of every descriptor of `pid`, by fd number.
fn fd_links(pid: i32) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("read PID 1's fd dir")
        .flatten()
        .map(|e| {
            let link = std::fs::read_link(e.path()).map(|p| p.display().to_string()).unwrap_or_default();
            (e.file_name().to_string_lossy().into_owned(), link)
        })
        .collect();
    v.sort_by_key(|(fd, _)| fd.parse::<u32>().unwrap_or(u32::MAX));
    v
}

/// PID 1 is hardened before the workload can look: its very first
/// instruction already finds PID 1 without capabilities and without the
/// descriptors its parent leaked (here 5 and 7). Repeated, as the window is
/// a race.
#[test]
fn pid1_is_hardened_before_the_workload_runs() {
    let null = || std::fs::File::open("/dev/null").expect("open /dev/null");
    // no_new_privs: with it and no CAP_SETUID, PID 1 keeps no capability.
    let fields = format!(r#"{},"noNewPrivileges":true"#, runc_default_caps());
    for i in 0..20 {
        let cmd = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            format!(r#"{{"process":{{"args":{},"cwd":"/",{fields}}}}}"#, json_strs(&args))
        };
        let out = Run::new()
            .wrap(PID1)
            .fd(5, null())
            .fd(7, null())
            .spec(cmd(&["/bin/busybox", "cat", "/proc/1/status"]))
            .run();
        out.assert_code(0);
        assert_eq!(held_caps(&out.stdout), CapSets::all(0), "run {i}: PID 1's capabilities at the workload's start\n{out:?}");
        let out =
            Run::new().wrap(PID1).fd(5, null()).fd(7, null()).spec(cmd(&["/bin/busybox", "ls", "/proc/1/fd"])).run();
        out.assert_code(0);
        assert_eq!(out.stdout_lines().len(), 4, "run {i}: PID 1's fds at the workload's start\n{out:?}");
    }
}
