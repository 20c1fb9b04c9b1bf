/* pid1 PROBE...: reaches into PID 1 and into a child of its own, the
 * control: the same probes on a dumpable process of the same user show that
 * each probe can succeed. One line per probe and target:
 *   "pid1 PROBE: allowed" or "pid1 PROBE: denied ERRNO"
 *   "child PROBE: allowed" or "child PROBE: denied ERRNO"
 * "allowed" means the kernel let the probe reach the target; any answer
 * after the access check (EFAULT, EIO) counts as allowed too.
 *
 * Probes: files (environ mem maps auxv syscall stack pagemap), links
 * (exe root cwd: readlink and open), fd (PID 1's open files, reopened),
 * ns (each /proc/N/ns entry opened), map_files, ptrace (attach and seize,
 * native and i386 through int 0x80), vmread (process_vm_readv), getfd
 * (pidfd_getfd), kcmp, setns (through a pidfd). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *who;

static void say(const char *probe, int allowed, int err) {
    char buf[256];
    int n = allowed ? snprintf(buf, sizeof buf, "%s %s: allowed\n", who, probe)
                    : snprintf(buf, sizeof buf, "%s %s: denied %d\n", who, probe, err);
    (void)!write(1, buf, n);
}

/* The i386 ABI from this 64-bit process. */
static long int80(unsigned long nr, unsigned long a, unsigned long b, unsigned long c) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory", "r8", "r9", "r10", "r11");
    return (int)ret;
}

/* Open /proc/T/NAME and read a byte: access is checked at open (mm_access)
 * or at read (stack, syscall); mem is allowed once open. */
static void file(int t, const char *name) {
    char p[64], c;
    snprintf(p, sizeof p, "/proc/%d/%s", t, name);
    int fd = open(p, O_RDONLY);
    if (fd < 0) return say(name, 0, errno);
    if (strcmp(name, "mem") && strcmp(name, "pagemap") && read(fd, &c, 1) < 0 && (errno == EACCES || errno == EPERM)) {
        int e = errno;
        close(fd);
        return say(name, 0, e);
    }
    close(fd);
    say(name, 1, 0);
}

static void link_probe(int t, const char *name) {
    char p[64], target[512], probe[32];
    snprintf(p, sizeof p, "/proc/%d/%s", t, name);
    snprintf(probe, sizeof probe, "%s-link", name);
    long n = readlink(p, target, sizeof target);
    say(probe, n >= 0, errno);
    snprintf(probe, sizeof probe, "%s-open", name);
    int fd = open(p, O_RDONLY);
    say(probe, fd >= 0, errno);
    if (fd >= 0) close(fd);
}

/* Every entry of a directory of magic links (fd, map_files): allowed when
 * one of them can be read or opened; denied when the listing or every
 * entry is. */
static void links_in(int t, const char *dir) {
    char p[64], e[384], target[512];
    snprintf(p, sizeof p, "/proc/%d/%s", t, dir);
    DIR *d = opendir(p);
    if (!d) return say(dir, 0, errno);
    struct dirent *de;
    int any = 0, allowed = 0, err = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        any = 1;
        snprintf(e, sizeof e, "%s/%s", p, de->d_name);
        if (readlink(e, target, sizeof target) >= 0) allowed = 1;
        else err = errno;
        int fd = open(e, O_RDONLY);
        if (fd >= 0) allowed = 1, close(fd);
        else err = errno;
    }
    closedir(d);
    if (!any) return say(dir, 0, EACCES);
    say(dir, allowed, err);
}

static void ns(int t) {
    static const char *names[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"};
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++) {
        char p[64], probe[48];
        snprintf(p, sizeof p, "/proc/%d/ns/%s", t, names[i]);
        snprintf(probe, sizeof probe, "ns/%s", names[i]);
        int fd = open(p, O_RDONLY);
        say(probe, fd >= 0, errno);
        if (fd >= 0) close(fd);
    }
}

/* After an attach that worked: wait for the stop and let go. */
static void let_go(int t) {
    waitpid(t, 0, __WALL);
    ptrace(PTRACE_DETACH, t, 0, 0);
}

static void trace(int t) {
    long r = ptrace(PTRACE_ATTACH, t, 0, 0);
    say("ptrace-attach", r == 0, errno);
    if (r == 0) let_go(t);
    r = int80(26, PTRACE_ATTACH, t, 0);
    say("ptrace-attach-i386", r == 0, -r);
    if (r == 0) let_go(t);
    r = ptrace(PTRACE_SEIZE, t, 0, 0);
    say("ptrace-seize", r == 0, errno);
    if (r == 0) {
        /* A seized tracee runs on; interrupt it to detach. */
        ptrace(PTRACE_INTERRUPT, t, 0, 0);
        let_go(t);
    }
}

/* PID 1 is nsinit, static and not PIE, like this program: its ELF header is
 * mapped at 0x400000. An answer other than EPERM is a read that passed the
 * access check. */
static void vmread(int t) {
    char buf[16];
    struct iovec local = {buf, sizeof buf}, remote = {(void *)0x400000, sizeof buf};
    long r = process_vm_readv(t, &local, 1, &remote, 1, 0);
    say("vmread", r >= 0 || (errno != EPERM && errno != EACCES), errno);
}

static void getfd(int t) {
    int pidfd = syscall(SYS_pidfd_open, t, 0);
    if (pidfd < 0) return say("getfd", 0, errno);
    int allowed = 0, err = EBADF;
    for (int fd = 0; fd < 16; fd++) {
        int r = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
        if (r >= 0) allowed = 1, close(r);
        else if (errno != EBADF) err = errno;
    }
    close(pidfd);
    say("getfd", allowed, err);
}

static void kcmp_probe(int t) {
    long r = syscall(SYS_kcmp, getpid(), t, KCMP_VM, 0, 0);
    say("kcmp", r >= 0, errno);
}

static void setns_probe(int t) {
    int pidfd = syscall(SYS_pidfd_open, t, 0);
    if (pidfd < 0) return say("setns", 0, errno);
    long r = setns(pidfd, CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID);
    say("setns", r == 0, errno);
    close(pidfd);
}

static void probe(int t, const char *p) {
    if (!strcmp(p, "files")) {
        static const char *names[] = {"environ", "mem", "maps", "auxv", "syscall", "stack", "pagemap"};
        for (unsigned i = 0; i < sizeof names / sizeof *names; i++) file(t, names[i]);
    } else if (!strcmp(p, "links")) {
        link_probe(t, "exe");
        link_probe(t, "root");
        link_probe(t, "cwd");
    } else if (!strcmp(p, "fd")) links_in(t, "fd");
    else if (!strcmp(p, "map_files")) links_in(t, "map_files");
    else if (!strcmp(p, "ns")) ns(t);
    else if (!strcmp(p, "ptrace")) trace(t);
    else if (!strcmp(p, "vmread")) vmread(t);
    else if (!strcmp(p, "getfd")) getfd(t);
    else if (!strcmp(p, "kcmp")) kcmp_probe(t);
    else if (!strcmp(p, "setns")) setns_probe(t);
    else say(p, 0, EINVAL);
}

int main(int argc, char **argv) {
    who = "pid1";
    for (int i = 1; i < argc; i++) probe(1, argv[i]);
    /* The control: a child that waits, dumpable, with our credentials, an
     * open file and this program mapped at the same address. */
    int ready[2];
    if (pipe(ready)) return 2;
    pid_t c = fork();
    if (c == 0) {
        close(ready[0]);
        close(ready[1]);
        for (;;) pause();
    }
    close(ready[1]);
    who = "child";
    for (int i = 1; i < argc; i++) probe(c, argv[i]);
    kill(c, SIGKILL);
    waitpid(c, 0, __WALL);
    return 0;
}
