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
    l.push(b"\nmounts: ").num(s.mounts.len() as u64);
    l.push(b", masked paths: ").num(s.linux.masked_paths.len() as u64);
    l.push(b", read-only paths: ").num(s.linux.readonly_paths.len() as u64);
    l.push(b", devices: ").num(s.linux.devices.len() as u64);
    l.push(b"\nworkload: ");
    match (opts.cmd, s.process.args.first()) {
        (Some(_), _) => {
            l.push(b"CMD from the command line");
        }
        (None, Some(a)) => {
            l.push(a.to_bytes()).push(b" (").num(s.process.args.len() as u64).push(b" args)");
        }
        (None, None) => {
            l.push(b"none");
        }
    }
    l.push(b", env: ").num(s.process.env.len() as u64);
    if let Some(cwd) = s.process.cwd {
        l.push(b", cwd: ").push(cwd.to_bytes());
    }
    let u = &s.process.user;
    l.push(b"\nuser: uid ").num(u.uid as u64).push(b" gid ").num(u.gid as u64);
    if u.gids_given {
        l.push(b", ").num(u.additional_gids.len() as u64).push(b" additional groups");
    }
    let c = &s.process.capabilities;
    l.push(b"\ncapabilities: bounding ").hex(c.bounding);
    l.push(b" effective ").hex(c.effective);
    l.push(b" permitted ").hex(c.permitted);
    l.push(b" inheritable ").hex(c.inheritable);
    l.push(b" ambient ").hex(c.ambient);
    l.push(b"\nno_new_privs: ").push(if s.process.no_new_privileges { b"yes" } else { b"no" });
    l.push(b", rlimits: ").num(s.process.rlimits.len() as u64);
    l.push(b", sysctls: ").num(s.linux.sysctl.len() as u64);
    match Some(&s.linux.seccomp).filter(|sc| sc.present) {
        Some(sc) => {
            l.push(b"\nseccomp: ").num(sc.rules.len() as u64).push(b" rules over ");
            l.num(sc.names.len() as u64).push(b" syscall names");
        }
        None => {
            l.push(b"\nseccomp: none");
        }
    }
    l.push(b"\n");
}
