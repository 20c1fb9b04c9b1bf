//! The size refactors (a346a6f..1fa5af9) were to change no behaviour: the
//! pure parts they rewrote (path cursors, packed name tables, the passwd,
//! mountinfo and /proc/PID/cgroup walks, the PATH walk, the command line's
//! name tables, error text) and `resolve::ensure` on a real tree are run
//! here over their boundary cases, and the answers compared with those the
//! code gave before them (`size_review.golden`, written by this same test
//! built at a346a6f). A difference is a behaviour change.
use nsinit::cgroups::{hierarchies, own_line, own_path, procs_path};
use nsinit::diag::{Error, Line, Object, Reason};
use nsinit::mount::options::parse_word;
use nsinit::resolve::{self, Kind, cpath};
use nsinit::sys::{Errno, OwnedFd};
use nsinit::{caps, cli, exec, rlimits, text};
use std::ffi::{CStr, CString};
use std::fmt::Write as _;
use std::os::fd::AsRawFd;
use std::os::unix::fs::symlink;
use std::path::Path;

fn b(s: &[u8]) -> String {
    String::from_utf8_lossy(s).into_owned()
}

fn pure(out: &mut String) {
    // cpath: lengths around the buffer's, interior NULs.
    for (len, path) in [(8, &b"/dev"[..]), (8, b"/123456"), (8, b"/1234567"), (8, b""), (1, b""), (0, b""), (8, b"a\0b"), (4, b"a\0bcdef")] {
        let mut buf = vec![0u8; len];
        writeln!(out, "cpath {len} {:?} -> {:?}", b(path), cpath(&mut buf, path).map(|c| b(c.to_bytes()))).unwrap();
    }
    // Capability and rlimit names: exact spellings only.
    for n in ["CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_CHECKPOINT_RESTORE", "cap_chown", "CAP_CHOWNX", "CAP_CHOW", "CAP_", "", "CAP_SYS_ADMIN ", "RLIMIT_NOFILE"] {
        writeln!(out, "cap {n:?} -> {:?}", caps::from_name(n.as_bytes())).unwrap();
    }
    for c in [0, 1, 21, 40, 41, 63, 64, u32::MAX] {
        writeln!(out, "capname {c} -> {}", caps::name(c)).unwrap();
    }
    for n in ["RLIMIT_CPU", "RLIMIT_NOFILE", "RLIMIT_RTTIME", "RLIMIT_NOFILEX", "RLIMIT_NOFIL", "rlimit_nofile", "", "RLIMIT_"] {
        writeln!(out, "rlimit {n:?} -> {:?}", rlimits::from_name(n.as_bytes())).unwrap();
    }
    for r in [0, 7, 15, 16, 255, u32::MAX] {
        writeln!(out, "rlimitname {r} -> {}", rlimits::name(r)).unwrap();
    }
    // Mount option words: whole words, case as written.
    for w in [
        "ro", "rorx", "r", "rw", "rro", "rrw", "RO", "", " ro", "ro ", "bind", "rbind", "bindx", "nosuid", "nosymfollow", "rnosymfollow",
        "rsymfollow", "rnoatime", "rrelatime", "rstrictatime", "rnodiratime", "private", "rshared", "rslave", "unbindable", "runbindable",
        "idmap", "ridmap", "tmpcopyup", "mode=755", "=", "ro=1", "newinstance", "nsdelegate", "none", "nonex", "defaults", "sync", "remount",
        "noatime", "lazytime", "silent", "loud", "dirsync", "mand", "strictatime", "relatime", "norelatime", "iversion", "x-foo",
    ] {
        writeln!(out, "word {w:?} -> {:?}", parse_word(w.as_bytes())).unwrap();
    }
    // passwd: fields missing, uids with signs, zeros, overflow; empty uid.
    let pw = b"root:x:0:0:root:/root:/bin/sh\n\
        short:x:5:5:/five\n\
        six:x:6:6::/six\n\
        plus:x:+7:7::/plus:/bin/sh\n\
        zeros:x:0008:8::/eight:/bin/sh\n\
        empty:x::0::/emptyuid:/bin/sh\n\
        big:x:4294967296:1::/big:/bin/sh\n\
        max:x:4294967295:1::/max:/bin/sh\n\
        colons:x:9:9:a:b:c:d\n\
        \n\
        :::::\n\
        dup:x:10:1::/first:/bin/sh\n\
        dup2:x:10:1::/second:/bin/sh\n\
        sp:x: 11:1::/space:/bin/sh\n\
        crlf:x:12:1::/crlf:/bin/sh\r\n\
        last:x:13:1::/nonewline";
    for uid in [0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 4294967295, 1000] {
        writeln!(out, "home {uid} -> {:?}", exec::home_of(pw, uid).map(b)).unwrap();
    }
    for (text, uid) in [(&b""[..], 0), (b"\n", 0), (b"a:x:0:0::", 0), (b"a:x:0:0:", 0), (b"a:x:0:0:::", 0)] {
        writeln!(out, "home {:?} {uid} -> {:?}", b(text), exec::home_of(text, uid).map(b)).unwrap();
    }
    // mountinfo: optional fields, short lines, a unified host, spaces.
    let mi = b"24 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n\
        25 24 0:23 /docker /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 master:1 - cgroup cgroup rw,cpu,cpuacct\n\
        26 24 0:24 / /sys/fs/cgroup/pids rw - cgroup cgroup\n\
        27 24 0:25 / /sys/fs/cgroup/memory rw shared:1\n\
        28 24 0:26 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd extra\n\
        29 24 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n\
        30 24 0:28 / /sys/fs/cgroup/a/b rw - cgroup cgroup rw,blkio\n\
        31 24 0:29 / /sys/fs/cgroupx/net rw - cgroup cgroup rw,net_cls\n\
        32 24 0:30 / /sys/fs/cgroup/tmp rw - tmpfs tmpfs rw\n\
        33 24 0:31 / /sys/fs/cgroup/ rw - cgroup cgroup rw,devices\n\
        34 24 0:32 / /sys/fs/cgroup rw - cgroup cgroup rw,hugetlb\n\
        35 24 0:33 /x /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n\
        36 24 0:34 / /sys/fs/cgroup/-  rw - cgroup cgroup rw,freezer\n\
        \n\
        -\n\
        1 2 3 4 5 - - cgroup cgroup rw,perf_event\n\
        37 24 0:35 / /sys/fs/cgroup/rdma rw - cgroup cgroup rw,rdma";
    for h in hierarchies(mi) {
        writeln!(
            out,
            "hier {} root {} ctrls {:?} name {} v2 {}",
            b(h.mount_point),
            b(h.root),
            b(h.controllers()),
            b(h.name()),
            h.controllers().is_empty()
        )
        .unwrap();
        for target in [&b"/docker/c1"[..], b"/", b"/docker", b"/docker/", b"/dockerx", b"/docker/../x", b"/docker/..", b"/docker/a/..b", b"/docker//c", b"", b"/a:b"] {
            let mut buf = [0u8; 64];
            writeln!(out, "  procs {:?} -> {:?}", b(target), procs_path(&mut buf, h, target).map(|c| b(c.to_bytes()))).unwrap();
        }
    }
    let cg = b"12:pids:/p\n\
        11:cpu,cpuacct:/c:with:colons\n\
        10:cpu:/conly\n\
        9:name=systemd:/sd\n\
        8:cpu,:/trailing\n\
        7::\n\
        0::/unified/path\n\
        garbage\n\
        6:blkio\n\
        5:memory:\n\
        ::/noid\n";
    for ctrls in [&b""[..], b"rw,pids", b"rw,cpu,cpuacct", b"rw,cpu", b"rw,cpuacct", b"rw,name=systemd", b"rw,blkio", b"rw,memory", b"rw,", b",", b"rw,nsdelegate"] {
        writeln!(out, "own {:?} -> {:?} {:?}", b(ctrls), own_path(cg, ctrls).map(b), own_line(cg, ctrls).map(|(c, p)| (b(c), b(p)))).unwrap();
    }
    // The PATH walk: empty entries, `//`, trailing `:`, long entries.
    let long = "d".repeat(4090);
    for (file, path) in [
        ("sh", "/bin:/usr/bin"),
        ("sh", ""),
        ("sh", ":"),
        ("sh", "::/x:"),
        ("sh", "/a//:/b/"),
        ("sh", &*format!("/{long}:/ok")),
        ("a/b", "/x"),
        ("", "/x:/y"),
        ("sh", "/eacces:/enoent:/eacces"),
        ("sh", "/enotdir:/eperm:/later"),
        ("sh", "/eacces:/e2big"),
    ] {
        let f = CString::new(file).unwrap();
        let mut tried = Vec::new();
        let e = exec::search(&f, path.as_bytes(), |c: &CStr| {
            let s = b(c.to_bytes());
            let short = if s.len() > 40 { format!("{}..({})", &s[..20], s.len()) } else { s.clone() };
            tried.push(short);
            if s.starts_with("/eacces") {
                Errno::EACCES
            } else if s.starts_with("/enotdir") {
                Errno::ENOTDIR
            } else if s.starts_with("/eperm") {
                Errno::EPERM
            } else if s.starts_with("/e2big") {
                Errno::E2BIG
            } else {
                Errno::ENOENT
            }
        });
        writeln!(out, "search {file:?} {:?} -> {e:?} tried {tried:?}", if path.len() > 40 { "long" } else { path }).unwrap();
    }
    // The command line: long options and environment names, whole names only.
    let args: &[&[&str]] = &[
        &["--trace", "x"],
        &["--tracex", "x"],
        &["--trac", "x"],
        &["--trace=", "x"],
        &["--spec-fd", "3"],
        &["--spec-fd=3"],
        &["--spec-f=3"],
        &["--spec"],
        &["--spec="],
        &["--specx=/a"],
        &["--spec", "/a", "--", "x"],
        &["--check", "--spec=/a"],
        &["--version"],
        &["--help"],
        &["--help=1"],
        &["--enter=5", "--spec=/a", "x"],
        &["--enter=0", "--spec=/a"],
        &["--enter=+5"],
        &["--enter", "5", "x"],
        &["--", "x"],
        &["--=x"],
        &["---trace"],
        &["-s", "-g", "-w", "-vvv", "x"],
        &["-x", "y"],
        &["-S"],
        &["-e", "256"],
        &["-e3", "-e", "255", "x"],
        &["-pSIGTERM", "x"],
        &["-p", "KILL", "x"],
        &["-h"],
        &["-l"],
        &["-sgx"],
        &["x", "--trace"],
    ];
    for a in args {
        let argv: Vec<CString> = std::iter::once("nsinit").chain(a.iter().copied()).map(|s| CString::new(s).unwrap()).collect();
        let r = cli::parse(argv.iter().map(|c| c.as_c_str()), std::iter::empty());
        writeln!(out, "cli {a:?} -> {r:?}").unwrap();
    }
    let envs: &[&[&str]] = &[
        &["NSINIT_TRACE=1"],
        &["NSINIT_TRACE=0"],
        &["NSINIT_TRACE="],
        &["NSINIT_TRACE"],
        &["NSINIT_TRACEX=1"],
        &["XNSINIT_TRACE=1"],
        &["NSINIT_TRAC=1"],
        &["nsinit_trace=1"],
        &["NSINIT_TRACE==1"],
        &["NSINIT_SUBREAPER=1", "NSINIT_KILL_PROCESS_GROUP=yes"],
        &["TINI_SUBREAPER=", "TINI_KILL_PROCESS_GROUP="],
        &["TINI_SUBREAPER", "TINI_KILL_PROCESS_GROUP"],
        &["TINI_SUBREAPERS=1"],
        &["NSINIT_SPEC_FD=3"],
        &["NSINIT_SPEC_FD=x"],
        &["NSINIT_SPEC_FD="],
        &["NSINIT_SPEC_FDX=3"],
        &["NSINIT_VERBOSITY=2", "TINI_VERBOSITY=0"],
        &["TINI_VERBOSITY=3"],
        &["TINI_VERBOSITY=x"],
        &["NSINIT_VERBOSITY=", "TINI_VERBOSITY=1"],
        &["NSINIT_VERBOSITY=999"],
        &["=1"],
        &["="],
        &[""],
        &["NSINIT_TRACE =1"],
    ];
    for e in envs {
        let argv = [c"nsinit", c"x"];
        let env: Vec<CString> = e.iter().map(|s| CString::new(*s).unwrap()).collect();
        let r = cli::parse(argv.iter().copied(), env.iter().map(|c| c.as_c_str()));
        writeln!(out, "env {e:?} -> {r:?}").unwrap();
        let r = cli::parse([c"nsinit", c"--spec-fd=4", c"x"].into_iter(), env.iter().map(|c| c.as_c_str()));
        writeln!(out, "env+spec {e:?} -> {r:?}").unwrap();
    }
    // Error lines: every errno's text, the objects.
    for n in 0..=140 {
        let mut l = Line::bare();
        l.errno(Errno::new(n));
        writeln!(out, "errno {n} -> {}", b(l.as_bytes())).unwrap();
    }
    for n in [511, 512, 4095, 4096, -1] {
        let mut l = Line::bare();
        l.errno(Errno::new(n));
        writeln!(out, "errno {n} -> {}", b(l.as_bytes())).unwrap();
    }
    for (o, r) in [
        (Object::None, Reason::Text("why")),
        (Object::Name(b""), Reason::Errno(Errno::EPERM)),
        (Object::Name(b"/a\nb"), Reason::Errno(Errno::ENOENT)),
        (Object::Typed(b"/sys/fs/cgroup", b"cgroup"), Reason::Errno(Errno::ENAMETOOLONG)),
        (Object::Num("pid ", 7), Reason::Text("not in a container: its mount and pid namespaces are nsinit's own")),
    ] {
        let mut l = Line::new();
        Error::new("step", o, r).write(&mut l);
        writeln!(out, "error -> {}", b(l.as_bytes())).unwrap();
    }
    // Signal names (one packed string now): whole names, `SIG` optional.
    for s in ["", "SIG", "SIGSIG", "SIGHUP", "HUP", "hup", "SIGHUPX", "SIGSIGHUP", "SIGSYS", "SYS", "SIGSTKFLT", "STOP TSTP", "STOP ", " HUP", "0", "1", "64", "65", "+1", "SIGRTMIN", "SIGIOT", "SIGPOLL", "SIGPWR", "IO"] {
        writeln!(out, "signal {s:?} -> {:?}", nsinit::signals::parse(s.as_bytes())).unwrap();
    }
    // parse_u32 as the passwd walk, the command line and signals use it.
    for s in ["", "0", "00", "+1", "-1", "4294967295", "4294967296", "1 ", " 1", "1a"] {
        writeln!(out, "u32 {s:?} -> {:?}", text::parse_u32(s.as_bytes())).unwrap();
    }
}

/// `resolve::ensure` in a real tree: the result (the made object's path
/// as /proc shows it, relative to the tree) and what the tree holds after.
fn ensure(out: &mut String) {
    let base = std::env::temp_dir().join(format!("nsinit-size-review-{}", std::process::id()));
    let cases: &[(&str, Kind)] = &[
        ("/a/b/c", Kind::Dir),
        ("a/b/c", Kind::File),
        ("//a//b//", Kind::Dir),
        ("/a/./b/.", Kind::File),
        ("/./", Kind::Dir),
        ("", Kind::Dir),
        ("/", Kind::File),
        (".", Kind::Dir),
        ("/x/../y", Kind::Dir),
        ("/..", Kind::Dir),
        ("/../../etc", Kind::Dir),
        ("/exists/f", Kind::File),
        ("/exists/f", Kind::Dir),
        ("/exists/f/below", Kind::Dir),
        ("/link/into", Kind::Dir),
        ("/dangling", Kind::File),
        ("/dangling_dir/sub", Kind::Dir),
        ("/abs_link/x", Kind::Dir),
        ("/dotdot_link/y", Kind::File),
        ("/loop/z", Kind::Dir),
        ("/chain1", Kind::Dir),
        ("/trail/", Kind::File),
    ];
    let n255 = "n".repeat(255);
    let n256 = "n".repeat(256);
    let deep = format!("/{}", ["p"; 2100].join("/"));
    let deep2 = format!("/{}", ["q"; 2047].join("/"));
    let long: Vec<(String, Kind)> = vec![
        (format!("/{n255}"), Kind::Dir),
        (format!("/{n256}"), Kind::Dir),
        (format!("/l/{n255}"), Kind::File),
        (format!("/l/{n256}"), Kind::File),
        (deep, Kind::Dir),
        (deep2, Kind::Dir),
        (format!("/{}", "r".repeat(4094)), Kind::Dir),
        (format!("/{}", "r".repeat(4095)), Kind::Dir),
    ];
    let all: Vec<(String, Kind)> = cases.iter().map(|(p, k)| (p.to_string(), *k)).chain(long).collect();
    for (path, kind) in all {
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("exists")).unwrap();
        std::fs::write(base.join("exists/f"), "").unwrap();
        std::fs::create_dir_all(base.join("real")).unwrap();
        symlink("real", base.join("link")).unwrap();
        symlink("nowhere", base.join("dangling")).unwrap();
        symlink("nodir/deeper", base.join("dangling_dir")).unwrap();
        symlink("/abs_target", base.join("abs_link")).unwrap();
        symlink("../../up", base.join("dotdot_link")).unwrap();
        symlink("loop", base.join("loop")).unwrap();
        for i in 1..12 {
            symlink(format!("chain{}", i + 1), base.join(format!("chain{i}"))).unwrap();
        }
        symlink("trail_target", base.join("trail")).unwrap();
        let root = std::fs::File::open(&base).unwrap();
        let r = resolve::ensure(root.as_raw_fd(), path.as_bytes(), kind);
        let shown = match &r {
            Ok(fd) => {
                let mut pbuf = [0u8; 32];
                let Ok(p) = std::fs::read_link(b(fd.proc_path(&mut pbuf).to_bytes())) else { return_unreadable(out, &path); continue };
                let rel = p.strip_prefix(&base).map(|r| format!("/{}", r.display())).unwrap_or_else(|_| format!("OUTSIDE {}", p.display()));
                if rel.len() > 40 { format!("Ok(..{} bytes)", rel.len()) } else { format!("Ok({rel})") }
            }
            Err(e) => format!("Err({e:?})"),
        };
        let _ = r.map(|fd: OwnedFd| drop(fd));
        let mut tree = Vec::new();
        walk(&base, &base, &mut tree);
        let label = if path.len() > 40 { format!("{}..({} bytes)", &path[..12], path.len()) } else { path.clone() };
        writeln!(out, "ensure {label:?} {kind:?} -> {shown} tree {}", tree.join(" ")).unwrap();
    }
    let _ = std::fs::remove_dir_all(&base);
}

/// An `ensure` whose result's path is past what readlink gives back.
fn return_unreadable(out: &mut String, path: &str) {
    writeln!(out, "ensure {}..({} bytes) -> Ok(a path readlink cannot give)", &path[..12], path.len()).unwrap();
}

fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        out.push(format!("({} bytes deep)", dir.as_os_str().len() - base.as_os_str().len()));
        return;
    };
    let mut entries: Vec<_> = rd.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        let rel = p.strip_prefix(base).unwrap().display().to_string();
        let rel = if rel.len() > 30 { format!("{}..({})", &rel[..10], rel.len()) } else { rel };
        let Ok(m) = std::fs::symlink_metadata(&p) else { out.push(format!("{rel}?")); continue };
        if m.file_type().is_symlink() {
            continue;
        } else if m.is_dir() {
            out.push(format!("{rel}/"));
            walk(base, &p, out);
        } else {
            out.push(rel);
        }
    }
}

#[test]
fn answers_as_before_the_size_work() {
    let mut out = String::new();
    pure(&mut out);
    ensure(&mut out);
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/size_review.golden");
    if let Some(to) = std::env::var_os("SIZE_REVIEW_WRITE") {
        std::fs::write(to, &out).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&golden).unwrap();
    for (i, (got, want)) in out.lines().zip(want.lines()).enumerate() {
        assert_eq!(got, want, "line {}", i + 1);
    }
    assert_eq!(out.lines().count(), want.lines().count());
}
