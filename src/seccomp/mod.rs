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
        use ActionKind::*;
        const KINDS: [ActionKind; 9] = [KillThread, KillThread, KillProcess, Trap, Errno, Trace, Log, Allow, Notify];
        KINDS.get(named(name, b"SCMP_ACT_", b"KILL KILL_THREAD KILL_PROCESS TRAP ERRNO TRACE LOG ALLOW NOTIFY")?).copied()
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
    /// Never inlined: -23 B, one call per rule at parse time.
    #[inline(never)]
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
        use Op::*;
        const OPS: [Op; 7] = [Ne, Lt, Le, Eq, Ge, Gt, MaskedEq];
        OPS.get(named(name, b"SCMP_CMP_", b"NE LT LE EQ GE GT MASKED_EQ")?).copied()
    }
}

/// The position of `name` among `prefix` followed by one of the
/// space-separated `suffixes`. A table, not a `match`: rustc compiles a
/// match on byte strings to a compare sequence per arm, some 4 KiB of code
/// for the names of this module.
fn named(name: &[u8], prefix: &[u8], suffixes: &[u8]) -> Option<usize> {
    let suffix = name.strip_prefix(prefix)?;
    suffixes.split(|&c| c == b' ').position(|s| s == suffix)
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
    // The first four have tables; the others are all 0.
    const TABLES: [u8; 4] = [ARCH_X86_64, ARCH_X86_64, ARCH_X86, ARCH_X32];
    let names = b"X86_64 NATIVE X86 X32 ARM AARCH64 MIPS MIPS64 MIPS64N32 MIPSEL MIPSEL64 MIPSEL64N32 PPC PPC64 \
        PPC64LE S390 S390X PARISC PARISC64 RISCV64 LOONGARCH64 M68K SH SHEB";
    let i = named(name, b"SCMP_ARCH_", names)?;
    Some(TABLES.get(i).copied().unwrap_or(0))
}

/// `SECCOMP_FILTER_FLAG_*` (linux/seccomp.h).
pub const SECCOMP_FILTER_FLAG_TSYNC: u32 = 1;
pub const SECCOMP_FILTER_FLAG_LOG: u32 = 2;
pub const SECCOMP_FILTER_FLAG_SPEC_ALLOW: u32 = 4;

/// The kernel flag of an OCI `flags` entry. `WAIT_KILLABLE_RECV` only
/// changes how a notify listener waits; without a listener it has no effect,
/// so it maps to no flag.
pub fn flag_from_name(name: &[u8]) -> Option<u32> {
    const FLAGS: [u32; 4] = [SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, 0];
    FLAGS.get(named(name, b"SECCOMP_FILTER_FLAG_", b"TSYNC LOG SPEC_ALLOW WAIT_KILLABLE_RECV")?).copied()
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

    /// Every name the tables know, exactly, and nothing near them.
    #[test]
    fn name_tables() {
        let actions: &[(&str, ActionKind)] = &[
            ("SCMP_ACT_KILL", ActionKind::KillThread),
            ("SCMP_ACT_KILL_THREAD", ActionKind::KillThread),
            ("SCMP_ACT_KILL_PROCESS", ActionKind::KillProcess),
            ("SCMP_ACT_TRAP", ActionKind::Trap),
            ("SCMP_ACT_ERRNO", ActionKind::Errno),
            ("SCMP_ACT_TRACE", ActionKind::Trace),
            ("SCMP_ACT_LOG", ActionKind::Log),
            ("SCMP_ACT_ALLOW", ActionKind::Allow),
            ("SCMP_ACT_NOTIFY", ActionKind::Notify),
        ];
        for &(name, kind) in actions {
            assert_eq!(Action::kind_from_name(name.as_bytes()), Some(kind), "{name}");
        }
        let ops = [
            ("NE", Op::Ne),
            ("LT", Op::Lt),
            ("LE", Op::Le),
            ("EQ", Op::Eq),
            ("GE", Op::Ge),
            ("GT", Op::Gt),
            ("MASKED_EQ", Op::MaskedEq),
        ];
        for (name, op) in ops {
            assert_eq!(Op::from_name(format!("SCMP_CMP_{name}").as_bytes()), Some(op), "{name}");
        }
        let arches = [
            ("X86_64", ARCH_X86_64),
            ("NATIVE", ARCH_X86_64),
            ("X86", ARCH_X86),
            ("X32", ARCH_X32),
        ];
        let others = "ARM AARCH64 MIPS MIPS64 MIPS64N32 MIPSEL MIPSEL64 MIPSEL64N32 PPC PPC64 PPC64LE S390 S390X PARISC \
            PARISC64 RISCV64 LOONGARCH64 M68K SH SHEB";
        let all = arches.into_iter().chain(others.split(' ').map(|n| (n, 0)));
        assert_eq!(all.clone().count(), 24);
        for (name, bit) in all {
            assert_eq!(arch_from_name(format!("SCMP_ARCH_{name}").as_bytes()), Some(bit), "{name}");
        }
        let flags = [("TSYNC", 1), ("LOG", 2), ("SPEC_ALLOW", 4), ("WAIT_KILLABLE_RECV", 0)];
        for (name, flag) in flags {
            assert_eq!(flag_from_name(format!("SECCOMP_FILTER_FLAG_{name}").as_bytes()), Some(flag), "{name}");
        }
        let near: &[&[u8]] = &[
            b"",
            b"SCMP_ACT_",
            b"SCMP_ACT_ALLOW ",
            b"SCMP_ACT_ALLOW\0",
            b"SCMP_ACT_KILL KILL_THREAD",
            b"scmp_act_allow",
            b"ALLOW",
            b"SCMP_CMP_",
            b"SCMP_ARCH_",
            b"SCMP_ARCH_X86 X32",
            b"SCMP_ARCH_PPC64 ",
            b"SECCOMP_FILTER_FLAG_",
            b"SECCOMP_FILTER_FLAG_LOG_",
        ];
        for &name in near {
            assert_eq!(Action::kind_from_name(name), None, "{name:?}");
            assert_eq!(Op::from_name(name), None, "{name:?}");
            assert_eq!(arch_from_name(name), None, "{name:?}");
            assert_eq!(flag_from_name(name), None, "{name:?}");
        }
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
