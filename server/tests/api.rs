//! The cabinet path over real HTTPS on loopback, from login to revocation, and
//! every refusal the issue names. One server is shared by the tests of this
//! file; each test enrols its own citizens.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::sync::OnceLock;

use der::Decode;
use qoltanba_pki::cert::{KzCertificate, Purpose, TrustAnchors, validate};
use qoltanba_pki::crypto::{KeySpec, Signer, SoftwareKey, generate};
use qoltanba_pki::reissue::{ApplicationDetails, StorageKind, build_application};
use qoltanba_pki::signed_message::sign_message;
use serde_json::{Value, json};
use support::*;
use time::OffsetDateTime;

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        Server::start(|config| {
            // Short enough to test expiry without slowing the suite.
            *config = config.replace("challenge_ttl_seconds = 120", "challenge_ttl_seconds = 3");
            *config = config.replace("max_body_bytes = 262144", "max_body_bytes = 65536");
        })
    })
}

fn details() -> ApplicationDetails {
    ApplicationDetails {
        email: "testov@example.kz".into(),
        locality: "Астана".into(),
        storage: StorageKind::File,
    }
}

fn challenge(s: &Server) -> String {
    let (status, body) = s.json("POST", "/v1/auth/challenge", None, None);
    assert_eq!(status, 201, "{body}");
    body["nonce"].as_str().unwrap().to_string()
}

fn login_with(s: &Server, signed: &[u8]) -> (u16, Value) {
    let (status, _, body) = s.request(
        "POST",
        "/v1/auth/login",
        None,
        &[("content-type", "application/cms")],
        Some(signed),
    );
    (status, serde_json::from_slice(&body).unwrap())
}

fn login(s: &Server, key: &SoftwareKey, cert: &KzCertificate) -> String {
    let nonce = challenge(s);
    let signed = sign_message(nonce.as_bytes(), key, cert, OffsetDateTime::now_utc()).unwrap();
    let (status, body) = login_with(s, &signed);
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_string()
}

fn submit(
    s: &Server,
    token: &str,
    p7s: &[u8],
    key: Option<&str>,
) -> (u16, Vec<(String, String)>, Value) {
    let mut headers = vec![("content-type", "application/cms")];
    if let Some(k) = key {
        headers.push(("idempotency-key", k));
    }
    let (status, headers, body) =
        s.request("POST", "/v1/applications", Some(token), &headers, Some(p7s));
    (status, headers, serde_json::from_slice(&body).unwrap())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A renewal application signed with `sign` asking for new keys of `spec`.
fn application(
    sign: &SoftwareKey,
    cert: &KzCertificate,
    spec: KeySpec,
) -> (Vec<u8>, Vec<(Purpose, SoftwareKey)>) {
    let keys: Vec<(Purpose, SoftwareKey)> = match spec {
        KeySpec::Gost512 => vec![(Purpose::Both, generate(spec).unwrap())],
        _ => vec![
            (Purpose::Auth, generate(spec).unwrap()),
            (Purpose::Sign, generate(spec).unwrap()),
        ],
    };
    let requests: Vec<(Purpose, &dyn Signer)> =
        keys.iter().map(|(p, k)| (*p, k as &dyn Signer)).collect();
    let signed =
        build_application(cert, sign, &requests, &details(), OffsetDateTime::now_utc()).unwrap();
    (signed.p7s_der, keys)
}

#[test]
fn a_gost_citizen_goes_from_login_to_revocation() {
    let s = server();
    let iin = iin(101);
    let files = s.enroll(&iin, "gost2015", &[]);
    assert_eq!(files.len(), 1);
    assert!(
        files[0]
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("GOST512_")
    );
    let (key, cert) = open_key(&files[0]);
    let token = login(s, &key, &cert);

    let (status, list) = s.json("GET", "/v1/certificates", Some(&token), None);
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["iin"], iin.as_str());
    assert_eq!(list["certificates"].as_array().unwrap().len(), 1);
    assert_eq!(list["certificates"][0]["status"], "valid");
    assert_eq!(list["certificates"][0]["algorithm"], "GOST2015-512");

    let (p7s, new_keys) = application(&key, &cert, KeySpec::Gost512);
    let (status, headers, body) = submit(s, &token, &p7s, None);
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["state"], "awaiting_code");
    let number = body["number"].as_i64().unwrap();
    assert_eq!(
        header(&headers, "location"),
        Some(format!("/v1/applications/{number}").as_str())
    );
    assert!(body["code_sent_to"].as_str().unwrap().ends_with("4567"));

    // Before the code: nothing to download.
    let (status, body) = s.json(
        "GET",
        &format!("/v1/applications/{number}/certificates"),
        Some(&token),
        None,
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "wrong-state");

    let code = s.last_code();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, body) = s.json(
        "POST",
        &format!("/v1/applications/{number}/confirm"),
        Some(&token),
        Some(&json!({ "code": wrong })),
    );
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "wrong-code");
    let (status, body) = s.json(
        "POST",
        &format!("/v1/applications/{number}/confirm"),
        Some(&token),
        Some(&json!({ "code": code })),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "issued");

    let (status, body) = s.json(
        "GET",
        &format!("/v1/applications/{number}/certificates"),
        Some(&token),
        None,
    );
    assert_eq!(status, 200, "{body}");
    let issued = &body["certificates"][0];
    assert_eq!(issued["purpose"], "both");
    let der = base64_decode(issued["certificate"].as_str().unwrap());
    let new_cert = KzCertificate::from_der(&der).unwrap();
    assert_eq!(new_cert.public_key(), new_keys[0].1.public_key());
    assert_eq!(new_cert.holder().iin.as_ref().unwrap().digits(), iin);
    let chain: Vec<KzCertificate> = issued["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| KzCertificate::parse(p.as_str().unwrap().as_bytes()).unwrap())
        .collect();
    assert_eq!(chain.len(), 2);
    let anchors = TrustAnchors::new(vec![chain[1].clone()]);
    validate(
        &new_cert,
        &chain[..1],
        &anchors,
        OffsetDateTime::now_utc(),
        Some(Purpose::Sign),
    )
    .unwrap();

    // The list now shows the new certificate and the old one as replaced.
    let (_, list) = s.json("GET", "/v1/certificates", Some(&token), None);
    let certs = list["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 2);
    let old_serial = cert.serial_hex();
    let old = certs
        .iter()
        .find(|c| c["serial"] == old_serial.as_str())
        .unwrap();
    assert_eq!(old["replaced"], true);

    // The new key logs in; then it revokes the old certificate.
    let new_token = login(s, &new_keys[0].1, &new_cert);
    let request = json!({ "serial": old_serial, "reason": "superseded" }).to_string();
    let signed = sign_message(
        request.as_bytes(),
        &new_keys[0].1,
        &new_cert,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let (status, _, body) = s.request(
        "POST",
        "/v1/revocations",
        Some(&new_token),
        &[("content-type", "application/cms")],
        Some(&signed),
    );
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["reason"], "superseded");
    let (_, list) = s.json("GET", "/v1/certificates", Some(&new_token), None);
    let old = list["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["serial"] == old_serial.as_str())
        .unwrap()
        .clone();
    assert_eq!(old["status"], "revoked");
    // The GOST CRL lists it.
    let (status, _, crl) = s.request("GET", "/v1/crl/gost.crl", None, &[], None);
    assert_eq!(status, 200);
    let crl: x509_cert::crl::CertificateList =
        x509_cert::crl::CertificateList::from_der(&crl).unwrap();
    let listed: Vec<String> = crl
        .tbs_cert_list
        .revoked_certificates
        .unwrap_or_default()
        .iter()
        .map(|r| qoltanba_pki::cert::serial_hex(r.serial_number.as_bytes()))
        .collect();
    assert!(listed.contains(&old_serial), "{listed:?}");
    // A revoked key can no longer log in.
    let nonce = challenge(s);
    let signed = sign_message(nonce.as_bytes(), &key, &cert, OffsetDateTime::now_utc()).unwrap();
    let (status, body) = login_with(s, &signed);
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "certificate-revoked");
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[test]
fn an_rsa_citizen_logs_in_with_openssl_and_renews() {
    let s = server();
    let iin = iin(202);
    let files = s.enroll(&iin, "rsa", &[]);
    assert_eq!(files.len(), 2);
    let auth = files
        .iter()
        .find(|f| {
            f.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("AUTH_RSA256_")
        })
        .unwrap();
    let sign = files
        .iter()
        .find(|f| {
            f.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("RSA256_")
        })
        .unwrap();

    // openssl signs the challenge with the AUTH key file, as a citizen
    // without qoltanba could.
    let work = s.dir.path().join(format!("openssl-{iin}"));
    std::fs::create_dir_all(&work).unwrap();
    let pass = format!("pass:{CITIZEN_PASSWORD}");
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .current_dir(&work)
            .args(args)
            .output()
            .expect("openssl is installed");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "pkcs12",
        "-legacy",
        "-in",
        auth.to_str().unwrap(),
        "-passin",
        &pass,
        "-nodes",
        "-out",
        "auth.pem",
    ]);
    let nonce = challenge(s);
    std::fs::write(work.join("nonce"), &nonce).unwrap();
    run(&[
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-in",
        "nonce",
        "-signer",
        "auth.pem",
        "-outform",
        "DER",
        "-out",
        "login.p7s",
    ]);
    let (status, body) = login_with(s, &std::fs::read(work.join("login.p7s")).unwrap());
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_string();

    // The SIGN key may not log in.
    let (sign_key, sign_cert) = open_key(sign);
    let nonce = challenge(s);
    let signed = sign_message(
        nonce.as_bytes(),
        &sign_key,
        &sign_cert,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let (status, body) = login_with(s, &signed);
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "wrong-key");

    let (p7s, _) = application(&sign_key, &sign_cert, KeySpec::P256);
    // Idempotency: a retry returns the same application; another body with
    // the same key is refused.
    let (status, _, first) = submit(s, &token, &p7s, Some("retry-1"));
    assert_eq!(status, 202, "{first}");
    let (status, _, again) = submit(s, &token, &p7s, Some("retry-1"));
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["number"], first["number"]);
    let (other, _) = application(&sign_key, &sign_cert, KeySpec::P256);
    let (status, _, body) = submit(s, &token, &other, Some("retry-1"));
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "idempotency-key-reused");

    let number = first["number"].as_i64().unwrap();
    let (status, body) = s.json(
        "POST",
        &format!("/v1/applications/{number}/confirm"),
        Some(&token),
        Some(&json!({ "code": s.last_code() })),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = s.json(
        "GET",
        &format!("/v1/applications/{number}/certificates"),
        Some(&token),
        None,
    );
    assert_eq!(status, 200, "{body}");
    let purposes: Vec<&str> = body["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(purposes, ["auth", "sign"]);
    let (status, list) = s.json("GET", "/v1/applications", Some(&token), None);
    assert_eq!(status, 200);
    assert_eq!(list["applications"][0]["state"], "issued");
}

#[test]
fn refusals() {
    let s = server();
    let a_iin = iin(303);
    let b_iin = iin(404);
    let a = s.enroll(&a_iin, "p256", &[]);
    let b = s.enroll(&b_iin, "p256", &[]);
    let pick = |files: &[std::path::PathBuf], prefix: &str| {
        open_key(
            files
                .iter()
                .find(|f| f.file_name().unwrap().to_str().unwrap().starts_with(prefix))
                .unwrap(),
        )
    };
    let (a_auth, a_auth_cert) = pick(&a, "AUTH_");
    let (a_sign, a_sign_cert) = pick(&a, "ECDSA256_");
    let (b_auth, b_auth_cert) = pick(&b, "AUTH_");
    let (b_sign, b_sign_cert) = pick(&b, "ECDSA256_");
    let a_token = login(s, &a_auth, &a_auth_cert);
    let b_token = login(s, &b_auth, &b_auth_cert);

    // Without a session, or with a made-up one.
    let (status, body) = s.json("GET", "/v1/certificates", None, None);
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let (status, _) = s.json("GET", "/v1/certificates", Some("forged"), None);
    assert_eq!(status, 401);

    // A replayed login, a nonce never handed out, an expired nonce.
    let nonce = challenge(s);
    let signed = sign_message(
        nonce.as_bytes(),
        &a_auth,
        &a_auth_cert,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    assert_eq!(login_with(s, &signed).0, 200);
    let (status, body) = login_with(s, &signed);
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("bad-challenge")),
        "{body}"
    );
    let foreign = sign_message(
        b"a-nonce-we-never-issued",
        &a_auth,
        &a_auth_cert,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    assert_eq!(login_with(s, &foreign).0, 401);
    let nonce = challenge(s);
    std::thread::sleep(std::time::Duration::from_secs(4));
    let late = sign_message(
        nonce.as_bytes(),
        &a_auth,
        &a_auth_cert,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    assert_eq!(login_with(s, &late).0, 401);

    // Malformed and tampered applications.
    let (status, _, body) = submit(s, &a_token, b"not a cms document", None);
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("bad-application")),
        "{body}"
    );
    let (p7s, _) = application(&a_sign, &a_sign_cert, KeySpec::P256);
    let mut tampered = p7s.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 1;
    let (status, _, body) = submit(s, &a_token, &tampered, None);
    assert_eq!(status, 400, "{body}");

    // B's application submitted in A's session: another person.
    let (b_p7s, _) = application(&b_sign, &b_sign_cert, KeySpec::P256);
    let (status, _, body) = submit(s, &a_token, &b_p7s, None);
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("other-person")),
        "{body}"
    );

    // Wrong codes until the application locks; then even the right one fails.
    let (status, _, body) = submit(s, &a_token, &p7s, None);
    assert_eq!(status, 202, "{body}");
    let number = body["number"].as_i64().unwrap();
    let code = s.last_code();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm = |token: &str, code: &str| {
        s.json(
            "POST",
            &format!("/v1/applications/{number}/confirm"),
            Some(token),
            Some(&json!({ "code": code })),
        )
    };
    // B cannot see or confirm A's application.
    let (status, body) = s.json(
        "GET",
        &format!("/v1/applications/{number}"),
        Some(&b_token),
        None,
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("no-such-application"))
    );
    assert_eq!(confirm(&b_token, &code).0, 404);
    assert_eq!(confirm(&a_token, wrong).0, 422);
    assert_eq!(confirm(&a_token, wrong).0, 422);
    let (status, body) = confirm(&a_token, wrong);
    assert_eq!(
        (status, body["code"].as_str()),
        (423, Some("application-locked")),
        "{body}"
    );
    let (status, _) = confirm(&a_token, &code);
    assert_eq!(status, 423);

    // An oversized body.
    let big = vec![0x30u8; 70_000];
    let (status, _, _) = s.request(
        "POST",
        "/v1/applications",
        Some(&a_token),
        &[("content-type", "application/cms")],
        Some(&big),
    );
    assert_eq!(status, 413);

    // A revoked signer cannot submit.
    let serial = hex::encode_upper(
        a_sign_cert
            .inner()
            .tbs_certificate()
            .serial_number()
            .as_bytes(),
    );
    let request = json!({ "serial": serial, "reason": "keyCompromise" }).to_string();
    let signed = sign_message(
        request.as_bytes(),
        &a_auth,
        &a_auth_cert,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let (status, _, _) = s.request(
        "POST",
        "/v1/revocations",
        Some(&a_token),
        &[],
        Some(&signed),
    );
    assert_eq!(status, 200);
    let (again, _) = application(&a_sign, &a_sign_cert, KeySpec::P256);
    let (status, _, body) = submit(s, &a_token, &again, None);
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("certificate-revoked")),
        "{body}"
    );
    // B cannot revoke A's certificate.
    let a_auth_serial = hex::encode_upper(
        a_auth_cert
            .inner()
            .tbs_certificate()
            .serial_number()
            .as_bytes(),
    );
    let request = json!({ "serial": a_auth_serial, "reason": "keyCompromise" }).to_string();
    let signed = sign_message(
        request.as_bytes(),
        &b_auth,
        &b_auth_cert,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let (status, _, _) = s.request(
        "POST",
        "/v1/revocations",
        Some(&b_token),
        &[],
        Some(&signed),
    );
    assert_eq!(status, 404);
}

#[test]
fn an_expired_certificate_cannot_log_in_or_sign() {
    let s = server();
    let iin = iin(505);
    let files = s.enroll(
        &iin,
        "gost2015",
        &["--valid-from", "2020-01-01T00:00:00Z", "--valid-days", "30"],
    );
    let (key, cert) = open_key(&files[0]);
    let nonce = challenge(s);
    let signed = sign_message(nonce.as_bytes(), &key, &cert, OffsetDateTime::now_utc()).unwrap();
    let (status, body) = login_with(s, &signed);
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("certificate-untrusted")),
        "{body}"
    );
    assert!(
        body["detail"].as_str().unwrap().contains("expired"),
        "{body}"
    );
}

#[test]
fn devices_register_and_are_removed() {
    let s = server();
    let iin = iin(606);
    let files = s.enroll(&iin, "gost2015", &[]);
    let (key, cert) = open_key(&files[0]);
    let token = login(s, &key, &cert);
    let (status, body) = s.json(
        "POST",
        "/v1/devices",
        Some(&token),
        Some(&json!({"platform": "android", "token": "fcm-token-1", "locale": "kk-KZ"})),
    );
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().unwrap();
    let (status, body) = s.json(
        "POST",
        "/v1/devices",
        Some(&token),
        Some(&json!({"platform": "symbian", "token": "x", "locale": "kk-KZ"})),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid-input"))
    );
    let (status, _) = s.json("DELETE", &format!("/v1/devices/{id}"), Some(&token), None);
    assert_eq!(status, 204);
    let (status, _) = s.json("DELETE", &format!("/v1/devices/{id}"), Some(&token), None);
    assert_eq!(status, 404);
}

#[test]
fn public_endpoints() {
    let s = server();
    let (status, body) = s.json("GET", "/v1/health", None, None);
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, doc) = s.json("GET", "/v1/openapi.json", None, None);
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for ca in ["root", "rsa", "ecdsa", "gost"] {
        let (status, _, der) = s.request("GET", &format!("/v1/ca/{ca}.cer"), None, &[], None);
        assert_eq!(status, 200);
        assert!(KzCertificate::from_der(&der).unwrap().is_ca());
    }
    // The OCSP responder answers even garbage with a DER OCSPResponse
    // (malformedRequest).
    let (status, headers, der) = s.request(
        "POST",
        "/v1/ocsp",
        None,
        &[("content-type", "application/ocsp-request")],
        Some(b"garbage"),
    );
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-type"),
        Some("application/ocsp-response")
    );
    assert_eq!(qoltanba_ra::ca::ocsp::response_status(&der), Some(1));
    let (status, body) = s.json("GET", "/v1/nothing-here", None, None);
    assert_eq!((status, body["code"].as_str()), (404, Some("not-found")));
}

#[test]
fn the_renewal_link_of_a_notice_opens_a_page_in_the_citizens_language() {
    let s = server();
    // The link as notices carry it (`{public_url}/renew/{serial}`).
    let (status, headers, body) = s.request(
        "GET",
        "/renew/5e0001",
        None,
        &[("accept-language", "ru-RU,ru;q=0.9,en;q=0.8")],
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-language"), Some("ru"));
    assert!(
        header(&headers, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        header(&headers, "content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    let html = String::from_utf8(body).unwrap();
    assert!(
        html.contains("Продление") && html.contains("5E0001"),
        "{html}"
    );
    assert!(
        html.contains(r#"href="qoltanba://renew?serial=5E0001""#),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    // No preference among kk, ru, en: Kazakh.
    let (status, headers, body) = s.request("GET", "/renew/5E0001", None, &[], None);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-language"), Some("kk"));
    assert!(String::from_utf8(body).unwrap().contains("жаңарту"));
    // A serial that is not hex: a problem, nothing echoed.
    let (status, _, body) = s.request("GET", "/renew/%3Cscript%3E", None, &[], None);
    assert_eq!(status, 404);
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["code"], "not-found");
    assert!(!problem.to_string().contains("script"), "{problem}");
}
