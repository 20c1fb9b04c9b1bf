#!/usr/bin/env python3
"""The driver of scripts/bench (run that: it sets up and builds first).

    scripts/bench [reaper|container|enter|seccomp|size|trace|inject|rootless|all]
                  [--rounds N] [--per-round K] [--seed S] [--readme]

A noisy machine moves absolute times by ±20 % between runs, and one busy second
can move a whole hyperfine run. So the compared commands run interleaved in
rounds: round r runs every command of a comparison K times (hyperfine -N, one
call per round, the commands in a shuffled order), and each comparison is the
median over rounds of the per-round ratio of medians, with its interquartile
range across rounds. A busy second spoils a round or two, not the result.

Writes target/bench/report.txt (the report printed), report.json (the same,
machine-readable), bench-startup.svg (the start-up chart) and table.md (the
README's table); --readme also puts the table into README.md's Performance
section and the chart at scripts/bench-startup.svg. Python standard library
only; needs root, hyperfine and the peers (scripts/setup).
"""

import argparse
import datetime
import html
import json
import os
import platform
import random
import re
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target/x86_64-unknown-linux-musl/release/nsinit"
WORK = ROOT / "target/bench"
PROFILE = ROOT / "tests/fixtures/docker-default-seccomp.json"
ROOTLESS_SPEC = ROOT / "tests/fixtures/runc-spec-rootless-config.json"
README = ROOT / "README.md"
README_SVG = ROOT / "scripts/bench-startup.svg"
SECTIONS = ["size", "reaper", "container", "enter", "seccomp", "trace", "inject", "rootless"]

# crun refuses this machine's hybrid cgroup layout (v1 controllers plus a
# cgroup2 mount at /sys/fs/cgroup/unified; tests/common/runtime.rs): it runs in
# a private mount namespace where that mount is gone, without a cgroup manager.
# The namespace holds the whole hyperfine call, so no wrapper is timed with crun.
CRUN_NS = ["unshare", "-m", "--propagation", "private", "sh", "-c",
           'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec "$@"', "sh"]
CRUN = ["crun", "--cgroup-manager=disabled"]


def die(msg):
    print(f"bench: {msg}", file=sys.stderr)
    sys.exit(1)


def progress(msg):
    if sys.stderr.isatty():
        print(f"\r\033[K{msg}", end="", file=sys.stderr, flush=True)


def sh(argv, **kw):
    """Runs argv to its end; its output, or a one-line failure."""
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        die(f"{shlex.join(map(str, argv))}: exit {r.returncode}: {r.stderr.strip()[-2000:]}")
    return r.stdout


# ---------------------------------------------------------------- statistics

def quantile(s, p):
    """The p-quantile of sorted s, interpolated (numpy's default)."""
    k = (len(s) - 1) * p
    f = int(k)
    c = min(f + 1, len(s) - 1)
    return s[f] + (s[c] - s[f]) * (k - f)


def summary(xs):
    s = sorted(xs)
    return {"median": quantile(s, 0.5), "q1": quantile(s, 0.25), "q3": quantile(s, 0.75),
            "min": s[0], "max": s[-1], "n": len(s)}


def median(xs):
    return quantile(sorted(xs), 0.5)


def meets(value, goal):
    op, bound = goal
    return value <= bound if op == "<=" else value >= bound


def goal_text(goal, unit="×"):
    op, bound = goal
    sym = "≤" if op == "<=" else "≥"
    if unit == "×":
        return f"{sym} {bound:g}×"
    return f"{sym} {bound:,g} {unit}"


# ---------------------------------------------------------------- bundles

def runc_spec():
    """`runc spec`'s config, as runc writes it today."""
    tmp = WORK / "runc-spec"
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "config.json").unlink(missing_ok=True)
    sh(["runc", "spec", "-b", str(tmp)])
    return json.loads((tmp / "config.json").read_text())


def make_bundle(path, args, seccomp=False, base=None, extra=None):
    """A bundle at path with its own busybox rootfs and the runc-default config
    (or base), no terminal, running args; with Docker's profile if seccomp.
    Returns the config (also written as config.json)."""
    path.mkdir(parents=True, exist_ok=True)
    if not (path / "rootfs/bin/busybox").exists():
        sh([str(ROOT / "scripts/mkrootfs"), str(path / "rootfs")])
    cfg = json.loads(json.dumps(base)) if base else runc_spec()
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = args
    if seccomp:
        cfg["linux"]["seccomp"] = json.loads(PROFILE.read_text())
    if extra:
        extra(cfg)
    write_json(path / "config.json", cfg)
    return cfg


RT = {"on": True}


def runc_bundle(src, dest):
    """runc's copy of the bundle at src: the same config and rootfs (by its
    absolute path). When measuring at SCHED_FIFO, its cpu cgroup gets a
    real-time budget: the kernel refuses to move a real-time process into a
    cpu cgroup (v1, RT group scheduling) that has none, and runc sets the
    budget before it moves its process in. A tenth of the CPU: groups that
    are gone but not yet freed still count against the root's 95 %."""
    cfg = json.loads((src / "config.json").read_text())
    cfg["root"]["path"] = str(src / "rootfs")
    if RT["on"] and Path("/sys/fs/cgroup/cpu/cpu.rt_runtime_us").exists():
        cfg["linux"].setdefault("resources", {})["cpu"] = {"realtimeRuntime": 100000, "realtimePeriod": 1000000}
    dest.mkdir(parents=True, exist_ok=True)
    write_json(dest / "config.json", cfg)
    return dest


def write_json(path, cfg):
    path.write_text(json.dumps(cfg, indent=1))


def c_program(name, source, flags=()):
    """Compiles a static C helper into WORK/bin once per source."""
    (WORK / "bin").mkdir(exist_ok=True)
    src = WORK / "bin" / f"{name}.c"
    out = WORK / "bin" / name
    if not out.exists() or not src.exists() or src.read_text() != source:
        src.write_text(source)
        sh(["gcc", "-O2", "-static", *flags, "-o", str(out), str(src)])
    return out


# The floor of any init in the reaper comparison: a 9 KiB static program
# without libc that does only what an init must to run one command —
# vfork (clone(CLONE_VM|CLONE_VFORK)), execve of the absolute path it is
# given, wait4, exit with the status — and none of what tini and nsinit add
# (PATH search, signal forwarding, subreaper, process group, descriptors).
MIN_INIT = r"""#include <sys/syscall.h>
static long sc(long n, long a, long b, long c, long d) {
    long r;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return r;
}
void __attribute__((used)) start_c(long *sp) {
    char **argv = (char **)(sp + 1), **envp = argv + sp[0] + 1;
    long pid = sc(SYS_clone, 0x4000 | 0x100 | 17, 0, 0, 0); /* CLONE_VFORK|CLONE_VM|SIGCHLD */
    if (pid == 0) {
        sc(SYS_execve, (long)argv[1], (long)(argv + 1), (long)envp, 0);
        sc(SYS_exit, 127, 0, 0, 0);
    }
    int status = 0;
    sc(SYS_wait4, pid, (long)&status, 0, 0);
    sc(SYS_exit_group, (status >> 8) & 255, 0, 0, 0);
}
__asm__(".global _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call start_c\n hlt\n");
"""


# The same, with the PATH walk that execvp, tini and nsinit do before the
# workload runs (`busybox` is not found in the first directories of a
# typical PATH): a failed execve per directory before the one that holds it.
MIN_INIT_PATH = r"""#include <sys/syscall.h>
static long sc(long n, long a, long b, long c, long d) {
    long r;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return r;
}
static const char *path_of(char **envp) {
    for (; *envp; envp++) {
        const char *e = *envp;
        if (e[0] == 'P' && e[1] == 'A' && e[2] == 'T' && e[3] == 'H' && e[4] == '=') return e + 5;
    }
    return "/usr/local/bin:/bin:/usr/bin";
}
void __attribute__((used)) start_c(long *sp) {
    char **argv = (char **)(sp + 1), **envp = argv + sp[0] + 1;
    long pid = sc(SYS_clone, 0x4000 | 0x100 | 17, 0, 0, 0); /* CLONE_VFORK|CLONE_VM|SIGCHLD */
    if (pid == 0) {
        char buf[4096];
        const char *p = path_of(envp), *name = argv[1];
        for (;;) {
            int n = 0;
            while (*p && *p != ':' && n < 2048) buf[n++] = *p++;
            buf[n++] = '/';
            for (const char *c = name; *c && n < 4095; c++) buf[n++] = *c;
            buf[n] = 0;
            sc(SYS_execve, (long)buf, (long)(argv + 1), (long)envp, 0);
            if (*p != ':') break;
            p++;
        }
        sc(SYS_exit, 127, 0, 0, 0);
    }
    int status = 0;
    sc(SYS_wait4, pid, (long)&status, 0, 0);
    sc(SYS_exit_group, (status >> 8) & 255, 0, 0, 0);
}
__asm__(".global _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call start_c\n hlt\n");
"""


# hyperfine -N cannot redirect, and nsinit reads its spec fd to EOF. The spec
# files are opened once on fds 3 and 4 for the whole hyperfine call, and this
# runs as hyperfine's --prepare before every run (of every command in the
# call, so that all of them get the same extra process) to rewind them.
SEEK0 = """#include <unistd.h>
int main(void) { for (int fd = 3; fd < 10; fd++) lseek(fd, 0, SEEK_SET); return 0; }
"""

# The workload of the getppid runs: 2M getppid calls, ns per call. With the
# argument allow-all it first installs a one-instruction RET ALLOW filter
# itself (no_new_privs first, as seccomp(2) asks of an unprivileged caller):
# the cost any filter has. Prints the filters in force (/proc/self/status
# Seccomp_filters, Linux 5.9+) so that the driver can check each run
# measured what it says, then the time.
GETPPID = """#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
static int filters(void) {
    char line[256];
    int n = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Seccomp_filters: %d", &n) == 1) break;
    fclose(f);
    return n;
}
int main(int argc, char **argv) {
    struct timespec a, b;
    long n = 2000000;
    if (argc > 1 && strcmp(argv[1], "allow-all") == 0) {
        struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
        struct sock_fprog prog = {1, allow};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
            syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
            perror("getppid: allow-all filter");
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) syscall(SYS_getppid);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("filters %d\\n%.1f\\n", filters(), ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
    return 0;
}
"""


# The kernel's part of a filter's cost at start-up: seccomp(2) loading a
# program (checking it, converting it to eBPF, JIT-compiling it, and
# working out the action cache: which syscalls every path allows). Each of N
# fresh children sets no_new_privs and loads FILE (the program as the
# kernel's struct sock_filter records) with FLAGS, timed around the syscall
# alone; prints the median in ns.
LOADTIME = r"""#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static long now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}
static int cmp(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}
int main(int argc, char **argv) {
    static struct sock_filter prog[4096];
    if (argc != 4) return 2;
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    int len = fread(prog, sizeof prog[0], 4096, f), flags = atoi(argv[2]), n = atoi(argv[3]);
    struct sock_fprog fprog = {len, prog};
    long *t = mmap(0, n * sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < n; i++) {
        pid_t c = fork();
        if (c == 0) {
            prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            long a = now();
            long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
            t[i] = r == 0 ? now() - a : -1;
            _exit(0);
        }
        waitpid(c, 0, 0);
        if (t[i] < 0) { fprintf(stderr, "%s: seccomp refused it\n", argv[1]); return 1; }
    }
    qsort(t, n, sizeof t[0], cmp);
    printf("%d %ld\n", len, t[n / 2]);
    return 0;
}
"""


def captured_filter(argv, cwd, out):
    """The last seccomp filter argv loads, as strace shows it (the whole
    program: -v, no abbreviation), written to `out` as the kernel's
    sock_filter records; its flags."""
    trace = out.with_suffix(".strace")
    subprocess.run(["strace", "-f", "-qq", "-v", "-X", "raw", "-e", "trace=seccomp", "-e", "abbrev=none",
                    "-o", str(trace), *argv], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True)
    calls = [l for l in trace.read_text().splitlines() if re.search(r"seccomp\(0x1, ", l)]
    if not calls:
        die(f"{shlex.join(map(str, argv))}: no seccomp filter loaded (strace)")
    m = re.search(r"seccomp\(0x1, (0x[0-9a-f]+|\d+), \{len=(\d+), filter=\[(.*)\]\}\)", calls[-1])
    if not m:
        die(f"strace: an unexpected seccomp line: {calls[-1][:200]}")
    num = lambda x: sum(int(p, 0) for p in x.strip().split("|"))
    records = b""
    for kind, args in re.findall(r"BPF_(STMT|JUMP)\(([^)]*)\)", m.group(3)):
        a = [num(x) for x in args.split(",")]
        jt, jf = (a[2], a[3]) if kind == "JUMP" else (0, 0)
        records += struct.pack("<HBBI", a[0], jt, jf, a[1] & 0xffffffff)
    if len(records) // 8 != int(m.group(2)):
        die(f"strace: {len(records) // 8} instructions read, the call says {m.group(2)}")
    out.write_bytes(records)
    return int(m.group(1), 0)


def with_fds(argv, fds):
    """argv started by sh with fds {n: path} open for reading (no CLOEXEC)."""
    if not fds:
        return argv
    redir = " ".join(f"{n}<{shlex.quote(str(p))}" for n, p in sorted(fds.items()))
    return ["sh", "-c", f'exec "$@" {redir}', "sh"] + list(map(str, argv))


# ---------------------------------------------------------------- rounds

class Cmd:
    def __init__(self, key, label, argv, crun_ns=False, nsinit=False, short=None):
        self.key, self.label, self.argv = key, label, [str(a) for a in argv]
        self.crun_ns, self.nsinit, self.short = crun_ns, nsinit, short or key


def hyperfine(cmds, runs, warmup, cwd, fds=None, prepare=None):
    """One hyperfine -N call: {key: [seconds...]}."""
    out = WORK / "round.json"
    argv = ["hyperfine", "-N", "--style", "none", "--runs", str(runs), "--warmup", str(warmup),
            "--export-json", str(out)]
    if prepare:
        argv += ["--prepare", str(prepare)]
    for c in cmds:
        argv += ["-n", c.key, shlex.join(c.argv)]
    ns = CRUN_NS if cmds[0].crun_ns else []
    r = subprocess.run(ns + with_fds(argv, fds), cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if r.returncode != 0:
        # hyperfine does not say which command failed, nor why: each once more.
        why = []
        for c in cmds:
            one = subprocess.run(ns + with_fds(c.argv, fds), cwd=cwd, stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True)
            if one.returncode != 0:
                why.append(f"{c.label}: exit {one.returncode}: {one.stderr.strip()[-500:]}")
        die(f"hyperfine: {r.stderr.strip()[-300:]}\n" + ("\n".join(why) or "(each command passed once more)"))
    return {r["command"]: r["times"] for r in json.loads(out.read_text())["results"]}


def run_rounds(name, cmds, rounds, per_round, rng, cwd, fds=None, prepare=None, warmup=1):
    """Round r: every command per_round times, in a shuffled order (hyperfine
    runs one command's block after the other). Commands that need crun's mount
    namespace go in one hyperfine call, the others in another, the two calls
    in a shuffled order too. Returns {key: [median seconds of round r...]}."""
    meds = {c.key: [] for c in cmds}
    for r in range(rounds):
        progress(f"{name}: round {r + 1}/{rounds}")
        order = cmds[:]
        rng.shuffle(order)
        blocks = [[c for c in order if not c.crun_ns], [c for c in order if c.crun_ns]]
        blocks = [b for b in blocks if b]
        rng.shuffle(blocks)
        for b in blocks:
            for key, times in hyperfine(b, per_round, warmup, cwd, fds, prepare).items():
                meds[key].append(median(times))
    progress("")
    return meds


def interleaved(what, keys, n, rng, measure):
    """n rounds, each calling measure(k) once per key, the keys in a
    shuffled order (a busy moment spoils a round, not one key's values):
    {key: [measure(key) of round r...]}."""
    got = {k: [] for k in keys}
    for i in range(n):
        progress(f"{what} {i + 1}/{n}")
        order = list(keys)
        rng.shuffle(order)
        for k in order:
            got[k].append(measure(k))
    progress("")
    return got


def ratio_row(key, what, num, den, unit, bound=None):
    """A report row: the per-round ratios of the values num and den (one per
    round), and the goal ratio <= bound when there is one."""
    rr = [a / b for a, b in zip(num, den)]
    s = summary(rr)
    row = {"key": key, "what": what, "num_median": median(num), "den_median": median(den), "unit": unit,
           "ratio": s, "rounds": rr, "n": len(rr), "per": "rounds"}
    if bound is not None:
        row |= {"goal": ["<=", bound], "goal_text": goal_text(("<=", bound)), "met": s["median"] <= bound,
                "rounds_met": sum(x <= bound for x in rr)}
    return row


def ratio_rounds(meds, num, den):
    return [a / b for a, b in zip(meds[num], meds[den])]


def timed_section(title, cmds, meds, ref, rounds, per_round, ratios, unit="ms", scale=1e3, note=None):
    """A section of timed commands: per command the median over rounds of its
    round medians and their IQR, its ratio to ref; the comparisons in ratios:
    (key, what, num, den, goal or None)."""
    commands = []
    for c in cmds:
        rr = ratio_rounds(meds, c.key, ref)
        commands.append({"key": c.key, "label": c.label, "short": c.short, "command": shlex.join(c.argv),
                         "nsinit": c.nsinit, "unit": unit,
                         "time": {k: v * scale if k != "n" else v for k, v in summary(meds[c.key]).items()},
                         "rounds": [m * scale for m in meds[c.key]],
                         "vs_reference": summary(rr)})
    rows = []
    for key, what, num, den, goal in ratios:
        rr = ratio_rounds(meds, num, den)
        row = {"key": key, "what": what, "num": num, "den": den,
               "num_median": median(meds[num]) * scale, "den_median": median(meds[den]) * scale,
               "unit": unit, "ratio": summary(rr), "rounds": rr}
        if goal:
            row["goal"] = list(goal)
            row["goal_text"] = goal_text(goal)
            row["met"] = meets(row["ratio"]["median"], goal)
            row["rounds_met"] = sum(meets(x, goal) for x in rr)
        rows.append(row)
    return {"title": title, "kind": "timed", "rounds": rounds, "per_round": per_round,
            "reference": ref, "commands": commands, "ratios": rows, "note": note}


# ---------------------------------------------------------------- sections

def bench_reaper(o, rng):
    cmds = [
        Cmd("busybox", "busybox true (no init)", ["busybox", "true"]),
        Cmd("nsinit", "nsinit -s -- busybox true", [BIN, "-s", "--", "busybox", "true"], nsinit=True,
            short="nsinit"),
        Cmd("tini", "tini-static -s -- busybox true", ["tini-static", "-s", "--", "busybox", "true"],
            short="tini-static"),
        Cmd("catatonit", "catatonit -- busybox true", ["catatonit", "--", "busybox", "true"]),
        Cmd("dumb-init", "dumb-init busybox true", ["dumb-init", "busybox", "true"]),
        Cmd("min-init", "minimal init (no libc: vfork, execve, wait4) /usr/bin/busybox true",
            [str(c_program("min-init", MIN_INIT, ("-nostdlib", "-fno-stack-protector"))), shutil.which("busybox") or "/bin/busybox", "true"],
            short="minimal init"),
        Cmd("min-init-path", "minimal init with execvp's PATH walk (no libc: vfork, execve per PATH entry, wait4) busybox true",
            [str(c_program("min-init-path", MIN_INIT_PATH, ("-nostdlib", "-fno-stack-protector"))), "busybox", "true"],
            short="minimal init, PATH"),
    ]
    rounds, k = o.rounds or 30, o.per_round or 20
    meds = run_rounds("reaper", cmds, rounds, k, rng, WORK)
    return timed_section(
        "reaper: nsinit as tini (workload busybox true)", cmds, meds, "tini", rounds, k,
        [("reaper", "reaper `-s -- busybox true` vs tini-static", "nsinit", "tini", ("<=", 0.65)),
         ("reaper-floor", "minimal init (no libc: vfork, execve, wait4) vs tini-static: the floor of any init", "min-init", "tini", None),
         ("reaper-over-floor", "reaper `-s -- busybox true` vs the minimal init", "nsinit", "min-init", None),
         ("reaper-floor-path", "minimal init with the PATH walk vs tini-static: the floor of an init that searches PATH, as tini and nsinit do", "min-init-path", "tini", None),
         ("reaper-over-floor-path", "reaper `-s -- busybox true` vs the minimal init with the PATH walk", "nsinit", "min-init-path", None)])


def bench_container(o, rng):
    b, bp = WORK / "start", WORK / "start-plain"
    make_bundle(b, ["/bin/true"], seccomp=True)
    plain = make_bundle(bp, ["/bin/true"])
    write_json(b / "plain.json", plain)
    seek0 = c_program("seek0", SEEK0)
    n = [BIN]
    cmds = [
        Cmd("floor", "unshare -mpuinf true (the floor)", ["unshare", "-mpuinf", "true"], short="floor"),
        Cmd("nsinit", "nsinit, no seccomp", ["unshare", "-mpuinf", *n, "--spec-fd", "4"], nsinit=True),
        Cmd("nsinit-docker", "nsinit, Docker's profile", ["unshare", "-mpuinf", *n, "--spec-fd", "3"], nsinit=True,
            short="nsinit"),
        Cmd("bwrap", "bwrap --unshare-all (no seccomp)",
            ["bwrap", "--unshare-all", "--as-pid-1", "--bind", "rootfs", "/", "--proc", "/proc",
             "--dev", "/dev", "/bin/true"]),
        Cmd("crun", "crun run, no seccomp", [*CRUN, "run", "-b", bp, "nsinit-bench-crun"], crun_ns=True),
        Cmd("crun-docker", "crun run, Docker's profile", [*CRUN, "run", "-b", b, "nsinit-bench-crun-d"], crun_ns=True,
            short="crun"),
        Cmd("runc", "runc run, no seccomp",
            ["runc", "run", "-b", runc_bundle(bp, WORK / "start-plain-runc"), "nsinit-bench-runc"]),
        Cmd("runc-docker", "runc run, Docker's profile",
            ["runc", "run", "-b", runc_bundle(b, WORK / "start-runc"), "nsinit-bench-runc-d"]),
    ]
    for c in ("nsinit-bench-crun", "nsinit-bench-crun-d", "nsinit-bench-runc", "nsinit-bench-runc-d"):
        subprocess.run(["crun" if "crun" in c else "runc", "delete", "-f", c], capture_output=True)
    # Which fd holds which spec, as nsinit reads them.
    for fd, has in ((3, True), (4, False)):
        text = sh(with_fds([BIN, "--check", "--spec-fd", fd], {3: b / "config.json", 4: b / "plain.json"}))
        if ("seccomp: none" not in text) != has:
            die(f"fd {fd}: nsinit --check says {text!r}")
    rounds, k = o.rounds or 20, o.per_round or 5
    meds = run_rounds("container", cmds, rounds, k, rng, b, fds={3: b / "config.json", 4: b / "plain.json"},
                      prepare=seek0)
    return timed_section(
        "full start: the runc-default bundle running /bin/true", cmds, meds, "floor", rounds, k,
        [("start-docker", "full start, Docker's profile, vs `unshare -mpuinf true`", "nsinit-docker", "floor", ("<=", 1.25)),
         ("start-plain", "full start, no seccomp, vs `unshare -mpuinf true`", "nsinit", "floor", None),
         ("start-crun", "crun run / nsinit, both with Docker's profile", "crun-docker", "nsinit-docker", (">=", 5)),
         ("start-runc", "runc run / nsinit, both with Docker's profile", "runc-docker", "nsinit-docker", None)],
        note="nsinit as scripts/run starts it: under `unshare -mpuinf`, in the bundle, the spec on fd 3 "
             "(a file hyperfine's --prepare rewinds before every run of every command). crun runs without "
             "cgroups in a mount namespace without the cgroup2 mount (made once per hyperfine call, not timed); "
             "runc with its cgroups (at SCHED_FIFO, from a copy of the bundle that gives its cpu cgroup a "
             "real-time budget, which the kernel needs to let a real-time process in). bwrap and the floor run the host's `true`, the bundles busybox's.")


def wait_for(what, pred, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    die(f"{what}: not ready after {timeout:g} s")


def children(pid):
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def detached(argv):
    """Starts a detached container: its output goes to a file, since the
    container keeps any pipe open."""
    log = WORK / "detached.log"
    with open(log, "w") as f:
        r = subprocess.run([str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=f, stderr=f)
    if r.returncode != 0:
        die(f"{shlex.join(map(str, argv))}: exit {r.returncode}: {log.read_text()[-1000:]}")


def runtime_pid(rt, cid):
    r = subprocess.run([rt, "state", cid], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    st = json.loads(r.stdout)
    return st["pid"] if st.get("status") == "running" else None


def bench_enter(o, rng):
    b = WORK / "enter"
    make_bundle(b, ["sleep", "1000"], seccomp=True)
    rid, cid = "nsinit-bench-enter-runc", "nsinit-bench-enter-crun"
    for rt, i in (("runc", rid), ("crun", cid)):
        subprocess.run([rt, "delete", "-f", i], capture_output=True)
    parent = subprocess.Popen(with_fds(["unshare", "-mpuinf", "--kill-child", BIN, "--spec-fd", "3"],
                                       {3: b / "config.json"}),
                              cwd=b, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # nsinit is unshare's child; it is set up once its workload runs.
        npid = wait_for("nsinit container", lambda: (children(parent.pid) or [0])[0])
        wait_for("nsinit's workload", lambda: children(npid))
        detached(["runc", "run", "-d", "-b", runc_bundle(b, WORK / "enter-runc"), rid])
        detached(CRUN_NS + [*CRUN, "run", "-d", "-b", b, cid])
        rpid = wait_for("runc container", lambda: runtime_pid("runc", rid))
        wait_for("crun container", lambda: runtime_pid("crun", cid))
        cmds = [
            Cmd("nsenter", "nsenter --all -t PID true (the floor)", ["nsenter", "--all", "-t", npid, "true"],
                short="nsenter"),
            Cmd("nsinit", "nsinit --enter PID --spec config.json -- true",
                [BIN, "--enter", npid, "--spec", "config.json", "--", "true"], nsinit=True, short="nsinit"),
            Cmd("nsinit-runc", "nsinit --enter (runc's container)",
                [BIN, "--enter", rpid, "--spec", "config.json", "--", "true"], nsinit=True),
            Cmd("nsenter-runc", "nsenter --all (runc's container)", ["nsenter", "--all", "-t", rpid, "true"]),
            Cmd("runc", "runc exec ID true", ["runc", "exec", rid, "true"], short="runc exec"),
            Cmd("crun", "crun exec ID true", ["crun", "exec", cid, "true"]),
        ]
        rounds, k = o.rounds or 20, o.per_round or 5
        meds = run_rounds("enter", cmds, rounds, k, rng, b)
    finally:
        os.kill(parent.pid, signal.SIGKILL)  # --kill-child takes the container with it
        parent.wait()
        for rt, i in (("runc", rid), ("crun", cid)):
            subprocess.run([rt, "delete", "-f", i], capture_output=True)
    return timed_section(
        "enter: a command into a running runc-default container with Docker's profile", cmds, meds,
        "nsenter", rounds, k,
        [("enter", "enter, vs `nsenter --all` (no confinement)", "nsinit", "nsenter", ("<=", 1.5)),
         ("enter-runc", "runc exec / nsinit --enter", "runc", "nsinit", (">=", 10)),
         ("enter-crun", "crun exec / nsinit --enter", "crun", "nsinit", None)],
        note="nsinit and nsenter enter nsinit's container (started as scripts/run does, workload `sleep`); "
             "runc exec and crun exec their own containers from the same bundle (runc's copy: see full start); \"nsinit --enter (runc's "
             "container)\" enters runc's, cgroups and all. crun exec does not set no_new_privs (no "
             "--no-new-privs); runc exec does, from the bundle's config.")


TRACE = re.compile(r"^nsinit: trace: \+(\d+)us (.*)$")
# A trace line's label is its step and its object: the compiler's two lines
# are "seccomp compiled in us: N" (the compile's own time, printed right after
# it) and then "seccomp instructions: N". Matched whole, so neither is taken
# for the other.
COMPILED = re.compile(r"^seccomp compiled in us: (\d+)$")
COMPILED_STEP = "seccomp compiled"
INSTRUCTIONS = re.compile(r"^seccomp instructions: \d+$")


def trace_lines(stderr):
    return [(m.group(2), int(m.group(1))) for m in map(TRACE.match, stderr.splitlines()) if m]


def trace_step(label):
    """A label without what changes from run to run (the compile's own time),
    so that a step is one row over runs."""
    return COMPILED_STEP if COMPILED.match(label) else label


def bench_seccomp(o, rng):
    b = WORK / "start"
    make_bundle(b, ["/bin/true"], seccomp=True)
    out = {"title": "seccomp: Docker's default profile", "kind": "seccomp"}
    out["check"] = [l for l in sh([BIN, "--check", "--spec", "config.json"], cwd=b).splitlines()
                    if "seccomp" in l.lower()]
    # Cold compile in the real binary, in fresh processes: the compile's own
    # time, which nsinit --trace measures around the compile alone and prints
    # as "seccomp compiled in us: N". Beside it, for reference, the measure
    # used before nsinit printed that: the gap since the trace line before
    # ("spec") to that line, which also counts the line before's formatting
    # and write(2) to a pipe (whose reader wakes on the other CPU), a getpid
    # and a prctl.
    own, gaps = [], []
    n = o.rounds or 51
    for i in range(n):
        progress(f"seccomp: cold compile {i + 1}/{n}")
        r = subprocess.run([BIN, "--trace", "--check", "--spec", "config.json"], cwd=b,
                           capture_output=True, text=True)
        lines = trace_lines(r.stderr)
        at = next((j for j, (label, _) in enumerate(lines) if COMPILED.match(label)), None)
        if (r.returncode != 0 or not at or at + 1 >= len(lines)
                or not INSTRUCTIONS.match(lines[at + 1][0])):
            die(f"nsinit --trace --check: no \"seccomp compiled in us: N\" line between another and "
                f"\"seccomp instructions: N\": {r.stderr[-500:]}")
        own.append(int(COMPILED.match(lines[at][0]).group(1)))
        gaps.append(lines[at][1] - lines[at - 1][1])
    cold = summary(own)
    out["cold_compile_us"] = {**cold, "samples": own}
    out["cold_compile_gap_us"] = {**summary(gaps), "samples": gaps}
    out["rows"] = [{"key": "compile", "what": "Docker's profile, cold compile (fresh process)",
                    "value": cold["median"], "spread": [cold["q1"], cold["q3"]], "unit": "µs",
                    "goal": ["<=", 30], "goal_text": goal_text(("<=", 30), "µs"),
                    "met": cold["median"] <= 30, "rounds_met": sum(g <= 30 for g in own), "n": n,
                    "per": "processes"}]
    # Program size, longest path and warm compile: the compiler's own report test.
    # Built at normal priority (a real-time compiler would starve the machine),
    # run as the rest.
    progress("seccomp: the compiler's report test (cargo test --release)")
    test = ["cargo", "test", "-q", "--release", "--lib", "seccomp::compile::tests::report"]
    subprocess.run(["chrt", "-o", "0", *test, "--no-run"], cwd=ROOT, capture_output=True)
    r = subprocess.run([*test, "--", "--ignored", "--nocapture"], cwd=ROOT, capture_output=True, text=True)
    out["report_test"] = [l.strip() for l in r.stdout.splitlines()
                          if re.search(r"instructions|longest|compile:", l)] or [f"(report test failed: exit {r.returncode})"]
    # The cost of one allowed syscall in the workload: getppid in a loop
    # under no filter, nsinit's and crun's (libseccomp's) filter of the
    # profile, and the floor of any filter: the plain bundle whose workload
    # installs a one-instruction allow-all filter itself. Any filter sends
    # every syscall through the kernel's seccomp path on entry; an
    # always-allowed one is then answered from the action cache without
    # running the filter, so a filter can at best cost what allow-all does.
    g, gp = WORK / "getppid", WORK / "getppid-plain"
    make_bundle(g, ["/getppid"], seccomp=True)
    plain = make_bundle(gp, ["/getppid"])
    plain["process"]["args"] = ["/getppid", "allow-all"]
    write_json(gp / "allow-all.json", plain)
    exe = c_program("getppid", GETPPID)
    for d in (g, gp):
        shutil.copy(exe, d / "rootfs/getppid")
    runs = {
        "none": (with_fds(["unshare", "-mpuinf", BIN, "--spec-fd", "3"], {3: gp / "config.json"}), gp),
        "allow-all": (with_fds(["unshare", "-mpuinf", BIN, "--spec-fd", "3"], {3: gp / "allow-all.json"}), gp),
        "nsinit": (with_fds(["unshare", "-mpuinf", BIN, "--spec-fd", "3"], {3: g / "config.json"}), g),
        "crun": (CRUN_NS + [*CRUN, "run", "-b", str(g), "nsinit-bench-getppid"], g),
    }
    def getppid(k):
        argv, cwd = runs[k]
        text = sh(argv, cwd=cwd)
        m = re.search(r"^filters (-?\d+)\n([\d.]+)$", text, re.M)
        if not m:
            die(f"getppid ({k}): no \"filters N\" and time in {text!r}")
        return int(m.group(1)), float(m.group(2))
    rounds = o.rounds or 11
    got = interleaved("seccomp: getppid round", runs, rounds, rng, getppid)
    filters = {k: {f for f, _ in v} for k, v in got.items()}
    vals = {k: [ns for _, ns in v] for k, v in got.items()}
    # Each run measured what it says: no filter without one, one with.
    for k, want in (("none", {0}), ("allow-all", {1}), ("nsinit", {1}), ("crun", {1})):
        if filters[k] != want:
            die(f"getppid ({k}): seccomp filters in force {sorted(filters[k])}, not {sorted(want)}")
    out["getppid_ns"] = {k: summary(v) | {"rounds": v} for k, v in vals.items()}
    for key, what, den, bound in (
            ("getppid-none", "getppid in the workload, nsinit's filter vs none", "none", 1.1),
            ("getppid-floor", "getppid in the workload, nsinit's filter vs an allow-all filter "
                              "(the floor of any filter)", "allow-all", None),
            ("getppid-crun", "getppid in the workload, nsinit's filter vs crun's", "crun", 1.0)):
        out["rows"].append(ratio_row(key, what, vals["nsinit"], vals[den], "ns", bound))
    # The load itself (seccomp(2), the kernel's part): nsinit's program and
    # crun's for the same profile, as each loads it (captured with strace,
    # flags and all), and the one-instruction allow-all program, the floor.
    # Loaded by the same small program in fresh children, interleaved in
    # rounds. The programs come from the getppid runs above (their argv).
    loader = c_program("loadtime", LOADTIME)
    files = {}
    for k in ("nsinit", "crun"):
        progress(f"seccomp: capturing {k}'s filter (strace)")
        path = WORK / "bin" / f"{k}.bpf"
        files[k] = (path, captured_filter(runs[k][0], g, path))
    files["allow-all"] = (WORK / "bin" / "allow-all.bpf", 0)
    files["allow-all"][0].write_bytes(struct.pack("<HBBI", 0x06, 0, 0, 0x7fff0000))
    sizes = {}

    def load(k):
        path, fl = files[k]
        n_insns, ns = sh([loader, path, str(fl), "20"]).split()
        sizes[k] = int(n_insns)
        return int(ns) / 1000
    loads = interleaved("seccomp: load round", files, rounds, rng, load)
    out["load_us"] = {k: summary(v) | {"rounds": v, "instructions": sizes[k], "flags": files[k][1]}
                      for k, v in loads.items()}
    for key, what, den in (
            ("load-crun", "seccomp(2) loading the filter (fresh process), nsinit's vs crun's", "crun"),
            ("load-floor", "seccomp(2) loading the filter, nsinit's vs a one-instruction allow-all", "allow-all")):
        out["rows"].append(ratio_row(key, what, loads["nsinit"], loads[den], "µs"))
    return out


def vmrss(argv, cwd=None):
    """PID 1's VmRSS in kB, printed by the workload itself."""
    text = sh(argv, cwd=cwd)
    m = re.search(r"VmRSS:\s*(\d+)\s*kB", text)
    if not m:
        die(f"{shlex.join(map(str, argv))}: no VmRSS in {text!r}")
    return int(m.group(1))


def bench_size(o, rng):
    out = {"title": "size", "kind": "size"}
    size = BIN.stat().st_size
    out["binary"] = {"bytes": size, "file": sh(["file", "-b", str(BIN)]).split(",")[:4]}
    out["peers"] = {p: Path(shutil.which(p)).stat().st_size for p in ("tini-static", "catatonit", "dumb-init")}
    # Resident memory of nsinit as PID 1 once the workload runs (steady
    # state: PID 1 gives setup memory back right after the execve).
    probe = ["sh", "-c", "sleep 0.2; grep VmRSS /proc/1/status"]
    b = WORK / "rss"
    make_bundle(b, probe)
    n = 5
    rss = {"reaper": [], "container": [], "tini-static": []}
    for i in range(n):
        progress(f"size: resident memory {i + 1}/{n}")
        rss["reaper"].append(vmrss(["unshare", "-pf", "--mount-proc", BIN, "--", *probe]))
        rss["container"].append(vmrss(with_fds(["unshare", "-mpuinf", BIN, "--spec-fd", "3"],
                                               {3: b / "config.json"}), cwd=b))
        rss["tini-static"].append(vmrss(["unshare", "-pf", "--mount-proc", "tini-static", "--", *probe]))
    progress("")
    out["rss_kib"] = {k: summary(v) | {"samples": v} for k, v in rss.items()}
    out["rows"] = [
        {"key": "binary", "what": "release binary", "value": size, "unit": "B",
         "goal": ["<=", 65536], "goal_text": goal_text(("<=", 65536), "B"), "met": size <= 65536},
    ]
    for k, what in (("reaper", "PID 1 resident after setup, reaper"),
                    ("container", "PID 1 resident after setup, runc-default container")):
        v = out["rss_kib"][k]["median"]
        out["rows"].append({"key": f"rss-{k}", "what": what, "value": v, "unit": "KiB",
                            "goal": ["<=", 128], "goal_text": goal_text(("<=", 128), "KiB"), "met": v <= 128})
    return out


def bench_trace(o, rng):
    """--trace of the full start, both bundles alternating: per step the
    median over runs of its time since start and of its own time (until the
    next line: each line is printed as its step starts)."""
    b = WORK / "start"
    make_bundle(b, ["/bin/true"], seccomp=True)
    write_json(b / "plain.json", make_bundle(WORK / "start-plain", ["/bin/true"]))
    n = o.rounds or 50

    def traced(k):
        spec = b / ("config.json" if k == "docker" else "plain.json")
        r = subprocess.run(with_fds(["unshare", "-mpuinf", BIN, "--trace", "--spec-fd", "3"], {3: spec}),
                           cwd=b, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if r.returncode != 0:
            die(f"nsinit --trace: exit {r.returncode}: {r.stderr[-500:]}")
        return trace_lines(r.stderr)
    runs = interleaved("trace: run", ("docker", "plain"), n, rng, traced)
    steps = {}
    for k, rs in runs.items():
        table = {}
        for lines in rs:
            seen = {}
            for j, (label, us) in enumerate(lines):
                label = trace_step(label)
                i = seen[label] = seen.get(label, -1) + 1
                table.setdefault((label, i), {"at": [], "step": []})
                table[(label, i)]["at"].append(us)
                # The last line (the workload's exec) ends the set-up.
                if j + 1 < len(lines):
                    table[(label, i)]["step"].append(lines[j + 1][1] - us)
        steps[k] = table
    # The steps in the order of the Docker run (a superset), plain-only ones after.
    order = []
    for k in ("docker", "plain"):
        for lines in runs[k][:1]:
            seen = {}
            for label, _ in lines:
                label = trace_step(label)
                i = seen[label] = seen.get(label, -1) + 1
                if (label, i) not in order:
                    order.append((label, i))
    rows = []
    for label, i in order:
        row = {"step": label}
        for k in ("docker", "plain"):
            t = steps[k].get((label, i))
            row[k] = None if not t else {"at": median(t["at"]), "step": median(t["step"]) if t["step"] else None,
                                         "step_q1": summary(t["step"])["q1"] if t["step"] else None,
                                         "step_q3": summary(t["step"])["q3"] if t["step"] else None,
                                         "n": len(t["at"])}
        rows.append(row)
    return {"title": f"--trace of the full start (µs, medians over {n} runs each)", "kind": "trace",
            "runs": n, "steps": rows}


def bench_inject(o, rng):
    base = WORK / "inject"
    cfg = make_bundle(base, ["/bin/true"])
    (base / "rootfs/.init").touch()
    cmds = []
    for init, label in (("none", "crun run, no init"), ("nsinit", "crun run + nsinit --"),
                        ("tini", "crun run + tini-static --")):
        d = WORK / f"inject-{init}"
        d.mkdir(exist_ok=True)
        c = json.loads(json.dumps(cfg))
        c["root"]["path"] = str(base / "rootfs")
        if init != "none":
            src = str(BIN) if init == "nsinit" else "/usr/bin/tini-static"
            c["mounts"].append({"destination": "/.init", "type": "bind", "source": src, "options": ["bind", "ro"]})
            c["process"]["args"] = ["/.init", "--", "/bin/true"]
            c["root"]["readonly"] = False
        write_json(d / "config.json", c)
        cmds.append(Cmd(init, label, [*CRUN, "run", "-b", d, f"nsinit-bench-inject-{init}"], crun_ns=True,
                        nsinit=init == "nsinit"))
    rounds, k = o.rounds or 15, o.per_round or 5
    meds = run_rounds("inject", cmds, rounds, k, rng, base)
    return timed_section("inject: crun run with an injected init (the cost of --init)", cmds, meds, "none",
                         rounds, k,
                         [("inject", "crun + nsinit -- vs crun, no init", "nsinit", "none", None),
                          ("inject-tini", "crun + nsinit -- vs crun + tini-static --", "nsinit", "tini", None)])


def bench_rootless(o, rng):
    r = WORK / "rootless"
    base = json.loads(ROOTLESS_SPEC.read_text())

    def no_userns(cfg):
        cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] != "user"]
    # The `runc spec --rootless` config (/sys bound, no gid=5 for devpts) for
    # both; the user namespace comes from unshare, as scripts/run --rootless.
    make_bundle(r, ["/bin/true"], base=base, extra=no_userns)
    sh(["chmod", "-R", "a+rX", str(r), str(BIN)])
    cmds = [
        Cmd("rootful", "rootful (root, no user namespace)",
            ["setpriv", "--reuid", "0", "--regid", "0", "--clear-groups", "unshare", "-mpuif", BIN,
             "--spec", "config.json"], nsinit=True),
        Cmd("rootless", "rootless (uid 65534, user namespace)",
            ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "unshare", "--user",
             "--map-root-user", "-mpuif", BIN, "--spec", "config.json"], nsinit=True),
    ]
    rounds, k = o.rounds or 20, o.per_round or 10
    meds = run_rounds("rootless", cmds, rounds, k, rng, r)
    return timed_section("rootless vs rootful nsinit (the `runc spec --rootless` bundle, /bin/true)", cmds,
                         meds, "rootful", rounds, k,
                         [("rootless", "rootless vs rootful nsinit", "rootless", "rootful", None)])


# ---------------------------------------------------------------- report

def fmt_t(v, unit):
    if unit == "ms":
        return f"{v:.3f} ms" if v < 10 else f"{v:.2f} ms"
    if unit == "ns":
        return f"{v:.1f} ns"
    if unit == "µs":
        return f"{v:.0f} µs"
    if unit == "B":
        return f"{v:,.0f} B"
    return f"{v:g} {unit}"


def fmt_r(s, goal=None):
    """A ratio and its IQR; with three decimals where two would hide on which
    side of its goal it is."""
    d = 3 if goal and abs(s["median"] - goal[1]) < 0.005 else 2
    return f"{s['median']:.{d}f}× [{s['q1']:.{d}f}–{s['q3']:.{d}f}]"


def summary_rows(results):
    """The report's table: every row with a goal or a named comparison."""
    rows = []
    for name in SECTIONS:
        sec = results.get(name)
        if not sec:
            continue
        if sec["kind"] == "timed":
            for r in sec["ratios"]:
                rows.append({"section": name, "what": r["what"], "nsinit": fmt_t(r["num_median"], r["unit"]),
                             "reference": fmt_t(r["den_median"], r["unit"]), "ratio": fmt_r(r["ratio"], r.get("goal")),
                             "goal": r.get("goal_text", ""), "met": r.get("met"),
                             "rounds_met": f"{r['rounds_met']}/{len(r['rounds'])} rounds" if "goal" in r else ""})
        elif sec["kind"] in ("seccomp", "size"):
            for r in sec["rows"]:
                if "ratio" in r:
                    rows.append({"section": name, "what": r["what"], "nsinit": fmt_t(r["num_median"], r["unit"]),
                                 "reference": fmt_t(r["den_median"], r["unit"]),
                                 "ratio": fmt_r(r["ratio"], r.get("goal")),
                                 "goal": r.get("goal_text", ""), "met": r.get("met"),
                                 "rounds_met": f"{r['rounds_met']}/{r['n']} {r['per']}" if "goal" in r else ""})
                else:
                    v = fmt_t(r["value"], r["unit"])
                    if "spread" in r:
                        lo, hi = r["spread"]
                        v += f" [{fmt_t(lo, r['unit']).split()[0]}–{fmt_t(hi, r['unit']).split()[0]}]"
                    rows.append({"section": name, "what": r["what"], "nsinit": v, "reference": "", "ratio": "",
                                 "goal": r["goal_text"], "met": r["met"],
                                 "rounds_met": f"{r['rounds_met']}/{r['n']} {r['per']}" if "rounds_met" in r else ""})
    return rows


def met_text(m):
    return "" if m is None else ("met" if m else "NOT MET")


def text_report(results, meta):
    out = []
    w = out.append
    w(f"nsinit benchmark — {meta['date']} — {meta['host']} — nsinit {meta['commit']}")
    w(f"load average before/after: {meta['load_before']} / {meta['load_after']}; measured at "
      f"{meta['scheduling']} priority; seed {meta['seed']}; {meta['seconds']:.0f} s")
    w("Times are medians over rounds of each round's median (hyperfine -N); [a–b] is the interquartile")
    w("range across rounds; a ratio is the median of the per-round ratios. Absolute times are this machine's.")
    rows = summary_rows(results)
    if rows:
        w("")
        w("== summary")
        hdr = ["what", "nsinit", "reference", "ratio [IQR]", "goal"]
        cells_of = [[r["what"], r["nsinit"], r["reference"], r["ratio"], r["goal"]] for r in rows]
        widths = [max(len(hdr[i]), *(len(c[i]) for c in cells_of)) for i in range(5)]
        w("  ".join(h.ljust(widths[i]) for i, h in enumerate(hdr)) + "  result")
        for r, cells in zip(rows, cells_of):
            res = met_text(r["met"])
            if r["rounds_met"] and res:
                res += f" (held in {r['rounds_met']})"
            w("  ".join(str(c).ljust(widths[i]) for i, c in enumerate(cells)) + "  " + res)
    for name in SECTIONS:
        sec = results.get(name)
        if not sec:
            continue
        w("")
        if sec["kind"] == "timed":
            w(f"== {sec['title']}: {sec['rounds']} rounds × {sec['per_round']} runs")
            ref = next(c["label"] for c in sec["commands"] if c["key"] == sec["reference"])
            lw = max(len(c["label"]) for c in sec["commands"])
            w(f"  {'command'.ljust(lw)}  {'median':>10}  {'IQR over rounds':>19}  vs {ref}")
            for c in sec["commands"]:
                t = c["time"]
                w(f"  {c['label'].ljust(lw)}  {fmt_t(t['median'], 'ms'):>10}  "
                  f"{t['q1']:>8.3f}–{t['q3']:.3f} ms  {fmt_r(c['vs_reference'])}")
            if sec.get("note"):
                w(f"  ({sec['note']})")
        elif sec["kind"] == "seccomp":
            w(f"== {sec['title']}")
            for l in sec["check"]:
                w(f"  --check: {l}")
            for l in sec["report_test"]:
                w(f"  compiler report test (in-process, warm): {l}")
            c, gap = sec["cold_compile_us"], sec["cold_compile_gap_us"]
            w(f"  cold compile (fresh process, its own time: --trace \"seccomp compiled in us\"): median "
              f"{c['median']:.0f} µs [{c['q1']:.0f}–{c['q3']:.0f}], min {c['min']}, max {c['max']}, "
              f"{c['n']} processes")
            w(f"  the same processes' --trace gap from the line before (the former measure; it also counts that "
              f"line's formatting and write(2) to a pipe, a getpid and a prctl): median {gap['median']:.0f} µs "
              f"[{gap['q1']:.0f}–{gap['q3']:.0f}], min {gap['min']}, max {gap['max']}")
            w("  getppid in the workload, ns per call (2M calls), medians over rounds [IQR]:")
            for k, label in (("none", "no filter (nsinit)"), ("allow-all", "allow-all filter (floor)"),
                             ("nsinit", "nsinit's filter"), ("crun", "crun's libseccomp filter")):
                s = sec["getppid_ns"][k]
                w(f"    {label:<26} {s['median']:6.1f} [{s['q1']:.1f}–{s['q3']:.1f}]")
            w("  (the floor: any filter, even one RET ALLOW, takes every syscall through the kernel's seccomp")
            w("  path on entry; an always-allowed one is then answered from the action cache without running")
            w("  the filter, so no filter's getppid can cost less than allow-all's)")
            if sec.get("load_us"):
                w("  seccomp(2) loading the filter in a fresh process (the kernel's part), µs, medians over rounds [IQR]:")
                for k, label in (("nsinit", "nsinit's filter"), ("crun", "crun's libseccomp filter"),
                                 ("allow-all", "allow-all (floor)")):
                    s = sec["load_us"][k]
                    w(f"    {label:<26} {s['median']:6.0f} [{s['q1']:.0f}–{s['q3']:.0f}]  "
                      f"({s['instructions']} instructions, flags {s['flags']:#x})")
        elif sec["kind"] == "size":
            w(f"== {sec['title']}")
            w(f"  binary: {sec['binary']['bytes']:,} bytes ({','.join(sec['binary']['file']).strip()})")
            w("  peers: " + ", ".join(f"{k} {v:,} bytes" for k, v in sec["peers"].items()))
            for k, label in (("reaper", "PID 1, reaper mode"), ("container", "PID 1, runc-default container"),
                             ("tini-static", "tini-static as PID 1")):
                s = sec["rss_kib"][k]
                w(f"  {label:<30} VmRSS {s['median']:.0f} KiB (min {s['min']}, max {s['max']}, {s['n']} runs)")
        elif sec["kind"] == "trace":
            w(f"== {sec['title']}")
            w("  runc-default bundle, /bin/true, as the container section starts it; at = since nsinit's start,")
            w("  step = until the next line (a line is printed as its step starts), [IQR] over runs;")
            w("  medians do not add up: at is its own median")
            w(f"  {'':<34} {'Docker profile':^26}   {'no seccomp':^26}")
            w(f"  {'step':<34} {'at':>6} {'step':>6} {'[IQR]':<13}   {'at':>6} {'step':>6} {'[IQR]':<13}")
            for r in sec["steps"]:
                cells = []
                for k in ("docker", "plain"):
                    t = r[k]
                    cells.append(("—", "—", "") if not t else (f"{t['at']:.0f}", "—", "") if t["step"] is None else
                                 (f"{t['at']:.0f}", f"{t['step']:.0f}", f"[{t['step_q1']:.0f}–{t['step_q3']:.0f}]"))
                w(f"  {r['step'][:34]:<34} " + "   ".join(f"{a:>6} {b:>6} {c:<13}" for a, b, c in cells))
    return "\n".join(out) + "\n"


def markdown_table(results, meta):
    """The README's part between its bench markers: the goals table, the
    peers, the details of seccomp and size, and the trace."""
    rows = summary_rows(results)
    out = [f"One run of `scripts/bench all` ({meta['date']}, nsinit `{meta['commit']}`, {meta['host']}, "
           f"load average {meta['load_before']} before and {meta['load_after']} after, measured at "
           f"{meta['scheduling']} priority, {meta['seconds']:.0f} s). Times are medians over rounds of each "
           "round's median; a ratio is the median of the per-round ratios, with the interquartile range across "
           "rounds in brackets; *held in* counts the rounds (or processes) in which the goal held. Absolute "
           "times are this VM's.", "",
           "| what | nsinit | reference | ratio [IQR] | goal | result |", "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        res = met_text(r["met"])
        res = f"**{res.lower()}**" if res == "NOT MET" else res
        if r["rounds_met"] and res:
            res += f" (held in {r['rounds_met']})"
        out.append(f"| {r['what']} | {r['nsinit']} | {r['reference']} | {r['ratio']} | {r['goal']} | {res} |")
    out += [""]
    for name in ("reaper", "container", "enter"):
        sec = results.get(name)
        if sec:
            ref = next(c["label"] for c in sec["commands"] if c["key"] == sec["reference"])
            cells = "; ".join(f"{c['label']} {fmt_t(c['time']['median'], 'ms')} ({c['vs_reference']['median']:.2f}×)"
                              for c in sec["commands"] if c["key"] != sec["reference"])
            out.append(f"- {name}, {sec['rounds']} rounds × {sec['per_round']} runs, vs {ref} "
                       f"{fmt_t(next(c for c in sec['commands'] if c['key'] == sec['reference'])['time']['median'], 'ms')}: "
                       f"{cells}.")
    sec = results.get("seccomp")
    if sec:
        g, c, gap = sec["getppid_ns"], sec["cold_compile_us"], sec["cold_compile_gap_us"]
        out.append(f"- seccomp: {'; '.join(sec['report_test'])} (in-process, warm); cold compile "
                   f"{c['median']:.0f} µs on its own (--trace \"seccomp compiled\"), {gap['median']:.0f} µs as the "
                   "gap since the trace line before, which also counts that line's write(2) to a pipe; `getppid` "
                   f"in the workload {g['none']['median']:.0f} ns without a filter, "
                   f"{g['allow-all']['median']:.0f} ns with a one-instruction allow-all filter (the floor of any "
                   "filter: the kernel's seccomp path on syscall entry, an always-allowed syscall answered from "
                   f"its action cache), {g['nsinit']['median']:.0f} ns with nsinit's, "
                   f"{g['crun']['median']:.0f} ns with crun's (libseccomp).")
        ld = sec.get("load_us")
        if ld:
            out.append(f"- seccomp load (the `seccomp(2)` call in a fresh process: the kernel checks the program, "
                       f"converts it to eBPF, JIT-compiles it and works out its action cache): nsinit's filter "
                       f"({ld['nsinit']['instructions']} instructions) {ld['nsinit']['median']:.0f} µs, crun's "
                       f"({ld['crun']['instructions']} instructions, libseccomp's) {ld['crun']['median']:.0f} µs, "
                       f"a one-instruction allow-all {ld['allow-all']['median']:.0f} µs.")
    sec = results.get("size")
    if sec:
        peers = ", ".join(f"{k} {v:,} B" for k, v in sec["peers"].items())
        out.append(f"- size: {peers}; tini-static as PID 1: {sec['rss_kib']['tini-static']['median']:.0f} KiB resident.")
    sec = results.get("trace")
    if sec:
        out += ["", f"<details><summary>Where the full start's time goes: nsinit --trace, medians over {sec['runs']} "
                "runs of each bundle (µs)</summary>", "",
                "*at*: since nsinit's start; *step*: until the next line. A line is printed as its step starts "
                "(PID 1's `spawn` just before the clone, the child's `child` as it starts), so work without a "
                "line of its own falls into the step before it. Medians do not add up.", "",
                "| step | Docker's profile: at | step | no seccomp: at | step |", "| --- | ---: | ---: | ---: | ---: |"]
        for r in sec["steps"]:
            cells = []
            for k in ("docker", "plain"):
                t = r[k]
                cells += ["—", "—"] if not t else [f"{t['at']:.0f}", "—" if t["step"] is None else f"{t['step']:.0f}"]
            out.append(f"| {r['step']} | " + " | ".join(cells) + " |")
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- chart

def svg_chart(results, meta):
    """Horizontal bars of each command's median time with the IQR across rounds
    as whiskers, one panel (own linear scale) per comparison. Hand-written SVG."""
    panels = [(n, results[n]) for n in ("reaper", "container", "enter") if n in results]
    if not panels:
        return None
    W, left, right, bar_h, gap = 880, 300, 150, 16, 6
    plot_w = W - left - right
    y = 66
    parts = []
    e = html.escape

    def nice_step(span):
        raw = span / 5
        mag = 10 ** int(f"{raw:e}".split("e")[1])
        return next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)

    for name, sec in panels:
        cmds = {c["key"]: c for c in sec["commands"]}
        ref = cmds[sec["reference"]]
        parts.append(f'<text x="10" y="{y}" class="h">{e(sec["title"])}</text>')
        parts.append(f'<text x="10" y="{y + 15}" class="s">{sec["rounds"]} rounds × {sec["per_round"]} runs; '
                     f'ratios to {e(ref["label"])}</text>')
        # A goal as a dashed line at the time it asks for: the left side of
        # it for "≤", the right side for "≥".
        goals = [(r["den_median"] * r["goal"][1], r) for r in sec["ratios"] if r.get("goal")]
        y += 26 + 13 * len(goals)
        top = y
        vmax = max([c["time"]["q3"] for c in sec["commands"]] + [g for g, _ in goals]) * 1.05
        step = nice_step(vmax)
        nticks = int(vmax / step) + 1
        sx = plot_w / (step * nticks)
        rows_h = len(sec["commands"]) * (bar_h + gap)
        for i in range(nticks + 1):
            x = left + i * step * sx
            parts.append(f'<line x1="{x:.1f}" y1="{top - 2}" x2="{x:.1f}" y2="{top + rows_h}" class="g"/>')
            parts.append(f'<text x="{x:.1f}" y="{top + rows_h + 12}" class="t">{i * step:g}</text>')
        parts.append(f'<text x="{left + plot_w + 16:.1f}" y="{top + rows_h + 12}" class="u">ms</text>')
        for j, (at, r) in enumerate(goals):
            x = left + at * sx
            ly = top - 6 - 13 * (len(goals) - 1 - j)
            sym = "≤" if r["goal"][0] == "<=" else "≥"
            text = (f'goal: {cmds[r["num"]]["short"]} {sym} {r["goal"][1]:g}× {cmds[r["den"]]["short"]} '
                    f'({"met" if r["met"] else "not met"})')
            anchor = "end" if x > left + plot_w * 0.6 else "start"
            parts.append(f'<line x1="{x:.1f}" y1="{ly - 3}" x2="{x:.1f}" y2="{top + rows_h}" class="goal"/>')
            parts.append(f'<text x="{x + (-4 if anchor == "end" else 4):.1f}" y="{ly}" class="gt" '
                         f'text-anchor="{anchor}">{e(text)}</text>')
        for c in sec["commands"]:
            t = c["time"]
            cls = "n" if c["nsinit"] else ("r" if c["key"] == sec["reference"] else "p")
            parts.append(f'<text x="{left - 8}" y="{y + bar_h - 4}" class="l">{e(c["label"])}</text>')
            parts.append(f'<rect x="{left}" y="{y}" width="{max(t["median"] * sx, 1):.1f}" height="{bar_h}" class="{cls}"/>')
            x1, x2, ym = left + t["q1"] * sx, left + t["q3"] * sx, y + bar_h / 2
            parts.append(f'<path d="M{x1:.1f} {ym}H{x2:.1f}M{x1:.1f} {ym - 4}v8M{x2:.1f} {ym - 4}v8" class="w"/>')
            label = f'{fmt_t(t["median"], "ms")} · {c["vs_reference"]["median"]:.2f}×'
            parts.append(f'<text x="{max(x2, left + t["median"] * sx) + 6:.1f}" y="{y + bar_h - 4}" class="v">{e(label)}</text>')
            y += bar_h + gap
        y += 44
    H = y + 10
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
            'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">\n'
            '<style>.h{font-weight:bold;font-size:13px}.s{fill:#555;font-size:11px}.l{text-anchor:end}'
            '.t{text-anchor:middle;fill:#666;font-size:10px}.v{fill:#333;font-size:11px;paint-order:stroke;stroke:#fff;stroke-width:3px}'
            '.u{fill:#666;font-size:10px;text-anchor:start}.g{stroke:#e4e4e4}.n{fill:#d9480f}.r{fill:#495057}.p{fill:#a5b4c4}'
            '.w{stroke:#111;fill:none}.goal{stroke:#2b8a3e;stroke-width:1.5;stroke-dasharray:5 3}'
            '.gt{fill:#2b8a3e;font-size:10px;paint-order:stroke;stroke:#fff;stroke-width:3px}</style>\n'
            f'<rect width="{W}" height="{H}" fill="#fff"/>\n'
            f'<text x="10" y="20" class="h">nsinit start-up: median time per command (whiskers: interquartile range '
            f'across rounds)</text>\n'
            f'<text x="10" y="35" class="s">{e(meta["date"])}, nsinit {e(meta["commit"])}, {e(meta["host"])}; '
            f'orange: nsinit, dark: the reference, dashed: a goal; ratio: median of per-round ratios</text>\n')
    return head + "\n".join(parts) + "\n</svg>\n"


def update_readme(table):
    text = README.read_text()
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    if begin not in text or end not in text:
        die(f"README.md: no {begin} … {end} markers in the Performance section")
    a, rest = text.split(begin, 1)
    _, b = rest.split(end, 1)
    README.write_text(a + begin + "\n" + table + end + b)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n\n")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="?", default="all", choices=SECTIONS + ["all"])
    ap.add_argument("--rounds", type=int, help="rounds per comparison (trace: runs; cold compile: processes)")
    ap.add_argument("--per-round", type=int, help="runs of each command per round (at least 2)")
    ap.add_argument("--seed", type=int, default=None, help="the shuffle's seed (default: random, reported)")
    ap.add_argument("--no-rt", action="store_true",
                    help="measure at normal priority, not SCHED_FIFO 1 (see the note in the report)")
    ap.add_argument("--readme", action="store_true",
                    help="write the table into README.md and the chart to scripts/bench-startup.svg")
    o = ap.parse_args()
    if o.per_round is not None and o.per_round < 2:
        ap.error("--per-round: at least 2")
    if o.rounds is not None and o.rounds < 1:
        ap.error("--rounds: at least 1")
    # A kill ends the run through the cleanups (the enter section's containers).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if os.geteuid() != 0:
        die("needs root (namespaces, mounts)")
    WORK.mkdir(parents=True, exist_ok=True)
    # Other processes busy on the CPUs make a woken process wait for the next
    # scheduler tick (4 ms here) and make sub-millisecond commands look 5-10x
    # slower, in steps of a tick. At SCHED_FIFO priority 1 (inherited by
    # hyperfine and every command) a measured process runs as soon as it can
    # run, ahead of every normal process and behind the kernel's real-time
    # threads; the kernel still keeps 5 % of the CPU for the others
    # (sched_rt_runtime_us). What is measured is then the commands' own cost.
    RT["on"] = not o.no_rt
    if not o.no_rt:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
    seed = o.seed if o.seed is not None else random.SystemRandom().randrange(1 << 30)
    rng = random.Random(seed)
    # The commit measured: "-dirty" only when what builds the binary differs
    # from it (a README or chart rewritten by --readme does not count).
    commit = subprocess.run(["git", "describe", "--always"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "?"
    if subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "src", "linker", ".cargo", "Cargo.toml",
                       "Cargo.lock"], cwd=ROOT).returncode != 0:
        commit += "-dirty"
    meta = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "commit": commit, "seed": seed,
            "host": f"{os.cpu_count()} CPUs, Linux {platform.release()}",
            "scheduling": "normal" if o.no_rt else "SCHED_FIFO 1",
            "load_before": Path("/proc/loadavg").read_text().split()[0],
            "args": sys.argv[1:]}
    start = time.monotonic()
    which = SECTIONS if o.what == "all" else [o.what]
    fns = {"reaper": bench_reaper, "container": bench_container, "enter": bench_enter,
           "seccomp": bench_seccomp, "size": bench_size, "trace": bench_trace,
           "inject": bench_inject, "rootless": bench_rootless}
    results = {}
    for name in which:
        results[name] = fns[name](o, rng)
    meta["seconds"] = time.monotonic() - start
    meta["load_after"] = Path("/proc/loadavg").read_text().split()[0]
    report = text_report(results, meta)
    print(report, end="")
    (WORK / "report.txt").write_text(report)
    (WORK / "report.json").write_text(json.dumps({"meta": meta, "summary": summary_rows(results), "sections": results}, indent=1, ensure_ascii=False))
    table = markdown_table(results, meta)
    (WORK / "table.md").write_text(table)
    svg = svg_chart(results, meta)
    if svg:
        (WORK / "bench-startup.svg").write_text(svg)
    print(f"\nwritten: {WORK / 'report.txt'}, report.json, table.md" + (", bench-startup.svg" if svg else ""))
    if o.readme:
        if o.what != "all":
            die("--readme: only with all (the README's table is one whole run)")
        update_readme(table)
        README_SVG.write_text(svg)
        print(f"written: {README}, {README_SVG}")


if __name__ == "__main__":
    main()
