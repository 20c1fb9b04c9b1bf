//! Starting the workload the way `posix_spawn` does: `clone(CLONE_VM |
//! CLONE_VFORK)` on a separate stack. The parent sleeps until the child has
//! called `execve` or exited, so nothing is copied (no fork of page tables)
//! and the child can hand an error back through shared memory.

use super::{Errno, Result};
use core::arch::asm;

/// The child's side: runs on the child stack and never returns (it ends in
/// `execve` or `exit_group`).
extern "C" fn trampoline<F: FnMut() -> core::convert::Infallible>(arg: usize) -> ! {
    // SAFETY: `arg` is the `&mut F` that `spawn` was given; the parent is
    // suspended inside `spawn` (CLONE_VFORK) while the child uses it.
    let f = unsafe { &mut *(arg as *mut F) };
    match f() {}
}

/// The child's stack. Only the pages it really touches become resident.
const STACK_SIZE: usize = 64 * 1024;
static mut STACK: [u8; STACK_SIZE] = [0; STACK_SIZE];

/// `clone(CLONE_VM | CLONE_VFORK | SIGCHLD, stack_top)`, then `f()` in the
/// child. Returns the child's pid once the child has exec'd or exited.
///
/// The child shares our memory: whatever `f` writes through its captures the
/// parent sees when `spawn` returns. `f` must end the child with `execve` or
/// `exit_group` (its return type has no value). All signals should be
/// blocked by the caller so that no handler runs on the shared memory.
pub fn spawn<F: FnMut() -> core::convert::Infallible>(f: &mut F) -> Result<i32> {
    let entry = trampoline::<F> as extern "C" fn(usize) -> ! as usize;
    let arg = f as *mut F as usize;
    // One child stack is enough: CLONE_VFORK keeps us suspended until the
    // child has left it (execve or exit), so two spawns never overlap.
    let base = core::ptr::addr_of_mut!(STACK) as usize;
    // The ABI wants a 16-byte aligned stack before `call`.
    let top = (base + STACK_SIZE) & !15;
    let flags = (libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD) as usize;
    let ret: usize;
    // SAFETY: in the parent this is a plain clone syscall that returns the
    // child's pid (or -errno) with every register but rax, rcx and r11 intact.
    // The child starts with rsp = top, a fresh stack nobody else uses while
    // the parent is suspended (CLONE_VFORK), and jumps straight to `f`, which
    // never returns, so no frame of the parent's stack is ever touched by it.
    unsafe {
        asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "mov rdi, r13",
            "call r12",
            "ud2",
            "2:",
            inlateout("rax") syscalls::Sysno::clone as usize => ret,
            in("rdi") flags,
            in("rsi") top,
            in("rdx") 0usize,
            in("r10") 0usize,
            in("r8") 0usize,
            in("r12") entry,
            in("r13") arg,
            out("rcx") _,
            out("r11") _,
        );
    }
    Errno::from_ret(ret).map(|pid| pid as i32)
}
