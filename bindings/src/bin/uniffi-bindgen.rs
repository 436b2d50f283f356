//! `cargo run -p qoltanba-ffi --features cli --bin uniffi-bindgen -- generate --library …`
fn main() {
    uniffi::uniffi_bindgen_main()
}
