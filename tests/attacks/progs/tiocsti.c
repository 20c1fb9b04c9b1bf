/* tiocsti TEXT: pushes TEXT, a byte at a time, into the input of the
 * terminal on fd 0 (TIOCSTI): if that terminal is its caller's, the
 * caller's shell reads TEXT as typed once the container exits.
 *   "tiocsti: N of M pushed, errno E"  "/dev/tty: ok|errno E" */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int pushed = 0, err = 0;
    for (const char *p = argv[1]; *p; p++) {
        if (ioctl(0, TIOCSTI, p) == 0) pushed++;
        else err = errno;
    }
    printf("tiocsti: %d of %zu pushed, errno %d\n", pushed, strlen(argv[1]), err);
    int t = open("/dev/tty", O_RDWR);
    if (t >= 0) printf("/dev/tty: ok\n");
    else printf("/dev/tty: errno %d\n", errno);
    return 0;
}
