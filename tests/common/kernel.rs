//! What the privilege and seccomp tests ask the kernel from inside a
//! workload, and how they read its answers:
//!
//! - [`sys_tool`]: a tiny static C program that makes raw syscalls (x86_64,
//!   i386 through `int 0x80`, x32 by number) and prints one line per call, so
//!   a test sees the errno the kernel or the filter gave, not a shell's
//!   paraphrase. Words for it: [`call`], [`i386`], [`socketcall`], [`bind`],
//!   [`in_thread`]; its answers: [`answers`].
//! - [`CapSets`] and [`status_field`]: the lines of `/proc/<pid>/status`.
//!
//! Built artefacts live under cargo's `CARGO_TARGET_TMPDIR`, one directory
//! per test crate, built once per test process.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The C source of [`sys_tool`]. Each argument is one call:
///
/// - `NR,A0,A1,...`: `syscall(NR, A0, ...)` on the native ABI (numbers in C
///   syntax: `0x` for hex, `-1` for all ones). An x32 call is its number
///   with bit 30 set.
/// - `i386:NR,A0,A1,A2`: the i386 ABI from this 64-bit process (`int 0x80`,
///   arguments truncated to 32 bits by the ABI).
/// - `socketcall:FAMILY,TYPE,PROTO`: i386 `socketcall(SYS_SOCKET, args)`; the
///   arguments live in .bss, below 4 GiB in this non-PIE static binary.
/// - `bind:PORT`: an AF_INET stream socket bound to 0.0.0.0:PORT.
/// - `thread:NR,A0,...`: the call in a second thread, then joined; the
///   thread prints `thread: ...` and the main thread `WORD: joined`.
///
/// Each call prints `WORD: ok` or `WORD: errno N` with write(2) (nothing
/// buffered is lost when a filter kills the process).
pub const SYS_TOOL_C: &str = r#"
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char *word, const char *what) {
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s: %s\n", word, what);
    (void)!write(1, buf, n);
}

static void answer(const char *word, long r, int err) {
    char what[32];
    if (r < 0) snprintf(what, sizeof what, "errno %d", err);
    else snprintf(what, sizeof what, "ok");
    say(word, what);
}

/* The i386 ABI: number in eax, arguments in ebx, ecx, edx; r8-r11 are
   clobbered by the compat entry. */
static long int80(unsigned long nr, unsigned long a, unsigned long b, unsigned long c) {
    long ret;
    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(nr), "b"(a), "c"(b), "d"(c)
                     : "memory", "r8", "r9", "r10", "r11");
    return (int)ret;
}

static void parse(const char *s, unsigned long *v, int max) {
    int n = 0;
    char *end;
    while (*s && n < max) {
        v[n++] = strtoull(s, &end, 0);
        if (*end == ',') end++;
        s = end;
    }
}

static unsigned int sockargs[3];

static void *thread_main(void *arg) {
    unsigned long *v = arg;
    long r = syscall(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    answer("thread", r, errno);
    return 0;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        unsigned long v[7] = {0};
        long r;
        int err = 0;
        if (!strncmp(w, "i386:", 5)) {
            parse(w + 5, v, 4);
            r = int80(v[0], v[1], v[2], v[3]);
            if (r < 0) err = -r;
        } else if (!strncmp(w, "socketcall:", 11)) {
            parse(w + 11, v, 3);
            for (int k = 0; k < 3; k++) sockargs[k] = v[k];
            r = int80(102, 1, (unsigned long)sockargs, 0);
            if (r < 0) err = -r;
        } else if (!strncmp(w, "bind:", 5)) {
            struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(w + 5))};
            int s = socket(AF_INET, SOCK_STREAM, 0);
            r = s < 0 ? s : bind(s, (struct sockaddr *)&sa, sizeof sa);
            err = errno;
        } else if (!strncmp(w, "thread:", 7)) {
            pthread_t t;
            parse(w + 7, v, 7);
            if (pthread_create(&t, 0, thread_main, v) || pthread_join(t, 0)) return 2;
            say(w, "joined");
            continue;
        } else {
            parse(w, v, 7);
            r = syscall(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
            err = errno;
        }
        answer(w, r, err);
    }
    return 0;
}
"#;

/// This test crate's directory for built artefacts (kept between runs).
pub fn build_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("nsinit-{}", env!("CARGO_CRATE_NAME")));
        fs::create_dir_all(&d).expect("create the build dir");
        d
    })
}

/// The syscall tool ([`SYS_TOOL_C`]), compiled static with gcc once per test
/// process (written under a temporary name, then renamed: a half-written
/// binary is never run).
pub fn sys_tool() -> &'static Path {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    TOOL.get_or_init(|| {
        let dir = build_dir();
        let src = dir.join("sys.c");
        fs::write(&src, SYS_TOOL_C).expect("write sys.c");
        let tmp = dir.join(format!("sys.{}", std::process::id()));
        let out = Command::new("gcc")
            .args(["-static", "-O2", "-Wall", "-Werror", "-pthread", "-o"])
            .arg(&tmp)
            .arg(&src)
            .output()
            .expect("run gcc");
        assert!(out.status.success(), "gcc sys.c failed:\n{}", String::from_utf8_lossy(&out.stderr));
        let bin = dir.join("sys");
        fs::rename(&tmp, &bin).expect("rename the sys tool");
        bin
    })
}

/// The sys tool's path as a string, for argv and specs.
pub fn sys_tool_str() -> String {
    sys_tool().to_str().expect("utf-8 path").to_string()
}

/// The x32 ABI's marker bit in a syscall number (`__X32_SYSCALL_BIT`).
pub const X32: i64 = 0x4000_0000;

/// A native call: `NR,A0,...` in hex.
pub fn call(nr: i64, args: &[u64]) -> String {
    let mut w = format!("{nr:#x}");
    for a in args {
        w.push_str(&format!(",{a:#x}"));
    }
    w
}

/// An i386 call through `int 0x80` (i386 numbers).
pub fn i386(nr: i64, args: &[u64]) -> String {
    format!("i386:{}", call(nr, args))
}

/// i386 `socketcall(SYS_SOCKET, {family, type, 0})`.
pub fn socketcall(family: i32, ty: i32) -> String {
    format!("socketcall:{family},{ty},0")
}

/// Binds an AF_INET stream socket to `port`.
pub fn bind(port: u16) -> String {
    format!("bind:{port}")
}

/// A native call made by a second thread.
pub fn in_thread(nr: i64, args: &[u64]) -> String {
    format!("thread:{}", call(nr, args))
}

/// What the kernel (or the filter) answered to one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Ok,
    Errno(i32),
    /// The call ran in a thread that was joined.
    Joined,
}

/// The sys tool's answers in `stdout`, in order, as (word, answer); other
/// lines (a script's own output) are skipped.
pub fn answers(stdout: &str) -> Vec<(String, Answer)> {
    stdout
        .lines()
        .filter_map(|l| {
            let (word, what) = l.rsplit_once(": ")?;
            let a = match what {
                "ok" => Answer::Ok,
                "joined" => Answer::Joined,
                e => Answer::Errno(e.strip_prefix("errno ")?.parse().ok()?),
            };
            Some((word.to_string(), a))
        })
        .collect()
}

/// The value of `name:` in a `/proc/<pid>/status` text, trimmed.
pub fn status_field<'a>(status: &'a str, name: &str) -> Option<&'a str> {
    status.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(':')).map(str::trim)
}

/// The five capability sets of a `/proc/<pid>/status` text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CapSets {
    pub bnd: u64,
    pub eff: u64,
    pub prm: u64,
    pub inh: u64,
    pub amb: u64,
}

impl CapSets {
    /// All five sets equal to `v`.
    pub const fn all(v: u64) -> CapSets {
        CapSets { bnd: v, eff: v, prm: v, inh: v, amb: v }
    }

    /// Reads `CapBnd`, `CapEff`, `CapPrm`, `CapInh` and `CapAmb`; None when
    /// one is missing (the text is no status).
    pub fn parse(status: &str) -> Option<CapSets> {
        let f = |n| status_field(status, n).and_then(|v| u64::from_str_radix(v, 16).ok());
        Some(CapSets { bnd: f("CapBnd")?, eff: f("CapEff")?, prm: f("CapPrm")?, inh: f("CapInh")?, amb: f("CapAmb")? })
    }
}

/// What a hardened nsinit (PID 1, or the nsinit that entered a container)
/// holds, from its `/proc/PID/status`: its effective, permitted,
/// inheritable and ambient sets, the bounding set zeroed — nsinit leaves
/// its own as it was and sets no_new_privs instead (it never executes
/// anything again, and no execve could give a capability back), which is
/// checked here.
pub fn held_caps(status: &str) -> CapSets {
    assert_eq!(status_field(status, "NoNewPrivs"), Some("1"), "nsinit's no_new_privs\n{status}");
    let c = CapSets::parse(status).unwrap_or_else(|| panic!("no capability lines\n{status}"));
    CapSets { bnd: 0, ..c }
}

impl fmt::Debug for CapSets {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "CapBnd {:#x} CapEff {:#x} CapPrm {:#x} CapInh {:#x} CapAmb {:#x}",
            self.bnd, self.eff, self.prm, self.inh, self.amb
        )
    }
}

/// The bit of capability number `cap` in a set.
pub const fn cap(n: u32) -> u64 {
    1 << n
}

pub const CAP_KILL: u32 = 5;
pub const CAP_NET_BIND_SERVICE: u32 = 10;
pub const CAP_AUDIT_WRITE: u32 = 29;
