//! The GOST hashes, from RustCrypto. Outputs are the crates' byte strings;
//! how a GOST signature reads them as an integer is `gost::public_key`'s business.

use gost94::Gost94Test;
use streebog::{Digest, Streebog256, Streebog512};

/// Streebog-512 (GOST R 34.11-2012), the digest of GOST 2015-512 signatures.
pub fn streebog512(message: &[u8]) -> [u8; 64] {
    Streebog512::digest(message).into()
}

/// Streebog-256, the digest of GOST 2015-256 signatures (named, not yet
/// used: see docs/gost.md).
pub fn streebog256(message: &[u8]) -> [u8; 32] {
    Streebog256::digest(message).into()
}

/// GOST R 34.11-94 with the test S-box (id-GostR3411-94-TestParamSet), the
/// digest of Kazakh GOST 34.310-2004 signatures.
pub fn gost94_test(message: &[u8]) -> [u8; 32] {
    Gost94Test::digest(message).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hex_literal::hex;

    /// GOST R 34.11-2012 Appendix A, example 1 (M1, 63 bytes). The standard
    /// prints message and hash as little-endian numbers; these are the byte
    /// strings (RFC 6986 §10.1 reversed).
    #[test]
    fn streebog512_standard_example() {
        let m1 = b"012345678901234567890123456789012345678901234567890123456789012";
        assert_eq!(
            streebog512(m1),
            hex!(
                "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa"
                "00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48"
            )
        );
    }

    /// The same example for the 256-bit variant.
    #[test]
    fn streebog256_standard_example() {
        let m1 = b"012345678901234567890123456789012345678901234567890123456789012";
        assert_eq!(
            streebog256(m1),
            hex!("9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500")
        );
    }

    /// GOST R 34.11-94 test parameter set, the classic vector for the
    /// 32-byte message "This is message, length=32 bytes" (RFC 5831 §7.3.1).
    #[test]
    fn gost94_test_paramset_example() {
        assert_eq!(
            gost94_test(b"This is message, length=32 bytes"),
            hex!("b1c466d37519b82e8319819ff32595e047a28cb6f83eff1c6916a815a637fffa")
        );
    }
}
