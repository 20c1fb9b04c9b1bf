//! Errno names and descriptions for the one-line error messages: the
//! errnos a setup step can meet, with the kernel's own wording
//! (include/uapi/asm-generic/errno-base.h and errno.h). A number outside
//! the table prints as `errno N` — a full table would cost kilobytes of a
//! binary whose size is a goal.

use super::Errno;

/// `errno NAME: description`, one a line, sorted by number: one string
/// rather than a table of (number, &str, &str), whose pointers and lengths
/// took more bytes than the text.
const TABLE: &str = "\
1 EPERM: operation not permitted
2 ENOENT: no such file or directory
3 ESRCH: no such process
4 EINTR: interrupted system call
5 EIO: I/O error
6 ENXIO: no such device or address
7 E2BIG: argument list too long
8 ENOEXEC: exec format error
9 EBADF: bad file number
10 ECHILD: no child processes
11 EAGAIN: try again
12 ENOMEM: out of memory
13 EACCES: permission denied
14 EFAULT: bad address
15 ENOTBLK: block device required
16 EBUSY: device or resource busy
17 EEXIST: file exists
18 EXDEV: cross-device link
19 ENODEV: no such device
20 ENOTDIR: not a directory
21 EISDIR: is a directory
22 EINVAL: invalid argument
23 ENFILE: file table overflow
24 EMFILE: too many open files
25 ENOTTY: not a typewriter
26 ETXTBSY: text file busy
27 EFBIG: file too large
28 ENOSPC: no space left on device
29 ESPIPE: illegal seek
30 EROFS: read-only file system
31 EMLINK: too many links
32 EPIPE: broken pipe
33 EDOM: math argument out of domain of func
34 ERANGE: math result not representable
35 EDEADLK: resource deadlock would occur
36 ENAMETOOLONG: file name too long
37 ENOLCK: no record locks available
38 ENOSYS: invalid system call number
39 ENOTEMPTY: directory not empty
40 ELOOP: too many symbolic links encountered
61 ENODATA: no data available
75 EOVERFLOW: value too large for defined data type
88 ENOTSOCK: socket operation on non-socket
93 EPROTONOSUPPORT: protocol not supported
95 EOPNOTSUPP: operation not supported on transport endpoint
97 EAFNOSUPPORT: address family not supported by protocol
98 EADDRINUSE: address already in use
111 ECONNREFUSED: connection refused
116 ESTALE: stale file handle
122 EDQUOT: quota exceeded
";

/// "EPERM: operation not permitted", or None for a number not listed.
/// (A byte loop: `str::lines` and `split_once` cost more code than the
/// table saves.)
pub fn describe(e: Errno) -> Option<&'static [u8]> {
    let n = u32::try_from(e.into_raw()).ok()?;
    TABLE.as_bytes().split(|&c| c == b'\n').find_map(|l| {
        let (k, text) = l.split_at(l.iter().position(|&c| c == b' ')?);
        (crate::text::parse_u32(k) == Some(n)).then(|| text.get(1..)).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l_of(n: u32) -> String {
        TABLE.lines().find_map(|l| l.strip_prefix(&format!("{n} "))).unwrap().to_string()
    }

    #[test]
    fn names_and_texts() {
        assert_eq!(describe(Errno::EPERM), Some(&b"EPERM: operation not permitted"[..]));
        assert_eq!(describe(Errno::ELOOP), Some(&b"ELOOP: too many symbolic links encountered"[..]));
        assert_eq!(describe(Errno::EDQUOT), Some(&b"EDQUOT: quota exceeded"[..]));
        assert_eq!(describe(Errno::new(4095)), None);
        assert_eq!(describe(Errno::new(0)), None);
        assert_eq!(describe(Errno::new(-1)), None);
        // Sorted, unique, and the names agree with the syscalls crate's.
        let rows: Vec<(u32, &str, &str)> = TABLE
            .lines()
            .map(|l| {
                let (n, rest) = l.split_once(' ').unwrap();
                let (name, text) = rest.split_once(": ").unwrap();
                (n.parse().unwrap(), name, text)
            })
            .collect();
        assert_eq!(rows.len(), 50);
        for w in rows.windows(2) {
            assert!(w[0].0 < w[1].0);
        }
        for (n, name, text) in &rows {
            assert_eq!(Errno::new(*n as i32).name(), Some(*name));
            assert!(!text.is_empty() && !text.contains(':'));
            assert_eq!(describe(Errno::new(*n as i32)), Some(l_of(*n).as_bytes()));
        }
    }
}
