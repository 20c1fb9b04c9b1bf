//! Capabilities: the name table (pure) and, later, applying the five sets.

/// Every capability the kernel knows, indexed by its number
/// (linux/capability.h, up to CAP_CHECKPOINT_RESTORE = 40).
pub const NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

pub const CAP_KILL: u32 = 5;
pub const CAP_SETPCAP: u32 = 8;
pub const CAP_SYS_ADMIN: u32 = 21;
pub const CAP_SYS_RESOURCE: u32 = 24;

/// The highest capability number nsinit knows.
pub const LAST_CAP: u32 = NAMES.len() as u32 - 1;

/// The capability number of a name such as `CAP_SYS_ADMIN` (exact spelling,
/// as runc accepts it).
pub fn from_name(name: &[u8]) -> Option<u32> {
    NAMES.iter().position(|n| n.as_bytes() == name).map(|i| i as u32)
}

/// The bit of a capability in a 64-bit set.
pub const fn bit(cap: u32) -> u64 {
    1u64 << (cap & 63)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (i, n) in NAMES.iter().enumerate() {
            assert_eq!(from_name(n.as_bytes()), Some(i as u32));
        }
        assert_eq!(from_name(b"CAP_SYS_ADMIN"), Some(CAP_SYS_ADMIN));
        assert_eq!(from_name(b"CAP_KILL"), Some(CAP_KILL));
        assert_eq!(from_name(b"CAP_SYS_RESOURCE"), Some(CAP_SYS_RESOURCE));
        assert_eq!(from_name(b"CAP_SETPCAP"), Some(CAP_SETPCAP));
        assert_eq!(from_name(b"CAP_CHECKPOINT_RESTORE"), Some(40));
        assert_eq!(from_name(b"cap_sys_admin"), None);
        assert_eq!(from_name(b"SYS_ADMIN"), None);
        assert_eq!(from_name(b"CAP_FOO"), None);
    }
}
