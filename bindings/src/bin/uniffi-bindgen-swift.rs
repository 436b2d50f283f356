//! `cargo run -p qoltanba-ffi --features cli --bin uniffi-bindgen-swift -- --swift-sources --headers --modulemap …`
//!
//! uniffi's Swift generator for several crates in one library: a Swift source
//! and a C header per crate with uniffi types (qoltanba-ffi, qoltanba-core,
//! qoltanba-pki), and one modulemap over all the headers (scripts/bindings.sh).
fn main() {
    uniffi::uniffi_bindgen_swift()
}
