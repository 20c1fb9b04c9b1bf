//! The process's entry point, in place of musl's `crt1.o`.
//!
//! nsinit uses no thread-local storage, no stdio, no `atexit` and no
//! constructors: of libc it calls only `memcpy`, `memmove`, `memcmp`/`bcmp`
//! and `strlen`, which need no set-up. musl's start-up
//! (`__libc_start_main`: the TLS block and `arch_prctl`, `set_tid_address`,
//! the auxiliary vector, `.init_array`) is work for nothing on every start:
//! a static C program whose `main` returns at once takes ~11 µs longer with
//! it than one with its own `_start`; nsinit itself starts ~5 µs sooner
//! without it (interleaved runs, 3000 and 1500 each).
//! `linker/nsinit.flags` makes `nsinit_start` the entry point; crt1's
//! `_start`, and with it musl's start-up code, then go with
//! `--gc-sections`.
//!
//! What musl's start-up did for a set-id start (`AT_SECURE`: open
//! /dev/null on a closed 0-2) nsinit does not need: it is never installed
//! set-id or with file capabilities, and such a start is refused here.

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

/// `AT_NULL` and `AT_SECURE` (linux/auxvec.h).
const AT_NULL: usize = 0;
const AT_SECURE: usize = 23;

/// From the initial stack to `main`, then `exit_group` with its status.
extern "C" fn entry(sp: *const usize) -> ! {
    // SAFETY: `sp` is the stack the kernel set up for execve (the System V
    // x86-64 ABI, "Process Initialization"): argc, then argc argument
    // pointers and a NULL, then the environment's pointers and a NULL, then
    // the auxiliary vector's (type, value) pairs up to AT_NULL, all valid
    // for the life of the process.
    let (argc, argv, envp, secure) = unsafe {
        let argc = *sp;
        let argv = sp.add(1);
        let envp = argv.add(argc + 1);
        let mut p = envp;
        while *p != 0 {
            p = p.add(1);
        }
        let mut aux = p.add(1);
        let mut secure = false;
        while *aux != AT_NULL {
            secure |= *aux == AT_SECURE && *aux.add(1) != 0;
            aux = aux.add(2);
        }
        (argc, argv as *const *const c_char, envp as *const *const c_char, secure)
    };
    if secure {
        let _ = super::write_all(2, b"nsinit: start: set-id or file capabilities (AT_SECURE): refused, nsinit must be started as it is\n");
        super::exit_group(125);
    }
    // SAFETY: as above: the kernel's NULL-terminated arrays.
    super::exit_group(unsafe { main(argc as i32, argv, envp) })
}
