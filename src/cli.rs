//! The command line and environment → one `Options` value (pure).
//!
//! `nsinit [OPTIONS] [-- CMD [ARG...]]`. Short options follow getopt as tini
//! uses it: they may be grouped (`-sg`) and take their value attached or
//! as the next word (`-e143`, `-e 143`). The first word that is not an option
//! starts CMD, as with tini, so `nsinit sh -c ...` works without `--`.

use crate::signals;
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
    };
    let mut args = argv.enumerate().skip(1);
    let mut spec_given = false;
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
            match name {
                b"spec-fd" => {
                    let v = value(attached)?.to_bytes();
                    o.spec = SpecSource::Fd(parse_fd(v).ok_or(CliError { arg: v, why: "not a file descriptor" })?);
                    spec_given = true;
                }
                b"spec" => {
                    let v = value(attached)?;
                    if v.is_empty() {
                        return err(a, "needs a path");
                    }
                    o.spec = SpecSource::Path(v);
                    spec_given = true;
                }
                b"enter" => {
                    let v = value(attached)?.to_bytes();
                    let pid = crate::text::parse_u32(v).and_then(|n| i32::try_from(n).ok()).filter(|&n| n > 0);
                    o.enter = Some(pid.ok_or(CliError { arg: v, why: "not a process id" })?);
                }
                b"check" => flag(&mut o, Mode::Check)?,
                b"version" => flag(&mut o, Mode::Version)?,
                b"help" => flag(&mut o, Mode::Help)?,
                b"trace" => {
                    if attached.is_some() {
                        return err(a, "takes no value");
                    }
                    o.trace = true;
                }
                _ => return err(a, "unknown option"),
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
            match c {
                b's' => o.subreaper = true,
                b'g' => o.group = true,
                b'h' => o.mode = Mode::Help,
                b'p' => {
                    let v = value(attached)?.to_bytes();
                    o.pdeathsig = Some(signals::parse(v).ok_or(CliError { arg: v, why: "unknown signal" })?);
                    break;
                }
                b'e' => {
                    let v = value(attached)?.to_bytes();
                    let code = crate::text::parse_u32(v).filter(|&c| c <= 255).ok_or(CliError { arg: v, why: "exit status must be 0 to 255" })?;
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
    for e in env {
        let e = e.to_bytes();
        if let Some(v) = e.strip_prefix(b"NSINIT_SPEC_FD=") {
            env_spec = !spec_given;
            if !spec_given {
                o.spec = SpecSource::Fd(parse_fd(v).ok_or(CliError { arg: e, why: "not a file descriptor" })?);
            }
        } else if let Some(v) = e.strip_prefix(b"NSINIT_SUBREAPER=") {
            o.subreaper |= !v.is_empty() && v != b"0";
        } else if let Some(v) = e.strip_prefix(b"NSINIT_TRACE=") {
            o.trace |= !v.is_empty() && v != b"0";
        }
    }
    // The command entered runs with the spec's confinement: there is no
    // entering without one.
    if o.enter.is_some() && !spec_given && !env_spec && o.mode == Mode::Run {
        return err(b"--enter", "needs a spec (--spec-fd N or --spec PATH)");
    }
    Ok(o)
}

fn parse_fd(v: &[u8]) -> Option<i32> {
    crate::text::parse_u32(v).and_then(|n| i32::try_from(n).ok())
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
  -s            register as child subreaper when not PID 1 (NSINIT_SUBREAPER=1)
  -g            forward signals to the workload's process group
  -p SIGNAL     ask for SIGNAL when nsinit's parent dies (e.g. -p SIGKILL)
  -e CODE       report workload exit status CODE as 0 (repeatable)
  --enter PID   run CMD (or process.args) inside the running container whose
                init is PID, confined by the spec's process as its workload
  --check       validate the spec, print a summary, change nothing
  --trace       one line per setup step on stderr, in us since start
                (also NSINIT_TRACE=1)
  --version     print the version
  -h, --help    print this help

Exit status: the workload's (128+N if killed by signal N), 125 when nsinit
fails, 126 when CMD cannot run, 127 when CMD is not found.
";

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

    #[test]
    fn modes() {
        assert_eq!(run(&["--version"], &[]).unwrap().mode, Mode::Version);
        assert_eq!(run(&["--help"], &[]).unwrap().mode, Mode::Help);
        assert_eq!(run(&["-h"], &[]).unwrap().mode, Mode::Help);
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
    fn dash_alone_and_words() {
        // A lone "-" is a plain word: it starts CMD.
        assert_eq!(run(&["-"], &[]).unwrap().cmd, Some(1));
        assert_eq!(run(&["--"], &[]).unwrap().cmd, Some(2));
        assert_eq!(run(&["-s"], &[]).unwrap().cmd, None);
    }
}
