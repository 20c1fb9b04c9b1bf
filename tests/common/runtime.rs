//! Real container runtimes running nsinit as the container's init, the way
//! Docker (`/sbin/docker-init`) and podman (`/run/podman-init`) inject tini
//! or catatonit: the host binary bind-mounted read-only into the rootfs and
//! named first in `process.args`.
//!
//! - [`Runtime`]: runc or crun; how to run, kill, inspect and delete with each.
//! - [`Container`]: a bundle to build up — nsinit's options and CMD, the mode
//!   ([`Mode::Reaper`], or [`Mode::Confined`] with a compact spec on a
//!   preserved fd), process.env, preserved fds — then [`run`](Container::run)
//!   or [`spawn`](Container::spawn).
//! - [`Started`]: a running container, hang-guarded like [`super::Running`];
//!   dropping it kills and deletes the container.
//!
//! The bundle's config is `runc spec`'s (tests/fixtures/runc-spec-config.json)
//! with its own `process` and `root`: no terminal, capabilities without
//! ambient ones plus CAP_SETPCAP (what nsinit needs to shrink the bounding
//! set), and noNewPrivileges false, so what a compact spec adds shows.

use super::{HANG_GUARD, Output, Stalled, TempDir, Watched, above_999, dup_all, json_str, json_strs, kill_tree, nsinit, pipe};
use std::fs;
use std::io::Write;
use std::os::fd::{OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::thread;
use std::time::Instant;

/// The OCI runtimes under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    Runc,
    Crun,
}

pub const RUNTIMES: [Runtime; 2] = [Runtime::Runc, Runtime::Crun];

/// crun refuses a hybrid cgroup layout (v1 controllers plus a cgroup2 mount
/// at /sys/fs/cgroup/unified): in a private mount namespace of its own, the
/// cgroup2 mount goes, and crun runs without cgroups. Its state stays in
/// /run/crun, so `crun kill/state/delete` work from the host.
const CRUN_RUN: &str = "umount -l /sys/fs/cgroup/unified 2>/dev/null; exec crun --cgroup-manager=disabled run \"$@\"";

impl Runtime {
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Runc => "runc",
            Runtime::Crun => "crun",
        }
    }

    /// `run` in the foreground: the command's exit status is the init's.
    fn run_command(self) -> Command {
        match self {
            Runtime::Runc => {
                let mut c = Command::new("runc");
                c.arg("run");
                c
            }
            Runtime::Crun => {
                let mut c = Command::new("unshare");
                c.args(["--mount", "--propagation", "private", "sh", "-c", CRUN_RUN, "sh"]);
                c
            }
        }
    }

    /// `runc ARGS...` / `crun ARGS...` to its end.
    fn ctl(self, args: &[&str]) -> std::process::Output {
        Command::new(self.name())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{} {args:?}: {e}", self.name()))
    }

    /// `kill ID SIGNAL` (a signal name as both take it: `TERM`).
    fn kill(self, id: &str, signal: &str) {
        let out = self.ctl(&["kill", id, signal]);
        assert!(out.status.success(), "{} kill {id} {signal}: {}", self.name(), String::from_utf8_lossy(&out.stderr));
    }

    /// The host pid of the container's init once `state ID` says it runs;
    /// None while the runtime has no such state yet.
    fn running_pid(self, id: &str) -> Option<i32> {
        let out = self.ctl(&["state", id]);
        let text = String::from_utf8_lossy(&out.stdout);
        let value = |key: &str| {
            let (_, rest) = text.split_once(&format!("\"{key}\":"))?;
            let rest = rest.trim_start().trim_start_matches('"');
            let end = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
            Some(rest[..end].to_string())
        };
        if value("status")? != "running" {
            return None;
        }
        value("pid")?.parse().ok()
    }

    /// `delete -f ID`; a container that is gone already is fine.
    fn delete(self, id: &str) {
        let _ = self.ctl(&["delete", "-f", id]);
    }
}

/// How nsinit runs inside the container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No spec: `INIT [OPTS] -- CMD`, tini's role.
    Reaper,
    /// Extra confinement: `INIT --spec-fd N [OPTS] -- CMD` with [`compact_spec`]
    /// on a pipe at fd N, preserved by the runtime after any other fd.
    Confined,
}

pub const MODES: [Mode; 2] = [Mode::Reaper, Mode::Confined];

/// Every runtime in every mode: the table most tests run.
pub fn each() -> impl Iterator<Item = (Runtime, Mode)> {
    RUNTIMES.into_iter().flat_map(|r| MODES.into_iter().map(move |m| (r, m)))
}

/// Docker's default seccomp profile in OCI form (tests/fixtures).
pub fn docker_seccomp() -> &'static str {
    include_str!("../fixtures/docker-default-seccomp.json")
}

/// The compact spec of [`Mode::Confined`]: no_new_privs, CAP_KILL alone in
/// every set but the (absent, so empty) inheritable and ambient ones, and
/// Docker's seccomp profile — on top of what the runtime did.
pub fn compact_spec() -> String {
    let kill = r#"["CAP_KILL"]"#;
    format!(
        r#"{{"process":{{"noNewPrivileges":true,"capabilities":{{"bounding":{kill},"effective":{kill},"permitted":{kill}}}}},"linux":{{"seccomp":{}}}}}"#,
        docker_seccomp()
    )
}

/// The runtime config's capabilities: `runc spec`'s, plus CAP_SETPCAP.
pub const BASE_CAPS: &[&str] = &["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETPCAP"];

/// The environment `runc spec` gives the process.
pub const BASE_ENV: &[&str] = &["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"];

/// Where nsinit is bound in the container unless a test says otherwise.
pub const INIT: &str = "/.nsinit";

/// Mount points created in the shared rootfs for the init (never written:
/// the rootfs is read-only in every container).
const INIT_POINTS: &[&str] = &[INIT, "/sbin/docker-init", "/run/podman-init"];

/// One busybox rootfs (scripts/mkrootfs) shared by every container, read-only
/// in all of them; built once under cargo's scratch dir for tests and kept.
pub fn rootfs() -> &'static Path {
    static ROOTFS: OnceLock<PathBuf> = OnceLock::new();
    ROOTFS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("runtimes-rootfs");
        let complete = |d: &Path| ["/bin/busybox"].iter().chain(INIT_POINTS).all(|p| d.join(&p[1..]).is_file());
        if complete(&dir) {
            return dir;
        }
        // Left by an older version of this helper: made again.
        let _ = fs::remove_dir_all(&dir);
        // Built aside and renamed, so a half-built rootfs is never used.
        let tmp = dir.with_extension(format!("tmp-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/mkrootfs");
        let out = Command::new(&script).arg(&tmp).output().expect("run scripts/mkrootfs");
        assert!(out.status.success(), "scripts/mkrootfs: {}", String::from_utf8_lossy(&out.stderr));
        for point in INIT_POINTS {
            fs::write(tmp.join(&point[1..]), "").expect("create an init mount point");
        }
        if fs::rename(&tmp, &dir).is_err() {
            // Another test process won the race: use its rootfs.
            let _ = fs::remove_dir_all(&tmp);
        }
        assert!(complete(&dir), "no complete rootfs at {}", dir.display());
        dir
    })
}

/// A unique container id (ids are global to a runtime's state dir).
fn unique_id(runtime: Runtime) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("nsinit-it-{}-{}-{}", runtime.name(), std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// A container to run, built up like [`super::Run`].
pub struct Container {
    runtime: Runtime,
    mode: Mode,
    init: &'static str,
    opts: Vec<String>,
    cmd: Vec<String>,
    env: Vec<String>,
    caps: Vec<String>,
    seccomp: Option<String>,
    /// Preserved fds, from 3 on; the spec pipe follows in Confined mode.
    fds: Vec<OwnedFd>,
    stdin_pipe: bool,
}

impl Container {
    pub fn new(runtime: Runtime, mode: Mode) -> Container {
        Container {
            runtime,
            mode,
            init: INIT,
            opts: Vec::new(),
            cmd: Vec::new(),
            env: BASE_ENV.iter().map(|s| s.to_string()).collect(),
            caps: BASE_CAPS.iter().map(|s| s.to_string()).collect(),
            seccomp: None,
            fds: Vec::new(),
            stdin_pipe: false,
        }
    }

    /// nsinit's options (before `--`).
    pub fn opts<S: Into<String>>(mut self, opts: impl IntoIterator<Item = S>) -> Container {
        self.opts.extend(opts.into_iter().map(Into::into));
        self
    }

    /// CMD, after `--`.
    pub fn cmd<S: Into<String>>(mut self, cmd: impl IntoIterator<Item = S>) -> Container {
        self.cmd = cmd.into_iter().map(Into::into).collect();
        self
    }

    pub fn sh(self, script: &str) -> Container {
        self.cmd(["sh", "-c", script])
    }

    /// Where the init is bound in the container (and `process.args[0]`).
    pub fn init_at(mut self, path: &'static str) -> Container {
        assert!(INIT_POINTS.contains(&path), "{path}: no mount point for it in the rootfs");
        self.init = path;
        self
    }

    /// One more `process.env` entry (`KEY=VALUE`).
    pub fn env(mut self, entry: &str) -> Container {
        self.env.push(entry.to_string());
        self
    }

    /// The runtime config's capability sets (bounding, effective, permitted).
    pub fn caps(mut self, caps: &[&str]) -> Container {
        self.caps = caps.iter().map(|s| s.to_string()).collect();
        self
    }

    /// `linux.seccomp` for the runtime to apply (to nsinit itself).
    pub fn runtime_seccomp(mut self, profile: &str) -> Container {
        self.seccomp = Some(profile.to_string());
        self
    }

    /// One more fd the runtime preserves (`--preserve-fds`): the first is 3.
    pub fn fd(mut self, fd: impl Into<OwnedFd>) -> Container {
        self.fds.push(fd.into());
        self
    }

    /// Stdin is a pipe the test holds until [`Started::close_stdin`].
    pub fn stdin_pipe(mut self) -> Container {
        self.stdin_pipe = true;
        self
    }

    /// The fd of the spec in Confined mode: the first after the others.
    pub fn spec_fd(&self) -> RawFd {
        3 + self.fds.len() as RawFd
    }

    /// `process.args`: the init, its options, `--`, CMD.
    pub fn args(&self) -> Vec<String> {
        let mut args = vec![self.init.to_string()];
        if self.mode == Mode::Confined {
            args.extend(["--spec-fd".to_string(), self.spec_fd().to_string()]);
        }
        args.extend(self.opts.iter().cloned());
        args.push("--".to_string());
        args.extend(self.cmd.iter().cloned());
        args
    }

    /// config.json: `runc spec`'s with this process and root, the init
    /// bound read-only and a writable /tmp.
    fn config(&self) -> String {
        let fixture = include_str!("../fixtures/runc-spec-config.json");
        let (_, tail) = fixture.split_once("\t\"hostname\"").expect("runc spec config: hostname");
        let caps = json_strs(&self.caps);
        let process = format!(
            r#""process":{{"terminal":false,"user":{{"uid":0,"gid":0}},"args":{},"env":{},"cwd":"/","capabilities":{{"bounding":{caps},"effective":{caps},"permitted":{caps}}},"rlimits":[{{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}}],"noNewPrivileges":false}}"#,
            json_strs(&self.args()),
            json_strs(&self.env),
        );
        let root =
            format!(r#""root":{{"path":{},"readonly":true}}"#, json_str(rootfs().to_str().expect("utf-8 rootfs path")));
        let init = format!(
            r#"{{"destination":{},"type":"bind","source":{},"options":["bind","ro"]}},"#,
            json_str(self.init),
            json_str(nsinit().to_str().expect("utf-8 nsinit path"))
        );
        let tmp = r#"{"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev","mode=1777","size=16m"]},"#;
        let tail = replace_once(tail, "\"mounts\": [", &format!("\"mounts\": [{init}{tmp}"));
        let tail = match &self.seccomp {
            Some(profile) => replace_once(&tail, "\"linux\": {", &format!("\"linux\": {{\"seccomp\":{profile},")),
            None => tail,
        };
        format!("{{\"ociVersion\":\"1.0.2\",{process},{root},\n\t\"hostname\"{tail}")
    }

    /// Runs to the end; a hang fails the test.
    pub fn run(self) -> Output {
        self.spawn().wait()
    }

    /// Writes the bundle and starts `run` in the foreground.
    pub fn spawn(self) -> Started {
        let bundle = TempDir::new();
        fs::write(bundle.join("config.json"), self.config()).expect("write config.json");
        let id = unique_id(self.runtime);
        let mut preserved = self.fds.len();
        let mut places: Vec<OwnedFd> = Vec::new();
        places.extend(self.fds);
        let mut writer = None;
        if self.mode == Mode::Confined {
            let (r, w) = pipe();
            places.push(r);
            writer = Some(w);
            preserved += 1;
        }
        let mut c = self.runtime.run_command();
        if preserved > 0 {
            c.args(["--preserve-fds", &preserved.to_string()]);
        }
        c.arg("--bundle").arg(bundle.path()).arg(&id);
        c.env_clear().env("PATH", super::PATH);
        c.stdin(if self.stdin_pipe { Stdio::piped() } else { Stdio::null() });
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        c.process_group(0);
        // Each fd goes first above 999 (close-on-exec), then to 3, 4, ... in
        // the child, so no target clobbers a source.
        let (high, moves) = above_999(places.into_iter().enumerate().map(|(i, fd)| (3 + i as RawFd, fd)).collect());
        // SAFETY: the hook makes async-signal-safe calls only (dup2).
        unsafe {
            c.pre_exec(move || dup_all(&moves));
        }
        let deadline = Instant::now() + HANG_GUARD;
        let child = c.spawn().unwrap_or_else(|e| panic!("spawn {c:?}: {e}"));
        // Only the runtime's copies remain: the spec pipe sees EOF when written.
        drop(c);
        drop(high);
        if let Some(w) = writer {
            let spec = compact_spec();
            thread::spawn(move || {
                // nsinit may fail before it reads: the test checks what it did.
                let _ = fs::File::from(w).write_all(spec.as_bytes());
            });
        }
        Started { runtime: self.runtime, id, _bundle: bundle, io: Watched::new(child, deadline) }
    }
}

/// `text` with its only occurrence of `from` replaced (a fixture that
/// changed shape fails here, not in a runtime).
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} should occur once in the runc spec config");
    text.replacen(from, to, 1)
}

/// A container started in the foreground. Reading lines and waiting are
/// hang-guarded; dropping it kills whatever still runs and deletes it.
pub struct Started {
    runtime: Runtime,
    id: String,
    _bundle: TempDir,
    io: Watched,
}

impl Started {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The next line of stdout, without its newline.
    pub fn line(&mut self) -> String {
        match self.io.line() {
            Ok(l) => l,
            Err(Stalled::Timeout(what)) => self.hung(what),
            Err(Stalled::Closed) => {
                let out = self.finish();
                panic!("{}: stdout ended while a line was expected\n{out:?}", self.runtime.name())
            }
        }
    }

    /// Reads one line and asserts it is `want`.
    pub fn expect_line(&mut self, want: &str) {
        let got = self.line();
        assert_eq!(got, want, "{}: line on stdout; so far:\n{}", self.runtime.name(), self.io.stdout());
    }

    /// `runc kill ID SIGNAL` / `crun kill ID SIGNAL`, once the runtime
    /// knows the container runs.
    pub fn kill(&mut self, signal: &str) {
        self.init_pid();
        self.runtime.kill(&self.id, signal);
    }

    /// The host pid of the container's init (nsinit), from the runtime's
    /// state. crun may write its state only after the init has started the
    /// workload (seen: `crun state` failing after the workload printed), so
    /// this asks until the runtime says "running" — an event, not a timer;
    /// the hang guard bounds it.
    pub fn init_pid(&mut self) -> i32 {
        loop {
            if let Some(pid) = self.runtime.running_pid(&self.id) {
                return pid;
            }
            if Instant::now() >= self.io.deadline() {
                self.hung("waiting for the runtime to report the container running");
            }
        }
    }

    pub fn close_stdin(&mut self) {
        self.io.close_stdin();
    }

    /// Waits for `run` to end and for its output to close. Stdin stays open
    /// until the end: a workload that a signal ends must not see EOF first
    /// (close it before, with [`close_stdin`](Started::close_stdin), to end
    /// one that reads it).
    pub fn wait(mut self) -> Output {
        self.finish()
    }

    fn finish(&mut self) -> Output {
        let status = self.io.wait_status("waiting for the container to exit").unwrap_or_else(|what| self.hung(what));
        self.close_stdin();
        self.io.rest(status).unwrap_or_else(|what| self.hung(what))
    }

    /// Kills the runtime and the container, deletes it and fails the test.
    fn hung(&mut self, what: &str) -> ! {
        kill_tree(self.io.pid());
        self.runtime.delete(&self.id);
        let (stdout, stderr) = self.io.salvage();
        panic!(
            "hang guard: {} {}: {what}: nothing after {HANG_GUARD:?}; killed it\n--- stdout ---\n{}--- stderr ---\n{}",
            self.runtime.name(),
            self.id,
            stdout,
            stderr
        );
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        self.io.stop();
        // A foreground run deletes its container when it ends; this is for
        // a run that did not end (a failed test).
        self.runtime.delete(&self.id);
    }
}
