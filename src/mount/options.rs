//! OCI mount options → mount(2) flags, propagation, recursive attributes and
//! filesystem data (pure). One table, read by `parse_word`.
//!
//! The words and their meaning follow runc (`libcontainer/specconv`,
//! `parseMountOptions`): flags apply in order, a later word undoes an earlier
//! one (`ro` then `rw` is read-write); propagation words are applied after the
//! mount; the `r*` words are recursive attributes for `mount_setattr`; `k=v`
//! and the bare words filesystems take as data are passed on as data; any
//! other word is an error, so a typo is caught before anything changes.

use libc::{
    MS_BIND, MS_DIRSYNC, MS_I_VERSION, MS_LAZYTIME, MS_MANDLOCK, MS_NOATIME, MS_NODEV, MS_NODIRATIME, MS_NOEXEC,
    MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_RELATIME, MS_REMOUNT, MS_SHARED, MS_SILENT, MS_SLAVE,
    MS_STRICTATIME, MS_SYNCHRONOUS, MS_UNBINDABLE,
};

/// MS_NOSYMFOLLOW (linux/mount.h, 5.10); not in every libc.
pub const MS_NOSYMFOLLOW: u64 = 256;

/// mount_setattr attributes (linux/mount.h).
pub const MOUNT_ATTR_RDONLY: u64 = 0x1;
pub const MOUNT_ATTR_NOSUID: u64 = 0x2;
pub const MOUNT_ATTR_NODEV: u64 = 0x4;
pub const MOUNT_ATTR_NOEXEC: u64 = 0x8;
pub const MOUNT_ATTR__ATIME: u64 = 0x70;
pub const MOUNT_ATTR_RELATIME: u64 = 0x0;
pub const MOUNT_ATTR_NOATIME: u64 = 0x10;
pub const MOUNT_ATTR_STRICTATIME: u64 = 0x20;
pub const MOUNT_ATTR_NODIRATIME: u64 = 0x80;
pub const MOUNT_ATTR_NOSYMFOLLOW: u64 = 0x200000;

/// What one option word means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Word {
    /// Set `flag` (clear it when `clear`).
    Flag { flag: u64, clear: bool },
    /// A propagation change applied after the mount (`MS_PRIVATE | MS_REC`, …).
    Propagation(u64),
    /// A recursive attribute (`mount_setattr(AT_RECURSIVE)`): set or clear.
    Recursive { set: u64, clr: u64 },
    /// Passed to the filesystem as mount data.
    Data,
    /// Known, but nsinit cannot do it: the reason.
    Unsupported(&'static str),
    Unknown,
}

const fn set(flag: u64) -> Word {
    Word::Flag { flag, clear: false }
}
const fn clr(flag: u64) -> Word {
    Word::Flag { flag, clear: true }
}
const fn rset(attr: u64) -> Word {
    // The atime attributes are one field: setting one clears the others.
    let clr = if attr & MOUNT_ATTR__ATIME != 0 { MOUNT_ATTR__ATIME } else { 0 };
    Word::Recursive { set: attr, clr }
}
const fn rclr(attr: u64) -> Word {
    Word::Recursive { set: 0, clr: attr }
}

/// The option table (runc's `mountFlags`, `mountPropagationMapping` and
/// `recAttrFlags`, plus the flags mount(8) knows).
const TABLE: &[(&str, Word)] = &[
    ("defaults", Word::Flag { flag: 0, clear: false }),
    ("ro", set(MS_RDONLY)),
    ("rw", clr(MS_RDONLY)),
    ("nosuid", set(MS_NOSUID)),
    ("suid", clr(MS_NOSUID)),
    ("nodev", set(MS_NODEV)),
    ("dev", clr(MS_NODEV)),
    ("noexec", set(MS_NOEXEC)),
    ("exec", clr(MS_NOEXEC)),
    ("sync", set(MS_SYNCHRONOUS)),
    ("async", clr(MS_SYNCHRONOUS)),
    ("dirsync", set(MS_DIRSYNC)),
    ("remount", set(MS_REMOUNT)),
    ("mand", set(MS_MANDLOCK)),
    ("nomand", clr(MS_MANDLOCK)),
    ("atime", clr(MS_NOATIME)),
    ("noatime", set(MS_NOATIME)),
    ("diratime", clr(MS_NODIRATIME)),
    ("nodiratime", set(MS_NODIRATIME)),
    ("relatime", set(MS_RELATIME)),
    ("norelatime", clr(MS_RELATIME)),
    ("strictatime", set(MS_STRICTATIME)),
    ("nostrictatime", clr(MS_STRICTATIME)),
    ("nosymfollow", set(MS_NOSYMFOLLOW)),
    ("symfollow", clr(MS_NOSYMFOLLOW)),
    ("lazytime", set(MS_LAZYTIME)),
    ("nolazytime", clr(MS_LAZYTIME)),
    ("iversion", set(MS_I_VERSION)),
    ("noiversion", clr(MS_I_VERSION)),
    ("silent", set(MS_SILENT)),
    ("loud", clr(MS_SILENT)),
    ("bind", set(MS_BIND)),
    ("rbind", set(MS_BIND | MS_REC)),
    ("private", Word::Propagation(MS_PRIVATE)),
    ("rprivate", Word::Propagation(MS_PRIVATE | MS_REC)),
    ("shared", Word::Propagation(MS_SHARED)),
    ("rshared", Word::Propagation(MS_SHARED | MS_REC)),
    ("slave", Word::Propagation(MS_SLAVE)),
    ("rslave", Word::Propagation(MS_SLAVE | MS_REC)),
    ("unbindable", Word::Propagation(MS_UNBINDABLE)),
    ("runbindable", Word::Propagation(MS_UNBINDABLE | MS_REC)),
    ("rro", rset(MOUNT_ATTR_RDONLY)),
    ("rrw", rclr(MOUNT_ATTR_RDONLY)),
    ("rnosuid", rset(MOUNT_ATTR_NOSUID)),
    ("rsuid", rclr(MOUNT_ATTR_NOSUID)),
    ("rnodev", rset(MOUNT_ATTR_NODEV)),
    ("rdev", rclr(MOUNT_ATTR_NODEV)),
    ("rnoexec", rset(MOUNT_ATTR_NOEXEC)),
    ("rexec", rclr(MOUNT_ATTR_NOEXEC)),
    ("rnodiratime", rset(MOUNT_ATTR_NODIRATIME)),
    ("rdiratime", rclr(MOUNT_ATTR_NODIRATIME)),
    ("rrelatime", Word::Recursive { set: MOUNT_ATTR_RELATIME, clr: MOUNT_ATTR__ATIME }),
    ("rnorelatime", rclr(MOUNT_ATTR_RELATIME)),
    ("rnoatime", rset(MOUNT_ATTR_NOATIME)),
    ("ratime", rclr(MOUNT_ATTR_NOATIME)),
    ("rstrictatime", rset(MOUNT_ATTR_STRICTATIME)),
    ("rnostrictatime", rclr(MOUNT_ATTR_STRICTATIME)),
    ("rnosymfollow", rset(MOUNT_ATTR_NOSYMFOLLOW)),
    ("rsymfollow", rclr(MOUNT_ATTR_NOSYMFOLLOW)),
    ("idmap", Word::Unsupported(IDMAP)),
    ("ridmap", Word::Unsupported(IDMAP)),
    ("tmpcopyup", Word::Unsupported(TMPCOPYUP)),
];

/// Bare words that filesystems take as data (not mount(2) flags): devpts,
/// tmpfs, overlay, cgroup2, ext4, xfs, btrfs.
const DATA_WORDS: &[&str] = &[
    "newinstance",
    "userxattr",
    "noswap",
    "nsdelegate",
    "memory_recursiveprot",
    "memory_localevents",
    "memory_hugetlb_accounting",
    "favordynmods",
    "inode64",
    "inode32",
    "volatile",
    "acl",
    "noacl",
    "user_xattr",
    "nouser_xattr",
    "norecovery",
    "discard",
    "nodiscard",
    "nouuid",
    "dax",
    "usrquota",
    "grpquota",
    "prjquota",
    "quota",
    "noquota",
    "barrier",
    "nobarrier",
    "ssd",
    "nossd",
    "compress",
    "xattr",
    "noprefix",
    "cpuset_v2_mode",
    "all",
    "none",
];

/// Classifies one option word: `TABLE`'s meaning, else data for the data
/// words and `k=v`, else unknown.
pub fn parse_word(w: &[u8]) -> Word {
    match crate::text::find_name(&WORDS, w).and_then(|i| PACKED.get(i)) {
        Some(&p) => unpack(p),
        None if w.contains(&b'=') => Word::Data,
        None => Word::Unknown,
    }
}

// `TABLE` and `DATA_WORDS` are read at compile time only: the binary holds
// their words packed (`WORDS`, as `text::names_len` says) and their
// meanings as one u32 each (`PACKED`), 4 bytes a word instead of a 40-byte
// entry and a 16-byte string slice.

/// Every word of `TABLE`, then of `DATA_WORDS`, each its length and bytes.
static WORDS: [u8; crate::text::names_len(&ALL_WORDS)] = crate::text::pack_names(&ALL_WORDS);
/// What each word of `WORDS` means (`pack`).
static PACKED: [u32; TABLE.len() + DATA_WORDS.len()] = packed();

const IDMAP: &str = "id-mapped mounts are not supported";
const TMPCOPYUP: &str = "tmpcopyup is not supported";

/// A word's meaning in 32 bits: the kind in the top 3, then for a flag or
/// a propagation its mount(2) bits (all below 2^29), for recursive
/// attributes the bits to clear and to set, 9 each (`attr9`).
// Evaluated at compile time only: a value that does not fit, or an
// unsupported reason without a code, fails the build.
#[allow(clippy::panic)]
const fn pack(w: Word) -> u32 {
    let (kind, v) = match w {
        Word::Flag { flag, clear } => (clear as u32, flag),
        Word::Propagation(p) => (2, p),
        Word::Recursive { set, clr } => (3, attr9(clr) << 9 | attr9(set)),
        Word::Data => (4, 0),
        Word::Unsupported(why) if same(why.as_bytes(), IDMAP.as_bytes()) => (5, 0),
        Word::Unsupported(why) if same(why.as_bytes(), TMPCOPYUP.as_bytes()) => (6, 0),
        Word::Unsupported(_) => panic!("an unsupported reason without a code"),
        Word::Unknown => (7, 0),
    };
    if v >= 1 << 29 {
        panic!("a mount flag past 2^29");
    }
    kind << 29 | v as u32
}

/// A mount attribute in 9 bits: the low 8 as they are, MOUNT_ATTR_NOSYMFOLLOW
/// (the only one above) as the 9th.
// Evaluated at compile time only: the panic fails the build.
#[allow(clippy::panic)]
const fn attr9(attr: u64) -> u64 {
    if attr & !(0xff | MOUNT_ATTR_NOSYMFOLLOW) != 0 {
        panic!("a recursive attribute past 9 bits");
    }
    (attr & 0xff) | if attr & MOUNT_ATTR_NOSYMFOLLOW != 0 { 0x100 } else { 0 }
}

fn unpack(p: u32) -> Word {
    let v = u64::from(p & ((1 << 29) - 1));
    let attr = |a: u64| (a & 0xff) | if a & 0x100 != 0 { MOUNT_ATTR_NOSYMFOLLOW } else { 0 };
    match p >> 29 {
        0 => Word::Flag { flag: v, clear: false },
        1 => Word::Flag { flag: v, clear: true },
        2 => Word::Propagation(v),
        3 => Word::Recursive { set: attr(v & 0x1ff), clr: attr(v >> 9) },
        4 => Word::Data,
        5 => Word::Unsupported(IDMAP),
        6 => Word::Unsupported(TMPCOPYUP),
        _ => Word::Unknown,
    }
}

// Evaluated at compile time only: an index out of bounds fails the build.
#[allow(clippy::indexing_slicing)]
const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The word at `i` of `TABLE` then `DATA_WORDS`, with its meaning.
// Evaluated at compile time only: an index out of bounds fails the build.
#[allow(clippy::indexing_slicing)]
const fn word(i: usize) -> (&'static str, Word) {
    if i < TABLE.len() { TABLE[i] } else { (DATA_WORDS[i - TABLE.len()], Word::Data) }
}

/// The words of `TABLE` then `DATA_WORDS`, for `WORDS` (compile time only).
// Evaluated at compile time only: an index out of bounds fails the build.
#[allow(clippy::indexing_slicing)]
const ALL_WORDS: [&[u8]; TABLE.len() + DATA_WORDS.len()] = {
    let mut all: [&[u8]; TABLE.len() + DATA_WORDS.len()] = [b""; TABLE.len() + DATA_WORDS.len()];
    let mut i = 0;
    while i < all.len() {
        all[i] = word(i).0.as_bytes();
        i += 1;
    }
    all
};

// Evaluated at compile time only: an index out of bounds fails the build.
#[allow(clippy::indexing_slicing)]
const fn packed() -> [u32; TABLE.len() + DATA_WORDS.len()] {
    let mut out = [0u32; TABLE.len() + DATA_WORDS.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = pack(word(i).1);
        i += 1;
    }
    out
}

/// The flags, propagation and recursive attributes of one mount, folded from
/// its words in order (data words are collected by the caller).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// mount(2) flags, including `MS_BIND` / `MS_BIND | MS_REC` for binds.
    pub flags: u64,
    /// The last propagation word, applied after the mount (0: none).
    pub propagation: u64,
    /// `mount_setattr(AT_RECURSIVE)` attributes to set and clear.
    pub rec_set: u64,
    pub rec_clr: u64,
}

impl Options {
    /// Folds one (non-data, supported) word in.
    pub fn apply(&mut self, w: Word) {
        match w {
            Word::Flag { flag, clear: false } => self.flags |= flag,
            Word::Flag { flag, clear: true } => self.flags &= !flag,
            Word::Propagation(p) => self.propagation = p,
            Word::Recursive { set, clr } => {
                self.rec_set = (self.rec_set & !clr) | set;
                self.rec_clr = (self.rec_clr & !set) | clr;
            }
            Word::Data | Word::Unsupported(_) | Word::Unknown => {}
        }
    }

    pub fn is_bind(&self) -> bool {
        self.flags & MS_BIND != 0
    }

    pub fn is_recursive_bind(&self) -> bool {
        self.flags & (MS_BIND | MS_REC) == MS_BIND | MS_REC
    }
}

/// The per-mount attributes (`mount_setattr`) equal to mount(2) flags:
/// (attributes to set, attributes to clear). The atime mode is one field:
/// when a flag names one, the field is cleared and set as a whole; when none
/// does, it is left alone.
pub fn flags_to_attrs(flags: u64) -> (u64, u64) {
    const PAIRS: [(u64, u64); 6] = [
        (libc::MS_RDONLY, MOUNT_ATTR_RDONLY),
        (libc::MS_NOSUID, MOUNT_ATTR_NOSUID),
        (libc::MS_NODEV, MOUNT_ATTR_NODEV),
        (libc::MS_NOEXEC, MOUNT_ATTR_NOEXEC),
        (libc::MS_NODIRATIME, MOUNT_ATTR_NODIRATIME),
        (MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW),
    ];
    let set = PAIRS.iter().filter(|(f, _)| flags & f != 0).fold(0, |a, (_, m)| a | m);
    let atime = if flags & libc::MS_NOATIME != 0 {
        Some(MOUNT_ATTR_NOATIME)
    } else if flags & libc::MS_STRICTATIME != 0 {
        Some(MOUNT_ATTR_STRICTATIME)
    } else if flags & libc::MS_RELATIME != 0 {
        Some(MOUNT_ATTR_RELATIME)
    } else {
        None
    };
    match atime {
        Some(a) => (set | a, MOUNT_ATTR__ATIME),
        None => (set, 0),
    }
}

/// The flag name of a propagation word, for `linux.rootfsPropagation`.
pub fn parse_propagation(w: &[u8]) -> Option<u64> {
    match parse_word(w) {
        Word::Propagation(p) => Some(p),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(words: &[&str]) -> (Options, Vec<String>) {
        let mut o = Options::default();
        let mut data = Vec::new();
        for w in words {
            match parse_word(w.as_bytes()) {
                Word::Data => data.push(w.to_string()),
                Word::Unknown | Word::Unsupported(_) => panic!("{w}"),
                x => o.apply(x),
            }
        }
        (o, data)
    }

    #[test]
    fn classifies_words() {
        let rows: &[(&str, Word)] = &[
            ("ro", Word::Flag { flag: MS_RDONLY, clear: false }),
            ("rw", Word::Flag { flag: MS_RDONLY, clear: true }),
            ("nosymfollow", Word::Flag { flag: MS_NOSYMFOLLOW, clear: false }),
            ("rbind", Word::Flag { flag: MS_BIND | MS_REC, clear: false }),
            ("rslave", Word::Propagation(MS_SLAVE | MS_REC)),
            ("unbindable", Word::Propagation(MS_UNBINDABLE)),
            ("rro", Word::Recursive { set: MOUNT_ATTR_RDONLY, clr: 0 }),
            ("rrw", Word::Recursive { set: 0, clr: MOUNT_ATTR_RDONLY }),
            ("rnoatime", Word::Recursive { set: MOUNT_ATTR_NOATIME, clr: MOUNT_ATTR__ATIME }),
            ("rrelatime", Word::Recursive { set: 0, clr: MOUNT_ATTR__ATIME }),
            ("mode=755", Word::Data),
            ("size=65536k", Word::Data),
            ("newinstance", Word::Data),
            ("nsdelegate", Word::Data),
            ("idmap", Word::Unsupported("id-mapped mounts are not supported")),
            ("nosuidd", Word::Unknown),
            ("", Word::Unknown),
            ("RO", Word::Unknown),
        ];
        for (w, want) in rows {
            assert_eq!(parse_word(w.as_bytes()), *want, "{w}");
        }
    }

    #[test]
    fn folds_in_order() {
        let (o, data) = fold(&["nosuid", "strictatime", "mode=755", "size=65536k"]);
        assert_eq!(o.flags, MS_NOSUID | MS_STRICTATIME);
        assert_eq!(data, ["mode=755", "size=65536k"]);
        let (o, _) = fold(&["ro", "rw"]);
        assert_eq!(o.flags & MS_RDONLY, 0);
        let (o, _) = fold(&["rw", "ro"]);
        assert_eq!(o.flags & MS_RDONLY, MS_RDONLY);
        let (o, _) = fold(&["rbind", "rprivate", "rro"]);
        assert!(o.is_bind() && o.is_recursive_bind());
        assert_eq!(o.propagation, MS_PRIVATE | MS_REC);
        assert_eq!((o.rec_set, o.rec_clr), (MOUNT_ATTR_RDONLY, 0));
        let (o, _) = fold(&["rro", "rrw"]);
        assert_eq!((o.rec_set, o.rec_clr), (0, MOUNT_ATTR_RDONLY));
    }

    #[test]
    fn every_table_word_is_reachable() {
        for (name, word) in TABLE {
            assert_eq!(parse_word(name.as_bytes()), *word, "{name}");
        }
        for d in DATA_WORDS {
            assert_eq!(parse_word(d.as_bytes()), Word::Data, "{d}");
        }
    }

    #[test]
    fn flags_become_attributes() {
        let all = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME;
        assert_eq!(
            flags_to_attrs(all),
            (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME)
        );
        assert_eq!(flags_to_attrs(MS_RELATIME), (MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME));
        assert_eq!(flags_to_attrs(MS_STRICTATIME | MS_NOSYMFOLLOW), (MOUNT_ATTR_STRICTATIME | MOUNT_ATTR_NOSYMFOLLOW, MOUNT_ATTR__ATIME));
        assert_eq!(flags_to_attrs(MS_BIND | MS_REC), (0, 0));
        assert_eq!(flags_to_attrs(MS_RDONLY), (MOUNT_ATTR_RDONLY, 0));
    }

    #[test]
    fn propagation_words() {
        assert_eq!(parse_propagation(b"rslave"), Some(MS_SLAVE | MS_REC));
        assert_eq!(parse_propagation(b"private"), Some(MS_PRIVATE));
        assert_eq!(parse_propagation(b"ro"), None);
        assert_eq!(parse_propagation(b"bogus"), None);
    }
}
