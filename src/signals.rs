//! Signal names for `-p SIGNAL` (pure).

/// Standard signals by number (1..=31), as the kernel numbers them on
/// x86_64, without their `SIG`: one string, not a table of `&str`s (whose
/// pointers and lengths weigh more than the names).
const NAMES: &[u8] = b"HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP \
TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS";

/// Highest signal number (SIGRTMAX on Linux).
pub const SIGMAX: i32 = 64;

/// Parses `SIGKILL`, `KILL` or a number from 1 to 64.
pub fn parse(s: &[u8]) -> Option<i32> {
    if !s.is_empty() && s.iter().all(u8::is_ascii_digit) {
        let n = crate::text::parse_u32(s).and_then(|n| i32::try_from(n).ok())?;
        return (1..=SIGMAX).contains(&n).then_some(n);
    }
    let bare = s.strip_prefix(b"SIG").unwrap_or(s);
    crate::text::word_index(NAMES, bare).map(|i| i as i32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_numbers() {
        let rows: &[(&str, Option<i32>)] = &[
            ("SIGKILL", Some(9)),
            ("KILL", Some(9)),
            ("SIGTERM", Some(15)),
            ("SIGHUP", Some(1)),
            ("SIGSYS", Some(31)),
            ("SIGUSR1", Some(10)),
            ("SIGSTKFLT", Some(16)),
            ("SIGTSTP", Some(20)),
            ("WINCH", Some(28)),
            ("SIGHUP INT", None),
            ("HUP ", None),
            ("9", Some(9)),
            ("64", Some(64)),
            ("65", None),
            ("0", None),
            ("", None),
            ("SIG", None),
            ("sigkill", None),
            ("SIGFOO", None),
            ("99999999999", None),
        ];
        for (s, want) in rows {
            assert_eq!(parse(s.as_bytes()), *want, "{s}");
        }
    }
}
