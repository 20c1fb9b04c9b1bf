/* traceme: asks its parent (PID 1) to trace it, then stops itself, as a
 * debugger-aware program may. A PID 1 that takes the stop for an exit
 * reports a status the workload never had and tears the container down.
 * A helper child sends SIGCONT should the stop become a plain group stop
 * (state T, no tracer): the workload then goes on like any stopped
 * process that is continued. Prints "traceme: ok|errno E", then
 * "resumed" once running again, and exits 42. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

/* State letter and TracerPid of pid. */
static int state(pid_t pid, int *tracer) {
    char p[64], buf[4096];
    snprintf(p, sizeof p, "/proc/%d/status", pid);
    FILE *f = fopen(p, "r");
    if (!f) return 0;
    int s = 0;
    *tracer = -1;
    while (fgets(buf, sizeof buf, f)) {
        if (!strncmp(buf, "State:", 6)) s = buf[7];
        if (!strncmp(buf, "TracerPid:", 10)) *tracer = atoi(buf + 10);
    }
    fclose(f);
    return s;
}

int main(void) {
    pid_t me = getpid();
    if (fork() == 0) {
        while (getppid() == me) {
            int tracer;
            if (state(me, &tracer) == 'T' && tracer == 0) kill(me, SIGCONT);
            usleep(2000);
        }
        _exit(0);
    }
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) == 0) printf("traceme: ok\n");
    else printf("traceme: errno %d\n", errno);
    fflush(stdout);
    raise(SIGSTOP);
    printf("resumed\n");
    fflush(stdout);
    return 42;
}
