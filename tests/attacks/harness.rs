//! What every attack shares: the runtimes that run a bundle ([`Rt`]), the
//! workloads an attacker can be ([`Who`]), the attack programs built from
//! `progs/*.c` ([`install`]), the host state that must not change
//! ([`Host`]), and the bookkeeping behind the suite's one-line summary
//! ([`attack`]).

use crate::common::kernel::{build_dir, sys_tool};
use crate::common::*;
use serde_json::{Value, json};
use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once, OnceLock};
use std::time::Instant;

/// The runtime that starts the container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rt {
    /// nsinit as PID 1 under `scripts/run`'s parent ([`Bundle::runner`]).
    Nsinit,
    /// `crun run` on the same bundle. crun 1.8.1 refuses this machine's
    /// hybrid cgroup layout (v1 hierarchies plus cgroup2 at
    /// /sys/fs/cgroup/unified): it runs in a private mount namespace without
    /// the unified mount, with `--cgroup-manager=disabled`, as in
    /// tests/side_by_side.rs.
    Crun,
}

/// crun's parent: `$1` is the bundle, `$2` the container id.
const CRUN: &str = r#"if mountpoint -q /sys/fs/cgroup/unified; then umount -l /sys/fs/cgroup/unified; fi
exec crun --cgroup-manager=disabled run -b "$1" "$2""#;

/// Deletes a crun container that a killed run left behind (a run that
/// ends deletes its own).
struct CrunId(String);

impl Drop for CrunId {
    fn drop(&mut self) {
        let _ = Command::new("crun").args(["delete", "-f", &self.0]).output();
    }
}

impl Rt {
    pub fn name(self) -> &'static str {
        match self {
            Rt::Nsinit => "nsinit",
            Rt::Crun => "crun",
        }
    }

    /// Runs `b` and checks that the host did not change.
    pub fn run(self, b: &Bundle) -> Output {
        self.run_with(b, &[], |r| r)
    }

    /// Runs `b` under `outer` (a command that execs its arguments, e.g.
    /// `setsid --ctty`), with the run adjusted by `adjust` (stdin, leaked
    /// fds, environment), and checks that the host did not change.
    pub fn run_with(self, b: &Bundle, outer: &[&str], adjust: impl FnOnce(Run) -> Run) -> Output {
        let host = Host::take(b);
        let (run, _id) = self.runner(b, outer, None);
        let out = adjust(run).run();
        host.assert_same(self, &out);
        out
    }

    /// Runs `b` with `config` as the config text as it is (malformed JSON,
    /// invalid UTF-8 too), and checks that the host did not change.
    pub fn run_text(self, b: &Bundle, config: impl AsRef<[u8]>) -> Output {
        let host = Host::take(b);
        let (run, _id) = self.runner(b, &[], Some(config.as_ref()));
        let out = run.run();
        host.assert_same(self, &out);
        out
    }

    /// The run of `b`. nsinit: the config on a pipe at fd 3 (as
    /// `scripts/run`), crun: `config.json`. Both in the bundle directory.
    fn runner(self, b: &Bundle, outer: &[&str], text: Option<&[u8]>) -> (Run, Option<CrunId>) {
        b.write();
        let text = text.map_or_else(|| b.config_text().into_bytes(), <[u8]>::to_vec);
        fs::write(b.join("config.json"), &text).expect("write config.json");
        let mut argv: Vec<OsString> = outer.iter().map(OsString::from).collect();
        match self {
            Rt::Nsinit => {
                argv.extend(b.parent_argv().into_iter().map(OsString::from));
                (Run::new().wrap_argv(argv, 1).spec(text).cwd(b.path()), None)
            }
            Rt::Crun => {
                static N: AtomicUsize = AtomicUsize::new(0);
                let id = format!("nsinit-attack-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
                argv.extend(["unshare", "-m", "--propagation", "private", "sh", "-c", CRUN, "sh"].map(OsString::from));
                // The wrapper's arguments end with the "program" Run
                // appends: here the bundle, `$1` of the script; the id
                // follows as `$2`.
                let run = Run::new().wrap_argv(argv, 2).program(b.path()).arg(&id).cwd(b.path());
                (run, Some(CrunId(id)))
            }
        }
    }
}

/// For the attacks crun is known to hang on (a measured crun hole, never
/// asserted): a shorter hang guard for crun's run, so the suite does not
/// wait the full guard for each. nsinit keeps the full guard.
pub fn known_crun_hang(rt: Rt, r: Run) -> Run {
    match rt {
        Rt::Crun => r.timeout(std::time::Duration::from_secs(5)),
        Rt::Nsinit => r,
    }
}

/// The attacker, as a workload: who it runs as and how it is confined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// Root with `runc spec`'s capabilities and no_new_privs, no seccomp.
    Root,
    /// Root with Docker's default capabilities and seccomp profile, and
    /// no_new_privs off, as `docker run` starts a container.
    Docker,
    /// uid and gid 1000, `runc spec`'s capabilities (none survive execve).
    User,
}

pub const WORKLOADS: [Who; 3] = [Who::Root, Who::Docker, Who::User];


impl Who {
    /// A fresh bundle (`runc spec`'s config, busybox rootfs) for this
    /// workload. The ambient set of `runc spec` is dropped: nsinit warns
    /// about it on stderr (not inheritable, so the kernel cannot raise it),
    /// and the attacks read stderr.
    pub fn bundle(self) -> Bundle {
        let mut b = Bundle::new();
        let p = &mut b.config["process"];
        if let Some(caps) = p["capabilities"].as_object_mut() {
            caps.remove("ambient");
        }
        match self {
            Who::Root => {}
            Who::Docker => {
                let caps = json!(DOCKER_CAPS);
                p["capabilities"] = json!({"bounding": caps, "effective": caps, "permitted": caps});
                p["noNewPrivileges"] = json!(false);
                b.config["linux"]["seccomp"] = docker_seccomp();
            }
            Who::User => p["user"] = json!({"uid": 1000, "gid": 1000}),
        }
        b
    }
}

/// Docker's default profile (tests/fixtures).
pub fn docker_seccomp() -> Value {
    fixture("docker-default-seccomp.json")
}

/// The attack programs, `progs/NAME.c`, compiled static by gcc once per test
/// process, side by side (written under a temporary name, then renamed).
fn progs() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/attacks/progs");
        let out = build_dir().join("progs");
        fs::create_dir_all(&out).expect("create the progs dir");
        let mut builds = Vec::new();
        for e in fs::read_dir(&src).expect("read tests/attacks/progs").flatten() {
            let p = e.path();
            if p.extension().is_none_or(|x| x != "c") {
                continue;
            }
            let name = p.file_stem().expect("a file name").to_owned();
            let tmp = out.join(format!("{}.{}", name.to_string_lossy(), std::process::id()));
            let child = Command::new("gcc")
                .args(["-static", "-O2", "-Wall", "-Werror", "-o"])
                .arg(&tmp)
                .arg(&p)
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("run gcc (scripts/setup installs it)");
            builds.push((name, tmp, child));
        }
        for (name, tmp, child) in builds {
            let r = child.wait_with_output().expect("wait for gcc");
            assert!(r.status.success(), "gcc {}: {}", name.to_string_lossy(), String::from_utf8_lossy(&r.stderr));
            fs::rename(&tmp, out.join(&name)).expect("rename an attack program");
        }
        out
    })
}

/// Copies attack program `name` (`progs/NAME.c`, or `sys`: the syscall tool
/// of tests/common/kernel.rs) into the bundle's rootfs as `/bin/NAME`, and
/// returns that path.
pub fn install(b: &Bundle, name: &str) -> String {
    let from = if name == "sys" { sys_tool().to_path_buf() } else { progs().join(name) };
    assert!(from.is_file(), "no attack program {name}");
    copy_file(&from, &b.in_rootfs(&format!("/bin/{name}")));
    format!("/bin/{name}")
}

/// A built attack program's path on the host (for runs without a rootfs).
pub fn prog(name: &str) -> PathBuf {
    progs().join(name)
}

/// `process.args`.
pub fn args(b: &mut Bundle, argv: &[&str]) {
    b.config["process"]["args"] = json!(argv);
}

/// Attack program `name` installed (`install`) as `b`'s workload, `words`
/// after it, run under `rt`: its output, the run having exited 0.
pub fn run_prog(rt: Rt, b: &mut Bundle, name: &str, words: &[&str]) -> Output {
    let prog = install(b, name);
    let mut argv = vec![prog.as_str()];
    argv.extend(words);
    args(b, &argv);
    let out = rt.run(b);
    out.assert_code(0);
    out
}

/// What on the host an escape would change, taken before a run and
/// compared after it: the owner and mode of the bundle directory, the
/// directory that holds it and `/`; the files whose contents the host
/// kernel runs as root (core_pattern, modprobe, hotplug/uevent helper,
/// every v1 hierarchy's release_agent); this process's mount table.
pub struct Host {
    owners: Vec<(PathBuf, Option<(u32, u32, u32)>)>,
    files: Vec<(PathBuf, Option<String>)>,
    mounts: String,
}

impl Host {
    pub fn take(b: &Bundle) -> Host {
        let mut dirs = vec![b.path().to_path_buf(), PathBuf::from("/")];
        dirs.extend(b.path().parent().map(Path::to_path_buf));
        let owners = dirs
            .into_iter()
            .map(|d| {
                let m = fs::symlink_metadata(&d).ok().map(|m| (m.uid(), m.gid(), m.mode()));
                (d, m)
            })
            .collect();
        let hooks = ["/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe", "/proc/sys/kernel/hotplug", "/sys/kernel/uevent_helper"];
        let mut paths: Vec<PathBuf> = hooks.iter().map(PathBuf::from).collect();
        if let Ok(dir) = fs::read_dir("/sys/fs/cgroup") {
            paths.extend(dir.flatten().map(|e| e.path().join("release_agent")).filter(|p| p.exists()));
        }
        paths.sort();
        let files = paths
            .into_iter()
            .map(|p| {
                let text = fs::read_to_string(&p).ok();
                (p, text)
            })
            .collect();
        Host { owners, files, mounts: stable_mounts() }
    }

    /// Fails the test, naming what changed, when the host is not as taken.
    pub fn assert_same(&self, rt: Rt, out: &Output) {
        for (d, before) in &self.owners {
            let now = fs::symlink_metadata(d).ok().map(|m| (m.uid(), m.gid(), m.mode()));
            assert_eq!(&now, before, "{}: the host's {} changed owner or mode (uid, gid, mode)\n{out:?}", rt.name(), d.display());
        }
        for (p, before) in &self.files {
            let now = fs::read_to_string(p).ok();
            assert_eq!(&now, before, "{}: the host's {} changed\n{out:?}", rt.name(), p.display());
        }
        assert_eq!(stable_mounts(), self.mounts, "{}: the host's mount table changed\n{out:?}", rt.name());
    }
}

/// The host's mount table without crun's own transient mount: crun binds
/// its binary at /tmp/crun.XXXXXX in the host's namespace while it starts
/// a container (its CVE-2019-5736 guard), so a crun of another attack
/// running at the same time (the tests run in parallel) shows there.
fn stable_mounts() -> String {
    host_mountinfo().lines().filter(|l| l.split(' ').nth(4).is_none_or(|t| !t.starts_with("/tmp/crun."))).map(|l| format!("{l}\n")).collect()
}

/// The lines of `out` that start with `prefix`, without it.
pub fn lines_with<'a>(out: &'a Output, prefix: &str) -> Vec<&'a str> {
    out.stdout.lines().filter_map(|l| l.strip_prefix(prefix)).collect()
}

/// nsinit refused: 125 (spec or setup) or 126 (the workload's exec), exactly
/// one line on stderr starting `nsinit: `, and nothing the workload would
/// have printed.
pub fn assert_refused(out: &Output, code: i32, what: &str) {
    assert_eq!(out.code(), code, "{what}: nsinit should refuse with {code}\n{out:?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    let one = lines.len() == 1 && lines[0].starts_with("nsinit: ") && out.stderr.ends_with('\n');
    assert!(one, "{what}: exactly one line `nsinit: ...` on stderr\n{out:?}");
    assert!(out.stdout.is_empty(), "{what}: the workload printed\n{out:?}");
}

/// How an attack is run under crun.
#[derive(Clone, Copy, Debug)]
pub enum Crun {
    /// crun blocks it too: run under crun, and a crun failure fails the test
    /// (a difference would be a finding).
    Safe,
    /// A known crun hole, measured: run under crun and counted in the
    /// summary; crun's failure does not fail the test.
    Hole(&'static str),
    /// Not run under crun (no counterpart, or the escape itself is what
    /// crun does).
    NotRun(&'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Blocked,
    NotBlocked,
    NotRun,
}

struct Outcome {
    name: &'static str,
    nsinit: Verdict,
    crun: Verdict,
}

static OUTCOMES: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
static START: OnceLock<Instant> = OnceLock::new();

/// Runs `body` as attack `name` under nsinit, then under crun as `crun`
/// says; records both verdicts for the summary and fails the test when
/// nsinit, or crun where it is [`Crun::Safe`], did not block it.
pub fn attack(name: &'static str, crun: Crun, body: fn(Rt)) {
    START.get_or_init(Instant::now);
    static SUMMARY: Once = Once::new();
    SUMMARY.call_once(|| {
        // SAFETY: atexit(3) with a plain extern "C" function; it runs once
        // at exit, after the test threads are done.
        unsafe { libc::atexit(summary) };
    });
    // A header before each side, so a failure's captured output says
    // which runtime it was.
    let try_under = |rt: Rt| {
        eprintln!("--- {name} under {}", rt.name());
        catch_unwind(AssertUnwindSafe(|| body(rt)))
    };
    let n = try_under(Rt::Nsinit);
    let c = match crun {
        Crun::NotRun(_) => None,
        Crun::Safe | Crun::Hole(_) => Some(try_under(Rt::Crun)),
    };
    let verdict = |r: &std::thread::Result<()>| if r.is_ok() { Verdict::Blocked } else { Verdict::NotBlocked };
    OUTCOMES.lock().unwrap_or_else(|e| e.into_inner()).push(Outcome {
        name,
        nsinit: verdict(&n),
        crun: c.as_ref().map_or(Verdict::NotRun, verdict),
    });
    if let Err(e) = n {
        resume_unwind(e);
    }
    match (crun, c) {
        (Crun::Safe, Some(Err(e))) => {
            eprintln!("{name}: crun did not block this attack (nsinit did): a difference to report");
            resume_unwind(e);
        }
        (Crun::Hole(why), Some(Err(_))) => eprintln!("{name}: not blocked under crun, as known: {why}"),
        (Crun::Hole(why), Some(Ok(()))) => {
            eprintln!("{name}: blocked under crun, though known as a crun hole ({why}): update the suite")
        }
        (Crun::NotRun(why), _) => eprintln!("{name}: not run under crun: {why}"),
        _ => {}
    }
}

/// The one-line summary, at exit: attacks run, blocked under nsinit and
/// under crun, and the time since the first attack started. Written to the
/// real stderr (the test harness captures `eprintln!` in test threads only;
/// this runs in the main thread after them).
extern "C" fn summary() {
    let outcomes = OUTCOMES.lock().unwrap_or_else(|e| e.into_inner());
    if outcomes.is_empty() {
        return;
    }
    let count = |f: &dyn Fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let total = outcomes.len();
    let ns = count(&|o| o.nsinit == Verdict::Blocked);
    let crun_run = count(&|o| o.crun != Verdict::NotRun);
    let crun = count(&|o| o.crun == Verdict::Blocked);
    let secs = START.get().map_or(0.0, |s| s.elapsed().as_secs_f64());
    let names = |f: &dyn Fn(&Outcome) -> bool| {
        let mut v: Vec<&str> = outcomes.iter().filter(|o| f(o)).map(|o| o.name).collect();
        v.sort();
        if v.is_empty() { "none".to_string() } else { v.join(" ") }
    };
    let open_ns = names(&|o| o.nsinit == Verdict::NotBlocked);
    let open_crun = names(&|o| o.crun == Verdict::NotBlocked);
    let not_run = total - crun_run;
    let line = format!(
        "attack suite: {total} attacks; blocked under nsinit: {ns}/{total}; under crun: {crun}/{crun_run} run there \
         ({not_run} not run); {secs:.1} s. Not blocked under nsinit: {open_ns}. Under crun: {open_crun}.\n"
    );
    let _ = std::io::stderr().write_all(line.as_bytes());
}
