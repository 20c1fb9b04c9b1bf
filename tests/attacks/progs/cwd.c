/* cwd: whether the working directory this program was started in lies
 * inside its root. Walks up with ".." from the cwd: inside the root, the
 * walk ends at "/" (whose ".." is itself); outside, it ends at another top
 * (the host's root), which the root cannot reach.
 *   "cwd inside" or "cwd OUTSIDE: ENTRY ENTRY ..." (the top's first entries)
 *   "getcwd: PATH" */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    struct stat root, cur, up;
    if (stat("/", &root)) return 2;
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        printf("cwd unopenable: errno %d\n", errno);
        return 0;
    }
    for (int steps = 0; steps < 4096; steps++) {
        if (fstat(fd, &cur)) return 2;
        if (cur.st_dev == root.st_dev && cur.st_ino == root.st_ino) {
            printf("cwd inside\n");
            break;
        }
        int p = openat(fd, "..", O_RDONLY | O_DIRECTORY);
        if (p < 0 || fstat(p, &up)) return 2;
        if (up.st_dev == cur.st_dev && up.st_ino == cur.st_ino) {
            printf("cwd OUTSIDE:");
            DIR *d = fdopendir(p);
            struct dirent *de;
            for (int n = 0; d && (de = readdir(d)) && n < 12; n++) printf(" %s", de->d_name);
            printf("\n");
            break;
        }
        close(fd);
        fd = p;
    }
    char buf[4096];
    printf("getcwd: %s\n", getcwd(buf, sizeof buf) ? buf : "(error)");
    return 0;
}
