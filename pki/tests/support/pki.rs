//! A small NCA-like PKI made with the real openssl binary.

use std::path::Path;

use qoltanba_pki::cert::{KzCertificate, with_control_digit};
use qoltanba_pki::crypto::{KeySpec, SoftwareKey, generate};

use qoltanba_testkit::pki::{CaKey, make_ca};

use super::openssl_ok;

/// A valid IIN (control digit computed, not typed): born 1990-01-01, male.
pub fn iin() -> String {
    iin_from("90010130081")
}

/// A valid IIN from its first eleven digits.
pub fn iin_from(first_eleven: &str) -> String {
    with_control_digit(first_eleven).expect("these eleven digits have a control digit")
}

/// An individual's subject in NCA's order (openssl -subj syntax).
pub fn nca_subject_with(iin: &str) -> String {
    format!("/CN=ТЕСТОВ ТЕСТ/SN=ТЕСТОВ/serialNumber=IIN{iin}/C=KZ/GN=ТЕСТОВИЧ")
}

/// [`nca_subject_with`] the default [`iin`].
pub fn nca_subject() -> String {
    nca_subject_with(&iin())
}

/// Key algorithms for test keys.
#[derive(Clone, Copy, Debug)]
pub enum Alg {
    Rsa,
    P256,
}

/// What a test certificate is for.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// KU digitalSignature + nonRepudiation (critical), EKU emailProtection.
    Sign,
    /// KU digitalSignature + keyEncipherment (critical), EKU clientAuth.
    Auth,
}

/// A test CA in a folder, issuing NCA-like certificates with the openssl
/// binary. Keys come from qoltanba's own generator; openssl only certifies.
pub struct Pki<'a> {
    pub dir: &'a Path,
}

impl<'a> Pki<'a> {
    /// A CA (ca.key, ca.pem) in `dir`, valid 30 days from now.
    pub fn new(dir: &'a Path) -> Self {
        make_ca(dir, CaKey::P256, "/C=KZ/CN=ҰКО TEST", 30);
        Self { dir }
    }

    /// A new key from `crypto::generate`, also written as `name.p8` (PKCS#8 DER).
    pub fn new_key(&self, name: &str, alg: Alg) -> SoftwareKey {
        let spec = match alg {
            Alg::Rsa => KeySpec::Rsa2048,
            Alg::P256 => KeySpec::P256,
        };
        let key = generate(spec).unwrap();
        std::fs::write(self.dir.join(format!("{name}.p8")), key.pkcs8_der()).unwrap();
        key
    }

    /// A new key and a certificate `name.pem` for it with `subject` (openssl
    /// -subj syntax) and `serial`, valid from now for 10 days.
    pub fn issue(
        &self,
        name: &str,
        alg: Alg,
        kind: Kind,
        subject: &str,
        serial: &str,
    ) -> (SoftwareKey, KzCertificate) {
        let key = self.new_key(name, alg);
        self.certify(name, kind, subject, serial);
        (key, self.cert(name))
    }

    /// (Re)issue `name.pem` for the existing key `name.p8`.
    pub fn certify(&self, name: &str, kind: Kind, subject: &str, serial: &str) {
        let d = self.dir;
        let (ku, eku) = match kind {
            Kind::Sign => (
                "critical,digitalSignature,nonRepudiation",
                "emailProtection,1.2.398.3.3.4.1.1",
            ),
            Kind::Auth => (
                "critical,digitalSignature,keyEncipherment",
                "clientAuth,1.2.398.3.3.4.1.1",
            ),
        };
        std::fs::write(
            d.join(format!("{name}.ext")),
            format!(
                "basicConstraints=CA:FALSE\nkeyUsage={ku}\nextendedKeyUsage={eku}\nsubjectKeyIdentifier=hash\n"
            ),
        )
        .unwrap();
        openssl_ok(
            d,
            &[
                "req",
                "-new",
                "-utf8",
                "-key",
                &format!("{name}.p8"),
                "-keyform",
                "DER",
                "-subj",
                subject,
                "-out",
                &format!("{name}.csr"),
            ],
        );
        openssl_ok(
            d,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-days",
                "10",
                "-set_serial",
                serial,
                "-extfile",
                &format!("{name}.ext"),
                "-out",
                &format!("{name}.pem"),
            ],
        );
    }

    pub fn cert(&self, name: &str) -> KzCertificate {
        KzCertificate::parse(&std::fs::read(self.dir.join(format!("{name}.pem"))).unwrap()).unwrap()
    }
}
