//! Arbitrary bytes → a seccomp profile (each byte a choice: default action,
//! architectures, rules with names, actions and argument conditions) →
//! nsinit's compiler. It must never panic; a profile it refuses, the
//! reference refuses the same way; a program it emits is valid classic BPF
//! and agrees with the reference evaluator (the semantics written out
//! plainly, in src/seccomp/compile/testkit.rs) on every candidate syscall
//! number and argument vector.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsinit::seccomp::compile::testkit::{Rng, agree_everywhere, arg, build, profile, reference};
use nsinit::seccomp::{ARCH_X32, ARCH_X86, ARCH_X86_64, Action, ArgCmp, Op};

/// Syscall names of every kind: plain, x32 twins, x86-only, multiplexed,
/// "64"-only, and one that exists nowhere.
const NAMES: &[&str] = &[
    "read", "write", "open", "close", "personality", "socket", "clone", "clone3", "execve", "readv",
    "rt_sigaction", "socketcall", "chown32", "mmap2", "epoll_ctl_old", "uselib", "io_uring_setup",
    "getpid", "mmap", "arch_prctl", "pwritev2", "futex", "no_such_syscall", "ipc", "waitpid", "kill",
    "ptrace", "setsockopt", "connect", "msgget",
];
const OPS: [Op; 7] = [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::MaskedEq];
const EDGES: [u64; 12] = [0, 1, 2, 40, 0xFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 0x8000_0000_0000_0000, u64::MAX - 1, u64::MAX];

/// The input as a stream of choices (0 once it runs out).
struct Choices<'d>(&'d [u8]);

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }
    fn below(&mut self, n: usize) -> usize {
        self.byte() as usize % n
    }
    fn value(&mut self) -> u64 {
        match self.byte() % 4 {
            0 => EDGES[self.below(EDGES.len())],
            1 => u64::from(self.byte()),
            _ => (0..8).fold(0u64, |v, _| v << 8 | u64::from(self.byte())),
        }
    }
    fn action(&mut self) -> Action {
        match self.byte() % 8 {
            0 => Action::KillProcess,
            1 => Action::KillThread,
            2 => Action::Trap,
            3 | 4 => Action::Errno(u16::from(self.byte() % 4)),
            5 => Action::Trace(u16::from(self.byte() % 2)),
            6 => Action::Log,
            _ => Action::Allow,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut c = Choices(data);
    let default = c.action();
    let bits = c.byte();
    let arches = ARCH_X86_64 | if bits & 1 != 0 { ARCH_X86 } else { 0 } | if bits & 2 != 0 { ARCH_X32 } else { 0 };
    let mut owned: Vec<(Vec<&str>, Action, Vec<ArgCmp>)> = vec![];
    for _ in 0..1 + c.below(8) {
        let names: Vec<&str> = (0..1 + c.below(4)).map(|_| NAMES[c.below(NAMES.len())]).collect();
        let args: Vec<ArgCmp> = (0..c.below(4))
            .map(|_| {
                let (index, op) = (c.below(3) as u8, OPS[c.below(OPS.len())]);
                arg(index, op, c.value(), c.value())
            })
            .collect();
        let action = c.action();
        owned.push((names, action, args));
    }
    let rules: Vec<_> = owned.iter().map(|(n, a, g)| (&n[..], *a, &g[..])).collect();
    let s = profile(default, arches, &rules);
    let want = reference::check(&s);
    match build(&s) {
        Ok(p) => {
            assert_eq!(want, Ok(()), "nsinit compiled what the reference refuses");
            let seed = data.iter().fold(0x9E37_79B9_7F4A_7C15u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01B3));
            agree_everywhere(&s, &p, &mut Rng(seed | 1), 2);
        }
        Err(e) => assert_eq!(want, Err(e), "nsinit and the reference refuse differently"),
    }
});
