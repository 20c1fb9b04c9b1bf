/* fds [N...]: the descriptors this program was started with, and what a
 * directory descriptor N its parent might have leaked gives.
 *   "open N -> TARGET" for each descriptor above 2 (there should be none)
 *   "fchdir N: ok|errno E", "openat N ..: ok|errno E"
 *   "scanned" at the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    for (int fd = 3; fd < 4096; fd++) {
        if (fcntl(fd, F_GETFD) < 0) continue;
        char p[64], t[512] = "?";
        snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
        long n = readlink(p, t, sizeof t - 1);
        t[n > 0 ? n : 1] = 0;
        printf("open %d -> %s\n", fd, t);
    }
    for (int i = 1; i < argc; i++) {
        int n = atoi(argv[i]);
        if (fchdir(n) == 0) printf("fchdir %d: ok\n", n);
        else printf("fchdir %d: errno %d\n", n, errno);
        int up = openat(n, "..", O_RDONLY | O_DIRECTORY);
        if (up >= 0) printf("openat %d ..: ok\n", n);
        else printf("openat %d ..: errno %d\n", n, errno);
    }
    printf("scanned\n");
    return 0;
}
