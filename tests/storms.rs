//! Storms: PID 1 under load never loses the workload's exit, a forwarded
//! signal, or a zombie. Each test is bounded by the hang guard; durations
//! are printed (`--nocapture`), never asserted.

mod common;

use common::*;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// Builds a static C program into `dir`.
fn cc(dir: &TempDir, name: &str, src: &str) -> PathBuf {
    let c = dir.join(&format!("{name}.c"));
    let bin = dir.join(name);
    std::fs::write(&c, src).unwrap();
    let st = Command::new("gcc").args(["-O2", "-static", "-o"]).arg(&bin).arg(&c).status().expect("gcc");
    assert!(st.success(), "gcc {name}");
    bin
}

/// Forks `n` grandchildren that are orphaned at once (their parent exits
/// first) and then exit, so that nsinit adopts and reaps every one; then
/// waits until no zombie is left in the namespace and says how many
/// processes it saw adopted by PID 1 along the way.
const ORPHANS: &str = r#"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int zombies(void) {
    int z = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[64], buf[256];
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        if (fgets(buf, sizeof buf, f)) {
            char *p = strrchr(buf, ')');
            if (p && p[2] == 'Z') z++;
        }
        fclose(f);
    }
    closedir(d);
    return z;
}

int main(int argc, char **argv) {
    int n = atoi(argv[1]);
    for (int i = 0; i < n; i++) {
        pid_t c = fork();
        if (c < 0) { perror("fork"); return 2; }
        if (c == 0) {
            if (fork() == 0) _exit(0);
            _exit(0);
        }
        waitpid(c, NULL, 0);
    }
    /* Reaping is asynchronous: poll (bounded) until nothing is a zombie. */
    struct timespec ts = {0, 1000000};
    int z = 0;
    for (int tries = 0; tries < 10000; tries++) {
        if ((z = zombies()) == 0) break;
        nanosleep(&ts, NULL);
    }
    printf("zombies %d\n", z);
    return 0;
}
"#;

/// 10 000 orphans, all adopted and reaped by nsinit as PID 1.
#[test]
fn ten_thousand_orphans_are_reaped() {
    let dir = TempDir::new();
    let prog = cc(&dir, "orphans", ORPHANS);
    let t = Instant::now();
    let out = Run::new().wrap(PID1).timeout(std::time::Duration::from_secs(120)).cmd([prog.to_str().unwrap(), "10000"]).run();
    eprintln!("10000 orphans: {:?}", t.elapsed());
    out.assert_code(0).assert_no_stderr();
    assert_eq!(out.stdout, "zombies 0\n");
}

/// Counts signal 40 (real-time, so queued: none may merge) until signal
/// 41, which the kernel delivers only after every lower pending signal
/// (raw numbers: glibc and musl disagree on SIGRTMIN); meanwhile a
/// churner makes orphans without end, so nsinit's SIGCHLDs interleave with
/// the forwarded signals.
const COUNTER: &str = r#"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t count, done;
static void on_sig(int s) { (void)s; count++; }
static void on_done(int s) { (void)s; done = 1; }

int main(void) {
    struct sigaction a = {0}, b = {0};
    a.sa_handler = on_sig;
    b.sa_handler = on_done;
    sigaction(40, &a, NULL);
    sigaction(41, &b, NULL);
    pid_t churner = fork();
    if (churner == 0) {
        for (;;) {
            pid_t c = fork();
            if (c == 0) { if (fork() == 0) _exit(0); _exit(0); }
            if (c > 0) waitpid(c, NULL, 0);
        }
    }
    printf("ready\n");
    fflush(stdout);
    while (!done) pause();
    kill(churner, SIGKILL);
    waitpid(churner, NULL, 0);
    printf("count %d\n", (int)count);
    return 5;
}
"#;

/// A burst of 1 000 signals to PID 1 while orphans keep dying: every one is
/// forwarded (queued real-time signals cannot merge, so the count is
/// exact), no zombie stays, and the workload's status comes back.
#[test]
fn a_burst_of_signals_while_children_exit_loses_nothing() {
    let dir = TempDir::new();
    let prog = cc(&dir, "counter", COUNTER);
    let mut run = Run::new().wrap(PID1).cmd([prog.to_str().unwrap()]).spawn();
    run.expect_line("ready");
    let nsinit = run.nsinit_pid();
    let t = Instant::now();
    for _ in 0..1000 {
        kill(nsinit, 40);
    }
    kill(nsinit, 41);
    let out = run.wait();
    eprintln!("1000 signals: {:?}", t.elapsed());
    out.assert_code(5).assert_no_stderr();
    assert_eq!(out.stdout, "ready\ncount 1000\n");
}

/// The workload exits while signals keep arriving: nsinit exits with its
/// status, without a warning for the ones that found it gone.
#[test]
fn workload_exits_while_signals_are_in_flight() {
    for _ in 0..20 {
        let mut run = Run::new().wrap(PID1).stdin_pipe().sh("trap '' USR1; echo ready; read x; exit 7").spawn();
        run.expect_line("ready");
        let nsinit = run.nsinit_pid();
        let sender = std::thread::spawn(move || {
            for _ in 0..2000 {
                // nsinit may be gone already: ESRCH is fine here.
                unsafe { libc::kill(nsinit, libc::SIGUSR1) };
            }
        });
        run.close_stdin();
        let out = run.wait();
        sender.join().unwrap();
        out.assert_code(7).assert_no_stderr();
    }
}

/// The main child's exit arrives together with a crowd of orphans' exits
/// (one SIGCHLD may stand for all of them): it is never missed — catatonit
/// once hung here (catatonit#4). Each run must end, with the status.
#[test]
fn the_workload_exit_is_never_lost_among_sigchlds() {
    let t = Instant::now();
    for i in 0..30 {
        let code = 10 + i % 7;
        let script = format!("i=0; while [ $i -lt 100 ]; do (sleep 0.05 &); i=$((i+1)); done; sleep 0.05; exit {code}");
        let out = Run::new().wrap(PID1).sh(&script).run();
        out.assert_code(code).assert_no_stderr();
    }
    eprintln!("30 runs with 100 simultaneous exits: {:?}", t.elapsed());
}
