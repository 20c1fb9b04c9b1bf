//! nsinit: a static, heap-free init for Linux containers.
//!
//! The library holds everything; `main.rs` only sequences the steps. Pure
//! modules (json, spec, cli, mount options, capability names, the seccomp
//! compiler) build with `std` under `cfg(test)` and are unit-tested on the
//! host; effectful ones are tested in real namespaces by `tests/`.
// std for unit tests, and for fuzzing (`--cfg fuzzing`: the test helpers
// the fuzz targets reuse need it); never in the binary.
#![cfg_attr(not(any(test, fuzzing)), no_std)]
// No panic reachable from input: nothing that panics on a bad value, an
// unchecked index, or an explicit panic, outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::unreachable)
)]

pub mod caps;
pub mod cgroups;
pub mod cli;
pub mod child;
pub mod diag;
pub mod enter;
pub mod exec;
pub mod input;
pub mod pump;
pub mod json;
pub mod mount;
pub mod reaper;
pub mod resolve;
pub mod rlimits;
pub mod rootfs;
pub mod seccomp;
pub mod signals;
pub mod spec;
pub mod summary;
pub mod system;
pub mod text;
pub mod sys;
