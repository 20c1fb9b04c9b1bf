//! Starting the workload the way `posix_spawn` does: `clone(CLONE_VM)` on a
//! separate stack, so no page table is copied and the child can hand an
//! error back through shared memory.
//!
//! Unlike vfork, the parent does not sleep through the child's set-up: it
//! runs `meanwhile` (PID 1 hardens itself: drops its capabilities, closes
//! what it inherited) while the child works, so PID 1 is already bare when
//! the workload starts. Then it waits the way vfork does, without a
//! descriptor: `CLONE_PARENT_SETTID` puts the child's tid in a word before
//! clone returns, and `CLONE_CHILD_CLEARTID` makes the kernel zero that word
//! and wake its futex when the child leaves the shared memory — at execve,
//! or at exit.

use super::{Errno, Result};
use core::arch::asm;
use core::sync::atomic::{AtomicU32, Ordering};

/// What the trampoline needs: the child's closure and the gate.
struct Start<F> {
    f: *mut F,
    gate: *const Gate,
}

/// Opened by the parent once `meanwhile` is done; the child waits on it
/// before its last steps (its seccomp filter, execve), so the workload never
/// sees the parent before, and no filter can refuse the futex wait.
pub struct Gate(AtomicU32);

impl Gate {
    /// Sleeps until the parent has opened the gate.
    pub fn wait(&self) {
        while self.0.load(Ordering::Acquire) == 0 {
            // EAGAIN: opened meanwhile; EINTR: look again.
            let _ = super::futex_wait(&self.0, 0);
        }
    }

    fn open(&self) {
        self.0.store(1, Ordering::Release);
        let _ = super::futex_wake(&self.0);
    }
}

/// The child's side: runs on the child stack and never returns (it ends in
/// `execve` or `exit_group`).
extern "C" fn trampoline<F: FnMut(&Gate) -> core::convert::Infallible>(arg: usize) -> ! {
    // SAFETY: `arg` is the `Start` on `spawn`'s frame, which stays alive
    // (spawn waits for the tid word) until the child has exec'd or exited;
    // the `&mut F` it holds is lent to the child alone for that time.
    let start = unsafe { &*(arg as *const Start<F>) };
    // SAFETY: as above: nobody else uses `f` until the child is done.
    let f = unsafe { &mut *start.f };
    // SAFETY: the gate lives on spawn's frame too, and is only ever shared.
    let gate = unsafe { &*start.gate };
    match f(gate) {}
}

/// The child's stack. Only the pages it really touches become resident.
const STACK_SIZE: usize = 64 * 1024;
static mut STACK: [u8; STACK_SIZE] = [0; STACK_SIZE];

/// `clone(CLONE_VM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD)`
/// on the child stack, then `f(gate)` in the child and `meanwhile(pid)` in
/// the parent, after which the parent opens the gate — or, when `meanwhile`
/// says false (the parent could not get ready), kills the child, which never
/// gets past the gate; returns the child's pid once the child has exec'd or
/// exited. `f` should `gate.wait()` before
/// its execve (and before loading a seccomp filter).
///
/// The child shares our memory: whatever `f` writes through its captures the
/// parent sees when `spawn` returns (`meanwhile` cannot reach them: `f` is
/// borrowed mutably for the whole call). `f` must end the child with
/// `execve` or `exit_group`. All signals should be blocked so that no
/// handler runs in the child.
pub fn spawn<F: FnMut(&Gate) -> core::convert::Infallible>(f: &mut F, meanwhile: impl FnOnce(i32) -> bool) -> Result<i32> {
    let gate = Gate(AtomicU32::new(0));
    let start = Start { f: f as *mut F, gate: &gate };
    // The child's tid until it leaves our memory, then 0.
    let tid = AtomicU32::new(0);
    let tid_ptr = tid.as_ptr() as usize;
    let entry = trampoline::<F> as extern "C" fn(usize) -> ! as usize;
    let arg = &start as *const Start<F> as usize;
    // One child stack is enough: spawn does not return before the child has
    // left it (execve or exit), so two spawns never overlap.
    let base = core::ptr::addr_of_mut!(STACK) as usize;
    // The ABI wants a 16-byte aligned stack before `call`.
    let top = (base + STACK_SIZE) & !15;
    let flags = (libc::CLONE_VM | libc::CLONE_PARENT_SETTID | libc::CLONE_CHILD_CLEARTID | libc::SIGCHLD) as usize;
    let ret: usize;
    // SAFETY: in the parent this is a plain clone syscall that returns the
    // child's pid (or -errno) with every register but rax, rcx and r11 intact.
    // The child starts with rsp = top, a fresh stack nobody else uses, and
    // jumps straight to `f`, which never returns, so no frame of the
    // parent's stack is ever touched by it.
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
            in("rdx") tid_ptr,
            in("r10") tid_ptr,
            in("r8") 0usize,
            in("r12") entry,
            in("r13") arg,
            out("rcx") _,
            out("r11") _,
        );
    }
    let pid = Errno::from_ret(ret)? as i32;
    if meanwhile(pid) {
        gate.open();
    } else {
        // SIGKILL cannot be blocked: the child dies before the gate opens.
        let _ = super::kill(pid, libc::SIGKILL);
    }
    // Until the kernel zeroes the word: the child's writes before its
    // execve or exit are visible after (Acquire, and the futex syscall).
    loop {
        let v = tid.load(Ordering::Acquire);
        if v == 0 {
            break;
        }
        // EAGAIN: changed already; EINTR: look again.
        let _ = super::futex_wait(&tid, v);
    }
    // The child is gone from our memory: its stack need not stay resident.
    let (first, last) = ((base + 4095) & !4095, (base + STACK_SIZE) & !4095);
    // SAFETY: the stack is ours alone again (the child has exec'd or
    // exited); its contents are never read before being written.
    let _ = unsafe { super::madvise(first, last - first, libc::MADV_DONTNEED) };
    Ok(pid)
}
