//! The reference against libseccomp itself (ignored: needs gcc and
//! libseccomp-dev; run with
//! `cargo test --release --lib seccomp::compile::libseccomp -- --ignored --nocapture`).
//!
//! A small C program builds each profile with libseccomp as runc hands it
//! over (rules repeating the default action skipped, a rule with a
//! repeated index split, names libseccomp does not know skipped) and
//! exports libseccomp's own rendering of its rule tree
//! (`seccomp_export_pfc`), which is evaluated here: libseccomp's semantics
//! without its BPF generator (2.5.4 loads a stale accumulator for some
//! trees, which no filter should copy). Verdicts are compared below the
//! ENOSYS limit (runc's stub, not libseccomp's) on the listed ABIs.

use super::testkit::*;
use super::*;
use crate::seccomp::ARCH_X86_64;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Reads "D act" (the default), "A x86" / "A x32", "R act name n [index op
/// datum_a datum_b]..." from stdin; prints libseccomp's PFC, or "ERR" when
/// libseccomp refuses a rule (as runc then fails).
const HELPER_C: &str = r#"
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    char line[8192];
    scmp_filter_ctx c = NULL;
    while (fgets(line, sizeof line, stdin)) {
        char *p = line + 2, *end;
        if (line[0] == 'D') {
            c = seccomp_init(strtoul(p, NULL, 0));
            if (!c) { puts("ERR"); return 0; }
            seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        } else if (line[0] == 'A') {
            if (seccomp_arch_add(c, strncmp(p, "x32", 3) ? SCMP_ARCH_X86 : SCMP_ARCH_X32)) { puts("ERR"); return 0; }
        } else if (line[0] == 'R') {
            unsigned long act = strtoul(p, &end, 0);
            char name[64];
            int k = 0;
            for (p = end + 1; *p != ' ' && k < 63; p++) name[k++] = *p;
            name[k] = 0;
            int n = strtol(p, &end, 0);
            struct scmp_arg_cmp args[6];
            for (int i = 0; i < n && i < 6; i++) {
                args[i].arg = strtoul(end, &end, 0);
                args[i].op = strtoul(end, &end, 0);
                args[i].datum_a = strtoull(end, &end, 0);
                args[i].datum_b = strtoull(end, &end, 0);
            }
            int nr = seccomp_syscall_resolve_name(name);
            if (nr != __NR_SCMP_ERROR && seccomp_rule_add_array(c, act, nr, n, args)) { puts("ERR"); return 0; }
        }
    }
    seccomp_export_pfc(c, 1);
    return 0;
}
"#;

fn helper() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/nsinit-libseccomp"));
        std::fs::create_dir_all(&dir).unwrap();
        let (src, bin) = (dir.join("pfc.c"), dir.join(format!("pfc.{}", std::process::id())));
        std::fs::write(&src, HELPER_C).unwrap();
        let out = Command::new("gcc").args(["-O1", "-o"]).arg(&bin).arg(&src).arg("-lseccomp").output().unwrap();
        assert!(out.status.success(), "needs gcc and libseccomp-dev:\n{}", String::from_utf8_lossy(&out.stderr));
        bin
    })
}

/// What runc hands libseccomp (libcontainer/seccomp/seccomp_linux.go).
fn describe(s: &Seccomp<'static>) -> String {
    let op = |op: Op| [Op::Ne, Op::Lt, Op::Le, Op::Eq, Op::Ge, Op::Gt, Op::MaskedEq].iter().position(|&o| o == op).unwrap() + 1;
    let mut d = format!("D {:#x}\n", s.default_action.ret());
    for (bit, name) in [(ARCH_X86, "x86"), (ARCH_X32, "x32")] {
        if s.architectures & bit != 0 {
            d += &format!("A {name}\n");
        }
    }
    for r in s.rules.iter().filter(|r| r.action != s.default_action) {
        let args = &s.args[r.args.0 as usize..(r.args.0 + r.args.1) as usize];
        let repeats = (0..6).any(|i| args.iter().filter(|a| a.index == i).count() > 1);
        let groups: Vec<&[ArgCmp]> = if repeats { args.chunks(1).collect() } else { vec![args] };
        for n in &s.names[r.names.0 as usize..(r.names.0 + r.names.1) as usize] {
            for g in &groups {
                d += &format!("R {:#x} {} {}", r.action.ret(), core::str::from_utf8(n.to_bytes()).unwrap(), g.len());
                for a in *g {
                    d += &format!(" {} {} {} {}", a.index, op(a.op), a.value, a.value_two);
                }
                d += "\n";
            }
        }
    }
    d
}

/// libseccomp's PFC for `s` (None inside: it refuses the profile), or
/// None when it does not finish in seconds (2.5.4 loops on some).
fn pfc(s: &Seccomp<'static>) -> Option<Option<Vec<St>>> {
    let mut child =
        Command::new("timeout").arg("10").arg(helper()).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(describe(s).as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    match (out.status.success(), text.starts_with("ERR")) {
        (false, _) => None,
        (true, true) => Some(None),
        (true, false) => Some(Some(parse(&text))),
    }
}

/// A statement of the PFC: `if (...)` with its branches, an action, or
/// the comment opening an architecture's filter.
#[derive(Debug)]
enum St {
    If(String, Vec<St>, Vec<St>),
    Action(u32),
    Arch(String),
}

fn parse(text: &str) -> Vec<St> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .map(|l| ((l.len() - l.trim_start().len()) / 2, l.trim_start()))
        .filter(|(_, t)| !t.is_empty() && (!t.starts_with('#') || t.starts_with("# filter for arch ")))
        .collect();
    block(&lines, &mut 0, 0)
}

fn block(lines: &[(usize, &str)], i: &mut usize, depth: usize) -> Vec<St> {
    let mut out = vec![];
    while let Some(&(_, t)) = lines.get(*i).filter(|l| l.0 == depth) {
        *i += 1;
        if let Some(a) = t.strip_prefix("# filter for arch ") {
            out.push(St::Arch(a.split(' ').next().unwrap().to_string()));
        } else if let Some(c) = t.strip_prefix("if (").and_then(|c| c.strip_suffix(')')) {
            let then = block(lines, i, depth + 1);
            let mut els = vec![];
            if lines.get(*i) == Some(&(depth, "else")) {
                *i += 1;
                els = block(lines, i, depth + 1);
            }
            out.push(St::If(c.to_string(), then, els));
        } else if let Some(a) = t.strip_prefix("action ").and_then(|a| a.strip_suffix(';')) {
            let data = |p: &str| a.strip_prefix(p).and_then(|r| r.strip_suffix(')')).map(|n| n.parse::<u32>().unwrap());
            out.push(St::Action(match a {
                "ALLOW" => 0x7FFF_0000,
                "KILL" => 0,
                "KILL_PROCESS" => KILL,
                "TRAP" => 0x0003_0000,
                "LOG" => 0x7FFC_0000,
                _ => data("ERRNO(").map(errno_ret).or(data("TRACE(").map(|m| 0x7FF0_0000 | m)).expect(a),
            }));
        } else {
            panic!("PFC line {t:?}");
        }
    }
    out
}

fn errno_ret(e: u32) -> u32 {
    0x0005_0000 | e
}

fn holds(cond: &str, arch: u32, nr: u32, args: &[u64; 6]) -> bool {
    let num = |s: &str| s.strip_prefix("0x").map_or_else(|| s.parse().unwrap(), |h| u64::from_str_radix(h, 16).unwrap());
    let (lhs, rest) = cond.split_once(' ').unwrap();
    let v = match lhs {
        "$arch" => u64::from(arch),
        "$syscall" => u64::from(nr),
        a => {
            let a = a.strip_prefix("$a").unwrap();
            let (k, part) = a.split_once('.').unwrap_or((a, "lo32"));
            let arg = args[k.parse::<usize>().unwrap()];
            if part == "hi32" { arg >> 32 } else { arg & 0xFFFF_FFFF }
        }
    };
    if let Some((mask, datum)) = rest.strip_prefix("& ").and_then(|r| r.split_once(" == ")) {
        return v & num(mask) == num(datum);
    }
    let (op, d) = rest.split_once(' ').unwrap();
    match op {
        "==" => v == num(d),
        ">=" => v >= num(d),
        ">" => v > num(d),
        _ => panic!("PFC operator {op}"),
    }
}

/// The PFC's verdict: statements in order, an `if` falling through to the
/// next statement when its branch decides nothing (as the filter falls
/// through to the next node of a level). Both x86_64 and x32 filters test
/// the same `$arch`: an x32 number enters the x32 one.
fn eval(prog: &[St], arch: u32, nr: u32, args: &[u64; 6]) -> Option<u32> {
    let mut filter = "";
    for st in prog {
        match st {
            St::Arch(a) => filter = a,
            St::Action(a) => return Some(*a),
            St::If(c, then, els) => {
                if c.starts_with("$arch") && arch == AUDIT_ARCH_X86_64 && (filter == "x32") != (nr & X32 != 0) {
                    continue;
                }
                if let Some(a) = eval(if holds(c, arch, nr, args) { then } else { els }, arch, nr, args) {
                    return Some(a);
                }
            }
        }
    }
    None
}

/// How the reference and libseccomp compare on `s`.
#[derive(Debug, PartialEq)]
enum Outcome {
    Same,
    /// libseccomp did not finish.
    Skipped,
    /// Only one of them refused the profile.
    Refusal,
    /// Different verdicts: the first one found.
    Verdict(String),
}

fn compare(s: &Seccomp<'static>, rng: &mut Rng, per_nr: usize) -> Outcome {
    let Some(theirs) = pfc(s) else { return Outcome::Skipped };
    let prog = match (theirs, reference::check(s)) {
        (None, Err(_)) => return Outcome::Same,
        (Some(prog), Ok(())) => prog,
        _ => return Outcome::Refusal,
    };
    let vals = arg_candidates(s);
    let permissive = matches!(s.default_action, Action::Allow | Action::Log | Action::Trace(_));
    for (arch, nr) in nr_candidates(s) {
        let abi = match arch {
            AUDIT_ARCH_X86_64 if nr & X32 != 0 => Abi::X32,
            AUDIT_ARCH_X86_64 => Abi::X86_64,
            AUDIT_ARCH_I386 => Abi::X86,
            _ => continue,
        };
        let limit = reference::max(s, abi).filter(|_| !permissive).unwrap_or(u32::MAX >> 2 | X32);
        if nr > limit || (abi != Abi::X86_64 && s.architectures & abi.bit() == 0) {
            continue;
        }
        for k in 0..per_nr + 2 {
            let args = match k {
                0 => [0; 6],
                1 => [u64::MAX; 6],
                _ => core::array::from_fn(|_| rng.pick(&vals)),
            };
            let (got, want) = (eval(&prog, arch, nr, &args), reference::eval(s, arch, nr, args));
            if got != Some(want) {
                return Outcome::Verdict(format!("{abi:?} {nr:#x} {args:x?}: libseccomp {got:x?}, reference {want:#x}"));
            }
        }
    }
    Outcome::Same
}

/// Whether `s` has what the compiler's module doc says nsinit does not
/// model: on one syscall, two rules with different actions comparing one
/// argument with NE, GT, GE, LT or LE, with equal high words.
fn node_level(s: &Seccomp<'static>) -> bool {
    let conds = |r: &Rule| s.args[r.args.0 as usize..(r.args.0 + r.args.1) as usize].to_vec();
    let names = |r: &Rule| s.names[r.names.0 as usize..(r.names.0 + r.names.1) as usize].to_vec();
    let ranged = |a: &ArgCmp| matches!(a.op, Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge);
    s.rules.iter().any(|r1| {
        s.rules.iter().any(|r2| {
            r1.action != r2.action
                && names(r1).iter().any(|n| names(r2).contains(n))
                && conds(r1).iter().any(|a| {
                    conds(r2).iter().any(|b| a.index == b.index && (ranged(a) || ranged(b)) && a.value >> 32 == b.value >> 32)
                })
        })
    })
}

/// Docker's profile, and random profiles with overlapping rules (half of
/// them on few small values): the same verdicts and refusals as
/// libseccomp, but where the compiler's module doc says otherwise.
#[test]
#[ignore]
fn reference_against_libseccomp() {
    let mut rng = Rng(0x5ecc_0111);
    assert_eq!(compare(&docker().linux.seccomp, &mut rng, 4), Outcome::Same, "Docker's profile");

    const NAMES: &[&str] = &["read", "personality", "socket", "getppid", "clone"];
    let ops = [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::MaskedEq];
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(2000);
    let mut counts = std::collections::BTreeMap::new();
    for round in 0..rounds {
        let small = round % 2 == 0;
        let action = |rng: &mut Rng| match rng.below(6) {
            0 => Action::Trap,
            1 | 2 => Action::Errno(rng.below(3) as u16),
            3 => Action::Log,
            4 => Action::KillThread,
            _ => Action::Allow,
        };
        let default = action(&mut rng);
        let arches = ARCH_X86_64 | if rng.chance(50) { ARCH_X86 } else { 0 } | if rng.chance(30) { ARCH_X32 } else { 0 };
        let mut owned: Vec<(Vec<&str>, Action, Vec<ArgCmp>)> = vec![];
        for _ in 0..2 + rng.below(4) {
            let names = (0..1 + rng.below(2)).map(|_| rng.pick(NAMES)).collect();
            let args = (0..1 + rng.below(3))
                .map(|_| {
                    let (value, value_two) = if small {
                        ((rng.chance(20) as u64) << 32 | rng.below(4) as u64, rng.below(4) as u64)
                    } else {
                        let v = if rng.chance(70) { rng.pick(&EDGES) } else { rng.next() };
                        (v, if rng.chance(50) { rng.pick(&EDGES) } else { v & rng.next() })
                    };
                    arg(rng.below(3) as u8, rng.pick(&ops), value, value_two)
                })
                .collect();
            owned.push((names, action(&mut rng), args));
        }
        let rules: Vec<RuleSpec> = owned.iter().map(|(n, a, g)| (&n[..], *a, &g[..])).collect();
        let s = profile(default, arches, &rules);
        let outcome = compare(&s, &mut rng, 6);
        let key = match &outcome {
            Outcome::Same => "same",
            Outcome::Skipped => "libseccomp did not finish",
            _ if node_level(&s) => "differ, node-level (documented)",
            _ => {
                println!("round {round}: {outcome:?}\n{}", describe(&s));
                "differ, unexplained"
            }
        };
        *counts.entry(key).or_insert(0) += 1;
    }
    println!("{counts:?}");
    assert_eq!(counts.get("differ, unexplained"), None);
}
