//! nsinit's main flow: the contract's steps, in order, one line each.
#![no_std]
#![no_main]

use core::ffi::c_char;
use nsinit::cli::{self, Mode, Options, SpecSource};
use nsinit::diag::{self, At, Error, Object, Reason, Result};
use nsinit::spec::{self, Spec};
use nsinit::sys::{self, cell::Once, cstr::RawArray};
use nsinit::{child, exec, input, reaper, summary};

// libc is linked for musl's start-up code (crt1 calls `main`) and memcpy & co.
extern crate libc;

static SPEC: Once<Spec<'static>> = Once::zeroed();

/// Called by musl's crt with the process's argv and envp.
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: i32, argv: *const *const c_char, envp: *const *const c_char) -> i32 {
    // SAFETY: the C runtime passes NULL-terminated argv and envp arrays that
    // live as long as the process.
    let (argv, envp) = unsafe { (RawArray::from_raw(argv), RawArray::from_raw(envp)) };
    let code = match run(argv, envp) {
        Ok(code) => code,
        Err(e) => {
            diag::report(&e);
            e.exit_code()
        }
    };
    sys::exit_group(code)
}

fn run(argv: RawArray, envp: RawArray) -> Result<'static, i32> {
    let start = sys::monotonic_us();
    // 1. The command line; nothing has changed yet.
    let opts = cli::parse(argv.iter(), envp.iter())
        .map_err(|e| Error::new("cli", Object::Name(e.arg), Reason::Text(e.why)))?;
    if opts.trace {
        diag::trace_on(start);
    }
    match opts.mode {
        Mode::Help => return print(cli::HELP.as_bytes()),
        Mode::Version => return print(concat!("nsinit version ", env!("CARGO_PKG_VERSION"), "\n").as_bytes()),
        Mode::Run | Mode::Check => {}
    }
    // 2. Read and validate the whole spec before anything changes.
    let spec = load_spec(&opts)?;
    if opts.mode == Mode::Check {
        return check(&opts, spec);
    }
    // 3. PID 1's own set-up: signals, subreaper, parent-death signal.
    let signals = reaper::block()?;
    become_reaper(&opts)?;
    // 4. The workload: argv, env, then clone → child steps → execve.
    let command = exec::prepare(
        opts.cmd.map(|i| argv.iter().skip(i)),
        spec.map(|s| s.process.args.as_slice()),
        workload_env(spec, envp),
    )?;
    let plan = child::Plan { command, spec, signals: signals.saved };
    let mut report: child::Report = None;
    let pid = child::start(&plan, &mut report)?;
    diag::trace("exec", Object::Num("pid ", pid as u64));
    if let Some((e, code)) = report {
        diag::report(&e);
        if code == 125 {
            // The child failed before execve: a setup failure, not the workload's.
            let _ = sys::wait4(pid, 0);
            return Ok(125);
        }
    }
    // 5. PID 1: forward signals, reap zombies, exit with the workload's status.
    let status = reaper::run(signals.fd, pid, opts.group);
    Ok(reaper::exit_code(status, |c| opts.expects(c)))
}

/// Reads and validates the spec, if there is one.
fn load_spec(opts: &Options<'static>) -> Result<'static, Option<&'static Spec<'static>>> {
    if opts.spec == SpecSource::None {
        return Ok(None);
    }
    let doc = input::read(opts.spec)?;
    let spec = SPEC.take().ok_or(Error::new("spec", Object::None, Reason::Text("read twice")))?;
    spec::parse(doc, spec)?;
    for w in &spec.warnings {
        diag::warn(&w.to_error());
    }
    if opts.cmd.is_none() && spec.process.args.is_empty() {
        return Err(spec::missing_args());
    }
    if let Some(e) = spec.first_unsupported() {
        return Err(e.into());
    }
    diag::trace("spec", Object::None);
    Ok(Some(spec))
}

/// `--check`: the spec is valid (or load_spec failed already); say what would be done.
fn check(opts: &Options<'static>, spec: Option<&Spec<'static>>) -> Result<'static, i32> {
    let mut l = diag::Line::bare();
    summary::write(&mut l, opts, spec);
    let _ = sys::write_all(1, l.as_bytes());
    Ok(0)
}

/// The workload's environment: `process.env` with a spec, nsinit's own without.
fn workload_env(spec: Option<&'static Spec<'static>>, envp: RawArray) -> impl Iterator<Item = &'static core::ffi::CStr> {
    let from_spec = spec.map(|s| s.process.env.iter().map(|e| e.get()));
    let own = if spec.is_none() { Some(envp.iter()) } else { None };
    from_spec.into_iter().flatten().chain(own.into_iter().flatten())
}

/// Subreaper when asked, the parent-death signal, and a warning when orphans
/// would not come to us.
fn become_reaper(opts: &Options) -> Result<'static, ()> {
    if opts.subreaper {
        sys::set_child_subreaper().at("subreaper", Object::None)?;
    }
    if let Some(sig) = opts.pdeathsig {
        sys::set_pdeathsig(sig).at("parent death signal", Object::Num("signal ", sig as u64))?;
    }
    if sys::getpid() != 1 && !opts.subreaper {
        diag::warn(&Error::new(
            "reaper",
            Object::None,
            Reason::Text("not PID 1 and not a subreaper (-s): orphans will not be reaped"),
        ));
    }
    Ok(())
}

fn print(text: &[u8]) -> Result<'static, i32> {
    sys::write_all(1, text).at("output", Object::Name(b"stdout"))?;
    Ok(0)
}

#[cfg(not(test))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // No message: the formatting machinery would double the binary. A panic
    // is a bug; 125 says nsinit failed.
    sys::exit_group(125)
}
