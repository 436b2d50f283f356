//! What the phone's cabinet asks the RA, through the core's own client
//! (`qoltanba_core::ra::RaClient`) against the real `qoltanba-ra` binary on
//! loopback: the public policy, the validity each storage claim gets, the
//! citizen's applications (and no one else's), the profile, push devices and
//! the revocation status in the certificate list. Raw requests, where a
//! client cannot send what is tested, go through `support` and are checked
//! against the OpenAPI document like every other answer.
#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed run

mod support;

use std::sync::OnceLock;

use qoltanba_core::ra::{RaClient, RaConfig, RaError, Ready, Session};
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, Signer, SoftwareKey, generate};
use qoltanba_pki::protocol::{
    CertificateStatus, NewDevice, NotificationPreferences, ProfileUpdate, RevocationRequest,
    StorageCheck,
};
use qoltanba_pki::reissue::{ApplicationDetails, StorageKind, build_application};
use qoltanba_pki::signed_message::sign_message;
use serde_json::json;
use support::*;
use time::OffsetDateTime;

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| Server::start(|_| {}))
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Runtime::new().unwrap())
}

fn client(s: &Server) -> RaClient {
    let pem = std::fs::read(s.home().join("tls/ca.pem")).unwrap();
    let (_, root) = der::pem::decode_vec(&pem).unwrap();
    RaClient::new(RaConfig::new(s.base.clone(), root)).unwrap()
}

fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    runtime().block_on(f)
}

/// Log in with a key through the client.
fn login(ra: &RaClient, key: &SoftwareKey, cert: &KzCertificate) -> Session {
    let challenge = block(ra.challenge()).unwrap();
    let signed = sign_message(
        challenge.nonce.as_bytes(),
        key,
        cert,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    block(ra.login(signed)).unwrap()
}

/// A GOST citizen: one AUTH+SIGN key file.
fn citizen(s: &Server, seq: u32) -> (String, SoftwareKey, KzCertificate) {
    let iin = iin(seq);
    let files = s.enroll(&iin, "gost2015", &[]);
    let (key, cert) = open_key(&files[0]);
    (iin, key, cert)
}

/// Submit a renewal claiming `storage`, confirm it with the code, download:
/// the application's number and the issued certificates.
fn renew(
    s: &Server,
    ra: &RaClient,
    session: &Session,
    key: &SoftwareKey,
    cert: &KzCertificate,
    storage: StorageKind,
) -> (i64, Vec<KzCertificate>) {
    let new = generate(KeySpec::Gost512).unwrap();
    let requests: Vec<(Purpose, &dyn Signer)> = vec![(Purpose::Both, &new as &dyn Signer)];
    let details = ApplicationDetails {
        email: "testov@example.kz".into(),
        locality: "Астана".into(),
        storage,
    };
    let p7s = build_application(cert, key, &requests, &details, OffsetDateTime::now_utc())
        .unwrap()
        .p7s_der;
    let key_id = format!("cabinet-{}", hex::encode(&p7s[p7s.len() - 8..]));
    let submitted = block(ra.submit(session, p7s, &key_id)).unwrap();
    let code = s.last_code();
    let confirmed = block(ra.confirm(session, submitted.number, &code)).unwrap();
    assert!(matches!(confirmed, Ready::Now(_)), "{confirmed:?}");
    let Ready::Now(issued) = block(ra.download(session, submitted.number)).unwrap() else {
        panic!("issued at once (auto-approval)")
    };
    let certs = issued
        .certificates
        .iter()
        .map(|c| KzCertificate::parse(c.pem.as_bytes()).unwrap())
        .collect();
    (submitted.number, certs)
}

fn days(cert: &KzCertificate) -> i64 {
    (cert.not_after() - cert.not_before()).whole_days()
}

fn refused_code(e: &RaError) -> (u16, &str) {
    match e {
        RaError::Refused { status, code, .. } => (*status, code.as_str()),
        other => panic!("not a refusal: {other:?}"),
    }
}

#[test]
fn the_policy_is_public_and_names_the_validity_per_storage() {
    let s = server();
    let (status, raw) = s.json("GET", "/v1/policy", None, None);
    assert_eq!(status, 200, "{raw}");
    let policy = block(client(s).policy()).unwrap();
    assert_eq!(serde_json::to_value(&policy).unwrap(), raw);
    let entry = |k| policy.for_storage(k).unwrap();
    assert_eq!(entry(StorageKind::File).validity_days, 365);
    assert_eq!(entry(StorageKind::File).check, StorageCheck::NotNeeded);
    assert_eq!(entry(StorageKind::PlatformKeystore).validity_days, 365);
    assert_eq!(
        entry(StorageKind::PlatformKeystore).check,
        StorageCheck::KeyAttestation
    );
    assert_eq!(entry(StorageKind::IdCard).validity_days, 1095);
    assert_eq!(entry(StorageKind::IdCard).check, StorageCheck::IdCardSigner);
    // By default a token claim cannot be backed: a key file's validity.
    assert_eq!(entry(StorageKind::Token).check, StorageCheck::NotPossible);
    assert_eq!(policy.validity_days(StorageKind::Token, true), 365);
    assert_eq!(policy.validity_days(StorageKind::IdCard, true), 1095);
    assert_eq!(policy.unconfirmed_validity_days, 365);
    assert_eq!(policy.algorithms, vec!["gost2015", "rsa", "p256"]);
    assert_eq!(policy.password.min_chars, 6);
    assert!(policy.password.needs_digit);
}

#[test]
fn each_renewal_gets_the_validity_of_the_storage_the_ra_established() {
    let s = server();
    let ra = client(s);
    // A key-file renewal: 1 year, recorded as a file.
    // A claim the RA cannot back (an ID card, signed with a key file; a
    // token): issued, not refused, with a key file's validity and recorded
    // as a file, so the list shows what the RA established.
    for (seq, claim) in [
        (301, StorageKind::File),
        (302, StorageKind::IdCard),
        (303, StorageKind::Token),
        (304, StorageKind::PlatformKeystore),
    ] {
        let (_, key, cert) = citizen(s, seq);
        let session = login(&ra, &key, &cert);
        let (_, issued) = renew(s, &ra, &session, &key, &cert, claim);
        assert_eq!(issued.len(), 1);
        assert_eq!(days(&issued[0]), 365, "{claim:?}");
        let list = block(ra.certificates(&session)).unwrap();
        let new = list
            .certificates
            .iter()
            .find(|c| c.serial == issued[0].serial_hex())
            .unwrap();
        assert_eq!(new.storage, Some(StorageKind::File), "{claim:?}");
        // The enrolment's key file, recorded as such.
        let old = list
            .certificates
            .iter()
            .find(|c| c.serial == cert.serial_hex())
            .unwrap();
        assert_eq!(old.storage, Some(StorageKind::File));
    }
}

#[test]
fn a_citizen_sees_only_their_own_applications() {
    let s = server();
    let ra = client(s);
    let (_, a_key, a_cert) = citizen(s, 311);
    let (_, b_key, b_cert) = citizen(s, 312);
    let a = login(&ra, &a_key, &a_cert);
    let b = login(&ra, &b_key, &b_cert);
    let (number, _) = renew(s, &ra, &a, &a_key, &a_cert, StorageKind::File);

    let mine = block(ra.applications(&a)).unwrap();
    assert_eq!(mine.applications.len(), 1);
    assert_eq!(mine.applications[0].number, number);
    let one = block(ra.application(&a, number)).unwrap();
    assert_eq!(one, mine.applications[0]);
    assert_eq!(one.state.token(), "issued");
    assert!(block(ra.applications(&b)).unwrap().applications.is_empty());

    // Another citizen's application and one that does not exist get the
    // same answer, so a number tells nobody whether it exists.
    let foreign = block(ra.application(&b, number)).unwrap_err();
    let missing = block(ra.application(&a, number + 1_000_000)).unwrap_err();
    assert_eq!(refused_code(&foreign), (404, "no-such-application"));
    assert_eq!(refused_code(&missing), (404, "no-such-application"));
    assert_eq!(
        foreign.to_string().replace(&number.to_string(), "N"),
        missing
            .to_string()
            .replace(&(number + 1_000_000).to_string(), "N")
    );
    // Nor its certificates.
    let (status, body) = s.json(
        "GET",
        &format!("/v1/applications/{number}/certificates"),
        Some(&b.token),
        None,
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("no-such-application"))
    );
}

#[test]
fn the_profile_keeps_the_contact_email_and_the_channels() {
    let s = server();
    let ra = client(s);
    let (iin, key, cert) = citizen(s, 321);
    let session = login(&ra, &key, &cert);

    let profile = block(ra.profile(&session)).unwrap();
    assert_eq!(profile.iin, iin);
    assert_eq!(profile.contact_email, None);
    assert_eq!(profile.notices_email.as_deref(), Some("testov@example.kz"));
    assert_eq!(profile.sms_to.as_deref(), Some("+7******4567"));
    assert_eq!(profile.notifications, NotificationPreferences::default());

    let update = ProfileUpdate {
        contact_email: Some(" aigul@mail.kz ".into()),
        notifications: NotificationPreferences {
            email: true,
            sms: false,
            push: true,
        },
    };
    let stored = block(ra.set_profile(&session, &update)).unwrap();
    assert_eq!(stored.contact_email.as_deref(), Some("aigul@mail.kz"));
    assert_eq!(stored.notices_email.as_deref(), Some("aigul@mail.kz"));
    assert!(!stored.notifications.sms);
    assert_eq!(block(ra.profile(&session)).unwrap(), stored);

    // Refusals: typed, and nothing changes.
    for bad in ["no-at-sign", "a@b", "тест@mail.kz", "a b@mail.kz"] {
        let e = block(ra.set_profile(
            &session,
            &ProfileUpdate {
                contact_email: Some(bad.into()),
                notifications: NotificationPreferences::default(),
            },
        ))
        .unwrap_err();
        assert_eq!(refused_code(&e), (400, "bad-email"), "{bad}");
        assert!(e.to_string().contains("correct it"), "{e}");
    }
    for body in [
        json!({ "contact_email": "a@b.kz" }),
        json!({ "notifications": { "email": true, "sms": true } }),
        json!({ "notifications": { "email": true, "sms": true, "push": true }, "phone": "+7" }),
    ] {
        let (status, problem) = s.json("PUT", "/v1/profile", Some(&session.token), Some(&body));
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("invalid-input")),
            "{body}"
        );
    }
    assert_eq!(block(ra.profile(&session)).unwrap(), stored);

    // Cleared: notices go to the registration centre's address again.
    let cleared = block(ra.set_profile(
        &session,
        &ProfileUpdate {
            contact_email: None,
            notifications: NotificationPreferences::default(),
        },
    ))
    .unwrap();
    assert_eq!(cleared.contact_email, None);
    assert_eq!(cleared.notices_email.as_deref(), Some("testov@example.kz"));

    // Not without a login.
    let (status, problem) = s.json("GET", "/v1/profile", None, None);
    assert_eq!(
        (status, problem["code"].as_str()),
        (401, Some("unauthenticated"))
    );
}

#[test]
fn devices_come_and_go_and_the_list_shows_revocations() {
    let s = server();
    let ra = client(s);
    let (_, a_key, a_cert) = citizen(s, 331);
    let (_, b_key, b_cert) = citizen(s, 332);
    let a = login(&ra, &a_key, &a_cert);
    let b = login(&ra, &b_key, &b_cert);

    let device = NewDevice {
        platform: "android".into(),
        token: "fcm-token-331".into(),
        locale: "kk-KZ".into(),
    };
    let id = block(ra.register_device(&a, &device)).unwrap().id;
    // Registering again keeps one row.
    assert_eq!(block(ra.register_device(&a, &device)).unwrap().id, id);
    let bad = NewDevice {
        platform: "windows".into(),
        ..device.clone()
    };
    let e = block(ra.register_device(&a, &bad)).unwrap_err();
    assert_eq!(refused_code(&e), (400, "invalid-input"));
    // Another citizen cannot remove it.
    let e = block(ra.remove_device(&b, id)).unwrap_err();
    assert_eq!(refused_code(&e), (404, "not-found"));
    block(ra.remove_device(&a, id)).unwrap();
    let e = block(ra.remove_device(&a, id)).unwrap_err();
    assert_eq!(refused_code(&e), (404, "not-found"));

    // Revoked through the client: the list says so, when and why.
    let request = serde_json::to_vec(&RevocationRequest {
        serial: a_cert.serial_hex(),
        reason: "keyCompromise".into(),
    })
    .unwrap();
    let signed = sign_message(&request, &a_key, &a_cert, OffsetDateTime::now_utc()).unwrap();
    let revoked = block(ra.revoke(&a, signed)).unwrap();
    let list = block(ra.certificates(&a)).unwrap();
    let entry = list
        .certificates
        .iter()
        .find(|c| c.serial == a_cert.serial_hex())
        .unwrap();
    assert_eq!(entry.status, CertificateStatus::Revoked);
    // The list keeps whole seconds; the revocation's answer had the instant.
    let at = entry.revoked_at.as_deref().unwrap();
    assert_eq!(
        at[..19],
        revoked.revoked_at[..19],
        "{at} vs {}",
        revoked.revoked_at
    );
    assert_eq!(entry.revocation_reason.as_deref(), Some("keyCompromise"));
    // A valid certificate carries neither.
    let other = block(ra.certificates(&b)).unwrap();
    assert_eq!(other.certificates[0].status, CertificateStatus::Valid);
    assert_eq!(other.certificates[0].revoked_at, None);
    assert_eq!(other.certificates[0].revocation_reason, None);
}
