//! OCI bundles for the container tests: a busybox root filesystem built
//! once per test process, a fresh copy of it per test, a `config.json` from
//! the runc fixtures with the test's overrides, and a parent that starts
//! nsinit the way `scripts/run` does.
//!
//! - [`rootfs`]: `scripts/mkrootfs` into `target/it-rootfs/<pid>`, once.
//! - [`Bundle`]: a temporary bundle directory (removed on drop) holding a
//!   copy of that rootfs (tests mutate it: mount points and device nodes
//!   are created in it) and [`Bundle::config`], a `serde_json::Value` to
//!   edit. [`Bundle::run`] runs it; [`Bundle::runner`] gives the [`Run`] to
//!   adjust first (`--trace`, stdin, CMD).
//! - [`MountInfo`]: `/proc/<pid>/mountinfo` lines, parsed; [`Output::section`]
//!   cuts a workload's output at `== name` lines ([`sections`] writes them).
//! - [`run_command`]: any command (crun, `scripts/run`) under the same hang
//!   guard as [`Run`].
//!
//! Nothing may leak onto the host: whatever the config lists, the parent
//! always creates a mount and a UTS namespace, so a test's mounts and names
//! (even when nsinit has a bug) stay in namespaces that die with the run.

use super::*;
use serde_json::{Value, json};
use std::os::unix::fs::{PermissionsExt, lchown, symlink};
use std::sync::OnceLock;

/// `target/` (or CARGO_TARGET_DIR): three levels above the test binary's
/// nsinit (`<target>/<triple>/<profile>/nsinit`).
pub fn target_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = Path::new(env!("CARGO_BIN_EXE_nsinit"));
        exe.ancestors().nth(3).expect("target dir above CARGO_BIN_EXE_nsinit").to_path_buf()
    })
}

/// The busybox rootfs of this test process, made by `scripts/mkrootfs` in
/// `target/it-rootfs/<pid>` on first use. Rootfs directories of test
/// processes that are gone are removed then (nothing is ever mounted in
/// them: every mount happens in a copy, in a private mount namespace).
pub fn rootfs() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = target_dir().join("it-rootfs");
        fs::create_dir_all(&base).expect("create target/it-rootfs");
        for e in fs::read_dir(&base).expect("read target/it-rootfs").flatten() {
            let stale = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()).is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
            if stale {
                let _ = fs::remove_dir_all(e.path());
            }
        }
        let dir = base.join(std::process::id().to_string());
        let _ = fs::remove_dir_all(&dir);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/mkrootfs");
        let out = Command::new(&script).arg(&dir).output().expect("run scripts/mkrootfs");
        assert!(out.status.success(), "scripts/mkrootfs failed (scripts/setup installs busybox-static):\n{}", String::from_utf8_lossy(&out.stderr));
        dir
    })
}

/// Copies a directory tree: directories and files with their modes,
/// symlinks as symlinks — or, with `link_symlinks`, as hard links to the
/// source's symlinks: a symlink cannot be changed in place, and linking
/// one costs a fraction of making one (the rootfs is mostly the busybox
/// applet links), where both are on one filesystem. Not when the copy is
/// chowned: that would chown the source's links too.
pub fn copy_tree(src: &Path, dst: &Path, link_symlinks: bool) {
    fs::create_dir_all(dst).unwrap_or_else(|e| panic!("mkdir {}: {e}", dst.display()));
    let mode = fs::metadata(src).expect("stat source dir").permissions().mode();
    fs::set_permissions(dst, fs::Permissions::from_mode(mode)).expect("chmod dir");
    for e in fs::read_dir(src).expect("read dir").flatten() {
        let (from, to) = (e.path(), dst.join(e.file_name()));
        let ft = e.file_type().expect("file type");
        if ft.is_symlink() {
            // A hard link fails across filesystems (target/ and /tmp
            // apart): then a new symlink.
            if !(link_symlinks && fs::hard_link(&from, &to).is_ok()) {
                symlink(fs::read_link(&from).expect("readlink"), &to).expect("symlink");
            }
        } else if ft.is_dir() {
            copy_tree(&from, &to, link_symlinks);
        } else {
            copy_file(&from, &to);
        }
    }
}

/// Copies a file with its mode, in a `cp` process: a binary copied by this
/// multi-threaded test process would have a write descriptor open here, and
/// a child forked meanwhile by another test holds it until its exec, so
/// running the copy could fail with ETXTBSY (seen: `nsinit: exec: sh:
/// ETXTBSY`). Written by `cp`, the file is never open for writing here.
pub fn copy_file(from: &Path, to: &Path) {
    let out = Command::new("cp").arg("--preserve=mode").arg(from).arg(to).output().expect("run cp");
    assert!(out.status.success(), "cp {} {}: {}", from.display(), to.display(), String::from_utf8_lossy(&out.stderr));
}

/// Writes an executable file (mode 755), by [`copy_file`] from a text file
/// beside it, which is removed.
pub fn write_executable(path: &Path, text: &str) {
    let mut src = path.as_os_str().to_owned();
    src.push(".text");
    let src = PathBuf::from(src);
    fs::write(&src, text).unwrap_or_else(|e| panic!("write {}: {e}", src.display()));
    copy_file(&src, path);
    fs::remove_file(&src).unwrap_or_else(|e| panic!("remove {}: {e}", src.display()));
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// `lchown -R uid:uid`.
fn chown_tree(p: &Path, uid: u32) {
    lchown(p, Some(uid), Some(uid)).unwrap_or_else(|e| panic!("chown {}: {e}", p.display()));
    if fs::symlink_metadata(p).expect("lstat").is_dir() {
        for e in fs::read_dir(p).expect("read dir").flatten() {
            chown_tree(&e.path(), uid);
        }
    }
}

/// An unprivileged uid for rootless runs (used as its own gid too): the
/// first from 41000 up that `/etc/passwd` does not name. setpriv switches
/// to a bare uid, so no account is needed.
pub fn rootless_uid() -> u32 {
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    let used: Vec<u32> = passwd.lines().filter_map(|l| l.split(':').nth(2)?.parse().ok()).collect();
    (41000..).find(|u| !used.contains(u)).expect("a free uid")
}

/// The fixtures shipped with the tests.
pub fn fixture(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", p.display()))
}

/// An OCI bundle in a temporary directory: `rootfs/` (a fresh copy of
/// [`rootfs`]) and the config nsinit gets, also written to `config.json`
/// when it runs (crun reads it from there).
pub struct Bundle {
    dir: TempDir,
    /// The config; edit it freely before running.
    pub config: Value,
    /// Rootless: the unprivileged uid that runs the parent.
    user: Option<u32>,
    /// unshare flags beyond those the config's namespaces give.
    extra: Vec<&'static str>,
}

impl Bundle {
    /// `runc spec`'s config, with `process.terminal` false (the tests have
    /// no terminal) and `sh` as the workload.
    pub fn new() -> Bundle {
        Bundle::from_fixture("runc-spec-config.json", None)
    }

    /// `runc spec --rootless`'s config, run by [`rootless_uid`] in a new
    /// user namespace with that uid mapped to root (`scripts/run --rootless`).
    /// The bundle is chowned to that uid before each run, as a rootless
    /// user's own files.
    pub fn rootless() -> Bundle {
        Bundle::from_fixture("runc-spec-rootless-config.json", Some(rootless_uid()))
    }

    fn from_fixture(name: &str, user: Option<u32>) -> Bundle {
        let dir = TempDir::new();
        copy_tree(rootfs(), &dir.join("rootfs"), user.is_none());
        let mut config = fixture(name);
        config["process"]["terminal"] = json!(false);
        Bundle { dir, config, user, extra: Vec::new() }
    }

    /// The bundle directory (the parent's working directory).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The container's root as the host sees it.
    pub fn rootfs(&self) -> PathBuf {
        self.dir.join("rootfs")
    }

    /// `path` inside the rootfs, as the host sees it (`/etc/x` →
    /// `<bundle>/rootfs/etc/x`).
    pub fn in_rootfs(&self, path: &str) -> PathBuf {
        self.rootfs().join(path.trim_start_matches('/'))
    }

    /// The workload: `process.args = ["sh", "-c", script]`.
    pub fn sh(&mut self, script: &str) -> &mut Bundle {
        self.config["process"]["args"] = json!(["sh", "-c", script]);
        self
    }

    /// Appends `{destination, type, source, options}` to `mounts[]`
    /// (`type` and `source` are left out when empty).
    pub fn mount(&mut self, destination: &str, fstype: &str, source: &str, options: &[&str]) -> &mut Bundle {
        let mut m = json!({ "destination": destination, "options": options });
        if !fstype.is_empty() {
            m["type"] = json!(fstype);
        }
        if !source.is_empty() {
            m["source"] = json!(source);
        }
        self.mounts().push(m);
        self
    }

    /// Removes every entry of `mounts[]` whose destination is `dest` or
    /// below it.
    pub fn unmount(&mut self, dest: &str) -> &mut Bundle {
        let under = format!("{}/", dest.trim_end_matches('/'));
        self.mounts().retain(|m| {
            let d = m["destination"].as_str().unwrap_or_default();
            d != dest && !d.starts_with(&under)
        });
        self
    }

    pub fn mounts(&mut self) -> &mut Vec<Value> {
        if !self.config["mounts"].is_array() {
            self.config["mounts"] = json!([]);
        }
        self.config["mounts"].as_array_mut().expect("mounts is an array")
    }

    /// The namespace types the config lists.
    pub fn namespaces(&self) -> Vec<String> {
        let list = self.config["linux"]["namespaces"].as_array().cloned().unwrap_or_default();
        list.iter().filter_map(|n| n["type"].as_str().map(String::from)).collect()
    }

    /// Drops `kind` from `linux.namespaces`.
    pub fn without_namespace(&mut self, kind: &str) -> &mut Bundle {
        if let Some(list) = self.config["linux"]["namespaces"].as_array_mut() {
            list.retain(|n| n["type"].as_str() != Some(kind));
        }
        self
    }

    /// One more unshare flag for the parent, beyond the config's namespaces
    /// (a namespace the spec does not tell nsinit about).
    pub fn unshare_also(&mut self, flag: &'static str) -> &mut Bundle {
        self.extra.push(flag);
        self
    }

    /// The parent's argv, as `scripts/run` builds it: unshare with a flag
    /// per namespace of the config, `--user --map-root-user` when rootless,
    /// `--fork` (nsinit is PID 1 of the new PID namespace) and
    /// `--kill-child` (nsinit dies with its parent). `--mount` and `--uts`
    /// always: no test may change the host's mounts or names.
    pub fn parent_argv(&self) -> Vec<String> {
        let mut argv: Vec<String> = Vec::new();
        if let Some(uid) = self.user {
            argv.extend(["setpriv".into(), format!("--reuid={uid}"), format!("--regid={uid}"), "--clear-groups".into()]);
        }
        argv.push("unshare".into());
        let mut flags: Vec<&str> = Vec::new();
        for ns in self.namespaces() {
            let flag = match ns.as_str() {
                "pid" => "--pid",
                "network" => "--net",
                "mount" => "--mount",
                "ipc" => "--ipc",
                "uts" => "--uts",
                "cgroup" => "--cgroup",
                "time" => "--time",
                "user" => continue,
                other => panic!("namespace {other}: not known to the test parent"),
            };
            flags.push(flag);
        }
        flags.extend(["--mount", "--uts"]);
        flags.extend(self.extra.iter().copied());
        if self.user.is_some() || self.namespaces().iter().any(|n| n == "user") {
            flags.extend(["--user", "--map-root-user"]);
        }
        for f in flags {
            if !argv.iter().any(|a| a == f) {
                argv.push(f.into());
            }
        }
        argv.extend(["--fork".into(), "--kill-child".into()]);
        argv
    }

    /// The config as nsinit gets it.
    pub fn config_text(&self) -> String {
        serde_json::to_string_pretty(&self.config).expect("serialise config")
    }

    /// Writes `config.json` (and, rootless, hands the bundle to the user).
    pub fn write(&self) {
        fs::write(self.join("config.json"), self.config_text()).expect("write config.json");
        if let Some(uid) = self.user {
            chown_tree(self.path(), uid);
        }
    }

    /// The run of this bundle, to adjust before `run()`: nsinit under
    /// [`Bundle::parent_argv`] as PID 1, the config on a pipe at fd 3
    /// (`--spec-fd 3`), in the bundle directory (so the relative
    /// `root.path` resolves as in runc).
    pub fn runner(&self) -> Run {
        self.write();
        let mut run = Run::new().wrap_argv(self.parent_argv(), 1).spec(self.config_text()).cwd(self.path());
        if let Some(uid) = self.user {
            // The unprivileged user may not reach target/ (a clone under
            // /root): it runs a copy of its own.
            let copy = self.join("nsinit");
            if !copy.exists() {
                copy_file(nsinit(), &copy);
                lchown(&copy, Some(uid), Some(uid)).expect("chown nsinit copy");
            }
            run = run.program(copy);
        }
        run
    }

    pub fn run(&self) -> Output {
        self.runner().run()
    }
}

/// A workload script that prints `== name` and then the output of `cmd`,
/// for each pair ([`Output::section`] reads it back).
pub fn sections(parts: &[(&str, &str)]) -> String {
    parts.iter().map(|(name, cmd)| format!("echo '== {name}'; {cmd}\n")).collect()
}

impl Output {
    /// The lines a workload printed after `== name` up to the next `== `
    /// line (see [`sections`]); fails the test when there is no such section.
    pub fn section(&self, name: &str) -> String {
        let head = format!("== {name}");
        let mut lines = self.stdout.lines().skip_while(|l| *l != head);
        assert!(lines.next().is_some(), "no section {name:?} in the output\n{self:?}");
        lines.take_while(|l| !l.starts_with("== ")).map(|l| format!("{l}\n")).collect()
    }
}

/// One line of `/proc/<pid>/mountinfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountInfo {
    /// The filesystem's device, `major:minor` (field 3).
    pub dev: String,
    /// The path in the filesystem that is mounted (field 4): `/null` for a
    /// bind of `/dev/null`.
    pub root: String,
    /// Where it is mounted (field 5).
    pub target: String,
    /// Per-mount options: `ro`, `nosuid`, `relatime`, …
    pub opts: Vec<String>,
    /// Optional fields: `shared:N`, `master:N`, `unbindable`.
    pub fields: Vec<String>,
    pub fstype: String,
    pub source: String,
    /// Superblock options (the filesystem's data: `size=65536k`, `mode=755`).
    pub super_opts: Vec<String>,
}

impl MountInfo {
    pub fn parse(line: &str) -> Option<MountInfo> {
        let (head, tail) = line.split_once(" - ")?;
        let h: Vec<&str> = head.split(' ').collect();
        let t: Vec<&str> = tail.split(' ').collect();
        let list = |s: &str| s.split(',').map(String::from).collect::<Vec<_>>();
        Some(MountInfo {
            dev: h.get(2)?.to_string(),
            root: unescape(h.get(3)?),
            target: unescape(h.get(4)?),
            opts: list(h.get(5)?),
            fields: h.get(6..)?.iter().map(|s| s.to_string()).collect(),
            fstype: t.first()?.to_string(),
            source: unescape(t.get(1)?),
            super_opts: list(t.get(2)?),
        })
    }

    /// Every mount line of `text` (other lines are skipped).
    pub fn all(text: &str) -> Vec<MountInfo> {
        text.lines().filter_map(MountInfo::parse).collect()
    }

    pub fn has(&self, opt: &str) -> bool {
        self.opts.iter().any(|o| o == opt)
    }

    pub fn has_super(&self, opt: &str) -> bool {
        self.super_opts.iter().any(|o| o == opt)
    }

    /// The optional field starting with `prefix` (`shared:`), if any.
    pub fn field(&self, prefix: &str) -> Option<&str> {
        self.fields.iter().find(|f| f.starts_with(prefix)).map(String::as_str)
    }
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let oct = b.get(i + 1..i + 4).and_then(|d| std::str::from_utf8(d).ok()).and_then(|d| u8::from_str_radix(d, 8).ok());
        match (b[i], oct) {
            (b'\\', Some(c)) => {
                out.push(c);
                i += 4;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The topmost mount at `target` (the last one listed), failing the test
/// when there is none.
pub fn mount_at(mounts: &[MountInfo], target: &str) -> MountInfo {
    mounts.iter().rev().find(|m| m.target == target).cloned().unwrap_or_else(|| panic!("no mount at {target} in\n{mounts:#?}"))
}

/// The test process's own mount table: what the host sees. No test mounts
/// in the test process's namespace, so tests running in parallel leave it
/// alone; a change means a mount leaked.
pub fn host_mountinfo() -> String {
    fs::read_to_string("/proc/self/mountinfo").expect("read /proc/self/mountinfo")
}

/// `runc run` of the bundle's config (the container is deleted when it
/// exits), for a side-by-side comparison of what the workload sees.
pub fn runc_run(b: &Bundle) -> Output {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    b.write();
    let id = format!("nsinit-it-bundle-{}-{}", std::process::id(), N.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let mut c = Command::new("runc");
    c.args(["run", "-b"]).arg(b.path()).arg(id);
    run_command(c.env_clear().env("PATH", PATH))
}

/// Runs any command to its end under the hang guard of [`Run`] (its own
/// process group, killed with its descendants when it hangs), stdin
/// /dev/null, and returns what it printed.
pub fn run_command(c: &mut Command) -> Output {
    c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0);
    let mut child = c.spawn().unwrap_or_else(|e| panic!("spawn {c:?}: {e}"));
    let pid = child.id() as i32;
    fn reader(mut r: impl Read + Send + 'static) -> mpsc::Receiver<String> {
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
        });
        rx
    }
    let out_rx = reader(child.stdout.take().expect("stdout piped"));
    let err_rx = reader(child.stderr.take().expect("stderr piped"));
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let deadline = Instant::now() + HANG_GUARD;
    let status = match rx.recv_timeout(HANG_GUARD) {
        Ok(Ok(s)) => Status::from(s),
        Ok(Err(e)) => panic!("wait for {c:?}: {e}"),
        Err(_) => {
            kill_tree(pid);
            panic!("hang guard: {c:?} still runs after {HANG_GUARD:?}; killed it");
        }
    };
    let left = || deadline.saturating_duration_since(Instant::now());
    let stdout = out_rx.recv_timeout(left()).unwrap_or_else(|_| panic!("{c:?}: stdout still open after exit"));
    let stderr = err_rx.recv_timeout(left()).unwrap_or_else(|_| panic!("{c:?}: stderr still open after exit"));
    Output { status, stdout, stderr }
}
