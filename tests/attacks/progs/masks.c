/* masks: around the masks from a user namespace of the workload's own.
 * Unshares a user, mount, pid and network namespace (mapped to our ids),
 * then in the new pid namespace's first process:
 *   "userns: entered|denied E"
 *   "mount proc|sysfs: MOUNTED|denied E"   a fresh one at /dev/shm/{p,s}
 *   "umount PATH: DONE|denied E"           a mask detached
 *   "read PATH: N bytes|denied E"          what a masked file shows
 *   "list PATH: N entries|denied E"        what a masked directory shows */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) return -1;
    int r = write(fd, text, strlen(text)) < 0 ? -1 : 0;
    close(fd);
    return r;
}

static void fresh(const char *type, const char *dir) {
    mkdir(dir, 0700);
    if (mount(type, dir, type, 0, NULL)) printf("mount %s: denied %d\n", type, errno);
    else printf("mount %s: MOUNTED\n", type);
}

static void bytes(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("read %s: denied %d\n", path, errno); return; }
    char buf[4096];
    long n, total = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) total += n;
    close(fd);
    printf("read %s: %ld bytes\n", path, total);
}

static void entries(const char *path) {
    DIR *d = opendir(path);
    if (!d) { printf("list %s: denied %d\n", path, errno); return; }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    printf("list %s: %d entries\n", path, n);
}

int main(void) {
    char map[64];
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET)) {
        printf("userns: denied %d\n", errno);
        return 0;
    }
    snprintf(map, sizeof map, "0 %u 1", uid);
    write_file("/proc/self/uid_map", map);
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "0 %u 1", gid);
    write_file("/proc/self/gid_map", map);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid > 0) {
        int st;
        waitpid(pid, &st, 0);
        return 0;
    }
    printf("userns: entered\n");
    fresh("proc", "/dev/shm/p");
    fresh("sysfs", "/dev/shm/s");
    static const char *masks[] = {"/proc/keys", "/proc/timer_list", "/proc/acpi", "/sys/firmware"};
    for (unsigned i = 0; i < sizeof masks / sizeof *masks; i++) {
        if (umount2(masks[i], MNT_DETACH)) printf("umount %s: denied %d\n", masks[i], errno);
        else printf("umount %s: DONE\n", masks[i]);
    }
    bytes("/proc/timer_list");
    bytes("/proc/keys");
    entries("/proc/acpi");
    entries("/sys/firmware");
    return 0;
}
