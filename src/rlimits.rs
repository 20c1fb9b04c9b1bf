//! Resource limits: the name table (pure) and applying `process.rlimits`.

use crate::text::{find_name, names_len, nth_name, pack_names};

/// `RLIMIT_*` names by resource number (asm-generic/resource.h).
const NAMES: [&[u8]; 16] = [
    b"RLIMIT_CPU",
    b"RLIMIT_FSIZE",
    b"RLIMIT_DATA",
    b"RLIMIT_STACK",
    b"RLIMIT_CORE",
    b"RLIMIT_RSS",
    b"RLIMIT_NPROC",
    b"RLIMIT_NOFILE",
    b"RLIMIT_MEMLOCK",
    b"RLIMIT_AS",
    b"RLIMIT_LOCKS",
    b"RLIMIT_SIGPENDING",
    b"RLIMIT_MSGQUEUE",
    b"RLIMIT_NICE",
    b"RLIMIT_RTPRIO",
    b"RLIMIT_RTTIME",
];

/// The resource number of `RLIMIT_NOFILE` etc.
pub fn from_name(name: &[u8]) -> Option<u32> {
    find_name(&PACKED, name).map(|i| i as u32)
}

/// `NAMES` as the binary holds them (`text::names_len`).
static PACKED: [u8; names_len(&NAMES)] = pack_names(&NAMES);

/// Sets every `process.rlimits` entry; returns the one that failed.
pub fn apply(limits: &[crate::spec::Rlimit]) -> Result<(), (u32, crate::sys::Errno)> {
    for l in limits {
        crate::sys::setrlimit(l.resource, l.soft, l.hard).map_err(|e| (l.resource, e))?;
    }
    Ok(())
}

/// The name of a resource number.
#[inline(never)]
pub fn name(resource: u32) -> &'static str {
    let name = nth_name(&PACKED, resource as usize);
    name.and_then(|n| core::str::from_utf8(n).ok()).unwrap_or("RLIMIT_?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(from_name(b"RLIMIT_NOFILE"), Some(7));
        assert_eq!(from_name(b"RLIMIT_CPU"), Some(0));
        assert_eq!(from_name(b"RLIMIT_RTTIME"), Some(15));
        assert_eq!(from_name(b"RLIMIT_BOGUS"), None);
        assert_eq!(from_name(b"NOFILE"), None);
        for i in 0..16 {
            assert_eq!(from_name(name(i).as_bytes()), Some(i));
        }
    }
}
