//! Test PKIs made with the real `openssl` binary: a CA in a folder, shaped
//! like NCA's issuing CAs, that the tests' certificates are issued from.

use std::path::Path;

use crate::openssl;

/// The CA's key algorithm.
#[derive(Debug, Clone, Copy)]
pub enum CaKey {
    /// ECDSA P-256 (cheap to make: most tests).
    P256,
    /// RSA-2048, as NCA's RSA issuing CA.
    Rsa2048,
}

/// A self-signed CA in `dir`: `ca.key` and `ca.pem`, with the subject
/// `subject` (openssl -subj syntax, UTF-8) and valid `days` from now;
/// basicConstraints CA:TRUE and keyUsage keyCertSign, cRLSign, both critical.
pub fn make_ca(dir: &Path, key: CaKey, subject: &str, days: u32) {
    let key_options: &[&str] = match key {
        CaKey::P256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        CaKey::Rsa2048 => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    };
    let mut genpkey = vec!["genpkey"];
    genpkey.extend_from_slice(key_options);
    genpkey.extend_from_slice(&["-out", "ca.key"]);
    openssl::ok(dir, &genpkey);
    let days = days.to_string();
    openssl::ok(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "ca.key",
            "-utf8",
            "-subj",
            subject,
            "-days",
            &days,
            "-out",
            "ca.pem",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}
