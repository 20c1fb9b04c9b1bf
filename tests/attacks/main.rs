//! The standing attack suite (issue 9): nsinit's promise is that it never
//! runs a workload less confined than asked (CONTRACT.md, "Security
//! promises"). Each attack is tried the way a real attacker would, from
//! inside a real container that nsinit starts (`Bundle`: `runc spec`'s
//! config, a busybox rootfs, nsinit as PID 1 under `scripts/run`'s
//! parent), by:
//!
//! - the workload (`workload.rs`): root with runc's default capabilities,
//!   root with Docker's capabilities and seccomp profile, uid 1000 — a
//!   small static C program from `progs/` (built by gcc when the suite
//!   starts) or busybox;
//! - the image author (`image.rs`): symlinks, FIFOs and huge files
//!   planted in the rootfs;
//! - the spec writer (`spec.rs`): ids, `..`, key case, hostile JSON, cwd,
//!   the operator's environment.
//!
//! Each test asserts the safe outcome — the attack fails, or nsinit refuses
//! with 125/126 and one line — and that the host did not change (owners of
//! the bundle and its parent, the files the host kernel runs as root, the
//! mount table). Then it runs the same attack under crun 1.8.1 on the same
//! bundle where crun has a counterpart ([`Crun`]): where crun is safe, a
//! difference fails the test; crun's known holes are measured, not failed.
//!
//! At exit the suite prints one line: attacks run, how many were blocked
//! under nsinit and under crun, and the time taken.

#[path = "../common/mod.rs"]
mod common;
mod harness;
mod image;
mod spec;
mod workload;

use harness::{Crun, attack};

/// No init to attack under crun: the container's PID 1 is the workload.
const NO_INIT: Crun = Crun::NotRun("under crun the container's PID 1 is the workload itself: there is no init to reach into");

/// `name => body, crun` becomes `#[test] fn name()` running `body` through
/// [`attack`].
macro_rules! suite {
    ($($name:ident => $body:path, $crun:expr;)*) => {
        $(
            #[test]
            fn $name() {
                attack(stringify!($name), $crun, $body);
            }
        )*
    };
}

suite! {
    // The workload.
    proc1_files => workload::proc1_files, NO_INIT;
    ptrace_pid1 => workload::ptrace_pid1, NO_INIT;
    vm_read_pid1 => workload::vm_read_pid1, NO_INIT;
    pidfd_getfd_pid1 => workload::pidfd_getfd_pid1, NO_INIT;
    kcmp_pid1 => workload::kcmp_pid1, NO_INIT;
    setns_pid1 => workload::setns_pid1, NO_INIT;
    leaked_fds => workload::leaked_fds, Crun::Safe;
    docker_blocked_syscalls => workload::docker_blocked_syscalls, Crun::Safe;
    compat_abi_syscalls => workload::compat_abi_syscalls, Crun::Safe;
    open_by_handle => workload::open_by_handle, Crun::Safe;
    release_agent => workload::release_agent, Crun::Safe;
    release_agent_cgroupns => workload::release_agent_cgroupns, Crun::Safe;
    host_hooks => workload::host_hooks, Crun::Safe;
    masks_from_userns => workload::masks_from_userns, Crun::Safe;
    tiocsti => workload::tiocsti, Crun::Safe;
    // crun stays the container process's tracer and never continues the
    // stop: the container hangs (no escape; a difference to nsinit).
    traceme_stop => workload::traceme_stop, Crun::Hole("crun never continues a ptrace-stopped container process: it hangs");
    // The image author.
    proc_symlink => image::proc_symlink, Crun::Safe;
    dev_symlink => image::dev_symlink, Crun::Safe;
    kernfs_not_dir => image::kernfs_not_dir, Crun::Safe;
    // crun opens the image's /etc/passwd as it is: a FIFO hangs it, a
    // link to /proc/self/fd/0 swallows the container's stdin (and gives
    // HOME=""), a link into a descriptor crun's parent leaked reads a host
    // file into HOME.
    passwd_fifo => image::passwd_fifo, Crun::Hole("crun blocks forever opening a FIFO /etc/passwd");
    passwd_stdin => image::passwd_stdin,
        Crun::Hole("crun reads /etc/passwd -> /proc/self/fd/0: the workload's stdin is swallowed");
    passwd_large => image::passwd_large, Crun::Safe;
    passwd_leaked_dir => image::passwd_leaked_dir,
        Crun::Hole("crun follows /etc/passwd into a descriptor its parent leaked: a host file becomes HOME");
    dev_null_symlink => image::dev_null_symlink, Crun::Safe;
    exec_self => image::exec_self, Crun::Safe;
    blocked_nsinit_exe => image::blocked_nsinit_exe,
        Crun::NotRun("nsinit's own binary is attacked: the same under any runtime");
    // The spec writer.
    // crun 1.8.1 runs `"uid": 4294967295` as root (setresuid(-1) leaves
    // the uid unchanged).
    ids_out_of_range => spec::ids_out_of_range, Crun::Hole("crun runs uid 4294967295 as root");
    device_dotdot => spec::device_dotdot, Crun::Safe;
    // crun matches keys exactly, so it skips the `Seccomp`,
    // `NoNewPrivileges` and `Capabilities` that runc (Go's encoding/json)
    // applies; of a key given twice it keeps the first, runc the last.
    // Either way it confines less than runc on the same file.
    key_case_seccomp => spec::key_case_seccomp, Crun::Hole("crun skips `Seccomp`: no filter");
    key_case_no_new_privileges => spec::key_case_no_new_privileges, Crun::Hole("crun skips `NoNewPrivileges`");
    key_case_capabilities => spec::key_case_capabilities, Crun::Hole("crun skips `Capabilities`");
    duplicate_keys => spec::duplicate_keys,
        Crun::Hole("crun keeps the first of two keys, runc the last (noNewPrivileges false, true: off)");
    hostile_json => spec::hostile_json, Crun::Safe;
    cwd_outside => spec::cwd_outside, Crun::Safe;
    cwd_masked => spec::cwd_masked, Crun::Safe;
    // crun 1.8.1 escapes here: it follows the magic link in its own
    // process, where the leaked descriptor is still open, and the workload
    // starts in the host directory (found by the outside attack).
    cwd_leaked_fd => spec::cwd_leaked_fd,
        Crun::NotRun("crun 1.8.1 escapes: a cwd of /proc/self/fd/N puts the workload in the leaked host directory");
    operator_env => spec::operator_env, Crun::Safe;
}
