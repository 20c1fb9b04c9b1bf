//! What the compiler's tests and the seccomp fuzz target check programs
//! against: `reference`, an evaluator written straight from the semantics
//! in the compiler's module doc (no BPF, no tables of its own making, plain
//! `Vec`s and 64-bit comparisons), profile builders, and the candidate
//! numbers and arguments worth trying. Built for tests and for fuzzing
//! (`--cfg fuzzing`, where the library has std), never into the binary.

use super::*;

use crate::seccomp::bpf::interp;
use crate::seccomp::{ARCH_X86_64, SECCOMP_RET_ERRNO};
use crate::spec::{Spec, Str};
use crate::sys::cell::Zeroable;
use std::ffi::CString;

pub const AUDIT_ARCH_AARCH64: u32 = 0xC000_00B7;
pub const X32: u32 = X32_SYSCALL_BIT;
pub const KILL: u32 = SECCOMP_RET_KILL_PROCESS;
pub const ALL_ARCHES: u8 = ARCH_X86_64 | ARCH_X86 | ARCH_X32;

/// A boxed all-zero `T`, as the binary's statics start.
pub fn zeroed<T: Zeroable>() -> Box<T> {
    // SAFETY: Zeroable promises all-zero bytes are a valid T.
    unsafe { Box::<T>::new_zeroed().assume_init() }
}

pub fn leak(s: &str) -> Str<'static> {
    Str::new(Box::leak(CString::new(s).unwrap().into_boxed_c_str()))
}

pub fn arg(index: u8, op: Op, value: u64, value_two: u64) -> ArgCmp {
    ArgCmp { index, op, value, value_two }
}

pub type RuleSpec<'r> = (&'r [&'r str], Action, &'r [ArgCmp]);

/// A `Seccomp` as `spec::parse` would build it.
pub fn profile(default: Action, architectures: u8, rules: &[RuleSpec]) -> Box<Seccomp<'static>> {
    let mut s = Box::new(Seccomp::new());
    s.present = true;
    s.default_action = default;
    s.architectures = architectures;
    for (names, action, args) in rules {
        let n0 = s.names.len() as u16;
        for n in *names {
            s.names.push(leak(n)).unwrap();
        }
        let a0 = s.args.len() as u16;
        for a in *args {
            s.args.push(*a).unwrap();
        }
        let rule = Rule { action: *action, names: (n0, names.len() as u16), args: (a0, args.len() as u16) };
        s.rules.push(rule).unwrap();
    }
    s
}

pub fn build(s: &Seccomp) -> core::result::Result<Box<Program>, CompileError> {
    let mut c = zeroed::<Compiler>();
    let mut p = zeroed::<Program>();
    c.compile(s, &mut p)?;
    interp::validate(p.as_slice());
    Ok(p)
}

/// The Docker profile of ../shared/fixtures, parsed by `spec::parse`.
pub fn docker() -> Box<Spec<'static>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/docker-default-seccomp.json");
    let fixture = std::fs::read_to_string(path).unwrap();
    let doc = format!("{{\"linux\":{{\"seccomp\":{fixture}}}}}");
    let doc: &'static mut [u8] = Box::leak(doc.into_bytes().into_boxed_slice());
    let mut spec = zeroed::<Spec<'static>>();
    crate::spec::parse(doc, &mut spec).unwrap();
    assert!(spec.linux.seccomp.present);
    spec
}

pub fn errno(e: u16) -> u32 {
    SECCOMP_RET_ERRNO | u32::from(e)
}

/// The interpreter's verdict, checked against the reference.
#[track_caller]
pub fn verdict(s: &Seccomp<'static>, p: &Program, arch: u32, nr: u32, args: [u64; 6]) -> u32 {
    let got = interp::run(p.as_slice(), arch, nr, args).ret;
    let want = reference::eval(s, arch, nr, args);
    assert_eq!(got, want, "arch {arch:#x} nr {nr:#x} args {args:x?}: program {got:#x}, reference {want:#x}");
    got
}

pub mod reference {
    //! The semantics of the module doc, evaluated directly.

    use super::*;
    use core::str::FromStr;

    /// Names to numbers from the `syscalls` crate's own lookups, and for
    /// x32 from syscall_64.tbl as typed below (memoised: the crate's lookup
    /// is a long string match, slow in debug builds).
    pub fn sysno(abi: Abi, name: &'static str) -> Option<u32> {
        use std::cell::RefCell;
        use std::collections::HashMap;
        thread_local! {
            // Keyed by the address of the (leaked, never freed) name.
            static MEMO: RefCell<HashMap<(u8, usize, usize), Option<u32>>> = RefCell::new(HashMap::new());
        }
        let key = (abi.bit(), name.as_ptr() as usize, name.len());
        if let Some(nr) = MEMO.with(|m| m.borrow().get(&key).copied()) {
            return nr;
        }
        let nr = lookup(abi, name);
        MEMO.with(|m| m.borrow_mut().insert(key, nr));
        nr
    }

    fn lookup(abi: Abi, name: &str) -> Option<u32> {
        // Newer than the crate: syscall_64.tbl ("common") and syscall_32.tbl
        // of Linux 7.1.
        const NEWER: [(&str, u32); 2] = [("listns", 470), ("rseq_slice_yield", 471)];
        if let Some(&(_, nr)) = NEWER.iter().find(|(n, _)| *n == name) {
            return Some(if abi == Abi::X32 { nr | X32 } else { nr });
        }
        // The crate's raw identifier for i386's `break`.
        let name = if name == "break" { "r#break" } else { name };
        match abi {
            Abi::X86_64 => syscalls::x86_64::Sysno::from_str(name).ok().map(|s| s.id() as u32),
            Abi::X86 => syscalls::x86::Sysno::from_str(name).ok().map(|s| s.id() as u32),
            Abi::X32 => {
                const TWINS: [(&str, u32); 36] = [
                    ("rt_sigaction", 512),
                    ("rt_sigreturn", 513),
                    ("ioctl", 514),
                    ("readv", 515),
                    ("writev", 516),
                    ("recvfrom", 517),
                    ("sendmsg", 518),
                    ("recvmsg", 519),
                    ("execve", 520),
                    ("ptrace", 521),
                    ("rt_sigpending", 522),
                    ("rt_sigtimedwait", 523),
                    ("rt_sigqueueinfo", 524),
                    ("sigaltstack", 525),
                    ("timer_create", 526),
                    ("mq_notify", 527),
                    ("kexec_load", 528),
                    ("waitid", 529),
                    ("set_robust_list", 530),
                    ("get_robust_list", 531),
                    ("vmsplice", 532),
                    ("move_pages", 533),
                    ("preadv", 534),
                    ("pwritev", 535),
                    ("rt_tgsigqueueinfo", 536),
                    ("recvmmsg", 537),
                    ("sendmmsg", 538),
                    ("process_vm_readv", 539),
                    ("process_vm_writev", 540),
                    ("setsockopt", 541),
                    ("getsockopt", 542),
                    ("io_setup", 543),
                    ("io_submit", 544),
                    ("execveat", 545),
                    ("preadv2", 546),
                    ("pwritev2", 547),
                ];
                const NOT_X32: [&str; 11] = [
                    "uselib",
                    "_sysctl",
                    "create_module",
                    "get_kernel_syms",
                    "query_module",
                    "nfsservctl",
                    "set_thread_area",
                    "get_thread_area",
                    "epoll_ctl_old",
                    "epoll_wait_old",
                    "vserver",
                ];
                if let Some((_, nr)) = TWINS.iter().find(|(n, _)| *n == name) {
                    return Some(nr | X32);
                }
                if NOT_X32.contains(&name) {
                    return None;
                }
                lookup(Abi::X86_64, name).map(|nr| nr | X32)
            }
        }
    }

    /// A condition as compared: (index, op, mask, masked datum).
    type C = (u8, Op, u64, u64);

    #[derive(Clone, Debug)]
    pub struct Unit {
        pub conds: Vec<C>,
        pub action: Action,
    }

    fn width(abi: Abi) -> u64 {
        if abi == Abi::X86_64 { u64::MAX } else { 0xFFFF_FFFF }
    }

    fn normal(a: &ArgCmp, abi: Abi) -> Option<C> {
        let w = width(abi);
        let (mask, datum) =
            if a.op == Op::MaskedEq { (a.value & w, a.value & a.value_two & w) } else { (w, a.value & w) };
        (mask != 0).then_some((a.index, a.op, mask, datum))
    }

    fn rule_args<'s>(s: &'s Seccomp, r: &Rule) -> &'s [ArgCmp] {
        &s.args[r.args.0 as usize..(r.args.0 + r.args.1) as usize]
    }

    fn rule_names(s: &Seccomp<'static>, r: &Rule) -> impl Iterator<Item = &'static str> {
        s.names[r.names.0 as usize..(r.names.0 + r.names.1) as usize]
            .iter()
            .map(|n| core::str::from_utf8(n.to_bytes()).unwrap())
    }

    /// On x86, libseccomp also filters socket and IPC syscalls through
    /// socketcall(2) and ipc(2): (multiplexer, call number).
    pub fn muxed(abi: Abi, name: &str) -> Option<(u32, u64)> {
        const SOCKETCALL: [&str; 20] = [
            "socket",
            "bind",
            "connect",
            "listen",
            "accept",
            "getsockname",
            "getpeername",
            "socketpair",
            "send",
            "recv",
            "sendto",
            "recvfrom",
            "shutdown",
            "setsockopt",
            "getsockopt",
            "sendmsg",
            "recvmsg",
            "accept4",
            "recvmmsg",
            "sendmmsg",
        ];
        const IPC: [(&str, u64); 12] = [
            ("semop", 1),
            ("semget", 2),
            ("semctl", 3),
            ("semtimedop", 4),
            ("msgsnd", 11),
            ("msgrcv", 12),
            ("msgget", 13),
            ("msgctl", 14),
            ("shmat", 21),
            ("shmdt", 22),
            ("shmget", 23),
            ("shmctl", 24),
        ];
        if abi != Abi::X86 {
            return None;
        }
        if let Some(i) = SOCKETCALL.iter().position(|n| *n == name) {
            return Some((102, i as u64 + 1));
        }
        IPC.iter().find(|(n, _)| *n == name).map(|&(_, call)| (117, call))
    }

    /// runc's split: one unit per condition when an index repeats; for a
    /// multiplexed form, `args[0] == call` replaces any condition on args[0].
    fn units(s: &Seccomp, r: &Rule, abi: Abi, call: Option<u64>) -> Vec<Unit> {
        let args = rule_args(s, r);
        let repeats = (0..6).any(|i| args.iter().filter(|a| a.index == i).count() > 1);
        let unit = |args: &[ArgCmp]| {
            let mut conds: Vec<C> = args.iter().filter_map(|a| normal(a, abi)).collect();
            if let Some(call) = call {
                conds.retain(|c| c.0 != 0);
                conds.push(normal(&arg(0, Op::Eq, call, 0), abi).unwrap());
            }
            conds.sort_by_key(|c| c.0);
            Unit { conds, action: r.action }
        };
        if repeats { args.chunks(1).map(unit).collect() } else { vec![unit(args)] }
    }

    pub enum Verdict {
        Always(Action),
        Kept(Vec<Unit>),
    }

    /// libseccomp's handling of several rules for one syscall.
    pub fn decide(s: &Seccomp<'static>, abi: Abi, nr: u32) -> core::result::Result<Verdict, CompileError> {
        let mut kept: Vec<Unit> = Vec::new();
        for (ri, r) in s.rules.iter().enumerate() {
            if r.action == s.default_action {
                continue;
            }
            for (ni, name) in rule_names(s, r).enumerate() {
                let call = match muxed(abi, name) {
                    Some((mux, call)) if mux == nr => Some(call),
                    _ if sysno(abi, name) == Some(nr) => None,
                    _ => continue,
                };
                for u in units(s, r, abi, call) {
                    if u.conds.is_empty() {
                        return Ok(Verdict::Always(r.action));
                    }
                    add(&mut kept, u).map_err(|()| CompileError::Conflict { rule: ri as u16, name: ni as u16 })?;
                }
            }
        }
        Ok(Verdict::Kept(in_tree_order(kept, abi)))
    }

    /// One node of libseccomp's rule tree (src/db.c `_db_rule_gen_64`,
    /// `_db_rule_gen_32`): the argument word (`2 * index`, + 1 for the
    /// high word), the operator as the node compares (NE as EQ, LT as GE,
    /// LE as GT; a 64-bit high word GT for all four orderings), the
    /// original operator, the masked datum and the mask.
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Node {
        word: u8,
        op: Op,
        orig: Op,
        datum: u32,
        mask: u32,
    }

    fn nodes(c: &C, abi: Abi) -> Vec<Node> {
        let &(index, orig, mask, datum) = c;
        let lo_op = match orig {
            Op::Ne => Op::Eq,
            Op::Lt => Op::Ge,
            Op::Le => Op::Gt,
            op => op,
        };
        let lo = Node { word: 2 * index, op: lo_op, orig, datum: datum as u32, mask: mask as u32 };
        if abi != Abi::X86_64 {
            return vec![lo];
        }
        let hi_op = match orig {
            Op::Ne | Op::Eq => Op::Eq,
            Op::MaskedEq => Op::MaskedEq,
            _ => Op::Gt,
        };
        // The high word's EQ node of the orderings follows from its GT
        // node: equal when those are.
        vec![Node { word: 2 * index + 1, op: hi_op, orig, datum: (datum >> 32) as u32, mask: (mask >> 32) as u32 }, lo]
    }

    /// `_db_chain_eq`: nodes libseccomp merges.
    fn node_eq(a: &Node, b: &Node) -> bool {
        a.word == b.word && a.op == b.op && a.datum == b.datum && a.mask == b.mask
    }

    /// `_db_chain_lt`: by argument word, then operator class (EQ, NE,
    /// MASKED_EQ above LT, LE above GT, GE), then datum (a smaller one
    /// first for LT and LE, a larger one first otherwise).
    fn node_lt(a: &Node, b: &Node) -> bool {
        let class = |op: Op| match op {
            Op::Eq | Op::Ne | Op::MaskedEq => 3,
            Op::Lt | Op::Le => 2,
            Op::Gt | Op::Ge => 1,
        };
        if a.word != b.word {
            return a.word < b.word;
        }
        if class(a.orig) != class(b.orig) {
            return class(a.orig) < class(b.orig);
        }
        if matches!(a.orig, Op::Lt | Op::Le) { a.datum > b.datum } else { a.datum < b.datum }
    }

    /// The kept rules in the order libseccomp's filter tries them: it
    /// merges them into a tree, walking a level in order: a new node merges
    /// with an equal one, or goes before the first that is `node_lt` it
    /// (`_db_tree_add`), and the filter walks that tree depth first, each
    /// level in order, falling through to the next node when a subtree
    /// does not match (src/gen_bpf.c `_gen_bpf_chain`). Built here as
    /// that tree, then walked.
    fn in_tree_order(kept: Vec<Unit>, abi: Abi) -> Vec<Unit> {
        struct T {
            node: Node,
            next: Vec<usize>,
            ends: Vec<usize>,
        }
        let mut tree: Vec<T> = vec![];
        let mut top: Vec<usize> = vec![];
        for (u, unit) in kept.iter().enumerate() {
            let path: Vec<Node> = unit.conds.iter().flat_map(|c| nodes(c, abi)).collect();
            let mut at: Option<usize> = None;
            for n in path {
                let level = match at {
                    Some(t) => tree[t].next.clone(),
                    None => top.clone(),
                };
                // Along the level: merge with an equal node, or go before
                // the first node below this one (so an equal node after
                // that one is not reached), else at the end.
                let mut found = None;
                let mut pos = level.len();
                for (i, &x) in level.iter().enumerate() {
                    if node_eq(&tree[x].node, &n) {
                        found = Some(x);
                        break;
                    }
                    if node_lt(&tree[x].node, &n) {
                        pos = i;
                        break;
                    }
                }
                let t = match found {
                    Some(x) => x,
                    None => {
                        tree.push(T { node: n, next: vec![], ends: vec![] });
                        let new = tree.len() - 1;
                        match at {
                            Some(t) => tree[t].next.insert(pos, new),
                            None => top.insert(pos, new),
                        }
                        new
                    }
                };
                at = Some(t);
            }
            // A rule without conditions is never kept.
            tree[at.unwrap()].ends.push(u);
        }
        fn walk(tree: &[T], level: &[usize], out: &mut Vec<usize>) {
            for &t in level {
                out.extend(&tree[t].ends);
                walk(tree, &tree[t].next, out);
            }
        }
        let mut order = vec![];
        walk(&tree, &top, &mut order);
        order.into_iter().map(|u| kept[u].clone()).collect()
    }

    fn add(kept: &mut Vec<Unit>, n: Unit) -> core::result::Result<(), ()> {
        let prefix = |a: &[C], b: &[C]| b.starts_with(a);
        let subset = |a: &[C], b: &[C]| a.iter().all(|c| b.contains(c));
        let redundant =
            kept.iter().any(|x| x.action == n.action && subset(&x.conds, &n.conds) && !prefix(&x.conds, &n.conds));
        let before = kept.len();
        kept.retain(|x| !(x.action == n.action && subset(&n.conds, &x.conds) && !prefix(&n.conds, &x.conds)));
        if redundant && kept.len() == before {
            return Ok(());
        }
        for x in kept.iter() {
            if prefix(&x.conds, &n.conds) {
                return if x.conds == n.conds && x.action != n.action { Err(()) } else { Ok(()) };
            }
            if prefix(&n.conds, &x.conds) && x.action != n.action {
                return Err(());
            }
        }
        kept.retain(|x| !prefix(&n.conds, &x.conds));
        kept.push(n);
        Ok(())
    }

    fn holds(c: &C, args: &[u64; 6], abi: Abi) -> bool {
        let &(index, op, mask, datum) = c;
        let a = args[index as usize] & width(abi);
        match op {
            Op::Eq => a == datum,
            Op::Ne => a != datum,
            Op::Lt => a < datum,
            Op::Le => a <= datum,
            Op::Gt => a > datum,
            Op::Ge => a >= datum,
            Op::MaskedEq => a & mask == datum,
        }
    }

    /// The first error `compile` reports: an ERRNO default above 4094
    /// (libseccomp takes errnos below MAX_ERRNO), else the first rule with
    /// an empty name or such an errno, else the first conflict by branch
    /// (x86, x32, x86_64) and syscall number.
    pub fn check(s: &Seccomp<'static>) -> core::result::Result<(), CompileError> {
        let too_big = |a: Action| matches!(a, Action::Errno(e) if e >= 4095);
        if too_big(s.default_action) {
            return Err(CompileError::DefaultErrnoRet);
        }
        for (ri, r) in s.rules.iter().enumerate() {
            if let Some(ni) = rule_names(s, r).position(|n| n.is_empty()) {
                return Err(CompileError::EmptyName { rule: ri as u16, name: ni as u16 });
            }
            if too_big(r.action) {
                return Err(CompileError::ErrnoRet { rule: ri as u16 });
            }
        }
        let mut abis = vec![];
        if s.architectures & ARCH_X86 != 0 {
            abis.push(Abi::X86);
        }
        if s.architectures & ARCH_X32 != 0 {
            abis.push(Abi::X32);
        }
        abis.push(Abi::X86_64);
        for abi in abis {
            let mut nrs: Vec<u32> = s
                .rules
                .iter()
                .filter(|r| r.action != s.default_action)
                .flat_map(|r| rule_names(s, r))
                .flat_map(|n| [sysno(abi, n), muxed(abi, n).map(|m| m.0)])
                .flatten()
                .collect();
            nrs.sort();
            nrs.dedup();
            for nr in nrs {
                decide(s, abi, nr)?;
            }
        }
        Ok(())
    }

    /// The highest number any rule names on `abi`.
    pub fn max(s: &Seccomp<'static>, abi: Abi) -> Option<u32> {
        s.rules.iter().flat_map(|r| rule_names(s, r)).filter_map(|n| sysno(abi, n)).max()
    }

    pub fn eval(s: &Seccomp<'static>, arch: u32, nr: u32, args: [u64; 6]) -> u32 {
        let listed = |bit: u8| s.architectures & bit != 0;
        let permissive = matches!(s.default_action, Action::Allow | Action::Log | Action::Trace(_));
        let abi = match arch {
            AUDIT_ARCH_X86_64 if nr & X32 != 0 && listed(ARCH_X32) => Abi::X32,
            // -1, a skipped call: libseccomp's x86_64 branch lets it through
            // to a search where nothing names it, and runc's stub skips it.
            AUDIT_ARCH_X86_64 if nr == u32::MAX => return s.default_action.ret(),
            AUDIT_ARCH_X86_64 if nr & X32 != 0 => return KILL,
            // Bit 31 alone: runc's stub answers ENOSYS above the x86_64
            // limit when it has one; else libseccomp's x86_64 filter kills
            // every number from X32_SYSCALL_BIT up unless x32 is listed.
            AUDIT_ARCH_X86_64 if nr >= X32 && !listed(ARCH_X32) && (permissive || max(s, Abi::X86_64).is_none()) => {
                return KILL;
            }
            AUDIT_ARCH_X86_64 => Abi::X86_64,
            AUDIT_ARCH_I386 if listed(ARCH_X86) => Abi::X86,
            _ => return KILL,
        };
        if !permissive && max(s, abi).is_some_and(|m| nr > m) {
            return errno(libc::ENOSYS as u16);
        }
        match decide(s, abi, nr).unwrap() {
            Verdict::Always(a) => a.ret(),
            Verdict::Kept(units) => units
                .iter()
                .find(|u| u.conds.iter().all(|c| holds(c, &args, abi)))
                .map_or(s.default_action.ret(), |u| u.action.ret()),
        }
    }
}

/// A small deterministic PRNG (xorshift64*) for the property tests.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Values at the edges of words and ranges.
pub const EDGES: [u64; 16] = [
    0,
    1,
    2,
    40,
    0xFF,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
    0x1_0000_0000,
    0x1_0000_0001,
    0x1_FFFF_FFFF,
    0xFFFF_FFFF_0000_0000,
    0x8000_0000_0000_0000,
    0x7E02_0000,
    u64::MAX - 1,
    u64::MAX,
];

/// Argument values worth trying against a profile: each condition's value
/// and masked value, one off either way, and the edges.
pub fn arg_candidates(s: &Seccomp) -> Vec<u64> {
    // Small numbers too: socketcall and ipc call numbers.
    let mut v: Vec<u64> = EDGES.iter().copied().chain(0..=24).collect();
    for a in &s.args {
        for x in [a.value, a.value_two, a.value & a.value_two, a.value_two | !a.value, a.value ^ 1] {
            v.extend([x, x.wrapping_sub(1), x.wrapping_add(1), x & 0xFFFF_FFFF, x | 0xFFFF_FFFF_0000_0000]);
        }
    }
    v.sort();
    v.dedup();
    v
}

/// Syscall numbers worth trying on each architecture: every number a rule
/// names, its neighbours, the edges of the branch, and the highest plus one.
pub fn nr_candidates(s: &Seccomp<'static>) -> Vec<(u32, u32)> {
    let mut v = vec![];
    for (arch, abi) in [(AUDIT_ARCH_X86_64, Abi::X86_64), (AUDIT_ARCH_X86_64, Abi::X32), (AUDIT_ARCH_I386, Abi::X86)] {
        let base = if abi == Abi::X32 { X32 } else { 0 };
        for n in &s.names {
            if let Some(nr) = reference::sysno(abi, core::str::from_utf8(n.to_bytes()).unwrap()) {
                v.extend([(arch, nr.wrapping_sub(1)), (arch, nr), (arch, nr + 1)]);
            }
        }
        if let Some(m) = reference::max(s, abi) {
            v.extend([(arch, m + 1), (arch, m + 2)]);
        }
        v.extend([(arch, base), (arch, base + 1), (arch, base + 600), (arch, base | 0x3FFF_FFFF)]);
        if abi == Abi::X86 {
            v.extend([(arch, 102), (arch, 117)]);
        }
    }
    for nr in [0x7FFF_FFFF, 0x8000_0000, 0xBFFF_FFFF, 0xC000_0000, u32::MAX] {
        v.extend([(AUDIT_ARCH_X86_64, nr), (AUDIT_ARCH_I386, nr)]);
    }
    v.extend([(AUDIT_ARCH_AARCH64, 0), (AUDIT_ARCH_AARCH64, 56), (0, 0), (u32::MAX, 1)]);
    v.sort();
    v.dedup();
    v
}

/// Runs `s` over every candidate number with `per_nr` random argument
/// vectors (plus all-zero and all-max), comparing with the reference.
pub fn agree_everywhere(s: &Seccomp<'static>, p: &Program, rng: &mut Rng, per_nr: usize) {
    let vals = arg_candidates(s);
    for (arch, nr) in nr_candidates(s) {
        verdict(s, p, arch, nr, [0; 6]);
        verdict(s, p, arch, nr, [u64::MAX; 6]);
        for _ in 0..per_nr {
            let args = core::array::from_fn(|_| rng.pick(&vals));
            verdict(s, p, arch, nr, args);
        }
    }
}

