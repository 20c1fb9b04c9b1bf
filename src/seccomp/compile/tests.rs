//! Tests of the compiler. Programs run through the test interpreter
//! (`bpf::interp`) and must agree with `reference` (see testkit.rs).

use super::testkit::*;
use crate::seccomp::arch;
use super::*;
use crate::seccomp::bpf::interp;
use crate::seccomp::{ARCH_X86_64, SECCOMP_RET_ALLOW, SECCOMP_RET_LOG, SECCOMP_RET_TRAP};

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
        (0x15, 0, 4, AUDIT_ARCH_X86_64), // jeq AUDIT_ARCH_X86_64, 0, kill
        (0x20, 0, 0, 0),                 // ld [0]                 nr
        (0x35, 0, 1, X32_SYSCALL_BIT),   // jge X32_SYSCALL_BIT, 0, allow
        (0x15, 0, 1, u32::MAX),          // jeq -1, allow, kill    x32 and up but for -1
        (0x06, 0, 0, SECCOMP_RET_ALLOW), // allow: ret ALLOW       the whole x86_64 branch
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
        ("nr -1: above x32's highest", (AUDIT_ARCH_X86_64, u32::MAX), [0; 6], enosys),
        ("nr -1 x86", (AUDIT_ARCH_I386, u32::MAX), [0; 6], enosys),
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

/// Syscall number -1 (a tracer skipping the call, or `syscall(-1)`) is
/// no x32 call to kill: libseccomp sends it on to its search on purpose
/// (src/gen_bpf.c `_gen_bpf_arch`), where no rule names it, so it gets the
/// default action. runc's stub answers ENOSYS first where it compares the
/// number with the highest named one: with SCMP_ARCH_X32 listed (bit 30
/// set, so the x32 limit), and on i386. Its neighbours stay killed.
#[test]
fn syscall_minus_one_gets_the_default_action() {
    const X86_64_ONLY: u8 = ARCH_X86_64;
    const WITH_X86: u8 = ARCH_X86_64 | ARCH_X86;
    const WITH_X32: u8 = ARCH_X86_64 | ARCH_X32;
    let named: &[RuleSpec] = &[(&["read"], Action::Allow, &[]), (&["getppid"], Action::Errno(13), &[])];
    // No name on x86_64 or x32: no limit there.
    let unnamed: &[RuleSpec] = &[(&["socketcall"], Action::Allow, &[])];
    let enosys = errno(38);
    type Row<'r> = (&'r [RuleSpec<'r>], u8, Action, u32, u32, u32);
    let rows: &[Row] = &[
        // rules, architectures, default, arch, nr, verdict
        (named, X86_64_ONLY, Action::Errno(1), AUDIT_ARCH_X86_64, u32::MAX, errno(1)),
        (named, X86_64_ONLY, Action::Allow, AUDIT_ARCH_X86_64, u32::MAX, SECCOMP_RET_ALLOW),
        (named, X86_64_ONLY, Action::Trap, AUDIT_ARCH_X86_64, u32::MAX, SECCOMP_RET_TRAP),
        (named, X86_64_ONLY, Action::Log, AUDIT_ARCH_X86_64, u32::MAX, SECCOMP_RET_LOG),
        (named, WITH_X86, Action::Errno(1), AUDIT_ARCH_X86_64, u32::MAX, errno(1)),
        (named, WITH_X32, Action::Errno(1), AUDIT_ARCH_X86_64, u32::MAX, enosys),
        (named, WITH_X32, Action::Allow, AUDIT_ARCH_X86_64, u32::MAX, SECCOMP_RET_ALLOW),
        (unnamed, WITH_X32, Action::Errno(1), AUDIT_ARCH_X86_64, u32::MAX, errno(1)),
        (named, WITH_X86, Action::Errno(1), AUDIT_ARCH_I386, u32::MAX, enosys),
        (named, WITH_X86, Action::Log, AUDIT_ARCH_I386, u32::MAX, SECCOMP_RET_LOG),
        (named, X86_64_ONLY, Action::Errno(1), AUDIT_ARCH_I386, u32::MAX, KILL),
        // The other numbers with bit 30 set are still x32 calls.
        (named, X86_64_ONLY, Action::Errno(1), AUDIT_ARCH_X86_64, u32::MAX - 1, KILL),
        (named, X86_64_ONLY, Action::Allow, AUDIT_ARCH_X86_64, X32, KILL),
        (named, X86_64_ONLY, Action::Allow, AUDIT_ARCH_X86_64, 0x7FFF_FFFF, KILL),
        (named, X86_64_ONLY, Action::Errno(1), AUDIT_ARCH_X86_64, 0xBFFF_FFFF, enosys),
    ];
    for (i, &(rules, arches, default, arch, nr, want)) in rows.iter().enumerate() {
        let s = profile(default, arches, rules);
        let p = build(&s).unwrap();
        assert_eq!(verdict(&s, &p, arch, nr, [0; 6]), want, "row {i}");
    }
}

/// Numbers with bit 31 alone (no syscall; the kernel answers ENOSYS):
/// runc's stub tests bit 30 for x32 and answers them ENOSYS above the
/// x86_64 limit when it has one; else libseccomp's filter, which tests
/// `nr >= X32_SYSCALL_BIT`, kills them unless x32 is listed.
#[test]
fn bit_31_alone() {
    let named: &[RuleSpec] = &[(&["read"], Action::Allow, &[]), (&["getppid"], Action::Errno(13), &[])];
    let unnamed: &[RuleSpec] = &[(&["socketcall"], Action::Allow, &[])];
    let enosys = errno(38);
    type Row<'r> = (&'r [RuleSpec<'r>], u8, Action, u32, u32);
    let rows: &[Row] = &[
        // rules, architectures, default, arch, verdict
        (named, ARCH_X86_64, Action::Errno(1), AUDIT_ARCH_X86_64, enosys),
        (named, ARCH_X86_64, Action::Allow, AUDIT_ARCH_X86_64, KILL),
        (named, ARCH_X86_64, Action::Log, AUDIT_ARCH_X86_64, KILL),
        (unnamed, ARCH_X86_64 | ARCH_X86, Action::Errno(1), AUDIT_ARCH_X86_64, KILL),
        (named, ARCH_X86_64 | ARCH_X32, Action::Errno(1), AUDIT_ARCH_X86_64, enosys),
        (named, ARCH_X86_64 | ARCH_X32, Action::Allow, AUDIT_ARCH_X86_64, SECCOMP_RET_ALLOW),
        (unnamed, ARCH_X86_64 | ARCH_X32, Action::Errno(1), AUDIT_ARCH_X86_64, errno(1)),
        (named, ARCH_X86_64 | ARCH_X86, Action::Allow, AUDIT_ARCH_I386, SECCOMP_RET_ALLOW),
        (named, ARCH_X86_64 | ARCH_X86, Action::Errno(1), AUDIT_ARCH_I386, enosys),
    ];
    for (i, &(rules, arches, default, arch, want)) in rows.iter().enumerate() {
        let s = profile(default, arches, rules);
        let p = build(&s).unwrap();
        for nr in [0x8000_0000, 0x8000_0001, 0xBFFF_FFFF] {
            assert_eq!(verdict(&s, &p, arch, nr, [0; 6]), want, "row {i}: {nr:#x}");
        }
    }
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
            "overlapping conditions: libseccomp's order, the higher argument first",
            &[(&["read"], a, &[eq(0, 1)]), (&["read"], e1, &[eq(1, 2)])],
            Ok(&[((1, 2), r_e1), ((0, 2), r_e1), ((1, 0), r_a), ((0, 0), dft)]),
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
            "ERRNO up to 4094, TRACE up to 65535",
            &[(&["read"], Action::Errno(4094), &[eq(0, 1)]), (&["open"], Action::Trace(65535), &[])],
            Ok(&[((1, 0), errno(4094)), ((0, 0), dft)]),
        ),
        (
            "ERRNO above 4094: libseccomp refuses it",
            &[(&["read"], a, &[]), (&["open"], Action::Errno(4095), &[eq(0, 1)])],
            Err(CompileError::ErrnoRet { rule: 1 }),
        ),
        (
            "ERRNO above 4094 with unknown names only: refused too",
            &[(&["no_such_syscall"], Action::Errno(65535), &[])],
            Err(CompileError::ErrnoRet { rule: 0 }),
        ),
        (
            "an empty name in an earlier rule comes first",
            &[(&["read", ""], a, &[]), (&["open"], Action::Errno(5000), &[]), (&[""], a, &[])],
            Err(CompileError::EmptyName { rule: 0, name: 1 }),
        ),
        (
            "the same rule's empty name comes first",
            &[(&["read"], a, &[]), (&["open", ""], Action::Errno(5000), &[])],
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

/// Kept rules that hold for the same arguments decide in the order
/// libseccomp's filter tries them, whatever their order in the profile:
/// libseccomp merges them into a tree whose levels it sorts (src/db.c
/// `_db_tree_add`, `_db_chain_lt`) and walks it depth first. Each row is
/// checked with the rules in both orders, on x86_64 and on x86.
#[test]
fn overlapping_rules_in_libseccomp_order() {
    let (a, e1, t) = (Action::Allow, Action::Errno(1), Action::Trap);
    let (r_a, r_e1, r_t, dft) = (SECCOMP_RET_ALLOW, errno(1), SECCOMP_RET_TRAP, errno(9));
    let c = |i, op, v| arg(i, op, v, 0);
    let x = |a0: u64, a1: u64, a2: u64| [a0, a1, a2, 0, 0, 0];
    type Row<'r> = (&'r str, [RuleSpec<'r>; 2], &'r [([u64; 6], u32)]);
    let rows: &[Row] = &[
        (
            "the higher argument first",
            [(&["read"], a, &[c(0, Op::Eq, 1)]), (&["read"], e1, &[c(1, Op::Eq, 2)])],
            &[(x(1, 2, 0), r_e1), (x(1, 0, 0), r_a), (x(0, 2, 0), r_e1), (x(0, 0, 0), dft)],
        ),
        (
            "the higher argument first, whatever comes before it",
            [(&["read"], e1, &[c(0, Op::Eq, 1), c(1, Op::Eq, 2)]), (&["read"], a, &[c(2, Op::Ne, 0)])],
            &[(x(1, 2, 3), r_a), (x(1, 2, 0), r_e1), (x(0, 2, 3), r_a)],
        ),
        (
            "on one argument: EQ before a range",
            [(&["read"], a, &[c(0, Op::Gt, 0)]), (&["read"], e1, &[c(0, Op::Eq, 5)])],
            &[(x(5, 0, 0), r_e1), (x(6, 0, 0), r_a), (x(0, 0, 0), dft)],
        ),
        (
            "on one argument: NE before a range",
            [(&["read"], a, &[c(0, Op::Lt, 10)]), (&["read"], e1, &[c(0, Op::Ne, 5)])],
            &[(x(3, 0, 0), r_e1), (x(5, 0, 0), r_a), (x(11, 0, 0), r_e1)],
        ),
        (
            "on one argument: LE before GE",
            [(&["read"], a, &[c(0, Op::Ge, 1)]), (&["read"], e1, &[c(0, Op::Le, 5)])],
            &[(x(3, 0, 0), r_e1), (x(7, 0, 0), r_a), (x(0, 0, 0), r_e1)],
        ),
        (
            "GT: the larger value first",
            [(&["read"], a, &[c(0, Op::Gt, 1)]), (&["read"], e1, &[c(0, Op::Gt, 5)])],
            &[(x(6, 0, 0), r_e1), (x(3, 0, 0), r_a), (x(1, 0, 0), dft)],
        ),
        (
            "LT: the smaller value first",
            [(&["read"], a, &[c(0, Op::Lt, 9)]), (&["read"], e1, &[c(0, Op::Lt, 5)])],
            &[(x(3, 0, 0), r_e1), (x(7, 0, 0), r_a), (x(9, 0, 0), dft)],
        ),
        (
            "EQ: the larger value first, under a shared condition",
            [
                (&["read"], a, &[c(0, Op::Eq, 1), arg(1, Op::MaskedEq, 1, 1)]),
                (&["read"], t, &[c(0, Op::Eq, 1), arg(1, Op::MaskedEq, 3, 3)]),
            ],
            &[(x(1, 3, 0), r_t), (x(1, 1, 0), r_a), (x(2, 3, 0), dft)],
        ),
    ];
    for (name, rules, probes) in rows {
        for rules in [*rules, [rules[1], rules[0]]] {
            let s = profile(Action::Errno(9), ALL_ARCHES, &rules);
            let p = build(&s).unwrap();
            for &(args, want) in *probes {
                assert_eq!(verdict(&s, &p, AUDIT_ARCH_X86_64, 0, args), want, "{name}: x86_64 {args:x?}");
                assert_eq!(verdict(&s, &p, AUDIT_ARCH_I386, 3, args), want, "{name}: x86 {args:x?}");
            }
        }
    }
}

/// The default's errno is checked before any rule, as runc creates the
/// filter (`seccomp_init`) before it adds rules; a default that is not
/// ERRNO takes any `errnoRet` (runc ignores it, TRACE keeps 16 bits).
#[test]
fn default_errno_above_4094_is_refused() {
    type Row = (Action, &'static [RuleSpec<'static>], core::result::Result<(), CompileError>);
    let rows: &[Row] = &[
        (Action::Errno(4094), &[(&["read"], Action::Allow, &[])], Ok(())),
        (Action::Errno(4095), &[(&["read"], Action::Allow, &[])], Err(CompileError::DefaultErrnoRet)),
        (Action::Errno(u16::MAX), &[(&[""], Action::Errno(5000), &[])], Err(CompileError::DefaultErrnoRet)),
        (Action::Trace(u16::MAX), &[(&["read"], Action::Allow, &[])], Ok(())),
    ];
    for (default, rules, want) in rows {
        let s = profile(*default, ALL_ARCHES, rules);
        assert_eq!(reference::check(&s), *want, "{default:?}: reference");
        assert_eq!(build(&s).map(|_| ()), *want, "{default:?}");
    }
}

/// A name only one ABI has is filtered there and skipped elsewhere.
#[test]
fn names_resolve_per_abi() {
    let s = profile(
        Action::Errno(1),
        ALL_ARCHES,
        &[
            (&["socketcall", "epoll_ctl_old", "uselib", "break"], Action::Allow, &[]),
            (&["readv"], Action::Trap, &[]),
            (&["listns"], Action::Errno(2), &[]),
        ],
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
        (AUDIT_ARCH_I386, 17, SECCOMP_RET_ALLOW),         // break, i386 only
        (AUDIT_ARCH_X86_64, 17, errno(1)),                // pread64 on x86_64
        (AUDIT_ARCH_X86_64, 470, errno(2)),               // listns
        (AUDIT_ARCH_X86_64, X32 | 470, errno(2)),         // listns on x32
        (AUDIT_ARCH_I386, 470, errno(2)),                 // listns on x86
        (AUDIT_ARCH_X86_64, 471, errno(38)),              // above x86_64's highest (470)
        (AUDIT_ARCH_I386, 471, errno(38)),                // above x86's highest (470)
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
        "break",
        "listns",
        "rseq_slice_yield",
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

/// Random profiles where rules overlap: few syscalls, small values, mixed
/// actions, so that kept rules with different actions often hold together
/// and their order (`Compiler::order`) decides. The program and the
/// reference's tree must agree everywhere, and on the errors.
#[test]
fn overlapping_random_profiles_agree_with_the_reference() {
    const NAMES: &[&str] = &["read", "personality", "socket"];
    let ops = [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::MaskedEq];
    let mut rng = Rng(0x00dd_ba11);
    let (mut ok, mut conflicts) = (0, 0);
    for round in 0..1500 {
        let action = |rng: &mut Rng| match rng.below(5) {
            0 => Action::Trap,
            1 | 2 => Action::Errno(rng.below(3) as u16),
            3 => Action::Log,
            _ => Action::Allow,
        };
        let default = action(&mut rng);
        let arches = ARCH_X86_64 | if rng.chance(50) { ARCH_X86 } else { 0 };
        let mut owned: Vec<(&str, Action, Vec<ArgCmp>)> = vec![];
        for _ in 0..2 + rng.below(5) {
            let args = (0..1 + rng.below(3))
                .map(|_| {
                    // Mostly equal high words: libseccomp's nodes merge.
                    let hi = if rng.chance(20) { 1u64 << 32 } else { 0 };
                    arg(rng.below(3) as u8, rng.pick(&ops), hi | rng.below(4) as u64, rng.below(4) as u64)
                })
                .collect();
            owned.push((rng.pick(NAMES), action(&mut rng), args));
        }
        let names: Vec<[&str; 1]> = owned.iter().map(|o| [o.0]).collect();
        let rules: Vec<RuleSpec> = owned.iter().zip(&names).map(|((_, a, g), n)| (&n[..], *a, &g[..])).collect();
        let s = profile(default, arches, &rules);
        match build(&s) {
            Ok(p) => {
                assert_eq!(reference::check(&s), Ok(()), "round {round}");
                agree_everywhere(&s, &p, &mut rng, 3);
                ok += 1;
            }
            Err(e) => {
                assert_eq!(reference::check(&s), Err(e), "round {round}");
                conflicts += 1;
            }
        }
    }
    assert!(ok > 1200 && conflicts > 50, "ok {ok}, conflicts {conflicts}");
}
