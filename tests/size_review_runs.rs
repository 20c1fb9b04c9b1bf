//! The size work's in-place exits (`main::fail`, `or_fail`, a container's
//! steps failing with the old root held), its errors built once per step
//! (mount, cgroup mount, devices, enter) and its name tables (long options,
//! environment names) seen from outside: the exit code and the whole
//! stderr of runs that fail at those steps. The lines are those nsinit gave
//! at a346a6f, before the size work; with SIZE_REVIEW_OLD=<an nsinit built
//! there> each run is also made with it and must answer the same.
mod common;

use common::*;
use serde_json::json;

/// Runs `make()` with the binary under test and, given SIZE_REVIEW_OLD,
/// the old one; both must fail with exactly `line` (or, for `None`, end
/// alike with the same stderr).
fn same(what: &str, make: impl Fn() -> Run, code: i32, line: Option<&str>) {
    let mut outs = vec![("main", make().run())];
    if let Some(old) = std::env::var_os("SIZE_REVIEW_OLD") {
        outs.push(("a346a6f", make().program(old).run()));
    }
    for (who, out) in &outs {
        eprintln!("{what} ({who}): {} {}", out.code(), out.stderr.trim_end());
        assert_eq!(out.code(), code, "{what} ({who})\n{out:?}");
        if let Some(line) = line {
            assert_one_error_line(&out.stderr, line);
        }
    }
    if let [(_, new), (_, old)] = &outs[..] {
        assert_eq!(new.stderr, old.stderr, "{what}: stderr differs from a346a6f's");
        assert_eq!(new.stdout, old.stdout, "{what}: stdout differs from a346a6f's");
    }
}

#[test]
fn command_line_failures() {
    let rows: &[(&[&str], &str)] = &[
        (&["--tracex", "true"], "nsinit: cli: --tracex: unknown option"),
        (&["--trac", "true"], "nsinit: cli: --trac: unknown option"),
        (&["--trace=1", "true"], "nsinit: cli: --trace=1: takes no value"),
        (&["--spec-fd=x", "true"], "nsinit: cli: x: not a file descriptor"),
        (&["-e", "256", "true"], "nsinit: cli: 256: exit status must be 0 to 255"),
        (&["-x", "true"], "nsinit: cli: -x: unknown option"),
        (&["--enter=+3", "true"], "nsinit: cli: +3: not a process id"),
        (&["--enter=3", "true"], "nsinit: cli: --enter: needs a spec (--spec-fd N or --spec PATH)"),
    ];
    for (args, line) in rows {
        same(&format!("{args:?}"), || Run::new().args(args.iter().copied()).wrap(PID1), 125, Some(line));
    }
    // Environment names are whole names: NSINIT_TRACEX is nobody's.
    for (k, v, code, line) in [
        ("NSINIT_VERBOSITY", "x", 125, Some("nsinit: cli: NSINIT_VERBOSITY=x: verbosity must be a number")),
        ("NSINIT_SPEC_FD", "x", 125, Some("nsinit: cli: NSINIT_SPEC_FD=x: not a file descriptor")),
        ("NSINIT_SPEC_FDX", "x", 0, None),
        ("NSINIT_TRACEX", "1", 0, None),
        ("XNSINIT_TRACE", "1", 0, None),
    ] {
        same(&format!("{k}={v}"), || Run::new().env(k, v).args(["true"]).wrap(PID1), code, line);
    }
}

#[test]
fn container_steps_failing() {
    type Change = fn(&mut Bundle);
    let rows: &[(&str, Change, &str)] = &[
        (
            "a mount of an unknown filesystem",
            |b| {
                b.mount("/x", "nsinitnofs", "none", &[]);
            },
            "nsinit: mount: /x (nsinitnofs): ENODEV: no such device",
        ),
        (
            "a bind mount of a missing source",
            |b| {
                b.mount("/x", "bind", "/nonexistent-nsinit-source", &["bind"]);
            },
            "nsinit: mount: /nonexistent-nsinit-source (bind source): ENOENT: no such file or directory",
        ),
        (
            "a mount under a file",
            |b| {
                b.mount("/bin/sh/x", "tmpfs", "tmpfs", &[]);
            },
            "nsinit: mount: /bin/sh/x (tmpfs): ENOTDIR: not a directory",
        ),
        (
            "an unknown option word",
            |b| {
                b.mount("/x", "tmpfs", "tmpfs", &["rorx"]);
            },
            "nsinit: spec: mounts[7].options[0]: unknown option \"rorx\"",
        ),
        (
            "a device under a file",
            |b| {
                b.config["linux"]["devices"] = json!([{"path": "/bin/sh/dev", "type": "c", "major": 1, "minor": 3}]);
            },
            "nsinit: device: /bin/sh/dev: ENOTDIR: not a directory",
        ),
        (
            // The /dev links' step and object (`dev symlink`), not the
            // devices' ("device"): a directory mounted where ptmx goes.
            "a directory mounted at /dev/ptmx",
            |b| {
                b.mount("/dev/ptmx", "tmpfs", "tmpfs", &[]);
            },
            "nsinit: dev symlink: ptmx: EISDIR: is a directory",
        ),
        (
            // After pivot_root, with the old root held (closed before the
            // in-place exit).
            "a sysctl that does not exist",
            |b| {
                b.config["linux"]["sysctl"] = json!({"net.ipv4.nsinit_none": "1"});
            },
            "nsinit: sysctl: net.ipv4.nsinit_none: ENOENT: no such file or directory",
        ),
        (
            "a masked path that cannot be masked",
            |b| {
                b.config["linux"]["maskedPaths"] = json!(["/proc/self/fd/0/x"]);
            },
            "nsinit: masked path: /proc/self/fd/0/x: ENOTDIR: not a directory",
        ),
    ];
    for (what, change, line) in rows {
        let mut b = Bundle::new();
        change(&mut b);
        b.sh("echo ran");
        same(what, || b.runner(), 125, if line.is_empty() { None } else { Some(line) });
    }
}

#[test]
fn entering_what_is_no_container() {
    // A pid that does not exist, and a process of the host's (not in a
    // container: its namespaces are nsinit's).
    let spec = r#"{"ociVersion": "1.0.2", "process": {"args": ["true"], "cwd": "/"}, "root": {"path": "/"}}"#;
    same("--enter a missing pid", || Run::new().args(["--enter", "2147483647"]).spec(spec), 125, Some("nsinit: enter: pid 2147483647: ESRCH: no such process"));
    let mut host = std::process::Command::new("sleep").arg("100").spawn().unwrap();
    let pid = host.id().to_string();
    same(
        "--enter a host process",
        || Run::new().args(["--enter", &pid]).spec(spec),
        125,
        Some(&format!("nsinit: enter: pid {pid}: not in a container: its mount and pid namespaces are nsinit's own")),
    );
    host.kill().unwrap();
    host.wait().unwrap();
}

/// The trace (`diag::trace`, now one out-of-line writer per kind of
/// object) and the `--check` summary (`Line::fill`): the same lines as
/// before, times aside.
#[test]
fn traces_and_summaries() {
    let mut b = Bundle::new();
    b.config["linux"]["maskedPaths"] = json!(["/proc/kcore", "/nonexistent"]);
    b.config["linux"]["readonlyPaths"] = json!(["/proc/sys"]);
    b.config["process"]["rlimits"] = json!([{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]);
    b.mount("/t", "tmpfs", "tmpfs", &["nosuid", "rro", "mode=755"]);
    b.sh("echo ran");
    let untimed = |s: &str| -> String {
        s.lines()
            .map(|l| match l.strip_prefix("nsinit: trace: +").and_then(|r| r.split_once("us ")) {
                Some((_, rest)) => format!("nsinit: trace: +Nus {rest}\n"),
                None => format!("{l}\n"),
            })
            .collect()
    };
    let runs: [(&str, fn(&Bundle) -> Run); 2] =
        [("trace", |b| b.runner().env("NSINIT_TRACE", "1")), ("check", |b| b.runner().args(["--check"]))];
    for (what, make) in runs {
        let new = make(&b).run();
        new.assert_code(0);
        if let Some(old) = std::env::var_os("SIZE_REVIEW_OLD") {
            let old = make(&b).program(old).run();
            assert_eq!(old.code(), 0, "{old:?}");
            assert_eq!(untimed(&new.stderr), untimed(&old.stderr), "{what}: stderr differs from a346a6f's");
            assert_eq!(new.stdout, old.stdout, "{what}: stdout differs from a346a6f's");
        }
        assert!(new.stderr.contains("nsinit: trace: +") || what != "trace", "{new:?}");
    }
}
