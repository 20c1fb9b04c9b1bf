//! Signal names for `-p SIGNAL` (pure).

/// Standard signals by number (1..=31), as the kernel numbers them on x86_64.
const NAMES: [&str; 31] = [
    "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
    "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",
    "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
    "SIGIO", "SIGPWR", "SIGSYS",
];

/// Highest signal number (SIGRTMAX on Linux).
pub const SIGMAX: i32 = 64;

/// Parses `SIGKILL`, `KILL` or a number from 1 to 64.
pub fn parse(s: &[u8]) -> Option<i32> {
    if !s.is_empty() && s.iter().all(u8::is_ascii_digit) {
        let n = crate::text::parse_u32(s).and_then(|n| i32::try_from(n).ok())?;
        return (1..=SIGMAX).contains(&n).then_some(n);
    }
    let bare = s.strip_prefix(b"SIG").unwrap_or(s);
    NAMES.iter().position(|n| n.as_bytes().get(3..) == Some(bare)).map(|i| i as i32 + 1)
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
