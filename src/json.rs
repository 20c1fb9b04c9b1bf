//! A JSON pull parser that needs no heap and copies nothing.
//!
//! The parser walks a mutable buffer holding the whole document. Every string
//! is unescaped in place and NUL-terminated where it stands (an escape never
//! grows, and the closing quote leaves room for the NUL), so each string the
//! caller gets is a `&CStr` borrowed from the buffer, ready for a syscall.
//! The buffer is consumed front to back with `split_at_mut`: bytes handed out
//! are never written again, which keeps all of this safe code.
//!
//! The caller drives the walk (`object`/`key`, `array`/`elem`, `string`,
//! `u64`, …) and the parser keeps the JSON path of the value being read, so
//! every error names its field: `mounts[2].options[1]`. Values the caller does
//! not want are skipped with `skip`, iteratively, without recursion.

use crate::sys::cstr::Str;

/// Deepest path the schema walk may reach (e.g. `linux.seccomp.syscalls[0].args[0].op`).
pub const MAX_PATH: usize = 8;
/// Deepest nesting `skip` accepts in a value nobody reads.
pub const MAX_SKIP_DEPTH: u32 = 128;

/// One step of a JSON path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seg<'a> {
    Key(&'a [u8]),
    Index(u32),
}

/// Where in the document a value sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Path<'a> {
    segs: [Seg<'a>; MAX_PATH],
    len: usize,
}

impl<'a> Path<'a> {
    pub const fn root() -> Self {
        Path { segs: [Seg::Index(0); MAX_PATH], len: 0 }
    }

    /// A path from static names, for errors found after parsing.
    pub fn of(segs: &[Seg<'a>]) -> Self {
        let mut p = Path::root();
        for (slot, s) in p.segs.iter_mut().zip(segs) {
            *slot = *s;
            p.len += 1;
        }
        p
    }

    /// This path extended by one segment (unchanged when full).
    pub fn with(mut self, s: Seg<'a>) -> Self {
        self.push(s);
        self
    }

    pub fn segs(&self) -> &[Seg<'a>] {
        self.segs.get(..self.len).unwrap_or(&[])
    }

    fn push(&mut self, s: Seg<'a>) -> bool {
        match self.segs.get_mut(self.len) {
            Some(slot) => {
                *slot = s;
                self.len += 1;
                true
            }
            None => false,
        }
    }

    fn pop(&mut self) {
        self.len = self.len.saturating_sub(1);
    }

    fn top(&mut self) -> Option<&mut Seg<'a>> {
        self.len.checked_sub(1).and_then(|i| self.segs.get_mut(i))
    }

    /// Writes `a.b[2].c` to `out`.
    pub fn write(&self, out: &mut impl FnMut(&[u8])) {
        for (i, s) in self.segs().iter().enumerate() {
            match s {
                Seg::Key(k) => {
                    if i > 0 {
                        out(b".");
                    }
                    out(k);
                }
                Seg::Index(n) => {
                    out(b"[");
                    let mut d = [0u8; 20];
                    out(crate::text::decimal(*n as u64, &mut d));
                    out(b"]");
                }
            }
        }
    }
}

/// What went wrong, at a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind<'a> {
    /// Not JSON: what was expected, and the byte offset where it was not found.
    Syntax(&'static str, usize),
    /// Valid JSON of the wrong type for this field: "expected a string".
    Type(&'static str),
    /// A number that does not fit the field.
    Range(&'static str),
    /// A list holds more than nsinit has room for.
    TooMany(usize),
    /// Lists together hold more than nsinit has room for: the limit and
    /// what it counts ("syscall names in all rules").
    TooManyInAll(usize, &'static str),
    /// A required field of this object is absent.
    Missing(&'static str),
    /// A value nsinit does not know: message and the value, printed quoted.
    Unknown(&'static str, &'a [u8]),
    /// A value that is wrong for another reason.
    Invalid(&'static str),
    /// A field whose effect nsinit does not implement (yet, or ever).
    Unsupported(&'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error<'a> {
    pub path: Path<'a>,
    pub kind: Kind<'a>,
}

/// A failure inside the walk. What went wrong is kept in the parser
/// (`Parser::fail`), and where is where the parser stands when the failure
/// returns: the caller of the walk reads both once (`Parser::error`). The
/// walk's `?`s carry nothing, which keeps each of them a single branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fail;

pub type Result<T> = core::result::Result<T, Fail>;

/// Keys remembered per open object to refuse duplicates.
const SEEN_KEYS: usize = 32;

pub struct Parser<'a> {
    rest: &'a mut [u8],
    /// The keys that name no known field read so far in each open object
    /// (the first SEEN_KEYS of them): a duplicate key is an error, never a
    /// silent merge.
    /// One flat list, `SEEN_KEYS` slots per depth, `None` past `seen_len`:
    /// a new parser is one run of zeros, where `&[]` (a non-null dangling
    /// pointer) in nested arrays was written slot by slot, then copied 8
    /// times (-46 B of binary, and 4 KiB less copying per parse).
    seen: [Option<&'a [u8]>; SEEN_KEYS * MAX_PATH],
    seen_len: [u8; MAX_PATH],
    /// The known fields read so far in each open object, one bit per
    /// name of the list given to `field`: a field given twice, in any
    /// case, is an error, however many keys the object has.
    fields_seen: [u64; MAX_PATH],
    /// Offset of `rest` in the document, for syntax errors.
    off: usize,
    path: Path<'a>,
    /// Just consumed `{` or `[`: the next token may close it.
    opened: bool,
    /// What failed, once something has.
    failed: Option<Kind<'a>>,
}

impl<'a> Parser<'a> {
    pub fn new(doc: &'a mut [u8]) -> Self {
        Parser {
            rest: doc,
            seen: [None; SEEN_KEYS * MAX_PATH],
            seen_len: [0; MAX_PATH],
            fields_seen: [0; MAX_PATH],
            off: 0,
            path: Path::root(),
            opened: false,
            failed: None,
        }
    }

    pub fn path(&self) -> Path<'a> {
        self.path
    }

    /// Records what failed; returns the `Fail` to propagate. Never inlined:
    /// inlined, each of the walk's ~60 failure sites stored a whole `Kind`
    /// into the parser (-736 B of binary outlined).
    #[cold]
    #[inline(never)]
    pub fn fail(&mut self, kind: Kind<'a>) -> Fail {
        self.failed = Some(kind);
        Fail
    }

    // Failures of one kind each, out of line: a site passes its message
    // in registers where it built the whole `Kind`.

    #[cold]
    #[inline(never)]
    fn invalid(&mut self, why: &'static str) -> Fail {
        self.fail(Kind::Invalid(why))
    }

    #[cold]
    #[inline(never)]
    fn type_fail(&mut self, what: &'static str) -> Fail {
        self.fail(Kind::Type(what))
    }

    #[cold]
    #[inline(never)]
    fn range(&mut self, why: &'static str) -> Fail {
        self.fail(Kind::Range(why))
    }

    /// What failed, if something has.
    pub fn failed(&self) -> Option<Kind<'a>> {
        self.failed
    }

    /// When what failed is a list's limit, says what the limit counts: a
    /// pool shared by several lists ("syscall names in all rules"). Once,
    /// out of line: inlined, each caller copied the whole `Kind` twice.
    #[cold]
    #[inline(never)]
    pub fn in_all(&mut self, what: &'static str) {
        if let Some(Kind::TooMany(n)) = self.failed {
            self.failed = Some(Kind::TooManyInAll(n, what));
        }
    }

    /// The failure of the walk, placed at the current path.
    pub fn error(&self) -> Error<'a> {
        self.locate(self.failed.unwrap_or(Kind::Invalid("failed")))
    }

    /// An error of the walk, placed at the current path.
    pub fn locate(&self, kind: Kind<'a>) -> Error<'a> {
        let mut path = self.path;
        // An object whose key is not read yet holds an empty key as a
        // placeholder (`object`): an error there (in or after the key) is
        // the object's, not a field named "".
        if matches!(path.segs().last(), Some(Seg::Key(k)) if k.is_empty()) {
            path.pop();
        }
        Error { path, kind }
    }

    fn syntax(&mut self, what: &'static str) -> Fail {
        self.syntax_at(what, self.off)
    }

    /// A syntax error at byte `at`, its arguments in registers where each
    /// site built the whole `Kind`.
    #[cold]
    #[inline(never)]
    fn syntax_at(&mut self, what: &'static str, at: usize) -> Fail {
        self.fail(Kind::Syntax(what, at))
    }

    fn skip_ws(&mut self) {
        let n = self.rest.iter().take_while(|&&c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')).count();
        self.advance(n);
    }

    fn advance(&mut self, n: usize) {
        let rest = core::mem::take(&mut self.rest);
        let n = n.min(rest.len());
        self.rest = rest.get_mut(n..).unwrap_or(&mut []);
        self.off += n;
    }

    /// The next significant byte, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.rest.first().copied()
    }

    fn expect(&mut self, c: u8, what: &'static str) -> Result<()> {
        if self.peek() == Some(c) {
            self.advance(1);
            Ok(())
        } else {
            Err(self.syntax(what))
        }
    }

    /// Consumes a `null` if one is next: an optional field given as null is absent.
    pub fn null(&mut self) -> Result<bool> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            return Ok(true);
        }
        Ok(false)
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<()> {
        if self.rest.starts_with(word) {
            self.advance(word.len());
            Ok(())
        } else {
            Err(self.syntax("expected a JSON value"))
        }
    }

    /// An optional object: false for null, else true once it is open
    /// (then call `next_field`).
    pub fn object_or_null(&mut self) -> Result<bool> {
        if self.null()? {
            return Ok(false);
        }
        self.object().map(|_| true)
    }

    /// An optional array: false for null, else true once it is open (then
    /// call `elem`).
    pub fn array_or_null(&mut self) -> Result<bool> {
        if self.null()? {
            return Ok(false);
        }
        self.array().map(|_| true)
    }

    /// Starts reading an object; then call `key` until it returns None.
    pub fn object(&mut self) -> Result<()> {
        if self.peek() != Some(b'{') {
            return Err(self.type_error("expected an object"));
        }
        self.advance(1);
        if !self.path.push(Seg::Key(b"")) {
            return Err(self.invalid("nested too deep"));
        }
        let depth = self.path.len.saturating_sub(1);
        if let Some(n) = self.seen_len.get_mut(depth) {
            *n = 0;
        }
        if let Some(f) = self.fields_seen.get_mut(depth) {
            *f = 0;
        }
        self.opened = true;
        Ok(())
    }

    /// The next key of the current object (the path now points at its value),
    /// or None at the closing brace.
    pub fn key(&mut self) -> Result<Option<Str<'a>>> {
        let first = core::mem::take(&mut self.opened);
        match self.peek() {
            Some(b'}') => {
                self.advance(1);
                self.path.pop();
                return Ok(None);
            }
            Some(b',') if !first => self.advance(1),
            _ if first => {}
            _ => return Err(self.syntax("expected ',' or '}'")),
        }
        if self.peek() != Some(b'"') {
            return Err(self.syntax("expected a string key"));
        }
        let (k, bytes) = self.string_raw()?;
        self.expect(b':', "expected ':'")?;
        if let Some(top) = self.path.top() {
            *top = Seg::Key(bytes);
        }
        Ok(Some(k))
    }

    /// The key just read (the path's last segment).
    pub fn last_key(&mut self) -> &'a [u8] {
        match self.path.top() {
            Some(Seg::Key(k)) => k,
            _ => &[],
        }
    }

    /// A duplicate of the key just read is an error: Go's encoding/json
    /// keeps the last of duplicate keys (or merges), a merge would keep
    /// both: either way the spec would not say what it seems to.
    fn duplicate(&mut self, key: &'a [u8]) -> Fail {
        if let Some(top) = self.path.top() {
            *top = Seg::Key(b"");
        }
        self.fail(Kind::Unknown("duplicate key", key))
    }

    /// Which of `names` (the fields of the object being read) the key `k`
    /// just read names, as runc's Go `encoding/json` matches keys: exactly,
    /// else ignoring ASCII case (`"Seccomp"` is `seccomp` to runc, so it
    /// must be to nsinit, or the workload would run without its filter).
    /// Returns the index of the name in `names`, or None when it names none
    /// (`last_key` is then the key).
    /// A field named twice, in any spelling, is an error; so is a key that
    /// matches a field only through Unicode case folding (the Kelvin sign
    /// for `k`, the long s for `s`, dotted and dotless i): Go versions
    /// differ on those, and nsinit must never confine less than runc.
    /// Keys of maps (sysctl names) are matched with no names: exactly.
    /// `names` is packed (`pack`).
    pub fn field(&mut self, names: &[u8]) -> Result<Option<usize>> {
        let key = self.last_key();
        // The name equal to the key; else the first equal but for ASCII
        // case; failing both, one equal only through Unicode folding is
        // an error. Two passes of one loop over the packed names.
        let (mut found, mut unicode) = (None, false);
        'passes: for exact in [true, false] {
            let (mut rest, mut i) = (names, 0);
            while let Some((&len, r)) = rest.split_first() {
                let Some((n, r)) = r.split_at_checked(len as usize) else { break };
                let fold = if !exact {
                    fold_match(key, n)
                } else if n.len() == key.len() && n == key {
                    Fold::Ascii
                } else {
                    Fold::No
                };
                match fold {
                    Fold::Ascii => {
                        found = Some(i);
                        break 'passes;
                    }
                    Fold::Unicode => unicode = true,
                    Fold::No => {}
                }
                rest = r;
                i += 1;
            }
        }
        if found.is_none() && unicode {
            return Err(self.fail(Kind::Unknown("key matches a field only by Unicode case folding", key)));
        }
        let depth = self.path.len.saturating_sub(1);
        let Some(i) = found else {
            // A key of no known field: compared with the others before it.
            if let (Some(seen), Some(n)) = (self.seen.get_mut(depth * SEEN_KEYS..).and_then(|s| s.get_mut(..SEEN_KEYS)), self.seen_len.get_mut(depth)) {
                if seen.get(..*n as usize).unwrap_or(&[]).contains(&Some(key)) {
                    return Err(self.duplicate(key));
                }
                if let Some(slot) = seen.get_mut(*n as usize) {
                    *slot = Some(key);
                    *n += 1;
                }
            }
            return Ok(None);
        };
        let bit = 1u64 << (i & 63);
        if let Some(seen) = self.fields_seen.get_mut(depth) {
            if *seen & bit != 0 {
                return Err(self.duplicate(key));
            }
            *seen |= bit;
        }
        Ok(Some(i))
    }

    /// The next key of the current object that names one of `names` (the
    /// fields the caller reads; matched by `field`): its index, the path
    /// pointing at its value. The value of any other key is skipped. None
    /// at the closing brace. One call per field where the schema walk's
    /// every object inlined `key`, `field` and `skip`.
    pub fn next_field(&mut self, names: &[u8]) -> Result<Option<usize>> {
        while self.key()?.is_some() {
            if let Some(i) = self.field(names)? {
                return Ok(Some(i));
            }
            self.skip()?;
        }
        Ok(None)
    }

    /// Starts reading an array; then call `elem` until it returns false.
    pub fn array(&mut self) -> Result<()> {
        if self.peek() != Some(b'[') {
            return Err(self.type_error("expected an array"));
        }
        self.advance(1);
        if !self.path.push(Seg::Index(u32::MAX)) {
            return Err(self.invalid("nested too deep"));
        }
        self.opened = true;
        Ok(())
    }

    /// True when another element follows (the path now points at it).
    pub fn elem(&mut self) -> Result<bool> {
        let first = core::mem::take(&mut self.opened);
        match self.peek() {
            Some(b']') => {
                self.advance(1);
                self.path.pop();
                return Ok(false);
            }
            Some(b',') if !first => self.advance(1),
            _ if first => {}
            _ => return Err(self.syntax("expected ',' or ']'")),
        }
        if let Some(Seg::Index(i)) = self.path.top() {
            *i = i.wrapping_add(1);
        }
        Ok(true)
    }

    /// A type error, unless the next token is not a JSON value at all.
    fn type_error(&mut self, what: &'static str) -> Fail {
        match self.peek() {
            Some(b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => self.type_fail(what),
            None => self.syntax("unexpected end of input"),
            _ => self.syntax("expected a JSON value"),
        }
    }

    /// A string, unescaped and NUL-terminated in place.
    pub fn string(&mut self) -> Result<Str<'a>> {
        self.string_and_bytes().map(|(s, _)| s)
    }

    /// A string, and its bytes (without a second look for its end).
    pub fn string_and_bytes(&mut self) -> Result<(Str<'a>, &'a [u8])> {
        if self.peek() != Some(b'"') {
            return Err(self.type_error("expected a string"));
        }
        self.string_raw()
    }

    /// The string at the cursor, unescaped and NUL-terminated in place: as
    /// a Str and as bytes (without the NUL).
    fn string_raw(&mut self) -> Result<(Str<'a>, &'a [u8])> {
        self.advance(1); // the opening quote
        let start = self.off;
        let buf = core::mem::take(&mut self.rest);
        // Up to the first quote, backslash, control or non-ASCII byte
        // nothing moves and nothing needs a closer look: most strings end
        // there.
        let first = buf.iter().position(|&c| c == b'"' || c == b'\\' || !(0x20..0x80).contains(&c)).unwrap_or(buf.len());
        let (mut r, mut w) = (first, first);
        let (mut nul, mut utf8) = (false, true);
        loop {
            let Some(&c) = buf.get(r) else {
                return Err(self.syntax_at("unterminated string", start + r));
            };
            // The bytes to write at w, and how many were read at r.
            let mut out = [0u8; 4];
            let (len, used) = match c {
                b'"' => break,
                b'\\' => {
                    let Some((ch, used)) = unescape(buf.get(r + 1..).unwrap_or(&[])) else {
                        return Err(self.syntax_at("invalid escape", start + r));
                    };
                    nul |= ch == '\0';
                    (ch.encode_utf8(&mut out).len(), 1 + used)
                }
                0..=0x1f => return Err(self.syntax_at("control character in string", start + r)),
                // Raw UTF-8 is checked as it is copied: an escape is a whole
                // character, so the raw sequences are valid exactly when
                // the unescaped text is. An invalid byte is kept and said
                // once the string's end is known, as from the whole text.
                _ => {
                    let n = if c < 0x80 { Some(1) } else { utf8_len(buf.get(r..).unwrap_or(&[])) };
                    utf8 &= n.is_some();
                    let n = n.unwrap_or(1);
                    for (i, o) in out.iter_mut().enumerate().take(n) {
                        *o = buf.get(r + i).copied().unwrap_or(0);
                    }
                    (n, n)
                }
            };
            // An escape is at least two bytes and its UTF-8 at most as
            // long, so w + len <= r + used: in bounds.
            for (i, b) in out.iter().enumerate().take(len) {
                if let Some(slot) = buf.get_mut(w + i) {
                    *slot = *b;
                }
            }
            w += len;
            r += used;
        }
        // buf[r] is the closing quote and w <= r: the NUL fits.
        if let Some(slot) = buf.get_mut(w) {
            *slot = 0;
        }
        let (s, rest) = buf.split_at_mut(r + 1);
        self.rest = rest;
        self.off = start + r + 1;
        let s: &'a [u8] = s;
        let text = s.get(..w).unwrap_or(&[]);
        if !utf8 {
            return Err(self.syntax_at("invalid UTF-8 in string", start));
        }
        // Raw control bytes were refused above: only `\u0000` makes a NUL.
        if nul {
            return Err(self.invalid("string holds a NUL character"));
        }
        match Str::from_nul_terminated(s.get(..=w).unwrap_or(&[])) {
            Some(c) => Ok((c, text)),
            None => Err(self.invalid("string holds a NUL character")),
        }
    }

    /// The raw text of a number token, checked against JSON's grammar.
    fn number(&mut self) -> Result<&[u8]> {
        self.skip_ws();
        let r = &self.rest;
        let mut i = 0;
        let at = |i: usize| r.get(i).copied().unwrap_or(0);
        if at(i) == b'-' {
            i += 1;
        }
        let digits = |mut i: usize| {
            while at(i).is_ascii_digit() {
                i += 1;
            }
            i
        };
        let int_start = i;
        i = digits(i);
        let ok_int = i > int_start && !(at(int_start) == b'0' && i - int_start > 1);
        let mut ok = ok_int;
        if ok && at(i) == b'.' {
            let j = digits(i + 1);
            ok = j > i + 1;
            i = j;
        }
        if ok && matches!(at(i), b'e' | b'E') {
            let mut j = i + 1;
            if matches!(at(j), b'+' | b'-') {
                j += 1;
            }
            let k = digits(j);
            ok = k > j;
            i = k;
        }
        if !ok {
            return Err(self.syntax("invalid number"));
        }
        let off = self.off;
        let rest = core::mem::take(&mut self.rest);
        let (tok, rest) = rest.split_at_mut(i);
        self.rest = rest;
        self.off = off + i;
        Ok(tok)
    }

    /// An integer, signed (as i64's bits) or not (u64): one body for both,
    /// whose only differences are the sign and the range.
    fn integer(&mut self, signed: bool) -> Result<u64> {
        let (what, range) = if signed {
            ("expected an integer", "out of the 64-bit range")
        } else {
            ("expected a non-negative integer", "larger than 18446744073709551615")
        };
        if !matches!(self.peek(), Some(b'-' | b'0'..=b'9')) {
            return Err(self.type_error(what));
        }
        let tok = self.number()?;
        let (neg, digits) = match tok.split_first() {
            Some((b'-', d)) => (true, d),
            _ => (false, tok),
        };
        // A fraction or an exponent, or a sign where none may be.
        if (neg && !signed) || digits.iter().any(|c| !c.is_ascii_digit()) {
            return Err(self.type_fail(what));
        }
        let m = digits.iter().try_fold(0u64, |n, d| n.checked_mul(10)?.checked_add((d - b'0') as u64));
        // Signed: down to -2^63 (i64::MIN fits), up to 2^63 - 1.
        let v = m.and_then(|m| match (signed, neg) {
            (false, _) => Some(m),
            (true, true) => 0i64.checked_sub_unsigned(m).map(|v| v as u64),
            (true, false) => i64::try_from(m).ok().map(|v| v as u64),
        });
        v.ok_or_else(|| self.range(range))
    }

    /// An unsigned integer (no sign, fraction or exponent) that fits in u64.
    pub fn u64(&mut self) -> Result<u64> {
        self.integer(false)
    }

    /// A signed integer that fits in i64.
    pub fn i64(&mut self) -> Result<i64> {
        self.integer(true).map(|v| v as i64)
    }

    /// A u32 (ids, modes).
    pub fn u32(&mut self) -> Result<u32> {
        let v = self.u64()?;
        u32::try_from(v).map_err(|_| self.range("larger than 4294967295"))
    }

    pub fn bool(&mut self) -> Result<bool> {
        match self.peek() {
            Some(b't') => self.literal(b"true").map(|_| true),
            Some(b'f') => self.literal(b"false").map(|_| false),
            _ => Err(self.type_error("expected true or false")),
        }
    }

    /// Skips one value of any type, checking its syntax.
    pub fn skip(&mut self) -> Result<()> {
        // One bit per open container: 1 = object, 0 = array.
        let mut stack = [0u8; (MAX_SKIP_DEPTH / 8) as usize];
        let mut depth: u32 = 0;
        let is_obj = |stack: &[u8], d: u32| d > 0 && stack.get(((d - 1) / 8) as usize).is_some_and(|b| b >> ((d - 1) % 8) & 1 == 1);
        loop {
            // A value.
            match self.peek() {
                Some(c @ (b'{' | b'[')) => {
                    // Before the empty-container shortcut: `[]` is a level too.
                    if depth >= MAX_SKIP_DEPTH {
                        return Err(self.invalid("nested deeper than 128 levels"));
                    }
                    self.advance(1);
                    let close = if c == b'{' { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.advance(1);
                    } else {
                        if let Some(byte) = stack.get_mut((depth / 8) as usize) {
                            let bit = 1 << (depth % 8);
                            *byte = if c == b'{' { *byte | bit } else { *byte & !bit };
                        }
                        depth += 1;
                        if c == b'{' {
                            self.object_key()?;
                        }
                        continue;
                    }
                }
                Some(b'"') => {
                    self.string_raw()?;
                }
                Some(b'-' | b'0'..=b'9') => {
                    self.number()?;
                }
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                None => return Err(self.syntax("unexpected end of input")),
                Some(_) => return Err(self.syntax("expected a JSON value")),
            }
            // After a value: close containers or move to the next member.
            loop {
                if depth == 0 {
                    return Ok(());
                }
                let obj = is_obj(&stack, depth);
                match self.peek() {
                    Some(b',') => {
                        self.advance(1);
                        if obj {
                            self.object_key()?;
                        }
                        break;
                    }
                    Some(b'}') if obj => {
                        self.advance(1);
                        depth -= 1;
                    }
                    Some(b']') if !obj => {
                        self.advance(1);
                        depth -= 1;
                    }
                    _ if obj => return Err(self.syntax("expected ',' or '}'")),
                    _ => return Err(self.syntax("expected ',' or ']'")),
                }
            }
        }
    }

    fn object_key(&mut self) -> Result<()> {
        if self.peek() != Some(b'"') {
            return Err(self.syntax("expected a string key"));
        }
        self.string_raw()?;
        self.expect(b':', "expected ':'")
    }

    /// Checks that nothing but whitespace follows the document. Never
    /// inlined: inlined at the end of the walk it cost 72 B more.
    #[inline(never)]
    pub fn finish(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.syntax("trailing characters after the document")),
        }
    }
}

/// How a key matches a field name (ASCII, as every field name is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fold {
    No,
    /// Equal but for ASCII case: every Go version matches it.
    Ascii,
    /// Equal once a non-ASCII letter is folded to an ASCII one (U+212A
    /// KELVIN SIGN to k, U+017F LONG S to s, U+0130 and U+0131 to i):
    /// Go's `encoding/json` matches some of these, depending on its version.
    Unicode,
}

/// `key` is valid UTF-8 (`string_raw` checked it): the folded characters
/// are matched by their encodings, U+212A E2 84 AA, U+017F C5 BF, U+0130
/// C4 B0, U+0131 C4 B1; any other non-ASCII character matches nothing.
fn fold_match(key: &[u8], name: &[u8]) -> Fold {
    let (mut key, mut name) = (key, name.iter());
    let mut unicode = false;
    while let Some((&c, rest)) = key.split_first() {
        let Some(&n) = name.next() else { return Fold::No };
        let (folded, rest) = match (c, rest) {
            (0..0x80, _) => (c, rest),
            (0xe2, [0x84, 0xaa, r @ ..]) => (b'k', r),
            (0xc5, [0xbf, r @ ..]) => (b's', r),
            (0xc4, [0xb0 | 0xb1, r @ ..]) => (b'i', r),
            _ => return Fold::No,
        };
        unicode |= c >= 0x80;
        if !folded.eq_ignore_ascii_case(&n) {
            return Fold::No;
        }
        key = rest;
    }
    match (name.next(), unicode) {
        (Some(_), _) => Fold::No,
        (None, true) => Fold::Unicode,
        (None, false) => Fold::Ascii,
    }
}

/// The length of the valid UTF-8 sequence `s` starts with (its first byte
/// is not ASCII), as `core::str::from_utf8` accepts it: no overlong form,
/// no surrogate, nothing above U+10FFFF.
fn utf8_len(s: &[u8]) -> Option<usize> {
    let (n, min) = match *s.first()? {
        0xc2..=0xdf => (2, 0x80),
        0xe0..=0xef => (3, 0x800),
        0xf0..=0xf4 => (4, 0x10000),
        _ => return None,
    };
    let mut cp = u32::from(*s.first()?) & (0x7f >> n);
    for &b in s.get(1..n)? {
        if b & 0xc0 != 0x80 {
            return None;
        }
        cp = cp << 6 | u32::from(b & 0x3f);
    }
    (cp >= min && char::from_u32(cp).is_some()).then_some(n)
}

/// Decodes the escape after a backslash: the character and the bytes used.
// Never inlined into `string_raw`: -16 B, and only a backslash calls it.
#[inline(never)]
fn unescape(s: &[u8]) -> Option<(char, usize)> {
    let c = *s.first()?;
    if c == b'u' {
        let hi = hex4(s.get(1..5)?)?;
        if (0xD800..0xDC00).contains(&hi) {
            // A high surrogate must be followed by an escaped low one.
            if s.get(5..7)? != b"\\u" {
                return None;
            }
            let lo = hex4(s.get(7..11)?)?;
            if !(0xDC00..0xE000).contains(&lo) {
                return None;
            }
            let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            return Some((char::from_u32(cp)?, 11));
        }
        return Some((char::from_u32(hi)?, 5));
    }
    // The one-letter escapes and what each stands for, as two rows: smaller
    // than a match's jump table.
    let i = b"\"\\/bfnrt".iter().position(|&e| e == c)?;
    Some((char::from(*b"\"\\/\x08\x0c\n\r\t".get(i)?), 1))
}

fn hex4(s: &[u8]) -> Option<u32> {
    s.iter().try_fold(0u32, |n, &c| Some(n << 4 | (c as char).to_digit(16)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn path_text(p: &Path) -> String {
        let mut s = Vec::new();
        p.write(&mut |b: &[u8]| s.extend_from_slice(b));
        String::from_utf8(s).unwrap()
    }

    /// Walks any document, returning strings and numbers seen, as a check of
    /// the primitives.
    fn strings_of(doc: &str) -> std::result::Result<Vec<String>, String> {
        let mut buf = doc.as_bytes().to_vec();
        let mut p = Parser::new(&mut buf);
        let mut out = Vec::new();
        let walk = |p: &mut Parser<'_>, out: &mut Vec<String>| -> Result<()> {
            p.array()?;
            while p.elem()? {
                out.push(p.string()?.get().to_str().unwrap().to_string());
            }
            p.finish()
        };
        walk(&mut p, &mut out).map_err(|_| format!("{:?}", p.failed()))?;
        Ok(out)
    }

    #[test]
    fn unescapes_in_place() {
        let rows: &[(&str, &str)] = &[
            (r#"["plain"]"#, "plain"),
            (r#"["a\"b"]"#, "a\"b"),
            (r#"["a\\b\/c"]"#, "a\\b/c"),
            (r#"["\n\t\r\b\f"]"#, "\n\t\r\u{8}\u{c}"),
            (r#"["\u00e9t\u00E9"]"#, "été"),
            (r#"["\ud83d\ude00"]"#, "😀"),
            (r#"["ünïcode"]"#, "ünïcode"),
            (r#"[""]"#, ""),
        ];
        for (doc, want) in rows {
            assert_eq!(strings_of(doc).unwrap(), vec![want.to_string()], "{doc}");
        }
    }

    #[test]
    fn rejects_bad_strings() {
        for doc in [
            r#"["\x"]"#,
            r#"["\u12"]"#,
            r#"["\ud83d"]"#,
            r#"["\ude00"]"#,
            r#"["\ud83d\u0041"]"#,
            "[\"a\u{1}b\"]",
            r#"["abc"#,
            r#"["a\u0000b"]"#,
        ] {
            assert!(strings_of(doc).is_err(), "{doc}");
        }
        let mut bad = b"[\"\xff\"]".to_vec();
        let mut p = Parser::new(&mut bad);
        p.array().unwrap();
        p.elem().unwrap();
        assert!(p.string().is_err());
        assert!(matches!(p.failed(), Some(Kind::Syntax("invalid UTF-8 in string", _))));
    }

    /// `utf8_len` accepts exactly what `core::str::from_utf8` does: every
    /// string of up to three bytes, and four-byte ones around each edge.
    #[test]
    fn utf8_as_core() {
        fn ours(s: &[u8]) -> bool {
            let mut i = 0;
            while let Some(&c) = s.get(i) {
                i += if c < 0x80 { 1 } else { match utf8_len(&s[i..]) { Some(n) => n, None => return false } };
            }
            true
        }
        let edges = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
        let mut checked = 0;
        let mut check = |s: &[u8]| {
            assert_eq!(ours(s), core::str::from_utf8(s).is_ok(), "{s:x?}");
            checked += 1;
        };
        for a in 0..=255u8 {
            check(&[a]);
            for b in 0..=255u8 {
                check(&[a, b]);
                for c in 0..=255u8 {
                    if a >= 0x80 {
                        check(&[a, b, c]);
                    }
                }
                for &c in &edges {
                    for &d in &edges {
                        check(&[a, b, c, d]);
                    }
                }
            }
        }
        assert!(checked > 8_000_000);
    }

    /// Packed names: each after its length byte; `field` finds them by
    /// index, exactly first, then ignoring ASCII case.
    #[test]
    fn packed_names() {
        const NAMES: &[&[u8]] = &[b"ab", b"", b"type", b"Type"];
        const P: [u8; crate::text::names_len(NAMES)] = crate::text::pack_names(NAMES);
        assert_eq!(&P, b"\x02ab\x00\x04type\x04Type");
        let rows: &[(&str, Option<usize>)] =
            &[("ab", Some(0)), ("", Some(1)), ("type", Some(2)), ("Type", Some(3)), ("TYPE", Some(2)), ("AB", Some(0)), ("typ", None), ("types", None)];
        for (key, want) in rows {
            let mut b = format!("{{\"{key}\": 1}}").into_bytes();
            let mut p = Parser::new(&mut b);
            p.object().unwrap();
            p.key().unwrap();
            assert_eq!(p.field(&P).ok(), Some(*want), "{key}");
        }
    }

    /// `fold_match` on bytes is the match of the characters it stands for.
    #[test]
    fn folds_as_chars() {
        fn by_chars(key: &str, name: &[u8]) -> Fold {
            let folded: Option<Vec<u8>> = key
                .chars()
                .map(|c| match c {
                    '\u{212a}' => Some(b'k'),
                    '\u{17f}' => Some(b's'),
                    '\u{130}' | '\u{131}' => Some(b'i'),
                    c if c.is_ascii() => Some(c as u8),
                    _ => None,
                })
                .collect();
            match folded {
                Some(f) if f.eq_ignore_ascii_case(name) => if key.is_ascii() { Fold::Ascii } else { Fold::Unicode },
                _ => Fold::No,
            }
        }
        let names: [&[u8]; 5] = [b"seccomp", b"maskedPaths", b"capabilities", b"k", b""];
        let keys = [
            "seccomp", "SECCOMP", "\u{17f}eccomp", "\u{17f}ecComp", "mas\u{212a}edPaths", "MAS\u{212a}EDPATHS", "capab\u{130}lities",
            "capabil\u{131}ties", "capab\u{131}l\u{130}ties", "\u{212a}", "K", "k", "", "\u{e9}", "s\u{e9}ccomp", "seccom", "seccompp",
            "\u{17e}eccomp", "\u{212b}", "\u{132}", "\u{17f}\u{17f}", "masKedPaths\u{212a}",
        ];
        for key in keys {
            for name in names {
                assert_eq!(fold_match(key.as_bytes(), name), by_chars(key, name), "{key:?} {:?}", String::from_utf8_lossy(name));
            }
        }
    }

    #[test]
    fn numbers() {
        const U: &str = "expected a non-negative integer";
        const I: &str = "expected an integer";
        const BIG: &str = "larger than 18446744073709551615";
        const R64: &str = "out of the 64-bit range";
        type Want<T> = std::result::Result<T, Option<Kind<'static>>>;
        fn syntax<T>(at: usize) -> Want<T> {
            Err(Some(Kind::Syntax("invalid number", at)))
        }
        let rows: &[(&str, Want<u64>, Want<i64>)] = &[
            ("0", Ok(0), Ok(0)),
            ("-0", Err(Some(Kind::Type(U))), Ok(0)),
            ("  7", Ok(7), Ok(7)),
            ("18446744073709551615", Ok(u64::MAX), Err(Some(Kind::Range(R64)))),
            ("18446744073709551616", Err(Some(Kind::Range(BIG))), Err(Some(Kind::Range(R64)))),
            ("9223372036854775807", Ok(i64::MAX as u64), Ok(i64::MAX)),
            ("9223372036854775808", Ok(1 << 63), Err(Some(Kind::Range(R64)))),
            ("-9223372036854775808", Err(Some(Kind::Type(U))), Ok(i64::MIN)),
            ("-9223372036854775809", Err(Some(Kind::Type(U))), Err(Some(Kind::Range(R64)))),
            ("-18446744073709551616", Err(Some(Kind::Type(U))), Err(Some(Kind::Range(R64)))),
            ("-1", Err(Some(Kind::Type(U))), Ok(-1)),
            ("1.0", Err(Some(Kind::Type(U))), Err(Some(Kind::Type(I)))),
            ("-1.5", Err(Some(Kind::Type(U))), Err(Some(Kind::Type(I)))),
            ("1e3", Err(Some(Kind::Type(U))), Err(Some(Kind::Type(I)))),
            ("-1E+3", Err(Some(Kind::Type(U))), Err(Some(Kind::Type(I)))),
            ("01", syntax(0), syntax(0)),
            ("-", syntax(0), syntax(0)),
            (" 1.", syntax(1), syntax(1)),
            ("\"1\"", Err(Some(Kind::Type(U))), Err(Some(Kind::Type(I)))),
            ("true", Err(Some(Kind::Type(U))), Err(Some(Kind::Type(I)))),
            ("x", Err(Some(Kind::Syntax("expected a JSON value", 0))), Err(Some(Kind::Syntax("expected a JSON value", 0)))),
            ("", Err(Some(Kind::Syntax("unexpected end of input", 0))), Err(Some(Kind::Syntax("unexpected end of input", 0)))),
        ];
        for (doc, want_u, want_i) in rows {
            let mut b = doc.as_bytes().to_vec();
            let mut p = Parser::new(&mut b);
            assert_eq!(p.u64().map_err(|_| p.failed()), *want_u, "u64 {doc}");
            let mut b = doc.as_bytes().to_vec();
            let mut p = Parser::new(&mut b);
            assert_eq!(p.i64().map_err(|_| p.failed()), *want_i, "i64 {doc}");
        }
    }

    #[test]
    fn path_follows_the_walk() {
        let mut b = br#"{"a": {"b": [1, 2, "x"]}}"#.to_vec();
        let mut p = Parser::new(&mut b);
        p.object().unwrap();
        assert_eq!(p.key().unwrap(), Some(Str::new(c"a")));
        p.object().unwrap();
        p.key().unwrap();
        p.array().unwrap();
        let mut err = None;
        while p.elem().unwrap() {
            if p.u64().is_err() {
                err = Some(p.error());
                break;
            }
        }
        let e = err.unwrap();
        assert_eq!(path_text(&e.path), "a.b[2]");
        assert_eq!(e.kind, Kind::Type("expected a non-negative integer"));
    }

    #[test]
    fn skips_any_value() {
        let doc = r#"{"x": {"deep": [1, -2.5e-3, true, false, null, {"k": []}, {}, [[]], "s\"]"]}, "y": 7}"#;
        let mut b = doc.as_bytes().to_vec();
        let mut p = Parser::new(&mut b);
        p.object().unwrap();
        assert_eq!(p.key().unwrap(), Some(Str::new(c"x")));
        p.skip().unwrap();
        assert_eq!(p.key().unwrap(), Some(Str::new(c"y")));
        assert_eq!(p.u64().unwrap(), 7);
        assert_eq!(p.key().unwrap(), None);
        p.finish().unwrap();
    }

    #[test]
    fn skip_rejects_malformed() {
        for doc in [
            "[1,]", "{\"a\":1,}", "{\"a\" 1}", "[1 2]", "{1:2}", "[}", "{]", "[", "tru", "nul", "[01]", "[-]", "[1.]", "[1e]",
        ] {
            let mut b = doc.as_bytes().to_vec();
            assert!(Parser::new(&mut b).skip().is_err(), "{doc}");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        let mut b = deep.into_bytes();
        let mut p = Parser::new(&mut b);
        assert!(p.skip().is_err());
        assert_eq!(p.failed(), Some(Kind::Invalid("nested deeper than 128 levels")));
        let ok = "[".repeat(128) + &"]".repeat(128);
        let mut b = ok.into_bytes();
        Parser::new(&mut b).skip().unwrap();
    }

    #[test]
    fn trailing_and_empty() {
        let mut b = b"{} x".to_vec();
        let mut p = Parser::new(&mut b);
        p.skip().unwrap();
        assert!(p.finish().is_err());
        assert!(matches!(p.failed(), Some(Kind::Syntax("trailing characters after the document", 3))));
        let mut b = b"  ".to_vec();
        let mut p = Parser::new(&mut b);
        assert!(p.object().is_err());
        assert!(matches!(p.failed(), Some(Kind::Syntax("unexpected end of input", _))));
    }

}
