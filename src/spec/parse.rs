//! The schema walk: JSON → `Spec`, one function per object of the OCI
//! schema, each a `match` on the keys nsinit reads; every other key is
//! skipped. Fields that are the parent's job are skipped on purpose, and
//! fields asking for confinement nsinit cannot apply are refused here.

use super::*;
use crate::caps;
use crate::json::{Error, Fail, Kind, Parser, Result};
use crate::mount::options::{self, Word};
use crate::rlimits;
use crate::seccomp::{self, ActionKind, Op};
use heapless::VecView;

/// Reads the fields of the object just opened: a `match` on each key
/// that names one, whose arms' names are the fields nsinit reads;
/// `Parser::next_field` matches keys to them as runc's Go does (exactly,
/// else ignoring ASCII case), refuses a field given twice, and skips the
/// value of every other key. The names are written once, in the arms;
/// each arm matches the index `next_field` found, a constant: one byte
/// compare per arm where a `match` on the name compared the key with each
/// name again.
macro_rules! fields {
    ($p:ident, { $($($name:literal)|+ => $body:expr),+ $(,)? }) => {{
        const NAMES: &[&[u8]] = &[$($($name),+),+];
        while let Some(i) = $p.next_field(packed!(NAMES))? {
            match i {
                $(i if $(i == const { index_of(NAMES, $name) })||+ => $body,)+
                _ => {}
            }
        }
    }};
}

/// `names` packed for `Parser::field`, a 'static constant.
macro_rules! packed {
    ($names:expr) => {{
        const LEN: usize = crate::text::names_len($names);
        const PACKED: [u8; LEN] = crate::text::pack_names($names);
        &PACKED
    }};
}

/// Where `name` is in `names` (evaluated at compile time by `fields!`).
// Evaluated at compile time only: an index out of bounds, or the panic,
// fails the build.
#[allow(clippy::indexing_slicing, clippy::panic)]
const fn index_of(names: &[&[u8]], name: &[u8]) -> usize {
    let mut i = 0;
    'names: while i < names.len() {
        let n = names[i];
        i += 1;
        if n.len() != name.len() {
            continue;
        }
        let mut j = 0;
        while j < n.len() {
            if n[j] != name[j] {
                continue 'names;
            }
            j += 1;
        }
        return i - 1;
    }
    panic!("fields!: a name missing from its own list")
}

/// Reads a whole document into `spec`. The buffer is unescaped in place and
/// `spec` borrows from it. Never inlined: in its one caller the walk
/// compiled ~500 B larger (LTO's choice, and it flips with small changes).
#[inline(never)]
pub fn parse<'a>(doc: &'a mut [u8], spec: &mut Spec<'a>) -> core::result::Result<(), Error<'a>> {
    let mut p = Parser::new(doc);
    document(&mut p, spec).map_err(|_| p.error())?;
    check_names(spec)?;
    check_sysctls(spec)
}

/// runc refuses a hostname or domainname without a UTS namespace: setting
/// it would rename the host.
fn check_names<'a>(spec: &Spec<'a>) -> core::result::Result<(), Error<'a>> {
    if spec.linux.namespaces & libc::CLONE_NEWUTS as u32 != 0 {
        return Ok(());
    }
    let field: &'static [u8] = match (spec.hostname, spec.domainname) {
        (Some(_), _) => b"hostname",
        (None, Some(_)) => b"domainname",
        (None, None) => return Ok(()),
    };
    Err(Error { path: Path::of(&[Seg::Key(field)]), kind: Kind::Invalid("needs a uts namespace in linux.namespaces") })
}

/// runc refuses a sysctl that is not namespaced, or whose namespace the
/// container does not have: writing it would change the host.
fn check_sysctls<'a>(spec: &Spec<'a>) -> core::result::Result<(), Error<'a>> {
    let ns = spec.linux.namespaces;
    let has = |flag: i32| ns & flag as u32 != 0;
    // A key may use "/" for "." (runc accepts both): compare modulo that.
    let same = |a: &[u8], b: &[u8]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || (*x == b'/' && *y == b'.'));
    let starts = |a: &[u8], p: &[u8]| a.get(..p.len()).is_some_and(|h| same(h, p));
    for (k, _) in &spec.linux.sysctl {
        let key = k.to_bytes();
        // Packed (`text::pack_names`): a byte each where a list of `&[u8]` took 16.
        let mut ipc: &[u8] = packed!(&[
            b"kernel.msgmax", b"kernel.msgmnb", b"kernel.msgmni", b"kernel.sem",
            b"kernel.shmall", b"kernel.shmmax", b"kernel.shmmni", b"kernel.shm_rmid_forced",
        ]);
        let mut is_ipc = starts(key, b"fs.mqueue.");
        while let Some((n, rest)) = ipc.split_first().and_then(|(&len, r)| r.split_at_checked(len as usize)) {
            is_ipc |= same(key, n);
            ipc = rest;
        }
        let needs = if is_ipc {
            Some((libc::CLONE_NEWIPC, "needs an ipc namespace"))
        } else if starts(key, b"net.") {
            Some((libc::CLONE_NEWNET, "needs a network namespace"))
        } else if same(key, b"kernel.hostname") || same(key, b"kernel.domainname") {
            Some((libc::CLONE_NEWUTS, "needs a uts namespace"))
        } else {
            None
        };
        let why = match needs {
            Some((flag, _)) if has(flag) => continue,
            Some((_, why)) => why,
            None => "not namespaced: it would change the host",
        };
        let path = Path::of(&[Seg::Key(b"linux"), Seg::Key(b"sysctl"), Seg::Key(key)]);
        return Err(Error { path, kind: Kind::Invalid(why) });
    }
    Ok(())
}

/// Never inlined into `parse`: inlined, the walk shared one frame with
/// the parser's set-up and compiled 172 B larger (LTO's choice).
#[inline(never)]
fn document<'a>(p: &mut Parser<'a>, spec: &mut Spec<'a>) -> Result<()> {
    p.object()?;
    fields!(p, {
        b"root" => root(p, spec)?,
        b"hostname" => spec.hostname = hostname(p)?,
        b"domainname" => spec.domainname = hostname(p)?,
        b"mounts" => mounts(p, spec)?,
        b"process" => process(p, spec)?,
        b"linux" => linux(p, spec)?,
        // ociVersion, annotations, hooks (the parent runs them), and
        // anything else: not nsinit's.
    });
    p.finish()
}

// The failures of the walk, one per kind, out of line: each site passes
// its message in registers where it built the whole `Kind` on the stack
// (push, generic over the limit, built one per list).

#[cold]
#[inline(never)]
fn missing(p: &mut Parser, field: &'static str) -> Fail {
    p.fail(Kind::Missing(field))
}

#[cold]
#[inline(never)]
fn invalid(p: &mut Parser, why: &'static str) -> Fail {
    p.fail(Kind::Invalid(why))
}

#[cold]
#[inline(never)]
fn range(p: &mut Parser, why: &'static str) -> Fail {
    p.fail(Kind::Range(why))
}

#[cold]
#[inline(never)]
fn unsupported(p: &mut Parser, why: &'static str) -> Fail {
    p.fail(Kind::Unsupported(why))
}

#[cold]
#[inline(never)]
fn too_many(p: &mut Parser, limit: usize) -> Fail {
    p.fail(Kind::TooMany(limit))
}

#[cold]
#[inline(never)]
fn unknown<'a>(p: &mut Parser<'a>, what: &'static str, value: &'a [u8]) -> Fail {
    p.fail(Kind::Unknown(what, value))
}

/// Pushes onto a bounded list, or fails naming the limit. A view of the
/// list, so that one copy serves lists of every capacity.
fn push<T>(p: &mut Parser, v: &mut VecView<T>, x: T) -> Result<()> {
    let limit = v.capacity();
    v.push(x).map_err(|_| too_many(p, limit))
}

/// A full pool shared by several lists: the failure says what it counts.
fn in_all<T>(p: &mut Parser, r: Result<T>, what: &'static str) -> Result<T> {
    if r.is_err() {
        p.in_all(what);
    }
    r
}

/// A string that may be null (absent).
fn opt_string<'a>(p: &mut Parser<'a>) -> Result<Option<Str<'a>>> {
    if p.null()? { Ok(None) } else { p.string().map(Some) }
}

/// An optional bool: null is absent, which is false.
fn opt_bool<'a>(p: &mut Parser<'a>) -> Result<bool> {
    if p.null()? { Ok(false) } else { p.bool() }
}

/// A list of strings, each checked by `check`; null is an empty list.
fn strings<'a>(
    p: &mut Parser<'a>,
    out: &mut VecView<Str<'a>>,
    check: fn(&[u8]) -> Option<&'static str>,
) -> Result<()> {
    if !p.array_or_null()? {
        return Ok(());
    }
    while p.elem()? {
        let (s, bytes) = p.string_and_bytes()?;
        if let Some(why) = check(bytes) {
            return Err(invalid(p, why));
        }
        push(p, out, s)?;
    }
    Ok(())
}

fn any(_: &[u8]) -> Option<&'static str> {
    None
}

/// runc refuses an empty syscall name ("empty string is not a valid syscall").
fn syscall_name(s: &[u8]) -> Option<&'static str> {
    if s.is_empty() { Some("empty syscall name") } else { None }
}

/// A path inside the container (mount destination, device, masked and
/// read-only path, cwd): absolute, and without `..`, which OCI's clean
/// paths never hold and which, taken as a name in its parent (a device
/// `/..`), named the directory holding the root.
fn absolute(s: &[u8]) -> Option<&'static str> {
    if s.first() != Some(&b'/') {
        return Some("must be an absolute path");
    }
    if s.split(|&c| c == b'/').any(|c| c == b"..") {
        return Some("must not have \"..\" components");
    }
    None
}

fn env_entry(s: &[u8]) -> Option<&'static str> {
    match s.iter().position(|&c| c == b'=') {
        Some(0) => Some("empty variable name"),
        Some(_) => None,
        None => Some("must be KEY=VALUE"),
    }
}

/// Refuses a non-empty string: confinement nsinit cannot apply.
fn refuse_nonempty<'a>(p: &mut Parser<'a>, why: &'static str) -> Result<()> {
    match opt_string(p)? {
        Some(s) if !s.is_empty() => Err(unsupported(p, why)),
        _ => Ok(()),
    }
}

/// Refuses any value but null: an effect nsinit does not apply.
fn refuse_present<'a>(p: &mut Parser<'a>, why: &'static str) -> Result<()> {
    if p.null()? { Ok(()) } else { Err(unsupported(p, why)) }
}

fn hostname<'a>(p: &mut Parser<'a>) -> Result<Option<Str<'a>>> {
    let s = opt_string(p)?;
    if s.is_some_and(|s| s.to_bytes().len() > MAX_HOSTNAME) {
        return Err(invalid(p, "longer than 64 bytes"));
    }
    Ok(s)
}

fn root<'a>(p: &mut Parser<'a>, spec: &mut Spec<'a>) -> Result<()> {
    let (mut path, mut readonly) = (None, false);
    if !p.object_or_null()? {
        return Ok(());
    }
    fields!(p, {
        b"path" => {
            let s = p.string()?;
            if s.is_empty() {
                return Err(invalid(p, "empty path"));
            }
            path = Some(s);
        },
        b"readonly" => readonly = opt_bool(p)?,
    });
    let path = path.ok_or_else(|| missing(p, "path"))?;
    spec.root = Root { path: Some(path), readonly };
    Ok(())
}

fn mounts<'a>(p: &mut Parser<'a>, spec: &mut Spec<'a>) -> Result<()> {
    if !p.array_or_null()? {
        return Ok(());
    }
    while p.elem()? {
        let (mut destination, mut fstype, mut source) = (None, None, None);
        let mut opts = MountOptions::default();
        let start = spec.mount_data.len();
        p.object()?;
        fields!(p, {
            b"destination" => {
                let s = p.string()?;
                if let Some(why) = absolute(s.to_bytes()) {
                    return Err(invalid(p, why));
                }
                destination = Some(s);
            },
            b"type" => fstype = opt_string(p)?.filter(|s| !s.is_empty()),
            b"source" => source = opt_string(p)?.filter(|s| !s.is_empty()),
            b"options" => mount_options(p, &mut opts, &mut spec.mount_data)?,
            // uidMappings/gidMappings (id-mapped mounts) would change
            // ownership nsinit cannot apply.
            b"uidMappings" | b"gidMappings" => refuse_present(p, "id-mapped mounts are not supported")?,
        });
        let destination = destination.ok_or_else(|| missing(p, "destination"))?;
        let len = spec.mount_data.len() - start;
        let m = Mount { destination, fstype, source, options: opts, data: (start as u16, len as u16) };
        push(p, &mut spec.mounts, m)?;
    }
    Ok(())
}

/// Never inlined: inlined, `Word`'s match became one more jump table
/// (8-byte entries) in the walk, 54 B more in all.
#[inline(never)]
fn mount_options<'a>(p: &mut Parser<'a>, opts: &mut MountOptions, data: &mut Vec<Str<'a>, MAX_MOUNT_DATA>) -> Result<()> {
    if !p.array_or_null()? {
        return Ok(());
    }
    while p.elem()? {
        let w = p.string()?;
        match options::parse_word(w.to_bytes()) {
            Word::Unknown => return Err(unknown(p, "unknown option", w.to_bytes())),
            Word::Unsupported(why) => return Err(unsupported(p, why)),
            Word::Data => {
                let r = push(p, data, w);
                in_all(p, r, "mount data words in all mounts")?
            }
            word => opts.apply(word),
        }
    }
    Ok(())
}

fn process<'a>(p: &mut Parser<'a>, spec: &mut Spec<'a>) -> Result<()> {
    let pr = &mut spec.process;
    if !p.object_or_null()? {
        return Ok(());
    }
    fields!(p, {
        b"terminal" => pr.terminal = opt_bool(p)?,
        b"user" => user(p, &mut pr.user)?,
        b"args" => {
            strings(p, &mut pr.args, any)?;
            if pr.args.first().is_some_and(|a| a.is_empty()) {
                return Err(invalid(p, "the program name (args[0]) is empty"));
            }
        },
        b"env" => {
            // null is absent: the workload keeps nsinit's environment.
            pr.env_given = !p.null()?;
            if pr.env_given {
                strings(p, &mut pr.env, env_entry)?;
            }
        },
        b"cwd" => {
            let s = opt_string(p)?;
            if let Some(why) = s.and_then(|s| absolute(s.to_bytes())) {
                return Err(invalid(p, why));
            }
            pr.cwd = s;
        },
        // null is absent: all five sets empty, as a missing object.
        b"capabilities" => pr.capabilities = capabilities(p, &mut spec.warnings, &mut spec.warnings_dropped)?.unwrap_or_default(),
        b"rlimits" => rlimit_list(p, &mut pr.rlimits)?,
        b"noNewPrivileges" => pr.no_new_privileges = opt_bool(p)?,
        b"oomScoreAdj" => {
            if !p.null()? {
                let v = p.i64()?;
                if !(-1000..=1000).contains(&v) {
                    return Err(range(p, "must be between -1000 and 1000"));
                }
                pr.oom_score_adj = Opt::some(v as i32);
            }
        },
        b"apparmorProfile" => refuse_nonempty(p, "AppArmor is not supported")?,
        b"selinuxLabel" => refuse_nonempty(p, "SELinux is not supported")?,
        // Effects nsinit does not apply: refused rather than ignored.
        b"scheduler" => refuse_present(p, "not supported")?,
        b"ioPriority" => refuse_present(p, "not supported")?,
        b"execCPUAffinity" => refuse_present(p, "not supported")?,
        // consoleSize (the parent sizes the terminal), user.username
        // (Windows), and anything else.
    });
    Ok(())
}

fn user<'a>(p: &mut Parser<'a>, u: &mut User) -> Result<()> {
    if !p.object_or_null()? {
        return Ok(());
    }
    fields!(p, {
        b"uid" => u.uid = id(p)?,
        b"gid" => u.gid = id(p)?,
        b"umask" => {
            if !p.null()? {
                let m = p.u32()?;
                if m > 0o777 {
                    return Err(range(p, "must be at most 0777 (511)"));
                }
                u.umask = Opt::some(m);
            }
        },
        b"additionalGids" => {
            if p.array_or_null()? {
                u.gids_given = true;
                while p.elem()? {
                    let g = id(p)?;
                    push(p, &mut u.additional_gids, g)?;
                }
            }
        },
    });
    Ok(())
}

/// A user or group id. Above 2147483647 the kernel's calls read it as
/// negative, and 4294967295 is -1, "leave unchanged": `setresuid(-1)` would
/// keep the workload root. runc refuses such ids too.
fn id<'a>(p: &mut Parser<'a>) -> Result<u32> {
    let v = p.u64()?;
    match u32::try_from(v) {
        Ok(v) if v <= i32::MAX as u32 => Ok(v),
        _ => Err(range(p, "must be at most 2147483647")),
    }
}

fn capabilities<'a>(
    p: &mut Parser<'a>,
    warnings: &mut Vec<Warning<'a>, MAX_WARNINGS>,
    dropped: &mut u32,
) -> Result<Option<Capabilities>> {
    if !p.object_or_null()? {
        return Ok(None);
    }
    // The five sets, in the order of their names.
    const NAMES: &[&[u8]] = &[b"bounding", b"effective", b"inheritable", b"permitted", b"ambient"];
    let mut sets = [0u64; 5];
    while let Some(i) = p.next_field(packed!(NAMES))? {
        let mut set = 0;
        if !p.array_or_null()? {
            continue;
        }
        while p.elem()? {
            let name = p.string_and_bytes()?.1;
            match caps::from_name(name) {
                Some(cap) => set |= caps::bit(cap),
                // runc skips unknown names with a warning: it grants less.
                // Past the warning list's capacity the name is still skipped.
                None => {
                    if warnings.push(Warning::UnknownCapability(p.path(), name)).is_err() {
                        *dropped = dropped.saturating_add(1);
                    }
                }
            }
        }
        if let Some(s) = sets.get_mut(i) {
            *s = set;
        }
    }
    let [bounding, effective, inheritable, permitted, ambient] = sets;
    Ok(Some(Capabilities { bounding, effective, inheritable, permitted, ambient }))
}

fn rlimit_list<'a>(p: &mut Parser<'a>, out: &mut Vec<Rlimit, MAX_RLIMITS>) -> Result<()> {
    if !p.array_or_null()? {
        return Ok(());
    }
    while p.elem()? {
        let (mut resource, mut soft, mut hard) = (None, None, None);
        p.object()?;
        fields!(p, {
            b"type" => {
                let t = p.string_and_bytes()?.1;
                let r = rlimits::from_name(t).ok_or_else(|| unknown(p, "unknown resource", t))?;
                if out.iter().any(|l| l.resource == r) {
                    return Err(unknown(p, "duplicate resource", t));
                }
                resource = Some(r);
            },
            b"soft" => soft = Some(p.u64()?),
            b"hard" => hard = Some(p.u64()?),
        });
        let resource = resource.ok_or_else(|| missing(p, "type"))?;
        let soft = soft.ok_or_else(|| missing(p, "soft"))?;
        let hard = hard.ok_or_else(|| missing(p, "hard"))?;
        if soft > hard {
            return Err(invalid(p, "soft limit above the hard limit"));
        }
        push(p, out, Rlimit { resource, soft, hard })?;
    }
    Ok(())
}

fn linux<'a>(p: &mut Parser<'a>, spec: &mut Spec<'a>) -> Result<()> {
    let l = &mut spec.linux;
    if !p.object_or_null()? {
        return Ok(());
    }
    fields!(p, {
        b"namespaces" => namespaces(p, l)?,
        b"rootfsPropagation" => {
            if let Some(s) = opt_string(p)?.filter(|s| !s.is_empty()) {
                let prop = options::parse_propagation(s.to_bytes())
                    .ok_or_else(|| unknown(p, "unknown propagation", s.to_bytes()))?;
                l.rootfs_propagation = Opt::some(prop);
            }
        },
        b"maskedPaths" => strings(p, &mut l.masked_paths, absolute)?,
        b"readonlyPaths" => strings(p, &mut l.readonly_paths, absolute)?,
        b"devices" => devices(p, &mut l.devices)?,
        b"sysctl" => sysctl(p, &mut l.sysctl)?,
        b"seccomp" => seccomp(p, &mut l.seccomp)?,
        b"mountLabel" => refuse_nonempty(p, "SELinux is not supported")?,
        b"intelRdt" => refuse_present(p, "Intel RDT is not supported")?,
        b"personality" => refuse_present(p, "not supported")?,
        b"memoryPolicy" => refuse_present(p, "not supported")?,
        // uidMappings, gidMappings, resources, cgroupsPath, timeOffsets,
        // netDevices: the parent's job.
    });
    Ok(())
}

/// The CLONE_NEW* flag of an OCI namespace type. A table, not a `match`
/// on the names (which compiled to ~390 B of compares).
fn namespace_flag(t: &[u8]) -> Option<i32> {
    const TYPES: [&[u8]; 8] = [b"pid", b"network", b"mount", b"ipc", b"uts", b"user", b"cgroup", b"time"];
    const FLAGS: [i32; 8] = [
        libc::CLONE_NEWPID,
        libc::CLONE_NEWNET,
        libc::CLONE_NEWNS,
        libc::CLONE_NEWIPC,
        libc::CLONE_NEWUTS,
        libc::CLONE_NEWUSER,
        libc::CLONE_NEWCGROUP,
        0x80, // CLONE_NEWTIME
    ];
    TYPES.iter().position(|n| *n == t).and_then(|i| FLAGS.get(i).copied())
}

fn namespaces<'a>(p: &mut Parser<'a>, l: &mut Linux<'a>) -> Result<()> {
    if !p.array_or_null()? {
        return Ok(());
    }
    while p.elem()? {
        let (mut flag, mut joined) = (None, false);
        p.object()?;
        fields!(p, {
            b"type" => {
                let t = p.string_and_bytes()?.1;
                let f = namespace_flag(t).ok_or_else(|| unknown(p, "unknown namespace type", t))? as u32;
                if l.namespaces & f != 0 {
                    return Err(unknown(p, "duplicate namespace type", t));
                }
                flag = Some(f);
            },
            b"path" => joined = opt_string(p)?.is_some_and(|s| !s.is_empty()),
        });
        let f = flag.ok_or_else(|| missing(p, "type"))?;
        l.namespaces |= f;
        if !joined {
            l.new_namespaces |= f;
        }
    }
    Ok(())
}

fn devices<'a>(p: &mut Parser<'a>, out: &mut Vec<Device<'a>, MAX_DEVICES>) -> Result<()> {
    if !p.array_or_null()? {
        return Ok(());
    }
    while p.elem()? {
        let (mut path, mut kind, mut major, mut minor) = (None, None, None, None);
        let (mut file_mode, mut uid, mut gid) = (None, None, None);
        p.object()?;
        fields!(p, {
            b"path" => {
                let s = p.string()?;
                if let Some(why) = absolute(s.to_bytes()) {
                    return Err(invalid(p, why));
                }
                path = Some(s);
            },
            b"type" => {
                let t = p.string_and_bytes()?.1;
                kind = Some(match t {
                    b"c" | b"u" => libc::S_IFCHR,
                    b"b" => libc::S_IFBLK,
                    b"p" => libc::S_IFIFO,
                    _ => return Err(unknown(p, "unknown device type", t)),
                });
            },
            b"major" => major = if p.null()? { None } else { Some(dev_number(p)?) },
            b"minor" => minor = if p.null()? { None } else { Some(dev_number(p)?) },
            b"fileMode" => {
                if !p.null()? {
                    let m = p.u32()?;
                    if m > 0o7777 {
                        return Err(range(p, "must be at most 07777 (4095)"));
                    }
                    file_mode = Some(m);
                }
            },
            b"uid" => uid = if p.null()? { None } else { Some(id(p)?) },
            b"gid" => gid = if p.null()? { None } else { Some(id(p)?) },
        });
        let path = path.ok_or_else(|| missing(p, "path"))?;
        let kind = kind.ok_or_else(|| missing(p, "type"))?;
        // A FIFO has no numbers; character and block devices need both.
        let (major, minor) = if kind == libc::S_IFIFO {
            (major.unwrap_or(0), minor.unwrap_or(0))
        } else {
            (major.ok_or_else(|| missing(p, "major"))?, minor.ok_or_else(|| missing(p, "minor"))?)
        };
        push(p, out, Device { path, kind, major, minor, file_mode, uid, gid })?;
    }
    Ok(())
}

/// A device number: major and minor are 32-bit in the kernel's dev_t.
fn dev_number<'a>(p: &mut Parser<'a>) -> Result<u64> {
    let v = p.i64()?;
    u32::try_from(v).map(u64::from).map_err(|_| range(p, "must be between 0 and 4294967295"))
}

fn sysctl<'a>(p: &mut Parser<'a>, out: &mut Vec<(Str<'a>, Str<'a>), MAX_SYSCTL>) -> Result<()> {
    if !p.object_or_null()? {
        return Ok(());
    }
    while let Some(k) = p.key()? {
        // Exactly (a map's keys are data), each once.
        p.field(b"")?;
        let name = p.last_key();
        // A key must name a file under /proc/sys: no empty component, no
        // "..", no "/" that would step out.
        let bad = name.is_empty() || name.split(|&c| c == b'.' || c == b'/').any(|c| c.is_empty() || c == b"..");
        if bad {
            return Err(unknown(p, "invalid sysctl name", name));
        }
        let v = p.string()?;
        push(p, out, (k, v))?;
    }
    Ok(())
}

fn seccomp<'a>(p: &mut Parser<'a>, s: &mut Seccomp<'a>) -> Result<()> {
    let mut default = None;
    let mut default_errno = None;
    if !p.object_or_null()? {
        return Ok(());
    }
    s.architectures = seccomp::ARCH_X86_64;
    fields!(p, {
        b"defaultAction" => default = Some(action_kind(p)?),
        b"defaultErrnoRet" => default_errno = errno_ret(p)?,
        b"architectures" => {
            if p.array_or_null()? {
                while p.elem()? {
                    let a = p.string_and_bytes()?.1;
                    let bit = seccomp::arch_from_name(a).ok_or_else(|| unknown(p, "unknown architecture", a))?;
                    s.architectures |= bit;
                }
            }
        },
        b"flags" => {
            if p.array_or_null()? {
                while p.elem()? {
                    let f = p.string_and_bytes()?.1;
                    s.flags |= seccomp::flag_from_name(f).ok_or_else(|| unknown(p, "unknown flag", f))?;
                }
            }
        },
        b"listenerPath" => refuse_nonempty(p, "seccomp notify listeners are not supported")?,
        b"syscalls" => syscall_rules(p, s)?,
    });
    let default = default.ok_or_else(|| missing(p, "defaultAction"))?;
    s.default_action = default.with_data(default_errno).ok_or_else(|| unsupported(p, "SCMP_ACT_NOTIFY is not supported"))?;
    s.present = true;
    Ok(())
}

fn action_kind<'a>(p: &mut Parser<'a>) -> Result<ActionKind> {
    let a = p.string_and_bytes()?.1;
    let kind = seccomp::Action::kind_from_name(a).ok_or_else(|| unknown(p, "unknown action", a))?;
    if kind == ActionKind::Notify {
        return Err(unsupported(p, "SCMP_ACT_NOTIFY is not supported"));
    }
    Ok(kind)
}

/// `errnoRet`: 16 bits, as libseccomp keeps an action's data (TRACE takes
/// all of them); SCMP_ACT_ERRNO's own limit, 4094, is checked where the
/// action is known (`seccomp::compile::MAX_ERRNO_RET`).
fn errno_ret<'a>(p: &mut Parser<'a>) -> Result<Option<u16>> {
    if p.null()? {
        return Ok(None);
    }
    let v = p.u64()?;
    u16::try_from(v).map(Some).map_err(|_| range(p, "must be at most 65535"))
}

fn syscall_rules<'a>(p: &mut Parser<'a>, s: &mut Seccomp<'a>) -> Result<()> {
    if !p.array_or_null()? {
        return Ok(());
    }
    while p.elem()? {
        let (mut kind, mut errno) = (None, None);
        let names_start = s.names.len();
        let args_start = s.args.len();
        p.object()?;
        fields!(p, {
            b"names" => {
                let r = strings(p, &mut s.names, syscall_name);
                in_all(p, r, "syscall names in all rules")?
            },
            b"action" => kind = Some(action_kind(p)?),
            b"errnoRet" => errno = errno_ret(p)?,
            b"args" => {
                let r = syscall_args(p, &mut s.args);
                in_all(p, r, "argument conditions in all rules")?
            },
        });
        let action = kind
            .ok_or_else(|| missing(p, "action"))?
            .with_data(errno)
            .ok_or_else(|| unsupported(p, "SCMP_ACT_NOTIFY is not supported"))?;
        let names = (names_start as u16, (s.names.len() - names_start) as u16);
        let args = (args_start as u16, (s.args.len() - args_start) as u16);
        push(p, &mut s.rules, Rule { action, names, args })?;
    }
    Ok(())
}

fn syscall_args<'a>(p: &mut Parser<'a>, out: &mut Vec<crate::seccomp::ArgCmp, MAX_SECCOMP_ARGS>) -> Result<()> {
    if !p.array_or_null()? {
        return Ok(());
    }
    while p.elem()? {
        let (mut index, mut value, mut value_two, mut op) = (None, None, 0, None);
        p.object()?;
        fields!(p, {
            b"index" => {
                let i = p.u64()?;
                if i > 5 {
                    return Err(range(p, "must be between 0 and 5"));
                }
                index = Some(i as u8);
            },
            b"value" => value = Some(p.u64()?),
            b"valueTwo" => value_two = if p.null()? { 0 } else { p.u64()? },
            b"op" => {
                let o = p.string_and_bytes()?.1;
                op = Some(Op::from_name(o).ok_or_else(|| unknown(p, "unknown operator", o))?);
            },
        });
        let index = index.ok_or_else(|| missing(p, "index"))?;
        let value = value.ok_or_else(|| missing(p, "value"))?;
        let op = op.ok_or_else(|| missing(p, "op"))?;
        push(p, out, crate::seccomp::ArgCmp { index, op, value, value_two })?;
    }
    Ok(())
}
