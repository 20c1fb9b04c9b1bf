//! The seccomp compiler: a parsed `linux.seccomp` in, a classic BPF program
//! out. Pure: no syscalls, no heap, small stack frames (no recursion deeper
//! than the binary search); every buffer lives in `Compiler` and `Program`,
//! which the binary keeps in zeroed statics.
//!
//! # The program
//!
//! ```text
//!       ld  arch
//!       jeq AUDIT_ARCH_X86_64, 0, not64
//!       ld  nr
//!       jset X32_SYSCALL_BIT, x32, 0
//!       <x86_64 search>
//! x32:  <x32 search>                     ; nr is still in A; without
//!                                        ; SCMP_ARCH_X32: jeq -1, default, kill
//! not64:jeq AUDIT_ARCH_I386, 0, kill     ; only with SCMP_ARCH_X86
//!       ld  nr
//!       <x86 search>
//! kill: ret KILL_PROCESS                 ; any other architecture
//! ```
//!
//! Each search is a balanced binary search (`jge`) over the branch's
//! syscall numbers, cut into segments: runs of consecutive numbers with the
//! same argument-free verdict (named or not) collapse into one leaf, and each
//! syscall with argument conditions gets its own block. A syscall whose
//! verdict does not depend on its arguments is decided by `arch` and `nr`
//! loads and `jeq`/`jset`/`jge`/`ja` jumps alone, which is what the kernel's
//! action cache (Linux >= 5.11, kernel/seccomp.c `seccomp_is_const_allow`)
//! needs to skip the filter for it.
//!
//! The code is generated back to front, so every jump target already exists
//! when the jump is written: a conditional jump farther than 255 goes through
//! a `ja` placed right after it, and returns are shared while in reach.
//!
//! # The work
//!
//! It runs once, cold, in a fresh process: instructions, code and pages
//! touched all count (Docker's profile: ~213K instructions, four pages of
//! scratch and program).
//!
//! 1. `collect`: one backwards pass over the rules looks each name up once
//!    (`arch::Name::of`) and puts its (rule, name) in front of its number's
//!    list on every ABI filtered; a rule that always holds ends the list
//!    there (`RULE`), so most numbers are one link long.
//! 2. Per branch, `segments` walks the numbers named in order: a `RULE` link
//!    is a return, merged with its neighbours; a longer list is `decide`d
//!    once, libseccomp's way, and its kept rules stay in `units`, in the
//!    order libseccomp's filter tries them.
//! 3. `search` writes the binary search over the segments, `block` the
//!    kept rules of a conditional number.
//!
//! # The semantics: runc's with libseccomp
//!
//! - Names are resolved per ABI (`arch::Abi::sysno`); a name the ABI does not
//!   have is skipped for that ABI only (runc skips names libseccomp does not
//!   know, and libseccomp adds a rule to each architecture that has the
//!   syscall). An empty name fails, as in runc (`matchCall`: "empty string is
//!   not a valid syscall"), and so does `SCMP_ACT_ERRNO` with an errno above
//!   `MAX_ERRNO_RET` (4094), which libseccomp refuses: the default's first,
//!   then the first rule's (the same rule's empty name before it). runc adds
//!   no rule for a name libseccomp does not know, so it would run a rule
//!   whose names are all unknown; nsinit refuses that one too. On x86 a socket or SysV IPC syscall is also
//!   filtered in its multiplexed form, `socketcall`/`ipc` with
//!   `args[0] == call` in place of any condition on `args[0]`, as libseccomp
//!   does (src/syscalls.c `abi_rule_add`; `arch::x86_multiplexed`).
//! - A rule whose action equals the default action is skipped (runc
//!   `matchCall`: "This rule is redundant, silently skip it to avoid error
//!   from AddRule"); its names still count for the ENOSYS limit below.
//! - A rule naming the same argument index more than once becomes one rule
//!   per condition, OR'ed (runc `matchCall`, `hasMultipleArgs`, because
//!   libseccomp's `db_col_rule_add` refuses a repeated index with EINVAL);
//!   otherwise its conditions AND.
//! - Conditions compare unsigned 64-bit values on x86_64, split into high
//!   and low words (libseccomp src/db.c `_db_rule_gen_arg_64`), and the low
//!   32 bits only on x86 and x32 (`_db_rule_gen_arg_32`; see `Abi::args_32bit`).
//!   `SCMP_CMP_MASKED_EQ` tests `arg & value == valueTwo & value`:
//!   libseccomp masks the datum too (`_db_node_mask_fixup`). A masked
//!   comparison whose mask is zero (on the compared width) is always true and
//!   dropped, as libseccomp does (`_db_arg_cmp_need_lo/hi`).
//! - Several rules for one syscall, one ABI, in profile order
//!   (src/db.c `db_rule_add`, `_db_tree_prune`, `_db_tree_add`):
//!   - the first rule without conditions decides alone: it replaces the
//!     conditional rules added before it ("syscall exists with chains but the
//!     new filter has no chains"), and every later rule is dropped ("syscall
//!     exists without any chains - existing filter is at least as large");
//!   - conditional rules are kept in a set. Read as lists of normalised
//!     conditions in argument order (libseccomp compares tree nodes; whole
//!     conditions here), a new rule is dropped when a kept one is
//!     its prefix ("existing tree is shorter"), or a subset with the same
//!     action (`_DB_IST_M_REDUNDANT`); it removes the kept rules it is a
//!     non-prefix subset of with the same action (the prune), and those it
//!     is a prefix of when the actions agree. The same conditions, or a
//!     prefix of a kept rule, with a different action is
//!     `CompileError::Conflict`: libseccomp returns -EEXIST and runc fails;
//!   - the first kept rule that holds decides, else the default action,
//!     in the order libseccomp's filter tries them, not the profile's.
//!     libseccomp merges a syscall's rules into a tree of 32-bit
//!     comparisons (`Node`: two per condition on x86_64, high word first,
//!     one on x86 and x32); walking a level in order, a new node merges
//!     with an equal one or goes before the first that sorts below it
//!     (src/db.c `_db_tree_add`, `_db_chain_lt`: the higher argument
//!     first; then EQ, NE and MASKED_EQ, then LT and LE, then GT and GE;
//!     then the larger value, the smaller for LT and LE; equals in the order
//!     they came), and the filter walks the tree depth first, falling
//!     through to the next node of a level when a subtree does not match
//!     (src/gen_bpf.c `_gen_bpf_chain`). So for two rules that both hold,
//!     the one on the higher argument decides (`Compiler::order` places
//!     each kept rule where the tree would, when the actions differ).
//!     What this does not model, as it compares whole conditions: on x86_64
//!     the high-word node of NE, GT, GE, LT and LE accepts or rejects by
//!     itself, and rules whose conditions on one argument share it (equal
//!     high words: every value below 2^32) merge their actions there by
//!     libseccomp's rules (an existing action wins over a longer rule; GT
//!     and GE go to the larger value of the node's first rule), or collide
//!     (EEXIST) where nsinit sees no conflict. Random profiles run against
//!     libseccomp 2.5.4's own rendering of its tree (the ignored
//!     `libseccomp` tests) differ only there: two rules with different
//!     actions comparing one argument with those operators.
//! - ENOSYS: numbers above the highest one the profile names on a branch
//!   (any rule, any action) return `SECCOMP_RET_ERRNO | ENOSYS`, so libc
//!   falls back from syscalls newer than the profile (clone3). runc adds this
//!   stub (libcontainer/seccomp/patchbpf/enosys_linux.go) unless the default
//!   action is permissive (`isAllowAction`: ALLOW, LOG and TRACE); so does
//!   nsinit. runc computes the limit per listed architecture only; nsinit
//!   always has the native one (the contract), so it applies to x86_64 even
//!   when `architectures` is absent.
//! - Architectures (the contract): x86_64 first; x32 numbers
//!   (`nr & X32_SYSCALL_BIT`, as runc's stub tests it) are filtered with the
//!   x32 table when `SCMP_ARCH_X32` is listed and killed otherwise; i386 is
//!   filtered with its table when `SCMP_ARCH_X86` is listed; anything else
//!   is `SECCOMP_RET_KILL_PROCESS` (libseccomp's bad-arch default is
//!   KILL_THREAD; the contract asks for the process). libseccomp's own x32
//!   test is `nr >= X32_SYSCALL_BIT` (src/gen_bpf.c), runc's stub's is
//!   bit 30 (`jset`); they differ for numbers with bit 31 alone, which no
//!   x86_64 syscall has (the kernel answers ENOSYS). runc's stub answers
//!   them ENOSYS, above the x86_64 limit, when it has one (a default that
//!   is not permissive, an x86_64 name); else libseccomp's filter kills
//!   them unless x32 is listed. nsinit too: `jset` where the stub decides
//!   or x32 is listed, `jge` otherwise.
//! - Syscall number -1 (`nr == 0xffffffff`), which a tracer writes to skip
//!   a call (seccomp(2): since Linux 4.8 the filter runs again after the
//!   tracer) and which `syscall(-1)` passes as well: libseccomp lets it
//!   through to the syscall search on purpose (src/gen_bpf.c
//!   `_gen_bpf_arch`: "make sure we don't trap the -1 syscall"), where no
//!   rule names it. So it is the default action on the x86_64 branch without
//!   `SCMP_ARCH_X32`, not the x32 kill, and runc's stub agrees (its x86_64
//!   section skips numbers with bit 30 set). With `SCMP_ARCH_X32`, and on
//!   i386, runc's stub sees it above the highest number first: ENOSYS (or
//!   the default under a permissive default, or with no names on the
//!   branch), which the x32 and x86 searches give as they stand.
//! - nsinit follows libseccomp's rule tree, not bugs of its BPF generator:
//!   2.5.4 can jump into a shared block that expects another argument word
//!   in the accumulator (src/gen_bpf.c `acc_start`; e.g. TRAP rules on
//!   `args[0] >= 2^32` and `args[0] < 1` of one syscall: a call with
//!   `args[0] == 17` compares its low word as the high one and traps).

use super::arch::{Abi, Name, x86_multiplexed};
use super::bpf::{
    AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_MAXINSNS,
    MAX_COND_JUMP, SECCOMP_DATA_ARCH, SECCOMP_DATA_NR, X32_SYSCALL_BIT, arg_hi, arg_lo,
};
use super::{ARCH_X32, ARCH_X86, Action, ArgCmp, Op, SECCOMP_RET_KILL_PROCESS, bpf};
use crate::spec::{MAX_SECCOMP_ARGS, MAX_SECCOMP_NAMES, MAX_SECCOMP_RULES, Rule, Seccomp};
use libc::sock_filter;

/// The longest program the kernel loads (`BPF_MAXINSNS`).
pub const MAX_INSNS: usize = BPF_MAXINSNS;

/// A compiled filter, ready for `SECCOMP_SET_MODE_FILTER`.
///
/// All-zero bytes are a valid (empty) `Program`: the binary keeps one in a
/// zeroed static (`sys::cell::Once::zeroed`), 32 KiB of .bss of which only
/// the pages written become resident. The program is written back to front
/// and stays where it ends, the last `len` of `insns`, next to `len` (and
/// to the static's flag after it): a Docker profile's touches one or two
/// pages.
#[repr(C)]
pub struct Program {
    insns: [sock_filter; MAX_INSNS],
    len: usize,
}

// SAFETY: sock_filter is four integers and len an integer: all-zero is an
// empty program.
unsafe impl crate::sys::cell::Zeroable for Program {}

impl Program {
    /// The instructions, for a `sock_fprog`.
    pub fn as_slice(&self) -> &[sock_filter] {
        self.insns.get(MAX_INSNS.saturating_sub(self.len)..).unwrap_or(&[])
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Why a profile cannot be compiled. `rule` is the index in
/// `linux.seccomp.syscalls`, `name` the index in that rule's `names`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompileError {
    /// The program would exceed `MAX_INSNS` instructions.
    TooLong,
    /// This rule gives the same conditions as an earlier rule for the same
    /// syscall, or a prefix of them, a different action; libseccomp refuses
    /// it with EEXIST, so runc fails.
    Conflict { rule: u16, name: u16 },
    /// An empty syscall name (runc: "empty string is not a valid syscall").
    EmptyName { rule: u16, name: u16 },
    /// `SCMP_ACT_ERRNO` with an errno above `MAX_ERRNO_RET`, in this rule or
    /// the default action: libseccomp refuses it (EINVAL), so runc fails.
    ErrnoRet { rule: u16 },
    DefaultErrnoRet,
    /// The rule ranges do not fit the spec's pools, or an argument index is
    /// above 5 (`spec::parse` never produces either).
    Malformed,
}

impl CompileError {
    /// A short reason for the diagnostic line.
    pub fn why(self) -> &'static str {
        match self {
            CompileError::TooLong => "the filter would exceed 4096 BPF instructions",
            CompileError::Conflict { .. } => "conflicts with an earlier rule for the same syscall",
            CompileError::EmptyName { .. } => "empty syscall name",
            CompileError::ErrnoRet { .. } | CompileError::DefaultErrnoRet => "must be at most 4094 with SCMP_ACT_ERRNO",
            CompileError::Malformed => "malformed rule",
        }
    }
}

type Result<T> = core::result::Result<T, CompileError>;

/// The highest errno `SCMP_ACT_ERRNO` may return: libseccomp accepts the
/// action only below MAX_ERRNO, 4095 (src/system.c `sys_chk_seccomp_action`;
/// the kernel would cap the errno at 4095), so runc fails to create a filter
/// whose default (`seccomp_init`) or rule (`seccomp_rule_add`) returns more.
/// TRACE takes any 16 bits; the other actions ignore `errnoRet`.
pub const MAX_ERRNO_RET: u16 = 4094;

fn errno_too_big(a: Action) -> bool {
    matches!(a, Action::Errno(e) if e > MAX_ERRNO_RET)
}

/// Syscall numbers, without the x32 bit, are below this on every ABI (the
/// tables' highest is 547).
const NR_LIMIT: usize = 576;

/// A link in the rules of one syscall number, in profile order: a key
/// (below `MAX_KEYS`), the end (`END`), or `RULE | rule`: a rule that always
/// holds on the branch, last in its list (it decides once the keys before
/// it agree, and what comes after it never counts).
type Link = u16;
const END: Link = 0x7FFF;
const RULE: Link = 0x8000;

/// A (rule, name) of a branch whose rule can hold or not (or repeats an
/// index); with `call`, the x86 socketcall/ipc form of a rule (see
/// `arch::x86_multiplexed`); and the next link of its number's list.
/// One word (rule, name, call, split and next from the low bits up):
/// `collect` writes one per conditional (rule, name) and ABI, in four
/// inlined copies of `add`, each a single store.
#[derive(Clone, Copy)]
struct Key(u64);

impl Key {
    /// `split`: the rule repeats an index: one unit per condition.
    fn new(rule: u16, name: u16, split: bool) -> Key {
        Key(u64::from(rule) | u64::from(name) << 16 | u64::from(split) << 40 | u64::from(END) << 48)
    }

    fn rule(self) -> u16 {
        self.0 as u16
    }

    fn name(self) -> u16 {
        (self.0 >> 16) as u16
    }

    fn call(self) -> u8 {
        (self.0 >> 32) as u8
    }

    fn split(self) -> bool {
        self.0 >> 40 & 1 != 0
    }

    fn next(self) -> Link {
        (self.0 >> 48) as Link
    }

    fn with_call(self, call: u8) -> Key {
        Key(self.0 & !(0xFF << 32) | u64::from(call) << 32)
    }

    fn with_next(self, next: Link) -> Key {
        Key(self.0 & !(0xFFFF << 48) | u64::from(next) << 48)
    }
}

/// At most four keys per name of the spec: one per ABI, and on x86 the
/// multiplexed form of a socket or IPC syscall.
const MAX_KEYS: usize = 4 * MAX_SECCOMP_NAMES;
const _: () = assert!(MAX_KEYS <= END as usize);
const _: () = assert!(MAX_SECCOMP_RULES <= END as usize);

/// A range of syscall numbers with one outcome: `ret` when `count` is 0,
/// else the kept conditional rules `units[first..first + count]`.
#[derive(Clone, Copy)]
struct Seg {
    start: u32,
    ret: u32,
    first: u16,
    count: u16,
}

/// Each segment boundary costs a `jge`, so more segments than instructions
/// cannot fit anyway.
const MAX_SEGS: usize = MAX_INSNS + 1;

/// A condition of a kept rule: `Seccomp::args[i]`, or from `CALL` on the
/// multiplexer's `args[0] == i - CALL`. Compared as `Conds::get` normalises
/// it, so two references may name equal conditions.
type CondRef = u16;
const CALL: CondRef = 0xFF00;
const _: () = assert!(MAX_SECCOMP_ARGS < CALL as usize);

/// A conditional rule's conditions (with their argument indexes) in
/// argument order.
#[derive(Clone, Copy)]
struct Chain {
    conds: [CondRef; 6],
    index: [u8; 6],
    len: u8,
}

impl Chain {
    fn as_slice(&self) -> &[CondRef] {
        self.conds.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Whether `self` is a prefix of `b`, knowing what they have in
    /// `common` (`Conds::common`).
    fn is_prefix_of(&self, b: &Chain, common: u8) -> bool {
        common == self.len && self.len <= b.len
    }

    /// Inserts in argument order, after the conditions on the same index
    /// (indexes are unique within a chain, but for the call's 0).
    fn insert(&mut self, c: CondRef, index: u8) -> Result<()> {
        let mut i = usize::from(self.len);
        if i >= self.conds.len() {
            return Err(CompileError::Malformed);
        }
        // Move the later ones up, one by one (copy_within's bounds checks
        // would be a panic path).
        while let (Some(&before), Some(&at)) = (self.index.get(i.wrapping_sub(1)), self.conds.get(i.wrapping_sub(1))) {
            if before <= index {
                break;
            }
            if let (Some(ci), Some(ii)) = (self.conds.get_mut(i), self.index.get_mut(i)) {
                (*ci, *ii) = (at, before);
            }
            i -= 1;
        }
        if let (Some(ci), Some(ii)) = (self.conds.get_mut(i), self.index.get_mut(i)) {
            (*ci, *ii) = (c, index);
        }
        self.len += 1;
        Ok(())
    }
}

/// A conditional rule as libseccomp keeps it: a rule, or with a repeated
/// index one condition of it, or its x86 multiplexed form.
#[derive(Clone, Copy)]
struct Kept {
    chain: Chain,
    /// Its place in the order the rules were kept (`Compiler::order`).
    seq: u16,
    /// The rule's action as the filter returns it (`Action::ret` tells
    /// actions apart: equal returns are equal actions).
    ret: u32,
}

/// Kept conditional rules of a branch: each costs at least a load and a
/// jump, so more cannot fit anyway.
const MAX_UNITS: usize = MAX_INSNS / 2;
const _: () = assert!(MAX_UNITS <= u16::MAX as usize);

/// The syscall numbers of one ABI that rules name: a bit per number
/// (without the x32 bit), and where its rules start.
#[derive(Clone, Copy)]
struct Numbers {
    named: [u64; NR_LIMIT / 64],
    rules: [Link; NR_LIMIT],
}

/// The compiler's scratch space: the rules per number of each ABI, and the
/// segments and kept rules of the branch being compiled (~230 KiB).
///
/// All-zero bytes are a valid `Compiler`: the binary keeps one in a zeroed
/// static (`sys::cell::Once::zeroed`); `compile` resets what it uses.
///
/// A cold compile pays a zero-filled page for each page it touches, so what
/// a profile uses sits together: `keys` and `segs` are filled from their
/// end down (`down`), the few keys of most profiles next to the start of
/// `units`, the segments next to `numbers`, and the counts last, next to the
/// static's flag. A Docker profile touches three or four pages.
#[repr(C)]
pub struct Compiler {
    keys: [Key; MAX_KEYS],
    units: [Kept; MAX_UNITS],
    segs: [Seg; MAX_SEGS],
    /// Per ABI, by `Abi as usize`.
    numbers: [Numbers; 3],
    n_keys: usize,
    n_segs: usize,
    n_units: usize,
}

/// Element `i` of an array filled from its end down.
fn down<T>(a: &[T], i: usize) -> Option<&T> {
    a.get(a.len().checked_sub(i + 1)?)
}

fn down_mut<T>(a: &mut [T], i: usize) -> Option<&mut T> {
    let at = a.len().checked_sub(i + 1)?;
    a.get_mut(at)
}

// SAFETY: only integers and arrays of integer structs: all-zero is the
// empty state.
unsafe impl crate::sys::cell::Zeroable for Compiler {}

/// The compilation of one branch: the spec and the ABI.
#[derive(Clone, Copy)]
struct Cx<'s, 'a> {
    s: &'s Seccomp<'a>,
    abi: Abi,
}

impl Cx<'_, '_> {
    fn rule(&self, i: u16) -> Result<Rule> {
        self.s.rules.get(usize::from(i)).copied().ok_or(CompileError::Malformed)
    }

    fn default_ret(&self) -> u32 {
        self.s.default_action.ret()
    }
}

/// The argument range of unit `a` of the `n` a rule makes: one, or with a
/// repeated index (`SPLIT`) one per condition.
fn unit(r: &Rule, n: u16, a: u16) -> (u16, u16) {
    if n > 1 { (r.args.0.saturating_add(a), 1) } else { r.args }
}

/// A rule's facts, from its conditions: `SPLIT` when an index repeats;
/// `ALWAYS_64` (`ALWAYS_32`) when a unit of it always holds on x86_64 (on
/// the 32-bit ABIs): not split, all its conditions do; split, any one does.
fn facts(args: &[ArgCmp]) -> Result<u8> {
    let (mut seen, mut split) = (0u8, false);
    let (mut any, mut all) = ((false, false), (true, true));
    for a in args {
        let bit = 1u8.checked_shl(u32::from(a.index)).filter(|_| a.index <= 5).ok_or(CompileError::Malformed)?;
        split |= seen & bit != 0;
        seen |= bit;
        let holds = (normalize(a, Abi::X86_64).always(), normalize(a, Abi::X86).always());
        any = (any.0 | holds.0, any.1 | holds.1);
        all = (all.0 & holds.0, all.1 & holds.1);
    }
    let always = if split { any } else { all };
    Ok((u8::from(split) * SPLIT) | (u8::from(always.0) * ALWAYS_64) | (u8::from(always.1) * ALWAYS_32))
}

const SPLIT: u8 = 1;
const ALWAYS_64: u8 = 2;
const ALWAYS_32: u8 = 4;

// What a (rule, name) does to its number's list on an ABI (`Compiler::add`):
/// The rule always holds and is one unit: it alone decides, once the rules
/// before it agree (a `RULE` link).
const DECIDES: u8 = 0;
/// A unit of the rule always holds: nothing after it counts.
const ENDS: u8 = 1;
/// The rule may or may not hold: the rules after it count too.
const WAITS: u8 = 2;

/// The spec's conditions (`Seccomp::args`) and the branch's ABI, to build
/// and compare chains.
#[derive(Clone, Copy)]
struct Conds<'c> {
    args: &'c [ArgCmp],
    abi: Abi,
}

impl Conds<'_> {
    /// A condition as libseccomp compares it on this ABI (references come
    /// from `chain`, so they are in range).
    fn get(&self, c: CondRef) -> Cond {
        normalize(&self.arg(c), self.abi)
    }

    /// The condition `c` refers to, as the spec gives it.
    #[inline(always)]
    fn arg(&self, c: CondRef) -> ArgCmp {
        match c.checked_sub(CALL) {
            Some(call) => ArgCmp { index: 0, op: Op::Eq, value: u64::from(call), value_two: 0 },
            None => self.args.get(usize::from(c)).copied().unwrap_or(ArgCmp { index: 0, op: Op::Eq, value: 0, value_two: 0 }),
        }
    }

    /// Whether `a` and `b` are the same condition as compared on this ABI
    /// (their `normalize`d forms are equal), without normalising them.
    fn same(&self, a: CondRef, b: CondRef) -> bool {
        if a == b {
            return true;
        }
        let (a, b) = (self.arg(a), self.arg(b));
        let width = if self.abi.args_32bit() { u64::from(u32::MAX) } else { u64::MAX };
        a.index == b.index
            && a.op == b.op
            && match a.op {
                Op::MaskedEq => (a.value ^ b.value) & width == 0 && (a.value & a.value_two ^ b.value & b.value_two) & width == 0,
                _ => (a.value ^ b.value) & width == 0,
            }
    }

    /// How many conditions `a` and `b` have in common at their start: `a`
    /// is a prefix of `b` when that is all of `a` and `a` is not longer.
    fn common(&self, a: &Chain, b: &Chain) -> u8 {
        let mut n = 0;
        for (&x, &y) in a.as_slice().iter().zip(b.as_slice()) {
            if !self.same(x, y) {
                break;
            }
            n += 1;
        }
        n
    }

    fn is_subset_of(&self, a: &Chain, b: &Chain) -> bool {
        a.as_slice().iter().all(|&x| b.as_slice().iter().any(|&y| self.same(x, y)))
    }

    /// Node `level` of a chain's path in libseccomp's tree: on x86_64 two
    /// per condition, high word first; one on the 32-bit ABIs.
    #[inline(never)]
    fn node(&self, chain: &Chain, level: usize) -> Option<Node> {
        let wide = !self.abi.args_32bit();
        let hi = wide && level.is_multiple_of(2);
        let c = self.get(*chain.as_slice().get(level >> usize::from(wide))?);
        let op = match c.op {
            Op::Ne => Op::Eq,
            Op::Lt => Op::Ge,
            Op::Le => Op::Gt,
            op => op,
        };
        // A high word compares every ordering with GT first.
        let op = if hi && !matches!(op, Op::Eq | Op::MaskedEq) { Op::Gt } else { op };
        let shift = if hi { 32 } else { 0 };
        let (datum, mask) = ((c.datum >> shift) as u32, (c.mask >> shift) as u32);
        let word = u64::from(2 * c.index + u8::from(hi));
        let (class, order) = match c.op {
            Op::Eq | Op::Ne | Op::MaskedEq => (3, datum),
            Op::Lt | Op::Le => (2, !datum),
            Op::Gt | Op::Ge => (1, datum),
        };
        Some(Node {
            id: word << 40 | (op as u64) << 32 | u64::from(datum),
            mask,
            rank: word << 34 | class << 32 | u64::from(order),
        })
    }

    /// Where libseccomp's tree puts a rule with `chain` among `placed`
    /// (in tree order): level by level, into the group of rules whose node
    /// its own merges with, else before the first group whose node sorts
    /// below its own (`_db_tree_add`), else after the last; a path that
    /// ends goes before the longer ones (the depth-first walk tries a
    /// node's action before its subtree). A group's node is as the group's
    /// first kept rule made it (its operator sorts it).
    fn tree_position(&self, placed: &[Kept], chain: &Chain) -> usize {
        let (mut lo, mut hi) = (0, placed.len());
        let mut level = 0;
        while let Some(n) = self.node(chain, level) {
            let mut g = lo;
            loop {
                let Some(k) = placed.get(g).filter(|_| g < hi) else { return hi };
                // A rule whose path ends above this level stays first.
                let Some(first) = self.node(&k.chain, level) else {
                    g += 1;
                    continue;
                };
                let (mut end, mut made, mut seq) = (g + 1, first, k.seq);
                while let Some(k) = placed.get(end).filter(|_| end < hi) {
                    match self.node(&k.chain, level) {
                        Some(y) if y.merges(&first) => {
                            if k.seq < seq {
                                (made, seq) = (y, k.seq);
                            }
                        }
                        _ => break,
                    }
                    end += 1;
                }
                if made.merges(&n) {
                    (lo, hi) = (g, end);
                    break;
                }
                if made.below(&n) {
                    return g;
                }
                g = end;
            }
            level += 1;
        }
        // Its path ends here, above the rest of the group (which it cannot
        // overlap: `keep` leaves no prefix of another kept rule but one
        // libseccomp sends the other way, as EQ and NE).
        lo
    }

    /// Whether every condition of `range` always holds.
    fn always(&self, range: (u16, u16)) -> Result<bool> {
        Ok(pool(self.args, range)?.iter().all(|a| normalize(a, self.abi).always()))
    }

    /// A unit's chain: the conditions of `range` that do not always hold,
    /// and for a multiplexed form `args[0] == call` in place of any on
    /// args[0] (src/syscalls.c `abi_rule_add`).
    fn chain(&self, (start, len): (u16, u16), call: u8) -> Result<Chain> {
        let mut chain = Chain { conds: [0; 6], index: [0; 6], len: 0 };
        if call != 0 {
            chain.insert(CALL + u16::from(call), 0)?;
        }
        for (i, a) in (start..).zip(pool(self.args, (start, len))?) {
            let c = normalize(a, self.abi);
            if !c.always() && (call == 0 || c.index != 0) {
                chain.insert(i, c.index)?;
            }
        }
        Ok(chain)
    }
}

fn pool<T>(pool: &[T], (start, len): (u16, u16)) -> Result<&[T]> {
    let start = usize::from(start);
    pool.get(start..start + usize::from(len)).ok_or(CompileError::Malformed)
}

/// runc adds the ENOSYS stub unless the default action is permissive
/// (patchbpf `isAllowAction`: a tracer should handle new syscalls itself).
fn enosys_stub(default: Action) -> bool {
    !matches!(default, Action::Allow | Action::Log | Action::Trace(_))
}

const RET_ENOSYS: u32 = super::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;

/// One condition as libseccomp compares it on an ABI: width-truncated,
/// with the masked datum. A `mask` of 0 always holds: libseccomp drops
/// such a condition.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Cond {
    mask: u64,
    datum: u64,
    index: u8,
    op: Op,
}

impl Cond {
    fn always(&self) -> bool {
        self.mask == 0
    }
}

/// A node of libseccomp's rule tree (src/db.c `_db_rule_gen_64`,
/// `_db_rule_gen_32`): one 32-bit comparison, as two keys (`Conds::node`).
#[derive(Clone, Copy)]
struct Node {
    /// What `_db_chain_eq` compares (nodes libseccomp merges): the argument
    /// word (`2 * index`, + 1 for the high word), the operator the node
    /// compares with (NE as EQ, LT as GE, LE as GT; a high word GT for all
    /// four orderings), the masked datum; and the mask.
    id: u64,
    mask: u32,
    /// How `_db_chain_lt` sorts it, the greatest first in a level: by word,
    /// then the rule's own operator (EQ, NE and MASKED_EQ above LT and LE
    /// above GT and GE), then the datum (the smaller one greater for LT and
    /// LE).
    rank: u64,
}

impl Node {
    fn merges(&self, b: &Node) -> bool {
        self.id == b.id && self.mask == b.mask
    }

    /// A new node goes before the first one below it, so after its equals.
    fn below(&self, b: &Node) -> bool {
        self.rank < b.rank
    }
}

/// The normalised form of `a` (index 0..=5) on `abi`.
fn normalize(a: &ArgCmp, abi: Abi) -> Cond {
    let width = if abi.args_32bit() { u64::from(u32::MAX) } else { u64::MAX };
    let (mask, datum) = match a.op {
        Op::MaskedEq => (a.value & width, a.value_two & a.value & width),
        _ => (width, a.value & width),
    };
    Cond { mask, datum, index: a.index, op: a.op }
}

/// A branch outcome for one syscall number.
enum Out {
    Ret(u32),
    /// The kept conditional rules are in `Compiler::units`, from the
    /// position `decide` was given.
    Cond,
}

/// Where a jump goes: an emitted instruction (its label), or with
/// `RET_TARGET` a return of the low 32 bits (emitted, or shared, when the
/// jump is written). One integer, so that it travels in a register.
#[derive(Clone, Copy)]
struct Target(u64);

const RET_TARGET: u64 = 1 << 32;

impl Target {
    /// Labels count instructions written, far below 2^32.
    fn label(l: usize) -> Target {
        Target(l as u64 & (RET_TARGET - 1))
    }

    fn ret(k: u32) -> Target {
        Target(RET_TARGET | u64::from(k))
    }

    /// The value returned, for a return.
    fn as_ret(self) -> Option<u32> {
        (self.0 & RET_TARGET != 0).then_some(self.0 as u32)
    }
}

/// The back-to-front writer. A label is the position of an instruction
/// counted from the end of the program (the first instruction written is
/// label 1), so labels stay valid as code is added in front.
///
/// It never fails: past `MAX_INSNS` it only counts (`full`), and the
/// compiler checks that before each step that could fail otherwise.
struct Emit<'p> {
    p: &'p mut Program,
    /// Instructions written, or that would have been.
    len: usize,
    /// Recently written returns: their values and labels (0: an empty
    /// slot).
    ret_values: [u32; 8],
    ret_labels: [usize; 8],
    next_ret: usize,
}

impl Emit<'_> {
    /// Not inlined: a dozen call sites each grew by its bounds-checked
    /// store. The conditional jump, most of a program, writes with
    /// `emit_here` instead.
    #[inline(never)]
    fn emit(&mut self, insn: sock_filter) -> usize {
        self.emit_here(insn)
    }

    #[inline(always)]
    fn emit_here(&mut self, insn: sock_filter) -> usize {
        self.len += 1;
        if let Some(slot) = MAX_INSNS.checked_sub(self.len).and_then(|i| self.p.insns.get_mut(i)) {
            *slot = insn;
        }
        self.len
    }

    fn full(&self) -> bool {
        self.len > MAX_INSNS
    }

    /// How many instructions a jump written next skips to reach `label`.
    fn distance(&self, label: usize) -> usize {
        self.len.saturating_sub(label)
    }

    fn resolve(&mut self, t: Target) -> usize {
        let Some(k) = t.as_ret() else { return t.0 as usize };
        // Leave room for the instructions a jump may still add in between.
        for (&rk, &l) in self.ret_values.iter().zip(&self.ret_labels) {
            if rk == k && l != 0 && self.len - l < MAX_COND_JUMP - 2 {
                return l;
            }
        }
        let l = self.emit(bpf::ret(k));
        let i = self.next_ret % 8;
        if let (Some(v), Some(slot)) = (self.ret_values.get_mut(i), self.ret_labels.get_mut(i)) {
            (*v, *slot) = (k, l);
        }
        self.next_ret = self.next_ret.wrapping_add(1);
        l
    }

    /// A conditional jump (`BPF_JMP | op | BPF_K`), through a `ja` for a
    /// target out of reach of the 8-bit offsets.
    fn jump(&mut self, op: u16, k: u32, jt: Target, jf: Target) -> usize {
        let mut jt = self.resolve(jt);
        let mut jf = self.resolve(jf);
        loop {
            let (dt, df) = (self.distance(jt), self.distance(jf));
            if dt > MAX_COND_JUMP {
                jt = self.emit(bpf::ja(dt as u32));
            } else if df > MAX_COND_JUMP {
                jf = self.emit(bpf::ja(df as u32));
            } else {
                return self.emit_here(bpf::jump(BPF_JMP | op | BPF_K, k, dt as u8, df as u8));
            }
        }
    }

    /// Makes `t` the next instruction (for code that falls through into it).
    fn place(&mut self, t: Target) -> usize {
        match t.as_ret() {
            Some(k) => self.emit(bpf::ret(k)),
            None if t.0 as usize == self.len => self.len,
            None => self.emit(bpf::ja(self.distance(t.0 as usize) as u32)),
        }
    }

    /// The program is complete: it is the last `len` instructions.
    fn finish(self) -> Result<()> {
        if self.full() {
            return Err(CompileError::TooLong);
        }
        self.p.len = self.len;
        Ok(())
    }
}

impl Compiler {
    /// Compiles `s` into `out`; on error `out` is left empty.
    pub fn compile(&mut self, s: &Seccomp<'_>, out: &mut Program) -> Result<()> {
        out.len = 0;
        let r = self.program(s, out);
        if r.is_err() {
            out.len = 0;
        }
        r
    }

    /// Never inlined into `compile` (its one caller, itself inlined into
    /// `load::compile`): -80 B out of line, one call per filter.
    #[inline(never)]
    fn program(&mut self, s: &Seccomp<'_>, out: &mut Program) -> Result<()> {
        // runc creates the filter with the default action before it adds
        // rules.
        if errno_too_big(s.default_action) {
            return Err(CompileError::DefaultErrnoRet);
        }
        let max = self.collect(s)?;
        let mut e = Emit { p: out, len: 0, ret_values: [0; 8], ret_labels: [0; 8], next_ret: 0 };
        let kill = Target::ret(SECCOMP_RET_KILL_PROCESS);
        // Written first, so it is the last instruction, as the kernel wants.
        e.resolve(kill);
        let x86 = if s.architectures & ARCH_X86 != 0 {
            let mut body = self.branch(Cx { s, abi: Abi::X86 }, &mut e, max)?;
            // One verdict for every number: no need to load it.
            if body.as_ret().is_none() {
                e.place(body);
                body = Target::label(e.emit(bpf::load(SECCOMP_DATA_NR)));
            }
            Target::label(e.jump(BPF_JEQ, AUDIT_ARCH_I386, body, kill))
        } else {
            kill
        };
        let x32 = if s.architectures & ARCH_X32 != 0 {
            self.branch(Cx { s, abi: Abi::X32 }, &mut e, max)?
        } else {
            // nr -1 (a tracer skipping the call) gets the default action,
            // as in libseccomp (see the module doc).
            Target::label(e.jump(BPF_JEQ, u32::MAX, Target::ret(s.default_action.ret()), kill))
        };
        let x86_64 = self.branch(Cx { s, abi: Abi::X86_64 }, &mut e, max)?;
        // Without x32, numbers with bit 31 alone are killed too, unless
        // runc's stub answers them ENOSYS first (see the module doc).
        let stub_first = enosys_stub(s.default_action) && max.first().is_some_and(Option::is_some);
        let test = if s.architectures & ARCH_X32 == 0 && !stub_first { BPF_JGE } else { BPF_JSET };
        e.jump(test, X32_SYSCALL_BIT, x32, x86_64);
        let l = e.emit(bpf::load(SECCOMP_DATA_NR));
        e.jump(BPF_JEQ, AUDIT_ARCH_X86_64, Target::label(l), x86);
        e.emit(bpf::load(SECCOMP_DATA_ARCH));
        e.finish()
    }

    /// One ABI's search, with the syscall number in A; `max` is the
    /// highest number each ABI's rules name.
    fn branch(&mut self, cx: Cx, e: &mut Emit, max: [Option<u32>; 3]) -> Result<Target> {
        // The code so far must fit before this branch's conflicts count.
        if e.full() {
            return Err(CompileError::TooLong);
        }
        self.segments(cx, max.get(cx.abi as usize).copied().flatten())?;
        let t = self.search(cx, e, 0, self.n_segs);
        if e.full() {
            return Err(CompileError::TooLong);
        }
        Ok(t)
    }

    /// Looks every name up, once, and lists the rules of each syscall
    /// number the rules name on each ABI filtered, but those that repeat the
    /// default action; returns the highest number named by any rule, per
    /// ABI.
    fn collect(&mut self, s: &Seccomp<'_>) -> Result<[Option<u32>; 3]> {
        // x86_64 always (the contract); x32 and x86 when listed.
        let listed = [true, s.architectures & ARCH_X32 != 0, s.architectures & ARCH_X86 != 0];
        for n in &mut self.numbers {
            n.named = [0; NR_LIMIT / 64];
        }
        self.n_keys = 0;
        // Per ABI, the highest number + 1 (0: none).
        let (mut above, mut refused) = ([0u32; 3], Ok(()));
        // Backwards, each key in front of its number's list: the lists come
        // out in profile order, cut after their first rule that always
        // holds.
        for (ri, rule) in s.rules.iter().enumerate().rev() {
            if errno_too_big(rule.action) {
                // The first one in profile order is the error.
                refused = Err(CompileError::ErrnoRet { rule: ri as u16 });
            }
            let skip = rule.action == s.default_action;
            let facts = facts(pool(&s.args, rule.args)?)?;
            let kind = |always: u8| match facts & (SPLIT | always) {
                f if f == always => DECIDES,
                f if f & always != 0 => ENDS,
                _ => WAITS,
            };
            // By `Abi as usize`: x32 and x86 compare 32-bit arguments.
            let (k64, k32) = (kind(ALWAYS_64), kind(ALWAYS_32));
            let kinds = [k64, k32, k32];
            for (ni, name) in pool(&s.names, rule.names)?.iter().enumerate().rev() {
                let key = Key::new(ri as u16, ni as u16, facts & SPLIT != 0);
                let name = name.to_bytes();
                if name.is_empty() {
                    // The first one in profile order is the error.
                    refused = Err(CompileError::EmptyName { rule: key.rule(), name: key.name() });
                    continue;
                }
                let Some(name) = Name::of(name) else { continue };
                let [x86_64, x32, x86] = name.numbers();
                // Written out per ABI: a loop over the three costs more than
                // the work in it.
                // runc's ENOSYS limit counts the syscall's own number only
                // (patchbpf `findLastSyscalls`).
                if x86_64 != u32::MAX {
                    above[0] = above[0].max(x86_64 + 1);
                    if !skip {
                        self.add(Abi::X86_64 as usize, x86_64, key, kinds[0])?;
                    }
                }
                if listed[1] && x32 != u32::MAX {
                    above[1] = above[1].max(x32 + 1);
                    if !skip {
                        self.add(Abi::X32 as usize, x32, key, kinds[1])?;
                    }
                }
                if listed[2] {
                    if x86 != u32::MAX {
                        above[2] = above[2].max(x86 + 1);
                        if !skip {
                            self.add(Abi::X86 as usize, x86, key, kinds[2])?;
                        }
                    }
                    if let (false, Some((nr, call))) = (skip, x86_multiplexed(name)) {
                        self.add(Abi::X86 as usize, nr, key.with_call(call as u8), WAITS)?;
                    }
                }
            }
        }
        let max = |above: u32, base: u32| above.checked_sub(1).map(|m| base | m);
        refused.map(|()| [max(above[0], 0), max(above[1], X32_SYSCALL_BIT), max(above[2], 0)])
    }

    /// Puts `key` in front of the rules of number `i` (without the x32 bit)
    /// of ABI `abi` (`Abi as usize`).
    #[inline(always)]
    fn add(&mut self, abi: usize, i: u32, key: Key, kind: u8) -> Result<()> {
        let i = i as usize;
        let numbers = self.numbers.get_mut(abi).ok_or(CompileError::Malformed)?;
        let named = numbers.named.get_mut(i / 64).ok_or(CompileError::Malformed)?;
        let slot = numbers.rules.get_mut(i).ok_or(CompileError::Malformed)?;
        let bit = 1u64 << (i % 64);
        let next = if *named & bit == 0 { END } else { *slot };
        *named |= bit;
        *slot = if kind == DECIDES {
            RULE | key.rule()
        } else {
            let k = self.n_keys;
            *down_mut(&mut self.keys, k).ok_or(CompileError::Malformed)? = key.with_next(if kind == ENDS { END } else { next });
            self.n_keys = k + 1;
            k as Link
        };
        Ok(())
    }

    /// The key at `link`, None at the end; a `RULE` link is its rule's key
    /// (its name is never needed: that rule cannot conflict).
    fn key(&self, link: Link) -> Result<Option<Key>> {
        Ok(match link {
            END => None,
            l if l & RULE != 0 => Some(Key::new(l & !RULE, 0, false)),
            l => Some(down(&self.keys, usize::from(l)).copied().ok_or(CompileError::Malformed)?),
        })
    }

    /// Cuts the number space into segments from the named numbers, and
    /// keeps the conditional rules of those that have them in `units`.
    fn segments(&mut self, cx: Cx, max: Option<u32>) -> Result<()> {
        (self.n_segs, self.n_units) = (0, 0);
        // More kept rules than fit in a program: TooLong once every number
        // has been checked for conflicts.
        let mut too_many = false;
        let default = cx.default_ret();
        let base = if cx.abi == Abi::X32 { X32_SYSCALL_BIT } else { 0 };
        // `prev`: the rule that decided number `next - 1` alone.
        let (mut next, mut prev) = (0u32, END);
        let abi = cx.abi as usize;
        for w in 0..NR_LIMIT / 64 {
            // A word at a time, not a copy of the bitmap.
            let mut bits = self.numbers.get(abi).and_then(|n| n.named.get(w)).copied().unwrap_or(0);
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let nr = base | i as u32;
                let rules = self.numbers.get(abi).and_then(|n| n.rules.get(i)).copied().ok_or(CompileError::Malformed)?;
                if rules == prev && nr == next {
                    // Same rule, same return: the segment goes on.
                    next = nr + 1;
                    continue;
                }
                if nr > next {
                    self.push_seg(next, default, 0, 0)?;
                }
                prev = END;
                if rules & RULE != 0 {
                    prev = rules;
                    self.push_seg(nr, cx.rule(rules & !RULE)?.action.ret(), 0, 0)?;
                } else {
                    let first = if too_many { 0 } else { self.n_units };
                    let out = match self.decide(cx, rules, first) {
                        // Too many with those of the numbers before: this
                        // number's rules alone may still conflict.
                        Err(CompileError::TooLong) if first > 0 => {
                            too_many = true;
                            self.decide(cx, rules, 0)?
                        }
                        out => out?,
                    };
                    match out {
                        Out::Ret(k) => self.push_seg(nr, k, 0, 0)?,
                        Out::Cond if too_many => {}
                        Out::Cond => self.push_seg(nr, 0, first as u16, (self.n_units - first) as u16)?,
                    }
                }
                next = nr + 1;
            }
        }
        if too_many {
            return Err(CompileError::TooLong);
        }
        let tail = if enosys_stub(cx.s.default_action) { RET_ENOSYS } else { default };
        match max.map(|m| m.checked_add(1)) {
            Some(Some(above)) => {
                if above > next {
                    self.push_seg(next, default, 0, 0)?;
                }
                self.push_seg(above, tail, 0, 0)
            }
            Some(None) => Err(CompileError::Malformed),
            None => self.push_seg(next, default, 0, 0),
        }
    }

    /// Appends a segment, merging a return with an equal one before it.
    fn push_seg(&mut self, start: u32, ret: u32, first: u16, count: u16) -> Result<()> {
        if let Some(last) = self.n_segs.checked_sub(1).and_then(|i| down(&self.segs, i))
            && count == 0
            && last.count == 0
            && last.ret == ret
        {
            return Ok(());
        }
        let slot = down_mut(&mut self.segs, self.n_segs).ok_or(CompileError::TooLong)?;
        *slot = Seg { start, ret, first, count };
        self.n_segs += 1;
        Ok(())
    }

    /// The binary search over `segs[lo..hi]`.
    fn search(&self, cx: Cx, e: &mut Emit, lo: usize, hi: usize) -> Target {
        if hi <= lo + 1 {
            return self.leaf(cx, e, lo);
        }
        let mid = lo + (hi - lo) / 2;
        let start = down(&self.segs, mid).map_or(0, |s| s.start);
        // The upper half is written first: it ends up after the lower one,
        // which the comparison falls into. A return needs no call.
        let upper = if hi == mid + 1 { self.leaf(cx, e, mid) } else { self.search(cx, e, mid, hi) };
        let lower = if mid == lo + 1 { self.leaf(cx, e, lo) } else { self.search(cx, e, lo, mid) };
        Target::label(e.jump(BPF_JGE, start, upper, lower))
    }

    /// Segment `i` alone.
    fn leaf(&self, cx: Cx, e: &mut Emit, i: usize) -> Target {
        match down(&self.segs, i) {
            Some(seg) if seg.count == 0 => Target::ret(seg.ret),
            Some(seg) => self.block(cx, e, seg),
            None => Target::ret(cx.default_ret()),
        }
    }

    /// The kept rules of one syscall, tried in order, then the default.
    /// Not inlined: its locals would otherwise sit in every frame of the
    /// recursive search.
    #[inline(never)]
    fn block(&self, cx: Cx, e: &mut Emit, seg: &Seg) -> Target {
        let conds = Conds { args: &cx.s.args, abi: cx.abi };
        let first = usize::from(seg.first);
        let units = self.units.get(first..first + usize::from(seg.count)).unwrap_or(&[]);
        let mut fail = Target::ret(cx.default_ret());
        for unit in units.iter().rev() {
            let mut pass = Target::ret(unit.ret);
            for &c in unit.chain.as_slice().iter().rev() {
                pass = condition(e, &conds.get(c), cx.abi.args_32bit(), pass, fail);
            }
            fail = pass;
        }
        fail
    }

    /// Decides one syscall from its rules: an unconditional verdict, or the
    /// kept conditional rules in `units` (see the module doc).
    fn decide(&mut self, cx: Cx, rules: Link, at: usize) -> Result<Out> {
        let conds = Conds { args: &cx.s.args, abi: cx.abi };
        // A conflict needs two conditional rules with different actions
        // before the first unconditional one; without them, that one
        // decides alone, and the first pass need not build the set.
        let (mut first, mut mixed, mut build) = (None, false, false);
        'pass: loop {
            self.n_units = at;
            let mut link = rules;
            while let Some(k) = self.key(link)? {
                let (rule, n) = self.units_of(cx, k)?;
                let ret = rule.action.ret();
                for a in 0..n {
                    let range = unit(&rule, n, a);
                    if build {
                        let chain = conds.chain(range, k.call())?;
                        if chain.len == 0 {
                            return Ok(Out::Ret(ret));
                        }
                        self.keep(cx, Kept { chain, seq: 0, ret }, k, at)?;
                    } else if k.call() == 0 && conds.always(range)? {
                        if mixed {
                            build = true;
                            continue 'pass;
                        }
                        return Ok(Out::Ret(ret));
                    } else {
                        mixed |= *first.get_or_insert(ret) != ret;
                    }
                }
                link = k.next();
            }
            if build {
                break;
            }
            build = true;
        }
        // Only rules with different actions need libseccomp's order.
        if mixed {
            self.order(cx, at);
        }
        Ok(Out::Cond)
    }

    /// Puts the kept rules `units[first..n_units]` (in the order they were
    /// kept) in the order libseccomp's filter tries them: each goes where
    /// its tree would put it among those before it (see the module doc and
    /// `Node`).
    fn order(&mut self, cx: Cx, first: usize) {
        let conds = Conds { args: &cx.s.args, abi: cx.abi };
        let units = self.units.get_mut(first..self.n_units).unwrap_or(&mut []);
        // They are in the order they were kept: number them.
        for (seq, u) in (0..).zip(units.iter_mut()) {
            u.seq = seq;
        }
        for i in 1..units.len() {
            let Some(new) = units.get(i).copied() else { break };
            let at = conds.tree_position(units.get(..i).unwrap_or(&[]), &new.chain);
            // The ones from `at` on move up one place.
            let mut j = i;
            while j > at {
                let up = units.get(j - 1).copied();
                if let (Some(up), Some(slot)) = (up, units.get_mut(j)) {
                    *slot = up;
                }
                j -= 1;
            }
            if let Some(slot) = units.get_mut(at) {
                *slot = new;
            }
        }
    }

    /// The rule of key `k`, and how many units it makes.
    fn units_of(&self, cx: Cx, k: Key) -> Result<(Rule, u16)> {
        let rule = cx.rule(k.rule())?;
        Ok((rule, if k.split() { rule.args.1 } else { 1 }))
    }

    /// Adds a conditional rule to the kept set `units[first..n_units]`,
    /// libseccomp's way.
    /// Never inlined into `decide`: -52 B, one call per conditional rule.
    #[inline(never)]
    fn keep(&mut self, cx: Cx, unit: Kept, k: Key, first: usize) -> Result<()> {
        let cx = Conds { args: &cx.s.args, abi: cx.abi };
        let chain = &unit.chain;
        // _db_tree_prune: drop kept rules this one makes redundant, or this
        // one when a kept rule makes it redundant.
        let (mut pruned, mut redundant) = (false, false);
        let mut w = first;
        for r in first..self.n_units {
            let kept = self.units.get(r).copied().ok_or(CompileError::Malformed)?;
            let kc = &kept.chain;
            let mut drop = false;
            if kept.ret == unit.ret {
                let common = cx.common(chain, kc);
                drop = cx.is_subset_of(chain, kc) && !chain.is_prefix_of(kc, common);
                redundant |= cx.is_subset_of(kc, chain) && !kc.is_prefix_of(chain, common);
            }
            pruned |= drop;
            if !drop {
                *self.units.get_mut(w).ok_or(CompileError::Malformed)? = kept;
                w += 1;
            }
        }
        self.n_units = w;
        if redundant && !pruned {
            return Ok(());
        }
        // _db_tree_add: equal chains must agree; a kept prefix wins; a kept
        // rule this one is a prefix of is replaced if the actions agree.
        let conflict = CompileError::Conflict { rule: k.rule(), name: k.name() };
        let mut replaced = false;
        for r in first..self.n_units {
            let kept = self.units.get(r).copied().ok_or(CompileError::Malformed)?;
            let (kc, same) = (&kept.chain, kept.ret == unit.ret);
            let common = cx.common(chain, kc);
            if kc.is_prefix_of(chain, common) {
                return if kc.len == chain.len && !same { Err(conflict) } else { Ok(()) };
            }
            if chain.is_prefix_of(kc, common) {
                if !same {
                    return Err(conflict);
                }
                replaced = true;
            }
        }
        if replaced {
            let mut w = first;
            for r in first..self.n_units {
                let kept = self.units.get(r).copied().ok_or(CompileError::Malformed)?;
                if !chain.is_prefix_of(&kept.chain, cx.common(chain, &kept.chain)) {
                    *self.units.get_mut(w).ok_or(CompileError::Malformed)? = kept;
                    w += 1;
                }
            }
            self.n_units = w;
        }
        *self.units.get_mut(self.n_units).ok_or(CompileError::TooLong)? = unit;
        self.n_units += 1;
        Ok(())
    }
}

/// The code for one condition: on to `pass` when it holds, else `fail`.
fn condition(e: &mut Emit, c: &Cond, args_32bit: bool, pass: Target, fail: Target) -> Target {
    let (m_lo, d_lo) = (c.mask as u32, c.datum as u32);
    let (m_hi, d_hi) = ((c.mask >> 32) as u32, (c.datum >> 32) as u32);
    let lo = word(e, c.op, arg_lo(c.index), m_lo, d_lo, pass, fail);
    if args_32bit {
        return lo;
    }
    // The high word decides unless it equals the datum's (the diagrams in
    // libseccomp src/db.c `_db_rule_gen_arg_64`).
    match c.op {
        Op::Eq | Op::MaskedEq => return word(e, c.op, arg_hi(c.index), m_hi, d_hi, lo, fail),
        Op::Ne => {
            e.jump(BPF_JEQ, d_hi, lo, pass);
        }
        Op::Gt | Op::Ge => {
            let eq = e.jump(BPF_JEQ, d_hi, lo, fail);
            e.jump(BPF_JGT, d_hi, pass, Target::label(eq));
        }
        Op::Lt | Op::Le => {
            let eq = e.jump(BPF_JEQ, d_hi, lo, pass);
            e.jump(BPF_JGT, d_hi, fail, Target::label(eq));
        }
    }
    // The load falls into the comparison just written.
    Target::label(e.emit(bpf::load(arg_hi(c.index))))
}

/// One 32-bit word of a condition: load, mask, compare.
fn word(e: &mut Emit, op: Op, offset: u32, mask: u32, datum: u32, pass: Target, fail: Target) -> Target {
    if op == Op::MaskedEq && mask == 0 {
        return pass;
    }
    let (code, jt, jf) = match op {
        Op::Eq | Op::MaskedEq => (BPF_JEQ, pass, fail),
        Op::Ne => (BPF_JEQ, fail, pass),
        Op::Gt => (BPF_JGT, pass, fail),
        Op::Ge => (BPF_JGE, pass, fail),
        Op::Lt => (BPF_JGE, fail, pass),
        Op::Le => (BPF_JGT, fail, pass),
    };
    e.jump(code, datum, jt, jf);
    if mask != u32::MAX {
        e.emit(bpf::and(mask));
    }
    Target::label(e.emit(bpf::load(offset)))
}

#[cfg(any(test, fuzzing))]
pub mod testkit;
#[cfg(test)]
mod libseccomp;
#[cfg(test)]
mod tests;
