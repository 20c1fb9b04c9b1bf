//! The process's entry point, in place of musl's `crt1.o`.
//!
//! nsinit uses no thread-local storage, no stdio, no `atexit` and no
//! constructors: of libc it calls only `memcpy`, `memset`, `memmove`,
//! `memcmp` and `strlen`, which need no set-up. musl's start-up
//! (`__libc_start_main`: the TLS block and `arch_prctl`, `set_tid_address`,
//! the auxiliary vector, `.init_array`) is work for nothing on every start:
//! a static program whose `main` returns at once takes ~11 µs longer with
//! it than one with its own `_start` (interleaved runs, 3000 each).
//! `linker/nsinit.flags` makes `nsinit_start` the entry point; crt1's
//! `_start`, and with it musl's start-up code, then go with
//! `--gc-sections`.

use core::ffi::c_char;

core::arch::global_asm!(
    ".globl nsinit_start",
    ".type nsinit_start, @function",
    "nsinit_start:",
    // The outermost frame (the ABI's end of the frame chain).
    "xor ebp, ebp",
    // The kernel's initial stack: argc, argv[], NULL, envp[], NULL, auxv.
    "mov rdi, rsp",
    // 16-byte aligned before the call, as the ABI asks.
    "and rsp, -16",
    "call {entry}",
    "ud2",
    entry = sym entry,
);

unsafe extern "C" {
    /// nsinit's `main` (src/main.rs), as crt1 would call it.
    fn main(argc: i32, argv: *const *const c_char, envp: *const *const c_char) -> i32;
}

/// From the initial stack to `main`, then `exit_group` with its status.
extern "C" fn entry(sp: *const usize) -> ! {
    // SAFETY: `sp` is the stack the kernel set up for execve (the System V
    // x86-64 ABI, "Process Initialization"): argc, then argc argument
    // pointers and a NULL, then the environment's pointers and a NULL, all
    // valid for the life of the process.
    let code = unsafe {
        let argc = *sp;
        let argv = sp.add(1) as *const *const c_char;
        main(argc as i32, argv, argv.add(argc + 1))
    };
    super::exit_group(code)
}
