//! Classic BPF as seccomp uses it: the opcodes, the `seccomp_data` layout and
//! the audit architecture values, each from the kernel header that defines
//! it, and constructors for `sock_filter` instructions. Nothing else in nsinit
//! spells a BPF opcode.

use libc::sock_filter;

// Instruction classes, sizes, modes, operations and sources:
// include/uapi/linux/bpf_common.h.
pub const BPF_LD: u16 = 0x00;
pub const BPF_ALU: u16 = 0x04;
pub const BPF_JMP: u16 = 0x05;
pub const BPF_RET: u16 = 0x06;
pub const BPF_W: u16 = 0x00;
pub const BPF_ABS: u16 = 0x20;
pub const BPF_AND: u16 = 0x50;
pub const BPF_JA: u16 = 0x00;
pub const BPF_JEQ: u16 = 0x10;
pub const BPF_JGT: u16 = 0x20;
pub const BPF_JGE: u16 = 0x30;
pub const BPF_JSET: u16 = 0x40;
pub const BPF_K: u16 = 0x00;

/// The longest program the kernel accepts (include/uapi/linux/bpf_common.h);
/// seccomp refuses longer ones with EINVAL (kernel/seccomp.c).
pub const BPF_MAXINSNS: usize = 4096;

/// The farthest a conditional jump reaches: `jt` and `jf` are u8 offsets.
/// Farther targets need a `BPF_JA`, whose offset `k` is 32 bits.
pub const MAX_COND_JUMP: usize = 255;

// `struct seccomp_data` (include/uapi/linux/seccomp.h):
//   int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6];
// Loads are 32-bit words; an argument is two words, low word first on the
// little-endian x86 ABIs.
pub const SECCOMP_DATA_NR: u32 = 0;
pub const SECCOMP_DATA_ARCH: u32 = 4;
pub const SECCOMP_DATA_ARGS: u32 = 16;
/// `sizeof(struct seccomp_data)`: loads must stay below it.
pub const SECCOMP_DATA_SIZE: u32 = 64;

/// Offset of the low word of `args[index]` (index 0..=5).
pub const fn arg_lo(index: u8) -> u32 {
    SECCOMP_DATA_ARGS + 8 * index as u32
}

/// Offset of the high word of `args[index]`.
pub const fn arg_hi(index: u8) -> u32 {
    arg_lo(index) + 4
}

// include/uapi/linux/audit.h: EM_X86_64 (62) | __AUDIT_ARCH_64BIT |
// __AUDIT_ARCH_LE, and EM_386 (3) | __AUDIT_ARCH_LE. The x32 ABI reports
// AUDIT_ARCH_X86_64 and marks its syscall numbers instead.
pub const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
pub const AUDIT_ARCH_I386: u32 = 0x4000_0003;

/// `__X32_SYSCALL_BIT` (arch/x86/include/uapi/asm/unistd.h): set in the
/// syscall number of every x32 call.
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// `BPF_STMT(code, k)` (include/uapi/linux/filter.h).
pub const fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter { code, jt: 0, jf: 0, k }
}

/// `BPF_JUMP(code, k, jt, jf)` (include/uapi/linux/filter.h).
pub const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

/// `A = *(u32 *)(seccomp_data + offset)`.
pub const fn load(offset: u32) -> sock_filter {
    stmt(BPF_LD | BPF_W | BPF_ABS, offset)
}

/// `A &= mask`.
pub const fn and(mask: u32) -> sock_filter {
    stmt(BPF_ALU | BPF_AND | BPF_K, mask)
}

/// `return k`: the filter's verdict.
pub const fn ret(k: u32) -> sock_filter {
    stmt(BPF_RET | BPF_K, k)
}

/// Skip `offset` instructions unconditionally.
pub const fn ja(offset: u32) -> sock_filter {
    stmt(BPF_JMP | BPF_JA, offset)
}

/// One `seccomp_data` (linux/seccomp.h) as a filter sees it.
#[derive(Clone, Copy, Debug)]
pub struct Data {
    pub nr: u32,
    pub arch: u32,
    pub args: [u64; 6],
}

impl Data {
    /// The 32-bit word at `off`, as `BPF_LD | BPF_W | BPF_ABS` loads it.
    fn word(&self, off: u32) -> Option<u32> {
        match off {
            SECCOMP_DATA_NR => Some(self.nr),
            SECCOMP_DATA_ARCH => Some(self.arch),
            8 | 12 => Some(0), // instruction_pointer
            _ => {
                let rel = off.checked_sub(SECCOMP_DATA_ARGS)?;
                let v = *self.args.get((rel / 8) as usize)?;
                Some(if rel % 8 == 0 { v as u32 } else { (v >> 32) as u32 })
            }
        }
    }
}

/// Runs a program over one `seccomp_data` with the kernel's semantics for
/// the instructions nsinit emits, and returns the action. `step` sees every
/// instruction executed. None for an instruction it does not know or a jump
/// out of the program (never for what the compiler produces). Jumps only go
/// forward, so this ends within `prog.len()` steps.
pub fn eval(prog: &[sock_filter], data: &Data, mut step: impl FnMut(&sock_filter)) -> Option<u32> {
    let (mut a, mut pc) = (0u32, 0usize);
    loop {
        let i = prog.get(pc)?;
        step(i);
        let mut next = pc + 1;
        match i.code {
            c if c == BPF_LD | BPF_W | BPF_ABS => a = data.word(i.k)?,
            c if c == BPF_ALU | BPF_AND | BPF_K => a &= i.k,
            c if c == BPF_RET | BPF_K => return Some(i.k),
            c if c == BPF_JMP | BPF_JA => next += i.k as usize,
            c => {
                let taken = match c {
                    c if c == BPF_JMP | BPF_JEQ | BPF_K => a == i.k,
                    c if c == BPF_JMP | BPF_JGT | BPF_K => a > i.k,
                    c if c == BPF_JMP | BPF_JGE | BPF_K => a >= i.k,
                    c if c == BPF_JMP | BPF_JSET | BPF_K => a & i.k != 0,
                    _ => return None,
                };
                next += if taken { i.jt } else { i.jf } as usize;
            }
        }
        pc = next;
    }
}

/// A tiny classic-BPF interpreter for tests: runs a program over one
/// `seccomp_data` and tells what it returned and what it looked at.
#[cfg(any(test, fuzzing))]
pub mod interp {
    use super::*;

    /// What one run did.
    #[derive(Debug, Clone, Copy)]
    pub struct Run {
        /// The returned action.
        pub ret: u32,
        /// Bit `off / 4` is set for every `seccomp_data` word loaded.
        pub loaded: u32,
        /// Only instructions the kernel's action-cache emulator understands
        /// were executed (kernel/seccomp.c `seccomp_is_const_allow`), and
        /// only `nr` and `arch` were loaded: the kernel would cache the
        /// verdict for this (arch, nr).
        pub constant: bool,
        /// Instructions executed.
        pub steps: usize,
    }

    /// Checks what the kernel checks when a filter is loaded
    /// (kernel/bpf/core.c `bpf_check_classic`, kernel/seccomp.c
    /// `seccomp_check_filter`) for the instructions nsinit emits: a length of
    /// 1..=4096, only known opcodes, aligned in-bounds loads, jumps that land
    /// inside the program, and a final return.
    pub fn validate(prog: &[sock_filter]) {
        assert!(!prog.is_empty() && prog.len() <= BPF_MAXINSNS, "length {}", prog.len());
        for (pc, i) in prog.iter().enumerate() {
            let left = prog.len() - pc - 1;
            match i.code {
                c if c == BPF_LD | BPF_W | BPF_ABS => {
                    assert!(i.k < SECCOMP_DATA_SIZE && i.k % 4 == 0, "pc {pc}: bad load {}", i.k)
                }
                c if c == BPF_ALU | BPF_AND | BPF_K => {}
                c if c == BPF_RET | BPF_K => {}
                c if c == BPF_JMP | BPF_JA => assert!((i.k as usize) < left, "pc {pc}: ja out of range"),
                c if c == BPF_JMP | BPF_JEQ | BPF_K
                    || c == BPF_JMP | BPF_JGT | BPF_K
                    || c == BPF_JMP | BPF_JGE | BPF_K
                    || c == BPF_JMP | BPF_JSET | BPF_K =>
                {
                    assert!((i.jt as usize) < left && (i.jf as usize) < left, "pc {pc}: jump out of range")
                }
                c => panic!("pc {pc}: unexpected opcode {c:#x}"),
            }
        }
        let last = prog[prog.len() - 1];
        assert_eq!(last.code, BPF_RET | BPF_K, "the program must end with a return");
    }

    pub fn run(prog: &[sock_filter], arch: u32, nr: u32, args: [u64; 6]) -> Run {
        let (mut loaded, mut steps) = (0u32, 0usize);
        let ret = eval(prog, &Data { nr, arch, args }, |i| {
            steps += 1;
            if i.code == BPF_LD | BPF_W | BPF_ABS {
                loaded |= 1 << (i.k / 4);
            }
        })
        .expect("a program the interpreter understands");
        Run { ret, loaded, constant: loaded & !0b11 == 0, steps }
    }

    /// The most instructions any run can execute: the longest path through
    /// the (acyclic, forward-only) program.
    pub fn longest_path(prog: &[sock_filter]) -> usize {
        let mut longest = vec![0usize; prog.len()];
        for pc in (0..prog.len()).rev() {
            let i = prog[pc];
            longest[pc] = 1 + match i.code {
                c if c == BPF_RET | BPF_K => 0,
                c if c == BPF_JMP | BPF_JA => longest[pc + 1 + i.k as usize],
                c if c & 0x07 == BPF_JMP => longest[pc + 1 + i.jt as usize].max(longest[pc + 1 + i.jf as usize]),
                _ => longest[pc + 1],
            };
        }
        longest[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The constants match the libc crate's copies of the same headers.
    #[test]
    fn constants_match_libc() {
        let rows: &[(&str, u32, u32)] = &[
            ("BPF_LD", BPF_LD as u32, libc::BPF_LD),
            ("BPF_ALU", BPF_ALU as u32, libc::BPF_ALU),
            ("BPF_JMP", BPF_JMP as u32, libc::BPF_JMP),
            ("BPF_RET", BPF_RET as u32, libc::BPF_RET),
            ("BPF_W", BPF_W as u32, libc::BPF_W),
            ("BPF_ABS", BPF_ABS as u32, libc::BPF_ABS),
            ("BPF_AND", BPF_AND as u32, libc::BPF_AND),
            ("BPF_JA", BPF_JA as u32, libc::BPF_JA),
            ("BPF_JEQ", BPF_JEQ as u32, libc::BPF_JEQ),
            ("BPF_JGT", BPF_JGT as u32, libc::BPF_JGT),
            ("BPF_JGE", BPF_JGE as u32, libc::BPF_JGE),
            ("BPF_JSET", BPF_JSET as u32, libc::BPF_JSET),
            ("BPF_K", BPF_K as u32, libc::BPF_K),
            ("BPF_MAXINSNS", BPF_MAXINSNS as u32, libc::BPF_MAXINSNS as u32),
            // __AUDIT_ARCH_64BIT 0x80000000, __AUDIT_ARCH_LE 0x40000000.
            ("AUDIT_ARCH_X86_64", AUDIT_ARCH_X86_64, libc::EM_X86_64 as u32 | 0x8000_0000 | 0x4000_0000),
            ("AUDIT_ARCH_I386", AUDIT_ARCH_I386, libc::EM_386 as u32 | 0x4000_0000),
            ("SECCOMP_DATA_SIZE", SECCOMP_DATA_SIZE, core::mem::size_of::<libc::seccomp_data>() as u32),
        ];
        for (name, ours, theirs) in rows {
            assert_eq!(ours, theirs, "{name}");
        }
        assert_eq!((arg_lo(0), arg_hi(0), arg_lo(5), arg_hi(5)), (16, 20, 56, 60));
    }

    #[test]
    fn interpreter_runs_the_vocabulary() {
        // if arch == I386 && args[1].hi & 0xf0 == 0x10 { 7 } else { 9 }
        let prog = [
            load(SECCOMP_DATA_ARCH),
            jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 5),
            load(arg_hi(1)),
            and(0xf0),
            jump(BPF_JMP | BPF_JEQ | BPF_K, 0x10, 1, 0),
            ja(1),
            ret(7),
            ret(9),
        ];
        interp::validate(&prog);
        let r = interp::run(&prog, AUDIT_ARCH_I386, 0, [0, 0x1f_0000_0000, 0, 0, 0, 0]);
        assert_eq!((r.ret, r.loaded, r.constant, r.steps), (7, 0b1000_0010, false, 6));
        let r = interp::run(&prog, AUDIT_ARCH_I386, 0, [0; 6]);
        assert_eq!((r.ret, r.steps), (9, 7));
        let r = interp::run(&prog, AUDIT_ARCH_X86_64, 0, [0; 6]);
        assert_eq!((r.ret, r.loaded, r.constant), (9, 0b10, true));
        assert_eq!(interp::longest_path(&prog), 7);
    }
}
