//! Errno names and descriptions for the one-line error messages: the
//! errnos a setup step can meet, with the kernel's own wording
//! (include/uapi/asm-generic/errno-base.h and errno.h). A number outside
//! the table prints as `errno N` — a full table would cost kilobytes of a
//! binary whose size is a goal.

use super::Errno;

/// `NAME: description`, one a line, sorted by number: one string rather
/// than a table of (number, &str, &str), whose pointers and lengths took
/// more bytes than the text. A line is the errno after the previous line's
/// (the first is 1), or, with a leading number, that one (`61 ENODATA: ...`).
const TABLE: &str = "\
EPERM: operation not permitted
ENOENT: no such file or directory
ESRCH: no such process
EINTR: interrupted system call
EIO: I/O error
ENXIO: no such device or address
E2BIG: argument list too long
ENOEXEC: exec format error
EBADF: bad file number
ECHILD: no child processes
EAGAIN: try again
ENOMEM: out of memory
EACCES: permission denied
EFAULT: bad address
ENOTBLK: block device required
EBUSY: device or resource busy
EEXIST: file exists
EXDEV: cross-device link
ENODEV: no such device
ENOTDIR: not a directory
EISDIR: is a directory
EINVAL: invalid argument
ENFILE: file table overflow
EMFILE: too many open files
ENOTTY: not a typewriter
ETXTBSY: text file busy
EFBIG: file too large
ENOSPC: no space left on device
ESPIPE: illegal seek
EROFS: read-only file system
EMLINK: too many links
EPIPE: broken pipe
EDOM: math argument out of domain of func
ERANGE: math result not representable
EDEADLK: resource deadlock would occur
ENAMETOOLONG: file name too long
ENOLCK: no record locks available
ENOSYS: invalid system call number
ENOTEMPTY: directory not empty
ELOOP: too many symbolic links encountered
61 ENODATA: no data available
75 EOVERFLOW: value too large for defined data type
88 ENOTSOCK: socket operation on non-socket
93 EPROTONOSUPPORT: protocol not supported
95 EOPNOTSUPP: operation not supported on transport endpoint
97 EAFNOSUPPORT: address family not supported by protocol
98 EADDRINUSE: address already in use
111 ECONNREFUSED: connection refused
116 ESTALE: stale file handle
122 EDQUOT: quota exceeded";

/// "EPERM: operation not permitted", or None for a number not listed.
/// (A byte loop: `str::lines` and `split_once` cost more code than the
/// table saves.)
pub fn describe(e: Errno) -> Option<&'static [u8]> {
    let want = u32::try_from(e.into_raw()).ok()?;
    let mut n = 0;
    for line in TABLE.as_bytes().split(|&c| c == b'\n') {
        let text = match line.iter().position(|&c| c == b' ').filter(|_| line.first().is_some_and(u8::is_ascii_digit)) {
            Some(sp) => {
                n = crate::text::parse_u32(line.get(..sp)?)?;
                line.get(sp + 1..)?
            }
            None => {
                n += 1;
                line
            }
        };
        if n == want {
            return Some(text);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_texts() {
        let rows: &[(i32, Option<&str>)] = &[
            (1, Some("EPERM: operation not permitted")),
            (2, Some("ENOENT: no such file or directory")),
            (40, Some("ELOOP: too many symbolic links encountered")),
            (41, None),
            (61, Some("ENODATA: no data available")),
            (62, None),
            (98, Some("EADDRINUSE: address already in use")),
            (122, Some("EDQUOT: quota exceeded")),
            (123, None),
            (4095, None),
            (0, None),
            (-1, None),
        ];
        for &(n, want) in rows {
            assert_eq!(describe(Errno::new(n)), want.map(str::as_bytes), "{n}");
        }
        // Every number listed once: 1 to 40 and ten more; each line's name
        // is the syscalls crate's name for its number.
        let listed: Vec<i32> = (0..200).filter(|&n| describe(Errno::new(n)).is_some()).collect();
        assert_eq!(listed.len(), 50);
        assert_eq!(listed.len(), TABLE.lines().count());
        assert!((1..=40).all(|n| listed.contains(&n)));
        for n in listed {
            let text = std::str::from_utf8(describe(Errno::new(n)).unwrap()).unwrap();
            let (name, what) = text.split_once(": ").unwrap();
            assert_eq!(Errno::new(n).name(), Some(name), "{n}");
            assert!(!what.is_empty() && !what.contains(':'), "{n}");
        }
    }
}
