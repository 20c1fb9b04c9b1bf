//! Reading the spec: from a file descriptor until EOF (then closed) or from a
//! file, into one static 1 MiB buffer.

use crate::cli::SpecSource;
use crate::diag::{At, Error, Object, Reason, Result};
use crate::sys::{self, Errno, cell::Once};

/// The largest spec nsinit reads (the contract's limit).
pub const MAX_SPEC: usize = 1 << 20;

static BUF: Once<[u8; MAX_SPEC]> = Once::new([0; MAX_SPEC]);

/// Reads the whole spec; the slice returned is the document.
pub fn read(src: SpecSource<'static>) -> Result<'static, &'static mut [u8]> {
    let buf = BUF.take().ok_or(Error::new("spec", Object::None, Reason::Text("read twice")))?;
    let (fd, object) = match src {
        SpecSource::Fd(fd) => (fd, Object::Num("fd ", fd as u64)),
        SpecSource::Path(p) => (
            sys::openat(sys::AT_FDCWD, p, libc::O_RDONLY, 0).at("spec", Object::Name(p.to_bytes()))?,
            Object::Name(p.to_bytes()),
        ),
        SpecSource::None => return Err(Error::new("spec", Object::None, Reason::Text("no spec given"))),
    };
    let read = read_all(fd, buf);
    // The contract: read until EOF, then close N. A close error after a full
    // read changes nothing about what was read.
    let _ = sys::close(fd);
    let len = read.at("spec", object)?;
    if len > MAX_SPEC {
        return Err(Error::new("spec", object, Reason::Text("larger than 1 MiB")));
    }
    Ok(buf.get_mut(..len).unwrap_or(&mut []))
}

/// Reads until EOF; returns MAX_SPEC + 1 when there is more than fits.
fn read_all(fd: sys::Fd, buf: &mut [u8]) -> core::result::Result<usize, Errno> {
    let mut len = 0;
    loop {
        let Some(room) = buf.get_mut(len..) else { break };
        if room.is_empty() {
            // Full: one more byte means the spec is too large.
            let mut probe = [0u8; 1];
            return match retry(|| sys::read(fd, &mut probe))? {
                0 => Ok(len),
                _ => Ok(buf.len() + 1),
            };
        }
        match retry(|| sys::read(fd, room))? {
            0 => break,
            n => len += n,
        }
    }
    Ok(len)
}

fn retry<T>(mut f: impl FnMut() -> core::result::Result<T, Errno>) -> core::result::Result<T, Errno> {
    loop {
        match f() {
            Err(Errno::EINTR) => continue,
            r => return r,
        }
    }
}
