//! Errno names and descriptions for the one-line error messages: the
//! errnos a setup step can meet, with the kernel's own wording
//! (include/uapi/asm-generic/errno-base.h and errno.h). A number outside
//! the table prints as `errno N` — a full table would cost kilobytes of a
//! binary whose size is a goal.

use super::Errno;

/// (errno, name, description), sorted by number.
const TABLE: &[(u16, &str, &str)] = &[
    (1, "EPERM", "operation not permitted"),
    (2, "ENOENT", "no such file or directory"),
    (3, "ESRCH", "no such process"),
    (4, "EINTR", "interrupted system call"),
    (5, "EIO", "I/O error"),
    (6, "ENXIO", "no such device or address"),
    (7, "E2BIG", "argument list too long"),
    (8, "ENOEXEC", "exec format error"),
    (9, "EBADF", "bad file number"),
    (10, "ECHILD", "no child processes"),
    (11, "EAGAIN", "try again"),
    (12, "ENOMEM", "out of memory"),
    (13, "EACCES", "permission denied"),
    (14, "EFAULT", "bad address"),
    (15, "ENOTBLK", "block device required"),
    (16, "EBUSY", "device or resource busy"),
    (17, "EEXIST", "file exists"),
    (18, "EXDEV", "cross-device link"),
    (19, "ENODEV", "no such device"),
    (20, "ENOTDIR", "not a directory"),
    (21, "EISDIR", "is a directory"),
    (22, "EINVAL", "invalid argument"),
    (23, "ENFILE", "file table overflow"),
    (24, "EMFILE", "too many open files"),
    (25, "ENOTTY", "not a typewriter"),
    (26, "ETXTBSY", "text file busy"),
    (27, "EFBIG", "file too large"),
    (28, "ENOSPC", "no space left on device"),
    (29, "ESPIPE", "illegal seek"),
    (30, "EROFS", "read-only file system"),
    (31, "EMLINK", "too many links"),
    (32, "EPIPE", "broken pipe"),
    (33, "EDOM", "math argument out of domain of func"),
    (34, "ERANGE", "math result not representable"),
    (35, "EDEADLK", "resource deadlock would occur"),
    (36, "ENAMETOOLONG", "file name too long"),
    (37, "ENOLCK", "no record locks available"),
    (38, "ENOSYS", "invalid system call number"),
    (39, "ENOTEMPTY", "directory not empty"),
    (40, "ELOOP", "too many symbolic links encountered"),
    (61, "ENODATA", "no data available"),
    (75, "EOVERFLOW", "value too large for defined data type"),
    (88, "ENOTSOCK", "socket operation on non-socket"),
    (93, "EPROTONOSUPPORT", "protocol not supported"),
    (95, "EOPNOTSUPP", "operation not supported on transport endpoint"),
    (97, "EAFNOSUPPORT", "address family not supported by protocol"),
    (98, "EADDRINUSE", "address already in use"),
    (111, "ECONNREFUSED", "connection refused"),
    (116, "ESTALE", "stale file handle"),
    (122, "EDQUOT", "quota exceeded"),
];

/// ("EPERM", "operation not permitted"), or None for a number not listed.
pub fn describe(e: Errno) -> Option<(&'static str, &'static str)> {
    let n = e.into_raw();
    TABLE.iter().find(|(k, _, _)| i32::from(*k) == n).map(|&(_, name, text)| (name, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_texts() {
        assert_eq!(describe(Errno::EPERM), Some(("EPERM", "operation not permitted")));
        assert_eq!(describe(Errno::ELOOP), Some(("ELOOP", "too many symbolic links encountered")));
        assert_eq!(describe(Errno::EDQUOT), Some(("EDQUOT", "quota exceeded")));
        assert_eq!(describe(Errno::new(4095)), None);
        // Sorted, unique, and the names agree with the syscalls crate's.
        for w in TABLE.windows(2) {
            assert!(w[0].0 < w[1].0);
        }
        for (n, name, _) in TABLE {
            assert_eq!(Errno::new(*n as i32).name(), Some(*name));
        }
    }
}
