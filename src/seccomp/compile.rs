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
//!       jset X32_SYSCALL_BIT, x32, 0     ; x32 is KILL_PROCESS unless SCMP_ARCH_X32
//!       <x86_64 search>
//! x32:  <x32 search>                     ; nr is still in A
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
//! # The semantics: runc's with libseccomp
//!
//! - Names are resolved per ABI (`arch::Abi::sysno`); a name the ABI does not
//!   have is skipped for that ABI only (runc skips names libseccomp does not
//!   know, and libseccomp adds a rule to each architecture that has the
//!   syscall). An empty name fails, as in runc (`matchCall`: "empty string is
//!   not a valid syscall"). On x86 a socket or SysV IPC syscall is also
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
//!   - the kept rules are tried in profile order; the first that holds
//!     decides, else the default action. Where kept rules with different
//!     actions overlap, libseccomp tries them in its own tree order (by
//!     argument index, operator and value) instead; profiles do not rely on
//!     that (Docker's has no such overlap).
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
//!   test is `nr >= X32_SYSCALL_BIT` (src/gen_bpf.c); the two differ only
//!   for numbers with bit 31 set, which no x86_64 syscall has: here they
//!   search the x86_64 branch and end above its highest number.
//! - In the db.c read for this, the 32-bit `SCMP_CMP_LE` clears the pointer
//!   to its branch flag instead of the flag (`tf_flag = false` in
//!   `_db_rule_gen_arg_32`), so after an EQ, MASKED_EQ, GT or GE condition
//!   on a lower index LE acts as GT; nsinit compares LE as written.

use super::arch::{Abi, Name, x86_multiplexed};
use super::bpf::{
    AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_MAXINSNS,
    MAX_COND_JUMP, SECCOMP_DATA_ARCH, SECCOMP_DATA_NR, X32_SYSCALL_BIT, arg_hi, arg_lo,
};
use super::{ARCH_X32, ARCH_X86, Action, ArgCmp, Op, SECCOMP_RET_KILL_PROCESS, bpf};
use crate::spec::{MAX_SECCOMP_NAMES, MAX_SECCOMP_RULES, Rule, Seccomp};
use libc::sock_filter;

/// The longest program the kernel loads (`BPF_MAXINSNS`).
pub const MAX_INSNS: usize = BPF_MAXINSNS;

/// A compiled filter, ready for `SECCOMP_SET_MODE_FILTER`.
///
/// All-zero bytes are a valid (empty) `Program`: the binary keeps one in a
/// zeroed static (`sys::cell::Once::zeroed`), 32 KiB of .bss of which only
/// the pages written become resident.
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
        self.insns.get(..self.len).unwrap_or(&[])
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
            CompileError::Malformed => "malformed rule",
        }
    }
}

type Result<T> = core::result::Result<T, CompileError>;

/// One (syscall number, multiplexer call, rule, name) of a branch, packed:
/// nr << 32 | call << 26 | rule << 13 | name. `call` is not 0 for the
/// x86 socketcall/ipc form of a rule (see `arch::x86_multiplexed`).
type Key = u64;

const _: () = assert!(MAX_SECCOMP_RULES <= 1 << 13 && MAX_SECCOMP_NAMES <= 1 << 13);

fn key(nr: u32, call: u32, rule: u16, name: u16) -> Key {
    u64::from(nr) << 32 | u64::from(call & 0x3F) << 26 | u64::from(rule & 0x1FFF) << 13 | u64::from(name & 0x1FFF)
}

/// (nr, call, rule, name) of a key.
fn unkey(k: Key) -> (u32, u8, u16, u16) {
    ((k >> 32) as u32, (k >> 26) as u8 & 0x3F, (k >> 13) as u16 & 0x1FFF, k as u16 & 0x1FFF)
}

/// Syscall numbers, without the x32 bit, are below this on every ABI (the
/// tables' highest is 547), so keys are sorted by counting.
const NR_LIMIT: usize = 1024;

/// A range of syscall numbers with one outcome: `ret` when `count` is 0,
/// else the conditional rules of `keys[first..first + count]`.
#[derive(Clone, Copy)]
struct Seg {
    start: u32,
    ret: u32,
    first: u16,
    count: u16,
}

/// A conditional rule as libseccomp keeps it: a rule, or with `arg` below
/// `WHOLE` one condition of a rule split for a repeated index; with `call`,
/// its x86 multiplexed form.
#[derive(Clone, Copy)]
struct Unit {
    rule: u16,
    arg: u16,
    call: u8,
}

const WHOLE: u16 = u16::MAX;
/// At most two keys per name of the spec (x86 socket and IPC syscalls have
/// a multiplexed form).
const MAX_KEYS: usize = 2 * MAX_SECCOMP_NAMES;
/// Each segment boundary costs a `jge`, so more segments than instructions
/// cannot fit anyway.
const MAX_SEGS: usize = MAX_INSNS + 1;
/// Kept conditional rules of one syscall: each costs at least a load and a
/// jump, so more cannot fit anyway.
const MAX_UNITS: usize = MAX_INSNS / 2;

/// The compiler's scratch space: the names looked up, and the keys,
/// segments and kept rules of the branch being compiled (~200 KiB, of which
/// a Docker profile touches a few pages).
///
/// All-zero bytes are a valid `Compiler`: the binary keeps one in a zeroed
/// static (`sys::cell::Once::zeroed`); `compile` resets what it uses.
pub struct Compiler {
    /// `Name` indexes of the spec's names (`u16::MAX`: unknown), looked up
    /// once for all branches.
    names: [u16; MAX_SECCOMP_NAMES],
    /// The keys in profile order, then sorted by number into `keys`.
    found: [Key; MAX_KEYS],
    keys: [Key; MAX_KEYS],
    n_keys: usize,
    /// Per syscall number: how many keys, then where its keys start.
    counts: [u16; NR_LIMIT + 1],
    segs: [Seg; MAX_SEGS],
    n_segs: usize,
    units: [Unit; MAX_UNITS],
    n_units: usize,
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

    fn args(&self, r: &Rule) -> Result<&[ArgCmp]> {
        pool(&self.s.args, r.args)
    }

    fn default_ret(&self) -> u32 {
        self.s.default_action.ret()
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
/// with the masked datum. `mask` is never 0 (such conditions are dropped).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Cond {
    index: u8,
    op: Op,
    mask: u64,
    datum: u64,
}

/// A conditional rule's conditions in argument order.
#[derive(Clone, Copy)]
struct Chain {
    conds: [Cond; 6],
    len: usize,
}

impl Chain {
    fn as_slice(&self) -> &[Cond] {
        self.conds.get(..self.len).unwrap_or(&[])
    }

    /// Inserts in argument order (indexes are unique within a chain).
    fn insert(&mut self, c: Cond) -> Result<()> {
        let mut i = self.len;
        *self.conds.get_mut(i).ok_or(CompileError::Malformed)? = c;
        self.len += 1;
        while i > 0 && self.conds.get(i - 1).zip(self.conds.get(i)).is_some_and(|(a, b)| a.index > b.index) {
            self.conds.swap(i - 1, i);
            i -= 1;
        }
        Ok(())
    }

    fn is_prefix_of(&self, other: &Chain) -> bool {
        other.as_slice().starts_with(self.as_slice())
    }

    fn is_subset_of(&self, other: &Chain) -> bool {
        self.as_slice().iter().all(|c| other.as_slice().contains(c))
    }
}

/// The normalised form of `a` on `abi`, or None when it always holds.
fn normalize(a: &ArgCmp, abi: Abi) -> Result<Option<Cond>> {
    if a.index > 5 {
        return Err(CompileError::Malformed);
    }
    let width = if abi.args_32bit() { u64::from(u32::MAX) } else { u64::MAX };
    let (mask, datum) = match a.op {
        Op::MaskedEq => (a.value & width, a.value_two & a.value & width),
        _ => (width, a.value & width),
    };
    Ok((mask != 0).then_some(Cond { index: a.index, op: a.op, mask, datum }))
}

/// Whether a rule's conditions must be split (an index appears twice).
fn repeats_index(args: &[ArgCmp]) -> Result<bool> {
    let mut seen = 0u8;
    for a in args {
        let bit = 1u8.checked_shl(u32::from(a.index)).filter(|_| a.index <= 5).ok_or(CompileError::Malformed)?;
        if seen & bit != 0 {
            return Ok(true);
        }
        seen |= bit;
    }
    Ok(false)
}

/// Stores `k` at `keys[n]`; returns n + 1.
fn push_key(keys: &mut [Key], n: usize, k: Key) -> Result<usize> {
    *keys.get_mut(n).ok_or(CompileError::Malformed)? = k;
    Ok(n + 1)
}

/// Unit `a` of the `n` a rule makes (see `Compiler::units_of`): with more
/// than one, each is one condition.
fn unit(rule: u16, call: u8, n: usize, a: usize) -> Unit {
    Unit { rule, arg: if n > 1 { a as u16 } else { WHOLE }, call }
}

/// A branch outcome for one syscall number.
enum Out {
    Ret(u32),
    /// The kept conditional rules are in `Compiler::units`.
    Cond,
}

/// Where a jump goes: an emitted instruction, or a return of this value
/// (emitted, or shared, when the jump is written).
#[derive(Clone, Copy)]
enum Target {
    Label(usize),
    Ret(u32),
}

/// The back-to-front writer. A label is the position of an instruction
/// counted from the end of the program (the first instruction written is
/// label 1), so labels stay valid as code is added in front.
struct Emit<'p> {
    p: &'p mut Program,
    /// Recently written returns: (value, label); label 0 is an empty slot.
    rets: [(u32, usize); 8],
    next_ret: usize,
}

impl Emit<'_> {
    fn emit(&mut self, insn: sock_filter) -> Result<usize> {
        let len = self.p.len;
        let slot = MAX_INSNS.checked_sub(len + 1).ok_or(CompileError::TooLong)?;
        *self.p.insns.get_mut(slot).ok_or(CompileError::TooLong)? = insn;
        self.p.len = len + 1;
        Ok(len + 1)
    }

    /// How many instructions a jump written next skips to reach `label`.
    fn distance(&self, label: usize) -> Result<usize> {
        self.p.len.checked_sub(label).ok_or(CompileError::Malformed)
    }

    fn resolve(&mut self, t: Target) -> Result<usize> {
        let k = match t {
            Target::Label(l) => return Ok(l),
            Target::Ret(k) => k,
        };
        let len = self.p.len;
        // Leave room for the instructions a jump may still add in between.
        let near = |&&(rk, l): &&(u32, usize)| rk == k && l != 0 && len.saturating_sub(l) < MAX_COND_JUMP - 2;
        if let Some(&(_, l)) = self.rets.iter().find(near) {
            return Ok(l);
        }
        let l = self.emit(bpf::ret(k))?;
        if let Some(slot) = self.rets.get_mut(self.next_ret % 8) {
            *slot = (k, l);
        }
        self.next_ret = self.next_ret.wrapping_add(1);
        Ok(l)
    }

    /// A conditional jump (`BPF_JMP | op | BPF_K`), through a `ja` for a
    /// target out of reach of the 8-bit offsets.
    fn jump(&mut self, op: u16, k: u32, jt: Target, jf: Target) -> Result<usize> {
        let mut jt = self.resolve(jt)?;
        let mut jf = self.resolve(jf)?;
        loop {
            let (dt, df) = (self.distance(jt)?, self.distance(jf)?);
            if dt > MAX_COND_JUMP {
                jt = self.emit(bpf::ja(dt as u32))?;
            } else if df > MAX_COND_JUMP {
                jf = self.emit(bpf::ja(df as u32))?;
            } else {
                return self.emit(bpf::jump(BPF_JMP | op | BPF_K, k, dt as u8, df as u8));
            }
        }
    }

    /// Makes `t` the next instruction (for code that falls through into it).
    fn place(&mut self, t: Target) -> Result<usize> {
        match t {
            Target::Label(l) if l == self.p.len => Ok(l),
            Target::Label(l) => {
                let d = self.distance(l)?;
                self.emit(bpf::ja(d as u32))
            }
            Target::Ret(k) => self.emit(bpf::ret(k)),
        }
    }

    /// Moves the program, written at the end of the buffer, to its start.
    fn finish(self) {
        let len = self.p.len;
        self.p.insns.copy_within(MAX_INSNS.saturating_sub(len).., 0);
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

    fn program(&mut self, s: &Seccomp<'_>, out: &mut Program) -> Result<()> {
        self.look_up(s)?;
        let mut e = Emit { p: out, rets: [(0, 0); 8], next_ret: 0 };
        let kill = Target::Ret(SECCOMP_RET_KILL_PROCESS);
        // Written first, so it is the last instruction, as the kernel wants.
        e.resolve(kill)?;
        let x86 = if s.architectures & ARCH_X86 != 0 {
            let body = match self.branch(Cx { s, abi: Abi::X86 }, &mut e)? {
                // One verdict for every number: no need to load it.
                Target::Ret(k) => Target::Ret(k),
                body => {
                    e.place(body)?;
                    Target::Label(e.emit(bpf::load(SECCOMP_DATA_NR))?)
                }
            };
            Target::Label(e.jump(BPF_JEQ, AUDIT_ARCH_I386, body, kill)?)
        } else {
            kill
        };
        let x32 = if s.architectures & ARCH_X32 != 0 { self.branch(Cx { s, abi: Abi::X32 }, &mut e)? } else { kill };
        let x86_64 = self.branch(Cx { s, abi: Abi::X86_64 }, &mut e)?;
        e.jump(BPF_JSET, X32_SYSCALL_BIT, x32, x86_64)?;
        let l = e.emit(bpf::load(SECCOMP_DATA_NR))?;
        e.jump(BPF_JEQ, AUDIT_ARCH_X86_64, Target::Label(l), x86)?;
        e.emit(bpf::load(SECCOMP_DATA_ARCH))?;
        e.finish();
        Ok(())
    }

    /// Looks every name up in the table, once.
    fn look_up(&mut self, s: &Seccomp<'_>) -> Result<()> {
        for (ri, rule) in s.rules.iter().enumerate() {
            for (ni, name) in pool(&s.names, rule.names)?.iter().enumerate() {
                let name = name.to_bytes();
                if name.is_empty() {
                    return Err(CompileError::EmptyName { rule: ri as u16, name: ni as u16 });
                }
                let slot = self.names.get_mut(usize::from(rule.names.0) + ni).ok_or(CompileError::Malformed)?;
                *slot = Name::of(name).map_or(u16::MAX, Name::index);
            }
        }
        Ok(())
    }

    /// One ABI's search, with the syscall number in A.
    fn branch(&mut self, cx: Cx, e: &mut Emit) -> Result<Target> {
        let max = self.collect(cx)?;
        self.sort()?;
        self.segments(cx, max)?;
        self.search(cx, e, 0, self.n_segs)
    }

    /// Fills `found` with the branch's (nr, rule, name) of the rules that do
    /// not repeat the default action; returns the highest number named by
    /// any rule.
    fn collect(&mut self, cx: Cx) -> Result<Option<u32>> {
        let (mut found, mut max) = (0, None);
        for (ri, rule) in cx.s.rules.iter().enumerate() {
            let first = usize::from(rule.names.0);
            let ids = self.names.get(first..first + usize::from(rule.names.1)).ok_or(CompileError::Malformed)?;
            for (ni, &id) in ids.iter().enumerate() {
                let (ri, ni) = (ri as u16, ni as u16);
                let Some(name) = Name::from_index(id) else { continue };
                let direct = cx.abi.number(name);
                // runc's ENOSYS limit counts the syscall's own number only
                // (patchbpf `findLastSyscalls`).
                max = max.max(direct);
                if rule.action == cx.s.default_action {
                    continue;
                }
                let muxed = if cx.abi == Abi::X86 { x86_multiplexed(name) } else { None };
                if let Some((nr, call)) = muxed {
                    found = push_key(&mut self.found, found, key(nr, call, ri, ni))?;
                }
                if let Some(nr) = direct {
                    found = push_key(&mut self.found, found, key(nr, 0, ri, ni))?;
                }
            }
        }
        self.n_keys = found;
        Ok(max)
    }

    /// Sorts `found` into `keys` by syscall number, keeping profile order
    /// among equal numbers (a counting sort).
    fn sort(&mut self) -> Result<()> {
        let bucket = |k: Key| {
            let nr = unkey(k).0 & !X32_SYSCALL_BIT;
            usize::try_from(nr).ok().filter(|&b| b < NR_LIMIT).ok_or(CompileError::Malformed)
        };
        self.counts.fill(0);
        let found = self.found.get(..self.n_keys).ok_or(CompileError::Malformed)?;
        for &k in found {
            let c = self.counts.get_mut(bucket(k)? + 1).ok_or(CompileError::Malformed)?;
            *c += 1;
        }
        for b in 1..=NR_LIMIT {
            let before = self.counts.get(b - 1).copied().unwrap_or(0);
            if let Some(c) = self.counts.get_mut(b) {
                *c += before;
            }
        }
        for &k in found {
            let c = self.counts.get_mut(bucket(k)?).ok_or(CompileError::Malformed)?;
            *self.keys.get_mut(usize::from(*c)).ok_or(CompileError::Malformed)? = k;
            *c += 1;
        }
        Ok(())
    }

    /// Cuts the number space into segments from the sorted keys.
    fn segments(&mut self, cx: Cx, max: Option<u32>) -> Result<()> {
        self.n_segs = 0;
        let default = cx.default_ret();
        let mut next = 0u32;
        let mut i = 0;
        while i < self.n_keys {
            let nr = unkey(self.key(i)?).0;
            let mut j = i + 1;
            while j < self.n_keys && unkey(self.key(j)?).0 == nr {
                j += 1;
            }
            if nr > next {
                self.push_seg(next, default, 0, 0)?;
            }
            match self.decide(cx, i, j)? {
                Out::Ret(k) => self.push_seg(nr, k, 0, 0)?,
                Out::Cond => self.push_seg(nr, 0, i as u16, (j - i) as u16)?,
            }
            next = nr.checked_add(1).ok_or(CompileError::Malformed)?;
            i = j;
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

    fn key(&self, i: usize) -> Result<Key> {
        self.keys.get(i).copied().ok_or(CompileError::Malformed)
    }

    /// Appends a segment, merging a return with an equal one before it.
    fn push_seg(&mut self, start: u32, ret: u32, first: u16, count: u16) -> Result<()> {
        if let Some(last) = self.n_segs.checked_sub(1).and_then(|i| self.segs.get(i))
            && count == 0
            && last.count == 0
            && last.ret == ret
        {
            return Ok(());
        }
        let slot = self.segs.get_mut(self.n_segs).ok_or(CompileError::TooLong)?;
        *slot = Seg { start, ret, first, count };
        self.n_segs += 1;
        Ok(())
    }

    /// The binary search over `segs[lo..hi]`.
    fn search(&mut self, cx: Cx, e: &mut Emit, lo: usize, hi: usize) -> Result<Target> {
        if hi <= lo + 1 {
            let seg = self.segs.get(lo).copied().ok_or(CompileError::Malformed)?;
            return if seg.count == 0 { Ok(Target::Ret(seg.ret)) } else { self.block(cx, e, seg) };
        }
        let mid = lo + (hi - lo) / 2;
        let start = self.segs.get(mid).ok_or(CompileError::Malformed)?.start;
        // The upper half is written first: it ends up after the lower one,
        // which the comparison falls into.
        let upper = self.search(cx, e, mid, hi)?;
        let lower = self.search(cx, e, lo, mid)?;
        Ok(Target::Label(e.jump(BPF_JGE, start, upper, lower)?))
    }

    /// The kept rules of one syscall, tried in order, then the default.
    /// Not inlined: its locals would otherwise sit in every frame of the
    /// recursive search.
    #[inline(never)]
    fn block(&mut self, cx: Cx, e: &mut Emit, seg: Seg) -> Result<Target> {
        let first = usize::from(seg.first);
        if let Out::Ret(k) = self.decide(cx, first, first + usize::from(seg.count))? {
            return Ok(Target::Ret(k));
        }
        let mut fail = Target::Ret(cx.default_ret());
        for i in (0..self.n_units).rev() {
            let unit = self.units.get(i).copied().ok_or(CompileError::Malformed)?;
            let (chain, action) = self.chain(cx, unit)?;
            let mut pass = Target::Ret(action.ret());
            for c in chain.as_slice().iter().rev() {
                pass = condition(e, c, cx.abi.args_32bit(), pass, fail)?;
            }
            fail = pass;
        }
        Ok(fail)
    }

    /// Decides one syscall from its keys `i..j`: an unconditional verdict,
    /// or the kept conditional rules in `units` (see the module doc).
    fn decide(&mut self, cx: Cx, i: usize, j: usize) -> Result<Out> {
        // A conflict needs two conditional rules with different actions
        // before the first unconditional one; without them, that one
        // decides alone, and the set need not be built.
        let (mut first, mut mixed) = (None, false);
        'scan: for k in i..j {
            let (ri, _, call, n) = self.units_of(cx, k)?;
            let rule = cx.rule(ri)?;
            let args = cx.args(&rule)?;
            for a in 0..n {
                let picked = if n > 1 { args.get(a..=a).ok_or(CompileError::Malformed)? } else { args };
                let mut always = call == 0;
                for arg in picked {
                    always &= normalize(arg, cx.abi)?.is_none();
                }
                if always {
                    if mixed {
                        break 'scan;
                    }
                    return Ok(Out::Ret(rule.action.ret()));
                }
                mixed |= *first.get_or_insert(rule.action) != rule.action;
            }
        }
        self.n_units = 0;
        for k in i..j {
            let (ri, ni, call, n) = self.units_of(cx, k)?;
            for a in 0..n {
                let unit = unit(ri, call, n, a);
                let (chain, action) = self.chain(cx, unit)?;
                if chain.len == 0 {
                    return Ok(Out::Ret(action.ret()));
                }
                self.keep(cx, unit, &chain, action).map_err(|e| match e {
                    CompileError::Conflict { .. } => CompileError::Conflict { rule: ri, name: ni },
                    e => e,
                })?;
            }
        }
        Ok(Out::Cond)
    }

    /// The rule and name of key `k`, its multiplexer call, and how many
    /// units it makes: one, or one per condition when an index repeats (see
    /// `unit`).
    fn units_of(&self, cx: Cx, k: usize) -> Result<(u16, u16, u8, usize)> {
        let (_, call, ri, ni) = unkey(self.key(k)?);
        let args = cx.args(&cx.rule(ri)?)?;
        let n = if repeats_index(args)? { args.len() } else { 1 };
        Ok((ri, ni, call, n))
    }

    /// Adds a conditional rule to the kept set, libseccomp's way.
    fn keep(&mut self, cx: Cx, unit: Unit, chain: &Chain, action: Action) -> Result<()> {
        let conflict = CompileError::Conflict { rule: unit.rule, name: 0 };
        // _db_tree_prune: drop kept rules this one makes redundant, or this
        // one when a kept rule makes it redundant.
        let (mut pruned, mut redundant) = (false, false);
        let mut w = 0;
        for r in 0..self.n_units {
            let kept = self.units.get(r).copied().ok_or(CompileError::Malformed)?;
            let (kc, ka) = self.chain(cx, kept)?;
            let same = ka == action;
            let drop = same && chain.is_subset_of(&kc) && !chain.is_prefix_of(&kc);
            redundant |= same && kc.is_subset_of(chain) && !kc.is_prefix_of(chain);
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
        for r in 0..self.n_units {
            let kept = self.units.get(r).copied().ok_or(CompileError::Malformed)?;
            let (kc, ka) = self.chain(cx, kept)?;
            if kc.is_prefix_of(chain) {
                let equal = kc.len == chain.len;
                return if equal && ka != action { Err(conflict) } else { Ok(()) };
            }
            if chain.is_prefix_of(&kc) && ka != action {
                return Err(conflict);
            }
        }
        let mut w = 0;
        for r in 0..self.n_units {
            let kept = self.units.get(r).copied().ok_or(CompileError::Malformed)?;
            if !chain.is_prefix_of(&self.chain(cx, kept)?.0) {
                *self.units.get_mut(w).ok_or(CompileError::Malformed)? = kept;
                w += 1;
            }
        }
        self.n_units = w;
        *self.units.get_mut(w).ok_or(CompileError::TooLong)? = unit;
        self.n_units += 1;
        Ok(())
    }

    /// A kept rule's conditions and action.
    fn chain(&self, cx: Cx, unit: Unit) -> Result<(Chain, Action)> {
        let rule = cx.rule(unit.rule)?;
        let args = cx.args(&rule)?;
        let picked = if unit.arg == WHOLE {
            args
        } else {
            let a = usize::from(unit.arg);
            args.get(a..=a).ok_or(CompileError::Malformed)?
        };
        let none = Cond { index: 0, op: Op::Eq, mask: 0, datum: 0 };
        let mut chain = Chain { conds: [none; 6], len: 0 };
        for a in picked {
            if let Some(c) = normalize(a, cx.abi)? {
                // The multiplexed form's `args[0] == call` replaces any
                // condition on args[0] (src/syscalls.c `abi_rule_add`).
                if unit.call == 0 || c.index != 0 {
                    chain.insert(c)?;
                }
            }
        }
        if unit.call != 0 {
            let call = normalize(&ArgCmp { index: 0, op: Op::Eq, value: u64::from(unit.call), value_two: 0 }, cx.abi)?;
            chain.insert(call.ok_or(CompileError::Malformed)?)?;
        }
        Ok((chain, rule.action))
    }
}

/// The code for one condition: on to `pass` when it holds, else `fail`.
fn condition(e: &mut Emit, c: &Cond, args_32bit: bool, pass: Target, fail: Target) -> Result<Target> {
    let (m_lo, d_lo) = (c.mask as u32, c.datum as u32);
    let (m_hi, d_hi) = ((c.mask >> 32) as u32, (c.datum >> 32) as u32);
    let lo = word(e, c.op, arg_lo(c.index), m_lo, d_lo, pass, fail)?;
    if args_32bit {
        return Ok(lo);
    }
    // The high word decides unless it equals the datum's (the diagrams in
    // libseccomp src/db.c `_db_rule_gen_arg_64`).
    match c.op {
        Op::Eq | Op::MaskedEq => return word(e, c.op, arg_hi(c.index), m_hi, d_hi, lo, fail),
        Op::Ne => {
            e.jump(BPF_JEQ, d_hi, lo, pass)?;
        }
        Op::Gt | Op::Ge => {
            let eq = e.jump(BPF_JEQ, d_hi, lo, fail)?;
            e.jump(BPF_JGT, d_hi, pass, Target::Label(eq))?;
        }
        Op::Lt | Op::Le => {
            let eq = e.jump(BPF_JEQ, d_hi, lo, pass)?;
            e.jump(BPF_JGT, d_hi, fail, Target::Label(eq))?;
        }
    }
    // The load falls into the comparison just written.
    Ok(Target::Label(e.emit(bpf::load(arg_hi(c.index)))?))
}

/// One 32-bit word of a condition: load, mask, compare.
fn word(e: &mut Emit, op: Op, offset: u32, mask: u32, datum: u32, pass: Target, fail: Target) -> Result<Target> {
    if op == Op::MaskedEq && mask == 0 {
        return Ok(pass);
    }
    let (code, jt, jf) = match op {
        Op::Eq | Op::MaskedEq => (BPF_JEQ, pass, fail),
        Op::Ne => (BPF_JEQ, fail, pass),
        Op::Gt => (BPF_JGT, pass, fail),
        Op::Ge => (BPF_JGE, pass, fail),
        Op::Lt => (BPF_JGE, fail, pass),
        Op::Le => (BPF_JGT, fail, pass),
    };
    e.jump(code, datum, jt, jf)?;
    if mask != u32::MAX {
        e.emit(bpf::and(mask))?;
    }
    Ok(Target::Label(e.emit(bpf::load(offset))?))
}

#[cfg(test)]
mod tests;
