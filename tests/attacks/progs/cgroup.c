/* cgroup agent DIR: the host runs a cgroup v1 hierarchy's release_agent as
 * root (the classic breakout, and CVE-2022-0492 through a user namespace).
 * A hierarchy mounted here is the host's own (same release_agent), so the
 * attack never changes it: it reads the agent and writes the same text back
 * — a write the kernel accepts is the whole escape.
 *   "existing PATH: WRITTEN|denied E"  the hierarchies the container sees
 *   "mount OPTS: mounted|denied E"     a v1 hierarchy mounted at DIR
 *   "agent OPTS: WRITTEN|denied E"     its release_agent rewritten
 *   "userns: entered|denied E" and the same lines prefixed "userns " after
 *   unsharing a user, mount and cgroup namespace (mapped to our ids).
 * cgroup hooks DIR: the other files whose contents the host kernel runs,
 * opened for writing only (nothing written):
 *   "hook PATH: OPENED|denied E", and a fresh proc/sysfs mounted at DIR. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static void try_open(const char *what, const char *path) {
    int fd = open(path, O_WRONLY);
    if (fd >= 0) {
        printf("%s %s: OPENED\n", what, path);
        close(fd);
    } else {
        printf("%s %s: denied %d\n", what, path, errno);
    }
}

/* Reads a release_agent and writes the same text back (at least "\n",
 * so the kernel's handler runs: an empty write might not reach it). */
static void rewrite(const char *what, const char *name, const char *path) {
    char old[4096];
    int fd = open(path, O_RDWR);
    if (fd < 0) {
        printf("%s %s: denied %d\n", what, name, errno);
        return;
    }
    long n = read(fd, old, sizeof old);
    if (n <= 0) old[0] = '\n', n = 1;
    if (pwrite(fd, old, n, 0) == n) printf("%s %s: WRITTEN\n", what, name);
    else printf("%s %s: denied %d\n", what, name, errno);
    close(fd);
}

static void mounts(const char *prefix, const char *dir) {
    static const char *opts[] = {"none,name=nsinit_attack", "net_cls", "perf_event", "hugetlb", "memory", "devices", "pids"};
    for (unsigned i = 0; i < sizeof opts / sizeof *opts; i++) {
        if (mount("cgroup", dir, "cgroup", 0, opts[i])) {
            printf("%smount %s: denied %d\n", prefix, opts[i], errno);
            continue;
        }
        printf("%smount %s: mounted\n", prefix, opts[i]);
        char p[256], what[32];
        snprintf(p, sizeof p, "%s/release_agent", dir);
        snprintf(what, sizeof what, "%sagent", prefix);
        rewrite(what, opts[i], p);
        umount2(dir, MNT_DETACH);
    }
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) return -1;
    int r = write(fd, text, strlen(text)) < 0 ? -1 : 0;
    close(fd);
    return r;
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    const char *dir = argv[2];
    mkdir(dir, 0700);
    if (!strcmp(argv[1], "hooks")) {
        static const char *hooks[] = {"/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe", "/proc/sys/kernel/hotplug",
                                      "/sys/kernel/uevent_helper", "/proc/sysrq-trigger", "/proc/sys/fs/binfmt_misc/register"};
        for (unsigned i = 0; i < sizeof hooks / sizeof *hooks; i++) try_open("hook", hooks[i]);
        if (mount("proc", dir, "proc", 0, 0)) printf("mount proc: denied %d\n", errno);
        else {
            printf("mount proc: mounted\n");
            char p[256];
            snprintf(p, sizeof p, "%s/sys/kernel/core_pattern", dir);
            try_open("hook", p);
            umount2(dir, MNT_DETACH);
        }
        if (mount("sysfs", dir, "sysfs", 0, 0)) printf("mount sysfs: denied %d\n", errno);
        else {
            printf("mount sysfs: mounted\n");
            char p[256];
            snprintf(p, sizeof p, "%s/kernel/uevent_helper", dir);
            try_open("hook", p);
            umount2(dir, MNT_DETACH);
        }
        return 0;
    }
    glob_t g;
    if (glob("/sys/fs/cgroup/*/release_agent", 0, 0, &g) == 0)
        for (size_t i = 0; i < g.gl_pathc; i++) rewrite("existing", g.gl_pathv[i], g.gl_pathv[i]);
    mounts("", dir);
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWCGROUP)) {
        printf("userns: denied %d\n", errno);
        return 0;
    }
    char map[64];
    snprintf(map, sizeof map, "0 %u 1", uid);
    write_file("/proc/self/uid_map", map);
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "0 %u 1", gid);
    write_file("/proc/self/gid_map", map);
    printf("userns: entered\n");
    mounts("userns ", dir);
    return 0;
}
