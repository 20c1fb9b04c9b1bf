//! Resource limits: the name table (pure) and applying `process.rlimits`.

use crate::text::{find_name, names_len, nth_name, pack_names};

/// `RLIMIT_*` names by resource number (asm-generic/resource.h).
const NAMES: [&str; 16] = [
    "RLIMIT_CPU",
    "RLIMIT_FSIZE",
    "RLIMIT_DATA",
    "RLIMIT_STACK",
    "RLIMIT_CORE",
    "RLIMIT_RSS",
    "RLIMIT_NPROC",
    "RLIMIT_NOFILE",
    "RLIMIT_MEMLOCK",
    "RLIMIT_AS",
    "RLIMIT_LOCKS",
    "RLIMIT_SIGPENDING",
    "RLIMIT_MSGQUEUE",
    "RLIMIT_NICE",
    "RLIMIT_RTPRIO",
    "RLIMIT_RTTIME",
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
