//! The OCSP responder as openssl's `ocsp` client sees it: good, revoked
//! (with reason) and unknown answers that verify under the CA, the nonce
//! echoed; malformed and foreign requests answered with their status; GOST
//! responses verified with the core (openssl has no GOST).
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use support::openssl;

use qoltanba_pki::cert::Purpose;
use qoltanba_pki::crypto::{KeySpec, generate, verify_signature};
use qoltanba_pki::keyfile::{NewPassword, Password};
use qoltanba_pki::reissue::{build_csr, individual_subject, verify_csr};
use qoltanba_ra::ca::crl::RevocationReason;
use qoltanba_ra::ca::ocsp::{CertStatus, basic_response_parts, respond, response_status};
use qoltanba_ra::ca::{CaKind, CaSet};
use time::OffsetDateTime;

fn pem(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).unwrap()
}

#[test]
fn openssl_gets_good_revoked_and_unknown_answers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let now = OffsetDateTime::now_utc();
    let cas = CaSet::create_in_profile(
        d,
        &NewPassword::new(Password::new(
            qoltanba_testkit::ra_process::OPERATOR_PASSPHRASE,
        ))
        .unwrap(),
        now,
        qoltanba_pki::keyfile::Profile::Nca,
    )
    .unwrap();
    let iin = qoltanba_pki::cert::with_control_digit("90010130001").unwrap();
    let subject = individual_subject("ТЕСТОВ", "ТЕСТ", None, &iin, None).unwrap();
    let issue = |spec| {
        let key = generate(spec).unwrap();
        let csr = verify_csr(&build_csr(&key, &subject, Purpose::Sign).unwrap()).unwrap();
        cas.issue(&csr, now, 30, "https://127.0.0.1:1").unwrap().1
    };
    let good = issue(KeySpec::P256);
    let revoked = issue(KeySpec::P256);
    let revoked_serial = revoked
        .inner()
        .tbs_certificate()
        .serial_number()
        .as_bytes()
        .to_vec();
    let at = now - time::Duration::hours(2);
    let status_of = |kind: CaKind, serial: &[u8]| {
        assert_eq!(kind, CaKind::Ecdsa);
        if serial == revoked_serial {
            CertStatus::Revoked {
                at,
                reason: Some(RevocationReason::KeyCompromise),
            }
        } else if serial == good.inner().tbs_certificate().serial_number().as_bytes() {
            CertStatus::Good
        } else {
            CertStatus::Unknown
        }
    };
    std::fs::write(d.join("ca.pem"), pem(cas.get(CaKind::Ecdsa).cert.der())).unwrap();
    std::fs::write(
        d.join("trust.pem"),
        pem(cas.get(CaKind::Ecdsa).cert.der()) + &pem(cas.root.cert.der()),
    )
    .unwrap();
    std::fs::write(d.join("good.pem"), pem(good.der())).unwrap();
    std::fs::write(d.join("revoked.pem"), pem(revoked.der())).unwrap();

    for (name, expect) in [("good", "good"), ("revoked", "revoked")] {
        for nonce in [false, true] {
            let mut args = vec!["ocsp", "-issuer", "ca.pem", "-cert"];
            let cert = format!("{name}.pem");
            args.push(&cert);
            args.extend(["-reqout", "req.der"]);
            if !nonce {
                args.push("-no_nonce");
            }
            openssl(d, &args);
            let request = std::fs::read(d.join("req.der")).unwrap();
            std::fs::write(d.join("resp.der"), respond(&request, &cas, status_of, now)).unwrap();
            // openssl makes up a fresh nonce when it verifies a saved
            // response, so the nonce is compared here instead.
            let out = openssl(
                d,
                &[
                    "ocsp",
                    "-no_nonce",
                    "-respin",
                    "resp.der",
                    "-issuer",
                    "ca.pem",
                    "-cert",
                    &cert,
                    "-CAfile",
                    "trust.pem",
                    "-resp_text",
                ],
            );
            assert!(out.contains("Response verify OK"), "{out}");
            assert!(out.contains(&format!("{cert}: {expect}")), "{out}");
            if expect == "revoked" {
                assert!(out.contains("Reason: keyCompromise"), "{out}");
            }
            if nonce {
                assert!(out.contains("OCSP Nonce"), "{out}");
                // The request's nonce extension (OID + value) is echoed.
                let oid = [
                    0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02,
                ];
                let at = request.windows(oid.len()).position(|w| w == oid).unwrap();
                let ext = &request[at..];
                let response = std::fs::read(d.join("resp.der")).unwrap();
                assert!(
                    response.windows(ext.len()).any(|w| w == ext),
                    "nonce not echoed"
                );
            }
        }
    }
    // A certificate the CA never issued: unknown.
    let stranger = issue(KeySpec::P256);
    std::fs::write(d.join("stranger.pem"), pem(stranger.der())).unwrap();
    openssl(
        d,
        &[
            "ocsp",
            "-issuer",
            "ca.pem",
            "-cert",
            "stranger.pem",
            "-reqout",
            "req.der",
            "-no_nonce",
        ],
    );
    let status_unknown = |_: CaKind, _: &[u8]| CertStatus::Unknown;
    let response = respond(
        &std::fs::read(d.join("req.der")).unwrap(),
        &cas,
        status_unknown,
        now,
    );
    std::fs::write(d.join("resp.der"), &response).unwrap();
    let out = openssl(
        d,
        &[
            "ocsp",
            "-respin",
            "resp.der",
            "-issuer",
            "ca.pem",
            "-cert",
            "stranger.pem",
            "-CAfile",
            "trust.pem",
        ],
    );
    assert!(out.contains("stranger.pem: unknown"), "{out}");

    // Malformed requests and a foreign issuer.
    assert_eq!(
        response_status(&respond(b"garbage", &cas, status_of, now)),
        Some(1)
    );
    let request = std::fs::read(d.join("req.der")).unwrap();
    assert_eq!(
        response_status(&respond(
            &request[..request.len() - 3],
            &cas,
            status_of,
            now
        )),
        Some(1)
    );
    std::fs::write(d.join("root.pem"), pem(cas.root.cert.der())).unwrap();
    openssl(
        d,
        &[
            "ocsp",
            "-issuer",
            "root.pem",
            "-cert",
            "ca.pem",
            "-reqout",
            "foreign.der",
            "-no_nonce",
        ],
    );
    let foreign = std::fs::read(d.join("foreign.der")).unwrap();
    assert_eq!(
        response_status(&respond(&foreign, &cas, status_of, now)),
        Some(6)
    );

    // GOST: the CA signs with GOST 2015; the core checks it.
    let gost = issue(KeySpec::Gost512);
    std::fs::write(d.join("gost-ca.pem"), pem(cas.get(CaKind::Gost).cert.der())).unwrap();
    std::fs::write(d.join("gost.pem"), pem(gost.der())).unwrap();
    openssl(
        d,
        &[
            "ocsp",
            "-issuer",
            "gost-ca.pem",
            "-cert",
            "gost.pem",
            "-reqout",
            "gost-req.der",
            "-no_nonce",
        ],
    );
    let response = respond(
        &std::fs::read(d.join("gost-req.der")).unwrap(),
        &cas,
        |_, _| CertStatus::Good,
        now,
    );
    assert_eq!(response_status(&response), Some(0));
    let (tbs, algorithm, signature) = basic_response_parts(&response).unwrap();
    let gost_ca = cas.get(CaKind::Gost);
    verify_signature(gost_ca.cert.public_key(), &algorithm, &tbs, &signature).unwrap();
}
