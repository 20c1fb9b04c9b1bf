//! Unit tests of the spec walk, table-driven: a named row per case. Rows that
//! expect an error assert the whole line nsinit prints for it
//! (`nsinit: spec: mounts[2].options[1]: unknown option "nosuidd"`).

use super::*;
use crate::diag;
use crate::json;
use crate::seccomp::{ARCH_X32, ARCH_X86, ARCH_X86_64, Op};
use crate::sys::cell::Once;
use libc::{MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC, MS_RELATIME, MS_STRICTATIME};
use std::vec::Vec;

const RUNC_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/runc-spec-config.json");
const RUNC_ROOTLESS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/runc-spec-rootless-config.json");
const DOCKER_SECCOMP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/docker-default-seccomp.json");

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Docker's profile as the `linux.seccomp` of a compact spec.
fn docker_spec() -> Vec<u8> {
    let mut doc = br#"{"linux":{"seccomp":"#.to_vec();
    doc.extend(fixture(DOCKER_SECCOMP));
    doc.extend(b"}}");
    doc
}

/// The line nsinit prints for a spec error.
fn line(e: json::Error) -> String {
    let mut l = diag::Line::new();
    diag::write_spec(&e, &mut l);
    String::from_utf8_lossy(l.as_bytes()).into_owned()
}

/// Parses a document into a spec on the heap (the spec is ~170 KB: never on a
/// test thread's stack). The document is leaked: the spec borrows from it.
fn parse_doc(doc: &[u8]) -> Result<Box<Spec<'static>>, String> {
    let buf: &'static mut [u8] = Box::leak(doc.to_vec().into_boxed_slice());
    let mut spec = Box::<Spec<'static>>::default();
    parse(buf, &mut spec).map(|()| spec).map_err(line)
}

fn ok(name: &str, doc: &[u8]) -> Box<Spec<'static>> {
    parse_doc(doc).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn text(s: Str) -> String {
    String::from_utf8_lossy(s.to_bytes()).into_owned()
}

fn texts(v: &[Str]) -> Vec<String> {
    v.iter().map(|s| text(*s)).collect()
}

fn opt_text(s: Option<Str>) -> Option<String> {
    s.map(text)
}

/// The `first_unsupported` line, if any.
fn unsupported(s: &Spec<'static>) -> Option<String> {
    s.first_unsupported().map(line)
}

fn warning_lines(s: &Spec<'static>) -> Vec<String> {
    s.warnings
        .iter()
        .map(|w| {
            let mut l = diag::Line::new();
            diag::write_spec(&w.to_error(), &mut l);
            String::from_utf8_lossy(l.as_bytes()).into_owned()
        })
        .collect()
}

/// Fails with every row that went wrong, not just the first.
fn report(failed: Vec<String>) {
    if failed.is_empty() {
        return;
    }
    let msg = format!("{} row(s) failed:\n{}\n", failed.len(), failed.join("\n"));
    // On the musl target a panic cannot unwind (the binary is linked with
    // --no-eh-frame-hdr) and aborts before the harness prints its message:
    // write it first, to the real stderr (past the harness's capture).
    let _ = std::io::Write::write_all(&mut std::io::stderr(), msg.as_bytes());
    panic!("{msg}");
}

/// Rows `(name, document, the line nsinit prints)`.
fn expect_errors(rows: &[(&str, &str, &str)]) {
    let mut failed = Vec::new();
    for (name, doc, want) in rows {
        match parse_doc(doc.as_bytes()) {
            Err(got) if got == *want => {}
            Err(got) => failed.push(format!("{name}:\n    got  {got}\n    want {want}")),
            Ok(_) => failed.push(format!("{name}: parsed, want {want}")),
        }
    }
    report(failed);
}

type Check = fn(&Spec<'static>) -> bool;

/// Rows `(name, document, a check of the parsed spec)`.
fn expect_ok(rows: &[(&str, &str, Check)]) {
    let mut failed = Vec::new();
    for (name, doc, check) in rows {
        match parse_doc(doc.as_bytes()) {
            Ok(s) if check(&s) => {}
            Ok(_) => failed.push(format!("{name}: parsed, but the check fails")),
            Err(e) => failed.push(format!("{name}: {e}")),
        }
    }
    report(failed);
}

/// `Once::zeroed` relies on an all-zero Spec being the empty spec.
#[test]
fn zeroed_spec_is_empty() {
    static S: Once<Spec<'static>> = Once::zeroed();
    let s = S.take().unwrap();
    assert!(s.root.path.is_none() && !s.root.readonly && s.hostname.is_none() && s.domainname.is_none());
    assert!(s.mounts.is_empty() && s.mount_data.is_empty() && s.warnings.is_empty());
    let p = &s.process;
    assert!(!p.terminal && p.args.is_empty() && p.env.is_empty() && p.cwd.is_none());
    assert!(p.capabilities == Capabilities::default() && p.rlimits.is_empty() && !p.no_new_privileges && !p.oom_score_adj.is_some());
    assert_eq!((p.user.uid, p.user.gid, p.user.umask.get()), (0, 0, None));
    assert!(p.user.additional_gids.is_empty() && !p.user.gids_given);
    let l = &s.linux;
    assert_eq!((l.namespaces, l.new_namespaces, l.rootfs_propagation.get()), (0, 0, None));
    assert!(l.masked_paths.is_empty() && l.readonly_paths.is_empty() && l.devices.is_empty() && l.sysctl.is_empty());
    assert!(!l.seccomp.present && l.seccomp.rules.is_empty() && l.seccomp.names.is_empty());
    assert!(s.first_unsupported().is_none());
}

// ---- 1. The configs `runc spec` writes --------------------------------------

struct WantMount {
    destination: &'static str,
    fstype: &'static str,
    source: &'static str,
    flags: u64,
    data: &'static [&'static str],
}

struct WantConfig {
    name: &'static str,
    path: &'static str,
    mounts: &'static [WantMount],
    /// CLONE_NEW* of every namespace listed; all are new (no `path`).
    namespaces: u32,
}

const NS_PID: u32 = libc::CLONE_NEWPID as u32;
const NS_NET: u32 = libc::CLONE_NEWNET as u32;
const NS_IPC: u32 = libc::CLONE_NEWIPC as u32;
const NS_UTS: u32 = libc::CLONE_NEWUTS as u32;
const NS_MNT: u32 = libc::CLONE_NEWNS as u32;
const NS_USER: u32 = libc::CLONE_NEWUSER as u32;
const NS_CGROUP: u32 = libc::CLONE_NEWCGROUP as u32;
/// CLONE_NEWTIME (linux/sched.h), not in every libc.
const NS_TIME: u32 = 0x80;

/// Capability numbers (linux/capability.h), written out rather than taken
/// from `caps::NAMES`, which is under test here too.
const CAP_KILL: u64 = 1 << 5;
const CAP_NET_BIND_SERVICE: u64 = 1 << 10;
const CAP_AUDIT_WRITE: u64 = 1 << 29;

#[test]
fn runc_spec_configs() {
    let rows = [
        WantConfig {
            name: "runc spec",
            path: RUNC_CONFIG,
            mounts: &[
                WantMount { destination: "/proc", fstype: "proc", source: "proc", flags: 0, data: &[] },
                WantMount {
                    destination: "/dev",
                    fstype: "tmpfs",
                    source: "tmpfs",
                    flags: MS_NOSUID | MS_STRICTATIME,
                    data: &["mode=755", "size=65536k"],
                },
                WantMount {
                    destination: "/dev/pts",
                    fstype: "devpts",
                    source: "devpts",
                    flags: MS_NOSUID | MS_NOEXEC,
                    data: &["newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
                },
                WantMount {
                    destination: "/dev/shm",
                    fstype: "tmpfs",
                    source: "shm",
                    flags: MS_NOSUID | MS_NOEXEC | MS_NODEV,
                    data: &["mode=1777", "size=65536k"],
                },
                WantMount {
                    destination: "/dev/mqueue",
                    fstype: "mqueue",
                    source: "mqueue",
                    flags: MS_NOSUID | MS_NOEXEC | MS_NODEV,
                    data: &[],
                },
                WantMount {
                    destination: "/sys",
                    fstype: "sysfs",
                    source: "sysfs",
                    flags: MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY,
                    data: &[],
                },
                WantMount {
                    destination: "/sys/fs/cgroup",
                    fstype: "cgroup",
                    source: "cgroup",
                    flags: MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY,
                    data: &[],
                },
            ],
            namespaces: NS_PID | NS_NET | NS_IPC | NS_UTS | NS_MNT,
        },
        WantConfig {
            name: "runc spec --rootless",
            path: RUNC_ROOTLESS,
            mounts: &[
                WantMount { destination: "/proc", fstype: "proc", source: "proc", flags: 0, data: &[] },
                WantMount {
                    destination: "/dev",
                    fstype: "tmpfs",
                    source: "tmpfs",
                    flags: MS_NOSUID | MS_STRICTATIME,
                    data: &["mode=755", "size=65536k"],
                },
                WantMount {
                    destination: "/dev/pts",
                    fstype: "devpts",
                    source: "devpts",
                    flags: MS_NOSUID | MS_NOEXEC,
                    data: &["newinstance", "ptmxmode=0666", "mode=0620"],
                },
                WantMount {
                    destination: "/dev/shm",
                    fstype: "tmpfs",
                    source: "shm",
                    flags: MS_NOSUID | MS_NOEXEC | MS_NODEV,
                    data: &["mode=1777", "size=65536k"],
                },
                WantMount {
                    destination: "/dev/mqueue",
                    fstype: "mqueue",
                    source: "mqueue",
                    flags: MS_NOSUID | MS_NOEXEC | MS_NODEV,
                    data: &[],
                },
                WantMount {
                    destination: "/sys",
                    fstype: "none",
                    source: "/sys",
                    flags: MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY,
                    data: &[],
                },
                WantMount {
                    destination: "/sys/fs/cgroup",
                    fstype: "cgroup",
                    source: "cgroup",
                    flags: MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY,
                    data: &[],
                },
            ],
            // A user namespace instead of a network one: no `lo` to bring up.
            namespaces: NS_PID | NS_IPC | NS_UTS | NS_MNT | NS_USER,
        },
    ];
    for w in &rows {
        let s = ok(w.name, &fixture(w.path));
        let n = w.name;
        assert_eq!(opt_text(s.root.path).as_deref(), Some("rootfs"), "{n}");
        assert!(s.root.readonly, "{n}");
        assert_eq!(opt_text(s.hostname).as_deref(), Some("runc"), "{n}");
        assert_eq!(s.domainname.map(text), None, "{n}");

        assert_eq!(s.mounts.len(), w.mounts.len(), "{n}");
        for (i, (m, want)) in s.mounts.iter().zip(w.mounts).enumerate() {
            let at = format!("{n}: mounts[{i}]");
            assert_eq!(text(m.destination), want.destination, "{at}");
            assert_eq!(opt_text(m.fstype).as_deref(), Some(want.fstype), "{at}");
            assert_eq!(opt_text(m.source).as_deref(), Some(want.source), "{at}");
            assert_eq!(m.options.flags, want.flags, "{at}: flags {:#x}", m.options.flags);
            assert_eq!((m.options.propagation, m.options.rec_set, m.options.rec_clr), (0, 0, 0), "{at}");
            assert_eq!(texts(s.data_of(m)), want.data, "{at}");
        }
        let data_words: usize = w.mounts.iter().map(|m| m.data.len()).sum();
        assert_eq!(s.mount_data.len(), data_words, "{n}");

        let p = &s.process;
        assert!(p.terminal, "{n}");
        assert_eq!((p.user.uid, p.user.gid, p.user.umask.get()), (0, 0, None), "{n}");
        assert!(p.user.additional_gids.is_empty() && !p.user.gids_given, "{n}");
        assert_eq!(texts(&p.args), ["sh"], "{n}");
        assert_eq!(texts(&p.env), ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"], "{n}");
        assert_eq!(opt_text(p.cwd).as_deref(), Some("/"), "{n}");
        let three = CAP_AUDIT_WRITE | CAP_KILL | CAP_NET_BIND_SERVICE;
        let want_caps =
            Capabilities { bounding: three, effective: three, inheritable: 0, permitted: three, ambient: three };
        assert_eq!(p.capabilities, want_caps, "{n}");
        let nofile = Rlimit { resource: libc::RLIMIT_NOFILE as u32, soft: 1024, hard: 1024 };
        assert_eq!(p.rlimits.as_slice(), [nofile], "{n}");
        assert!(p.no_new_privileges, "{n}");
        assert_eq!(p.oom_score_adj.get(), None, "{n}");

        let l = &s.linux;
        assert_eq!(l.namespaces, w.namespaces, "{n}: {:#x}", l.namespaces);
        assert_eq!(l.new_namespaces, w.namespaces, "{n}: {:#x}", l.new_namespaces);
        assert_eq!(l.rootfs_propagation.get(), None, "{n}");
        let masked = [
            "/proc/acpi",
            "/proc/asound",
            "/proc/kcore",
            "/proc/keys",
            "/proc/latency_stats",
            "/proc/timer_list",
            "/proc/timer_stats",
            "/proc/sched_debug",
            "/sys/firmware",
            "/proc/scsi",
        ];
        assert_eq!(texts(&l.masked_paths), masked, "{n}");
        assert_eq!(texts(&l.readonly_paths), ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"], "{n}");
        assert!(l.devices.is_empty() && l.sysctl.is_empty() && !l.seccomp.present, "{n}");
        assert!(s.warnings.is_empty(), "{n}");
        // Every effect the runc configs ask for is implemented.
        assert_eq!(unsupported(&s).as_deref(), None, "{n}");
    }
}

// ---- 2. Docker's default seccomp profile ------------------------------------

#[test]
fn docker_seccomp_profile() {
    let s = ok("docker profile", &docker_spec());
    let sc = &s.linux.seccomp;
    assert!(sc.present);
    assert_eq!(sc.default_action, Action::Errno(1));
    assert_eq!(sc.architectures, ARCH_X86_64 | ARCH_X86 | ARCH_X32);
    assert_eq!(sc.flags, 0);
    assert_eq!(sc.rules.len(), 13);
    assert_eq!(sc.names.len(), 363);
    assert_eq!(sc.args.len(), 7);
    assert!(sc.names.iter().all(|n| !n.is_empty()));

    let eq = |value| ArgCmp { index: 0, op: Op::Eq, value, value_two: 0 };
    // (rule, action, number of names, its names (all, or the first and last), its conditions)
    let rows: Vec<(usize, Action, usize, Vec<&str>, Vec<ArgCmp>)> = vec![
        (0, Action::Allow, 349, vec!["accept", "writev"], vec![]),
        (1, Action::Allow, 3, vec!["process_vm_readv", "process_vm_writev", "ptrace"], vec![]),
        (2, Action::Allow, 1, vec!["socket"], vec![ArgCmp { index: 0, op: Op::Ne, value: 40, value_two: 0 }]),
        (3, Action::Allow, 1, vec!["personality"], vec![eq(0)]),
        (4, Action::Allow, 1, vec!["personality"], vec![eq(8)]),
        (5, Action::Allow, 1, vec!["personality"], vec![eq(0x20000)]),
        (6, Action::Allow, 1, vec!["personality"], vec![eq(0x20008)]),
        (7, Action::Allow, 1, vec!["personality"], vec![eq(0xffff_ffff)]),
        (8, Action::Allow, 1, vec!["arch_prctl"], vec![]),
        (9, Action::Allow, 1, vec!["modify_ldt"], vec![]),
        (10, Action::Allow, 1, vec!["chroot"], vec![]),
        // clone without any CLONE_NEW* flag: the mask is 0x7E020000.
        (11, Action::Allow, 1, vec!["clone"], vec![ArgCmp { index: 0, op: Op::MaskedEq, value: 0x7E02_0000, value_two: 0 }]),
        (12, Action::Errno(38), 1, vec!["clone3"], vec![]),
    ];
    for (i, action, count, names, args) in rows {
        let r = &sc.rules[i];
        assert_eq!(r.action, action, "rule {i}");
        let got = texts(&sc.names[r.names.0 as usize..][..r.names.1 as usize]);
        assert_eq!(got.len(), count, "rule {i}");
        if names.len() == count {
            assert_eq!(got, names, "rule {i}");
        } else {
            assert_eq!([got[0].as_str(), got[count - 1].as_str()], names[..], "rule {i}");
        }
        assert_eq!(&sc.args[r.args.0 as usize..][..r.args.1 as usize], args, "rule {i}");
    }
    // Rules are laid out in order: each range starts where the last ended.
    let mut next = (0, 0);
    for r in &sc.rules {
        assert_eq!((r.names.0, r.args.0), next);
        next = (r.names.0 + r.names.1, r.args.0 + r.args.1);
    }
    assert_eq!(unsupported(&s).as_deref(), None);
}

// ---- 3. Escaped strings in every kind of string field -----------------------

type GetStr = fn(&Spec<'static>) -> Str<'static>;

/// Every kind of string the walk keeps: (field, document with `@` inside the
/// string, the string as read with `@` in it, the path an error in the string
/// is reported at, where the string lands).
fn string_fields() -> Vec<(&'static str, &'static str, &'static str, &'static str, GetStr)> {
    vec![
        ("args", r#"{"process":{"args":["@"]}}"#, "@", "process.args[0]", |s| s.process.args[0]),
        ("env value", r#"{"process":{"env":["K=@"]}}"#, "K=@", "process.env[0]", |s| s.process.env[0]),
        ("cwd", r#"{"process":{"cwd":"/@"}}"#, "/@", "process.cwd", |s| s.process.cwd.unwrap()),
        ("root path", r#"{"root":{"path":"@"}}"#, "@", "root.path", |s| s.root.path.unwrap()),
        ("hostname", r#"{"hostname":"@","linux":{"namespaces":[{"type":"uts"}]}}"#, "@", "hostname", |s| s.hostname.unwrap()),
        ("domainname", r#"{"domainname":"@","linux":{"namespaces":[{"type":"uts"}]}}"#, "@", "domainname", |s| s.domainname.unwrap()),
        ("mount destination", r#"{"mounts":[{"destination":"/@"}]}"#, "/@", "mounts[0].destination", |s| {
            s.mounts[0].destination
        }),
        ("mount source", r#"{"mounts":[{"destination":"/m","source":"@"}]}"#, "@", "mounts[0].source", |s| {
            s.mounts[0].source.unwrap()
        }),
        ("mount type", r#"{"mounts":[{"type":"@","destination":"/m"}]}"#, "@", "mounts[0].type", |s| {
            s.mounts[0].fstype.unwrap()
        }),
        ("mount data", r#"{"mounts":[{"destination":"/m","options":["k=@"]}]}"#, "k=@", "mounts[0].options[0]", |s| {
            s.mount_data[0]
        }),
        ("masked path", r#"{"linux":{"maskedPaths":["/@"]}}"#, "/@", "linux.maskedPaths[0]", |s| {
            s.linux.masked_paths[0]
        }),
        ("readonly path", r#"{"linux":{"readonlyPaths":["/@"]}}"#, "/@", "linux.readonlyPaths[0]", |s| {
            s.linux.readonly_paths[0]
        }),
        ("device path", r#"{"linux":{"devices":[{"path":"/@","type":"p"}]}}"#, "/@", "linux.devices[0].path", |s| {
            s.linux.devices[0].path
        }),
        // A key: an error in it is reported at its object.
        ("sysctl key", r#"{"linux":{"namespaces":[{"type":"network"}],"sysctl":{"net.a@b":"v"}}}"#, "net.a@b", "linux.sysctl", |s| s.linux.sysctl[0].0),
        ("sysctl value", r#"{"linux":{"namespaces":[{"type":"network"}],"sysctl":{"net.k":"@"}}}"#, "@", "linux.sysctl.net.k", |s| s.linux.sysctl[0].1),
        (
            "seccomp name",
            r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["@"],"action":"SCMP_ACT_LOG"}]}}}"#,
            "@",
            "linux.seccomp.syscalls[0].names[0]",
            |s| s.linux.seccomp.names[0],
        ),
    ]
}

/// `tmpl` with its `@` replaced by `bytes`.
fn fill(tmpl: &str, bytes: &[u8]) -> Vec<u8> {
    let (a, b) = tmpl.split_once('@').unwrap();
    [a.as_bytes(), bytes, b.as_bytes()].concat()
}

#[test]
fn escapes_in_every_string_field() {
    // (escape, what it reads as)
    let good: &[(&str, &str)] = &[
        (r#"\""#, "\""),
        (r#"\\"#, "\\"),
        (r#"\/"#, "/"),
        (r#"\n"#, "\n"),
        (r#"\t\r\b\f"#, "\t\r\u{8}\u{c}"),
        (r#"\u00e9"#, "é"),
        (r#"\u00C9"#, "É"),
        (r#"\u20ac"#, "€"),
        (r#"\ud83d\ude00"#, "😀"),
        (r#"\uD834\uDD1E"#, "𝄞"),
        ("raw ü€😀", "raw ü€😀"),
        (r#"a\"b\\c\/d\u00e9\ud83d\ude00e"#, "a\"b\\c/dé😀e"),
    ];
    enum Bad {
        /// A syntax error at the escape (the `@`), plus this many bytes.
        At(&'static str, usize),
        /// A syntax error at the start of the string.
        AtString(&'static str),
        /// A NUL, which no C string can hold: no byte offset.
        Nul,
    }
    let bad: &[(&str, &[u8], Bad)] = &[
        ("\\u0000", br"\u0000", Bad::Nul),
        ("NUL inside", br"a\u0000b", Bad::Nul),
        ("unknown escape", br"\x", Bad::At("invalid escape", 0)),
        ("escaped quote char", br"\'", Bad::At("invalid escape", 0)),
        ("capital U", br"\U00e9", Bad::At("invalid escape", 0)),
        ("short \\u", br"\u12", Bad::At("invalid escape", 0)),
        ("non-hex \\u", br"\u00g0", Bad::At("invalid escape", 0)),
        ("lone high surrogate", br"\ud83d", Bad::At("invalid escape", 0)),
        ("high surrogate then a letter", br"\ud83dx", Bad::At("invalid escape", 0)),
        ("high surrogate then not a low one", br"\ud83d\u0041", Bad::At("invalid escape", 0)),
        ("two high surrogates", br"\ud83d\ud83d", Bad::At("invalid escape", 0)),
        ("lone low surrogate", br"\ude00", Bad::At("invalid escape", 0)),
        ("backslash before a raw newline", b"\\\n", Bad::At("invalid escape", 0)),
        ("raw control byte", b"a\x01", Bad::At("control character in string", 1)),
        ("raw tab", b"\t", Bad::At("control character in string", 0)),
        ("raw NUL byte", b"\0", Bad::At("control character in string", 0)),
        ("byte 0xff", b"\xff", Bad::AtString("invalid UTF-8 in string")),
        ("lone continuation byte", b"\x80", Bad::AtString("invalid UTF-8 in string")),
        ("cut 2-byte sequence", b"\xc3", Bad::AtString("invalid UTF-8 in string")),
        ("overlong '/'", b"\xc0\xaf", Bad::AtString("invalid UTF-8 in string")),
        ("UTF-8 encoded surrogate", b"\xed\xa0\x80", Bad::AtString("invalid UTF-8 in string")),
        ("above U+10FFFF", b"\xf4\x90\x80\x80", Bad::AtString("invalid UTF-8 in string")),
    ];
    let mut failed = Vec::new();
    for (field, tmpl, shape, path, get) in string_fields() {
        for (esc, want) in good {
            let want = shape.replace('@', want);
            match parse_doc(&fill(tmpl, esc.as_bytes())) {
                Ok(s) if text(get(&s)) == want => {}
                Ok(s) => failed.push(format!("{field} {esc}: read {:?}, want {want:?}", text(get(&s)))),
                Err(e) => failed.push(format!("{field} {esc}: {e}")),
            }
        }
        let at = tmpl.find('@').unwrap();
        let string_start = tmpl[..at].rfind('"').unwrap() + 1;
        for (name, bytes, why) in bad {
            let want = match why {
                Bad::At(what, plus) => format!("nsinit: spec: {path}: invalid JSON at byte {}: {what}", at + plus),
                Bad::AtString(what) => format!("nsinit: spec: {path}: invalid JSON at byte {string_start}: {what}"),
                Bad::Nul => format!("nsinit: spec: {path}: string holds a NUL character"),
            };
            match parse_doc(&fill(tmpl, bytes)) {
                Err(got) if got == want => {}
                Err(got) => failed.push(format!("{field}, {name}:\n    got  {got}\n    want {want}")),
                Ok(_) => failed.push(format!("{field}, {name}: parsed, want {want}")),
            }
        }
    }
    report(failed);
}

/// Keys and names are compared after unescaping, as JSON means them.
#[test]
fn escaped_keys_and_names_match() {
    expect_ok(&[
        ("escaped keys", r#"{"pro\u0063ess":{"\u0061rgs":["x"],"c\u0077d":"\/usr\/bin"}}"#, |s| {
            texts(&s.process.args) == ["x"] && s.process.cwd.map(text).as_deref() == Some("/usr/bin")
        }),
        ("escaped capability", r#"{"process":{"capabilities":{"bounding":["CAP_\u004bILL"]}}}"#, |s| {
            s.process.capabilities.bounding == CAP_KILL
        }),
        (
            "escaped rlimit type",
            r#"{"process":{"rlimits":[{"type":"RLIMIT_NO\u0046ILE","soft":1,"hard":2}]}}"#,
            |s| s.process.rlimits[0].resource == libc::RLIMIT_NOFILE as u32,
        ),
        ("escaped namespace type", r#"{"linux":{"namespaces":[{"type":"net\u0077ork"}]}}"#, |s| {
            s.linux.new_namespaces == NS_NET
        }),
        ("escaped mount option", r#"{"mounts":[{"destination":"/m","options":["nosu\u0069d"]}]}"#, |s| {
            s.mounts[0].options.flags == MS_NOSUID && s.mount_data.is_empty()
        }),
        ("escaped seccomp action", r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_\u0041LLOW"}}}"#, |s| {
            s.linux.seccomp.default_action == Action::Allow
        }),
    ]);
}

/// Every object key of `v` through `f`, but the keys of maps whose keys are
/// data (sysctl names, annotations): Go matches struct fields, not map keys,
/// case-insensitively.
fn recase(v: &serde_json::Value, f: &dyn Fn(&str) -> String) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let data = k == "sysctl" || k == "annotations";
                    (f(k), if data { v.clone() } else { recase(v, f) })
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| recase(v, f)).collect()),
        v => v.clone(),
    }
}

/// runc reads config.json with Go's `encoding/json`, which matches a key to
/// a field exactly, else ignoring case: `"Seccomp"` is the filter and
/// `"NoNewPrivileges"` no_new_privs to runc. nsinit reads them the same, so
/// a spec is never applied with less than runc applies: the runc config and
/// Docker's profile with every key upper-cased, or with the first letter
/// flipped, parse to the same spec.
#[test]
fn keys_match_as_runcs_go_does() {
    for (name, doc) in [("runc config", fixture(RUNC_CONFIG)), ("docker profile", docker_spec())] {
        let v: serde_json::Value = serde_json::from_slice(&doc).unwrap();
        let want = format!("{:?}", ok(name, &doc));
        let flip = |k: &str| {
            let mut c = k.chars();
            c.next().map(|f| if f.is_lowercase() { f.to_uppercase().chain(c).collect() } else { f.to_lowercase().chain(c).collect() }).unwrap_or_default()
        };
        for (how, f) in [("upper", &(|k: &str| k.to_uppercase()) as &dyn Fn(&str) -> String), ("flipped", &flip)] {
            let doc = serde_json::to_vec(&recase(&v, f)).unwrap();
            assert_eq!(format!("{:?}", ok(name, &doc)), want, "{name}, keys {how}");
        }
    }
    expect_ok(&[
        ("Seccomp", r#"{"linux":{"Seccomp":{"DefaultAction":"SCMP_ACT_ERRNO"}}}"#, |s| {
            s.linux.seccomp.present && s.linux.seccomp.default_action == Action::Errno(libc::EPERM as u16)
        }),
        ("NoNewPrivileges", r#"{"process":{"NoNewPrivileges":true}}"#, |s| s.process.no_new_privileges),
        ("Capabilities", r#"{"process":{"Capabilities":{"BOUNDING":["CAP_KILL"]}}}"#, |s| s.process.capabilities.bounding == CAP_KILL),
        ("an unknown key stays skipped", r#"{"process":{"noNewPrivilegesX":true}}"#, |s| !s.process.no_new_privileges),
        // Map keys are data: exact.
        ("sysctl names are not folded", r#"{"linux":{"namespaces":[{"type":"network"}],"sysctl":{"net.ipv4.ip_forward":"1","net.ipv4.IP_FORWARD":"2"}}}"#, |s| {
            s.linux.sysctl.len() == 2
        }),
    ]);
    expect_errors(&[
        // Go merges both into one field; nsinit refuses, as for any duplicate.
        ("exact and folded", r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"},"Seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}}}"#, r#"nsinit: spec: linux: duplicate key "Seccomp""#),
        ("two folded", r#"{"process":{"NoNewPrivileges":true,"NONEWPRIVILEGES":false}}"#, r#"nsinit: spec: process: duplicate key "NONEWPRIVILEGES""#),
        ("folded after many keys", &format!(r#"{{"process":{{{}"capabilities":{{}},"CAPABILITIES":{{}}}}}}"#, (0..40).map(|i| format!(r#""x{i}":1,"#)).collect::<String>()), r#"nsinit: spec: process: duplicate key "CAPABILITIES""#),
        ("refused in any case", r#"{"process":{"ApparmorProfile":"p"}}"#, "nsinit: spec: process.ApparmorProfile: AppArmor is not supported"),
        // Go 1.21+ folds these onto ASCII letters, older Go does not.
        ("long s", "{\"linux\":{\"\u{17f}eccomp\":{}}}", "nsinit: spec: linux.\u{17f}eccomp: key matches a field only by Unicode case folding \"\u{17f}eccomp\""),
        ("kelvin sign", "{\"linux\":{\"mas\u{212a}edPaths\":[]}}", "nsinit: spec: linux.mas\u{212a}edPaths: key matches a field only by Unicode case folding \"mas\u{212a}edPaths\""),
        ("dotless i", "{\"process\":{\"capabil\u{131}ties\":{}}}", "nsinit: spec: process.capabil\u{131}ties: key matches a field only by Unicode case folding \"capabil\u{131}ties\""),
    ]);
}

// ---- 4. Capacities: the limit fits, one more is an error --------------------

/// `n` items made by `item`, comma-separated.
fn list(n: usize, item: impl Fn(usize) -> String) -> String {
    (0..n).map(item).collect::<Vec<_>>().join(",")
}

fn seccomp_doc(rules: &str) -> String {
    format!(r#"{{"linux":{{"seccomp":{{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{rules}]}}}}}}"#)
}

struct Limit {
    name: &'static str,
    limit: usize,
    /// A document with `n` entries.
    doc: fn(usize) -> String,
    /// How many entries the spec holds.
    count: fn(&Spec<'static>) -> usize,
    /// The line for `limit + 1` entries.
    over: &'static str,
}

#[test]
fn capacities() {
    let rows = [
        Limit {
            name: "MAX_ARGS",
            limit: MAX_ARGS,
            doc: |n| format!(r#"{{"process":{{"args":[{}]}}}}"#, list(n, |i| format!(r#""a{i}""#))),
            count: |s| s.process.args.len(),
            over: "nsinit: spec: process.args: more than 1024 entries (nsinit's limit)",
        },
        Limit {
            name: "MAX_ENV",
            limit: MAX_ENV,
            doc: |n| format!(r#"{{"process":{{"env":[{}]}}}}"#, list(n, |i| format!(r#""K{i}=v""#))),
            count: |s| s.process.env.len(),
            over: "nsinit: spec: process.env: more than 1024 entries (nsinit's limit)",
        },
        Limit {
            name: "MAX_MOUNTS",
            limit: MAX_MOUNTS,
            doc: |n| format!(r#"{{"mounts":[{}]}}"#, list(n, |i| format!(r#"{{"destination":"/m{i}"}}"#))),
            count: |s| s.mounts.len(),
            over: "nsinit: spec: mounts: more than 128 entries (nsinit's limit)",
        },
        Limit {
            name: "MAX_MOUNT_DATA in one mount",
            limit: MAX_MOUNT_DATA,
            doc: |n| {
                format!(r#"{{"mounts":[{{"destination":"/m","options":[{}]}}]}}"#, list(n, |i| format!(r#""k{i}=v""#)))
            },
            count: |s| s.data_of(&s.mounts[0]).len(),
            over: "nsinit: spec: mounts[0].options: more than 512 mount data words in all mounts (nsinit's limit)",
        },
        Limit {
            // The limit is on all mounts together; the error names the list
            // whose word went past it.
            name: "MAX_MOUNT_DATA over two mounts",
            limit: MAX_MOUNT_DATA,
            doc: |n| {
                format!(
                    r#"{{"mounts":[{{"destination":"/a","options":[{}]}},{{"destination":"/b","options":["ro",{}]}}]}}"#,
                    list(256, |i| format!(r#""a{i}=v""#)),
                    list(n - 256, |i| format!(r#""b{i}=v""#)),
                )
            },
            count: |s| s.mount_data.len(),
            over: "nsinit: spec: mounts[1].options: more than 512 mount data words in all mounts (nsinit's limit)",
        },
        Limit {
            name: "MAX_PATHS masked",
            limit: MAX_PATHS,
            doc: |n| format!(r#"{{"linux":{{"maskedPaths":[{}]}}}}"#, list(n, |i| format!(r#""/p{i}""#))),
            count: |s| s.linux.masked_paths.len(),
            over: "nsinit: spec: linux.maskedPaths: more than 128 entries (nsinit's limit)",
        },
        Limit {
            name: "MAX_PATHS readonly",
            limit: MAX_PATHS,
            doc: |n| format!(r#"{{"linux":{{"readonlyPaths":[{}]}}}}"#, list(n, |i| format!(r#""/p{i}""#))),
            count: |s| s.linux.readonly_paths.len(),
            over: "nsinit: spec: linux.readonlyPaths: more than 128 entries (nsinit's limit)",
        },
        Limit {
            name: "MAX_DEVICES",
            limit: MAX_DEVICES,
            doc: |n| {
                format!(r#"{{"linux":{{"devices":[{}]}}}}"#, list(n, |i| format!(r#"{{"path":"/dev/f{i}","type":"p"}}"#)))
            },
            count: |s| s.linux.devices.len(),
            over: "nsinit: spec: linux.devices: more than 128 entries (nsinit's limit)",
        },
        Limit {
            name: "MAX_SYSCTL",
            limit: MAX_SYSCTL,
            doc: |n| format!(r#"{{"linux":{{"namespaces":[{{"type":"network"}}],"sysctl":{{{}}}}}}}"#, list(n, |i| format!(r#""net.k{i}":"1""#))),
            count: |s| s.linux.sysctl.len(),
            over: "nsinit: spec: linux.sysctl: more than 128 entries (nsinit's limit)",
        },
        Limit {
            name: "MAX_GIDS",
            limit: MAX_GIDS,
            doc: |n| format!(r#"{{"process":{{"user":{{"additionalGids":[{}]}}}}}}"#, list(n, |i| i.to_string())),
            count: |s| s.process.user.additional_gids.len(),
            over: "nsinit: spec: process.user.additionalGids: more than 256 entries (nsinit's limit)",
        },
        Limit {
            name: "MAX_SECCOMP_RULES",
            limit: MAX_SECCOMP_RULES,
            doc: |n| seccomp_doc(&list(n, |_| r#"{"names":["read"],"action":"SCMP_ACT_ERRNO"}"#.to_string())),
            count: |s| s.linux.seccomp.rules.len(),
            over: "nsinit: spec: linux.seccomp.syscalls: more than 512 entries (nsinit's limit)",
        },
        Limit {
            name: "MAX_SECCOMP_NAMES in one rule",
            limit: MAX_SECCOMP_NAMES,
            doc: |n| seccomp_doc(&format!(r#"{{"names":[{}],"action":"SCMP_ACT_ERRNO"}}"#, list(n, |i| format!(r#""s{i}""#)))),
            count: |s| s.linux.seccomp.names.len(),
            over: "nsinit: spec: linux.seccomp.syscalls[0].names: more than 4096 syscall names in all rules (nsinit's limit)",
        },
        Limit {
            name: "MAX_SECCOMP_NAMES over two rules",
            limit: MAX_SECCOMP_NAMES,
            doc: |n| {
                seccomp_doc(&format!(
                    r#"{{"names":[{}],"action":"SCMP_ACT_ERRNO"}},{{"names":[{}],"action":"SCMP_ACT_LOG"}}"#,
                    list(4000, |i| format!(r#""a{i}""#)),
                    list(n - 4000, |i| format!(r#""b{i}""#)),
                ))
            },
            count: |s| s.linux.seccomp.names.len(),
            over: "nsinit: spec: linux.seccomp.syscalls[1].names: more than 4096 syscall names in all rules (nsinit's limit)",
        },
        Limit {
            name: "MAX_SECCOMP_ARGS in one rule",
            limit: MAX_SECCOMP_ARGS,
            doc: |n| {
                seccomp_doc(&format!(
                    r#"{{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{}]}}"#,
                    list(n, |i| format!(r#"{{"index":{},"value":{i},"op":"SCMP_CMP_EQ"}}"#, i % 6))
                ))
            },
            count: |s| s.linux.seccomp.args.len(),
            over: "nsinit: spec: linux.seccomp.syscalls[0].args: more than 1024 argument conditions in all rules (nsinit's limit)",
        },
        Limit {
            name: "MAX_SECCOMP_ARGS over many rules",
            limit: MAX_SECCOMP_ARGS,
            doc: |n| {
                let arg = r#"{"index":0,"value":1,"op":"SCMP_CMP_EQ"}"#;
                let rule = |k: usize| format!(r#"{{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{}]}}"#, list(k, |_| arg.to_string()));
                seccomp_doc(&format!("{},{}", list(n / 8, |_| rule(8)), rule(n % 8)))
            },
            count: |s| s.linux.seccomp.args.len(),
            over: "nsinit: spec: linux.seccomp.syscalls[128].args: more than 1024 argument conditions in all rules (nsinit's limit)",
        },
        Limit {
            name: "MAX_HOSTNAME",
            limit: MAX_HOSTNAME,
            doc: |n| format!(r#"{{"hostname":"{}","linux":{{"namespaces":[{{"type":"uts"}}]}}}}"#, "h".repeat(n)),
            count: |s| s.hostname.unwrap().to_bytes().len(),
            over: "nsinit: spec: hostname: longer than 64 bytes",
        },
        Limit {
            // Bytes, not characters: 32 two-byte characters fill it.
            name: "MAX_HOSTNAME in UTF-8",
            limit: MAX_HOSTNAME,
            doc: |n| format!(r#"{{"hostname":"{}{}","linux":{{"namespaces":[{{"type":"uts"}}]}}}}"#, "\\u00e9".repeat(n / 2), "h".repeat(n % 2)),
            count: |s| s.hostname.unwrap().to_bytes().len(),
            over: "nsinit: spec: hostname: longer than 64 bytes",
        },
        Limit {
            name: "MAX_HOSTNAME for domainname",
            limit: MAX_HOSTNAME,
            doc: |n| format!(r#"{{"domainname":"{}","linux":{{"namespaces":[{{"type":"uts"}}]}}}}"#, "d".repeat(n)),
            count: |s| s.domainname.unwrap().to_bytes().len(),
            over: "nsinit: spec: domainname: longer than 64 bytes",
        },
    ];
    let mut failed = Vec::new();
    for r in &rows {
        match parse_doc((r.doc)(r.limit).as_bytes()) {
            Ok(s) if (r.count)(&s) == r.limit => {}
            Ok(s) => failed.push(format!("{}: {} entries at the limit, want {}", r.name, (r.count)(&s), r.limit)),
            Err(e) => failed.push(format!("{}: at the limit: {e}", r.name)),
        }
        match parse_doc((r.doc)(r.limit + 1).as_bytes()) {
            Err(got) if got == r.over => {}
            Err(got) => failed.push(format!("{}:\n    got  {got}\n    want {}", r.name, r.over)),
            Ok(_) => failed.push(format!("{}: one past the limit parsed", r.name)),
        }
    }
    report(failed);
}

/// MAX_RLIMITS cannot be exceeded: there are 16 resources, and a resource
/// given twice is an error of its own.
#[test]
fn rlimits_fill_but_cannot_exceed_their_capacity() {
    const ALL: [&str; 16] = [
        "RLIMIT_CPU",
        "RLIMIT_FSIZE",
        "RLIMIT_DATA",
        "RLIMIT_STACK",
        "RLIMIT_CORE",
        "RLIMIT_RSS",
        "RLIMIT_NPROC",
        "RLIMIT_NOFILE",
        "RLIMIT_MEMLOCK",
        "RLIMIT_AS",
        "RLIMIT_LOCKS",
        "RLIMIT_SIGPENDING",
        "RLIMIT_MSGQUEUE",
        "RLIMIT_NICE",
        "RLIMIT_RTPRIO",
        "RLIMIT_RTTIME",
    ];
    assert_eq!(ALL.len(), MAX_RLIMITS);
    let doc = |names: &[&str]| {
        let items = list(names.len(), |i| format!(r#"{{"type":"{}","soft":{i},"hard":{}}}"#, names[i], i + 1));
        format!(r#"{{"process":{{"rlimits":[{items}]}}}}"#)
    };
    let s = ok("all 16", doc(&ALL).as_bytes());
    let got: Vec<_> = s.process.rlimits.iter().map(|r| (r.resource, r.soft, r.hard)).collect();
    let want: Vec<_> = (0..16).map(|i| (i as u32, i as u64, i as u64 + 1)).collect();
    assert_eq!(got, want, "resource numbers in asm-generic/resource.h order");
    let mut seventeen = ALL.to_vec();
    seventeen.push("RLIMIT_CPU");
    expect_errors(&[
        ("a 17th, known", &doc(&seventeen), r#"nsinit: spec: process.rlimits[16].type: duplicate resource "RLIMIT_CPU""#),
        (
            "a 17th, unknown",
            &doc(&[&ALL[..], &["RLIMIT_BOGUS"]].concat()),
            r#"nsinit: spec: process.rlimits[16].type: unknown resource "RLIMIT_BOGUS""#,
        ),
    ]);
}

/// Warnings have a capacity too, but a full list drops the warning, never
/// the spec: an unknown capability is skipped either way (it grants less).
#[test]
fn warnings_past_capacity_are_dropped() {
    let names = list(MAX_WARNINGS + 4, |i| format!(r#""CAP_NOPE{i}""#));
    let doc = format!(r#"{{"process":{{"capabilities":{{"bounding":[{names},"CAP_KILL"]}}}}}}"#);
    let s = ok("20 unknown capabilities", doc.as_bytes());
    assert_eq!(s.warnings.len(), MAX_WARNINGS);
    assert_eq!(s.process.capabilities.bounding, CAP_KILL);
    assert_eq!(
        warning_lines(&s)[15],
        r#"nsinit: spec: process.capabilities.bounding[15]: skipped unknown capability "CAP_NOPE15""#
    );
}

// ---- 5. Malformed JSON --------------------------------------------------------

/// Checks that a syntax error's line reads `nsinit: spec: [path: ]invalid
/// JSON at byte N: what`, with a well-formed path and N as given.
fn well_formed_syntax_line(l: &str, at: usize) -> bool {
    let Some(rest) = l.strip_prefix("nsinit: spec: ") else { return false };
    let Some(i) = rest.find("invalid JSON at byte ") else { return false };
    let (path, tail) = rest.split_at(i);
    let path_ok = path.is_empty()
        || path.strip_suffix(": ").is_some_and(|p| {
            !p.is_empty() && !p.starts_with('.') && !p.ends_with('.') && !p.contains("..") && !p.contains(": ")
        });
    path_ok && tail.starts_with(&format!("invalid JSON at byte {at}: "))
}

/// Every proper prefix of a real document is an error, a syntax error at or
/// before its end: never a panic, never a spec (an object is complete only
/// at its closing brace, the last byte).
fn check_truncations(name: &str, doc: &[u8], failed: &mut Vec<String>) {
    for n in 0..doc.len() {
        let mut buf = doc[..n].to_vec();
        let mut spec = Box::<Spec>::default();
        match parse(&mut buf, &mut spec) {
            Ok(()) => failed.push(format!("{name} cut at {n}: parsed")),
            Err(e) => match e.kind {
                json::Kind::Syntax(_, at) if at <= n => {
                    let l = line(e);
                    if !well_formed_syntax_line(&l, at) {
                        failed.push(format!("{name} cut at {n}: {l}"));
                    }
                }
                _ => failed.push(format!("{name} cut at {n}: not a syntax error: {}", line(e))),
            },
        }
    }
    for (what, whole) in [("whole", doc.to_vec()), ("whole with trailing whitespace", [doc, b" \r\n\t"].concat())] {
        if let Err(e) = parse_doc(&whole) {
            failed.push(format!("{name} {what}: {e}"));
        }
    }
}

#[test]
fn truncated_at_every_byte() {
    let mut failed = Vec::new();
    check_truncations("runc spec", &fixture(RUNC_CONFIG), &mut failed);
    check_truncations("runc spec --rootless", &fixture(RUNC_ROOTLESS), &mut failed);
    check_truncations("docker seccomp", &docker_spec(), &mut failed);
    report(failed);
}

#[test]
fn malformed_json() {
    let deep = |n: usize, inner: &str| format!(r#"{{"x":{}{inner}{}}}"#, "[".repeat(n), "]".repeat(n));
    let deep_objects = |n: usize| format!(r#"{{"x":{}1{}}}"#, r#"{"a":"#.repeat(n), "}".repeat(n));
    let deep_in_linux = |n: usize| format!(r#"{{"linux":{{"x":{}{}}}}}"#, "[".repeat(n), "]".repeat(n));
    expect_errors(&[
        ("empty document", "", "nsinit: spec: invalid JSON at byte 0: unexpected end of input"),
        ("only whitespace", " \n\t", "nsinit: spec: invalid JSON at byte 3: unexpected end of input"),
        ("byte order mark", "\u{feff}{}", "nsinit: spec: invalid JSON at byte 0: expected a JSON value"),
        ("form feed is not whitespace", "\u{c}{}", "nsinit: spec: invalid JSON at byte 0: expected a JSON value"),
        ("top-level array", "[]", "nsinit: spec: expected an object"),
        ("top-level string", r#""{}""#, "nsinit: spec: expected an object"),
        ("top-level number", "1", "nsinit: spec: expected an object"),
        ("top-level null", "null", "nsinit: spec: expected an object"),
        ("top-level true", "true", "nsinit: spec: expected an object"),
        ("trailing garbage", "{} x", "nsinit: spec: invalid JSON at byte 3: trailing characters after the document"),
        ("two documents", "{}{}", "nsinit: spec: invalid JSON at byte 2: trailing characters after the document"),
        ("extra brace", r#"{"hostname":"a"}}"#, "nsinit: spec: invalid JSON at byte 16: trailing characters after the document"),
        ("trailing NUL byte", "{}\0", "nsinit: spec: invalid JSON at byte 2: trailing characters after the document"),
        // A syntax error names the last field read before it and its byte.
        ("trailing comma in object", r#"{"hostname":"a",}"#, "nsinit: spec: hostname: invalid JSON at byte 16: expected a string key"),
        ("trailing comma in array", r#"{"process":{"args":["a",]}}"#, "nsinit: spec: process.args[1]: invalid JSON at byte 24: expected a JSON value"),
        ("trailing comma in a skipped array", r#"{"x":[1,]}"#, "nsinit: spec: x: invalid JSON at byte 8: expected a JSON value"),
        ("trailing comma in a skipped object", r#"{"x":{"a":1,}}"#, "nsinit: spec: x: invalid JSON at byte 12: expected a string key"),
        ("double comma", r#"{"a":1,,"b":2}"#, "nsinit: spec: a: invalid JSON at byte 7: expected a string key"),
        ("leading comma", "{,}", "nsinit: spec: invalid JSON at byte 1: expected a string key"),
        ("missing colon", r#"{"hostname" "a"}"#, "nsinit: spec: invalid JSON at byte 12: expected ':'"),
        ("missing colon in a skipped object", r#"{"x":{"a" 1}}"#, "nsinit: spec: x: invalid JSON at byte 10: expected ':'"),
        ("missing comma", r#"{"hostname":"a" "domainname":"b"}"#, "nsinit: spec: hostname: invalid JSON at byte 16: expected ',' or '}'"),
        ("missing comma in array", r#"{"process":{"args":["a" "b"]}}"#, "nsinit: spec: process.args[0]: invalid JSON at byte 24: expected ',' or ']'"),
        ("array closed by a brace", r#"{"process":{"args":["a"}}"#, "nsinit: spec: process.args[0]: invalid JSON at byte 23: expected ',' or ']'"),
        ("object closed by a bracket", r#"{"mounts":[{"destination":"/a"]}"#, "nsinit: spec: mounts[0].destination: invalid JSON at byte 30: expected ',' or '}'"),
        ("single-quoted key", "{'hostname':'a'}", "nsinit: spec: invalid JSON at byte 1: expected a string key"),
        ("bare key", r#"{hostname:"a"}"#, "nsinit: spec: invalid JSON at byte 1: expected a string key"),
        ("comment", "{/* c */}", "nsinit: spec: invalid JSON at byte 1: expected a string key"),
        ("number as key", r#"{1:"a"}"#, "nsinit: spec: invalid JSON at byte 1: expected a string key"),
        ("unterminated string", r#"{"hostname":"abc"#, "nsinit: spec: hostname: invalid JSON at byte 16: unterminated string"),
        ("unterminated key", r#"{"host"#, "nsinit: spec: invalid JSON at byte 6: unterminated string"),
        ("unterminated nested key", r#"{"process":{"ar"#, "nsinit: spec: process: invalid JSON at byte 15: unterminated string"),
        ("unterminated skipped string", r#"{"x":["abc"#, "nsinit: spec: x: invalid JSON at byte 10: unterminated string"),
        ("cut after an open brace", r#"{"process":{"#, "nsinit: spec: process: invalid JSON at byte 12: expected a string key"),
        ("cut before a value", r#"{"process":"#, "nsinit: spec: process: invalid JSON at byte 11: unexpected end of input"),
        ("lone surrogate", r#"{"hostname":"\ud800"}"#, "nsinit: spec: hostname: invalid JSON at byte 13: invalid escape"),
        ("lone surrogate in a skipped string", r#"{"x":"\udfff"}"#, "nsinit: spec: x: invalid JSON at byte 6: invalid escape"),
        ("misspelled true", r#"{"process":{"terminal":tru}}"#, "nsinit: spec: process.terminal: invalid JSON at byte 23: expected a JSON value"),
        ("misspelled null", r#"{"hostname":nul}"#, "nsinit: spec: hostname: invalid JSON at byte 12: expected a JSON value"),
        ("capitalised True", r#"{"process":{"terminal":True}}"#, "nsinit: spec: process.terminal: invalid JSON at byte 23: expected a JSON value"),
        ("literal run on", r#"{"process":{"terminal":truex}}"#, "nsinit: spec: process.terminal: invalid JSON at byte 27: expected ',' or '}'"),
        ("NaN", r#"{"x": NaN}"#, "nsinit: spec: x: invalid JSON at byte 6: expected a JSON value"),
        ("Infinity", r#"{"process":{"oomScoreAdj":Infinity}}"#, "nsinit: spec: process.oomScoreAdj: invalid JSON at byte 26: expected a JSON value"),
        // Numbers.
        ("leading zero", r#"{"process":{"user":{"uid":01}}}"#, "nsinit: spec: process.user.uid: invalid JSON at byte 26: invalid number"),
        ("leading zero, skipped", r#"{"x": 007}"#, "nsinit: spec: x: invalid JSON at byte 6: invalid number"),
        ("negative leading zero", r#"{"process":{"oomScoreAdj":-01}}"#, "nsinit: spec: process.oomScoreAdj: invalid JSON at byte 26: invalid number"),
        ("bare minus", r#"{"process":{"user":{"uid":-}}}"#, "nsinit: spec: process.user.uid: invalid JSON at byte 26: invalid number"),
        ("no digit after the point", r#"{"process":{"user":{"uid":1.}}}"#, "nsinit: spec: process.user.uid: invalid JSON at byte 26: invalid number"),
        ("no digit in the exponent", r#"{"x":1e+}"#, "nsinit: spec: x: invalid JSON at byte 5: invalid number"),
        ("leading point", r#"{"process":{"user":{"uid":.5}}}"#, "nsinit: spec: process.user.uid: invalid JSON at byte 26: expected a JSON value"),
        ("leading plus", r#"{"process":{"user":{"uid":+1}}}"#, "nsinit: spec: process.user.uid: invalid JSON at byte 26: expected a JSON value"),
        ("hex number", r#"{"process":{"user":{"uid":0x10}}}"#, "nsinit: spec: process.user.uid: invalid JSON at byte 27: expected ',' or '}'"),
        ("fraction for an integer", r#"{"process":{"user":{"uid":1.5}}}"#, "nsinit: spec: process.user.uid: expected a non-negative integer"),
        ("integral fraction", r#"{"process":{"user":{"uid":1.0}}}"#, "nsinit: spec: process.user.uid: expected a non-negative integer"),
        ("exponent for an integer", r#"{"process":{"user":{"uid":1e3}}}"#, "nsinit: spec: process.user.uid: expected a non-negative integer"),
        ("negative for an unsigned", r#"{"process":{"user":{"uid":-1}}}"#, "nsinit: spec: process.user.uid: expected a non-negative integer"),
        ("minus zero for an unsigned", r#"{"process":{"user":{"uid":-0}}}"#, "nsinit: spec: process.user.uid: expected a non-negative integer"),
        ("u32 overflow", r#"{"process":{"user":{"uid":4294967296}}}"#, "nsinit: spec: process.user.uid: must be at most 2147483647"),
        // setresuid(-1) leaves the uid unchanged: root.
        ("uid -1 as u32", r#"{"process":{"user":{"uid":4294967295}}}"#, "nsinit: spec: process.user.uid: must be at most 2147483647"),
        ("gid -1 as u32", r#"{"process":{"user":{"gid":4294967295}}}"#, "nsinit: spec: process.user.gid: must be at most 2147483647"),
        ("uid above i32", r#"{"process":{"user":{"uid":2147483648}}}"#, "nsinit: spec: process.user.uid: must be at most 2147483647"),
        ("additional gid -1", r#"{"process":{"user":{"additionalGids":[1,4294967295]}}}"#, "nsinit: spec: process.user.additionalGids[1]: must be at most 2147483647"),
        ("device uid -1", r#"{"linux":{"devices":[{"path":"/dev/c","type":"c","major":1,"minor":3,"uid":4294967295}]}}"#, "nsinit: spec: linux.devices[0].uid: must be at most 2147483647"),
        ("device gid above i32", r#"{"linux":{"devices":[{"path":"/dev/c","type":"c","major":1,"minor":3,"gid":2147483648}]}}"#, "nsinit: spec: linux.devices[0].gid: must be at most 2147483647"),
        ("u64 overflow", r#"{"process":{"rlimits":[{"type":"RLIMIT_CPU","soft":18446744073709551616,"hard":1}]}}"#, "nsinit: spec: process.rlimits[0].soft: larger than 18446744073709551615"),
        ("huge u64", r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"op":"SCMP_CMP_EQ","value":99999999999999999999999999}]}]}}}"#, "nsinit: spec: linux.seccomp.syscalls[0].args[0].value: larger than 18446744073709551615"),
        ("i64 overflow", r#"{"process":{"oomScoreAdj":9223372036854775808}}"#, "nsinit: spec: process.oomScoreAdj: out of the 64-bit range"),
        ("i64 underflow", r#"{"process":{"oomScoreAdj":-9223372036854775809}}"#, "nsinit: spec: process.oomScoreAdj: out of the 64-bit range"),
        ("exponent for a signed", r#"{"process":{"oomScoreAdj":1e2}}"#, "nsinit: spec: process.oomScoreAdj: expected an integer"),
        ("fraction for a signed", r#"{"process":{"oomScoreAdj":-0.5}}"#, "nsinit: spec: process.oomScoreAdj: expected an integer"),
        // Nesting: values nobody reads are skipped up to 128 levels deep.
        ("129 arrays deep", &deep(129, ""), "nsinit: spec: x: nested deeper than 128 levels"),
        ("129 arrays deep around a value", &deep(129, "1"), "nsinit: spec: x: nested deeper than 128 levels"),
        ("129 objects deep", &deep_objects(129), "nsinit: spec: x: nested deeper than 128 levels"),
        ("129 deep under linux", &deep_in_linux(129), "nsinit: spec: linux.x: nested deeper than 128 levels"),
        ("very deep", &deep(100_000, ""), "nsinit: spec: x: nested deeper than 128 levels"),
        ("deep where a string goes", r#"{"process":{"args":[[["sh"]]]}}"#, "nsinit: spec: process.args[0]: expected a string"),
    ]);
    expect_ok(&[
        ("128 arrays deep", &deep(128, ""), |_| true),
        ("128 arrays deep around a value", &deep(128, "1"), |_| true),
        ("128 objects deep", &deep_objects(128), |_| true),
        ("128 deep under linux", &deep_in_linux(128), |_| true),
        ("all whitespace kinds", "\r\n\t {\r\n\t\"hostname\"\r\n\t:\r\n\t\"h\"\r\n\t,\"linux\":{\"namespaces\":[{\"type\":\"uts\"}]}}\r\n\t", |s| s.hostname.map(text).as_deref() == Some("h")),
        ("numbers in skipped fields", r#"{"x":[0,-0,1.5,-2.5e-3,1E+9,1e9,123456789012345678901234567890]}"#, |_| true),
        ("minus zero for a signed", r#"{"process":{"oomScoreAdj":-0}}"#, |s| s.process.oom_score_adj.get() == Some(0)),
        ("empty object", "{}", |s| s.first_unsupported().is_none()),
        ("empty key", r#"{"":1}"#, |_| true),
    ]);
}

// ---- 6. Wrong types, and null for "absent" ----------------------------------

/// A compact seccomp object around the text given.
macro_rules! sc {
    ($inner:expr) => {
        concat!(r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","#, $inner, "}}}")
    };
}

/// A compact seccomp object with one rule holding the text given.
macro_rules! rule {
    ($inner:expr) => {
        sc!(concat!(r#""syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","#, $inner, "}]"))
    };
}

#[test]
fn wrong_types() {
    expect_errors(&[
        ("root", r#"{"root":[]}"#, "nsinit: spec: root: expected an object"),
        ("root.path", r#"{"root":{"path":1}}"#, "nsinit: spec: root.path: expected a string"),
        ("root.readonly", r#"{"root":{"path":"r","readonly":"yes"}}"#, "nsinit: spec: root.readonly: expected true or false"),
        ("hostname", r#"{"hostname":5}"#, "nsinit: spec: hostname: expected a string"),
        ("domainname", r#"{"domainname":true}"#, "nsinit: spec: domainname: expected a string"),
        ("mounts", r#"{"mounts":{}}"#, "nsinit: spec: mounts: expected an array"),
        ("mounts[]", r#"{"mounts":["/proc"]}"#, "nsinit: spec: mounts[0]: expected an object"),
        ("mounts[].destination", r#"{"mounts":[{"destination":1}]}"#, "nsinit: spec: mounts[0].destination: expected a string"),
        ("mounts[].type", r#"{"mounts":[{"destination":"/a","type":[]}]}"#, "nsinit: spec: mounts[0].type: expected a string"),
        ("mounts[].source", r#"{"mounts":[{"destination":"/a","source":{}}]}"#, "nsinit: spec: mounts[0].source: expected a string"),
        ("mounts[].options", r#"{"mounts":[{"destination":"/a","options":"ro"}]}"#, "nsinit: spec: mounts[0].options: expected an array"),
        ("mounts[].options[]", r#"{"mounts":[{"destination":"/a","options":["ro",1]}]}"#, "nsinit: spec: mounts[0].options[1]: expected a string"),
        ("process", r#"{"process":[]}"#, "nsinit: spec: process: expected an object"),
        ("process.terminal number", r#"{"process":{"terminal":1}}"#, "nsinit: spec: process.terminal: expected true or false"),
        ("process.terminal string", r#"{"process":{"terminal":"true"}}"#, "nsinit: spec: process.terminal: expected true or false"),
        ("process.user", r#"{"process":{"user":1}}"#, "nsinit: spec: process.user: expected an object"),
        ("process.user.uid", r#"{"process":{"user":{"uid":"0"}}}"#, "nsinit: spec: process.user.uid: expected a non-negative integer"),
        ("process.user.gid", r#"{"process":{"user":{"gid":true}}}"#, "nsinit: spec: process.user.gid: expected a non-negative integer"),
        ("process.user.umask", r#"{"process":{"user":{"umask":"022"}}}"#, "nsinit: spec: process.user.umask: expected a non-negative integer"),
        ("process.user.additionalGids", r#"{"process":{"user":{"additionalGids":5}}}"#, "nsinit: spec: process.user.additionalGids: expected an array"),
        ("process.user.additionalGids[]", r#"{"process":{"user":{"additionalGids":[1,"5"]}}}"#, "nsinit: spec: process.user.additionalGids[1]: expected a non-negative integer"),
        ("process.args", r#"{"process":{"args":"sh"}}"#, "nsinit: spec: process.args: expected an array"),
        ("process.args[]", r#"{"process":{"args":["sh",{}]}}"#, "nsinit: spec: process.args[1]: expected a string"),
        ("process.env", r#"{"process":{"env":{"A":"b"}}}"#, "nsinit: spec: process.env: expected an array"),
        ("process.env[]", r#"{"process":{"env":[1]}}"#, "nsinit: spec: process.env[0]: expected a string"),
        ("process.cwd", r#"{"process":{"cwd":1}}"#, "nsinit: spec: process.cwd: expected a string"),
        ("process.capabilities", r#"{"process":{"capabilities":[]}}"#, "nsinit: spec: process.capabilities: expected an object"),
        ("process.capabilities.bounding", r#"{"process":{"capabilities":{"bounding":"CAP_KILL"}}}"#, "nsinit: spec: process.capabilities.bounding: expected an array"),
        ("process.capabilities.effective[]", r#"{"process":{"capabilities":{"effective":[5]}}}"#, "nsinit: spec: process.capabilities.effective[0]: expected a string"),
        ("process.capabilities.ambient[]", r#"{"process":{"capabilities":{"ambient":[null]}}}"#, "nsinit: spec: process.capabilities.ambient[0]: expected a string"),
        ("process.rlimits", r#"{"process":{"rlimits":{}}}"#, "nsinit: spec: process.rlimits: expected an array"),
        ("process.rlimits[]", r#"{"process":{"rlimits":[1]}}"#, "nsinit: spec: process.rlimits[0]: expected an object"),
        ("process.rlimits[].type", r#"{"process":{"rlimits":[{"type":7}]}}"#, "nsinit: spec: process.rlimits[0].type: expected a string"),
        ("process.rlimits[].soft", r#"{"process":{"rlimits":[{"soft":"1"}]}}"#, "nsinit: spec: process.rlimits[0].soft: expected a non-negative integer"),
        ("process.rlimits[].hard", r#"{"process":{"rlimits":[{"hard":true}]}}"#, "nsinit: spec: process.rlimits[0].hard: expected a non-negative integer"),
        ("process.noNewPrivileges string", r#"{"process":{"noNewPrivileges":"true"}}"#, "nsinit: spec: process.noNewPrivileges: expected true or false"),
        ("process.noNewPrivileges number", r#"{"process":{"noNewPrivileges":1}}"#, "nsinit: spec: process.noNewPrivileges: expected true or false"),
        ("process.oomScoreAdj", r#"{"process":{"oomScoreAdj":"1"}}"#, "nsinit: spec: process.oomScoreAdj: expected an integer"),
        ("process.oomScoreAdj bool", r#"{"process":{"oomScoreAdj":true}}"#, "nsinit: spec: process.oomScoreAdj: expected an integer"),
        ("process.apparmorProfile", r#"{"process":{"apparmorProfile":1}}"#, "nsinit: spec: process.apparmorProfile: expected a string"),
        ("process.selinuxLabel", r#"{"process":{"selinuxLabel":[]}}"#, "nsinit: spec: process.selinuxLabel: expected a string"),
        ("linux", r#"{"linux":"x"}"#, "nsinit: spec: linux: expected an object"),
        ("linux.namespaces", r#"{"linux":{"namespaces":{}}}"#, "nsinit: spec: linux.namespaces: expected an array"),
        ("linux.namespaces[]", r#"{"linux":{"namespaces":["pid"]}}"#, "nsinit: spec: linux.namespaces[0]: expected an object"),
        ("linux.namespaces[].type", r#"{"linux":{"namespaces":[{"type":1}]}}"#, "nsinit: spec: linux.namespaces[0].type: expected a string"),
        ("linux.namespaces[].path", r#"{"linux":{"namespaces":[{"type":"pid","path":1}]}}"#, "nsinit: spec: linux.namespaces[0].path: expected a string"),
        ("linux.rootfsPropagation", r#"{"linux":{"rootfsPropagation":1}}"#, "nsinit: spec: linux.rootfsPropagation: expected a string"),
        ("linux.maskedPaths", r#"{"linux":{"maskedPaths":"/x"}}"#, "nsinit: spec: linux.maskedPaths: expected an array"),
        ("linux.readonlyPaths[]", r#"{"linux":{"readonlyPaths":[null]}}"#, "nsinit: spec: linux.readonlyPaths[0]: expected a string"),
        ("linux.devices", r#"{"linux":{"devices":{}}}"#, "nsinit: spec: linux.devices: expected an array"),
        ("linux.devices[]", r#"{"linux":{"devices":[[]]}}"#, "nsinit: spec: linux.devices[0]: expected an object"),
        ("linux.devices[].path", r#"{"linux":{"devices":[{"path":1}]}}"#, "nsinit: spec: linux.devices[0].path: expected a string"),
        ("linux.devices[].type", r#"{"linux":{"devices":[{"type":99}]}}"#, "nsinit: spec: linux.devices[0].type: expected a string"),
        ("linux.devices[].major", r#"{"linux":{"devices":[{"major":"1"}]}}"#, "nsinit: spec: linux.devices[0].major: expected an integer"),
        ("linux.devices[].minor", r#"{"linux":{"devices":[{"minor":1.5}]}}"#, "nsinit: spec: linux.devices[0].minor: expected an integer"),
        ("linux.devices[].fileMode", r#"{"linux":{"devices":[{"fileMode":"0666"}]}}"#, "nsinit: spec: linux.devices[0].fileMode: expected a non-negative integer"),
        ("linux.devices[].uid", r#"{"linux":{"devices":[{"uid":"0"}]}}"#, "nsinit: spec: linux.devices[0].uid: expected a non-negative integer"),
        ("linux.devices[].gid", r#"{"linux":{"devices":[{"gid":[]}]}}"#, "nsinit: spec: linux.devices[0].gid: expected a non-negative integer"),
        ("linux.sysctl", r#"{"linux":{"sysctl":[]}}"#, "nsinit: spec: linux.sysctl: expected an object"),
        ("linux.sysctl value", r#"{"linux":{"sysctl":{"net.a":1}}}"#, "nsinit: spec: linux.sysctl.net.a: expected a string"),
        ("linux.mountLabel", r#"{"linux":{"mountLabel":1}}"#, "nsinit: spec: linux.mountLabel: expected a string"),
        ("linux.seccomp", r#"{"linux":{"seccomp":[]}}"#, "nsinit: spec: linux.seccomp: expected an object"),
        ("linux.seccomp.defaultAction", r#"{"linux":{"seccomp":{"defaultAction":1}}}"#, "nsinit: spec: linux.seccomp.defaultAction: expected a string"),
        ("linux.seccomp.defaultErrnoRet", sc!(r#""defaultErrnoRet":"1""#), "nsinit: spec: linux.seccomp.defaultErrnoRet: expected a non-negative integer"),
        ("linux.seccomp.architectures", sc!(r#""architectures":"SCMP_ARCH_X86""#), "nsinit: spec: linux.seccomp.architectures: expected an array"),
        ("linux.seccomp.architectures[]", sc!(r#""architectures":[1]"#), "nsinit: spec: linux.seccomp.architectures[0]: expected a string"),
        ("linux.seccomp.flags", sc!(r#""flags":{}"#), "nsinit: spec: linux.seccomp.flags: expected an array"),
        ("linux.seccomp.flags[]", sc!(r#""flags":[true]"#), "nsinit: spec: linux.seccomp.flags[0]: expected a string"),
        ("linux.seccomp.listenerPath", sc!(r#""listenerPath":1"#), "nsinit: spec: linux.seccomp.listenerPath: expected a string"),
        ("linux.seccomp.syscalls", sc!(r#""syscalls":{}"#), "nsinit: spec: linux.seccomp.syscalls: expected an array"),
        ("linux.seccomp.syscalls[]", sc!(r#""syscalls":["read"]"#), "nsinit: spec: linux.seccomp.syscalls[0]: expected an object"),
        ("linux.seccomp.syscalls[].names", sc!(r#""syscalls":[{"names":"read"}]"#), "nsinit: spec: linux.seccomp.syscalls[0].names: expected an array"),
        ("linux.seccomp.syscalls[].names[]", sc!(r#""syscalls":[{"names":[1]}]"#), "nsinit: spec: linux.seccomp.syscalls[0].names[0]: expected a string"),
        ("linux.seccomp.syscalls[].action", sc!(r#""syscalls":[{"action":1}]"#), "nsinit: spec: linux.seccomp.syscalls[0].action: expected a string"),
        ("linux.seccomp.syscalls[].errnoRet", rule!(r#""errnoRet":-1"#), "nsinit: spec: linux.seccomp.syscalls[0].errnoRet: expected a non-negative integer"),
        ("linux.seccomp.syscalls[].args", rule!(r#""args":{}"#), "nsinit: spec: linux.seccomp.syscalls[0].args: expected an array"),
        ("linux.seccomp.syscalls[].args[]", rule!(r#""args":[1]"#), "nsinit: spec: linux.seccomp.syscalls[0].args[0]: expected an object"),
        ("linux.seccomp.syscalls[].args[].index", rule!(r#""args":[{"index":"0"}]"#), "nsinit: spec: linux.seccomp.syscalls[0].args[0].index: expected a non-negative integer"),
        ("linux.seccomp.syscalls[].args[].value", rule!(r#""args":[{"value":-1}]"#), "nsinit: spec: linux.seccomp.syscalls[0].args[0].value: expected a non-negative integer"),
        ("linux.seccomp.syscalls[].args[].valueTwo", rule!(r#""args":[{"valueTwo":1.5}]"#), "nsinit: spec: linux.seccomp.syscalls[0].args[0].valueTwo: expected a non-negative integer"),
        ("linux.seccomp.syscalls[].args[].op", rule!(r#""args":[{"op":1}]"#), "nsinit: spec: linux.seccomp.syscalls[0].args[0].op: expected a string"),
        // Required values are not optional: null is the wrong type for them.
        ("null root.path", r#"{"root":{"path":null}}"#, "nsinit: spec: root.path: expected a string"),
        ("null mount destination", r#"{"mounts":[{"destination":null}]}"#, "nsinit: spec: mounts[0].destination: expected a string"),
        ("null rlimit hard", r#"{"process":{"rlimits":[{"type":"RLIMIT_CPU","soft":1,"hard":null}]}}"#, "nsinit: spec: process.rlimits[0].hard: expected a non-negative integer"),
        ("null namespace type", r#"{"linux":{"namespaces":[{"type":null}]}}"#, "nsinit: spec: linux.namespaces[0].type: expected a string"),
        ("null sysctl value", r#"{"linux":{"sysctl":{"net.a":null}}}"#, "nsinit: spec: linux.sysctl.net.a: expected a string"),
        ("null defaultAction", r#"{"linux":{"seccomp":{"defaultAction":null}}}"#, "nsinit: spec: linux.seccomp.defaultAction: expected a string"),
        ("null arg index", rule!(r#""args":[{"index":null}]"#), "nsinit: spec: linux.seccomp.syscalls[0].args[0].index: expected a non-negative integer"),
        ("null char device major", r#"{"linux":{"devices":[{"path":"/dev/c","type":"c","major":null,"minor":1}]}}"#, r#"nsinit: spec: linux.devices[0]: required field "major" is missing"#),
    ]);
}

/// An optional field given as null is absent (as Go's encoding/json, which
/// runc uses, reads it).
#[test]
fn null_means_absent() {
    expect_ok(&[
        ("root", r#"{"root":null}"#, |s| s.root.path.is_none()),
        ("root.readonly", r#"{"root":{"path":"r","readonly":null}}"#, |s| !s.root.readonly),
        ("hostname and domainname", r#"{"hostname":null,"domainname":null}"#, |s| s.hostname.is_none() && s.domainname.is_none()),
        ("mounts", r#"{"mounts":null}"#, |s| s.mounts.is_empty()),
        ("mount type, source, options", r#"{"mounts":[{"destination":"/m","type":null,"source":null,"options":null}]}"#, |s| {
            let m = &s.mounts[0];
            m.fstype.is_none() && m.source.is_none() && m.options.flags == 0 && s.mount_data.is_empty()
        }),
        ("empty mount type and source", r#"{"mounts":[{"destination":"/m","type":"","source":""}]}"#, |s| {
            s.mounts[0].fstype.is_none() && s.mounts[0].source.is_none()
        }),
        ("mount idmaps", r#"{"mounts":[{"destination":"/m","uidMappings":null,"gidMappings":null}]}"#, |s| s.mounts.len() == 1),
        ("process", r#"{"process":null}"#, |s| s.process.args.is_empty()),
        ("process.terminal", r#"{"process":{"terminal":null}}"#, |s| !s.process.terminal),
        ("process.user", r#"{"process":{"user":null}}"#, |s| s.process.user.uid == 0 && !s.process.user.gids_given),
        ("process.user.umask", r#"{"process":{"user":{"umask":null}}}"#, |s| s.process.user.umask.get().is_none()),
        ("process.user.additionalGids", r#"{"process":{"user":{"additionalGids":null}}}"#, |s| {
            !s.process.user.gids_given && s.first_unsupported().is_none()
        }),
        ("process.args, env, cwd", r#"{"process":{"args":null,"env":null,"cwd":null}}"#, |s| {
            s.process.args.is_empty() && s.process.env.is_empty() && s.process.cwd.is_none()
        }),
        ("process.capabilities", r#"{"process":{"capabilities":null}}"#, |s| s.process.capabilities == Capabilities::default()),
        (
            "each capability set",
            r#"{"process":{"capabilities":{"bounding":null,"effective":null,"inheritable":null,"permitted":null,"ambient":null}}}"#,
            |s| s.process.capabilities == Capabilities::default(),
        ),
        ("process.rlimits", r#"{"process":{"rlimits":null}}"#, |s| s.process.rlimits.is_empty()),
        ("process.noNewPrivileges", r#"{"process":{"noNewPrivileges":null}}"#, |s| !s.process.no_new_privileges),
        ("process.oomScoreAdj", r#"{"process":{"oomScoreAdj":null}}"#, |s| !s.process.oom_score_adj.is_some()),
        ("apparmor and selinux", r#"{"process":{"apparmorProfile":null,"selinuxLabel":null}}"#, |_| true),
        ("scheduler, ioPriority, execCPUAffinity", r#"{"process":{"scheduler":null,"ioPriority":null,"execCPUAffinity":null}}"#, |_| true),
        ("linux", r#"{"linux":null}"#, |s| s.linux.namespaces == 0),
        ("linux.namespaces", r#"{"linux":{"namespaces":null}}"#, |s| s.linux.namespaces == 0),
        ("namespace path", r#"{"linux":{"namespaces":[{"type":"network","path":null}]}}"#, |s| s.linux.new_namespaces == NS_NET),
        ("empty namespace path", r#"{"linux":{"namespaces":[{"type":"network","path":""}]}}"#, |s| s.linux.new_namespaces == NS_NET),
        ("linux.rootfsPropagation", r#"{"linux":{"rootfsPropagation":null}}"#, |s| !s.linux.rootfs_propagation.is_some()),
        ("empty rootfsPropagation", r#"{"linux":{"rootfsPropagation":""}}"#, |s| !s.linux.rootfs_propagation.is_some()),
        ("masked and readonly paths", r#"{"linux":{"maskedPaths":null,"readonlyPaths":null}}"#, |s| {
            s.linux.masked_paths.is_empty() && s.linux.readonly_paths.is_empty()
        }),
        ("linux.devices", r#"{"linux":{"devices":null}}"#, |s| s.linux.devices.is_empty()),
        ("device fileMode, uid, gid", r#"{"linux":{"devices":[{"path":"/dev/f","type":"p","fileMode":null,"uid":null,"gid":null}]}}"#, |s| {
            let d = &s.linux.devices[0];
            (d.file_mode, d.uid, d.gid) == (None, None, None)
        }),
        ("a FIFO's major and minor", r#"{"linux":{"devices":[{"path":"/dev/f","type":"p","major":null,"minor":null}]}}"#, |s| {
            (s.linux.devices[0].major, s.linux.devices[0].minor) == (0, 0)
        }),
        ("linux.sysctl", r#"{"linux":{"sysctl":null}}"#, |s| s.linux.sysctl.is_empty()),
        ("linux.seccomp", r#"{"linux":{"seccomp":null}}"#, |s| !s.linux.seccomp.present),
        (
            "seccomp optional fields",
            sc!(r#""defaultErrnoRet":null,"architectures":null,"flags":null,"listenerPath":null,"syscalls":null"#),
            |s| {
                let sc = &s.linux.seccomp;
                sc.present && sc.architectures == ARCH_X86_64 && sc.flags == 0 && sc.rules.is_empty()
            },
        ),
        ("rule names, errnoRet, args", sc!(r#""syscalls":[{"names":null,"action":"SCMP_ACT_ERRNO","errnoRet":null,"args":null}]"#), |s| {
            let r = s.linux.seccomp.rules[0];
            r.action == Action::Errno(libc::EPERM as u16) && r.names.1 == 0 && r.args.1 == 0
        }),
        ("arg valueTwo", rule!(r#""args":[{"index":0,"value":1,"valueTwo":null,"op":"SCMP_CMP_EQ"}]"#), |s| {
            s.linux.seccomp.args[0] == ArgCmp { index: 0, op: Op::Eq, value: 1, value_two: 0 }
        }),
        (
            "intelRdt, mountLabel, personality, memoryPolicy",
            r#"{"linux":{"intelRdt":null,"mountLabel":null,"personality":null,"memoryPolicy":null}}"#,
            |_| true,
        ),
    ]);
}

// ---- 7. Unknown fields are skipped; refused ones are errors -----------------

#[test]
fn unknown_fields_at_every_level_are_skipped() {
    let doc = r#"{
        "ociVersion": "1.2.0",
        "x": {"a": [1, -2.5e3, true, false, null, {"b": "c\"d\u00e9"}, [[[]]]], "": {}},
        "root": {"x": [], "path": "rootfs", "readonly": false},
        "mounts": [{"x": {"y": null}, "destination": "/m", "type": "tmpfs", "x2": "z"}],
        "process": {
            "x": 1,
            "consoleSize": {"height": 24, "width": 80},
            "commandLine": "a b",
            "user": {"uid": 0, "username": "root", "x": "y", "gid": 0},
            "capabilities": {"x": ["CAP_SYS_ADMIN"], "bounding": ["CAP_KILL"]},
            "rlimits": [{"type": "RLIMIT_CORE", "x": [1], "soft": 0, "hard": 0}],
            "args": ["a"],
            "env": ["A=1"]
        },
        "linux": {
            "x": {},
            "namespaces": [{"type": "pid", "x": 1}],
            "devices": [{"path": "/dev/f", "type": "p", "x": 1}],
            "seccomp": {
                "defaultAction": "SCMP_ACT_ALLOW",
                "x": 1,
                "listenerMetadata": "m",
                "syscalls": [{
                    "names": ["read"], "action": "SCMP_ACT_ERRNO",
                    "comment": "x", "includes": {"caps": ["CAP_SYS_ADMIN"]}, "excludes": {},
                    "args": [{"index": 1, "value": 2, "op": "SCMP_CMP_EQ", "x": []}]
                }]
            }
        },
        "windows": {"layerFolders": []},
        "solaris": {},
        "vm": {"kernel": {"path": "/k"}},
        "zos": {}
    }"#;
    let s = ok("unknown fields", doc.as_bytes());
    assert_eq!(opt_text(s.root.path).as_deref(), Some("rootfs"));
    assert_eq!((text(s.mounts[0].destination), opt_text(s.mounts[0].fstype)), ("/m".into(), Some("tmpfs".into())));
    assert_eq!(s.process.capabilities.bounding, CAP_KILL);
    assert_eq!(s.process.rlimits[0].resource, libc::RLIMIT_CORE as u32);
    assert_eq!((texts(&s.process.args), texts(&s.process.env)), (vec!["a".into()], vec!["A=1".into()]));
    assert_eq!(s.linux.namespaces, NS_PID);
    assert_eq!(text(s.linux.devices[0].path), "/dev/f");
    let sc = &s.linux.seccomp;
    assert_eq!(sc.rules[0].action, Action::Errno(libc::EPERM as u16));
    assert_eq!(sc.args[0], ArgCmp { index: 1, op: Op::Eq, value: 2, value_two: 0 });
    assert!(s.warnings.is_empty());
}

/// What the parent does (uid maps, cgroups, hooks) is not nsinit's: skipped
/// whatever it holds, and not refused.
#[test]
fn parents_fields_are_skipped() {
    let rows: &[(&str, &str, Check)] = &[
        ("ociVersion", r#"{"ociVersion":"1.0.2-dev"}"#, |_| true),
        ("hooks", r#"{"hooks":{"prestart":[{"path":"/bin/true","args":["true"],"timeout":5}],"createRuntime":[],"poststop":[]}}"#, |_| true),
        ("annotations", r#"{"annotations":{"org.opencontainers.image.os":"linux","x":"\u00e9"}}"#, |_| true),
        ("linux.uidMappings", r#"{"linux":{"uidMappings":[{"containerID":0,"hostID":1000,"size":1}]}}"#, |_| true),
        ("linux.gidMappings", r#"{"linux":{"gidMappings":[{"containerID":0,"hostID":1000,"size":65536}]}}"#, |_| true),
        ("linux.resources", r#"{"linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}],"memory":{"limit":536870912,"swappiness":0},"cpu":{"shares":1024,"quota":-1},"pids":{"limit":-1}}}}"#, |_| true),
        ("linux.cgroupsPath", r#"{"linux":{"cgroupsPath":"/machine.slice/x"}}"#, |_| true),
        ("linux.timeOffsets", r#"{"linux":{"timeOffsets":{"monotonic":{"secs":1,"nanosecs":0}}}}"#, |_| true),
        ("linux.netDevices", r#"{"linux":{"netDevices":{"eth0":{"name":"eth1"}}}}"#, |_| true),
        ("process.consoleSize", r#"{"process":{"consoleSize":{"height":24,"width":80}}}"#, |_| true),
        ("process.user.username", r#"{"process":{"user":{"username":"ContainerUser"}}}"#, |_| true),
        ("seccomp listenerMetadata", sc!(r#""listenerMetadata":"x""#), |s| s.linux.seccomp.present),
    ];
    let rows: Vec<(&str, &str, Check)> = rows.to_vec();
    expect_ok(&rows);
    // None of them asks for an effect.
    for (name, doc, _) in &rows[..rows.len() - 1] {
        assert_eq!(unsupported(&ok(name, doc.as_bytes())), None, "{name}");
    }
}

/// Confinement nsinit cannot apply is refused, never ignored (the contract's
/// "fail closed"); an empty value asks for nothing and is fine.
#[test]
fn refused_fields() {
    expect_errors(&[
        ("apparmorProfile", r#"{"process":{"apparmorProfile":"docker-default"}}"#, "nsinit: spec: process.apparmorProfile: AppArmor is not supported"),
        ("selinuxLabel", r#"{"process":{"selinuxLabel":"system_u:system_r:container_t:s0"}}"#, "nsinit: spec: process.selinuxLabel: SELinux is not supported"),
        ("linux.mountLabel", r#"{"linux":{"mountLabel":"system_u:object_r:container_file_t:s0"}}"#, "nsinit: spec: linux.mountLabel: SELinux is not supported"),
        ("seccomp listenerPath", sc!(r#""listenerPath":"/run/seccomp.sock""#), "nsinit: spec: linux.seccomp.listenerPath: seccomp notify listeners are not supported"),
        ("SCMP_ACT_NOTIFY default", r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_NOTIFY"}}}"#, "nsinit: spec: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY is not supported"),
        ("SCMP_ACT_NOTIFY rule", sc!(r#""syscalls":[{"names":["openat"],"action":"SCMP_ACT_NOTIFY"}]"#), "nsinit: spec: linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported"),
        ("linux.intelRdt", r#"{"linux":{"intelRdt":{"closID":"x"}}}"#, "nsinit: spec: linux.intelRdt: Intel RDT is not supported"),
        ("linux.intelRdt empty", r#"{"linux":{"intelRdt":{}}}"#, "nsinit: spec: linux.intelRdt: Intel RDT is not supported"),
        ("linux.personality", r#"{"linux":{"personality":{"domain":"LINUX32"}}}"#, "nsinit: spec: linux.personality: not supported"),
        ("linux.memoryPolicy", r#"{"linux":{"memoryPolicy":{"mode":"MPOL_BIND"}}}"#, "nsinit: spec: linux.memoryPolicy: not supported"),
        ("process.scheduler", r#"{"process":{"scheduler":{"policy":"SCHED_FIFO"}}}"#, "nsinit: spec: process.scheduler: not supported"),
        ("process.ioPriority", r#"{"process":{"ioPriority":{"class":"IOPRIO_CLASS_RT"}}}"#, "nsinit: spec: process.ioPriority: not supported"),
        ("process.execCPUAffinity", r#"{"process":{"execCPUAffinity":{"initial":"0"}}}"#, "nsinit: spec: process.execCPUAffinity: not supported"),
        ("mount uidMappings", r#"{"mounts":[{"destination":"/m","uidMappings":[{"containerID":0,"hostID":1000,"size":1}]}]}"#, "nsinit: spec: mounts[0].uidMappings: id-mapped mounts are not supported"),
        ("mount gidMappings", r#"{"mounts":[{"destination":"/m","gidMappings":[]}]}"#, "nsinit: spec: mounts[0].gidMappings: id-mapped mounts are not supported"),
        ("idmap option", r#"{"mounts":[{"destination":"/m","options":["rbind","idmap"]}]}"#, "nsinit: spec: mounts[0].options[1]: id-mapped mounts are not supported"),
        ("ridmap option", r#"{"mounts":[{"destination":"/m","options":["ridmap"]}]}"#, "nsinit: spec: mounts[0].options[0]: id-mapped mounts are not supported"),
        ("tmpcopyup option", r#"{"mounts":[{"destination":"/m","type":"tmpfs","options":["tmpcopyup"]}]}"#, "nsinit: spec: mounts[0].options[0]: tmpcopyup is not supported"),
    ]);
    expect_ok(&[
        ("empty apparmorProfile and selinuxLabel", r#"{"process":{"apparmorProfile":"","selinuxLabel":""}}"#, |s| s.first_unsupported().is_none()),
        ("empty mountLabel", r#"{"linux":{"mountLabel":""}}"#, |s| s.first_unsupported().is_none()),
        ("empty listenerPath", sc!(r#""listenerPath":"""#), |s| s.linux.seccomp.present),
    ]);
}

// ---- 8. Value checks ------------------------------------------------------------

#[test]
fn value_checks() {
    expect_errors(&[
        // root, mounts
        ("empty root path", r#"{"root":{"path":""}}"#, "nsinit: spec: root.path: empty path"),
        ("root without path", r#"{"root":{"readonly":true}}"#, r#"nsinit: spec: root: required field "path" is missing"#),
        ("relative mount destination", r#"{"mounts":[{"destination":"proc","type":"proc"}]}"#, "nsinit: spec: mounts[0].destination: must be an absolute path"),
        ("empty mount destination", r#"{"mounts":[{"destination":""}]}"#, "nsinit: spec: mounts[0].destination: must be an absolute path"),
        ("mount without destination", r#"{"mounts":[{"destination":"/a"},{"type":"tmpfs","source":"tmpfs"}]}"#, r#"nsinit: spec: mounts[1]: required field "destination" is missing"#),
        (
            "the contract's nosuidd",
            r#"{"mounts":[{"destination":"/proc","type":"proc"},{"destination":"/dev","type":"tmpfs"},{"destination":"/dev/pts","type":"devpts","options":["nosuid","nosuidd"]}]}"#,
            r#"nsinit: spec: mounts[2].options[1]: unknown option "nosuidd""#,
        ),
        ("upper-case option", r#"{"mounts":[{"destination":"/m","options":["RO"]}]}"#, r#"nsinit: spec: mounts[0].options[0]: unknown option "RO""#),
        ("empty option", r#"{"mounts":[{"destination":"/m","options":[""]}]}"#, r#"nsinit: spec: mounts[0].options[0]: unknown option """#),
        ("control bytes in an option are shown as ?", r#"{"mounts":[{"destination":"/m","options":["no\nsuid"]}]}"#, r#"nsinit: spec: mounts[0].options[0]: unknown option "no?suid""#),
        // process
        ("relative cwd", r#"{"process":{"cwd":"tmp"}}"#, "nsinit: spec: process.cwd: must be an absolute path"),
        ("empty cwd", r#"{"process":{"cwd":""}}"#, "nsinit: spec: process.cwd: must be an absolute path"),
        ("env without =", r#"{"process":{"env":["A=1","FOO"]}}"#, "nsinit: spec: process.env[1]: must be KEY=VALUE"),
        ("env with an empty name", r#"{"process":{"env":["=x"]}}"#, "nsinit: spec: process.env[0]: empty variable name"),
        ("empty env entry", r#"{"process":{"env":[""]}}"#, "nsinit: spec: process.env[0]: must be KEY=VALUE"),
        ("empty program name", r#"{"process":{"args":["","x"]}}"#, "nsinit: spec: process.args: the program name (args[0]) is empty"),
        ("unknown rlimit", r#"{"process":{"rlimits":[{"type":"RLIMIT_FOO","soft":1,"hard":1}]}}"#, r#"nsinit: spec: process.rlimits[0].type: unknown resource "RLIMIT_FOO""#),
        ("rlimit without prefix", r#"{"process":{"rlimits":[{"type":"NOFILE","soft":1,"hard":1}]}}"#, r#"nsinit: spec: process.rlimits[0].type: unknown resource "NOFILE""#),
        (
            "duplicate rlimit",
            r#"{"process":{"rlimits":[{"type":"RLIMIT_NOFILE","soft":1,"hard":1},{"type":"RLIMIT_NOFILE","soft":2,"hard":2}]}}"#,
            r#"nsinit: spec: process.rlimits[1].type: duplicate resource "RLIMIT_NOFILE""#,
        ),
        ("soft above hard", r#"{"process":{"rlimits":[{"type":"RLIMIT_NOFILE","soft":2048,"hard":1024}]}}"#, "nsinit: spec: process.rlimits[0]: soft limit above the hard limit"),
        ("rlimit without type", r#"{"process":{"rlimits":[{"soft":1,"hard":1}]}}"#, r#"nsinit: spec: process.rlimits[0]: required field "type" is missing"#),
        ("rlimit without soft", r#"{"process":{"rlimits":[{"type":"RLIMIT_CPU","hard":1}]}}"#, r#"nsinit: spec: process.rlimits[0]: required field "soft" is missing"#),
        ("rlimit without hard", r#"{"process":{"rlimits":[{"type":"RLIMIT_CPU","soft":1}]}}"#, r#"nsinit: spec: process.rlimits[0]: required field "hard" is missing"#),
        ("oomScoreAdj below -1000", r#"{"process":{"oomScoreAdj":-1001}}"#, "nsinit: spec: process.oomScoreAdj: must be between -1000 and 1000"),
        ("oomScoreAdj above 1000", r#"{"process":{"oomScoreAdj":1001}}"#, "nsinit: spec: process.oomScoreAdj: must be between -1000 and 1000"),
        ("oomScoreAdj far out", r#"{"process":{"oomScoreAdj":4294967296}}"#, "nsinit: spec: process.oomScoreAdj: must be between -1000 and 1000"),
        ("umask above 0777", r#"{"process":{"user":{"umask":512}}}"#, "nsinit: spec: process.user.umask: must be at most 0777 (511)"),
        ("gid above u32", r#"{"process":{"user":{"additionalGids":[4294967296]}}}"#, "nsinit: spec: process.user.additionalGids[0]: must be at most 2147483647"),
        // linux
        ("unknown namespace", r#"{"linux":{"namespaces":[{"type":"net"}]}}"#, r#"nsinit: spec: linux.namespaces[0].type: unknown namespace type "net""#),
        ("duplicate namespace", r#"{"linux":{"namespaces":[{"type":"pid"},{"type":"pid","path":"/proc/1/ns/pid"}]}}"#, r#"nsinit: spec: linux.namespaces[1].type: duplicate namespace type "pid""#),
        ("namespace without type", r#"{"linux":{"namespaces":[{"path":"/proc/1/ns/net"}]}}"#, r#"nsinit: spec: linux.namespaces[0]: required field "type" is missing"#),
        ("unknown propagation", r#"{"linux":{"rootfsPropagation":"bogus"}}"#, r#"nsinit: spec: linux.rootfsPropagation: unknown propagation "bogus""#),
        ("a flag as propagation", r#"{"linux":{"rootfsPropagation":"ro"}}"#, r#"nsinit: spec: linux.rootfsPropagation: unknown propagation "ro""#),
        ("relative masked path", r#"{"linux":{"maskedPaths":["/a","proc/kcore"]}}"#, "nsinit: spec: linux.maskedPaths[1]: must be an absolute path"),
        ("relative readonly path", r#"{"linux":{"readonlyPaths":[""]}}"#, "nsinit: spec: linux.readonlyPaths[0]: must be an absolute path"),
        ("relative device path", r#"{"linux":{"devices":[{"path":"dev/null","type":"c","major":1,"minor":3}]}}"#, "nsinit: spec: linux.devices[0].path: must be an absolute path"),
        // ".." names what is outside the root when taken as a name in its
        // parent: a device "/.." chowned the host directory holding the root.
        ("device /..", r#"{"linux":{"devices":[{"path":"/..","type":"c","major":1,"minor":3,"uid":4242,"gid":4242}]}}"#, r#"nsinit: spec: linux.devices[0].path: must not have ".." components"#),
        ("device /dev/../..", r#"{"linux":{"devices":[{"path":"/dev/../..","type":"c","major":1,"minor":3}]}}"#, r#"nsinit: spec: linux.devices[0].path: must not have ".." components"#),
        ("mount destination ..", r#"{"mounts":[{"destination":"/proc/../..","type":"proc"}]}"#, r#"nsinit: spec: mounts[0].destination: must not have ".." components"#),
        ("masked path ..", r#"{"linux":{"maskedPaths":["/a/../../b"]}}"#, r#"nsinit: spec: linux.maskedPaths[0]: must not have ".." components"#),
        ("readonly path ..", r#"{"linux":{"readonlyPaths":["/.."]}}"#, r#"nsinit: spec: linux.readonlyPaths[0]: must not have ".." components"#),
        ("cwd ..", r#"{"process":{"cwd":"/tmp/.."}}"#, r#"nsinit: spec: process.cwd: must not have ".." components"#),
        ("unknown device type", r#"{"linux":{"devices":[{"path":"/dev/x","type":"x"}]}}"#, r#"nsinit: spec: linux.devices[0].type: unknown device type "x""#),
        ("device type a", r#"{"linux":{"devices":[{"path":"/dev/x","type":"a"}]}}"#, r#"nsinit: spec: linux.devices[0].type: unknown device type "a""#),
        ("char device without major", r#"{"linux":{"devices":[{"path":"/dev/c","type":"c","minor":3}]}}"#, r#"nsinit: spec: linux.devices[0]: required field "major" is missing"#),
        ("block device without minor", r#"{"linux":{"devices":[{"path":"/dev/b","type":"b","major":8}]}}"#, r#"nsinit: spec: linux.devices[0]: required field "minor" is missing"#),
        ("device without path", r#"{"linux":{"devices":[{"type":"p"}]}}"#, r#"nsinit: spec: linux.devices[0]: required field "path" is missing"#),
        ("device without type", r#"{"linux":{"devices":[{"path":"/dev/x"}]}}"#, r#"nsinit: spec: linux.devices[0]: required field "type" is missing"#),
        ("negative major", r#"{"linux":{"devices":[{"path":"/dev/c","type":"c","major":-1,"minor":0}]}}"#, "nsinit: spec: linux.devices[0].major: must be between 0 and 4294967295"),
        ("minor above u32", r#"{"linux":{"devices":[{"path":"/dev/c","type":"c","major":1,"minor":4294967296}]}}"#, "nsinit: spec: linux.devices[0].minor: must be between 0 and 4294967295"),
        ("fileMode above 07777", r#"{"linux":{"devices":[{"path":"/dev/f","type":"p","fileMode":4096}]}}"#, "nsinit: spec: linux.devices[0].fileMode: must be at most 07777 (4095)"),
        ("sysctl ..", r#"{"linux":{"sysctl":{"net/../../etc/passwd":"x"}}}"#, r#"nsinit: spec: linux.sysctl.net/../../etc/passwd: invalid sysctl name "net/../../etc/passwd""#),
        ("sysctl empty component", r#"{"linux":{"sysctl":{"net..ipv4":"1"}}}"#, r#"nsinit: spec: linux.sysctl.net..ipv4: invalid sysctl name "net..ipv4""#),
        ("sysctl leading dot", r#"{"linux":{"sysctl":{".net":"1"}}}"#, r#"nsinit: spec: linux.sysctl..net: invalid sysctl name ".net""#),
        ("sysctl trailing dot", r#"{"linux":{"sysctl":{"net.":"1"}}}"#, r#"nsinit: spec: linux.sysctl.net.: invalid sysctl name "net.""#),
        ("sysctl absolute", r#"{"linux":{"sysctl":{"/proc/sys/net":"1"}}}"#, r#"nsinit: spec: linux.sysctl./proc/sys/net: invalid sysctl name "/proc/sys/net""#),
        ("sysctl double slash", r#"{"linux":{"sysctl":{"net//ipv4":"1"}}}"#, r#"nsinit: spec: linux.sysctl.net//ipv4: invalid sysctl name "net//ipv4""#),
        ("sysctl empty", r#"{"linux":{"sysctl":{"":"1"}}}"#, r#"nsinit: spec: linux.sysctl: invalid sysctl name """#),
        ("sysctl bare ..", r#"{"linux":{"sysctl":{"..":"1"}}}"#, r#"nsinit: spec: linux.sysctl...: invalid sysctl name "..""#),
        // runc's validator: only namespaced sysctls, in a namespace the container has.
        ("sysctl net without netns", r#"{"linux":{"sysctl":{"net.ipv4.ip_forward":"1"}}}"#, "nsinit: spec: linux.sysctl.net.ipv4.ip_forward: needs a network namespace"),
        ("sysctl ipc without ipcns", r#"{"linux":{"namespaces":[{"type":"network"}],"sysctl":{"kernel/shmmax":"1"}}}"#, "nsinit: spec: linux.sysctl.kernel/shmmax: needs an ipc namespace"),
        ("sysctl kernel.msgmax without ipcns", r#"{"linux":{"sysctl":{"kernel.msgmax":"1"}}}"#, "nsinit: spec: linux.sysctl.kernel.msgmax: needs an ipc namespace"),
        ("sysctl kernel.msgmnb without ipcns", r#"{"linux":{"sysctl":{"kernel.msgmnb":"1"}}}"#, "nsinit: spec: linux.sysctl.kernel.msgmnb: needs an ipc namespace"),
        ("sysctl kernel.msgmni without ipcns", r#"{"linux":{"sysctl":{"kernel.msgmni":"1"}}}"#, "nsinit: spec: linux.sysctl.kernel.msgmni: needs an ipc namespace"),
        ("sysctl kernel.sem without ipcns", r#"{"linux":{"sysctl":{"kernel.sem":"1"}}}"#, "nsinit: spec: linux.sysctl.kernel.sem: needs an ipc namespace"),
        ("sysctl kernel.shmall without ipcns", r#"{"linux":{"sysctl":{"kernel.shmall":"1"}}}"#, "nsinit: spec: linux.sysctl.kernel.shmall: needs an ipc namespace"),
        ("sysctl kernel.shmmax without ipcns", r#"{"linux":{"sysctl":{"kernel.shmmax":"1"}}}"#, "nsinit: spec: linux.sysctl.kernel.shmmax: needs an ipc namespace"),
        ("sysctl kernel.shmmni without ipcns", r#"{"linux":{"sysctl":{"kernel.shmmni":"1"}}}"#, "nsinit: spec: linux.sysctl.kernel.shmmni: needs an ipc namespace"),
        ("sysctl kernel.shm_rmid_forced without ipcns", r#"{"linux":{"sysctl":{"kernel.shm_rmid_forced":"1"}}}"#, "nsinit: spec: linux.sysctl.kernel.shm_rmid_forced: needs an ipc namespace"),
        ("sysctl kernel/shm_rmid_forced without ipcns", r#"{"linux":{"sysctl":{"kernel/shm_rmid_forced":"1"}}}"#, "nsinit: spec: linux.sysctl.kernel/shm_rmid_forced: needs an ipc namespace"),
        ("sysctl kernel.sem prefix", r#"{"linux":{"namespaces":[{"type":"ipc"}],"sysctl":{"kernel.se":"1"}}}"#, "nsinit: spec: linux.sysctl.kernel.se: not namespaced: it would change the host"),
        ("sysctl mqueue without ipcns", r#"{"linux":{"sysctl":{"fs.mqueue.msg_max":"1"}}}"#, "nsinit: spec: linux.sysctl.fs.mqueue.msg_max: needs an ipc namespace"),
        ("sysctl hostname without utsns", r#"{"linux":{"sysctl":{"kernel.hostname":"h"}}}"#, "nsinit: spec: linux.sysctl.kernel.hostname: needs a uts namespace"),
        ("sysctl not namespaced", r#"{"linux":{"namespaces":[{"type":"network"},{"type":"ipc"},{"type":"uts"}],"sysctl":{"vm.swappiness":"1"}}}"#, "nsinit: spec: linux.sysctl.vm.swappiness: not namespaced: it would change the host"),
        ("sysctl kernel other", r#"{"linux":{"namespaces":[{"type":"ipc"}],"sysctl":{"kernel.shmmaxx":"1"}}}"#, "nsinit: spec: linux.sysctl.kernel.shmmaxx: not namespaced: it would change the host"),
        // runc: a hostname needs a private UTS namespace, or it renames the host.
        ("hostname without uts", r#"{"hostname":"h"}"#, "nsinit: spec: hostname: needs a uts namespace in linux.namespaces"),
        ("domainname without uts", r#"{"domainname":"d","linux":{"namespaces":[{"type":"pid"}]}}"#, "nsinit: spec: domainname: needs a uts namespace in linux.namespaces"),
        ("empty syscall name", r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read",""],"action":"SCMP_ACT_LOG"}]}}}"#, "nsinit: spec: linux.seccomp.syscalls[0].names[1]: empty syscall name"),
        // Duplicate keys: Go would keep the last, a merge both; refused.
        ("duplicate top-level key", r#"{"hostname":"a","hostname":"b"}"#, r#"nsinit: spec: duplicate key "hostname""#),
        ("duplicate nested key", r#"{"process":{"args":["a"],"args":["b","c"]}}"#, r#"nsinit: spec: process: duplicate key "args""#),
        ("duplicate capability set", r#"{"process":{"capabilities":{"bounding":[],"bounding":["CAP_SYS_ADMIN"]}}}"#, r#"nsinit: spec: process.capabilities: duplicate key "bounding""#),
        ("duplicate in a list element", r#"{"mounts":[{"destination":"/a","destination":"/b"}]}"#, r#"nsinit: spec: mounts[0]: duplicate key "destination""#),
        ("duplicate unknown key", r#"{"x":1,"x":2}"#, r#"nsinit: spec: duplicate key "x""#),
        // seccomp
        ("unknown default action", r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_FOO"}}}"#, r#"nsinit: spec: linux.seccomp.defaultAction: unknown action "SCMP_ACT_FOO""#),
        ("unknown rule action", sc!(r#""syscalls":[{"names":["read"],"action":"ALLOW"}]"#), r#"nsinit: spec: linux.seccomp.syscalls[0].action: unknown action "ALLOW""#),
        ("unknown op", rule!(r#""args":[{"index":0,"value":1,"op":"SCMP_CMP_FOO"}]"#), r#"nsinit: spec: linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_FOO""#),
        ("unknown arch", sc!(r#""architectures":["SCMP_ARCH_X86_64","x86_64"]"#), r#"nsinit: spec: linux.seccomp.architectures[1]: unknown architecture "x86_64""#),
        ("unknown flag", sc!(r#""flags":["SECCOMP_FILTER_FLAG_NEW_LISTENER"]"#), r#"nsinit: spec: linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_NEW_LISTENER""#),
        ("arg index 6", rule!(r#""args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]"#), "nsinit: spec: linux.seccomp.syscalls[0].args[0].index: must be between 0 and 5"),
        ("errnoRet above 65535", rule!(r#""errnoRet":65536"#), "nsinit: spec: linux.seccomp.syscalls[0].errnoRet: must be at most 65535"),
        ("defaultErrnoRet above 65535", sc!(r#""defaultErrnoRet":65536"#), "nsinit: spec: linux.seccomp.defaultErrnoRet: must be at most 65535"),
        ("no defaultAction", r#"{"linux":{"seccomp":{"architectures":["SCMP_ARCH_X86_64"]}}}"#, r#"nsinit: spec: linux.seccomp: required field "defaultAction" is missing"#),
        ("rule without action", sc!(r#""syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["write"]}]"#), r#"nsinit: spec: linux.seccomp.syscalls[1]: required field "action" is missing"#),
        ("arg without index", rule!(r#""args":[{"value":1,"op":"SCMP_CMP_EQ"}]"#), r#"nsinit: spec: linux.seccomp.syscalls[0].args[0]: required field "index" is missing"#),
        ("arg without value", rule!(r#""args":[{"index":0,"op":"SCMP_CMP_EQ"}]"#), r#"nsinit: spec: linux.seccomp.syscalls[0].args[0]: required field "value" is missing"#),
        ("arg without op", rule!(r#""args":[{"index":0,"value":1}]"#), r#"nsinit: spec: linux.seccomp.syscalls[0].args[0]: required field "op" is missing"#),
    ]);
    expect_ok(&[
        ("a FIFO needs no numbers", r#"{"linux":{"devices":[{"path":"/dev/f","type":"p"}]}}"#, |s| {
            let d = s.linux.devices[0];
            (d.kind, d.major, d.minor) == (libc::S_IFIFO, 0, 0)
        }),
        ("char, unbuffered char and block devices", r#"{"linux":{"devices":[
            {"path":"/dev/null","type":"c","major":1,"minor":3,"fileMode":438,"uid":0,"gid":0},
            {"path":"/dev/u","type":"u","major":4294967295,"minor":0},
            {"path":"/dev/sda","type":"b","major":8,"minor":0,"fileMode":4095}]}}"#, |s| {
            let d = &s.linux.devices;
            (d[0].kind, d[0].major, d[0].minor, d[0].file_mode, d[0].uid, d[0].gid) == (libc::S_IFCHR, 1, 3, Some(0o666), Some(0), Some(0))
                && (d[1].kind, d[1].major) == (libc::S_IFCHR, u32::MAX as u64)
                && (d[2].kind, d[2].file_mode) == (libc::S_IFBLK, Some(0o7777))
        }),
        ("soft equal to hard", r#"{"process":{"rlimits":[{"type":"RLIMIT_NOFILE","soft":18446744073709551615,"hard":18446744073709551615}]}}"#, |s| {
            s.process.rlimits[0].soft == u64::MAX
        }),
        ("oomScoreAdj bounds", r#"{"process":{"oomScoreAdj":-1000}}"#, |s| s.process.oom_score_adj.get() == Some(-1000)),
        ("oomScoreAdj upper bound", r#"{"process":{"oomScoreAdj":1000}}"#, |s| s.process.oom_score_adj.get() == Some(1000)),
        ("umask 0777, the highest id", r#"{"process":{"user":{"uid":2147483647,"gid":1,"umask":511,"additionalGids":[2147483647]}}}"#, |s| {
            let u = &s.process.user;
            (u.uid, u.gid, u.umask.get(), u.gids_given, u.additional_gids.as_slice()) == (i32::MAX as u32, 1, Some(0o777), true, &[i32::MAX as u32][..])
        }),
        ("env values may hold =", r#"{"process":{"env":["A==b=","B="]}}"#, |s| texts(&s.process.env) == ["A==b=", "B="]),
        ("every namespace type", r#"{"linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/proc/1/ns/net"},{"type":"mount"},{"type":"ipc"},{"type":"uts"},{"type":"user"},{"type":"cgroup"},{"type":"time"}]}}"#, |s| {
            let all = NS_PID | NS_NET | NS_MNT | NS_IPC | NS_UTS | NS_USER | NS_CGROUP | NS_TIME;
            s.linux.namespaces == all && s.linux.new_namespaces == all & !NS_NET
        }),
        ("propagation", r#"{"linux":{"rootfsPropagation":"rslave"}}"#, |s| s.linux.rootfs_propagation.get() == Some(libc::MS_SLAVE | libc::MS_REC)),
        ("sysctl names", r#"{"linux":{"namespaces":[{"type":"network"},{"type":"ipc"}],"sysctl":{"net.ipv4.ip_forward":"1","net/ipv4/conf/all/rp_filter":"0","kernel.shm_rmid_forced":""}}}"#, |s| {
            s.linux.sysctl.iter().map(|(k, v)| (text(*k), text(*v))).collect::<Vec<_>>()
                == [("net.ipv4.ip_forward".into(), "1".into()), ("net/ipv4/conf/all/rp_filter".into(), "0".into()), ("kernel.shm_rmid_forced".into(), "".into())]
        }),
        ("seccomp bounds", rule!(r#""errnoRet":65535,"args":[{"index":5,"value":18446744073709551615,"valueTwo":18446744073709551615,"op":"SCMP_CMP_MASKED_EQ"}]"#), |s| {
            let sc = &s.linux.seccomp;
            sc.rules[0].action == Action::Errno(65535)
                && sc.args[0] == ArgCmp { index: 5, op: Op::MaskedEq, value: u64::MAX, value_two: u64::MAX }
        }),
        ("seccomp arches and flags", sc!(r#""architectures":["SCMP_ARCH_X32","SCMP_ARCH_AARCH64"],"flags":["SECCOMP_FILTER_FLAG_LOG","SECCOMP_FILTER_FLAG_SPEC_ALLOW","SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]"#), |s| {
            let sc = &s.linux.seccomp;
            // The native architecture is always in; one without a table adds no bit.
            sc.architectures == ARCH_X86_64 | ARCH_X32 && sc.flags == 2 | 4
        }),
        ("default errno", r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38}}}"#, |s| {
            s.linux.seccomp.default_action == Action::Errno(38)
        }),
        ("a rule with no names", sc!(r#""syscalls":[{"names":[],"action":"SCMP_ACT_LOG"}]"#), |s| s.linux.seccomp.rules[0].names == (0, 0)),
    ]);
}

/// runc skips a capability name it does not know, with a warning: the
/// workload gets less, never more.
#[test]
fn unknown_capabilities_warn() {
    let doc = r#"{"process":{"capabilities":{"bounding":["CAP_KILL","CAP_FOO"],"ambient":["cap_kill"],"effective":["CAP_CHECKPOINT_RESTORE"]}}}"#;
    let s = ok("unknown capabilities", doc.as_bytes());
    let c = s.process.capabilities;
    assert_eq!(c, Capabilities { bounding: CAP_KILL, effective: 1 << 40, ..Capabilities::default() });
    assert_eq!(
        warning_lines(&s),
        [
            r#"nsinit: spec: process.capabilities.bounding[1]: skipped unknown capability "CAP_FOO""#,
            r#"nsinit: spec: process.capabilities.ambient[0]: skipped unknown capability "cap_kill""#,
        ]
    );
}

// ---- 9. What nsinit cannot do yet -----------------------------------------------

/// `first_unsupported` refuses every field whose effect is not implemented
/// yet. Update these rows as effects land: a field that works moves from
/// `Some(line)` to `None`.
#[test]
fn not_supported_yet() {
    let rows: &[(&str, &str, Option<&str>)] = &[
        ("args, env, cwd", r#"{"process":{"args":["sh","-c","true"],"env":["PATH=/bin"],"cwd":"/tmp"}}"#, None),
        ("nothing", "{}", None),
        (
            "neutral values",
            r#"{"root":null,"mounts":[],"hostname":null,"process":{"terminal":false,"user":{"uid":0,"gid":0},"rlimits":[],"noNewPrivileges":false,
                "apparmorProfile":"","selinuxLabel":""},"linux":{"maskedPaths":[],"readonlyPaths":[],"devices":[],"sysctl":{},
                "namespaces":[{"type":"pid"},{"type":"mount"},{"type":"user"},{"type":"network","path":"/proc/1/ns/net"}]}}"#,
            None,
        ),
        // Implemented since: each alone passes.
        ("root", r#"{"root":{"path":"rootfs"}}"#, None),
        ("mounts", r#"{"mounts":[{"destination":"/proc","type":"proc"}]}"#, None),
        ("hostname", r#"{"hostname":"h","linux":{"namespaces":[{"type":"uts"}]}}"#, None),
        ("domainname", r#"{"domainname":"d","linux":{"namespaces":[{"type":"uts"}]}}"#, None),
        ("terminal", r#"{"process":{"terminal":true}}"#, None),
        ("uid", r#"{"process":{"user":{"uid":1000}}}"#, None),
        ("gid", r#"{"process":{"user":{"gid":1000}}}"#, None),
        ("additionalGids", r#"{"process":{"user":{"additionalGids":[]}}}"#, None),
        ("umask", r#"{"process":{"user":{"umask":18}}}"#, None),
        ("capabilities", r#"{"process":{"capabilities":{}}}"#, None),
        ("rlimits", r#"{"process":{"rlimits":[{"type":"RLIMIT_NOFILE","soft":1,"hard":1}]}}"#, None),
        ("noNewPrivileges", r#"{"process":{"noNewPrivileges":true}}"#, None),
        ("oomScoreAdj", r#"{"process":{"oomScoreAdj":0}}"#, None),
        ("rootfsPropagation", r#"{"linux":{"rootfsPropagation":"rprivate"}}"#, None),
        ("maskedPaths", r#"{"linux":{"maskedPaths":["/proc/kcore"]}}"#, None),
        ("readonlyPaths", r#"{"linux":{"readonlyPaths":["/proc/sys"]}}"#, None),
        ("devices", r#"{"linux":{"devices":[{"path":"/dev/f","type":"p"}]}}"#, None),
        ("sysctl", r#"{"linux":{"namespaces":[{"type":"network"}],"sysctl":{"net.ipv4.ip_forward":"1"}}}"#, None),
        ("a new network namespace", r#"{"linux":{"namespaces":[{"type":"network"}]}}"#, None),
        // Not yet.
        ("seccomp", r#"{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}}}"#, None),
    ];
    let mut failed = Vec::new();
    for (name, doc, want) in rows {
        match parse_doc(doc.as_bytes()) {
            Ok(s) if unsupported(&s).as_deref() == *want => {}
            Ok(s) => failed.push(format!("{name}: got {:?}, want {want:?}", unsupported(&s))),
            Err(e) => failed.push(format!("{name}: {e}")),
        }
    }
    report(failed);
}
