//! The command line (CONTRACT.md, "Command line"): what every word does, and
//! that a bad one stops nsinit with 125 and one `nsinit: cli: ...` line
//! before anything runs.

mod common;

use common::*;

/// One line naming the version (its wording is free: `docker version`
/// wants tini's "tini version X").
#[test]
fn version_prints_and_exits_0() {
    let out = Run::new().arg("--version").run();
    out.assert_code(0).assert_no_stderr();
    assert_eq!(out.stdout.lines().count(), 1, "{out:?}");
    assert!(out.stdout.ends_with('\n') && out.stdout.contains(concat!("version ", env!("CARGO_PKG_VERSION"))), "{out:?}");
}

/// tini's `-l` prints the licence and exits 0 (tini prints its whole
/// LICENSE file; nsinit names its licences, `MIT OR Apache-2.0` as in
/// Cargo.toml, in a few lines: every byte of the binary counts).
#[test]
fn licence_prints_and_exits_0() {
    let out = Run::new().arg("-l").run();
    out.assert_code(0).assert_no_stderr();
    assert!(out.stdout.contains(concat!("nsinit ", env!("CARGO_PKG_VERSION"))), "{out:?}");
    assert!(out.stdout.contains(env!("CARGO_PKG_LICENSE")) && env!("CARGO_PKG_LICENSE") == "MIT OR Apache-2.0", "{out:?}");
    assert!(out.stdout.lines().count() <= 4, "{out:?}");
    let tini = Run::new().program("/usr/bin/tini-static").arg("-l").run();
    tini.assert_code(0).assert_no_stderr();
}

/// A tini command line runs under nsinit: `-w`, `-v`, `-vvv`, grouped with
/// the others, are accepted (they used to be 125), as under tini-static.
/// Levels above 1 print nothing more.
#[test]
fn tini_flags_are_accepted() {
    let rows: &[&[&str]] = &[&["-w"], &["-v"], &["-vv"], &["-vvv"], &["-v", "-v", "-w"], &["-sgwv", "-e", "3"], &["-wvs"]];
    for args in rows {
        let out = Run::new().args(args.iter()).sh("echo ran").wrap(PID1).run();
        out.assert_code(0).assert_no_stderr();
        assert_eq!(out.stdout, "ran\n", "{args:?}\n{out:?}");
        let tini = Run::new().program("/usr/bin/tini-static").args(args.iter()).sh("echo ran").wrap(PID1).run();
        // tini's -v levels add [INFO] lines on stdout; nsinit adds nothing.
        tini.assert_code(0);
        assert!(tini.stdout_lines().contains(&"ran"), "tini-static {args:?}\n{tini:?}");
    }
}

#[test]
fn help_lists_every_option_and_exits_0() {
    for flag in ["--help", "-h"] {
        let out = Run::new().arg(flag).run();
        out.assert_code(0).assert_no_stderr();
        assert!(out.stdout.starts_with("usage: nsinit [OPTIONS] [-- CMD [ARG...]]\n"), "{flag}\n{out:?}");
        for opt in [
            "--spec-fd N",
            "--spec PATH",
            "-s ",
            "-g ",
            "-p SIGNAL",
            "-e CODE",
            "-w ",
            "-v ",
            "-l ",
            "--check",
            "--trace",
            "--version",
            "TINI_SUBREAPER",
            "TINI_KILL_PROCESS_GROUP",
            "TINI_VERBOSITY",
        ] {
            assert!(out.stdout.contains(opt), "{flag}: help does not mention {opt:?}\n{out:?}");
        }
    }
}

/// --help, --version and -l answer and stop: a CMD after them never runs.
#[test]
fn help_and_version_do_not_run_cmd() {
    for flag in ["--help", "-h", "--version", "-l"] {
        let dir = TempDir::new();
        let out = Run::new().arg(flag).cmd(touch(&dir.marker())).run();
        out.assert_code(0).assert_no_stderr();
        assert_not_ran(&dir.marker());
    }
}

/// Each bad command line: 125, exactly the one line, and CMD (when there is
/// one) never runs. A value missing at the end of argv has no CMD after it.
#[test]
fn bad_command_lines_are_refused() {
    // (argv before `-- touch marker`, whether CMD follows, the line)
    let rows: &[(&[&str], bool, &str)] = &[
        (&["--bogus"], true, "nsinit: cli: --bogus: unknown option"),
        (&["-x"], true, "nsinit: cli: -x: unknown option"),
        // A bad letter in a group names the whole word.
        (&["-sx"], true, "nsinit: cli: -sx: unknown option"),
        (&["-s", "--bogus"], true, "nsinit: cli: --bogus: unknown option"),
        (&["-p", "SIGFOO"], true, "nsinit: cli: SIGFOO: unknown signal"),
        (&["-p", "sigkill"], true, "nsinit: cli: sigkill: unknown signal"),
        (&["-p", "0"], true, "nsinit: cli: 0: unknown signal"),
        (&["-p", "65"], true, "nsinit: cli: 65: unknown signal"),
        (&["-pFOO"], true, "nsinit: cli: FOO: unknown signal"),
        (&["-e", "256"], true, "nsinit: cli: 256: exit status must be 0 to 255"),
        (&["-e", "-1"], true, "nsinit: cli: -1: exit status must be 0 to 255"),
        (&["-e", "x"], true, "nsinit: cli: x: exit status must be 0 to 255"),
        (&["-e", "99999999999"], true, "nsinit: cli: 99999999999: exit status must be 0 to 255"),
        (&["-e1x"], true, "nsinit: cli: 1x: exit status must be 0 to 255"),
        (&["--spec-fd", "x"], true, "nsinit: cli: x: not a file descriptor"),
        (&["--spec-fd=-1"], true, "nsinit: cli: -1: not a file descriptor"),
        (&["--spec-fd", "99999999999"], true, "nsinit: cli: 99999999999: not a file descriptor"),
        (&["--spec="], true, "nsinit: cli: --spec=: needs a path"),
        (&["--version=1"], true, "nsinit: cli: --version=1: takes no value"),
        (&["--check=yes"], true, "nsinit: cli: --check=yes: takes no value"),
        (&["--trace=1"], true, "nsinit: cli: --trace=1: takes no value"),
        (&["-p"], false, "nsinit: cli: -p: needs a value"),
        (&["-e"], false, "nsinit: cli: -e: needs a value"),
        (&["--spec-fd"], false, "nsinit: cli: --spec-fd: needs a value"),
        (&["--spec"], false, "nsinit: cli: --spec: needs a value"),
        (&["-s", "-e"], false, "nsinit: cli: -e: needs a value"),
        (&["-vx"], true, "nsinit: cli: -vx: unknown option"),
    ];
    for (args, with_cmd, line) in rows {
        let dir = TempDir::new();
        let mut run = Run::new().args(args.iter());
        if *with_cmd {
            run = run.cmd(touch(&dir.marker()));
        }
        let out = run.run();
        assert_eq!(out.code(), 125, "{args:?}\n{out:?}");
        assert_one_error_line(&out.stderr, line);
        assert!(out.stdout.is_empty(), "{args:?}\n{out:?}");
        assert_not_ran(&dir.marker());
    }
}

/// getopt semantics, as tini: an option's value is the next word even when
/// it is `--`, so `-e -- cmd` is a bad status, not "no value".
#[test]
fn option_value_is_the_next_word_even_dashdash() {
    let dir = TempDir::new();
    let out = Run::new().args(["-e", "--"]).args(touch(&dir.marker())).run();
    out.assert_failed("nsinit: cli: --: exit status must be 0 to 255");
    assert_not_ran(&dir.marker());
}

/// No workload at all (no CMD, no spec): 125, as PID 1 exactly one line.
#[test]
fn no_workload_is_125() {
    let line = "nsinit: exec: no workload: give -- CMD, or a spec with process.args";
    for args in [&[][..], &["--"], &["-s"], &["-g", "-e", "3", "--"]] {
        let out = Run::new().args(args.iter()).wrap(PID1).run();
        assert_eq!(out.code(), 125, "{args:?}\n{out:?}");
        assert_one_error_line(&out.stderr, line);
    }
}

/// Not PID 1 and no `-s`, nsinit warns that orphans will not be reaped; for
/// a run that fails before anything starts, that warning is a second line.
#[test]
fn no_workload_is_one_line_when_not_pid1() {
    let out = Run::new().run();
    out.assert_failed("nsinit: exec: no workload: give -- CMD, or a spec with process.args");
}

/// tini style: the first word that is not an option starts CMD, and every
/// word after it is CMD's, options included.
#[test]
fn cmd_without_dashdash() {
    let out = Run::new().args(["sh", "-c", "echo hello"]).wrap(PID1).run();
    out.assert_code(0).assert_no_stderr();
    assert_eq!(out.stdout, "hello\n");

    let out = Run::new().args(["-s", "printf", "%s\\n", "-s", "-e", "3", "--", "--bogus"]).run();
    out.assert_code(0).assert_no_stderr();
    assert_eq!(out.stdout, "-s\n-e\n3\n--\n--bogus\n");

    // After `--`, option-looking words are CMD's too.
    let out = Run::new().args(["-s", "--", "printf", "%s\\n", "--version"]).run();
    out.assert_code(0).assert_no_stderr();
    assert_eq!(out.stdout, "--version\n");
}

/// Grouped and attached short options (`-sg`, `-e3`, `-pSIGTERM`) work.
#[test]
fn grouped_and_attached_short_options() {
    let out = Run::new().args(["-sg", "-e3", "-pSIGTERM", "--spec-fd=3"]).spec_pipe(3, r#"{"process":{"args":["sh","-c","exit 3"]}}"#).run();
    out.assert_code(0).assert_no_stderr();
}

const VALID: &str = r#"{"ociVersion":"1.2.0","process":{"args":["sh","-c","echo x"],"env":["A=1","B=2"],"cwd":"/"}}"#;

/// `--check` with a valid spec: 0, the summary on stdout, and the workload
/// never runs.
#[test]
fn check_valid_spec_prints_summary() {
    let dir = TempDir::new();
    let spec = format!(r#"{{"process":{{"args":{},"env":["A=1"],"cwd":"/tmp"}}}}"#, json_strs(&touch(&dir.marker())));
    let out = Run::new().arg("--check").spec(spec.clone()).run();
    out.assert_code(0).assert_no_stderr();
    let lines = out.stdout_lines();
    assert_eq!(lines.first(), Some(&"nsinit: spec is valid"), "{out:?}");
    assert!(lines.contains(&"root: none (already inside the container: no mounts, no pivot_root)"), "{out:?}");
    assert!(lines.contains(&"workload: touch (2 args), env: 1, cwd: /tmp"), "{out:?}");
    assert_not_ran(&dir.marker());

    // A CMD given with --check is named, not run.
    let out = Run::new().arg("--check").spec(spec).cmd(touch(&dir.marker())).run();
    out.assert_code(0).assert_no_stderr();
    assert!(out.stdout_lines().contains(&"workload: CMD from the command line, env: 1, cwd: /tmp"), "{out:?}");
    assert_not_ran(&dir.marker());

    // The same through --spec PATH.
    let path = dir.join("config.json");
    std::fs::write(&path, VALID).unwrap();
    let out = Run::new().arg("--check").arg("--spec").arg(&path).run();
    out.assert_code(0).assert_no_stderr();
    assert!(out.stdout.starts_with("nsinit: spec is valid\n"), "{out:?}");
}

/// `--check` with an invalid spec: 125, the one spec line, nothing on stdout.
#[test]
fn check_invalid_spec_is_125() {
    let out = Run::new().arg("--check").spec(r#"{"process":{"args":["true"],"cwd":"rel"}}"#).run();
    out.assert_failed("nsinit: spec: process.cwd: must be an absolute path");
}

/// `--check` without a spec says so: reaper mode.
#[test]
fn check_without_spec_reports_reaper_mode() {
    let out = Run::new().arg("--check").run();
    out.assert_code(0).assert_no_stderr();
    assert_eq!(out.stdout, "nsinit: no spec: reaper mode (run CMD, forward signals, reap zombies)\n");
}

/// NSINIT_SPEC_FD=N acts as `--spec-fd N`; the command line wins over it.
#[test]
fn nsinit_spec_fd_from_environment() {
    let spec = r#"{"process":{"args":["sh","-c","echo from spec"]}}"#;
    let out = Run::new().env("NSINIT_SPEC_FD", "5").spec_pipe(5, spec).wrap(PID1).run();
    out.assert_code(0).assert_no_stderr();
    assert_eq!(out.stdout, "from spec\n");

    // fd 6 is not open: only --spec-fd 5 can work.
    let out = Run::new().env("NSINIT_SPEC_FD", "6").args(["--spec-fd", "5"]).spec_pipe(5, spec).wrap(PID1).run();
    out.assert_code(0).assert_no_stderr();
    assert_eq!(out.stdout, "from spec\n");

    // A spec in the environment is still a spec: its errors are 125.
    let dir = TempDir::new();
    let out = Run::new().env("NSINIT_SPEC_FD", "6").cmd(touch(&dir.marker())).run();
    out.assert_failed("nsinit: spec: fd 6: EBADF: bad file number");
    assert_not_ran(&dir.marker());

    let out = Run::new().env("NSINIT_SPEC_FD", "x").cmd(touch(&dir.marker())).run();
    out.assert_failed("nsinit: cli: NSINIT_SPEC_FD=x: not a file descriptor");
    assert_not_ran(&dir.marker());
}

/// A verbosity that is not a number is refused (tini's `atoi` would read it
/// as 0 and silence every warning), naming the variable.
#[test]
fn bad_verbosity_is_refused() {
    for (key, value) in [("TINI_VERBOSITY", "loud"), ("NSINIT_VERBOSITY", "-1"), ("TINI_VERBOSITY", "2x")] {
        let dir = TempDir::new();
        let out = Run::new().env(key, value).cmd(touch(&dir.marker())).run();
        out.assert_failed(&format!("nsinit: cli: {key}={value}: verbosity must be a number"));
        assert_not_ran(&dir.marker());
    }
}

/// `--trace` (and NSINIT_TRACE=1) print one `nsinit: trace: +Nus step` line
/// per step on stderr and change nothing else.
#[test]
fn trace_lines_go_to_stderr() {
    let by_flag = Run::new().arg("--trace").spec(VALID).wrap(PID1).run();
    let by_env = Run::new().env("NSINIT_TRACE", "1").spec(VALID).wrap(PID1).run();
    for out in [by_flag, by_env] {
        out.assert_code(0);
        assert_eq!(out.stdout, "x\n");
        assert!(!out.stderr.is_empty(), "{out:?}");
        for l in out.stderr.lines() {
            let rest = l.strip_prefix("nsinit: trace: +").unwrap_or_else(|| panic!("not a trace line: {l:?}\n{out:?}"));
            let (us, step) = rest.split_once("us ").unwrap_or_else(|| panic!("no time: {l:?}"));
            assert!(us.parse::<u64>().is_ok() && !step.is_empty(), "{l:?}");
        }
        assert!(out.stderr.lines().any(|l| l.contains("us exec pid ")), "no exec step\n{out:?}");
    }
    let quiet = Run::new().env("NSINIT_TRACE", "0").spec(VALID).wrap(PID1).run();
    quiet.assert_code(0).assert_no_stderr();
}

/// No panic is reachable from input (clippy denies unwrap, expect, panic!
/// and unchecked indexing in src/), and the release binary shows it: no
/// panic message, no source path a panic location would carry.
#[test]
fn the_release_binary_holds_no_panic_message() {
    let bin = std::fs::read(nsinit()).expect("read the binary");
    let has = |needle: &[u8]| bin.windows(needle.len()).any(|w| w == needle);
    for needle in [&b"panicked"[..], b"called `Option::unwrap()`", b"called `Result::unwrap()`", b"index out of bounds", b"src/", b".rs\0", b"attempt to"] {
        assert!(!has(needle), "the binary holds {:?}", String::from_utf8_lossy(needle));
    }
}

/// nsinit has its own entry point, not musl's start-up, which would have
/// guarded a set-id start (`AT_SECURE`: /dev/null on a closed 0-2). nsinit
/// is never installed set-id or with file capabilities: such a start is
/// refused, one line, 125. Here a setuid-root copy run by another user.
#[test]
fn a_set_id_start_is_refused() {
    let dir = TempDir::new();
    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let copy = dir.path().join("nsinit");
    fs::copy(nsinit(), &copy).unwrap();
    fs::set_permissions(&copy, fs::Permissions::from_mode(0o4755)).unwrap();
    let uid = rootless_uid().to_string();
    let out = Run::new()
        .program("setpriv")
        .args([format!("--reuid={uid}"), format!("--regid={uid}"), "--clear-groups".into()])
        .arg(copy.to_str().unwrap())
        .arg("--version")
        .run();
    out.assert_failed("nsinit: start: set-id or file capabilities (AT_SECURE): refused, nsinit must be started as it is");
    // The same copy without the bit runs for that user.
    fs::set_permissions(&copy, fs::Permissions::from_mode(0o755)).unwrap();
    let out = Run::new().program("setpriv").args([format!("--reuid={uid}"), format!("--regid={uid}"), "--clear-groups".into()]).arg(copy.to_str().unwrap()).arg("--version").run();
    out.assert_code(0);
}
