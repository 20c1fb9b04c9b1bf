//! The container's system identity: loopback up, hostname and domainname,
//! sysctls, and the OOM score.

use crate::diag::{self, At, Object, Result};
use crate::resolve::{self, cpath};
use crate::spec::Spec;
use crate::sys::{self, Errno, OwnedFd};

/// In a new network namespace `lo` is down; runc brings it up.
pub fn loopback_up<'a>(spec: &Spec<'a>) -> Result<'a, ()> {
    if spec.linux.new_namespaces & libc::CLONE_NEWNET as u32 == 0 {
        return Ok(());
    }
    diag::trace("loopback", Object::Name(b"lo"));
    // One error site for both calls (each `.at` is an inlined copy).
    let up = || {
        let s = OwnedFd::new(sys::socket(libc::AF_INET, libc::SOCK_DGRAM, 0)?);
        sys::if_set_flags(s.fd(), b"lo", libc::IFF_UP as i16)
    };
    up().at("loopback", Object::Name(b"lo"))
}

pub fn names<'a>(spec: &Spec<'a>) -> Result<'a, ()> {
    if let Some(h) = spec.hostname {
        diag::trace("hostname", Object::Name(h.to_bytes()));
        sys::sethostname(h.to_bytes()).at("hostname", Object::Name(h.to_bytes()))?;
    }
    if let Some(d) = spec.domainname {
        diag::trace("domainname", Object::Name(d.to_bytes()));
        sys::setdomainname(d.to_bytes()).at("domainname", Object::Name(d.to_bytes()))?;
    }
    Ok(())
}

/// Each `linux.sysctl` entry written to `/proc/sys/<key with . as />` of the
/// container (after pivot_root, so its own /proc).
pub fn sysctls<'a>(spec: &Spec<'a>) -> Result<'a, ()> {
    if spec.linux.sysctl.is_empty() {
        return Ok(());
    }
    let slash = crate::mount::open_root(c"/").at("sysctl", Object::Name(b"/"))?;
    for (k, v) in &spec.linux.sysctl {
        let key = k.to_bytes();
        diag::trace("sysctl", Object::Name(key));
        write_sysctl(slash.fd(), key, v.to_bytes()).at("sysctl", Object::Name(key))?;
    }
    Ok(())
}

/// Writes one sysctl's value through the container's `/` (`slash`).
fn write_sysctl(slash: sys::Fd, key: &[u8], value: &[u8]) -> core::result::Result<(), Errno> {
    let mut pbuf = [0u8; 512];
    let path = sysctl_path(key, &mut pbuf)?;
    let mut cbuf = [0u8; 512];
    let fd = resolve::open_rw(slash, cpath(&mut cbuf, path)?, libc::O_WRONLY | libc::O_TRUNC)?;
    sys::write_all(fd.fd(), value)
}

/// `/proc/sys/` + the key with dots as slashes (runc's mapping).
pub fn sysctl_path<'b>(key: &[u8], buf: &'b mut [u8]) -> core::result::Result<&'b [u8], Errno> {
    let prefix = b"/proc/sys/";
    let len = prefix.len() + key.len();
    let out = buf.get_mut(..len).ok_or(Errno::ENAMETOOLONG)?;
    let (p, k) = out.split_at_mut(prefix.len());
    p.copy_from_slice(prefix);
    for (d, s) in k.iter_mut().zip(key) {
        *d = if *s == b'.' { b'/' } else { *s };
    }
    Ok(out)
}

/// `process.oomScoreAdj` written to /proc/self/oom_score_adj; the workload
/// inherits it.
pub fn oom_score<'a>(spec: &Spec<'a>) -> Result<'a, ()> {
    let Some(v) = spec.process.oom_score_adj.get() else { return Ok(()) };
    diag::trace("oom_score_adj", Object::None);
    let write = || {
        let fd = OwnedFd::new(sys::openat(sys::AT_FDCWD, c"/proc/self/oom_score_adj", libc::O_WRONLY, 0)?);
        let mut l = diag::Line::bare();
        l.signed(v as i64);
        sys::write_all(fd.fd(), l.as_bytes())
    };
    write().at("oom_score_adj", Object::Name(b"/proc/self/oom_score_adj"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysctl_paths() {
        let mut b = [0u8; 64];
        assert_eq!(sysctl_path(b"net.ipv4.ip_forward", &mut b).unwrap(), b"/proc/sys/net/ipv4/ip_forward");
        assert_eq!(sysctl_path(b"kernel.shmmax", &mut b).unwrap(), b"/proc/sys/kernel/shmmax");
        let mut small = [0u8; 12];
        assert_eq!(sysctl_path(b"kernel.shmmax", &mut small), Err(Errno::ENAMETOOLONG));
    }
}
