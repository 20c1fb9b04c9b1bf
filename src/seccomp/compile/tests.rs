//! Tests of the compiler. Programs run through the test interpreter
//! (`bpf::interp`) and must agree with `reference`, an evaluator written
//! straight from the semantics in the module doc: no BPF, no tables of its
//! own making, plain `Vec`s and 64-bit comparisons.

use super::*;
use crate::seccomp::arch;
use crate::seccomp::bpf::interp;
use crate::seccomp::{ARCH_X86_64, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_LOG, SECCOMP_RET_TRAP};
use crate::spec::{Spec, Str};
use crate::sys::cell::Zeroable;
use std::ffi::CString;

const AUDIT_ARCH_AARCH64: u32 = 0xC000_00B7;
const X32: u32 = X32_SYSCALL_BIT;
const KILL: u32 = SECCOMP_RET_KILL_PROCESS;
const ALL_ARCHES: u8 = ARCH_X86_64 | ARCH_X86 | ARCH_X32;

/// A boxed all-zero `T`, as the binary's statics start.
fn zeroed<T: Zeroable>() -> Box<T> {
    // SAFETY: Zeroable promises all-zero bytes are a valid T.
    unsafe { Box::<T>::new_zeroed().assume_init() }
}

fn leak(s: &str) -> Str<'static> {
    Str::new(Box::leak(CString::new(s).unwrap().into_boxed_c_str()))
}

fn arg(index: u8, op: Op, value: u64, value_two: u64) -> ArgCmp {
    ArgCmp { index, op, value, value_two }
}

type RuleSpec<'r> = (&'r [&'r str], Action, &'r [ArgCmp]);

/// A `Seccomp` as `spec::parse` would build it.
fn profile(default: Action, architectures: u8, rules: &[RuleSpec]) -> Box<Seccomp<'static>> {
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

fn build(s: &Seccomp) -> core::result::Result<Box<Program>, CompileError> {
    let mut c = zeroed::<Compiler>();
    let mut p = zeroed::<Program>();
    c.compile(s, &mut p)?;
    interp::validate(p.as_slice());
    Ok(p)
}

/// The Docker profile of ../shared/fixtures, parsed by `spec::parse`.
fn docker() -> Box<Spec<'static>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/docker-default-seccomp.json");
    let fixture = std::fs::read_to_string(path).unwrap();
    let doc = format!("{{\"linux\":{{\"seccomp\":{fixture}}}}}");
    let doc: &'static mut [u8] = Box::leak(doc.into_bytes().into_boxed_slice());
    let mut spec = zeroed::<Spec<'static>>();
    crate::spec::parse(doc, &mut spec).unwrap();
    assert!(spec.linux.seccomp.present);
    spec
}

fn errno(e: u16) -> u32 {
    SECCOMP_RET_ERRNO | u32::from(e)
}

/// The interpreter's verdict, checked against the reference.
#[track_caller]
fn verdict(s: &Seccomp<'static>, p: &Program, arch: u32, nr: u32, args: [u64; 6]) -> u32 {
    let got = interp::run(p.as_slice(), arch, nr, args).ret;
    let want = reference::eval(s, arch, nr, args);
    assert_eq!(got, want, "arch {arch:#x} nr {nr:#x} args {args:x?}: program {got:#x}, reference {want:#x}");
    got
}

mod reference {
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
        Ok(Verdict::Kept(kept))
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

    /// The first error `compile` reports: an empty name, else the first
    /// conflict by branch (x86, x32, x86_64) and syscall number.
    pub fn check(s: &Seccomp<'static>) -> core::result::Result<(), CompileError> {
        for (ri, r) in s.rules.iter().enumerate() {
            if let Some(ni) = rule_names(s, r).position(|n| n.is_empty()) {
                return Err(CompileError::EmptyName { rule: ri as u16, name: ni as u16 });
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
        let abi = match arch {
            AUDIT_ARCH_X86_64 if nr & X32 != 0 && listed(ARCH_X32) => Abi::X32,
            AUDIT_ARCH_X86_64 if nr & X32 != 0 => return KILL,
            AUDIT_ARCH_X86_64 => Abi::X86_64,
            AUDIT_ARCH_I386 if listed(ARCH_X86) => Abi::X86,
            _ => return KILL,
        };
        let permissive = matches!(s.default_action, Action::Allow | Action::Log | Action::Trace(_));
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
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Values at the edges of words and ranges.
const EDGES: [u64; 16] = [
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
fn arg_candidates(s: &Seccomp) -> Vec<u64> {
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
fn nr_candidates(s: &Seccomp<'static>) -> Vec<(u32, u32)> {
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
fn agree_everywhere(s: &Seccomp<'static>, p: &Program, rng: &mut Rng, per_nr: usize) {
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

#[test]
fn zeroed_state_is_valid_and_reusable() {
    let p = zeroed::<Program>();
    assert!(p.is_empty() && p.as_slice().is_empty());
    let s =
        profile(Action::Errno(1), ALL_ARCHES, &[(&["read", "personality"], Action::Allow, &[arg(0, Op::Eq, 8, 0)])]);
    let mut c = zeroed::<Compiler>();
    let (mut a, mut b) = (zeroed::<Program>(), zeroed::<Program>());
    c.compile(&docker().linux.seccomp, &mut a).unwrap();
    c.compile(&s, &mut a).unwrap();
    zeroed::<Compiler>().compile(&s, &mut b).unwrap();
    let bytes = |p: &Program| p.as_slice().iter().map(|i| (i.code, i.jt, i.jf, i.k)).collect::<Vec<_>>();
    assert_eq!(bytes(&a), bytes(&b), "a reused compiler gives the same program");
}

/// Golden bytes for the prologue only: the smallest program is all
/// prologue. Everything else is checked by running programs.
#[test]
fn golden_prologue() {
    let s = profile(Action::Allow, ARCH_X86_64, &[]);
    let p = build(&s).unwrap();
    let want: &[(u16, u8, u8, u32)] = &[
        (0x20, 0, 0, 4),                 // ld [4]                 arch
        (0x15, 0, 3, AUDIT_ARCH_X86_64), // jeq AUDIT_ARCH_X86_64, 0, kill
        (0x20, 0, 0, 0),                 // ld [0]                 nr
        (0x45, 1, 0, X32_SYSCALL_BIT),   // jset X32_SYSCALL_BIT, kill, 0
        (0x06, 0, 0, SECCOMP_RET_ALLOW), // ret ALLOW              the whole x86_64 branch
        (0x06, 0, 0, KILL),              // kill: ret KILL_PROCESS
    ];
    let got: Vec<_> = p.as_slice().iter().map(|i| (i.code, i.jt, i.jf, i.k)).collect();
    assert_eq!(got, want);

    // A real profile starts the same way.
    let d = docker();
    let p = build(&d.linux.seccomp).unwrap();
    let head: Vec<_> = p.as_slice()[..4].iter().map(|i| (i.code, i.jt, i.k)).collect();
    assert_eq!(head, [(0x20, 0, 4), (0x15, 0, AUDIT_ARCH_X86_64), (0x20, 0, 0), (0x45, head[3].1, X32_SYSCALL_BIT)]);
    assert_eq!(p.as_slice()[3].jf, 0, "the x86_64 search follows the x32 test");
}

#[test]
fn docker_profile_agrees_with_the_reference() {
    let d = docker();
    let s = &d.linux.seccomp;
    assert_eq!(s.architectures, ALL_ARCHES);
    let p = build(s).unwrap();
    let mut rng = Rng(0x5eed);
    agree_everywhere(s, &p, &mut rng, 8);
    // Every number of every branch, with and without arguments.
    for nr in 0..700 {
        for (arch, nr) in [(AUDIT_ARCH_X86_64, nr), (AUDIT_ARCH_X86_64, nr | X32), (AUDIT_ARCH_I386, nr)] {
            verdict(s, &p, arch, nr, [0; 6]);
            verdict(s, &p, arch, nr, [0x7E02_0000, 1, 2, 3, 4, 5]);
        }
    }
}

#[test]
fn docker_profile_verdicts() {
    let d = docker();
    let s = &d.linux.seccomp;
    let p = build(s).unwrap();
    let eperm = errno(1);
    let enosys = errno(38);
    let nr = |abi: Abi, name: &str| abi.sysno(name.as_bytes()).unwrap();
    let x64 = |name| (AUDIT_ARCH_X86_64, nr(Abi::X86_64, name));
    let x32 = |name| (AUDIT_ARCH_X86_64, nr(Abi::X32, name));
    let x86 = |name| (AUDIT_ARCH_I386, nr(Abi::X86, name));
    const CLONE_NEWNS: u64 = 0x0002_0000;
    const CLONE_NEWUSER: u64 = 0x1000_0000;
    const THREAD_FLAGS: u64 = 0x003D_0F00;
    type Row = (&'static str, (u32, u32), [u64; 6], u32);
    let rows: &[Row] = &[
        ("read", x64("read"), [0; 6], SECCOMP_RET_ALLOW),
        ("read x32", x32("read"), [0; 6], SECCOMP_RET_ALLOW),
        ("read x86", x86("read"), [0; 6], SECCOMP_RET_ALLOW),
        ("mmap2 x86 only", x86("mmap2"), [0; 6], SECCOMP_RET_ALLOW),
        ("readv x32 twin", x32("readv"), [0; 6], SECCOMP_RET_ALLOW),
        ("readv x86_64 number on x32", (AUDIT_ARCH_X86_64, 19 | X32), [0; 6], eperm),
        ("mount: not named", x64("mount"), [0; 6], eperm),
        ("clone3: its own rule", x64("clone3"), [0; 6], enosys),
        ("clone3 x86", x86("clone3"), [0; 6], enosys),
        ("above the highest", (AUDIT_ARCH_X86_64, 470), [0; 6], enosys),
        ("far above", (AUDIT_ARCH_X86_64, 0x3FFF_FFFF), [0; 6], enosys),
        ("x32 above the highest", (AUDIT_ARCH_X86_64, X32 | 548), [0; 6], enosys),
        ("x86 above the highest", (AUDIT_ARCH_I386, 470), [0; 6], enosys),
        ("socket AF_INET", x64("socket"), [2, 1, 0, 0, 0, 0], SECCOMP_RET_ALLOW),
        ("socket AF_VSOCK", x64("socket"), [40, 1, 0, 0, 0, 0], eperm),
        ("socket AF_VSOCK high bit set", x64("socket"), [40 | 1 << 32, 1, 0, 0, 0, 0], SECCOMP_RET_ALLOW),
        ("socket AF_VSOCK high bit set x86", x86("socket"), [40 | 1 << 32, 1, 0, 0, 0, 0], eperm),
        ("personality 0", x64("personality"), [0; 6], SECCOMP_RET_ALLOW),
        ("personality 8", x64("personality"), [8, 0, 0, 0, 0, 0], SECCOMP_RET_ALLOW),
        ("personality 7", x64("personality"), [7, 0, 0, 0, 0, 0], eperm),
        ("personality 0xffffffff", x64("personality"), [0xFFFF_FFFF, 0, 0, 0, 0, 0], SECCOMP_RET_ALLOW),
        ("personality -1", x64("personality"), [u64::MAX, 0, 0, 0, 0, 0], eperm),
        ("personality -1 x86", x86("personality"), [u64::MAX, 0, 0, 0, 0, 0], SECCOMP_RET_ALLOW),
        ("clone thread", x64("clone"), [THREAD_FLAGS, 0, 0, 0, 0, 0], SECCOMP_RET_ALLOW),
        ("clone newns", x64("clone"), [CLONE_NEWNS, 0, 0, 0, 0, 0], eperm),
        ("clone newuser", x64("clone"), [CLONE_NEWUSER | THREAD_FLAGS, 0, 0, 0, 0, 0], eperm),
        ("clone high bits only", x64("clone"), [0xFFFF_FFFF_0000_0000, 0, 0, 0, 0, 0], SECCOMP_RET_ALLOW),
        ("clone newns x32", x32("clone"), [CLONE_NEWNS, 0, 0, 0, 0, 0], eperm),
        ("clone x86", x86("clone"), [THREAD_FLAGS, 0, 0, 0, 0, 0], SECCOMP_RET_ALLOW),
        ("unknown architecture", (AUDIT_ARCH_AARCH64, 63), [0; 6], KILL),
        ("no architecture", (0, 0), [0; 6], KILL),
    ];
    for (name, (arch, nr), args, want) in rows {
        assert_eq!(verdict(s, &p, *arch, *nr, *args), *want, "{name}");
    }
}

/// Without SCMP_ARCH_X32 and SCMP_ARCH_X86, those ABIs are killed whole.
#[test]
fn unlisted_abis_are_killed() {
    let mut d = docker();
    let s = &mut d.linux.seccomp;
    s.architectures = ARCH_X86_64;
    let p = build(s).unwrap();
    for nr in [0, 1, 56, 435, 512, 547, 600, 0x3FFF_FFFF] {
        assert_eq!(verdict(s, &p, AUDIT_ARCH_X86_64, nr | X32, [0; 6]), KILL, "x32 {nr}");
        assert_eq!(verdict(s, &p, AUDIT_ARCH_I386, nr, [0; 6]), KILL, "x86 {nr}");
    }
    assert_eq!(verdict(s, &p, AUDIT_ARCH_X86_64, 0, [0; 6]), SECCOMP_RET_ALLOW);
    // Even with a default action of ALLOW.
    let s = profile(Action::Allow, ARCH_X86_64, &[(&["mount"], Action::Errno(1), &[])]);
    let p = build(&s).unwrap();
    assert_eq!(verdict(&s, &p, AUDIT_ARCH_X86_64, X32 | 1, [0; 6]), KILL);
    assert_eq!(verdict(&s, &p, AUDIT_ARCH_I386, 1, [0; 6]), KILL);
    assert_eq!(verdict(&s, &p, AUDIT_ARCH_X86_64, 1, [0; 6]), SECCOMP_RET_ALLOW);
    // x32 listed: filtered, not killed.
    let s = profile(Action::Allow, ARCH_X86_64 | ARCH_X32, &[(&["mount"], Action::Errno(1), &[])]);
    let p = build(&s).unwrap();
    assert_eq!(verdict(&s, &p, AUDIT_ARCH_X86_64, X32 | 1, [0; 6]), SECCOMP_RET_ALLOW);
    assert_eq!(verdict(&s, &p, AUDIT_ARCH_X86_64, X32 | 165, [0; 6]), errno(1));
}

/// Every syscall the Docker profile allows whatever its arguments is
/// decided from `arch` and `nr` alone, so the kernel can cache it.
#[test]
fn always_allowed_syscalls_load_only_arch_and_nr() {
    let d = docker();
    let s = &d.linux.seccomp;
    let p = build(s).unwrap();
    let mut checked = 0;
    for (arch, abi) in [(AUDIT_ARCH_X86_64, Abi::X86_64), (AUDIT_ARCH_X86_64, Abi::X32), (AUDIT_ARCH_I386, Abi::X86)] {
        let base = if abi == Abi::X32 { X32 } else { 0 };
        for nr in base..base + 600 {
            let Ok(reference::Verdict::Always(Action::Allow)) = reference::decide(s, abi, nr) else { continue };
            for args in [[0; 6], [u64::MAX; 6], [0x7E02_0000, 40, 8, 0, 1, 2]] {
                let r = interp::run(p.as_slice(), arch, nr, args);
                assert_eq!(r.ret, SECCOMP_RET_ALLOW, "{abi:?} {nr}");
                assert!(r.constant, "{abi:?} {nr} loaded {:#b}", r.loaded);
                assert_eq!(r.loaded, 0b11, "{abi:?} {nr}: arch and nr");
            }
            checked += 1;
        }
    }
    assert!(checked > 800, "{checked}");
    // And conditional ones do look at their argument.
    let r = interp::run(p.as_slice(), AUDIT_ARCH_X86_64, 135, [8, 0, 0, 0, 0, 0]);
    assert!(!r.constant && r.loaded & 1 << (bpf::arg_lo(0) / 4) != 0);
}

/// Each operator at the boundaries of its value, on each ABI, with values
/// on both sides of the 32-bit word edge.
#[test]
fn operators_at_their_boundaries() {
    let ops = [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::MaskedEq];
    let mut rng = Rng(7);
    for op in ops {
        for value in EDGES {
            for value_two in [0, 1, value, !value, 0x8000_0000, 0xFFFF_FFFF_0000_0000] {
                let args = [arg(1, op, value, value_two)];
                let s = profile(Action::Errno(5), ALL_ARCHES, &[(&["read", "readv"], Action::Allow, &args)]);
                let p = build(&s).unwrap();
                let mut probes = vec![0, u64::MAX, value, value_two, value & value_two, value_two | !value];
                for v in [value, value_two] {
                    probes.extend([v.wrapping_sub(1), v.wrapping_add(1), v ^ 1 << 32, v ^ 1 << 31, v ^ 1 << 63]);
                    probes.extend([v & 0xFFFF_FFFF, v | 0xFFFF_FFFF, v & !0xFFFF_FFFF, v | !0xFFFF_FFFF]);
                }
                for a1 in probes {
                    let mut args = core::array::from_fn(|_| rng.next());
                    args[1] = a1;
                    for (arch, nr) in [(AUDIT_ARCH_X86_64, 0), (AUDIT_ARCH_X86_64, X32 | 515), (AUDIT_ARCH_I386, 145)] {
                        verdict(&s, &p, arch, nr, args);
                    }
                }
            }
        }
    }
    // Spot checks of the reference itself, by hand.
    let s = profile(Action::Errno(5), ALL_ARCHES, &[(&["read"], Action::Allow, &[arg(0, Op::Gt, 0x1_0000_0000, 0)])]);
    let p = build(&s).unwrap();
    let rows: &[(u32, u32, u64, u32)] = &[
        (AUDIT_ARCH_X86_64, 0, 0x1_0000_0001, SECCOMP_RET_ALLOW),
        (AUDIT_ARCH_X86_64, 0, 0x1_0000_0000, errno(5)),
        (AUDIT_ARCH_X86_64, 0, 0xFFFF_FFFF, errno(5)),
        (AUDIT_ARCH_X86_64, 0, 0x2_0000_0000, SECCOMP_RET_ALLOW),
        // 32-bit ABIs compare the low words: x > 0.
        (AUDIT_ARCH_I386, 3, 1, SECCOMP_RET_ALLOW),
        (AUDIT_ARCH_I386, 3, 0x1_0000_0000, errno(5)),
        (AUDIT_ARCH_X86_64, X32, 0x5_0000_0000, errno(5)),
        (AUDIT_ARCH_X86_64, X32, 0x5_0000_0001, SECCOMP_RET_ALLOW),
    ];
    for &(arch, nr, a0, want) in rows {
        assert_eq!(verdict(&s, &p, arch, nr, [a0, 0, 0, 0, 0, 0]), want, "{arch:#x} {a0:#x}");
    }
    let s = profile(Action::Allow, ARCH_X86_64, &[(&["read"], Action::Trap, &[arg(2, Op::MaskedEq, 0xF0, 0x1F)])]);
    let p = build(&s).unwrap();
    // valueTwo is masked too: arg & 0xF0 == 0x10.
    assert_eq!(verdict(&s, &p, AUDIT_ARCH_X86_64, 0, [0, 0, 0x13, 0, 0, 0]), SECCOMP_RET_TRAP);
    assert_eq!(verdict(&s, &p, AUDIT_ARCH_X86_64, 0, [0, 0, 0x1F, 0, 0, 0]), SECCOMP_RET_TRAP);
    assert_eq!(verdict(&s, &p, AUDIT_ARCH_X86_64, 0, [0, 0, 0x2F, 0, 0, 0]), SECCOMP_RET_ALLOW);
}

/// How several rules for one syscall combine (libseccomp src/db.c), and
/// the rest of the rule semantics, by hand.
#[test]
fn rule_combinations() {
    let (a, e1, e2, t, l) = (Action::Allow, Action::Errno(1), Action::Errno(2), Action::Trap, Action::Log);
    let (r_a, r_e1, r_e2, r_l) = (SECCOMP_RET_ALLOW, errno(1), errno(2), SECCOMP_RET_LOG);
    let dft = errno(9);
    let eq = |i, v| arg(i, Op::Eq, v, 0);
    // (name, rules, probes as (args[0], args[1]) → verdict on x86_64 `read`, or the error)
    type Case<'c> = (&'c str, &'c [RuleSpec<'c>], core::result::Result<&'c [((u64, u64), u32)], CompileError>);
    let cases: &[Case] = &[
        ("two unconditional: the first wins", &[(&["read"], a, &[]), (&["read"], e1, &[])], Ok(&[((0, 0), r_a)])),
        (
            "unconditional after conditional replaces it",
            &[(&["read"], t, &[eq(0, 1)]), (&["read"], e1, &[])],
            Ok(&[((1, 0), r_e1), ((0, 0), r_e1)]),
        ),
        (
            "conditional after unconditional is dropped",
            &[
                (&["read"], e1, &[]),
                (&["read"], t, &[eq(0, 1)]),
                (&["read"], t, &[eq(0, 1)]),
                (&["read"], a, &[eq(0, 1)]),
            ],
            Ok(&[((1, 0), r_e1), ((0, 0), r_e1)]),
        ),
        (
            "disjoint conditions, different actions",
            &[(&["read"], a, &[eq(0, 1)]), (&["read"], e1, &[eq(0, 2)])],
            Ok(&[((1, 0), r_a), ((2, 0), r_e1), ((3, 0), dft)]),
        ),
        (
            "overlapping conditions: profile order",
            &[(&["read"], a, &[eq(0, 1)]), (&["read"], e1, &[eq(1, 2)])],
            Ok(&[((1, 2), r_a), ((0, 2), r_e1), ((1, 0), r_a), ((0, 0), dft)]),
        ),
        (
            "same conditions, different actions: EEXIST",
            &[(&["read"], a, &[eq(0, 1)]), (&["read"], e1, &[eq(0, 1)])],
            Err(CompileError::Conflict { rule: 1, name: 0 }),
        ),
        (
            "same conditions in another order: EEXIST",
            &[(&["write", "read"], a, &[eq(0, 1), eq(1, 2)]), (&["read"], e1, &[eq(1, 2), eq(0, 1)])],
            Err(CompileError::Conflict { rule: 1, name: 0 }),
        ),
        (
            "a prefix of kept conditions, another action: EEXIST",
            &[(&["read"], a, &[eq(0, 1), eq(1, 2)]), (&["open", "read"], e1, &[eq(0, 1)])],
            Err(CompileError::Conflict { rule: 1, name: 1 }),
        ),
        (
            "a prefix of kept conditions, same action: replaces them",
            &[(&["read"], a, &[eq(0, 1), eq(1, 2)]), (&["read"], a, &[eq(0, 1)])],
            Ok(&[((1, 5), r_a), ((1, 2), r_a), ((2, 2), dft)]),
        ),
        (
            "kept conditions a prefix of the new: the new is dropped",
            &[(&["read"], a, &[eq(0, 1)]), (&["read"], e1, &[eq(0, 1), eq(1, 2)])],
            Ok(&[((1, 2), r_a), ((1, 3), r_a), ((0, 2), dft)]),
        ),
        (
            "pruned by a shorter rule, so no conflict later",
            &[
                (&["read"], a, &[eq(0, 1), eq(1, 2)]),
                (&["read"], a, &[eq(0, 1)]),
                (&["read"], e1, &[eq(0, 1), eq(1, 2)]),
            ],
            Ok(&[((1, 2), r_a), ((1, 3), r_a)]),
        ),
        (
            "equal conditions, equal action: no conflict",
            &[(&["read", "read"], a, &[eq(0, 1)]), (&["read"], a, &[eq(0, 1)])],
            Ok(&[((1, 0), r_a), ((0, 0), dft)]),
        ),
        (
            "a repeated index splits the rule into OR'ed conditions",
            &[(&["read"], a, &[eq(0, 1), eq(0, 2), eq(1, 3)])],
            Ok(&[((1, 0), r_a), ((2, 0), r_a), ((0, 3), r_a), ((0, 0), dft), ((3, 4), dft)]),
        ),
        (
            "no repeated index: conditions AND",
            &[(&["read"], a, &[eq(0, 1), eq(1, 3)])],
            Ok(&[((1, 3), r_a), ((1, 0), dft), ((0, 3), dft)]),
        ),
        (
            "a rule with the default action is skipped, not matched first",
            &[(&["read"], Action::Errno(9), &[eq(0, 1)]), (&["read"], a, &[eq(1, 2)])],
            Ok(&[((1, 2), r_a), ((1, 0), dft)]),
        ),
        (
            "a zero mask always holds: the rule is unconditional",
            &[(&["read"], l, &[eq(0, 1)]), (&["read"], a, &[arg(1, Op::MaskedEq, 0, 5)]), (&["read"], e2, &[])],
            Ok(&[((1, 0), r_a), ((0, 0), r_a)]),
        ),
        (
            "a split rule with an always-true part is unconditional",
            &[(&["read"], e2, &[eq(0, 1), arg(0, Op::MaskedEq, 0, 1)])],
            Ok(&[((7, 7), r_e2)]),
        ),
        (
            "an empty name fails",
            &[(&["read"], a, &[]), (&["open", ""], a, &[])],
            Err(CompileError::EmptyName { rule: 1, name: 1 }),
        ),
        (
            "unknown names are skipped",
            &[(&["no_such_syscall", "read"], l, &[]), (&["also_unknown"], e1, &[])],
            Ok(&[((0, 0), r_l)]),
        ),
    ];
    for (name, rules, want) in cases {
        let s = profile(Action::Errno(9), ALL_ARCHES, rules);
        assert_eq!(reference::check(&s), want.map(|_| ()), "{name}: reference");
        match (build(&s), want) {
            (Ok(p), Ok(probes)) => {
                for &((a0, a1), v) in *probes {
                    assert_eq!(verdict(&s, &p, AUDIT_ARCH_X86_64, 0, [a0, a1, 0, 0, 0, 0]), v, "{name}: ({a0}, {a1})");
                }
                agree_everywhere(&s, &p, &mut Rng(3), 4);
            }
            (got, want) => assert_eq!(got.map(|_| ()), want.map(|_| ()), "{name}"),
        }
    }
}

/// A name only one ABI has is filtered there and skipped elsewhere.
#[test]
fn names_resolve_per_abi() {
    let s = profile(
        Action::Errno(1),
        ALL_ARCHES,
        &[(&["socketcall", "epoll_ctl_old", "uselib"], Action::Allow, &[]), (&["readv"], Action::Trap, &[])],
    );
    let p = build(&s).unwrap();
    let rows: &[(u32, u32, u32)] = &[
        (AUDIT_ARCH_I386, 102, SECCOMP_RET_ALLOW),        // socketcall
        (AUDIT_ARCH_X86_64, 102, errno(1)),               // getuid on x86_64
        (AUDIT_ARCH_X86_64, 214, SECCOMP_RET_ALLOW),      // epoll_ctl_old
        (AUDIT_ARCH_X86_64, X32 | 214, errno(1)),         // no x32 epoll_ctl_old
        (AUDIT_ARCH_X86_64, 134, SECCOMP_RET_ALLOW),      // uselib
        (AUDIT_ARCH_I386, 86, SECCOMP_RET_ALLOW),         // uselib on x86
        (AUDIT_ARCH_X86_64, X32 | 134, errno(1)),         // no x32 uselib
        (AUDIT_ARCH_X86_64, X32 | 515, SECCOMP_RET_TRAP), // readv on x32
        (AUDIT_ARCH_X86_64, X32 | 19, errno(1)),          // not readv on x32
        (AUDIT_ARCH_X86_64, 19, SECCOMP_RET_TRAP),        // readv on x86_64
        (AUDIT_ARCH_X86_64, 215, errno(38)),              // above x86_64's highest (214)
    ];
    for &(arch, nr, want) in rows {
        assert_eq!(verdict(&s, &p, arch, nr, [0; 6]), want, "{arch:#x} {nr:#x}");
    }
}

/// On x86, socket and IPC rules also filter their socketcall(2) and ipc(2)
/// forms, as libseccomp does (src/syscalls.c `abi_rule_add`).
#[test]
fn x86_socketcall_and_ipc() {
    let rules: &[RuleSpec] = &[
        (&["socket"], Action::Errno(1), &[]),
        (&["msgget"], Action::Errno(2), &[]),
        // No direct send(2) on x86: only the socketcall form; its own
        // args[0] condition gives way to the call number.
        (&["send"], Action::Trap, &[arg(0, Op::Eq, 3, 0), arg(1, Op::Eq, 7, 0)]),
    ];
    let s = profile(Action::Allow, ALL_ARCHES, rules);
    let p = build(&s).unwrap();
    let rows: &[(u32, u32, [u64; 2], u32)] = &[
        (AUDIT_ARCH_I386, 359, [2, 0], errno(1)),                     // socket
        (AUDIT_ARCH_I386, 102, [1, 0], errno(1)),                     // socketcall(SYS_SOCKET)
        (AUDIT_ARCH_I386, 102, [1 | 1 << 32, 0], errno(1)),           // low word only on x86
        (AUDIT_ARCH_I386, 102, [2, 0], SECCOMP_RET_ALLOW),            // socketcall(SYS_BIND)
        (AUDIT_ARCH_I386, 399, [0, 0], errno(2)),                     // msgget
        (AUDIT_ARCH_I386, 117, [13, 0], errno(2)),                    // ipc(MSGGET)
        (AUDIT_ARCH_I386, 117, [13 | 1 << 16, 0], SECCOMP_RET_ALLOW), // a versioned call
        (AUDIT_ARCH_I386, 102, [9, 7], SECCOMP_RET_TRAP),             // socketcall(SYS_SEND) with args[1] == 7
        (AUDIT_ARCH_I386, 102, [9, 8], SECCOMP_RET_ALLOW),
        (AUDIT_ARCH_I386, 102, [3, 7], SECCOMP_RET_ALLOW), // the rule's args[0] == 3 is gone
        (AUDIT_ARCH_X86_64, 41, [2, 0], errno(1)),         // socket
        (AUDIT_ARCH_X86_64, 102, [1, 0], SECCOMP_RET_ALLOW), // getuid, no socketcall on x86_64
        (AUDIT_ARCH_X86_64, X32 | 41, [2, 0], errno(1)),   // socket on x32
    ];
    for &(arch, nr, [a0, a1], want) in rows {
        assert_eq!(verdict(&s, &p, arch, nr, [a0, a1, 0, 0, 0, 0]), want, "{arch:#x} {nr} {a0:#x}");
    }
    // The socketcall form meets a socketcall rule: libseccomp refuses the
    // same condition with another action, only when x86 is filtered.
    let rules: &[RuleSpec] =
        &[(&["socketcall"], Action::Allow, &[arg(0, Op::Eq, 1, 0)]), (&["socket"], Action::Errno(1), &[])];
    let s = profile(Action::Errno(9), ALL_ARCHES, rules);
    assert_eq!(build(&s).map(|_| ()), Err(CompileError::Conflict { rule: 1, name: 0 }));
    assert_eq!(reference::check(&s), Err(CompileError::Conflict { rule: 1, name: 0 }));
    let s = profile(Action::Errno(9), ARCH_X86_64 | ARCH_X32, rules);
    assert!(build(&s).is_ok());
}

/// ENOSYS above the highest named number, unless the default action is
/// permissive (runc's patchbpf `isAllowAction`).
#[test]
fn enosys_above_the_highest_number() {
    let rules: &[RuleSpec] = &[(&["read"], Action::Allow, &[]), (&["clone3"], Action::Errno(1), &[])];
    let defaults = [
        (Action::Errno(1), true),
        (Action::KillThread, true),
        (Action::KillProcess, true),
        (Action::Trap, true),
        (Action::Allow, false),
        (Action::Log, false),
        (Action::Trace(1), false),
    ];
    for (default, stub) in defaults {
        let s = profile(default, ALL_ARCHES, rules);
        let p = build(&s).unwrap();
        for (arch, nr) in [
            (AUDIT_ARCH_X86_64, 436),
            (AUDIT_ARCH_X86_64, X32 | 436),
            (AUDIT_ARCH_I386, 436),
            (AUDIT_ARCH_X86_64, u32::MAX >> 2),
        ] {
            let want = if stub { errno(38) } else { default.ret() };
            assert_eq!(verdict(&s, &p, arch, nr, [0; 6]), want, "{default:?} {nr:#x}");
        }
        assert_eq!(verdict(&s, &p, AUDIT_ARCH_X86_64, 434, [0; 6]), default.ret(), "{default:?}");
        // With ERRNO(1) as the default, clone3's rule is skipped, but its
        // name still counts for the highest number.
        let clone3 = if default == Action::Errno(1) { default.ret() } else { errno(1) };
        assert_eq!(verdict(&s, &p, AUDIT_ARCH_X86_64, 435, [0; 6]), clone3, "{default:?}");
    }
    // No names on a branch: no limit there.
    let s = profile(Action::Errno(1), ALL_ARCHES, &[(&["socketcall"], Action::Allow, &[])]);
    let p = build(&s).unwrap();
    assert_eq!(verdict(&s, &p, AUDIT_ARCH_I386, 103, [0; 6]), errno(38));
    assert_eq!(verdict(&s, &p, AUDIT_ARCH_X86_64, 103, [0; 6]), errno(1));
    assert_eq!(verdict(&s, &p, AUDIT_ARCH_X86_64, 1000, [0; 6]), errno(1));
}

/// Profiles big enough to need `ja` for far targets, and too big to load.
#[test]
fn long_jumps_and_the_length_limit() {
    let names: Vec<&str> = crate::seccomp::arch::NAMES
        .iter()
        .filter(|(_, x86_64, _)| x86_64.is_some())
        .map(|(n, _, _)| core::str::from_utf8(n).unwrap())
        .collect();
    let gts: Vec<ArgCmp> = (0..6).map(|i| arg(i, Op::Gt, 0x1_0000_0000 + u64::from(i), 0)).collect();
    // Every other syscall has six 64-bit conditions: ~30 instructions each.
    let half: Vec<&str> = names.iter().copied().step_by(2).take(100).collect();
    // Not the x86 socket and IPC names: their socketcall forms would be a
    // prefix of the first rule's with another action, which libseccomp
    // refuses.
    let some: Vec<&str> = names[1..60]
        .iter()
        .copied()
        .filter(|n| arch::Name::of(n.as_bytes()).and_then(arch::x86_multiplexed).is_none())
        .collect();
    let s =
        profile(Action::Errno(1), ALL_ARCHES, &[(&half[..], Action::Allow, &gts[..2]), (&some[..], Action::Log, &[])]);
    let p = build(&s).unwrap();
    assert!(p.len() > 600, "{}", p.len());
    assert!(p.as_slice().iter().any(|i| i.code == bpf::BPF_JMP | bpf::BPF_JA), "needs long jumps");
    agree_everywhere(&s, &p, &mut Rng(11), 3);

    let s = profile(Action::Errno(1), ALL_ARCHES, &[(&names[..], Action::Allow, &gts[..])]);
    assert_eq!(build(&s).map(|_| ()), Err(CompileError::TooLong));
    let mut c = zeroed::<Compiler>();
    let mut out = zeroed::<Program>();
    assert_eq!(c.compile(&s, &mut out), Err(CompileError::TooLong));
    assert!(out.is_empty(), "a failed compile leaves no program");
}

/// More kept conditional rules over a branch's numbers than can fit:
/// TooLong, but only once every number of the branch was checked for
/// conflicts (the kept rules of each number are decided as the numbers are
/// walked, the code written after).
#[test]
fn too_many_conditional_rules_over_a_branch() {
    let names: Vec<&str> = crate::seccomp::arch::NAMES
        .iter()
        .filter(|(_, x86_64, _)| x86_64.is_some())
        .map(|(n, _, _)| core::str::from_utf8(n).unwrap())
        .take(400)
        .collect();
    // Six rules with one condition each: 2400 kept rules, each at least a
    // load and a jump.
    let eqs: Vec<[ArgCmp; 1]> = (0..6).map(|k| [arg(0, Op::Eq, k, 0)]).collect();
    let mut rules: Vec<RuleSpec> = eqs.iter().map(|a| (&names[..], Action::Allow, &a[..])).collect();
    let s = profile(Action::Errno(1), ARCH_X86_64, &rules);
    assert_eq!(build(&s).map(|_| ()), Err(CompileError::TooLong));
    // A conflict on the branch's highest number still comes first.
    let last = *names.iter().max_by_key(|n| Abi::X86_64.sysno(n.as_bytes())).unwrap();
    let last = [last];
    let cond = [arg(1, Op::Eq, 5, 0)];
    rules.push((&last, Action::Errno(2), &cond));
    rules.push((&last, Action::Allow, &cond));
    let s = profile(Action::Errno(1), ARCH_X86_64, &rules);
    assert_eq!(build(&s).map(|_| ()), Err(CompileError::Conflict { rule: 7, name: 0 }));
    assert_eq!(reference::check(&s), Err(CompileError::Conflict { rule: 7, name: 0 }));
}

/// Random profiles: names from a mixed pool, random actions, operators,
/// values and architectures; the program and the reference must agree
/// everywhere, and on the errors.
#[test]
fn random_profiles_agree_with_the_reference() {
    const NAMES: &[&str] = &[
        "read",
        "write",
        "open",
        "close",
        "personality",
        "socket",
        "clone",
        "clone3",
        "execve",
        "readv",
        "rt_sigaction",
        "socketcall",
        "chown32",
        "mmap2",
        "epoll_ctl_old",
        "uselib",
        "io_uring_setup",
        "getpid",
        "mmap",
        "arch_prctl",
        "pwritev2",
        "file_setattr",
        "futex",
        "no_such_syscall",
        "ipc",
        "waitpid",
    ];
    let ops = [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::MaskedEq];
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let (mut ok, mut conflicts) = (0, 0);
    for round in 0..400 {
        let action = |rng: &mut Rng| match rng.below(8) {
            0 => Action::KillProcess,
            1 => Action::KillThread,
            2 => Action::Trap,
            3 | 4 => Action::Errno(rng.below(3) as u16),
            5 => Action::Trace(rng.below(2) as u16),
            6 => Action::Log,
            _ => Action::Allow,
        };
        let default = action(&mut rng);
        let arches =
            ARCH_X86_64 | if rng.chance(60) { ARCH_X86 } else { 0 } | if rng.chance(60) { ARCH_X32 } else { 0 };
        let mut owned: Vec<(Vec<&str>, Action, Vec<ArgCmp>)> = vec![];
        for _ in 0..1 + rng.below(8) {
            let names = (0..1 + rng.below(4)).map(|_| rng.pick(NAMES)).collect();
            let n_args = if rng.chance(40) { 0 } else { 1 + rng.below(3) };
            let args = (0..n_args)
                .map(|_| {
                    let value = if rng.chance(80) { rng.pick(&EDGES) } else { rng.next() };
                    let value_two = if rng.chance(50) { rng.pick(&EDGES) } else { value & rng.next() };
                    arg(rng.below(3) as u8, rng.pick(&ops), value, value_two)
                })
                .collect();
            let a = if rng.chance(20) { default } else { action(&mut rng) };
            // Sometimes the conditions, or a prefix of them, of an earlier
            // rule for the same names: where libseccomp's rules meet.
            if !owned.is_empty() && rng.chance(30) {
                let (names, _, args): (Vec<&str>, Action, Vec<ArgCmp>) = owned[rng.below(owned.len())].clone();
                let keep = if args.is_empty() { 0 } else { rng.below(args.len() + 1) };
                owned.push((names, a, args[..keep].to_vec()));
                continue;
            }
            owned.push((names, a, args));
        }
        let rules: Vec<RuleSpec> = owned.iter().map(|(n, a, g)| (&n[..], *a, &g[..])).collect();
        let s = profile(default, arches, &rules);
        let want = reference::check(&s);
        match build(&s) {
            Ok(p) => {
                assert_eq!(want, Ok(()), "round {round}: the reference expects an error");
                agree_everywhere(&s, &p, &mut rng, 6);
                ok += 1;
            }
            Err(e) => {
                assert_eq!(want, Err(e), "round {round}");
                conflicts += 1;
            }
        }
    }
    assert!(ok > 250 && conflicts > 20, "ok {ok}, conflicts {conflicts}");
}

/// Not a test: numbers for the report. Run with
/// `cargo test --release --lib seccomp::compile::tests::report -- --ignored --nocapture`.
#[test]
#[ignore]
fn report() {
    let d = docker();
    let s = &d.linux.seccomp;
    let p = build(s).unwrap();
    let mut worst = 0;
    for nr in 0..700 {
        for (arch, nr) in [(AUDIT_ARCH_X86_64, nr), (AUDIT_ARCH_X86_64, nr | X32), (AUDIT_ARCH_I386, nr)] {
            for args in [[0; 6], [8, 0, 0, 0, 0, 0], [0xFFFF_FFFF, 0, 0, 0, 0, 0], [40, 0, 0, 0, 0, 0]] {
                worst = worst.max(interp::run(p.as_slice(), arch, nr, args).steps);
            }
        }
    }
    let read = interp::run(p.as_slice(), AUDIT_ARCH_X86_64, 0, [0; 6]).steps;
    println!("docker profile: {} instructions", p.len());
    println!("longest path: {} (static), {} (observed); read(2): {}", interp::longest_path(p.as_slice()), worst, read);
    let mut c = zeroed::<Compiler>();
    let mut out = zeroed::<Program>();
    let n = 2000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        c.compile(s, &mut out).unwrap();
    }
    println!("compile: {:?} per run", t.elapsed() / n);
}
