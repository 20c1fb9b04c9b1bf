//! Arbitrary bytes → the spec parser: a valid spec or a clean error, never a
//! panic, an abort or a read out of bounds. Every outcome is also rendered
//! the way nsinit prints it, and a valid spec goes through the checks that
//! follow parsing (unsupported fields, the --check summary).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsinit::diag::{Line, write_spec};
use nsinit::spec::{self, Spec};

fuzz_target!(|data: &[u8]| {
    let mut doc = data.to_vec();
    let mut spec: Box<Spec> = Box::default();
    let mut line = Line::new();
    match spec::parse(&mut doc, &mut spec) {
        Ok(()) => {
            if let Some(e) = spec.first_unsupported() {
                write_spec(&e, &mut line);
            }
            for w in &spec.warnings {
                write_spec(&w.to_error(), &mut line);
            }
            let opts = nsinit::cli::parse(core::iter::empty(), core::iter::empty()).ok();
            if let Some(o) = opts {
                nsinit::summary::write(&mut Line::bare(), &o, Some(&spec));
            }
        }
        Err(e) => write_spec(&e, &mut line),
    }
    assert!(line.as_bytes().len() < 1024);
});
