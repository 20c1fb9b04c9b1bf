//! The command line and environment → one `Options` value (pure).
//!
//! `nsinit [OPTIONS] [-- CMD [ARG...]]`. Short options follow getopt as tini
//! uses it: they may be grouped (`-sg`) and take their value attached or
//! as the next word (`-e143`, `-e 143`). The first word that is not an option
//! starts CMD, as with tini, so `nsinit sh -c ...` works without `--`.
//!
//! tini's whole command line and environment are accepted, since `docker
//! run --init` and `podman run --init` pass the init no flags and operators
//! set tini's variables instead (tini's `parse_args`/`parse_env`).

use crate::{signals, text};
use core::ffi::CStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecSource<'a> {
    /// Reaper mode: no setup, CMD as a child.
    None,
    Fd(i32),
    Path(&'a CStr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Run,
    Check,
    Version,
    Help,
    Licence,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options<'a> {
    pub mode: Mode,
    pub spec: SpecSource<'a>,
    /// Index in argv of CMD's first word.
    pub cmd: Option<usize>,
    pub subreaper: bool,
    pub group: bool,
    pub pdeathsig: Option<i32>,
    /// Exit statuses to report as 0 (`-e`), one bit each.
    pub expect: [u64; 4],
    pub trace: bool,
    /// `--enter PID`: join that running container instead of making one.
    pub enter: Option<i32>,
    /// Warn for every reaped child that was not the workload (`-w`).
    pub warn_reap: bool,
    /// 0: no warnings; 1 (the default): warnings; more (`-v`, repeatable)
    /// is accepted, as tini's levels, and prints nothing more.
    pub verbosity: u8,
}

impl Options<'_> {
    pub fn expects(&self, code: u8) -> bool {
        self.expect.get((code / 64) as usize).is_some_and(|w| w >> (code % 64) & 1 == 1)
    }
}

/// A bad command line: the option (or value) and what is wrong with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CliError<'a> {
    pub arg: &'a [u8],
    pub why: &'static str,
}

fn err<'a, T>(arg: &'a [u8], why: &'static str) -> Result<T, CliError<'a>> {
    Err(CliError { arg, why })
}

/// The short options by letter, the long options and the environment
/// variables read by name: one string of letters or names each
/// (`text::word_index`) and the meaning of each in the same order. (A match
/// on the letters themselves compiles to a jump table spanning 'e' to 'w'.)
#[derive(Clone, Copy)]
enum Short {
    Subreaper,
    Group,
    Help,
    Licence,
    WarnReap,
    Verbose,
    Pdeathsig,
    Expect,
}
const SHORT_LETTERS: &[u8] = b"sghlwvpe";
const SHORT: [Short; 8] = [
    Short::Subreaper,
    Short::Group,
    Short::Help,
    Short::Licence,
    Short::WarnReap,
    Short::Verbose,
    Short::Pdeathsig,
    Short::Expect,
];

#[derive(Clone, Copy)]
enum Long {
    SpecFd,
    Spec,
    Enter,
    Check,
    Version,
    Help,
    Trace,
}
const LONG_NAMES: &[u8] = b"spec-fd spec enter check version help trace";
const LONG: [Long; 7] = [Long::SpecFd, Long::Spec, Long::Enter, Long::Check, Long::Version, Long::Help, Long::Trace];

#[derive(Clone, Copy)]
enum Env {
    SpecFd,
    Subreaper,
    KillProcessGroup,
    Trace,
    TiniSubreaper,
    TiniKillProcessGroup,
    Verbosity,
    TiniVerbosity,
}
const ENV_NAMES: &[u8] = b"NSINIT_SPEC_FD NSINIT_SUBREAPER NSINIT_KILL_PROCESS_GROUP NSINIT_TRACE \
TINI_SUBREAPER TINI_KILL_PROCESS_GROUP NSINIT_VERBOSITY TINI_VERBOSITY";
const ENV: [Env; 8] = [
    Env::SpecFd,
    Env::Subreaper,
    Env::KillProcessGroup,
    Env::Trace,
    Env::TiniSubreaper,
    Env::TiniKillProcessGroup,
    Env::Verbosity,
    Env::TiniVerbosity,
];

/// Parses argv (argv[0] included) and the environment.
pub fn parse<'a>(
    argv: impl Iterator<Item = &'a CStr>,
    env: impl Iterator<Item = &'a CStr>,
) -> Result<Options<'a>, CliError<'a>> {
    let mut o = Options {
        mode: Mode::Run,
        spec: SpecSource::None,
        cmd: None,
        subreaper: false,
        group: false,
        pdeathsig: None,
        expect: [0; 4],
        trace: false,
        enter: None,
        warn_reap: false,
        verbosity: 1,
    };
    let mut args = argv.enumerate().skip(1);
    let mut spec_given = false;
    // `-v` counted; the command line wins over the environment.
    let mut verbose_flags: Option<u8> = None;
    while let Some((i, arg)) = args.next() {
        let a = arg.to_bytes();
        // The value of an option: attached at byte `at` of this word
        // (`--spec-fd=3`, `-e3`) or the next word. A tail of a C string is
        // still NUL-terminated, so values stay `&CStr`.
        let mut value = |at: Option<usize>| -> Result<&'a CStr, CliError<'a>> {
            match at {
                Some(at) => arg
                    .to_bytes_with_nul()
                    .get(at..)
                    .and_then(|t| CStr::from_bytes_with_nul(t).ok())
                    .ok_or(CliError { arg: a, why: "invalid value" }),
                None => args.next().map(|(_, v)| v).ok_or(CliError { arg: a, why: "needs a value" }),
            }
        };
        if a == b"--" {
            o.cmd = Some(i + 1);
            break;
        }
        if let Some(long) = a.strip_prefix(b"--") {
            let (name, attached) = match long.iter().position(|&c| c == b'=') {
                Some(eq) => (long.get(..eq).unwrap_or(&[]), Some(2 + eq + 1)),
                None => (long, None),
            };
            let flag = |o: &mut Options<'a>, mode| {
                if attached.is_some() {
                    return err(a, "takes no value");
                }
                o.mode = mode;
                Ok(())
            };
            match text::word_index(LONG_NAMES, name).and_then(|i| LONG.get(i)) {
                Some(Long::SpecFd) => {
                    let v = value(attached)?.to_bytes();
                    o.spec = SpecSource::Fd(parse_fd(v).ok_or(CliError { arg: v, why: "not a file descriptor" })?);
                    spec_given = true;
                }
                Some(Long::Spec) => {
                    let v = value(attached)?;
                    if v.is_empty() {
                        return err(a, "needs a path");
                    }
                    o.spec = SpecSource::Path(v);
                    spec_given = true;
                }
                Some(Long::Enter) => {
                    let v = value(attached)?.to_bytes();
                    let pid = text::parse_u32(v).and_then(|n| i32::try_from(n).ok()).filter(|&n| n > 0);
                    o.enter = Some(pid.ok_or(CliError { arg: v, why: "not a process id" })?);
                }
                Some(Long::Check) => flag(&mut o, Mode::Check)?,
                Some(Long::Version) => flag(&mut o, Mode::Version)?,
                Some(Long::Help) => flag(&mut o, Mode::Help)?,
                Some(Long::Trace) => {
                    if attached.is_some() {
                        return err(a, "takes no value");
                    }
                    o.trace = true;
                }
                None => return err(a, "unknown option"),
            }
            continue;
        }
        let Some(shorts) = a.strip_prefix(b"-").filter(|s| !s.is_empty()) else {
            // The first plain word starts CMD.
            o.cmd = Some(i);
            break;
        };
        let mut j = 0;
        while let Some(&c) = shorts.get(j) {
            j += 1;
            // A value attached to this letter starts at byte 1 + j of the word.
            let attached = (j < shorts.len()).then_some(1 + j);
            match SHORT_LETTERS.iter().position(|&s| s == c).and_then(|i| SHORT.get(i)) {
                Some(Short::Subreaper) => o.subreaper = true,
                Some(Short::Group) => o.group = true,
                Some(Short::Help) => o.mode = Mode::Help,
                Some(Short::Licence) => o.mode = Mode::Licence,
                Some(Short::WarnReap) => o.warn_reap = true,
                Some(Short::Verbose) => verbose_flags = Some(verbose_flags.unwrap_or(0).saturating_add(1)),
                Some(Short::Pdeathsig) => {
                    let v = value(attached)?.to_bytes();
                    o.pdeathsig = Some(signals::parse(v).ok_or(CliError { arg: v, why: "unknown signal" })?);
                    break;
                }
                Some(Short::Expect) => {
                    let v = value(attached)?.to_bytes();
                    let code = text::parse_u32(v).filter(|&c| c <= 255).ok_or(CliError { arg: v, why: "exit status must be 0 to 255" })?;
                    if let Some(w) = o.expect.get_mut((code / 64) as usize) {
                        *w |= 1 << (code % 64);
                    }
                    break;
                }
                _ => return err(a, "unknown option"),
            }
        }
    }
    let mut env_spec = false;
    let (mut nsinit_verbosity, mut tini_verbosity) = (None, None);
    for e in env {
        let e = e.to_bytes();
        // Most of an environment is nobody's of ours: one look at the
        // first letter, not a walk of the name list for each variable.
        if !matches!(e.first(), Some(b'N' | b'T')) {
            continue;
        }
        // NSINIT_* switches are on unless empty or 0; tini's are on when set
        // at all (`getenv(...) != NULL` in tini's parse_env), even empty.
        let on = |v: &[u8]| !v.is_empty() && v != b"0";
        let Some(eq) = e.iter().position(|&c| c == b'=') else { continue };
        let (name, v) = (e.get(..eq).unwrap_or(&[]), e.get(eq + 1..).unwrap_or(&[]));
        match text::word_index(ENV_NAMES, name).and_then(|i| ENV.get(i)) {
            Some(Env::SpecFd) => {
                env_spec = !spec_given;
                if !spec_given {
                    o.spec = SpecSource::Fd(parse_fd(v).ok_or(CliError { arg: e, why: "not a file descriptor" })?);
                }
            }
            Some(Env::Subreaper) => o.subreaper |= on(v),
            Some(Env::KillProcessGroup) => o.group |= on(v),
            Some(Env::Trace) => o.trace |= on(v),
            Some(Env::TiniSubreaper) => o.subreaper = true,
            Some(Env::TiniKillProcessGroup) => o.group = true,
            Some(Env::Verbosity) => nsinit_verbosity = parse_verbosity(e, v)?.or(nsinit_verbosity),
            Some(Env::TiniVerbosity) => tini_verbosity = parse_verbosity(e, v)?.or(tini_verbosity),
            None => {}
        }
    }
    // The command entered runs with the spec's confinement: there is no
    // entering without one.
    if o.enter.is_some() && !spec_given && !env_spec && o.mode == Mode::Run {
        return err(b"--enter", "needs a spec (--spec-fd N or --spec PATH)");
    }
    o.verbosity = match verbose_flags {
        Some(n) => n.saturating_add(1),
        None => nsinit_verbosity.or(tini_verbosity).unwrap_or(o.verbosity),
    };
    Ok(o)
}

/// A verbosity level: a decimal number (capped at 255); empty means unset.
/// tini's `atoi` would read anything else as 0 and silence its warnings:
/// a typo is refused instead.
fn parse_verbosity<'a>(e: &'a [u8], v: &[u8]) -> Result<Option<u8>, CliError<'a>> {
    if v.is_empty() {
        return Ok(None);
    }
    let n = text::parse_u32(v).ok_or(CliError { arg: e, why: "verbosity must be a number" })?;
    Ok(Some(u8::try_from(n).unwrap_or(u8::MAX)))
}

fn parse_fd(v: &[u8]) -> Option<i32> {
    text::parse_u32(v).and_then(|n| i32::try_from(n).ok())
}

pub const HELP: &str = "\
usage: nsinit [OPTIONS] [-- CMD [ARG...]]
       nsinit --enter PID (--spec-fd N | --spec PATH) [-- CMD [ARG...]]

A static init for Linux containers: reads an OCI spec, sets the container up
from the inside, runs CMD (or process.args) as its child, forwards signals,
reaps zombies and exits with the workload's status.

  --spec-fd N   read the spec from fd N until EOF (also NSINIT_SPEC_FD=N)
  --spec PATH   read the spec from a file
                (no spec: reaper mode, like tini)
  -s            register as child subreaper when not PID 1
                (also NSINIT_SUBREAPER=1, or TINI_SUBREAPER set)
  -g            forward signals to the workload's process group
                (also NSINIT_KILL_PROCESS_GROUP=1, or TINI_KILL_PROCESS_GROUP set)
  -p SIGNAL     ask for SIGNAL when nsinit's parent dies (e.g. -p SIGKILL)
  -e CODE       report workload exit status CODE as 0 (repeatable)
  --enter PID   run CMD (or process.args) inside the running container whose
                init is PID, confined by the spec's process as its workload
  -w            warn when a zombie that was not the workload is reaped
  -v            more verbose (repeatable; NSINIT_VERBOSITY=N or
                TINI_VERBOSITY=N: 0 silences warnings, default 1)
  --check       validate the spec, print a summary, change nothing
  --trace       one line per setup step on stderr, in us since start
                (also NSINIT_TRACE=1)
  --version     print the version
  -l            print the licence
  -h, --help    print this help

Exit status: the workload's (128+N if killed by signal N), 125 when nsinit
fails, 126 when CMD cannot run, 127 when CMD is not found.
";

/// `-l`: tini prints its whole LICENSE file; the names and where to read
/// them say the same in fewer bytes.
pub const LICENCE: &str = concat!(
    "nsinit ",
    env!("CARGO_PKG_VERSION"),
    " is licensed under ",
    env!("CARGO_PKG_LICENSE"),
    ", at your option:\n  https://opensource.org/licenses/MIT\n  https://www.apache.org/licenses/LICENSE-2.0\n"
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;

    fn run(args: &[&str], env: &[&str]) -> Result<Options<'static>, String> {
        let argv: Vec<&'static CStr> = std::iter::once("nsinit")
            .chain(args.iter().copied())
            .map(|s| &*Box::leak(CString::new(s).unwrap().into_boxed_c_str()))
            .collect();
        let envv: Vec<&'static CStr> =
            env.iter().map(|s| &*Box::leak(CString::new(*s).unwrap().into_boxed_c_str())).collect();
        parse(argv.into_iter(), envv.into_iter())
            .map_err(|e| format!("{}: {}", String::from_utf8_lossy(e.arg), e.why))
    }

    #[test]
    fn tini_flags() {
        let o = run(&["-s", "-g", "-p", "SIGKILL", "-e", "143", "-e", "0", "--", "sleep", "1"], &[]).unwrap();
        assert!(o.subreaper && o.group);
        assert_eq!(o.pdeathsig, Some(9));
        assert!(o.expects(143) && o.expects(0) && !o.expects(1));
        assert_eq!(o.cmd, Some(10));
        assert_eq!(o.mode, Mode::Run);
        assert_eq!(o.spec, SpecSource::None);
    }

    #[test]
    fn grouped_and_attached() {
        let o = run(&["-sg", "-e3", "-pSIGTERM", "true"], &[]).unwrap();
        assert!(o.subreaper && o.group && o.expects(3));
        assert_eq!(o.pdeathsig, Some(15));
        assert_eq!(o.cmd, Some(4));
        let o = run(&["-se", "255", "--", "x"], &[]).unwrap();
        assert!(o.subreaper && o.expects(255));
    }

    #[test]
    fn spec_sources() {
        assert_eq!(run(&["--spec-fd", "3"], &[]).unwrap().spec, SpecSource::Fd(3));
        assert_eq!(run(&["--spec-fd=7"], &[]).unwrap().spec, SpecSource::Fd(7));
        assert_eq!(run(&[], &["NSINIT_SPEC_FD=4"]).unwrap().spec, SpecSource::Fd(4));
        // The command line wins over the environment.
        assert_eq!(run(&["--spec-fd", "5"], &["NSINIT_SPEC_FD=4"]).unwrap().spec, SpecSource::Fd(5));
        match run(&["--spec", "/tmp/config.json"], &[]).unwrap().spec {
            SpecSource::Path(p) => assert_eq!(p.to_bytes(), b"/tmp/config.json"),
            other => panic!("{other:?}"),
        }
        match run(&["--spec=cfg.json"], &[]).unwrap().spec {
            SpecSource::Path(p) => assert_eq!(p.to_bytes(), b"cfg.json"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn environment() {
        let o = run(&["--", "x"], &["NSINIT_SUBREAPER=1", "NSINIT_TRACE=1", "PATH=/bin"]).unwrap();
        assert!(o.subreaper && o.trace);
        let o = run(&["--", "x"], &["NSINIT_SUBREAPER=0", "NSINIT_TRACE="]).unwrap();
        assert!(!o.subreaper && !o.trace);
    }

    /// tini's flags and variables, and nsinit's names for them: (name,
    /// args, env, subreaper, group, warn_reap, verbosity).
    #[test]
    fn tini_compatibility() {
        type Row = (&'static str, &'static [&'static str], &'static [&'static str], bool, bool, bool, u8);
        let rows: &[Row] = &[
            ("defaults", &[], &[], false, false, false, 1),
            ("TINI_SUBREAPER set", &[], &["TINI_SUBREAPER=1"], true, false, false, 1),
            ("TINI_SUBREAPER empty is on (getenv != NULL)", &[], &["TINI_SUBREAPER="], true, false, false, 1),
            ("TINI_SUBREAPER=0 is on too", &[], &["TINI_SUBREAPER=0"], true, false, false, 1),
            ("TINI_KILL_PROCESS_GROUP set", &[], &["TINI_KILL_PROCESS_GROUP=1"], false, true, false, 1),
            ("TINI_KILL_PROCESS_GROUP empty", &[], &["TINI_KILL_PROCESS_GROUP="], false, true, false, 1),
            ("NSINIT_KILL_PROCESS_GROUP=1", &[], &["NSINIT_KILL_PROCESS_GROUP=1"], false, true, false, 1),
            ("NSINIT_KILL_PROCESS_GROUP=0 is off", &[], &["NSINIT_KILL_PROCESS_GROUP=0"], false, false, false, 1),
            ("NSINIT_KILL_PROCESS_GROUP empty is off", &[], &["NSINIT_KILL_PROCESS_GROUP="], false, false, false, 1),
            ("a name that only starts like one", &[], &["TINI_SUBREAPERX=1", "XTINI_KILL_PROCESS_GROUP=1"], false, false, false, 1),
            ("-w", &["-w"], &[], false, false, true, 1),
            ("-v", &["-v"], &[], false, false, false, 2),
            ("-vvv", &["-vvv"], &[], false, false, false, 4),
            ("-v -v -w grouped", &["-v", "-vw"], &[], false, false, true, 3),
            ("-sgwv", &["-sgwv"], &[], true, true, true, 2),
            ("TINI_VERBOSITY=0 silences", &[], &["TINI_VERBOSITY=0"], false, false, false, 0),
            ("TINI_VERBOSITY=3", &[], &["TINI_VERBOSITY=3"], false, false, false, 3),
            ("NSINIT_VERBOSITY=0", &[], &["NSINIT_VERBOSITY=0"], false, false, false, 0),
            ("NSINIT_VERBOSITY wins over TINI_VERBOSITY", &[], &["NSINIT_VERBOSITY=2", "TINI_VERBOSITY=0"], false, false, false, 2),
            ("... in either order", &[], &["TINI_VERBOSITY=0", "NSINIT_VERBOSITY=2"], false, false, false, 2),
            ("-v wins over the environment", &["-v"], &["TINI_VERBOSITY=0"], false, false, false, 2),
            ("an empty verbosity is unset", &[], &["TINI_VERBOSITY="], false, false, false, 1),
            ("a verbosity over 255 is 255", &[], &["TINI_VERBOSITY=4000"], false, false, false, 255),
        ];
        for &(name, args, env, subreaper, group, warn_reap, verbosity) in rows {
            let args: Vec<&str> = args.iter().copied().chain(["--", "x"]).collect();
            let o = run(&args, env).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!((o.subreaper, o.group, o.warn_reap, o.verbosity), (subreaper, group, warn_reap, verbosity), "{name}");
            assert_eq!((o.mode, o.cmd), (Mode::Run, Some(args.len())), "{name}");
        }
        let many_v = format!("-{}", "v".repeat(300));
        assert_eq!(run(&[&many_v], &[]).unwrap().verbosity, 255);
    }

    #[test]
    fn modes() {
        assert_eq!(run(&["--version"], &[]).unwrap().mode, Mode::Version);
        assert_eq!(run(&["--help"], &[]).unwrap().mode, Mode::Help);
        assert_eq!(run(&["-h"], &[]).unwrap().mode, Mode::Help);
        assert_eq!(run(&["-l"], &[]).unwrap().mode, Mode::Licence);
        assert_eq!(run(&["-sl", "--", "x"], &[]).unwrap().mode, Mode::Licence);
        assert_eq!(run(&["--check", "--spec", "x"], &[]).unwrap().mode, Mode::Check);
        assert!(run(&["--trace", "--", "x"], &[]).unwrap().trace);
    }

    #[test]
    fn errors() {
        let rows: &[(&[&str], &[&str], &str)] = &[
            (&["-x"], &[], "-x: unknown option"),
            (&["--bogus"], &[], "--bogus: unknown option"),
            (&["-p"], &[], "-p: needs a value"),
            (&["-p", "SIGFOO"], &[], "SIGFOO: unknown signal"),
            (&["-e", "256"], &[], "256: exit status must be 0 to 255"),
            (&["-e", "-1"], &[], "-1: exit status must be 0 to 255"),
            (&["-e", "x"], &[], "x: exit status must be 0 to 255"),
            (&["--spec-fd"], &[], "--spec-fd: needs a value"),
            (&["--spec-fd", "three"], &[], "three: not a file descriptor"),
            (&["--spec-fd", "99999999999"], &[], "99999999999: not a file descriptor"),
            (&["--spec", ""], &[], "--spec: needs a path"),
            (&["--version=1"], &[], "--version=1: takes no value"),
            (&["--trace=1"], &[], "--trace=1: takes no value"),
            (&[], &["NSINIT_SPEC_FD=x"], "NSINIT_SPEC_FD=x: not a file descriptor"),
            (&["-sx"], &[], "-sx: unknown option"),
            (&["-vx"], &[], "-vx: unknown option"),
            (&[], &["TINI_VERBOSITY=x"], "TINI_VERBOSITY=x: verbosity must be a number"),
            (&[], &["TINI_VERBOSITY=-1"], "TINI_VERBOSITY=-1: verbosity must be a number"),
            (&[], &["NSINIT_VERBOSITY=1x"], "NSINIT_VERBOSITY=1x: verbosity must be a number"),
            (&[], &["NSINIT_VERBOSITY=99999999999"], "NSINIT_VERBOSITY=99999999999: verbosity must be a number"),
        ];
        for (args, env, want) in rows {
            assert_eq!(run(args, env).unwrap_err(), *want, "{args:?}");
        }
    }

    #[test]
    fn enter() {
        let o = run(&["--enter", "42", "--spec", "c.json", "--", "sh"], &[]).unwrap();
        assert_eq!((o.enter, o.cmd), (Some(42), Some(6)));
        assert_eq!(run(&["--enter=7", "--spec-fd", "3"], &[]).unwrap().enter, Some(7));
        assert_eq!(run(&["--enter", "7"], &["NSINIT_SPEC_FD=3"]).unwrap().enter, Some(7));
        let rows: &[(&[&str], &str)] = &[
            (&["--enter", "42", "--", "sh"], "--enter: needs a spec (--spec-fd N or --spec PATH)"),
            (&["--enter", "0", "--spec", "c"], "0: not a process id"),
            (&["--enter", "-1", "--spec", "c"], "-1: not a process id"),
            (&["--enter", "x", "--spec", "c"], "x: not a process id"),
            (&["--enter", "2147483648", "--spec", "c"], "2147483648: not a process id"),
            (&["--enter"], "--enter: needs a value"),
        ];
        for (args, want) in rows {
            assert_eq!(run(args, &[]).unwrap_err(), *want, "{args:?}");
        }
    }

    #[test]
    fn name_tables_line_up() {
        assert_eq!(SHORT_LETTERS.len(), SHORT.len());
        assert_eq!(LONG_NAMES.split(|&c| c == b' ').count(), LONG.len());
        assert_eq!(ENV_NAMES.split(|&c| c == b' ').count(), ENV.len());
        // Each long option by its name: a flag or one taking a value.
        for (name, mode) in [("check", Mode::Check), ("version", Mode::Version), ("help", Mode::Help)] {
            assert_eq!(run(&[&format!("--{name}")], &[]).unwrap().mode, mode);
        }
        // Only the whole name: neither a prefix nor the name with more.
        for bad in ["--spec-", "--spe", "--tracex", "--trace-"] {
            assert_eq!(run(&[bad], &[]).unwrap_err(), format!("{bad}: unknown option"));
        }
        for env in ["NSINIT_TRACEX=1", "XNSINIT_TRACE=1", "NSINIT_TRACE"] {
            assert!(!run(&["--", "x"], &[env]).unwrap().trace, "{env}");
        }
    }

    #[test]
    fn dash_alone_and_words() {
        // A lone "-" is a plain word: it starts CMD.
        assert_eq!(run(&["-"], &[]).unwrap().cmd, Some(1));
        assert_eq!(run(&["--"], &[]).unwrap().cmd, Some(2));
        assert_eq!(run(&["-s"], &[]).unwrap().cmd, None);
    }
}
