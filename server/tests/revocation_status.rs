//! Revocation status as independent peers read it, beyond the basic paths
//! of crl_openssl.rs and ocsp_openssl.rs: the RSA CA's OCSP answers for
//! SHA-1, SHA-256 and SHA-512 CertIDs, several certificates in one request,
//! every RFC 5280 reason through OCSP and CRLs, the nonce checked by openssl
//! against its own request, requests that mix issuers (a foreign one is
//! unknown, two of ours are malformed), requests for a foreign issuer only,
//! broken requests of every shape, and the GOST CA's answers verified in
//! the core (openssl has no GOST).
//!
//! openssl is required: a missing binary fails the test instead of
//! skipping it.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use support::{openssl, run_openssl};

use std::path::Path;
use std::sync::OnceLock;

use der::asn1::Any;
use der::{Decode, Encode, Sequence};
use qoltanba_pki::cert::{KzCertificate, Purpose, with_control_digit};
use qoltanba_pki::crypto::{KeySpec, Signer, generate, verify_signature};
use qoltanba_pki::keyfile::{NewPassword, Password};
use qoltanba_pki::reissue::{build_csr, individual_subject, verify_csr};
use qoltanba_ra::ca::crl::{RevocationReason, RevokedEntry, build_crl};
use qoltanba_ra::ca::ocsp::{CertStatus, basic_response_parts, respond, response_status};
use qoltanba_ra::ca::{CaKind, CaSet};
use time::OffsetDateTime;
use x509_cert::crl::CertificateList;

const ALL_REASONS: [RevocationReason; 10] = [
    RevocationReason::Unspecified,
    RevocationReason::KeyCompromise,
    RevocationReason::CaCompromise,
    RevocationReason::AffiliationChanged,
    RevocationReason::Superseded,
    RevocationReason::CessationOfOperation,
    RevocationReason::CertificateHold,
    RevocationReason::RemoveFromCrl,
    RevocationReason::PrivilegeWithdrawn,
    RevocationReason::AaCompromise,
];

/// One CA hierarchy for every test of this file: making it costs seconds
/// (RSA and GOST keys, four key files under PBKDF2), and the tests only read
/// it. The CAs live on in memory; their files are not needed afterwards.
fn cas() -> &'static CaSet {
    static CAS: OnceLock<CaSet> = OnceLock::new();
    CAS.get_or_init(|| {
        let home = tempfile::tempdir().unwrap();
        let pass = NewPassword::new(Password::new(
            qoltanba_testkit::ra_process::OPERATOR_PASSPHRASE,
        ))
        .unwrap();
        CaSet::create_in_profile(
            home.path(),
            &pass,
            OffsetDateTime::now_utc(),
            qoltanba_pki::keyfile::Profile::Nca,
        )
        .unwrap()
    })
}

/// A citizen certificate from `spec`'s CA, through the real CSR path.
fn issue(spec: KeySpec) -> KzCertificate {
    let iin = with_control_digit("90010130001").unwrap();
    let subject = individual_subject("ТЕСТОВ", "ТЕСТ", None, &iin, None).unwrap();
    let key = generate(spec).unwrap();
    let csr = verify_csr(&build_csr(&key, &subject, Purpose::Sign).unwrap()).unwrap();
    let now = OffsetDateTime::now_utc();
    cas().issue(&csr, now, 30, "https://127.0.0.1:1").unwrap().1
}

fn serial(cert: &KzCertificate) -> Vec<u8> {
    cert.inner()
        .tbs_certificate()
        .serial_number()
        .as_bytes()
        .to_vec()
}

fn pem(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).unwrap()
}

fn write_pem(dir: &Path, file: &str, ders: &[&[u8]]) {
    let text: String = ders.iter().map(|d| pem(d)).collect();
    std::fs::write(dir.join(file), text).unwrap();
}

/// The status openssl reads in a response that carries no answer (it exits
/// non-zero for those).
fn openssl_response_error(dir: &Path, response: &[u8]) -> String {
    std::fs::write(dir.join("error-resp.der"), response).unwrap();
    let (_, text) = run_openssl(dir, &["ocsp", "-respin", "error-resp.der", "-resp_text"]);
    text
}

/// `openssl ocsp -issuer ISSUER -cert C …` for each (issuer, cert) pair,
/// written to `out`; `digest` is the CertID hash ("-sha1", "-sha256"…).
fn make_request(dir: &Path, pairs: &[(&str, &str)], digest: &str, nonce: bool, out: &str) {
    let mut args = vec!["ocsp", digest];
    for (issuer, cert) in pairs {
        args.extend(["-issuer", issuer, "-cert", cert]);
    }
    args.extend(["-reqout", out]);
    if !nonce {
        args.push("-no_nonce");
    }
    openssl(dir, &args);
}

/// The lines openssl prints for one certificate of a response: "NAME: status"
/// and the tab-indented lines after it.
fn status_of_cert<'a>(out: &'a str, name: &str) -> Vec<&'a str> {
    let head = format!("{name}: ");
    let mut lines = out.lines().skip_while(|l| !l.starts_with(&head));
    let Some(first) = lines.next() else {
        panic!("no status for {name} in:\n{out}");
    };
    std::iter::once(first)
        .chain(lines.take_while(|l| l.starts_with('\t')))
        .collect()
}

/// The hex line under "OCSP Nonce:" in openssl's -req_text / -resp_text.
fn nonce_line(text: &str) -> String {
    let mut lines = text.lines().skip_while(|l| !l.contains("OCSP Nonce"));
    lines.next().expect("an OCSP Nonce extension");
    lines.next().expect("the nonce value").trim().to_string()
}

#[test]
fn rsa_ca_answers_sha1_sha256_and_sha512_cert_ids_for_several_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rsa = cas().get(CaKind::Rsa);
    let good = issue(KeySpec::Rsa2048);
    let revoked = issue(KeySpec::Rsa2048);
    let revoked_serial = serial(&revoked);
    let good_serial = serial(&good);
    let now = OffsetDateTime::now_utc();
    let at = now - time::Duration::days(3);
    let status_of = |kind: CaKind, serial: &[u8]| {
        assert_eq!(kind, CaKind::Rsa);
        if serial == revoked_serial {
            CertStatus::Revoked {
                at,
                reason: Some(RevocationReason::Superseded),
            }
        } else if serial == good_serial {
            CertStatus::Good
        } else {
            CertStatus::Unknown
        }
    };
    write_pem(d, "ca.pem", &[rsa.cert.der()]);
    write_pem(d, "trust.pem", &[rsa.cert.der(), cas().root.cert.der()]);
    write_pem(d, "good.pem", &[good.der()]);
    write_pem(d, "revoked.pem", &[revoked.der()]);
    let pairs = [("ca.pem", "good.pem"), ("ca.pem", "revoked.pem")];

    for (digest, printed) in [
        ("-sha1", "sha1"),
        ("-sha256", "sha256"),
        ("-sha512", "sha512"),
    ] {
        make_request(d, &pairs, digest, false, "req.der");
        let request = std::fs::read(d.join("req.der")).unwrap();
        std::fs::write(d.join("resp.der"), respond(&request, cas(), status_of, now)).unwrap();
        // Both ways openssl trusts a responder: the CA itself under the
        // root (-CAfile) and the responder named directly (-VAfile).
        for trust in [["-CAfile", "trust.pem"], ["-VAfile", "ca.pem"]] {
            let mut args = vec!["ocsp", digest, "-no_nonce", "-respin", "resp.der"];
            for (issuer, cert) in pairs {
                args.extend(["-issuer", issuer, "-cert", cert]);
            }
            args.extend(trust);
            args.push("-resp_text");
            let out = openssl(d, &args);
            assert!(out.contains("Response verify OK"), "{digest}: {out}");
            assert!(out.contains(&format!("Hash Algorithm: {printed}")), "{out}");
            assert!(out.contains("Responder Id: "), "{out}");
            assert_eq!(status_of_cert(&out, "good.pem")[0], "good.pem: good");
            let lines = status_of_cert(&out, "revoked.pem");
            assert_eq!(lines[0], "revoked.pem: revoked", "{out}");
            assert!(lines.contains(&"\tReason: superseded"), "{out}");
        }
    }
}

#[test]
fn every_reason_reaches_openssl_through_ocsp_and_the_crl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ecdsa = cas().get(CaKind::Ecdsa);
    let certs: Vec<KzCertificate> = ALL_REASONS.iter().map(|_| issue(KeySpec::P256)).collect();
    let now = OffsetDateTime::now_utc();
    let at = now - time::Duration::hours(5);
    let reason_of = |serial: &[u8]| {
        certs
            .iter()
            .position(|c| serial == serial_of(c))
            .map(|i| ALL_REASONS[i])
    };
    fn serial_of(c: &KzCertificate) -> &[u8] {
        c.inner().tbs_certificate().serial_number().as_bytes()
    }
    write_pem(d, "ca.pem", &[ecdsa.cert.der()]);
    write_pem(d, "trust.pem", &[ecdsa.cert.der(), cas().root.cert.der()]);
    let names: Vec<String> = (0..certs.len()).map(|i| format!("r{i}.pem")).collect();
    for (cert, name) in certs.iter().zip(&names) {
        write_pem(d, name, &[cert.der()]);
    }
    let pairs: Vec<(&str, &str)> = names.iter().map(|n| ("ca.pem", n.as_str())).collect();

    // OCSP: one request for all ten, one signed answer.
    make_request(d, &pairs, "-sha1", false, "req.der");
    let request = std::fs::read(d.join("req.der")).unwrap();
    let response = respond(
        &request,
        cas(),
        |_, serial| CertStatus::Revoked {
            at,
            reason: reason_of(serial),
        },
        now,
    );
    std::fs::write(d.join("resp.der"), response).unwrap();
    let mut args = vec!["ocsp", "-no_nonce", "-respin", "resp.der"];
    for (issuer, cert) in &pairs {
        args.extend(["-issuer", issuer, "-cert", cert]);
    }
    args.extend(["-CAfile", "trust.pem"]);
    let out = openssl(d, &args);
    assert!(out.contains("Response verify OK"), "{out}");
    for (reason, name) in ALL_REASONS.iter().zip(&names) {
        let lines = status_of_cert(&out, name);
        assert_eq!(lines[0], format!("{name}: revoked"), "{out}");
        // openssl 3.0 names reasons 0..8 as RFC 5280 does; it has no names
        // for privilegeWithdrawn and aACompromise and prints the code.
        let printed = match reason {
            RevocationReason::PrivilegeWithdrawn | RevocationReason::AaCompromise => {
                "(UNKNOWN)".to_string()
            }
            _ => reason.name().to_string(),
        };
        assert!(
            lines.contains(&format!("\tReason: {printed}").as_str()),
            "{reason:?}: {out}"
        );
    }

    // The CRL lists the same ten with their reasons, one after the other.
    let entries: Vec<RevokedEntry> = certs
        .iter()
        .zip(ALL_REASONS)
        .map(|(c, reason)| RevokedEntry {
            serial: serial_of(c).to_vec(),
            revoked_at: at,
            reason: Some(reason),
        })
        .collect();
    let crl = build_crl(ecdsa, &entries, 42, now, now + time::Duration::days(1)).unwrap();
    std::fs::write(d.join("ecdsa.crl"), crl).unwrap();
    let verify = openssl(
        d,
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "ecdsa.crl",
            "-CAfile",
            "trust.pem",
            "-noout",
        ],
    );
    assert!(verify.contains("verify OK"), "{verify}");
    let text = openssl(
        d,
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "ecdsa.crl",
            "-noout",
            "-text",
        ],
    );
    assert!(text.contains("Version 2"), "{text}");
    assert!(
        text.contains("X509v3 CRL Number: \n                42"),
        "{text}"
    );
    let crl_printed = [
        "Unspecified",
        "Key Compromise",
        "CA Compromise",
        "Affiliation Changed",
        "Superseded",
        "Cessation Of Operation",
        "Certificate Hold",
        "Remove From CRL",
        "Privilege Withdrawn",
        "AA Compromise",
    ];
    for (entry, printed) in entries.iter().zip(crl_printed) {
        let serial = qoltanba_pki::cert::serial_hex(&entry.serial);
        let at = text
            .find(&format!("Serial Number: {serial}"))
            .unwrap_or_else(|| panic!("{serial} not listed:\n{text}"));
        let next_entry = text[at + 1..]
            .find("Serial Number: ")
            .map_or(text.len(), |n| at + 1 + n);
        assert!(
            text[at..next_entry].contains(printed),
            "{serial} should be {printed}:\n{text}"
        );
    }
}

#[test]
fn nonce_is_echoed_as_openssl_checks_it_against_its_request() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rsa = cas().get(CaKind::Rsa);
    let cert = issue(KeySpec::Rsa2048);
    let now = OffsetDateTime::now_utc();
    write_pem(d, "ca.pem", &[rsa.cert.der()]);
    write_pem(d, "ee.pem", &[cert.der()]);
    make_request(d, &[("ca.pem", "ee.pem")], "-sha1", true, "req.der");
    let request = std::fs::read(d.join("req.der")).unwrap();
    let response = respond(&request, cas(), |_, _| CertStatus::Good, now);
    std::fs::write(d.join("resp.der"), response).unwrap();
    // With -reqin, openssl compares the response's nonce with the one in the
    // saved request ("Nonce Verify error" otherwise).
    let out = openssl(
        d,
        &[
            "ocsp",
            "-reqin",
            "req.der",
            "-respin",
            "resp.der",
            "-VAfile",
            "ca.pem",
            "-resp_text",
        ],
    );
    assert!(out.contains("Response verify OK"), "{out}");
    assert!(!out.contains("Nonce Verify error"), "{out}");
    assert!(!out.contains("WARNING"), "{out}");
    let sent = openssl(d, &["ocsp", "-reqin", "req.der", "-req_text"]);
    assert_eq!(nonce_line(&out), nonce_line(&sent));

    // Without a nonce in the request, none in the answer.
    make_request(d, &[("ca.pem", "ee.pem")], "-sha1", false, "plain.der");
    let request = std::fs::read(d.join("plain.der")).unwrap();
    let response = respond(&request, cas(), |_, _| CertStatus::Good, now);
    std::fs::write(d.join("plain-resp.der"), response).unwrap();
    let out = openssl(
        d,
        &[
            "ocsp",
            "-reqin",
            "plain.der",
            "-respin",
            "plain-resp.der",
            "-VAfile",
            "ca.pem",
            "-resp_text",
        ],
    );
    assert!(out.contains("Response verify OK"), "{out}");
    assert!(!out.contains("OCSP Nonce"), "{out}");
}

#[test]
fn mixed_and_foreign_issuers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ecdsa = cas().get(CaKind::Ecdsa);
    let ours = issue(KeySpec::P256);
    let other_ca_of_ours = issue(KeySpec::Rsa2048);
    let now = OffsetDateTime::now_utc();
    write_pem(d, "ecdsa-ca.pem", &[ecdsa.cert.der()]);
    write_pem(d, "rsa-ca.pem", &[cas().get(CaKind::Rsa).cert.der()]);
    write_pem(d, "root.pem", &[cas().root.cert.der()]);
    write_pem(d, "trust.pem", &[ecdsa.cert.der(), cas().root.cert.der()]);
    write_pem(d, "ours.pem", &[ours.der()]);
    write_pem(d, "rsa-ee.pem", &[other_ca_of_ours.der()]);
    // A CA that is not ours at all, made by openssl; its self-signed
    // certificate stands for a certificate it issued.
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "foreign.key",
            "-subj",
            "/C=KZ/CN=FOREIGN CA",
            "-days",
            "30",
            "-out",
            "foreign.pem",
        ],
    );
    let status_of = |kind: CaKind, _: &[u8]| {
        assert_eq!(kind, CaKind::Ecdsa, "asked only about the signing CA");
        CertStatus::Good
    };

    // Ours and a foreign issuer's, in both orders: our CA signs, the
    // foreign entry is unknown.
    for pairs in [
        [("ecdsa-ca.pem", "ours.pem"), ("foreign.pem", "foreign.pem")],
        [("foreign.pem", "foreign.pem"), ("ecdsa-ca.pem", "ours.pem")],
    ] {
        make_request(d, &pairs, "-sha1", false, "req.der");
        let request = std::fs::read(d.join("req.der")).unwrap();
        let response = respond(&request, cas(), status_of, now);
        assert_eq!(response_status(&response), Some(0));
        std::fs::write(d.join("resp.der"), response).unwrap();
        let mut args = vec!["ocsp", "-no_nonce", "-respin", "resp.der"];
        for (issuer, cert) in pairs {
            args.extend(["-issuer", issuer, "-cert", cert]);
        }
        for trust in [["-CAfile", "trust.pem"], ["-VAfile", "ecdsa-ca.pem"]] {
            let mut args = args.clone();
            args.extend(trust);
            let (_, out) = run_openssl(d, &args);
            // An explicitly trusted responder (-VAfile) always verifies.
            // With a CA file alone, OpenSSL 3.0.22 (not 3.0.19) accepts a
            // response whose entries name different issuers only from a
            // responder trusted for all of them, and stops at its explicit
            // trust check: the signature itself is not what fails.
            let verified = out.contains("Response verify OK");
            let strict_client = trust[0] == "-CAfile" && out.contains("root ca not trusted");
            assert!(verified || strict_client, "{out}");
            assert_eq!(status_of_cert(&out, "ours.pem")[0], "ours.pem: good");
            assert_eq!(
                status_of_cert(&out, "foreign.pem")[0],
                "foreign.pem: unknown"
            );
        }
    }

    // Only foreign issuers (a stranger, and our root, which answers no
    // OCSP): unauthorized, as openssl reads it.
    for (issuer, cert) in [("foreign.pem", "foreign.pem"), ("root.pem", "ecdsa-ca.pem")] {
        make_request(d, &[(issuer, cert)], "-sha1", false, "req.der");
        let request = std::fs::read(d.join("req.der")).unwrap();
        let response = respond(&request, cas(), status_of, now);
        let out = openssl_response_error(d, &response);
        assert!(out.contains("Responder Error: unauthorized (6)"), "{out}");
    }

    // Two of our CAs in one request cannot share one signature.
    make_request(
        d,
        &[("ecdsa-ca.pem", "ours.pem"), ("rsa-ca.pem", "rsa-ee.pem")],
        "-sha1",
        false,
        "req.der",
    );
    let request = std::fs::read(d.join("req.der")).unwrap();
    let response = respond(&request, cas(), |_, _| CertStatus::Good, now);
    let out = openssl_response_error(d, &response);
    assert!(
        out.contains("Responder Error: malformedrequest (1)"),
        "{out}"
    );
}

/// OCSPRequest with an empty requestList: well-formed DER, nothing to answer.
#[derive(Sequence)]
struct EmptyRequest {
    tbs_request: EmptyTbsRequest,
}

#[derive(Sequence)]
struct EmptyTbsRequest {
    request_list: Vec<Any>,
}

#[test]
fn broken_requests_get_malformed_request_and_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cert = issue(KeySpec::P256);
    let now = OffsetDateTime::now_utc();
    write_pem(d, "ca.pem", &[cas().get(CaKind::Ecdsa).cert.der()]);
    write_pem(d, "ee.pem", &[cert.der()]);
    make_request(d, &[("ca.pem", "ee.pem")], "-sha1", true, "req.der");
    let request = std::fs::read(d.join("req.der")).unwrap();
    let good = |_: CaKind, _: &[u8]| CertStatus::Good;
    assert_eq!(
        response_status(&respond(&request, cas(), good, now)),
        Some(0)
    );

    let empty_list = EmptyRequest {
        tbs_request: EmptyTbsRequest {
            request_list: Vec::new(),
        },
    }
    .to_der()
    .unwrap();
    let mut trailing = request.clone();
    trailing.push(0);
    let mut broken: Vec<(String, Vec<u8>)> = vec![
        ("nothing".into(), Vec::new()),
        ("garbage".into(), b"garbage".to_vec()),
        ("a certificate".into(), cert.der().to_vec()),
        ("an empty request list".into(), empty_list),
        ("trailing data".into(), trailing),
    ];
    // Every truncation of a real request.
    for n in 0..request.len() {
        broken.push((
            format!("{n} of {} bytes", request.len()),
            request[..n].to_vec(),
        ));
    }
    // Every single-bit flip in the first bytes, where the structure is
    // (some flips still decode: then any complete status is fine).
    for i in 0..request.len().min(24) {
        let mut flipped = request.clone();
        flipped[i] ^= 0x80;
        let response = respond(&flipped, cas(), good, now);
        assert!(
            matches!(response_status(&response), Some(0 | 1 | 6)),
            "byte {i} flipped"
        );
    }
    for (what, bytes) in broken {
        let response = respond(&bytes, cas(), good, now);
        assert_eq!(response_status(&response), Some(1), "{what}");
    }
    // And openssl reads the answer as malformedRequest.
    let out = openssl_response_error(d, &respond(b"garbage", cas(), good, now));
    assert!(
        out.contains("Responder Error: malformedrequest (1)"),
        "{out}"
    );
}

#[test]
fn gost_answers_and_crl_verify_in_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gost = cas().get(CaKind::Gost);
    let good = issue(KeySpec::Gost512);
    let revoked = issue(KeySpec::Gost512);
    let revoked_serial = serial(&revoked);
    let now = OffsetDateTime::now_utc();
    let at = now - time::Duration::hours(1);
    write_pem(d, "ca.pem", &[gost.cert.der()]);
    write_pem(d, "good.pem", &[good.der()]);
    write_pem(d, "revoked.pem", &[revoked.der()]);
    let pairs = [("ca.pem", "good.pem"), ("ca.pem", "revoked.pem")];
    make_request(d, &pairs, "-sha256", true, "req.der");
    let request = std::fs::read(d.join("req.der")).unwrap();
    let response = respond(
        &request,
        cas(),
        |kind, serial| {
            assert_eq!(kind, CaKind::Gost);
            if serial == revoked_serial {
                CertStatus::Revoked {
                    at,
                    reason: Some(RevocationReason::CessationOfOperation),
                }
            } else {
                CertStatus::Good
            }
        },
        now,
    );
    assert_eq!(response_status(&response), Some(0));
    let (tbs, algorithm, signature) = basic_response_parts(&response).unwrap();
    assert_eq!(algorithm, gost.key.algorithm().identifier());
    verify_signature(gost.cert.public_key(), &algorithm, &tbs, &signature).unwrap();
    let mut forged = tbs.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert!(verify_signature(gost.cert.public_key(), &algorithm, &forged, &signature).is_err());
    // openssl cannot check the GOST signature (and with -noverify skips its
    // nonce check too), but reads the content: the nonce is compared as it
    // prints it for the request and for the response.
    std::fs::write(d.join("resp.der"), &response).unwrap();
    let out = openssl(
        d,
        &["ocsp", "-respin", "resp.der", "-noverify", "-resp_text"],
    );
    let sent = openssl(d, &["ocsp", "-reqin", "req.der", "-req_text"]);
    assert_eq!(nonce_line(&out), nonce_line(&sent));
    let mut args = vec![
        "ocsp",
        "-sha256",
        "-no_nonce",
        "-respin",
        "resp.der",
        "-noverify",
    ];
    for (issuer, cert) in pairs {
        args.extend(["-issuer", issuer, "-cert", cert]);
    }
    let out = openssl(d, &args);
    assert_eq!(status_of_cert(&out, "good.pem")[0], "good.pem: good");
    let lines = status_of_cert(&out, "revoked.pem");
    assert_eq!(lines[0], "revoked.pem: revoked", "{out}");
    assert!(lines.contains(&"\tReason: cessationOfOperation"), "{out}");

    // The GOST CA's CRL: signed by the CA, the entry and reason readable by
    // openssl.
    let entries = [RevokedEntry {
        serial: revoked_serial.clone(),
        revoked_at: at,
        reason: Some(RevocationReason::CessationOfOperation),
    }];
    let der = build_crl(gost, &entries, 3, now, now + time::Duration::days(1)).unwrap();
    let crl: CertificateList = CertificateList::from_der(&der).unwrap();
    verify_signature(
        gost.cert.public_key(),
        &crl.signature_algorithm,
        &crl.tbs_cert_list.to_der().unwrap(),
        crl.signature.raw_bytes(),
    )
    .unwrap();
    std::fs::write(d.join("gost.crl"), &der).unwrap();
    let text = openssl(
        d,
        &[
            "crl", "-inform", "DER", "-in", "gost.crl", "-noout", "-text",
        ],
    );
    assert!(
        text.contains(&format!(
            "Serial Number: {}",
            qoltanba_pki::cert::serial_hex(&revoked_serial)
        )),
        "{text}"
    );
    assert!(text.contains("Cessation Of Operation"), "{text}");
}
