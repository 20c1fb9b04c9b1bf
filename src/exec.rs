//! The workload's command: argv and envp arrays for execve, built before the
//! child starts, and the PATH search (`execvp` semantics) the child runs.

use crate::diag::{Error, Object, Reason, Result};
use crate::resolve;
use crate::spec::{MAX_ARGS, MAX_ENV, Str};
use crate::sys::{self, Errno, cell::Once, cstr::CArray};
use core::ffi::CStr;

/// PATH when the workload's environment has none (Docker's default).
pub const DEFAULT_PATH: &[u8] = b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// In this order (`repr(C)`): what every start writes — the count, argv's
/// length and first pointers — shares one page; envp's starts 8 KiB on
/// (and the `Once` flag is after the end).
#[repr(C)]
pub struct Command {
    /// Socket activation: descriptors 3 .. 3+n stay open for the workload,
    /// whose LISTEN_PID is rewritten to its own pid (as catatonit does).
    pub listen_fds: u32,
    pub argv: CArray<'static, { MAX_ARGS + 1 }>,
    pub envp: CArray<'static, { MAX_ENV + 1 }>,
}

// SAFETY: execve's arrays: null pointers and a zero length are empty.
unsafe impl crate::sys::cell::Zeroable for Command {}

static COMMAND: Once<Command> = Once::new(Command { listen_fds: 0, argv: CArray::new(), envp: CArray::new() });

/// nsinit's own executable as (device, inode), from `/proc/self/exe`.
///
/// An image can link a program to `/proc/self/exe`: the workload's execve,
/// made by nsinit's child, would start the host's nsinit binary (the shape
/// of runc's CVE-2019-5736), whose descriptor and host path other
/// processes of the container could then reach. In spec mode the workload
/// may not be nsinit's own file. (In reaper mode the runtime has put the
/// binary in the container's filesystem itself, as docker-init.) None when
/// /proc is not there to ask.
pub fn own_binary() -> Option<(u64, u64)> {
    sys::fstatat(sys::AT_FDCWD, c"/proc/self/exe", 0).ok().map(|st| (st.st_dev, st.st_ino))
}

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
    // Writes first (see `CArray::clear`): one page fault each, not two.
    c.argv.clear();
    c.envp.clear();
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
    if env_value(&c.envp, b"HOME=").is_some() {
        return Ok(());
    }
    let Some(buf) = HOME.take() else { return Ok(()) };
    let (key, value) = buf.split_at_mut(5);
    key.copy_from_slice(b"HOME=");
    // Room for the NUL after the home.
    let room = value.len() - 1;
    let len = match passwd_home(uid, value.get_mut(..room).unwrap_or(&mut [])) {
        Some(n) if n > 0 => n,
        _ => {
            if let Some(slash) = value.first_mut() {
                *slash = b'/';
            }
            1
        }
    };
    if let Some(z) = value.get_mut(len) {
        *z = 0;
    }
    let entry = CStr::from_bytes_with_nul(buf.get(..=5 + len).unwrap_or(&[])).unwrap_or(c"HOME=/");
    c.envp.push(entry).map_err(|_| Error::new("exec", Object::Name(b"env"), Reason::Text("too many entries with HOME added")))
}

/// The home of `uid` from the container's /etc/passwd, copied into `out`;
/// its length. The file is the image's: it is opened inside the root
/// without magic links (a link to `/proc/self/fd/0` would swallow the
/// container's stdin, one into a descriptor a parent leaked would read a
/// host file), without blocking (a FIFO would hang PID 1), only as a
/// regular file, and read in bounded chunks up to the user's line, however
/// large the file is. Out of line: its chunk (a page) is on the stack
/// only when the home is looked up.
#[inline(never)]
fn passwd_home(uid: u32, out: &mut [u8]) -> Option<usize> {
    let root = sys::OwnedFd::new(sys::openat(sys::AT_FDCWD, c"/", libc::O_PATH | libc::O_DIRECTORY, 0).ok()?);
    let flags = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY;
    let fd = resolve::openat2(root.fd(), c"/etc/passwd", flags, 0, resolve::IN_ROOT).map(sys::OwnedFd::new).ok()?;
    if sys::fstat(fd.fd()).ok()?.st_mode & libc::S_IFMT != libc::S_IFREG {
        return None;
    }
    let mut chunk = [0u8; 4096];
    // At most MAX_PASSWD bytes: a sparse file of a terabyte would otherwise
    // hold PID 1 here for minutes, reading zeros.
    let mut left = MAX_PASSWD;
    let read = |b: &mut [u8]| {
        let b = b.get_mut(..b.len().min(left)).unwrap_or(&mut []);
        let n = if b.is_empty() { 0 } else { sys::read(fd.fd(), b).unwrap_or(0) };
        left -= n.min(left);
        n
    };
    let home = find_home(read, uid, &mut chunk)?;
    let dst = out.get_mut(..home.len())?;
    dst.copy_from_slice(home);
    Some(home.len())
}

/// How much of the image's /etc/passwd is read looking for a home: real
/// ones are kilobytes; past this the user is taken to have none (HOME=/).
const MAX_PASSWD: usize = 16 << 20;

/// Reads lines with `read` (0: the end) through `buf` until one gives the
/// home of `uid`, which is returned inside `buf`. A line longer than `buf`
/// is skipped (no real passwd line is).
fn find_home<'b>(mut read: impl FnMut(&mut [u8]) -> usize, uid: u32, buf: &'b mut [u8]) -> Option<&'b [u8]> {
    let (mut len, mut skipping) = (0usize, false);
    loop {
        let n = read(buf.get_mut(len..).unwrap_or(&mut []));
        let end = len + n;
        let eof = n == 0;
        // The complete lines in buf[..end] (and, at the end, the rest).
        let mut start = 0;
        let mut found = None;
        while let Some(nl) = buf.get(start..end).and_then(|b| b.iter().position(|&c| c == b'\n')) {
            let line = start..start + nl;
            start += nl + 1;
            if core::mem::take(&mut skipping) {
                continue;
            }
            if buf.get(line.clone()).and_then(|l| home_of(l, uid)).is_some() {
                found = Some(line);
                break;
            }
        }
        if found.is_none() && eof && !skipping && start < end && buf.get(start..end).and_then(|l| home_of(l, uid)).is_some() {
            found = Some(start..end);
        }
        if let Some(line) = found {
            let home = home_of(buf.get(line.clone())?, uid)?;
            // The home is a subslice of the line: its offset in buf.
            let at = line.start + (home.as_ptr() as usize - buf.get(line.start..)?.as_ptr() as usize);
            return buf.get(at..at + home.len());
        }
        if eof {
            return None;
        }
        if start == 0 && end == buf.len() {
            // A line longer than the buffer: drop it up to its newline.
            skipping = true;
            len = 0;
            continue;
        }
        buf.copy_within(start..end, 0);
        len = end - start;
    }
}

/// The home directory of `uid` in an /etc/passwd text.
pub fn home_of(passwd: &[u8], uid: u32) -> Option<&[u8]> {
    let mut lines = Some(passwd);
    while let Some(line) = resolve::piece(&mut lines, b'\n') {
        // `name:password:uid:gid:gecos:home:shell`
        let mut f = Some(line);
        let mut field = [&b""[..]; 6];
        if field.iter_mut().all(|x| resolve::piece(&mut f, b':').map(|p| *x = p).is_some())
            && let [_, _, id, _, _, home] = field
            && crate::text::parse_u32(id) == Some(uid)
        {
            return Some(home);
        }
    }
    None
}

/// The value of PATH in an environment.
fn path_of<'e>(envp: &CArray<'e, { MAX_ENV + 1 }>) -> &'e [u8] {
    env_value(envp, b"PATH=").unwrap_or(DEFAULT_PATH)
}

/// The value of the first entry that starts with `key` (`NAME=`). Out of
/// line: one walk for PATH and HOME.
#[inline(never)]
fn env_value<'e>(envp: &CArray<'e, { MAX_ENV + 1 }>, key: &[u8]) -> Option<&'e [u8]> {
    (0..envp.len()).filter_map(|i| envp.get(i)).find_map(|e| e.to_bytes().strip_prefix(key))
}

/// Runs `try_exec` on each place `file` may be, as execvp(3) does: `file`
/// itself when it holds a `/`, else each PATH directory (an empty entry is
/// the working directory). Stops at the first error other than "not here"
/// (ENOENT, ENOTDIR, EACCES); after the loop, EACCES wins over ENOENT.
pub fn search(file: &CStr, path: &[u8], mut try_exec: impl FnMut(&CStr) -> Errno) -> Errno {
    search_dyn(file, path, &mut try_exec)
}

/// `search` for any `try_exec`: one copy of the walk for its three callers.
fn search_dyn(file: &CStr, path: &[u8], try_exec: &mut dyn FnMut(&CStr) -> Errno) -> Errno {
    let name = file.to_bytes();
    if name.contains(&b'/') {
        return try_exec(file);
    }
    if name.is_empty() {
        return Errno::ENOENT;
    }
    search_path(name, path, try_exec)
}

/// The PATH walk of `search`, out of line: its candidate buffer (a page)
/// is only on the stack when a search happens (a frame's pages are touched,
/// and faulted in, on entry).
#[inline(never)]
fn search_path(name: &[u8], path: &[u8], try_exec: &mut dyn FnMut(&CStr) -> Errno) -> Errno {
    let mut seen_eacces = false;
    let mut buf = [0u8; libc::PATH_MAX as usize];
    let mut dirs = Some(path);
    while let Some(dir) = resolve::piece(&mut dirs, b':') {
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
    resolve::concat(buf, &[dir, b"/", name]).ok()
}

/// execvp: returns only on failure, with the errno to report. Runs in the
/// child: with socket activation, the environment gets LISTEN_PID=<own pid>.
pub fn execvp(c: &Command) -> Errno {
    let Some(file) = c.argv.get(0) else { return Errno::ENOENT };
    if c.listen_fds == 0 {
        return search(file, path_of(&c.envp), |p| sys::execve(p, &c.argv, &c.envp));
    }
    execvp_listen(c, file)
}

/// execvp with LISTEN_PID=<own pid> in the environment; out of line, so
/// that its copy of the environment's array (8 KiB) is on the stack only
/// with socket activation.
#[inline(never)]
fn execvp_listen(c: &Command, file: &CStr) -> Errno {
    let mut buf = [0u8; 32];
    let Some(pid_entry) = listen_pid_entry(sys::getpid(), &mut buf) else { return Errno::EINVAL };
    let mut env: CArray<'_, { MAX_ENV + 1 }> = CArray::new();
    let mut full = env.push(pid_entry).is_err();
    for e in c.envp.iter() {
        if !e.to_bytes().starts_with(b"LISTEN_PID=") {
            full |= env.push(e).is_err();
        }
    }
    if full {
        return Errno::E2BIG;
    }
    search(file, path_of(&env), |p| sys::execve(p, &c.argv, &env))
}

/// The failed execve as the one line to print and the exit status: 127
/// when not found, 126 otherwise (as for a shell).
pub fn failure(c: &Command, e: Errno) -> (Error<'static>, i32) {
    let name = c.argv.get(0).map_or(&b""[..], |a| a.to_bytes());
    (Error::new("exec", Object::Name(name), Reason::Errno(e)), failure_status(e))
}

/// Refuses (126) a workload whose program is nsinit's own file `own`
/// wherever execvp may find it: every place the PATH search would try is
/// looked at, relative ones from the workload's `cwd`. Done by PID 1 once
/// the root is the container's, before the workload's filter could deny
/// the stat (nothing of the container runs yet to swap the file after).
pub fn refuse_own_binary(c: &Command, own: (u64, u64), cwd: Option<&CStr>) -> Result<'static, ()> {
    let Some(file) = c.argv.get(0) else { return Ok(()) };
    let dir = cwd.and_then(|d| sys::openat(sys::AT_FDCWD, d, libc::O_PATH | libc::O_DIRECTORY, 0).ok()).map(sys::OwnedFd::new);
    let at = dir.as_ref().map_or(sys::AT_FDCWD, |d| d.fd());
    let mut ours = false;
    search(file, path_of(&c.envp), |p| {
        ours = sys::fstatat(at, p, 0).is_ok_and(|st| (st.st_dev, st.st_ino) == own);
        // Any error but "not here" stops the search: one that is not.
        if ours { Errno::EPERM } else { Errno::ENOENT }
    });
    if ours {
        return Err(Error::new("exec", Object::Name(file.to_bytes()), Reason::Text("is nsinit's own binary: refused")));
    }
    Ok(())
}

/// `LISTEN_PID=<pid>` NUL-terminated in buf.
fn listen_pid_entry(pid: i32, buf: &mut [u8; 32]) -> Option<&CStr> {
    let mut d = [0u8; 20];
    resolve::concat(buf, &[b"LISTEN_PID=", crate::text::decimal(pid.max(0) as u64, &mut d)]).ok()
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
    fn finds_home_in_any_chunking() {
        let mut big = String::new();
        for i in 0..5000 {
            big.push_str(&format!("user{i}:x:{}:100::/home/user{i}:/bin/sh\n", 20000 + i));
        }
        let long = format!("{}:x:1000:1::/nope:/bin/sh\n", "l".repeat(9000));
        let rows: Vec<(&str, String, u32, Option<&str>)> = vec![
            ("first line", "root:x:0:0:root:/root:/bin/sh\n".into(), 0, Some("/root")),
            ("no newline at the end", "a:x:1:1::/a:/bin/sh\nb:x:2:2::/b:/bin/sh".into(), 2, Some("/b")),
            ("past 4 KiB", format!("{big}me:x:4242:1::/home/me:/bin/sh\n"), 4242, Some("/home/me")),
            ("an over-long line is skipped", format!("{long}me:x:1000:1::/home/me:/bin/sh\n"), 1000, Some("/home/me")),
            ("the first of two", "a:x:7:1::/one:/bin/sh\nb:x:7:1::/two:/bin/sh\n".into(), 7, Some("/one")),
            ("absent", big.clone(), 1, None),
            ("empty", String::new(), 0, None),
        ];
        for (name, text, uid, want) in rows {
            for chunk in [1, 7, 100, 4096] {
                let mut src = text.as_bytes();
                let read = |b: &mut [u8]| {
                    let n = b.len().min(chunk).min(src.len());
                    b[..n].copy_from_slice(&src[..n]);
                    src = &src[n..];
                    n
                };
                let mut buf = [0u8; 4096];
                let got = find_home(read, uid, &mut buf).map(|h| String::from_utf8_lossy(h).into_owned());
                assert_eq!(got.as_deref(), want, "{name}, chunks of {chunk}");
            }
        }
    }

    #[test]
    fn finds_home() {
        let pw = b"root:x:0:0:root:/root:/bin/sh\nbad line\nu:x:1000:1000::/home/u:/bin/sh\nx:x::0::/nope:/bin/sh\n";
        assert_eq!(home_of(pw, 0), Some(&b"/root"[..]));
        assert_eq!(home_of(pw, 1000), Some(&b"/home/u"[..]));
        assert_eq!(home_of(pw, 5), None);
        assert_eq!(home_of(b"", 0), None);
        // Too few fields, a uid past u32 (not wrapped to 0), a signed one.
        assert_eq!(home_of(b"a:x:7:1:/h", 7), None);
        assert_eq!(home_of(b"a:x:4294967296:1::/big:/bin/sh\nb:x:0:0::/zero:/bin/sh", 0), Some(&b"/zero"[..]));
        assert_eq!(home_of(b"a:x:+7:1::/plus:/bin/sh\n", 7), None);
        assert_eq!(home_of(b"a:x:7:1::/six", 7), Some(&b"/six"[..]));
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
