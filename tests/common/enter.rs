//! Running containers to enter (`nsinit --enter PID`, CONTRACT.md
//! "Entering a running container"), and what a process in one shows of
//! itself.
//!
//! - [`VIEW`]: a script printing, in `== name` sections ([`Output::section`]
//!   and [`view_sections`] read them), everything the spec's `process` and
//!   the joined namespaces and cgroups decide: namespace links, cgroups,
//!   ids, capability sets, no_new_privs, seccomp mode, umask, cwd, root,
//!   rlimits, environment, names, fds, mounts. A workload and an entered
//!   command run the same script; [`assert_same_view`] compares them section
//!   by section.
//! - [`Target`]: a container started by nsinit from a [`Bundle`] whose
//!   workload prints its view, says `ready` and blocks reading stdin (no
//!   timer: the test closes stdin to end it).
//! - [`Cgroups`]: a fresh cgroup in every hierarchy the host mounts, and a
//!   wrapper that moves the container's parent into them before it starts,
//!   so that joining the container's cgroups is a real move.
//! - [`enter`]: the `nsinit --enter PID --spec-fd 3` run, to adjust.
//! - [`Detached`]: the same bundle run by `runc run -d` or `crun run -d`,
//!   with `runc exec` / `crun exec` beside it.

use super::*;
use serde_json::Value;

/// What a process shows of itself, one `== name` section per field.
/// Everything is read from inside (the container's /proc).
pub const VIEW: &str = r#"
echo '== ns'; for n in cgroup ipc mnt net pid pid_for_children time time_for_children user uts; do echo "$n $(readlink /proc/self/ns/$n)"; done
echo '== cgroup'; cat /proc/self/cgroup
echo '== id'; id
echo '== status'; grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters|Umask):' /proc/self/status
echo '== umask'; umask
echo '== cwd'; pwd; readlink /proc/self/cwd
echo '== root'; readlink /proc/self/root; stat -c '%d:%i' /
echo '== limits'; cat /proc/self/limits
echo '== env'; env | sort
echo '== hostname'; hostname
echo '== oom'; cat /proc/self/oom_score_adj
echo '== fds'; ls /proc/$$/fd
echo '== mounts'; cat /proc/self/mountinfo
echo '== end'
"#;

/// `script`, then `ready`, then a block on stdin until the test closes it.
pub fn then_block(script: &str) -> String {
    format!("{script}\necho ready; read _; exit 0\n")
}

/// The sections [`VIEW`] printed, by name, in order.
pub fn view_sections(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("== ") {
            out.push((name.to_string(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

/// The two views are equal section by section, but the sections named in
/// `differ` (asserted apart by the caller); a failure lists every section
/// that differs, both ways.
pub fn assert_same_view(a_name: &str, a: &str, b_name: &str, b: &str, differ: &[&str]) {
    let (va, vb) = (view_sections(a), view_sections(b));
    let names = |v: &[(String, String)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&va), names(&vb), "{a_name} and {b_name}: not the same sections\n--- {a_name} ---\n{a}\n--- {b_name} ---\n{b}");
    assert!(names(&va).last().is_some_and(|n| n == "end"), "a view was cut short\n--- {a_name} ---\n{a}");
    let mut diffs = String::new();
    for ((name, x), (_, y)) in va.iter().zip(&vb) {
        if x != y && !differ.contains(&name.as_str()) {
            diffs.push_str(&format!("== {name}\n--- {a_name}:\n{x}--- {b_name}:\n{y}"));
        }
    }
    assert!(diffs.is_empty(), "{a_name} and {b_name} differ:\n{diffs}");
}

/// One section of a view.
pub fn section_of(view: &str, name: &str) -> String {
    view_sections(view)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, body)| body)
        .unwrap_or_else(|| panic!("no section {name:?} in\n{view}"))
}

/// Every line of `r`'s stdout up to (not including) `ready`.
pub fn until_ready(r: &mut Running) -> String {
    let mut text = String::new();
    loop {
        match r.line() {
            l if l == "ready" => return text,
            l => {
                text.push_str(&l);
                text.push('\n');
            }
        }
    }
}

/// A fresh cgroup in every cgroup hierarchy the host mounts under
/// /sys/fs/cgroup (v1 controllers and the unified cgroup2), below the test
/// process's own; removed on drop (after whatever ran in them ended: drop
/// it after the container and the entering runs).
pub struct Cgroups {
    /// The new cgroups' directories, as the host sees them.
    pub dirs: Vec<PathBuf>,
}

impl Cgroups {
    pub fn new() -> Cgroups {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!("nsinit-it-enter-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let own = fs::read_to_string("/proc/self/cgroup").expect("read /proc/self/cgroup");
        let mut dirs = Vec::new();
        for m in MountInfo::all(&host_mountinfo()) {
            let under = m.target.starts_with("/sys/fs/cgroup/") || (m.target == "/sys/fs/cgroup" && m.fstype == "cgroup2");
            if !under || !(m.fstype == "cgroup" || m.fstype == "cgroup2") {
                continue;
            }
            // Our line in /proc/self/cgroup: cgroup2's has no controllers;
            // a v1 hierarchy's controllers are all among its super options.
            let ours = own.lines().find_map(|l| {
                let mut f = l.splitn(3, ':');
                let (_, ctrls, path) = (f.next()?, f.next()?, f.next()?);
                let matches = if m.fstype == "cgroup2" {
                    ctrls.is_empty()
                } else {
                    !ctrls.is_empty() && ctrls.split(',').all(|c| m.has_super(c))
                };
                matches.then(|| path.to_string())
            });
            let Some(path) = ours else { continue };
            let rel = path.strip_prefix(m.root.trim_end_matches('/')).unwrap_or(&path).trim_start_matches('/');
            let parent = Path::new(&m.target).join(rel);
            let dir = parent.join(&name);
            fs::create_dir(&dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
            // A new v1 cpuset has no cpus or mems: nothing could move in.
            for f in ["cpuset.cpus", "cpuset.mems"] {
                if let Ok(v) = fs::read_to_string(parent.join(f)) {
                    fs::write(dir.join(f), v.trim()).unwrap_or_else(|e| panic!("write {f} in {}: {e}", dir.display()));
                }
            }
            dirs.push(dir);
        }
        assert!(!dirs.is_empty(), "no cgroup hierarchy under /sys/fs/cgroup");
        Cgroups { dirs }
    }

    /// `argv` run by a shell that first moves itself into these cgroups
    /// (its pid stays the same: it execs `argv`).
    pub fn wrap(&self, argv: Vec<String>) -> Vec<String> {
        let mut script = String::new();
        for d in &self.dirs {
            script.push_str(&format!("echo $$ > '{}/cgroup.procs' || exit 99\n", d.display()));
        }
        script.push_str("exec \"$@\"");
        let mut v = vec!["sh".to_string(), "-c".into(), script, "sh".into()];
        v.extend(argv);
        v
    }

    /// Whether `pid` is in all of them, from the host's /proc/PID/cgroup.
    pub fn holds(&self, pid: i32) -> bool {
        self.dirs.iter().all(|d| fs::read_to_string(d.join("cgroup.procs")).unwrap_or_default().lines().any(|l| l == pid.to_string()))
    }
}

impl Drop for Cgroups {
    /// After a failed test something may still run in them (a killed run's
    /// processes are still exiting): whatever is left is killed and waited
    /// for, so that the directories can go.
    fn drop(&mut self) {
        for d in &self.dirs {
            let procs = fs::read_to_string(d.join("cgroup.procs")).unwrap_or_default();
            let left: Vec<i32> = procs.lines().filter_map(|l| l.parse().ok()).collect();
            for p in left {
                // SAFETY: pidfd_open(2) and pidfd_send_signal(2) with a NULL
                // siginfo touch no memory of ours; poll(2) reads one pollfd.
                unsafe {
                    let fd = libc::syscall(libc::SYS_pidfd_open, p, 0) as i32;
                    if fd < 0 {
                        continue; // gone already
                    }
                    libc::syscall(libc::SYS_pidfd_send_signal, fd, libc::SIGKILL, 0, 0);
                    let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
                    libc::poll(&mut pfd, 1, HANG_GUARD.as_millis() as i32);
                    libc::close(fd);
                }
            }
            let _ = fs::remove_dir(d);
        }
    }
}

/// A container started by nsinit from a bundle ([`Bundle::runner`], as
/// `scripts/run` starts it), whose workload printed `script`'s output (the
/// [`VIEW`] by default) and blocks reading stdin.
pub struct Target {
    pub run: Running,
    /// What the workload printed before `ready`.
    pub view: String,
    /// The workload's host pid.
    pub workload: i32,
}

impl Target {
    /// Starts `b` with the [`VIEW`] as its workload.
    pub fn start(b: &mut Bundle, cgroups: Option<&Cgroups>) -> Target {
        Target::start_with(b, cgroups, VIEW)
    }

    /// Starts `b` whose workload runs `script`, says `ready` and blocks;
    /// in `cgroups` when given.
    pub fn start_with(b: &mut Bundle, cgroups: Option<&Cgroups>, script: &str) -> Target {
        b.sh(&then_block(script));
        let mut run = b.runner().stdin_pipe();
        if let Some(cg) = cgroups {
            run = run.wrap_argv(cg.wrap(b.parent_argv()), 1);
        }
        let mut r = run.spawn();
        let view = until_ready(&mut r);
        let workload = r.descendant(2);
        Target { run: r, view, workload }
    }

    /// The container's init (nsinit, PID 1 inside), as the host sees it.
    pub fn init(&self) -> i32 {
        self.run.nsinit_pid()
    }

    /// Ends the workload (stdin closes) and with it the container; it must
    /// exit 0 with nothing but warnings on stderr.
    pub fn stop(mut self) -> Output {
        self.run.close_stdin();
        let out = self.run.wait();
        out.assert_code(0);
        assert_only_warnings(&out);
        out
    }
}

/// Nothing on stderr but nsinit's warnings (the runc fixture's ambient
/// capabilities, which are not inheritable, are skipped with one each).
pub fn assert_only_warnings(out: &Output) {
    assert!(out.stderr.lines().all(|l| l.starts_with("nsinit: warning: ")), "more than warnings on stderr\n{out:?}");
}

/// `nsinit --enter PID --spec-fd 3` with `spec` on the pipe; the caller
/// adds CMD, stdin, fds.
pub fn enter(pid: i32, spec: impl Into<Vec<u8>>) -> Run {
    Run::new().args(["--enter".to_string(), pid.to_string()]).spec(spec)
}

/// The bundle's copy of nsinit run by its unprivileged user (a rootless
/// bundle's), for entering as that user: `setpriv` execs nsinit, so the
/// spawned pid is nsinit's.
pub fn as_user(run: Run, b: &Bundle, uid: u32) -> Run {
    let _ = b.runner(); // writes the bundle and its copy of nsinit
    run.program(b.join("nsinit")).wrap_argv(
        ["setpriv".to_string(), format!("--reuid={uid}"), format!("--regid={uid}"), "--clear-groups".into()],
        0,
    )
}

/// `/proc/<pid>/ns/<name>` for every namespace, as the host reads them.
pub fn ns_links(pid: i32) -> Vec<(String, String)> {
    ["cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"]
        .iter()
        .map(|n| {
            let l = fs::read_link(format!("/proc/{pid}/ns/{n}")).unwrap_or_else(|e| panic!("readlink /proc/{pid}/ns/{n}: {e}"));
            (n.to_string(), l.display().to_string())
        })
        .collect()
}

/// (fd, link target) of every descriptor of `pid`, by fd number.
pub fn fd_links(pid: i32) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap_or_else(|e| panic!("read /proc/{pid}/fd: {e}"))
        .flatten()
        .map(|e| {
            let link = fs::read_link(e.path()).map(|p| p.display().to_string()).unwrap_or_default();
            (e.file_name().to_string_lossy().into_owned(), link)
        })
        .collect();
    v.sort_by_key(|(fd, _)| fd.parse::<u32>().unwrap_or(u32::MAX));
    v
}

/// `/proc/<pid>/status`, read by the host.
pub fn status_of(pid: i32) -> String {
    fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_else(|e| panic!("read /proc/{pid}/status: {e}"))
}

/// The OCI runtimes that run the same bundle detached, for `exec` beside
/// `nsinit --enter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Oci {
    Runc,
    Crun,
}

impl Oci {
    pub fn name(self) -> &'static str {
        match self {
            Oci::Runc => "runc",
            Oci::Crun => "crun",
        }
    }

    /// `runc ARGS` / `crun ARGS` to the end, under the hang guard.
    pub fn ctl(self, args: &[&str]) -> Output {
        run_command(Command::new(self.name()).args(args).env_clear().env("PATH", PATH))
    }
}

/// A bundle run detached by runc or crun (`run -d`, terminal false: the
/// container's stdio is what `run` was given, pipes the test holds). crun
/// 1.8 refuses this host's hybrid cgroup layout: it runs in a private mount
/// namespace without /sys/fs/cgroup/unified and with
/// `--cgroup-manager=disabled` (see tests/common/runtime.rs). Dropping it
/// kills and deletes the container.
pub struct Detached {
    pub oci: Oci,
    pub id: String,
    io: Watched,
    /// What the workload printed before `ready`.
    pub view: String,
}

impl Detached {
    /// Runs `b` (its workload set to `script`, then `ready`, then a block
    /// on stdin) detached.
    pub fn start(oci: Oci, b: &mut Bundle, script: &str) -> Detached {
        Detached::start_with(oci, b, script, &[])
    }

    /// [`Detached::start`] with more options for `run` (`--no-pivot`).
    pub fn start_with(oci: Oci, b: &mut Bundle, script: &str, run_opts: &[&str]) -> Detached {
        static N: AtomicUsize = AtomicUsize::new(0);
        let id = format!("nsinit-it-enter-{}-{}-{}", oci.name(), std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        b.sh(&then_block(script));
        b.write();
        let mut c = match oci {
            Oci::Runc => {
                let mut c = Command::new("runc");
                c.arg("run").arg("-d").args(run_opts).arg("--bundle").arg(b.path()).arg(&id);
                c
            }
            Oci::Crun => {
                let script = "if mountpoint -q /sys/fs/cgroup/unified; then umount -l /sys/fs/cgroup/unified; fi; b=$1; id=$2; shift 2; exec crun --cgroup-manager=disabled run -d \"$@\" --bundle \"$b\" \"$id\"";
                let mut c = Command::new("unshare");
                c.args(["--mount", "--propagation", "private", "sh", "-c", script, "sh"]).arg(b.path()).arg(&id).args(run_opts);
                c
            }
        };
        c.env_clear().env("PATH", PATH).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        c.process_group(0);
        let child = c.spawn().unwrap_or_else(|e| panic!("spawn {c:?}: {e}"));
        let mut d = Detached { oci, id, io: Watched::new(child, Instant::now() + HANG_GUARD), view: String::new() };
        let status = d.io.wait_status("waiting for run -d to return").unwrap_or_else(|w| d.fail(w));
        assert_eq!(status, Status::Code(0), "{} run -d failed", oci.name());
        loop {
            match d.io.line() {
                Ok(l) if l == "ready" => break,
                Ok(l) => {
                    d.view.push_str(&l);
                    d.view.push('\n');
                }
                Err(Stalled::Timeout(w)) => d.fail(w),
                Err(Stalled::Closed) => d.fail("stdout closed before ready"),
            }
        }
        d
    }

    fn fail(&mut self, what: &str) -> ! {
        let _ = self.oci.ctl(&["delete", "-f", &self.id]);
        kill_tree(self.io.pid());
        let (out, err) = self.io.salvage();
        panic!("{} {}: {what}\n--- stdout ---\n{out}--- stderr ---\n{err}", self.oci.name(), self.id);
    }

    /// The host pid of the container's init (its workload), from `state`.
    pub fn init_pid(&self) -> i32 {
        let out = self.oci.ctl(&["state", &self.id]);
        out.assert_code(0);
        let v: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{} state: {e}\n{out:?}", self.oci.name()));
        assert_eq!(v["status"], "running", "{out:?}");
        v["pid"].as_i64().unwrap_or_else(|| panic!("no pid in {out:?}")) as i32
    }

    /// `runc exec ID sh -c script` / `crun exec ID sh -c script`, to the end.
    pub fn exec(&self, script: &str) -> Output {
        self.oci.ctl(&["exec", &self.id, "sh", "-c", script])
    }

    /// Ends the workload (stdin closes), then deletes the container.
    pub fn stop(mut self) -> Output {
        self.io.close_stdin();
        let out = self.io.rest(Status::Code(0)).unwrap_or_else(|w| self.fail(w));
        let _ = self.oci.ctl(&["delete", "-f", &self.id]);
        out
    }
}

impl Drop for Detached {
    fn drop(&mut self) {
        let _ = self.oci.ctl(&["delete", "-f", &self.id]);
        self.io.stop();
    }
}
