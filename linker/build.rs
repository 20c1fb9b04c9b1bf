//! Link arguments for the nsinit binary only (`cargo:rustc-link-arg-bins`):
//! the unit and integration test binaries link with std and need the
//! unwind tables this layout drops. See linker/README.md.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    if std::env::var("TARGET").is_ok_and(|t| t.contains("musl")) {
        println!("cargo:rustc-link-arg-bins=-Wl,@{dir}/linker/nsinit.flags");
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{dir}/linker/nsinit.ld");
    }
    println!("cargo:rerun-if-changed=linker/nsinit.flags");
    println!("cargo:rerun-if-changed=linker/nsinit.ld");
    println!("cargo:rerun-if-changed=linker/build.rs");
}
