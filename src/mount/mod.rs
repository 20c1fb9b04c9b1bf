//! Mounts: option parsing (pure, `options`) and, later, the mount steps.

pub mod options;
