//! `--enter`'s stdio: the command gets pipes of the entering nsinit's own,
//! which copies them to and from the caller's 0-2, as `runc exec` does
//! without a terminal (utils_linux.go `setupProcessPipes`) — never the
//! caller's descriptors themselves. A process of the container can open
//! the command's `/proc/PID/fd/0-2` and keep them after the command ends:
//! had it the operator's terminal, it would read what they type next into
//! their host shell and write to their screen; a file of theirs it could
//! read back or truncate. With the pipes, what it keeps is a pipe, and once
//! the command has ended nothing is copied any more. With `terminal` (and
//! a terminal on stdin) the command gets a pty of the container's own
//! instead, as `runc exec -t` does: its slave as 0-2 and controlling
//! terminal, its master copied to and from the caller's terminal, which
//! is raw meanwhile (the pty's line discipline does the editing, echo and
//! signals), and whose size it follows.

use crate::diag::Reason;
use crate::sys::{self, Errno, Fd, OwnedFd, cell::Once};

/// The three pipes: the command's ends (its stdin's read end, its
/// stdout's and stderr's write ends) and nsinit's (stdin's write end,
/// stdout's and stderr's read ends). All close-on-exec: the command gets
/// its ends as 0-2 by `attach`, a copy that is not. A pty: the slave
/// three times, the master as stdin's and stdout's, no stderr of its own.
#[derive(Clone, Copy)]
pub struct Pipes {
    pub child: [Fd; 3],
    pub ours: [Fd; 3],
    /// A pty (`Pipes::pty`), not pipes.
    pub pty: bool,
    /// Where the caller's input is read from (`own_stdin`).
    pub caller_in: Fd,
}

impl Pipes {
    pub fn new(caller_in: Fd) -> Result<Pipes, Errno> {
        let (in_r, in_w) = sys::pipe()?;
        let (out_r, out_w) = sys::pipe()?;
        let (err_r, err_w) = sys::pipe()?;
        Ok(Pipes { child: [in_r, out_w, err_w], ours: [in_w, out_r, err_r], pty: false, caller_in })
    }

    /// Hands the command's ends (the pipes', or the pty's slave) to `uid`
    /// and `gid` (`enter::Outside::owner`). The slave keeps the group its
    /// devpts gave it (`gid=5`, tty, in `runc spec`'s mount), as the slave
    /// `runc exec -t`'s init opens in the container keeps it; only a slave
    /// of nsinit's own group (a devpts without `gid=`: the opener's,
    /// unmapped there) gets `gid`, as runc's gets its root's.
    pub fn hand_to(&self, uid: u32, gid: u32) -> Result<(), Errno> {
        for fd in self.child {
            let keep = self.pty && sys::fstat(fd)?.st_gid != sys::getegid();
            // -1: the group stays (chown(2)).
            sys::fchownat(fd, c"", uid, if keep { u32::MAX } else { gid }, libc::AT_EMPTY_PATH)?;
        }
        Ok(())
    }

    /// A pty of the container's, from the multiplexer of its devpts,
    /// `/dev/pts/ptmx` (nsinit has joined its mount namespace, its root is
    /// the working directory), so the slave lives in the container's
    /// devpts, as with `runc exec -t`. Not `/dev/ptmx`: that is whatever
    /// the container put there, and opening a device runs its driver's
    /// open before any check of what was opened — a device the
    /// container's root made there (CAP_MKNOD, in Docker's default set)
    /// would be opened by host root, side effects and all (a virtual
    /// console allocated, a watchdog started, a tape rewound). So
    /// `/dev/pts` is opened first with O_PATH (no open of anything),
    /// inside the root and never through a /proc magic link, and must be
    /// a devpts; `ptmx` is then opened in that very mount (no symlink, no
    /// other mount over it), where only the kernel makes entries: it can
    /// be nothing but the multiplexer (5:2, checked still). runc does the
    /// same since CVE-2025-52565 (`safeAllocPty`, `checkPtmxHandle`). The
    /// slave comes from the master (TIOCGPTPEER), not from a path under
    /// `/dev/pts`; it gets the caller's terminal's size.
    pub fn pty(caller_in: Fd) -> Result<Pipes, Reason> {
        let dir = libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC;
        let pts = OwnedFd::new(crate::resolve::openat2(sys::AT_FDCWD, c"dev/pts", dir, 0, crate::resolve::IN_ROOT).map_err(Reason::Errno)?);
        if sys::fstatfs(pts.fd()).map_err(Reason::Errno)?.fs_type != DEVPTS_SUPER_MAGIC {
            return Err(Reason::Text("/dev/pts is not a devpts"));
        }
        let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_NONBLOCK;
        let fd = crate::resolve::openat2(pts.fd(), c"ptmx", flags, 0, IN_THIS_MOUNT);
        let master = OwnedFd::new(fd.map_err(Reason::Errno)?);
        let st = sys::fstat(master.fd()).map_err(Reason::Errno)?;
        if st.st_mode & libc::S_IFMT != libc::S_IFCHR || st.st_rdev != libc::makedev(5, 2) {
            return Err(Reason::Text("not the pty multiplexer (5:2)"));
        }
        let slave = sys::pty_peer(master.fd()).map_err(Reason::Errno)?;
        // No "\n" -> "\r\n" in the pty: the caller's terminal does that
        // itself (its OPOST stays on, `raw`), and output that goes to a
        // file or a pipe gets none. runc clears ONLCR so too (ClearONLCR).
        let mut t = sys::tcgets(slave).map_err(Reason::Errno)?;
        t.c_oflag &= !libc::ONLCR;
        sys::tcsets(slave, &t).map_err(Reason::Errno)?;
        // A caller's terminal without a size (a serial line) leaves the
        // pty's at 0x0, as runc leaves it.
        let _ = sys::copy_winsize(0, master.fd());
        let master = master.keep();
        Ok(Pipes { child: [slave; 3], ours: [master, master, CLOSED], pty: true, caller_in })
    }

    /// In the child: its ends become its 0, 1 and 2.
    pub fn attach(&self) -> Result<(), Errno> {
        for (to, from) in (0..).zip(self.child) {
            sys::dup3(from, to, 0)?;
        }
        Ok(())
    }

    /// In PID 1, once the child has its copies: nsinit's ends do not block
    /// (the loop waits in `poll`); the child's ends are closed with the
    /// other descriptors PID 1 does not keep.
    pub fn started(&self) {
        for fd in self.ours {
            if fd != CLOSED {
                let _ = sys::set_nonblocking(fd);
            }
        }
    }
}

/// A closed 0-2 gets /dev/null (musl's start-up does so for a set-id
/// start; runc's caller gets EOF and discarded output): otherwise the
/// signalfd, a pipe or a namespace fd takes its number, and the copier
/// would take it for the caller's. With stdin closed, the signalfd became
/// fd 0 and its records — SIGCHLD among them — were copied into the
/// command's stdin as input: nsinit never saw the command end, nor any
/// signal sent to it. Called before any descriptor is opened.
pub fn fill_closed_stdio() -> Result<(), Errno> {
    for fd in 0..3 {
        if matches!(sys::fstat(fd), Err(Errno::EBADF)) {
            // The lowest free number: `fd` itself (those below are open).
            sys::openat(sys::AT_FDCWD, c"/dev/null", libc::O_RDWR, 0)?;
        }
    }
    Ok(())
}

const CLOSED: Fd = -1;

/// The caller's stdin as nsinit reads it: a terminal or a pipe (FIFO)
/// reopened through /proc, an open file description of nsinit's own,
/// non-blocking. Its fd 0 shares its description with the caller and
/// whoever else holds it: O_NONBLOCK there would change their reads too,
/// so the copier's reads of fd 0 block — and when another reader takes
/// the input between `poll` and `read` (the shell's other job, a `tee`),
/// PID 1's loop blocked in `read(0)`, no signal forwarded until more
/// input came. preadv2(RWF_NOWAIT) does not help: the kernel refuses it
/// for ttys and FIFOs (EOPNOTSUPP here). A file, a socket, another
/// device, or a reopen refused (a terminal of another user's), stays fd 0
/// as it is: a file or /dev/null never blocks; a socket blocks as before. Called at the start, while
/// /proc is the host's and before the namespaces are joined.
pub fn own_stdin() -> Fd {
    let kind = sys::fstat(0).map_or(0, |st| st.st_mode & libc::S_IFMT);
    // Read access given, not taken: a stdin open for writing only is not
    // reopened for reading (the pipe's other end, someone else's input).
    let readable = sys::getfl(0).is_ok_and(|f| f & libc::O_ACCMODE != libc::O_WRONLY);
    // A terminal, not any device: opening another (a tape, a watchdog)
    // can have effects of its own; /dev/null and the like never block.
    let tty = kind == libc::S_IFCHR && sys::isatty(0);
    if (kind != libc::S_IFIFO && !tty) || !readable {
        return 0;
    }
    let flags = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY;
    sys::openat(sys::AT_FDCWD, c"/proc/self/fd/0", flags, 0).unwrap_or(0)
}

/// DEVPTS_SUPER_MAGIC (linux/magic.h).
const DEVPTS_SUPER_MAGIC: u64 = 0x1cd1;

/// RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS |
/// RESOLVE_BENEATH (linux/openat2.h): a name in the directory itself, on
/// its own mount, no link followed.
const IN_THIS_MOUNT: u64 = 0x01 | 0x02 | 0x04 | 0x08;

/// N_TTY_BUF_SIZE (4 KiB) and TTYB_DEFAULT_MEM_LIMIT (64 KiB), the most a
/// pty holds on its way from the slave to the master (drivers/tty).
const PTY_HOLDS: usize = (4 + 64) * 1024;

/// One direction of the copying: what is read from `from` waits in `buf`
/// until `to` takes it. `to` is written only once `poll` has said it takes
/// something, and one page at most (`buf`): a pipe that polls writable has
/// a free page (pipe(7), `pipe_poll`), so a caller that stops reading its
/// stdout never blocks the loop in `write`, nor with it the forwarding of
/// signals and the reaping (runc copies in goroutines, apart from its
/// signal loop). `from` is read only when `buf` is empty: the command's
/// output waits in its pipe, and the command blocks, as it would writing to
/// the caller's directly.
struct Stream {
    from: Fd,
    to: Fd,
    /// nsinit's own end of this direction, closed when done with it (the
    /// caller's 0-2 stay open).
    ours: Fd,
    /// A page of `BUFFERS`.
    buf: &'static mut [u8],
    start: usize,
    end: usize,
}

/// The streams' buffers, a page each: in a static, not on PID 1's stack,
/// whose frame every mode enters (each page of a frame is touched on
/// entry, a page fault each); only `--enter` touches these.
static BUFFERS: Once<[u8; 3 * PAGE]> = Once::zeroed();
const PAGE: usize = 4096;

/// What a step of a stream did.
#[derive(PartialEq, Eq)]
enum Step {
    Moved,
    /// Nothing to do now (EAGAIN, EINTR).
    Wait,
    /// `from` has ended (EOF, or an error: a background terminal nsinit may
    /// not read from gives EIO).
    Ended,
    /// `to` refused the write: the errno.
    Refused(Errno),
}

impl Stream {
    #[unsafe(link_section = ".text.nsinit_pid1")]
    fn new(from: Fd, to: Fd, ours: Fd, buf: &'static mut [u8]) -> Stream {
        Stream { from, to, ours, buf, start: 0, end: 0 }
    }

    /// The pollfd for this stream's next step: `to` writable while
    /// something waits, else `from` readable (a negative fd: none).
    #[unsafe(link_section = ".text.nsinit_pid1")]
    fn want(&self) -> libc::pollfd {
        if self.start < self.end {
            libc::pollfd { fd: self.to, events: libc::POLLOUT, revents: 0 }
        } else {
            libc::pollfd { fd: self.from, events: libc::POLLIN, revents: 0 }
        }
    }

    /// Reads `from` into the empty buffer, or writes what waits to `to`, once.
    #[unsafe(link_section = ".text.nsinit_pid1")]
    fn step(&mut self) -> Step {
        self.step_max(usize::MAX)
    }

    /// `step`, reading at most `max` bytes.
    #[unsafe(link_section = ".text.nsinit_pid1")]
    fn step_max(&mut self, max: usize) -> Step {
        if self.start < self.end {
            let chunk = self.buf.get(self.start..self.end).unwrap_or(&[]);
            return match sys::write(self.to, chunk) {
                Ok(n) => {
                    self.start += n;
                    if self.start >= self.end {
                        (self.start, self.end) = (0, 0);
                    }
                    Step::Moved
                }
                Err(Errno::EINTR | Errno::EAGAIN) => Step::Wait,
                Err(e) => {
                    (self.start, self.end) = (0, 0);
                    Step::Refused(e)
                }
            };
        }
        let room = self.buf.len().min(max);
        match sys::read(self.from, self.buf.get_mut(..room).unwrap_or(&mut [])) {
            Ok(n) if n > 0 => {
                (self.start, self.end) = (0, n);
                Step::Moved
            }
            Err(Errno::EINTR | Errno::EAGAIN) => Step::Wait,
            _ => Step::Ended,
        }
    }

    /// Done with this direction: nsinit's end closes.
    #[unsafe(link_section = ".text.nsinit_pid1")]
    fn stop(&mut self) {
        if self.ours != CLOSED {
            let _ = sys::close(self.ours);
        }
        (self.from, self.to, self.ours, self.start, self.end) = (CLOSED, CLOSED, CLOSED, 0, 0);
    }
}

/// The copying, in PID 1's loop: the caller's stdin into the command's, the
/// command's stdout and stderr out to the caller's.
pub struct Copier {
    input: Stream,
    out: Stream,
    err: Stream,
    /// A write into the command's stdin met EPIPE (it closed it): the
    /// kernel queued a SIGPIPE for nsinit, which is not the caller's to
    /// forward (`own_sigpipe`).
    sigpipe: bool,
    /// With a pty: its master, and the caller's terminal settings from
    /// before it was made raw, put back when the copying ends (`restore`).
    master: Fd,
    saved: Option<libc::termios>,
}

impl Copier {
    #[unsafe(link_section = ".text.nsinit_pid1")]
    /// None only if called twice (the buffers are taken once).
    pub fn new(p: Pipes) -> Option<Copier> {
        let [to_in, from_out, from_err] = p.ours;
        let (a, rest) = BUFFERS.take()?.split_at_mut(PAGE);
        let (b, c) = rest.split_at_mut(PAGE);
        // The pty's master is both directions' end: the end of the
        // caller's input must not close it.
        let in_ours = if p.pty { CLOSED } else { to_in };
        // Not from the background of a job-control shell (`nsinit --enter
        // ... &`): the terminal is the foreground job's, and nsinit, which
        // ignores SIGTTOU, is not stopped for changing it as a program
        // would be (tty_check_change). A terminal that is not nsinit's
        // controlling one (ENOTTY) is nobody else's foreground.
        let foreground = sys::tcgetpgrp(0).ok().is_none_or(|g| g == sys::getpgrp());
        let mut saved = None;
        if p.pty && foreground {
            saved = sys::tcgets(0).ok();
            if let Some(t) = saved {
                let _ = sys::tcsets(0, &raw(t));
            }
        }
        Some(Copier {
            input: Stream::new(p.caller_in, to_in, in_ours, a),
            out: Stream::new(from_out, 1, from_out, b),
            err: Stream::new(from_err, 2, from_err, c),
            sigpipe: false,
            master: if p.pty { to_in } else { CLOSED },
            saved,
        })
    }

    /// SIGWINCH with a pty: the caller's terminal changed size, and the
    /// pty takes the new one (the kernel signals the command's foreground
    /// group itself). True when handled so, not to be forwarded.
    #[unsafe(link_section = ".text.nsinit_pid1")]
    pub fn resized(&self) -> bool {
        self.master != CLOSED && sys::copy_winsize(0, self.master).is_ok()
    }

    /// The caller's terminal as it was before (with a pty). Done by the
    /// drain and when poll fails; PID 1's loop calls it when it gives up
    /// the copying (its signal descriptor failed).
    #[unsafe(link_section = ".text.nsinit_pid1")]
    pub fn restore(&mut self) {
        if let Some(t) = self.saved.take() {
            let _ = sys::tcsets(0, &t);
        }
    }

    /// Waits until the signal descriptor `sfd` is readable, copying what
    /// stdio has meanwhile. Returns false if `poll` itself fails (the loop
    /// then reads `sfd` as without stdio to copy).
    #[unsafe(link_section = ".text.nsinit_pid1")]
    pub fn until_signal(&mut self, sfd: Fd) -> bool {
        loop {
            let mut fds = [
                libc::pollfd { fd: sfd, events: libc::POLLIN, revents: 0 },
                self.input.want(),
                self.out.want(),
                self.err.want(),
            ];
            match sys::poll(&mut fds) {
                Ok(_) => {}
                Err(Errno::EINTR) => continue,
                Err(_) => {
                    self.restore();
                    return false;
                }
            }
            let ready = |i: usize| fds.get(i).is_some_and(|p| p.revents != 0);
            if ready(1) {
                match self.input.step() {
                    Step::Moved | Step::Wait => {}
                    // The end of the caller's input ends the command's
                    // (its buffer is empty: `from` is read only then).
                    Step::Ended => self.input.stop(),
                    // The command closed its stdin: nothing more to give.
                    // The SIGPIPE that came with EPIPE is nsinit's own: a
                    // command that closes its stdin is not killed for it
                    // (runc forwards it, all signals being caught in Go;
                    // the caller's stdin passed through, as crun does,
                    // raises nothing).
                    Step::Refused(e) => {
                        self.sigpipe |= e == Errno::EPIPE;
                        self.input.stop();
                    }
                }
            }
            for (i, s) in [(2, &mut self.out), (3, &mut self.err)] {
                if ready(i) && s.step() == Step::Ended {
                    s.stop();
                }
                // Refused: the caller's output is gone (EPIPE: its SIGPIPE
                // is forwarded, as runc does, and ends the command as in a
                // pipeline) or unusable; the output is dropped and the
                // command's pipe still read, so that it never blocks on it.
            }
            if ready(0) {
                return true;
            }
        }
    }

    /// Whether a SIGPIPE read from the signalfd is nsinit's own (see
    /// `sigpipe`): true once per EPIPE. The kernel queues it for the thread
    /// (send_sig), and signalfd reads a thread's own signals before the
    /// process's, so it is the first SIGPIPE read after the EPIPE.
    #[unsafe(link_section = ".text.nsinit_pid1")]
    pub fn own_sigpipe(&mut self) -> bool {
        core::mem::replace(&mut self.sigpipe, false)
    }

    /// Once the command has ended: what its stdout and stderr pipes hold
    /// now goes out, and no more — the bytes in each pipe at this moment
    /// (FIONREAD), so that a process of the container that kept their
    /// write ends, even one that never stops writing (`yes &`), cannot hold
    /// nsinit's exit (runc exec waits for the pipe's end: for ever then).
    /// The caller's output is waited for, and with it the signal
    /// descriptor `sfd`: a caller that does not read (a full pipe, a
    /// stopped reader) would otherwise hold nsinit with every signal
    /// blocked, SIGTERM and SIGINT included (runc exec, whose Go runtime
    /// catches them all, waits for its copy so). A signal that would end a
    /// process by default (`ends_the_drain`) drops what is left: nsinit
    /// exits with the command's status, the status it already has.
    #[unsafe(link_section = ".text.nsinit_pid1")]
    pub fn drain(&mut self, sfd: Fd) {
        let mut stopped = false;
        for s in [&mut self.out, &mut self.err] {
            let mut left = match s.from {
                CLOSED => 0,
                // A pty's output reaches its master through the kernel's
                // flip buffer, later: FIONREAD does not count what is still
                // there. A read does: when the master has nothing, n_tty
                // first waits for the flip buffer's work (n_tty_read,
                // tty_buffer_flush_work). So the master is read until it
                // has nothing (EAGAIN), up to what a pty holds: its line
                // discipline's buffer and the flip buffer's limit.
                from if from == self.master => PTY_HOLDS,
                from => sys::fionread(from).unwrap_or(0),
            };
            while !stopped {
                if s.start < s.end {
                    // Written once the caller takes it (or refused, and
                    // dropped): what was read before counts no more.
                    let mut p = [s.want(), libc::pollfd { fd: sfd, events: libc::POLLIN, revents: 0 }];
                    if matches!(sys::poll(&mut p), Err(e) if e != Errno::EINTR) {
                        break;
                    }
                    let [out, sig] = p;
                    if sig.revents != 0 {
                        stopped = ends_the_drain(sfd);
                    }
                    if out.revents != 0 {
                        let _ = s.step();
                    }
                    continue;
                }
                if left == 0 || s.from == CLOSED {
                    break;
                }
                match s.step_max(left) {
                    Step::Moved => left -= left.min(s.end - s.start),
                    Step::Wait | Step::Ended | Step::Refused(_) => break,
                }
            }
            s.stop();
        }
        self.input.stop();
        self.restore();
    }
}

/// Reads the pending signals; true if one of them ends a process by
/// default (signal(7): all but SIGCHLD, SIGCONT, SIGURG, SIGWINCH and the
/// stops, which never stop nsinit: it blocks them). SIGPIPE is nsinit's
/// own here (a write to a caller's output that is gone): that output is
/// dropped already. The command has ended: there is nobody to forward them
/// to.
#[unsafe(link_section = ".text.nsinit_pid1")]
fn ends_the_drain(sfd: Fd) -> bool {
    let mut sigs = [0i32; 16];
    let n = sys::read_signals(sfd, &mut sigs).unwrap_or(0);
    let mut i = 0;
    // A plain loop, as in read_signals: nothing out of PID 1's section.
    while i < n {
        let ends = |&sig: &i32| {
            !matches!(sig, libc::SIGCHLD | libc::SIGCONT | libc::SIGURG | libc::SIGWINCH | libc::SIGPIPE | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU)
        };
        if sigs.get(i).is_some_and(ends) {
            return true;
        }
        i += 1;
    }
    false
}

/// `cfmakeraw`'s settings (termios(3)) but for output processing, as
/// runc's `SetRaw` (containerd/console): bytes pass through the caller's
/// terminal as they are typed, unechoed, without signals — the pty's own
/// line discipline edits, echoes and signals the command's group — and
/// its "\n" still shows as a new line (OPOST, ONLCR kept).
#[unsafe(link_section = ".text.nsinit_pid1")]
fn raw(mut t: libc::termios) -> libc::termios {
    t.c_iflag &= !(libc::IGNBRK | libc::BRKINT | libc::PARMRK | libc::ISTRIP | libc::INLCR | libc::IGNCR | libc::ICRNL | libc::IXON);
    t.c_lflag &= !(libc::ECHO | libc::ECHONL | libc::ICANON | libc::ISIG | libc::IEXTEN);
    t.c_cflag &= !(libc::CSIZE | libc::PARENB);
    t.c_cflag |= libc::CS8;
    if let Some(min) = t.c_cc.get_mut(libc::VMIN) {
        *min = 1;
    }
    if let Some(time) = t.c_cc.get_mut(libc::VTIME) {
        *time = 0;
    }
    t
}
