//! The workload's command: argv and envp arrays for execve, built before the
//! child starts, and the PATH search (`execvp` semantics) the child runs.

use crate::diag::{Error, Object, Reason, Result};
use crate::spec::{MAX_ARGS, MAX_ENV, Str};
use crate::sys::{self, Errno, cell::Once, cstr::CArray};
use core::ffi::CStr;

/// PATH when the workload's environment has none (Docker's default).
pub const DEFAULT_PATH: &[u8] = b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

pub struct Command {
    pub argv: CArray<'static, { MAX_ARGS + 1 }>,
    pub envp: CArray<'static, { MAX_ENV + 1 }>,
    /// Socket activation: descriptors 3 .. 3+n stay open for the workload,
    /// whose LISTEN_PID is rewritten to its own pid (as catatonit does).
    pub listen_fds: u32,
}

static COMMAND: Once<Command> = Once::new(Command { argv: CArray::new(), envp: CArray::new(), listen_fds: 0 });

/// The systemd socket-activation protocol: when nsinit's environment says
/// LISTEN_PID=<nsinit's pid> and LISTEN_FDS=<n>, the parent passed n
/// descriptors from 3 on, for the workload. Returns n (0: not asked).
pub fn listen_fds<'e>(env: impl Iterator<Item = &'e CStr>, pid: i32) -> u32 {
    let (mut for_us, mut n) = (false, 0);
    for e in env {
        let e = e.to_bytes();
        if let Some(v) = e.strip_prefix(b"LISTEN_PID=") {
            for_us = crate::text::parse_u32(v).is_some_and(|p| p as i64 == pid as i64);
        } else if let Some(v) = e.strip_prefix(b"LISTEN_FDS=") {
            // More than the workload could have descriptors is not a count.
            n = crate::text::parse_u32(v).filter(|&n| n <= 65536).unwrap_or(0);
        }
    }
    if for_us { n } else { 0 }
}

/// Builds the command from CMD (argv words) or `process.args`, and the
/// environment from `process.env` (spec) or nsinit's own (reaper mode).
pub fn prepare(
    cmd: Option<impl Iterator<Item = &'static CStr>>,
    spec_args: Option<&[Str<'static>]>,
    env: impl Iterator<Item = &'static CStr>,
    listen: Option<(u32, impl Iterator<Item = &'static CStr>)>,
) -> Result<'static, &'static mut Command> {
    let c = COMMAND.take().ok_or(Error::new("exec", Object::None, Reason::Text("prepared twice")))?;
    // The spec's lists fit (the parser has the same limits); only what
    // nsinit adds (HOME, LISTEN_FDS) can overflow the environment.
    let too_many = |field: &'static [u8], _n: usize| Error::new("exec", Object::Name(field), Reason::Text("too many entries"));
    match (cmd, spec_args) {
        (Some(words), _) => {
            for w in words {
                c.argv.push(w).map_err(|_| Error::new("cli", Object::Name(b"CMD"), Reason::Text("too many arguments")))?;
            }
        }
        (None, Some(args)) => {
            for a in args {
                c.argv.push(a.get()).map_err(|_| too_many(b"args", MAX_ARGS))?;
            }
        }
        (None, None) => {}
    }
    if c.argv.is_empty() {
        return Err(Error::new(
            "exec",
            Object::None,
            Reason::Text("no workload: give -- CMD, or a spec with process.args"),
        ));
    }
    for e in env {
        c.envp.push(e).map_err(|_| too_many(b"env", MAX_ENV))?;
    }
    if let Some((n, own_env)) = listen.filter(|(n, _)| *n > 0) {
        // The workload needs LISTEN_FDS (and LISTEN_FDNAMES) to use them: from
        // nsinit's own environment when its environment lacks them.
        for e in own_env {
            let name = e.to_bytes().split(|&c| c == b'=').next().unwrap_or(&[]);
            let wanted = name == b"LISTEN_FDS" || name == b"LISTEN_FDNAMES";
            let has = c.envp.iter().any(|x| x.to_bytes().split(|&c| c == b'=').next() == Some(name));
            if wanted && !has {
                c.envp.push(e).map_err(|_| too_many(b"env", MAX_ENV))?;
            }
        }
        c.listen_fds = n;
    }
    Ok(c)
}

/// `HOME=` for a workload whose environment has none: the user's home from
/// the container's /etc/passwd, else `/` (as runc and crun do).
static HOME: Once<[u8; 512]> = Once::new([0; 512]);

/// Adds `HOME=` to the environment when it has none.
pub fn add_home(c: &mut Command, uid: u32) -> Result<'static, ()> {
    let has_home = (0..c.envp.len()).filter_map(|i| c.envp.get(i)).any(|e| e.to_bytes().starts_with(b"HOME="));
    if has_home {
        return Ok(());
    }
    let Some(buf) = HOME.take() else { return Ok(()) };
    let mut passwd = [0u8; 4096];
    let text = read_small(c"/etc/passwd", &mut passwd);
    let home = home_of(text, uid).filter(|h| !h.is_empty() && h.len() + 6 <= buf.len()).unwrap_or(b"/");
    let len = 5 + home.len();
    if let Some(dst) = buf.get_mut(..len + 1) {
        let (k, rest) = dst.split_at_mut(5);
        k.copy_from_slice(b"HOME=");
        let (v, nul) = rest.split_at_mut(home.len());
        v.copy_from_slice(home);
        if let Some(z) = nul.first_mut() {
            *z = 0;
        }
    }
    let entry = CStr::from_bytes_with_nul(buf.get(..=len).unwrap_or(&[])).unwrap_or(c"HOME=/");
    c.envp.push(entry).map_err(|_| Error::new("exec", Object::Name(b"env"), Reason::Text("too many entries with HOME added")))
}

/// The start of a small file (what fits), or nothing when it cannot be read.
fn read_small<'b>(path: &CStr, buf: &'b mut [u8]) -> &'b [u8] {
    let Ok(fd) = sys::openat(sys::AT_FDCWD, path, libc::O_RDONLY, 0).map(sys::OwnedFd::new) else { return &[] };
    let mut len = 0;
    while let Some(room) = buf.get_mut(len..).filter(|r| !r.is_empty()) {
        match sys::read(fd.fd(), room) {
            Ok(0) | Err(_) => break,
            Ok(n) => len += n,
        }
    }
    buf.get(..len).unwrap_or(&[])
}

/// The home directory of `uid` in an /etc/passwd text.
pub fn home_of(passwd: &[u8], uid: u32) -> Option<&[u8]> {
    passwd.split(|&c| c == b'\n').find_map(|line| {
        let mut f = line.split(|&c| c == b':');
        let (_name, _pw, id) = (f.next()?, f.next()?, f.next()?);
        let (_gid, _gecos, home) = (f.next()?, f.next()?, f.next()?);
        let n = id.iter().try_fold(0u32, |n, d| d.is_ascii_digit().then(|| n.checked_mul(10)?.checked_add((d - b'0') as u32))?)?;
        (n == uid && !id.is_empty()).then_some(home)
    })
}

/// The value of PATH in an environment.
fn path_of<'e>(envp: &CArray<'e, { MAX_ENV + 1 }>) -> &'e [u8] {
    (0..envp.len())
        .filter_map(|i| envp.get(i))
        .find_map(|e| e.to_bytes().strip_prefix(b"PATH="))
        .unwrap_or(DEFAULT_PATH)
}

/// Runs `try_exec` on each place `file` may be, as execvp(3) does: `file`
/// itself when it holds a `/`, else each PATH directory (an empty entry is
/// the working directory). Stops at the first error other than "not here"
/// (ENOENT, ENOTDIR, EACCES); after the loop, EACCES wins over ENOENT.
pub fn search(file: &CStr, path: &[u8], mut try_exec: impl FnMut(&CStr) -> Errno) -> Errno {
    let name = file.to_bytes();
    if name.contains(&b'/') {
        return try_exec(file);
    }
    if name.is_empty() {
        return Errno::ENOENT;
    }
    let mut seen_eacces = false;
    let mut buf = [0u8; libc::PATH_MAX as usize];
    for dir in path.split(|&c| c == b':') {
        let dir: &[u8] = if dir.is_empty() { b"." } else { dir };
        let Some(candidate) = join(&mut buf, dir, name) else { continue };
        match try_exec(candidate) {
            Errno::ENOENT | Errno::ENOTDIR | Errno::ENAMETOOLONG => {}
            Errno::EACCES => seen_eacces = true,
            e => return e,
        }
    }
    if seen_eacces { Errno::EACCES } else { Errno::ENOENT }
}

/// `dir/name` NUL-terminated in buf, or None when it does not fit.
fn join<'b>(buf: &'b mut [u8], dir: &[u8], name: &[u8]) -> Option<&'b CStr> {
    let total = dir.len() + 1 + name.len();
    let out = buf.get_mut(..total + 1)?;
    let (d, rest) = out.split_at_mut(dir.len());
    d.copy_from_slice(dir);
    let (slash, rest) = rest.split_first_mut()?;
    *slash = b'/';
    let (n, nul) = rest.split_at_mut(name.len());
    n.copy_from_slice(name);
    *nul.first_mut()? = 0;
    CStr::from_bytes_with_nul(out).ok()
}

/// execvp: returns only on failure, with the errno to report. Runs in the
/// child: with socket activation, the environment gets LISTEN_PID=<own pid>.
pub fn execvp(c: &Command) -> Errno {
    let Some(file) = c.argv.get(0) else { return Errno::ENOENT };
    if c.listen_fds == 0 {
        return search(file, path_of(&c.envp), |p| sys::execve(p, &c.argv, &c.envp));
    }
    let mut buf = [0u8; 32];
    let Some(pid_entry) = listen_pid_entry(sys::getpid(), &mut buf) else { return Errno::EINVAL };
    let mut env: CArray<'_, { MAX_ENV + 1 }> = CArray::new();
    let others = c.envp.iter().filter(|e| !e.to_bytes().starts_with(b"LISTEN_PID="));
    for e in core::iter::once(pid_entry).chain(others) {
        if env.push(e).is_err() {
            return Errno::E2BIG;
        }
    }
    search(file, path_of(&env), |p| sys::execve(p, &c.argv, &env))
}

/// `LISTEN_PID=<pid>` NUL-terminated in buf.
fn listen_pid_entry(pid: i32, buf: &mut [u8; 32]) -> Option<&CStr> {
    let prefix = b"LISTEN_PID=";
    let mut d = [0u8; 20];
    let digits = crate::text::decimal(pid.max(0) as u64, &mut d);
    let len = prefix.len() + digits.len();
    buf.get_mut(..prefix.len())?.copy_from_slice(prefix);
    buf.get_mut(prefix.len()..len)?.copy_from_slice(digits);
    *buf.get_mut(len)? = 0;
    CStr::from_bytes_with_nul(buf.get(..=len)?).ok()
}

/// The exit status for a failed execve: 127 when not found, else 126.
pub fn failure_status(e: Errno) -> i32 {
    if e == Errno::ENOENT { 127 } else { 126 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tried(file: &CStr, path: &str, results: &[(&str, Errno)]) -> (Vec<String>, Errno) {
        let mut seen = Vec::new();
        let e = search(file, path.as_bytes(), |p| {
            let p = p.to_str().unwrap().to_string();
            let r = results.iter().find(|(c, _)| *c == p).map_or(Errno::ENOENT, |(_, e)| *e);
            seen.push(p);
            r
        });
        (seen, e)
    }

    #[test]
    fn searches_path_like_execvp() {
        let (seen, e) = tried(c"sh", "/usr/bin:/bin", &[("/bin/sh", Errno::E2BIG)]);
        assert_eq!(seen, ["/usr/bin/sh", "/bin/sh"]);
        assert_eq!(e, Errno::E2BIG);
        let (seen, e) = tried(c"sh", "/a::/b", &[]);
        assert_eq!(seen, ["/a/sh", "./sh", "/b/sh"]);
        assert_eq!(e, Errno::ENOENT);
        let (_, e) = tried(c"x", "/a:/b", &[("/a/x", Errno::EACCES)]);
        assert_eq!(e, Errno::EACCES);
        let (seen, e) = tried(c"./run", "/a", &[("./run", Errno::ENOEXEC)]);
        assert_eq!(seen, ["./run"]);
        assert_eq!(e, Errno::ENOEXEC);
        let (seen, e) = tried(c"", "/a", &[]);
        assert!(seen.is_empty());
        assert_eq!(e, Errno::ENOENT);
    }

    #[test]
    fn skips_overlong_candidates() {
        let long = "/d".repeat(3000);
        let (seen, e) = tried(c"sh", &format!("{long}:/bin"), &[]);
        assert_eq!(seen, ["/bin/sh"]);
        assert_eq!(e, Errno::ENOENT);
    }

    #[test]
    fn finds_home() {
        let pw = b"root:x:0:0:root:/root:/bin/sh\nbad line\nu:x:1000:1000::/home/u:/bin/sh\nx:x::0::/nope:/bin/sh\n";
        assert_eq!(home_of(pw, 0), Some(&b"/root"[..]));
        assert_eq!(home_of(pw, 1000), Some(&b"/home/u"[..]));
        assert_eq!(home_of(pw, 5), None);
        assert_eq!(home_of(b"", 0), None);
    }

    #[test]
    fn socket_activation_is_asked_for() {
        let env = |v: &[&'static CStr]| v.to_vec().into_iter();
        assert_eq!(listen_fds(env(&[c"LISTEN_PID=1", c"LISTEN_FDS=2"]), 1), 2);
        assert_eq!(listen_fds(env(&[c"LISTEN_FDS=2", c"LISTEN_PID=1"]), 1), 2);
        assert_eq!(listen_fds(env(&[c"LISTEN_PID=7", c"LISTEN_FDS=2"]), 1), 0);
        assert_eq!(listen_fds(env(&[c"LISTEN_FDS=2"]), 1), 0);
        assert_eq!(listen_fds(env(&[c"LISTEN_PID=1"]), 1), 0);
        assert_eq!(listen_fds(env(&[c"LISTEN_PID=1", c"LISTEN_FDS=x"]), 1), 0);
        assert_eq!(listen_fds(env(&[c"LISTEN_PID=1", c"LISTEN_FDS=99999999999"]), 1), 0);
        let mut b = [0u8; 32];
        assert_eq!(listen_pid_entry(42, &mut b).unwrap().to_bytes(), b"LISTEN_PID=42");
    }

    #[test]
    fn exit_statuses() {
        assert_eq!(failure_status(Errno::ENOENT), 127);
        assert_eq!(failure_status(Errno::EACCES), 126);
        assert_eq!(failure_status(Errno::ENOEXEC), 126);
    }
}
