use super::*;

#[test]
fn placeholder_compiles() {
    assert!(canonicalize("<a/>", C14n::Inclusive).is_ok());
}
