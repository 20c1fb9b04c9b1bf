//! seccomp: the filter's vocabulary as the spec gives it (pure), the compiler
//! to classic BPF, and the loader.

pub mod arch;
pub mod bpf;
pub mod compile;
pub mod load;

/// What the filter does with a matching syscall. The data (errno, trace
/// message) is resolved when the spec is read: runc gives `SCMP_ACT_ERRNO`
/// and `SCMP_ACT_TRACE` EPERM when no `errnoRet` is given.
/// `repr(u8)`: the tag is the variant's index, so all-zero bytes are a
/// valid `KillProcess` (the parsed spec starts zeroed).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    KillProcess,
    KillThread,
    Trap,
    Errno(u16),
    Trace(u16),
    Log,
    Allow,
}

/// The kernel's return values (linux/seccomp.h).
pub const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;
pub const SECCOMP_RET_KILL_THREAD: u32 = 0x0000_0000;
pub const SECCOMP_RET_TRAP: u32 = 0x0003_0000;
pub const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
pub const SECCOMP_RET_TRACE: u32 = 0x7ff0_0000;
pub const SECCOMP_RET_LOG: u32 = 0x7ffc_0000;
pub const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;

impl Action {
    /// The `SCMP_ACT_*` name, without its data. `NOTIFY` is recognised so
    /// that it can be refused by name.
    pub fn kind_from_name(name: &[u8]) -> Option<ActionKind> {
        Some(match name {
            b"SCMP_ACT_KILL" | b"SCMP_ACT_KILL_THREAD" => ActionKind::KillThread,
            b"SCMP_ACT_KILL_PROCESS" => ActionKind::KillProcess,
            b"SCMP_ACT_TRAP" => ActionKind::Trap,
            b"SCMP_ACT_ERRNO" => ActionKind::Errno,
            b"SCMP_ACT_TRACE" => ActionKind::Trace,
            b"SCMP_ACT_LOG" => ActionKind::Log,
            b"SCMP_ACT_ALLOW" => ActionKind::Allow,
            b"SCMP_ACT_NOTIFY" => ActionKind::Notify,
            _ => return None,
        })
    }

    /// The `SECCOMP_RET_*` value the filter returns.
    pub fn ret(self) -> u32 {
        match self {
            Action::KillProcess => SECCOMP_RET_KILL_PROCESS,
            Action::KillThread => SECCOMP_RET_KILL_THREAD,
            Action::Trap => SECCOMP_RET_TRAP,
            Action::Errno(e) => SECCOMP_RET_ERRNO | e as u32,
            Action::Trace(m) => SECCOMP_RET_TRACE | m as u32,
            Action::Log => SECCOMP_RET_LOG,
            Action::Allow => SECCOMP_RET_ALLOW,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    KillProcess,
    KillThread,
    Trap,
    Errno,
    Trace,
    Log,
    Allow,
    Notify,
}

impl ActionKind {
    /// The action with its data: `errno_ret` for ERRNO and TRACE, EPERM when absent.
    pub fn with_data(self, errno_ret: Option<u16>) -> Option<Action> {
        let data = errno_ret.unwrap_or(libc::EPERM as u16);
        Some(match self {
            ActionKind::KillProcess => Action::KillProcess,
            ActionKind::KillThread => Action::KillThread,
            ActionKind::Trap => Action::Trap,
            ActionKind::Errno => Action::Errno(data),
            ActionKind::Trace => Action::Trace(data),
            ActionKind::Log => Action::Log,
            ActionKind::Allow => Action::Allow,
            ActionKind::Notify => return None,
        })
    }
}

/// A comparison of one syscall argument (`SCMP_CMP_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Ne,
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
    MaskedEq,
}

impl Op {
    pub fn from_name(name: &[u8]) -> Option<Op> {
        Some(match name {
            b"SCMP_CMP_NE" => Op::Ne,
            b"SCMP_CMP_LT" => Op::Lt,
            b"SCMP_CMP_LE" => Op::Le,
            b"SCMP_CMP_EQ" => Op::Eq,
            b"SCMP_CMP_GE" => Op::Ge,
            b"SCMP_CMP_GT" => Op::Gt,
            b"SCMP_CMP_MASKED_EQ" => Op::MaskedEq,
            _ => return None,
        })
    }
}

/// One argument condition: `args[index] op value` (for `MaskedEq`,
/// `args[index] & value == value_two`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgCmp {
    pub index: u8,
    pub op: Op,
    pub value: u64,
    pub value_two: u64,
}

/// Architectures nsinit has syscall tables for; every other listed one is
/// accepted and, having no table, killed by the architecture check.
pub const ARCH_X86_64: u8 = 1;
pub const ARCH_X86: u8 = 2;
pub const ARCH_X32: u8 = 4;

/// The `SCMP_ARCH_*` names libseccomp knows: Some(bit) for those with a
/// table here, Some(0) for the rest.
pub fn arch_from_name(name: &[u8]) -> Option<u8> {
    Some(match name {
        b"SCMP_ARCH_X86_64" | b"SCMP_ARCH_NATIVE" => ARCH_X86_64,
        b"SCMP_ARCH_X86" => ARCH_X86,
        b"SCMP_ARCH_X32" => ARCH_X32,
        b"SCMP_ARCH_ARM" | b"SCMP_ARCH_AARCH64" | b"SCMP_ARCH_MIPS" | b"SCMP_ARCH_MIPS64" | b"SCMP_ARCH_MIPS64N32"
        | b"SCMP_ARCH_MIPSEL" | b"SCMP_ARCH_MIPSEL64" | b"SCMP_ARCH_MIPSEL64N32" | b"SCMP_ARCH_PPC"
        | b"SCMP_ARCH_PPC64" | b"SCMP_ARCH_PPC64LE" | b"SCMP_ARCH_S390" | b"SCMP_ARCH_S390X"
        | b"SCMP_ARCH_PARISC" | b"SCMP_ARCH_PARISC64" | b"SCMP_ARCH_RISCV64" | b"SCMP_ARCH_LOONGARCH64"
        | b"SCMP_ARCH_M68K" | b"SCMP_ARCH_SH" | b"SCMP_ARCH_SHEB" => 0,
        _ => return None,
    })
}

/// `SECCOMP_FILTER_FLAG_*` (linux/seccomp.h).
pub const SECCOMP_FILTER_FLAG_TSYNC: u32 = 1;
pub const SECCOMP_FILTER_FLAG_LOG: u32 = 2;
pub const SECCOMP_FILTER_FLAG_SPEC_ALLOW: u32 = 4;

/// The kernel flag of an OCI `flags` entry. `WAIT_KILLABLE_RECV` only
/// changes how a notify listener waits; without a listener it has no effect,
/// so it maps to no flag.
pub fn flag_from_name(name: &[u8]) -> Option<u32> {
    Some(match name {
        b"SECCOMP_FILTER_FLAG_TSYNC" => SECCOMP_FILTER_FLAG_TSYNC,
        b"SECCOMP_FILTER_FLAG_LOG" => SECCOMP_FILTER_FLAG_LOG,
        b"SECCOMP_FILTER_FLAG_SPEC_ALLOW" => SECCOMP_FILTER_FLAG_SPEC_ALLOW,
        b"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" => 0,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions() {
        let rows: &[(&str, Option<u16>, Option<Action>)] = &[
            ("SCMP_ACT_ALLOW", None, Some(Action::Allow)),
            ("SCMP_ACT_ERRNO", None, Some(Action::Errno(1))),
            ("SCMP_ACT_ERRNO", Some(38), Some(Action::Errno(38))),
            ("SCMP_ACT_TRACE", None, Some(Action::Trace(1))),
            ("SCMP_ACT_KILL", None, Some(Action::KillThread)),
            ("SCMP_ACT_KILL_THREAD", None, Some(Action::KillThread)),
            ("SCMP_ACT_KILL_PROCESS", None, Some(Action::KillProcess)),
            ("SCMP_ACT_TRAP", None, Some(Action::Trap)),
            ("SCMP_ACT_LOG", None, Some(Action::Log)),
            ("SCMP_ACT_NOTIFY", None, None),
        ];
        for (name, data, want) in rows {
            let kind = Action::kind_from_name(name.as_bytes()).unwrap();
            assert_eq!(kind.with_data(*data), *want, "{name}");
        }
        assert_eq!(Action::kind_from_name(b"SCMP_ACT_BOGUS"), None);
        assert_eq!(Action::Errno(38).ret(), 0x0005_0026);
        assert_eq!(Action::KillProcess.ret(), 0x8000_0000);
    }

    #[test]
    fn names() {
        assert_eq!(Op::from_name(b"SCMP_CMP_MASKED_EQ"), Some(Op::MaskedEq));
        assert_eq!(Op::from_name(b"SCMP_CMP_XX"), None);
        assert_eq!(arch_from_name(b"SCMP_ARCH_X86_64"), Some(ARCH_X86_64));
        assert_eq!(arch_from_name(b"SCMP_ARCH_X32"), Some(ARCH_X32));
        assert_eq!(arch_from_name(b"SCMP_ARCH_AARCH64"), Some(0));
        assert_eq!(arch_from_name(b"x86_64"), None);
        assert_eq!(flag_from_name(b"SECCOMP_FILTER_FLAG_LOG"), Some(2));
        assert_eq!(flag_from_name(b"SECCOMP_FILTER_FLAG_NEW_LISTENER"), None);
    }
}
