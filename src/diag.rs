//! The one place nsinit writes messages: errors, warnings and trace lines,
//! each one line, built on the stack and written with one write(2), without
//! core::fmt.
//!
//! An error is `nsinit: step: object: reason`, e.g.
//! `nsinit: mount: /proc (proc): EPERM: operation not permitted` or
//! `nsinit: spec: mounts[2].options[1]: unknown option "nosuidd"`.

use crate::json::{self, Kind, Path};
use crate::sys::{self, Errno};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

const STDERR: sys::Fd = 2;

/// A message line being built. Too long a line is cut, never overflowed.
pub struct Line {
    buf: [u8; 1024],
    len: usize,
}

impl Line {
    /// A line starting with `nsinit: `.
    pub fn new() -> Line {
        let mut l = Line { buf: [0; 1024], len: 0 };
        l.push(b"nsinit: ");
        l
    }

    /// An empty line (for stdout output such as the --check summary).
    pub fn bare() -> Line {
        Line { buf: [0; 1024], len: 0 }
    }

    pub fn push(&mut self, b: &[u8]) -> &mut Self {
        // Keep one byte for the newline.
        let room = self.buf.len() - 1 - self.len;
        let n = b.len().min(room);
        if let (Some(dst), Some(src)) = (self.buf.get_mut(self.len..self.len + n), b.get(..n)) {
            dst.copy_from_slice(src);
            self.len += n;
        }
        self
    }

    pub fn str(&mut self, s: &str) -> &mut Self {
        self.push(s.as_bytes())
    }

    pub fn num(&mut self, n: u64) -> &mut Self {
        let mut d = [0u8; 20];
        self.push(crate::text::decimal(n, &mut d))
    }

    pub fn signed(&mut self, n: i64) -> &mut Self {
        if n < 0 {
            self.push(b"-");
        }
        self.num(n.unsigned_abs())
    }

    pub fn hex(&mut self, n: u64) -> &mut Self {
        let mut d = [0u8; 20];
        self.push(b"0x").push(crate::text::hex(n, &mut d))
    }

    /// `template` with each `#` replaced by the next of `nums` in decimal
    /// and each `%` by the next in hex (`0x1f`): one call instead of a
    /// push and a num per field (the --check summary).
    pub fn fill(&mut self, template: &[u8], nums: &[u64]) -> &mut Self {
        let mut nums = nums.iter().copied();
        for c in template {
            let base = match c {
                b'#' => 10,
                b'%' => {
                    self.push(b"0x");
                    16
                }
                _ => {
                    self.push(core::slice::from_ref(c));
                    continue;
                }
            };
            let mut d = [0u8; 20];
            self.push(crate::text::digits(nums.next().unwrap_or(0), base, &mut d));
        }
        self
    }

    /// A value in double quotes; control bytes shown as `?`, long values cut.
    pub fn quoted(&mut self, v: &[u8]) -> &mut Self {
        const MAX: usize = 96;
        self.push(b"\"");
        for &c in v.iter().take(MAX) {
            self.push(if c < 0x20 || c == 0x7f { b"?" } else { core::slice::from_ref(&c) });
        }
        if v.len() > MAX {
            self.push(b"...");
        }
        self.push(b"\"")
    }

    /// `EPERM: operation not permitted`.
    pub fn errno(&mut self, e: Errno) -> &mut Self {
        match sys::errno::describe(e) {
            Some(text) => self.push(text),
            None => self.push(b"errno ").num(e.into_raw() as u64),
        }
    }

    pub fn path(&mut self, p: &Path) -> &mut Self {
        p.write(&mut |b| {
            self.push(b);
        });
        self
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Ends the line and writes it to `fd` in one write.
    pub fn emit(&mut self, fd: sys::Fd) {
        if let Some(b) = self.buf.get_mut(self.len) {
            *b = b'\n';
            self.len += 1;
        }
        // Nothing sensible is left to do when stderr itself fails.
        let _ = sys::write_all(fd, self.as_bytes());
    }
}

/// What a failed step was working on.
///
/// `repr(u8)` here and on `Reason`: each error site stores the tags as
/// bytes (`movb`, 3-4 bytes of code) instead of as the 8-byte words the
/// default layout picks for them (`movq`, 8); with some 100 error sites
/// inlined across the steps that is ~1 KiB of code, for 8 bytes more of
/// `Error` on the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Object<'a> {
    None,
    /// A path, a name, an option.
    Name(&'a [u8]),
    /// A path and what it is: `/proc (proc)`.
    Typed(&'a [u8], &'a [u8]),
    /// A number with a prefix: `fd 3`.
    Num(&'static str, u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Reason {
    Errno(Errno),
    Text(&'static str),
}

/// A failed step: the step, the object and the reason. (Spec errors are
/// `json::Error`s, with their JSON path, written by `write_spec`: keeping
/// the path out of this type keeps every step's `Result` small.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error<'a> {
    pub step: &'static str,
    pub object: Object<'a>,
    pub reason: Reason,
}

pub type Result<'a, T> = core::result::Result<T, Error<'a>>;

impl<'a> Error<'a> {
    pub fn new(step: &'static str, object: Object<'a>, reason: Reason) -> Self {
        Error { step, object, reason }
    }

    /// Appends `step: object: reason` to a line.
    pub fn write(&self, l: &mut Line) {
        l.str(self.step).push(b": ");
        if write_object(l, self.object) {
            l.push(b": ");
        }
        match self.reason {
            Reason::Errno(e) => {
                l.errno(e);
            }
            Reason::Text(t) => {
                l.str(t);
            }
        }
    }

    /// The exit status this failure ends nsinit with.
    pub fn exit_code(&self) -> i32 {
        125
    }
}

/// Writes an object; false when there is none.
fn write_object(l: &mut Line, o: Object) -> bool {
    match o {
        Object::None => return false,
        Object::Name(n) => {
            l.push(n);
        }
        Object::Typed(n, t) => {
            l.push(n).push(b" (").push(t).push(b")");
        }
        Object::Num(prefix, n) => {
            l.str(prefix).num(n);
        }
    }
    true
}

/// Appends `spec: path: what is wrong` to a line.
pub fn write_spec(e: &json::Error, l: &mut Line) {
    l.push(b"spec: ");
    // "more than N entries" names the list, not the element past its end: an
    // index, or a key for an object (linux.sysctl).
    let segs = e.path.segs();
    let path = match (e.kind, segs.split_last()) {
        (Kind::TooMany(_) | Kind::TooManyInAll(..), Some((_, parent))) => Path::of(parent),
        _ => e.path,
    };
    if !path.segs().is_empty() {
        l.path(&path).push(b": ");
    }
    write_kind(l, &e.kind);
}

fn write_kind(l: &mut Line, k: &Kind) {
    match *k {
        Kind::Syntax(what, at) => {
            l.fill(b"invalid JSON at byte #: ", &[at as u64]).str(what);
        }
        Kind::Type(what) | Kind::Range(what) | Kind::Invalid(what) | Kind::Unsupported(what) => {
            l.str(what);
        }
        // One line for both: "more than N entries", "more than N <what>".
        Kind::TooMany(n) | Kind::TooManyInAll(n, _) => {
            let what = if let Kind::TooManyInAll(_, what) = *k { what } else { "entries" };
            l.fill(b"more than # ", &[n as u64]).str(what).push(b" (nsinit's limit)");
        }
        Kind::Missing(field) => {
            l.push(b"required field \"").str(field).push(b"\" is missing");
        }
        Kind::Unknown(what, v) => {
            l.str(what).push(b" ").quoted(v);
        }
    }
}

/// Attaches the step and object to a syscall's errno.
pub trait At<T> {
    fn at<'a>(self, step: &'static str, object: Object<'a>) -> Result<'a, T>;
}

impl<T> At<T> for core::result::Result<T, Errno> {
    fn at<'a>(self, step: &'static str, object: Object<'a>) -> Result<'a, T> {
        self.map_err(|e| Error { step, object, reason: Reason::Errno(e) })
    }
}

/// Writes an error line to stderr.
pub fn report(e: &Error) {
    say(false, Message::Step(e));
}

/// Warnings off: verbosity 0 (`TINI_VERBOSITY=0`, as tini's PRINT_WARNING).
static QUIET: AtomicBool = AtomicBool::new(false);

pub fn quiet() {
    QUIET.store(true, Ordering::Relaxed);
}

/// Writes `nsinit: warning: step: object: reason` to stderr.
pub fn warn(e: &Error) {
    say(true, Message::Step(e));
}

/// Writes a spec error line to stderr.
pub fn report_spec(e: &json::Error) {
    say(false, Message::Spec(e));
}

/// Writes `nsinit: warning: spec: path: ...` to stderr.
pub fn warn_spec(e: &json::Error) {
    say(true, Message::Spec(e));
}

/// What `say` writes: a step's error or a spec's.
#[derive(Clone, Copy)]
enum Message<'e, 'a> {
    Step(&'e Error<'a>),
    Spec(&'e json::Error<'a>),
}

/// The one writer of error and warning lines (warnings not when quiet):
/// one copy of the line's set-up and write, not four.
#[inline(never)]
fn say(warning: bool, m: Message) {
    if warning && QUIET.load(Ordering::Relaxed) {
        return;
    }
    let mut l = Line::new();
    if warning {
        l.push(b"warning: ");
    }
    match m {
        Message::Step(e) => e.write(&mut l),
        Message::Spec(e) => write_spec(e, &mut l),
    }
    l.emit(STDERR);
}

/// Trace start time in µs (monotonic); 0 when tracing is off.
static TRACE_START: AtomicU64 = AtomicU64::new(0);

/// Turns tracing on, counting from `start_us`.
pub fn trace_on(start_us: u64) {
    TRACE_START.store(start_us.max(1), Ordering::Relaxed);
}

pub fn tracing() -> bool {
    TRACE_START.load(Ordering::Relaxed) != 0
}

/// `nsinit: trace: +123us step object` when tracing is on.
///
/// Inlined into a call of one function per kind of object, with the
/// object's parts in registers: an `Object` passed as such goes through
/// memory (40 bytes), built on the stack at every call site.
#[inline(always)]
pub fn trace(step: &str, object: Object) {
    match object {
        Object::None => trace_name(step, None),
        Object::Name(n) => trace_name(step, Some(n)),
        Object::Typed(n, t) => trace_typed(step, n, t),
        Object::Num(prefix, n) => trace_num(step, prefix, n),
    }
}

#[inline(never)]
fn trace_name(step: &str, name: Option<&[u8]>) {
    trace_object(step, name.map_or(Object::None, Object::Name));
}

#[inline(never)]
fn trace_typed(step: &str, name: &[u8], ty: &[u8]) {
    trace_object(step, Object::Typed(name, ty));
}

#[inline(never)]
fn trace_num(step: &str, prefix: &'static str, n: u64) {
    trace_object(step, Object::Num(prefix, n));
}

#[inline(never)]
fn trace_object(step: &str, object: Object) {
    let start = TRACE_START.load(Ordering::Relaxed);
    if start == 0 {
        return;
    }
    let now = sys::monotonic_us();
    let mut l = Line::new();
    write_trace(&mut l, now.saturating_sub(start), step, object);
    l.emit(STDERR);
}

/// `trace: +123us step object`: the object as in an error line, without
/// its `: ` (shared with `write_object`).
fn write_trace(l: &mut Line, us: u64, step: &str, object: Object) {
    l.push(b"trace: +").num(us).push(b"us ").str(step);
    if !matches!(object, Object::None) {
        l.push(b" ");
        write_object(l, object);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Seg;

    fn text(e: &Error) -> String {
        let mut l = Line::new();
        e.write(&mut l);
        String::from_utf8(l.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn formats_errors() {
        let rows: &[(Error, &str)] = &[
            (
                Error::new("mount", Object::Typed(b"/proc", b"proc"), Reason::Errno(Errno::EPERM)),
                "nsinit: mount: /proc (proc): EPERM: operation not permitted",
            ),
            (Error::new("spec", Object::Num("fd ", 3), Reason::Errno(Errno::EBADF)), "nsinit: spec: fd 3: EBADF: bad file number"),
            (Error::new("cli", Object::Name(b"-x"), Reason::Text("unknown option")), "nsinit: cli: -x: unknown option"),
        ];
        for (e, want) in rows {
            assert_eq!(text(e), *want);
        }
        let spec_rows: &[(json::Error, &str)] = &[
            (
                json::Error {
                    path: Path::of(&[Seg::Key(b"mounts"), Seg::Index(2), Seg::Key(b"options"), Seg::Index(1)]),
                    kind: Kind::Unknown("unknown option", b"nosuidd"),
                },
                "nsinit: spec: mounts[2].options[1]: unknown option \"nosuidd\"",
            ),
            (
                json::Error { path: Path::of(&[Seg::Key(b"process"), Seg::Key(b"env"), Seg::Index(1024)]), kind: Kind::TooMany(1024) },
                "nsinit: spec: process.env: more than 1024 entries (nsinit's limit)",
            ),
            (json::Error { path: Path::root(), kind: Kind::Syntax("expected ':'", 17) }, "nsinit: spec: invalid JSON at byte 17: expected ':'"),
            (
                json::Error { path: Path::of(&[Seg::Key(b"mounts"), Seg::Index(3)]), kind: Kind::TooManyInAll(64, "mount options in all") },
                "nsinit: spec: mounts: more than 64 mount options in all (nsinit's limit)",
            ),
            (json::Error { path: Path::of(&[Seg::Key(b"process")]), kind: Kind::Missing("args") }, "nsinit: spec: process: required field \"args\" is missing"),
            (json::Error { path: Path::root(), kind: Kind::Unknown("unknown field", b"x\ny") }, "nsinit: spec: unknown field \"x?y\""),
        ];
        for (e, want) in spec_rows {
            let mut l = Line::new();
            write_spec(e, &mut l);
            assert_eq!(String::from_utf8(l.as_bytes().to_vec()).unwrap(), *want);
        }
    }

    #[test]
    fn formats_traces() {
        let rows: &[(Object, &str)] = &[
            (Object::None, "nsinit: trace: +12us mount"),
            (Object::Name(b"/proc"), "nsinit: trace: +12us mount /proc"),
            (Object::Typed(b"/proc", b"proc"), "nsinit: trace: +12us mount /proc (proc)"),
            (Object::Num("pid ", 7), "nsinit: trace: +12us mount pid 7"),
        ];
        for (o, want) in rows {
            let mut l = Line::new();
            write_trace(&mut l, 12, "mount", *o);
            assert_eq!(String::from_utf8(l.as_bytes().to_vec()).unwrap(), *want);
        }
    }

    #[test]
    fn quoting_and_numbers() {
        let mut l = Line::bare();
        l.quoted(b"a\nb").push(b" ").hex(0x1f).push(b" ").signed(-5).push(b" ").num(0);
        assert_eq!(l.as_bytes(), b"\"a?b\" 0x1f -5 0");
        let mut l = Line::bare();
        l.fill(b"a # b % c#", &[7, 0x1f, 12]).fill(b"#", &[]);
        assert_eq!(l.as_bytes(), b"a 7 b 0x1f c120");
        let mut l = Line::bare();
        l.quoted(&[b'x'; 200]);
        assert_eq!(l.as_bytes().len(), 96 + 2 + 3);
    }

    #[test]
    fn long_lines_are_cut() {
        let mut l = Line::bare();
        for _ in 0..100 {
            l.push(&[b'y'; 50]);
        }
        assert_eq!(l.as_bytes().len(), 1023);
    }
}
