//! The toolkit of nsinit's integration tests: the real binary on the real
//! kernel, no mocks.
//!
//! - [`nsinit`]: the release binary, built once per test process.
//! - [`Run`]: runs it — options, CMD, a spec on a real pipe at a chosen fd,
//!   extra inherited fds, environment, stdin, a wrapper such as [`PID1`] —
//!   with a hang guard that kills the whole process tree and fails the test.
//!   [`Running`] is a started run, for tests that talk to it while it runs.
//! - Checks on what it printed ([`assert_one_error_line`], [`Output::code`]),
//!   scratch directories and markers ([`TempDir`]), and a few `/proc`
//!   readers ([`Stat`], [`children`]).
//! - [`bundle`]: OCI bundles (a busybox rootfs, the runc fixtures with
//!   overrides) run the way `scripts/run` does, and [`MountInfo`].
//!
//! Every test file uses a part of it; the rest is not dead code.
#![allow(dead_code)]

use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Once, mpsc};
use std::thread;
use std::time::{Duration, Instant};

pub mod bundle;
#[allow(unused_imports)] // not every test file uses bundles
pub use bundle::*;

/// The only PATH nsinit and the workloads see, unless a test says otherwise:
/// the caller's environment (NSINIT_SPEC_FD, NSINIT_TRACE, …) must not leak
/// into a test.
pub const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// How long a run may take before it counts as hung. Runs take milliseconds;
/// this only turns a hang into a failure.
pub const HANG_GUARD: Duration = Duration::from_secs(20);

/// nsinit as PID 1 of a new PID namespace with its own /proc, as a runtime
/// starts it. `--kill-child`: if the hang guard kills unshare, nsinit (and
/// with it the whole namespace) dies too.
pub const PID1: Wrapper = Wrapper {
    argv: &["unshare", "--pid", "--fork", "--kill-child", "--mount-proc"],
    depth: 1,
};

/// nsinit as PID 2 of a new PID namespace whose PID 1 is a shell: nsinit is
/// not PID 1 (so `-s` matters), yet everything it leaves behind stays in the
/// namespace and dies with it. `; exit $?` keeps dash from exec'ing nsinit
/// in place of the shell.
pub const PID2: Wrapper = Wrapper {
    argv: &["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "sh", "-c", "\"$@\"; exit $?", "sh"],
    depth: 2,
};

/// nsinit as the child of a shell P, itself the child of the init of a new
/// PID namespace: P is a parent the test can kill (`-p`), and whatever
/// outlives P stays in the namespace. The init keeps stdin (fd 0) and ends,
/// ending the namespace, once the test closes it; P and nsinit get stdin
/// explicitly (a background job's stdin would be /dev/null).
pub const CHILD_OF_SH: Wrapper = Wrapper {
    argv: &[
        "unshare",
        "--pid",
        "--fork",
        "--kill-child",
        "--mount-proc",
        "sh",
        "-c",
        "exec 3<&0; sh -c '\"$@\"; exit $?' sh \"$@\" <&3 3<&- & exec 3<&-; read _",
        "sh",
    ],
    depth: 3,
};

/// A command nsinit runs under; nsinit's path and arguments follow `argv`.
#[derive(Clone, Copy, Debug)]
pub struct Wrapper {
    pub argv: &'static [&'static str],
    /// How many processes down from the spawned one nsinit is (each level
    /// has exactly one child while nsinit runs).
    pub depth: usize,
}

/// The release binary, built by `cargo build --release` once per test
/// process, so `cargo test` alone tests what ships. Cargo's build lock is
/// free while tests run.
pub fn nsinit() -> &'static Path {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let dir = env!("CARGO_MANIFEST_DIR");
        // From the manifest's directory, so .cargo/config.toml (the musl
        // target) applies.
        let out = Command::new(env!("CARGO"))
            .args(["build", "--release", "--quiet"])
            .current_dir(dir)
            .output()
            .expect("run cargo build --release");
        assert!(out.status.success(), "cargo build --release failed:\n{}", String::from_utf8_lossy(&out.stderr));
    });
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        // CARGO_BIN_EXE_nsinit is <target>/<triple>/<profile>/nsinit for
        // the profile under test; the release binary sits next to it.
        let exe = Path::new(env!("CARGO_BIN_EXE_nsinit"));
        let triple_dir = exe.parent().and_then(Path::parent).expect("target dir of CARGO_BIN_EXE_nsinit");
        let bin = triple_dir.join("release").join("nsinit");
        assert!(bin.is_file(), "{} missing after cargo build --release", bin.display());
        bin
    })
}

/// How nsinit ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Code(i32),
    Signal(i32),
}

impl From<ExitStatus> for Status {
    fn from(s: ExitStatus) -> Self {
        match (s.code(), s.signal()) {
            (Some(c), _) => Status::Code(c),
            (None, Some(sig)) => Status::Signal(sig),
            (None, None) => unreachable!("a waited-for process either exits or is killed"),
        }
    }
}

/// What a finished run left: its status and everything it printed.
pub struct Output {
    pub status: Status,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The exit code; fails the test (showing the output) if a signal
    /// ended the process.
    pub fn code(&self) -> i32 {
        match self.status {
            Status::Code(c) => c,
            Status::Signal(s) => panic!("killed by signal {s}, not exited\n{self:?}"),
        }
    }

    /// Asserts the exit code, showing the whole output when it differs.
    pub fn assert_code(&self, want: i32) -> &Self {
        assert_eq!(self.code(), want, "exit code\n{self:?}");
        self
    }

    pub fn assert_no_stderr(&self) -> &Self {
        assert!(self.stderr.is_empty(), "stderr should be empty\n{self:?}");
        self
    }

    /// 125, exactly `line` on stderr and nothing on stdout: a failure of
    /// nsinit itself, before any workload.
    pub fn assert_failed(&self, line: &str) -> &Self {
        self.assert_code(125);
        assert_one_error_line(&self.stderr, line);
        assert!(self.stdout.is_empty(), "stdout should be empty\n{self:?}");
        self
    }

    pub fn stdout_lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        writeln!(f, "status: {:?}", self.status)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        write!(f, "--- stderr ---\n{}--------------", self.stderr)
    }
}

/// `stderr` is exactly one line, `expected`, which starts `nsinit: `.
pub fn assert_one_error_line(stderr: &str, expected: &str) {
    assert!(expected.starts_with("nsinit: ") && !expected.contains('\n'), "bad expectation {expected:?}");
    assert_eq!(stderr, format!("{expected}\n"), "stderr should be exactly one line");
}

/// What the run's stdin is.
enum Input {
    Null,
    Bytes(Vec<u8>),
    /// A pipe the test holds ([`Running::close_stdin`]): a workload can
    /// block reading it without a timer.
    Pipe,
    /// A descriptor of the test's (a pty's slave side).
    Fd(OwnedFd),
}

type Hook = Box<dyn FnMut() -> io::Result<()> + Send + Sync>;

/// A run of nsinit, built up and then [`run`](Run::run) or
/// [`spawn`](Run::spawn)ed.
pub struct Run {
    /// The wrapper's argv and nsinit's depth under it (see [`Wrapper`]).
    wrapper: Option<(Vec<OsString>, usize)>,
    /// The binary to run instead of [`nsinit`] (a copy of it).
    program: Option<PathBuf>,
    opts: Vec<OsString>,
    cmd: Option<Vec<OsString>>,
    /// Read ends of pipes to place at fd numbers, and what to write into each.
    pipes: Vec<(RawFd, Vec<u8>)>,
    fds: Vec<(RawFd, OwnedFd)>,
    env: Vec<(OsString, OsString)>,
    stdin: Input,
    cwd: Option<PathBuf>,
    timeout: Duration,
    hooks: Vec<Hook>,
}

impl Default for Run {
    fn default() -> Self {
        Run::new()
    }
}

impl Run {
    pub fn new() -> Run {
        Run {
            wrapper: None,
            program: None,
            opts: Vec::new(),
            cmd: None,
            pipes: Vec::new(),
            fds: Vec::new(),
            env: Vec::new(),
            stdin: Input::Null,
            cwd: None,
            timeout: HANG_GUARD,
            hooks: Vec::new(),
        }
    }

    /// nsinit's own arguments, before any `--`.
    pub fn args<S: Into<OsString>>(mut self, args: impl IntoIterator<Item = S>) -> Run {
        self.opts.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn arg(self, a: impl Into<OsString>) -> Run {
        self.args([a])
    }

    /// The workload, passed after `--`.
    pub fn cmd<S: Into<OsString>>(mut self, cmd: impl IntoIterator<Item = S>) -> Run {
        self.cmd = Some(cmd.into_iter().map(Into::into).collect());
        self
    }

    /// `-- sh -c script`.
    pub fn sh(self, script: &str) -> Run {
        self.cmd(["sh", "-c", script])
    }

    /// The spec on a pipe at fd 3, with `--spec-fd 3`.
    pub fn spec(mut self, text: impl Into<Vec<u8>>) -> Run {
        self.opts.splice(0..0, ["--spec-fd".into(), "3".into()]);
        self.spec_pipe(3, text)
    }

    /// A real pipe whose read end nsinit gets at `fd` and whose write end is
    /// closed once `text` is written; no option is added.
    pub fn spec_pipe(mut self, fd: RawFd, text: impl Into<Vec<u8>>) -> Run {
        self.pipes.push((fd, text.into()));
        self
    }

    /// An extra descriptor nsinit inherits at `target` (from 3 to 999).
    pub fn fd(mut self, target: RawFd, fd: impl Into<OwnedFd>) -> Run {
        self.fds.push((target, fd.into()));
        self
    }

    /// One more environment variable (the environment starts as PATH only).
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Run {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Run {
        self.stdin = Input::Bytes(bytes.into());
        self
    }

    /// Stdin is `fd` (e.g. the slave side of a pty: a terminal).
    pub fn stdin_fd(mut self, fd: impl Into<OwnedFd>) -> Run {
        self.stdin = Input::Fd(fd.into());
        self
    }

    /// Stdin is a pipe held open by the test until [`Running::close_stdin`]
    /// or the end of the run.
    pub fn stdin_pipe(mut self) -> Run {
        self.stdin = Input::Pipe;
        self
    }

    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Run {
        self.cwd = Some(dir.into());
        self
    }

    pub fn wrap(self, w: Wrapper) -> Run {
        self.wrap_argv(w.argv.iter().copied(), w.depth)
    }

    /// A wrapper built at run time (a bundle's namespaces): nsinit's path and
    /// arguments follow `argv`, and nsinit is `depth` processes down.
    pub fn wrap_argv<S: Into<OsString>>(mut self, argv: impl IntoIterator<Item = S>, depth: usize) -> Run {
        let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
        assert!(!argv.is_empty(), "an empty wrapper");
        self.wrapper = Some((argv, depth));
        self
    }

    /// Runs `path` (a copy of [`nsinit`], e.g. where an unprivileged user
    /// can execute it) instead of the release binary.
    pub fn program(mut self, path: impl Into<PathBuf>) -> Run {
        self.program = Some(path.into());
        self
    }

    pub fn timeout(mut self, t: Duration) -> Run {
        self.timeout = t;
        self
    }

    /// Runs `hook` in the spawned process just before it execs (after the
    /// fds are placed), e.g. to set the signal mask nsinit inherits. Only
    /// async-signal-safe calls belong there.
    pub fn pre_exec(mut self, hook: impl FnMut() -> io::Result<()> + Send + Sync + 'static) -> Run {
        self.hooks.push(Box::new(hook));
        self
    }

    /// Runs to the end and returns what happened; a hang fails the test.
    pub fn run(self) -> Output {
        self.spawn().wait()
    }

    /// Starts the run; see [`Running`].
    pub fn spawn(self) -> Running {
        let Run { wrapper, program, opts, cmd, pipes, fds, env, stdin, cwd, timeout, mut hooks } = self;
        let deadline = Instant::now() + timeout;
        let bin = program.unwrap_or_else(|| nsinit().to_path_buf());
        let mut c = match &wrapper {
            Some((argv, _)) => {
                let mut c = Command::new(&argv[0]);
                c.args(&argv[1..]).arg(&bin);
                c
            }
            None => Command::new(&bin),
        };
        c.args(&opts);
        if let Some(cmd) = &cmd {
            c.arg("--").args(cmd);
        }
        c.env_clear().env("PATH", PATH).envs(env);
        if let Some(dir) = &cwd {
            c.current_dir(dir);
        }
        let bytes = match stdin {
            Input::Null => {
                c.stdin(Stdio::null());
                None
            }
            Input::Fd(fd) => {
                c.stdin(Stdio::from(fd));
                None
            }
            Input::Bytes(b) => {
                c.stdin(Stdio::piped());
                Some(b)
            }
            Input::Pipe => {
                c.stdin(Stdio::piped());
                None
            }
        };
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        // Its own process group: the hang guard kills the group.
        c.process_group(0);

        // The spec pipes' read ends and the inherited fds, placed by number.
        let mut writers = Vec::new();
        let mut places: Vec<(RawFd, OwnedFd)> = Vec::new();
        for (target, text) in pipes {
            let (r, w) = pipe();
            places.push((target, r));
            writers.push((w, text));
        }
        places.extend(fds);
        let (places, moves) = above_999(places);
        // SAFETY: the hook runs between fork and exec and calls only dup2
        // (async-signal-safe) and the test's own hooks, which promise the same.
        unsafe {
            c.pre_exec(move || {
                dup_all(&moves)?;
                for h in hooks.iter_mut() {
                    h()?;
                }
                Ok(())
            });
        }
        let child = c.spawn().unwrap_or_else(|e| panic!("spawn {c:?}: {e}"));
        // Our copies of the read ends and inherited fds: only the child's
        // remain, so EOF and closing behave as for a real parent.
        drop(c);
        drop(places);
        for (w, text) in writers {
            thread::spawn(move || write_and_close(w, &text));
        }

        let mut io = Watched::new(child, deadline);
        if let Some(b) = bytes {
            let mut s = io.stdin.take().expect("stdin piped");
            thread::spawn(move || {
                // The run may exit without reading: EPIPE is fine.
                let _ = s.write_all(&b);
            });
        }
        let depth = wrapper.map_or(0, |(_, depth)| depth);
        Running { io, depth, timeout }
    }
}

/// A spawned child whose stdout (by lines) and stderr are read by threads,
/// and whose output and exit are waited for until a deadline: what a
/// [`Running`] and a [`runtime::Started`] share. A wait past the deadline
/// returns what was waited for; the owner turns it into its hang guard.
pub struct Watched {
    child: Option<Child>,
    pid: i32,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    /// Everything read from stdout so far.
    stdout: String,
    stderr: mpsc::Receiver<String>,
    deadline: Instant,
    status: Option<Status>,
}

/// Why [`Watched::line`] has no line.
pub enum Stalled {
    /// The deadline passed, waiting for this.
    Timeout(&'static str),
    /// stdout closed.
    Closed,
}

impl Watched {
    /// Takes the child's piped stdin, stdout and stderr; stdout and stderr
    /// are read from now on.
    pub fn new(mut child: Child, deadline: Instant) -> Watched {
        let (line_tx, lines) = mpsc::channel();
        let out = child.stdout.take().expect("stdout piped");
        thread::spawn(move || {
            let mut r = BufReader::new(out);
            loop {
                let mut buf = Vec::new();
                match r.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if line_tx.send(String::from_utf8_lossy(&buf).into_owned()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let (err_tx, stderr) = mpsc::channel();
        let mut err = child.stderr.take().expect("stderr piped");
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err.read_to_end(&mut buf);
            let _ = err_tx.send(String::from_utf8_lossy(&buf).into_owned());
        });
        let stdin = child.stdin.take();
        let pid = child.id() as i32;
        Watched { child: Some(child), pid, stdin, lines, stdout: String::new(), stderr, deadline, status: None }
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }

    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Everything read from stdout so far.
    pub fn stdout(&self) -> &str {
        &self.stdout
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The next line of stdout, without its newline.
    pub fn line(&mut self) -> Result<String, Stalled> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        match self.lines.recv_timeout(left) {
            Ok(l) => {
                self.stdout.push_str(&l);
                Ok(l.trim_end_matches('\n').to_string())
            }
            Err(mpsc::RecvTimeoutError::Timeout) => Err(Stalled::Timeout("waiting for a line on stdout")),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(Stalled::Closed),
        }
    }

    /// Waits for the child to end, not for its output to close (something
    /// it started may still hold stdout).
    pub fn wait_status(&mut self, what: &'static str) -> Result<Status, &'static str> {
        if let Some(s) = self.status {
            return Ok(s);
        }
        let mut child = self.child.take().expect("child");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        let left = self.deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Ok(s)) => {
                let s = Status::from(s);
                self.status = Some(s);
                Ok(s)
            }
            Ok(Err(e)) => panic!("wait for {}: {e}", self.pid),
            Err(_) => Err(what),
        }
    }

    /// The rest of stdout and stderr after the child ended with `status`;
    /// both must close by the deadline (a process left holding them fails
    /// the test).
    pub fn rest(&mut self, status: Status) -> Result<Output, &'static str> {
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => self.stdout.push_str(&l),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => return Err("stdout still open after exit (a process left behind?)"),
            }
        }
        let left = self.deadline.saturating_duration_since(Instant::now());
        let stderr = self
            .stderr
            .recv_timeout(left)
            .map_err(|_| "stderr still open after exit (a process left behind?)")?;
        Ok(Output { status, stdout: std::mem::take(&mut self.stdout), stderr })
    }

    /// After the owner killed everything: what was printed (stdout, stderr)
    /// once the pipes close, within a grace period; the status becomes
    /// SIGKILL.
    pub fn salvage(&mut self) -> (String, String) {
        let grace = Duration::from_secs(2);
        while let Ok(l) = self.lines.recv_timeout(grace) {
            self.stdout.push_str(&l);
        }
        let stderr = self.stderr.recv_timeout(grace).unwrap_or_default();
        self.status = Some(Status::Signal(libc::SIGKILL));
        (std::mem::take(&mut self.stdout), stderr)
    }

    /// Unless the child was waited for or killed already: kills its tree
    /// and reaps it (a test that failed before the end).
    pub fn stop(&mut self) {
        if self.status.is_none() {
            kill_tree(self.pid);
            if let Some(mut c) = self.child.take() {
                let _ = c.wait();
            }
        }
    }
}

/// A started run. Reading lines and waiting are hang-guarded: past the
/// deadline the whole process tree is killed and the test fails. Dropping
/// a `Running` that was not waited for kills its tree.
pub struct Running {
    io: Watched,
    depth: usize,
    timeout: Duration,
}

impl Running {
    /// The pid of the spawned process (the wrapper's, if there is one).
    pub fn pid(&self) -> i32 {
        self.io.pid()
    }

    /// nsinit's pid as the test sees it: the spawned process, or its only
    /// descendant `depth` levels down under a wrapper.
    pub fn nsinit_pid(&self) -> i32 {
        self.descendant(self.depth)
    }

    /// The pid `levels` processes down from the spawned one, following the
    /// only child at each level.
    pub fn descendant(&self, levels: usize) -> i32 {
        let mut pid = self.pid();
        for _ in 0..levels {
            match children(pid)[..] {
                [only] => pid = only,
                ref other => panic!("process {pid} should have exactly one child, has {other:?}"),
            }
        }
        pid
    }

    /// The next line of stdout, without its newline.
    pub fn line(&mut self) -> String {
        match self.io.line() {
            Ok(l) => l,
            Err(Stalled::Timeout(what)) => self.hung(what),
            Err(Stalled::Closed) => {
                let out = self.finish();
                panic!("stdout ended while a line was expected\n{out:?}")
            }
        }
    }

    /// Reads one line and asserts it is `want`.
    pub fn expect_line(&mut self, want: &str) {
        let got = self.line();
        assert_eq!(got, want, "line on stdout; so far:\n{}", self.io.stdout());
    }

    pub fn close_stdin(&mut self) {
        self.io.close_stdin();
    }

    /// Sends `sig` to the spawned process itself.
    pub fn signal(&self, sig: i32) {
        kill(self.pid(), sig);
    }

    /// Waits for the spawned process to end, without waiting for its
    /// output to close (something it started may still hold stdout).
    pub fn wait_status(&mut self) -> Status {
        self.io.wait_status("waiting for nsinit to exit").unwrap_or_else(|what| self.hung(what))
    }

    /// Waits for the end of the run and of its output.
    pub fn wait(mut self) -> Output {
        self.wait_status();
        self.finish()
    }

    /// Collects the rest of stdout and stderr; the output must close by the
    /// deadline (a process left holding it fails the test).
    fn finish(&mut self) -> Output {
        self.close_stdin();
        let status = self.wait_status();
        self.io.rest(status).unwrap_or_else(|what| self.hung(what))
    }

    /// Kills everything the run started and fails the test.
    fn hung(&mut self, what: &str) -> ! {
        kill_tree(self.pid());
        // Now the pipes close: show what was printed.
        let (stdout, stderr) = self.io.salvage();
        panic!(
            "hang guard: {what}: nothing after {:?}; killed the run\n--- stdout ---\n{}--- stderr ---\n{}",
            self.timeout, stdout, stderr
        );
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.io.stop();
    }
}

/// SIGKILLs `pid`, its process group and every descendant (the workload runs
/// in a process group of its own).
pub fn kill_tree(pid: i32) {
    let mut all = vec![pid];
    let mut i = 0;
    while let Some(&p) = all.get(i) {
        all.extend(children(p));
        i += 1;
    }
    // SAFETY: plain kill(2) calls; errors (already gone) are irrelevant.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
        for p in all {
            libc::kill(p, libc::SIGKILL);
        }
    }
}

/// The children of `pid`, from `/proc/<pid>/task/*/children`.
pub fn children(pid: i32) -> Vec<i32> {
    let mut out = Vec::new();
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else { return out };
    for t in tasks.flatten() {
        if let Ok(s) = fs::read_to_string(t.path().join("children")) {
            out.extend(s.split_whitespace().filter_map(|p| p.parse::<i32>().ok()));
        }
    }
    out
}

/// Sends `sig` to `pid`; fails the test if the kernel refuses.
pub fn kill(pid: i32, sig: i32) {
    // SAFETY: kill(2) has no memory-safety preconditions.
    let r = unsafe { libc::kill(pid, sig) };
    assert_eq!(r, 0, "kill({pid}, {sig}): {}", io::Error::last_os_error());
}

/// A new pty: (master, slave), both close-on-exec; the slave is nobody's
/// controlling terminal.
pub fn pty() -> (OwnedFd, OwnedFd) {
    let (mut m, mut s) = (0, 0);
    // SAFETY: openpty writes two descriptors; the name, termios and
    // winsize arguments may be NULL.
    let r = unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
    assert_eq!(r, 0, "openpty: {}", io::Error::last_os_error());
    // SAFETY: fresh descriptors owned by nobody else.
    let (m, s) = unsafe { (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s)) };
    for fd in [&m, &s] {
        // SAFETY: plain fcntl on a descriptor we own.
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    (m, s)
}

/// A close-on-exec pipe: (read end, write end).
pub fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(r, 0, "pipe2: {}", io::Error::last_os_error());
    // SAFETY: both descriptors are fresh and owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// Descriptors for a child at chosen numbers (3 to 999): each is first
/// duplicated above 999 with close-on-exec (the original closed), so that
/// no target clobbers a source when [`dup_all`] puts them in place in the
/// child. Returns the high copies, to drop once the child is spawned, and
/// the (source, target) moves.
pub fn above_999(places: Vec<(RawFd, OwnedFd)>) -> (Vec<OwnedFd>, Vec<(RawFd, RawFd)>) {
    places
        .into_iter()
        .map(|(target, fd)| {
            assert!((3..1000).contains(&target), "fd {target}: targets go from 3 to 999");
            // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor or -1.
            let n = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 1000) };
            assert!(n >= 0, "F_DUPFD_CLOEXEC: {}", io::Error::last_os_error());
            // SAFETY: n is a fresh descriptor owned by nobody else.
            (unsafe { OwnedFd::from_raw_fd(n) }, (n, target))
        })
        .unzip()
}

/// In a child's pre_exec: each (source, target) of [`above_999`] dup2'd in
/// place (dup2 leaves the target without FD_CLOEXEC). Async-signal-safe.
pub fn dup_all(moves: &[(RawFd, RawFd)]) -> io::Result<()> {
    for &(src, target) in moves {
        // SAFETY: plain dup2 on descriptors the parent handed down.
        if unsafe { libc::dup2(src, target) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

fn write_and_close(w: OwnedFd, text: &[u8]) {
    let mut f = fs::File::from(w);
    // A reader that stops early (a spec too large, nsinit failing before it
    // reads) gives EPIPE: the test checks what nsinit did, not this write.
    let _ = f.write_all(text);
}

/// A pidfd: a handle on a process that is not our child, to wait for its
/// end without polling `/proc`.
pub struct PidFd {
    fd: OwnedFd,
    pid: i32,
}

impl PidFd {
    pub fn open(pid: i32) -> PidFd {
        // SAFETY: pidfd_open(2) takes a pid and flags and returns a new fd or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        assert!(fd >= 0, "pidfd_open({pid}): {}", io::Error::last_os_error());
        // SAFETY: a fresh descriptor owned by nobody else.
        PidFd { fd: unsafe { OwnedFd::from_raw_fd(fd as RawFd) }, pid }
    }

    /// Whether the process has ended (exited or been killed; it may be an
    /// unreaped zombie), waiting at most until `deadline`.
    pub fn ended_by(&self, deadline: Instant) -> bool {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let mut p = libc::pollfd { fd: self.fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
            // SAFETY: one valid pollfd.
            let n = unsafe { libc::poll(&mut p, 1, left.as_millis().min(i32::MAX as u128) as i32) };
            match n {
                0 => return false,
                n if n > 0 => return true,
                _ if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => continue,
                _ => panic!("poll pidfd of {}: {}", self.pid, io::Error::last_os_error()),
            }
        }
    }

    /// Waits for the process to end; fails the test after the hang guard.
    pub fn wait_ended(&self) {
        assert!(self.ended_by(Instant::now() + HANG_GUARD), "hang guard: process {} still runs after {HANG_GUARD:?}", self.pid);
    }

    /// Whether the process has ended already.
    pub fn has_ended(&self) -> bool {
        self.ended_by(Instant::now())
    }
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("nsinit-test-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The path of a marker file a workload creates when it runs
    /// (`touch <marker>`); see [`assert_not_ran`].
    pub fn marker(&self) -> PathBuf {
        self.join("workload-ran")
    }

    /// Writes an executable file.
    pub fn script(&self, name: &str, text: &str) -> PathBuf {
        let p = self.join(name);
        write_executable(&p, text);
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The workload that would create `marker` never ran.
pub fn assert_not_ran(marker: &Path) {
    assert!(!marker.exists(), "the workload ran ({} exists)", marker.display());
}

/// The `touch <marker>` workload as argv words.
pub fn touch(marker: &Path) -> Vec<String> {
    vec!["touch".into(), marker.to_str().expect("utf-8 temp path").into()]
}

/// A JSON string literal.
pub fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON array of strings.
pub fn json_strs<S: AsRef<str>>(items: &[S]) -> String {
    let v: Vec<String> = items.iter().map(|s| json_str(s.as_ref())).collect();
    format!("[{}]", v.join(","))
}

/// The fields of `/proc/<pid>/stat` the tests look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stat {
    pub pid: i32,
    pub comm: String,
    pub state: char,
    pub ppid: i32,
    pub pgrp: i32,
}

impl Stat {
    /// Parses one `/proc/<pid>/stat` line (comm may hold spaces and
    /// parentheses: it ends at the last `)`).
    pub fn parse(line: &str) -> Option<Stat> {
        let (head, tail) = line.rsplit_once(')')?;
        let (pid, comm) = head.split_once(" (")?;
        let mut f = tail.split_whitespace();
        let state = f.next()?.chars().next()?;
        let ppid = f.next()?.parse().ok()?;
        let pgrp = f.next()?.parse().ok()?;
        Some(Stat { pid: pid.trim().parse().ok()?, comm: comm.to_string(), state, ppid, pgrp })
    }

    /// Every stat line in `text` (other lines skipped).
    pub fn all(text: &str) -> Vec<Stat> {
        text.lines().filter_map(Stat::parse).collect()
    }
}

/// Makes `$1` orphans that outlive their parent, shows the process table
/// while they live and after they died and nsinit had the time to reap.
/// Run as `sh -c ORPHANS_SCRIPT sh N` by nsinit (PID 1 or a subreaper);
/// [`orphans`] reads what it printed.
///
/// - fd 4/5: the gate, a FIFO the orphans block reading until W closes its
///   write end (5); fd 6/7: "done", whose write end (6) each orphan holds, so
///   W's read of 7 ends when every orphan has exited. A read-write open of a
///   FIFO never blocks; it is only used to open the one-way ends.
/// - I, a subshell, starts the orphans and exits without waiting for them:
///   they are re-parented to nsinit (PID 1, or a subreaper).
/// - After they died, W sends SIGWINCH to nsinit (its parent) and waits
///   until nsinit forwards it back. A signalfd hands out pending signals
///   lowest number first, so SIGCHLD (17), raised for every orphan's death,
///   is read and every zombie reaped before SIGWINCH (28) is read — unless
///   an orphan's exit was still under way (its fds close before it becomes a
///   zombie): W makes a few more round trips while `Z` shows, never as a
///   timer.
pub const ORPHANS_SCRIPT: &str = r#"
n=$1
d=$(mktemp -d)
mkfifo "$d/gate" "$d/done"
exec 3<>"$d/gate"; exec 4<"$d/gate" 5>"$d/gate"; exec 3>&-
exec 3<>"$d/done"; exec 6>"$d/done" 7<"$d/done"; exec 3>&-
rm -r "$d"
echo "w $$ $PPID"
(
  i=0
  while [ $i -lt $n ]; do
    ( exec 5>&- 7<&-; read _ <&4 ) &
    i=$((i + 1))
  done
)
echo "--- orphans alive"
cat /proc/[0-9]*/stat 2>/dev/null
exec 5>&- 6>&-
cat <&7 >/dev/null
trap 'kill $s' WINCH
round=0
while [ $round -lt 5 ]; do
  sleep 1000 & s=$!
  kill -WINCH $PPID
  wait $s 2>/dev/null; wait $s 2>/dev/null
  round=$((round + 1))
  cat /proc/[0-9]*/stat 2>/dev/null | grep -q ') Z ' || break
done
echo "--- orphans gone"
cat /proc/[0-9]*/stat 2>/dev/null
# cat fails when a listed process is gone before it reads (orphans of the
# real PID 1 when nsinit is no subreaper): the tables above are the result.
exit 0
"#;

/// What [`ORPHANS_SCRIPT`] printed: W's pid, nsinit's pid (W's parent), and
/// the two process tables.
pub struct Orphans {
    pub w: i32,
    pub nsinit: i32,
    pub alive: Vec<Stat>,
    pub gone: Vec<Stat>,
}

pub fn orphans(out: &Output) -> Orphans {
    let (head, rest) = out.stdout.split_once("--- orphans alive\n").unwrap_or_else(|| panic!("{out:?}"));
    let (alive, gone) = rest.split_once("--- orphans gone\n").unwrap_or_else(|| panic!("{out:?}"));
    let ids: Vec<i32> = head
        .trim()
        .strip_prefix("w ")
        .and_then(|ids| ids.split(' ').map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| panic!("{out:?}"));
    let [w, nsinit] = ids[..] else { panic!("{out:?}") };
    Orphans { w, nsinit, alive: Stat::all(alive), gone: Stat::all(gone) }
}

impl Orphans {
    /// The processes whose parent was `ppid` while the orphans lived, but W.
    pub fn children_of(&self, ppid: i32) -> Vec<&Stat> {
        self.alive.iter().filter(|s| s.ppid == ppid && s.pid != self.w).collect()
    }

    /// The zombies left after the orphans died.
    pub fn zombies(&self) -> Vec<&Stat> {
        self.gone.iter().filter(|s| s.state == 'Z').collect()
    }

    /// After the orphans died: no zombie, and nothing but nsinit, W, W's
    /// own `cat` and `keep` left.
    pub fn assert_all_reaped(&self, keep: &[i32], out: &Output) {
        let zombies = self.zombies();
        assert!(zombies.is_empty(), "zombies left: {zombies:?}\n{out:?}");
        let others: Vec<&Stat> = self
            .gone
            .iter()
            .filter(|s| s.pid != self.nsinit && s.pid != self.w && s.ppid != self.w && !keep.contains(&s.pid))
            .collect();
        assert!(others.is_empty(), "processes left: {others:?}\n{out:?}");
    }
}

/// Docker's default capabilities (moby `oci/caps/defaults.go`).
pub const DOCKER_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// For `-g` tests (tests/runtimes.rs, tests/enter.rs): W starts S, a subshell, which runs G and reports how G ended; W, S and G
/// share W's process group (no job control). G has default dispositions
/// (an exec resets caught signals): TERM or USR1 kills it, and the kernel
/// records the first fatal signal sent. W's TERM trap sends USR1 to the whole
/// group, which W and S trap as no-ops: so G dies of TERM (143) if nsinit
/// sent TERM to the group, of USR1 (138) if only W got it. (S's stderr goes:
/// ash names the signal that killed its foreground command there.)
pub const GROUP_SCRIPT: &str = r#"
exec 3<&0
( trap : TERM USR1; sh -c 'echo G-ready; exec cat <&3 >/dev/null'; echo "G: $?" ) 2>/dev/null &
s=$!
trap : USR1
trap 'echo W-TERM; kill -USR1 0' TERM
echo W-ready
wait $s
wait $s
exit 0
"#;

/// Each probe prints `NAME: allowed` or `NAME: denied`; `$1` is the pid to
/// probe (tests/privilege.rs, tests/enter.rs). The exe probes are the CVE-2019-5736 class: a container
/// overwriting the runtime's binary through /proc/<pid>/exe.
pub const PROBES: &str = r#"
p=$1
try() { name=$1; shift; if "$@" >/dev/null 2>&1; then echo "$name: allowed"; else echo "$name: denied"; fi; }
try root ls /proc/$p/root/
try environ cat /proc/$p/environ
try mem sh -c "exec 3</proc/$p/mem"
try exe-link readlink /proc/$p/exe
try exe-write sh -c ": >> /proc/$p/exe"
try exe-open-write sh -c "exec 3>/proc/$p/exe"
"#;

/// A shell word holding `s` literally.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The bit of signal `sig` in a `/proc/<pid>/status` mask.
pub fn sigbit(sig: i32) -> u64 {
    1 << (sig - 1)
}
pub mod enter;
pub mod kernel;
pub mod runtime;
