//! nsinit's main flow: the contract's steps, in order, one line each.
#![no_std]
#![no_main]
// As in the library: no panic reachable from input.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::unreachable)]

use core::ffi::c_char;
use nsinit::cli::{self, Mode, Options, SpecSource};
use nsinit::diag::{self, At, Error, Object, Reason, Result};
use nsinit::spec::{self, Spec};
use nsinit::sys::{self, cell::Once, cstr::RawArray};
use nsinit::{caps, child, enter, exec, input, reaper, rootfs, seccomp, summary, system};

// libc is linked for memcpy & co. (musl's start-up is not used: the entry
// point is `sys::start`'s, which calls `main`).
extern crate libc;

static SPEC: Once<Spec<'static>> = Once::zeroed();

/// Called by the entry point (`sys::start`) with the process's argv and envp.
#[unsafe(no_mangle)]
extern "C" fn main(_argc: i32, argv: *const *const c_char, envp: *const *const c_char) -> i32 {
    // SAFETY: the entry point (`sys::start`) passes the kernel's
    // NULL-terminated argv and envp arrays, which live as long as the process.
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
    // 0. Not dumpable before anything else: no ptrace, no /proc/N/mem,
    // environ or exe for anyone else of the container, even while nsinit
    // blocks reading a spec (a workload that re-executes nsinit's binary is
    // refused, but the first defence is here).
    sys::set_dumpable(false).at("harden", Object::Name(b"dumpable")).or_fail();
    // 1. The command line; nothing has changed yet.
    let opts = match cli::parse(argv.iter(), envp.iter()) {
        Ok(o) => o,
        Err(e) => fail(&Error::new("cli", Object::Name(e.arg), Reason::Text(e.why))),
    };
    if opts.trace {
        diag::trace_on(start);
    }
    if opts.verbosity == 0 {
        diag::quiet();
    }
    match opts.mode {
        Mode::Help => return print(cli::HELP.as_bytes()),
        Mode::Licence => return print(cli::LICENCE.as_bytes()),
        // tini's format, as catatonit does: `docker version` parses
        // "tini version X" from the init's --version.
        Mode::Version => return print(concat!("tini version ", env!("CARGO_PKG_VERSION"), "_nsinit\n").as_bytes()),
        Mode::Run | Mode::Check => {}
    }
    // 2. Read and validate the whole spec before anything changes.
    // Not entered without a spec: the parser's frame (some 9 KiB, each
    // page touched on entry) is for spec mode alone.
    let loaded = if opts.spec == SpecSource::None { Ok(None) } else { load_spec(&opts).or_fail() };
    let spec = match loaded {
        Ok(spec) => spec,
        Err(e) => {
            diag::report_spec(&e);
            return Ok(125);
        }
    };
    // Socket activation passes descriptors on; `--enter` closed all but
    // 0-2 at its start, so it has none to pass, and the command must not
    // be told it has (LISTEN_FDS would name whatever took those numbers).
    let listen = if opts.enter.is_some() { 0 } else { exec::listen_fds(envp.iter(), sys::getpid()) };
    let last_cap = caps::kernel_last_cap();
    let filter = match compile_filter(spec, listen, last_cap) {
        Ok(f) => f,
        Err(e) => {
            diag::report_spec(&e);
            return Ok(125);
        }
    };
    if opts.mode == Mode::Check {
        warn_spec(spec);
        return check(&opts, spec);
    }
    // Entering: nothing the caller leaked may follow into the container;
    // the caller's stdin is read through a description of nsinit's own.
    let caller_in = if opts.enter.is_some() {
        enter::close_inherited().or_fail();
        nsinit::pump::fill_closed_stdio().at("enter", Object::Name(b"/dev/null on a closed 0-2")).or_fail();
        nsinit::pump::own_stdin()
    } else {
        0
    };
    // 3. PID 1's own set-up: signals, subreaper, parent-death signal.
    let signals = reaper::block().or_fail();
    become_reaper(&opts).or_fail();
    // nsinit's own file, asked while the parent's /proc is still there.
    let own = spec.and_then(|_| exec::own_binary());
    // 4. The container, from the inside; or (--enter) joined: its cgroups
    // and namespaces, its root as the working directory.
    let mut old_root = None;
    let mut joined = None;
    match (spec, opts.enter) {
        (Some(spec), Some(pid)) => {
            system::oom_score(spec).or_fail();
            joined = Some(enter::join(pid, (spec.process.user.uid, spec.process.user.gid)).or_fail());
        }
        (Some(spec), None) => old_root = container(spec),
        (None, _) => {}
    }
    // 5. The workload: argv, env, then clone → child steps → execve.
    let command = exec::prepare(
        opts.cmd.map(|i| argv.iter().skip(i)),
        spec.map(|s| s.process.args.as_slice()),
        workload_env(spec, envp),
        Some((listen, envp.iter())),
    )?;
    if let (Some(own), Some(s)) = (own, spec) {
        if let Err(e) = exec::refuse_own_binary(command, own, s.process.cwd.map(|c| c.get())) {
            diag::report(&e);
            return Ok(126);
        }
    }
    let terminal = spec.is_some_and(|s| s.process.terminal) && sys::isatty(0);
    // Entering: the command's stdio are pipes, or with a terminal a pty of
    // the container's, copied to and from ours (`pump`), never the
    // caller's own descriptors.
    let pipes = match opts.enter {
        Some(_) if terminal => {
            Some(nsinit::pump::Pipes::pty(caller_in).map_err(|r| Error::new("terminal", Object::Name(b"/dev/pts/ptmx"), r))?)
        }
        Some(_) => Some(nsinit::pump::Pipes::new(caller_in).at("enter", Object::Name(b"stdio pipes"))?),
        None => None,
    };
    // Made by host root outside the container's user namespace: the
    // command's ends go to the ids the child becomes there.
    let userns = joined.and_then(|j| j.outside);
    if let (Some(p), Some((uid, gid))) = (pipes, userns.and_then(|o| o.owner)) {
        p.hand_to(uid, gid).at("enter", Object::Name(b"stdio owner"))?;
    }
    let mut plan = child::Plan {
        command: &mut *command,
        spec,
        signals: signals.saved,
        filter,
        last_cap,
        terminal,
        loopback: opts.enter.is_none(),
        pipes,
        userns: userns.map(|o| o.pidfd),
        cgroups: joined.map(|j| j.cgroups).unwrap_or_default(),
    };
    let mut report = child::Report::default();
    // While the child sets itself up, PID 1 keeps only what forwarding
    // signals needs: no descriptor but 0-2 and its signalfd (the spec fd
    // is closed already; the pidfd and the cgroup files `--enter` kept for
    // the child's joins, which the child holds copies of; anything a parent
    // leaked goes), and no capability but CAP_KILL when the workload may run as
    // another uid. Done before the workload's execve, not after.
    // Entered from outside the container's user namespace, the command's
    // uid there says nothing of its uid here: kept.
    let other_uid = userns.is_some() || reaper::keeps_kill(spec.map(|s| &s.process), sys::getuid());
    // The host's old root is detached here too, in parallel with the
    // child (it costs as much as the child's own set-up), and before the
    // gate opens: the workload never runs with it attached.
    let root_obj = Object::Name(spec.and_then(|s| s.root.path).map_or(&b"/"[..], |p| p.to_bytes()));
    let mut hardened = Ok(());
    let harden = |_pid: i32| {
        hardened = old_root.map_or(Ok(()), |o| o.detach()).map_err(|e| Error::new("pivot_root", root_obj, Reason::Errno(e)));
        if hardened.is_ok() {
            let ([a, b, c], d) = pipes.map_or(([signals.fd; 3], signals.fd), |p| (p.ours, p.caller_in));
            close_fds_except(&[signals.fd, a, b, c, d]);
            if let Some(p) = pipes {
                p.started();
            }
            hardened = caps::drop_for_pid1(other_uid)
                .map_err(|(c, e)| Error::new("harden", Object::Name(caps::name(c).as_bytes()), Reason::Errno(e)));
        }
        hardened.is_ok()
    };
    diag::trace("spawn", Object::None);
    let pid = child::start(&mut plan, &mut report, harden)?;
    // PID 1 could not get ready: the child was killed at the gate.
    if let Err(e) = hardened {
        // Reaps the killed child; its status adds nothing to this error.
        let _ = sys::wait4(pid, 0);
        return Err(e);
    }
    diag::trace("exec", Object::Num("pid ", pid as u64));
    if let Some(code) = setup_failed(pid, &report) {
        return Ok(code);
    }
    // execve copied the workload's argv and envp: their arrays can go.
    sys::cell::release(command);
    // Warnings only now: a failure is exactly one line, never after them.
    warn_spec(spec);
    caps::warn_skipped_ambient(report.ambient_skipped);
    if opts.enter.is_none() {
        warn_reaper();
    }
    // 6. PID 1: forward signals, reap zombies, exit with the workload's status.
    reaper::run_to_exit(signals.fd, pid, opts.group, opts.warn_reap, pipes, |c| opts.expects(c))
}

/// Reports a failed step and exits 125, as `main` does with `run`'s
/// error, but at the failing call: each `?` there copied its ~80-byte
/// `Error` out into `run`'s result. Only where nothing that closes on drop
/// is held (the same syscalls, in the same order, as returning the error).
#[inline(never)]
fn fail(e: &Error) -> ! {
    diag::report(e);
    sys::exit_group(e.exit_code())
}

trait OrFail<T> {
    /// The value, or `fail` with the error.
    fn or_fail(self) -> T;
}

impl<T> OrFail<T> for Result<'_, T> {
    #[inline(always)]
    fn or_fail(self) -> T {
        match self {
            Ok(v) => v,
            Err(e) => fail(&e),
        }
    }
}

/// The container from the inside: oom score, the new root, names,
/// sysctls, masked and read-only paths (`lo` comes up in the child); the
/// old root is returned for PID 1 to detach. Out of line: its steps' path
/// buffers are on the stack only in spec mode (a frame's pages are touched
/// on entry, each a page fault).
///
/// A failing step reports and exits here (`fail`); with the old root held,
/// after closing it, as returning the error did.
#[inline(never)]
fn container(spec: &'static Spec<'static>) -> Option<rootfs::OldRoot> {
    system::oom_score(spec).or_fail();
    let old_root = rootfs::enter(spec).or_fail();
    let rest = || -> Result<'static, ()> {
        system::names(spec)?;
        system::sysctls(spec)?;
        rootfs::paths(spec)
    };
    if let Err(e) = rest() {
        drop(old_root);
        fail(&e);
    }
    old_root
}

/// When the child failed before or at its execve, says why, reaps it and
/// returns the status it recorded: 125 for a setup step, 126/127 for the
/// execve. The recorded one, not the child's exit status: a filter may
/// deny its exit_group, and then a trap ends it (`sys::exit_group`).
fn setup_failed(pid: i32, report: &child::Report) -> Option<i32> {
    match &report.failure {
        Some((e, code)) => {
            diag::report(e);
            let _ = sys::wait4(pid, 0);
            Some(*code)
        }
        None if report.reached_exec => None,
        None => {
            // Killed before execve (a filter loaded without no_new_privs
            // killing a step): a setup failure, not the workload's status.
            let sig = sys::wait4(pid, 0).ok().flatten().map_or(0, |(_, st)| st & 0x7f);
            diag::report(&Error::new("spawn", Object::Num("killed by signal ", sig as u64), Reason::Text("before execve")));
            Some(125)
        }
    }
}

/// Reads and validates the spec, if there is one: an error reading it, or
/// an error in it (with its JSON path).
type Loaded = core::result::Result<Option<&'static Spec<'static>>, nsinit::json::Error<'static>>;

#[inline(never)]
fn load_spec(opts: &Options<'static>) -> Result<'static, Loaded> {
    let doc = input::read(opts.spec)?;
    let spec = SPEC.take().ok_or(Error::new("spec", Object::None, Reason::Text("read twice")))?;
    if let Err(e) = spec::parse(doc, spec) {
        return Ok(Err(e));
    }
    if opts.cmd.is_none() && spec.process.args.is_empty() {
        return Ok(Err(spec::missing_args()));
    }
    if let Some(e) = spec.first_unsupported() {
        return Ok(Err(e));
    }
    diag::trace("spec", Object::None);
    Ok(Ok(Some(spec)))
}

/// The compiled seccomp filter, if the spec has one. Without no_new_privs it
/// loads early, before the user switch, so the calls the child still makes
/// after it (`child::early_filter_path`: the switch, chdir, capabilities,
/// execve — what any runtime needs then; an ambient raise it refuses with
/// an errno is skipped with a warning, as runc does, but one it would kill
/// is refused here too) must pass it: checked here, before
/// anything changes. A profile may deny anything else.
#[inline(never)]
fn compile_filter(spec: Option<&'static Spec<'static>>, listen_fds: u32, last_cap: u32) -> core::result::Result<Option<child::Filter<'static>>, nsinit::json::Error<'static>> {
    let Some(spec) = spec else { return Ok(None) };
    let s = &spec.linux.seccomp;
    // The compile's own time, for --trace (the gap since the previous trace
    // line would also count that line's write).
    let t0 = if diag::tracing() { sys::monotonic_us() } else { 0 };
    let Some(program) = seccomp::load::compile(s)? else { return Ok(None) };
    if t0 != 0 {
        diag::trace("seccomp compiled", Object::Num("in us: ", sys::monotonic_us().saturating_sub(t0)));
    }
    diag::trace("seccomp", Object::Num("instructions: ", program.len() as u64));
    let prog = program.as_slice();
    if !spec.process.no_new_privileges {
        let mut denied = None;
        child::early_filter_path(&spec.process, last_cap, listen_fds, |nr, args, ptrs, skippable| {
            let ok = if skippable { seccomp::load::survives(prog, nr, args) } else { seccomp::load::passes(prog, nr, args, ptrs) };
            if !ok {
                denied = Some(nr);
            }
            ok
        });
        if let Some(nr) = denied {
            return Err(seccomp::load::stops_early(nr));
        }
    }
    Ok(Some(child::Filter { program: prog, flags: s.flags }))
}

/// `--check`: the spec is valid (or load_spec failed already); say what would be done.
#[inline(never)]
fn check(opts: &Options<'static>, spec: Option<&Spec<'static>>) -> Result<'static, i32> {
    let mut l = diag::Line::bare();
    summary::write(&mut l, opts, spec);
    let _ = sys::write_all(1, l.as_bytes());
    Ok(0)
}

/// The workload's environment: `process.env` when the spec gives it, else nsinit's own.
fn workload_env(spec: Option<&'static Spec<'static>>, envp: RawArray) -> WorkloadEnv {
    match spec.filter(|s| s.process.env_given) {
        Some(s) => WorkloadEnv { spec: s.process.env.iter(), own: None },
        None => WorkloadEnv { spec: [].iter(), own: Some(envp.iter()) },
    }
}

/// `workload_env`'s strings: a plain iterator, not a chain of two
/// flattened options (whose adapters `exec::prepare` inlined apart).
struct WorkloadEnv {
    spec: core::slice::Iter<'static, sys::cstr::Str<'static>>,
    own: Option<sys::cstr::RawIter>,
}

impl Iterator for WorkloadEnv {
    type Item = &'static core::ffi::CStr;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.own {
            Some(own) => own.next(),
            None => self.spec.next().map(|e| e.get()),
        }
    }
}

/// Closes every descriptor above 2 but those in `keep` (catatonit's hygiene).
/// Errors are ignored: there is nothing to undo, and PID 1 must not die
/// for a descriptor it does not need.
fn close_fds_except(keep: &[sys::Fd]) {
    let mut next = 3u32;
    // The lowest kept descriptor at or above `next`, in turn.
    while let Some(k) = keep.iter().filter_map(|&k| u32::try_from(k).ok()).filter(|&k| k >= next).min() {
        if k > next {
            let _ = sys::close_range(next, k - 1, 0);
        }
        next = k + 1;
    }
    let _ = sys::close_range(next, u32::MAX, 0);
}

/// Subreaper when asked, and the parent-death signal.
fn become_reaper(opts: &Options) -> Result<'static, ()> {
    if opts.subreaper {
        sys::set_child_subreaper().at("subreaper", Object::None)?;
    }
    if let Some(sig) = opts.pdeathsig {
        sys::set_pdeathsig(sig).at("parent death signal", Object::Num("signal ", sig as u64))?;
    }
    Ok(())
}

/// Orphans only come to PID 1 or a subreaper. The kernel is asked, as tini
/// does: the attribute survives execve, so a parent may have set it (`-s`
/// sets it too).
fn warn_reaper() {
    if sys::getpid() != 1 && !sys::is_child_subreaper().unwrap_or(false) {
        diag::warn(&Error::new(
            "reaper",
            Object::None,
            Reason::Text("not PID 1 and not a subreaper (-s): orphans will not be reaped"),
        ));
    }
}

/// What the spec asked that nsinit skips: unknown capability names, and
/// ambient capabilities the kernel cannot raise (as runc does).
fn warn_spec(spec: Option<&Spec>) {
    let Some(spec) = spec else { return };
    for w in &spec.warnings {
        diag::warn_spec(&w.to_error());
    }
    if spec.warnings_dropped > 0 {
        let more = Object::Num("more warnings not shown: ", spec.warnings_dropped as u64);
        diag::warn(&Error::new("spec", more, Reason::Text("unknown capabilities skipped")));
    }
    spec::warn_unraisable_ambient(spec);
}

fn print(text: &[u8]) -> Result<'static, i32> {
    sys::write_all(1, text).at("output", Object::Name(b"stdout"))?;
    Ok(0)
}

/// `cargo test` links this binary against the library built for the test
/// harness, with unwinding: the personality routine it names must exist.
/// With panic = "abort" nothing ever calls it (and LTO drops it).
#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}

#[cfg(not(test))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // No message: the formatting machinery would double the binary. A panic
    // is a bug; 125 says nsinit failed.
    sys::exit_group(125)
}
