//! nsinit: a static, heap-free init for Linux containers.
//!
//! The library holds everything; `main.rs` only sequences the steps. Pure
//! modules (json, spec, cli, mount options, capability names, the seccomp
//! compiler) build with `std` under `cfg(test)` and are unit-tested on the
//! host; effectful ones are tested in real namespaces by `tests/`.
#![cfg_attr(not(test), no_std)]

pub mod caps;
pub mod cli;
pub mod child;
pub mod diag;
pub mod exec;
pub mod input;
pub mod json;
pub mod mount;
pub mod reaper;
pub mod rlimits;
pub mod rootfs;
pub mod seccomp;
pub mod signals;
pub mod spec;
pub mod summary;
pub mod system;
pub mod sys;
