//! Numbers as text and back, without core::fmt (pure): the formatting the
//! messages, paths and environment entries need, in one place.

/// `n` in decimal, written at the end of `buf` (20 bytes hold any u64);
/// returns the digits.
pub fn decimal(n: u64, buf: &mut [u8; 20]) -> &[u8] {
    digits(n, 10, buf)
}

/// `n` in lower-case hexadecimal, without prefix.
pub fn hex(n: u64, buf: &mut [u8; 20]) -> &[u8] {
    digits(n, 16, buf)
}

/// `n` in `base` (2 to 16), as `decimal` and `hex`.
pub fn digits(mut n: u64, base: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    for slot in buf.iter_mut().rev() {
        *slot = b"0123456789abcdef".get((n % base) as usize).copied().unwrap_or(b'?');
        i -= 1;
        n /= base;
        if n == 0 {
            break;
        }
    }
    buf.get(i..).unwrap_or(&[])
}

/// A decimal u32: digits only, no sign, no overflow.
pub fn parse_u32(v: &[u8]) -> Option<u32> {
    if v.is_empty() {
        return None;
    }
    v.iter().try_fold(0u32, |n, d| if d.is_ascii_digit() { n.checked_mul(10)?.checked_add((d - b'0') as u32) } else { None })
}

/// The position of `word` in a space-separated list of words: names kept
/// as one string instead of a table of `&str`s (whose pointers and lengths
/// weigh more than the names), and one search loop for every table.
pub fn word_index(list: &[u8], word: &[u8]) -> Option<usize> {
    list.split(|&c| c == b' ').position(|w| w == word)
}

/// A list of names as the binary holds it: each name's length (one byte),
/// then its bytes. A list of `&[u8]` costs 16 bytes a name more (its
/// slice); a lookup still skips a name in one step. Built at compile time
/// (`pack_names`) for the spec's field names, capabilities, rlimits and
/// mount options; read with `find_name`, `nth_name` or `Parser::field`.
// Evaluated at compile time only: an index out of bounds fails the build.
#[allow(clippy::indexing_slicing)]
pub const fn names_len(names: &[&[u8]]) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < names.len() {
        n += 1 + names[i].len();
        i += 1;
    }
    n
}

/// `names` packed; `N` is `names_len(names)`.
// Evaluated at compile time only: an index out of bounds, or the panic,
// fails the build.
#[allow(clippy::indexing_slicing, clippy::panic)]
pub const fn pack_names<const N: usize>(names: &[&[u8]]) -> [u8; N] {
    let mut out = [0u8; N];
    let (mut i, mut at) = (0, 0);
    while i < names.len() {
        let w = names[i];
        if w.len() > 255 {
            panic!("a name longer than 255 bytes");
        }
        out[at] = w.len() as u8;
        at += 1;
        let mut j = 0;
        while j < w.len() {
            out[at] = w[j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    if at != N {
        panic!("pack_names: N is not names_len(names)");
    }
    out
}

/// The index of `name` in a packed list. A plain loop, lengths compared
/// first: a spec looks up every capability and mount option it names.
pub fn find_name(packed: &[u8], name: &[u8]) -> Option<usize> {
    let (mut rest, mut i) = (packed, 0);
    while let Some((&len, tail)) = rest.split_first() {
        let (n, tail) = tail.split_at_checked(len as usize)?;
        if len as usize == name.len() && n == name {
            return Some(i);
        }
        rest = tail;
        i += 1;
    }
    None
}

/// The name at `index` in a packed list.
pub fn nth_name(packed: &[u8], index: usize) -> Option<&[u8]> {
    let mut rest = packed;
    for _ in 0..index {
        let (&len, tail) = rest.split_first()?;
        rest = tail.get(len as usize..)?;
    }
    let (&len, tail) = rest.split_first()?;
    tail.get(..len as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let mut b = [0u8; 20];
        assert_eq!(decimal(0, &mut b), b"0");
        assert_eq!(decimal(42, &mut b), b"42");
        assert_eq!(decimal(u64::MAX, &mut b), b"18446744073709551615");
        assert_eq!(hex(0, &mut b), b"0");
        assert_eq!(hex(0x20000420, &mut b), b"20000420");
        assert_eq!(hex(u64::MAX, &mut b), b"ffffffffffffffff");
    }

    #[test]
    fn words() {
        let rows: &[(&str, Option<usize>)] = &[("a", Some(0)), ("bc", Some(1)), ("d", Some(2)), ("b", None), ("", None), ("a bc", None)];
        for (w, want) in rows {
            assert_eq!(word_index(b"a bc d", w.as_bytes()), *want, "{w}");
        }
    }

    #[test]
    fn parses() {
        let rows: &[(&str, Option<u32>)] =
            &[("0", Some(0)), ("42", Some(42)), ("4294967295", Some(u32::MAX)), ("4294967296", None), ("", None), ("-1", None), ("1a", None), (" 1", None)];
        for (s, want) in rows {
            assert_eq!(parse_u32(s.as_bytes()), *want, "{s}");
        }
    }

    #[test]
    fn packed_names() {
        const LIST: [&[u8]; 3] = [b"a", b"", b"xyz"];
        static PACKED: [u8; names_len(&LIST)] = pack_names(&LIST);
        assert_eq!(PACKED, *b"\x01a\x00\x03xyz");
        for (i, n) in LIST.iter().enumerate() {
            assert_eq!(find_name(&PACKED, n), Some(i));
            assert_eq!(nth_name(&PACKED, i), Some(*n));
        }
        assert_eq!(find_name(&PACKED, b"xy"), None);
        assert_eq!(nth_name(&PACKED, 3), None);
        // A list cut short ends it.
        assert_eq!(find_name(b"\x02a", b"a"), None);
        assert_eq!(nth_name(b"\x02a", 0), None);
    }
}
