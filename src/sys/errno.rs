//! Errno names and descriptions for the one-line error messages.

use super::Errno;

/// ("EPERM", "Operation not permitted"), or None for a number the table lacks.
pub fn describe(e: Errno) -> Option<(&'static str, &'static str)> {
    e.name_and_description()
}
