//! Test citizens: valid identity numbers, many of them.

/// A valid IIN for test citizen number `seq`: born 1990-01-01 (century and
/// sex digit 3), then `seq` in four digits, then the control digit. Some
/// sequence numbers have no control digit; the next free one (stepping by a
/// prime, so neighbours stay distinct) is used instead.
pub fn iin(seq: u32) -> String {
    (0..)
        .find_map(|k: u32| {
            let eleven = format!("9001013{:04}", (seq + k * 7919) % 10_000);
            qoltanba_pki::cert::with_control_digit(&eleven)
        })
        .expect("some sequence number has a control digit")
}
