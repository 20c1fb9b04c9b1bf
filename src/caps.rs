//! Capabilities: the name table (pure), and applying the five sets in the
//! workload (bounding set first, then effective/permitted/inheritable with
//! capset, then ambient), as runc does.

use crate::spec::Capabilities;
use crate::sys::{self, CapSets, Errno};
use crate::text;

/// Every capability the kernel knows, indexed by its number
/// (linux/capability.h, up to CAP_CHECKPOINT_RESTORE = 40).
pub const NAMES: [&[u8]; 41] = [
    b"CAP_CHOWN",
    b"CAP_DAC_OVERRIDE",
    b"CAP_DAC_READ_SEARCH",
    b"CAP_FOWNER",
    b"CAP_FSETID",
    b"CAP_KILL",
    b"CAP_SETGID",
    b"CAP_SETUID",
    b"CAP_SETPCAP",
    b"CAP_LINUX_IMMUTABLE",
    b"CAP_NET_BIND_SERVICE",
    b"CAP_NET_BROADCAST",
    b"CAP_NET_ADMIN",
    b"CAP_NET_RAW",
    b"CAP_IPC_LOCK",
    b"CAP_IPC_OWNER",
    b"CAP_SYS_MODULE",
    b"CAP_SYS_RAWIO",
    b"CAP_SYS_CHROOT",
    b"CAP_SYS_PTRACE",
    b"CAP_SYS_PACCT",
    b"CAP_SYS_ADMIN",
    b"CAP_SYS_BOOT",
    b"CAP_SYS_NICE",
    b"CAP_SYS_RESOURCE",
    b"CAP_SYS_TIME",
    b"CAP_SYS_TTY_CONFIG",
    b"CAP_MKNOD",
    b"CAP_LEASE",
    b"CAP_AUDIT_WRITE",
    b"CAP_AUDIT_CONTROL",
    b"CAP_SETFCAP",
    b"CAP_MAC_OVERRIDE",
    b"CAP_MAC_ADMIN",
    b"CAP_SYSLOG",
    b"CAP_WAKE_ALARM",
    b"CAP_BLOCK_SUSPEND",
    b"CAP_AUDIT_READ",
    b"CAP_PERFMON",
    b"CAP_BPF",
    b"CAP_CHECKPOINT_RESTORE",
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
    text::find_name(&PACKED, name).map(|i| i as u32)
}

/// `NAMES` as the binary holds them (`text::names_len`).
static PACKED: [u8; text::names_len(&NAMES)] = text::pack_names(&NAMES);

/// The bit of a capability in a 64-bit set.
pub const fn bit(cap: u32) -> u64 {
    1u64 << (cap & 63)
}

/// The highest capability the running kernel knows (`PR_CAPBSET_READ` says
/// EINVAL past it): sets are cut to it, so a spec naming a capability newer
/// than the kernel still works, as with runc.
pub fn kernel_last_cap() -> u32 {
    // Down from the last nsinit knows, 0 included; 0 when all are refused.
    let mut c = LAST_CAP;
    while c > 0 && sys::capbset_read(c).is_err() {
        c -= 1;
    }
    if c == 0 {
        // Cap 0 is asked too (and its answer does not matter): the same
        // reads, in the same order, as a search down to 0.
        let _ = sys::capbset_read(0);
    }
    c
}

/// All capability bits up to `last`.
pub const fn mask_upto(last: u32) -> u64 {
    if last >= 63 { !0 } else { (1u64 << (last + 1)) - 1 }
}

/// The ambient capabilities the kernel can raise: those also permitted and
/// inheritable (the others are skipped with a warning).
pub fn raisable_ambient(c: &Capabilities) -> u64 {
    c.ambient & c.permitted & c.inheritable
}

/// Cuts the bounding set to `keep`. Dropping needs CAP_SETPCAP: with it,
/// one drop per capability, without reading first (a drop of an absent
/// capability succeeds too: half the syscalls). Without it (nsinit injected
/// by a runtime that did not grant it), only capabilities still in the set
/// are dropped, and an absent one needs no dropping. Returns the
/// capability that failed.
pub fn drop_bounding(keep: u64, last: u32) -> Result<(), (u32, Errno)> {
    let setpcap = sys::capget().is_ok_and(|c| c.effective & bit(CAP_SETPCAP) != 0);
    for cap in 0..=last {
        if keep & bit(cap) == 0 && (setpcap || sys::capbset_read(cap).unwrap_or(false)) {
            sys::capbset_drop(cap).map_err(|e| (cap, e))?;
        }
    }
    Ok(())
}

/// Sets effective, permitted and inheritable, then raises ambient.
pub fn apply_sets(c: &Capabilities, last: u32) -> Result<u64, (u32, Errno)> {
    let m = mask_upto(last);
    let sets = CapSets { effective: c.effective & m, permitted: c.permitted & m, inheritable: c.inheritable & m };
    sys::capset(sets).map_err(|e| (u32::MAX, e))?;
    sys::cap_ambient_clear_all().map_err(|e| (u32::MAX, e))?;
    let ambient = raisable_ambient(c) & m;
    // A raise refused (an early seccomp filter that denies it, a securebit)
    // is skipped and reported, as runc does (a warning, `ApplyCaps`): the
    // workload then holds less, never more.
    let mut skipped = 0;
    for cap in 0..=last {
        if ambient & bit(cap) != 0 && sys::cap_ambient_raise(cap).is_err() {
            skipped |= bit(cap);
        }
    }
    Ok(skipped)
}

/// PID 1 while the workload starts: nothing left in any set but CAP_KILL
/// when the workload may run as another uid (signals to it need it);
/// reaping needs no capability. And no_new_privs: PID 1 never executes
/// anything again, and if it did, no execve could give it back a
/// capability or another uid (setuid bits and file capabilities are
/// ignored, and what root's execve would grant is cut to what it has).
/// That is what a bounding set guards, so PID 1 leaves its own as it is:
/// one prctl instead of one per capability, on the path to the workload's
/// start.
pub fn drop_for_pid1(keep_kill: bool) -> Result<(), (u32, Errno)> {
    let keep = if keep_kill { bit(CAP_KILL) } else { 0 };
    sys::set_no_new_privs().map_err(|e| (u32::MAX, e))?;
    let cur = sys::capget().map_err(|e| (u32::MAX, e))?;
    sys::cap_ambient_clear_all().map_err(|e| (u32::MAX, e))?;
    let k = keep & cur.permitted;
    sys::capset(CapSets { effective: k, permitted: k, inheritable: 0 }).map_err(|e| (u32::MAX, e))
}

/// One warning per ambient capability whose raise was refused (the mask
/// `apply_sets` returned).
pub fn warn_skipped_ambient(skipped: u64) {
    for cap in (0..64).filter(|&cap| skipped & bit(cap) != 0) {
        crate::diag::warn(&crate::diag::Error::new(
            "capabilities",
            crate::diag::Object::Name(name(cap).as_bytes()),
            crate::diag::Reason::Text("ambient raise refused: skipped"),
        ));
    }
}

/// The name of a capability number, for messages.
pub fn name(cap: u32) -> &'static str {
    let name = text::nth_name(&PACKED, cap as usize);
    name.and_then(|n| core::str::from_utf8(n).ok()).unwrap_or("capabilities")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (i, n) in NAMES.iter().enumerate() {
            assert_eq!(from_name(n), Some(i as u32));
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

    #[test]
    fn masks_and_ambient() {
        assert_eq!(mask_upto(0), 1);
        assert_eq!(mask_upto(40), (1u64 << 41) - 1);
        assert_eq!(mask_upto(63), !0);
        let c = Capabilities { ambient: 0b111, permitted: 0b011, inheritable: 0b110, ..Default::default() };
        assert_eq!(raisable_ambient(&c), 0b010);
    }
}
