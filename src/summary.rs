//! `--check`: a short summary of what nsinit would do with a valid spec.

use crate::cli::Options;
use crate::diag::Line;
use crate::spec::Spec;

pub fn write(l: &mut Line, opts: &Options, spec: Option<&Spec>) {
    let Some(s) = spec else {
        l.push(b"nsinit: no spec: reaper mode (run CMD, forward signals, reap zombies)\n");
        return;
    };
    l.push(b"nsinit: spec is valid\n");
    match s.root.path {
        Some(path) => {
            l.push(b"root: ").push(path.to_bytes());
            if s.root.readonly {
                l.push(b" (read-only)");
            }
        }
        None => {
            l.push(b"root: none (already inside the container: no mounts, no pivot_root)");
        }
    }
    l.fill(
        b"\nmounts: #, masked paths: #, read-only paths: #, devices: #\nworkload: ",
        &[s.mounts.len() as u64, s.linux.masked_paths.len() as u64, s.linux.readonly_paths.len() as u64, s.linux.devices.len() as u64],
    );
    match (opts.cmd, s.process.args.first()) {
        (Some(_), _) => {
            l.push(b"CMD from the command line");
        }
        (None, Some(a)) => {
            l.push(a.to_bytes()).fill(b" (# args)", &[s.process.args.len() as u64]);
        }
        (None, None) => {
            l.push(b"none");
        }
    }
    l.fill(b", env: #", &[s.process.env.len() as u64]);
    if let Some(cwd) = s.process.cwd {
        l.push(b", cwd: ").push(cwd.to_bytes());
    }
    let u = &s.process.user;
    l.fill(b"\nuser: uid # gid #", &[u.uid as u64, u.gid as u64]);
    if u.gids_given {
        l.fill(b", # additional groups", &[u.additional_gids.len() as u64]);
    }
    let c = &s.process.capabilities;
    l.fill(
        b"\ncapabilities: bounding % effective % permitted % inheritable % ambient %\nno_new_privs: ",
        &[c.bounding, c.effective, c.permitted, c.inheritable, c.ambient],
    );
    l.push(if s.process.no_new_privileges { b"yes" } else { b"no" });
    l.fill(b", rlimits: #, sysctls: #", &[s.process.rlimits.len() as u64, s.linux.sysctl.len() as u64]);
    match Some(&s.linux.seccomp).filter(|sc| sc.present) {
        Some(sc) => {
            l.fill(b"\nseccomp: # rules over # syscall names", &[sc.rules.len() as u64, sc.names.len() as u64]);
        }
        None => {
            l.push(b"\nseccomp: none");
        }
    }
    l.push(b"\n");
}
