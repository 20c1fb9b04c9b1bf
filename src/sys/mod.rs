//! One thin, safe wrapper per system call: the only home of `unsafe` and of
//! `syscall!` in nsinit.
//!
//! Each wrapper makes exactly the call its doc line shows, takes typed
//! arguments and `&CStr` paths, and returns `Result<_, Errno>` through
//! `Errno::from_ret` (the `syscalls` crate's one place where a raw return
//! becomes an error). Nothing here decides anything: policy lives in the
//! callers, kernel facts here.

pub mod cell;
pub mod clone;
pub mod cstr;
pub mod errno;
#[cfg(not(test))]
mod start;

use core::ffi::CStr;
pub use syscalls::Errno;
use syscalls::{Sysno, syscall};

pub type Fd = i32;

/// A descriptor closed when dropped.
#[derive(Debug)]
pub struct OwnedFd(Fd);

impl OwnedFd {
    pub fn new(fd: Fd) -> Self {
        OwnedFd(fd)
    }

    pub fn fd(&self) -> Fd {
        self.0
    }

    /// The descriptor, no longer closed on drop: the caller keeps it.
    pub fn keep(self) -> Fd {
        let fd = self.0;
        core::mem::forget(self);
        fd
    }

    /// `/proc/self/fd/N` for this descriptor, to mount on or reopen it.
    pub fn proc_path<'b>(&self, buf: &'b mut [u8; 32]) -> &'b CStr {
        let prefix = b"/proc/self/fd/";
        let mut d = [0u8; 20];
        let digits = crate::text::decimal(self.0.max(0) as u64, &mut d);
        // 14 + at most 10 digits + NUL fits in 32 bytes (and the buffer is
        // zeroed past the digits: the NUL).
        *buf = [0; 32];
        let (p, rest) = buf.split_at_mut(prefix.len());
        p.copy_from_slice(prefix);
        if let Some(dst) = rest.get_mut(..digits.len()) {
            dst.copy_from_slice(digits);
        }
        buf.get(..=prefix.len() + digits.len()).and_then(|b| CStr::from_bytes_with_nul(b).ok()).unwrap_or(c"/proc/self/fd/")
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // A close error leaves nothing to undo for a descriptor we only read.
        let _ = close(self.0);
    }
}
pub type Result<T> = core::result::Result<T, Errno>;

/// `AT_FDCWD`: relative paths start at the working directory.
pub const AT_FDCWD: Fd = libc::AT_FDCWD;

fn path(p: &CStr) -> usize {
    p.as_ptr() as usize
}

// ---------------------------------------------------------------------------
// Files and descriptors

/// `read(fd, buf, len)`
pub fn read(fd: Fd, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: the kernel writes at most buf.len() bytes into buf.
    unsafe { syscall!(Sysno::read, fd, buf.as_mut_ptr(), buf.len()) }
}

/// `write(fd, buf, len)`
pub fn write(fd: Fd, buf: &[u8]) -> Result<usize> {
    // SAFETY: the kernel only reads buf.
    unsafe { syscall!(Sysno::write, fd, buf.as_ptr(), buf.len()) }
}

/// Writes all of `buf`, retrying on short writes and EINTR.
pub fn write_all(fd: Fd, mut buf: &[u8]) -> Result<()> {
    while !buf.is_empty() {
        match write(fd, buf) {
            Ok(0) => return Err(Errno::EIO),
            Ok(n) => buf = buf.get(n..).unwrap_or(&[]),
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `openat(dirfd, path, flags | O_CLOEXEC, mode)`
pub fn openat(dirfd: Fd, p: &CStr, flags: i32, mode: u32) -> Result<Fd> {
    // SAFETY: p is NUL-terminated and outlives the call.
    unsafe { syscall!(Sysno::openat, dirfd, path(p), flags | libc::O_CLOEXEC, mode) }
        .map(|fd| fd as Fd)
}

/// `struct open_how` (linux/openat2.h).
#[repr(C)]
pub struct OpenHow {
    pub flags: u64,
    pub mode: u64,
    pub resolve: u64,
}

/// `openat2(dirfd, path, &how, sizeof how)` with `O_CLOEXEC` added.
pub fn openat2(dirfd: Fd, p: &CStr, flags: i32, mode: u32, resolve: u64) -> Result<Fd> {
    let how = OpenHow { flags: (flags | libc::O_CLOEXEC) as u32 as u64, mode: mode as u64, resolve };
    // SAFETY: p is NUL-terminated, how is a valid open_how of the size passed.
    unsafe {
        syscall!(Sysno::openat2, dirfd, path(p), &how as *const OpenHow, core::mem::size_of::<OpenHow>())
    }
    .map(|fd| fd as Fd)
}

/// `close(fd)`
pub fn close(fd: Fd) -> Result<()> {
    // SAFETY: closing a descriptor touches no memory.
    unsafe { syscall!(Sysno::close, fd) }.map(drop)
}

/// `close_range(first, last, flags)`
pub fn close_range(first: u32, last: u32, flags: u32) -> Result<()> {
    // SAFETY: touches no memory.
    unsafe { syscall!(Sysno::close_range, first, last, flags) }.map(drop)
}

/// `pipe2(fds, O_CLOEXEC)`: (read end, write end).
pub fn pipe() -> Result<(Fd, Fd)> {
    let mut fds = [0 as Fd; 2];
    // SAFETY: the kernel writes two descriptors into fds.
    unsafe { syscall!(Sysno::pipe2, fds.as_mut_ptr(), libc::O_CLOEXEC) }?;
    Ok((fds[0], fds[1]))
}

/// `fcntl(fd, F_GETFL)`: the open file description's access mode and
/// status flags.
pub fn getfl(fd: Fd) -> Result<i32> {
    // SAFETY: F_GETFL takes and returns integers only.
    unsafe { syscall!(Sysno::fcntl, fd, libc::F_GETFL) }.map(|v| v as i32)
}

/// `fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)`: for descriptors of
/// nsinit's own (the flag is the open file description's, shared with
/// whoever else holds it).
pub fn set_nonblocking(fd: Fd) -> Result<()> {
    // SAFETY: F_GETFL and F_SETFL take and return integers only.
    let fl = unsafe { syscall!(Sysno::fcntl, fd, libc::F_GETFL) }?;
    // SAFETY: as above.
    unsafe { syscall!(Sysno::fcntl, fd, libc::F_SETFL, fl | libc::O_NONBLOCK as usize) }.map(drop)
}

/// `ppoll(fds, n, NULL, NULL)`: waits until one of `fds` is ready (a
/// negative fd is ignored); returns how many are.
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn poll(fds: &mut [libc::pollfd]) -> Result<usize> {
    // SAFETY: the kernel reads and writes fds.len() pollfd entries; no
    // timeout and no signal mask are passed.
    unsafe { syscall!(Sysno::ppoll, fds.as_mut_ptr(), fds.len(), 0usize, 0usize, 8usize) }
}

/// `ioctl(fd, FIONREAD, &n)`: the bytes a pipe holds now.
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn fionread(fd: Fd) -> Result<usize> {
    let mut n: i32 = 0;
    // SAFETY: FIONREAD writes one int.
    unsafe { syscall!(Sysno::ioctl, fd, libc::FIONREAD, &mut n as *mut i32) }?;
    Ok(n.max(0) as usize)
}

/// `dup3(old, new, 0)`
pub fn dup3(old: Fd, new: Fd, flags: i32) -> Result<()> {
    // SAFETY: touches no memory.
    unsafe { syscall!(Sysno::dup3, old, new, flags) }.map(drop)
}

/// `newfstatat(dirfd, path, &st, flags)`
pub fn fstatat(dirfd: Fd, p: &CStr, flags: i32) -> Result<libc::stat> {
    // SAFETY: an all-zero `stat` is a valid value of this plain C struct.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: p is NUL-terminated; st is a valid, writable stat buffer.
    unsafe { syscall!(Sysno::newfstatat, dirfd, path(p), &mut st as *mut libc::stat, flags) }?;
    Ok(st)
}

/// `fstat` of an open descriptor: `newfstatat(fd, "", &st, AT_EMPTY_PATH)`.
pub fn fstat(fd: Fd) -> Result<libc::stat> {
    fstatat(fd, c"", libc::AT_EMPTY_PATH)
}

/// The fields of `struct statfs` nsinit reads.
#[derive(Clone, Copy, Debug)]
pub struct StatFs {
    pub fs_type: u64,
    /// ST_* mount flags (ST_RDONLY, ST_NOSUID, ...).
    pub flags: u64,
}

/// `fstatfs(fd, &buf)`. The kernel's `struct statfs` on x86_64 is fifteen
/// 8-byte words (asm-generic/statfs.h): f_type is word 0, f_flags word 10.
pub fn fstatfs(fd: Fd) -> Result<StatFs> {
    let mut st = [0u64; 15];
    // SAFETY: st is a writable buffer of the kernel's struct statfs size.
    unsafe { syscall!(Sysno::fstatfs, fd, st.as_mut_ptr()) }?;
    Ok(StatFs { fs_type: st[0], flags: st[10] })
}

/// `mkdirat(dirfd, path, mode)`
pub fn mkdirat(dirfd: Fd, p: &CStr, mode: u32) -> Result<()> {
    // SAFETY: p is NUL-terminated.
    unsafe { syscall!(Sysno::mkdirat, dirfd, path(p), mode) }.map(drop)
}

/// `mknodat(dirfd, path, mode, dev)`
pub fn mknodat(dirfd: Fd, p: &CStr, mode: u32, dev: u64) -> Result<()> {
    // SAFETY: p is NUL-terminated.
    unsafe { syscall!(Sysno::mknodat, dirfd, path(p), mode, dev) }.map(drop)
}

/// `symlinkat(target, dirfd, linkpath)`
pub fn symlinkat(target: &CStr, dirfd: Fd, link: &CStr) -> Result<()> {
    // SAFETY: both paths are NUL-terminated.
    unsafe { syscall!(Sysno::symlinkat, path(target), dirfd, path(link)) }.map(drop)
}

/// `readlinkat(dirfd, path, buf, len)`: the link's target.
pub fn readlinkat<'b>(dirfd: Fd, p: &CStr, buf: &'b mut [u8]) -> Result<&'b [u8]> {
    // SAFETY: the kernel writes at most buf.len() bytes into buf.
    let n = unsafe { syscall!(Sysno::readlinkat, dirfd, path(p), buf.as_mut_ptr(), buf.len()) }?;
    buf.get(..n).ok_or(Errno::ENAMETOOLONG)
}

/// `unlinkat(dirfd, path, flags)`
pub fn unlinkat(dirfd: Fd, p: &CStr, flags: i32) -> Result<()> {
    // SAFETY: p is NUL-terminated.
    unsafe { syscall!(Sysno::unlinkat, dirfd, path(p), flags) }.map(drop)
}

/// `fchownat(dirfd, path, uid, gid, flags)`
pub fn fchownat(dirfd: Fd, p: &CStr, uid: u32, gid: u32, flags: i32) -> Result<()> {
    // SAFETY: p is NUL-terminated.
    unsafe { syscall!(Sysno::fchownat, dirfd, path(p), uid, gid, flags) }.map(drop)
}

/// `fchmod(fd, mode)`
pub fn fchmod(fd: Fd, mode: u32) -> Result<()> {
    // SAFETY: touches no memory.
    unsafe { syscall!(Sysno::fchmod, fd, mode) }.map(drop)
}

/// `ioctl(fd, req, arg)` with an integer argument.
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn ioctl(fd: Fd, req: u32, arg: usize) -> Result<i32> {
    // SAFETY: callers only pass requests whose argument is an integer or a
    // pointer to memory they own for the duration of the call.
    unsafe { syscall!(Sysno::ioctl, fd, req, arg) }.map(|v| v as i32)
}

/// `isatty(fd)`: `ioctl(fd, TCGETS, &termios)` succeeds.
pub fn isatty(fd: Fd) -> bool {
    tcgets(fd).is_ok()
}

/// `tcsetpgrp(fd, pgrp)`: `ioctl(fd, TIOCSPGRP, &pgrp)`.
pub fn tcsetpgrp(fd: Fd, pgrp: i32) -> Result<()> {
    ioctl(fd, libc::TIOCSPGRP as u32, &pgrp as *const i32 as usize).map(drop)
}

/// `tcgetpgrp(fd)`: `ioctl(fd, TIOCGPGRP, &pgrp)`, the foreground process
/// group of the terminal, if it is the caller's controlling terminal
/// (ENOTTY otherwise).
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn tcgetpgrp(fd: Fd) -> Result<i32> {
    let mut pgrp: i32 = 0;
    ioctl(fd, libc::TIOCGPGRP as u32, &mut pgrp as *mut i32 as usize)?;
    Ok(pgrp)
}

/// `getpgid(0)`: the caller's process group.
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn getpgrp() -> i32 {
    // SAFETY: touches no memory; getpgid(0) cannot fail.
    unsafe { syscall!(Sysno::getpgid, 0) }.map_or(0, |v| v as i32)
}

/// `ioctl(fd, TIOCSCTTY, 0)`: make fd the controlling terminal.
pub fn set_ctty(fd: Fd) -> Result<()> {
    ioctl(fd, libc::TIOCSCTTY as u32, 0).map(drop)
}

/// `ioctl(fd, TCGETS, &termios)`: the terminal's settings.
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn tcgets(fd: Fd) -> Result<libc::termios> {
    // SAFETY: termios is plain integers; all zero is a valid value.
    let mut t: libc::termios = unsafe { core::mem::zeroed() };
    // The kernel writes its struct termios (36 bytes), a prefix of libc's.
    ioctl(fd, libc::TCGETS as u32, &mut t as *mut libc::termios as usize)?;
    Ok(t)
}

/// `ioctl(fd, TCSETS, &termios)`: settings that apply now (tcsetattr's
/// TCSANOW).
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn tcsets(fd: Fd, t: &libc::termios) -> Result<()> {
    ioctl(fd, libc::TCSETS as u32, t as *const libc::termios as usize).map(drop)
}

/// `ioctl(from, TIOCGWINSZ, &ws)` then `ioctl(to, TIOCSWINSZ, &ws)`: one
/// terminal's size given to another (whose foreground group then gets
/// SIGWINCH from the kernel).
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn copy_winsize(from: Fd, to: Fd) -> Result<()> {
    let mut ws = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
    ioctl(from, libc::TIOCGWINSZ as u32, &mut ws as *mut libc::winsize as usize)?;
    ioctl(to, libc::TIOCSWINSZ as u32, &ws as *const libc::winsize as usize).map(drop)
}

/// `ioctl(master, TIOCSPTLCK, &0)` then `ioctl(master, TIOCGPTPEER,
/// O_RDWR|O_NOCTTY|O_CLOEXEC)`: unlocks a pty master's slave and opens it
/// from the master itself (Linux 4.13), with no path lookup in /dev/pts.
pub fn pty_peer(master: Fd) -> Result<Fd> {
    let unlock: i32 = 0;
    ioctl(master, libc::TIOCSPTLCK as u32, &unlock as *const i32 as usize)?;
    ioctl(master, libc::TIOCGPTPEER as u32, (libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC) as usize)
}

// ---------------------------------------------------------------------------
// Processes

/// `exit_group(code)`; if a seccomp filter answers it with an errno (the
/// workload's child, after a failed execve), a trap (`ud2`) ends the
/// process instead: SIGILL, forced by the kernel even when blocked or
/// ignored, and no core (nsinit is not dumpable). Go's runtime faults the
/// same way when its exit returns. Spinning would keep the child in PID 1's
/// memory for ever, and PID 1 waiting for it.
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn exit_group(code: i32) -> ! {
    // SAFETY: exit_group does not return unless refused; ud2 then raises
    // SIGILL, which ends the process.
    unsafe {
        let _ = syscall!(Sysno::exit_group, code);
        core::arch::asm!("ud2", options(noreturn));
    }
}

/// `getpid()`
pub fn getpid() -> i32 {
    // SAFETY: getpid cannot fail and touches no memory.
    unsafe { syscall!(Sysno::getpid) }.map_or(0, |v| v as i32)
}

/// `getppid()`
pub fn getppid() -> i32 {
    // SAFETY: getppid cannot fail and touches no memory.
    unsafe { syscall!(Sysno::getppid) }.map_or(0, |v| v as i32)
}

/// `kill(pid, sig)`
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn kill(pid: i32, sig: i32) -> Result<()> {
    // SAFETY: touches no memory.
    unsafe { syscall!(Sysno::kill, pid, sig) }.map(drop)
}

/// `wait4(pid, &status, options, NULL)`: `Ok(None)` when WNOHANG found nothing.
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn wait4(pid: i32, options: i32) -> Result<Option<(i32, i32)>> {
    let mut status: i32 = 0;
    // SAFETY: status is a valid int to write to; rusage is NULL.
    let r = unsafe { syscall!(Sysno::wait4, pid, &mut status as *mut i32, options, 0) }?;
    Ok(if r == 0 { None } else { Some((r as i32, status)) })
}

/// `ptrace(PTRACE_DETACH, pid, 0, sig)`: a tracee in a ptrace-stop goes on
/// untraced, with `sig` delivered to it (0: none). ptrace(2): "Detach from
/// the tracee ... restart it as for PTRACE_CONT".
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn ptrace_detach(pid: i32, sig: i32) -> Result<()> {
    // SAFETY: PTRACE_DETACH ignores addr and takes data as a signal number:
    // no memory is touched.
    unsafe { syscall!(Sysno::ptrace, libc::PTRACE_DETACH, pid, 0, sig) }.map(drop)
}

/// `futex(word, FUTEX_WAIT, expected, NULL)`: sleeps while `*word == expected`.
pub fn futex_wait(word: &core::sync::atomic::AtomicU32, expected: u32) -> Result<()> {
    // SAFETY: word is a valid, aligned u32 for the whole call.
    unsafe { syscall!(Sysno::futex, word.as_ptr(), libc::FUTEX_WAIT, expected, 0) }.map(drop)
}

/// `futex(word, FUTEX_WAKE, INT_MAX)`: wakes whoever sleeps on `word`.
pub fn futex_wake(word: &core::sync::atomic::AtomicU32) -> Result<()> {
    // SAFETY: word is a valid, aligned u32 for the whole call.
    unsafe { syscall!(Sysno::futex, word.as_ptr(), libc::FUTEX_WAKE, i32::MAX) }.map(drop)
}

/// `setpgid(pid, pgid)`
pub fn setpgid(pid: i32, pgid: i32) -> Result<()> {
    // SAFETY: touches no memory.
    unsafe { syscall!(Sysno::setpgid, pid, pgid) }.map(drop)
}

/// `setsid()`
pub fn setsid() -> Result<()> {
    // SAFETY: touches no memory.
    unsafe { syscall!(Sysno::setsid) }.map(drop)
}

/// `execve(path, argv, envp)`: returns only on failure.
pub fn execve<const A: usize, const E: usize>(p: &CStr, argv: &cstr::CArray<'_, A>, envp: &cstr::CArray<'_, E>) -> Errno {
    // SAFETY: p is NUL-terminated; CArray keeps its arrays NULL-terminated and
    // its strings alive for the whole process.
    match unsafe { syscall!(Sysno::execve, path(p), argv.as_ptr(), envp.as_ptr()) } {
        Ok(_) => Errno::EINVAL,
        Err(e) => e,
    }
}

/// `chdir(path)`
pub fn chdir(p: &CStr) -> Result<()> {
    // SAFETY: p is NUL-terminated.
    unsafe { syscall!(Sysno::chdir, path(p)) }.map(drop)
}

/// `fchdir(fd)`
pub fn fchdir(fd: Fd) -> Result<()> {
    // SAFETY: touches no memory.
    unsafe { syscall!(Sysno::fchdir, fd) }.map(drop)
}

/// `umask(mask)`
pub fn umask(mask: u32) {
    umask_get_set(mask);
}

/// `umask(mask)`, returning the previous mask.
pub fn umask_get_set(mask: u32) -> u32 {
    // SAFETY: umask cannot fail and touches no memory.
    unsafe { syscall!(Sysno::umask, mask) }.map_or(0o022, |m| m as u32)
}

/// `clock_gettime(CLOCK_MONOTONIC)` in microseconds.
pub fn monotonic_us() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: ts is a valid timespec to write to.
    let _ = unsafe { syscall!(Sysno::clock_gettime, libc::CLOCK_MONOTONIC, &mut ts as *mut libc::timespec) };
    (ts.tv_sec as u64).wrapping_mul(1_000_000).wrapping_add(ts.tv_nsec as u64 / 1000)
}

/// `madvise(addr, len, advice)`.
///
/// # Safety
/// `[addr, addr + len)` must be memory the caller owns outright: with
/// MADV_DONTNEED, anonymous memory reads as zeros afterwards.
pub(crate) unsafe fn madvise(addr: usize, len: usize, advice: i32) -> Result<()> {
    // SAFETY: the caller's contract.
    unsafe { syscall!(Sysno::madvise, addr, len, advice) }.map(drop)
}

unsafe extern "C" {
    /// The first byte of the executable, the end of its code, and the
    /// start of its writable data (GNU ld's default script defines them).
    static __executable_start: u8;
    static etext: u8;
    static __init_array_start: u8;
}

/// Drops the mapped pages of nsinit's own code and constants once setup is
/// over: PID 1's loop runs from the last pages of the code (linker/nsinit.ld
/// puts it there), and they fault back in from the page cache. The kernel
/// maps a fault's whole 64 KiB-aligned window ("fault-around"), clipped to
/// the mapping: a first madvise (MADV_RANDOM, harmless) splits the code from
/// the constants, so the loop's window brings back code only.
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn release_code() {
    // Only the addresses of the linker's symbols are taken.
    let start = core::ptr::addr_of!(__executable_start) as usize & !4095;
    let code_end = (core::ptr::addr_of!(etext) as usize + 4095) & !4095;
    let end = core::ptr::addr_of!(__init_array_start) as usize & !4095;
    if code_end <= start || end < code_end {
        return;
    }
    // SAFETY: [start, end) is the executable's file-backed, read-only
    // mapping: dropping its pages changes nothing but residency; code and
    // constants fault back in when used.
    unsafe {
        let _ = madvise(start, code_end - start, libc::MADV_RANDOM);
        let _ = madvise(start, end - start, libc::MADV_DONTNEED);
    }
}

// ---------------------------------------------------------------------------
// prctl, one wrapper per option

fn prctl(option: i32, a2: usize, a3: usize, a4: usize, a5: usize) -> Result<usize> {
    // SAFETY: only called below with options whose arguments are integers or
    // pointers to memory owned by the caller for the call.
    unsafe { syscall!(Sysno::prctl, option, a2, a3, a4, a5) }
}

/// `prctl(PR_SET_CHILD_SUBREAPER, 1)`
pub fn set_child_subreaper() -> Result<()> {
    prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0).map(drop)
}

/// `prctl(PR_GET_CHILD_SUBREAPER, &v)`: whether this process is a child
/// subreaper (the attribute survives execve, so a parent may have set it).
pub fn is_child_subreaper() -> Result<bool> {
    let mut v: i32 = 0;
    prctl(libc::PR_GET_CHILD_SUBREAPER, &mut v as *mut i32 as usize, 0, 0, 0)?;
    Ok(v != 0)
}

/// `prctl(PR_SET_PDEATHSIG, sig)`
pub fn set_pdeathsig(sig: i32) -> Result<()> {
    prctl(libc::PR_SET_PDEATHSIG, sig as usize, 0, 0, 0).map(drop)
}

/// `prctl(PR_SET_DUMPABLE, v)`
pub fn set_dumpable(v: bool) -> Result<()> {
    prctl(libc::PR_SET_DUMPABLE, v as usize, 0, 0, 0).map(drop)
}

/// `prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)`
pub fn set_no_new_privs() -> Result<()> {
    prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0).map(drop)
}

/// `prctl(PR_SET_KEEPCAPS, v)`
pub fn set_keepcaps(v: bool) -> Result<()> {
    prctl(libc::PR_SET_KEEPCAPS, v as usize, 0, 0, 0).map(drop)
}

/// `prctl(PR_CAPBSET_DROP, cap)`
pub fn capbset_drop(cap: u32) -> Result<()> {
    prctl(libc::PR_CAPBSET_DROP, cap as usize, 0, 0, 0).map(drop)
}

/// `prctl(PR_CAPBSET_READ, cap)`: Ok(true) when cap is in the bounding set.
pub fn capbset_read(cap: u32) -> Result<bool> {
    prctl(libc::PR_CAPBSET_READ, cap as usize, 0, 0, 0).map(|v| v == 1)
}

/// `prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0)`
pub fn cap_ambient_raise(cap: u32) -> Result<()> {
    prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_RAISE as usize, cap as usize, 0, 0).map(drop)
}

/// `prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)`
pub fn cap_ambient_clear_all() -> Result<()> {
    prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_CLEAR_ALL as usize, 0, 0, 0).map(drop)
}

// ---------------------------------------------------------------------------
// Signals. The kernel's sigset_t is 64 bits on x86_64.

pub type SigSet = u64;

/// The bit of `sig` in a kernel sigset.
pub const fn sigbit(sig: i32) -> SigSet {
    1u64 << ((sig - 1) as u32 & 63)
}

/// `rt_sigprocmask(how, &set, &old, 8)`; returns the old mask.
pub fn sigprocmask(how: i32, set: SigSet) -> Result<SigSet> {
    let mut old: SigSet = 0;
    // SAFETY: set and old are valid 8-byte sigsets.
    unsafe { syscall!(Sysno::rt_sigprocmask, how, &set as *const SigSet, &mut old as *mut SigSet, 8) }?;
    Ok(old)
}

/// The kernel's `struct sigaction` on x86_64.
#[repr(C)]
struct KSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: SigSet,
}

/// `rt_sigaction(sig, {handler: SIG_DFL or SIG_IGN}, NULL, 8)`. No real
/// handler is ever installed, so no restorer is needed.
pub fn set_disposition(sig: i32, ignore: bool) -> Result<()> {
    let act = KSigaction { handler: if ignore { libc::SIG_IGN } else { libc::SIG_DFL }, flags: 0, restorer: 0, mask: 0 };
    // SAFETY: act is a valid kernel sigaction; oldact is NULL.
    unsafe { syscall!(Sysno::rt_sigaction, sig, &act as *const KSigaction, 0, 8) }.map(drop)
}

/// `rt_sigaction(sig, NULL, &old, 8)`: true when the disposition is SIG_IGN.
pub fn is_ignored(sig: i32) -> Result<bool> {
    let mut old = KSigaction { handler: 0, flags: 0, restorer: 0, mask: 0 };
    // SAFETY: old is a valid kernel sigaction to write to.
    unsafe { syscall!(Sysno::rt_sigaction, sig, 0, &mut old as *mut KSigaction, 8) }?;
    Ok(old.handler == libc::SIG_IGN)
}

/// `signalfd4(-1, &mask, 8, SFD_CLOEXEC)`
pub fn signalfd(mask: SigSet) -> Result<Fd> {
    // SAFETY: mask is a valid 8-byte sigset.
    unsafe { syscall!(Sysno::signalfd4, -1i32, &mask as *const SigSet, 8, libc::SFD_CLOEXEC) }.map(|fd| fd as Fd)
}

/// Reads up to 16 pending `signalfd_siginfo` records in one read and
/// returns their signal numbers (the rest of each record is not needed).
#[unsafe(link_section = ".text.nsinit_pid1")]
pub fn read_signals(fd: Fd, out: &mut [i32; 16]) -> Result<usize> {
    let mut info = [0u8; 128 * 16];
    let n = read(fd, &mut info)?;
    // A plain loop: iterator adapters can leave helpers out of line, in
    // the setup code's pages, released by now (see release_code).
    let count = n / 128;
    let mut i = 0;
    while i < count {
        let signo: [u8; 4] = info.get(i * 128..i * 128 + 4).and_then(|b| b.try_into().ok()).unwrap_or([0; 4]);
        if let Some(slot) = out.get_mut(i) {
            *slot = i32::from_ne_bytes(signo);
        }
        i += 1;
    }
    if count == 0 {
        return Err(Errno::EIO);
    }
    Ok(count)
}

// ---------------------------------------------------------------------------
// Mounts and the root

/// `mount(source, target, fstype, flags, data)`
pub fn mount(source: Option<&CStr>, target: &CStr, fstype: Option<&CStr>, flags: u64, data: Option<&CStr>) -> Result<()> {
    let opt = |s: Option<&CStr>| s.map_or(0, path);
    // SAFETY: every pointer is NULL or a NUL-terminated string that outlives the call.
    unsafe { syscall!(Sysno::mount, opt(source), path(target), opt(fstype), flags, opt(data)) }.map(drop)
}

/// `umount2(target, flags)`
pub fn umount2(target: &CStr, flags: i32) -> Result<()> {
    // SAFETY: target is NUL-terminated.
    unsafe { syscall!(Sysno::umount2, path(target), flags) }.map(drop)
}

/// `pivot_root(new_root, put_old)`
pub fn pivot_root(new_root: &CStr, put_old: &CStr) -> Result<()> {
    // SAFETY: both paths are NUL-terminated.
    unsafe { syscall!(Sysno::pivot_root, path(new_root), path(put_old)) }.map(drop)
}

/// `chroot(path)`
pub fn chroot(p: &CStr) -> Result<()> {
    // SAFETY: p is NUL-terminated.
    unsafe { syscall!(Sysno::chroot, path(p)) }.map(drop)
}

/// `struct mount_attr` (linux/mount.h).
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// `mount_setattr(dirfd, path, flags, &{set, clr}, sizeof)`
pub fn mount_setattr(dirfd: Fd, p: &CStr, flags: u32, set: u64, clr: u64) -> Result<()> {
    let attr = MountAttr { attr_set: set, attr_clr: clr, propagation: 0, userns_fd: 0 };
    // SAFETY: p is NUL-terminated; attr is a valid mount_attr of the size passed.
    unsafe {
        syscall!(Sysno::mount_setattr, dirfd, path(p), flags, &attr as *const MountAttr, core::mem::size_of::<MountAttr>())
    }
    .map(drop)
}

/// `open_tree(dirfd, path, flags | OPEN_TREE_CLOEXEC)`: with OPEN_TREE_CLONE,
/// a detached copy of the mount (tree with AT_RECURSIVE) at `path`.
pub fn open_tree(dirfd: Fd, p: &CStr, flags: u32) -> Result<Fd> {
    const OPEN_TREE_CLOEXEC: u32 = libc::O_CLOEXEC as u32;
    // SAFETY: p is NUL-terminated.
    unsafe { syscall!(Sysno::open_tree, dirfd, path(p), flags | OPEN_TREE_CLOEXEC) }.map(|fd| fd as Fd)
}

/// `move_mount(from_dirfd, from_path, to_dirfd, to_path, flags)`
pub fn move_mount(from_dirfd: Fd, from: &CStr, to_dirfd: Fd, to: &CStr, flags: u32) -> Result<()> {
    // SAFETY: both paths are NUL-terminated.
    unsafe { syscall!(Sysno::move_mount, from_dirfd, path(from), to_dirfd, path(to), flags) }.map(drop)
}

// ---------------------------------------------------------------------------
// Identity: names, limits, ids, capabilities

/// `sethostname(name, len)`
pub fn sethostname(name: &[u8]) -> Result<()> {
    // SAFETY: the kernel reads len bytes of name.
    unsafe { syscall!(Sysno::sethostname, name.as_ptr(), name.len()) }.map(drop)
}

/// `setdomainname(name, len)`
pub fn setdomainname(name: &[u8]) -> Result<()> {
    // SAFETY: the kernel reads len bytes of name.
    unsafe { syscall!(Sysno::setdomainname, name.as_ptr(), name.len()) }.map(drop)
}

/// `prlimit64(0, resource, &{soft, hard}, NULL)`
pub fn setrlimit(resource: u32, soft: u64, hard: u64) -> Result<()> {
    let lim = [soft, hard];
    // SAFETY: lim is a valid struct rlimit64; old is NULL.
    unsafe { syscall!(Sysno::prlimit64, 0, resource, lim.as_ptr(), 0) }.map(drop)
}

/// `prlimit64(0, resource, NULL, &old)`: (soft, hard).
pub fn getrlimit(resource: u32) -> Result<(u64, u64)> {
    let mut lim = [0u64; 2];
    // SAFETY: lim is a valid struct rlimit64 to write to.
    unsafe { syscall!(Sysno::prlimit64, 0, resource, 0, lim.as_mut_ptr()) }?;
    Ok((lim[0], lim[1]))
}

/// `setgroups(n, list)`
pub fn setgroups(gids: &[u32]) -> Result<()> {
    // SAFETY: the kernel reads n gids from the list.
    unsafe { syscall!(Sysno::setgroups, gids.len(), gids.as_ptr()) }.map(drop)
}

/// `setresgid(gid, gid, gid)`
pub fn setresgid(gid: u32) -> Result<()> {
    // SAFETY: touches no memory.
    unsafe { syscall!(Sysno::setresgid, gid, gid, gid) }.map(drop)
}

/// `setresuid(uid, uid, uid)`
pub fn setresuid(uid: u32) -> Result<()> {
    // SAFETY: touches no memory.
    unsafe { syscall!(Sysno::setresuid, uid, uid, uid) }.map(drop)
}

/// `getuid()`
pub fn getuid() -> u32 {
    // SAFETY: cannot fail, touches no memory.
    unsafe { syscall!(Sysno::getuid) }.map_or(0, |v| v as u32)
}

/// `geteuid()`
pub fn geteuid() -> u32 {
    // SAFETY: cannot fail, touches no memory.
    unsafe { syscall!(Sysno::geteuid) }.map_or(0, |v| v as u32)
}

/// `getegid()`
pub fn getegid() -> u32 {
    // SAFETY: cannot fail, touches no memory.
    unsafe { syscall!(Sysno::getegid) }.map_or(0, |v| v as u32)
}

/// The three 64-bit capability sets of a task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CapSets {
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
}

/// `capget({_LINUX_CAPABILITY_VERSION_3, 0}, data[2])`
pub fn capget() -> Result<CapSets> {
    let hdr = [0x2008_0522u32, 0];
    let mut data = [0u32; 6];
    // SAFETY: hdr is a valid v3 header; data holds two __user_cap_data_struct.
    unsafe { syscall!(Sysno::capget, hdr.as_ptr(), data.as_mut_ptr()) }?;
    let join = |lo: u32, hi: u32| (hi as u64) << 32 | lo as u64;
    Ok(CapSets {
        effective: join(data[0], data[3]),
        permitted: join(data[1], data[4]),
        inheritable: join(data[2], data[5]),
    })
}

/// `capset({_LINUX_CAPABILITY_VERSION_3, 0}, data[2])`
pub fn capset(s: CapSets) -> Result<()> {
    let hdr = [0x2008_0522u32, 0];
    let data = [
        s.effective as u32,
        s.permitted as u32,
        s.inheritable as u32,
        (s.effective >> 32) as u32,
        (s.permitted >> 32) as u32,
        (s.inheritable >> 32) as u32,
    ];
    // SAFETY: hdr is a valid v3 header; data holds two __user_cap_data_struct.
    unsafe { syscall!(Sysno::capset, hdr.as_ptr(), data.as_ptr()) }.map(drop)
}

/// `seccomp(SECCOMP_SET_MODE_FILTER, flags, &{len, filter})`.
/// `prog` is a classic BPF program as (code, jt, jf, k) instructions.
pub fn seccomp_set_filter(flags: u32, prog: &[libc::sock_filter]) -> Result<()> {
    #[repr(C)]
    struct SockFprog {
        len: u16,
        filter: *const libc::sock_filter,
    }
    let len = u16::try_from(prog.len()).map_err(|_| Errno::EINVAL)?;
    let fprog = SockFprog { len, filter: prog.as_ptr() };
    // SAFETY: fprog points at len valid instructions that outlive the call.
    unsafe { syscall!(Sysno::seccomp, libc::SECCOMP_SET_MODE_FILTER, flags, &fprog as *const SockFprog) }.map(drop)
}

// ---------------------------------------------------------------------------
// Network: bring `lo` up

/// `socket(domain, type | SOCK_CLOEXEC, protocol)`
pub fn socket(domain: i32, ty: i32, protocol: i32) -> Result<Fd> {
    // SAFETY: touches no memory.
    unsafe { syscall!(Sysno::socket, domain, ty | libc::SOCK_CLOEXEC, protocol) }.map(|fd| fd as Fd)
}

/// `ioctl(fd, SIOCGIFFLAGS/SIOCSIFFLAGS, &ifreq)` on an interface's flags:
/// reads them, ORs in `set`, writes them back.
pub fn if_set_flags(fd: Fd, name: &[u8], set: i16) -> Result<()> {
    // struct ifreq: 16 bytes of name, then a 24-byte union whose first member
    // here is ifr_flags (short).
    let mut ifr = [0u8; 40];
    if name.len() >= 16 {
        return Err(Errno::ENAMETOOLONG);
    }
    for (d, s) in ifr.iter_mut().zip(name) {
        *d = *s;
    }
    ioctl(fd, libc::SIOCGIFFLAGS as u32, ifr.as_mut_ptr() as usize)?;
    let field = ifr.get_mut(16..18).ok_or(Errno::EINVAL)?;
    let flags = field.try_into().map_or(0, i16::from_ne_bytes) | set;
    field.copy_from_slice(&flags.to_ne_bytes());
    ioctl(fd, libc::SIOCSIFFLAGS as u32, ifr.as_mut_ptr() as usize).map(drop)
}

// ---------------------------------------------------------------------------
// Namespaces (`--enter`)

/// `pidfd_open(pid, 0)`: a descriptor for the process `pid`, which setns
/// accepts to join several of its namespaces at once (Linux 5.8).
pub fn pidfd_open(pid: i32) -> Result<Fd> {
    // SAFETY: touches no memory.
    unsafe { syscall!(Sysno::pidfd_open, pid, 0) }.map(|fd| fd as Fd)
}

/// `poll({pidfd, POLLIN}, 1, 0)`: Ok while the process runs, ESRCH once it
/// has exited. A pidfd polls readable as soon as its process has exited,
/// zombie or reaped (pidfd_open(2)); signal 0 would still reach a zombie.
pub fn pidfd_alive(pidfd: Fd) -> Result<()> {
    let mut p = libc::pollfd { fd: pidfd, events: libc::POLLIN, revents: 0 };
    // SAFETY: one pollfd, valid and writable for the call.
    let n = unsafe { syscall!(Sysno::poll, &mut p as *mut libc::pollfd as usize, 1, 0) }?;
    if n == 0 { Ok(()) } else { Err(Errno::ESRCH) }
}

/// `setns(fd, nstype)`: with a pidfd, `nstype` is the CLONE_NEW* set to
/// join at once (the user namespace first); with a /proc/PID/ns/* fd, that
/// one namespace.
pub fn setns(fd: Fd, nstype: u32) -> Result<()> {
    // SAFETY: touches no memory.
    unsafe { syscall!(Sysno::setns, fd, nstype) }.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_paths() {
        let rows: &[(Fd, &str)] =
            &[(0, "/proc/self/fd/0"), (42, "/proc/self/fd/42"), (Fd::MAX, "/proc/self/fd/2147483647"), (-5, "/proc/self/fd/0")];
        for &(fd, want) in rows {
            let f = OwnedFd::new(fd);
            // A used buffer: the NUL must be written, not found.
            let mut b = [0xffu8; 32];
            assert_eq!(f.proc_path(&mut b).to_bytes(), want.as_bytes());
            // Not ours to close.
            core::mem::forget(f);
        }
    }
}
