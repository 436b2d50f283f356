//! A small NCA-like PKI made with the real openssl binary.

use std::path::Path;

use qoltanba_core::cert::KzCertificate;
use qoltanba_core::crypto::SoftwareKey;

use super::openssl_ok;

pub const IIN: &str = "900101300811";
pub const NCA_SUBJECT: &str =
    "/CN=ТЕСТОВ ТЕСТ/SN=ТЕСТОВ/serialNumber=IIN900101300811/C=KZ/GN=ТЕСТОВИЧ";

/// Key algorithms for test keys.
#[derive(Clone, Copy)]
pub enum Alg {
    Rsa,
    P256,
}

/// What a test certificate is for.
#[derive(Clone, Copy)]
pub enum Kind {
    Sign,
    Auth,
}

pub struct Pki<'a> {
    pub dir: &'a Path,
}

impl<'a> Pki<'a> {
    /// A CA (ca.key, ca.pem) in `dir`.
    pub fn new(dir: &'a Path) -> Self {
        openssl_ok(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                "ca.key",
            ],
        );
        openssl_ok(
            dir,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                "ca.key",
                "-utf8",
                "-subj",
                "/C=KZ/CN=ҰКО TEST",
                "-days",
                "30",
                "-out",
                "ca.pem",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        Self { dir }
    }

    /// A new key `name.key` and a certificate `name.pem` for it with `subject`,
    /// serial `serial`; returns the key (as qoltanba loads it) and the certificate.
    pub fn issue(
        &self,
        name: &str,
        alg: Alg,
        kind: Kind,
        subject: &str,
        serial: &str,
    ) -> (SoftwareKey, KzCertificate) {
        let d = self.dir;
        let key = format!("{name}.key");
        match alg {
            Alg::Rsa => openssl_ok(
                d,
                &[
                    "genpkey",
                    "-algorithm",
                    "RSA",
                    "-pkeyopt",
                    "rsa_keygen_bits:2048",
                    "-out",
                    &key,
                ],
            ),
            Alg::P256 => openssl_ok(
                d,
                &[
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-out",
                    &key,
                ],
            ),
        };
        self.certify(name, kind, subject, serial);
        openssl_ok(
            d,
            &[
                "pkcs8",
                "-topk8",
                "-nocrypt",
                "-in",
                &key,
                "-outform",
                "DER",
                "-out",
                &format!("{name}.p8"),
            ],
        );
        let pkcs8 = std::fs::read(d.join(format!("{name}.p8"))).unwrap();
        (
            SoftwareKey::from_pkcs8_der(&pkcs8).unwrap(),
            self.cert(name),
        )
    }

    /// (Re)issue `name.pem` for the existing `name.key`.
    pub fn certify(&self, name: &str, kind: Kind, subject: &str, serial: &str) {
        let d = self.dir;
        let ku = match kind {
            Kind::Sign => "critical,digitalSignature,nonRepudiation",
            Kind::Auth => "critical,digitalSignature,keyEncipherment",
        };
        std::fs::write(
            d.join(format!("{name}.ext")),
            format!("basicConstraints=CA:FALSE\nkeyUsage={ku}\nsubjectKeyIdentifier=hash\n"),
        )
        .unwrap();
        openssl_ok(
            d,
            &[
                "req",
                "-new",
                "-utf8",
                "-key",
                &format!("{name}.key"),
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
