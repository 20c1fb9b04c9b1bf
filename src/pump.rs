//! `--enter`'s stdio: the command gets pipes of the entering nsinit's own,
//! which copies them to and from the caller's 0-2, as `runc exec` does
//! without a terminal (utils_linux.go `setupProcessPipes`) — never the
//! caller's descriptors themselves. A process of the container can open
//! the command's `/proc/PID/fd/0-2` and keep them after the command ends:
//! had it the operator's terminal, it would read what they type next into
//! their host shell and write to their screen; a file of theirs it could
//! read back or truncate. With the pipes, what it keeps is a pipe, and once
//! the command has ended nothing is copied any more. (With `terminal` the
//! command gets the caller's terminal as its controlling terminal, as
//! before: a terminal of its own would need a pty made in the container.)

use crate::sys::{self, Errno, Fd};

/// The three pipes: the command's ends (its stdin's read end, its
/// stdout's and stderr's write ends) and nsinit's (stdin's write end,
/// stdout's and stderr's read ends). All close-on-exec: the command gets
/// its ends as 0-2 by `attach`, a copy that is not.
#[derive(Clone, Copy)]
pub struct Pipes {
    pub child: [Fd; 3],
    pub ours: [Fd; 3],
}

impl Pipes {
    pub fn new() -> Result<Pipes, Errno> {
        let (in_r, in_w) = sys::pipe()?;
        let (out_r, out_w) = sys::pipe()?;
        let (err_r, err_w) = sys::pipe()?;
        Ok(Pipes { child: [in_r, out_w, err_w], ours: [in_w, out_r, err_r] })
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
            let _ = sys::set_nonblocking(fd);
        }
    }
}

const CLOSED: Fd = -1;

/// The copying, in PID 1's loop: the caller's stdin into the command's, the
/// command's stdout and stderr out to the caller's.
pub struct Copier {
    /// The command's stdin (write end), stdout and stderr (read ends);
    /// `CLOSED` once done with.
    to_in: Fd,
    from_out: Fd,
    from_err: Fd,
    /// Whether the caller's stdin is still read.
    reading: bool,
    /// Read from the caller's stdin, not yet written to the command's.
    pending: [u8; 4096],
    start: usize,
    end: usize,
}

impl Copier {
    #[unsafe(link_section = ".text.nsinit_pid1")]
    pub fn new(p: Pipes) -> Copier {
        let [to_in, from_out, from_err] = p.ours;
        Copier { to_in, from_out, from_err, reading: true, pending: [0; 4096], start: 0, end: 0 }
    }

    /// Waits until the signal descriptor `sfd` is readable, copying what
    /// stdio has meanwhile. Returns false if `poll` itself fails (the loop
    /// then reads `sfd` as without stdio to copy).
    #[unsafe(link_section = ".text.nsinit_pid1")]
    pub fn until_signal(&mut self, sfd: Fd) -> bool {
        loop {
            let want_stdin = if self.reading && self.start == self.end { 0 } else { CLOSED };
            let want_out = if self.start < self.end { self.to_in } else { CLOSED };
            let mut fds = [
                libc::pollfd { fd: sfd, events: libc::POLLIN, revents: 0 },
                libc::pollfd { fd: want_stdin, events: libc::POLLIN, revents: 0 },
                libc::pollfd { fd: want_out, events: libc::POLLOUT, revents: 0 },
                libc::pollfd { fd: self.from_out, events: libc::POLLIN, revents: 0 },
                libc::pollfd { fd: self.from_err, events: libc::POLLIN, revents: 0 },
            ];
            match sys::poll(&mut fds) {
                Ok(_) => {}
                Err(Errno::EINTR) => continue,
                Err(_) => return false,
            }
            let ready = |i: usize| fds.get(i).is_some_and(|p| p.revents != 0);
            if ready(1) {
                self.read_stdin();
            }
            if ready(2) {
                self.flush();
            }
            if ready(3) {
                copy_out(&mut self.from_out, 1);
            }
            if ready(4) {
                copy_out(&mut self.from_err, 2);
            }
            if ready(0) {
                return true;
            }
        }
    }

    /// Once the command has ended: what its stdout and stderr pipes hold
    /// now goes out, and no more (a process of the container that kept
    /// their write ends cannot hold nsinit's exit).
    #[unsafe(link_section = ".text.nsinit_pid1")]
    pub fn drain(&mut self) {
        for (fd, to) in [(&mut self.from_out, 1), (&mut self.from_err, 2)] {
            while *fd != CLOSED {
                if !copy_out(fd, to) {
                    break;
                }
            }
        }
        close(&mut self.to_in);
    }

    #[unsafe(link_section = ".text.nsinit_pid1")]
    fn read_stdin(&mut self) {
        match sys::read(0, &mut self.pending) {
            Ok(n) if n > 0 => {
                (self.start, self.end) = (0, n);
                self.flush();
            }
            Err(Errno::EINTR | Errno::EAGAIN) => {}
            // The end of the caller's input (or an error, a terminal nsinit
            // may not read from): the command's input ends too.
            _ => {
                self.reading = false;
                close(&mut self.to_in);
            }
        }
    }

    /// Writes what is pending to the command's stdin, as much as the pipe
    /// takes now.
    #[unsafe(link_section = ".text.nsinit_pid1")]
    fn flush(&mut self) {
        while self.start < self.end {
            let chunk = self.pending.get(self.start..self.end).unwrap_or(&[]);
            match sys::write(self.to_in, chunk) {
                Ok(n) if n > 0 => self.start += n,
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) => return,
                // The command closed its stdin (EPIPE): nothing more to give.
                _ => {
                    (self.start, self.end, self.reading) = (0, 0, false);
                    close(&mut self.to_in);
                    return;
                }
            }
        }
        (self.start, self.end) = (0, 0);
    }
}

/// Copies what `fd` has now to `to` (blocking there); false when nothing
/// is left to read for now (EAGAIN), and at its end, when `fd` is closed.
#[unsafe(link_section = ".text.nsinit_pid1")]
fn copy_out(fd: &mut Fd, to: Fd) -> bool {
    let mut buf = [0u8; 4096];
    match sys::read(*fd, &mut buf) {
        Ok(n) if n > 0 => {
            // The caller's output going away loses the output, not the
            // command's status.
            let _ = sys::write_all(to, buf.get(..n).unwrap_or(&[]));
            true
        }
        Err(Errno::EINTR) => true,
        Err(Errno::EAGAIN) => false,
        _ => {
            close(fd);
            false
        }
    }
}

#[unsafe(link_section = ".text.nsinit_pid1")]
fn close(fd: &mut Fd) {
    if *fd != CLOSED {
        let _ = sys::close(*fd);
        *fd = CLOSED;
    }
}
