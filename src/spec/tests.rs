//! Unit tests of the spec walk.

use super::*;
use crate::sys::cell::Once;

/// `Once::zeroed` relies on an all-zero Spec being the empty spec.
#[test]
fn zeroed_spec_is_empty() {
    static S: Once<Spec<'static>> = Once::zeroed();
    let s = S.take().unwrap();
    assert!(s.root.path.is_none() && !s.root.readonly && s.hostname.is_none() && s.domainname.is_none());
    assert!(s.mounts.is_empty() && s.mount_data.is_empty() && s.warnings.is_empty());
    let p = &s.process;
    assert!(!p.terminal && p.args.is_empty() && p.env.is_empty() && p.cwd.is_none());
    assert!(!p.capabilities.is_some() && p.rlimits.is_empty() && !p.no_new_privileges && !p.oom_score_adj.is_some());
    assert_eq!((p.user.uid, p.user.gid, p.user.umask.get()), (0, 0, None));
    assert!(p.user.additional_gids.is_empty() && !p.user.gids_given);
    let l = &s.linux;
    assert_eq!((l.namespaces, l.new_namespaces, l.rootfs_propagation.get()), (0, 0, None));
    assert!(l.masked_paths.is_empty() && l.readonly_paths.is_empty() && l.devices.is_empty() && l.sysctl.is_empty());
    assert!(!l.seccomp.present && l.seccomp.rules.is_empty() && l.seccomp.names.is_empty());
    assert!(s.first_unsupported().is_none());
}
